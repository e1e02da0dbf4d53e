"""A synthetic platform with planted operations and the crowds that must not be flagged.

One generator serves ``cibscan demo``, the tests and the scale benchmarks. It is vectorised
with NumPy (10M posts in about a minute here) and deterministic for a given seed. Output is
in the Twitter information-operations archive layout, so the demo exercises that reader,
with ``labels.csv`` saying which accounts belong to which operation.

Organic population: heavy-tailed activity, daily rhythms in several time zones, reposts of
popular posts, viral cascades (thousands of reposts within minutes), a grassroots protest
that bursts around events with the same hashtags, and replies and mentions.
Planted operations (each partial and jittered, as real ones are): a copy-paste network with
light edits posting in Beijing office hours, an amplification ring reposting state media
within minutes, a hashtag-push ring, a harassment brigade flooding a few dissidents, and a
link-pushing network with tracking-parameter variations.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DAY = 86400
START = int(pd.Timestamp("2024-03-04", tz="UTC").timestamp())  # a Monday

_WORDS = (
    "the people city news today government vote market school weather team game music film "
    "love family friend work time year week night morning coffee train street police park "
    "health food price money story world country election protest freedom history science "
    "river mountain summer winter rain sun book art photo video live great good bad new old "
    "really think know want need feel watch read share help hope thanks happy sad big small "
    "doctor teacher student office church museum garden kitchen window bridge island ocean "
    "forest village airport hospital library station market bakery football concert theatre "
    "breakfast dinner holiday birthday wedding weekend tomorrow yesterday tonight finally "
    "honestly probably definitely maybe almost always never sometimes often quickly slowly "
    "beautiful terrible amazing boring funny strange quiet loud early late busy tired ready "
    "cheap expensive broken lovely crazy simple serious important different special local "
    "brother sister mother father daughter neighbour colleague stranger dog cat bird horse "
    "phone laptop camera ticket letter jacket bicycle engine battery planet moon star cloud"
).split()
_ZH = list(
    "我们你他她的是在有人这中大为上个国和地到以说时要就出会可也而能对生子们下过天去得学"
    "家里后自作开手发工同进现经行起部看心动成面前小事道方法年还因所如都把样好那两想着"
    "民长分它其已然定意外情物理化明新正体机实间从关问题本知水相高气内性全当主政果表"
)
_ES = (
    "el la de que y en los se del las un por con una para es al lo como más pero sus le ya "
    "casa ciudad noticias hoy gobierno mercado escuela tiempo equipo partido música película "
    "amor familia amigo trabajo año semana noche mañana café tren calle policía parque salud "
    "comida precio dinero historia mundo país elección libertad ciencia río montaña verano "
    "invierno lluvia sol libro arte foto video vivo grande bueno malo nuevo viejo pensar "
    "saber querer necesitar sentir mirar leer compartir ayudar esperar gracias feliz triste"
).split()
_STATE_MEDIA = ("cgtn_official", "xinhua_news", "globaltimes_news", "chinadaily_en")
_DISSIDENTS = ("free_voice_hk", "uyghur_rights", "exile_journalist")
_THREATS = (
    "we know where you live",
    "traitor you will pay",
    "shut up or else",
    "你会后悔的",
    "滚出去 叛徒",
    "your family is watching",
    "stop lying traitor",
)
_OP_TEXTS = (
    "香港暴徒破坏社会秩序 必须依法严惩 支持香港警察",
    "the protesters are paid rioters who destroy hong kong prosperity",
    "西方媒体歪曲事实 抹黑中国 真相是香港需要稳定",
    "foreign forces are behind the unrest and must stop interfering",
    "新疆人民生活幸福 所谓人权问题是谎言",
    "the so called dissidents are criminals hiding abroad",
)


@dataclass(frozen=True)
class SimConfig:
    """Knobs of the synthetic platform. Sizes of operations scale with ``posts``."""

    posts: int = 50_000
    seed: int = 7
    days: int = 21
    posts_per_account: float = 12.0  # organic mean; the tail is heavy
    repost_share: float = 0.40
    reply_share: float = 0.15
    viral_cascades: int = 3
    viral_size: int = 1500
    protest_members: int = 300
    protest_events: int = 6
    op_members: tuple[int, ...] = (
        40,
        30,
        25,
        20,
        20,
    )  # copypaste, amplify, hashtag, brigade, links
    op_participation: float = 0.7
    languages: tuple[str, ...] = ("en", "zh", "es")


def generate(config: SimConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (posts in the Twitter IO archive layout, labels: userid, label, role)."""
    rng = np.random.default_rng(config.seed)
    scale = max(1.0, config.posts / 50_000) ** 0.5
    ops = [max(5, round(m * scale)) for m in config.op_members]
    n_org = max(200, int(config.posts / config.posts_per_account))
    parts: list[pd.DataFrame] = []
    labels: list[pd.DataFrame] = []

    # -- organic accounts --------------------------------------------------------------
    org_ids = np.array([f"u{i:07d}" for i in range(n_org)])
    activity = rng.pareto(1.6, n_org) + 0.2
    tz = rng.choice([-5, -8, 0, 1, 8, 9], n_org, p=[0.25, 0.15, 0.2, 0.15, 0.15, 0.1])
    lang = rng.choice(list(config.languages), n_org, p=_lang_p(config.languages))
    followers = (rng.pareto(1.2, n_org) * 80).astype(np.int64) + 5
    special = 3 * config.viral_cascades + 4 * 60 + config.protest_members * 3
    n_organic_posts = max(0, config.posts - _ops_volume(ops, config) - special)
    who = rng.choice(n_org, n_organic_posts, p=activity / activity.sum())
    ts = _diurnal_times(rng, len(who), config.days, tz[who])
    kind = rng.choice(
        3,
        len(who),
        p=[1 - config.repost_share - config.reply_share, config.repost_share, config.reply_share],
    )
    org = pd.DataFrame({"userid": org_ids[who], "t": ts, "lang": lang[who]})
    org["text"] = _organic_texts(rng, org["lang"].to_numpy())
    org["hashtags"] = _maybe_hashtags(rng, len(org))
    org["urls"] = _maybe_urls(rng, len(org))
    org["kind"] = np.array(["post", "repost", "reply"])[kind]
    parts.append(org)
    labels.append(pd.DataFrame({"userid": org_ids, "label": "organic", "role": "organic"}))

    # State media and dissidents are organic, visible accounts.
    media = pd.DataFrame({"userid": list(_STATE_MEDIA) + list(_DISSIDENTS)})
    labels.append(
        pd.DataFrame({"userid": list(_STATE_MEDIA), "label": "organic", "role": "state_media"})
    )
    labels.append(
        pd.DataFrame({"userid": list(_DISSIDENTS), "label": "organic", "role": "dissident"})
    )
    n_media = len(media) * 60
    media_posts = _posts_frame(
        np.repeat(media["userid"].to_numpy(), 60),
        START + rng.integers(0, config.days * DAY, n_media),
        "en",
        _organic_texts(rng, np.full(n_media, "en")),
        "post",
    )
    parts.append(media_posts)

    # -- hard negatives: viral cascades and a grassroots protest ------------------------
    for c in range(config.viral_cascades):
        size = min(config.viral_size, n_org)
        fans = rng.choice(n_org, size, replace=False)
        t0 = START + int(rng.integers(DAY, (config.days - 1) * DAY))
        parts.append(
            _posts_frame(
                org_ids[fans],
                t0 + rng.exponential(300, size).astype(np.int64),
                lang[fans],
                f"viral moment number {c} everyone is talking about",
                "repost",
                parent=f"viral{c}",
            )
        )
    protest = rng.choice(n_org, min(config.protest_members, n_org), replace=False)
    for e in range(config.protest_events):
        joined = protest[rng.random(len(protest)) < 0.5]
        t0 = START + int(rng.integers(DAY, (config.days - 1) * DAY))
        k = len(joined)
        parts.append(
            _posts_frame(
                org_ids[joined],
                t0 + rng.exponential(1800, k).astype(np.int64),
                lang[joined],
                _organic_texts(rng, lang[joined]),
                "post",
                hashtags=[["standwithhk", f"march{e}"] for _ in range(k)],
                urls=[
                    [f"https://news.example.org/live/{e}"] if rng.random() < 0.4 else []
                    for _ in range(k)
                ],
            )
        )
    labels.append(
        pd.DataFrame({"userid": org_ids[protest], "label": "organic", "role": "protester"})
    )

    # -- planted operations ----------------------------------------------------------------
    names = ("op_copypaste", "op_amplify", "op_hashtag", "op_brigade", "op_links")
    op_ids = [np.array([f"{n}_{i:04d}" for i in range(m)]) for n, m in zip(names, ops, strict=True)]
    for n, ids in zip(names, op_ids, strict=True):
        labels.append(pd.DataFrame({"userid": ids, "label": n, "role": "operation"}))
    parts.append(_copypaste_op(rng, op_ids[0], config))
    parts.append(_amplify_op(rng, op_ids[1], media_posts, config))
    parts.append(_hashtag_op(rng, op_ids[2], config))
    parts.append(_brigade_op(rng, op_ids[3], config))
    parts.append(_links_op(rng, op_ids[4], config))
    # camouflage: operation accounts also post organic-looking content
    all_ops = np.concatenate(op_ids)
    cam = rng.choice(all_ops, len(all_ops) * 5)
    parts.append(
        _posts_frame(
            cam,
            _diurnal_times(rng, len(cam), config.days, np.full(len(cam), 8)),
            "en",
            _organic_texts(rng, np.full(len(cam), "en")),
            "post",
            hashtags=_maybe_hashtags(rng, len(cam)),
        )
    )

    posts = pd.concat(parts, ignore_index=True)
    posts = _finish(rng, posts, org_ids, followers, config)
    label_frame = pd.concat(labels, ignore_index=True).drop_duplicates("userid", keep="last")
    return posts, label_frame.reset_index(drop=True)


