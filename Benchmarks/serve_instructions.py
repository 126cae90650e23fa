#!/usr/bin/env python3
"""Instructions `actq serve` executes per search, counted by callgrind (exact on a noisy machine,
unlike wrk's figures): the server runs under valgrind, one keep-alive client asks N searches,
and the count of a run of 1,200 searches minus that of a run of 200, over 1,000, is the cost of
one search without start-up and shutdown.

    python3 Benchmarks/serve_instructions.py [--store S] [--actq A] [--distinct]

`--distinct` makes every search different (a new upper bound on lastModifiedDate each time, the
same matches), so that none is answered from the emulator's kept answers. The store defaults to
the 100,000-activity store `performance_bench.py` imports (made with `actq demo` if missing).
"""
import argparse
import http.client
import os
import signal
import subprocess
import sys
import tempfile

from benchlib import OUT, ROOT, free_port, login, start_serve

PASSWORD = "bench-password"
PATH = "/system/ws/v12/interaction/activity?customer=1080&status=open"


def search_path(index, distinct):
    if not distinct:
        return PATH
    seconds = index % 60
    minutes = index // 60 % 60
    return f"{PATH}&lastModifiedDate=%5B2000-01-01T00:00:00.000Z,2030-02-01T00:{minutes:02d}:{seconds:02d}.000Z%5D"


def instructions(binary, store, searches, distinct, env):
    """Instructions of a whole `actq serve` run that answers `searches` searches."""
    out = tempfile.mktemp(prefix="serve-", suffix=".callgrind", dir=OUT)
    port = free_port()
    server = start_serve(binary, store, port, env, wrapper=("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"))
    session = login(f"http://127.0.0.1:{port}/system", "demo", PASSWORD)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for index in range(searches):
        connection.request("GET", search_path(index, distinct), headers={"X-egain-session": session, "Accept": "application/json"})
        answer = connection.getresponse()
        answer.read()
        if answer.status != 200:
            sys.exit(f"search {index} answered {answer.status}")
    connection.close()
    server.send_signal(signal.SIGINT)
    server.wait(timeout=300)
    total = 0
    with open(out) as counts:
        for line in counts:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    os.remove(out)
    return total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default=os.path.join(OUT, "perf-import-actq.sqlite"))
    parser.add_argument("--actq", default=os.path.join(ROOT, ".build", "release", "actq"))
    parser.add_argument("--distinct", action="store_true")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    env = dict(os.environ, ACTQ_SERVE_PASSWORD=PASSWORD, TZ="UTC")
    if not os.path.exists(args.store):
        subprocess.run([args.actq, "demo", "--count", "100000", "--seed", "1", "--until", "2026-11-01", "--db", args.store],
                       env=env, check=True, stdout=subprocess.DEVNULL)
    stripped = os.path.join(OUT, "actq-stripped")
    subprocess.run(["strip", "--strip-debug", "-o", stripped, args.actq], check=True)
    few = instructions(stripped, args.store, 200, args.distinct, env)
    many = instructions(stripped, args.store, 1200, args.distinct, env)
    kind = "distinct searches" if args.distinct else "the same search"
    print(f"actq serve, {kind}: {(many - few) / 1000 / 1000:.1f}k instructions per search "
          f"({many / 1e6:.1f} M for 1,200 - {few / 1e6:.1f} M for 200)")


if __name__ == "__main__":
    main()
