"""``cibscan watch``: a recorded Jetstream fixture replayed from a file and from a websocket
server of the test's own on 127.0.0.1, with a dropped connection, a restart mid-stream and
a crash between a segment and its commit; alerts on the console, in alerts.jsonl and to a
webhook; and the campaign matching across runs."""

from __future__ import annotations

import json
import os
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cibscan.detect import DetectConfig
from cibscan.errors import CibscanError, ConfigError, InputError
from cibscan.findings import Findings
from cibscan.sources import bluesky
from cibscan.watch import (
    FileSource,
    FoundCampaign,
    JetstreamSource,
    LiveCampaign,
    StreamSource,
    Watcher,
    WatchError,
    WatchSettings,
    track,
    with_cursor,
)

from .conftest import run_cli
from .sources.test_bluesky import _event

T0 = 1714557600_000000  # 2024-05-01 10:00 UTC, in microseconds
HOUR = 3600 * 1_000000
RING = [f"did:plc:ring{m}" for m in range(10)]
LATE = [f"did:plc:late{m}" for m in range(6)]
CONFIG = DetectConfig(flag="coordinated")


def _repost(did: str, t: int, rkey: str, subject: str) -> dict[str, Any]:
    return _event(did, t, bluesky.REPOST, rkey, {"subject": {"uri": subject, "cid": "c"}})


