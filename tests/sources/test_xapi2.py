"""X API v2 pulls as twarc2 writes them, on fixtures written from the API's documentation."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.sources import xapi2

#: One response page: an original with every entity, a retweet of it, a reply, a quote
#: that is also a retweet's subject, a tweet with no entities and one with empty lists.
PAGE = {
    "data": [
        {
            "id": "100",
            "author_id": "1",
            "created_at": "2024-05-01T10:00:00.000Z",
            "text": "Read this https://t.co/x #HongKong @reporter",
            "lang": "en",
            "source": "Twitter Web App",
            "entities": {
                "urls": [{"url": "https://t.co/x", "expanded_url": "https://news.example/a"}],
                "hashtags": [{"start": 10, "end": 19, "tag": "HongKong"}],
                "mentions": [{"start": 20, "end": 29, "username": "reporter", "id": "9"}],
            },
        },
        {
            "id": "101",
            "author_id": "2",
            "created_at": "2024-05-01T10:00:30.000Z",
            "text": "RT @first: Read this https://t.co/x #HongKong @reporter",
            "referenced_tweets": [{"type": "retweeted", "id": "100"}],
            "entities": {"mentions": [{"username": "first"}]},
        },
        {
            "id": "102",
            "author_id": "3",
            "created_at": "2024-05-01T10:05:00Z",
            "text": "@first no it is not",
            "in_reply_to_user_id": "1",
            "referenced_tweets": [{"type": "replied_to", "id": "100"}],
            "entities": {"urls": [], "hashtags": [], "mentions": []},
        },
        {
            "id": "103",
            "author_id": "3",
            "created_at": "2024-05-01T10:06:00+00:00",
            "text": "look at this",
            "referenced_tweets": [{"type": "quoted", "id": "500"}],
        },
    ],
    "includes": {
        "users": [
            {
                "id": "1",
                "username": "first",
                "name": "First <b>Account</b>",
                "description": "<script>alert(1)</script>",
                "created_at": "2020-01-02T03:04:05.000Z",
                "public_metrics": {"followers_count": 120, "following_count": 80},
            },
            {"id": "2", "username": "second", "name": "Second"},  # no metrics, no bio
            {"id": "3", "username": "third", "name": "Third", "public_metrics": {}},
        ],
        "tweets": [{"id": "500", "author_id": "7", "text": "the quoted one"}],
    },
    "meta": {"result_count": 4},
}

#: A flattened tweet (``twarc2 flatten``): the author inline.
FLAT = {
    "id": "200",
    "author_id": "4",
    "created_at": "2024-05-02T08:00:00.000Z",
    "text": "flattened",
    "author": {"id": "4", "username": "fourth", "name": "Fourth"},
    "referenced_tweets": [{"type": "retweeted", "id": "100", "author_id": "1"}],
}


def _write(tmp_path: Path, name: str, objects: list[object], raw: tuple[str, ...] = ()) -> str:
    lines = [json.dumps(o, ensure_ascii=False) for o in objects] + list(raw)
    path = tmp_path / name
    body = "\n".join(lines) + "\n"
    if name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(body)
    else:
        path.write_text(body, encoding="utf-8")
    return str(path)


def test_a_response_page_is_read_with_kinds_parents_entities_and_profiles(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, "search.jsonl", [PAGE])
    assert xapi2.looks_like(path)
    data = cibscan.read(path)
    posts = data.posts_df().set_index("post_id")
    assert posts.loc[["100", "101", "102", "103"], "kind"].tolist() == [
        "post",
        "repost",
        "reply",
        "quote",
    ]
    assert posts.loc["101", "parent_post_id"] == "100"
    assert posts.loc["102", "parent_account_id"] == "1"  # in_reply_to_user_id
    assert posts.loc["103", "parent_account_id"] == "7"  # the quoted tweet's author
    assert list(posts.loc["100", "urls"]) == ["https://news.example/a"]
    assert [h.lower() for h in posts.loc["100", "hashtags"]] == ["hongkong"]
    assert list(posts.loc["102", "urls"]) == [] and list(posts.loc["103", "urls"]) == []
    assert str(posts.loc["102", "created_at"]) == "2024-05-01 10:05:00"
    accounts = data.accounts_df().set_index("account_id")
    assert accounts.loc["1", "handle"] == "first" and accounts.loc["1", "followers"] == 120
    assert accounts.loc["1", "bio"] == "<script>alert(1)</script>"  # kept as data
    assert str(accounts.loc["1", "created_at"]) == "2020-01-02 03:04:05"
    assert pd.isna(accounts.loc["2", "followers"])  # absent, not zero


def test_flattened_lines_and_gzip_read_the_same_way(tmp_path: Path) -> None:
    path = _write(tmp_path, "flat.jsonl.gz", [FLAT])
    assert xapi2.looks_like(path)
    data = cibscan.read(path)
    post = data.posts_df().iloc[0]
    assert (post["kind"], post["parent_post_id"], post["parent_account_id"]) == (
        "repost",
        "100",
        "1",
    )
    assert data.accounts_df().set_index("account_id").loc["4", "handle"] == "fourth"


def test_a_bad_line_names_the_file_line_and_field(tmp_path: Path) -> None:
    broken = dict(PAGE, data=[{"id": "1", "author_id": "1", "text": "no time"}])
    path = _write(tmp_path, "bad.jsonl", [PAGE, broken])
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    message = str(err.value)
    assert "bad.jsonl" in message and "2" in message and "created_at" in message
    path = _write(tmp_path, "notjson.jsonl", [PAGE], raw=("{not json",))
    with pytest.raises(InputError, match="not a JSON object"):
        cibscan.read(path)
    # skipped and counted when asked, never dropped silently
    data = cibscan.read(path, on_bad_rows="skip")
    assert data.report.skipped["not a JSON object"] == 1 and data.n_posts == 4
    late = dict(PAGE, data=[dict(PAGE["data"][0], id="9", created_at="yesterday")])  # type: ignore[call-overload]
    path = _write(tmp_path, "late.jsonl", [PAGE, late])
    with pytest.raises(InputError, match="ISO 8601"):
        cibscan.read(path)


def test_other_json_lines_are_not_taken_for_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "posts.jsonl", [{"post_id": "1", "account_id": "a"}])
    assert not xapi2.looks_like(path)


def test_a_planted_retweet_ring_is_found_in_an_api_pull(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    start = np.datetime64("2024-05-01T00:00:00")
    pages = []
    tweet_id = 1000
    # 300 people retweeting popular posts at their own times
    sources = [f"s{i}" for i in range(40)]
    for day in range(10):
        data, users = [], []
        for person in range(300):
            for _ in range(2):
                tweet_id += 1
                t = start + np.timedelta64(int(day * 86400 + rng.integers(0, 86400)), "s")
                data.append(
                    {
                        "id": str(tweet_id),
                        "author_id": f"p{person}",
                        "created_at": f"{t}Z",
                        "text": f"RT something {tweet_id}",
                        "referenced_tweets": [
                            {"type": "retweeted", "id": str(rng.choice(sources))}
                        ],
                    }
                )
            users.append({"id": f"p{person}", "username": f"person{person}", "name": "P"})
        # a ring of 8 retweeting the same 3 posts a day within seconds
        for k in range(3):
            t0 = day * 86400 + int(rng.integers(0, 80000))
            for member in range(8):
                tweet_id += 1
                t = start + np.timedelta64(t0 + int(rng.integers(0, 20)), "s")
                data.append(
                    {
                        "id": str(tweet_id),
                        "author_id": f"ring{member}",
                        "created_at": f"{t}Z",
                        "text": f"RT push {day}-{k}",
                        "referenced_tweets": [{"type": "retweeted", "id": f"push{day}-{k}"}],
                    }
                )
        pages.append({"data": data, "includes": {"users": users}})
    path = _write(tmp_path, "pull.jsonl", pages)
    findings = cibscan.detect(cibscan.read(path), flag="coordinated")
    camp = findings.accounts.set_index("account_id")["campaign"]
    ring = camp[[f"ring{m}" for m in range(8)]]
    assert ring.notna().all() and ring.nunique() == 1
    assert (camp.drop(ring.index).dropna() != ring.iloc[0]).all()  # nobody else in it
