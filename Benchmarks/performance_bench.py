#!/usr/bin/env python3
"""The performance table, every row side by side with its peer in one run:

| work                                             | peer                                              |
|--------------------------------------------------|---------------------------------------------------|
| cold `actq --db S --format json -e Q` (20k store) | `sqlite3 S` with the SQL of that search            |
| cold `actq explain -e Q`                         | the same sqlite3 command                          |
| `actq import` of 100,000 activities (NDJSON)     | sqlite3's JSON functions filling the same tables  |
| the store's size after that import               | the NDJSON input                                  |
| `actq check` of 100,000 varied queries           | `wc -w` on the file                               |
| the same, in instructions, of 10,000 of them     | `wc -w` on those, in instructions                 |
| `actq serve` under wrk, a selective search       | nginx (one worker) serving the same body as a file |
| the same, every search distinct (none kept)      | the same nginx figure                             |
| one remote query end to end (`ACTQ_SESSION`)     | curl with the same request and session            |

The cold rows and the counted check row are instruction counts from valgrind's callgrind
(exact on a noisy machine; valgrind reads a copy of the binary made with `strip
--strip-debug`; every thread's count); the others are medians
of interleaved runs (wall clock) or wrk's figures.

    make bench    or    python3 Benchmarks/performance_bench.py [--runs R] [--duration S] [--only cold|import|check|serve ...]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from benchlib import OUT, ROOT, free_port, login, median_interleaved, start_serve, timed, wrk

QUERY = "customer = 1080 and status = open"
# What the local store runs for QUERY's first page (the count, then the rows).
SQL = ("SELECT count(*) FROM activity WHERE customer_id = 1080 AND status = 'open'; "
       "SELECT summary FROM activity WHERE customer_id = 1080 AND status = 'open' ORDER BY id LIMIT 75;")
PASSWORD = "bench-password"
# wrk's request generator for distinct searches: each of wrk's threads counts on its own, from
# its own offset, through upper bounds a millisecond apart in 2030.
DISTINCT_SEARCHES = """
local threads = 0
function setup(thread)
  thread:set("offset", threads * 100000000)
  threads = threads + 1
end
local counter = 0
function request()
  counter = counter + 1
  local n = offset + counter
  local ms, s, m, h = n % 1000, math.floor(n / 1000) % 60, math.floor(n / 60000) % 60, math.floor(n / 3600000) % 24
  local day = 1 + math.floor(n / 86400000) % 28
  local upper = string.format("2030-02-%02dT%02d:%02d:%02d.%03dZ", day, h, m, s, ms)
  return wrk.format(nil, "PATH&lastModifiedDate=%5B2000-01-01T00:00:00.000Z," .. upper .. "%5D")
