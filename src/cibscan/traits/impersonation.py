"""Impersonation: names that imitate an outlet, agency or official they are not.

References are the list shipped in ``cibscan/data/outlets.csv`` (editable, or replaced
through the settings) plus the most-followed accounts of the data itself. Names in the
shipped list are distinctive by construction; names of the data's own popular accounts
may be common ("Local News", "John Smith"), so those references match a *handle* only,
and only exactly once folded and stripped. A handle or
display name is folded before comparison: Unicode compatibility forms, homoglyphs
(Cyrillic and Greek look-alikes, 0 for o, 1 for l), case, punctuation, and decoration
words at either end such as "official", "news", "breaking", "hk", "24" (stripped from the
candidate only: a reference keeps its own, so "policehk" is not "police"). An account
imitates a reference when a folded name is equal to the reference's folded name, or one
edit away for names of eight characters or more, and it is not the reference account.
A reporter's "Jane Doe (NYT)" is not "The New York Times"; the outlet itself never
matches its own entry.
"""

from __future__ import annotations

import re
import unicodedata

import duckdb
import pandas as pd

from ._base import Marker, Trait, TraitSettings, always, data_table, share_of

_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a",
        "в": "b",
        "е": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "ӏ": "l",
        # Greek
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        # digits and signs used as letters
        "0": "o",
        "1": "l",
        "3": "e",
        "5": "s",
        "$": "s",
        "@": "a",
        "|": "l",
    }
)
#: Words added to a name to look official; stripped from either end before comparing.
DECORATIONS = (
    "official",
    "officials",
    "news",
    "newz",
    "breaking",
    "real",
    "the",
    "live",
    "tv",
    "update",
    "updates",
    "daily",
    "hk",
    "cn",
    "china",
    "chinese",
    "en",
    "english",
    "zh",
    "24",
    "247",
    "world",
    "global",
    "intl",
    "int",
    "hq",
    "中文",
    "新闻",
    "新聞",
    "官方",
)
MIN_STEM = 5
MIN_FUZZY = 8


#: What ``fold`` removes: everything but letters and digits (``\w`` is ``str.isalnum``
#: plus the underscore); one substitution took half the time of a test per character.
_NOT_ALNUM = re.compile(r"[\W_]+")


def fold(name: str) -> str:
    """Lower-case, homoglyph-free, alphanumeric-only form of a name."""
    text = unicodedata.normalize("NFKC", name).lower()
    # "1" as "l" or "i": map to l, and i to l too so both spellings meet
    text = text.translate(_HOMOGLYPHS).replace("i", "l")
    return _NOT_ALNUM.sub("", text)


#: Longest first, then in alphabetical order: a set's order changes from run to run.
_FOLDED_DECORATIONS = sorted({fold(d) for d in DECORATIONS}, key=lambda w: (-len(w), w))
#: Whether a folded name starts or ends with a decoration is asked first: most names do
#: neither, and checking each decoration at each end cost most of the trait's time (a
#: regular expression anchored at the end still tried every position: 0.9 s for 350k
#: names at 2M posts, against a tenth of that for ``startswith`` and ``endswith``).
_DECORATION_TUPLE = tuple(_FOLDED_DECORATIONS)


def stem(name: str) -> str:
    """``fold`` with decoration words removed from either end while the rest stays long."""
    return _stem_folded(fold(name))


def _stem_folded(text: str) -> str:
    if text.startswith(_DECORATION_TUPLE) or text.endswith(_DECORATION_TUPLE):
        return _strip_decorations(text)
    return text


def _strip_decorations(text: str) -> str:
    """Decoration words removed from either end of a folded name, longest first, while
    the rest stays at least ``MIN_STEM`` long."""
    changed = True
    while changed:
        changed = False
        for word in _FOLDED_DECORATIONS:
            for cut in (text.removeprefix(word), text.removesuffix(word)):
                if cut != text and len(cut) >= MIN_STEM:
                    text, changed = cut, True
                    break
            if changed:
                break
    return text


def _deletes(text: str) -> set[str]:
    return {text[:i] + text[i + 1 :] for i in range(len(text))} | {text}


