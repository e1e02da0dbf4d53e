"""YouTube Data API comment pulls: ``commentThreads`` and ``comments`` responses.

A file holds one API response (a JSON object) or JSON Lines of responses (one page a
line). ``commentThreads`` items hold ``snippet.topLevelComment`` and ``replies.comments[]``;
``comments`` items are comments themselves. A comment's ``snippet`` has
``authorChannelId.value``, ``authorDisplayName``, ``textOriginal`` (else ``textDisplay``,
HTML), ``publishedAt``, ``videoId`` and, for a reply, ``parentId``; a thread's
``snippet.channelId`` is the video's channel.

- The account is the author's channel id; a comment without one (deleted or hidden
  channels, empty cells in many pulls) keeps its display name as the account, so that it
  is read, not dropped.
- A top-level comment is a reply to its video (``video:<videoId>``, the video's channel
  its parent account); a reply is a reply to ``parentId`` and its author where that
  comment is in the data.
- Links, hashtags and @mentions are taken from the text.

A line that is not JSON, or a comment without an id or a time, is a bad row: it stops the
read naming the file, line and field, or is skipped and counted with
``on_bad_rows="skip"``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pandas as pd

from ..errors import InputError
from ._json import BadRows, documents, iso_times, opening, reading, with_parent_authors
from .mastodon import html_text

NAME = "youtube"
_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
_KINDS = ("youtube#commentThreadListResponse", "youtube#commentListResponse")
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_TAG = re.compile(r"(?<![\w&])#(\w+)")
_MENTION = re.compile(r"(?<![\w@])@([\w.\-]+)")


def looks_like(path: str) -> bool:
    """True when the file opens with a commentThreads or comments list response."""
    squeezed = "".join(opening(path, _SUFFIXES, 4096).split())
    return any(f'"kind":"{k}"' in squeezed for k in _KINDS)


def _comments(item: Any) -> Iterator[tuple[dict[str, Any], str | None]]:
    """(comment, the video's channel) of one item of either response."""
    if not isinstance(item, dict):
        return
    found = item.get("snippet")
    snippet: dict[str, Any] = found if isinstance(found, dict) else {}
    if item.get("kind") == "youtube#commentThread":
        channel = snippet.get("channelId")
        top = snippet.get("topLevelComment")
        if isinstance(top, dict):
            yield top, channel
        replies = item.get("replies")
        for reply in (replies.get("comments") or []) if isinstance(replies, dict) else []:
            if isinstance(reply, dict):
                yield reply, channel
    else:
        yield item, snippet.get("channelId")


def parse(
    path: str, max_text_chars: int, on_bad_rows: str = "error"
) -> tuple[pd.DataFrame, pd.DataFrame, Counter[str], int]:
    """(posts, accounts: the authors' display names, skipped by reason, comments read)."""
    rows: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    bad = BadRows(path, on_bad_rows)
    read = 0
    with reading(path):
        for number, response in documents(path):
            if not isinstance(response, dict):
                bad("not a JSON object", number)
                continue
            for item in response.get("items") or []:
                for comment, channel in _comments(item):
                    read += 1
                    row = _post(comment, channel, max_text_chars, names)
                    if isinstance(row, tuple):
                        bad(row[0], number, row[1])
                        continue
                    row["_line"] = number
                    rows.append(row)
    if not rows:
        raise InputError(path, "no comments in this YouTube file")
    frame = with_parent_authors(iso_times(pd.DataFrame(rows), bad, "publishedAt"))
    accounts = pd.DataFrame({"account_id": list(names), "display_name": list(names.values())})
    return frame, accounts, bad.skipped, read


def _post(
    comment: dict[str, Any], channel: Any, max_text_chars: int, names: dict[str, str]
) -> dict[str, Any] | tuple[str, str]:
    snippet = comment.get("snippet")
    if not isinstance(snippet, dict):
        return "a comment without snippet", "snippet"
    if not comment.get("id"):
        return "a comment without id", "id"
    if not snippet.get("publishedAt"):
        return "a comment without publishedAt", "publishedAt"
    owner = snippet.get("authorChannelId")
    channel_id = owner.get("value") if isinstance(owner, dict) else None
    name = snippet.get("authorDisplayName")
    author = channel_id or name
    if not author:
        return "a comment without authorChannelId or authorDisplayName", "authorChannelId"
    if name:
        names[str(author)] = str(name)
    text = snippet.get("textOriginal")
    if text is None:
        text, _ = html_text(snippet.get("textDisplay"))
    text = str(text)
    if len(text) > max_text_chars:
        return f"text longer than {max_text_chars} characters", "textOriginal"
    parent = snippet.get("parentId")
    parent_post: str | None
    parent_account: str | None
    if parent:
        parent_post, parent_account = str(parent), None
    else:
        video = snippet.get("videoId")
        parent_post = f"video:{video}" if video else None
        parent_account = str(channel) if channel else None
    return {
        "post_id": str(comment["id"]),
        "account_id": str(author),
        "created_at": str(snippet["publishedAt"]),
        "kind": "reply" if parent_post else "post",
        "text": text,
        "parent_post_id": parent_post,
        "parent_account_id": parent_account,
        "urls": list(dict.fromkeys(u.rstrip(".,;:!?") for u in _URL.findall(text))),
        "hashtags": _TAG.findall(text),
        "mentions": _MENTION.findall(text),
    }
