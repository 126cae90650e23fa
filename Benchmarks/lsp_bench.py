#!/usr/bin/env python3
"""`actq lsp` on a 10,000-line document: the time from a one-character didChange to its
publishDiagnostics, and from a completion request to its response (medians).

    make bench    or    python3 Benchmarks/lsp_bench.py [--runs R]
"""
import argparse
import json
import os
import statistics
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Client:
    def __init__(self, command):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 1

    def send(self, message):
        body = json.dumps(message).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.process.stdout.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.process.stdout.read(length))

    def request(self, method, params):
        ident = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == ident:
                return message

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_diagnostics(self, version):
        while True:
            message = self.read()
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"].get("version") == version:
                return message


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--actq", default=os.path.join(ROOT, ".build", "release", "actq"))
    args = parser.parse_args()
    client = Client([args.actq, "lsp", "--tz", "UTC"])
    client.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    client.notify("initialized", {})
    lines = 10_000
    text = "".join(f"status = open and queue = {1000 + i % 50} and lastModifiedDate >= -7d sort by lastModifiedDate desc\n"
                   for i in range(lines))
    uri = "file:///bench.actq"
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "actq", "version": 1, "text": text}})
    client.wait_diagnostics(1)
    change_times = []
    for version in range(2, 2 + args.runs):
        line = (version * 37) % lines
        start = time.perf_counter()
        client.notify("textDocument/didChange", {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [{"range": {"start": {"line": line, "character": 0}, "end": {"line": line, "character": 0}},
                                "text": " "}]})
        client.wait_diagnostics(version)
        change_times.append(time.perf_counter() - start)
    completion_times = []
    for index in range(args.runs):
        start = time.perf_counter()
        client.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                   "position": {"line": (index * 101) % lines, "character": 10}})
        completion_times.append(time.perf_counter() - start)
    client.request("shutdown", None)
    client.notify("exit", None)
    client.process.wait(timeout=10)
    median = statistics.median
    print(f"language server on a {lines:,}-line document, medians of {args.runs}")
    print(f"  didChange (one character) -> publishDiagnostics  {median(change_times) * 1000:7.1f} ms   (target < 20 ms)")
    print(f"  completion request -> response                   {median(completion_times) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
