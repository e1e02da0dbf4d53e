"""Co-repost: accounts reposting the same post close together (amplification rings)."""

from __future__ import annotations

from .base import Behaviour


def traces_sql() -> str:
    return (
        "SELECT account_id, parent_post_id AS key, CAST(epoch(created_at) AS BIGINT) AS ts, "
        "post_id FROM posts WHERE kind = 'repost' AND parent_post_id IS NOT NULL"
    )


BEHAVIOUR = Behaviour(
    name="corepost", window=60, traces_sql=traces_sql, verb="reposted", noun="posts"
)
