#!/usr/bin/env python3
"""The REPL and script mode on the demo store, side by side with sqlite3 on the same file:

- time to a usable prompt (a pseudo-terminal, until the prompt is drawn) vs `sqlite3`'s prompt;
- a cold `actq -e ... --format json` vs `sqlite3` running the equivalent SQL;
- script throughput: 10,000 queries piped into `actq` (queries/s).

    make bench    or    python3 Benchmarks/repl_bench.py [--runs R]
"""
import argparse
import os
import pty
import select
import statistics
import subprocess
import time

from benchlib import OUT, ROOT, timed


def time_to_prompt(command, prompt, env):
    """Seconds from start until `prompt` appears on the terminal; then the program is ended."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(command[0], command, env)
    seen = b""
    try:
        while prompt not in seen:
            ready, _, _ = select.select([fd], [], [], 10)
            if not ready:
                raise RuntimeError(f"no prompt from {command}: {seen[-200:]!r}")
            seen += os.read(fd, 4096)
        return time.perf_counter() - start
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--actq", default=os.path.join(ROOT, ".build", "release", "actq"))
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    home = os.path.join(OUT, "repl-home")
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(home, "data"), XDG_STATE_HOME=os.path.join(home, "state"),
               XDG_CONFIG_HOME=os.path.join(home, "config"), TZ="UTC", LANG="C.UTF-8", TERM="xterm", PAGER="")
    store = os.path.join(home, "data", "actq", "demo.sqlite")
    if not os.path.exists(store):
        subprocess.run([args.actq, "-e", "queue = 1000 page 1 size 1"], env=env, check=True, stdout=subprocess.DEVNULL)

    prompts = {"actq": [], "sqlite3": []}
    for _ in range(args.runs):
        prompts["actq"].append(time_to_prompt([args.actq], b"actq>", env))
        prompts["sqlite3"].append(time_to_prompt(["sqlite3", store], b"sqlite>", env))

    query = "status = open and queue = 1000"
    sql = ("SELECT count(*) FROM activity WHERE status = 'open' AND queue_id = 1000; "
           "SELECT summary FROM activity WHERE status = 'open' AND queue_id = 1000 ORDER BY id LIMIT 25;")
    cold = {"actq": [], "sqlite3": []}
    for _ in range(args.runs):
        cold["actq"].append(timed([args.actq, "-e", query, "--format", "json"], env=env, accept=(0, 4)))
        cold["sqlite3"].append(timed(["sqlite3", store, sql], env=env, accept=(0, 4)))

    script = os.path.join(OUT, "script-10000.actq")
    with open(script, "w") as out:
        for index in range(10_000):
            out.write(f"customer = {1002 + index % 600} and status = {'open' if index % 2 else 'completed'} page 1 size 5\n")
    throughput = []
    for _ in range(5):
        with open(script) as stdin:
            throughput.append(timed([args.actq, "--format", "ndjson"], stdin=stdin, env=env, accept=(0, 4)))

    median = statistics.median
    print(f"REPL and script mode on the demo store ({store}), medians of {args.runs} runs")
    print(f"  prompt     actq {median(prompts['actq']) * 1000:6.1f} ms   sqlite3 {median(prompts['sqlite3']) * 1000:6.1f} ms"
          f"   -> {median(prompts['actq']) / median(prompts['sqlite3']):.2f}x (target: under 100 ms)")
    print(f"  cold -e    actq {median(cold['actq']) * 1000:6.1f} ms   sqlite3 {median(cold['sqlite3']) * 1000:6.1f} ms"
          f"   -> {median(cold['actq']) / median(cold['sqlite3']):.2f}x (target <= 3x)")
    seconds = median(throughput)
    print(f"  script     10,000 piped queries in {seconds:.2f} s -> {10_000 / seconds:,.0f} queries/s")


if __name__ == "__main__":
    main()
