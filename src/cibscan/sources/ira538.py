"""The FiveThirtyEight / Clemson IRA tweets layout (author, content, publish_date, post_type).

It has no tweet ids and no retweeted-tweet ids: a post id is derived from author, time and
text, and for a retweet (whose ``content`` is the retweeted text) the reposted post is
identified by a hash of that text, so accounts retweeting the same tweet share a parent.
Hashtags, links and mentions are taken from the text.
"""

from __future__ import annotations

from ._canonical import ReaderPlan
from ._sql import (
    hashtags_from_text_sql,
    mentions_from_text_sql,
    retweeted_text_sql,
    urls_from_text_sql,
)

NAME = "ira-538"
SIGNATURE = frozenset({"author_id", "content", "publish_date", "post_type"})


def matches(cols: dict[str, str]) -> bool:
    return SIGNATURE <= cols.keys()


def plan(cols: dict[str, str]) -> ReaderPlan:
    text = "src.content"
    is_repost = "(src.post_type = 'R')"
    account = "CAST(src.author_id AS VARCHAR)"
    key = f"{account} || '|' || CAST(src.publish_date AS VARCHAR) || '|' || coalesce({text}, '')"
    posts = {
        "post_id": f"'ira:' || md5({key})",
        "account_id": account,
        "created_at": "src.publish_date",
        "kind": f"CASE WHEN {is_repost} THEN 'repost' WHEN src.post_type = 'Q' THEN 'quote' "
        f"ELSE 'post' END",
        "text": text,
        "language": "src.language" if "language" in cols else "NULL",
        "parent_post_id": f"CASE WHEN {is_repost} THEN {retweeted_text_sql(text)} END",
        "parent_account_id": "NULL",
        "urls": urls_from_text_sql(text),
        "hashtags": hashtags_from_text_sql(text),
        "mentions": mentions_from_text_sql(text),
        "client": "NULL",
    }
    accounts = {"handle": "src.author_id"}
    if "followers" in cols:
        accounts["followers"] = "src.followers"
    if "following" in cols:
        accounts["following"] = "src.following"
    if "language" in cols:
        accounts["language"] = "src.language"
    if "region" in cols:
        accounts["location"] = "src.region"
    fields = {"post_id": "author_id", "account_id": "author_id", "created_at": "publish_date"}
    return ReaderPlan(posts=posts, accounts=accounts, fields=fields)
