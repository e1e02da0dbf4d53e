"""Ban evasion: new accounts that resume the behaviour of suspended ones.

Given the accounts a platform suspended, every account first seen after the earliest of
them went silent is compared with each suspended account on two kinds of evidence:

- identity: a handle at most two edits away, the same display name, or the same bio;
- content: rare things both posted (texts, hashtags, link domains, reply and mention
  targets used by at most 1% of accounts).

An account evades a suspension when it shows identity evidence and at least two rare
shared items, or ten rare shared items with no identity evidence. Each verdict names the
suspended account and the evidence.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from ..behaviours.colink import domain_sql, normalise_url_sql
from ._base import Marker, Trait, TraitSettings, share_of

MIN_SHARED_WITH_IDENTITY = 2
MIN_SHARED_ALONE = 10
MAX_HANDLE_EDITS = 2

_KEYS_SQL = f"""
CREATE OR REPLACE TEMP TABLE _evasion_keys AS
SELECT DISTINCT account_id, key FROM (
    SELECT account_id, 't:' || md5(lower(trim(text))) AS key FROM posts
        WHERE kind <> 'repost' AND length(trim(text)) >= 15
    UNION ALL SELECT account_id, 'h:' || lower(unnest(hashtags)) FROM posts
    UNION ALL SELECT account_id, 'd:' || {domain_sql(normalise_url_sql("u"))}
        FROM (SELECT account_id, unnest(urls) AS u FROM posts)
    UNION ALL SELECT account_id, 'r:' || lower(unnest(mentions)) FROM posts
    UNION ALL SELECT account_id, 'r:' || parent_account_id FROM posts WHERE kind = 'reply'
)
"""


def measure(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> pd.DataFrame:
    if not settings.suspended:
        return pd.DataFrame()
    names = [s.lower().lstrip("@") for s in settings.suspended]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _suspended AS SELECT * FROM trait_base "
        "WHERE lower(account_id) IN (SELECT unnest($n)) OR lower(handle) IN (SELECT unnest($n))",
        {"n": names},
    )
    try:
        return _measure(con)
    finally:
        con.execute("DROP TABLE IF EXISTS _suspended")
        con.execute("DROP TABLE IF EXISTS _evasion_keys")


def _measure(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    con.execute(_KEYS_SQL)
    rare = max(2, int(0.01 * (con.execute("SELECT count(*) FROM trait_base").fetchall()[0][0])))
    frame = con.execute(
        """
        WITH cand AS (
            SELECT * FROM trait_base
            WHERE first_seen > (SELECT min(last_seen) FROM _suspended)
              AND account_id NOT IN (SELECT account_id FROM _suspended)
        ),
        rare_keys AS (
            SELECT key FROM _evasion_keys GROUP BY key HAVING count(*) <= $rare
        ),
        shared AS (
            SELECT c.account_id AS cand, s.account_id AS susp, count(*) AS n
            FROM _evasion_keys c
            JOIN _evasion_keys s ON s.key = c.key
            SEMI JOIN rare_keys r ON r.key = c.key
            WHERE c.account_id IN (SELECT account_id FROM cand)
              AND s.account_id IN (SELECT account_id FROM _suspended)
            GROUP BY ALL
        ),
        ident AS (
            SELECT c.account_id AS cand, s.account_id AS susp,
                   levenshtein(lower(c.handle), lower(s.handle)) AS edits,
                   c.display_name = s.display_name AS same_name,
                   coalesce(c.bio <> '' AND c.bio = s.bio, false) AS same_bio
            FROM cand c CROSS JOIN _suspended s
            WHERE levenshtein(lower(c.handle), lower(s.handle)) <= $edits
               OR c.display_name = s.display_name
               OR (c.bio <> '' AND c.bio = s.bio)
        )
        SELECT coalesce(i.cand, sh.cand) AS account_id, coalesce(i.susp, sh.susp) AS susp,
               coalesce(sh.n, 0) AS shared, i.edits, coalesce(i.same_name, false) AS same_name,
               coalesce(i.same_bio, false) AS same_bio, s.handle AS susp_handle
        FROM ident i FULL JOIN shared sh ON sh.cand = i.cand AND sh.susp = i.susp
        JOIN _suspended s ON s.account_id = coalesce(i.susp, sh.susp)
        """,
        {"rare": rare, "edits": MAX_HANDLE_EDITS},
    ).df()
    if frame.empty:
        return pd.DataFrame()
    identity = frame["edits"].notna() | frame["same_name"] | frame["same_bio"]
    ok = (identity & (frame["shared"] >= MIN_SHARED_WITH_IDENTITY)) | (
        frame["shared"] >= MIN_SHARED_ALONE
    )
    hit = frame[ok].sort_values(["account_id", "shared"], ascending=[True, False])
    hit = hit.drop_duplicates("account_id")
    reasons = []
    for row in hit.itertuples(index=False):
        why = []
        if pd.notna(row.edits):
            why.append(f"handle {int(row.edits)} edit(s) from @{row.susp_handle}")
        if row.same_name:
            why.append("the same display name")
        if row.same_bio:
            why.append("the same bio")
        why.append(f"{int(row.shared)} rare texts, hashtags, domains or targets in common")
        reasons.append(
            f"ban evasion: resumes suspended account {row.susp} after it went silent: "
            + ", ".join(why)
        )
    return pd.DataFrame(
        {"account_id": hit["account_id"], "evades": hit["susp"].astype(str), "reason": reasons}
    )


def _has_suspended(traits: pd.DataFrame, settings: TraitSettings) -> bool:
    return bool(settings.suspended)


TRAIT = Trait(
    name="evasion",
    measure=measure,
    columns={"evades": "text"},
    strong="evades",
    markers=(
        Marker("ban evasion", "resume suspended accounts", share_of("evades", _has_suspended)),
    ),
)
