from __future__ import annotations

import pandas as pd
import pytest

import cibscan
from cibscan.errors import InputError


def _posts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["1", "2", "3"],
            "user": ["a", "b", "a"],
            "ts": ["2021-01-01T10:00:00+08:00", "1609466400", "1609466400123"],
            "text": ["hello #One @Bob http://x.com/a?utm_source=t", "hi", "RT @a: hello"],
            "kind": ["tweet", "reply", "retweet"],
            "parent": ["", "1", "1"],
        }
    )


def test_aliases_and_mapping_give_canonical_columns(tmp_csv) -> None:
    data = cibscan.read(
        tmp_csv(_posts()), mapping="account_id=user,created_at=ts,parent_post_id=parent"
    )
    posts = data.posts_df().set_index("post_id")
    assert list(data.posts.columns) == list(cibscan.schema.POST_COLUMNS)
    assert posts.loc["1", "account_id"] == "a"
    assert posts.loc["2", "kind"] == "reply" and posts.loc["3", "kind"] == "repost"
    assert posts.loc["2", "parent_post_id"] == "1"
    assert pd.isna(posts.loc["1", "parent_post_id"])  # empty cell is no parent


def test_times_are_utc_from_offsets_and_epochs(tmp_csv) -> None:
    data = cibscan.read(tmp_csv(_posts()), mapping="account_id=user,created_at=ts")
    t = data.posts_df().set_index("post_id")["created_at"]
    assert t["1"] == pd.Timestamp("2021-01-01 02:00:00")  # +08:00 converted to UTC
    assert t["2"] == pd.Timestamp("2021-01-01 02:00:00")  # unix seconds
    assert t["3"] == pd.Timestamp("2021-01-01 02:00:00.123")  # unix milliseconds


def test_entities_are_taken_from_text_when_no_column(tmp_csv) -> None:
    data = cibscan.read(tmp_csv(_posts()), mapping="account_id=user,created_at=ts")
    row = data.posts_df().set_index("post_id").loc["1"]
    assert list(row["hashtags"]) == ["one"]
    assert list(row["mentions"]) == ["bob"]
    assert list(row["urls"]) == ["http://x.com/a?utm_source=t"]


def test_list_like_cells_are_parsed(tmp_csv) -> None:
    frame = pd.DataFrame(
        {
            "post_id": ["1", "2"],
            "account_id": ["a", "b"],
            "created_at": ["2021-01-01", "2021-01-02"],
            "hashtags": ["['HK', '#Freedom']", "[]"],
            "urls": ["[https://a.com/x, https://b.com]", ""],
        }
    )
    posts = cibscan.read(tmp_csv(frame)).posts_df().set_index("post_id")
    assert list(posts.loc["1", "hashtags"]) == ["hk", "freedom"]
    assert list(posts.loc["1", "urls"]) == ["https://a.com/x", "https://b.com"]
    assert list(posts.loc["2", "hashtags"]) == [] and list(posts.loc["2", "urls"]) == []


def test_unknown_map_field_is_refused(tmp_csv) -> None:
    with pytest.raises(InputError, match="unknown field"):
        cibscan.read(tmp_csv(_posts()), mapping="acount_id=user")


def test_parquet_and_jsonl_read_the_same(tmp_path) -> None:
    frame = pd.DataFrame(
        {
            "post_id": ["1", "2"],
            "account_id": ["a", "b"],
            "created_at": pd.to_datetime(["2021-01-01 10:00", "2021-01-01 11:00"]),
            "text": ["x", "y"],
        }
    )
    frame.to_parquet(tmp_path / "p.parquet")
    frame.assign(created_at=frame["created_at"].astype(str)).to_json(
        tmp_path / "p.jsonl", orient="records", lines=True
    )
    a = cibscan.read(str(tmp_path / "p.parquet")).posts_df()
    b = cibscan.read(str(tmp_path / "p.jsonl")).posts_df()
    assert a[["post_id", "account_id", "created_at"]].equals(
        b[["post_id", "account_id", "created_at"]]
    )


def test_single_value_list_cells_are_one_element_lists(tmp_csv) -> None:
    frame = pd.DataFrame(
        {
            "post_id": ["1", "2"],
            "account_id": ["a", "b"],
            "created_at": ["2021-01-01"] * 2,
            "urls": ["7", ""],
            "hashtags": ["x", "[]"],
        }
    )
    posts = cibscan.read(tmp_csv(frame)).posts_df().set_index("post_id")
    assert list(posts.loc["1", "urls"]) == ["7"] and list(posts.loc["1", "hashtags"]) == ["x"]
    assert list(posts.loc["2", "urls"]) == [] and list(posts.loc["2", "hashtags"]) == []


def test_texts_written_as_retweets_are_reposts_where_nothing_else_says(tmp_csv) -> None:
    """ids, times and texts only: ``RT @name: ...`` is a repost, and two retweets of one
    post share a parent (a hash of the text)."""
    frame = pd.DataFrame(
        {
            "post_id": ["1", "2", "3", "4"],
            "account_id": ["a", "b", "c", "d"],
            "created_at": ["2021-01-01T10:00:00Z"] * 4,
            "text": ["RT @x: the post", "RT @x: the post", "the post", "RT @y: another"],
        }
    )
    posts = cibscan.read(tmp_csv(frame)).posts_df().set_index("post_id")
    assert posts["kind"].tolist() == ["repost", "repost", "post", "repost"]
    parents = posts["parent_post_id"]
    assert parents["1"] == parents["2"] and parents["1"] != parents["4"]
    assert pd.isna(parents["3"])
    # a kind column still says what each post is
    kinds = cibscan.read(tmp_csv(frame.assign(kind="post"))).posts_df()
    assert (kinds["kind"] == "post").all()


def test_a_repeated_post_id_keeps_the_same_row_whatever_the_order(tmp_csv) -> None:
    """Rows of one post id at one time by one author with one text, differing only in
    their parent: the post kept is the same whichever comes first in the file (it
    changed from run to run on CooRTweet's Russian file, and the p-values with it)."""
    rows = pd.DataFrame(
        {
            "post_id": ["7", "7", "8"],
            "account_id": ["a", "a", "b"],
            "created_at": ["2021-01-01T10:00:00Z"] * 3,
            "parent_post_id": ["p2", "p1", "p1"],
        }
    )
    kept = []
    for frame in (rows, rows.iloc[[1, 0, 2]]):
        data = cibscan.read(tmp_csv(frame.reset_index(drop=True)))
        posts = data.posts_df().set_index("post_id")
        kept.append(posts.loc["7", "parent_post_id"])
        assert (
            data.report.skipped["repeated post id with other author, time or text (earliest kept)"]
            == 1
        )
    assert kept == ["p1", "p1"]
