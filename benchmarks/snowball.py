"""What hot-key sampling costs in recall, and what following the accounts already found
into the sampled groups (the linker's snowball rounds) wins back, in one run.

    python benchmarks/snowball.py --posts 1000000 --seed 7 [--pairs-per-trace 0.5]

Platforms come from ``_common.platform`` (generated once, reused). ``--pairs-per-trace``
and ``--min-hot-cap`` below the defaults put a small platform under the pair-work
pressure that a large one meets at the default budget (at 10M posts the default samples
hot groups down to 64 accounts). Each setting is run with snowball rounds off and on.
"""

from __future__ import annotations

import argparse
import json
import time

from _common import platform

import cibscan
from cibscan.evaluate import evaluate, read_labels
from cibscan.link import LinkSettings


def run(folder: str, labels: str, link: LinkSettings) -> dict[str, object]:
    start = time.perf_counter()
    findings = cibscan.detect(cibscan.read(folder), link=link)
    seconds = round(time.perf_counter() - start, 1)
    result = evaluate(findings, read_labels(labels))
    acc = result["accounts"]
    per = {k: v["share_flagged"] for k, v in result["per_label"].items()}  # type: ignore[attr-defined]
    sampling = findings.summary["sampling"]
    return {
        "snowball_rounds": link.snowball_rounds,
        "precision": acc["precision"],  # type: ignore[index]
        "recall": acc["recall"],  # type: ignore[index]
        "f1": acc["f1"],  # type: ignore[index]
        "hard_negatives_flagged": result["hard_negatives"]["flagged"],  # type: ignore[index]
        "per_operation_recall": per,
        "hot_cap": sampling["hot_cap"],
        "traces_left_out": sampling["traces_left_out_of_pairing"],
        "rounds": sampling["snowball_rounds"],
        "links_seconds": findings.summary["timings_seconds"].get("links"),
        "seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pairs-per-trace", type=float, default=LinkSettings.pairs_per_trace)
    parser.add_argument("--min-hot-cap", type=int, default=LinkSettings.min_hot_cap)
    args = parser.parse_args()
    folder = platform(args.posts, args.seed)
    for rounds in (0, LinkSettings.snowball_rounds):
        link = LinkSettings(
            pairs_per_trace=args.pairs_per_trace,
            min_hot_cap=args.min_hot_cap,
            min_pair_budget=0 if args.pairs_per_trace < LinkSettings.pairs_per_trace else 1e6,
            snowball_rounds=rounds,
        )
        out = run(str(folder / "posts.parquet"), str(folder / "labels.csv"), link)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
