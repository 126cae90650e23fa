#!/usr/bin/env python3
"""`actq check` throughput on 100,000 varied queries, side by side with `wc -w` on the same file
(the floor: reading the bytes). Runs the two commands interleaved and reports medians.

    make bench            (builds the release binary first)
    python3 Benchmarks/check_throughput.py [--queries N] [--runs R]
"""
import argparse
import os
import subprocess
import sys

from benchlib import OUT, ROOT, median_interleaved


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--actq", default=os.path.join(ROOT, ".build", "release", "actq"))
    args = parser.parse_args()

    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"queries-{args.queries}.actq")
    subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks", "generate_queries.py"), str(args.queries), path], check=True)
    size = os.path.getsize(path)

    commands = {"actq check": [args.actq, "check", path], "wc -w": ["wc", "-w", path]}
    medians = median_interleaved(commands, args.runs)  # the warm-up round warms the page cache too
    actq = medians["actq check"]
    wc = medians["wc -w"]
    rate = args.queries / actq
    print(f"check throughput: {args.queries:,} queries, {size / 1e6:.1f} MB, median of {args.runs} runs each, interleaved")
    print(f"  actq check   {actq * 1000:8.1f} ms   {rate:12,.0f} queries/s   (target >= 500,000)")
    print(f"  wc -w        {wc * 1000:8.1f} ms")
    print(f"  ratio        {actq / wc:8.2f} x wc -w                  (target <= 10)")


if __name__ == "__main__":
    main()
