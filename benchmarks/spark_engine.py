"""detect on DuckDB and on local-mode Spark, on the same generated platform.

    python benchmarks/spark_engine.py --posts 1000000 --seed 7 [--cores 1,2]

Reads the cached platform (``bench-data/sim-N-SEED``) once, detects on DuckDB, then once
per ``--cores`` value on Spark (``local[c]``, its shuffles in 2c partitions), and prints
for each: the wall time of detect, its stages, what the engine's steps cost (on Spark:
the steps themselves and the copies each way) and whether every table of the findings
is DuckDB's. The speed-up between core counts is the figure that matters: local Spark
is slower than DuckDB on one machine, and is there to run the same steps on a cluster.
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd
from _common import platform

import cibscan
from cibscan.engine_spark import SparkEngine

#: The findings' tables compared between the engines.
TABLES = ("accounts", "campaigns", "links", "evidence", "campaign_keys", "amplified_posts")


def same(a: cibscan.Findings, b: cibscan.Findings) -> dict[str, bool]:
    """Per table of ``TABLES``: whether the two findings hold the same rows."""
    out = {}
    for name in TABLES:
        try:
            pd.testing.assert_frame_equal(
                getattr(a, name), getattr(b, name), check_dtype=False, rtol=1e-9
            )
            out[name] = True
        except AssertionError:
            out[name] = False
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cores", default="1,2", help="Spark's local cores, one run each")
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--conf", action="append", default=[], help="a Spark property, k=v")
    args = parser.parse_args()
    folder = platform(args.posts, args.seed)
    data = cibscan.read(str(folder / "posts.parquet"))
    t0 = time.perf_counter()
    reference = cibscan.detect(data)
    wall = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "engine": "duckdb",
                "detect_s": round(wall, 1),
                "stages": reference.summary["timings_seconds"],
                "steps": reference.summary["engine"],
            }
        ),
        flush=True,
    )
    # the JVM's first minutes are slower (class loading, JIT): a small platform's run
    # first, untimed, so that the first core count timed does not pay for them
    warm = cibscan.read(str(platform(20_000, args.seed) / "posts.parquet"))
    engine = SparkEngine(master="local[1]")
    try:
        cibscan.detect(warm, engine=engine)
    finally:
        engine.stop()
    for cores in (int(c) for c in args.cores.split(",")):
        conf = {
            "spark.sql.shuffle.partitions": str(2 * cores),
            "spark.driver.memory": args.driver_memory,
            **dict(c.split("=", 1) for c in args.conf),
        }
        engine = SparkEngine(master=f"local[{cores}]", conf=conf)
        try:
            t0 = time.perf_counter()
            got = cibscan.detect(data, engine=engine)
            wall = time.perf_counter() - t0
        finally:
            engine.stop()
        print(
            json.dumps(
                {
                    "engine": f"spark local[{cores}]",
                    "detect_s": round(wall, 1),
                    "stages": got.summary["timings_seconds"],
                    "steps": got.summary["engine"],
                    "same_as_duckdb": same(got, reference),
                }
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
