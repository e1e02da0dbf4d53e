"""How busy the cores are in each part of a run: wall time and CPU time per progress step.

    python benchmarks/stage_cpu.py --posts 2000000 [--seed 7] [--folder DIR]

Reads a cached generated platform (``bench-data/sim-N-SEED``, or the platform folder
given) and runs ``cibscan.detect`` with a progress callback that notes, at every step
the run reports (the stages and the behaviours or phases within them), the wall time
and the process's CPU time (every thread) since the step before. CPU seconds over wall
seconds is how many cores the step kept busy: on two cores, a step at 1.3 leaves most
of one idle, which work run beside it could use; a run near 2.0 throughout can only be
made faster by doing less.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import platform

import cibscan


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--folder", type=Path, help="a platform folder with posts.parquet")
    args = parser.parse_args()
    folder = args.folder or platform(args.posts, args.seed)

    rows: list[tuple[str, float, float]] = []
    last = [time.perf_counter(), time.process_time(), "read"]

    def mark(name: str, *_: object) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        rows.append((str(last[2]), wall - float(last[0]), cpu - float(last[1])))
        last[:] = [wall, cpu, name]

    data = cibscan.read(str(folder / "posts.parquet"))
    mark("detect")
    cibscan.detect(data, progress=mark)
    mark("end")
    print("| step | wall s | CPU s | cores busy |\n|---|---|---|---|")
    for name, wall, cpu in rows:
        if wall >= 0.05:
            print(f"| {name} | {wall:.1f} | {cpu:.1f} | {cpu / wall:.2f} |")
    wall = sum(r[1] for r in rows)
    cpu = sum(r[2] for r in rows)
    print(f"| all | {wall:.1f} | {cpu:.1f} | {cpu / wall:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
