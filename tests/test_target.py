from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.simulate import SimConfig, generate, write
from cibscan.target import _term_patterns, lexicon, target

from .conftest import run_cli


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("target")
    # large enough for the dissidents' supporters to be a crowd of their own; with
    # accounts of the brigade's operation that repost its threats
    posts, labels = generate(SimConfig(posts=100_000, seed=4, brigade_amplifiers=10))
    write(posts, labels, str(folder))
    cibscan.detect(cibscan.read(str(folder / "posts.csv"))).save(str(folder / "results"))
    return folder, labels


def test_the_brigade_against_a_dissident_is_found_with_its_words(platform) -> None:  # type: ignore[no-untyped-def]
    folder, labels = platform
    data = cibscan.read(str(folder / "posts.csv"))
    report = target(data, "@free_voice_hk", cibscan.load(str(folder / "results")))
    assert len(report.brigades) >= 1
    top = report.brigades.iloc[0]
    brigade = set(labels.loc[labels["role"] == "harasser", "userid"])
    members = report.members[report.members["brigade"] == top["brigade"]]
    assert set(members["account_id"]) <= brigade
    assert len(members) >= 0.8 * len(brigade)
    assert top["threat_share"] > 0.5
    examples = report.examples[report.examples["brigade"] == top["brigade"]]
    assert len(examples) == 3 and set(examples["account_id"]) <= brigade
    assert examples["text"].str.contains("free_voice_hk").any()
    terms = report.terms[report.terms["brigade"] == top["brigade"]]
    assert len(terms) and (terms["posts"] > 0).all()
    assert json.loads(json.dumps(report.to_dict(), default=str))["brigades"]


def test_supporters_who_repost_and_cheer_are_a_group_apart_never_a_brigade(platform) -> None:  # type: ignore[no-untyped-def]
    folder, labels = platform
    data = cibscan.read(str(folder / "posts.csv"))
    findings = cibscan.load(str(folder / "results"))
    report = target(data, "free_voice_hk", findings)
    role = labels.set_index("userid")["role"]
    assert set(report.members["account_id"].map(role)) == {"harasser"}
    camp = findings.accounts.set_index("account_id")["campaign"]
    supporters = labels.loc[labels["role"] == "supporter", "userid"]
    # one crowd of them: a supporter who also reposts the star with its fans may join
    # the fans' crowd on group-level evidence, and neither crowd is flagged
    placed = camp.reindex(supporters).dropna().astype(int)
    theirs = int(placed.mode().iloc[0])
    assert (placed == theirs).mean() >= 0.95
    flagged = findings.accounts.set_index("account_id")["flagged"]
    assert not flagged.reindex(supporters).fillna(False).astype(bool).any()
    group = report.groups.set_index("group").loc[theirs]
    assert group["hostile_share"] == 0 and group["reposts_of_target"] > group["posts"]
    # their reposts are support: counted apart, not as posts aimed at the target
    assert report.reposts >= group["reposts_of_target"]
    assert json.loads(json.dumps(report.to_dict(), default=str))["groups"]


def test_who_amplifies_the_attackers_is_listed_with_the_brigade(platform) -> None:  # type: ignore[no-untyped-def]
    folder, labels = platform
    data = cibscan.read(str(folder / "posts.csv"))
    report = target(data, "free_voice_hk", cibscan.load(str(folder / "results")))
    role = labels.set_index("userid")["role"]
    top = report.brigades.iloc[0]["brigade"]
    amplifiers = report.amplifiers[report.amplifiers["brigade"] == top]
    generated = set(labels.loc[labels["role"] == "brigade_amplifier", "userid"])
    # each reposts a third of the threats, at three dissidents: about 14 at this one
    assert set(amplifiers["account_id"]) == generated
    assert (amplifiers["posts_amplified"] >= 2).all()
    assert amplifiers["posts_amplified"].is_monotonic_decreasing
    # within minutes of the threats, as generated
    assert amplifiers["median_delay_s"].between(30, 3600).all()
    # nobody who stands by the target, and no member of the brigade itself
    assert set(report.amplifiers["account_id"].map(role)) == {"brigade_amplifier"}
    assert not set(report.amplifiers["account_id"]) & set(report.members["account_id"])
    listed = json.loads(json.dumps(report.to_dict(), default=str))["amplifiers"]
    assert {a["account_id"] for a in listed} >= generated


def test_an_account_nobody_targets_gets_a_clear_error(platform) -> None:  # type: ignore[no-untyped-def]
    folder, _ = platform
    data = cibscan.read(str(folder / "posts.csv"))
    with pytest.raises(InputError, match="no replies to or mentions of 'nobody_at_all'"):
        target(data, "nobody_at_all", cibscan.load(str(folder / "results")))


def test_target_command_prints_json(platform) -> None:  # type: ignore[no-untyped-def]
    folder, _ = platform
    run = run_cli(
        "target",
        "uyghur_rights",
        str(folder / "posts.csv"),
        "--results",
        str(folder / "results"),
        "--json",
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["brigades"] and out["brigades"][0]["threat_share"] > 0.5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("we know where you live, traitor", {"know where you live", "traitor"}),
        ("你会后悔的 叛徒", {"你会后悔", "叛徒"}),
        ("a diet of strawberries and a pirate film", set()),  # no "die", no "rat"
    ],
)
def test_lexicon_matches_whole_words_and_chinese_anywhere(text: str, expected: set[str]) -> None:
    found = {t for t, _, p in _term_patterns(lexicon()) if p.search(text.lower())}
    assert found == expected
