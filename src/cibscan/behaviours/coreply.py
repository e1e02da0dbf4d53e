"""Co-reply: accounts replying to the same post close together (pile-ons under one post)."""

from __future__ import annotations

from .base import Behaviour


def traces_sql() -> str:
    return (
        "SELECT account_id, parent_post_id AS key, CAST(epoch(created_at) AS BIGINT) AS ts, "
        "post_id FROM posts WHERE kind = 'reply' AND parent_post_id IS NOT NULL"
    )


BEHAVIOUR = Behaviour(
    name="coreply", window=600, traces_sql=traces_sql, verb="replied to", noun="posts"
)
