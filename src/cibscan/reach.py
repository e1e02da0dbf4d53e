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


def amplified_posts(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    *,
    min_reposts: int = 10,
    min_share: float = 0.5,
    early_seconds: int = 3600,
) -> pd.DataFrame:
    """Posts whose first-hour reposts came mostly from operations' members."""
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
    con.register("_reach_members", members[["account_id", "campaign"]])
    try:
        frame = con.execute(
            """
            WITH reposts AS (
                SELECT r.parent_post_id AS post_id, r.account_id, r.created_at,
                       min(r.created_at) OVER (PARTITION BY r.parent_post_id) AS first
                FROM posts r WHERE r.kind = 'repost' AND r.parent_post_id IS NOT NULL
            ),
            counted AS (
                SELECT post_id, count(*) AS reposts,
                       count(*) FILTER (WHERE epoch(created_at) - epoch(first) <= $early)
                           AS early_reposts
                FROM reposts GROUP BY post_id HAVING count(*) >= $min
            ),
            by_campaign AS (
                -- the campaigns in the order of their numbers, the same on every run
                SELECT post_id, sum(n) AS n,
                       string_agg(CAST(campaign AS VARCHAR), ', ' ORDER BY campaign) AS campaigns
                FROM (SELECT r.post_id, m.campaign, count(*) AS n
                      FROM reposts r JOIN _reach_members m ON m.account_id = r.account_id
                      WHERE epoch(r.created_at) - epoch(r.first) <= $early
                      GROUP BY r.post_id, m.campaign) g
                GROUP BY post_id
            )
            SELECT c.post_id, o.account_id, o.text, c.reposts, c.early_reposts,
                   b.n AS early_by_campaigns, b.n / c.early_reposts AS share, b.campaigns
            FROM counted c JOIN by_campaign b ON b.post_id = c.post_id
            LEFT JOIN posts o ON o.post_id = c.post_id
            WHERE b.n / c.early_reposts >= $share
            ORDER BY b.n DESC, c.post_id
            """,
            {"early": early_seconds, "min": min_reposts, "share": min_share},
        ).df()
    finally:
        con.unregister("_reach_members")
    return frame[cols]
