"""Meeting chat exports (Zoom and look-alikes), so that a flood into a call is a campaign.

Recognised lines (the message may also continue on the following, indented lines)::

    10:02:13 From Jane Doe to Everyone: text
    10:02:13 From Jane Doe to Host(Direct Message): text
    10:02:13	 From  Jane Doe : text

The sender's name is the account (chat exports carry no ids). Chat files hold times but
no date: the date is taken from the file name (``2024-05-01`` or ``20240501``), and a
file without one is an error rather than a guess. Times that go back by more than twelve
hours roll over to the next day. A message to one person is a reply to that person.
Floods in a call happen within minutes: run detect with ``--window 1m`` on chats.
"""

from __future__ import annotations

import os
import re

import pandas as pd

from ..errors import InputError

NAME = "chat"
_HEADER = re.compile(
    r"^(?P<time>\d{1,2}:\d{2}:\d{2})\s+From\s+(?P<sender>.+?)"
    r"(?:\s+to\s+(?P<to>.+?))?\s*:(?:\s|$)(?P<text>.*)$"
)
_DATE = re.compile(r"(20\d{2})[-_.]?([01]\d)[-_.]?([0-3]\d)")
_EVERYONE = {"everyone", "all", "所有人"}


def looks_like_chat(path: str) -> bool:
    """True when the first non-empty line of a .txt file is a chat line."""
    if not path.lower().endswith(".txt"):
        return False
    try:
        with open(path, encoding="utf-8-sig") as handle:
            for line in handle:
                if line.strip():
                    return bool(_HEADER.match(line.rstrip("\n")))
    except (OSError, UnicodeDecodeError):
        return False
    return False


def parse(path: str, max_text_chars: int) -> pd.DataFrame:
    """Canonical posts of one chat file."""
    match = _DATE.search(os.path.basename(path)) or _DATE.search(path)
    if not match:
        raise InputError(
            path,
            "a chat export holds no date and none is in the file name",
            hint="rename it to include the meeting date, e.g. 2024-05-01_chat.txt",
        )
    day = pd.Timestamp(f"{match.group(1)}-{match.group(2)}-{match.group(3)}")
    rows: list[dict[str, object]] = []
    offset = pd.Timedelta(0)
    last: pd.Timedelta | None = None
    try:
        with open(path, encoding="utf-8-sig") as handle:
            lines = handle.read().splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None
    for number, line in enumerate(lines, start=1):
        head = _HEADER.match(line)
        if head is None:
            if line.strip() and rows:
                rows[-1]["text"] = (str(rows[-1]["text"]) + "\n" + line.strip()).strip()
            elif line.strip():
                raise InputError(
                    path, "not a chat line", row=number, hint="expected 'HH:MM:SS From Name: text'"
                )
            continue
        h, m, s = (int(x) for x in head.group("time").split(":"))
        if h > 23 or m > 59 or s > 59:
            raise InputError(
                path, f"time '{head.group('time')}' is not a time of day", row=number, field="time"
            )
        clock = pd.Timedelta(hours=h, minutes=m, seconds=s)
        if last is not None and clock + pd.Timedelta(hours=12) < last:
            offset += pd.Timedelta(days=1)
        last = clock
        to = (head.group("to") or "").strip()
        private = re.sub(r"\s*\((privately|direct message)\)\s*$", "", to, flags=re.IGNORECASE)
        direct = bool(to) and private.lower() not in _EVERYONE
        rows.append(
            {
                "post_id": f"{os.path.basename(path)}:{number}",
                "account_id": head.group("sender").strip(),
                "created_at": day + offset + clock,
                "kind": "reply" if direct else "post",
                "text": head.group("text").strip(),
                "parent_account_id": private if direct else None,
                "mentions": [private] if direct else [],
                "_line": number,
            }
        )
    if not rows:
        raise InputError(path, "no chat lines")
    frame = pd.DataFrame(rows)
    long = frame["text"].str.len() > max_text_chars
    if long.any():
        row = int(frame.loc[long, "_line"].iloc[0])
        raise InputError(
            path, f"text longer than {max_text_chars} characters", row=row, field="text"
        )
    return frame.drop(columns="_line")
