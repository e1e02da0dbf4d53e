"""detect(): posts -> traces -> links -> campaigns -> findings, in one straight line."""

from __future__ import annotations

import math
import os
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from .behaviours import (
    BEHAVIOURS,
    DEFAULT_BEHAVIOURS,
    Behaviour,
    TextSettings,
    base_name,
    parse_window,
    window_of,
)
from .behaviours.paraphrase import MODELS as PARAPHRASE_MODELS
from .cluster import (
    ClusterSettings,
    campaigns_from_links,
    families,
    renumbered,
    sharing_keys,
    subcommunities,
)
from .dataset import Dataset
from .engine import duckdb_runner, run_scope
from .errors import ConfigError
from .evidence import (
    account_behaviour_summary,
    build_evidence,
    campaign_keys,
    campaign_languages,
    campaign_spans,
    evidence_rows,
)
from .expand import (
    ExpandSettings,
    expand_campaigns,
    half_or_more,
    nearest_campaigns,
    owned_keys,
)
from .findings import Findings, members_hashes
from .link import LinkSettings, build_traces, links_from_traces, log10_tail
from .link_steps import Runner
from .reach import amplified_posts, off_platform
from .resolution import at_step, column_step
from .status import FLAG_CHOICES, AccountStatus, Assessment, CampaignStatus
from .traits import TraitSettings, account_traits, identity, strong, typed
from .traits.assess import (
    SCHEDULE_MARKER,
    assess_campaigns,
    inauthentic_probability,
    marker_table,
    unlike_members,
)
from .traits.assess import markers as marker_flags
from .traits.schedule import population_histogram


def format_window(seconds: int) -> str:
    """Human form of a window: 60 s, 10 min, 1 h, 1 day."""
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day" + ("s" if days > 1 else "")
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0 and seconds >= 120:
        return f"{seconds // 60} min"
    return f"{seconds} s"


def format_duration(seconds: int) -> str:
    """A delay in words, to two significant units at most: 45 s, 12 min, 3 h 20 min,
    2 days 4 h."""
    seconds = max(int(seconds), 0)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{round(seconds / 60)} min"
    if seconds < 86400:
        h, m = divmod(round(seconds / 60), 60)
        return f"{h} h" + (f" {m} min" if m and h < 10 else "")
    d, h = divmod(round(seconds / 3600), 24)
    return f"{d} day" + ("s" if d > 1 else "") + (f" {h} h" if h else "")


def format_span(low: int, high: int) -> str:
    """A range of delays in words: "2 min to 40 min", or one delay when both round alike."""
    a, b = format_duration(low), format_duration(high)
    return a if a == b else f"{a} to {b}"