def _lang_p(langs: tuple[str, ...]) -> list[float]:
    weights = np.array([0.6 if lg == "en" else 0.2 for lg in langs])
    return list(weights / weights.sum())


def _ops_volume(ops: list[int], config: SimConfig) -> int:
    return int(sum(ops) * (5 + 20 * config.op_participation))


def _diurnal_times(rng: np.random.Generator, n: int, days: int, tz: np.ndarray) -> np.ndarray:
    day = rng.integers(0, days, n)
    # Local hour from a daily rhythm: quiet at night, peaks midday and evening.
    shape = np.array(
        [
            1,
            0.5,
            0.3,
            0.2,
            0.2,
            0.4,
            1,
            2,
            3,
            3.5,
            3.5,
            4,
            4.5,
            4,
            3.5,
            3.5,
            4,
            4.5,
            5,
            5.5,
            5,
            4,
            3,
            2,
        ]
    )
    hour = rng.choice(24, n, p=shape / shape.sum())
    seconds = rng.integers(0, 3600, n)
    return START + day * DAY + ((hour - tz) % 24) * 3600 + seconds


def _organic_texts(rng: np.random.Generator, langs: np.ndarray) -> list[str]:
    n = len(langs)
    lengths = rng.integers(5, 16, n)
    words = rng.integers(0, len(_WORDS), (n, 16))
    zh = rng.integers(0, len(_ZH), (n, 24))
    es = rng.integers(0, len(_ES), (n, 16))
    out = []
    for i in range(n):
        k = int(lengths[i])
        if langs[i] == "zh":
            out.append("".join(_ZH[j] for j in zh[i, : k + 6]))
        elif langs[i] == "es":
            out.append(" ".join(_ES[j] for j in es[i, :k]))
        else:
            out.append(" ".join(_WORDS[j] for j in words[i, :k]))
    return out


