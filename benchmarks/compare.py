"""Two revisions of cibscan on the same generated platform, run after run.

    python benchmarks/compare.py --base 15ab62e --posts 2000000 [--seed 7] [--runs 2]

The base revision is checked out into a temporary git worktree and put first on
``PYTHONPATH``; the working tree's code is the other. Each run is ``cibscan detect`` in a
fresh process timed from outside (wall time, peak RSS), the two revisions alternating so
that a machine's drift falls on both; each prints its stage times and flagged accounts,
and at the end whether the two revisions flagged the same accounts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from _common import platform, timed

HERE = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="the git revision to compare against")
    parser.add_argument("--posts", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=2, help="runs of each revision")
    args = parser.parse_args()
    path = str(platform(args.posts, args.seed) / "posts.parquet")
    with tempfile.TemporaryDirectory(prefix="cibscan-compare-") as tmp:
        base = Path(tmp) / "base"
        git = ["git", "-C", str(HERE)]
        subprocess.run([*git, "worktree", "add", "--detach", str(base), args.base], check=True)
        try:
            sources = {"base": base / "src", "new": HERE / "src"}
            flagged: dict[str, set[str]] = {}
            for _ in range(args.runs):
                for name, src in sources.items():
                    out = Path(tmp) / f"out-{name}"
                    env = {**os.environ, "PYTHONPATH": str(src)}
                    run = [sys.executable, "-m", "cibscan.cli", "detect", path, "--out", str(out)]
                    figures = timed([*run, "-q"], env)
                    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
                    accounts = pd.read_parquet(out / "accounts.parquet")
                    flagged[name] = set(accounts.loc[accounts["flagged"], "account_id"])
                    row = {
                        "revision": args.base if name == "base" else "working tree",
                        **figures,
                        "stages_s": summary["timings_seconds"],
                        "flagged": len(flagged[name]),
                    }
                    print(json.dumps(row), flush=True)
            print(json.dumps({"same_flagged_accounts": flagged["base"] == flagged["new"]}))
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(base)], check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
