#!/usr/bin/env python3
"""Mutation check (`make mutants`): applies deliberate bugs to the store's SQL and the planner one
at a time, runs the semantics, oracle, differential and planner tests, and reports which bug
survived (was not caught). Every mutant must be caught; the tree is restored after each, also
on failure or Ctrl-C.

    python3 Tests/mutants/run_mutants.py [NAME ...]
"""
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUITES = "OracleTests|SemanticsTests|DifferentialTests|PlannerTests"

# name, file, the text as it is, the bug.
MUTANTS = [
    ("exclusive upper bound", "Sources/ActivityStore/ActivityStore.swift",
     'clauses.append("\\(column) <= ?")', 'clauses.append("\\(column) < ?")'),
    ("dropped queue filter", "Sources/ActivityStore/ActivityStore.swift",
     "for entry in query.entries {", "for entry in query.entries where entry.filter != .fixed(.queue) {"),
    ("wrong tie-break (ID descending)", "Sources/ActivityStore/ActivityStore.swift",
     'orderBy = " ORDER BY \\(filter.spec.column) \\(direction), id"', 'orderBy = " ORDER BY \\(filter.spec.column) \\(direction), id DESC"'),
    ("case-insensitive match", "Sources/ActivityStore/ActivityStore.swift",
     'case (.fixed(let filter), .text(let text)):\n                clauses.append("\\(filter.spec.column) = ?")',
     'case (.fixed(let filter), .text(let text)):\n                clauses.append("\\(filter.spec.column) = ? COLLATE NOCASE")'),
    ("off-by-one range window", "Sources/ActivityQuery/Semantics/ActivityQuery.swift",
     "return (start - 1, size ?? Self.defaultSize)", "return (start, size ?? Self.defaultSize)"),
    ("or expanded as and", "Sources/ActivityQuery/Planning/Planner.swift",
     "case .or(let parts): return parts.flatMap(expand)",
     "case .or(let parts): return parts.reduce([[]]) { partial, part in let next = expand(part); return partial.flatMap { p in next.map { p + $0 } } }"),
    ("custom attributes read from the wrong table column", "Sources/ActivityStore/ActivityStore.swift",
     '"id IN (SELECT activity_id FROM custom_attribute WHERE name = ? AND value = ?)"',
     '"id IN (SELECT activity_id FROM custom_attribute WHERE name = ? AND name = ?)"'),
]


def run(command):
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


def main():
    wanted = set(sys.argv[1:])
    build = run(["swift", "build", "--build-tests"])
    if build.returncode != 0:
        sys.exit("the unmutated tree does not build:\n" + build.stdout[-2000:])
    survived = []
    for name, path, original, bug in MUTANTS:
        if wanted and name not in wanted:
            continue
        full = os.path.join(ROOT, path)
        with open(full) as f:
            text = f.read()
        if text.count(original) != 1:
            sys.exit(f"mutant '{name}': the text to mutate is not in {path} exactly once; update this script")
        started = time.time()
        try:
            with open(full, "w") as f:
                f.write(text.replace(original, bug))
            built = run(["swift", "build", "--build-tests"])
            if built.returncode != 0:
                print(f"  {name:34} did not build (fix the mutant)\n{built.stdout[-1500:]}")
                survived.append(name)
                continue
            tested = run(["swift", "test", "--skip-build", "--filter", SUITES])
            caught = tested.returncode != 0
            failing = sorted({line.split("Test ")[1].split("(")[0] for line in tested.stdout.splitlines()
                              if line.startswith("✘ Test ") and "(" in line})
            print(f"  {name:34} {'caught' if caught else 'SURVIVED'} in {time.time() - started:5.0f} s"
                  + (f"  (by {', '.join(failing[:4])})" if caught else ""))
            if not caught:
                survived.append(name)
        finally:
            with open(full, "w") as f:
                f.write(text)
    run(["swift", "build", "--build-tests"])
    if survived:
        sys.exit(f"{len(survived)} mutant(s) survived: {', '.join(survived)}")
    print("every mutant was caught")


if __name__ == "__main__":
    main()
