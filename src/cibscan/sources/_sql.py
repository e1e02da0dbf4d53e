"""SQL expressions the readers share: list-like cells, entities found in text, post kinds."""

from __future__ import annotations


def sql_str(value: str) -> str:
    """A SQL string literal for a constant of ours (never for data: data goes in parameters)."""
    return "'" + value.replace("'", "''") + "'"


URL_PATTERN = r"https?://[^\s<>\"'\)\]]+"
HASHTAG_PATTERN = r"(?:^|[^\w&])#(\w+)"
MENTION_PATTERN = r"(?:^|[^\w])@(\w{1,50})"


def list_cell_sql(expr: str, src_type: str) -> str:
    """A VARCHAR[] from a list column, a Python-list-like string ``['a', 'b']``, or ``a b``."""
    if src_type.endswith("[]"):
        return f"list_filter(CAST({expr} AS VARCHAR[]), lambda v: v IS NOT NULL AND v <> '')"
    raw = f"trim(CAST({expr} AS VARCHAR))"
    stripped = f"regexp_replace({raw}, '^\\[|\\]$', '', 'g')"
    parts = f"regexp_split_to_array({stripped}, '[,;\\s]+')"
    cleaned = f"list_transform({parts}, lambda v: trim(v, '''\" '))"
    # Most cells are empty ('[]' or ''); CASE evaluates the parse only for the others.
    return (
        f"CASE WHEN {expr} IS NULL OR {raw} IN ('', '[]') THEN CAST([] AS VARCHAR[]) "
        f"ELSE list_filter({cleaned}, lambda v: v <> '') END"
    )


def hashtags_sql(list_expr: str) -> str:
    """Hashtags lower-cased without '#', so #Tag and tag are one key."""
    return f"list_transform({list_expr}, lambda v: lower(ltrim(v, '#')))"


def mentions_sql(list_expr: str) -> str:
    """Mentioned handles or ids lower-cased without '@'."""
    return f"list_transform({list_expr}, lambda v: lower(ltrim(v, '@')))"


def urls_from_text_sql(text: str) -> str:
    return f"regexp_extract_all(coalesce({text}, ''), {sql_str(URL_PATTERN)})"


def hashtags_from_text_sql(text: str) -> str:
    found = f"regexp_extract_all(coalesce({text}, ''), {sql_str(HASHTAG_PATTERN)}, 1)"
    return f"list_transform({found}, lambda v: lower(v))"


def mentions_from_text_sql(text: str) -> str:
    found = f"regexp_extract_all(coalesce({text}, ''), {sql_str(MENTION_PATTERN)}, 1)"
    return f"list_transform({found}, lambda v: lower(v))"


def kind_sql(expr: str) -> str:
    """Map the usual spellings of a post kind onto post/repost/reply/quote."""
    raw = f"lower(trim(CAST({expr} AS VARCHAR)))"
    return (
        f"CASE WHEN {expr} IS NULL OR {raw} IN ('', 'post', 'original', 'tweet', 'status', 'o') "
        f"THEN 'post' "
        f"WHEN {raw} IN ('repost', 'retweet', 'rt', 'r', 'share', 'reshare', 'boost') "
        f"THEN 'repost' "
        f"WHEN {raw} IN ('reply', 'comment', 'response') THEN 'reply' "
        f"WHEN {raw} IN ('quote', 'quoted', 'q', 'quote_tweet') THEN 'quote' "
        f"ELSE {raw} END"
    )


def truthy_sql(expr: str) -> str:
    return f"lower(trim(CAST({expr} AS VARCHAR))) IN ('true', '1', 't', 'yes', 'y')"


def nonempty_sql(expr: str) -> str:
    """NULL for empty, 'nan', 'none' and 'null' cells, which exports write for missing ids."""
    raw = f"trim(CAST({expr} AS VARCHAR))"
    return f"CASE WHEN lower({raw}) IN ('', 'nan', 'none', 'null', '0') THEN NULL ELSE {raw} END"


def is_retweet_text_sql(text: str) -> str:
    """True for a text written as a retweet (``RT @name: ...``), which is how an export
    without retweet ids or kinds still says what a post is."""
    return f"coalesce(starts_with({text}, 'RT @'), false)"


def retweeted_text_sql(text: str) -> str:
    """A parent id for a retweet whose retweeted post the export does not name: a hash
    of its text, so that accounts retweeting the same post share a parent."""
    return f"'rt:' || md5(lower(trim({text})))"


def client_name_sql(expr: str) -> str:
    """The client's name out of API v1.1's ``source`` (``<a href="...">Twitter for
    iPhone</a>``), NULL where none is left."""
    return nonempty_sql(f"regexp_replace(CAST({expr} AS VARCHAR), '<[^>]*>', '', 'g')")
