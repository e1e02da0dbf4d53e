"""Mastodon statuses as the API returns them: a JSON array, or JSON Lines, of statuses.

Each status has ``id``, ``uri``, ``created_at``, ``content`` (HTML), ``account``
(``id``, ``acct``, ``username``, ``display_name``, ``note``, ``created_at``,
``followers_count``, ``following_count``, ``url``), and may have ``reblog`` (a nested
status: a boost, read as a repost of it), ``in_reply_to_id`` / ``in_reply_to_account_id``
(a reply), ``tags``, ``mentions``, ``card`` and ``language``.

- The account is its ``acct``. A local account's ``acct`` is its bare username, so the
  instance from its profile ``url`` is added (``alice@social.example``): two instances'
  ``alice`` are two accounts.
- ``content`` and ``note`` are HTML: reduced to text by a parser that keeps the text and
  line breaks and drops every tag; nothing is unescaped into markup, run or rendered.
- A boost is a repost of the boosted status (its ``uri``), by its author, with its text,
  tags and links; a reply's parent is ``in_reply_to_id``, its parent account the mention
  with ``in_reply_to_account_id`` (else that id). Mentions get their instance from their
  ``url`` as accounts do.
- Links: the ``card``'s url and the content's links that are not mentions or hashtags.

A value that is not a status (no ``id``, ``created_at`` or ``account.acct``), a line that
is not JSON, or a time that is not ISO 8601 is a bad row: it stops the read naming the
file, the status (its position in the array, or its line) and the field, or is skipped and
counted with ``on_bad_rows="skip"``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlparse

import pandas as pd

from ..errors import InputError
from ._json import NOT_JSON, BadRows, iso_times, open_text, opening, profiles, reading, text_lines

NAME = "mastodon"
_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
_BREAKS = {"br", "p", "div", "li"}


def _is_status(obj: Any) -> bool:
    account = obj.get("account") if isinstance(obj, dict) else None
    return (
        isinstance(obj, dict)
        and {"id", "created_at", "content"} <= obj.keys()
        and isinstance(account, dict)
        and "acct" in account
    )


def looks_like(path: str) -> bool:
    """True when the file's first status (of an array or of JSON Lines) is a Mastodon one."""
    text = opening(path, _SUFFIXES, 1 << 16).lstrip()
    if text.startswith("["):
        # the first element of the array, read with a decoder that stops at its end
        try:
            obj, _ = json.JSONDecoder().raw_decode(text[1:].lstrip())
        except ValueError:
            return False
        return _is_status(obj)
    first = text.split("\n", 1)[0]
    try:
        return _is_status(json.loads(first))
    except ValueError:
        return False


