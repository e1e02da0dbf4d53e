"""Checking and loading reader output into the canonical ``posts`` and ``accounts`` tables.

A reader says, for each canonical column, which SQL expression over its scan (aliased
``src``) produces it. This module numbers the rows, parses times, checks every required
field, and either stops at the first bad row (naming file, row and field) or skips bad rows
and counts them, as the user chose. Nothing is dropped without being counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import duckdb

if TYPE_CHECKING:
    import pandas as pd

from ..engine import fetch_int, fetch_row, quote_ident, table_exists
from ..errors import InputError
from ..schema import ACCOUNT_COLUMNS, MAX_FIELD_CHARS, MAX_LIST_ITEMS, POST_COLUMNS, POST_KINDS
from ._scan import ReadOptions, scan_params, scan_sql, translate_error
from ._sql import sql_str

OnBadRows = Literal["error", "skip"]


def parse_time_sql(expr: str) -> str:
    """SQL turning a text or numeric time into a UTC TIMESTAMP, or NULL when it cannot.

    Accepts ISO 8601 with or without offset (offsets are converted to UTC; no offset means
    UTC), unix seconds or milliseconds, Twitter API v1 times and US month/day/year.
    """
    raw = f"trim(CAST({expr} AS VARCHAR))"
    return (
        f"CASE WHEN {raw} SIMILAR TO '-?[0-9]+(\\.[0-9]+)?' THEN "
        f"CAST(to_timestamp(CASE WHEN abs(CAST({raw} AS DOUBLE)) > 1e11 "
        f"THEN CAST({raw} AS DOUBLE) / 1000 ELSE CAST({raw} AS DOUBLE) END) AS TIMESTAMP) "
        f"ELSE coalesce("
        f"CAST(try_cast({raw} AS TIMESTAMPTZ) AS TIMESTAMP), "
        f"CAST(try_strptime({raw}, '%a %b %d %H:%M:%S %z %Y') AS TIMESTAMP), "
        f"try_strptime({raw}, '%m/%d/%Y %H:%M'), "
        f"try_strptime({raw}, '%m/%d/%Y %H:%M:%S'), "
        f"try_strptime({raw}, '%m/%d/%Y')) END"
    )


@dataclass
class LoadReport:
    """What reading did: rows read and loaded, and every skipped row counted by reason."""

    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    posts_loaded: int = 0
    #: rows that repeat a post id with other objects, read into that post
    rows_merged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    #: values cut to the bounds of ``schema.MAX_FIELD_CHARS``, per field
    cut: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    #: profiles given apart (``profiles``) of accounts with no post in the data, not used
    profiles_unused: int = 0


@dataclass(frozen=True)
class ReaderPlan:
    """A reader's answer: canonical column -> SQL over ``src``, and the source field names."""

    posts: dict[str, str]
    accounts: dict[str, str]
    fields: dict[str, str]  # canonical column -> name in the file, for error messages
    from_sql: str | None = None  # defaults to the file scan; may add joins or filters


