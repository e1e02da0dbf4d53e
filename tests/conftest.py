"""Shared fixtures: small datasets made in code, and the path to the real data if present."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_file(name: str) -> Path:
    """Path of a file in ../shared/data, or skip the test with the reason."""
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is absent (real data lives only in the team's ../shared/data)")
    return path


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m cibscan.cli ARGS`` as a user would; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "cibscan.cli", *args], capture_output=True, text=True, env=env
    )


def write_csv(tmp_path: Path, name: str, frame: pd.DataFrame) -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


@pytest.fixture
def tmp_csv(tmp_path: Path):  # type: ignore[no-untyped-def]
    def make(frame: pd.DataFrame, name: str = "posts.csv") -> str:
        return write_csv(tmp_path, name, frame)

    return make


os.environ.setdefault("COLUMNS", "120")
