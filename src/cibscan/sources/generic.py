"""Any CSV, Parquet or JSON Lines file, with a column mapping where names differ.

Canonical names and their usual spellings are recognised on their own; ``--map
account_id=user,created_at=ts`` (or ``mapping={...}`` in Python) says the rest. Hashtags,
links and mentions are taken from the text when the file has no column for them.
"""

from __future__ import annotations

import re

from ..assignments import parse_assignments
from ..engine import quote_ident
from ..errors import InputError, clip
from ._canonical import ReaderPlan
from ._sql import (
    hashtags_from_text_sql,
    hashtags_sql,
    is_retweet_text_sql,
    kind_sql,
    list_cell_sql,
    mentions_from_text_sql,
    mentions_sql,
    nonempty_sql,
    retweeted_text_sql,
    sql_str,
    urls_from_text_sql,
)

NAME = "generic"

#: canonical field -> spellings recognised without a mapping, first match wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "post_id": ("post_id", "id", "tweet_id", "status_id", "message_id"),
    "account_id": ("account_id", "user_id", "author_id", "user", "author", "from_id"),
    "created_at": ("created_at", "timestamp", "time", "date", "datetime", "published_at"),
    "kind": ("kind", "post_kind", "type", "post_type"),
    "text": ("text", "content", "body", "message", "full_text"),
    "language": ("language", "lang"),
    "parent_post_id": ("parent_post_id", "parent_id", "shared_post_id", "retweeted_id"),
    "parent_account_id": ("parent_account_id", "parent_user_id", "retweeted_user_id"),
    "urls": ("urls", "links", "url"),
    "hashtags": ("hashtags", "tags", "hashtag", "hashtag_id"),
    "mentions": ("mentions", "user_mentions"),
    "client": ("client", "source", "app"),
    "handle": ("handle", "screen_name", "username"),
    "display_name": ("display_name", "name"),
    "bio": ("bio", "description", "profile_description"),
    "account_created_at": ("account_created_at", "account_creation_date", "user_created_at"),
    "followers": ("followers", "followers_count", "follower_count"),
    "following": ("following", "friends_count", "following_count"),
    "location": ("location",),
    # shared objects given as ids, kept in the posts' ``objects`` as "kind:value"
    "image_hash": ("image_hash", "phash", "phash_id", "media_hash"),
    "domain_id": ("domain_id",),
    # an id standing for a link, not the link itself: no domain can be read from it
    "url_id": ("url_id",),
}
#: Fields of ``ALIASES`` that fill ``objects``, with the kind each value is tagged with.
OBJECT_FIELDS = {"image_hash": "image", "domain_id": "domain", "url_id": "url"}

ACCOUNT_FIELDS = {
    "handle": "handle",
    "display_name": "display_name",
    "bio": "bio",
    "account_created_at": "created_at",
    "followers": "followers",
    "following": "following",
    "location": "location",
}


def parse_mapping(text: str | None) -> dict[str, str]:
    """Parse ``field=column,field=column`` into a dict (fields are checked by ``plan``)."""
    return parse_assignments(text, "--map", "field=column (e.g. account_id=user)")


def parse_objects(text: str) -> dict[str, str]:
    """Parse ``kind=column,kind=column`` (``--object image=phash_id``)."""
    return parse_assignments(text, "--object", "kind=column (e.g. image=phash_id)")


_KIND = re.compile(r"[a-z][a-z0-9_-]{0,30}")


def objects_sql(
    objects: dict[str, str], cols: dict[str, str], path: str, existing: str | None = None
) -> str:
    """SQL for the posts' ``objects``: each column's values tagged ``kind:value``, after the
    ``existing`` expression's objects when there is one."""
    parts = [existing] if existing else []
    for kind, column in objects.items():
        if not _KIND.fullmatch(kind):
            raise InputError(
                path,
                f"--object {clip(kind, 40)}={clip(column, 60)}: a kind is a short lower-case "
                "word (image, video, phone...)",
            )
        if column not in cols:
            raise InputError(
                path,
                f"--object {kind}={clip(column, 60)}: no such column",
                hint=f"columns: {', '.join(list(cols)[:20])}",
            )
        values = list_cell_sql(f"src.{quote_ident(column)}", cols[column])
        parts.append(f"list_transform({values}, lambda v: {sql_str(kind + ':')} || v)")
    return f"list_concat({', '.join(parts)})" if len(parts) > 1 else parts[0]


