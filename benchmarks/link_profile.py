"""The linker step by step: wall time and rows of each relational step, then quality.

    python benchmarks/link_profile.py --posts 1000000 --seed 7 [--days 224]
        [--pairs-per-trace 5] [--min-hot-cap 16] [--min-hits 3] [--save DIR]
        [--folder bench-data/sim-...]

Detects a cached generated platform (``bench-data/sim-N-SEED``, or the platform folder
given, such as ``hard_variant.py``'s) with default settings
except the linker settings given, timing each step the linker runs on DuckDB and
counting the rows of the tables that hold pairs; prints detect's stage times, the
sampling figures, and ``cibscan evaluate``'s figures per label and per score bin. The step
timer wraps the runner, so the totals are a little above an untimed run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from pathlib import Path
from typing import Any

from _common import platform

import cibscan
from cibscan.detect import DetectConfig
from cibscan.engine import duckdb_runner
from cibscan.evaluate import evaluate, read_labels
from cibscan.expand import ExpandSettings
from cibscan.link import LinkSettings

#: Steps whose output rows are printed (the tables that hold traces or pairs).
COUNTED = (
    "traces",
    "join_traces",
    "pair_counts",
    "sig_traces",
    "evidence_uses",
    "evidence_early",
    "evidence_firsts",
    "campaign_episodes",
    "outsider_hits",
    "candidates",
    "trace_bins",
    "exposure",
)


def timed_runner(con: Any) -> Any:
    run = duckdb_runner(con)

    def step(name: str, sql: str) -> None:
        start = time.perf_counter()
        run(name, sql)
        line = f"{name:18s} {time.perf_counter() - start:7.1f} s"
        if name in COUNTED:
            rows = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
            line += f"  {rows:,} rows"
        print(line, flush=True)

    return step


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, help="the period's length (the generator's default)")
    parser.add_argument("--pairs-per-trace", type=float)
    parser.add_argument("--min-hot-cap", type=int)
    parser.add_argument("--min-hits", type=int, help="the group-level test's fewest hits")
    parser.add_argument("--save", help="also save the findings to this folder")
    parser.add_argument(
        "--folder", help="a platform folder (posts.parquet, labels.csv) instead of generating"
    )
    args = parser.parse_args()
    names = ("pairs_per_trace", "min_hot_cap")
    given = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    folder = Path(args.folder) if args.folder else platform(args.posts, args.seed, days=args.days)
    data = cibscan.read(str(folder / "posts.parquet"))
    # detect makes the one runner every stage's steps go through
    detect_module = importlib.import_module("cibscan.detect")  # cibscan.detect is the function
    detect_module.duckdb_runner = timed_runner
    start = time.perf_counter()
    grow = ExpandSettings() if args.min_hits is None else ExpandSettings(min_hits=args.min_hits)
    findings = cibscan.detect(data, DetectConfig(link=LinkSettings(**given), expand=grow))
    print(f"detect {time.perf_counter() - start:.1f} s with link settings {given}, {grow}")
    print(json.dumps({k: findings.summary[k] for k in ("timings_seconds", "sampling")}))
    if args.save:
        findings.save(args.save)
    result = evaluate(findings, read_labels(str(folder / "labels.csv")))
    print(json.dumps({k: result[k] for k in ("accounts", "hard_negatives")}))
    print(f"calibration error {result['calibration']['ece']}")
    for row in result["calibration"]["bins"]:
        if row["accounts"]:
            print(f"| {row['low']:.1f}-{row['high']:.1f} | {row['accounts']:,} | "
                  f"{row['mean_score']} | {row['share_positive']} |")  # fmt: skip
    for label, v in result["per_label"].items():  # type: ignore[attr-defined]
        print(f"| {label} | {v['accounts']} | {v['flagged']} | {v['share_flagged']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
