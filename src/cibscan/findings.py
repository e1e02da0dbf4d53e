"""The result object every output reads: accounts, campaigns, links, evidence, summary.

``Findings.save(folder)`` writes each table as Parquet (for machines) and CSV (for people,
with spreadsheet formulas neutralised), the link graph as GEXF for Gephi, and a JSON
summary; ``Findings.load(folder)`` reads the Parquet back, so ``report`` and ``serve``
never recompute detection.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .errors import FindingsError, clip
from .schema import POST_COLUMNS
from .status import AccountStatus, Assessment, CampaignStatus
from .traits.assess import MARKER_COLUMNS

FORMAT_VERSION = 7
#: Older formats ``load`` still reads; tables they lack come back empty, and format 3's
#: display strings are read into the long-form tables once, here. Format 6 counts
#: ``campaign_targets.led`` in episodes; format 5 counted it in keys. Format 7 adds the
#: ``coordinated`` status (nothing could be tested): before it, such a campaign was an
#: ``operation`` with the ``no_metadata`` assessment, and its members were flagged.
READABLE_VERSIONS = (2, 3, 4, 5, 6, 7)

#: The long-form tables about campaigns, with their columns and types. Each holds data,
#: never display strings: words are built by the outputs, the report and the CLI.
CAMPAIGN_TABLES: dict[str, dict[str, str]] = {
    # significant links inside the campaign, per behaviour
    "campaign_behaviours": {"campaign": "int64", "behaviour": "string", "links": "int64"},
    # the keys (texts, links, domains, hashtags, targets) shared by the most members
    "campaign_keys": {
        "campaign": "int64",
        "behaviour": "string",
        "key": "string",
        "label": "string",
        "members": "int64",
        "first_seen": "datetime64[us]",
        "last_seen": "datetime64[us]",
    },
    # the members' most used post languages
    "campaign_languages": {
        "campaign": "int64",
        "language": "string",
        "posts": "int64",
        "share": "float64",
    },
    # every inauthentic marker tested on the campaign (traits.assess)
    "campaign_markers": MARKER_COLUMNS,
    # where the campaign's own links send people, against everybody else's links
    "campaign_domains": {
        "campaign": "int64",
        "domain": "string",
        "links": "int64",
        "share": "float64",
        "others_share": "float64",
    },
    # accounts the campaign follows (amplifies, copies): in ``behaviour`` they were in
    # ``episodes`` of its episodes, on ``keys`` keys, and before every member in ``led``
    # of those episodes, against ``led_expected`` for a member; targets, never members
    "campaign_targets": {
        "campaign": "int64",
        "account_id": "string",
        "behaviour": "string",
        "episodes": "int64",
        "keys": "int64",
        "led": "int64",
        "led_expected": "float64",
    },
}
#: Tables each format added after format 4; a folder of an older format has them empty.
ADDED_IN = {"campaign_targets": 5}
TABLES = (
    "accounts",
    "campaigns",
    *CAMPAIGN_TABLES,
    "links",
    "link_behaviours",
    "evidence",
    "amplified_posts",
)
#: Columns holding a value of a fixed set, checked whenever findings are made or loaded.
ENUMS = {
    ("accounts", "status"): AccountStatus,
    ("campaigns", "status"): CampaignStatus,
    ("campaigns", "assessment"): Assessment,
}
#: Tables written as Parquet only: too long to be read as a spreadsheet.
PARQUET_ONLY = ("posts",)


@dataclass
class Findings:
    """What detection found, with the evidence behind every verdict.

    - ``accounts``: one row per account seen: ``flagged``, ``campaign``, ``score`` in
      [0, 1] and ``reasons`` in words.
    - ``campaigns``: one row per campaign: status, assessment, size, score, time span.
    - ``campaign_behaviours``, ``campaign_keys``, ``campaign_languages``,
      ``campaign_markers``, ``campaign_domains``, ``campaign_targets``: long-form tables
      about the campaigns (see ``CAMPAIGN_TABLES``).
    - ``links``: significant account pairs with p- and q-values and weight.
    - ``link_behaviours``: the same pairs broken down by behaviour, with the count
      expected by chance.
    - ``evidence``: the posts behind the links, side by side: the first episodes of each
      account's strongest links and of each campaign's (``evidence.evidence_links``).
    - ``amplified_posts``: posts whose early reposts came mostly from operations.
    - ``posts``: every post of the listed accounts (campaign, crowd, review), in the
      canonical schema, so that timelines and post histories need no input files. An
      Arrow table (half the memory of a DataFrame with list columns); ``posts_of`` gives
      the posts of some accounts as a DataFrame.
    - ``summary``: settings, input, counts, timings.
    """

    accounts: pd.DataFrame
    campaigns: pd.DataFrame
    links: pd.DataFrame
    link_behaviours: pd.DataFrame
    evidence: pd.DataFrame
    amplified_posts: pd.DataFrame = field(default_factory=pd.DataFrame)
    posts: pa.Table = field(default_factory=lambda: pa.table({}))
    summary: dict[str, Any] = field(default_factory=dict)
    campaign_behaviours: pd.DataFrame = field(default_factory=pd.DataFrame)
    campaign_keys: pd.DataFrame = field(default_factory=pd.DataFrame)
    campaign_languages: pd.DataFrame = field(default_factory=pd.DataFrame)
    campaign_markers: pd.DataFrame = field(default_factory=pd.DataFrame)
    campaign_domains: pd.DataFrame = field(default_factory=pd.DataFrame)
    campaign_targets: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        for name, columns in CAMPAIGN_TABLES.items():
            frame = getattr(self, name)
            if frame is None or (frame.empty and not len(frame.columns)):
                frame = pd.DataFrame(columns=list(columns))
            missing = set(columns) - set(frame.columns)
            if missing:
                raise FindingsError(f"{name} lacks column(s) {', '.join(sorted(missing))}")
            setattr(self, name, frame[list(columns)].astype(columns).reset_index(drop=True))
        for col in ("status", "assessment"):
            if col in self.campaigns:
                self.campaigns[col] = self.campaigns[col].astype("string")
        if "status" in self.accounts:
            self.accounts["status"] = self.accounts["status"].astype("string")
        for (table, col), enum in ENUMS.items():
            frame = getattr(self, table)
            if col in frame and len(frame):
                bad = set(frame[col].dropna().unique()) - {e.value for e in enum}
                if bad or frame[col].isna().any():
                    shown = ", ".join(sorted(map(str, bad)))[:200] or "a missing value"
                    raise FindingsError(f"{table}.{col}: {shown} is not a {enum.__name__}")

    @property
    def flagged(self) -> pd.DataFrame:
        """The accounts placed in a campaign, strongest first."""
        return self.accounts[self.accounts["flagged"]].sort_values("score", ascending=False)

    def posts_of(
        self, account_ids: Any | None = None, columns: list[str] | None = None
    ) -> pd.DataFrame:
        """Saved posts of ``account_ids`` (all when None), as a DataFrame."""
        table = self.posts
        if table.num_rows == 0:
            return pd.DataFrame(columns=columns or table.column_names or list(POST_COLUMNS))
        if account_ids is not None:
            wanted = pa.array(list(account_ids), type=table.schema.field("account_id").type)
            table = table.filter(pc.is_in(table["account_id"], value_set=wanted))
        if columns is not None:
            table = table.select(columns)
        return table.to_pandas()

    def save(self, folder: str) -> None:
        """Write Parquet + CSV per table, ``graph.gexf`` and ``summary.json`` to ``folder``."""
        from .outputs.gexf import write_gexf
        from .outputs.tables import write_csv, write_parquet

        os.makedirs(folder, exist_ok=True)
        for name in TABLES:
            frame: pd.DataFrame = getattr(self, name)
            write_parquet(frame, os.path.join(folder, f"{name}.parquet"))
            write_csv(frame, os.path.join(folder, f"{name}.csv"))
        for name in PARQUET_ONLY:
            pq.write_table(getattr(self, name), os.path.join(folder, f"{name}.parquet"))
        write_gexf(self, os.path.join(folder, "graph.gexf"))
        summary = {"format_version": FORMAT_VERSION, **self.summary}
        with open(os.path.join(folder, "summary.json"), "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=2, default=str, ensure_ascii=False)

    @classmethod
    def load(cls, folder: str) -> Findings:
        """Read a folder written by :meth:`save`."""
        path = os.path.join(folder, "summary.json")
        if not os.path.isfile(path):
            raise FindingsError(f"{folder}: not a findings folder (no summary.json)")
        try:
            with open(path, encoding="utf-8") as handle:
                summary = json.load(handle)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FindingsError(
                f"{path}: not a readable summary ({clip(exc, 120)}); run detect again"
            ) from None
        if not isinstance(summary, dict):
            raise FindingsError(f"{path}: not a findings summary (not a JSON object)")
        if summary.get("format_version") not in READABLE_VERSIONS:
            raise FindingsError(
                f"{folder}: findings format {summary.get('format_version')} is not one "
                f"this version reads ({', '.join(map(str, READABLE_VERSIONS))}); "
                "run detect again with this version"
            )
        version = int(summary["format_version"])
        tables: dict[str, Any] = {}
        for name in TABLES:
            table_path = os.path.join(folder, f"{name}.parquet")
            if version < ADDED_IN.get(name, 4) and name in CAMPAIGN_TABLES:
                continue
            if not os.path.isfile(table_path):
                raise FindingsError(f"{folder}: {name}.parquet is missing")
            tables[name] = _read_table(table_path).to_pandas()
        for name in PARQUET_ONLY:
            table_path = os.path.join(folder, f"{name}.parquet")
            if os.path.isfile(table_path):
                tables[name] = _read_table(table_path)
        summary.pop("format_version", None)
        try:
            if version < 4:
                tables.update(_from_format3(tables["campaigns"], tables["accounts"]))
            for name, columns in REQUIRED_COLUMNS.items():
                missing = sorted(set(columns) - set(tables[name].columns))
                if missing:
                    raise FindingsError(
                        f"{os.path.join(folder, name + '.parquet')}: lacks column(s) "
                        f"{clip(', '.join(missing))}; run detect again"
                    )
            return cls(**tables, summary=summary)
        except (KeyError, ValueError, TypeError) as exc:
            raise FindingsError(
                f"{folder}: tables that do not fit together ({clip(exc, 120)}); run detect again"
            ) from None


def members_hash(account_ids: Any) -> str:
    """A campaign's identity across runs: a hash of its sorted member ids. Two runs that
    find the same members find the same campaign, whatever number each gives it."""
    text = "\n".join(sorted(str(a) for a in account_ids))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def members_hashes(accounts: pd.DataFrame) -> pd.Series:
    """``members_hash`` of every campaign in ``accounts``, indexed by campaign number."""
    placed = accounts[accounts["campaign"].notna()]
    return placed.groupby(placed["campaign"].astype("int64"))["account_id"].agg(members_hash)


#: Columns every reader of findings relies on, checked when a folder is loaded.
REQUIRED_COLUMNS = {
    "accounts": ("account_id", "handle", "status", "campaign", "score", "flagged", "reasons"),
    "campaigns": ("campaign", "status", "size", "score", "first_seen", "last_seen"),
    "links": ("account_a", "account_b", "log10_q", "campaign"),
    "evidence": ("behaviour", "account_a", "account_b", "time_a", "time_b"),
}


def _read_table(path: str) -> pa.Table:
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise FindingsError(
            f"{path}: not a readable Parquet file ({clip(exc, 120)}); run detect again"
        ) from None


# --- reading formats 2 and 3 -------------------------------------------------------------

#: Format 3 kept each campaign's top keys as one display string per kind.
_LEGACY_KEYS = {
    "top_texts": ("copypaste", ""),
    "top_urls": ("colink", ""),
    "top_domains": ("codomain", ""),
    "top_hashtags": ("cohashtag", "#"),
    "top_targets": ("comention", "@"),
}
_LEGACY_ITEM = re.compile(r"^(?P<label>.*) \((?P<members>\d+)\)$", re.S)
_LEGACY_MARKER = re.compile(r"^(?P<k>\d+) of (?P<m>\d+) members .*\((?P<name>[^:()]+): ")


def _from_format3(campaigns: pd.DataFrame, accounts: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Formats 2 and 3 as format 4: statuses as enums, display strings as long tables.

    Those formats joined items with separators that the items themselves may contain
    (a headline with " | " in it), so what is read back is the best reading of an
    ambiguous string; detect again for exact tables.
    """
    camps = campaigns.copy()
    status = camps["status"].astype(object).fillna("")
    camps["status"] = [
        CampaignStatus.CROWD.value if s.startswith("authentic") else CampaignStatus.OPERATION.value
        for s in status
    ]
    camps["assessment"] = [
        Assessment.NO_METADATA.value
        if "no account metadata" in s
        else Assessment.OFF.value
        if "assessment off" in s
        else Assessment.TESTED.value
        for s in status
    ]
    behaviours: list[tuple[Any, ...]] = []
    keys: list[tuple[Any, ...]] = []
    languages: list[tuple[Any, ...]] = []
    markers: list[tuple[Any, ...]] = []
    domains: list[tuple[Any, ...]] = []
    for row in camps.to_dict("records"):
        camp = int(row["campaign"])
        for part in _legacy_parts(row.get("behaviours"), ", "):
            name, _, links = part.partition(":")
            behaviours.append((camp, name, int(links) if links.isdigit() else 0))
        for column, (behaviour, prefix) in _LEGACY_KEYS.items():
            for label, count in _legacy_items(row.get(column)):
                label = label[len(prefix) :] if prefix and label.startswith(prefix) else label
                keys.append((camp, behaviour, label, label, count, pd.NaT, pd.NaT))
        for part in _legacy_parts(row.get("languages"), ", "):
            language, _, pct = part.partition(" ")
            share = float(pct.rstrip("%")) / 100 if pct.rstrip("%").isdigit() else float("nan")
            languages.append((camp, language, 0, share))
        for part in _legacy_parts(row.get("markers"), "; "):
            found = _LEGACY_MARKER.match(part)
            if found:
                k, m = int(found["k"]), int(found["m"])
                markers.append((camp, found["name"], k, m, k / m if m else None, True))
            elif "office-hours" in part:
                markers.append((camp, "office hours", None, None, None, True))
        for part in _legacy_parts(row.get("off_platform"), " | "):
            domain, _, rest = part.partition(": ")
            percent = re.match(r"(\d+)%", rest)
            domains.append((camp, domain, 0, int(percent[1]) / 100 if percent else None, None))
    acc = accounts.copy()
    if "status" in acc:
        acc["status"] = acc["status"].astype(object).fillna("").replace("", "none")
    tables = {
        "campaign_behaviours": pd.DataFrame(behaviours, columns=["campaign", "behaviour", "links"]),
        "campaign_keys": pd.DataFrame(keys, columns=list(CAMPAIGN_TABLES["campaign_keys"])),
        "campaign_languages": pd.DataFrame(
            languages, columns=list(CAMPAIGN_TABLES["campaign_languages"])
        ),
        "campaign_markers": pd.DataFrame(
            markers, columns=["campaign", "marker", "members", "tested", "share", "significant"]
        ).reindex(columns=list(MARKER_COLUMNS)),
        "campaign_domains": pd.DataFrame(
            domains, columns=list(CAMPAIGN_TABLES["campaign_domains"])
        ),
    }
    tables["campaign_markers"]["significant"] = True
    legacy = ["behaviours", "markers", "languages", "off_platform", *_LEGACY_KEYS]
    camps["members_hash"] = camps["campaign"].astype("int64").map(members_hashes(acc))
    return {
        **tables,
        "campaigns": camps.drop(columns=[c for c in legacy if c in camps]),
        "accounts": acc,
    }


def _legacy_items(text: Any) -> list[tuple[str, int]]:
    """``"label (12) | other (3)"`` as (label, members); a part without its count is
    the start of a label that itself held " | ", so it joins the next part."""
    out, pending = [], []
    for part in _legacy_parts(text, " | "):
        pending.append(part)
        match = _LEGACY_ITEM.match(" | ".join(pending))
        if match:
            out.append((match["label"], int(match["members"])))
            pending = []
    if pending:
        out.append((" | ".join(pending), 0))
    return out


def _legacy_parts(text: Any, sep: str) -> list[str]:
    return [p for p in text.split(sep) if p] if isinstance(text, str) and text else []
