"""Any shared object (an image hash, a video id) is a behaviour of its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import cibscan
from tests.conftest import run_cli

START = pd.Timestamp("2024-03-04 09:00")


def _long_format(tmp_path: Path) -> Path:
    """Organic accounts posting images of their own, and six posting the same images
    (one row per post and object, as CooRTweet-style exports write them)."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(150):
        for j in range(10):
            t = START + pd.Timedelta(seconds=int(rng.integers(0, 10 * 86400)))
            rows.append((f"u{i}", f"o{i}_{j}", f"p{i}_{j}", f"v{rng.integers(0, 40)}", t))
    for day in range(8):
        for k in range(6):
            t = START + pd.Timedelta(days=day, minutes=3 * k)
            rows.append((f"ring{k}", f"r{day}_{k}", f"meme{day}", f"clip{day}", t))
    frame = pd.DataFrame(rows, columns=["account_id", "post_id", "phash_id", "vid", "ts"])
    frame["timestamp"] = frame.pop("ts").astype("int64") // 10**9
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    return path


def test_a_group_sharing_the_same_images_is_found_from_the_hashes_alone(tmp_path: Path) -> None:
    data = cibscan.read(str(_long_format(tmp_path)))
    findings = cibscan.detect(data, behaviours=("coobject",))
    ring = findings.accounts[findings.accounts["account_id"].str.startswith("ring")]
    assert ring["campaign"].notna().all() and ring["campaign"].nunique() == 1
    others = findings.accounts[~findings.accounts["account_id"].str.startswith("ring")]
    assert not others["flagged"].any()
    keys = findings.campaign_keys
    assert set(keys["behaviour"]) == {"coobject:image"}  # each kind a behaviour of its own
    assert keys["key"].str.startswith("image:meme").all()


def test_any_column_becomes_an_object_from_the_command_line(tmp_path: Path) -> None:
    path = _long_format(tmp_path)
    out = tmp_path / "results"
    run = run_cli("detect", str(path), "--object", "video=vid", "--out", str(out), "-q")
    assert run.returncode == 0, run.stderr
    evidence = pd.read_parquet(out / "evidence.parquet")
    shared = set(evidence.loc[evidence["behaviour"].str.startswith("coobject:"), "key"])
    # the images and the clips of the ring both link its members (evidence is the
    # earliest episodes of each link)
    assert any(k.startswith("video:clip") for k in shared)
    assert any(k.startswith("image:meme") for k in shared)
    bad = run_cli("detect", str(path), "--object", "video=nope", "--out", str(out), "-q")
    assert bad.returncode == 2 and "no such column" in bad.stderr and "nope" in bad.stderr
