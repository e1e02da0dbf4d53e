"""Findings -> plain JSON-ready dicts: what the report and the dashboard show.

Every function here is pure: it reads a :class:`~cibscan.findings.Findings` and returns
lists and dicts of strings, numbers and ``None``, never markup. The report embeds these
as JSON and the dashboard serves them from its API; the same front-end draws both, and
writes every string from the data as text, never as HTML.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import Any

import igraph as ig
import numpy as np
import pandas as pd

from .behaviours import base_name
from .cluster import link_weight
from .detect import format_window
from .evidence import CAMPAIGN_LINKS
from .findings import Findings
from .resolution import in_words
from .status import LISTED, AccountStatus, CampaignStatus, campaign_words
from .traits import MARKERS, TRAIT_COLUMNS
from .traits.assess import SCHEDULE_MARKER

#: Colours of campaigns in the graph and timelines (colour-blind-safe first eight, then
#: a darker repeat); campaign n gets ``PALETTE[(n - 1) % len(PALETTE)]``.
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#7f3c8d",
    "#11a579",
    "#3969ac",
    "#f2b701",
    "#e73f74",
    "#80ba5a",
    "#e68310",
    "#008695",
    "#cf1c90",
)
UNPLACED_COLOUR = "#9aa0a6"
#: Members drawn as their own band in a campaign timeline; the rest share one band.
TIMELINE_MEMBERS = 6
EVIDENCE_PAIRS = CAMPAIGN_LINKS  # the campaign's strongest links: their evidence is kept
EVIDENCE_PER_PAIR = 3
#: Which shared keys a campaign view lists together, by the behaviour that found them.
KEY_GROUPS = {
    "top_texts": ("copypaste", "corepost", "coreply"),
    "top_urls": ("colink",),
    "top_domains": ("codomain",),
    "top_hashtags": ("cohashtag",),
    "top_targets": ("comention",),
    "top_objects": ("coobject",),
}
#: How a view writes a key of these groups (a hashtag set as #..., a target as @...).
KEY_PREFIX = {"top_hashtags": "#", "top_targets": "@"}
LABEL_CHARS = 200  #: a shared text is cut to this many characters in views


def clean(value: Any) -> Any:
    """A JSON-safe scalar: timestamps as ``YYYY-MM-DD HH:MM:SS`` (UTC), NaN/NA as None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else clean(pd.Timestamp(value))
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), 6)
    if isinstance(value, list | tuple | np.ndarray):
        return [clean(v) for v in value]
    return value


