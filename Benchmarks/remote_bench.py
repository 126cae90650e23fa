#!/usr/bin/env python3
"""The emulator and the remote backend on a 100,000-activity store, side by side in one run:

- emulator throughput: wrk against `actq serve` with a selective search (req/s, p99 latency);
- one query end to end: `actq -e ... --backend remote` vs curl sending the same request with
  the same session;
- exporting ~10,000 matches: `actq --all` (pages of 75, followed by paginationInfo) vs a shell
  loop of curl calls over the same pages;
- a 4-way `in (…)` query (four requests, merged): `actq -e` vs the four single requests run one
  after another with curl.

    make bench    or    python3 Benchmarks/remote_bench.py [--count N] [--runs R] [--duration S]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from benchlib import OUT, ROOT, free_port, login, median_interleaved, start_serve, timed, wrk

PASSWORD = "bench-password"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--actq", default=os.path.join(ROOT, ".build", "release", "actq"))
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    home = tempfile.mkdtemp(prefix="actq-remote-bench-")
    env = dict(os.environ, XDG_STATE_HOME=os.path.join(home, "state"), XDG_CONFIG_HOME=os.path.join(home, "config"),
               XDG_DATA_HOME=os.path.join(home, "data"), ACTQ_SERVE_PASSWORD=PASSWORD)
    for key in ("ACTQ_URL", "ACTQ_USER", "ACTQ_PASSWORD", "ACTQ_SESSION"):
        env.pop(key, None)

    store = os.path.join(OUT, f"remote-{args.count}.sqlite")
    if not os.path.exists(store):
        print(f"building a {args.count:,}-activity store …", flush=True)
        timed([args.actq, "demo", "--count", str(args.count), "--db", store, "--until", "2024-06-15T12:00:00Z"], env=env)

    port = free_port()
    base = f"http://127.0.0.1:{port}/system"
    server = start_serve(args.actq, store, port, env)
    try:
        session = login(base, "demo", PASSWORD)
        headers = ["-H", f"X-egain-session: {session}", "-H", "Accept: application/json"]

        # A selective search: one customer's open activities.
        selective = "customer = 1080 and status = open"
        request = subprocess.run([args.actq, "explain", "-e", selective, "--format", "json"], capture_output=True, env=env)
        path = json.loads(request.stdout)["requests"][0]["url"]
        url = f"http://127.0.0.1:{port}/system{path}"

        rps, p99 = wrk(url, args.duration, (f"X-egain-session: {session}", "Accept: application/json"))

        # One query end to end, the same session for both.
        remote_env = dict(env, ACTQ_SESSION=session)
        actq_query = [args.actq, "-e", selective, "--url", base, "--user", "demo", "--format", "json"]
        curl_query = ["curl", "-s", *headers, url]
        single = median_interleaved({"actq": actq_query, "curl": curl_query}, args.runs, remote_env)

        # ~10,000 matches exported page by page.
        export = "queue = 1000 and mode = inbound"
        probe = subprocess.run([args.actq, "-e", export + " page 1 size 1", "--url", base, "--user", "demo", "--format", "json"],
                               capture_output=True, env=remote_env)
        matches = json.loads(probe.stdout)["paginationInfo"]["count"]
        pages = (matches + 74) // 75
        export_path = json.loads(subprocess.run([args.actq, "explain", "-e", export, "--format", "json"],
                                                capture_output=True, env=env).stdout)["requests"][0]["url"]
        header_args = " ".join(f"-H '{h}'" for h in (f"X-egain-session: {session}", "Accept: application/json"))
        curl_loop = (f"for p in $(seq 1 {pages}); do curl -s {header_args} "
                     f"'http://127.0.0.1:{port}/system{export_path}&$pagenum='$p'&$pagesize=75'; done > /dev/null")
        actq_all = [args.actq, "-e", export, "--all", "--url", base, "--user", "demo", "--format", "ndjson"]
        exported = median_interleaved({"actq --all": actq_all, "curl loop": curl_loop}, max(3, args.runs // 3), remote_env)
        lines = subprocess.run(actq_all, capture_output=True, env=remote_env).stdout.count(b"\n")
        if lines != matches:
            sys.exit(f"actq --all printed {lines} activities, expected {matches}")

        # A 4-way list: the requests explain lists, merged by actq vs sent one by one with curl.
        fanned = "queue in (1000, 1001, 1002, 1003) and status = open sort by lastModifiedDate desc"
        planned = json.loads(subprocess.run([args.actq, "explain", "-e", fanned, "--format", "json"],
                                            capture_output=True, env=env).stdout)["requests"]
        if len(planned) != 4:
            sys.exit(f"expected 4 requests, explain listed {len(planned)}")
        one_by_one = " && ".join(f"curl -s {header_args} 'http://127.0.0.1:{port}/system{r['url']}' > /dev/null" for r in planned)
        actq_fanned = [args.actq, "-e", fanned, "--url", base, "--user", "demo", "--format", "json"]
        fan = median_interleaved({"actq": actq_fanned, "curl x4": one_by_one}, args.runs, remote_env)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"\nemulator, {args.count:,} activities, selective search ({selective}), wrk -t2 -c32 {args.duration}s on this 2-core machine:")
    print(f"  {rps:,.0f} requests/s, p99 {p99:.2f} ms   (targets: >= 10,000 req/s, p99 < 20 ms)")
    print(f"\none query end to end, same request and session (median of {args.runs}, interleaved):")
    print(f"  actq -e --backend remote  {single['actq'] * 1000:7.1f} ms")
    print(f"  curl                      {single['curl'] * 1000:7.1f} ms")
    print(f"  ratio actq / curl         {single['actq'] / single['curl']:7.2f}x   (target <= 1.5x)")
    print(f"\nexporting {matches:,} matches ({export}) in {pages} pages of 75:")
    print(f"  actq --all                {exported['actq --all'] * 1000:7.0f} ms")
    print(f"  shell loop of curl        {exported['curl loop'] * 1000:7.0f} ms")
    print(f"  actq is {exported['curl loop'] / exported['actq --all']:.2f}x faster   (target: faster)")
    print(f"\n4-way in (…) ({fanned}), median of {args.runs}:")
    print(f"  actq, 4 concurrent requests merged  {fan['actq'] * 1000:7.1f} ms")
    print(f"  curl, the 4 requests in turn        {fan['curl x4'] * 1000:7.1f} ms")
    print(f"  actq is {fan['curl x4'] / fan['actq']:.2f}x faster   (target: faster)")


if __name__ == "__main__":
    main()