def _maybe_hashtags(rng: np.random.Generator, n: int) -> list[list[str]]:
    has = rng.random(n) < 0.2
    tag = rng.zipf(1.5, n) % 5000
    return [[f"topic{tag[i]}"] if has[i] else [] for i in range(n)]


def _maybe_urls(rng: np.random.Generator, n: int) -> list[list[str]]:
    has = rng.random(n) < 0.1
    dom = rng.zipf(1.3, n) % 2000
    page = rng.integers(0, 10_000_000, n)
    return [[f"https://site{dom[i]}.example.com/a/{page[i]}"] if has[i] else [] for i in range(n)]


def _bursts(
    rng: np.random.Generator,
    ids: np.ndarray,
    config: SimConfig,
    n_bursts: int,
    spread: float,
    office_hours: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(account, time, burst number) for members joining each burst with some probability."""
    accounts, times, burst = [], [], []
    for b in range(n_bursts):
        if office_hours:  # Beijing weekdays 09:00-12:00 and 14:00-18:00 local
            day = int(rng.integers(0, config.days))
            while (day % 7) >= 5:
                day = int(rng.integers(0, config.days))
            hour = int(rng.choice([9, 10, 11, 14, 15, 16, 17]))
            t0 = START + day * DAY + (hour - 8) * 3600 + int(rng.integers(0, 3000))
        else:
            t0 = START + int(rng.integers(0, config.days * DAY - 7200))
        joined = ids[rng.random(len(ids)) < config.op_participation]
        accounts.append(joined)
        times.append(t0 + rng.exponential(spread, len(joined)).astype(np.int64))
        burst.append(np.full(len(joined), b))
    return np.concatenate(accounts), np.concatenate(times), np.concatenate(burst)


def _posts_frame(
    acc: np.ndarray, t: np.ndarray, lang: object, text: object, kind: str, **extra: object
) -> pd.DataFrame:
    """A frame of generated posts; hashtag and link lists default to empty."""
    columns = {"userid": acc, "t": t, "lang": lang, "text": text, "kind": kind}
    for name in ("hashtags", "urls"):
        columns[name] = extra.pop(name, None) or [[] for _ in acc]
    return pd.DataFrame({**columns, **extra})


def _copypaste_op(rng: np.random.Generator, ids: np.ndarray, config: SimConfig) -> pd.DataFrame:
    acc, t, b = _bursts(rng, ids, config, 20, 600, office_hours=True)
    base = [_OP_TEXTS[i % len(_OP_TEXTS)] + f" {i}号" for i in b]
    edits = rng.integers(0, 4, len(acc))
    suffix = np.array(["", "!", " 。", " 👍"])[edits]
    text = [s + e for s, e in zip(base, suffix, strict=True)]
    return _posts_frame(acc, t, "zh", text, "post")


def _amplify_op(
    rng: np.random.Generator, ids: np.ndarray, media: pd.DataFrame, config: SimConfig
) -> pd.DataFrame:
    targets = media[media["userid"].isin(_STATE_MEDIA)].sample(25, random_state=config.seed)
    rows = []
    for i, (_, post) in enumerate(targets.iterrows()):
        joined = ids[rng.random(len(ids)) < config.op_participation]
        rows.append(
            pd.DataFrame(
                {
                    "userid": joined,
                    "t": int(post["t"]) + rng.integers(5, 120, len(joined)),
                    "lang": "en",
                    "text": post["text"],
                    "hashtags": [[] for _ in joined],
                    "urls": [[] for _ in joined],
                    "kind": "repost",
                    "parent": f"media{i}",
                    "parent_user": post["userid"],
                }
            )
        )
        rows.append(
            pd.DataFrame(
                {
                    "userid": [post["userid"]],
                    "t": [int(post["t"])],
                    "lang": "en",
                    "text": [post["text"]],
                    "hashtags": [[]],
                    "urls": [[]],
                    "kind": "post",
                    "own_id": [f"media{i}"],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _hashtag_op(rng: np.random.Generator, ids: np.ndarray, config: SimConfig) -> pd.DataFrame:
    acc, t, b = _bursts(rng, ids, config, 15, 200)
    text = _organic_texts(rng, np.full(len(acc), "en"))
    tags = [["hkriots", "stopviolence", f"truth{x % 3}"] for x in b]
    return _posts_frame(acc, t, "en", text, "post", hashtags=tags)


def _brigade_op(rng: np.random.Generator, ids: np.ndarray, config: SimConfig) -> pd.DataFrame:
    acc, t, b = _bursts(rng, ids, config, 15, 150)
    target = np.array(_DISSIDENTS)[b % len(_DISSIDENTS)]
    text = [
        f"@{tg} " + _THREATS[int(i)]
        for tg, i in zip(target, rng.integers(0, len(_THREATS), len(acc)), strict=True)
    ]
    return _posts_frame(acc, t, "en", text, "reply", reply_user=target)


def _links_op(rng: np.random.Generator, ids: np.ndarray, config: SimConfig) -> pd.DataFrame:
    acc, t, b = _bursts(rng, ids, config, 15, 900)
    src = rng.choice(["tw", "fb", "wa"], len(acc))
    urls = [
        [f"https://www.truth-hk-news.example.net/story/{x}?utm_source={s}"]
        for x, s in zip(b, src, strict=True)
    ]
    text = _organic_texts(rng, np.full(len(acc), "en"))
    return _posts_frame(acc, t, "en", text, "post", urls=urls)


def _finish(
    rng: np.random.Generator,
    posts: pd.DataFrame,
    org_ids: np.ndarray,
    followers: np.ndarray,
    config: SimConfig,
) -> pd.DataFrame:
    """Give every post an id, parents for reposts and replies, and the archive's columns."""
    posts = posts.sort_values("t", kind="stable").reset_index(drop=True)
    n = len(posts)
    tweetid = np.char.add("t", np.arange(1, n + 1).astype(str)).astype(object)
    for col in ("parent", "own_id", "parent_user", "reply_user"):
        if col not in posts:
            posts[col] = None
    own = posts["own_id"].to_numpy()
    named = pd.notna(own)
    tweetid[named] = own[named]
    kind = posts["kind"].to_numpy()
    parent = posts["parent"].to_numpy(dtype=object)
    parent_user = posts["parent_user"].to_numpy(dtype=object)
    # Organic reposts and replies pick an earlier organic original, popular ones more often.
    originals = np.flatnonzero(kind == "post")
    need = np.flatnonzero(((kind == "repost") | (kind == "reply")) & pd.isna(parent))
    if len(originals) and len(need):
        # Recent posts draw most reposts; the zipf offset gives old ones a long tail.
        earlier = np.searchsorted(originals, need) - 1
        offset = np.minimum(rng.zipf(1.5, len(need)) - 1, np.maximum(earlier, 0))
        pick = originals[np.maximum(earlier - offset, 0)]
        parent[need] = tweetid[pick]
        parent_user[need] = posts["userid"].to_numpy()[pick]
    user = posts["userid"].to_numpy()
    reply_user = posts["reply_user"].to_numpy(dtype=object)
    is_rt = kind == "repost"
    is_reply = kind == "reply"
    follower_map = dict(zip(org_ids, followers, strict=True))
    fcount = np.array([follower_map.get(u, 30) for u in user], dtype=np.int64)
    out = pd.DataFrame(
        {
            "tweetid": tweetid,
            "userid": user,
            "user_screen_name": user,
            "user_display_name": user,
            "user_profile_description": "",
            "follower_count": fcount,
            "following_count": (fcount * 0.8).astype(np.int64) + 10,
            "account_creation_date": "2019-01-01",
            "tweet_text": posts["text"].to_numpy(),
            "tweet_time": pd.to_datetime(posts["t"].to_numpy(), unit="s").strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "tweet_language": posts["lang"].to_numpy(),
            "tweet_client_name": "Twitter Web App",
            "is_retweet": np.where(is_rt, "True", "False"),
            "retweet_tweetid": np.where(is_rt, parent, None),
            "retweet_userid": np.where(is_rt, parent_user, None),
            "in_reply_to_tweetid": np.where(is_reply & ~pd.isna(parent), parent, None),
            "in_reply_to_userid": np.where(
                is_reply, np.where(pd.isna(reply_user), parent_user, reply_user), None
            ),
            "quoted_tweet_tweetid": None,
            "hashtags": [_listlike(h) for h in posts["hashtags"]],
            "urls": [_listlike(u) for u in posts["urls"]],
            "user_mentions": [_listlike([r]) if isinstance(r, str) else "[]" for r in reply_user],
        }
    )
    return out


def _listlike(items: object) -> str:
    values = list(items) if items is not None else []  # type: ignore[call-overload]
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def write(posts: pd.DataFrame, labels: pd.DataFrame, folder: str, fmt: str = "csv") -> str:
    """Write ``posts.csv`` (or ``posts.parquet``) and ``labels.csv``; return the posts path."""
    os.makedirs(folder, exist_ok=True)
    table = pa.Table.from_pandas(posts, preserve_index=False)
    if fmt == "parquet":
        path = os.path.join(folder, "posts.parquet")
        pq.write_table(table, path, compression="zstd")
    else:
        path = os.path.join(folder, "posts.csv")
        pacsv.write_csv(table, path)
    labels.to_csv(os.path.join(folder, "labels.csv"), index=False)
    return path
