"""Bluesky: Jetstream JSON Lines of firehose events, and profiles from
``app.bsky.actor.getProfile``.

A Jetstream event has ``did``, ``time_us`` and ``kind``; a ``commit`` event carries
``commit.{operation, collection, rkey, record}``. Read as posts:

- ``app.bsky.feed.post`` creates: the post's id is its at:// URI
  (``at://<did>/app.bsky.feed.post/<rkey>``) and its account the ``did``; ``text``,
  ``langs``; ``reply.parent`` makes a reply to that post (its account is the DID in the
  URI); an ``embed`` of a record (or of a record with media) makes a quote of it; an
  ``embed`` of an external link card, and ``facets`` links, make its links; ``facets``
  mentions (DIDs) and tags its mentions and hashtags;
- ``app.bsky.feed.repost`` creates: a repost of ``subject.uri``.

The time is the relay's ``time_us``, not the record's ``createdAt``: a client sets its own
``createdAt`` (and can backdate it), the relay's clock it cannot. Every other event
(likes, follows, deletions, updates, identity and account events) is not a post: counted
apart by what it is.

A profile line (``did``, ``handle``, ``displayName``, ``description``, ``followersCount``,
``followsCount``, ``createdAt``), in a file of its own or among the events, is read as
that account's profile.

A line that is not JSON, or an event without ``did`` or ``time_us``, is a bad row: it
stops the read naming the file, line and field, or is skipped and counted with
``on_bad_rows="skip"``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from ..errors import InputError
from ._json import NOT_JSON, BadRows, first_value, lines, reading
from ._json import profiles as profile_frame

NAME = "bluesky"
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")


def _is_event(obj: Any) -> bool:
    return isinstance(obj, dict) and {"did", "time_us", "kind"} <= obj.keys()


def _is_profile(obj: Any) -> bool:
    return isinstance(obj, dict) and {"did", "handle"} <= obj.keys() and "kind" not in obj


def looks_like(path: str) -> bool:
    """True when the first line of a JSON Lines file is a Jetstream event or a profile."""
    obj = first_value(path, _SUFFIXES)
    return _is_event(obj) or _is_profile(obj)


def _did_of(uri: Any) -> str | None:
    """The account (DID) in an at:// URI."""
    text = str(uri or "")
    if not text.startswith("at://"):
        return None
    return text[5:].split("/", 1)[0] or None


def _embedded(embed: Any) -> tuple[str | None, list[str]]:
    """(quoted post URI, link card URL) of a post's ``embed``."""
    if not isinstance(embed, dict):
        return None, []
    kind = str(embed.get("$type", ""))
    if kind.startswith("app.bsky.embed.recordWithMedia"):
        inner = embed.get("record")
        embed = inner if isinstance(inner, dict) else {}
        kind = "app.bsky.embed.record"
    if kind.startswith("app.bsky.embed.record"):
        record = embed.get("record")
        uri = record.get("uri") if isinstance(record, dict) else None
        return (str(uri) if uri else None), []
    if kind.startswith("app.bsky.embed.external"):
        external = embed.get("external")
        url = external.get("uri") if isinstance(external, dict) else None
        return None, [str(url)] if url else []
    return None, []


