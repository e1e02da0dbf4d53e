"""Co-hashtag: accounts posting the same set of hashtags close together (hashtag pushes).

The key is the post's whole hashtag set, sorted, so ``#a #b`` and ``#b #a`` agree and a lone
popular hashtag is one (heavily discounted) key rather than a link between everyone."""

from __future__ import annotations

from .base import TS_SQL, Behaviour


def traces_sql() -> str:
    return (
        "SELECT account_id, array_to_string(list_sort(list_distinct(hashtags)), ' ') AS key, "
        f"{TS_SQL} AS ts, post_id "
        "FROM posts WHERE kind <> 'repost' AND len(hashtags) > 0"
    )


BEHAVIOUR = Behaviour(
    name="cohashtag", window=600, traces_sql=traces_sql, verb="posted", noun="hashtag sets"
)
