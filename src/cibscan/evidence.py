"""Evidence: the posts behind the significant links, and what each account shared.

The coincidences of the significant pairs are re-derived from the paired traces (see
``link.py``) and kept in two forms (``link_steps.evidence_steps``): the first episodes of
each account's strongest links and each campaign's (``evidence_links``), with the two
posts that make each, so that a person can check them; and per
account, key and campaign what it shared with its significant partners, for the
accounts' reasons and the campaigns' keys and spans. Every episode is never stored: in
dense crowds the significant links meet in a hundred times more episodes than the
findings show (RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd

from .engine import duckdb_runner, store_table, table_exists
from .link_steps import Runner, evidence_steps, run_steps

#: Tables ``build_evidence`` leaves for the queries below.
EVIDENCE_TABLES = ("sig_links", "evidence_uses", "evidence_firsts")

#: Each campaign's strongest links inside it whose episodes are always kept: those the
#: campaign's view shows (``view.EVIDENCE_PAIRS``).
CAMPAIGN_LINKS = 12


def evidence_links(
    significant: pd.DataFrame,
    members: pd.DataFrame,
    per_account: int,
    per_campaign: int = CAMPAIGN_LINKS,
) -> pd.DataFrame:
    """(a, b) of the significant links (``a``, ``b``, ``log10_q``) whose episodes are kept
    as evidence: each account's ``per_account`` strongest links (smallest q-value, then
    the partner's index), and each campaign's ``per_campaign`` strongest links between
    two of its ``members`` (aid, campaign; smallest q-value, then a, then b). Every link
    when ``per_account`` is 0.

    In dense crowds each account is significantly linked to hundreds of others: on the
    224-day platform at 3.5M posts, 633k links among 7,330 accounts (median 49 per
    account, 750 at most) had 9.4M rows of evidence, 2.5 GB of CSV, where a person
    checking an account reads its strongest links. Every link stays in the links table
    with its counts, span and q-value; only the posts behind each are kept for fewer."""
    pairs = significant[["a", "b"]].astype("int64")
    if per_account <= 0 or pairs.empty:
        return pairs.reset_index(drop=True)
    q = significant["log10_q"].to_numpy(dtype=np.float64)
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    # each link once from each end (row i and row n + i): its rank among that end's links
    end = np.concatenate([a, b])
    order = np.lexsort((np.concatenate([b, a]), np.concatenate([q, q]), end))
    keep = np.zeros(len(pairs), dtype=bool)
    keep[order[_ranks(end[order]) < per_account] % len(pairs)] = True
    campaign = members.drop_duplicates("aid").set_index("aid")["campaign"]
    ca = campaign.reindex(a).to_numpy(dtype=np.float64)
    cb = campaign.reindex(b).to_numpy(dtype=np.float64)
    inside = np.flatnonzero(~np.isnan(ca) & (ca == cb))
    if len(inside) and per_campaign > 0:
        ordered = inside[np.lexsort((b[inside], a[inside], q[inside], ca[inside]))]
        keep[ordered[_ranks(ca[ordered]) < per_campaign]] = True
    return pairs[keep].reset_index(drop=True)


def _ranks(groups: np.ndarray) -> np.ndarray:
    """Each element's position within its run of equal values of ``groups`` (sorted so
    that each group is one run): 0 for the first of each group."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    return np.arange(len(groups)) - np.repeat(starts, np.diff(np.r_[starts, len(groups)]))


def build_evidence(
    con: duckdb.DuckDBPyConnection,
    per: pd.DataFrame,
    significant: pd.DataFrame,
    members: pd.DataFrame,
    per_link: int,
    runner: Runner | None = None,
    links_per_account: int = 0,
) -> int:
    """Create ``evidence_firsts`` (behaviour, a, b, key, episode, ts_a, post_a, ts_b,
    post_b, rk: the first ``per_link`` co-occurrence episodes in every behaviour of the
    significant pairs ``evidence_links`` keeps, each account's ``links_per_account``
    strongest and each campaign's strongest; of every one at 0) and ``evidence_uses``
    (behaviour, aid, key, campaign, first_ts, last_ts, post_id: what each account
    shared with all its significant partners, ``campaign`` set where the partner is in
    its own campaign of ``members``), beside ``sig_links``. Returns the number of links
    whose episodes are kept."""
    columns = ["behaviour", "a", "b", "shared", "first_ts", "last_ts"]
    keep = per.merge(significant[["a", "b"]], on=["a", "b"])[columns]
    store_table(con, "sig_links", keep)
    shown = evidence_links(significant, members, links_per_account)
    store_table(con, "evidence_links", keep.merge(shown, on=["a", "b"])[columns])
    store_table(con, "members", members[["aid", "campaign"]])
    steps = evidence_steps(per_link)
    run_steps(runner or duckdb_runner(con), steps)
    for name, _ in steps:
        if name not in EVIDENCE_TABLES:  # an engine elsewhere may have kept them there
            con.execute(f"DROP TABLE IF EXISTS {name}")
    con.execute("DROP TABLE IF EXISTS evidence_links")
    return len(shown)