end
"""


def instructions(command, env=None):
    """Instructions one run of `command` executes, counted by callgrind (children not followed)."""
    with tempfile.NamedTemporaryFile(prefix="callgrind-", dir=OUT) as out:
        completed = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out.name}", *command],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command)} failed under valgrind: {completed.stderr.decode()[-800:]}")
    return int(re.search(r"Collected\s*:\s*(\d+)", completed.stderr.decode()).group(1))


def sqlite3_json_import(ndjson, target, schema):
    """sqlite3 loading the NDJSON export into actq's tables with its own JSON functions."""
    millis = "CAST(round((julianday({0}) - 2440587.5) * 86400000) AS INTEGER)"
    columns = {
        "id": "j->>'$.id'", "case_id": "j->>'$.case.id'", "customer_id": "j->>'$.customer.id'",
        "status": "j->>'$.status.value'", "mode": "j->>'$.mode.value'", "type": "j->>'$.type.value'",
        "assigned_to": "j->>'$.assigned.user.id'", "assigned_user_name": "j->>'$.assigned.user.name'",
        "queue_id": "j->>'$.queue.id'", "created": millis.format("j->>'$.created.date'"),
        "last_modified": millis.format("j->>'$.lastModified.date'"),
        # What actq stores: the summary members, and beside them the other members (a demo
        # activity's payload and attachments) after a "+".
        "summary": "json_remove(j, '$.payload', '$.attachments')",
        "resource": "'+' || json_object('payload', j->'$.payload', 'attachments', j->'$.attachments')",
    }
    activity_table = re.search(r"^CREATE TABLE activity \((.*?)^\);", schema, flags=re.M | re.S).group(1)
    names = re.findall(r"^\s+(\w+) (?:INTEGER|TEXT)", activity_table, flags=re.M)
    tables = "\n".join(s + ";" for s in schema.split(";\n") if s.startswith("CREATE TABLE") and "grdb" not in s and "sqlite_stat" not in s)
    indexes = "\n".join(s + ";" for s in schema.split(";\n") if s.startswith("CREATE INDEX"))
    script = f"""
PRAGMA page_size = 16384;
PRAGMA journal_mode = WAL;
{tables}
CREATE TEMP TABLE raw(j TEXT);
.mode ascii
.separator "\x1f" "\\n"
.import {ndjson} raw
BEGIN;
INSERT INTO activity ({", ".join(names)}) SELECT {", ".join(columns[n] for n in names)} FROM raw;
INSERT OR IGNORE INTO custom_attribute (activity_id, name, value)
  SELECT raw.j->>'$.id', a.value->>'$.attribName', v.value->>'$.value'
  FROM raw, json_each(raw.j, '$.customAttributes.customAttribute') a, json_each(a.value, '$.attribValues.attribValue') v;
{indexes}
COMMIT;
"""
    for path in (target, target + "-journal", target + "-wal"):
        if os.path.exists(path):
            os.remove(path)
    start = time.perf_counter()
    subprocess.run(["sqlite3", target], input=script.encode(), check=True)
    return time.perf_counter() - start


