"""The view a targeted person needs: who floods their replies and mentions, together.

``target(data, "free_voice_hk")`` takes every post that replies to or mentions the
target and the campaigns that detection finds on the whole data (the whole platform is
the chance baseline, so a brigade is a group that acts together beyond chance, not merely
many angry people). A brigade is a campaign two or more of whose members aimed posts at
the target; brigades are ranked by their share of threats, size and posts, with their
members, busiest hour, the threats and insults they used (from the editable lexicon
``cibscan/data/threats.csv``) and example posts with times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .dataset import Dataset
from .detect import DetectConfig, detect
from .errors import InputError
from .findings import Findings
from .traits._base import data_table

TERM_COLUMNS = ["brigade", "term", "posts"]
EXAMPLE_COLUMNS = ["brigade", "post_id", "created_at", "account_id", "text"]


@dataclass
class TargetReport:
    """Brigades against one account, strongest first."""

    target: str  #: as given
    target_ids: list[str]  #: account ids it matched
    posts: int  #: replies and mentions aimed at the target
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
        WHERE (kind = 'reply' AND parent_account_id IN (SELECT unnest($ids)))
           OR len(list_intersect(list_transform(mentions, lambda m: lower(m)), $low)) > 0
        """,
        {"ids": keys, "low": lowered},
    ).df()
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
    findings = findings if findings is not None else detect(data, config)
    acc = findings.accounts[
        findings.accounts["campaign"].notna()
        & findings.accounts["account_id"].isin(aimed["account_id"])
    ]
    acc = acc[acc.groupby("campaign")["account_id"].transform("size") >= 2]
    if acc.empty:
        notes.append("no campaign has two or more members aiming at the target")
    else:
        brigades, members, terms, examples = _brigades(
            acc, aimed, per_account, findings, top_examples
        )
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
