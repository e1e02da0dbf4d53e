"""X (Twitter) API v1.1 tweets as JSON Lines: one tweet object a line, as twarc 1, the
Hydrator, tweepy's ``_json`` and the streaming API wrote them for a decade of research
collections.

- ``id_str`` (else ``id``), ``user.id_str`` (else ``user.id``) and ``created_at``
  (``Wed Oct 10 20:19:24 +0000 2018``, or ISO 8601) make the post; its text is
  ``extended_tweet.full_text`` (the streaming API's long tweets), else ``full_text``,
  else ``text``; ``lang`` its language and ``source`` its client, the link around the
  client's name taken off;
- ``retweeted_status`` makes a repost of that tweet (its author the parent account),
  ``quoted_status_id_str`` a quote and ``in_reply_to_status_id_str`` a reply (the parent
  account ``in_reply_to_user_id_str``); a retweet's type wins over the quote it may carry,
  as every other reader reads it;
- ``entities`` (``extended_tweet.entities`` for a long tweet): ``urls[].expanded_url``
  (else ``url``), ``hashtags[].text`` and ``user_mentions[].screen_name``; a tweet without
  ``entities`` has none;
- ``user``: ``screen_name`` (handle), ``name``, ``description``, ``created_at``,
  ``location``, ``followers_count`` and ``friends_count``, as of the author's latest
  tweet.

DuckDB reads the file (``plan``: only the fields above are parsed out of each tweet, 60
times the speed of Python's ``json`` on 200k generated tweets, RESULTS.md). A file it
cannot read that way (a line that is not JSON, a field of another type) is read again
in Python (``parse``), which names the line: a line that is not JSON, or a tweet
without its id, author or time, is a bad row that stops the read naming the file, line
and field, or is skipped and counted with ``on_bad_rows="skip"``. Both readings give the
same posts and accounts. Texts are data: nothing read here is ever run or rendered.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pandas as pd

from ..engine import quote_ident
from ..errors import InputError
from ._canonical import ReaderPlan
from ._json import NOT_JSON, BadRows, entity_values, first_value, lines, reading
from ._sql import client_name_sql, hashtags_sql, mentions_sql, nonempty_sql, sql_str

NAME = "x-api-v1"
_SUFFIXES = (".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz", ".ndjson.gz")
#: How API v1.1 writes a time.
V1_TIME = "%a %b %d %H:%M:%S %z %Y"
_TAG = re.compile(r"<[^>]*>")


_ENTITIES = (
    "STRUCT(urls STRUCT(expanded_url VARCHAR, url VARCHAR)[], hashtags STRUCT(text VARCHAR)[], "
    "user_mentions STRUCT(screen_name VARCHAR)[])"
)
_USER = (
    "STRUCT(id_str VARCHAR, id VARCHAR, screen_name VARCHAR, name VARCHAR, "
    "description VARCHAR, created_at VARCHAR, location VARCHAR, followers_count VARCHAR, "
    "friends_count VARCHAR)"
)
#: The fields read out of each tweet, and their types (DuckDB's ``read_json`` columns).
COLUMNS = {
    "id_str": "VARCHAR",
    "id": "VARCHAR",
    "created_at": "VARCHAR",
    "text": "VARCHAR",
    "full_text": "VARCHAR",
    "lang": "VARCHAR",
    "source": "VARCHAR",
    "user": _USER,
    "retweeted_status": f'STRUCT(id_str VARCHAR, id VARCHAR, "user" {_USER})',
    "quoted_status_id_str": "VARCHAR",
    "quoted_status_id": "VARCHAR",
    "quoted_status": f'STRUCT("user" {_USER})',
    "in_reply_to_status_id_str": "VARCHAR",
    "in_reply_to_status_id": "VARCHAR",
    "in_reply_to_user_id_str": "VARCHAR",
    "in_reply_to_user_id": "VARCHAR",
    "entities": _ENTITIES,
    "extended_tweet": f"STRUCT(full_text VARCHAR, entities {_ENTITIES})",
}


def plan() -> ReaderPlan:
    """The file read by DuckDB: the same posts and accounts as ``parse``."""
    columns = ", ".join(f"{sql_str(k)}: {sql_str(v)}" for k, v in COLUMNS.items())
    scan = (
        "read_json($path, format = 'newline_delimited', maximum_object_size = 67108864, "
        f"columns = {{{columns}}}) AS src"
    )
    user = f"src.{quote_ident('user')}"

    def ref(*paths: str) -> str:
        return f"coalesce({', '.join(nonempty_sql(p) for p in paths)})"

    def key(*paths: str) -> str:
        found = [f"nullif(trim({p}), '')" for p in paths]
        return f"coalesce({', '.join(found)})"

    retweeted = ref("src.retweeted_status.id_str", "src.retweeted_status.id")
    quoted = ref("src.quoted_status_id_str", "src.quoted_status_id")
    replied = ref("src.in_reply_to_status_id_str", "src.in_reply_to_status_id")

    def author(of: str) -> str:
        return ref(f"{of}.{quote_ident('user')}.id_str", f"{of}.{quote_ident('user')}.id")

    def entities(name: str, field: str, *fallback: str) -> str:
        items = f"coalesce(src.extended_tweet.entities.{name}, src.entities.{name}, [])"
        value = f"coalesce({', '.join(f'x.{f}' for f in (field, *fallback))})"
        return (
            f"list_filter(CAST(list_transform({items}, lambda x: {value}) AS VARCHAR[]), "
            "lambda v: v IS NOT NULL AND v <> '')"
        )

    posts = {
        "post_id": key("src.id_str", "src.id"),
        "account_id": key(f"{user}.id_str", f"{user}.id"),
        "created_at": "src.created_at",
        "kind": f"CASE WHEN {retweeted} IS NOT NULL THEN 'repost' "
        f"WHEN {quoted} IS NOT NULL THEN 'quote' "
        f"WHEN {replied} IS NOT NULL THEN 'reply' ELSE 'post' END",
        "text": "coalesce(src.extended_tweet.full_text, src.full_text, src.text)",
        "language": "src.lang",
        "parent_post_id": f"coalesce({retweeted}, {quoted}, {replied})",
        "parent_account_id": f"CASE WHEN {retweeted} IS NOT NULL "
        f"THEN {author('src.retweeted_status')} "
        f"WHEN {quoted} IS NOT NULL THEN {author('src.quoted_status')} "
        f"WHEN {replied} IS NOT NULL "
        f"THEN {ref('src.in_reply_to_user_id_str', 'src.in_reply_to_user_id')} END",
        "urls": entities("urls", "expanded_url", "url"),
        "hashtags": hashtags_sql(entities("hashtags", "text")),
        "mentions": mentions_sql(entities("user_mentions", "screen_name")),
        # the client's name without the link v1.1 wraps around it
        "client": client_name_sql("src.source"),
    }
    accounts = {
        "handle": f"{user}.screen_name",
        "display_name": f"{user}.name",
        "bio": f"{user}.description",
        "created_at": f"{user}.created_at",
        "location": f"{user}.location",
        "followers": f"{user}.followers_count",
        "following": f"{user}.friends_count",
    }
    fields = {
        "post_id": "id_str",
        "account_id": "user.id_str",
        "created_at": "created_at",
        "text": "text",
    }
    return ReaderPlan(posts=posts, accounts=accounts, fields=fields, from_sql=scan)


def _is_tweet(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("user"), dict)
        and ("id_str" in obj or "id" in obj)
        and "created_at" in obj
        and ("text" in obj or "full_text" in obj)
    )


def looks_like(path: str) -> bool:
    """True when the first non-empty line of a JSON Lines file is an API v1.1 tweet (a
    ``user`` object inline, where API v2 has ``author_id``)."""
    return _is_tweet(first_value(path, _SUFFIXES))


def client_name(source: Any) -> str | None:
    """The client's name out of v1.1's ``source`` (``<a href="...">Twitter for
    iPhone</a>``); None when there is none."""
    if source is None:
        return None
    name = _TAG.sub("", str(source)).strip()
    return name or None


def _utc(values: pd.Series) -> pd.Series:
    """Times written as API v1.1 writes them, or as ISO 8601, in UTC; NaT where neither
    reads."""
    text = values.astype("object").where(values.notna(), None)
    v1 = pd.to_datetime(text, format=V1_TIME, utc=True, errors="coerce")
    iso = pd.to_datetime(text.where(v1.isna(), None), format="ISO8601", utc=True, errors="coerce")
    return v1.fillna(iso)


def _id(obj: dict[str, Any], name: str) -> str | None:
    """``name_str``, else ``name``, as text; None when missing or empty."""
    for key in (f"{name}_str", name):
        value = obj.get(key)
        # NaN (Python's json reads it) is a missing id, as an empty one is
        if value not in (None, "") and value == value:
            return str(value)
    return None


#: The profile read from a tweet's ``user``.
USER_COLUMNS = (
    "account_id",
    "handle",
    "display_name",
    "bio",
    "created_at",
    "location",
    "followers",
    "following",
)


def _user(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "account_id": _id(user, "id"),
        "handle": user.get("screen_name"),
        "display_name": user.get("name"),
        "bio": user.get("description"),
        "created_at": user.get("created_at"),
        "location": user.get("location"),
        "followers": user.get("followers_count"),
        "following": user.get("friends_count"),
    }


def _entities(tweet: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    extended = tweet.get("extended_tweet")
    ent = extended.get("entities") if isinstance(extended, dict) else None
    if not isinstance(ent, dict):
        ent = tweet.get("entities")
    if not isinstance(ent, dict):
        return [], [], []

    # hashtags and handles lower-cased without their sign, as ``plan`` reads them
    return (
        entity_values(ent, "urls", "expanded_url", "url"),
        [v.lstrip("#").lower() for v in entity_values(ent, "hashtags", "text")],
        [v.lstrip("@").lower() for v in entity_values(ent, "user_mentions", "screen_name")],
    )


def _text(tweet: dict[str, Any]) -> Any:
    extended = tweet.get("extended_tweet")
    if isinstance(extended, dict) and extended.get("full_text") is not None:
        return extended["full_text"]
    return tweet["full_text"] if tweet.get("full_text") is not None else tweet.get("text")


def parse(
    path: str, max_text_chars: int, on_bad_rows: str = "error"
) -> tuple[pd.DataFrame, pd.DataFrame, Counter[str], int]:
    """(posts, accounts, skipped rows by reason, lines read) of one file."""
    posts: list[dict[str, Any]] = []
    bad = BadRows(path, on_bad_rows)
    read = 0
    with reading(path):
        for number, obj in lines(path):
            read += 1
            if obj is NOT_JSON or not isinstance(obj, dict):
                bad("not a JSON object", number)
                continue
            row = _post(obj, max_text_chars)
            if isinstance(row, tuple):
                bad(row[0], number, row[1])
                continue
            row["_line"] = number
            posts.append(row)
    if not posts:
        raise InputError(path, "no tweets in this X API v1.1 file")
    frame = pd.DataFrame(posts)
    times = _utc(frame["created_at"])
    for number in frame.loc[times.isna().to_numpy(), "_line"]:
        bad("created_at is not a time as API v1.1 or ISO 8601 writes it", int(number), "created_at")
    frame = frame.assign(created_at=times.dt.tz_localize(None))[times.notna().to_numpy()]
    # each author's profile as of its latest tweet (of tweets at one time, the last read)
    latest = frame.sort_values(["created_at", "_line"]).drop_duplicates("account_id", keep="last")
    accounts = pd.DataFrame(list(latest["_profile"]), columns=list(USER_COLUMNS))
    # a profile's unreadable creation time is missing, never a reason to drop the posts
    accounts["created_at"] = _utc(accounts["created_at"]).dt.tz_localize(None)
    for col in ("followers", "following"):
        accounts[col] = pd.to_numeric(accounts[col], errors="coerce").astype("Int64")
    frame = frame.drop(columns=["_line", "_profile"]).reset_index(drop=True)
    return frame, accounts, bad.skipped, read


def _post(tweet: dict[str, Any], max_text_chars: int) -> dict[str, Any] | tuple[str, str | None]:
    """One canonical post, or (why the tweet is a bad row, the field)."""
    post_id = _id(tweet, "id")
    if post_id is None:
        return "a tweet without id", "id"
    user = tweet.get("user")
    author = _id(user, "id") if isinstance(user, dict) else None
    if author is None:
        return "a tweet without user.id", "user.id"
    if tweet.get("created_at") in (None, ""):
        return "a tweet without created_at", "created_at"
    text = _text(tweet)
    if text is not None and len(str(text)) > max_text_chars:
        return f"text longer than {max_text_chars} characters", "text"
    assert isinstance(user, dict)
    kind, parent, parent_account = "post", None, None
    retweeted = tweet.get("retweeted_status")
    quoted = tweet.get("quoted_status")
    if isinstance(retweeted, dict) and _id(retweeted, "id"):
        kind, parent = "repost", _id(retweeted, "id")
        parent_account = _referenced(retweeted)
    elif _id(tweet, "quoted_status_id"):
        kind, parent = "quote", _id(tweet, "quoted_status_id")
        parent_account = _referenced(quoted) if isinstance(quoted, dict) else None
    elif _id(tweet, "in_reply_to_status_id"):
        kind, parent = "reply", _id(tweet, "in_reply_to_status_id")
        parent_account = _id(tweet, "in_reply_to_user_id")
    urls, hashtags, mentions = _entities(tweet)
    return {
        "post_id": post_id,
        "account_id": author,
        "created_at": str(tweet["created_at"]),
        "kind": kind,
        "text": None if text is None else str(text),
        "language": tweet.get("lang"),
        "parent_post_id": parent,
        "parent_account_id": parent_account,
        "urls": urls,
        "hashtags": hashtags,
        "mentions": mentions,
        "client": client_name(tweet.get("source")),
        "_profile": _user(user),
    }


def _referenced(tweet: dict[str, Any]) -> str | None:
    """The author of a retweeted or quoted tweet."""
    user = tweet.get("user")
    return _id(user, "id") if isinstance(user, dict) else None
