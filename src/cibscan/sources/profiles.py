"""A table of account profiles beside the posts: one row per account, no posts.

Many collections keep the profiles apart from the posts: the cresci bot collections'
``users.csv`` beside ``tweets.csv``, a platform's user table beside its post table, the
profiles a researcher pulled after the posts. Given with the posts
(``cibscan detect tweets.csv users.csv``), such a file is recognised by its columns (an
account id, a handle or follower counts, and no post text, post id or post time of its
own) and read into the accounts: each profile is the latest word on its account, a
value missing from it leaving what the posts said.

Only the profiles of accounts that post in the data are kept: the traits measure each
account against the others that posted (the share of young accounts, of follow
imbalance), and a bought follower with no post in the data is not one of them. The
others are counted (the load report's ``profiles_unused``, the summary and the
command line say how many), never dropped silently.
"""

from __future__ import annotations

import duckdb

from ..engine import quote_ident
from ..errors import InputError
from ..schema import ACCOUNT_COLUMNS
from ._canonical import LoadReport, create_tables, parse_time_sql
from ._scan import ReadOptions, scan_params, scan_sql, translate_error

NAME = "profiles"

#: canonical account field -> spellings recognised, first match wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "account_id": ("account_id", "userid", "user_id", "id_str", "id"),
    "handle": ("handle", "screen_name", "user_screen_name", "username"),
    "display_name": ("display_name", "name", "user_display_name"),
    "bio": ("bio", "description", "user_profile_description", "profile_description"),
    "created_at": ("account_created_at", "created_at", "account_creation_date", "user_created_at"),
    # the counts' own names first: API v1.1 users also carry ``following``, a flag of
    # whether the collecting account follows them
    "followers": ("followers_count", "follower_count", "followers"),
    "following": ("friends_count", "following_count", "following"),
    "language": ("language", "lang", "account_language"),
    "location": ("location", "user_reported_location"),
}
#: Columns only a table of posts has: a file with one of them is read as posts.
POST_MARKS = frozenset(
    {
        "text",
        "full_text",
        "tweet_text",
        "content",
        "body",
        "message",
        "tweetid",
        "tweet_id",
        "post_id",
        "tweet_time",
        "publish_date",
        "kind",
        "post_type",
        "parent_post_id",
        "retweeted_status_id",
        "in_reply_to_status_id",
    }
)
#: Staged profiles, kept for the accounts that post once every file is read.
STAGE = "_profile_rows"


def _chosen(cols: dict[str, str]) -> dict[str, str]:
    lower = {c.lower(): c for c in cols}
    chosen: dict[str, str] = {}
    for fld, spellings in ALIASES.items():
        for s in spellings:
            if s in lower and lower[s] not in chosen.values():
                chosen[fld] = lower[s]
                break
    return chosen


#: A table with one of these beside ``id`` names its rows' authors: its rows are posts.
AUTHOR_IDS = frozenset(
    {"account_id", "userid", "user_id", "user_id_str", "author_id", "user", "author", "from_id"}
)


def matches(cols: dict[str, str]) -> bool:
    """An account id, a handle or a follower count, and nothing that only posts have."""
    lower = {c.lower() for c in cols}
    if POST_MARKS & lower or ({"id", "id_str"} & lower and AUTHOR_IDS & lower):
        return False
    chosen = _chosen(cols)
    return "account_id" in chosen and bool({"handle", "followers", "following"} & chosen.keys())


def load(
    con: duckdb.DuckDBPyConnection,
    path: str,
    fmt: str,
    options: ReadOptions,
    cols: dict[str, str],
    report: LoadReport,
    on_bad_rows: str = "error",
) -> None:
    """Stage the profiles of one file (``keep_posting`` keeps those of accounts that post,
    once every file is read).
    A row without an account id is a bad row: an error naming it, or skipped and counted."""
    create_tables(con)
    chosen = _chosen(cols)
    values = []
    for col, typ in ACCOUNT_COLUMNS.items():
        expr = f"src.{quote_ident(chosen[col])}" if col in chosen else None
        if expr is None:
            values.append(f"CAST(NULL AS {typ})")
        elif col == "account_id":
            values.append(f"nullif(trim(CAST({expr} AS VARCHAR)), '')")
        elif typ == "TIMESTAMP":
            values.append(parse_time_sql(expr))
        elif typ == "BIGINT":
            values.append(f"try_cast(try_cast({expr} AS DOUBLE) AS BIGINT)")
        else:
            values.append(f"nullif(CAST({expr} AS VARCHAR), '')")
    selected = ", ".join(
        f"{v} AS {quote_ident(c)}" for v, c in zip(values, ACCOUNT_COLUMNS, strict=True)
    )
    names = ", ".join(quote_ident(c) for c in ACCOUNT_COLUMNS)
    con.execute(f"CREATE TABLE IF NOT EXISTS {STAGE} AS SELECT * FROM _account_rows WITH NO DATA")
    try:
        con.execute(
            f"CREATE TEMP TABLE _profile_file AS SELECT row_number() OVER () AS _row, "
            f"{selected} FROM {scan_sql(fmt, options)} AS src",
            scan_params(path, options),
        )
    except duckdb.Error as exc:
        raise translate_error(path, exc) from exc
    try:
        rows, missing, first = con.execute(
            "SELECT count(*), count(*) - count(account_id), min(_row) FILTER "
            "(WHERE account_id IS NULL) FROM _profile_file"
        ).fetchone() or (0, 0, None)
        if missing and on_bad_rows == "error":
            raise InputError(
                path,
                "missing account id",
                row=int(first),
                field=chosen["account_id"],
                hint="fix the file, or pass --on-bad-rows skip to skip and count such rows",
            )
        if missing:
            report.skipped["missing account id"] += int(missing)
        # a profile given apart is the latest word on its account (``finish``)
        con.execute(
            f"INSERT INTO {STAGE} SELECT {names}, TIMESTAMP '9999-12-31' FROM _profile_file "
            "WHERE account_id IS NOT NULL"
        )
        report.rows_read += int(rows)
    finally:
        con.execute("DROP TABLE _profile_file")
    report.files.append(path)


def keep_posting(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    """Move the staged profiles of accounts that post into the account rows; count the
    others (``report.profiles_unused``)."""
    con.execute(
        f"INSERT INTO _account_rows SELECT * FROM {STAGE} "
        "WHERE account_id IN (SELECT account_id FROM posts)"
    )
    (unused,) = con.execute(
        f"SELECT count(DISTINCT account_id) FROM {STAGE} "
        "WHERE account_id NOT IN (SELECT account_id FROM posts)"
    ).fetchone() or (0,)
    con.execute(f"DROP TABLE {STAGE}")
    report.profiles_unused += int(unused)
