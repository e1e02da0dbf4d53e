"""Verdicts with and without profile columns, on a generated platform.

    python benchmarks/verdicts.py --posts 1000000 --seed 7 [--only without] [--days 224]
        [--bought 20]

Most exports carry ids, times and texts, not follower counts or creation dates. This
detects the same cached platform (``bench-data/sim-N-SEED``) twice: as generated, and
with every profile column removed (display name, handle, bio, follower and following
counts, creation date; a copy written once beside it). For each it prints the account
figures, the hard negatives flagged, how well the account scores are calibrated (per
score bin), each operation's recall, and how many campaigns ended with each verdict.
``--bought`` adds bought accounts reposting the star among its fans
(``SimConfig.bought_boosters``), and prints where they and the fans ended.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pyarrow.parquet as pq
from _common import platform

import cibscan
from cibscan.evaluate import evaluate, read_labels

#: The IO-archive layout's profile columns.
PROFILE = (
    "user_display_name",
    "user_screen_name",
    "user_profile_description",
    "follower_count",
    "following_count",
    "account_creation_date",
)


def without_profiles(folder: Path) -> Path:
    """``posts-noprofile.parquet`` beside the platform's posts, made once."""
    out = folder / "posts-noprofile.parquet"
    source = folder / "posts.parquet"
    if not out.exists() or out.stat().st_mtime < source.stat().st_mtime:
        table = pq.read_table(source)
        keep = [c for c in table.column_names if c not in PROFILE]
        pq.write_table(table.select(keep), out)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=("with", "without"))
    parser.add_argument("--days", type=int, help="the period's length (the generator's default)")
    parser.add_argument("--bought", type=int, default=0, help="SimConfig.bought_boosters")
    args = parser.parse_args()
    knobs = {"bought_boosters": args.bought} if args.bought else {}
    folder = platform(args.posts, args.seed, days=args.days, **knobs)
    labels = read_labels(str(folder / "labels.csv"))
    runs = {"with": folder / "posts.parquet", "without": without_profiles(folder)}
    for name, path in runs.items():
        if args.only and name != args.only:
            continue
        start = time.perf_counter()
        found = cibscan.detect(cibscan.read(str(path)))
        wall = time.perf_counter() - start
        result = evaluate(found, labels)
        verdicts = found.campaigns.groupby(["status", "assessment"]).size()
        print(f"== {name} profile columns: detect {wall:.1f} s")
        print(json.dumps({k: result[k] for k in ("accounts", "hard_negatives")}))
        print("campaigns:", {f"{s}/{a}": int(n) for (s, a), n in verdicts.items()})
        print(f"calibration error {result['calibration']['ece']}")
        for row in result["calibration"]["bins"]:
            if row["accounts"]:
                print(f"| {row['low']:.1f}-{row['high']:.1f} | {row['accounts']:,} | "
                      f"{row['mean_score']} | {row['share_positive']} |")  # fmt: skip
        for label, v in result["per_label"].items():  # type: ignore[attr-defined]
            print(f"| {label} | {v['accounts']} | {v['flagged']} | {v['share_flagged']} |")
        if args.bought:
            _bought(found, folder)
    return 0


def _bought(found: cibscan.Findings, folder: Path) -> None:
    """Where the bought accounts and the star's fans ended: flagged, in which verdicts."""
    import pandas as pd

    roles = pd.read_csv(folder / "labels.csv", dtype=str).set_index("userid")["role"]
    acc = found.accounts.assign(role=found.accounts["account_id"].map(roles))
    status = found.campaigns.set_index("campaign")["status"].astype(str)
    acc = acc.assign(verdict=acc["campaign"].map(status).fillna("in no campaign"))
    for role in ("bought", "fan"):
        mine = acc[acc["role"] == role]
        print(
            f"{role}: {len(mine):,}, flagged {int(mine['flagged'].sum()):,};",
            mine["verdict"].value_counts().to_dict(),
        )
    mixed = (
        acc[acc["campaign"].notna()]
        .groupby("campaign")["role"]
        .agg(lambda r: (int((r == "bought").sum()), int((r == "fan").sum())))
    )
    both = mixed[mixed.map(lambda x: x[0] > 0 and x[1] > 0)]
    print(f"campaigns holding both (bought, fans): {both.to_dict()}")


if __name__ == "__main__":
    raise SystemExit(main())
