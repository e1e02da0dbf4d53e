"""What the benchmarks share: cached simulated platforms and timing of child processes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from dataclasses import replace
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "bench-data"
#: The team's real data, beside the repository; absent from a user's clone.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_file(name: str) -> Path:
    """Path of a file in ../shared/data; exit 1 with the reason when it is absent."""
    path = SHARED_DATA / name
    if not path.exists():
        raise SystemExit(f"{path} is absent; this benchmark needs the team's ../shared/data")
    return path


def platform(n: int, seed: int, data: Path = DATA, days: int | None = None, **knobs: int) -> Path:
    """Folder of a generated platform (``posts.parquet``, ``labels.csv``...), made once;
    ``days`` the period's length (the generator's default when None), ``knobs`` other
    fields of ``SimConfig`` (``paraphrase_members=30``).

    The cache is keyed by the generator's source too: a platform made by an older
    generator is made again, so no figure is measured on stale data.
    """
    from cibscan import simulate

    folder = data / (
        f"sim-{n}-{seed}"
        + (f"-{days}d" if days is not None else "")
        + "".join(f"-{k}{v}" for k, v in sorted(knobs.items()))
    )
    source = Path(simulate.__file__).read_bytes()
    stamp = {"posts": n, "seed": seed, "generator": hashlib.sha256(source).hexdigest()[:16]}
    if days is not None:
        stamp["days"] = days
    stamp.update(knobs)
    marker = folder / "platform.json"
    if marker.exists() and json.loads(marker.read_text()) == stamp:
        return folder
    t0 = time.perf_counter()
    config = simulate.SimConfig(posts=n, seed=seed, **knobs)  # type: ignore[arg-type]
    posts, labels = simulate.generate(config if days is None else replace(config, days=days))
    simulate.write(posts, labels, str(folder), fmt="parquet")
    marker.write_text(json.dumps(stamp))
    print(f"generated {len(posts):,} posts in {time.perf_counter() - t0:.0f} s", flush=True)
    return folder


def timed(args: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run a child process (with ``env``, else this one's environment): its wall time and
    peak RSS (its own or its largest worker's).

    ``os.wait4`` gives this child's own figures, so runs can come in any order.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise SystemExit(f"{' '.join(args)} failed with exit code {code}")
    return {"wall_s": round(wall, 2), "peak_gb": round(usage.ru_maxrss / 1e6, 2)}
