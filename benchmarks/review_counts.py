"""Accounts listed for review on a small generated platform, with the versions in use.

Run it under each environment to compare (the lowest versions: `.ci/lowest.txt`):
    python benchmarks/review_counts.py [--posts 6000] [--seed 3]
"""

from __future__ import annotations

import argparse
import tempfile

import duckdb
import pandas as pd

import cibscan
from cibscan.simulate import SimConfig, generate, write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    posts, labels = generate(SimConfig(posts=args.posts, seed=args.seed))
    with tempfile.TemporaryDirectory() as folder:
        accounts = cibscan.detect(cibscan.read(write(posts, labels, folder))).accounts
    review = int((accounts["status"] == "review").sum())
    print(
        f"pandas {pd.__version__}, duckdb {duckdb.__version__}: {review} of {len(accounts)} "
        "accounts listed for review"
    )


if __name__ == "__main__":
    main()