@dataclass(frozen=True)
class DetectConfig:
    """Every setting of a detection run; saved with the findings.

    ``window`` sets all behaviours' windows at once; ``windows`` sets single ones and wins
    over ``window``. Behaviour names: corepost, copypaste, colink, codomain, cohashtag,
    coreply, comention, coobject.

    ``scales``: longer time scales at which every behaviour is also tested, each with
    its own chance model (coordination runs from seconds of automation to the next
    morning of people working a task list). A behaviour whose window is pinned by
    ``window`` or ``windows`` is tested at that window only.
    """

    behaviours: tuple[str, ...] = DEFAULT_BEHAVIOURS
    window: str | int | None = None
    windows: dict[str, str | int] = field(default_factory=dict)
    scales: tuple[str | int, ...] = ("1h", "1d")
    link: LinkSettings = field(default_factory=LinkSettings)
    #: The group-level test that adds to each campaign the accounts that keep joining
    #: its episodes without enough pairwise evidence (see ``expand``).
    expand: ExpandSettings = field(default_factory=ExpandSettings)
    text: TextSettings = field(default_factory=TextSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    traits: TraitSettings = field(default_factory=TraitSettings)
    #: Clear campaigns whose members look like the population (see traits.assess). Turn
    #: off for data made only of operation accounts, such as a takedown archive, where
    #: the population itself is inauthentic.
    assess_campaigns: bool = True
    #: Whose members are flagged: ``operation`` (coordinated and inauthentic by a tested
    #: marker) or ``coordinated`` (also the campaigns nothing could be tested of). Crowds
    #: cleared by their members' profiles are never flagged.
    flag: str = "operation"
    top_keys: int = 5

    def resolved_windows(self) -> dict[str, int]:
        unknown = sorted(set(self.behaviours).union(self.windows) - set(BEHAVIOURS))
        if unknown:
            raise ConfigError(
                f"unknown behaviour(s) {', '.join(unknown)}; known: {', '.join(BEHAVIOURS)}"
            )
        if not self.behaviours:
            raise ConfigError("no behaviours selected")
        out = {}
        for name in self.behaviours:
            value = self.windows.get(name, self.window)
            out[name] = parse_window(value) if value is not None else BEHAVIOURS[name].window
        return out

    def check_flag(self) -> None:
        if self.flag not in FLAG_CHOICES:
            raise ConfigError(f"flag must be one of {', '.join(FLAG_CHOICES)}, not {self.flag!r}")
        if self.text.paraphrase_model not in PARAPHRASE_MODELS:
            raise ConfigError(
                f"unknown paraphrase model {self.text.paraphrase_model!r}; known: "
                f"{', '.join(PARAPHRASE_MODELS)}"
            )
        if self.link.evidence_links_per_account < 0:
            raise ConfigError(
                "evidence links per account must be 0 (every link's) or more, not "
                f"{self.link.evidence_links_per_account}"
            )

    def resolved_scales(self) -> dict[str, tuple[int, ...]]:
        """Per behaviour, the longer scales it is tested at besides its window."""
        extra = tuple(sorted({parse_window(s) for s in self.scales}))
        windows = self.resolved_windows()
        out: dict[str, tuple[int, ...]] = {}
        for name in self.behaviours:
            pinned = self.window is not None or name in self.windows
            out[name] = () if pinned else tuple(w for w in extra if w > windows[name])
        return out


Progress = Callable[[str, int, int], None]
#: The stages detect() reports to ``progress``, in order.
STAGES = ("traces", "links", "traits", "campaigns", "evidence", "findings")
#: The linker's tables the group-level test and the evidence read, and no stage after
#: them: dropped before the findings are made, so that the engine's memory is theirs.
TRACE_TABLES = (
    "traces",
    "join_traces",
    "solo_traces",
    "activity",
    "keys",
    "_text_keys",
    "_claim_keys",
)


def detect(
    data: Dataset,
    config: DetectConfig | None = None,
    *,
    progress: Progress | None = None,
    engine: Any = None,
    **overrides: object,
) -> Findings:
    """Find coordinated campaigns in ``data`` and return :class:`Findings`.

    Keyword overrides set fields of :class:`DetectConfig`, e.g.
    ``detect(data, window="1m", behaviours=("corepost", "copypaste"))``.
    ``progress(stage, done, total)`` is called as stages start.

    ``engine``: where the relational steps run: ``"duckdb"`` (the default, in process),
    ``"spark"`` (a local Spark session made for this run, ``pip install
    'cibscan[spark]'``), or an ``engine_spark.SparkEngine`` (a session of your own, a
    cluster's). The findings are the same; the summary's ``engine`` says what ran where.
    """
    config = config or DetectConfig()
    if isinstance(overrides.get("behaviours"), str):
        overrides["behaviours"] = tuple(str(overrides["behaviours"]).split(","))
    try:
        config = replace(config, **overrides)  # type: ignore[arg-type]
    except TypeError as exc:
        raise ConfigError(str(exc)) from exc
    config.check_flag()
    # a window finer than the data's times can tell nothing finer (posts given to the
    # day are not "within a minute" of each other): raised to the times' grain
    grain = column_step(data.con, "posts", "created_at")
    windows, scales, raised = at_step(config.resolved_windows(), config.resolved_scales(), grain)
    config = replace(
        config,
        traits=replace(config.traits, post_time_step=grain),
        expand=replace(config.expand, post_time_step=grain),
    )
    behaviours = [BEHAVIOURS[name] for name in config.behaviours]
    # every table the run makes lives in a schema of its own, dropped however it ends:
    # two runs on one dataset never see each other's tables, and a failed run leaves none
    with run_scope(data.con), _engine(data.con, engine) as (run, usage):
        findings = _detect(
            data, config, behaviours, (windows, scales, grain, raised), progress, run
        )
        findings.summary["engine"] = {**usage(), **findings.summary["engine"]}
        return findings


@contextmanager
def _engine(
    con: duckdb.DuckDBPyConnection, engine: Any
) -> Iterator[tuple[Runner, Callable[[], dict[str, Any]]]]:
    """(The runner of the run's relational steps on ``engine``, what they cost so far),
    the engine's run state released on leaving however the run ends."""
    if engine is None or engine == "duckdb":
        done = {"steps": 0, "seconds": 0.0}
        plain = duckdb_runner(con)

        def run(name: str, sql: str) -> None:
            t0 = time.perf_counter()
            plain(name, sql)
            done["steps"] += 1
            done["seconds"] += time.perf_counter() - t0

        yield (
            run,
            lambda: {
                "name": "duckdb",
                "steps": int(done["steps"]),
                "step_seconds": round(done["seconds"], 3),
            },
        )
        return
    from .engine_spark import SparkEngine

    if engine == "spark":
        spark, owned = SparkEngine(), True
    elif isinstance(engine, SparkEngine):
        spark, owned = engine, False
    else:
        raise ConfigError(f"engine must be 'duckdb', 'spark' or a SparkEngine, not {engine!r}")
    try:
        runner, session = spark.runner(con)
        try:
            yield runner, spark.usage
        finally:
            spark.close(session)
    finally:
        if owned:
            spark.stop()


def _detect(
    data: Dataset,
    config: DetectConfig,
    behaviours: Sequence[Behaviour],
    timing: tuple[dict[str, int], dict[str, tuple[int, ...]], int, dict[str, int]],
    progress: Progress | None,
    engine_run: Runner,
) -> Findings:
    """``detect``'s stages, on a connection inside the run's own schema, with the
    relational steps run by ``engine_run``. ``timing``: (each behaviour's window, its
    longer scales, the grain of the post times in seconds, the windows raised to that
    grain with the window asked for: ``resolution.at_step``)."""
    windows, scales, grain, raised = timing
    con = data.con
    timings: dict[str, float] = {}
    started = time.perf_counter()
    step = [0]
    # how many of each stage's relational steps ran on the engine: the stages with none
    # run in DuckDB on the driver whatever the engine (the summary says which)
    on_engine = dict.fromkeys(STAGES, 0)

    def run(name: str, sql: str) -> None:
        on_engine[STAGES[max(step[0] - 1, 0)]] += 1
        engine_run(name, sql)

    def stage(name: str) -> Callable[[str], None]:
        if progress:
            progress(name, step[0], len(STAGES))
        step[0] += 1
        return lambda detail: progress(detail, step[0] - 1, len(STAGES)) if progress else None

    def lap(name: str, t0: float) -> float:
        timings[name] = round(time.perf_counter() - t0, 3)
        return time.perf_counter()

    t0 = time.perf_counter()
    trace_counts = build_traces(
        con, behaviours, windows, config.text, stage("traces"), scales, runner=run, grain=grain
    )
    t0 = lap("traces", t0)
    per, pairs, stats = links_from_traces(con, config.link, stage("links"), runner=run)
    stats.traces = trace_counts
    # only the significant pairs' rows per behaviour are read again (the evidence, the
    # links' table): the rest (most of them, 1 GB or more at 10M posts) go now
    if len(pairs) and len(per):
        per = per.merge(pairs.loc[pairs["significant"], ["a", "b"]], on=["a", "b"])
    t0 = lap("links", t0)
    # the traits first: who an account pretends to be enters the group-level test
    stage("traits")
    # the account id of each linker index, read once for every table that names accounts
    names = con.execute("SELECT aid, account_id FROM account_index").df()
    names = names.set_index("aid")["account_id"]
    traits = account_traits(con, config.traits, runner=run)
    aids = pd.Series(names.index.to_numpy(), index=names.to_numpy())
    identified = aids.reindex(traits.loc[identity(traits).to_numpy(), "account_id"]).dropna()
    t0 = lap("traits", t0)
    stage("campaigns")
    members = campaigns_from_links(pairs, config.cluster)
    clustered = int(members["campaign"].nunique())
    members, joins, sources = expand_campaigns(
        con, members, config.expand, identified.to_numpy(dtype=np.int64), runner=run
    )
    # fragments of one campaign that the group-level test merged
    merged = clustered - int(members["campaign"].nunique())
    verdicts, markers = _verdicts(con, members, traits, config, names)
    members, verdicts, markers, sources, found_inside = _assess_inside(
        con, pairs, members, traits, config, names, verdicts, markers, sources
    )
    members, verdicts, markers, sources, cleared = _split_mixtures(
        con, members, traits, config, names, verdicts, markers, sources
    )
    # each campaign's family, read by the verdicts and by the last group-level test
    family_of = families(pairs, members)
    # judged with the campaigns alone that own a key with them; pooled as the pool says
    verdicts, markers, found_in_families = _assess_families(
        con,
        _keyed_families(con, family_of, members, run),
        members,
        traits,
        config,
        names,
        verdicts,
        markers,
    )
    members, joins, sources, family_joins = _join_families(
        con,
        family_of,
        members,
        joins,
        sources,
        verdicts,
        config,
        identified.to_numpy(np.int64),
        run,
        cleared=cleared.aid.to_numpy(np.int64),
    )
    t0 = lap("campaigns", t0)
    stage("evidence")
    significant = pairs[pairs["significant"]] if len(pairs) else pairs
    evidenced = build_evidence(
        con,
        per,
        significant,
        members,
        config.link.evidence_per_link,
        run,
        links_per_account=config.link.evidence_links_per_account,
    )
    evidence = evidence_rows(con)
    # the traces and what was counted from them: no stage after the evidence reads them
    for name in TRACE_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {name}")
    t0 = lap("evidence", t0)
    stage("findings")
    accounts = _accounts(
        con, pairs, members, joins, behaviours, windows, traits, verdicts, markers, config.flag
    )
    links, link_behaviours = _links(per, significant, members, names)
    operations = accounts.loc[accounts["flagged"], ["account_id", "campaign"]]
    campaigns = _campaigns(con, members, accounts, verdicts)
    everyone = accounts.loc[accounts["campaign"].notna(), ["account_id", "campaign"]]
    keys = campaign_keys(con, config.top_keys) if len(members) else None
    languages = campaign_languages(con, members) if len(members) else None
    amplified = amplified_posts(con, operations, runner=run)
    targets = _targets(sources, names)
    listed_posts = _listed_posts(con, accounts)
    rhythm = population_histogram(con).astype(np.int64).tolist()
    lap("findings", t0)
    timings["total"] = round(time.perf_counter() - started, 3)
    summary = {
        # which run made these findings: review decisions record it
        "run_id": uuid.uuid4().hex,
        "input": {
            # File names only: a findings folder is shared, and folder names can say
            # who ran the analysis and where.
            "files": [os.path.basename(str(f)) for f in data.report.files],
            "rows_read": data.report.rows_read,
            "rows_merged": data.report.rows_merged,
            # profiles given apart of accounts that never post in the data
            "profiles_unused": data.report.profiles_unused,
            "fingerprint": _fingerprint(con),
            "posts": data.n_posts,
            "accounts": data.n_accounts,
            # how finely the post times are given (seconds: 1, 60, 3600 or 86400)
            "time_step_seconds": grain,
            "skipped": dict(data.report.skipped),
            "cut": dict(data.report.cut),
        },
        "settings": {
            "behaviours": list(config.behaviours),
            "windows_seconds": windows,
            "scales_seconds": {k: list(v) for k, v in scales.items()},
            # behaviours whose window was raised to the post times' grain: the asked one
            "windows_raised_from": raised,
            "link": asdict(config.link),
            "text": asdict(config.text),
            "cluster": asdict(config.cluster),
            "traits": asdict(config.traits),
            "assess_campaigns": config.assess_campaigns,
            "flag": config.flag,
            "expand": asdict(config.expand),
        },
        "counts": {
            "traces": stats.traces,
            "accounts_active": stats.accounts_active,
            "pairs_tested": stats.pairs_tested,
            "candidate_links": stats.candidate_links,
            "significant_links": stats.significant_links,
            # the links whose posts are in the evidence: each account's strongest
            "links_with_evidence": evidenced,
            "joined_on_group_evidence": len(joins),
            "joined_with_family": family_joins,
            "campaigns_merged": merged,
            "operations_found_inside": found_inside,
            # operations convicted as wholes whose members unlike the population were
            # split off, the rest judged again (``_split_mixtures``)
            "operations_split": int(cleared["campaign"].nunique()),
            "operations_found_in_families": found_in_families,
            "campaign_targets": len(sources),
            "campaigns": len(campaigns),
            "campaigns_cleared": int((campaigns["status"] == CampaignStatus.CROWD).sum()),
            "campaigns_unassessed": int((campaigns["status"] == CampaignStatus.COORDINATED).sum()),
            "flagged_accounts": int(accounts["flagged"].sum()),
            "review_accounts": int((accounts["status"] == AccountStatus.REVIEW).sum()),
            "amplified_posts": len(amplified),
        },
        "sampling": {
            "hot_cap": stats.hot_cap,
            "traces_left_out_of_pairing": stats.traces_sampled_out,
        },
        "timings_seconds": timings,
        "engine": {"steps_by_stage": on_engine},
        # Everybody's posts per UTC hour of the week (Monday 00:00 first), the baseline
        # a campaign's own rhythm is read against in the report.
        "population_hour_of_week": rhythm,
    }
    return Findings(
        accounts=accounts,
        campaigns=campaigns,
        campaign_behaviours=_campaign_behaviours(link_behaviours),
        campaign_keys=keys,
        campaign_languages=languages,
        campaign_markers=markers,
        campaign_domains=off_platform(con, everyone),
        campaign_targets=targets,
        links=links,
        link_behaviours=link_behaviours,
        evidence=evidence,
        amplified_posts=amplified,
        posts=listed_posts,
        summary=summary,
    )


def _targets(sources: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """``campaign_targets`` from the group-level test's sources, their aids named by
    ``names`` (aid -> account id)."""
    return pd.DataFrame(
        {
            "campaign": sources["campaign"].astype("int64"),
            "account_id": sources["aid"].map(names).astype("string"),
            "behaviour": sources["behaviour"].astype("string"),
            "episodes": sources["hits"].astype("int64"),
            "keys": sources["keys"].astype("int64"),
            "led": sources["leads"].astype("int64"),
            "led_expected": sources["leads_expected"].astype("float64"),
        }
    ).sort_values(["campaign", "account_id"], ignore_index=True)


def _fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A hash of the posts read (ids, authors, times, texts), the same for the same input
    in any order: tells whether two runs looked at the same data."""
    row = con.execute(
        "SELECT count(*), bit_xor(hash(post_id, account_id, created_at, text)) FROM posts"
    ).fetchone()
    return f"{int(row[0]):x}-{int(row[1] or 0):016x}" if row else ""


def _listed_posts(con: duckdb.DuckDBPyConnection, accounts: pd.DataFrame) -> pa.Table:
    """Every post of the accounts the findings list (campaign, crowd, review): the post
    history and timelines the report and dashboard show without the input files."""
    listed = accounts.loc[accounts["status"] != AccountStatus.NONE, ["account_id"]]
    con.register("_listed", listed)
    try:
        return con.sql(
            "SELECT p.* FROM posts p SEMI JOIN _listed l ON l.account_id = p.account_id "
            "ORDER BY p.account_id, p.created_at, p.post_id"
        ).to_arrow_table()
    finally:
        con.unregister("_listed")


def _accounts(
    con: duckdb.DuckDBPyConnection,
    pairs: pd.DataFrame,
    members: pd.DataFrame,
    joins: pd.DataFrame,
    behaviours: Sequence[Behaviour],
    windows: dict[str, int],
    traits: pd.DataFrame,
    verdicts: pd.DataFrame,
    markers: pd.DataFrame,
    flag: str = "operation",
) -> pd.DataFrame:
    """One row per account: flagged, status, campaign, score, reasons and traits.

    ``status`` (an :class:`AccountStatus`): ``campaign`` (flagged: a member of an
    operation), ``coordinated`` (a member of a campaign nothing could be tested of:
    flagged only when ``flag`` is ``coordinated``), ``crowd`` (a member of an
    authentic-looking crowd, kept for review), ``review`` (a strong trait and no
    campaign) or ``none``. ``score`` estimates the probability that the account is
    coordinated and inauthentic: 1 - the best q-value of the account's links or of its
    group-level test (``expand``), times its campaign's probability of being
    inauthentic (``traits.assess.inauthentic_probability``; 1/2 outside campaigns);
    accounts listed on a trait alone score 0.25 at least.
    """
    index = con.execute(
        "SELECT ai.aid, ai.account_id, a.handle, a.display_name, a.bio, "
        "coalesce(p.n, 0) AS posts "
        "FROM account_index ai LEFT JOIN accounts a ON a.account_id = ai.account_id "
        "LEFT JOIN (SELECT account_id, count(*) AS n FROM posts GROUP BY account_id) p "
        "ON p.account_id = ai.account_id ORDER BY ai.aid"
    ).df()
    n = len(index)
    best = np.zeros(n)  # best (most negative) log10 q of any candidate link
    sig_links = np.zeros(n, dtype=np.int64)
    if len(pairs):
        a = pairs["a"].to_numpy(dtype=np.int64)
        b = pairs["b"].to_numpy(dtype=np.int64)
        q = pairs["log10_q"].to_numpy(dtype=np.float64)
        np.minimum.at(best, a, q)
        np.minimum.at(best, b, q)
        s = pairs["significant"].to_numpy(dtype=bool)
        np.add.at(sig_links, a[s], 1)
        np.add.at(sig_links, b[s], 1)
    campaign = np.zeros(n, dtype=np.int64)
    if len(members):
        campaign[members["aid"].to_numpy(dtype=np.int64)] = members["campaign"].to_numpy()
    if len(joins):
        np.minimum.at(
            best, joins["aid"].to_numpy(dtype=np.int64), joins["log10_q"].to_numpy(dtype=float)
        )
    reasons = _reasons(con, n, behaviours, windows, joins)

    def having(status: CampaignStatus) -> np.ndarray:
        chosen = verdicts.loc[verdicts["status"] == status, "campaign"].astype(int)
        return np.isin(campaign, chosen.to_numpy()) & (campaign > 0)

    in_crowd = having(CampaignStatus.CROWD)
    unassessed = having(CampaignStatus.COORDINATED)
    flagged = (campaign > 0) & ~in_crowd
    if flag == "operation":  # the default: what could not be tested is not flagged
        flagged &= ~unassessed
    # how surely the account is coordinated, times how surely its campaign is inauthentic
    # (1/2 outside any campaign and in one that could not be assessed)
    inauthentic = np.full(n, 0.5)
    if len(members):
        prob = inauthentic_probability(verdicts, markers)
        placed = campaign > 0
        inauthentic[placed] = prob.reindex(campaign[placed]).fillna(0.5).to_numpy()
    score = (1.0 - np.power(10.0, best)) * inauthentic
    out = pd.DataFrame(
        {
            "account_id": index["account_id"],
            "handle": index["handle"],
            "display_name": index["display_name"],
            "bio": index["bio"],
            "flagged": flagged,
            "status": np.select(
                [unassessed, flagged, in_crowd],
                [
                    AccountStatus.COORDINATED.value,
                    AccountStatus.CAMPAIGN.value,
                    AccountStatus.CROWD.value,
                ],
                AccountStatus.NONE.value,
            ),
            "campaign": pd.Series(campaign, dtype="Int64").where(campaign > 0),
            "score": score,
            "significant_links": sig_links,
            "posts": index["posts"].to_numpy(dtype=np.int64),
            "reasons": reasons,
        }
    )
    out = typed(out.merge(traits, on="account_id", how="left"))  # accounts without posts too
    alone = (out["status"] == AccountStatus.NONE) & strong(out)
    out.loc[alone, "status"] = AccountStatus.REVIEW.value
    out.loc[alone, "score"] = np.maximum(out.loc[alone, "score"], 0.25)
    out["trait_reasons"] = out["trait_reasons"].fillna("")
    order = out["status"].map({s.value: i for i, s in enumerate(AccountStatus)})
    out = out.assign(_order=order).sort_values(["_order", "score"], ascending=[True, False])
    return out.drop(columns="_order").reset_index(drop=True)


def _verdicts(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    traits: pd.DataFrame,
    config: DetectConfig,
    names: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each campaign's status and assessment, and the markers tested (traits.assess)."""
    named = members.assign(account_id=members["aid"].map(names))
    verdicts, markers = assess_campaigns(con, named, traits, config.traits)
    if not config.assess_campaigns:
        verdicts["status"] = CampaignStatus.OPERATION.value
        verdicts["assessment"] = Assessment.OFF.value
    return verdicts, markers


def _assess_inside(
    con: duckdb.DuckDBPyConnection,
    pairs: pd.DataFrame,
    members: pd.DataFrame,
    traits: pd.DataFrame,
    config: DetectConfig,
    names: pd.Series,
    verdicts: pd.DataFrame,
    markers: pd.DataFrame,
    sources: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """Operations inside the campaigns that are not operations as wholes.

    An operation that joined a crowd is cleared with it, and genuine accounts mixed with
    fakes share their campaign's verdict: the verdict must reach inside the group. Each
    crowd and each unassessed campaign is split into its denser communities
    (``cluster.subcommunities``), and each community is assessed like a campaign, at the
    significance level divided by the number of communities tested. A community that is
    an operation becomes a campaign of its own; the rest of its campaign keeps its
    verdict. Campaigns are then numbered again by size and assessed once more, so that
    every verdict and marker describes the members the campaign has.

    Returns (members, verdicts, markers, sources, operations found inside).
    """
    unchanged = members, verdicts, markers, sources, 0
    if not config.assess_campaigns or verdicts.empty:
        return unchanged
    open_ = verdicts.loc[
        verdicts["status"].isin([CampaignStatus.CROWD.value, CampaignStatus.COORDINATED.value]),
        "campaign",
    ]
    groups = subcommunities(pairs, members[members["campaign"].isin(open_)], config.cluster)
    if groups.empty:
        return unchanged
    groups["sub"] = groups.groupby(["campaign", "group"], sort=True).ngroup() + 1
    tested = int(groups["sub"].nunique())
    named = pd.DataFrame({"account_id": groups["aid"].map(names), "campaign": groups["sub"]})
    strict = replace(config.traits, alpha=config.traits.alpha / tested)
    inner, _ = assess_campaigns(con, named, traits, strict, across=False)
    convicted = inner.loc[inner["status"] == CampaignStatus.OPERATION.value, "campaign"]
    if convicted.empty:
        return unchanged
    start = int(members["campaign"].max()) + 1
    new_id = {int(c): start + i for i, c in enumerate(sorted(convicted.astype(int)))}
    moved = groups[groups["sub"].isin(convicted)]
    moved_to = pd.Series(moved["sub"].map(new_id).to_numpy(), index=moved["aid"].to_numpy())
    out = members.copy()
    hit = out["aid"].isin(moved_to.index).to_numpy()
    out.loc[hit, "campaign"] = moved_to.reindex(out.loc[hit, "aid"]).to_numpy()
    # a community convicted at the stricter level is an operation whatever the rest says
    out, verdicts, markers, sources, _ = _judged_again(
        con, out, set(new_id.values()), traits, config, names, sources
    )
    return out, verdicts, markers, sources, len(new_id)


def _judged_again(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    convicted: set[int],
    traits: pd.DataFrame,
    config: DetectConfig,
    names: pd.Series,
    sources: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[int, int]]:
    """``members`` with new campaigns split off, numbered again by size and assessed
    once more, so that every verdict and marker describes the members a campaign has;
    the campaigns ``convicted`` (their ids before numbering) are operations whatever
    that assessment says. Returns (members, verdicts, markers, sources, old id -> new)."""
    number = renumbered(members)
    out = members.assign(campaign=members["campaign"].map(number).astype("int64"))
    out = out.sort_values(["campaign", "aid"]).reset_index(drop=True)
    if len(sources):
        sources = sources.assign(campaign=sources["campaign"].map(number).astype("int64"))
    verdicts, markers = _verdicts(con, out, traits, config, names)
    forced = verdicts["campaign"].isin({number[c] for c in convicted})
    verdicts.loc[forced, "status"] = CampaignStatus.OPERATION.value
    verdicts.loc[forced, "assessment"] = Assessment.TESTED.value
    return out, verdicts, markers, sources, number


def _split_mixtures(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    traits: pd.DataFrame,
    config: DetectConfig,
    names: pd.Series,
    verdicts: pd.DataFrame,
    markers: pd.DataFrame,
    sources: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Operations convicted as wholes that are mostly accounts like everybody else: the
    members unlike them become an operation of their own and the rest are judged again.

    A crowd with bought accounts in it is one campaign when both repost the same posts
    at the same times, and a verdict on the whole convicts the crowd with the fakes:
    on the generator with bought accounts reposting the star among its fans (1M posts,
    ``bought_boosters=20``), 382 bought accounts and 1,246 fans were one operation.
    Links cannot split them (a bought account shares as many posts with a fan as with
    another bought one); the markers can, every marker testable on members read
    together, even where one convicted the campaign: the bought carry them together, a
    fan one now and then (``assess.unlike_members``). At 100k posts 28 bought accounts
    in one batch convicted 413 fans and people around them on that batch alone.

    The rest were judged by the markers beside the accounts they were linked with: they
    are insiders of the last group-level test (``_join_families``), which would
    otherwise take them back into the operation on the very posts they share with it
    (against a pooled family nobody who met the pool counts in a key's popularity, and
    910 of the 1,246 fans were taken back).

    Returns (members, verdicts, markers, sources, and the ``aid`` and ``campaign`` of
    the members left in each campaign split).
    """
    unchanged = members, verdicts, markers, sources, members.iloc[:0][["aid", "campaign"]]
    if not config.assess_campaigns or verdicts.empty or markers.empty:
        return unchanged
    convicted = verdicts.loc[verdicts["status"] == CampaignStatus.OPERATION.value, "campaign"]
    sig = markers[
        markers["campaign"].isin(convicted)
        & markers["significant"].astype(bool)
        & (markers["marker"] != SCHEDULE_MARKER)
    ]
    if sig.empty:
        return unchanged
    marks = marker_flags(traits, config.traits)
    row = pd.Series(np.arange(len(traits)), index=traits["account_id"].to_numpy())
    moved: dict[int, np.ndarray] = {}
    # every marker testable on members, each at a population share it can tell apart
    usable = [n for n, ((share, _), _) in marks.items() if 0 < share < 1]
    if len(usable) < 2:
        return unchanged
    population = np.array([marks[n][0][0] for n in usable])
    for camp, tests in sig.groupby("campaign", sort=True):
        convicting = np.isin(usable, tests["marker"].to_numpy())
        if not convicting.any():
            continue
        group = members.loc[members["campaign"] == camp, "aid"].to_numpy(dtype=np.int64)
        pos = row.reindex(names.reindex(group).to_numpy()).to_numpy()
        known = ~np.isnan(pos)
        flags = np.column_stack([marks[n][0][1][pos[known].astype(np.int64)] for n in usable])
        unlike = unlike_members(flags, population, convicting)
        size = config.cluster.min_size
        if size <= unlike.sum() <= len(unlike) - size:
            moved[int(camp)] = group[known][unlike]
    if not moved:
        return unchanged
    start = int(members["campaign"].max()) + 1
    new_id = {c: start + i for i, c in enumerate(sorted(moved))}
    out = members.copy()
    for camp, aids in moved.items():
        out.loc[out["aid"].isin(aids) & (out["campaign"] == camp), "campaign"] = new_id[camp]
    # the part split off was convicted with its campaign: it stays an operation
    out, verdicts, markers, sources, number = _judged_again(
        con, out, set(new_id.values()), traits, config, names, sources
    )
    cleared = out.loc[out["campaign"].isin({number[c] for c in moved}), ["aid", "campaign"]]
    return out, verdicts, markers, sources, cleared.reset_index(drop=True)


def _keyed_families(
    con: duckdb.DuckDBPyConnection,
    of: pd.Series,
    members: pd.DataFrame,
    run: Runner | None = None,
) -> pd.Series:
    """``of`` (campaign -> family, ``cluster.families``) with the campaigns alone in their
    family that own a key together (``expand.owned_keys``) made one family, whatever their
    verdicts.

    A ring whose members each join a minority of its bursts comes out of clustering as
    small campaigns in components of their own, linked by two or three of its bursts
    each, too small to carry a marker alone, and its hashtags used by nobody else: they
    are judged together (``_assess_families``, where each still needs the family's
    markers in its own members) and then pooled (``_join_families``). With post times to
    the minute on the 224-day platform (200k posts, seed 8) three of the hashtag ring's
    four fragments were crowds of three, the pool had one operation and the ring was
    found at 0.04. Only the judgement takes these families: the pool keeps its own rule
    (``_join_families``: operations alone among operations that own a key together),
    since keys owned by many crowds together (a protest's hashtags) chained a ring's
    fragments to other campaigns' families, and at 3.5M posts 13 members fewer joined.
    A campaign linked to others is in their family, and takes in nobody by keys."""
    alone = of[of.map(of.value_counts()) == 1]
    if len(alone) < 2:  # the keys are read only then, a pass over every trace
        return of
    lone = members[members["campaign"].isin(alone.index)]
    return sharing_keys(of, owned_keys(con, lone, run))


def _assess_families(
    con: duckdb.DuckDBPyConnection,
    of: pd.Series,
    members: pd.DataFrame,
    traits: pd.DataFrame,
    config: DetectConfig,
    names: pd.Series,
    verdicts: pd.DataFrame,
    markers: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Operations among the small campaigns of a family (``cluster.families``), tested in
    two stages (hierarchical testing, as in Yekutieli's trees of hypotheses).

    Clustering cuts a large operation whose members each join a minority of its tasks
    into many small campaigns, and a campaign of three or four members cannot carry a
    marker significantly even if every member carries it (four of four in a creation
    batch that a quarter of all accounts are in: p = 0.0048, against 0.01 / 8 markers
    tested): on the 224-day platform at 3.5M posts 183 of the copy-paste network's
    members and 225 of the brigade's were in campaigns cleared as authentic-looking
    crowds.

    First stage: a family's markers are those that convicted an operation in it, and
    those significant for the family as one group (each family with more than one
    campaign and one not an operation, at the significance level divided by the families
    so tested; the whole alone would be diluted by a crowd in it). Second stage: each
    campaign of such a family that is not an operation is tested on the family's markers
    with its own members (the same binomial test, significant and twice the
    population's share), each at the significance level. A crowd in the same family as
    an operation (the supporters of the dissidents a brigade attacks are linked to it)
    stays a crowd unless its own members carry the operation's markers: genuine users
    are not convicted by their family. Dividing the level by the family's markers too
    convicted none of the brigade's fragments at 3.5M posts (three of three in a batch
    is p = 0.018, four of four 0.0048, and the family had three markers); at the level,
    the four-member ones (RESULTS.md, "Small campaigns judged with their family").

    Such a campaign's assessment is ``family``, and the markers it was convicted on are
    marked significant in its own rows. ``of``: each campaign's family
    (``cluster.families``).

    Returns (verdicts, markers, campaigns that became operations).
    """
    unchanged = verdicts, markers, 0
    if not config.assess_campaigns or verdicts.empty:
        return unchanged
    status = verdicts.set_index("campaign")["status"]
    is_open = status.isin([CampaignStatus.CROWD.value, CampaignStatus.COORDINATED.value])
    fam = pd.DataFrame({"campaign": of.index, "family": of.to_numpy()})
    fam["open"] = fam["campaign"].map(is_open).fillna(False).astype(bool)
    by = fam.groupby("family").agg(campaigns=("campaign", "size"), open=("open", "any"))
    tested = by.index[(by["campaigns"] >= 2) & by["open"]]
    if len(tested) == 0:
        return unchanged
    fam = fam[fam["family"].isin(tested)]
    family_of = fam.set_index("campaign")["family"]
    pooled = members[members["campaign"].isin(family_of.index)]
    named = pd.DataFrame(
        {"account_id": pooled["aid"].map(names), "campaign": pooled["campaign"].map(family_of)}
    )
    strict = replace(config.traits, alpha=config.traits.alpha / len(tested))
    _, family_markers = assess_campaigns(con, named, traits, strict, across=False)
    # a family's markers: those significant for it as a whole, and those that convicted
    # an operation in it (a crowd in the family dilutes the whole)
    convicting = markers[markers["significant"] & markers["campaign"].isin(family_of.index)]
    convicting = convicting.assign(campaign=convicting["campaign"].map(family_of))
    sig = pd.concat(
        [
            family_markers[family_markers["significant"]][["campaign", "marker"]],
            convicting[["campaign", "marker"]],
        ],
        ignore_index=True,
    ).drop_duplicates()
    if sig.empty:
        return unchanged
    candidates = fam.loc[fam["open"], "campaign"]
    own = markers[markers["campaign"].isin(candidates)].copy()
    own["family"] = own["campaign"].map(family_of)
    own = own.merge(sig[["campaign", "marker"]].rename(columns={"campaign": "family"}))
    # the family's significant markers, each campaign tested on them at alpha
    passed = own[own["p_value"].to_numpy(dtype=np.float64) < config.traits.alpha]
    if passed.empty:
        return unchanged
    convicted = set(passed["campaign"].astype(int))
    verdicts = verdicts.copy()
    hit = verdicts["campaign"].isin(convicted)
    verdicts.loc[hit, "status"] = CampaignStatus.OPERATION.value
    verdicts.loc[hit, "assessment"] = Assessment.FAMILY.value
    markers = markers.copy()
    key = pd.MultiIndex.from_frame(passed[["campaign", "marker"]])
    rows = pd.MultiIndex.from_frame(markers[["campaign", "marker"]]).isin(key)
    markers.loc[rows, "significant"] = True
    return verdicts, marker_table(markers), len(convicted)


def _join_families(
    con: duckdb.DuckDBPyConnection,
    of: pd.Series,
    members: pd.DataFrame,
    joins: pd.DataFrame,
    sources: pd.DataFrame,
    verdicts: pd.DataFrame,
    config: DetectConfig,
    identified: np.ndarray,
    run: Runner | None = None,
    cleared: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """The group-level test once more, against each family (``cluster.families``) of two
    or more operations taken as one campaign: the union of its operations' members.

    An operation whose members each join a minority of its tasks comes out of clustering
    in fragments, and a hidden member's hits are cut with them: at 3.5M posts over 224
    days the copy-paste network was 69 campaigns, and a hidden member's 10 hits on the
    largest had 1.6 expected, because the hidden members, with at most two hits on each
    fragment, set its chance rate themselves (a task's text is used by nobody else).
    Against the whole family a hidden member has its hits together, more than the two
    that leave it out of the fit, and its fellows no longer make the task texts popular
    (``expand``). Only operations are pooled: a crowd linked to an operation (supporters
    of the dissidents that a brigade attacks) would put its own floods and replies in
    the pool. A family of one campaign was tested already.

    Against the pool, an account that met it even once counts in no key's organic
    popularity (``organic_max_hits`` 0, where the first test allows one coincidence):
    the members seen once, or whose pastes fell outside the pool's episodes, still made
    the task texts look used by two to seven organic accounts, and in those popularity
    bins the 47 and 41 hidden members with at most two hits on the pool were the only
    outsiders with hits, at 0.11 and 0.35 per trace. With one hit allowed the pool found
    199 hidden members at 3.5M posts (recall 0.5205 -> 0.5496), with none 1,994 (0.812),
    and no hard negative either way (RESULTS.md, "Operations linked to each other").

    The members of operations and the campaigns' targets are insiders: not tested, no
    part of the chance rate. The members of crowds and of unassessed campaigns are
    outsiders like any account in no campaign: they are the public whose chance of
    meeting the pool sets its rate. Kept out of it, the 240 supporters of three
    dissidents, who mention them all the time and a brigade's bursts almost never, left
    the rate on the dissidents' mentions to the brigade's hidden members with one or two
    hits, every trace of theirs a hit: 0.076 a trace, and 46 of 80 harassers were missed
    on 200k posts over 224 days (seed 8; 2 with the supporters in the fit). A crowd's
    member found significant joins only with half of its crowd (``_absorbed``): at 3.4M
    posts about 170 operation members sat in campaigns of three to six, in components
    of their own, that were too small to carry a marker and were cleared as crowds
    (RESULTS.md, "Crowds in the pool's test"). An account that joins goes to the
    family's campaign whose episodes hold most of its traces, and leaves its crowd. The
    hypotheses are a family of their own, controlled at the same level.
    ``of``: each campaign's family (``cluster.families``).

    Families are the significant links' components; operations alone in theirs that
    own a key together (``expand.owned_keys``, ``cluster.sharing_keys``) are one family
    too: on the 224-day platform at 200k posts (seed 8) a hashtag ring whose members each
    join 15% of its 30 bursts was three campaigns of three in components of their own,
    and nobody else used its hashtags. A family of linked operations takes in no other
    this way: the impersonators that post a link network's links at their own times,
    pooled with the network, raised its chance rates, and 72 of its 758 members found at
    3.5M posts were lost (RESULTS.md). The test runs again against the pool grown by the
    accounts that joined it, until none joins (at most ``ExpandSettings.family_rounds``
    times): the ring's nine took in 28 of its 91 other members, and those 37 took in 40
    more. Each time is a family of hypotheses of its own, controlled at the same level.
    The crowds' members are tested the first time only, and are insiders after: against
    the pools grown by their joins, 59 of 63 very active accounts (20 posts a day) met
    them well above chance at 3.5M posts, and their crowd was taken in.

    Tried and not kept: the accounts that used a key the pool owns, as a false-discovery
    family of their own. A ring's private hashtags went from 22 to 42 of 100 found (200k
    posts to the minute, seed 9), but a brigade that rides six public marches owns their
    hashtags too, and a protester in all six joined it (RESULTS.md).

    ``run`` runs the relational steps (DuckDB's runner on ``con`` when None).
    ``cleared``: accounts the markers judged like the population beside an operation
    they were linked with (``_split_mixtures``): insiders, never tested.

    Returns (members, joins with ``family`` True for these, sources, accounts joined).
    """
    joins = joins.assign(family=False)
    if not config.expand.enabled or members.empty or verdicts.empty:
        return members, joins, sources, 0
    status = verdicts.set_index("campaign")["status"]
    ops = of[of.index.map(status).to_numpy() == CampaignStatus.OPERATION.value]
    # operations alone among operations that own a key together are one family (two or
    # more are needed: the keys are read only then, a pass over every trace)
    ops = _keyed_families(con, ops, members, run)
    pooled = ops[ops.map(ops.value_counts()) >= 2]
    joined = 0
    for count in range(max(1, config.expand.family_rounds) if len(pooled) else 0):
        members, joins, sources, n = _join_pool(
            con,
            pooled,
            status,
            members,
            joins,
            sources,
            config,
            identified,
            count == 0,
            run,
            np.asarray(cleared if cleared is not None else [], dtype=np.int64),
        )
        joined += n
        if not n:
            break
    return members, joins, sources, joined


def _join_pool(
    con: duckdb.DuckDBPyConnection,
    pooled: pd.Series,
    status: pd.Series,
    members: pd.DataFrame,
    joins: pd.DataFrame,
    sources: pd.DataFrame,
    config: DetectConfig,
    identified: np.ndarray,
    crowds: bool,
    run: Runner | None,
    cleared: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, int]:
    """One test against each pool of ``pooled`` (campaign -> family, each family with two
    or more operations), as ``_join_families`` says; with ``crowds``, the crowds' and
    unassessed campaigns' members are tested too (``_absorbed``), else they are insiders;
    the ``cleared`` are insiders always."""
    unchanged = members, joins, sources, 0
    fragments = members[members["campaign"].isin(pooled.index)]
    pool = pd.DataFrame(
        {"aid": fragments["aid"], "campaign": fragments["campaign"].map(pooled).astype("int64")}
    )
    operation = members["campaign"].map(status).to_numpy() == CampaignStatus.OPERATION.value
    inside = operation if crowds else np.ones(len(members), dtype=bool)
    inside = inside | members["aid"].isin(cleared).to_numpy()
    outside = np.union1d(
        members.loc[inside, "aid"].to_numpy(dtype=np.int64),
        sources["aid"].to_numpy(dtype=np.int64),
    )
    _, found, targets = expand_campaigns(
        con,
        pool,
        config.expand,
        identified,
        insiders=outside,
        merge=False,
        organic_max_hits=0,
        runner=run,
    )
    crowd_of = members.loc[~operation].set_index("aid")["campaign"]
    found = found[_absorbed(found, crowd_of, config.expand.alpha)]
    targets = targets[~targets["aid"].isin(crowd_of.index)]  # a crowd's member stays in it
    if found.empty and targets.empty:
        return unchanged
    groups = fragments.assign(group=fragments["campaign"].map(pooled).to_numpy())
    placed = pd.concat([found[["aid", "campaign"]], targets[["aid", "campaign"]]])
    nearest = nearest_campaigns(con, placed.rename(columns={"campaign": "group"}), groups, run)
    found = found.assign(campaign=found["aid"].map(nearest).astype("int64"), family=True)
    targets = targets.assign(campaign=targets["aid"].map(nearest).astype("int64"))
    # a crowd's members that joined leave it (with any join to it of the first test)
    moved = members["aid"].isin(found["aid"])
    grown = pd.concat([members[~moved], found[["aid", "campaign"]]], ignore_index=True)
    grown = grown.astype({"aid": "int64", "campaign": "int64"})
    grown = grown.sort_values(["campaign", "aid"]).reset_index(drop=True)
    earlier = joins[~joins["aid"].isin(found["aid"])]
    joins = pd.concat([earlier, found[list(joins.columns)]], ignore_index=True)
    sources = pd.concat([sources, targets[list(sources.columns)]], ignore_index=True)
    return grown, joins, sources, len(found)


def _absorbed(found: pd.DataFrame, crowd_of: pd.Series, alpha: float) -> np.ndarray:
    """Which of the accounts ``found`` significant against a pooled family join it: each
    account in no campaign, and a member of a crowd or an unassessed campaign
    (``crowd_of``: aid -> that campaign) only where its hits are significant at ``alpha``
    against twice the hits expected, and at least half of its campaign's members (two
    or more) are.

    Both, because a crowd's members are tested one by one against a pool of operations
    that they may merely share a busy public with. On the 224-day platform at 3.4M posts
    (seed 8) 56 of 63 very active accounts (20 posts a day) were significant for the pool
    one by one, and 17 of them against twice the hits expected: too few of their crowd
    to take it. An active account's hits run at two to three times its expectation (35
    against 15 for one at 200k posts), a hidden member's far above (3 against 0.2). The
    rule is the fragment merge's (``expand.half_or_more``), and the factor two is the
    markers' bar for a substantial effect."""
    crowd = found["aid"].map(crowd_of)
    inside = crowd.notna().to_numpy()
    hits = found["hits"].to_numpy(dtype=np.float64)
    doubled = 2.0 * np.maximum(found["expected"].to_numpy(dtype=np.float64), 1e-12)
    strong = inside & (log10_tail(hits, doubled) <= math.log10(alpha))
    counts = crowd[strong].value_counts()
    size = crowd_of.value_counts().reindex(counts.index)
    taken = counts.index[half_or_more(counts.to_numpy(), size.to_numpy())]
    return ~inside | (strong & crowd.isin(taken).to_numpy())


def _reasons(
    con: duckdb.DuckDBPyConnection,
    n: int,
    behaviours: Sequence[Behaviour],
    windows: dict[str, int],
    joins: pd.DataFrame,
) -> list[str]:
    by_name = {b.name: b for b in behaviours}
    summary = account_behaviour_summary(con, [b.name for b in behaviours if b.keys_are_posts])
    reasons: list[list[tuple[int, str]]] = [[] for _ in range(n)]
    for row in joins.itertuples(index=False):
        b = by_name[base_name(str(row.behaviour))]
        window = format_window(window_of(str(row.behaviour), windows))
        whose = (
            "its campaign's and its linked operations'"
            if bool(getattr(row, "family", False))
            else "its campaign's"
        )
        text = (
            f"joined {int(row.hits)} of {whose} episodes: {b.verb} the same "
            f"{b.count_noun(int(row.keys))} within {window} of its members "
            f"({float(row.expected):.2g} such coincidences expected by chance)"
        )
        reasons[int(row.aid)].append((10**9, text))
    for row in summary.itertuples(index=False):
        b = by_name[base_name(row.behaviour)]
        others = f"{row.partners} other account" + ("s" if row.partners != 1 else "")
        text = (
            f"{b.verb} the same {b.count_noun(int(row.keys))} within "
            f"{format_window(window_of(row.behaviour, windows))} of {others}"
        )
        if pd.notna(row.delay_min) and int(row.delay_min) >= 0:
            text += f", {format_span(int(row.delay_min), int(row.delay_max))} after the originals"
        reasons[int(row.aid)].append((int(row.keys) * int(row.partners), text))
    return ["; ".join(t for _, t in sorted(r, reverse=True)[:3]) for r in reasons]


#: Columns of the campaigns table; what each campaign shared, its languages, markers
#: and domains are long-form tables of their own (see ``Findings``).
CAMPAIGN_COLUMNS = (
    "campaign",
    "members_hash",
    "status",
    "assessment",
    "size",
    "score",
    "first_seen",
    "last_seen",
)


def _campaigns(
    con: duckdb.DuckDBPyConnection,
    members: pd.DataFrame,
    accounts: pd.DataFrame,
    verdicts: pd.DataFrame,
) -> pd.DataFrame:
    """One row per campaign: status, assessment, size, mean member score, time span."""
    if members.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in CAMPAIGN_COLUMNS})
    placed = accounts[accounts["campaign"].notna()]
    out = placed.groupby("campaign").agg(size=("account_id", "size"), score=("score", "mean"))
    out.index = out.index.astype("int64")
    v = verdicts.set_index(verdicts["campaign"].astype("int64"))
    out["status"] = v["status"]
    out["assessment"] = v["assessment"]
    spans = campaign_spans(con).set_index("campaign")
    out["first_seen"] = spans["first_seen"]
    out["last_seen"] = spans["last_seen"]
    out["members_hash"] = members_hashes(placed)
    out = out.rename_axis("campaign").reset_index()
    return out[list(CAMPAIGN_COLUMNS)].sort_values("campaign").reset_index(drop=True)


def _campaign_behaviours(link_behaviours: pd.DataFrame) -> pd.DataFrame:
    """Per campaign and behaviour: the significant links inside the campaign."""
    inside = link_behaviours[link_behaviours["campaign"].notna()]
    out = inside.groupby(["campaign", "behaviour"]).size().rename("links").reset_index()
    out["campaign"] = out["campaign"].astype("int64")
    order = ["campaign", "links", "behaviour"]
    return out.sort_values(order, ascending=[True, False, True]).reset_index(drop=True)


def _links(
    per: pd.DataFrame,
    significant: pd.DataFrame,
    members: pd.DataFrame,
    names: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(links, link_behaviours): significant pairs, and the same pairs per behaviour."""
    camp = members.set_index("aid")["campaign"] if len(members) else pd.Series(dtype="int64")
    links = _readable_pairs(significant.drop(columns=["significant"]), names, camp)
    links.insert(links.columns.get_loc("first_seen"), "q_value", np.power(10.0, links["log10_q"]))
    links = links.sort_values("log10_q").reset_index(drop=True)
    per_behaviour = per.merge(significant[["a", "b"]], on=["a", "b"])
    per_behaviour = _readable_pairs(per_behaviour, names, camp)
    order = ["account_a", "account_b", "behaviour"]
    return links, per_behaviour.sort_values(order).reset_index(drop=True)


def _readable_pairs(pairs: pd.DataFrame, ids: pd.Series, camp: pd.Series) -> pd.DataFrame:
    """Pair rows with account ids for aids, the campaign both share, p-value and times."""
    out = pairs.copy()
    out.insert(0, "account_a", out["a"].map(ids))
    out.insert(1, "account_b", out["b"].map(ids))
    ca, cb = out["a"].map(camp), out["b"].map(camp)
    out["campaign"] = pd.array(np.where((ca == cb) & ca.notna(), ca, np.nan), dtype="Int64")
    out["p_value"] = np.power(10.0, out["log10_p"])
    out["first_seen"] = pd.to_datetime(out["first_ts"], unit="s")
    out["last_seen"] = pd.to_datetime(out["last_ts"], unit="s")
    return out.drop(columns=["a", "b", "first_ts", "last_ts"])
