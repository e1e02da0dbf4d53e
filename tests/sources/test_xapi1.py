"""X API v1.1 tweets, as JSON Lines and flattened into tables, on fixtures written from
the API's documented tweet object and from the cresci collections' ``tweets.csv`` layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cibscan
from cibscan.errors import InputError
from cibscan.sources import detect_format, json_layout

USER = {
    "id": 1,
    "id_str": "1",
    "screen_name": "first",
    "name": 'First, "the" one',
    "description": "<script>x</script>",
    "created_at": "Thu Jan 02 03:04:05 +0000 2020",
    "location": "Hong Kong",
    "followers_count": 120,
    "friends_count": 80,
}
ORIGINAL = {
    "created_at": "Wed May 01 10:00:00 +0000 2024",
    "id": 100,
    "id_str": "100",
    "text": "Read https://t.co/x #HongKong @reporter",
    "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
    "lang": "en",
    "user": USER,
    "entities": {
        "urls": [{"url": "https://t.co/x", "expanded_url": "https://n.example/a"}],
        "hashtags": [{"text": "HongKong"}],
        "user_mentions": [{"screen_name": "reporter", "id_str": "9"}],
    },
}
TWEETS = [
    ORIGINAL,
    {  # a retweet: the retweeted tweet inline, its author the parent account
        "created_at": "Wed May 01 10:00:30 +0000 2024",
        "id_str": "101",
        "text": "RT @first: Read https://t.co/x #HongKong @reporter",
        "user": {"id_str": "2", "screen_name": "second"},
        "retweeted_status": ORIGINAL,
        "entities": {"urls": [], "hashtags": [], "user_mentions": []},
    },
    {  # a reply, with ids as numbers only
        "created_at": "Wed May 01 10:05:00 +0000 2024",
        "id": 102,
        "text": "@first no",
        "in_reply_to_status_id": 100,
        "in_reply_to_user_id": 1,
        "user": {"id": 3, "screen_name": "third"},
    },
    {  # a long tweet from the streaming API, quoting the first
        "created_at": "2024-05-01T10:06:00Z",
        "id_str": "103",
        "text": "Look at this…",
        "truncated": True,
        "extended_tweet": {
            "full_text": "Look at this, all of it #Long",
            "entities": {"hashtags": [{"text": "Long"}], "urls": [], "user_mentions": []},
        },
        "quoted_status_id_str": "100",
        "quoted_status": ORIGINAL,
        "user": {"id_str": "4", "screen_name": "fourth"},
    },
]


def _write(path: Path, rows: list[object]) -> str:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return str(path)


def test_v1_json_lines_are_recognised_and_read(tmp_path: Path) -> None:
    path = _write(tmp_path / "tweets.jsonl", TWEETS)
    assert json_layout(path) == "x-api-v1"
    data = cibscan.read(path)
    posts = data.posts_df().set_index("post_id")
    assert posts.loc[["100", "101", "102", "103"], "kind"].tolist() == [
        "post",
        "repost",
        "reply",
        "quote",
    ]
    assert posts.loc["101", ["parent_post_id", "parent_account_id"]].tolist() == ["100", "1"]
    assert posts.loc["102", ["parent_post_id", "parent_account_id"]].tolist() == ["100", "1"]
    assert posts.loc["103", ["parent_post_id", "parent_account_id"]].tolist() == ["100", "1"]
    assert str(posts.loc["100", "created_at"]) == "2024-05-01 10:00:00"
    assert str(posts.loc["103", "created_at"]) == "2024-05-01 10:06:00"  # ISO 8601 too
    assert posts.loc["100", "client"] == "Twitter Web App"
    assert list(posts.loc["100", "urls"]) == ["https://n.example/a"]
    assert [h.lower() for h in posts.loc["100", "hashtags"]] == ["hongkong"]
    assert list(posts.loc["100", "mentions"]) == ["reporter"]
    assert posts.loc["103", "text"] == "Look at this, all of it #Long"
    assert [h.lower() for h in posts.loc["103", "hashtags"]] == ["long"]
    accounts = data.accounts_df().set_index("account_id")
    assert accounts.loc["1", "display_name"] == 'First, "the" one'
    assert accounts.loc["1", "bio"] == "<script>x</script>"  # data, kept as written
    assert accounts.loc["1", "followers"] == 120
    assert str(accounts.loc["1", "created_at"]) == "2020-01-02 03:04:05"
    assert accounts.loc["3", "handle"] == "third"


def test_a_bad_v1_tweet_names_its_line_or_is_counted(tmp_path: Path) -> None:
    rows: list[object] = [ORIGINAL, {"id_str": "5", "created_at": "x", "text": "t", "user": {}}]
    path = _write(tmp_path / "tweets.jsonl", rows)
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert "row 2" in str(err.value) and "user.id" in str(err.value)
    rows[1] = {**ORIGINAL, "id_str": "5", "created_at": "yesterday"}
    path = _write(tmp_path / "tweets.jsonl", rows)
    with pytest.raises(InputError) as err:
        cibscan.read(path)
    assert "row 2" in str(err.value) and "created_at" in str(err.value)
    data = cibscan.read(path, on_bad_rows="skip")
    assert data.posts_df()["post_id"].tolist() == ["100"]
    assert sum(data.report.skipped.values()) == 1


#: The cresci collections' ``tweets.csv``: ids of 0 for none, the client as a link.
CRESCI = [
    {
        "id": "590000000000000001",
        "text": "my own words #tag http://t.co/x",
        "source": '<a href="http://twitter.com/download/iphone">Twitter for iPhone</a>',
        "user_id": "11",
        "in_reply_to_status_id": "0",
        "in_reply_to_user_id": "0",
        "retweeted_status_id": "0",
        "created_at": "Fri May 01 00:18:11 +0000 2015",
        "timestamp": "2015-05-01 02:18:11",
    },
    {
        "id": "590000000000000002",
        "text": "RT @someone: words that went round",
        "source": "web",
        "user_id": "12",
        "in_reply_to_status_id": "0",
        "in_reply_to_user_id": "0",
        "retweeted_status_id": "580000000000000009",
        "created_at": "Fri May 01 00:19:11 +0000 2015",
        "timestamp": "2015-05-01 02:19:11",
    },
    {
        "id": "590000000000000003",
        "text": "@first indeed",
        "source": "",
        "user_id": "13",
        "in_reply_to_status_id": "590000000000000001",
        "in_reply_to_user_id": "11",
        "retweeted_status_id": "0",
        "created_at": "Fri May 01 00:20:11 +0000 2015",
        "timestamp": "2015-05-01 02:20:11",
    },
    {  # a retweet the file gives no id for: its text says what it is
        "id": "590000000000000004",
        "text": "RT @someone: words that went round",
        "source": "web",
        "user_id": "14",
        "in_reply_to_status_id": "0",
        "in_reply_to_user_id": "0",
        "retweeted_status_id": "",
        "created_at": "Fri May 01 00:21:11 +0000 2015",
        "timestamp": "2015-05-01 02:21:11",
    },
]


def test_a_flat_v1_table_is_recognised_and_read(tmp_path: Path) -> None:
    path = tmp_path / "tweets.csv"
    pd.DataFrame(CRESCI).to_csv(path, index=False)
    assert detect_format({c: "VARCHAR" for c in CRESCI[0]}) == "x-api-v1-csv"
    posts = cibscan.read(str(path)).posts_df().set_index("post_id")
    ids = [r["id"] for r in CRESCI]
    assert posts.loc[ids, "kind"].tolist() == ["post", "repost", "reply", "repost"]
    assert pd.isna(posts.loc[ids[0], "parent_post_id"])  # 0 is none
    assert posts.loc[ids[1], "parent_post_id"] == "580000000000000009"
    assert posts.loc[ids[2], ["parent_post_id", "parent_account_id"]].tolist() == [ids[0], "11"]
    assert posts.loc[ids[3], "parent_post_id"].startswith("rt:")  # keyed by its text
    assert posts.loc[ids[0], "client"] == "Twitter for iPhone"
    assert pd.isna(posts.loc[ids[2], "client"])
    assert str(posts.loc[ids[0], "created_at"]) == "2015-05-01 00:18:11"  # not the local stamp
    assert list(posts.loc[ids[0], "hashtags"]) == ["tag"]


def test_json_normalize_columns_carry_the_profile(tmp_path: Path) -> None:
    frame = pd.json_normalize(TWEETS[:3])
    path = tmp_path / "tweets.parquet"
    frame.astype({c: "string" for c in frame.columns}).to_parquet(path)
    assert detect_format({c: "VARCHAR" for c in frame.columns}) == "x-api-v1-csv"
    data = cibscan.read(str(path))
    posts = data.posts_df().set_index("post_id")
    assert posts.loc[["100", "101", "102"], "kind"].tolist() == ["post", "repost", "reply"]
    assert posts.loc["101", "parent_account_id"] == "1"
    accounts = data.accounts_df().set_index("account_id")
    assert accounts.loc["1", "handle"] == "first"
    assert accounts.loc["1", "followers"] == 120


def test_a_file_given_as_the_flat_layout_names_what_it_lacks(tmp_path: Path) -> None:
    path = tmp_path / "posts.csv"
    pd.DataFrame({"id": ["1"], "user_id": ["2"], "created_at": ["2024-05-01"]}).to_csv(
        path, index=False
    )
    with pytest.raises(InputError, match="not in the x-api-v1-csv layout"):
        cibscan.read(str(path), format="x-api-v1-csv")
    assert detect_format({"id": "VARCHAR", "user_id": "VARCHAR", "created_at": "VARCHAR"}) == (
        "generic"
    )


def test_a_retweet_ring_is_found_by_the_ids_of_a_flat_v1_table(tmp_path: Path) -> None:
    """The ring's retweets are worded differently (no copy-paste): only the retweeted
    ids, read from v1.1's columns, tie them together."""
    rng = np.random.default_rng(7)
    start = pd.Timestamp("2015-05-01", tz="UTC")
    rows = []
    tweet_id = 10**17

    def row(account: str, seconds: int, text: str, retweeted: str) -> dict[str, str]:
        nonlocal tweet_id
        tweet_id += 1
        when = start + pd.Timedelta(seconds=seconds)
        return {
            "id": str(tweet_id),
            "user_id": account,
            "text": text,
            "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"),
            "in_reply_to_status_id": "0",
            "retweeted_status_id": retweeted,
        }

    for day in range(10):
        # 300 people retweeting 40 popular posts at their own times
        for person in range(300):
            for _ in range(2):
                seconds = day * 86400 + int(rng.integers(0, 86400))
                source = str(5 * 10**16 + int(rng.integers(0, 40)))
                rows.append(row(f"{person + 1}", seconds, f"RT @s: post {source}", source))
        # a ring of 8 retweeting the same 3 posts a day within seconds, each in its words
        for k in range(3):
            t0 = day * 86400 + int(rng.integers(0, 80000))
            pushed = str(6 * 10**16 + day * 10 + k)
            for member in range(8):
                seconds = t0 + int(rng.integers(0, 20))
                rows.append(row(f"9{member}", seconds, f"RT @m{member}: {rng.random()}", pushed))
    path = tmp_path / "tweets.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    findings = cibscan.detect(cibscan.read(str(path)), flag="coordinated")
    camp = findings.accounts.set_index("account_id")["campaign"]
    ring = camp[[f"9{m}" for m in range(8)]]
    assert ring.notna().all() and ring.nunique() == 1
    assert (camp.drop(ring.index).dropna() != ring.iloc[0]).all()  # nobody else in it


