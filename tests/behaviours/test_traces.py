from __future__ import annotations

import duckdb
import pandas as pd
import pytest

import cibscan
from cibscan.behaviours import BEHAVIOURS, TextSettings
from cibscan.behaviours.colink import normalise_url_sql


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://www.Example.com/a/?utm_source=x&id=3&fbclid=z#top", "example.com/a?id=3"),
        ("http://m.example.com/story/", "example.com/story"),
        ("https://example.com:443/x?ref=tw", "example.com/x"),
        ("https://t.co/AbC123…", "t.co/AbC123"),
        ("example.com/Path?b=2&utm_medium=m", "example.com/Path?b=2"),
    ],
)
def test_url_normalisation(raw: str, expected: str) -> None:
    got = duckdb.connect().execute(f"SELECT {normalise_url_sql('$u')}", {"u": raw}).fetchall()
    assert got[0][0] == expected


def _data() -> cibscan.Dataset:
    t = pd.Timestamp("2024-01-01 10:00")
    posts = pd.DataFrame(
        {
            "post_id": ["1", "2", "3", "4", "5"],
            "account_id": ["a", "b", "c", "d", "e"],
            "created_at": [t, t, t, t, t],
            "kind": ["post", "repost", "reply", "post", "post"],
            "text": [
                "香港警察執法 必須支持 依法嚴懲暴徒",
                "x",
                "@victim shut up",
                "香港警察执法 必须支持 依法严惩暴徒",
                "y",
            ],
            "parent_post_id": [None, "9", "8", None, None],
            "parent_account_id": [None, "v", "victim", None, None],
            "urls": [["https://www.x.com/a?utm_source=1"], ["https://x.com/a"], [], [], []],
            "hashtags": [["b", "a"], ["a"], [], ["a", "b", "a"], []],
            "mentions": [[], [], ["victim"], ["Victim"], []],
        }
    )
    return cibscan.Dataset.from_frames(posts)


def _traces(name: str) -> pd.DataFrame:
    data = _data()
    b = BEHAVIOURS[name]
    if b.prepare:
        b.prepare(data.con, TextSettings(min_chars=5))
    return data.con.execute(b.traces_sql()).df()


def test_corepost_keys_on_the_reposted_post() -> None:
    t = _traces("corepost")
    assert t[["account_id", "key"]].values.tolist() == [["b", "9"]]


def test_copypaste_folds_traditional_and_simplified() -> None:
    t = _traces("copypaste").set_index("account_id")
    assert t.loc["a", "key"] == t.loc["d", "key"]


def test_colink_skips_reposts_and_normalises() -> None:
    t = _traces("colink")
    assert t[["account_id", "key"]].values.tolist() == [["a", "x.com/a"]]


def test_cohashtag_uses_sorted_distinct_sets() -> None:
    t = _traces("cohashtag").set_index("account_id")["key"].to_dict()
    assert t == {"a": "a b", "d": "a b"}


def test_comention_joins_reply_targets_and_mentions_case_folded() -> None:
    t = _traces("comention")
    assert sorted(t[["account_id", "key"]].values.tolist()) == [["c", "victim"], ["d", "victim"]]
