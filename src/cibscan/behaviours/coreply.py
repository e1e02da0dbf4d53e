"""Co-reply: accounts replying to the same post close together (pile-ons under one post)."""

from __future__ import annotations

from .base import Behaviour, parent_post_traces_sql


def traces_sql() -> str:
    return parent_post_traces_sql("reply")


BEHAVIOUR = Behaviour(
    name="coreply",
    window=600,
    traces_sql=traces_sql,
    verb="replied to",
    noun="posts",
    keys_are_posts=True,
)