#: The cresci collections' ``users.csv``: one row per account, beside ``tweets.csv``,
#: with API v1.1's ``following`` flag and the crawl's own times.
USERS = [
    {
        "id": "11",
        "name": "Eleven",
        "screen_name": "eleven",
        "followers_count": "5",
        "friends_count": "2000",
        "following": "",
        "created_at": "Tue Apr 14 08:00:00 +0000 2015",
        "description": "",
        "lang": "it",
        "timestamp": "2015-04-14 10:00:00",
        "crawled_at": "2015-05-01 10:00:00",
    },
    {"id": "12", "name": "Twelve", "screen_name": "twelve", "followers_count": "300"},
    # bought and never posted: its profile is not one of the population's
    {"id": "99", "name": "Silent", "screen_name": "silent", "followers_count": "0"},
]


def test_a_table_of_profiles_beside_the_posts_fills_their_accounts(tmp_path: Path) -> None:
    tweets, users = tmp_path / "tweets.csv", tmp_path / "users.csv"
    pd.DataFrame(CRESCI).to_csv(tweets, index=False)
    pd.DataFrame(USERS).to_csv(users, index=False)
    for order in ([users, tweets], [tweets, users]):
        data = cibscan.read([str(p) for p in order])
        accounts = data.accounts_df().set_index("account_id")
        assert sorted(accounts.index) == ["11", "12", "13", "14"]
        assert accounts.loc["11", "handle"] == "eleven"
        assert (accounts.loc["11", "followers"], accounts.loc["11", "following"]) == (5, 2000)
        assert str(accounts.loc["11", "created_at"]) == "2015-04-14 08:00:00"
        assert accounts.loc["11", "language"] == "it"
        assert pd.isna(accounts.loc["13", "followers"])
        assert data.n_posts == len(CRESCI)
        assert data.report.profiles_unused == 1


