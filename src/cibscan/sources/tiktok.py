"""TikTok Research API pulls: video query responses (and comment lists, counted apart).

A file holds one response or JSON Lines of responses (one page a line). A video query
response is ``{"data": {"videos": [...], "cursor": ..., "has_more": ...}, "error": ...}``;
a video has ``id``, ``username``, ``create_time`` (unix seconds), ``video_description``,
``hashtag_names``, ``music_id`` and ``effect_ids``.

- Each video is a post of its ``username``, its description the text, its hashtags
  ``hashtag_names`` (and any in the text).
- The sound and the effects are shared objects (``music:<id>``, ``effect:<id>``): accounts
  posting over the same sound within the window are a behaviour of their own
  (``coobject:music``), with the same chance model as every other; a sound everybody
  uses is a heavily discounted key.
- Comment lists carry no commenter (the API leaves the author out): they cannot link
  anybody and are counted apart.

A line that is not JSON, or a video without an id, an author or a time, is a bad row: it
stops the read naming the file, line and field, or is skipped and counted with
``on_bad_rows="skip"``.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pandas as pd

from ..errors import InputError
from ._json import BadRows, documents, opening, reading

NAME = "tiktok"
COMMENTS = "TikTok comments: the Research API gives no commenter to link"
_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz")
_TAG = re.compile(r"(?<![\w&])#(\w+)")
_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def looks_like(path: str) -> bool:
    """True when the file opens with a Research API response holding videos or comments."""
    squeezed = "".join(opening(path, _SUFFIXES, 4096).split())
    return squeezed.startswith('{"data":{') and (
        '"videos":[' in squeezed or '"comments":[' in squeezed
    )


def parse(
    path: str, max_text_chars: int, on_bad_rows: str = "error"
) -> tuple[pd.DataFrame, pd.DataFrame, Counter[str], int]:
    """(posts, accounts: none in a pull, skipped by reason, videos and comments read)."""
    rows: list[dict[str, Any]] = []
    bad = BadRows(path, on_bad_rows)
    read = 0
    with reading(path):
        for number, response in documents(path):
            data = response.get("data") if isinstance(response, dict) else None
            if not isinstance(data, dict):
                bad("not a Research API response (no data object)", number, "data")
                continue
            comments = data.get("comments") or []
            read += len(comments)
            bad.skipped[COMMENTS] += len(comments)
            for video in data.get("videos") or []:
                read += 1
                row = _post(video, max_text_chars)
                if isinstance(row, tuple):
                    bad(row[0], number, row[1])
                    continue
                rows.append(row)
    if not bad.skipped[COMMENTS]:
        del bad.skipped[COMMENTS]
    if not rows:
        raise InputError(path, "no videos with an author in this TikTok file")
    frame = pd.DataFrame(rows)
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s")
    return frame, pd.DataFrame(), bad.skipped, read


def _post(video: Any, max_text_chars: int) -> dict[str, Any] | tuple[str, str | None]:
    if not isinstance(video, dict):
        return "a video that is not a JSON object", None
    for name in ("id", "username", "create_time"):
        if video.get(name) in (None, ""):
            return f"a video without {name}", name
    try:
        when = int(float(str(video["create_time"])))
    except ValueError:
        return "create_time is not a unix time", "create_time"
    text = str(video.get("video_description") or "")
    if len(text) > max_text_chars:
        return f"text longer than {max_text_chars} characters", "video_description"
    tags = [str(t) for t in video.get("hashtag_names") or [] if t]
    tags += [t for t in _TAG.findall(text) if t not in tags]
    objects = [f"music:{video['music_id']}"] if video.get("music_id") not in (None, "") else []
    objects += [f"effect:{e}" for e in video.get("effect_ids") or [] if e not in (None, "", "0")]
    return {
        "post_id": f"video:{video['id']}",
        "account_id": str(video["username"]),
        "created_at": when,
        "kind": "post",
        "text": text,
        "urls": list(dict.fromkeys(_URL.findall(text))),
        "hashtags": tags,
        "mentions": [],
        "objects": objects,
    }
