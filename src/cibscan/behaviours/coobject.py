"""Co-object: accounts sharing the same object close together, for any object an export
identifies by an id rather than by text: a perceptual image hash, a video or music id, a
phone number, a wallet address, a channel invite.

Readers keep such objects in the posts' ``objects`` list as ``kind:value`` (``image:9280``,
``domain:3498``; ``--object KIND=COLUMN`` adds any column). Each kind is a behaviour of its
own (``coobject:image``, ``coobject:domain``), with its own chance model, so that a post's
image and the domain of its link are not counted as two coincidences. The window and the
chance model are those of every behaviour: an image everybody posts is a heavily
discounted key.
"""

from __future__ import annotations

from .base import TS_SQL, Behaviour


def traces_sql() -> str:
    return (
        f"SELECT account_id, unnest(list_distinct(objects)) AS key, {TS_SQL} AS ts, post_id "
        "FROM posts WHERE kind <> 'repost' AND len(objects) > 0"
    )


BEHAVIOUR = Behaviour(
    name="coobject",
    window=3600,
    traces_sql=traces_sql,
    verb="shared",
    noun="objects",
    per_kind=True,
)
