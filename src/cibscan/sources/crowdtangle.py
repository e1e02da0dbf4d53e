"""CrowdTangle historical-data CSV exports (Facebook pages and groups, Instagram accounts).

CrowdTangle closed in August 2024, but researchers hold years of its exports. A row is a
post: ``URL`` (the post's address, its id), ``Post Created`` (``2021-09-01 12:34:56 EDT``:
a time with a zone abbreviation), ``Facebook Id`` / ``User Name`` / ``Page Name`` (or
``Group Name``, or Instagram's ``Account``), ``Message`` (Instagram: ``Description``),
``Link`` and ``Final Link``, ``Page Description``, ``Page Created`` and
``Followers at Posting``.

- The account is ``Facebook Id`` where the export has it, else ``User Name``.
- Times are read in their zone: the abbreviations CrowdTangle wrote (EDT, EST, CDT, CST,
  MDT, MST, PDT, PST, UTC, GMT, BST, CET, CEST, IST, JST, AEST, AEDT) are converted to UTC;
  any other is a bad row naming the row and field, never a time read in the wrong zone.
- The shared link (``Final Link``, else ``Link``) and the links in the text are its links.
- CrowdTangle gives no reshares or replies: every row is a post.
"""

from __future__ import annotations

from ..engine import quote_ident
from ._canonical import ReaderPlan
from ._sql import (
    hashtags_from_text_sql,
    mentions_from_text_sql,
    nonempty_sql,
    sql_str,
    urls_from_text_sql,
)

NAME = "crowdtangle"
SIGNATURE = frozenset({"URL", "Post Created", "User Name"})
#: Hours east of UTC of the zone abbreviations CrowdTangle exports carry.
ZONES = {
    "UTC": 0,
    "GMT": 0,
    "BST": 1,
    "CET": 1,
    "CEST": 2,
    "IST": 5.5,
    "JST": 9,
    "AEST": 10,
    "AEDT": 11,
    "EDT": -4,
    "EST": -5,
    "CDT": -5,
    "CST": -6,
    "MDT": -6,
    "MST": -7,
    "PDT": -7,
    "PST": -8,
}


def matches(cols: dict[str, str]) -> bool:
    return SIGNATURE <= cols.keys()


def zoned_time_sql(expr: str) -> str:
    """``YYYY-MM-DD HH:MM:SS ZONE`` as a UTC ISO 8601 string; where the zone is not a
    known one or the clock is unreadable, the cell behind "unknown time zone:", which the
    reader reports, quoted, as an unparsable time. A time with no zone is read as UTC."""
    raw = f"trim(CAST({expr} AS VARCHAR))"
    zone = f"regexp_extract({raw}, '\\s([A-Z]{{2,5}})$', 1)"
    clock = f"try_strptime(regexp_replace({raw}, '\\s[A-Z]{{2,5}}$', ''), '%Y-%m-%d %H:%M:%S')"
    cases = " ".join(f"WHEN {sql_str(z)} THEN {int(h * 60)}" for z, h in ZONES.items())
    minutes = f"(CASE {zone} WHEN '' THEN 0 {cases} ELSE NULL END)"
    utc = f"strftime({clock} - {minutes} * INTERVAL 1 MINUTE, '%Y-%m-%dT%H:%M:%S')"
    # the cell is quoted behind words, never passed on as it is: DuckDB 1.3 raises on a
    # cast of a time with an unknown zone abbreviation instead of giving NULL
    return f"coalesce({utc}, 'unknown time zone: ' || {raw})"


def plan(cols: dict[str, str]) -> ReaderPlan:
    def c(name: str) -> str | None:
        return f"src.{quote_ident(name)}" if name in cols else None

    account = c("Facebook Id") or c("User Name")
    assert account is not None
    text_col = c("Message") or c("Description")
    text = f"CAST({text_col} AS VARCHAR)" if text_col else "NULL"
    shared = [nonempty_sql(x) for x in (c("Final Link"), c("Link")) if x]
    link = f"coalesce({', '.join(shared)})" if shared else "NULL"
    urls = (
        f"list_sort(list_distinct(list_filter(list_concat([{link}], {urls_from_text_sql(text)}), "
        "lambda v: v IS NOT NULL)))"
    )
    posts = {
        "post_id": "CAST(src.URL AS VARCHAR)",
        "account_id": f"CAST({account} AS VARCHAR)",
        "created_at": zoned_time_sql('src."Post Created"'),
        "kind": "'post'",
        "text": text,
        "urls": urls,
        "hashtags": hashtags_from_text_sql(text),
        "mentions": mentions_from_text_sql(text),
    }
    name = c("Page Name") or c("Group Name") or c("Account")
    accounts = {
        k: v
        for k, v in {
            "handle": c("User Name"),
            "display_name": name,
            "bio": c("Page Description"),
            "created_at": zoned_time_sql('src."Page Created"') if "Page Created" in cols else None,
            "followers": c("Followers at Posting"),
        }.items()
        if v is not None
    }
    fields = {
        "post_id": "URL",
        "account_id": "Facebook Id" if "Facebook Id" in cols else "User Name",
        "created_at": "Post Created",
        "text": "Message" if "Message" in cols else "Description",
    }
    return ReaderPlan(posts=posts, accounts=accounts, fields=fields)
