"""``cibscan evaluate`` figures on simulated platforms at several seeds.

    python benchmarks/sim_quality.py --posts 1000000 --seed 7 --seed 8 --seed 9

Each platform is generated (or reused) under ``bench-data/sim-N-SEED``, detected with
default settings, saved to ``results/``, and evaluated against its ``labels.csv``. Prints
one JSON object per seed and a Markdown table for RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from _common import platform

import cibscan
from cibscan.evaluate import evaluate, read_labels


def run(n: int, seed: int) -> dict[str, object]:
    folder = platform(n, seed)
    start = time.perf_counter()
    findings = cibscan.detect(cibscan.read(str(folder / "posts.parquet")))
    findings.save(str(folder / "results"))
    result = evaluate(findings, read_labels(str(folder / "labels.csv")))
    result["seconds"] = round(time.perf_counter() - start, 1)
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, action="append", default=[])
    args = parser.parse_args()
    rows = []
    for seed in args.seed or [7, 8, 9]:
        r = run(args.posts, seed)
        print(json.dumps({"seed": seed, **r}), flush=True)
        rows.append((seed, r))
    print(
        "\n| seed | precision | recall | F1 | PR-AUC | hard negatives flagged | "
        "organic flagged | purity | NMI |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for seed, r in rows:
        a, h, c = r["accounts"], r["hard_negatives"], r["campaigns"]  # type: ignore[index]
        organic = r["negatives_flagged_by_role"].get("organic", {})  # type: ignore[attr-defined]
        print(
            f"| {seed} | {a['precision']} | {a['recall']} | {a['f1']} | {a['pr_auc']} | "
            f"{h['flagged']}/{h['accounts']} ({h['share_flagged']}) | "
            f"{organic.get('flagged')}/{organic.get('accounts')} | {c['purity']} | {c['nmi']} |"
        )
    print("\nper role (last seed):")
    last = rows[-1][1]
    for key in ("per_label", "negatives_flagged_by_role"):
        for group, v in last[key].items():  # type: ignore[attr-defined]
            print(f"| {group} | {v['accounts']} | {v['flagged']} | {v['share_flagged']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
