"""Telegram Desktop exports (``result.json``): one chat, or a full export with
``chats.list``.

Each chat has ``id``, ``name`` and ``messages[]``; a message has ``id``, ``type``
(``message`` or ``service``), ``date`` and ``date_unixtime``, ``from`` and ``from_id``,
and may have ``forwarded_from``, ``reply_to_message_id`` and ``text``: a string, or a
list of strings and entities (``{"type": "link" | "text_link" | "mention" | "hashtag" |
"bold"..., "text": ..., "href": ...}``).

- Message ids are per chat, so a post's id is ``chat id:message id``; the account is
  ``from_id`` (``user123``, ``channel456``), else the ``from`` name.
- The time is ``date_unixtime`` (UTC); ``date`` alone is the exporting computer's local
  time and is read as given where no unix time exists.
- A forward is a repost of its original, which an export does not identify: the original
  is keyed by where it came from and its text (``fwd:<origin>:<hash of the text>``), so
  that accounts forwarding the same message from the same channel repost one post.
- A reply's parent is that message of the same chat, and its author where the chat holds
  it.
- Links are ``link`` entities and ``text_link`` targets; ``mention`` and ``hashtag``
  entities are mentions and hashtags.
- Service messages (joins, pins, calls) are not posts: they are counted apart.

A message without an id, a time or an author is a bad row (file, message and field named;
skipped and counted with ``on_bad_rows="skip"``). Texts are data: nothing read here is run
or rendered.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any

import pandas as pd

from ..errors import InputError
from ._json import with_parent_authors

NAME = "telegram"
SERVICE = "not a post: Telegram service messages (joins, pins, calls)"


def looks_like(path: str) -> bool:
    """True for a ``.json`` file whose opening holds a chat's ``messages`` or an export's
    ``chats`` (the whole file is read only by ``parse``)."""
    if not path.lower().endswith(".json"):
        return False
    try:
        with open(path, encoding="utf-8-sig") as handle:
            head = handle.read(1 << 16)
    except (OSError, UnicodeDecodeError):
        return False
    text = head.lstrip()
    if not text.startswith("{"):
        return False
    squeezed = "".join(text.split())
    return '"messages":[' in squeezed or ('"chats":{' in squeezed and '"list":[' in squeezed)


def _chats(export: Any) -> list[dict[str, Any]]:
    if not isinstance(export, dict):
        return []
    if isinstance(export.get("messages"), list):
        return [export]
    chats = export.get("chats")
    found = chats.get("list") if isinstance(chats, dict) else None
    return [c for c in found or [] if isinstance(c, dict)]


def _text(value: Any) -> tuple[str, list[str], list[str], list[str]]:
    """(text, links, hashtags, mentions) of a message's ``text``."""
    if isinstance(value, str):
        return value, [], [], []
    parts: list[str] = []
    links: list[str] = []
    tags: list[str] = []
    mentions: list[str] = []
    for piece in value if isinstance(value, list) else []:
        if isinstance(piece, str):
            parts.append(piece)
            continue
        if not isinstance(piece, dict):
            continue
        text = str(piece.get("text") or "")
        parts.append(text)
        kind = piece.get("type")
        if kind == "link" and text:
            links.append(text)
        elif kind == "text_link" and piece.get("href"):
            links.append(str(piece["href"]))
        elif kind == "hashtag" and text:
            tags.append(text.lstrip("#"))
        elif kind == "mention" and text:
            mentions.append(text.lstrip("@"))
    return "".join(parts), links, tags, mentions


def parse(
    path: str, max_text_chars: int, on_bad_rows: str = "error"
) -> tuple[pd.DataFrame, pd.DataFrame, Counter[str], int]:
    """(posts, accounts: none in an export, skipped by reason, messages read)."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            export = json.load(handle)
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not JSON ({exc.msg})", row=exc.lineno) from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    chats = _chats(export)
    if not chats:
        raise InputError(path, "no chats in this Telegram export")
    skipped: Counter[str] = Counter()
    rows: list[dict[str, Any]] = []
    read = 0

    def bad(reason: str, where: str, fld: str | None) -> None:
        if on_bad_rows == "skip":
            skipped[reason] += 1
            return
        raise InputError(path, f"{reason} (chat {where})", field=fld)

    for chat in chats:
        chat_id = str(chat.get("id", chat.get("name", "chat")))
        for message in chat.get("messages") or []:
            read += 1
            if not isinstance(message, dict):
                bad("a message that is not a JSON object", chat_id, None)
                continue
            if message.get("type") == "service":
                skipped[SERVICE] += 1
                continue
            where = f"{chat_id}, message {message.get('id', '?')}"
            row = _post(message, chat_id, max_text_chars)
            if isinstance(row, tuple):
                bad(row[0], where, row[1])
                continue
            rows.append(row)
    if not rows:
        raise InputError(path, "no messages in this Telegram export")
    # a reply's parent account, where its parent is in the same chat
    frame = with_parent_authors(pd.DataFrame(rows))
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    return frame, pd.DataFrame(), skipped, read


def _post(
    message: dict[str, Any], chat_id: str, max_text_chars: int
) -> dict[str, Any] | tuple[str, str | None]:
    if message.get("id") in (None, ""):
        return "a message without id", "id"
    author = message.get("from_id") or message.get("from")
    if not author:
        return "a message without from_id or from", "from_id"
    unix = message.get("date_unixtime")
    if unix not in (None, ""):
        try:
            when = pd.Timestamp(int(str(unix)), unit="s")
        except (ValueError, OverflowError):
            return "date_unixtime is not a unix time", "date_unixtime"
    elif message.get("date"):
        try:
            when = pd.Timestamp(str(message["date"])).tz_localize(None)
        except (ValueError, TypeError):
            return "date is not a time", "date"
    else:
        return "a message without a date", "date"
    text, links, tags, mentions = _text(message.get("text"))
    if len(text) > max_text_chars:
        return f"text longer than {max_text_chars} characters", "text"
    post_id = f"{chat_id}:{message['id']}"
    kind, parent, parent_account = "post", None, None
    origin = message.get("forwarded_from")
    if origin:
        kind = "repost"
        digest = hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]
        parent, parent_account = f"fwd:{origin}:{digest}", str(origin)
    elif message.get("reply_to_message_id") not in (None, ""):
        kind = "reply"
        parent = f"{chat_id}:{message['reply_to_message_id']}"
    return {
        "post_id": post_id,
        "account_id": str(author),
        "created_at": when,
        "kind": kind,
        "text": text,
        "parent_post_id": parent,
        "parent_account_id": parent_account,
        "urls": list(dict.fromkeys(links)),
        "hashtags": tags,
        "mentions": mentions,
    }
