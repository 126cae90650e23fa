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