def store_bytes(path):
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--actq", default=os.path.join(ROOT, ".build", "release", "actq"))
    parser.add_argument("--only", choices=["cold", "import", "check", "serve"], action="append",
                        help="run only these rows (repeatable; serve reuses the last import's store when there is one)")
    args = parser.parse_args()
    only = set(args.only or ["cold", "import", "check", "serve"])
    for tool in ("valgrind", "sqlite3", "wrk", "curl", "nginx"):
        if shutil.which(tool) is None and not os.path.exists(f"/usr/sbin/{tool}"):
            sys.exit(f"{tool} is needed: apt-get install {'nginx-light' if tool == 'nginx' else tool}")
    os.makedirs(OUT, exist_ok=True)
    home = tempfile.mkdtemp(prefix="actq-perf-bench-")
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(home, "state"), XDG_CONFIG_HOME=os.path.join(home, "config"),
               XDG_DATA_HOME=os.path.join(home, "data"), ACTQ_SERVE_PASSWORD=PASSWORD, TZ="UTC")
    for key in ("ACTQ_URL", "ACTQ_USER", "ACTQ_PASSWORD", "ACTQ_SESSION", "ACTQ_DB"):
        env.pop(key, None)
    stripped = os.path.join(OUT, "actq-stripped")
    subprocess.run(["strip", "--strip-debug", "-o", stripped, args.actq], check=True)
    rows = []

    # Cold start: a search on a 20k store, and explain, against sqlite3 running the search's SQL.
    small = os.path.join(OUT, "perf-demo-20000.sqlite")
    if "cold" in only and not os.path.exists(small):
        timed([args.actq, "demo", "--count", "20000", "--seed", "1", "--until", "2026-11-01", "--db", small + ".tmp"], env=env)
        os.rename(small + ".tmp", small)
    if "cold" in only:
        sqlite_cold = instructions(["sqlite3", small, SQL])
        json_cold = instructions([stripped, "--db", small, "--format", "json", "-e", QUERY], env)
        explain_cold = instructions([stripped, "explain", "-e", QUERY], env)
        rows.append(("cold `actq --db S --format json -e Q` (20k store)", f"{json_cold / 1e6:.1f} M instr",
                     "`sqlite3 S` the same search's SQL", f"{sqlite_cold / 1e6:.1f} M instr", json_cold / sqlite_cold, "<= 4x"))
        rows.append(("cold `actq explain -e Q`", f"{explain_cold / 1e6:.1f} M instr",
                     "the same sqlite3 command", f"{sqlite_cold / 1e6:.1f} M instr", explain_cold / sqlite_cold, "<= 3x"))

    # Import of 100,000 demo activities, against sqlite3's JSON functions; then the store's size.
    source = os.path.join(OUT, "perf-demo-100000.sqlite")
    ndjson = os.path.join(OUT, "perf-export-100000.ndjson")
    if not os.path.exists(ndjson):
        if not os.path.exists(source):
            timed([args.actq, "demo", "--count", "100000", "--seed", "1", "--until", "2026-11-01", "--db", source], env=env)
        with open(ndjson + ".tmp", "wb") as out:
            timed([args.actq, "-e", "lastModifiedDate >= 2000-01-01 show all", "--all", "--format", "ndjson", "--db", source],
                  stdout=out, env=env)
        os.rename(ndjson + ".tmp", ndjson)
    store = os.path.join(OUT, "perf-import-actq.sqlite")
    peer_store = os.path.join(OUT, "perf-import-sqlite3.sqlite")
    import_seconds, peer_seconds = [], []
    rounds = 3 if "import" in only else 0 if os.path.exists(store) else 1
    for _ in range(rounds):
        for path in (store, store + "-wal", store + "-shm"):
            if os.path.exists(path):
                os.remove(path)
        import_seconds.append(timed([args.actq, "import", ndjson, "--db", store], env=env))
        schema = subprocess.run(["sqlite3", store, ".schema"], capture_output=True, check=True).stdout.decode()
        peer_seconds.append(sqlite3_json_import(ndjson, peer_store, schema))
    if "import" in only:
        actq_import, peer_import = sorted(import_seconds)[1], sorted(peer_seconds)[1]
        rows.append(("`actq import` 100,000 activities (NDJSON)", f"{actq_import:.2f} s",
                     "sqlite3 JSON functions, same tables and indexes", f"{peer_import:.2f} s", actq_import / peer_import, "<= 1.0x"))
        size, input_size = store_bytes(store), os.path.getsize(ndjson)
        rows.append(("store size after that import", f"{size / 1e6:.0f} MB", "the NDJSON input", f"{input_size / 1e6:.0f} MB",
                     size / input_size, "<= 1.3x"))
    if "check" in only:
        check_rows(args, env, stripped, rows)
    if "serve" in only:
        serve_rows(args, env, store, rows)
    print(f"\nperformance, Q = `{QUERY}` ({os.cpu_count()} cores; wall-clock rows are medians of {args.runs} or wrk {args.duration} s)\n")
    print("| work | actq | peer, same work | peer | ratio | goal |")
    print("|---|---|---|---|---|---|")
    for work, mine, peer, theirs, ratio, goal in rows:
        print(f"| {work} | {mine} | {peer} | {theirs} | {ratio:.2f}x | {goal} |")


def check_rows(args, env, stripped, rows):
    """`actq check` throughput against `wc -w`, by the clock and counted."""
    queries = os.path.join(OUT, "queries-100000.actq")
    subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "generate_queries.py"), "100000", queries], check=True)
    check = median_interleaved({"actq": [args.actq, "check", queries], "wc": ["wc", "-w", queries]}, args.runs)
    rows.append(("`actq check` 100,000 varied queries", f"{100_000 / check['actq'] / 1e3:.0f}k queries/s",
                 "`wc -w` on the file", f"{check['wc'] * 1000:.1f} ms", check["actq"] / check["wc"], "<= 5x, >= 500k/s"))
    # The same work counted (the wall clock of this row swings by 2x on a loaded machine): the
    # instructions of every thread of a check of the first 10,000 queries, per query.
    sample = os.path.join(OUT, "queries-10000.actq")
    with open(queries, "rb") as whole, open(sample, "wb") as out:
        out.writelines(whole.readlines()[:10_000])
    check_instructions = instructions([stripped, "check", sample], env)
    wc_instructions = instructions(["wc", "-w", sample])
    rows.append(("the same, counted: 10,000 of those queries", f"{check_instructions / 10_000 / 1e3:.1f}k instr/query",
                 "`wc -w` on them", f"{wc_instructions / 10_000 / 1e3:.2f}k instr/query", check_instructions / wc_instructions, "-"))



