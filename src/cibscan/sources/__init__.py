"""Readers: every supported format in, the canonical posts and accounts tables out."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Literal, get_args

from duckdb import DuckDBPyConnection

from ..dataset import Dataset
from ..engine import EngineSettings, connect
from ..errors import InputError
from ..schema import DEFAULT_MAX_TEXT_CHARS
from . import (
    bluesky,
    chat,
    coortweet,
    crowdtangle,
    generic,
    ira538,
    mastodon,
    meta_content_library,
    profiles,
    reddit,
    telegram,
    tiktok,
    twarc_csv,
    twitter_io,
    xapi1,
    xapi1_csv,
    xapi2,
    youtube,
)
from ._canonical import LoadReport, OnBadRows, ReaderPlan, finish, insert_frames, load_file
from ._scan import ReadOptions, check_file, columns, expand_folders, file_format

Format = Literal[
    "auto",
    "twitter-io",
    "ira-538",
    "coortweet",
    "generic",
    "chat",
    "x-api-v2",
    "x-api-v1",
    "x-api-v1-csv",
    "mastodon",
    "telegram",
    "reddit",
    "bluesky",
    "youtube",
    "tiktok",
    "twarc-csv",
    "crowdtangle",
    "meta-content-library",
    "profiles",
]
FORMATS: tuple[str, ...] = get_args(Format)
#: Readers of nested JSON, parsed in Python: (module, recognised by its ``looks_like``).
_JSON_READERS = (xapi2, xapi1, mastodon, telegram, reddit, bluesky, youtube, tiktok)
_NAMED = (
    twitter_io,
    ira538,
    coortweet,
    twarc_csv,
    xapi1_csv,
    crowdtangle,
    meta_content_library,
)


def detect_format(cols: dict[str, str]) -> str:
    """Name of the layout these columns look like; 'generic' when none matches."""
    for module in _NAMED:
        if module.matches(cols):
            return module.NAME
    return generic.NAME


def json_layout(path: str) -> str | None:
    """Name of the nested-JSON layout whose reader recognises ``path``; None when none
    does (a flat table, read as ``generic``)."""
    return next((r.NAME for r in _JSON_READERS if r.looks_like(path)), None)


def _plan(
    fmt: str,
    cols: dict[str, str],
    mapping: dict[str, str],
    path: str,
    objects: dict[str, str] | None = None,
) -> ReaderPlan:
    plan = _layout_plan(fmt, cols, mapping, path)
    if objects:
        plan.posts["objects"] = generic.objects_sql(objects, cols, path, plan.posts.get("objects"))
    return plan


def _layout_plan(fmt: str, cols: dict[str, str], mapping: dict[str, str], path: str) -> ReaderPlan:
    if fmt == "auto":
        fmt = generic.NAME if mapping else detect_format(cols)
    for module in _NAMED:
        if module.NAME == fmt:
            if not module.matches(cols):
                need = ", ".join(sorted(module.SIGNATURE - cols.keys()))
                raise InputError(path, f"not in the {fmt} layout: missing column(s) {need}")
            return module.plan(cols)
    if fmt == generic.NAME:
        return generic.plan(cols, mapping, path)
    raise InputError(path, f"unknown format '{fmt}'", hint=f"one of {', '.join(FORMATS)}")


def _read_by_duckdb(
    con: DuckDBPyConnection,
    path: str,
    report: LoadReport,
    on_bad_rows: OnBadRows,
    max_text_chars: int,
) -> bool:
    """Read a JSON Lines file through its reader's DuckDB plan (``xapi1.plan``); False,
    with nothing read, where DuckDB cannot (a line that is not JSON, a field of another
    type, a bad row), for the reader's Python parse to read it and name the line. Bad
    rows to be skipped are left to the Python parse too, so that they are counted by
    the same reasons whichever reads the file."""
    if on_bad_rows != "error":
        return False
    before = copy.deepcopy(report)
    try:
        load_file(
            con,
            path,
            "jsonl",
            ReadOptions(),
            xapi1.plan(),
            report,
            file_columns=(),
            on_bad_rows=on_bad_rows,
            max_text_chars=max_text_chars,
        )
    except InputError:
        for name in ("files", "rows_read", "posts_loaded", "skipped", "cut", "notes"):
            setattr(report, name, getattr(before, name))
        con.execute("DROP TABLE IF EXISTS _stage")
        return False
    return True


def read(
    paths: str | Sequence[str],
    *,
    format: Format | str = "auto",
    mapping: dict[str, str] | str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    on_bad_rows: OnBadRows = "error",
    max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
    engine: EngineSettings | None = None,
    objects: dict[str, str] | str | None = None,
) -> Dataset:
    """Read one or more files into a :class:`Dataset` of canonical posts and accounts. A
    folder stands for the files under it, in the order of their paths
    (``_scan.expand_folders``).

    Each file is streamed by DuckDB (CSV, Parquet or JSON Lines; gzip and zstd are
    unpacked on the fly) and checked row by row: a bad row stops the read with an
    :class:`InputError` naming file, row and field, or, with ``on_bad_rows="skip"``,
    is skipped and counted in ``dataset.report.skipped``.
    """
    files = [paths] if isinstance(paths, str) else list(paths)
    if not files:
        raise InputError("(no input)", "no input files given")
    files = expand_folders([str(f) for f in files])
    if on_bad_rows not in ("error", "skip"):
        raise InputError("--on-bad-rows", f"'{on_bad_rows}' is not 'error' or 'skip'")
    cols_map = generic.parse_mapping(mapping) if isinstance(mapping, str) else dict(mapping or {})
    object_map = generic.parse_objects(objects) if isinstance(objects, str) else dict(objects or {})
    options = ReadOptions(delimiter=delimiter, encoding=encoding)
    con = connect(engine)
    report = LoadReport()
    with_profiles = False  # a table of profiles among the files (``profiles``)
    for path in files:
        check_file(path)
        if format == chat.NAME or (format == "auto" and chat.looks_like_chat(path)):
            frame = chat.parse(path, max_text_chars)
            insert_frames(con, frame)
            report.files.append(path)
            report.rows_read += len(frame)
            report.posts_loaded += len(frame)
            continue
        reader = next(
            (
                r
                for r in _JSON_READERS
                if format == r.NAME or (format == "auto" and r.looks_like(path))
            ),
            None,
        )
        if reader is not None:
            if object_map or cols_map:
                raise InputError(
                    path,
                    f"a {reader.NAME} export maps its own fields: --map and --object apply "
                    "to tables (CSV, Parquet, flat JSON Lines)",
                    hint="give --format generic to read it as a table with --map",
                )
            if reader is xapi1 and _read_by_duckdb(con, path, report, on_bad_rows, max_text_chars):
                continue
            rows, users, skipped, lines = reader.parse(path, max_text_chars, on_bad_rows)
            insert_frames(con, rows, users if len(users) else None)
            report.files.append(path)
            report.rows_read += lines
            report.posts_loaded += len(rows)
            report.skipped.update(skipped)
            continue
        fmt = file_format(path)
        cols = columns(con, path, options)
        if format == profiles.NAME or (
            format == "auto" and not cols_map and profiles.matches(cols)
        ):
            if not profiles.matches(cols):
                raise InputError(
                    path,
                    "not a table of profiles: it needs an account id and a handle or "
                    "follower counts, and no post text, post id or post time",
                )
            profiles.load(con, path, fmt, options, cols, report, on_bad_rows)
            with_profiles = True
            continue
        plan = _plan(format, cols, cols_map, path, object_map)
        load_file(
            con,
            path,
            fmt,
            options,
            plan,
            report,
            file_columns=cols,
            on_bad_rows=on_bad_rows,
            max_text_chars=max_text_chars,
        )
    if with_profiles:
        profiles.keep_posting(con, report)
    finish(con, report)
    return Dataset(con=con, report=report)


__all__ = ["FORMATS", "LoadReport", "detect_format", "json_layout", "read"]