def records(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of clean values."""
    cols = [c for c in (columns or frame.columns) if c in frame.columns]
    return [
        {c: clean(v) for c, v in zip(cols, row, strict=True)}
        for row in frame[cols].itertuples(index=False, name=None)
    ]


def is_operation(status: Any) -> bool:
    return status == CampaignStatus.OPERATION


def colour(campaign: Any) -> str:
    if campaign is None or pd.isna(campaign):
        return UNPLACED_COLOUR
    return PALETTE[(int(campaign) - 1) % len(PALETTE)]


# --- overview --------------------------------------------------------------------------


def overview(findings: Findings, title: str | None = None) -> dict[str, Any]:
    """Data covered, counts and the settings used, for the report's first screen."""
    summary = findings.summary
    data = summary.get("input", {})
    counts = summary.get("counts", {})
    settings = summary.get("settings", {})
    campaigns = findings.campaigns
    first = campaigns["first_seen"].min() if len(campaigns) else None
    last = campaigns["last_seen"].max() if len(campaigns) else None
    return {
        "title": title or "cibscan findings",
        # Only file names: a shared report should not reveal the analyst's folders.
        "files": [os.path.basename(str(f)) for f in data.get("files", [])],
        "posts": data.get("posts"),
        "accounts": data.get("accounts"),
        "skipped": data.get("skipped", {}),
        "campaigns": len(campaigns),
        "operations": int(sum(is_operation(s) for s in campaigns.get("status", []))),
        "cleared": counts.get("campaigns_cleared", 0),
        "unassessed": counts.get("campaigns_unassessed", 0),
        "flagged_accounts": counts.get("flagged_accounts"),
        "review_accounts": counts.get("review_accounts"),
        "significant_links": counts.get("significant_links"),
        "pairs_tested": counts.get("pairs_tested"),
        "amplified_posts": counts.get("amplified_posts"),
        "activity_from": clean(first),
        "activity_to": clean(last),
        "posts_saved": findings.posts.num_rows,
        "settings": {
            "behaviours": settings.get("behaviours", []),
            "windows_seconds": settings.get("windows_seconds", {}),
            "windows": {
                name: format_window(int(seconds))
                for name, seconds in settings.get("windows_seconds", {}).items()
            },
            # how finely the post times are given, and the windows raised to that grain
            # (each with the window asked for)
            "post_times_to": in_words(int(data.get("time_step_seconds", 1))),
            "windows_raised_from": {
                name: format_window(int(seconds))
                for name, seconds in settings.get("windows_raised_from", {}).items()
            },
            "false_discovery_rate": settings.get("link", {}).get("alpha"),
            "cluster_resolution": settings.get("cluster", {}).get("resolution"),
            "min_campaign_size": settings.get("cluster", {}).get("min_size"),
            "assess_campaigns": settings.get("assess_campaigns"),
            "suspended_accounts_given": len(settings.get("traits", {}).get("suspended") or []),
        },
        "sampling": summary.get("sampling", {}),
        "timings_seconds": summary.get("timings_seconds", {}),
    }


def extras(findings: Findings) -> dict[str, Any]:
    """Accounts listed for review on traits alone, and posts amplified by operations."""
    return {
        "review_list": records(
            findings.accounts[findings.accounts["status"] == AccountStatus.REVIEW],
            ("account_id", "handle", "score", "trait_reasons"),
        ),
        "amplified_posts": records(findings.amplified_posts),
    }


# --- campaigns -------------------------------------------------------------------------


_MARKER_TEXT = {m.name: m.text for m in MARKERS}


def marker_words(row: dict[str, Any]) -> str:
    """One row of ``campaign_markers`` in words."""
    name = row["marker"]
    if name == SCHEDULE_MARKER:
        if row.get("utc_offset") is None:
            return "members' posts keep an office-hours schedule"
        return (
            f"members' posts keep an office-hours schedule of UTC{int(row['utc_offset']):+d}: "
            f"{row['share']:.0%} of the hours they posted in are weekdays 09:00-18:00 "
            f"outside lunch (the data's "
            f"rhythm gives {row['population_share']:.0%}), {row['weekend_share']:.0%} at "
            f"weekends, {row['lunch_share']:.0%} at lunch"
        )
    what = _MARKER_TEXT.get(name, "carry it")
    text = f"{row['members']} of {row['tested']} members {what} ({name}"
    if row.get("population_share") is not None:
        text += f": {row['population_share']:.0%} of all accounts"
    return text + ")"


def language_words(items: list[dict[str, Any]]) -> str:
    """``en 60%, zh 40%`` from rows of ``campaign_languages``."""
    return ", ".join(
        f"{r['language']} {r['share']:.0%}" if r["share"] is not None else r["language"]
        for r in items
    )


def domain_words(items: list[dict[str, Any]]) -> str:
    """Where a campaign sends people, from rows of ``campaign_domains``."""
    parts = []
    for r in items:
        text = r["domain"]
        if r["share"] is not None:
            text += f": {r['share']:.0%} of its links"
        if r["others_share"] is not None:
            text += f" ({r['others_share']:.2%} of others')"
        parts.append(text)
    return "; ".join(parts)


def target_words(items: list[dict[str, Any]], handles: dict[str, str]) -> str:
    """Whom a campaign follows, from rows of ``campaign_targets``: ``@cgtn (before every
    member in 3 of the 3 episodes it shares with the campaign, where a member would be
    in about 0.2; on 3 keys, copypaste@1d)``."""
    parts = []
    for r in items:
        who = handles.get(str(r["account_id"])) or str(r["account_id"])
        parts.append(
            f"@{who} (before every member in {r['led']} of the {r['episodes']} episodes it "
            f"shares with the campaign, where a member would be in about "
            f"{r['led_expected']:.2g}; on {r['keys']} keys, {r['behaviour']})"
        )
    return "; ".join(parts)


def _by_campaign(frame: pd.DataFrame) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    for row in records(frame):
        out.setdefault(int(row["campaign"]), []).append(row)
    return out


def campaign_list(findings: Findings) -> list[dict[str, Any]]:
    """Campaigns ranked for review: operations first, then by score and size."""
    behaviours = _by_campaign(findings.campaign_behaviours)
    keys = _by_campaign(findings.campaign_keys)
    languages = _by_campaign(findings.campaign_languages)
    markers = _by_campaign(findings.campaign_markers)
    domains = _by_campaign(findings.campaign_domains)
    targets = _by_campaign(findings.campaign_targets)
    handles: dict[str, str] = {}
    if len(findings.campaign_targets):
        named = findings.accounts[
            findings.accounts["account_id"].isin(findings.campaign_targets["account_id"])
        ]
        handles = {
            str(a): str(h)
            for a, h in zip(named["account_id"], named["handle"], strict=True)
            if pd.notna(h)
        }
    out = []
    for row in records(findings.campaigns):
        camp = int(row["campaign"])
        found = [m for m in markers.get(camp, []) if m["significant"]]
        schedule = next((m for m in found if m["marker"] == SCHEDULE_MARKER), None)
        langs = languages.get(camp, [])
        shared = keys.get(camp, [])
        item = {
            "id": camp,
            "status": row["status"],
            "assessment": row["assessment"],
            "status_text": campaign_words(row["status"], row["assessment"]),
            "operation": is_operation(row["status"]),
            "markers": [marker_words(m) for m in found],
            "markers_tested": [m["marker"] for m in markers.get(camp, [])],
            "schedule": marker_words(schedule) if schedule else None,
            "size": row["size"],
            "score": row["score"],
            "behaviours": [
                {"name": b["behaviour"], "links": b["links"]} for b in behaviours.get(camp, [])
            ],
            "languages": [r["language"] for r in langs],
            "languages_text": language_words(langs),
            "first_seen": row.get("first_seen"),
            "last_seen": row.get("last_seen"),
            # under cibscan watch: its identity across runs and when it first formed
            "live_id": row.get("live_id"),
            "formed_at": row.get("formed_at"),
            "off_platform": domain_words(domains.get(camp, [])),
            "follows": target_words(targets.get(camp, []), handles),
            "colour": colour(camp),
        }
        for group, names in KEY_GROUPS.items():
            item[group] = [
                {
                    "label": KEY_PREFIX.get(group, "") + str(k["label"])[:LABEL_CHARS],
                    "members": k["members"],
                }
                for k in shared
                if base_name(k["behaviour"]) in names
            ]
        out.append(item)
    out.sort(key=lambda c: (not c["operation"], -(c["score"] or 0), -c["size"], c["id"]))
    for rank, item in enumerate(out, 1):
        item["rank"] = rank
    return out


def filter_campaigns(
    campaigns: list[dict[str, Any]],
    *,
    behaviour: str | None = None,
    min_score: float | None = None,
    language: str | None = None,
    since: str | None = None,
    until: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """The campaigns of :func:`campaign_list` that pass every filter given.

    ``since``/``until`` keep campaigns active at some time in that range (ISO dates);
    ``status`` is ``operation``, ``crowd`` or ``coordinated`` (unassessed).
    """
    out = []
    for c in campaigns:
        if behaviour and behaviour not in {b["name"] for b in c["behaviours"]}:
            continue
        if min_score is not None and (c["score"] or 0) < min_score:
            continue
        if language and language not in c["languages"]:
            continue
        if since and (c["last_seen"] or "") < since:
            continue
        if until and (c["first_seen"] or "9999") > until + "\uffff":
            continue
        if status and c["status"] != status:
            continue
        out.append(c)
    return out


ACCOUNT_FIELDS = (
    "account_id",
    "handle",
    "display_name",
    "bio",
    "status",
    "campaign",
    "score",
    "posts",
    "significant_links",
    "reasons",
    *TRAIT_COLUMNS,
)


EVIDENCE_FIELDS = (
    "behaviour",
    "account_a",
    "account_b",
    "key",
    "post_a",
    "time_a",
    "text_a",
    "language_a",
    "post_b",
    "time_b",
    "text_b",
    "language_b",
    "gap_seconds",
    "similarity",
)
HISTORY_FIELDS = (
    "post_id",
    "created_at",
    "kind",
    "text",
    "language",
    "parent_account_id",
    "urls",
    "hashtags",
    "mentions",
)


def members(findings: Findings, campaign: int) -> list[dict[str, Any]]:
    frame = findings.accounts[findings.accounts["campaign"] == campaign]
    return records(
        frame.sort_values(["score", "account_id"], ascending=[False, True]), ACCOUNT_FIELDS
    )


def _epoch(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[s]").astype(np.int64)


def timeline(mine: pd.DataFrame, ids: list[str], handles: dict[str, str]) -> dict[str, Any]:
    """Posts per time bucket of a group of accounts (``mine``: their posts), the busiest
    members stacked apart.

    The bucket is an hour for up to 60 days of activity, a day up to three years, a week
    beyond. Counts are sparse: ``[[bucket index, count], ...]`` per band.
    """
    if mine.empty:
        return {"bucket_seconds": 3600, "start": None, "buckets": 0, "bands": []}
    t = _epoch(mine["created_at"])
    span = int(t.max() - t.min())
    bucket = 3600 if span <= 60 * 86400 else 86400 if span <= 3 * 365 * 86400 else 7 * 86400
    start = int(t.min()) // bucket * bucket
    index = (t - start) // bucket
    busiest = (
        mine["account_id"]
        .value_counts()
        .sort_index()
        .sort_values(ascending=False, kind="stable")
        .index[:TIMELINE_MEMBERS]
    )
    bands = []
    account = mine["account_id"].to_numpy(dtype=object)
    rest = np.ones(len(mine), dtype=bool)
    for member in busiest:
        sel = account == member
        rest &= ~sel
        bands.append(
            {
                "label": handles.get(member) or member,
                "account_id": member,
                "counts": _sparse(index[sel]),
            }
        )
    if rest.any():
        others = len(set(ids) - set(busiest))
        bands.append(
            {"label": f"{others} other members", "account_id": None, "counts": _sparse(index[rest])}
        )
    return {
        "bucket_seconds": bucket,
        "start": clean(pd.Timestamp(start, unit="s")),
        "buckets": int(index.max()) + 1,
        "bands": bands,
    }


def _sparse(index: np.ndarray) -> list[list[int]]:
    keys, counts = np.unique(index, return_counts=True)
    return [[int(k), int(c)] for k, c in zip(keys, counts, strict=True)]


def hour_of_week(posts: pd.DataFrame) -> list[int]:
    """168 counts: posts per UTC hour of the week, Monday 00:00 first."""
    if posts.empty:
        return [0] * 168
    ts = pd.DatetimeIndex(posts["created_at"])
    slot = ts.day_of_week.to_numpy() * 24 + ts.hour.to_numpy()
    return np.bincount(slot, minlength=168).astype(int).tolist()


def pair_evidence(
    evidence: pd.DataFrame, pairs: pd.DataFrame, per_pair: int = EVIDENCE_PER_PAIR
) -> list[dict[str, Any]]:
    """For each pair (``account_a``, ``account_b``) in order, its first evidence rows."""
    if pairs.empty or evidence.empty:
        return []
    keyed = evidence.merge(pairs[["account_a", "account_b"]], on=["account_a", "account_b"])
    keyed = keyed.sort_values(["account_a", "account_b", "time_a", "behaviour"], kind="stable")
    order = {
        (a, b): i
        for i, (a, b) in enumerate(zip(pairs["account_a"], pairs["account_b"], strict=True))
    }
    grouped = keyed.groupby(["account_a", "account_b"], sort=False).head(per_pair)
    grouped = grouped.assign(
        _rank=[
            order[(a, b)] for a, b in zip(grouped["account_a"], grouped["account_b"], strict=True)
        ]
    ).sort_values("_rank", kind="stable")
    return records(grouped, EVIDENCE_FIELDS)


def campaign_detail(
    findings: Findings, campaign: int, campaigns: list[dict[str, Any]] | None = None
) -> dict[str, Any] | None:
    """One campaign with its members, timeline, hour-of-week rhythm and evidence.

    ``campaigns``: :func:`campaign_list` of these findings where the caller has it.
    """
    listed = {c["id"]: c for c in (campaign_list(findings) if campaigns is None else campaigns)}
    if campaign not in listed:
        return None
    people = members(findings, campaign)
    ids = [m["account_id"] for m in people]
    handles = {m["account_id"]: m["handle"] for m in people}
    saved = findings.posts.num_rows > 0
    mine = findings.posts_of(ids, ["account_id", "created_at"])
    links = findings.links
    inside = links[links["campaign"] == campaign].sort_values(["log10_q", "account_a", "account_b"])
    return {
        **listed[campaign],
        "members": people,
        "links": len(inside),
        "timeline": timeline(mine, ids, handles) if saved else None,
        "hour_of_week": hour_of_week(mine) if saved else None,
        "population_hour_of_week": findings.summary.get("population_hour_of_week"),
        "evidence": pair_evidence(findings.evidence, inside.head(EVIDENCE_PAIRS)),
    }


# --- accounts --------------------------------------------------------------------------


def account_detail(
    findings: Findings, account_id: str, *, history: bool = True
) -> dict[str, Any] | None:
    """One account: its verdict, traits, links, evidence and (``history``) every post."""
    return account_details(findings, [account_id], history=history).get(account_id)


def _both_ends(frame: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    """Pair rows once per listed endpoint: ``account`` is that end, ``partner`` the other."""
    a = frame[frame["account_a"].isin(ids)].assign(
        account=lambda f: f["account_a"], partner=lambda f: f["account_b"]
    )
    b = frame[frame["account_b"].isin(ids)].assign(
        account=lambda f: f["account_b"], partner=lambda f: f["account_a"]
    )
    return pd.concat([a, b], ignore_index=True)


def account_details(
    findings: Findings,
    account_ids: Iterable[str],
    *,
    history: bool = True,
    links_per_account: int | None = None,
    evidence_per_account: int = 60,
) -> dict[str, dict[str, Any]]:
    """:func:`account_detail` for many accounts in one pass over links and evidence."""
    ids = set(account_ids)
    rows = findings.accounts[findings.accounts["account_id"].isin(ids)]
    out = {r["account_id"]: r for r in records(rows, ACCOUNT_FIELDS)}
    link_cols = (
        "partner",
        "behaviours",
        "shared",
        "q_value",
        "campaign",
        "first_seen",
        "last_seen",
    )
    links = _both_ends(findings.links, ids).sort_values(["account", "log10_q", "partner"])
    totals = links.groupby("account").size()
    if links_per_account is not None:
        links = links.groupby("account", sort=False).head(links_per_account)
    ev = _both_ends(findings.evidence, ids)
    ev_totals = ev.groupby("account").size()
    # the links whose posts were kept (each account's strongest, ``evidence.evidence_links``)
    ev_links = ev.groupby("account")["partner"].nunique()
    ev = ev.sort_values(["account", "time_a", "account_a", "account_b", "behaviour", "post_a"])
    ev = ev.groupby("account", sort=False).head(evidence_per_account)
    own_posts = findings.posts_of(ids, None if history else ["account_id", "created_at"])
    by_link = {k: g for k, g in links.groupby("account", sort=False)}
    by_ev = {k: g for k, g in ev.groupby("account", sort=False)}
    by_post = {k: g for k, g in own_posts.groupby("account_id", sort=False)}
    empty_links, empty_ev = links.iloc[:0], ev.iloc[:0]
    for account, item in out.items():
        item["links"] = records(by_link.get(account, empty_links), link_cols)
        item["links_total"] = int(totals.get(account, 0))
        item["evidence"] = records(by_ev.get(account, empty_ev), EVIDENCE_FIELDS)
        item["evidence_total"] = int(ev_totals.get(account, 0))
        item["evidence_links"] = int(ev_links.get(account, 0))
        mine = by_post.get(account)
        item["posts_saved"] = mine is not None
        if history:
            item["hour_of_week"] = hour_of_week(mine) if mine is not None else None
            item["history"] = (
                records(mine.sort_values(["created_at", "post_id"]), HISTORY_FIELDS)
                if mine is not None
                else []
            )
    return out


def account_list(
    findings: Findings, *, query: str | None = None, limit: int = 200, offset: int = 0
) -> dict[str, Any]:
    """Listed accounts (campaign, crowd, review), optionally those whose id, handle or
    name contains ``query`` (case-insensitive)."""
    acc = findings.accounts
    acc = acc[acc["status"].isin(LISTED)]
    if query:
        q = query.lower()
        hit = np.zeros(len(acc), dtype=bool)
        for col in ("account_id", "handle", "display_name"):
            hit |= (
                acc[col]
                .astype("string")
                .str.lower()
                .str.contains(q, regex=False, na=False)
                .to_numpy(dtype=bool, na_value=False)
            )
        acc = acc[hit]
    fields = (
        "account_id",
        "handle",
        "display_name",
        "status",
        "campaign",
        "score",
        "posts",
        "reasons",
        "trait_reasons",
    )
    return {"total": len(acc), "items": records(acc.iloc[offset : offset + limit], fields)}


# --- graph -----------------------------------------------------------------------------


def graph(findings: Findings, max_edges: int = 200_000) -> dict[str, Any]:
    """Accounts in campaigns or on a significant link, laid out campaign by campaign.

    Each campaign is laid out on its own (Fruchterman-Reingold on its links, from a
    circle, so the picture is the same every time) and the groups are packed in rows,
    largest first; accounts linked outside any campaign form one last group. Nodes are
    ``[id, label, x, y, size, campaign, colour, status]``, edges ``[i, j, weight]``,
    strongest first, at most ``max_edges``.
    """
    acc = findings.accounts
    links = findings.links.sort_values(["log10_q", "account_a", "account_b"])
    if len(links) > max_edges:
        links = links.head(max_edges)
    ids = pd.unique(
        pd.concat(
            [
                acc.loc[acc["campaign"].notna(), "account_id"],
                links["account_a"],
                links["account_b"],
            ],
            ignore_index=True,
        )
    )
    info = acc.set_index("account_id").reindex(ids)
    index = {a: i for i, a in enumerate(ids)}
    ai = links["account_a"].map(index).to_numpy(dtype=np.int64)
    bi = links["account_b"].map(index).to_numpy(dtype=np.int64)
    weight = link_weight(links["log10_q"].to_numpy(dtype=np.float64))
    groups = info["campaign"].astype("Int64").fillna(0).to_numpy(dtype=np.int64)
    xy = _layout(len(ids), ai, bi, weight, groups)
    nodes = []
    for i, account in enumerate(ids):
        camp = info["campaign"].iloc[i]
        score = info["score"].iloc[i]
        score = 0.0 if pd.isna(score) else float(score)
        nodes.append(
            [
                account,
                clean(info["handle"].iloc[i]) or account,
                round(float(xy[i, 0]), 3),
                round(float(xy[i, 1]), 3),
                round(2 + 4 * score, 2),
                None if pd.isna(camp) else int(camp),
                colour(camp),
                clean(info["status"].iloc[i]),
            ]
        )
    edges = [[int(a), int(b), round(float(w), 3)] for a, b, w in zip(ai, bi, weight, strict=True)]
    return {"nodes": nodes, "edges": edges, "edges_left_out": int(len(findings.links) - len(links))}


def _layout(
    n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    xy = np.zeros((n, 2))
    placed: list[tuple[float, np.ndarray]] = []
    # largest campaigns first, the unplaced group (0) last
    order = sorted(set(groups.tolist()), key=lambda g: (g == 0, -(groups == g).sum(), g))
    for g in order:
        nodes = np.flatnonzero(groups == g)
        local = {int(v): k for k, v in enumerate(nodes)}
        keep = (groups[a] == g) & (groups[b] == g)
        edges = [(local[int(x)], local[int(y)]) for x, y in zip(a[keep], b[keep], strict=True)]
        sub = ig.Graph(n=len(nodes), edges=edges)
        if len(nodes) == 1:
            pos = np.zeros((1, 2))
        else:
            angle = 2 * np.pi * np.arange(len(nodes)) / len(nodes)
            seed = np.column_stack([np.cos(angle), np.sin(angle)]) * math.sqrt(len(nodes))
            pos = np.asarray(
                sub.layout_fruchterman_reingold(
                    seed=seed.tolist(),
                    weights=weight[keep].tolist() or None,
                    niter=300,
                    grid="nogrid" if len(nodes) < 1000 else "grid",
                ).coords
            )
        pos -= pos.mean(axis=0)
        radius = max(float(np.sqrt((pos**2).sum(axis=1)).max()), 1e-9)
        target = math.sqrt(len(nodes)) * 2.0 + 1.0
        placed.append((target, pos * (target / radius) if radius > 1e-6 else pos))
    # pack the groups' discs in rows, largest first
    total = sum((2 * r) ** 2 for r, _ in placed)
    width = max(math.sqrt(total) * 1.3, 2 * placed[0][0]) if placed else 0
    x = y = row_height = 0.0
    for (r, pos), g in zip(placed, order, strict=True):
        if x > 0 and x + 2 * r > width:
            x, y, row_height = 0.0, y + row_height + 2.0, 0.0
        centre = np.array([x + r, y + r])
        xy[groups == g] = pos + centre
        x += 2 * r + 2.0
        row_height = max(row_height, 2 * r)
    xy[:, 1] = -xy[:, 1]  # first row at the top
    return xy


# --- everything, for the self-contained report ------------------------------------------


def report_data(findings: Findings, title: str | None = None) -> dict[str, Any]:
    """All a report shows, as one JSON-ready dict."""
    campaigns = campaign_list(findings)
    details = {str(c["id"]): campaign_detail(findings, c["id"], campaigns) for c in campaigns}
    listed = findings.accounts[findings.accounts["status"].isin(LISTED)]  # members included
    accounts = account_details(
        findings,
        listed["account_id"],
        history=False,
        links_per_account=10,
        evidence_per_account=4,
    )
    return {
        "overview": overview(findings, title),
        "campaigns": campaigns,
        "campaign_details": details,
        "accounts": accounts,
        **extras(findings),
        "graph": graph(findings),
    }