def references(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> pd.DataFrame:
    """(handle, name, source) of the accounts that may be imitated."""
    if settings.references is not None:
        shipped = pd.DataFrame(list(settings.references), columns=["handle", "name"])
    else:
        shipped = data_table("outlets.csv")[["handle", "name"]]
    shipped = shipped.assign(source="reference list")
    top = con.execute(
        "SELECT coalesce(handle, account_id) AS handle, coalesce(display_name, '') AS name "
        "FROM trait_base WHERE followers IS NOT NULL ORDER BY followers DESC, account_id "
        "LIMIT $k",
        {"k": settings.reference_top_followed},
    ).df()
    top["source"] = "most followed in this data"
    return pd.concat([shipped, top], ignore_index=True).drop_duplicates("handle")


def measure(con: duckdb.DuckDBPyConnection, settings: TraitSettings) -> pd.DataFrame:
    refs = references(con, settings)
    if refs.empty:
        return pd.DataFrame()
    own = {str(h).lower() for h in refs["handle"]}
    shipped_index = _Index()  # names of shipped references, handles and display names
    handles_only = _Index()  # handles of the data's own popular accounts: exact only
    for i, row in enumerate(refs.itertuples(index=False)):
        shipped = row.source == "reference list"
        for name in (str(row.handle), str(row.name)) if shipped else (str(row.handle),):
            # references keep their decorations: "policehk" must not become "police"
            s = fold(name)
            if len(s) >= MIN_STEM:
                (shipped_index if shipped else handles_only).add(s, i, fuzzy=shipped)
    accounts = con.execute(
        "SELECT account_id, coalesce(handle, '') AS handle, "
        "coalesce(display_name, '') AS display_name FROM trait_base"
    ).df()
    # display names repeat ("John Smith"): each distinct name is folded once and matched
    # once per index
    folded: dict[str, str] = {}
    seen: dict[tuple[str, bool], tuple[int, str] | None] = {}

    def match(name: str, index: _Index) -> tuple[int, str] | None:
        key = (name, index is handles_only)
        if key not in seen:
            plain = folded.get(name)
            if plain is None:
                plain = folded[name] = fold(name)
            seen[key] = index.match(plain)
        return seen[key]

    hits: list[tuple[str, str, str]] = []
    for acc, handle, display in accounts.itertuples(index=False):
        if handle.lower() in own or str(acc).lower() in own:
            continue
        found = None
        for name, field, index in (
            (handle, "handle", shipped_index),
            (display, "display name", shipped_index),
            (handle, "handle", handles_only),
        ):
            if name and (m := match(name, index)) is not None:
                found = (m[0], field, m[1])
                break
        if found is None:
            continue
        i, field, how = found
        ref = refs.iloc[i]
        hits.append(
            (
                acc,
                f"@{ref['handle']}",
                f"impersonation: {field} {how} @{ref['handle']} ({ref['name']}, "
                f"{ref['source']}) but it is a different account",
            )
        )
    return pd.DataFrame(hits, columns=["account_id", "impersonates", "reason"])


def _fronts(s: str) -> set[str]:
    """The first three letters of ``s`` and of each of its single deletions."""
    return {s[:3], s[1:4], s[0] + s[2:4], s[:2] + s[3]}


def _backs(s: str) -> set[str]:
    """The last three letters of ``s`` and of each of its single deletions."""
    return {s[-3:], s[-4:-1], s[-4] + s[-2:], s[-4:-2] + s[-1]}


class _Index:
    """Folded reference names: equal names, and (``fuzzy``) their single deletions.

    A candidate is compared with the deletions only when the first three and the last
    three letters of it or of one of its deletions are those of a reference name or of
    one of its deletions: a necessary condition for sharing a deletion (a deletion
    changes at most one letter at each end of a name eight or more long), and far
    cheaper than making every candidate's deletions, which took most of the trait's
    time.
    """

    def __init__(self) -> None:
        self.exact: dict[str, int] = {}
        self.fuzzy: dict[str, int] = {}
        self.fronts: set[str] = set()
        self.backs: set[str] = set()

    def add(self, name: str, ref: int, *, fuzzy: bool) -> None:
        self.exact.setdefault(name, ref)
        if fuzzy and len(name) >= MIN_FUZZY:
            for d in _deletes(name):
                self.fuzzy.setdefault(d, ref)
            self.fronts |= _fronts(name)
            self.backs |= _backs(name)

    def match(self, plain: str) -> tuple[int, str] | None:
        """(reference, how it matches) of a handle or display name folded (``fold``), or None."""
        stemmed = _stem_folded(plain)
        for s, how in ((plain, "reads as"), (stemmed, "reads, once decorations are removed, as")):
            if len(s) < MIN_STEM:
                continue
            if s in self.exact:
                return self.exact[s], how
            if (
                len(s) >= MIN_FUZZY
                and not _fronts(s).isdisjoint(self.fronts)
                and not _backs(s).isdisjoint(self.backs)
            ):
                for d in _deletes(s):
                    if d in self.fuzzy and _one_edit(s, self.fuzzy[d], self.fuzzy):
                        return self.fuzzy[d], "is one letter away from"
        return None


def _one_edit(s: str, ref: int, fuzzy: dict[str, int]) -> bool:
    """Whether ``s`` is within one edit of a folded name of reference ``ref``.

    Shared single deletions also pair strings two substitutions apart ("abc423" and
    "abc435" both give "abc43"); this keeps only true one-edit neighbours.
    """
    names = {k for k, v in fuzzy.items() if v == ref and len(k) >= len(s) - 1}
    return any(_levenshtein_at_most_one(s, n) for n in names)


def _levenshtein_at_most_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


TRAIT = Trait(
    name="impersonation",
    measure=measure,
    columns={"impersonates": "text"},
    strong="impersonates",
    markers=(
        Marker("impersonation", "imitate outlets or officials", share_of("impersonates", always)),
    ),
)
