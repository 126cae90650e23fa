#!/usr/bin/env python3
"""The local store on 1,000,000 activities, side by side with sqlite3 and jq in one run:

- import rate: `actq import` of NDJSON vs `sqlite3 .import` of the same rows as CSV;
- a selective query end to end (`actq -e ... --format json`) vs the sqlite3 CLI running the
  equivalent SQL on the same file, and vs jq filtering the JSON export;
- peak RSS of `actq` exporting every match of a broad query with --all as NDJSON.

    make bench    or    python3 Benchmarks/store_bench.py [--count N] [--runs R]
"""
import os
import subprocess
import sys
import time

from benchlib import OUT, ROOT, arguments, median_interleaved, timed


def peak_rss_mb(command, stdout_path):
    """Runs a command under /usr/bin/time -f %M and returns (seconds, peak RSS in MB)."""
    with open(stdout_path, "wb") as out:
        start = time.perf_counter()
        completed = subprocess.run(["/usr/bin/time", "-f", "%M", *command], stdout=out, stderr=subprocess.PIPE)
        elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {completed.stderr.decode()[:800]}")
    kilobytes = int(completed.stderr.decode().strip().splitlines()[-1])
    return elapsed, kilobytes / 1024


def main():
    args = arguments(21, tools=("sqlite3", "jq"))
    os.makedirs(OUT, exist_ok=True)
    actq = args.actq
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(OUT, "xdg"), TZ="UTC")
    source = os.path.join(OUT, f"demo-{args.count}.sqlite")
    export = os.path.join(OUT, f"export-{args.count}.ndjson")
    if not os.path.exists(source):
        print(f"generating {args.count:,} demo activities ...", flush=True)
        timed([actq, "demo", "--count", str(args.count), "--seed", "1", "--until", "2026-11-01", "--db", source + ".tmp"], env=env)
        os.rename(source + ".tmp", source)

    # Peak RSS while exporting every match of a broad query as NDJSON (this is also the import input).
    broad = "lastModifiedDate >= 2000-01-01 show all"
    export_seconds, export_rss = peak_rss_mb([actq, "-e", broad, "--all", "--format", "ndjson", "--db", source], export)
    export_size = os.path.getsize(export)

    # Import: actq from NDJSON vs sqlite3 .import of the same rows as CSV into the same schema.
    target = os.path.join(OUT, "import-actq.sqlite")
    for path in (target, target + "-journal"):
        if os.path.exists(path):
            os.remove(path)
    import_seconds = timed([actq, "import", export, "--db", target], env=env)

    csv_path = os.path.join(OUT, "rows.csv")
    with open(csv_path, "wb") as out:
        timed(["sqlite3", "-csv", source, "SELECT * FROM activity"], stdout=out)
    schema = subprocess.run(["sqlite3", source, ".schema activity"], capture_output=True, check=True).stdout.decode()
    sqlite_target = os.path.join(OUT, "import-sqlite3.sqlite")
    if os.path.exists(sqlite_target):
        os.remove(sqlite_target)
    script = f"{schema}\n.import --csv {csv_path} activity\n"
    start = time.perf_counter()
    subprocess.run(["sqlite3", sqlite_target], input=script.encode(), check=True)
    sqlite_seconds = time.perf_counter() - start

    # A selective query end to end.
    query = "customer = 1080 and status = open"
    sql = ("SELECT count(*) FROM activity WHERE customer_id = 1080 AND status = 'open'; "
           "SELECT summary FROM activity WHERE customer_id = 1080 AND status = 'open' ORDER BY id LIMIT 25 OFFSET 0;")
    timings = median_interleaved({
        "actq": [actq, "-e", query, "--format", "json", "--db", source],
        "sqlite3": ["sqlite3", source, sql],
    }, args.runs)
    jq_seconds = timed(["jq", "-c", 'select(.customer.id == 1080 and .status.value == "open")', export])

    print(f"local store: {args.count:,} activities (export {export_size / 1e6:,.0f} MB NDJSON)")
    print(f"  import      actq import (NDJSON)     {import_seconds:8.2f} s  {args.count / import_seconds:12,.0f} activities/s")
    print(f"              sqlite3 .import (CSV)    {sqlite_seconds:8.2f} s  {args.count / sqlite_seconds:12,.0f} rows/s"
          f"   -> actq at {sqlite_seconds / import_seconds:.2f}x sqlite3's rate")
    print(f"  query       actq -e '{query}' --format json  {timings['actq'] * 1000:7.1f} ms (median of {args.runs})")
    print(f"              sqlite3 CLI, same SQL             {timings['sqlite3'] * 1000:7.1f} ms"
          f"   -> {timings['actq'] / timings['sqlite3']:.2f}x (target <= 1.3x)")
    print(f"              jq over the NDJSON export         {jq_seconds * 1000:7.1f} ms"
          f"   -> actq {jq_seconds / timings['actq']:,.0f}x faster (target >= 20x)")
    print(f"  export      --all NDJSON of every match: {export_seconds:.1f} s, peak RSS {export_rss:.0f} MB (target < 150 MB)")


if __name__ == "__main__":
    main()
