#!/usr/bin/env python3
"""Runs actq's libFuzzer targets (see FuzzTargets.swift) with seed corpora from the repository.

    python3 Tests/Fuzz/fuzz.py [--seconds N] [--runs N] [--jobs N] [--timeout S] [TARGET ...]

Builds nothing: `make fuzz` builds the package first. Each target's corpus lives in
.build-fuzz/corpus/TARGET (seeded on every run, kept between runs); crashes, timeouts and
leaks are written to .build-fuzz/findings/TARGET and fail the run. Prints one line per target:
executions, executions per second, corpus size, findings. Inputs libFuzzer saves as slow
(`slow-unit-*`, over 10 s but under the timeout) are listed, not counted as findings: on a
loaded machine they come from the machine, and a real hang is a timeout. libFuzzer measures an
input's time on the wall clock, so a fuzzer paused with SIGSTOP reports a timeout when it goes
on: stop it and start it again instead.

Leaks are looked for in two ways. While fuzzing, LeakSanitizer runs only at exit: with
libFuzzer's per-input leak check, every input after which Foundation keeps memory (its
XMLParser, which actq used before it read XML itself, and JSONSerialization) makes it scan the
whole heap: the xml target ran at 301 inputs/s over 362,000 inputs with it and at 2,752/s over
1.1 million without. Then a second pass runs every unit of the
final corpus once with the per-input leak check on (`leak pass` in the output): every input
that found new coverage is checked for leaks, as it would be in a per-input run.
"""
import argparse
import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = ROOT / ".build-fuzz"
TARGETS = ["script", "request", "json", "xml", "lsp", "toml", "http"]
# Longest input per target: scripts and query strings are short; documents and sessions longer.
MAX_LEN = {"script": 2048, "request": 2048, "json": 8192, "xml": 8192, "lsp": 8192, "toml": 2048, "http": 4096}


