"""CooRTweet's share layout: object_id (what was shared), account_id, content_id,
timestamp_share."""

from __future__ import annotations

from ._canonical import ReaderPlan

NAME = "coortweet"
SIGNATURE = frozenset({"object_id", "account_id", "content_id", "timestamp_share"})


def matches(cols: dict[str, str]) -> bool:
    return SIGNATURE <= cols.keys()


def plan(cols: dict[str, str]) -> ReaderPlan:
    shared = "CAST(src.object_id AS VARCHAR)"
    own = "CAST(src.content_id AS VARCHAR)"
    posts = {
        "post_id": own,
        "account_id": "CAST(src.account_id AS VARCHAR)",
        "created_at": "src.timestamp_share",
        "kind": f"CASE WHEN {shared} IS NULL OR {shared} = {own} THEN 'post' ELSE 'repost' END",
        "parent_post_id": f"CASE WHEN {shared} = {own} THEN NULL ELSE {shared} END",
    }
    fields = {"post_id": "content_id", "created_at": "timestamp_share"}
    return ReaderPlan(posts=posts, accounts={}, fields=fields)
