"""Each platform export read end to end from the command line, recognised without --format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import run_cli
from . import (
    test_bluesky,
    test_mastodon,
    test_reddit,
    test_telegram,
    test_tiktok,
    test_xapi2,
    test_youtube,
)


def _fixtures(tmp_path: Path) -> dict[str, tuple[str, int]]:
    """format name -> (a fixture file of it, how many posts it holds)."""
    return {
        "x-api-v2": (test_xapi2._write(tmp_path, "pull.jsonl", [test_xapi2.PAGE]), 4),
        "mastodon": (
            test_mastodon._write(
                tmp_path,
                "statuses.json",
                [test_mastodon.ORIGINAL, test_mastodon.BOOST, test_mastodon.REPLY],
            ),
            3,
        ),
        "telegram": (test_telegram._write(tmp_path, "result.json", test_telegram.CHAT), 5),
        "reddit": (
            test_reddit._write(
                tmp_path, "RS.ndjson", [test_reddit.SUBMISSION, test_reddit.COMMENT]
            ),
            2,
        ),
        "tiktok": (test_tiktok._write(tmp_path, "videos.json", [test_tiktok.VIDEOS]), 2),
        "youtube": (test_youtube._write(tmp_path, "threads.json", [test_youtube.THREADS]), 4),
        "bluesky": (
            test_bluesky._write(
                tmp_path, "jetstream.jsonl", [test_bluesky.POST, test_bluesky.REPOST]
            ),
            2,
        ),
    }


@pytest.mark.parametrize(
    "name", ["x-api-v2", "mastodon", "telegram", "reddit", "bluesky", "youtube", "tiktok"]
)
def test_detect_reads_the_export_from_the_command_line(tmp_path: Path, name: str) -> None:
    path, posts = _fixtures(tmp_path)[name]
    out = tmp_path / "out"
    run = run_cli("detect", path, "--out", str(out), "-q")
    assert run.returncode == 0, run.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["input"]["posts"] == posts
    # and the same file named by its format reads the same
    again = run_cli("detect", path, "--format", name, "--out", str(tmp_path / "again"), "-q")
    assert again.returncode == 0, again.stderr


def test_map_and_object_are_refused_for_an_export_that_maps_its_own_fields(
    tmp_path: Path,
) -> None:
    path, _ = _fixtures(tmp_path)["mastodon"]
    run = run_cli("detect", path, "--object", "image=media", "--out", str(tmp_path / "o"))
    assert run.returncode == 2 and run.stderr.strip().count("\n") == 0  # one line
    assert "maps its own fields" in run.stderr
