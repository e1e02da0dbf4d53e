"""Ban evasion: new accounts that resume the behaviour of suspended ones.

Given the accounts a platform suspended, every account first seen after the earliest of
them went silent is compared with each suspended account on two kinds of evidence:

- identity: a handle at most two edits away, the same display name, or the same bio;
- content: rare things both posted (texts, hashtags, link domains, reply and mention
  targets used by at most 1% of accounts).

An account evades a suspension when it shows identity evidence and at least two rare
shared items, or ten rare shared items with no identity evidence. Each verdict names the
suspended account and the evidence.

Handles are not compared pair by pair (60k newcomers against 480 suspended accounts are
29M edit distances, 8.8 s of a 2M-post run). Two edits touch at most two of three pieces
of a handle, so a handle within two edits of a suspended one contains one of its three
pieces whole, at most two characters from where it was: newcomers are paired only with
the suspended accounts one of whose pieces they contain there (a hash join on the piece),
and the edit distance is computed for those pairs alone (``handle_pairs``).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

from ..behaviours.colink import domain_sql, normalise_url_sql
from ..engine import store_table
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

#: Accounts first seen after the earliest suspended account went silent.
_CANDIDATES_SQL = """
CREATE OR REPLACE TEMP TABLE _evasion_cand AS
SELECT * FROM trait_base
WHERE first_seen > (SELECT min(last_seen) FROM _suspended)
  AND account_id NOT IN (SELECT account_id FROM _suspended)
