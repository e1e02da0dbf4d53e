"""A synthetic platform with planted operations and the crowds that must not be flagged.

One generator serves ``cibscan simulate``, ``cibscan demo``, the tests and the benchmarks.
It is vectorised with NumPy and deterministic for a given seed. Output is in the Twitter
information-operations archive layout (so every reader path is exercised), with
``labels.csv`` (``userid``, ``label``: the operation or ``organic``, ``role``: what the
account does), ``suspended.txt`` (the accounts a platform suspended half-way) and
``watch.txt`` (the state-affiliated accounts of the platform).

Organic population (label ``organic``):
  - the bulk (role ``organic``): heavy-tailed activity and followers, daily rhythms in
    six time zones, English, simplified and traditional Chinese and Spanish, topic
    hashtags, a long tail of link domains, replies and mentions, reposts of recent and
    popular posts, and viral cascades where thousands repost one post within minutes;
  - hard negatives, each a role: ``protester`` (a grassroots movement bursting around
    events with the same hashtags and links), ``aggregator`` (news bots that repost the
    outlets' headlines verbatim, with their links), ``fan`` (a community mass-reposting a
    ``star``), ``active_user`` (people posting dozens of times a day), ``greeter``
    (people typing the same new-year wishes at local midnight), ``supporter`` (people who
    repost the dissidents within minutes and reply to them with encouragement: a crowd
    aimed at the same accounts as the brigade), ``critic`` (people who reply to the
    dissidents disagreeing, politely, each on their own time), and the visible accounts
    ``news_outlet``, ``state_media``, ``diplomat`` and ``dissident``.

Planted operations (label ``op_*``; each partial and jittered, with camouflage posts):
  - ``op_copypaste``: light edits of the same texts, Beijing office hours (weekdays,
    09:00-18:00 with a lunch dip), accounts created in batches;
  - ``op_amplify``: reposts state media and diplomats within two minutes (on the grown
    platform also minutes to hours later and the next office morning, and copies some
    of their posts with their links);
  - ``op_loudspeaker``: a few accounts posting dozens of times a day with almost no
    followers, reposting state media and diplomats over hours;
  - ``op_hashtag``: pushes a hashtag set in bursts;
  - ``op_brigade``: floods a few dissidents' replies and mentions with threats; with
    ``brigade_amplifiers``, accounts of the same operation (role ``brigade_amplifier``)
    repost a third of its posts within minutes, giving the threats reach;
  - ``op_links``: pushes one site's stories with tracking-parameter variations;
  - ``op_impersonator``: look-alike names of news outlets and agencies pushing the same
    site's stories;
  - ``op_paraphrase`` (with ``paraphrase_members``): each member words the same talking
    points its own way, in its own language (English, Chinese or Spanish), within the
    hour; ``news_discussants`` adds organic people discussing a news event in their own
    words, its hard negative;
  - ``op_ban_evasion``: accounts (role ``suspended``) that are suspended half-way and
    replaced by look-alike new accounts (role ``ban_evader``) created in one batch right
    after, resuming the same texts, hashtags and schedule;
  - ``op_bought`` (with ``bought_boosters``): accounts bought from a vendor (role
    ``bought``, created in two batches, few followers, following many) that the star
    orders reposts from: for a third of the star's posts, each repost within minutes,
    among the fans' own reposts of the same posts. They share the fans' posts and
    times, so the two meet as one coordinated group: the case of bought followers
    retweeting the same posts as the genuine users they mix with.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
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
_ZH_HANT = list(
    "我們你他她的是在有人這中大為上個國和地到以說時要就出會可也而能對生子們下過天去得學"
    "家裏後自作開手發工同進現經行起部看心動成面前小事道方法年還因所如都把樣好那兩想著"
    "民長分它其已然定意外情物理化明新正體機實間從關問題本知水相高氣內性全當主政果表"
)
_ES = (
    "el la de que y en los se del las un por con una para es al lo como más pero sus le ya "
    "casa ciudad noticias hoy gobierno mercado escuela tiempo equipo partido música película "
    "amor familia amigo trabajo año semana noche mañana café tren calle policía parque salud "
    "comida precio dinero historia mundo país elección libertad ciencia río montaña verano "
    "invierno lluvia sol libro arte foto video vivo grande bueno malo nuevo viejo pensar "
    "saber querer necesitar sentir mirar leer compartir ayudar esperar gracias feliz triste"
).split()
# (handle, display name, followers) of the visible accounts
_STATE_MEDIA = (
    ("cgtn_official", "CGTN", 13_000_000),
    ("xinhua_news", "Xinhua News Agency", 12_000_000),
    ("globaltimes_news", "Global Times", 1_900_000),
    ("chinadaily_en", "China Daily", 4_200_000),
)
_DIPLOMATS = (
    ("mfa_spokesperson", "Spokesperson 发言人办公室", 1_300_000),
    ("cn_embassy_uk", "Chinese Embassy in UK", 120_000),
    ("consul_general_kr", "Consul General", 45_000),
)
_DISSIDENTS = (
    ("free_voice_hk", "Free Voice HK", 52_000),
    ("uyghur_rights", "Uyghur Rights Now", 31_000),
    ("exile_journalist", "Exiled Journalist", 18_000),
)
_OUTLETS = (
    ("nytimes", "The New York Times", "nytimes.com", 54_000_000),
    ("bbcworld", "BBC News (World)", "bbc.co.uk", 39_000_000),
    ("reuters", "Reuters", "reuters.com", 25_000_000),
    ("apnews", "The Associated Press", "apnews.com", 16_000_000),
    ("scmp_news", "South China Morning Post", "scmp.com", 1_100_000),
    ("rthk_enews", "RTHK English News", "rthk.hk", 160_000),
    ("dwnews", "DW News", "dw.com", 2_600_000),
    ("aljazeera", "Al Jazeera English", "aljazeera.com", 8_700_000),
    ("guardian", "The Guardian", "theguardian.com", 11_000_000),
    ("cnn", "CNN", "cnn.com", 61_000_000),
)
# Look-alikes of outlets and agencies: homoglyphs (Cyrillic В, С, о; zero for o), inserted
# words and suffixes.
_IMPERSONATIONS = (
    ("bbcw0rld", "ВВС News (World)"),
    ("reuters_breaking", "Reuters Breaking"),
    ("nytimes_cn", "The New York Times 中文"),
    ("xinhua_newz", "Xinhua News Agency"),
    ("cgtn_0fficial", "CGTN Official"),
    ("apnews24", "The Associated Prеss"),
    ("scmp_news_hk", "South China Morning Post HK"),
    ("rthk_enews_", "RTHK English News"),
)
_STAR = ("popstar_official", "Pop Star ✨", 8_500_000)
#: What the dissidents' supporters reply (none of it in the threat lexicon).
_CHEERS = (
    "stay strong, we stand with you",
    "thank you for speaking up",
    "加油! you are not alone",
    "支持你 keep going",
    "brave words, sharing this",
)
#: What their critics reply: disagreement, politely.
_DISAGREEMENTS = (
    "I respectfully disagree with this take",
    "not sure the numbers support that",
    "I see it differently, but thanks for writing",
    "this leaves out the other side of the story",
)
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
_EVASION_TEXTS = (
    "揭穿谣言 还原真相 请大家转发",
    "the truth about the riots that western media will not show you",
    "所谓的民主斗士 不过是拿钱办事",
    "wake up people the foreign funded activists are lying to you",
)
_GREETINGS = {
    "en": ("happy new year", "happy new year everyone", "happy new year!"),
    "zh": ("新年快乐", "新年快乐！", "祝大家新年快乐"),
    "zh-hant": ("新年快樂", "祝大家新年快樂"),
    "es": ("feliz año nuevo", "feliz año nuevo a todos"),
}
_SURNAMES = ("li", "wang", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou")
_GIVEN = ("wei", "fang", "na", "min", "jing", "lei", "jun", "yan", "hui", "qiang", "xiu")
_OP_NAMES = (
    "op_copypaste",
    "op_amplify",
    "op_loudspeaker",
    "op_hashtag",
    "op_brigade",
    "op_links",
    "op_impersonator",
    "op_ban_evasion",
)
#: Role of each operation's members (``op_ban_evasion`` has two, see the module doc).
OP_ROLES = {
    "op_copypaste": "copypaste",
    "op_amplify": "amplifier",
    "op_loudspeaker": "loudspeaker",
    "op_hashtag": "hashtag_pusher",
    "op_brigade": "harasser",
    "op_links": "link_pusher",
    "op_impersonator": "impersonator",
    "op_ban_evasion": "ban_evader",
    "op_paraphrase": "paraphraser",
    "op_bought": "bought",
}
#: Roles of organic accounts that act together for real: they must not be flagged.
HARD_NEGATIVE_ROLES = (
    "protester",
    "aggregator",
    "fan",
    "active_user",
    "greeter",
    "supporter",
    "critic",
    "news_discussant",
)


#: Subjects of the talking points a paraphrasing operation pushes, three wordings each
#: per language (``op_paraphrase``).
CLAIM_SUBJECTS = {
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
#: What the talking points say of the subjects, three wordings each per language.
CLAIM_PREDICATES = {
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
#: Sentence frames per language: each member words a task its own way.
CLAIM_FRAMES = {
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
#: News events that many people discuss in their own words (``news_discussants``): a
#: subject and what they say of it, worded as the talking points are.
EVENT_SUBJECTS = {
    "en": [["the earthquake in the north", "the northern earthquake", "the big quake up north"]],
    "zh": [["北方的地震", "北部地震", "北边的大地震"]],
    "es": [["el terremoto del norte", "el sismo en el norte", "el gran terremoto del norte"]],
}
EVENT_PREDICATES = {
    "en": [
        ["destroyed hundreds of homes", "left many families homeless", "flattened whole streets"],
        ["was felt across the country", "shook cities far away", "was felt hundreds of km away"],
    ],
    "zh": [
        ["摧毁了数百所房屋", "让很多家庭无家可归", "把整条街都夷平了"],
        ["全国都有震感", "远处的城市也在摇晃", "几百公里外都能感觉到"],
    ],
    "es": [
        ["destruyó cientos de casas", "dejó a muchas familias sin hogar", "arrasó calles enteras"],
        ["se sintió en todo el país", "sacudió ciudades lejanas", "se sintió a cientos de km"],
    ],
}


def render_claim(
    rng: np.random.Generator,
    subjects: dict[str, list[list[str]]],
    predicates: dict[str, list[list[str]]],
    subject: int,
    predicate: int,
    lang: str,
) -> str:
    """One wording of (subject, predicate) in ``lang``: a frame and a wording of each."""
    frame = str(rng.choice(CLAIM_FRAMES[lang]))
    return frame.format(
        e=rng.choice(subjects[lang][subject]), p=rng.choice(predicates[lang][predicate])
    )


@dataclass(frozen=True)
class SimConfig:
    """Knobs of the synthetic platform.

    Group sizes are given for a 50,000-post platform (where the groups make about half
    of all posts). Below that they shrink in proportion, to no fewer than 3 accounts.
    Above it crowds grow with the square root of ``posts / 50_000``; operations grow the
    same way on the *easy* platform and in proportion on the *grown* one (``grown``,
    the default above 200,000 posts), where they stay a fixed share of accounts (about
    4%) at every size, as on the platforms that archives come from.

    The grown platform's operations are also harder in the ways real ones are: each
    member joins a minority of the tasks (``grown_participation``) of twice as many
    tasks; amplifiers repost seconds, minutes to hours, or at the next Beijing office
    morning after the original, and copy a third of the state media's posts with their
    links instead of reposting them (the state media must still not be a member); some
    copy-pasters are hijacked old accounts with followers; brigade members also join
    the protesters' public hashtag floods.
    """

    posts: int = 50_000  #: approximate total; the organic bulk fills what groups leave
    seed: int = 7
    days: int = 21  #: length of the period, starting Monday 2024-03-04 UTC
    posts_per_account: float = 12.0  #: organic mean; the tail is heavy (Pareto 1.6)
    repost_share: float = 0.40  #: of organic posts
    reply_share: float = 0.15  #: of organic posts
    mention_share: float = 0.05  #: organic posts mentioning another account
    languages: tuple[str, ...] = ("en", "zh", "zh-hant", "es")
    # -- hard negatives ----------------------------------------------------------------
    viral_cascades: int = 3  #: posts each reposted by ``viral_size`` accounts in minutes
    viral_size: int = 1500
    protest_members: int = 300
    protest_events: int = 6  #: each joined by half of the members within ~30 min
    headlines_per_day: float = 2.0  #: per news outlet (times the size factor)
    aggregators: int = 30  #: each reposts the headlines of 3 outlets within ~15 min
    fans: int = 300
    star_posts_per_day: float = 2.0
    fan_repost_share: float = 0.25  #: of the star's posts a fan reposts, within ~4 min
    active_users: int = 10
    active_posts_per_day: float = 20.0
    greeter_share: float = 0.05  #: of organic accounts wishing a happy new year
    supporters: int = 120  #: each reposts a third of the dissidents' posts within ~5 min
    critics: int = 60  #: each replies to the dissidents a few times, disagreeing politely
    # -- planted operations ------------------------------------------------------------
    op_members: tuple[int, ...] = (40, 30, 5, 25, 20, 20, 6, 12)  #: in _OP_NAMES order
    op_participation: float = 0.7  #: chance a member joins a given burst
    #: Accounts of the brigade's operation that repost its posts (for ``cibscan target``:
    #: who amplifies the attackers); sized like the brigade. 0: none, and the platform
    #: is the same as before this knob.
    brigade_amplifiers: int = 0
    #: An operation whose members word each task their own way, each in their own
    #: language (English, Chinese, Spanish), within the hour (``op_paraphrase``); sized
    #: like the other operations. 0: none, and the platform is as before this knob.
    paraphrase_members: int = 0
    #: Organic accounts that discuss a news event in their own words within hours
    #: (role ``news_discussant``, a hard negative for paraphrase detection); sized like
    #: the crowds. 0: none.
    news_discussants: int = 0
    #: Bought accounts whose reposts the star orders for a third of its posts, among the
    #: fans' own reposts (``op_bought``); sized like the operations. 0: none, and the
    #: platform is the same as before this knob.
    bought_boosters: int = 0
    loudspeaker_posts_per_day: float = 25.0
    camouflage_posts: int = 5  #: organic-looking posts per operation account
    #: The grown platform (see above); None: grown above 200,000 posts.
    grown: bool | None = None
    grown_participation: float = 0.3  #: chance a member joins a task when grown
    hijacked_share: float = 0.2  #: copy-pasters that are old accounts when grown
    #: Account creation dates written as dates (``2013-08-06``), as the Twitter
    #: information-operations archives give them, not to the minute.
    creation_dates_to_the_day: bool = False
    #: Post times written to the minute (``2019-08-15 14:23``), as the same archives give
    #: them, not to the second.
    post_times_to_the_minute: bool = False

    @property
    def is_grown(self) -> bool:
        return self.posts > 200_000 if self.grown is None else self.grown

    @property
    def participation(self) -> float:
        return self.grown_participation if self.is_grown else self.op_participation

    @property
    def tasks(self) -> int:
        """How many times more tasks each operation runs."""
        return 2 if self.is_grown else 1


def generate(config: SimConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (posts in the Twitter IO archive layout, labels: userid, label, role)."""
    if len(config.op_members) != len(_OP_NAMES):
        raise ValueError(f"op_members needs {len(_OP_NAMES)} sizes, in order {_OP_NAMES}")
    rng = np.random.default_rng(config.seed)
    ratio = config.posts / 50_000
    scale = ratio if ratio < 1 else ratio**0.5

    op_scale = ratio if config.is_grown else scale

    def size(n: int, grow: float = scale) -> int:
        return max(3, round(n * grow)) if n else 0

    n_org = max(200, int(config.posts / config.posts_per_account))
    world = _World(rng, config)
    org = world.organic_accounts(n_org)

    # -- visible accounts and what they post ---------------------------------------------
    media = world.visible(_STATE_MEDIA, "state_media", per_day=3.0, links=config.is_grown)
    diplomats = world.visible(_DIPLOMATS, "diplomat", per_day=2.0)
    dissidents = world.visible(_DISSIDENTS, "dissident", per_day=1.0)
    star = world.visible((_STAR,), "star", per_day=config.star_posts_per_day)
    headlines = world.outlets(config.headlines_per_day * scale)
    sources = pd.concat([media, diplomats], ignore_index=True)

    # -- hard negatives ------------------------------------------------------------------
    world.viral(org)
    world.protest(org, size(config.protest_members))
    world.aggregators(size(config.aggregators), headlines)
    world.fans(org, size(config.fans), star)
    if config.bought_boosters:
        world.op_bought(size(config.bought_boosters, op_scale), star)
    world.active_users(size(config.active_users))
    world.greeters(org)

    # -- planted operations --------------------------------------------------------------
    sizes = dict(zip(_OP_NAMES, (size(m, op_scale) for m in config.op_members), strict=True))
    world.op_copypaste(sizes["op_copypaste"])
    world.op_amplify(sizes["op_amplify"], sources)
    world.op_loudspeaker(sizes["op_loudspeaker"], sources)
    world.op_hashtag(sizes["op_hashtag"])
    threats = world.op_brigade(sizes["op_brigade"], world.floods if config.is_grown else [])
    if config.brigade_amplifiers:
        world.brigade_amplifiers(size(config.brigade_amplifiers, op_scale), threats)
    world.op_links(sizes["op_links"], sizes["op_impersonator"])
    world.op_ban_evasion(sizes["op_ban_evasion"])
    world.camouflage()
    world.supporters(org, size(config.supporters), size(config.critics), dissidents)
    if config.paraphrase_members:
        world.op_paraphrase(size(config.paraphrase_members, op_scale))
    if config.news_discussants:
        world.news_event(org, size(config.news_discussants))

    # -- the organic bulk fills the rest ---------------------------------------------------
    world.organic_bulk(org, max(0, config.posts - world.volume()))
    return world.finish()


