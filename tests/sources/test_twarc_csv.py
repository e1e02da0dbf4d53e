"""X API v2 tweets as twarc2's CSV writes them, on a fixture from its column layout."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import cibscan
from cibscan.sources import detect_format

ROWS = [
    {
        "id": "100",
        "conversation_id": "100",
        "referenced_tweets.replied_to.id": "",
        "referenced_tweets.retweeted.id": "",
        "referenced_tweets.quoted.id": "",
        "author_id": "1",
        "in_reply_to_user_id": "",
        "retweeted_user_id": "",
        "quoted_user_id": "",
        "created_at": "2024-05-01T10:00:00.000Z",
        "text": "Read https://t.co/x #HongKong @reporter",
        "lang": "en",
        "source": "Twitter Web App",
        "entities.urls": json.dumps(
            [
                {
                    "start": 5,
                    "end": 17,
                    "url": "https://t.co/x",
                    "expanded_url": "https://n.example/a",
                }
            ]
        ),
        "entities.hashtags": json.dumps([{"start": 18, "end": 27, "tag": "HongKong"}]),
        "entities.mentions": json.dumps([{"start": 28, "end": 37, "username": "reporter"}]),
        "author.username": "first",
        "author.name": 'First, "the" one',
        "author.description": "<script>x</script>",
        "author.created_at": "2020-01-02T03:04:05.000Z",
        "author.public_metrics.followers_count": "120",
        "author.public_metrics.following_count": "80",
    },
    {
        "id": "101",
        "referenced_tweets.retweeted.id": "100",
        "author_id": "2",
        "retweeted_user_id": "1",
        "created_at": "2024-05-01T10:00:30.000Z",
        "text": "RT @first: Read https://t.co/x #HongKong @reporter",
        "entities.urls": "",  # empty: what the text holds
        "entities.hashtags": "not json",
        "entities.mentions": "[]",
        "author.username": "second",
    },
    {
        "id": "102",
        "referenced_tweets.replied_to.id": "100",
        "author_id": "3",
        "in_reply_to_user_id": "1",
        "created_at": "2024-05-01T10:05:00.000Z",
        "text": "@first no",
        "author.username": "third",
    },
]


def test_twarc_csv_is_recognised_and_read(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    pd.DataFrame(ROWS).to_csv(path, index=False)
    data = cibscan.read(str(path))
    posts = data.posts_df().set_index("post_id")
    assert posts.loc[["100", "101", "102"], "kind"].tolist() == ["post", "repost", "reply"]
    assert (posts.loc["101", "parent_post_id"], posts.loc["101", "parent_account_id"]) == (
        "100",
        "1",
    )
    assert posts.loc["102", "parent_account_id"] == "1"
    assert list(posts.loc["100", "urls"]) == ["https://n.example/a"]  # the expanded link
    assert list(posts.loc["100", "hashtags"]) == ["hongkong"]
    assert list(posts.loc["100", "mentions"]) == ["reporter"]
    assert list(posts.loc["101", "urls"]) == ["https://t.co/x"]  # from the text
    assert list(posts.loc["101", "hashtags"]) == ["hongkong"]  # not JSON: from the text
    assert list(posts.loc["101", "mentions"]) == []
    accounts = data.accounts_df().set_index("account_id")
    assert accounts.loc["1", "display_name"] == 'First, "the" one'
    assert accounts.loc["1", "followers"] == 120


def test_the_layout_is_named_by_its_columns() -> None:
    assert detect_format({c: "VARCHAR" for c in ROWS[0]}) == "twarc-csv"
    assert detect_format({"id": "VARCHAR", "author_id": "VARCHAR"}) == "generic"
