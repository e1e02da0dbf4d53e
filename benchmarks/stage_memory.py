"""Peak resident memory and time per detection stage, sampled in-process.

    python benchmarks/stage_memory.py bench-data/sim-10000000-7/posts.parquet [--out DIR]

A thread reads VmRSS from /proc every 0.2 s (Linux only); each progress callback starts a
new stage. The figures include DuckDB's buffer pool, which lives in the same process.
"""

from __future__ import annotations

import argparse
import itertools
import threading
import time

import cibscan


def rss_gb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1e6
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("posts")
    parser.add_argument("--out", default="/tmp/cibscan-stage-memory")
    args = parser.parse_args()
    stage = ["read"]
    peaks: dict[str, float] = {}
    started: dict[str, float] = {"read": time.perf_counter()}

    def sample() -> None:
        while True:
            peaks[stage[0]] = max(peaks.get(stage[0], 0.0), rss_gb())
            time.sleep(0.2)

    def enter(name: str, *_: object) -> None:
        stage[0] = name
        started[name] = time.perf_counter()

    threading.Thread(target=sample, daemon=True).start()
    data = cibscan.read(args.posts)
    findings = cibscan.detect(data, progress=enter)
    enter("save")
    findings.save(args.out)
    enter("end")
    names = list(started)
    for a, b in itertools.pairwise(names):
        print(f"{a:34s} {started[b] - started[a]:7.1f} s  peak {peaks.get(a, 0.0):5.2f} GB")


if __name__ == "__main__":
    main()
