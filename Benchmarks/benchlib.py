"""What every benchmark here needs: timing a command, and medians of commands run interleaved
(so that the machine's drift hits each side alike)."""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Benchmarks", "out")


def timed(command, stdout=subprocess.DEVNULL, stdin=None, env=None, accept=(0,)):
    """Seconds a command takes (a string runs in the shell); exits the benchmark when it fails."""
    start = time.perf_counter()
    completed = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, stdin=stdin, env=env,
                               shell=isinstance(command, str))
    elapsed = time.perf_counter() - start
    if completed.returncode not in accept:
        sys.exit(f"{command} failed ({completed.returncode}): {completed.stderr.decode()[:800]}")
    return elapsed


def median_interleaved(commands, runs, env=None):
    """The median seconds of each named command over `runs` rounds, after one warm-up round."""
    samples = {name: [] for name in commands}
    for command in commands.values():
        timed(command, env=env)
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(timed(command, env=env))
    return {name: statistics.median(values) for name, values in samples.items()}


def arguments(runs, tools=()):
    """The options every store benchmark takes (--count, --runs, --actq); exits when a peer tool is missing."""
    import argparse
    import shutil
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--actq", default=os.path.join(ROOT, ".build", "release", "actq"))
    for tool in tools:
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed: apt-get install {tool}")
    return parser.parse_args()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_serve(actq, store, port, env, wrapper=()):
    """`actq serve` on `store` at `port` (run by `wrapper`, such as valgrind, if given), once it
    says it listens; exits the benchmark if it does not."""
    server = subprocess.Popen([*wrapper, actq, "serve", "--db", store, "--port", str(port), "--log-level", "warning"],
                              stderr=subprocess.PIPE, env=env)
    line = server.stderr.readline().decode()
    while "actq serve:" not in line:
        if not line:
            sys.exit("actq serve did not start")
        line = server.stderr.readline().decode()
    return server


def login(base, user, password):
    """A session from the emulator at `base` (…/system), logging in with curl."""
    import json
    import re
    answer = subprocess.run(["curl", "-s", "-D", "-", "-o", "/dev/null", "-X", "POST", "-H", "Content-Type: application/json",
                             "--data-binary", "@-", f"{base}/ws/v12/authentication/user/login"],
                            input=json.dumps({"userName": user, "password": password}).encode(), capture_output=True)
    return re.search(r"(?im)^x-egain-session:\s*(\S+)", answer.stdout.decode()).group(1)


def wrk(url, duration, headers=(), script=None):
    """(requests/s, p99 ms) of `wrk -t2 -c32` against url (with a Lua `script` if given); exits the
    benchmark on any non-2xx answer."""
    import re
    extra = [item for header in headers for item in ("-H", header)] + (["-s", script] if script else [])
    result = subprocess.run(["wrk", "-t2", "-c32", f"-d{duration}s", "--latency", *extra, url], capture_output=True, text=True)
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", result.stdout)
    if failed:
        sys.exit(f"wrk saw {failed.group(1)} failed responses:\n{result.stdout}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", result.stdout)
    return rps, float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
