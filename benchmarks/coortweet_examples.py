"""Campaigns in the Russian CooRTweet sample (no labels), shown as a person would read them.

    python benchmarks/coortweet_examples.py [--window 10min]

Ids in this file are sha256-anonymised by its publishers, so the evidence shows hashed
account and post ids with their times.
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from _common import shared_file

import cibscan


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", action="append")
    args = parser.parse_args()
    path = shared_file("coortweet_russian_coord_tweets.csv.gz")
    data = cibscan.read(str(path))
    skipped = dict(data.report.skipped)
    print(f"{data.n_posts:,} shares by {data.n_accounts:,} accounts; skipped {skipped}")
    for window in args.window or ["1m", "10min", "1h"]:
        findings = cibscan.detect(data, window=window)
        c = findings.summary["counts"]
        print(
            f"\nwindow {window}: {c['candidate_links']:,} candidate links (>= 2 shared), "
            f"{c['significant_links']} significant, {c['campaigns']} campaigns, "
            f"{c['flagged_accounts']} accounts"
        )
        links = findings.campaign_behaviours
        for camp in findings.campaigns.head(2).itertuples(index=False):
            mine = links[links["campaign"] == camp.campaign]
            behaviours = ", ".join(f"{b}:{n}" for b, n in mine[["behaviour", "links"]].values)
            print(
                f"  campaign {camp.campaign}: {camp.size} accounts, score {camp.score:.3f}, "
                f"{behaviours}, {str(camp.first_seen)[:16]} .. {str(camp.last_seen)[:16]}"
            )
            members = findings.accounts[findings.accounts["campaign"] == camp.campaign]
            for m in members.itertuples(index=False):
                print(f"    {m.account_id[:12]}…  score {m.score:.4f}  {m.reasons}")
            ids = set(members["account_id"])
            ev = findings.evidence[findings.evidence["account_a"].isin(ids)]
            for e in ev.head(6).itertuples(index=False):
                print(
                    f"    evidence: {e.account_a[:8]}… and {e.account_b[:8]}… both shared "
                    f"{e.key[:10]}… at {e.time_a} and {e.time_b} ({e.gap_seconds} s apart)"
                )
        with tempfile.TemporaryDirectory() as tmp:
            findings.save(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
