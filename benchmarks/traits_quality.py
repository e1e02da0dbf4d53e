"""Each trait against the simulator's roles, and what campaign assessment adds.

    python benchmarks/traits_quality.py --posts 1000000 --seed 7

Runs detect twice on the same platform (with its ``suspended.txt``): with campaign
assessment (the default) and without it (``assess_campaigns=False``), and prints
account-level figures for both, then precision and recall of each trait against the
role it should find.
"""

from __future__ import annotations

import argparse
import json
import sys

from _common import platform

import cibscan
from cibscan.evaluate import evaluate, read_labels
from cibscan.traits import TraitSettings
from cibscan.traits._base import read_list

#: trait column -> roles it should find
TRAITS = {
    "loudspeaker": {"loudspeaker"},
    "impersonates": {"impersonator"},
    "evades": {"ban_evader"},
    "office_hours": {"copypaste", "suspended", "ban_evader"},
    "cohort_size": {
        "copypaste",
        "amplifier",
        "hashtag_pusher",
        "harasser",
        "link_pusher",
        "impersonator",
        "suspended",
        "ban_evader",
    },
    "watch_amplifier": {"amplifier", "loudspeaker"},
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    folder = platform(args.posts, args.seed)
    labels = read_labels(str(folder / "labels.csv"))
    traits = TraitSettings(suspended=read_list(str(folder / "suspended.txt")))
    rows = {}
    findings = None
    for assess in (False, True):
        data = cibscan.read(str(folder / "posts.parquet"))
        found = cibscan.detect(data, traits=traits, assess_campaigns=assess)
        r = evaluate(found, labels)
        rows["with assessment" if assess else "links only"] = {
            **r["accounts"],
            "hard_negatives_flagged": r["hard_negatives"]["flagged"],
            "hard_negatives": r["hard_negatives"]["accounts"],
        }
        findings = found
    print(json.dumps(rows, indent=2))
    assert findings is not None
    acc = findings.accounts.merge(labels, on="account_id")
    print("\n| trait | roles it should find | accounts with it | precision | recall |")
    print("|---|---|---|---|---|")
    for column, roles in TRAITS.items():
        col = acc[column]
        has = col.astype(bool) if col.dtype == bool else col.notna() & (col.astype(str) != "nan")
        truth = acc["role"].isin(roles)
        tp = int((has & truth).sum())
        precision = tp / max(int(has.sum()), 1)
        recall = tp / max(int(truth.sum()), 1)
        print(
            f"| {column} | {', '.join(sorted(roles))} | {int(has.sum())} | "
            f"{precision:.3f} | {recall:.3f} |"
        )
    review = acc[acc["status"] == "review"]
    print("\nlisted for review on a trait alone, by role:", review["role"].value_counts().to_dict())
    crowd = acc[acc["status"] == "crowd"]
    print(
        "members of campaigns cleared as crowds, by role:", crowd["role"].value_counts().to_dict()
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