"""

#: The pairs of a newcomer and a suspended account whose handles may be at most
#: ``$edits`` (2) edits apart, lower-cased (``handle_pairs``). Each suspended handle of
#: n characters is cut into three pieces (n // 3, n // 3 and the rest); edits touch at
#: most two, so the third stands whole in the newcomer's handle, shifted by at most two
#: places. A handle of fewer than three characters has empty pieces and is compared with
#: every newcomer whose length is within two of its own. ``edits`` is DuckDB's
#: ``levenshtein``, exact for ASCII handles only (DuckDB 1.3 counts the bytes of other
#: characters, later versions the characters), so the pairs with other characters are
#: all kept, with ``ascii`` false, for the caller to measure.
HANDLE_PAIRS_SQL = """
WITH s AS (
    SELECT account_id, lower(handle) AS h, length(handle) AS n
    FROM _suspended WHERE handle IS NOT NULL
),
c AS (
    SELECT account_id, lower(handle) AS h, length(handle) AS n
    FROM _evasion_cand WHERE handle IS NOT NULL
),
cut AS (
    SELECT account_id, h, n, unnest([0, 1, 2]) AS i, n // 3 AS third FROM s WHERE n >= 3
),
pieces AS (
    SELECT account_id, n, 1 + i * third AS pos,
           substr(h, 1 + i * third, CASE WHEN i = 2 THEN n - 2 * third ELSE third END) AS piece
    FROM cut
),
lengths AS (SELECT DISTINCT length(piece) AS k FROM pieces),
windows AS (
    SELECT account_id, n, pos, substr(h, pos, k) AS piece FROM (
        SELECT c.account_id, c.n, c.h, l.k, unnest(range(1, c.n - l.k + 2)) AS pos
        FROM c JOIN lengths l ON l.k <= c.n
    )
),
near AS (
    SELECT DISTINCT w.account_id AS cand, p.account_id AS susp
    FROM windows w JOIN pieces p ON p.piece = w.piece
    WHERE abs(w.pos - p.pos) <= $edits AND abs(w.n - p.n) <= $edits
    UNION
    SELECT c.account_id, s.account_id FROM c JOIN s ON abs(c.n - s.n) <= $edits
    WHERE s.n < 3
)
SELECT cand, susp, ch, sh, edits, ascii FROM (
    SELECT near.cand, near.susp, c.h AS ch, s.h AS sh, levenshtein(c.h, s.h) AS edits,
           strlen(c.h) = length(c.h) AND strlen(s.h) = length(s.h) AS ascii
    FROM near JOIN c ON c.account_id = near.cand JOIN s ON s.account_id = near.susp
)
WHERE edits <= $edits OR NOT ascii
"""


_PAIRS = pa.schema([("cand", pa.string()), ("susp", pa.string()), ("edits", pa.int64())])


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between ``a`` and ``b``, in characters."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[-1]


def handle_pairs(con: duckdb.DuckDBPyConnection, edits: int = MAX_HANDLE_EDITS) -> pd.DataFrame:
    """``(cand, susp, edits)``: every newcomer of ``_evasion_cand`` whose handle is at most
    ``edits`` edits (in characters, whatever DuckDB's version) from that of a suspended
    account of ``_suspended`` (``HANDLE_PAIRS_SQL``)."""
    near = con.execute(HANDLE_PAIRS_SQL, {"edits": int(edits)}).df()
    other = ~near["ascii"].astype(bool).to_numpy()
    if other.any():
        near.loc[other, "edits"] = [
            edit_distance(a, b)
            for a, b in zip(near.loc[other, "ch"], near.loc[other, "sh"], strict=True)
        ]
    near = near[near["edits"].astype("int64") <= edits]
    return pd.DataFrame(
        {
            "cand": near["cand"].astype(str).to_numpy(),
            "susp": near["susp"].astype(str).to_numpy(),
            "edits": near["edits"].astype("int64").to_numpy(),
        }
    )


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
        for table in ("_evasion_keys", "_evasion_cand", "_handle_pairs"):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def _measure(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    con.execute(_KEYS_SQL)
    rare = max(2, int(0.01 * (con.execute("SELECT count(*) FROM trait_base").fetchall()[0][0])))
    con.execute(_CANDIDATES_SQL)
    pairs = handle_pairs(con)
    store_table(con, "_handle_pairs", pa.Table.from_pandas(pairs, _PAIRS, preserve_index=False))
    frame = con.execute(
        """
        WITH rare_keys AS (
            SELECT key FROM _evasion_keys GROUP BY key HAVING count(*) <= $rare
        ),
        shared AS (
            SELECT c.account_id AS cand, s.account_id AS susp, count(*) AS n
            FROM _evasion_keys c
            JOIN _evasion_keys s ON s.key = c.key
            SEMI JOIN rare_keys r ON r.key = c.key
            WHERE c.account_id IN (SELECT account_id FROM _evasion_cand)
              AND s.account_id IN (SELECT account_id FROM _suspended)
            GROUP BY ALL
        ),
        pairs AS (
            SELECT cand, susp FROM _handle_pairs
            UNION SELECT c.account_id, s.account_id
                FROM _evasion_cand c JOIN _suspended s ON c.display_name = s.display_name
            UNION SELECT c.account_id, s.account_id
                FROM _evasion_cand c JOIN _suspended s ON c.bio = s.bio AND c.bio <> ''
        ),
        ident AS (
            SELECT p.cand, p.susp, h.edits,
                   coalesce(c.display_name = s.display_name, false) AS same_name,
                   coalesce(c.bio <> '' AND c.bio = s.bio, false) AS same_bio
            FROM pairs p
            JOIN _evasion_cand c ON c.account_id = p.cand
            JOIN _suspended s ON s.account_id = p.susp
            LEFT JOIN _handle_pairs h ON h.cand = p.cand AND h.susp = p.susp
        )
        SELECT coalesce(i.cand, sh.cand) AS account_id, coalesce(i.susp, sh.susp) AS susp,
               coalesce(sh.n, 0) AS shared, i.edits, coalesce(i.same_name, false) AS same_name,
               coalesce(i.same_bio, false) AS same_bio, s.handle AS susp_handle
        FROM ident i FULL JOIN shared sh ON sh.cand = i.cand AND sh.susp = i.susp
        JOIN _suspended s ON s.account_id = coalesce(i.susp, sh.susp)
        """,
        {"rare": rare},
    ).df()
    if frame.empty:
        return pd.DataFrame()
    # kinds of identity evidence: a handle within two edits, the display name, the bio
    frame["evidence"] = (
        frame["edits"].notna().astype(int)
        + frame["same_name"].astype(int)
        + frame["same_bio"].astype(int)
    )
    ok = ((frame["evidence"] > 0) & (frame["shared"] >= MIN_SHARED_WITH_IDENTITY)) | (
        frame["shared"] >= MIN_SHARED_ALONE
    )
    # the suspended account it resumes: most identity evidence, then most rare items
    # shared, then the closest handle; ties named by id, never by row order
    hit = (
        frame[ok]
        .sort_values(
            ["account_id", "evidence", "shared", "edits", "susp"],
            ascending=[True, False, False, True, True],
            na_position="last",
        )
        .drop_duplicates("account_id")
    )
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
