"""Meta Content Library exports of Facebook posts (the Content Library API's search
results, saved as CSV, Parquet or JSON Lines).

Fields, as Meta's data dictionary names them: ``id`` (the post's Content Library id),
``creation_time``, ``text``, ``lang``, ``post_owner`` (the Page, group or event that
posted: ``id``, ``name``, ``type``), ``shared_post_id`` (the reshared post) and
``link_attachment_fields.link`` (the attached link; its ``name``, ``caption`` and
``description`` are the card's texts). A flat export writes the nested fields as dotted
columns; the dictionary's expanded form ``post_owner.data.id`` and the short
``post_owner.id`` are both read, and so are JSON Lines where they are nested objects.

- The account is the post owner's id; its name is the account's display name and its
  type (page, group, event) is kept as the post's client, so that it shows in evidence.
- A post with a ``shared_post_id`` is a reshare (a repost of that post), the way a
  CrowdTangle export could not say.
- The attached link and the links in the text are its links; hashtags and mentions come
  from the text (the dictionary says tags are excluded from it, so mentions are rare).
- Instagram results carry other owner fields and are not read by this layout: map them
  with ``--map``.
"""

from __future__ import annotations

import re

from ..engine import quote_ident
from ._canonical import ReaderPlan
from ._sql import (
    hashtags_from_text_sql,
    mentions_from_text_sql,
    nonempty_sql,
    urls_from_text_sql,
)

NAME = "meta-content-library"
#: The owner's fields, each under the names a flat export may give it, first found wins.
OWNER = ("post_owner.data", "post_owner")
LINK = ("link_attachment_fields", "link_attachment")
#: The columns a refusal names as missing (the owner's id may also come as
#: ``post_owner.data.id`` or inside a nested ``post_owner``: see ``matches``).
SIGNATURE = frozenset({"id", "creation_time", "post_owner.id"})


def _field(cols: dict[str, str], parents: tuple[str, ...], leaf: str) -> str | None:
    """SQL for ``PARENT.LEAF``: a dotted column of that name, or a member of a nested
    (struct) column; None when the file has neither."""
    for parent in parents:
        dotted = f"{parent}.{leaf}"
        if dotted in cols:
            return f"src.{quote_ident(dotted)}"
        head, *rest = parent.split(".")
        typ = cols.get(head, "")
        path = [*rest, leaf]
        if typ.upper().startswith("STRUCT") and all(_member(typ, p) for p in path):
            return "src." + ".".join(quote_ident(p) for p in (head, *path))
    return None


def _member(struct_type: str, name: str) -> bool:
    """Whether a DuckDB struct type names a member ``name`` (keywords come quoted)."""
    return re.search(rf'[(,]\s*"?{re.escape(name)}"?\s', struct_type) is not None


def matches(cols: dict[str, str]) -> bool:
    return {"id", "creation_time"} <= cols.keys() and _field(cols, OWNER, "id") is not None


def plan(cols: dict[str, str]) -> ReaderPlan:
    def c(name: str) -> str | None:
        return f"src.{quote_ident(name)}" if name in cols else None

    owner = _field(cols, OWNER, "id")
    assert owner is not None  # matches() said so
    text = f"CAST({c('text') or 'NULL'} AS VARCHAR)"
    shared_col = c("shared_post_id")
    shared = nonempty_sql(shared_col) if shared_col else "NULL"
    link = _field(cols, LINK, "link")
    text_urls = urls_from_text_sql(text)
    urls = (
        f"CASE WHEN {nonempty_sql(link)} IS NULL THEN {text_urls} "
        f"ELSE list_distinct(list_prepend(CAST({link} AS VARCHAR), {text_urls})) END"
        if link
        else text_urls
    )
    owner_type = _field(cols, OWNER, "type")
    posts = {
        "post_id": f"CAST({c('id')} AS VARCHAR)",
        "account_id": f"CAST({owner} AS VARCHAR)",
        "created_at": f"{c('creation_time')}",
        "kind": f"CASE WHEN {shared} IS NOT NULL THEN 'repost' ELSE 'post' END",
        "text": text,
        "language": c("lang") or "NULL",
        "parent_post_id": shared,
        "urls": urls,
        "hashtags": hashtags_from_text_sql(text),
        "mentions": mentions_from_text_sql(text),
        "client": f"'facebook ' || CAST({owner_type} AS VARCHAR)" if owner_type else "NULL",
    }
    name = _field(cols, OWNER, "name")
    accounts = {"display_name": f"CAST({name} AS VARCHAR)"} if name else {}
    fields = {
        "post_id": "id",
        "account_id": owner.removeprefix("src.").replace('"', ""),
        "created_at": "creation_time",
        "text": "text",
    }
    return ReaderPlan(posts=posts, accounts=accounts, fields=fields)
