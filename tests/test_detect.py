"""End to end on the synthetic platform: planted operations found, crowds left alone."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cibscan
from cibscan.behaviours import window_of
from cibscan.detect import (
    DetectConfig,
    format_duration,
    format_span,
    format_window,
    parse_window,
)
from cibscan.errors import ConfigError
from cibscan.evidence import CAMPAIGN_LINKS
from cibscan.link import LinkSettings
from cibscan.simulate import SimConfig, generate, write


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("sim")
    posts, labels = generate(SimConfig(posts=30_000, seed=3))
    path = write(posts, labels, str(folder))
    data = cibscan.read(path)
    return data, cibscan.detect(data), labels, folder


def test_planted_operations_are_found_and_organic_accounts_are_not(run) -> None:  # type: ignore[no-untyped-def]
    _, findings, labels, _ = run
    acc = findings.accounts.merge(labels, left_on="account_id", right_on="userid")
    planted = acc[acc["label"] != "organic"]
    # News aggregators reposting outlets' headlines verbatim within the hour do beat
    # chance on co-activity alone; telling them apart is the job of account traits, so
    # this test of the link evidence leaves them (and the outlets they copy) aside.
    organic = acc[(acc["label"] == "organic") & ~acc["role"].isin(["aggregator", "news_outlet"])]
    assert planted["flagged"].mean() >= 0.9
    assert organic["flagged"].mean() <= 0.01
    for role in ("protester", "fan", "greeter", "active_user"):
        assert acc.loc[acc["role"] == role, "flagged"].mean() <= 0.01, role
    # each campaign is (nearly) one operation
    flagged = acc[acc["flagged"]]
    purity = flagged.groupby("campaign")["label"].agg(lambda s: s.value_counts().iloc[0]).sum()
    assert purity / len(flagged) >= 0.95


def test_every_account_appears_once_and_flagged_ones_are_explained(run) -> None:  # type: ignore[no-untyped-def]
    data, findings, _, _ = run
    ids = set(data.con.execute("SELECT DISTINCT account_id FROM posts").df()["account_id"])
    assert set(findings.accounts["account_id"]) == ids
    assert findings.accounts["account_id"].is_unique
    flagged = findings.accounts[findings.accounts["flagged"]]
    assert flagged["campaign"].notna().all()
    assert (flagged["reasons"].str.len() > 0).all()
    assert findings.accounts["score"].between(0, 1).all()
    assert (flagged["score"] >= 0.99).all()  # every flagged account has a link with q <= 0.01


def test_evidence_backs_every_link(run) -> None:  # type: ignore[no-untyped-def]
    _, findings, _, _ = run
    ev = findings.evidence
    pairs = set(zip(findings.links["account_a"], findings.links["account_b"], strict=True))
    assert set(zip(ev["account_a"], ev["account_b"], strict=True)) == pairs
    windows = findings.summary["settings"]["windows_seconds"]
    assert (ev["gap_seconds"] <= ev["behaviour"].map(lambda b: window_of(b, windows))).all()
    assert ev["text_a"].notna().any()
    # each post's own language beside it; a similarity only for paraphrases (none here)
    data, _, _, _ = run
    lang = data.con.execute("SELECT post_id, language FROM posts").df()
    lang = lang.set_index("post_id")["language"]
    for side in ("a", "b"):
        want = ev[f"post_{side}"].map(lang)
        assert ev[f"language_{side}"].fillna("").tolist() == want.fillna("").tolist()
    assert ev["language_a"].notna().any() and ev["similarity"].isna().all()


def test_evidence_is_kept_for_each_account_s_strongest_links(run) -> None:  # type: ignore[no-untyped-def]
    # at one link per account, the evidence holds each account's strongest link (and each
    # campaign's strongest inside it) and nothing else; the findings are otherwise those
    # of the default run, which keeps the evidence of all these links
    data, findings, _, _ = run
    fewer = cibscan.detect(data, DetectConfig(link=LinkSettings(evidence_links_per_account=1)))
    kept = set(zip(fewer.evidence["account_a"], fewer.evidence["account_b"], strict=True))
    links = fewer.links
    pairs = list(zip(links["account_a"], links["account_b"], strict=True))
    assert kept < set(pairs) and fewer.summary["counts"]["links_with_evidence"] == len(kept)
    ends = pd.concat(
        [
            links.assign(end=links["account_a"], partner=links["account_b"]),
            links.assign(end=links["account_b"], partner=links["account_a"]),
        ]
    )
    strongest = ends.sort_values(["end", "log10_q", "partner"]).drop_duplicates("end")
    want = set(zip(strongest["account_a"], strongest["account_b"], strict=True))
    inside = links[links["campaign"].notna()]
    inside = inside.sort_values(["campaign", "log10_q", "account_a", "account_b"])
    top = inside.groupby("campaign").head(CAMPAIGN_LINKS)
    want |= set(zip(top["account_a"], top["account_b"], strict=True))
    assert kept == want
    assert fewer.evidence.columns.tolist() == findings.evidence.columns.tolist()
    pd.testing.assert_frame_equal(fewer.accounts, findings.accounts)
    pd.testing.assert_frame_equal(fewer.links, findings.links)


def test_save_and_load_round_trip(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, findings, _, _ = run
    findings.save(str(tmp_path / "r"))
    back = cibscan.load(str(tmp_path / "r"))
    pd.testing.assert_frame_equal(back.accounts, findings.accounts, check_dtype=False)
    pd.testing.assert_frame_equal(back.campaigns, findings.campaigns, check_dtype=False)
    assert back.summary["counts"] == findings.summary["counts"]
    graph = ET.parse(tmp_path / "r" / "graph.gexf").getroot()
    ns = {"g": "http://gexf.net/1.3"}
    assert len(graph.findall(".//g:edge", ns)) == len(findings.links)
    csv = pd.read_csv(tmp_path / "r" / "accounts.csv")
    assert len(csv) == len(findings.accounts)


def test_load_refuses_a_folder_that_is_not_findings(tmp_path: Path) -> None:
    with pytest.raises(cibscan.FindingsError):
        cibscan.load(str(tmp_path))


def test_same_seed_same_findings(run) -> None:  # type: ignore[no-untyped-def]
    data, findings, _, _ = run
    again = cibscan.detect(data)
    for table in ("accounts", "campaigns", "links", "evidence"):
        pd.testing.assert_frame_equal(getattr(again, table), getattr(findings, table))


def test_windows_parse_and_print() -> None:
    assert parse_window("90s") == 90 and parse_window("1m") == 60 and parse_window("10min") == 600
    assert parse_window("1h") == 3600 and parse_window("2d") == 172800 and parse_window(30) == 30
    assert (
        format_window(60) == "60 s"
        and format_window(600) == "10 min"
        and format_window(3600) == "1 h"
    )
    with pytest.raises(ConfigError):
        parse_window("soon")


def test_unknown_behaviour_is_a_config_error(run) -> None:  # type: ignore[no-untyped-def]
    data, _, _, _ = run
    with pytest.raises(ConfigError, match="unknown behaviour"):
        cibscan.detect(data, behaviours=("corepost", "telepathy"))


def test_reasons_read_as_sentences(run) -> None:  # type: ignore[no-untyped-def]
    _, findings, _, _ = run
    reasons = findings.accounts.loc[findings.accounts["flagged"], "reasons"]
    assert reasons.str.contains(
        r"the same \d+ \w+.* within \d+ (?:s|min|h|day) of (?:\d+ other|its members)"
    ).all()
    assert not reasons.str.contains(r"\bsame 1 \w+s\b").any()  # "1 posts" is a bug


def test_unknown_setting_is_a_config_error(run) -> None:  # type: ignore[no-untyped-def]
    data, _, _, _ = run
    with pytest.raises(ConfigError):
        cibscan.detect(data, windw="1m")


def test_detect_leaves_only_the_canonical_tables(run) -> None:  # type: ignore[no-untyped-def]
    data, _, _, _ = run
    cibscan.detect(data)
    tables = {
        r[0]
        for r in data.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert tables == {"posts", "accounts"}


def test_reasons_say_how_long_after_the_originals_a_ring_reposted() -> None:
    rng = np.random.default_rng(2)
    t0 = pd.Timestamp("2024-03-04")
    rows = []
    for p in range(12):  # an outlet's posts, each reposted 5 to 9 minutes later by a ring
        start = t0 + pd.Timedelta(hours=7 * p + 3)
        rows.append(("outlet", f"orig{p}", None, "post", start))
        for r in range(5):
            delay = pd.Timedelta(minutes=5 + r, seconds=int(rng.integers(0, 20)))
            rows.append((f"ring{r}", f"rp{p}_{r}", f"orig{p}", "repost", start + delay))
    for u in range(300):  # everybody else reposts one viral post, or nothing of the outlet's
        when = t0 + pd.Timedelta(hours=int(rng.integers(0, 80)), seconds=int(rng.integers(0, 60)))
        rows.append((f"u{u}", f"own{u}", None, "post", when))
        rows.append((f"u{u}", f"vr{u}", "own0", "repost", when + pd.Timedelta(minutes=1)))
    frame = pd.DataFrame(
        rows, columns=["account_id", "post_id", "parent_post_id", "kind", "created_at"]
    )
    findings = cibscan.detect(
        cibscan.Dataset.from_frames(frame), behaviours=("corepost",), assess_campaigns=False
    )
    reasons = findings.accounts.set_index("account_id")["reasons"]
    ring = reasons[[f"ring{r}" for r in range(5)]]
    assert ring.str.contains("after the originals").all()
    # ring0 reposted 5 min (and up to 19 s) after every original, ring4 9 min after
    assert "5 min after the originals" in ring["ring0"]
    assert "9 min after the originals" in ring["ring4"]
    assert not reasons.drop(ring.index).str.contains("after the originals").any()


def test_delays_read_in_words() -> None:
    assert format_duration(45) == "45 s"
    assert format_duration(130) == "2 min"
    assert format_duration(3 * 3600 + 20 * 60) == "3 h 20 min"
    assert format_duration(12 * 3600 + 5 * 60) == "12 h"
    assert format_duration(2 * 86400 + 4 * 3600) == "2 days 4 h"
    assert format_span(120, 2400) == "2 min to 40 min"
    assert format_span(300, 310) == "5 min"


def test_a_failed_run_leaves_no_table_and_leaves_a_users_own_tables_alone(  # type: ignore[no-untyped-def]
    run, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, findings, _, _ = run
    con = data.con

    def tables() -> set[tuple[str, str, str]]:
        rows = con.execute(
            "SELECT table_catalog, table_schema, table_name FROM information_schema.tables"
        ).fetchall()
        return {(str(c), str(s), str(n)) for c, s, n in rows}

    def settings() -> list[tuple[object, ...]]:
        return con.execute(
            "SELECT current_setting('schema'), current_setting('search_path')"
        ).fetchall()

    before = settings()
    # a table of the user's that bears the name of one of the run's own
    con.execute("CREATE TABLE traces AS SELECT 'mine' AS owner")
    try:
        canonical = tables()

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("a stage failed")

        with monkeypatch.context() as patch:
            patch.setattr(sys.modules["cibscan.detect"], "account_traits", broken)
            with pytest.raises(RuntimeError, match="a stage failed"):
                cibscan.detect(data)  # after the traces and the links were built
        assert tables() == canonical
        assert settings() == before
        again = cibscan.detect(data)
        assert con.execute("SELECT owner FROM traces").fetchall() == [("mine",)]
        assert tables() == canonical
        pd.testing.assert_frame_equal(again.accounts, findings.accounts)
    finally:
        con.execute("DROP TABLE IF EXISTS main.traces")


def test_post_times_given_to_the_day_are_read_at_the_day(run) -> None:  # type: ignore[no-untyped-def]
    # the platform's posts with their times cut to the day, as some exports give them
    data, findings, labels, _ = run
    posts = data.posts_df()
    posts["created_at"] = posts["created_at"].dt.floor("D")
    days = cibscan.detect(cibscan.Dataset.from_frames(posts, data.accounts_df()))
    settings = days.summary["settings"]
    assert days.summary["input"]["time_step_seconds"] == 86_400
    assert findings.summary["input"]["time_step_seconds"] == 1
    # every window raised to the day, and no scale left that is not longer
    assert set(settings["windows_seconds"].values()) == {86_400}
    assert not any(settings["scales_seconds"].values())
    asked = findings.summary["settings"]["windows_seconds"]
    assert settings["windows_raised_from"] == asked
    # the traits and the group-level test read the grain (ties with the first member lead)
    assert settings["traits"]["post_time_step"] == settings["expand"]["post_time_step"] == 86_400
    assert findings.summary["settings"]["expand"]["post_time_step"] == 1
    assert (days.evidence["gap_seconds"] <= 86_400).all()
    assert (days.evidence["gap_seconds"] % 86_400 == 0).all()
    # the hour of a post is unknown: no schedule or clockwork measured, neither marker tested
    assert days.accounts["gap_regularity"].isna().all()
    assert not days.accounts["office_hours"].fillna(False).astype(bool).any()
    assert not set(days.campaign_markers["marker"]) & {"office hours", "clockwork posting"}
    # and the operations are still found, with nobody organic flagged
    acc = days.accounts.merge(labels, left_on="account_id", right_on="userid")
    assert acc.loc[acc["label"] != "organic", "flagged"].mean() >= 0.9
    assert acc.loc[acc["label"] == "organic", "flagged"].mean() <= 0.01