class _World:
    """Accumulates accounts and posts; each method adds one group. Internal to generate."""

    def __init__(self, rng: np.random.Generator, config: SimConfig) -> None:
        self.rng = rng
        self.config = config
        self.parts: list[pd.DataFrame] = []
        self.accounts: list[pd.DataFrame] = []
        self.roles: list[pd.DataFrame] = []  # later rows override earlier ones
        self.floods: list[tuple[int, list[str]]] = []  # public floods: start, hashtags

    # -- bookkeeping -----------------------------------------------------------------------
    def volume(self) -> int:
        return sum(len(p) for p in self.parts)

    def add_accounts(
        self,
        ids: np.ndarray,
        *,
        label: str,
        role: str,
        handle: object = None,
        display: object = None,
        bio: object = "",
        followers: object = 30,
        following: object = 100,
        created: object = None,
    ) -> None:
        n = len(ids)
        if created is None:  # years before the period, spread out
            created = START - self.rng.integers(30 * DAY, 12 * 365 * DAY, n)
        self.accounts.append(
            pd.DataFrame(
                {
                    "userid": ids,
                    "handle": ids if handle is None else handle,
                    "display": ids if display is None else display,
                    "bio": bio,
                    "followers": followers,
                    "following": following,
                    "created": created,
                }
            )
        )
        self.roles.append(pd.DataFrame({"userid": ids, "label": label, "role": role}))

    def relabel(self, ids: np.ndarray, role: str) -> None:
        self.roles.append(pd.DataFrame({"userid": ids, "label": "organic", "role": role}))

    def add(self, frame: pd.DataFrame) -> pd.DataFrame:
        self.parts.append(frame)
        return frame

    # -- organic ---------------------------------------------------------------------------
    def organic_accounts(self, n: int) -> _Organic:
        rng = self.rng
        ids = np.array([f"u{i:07d}" for i in range(n)], dtype=object)
        w = rng.integers(0, len(_WORDS), (n, 2))
        num = rng.integers(0, 1000, n)
        words = np.array(_WORDS, dtype=object)
        handle = words[w[:, 0]] + "_" + words[w[:, 1]] + num.astype(str).astype(object)
        display = np.char.title(
            np.char.add(np.char.add(words[w[:, 0]].astype(str), " "), words[w[:, 1]].astype(str))
        ).astype(object)
        followers = (rng.pareto(1.2, n) * 80).astype(np.int64) + 5
        following = (np.exp(rng.normal(np.log(followers + 50), 0.8))).astype(np.int64)
        tz = rng.choice([-5, -8, 0, 1, 8, 9], n, p=[0.25, 0.15, 0.2, 0.15, 0.15, 0.1])
        lang = rng.choice(list(self.config.languages), n, p=_lang_p(self.config.languages))
        # Chinese speakers in UTC+8 (Hong Kong, Taiwan) write traditional characters more.
        lang = np.where((lang == "zh") & (tz == 8) & (rng.random(n) < 0.5), "zh-hant", lang)
        self.add_accounts(
            ids,
            label="organic",
            role="organic",
            handle=handle,
            display=display,
            bio=_bios(rng, n),
            followers=followers,
            following=following,
        )
        activity = rng.pareto(1.6, n) + 0.2
        return _Organic(ids, tz, lang, activity)

    def organic_bulk(self, org: _Organic, n_posts: int) -> None:
        rng, c = self.rng, self.config
        who = rng.choice(len(org.ids), n_posts, p=org.activity / org.activity.sum())
        kind = rng.choice(
            3, n_posts, p=[1 - c.repost_share - c.reply_share, c.repost_share, c.reply_share]
        )
        langs = org.lang[who]
        mention = org.ids[rng.choice(len(org.ids), n_posts)].astype(object)
        mention[rng.random(n_posts) >= c.mention_share] = None
        self.add(
            _posts_frame(
                org.ids[who],
                _diurnal_times(rng, n_posts, c.days, org.tz[who]),
                langs,
                _organic_texts(rng, langs),
                np.array(["post", "repost", "reply"])[kind],
                hashtags=_maybe_hashtags(rng, n_posts),
                urls=_maybe_urls(rng, n_posts),
                mention=mention,
            )
        )

    def visible(
        self,
        who: tuple[tuple[str, str, int], ...],
        role: str,
        per_day: float,
        links: bool = False,
    ) -> pd.DataFrame:
        rng, c = self.rng, self.config
        ids = np.array([w[0] for w in who], dtype=object)
        self.add_accounts(
            ids,
            label="organic",
            role=role,
            display=[w[1] for w in who],
            followers=[w[2] for w in who],
            following=rng.integers(50, 800, len(ids)),
            bio=f"official account ({role.replace('_', ' ')})",
        )
        per = max(1, int(per_day * c.days))
        n = per * len(ids)
        lang = "zh" if role == "diplomat" else "en"
        return self.add(
            _posts_frame(
                np.repeat(ids, per),
                START + rng.integers(0, c.days * DAY, n),
                lang,
                _organic_texts(rng, np.full(n, lang)),
                "post",
                own_id=[f"{role}{i}" for i in range(n)],
                urls=[
                    [f"https://www.{h}.example.cn/{i}"] if links else []
                    for i, h in enumerate(np.repeat(ids, per))
                ],
            )
        )

    def outlets(self, per_day: float) -> pd.DataFrame:
        rng, c = self.rng, self.config
        ids = np.array([o[0] for o in _OUTLETS], dtype=object)
        self.add_accounts(
            ids,
            label="organic",
            role="news_outlet",
            display=[o[1] for o in _OUTLETS],
            followers=[o[3] for o in _OUTLETS],
            following=rng.integers(100, 2000, len(ids)),
            bio="news and analysis",
        )
        per = max(1, int(per_day * c.days))
        n = per * len(ids)
        who = np.repeat(np.arange(len(ids)), per)
        domains = np.array([o[2] for o in _OUTLETS], dtype=object)[who]
        page = rng.integers(0, 10**9, n)
        return self.add(
            _posts_frame(
                ids[who],
                START + rng.integers(0, c.days * DAY, n),
                "en",
                ["breaking: " + t for t in _organic_texts(rng, np.full(n, "en"))],
                "post",
                urls=[[f"https://www.{d}/news/{p}"] for d, p in zip(domains, page, strict=True)],
                outlet=who,
            )
        )

    # -- hard negatives ----------------------------------------------------------------------
    def viral(self, org: _Organic) -> None:
        rng, c = self.rng, self.config
        for v in range(c.viral_cascades):
            size = min(c.viral_size, len(org.ids))
            fans = rng.choice(len(org.ids), size, replace=False)
            t0 = START + int(rng.integers(DAY, (c.days - 1) * DAY))
            self.add(
                _posts_frame(
                    org.ids[fans],
                    t0 + rng.exponential(300, size).astype(np.int64),
                    org.lang[fans],
                    f"viral moment number {v} everyone is talking about",
                    "repost",
                    parent=f"viral{v}",
                )
            )

    def protest(self, org: _Organic, members: int) -> None:
        rng, c = self.rng, self.config
        protest = rng.choice(len(org.ids), min(members, len(org.ids)), replace=False)
        for e in range(c.protest_events):
            joined = protest[rng.random(len(protest)) < 0.5]
            t0 = START + int(rng.integers(DAY, (c.days - 1) * DAY))
            k = len(joined)
            self.floods.append((t0, ["standwithhk", f"march{e}"]))
            self.add(
                _posts_frame(
                    org.ids[joined],
                    t0 + rng.exponential(1800, k).astype(np.int64),
                    org.lang[joined],
                    _organic_texts(rng, org.lang[joined]),
                    "post",
                    hashtags=[["standwithhk", f"march{e}"] for _ in range(k)],
                    urls=[
                        [f"https://news.example.org/live/{e}"] if rng.random() < 0.4 else []
                        for _ in range(k)
                    ],
                )
            )
        self.relabel(org.ids[protest], "protester")

    def aggregators(self, n: int, headlines: pd.DataFrame) -> None:
        rng = self.rng
        ids = np.array([f"agg{i:04d}" for i in range(n)], dtype=object)
        self.add_accounts(
            ids,
            label="organic",
            role="aggregator",
            handle=[f"{w}_news_bot{i}" for i, w in enumerate(rng.choice(_WORDS, n))],
            display=[f"{w.title()} News Feed" for w in rng.choice(_WORDS, n)],
            bio="automated headlines from major outlets",
            followers=rng.integers(100, 5000, n),
            following=rng.integers(5, 60, n),
        )
        subs = np.stack([rng.choice(len(_OUTLETS), 3, replace=False) for _ in range(n)])
        frames = []
        outlet = headlines["outlet"].to_numpy()
        for a in range(n):
            mine = np.flatnonzero(np.isin(outlet, subs[a]) & (rng.random(len(outlet)) < 0.8))
            h = headlines.iloc[mine]
            frames.append(
                _posts_frame(
                    np.full(len(h), ids[a], dtype=object),
                    h["t"].to_numpy() + 60 + rng.exponential(900, len(h)).astype(np.int64),
                    "en",
                    h["text"].to_numpy(),
                    "post",
                    urls=list(h["urls"]),
                )
            )
        if frames:
            self.add(pd.concat(frames, ignore_index=True))

    def fans(self, org: _Organic, n: int, star: pd.DataFrame) -> None:
        rng, c = self.rng, self.config
        fans = rng.choice(len(org.ids), min(n, len(org.ids)), replace=False)
        frames = []
        for post in star.itertuples(index=False):
            joined = fans[rng.random(len(fans)) < c.fan_repost_share]
            frames.append(
                _posts_frame(
                    org.ids[joined],
                    int(post.t) + 5 + rng.exponential(240, len(joined)).astype(np.int64),
                    org.lang[joined],
                    post.text,
                    "repost",
                    parent=post.own_id,
                    parent_user=post.userid,
                )
            )
        self.add(pd.concat(frames, ignore_index=True))
        self.relabel(org.ids[fans], "fan")

    def op_bought(self, n: int, star: pd.DataFrame) -> None:
        """Bought accounts delivering the reposts the star ordered: a third of its posts,
        each bought account joining an order by the operations' participation, within
        minutes of the post as the fans repost it."""
        rng, c = self.rng, self.config
        ids = self.op_accounts("op_bought", n)
        frames = []
        for post in star.itertuples(index=False):
            if rng.random() >= 1 / 3:
                continue
            joined = ids[rng.random(n) < c.participation]
            frames.append(
                _posts_frame(
                    joined,
                    int(post.t) + 30 + rng.exponential(300, len(joined)).astype(np.int64),
                    "en",
                    post.text,
                    "repost",
                    parent=post.own_id,
                    parent_user=post.userid,
                )
            )
        if frames:
            self.add(pd.concat(frames, ignore_index=True))

    def supporters(self, org: _Organic, n: int, n_critics: int, dissidents: pd.DataFrame) -> None:
        """People who stand by the dissidents the brigade attacks: they repost them within
        minutes and reply with encouragement (a real crowd aimed at the same accounts);
        and critics, who reply disagreeing, politely, each on their own time."""
        rng = self.rng
        n = min(n, len(org.ids))
        pick = rng.choice(len(org.ids), n + min(n_critics, len(org.ids) - n), replace=False)
        fans, critics = pick[:n], pick[n:]
        frames = []
        for post in dissidents.itertuples(index=False):
            joined = fans[rng.random(len(fans)) < 1 / 3]
            t = int(post.t) + 5 + rng.exponential(300, len(joined)).astype(np.int64)
            frames.append(
                _posts_frame(
                    org.ids[joined],
                    t,
                    "en",
                    post.text,
                    "repost",
                    parent=post.own_id,
                    parent_user=post.userid,
                )
            )
            cheer = joined[rng.random(len(joined)) < 0.3]
            words = rng.choice(np.array(_CHEERS, dtype=object), len(cheer))
            frames.append(
                _posts_frame(
                    org.ids[cheer],
                    int(post.t) + 60 + rng.exponential(900, len(cheer)).astype(np.int64),
                    "en",
                    [f"@{post.userid} {w}" for w in words],
                    "reply",
                    reply_user=post.userid,
                )
            )
        who = np.repeat(critics, 3)
        target = rng.choice(np.array([d[0] for d in _DISSIDENTS], dtype=object), len(who))
        words = rng.choice(np.array(_DISAGREEMENTS, dtype=object), len(who))
        frames.append(
            _posts_frame(
                org.ids[who],
                START + rng.integers(0, self.config.days * DAY, len(who)),
                "en",
                [f"@{tg} {w}" for tg, w in zip(target, words, strict=True)],
                "reply",
                reply_user=target,
            )
        )
        self.add(pd.concat(frames, ignore_index=True))
        self.relabel(org.ids[fans], "supporter")
        self.relabel(org.ids[critics], "critic")

    def active_users(self, n: int) -> None:
        rng, c = self.rng, self.config
        ids = np.array([f"act{i:04d}" for i in range(n)], dtype=object)
        self.add_accounts(
            ids,
            label="organic",
            role="active_user",
            bio=_bios(rng, n),
            followers=(rng.pareto(1.0, n) * 500).astype(np.int64) + 50,
            following=rng.integers(100, 3000, n),
        )
        per = (rng.exponential(c.active_posts_per_day, n) * c.days).astype(np.int64) + c.days
        who = np.repeat(np.arange(n), per)
        tz = rng.choice([-5, 0, 8], n)[who]
        kinds = rng.choice(np.array(["post", "repost", "reply"]), len(who), p=[0.4, 0.45, 0.15])
        self.add(
            _posts_frame(
                ids[who],
                _diurnal_times(rng, len(who), c.days, tz),
                "en",
                _organic_texts(rng, np.full(len(who), "en")),
                kinds,
                hashtags=_maybe_hashtags(rng, len(who)),
                urls=_maybe_urls(rng, len(who)),
            )
        )

    def greeters(self, org: _Organic) -> None:
        rng, c = self.rng, self.config
        pick = np.flatnonzero(rng.random(len(org.ids)) < c.greeter_share)
        day = min(c.days - 1, 10)
        lang = org.lang[pick]
        text = [
            _GREETINGS[lg][int(j) % len(_GREETINGS[lg])] if lg in _GREETINGS else "happy new year"
            for lg, j in zip(lang, rng.integers(0, 6, len(pick)), strict=True)
        ]
        # local midnight of the holiday, give or take a few minutes
        t = START + day * DAY - org.tz[pick] * 3600 + rng.normal(0, 600, len(pick)).astype(np.int64)
        self.add(_posts_frame(org.ids[pick], t, lang, text, "post"))
        self.relabel(org.ids[pick], "greeter")

    # -- planted operations ------------------------------------------------------------------
    def op_accounts(
        self,
        name: str,
        n: int,
        *,
        batches: int = 2,
        role: str | None = None,
        created: np.ndarray | None = None,
        followers: object = None,
        prefix: str | None = None,
        **extra: object,
    ) -> np.ndarray:
        rng = self.rng
        ids = np.array([f"{prefix or name}_{i:04d}" for i in range(n)], dtype=object)
        if created is None:  # created in tight batches a few months before
            days = START - rng.integers(30, 400, batches) * DAY
            created = days[rng.integers(0, batches, n)] + rng.integers(0, 3600, n)
        sur = rng.choice(_SURNAMES, n)
        giv = rng.choice(_GIVEN, n)
        handle = extra.pop("handle", None)
        if handle is None:
            handle = [
                f"{s}{g}{d:08d}"
                for s, g, d in zip(sur, giv, rng.integers(0, 10**8, n), strict=True)
            ]
        self.add_accounts(
            ids,
            label=name,
            role=role or OP_ROLES[name],
            handle=handle,
            display=extra.pop(
                "display", [f"{s.title()} {g.title()}" for s, g in zip(sur, giv, strict=True)]
            ),
            bio=extra.pop("bio", ""),
            followers=rng.integers(0, 60, n) if followers is None else followers,
            following=rng.integers(200, 2500, n),
            created=created,
        )
        return ids

    def _bursts(
        self,
        ids: np.ndarray,
        n_bursts: int,
        spread: float,
        office_hours: bool = False,
        days: tuple[int, int] | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(account, time, burst number) for members joining each burst by chance."""
        rng, c = self.rng, self.config
        lo, hi = days or (0, c.days)
        accounts, times, burst = [], [], []
        for b in range(n_bursts * c.tasks):
            if office_hours:
                t0 = _office_times(rng, 1, (lo, hi))[0]
            else:
                t0 = START + lo * DAY + int(rng.integers(0, (hi - lo) * DAY - 7200))
            joined = ids[rng.random(len(ids)) < c.participation]
            accounts.append(joined)
            times.append(t0 + rng.exponential(spread, len(joined)).astype(np.int64))
            burst.append(np.full(len(joined), b))
        return np.concatenate(accounts), np.concatenate(times), np.concatenate(burst)

    def op_copypaste(self, n: int) -> None:
        rng, c = self.rng, self.config
        created = followers = None
        if c.is_grown:  # some are hijacked old accounts with an audience
            old = rng.random(n) < c.hijacked_share
            days = START - rng.integers(30, 400, 3) * DAY
            created = np.where(
                old,
                START - rng.integers(3 * 365, 10 * 365, n) * DAY,
                days[rng.integers(0, 3, n)] + rng.integers(0, 3600, n),
            )
            followers = np.where(old, rng.integers(100, 5000, n), rng.integers(0, 60, n))
        ids = self.op_accounts("op_copypaste", n, batches=3, created=created, followers=followers)
        acc, t, b = self._bursts(ids, 20, 600, office_hours=True)
        text = [_OP_TEXTS[i % len(_OP_TEXTS)] + f" {i}号" for i in b]
        suffix = np.array(["", "!", " 。", " 👍"])[self.rng.integers(0, 4, len(acc))]
        text = [s + e for s, e in zip(text, suffix, strict=True)]
        self.add(_posts_frame(acc, t, "zh", text, "post", camouflage="office"))

    def op_amplify(self, n: int, sources: pd.DataFrame) -> None:
        rng, c = self.rng, self.config
        ids = self.op_accounts("op_amplify", n)
        targets = sources.sample(min(25 * c.tasks, len(sources)), random_state=c.seed)
        frames = []
        for i, post in enumerate(targets.itertuples(index=False)):
            joined = ids[rng.random(len(ids)) < c.participation]
            delay = _amplify_delays(rng, int(post.t), len(joined), c.is_grown)
            copy = c.is_grown and i % 3 == 2 and len(post.urls) > 0
            frames.append(
                _posts_frame(
                    joined,
                    int(post.t) + delay,
                    post.lang,
                    post.text,
                    "post" if copy else "repost",
                    parent=None if copy else post.own_id,
                    parent_user=None if copy else post.userid,
                    urls=[list(post.urls) for _ in joined] if copy else None,
                )
            )
        self.add(pd.concat(frames, ignore_index=True))

    def op_loudspeaker(self, n: int, sources: pd.DataFrame) -> None:
        rng, c = self.rng, self.config
        ids = self.op_accounts(
            "op_loudspeaker",
            n,
            followers=rng.integers(0, 12, n),
            created=START - rng.integers(5, 60, n) * DAY - rng.integers(0, DAY, n),
        )
        per = int(c.loudspeaker_posts_per_day * c.days)
        who = np.repeat(ids, per)
        src = sources.iloc[rng.integers(0, len(sources), len(who))]
        # reposts hours after the source, around the clock
        t = src["t"].to_numpy() + rng.exponential(4 * 3600, len(who)).astype(np.int64)
        self.add(
            _posts_frame(
                who,
                t,
                src["lang"].to_numpy(),
                src["text"].to_numpy(),
                "repost",
                parent=src["own_id"].to_numpy(),
                parent_user=src["userid"].to_numpy(),
            )
        )

    def op_hashtag(self, n: int) -> None:
        ids = self.op_accounts("op_hashtag", n)
        acc, t, b = self._bursts(ids, 15, 200)
        text = _organic_texts(self.rng, np.full(len(acc), "en"))
        tags = [["hkriots", "stopviolence", f"truth{x % 3}"] for x in b]
        self.add(_posts_frame(acc, t, "en", text, "post", hashtags=tags))

    def op_brigade(self, n: int, floods: list[tuple[int, list[str]]]) -> pd.DataFrame:
        """The brigade; returns its threats (named posts when they are amplified)."""
        rng = self.rng
        ids = self.op_accounts("op_brigade", n)
        acc, t, b = self._bursts(ids, 15, 150)
        target = np.array([d[0] for d in _DISSIDENTS], dtype=object)[b % len(_DISSIDENTS)]
        threat = rng.integers(0, len(_THREATS), len(acc))
        text = [f"@{tg} " + _THREATS[int(i)] for tg, i in zip(target, threat, strict=True)]
        named = {"own_id": [f"threat{i}" for i in range(len(acc))]}
        threats = self.add(
            _posts_frame(
                acc,
                t,
                "en",
                text,
                "reply",
                reply_user=target,
                **(named if self.config.brigade_amplifiers else {}),
            )
        )
        for t0, tags in floods:  # the brigade also joins public floods, as camouflage
            joined = ids[rng.random(len(ids)) < 0.5]
            k = len(joined)
            self.add(
                _posts_frame(
                    joined,
                    t0 + rng.exponential(1800, k).astype(np.int64),
                    "en",
                    _organic_texts(rng, np.full(k, "en")),
                    "post",
                    hashtags=[list(tags) for _ in range(k)],
                )
            )
        return threats

    def brigade_amplifiers(self, n: int, threats: pd.DataFrame) -> None:
        """Accounts of the brigade's operation that give its threats reach: each reposts a
        third of them, within minutes; they never post at the dissidents themselves."""
        rng = self.rng
        ids = self.op_accounts(
            "op_brigade", n, role="brigade_amplifier", prefix="op_brigade_amplifier"
        )
        post, who = np.nonzero(rng.random((len(threats), n)) < 1 / 3)
        delay = 30 + rng.exponential(600, len(post)).astype(np.int64)
        self.add(
            _posts_frame(
                ids[who],
                threats["t"].to_numpy()[post] + delay,
                "en",
                threats["text"].to_numpy()[post],
                "repost",
                parent=threats["own_id"].to_numpy()[post],
                parent_user=threats["userid"].to_numpy()[post],
            )
        )

    def op_paraphrase(self, n: int) -> None:
        """Each task is one of the talking points; the members who join it word it their
        own way, each in the language of their persona, within the hour."""
        rng = self.rng
        ids = self.op_accounts("op_paraphrase", n)
        langs = np.array(["en", "zh", "es"], dtype=object)[np.arange(n) % 3]
        lang_of = dict(zip(ids, langs, strict=True))
        acc, t, b = self._bursts(ids, 20, 900)
        n_pred = len(CLAIM_PREDICATES["en"])
        claims = rng.permutation(len(CLAIM_SUBJECTS["en"]) * n_pred)
        lang = [lang_of[a] for a in acc]
        text = [
            render_claim(
                rng,
                CLAIM_SUBJECTS,
                CLAIM_PREDICATES,
                int(claims[i % len(claims)]) // n_pred,
                int(claims[i % len(claims)]) % n_pred,
                lg,
            )
            for i, lg in zip(b, lang, strict=True)
        ]
        self.add(_posts_frame(acc, t, np.array(lang, dtype=object), text, "post"))

    def news_event(self, org: _Organic, n: int) -> None:
        """Organic accounts discussing one news event in their own words, each in their
        language, over a few hours: many similar texts, no coordination."""
        rng, c = self.rng, self.config
        pick = rng.choice(len(org.ids), min(n, len(org.ids)), replace=False)
        lang = np.where(np.isin(org.lang[pick], ["zh", "zh-hant"]), "zh", org.lang[pick])
        lang = np.where(lang == "es", "es", np.where(lang == "zh", "zh", "en"))
        t0 = START + int(rng.integers(DAY, (c.days - 1) * DAY))
        n_pred = len(EVENT_PREDICATES["en"])
        text = [
            render_claim(rng, EVENT_SUBJECTS, EVENT_PREDICATES, 0, int(rng.integers(n_pred)), lg)
            for lg in lang
        ]
        times = t0 + rng.exponential(3 * 3600, len(pick)).astype(np.int64)
        self.add(_posts_frame(org.ids[pick], times, lang.astype(object), text, "post"))
        self.relabel(org.ids[pick], "news_discussant")

    def op_links(self, n: int, n_impersonators: int) -> None:
        rng = self.rng
        ids = self.op_accounts("op_links", n)
        k = n_impersonators
        imp = np.array([_IMPERSONATIONS[i % len(_IMPERSONATIONS)] for i in range(k)], dtype=object)
        suffix = [("" if i < len(_IMPERSONATIONS) else str(i)) for i in range(k)]
        fakes = self.op_accounts(
            "op_impersonator",
            k,
            handle=[h + s for h, s in zip(imp[:, 0], suffix, strict=True)],
            display=list(imp[:, 1]),
            bio="official news account",
            followers=rng.integers(200, 3000, k),
        )
        acc, t, b = self._bursts(ids, 15, 900)
        # impersonators join half the bursts, less reliably than the core network
        acc2, t2, b2 = self._bursts(fakes, 15, 900)
        keep = b2 % 2 == 0
        acc = np.concatenate([acc, acc2[keep]])
        t = np.concatenate([t, t2[keep]])
        b = np.concatenate([b, b2[keep]])
        src = rng.choice(["tw", "fb", "wa"], len(acc))
        urls = [
            [f"https://www.truth-hk-news.example.net/story/{x}?utm_source={s}"]
            for x, s in zip(b, src, strict=True)
        ]
        text = _organic_texts(rng, np.full(len(acc), "en"))
        self.add(_posts_frame(acc, t, "en", text, "post", urls=urls))

    def op_ban_evasion(self, n: int) -> None:
        rng, c = self.rng, self.config
        cut = max(1, c.days // 2)
        old = self.op_accounts("op_ban_evasion", n, role="suspended", bio="热爱祖国 热爱生活")
        handles = self.accounts[-1]["handle"].to_numpy()
        # one batch of replacements created within hours of the suspension
        new_ids = np.array([f"op_ban_evasion_{i + n:04d}" for i in range(n)], dtype=object)
        self.add_accounts(
            new_ids,
            label="op_ban_evasion",
            role="ban_evader",
            handle=[_lookalike(h, rng) for h in handles],
            display=self.accounts[-1]["display"].to_numpy(),
            bio="热爱祖国 热爱生活",
            followers=rng.integers(0, 20, n),
            following=rng.integers(200, 2500, n),
            created=START + cut * DAY + rng.integers(0, 3 * 3600, n),
        )
        frames = []
        for ids, span in ((old, (0, cut)), (new_ids, (cut + 1, c.days))):
            if span[1] - span[0] < 1:
                continue
            acc, t, b = self._bursts(ids, 6 * (span[1] - span[0]) // 5 + 2, 400, True, span)
            text = [_EVASION_TEXTS[i % len(_EVASION_TEXTS)] for i in b]
            frames.append(
                _posts_frame(
                    acc,
                    t,
                    "zh",
                    text,
                    "post",
                    hashtags=[["真相", "truthhk"] for _ in b],
                    camouflage="office",
                )
            )
        self.add(pd.concat(frames, ignore_index=True))

    def camouflage(self) -> None:
        """Operation accounts also post organic-looking content, on their own schedule."""
        rng, c = self.rng, self.config
        roles = pd.concat(self.roles, ignore_index=True)
        ops = roles[roles["label"] != "organic"].drop_duplicates("userid", keep="last")
        ids = ops["userid"].to_numpy()
        office = ops["role"].isin(["copypaste", "suspended", "ban_evader"]).to_numpy()
        who = np.repeat(np.arange(len(ids)), c.camouflage_posts)
        cut = max(1, c.days // 2)
        role = ops["role"].to_numpy()[who]
        t = np.select(
            [role == "suspended", role == "ban_evader", office[who]],
            [
                _office_times(rng, len(who), (0, cut)),
                _office_times(rng, len(who), (min(cut + 1, c.days - 1), c.days)),
                _office_times(rng, len(who), (0, c.days)),
            ],
            _diurnal_times(rng, len(who), c.days, np.full(len(who), 8)),
        )
        self.add(
            _posts_frame(
                ids[who],
                t,
                "en",
                _organic_texts(rng, np.full(len(who), "en")),
                "post",
                hashtags=_maybe_hashtags(rng, len(who)),
            )
        )

    # -- output --------------------------------------------------------------------------------
    def finish(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        accounts = pd.concat(self.accounts, ignore_index=True).drop_duplicates("userid")
        labels = (
            pd.concat(self.roles, ignore_index=True)
            .drop_duplicates("userid", keep="last")
            .reset_index(drop=True)
        )
        # the parts are let go as soon as they are one frame, and that frame inside
        # _finish as soon as its columns are read: each copy of 10M posts is gigabytes
        # (passed as a plain argument: a name here, or a ``*args`` tuple, would hold the
        # frame past _finish's ``del``)
        c = self.config
        days, minutes = c.creation_dates_to_the_day, c.post_times_to_the_minute
        return _finish(self.rng, _concat_parts(self.parts), accounts, days, minutes), labels


@dataclass
class _Organic:
    ids: np.ndarray
    tz: np.ndarray
    lang: np.ndarray
    activity: np.ndarray


def _lang_p(langs: tuple[str, ...]) -> list[float]:
    weights = np.array([0.55 if lg == "en" else 0.15 for lg in langs])
    return list(weights / weights.sum())


def _lookalike(handle: str, rng: np.random.Generator) -> str:
    """A handle that a returning operator would pick: a changed digit or an added mark."""
    how = int(rng.integers(0, 3))
    if how == 0 and handle[-1].isdigit():
        return handle[:-1] + str((int(handle[-1]) + 1) % 10)
    if how == 1:
        return handle + "_"
    return handle.replace("i", "1", 1) if "i" in handle else handle + "2"


_DAILY = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 3.5, 3.5, 4, 4.5, 4, 3.5, 3.5, 4, 4.5, 5, 5.5, 5, 4, 3, 2]
)


def _diurnal_times(rng: np.random.Generator, n: int, days: int, tz: np.ndarray) -> np.ndarray:
    """Times following a daily rhythm (quiet at night, peaks at midday and evening)."""
    day = rng.integers(0, days, n)
    hour = rng.choice(24, n, p=_DAILY / _DAILY.sum())
    seconds = rng.integers(0, 3600, n)
    return START + day * DAY + ((hour - tz) % 24) * 3600 + seconds


def _office_times(rng: np.random.Generator, n: int, days: tuple[int, int]) -> np.ndarray:
    """Beijing office hours: weekdays, 09:00-12:00 and 14:00-18:00 UTC+8."""
    lo, hi = days
    weekdays = np.array([d for d in range(lo, hi) if d % 7 < 5] or [lo])
    day = rng.choice(weekdays, n)
    hour = rng.choice(np.array([9, 10, 11, 14, 15, 16, 17]), n)
    return START + day * DAY + (hour - 8) * 3600 + rng.integers(0, 3600, n)


def _amplify_delays(rng: np.random.Generator, t0: int, n: int, grown: bool) -> np.ndarray:
    """Seconds after the original at which amplifiers repost it: within two minutes on the
    easy platform; on the grown one a third within two minutes (automation), a third
    minutes to hours later (lognormal around 20 min), a third at the next Beijing office
    morning (09:00-11:00 UTC+8 of the next day: people working a task list)."""
    fast = rng.integers(5, 120, n)
    if not grown:
        return fast
    slow = np.exp(rng.normal(np.log(1200), 1.0, n)).astype(np.int64) + 60
    day = (t0 - START + 8 * 3600) // DAY + 1
    morning = START + day * DAY + 3600 + rng.integers(0, 2 * 3600, n) - t0
    which = rng.integers(0, 3, n)
    return np.select([which == 0, which == 1], [fast, slow], morning)


def _organic_texts(rng: np.random.Generator, langs: np.ndarray) -> list[str]:
    n = len(langs)
    lengths = rng.integers(5, 16, n)
    words = rng.integers(0, len(_WORDS), (n, 16))
    zh = rng.integers(0, len(_ZH), (n, 24))
    es = rng.integers(0, len(_ES), (n, 16))
    out = []
    for i in range(n):
        k = int(lengths[i])
        lg = langs[i]
        if lg == "zh":
            out.append("".join(_ZH[j] for j in zh[i, : k + 6]))
        elif lg == "zh-hant":
            out.append("".join(_ZH_HANT[j] for j in zh[i, : k + 6]))
        elif lg == "es":
            out.append(" ".join(_ES[j] for j in es[i, :k]))
        else:
            out.append(" ".join(_WORDS[j] for j in words[i, :k]))
    return out


def _bios(rng: np.random.Generator, n: int) -> list[str]:
    w = rng.integers(0, len(_WORDS), (n, 4))
    has = rng.random(n) < 0.7
    return [" ".join(_WORDS[j] for j in w[i]) if has[i] else "" for i in range(n)]


def _maybe_hashtags(rng: np.random.Generator, n: int) -> list[Sequence[str]]:
    has = rng.random(n) < 0.2
    tag = rng.zipf(1.5, n) % 5000
    return [[f"topic{tag[i]}"] if has[i] else _NONE for i in range(n)]


def _maybe_urls(rng: np.random.Generator, n: int) -> list[Sequence[str]]:
    has = rng.random(n) < 0.1
    dom = rng.zipf(1.3, n) % 2000
    page = rng.integers(0, 10_000_000, n)
    return [
        [f"https://site{dom[i]}.example.com/a/{page[i]}"] if has[i] else _NONE for i in range(n)
    ]


#: The hashtags or links of a post that has none: one shared empty tuple, where an empty
#: list per post took half a gigabyte at 10M posts.
_NONE: tuple[str, ...] = ()


def _posts_frame(
    acc: object, t: object, lang: object, text: object, kind: object, **extra: object
) -> pd.DataFrame:
    """A frame of generated posts; hashtag and link lists default to empty."""
    columns = {"userid": acc, "t": t, "lang": lang, "text": text, "kind": kind}
    n = len(acc)  # type: ignore[arg-type]
    for name in ("hashtags", "urls"):
        value = extra.pop(name, None)
        columns[name] = [_NONE] * n if value is None else value
    return pd.DataFrame({**columns, **extra})


#: The columns of the generated posts that ``_finish`` reads, in the order it reads them.
_GENERATED_COLUMNS = (
    *("kind", "userid", "t", "text", "lang", "hashtags", "urls", "own_id"),
    *("parent", "parent_user", "reply_user", "mention"),
)


def _concat_parts(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts as one frame; the list is emptied, so the parts go as the frame is made."""
    posts = pd.concat(parts, ignore_index=True)
    parts.clear()
    return posts


def _finish(
    rng: np.random.Generator,
    posts: pd.DataFrame,
    accounts: pd.DataFrame,
    creation_days: bool = False,
    post_minutes: bool = False,
) -> pd.DataFrame:
    """Give every post an id, parents for reposts and replies, and the archive's columns
    (the creation dates as dates with ``creation_days``, the post times to the minute
    with ``post_minutes``).

    Built one column at a time from the time-sorted columns of ``posts``, each temporary
    let go once it is a column: at 10M posts building them all first and the frame from
    them took most of the generator's 20 GB peak."""
    order = np.argsort(posts["t"].to_numpy(), kind="stable")
    n = len(order)
    sorted_columns = (
        posts[name].to_numpy()[order] if name in posts else np.full(n, None, dtype=object)
        for name in _GENERATED_COLUMNS
    )
    (kind, user, t, texts, langs, hashtags, urls, own, parent, parent_user, reply_user, mention) = (
        sorted_columns
    )
    del posts, order  # every column needed is read
    tweetid = np.char.add("t", np.arange(1, n + 1).astype(str)).astype(object)
    named = pd.notna(own)
    tweetid[named] = own[named]
    del own, named
    # Organic reposts and replies pick an earlier original, recent ones most often; the
    # zipf offset gives old ones a long tail.
    originals = np.flatnonzero(kind == "post")
    need = np.flatnonzero(((kind == "repost") | (kind == "reply")) & pd.isna(parent))
    if len(originals) and len(need):
        earlier = np.searchsorted(originals, need) - 1
        offset = np.minimum(rng.zipf(1.5, len(need)) - 1, np.maximum(earlier, 0))
        pick = originals[np.maximum(earlier - offset, 0)]
        parent[need] = tweetid[pick]
        parent_user[need] = user[pick]
    del originals, need
    is_rt = kind == "repost"
    is_reply = kind == "reply"
    del kind
    # each account's creation date written once, not once per post
    acct = accounts.drop_duplicates("userid").set_index("userid")
    acct["created"] = pd.to_datetime(acct["created"].to_numpy(), unit="s").strftime(
        "%Y-%m-%d" if creation_days else "%Y-%m-%d %H:%M"
    )
    acct = acct.reindex(user)
    mentioned = np.where(pd.isna(reply_user), mention, reply_user)
    del mention
    out = pd.DataFrame({"tweetid": tweetid, "userid": user})
    del tweetid
    out["user_display_name"] = acct["display"].to_numpy()
    out["user_screen_name"] = acct["handle"].to_numpy()
    out["user_profile_description"] = acct["bio"].to_numpy()
    out["follower_count"] = acct["followers"].to_numpy(dtype=np.int64)
    out["following_count"] = acct["following"].to_numpy(dtype=np.int64)
    out["account_creation_date"] = acct["created"].to_numpy()
    del acct
    out["tweet_text"] = texts
    del texts
    out["tweet_time"] = pd.to_datetime(t, unit="s").strftime(
        "%Y-%m-%d %H:%M" if post_minutes else "%Y-%m-%d %H:%M:%S"
    )
    del t
    out["tweet_language"] = np.where(langs == "zh-hant", "zh", langs)
    del langs
    out["tweet_client_name"] = "Twitter Web App"
    out["is_retweet"] = np.where(is_rt, "True", "False")
    missing = np.array(None, dtype=object)
    out["retweet_tweetid"] = np.where(is_rt, parent, missing)
    out["retweet_userid"] = np.where(is_rt, parent_user, missing)
    out["in_reply_to_tweetid"] = np.where(is_reply & ~pd.isna(parent), parent, missing)
    out["in_reply_to_userid"] = np.where(
        is_reply, np.where(pd.isna(reply_user), parent_user, reply_user), missing
    )
    del parent, parent_user, reply_user
    out["quoted_tweet_tweetid"] = None
    out["hashtags"] = [_listlike(h) for h in hashtags]
    del hashtags
    out["urls"] = [_listlike(u) for u in urls]
    del urls
    out["user_mentions"] = [_listlike([m]) if isinstance(m, str) else "[]" for m in mentioned]
    return out


def _listlike(items: object) -> str:
    values = list(items) if items is not None else []  # type: ignore[call-overload]
    if not values:
        return "[]"  # one string for the millions of posts with nothing in the list
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def write(posts: pd.DataFrame, labels: pd.DataFrame, folder: str, fmt: str = "csv") -> str:
    """Write the platform to ``folder``; return the posts path.

    Files: ``posts.csv`` (or ``posts.parquet``), ``labels.csv``, ``suspended.txt`` (one
    account id per line: what the platform suspended) and ``watch.txt`` (the state media
    and diplomatic accounts).
    """
    os.makedirs(folder, exist_ok=True)
    table = pa.Table.from_pandas(posts, preserve_index=False)
    if fmt == "parquet":
        path = os.path.join(folder, "posts.parquet")
        pq.write_table(table, path, compression="zstd")
    else:
        path = os.path.join(folder, "posts.csv")
        pacsv.write_csv(table, path)
    labels.to_csv(os.path.join(folder, "labels.csv"), index=False)
    for name, roles in (
        ("suspended.txt", ["suspended"]),
        ("watch.txt", ["state_media", "diplomat"]),
    ):
        ids = labels.loc[labels["role"].isin(roles), "userid"]
        with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
            handle.writelines(f"{i}\n" for i in ids)
    return path
