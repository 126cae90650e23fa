#!/usr/bin/env python3
"""Writes N varied, valid actq queries (seeded) to a file: the input of the check benchmark."""
import random
import sys

def query(rng: random.Random) -> str:
    parts = []
    pick = rng.random
    if pick() < 0.5: parts.append(f"customer = {rng.randint(1, 99999)}")
    if pick() < 0.2: parts.append(f"case = {rng.randint(1, 99999)}")
    if pick() < 0.5: parts.append(f"status = {rng.choice(['open', 'completed'])}")
    if pick() < 0.3: parts.append(f"mode = {rng.choice(['inbound', 'outbound'])}")
    if pick() < 0.3: parts.append(f"assignedTo = {rng.randint(1000, 1100)}")
    if pick() < 0.4: parts.append(f"queue = {rng.randint(1000, 1050)}")
    if pick() < 0.3:
        parts.append(rng.choice([
            f"createdDate >= 2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f"createdDate in [2023-{rng.randint(1, 12):02d}-01 .. 2024-{rng.randint(1, 12):02d}-15]",
            f"createdDate >= 2024-03-01T{rng.randint(0, 23):02d}:30:00Z",
        ]))
    if pick() < 0.4:
        parts.append(rng.choice([
            f"lastModifiedDate >= -{rng.randint(1, 30)}d",
            "lastModifiedDate < today",
            f"lastModifiedDate in [2024-01-01 .. 2024-0{rng.randint(1, 9)}-28]",
            f"lastModifiedDate >= now-{rng.randint(1, 48)}h",
        ]))
    if pick() < 0.2: parts.append(f"custom.customer_rating = {rng.randint(1, 5)}")
    if pick() < 0.2: parts.append(f'assignedUserName = "{rng.choice(["jenny", "frank", "Mary Ann", "José"])}"')
    if not parts: parts.append(f"queue = {rng.randint(1000, 1050)}")
    if pick() < 0.2: parts.append(f"type = {rng.choice(['email', 'chat', 'task', 'call_track'])}")
    text = " and ".join(parts)
    if pick() < 0.3: text += f" sort by {rng.choice(['id', 'createdDate', 'lastModifiedDate'])} {rng.choice(['asc', 'desc'])}"
    if pick() < 0.2: text += f" page {rng.randint(1, 20)} size {rng.randint(1, 75)}"
    elif pick() < 0.1: text += f" range {rng.randint(1, 500)} size {rng.randint(1, 75)}"
    if pick() < 0.1: text += " show all"
    return text

def main() -> None:
    count, path = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(20261129)
    with open(path, "w", encoding="utf-8") as out:
        for _ in range(count):
            out.write(query(rng) + "\n")

if __name__ == "__main__":
    main()
