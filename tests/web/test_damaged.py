"""Damaged or unusual findings folders fail cleanly: one line naming the file, exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from cibscan.dashboard import create_app
from cibscan.findings import FORMAT_VERSION, Findings
from cibscan.review import FILE_NAME, ReviewStore, ReviewStoreError
from tests.conftest import run_cli


@pytest.fixture
def folder(hostile_results: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(hostile_results, tmp_path / "results"))


def _one_line_failure(folder: Path, *names: str) -> str:
    run = run_cli("report", str(folder), "-o", str(folder.parent / "r.html"))
    assert run.returncode == 2, run.stderr
    text = run.stderr.strip()
    assert "\n" not in text and "Traceback" not in text and len(text) < 700
    for name in names:
        assert name in text, text
    assert not (folder.parent / "r.html").exists()
    return text


def test_a_truncated_or_foreign_table_is_named(folder: Path) -> None:
    table = folder / "accounts.parquet"
    table.write_bytes(table.read_bytes()[:500])
    _one_line_failure(folder, "accounts.parquet", "run detect again")
    table.write_text("account_id,score\na,1\n")
    _one_line_failure(folder, "accounts.parquet")


def test_a_broken_summary_is_named(folder: Path) -> None:
    (folder / "summary.json").write_text('{"format_version": 4, ')
    _one_line_failure(folder, "summary.json")
    (folder / "summary.json").write_text("[1, 2]")
    _one_line_failure(folder, "summary.json", "JSON object")


def test_a_missing_column_is_named(folder: Path) -> None:
    accounts = pd.read_parquet(folder / "accounts.parquet").drop(columns=["score"])
    accounts.to_parquet(folder / "accounts.parquet")
    _one_line_failure(folder, "accounts.parquet", "score")


def test_a_damaged_review_store_is_refused_and_left_as_it_is(folder: Path) -> None:
    store = folder / FILE_NAME
    store.write_bytes(b"not a database at all" * 100)
    before = store.read_bytes()
    with pytest.raises(ReviewStoreError, match=FILE_NAME):
        ReviewStore(str(folder))
    assert store.read_bytes() == before


def test_a_folder_that_cannot_be_written_is_served_read_only(
    hostile_findings: Findings, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ReviewStore, "writable", staticmethod(lambda folder: False))
    client = TestClient(create_app(hostile_findings, str(folder)), base_url="http://127.0.0.1")
    assert client.get("/api/overview").json()["reviews_enabled"] is False
    body = {"kind": "account", "target": str(hostile_findings.accounts["account_id"][0]),
            "decision": "confirmed", "note": "", "reviewer": "ana"}  # fmt: skip
    refused = client.post("/api/reviews", json=body)
    assert refused.status_code == 403 and "read-only" in refused.text
    assert client.get("/api/reviews").json() == []
    assert not (folder / FILE_NAME).exists()


def test_report_output_onto_a_folder_or_the_findings_is_refused(folder: Path) -> None:
    run = run_cli("report", str(folder), "-o", str(folder.parent))
    assert run.returncode == 2 and "is a folder" in run.stderr
    before = (folder / "summary.json").read_bytes()
    run = run_cli("report", str(folder), "-o", str(folder / "summary.json"))
    assert run.returncode == 2 and "overwrite the findings" in run.stderr
    assert (folder / "summary.json").read_bytes() == before
    assert not list(folder.parent.glob("**/*.part"))
    assert json.loads(before)["format_version"] == FORMAT_VERSION


def test_a_folder_deleted_while_serving_answers_in_one_line(
    hostile_findings: Findings, folder: Path
) -> None:
    client = TestClient(create_app(hostile_findings, str(folder)), base_url="http://127.0.0.1")
    assert client.get("/api/reviews").status_code == 200
    shutil.rmtree(folder)
    gone = client.get("/api/reviews")
    assert gone.status_code == 503 and "moved or deleted" in gone.json()["detail"]
    assert client.get("/api/campaigns").status_code == 200  # the findings are in memory
