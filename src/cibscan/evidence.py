"""Evidence: the posts behind each significant link, and what each account shared.

Every co-occurrence episode of the significant pairs is re-derived from the paired traces
(see ``link.py``), with the two posts that make it, so that a person can check each one.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

from .engine import duckdb_runner, store_table
from .link_steps import EVIDENCE_STEPS, run_steps


def build_evidence(
    con: duckdb.DuckDBPyConnection, per: pd.DataFrame, significant: pd.DataFrame
) -> None:
    """Create ``evidence_all`` (behaviour, a, b, key, episode, post_a, ts_a, post_b,
    ts_b): one row per co-occurrence episode of every significant pair, in every
    behaviour, re-derived from the linker's paired traces (``link_steps.EVIDENCE_STEPS``)."""
    keep = per.merge(significant[["a", "b"]], on=["a", "b"])[["behaviour", "a", "b"]]
    store_table(con, "sig_links", keep)
    run_steps(duckdb_runner(con), EVIDENCE_STEPS)
    # renamed, not copied: at 10M posts it holds 54M rows, and a copy of as many rows
    # took 11.2 s (RESULTS.md)
    con.execute("DROP TABLE IF EXISTS evidence_all")
    con.execute("ALTER TABLE sig_episodes RENAME TO evidence_all")
    for name, _ in EVIDENCE_STEPS[:-1]:
        con.execute(f"DROP TABLE {name}")


def evidence_rows(con: duckdb.DuckDBPyConnection, per_link: int) -> pd.DataFrame:
    """Up to ``per_link`` evidence rows per significant (pair, behaviour), earliest first,
    with account ids and the two posts' texts side by side."""
    return (
        con.sql(
            "SELECT e.behaviour, ia.account_id AS account_a, ib.account_id AS account_b, e.key, "
            "  e.post_a, to_timestamp(e.ts_a)::TIMESTAMP AS time_a, pa.text AS text_a, "
            "  e.post_b, to_timestamp(e.ts_b)::TIMESTAMP AS time_b, pb.text AS text_b, "
            "  abs(e.ts_a - e.ts_b) AS gap_seconds "
            "FROM (SELECT *, row_number() OVER (PARTITION BY behaviour, a, b "
            "      ORDER BY least(ts_a, ts_b), key, ts_a, ts_b, post_a, post_b) AS rk "
            "  FROM evidence_all) e "
            "JOIN account_index ia ON ia.aid = e.a JOIN account_index ib ON ib.aid = e.b "
            "LEFT JOIN posts pa ON pa.post_id = e.post_a "
            "LEFT JOIN posts pb ON pb.post_id = e.post_b "
            "WHERE e.rk <= $n ORDER BY e.behaviour, account_a, account_b, e.rk",
            params={"n": per_link},
        )
        .to_arrow_table()
        .to_pandas()
    )  # through Arrow: the same frame, half the time of .df()


def account_behaviour_summary(
    con: duckdb.DuckDBPyConnection, timed: Sequence[str] = ()
) -> pd.DataFrame:
    """Per (aid, behaviour): distinct keys shared with significant partners, the number of
    such partners, and (``delay_min``, ``delay_max``, seconds) for the behaviour
    families in ``timed``, whose keys are post ids, how long after the original post the
    account acted on the keys it shared, where the original is in the data (NULL
    otherwise)."""
    # Each account's keys once, with its first and last time on each, from one pass over
    # the episodes (both sides); the partners from the distinct links. At 2M posts over 224
    # days (130M episodes) the two count(DISTINCT) over both sides and a second pass for
    # the delays took 62 s (RESULTS.md).
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _account_keys AS "
        "SELECT behaviour, aid, key, min(ts) AS first_ts, max(ts) AS last_ts "
        "FROM (SELECT behaviour, a AS aid, key, ts_a AS ts FROM evidence_all "
        "      UNION ALL SELECT behaviour, b AS aid, key, ts_b AS ts FROM evidence_all) s "
        "GROUP BY behaviour, aid, key"
    )
    try:
        counts = con.execute(
            "SELECT k.aid, k.behaviour, k.keys, p.partners "
            "FROM (SELECT aid, behaviour, count(key) AS keys FROM _account_keys "
            "      GROUP BY aid, behaviour) k "
            "JOIN (SELECT aid, behaviour, count(*) AS partners FROM ("
            "        SELECT DISTINCT behaviour, a AS aid, b AS partner FROM evidence_all "
            "        UNION ALL SELECT DISTINCT behaviour, b AS aid, a AS partner "
            "        FROM evidence_all) l GROUP BY aid, behaviour) p "
            "  ON p.aid = k.aid AND p.behaviour = k.behaviour"
        ).df()
        if not timed:
            return counts.assign(delay_min=pd.NA, delay_max=pd.NA)
        delays = con.execute(
            "SELECT k.aid, k.behaviour, min(k.first_ts - o.ts) AS delay_min, "
            "  max(k.last_ts - o.ts) AS delay_max "
            "FROM _account_keys k "
            "JOIN (SELECT post_id, CAST(epoch(created_at) AS BIGINT) AS ts FROM posts) o "
            "  ON o.post_id = k.key "
            "WHERE split_part(k.behaviour, '@', 1) IN (SELECT unnest($timed)) "
            "GROUP BY k.aid, k.behaviour",
            {"timed": list(timed)},
        ).df()
    finally:
        con.execute("DROP TABLE IF EXISTS _account_keys")
    return counts.merge(delays, on=["aid", "behaviour"], how="left")


