"""Scale: wall time and peak memory of `cibscan detect` on generated platforms.

    python benchmarks/scale.py --posts 1000000 [--posts 10000000] [--data bench-data]

Each size is generated once (Parquet, in the IO-archive layout) and cached. Each run is a
fresh process timed from outside, with its peak resident memory; the baseline in the same
run is a plain DuckDB scan of the same file (read and count every column), so the ratio
says what detection costs beyond touching the data.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from _common import platform, timed

BASELINE = (
    "import duckdb,sys; c=duckdb.connect(); "
    'print(c.execute("SELECT count(*), count(DISTINCT userid), max(length(tweet_text)) '
    "FROM read_parquet($p)\", {'p': sys.argv[1]}).fetchall())"
)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, action="append", required=True)
    parser.add_argument("--data", default="bench-data")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = []
    for n in sorted(args.posts):
        folder = str(platform(n, args.seed, Path(args.data)))
        path = os.path.join(folder, "posts.parquet")
        base_wall = timed([sys.executable, "-c", BASELINE, path])["wall_s"]
        out = os.path.join(folder, "results")
        run = timed([sys.executable, "-m", "cibscan.cli", "detect", path, "--out", out, "-q"])
        wall, peak = run["wall_s"], run["peak_gb"]
        with open(os.path.join(out, "summary.json"), encoding="utf-8") as handle:
            summary = json.load(handle)
        row = {
            "posts": summary["input"]["posts"],
            "detect_wall_s": round(wall, 1),
            "peak_rss_gb": round(peak, 2),
            "posts_per_s": int(summary["input"]["posts"] / wall),
            "baseline_scan_s": round(base_wall, 2),
            "ratio_to_scan": round(wall / base_wall, 1),
            "stages_s": summary["timings_seconds"],
            "flagged": summary["counts"]["flagged_accounts"],
            "campaigns": summary["counts"]["campaigns"],
            "hot_cap": summary["sampling"]["hot_cap"],
        }
        results.append(row)
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