def plan(cols: dict[str, str], mapping: dict[str, str], path: str) -> ReaderPlan:
    """Resolve canonical fields to the file's columns and build the SQL for each."""
    unknown = sorted(set(mapping) - set(ALIASES))
    if unknown:
        raise InputError(
            path,
            f"--map names unknown field(s) {', '.join(unknown)}",
            hint=f"known fields: {', '.join(ALIASES)}",
        )
    lower = {c.lower(): c for c in cols}
    chosen: dict[str, str] = {}
    for fld, spellings in ALIASES.items():
        if fld in mapping:
            if mapping[fld] not in cols:
                raise InputError(
                    path,
                    f"--map {fld}={mapping[fld]}: no such column",
                    hint=f"columns: {', '.join(list(cols)[:20])}",
                )
            chosen[fld] = mapping[fld]
            continue
        for s in spellings:
            if s in lower and lower[s] not in chosen.values():
                chosen[fld] = lower[s]
                break
    for fld in ("post_id", "account_id", "created_at"):
        if fld not in chosen:
            raise InputError(
                path,
                f"missing required column for {fld}",
                hint=f"found columns {', '.join(list(cols)[:20])}; use --map {fld}=COLUMN",
            )

    def col(fld: str) -> str:
        return f"src.{quote_ident(chosen[fld])}"

    text = col("text") if "text" in chosen else "NULL"
    posts: dict[str, str] = {
        "post_id": f"CAST({col('post_id')} AS VARCHAR)",
        "account_id": f"CAST({col('account_id')} AS VARCHAR)",
        "created_at": col("created_at"),
        "text": f"CAST({text} AS VARCHAR)",
    }
    for fld in ("language", "client", "parent_account_id"):
        if fld in chosen:
            posts[fld] = nonempty_sql(col(fld))
    if "parent_post_id" in chosen:
        posts["parent_post_id"] = nonempty_sql(col("parent_post_id"))
    if "kind" in chosen:
        posts["kind"] = kind_sql(col("kind"))
    elif "parent_post_id" in chosen:
        posts["kind"] = f"CASE WHEN {posts['parent_post_id']} IS NULL THEN 'post' ELSE 'repost' END"
    elif "text" in chosen:
        # no kinds and no parents: a text written as a retweet is one, its parent its text
        retweet = is_retweet_text_sql(posts["text"])
        posts["kind"] = f"CASE WHEN {retweet} THEN 'repost' ELSE 'post' END"
        posts["parent_post_id"] = (
            f"CASE WHEN {retweet} THEN {retweeted_text_sql(posts['text'])} END"
        )
    else:
        posts["kind"] = "'post'"

    def listed(fld: str, norm_sql: str) -> str:
        if fld not in chosen:
            return norm_sql
        return list_cell_sql(col(fld), cols[chosen[fld]])

    posts["urls"] = listed("urls", urls_from_text_sql(text))
    posts["hashtags"] = (
        hashtags_sql(listed("hashtags", ""))
        if "hashtags" in chosen
        else hashtags_from_text_sql(text)
    )
    posts["mentions"] = (
        mentions_sql(listed("mentions", ""))
        if "mentions" in chosen
        else mentions_from_text_sql(text)
    )
    found = {kind: chosen[fld] for fld, kind in OBJECT_FIELDS.items() if fld in chosen}
    if found:
        posts["objects"] = objects_sql(found, cols, path)
    accounts = {target: col(fld) for fld, target in ACCOUNT_FIELDS.items() if fld in chosen}
    if "language" in chosen:
        accounts["language"] = col("language")
    fields = {fld: chosen[fld] for fld in chosen}
    return ReaderPlan(posts=posts, accounts=accounts, fields=fields)
