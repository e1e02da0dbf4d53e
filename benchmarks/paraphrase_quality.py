"""The paraphrase behaviour on a generated platform with a paraphrasing operation and an
organic news event discussed in many words (issue 15).

    pip install 'cibscan[embed]'
    python benchmarks/paraphrase_quality.py --posts 100000 --seed 3 [--model wordllama]

Detects the same platform twice, with the default behaviours and with ``paraphrase``
added, and prints for each: precision, recall and the hard negatives flagged over every
account; the paraphrasers flagged and placed in a campaign; the news discussants
flagged and placed; the texts embedded and the stage times.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from _common import platform

import cibscan
from cibscan.behaviours import DEFAULT_BEHAVIOURS, TextSettings
from cibscan.simulate import HARD_NEGATIVE_ROLES


def _share(acc: pd.DataFrame, role: str, column: str) -> str:
    """How many accounts of ``role`` are flagged (or placed in a campaign), of how many."""
    mine = acc[acc["role"] == role]
    hit = mine[column].notna() if column == "campaign" else mine[column].astype(bool)
    return f"{int(hit.sum())} of {len(mine)}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--members", type=int, default=30, help="paraphrase_members")
    parser.add_argument("--discussants", type=int, default=300, help="news_discussants")
    parser.add_argument("--model", default="multilingual-e5-small", help="paraphrase_model")
    parser.add_argument("--only-paraphrase", action="store_true", help="skip the default run")
    args = parser.parse_args()
    folder = platform(
        args.posts, args.seed, paraphrase_members=args.members, news_discussants=args.discussants
    )
    labels = pd.read_csv(folder / "labels.csv")
    data = cibscan.read(str(folder / "posts.parquet"))
    runs = [
        ("default", DEFAULT_BEHAVIOURS),
        ("with paraphrase", (*DEFAULT_BEHAVIOURS, "paraphrase")),
    ]
    text = TextSettings(paraphrase_model=args.model)
    for name, behaviours in runs[1:] if args.only_paraphrase else runs:
        started = time.perf_counter()
        found = cibscan.detect(data, behaviours=behaviours, text=text)
        wall = time.perf_counter() - started
        acc = found.accounts.merge(labels, left_on="account_id", right_on="userid")
        positive = acc["label"] != "organic"
        flagged = acc["flagged"]
        hard = acc["role"].isin(HARD_NEGATIVE_ROLES)

        tp = int((flagged & positive).sum())
        precision = tp / max(int(flagged.sum()), 1)
        print(f"== {name}: detect {wall:.1f} s {found.summary['timings_seconds']}")
        print(
            f"precision {precision:.4f}, recall {tp / int(positive.sum()):.4f}, "
            f"hard negatives flagged {int((flagged & hard).sum())} of {int(hard.sum())}"
        )
        print(
            f"paraphrasers flagged {_share(acc, 'paraphraser', 'flagged')}, in a campaign "
            f"{_share(acc, 'paraphraser', 'campaign')}; news discussants flagged "
            f"{_share(acc, 'news_discussant', 'flagged')}, in a campaign "
            f"{_share(acc, 'news_discussant', 'campaign')}"
        )
        traces = {k: v for k, v in found.summary["counts"]["traces"].items() if "paraphrase" in k}
        print(f"paraphrase traces {traces}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
