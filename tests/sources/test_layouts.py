"""The named layouts: Twitter IO archive, IRA-538 and CooRTweet."""

from __future__ import annotations

import pandas as pd

import cibscan
from cibscan.sources import detect_format

from ..conftest import shared_file


def test_twitter_io_archive(tmp_csv) -> None:
    frame = pd.DataFrame(
        {
            "tweetid": ["10", "11", "12"],
            "userid": ["u1", "u2", "u3"],
            "user_screen_name": ["one", "two", "three"],
            "user_display_name": ["One", "Two", "Three"],
            "follower_count": ["5", "7", "9"],
            "account_creation_date": ["2019-08-01", "2019-08-01", "2019-08-02"],
            "tweet_text": ["hi #HK", "RT @one: hi #HK", "@one no"],
            "tweet_time": ["2019-08-10 10:00", "2019-08-10 10:01", "2019-08-10 10:02"],
            "is_retweet": ["False", "True", "False"],
            "retweet_tweetid": ["", "10", ""],
            "retweet_userid": ["", "u1", ""],
            "in_reply_to_tweetid": ["", "", "10"],
            "in_reply_to_userid": ["", "", "u1"],
            "hashtags": ["['HK']", "['HK']", "[]"],
            "urls": ["[]", "[]", "[]"],
            "user_mentions": ["[]", "['u1']", "['u1']"],
        }
    )
    data = cibscan.read(tmp_csv(frame))
    posts = data.posts_df().set_index("post_id")
    assert posts["kind"].to_dict() == {"10": "post", "11": "repost", "12": "reply"}
    assert (
        posts.loc["11", "parent_post_id"] == "10" and posts.loc["11", "parent_account_id"] == "u1"
    )
    assert posts.loc["12", "parent_account_id"] == "u1"
    accounts = data.accounts_df().set_index("account_id")
    assert accounts.loc["u2", "handle"] == "two" and accounts.loc["u2", "followers"] == 7


def test_ira538_layout_derives_reposts_from_text(tmp_path) -> None:
    frame = pd.DataFrame(
        {
            "author_id": ["a", "b", "c"],
            "content": ["Vote now! #MAGA https://t.co/x", "Vote now! #MAGA https://t.co/x", "mine"],
            "publish_date": pd.to_datetime(
                ["2016-10-01 10:00", "2016-10-01 10:00", "2016-10-01 11:00"]
            ),
            "post_type": ["R", "R", None],
            "language": ["English"] * 3,
            "followers": [1, 2, 3],
            "following": [4, 5, 6],
        }
    )
    path = tmp_path / "ira.parquet"
    frame.to_parquet(path)
    assert detect_format({c: "VARCHAR" for c in frame.columns}) == "ira-538"
    posts = cibscan.read(str(path)).posts_df().set_index("account_id")
    assert posts.loc["a", "kind"] == "repost" and posts.loc["c", "kind"] == "post"
    assert posts.loc["a", "parent_post_id"] == posts.loc["b", "parent_post_id"]
    assert list(posts.loc["a", "hashtags"]) == ["maga"]


def test_coortweet_layout(tmp_csv) -> None:
    frame = pd.DataFrame(
        {
            "object_id": ["o1", "o1", "p3"],
            "account_id": ["a", "b", "c"],
            "content_id": ["p1", "p2", "p3"],
            "timestamp_share": [1623881091, 1623881095, 1623881099],
        }
    )
    posts = cibscan.read(tmp_csv(frame)).posts_df().set_index("post_id")
    assert posts["kind"].to_dict() == {"p1": "repost", "p2": "repost", "p3": "post"}
    assert posts.loc["p1", "parent_post_id"] == "o1"


def test_real_coortweet_file_counts_every_row() -> None:
    data = cibscan.read(str(shared_file("coortweet_russian_coord_tweets.csv.gz")))
    assert data.report.rows_read == 35_125
    assert data.n_posts + sum(data.report.skipped.values()) == 35_125