def _facets(record: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    links: list[str] = []
    tags: list[str] = []
    mentions: list[str] = []
    for facet in record.get("facets") or []:
        for feature in (facet.get("features") or []) if isinstance(facet, dict) else []:
            if not isinstance(feature, dict):
                continue
            kind = str(feature.get("$type", ""))
            if kind.endswith("#link") and feature.get("uri"):
                links.append(str(feature["uri"]))
            elif kind.endswith("#mention") and feature.get("did"):
                mentions.append(str(feature["did"]))
            elif kind.endswith("#tag") and feature.get("tag"):
                tags.append(str(feature["tag"]))
    return links, tags, mentions


def parse(
    path: str, max_text_chars: int, on_bad_rows: str = "error"
) -> tuple[pd.DataFrame, pd.DataFrame, Counter[str], int]:
    """(posts, profiles, skipped rows by reason, lines read) of one file."""
    rows: list[dict[str, Any]] = []
    profiles: dict[str, dict[str, Any]] = {}
    bad = BadRows(path, on_bad_rows)
    read = 0
    with reading(path):
        for number, obj in lines(path):
            read += 1
            if obj is NOT_JSON:
                bad("not a JSON object", number)
                continue
            if _is_profile(obj):
                profiles[str(obj["did"])] = _profile(obj)
                continue
            if not isinstance(obj, dict) or not obj.get("did"):
                bad("an event without did", number, "did")
                continue
            row = _post(obj, max_text_chars)
            if isinstance(row, tuple):
                reason, fld = row
                if fld is None:  # not a post: counted apart by what it is
                    bad.skipped[reason] += 1
                else:
                    bad(reason, number, fld)
                continue
            rows.append(row)
    accounts = profile_frame(list(profiles.values()))
    if not rows and accounts.empty:
        raise InputError(path, "no posts, reposts or profiles in this Bluesky file")
    frame = pd.DataFrame(rows, columns=list(_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="us")
    return frame, accounts, bad.skipped, read


_COLUMNS = (
    "post_id",
    "account_id",
    "created_at",
    "kind",
    "text",
    "language",
    "parent_post_id",
    "parent_account_id",
    "urls",
    "hashtags",
    "mentions",
)


def _profile(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "account_id": str(obj["did"]),
        "handle": obj.get("handle"),
        "display_name": obj.get("displayName"),
        "bio": obj.get("description"),
        "created_at": obj.get("createdAt"),
        "followers": obj.get("followersCount"),
        "following": obj.get("followsCount"),
    }


def _post(event: dict[str, Any], max_text_chars: int) -> dict[str, Any] | tuple[str, str | None]:
    """One canonical post, or (what the event is, None) for an event that is not a post,
    or (why it is a bad row, the field)."""
    try:
        when = int(event["time_us"])
    except (KeyError, TypeError, ValueError):
        return "an event without a time_us in microseconds", "time_us"
    commit = event.get("commit")
    if event.get("kind") != "commit" or not isinstance(commit, dict):
        return f"not a post: Bluesky {event.get('kind')} events", None
    collection = str(commit.get("collection"))
    if commit.get("operation") != "create" or collection not in (POST, REPOST):
        return f"not a post: Bluesky {collection} {commit.get('operation')}s", None
    record = commit.get("record")
    if not isinstance(record, dict) or not commit.get("rkey"):
        return "a commit without its record or rkey", "commit.record"
    did = str(event["did"])
    row: dict[str, Any] = {
        "post_id": f"at://{did}/{collection}/{commit['rkey']}",
        "account_id": did,
        "created_at": when,
        "text": None,
        "language": None,
        "parent_post_id": None,
        "parent_account_id": None,
        "urls": [],
        "hashtags": [],
        "mentions": [],
    }
    if collection == REPOST:
        subject = record.get("subject")
        uri = subject.get("uri") if isinstance(subject, dict) else None
        if not uri:
            return "a repost without subject.uri", "commit.record.subject"
        return {
            **row,
            "kind": "repost",
            "parent_post_id": str(uri),
            "parent_account_id": _did_of(uri),
        }
    text = str(record.get("text") or "")
    if len(text) > max_text_chars:
        return f"text longer than {max_text_chars} characters", "commit.record.text"
    links, tags, mentions = _facets(record)
    quoted, card = _embedded(record.get("embed"))
    reply = record.get("reply")
    parent = reply.get("parent") if isinstance(reply, dict) else None
    parent_uri = parent.get("uri") if isinstance(parent, dict) else None
    kind, target = "post", None
    if parent_uri:
        kind, target = "reply", str(parent_uri)
    elif quoted:
        kind, target = "quote", quoted
    langs = record.get("langs")
    return {
        **row,
        "kind": kind,
        "text": text,
        "language": str(langs[0]) if isinstance(langs, list) and langs else None,
        "parent_post_id": target,
        "parent_account_id": _did_of(target),
        "urls": list(dict.fromkeys(links + card)),
        "hashtags": tags,
        "mentions": mentions,
    }