def _store_members(con: duckdb.DuckDBPyConnection, members: pd.DataFrame) -> None:
    """``members`` (aid, campaign) as the table the campaign queries below join on; each
    query stores it itself, so none reads a table another step left behind."""
    store_table(con, "members", members[["aid", "campaign"]])


def campaign_keys(con: duckdb.DuckDBPyConnection, members: pd.DataFrame, top: int) -> pd.DataFrame:
    """Per campaign and behaviour, the ``top`` keys shared by the most members, each with a
    readable label (the post text for text-like keys), its member count and the first and
    last time members shared it with each other."""
    _store_members(con, members)
    # One pass over the episodes inside campaigns, both sides unnested from it, then each
    # member's use of a key once before the members are counted (a two-level count in
    # place of count(DISTINCT)): at 2M posts over 224 days (130M episodes) the two joined
    # passes and count(DISTINCT) took 94 s (RESULTS.md).
    return con.execute(
        "WITH inside AS ("
        "  SELECT m.campaign, e.behaviour, e.key, unnest([struct_pack(aid := e.a, "
        "    post := e.post_a, ts := e.ts_a), struct_pack(aid := e.b, post := e.post_b, "
        "    ts := e.ts_b)]) AS side "
        "  FROM evidence_all e JOIN members m ON m.aid = e.a JOIN members n ON n.aid = e.b "
        "  WHERE m.campaign = n.campaign"
        "), per_member AS ("
        "  SELECT campaign, behaviour, key, side.aid AS aid, min(side.post) AS post, "
        "    min(side.ts) AS first_ts, max(side.ts) AS last_ts "
        "  FROM inside GROUP BY campaign, behaviour, key, side.aid"
        "), ranked AS ("
        "  SELECT campaign, behaviour, key, count(*) AS members, min(post) AS post, "
        "    min(first_ts) AS first_ts, max(last_ts) AS last_ts, "
        "    row_number() OVER (PARTITION BY campaign, behaviour "
        "      ORDER BY count(*) DESC, key) AS rk "
        "  FROM per_member GROUP BY campaign, behaviour, key"
        ") SELECT r.campaign, r.behaviour, r.key, "
        "  CASE WHEN r.behaviour IN ('copypaste', 'corepost', 'coreply') "
        "    THEN coalesce(p.text, r.key) ELSE r.key END AS label, r.members, "
        "  to_timestamp(r.first_ts)::TIMESTAMP AS first_seen, "
        "  to_timestamp(r.last_ts)::TIMESTAMP AS last_seen "
        "FROM ranked r LEFT JOIN posts p ON p.post_id = r.post WHERE r.rk <= $top "
        "ORDER BY r.campaign, r.behaviour, r.members DESC, r.key",
        {"top": top},
    ).df()


def campaign_spans(con: duckdb.DuckDBPyConnection, members: pd.DataFrame) -> pd.DataFrame:
    """Per campaign: first and last time of coordinated activity between its members."""
    _store_members(con, members)
    return con.execute(
        "SELECT m.campaign, to_timestamp(min(least(e.ts_a, e.ts_b)))::TIMESTAMP AS first_seen, "
        "  to_timestamp(max(greatest(e.ts_a, e.ts_b)))::TIMESTAMP AS last_seen "
        "FROM evidence_all e JOIN members m ON m.aid = e.a JOIN members n ON n.aid = e.b "
        "WHERE m.campaign = n.campaign GROUP BY m.campaign"
    ).df()


def campaign_languages(
    con: duckdb.DuckDBPyConnection, members: pd.DataFrame, top: int = 3
) -> pd.DataFrame:
    """Per campaign: its members' ``top`` most used post languages, each with its posts
    and its share of the campaign's posts with a known language."""
    _store_members(con, members)
    return con.execute(
        "SELECT campaign, language, posts, posts / total AS share FROM ("
        "  SELECT m.campaign, p.language, count(*) AS posts, "
        "    sum(count(*)) OVER (PARTITION BY m.campaign) AS total, "
        "    row_number() OVER (PARTITION BY m.campaign ORDER BY count(*) DESC, p.language) AS rk "
        "  FROM posts p JOIN account_index ai ON ai.account_id = p.account_id "
        "  JOIN members m ON m.aid = ai.aid WHERE p.language IS NOT NULL "
        "  GROUP BY m.campaign, p.language"
        ") WHERE rk <= $top ORDER BY campaign, posts DESC, language",
        {"top": top},
    ).df()
