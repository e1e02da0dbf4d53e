"""Opening input files as DuckDB scans, with the checks DuckDB itself does not make."""

from __future__ import annotations

import gzip
import os
import re
import zlib
from dataclasses import dataclass

import duckdb

from ..errors import InputError

_CHUNK = 1 << 20
#: DuckDB's own limit is 2 MB a line; cells longer than the text limit are reported by the
#: canonical checks with their row and field, which needs the line to be read first.
_MAX_LINE_BYTES = 64 << 20


@dataclass(frozen=True)
class ReadOptions:
    """How to open a delimited file when sniffing is not enough."""

    delimiter: str | None = None
    encoding: str | None = None  # "utf-8" (default), "utf-16" or "latin-1"


def file_format(path: str) -> str:
    """Return 'csv', 'parquet' or 'jsonl' from a file name, looking through .gz/.zst."""
    name = path.lower()
    for suffix in (".gz", ".gzip", ".zst", ".zstd"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    if name.endswith(".parquet") or name.endswith(".pq"):
        return "parquet"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    raise InputError(
        path, "cannot tell the format from the name", hint="use .csv, .parquet or .jsonl"
    )


def expand_folders(paths: list[str]) -> list[str]:
    """``paths`` with each folder replaced by the files under it, in the order of their
    paths (its subfolders' too, as Spark and Hive write a table: ``part-00000.parquet``,
    ``date=2024-03-04/...``). Names starting with ``.`` or ``_`` are the writers' own
    bookkeeping (``_SUCCESS``, ``.part-00000.crc``) and are passed over; any other file
    must be one cibscan reads (``file_format``), so that nothing in the folder is left
    out unsaid."""
    out: list[str] = []
    for path in paths:
        if not os.path.isdir(path):
            out.append(path)
            continue
        found: list[str] = []
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
            for name in sorted(names):
                if name.startswith((".", "_")):
                    continue
                file = os.path.join(root, name)
                try:
                    file_format(file)
                except InputError:
                    raise InputError(
                        file,
                        f"is in the folder {path} but is not a file cibscan reads",
                        hint="a folder may hold only .csv, .parquet or .jsonl files; "
                        "move this one out",
                    ) from None
                found.append(file)
        if not found:
            raise InputError(path, "the folder holds no .csv, .parquet or .jsonl file")
        out.extend(sorted(found))
    return out


def check_file(path: str) -> None:
    """Fail early, in one line, on a missing, empty or truncated file."""
    if not os.path.exists(path):
        raise InputError(path, "no such file")
    if os.path.isdir(path):
        raise InputError(path, "is a folder, not a file")
    if os.path.getsize(path) == 0:
        raise InputError(path, "the file is empty")
    if path.lower().endswith((".gz", ".gzip")):
        _check_gzip(path)


def _check_gzip(path: str) -> None:
    # DuckDB reads a truncated gzip stream up to the break and reports no error, which
    # would drop the tail of the data silently; decompressing once costs ~1 s per 300 MB.
    try:
        with gzip.open(path, "rb") as stream:
            while stream.read(_CHUNK * 8):
                pass
    except EOFError as exc:
        raise InputError(path, "the gzip file is truncated (it ends mid-stream)") from exc
    except (OSError, zlib.error) as exc:
        raise InputError(path, f"not a readable gzip file: {exc}") from exc


def scan_sql(fmt: str, options: ReadOptions, row_numbers: bool = False) -> str:
    """Return a table-function call over the parameter ``$path`` for this format; with
    ``row_numbers`` (Parquet only), each row's number in the file as ``file_row_number``,
    from 0."""
    if fmt == "parquet":
        return f"read_parquet($path{', file_row_number = true' if row_numbers else ''})"
    if row_numbers:
        raise ValueError(f"no row numbers from the {fmt} reader")
    if fmt == "jsonl":
        return "read_json($path, format = 'newline_delimited', maximum_object_size = 67108864)"
    args = [
        "$path",
        "header = true",
        "all_varchar = true",
        # the sniffer would still try types: DuckDB 1.3 raises on a time with a zone
        # abbreviation it does not know ("2021-09-01 12:00:00 EDT"), even for VARCHAR
        "auto_type_candidates = ['VARCHAR']",
        f"max_line_size = {_MAX_LINE_BYTES}",
    ]
    if options.delimiter:
        args.append("delim = $delim")
    if options.encoding:
        args.append("encoding = $encoding")
    return f"read_csv({', '.join(args)})"


def scan_params(path: str, options: ReadOptions) -> dict[str, str]:
    """The parameters ``scan_sql`` expects."""
    params = {"path": path}
    if options.delimiter:
        params["delim"] = options.delimiter
    if options.encoding:
        params["encoding"] = options.encoding
    return params


def columns(con: duckdb.DuckDBPyConnection, path: str, options: ReadOptions) -> dict[str, str]:
    """Column name -> DuckDB type of a file, or a one-line InputError explaining why not."""
    fmt = file_format(path)
    try:
        rows = con.execute(
            f"DESCRIBE SELECT * FROM {scan_sql(fmt, options)}", scan_params(path, options)
        ).fetchall()
    except duckdb.Error as exc:
        raise translate_error(path, exc) from exc
    cols = {str(r[0]): str(r[1]) for r in rows}
    if fmt == "csv":
        _refuse_repeated_header(con, path, options, list(cols))
    if fmt == "csv" and len(cols) == 1:
        only = next(iter(cols))
        for sep in (";", "\t", "|", ","):
            if sep in only:
                raise InputError(
                    path,
                    f"row 1 reads as a single column '{only[:60]}'",
                    hint=f"is the delimiter {sep!r}? pass --delimiter {sep!r}",
                )
        if only == "column0":
            raise InputError(path, "the file has no header row or no data")
    return cols


_RENAMED = re.compile(r"^(?P<base>.+)_\d+$")


def _refuse_repeated_header(
    con: duckdb.DuckDBPyConnection, path: str, options: ReadOptions, names: list[str]
) -> None:
    """A header naming one column twice is an error: which of the two holds the data is
    a guess. DuckDB renames the second ``name_1``; only then is the header row read as it
    is written, to tell a repeat from a column really called ``name_1``."""
    lowered = {n.lower() for n in names}
    if not any((m := _RENAMED.match(n)) and m["base"].lower() in lowered for n in names):
        return
    header_sql = scan_sql("csv", options).replace("header = true", "header = false")
    try:
        row = con.execute(
            f"SELECT * FROM {header_sql} LIMIT 1", scan_params(path, options)
        ).fetchone()
    except duckdb.Error as exc:
        raise translate_error(path, exc) from exc
    seen: set[str] = set()
    for value in row or ():
        name = str(value).strip()
        if name.lower() in seen:
            raise InputError(
                path,
                "the header names this column twice",
                row=1,
                field=name,
                hint="rename or remove one of them",
            )
        seen.add(name.lower())


_LINE = re.compile(r"Line:\s*(\d+)")


def translate_error(path: str, exc: duckdb.Error) -> InputError:
    """Turn a DuckDB reader error into one line naming the file and, where known, the line."""
    if isinstance(exc, duckdb.ParserException):
        raise exc  # our SQL is wrong, not the user's file: let it surface as a bug
    text = str(exc)
    match = _LINE.search(text)
    row = int(match.group(1)) if match else None
    if "unicode" in text.lower() or "utf-8" in text.lower() or "utf8" in text.lower():
        return InputError(
            path,
            f"line {row}: not valid UTF-8" if row else "not valid UTF-8",
            hint="pass --encoding latin-1 or --encoding utf-16 if that is what it is",
        )
    if isinstance(exc, duckdb.OutOfMemoryException):
        return InputError(
            path,
            "the engine ran out of memory reading it",
            hint="raise --memory-limit, or leave it unset for a quarter of this machine's memory",
        )
    if "Maximum line size" in text:
        return InputError(path, f"line {row}: a line is longer than {_MAX_LINE_BYTES} bytes")
    if "No files found" in text or "No such file" in text:
        return InputError(path, "no such file")
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), text)
    return InputError(path, f"cannot read the file: {first}")