def corpus_cases(kinds):
    """The inputs of grammar/corpus cases whose header names one of `kinds` (or any)."""
    for path in sorted((ROOT / "grammar" / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for block in re.split(r"^=== ", text, flags=re.M)[1:]:
            header, _, rest = block.partition("\n")
            body = rest.split("\n--- ", 1)[0]
            if kinds is None or header.split(":")[0].strip() in kinds:
                yield body.rstrip("\n")


def lsp_session(text):
    def frame(obj):
        body = json.dumps(obj).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body
    uri = "file:///seed.actq"
    messages = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {"general": {"positionEncodings": ["utf-8"]}}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "actq", "version": 1, "text": text}}},
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": {"line": 0, "character": 1}, "end": {"line": 0, "character": 3}}, "text": "and "}]}},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 2}}},
        {"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 5}}},
        {"jsonrpc": "2.0", "id": 4, "method": "textDocument/semanticTokens/full", "params": {"textDocument": {"uri": uri}}},
        {"jsonrpc": "2.0", "id": 5, "method": "textDocument/formatting", "params": {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}}},
        {"jsonrpc": "2.0", "id": 6, "method": "textDocument/documentSymbol", "params": {"textDocument": {"uri": uri}}},
        {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 7}},
        {"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}},
        {"jsonrpc": "2.0", "id": 8, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    return b"".join(frame(m) for m in messages)


def seeds(target):
    examples = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.actq"))]
    if target == "script":
        yield from corpus_cases(None)
        yield from examples
    elif target == "request":
        yield from corpus_cases({"url"})
        for line in (ROOT / "examples" / "expected").glob("*.explain"):
            for text in line.read_text(encoding="utf-8").splitlines():
                if text.startswith("GET "):
                    yield text[4:]
    elif target == "json":
        fixture = (ROOT / "Tests" / "ActivityStoreTests" / "Fixtures" / "activities.json").read_text(encoding="utf-8")
        yield fixture
        document = json.loads(fixture)
        for activity in document.get("activity", document if isinstance(document, list) else [])[:20]:
            yield json.dumps(activity)
        yield '{"a":[1,-0.5e10,"\\u00e9\\ud83d\\ude00",true,false,null],"b":{}}'
    elif target == "xml":
        fixture = json.loads((ROOT / "Tests" / "ActivityStoreTests" / "Fixtures" / "activities.json").read_text(encoding="utf-8"))
        for activity in fixture.get("activity", [])[:10]:
            yield xml_of(activity)
    elif target == "lsp":
        for text in examples[:6]:
            yield lsp_session(text)
        yield lsp_session("status = open and\n  queue = 5 sort by lastModifiedDate desc")
    elif target == "http":
        page = '{"activity":[{"id":1001}],"paginationInfo":{"count":1}}'
        yield f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(page)}\r\n\r\n{page}"
        yield ("HTTP/1.1 204 No Content\r\nX-egain-session: S\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n"
               "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\n{\"a\":\r\n2\r\n1}\r\n0\r\nX-T: 1\r\n\r\n"
               "HTTP/1.0 401 Unauthorized\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}")
        yield "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + page
    elif target == "toml":
        yield ('default_profile = "t"\n[profiles.t]\nurl = "http://127.0.0.1:8080/system"\nuser = "demo"\n'
               'wire = "xml"\ninsecure = false\ntimeout = 2.5\n')
        yield '[users.jenny]\npassword = "x"\nview_agent_console = false\n[users.frank]\npassword_sha256 = "' + "ab" * 32 + '"\n'


def xml_of(activity):
    """The API's XML for a JSON activity (a simple form; the fuzzer explores the rest)."""
    ns = "http://bindings.egain.com/ws/model/v12/gen/interaction/activity"
    common = "http://bindings.egain.com/ws/model/v12/gen/common"

    def element(name, value):
        if isinstance(value, dict):
            attributes = "".join(f' {k}="{v}"' for k, v in value.items() if k in ("id", "rel", "href") and not isinstance(v, (dict, list)))
            children = "".join(element(k, v) for k, v in value.items() if k not in ("id", "rel", "href") or isinstance(v, (dict, list)))
            tag = ("c:" if name in ("value", "displayValue") else "") + name
            return f"<{tag}{attributes}>{children}</{tag}>"
        if isinstance(value, list):
            return "".join(element(name, item) for item in value)
        text = str(value).replace("&", "&amp;").replace("<", "&lt;")
        tag = ("c:" if name in ("value", "displayValue") else "") + name
        return f"<{tag}>{text}</{tag}>"

    body = "".join(element(k, v) for k, v in activity.items() if k != "id")
    return f'<activities xmlns="{ns}" xmlns:c="{common}"><activity id="{activity.get("id", 1)}">{body}</activity></activities>'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "60")))
    parser.add_argument("--runs", type=int, default=0, help="stop after this many executions (0: by time)")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--fork", type=int, default=0,
                        help="run in N child processes that libFuzzer restarts (for a target whose memory grows "
                             "in long runs)")
    parser.add_argument("--timeout", type=int, default=10,
                        help="seconds of wall clock one input may take (raise it when the machine is shared)")
    parser.add_argument("targets", nargs="*", default=TARGETS)
    options = parser.parse_args()
    binary = BUILD / "release" / "ActqFuzz"
    if not binary.exists():
        sys.exit(f"{binary} is missing: run `make fuzz`")
    failed = False
    for target in options.targets:
        corpus = BUILD / "corpus" / target
        findings = BUILD / "findings" / target
        corpus.mkdir(parents=True, exist_ok=True)
        findings.mkdir(parents=True, exist_ok=True)
        for seed in seeds(target):
            data = seed.encode("utf-8") if isinstance(seed, str) else seed
            (corpus / hashlib.sha1(data).hexdigest()).write_bytes(data)
        common = [f"-artifact_prefix={findings}/", f"-timeout={options.timeout}", "-rss_limit_mb=4096",
                  f"-max_len={MAX_LEN.get(target, 4096)}", "-print_final_stats=1"]
        volume = [str(binary), str(corpus), *common, "-detect_leaks=0"] + ([f"-fork={options.fork}"] if options.fork else [])
        volume += [f"-runs={options.runs}"] if options.runs else [f"-max_total_time={options.seconds}"]
        # The leak pass: -runs=0 executes every corpus unit once (loading the corpus) and stops.
        leak_pass = [str(binary), str(corpus), *common, "-detect_leaks=1", "-runs=0"]
        for label, arguments, leaks in ((target, volume, "0"), (f"{target} leak pass", leak_pass, "1")):
            # SWIFT_BACKTRACE=enable=no: the Swift runtime's crash reporter would take a trap
            # before libFuzzer does (and under ASan it trips over its own memory reads, then
            # waits for minutes); libFuzzer saves the input and ASan prints the stack.
            # malloc_context_size: ASan records the stack of every allocation, 30 frames by
            # default, for use-after-free and leak reports; in the volume run 4 frames say where
            # the memory came from, and the lsp target runs 30 % faster (821 -> 1,067 inputs/s).
            # The leak pass keeps every frame: lsan.supp matches on frames deep in the stack.
            context = "" if leaks == "1" else ":malloc_context_size=4"
            environment = dict(os.environ, ACTQ_FUZZ_TARGET=target, SWIFT_BACKTRACE="enable=no",
                               ASAN_OPTIONS=f"detect_leaks={leaks}:allocator_may_return_null=1{context}",
                               LSAN_OPTIONS=f"suppressions={ROOT / 'Tests' / 'Fuzz' / 'lsan.supp'}:print_suppressions=0")
            result = subprocess.run(arguments, env=environment, capture_output=True, text=True, errors="replace")
            log = result.stderr
            (BUILD / f"fuzz-{label.replace(' ', '-')}.log").write_text(log)
            runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", log)
            if runs is None:  # fork mode: the parent's progress lines count every child's inputs
                forked = re.findall(r"^#(\d+): cov:", log, flags=re.M)
                runs = re.match(r"(\d+)", forked[-1]) if forked else None
            speed = re.search(r"stat::average_exec_per_sec:\s*(\d+)", log)
            rss = re.search(r"stat::peak_rss_mb:\s*(\d+)", log)
            saved = sorted(p.name for p in findings.iterdir())
            found = [name for name in saved if not name.startswith("slow-unit-")]
            slow = len(saved) - len(found)
            units = len(list(corpus.iterdir()))
            print(f"{label:18} {int(runs.group(1)) if runs else 0:>12,} executions  {int(speed.group(1)) if speed else 0:>7,}/s  "
                  f"corpus {units:>6,}  peak RSS {int(rss.group(1)) if rss else 0:>5,} MB  findings {len(found)}  (exit {result.returncode})"
                  + (f"  slow units {slow} (in {findings})" if slow else ""),
                  flush=True)
            if result.returncode != 0 or found:
                failed = True
                print("\n".join(log.splitlines()[-30:]))
                break
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
