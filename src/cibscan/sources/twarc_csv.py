"""X API v2 tweets as twarc2's CSV writes them (``twarc2 csv``): one tweet a row, the
referenced tweets, the author and the entities flattened into dotted columns.

- ``referenced_tweets.retweeted.id`` / ``quoted.id`` / ``replied_to.id`` make a repost, a
  quote or a reply of that tweet, and ``retweeted_user_id`` / ``quoted_user_id`` /
  ``in_reply_to_user_id`` its parent account;
- ``entities.urls`` / ``entities.hashtags`` / ``entities.mentions`` are JSON lists of
  objects (``expanded_url``, ``tag``, ``username``); ``[]`` is none, and a cell that is
  empty or not JSON falls back to what the text holds;
- ``author.username``, ``author.name``, ``author.description``, ``author.created_at``,
  ``author.location`` and ``author.public_metrics.followers_count`` / ``following_count``
  are the profile, where the pull expanded the author.
"""

from __future__ import annotations

from ..engine import quote_ident
from ._canonical import ReaderPlan
from ._sql import (
    hashtags_from_text_sql,
    hashtags_sql,
    mentions_from_text_sql,
    mentions_sql,
    nonempty_sql,
    sql_str,
    urls_from_text_sql,
)

NAME = "twarc-csv"
SIGNATURE = frozenset({"id", "author_id", "created_at", "text", "referenced_tweets.retweeted.id"})


def matches(cols: dict[str, str]) -> bool:
    return SIGNATURE <= cols.keys()


def _json_list(expr: str, *fields: str, fallback: str) -> str:
    """The ``fields`` (the first present in each object) of a JSON list cell, none for
    ``[]``, or ``fallback`` where the cell is empty or not JSON."""
    raw = f"CAST({expr} AS VARCHAR)"
    picked = ", ".join(f"json_extract_string(o, {sql_str('$.' + f)})" for f in fields)
    values = f"list_transform(json_extract({raw}, '$[*]'), lambda o: coalesce({picked}))"
    return (
        f"CASE WHEN {expr} IS NULL OR trim({raw}) = '' THEN {fallback} "
        f"WHEN trim({raw}) = '[]' THEN CAST([] AS VARCHAR[]) "
        f"WHEN json_valid({raw}) AND starts_with(ltrim({raw}), '[') THEN "
        f"list_filter(CAST({values} AS VARCHAR[]), lambda v: v IS NOT NULL AND v <> '') "
        f"ELSE {fallback} END"
    )


def plan(cols: dict[str, str]) -> ReaderPlan:
    def c(name: str) -> str | None:
        return f"src.{quote_ident(name)}" if name in cols else None

    def ref(name: str) -> str:
        col = c(name)
        return nonempty_sql(col) if col else "NULL"

    text = "CAST(src.text AS VARCHAR)"
    retweeted, quoted = ref("referenced_tweets.retweeted.id"), ref("referenced_tweets.quoted.id")
    replied = ref("referenced_tweets.replied_to.id")
    kind = (
        f"CASE WHEN {retweeted} IS NOT NULL THEN 'repost' WHEN {quoted} IS NOT NULL THEN 'quote' "
        f"WHEN {replied} IS NOT NULL THEN 'reply' ELSE 'post' END"
    )
    users = [ref(n) for n in ("retweeted_user_id", "quoted_user_id", "in_reply_to_user_id")]

    def entities(name: str, *fields: str, fallback: str) -> str:
        col = c(name)
        return _json_list(col, *fields, fallback=fallback) if col else fallback

    posts = {
        "post_id": "CAST(src.id AS VARCHAR)",
        "account_id": "CAST(src.author_id AS VARCHAR)",
        "created_at": "src.created_at",
        "kind": kind,
        "text": text,
        "language": c("lang") or "NULL",
        "parent_post_id": f"coalesce({retweeted}, {quoted}, {replied})",
        "parent_account_id": f"CASE WHEN {retweeted} IS NOT NULL THEN {users[0]} "
        f"WHEN {quoted} IS NOT NULL THEN {users[1]} ELSE {users[2]} END",
        "urls": entities("entities.urls", "expanded_url", "url", fallback=urls_from_text_sql(text)),
        "hashtags": hashtags_sql(
            entities("entities.hashtags", "tag", fallback=hashtags_from_text_sql(text))
        ),
        "mentions": mentions_sql(
            entities("entities.mentions", "username", fallback=mentions_from_text_sql(text))
        ),
        "client": c("source") or "NULL",
    }
    accounts = {
        k: v
        for k, v in {
            "handle": c("author.username"),
            "display_name": c("author.name"),
            "bio": c("author.description"),
            "created_at": c("author.created_at"),
            "followers": c("author.public_metrics.followers_count"),
            "following": c("author.public_metrics.following_count"),
            "location": c("author.location"),
        }.items()
        if v is not None
    }
    fields = {
        "post_id": "id",
        "account_id": "author_id",
        "created_at": "created_at",
        "text": "text",
    }
    return ReaderPlan(posts=posts, accounts=accounts, fields=fields)
