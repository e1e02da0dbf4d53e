"""X (Twitter) API v2 pulls as twarc2 writes them: JSON Lines of response pages or of
flattened tweets.

A *response page* (``twarc2 search``, ``timeline``...) is one object per line with the
tweets in ``data[]`` and their authors and referenced tweets in ``includes.users[]`` and
``includes.tweets[]``. A *flattened* line (``twarc2 flatten``) is one tweet with its
``author`` object inline. Both are read the same way:

- ``id``, ``author_id``, ``created_at`` (ISO 8601) and ``text`` make the post; ``lang`` its
  language and ``source`` its client where the pull asked for them;
- ``referenced_tweets[]`` typed ``retweeted`` makes a repost, ``quoted`` a quote,
  ``replied_to`` a reply, with that tweet as the parent; the parent's author is
  ``in_reply_to_user_id`` for a reply, else the referenced tweet's ``author_id`` from
  ``includes.tweets`` (or the flattened tweet's own ``referenced_tweets[].author_id``);
- ``entities.urls[].expanded_url`` (else ``url``), ``entities.hashtags[].tag`` and
  ``entities.mentions[].username`` make its links, hashtags and mentions; a tweet without
  ``entities``, or with empty lists, has none;
- users (``includes.users[]`` or ``author``): ``username`` (handle), ``name``,
  ``description``, ``created_at``, ``location`` and ``public_metrics.followers_count`` /
  ``following_count``; a user seen on many pages is read once, the last profile kept.

A line that is not JSON, or a tweet without its id, author or time, is a bad row: it
stops the read naming the file, line and field, or is skipped and counted with
``on_bad_rows="skip"``. Texts are data: nothing read here is ever run or rendered.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from ..errors import InputError
from ._json import (
    NOT_JSON,
    BadRows,
    entity_values,
    first_value,
    iso_times,
    lines,
    profiles,
    reading,
)

NAME = "x-api-v2"
_KINDS = {"retweeted": "repost", "quoted": "quote", "replied_to": "reply"}
_SUFFIXES = (".jsonl", ".json", ".ndjson", ".jsonl.gz", ".json.gz", ".ndjson.gz")


def _is_tweet(obj: Any) -> bool:
    return isinstance(obj, dict) and {"id", "author_id", "text"} <= obj.keys()


def looks_like(path: str) -> bool:
    """True when the first non-empty line of a JSON Lines file is an API v2 response page
    (``data`` holding tweets) or a flattened tweet."""
    obj = first_value(path, _SUFFIXES)
    if not isinstance(obj, dict):
        return False
    data = obj.get("data")
    if isinstance(data, list):
        return bool(data) and _is_tweet(data[0])
    return _is_tweet(obj) or _is_tweet(data)


def _entities(tweet: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    ent = tweet.get("entities")
    if not isinstance(ent, dict):
        return [], [], []

    return (
        entity_values(ent, "urls", "expanded_url", "url"),
        entity_values(ent, "hashtags", "tag"),
        entity_values(ent, "mentions", "username"),
    )


def _user(user: dict[str, Any]) -> dict[str, Any]:
    found = user.get("public_metrics")
    metrics: dict[str, Any] = found if isinstance(found, dict) else {}
    return {
        "account_id": str(user["id"]),
        "handle": user.get("username"),
        "display_name": user.get("name"),
        "bio": user.get("description"),
        "created_at": user.get("created_at"),
        "location": user.get("location"),
        "followers": metrics.get("followers_count"),
        "following": metrics.get("following_count"),
    }


def parse(
    path: str, max_text_chars: int, on_bad_rows: str = "error"
) -> tuple[pd.DataFrame, pd.DataFrame, Counter[str], int]:
    """(posts, accounts, skipped rows by reason, lines read) of one file."""
    posts: list[dict[str, Any]] = []
    users: dict[str, dict[str, Any]] = {}
    bad = BadRows(path, on_bad_rows)
    read = 0
    with reading(path):
        for number, obj in lines(path):
            read += 1
            if obj is NOT_JSON or not isinstance(obj, dict):
                bad("not a JSON object", number)
                continue
            found = obj.get("includes")
            includes: dict[str, Any] = found if isinstance(found, dict) else {}
            for user in includes.get("users") or []:
                if isinstance(user, dict) and user.get("id") is not None:
                    users[str(user["id"])] = _user(user)
            authors = {
                str(t["id"]): str(t["author_id"])
                for t in includes.get("tweets") or []
                if isinstance(t, dict) and t.get("id") and t.get("author_id")
            }
            data = obj.get("data", obj)
            for tweet in data if isinstance(data, list) else [data]:
                row = _post(tweet, authors, users, max_text_chars)
                if isinstance(row, tuple):
                    bad(row[0], number, row[1])
                    continue
                row["_line"] = number
                posts.append(row)
    if not posts:
        raise InputError(path, "no tweets in this X API v2 file")
    frame = iso_times(pd.DataFrame(posts), bad, "created_at")
    return frame, profiles(list(users.values())), bad.skipped, read


def _post(
    tweet: Any,
    authors: dict[str, str],
    users: dict[str, dict[str, Any]],
    max_text_chars: int,
) -> dict[str, Any] | tuple[str, str | None]:
    """One canonical post, or (why the tweet is a bad row, the field)."""
    if not isinstance(tweet, dict):
        return "a tweet that is not a JSON object", None
    for name in ("id", "author_id", "created_at"):
        if tweet.get(name) in (None, ""):
            return f"a tweet without {name}", name
    text = tweet.get("text")
    if text is not None and len(str(text)) > max_text_chars:
        return f"text longer than {max_text_chars} characters", "text"
    author = tweet.get("author")
    if isinstance(author, dict) and author.get("id") is not None:  # a flattened tweet
        users[str(author["id"])] = _user(author)
    kind, parent, parent_account = "post", None, None
    for ref in tweet.get("referenced_tweets") or []:
        if isinstance(ref, dict) and ref.get("type") in _KINDS and ref.get("id"):
            # a retweet's type wins over the quote it may carry, as the archive reads it
            if kind == "post" or _KINDS[ref["type"]] == "repost":
                kind, parent = _KINDS[ref["type"]], str(ref["id"])
                parent_account = ref.get("author_id") or authors.get(parent)
    if kind == "reply" and tweet.get("in_reply_to_user_id"):
        parent_account = tweet["in_reply_to_user_id"]
    urls, hashtags, mentions = _entities(tweet)
    return {
        "post_id": str(tweet["id"]),
        "account_id": str(tweet["author_id"]),
        "created_at": str(tweet["created_at"]),
        "kind": kind,
        "text": None if text is None else str(text),
        "language": tweet.get("lang"),
        "parent_post_id": parent,
        "parent_account_id": None if parent_account is None else str(parent_account),
        "urls": urls,
        "hashtags": hashtags,
        "mentions": mentions,
        "client": tweet.get("source"),
    }