class _Text(HTMLParser):
    """Text of an HTML fragment, with its links: tags dropped, breaks kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS and self.parts:
            self.parts.append("\n")
        if tag == "a":
            values = dict(attrs)
            classes = (values.get("class") or "").split()
            href = values.get("href")
            if href and not {"mention", "hashtag"} & set(classes) and "u-url" not in classes:
                self.links.append(href)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(fragment: Any) -> tuple[str, list[str]]:
    """(text, links) of an HTML fragment; ('', []) for no fragment."""
    if not fragment:
        return "", []
    parser = _Text()
    parser.feed(str(fragment))
    parser.close()
    lines = "".join(parser.parts).split("\n")
    return "\n".join(line.strip() for line in lines).strip(), parser.links


def _acct(account: dict[str, Any]) -> str:
    """An account's or a mention's ``acct`` with its instance (from its ``url``) where the
    ``acct`` is local, so that accounts, mentions and reply targets name one account alike."""
    acct = str(account["acct"])
    if "@" not in acct and account.get("url"):
        host = urlparse(str(account["url"])).netloc
        if host:
            return f"{acct}@{host}"
    return acct


def _statuses(path: str) -> Iterator[tuple[int, Any]]:
    """(position, value) of every status: array index + 1, or line number."""
    with open_text(path) as handle:
        text = handle.read()
    if text.lstrip().startswith("["):
        try:
            values = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(path, f"not a JSON array ({exc.msg} at line {exc.lineno})") from None
        yield from enumerate(values, start=1)
        return
    yield from text_lines(text)


def parse(
    path: str, max_text_chars: int, on_bad_rows: str = "error"
) -> tuple[pd.DataFrame, pd.DataFrame, Counter[str], int]:
    """(posts, accounts, skipped rows by reason, statuses read) of one file."""
    posts: list[dict[str, Any]] = []
    accounts: dict[str, dict[str, Any]] = {}
    bad = BadRows(path, on_bad_rows)
    read = 0
    with reading(path):
        for number, status in _statuses(path):
            read += 1
            if not _is_status(status):
                missing = (
                    "not a Mastodon status (id, created_at, content and account.acct)"
                    if status is not None and status is not NOT_JSON
                    else "not a JSON object"
                )
                bad(missing, number)
                continue
            row = _post(status, accounts, max_text_chars)
            if isinstance(row, tuple):
                bad(row[0], number, row[1])
                continue
            row["_line"] = number
            posts.append(row)
    if not posts:
        raise InputError(path, "no statuses in this Mastodon file")
    frame = iso_times(pd.DataFrame(posts), bad, "created_at")
    return frame, profiles(list(accounts.values())), bad.skipped, read


def _account(account: dict[str, Any], accounts: dict[str, dict[str, Any]]) -> str:
    acct = _acct(account)
    bio, _ = html_text(account.get("note"))
    accounts[acct] = {
        "account_id": acct,
        "handle": acct,
        "display_name": account.get("display_name"),
        "bio": bio or None,
        "created_at": account.get("created_at"),
        "followers": account.get("followers_count"),
        "following": account.get("following_count"),
    }
    return acct


def _entities(status: dict[str, Any], links: list[str]) -> tuple[list[str], list[str], list[str]]:
    card = status.get("card")
    urls = ([str(card["url"])] if isinstance(card, dict) and card.get("url") else []) + links
    tags = [
        str(t["name"]) for t in status.get("tags") or [] if isinstance(t, dict) and t.get("name")
    ]
    mentions = [
        _acct(m) for m in status.get("mentions") or [] if isinstance(m, dict) and m.get("acct")
    ]
    return list(dict.fromkeys(urls)), tags, mentions


def _post(
    status: dict[str, Any], accounts: dict[str, dict[str, Any]], max_text_chars: int
) -> dict[str, Any] | tuple[str, str | None]:
    """One canonical post, or (why the status is a bad row, the field)."""
    for name in ("id", "created_at"):
        if status.get(name) in (None, ""):
            return f"a status without {name}", name
    author = _account(status["account"], accounts)
    shown: dict[str, Any] = status
    kind, parent, parent_account = "post", None, None
    boosted: Any = status.get("reblog")
    if _is_status(boosted):
        shown = boosted
        kind = "repost"
        parent = str(boosted.get("uri") or boosted["id"])
        parent_account = _account(boosted["account"], accounts)
    elif status.get("in_reply_to_id"):
        kind = "reply"
        parent = str(status["in_reply_to_id"])
        target = status.get("in_reply_to_account_id")
        named = {
            str(m.get("id")): _acct(m)
            for m in status.get("mentions") or []
            if isinstance(m, dict) and m.get("acct")
        }
        parent_account = named.get(str(target), None if target is None else str(target))
    text, links = html_text(shown.get("content"))
    if len(text) > max_text_chars:
        return f"text longer than {max_text_chars} characters", "content"
    urls, tags, mentions = _entities(shown, links)
    return {
        "post_id": str(status.get("uri") or status["id"]),
        "account_id": author,
        "created_at": str(status["created_at"]),
        "kind": kind,
        "text": text,
        "language": shown.get("language"),
        "parent_post_id": parent,
        "parent_account_id": parent_account,
        "urls": urls,
        "hashtags": tags,
        "mentions": mentions,
    }