def test_a_profile_without_an_account_id_is_a_bad_row(tmp_path: Path) -> None:
    tweets, users = tmp_path / "tweets.csv", tmp_path / "users.csv"
    pd.DataFrame(CRESCI).to_csv(tweets, index=False)
    pd.DataFrame([*USERS, {"id": "", "screen_name": "nobody"}]).to_csv(users, index=False)
    with pytest.raises(InputError, match=r"row 4.*missing account id"):
        cibscan.read([str(tweets), str(users)])
    data = cibscan.read([str(tweets), str(users)], on_bad_rows="skip")
    assert data.report.skipped["missing account id"] == 1


def test_posts_are_not_taken_for_profiles() -> None:
    from cibscan.sources import profiles

    assert profiles.matches({"id": "VARCHAR", "screen_name": "VARCHAR", "followers": "BIGINT"})
    posts = {"id": "VARCHAR", "user_id": "VARCHAR", "created_at": "VARCHAR", "screen_name": "V"}
    assert not profiles.matches(posts)
    assert not profiles.matches({**USERS[0], "text": "x"})


def test_duckdb_and_python_read_v1_json_the_same(tmp_path: Path, monkeypatch) -> None:
    """DuckDB reads a well-formed file; Python reads one DuckDB cannot, naming its lines:
    both give the same posts and accounts."""
    from cibscan.sources import xapi1

    later = {**ORIGINAL, "id_str": "104", "created_at": "Wed May 01 11:00:00 +0000 2024"}
    later["user"] = {**USER, "followers_count": 150}  # the author's latest profile counts
    path = _write(tmp_path / "tweets.jsonl", [*TWEETS, later])
    with monkeypatch.context() as m:

        def refused(*args: object, **kwargs: object) -> object:
            raise AssertionError("read in Python")

        m.setattr(xapi1, "parse", refused)
        duck = cibscan.read(path)
    with monkeypatch.context() as m:
        m.setattr("cibscan.sources._read_by_duckdb", lambda *a, **k: False)
        python = cibscan.read(path)

    def frames(data: cibscan.Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
        posts = data.posts_df().sort_values("post_id").reset_index(drop=True)
        lists = ("urls", "hashtags", "mentions", "objects")
        posts = posts.assign(**{c: posts[c].map(tuple) for c in lists})
        return posts, data.accounts_df().sort_values("account_id").reset_index(drop=True)

    for got, want in zip(frames(duck), frames(python), strict=True):
        pd.testing.assert_frame_equal(got, want)
    assert duck.accounts_df().set_index("account_id").loc["1", "followers"] == 150
    # a line DuckDB cannot read goes to Python, which names it
    broken = _write(tmp_path / "broken.jsonl", [*TWEETS, {**ORIGINAL, "id_str": "9", "user": "x"}])
    with pytest.raises(InputError, match="row 5"):
        cibscan.read(broken)
    assert cibscan.read(broken, on_bad_rows="skip").n_posts == len(TWEETS)
