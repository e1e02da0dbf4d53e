from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_demo_end_to_end(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "cibscan.cli",
            "demo",
            "--out",
            str(tmp_path / "d"),
            "--posts",
            "8000",
        ],
        capture_output=True,
        text=True,
        env={"COLUMNS": "120", "PATH": ""},
    )
    assert run.returncode == 0, run.stderr
    assert "planted operations: found" in run.stdout
    summary = json.loads((tmp_path / "d" / "results" / "summary.json").read_text())
    assert summary["counts"]["campaigns"] >= 3
    assert (tmp_path / "d" / "labels.csv").exists()


def test_bad_window_exits_2_with_one_line(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "cibscan.cli", "detect", "x.csv", "--window", "soon"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "window" in run.stderr
