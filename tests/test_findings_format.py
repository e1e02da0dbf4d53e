"""The findings are data: typed long-form tables and fixed statuses, the same on every
pandas version, saved and loaded unchanged; older folders still load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cibscan
from cibscan.dataset import Dataset
from cibscan.errors import ConfigError
from cibscan.findings import CAMPAIGN_TABLES, ENUMS, FORMAT_VERSION, Findings
from cibscan.simulate import SimConfig, generate, write
from cibscan.status import AccountStatus, Assessment, CampaignStatus
from cibscan.traits import (
    STRONG_TRAITS,
    TRAIT_COLUMNS,
    TRAIT_KINDS,
    TRAITS,
    TraitSettings,
    account_traits,
    strong,
    typed,
)
from cibscan.traits._base import KINDS
from cibscan.view import campaign_list

START = pd.Timestamp("2024-03-04 09:00")
HEADLINES = [f"Police clash with protesters {i} | Hong Kong Free Press" for i in range(8)]


def _platform() -> Dataset:
    """200 ordinary accounts posting their own words, and six that post the same
    headlines (each with a " | " in it) within a minute of each other, day after day."""
    rng = np.random.default_rng(5)
    rows = []
    for i in range(200):
        for j in range(12):
            t = START + pd.Timedelta(seconds=int(rng.integers(0, 14 * 86400)))
            rows.append((f"o{i}_{j}", f"user{i}", t, f"my own words {i} {j} {rng.random()}"))
    for day, headline in enumerate(HEADLINES):
        for k in range(6):
            t = START + pd.Timedelta(days=day, seconds=7 * k)
            rows.append((f"c{day}_{k}", f"copier{k}", t, headline))
    posts = pd.DataFrame(rows, columns=["post_id", "account_id", "created_at", "text"])
    return Dataset.from_frames(posts.assign(language="en"))


@pytest.fixture(scope="module")
def findings() -> Findings:
    return cibscan.detect(_platform(), behaviours=("copypaste",))


def test_a_shared_text_with_a_separator_in_it_stays_one_item(findings: Findings) -> None:
    keys = findings.campaign_keys
    assert len(keys) and set(keys["behaviour"]) == {"copypaste"}
    assert set(keys["label"]) <= set(HEADLINES) and (keys["members"] == 6).all()
    (camp,) = [c for c in campaign_list(findings) if c["top_texts"]]
    assert [t["label"] for t in camp["top_texts"]] == list(keys["label"])
    assert all(t["members"] == 6 for t in camp["top_texts"])
    assert camp["languages"] == ["en"] and camp["languages_text"] == "en 100%"
    assert camp["behaviours"] == [{"name": "copypaste", "links": 15}]  # 6 choose 2


def test_flag_coordinated_flags_the_campaigns_nothing_could_be_tested_of() -> None:
    found = cibscan.detect(_platform(), behaviours=("copypaste",), flag="coordinated")
    copiers = found.accounts[found.accounts["account_id"].str.startswith("copier")]
    assert len(copiers) and copiers["flagged"].all()
    assert (copiers["status"] == AccountStatus.COORDINATED).all()  # still says why
    assert found.summary["counts"]["campaigns_unassessed"] == len(found.campaigns) > 0
    assert found.summary["settings"]["flag"] == "coordinated"
    with pytest.raises(ConfigError, match="flag must be one of"):
        cibscan.detect(_platform(), behaviours=("copypaste",), flag="everyone")


def test_statuses_are_fixed_values(findings: Findings) -> None:
    for (table, col), enum in ENUMS.items():
        values = set(getattr(findings, table)[col])
        assert values <= {e.value for e in enum}, (table, col, values)
    copiers = findings.accounts[findings.accounts["account_id"].str.startswith("copier")]
    # no profile columns: the campaign is neither cleared nor convicted, and says why;
    # its members are listed, not flagged
    assert (copiers["status"] == AccountStatus.COORDINATED).all()
    assert not copiers["flagged"].any()
    camp = findings.campaigns.iloc[0]
    assert (camp["status"], camp["assessment"]) == (
        CampaignStatus.COORDINATED,
        Assessment.NO_METADATA,
    )


def test_saved_findings_load_back_the_same_tables(findings: Findings, tmp_path: Path) -> None:
    findings.save(str(tmp_path))
    again = Findings.load(str(tmp_path))
    for name, columns in CAMPAIGN_TABLES.items():
        mine, theirs = getattr(findings, name), getattr(again, name)
        assert list(theirs.columns) == list(columns)
        pd.testing.assert_frame_equal(mine, theirs, check_dtype=True)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["format_version"] == FORMAT_VERSION


def test_format_4_folders_load_without_campaign_targets(findings: Findings, tmp_path: Path) -> None:
    # campaign_targets came with format 5; a format-4 folder has none and reads as empty
    findings.campaign_targets = pd.DataFrame(
        {"campaign": [1], "account_id": ["outlet"], "behaviour": ["colink"], "episodes": [9],
         "keys": [5], "led": [4], "led_expected": [0.05]}
    ).astype(CAMPAIGN_TABLES["campaign_targets"])  # fmt: skip
    findings.save(str(tmp_path))
    pd.testing.assert_frame_equal(
        Findings.load(str(tmp_path)).campaign_targets, findings.campaign_targets
    )
    summary = json.loads((tmp_path / "summary.json").read_text())
    summary["format_version"] = 4
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    (tmp_path / "campaign_targets.parquet").unlink()
    old = Findings.load(str(tmp_path))
    assert old.campaign_targets.empty
    assert list(old.campaign_targets.columns) == list(CAMPAIGN_TABLES["campaign_targets"])
    pd.testing.assert_frame_equal(old.campaign_keys, findings.campaign_keys)


def test_format_3_folders_still_load(findings: Findings, tmp_path: Path) -> None:
    findings.save(str(tmp_path))
    summary = json.loads((tmp_path / "summary.json").read_text())
    summary["format_version"] = 3
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    legacy = findings.campaigns.drop(columns=["assessment"]).assign(
        status="operation (no account metadata to test)",
        markers="10 of 12 members follow far more accounts than follow them "
        "(follow imbalance: 10% of all accounts); members' posts keep an office-hours x",
        behaviours="copypaste:15, corepost:2",
        top_texts="A | B (6) | plain text (3)",
        top_urls="",
        top_domains="",
        top_hashtags="#tag (4)",
        top_targets="@someone (2)",
        languages="en 60%, zh 40%",
        off_platform="x.example: 50% of its links (0.10% of others')",
    )
    legacy.to_parquet(tmp_path / "campaigns.parquet")
    accounts = findings.accounts.assign(status=findings.accounts["status"].replace({"none": ""}))
    accounts.to_parquet(tmp_path / "accounts.parquet")
    for name in CAMPAIGN_TABLES:
        (tmp_path / f"{name}.parquet").unlink()
    old = Findings.load(str(tmp_path))
    assert set(old.accounts["status"]) <= {s.value for s in AccountStatus}
    assert old.campaigns.loc[0, "assessment"] == Assessment.NO_METADATA
    keys = old.campaign_keys
    assert list(keys.loc[keys["behaviour"] == "cohashtag", "label"]) == ["tag"]
    assert list(keys.loc[keys["behaviour"] == "comention", "label"]) == ["someone"]
    # the best reading of an ambiguous format-3 string: an item ends with its " (n)"
    texts = keys[keys["behaviour"] == "copypaste"]
    assert list(zip(texts["label"], texts["members"], strict=True)) == [
        ("A | B", 6),
        ("plain text", 3),
    ]
    assert list(old.campaign_languages["language"]) == ["en", "zh"]
    assert list(old.campaign_behaviours["links"]) == [15, 2]
    markers = old.campaign_markers
    assert list(markers["marker"]) == ["follow imbalance", "office hours"]
    assert campaign_list(old)[0]["status_text"] == "operation (no account metadata to test)"


# --- traits: declared once, typed the same on every pandas version --------------------


def test_missing_trait_values_stay_missing_on_every_pandas_version() -> None:
    frame = pd.DataFrame({"account_id": ["a", "b"], "impersonates": [np.nan, "xinhua"]})
    out = typed(frame)
    assert out["impersonates"].isna().tolist() == [True, False]
    assert "nan" not in set(out["impersonates"].dropna())
    assert strong(out).tolist() == [False, True]
    assert not out["evades"].notna().any()  # a trait that did not run is missing, not 'nan'


def test_every_declared_trait_column_comes_out_of_its_kind() -> None:
    data = _platform()
    traits = account_traits(data.con, TraitSettings())
    assert list(traits.columns) == ["account_id", *TRAIT_COLUMNS]
    assert list(TRAIT_KINDS) == [c for t in TRAITS for c in t.columns]
    for column, kind in TRAIT_KINDS.items():
        assert str(traits[column].dtype) == str(pd.Series([], dtype=KINDS[kind]).dtype), column
    assert set(STRONG_TRAITS) <= set(TRAIT_KINDS)
    # no profiles, no impersonation, no suspended list: nobody is listed on a trait
    assert not strong(traits).any()
    assert traits["impersonates"].isna().all() and traits["schedule_tz"].isna().all()


def test_a_generated_platform_lists_few_accounts_for_review(tmp_path: Path) -> None:
    posts, labels = generate(SimConfig(posts=6000, seed=3))
    findings = cibscan.detect(cibscan.read(write(posts, labels, str(tmp_path))))
    accounts = findings.accounts
    review = accounts[accounts["status"] == AccountStatus.REVIEW]
    # pandas 2.x once read every missing impersonation as the text 'nan': 540 of 558
    assert len(review) <= 0.05 * len(accounts), review["trait_reasons"].head().tolist()
    assert accounts["impersonates"].isna().mean() > 0.9
    summary = json.loads(json.dumps(findings.summary, default=str))
    assert summary["input"]["files"] == ["posts.csv"]  # no folder names in a shared summary


def test_each_campaign_names_whom_it_follows(findings: Findings) -> None:
    camp = int(findings.campaigns["campaign"].iloc[0])
    outsider = findings.accounts[findings.accounts["campaign"].isna()].iloc[0]
    findings.campaign_targets = pd.DataFrame(
        {"campaign": [camp], "account_id": [outsider["account_id"]], "behaviour": ["colink"],
         "episodes": [9], "keys": [5], "led": [4], "led_expected": [0.05]}
    ).astype(CAMPAIGN_TABLES["campaign_targets"])  # fmt: skip
    by_id = {c["id"]: c for c in campaign_list(findings)}
    who = outsider["handle"] if pd.notna(outsider["handle"]) else outsider["account_id"]
    assert by_id[camp]["follows"] == (
        f"@{who} (before every member in 4 of the 9 episodes it shares with the campaign, "
        "where a member would be in about 0.05; on 5 keys, colink)"
    )
    assert all(c["follows"] == "" for i, c in by_id.items() if i != camp)