def canonical_select(columns: dict[str, str], present: dict[str, str]) -> str:
    """A SELECT list in canonical order: each column from its expression in ``present``,
    cast to its type, or its default when absent (an empty list, 'post' for a kind, NULL)."""
    out = []
    for col, typ in columns.items():
        if col in present:
            out.append(f"CAST({present[col]} AS {typ})")
        elif typ.endswith("[]"):
            out.append(f"CAST([] AS {typ})")
        elif col == "kind":
            out.append("'post'")
        else:
            out.append(f"CAST(NULL AS {typ})")
    return ", ".join(out)


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the empty canonical tables (and the account staging table) if absent."""
    if not table_exists(con, "posts"):
        cols = ", ".join(f"{quote_ident(c)} {t}" for c, t in POST_COLUMNS.items())
        con.execute(f"CREATE TABLE posts ({cols})")
    if not table_exists(con, "_account_rows"):
        cols = ", ".join(f"{quote_ident(c)} {t}" for c, t in ACCOUNT_COLUMNS.items())
        con.execute(f"CREATE TABLE _account_rows ({cols}, _seen_at TIMESTAMP)")


def load_file(
    con: duckdb.DuckDBPyConnection,
    path: str,
    fmt: str,
    options: ReadOptions,
    plan: ReaderPlan,
    report: LoadReport,
    *,
    file_columns: Collection[str],
    on_bad_rows: OnBadRows = "error",
    max_text_chars: int,
) -> None:
    """Read one file through ``plan`` into the canonical tables, checking every row.
    ``file_columns``: the names of the file's columns (``_scan.columns``), which the plan
    was made from."""
    create_tables(con)
    missing = [c for c in ("post_id", "account_id", "created_at") if c not in plan.posts]
    if missing:
        raise InputError(path, f"no column mapped to {', '.join(missing)}", hint="use --map")
    # Each row's number in the file, for the errors: Parquet's reader gives it as it scans
    # (``file_row_number``); elsewhere a window over the whole scan numbers the rows, which
    # at 2M posts was half of the staging statement (6.9 s against 3.3 s with the reader's
    # number, RESULTS.md). The staged rows then need not be in the file's order (DuckDB
    # kept two halves of a 2M-row file swapped), so the posts are inserted in it.
    numbered = fmt == "parquet" and plan.from_sql is None and "file_row_number" not in file_columns
    source = plan.from_sql or f"{scan_sql(fmt, options, row_numbers=numbered)} AS src"

    def name(col: str) -> str:
        return plan.fields.get(col, col)

    try:
        time_type = con.execute(
            f"DESCRIBE SELECT {plan.posts['created_at']} AS t FROM {source}",
            scan_params(path, options),
        ).fetchall()[0][1]
    except duckdb.Error as exc:
        raise translate_error(path, exc) from exc
    time_sql = (
        "CAST(p_created_at AS TIMESTAMP)"
        if str(time_type).startswith("TIMESTAMP")
        else parse_time_sql("p_created_at")
    )
    # Every check in one CASE, in order: a row is marked with its first problem only.
    # (reason, condition, canonical field, value to quote, how to get past it)
    skip = "pass --on-bad-rows skip to skip and count such rows"
    fix = f"fix the file, or {skip}"
    checks = [
        ("missing post id", "p_post_id IS NULL OR trim(p_post_id) = ''", "post_id", None, fix),
        (
            "missing account id",
            "p_account_id IS NULL OR trim(p_account_id) = ''",
            "account_id",
            None,
            fix,
        ),
        (
            "missing time",
            "p_created_at IS NULL OR trim(CAST(p_created_at AS VARCHAR)) = ''",
            "created_at",
            None,
            fix,
        ),
        ("unparsable time", "p_time IS NULL", "created_at", "p_created_at", fix),
        (
            f"text longer than {int(max_text_chars)} characters",
            f"length(p_text) > {int(max_text_chars)}",
            "text",
            None,
            f"raise --max-text-chars, or {skip}",
        ),
        ("unknown post kind", f"p_kind NOT IN {POST_KINDS!r}", "kind", "p_kind", fix),
    ]
    active = [c for c in checks if c[2] in plan.posts]
    bad_case = (
        "CASE "
        + " ".join(f"WHEN {cond} THEN {sql_str(reason)}" for reason, cond, *_ in active)
        + " END"
    )
    select = [
        "src.file_row_number + 1 AS _row" if numbered else "row_number() OVER () AS _row",
        *(f"{expr} AS {quote_ident('p_' + col)}" for col, expr in plan.posts.items()),
        *(f"{expr} AS {quote_ident('a_' + col)}" for col, expr in plan.accounts.items()),
    ]
    try:
        con.execute("DROP TABLE IF EXISTS _stage")
        con.execute(
            f"CREATE TEMP TABLE _stage AS SELECT *, {bad_case} AS _bad FROM ("
            f"  SELECT *, {time_sql} AS p_time FROM ("
            f"    SELECT {', '.join(select)} FROM {source}))",
            scan_params(path, options),
        )
    except duckdb.Error as exc:
        raise translate_error(path, exc) from exc

    nrows = fetch_int(con, "SELECT count(*) FROM _stage")
    if nrows == 0:
        raise InputError(path, "the file has a header but no rows")
    report.files.append(path)
    report.rows_read += nrows

    problems = con.execute(
        "SELECT _bad, count(*), min(_row) FROM _stage WHERE _bad IS NOT NULL "
        "GROUP BY _bad ORDER BY min(_row)"
    ).fetchall()
    if problems and on_bad_rows == "error":
        reason, count, first_row = str(problems[0][0]), int(problems[0][1]), int(problems[0][2])
        _, _, col, shown, remedy = next(c for c in active if c[0] == reason)
        value = ""
        if shown:
            got = fetch_row(
                con,
                f"SELECT CAST({shown} AS VARCHAR) FROM _stage WHERE _row = $r",
                {"r": first_row},
            )
            value = f" {str(got[0])[:80]!r}" if got else ""
        more = f" ({count} rows like it)" if count > 1 else ""
        raise InputError(
            path,
            f"{reason}{value}{more}",
            row=first_row,
            field=name(col),
            hint=remedy,
        )
    skipped = 0
    for reason, count, _ in problems:
        report.skipped[str(reason)] += int(count)
        skipped += int(count)

    present = {col: quote_ident("p_" + col) for col in plan.posts}
    present["created_at"] = "p_time"
    con.execute(
        f"INSERT INTO posts SELECT {canonical_select(POST_COLUMNS, present)} "
        "FROM _stage WHERE _bad IS NULL" + (" ORDER BY _row" if numbered else "")
    )
    report.posts_loaded += nrows - skipped

    # One row per account and file: its attributes as of its latest post in this file, of
    # posts at the same time the one further down the file (an archive gives the follower
    # count of every post, to the minute): the raw values picked in one aggregation, then
    # parsed once per account.
    picked = [quote_ident("a_" + col) for col in plan.accounts]
    pick = ", ".join(f"{c} := {c}" for c in [*picked, "p_time"])
    acc_exprs = []
    for col, typ in ACCOUNT_COLUMNS.items():
        if col == "account_id":
            acc_exprs.append("p_account_id")
        elif col in plan.accounts:
            expr = "x." + quote_ident("a_" + col)
            if typ == "TIMESTAMP":
                acc_exprs.append(parse_time_sql(expr))
            else:
                acc_exprs.append(f"try_cast({expr} AS {typ})")
        else:
            acc_exprs.append(f"CAST(NULL AS {typ})")
    con.execute(
        f"INSERT INTO _account_rows SELECT {', '.join(acc_exprs)}, x.p_time FROM ("
        f"SELECT p_account_id, arg_max(struct_pack({pick}), struct_pack(t := p_time, r := _row)) "
        f"AS x FROM _stage WHERE _bad IS NULL GROUP BY p_account_id)"
    )
    con.execute("DROP TABLE _stage")


#: Post columns that hold lists of objects (links, hashtags, mentions): a long-format
#: export gives one row per post and object, and those rows are one post.
OBJECT_COLUMNS = ("urls", "hashtags", "mentions", "objects")


def finish(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    """Resolve repeated post ids (each kind counted) and build ``accounts`` from every
    file's rows.

    Rows with one post id are told apart three ways: exact repeats (the same row twice)
    are dropped; rows that differ only in their objects (a second hashtag or link, as
    long-format exports write them) are one post with the union of their objects; rows
    that differ in anything else (author, time, text) keep the earliest.
    """
    create_tables(con)
    dupes = fetch_int(con, "SELECT count(*) - count(DISTINCT post_id) FROM posts")
    if dupes:
        _resolve_repeats(con, report)
    cols = [c for c in ACCOUNT_COLUMNS if c != "account_id"]
    latest = ", ".join(f"arg_max({quote_ident(c)}, _seen_at) AS {quote_ident(c)}" for c in cols)
    con.execute(
        f"CREATE OR REPLACE TABLE accounts AS SELECT account_id, {latest} "
        f"FROM _account_rows GROUP BY account_id"
    )
    con.execute("DROP TABLE _account_rows")
    _bound_values(con, report)


def _bound_values(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    """Cut every text field and list to the lengths of ``schema.MAX_FIELD_CHARS`` and
    ``MAX_LIST_ITEMS``, counting the values cut per field in ``report.cut``."""
    for table, columns in (("posts", POST_COLUMNS), ("accounts", ACCOUNT_COLUMNS)):
        for col, typ in columns.items():
            limit = MAX_FIELD_CHARS.get(col)
            if limit is None:
                continue
            name = quote_ident(col)
            if typ.endswith("[]"):
                too_long = (
                    f"len({name}) > {MAX_LIST_ITEMS} OR "
                    f"list_bool_or(list_transform({name}, lambda v: length(v) > {limit}))"
                )
                cut = (
                    f"list_transform(list_slice({name}, 1, {MAX_LIST_ITEMS}), "
                    f"lambda v: left(v, {limit}))"
                )
            else:
                too_long = f"length({name}) > {limit}"
                cut = f"left({name}, {limit})"
            n = fetch_int(con, f"SELECT count(*) FROM {table} WHERE {too_long}")
            if n:
                con.execute(f"UPDATE {table} SET {name} = {cut} WHERE {too_long}")
                report.cut[col] += n


def _resolve_repeats(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    scalars = ", ".join(quote_ident(c) for c in POST_COLUMNS if c not in OBJECT_COLUMNS)
    merged_lists = ", ".join(
        f"list_sort(list_distinct(flatten(list({quote_ident(c)})))) AS {quote_ident(c)}"
        for c in OBJECT_COLUMNS
    )
    columns = ", ".join(quote_ident(c) for c in POST_COLUMNS)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _repeated AS SELECT * FROM posts WHERE post_id IN "
        "(SELECT post_id FROM posts GROUP BY post_id HAVING count(*) > 1)"
    )
    rows = fetch_int(con, "SELECT count(*) FROM _repeated")
    con.execute("CREATE OR REPLACE TEMP TABLE _distinct AS SELECT DISTINCT * FROM _repeated")
    exact = rows - fetch_int(con, "SELECT count(*) FROM _distinct")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _merged AS SELECT {scalars}, {merged_lists} "
        f"FROM _distinct GROUP BY ALL"
    )
    merged = fetch_int(con, "SELECT count(*) FROM _distinct") - fetch_int(
        con, "SELECT count(*) FROM _merged"
    )
    posts = fetch_int(con, "SELECT count(DISTINCT post_id) FROM _merged")
    conflicting = fetch_int(con, "SELECT count(*) FROM _merged") - posts
    # the earliest, and of rows at one time the first by every other field: rows of one
    # post id that differ only in their parent (CooRTweet's Russian file) made the post
    # kept, and the links' p-values, change from run to run
    tiebreak = ", ".join(quote_ident(c) for c in POST_COLUMNS if c not in OBJECT_COLUMNS)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _kept AS SELECT {columns} FROM _merged "
        "QUALIFY row_number() OVER (PARTITION BY post_id "
        f"ORDER BY created_at, account_id, text, kind, {tiebreak}) = 1"
    )
    con.execute(
        "CREATE OR REPLACE TABLE posts AS "
        "SELECT * FROM posts p ANTI JOIN (SELECT DISTINCT post_id FROM _repeated) r "
        "ON r.post_id = p.post_id UNION ALL SELECT * FROM _kept"
    )
    for name in ("_repeated", "_distinct", "_merged", "_kept"):
        con.execute(f"DROP TABLE {name}")
    if exact:
        report.skipped["repeated row (exact copy of another)"] += exact
    if merged:
        report.rows_merged += merged
        report.notes.append(
            f"{merged:,} rows repeat a post id with other links, hashtags, mentions or objects: "
            "read as one post with all of them"
        )
    if conflicting:
        report.skipped["repeated post id with other author, time or text (earliest kept)"] += (
            conflicting
        )
    report.posts_loaded -= exact + merged + conflicting


def insert_frames(
    con: duckdb.DuckDBPyConnection, posts: pd.DataFrame, accounts: pd.DataFrame | None = None
) -> None:
    """Add canonical pandas frames (optional columns may be missing) to the tables."""
    create_tables(con)
    con.register("_in_posts", posts)
    present = {c: quote_ident(c) for c in posts.columns if c in POST_COLUMNS}
    con.execute(
        f"INSERT INTO posts SELECT {canonical_select(POST_COLUMNS, present)} FROM _in_posts"
    )
    con.unregister("_in_posts")
    if accounts is not None:
        con.register("_in_accounts", accounts)
        present = {c: quote_ident(c) for c in accounts.columns if c in ACCOUNT_COLUMNS}
        con.execute(
            f"INSERT INTO _account_rows SELECT {canonical_select(ACCOUNT_COLUMNS, present)}, "
            # a profile given as a frame is the latest word on its account
            "TIMESTAMP '9999-12-31' FROM _in_accounts"
        )
        con.unregister("_in_accounts")
    add_posting_accounts(con)


def add_posting_accounts(con: duckdb.DuckDBPyConnection) -> None:
    """Stage an account row for every author of ``posts`` that has none yet, so that
    ``finish`` lists every account that posted, profile or not."""
    con.execute(
        "INSERT INTO _account_rows (account_id) SELECT DISTINCT account_id FROM posts "
        "WHERE account_id NOT IN (SELECT account_id FROM _account_rows)"
    )