def evidence_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The evidence rows of the significant (pair, behaviour)s whose episodes were kept
    (``evidence_links``), earliest first, with account ids and the two posts' texts and
    languages side by side; for a paraphrase, the cosine similarity of the two texts'
    embeddings (``similarity``, NULL for every other behaviour)."""
    similarity, claims = "CAST(NULL AS DOUBLE)", ""
    if table_exists(con, "_claim_keys") and table_exists(con, "_text_keys"):
        # each text's copy-paste cluster, and the embedding of the cluster's text
        similarity = (
            "CASE WHEN split_part(e.behaviour, '@', 1) = 'paraphrase' "
            "THEN CAST(list_cosine_similarity(ca.vector, cb.vector) AS DOUBLE) END"
        )
        claims = (
            "LEFT JOIN _text_keys ta ON ta.text = pa.text "
            "LEFT JOIN _claim_keys ca ON ca.dup = ta.key "
            "LEFT JOIN _text_keys tb ON tb.text = pb.text "
            "LEFT JOIN _claim_keys cb ON cb.dup = tb.key "
        )
    return (
        con.sql(
            "SELECT e.behaviour, ia.account_id AS account_a, ib.account_id AS account_b, e.key, "
            "  e.post_a, to_timestamp(e.ts_a)::TIMESTAMP AS time_a, pa.text AS text_a, "
            "  pa.language AS language_a, "
            "  e.post_b, to_timestamp(e.ts_b)::TIMESTAMP AS time_b, pb.text AS text_b, "
            "  pb.language AS language_b, "
            f"  abs(e.ts_a - e.ts_b) AS gap_seconds, {similarity} AS similarity "
            "FROM evidence_firsts e "
            "JOIN account_index ia ON ia.aid = e.a JOIN account_index ib ON ib.aid = e.b "
            "LEFT JOIN posts pa ON pa.post_id = e.post_a "
            "LEFT JOIN posts pb ON pb.post_id = e.post_b "
            f"{claims}"
            "ORDER BY e.behaviour, account_a, account_b, e.rk"
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
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _account_keys AS "
        "SELECT behaviour, aid, key, min(first_ts) AS first_ts, max(last_ts) AS last_ts "
        "FROM evidence_uses GROUP BY behaviour, aid, key"
    )
    try:
        counts = con.execute(
            "SELECT k.aid, k.behaviour, k.keys, p.partners "
            "FROM (SELECT aid, behaviour, count(key) AS keys FROM _account_keys "
            "      GROUP BY aid, behaviour) k "
            "JOIN (SELECT aid, behaviour, count(*) AS partners FROM ("
            "        SELECT behaviour, a AS aid FROM sig_links "
            "        UNION ALL SELECT behaviour, b AS aid FROM sig_links) l "
            "      GROUP BY aid, behaviour) p "
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


def campaign_keys(con: duckdb.DuckDBPyConnection, top: int) -> pd.DataFrame:
    """Per campaign and behaviour, the ``top`` keys shared by the most members, each with a
    readable label (the post text for text-like keys), its member count and the first and
    last time members shared it with each other."""
    return con.execute(
        "WITH per_member AS ("
        "  SELECT campaign, behaviour, key, aid, min(post_id) AS post, "
        "    min(first_ts) AS first_ts, max(last_ts) AS last_ts "
        "  FROM evidence_uses WHERE campaign IS NOT NULL "
        "  GROUP BY campaign, behaviour, key, aid"
        "), ranked AS ("
        "  SELECT campaign, behaviour, key, count(*) AS members, min(post) AS post, "
        "    min(first_ts) AS first_ts, max(last_ts) AS last_ts, "
        "    row_number() OVER (PARTITION BY campaign, behaviour "
        "      ORDER BY count(*) DESC, key) AS rk "
        "  FROM per_member GROUP BY campaign, behaviour, key"
        ") SELECT r.campaign, r.behaviour, r.key, "
        "  CASE WHEN split_part(r.behaviour, '@', 1) IN ('copypaste', 'corepost', 'coreply') "
        "    THEN coalesce(p.text, r.key) "
        # a claim's key is its most central text (behaviours.paraphrase)
        "    WHEN split_part(r.behaviour, '@', 1) = 'paraphrase' THEN substr(r.key, 3) "
        "    ELSE r.key END AS label, r.members, "
        "  to_timestamp(r.first_ts)::TIMESTAMP AS first_seen, "
        "  to_timestamp(r.last_ts)::TIMESTAMP AS last_seen "
        "FROM ranked r LEFT JOIN posts p ON p.post_id = r.post WHERE r.rk <= $top "
        "ORDER BY r.campaign, r.behaviour, r.members DESC, r.key",
        {"top": top},
    ).df()


def campaign_spans(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per campaign: first and last time of coordinated activity between its members."""
    return con.execute(
        "SELECT campaign, to_timestamp(min(first_ts))::TIMESTAMP AS first_seen, "
        "  to_timestamp(max(last_ts))::TIMESTAMP AS last_seen "
        "FROM evidence_uses WHERE campaign IS NOT NULL GROUP BY campaign"
    ).df()


def campaign_languages(
    con: duckdb.DuckDBPyConnection, members: pd.DataFrame, top: int = 3
) -> pd.DataFrame:
    """Per campaign: its members' ``top`` most used post languages, each with its posts
    and its share of the campaign's posts with a known language."""
    store_table(con, "members", members[["aid", "campaign"]])
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
