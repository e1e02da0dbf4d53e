"""Twitter/X information-operations archive CSVs (the public takedown-release layout)."""

from __future__ import annotations

from ..engine import quote_ident
from ._canonical import ReaderPlan
from ._sql import (
    hashtags_from_text_sql,
    hashtags_sql,
    list_cell_sql,
    mentions_from_text_sql,
    mentions_sql,
    nonempty_sql,
    truthy_sql,
    urls_from_text_sql,
)

NAME = "twitter-io"
SIGNATURE = frozenset({"tweetid", "userid", "tweet_time"})
#: cch-style samples carry user_screen_name but not userid.
ALT_SIGNATURE = frozenset({"tweetid", "user_screen_name", "tweet_time"})


def matches(cols: dict[str, str]) -> bool:
    return SIGNATURE <= cols.keys() or ALT_SIGNATURE <= cols.keys()


def plan(cols: dict[str, str]) -> ReaderPlan:
    """Map the archive's columns onto posts and accounts; absent optional columns stay empty."""

    def c(name: str) -> str | None:
        return f"src.{quote_ident(name)}" if name in cols else None

    account = c("userid") or c("user_screen_name")
    assert account is not None
    text = c("tweet_text") or "NULL"

    def id_or_null(name: str) -> str:
        col = c(name)
        return nonempty_sql(col) if col else "NULL"

    retweet_id = id_or_null("retweet_tweetid")
    reply_id = id_or_null("in_reply_to_tweetid")
    quote_id = id_or_null("quoted_tweet_tweetid")
    retweet_flag = c("is_retweet")
    if retweet_flag:
        is_rt = truthy_sql(retweet_flag)
    elif c("tweet_text"):
        is_rt = f"starts_with({text}, 'RT @')"
    else:
        is_rt = "FALSE"
    kind = (
        f"CASE WHEN {is_rt} OR {retweet_id} IS NOT NULL THEN 'repost' "
        f"WHEN {quote_id} IS NOT NULL THEN 'quote' "
        f"WHEN {reply_id} IS NOT NULL THEN 'reply' ELSE 'post' END"
    )
    parent_account = "NULL"
    if c("retweet_userid") or c("in_reply_to_userid"):
        parts = [nonempty_sql(x) for x in (c("retweet_userid"), c("in_reply_to_userid")) if x]
        parent_account = f"coalesce({', '.join(parts)})"

    def listed(name: str, norm: object, from_text: str) -> str:
        col = c(name)
        if col is None:
            return from_text
        return norm(list_cell_sql(col, cols[name]))  # type: ignore[operator]

    posts = {
        "post_id": f"CAST({c('tweetid')} AS VARCHAR)",
        "account_id": f"CAST({account} AS VARCHAR)",
        "created_at": str(c("tweet_time")),
        "kind": kind,
        "text": text,
        "language": c("tweet_language") or "NULL",
        "parent_post_id": f"coalesce({retweet_id}, {quote_id}, {reply_id})",
        "parent_account_id": parent_account,
        "urls": listed("urls", lambda x: x, urls_from_text_sql(text)),
        "hashtags": listed("hashtags", hashtags_sql, hashtags_from_text_sql(text)),
        "mentions": listed("user_mentions", mentions_sql, mentions_from_text_sql(text)),
        "client": c("tweet_client_name") or "NULL",
    }
    accounts = {
        k: v
        for k, v in {
            "handle": c("user_screen_name"),
            "display_name": c("user_display_name"),
            "bio": c("user_profile_description"),
            "created_at": c("account_creation_date"),
            "followers": c("follower_count"),
            "following": c("following_count"),
            "language": c("account_language"),
            "location": c("user_reported_location"),
        }.items()
        if v is not None
    }
    fields = {
        "post_id": "tweetid",
        "account_id": "userid" if "userid" in cols else "user_screen_name",
        "created_at": "tweet_time",
        "text": "tweet_text",
        "kind": "is_retweet",
    }
    return ReaderPlan(posts=posts, accounts=accounts, fields=fields)
