#!/usr/bin/env python3
"""Inputs built to be slow (issue: each must be handled in under a second; before the fix each
took 40 s or more), timed on the release binary, with the size of the input beside each:

    python3 Benchmarks/hostile_inputs.py   (part of `make bench`)

1. import of one activity with 200,000 keys (the JSON duplicate-key check)
2. import of one XML activity with 100,000 repeated children
3. 20,000 pipelined LSP hover requests
4. a one-line document of 50,000 queries (half with errors): didOpen + semanticTokens
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import ROOT, median_interleaved  # noqa: E402

ACTQ = os.environ.get("ACTQ_BINARY", os.path.join(ROOT, ".build", "release", "actq"))


def frame(obj):
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def lsp_input(messages):
    start = [{"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"capabilities": {}}},
             {"jsonrpc": "2.0", "method": "initialized", "params": {}}]
    end = [{"jsonrpc": "2.0", "id": 99999999, "method": "shutdown"}, {"jsonrpc": "2.0", "method": "exit"}]
    return b"".join(frame(m) for m in start + messages + end)


def main():
    with tempfile.TemporaryDirectory() as directory:
        wide = {"id": 1, "created": {"date": "2024-01-01T00:00:00.000Z"}}
        wide.update({f"k{i}": i for i in range(200_000)})
        wide_path = os.path.join(directory, "wide.json")
        with open(wide_path, "w") as f:
            json.dump(wide, f)
        xml_path = os.path.join(directory, "many.xml")
        with open(xml_path, "w") as f:
            f.write('<activities xmlns="http://bindings.egain.com/ws/model/v12/gen/interaction/activity">'
                    '<activity id="5"><subject>s</subject>' + "<note>a</note>" * 100_000 + "</activity></activities>")
        uri = "file:///a.actq"
        hovers = [{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "actq", "version": 1, "text": "status = open"}}}]
        hovers += [{"jsonrpc": "2.0", "id": i + 1, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri}, "position": {"line": 0, "character": 3}}} for i in range(20_000)]
        pipelined = os.path.join(directory, "pipelined.lsp")
        with open(pipelined, "wb") as f:
            f.write(lsp_input(hovers))
        line = "queue = 5; status = ; " * 25_000
        one_line = os.path.join(directory, "oneline.lsp")
        with open(one_line, "wb") as f:
            f.write(lsp_input([
                {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
                    "uri": uri, "languageId": "actq", "version": 1, "text": line}}},
                {"jsonrpc": "2.0", "id": 7, "method": "textDocument/semanticTokens/full", "params": {"textDocument": {"uri": uri}}}]))
        store = os.path.join(directory, "s.sqlite")
        commands = {
            "import 1 activity of 200,000 keys (4.3 MB)": f"rm -f {store}*; {ACTQ} import {wide_path} --db {store}",
            "import 1 XML activity of 100,000 children (1.5 MB)": f"rm -f {store}*; {ACTQ} import {xml_path} --db {store}",
            "20,000 pipelined LSP hovers (4.2 MB)": f"{ACTQ} lsp --tz UTC < {pipelined} > /dev/null",
            "one line of 50,000 queries: didOpen + tokens": f"{ACTQ} lsp --tz UTC < {one_line} > /dev/null",
        }
        results = median_interleaved(commands, runs=3)
        print("hostile inputs (median of 3, release build; goal: under 1 s each)")
        for name, seconds in results.items():
            print(f"  {name:52} {seconds * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
