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
import resource
import subprocess
import sys
import time

from cibscan.simulate import SimConfig, generate, write


def child(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS GB, stdout) of a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{run.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: runs go smallest first.
    return wall, max(peak, before) / 1e6, run.stdout


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
        folder = os.path.join(args.data, f"sim-{n}-{args.seed}")
        path = os.path.join(folder, "posts.parquet")
        if not os.path.exists(path):
            t0 = time.perf_counter()
            posts, labels = generate(SimConfig(posts=n, seed=args.seed))
            write(posts, labels, folder, fmt="parquet")
            print(f"generated {len(posts):,} posts in {time.perf_counter() - t0:.0f} s", flush=True)
            del posts, labels
        base_wall, _, _ = child([sys.executable, "-c", BASELINE, path])
        out = os.path.join(folder, "results")
        wall, peak, _ = child(
            [sys.executable, "-m", "cibscan.cli", "detect", path, "--out", out, "-q"]
        )
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
