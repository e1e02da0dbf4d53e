"""Account-level quality of saved findings on a generated platform with labels.csv.

    python benchmarks/sim_quality.py bench-data/sim-1000000-7

A first, minimal evaluation (the `cibscan evaluate` command belongs to the simulation
issue): recall of planted accounts, organic accounts flagged, protesters flagged.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

import cibscan


def main() -> int:
    folder = Path(sys.argv[1])
    findings = cibscan.load(str(folder / "results"))
    labels = pd.read_csv(folder / "labels.csv")
    acc = findings.accounts.merge(labels, left_on="account_id", right_on="userid")
    planted = acc[acc["label"] != "organic"]
    organic = acc[acc["label"] == "organic"]
    flagged = acc[acc["flagged"]]
    tp = int(planted["flagged"].sum())
    result = {
        "planted": len(planted),
        "planted_found": tp,
        "recall": round(tp / max(len(planted), 1), 4),
        "precision": round(tp / max(len(flagged), 1), 4),
        "organic_flagged": int(organic["flagged"].sum()),
        "organic_flagged_share": round(float(organic["flagged"].mean()), 5),
        "protesters_flagged": int(acc.loc[acc["role"] == "protester", "flagged"].sum()),
        "protesters": int((acc["role"] == "protester").sum()),
        "per_operation_recall": planted.groupby("label")["flagged"].mean().round(3).to_dict(),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
