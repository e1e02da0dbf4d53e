"""What the readers of nested JSON exports share: opening plain or gzipped files, walking
their lines, counting or raising on bad rows, and reading their times and profiles."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import pandas as pd

from ..errors import InputError

#: What a line that is not JSON reads as (``None`` is a JSON value: ``null``).
NOT_JSON = object()


def open_text(path: str) -> IO[str]:
    """The file as UTF-8 text (a BOM dropped), unpacked on the fly when it is gzipped."""
    if path.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")


def first_value(path: str, suffixes: tuple[str, ...]) -> Any:
    """The first non-empty line of a file with one of ``suffixes``, parsed; ``NOT_JSON``
    when the file has another name, cannot be read or that line is not JSON."""
    if not path.lower().endswith(suffixes):
        return NOT_JSON
    try:
        with open_text(path) as handle:
            for line in handle:
                if line.strip():
                    return json.loads(line)
    except (OSError, UnicodeDecodeError, ValueError, EOFError):
        return NOT_JSON
    return NOT_JSON


def opening(path: str, suffixes: tuple[str, ...], size: int) -> str:
    """The first ``size`` characters of a file with one of ``suffixes``; '' otherwise."""
    if not path.lower().endswith(suffixes):
        return ""
    try:
        with open_text(path) as handle:
            return handle.read(size)
    except (OSError, UnicodeDecodeError, EOFError):
        return ""


def lines(path: str) -> Iterator[tuple[int, Any]]:
    """(line number, value) of every non-empty line; ``NOT_JSON`` for one that is not."""
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except ValueError:
                    yield number, NOT_JSON


def text_lines(text: str) -> Iterator[tuple[int, Any]]:
    """``lines`` of a text already read."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except ValueError:
                yield number, NOT_JSON


def documents(path: str) -> Iterator[tuple[int, Any]]:
    """The file as one JSON value (position 1), or else its lines as ``lines`` gives them."""
    with open_text(path) as handle:
        text = handle.read()
    try:
        yield 1, json.loads(text)
        return
    except ValueError:
        pass
    yield from text_lines(text)


class BadRows:
    """Bad rows of one file: each raises an :class:`InputError` naming the file, row and
    field, or, with ``on_bad_rows="skip"``, is counted by its reason in ``skipped``."""

    def __init__(self, path: str, on_bad_rows: str) -> None:
        self.path = path
        self.skip = on_bad_rows == "skip"
        self.skipped: Counter[str] = Counter()

    def __call__(self, reason: str, number: int, field: str | None = None) -> None:
        if not self.skip:
            raise InputError(self.path, reason, row=number, field=field)
        self.skipped[reason] += 1


@contextmanager
def reading(path: str) -> Iterator[None]:
    """Reading errors as one-line :class:`InputError` s naming the file."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None
    except (OSError, EOFError) as exc:
        raise InputError(path, f"cannot read: {exc}") from None


def iso_times(frame: pd.DataFrame, bad: BadRows, field: str) -> pd.DataFrame:
    """``frame`` with its ``created_at`` (ISO 8601 text) as UTC times and its ``_line``
    column dropped; a row whose time cannot be read is a bad row of that line."""
    times = pd.to_datetime(frame["created_at"], utc=True, errors="coerce", format="ISO8601")
    unreadable = times.isna().to_numpy()
    for number in frame.loc[unreadable, "_line"]:
        bad(f"{field} is not an ISO 8601 time", int(number), field)
    frame = frame.assign(created_at=times.dt.tz_localize(None))
    return frame[~unreadable].drop(columns="_line").reset_index(drop=True)


def profiles(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Profiles as a frame: ``created_at`` (ISO 8601 text) as UTC times, unreadable ones
    missing; follower and following counts as nullable integers."""
    accounts = pd.DataFrame(rows)
    if accounts.empty:
        return accounts
    accounts["created_at"] = pd.to_datetime(
        accounts["created_at"], utc=True, errors="coerce", format="ISO8601"
    ).dt.tz_localize(None)
    for col in ("followers", "following"):
        accounts[col] = pd.to_numeric(accounts[col], errors="coerce").astype("Int64")
    return accounts


def with_parent_authors(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each missing ``parent_account_id`` filled with the author of its
    ``parent_post_id``, where that post is in the frame (the first such post)."""
    authors = pd.Series(frame["account_id"].to_numpy(), index=frame["post_id"].to_numpy())
    authors = authors[~authors.index.duplicated()]
    known = frame["parent_account_id"] if "parent_account_id" in frame else None
    found = frame["parent_post_id"].map(authors)
    return frame.assign(parent_account_id=found if known is None else known.fillna(found))


def entity_values(entities: dict[str, Any], name: str, *keys: str) -> list[str]:
    """The values of a tweet's ``entities[name]`` list: of each object, the first of
    ``keys`` it holds; objects that hold none, or are not objects, are passed over."""
    out = []
    for item in entities.get(name) or []:
        if isinstance(item, dict):
            value = next((item[k] for k in keys if item.get(k)), None)
            if value is not None:
                out.append(str(value))
    return out
