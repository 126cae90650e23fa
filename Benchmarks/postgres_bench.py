#!/usr/bin/env python3
"""The PostgreSQL store on 1,000,000 activities, side by side with psql in one run:

- import rate: `actq import` of NDJSON into PostgreSQL vs `psql \\copy` of the same rows (the
  store's two tables, exported as CSV) into tables of the same shape and indexes;
- a selective query end to end (`actq -e … --format json`) vs `psql` running the same SQL;
- `actq serve` over the database under wrk (loopback, 10 s, bounded): one instance, then two
  instances at once (one wrk each, as behind a load balancer), throughput and p99 for each.

A throwaway cluster (the machine's PostgreSQL, default settings, fsync on) in Benchmarks/out.

    make bench    or    python3 Benchmarks/postgres_bench.py [--count N] [--runs R]
"""
import os
import re
import shutil
import subprocess
import sys
import time

from benchlib import OUT, ROOT, arguments, free_port, median_interleaved, timed

QUERY = "customer = 1080 and status = open"


class Cluster:
    """initdb + postgres as the postgres user when run as root; stopped on exit."""

    def __init__(self, directory):
        self.bin = sorted((p for p in os.listdir("/usr/lib/postgresql")), key=int)[-1]
        self.bin = f"/usr/lib/postgresql/{self.bin}/bin"
        self.dir = directory
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres")
        subprocess.run(self.as_user + [f"{self.bin}/initdb", "-D", f"{directory}/data", "-U", "postgres", "-A", "trust", "-E", "UTF8"],
                       check=True, stdout=subprocess.DEVNULL)
        self.port = free_port()
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", f"{directory}/data", "-l", f"{directory}/server.log", "-w",
                                       "-o", f"-p {self.port} -k {directory} -c listen_addresses=127.0.0.1 -c max_wal_size=4GB",
                                       "start"], check=True, stdout=subprocess.DEVNULL)

    def url(self, database):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def psql(self, database, *arguments):
        return [f"{self.bin}/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                "-d", database, *arguments]

    def run(self, database, sql):
        return subprocess.run(self.psql(database, "-At", "-c", sql), check=True, capture_output=True, text=True).stdout

    def stop(self):
        subprocess.run(self.as_user + [f"{self.bin}/pg_ctl", "-D", f"{self.dir}/data", "-m", "fast", "stop"], stdout=subprocess.DEVNULL)


def wrk(url, session, seconds=10):
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-H", f"X-egain-session: {session}",
               "-H", "Accept: application/json", url]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def wrk_result(process):
    out = process.communicate()[0]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p99_ms, int(non2xx.group(1)) if non2xx else 0


