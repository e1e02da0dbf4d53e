"""Co-repost: accounts reposting the same post close together (amplification rings)."""

from __future__ import annotations

from .base import Behaviour, parent_post_traces_sql


def traces_sql() -> str:
    return parent_post_traces_sql("repost")


BEHAVIOUR = Behaviour(
    name="corepost",
    window=60,
    traces_sql=traces_sql,
    verb="reposted",
    noun="posts",
    keys_are_posts=True,
)
