"""The command line: parses arguments, calls the library, shows progress. Nothing else."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import duckdb
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .assignments import parse_assignments
from .behaviours import TextSettings
from .cluster import ClusterSettings
from .dataset import Dataset
from .detect import STAGES, DetectConfig, detect, format_duration, format_window
from .engine import EngineSettings
from .errors import CibscanError, ConfigError, InputError
from .evaluate import DEFAULT_NEGATIVES
from .findings import Findings
from .link import LinkSettings
from .resolution import in_words
from .schema import DEFAULT_MAX_TEXT_CHARS
from .sources import FORMATS, read
from .traits import TraitSettings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Find coordinated inauthentic behaviour in social media exports.",
)
out = Console()
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        out.print(f"cibscan {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """cibscan: coordinated campaigns, with evidence a person can check."""


@contextmanager
def _progress(quiet: bool) -> Iterator[object]:
    if quiet:
        yield None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        yield bar


def _run_detect(
    load: Callable[[], Dataset],
    out_dir: str,
    *,
    config: DetectConfig,
    quiet: bool,
    engine: object = None,
) -> Findings:
    """Read (``load``), detect (with its relational steps on ``engine``, ``detect``'s
    argument) and save, with one progress bar over all of it."""
    steps = len(STAGES) + 1  # reading, each detection stage, saving
    with _progress(quiet) as bar:
        task = bar.add_task("reading", total=steps) if bar else None  # type: ignore[attr-defined]
        data = load()

        def progress(stage: str, done: int, total: int) -> None:
            if bar is not None:
                bar.update(task, description=stage, completed=done + 1)  # type: ignore[attr-defined]

        findings = detect(data, config, progress=progress, engine=engine)
        if bar is not None:
            bar.update(task, description="saving", completed=steps)  # type: ignore[attr-defined]
        findings.save(out_dir)
    return findings


def _print_time_step(summary: dict[str, Any]) -> None:
    """Say what the grain of the post times changed: windows raised, markers untested."""
    step = int(summary["input"].get("time_step_seconds", 1))
    raised = summary["settings"].get("windows_raised_from", {})
    if raised:
        out.print(
            f"[yellow]post times are given to {in_words(step)}: the windows of "
            f"{', '.join(sorted(raised))} were raised to {format_window(step)} (times so "
            "given cannot show anything closer)[/]"
        )
    if step >= 86_400:
        out.print(
            "[yellow]post times are given to the day: posting schedules (office hours) and "
            "clockwork posting were not tested[/]"
        )


def _print_summary(findings: Findings, out_dir: str) -> None:
    s = findings.summary
    counts = s["counts"]
    skipped = s["input"]["skipped"]
    unassessed = counts.get("campaigns_unassessed", 0)
    flag_all = s["settings"].get("flag") == "coordinated"
    flagging = counts["campaigns"] - counts["campaigns_cleared"] - (0 if flag_all else unassessed)
    out.print(
        f"[bold]{s['input']['posts']:,}[/] posts from [bold]{s['input']['accounts']:,}[/] "
        f"accounts; [bold]{counts['significant_links']:,}[/] significant links "
        f"(of {counts['candidate_links']:,} candidates, FDR {s['settings']['link']['alpha']}); "
        f"[bold red]{counts['flagged_accounts']:,}[/] accounts flagged in "
        f"[bold]{flagging:,}[/] campaigns; "
        f"{counts['campaigns_cleared']:,} authentic-looking crowds and "
        f"{counts['review_accounts']:,} accounts listed for review "
        f"({s['timings_seconds']['total']:.1f} s)"
    )
    if unassessed:
        out.print(
            f"[yellow]{unassessed:,} coordinated campaigns could not be assessed: the data "
            "has no profile columns (followers, creation dates) to test their members "
            "against, and no marker of their posts was significant; their members are "
            + (
                "flagged (--flag coordinated)"
                if flag_all
                else "listed, not flagged (--flag coordinated flags them)"
            )
            + "[/]"
        )
    _print_time_step(s)
    for reason, n in skipped.items():
        out.print(f"[yellow]skipped {n:,} rows: {reason}[/]")
    for fld, n in s["input"].get("cut", {}).items():
        out.print(f"[yellow]cut {n:,} over-long values of {fld} (see schema.MAX_FIELD_CHARS)[/]")
    if s["input"].get("rows_merged"):
        out.print(
            f"{s['input']['rows_merged']:,} rows repeat a post id with other links, hashtags "
            "or objects: read as one post with all of them"
        )
    if s["input"].get("profiles_unused"):
        out.print(
            f"{s['input']['profiles_unused']:,} profiles of accounts with no post in the data "
            "were not used"
        )
    for behaviour, n in s["sampling"]["traces_left_out_of_pairing"].items():
        cap = s["sampling"]["hot_cap"].get(behaviour)
        out.print(
            f"[yellow]{behaviour}: {n:,} traces of hot keys were sampled out of pairing "
            f"(groups cut to {cap} accounts per key and window to bound the work)[/]"
        )
    inside = counts.get("operations_found_inside", 0)
    if inside:
        out.print(
            f"{inside:,} operations were found inside crowds or unassessed campaigns (a "
            "denser group of their members, unlike the population) and stand as campaigns "
            "of their own"
        )
    split = counts.get("operations_split", 0)
    if split:
        out.print(
            f"{split:,} operations were mostly accounts like everybody else: their members "
            "unlike the population stand as an operation of their own, and the rest were "
            "judged again"
        )
    in_families = counts.get("operations_found_in_families", 0)
    if in_families:
        out.print(
            f"{in_families:,} small campaigns are operations with their family (linked to "
            "an operation, and their own members carry its markers)"
        )
    merged = counts.get("campaigns_merged", 0)
    if merged:
        out.print(
            f"{merged:,} campaigns were merged into others as fragments of them (half of "
            "their members kept joining the other's episodes)"
        )
    joined = counts.get("joined_on_group_evidence", 0)
    if joined:
        out.print(
            f"{joined:,} accounts joined a campaign on group evidence (they kept joining its "
            "episodes, with too few shared with any one member for a link)"
        )
    from .view import KEY_GROUPS, campaign_list

    camps = campaign_list(findings)[:15]
    if camps:
        table = Table(title="Top campaigns", show_lines=False)
        table.add_column("#", no_wrap=True, min_width=2, justify="right")
        table.add_column("status", min_width=9)
        table.add_column("size", no_wrap=True, min_width=4, justify="right")
        table.add_column("score", no_wrap=True, min_width=5)
        table.add_column("significant links", min_width=14)
        table.add_column("shared most (members)", no_wrap=True, overflow="ellipsis", max_width=26)
        table.add_column("first seen", no_wrap=True, min_width=10)
        for c in camps:
            shared = next((c[group][0] for group in KEY_GROUPS if c[group]), None)
            # rich markup must never interpret text from the data
            table.add_row(
                str(c["id"]),
                c["status"],
                str(c["size"]),
                f"{c['score']:.3f}",
                "\n".join(f"{b['name']}:{b['links']}" for b in c["behaviours"]),
                _plain(f"{shared['label'][:60]} ({shared['members']})") if shared else "",
                str(c["first_seen"] or "")[:10],
            )
        out.print(table)
    out.print(f"results written to [bold]{_plain(out_dir)}[/]")


def _check_out_folder(path: str) -> None:
    """A findings folder: one that exists, or can be made; never an existing file."""
    if os.path.exists(path) and not os.path.isdir(path):
        raise CibscanError(f"--out {path}: is a file, not a folder; choose a folder")


def _plain(text: str) -> str:
    """Text from the data for the terminal: no rich markup, no control sequences."""
    from rich.markup import escape

    from .outputs.safe import escape_controls

    return escape(escape_controls(text))


@app.command("detect")
def detect_cmd(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Post files (CSV, Parquet or JSON Lines; .gz/.zst ok), or folders of them."
        ),
    ],
    out_dir: Annotated[
        str, typer.Option("--out", "-o", help="Folder for the findings.")
    ] = "results",
    fmt: Annotated[
        str, typer.Option("--format", help=f"Input layout: {', '.join(FORMATS)}.")
    ] = "auto",
    mapping: Annotated[
        str | None,
        typer.Option("--map", help="Column mapping, e.g. account_id=user,created_at=ts."),
    ] = None,
    objects: Annotated[
        str | None,
        typer.Option(
            "--object",
            help="Columns of shared objects, each a behaviour key of its own, e.g. "
            "image=phash_id,video=video_id.",
        ),
    ] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter if sniffing fails.")] = None,
    encoding: Annotated[
        str | None, typer.Option(help="utf-8 (default), utf-16 or latin-1.")
    ] = None,
    on_bad_rows: Annotated[
        str, typer.Option(help="error: stop at the first bad row; skip: skip and count.")
    ] = "error",
    max_text_chars: Annotated[
        int, typer.Option(help="Longest text cell accepted; longer ones are bad rows.")
    ] = DEFAULT_MAX_TEXT_CHARS,
    window: Annotated[
        str | None, typer.Option(help="One time window for all behaviours, e.g. 1m, 10min, 1h.")
    ] = None,
    windows: Annotated[
        str | None, typer.Option(help="Per-behaviour windows, e.g. corepost=60s,copypaste=1h.")
    ] = None,
    scales: Annotated[
        str,
        typer.Option(
            help="Longer time scales every behaviour is also tested at, each with its own "
            "chance model, e.g. 1h,1d; 'none' for each behaviour's window only. A window "
            "pinned by --window or --windows is tested alone."
        ),
    ] = "1h,1d",
    behaviours: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated behaviours (default: all but paraphrase, which needs "
            "pip install 'cibscan[embed]' and embeds every distinct text).",
        ),
    ] = None,
    alpha: Annotated[float, typer.Option(help="False discovery rate for links.")] = 0.01,
    paraphrase_model: Annotated[
        str,
        typer.Option(
            help="Sentence model of the paraphrase behaviour: multilingual-e5-small "
            "(across languages, ~100 texts/s) or wordllama (one language, ~20,000 texts/s)."
        ),
    ] = "multilingual-e5-small",
    min_shared: Annotated[int, typer.Option(help="Fewest shared episodes a link needs.")] = 2,
    evidence_links: Annotated[
        int,
        typer.Option(
            help="Links per account whose posts are kept as evidence: its strongest, with "
            "each campaign's strongest (0: every link's). Every link is in links either way.",
        ),
    ] = LinkSettings().evidence_links_per_account,
    resolution: Annotated[
        float, typer.Option(help="Leiden CPM resolution (min. link density).")
    ] = 0.05,
    min_campaign_size: Annotated[int, typer.Option(help="Smallest group called a campaign.")] = 3,
    suspended: Annotated[
        str | None,
        typer.Option(
            help="File of suspended account ids or handles (one per line): finds "
            "the new accounts that resume them."
        ),
    ] = None,
    watch: Annotated[
        str | None,
        typer.Option(
            help="File of accounts whose amplification is measured (default: the "
            "shipped list of state media and diplomats)."
        ),
    ] = None,
    references: Annotated[
        str | None,
        typer.Option(
            help="CSV (handle,name) of outlets and officials that may be "
            "impersonated (default: the shipped list)."
        ),
    ] = None,
    assess: Annotated[
        bool,
        typer.Option(
            help="Clear campaigns whose members look like everybody else. Turn off "
            "for data made only of operation accounts (a takedown archive)."
        ),
    ] = True,
    flag: Annotated[
        str,
        typer.Option(
            help="Whom to flag: operation (coordinated and inauthentic by a tested "
            "marker) or coordinated (also campaigns whose members could not be tested, "
            "for data without profile columns)."
        ),
    ] = "operation",
    threads: Annotated[
        int | None, typer.Option(help="Engine threads (default: all cores).")
    ] = None,
    memory_limit: Annotated[
        str | None, typer.Option(help="Engine memory limit, e.g. 6GB; spills beyond.")
    ] = None,
    spill_dir: Annotated[
        str | None,
        typer.Option(help="Folder for the engine's private spill folder (default: system temp)."),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="Where the relational steps (linker, group-level test, evidence) run: "
            "duckdb (in process) or spark (pip install 'cibscan[spark]'; the same findings)."
        ),
    ] = "duckdb",
    spark_master: Annotated[
        str | None,
        typer.Option(help="Spark master URL for --engine spark (default: local[*])."),
    ] = None,
    spark_conf: Annotated[
        list[str] | None,
        typer.Option(help="A Spark property for --engine spark, key=value; repeatable."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Write into a folder that holds review decisions (they carry over only to "
            "the campaigns and accounts found again).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
) -> None:
    """Find coordinated campaigns in post files and write the findings to --out."""
    from .detect import DetectConfig as _Config
    from .review import FILE_NAME

    _check_out_folder(out_dir)
    if os.path.isfile(os.path.join(out_dir, FILE_NAME)) and not force:
        raise CibscanError(
            f"{out_dir} holds review decisions ({FILE_NAME}); new findings there keep each "
            "decision only where the same campaign (the same members) or account is found "
            "again, the rest show as from an earlier run: pass --force to go ahead, or "
            "choose another --out"
        )

    config = _Config(
        behaviours=tuple(b.strip() for b in behaviours.split(","))
        if behaviours
        else _Config().behaviours,
        window=window,
        scales=_scales(scales),
        windows=parse_assignments(windows, "--windows", "behaviour=duration (e.g. corepost=60s)"),  # type: ignore[arg-type]
        link=LinkSettings(
            alpha=alpha, min_shared=min_shared, evidence_links_per_account=evidence_links
        ),
        cluster=ClusterSettings(resolution=resolution, min_size=min_campaign_size),
        traits=_trait_settings(suspended, watch, references),
        assess_campaigns=assess,
        flag=flag,
        text=TextSettings(paraphrase_model=paraphrase_model),
    )
    config.resolved_scales()  # fail on a bad setting before reading any file
    config.check_flag()
    runner = _engine(engine, spark_master, spark_conf)
    findings = _run_detect(
        lambda: read(
            inputs,
            format=fmt,
            mapping=mapping,
            objects=objects,
            delimiter=delimiter,
            encoding=encoding,
            on_bad_rows=on_bad_rows,  # type: ignore[arg-type]
            max_text_chars=max_text_chars,
            engine=EngineSettings(
                threads=threads, memory_limit=memory_limit, temp_directory=spill_dir
            ),
        ),
        out_dir,
        config=config,
        quiet=quiet,
        engine=runner,
    )
    if not quiet:
        _print_summary(findings, out_dir)


def _engine(name: str, master: str | None, conf: list[str] | None) -> object:
    """``detect``'s engine for --engine, --spark-master and --spark-conf, checked before
    any file is read (a Spark session starts only when detection does)."""
    if name not in ("duckdb", "spark"):
        raise ConfigError(f"--engine must be duckdb or spark, not {name!r}")
    if name == "duckdb":
        if master or conf:
            raise ConfigError("--spark-master and --spark-conf need --engine spark")
        return None
    from .engine_spark import SparkEngine

    settings: dict[str, str] = {}
    for item in conf or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"--spark-conf: '{item}' is not of the form key=value (e.g. spark.driver.memory=8g)"
            )
        settings[key.strip()] = value.strip()
    return SparkEngine(master=master, conf=settings)


def _scales(value: str) -> tuple[str, ...]:
    """--scales as a tuple of durations; 'none' (or nothing) for none."""
    items = tuple(v.strip() for v in value.split(",") if v.strip())
    return () if items in ((), ("none",)) else items


def _trait_settings(
    suspended: str | None, watch: str | None, references: str | None
) -> TraitSettings:
    from .traits._base import read_list, read_references

    return TraitSettings(
        suspended=read_list(suspended) if suspended else (),
        watch=read_list(watch) if watch else None,
        references=read_references(references) if references else None,
    )


@app.command("target")
def target_cmd(
    who: Annotated[str, typer.Argument(help="The targeted account: id or handle (@ optional).")],
    inputs: Annotated[list[str], typer.Argument(help="Post files, as for detect.")],
    fmt: Annotated[str, typer.Option("--format", help="Input layout, as for detect.")] = "auto",
    mapping: Annotated[str | None, typer.Option("--map", help="Column mapping.")] = None,
    results: Annotated[
        str | None,
        typer.Option(help="Findings of detect on the same posts (else detection runs here)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """Who floods this account's replies and mentions, together, and with what words."""
    import json

    from .target import target

    saved = Findings.load(results) if results else None
    report = target(read(inputs, format=fmt, mapping=mapping), who, saved)
    if as_json:
        print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str))
        return
    out.print(
        f"[bold]{report.posts:,}[/] replies and mentions aimed at {_plain(who)} from "
        f"[bold]{report.accounts:,}[/] accounts; [bold red]{len(report.brigades)}[/] brigade(s) "
        "acting together beyond chance",
        soft_wrap=True,
    )
    if report.reposts:
        out.print(f"{report.reposts:,} reposts of its posts (support, not counted as aimed at it)")
    for note in report.notes:
        out.print(f"[yellow]{_plain(note)}[/]")
    if len(report.brigades):
        table = Table(title="Brigades (strongest first)")
        from .status import campaign_words

        behaviours = report.findings.campaign_behaviours
        for name in (
            "#",
            "size",
            "posts",
            "threats",
            "busiest hour",
            "words used",
            "campaign",
            "together by",
        ):
            table.add_column(name, overflow="fold")
        for b in report.brigades.itertuples(index=False):
            used = report.terms[report.terms["brigade"] == b.brigade]
            mine = behaviours[behaviours["campaign"] == b.brigade]
            table.add_row(
                str(b.brigade),
                str(b.size),
                str(b.posts),
                f"{b.threat_share:.0%}",
                f"{b.busiest_hour:%Y-%m-%d %H}:00 ({b.posts_in_busiest_hour})",
                _plain(", ".join(f"{t} ({n})" for t, n in used[["term", "posts"]].values)),
                f"{campaign_words(b.status, b.assessment)}, {b.campaign_size} accounts",
                ", ".join(f"{x}:{n}" for x, n in mine[["behaviour", "links"]].values),
            )
        out.print(table)
        for b in report.brigades.head(3).itertuples(index=False):
            out.print(f"[bold]brigade {b.brigade}[/], for example:")
            shown = report.examples[report.examples["brigade"] == b.brigade]
            for e in shown.itertuples(index=False):
                line = f"{e.created_at:%Y-%m-%d %H:%M:%S} {e.account_id}: {str(e.text)[:140]}"
                out.print("  " + _plain(line), soft_wrap=True)
    if len(report.amplifiers):
        table = Table(title="Who amplified the brigades' posts at the target")
        for name in ("brigade", "account", "posts amplified", "median delay", "status"):
            table.add_column(name, overflow="fold")
        from .status import account_words

        for a in report.amplifiers.head(20).itertuples(index=False):
            table.add_row(
                str(a.brigade),
                _plain(str(a.account_id)),
                str(a.posts_amplified),
                "" if pd.isna(a.median_delay_s) else format_duration(int(a.median_delay_s)),
                account_words(str(a.status), a.campaign),
            )
        out.print(table)
        if len(report.amplifiers) > 20:
            out.print(f"... and {len(report.amplifiers) - 20:,} more (--json lists them all)")
    if len(report.groups):
        from .status import campaign_words

        table = Table(title="Groups aimed at the target that are not brigades")
        for name in ("#", "size", "posts", "hostile", "reposts of the target", "campaign"):
            table.add_column(name, overflow="fold")
        for g in report.groups.itertuples(index=False):
            table.add_row(
                str(g.group),
                str(g.size),
                str(g.posts),
                f"{g.hostile_share:.0%}",
                str(g.reposts_of_target),
                f"{campaign_words(g.status, g.assessment)}, {g.campaign_size} accounts",
            )
        out.print(table)
    table = Table(title="Accounts that posted at the target most")
    for name in ("account", "posts", "threats", "insults", "brigade"):
        table.add_column(name)
    for f in report.flooders.head(10).itertuples(index=False):
        table.add_row(
            _plain(str(f.account_id)),
            str(f.posts),
            str(f.threats),
            str(f.insults),
            "" if pd.isna(f.brigade) else str(f.brigade),
        )
    out.print(table)


