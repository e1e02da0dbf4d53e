"""``cibscan watch``: live monitoring of a stream of posts, with alerts as campaigns form
and grow.

The source is a Bluesky Jetstream websocket URL, a growing JSON Lines file, or standard
input, in any layout the readers know (:mod:`cibscan.sources`). The watcher:

1. buffers the lines it receives and every ``batch`` lines, and before each detection
   run, reads them with the same readers as ``cibscan detect`` (bad lines are skipped and
   counted: one bad event must not stop a monitor) and writes their canonical posts to a
   *segment* (one Parquet file) in ``live/segments/``;
2. commits the segment and the source's position together in ``live/state.json`` (written
   to a temporary name and renamed, so a crash leaves the old state or the new one): a
   restart removes every segment the state does not name and resumes the source from the
   committed position (the Jetstream ``cursor``, a file's byte offset), so no event is
   lost; a post already in a segment that overlaps its time is dropped, so an event
   replayed after a reconnect or a restart is not counted twice;
3. every ``every`` seconds of wall clock (when new posts came in), runs detection on the
   posts of the rolling window (the last ``window`` seconds of event time: the newest
   post's time, not the clock, so a replayed recording behaves as it did live), saves the
   findings to ``live/results/`` (written aside, then swapped in), and compares the
   campaigns with the ones it already knew (:func:`track`): a campaign whose members are
   mostly new *forms*, one that gained enough members since its last alert *grows*;
4. raises each alert as a line on the console, a line of ``live/alerts.jsonl``, and, with
   a webhook, a JSON POST.

Memory stays bounded over days: the buffer holds at most ``batch`` lines, segments older
than the window are deleted, and detection reads only the window. Detection re-runs on the
whole window each time (its cost is that of ``cibscan detect`` on the window's posts):
``every`` should stay above the time one run takes. A Jetstream connection that drops is
opened again after a back-off that doubles up to ``backoff_max``, from the time of the
last event received.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .dataset import Dataset
from .detect import DetectConfig, detect
from .engine import EngineSettings, connect
from .errors import CibscanError, ConfigError, InputError, clip
from .findings import Findings
from .status import CampaignStatus

STATE_VERSION = 1
STATE = "state.json"
LIVE_CAMPAIGNS = "campaigns.json"
ALERTS = "alerts.jsonl"
RESULTS = "results"
SEGMENTS = "segments"


#: Longest line a file or standard input may hand over: a post is a few kilobytes (a
#: websocket message is capped at 1 MiB by the client); a longer line is written to
#: exhaust memory, and is skipped and counted.
MAX_LINE_BYTES = 16 * 1024 * 1024
TOO_LONG = "line longer than 16 MiB"


@dataclass(frozen=True)
class Skipped:
    """What a source hands over in place of a line it refused: counted, never read."""

    reason: str


class WatchError(CibscanError):
    """A live folder or source that cannot be used as given."""


@dataclass(frozen=True)
class WatchSettings:
    """How the watcher keeps its window, when it runs detection, and what it alerts on."""

    #: seconds of event time kept, counted back from the newest post
    window: int = 86_400
    #: seconds of wall clock between detection runs
    every: float = 300.0
    #: lines buffered before they are read and written to a segment
    batch: int = 20_000
    #: a campaign grows when it gained at least this share of its size at its last alert...
    grow_share: float = 0.25
    #: ...and at least this many accounts
    grow_min: int = 3
    #: the input layout (see ``cibscan.sources.FORMATS``)
    format: str = "auto"
    mapping: str | None = None
    #: seconds before a dropped connection is opened again, doubled up to ``backoff_max``
    backoff_first: float = 1.0
    backoff_max: float = 60.0

    def check(self) -> None:
        if self.window < 60:
            raise ConfigError(f"--window must be at least one minute, not {self.window} s")
        if self.every < 1:
            raise ConfigError("--every must be at least one second")
        if self.batch < 1:
            raise ConfigError("--batch must be at least 1 line")
        if not 0 <= self.grow_share <= 10 or self.grow_min < 1:
            raise ConfigError("a campaign grows by a share in [0, 10] and at least 1 account")


# --- sources ---------------------------------------------------------------------------


class Source(Protocol):
    """Lines of a stream, ``None`` when nothing came for a while (so that the watcher can
    run detection on time), and a position to resume from."""

    def lines(self) -> Iterator[str | Skipped | None]: ...

    def position(self) -> dict[str, Any]:
        """Where the lines handed out so far end (for the state file)."""
        ...

    def label(self) -> str: ...


class FileSource:
    """A JSON Lines file, read from a byte offset; with ``follow`` it waits for more
    lines at its end (``tail -f``), else it ends there.

    A line is handed out only once its newline is written (a writer half way through a
    line is waited for); without ``follow`` a last line without one is handed out too.
    A file that shrinks below the offset was truncated or replaced: read from its start.
    A line longer than ``MAX_LINE_BYTES`` is skipped to its end and handed out as
    :class:`Skipped`, never held in memory.
    """

    def __init__(
        self,
        path: str,
        offset: int = 0,
        *,
        follow: bool = True,
        poll: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not os.path.isfile(path):
            raise WatchError(f"{clip(path)}: no such file")
        self.path = path
        self.offset = offset
        self.follow = follow
        self.poll = poll
        self.sleep = sleep

    def label(self) -> str:
        return self.path

    def position(self) -> dict[str, Any]:
        return {"offset": self.offset}

    def lines(self) -> Iterator[str | Skipped | None]:
        with open(self.path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size < self.offset:
                self.offset = 0
            handle.seek(self.offset)
            partial = b""
            refused = False  # inside a line too long to read: skip to its end
            while True:
                chunk = handle.readline(MAX_LINE_BYTES + 1)
                if refused:
                    self.offset += len(chunk)
                    refused = not chunk.endswith(b"\n")
                    if chunk:
                        continue
                elif chunk.endswith(b"\n") and len(partial) + len(chunk) <= MAX_LINE_BYTES + 1:
                    self.offset += len(partial) + len(chunk)
                    text = (partial + chunk).decode("utf-8", errors="replace").strip()
                    partial = b""
                    if text:
                        yield text
                    continue
                else:
                    partial += chunk
                    if len(partial) > MAX_LINE_BYTES:
                        self.offset += len(partial)
                        refused, partial = not partial.endswith(b"\n"), b""
                        yield Skipped(TOO_LONG)
                        continue
                if not self.follow:
                    if partial.strip():
                        self.offset += len(partial)
                        yield partial.decode("utf-8", errors="replace").strip()
                    return
                yield None
                self.sleep(self.poll)
                if os.stat(self.path).st_size < self.offset + len(partial):
                    handle.seek(0)
                    self.offset, partial, refused = 0, b"", False


class StreamSource:
    """Lines of an open text stream (standard input); nothing to resume from."""

    def __init__(self, stream: TextIO, name: str = "<stdin>") -> None:
        self.stream = stream
        self.name = name
        self.count = 0

    def label(self) -> str:
        return self.name

    def position(self) -> dict[str, Any]:
        return {"lines": self.count}

    def lines(self) -> Iterator[str | Skipped | None]:
        while True:
            line = self.stream.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            self.count += 1
            if len(line) > MAX_LINE_BYTES:  # characters: at least as many bytes
                while line and not line.endswith("\n"):
                    line = self.stream.readline(MAX_LINE_BYTES + 1)
                yield Skipped(TOO_LONG)
                continue
            text = line.strip()
            if text:
                yield text


def with_cursor(url: str, cursor: int | None) -> str:
    """``url`` with its ``cursor`` query parameter set to ``cursor`` (removed if None)."""
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "cursor"]
    if cursor is not None:
        query.append(("cursor", str(cursor)))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class JetstreamSource:
    """A Bluesky Jetstream websocket (``wss://.../subscribe?wantedCollections=...``).

    Each message is one event; its ``time_us`` is the position. A connection that fails
    or drops is opened again after a back-off (doubling from ``backoff_first`` to
    ``backoff_max``, back to the first after a message arrives) with ``cursor`` set to the
    last time received, so Jetstream replays what was missed; the events it replays at
    that time are dropped again by the watcher's duplicate check.
    """

    def __init__(
        self,
        url: str,
        cursor: int | None = None,
        *,
        backoff_first: float = 1.0,
        backoff_max: float = 60.0,
        idle: float = 1.0,
        say: Callable[[str], None] = lambda _: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        try:
            from websockets.sync.client import connect as ws_connect
        except ImportError:  # pragma: no cover - a dependency, present unless removed
            raise WatchError("reading a websocket needs the 'websockets' package") from None
        self._connect = ws_connect
        self.url = url
        self.cursor = cursor
        self.backoff_first = backoff_first
        self.backoff_max = backoff_max
        self.idle = idle
        self.say = say
        self.sleep = sleep
        self.connections = 0

    def label(self) -> str:
        return with_cursor(self.url, None)

    def position(self) -> dict[str, Any]:
        return {"cursor": self.cursor}

    def lines(self) -> Iterator[str | Skipped | None]:
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

        wait = self.backoff_first
        while True:
            try:
                with self._connect(
                    with_cursor(self.url, self.cursor), open_timeout=10, close_timeout=2
                ) as ws:
                    self.connections += 1
                    try:
                        while True:
                            try:
                                message = ws.recv(timeout=self.idle)
                            except TimeoutError:
                                yield None
                                continue
                            if isinstance(message, bytes):
                                message = message.decode("utf-8", "replace")
                            self.cursor = _time_us(message, self.cursor)
                            wait = self.backoff_first
                            yield message
                    except GeneratorExit:  # the watcher stops: a normal close
                        ws.close()
                        raise
            except InvalidURI:
                raise WatchError(f"{clip(self.label())}: not a websocket URL") from None
            except (ConnectionClosed, InvalidHandshake, OSError) as exc:
                self.say(
                    f"connection to {clip(self.label())} lost ({clip(exc, 100)}); "
                    f"again in {wait:g} s from cursor {self.cursor}"
                )
            yield None
            self.sleep(wait)
            wait = min(max(wait * 2, self.backoff_first), self.backoff_max)


def _time_us(text: str, default: int | None) -> int | None:
    try:
        value = json.loads(text).get("time_us")
    except (ValueError, AttributeError):
        return default
    return value if isinstance(value, int) and (default is None or value > default) else default


def open_source(
    spec: str,
    position: dict[str, Any] | None = None,
    *,
    follow: bool = True,
    settings: WatchSettings | None = None,
    say: Callable[[str], None] = lambda _: None,
    stdin: TextIO | None = None,
) -> Source:
    """The source ``spec`` names: ``-`` standard input, a ``ws://``/``wss://`` URL, or a
    file path; resumed from ``position`` (a previous run's) where it can be."""
    settings = settings or WatchSettings()
    position = position or {}
    if spec == "-":
        import sys

        return StreamSource(stdin or sys.stdin)
    if spec.startswith(("ws://", "wss://")):
        return JetstreamSource(
            spec,
            position.get("cursor"),
            backoff_first=settings.backoff_first,
            backoff_max=settings.backoff_max,
            say=say,
        )
    if "://" in spec:
        raise WatchError(f"{clip(spec)}: a source is a file, '-' or a ws:// or wss:// URL")
    return FileSource(spec, int(position.get("offset", 0)), follow=follow)


# --- campaigns across runs -------------------------------------------------------------


@dataclass
class LiveCampaign:
    """A campaign as the watcher knows it across runs."""

    live_id: str
    formed_at: str  #: wall-clock time (UTC) of the run that first found it
    members: list[str]
    status: str
    #: its members at its last alert (none: never alerted)
    alerted: list[str] = field(default_factory=list)
    first_seen: str | None = None  #: its members' first post in the window
    last_seen: str | None = None
    seen_at: str = ""  #: wall-clock time of the last run that found it


@dataclass(frozen=True)
class FoundCampaign:
    """A campaign of one detection run, as :func:`track` reads it."""

    campaign: int
    status: str
    alerting: bool  #: its members are flagged
    members: frozenset[str]
    behaviours: tuple[str, ...] = ()
    first_seen: str | None = None
    last_seen: str | None = None


def found_campaigns(findings: Findings) -> list[FoundCampaign]:
    """The campaigns of ``findings`` with their members and whether they are flagged."""
    accounts = findings.accounts[findings.accounts["campaign"].notna()]
    members = accounts.groupby(accounts["campaign"].astype("int64"))["account_id"].agg(frozenset)
    flagged = accounts.groupby(accounts["campaign"].astype("int64"))["flagged"].any()
    behaviours = (
        findings.campaign_behaviours.groupby("campaign")["behaviour"].agg(tuple)
        if len(findings.campaign_behaviours)
        else pd.Series(dtype=object)
    )
    out = []
    for row in findings.campaigns.to_dict("records"):
        camp = int(row["campaign"])
        out.append(
            FoundCampaign(
                campaign=camp,
                status=str(row["status"]),
                alerting=bool(flagged.get(camp, False)),
                members=members.get(camp, frozenset()),
                behaviours=tuple(behaviours.get(camp, ())),
                first_seen=_text(row.get("first_seen")),
                last_seen=_text(row.get("last_seen")),
            )
        )
    return out


def _text(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def track(
    known: list[LiveCampaign],
    found: list[FoundCampaign],
    now: str,
    settings: WatchSettings,
) -> tuple[list[LiveCampaign], list[dict[str, Any]], dict[int, LiveCampaign]]:
    """Match this run's campaigns to the known ones and say which formed or grew.

    A found campaign is the known one that shares the most members with it, if they
    share at least half of the smaller one (each known campaign matched once, the largest
    overlaps first); otherwise it is new. A flagged campaign *forms* when it is new, or
    known but never alerted on (it was a crowd or unassessed before); it *grows* when it
    gained at least ``grow_share`` of its size at its last alert and ``grow_min``
    accounts. Known campaigns not found again are kept (a quiet hour ends no campaign)
    until they fall out of the window with their posts, which the caller decides.

    Returns the known campaigns after this run, the alerts, and this run's campaign
    number -> its live campaign.
    """
    pairs = []
    for f in found:
        for k in known:
            shared = len(f.members.intersection(k.members))
            if shared and 2 * shared >= min(len(f.members), len(k.members)):
                pairs.append((shared, f.campaign, k.live_id))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    # copies: the caller's list stays as it was
    by_id = {k.live_id: replace(k) for k in known}
    matched: dict[int, LiveCampaign] = {}
    taken: set[str] = set()
    for _, camp, live_id in pairs:
        if camp not in matched and live_id not in taken:
            matched[camp] = by_id[live_id]
            taken.add(live_id)
    next_number = 1 + max((int(k.live_id[1:]) for k in known), default=0)
    alerts = []
    for f in sorted(found, key=lambda c: c.campaign):
        live = matched.get(f.campaign)
        if live is None:
            live = LiveCampaign(
                live_id=f"L{next_number}", formed_at=now, members=[], status=f.status
            )
            next_number += 1
            matched[f.campaign] = by_id[live.live_id] = live
        live.members = sorted(f.members)
        live.status = f.status
        live.first_seen, live.last_seen, live.seen_at = f.first_seen, f.last_seen, now
        if not f.alerting:
            continue
        before = len(live.alerted)
        if not before:
            event = "formed"
        elif len(f.members) - before >= max(settings.grow_min, settings.grow_share * before):
            event = "grew"
        else:
            continue
        # for growth, the members who came since the last alert (not only since the last run)
        new = sorted(f.members.difference(live.alerted)) if event == "grew" else []
        alerts.append(
            {
                "event": event,
                "live_id": live.live_id,
                "campaign": f.campaign,
                "status": f.status,
                "accounts": len(f.members),
                "accounts_before": before,
                "new_accounts": new[:100],
                "behaviours": list(f.behaviours),
                "formed_at": live.formed_at,
                "first_seen": f.first_seen,
                "last_seen": f.last_seen,
                "at": now,
            }
        )
        live.alerted = sorted(f.members)
    ordered = sorted(by_id.values(), key=lambda c: int(c.live_id[1:]))
    return ordered, alerts, matched


def alert_line(alert: dict[str, Any]) -> str:
    """One line for the console (the caller escapes it for its markup)."""
    how = ", ".join(alert["behaviours"]) or "no behaviour named"
    if alert["event"] == "formed":
        return (
            f"campaign {alert['live_id']} formed: {alert['status']}, {alert['accounts']:,} "
            f"accounts ({how}), posts since {alert['first_seen']}"
        )
    return (
        f"campaign {alert['live_id']} grew: {alert['accounts_before']:,} -> "
        f"{alert['accounts']:,} accounts ({how}), formed {alert['formed_at']}"
    )


def post_webhook(url: str, alert: dict[str, Any], timeout: float = 10.0) -> None:
    """POST ``alert`` as JSON to ``url``; raises ``OSError`` (``URLError`` for an HTTP
    error status) or ``http.client.HTTPException`` (a reply that is not HTTP) when it
    fails."""
    body = json.dumps({"source": "cibscan", "alert": alert}, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


def check_webhook(url: str) -> str:
    """``url`` if it is an http(s) URL with a host; a ConfigError otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--webhook {clip(url)!r} is not an http:// or https:// URL")
    return url


# --- the live folder -------------------------------------------------------------------


@dataclass
class Segment:
    name: str
    posts: int
    first: str  #: earliest post time in it (ISO, UTC)
    last: str  #: latest
    profiles: bool = False  #: a profiles file beside it


@dataclass
class LiveState:
    """What ``live/state.json`` holds: where the source was, and what is committed."""

    source: str = ""
    position: dict[str, Any] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    lines: int = 0  #: lines received and read (a replayed one counts again)
    posts: int = 0  #: posts kept (each once)
    duplicates: int = 0  #: posts dropped as already kept
    skipped: dict[str, int] = field(default_factory=dict)
    runs: int = 0
    last_run: str | None = None
    sequence: int = 0  #: the last segment number given out
    pending: bool = False  #: posts committed since the last detection run
    format: str = ""  #: the layout the first batch was read in

    def to_json(self) -> dict[str, Any]:
        return {"version": STATE_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, obj: Any, path: str) -> LiveState:
        if not isinstance(obj, dict) or obj.get("version") != STATE_VERSION:
            raise WatchError(f"{clip(path)}: not a live state this version reads")
        obj = {k: v for k, v in obj.items() if k != "version"}
        try:
            obj["segments"] = [Segment(**s) for s in obj.get("segments", [])]
            return cls(**obj)
        except TypeError as exc:
            raise WatchError(f"{clip(path)}: a broken live state ({clip(exc, 100)})") from None


def _write_json(path: str, obj: Any) -> None:
    """Write ``obj`` to ``path`` so that a crash leaves the old file or the new one."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(obj, handle, ensure_ascii=False, indent=1, default=str)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as exc:
        raise WatchError(f"{clip(path)}: unreadable ({clip(exc, 100)})") from None


def is_live_folder(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, STATE))


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


class Watcher:
    """Keeps the live folder: ingests lines, commits segments, runs detection, alerts.

    ``clock`` gives wall-clock seconds (for ``every``), ``now`` the wall-clock time written
    in alerts; both are parameters so that tests drive time without waiting.
    """

    def __init__(
        self,
        folder: str,
        settings: WatchSettings | None = None,
        config: DetectConfig | None = None,
        *,
        webhook: str | None = None,
        say: Callable[[str], None] = print,
        alert: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], str] = utc_now,
        engine: EngineSettings | None = None,
    ) -> None:
        self.settings = settings or WatchSettings()
        self.settings.check()
        self.config = config or DetectConfig()
        self.config.resolved_scales()
        self.config.check_flag()
        self.folder = folder
        self.webhook = check_webhook(webhook) if webhook else None
        self.say = say
        self.alert = alert or say
        self.clock = clock
        self.now = now
        self.engine = engine
        self.state = self._load_state()
        self.known = self._load_known()
        self.buffer: list[str] = []
        #: lines the source refused since the last commit, by reason
        self.refused: dict[str, int] = {}
        self.last_cycle = clock()

    # -- state -------------------------------------------------------------------------

    def _path(self, *parts: str) -> str:
        return os.path.join(self.folder, *parts)

    def _load_state(self) -> LiveState:
        path = self._path(STATE)
        if os.path.isfile(path):
            state = LiveState.from_json(_read_json(path), path)
        elif os.path.isdir(self.folder) and os.listdir(self.folder):
            raise WatchError(
                f"{clip(self.folder)} holds files but no {STATE}: not a live folder; choose "
                "an empty or new folder"
            )
        else:
            state = LiveState()
        os.makedirs(self._path(SEGMENTS), exist_ok=True)
        # segments written after the last commit: their lines will come again
        named = {
            f"{s.name}{suffix}"
            for s in state.segments
            for suffix in (".parquet", ".profiles.parquet")
        }
        for name in os.listdir(self._path(SEGMENTS)):
            if name not in named:
                os.remove(self._path(SEGMENTS, name))
        return state

    def _load_known(self) -> list[LiveCampaign]:
        path = self._path(LIVE_CAMPAIGNS)
        if not os.path.isfile(path):
            return []
        try:
            return [LiveCampaign(**c) for c in _read_json(path)]
        except TypeError as exc:
            raise WatchError(f"{clip(path)}: a broken campaign list ({clip(exc, 100)})") from None

    def _commit(self, position: dict[str, Any]) -> None:
        self.state.position = position
        _write_json(self._path(STATE), self.state.to_json())

    # -- ingest ------------------------------------------------------------------------

    def attach(self, source: Source) -> None:
        """Take ``source`` as this folder's: the one it watched before, or a first one."""
        label = source.label()
        if self.state.source and self.state.source != label:
            raise WatchError(
                f"{clip(self.folder)} watched {clip(self.state.source)}, not {clip(label)}: "
                "use another folder"
            )
        self.state.source = label

    def run(self, source: Source, until: Callable[[Watcher], bool] | None = None) -> None:
        """Read ``source`` until it ends (or ``until`` says so), then commit and run
        detection once more. Ctrl-C stops it the same way."""
        self.attach(source)
        try:
            for line in source.lines():
                if isinstance(line, Skipped):
                    self.refused[line.reason] = self.refused.get(line.reason, 0) + 1
                elif line is not None:
                    self.buffer.append(line)
                if len(self.buffer) >= self.settings.batch:
                    self.flush(source.position())
                if self.clock() - self.last_cycle >= self.settings.every:
                    self.cycle(source.position())
                if until is not None and until(self):
                    break
        except KeyboardInterrupt:
            self.say("stopping: committing what was received")
        self.cycle(source.position())

    def flush(self, position: dict[str, Any]) -> None:
        """Read the buffered lines, write their new posts to a segment, commit."""
        # the buffer is emptied only once its posts are committed: a batch stopped half
        # way (Ctrl-C) is read again by the last cycle, its posts kept once
        lines = self.buffer
        if not lines:
            self._count_skipped(self.refused)
            self._commit(position)
            self.refused = {}
            return
        posts, profiles, skipped = self._parse(lines)
        kept = self._new_posts(posts)
        segment = None
        if kept.num_rows or (profiles is not None and profiles.num_rows):
            name = f"{self.state.sequence + 1:09d}"
            times = kept["created_at"]
            segment = Segment(
                name=name,
                posts=kept.num_rows,
                first=str(pc.min(times).as_py()) if kept.num_rows else "",
                last=str(pc.max(times).as_py()) if kept.num_rows else "",
                profiles=profiles is not None and profiles.num_rows > 0,
            )
            pq.write_table(kept, self._path(SEGMENTS, name + ".parquet"))
            if segment.profiles:
                pq.write_table(profiles, self._path(SEGMENTS, name + ".profiles.parquet"))
        # the state changes here, all at once, and is committed with the position
        self.state.lines += len(lines)
        self.state.duplicates += posts.num_rows - kept.num_rows
        self._count_skipped(skipped)
        self._count_skipped(self.refused)
        if segment is not None:
            self.state.sequence += 1
            self.state.segments.append(segment)
            self.state.posts += kept.num_rows
            self.state.pending = self.state.pending or kept.num_rows > 0
        self._commit(position)
        self.buffer, self.refused = [], {}

    def _count_skipped(self, counts: dict[str, int]) -> None:
        for reason, n in counts.items():
            self.state.skipped[reason] = self.state.skipped.get(reason, 0) + int(n)

    def _parse(self, lines: list[str]) -> tuple[pa.Table, pa.Table | None, dict[str, int]]:
        """The canonical posts and profiles of ``lines``, by the readers of ``detect``."""
        from .sources import generic, json_layout, read

        with tempfile.TemporaryDirectory(prefix="cibscan-watch-") as tmp:
            path = os.path.join(tmp, "batch.jsonl")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("\n".join(lines))
                handle.write("\n")
            first = not self.state.format
            if first:
                # the first batch fixes the layout: a later batch that opens with a line
                # of another shape is then read the same way, its bad lines skipped
                named = self.settings.format
                self.state.format = named if named != "auto" else json_layout(path) or generic.NAME
            try:
                data = read(
                    path,
                    format=self.state.format,
                    mapping=self.settings.mapping,
                    on_bad_rows="skip",
                    engine=self.engine,
                )
            except CibscanError as exc:
                if first:  # the stream is not in a layout this can read: the user's to fix
                    self.state.format = ""
                    if isinstance(exc, InputError):  # its first lines are the batch's
                        raise InputError(
                            self.state.source,
                            exc.message,
                            row=exc.row,
                            field=exc.field,
                            hint=exc.hint,
                        ) from None
                    raise
                # a later batch refused whole: counted, said, and the watch goes on
                self.say(f"a batch of {len(lines):,} lines was not read: {clip(exc, 200)}")
                return _empty_posts(), None, {"lines in batches not read": len(lines)}
            posts = data.con.sql(
                "SELECT * FROM posts ORDER BY created_at, post_id"
            ).to_arrow_table()
            profiles = data.con.sql(
                "SELECT * FROM accounts WHERE COALESCE(handle, display_name, bio, location) "
                "IS NOT NULL OR followers IS NOT NULL OR following IS NOT NULL "
                "OR created_at IS NOT NULL"
            ).to_arrow_table()
            skipped = dict(data.report.skipped)
            data.con.close()
        return posts, profiles, skipped

    def _new_posts(self, posts: pa.Table) -> pa.Table:
        """``posts`` less those already in a segment whose time span covers them."""
        if not posts.num_rows:
            return posts
        first, last = (
            str(pc.min(posts["created_at"]).as_py()),
            str(pc.max(posts["created_at"]).as_py()),
        )
        overlapping = [
            self._path(SEGMENTS, s.name + ".parquet")
            for s in self.state.segments
            if s.posts and s.first <= last and s.last >= first
        ]
        if not overlapping:
            return posts
        seen = pq.ParquetDataset(overlapping).read(columns=["post_id"])["post_id"]
        return posts.filter(pc.invert(pc.is_in(posts["post_id"], value_set=seen)))

    # -- detection ---------------------------------------------------------------------

    def cycle(self, position: dict[str, Any]) -> Findings | None:
        """Commit the buffer, drop what left the window, and run detection if anything
        new came in; alert on what formed or grew."""
        self.flush(position)
        self.last_cycle = self.clock()
        self._prune()
        if not self.state.pending:
            return None
        data = self.window_data()
        if data is None:
            return None
        started = time.perf_counter()
        findings = detect(data, self.config)
        data.con.close()
        now = self.now()
        known, alerts, matched = track(self.known, found_campaigns(findings), now, self.settings)
        # a campaign whose posts all left the window is forgotten with them
        cutoff = _shift(self._newest(), -self.settings.window)
        self.known = [k for k in known if (k.last_seen or cutoff) >= cutoff]
        findings = _with_live_columns(findings, matched)
        findings.summary["live"] = {
            "source": self.state.source,
            "window_seconds": self.settings.window,
            "run": self.state.runs + 1,
            "run_at": now,
            "posts_kept": self.state.posts,
            "duplicates_dropped": self.state.duplicates,
            "lines_received": self.state.lines,
            "skipped": dict(self.state.skipped),
        }
        self._save(findings)
        _write_json(self._path(LIVE_CAMPAIGNS), [asdict(k) for k in self.known])
        self.state.runs += 1
        self.state.last_run = now
        self.state.pending = False
        self._commit(self.state.position)
        n_ops = int((findings.campaigns["status"] == CampaignStatus.OPERATION).sum())
        self.say(
            f"run {self.state.runs}: {data_posts(findings):,} posts in the window, "
            f"{len(findings.campaigns):,} campaigns ({n_ops:,} operations), "
            f"{time.perf_counter() - started:.1f} s"
        )
        for item in alerts:
            self._raise(item)
        return findings

    def window_data(self) -> Dataset | None:
        """The posts (and profiles) of the rolling window, as a dataset."""
        segments = [s for s in self.state.segments if s.posts]
        if not segments:
            return None
        cutoff = _shift(self._newest(), -self.settings.window)
        from .sources._canonical import LoadReport, add_posting_accounts, create_tables, finish

        con = connect(self.engine)
        create_tables(con)
        files = [self._path(SEGMENTS, s.name + ".parquet") for s in segments if s.last >= cutoff]
        con.execute(
            "INSERT INTO posts SELECT * FROM read_parquet($files) "
            "WHERE created_at >= CAST($cutoff AS TIMESTAMP)",
            {"files": files, "cutoff": cutoff},
        )
        profiles = [
            self._path(SEGMENTS, s.name + ".profiles.parquet")
            for s in self.state.segments
            if s.profiles
        ]
        if profiles:
            # a profile read later is the later word on its account: the segment's
            # number stands for the time it was read
            con.execute(
                "INSERT INTO _account_rows SELECT * EXCLUDE (filename), make_timestamp("
                "CAST(regexp_extract(filename, '(\\d+)\\.profiles\\.parquet$', 1) AS BIGINT)) "
                "FROM read_parquet($files, filename = true)",
                {"files": profiles},
            )
        add_posting_accounts(con)
        n = con.execute("SELECT count(*) FROM posts").fetchone()
        report = LoadReport(files=[self.state.source], rows_read=int(n[0]) if n else 0)
        report.posts_loaded = report.rows_read
        finish(con, report)
        return Dataset(con=con, report=report)

    def _newest(self) -> str:
        """The latest post time committed ('' when none)."""
        return max((s.last for s in self.state.segments if s.posts), default="")

    def _prune(self) -> None:
        """Delete the segments whose every post left the window."""
        cutoff = _shift(self._newest(), -self.settings.window)
        gone = [s for s in self.state.segments if s.posts and s.last < cutoff]
        if not gone:
            return
        self.state.segments = [s for s in self.state.segments if s not in gone]
        self._commit(self.state.position)
        for s in gone:
            for suffix in (".parquet", ".profiles.parquet"):
                path = self._path(SEGMENTS, s.name + suffix)
                if os.path.exists(path):
                    os.remove(path)

    def _save(self, findings: Findings) -> None:
        """Write the findings aside, then swap them in for ``live/results``."""
        new, old = self._path(".results-new"), self._path(".results-old")
        for path in (new, old):
            shutil.rmtree(path, ignore_errors=True)
        findings.save(new)
        target = self._path(RESULTS)
        if os.path.isdir(target):
            os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)

    def _raise(self, item: dict[str, Any]) -> None:
        with open(self._path(ALERTS), "a", encoding="utf-8") as handle:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        self.alert(alert_line(item))
        if self.webhook:
            try:
                post_webhook(self.webhook, item)
            except (OSError, http.client.HTTPException) as exc:  # URLError is an OSError
                self.say(f"webhook failed for {item['live_id']}: {clip(exc, 120)}")


def data_posts(findings: Findings) -> int:
    return int(findings.summary.get("input", {}).get("posts", 0))


def _shift(iso: str, seconds: int) -> str:
    if not iso:
        return ""
    moved = pd.Timestamp(iso) + pd.Timedelta(seconds=seconds)
    return str(moved.to_pydatetime())


def _with_live_columns(findings: Findings, matched: dict[int, LiveCampaign]) -> Findings:
    campaigns = findings.campaigns.copy()
    live = campaigns["campaign"].map(lambda c: matched.get(int(c)))
    campaigns["live_id"] = live.map(lambda m: m.live_id if m else None).astype("string")
    campaigns["formed_at"] = live.map(lambda m: m.formed_at if m else None).astype("string")
    findings.campaigns = campaigns
    return findings


def _empty_posts() -> pa.Table:
    from .sources._canonical import create_tables

    con = connect()
    create_tables(con)
    table = con.sql("SELECT * FROM posts").to_arrow_table()
    con.close()
    return table
