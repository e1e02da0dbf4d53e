"""IRA (FiveThirtyEight/Clemson) sub-network separation: time, peak memory, NMI, purity.

    python benchmarks/ira_quality.py [--out /tmp/ira-results]

Reads ../shared/data/ira_538_tweets.parquet and the labels in ira_538_authors.csv.gz (the
detector never sees them). Every account here is an IRA account, so this measures how
well campaigns separate the labelled sub-networks (RightTroll, LeftTroll, NewsFeed,
HashtagGamer, Fearmonger, ...), not precision against real users: see the data README.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import pandas as pd
from _common import shared_file

import cibscan
from cibscan.evaluate import nmi, purity


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="/tmp/cibscan-ira")
    args = parser.parse_args()
    tweets = shared_file("ira_538_tweets.parquet")
    t0 = time.perf_counter()
    data = cibscan.read(str(tweets))
    t_read = time.perf_counter() - t0
    findings = cibscan.detect(data)
    findings.save(args.out)
    wall = time.perf_counter() - t0
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6

    authors = pd.read_csv(shared_file("ira_538_authors.csv.gz"))
    acc = findings.accounts.merge(
        authors[["author_id", "account_category"]], left_on="account_id", right_on="author_id"
    )
    # campaign membership, whatever the assessment said (every account here is IRA)
    placed = acc[acc["campaign"].notna()]
    result = {
        "posts": findings.summary["input"]["posts"],
        "accounts": len(acc),
        "read_seconds": round(t_read, 1),
        "wall_seconds": round(wall, 1),
        "peak_rss_gb": round(peak_gb, 2),
        "stage_seconds": findings.summary["timings_seconds"],
        "campaigns": int(findings.campaigns.shape[0]),
        "campaigns_cleared_as_crowds": findings.summary["counts"]["campaigns_cleared"],
        "share_placed": round(len(placed) / len(acc), 3),
        "share_flagged": round(float(acc["flagged"].mean()), 3),
        "nmi": round(nmi(placed["campaign"], placed["account_category"]) or 0.0, 3),
        "purity": round(purity(placed["campaign"], placed["account_category"]) or 0.0, 3),
        "placed_by_category": placed["account_category"].value_counts().to_dict(),
        "all_by_category": acc["account_category"].value_counts().to_dict(),
    }
    print(json.dumps(result, indent=2))
    top = placed.groupby("campaign")["account_category"].agg(
        lambda s: s.value_counts().head(3).to_dict()
    )
    sizes = placed.groupby("campaign").size()
    print(
        pd.DataFrame({"size": sizes, "categories": top})
        .sort_values("size", ascending=False)
        .head(15)
        .to_string()
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
