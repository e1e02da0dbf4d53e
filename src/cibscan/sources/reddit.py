"""Reddit dumps: JSON Lines of submissions and comments (the Pushshift / Arctic Shift layout).

A submission has ``id``, ``author``, ``created_utc``, ``subreddit``, ``title``,
``selftext``, ``url``, ``domain`` and ``is_self``; a comment has ``id``, ``author``,
``created_utc``, ``subreddit``, ``body``, ``link_id`` and ``parent_id``. Both may sit in
one file.

- Post ids are Reddit's fullnames (``t3_`` + id for a submission, ``t1_`` + id for a
  comment), so that a comment's ``parent_id`` names its parent; a comment is a reply to
  it, and to its author where the parent is in the data.
- A submission's text is its title and its self text; a link submission's ``url`` is its
  link. Links in the texts are read too.
- ``[deleted]`` and ``[removed]`` authors are not one account: their posts have no author
  to link, and are counted apart, never pooled.
- ``created_utc`` is unix seconds (a number or a string of digits).

A line that is not JSON or a post without an id or a time is a bad row: it stops the read
naming the file, line and field, or is skipped and counted with ``on_bad_rows="skip"``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pandas as pd

from ..errors import InputError
from ._json import NOT_JSON, BadRows, first_value, lines, reading, with_parent_authors

NAME = "reddit"
DELETED = "posts by deleted accounts ([deleted], [removed]): no author to link"
_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")
_GONE = {"", "[deleted]", "[removed]"}
_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def _is_reddit(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and {"id", "author", "created_utc", "subreddit"} <= obj.keys()
        and ("title" in obj or "body" in obj)
    )


def looks_like(path: str) -> bool:
    """True when the first line of a JSON Lines file is a Reddit submission or comment."""
    return _is_reddit(first_value(path, _SUFFIXES))


def parse(
    path: str, max_text_chars: int, on_bad_rows: str = "error"
) -> tuple[pd.DataFrame, pd.DataFrame, Counter[str], int]:
    """(posts, accounts: none in a dump, skipped rows by reason, lines read)."""
    rows: list[dict[str, Any]] = []
    bad = BadRows(path, on_bad_rows)
    read = 0
    with reading(path):
        for number, obj in lines(path):
            read += 1
            if obj is NOT_JSON:
                bad("not a JSON object", number)
                continue
            if not _is_reddit(obj):
                bad("not a Reddit submission or comment", number)
                continue
            row = _post(obj, max_text_chars)
            if row is None:
                bad.skipped[DELETED] += 1
            elif isinstance(row, tuple):
                bad(row[0], number, row[1])
            else:
                rows.append(row)
    if not rows:
        raise InputError(path, "no posts with an author in this Reddit dump")
    frame = pd.DataFrame(rows)
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s")
    return with_parent_authors(frame), pd.DataFrame(), bad.skipped, read


def _post(obj: dict[str, Any], max_text_chars: int) -> dict[str, Any] | tuple[str, str] | None:
    """One canonical post, None for a deleted author, or (why it is a bad row, field)."""
    if obj.get("id") in (None, ""):
        return "a post without id", "id"
    try:
        when = int(float(str(obj["created_utc"])))
    except (TypeError, ValueError):
        return "created_utc is not a unix time", "created_utc"
    author = str(obj.get("author") or "")
    if author in _GONE:
        return None
    comment = "body" in obj and "title" not in obj
    if comment:
        text = str(obj.get("body") or "")
        parent = obj.get("parent_id") or obj.get("link_id")
        links: list[str] = []
    else:
        body = str(obj.get("selftext") or "")
        body = "" if body in _GONE else body
        text = "\n".join(p for p in (str(obj.get("title") or ""), body) if p)
        parent = None
        url = obj.get("url")
        links = [str(url)] if url and not obj.get("is_self") else []
    if len(text) > max_text_chars:
        return f"text longer than {max_text_chars} characters", "body" if comment else "title"
    links += [u.rstrip(".,;:!?") for u in _URL.findall(text)]
    return {
        "post_id": ("t1_" if comment else "t3_") + str(obj["id"]),
        "account_id": author,
        "created_at": when,
        "kind": "reply" if comment else "post",
        "text": text,
        "parent_post_id": None if parent is None else str(parent),
        "urls": list(dict.fromkeys(links)),
        "hashtags": [],
        "mentions": [],
    }