def firehose(hours: int = 48, late_from: int = 24, seed: int = 3) -> list[dict[str, Any]]:
    """Jetstream events in time order: 300 people reposting 60 popular posts at random
    times, a ring of 10 reposting the same state-media posts within 20 seconds of each
    other every two hours, and 6 more accounts that join the ring from ``late_from``."""
    rng = np.random.default_rng(seed)
    events = []
    n = 0
    popular = [f"at://did:plc:src{i}/app.bsky.feed.post/s{i}" for i in range(60)]
    for person in range(300):
        for _ in range(hours // 4):
            n += 1
            t = T0 + int(rng.integers(0, hours * HOUR))
            events.append(_repost(f"did:plc:p{person}", t, f"r{n}", popular[rng.integers(60)]))
    for task in range(hours // 2):
        start = T0 + task * 2 * HOUR + int(rng.integers(0, HOUR))
        pushed = f"at://did:plc:state/app.bsky.feed.post/t{task}"
        crew = RING + (LATE if task * 2 >= late_from else [])
        for did in crew:
            n += 1
            events.append(_repost(did, start + int(rng.integers(0, 20_000000)), f"r{n}", pushed))
    events.append({"did": "did:plc:p1", "time_us": T0, "kind": "identity", "identity": {}})
    events.sort(key=lambda e: (e["time_us"], e["commit"]["rkey"] if "commit" in e else ""))
    return events


def _write(path: Path, events: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return str(path)


def _watcher(folder: Path, **settings: Any) -> tuple[Watcher, list[str]]:
    said: list[str] = []
    watcher = Watcher(
        str(folder),
        WatchSettings(**{"every": 1e9, "batch": 2000, **settings}),
        CONFIG,
        say=said.append,
        now=lambda: "2026-12-05 12:00:00",
    )
    return watcher, said


def _first_day(tmp_path: Path) -> tuple[list[dict[str, Any]], Path]:
    """The whole recording, and a file holding its first 24 hours (the ring alone)."""
    events = firehose()
    half = next(i for i, e in enumerate(events) if e["time_us"] >= T0 + 24 * HOUR)
    path = tmp_path / "fire.jsonl"
    _write(path, events[:half])
    return events, path


def _posts(events: list[dict[str, Any]]) -> int:
    return sum(1 for e in events if e.get("kind") == "commit")


def _alerts(folder: Path) -> list[dict[str, Any]]:
    path = folder / "alerts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# --- from a file ------------------------------------------------------------------------


def test_a_ring_forms_then_grows_and_every_post_is_kept_once(tmp_path: Path) -> None:
    events, path = _first_day(tmp_path)
    live = tmp_path / "live"
    watcher, said = _watcher(live, window=3 * 86400)
    watcher.run(FileSource(str(path), follow=False))
    first = _alerts(live)
    assert [a["event"] for a in first] == ["formed"]
    assert first[0]["accounts"] == len(RING)
    assert any(line.startswith("campaign L1 formed") for line in said)
    # the rest of the recording arrives: the late accounts join the same campaign
    _write(path, events)
    watcher.run(FileSource(str(path), watcher.state.position["offset"], follow=False))
    alerts = _alerts(live)
    assert [a["event"] for a in alerts] == ["formed", "grew"]
    assert alerts[1]["live_id"] == "L1"
    assert sorted(alerts[1]["new_accounts"]) == sorted(LATE)
    assert watcher.state.posts == _posts(events)
    assert watcher.state.duplicates == 0
    findings = Findings.load(str(live / "results"))
    assert findings.summary["input"]["posts"] == _posts(events)
    members = findings.accounts.set_index("account_id")["campaign"]
    ring = findings.campaigns.set_index("campaign").loc[int(members[RING[0]])]
    assert ring["live_id"] == "L1" and ring["formed_at"] == "2026-12-05 12:00:00"
    assert members[RING + LATE].nunique() == 1
    assert findings.summary["live"]["posts_kept"] == _posts(events)


def test_only_the_window_is_kept_and_detected(tmp_path: Path) -> None:
    events = firehose(hours=48)
    live = tmp_path / "live"
    watcher, _ = _watcher(live, window=6 * 3600, batch=500)
    watcher.run(FileSource(_write(tmp_path / "f.jsonl", events), follow=False))
    newest = max(e["time_us"] for e in events)
    cutoff = newest - 6 * HOUR
    in_window = sum(1 for e in events if e.get("kind") == "commit" and e["time_us"] >= cutoff)
    findings = Findings.load(str(live / "results"))
    assert findings.summary["input"]["posts"] == in_window
    # segments wholly before the window are gone from disk and from the state
    kept = {s.name for s in watcher.state.segments}
    on_disk = {p.name.split(".")[0] for p in (live / "segments").iterdir()}
    assert on_disk == kept
    assert len(kept) < _posts(events) // 500


def test_a_crash_before_the_commit_loses_and_doubles_nothing(tmp_path: Path) -> None:
    events = firehose(hours=12)
    path = _write(tmp_path / "f.jsonl", events)
    live = tmp_path / "live"
    watcher, _ = _watcher(live, batch=700)
    watcher.run(FileSource(path, follow=False), until=lambda w: w.state.posts > 1000)
    committed = watcher.state.position["offset"]
    # a segment written after the last commit, as a crash would leave it
    (live / "segments" / "999999999.parquet").write_bytes(b"half written")
    again, _ = _watcher(live, batch=700)
    assert not (live / "segments" / "999999999.parquet").exists()
    again.run(FileSource(path, committed, follow=False))
    assert again.state.posts == _posts(events)
    assert again.state.duplicates == 0
    assert Findings.load(str(live / "results")).summary["input"]["posts"] == _posts(events)


def test_a_replayed_stretch_is_counted_once(tmp_path: Path) -> None:
    events = firehose(hours=12)
    live = tmp_path / "live"
    watcher, _ = _watcher(live, batch=300)
    replay = events[:2000] + events[1500:]  # 500 events come twice, as after a reconnect
    watcher.run(FileSource(_write(tmp_path / "f.jsonl", replay), follow=False))
    assert watcher.state.posts == _posts(events)
    assert watcher.state.duplicates == _posts(events[1500:2000])


def test_bad_lines_are_skipped_and_counted_not_fatal(tmp_path: Path) -> None:
    events = firehose(hours=12)
    path = tmp_path / "f.jsonl"
    _write(path, events)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    live = tmp_path / "live"
    watcher, _ = _watcher(live)
    watcher.run(FileSource(str(path), follow=False))
    assert watcher.state.posts == _posts(events)
    assert sum(watcher.state.skipped.values()) >= 2  # the bad line and the identity event


def test_a_folder_that_is_not_live_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(WatchError, match="not a live folder"):
        _watcher(tmp_path)


def test_another_source_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    events = firehose(hours=12)
    live = tmp_path / "live"
    watcher, _ = _watcher(live)
    watcher.run(FileSource(_write(tmp_path / "a.jsonl", events), follow=False))
    other, _ = _watcher(live)
    with pytest.raises(WatchError, match="use another folder"):
        other.run(FileSource(_write(tmp_path / "b.jsonl", events), follow=False))


def test_settings_that_make_no_sense_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least one minute"):
        _watcher(tmp_path / "a", window=10)
    with pytest.raises(ConfigError, match="not an http"):
        Watcher(str(tmp_path / "b"), webhook="file:///etc/passwd")


# --- from a websocket -------------------------------------------------------------------


class Relay:
    """A Jetstream stand-in on 127.0.0.1: replays ``events`` from the ``cursor`` a client
    asks for; the first ``drops`` connections are closed after ``after`` events."""

    def __init__(self, events: list[dict[str, Any]], drops: int = 0, after: int = 0) -> None:
        from websockets.sync.server import serve

        self.events = events
        self.drops = drops
        self.after = after
        self.cursors: list[int | None] = []
        self.server = serve(self.handle, "127.0.0.1", 0)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, ws: Any) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(ws.request.path).query)
        cursor = int(query["cursor"][0]) if "cursor" in query else None
        self.cursors.append(cursor)
        drop = len(self.cursors) <= self.drops
        sent = 0
        for event in self.events:
            if cursor is not None and event["time_us"] < cursor:
                continue
            ws.send(json.dumps(event))
            sent += 1
            if drop and sent >= self.after:
                return  # the connection drops mid-stream
        from websockets.exceptions import ConnectionClosed

        try:
            for _ in ws:  # live tail: nothing more until the client leaves
                pass
        except ConnectionClosed:
            pass

    def __enter__(self) -> Relay:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/subscribe?wantedCollections={bluesky.REPOST}"


def _source(
    relay: Relay, cursor: int | None = None, said: list[str] | None = None
) -> JetstreamSource:
    return JetstreamSource(
        relay.url,
        cursor,
        backoff_first=0,
        idle=0.05,
        sleep=lambda _: None,
        say=(said if said is not None else []).append,
    )


def _done(last: int) -> Any:
    return lambda w: (
        w.state.position.get("cursor") == last
        or (w.buffer and json.loads(w.buffer[-1])["time_us"] == last)
    )


def test_a_dropped_connection_resumes_from_the_cursor(tmp_path: Path) -> None:
    events = firehose(hours=12)
    last = events[-1]["time_us"]
    live = tmp_path / "live"
    with Relay(events, drops=2, after=300) as relay:
        watcher, said = _watcher(live, batch=400)
        source = _source(relay, said=said)
        watcher.run(source, until=_done(last))
    assert source.connections == 3
    assert relay.cursors[0] is None and relay.cursors[1] is not None
    assert relay.cursors[2] > relay.cursors[1]
    assert sum("connection to" in line for line in said) == 2
    assert watcher.state.posts == _posts(events)
    assert watcher.state.position["cursor"] == last
    assert Findings.load(str(live / "results")).summary["input"]["posts"] == _posts(events)


def test_a_restart_mid_stream_resumes_from_the_committed_cursor(tmp_path: Path) -> None:
    events = firehose(hours=12)
    last = events[-1]["time_us"]
    live = tmp_path / "live"
    with Relay(events) as relay:
        first, _ = _watcher(live, batch=400)
        first.run(_source(relay), until=lambda w: w.state.posts >= 400)
        cursor = first.state.position["cursor"]
        assert cursor is not None and cursor < last
        # a new process: the state names the cursor to resume from
        again, _ = _watcher(live, batch=400)
        assert again.state.position["cursor"] == cursor
        again.run(_source(relay, again.state.position["cursor"]), until=_done(last))
    assert relay.cursors[1] == cursor
    assert again.state.posts == _posts(events)
    assert Findings.load(str(live / "results")).summary["input"]["posts"] == _posts(events)


def test_with_cursor_sets_or_replaces_the_parameter() -> None:
    url = "wss://relay.example/subscribe?wantedCollections=a&cursor=5"
    assert with_cursor(url, 9) == "wss://relay.example/subscribe?wantedCollections=a&cursor=9"
    assert with_cursor(url, None) == "wss://relay.example/subscribe?wantedCollections=a"


# --- alerts -----------------------------------------------------------------------------


@pytest.fixture
def hook() -> Iterator[tuple[str, list[Any]]]:
    received: list[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append((self.headers["Content-Type"], json.loads(self.rfile.read(length))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_alerts_are_posted_to_the_webhook(tmp_path: Path, hook: tuple[str, list[Any]]) -> None:
    url, received = hook
    live = tmp_path / "live"
    said: list[str] = []
    watcher = Watcher(str(live), WatchSettings(every=1e9), CONFIG, webhook=url, say=said.append)
    watcher.run(FileSource(_write(tmp_path / "f.jsonl", firehose(hours=12)), follow=False))
    assert [(kind, body["alert"]["event"]) for kind, body in received] == [
        ("application/json", "formed")
    ]
    assert received[0][1]["alert"] == _alerts(live)[0]


def test_a_webhook_that_fails_is_said_and_the_watch_goes_on(tmp_path: Path) -> None:
    live = tmp_path / "live"
    said: list[str] = []
    watcher = Watcher(
        str(live),
        WatchSettings(every=1e9),
        CONFIG,
        webhook="http://127.0.0.1:9/nothing-listens",
        say=said.append,
    )
    watcher.run(FileSource(_write(tmp_path / "f.jsonl", firehose(hours=12)), follow=False))
    assert any(line.startswith("webhook failed for L1") for line in said)
    assert len(_alerts(live)) == 1


def _found(camp: int, members: list[str], alerting: bool = True) -> FoundCampaign:
    return FoundCampaign(camp, "operation", alerting, frozenset(members), ("corepost",))


def test_track_forms_grows_and_keeps_identity_across_runs() -> None:
    settings = WatchSettings(grow_share=0.25, grow_min=3)
    a = [f"a{i}" for i in range(12)]
    known, alerts, _ = track([], [_found(1, a[:8]), _found(2, ["x", "y"], False)], "t1", settings)
    assert [(x["event"], x["live_id"]) for x in alerts] == [("formed", "L1")]
    assert [k.live_id for k in known] == ["L1", "L2"]
    # +2 of 8 is under both bounds; the unflagged campaign becomes an operation: formed
    known, alerts, matched = track(
        known, [_found(5, a[:10]), _found(6, ["x", "y"])], "t2", settings
    )
    assert [(x["event"], x["live_id"]) for x in alerts] == [("formed", "L2")]
    assert matched[5].live_id == "L1" and matched[5].formed_at == "t1"
    # +4 of 8 since its alert: grows, naming the four who came since that alert
    known, alerts, _ = track(known, [_found(1, a)], "t3", settings)
    assert alerts[0]["event"] == "grew" and alerts[0]["new_accounts"] == sorted(a[8:])
    assert alerts[0]["accounts_before"] == 8 and alerts[0]["accounts"] == 12
    # a campaign that shares under half its members with every known one is new
    known, alerts, matched = track(
        known, [_found(3, a[:5] + [f"b{i}" for i in range(7)])], "t4", settings
    )
    assert matched[3].live_id == "L3" and alerts[0]["event"] == "formed"


def test_track_gives_a_split_campaign_one_identity() -> None:
    settings = WatchSettings()
    members = [f"m{i}" for i in range(20)]
    known = [LiveCampaign("L1", "t0", members, "operation", alerted=members)]
    _, alerts, matched = track(
        known, [_found(1, members[:12]), _found(2, members[12:])], "t1", settings
    )
    assert matched[1].live_id == "L1" and matched[2].live_id == "L2"
    assert [a["event"] for a in alerts] == ["formed"]


# --- the command line -------------------------------------------------------------------


def test_cli_watches_a_file_and_serve_reads_the_live_folder(tmp_path: Path) -> None:
    path = _write(tmp_path / "fire.jsonl", firehose(hours=12))
    live = tmp_path / "live"
    run = run_cli("watch", path, "--out", str(live), "--no-follow", "--flag", "coordinated")
    assert run.returncode == 0, run.stderr
    assert "campaign L1 formed" in run.stdout
    assert (live / "results" / "summary.json").exists()
    again = run_cli("watch", path, "--out", str(live), "--no-follow", "--flag", "coordinated")
    assert again.returncode == 0, again.stderr
    assert "formed" not in again.stdout  # nothing new: resumed at the end of the file
    report = run_cli("report", str(live), "-o", str(tmp_path / "live.html"))
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "live.html").stat().st_size > 0
    bad = run_cli("watch", "ftp://example.org/x", "--out", str(tmp_path / "other"))
    assert bad.returncode == 2 and "error:" in bad.stderr and "Traceback" not in bad.stderr
    assert os.path.isdir(live / "segments")


def test_the_dashboard_on_a_live_folder_shows_each_run_as_it_lands(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from cibscan.dashboard import LiveDashboard

    events, path = _first_day(tmp_path)
    live = tmp_path / "live"
    with pytest.raises(CibscanError, match="no findings yet"):
        LiveDashboard(str(live))
    watcher, _ = _watcher(live, window=3 * 86400)
    watcher.run(FileSource(str(path), follow=False))
    client = TestClient(LiveDashboard(str(live)), base_url="http://127.0.0.1:8000")
    first = [c for c in client.get("/api/campaigns").json() if c["live_id"] == "L1"]
    assert first[0]["formed_at"] == "2026-12-05 12:00:00" and first[0]["size"] == len(RING)
    # a decision on the campaign is kept in the live folder, beside the runs
    review = {"kind": "campaign", "target": str(first[0]["id"]), "decision": "confirmed",
              "reviewer": "ana"}  # fmt: skip
    assert client.post("/api/reviews", json=review).status_code == 201
    _write(path, events)
    watcher.run(FileSource(str(path), watcher.state.position["offset"], follow=False))
    again = [c for c in client.get("/api/campaigns").json() if c["live_id"] == "L1"]
    assert again[0]["size"] == len(RING) + len(LATE)
    assert (live / "reviews.sqlite").exists()


def test_a_stream_in_no_known_layout_stops_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    path.write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    watcher, _ = _watcher(tmp_path / "live")
    with pytest.raises(InputError, match=r"odd\.jsonl") as caught:
        watcher.run(FileSource(str(path), follow=False))
    assert "batch" not in str(caught.value)
    assert watcher.state.posts == 0 and not watcher.state.format


@pytest.mark.parametrize("kind", ["file", "stdin"])
def test_a_line_too_long_to_read_is_skipped_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    import io

    from cibscan import watch

    monkeypatch.setattr(watch, "MAX_LINE_BYTES", 2000)
    events = firehose(hours=12)
    text = "".join(
        json.dumps(e) + "\n" + ("x" * 5000 + "\n" if i in (10, 11, 500) else "")
        for i, e in enumerate(events)
    )
    path = tmp_path / "f.jsonl"
    path.write_text(text, encoding="utf-8")
    live = tmp_path / "live"
    watcher, _ = _watcher(live, batch=300)
    source = (
        FileSource(str(path), follow=False) if kind == "file" else StreamSource(io.StringIO(text))
    )
    watcher.run(source)
    assert watcher.state.skipped[watch.TOO_LONG] == 3
    assert watcher.state.posts == _posts(events)
    if kind == "file":
        assert watcher.state.position["offset"] == path.stat().st_size


def test_growth_names_everyone_since_the_last_alert_and_leaves_the_input_alone() -> None:
    settings = WatchSettings(grow_share=0.25, grow_min=3)
    a = [f"a{i}" for i in range(12)]
    known, alerts, _ = track([], [_found(1, a[:8])], "t1", settings)
    assert alerts[0]["event"] == "formed"
    # +2 in each of two runs: no alert after the first, then one naming all four
    known, alerts, _ = track(known, [_found(1, a[:10])], "t2", settings)
    assert alerts == []
    before = [replace(k) for k in known]
    known_after, alerts, _ = track(known, [_found(1, a[:12])], "t3", settings)
    assert alerts[0]["event"] == "grew" and alerts[0]["new_accounts"] == sorted(a[8:12])
    assert known == before  # track made copies
    assert known_after[0].alerted == sorted(a)


def test_a_webhook_that_answers_no_http_is_said_and_the_watch_goes_on(tmp_path: Path) -> None:
    import socketserver

    class Garbage(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.recv(65536)
            self.request.sendall(b"not http at all\r\n\r\n")

    with socketserver.TCPServer(("127.0.0.1", 0), Garbage) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        said: list[str] = []
        live = tmp_path / "live"
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        watcher = Watcher(str(live), WatchSettings(every=1e9), CONFIG, webhook=url, say=said.append)
        watcher.run(FileSource(_write(tmp_path / "f.jsonl", firehose(hours=12)), follow=False))
        server.shutdown()
        thread.join(timeout=10)
    assert any(line.startswith("webhook failed for L1") for line in said)
    assert len(_alerts(live)) == 1
