"""Where campaigns send people, and which posts they made look popular.

Both need campaign membership, so they run after clustering (they are not account
traits):

- ``off_platform``: the link domains each campaign drives traffic to, with their share of
  the campaign's links and of everybody else's, so that a site only the campaign links
  to stands out from one everybody links to.
- ``amplified_posts``: inorganic virality. For each post reposted at least
  ``min_reposts`` times, the share of its reposts in the first hour that came from
  members of operations. A post whose early spread is mostly carried by campaigns is
  listed with the campaigns that carried it.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from .behaviours.colink import domain_sql, normalise_url_sql
from .engine import duckdb_runner, quote_ident, store_table
from .link_steps import Runner, run_steps

OFF_PLATFORM_COLUMNS = ("campaign", "domain", "links", "share", "others_share")


def off_platform(
    con: duckdb.DuckDBPyConnection, members: pd.DataFrame, top: int = 3
) -> pd.DataFrame:
    """Per campaign, its ``top`` link domains: ``links`` to it from members' own posts,
    ``share`` of the campaign's links and ``others_share`` of everybody else's."""
    if members.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in OFF_PLATFORM_COLUMNS})
    con.register("_reach_members", members[["account_id", "campaign"]])
    try:
        frame = con.execute(
            f"""
            WITH links AS (
                SELECT p.account_id, {domain_sql(normalise_url_sql("u"))} AS domain
                FROM (SELECT account_id, unnest(urls) AS u FROM posts WHERE kind <> 'repost') p
            ),
            tagged AS (
                SELECT l.domain, m.campaign FROM links l
                LEFT JOIN _reach_members m ON m.account_id = l.account_id
                WHERE l.domain <> ''
            ),
            outside AS (
                SELECT domain, count(*) AS n FROM tagged WHERE campaign IS NULL GROUP BY domain
            ),
            inside AS (
                SELECT campaign, domain, count(*) AS n,
                       sum(count(*)) OVER (PARTITION BY campaign) AS total
                FROM tagged WHERE campaign IS NOT NULL GROUP BY campaign, domain
            )
            SELECT i.campaign, i.domain, i.n AS links, i.n / i.total AS share,
                   coalesce(o.n, 0) / (SELECT greatest(sum(n), 1) FROM outside) AS others_share,
                   row_number() OVER (PARTITION BY i.campaign ORDER BY i.n DESC, i.domain) AS r
            FROM inside i LEFT JOIN outside o ON o.domain = i.domain
            QUALIFY r <= $top
            ORDER BY i.campaign, r
            """,
            {"top": top},
        ).df()
    finally:
        con.unregister("_reach_members")
    return frame[list(OFF_PLATFORM_COLUMNS)]


#: Per repost of a post: the reposted post, who reposted it, and whether it came within
#: ``{early}`` seconds of the post's first repost (in whole seconds, as every engine
#: counts them). Only later steps read it (``REACH_INTERMEDIATE``).
REACH_REPOSTS = """
SELECT post_id, account_id,
       CASE WHEN CAST(epoch(created_at) AS BIGINT) - CAST(epoch(first) AS BIGINT) <= {early}
            THEN 1 ELSE 0 END AS early
FROM (SELECT r.parent_post_id AS post_id, r.account_id, r.created_at,
             min(r.created_at) OVER (PARTITION BY r.parent_post_id) AS first
      FROM posts r WHERE r.kind = 'repost' AND r.parent_post_id IS NOT NULL) x
"""

#: Per post reposted ``{min_reposts}`` times or more: its reposts and its early ones.
REACH_COUNTED = """
SELECT post_id, count(*) AS reposts, CAST(sum(early) AS BIGINT) AS early_reposts
FROM reach_reposts GROUP BY post_id HAVING count(*) >= {min_reposts}
"""

#: Per such post and campaign: the early reposts by the campaign's members
#: (``reach_members``: account_id, campaign).
REACH_BY_CAMPAIGN = """
SELECT r.post_id, m.campaign, count(*) AS n
FROM reach_reposts r JOIN reach_counted c ON c.post_id = r.post_id
JOIN reach_members m ON m.account_id = r.account_id
WHERE r.early = 1
GROUP BY r.post_id, m.campaign
"""

#: The reach steps' tables that only later steps read: on Spark they stay there.
REACH_INTERMEDIATE = ("reach_reposts",)


def amplified_steps(min_reposts: int, early_seconds: int) -> tuple[tuple[str, str], ...]:
    """The relational steps of ``amplified_posts``, in the linker's dialect; settings enter
    as integers."""
    return (
        ("reach_reposts", REACH_REPOSTS.format(early=int(early_seconds))),
        ("reach_counted", REACH_COUNTED.format(min_reposts=int(min_reposts))),
        ("reach_by_campaign", REACH_BY_CAMPAIGN),
    )


def amplified_posts(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    *,
    min_reposts: int = 10,
    min_share: float = 0.5,
    early_seconds: int = 3600,
    runner: Runner | None = None,
) -> pd.DataFrame:
    """Posts whose first-hour reposts came mostly from operations' members.

    The work over every repost runs through ``runner`` (the run's engine; DuckDB on
    ``con`` by default, ``amplified_steps``); only the per-post and per-campaign counts
    and the listed posts' own rows are read on the driver."""
    cols = [
        "post_id",
        "account_id",
        "text",
        "reposts",
        "early_reposts",
        "early_by_campaigns",
        "share",
        "campaigns",
    ]
    if members.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    run = runner or duckdb_runner(con)
    steps = amplified_steps(min_reposts, early_seconds)
    store_table(con, "reach_members", members[["account_id", "campaign"]])
    try:
        run_steps(run, steps)
        counted = con.execute("SELECT post_id, reposts, early_reposts FROM reach_counted").df()
        by = con.execute("SELECT post_id, campaign, n FROM reach_by_campaign").df()
    finally:
        for name in ("reach_members", *(n for n, _ in steps)):
            con.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
    # the campaigns in the order of their numbers, the same on every run
    by = by.sort_values(["post_id", "campaign"], kind="stable")
    carried = (
        by.groupby("post_id", sort=False)
        .agg(
            early_by_campaigns=("n", "sum"),
            campaigns=("campaign", lambda c: ", ".join(str(int(x)) for x in c)),
        )
        .reset_index()
    )
    carried["early_by_campaigns"] = carried["early_by_campaigns"].astype("float64")
    frame = counted.merge(carried, on="post_id")
    frame["share"] = frame["early_by_campaigns"] / frame["early_reposts"]
    frame = frame[frame["share"] >= min_share]
    frame = frame.sort_values(
        ["early_by_campaigns", "post_id"], ascending=[False, True], kind="stable"
    )
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    # the listed posts' author and text, where the post itself is in the data
    originals = con.execute(
        "SELECT post_id, account_id, text FROM posts "
        "WHERE post_id IN (SELECT unnest(CAST($ids AS VARCHAR[])))",
        {"ids": frame["post_id"].astype(str).tolist()},
    ).df()
    frame = frame.merge(originals, on="post_id", how="left")
    return frame[cols].reset_index(drop=True)