def serve_rows(args, env, store, rows):
    """The emulator on the imported store under wrk, against nginx serving the same body; then
    one remote query end to end against curl."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/system"
    server = start_serve(args.actq, store, port, env)
    nginx = None
    try:
        session = login(base, "demo", PASSWORD)
        headers = (f"X-egain-session: {session}", "Accept: application/json")
        path = json.loads(subprocess.run([args.actq, "explain", "-e", QUERY, "--format", "json"], capture_output=True,
                                         env=env, check=True).stdout)["requests"][0]["url"]
        body = subprocess.run(["curl", "-s", "-H", headers[0], "-H", headers[1], f"{base}{path}"], capture_output=True, check=True).stdout
        actq_rps, actq_p99 = wrk(f"{base}{path}", args.duration, headers)
        # The same search with a different upper bound on lastModifiedDate each time (after every
        # stored activity: the same matches, a body of the same size), so that no answer is asked
        # twice and none comes from the emulator's kept answers.
        distinct_script = os.path.join(OUT, "distinct-searches.lua")
        with open(distinct_script, "w") as out:
            out.write(DISTINCT_SEARCHES.replace("PATH", "/system" + path))
        distinct_rps, distinct_p99 = wrk(f"{base}{path}", args.duration, headers, distinct_script)

        root = tempfile.mkdtemp(prefix="nginx-", dir=OUT)
        file_path = os.path.join(root, "system" + path.split("?")[0])
        os.makedirs(os.path.dirname(file_path), exist_ok=True)
        with open(file_path, "wb") as out:
            out.write(body)
        nginx_port = free_port()
        with open(os.path.join(root, "nginx.conf"), "w") as conf:
            conf.write(f"""worker_processes 1; daemon off; pid {root}/nginx.pid; error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; default_type application/json; client_body_temp_path {root};
  server {{ listen 127.0.0.1:{nginx_port}; root {root}; }} }}
""")
        nginx = subprocess.Popen(["nginx", "-p", root, "-c", os.path.join(root, "nginx.conf")], stderr=subprocess.DEVNULL)
        for _ in range(100):
            if subprocess.run(["curl", "-s", "-o", "/dev/null", f"http://127.0.0.1:{nginx_port}/"]).returncode == 0:
                break
            time.sleep(0.05)
        served = subprocess.run(["curl", "-s", f"http://127.0.0.1:{nginx_port}/system{path}"], capture_output=True).stdout
        if served != body:
            sys.exit("nginx does not serve the emulator's answer")
        nginx_rps, nginx_p99 = wrk(f"http://127.0.0.1:{nginx_port}/system{path}", args.duration)
        rows.append((f"`actq serve`, wrk -t2 -c32 (a {len(body) / 1e3:.0f} KB answer)", f"{actq_rps / 1e3:.1f}k req/s, p99 {actq_p99:.1f} ms",
                     "nginx, one worker, the same body as a file", f"{nginx_rps / 1e3:.1f}k req/s, p99 {nginx_p99:.1f} ms",
                     actq_rps / nginx_rps, ">= 0.5x"))
        rows.append(("the same with every search distinct (none answered from the kept answers)",
                     f"{distinct_rps / 1e3:.1f}k req/s, p99 {distinct_p99:.1f} ms",
                     "nginx as above", f"{nginx_rps / 1e3:.1f}k req/s, p99 {nginx_p99:.1f} ms", distinct_rps / nginx_rps, "-"))

        # One remote query end to end, the same session for both.
        remote_env = dict(env, ACTQ_SESSION=session)
        single = median_interleaved({
            "actq": [args.actq, "-e", QUERY, "--url", base, "--user", "demo", "--format", "json"],
            "curl": ["curl", "-s", "-H", headers[0], "-H", headers[1], f"{base}{path}"],
        }, args.runs, remote_env)
        rows.append(("one remote query end to end (`ACTQ_SESSION`)", f"{single['actq'] * 1000:.1f} ms",
                     "curl, the same request", f"{single['curl'] * 1000:.1f} ms", single["actq"] / single["curl"], "<= 1.3x"))
    finally:
        server.terminate()
        server.wait(timeout=30)
        if nginx:
            nginx.terminate()
            nginx.wait(timeout=30)


if __name__ == "__main__":
    main()
