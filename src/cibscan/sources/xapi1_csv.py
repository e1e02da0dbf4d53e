"""X (Twitter) API v1.1 tweets flattened into a table (CSV or Parquet): the layout of
tweepy's and twarc 1's CSVs, of ``pandas.json_normalize`` over v1.1 JSON (dotted
columns) and of research sets built on it (the cresci bot collections' ``tweets.csv``).

- ``id_str`` (else ``id``), ``user_id_str`` / ``user_id`` / ``user.id_str`` / ``user.id``
  and ``created_at`` (``Wed Oct 10 20:19:24 +0000 2018``, or ISO 8601) make the post;
  ``full_text`` (else ``text``) its text, ``lang`` its language and ``source`` its client,
  the link around the client's name taken off;
- ``retweeted_status_id`` (``_str``, or ``retweeted_status.id_str``) makes a repost of
  that tweet, ``quoted_status_id`` a quote and ``in_reply_to_status_id`` a reply, with
  ``retweeted_status.user.id_str`` / ``quoted_status.user.id_str`` /
  ``in_reply_to_user_id`` its parent account where present. Empty, ``0`` and ``nan``
  mean none (the cresci files write 0). A text starting ``RT @`` is a repost even
  where the file has no retweet id, its parent then a hash of its text (as for the
  exports that give no ids at all), so that retweets of one post share a parent;
- links, hashtags and mentions are taken from the text (the flattened entities are
  lists inside cells that each tool writes its own way);
- the profile, where it is inline: ``user.screen_name`` / ``user_screen_name`` /
  ``screen_name``, ``user.name``, ``user.description``, ``user.created_at``,
  ``user.location``, ``user.followers_count`` / ``followers_count`` and
  ``user.friends_count`` / ``friends_count``.
"""

from __future__ import annotations

from ..engine import quote_ident
from ._canonical import ReaderPlan
from ._sql import (
    client_name_sql,
    hashtags_from_text_sql,
    is_retweet_text_sql,
    mentions_from_text_sql,
    nonempty_sql,
    retweeted_text_sql,
    urls_from_text_sql,
)

NAME = "x-api-v1-csv"
#: The columns named when a file given as this layout lacks them (each has alternatives).
SIGNATURE = frozenset({"id", "user_id", "created_at", "text", "in_reply_to_status_id"})

_POST_ID = ("id_str", "id")
_ACCOUNT = ("user_id_str", "user_id", "user.id_str", "user.id")
_TEXT = ("full_text", "text")
_RETWEET = (
    "retweeted_status_id_str",
    "retweeted_status_id",
    "retweeted_status.id_str",
    "retweeted_status.id",
)
_RETWEET_USER = (
    "retweeted_status_user_id_str",
    "retweeted_status_user_id",
    "retweeted_status.user.id_str",
    "retweeted_status.user.id",
)
_QUOTE = ("quoted_status_id_str", "quoted_status_id")
_QUOTE_USER = ("quoted_status.user.id_str", "quoted_status.user.id")
_REPLY = ("in_reply_to_status_id_str", "in_reply_to_status_id")
_REPLY_USER = ("in_reply_to_user_id_str", "in_reply_to_user_id")
_PROFILE = {
    "handle": ("user.screen_name", "user_screen_name", "screen_name"),
    "display_name": ("user.name", "user_name"),
    "bio": ("user.description", "user_description"),
    "created_at": ("user.created_at", "user_created_at"),
    "location": ("user.location", "user_location"),
    "followers": ("user.followers_count", "user_followers_count", "followers_count"),
    "following": ("user.friends_count", "user_friends_count", "friends_count"),
}


def _first(cols: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in cols), None)


def _whole(col: str) -> str:
    """An id as text, ``102.0`` read as ``102``: a table written through pandas turns an
    integer column with gaps into floats (``json_normalize`` over tweets that are not all
    replies)."""
    return f"regexp_replace(trim(CAST({col} AS VARCHAR)), '^([0-9]+)\\.0$', '\\1')"


def matches(cols: dict[str, str]) -> bool:
    """A post id, an author, a time and a text, and v1.1's reply or retweet ids."""
    needed = (_POST_ID, _ACCOUNT, ("created_at",), _TEXT)
    return all(_first(cols, n) for n in needed) and bool(_first(cols, _RETWEET + _REPLY))


def plan(cols: dict[str, str]) -> ReaderPlan:
    def c(names: tuple[str, ...]) -> str | None:
        name = _first(cols, names)
        return f"src.{quote_ident(name)}" if name else None

    def present(names: tuple[str, ...]) -> list[str]:
        return [f"src.{quote_ident(n)}" for n in names if n in cols]

    def ref(names: tuple[str, ...]) -> str:
        """The first of the columns present that holds an id, or NULL (0 is none)."""
        found = [nonempty_sql(_whole(col)) for col in present(names)]
        return f"coalesce({', '.join(found)})" if found else "NULL"

    def key(names: tuple[str, ...]) -> str:
        """The first of the columns present that is not empty, as text."""
        found = [f"nullif({_whole(col)}, '')" for col in present(names)]
        return f"coalesce({', '.join(found)})"

    text = f"CAST({c(_TEXT)} AS VARCHAR)"
    retweeted, quoted, replied = ref(_RETWEET), ref(_QUOTE), ref(_REPLY)
    # a retweet the file gives no id for is keyed by its text, as the text-only readers do
    retweeted = (
        f"coalesce({retweeted}, CASE WHEN {is_retweet_text_sql(text)} "
        f"THEN {retweeted_text_sql(text)} END)"
    )
    kind = (
        f"CASE WHEN {retweeted} IS NOT NULL THEN 'repost' "
        f"WHEN {quoted} IS NOT NULL THEN 'quote' "
        f"WHEN {replied} IS NOT NULL THEN 'reply' ELSE 'post' END"
    )
    client = c(("source",))
    posts = {
        "post_id": key(_POST_ID),
        "account_id": key(_ACCOUNT),
        "created_at": f"src.{quote_ident('created_at')}",
        "kind": kind,
        "text": text,
        "language": nonempty_sql(str(c(("lang",)))) if c(("lang",)) else "NULL",
        "parent_post_id": f"coalesce({retweeted}, {quoted}, {replied})",
        "parent_account_id": f"CASE WHEN {retweeted} IS NOT NULL THEN {ref(_RETWEET_USER)} "
        f"WHEN {quoted} IS NOT NULL THEN {ref(_QUOTE_USER)} "
        f"WHEN {replied} IS NOT NULL THEN {ref(_REPLY_USER)} END",
        "urls": urls_from_text_sql(text),
        "hashtags": hashtags_from_text_sql(text),
        "mentions": mentions_from_text_sql(text),
        # the client's name without the link v1.1 wraps around it
        "client": client_name_sql(client) if client else "NULL",
    }
    accounts = {k: col for k, names in _PROFILE.items() if (col := c(names)) is not None}
    fields = {
        "post_id": str(_first(cols, _POST_ID)),
        "account_id": str(_first(cols, _ACCOUNT)),
        "created_at": "created_at",
        "text": str(_first(cols, _TEXT)),
    }
    return ReaderPlan(posts=posts, accounts=accounts, fields=fields)
