"""Review decisions stay with what was reviewed when detection runs again."""

from __future__ import annotations

from pathlib import Path

import pytest

import cibscan
from cibscan.findings import Findings
from cibscan.review import FILE_NAME, ReviewStore, bind, confirmed_accounts, subject_of
from cibscan.simulate import SimConfig, generate, write
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Findings]:
    folder = tmp_path_factory.mktemp("rerun")
    posts, labels = generate(SimConfig(posts=20_000, seed=3))
    path = write(posts, labels, str(folder))
    return path, cibscan.detect(cibscan.read(path))


def _decide(store: ReviewStore, findings: Findings, camp: int, decision: str) -> None:
    subject = subject_of(findings, "campaign", str(camp))
    store.record(
        "campaign",
        str(camp),
        decision,
        "",
        "ana",
        subject=subject,
        run_id=findings.summary["run_id"],
    )


def test_decisions_follow_the_campaign_not_its_number(
    platform: tuple[str, Findings], tmp_path: Path
) -> None:
    path, first = platform
    store = ReviewStore(str(tmp_path))
    camps = first.campaigns.sort_values("size", ascending=False)["campaign"].tolist()
    confirmed, dismissed = camps[0], camps[-1]
    _decide(store, first, confirmed, "confirmed")
    _decide(store, first, dismissed, "dismissed")
    reviewed = set(first.accounts.loc[first.accounts["campaign"] == confirmed, "account_id"])
    # the same run: both apply, at their own numbers
    applies, earlier = bind(first, store.latest())
    assert sorted(int(d["target"]) for d in applies) == sorted([confirmed, dismissed])
    assert earlier == []
    # another run with other behaviours renumbers and regroups the campaigns
    second = cibscan.detect(cibscan.read(path), behaviours=("copypaste", "colink"))
    assert second.summary["run_id"] != first.summary["run_id"]
    applies, earlier = bind(second, store.latest())
    assert len(applies) + len(earlier) == 2
    hashes = dict(zip(second.campaigns["campaign"], second.campaigns["members_hash"], strict=True))
    for d in applies:
        assert hashes[int(d["target"])] == d["subject"] and not d["earlier_run"]
    assert all(d["earlier_run"] for d in earlier)
    table, _ = confirmed_accounts(second, applies)
    # nobody is exported as confirmed who was not a member of what the analyst confirmed
    assert set(table["account_id"]) <= reviewed
    if not any(d["decision"] == "confirmed" for d in applies):
        assert table.empty


def test_detect_refuses_a_folder_with_decisions_unless_forced(
    platform: tuple[str, Findings], tmp_path: Path
) -> None:
    path, _ = platform
    out = tmp_path / "results"
    out.mkdir()
    ReviewStore(str(out)).record("account", "x", "confirmed", "", "ana")
    run = run_cli("detect", path, "--out", str(out), "-q")
    assert run.returncode == 2 and FILE_NAME in run.stderr and "--force" in run.stderr
    assert not (out / "summary.json").exists()
    run = run_cli("detect", path, "--out", str(out), "-q", "--force")
    assert run.returncode == 0, run.stderr
    assert (out / "summary.json").exists() and (out / FILE_NAME).exists()


def test_detect_out_onto_a_file_is_one_line(tmp_path: Path) -> None:
    target = tmp_path / "taken.txt"
    target.write_text("mine")
    source = tmp_path / "p.csv"
    source.write_text("post_id,account_id,created_at\n1,a,2021-01-01\n")
    run = run_cli("detect", str(source), "--out", str(target))
    assert run.returncode == 2 and "is a file" in run.stderr
    assert target.read_text() == "mine"
