"""What a behaviour is: a named trace-maker with a default time window and a phrase."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from ..errors import ConfigError

#: Columns of every traces table, in order.
TRACE_COLUMNS = ("account_id", "key", "ts", "post_id")

#: A post's time as a trace time: whole seconds since the epoch.
TS_SQL = "CAST(epoch(created_at) AS BIGINT)"


def parent_post_traces_sql(kind: str) -> str:
    """Traces keyed on the parent post of every post of ``kind`` (repost, reply)."""
    if kind not in ("repost", "reply", "quote"):
        raise ValueError(kind)
    return (
        f"SELECT account_id, parent_post_id AS key, {TS_SQL} AS ts, post_id FROM posts "
        f"WHERE kind = '{kind}' AND parent_post_id IS NOT NULL"
    )


def base_name(behaviour: str) -> str:
    """The behaviour a trace's behaviour name belongs to: ``coobject`` for
    ``coobject:image`` and ``coobject:image@1d``, ``corepost`` for ``corepost@1h``."""
    return family(behaviour).split(":", 1)[0]


def family(behaviour: str) -> str:
    """A trace behaviour name without its time scale: ``corepost`` for ``corepost@1h``.
    The scales of one family test the same traces and are one piece of evidence."""
    return behaviour.split("@", 1)[0]


_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "day": 86400}


def parse_window(value: str | int | float) -> int:
    """Seconds from ``90``, ``"90s"``, ``"1m"``, ``"10min"``, ``"1h"`` or ``"1d"``."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", str(value).lower())
        if not match or match.group(2) not in {"", *_UNITS}:
            raise ConfigError(f"window '{value}' is not a duration such as 60s, 10min, 1h, 1d")
        seconds = float(match.group(1)) * _UNITS.get(match.group(2) or "s", 1)
    if seconds < 1:
        raise ConfigError(f"window '{value}' must be at least one second")
    return round(seconds)


#: Units of a scale label, largest first: a scale is named in the largest that divides it.
_LABELS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))


def scale_label(seconds: int) -> str:
    """Compact label of a time scale, as in behaviour names: 1d, 6h, 10min, 90s."""
    for unit, size in _LABELS:
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    raise AssertionError("unreachable: every whole number of seconds has a unit")


def scaled_name(name: str, seconds: int, own: int) -> str:
    """The trace behaviour name of ``name`` at a time scale: plain at the behaviour's
    own window ``own``, ``name@label`` at any other."""
    return name if seconds == own else f"{name}@{scale_label(seconds)}"


def window_of(behaviour: str, windows: dict[str, int]) -> int:
    """The window in seconds of a trace behaviour name: its scale suffix, or the
    behaviour's own window in ``windows`` (keyed by base name)."""
    if "@" not in behaviour:
        return int(windows[base_name(behaviour)])
    return parse_window(behaviour.split("@", 1)[1])


@dataclass(frozen=True)
class Behaviour:
    """A kind of coordination: accounts leaving the same ``key`` within ``window`` seconds.

    ``traces_sql`` returns a SELECT over the canonical ``posts`` table giving
    (account_id, key, ts = epoch seconds, post_id). ``prepare`` may first build helper
    tables in the connection (copy-paste builds its text clusters there).
    """

    name: str
    window: int
    traces_sql: Callable[[], str]
    #: For reasons in words: "{verb} the same {n} {noun} within {window} of {k} other accounts".
    verb: str
    noun: str
    noun_one: str = ""  # singular of ``noun``; derived by dropping the final s if empty
    prepare: Callable[[duckdb.DuckDBPyConnection, TextSettings], None] | None = None
    #: Keys are ``kind:value`` and each kind is a behaviour of its own (``coobject:image``),
    #: with its own chance model: an image and the domain of a link posted with it are
    #: not two coincidences.
    per_kind: bool = False
    #: Keys are the ids of the posts acted on (the original of a repost, the post replied
    #: to): the reasons then say how long after the original each account acted.
    keys_are_posts: bool = False
    #: Needs an optional extra and costs far more than the others (``paraphrase``: a
    #: sentence model): run only when named in ``--behaviours``, never by default.
    optional: bool = False

    def count_noun(self, n: int) -> str:
        """``n`` with the noun in the right number: "1 post", "14 posts"."""
        one = self.noun_one or self.noun.removesuffix("s")
        return f"{n} {one if n == 1 else self.noun}"


@dataclass(frozen=True)
class TextSettings:
    """Settings for copy-paste and paraphrase text detection."""

    min_chars: int = 20  # after normalisation; shorter texts are too generic to prove much
    near_duplicates: bool = True
    similarity: float = 0.6  # estimated Jaccard similarity of character 3-grams
    #: The sentence model of the paraphrase behaviour (``paraphrase.MODELS``):
    #: ``multilingual-e5-small`` (across languages, ~100 texts/s on 2 cores) or
    #: ``wordllama`` (within a language only, ~20,000 texts/s).
    paraphrase_model: str = "multilingual-e5-small"