@app.command("simulate")
def simulate_cmd(
    out_dir: Annotated[str, typer.Option("--out", "-o", help="Folder for the platform.")] = "sim",
    posts: Annotated[int, typer.Option(help="Approximate number of posts to generate.")] = 50_000,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same platform.")
    ] = 7,
    days: Annotated[int, typer.Option(help="Length of the period in days.")] = 21,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Generate a platform with planted operations and hard negatives, with labels.csv.

    Writes posts (Twitter IO archive layout), labels.csv (userid, label, role),
    suspended.txt and watch.txt. See cibscan.simulate.SimConfig for every knob.
    """
    from .simulate import SimConfig, generate, write

    if posts < 1000:
        raise CibscanError("--posts must be at least 1000")
    if days < 7:
        raise CibscanError("--days must be at least 7 (operations work on a weekly schedule)")
    if fmt not in ("csv", "parquet"):
        raise CibscanError(f"--format must be csv or parquet, not {fmt!r}")
    with _progress(quiet) as bar:
        if bar is not None:
            bar.add_task("generating", total=None)  # type: ignore[attr-defined]
        frame, labels = generate(SimConfig(posts=posts, seed=seed, days=days))
        path = write(frame, labels, out_dir, fmt=fmt)
    if not quiet:
        counts = labels.groupby(["label", "role"]).size()
        out.print(
            f"{len(frame):,} posts from {frame['userid'].nunique():,} accounts: {_plain(path)}"
        )
        table = Table(title="labels.csv")
        for name in ("label", "role", "accounts"):
            table.add_column(name, justify="right" if name == "accounts" else "left")
        for (label, role), n in counts.items():
            table.add_row(str(label), str(role), f"{n:,}")
        out.print(table)


@app.command("evaluate")
def evaluate_cmd(
    results: Annotated[str, typer.Argument(help="A findings folder written by detect.")],
    labels: Annotated[str, typer.Option(help="Labels file: CSV, CSV.gz or Parquet.")],
    id_column: Annotated[str, typer.Option(help="Column with the account id.")] = "userid",
    label_column: Annotated[
        str, typer.Option(help="Column with the label (operation name, category or 0/1).")
    ] = "label",
    role_column: Annotated[
        str, typer.Option(help="Column with the role, if the file has one.")
    ] = "role",
    negative: Annotated[
        str,
        typer.Option(help="Comma-separated label values meaning not part of an operation."),
    ] = ",".join(DEFAULT_NEGATIVES),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
    plot: Annotated[
        str | None,
        typer.Option(
            help="Also write the reliability diagram and the precision-recall curve "
            "to this SVG file."
        ),
    ] = None,
) -> None:
    """Compare saved findings with account labels: precision, recall, F1, PR-AUC, NMI,
    and how well the account scores are calibrated (reliability by score bin)."""
    import json

    from .evaluate import LabelSpec, evaluate, read_labels
    from .outputs.evaluation_svg import evaluation_svg

    findings = Findings.load(results)
    spec = LabelSpec(
        id_column=id_column,
        label_column=label_column,
        role_column=role_column,
        negatives=tuple(v.strip() for v in negative.split(",") if v.strip()),
    )
    result = evaluate(findings, read_labels(labels, spec))
    if plot:
        try:
            with open(plot, "w", encoding="utf-8") as fh:
                fh.write(evaluation_svg(result))
        except OSError as exc:
            raise InputError(plot, f"cannot write the plot: {exc.strerror or exc}") from None
    if as_json:
        print(json.dumps(result, indent=2))
        return
    _print_evaluation(result)
    if plot:
        out.print(f"reliability diagram and precision-recall curve written to {_plain(plot)}")


def _print_evaluation(result: dict[str, Any]) -> None:
    def fmt(v: object) -> str:
        return "n/a" if v is None else (f"{v:.3f}" if isinstance(v, float) else f"{v:,}")

    cov, acc, camp, hard = (
        result["coverage"],
        result["accounts"],
        result["campaigns"],
        result["hard_negatives"],
    )
    out.print(
        f"{cov['labelled_in_data']:,} labelled accounts in the data "
        f"({cov['positives']:,} positive, {cov['negatives']:,} negative); "
        f"{cov['labelled_not_in_data']:,} labelled accounts have no posts in it"
    )
    table = Table(title="Accounts")
    for name in ("precision", "recall", "F1", "PR-AUC", "flagged", "false positives"):
        table.add_column(name, justify="right")
    table.add_row(
        *(fmt(acc[k]) for k in ("precision", "recall", "f1", "pr_auc", "flagged")),
        fmt(acc["false_positives"]),
    )
    out.print(table)
    for title, key in (
        ("Positives found, by label", "per_label"),
        ("Negatives flagged, by role", "negatives_flagged_by_role"),
    ):
        if result[key]:
            t = Table(title=title)
            for name in ("group", "accounts", "flagged", "share"):
                t.add_column(name, justify="left" if name == "group" else "right")
            for group, row in result[key].items():
                t.add_row(
                    _plain(group),
                    fmt(row["accounts"]),
                    fmt(row["flagged"]),
                    fmt(row["share_flagged"]),
                )
            out.print(t)
    if hard["accounts"]:
        out.print(
            f"hard negatives flagged: {hard['flagged']:,} of {hard['accounts']:,} "
            f"({fmt(hard['share_flagged'])})"
        )
    calibration = result["calibration"]
    t = Table(title=f"Account scores against labels (calibration error {fmt(calibration['ece'])})")
    for name in ("score", "accounts", "mean score", "share positive"):
        t.add_column(name, justify="right")
    for row in calibration["bins"]:
        if row["accounts"]:
            t.add_row(
                f"{row['low']:.1f}-{row['high']:.1f}",
                fmt(row["accounts"]),
                fmt(row["mean_score"]),
                fmt(row["share_positive"]),
            )
    out.print(t)
    out.print(
        f"campaigns: {camp['campaigns_with_positives']:,} hold positives from "
        f"{camp['labelled_groups_found']:,} labelled groups; purity {fmt(camp['purity'])}, "
        f"NMI {fmt(camp['nmi'])}"
    )


@app.command("report")
def report_cmd(
    results: Annotated[
        str,
        typer.Argument(
            help="Findings folder written by detect, or a live folder kept by watch (its "
            "latest run's findings)."
        ),
    ],
    output: Annotated[
        str, typer.Option("--output", "-o", help="HTML file to write.")
    ] = "report.html",
    title: Annotated[
        str | None, typer.Option(help="Title on the report (default: cibscan findings).")
    ] = None,
) -> None:
    """Write one self-contained HTML report (opens offline; can be mailed) of a findings folder."""
    from .findings import TABLES
    from .report import write_report
    from .watch import RESULTS, is_live_folder

    if is_live_folder(results):  # a live folder: its latest run's findings
        results = os.path.join(results, RESULTS)
    if os.path.isdir(output):
        raise CibscanError(f"-o {output}: is a folder; give the report's file name")
    inside = os.path.realpath(os.path.dirname(os.path.abspath(output))) == os.path.realpath(results)
    if inside and os.path.basename(output) in {
        *(f"{t}.{x}" for t in TABLES for x in ("parquet", "csv")),
        "summary.json",
        "posts.parquet",
        "graph.gexf",
        "reviews.sqlite",
    }:
        raise CibscanError(f"-o {output}: would overwrite the findings themselves")
    with err.status("reading findings and drawing the report"):
        findings = Findings.load(results)
        size = write_report(findings, output, title)
    out.print(f"report written to {_plain(output)} ({size / 1e6:.1f} MB)", soft_wrap=True)


@app.command("watch")
def watch_cmd(
    source: Annotated[
        str,
        typer.Argument(
            help="A Bluesky Jetstream websocket URL (wss://...), a growing JSON Lines file, "
            "or - for standard input."
        ),
    ],
    out_dir: Annotated[
        str, typer.Option("--out", "-o", help="Live folder: state, segments, results, alerts.")
    ] = "live",
    window: Annotated[
        str, typer.Option(help="Rolling window of event time that detection sees.")
    ] = "24h",
    every: Annotated[
        str, typer.Option(help="Wall-clock time between detection runs (when posts came in).")
    ] = "5min",
    batch: Annotated[
        int, typer.Option(help="Lines buffered before they are read and committed.")
    ] = 20_000,
    webhook: Annotated[
        str | None, typer.Option(help="POST each alert as JSON to this http(s) URL.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="Input layout (default: auto).")] = "auto",
    mapping: Annotated[str | None, typer.Option("--map", help="Column mapping.")] = None,
    behaviours: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated behaviours (default: all but paraphrase, which needs "
            "pip install 'cibscan[embed]' and embeds every distinct text).",
        ),
    ] = None,
    flag: Annotated[
        str,
        typer.Option(
            help="Whose campaigns raise alerts: operation (inauthentic by a tested marker) or "
            "coordinated (also campaigns nothing could be tested of, as on a stream with no "
            "profiles)."
        ),
    ] = "operation",
    grow: Annotated[
        float,
        typer.Option(help="A campaign grows when it gains this share of its size (and 3+)."),
    ] = 0.25,
    follow: Annotated[
        bool, typer.Option(help="For a file: wait for more lines at its end (tail -f).")
    ] = True,
    memory_limit: Annotated[
        str | None, typer.Option(help="Engine memory limit, e.g. 6GB; spills beyond.")
    ] = None,
) -> None:
    """Watch a live stream: detection on a rolling window, alerts as campaigns form or grow."""
    from .behaviours.base import parse_window
    from .watch import Watcher, WatchSettings, check_webhook, open_source

    def seconds(value: str, option: str) -> int:
        try:
            return parse_window(value)
        except CibscanError:
            raise CibscanError(
                f"{option} '{value}' is not a duration of a second or more, such as 30s, "
                "10min, 1h, 1d"
            ) from None

    _check_out_folder(out_dir)
    settings = WatchSettings(
        window=seconds(window, "--window"),
        every=float(seconds(every, "--every")),
        batch=batch,
        grow_share=grow,
        format=fmt,
        mapping=mapping,
    )
    settings.check()
    config = DetectConfig(
        behaviours=tuple(b.strip() for b in behaviours.split(","))
        if behaviours
        else DetectConfig().behaviours,
        flag=flag,
    )
    watcher = Watcher(
        out_dir,
        settings,
        config,
        webhook=check_webhook(webhook) if webhook else None,
        say=lambda line: out.print(_plain(line), soft_wrap=True, highlight=False),
        alert=lambda line: out.print(f"[bold red]ALERT[/] {_plain(line)}", soft_wrap=True),
        engine=EngineSettings(memory_limit=memory_limit),
    )
    src = open_source(
        source,
        watcher.state.position,
        follow=follow,
        settings=settings,
        say=lambda line: err.print(f"[yellow]{_plain(line)}[/]", soft_wrap=True),
    )
    watcher.attach(src)
    out.print(
        f"watching {_plain(src.label())} into {_plain(out_dir)}: a {_plain(window)} window, "
        f"detection every {_plain(every)} (Ctrl-C stops and commits)",
        soft_wrap=True,
    )
    watcher.run(src)
    state = watcher.state
    others = ", ".join(f"{reason} {n:,}" for reason, n in sorted(state.skipped.items()))
    out.print(
        f"{state.lines:,} lines read, {state.posts:,} posts kept ({state.duplicates:,} "
        f"already kept dropped); not posts: {_plain(others) or 'none'}; "
        f"{state.runs:,} detection runs; findings in {_plain(out_dir)}/results",
        soft_wrap=True,
    )


@app.command("serve")
def serve_cmd(
    results: Annotated[
        str,
        typer.Argument(
            help="Findings folder written by detect, or a live folder kept by watch (its "
            "latest findings, reloaded as new runs finish)."
        ),
    ],
    host: Annotated[
        str,
        typer.Option(help="Address to listen on. Anything but loopback requires a token."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="CIBSCAN_TOKEN",
            help="Access token, also on loopback (default: none on loopback, a random one "
            "elsewhere). Set CIBSCAN_TOKEN rather than this option: other users of the "
            "machine can read a command line.",
        ),
    ] = None,
    reviewers: Annotated[
        str | None,
        typer.Option(
            help="File of reviewer tokens, one 'TOKEN NAME' a line: each reviewer signs in "
            "with their own token and decisions record their name."
        ),
    ] = None,
) -> None:
    """Open a local dashboard on a findings folder: filter, inspect, record review decisions.

    On a live folder kept by ``cibscan watch`` it serves the latest run's findings, with
    the time each campaign formed, and reloads them as new runs finish."""
    from .dashboard import LOOPBACK, LiveDashboard, access_token, create_app, read_reviewers, serve
    from .watch import is_live_folder

    live = is_live_folder(results)
    named = read_reviewers(reviewers) if reviewers else None
    if token and os.environ.get("CIBSCAN_TOKEN") != token:
        err.print("[yellow]--token on the command line is visible to other users: "
                  "set CIBSCAN_TOKEN instead[/]")  # fmt: skip
    token = token if named else access_token(host, token)
    options: dict[str, Any] = {
        "token": token,
        "hosts": LOOPBACK if host in LOOPBACK else None,
        "reviewers": named,
    }
    app_: Any = (
        LiveDashboard(results, **options)
        if live
        else create_app(Findings.load(results), results, **options)
    )
    shown = "localhost" if host in ("127.0.0.1", "::1", "localhost") else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    if named:
        url = f"http://{shown}:{port}/?token=YOUR_TOKEN ({len(named)} reviewers)"
    out.print(f"dashboard on {url}  (Ctrl-C stops it)", soft_wrap=True)
    from .review import ReviewStore

    if not ReviewStore.writable(results):
        out.print("[yellow]this folder is read-only here: served with reviews off[/]")
    serve(app_, host, port)


@app.command("demo")
def demo_cmd(
    out_dir: Annotated[
        str, typer.Option("--out", "-o", help="Folder for the platform and findings.")
    ] = "demo",
    posts: Annotated[int, typer.Option(help="Approximate number of posts to generate.")] = 50_000,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same platform.")
    ] = 7,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Generate a small platform with planted operations, run detect on it, and say how it did."""
    from .evaluate import evaluate, read_labels
    from .simulate import SimConfig, generate, write

    if posts < 1000:
        raise CibscanError("--posts must be at least 1000")
    frame, labels = generate(SimConfig(posts=posts, seed=seed))
    path = write(frame, labels, out_dir)
    if not quiet:
        out.print(f"generated {len(frame):,} posts ({_plain(path)}) and labels.csv")
    findings = _run_detect(
        lambda: read(path), os.path.join(out_dir, "results"), config=DetectConfig(), quiet=quiet
    )
    if not quiet:
        _print_summary(findings, os.path.join(out_dir, "results"))
    from .report import write_report

    report_path = os.path.join(out_dir, "report.html")
    write_report(findings, report_path, title=f"cibscan demo (seed {seed})")
    result = evaluate(findings, read_labels(os.path.join(out_dir, "labels.csv")))
    cov, acc, hard = result["coverage"], result["accounts"], result["hard_negatives"]
    out.print(
        f"planted operations: found {acc['true_positives']} of {cov['positives']} accounts; "
        f"organic accounts flagged: {acc['false_positives']} of {cov['negatives']:,} "
        f"(hard negatives: {hard['flagged']} of {hard['accounts']:,})",
        soft_wrap=True,
    )
    if not quiet:
        results = os.path.join(out_dir, "results")
        out.print(
            f"report: {_plain(report_path)}; dashboard: cibscan serve {_plain(results)}",
            soft_wrap=True,
        )


def main() -> None:
    """Entry point: one line on stderr and exit 2 for a user error, never a traceback."""
    try:
        app()
    except CibscanError as exc:
        err.print(f"[bold red]error:[/] {_plain(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except duckdb.OutOfMemoryException:
        err.print(
            "[bold red]error:[/] the engine ran out of memory: raise --memory-limit, or leave "
            "it unset for a quarter of this machine's memory",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(2)
    except duckdb.IOException as exc:
        if "No space left on device" not in str(exc):
            raise
        err.print(
            "[bold red]error:[/] the engine's spill folder ran out of disk space: free some, "
            "point --spill-dir at a larger disk, or raise --memory-limit so that less spills",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
