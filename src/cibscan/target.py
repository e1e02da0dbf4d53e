"""The view a targeted person needs: who floods their replies and mentions, together.

``target(data, "free_voice_hk")`` takes every post that replies to or mentions the
target and the campaigns that detection finds on the whole data (the whole platform is
the chance baseline, so a brigade is a group that acts together beyond chance, not merely
many angry people).

Who attacks, and who stands by. A repost of the target is amplification, not a post
aimed at them, however many of them a crowd makes: reposts are counted apart (support).
A campaign two or more of whose members aimed posts at the target is a **brigade** when
those posts are hostile (a threat or insult of the editable lexicon
``cibscan/data/threats.csv``) significantly more often than the target's other repliers'
posts are, and at least twice as often (a binomial test, Bonferroni over the campaigns
tested); the other campaigns aimed at the target are listed apart as **groups**, with
their hostile share and how often they reposted the target (supporters cheering the
target, critics disagreeing politely, crowds). Measured on the held-back platform before
this: 63% of the accounts in the "brigades" were supporters (people who reposted the
dissident or replied "加油"), and the retweets diluted the real brigade's threat share to
9.8%. Brigades are ranked by their share of threats, size and posts, with their members,
busiest hour, the words they used and example posts with times.

Who amplifies the attackers. The accounts outside a brigade that reposted or quoted two
or more of its posts at the target are listed with it (``amplifiers``), with how many,
how soon after the posts, and the campaign and status detection gave them: an
operation's division of labour (some threaten, others give the threats reach) or
sympathisers, for the person targeted to tell apart with the evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from scipy.stats import binom

from .dataset import Dataset
from .detect import DetectConfig, detect
from .errors import InputError
from .findings import Findings
from .traits._base import data_table

TERM_COLUMNS = ["brigade", "term", "posts"]
#: Columns of the groups aimed at the target that are not brigades.
GROUP_COLUMNS = [
    "group",
    "size",
    "posts",
    "hostile_share",
    "reposts_of_target",
    "status",
    "assessment",
    "campaign_size",
]
#: Significance of the hostility test that makes a campaign a brigade.
BRIGADE_ALPHA = 0.01
EXAMPLE_COLUMNS = ["brigade", "post_id", "created_at", "account_id", "text"]
#: Columns of the accounts that amplified a brigade's posts at the target.
AMPLIFIER_COLUMNS = [
    "brigade",
    "account_id",
    "handle",
    "posts_amplified",
    "median_delay_s",
    "campaign",
    "status",
]
#: Fewest of a brigade's posts an account must have amplified to be listed: one repost
#: of a post that went round is not amplifying a brigade.
MIN_AMPLIFIED = 2


@dataclass
class TargetReport:
    """Brigades against one account, strongest first."""

    target: str  #: as given
    target_ids: list[str]  #: account ids it matched
    posts: int  #: replies and mentions aimed at the target (reposts of it not counted)
    accounts: int  #: distinct accounts that wrote them
    brigades: pd.DataFrame  #: one row per brigade
    members: pd.DataFrame  #: one row per brigade member
    flooders: pd.DataFrame  #: the accounts that posted at the target most, brigade or not
    findings: Findings
    #: per brigade, the lexicon terms its posts at the target used most: brigade, term, posts
    terms: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=TERM_COLUMNS))
    #: per brigade, its first posts at the target: brigade, post_id, created_at, account_id, text
    examples: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXAMPLE_COLUMNS))
    lexicon_terms: int = 0
    notes: list[str] = field(default_factory=list)
    #: campaigns aimed at the target whose posts are not hostile beyond its other
    #: repliers' (supporters, critics, crowds): one row per group
    groups: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=GROUP_COLUMNS))
    reposts: int = 0  #: reposts of the target's posts, by accounts other than the target
    #: accounts outside each brigade that reposted or quoted its posts at the target
    amplifiers: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=AMPLIFIER_COLUMNS)
    )

    def to_dict(self) -> dict[str, Any]:
        def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
            return [
                {
                    k: (None if pd.isna(v) else v.isoformat() if hasattr(v, "isoformat") else v)
                    for k, v in row.items()
                }
                for row in frame.to_dict(orient="records")
            ]

        return {
            "target": self.target,
            "target_ids": self.target_ids,
            "posts": self.posts,
            "accounts": self.accounts,
            "brigades": rows(self.brigades),
            "members": rows(self.members),
            "flooders": rows(self.flooders),
            "groups": rows(self.groups),
            "reposts": self.reposts,
            "amplifiers": rows(self.amplifiers),
            "terms": rows(self.terms),
            "examples": rows(self.examples),
            "notes": self.notes,
        }


def lexicon() -> pd.DataFrame:
    """The threat and insult terms: ``term, kind, language``."""
    return data_table("threats.csv")[["term", "kind", "language"]]


def _term_patterns(terms: pd.DataFrame) -> list[tuple[str, str, re.Pattern[str]]]:
    out = []
    for term, kind in zip(terms["term"], terms["kind"], strict=True):
        text = term.strip().lower()
        # words in alphabetic scripts match whole; CJK terms match anywhere
        pattern = rf"\b{re.escape(text)}\b" if text.isascii() else re.escape(text)
        out.append((text, kind, re.compile(pattern)))
    return out


def target(
    data: Dataset,
    who: str,
    findings: Findings | None = None,
    config: DetectConfig | None = None,
    *,
    top_examples: int = 3,
) -> TargetReport:
    """Brigades aimed at ``who`` (an account id or a handle, with or without @).

    ``findings`` are those of a detection on ``data``; without them detection runs here.
    """
    name = who.strip().lstrip("@")
    con = data.con
    ids = [
        r[0]
        for r in con.execute(
            "SELECT account_id FROM accounts WHERE account_id = $n OR lower(handle) = lower($n)",
            {"n": name},
        ).fetchall()
    ]
    keys = sorted({name, *ids})
    lowered = [k.lower() for k in keys]
    aimed = con.execute(
        """
        SELECT * FROM posts
        WHERE kind <> 'repost' AND (
              (kind = 'reply' AND parent_account_id IN (SELECT unnest($ids)))
           OR len(list_intersect(list_transform(mentions, lambda m: lower(m)), $low)) > 0)
        """,
        {"ids": keys, "low": lowered},
    ).df()
    # reposts of the target amplify it: support, never posts aimed at it
    reposted = con.execute(
        "SELECT account_id, count(*) AS n FROM posts WHERE kind = 'repost' "
        "AND parent_account_id IN (SELECT unnest($ids)) AND account_id NOT IN "
        "(SELECT unnest($ids)) GROUP BY account_id",
        {"ids": keys},
    ).df()
    reposts_by = reposted.set_index("account_id")["n"]
    if aimed.empty:
        raise InputError(
            str(data.report.files[0]) if data.report.files else "(input)",
            f"no replies to or mentions of '{who}' in the data",
            hint="give the account id or the handle as it appears in the posts",
        )
    aimed = aimed[~aimed["account_id"].isin(keys)]
    lexicon_terms = lexicon()
    lexicon_size = len(lexicon_terms)
    patterns = _term_patterns(lexicon_terms)
    lower = aimed["text"].fillna("").str.lower()
    hits = [[t for t, _, p in patterns if p.search(text)] for text in lower]
    kinds = dict(zip(lexicon_terms["term"].str.lower(), lexicon_terms["kind"], strict=True))
    aimed = aimed.assign(
        terms=hits,
        threat=[any(kinds.get(t) == "threat" for t in h) for h in hits],
        insult=[any(kinds.get(t) == "insult" for t in h) for h in hits],
    )
    aimed["hostile"] = aimed["threat"] | aimed["insult"]
    per_account = aimed.groupby("account_id").agg(
        posts=("post_id", "size"),
        threats=("threat", "sum"),
        insults=("insult", "sum"),
        first=("created_at", "min"),
        last=("created_at", "max"),
    )
    notes: list[str] = []
    members = pd.DataFrame(columns=["brigade", "account_id", "handle", "posts", "threats"])
    brigades = pd.DataFrame(
        columns=[
            "brigade",
            "size",
            "posts",
            "threat_share",
            "busiest_hour",
            "posts_in_busiest_hour",
            "status",
            "assessment",
            "campaign_size",
        ]
    )
    terms = pd.DataFrame(columns=TERM_COLUMNS)
    examples = pd.DataFrame(columns=EXAMPLE_COLUMNS)
    amplifiers = pd.DataFrame(columns=AMPLIFIER_COLUMNS)
    findings = findings if findings is not None else detect(data, config)
    acc = findings.accounts[
        findings.accounts["campaign"].notna()
        & findings.accounts["account_id"].isin(aimed["account_id"])
    ]
    acc = acc[acc.groupby("campaign")["account_id"].transform("size") >= 2]
    groups = pd.DataFrame(columns=GROUP_COLUMNS)
    if acc.empty:
        notes.append("no campaign has two or more members aiming at the target")
    else:
        hostile = _hostile_campaigns(acc, aimed)
        groups = _groups(acc[~acc["campaign"].isin(hostile)], aimed, reposts_by, findings)
        acc = acc[acc["campaign"].isin(hostile)]
        if acc.empty:
            notes.append(
                "no campaign aimed at the target is hostile beyond its other repliers "
                "(the groups aimed at it are listed apart)"
            )
        else:
            brigades, members, terms, examples = _brigades(
                acc, aimed, per_account, findings, top_examples
            )
            amplifiers = _amplifiers(data, members, aimed, findings)
    flooders = per_account.sort_values(["posts", "threats"], ascending=False).head(20).reset_index()
    if not members.empty:
        flooders["brigade"] = (
            flooders["account_id"].map(members.set_index("account_id")["brigade"]).astype("Int64")
        )
    else:
        flooders["brigade"] = pd.array([pd.NA] * len(flooders), dtype="Int64")
    return TargetReport(
        target=who,
        target_ids=ids,
        posts=len(aimed),
        accounts=int(aimed["account_id"].nunique()),
        brigades=brigades,
        members=members,
        flooders=flooders,
        findings=findings,
        lexicon_terms=lexicon_size,
        notes=notes,
        terms=terms,
        examples=examples,
        groups=groups,
        reposts=int(reposted["n"].sum()) if len(reposted) else 0,
        amplifiers=amplifiers,
    )


def _amplifiers(
    data: Dataset, members: pd.DataFrame, aimed: pd.DataFrame, findings: Findings
) -> pd.DataFrame:
    """Accounts outside each brigade that reposted or quoted at least ``MIN_AMPLIFIED`` of
    its posts at the target, most posts first."""
    theirs = aimed.merge(members[["brigade", "account_id"]], on="account_id")
    if theirs.empty:
        return pd.DataFrame(columns=AMPLIFIER_COLUMNS)
    posts = pd.DataFrame(
        {
            "brigade": theirs["brigade"].astype("int64"),
            "post_id": theirs["post_id"].astype(str),
            "posted": theirs["created_at"],
        }
    )
    con = data.con
    con.register("_brigade_posts", posts)
    try:
        found = con.execute(
            """
            SELECT b.brigade, p.account_id, count(DISTINCT b.post_id) AS posts_amplified,
                   median(epoch(p.created_at) - epoch(b.posted)) AS median_delay_s
            FROM posts p JOIN _brigade_posts b ON p.parent_post_id = b.post_id
            WHERE p.kind IN ('repost', 'quote')
            GROUP BY b.brigade, p.account_id
            HAVING count(DISTINCT b.post_id) >= $k
            """,
            {"k": MIN_AMPLIFIED},
        ).df()
    finally:
        con.unregister("_brigade_posts")
    # a brigade's members reposting each other are the brigade, not its amplifiers
    mark = members[["brigade", "account_id"]].astype({"brigade": "int64"}).assign(member=True)
    found = found.merge(mark, on=["brigade", "account_id"], how="left")
    found = found[found["member"].isna()].drop(columns="member")
    known = findings.accounts.set_index("account_id")
    out = found.assign(
        handle=found["account_id"].map(known["handle"]),
        campaign=found["account_id"].map(known["campaign"]).astype("Int64"),
        status=found["account_id"].map(known["status"]),
        median_delay_s=found["median_delay_s"].round().astype("Int64"),
    )
    out = out.sort_values(
        ["brigade", "posts_amplified", "account_id"], ascending=[True, False, True]
    )
    return out[AMPLIFIER_COLUMNS].reset_index(drop=True)


def _hostile_campaigns(acc: pd.DataFrame, aimed: pd.DataFrame) -> set[int]:
    """Campaigns whose posts at the target are hostile beyond the target's other
    repliers': binomial against the hostile share of everybody else's posts at it,
    Bonferroni over the campaigns tested, and at least twice that share."""
    camp = aimed["account_id"].map(acc.set_index("account_id")["campaign"])
    codes = camp.fillna(0).astype("int64").to_numpy()  # 0: in no campaign
    tested = sorted(int(c) for c in set(codes.tolist()) - {0})
    out = set()
    for c in tested:
        mine = codes == c
        k, n = int(aimed.loc[mine, "hostile"].sum()), int(mine.sum())
        others = aimed.loc[~mine, "hostile"]
        # one hostile post is assumed among the others, so that a target nobody else
        # insults does not make every insult significant
        base = (float(others.sum()) + 1.0) / (len(others) + 1.0)
        if k < 2 * base * n:
            continue
        if float(binom.sf(k - 1, n, base)) * len(tested) <= BRIGADE_ALPHA:
            out.add(c)
    return out


def _groups(
    acc: pd.DataFrame, aimed: pd.DataFrame, reposts_by: pd.Series, findings: Findings
) -> pd.DataFrame:
    """The campaigns aimed at the target that are not brigades, largest first."""
    if acc.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    campaigns = findings.campaigns.set_index("campaign")
    rows = []
    for camp, group in acc.groupby("campaign"):
        mine = aimed[aimed["account_id"].isin(group["account_id"])]
        info = campaigns.loc[camp]
        rows.append(
            {
                "group": int(camp),
                "size": len(group),
                "posts": len(mine),
                "hostile_share": round(float(mine["hostile"].mean()), 3),
                "reposts_of_target": int(reposts_by.reindex(group["account_id"]).fillna(0).sum()),
                "status": info["status"],
                "assessment": info["assessment"],
                "campaign_size": int(info["size"]),
            }
        )
    out = pd.DataFrame(rows, columns=GROUP_COLUMNS)
    return out.sort_values(["size", "posts", "group"], ascending=[False, False, True]).reset_index(
        drop=True
    )


def _brigades(
    acc: pd.DataFrame,
    aimed: pd.DataFrame,
    per_account: pd.DataFrame,
    findings: Findings,
    top_examples: int,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(brigades, members, terms, examples) of the campaigns in ``acc``."""
    rows = []
    member_rows = []
    term_rows: list[pd.DataFrame] = []
    example_rows: list[pd.DataFrame] = []
    campaigns = findings.campaigns.set_index("campaign")
    for camp, group in acc.groupby("campaign"):
        mine = aimed[aimed["account_id"].isin(group["account_id"])]
        hourly = mine["created_at"].dt.floor("h").value_counts()
        used = pd.Series([t for h in mine["terms"] for t in h], dtype=object).value_counts()
        term_rows.append(
            pd.DataFrame({"brigade": int(camp), "term": used.index[:5], "posts": used.values[:5]})
        )
        first = mine.sort_values(["created_at", "post_id"]).head(top_examples)
        example_rows.append(first[EXAMPLE_COLUMNS[1:]].assign(brigade=int(camp)))
        info = campaigns.loc[camp]
        rows.append(
            {
                "brigade": int(camp),
                "size": len(group),
                "posts": len(mine),
                "threat_share": round(float(mine["threat"].mean()), 3),
                "busiest_hour": hourly.index[0],
                "posts_in_busiest_hour": int(hourly.iloc[0]),
                "status": info["status"],
                "assessment": info["assessment"],
                "campaign_size": int(info["size"]),
            }
        )
        for account, handle in zip(group["account_id"], group["handle"], strict=True):
            member_rows.append(
                {
                    "brigade": int(camp),
                    "account_id": account,
                    "handle": handle,
                    "posts": int(per_account.loc[account, "posts"]),
                    "threats": int(per_account.loc[account, "threats"]),
                }
            )
    brigades = pd.DataFrame(rows)
    if not brigades.empty:
        brigades = brigades.sort_values(
            ["threat_share", "size", "posts"], ascending=False
        ).reset_index(drop=True)
    terms = pd.concat(term_rows, ignore_index=True)[TERM_COLUMNS]
    examples = pd.concat(example_rows, ignore_index=True)[EXAMPLE_COLUMNS]
    return brigades, pd.DataFrame(member_rows), terms, examples
