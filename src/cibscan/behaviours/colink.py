"""Co-link: accounts sharing the same link (normalised) close together, and, as a second
behaviour, the same web domain (driving traffic to one off-platform destination)."""

from __future__ import annotations

from ..sources._sql import sql_str
from .base import TS_SQL, Behaviour

#: Query parameters that only track who clicked; two links differing only in them are one.
TRACKING_PARAMS = (
    "utm_[a-z_]+|fbclid|gclid|dclid|igshid|mc_cid|mc_eid|ref|ref_src|ref_url|s|si|"
    "spm|share|feature|_ga|yclid|twclid"
)


def normalise_url_sql(expr: str) -> str:
    """SQL for a normalised URL: no scheme, no www./m., lower-case host, no tracking
    parameters, no fragment, no trailing slash or trailing punctuation."""
    url = f"regexp_replace(trim({expr}), '[\\.,;:!\\?…\\)\\]\"'']+$', '')"
    host = f"regexp_extract({url}, '^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?([^/?#]*)', 1)"
    rest = f"regexp_extract({url}, '^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?[^/?#]*([^#]*)', 1)"
    host = f"regexp_replace(lower({host}), '^(www\\d?|m|mobile)\\.', '')"
    host = f"regexp_replace({host}, ':(80|443)$', '')"
    pattern = sql_str(f"([?&])({TRACKING_PARAMS})=[^&]*")
    rest = f"regexp_replace({rest}, {pattern}, '\\1', 'g')"
    rest = f"regexp_replace({rest}, '[?&]+$', '')"
    rest = f"regexp_replace({rest}, '\\?&+', '?')"
    rest = f"regexp_replace({rest}, '&&+', '&', 'g')"
    rest = f"regexp_replace({rest}, '/+$', '')"
    rest = f"regexp_replace({rest}, '/+\\?', '?')"
    return f"({host} || {rest})"


def domain_sql(normalised: str) -> str:
    return f"regexp_extract({normalised}, '^([^/?#:]+)', 1)"


def _links() -> str:
    return (
        f"SELECT account_id, {normalise_url_sql('u')} AS url, ts, post_id FROM ("
        f"  SELECT account_id, unnest(urls) AS u, {TS_SQL} AS ts, "
        "  post_id FROM posts WHERE kind <> 'repost')"
    )


def traces_sql() -> str:
    return f"SELECT DISTINCT account_id, url AS key, ts, post_id FROM ({_links()}) WHERE url <> ''"


def domain_traces_sql() -> str:
    return (
        f"SELECT DISTINCT account_id, {domain_sql('url')} AS key, ts, post_id "
        f"FROM ({_links()}) WHERE {domain_sql('url')} <> ''"
    )


BEHAVIOUR = Behaviour(
    name="colink", window=3600, traces_sql=traces_sql, verb="shared", noun="links"
)
DOMAIN_BEHAVIOUR = Behaviour(
    name="codomain",
    window=3600,
    traces_sql=domain_traces_sql,
    verb="linked to",
    noun="web domains",
)
