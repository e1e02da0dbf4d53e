"""The canonical posts and accounts tables every reader produces and every later step reads.

Times are UTC ``TIMESTAMP`` everywhere inside cibscan; time zones appear only in traits
and outputs. Lists (urls, hashtags, mentions) are ``VARCHAR[]`` and never null.
"""

from __future__ import annotations

from typing import Final

POST_KINDS: Final = ("post", "repost", "reply", "quote")

#: column name -> DuckDB type, in canonical order.
POST_COLUMNS: Final[dict[str, str]] = {
    "post_id": "VARCHAR",
    "account_id": "VARCHAR",
    "created_at": "TIMESTAMP",
    "kind": "VARCHAR",
    "text": "VARCHAR",
    "language": "VARCHAR",
    "parent_post_id": "VARCHAR",
    "parent_account_id": "VARCHAR",
    "urls": "VARCHAR[]",
    "hashtags": "VARCHAR[]",
    "mentions": "VARCHAR[]",
    "client": "VARCHAR",
    # other objects the post shares, each as "kind:value" (an image hash as
    # "image:9280", a domain id as "domain:3498"), for exports that give ids, not texts
    "objects": "VARCHAR[]",
}

#: Columns a post must have a value in; a row without one is an input error.
POST_REQUIRED: Final = ("post_id", "account_id", "created_at")

ACCOUNT_COLUMNS: Final[dict[str, str]] = {
    "account_id": "VARCHAR",
    "handle": "VARCHAR",
    "display_name": "VARCHAR",
    "bio": "VARCHAR",
    "created_at": "TIMESTAMP",
    "followers": "BIGINT",
    "following": "BIGINT",
    "language": "VARCHAR",
    "location": "VARCHAR",
}

ACCOUNT_REQUIRED: Final = ("account_id",)

#: Longest text cell accepted by default. Platforms cap posts far below this (X: 25,000
#: characters for paid accounts, Facebook: 63,206); a longer cell is almost always a
#: broken file or an attack on the tool, so it is an error unless the user raises the bar.
DEFAULT_MAX_TEXT_CHARS: Final = 65_536

#: Longest value kept of each other text field, and most items kept of each list, far
#: above what any platform allows (a handle of 15 to 30 characters, a bio of 160 to 500).
#: Longer values are written by adversaries to make work explode (one 300,000-character
#: handle once made impersonation matching quadratic); they are cut, and counted.
MAX_FIELD_CHARS: Final[dict[str, int]] = {
    "handle": 256,
    "display_name": 256,
    "bio": 4_096,
    "location": 256,
    "language": 64,
    "client": 256,
    "urls": 4_096,
    "hashtags": 256,
    "mentions": 256,
    "objects": 256,
}
MAX_LIST_ITEMS: Final = 256
