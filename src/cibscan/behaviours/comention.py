"""Co-mention: accounts replying to or mentioning the same account close together
(harassment brigades flooding one person). Reposts are left out: a repost copies the
original's mentions, which co-repost already counts."""

from __future__ import annotations

from .base import TS_SQL, Behaviour


def traces_sql() -> str:
    return (
        "SELECT DISTINCT account_id, lower(target) AS key, ts, post_id FROM ("
        "  SELECT account_id, unnest(list_append(mentions, "
        "    CASE WHEN kind = 'reply' THEN parent_account_id END)) AS target, "
        f"    {TS_SQL} AS ts, post_id "
        "  FROM posts WHERE kind <> 'repost'"
        ") WHERE target IS NOT NULL AND target <> '' AND lower(target) <> lower(account_id)"
    )


BEHAVIOUR = Behaviour(
    name="comention",
    window=600,
    traces_sql=traces_sql,
    verb="replied to or mentioned",
    noun="accounts",
)