def serve(actq, url, env):
    log = open(os.path.join(OUT, f"serve-{time.time_ns()}.log"), "w+")
    process = subprocess.Popen([actq, "serve", "--port", "0", "--db", url, "--log-level", "error"], env=env, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        log.seek(0)
        found = re.search(r"http://127\.0\.0\.1:(\d+)/system", log.read())
        if found:
            return process, int(found.group(1))
        time.sleep(0.1)
    sys.exit("actq serve did not start")


def login(port):
    import urllib.request
    request = urllib.request.Request(f"http://127.0.0.1:{port}/system/ws/v12/authentication/user/login?forceLogin=yes",
                                     data=b'{"userName":"demo","password":"bench"}', method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return response.headers["X-egain-session"]


def main():
    args = arguments(11, tools=("wrk",))
    os.makedirs(OUT, exist_ok=True)
    actq = args.actq
    env = dict(os.environ, XDG_DATA_HOME=os.path.join(OUT, "xdg"), TZ="UTC", ACTQ_SERVE_PASSWORD="bench")
    source = os.path.join(OUT, f"demo-{args.count}.sqlite")
    export = os.path.join(OUT, f"export-{args.count}.ndjson")
    if not os.path.exists(source):
        print(f"generating {args.count:,} demo activities ...", flush=True)
        timed([actq, "demo", "--count", str(args.count), "--seed", "1", "--until", "2026-11-01", "--db", source + ".tmp"], env=env)
        os.rename(source + ".tmp", source)
    if not os.path.exists(export):
        with open(export + ".tmp", "wb") as out:
            timed([actq, "-e", "lastModifiedDate >= 2000-01-01 show all", "--all", "--format", "ndjson", "--db", source], stdout=out, env=env)
        os.rename(export + ".tmp", export)

    cluster = Cluster(os.path.join(OUT, "postgres"))
    try:
        subprocess.run([f"{cluster.bin}/createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "actq"], check=True)
        url = cluster.url("actq")

        # Import: actq (COPY into staging tables, merged in one transaction) vs psql \copy of the rows it stored.
        actq_import = timed([actq, "import", export, "--db", url], env=env)
        csv_activity = os.path.join(OUT, "pg-activity.csv")
        csv_custom = os.path.join(OUT, "pg-custom.csv")
        subprocess.run(cluster.psql("actq", "-c", f"\\copy activity TO '{csv_activity}' CSV"), check=True)
        subprocess.run(cluster.psql("actq", "-c", f"\\copy custom_attribute TO '{csv_custom}' CSV"), check=True)
        cluster.run("actq", "CREATE TABLE copy_activity (LIKE activity INCLUDING ALL); "
                            "CREATE TABLE copy_custom (LIKE custom_attribute INCLUDING ALL)")
        start = time.perf_counter()
        subprocess.run(cluster.psql("actq", "-1", "-c", f"\\copy copy_activity FROM '{csv_activity}' CSV",
                                    "-c", f"\\copy copy_custom FROM '{csv_custom}' CSV"), check=True)
        psql_copy = time.perf_counter() - start
        cluster.run("actq", "DROP TABLE copy_activity, copy_custom")
        imported = int(cluster.run("actq", "SELECT count(*) FROM activity"))
        assert imported == args.count, imported

        # A selective query end to end vs psql running the statement actq runs.
        sql = ("SELECT page.id, page.json, total.n FROM (SELECT count(*) FROM activity WHERE customer_id = 1080 AND status = 'open') AS total(n) "
               "LEFT JOIN LATERAL (SELECT id, summary, row_number() OVER (ORDER BY id) FROM activity "
               "WHERE customer_id = 1080 AND status = 'open' ORDER BY id LIMIT 75 OFFSET 0) AS page(id, json, position) ON true "
               "ORDER BY page.position")
        query = median_interleaved({
            "actq": [actq, "--db", url, "-e", QUERY, "--format", "json"],
            # With the session setting actq's store connections make (see PostgresStore).
            "psql": cluster.psql("actq", "-At", "-c", "SET random_page_cost = 1.1", "-c", sql),
        }, args.runs, env=env)

        # actq serve: one instance, then two at once.
        first, first_port = serve(actq, url, env)
        second, second_port = serve(actq, url, env)
        try:
            path = "/system/ws/v12/interaction/activity?customer=1080&status=open"
            session = login(first_port)
            one = wrk_result(wrk(f"http://127.0.0.1:{first_port}{path}", session))
            both = [wrk(f"http://127.0.0.1:{port}{path}", session) for port in (first_port, second_port)]
            two = [wrk_result(process) for process in both]
        finally:
            for process in (first, second):
                process.terminate()
                process.wait()
    finally:
        cluster.stop()
        shutil.rmtree(cluster.dir, ignore_errors=True)

    size = os.path.getsize(export)
    print(f"\nPostgreSQL store, {args.count:,} demo activities ({size / 1e6:,.0f} MB of NDJSON), one run:")
    print(f"  import        actq {args.count / actq_import:>10,.0f} activities/s ({actq_import:.1f} s)   "
          f"psql \\copy of its rows {args.count / psql_copy:>10,.0f}/s ({psql_copy:.1f} s)   ratio {psql_copy / actq_import:.2f}× (goal ≥ 0.8×)")
    print(f"  query         actq {query['actq'] * 1000:>8.1f} ms   psql {query['psql'] * 1000:>8.1f} ms   "
          f"ratio {query['actq'] / query['psql']:.2f}× (goal ≤ 1.3×)   '{QUERY}', median of {args.runs}")
    print(f"  serve ×1      {one[0]:>8,.0f} req/s   p99 {one[1]:.1f} ms   non-2xx {one[2]}")
    print(f"  serve ×2      {two[0][0] + two[1][0]:>8,.0f} req/s in all ({two[0][0]:,.0f} + {two[1][0]:,.0f})   "
          f"p99 {two[0][1]:.1f} / {two[1][1]:.1f} ms   non-2xx {two[0][2] + two[1][2]}   (wrk -t2 -c32 -d10s each, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
