"""``cibscan serve``: the local investigation dashboard and its JSON API.

A thin FastAPI layer over :mod:`cibscan.view` (what to show) and :mod:`cibscan.review`
(decisions). It reads a saved findings folder and never recomputes detection. Every
view of the page has a JSON endpoint under ``/api``, described at ``/openapi.json``.

Safety: the server listens on 127.0.0.1 unless told otherwise; bound anywhere else it
requires a token (header ``X-Cibscan-Token`` or ``?token=``) on every request. On
loopback it only answers requests addressed to a loopback host name (a defence against
DNS rebinding), and it accepts a decision only as ``application/json`` from its own
origin, so another web page open in the analyst's browser cannot forge one.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
from bisect import bisect_left
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field, field_validator
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from . import __version__, view
from .findings import Findings, FindingsError
from .outputs.tables import csv_bytes
from .review import (
    MAX_NOTE,
    MAX_REVIEWER,
    ReviewError,
    ReviewStore,
    ReviewStoreError,
    confirmed_accounts,
    subject_of,
)
from .web import render_page

LOOPBACK = ("127.0.0.1", "localhost", "::1")
GRAPH_CHUNK = 4000
HISTORY_LIMIT = 5000
#: Largest request body accepted, checked before it is read: a decision with the longest
#: note allowed, in the widest UTF-8, and room for the rest.
MAX_BODY = 4 * MAX_NOTE + 4 * MAX_REVIEWER + 8192


def access_token(host: str, token: str | None) -> str | None:
    """The token to require: the one given, none on loopback, a fresh random one elsewhere."""
    if token:
        return token
    return None if host in LOOPBACK else secrets.token_urlsafe(24)


class Decision(BaseModel):
    """A review decision on a campaign (target = campaign number) or an account."""

    kind: Literal["campaign", "account"]
    target: str = Field(min_length=1, max_length=1000)
    decision: Literal["confirmed", "dismissed", "needs-review"]
    note: str = Field(default="", max_length=MAX_NOTE)
    reviewer: str = Field(min_length=1, max_length=MAX_REVIEWER)
    #: chosen by the client once per decision: a retry with it records nothing twice
    request_id: str | None = Field(default=None, min_length=8, max_length=100)

    @field_validator("target", "note", "reviewer")
    @classmethod
    def _encodable(cls, value: str) -> str:
        # JSON may carry a lone surrogate ("\ud800"), which no file can store
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("holds a lone surrogate, not text") from None
        return value


class _Views:
    """What the API serves, computed from the findings once, on first use."""

    def __init__(self, findings: Findings) -> None:
        self.findings = findings

    @cached_property
    def campaigns(self) -> list[dict[str, Any]]:
        return view.campaign_list(self.findings)

    @cached_property
    def graph(self) -> dict[str, Any]:
        return view.graph(self.findings)

    @cached_property
    def graph_edges(self) -> tuple[list[int], list[list[Any]]]:
        """Edges as ``[id, id, weight]`` ordered by their later endpoint's index, with
        those indices, so that a chunk of nodes finds its edges by bisection."""
        full = self.graph
        ids = [n[0] for n in full["nodes"]]
        ordered = sorted(full["edges"], key=lambda e: max(e[0], e[1]))
        later = [max(a, b) for a, b, _ in ordered]
        return later, [[ids[a], ids[b], w] for a, b, w in ordered]

    @cached_property
    def account_ids(self) -> set[str]:
        return set(self.findings.accounts["account_id"])


def read_reviewers(path: str) -> dict[str, str]:
    """Reviewer tokens from a file: one ``TOKEN NAME`` a line (``#`` comments), where the
    token is what that reviewer's browser sends and the name what their decisions say."""
    from .errors import InputError

    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the reviewers file ({exc})") from None
    out: dict[str, str] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        token, _, name = line.strip().partition(" ")
        if len(token) < 16 or not name.strip():
            raise InputError(
                path,
                "each line is a token of 16 characters or more, a space and a name",
                row=number,
            )
        if token in out:
            raise InputError(path, "a token given twice", row=number)
        out[token] = name.strip()[:MAX_REVIEWER]
    if not out:
        raise InputError(path, "no reviewer in the file")
    return out


class _Guard(BaseHTTPMiddleware):
    def __init__(
        self,
        app: Any,
        token: str | None,
        hosts: tuple[str, ...] | None,
        reviewers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(app)
        self.tokens: dict[str, str | None] = dict(reviewers or {})
        if token is not None:
            self.tokens[token] = None
        self.hosts = hosts

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if self.hosts is not None:
            host = (request.url.hostname or "").strip("[]")
            if host not in self.hosts:
                return JSONResponse({"detail": "unknown host"}, status_code=400)
        request.state.reviewer = None
        if self.tokens:
            given = (
                request.headers.get("x-cibscan-token") or request.query_params.get("token") or ""
            ).encode()
            # every token is compared, in constant time, whichever matches
            matched = [
                name for t, name in self.tokens.items() if secrets.compare_digest(given, t.encode())
            ]
            if not given or not matched:
                return JSONResponse({"detail": "a valid token is required"}, status_code=401)
            request.state.reviewer = matched[0]
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return JSONResponse({"detail": "send JSON"}, status_code=415)
            length = request.headers.get("content-length", "")
            if not length.isdigit():
                return JSONResponse({"detail": "say the body's length"}, status_code=411)
            if int(length) > MAX_BODY:
                return JSONResponse(
                    {"detail": f"the body is over {MAX_BODY} bytes"}, status_code=413
                )
            origin = request.headers.get("origin")
            if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
                return JSONResponse({"detail": "cross-origin request refused"}, status_code=403)
        response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
        return response


def create_app(
    findings: Findings,
    folder: str,
    *,
    token: str | None = None,
    hosts: tuple[str, ...] | None = LOOPBACK,
    reviewers: dict[str, str] | None = None,
) -> FastAPI:
    """The dashboard over ``findings`` saved in ``folder`` (where decisions are kept).

    ``reviewers`` (token -> name, see :func:`read_reviewers`): each request needs one of
    these tokens, on loopback too, and a decision records the name of its token whatever
    the request says.

    ``hosts``: host names the server answers to (None: any, for a server bound elsewhere
    behind its token).
    """
    views = _Views(findings)
    # a folder this user cannot write is served read-only: reviews off, and it says so
    store = ReviewStore(folder) if ReviewStore.writable(folder) else None

    def decided() -> list[dict[str, Any]]:
        return store.current(findings) if store else []

    shown = os.path.join(*os.path.abspath(folder).split(os.sep)[-2:])
    app = FastAPI(
        title="cibscan dashboard",
        version=__version__,
        description="Campaigns, accounts, evidence and review decisions of one findings folder.",
        docs_url=None,  # the interactive docs load scripts from the internet; /openapi.json
        redoc_url=None,
    )

    @app.exception_handler(ReviewStoreError)
    async def _store_failed(request: Request, exc: ReviewStoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # name the field and what is wrong, never echo the value back
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "problem": e.get("msg")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    app.add_middleware(_Guard, token=token, hosts=hosts, reviewers=reviewers)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> HTMLResponse:
        return HTMLResponse(render_page("dashboard"))

    @app.get("/api/overview", summary="Data covered, counts and settings")
    def overview() -> dict[str, Any]:
        return {
            **view.overview(findings, title=f"cibscan dashboard: {shown}"),
            "reviews_enabled": store is not None,
        }

    @app.get("/api/extras", summary="Accounts listed on traits alone; amplified posts")
    def extras() -> dict[str, Any]:
        return view.extras(findings)

    @app.get("/api/campaigns", summary="Campaigns, ranked, with optional filters")
    def campaigns(
        behaviour: str | None = None,
        min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
        language: str | None = None,
        since: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
        until: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
        status: Literal["operation", "crowd", "coordinated", ""] | None = None,
    ) -> list[dict[str, Any]]:
        return view.filter_campaigns(
            views.campaigns,
            behaviour=behaviour,
            min_score=min_score,
            language=language,
            since=since,
            until=until,
            status=status or None,
        )

    @app.get("/api/campaigns/{campaign}", summary="One campaign: members, timeline, evidence")
    def campaign(campaign: int) -> dict[str, Any]:
        detail = view.campaign_detail(findings, campaign, views.campaigns)
        if detail is None:
            raise HTTPException(404, f"no campaign {campaign}")
        return detail

    @app.get("/api/accounts", summary="Listed accounts, optionally matching a search")
    def accounts(
        query: str | None = None,
        limit: Annotated[int, Query(ge=1, le=5000)] = 200,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        return view.account_list(findings, query=query, limit=limit, offset=offset)

    @app.get("/api/accounts/{account_id:path}", summary="One account with its post history")
    def account(
        account_id: str, history_limit: Annotated[int, Query(ge=0, le=100_000)] = HISTORY_LIMIT
    ) -> dict[str, Any]:
        if account_id not in views.account_ids:
            raise HTTPException(404, f"no account {account_id}")
        detail = view.account_detail(findings, account_id)
        assert detail is not None
        history = detail.get("history") or []
        detail["history_total"] = len(history)
        detail["history"] = history[-history_limit:] if history_limit else []
        return detail

    @app.get("/api/graph", summary="The network, in chunks of nodes (strongest campaigns first)")
    def graph(
        offset: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=50_000)] = GRAPH_CHUNK,
    ) -> dict[str, Any]:
        full = views.graph
        nodes = full["nodes"][offset : offset + limit]
        end = offset + len(nodes)
        # each edge travels with the chunk that brings its later endpoint
        later, rows = views.graph_edges
        edges = rows[bisect_left(later, offset) : bisect_left(later, end)]
        return {
            "nodes": nodes,
            "edges": edges,
            "offset": offset,
            "next_offset": end,
            "total": len(full["nodes"]),
            "done": end >= len(full["nodes"]),
            "edges_left_out": full["edges_left_out"],
        }

    @app.get("/api/reviews", summary="The current decision on every reviewed item")
    def reviews() -> list[dict[str, Any]]:
        return decided()

    @app.get(
        "/api/reviews-earlier",
        summary="Decisions on campaigns or accounts these findings no longer hold",
    )
    def earlier_reviews() -> list[dict[str, Any]]:
        return store.earlier(findings) if store else []

    @app.get("/api/reviews/{kind}/{target:path}", summary="Every decision on one item")
    def review_history(kind: Literal["campaign", "account"], target: str) -> list[dict[str, Any]]:
        subject = subject_of(findings, kind, target)
        return [] if subject is None or store is None else store.history(kind, subject)

    @app.post("/api/reviews", summary="Record a decision", status_code=201)
    def record(decision: Decision, request: Request) -> dict[str, Any]:
        if store is None:
            raise HTTPException(403, "this findings folder is read-only: reviews are off")
        subject = subject_of(findings, decision.kind, decision.target)
        if subject is None:
            raise HTTPException(404, f"no {decision.kind} {decision.target}")
        try:
            return store.record(
                decision.kind,
                decision.target,
                decision.decision,
                decision.note,
                request.state.reviewer or decision.reviewer,
                subject=subject,
                run_id=findings.summary.get("run_id"),
                request_id=decision.request_id,
            )
        except ReviewError as exc:
            raise HTTPException(422, str(exc)) from exc

    @app.get("/api/export/confirmed.csv", summary="Confirmed accounts with evidence, as CSV")
    def export_csv() -> Response:
        table, _ = confirmed_accounts(findings, decided())
        return Response(
            csv_bytes(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="confirmed.csv"'},
        )

    @app.get("/api/export/confirmed.json", summary="Confirmed accounts with evidence, as JSON")
    def export_json() -> Response:
        table, evidence = confirmed_accounts(findings, decided())
        items = view.records(table)
        for item in items:
            item["evidence"] = evidence.get(item["account_id"], [])
        body = json.dumps(
            {"count": len(items), "accounts": items}, ensure_ascii=False, allow_nan=False
        )
        return Response(
            body,
            media_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="confirmed.json"'},
        )

    return app


class LiveDashboard:
    """The dashboard over a live folder kept by ``cibscan watch``: the findings of its
    latest detection run, built again when a new run has been swapped in (the time of
    ``results/summary.json`` tells), so an open page shows live campaigns on reload.

    Review decisions are kept in the live folder itself, so they outlive the runs (each
    carries over to the campaigns and accounts found again, as for ``detect --force``).
    While a run swaps its findings in, requests keep the ones they had.
    """

    def __init__(self, folder: str, **options: Any) -> None:
        from .watch import RESULTS

        self.folder = folder
        self.results = os.path.join(folder, RESULTS)
        self.options = options
        self.stamp: int | None = None
        self.app: FastAPI | None = None
        self.lock = threading.Lock()
        self.current()  # the first build fails here, not on the first request

    def current(self) -> FastAPI:
        try:
            stamp: int | None = os.stat(os.path.join(self.results, "summary.json")).st_mtime_ns
        except OSError:
            stamp = self.stamp  # mid-swap, or no run yet
        with self.lock:
            if self.app is None or stamp != self.stamp:
                try:
                    findings = Findings.load(self.results)
                except FindingsError:
                    if self.app is None:
                        raise FindingsError(
                            f"{self.folder}: no findings yet (the watch's first detection "
                            "run has not finished)"
                        ) from None
                else:
                    self.app = create_app(findings, self.folder, **self.options)
                    self.stamp = stamp
            assert self.app is not None
            return self.app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.current()(scope, receive, send)


def serve(app: Any, host: str, port: int) -> None:
    """Run the dashboard until interrupted."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning")


@contextmanager
def serve_in_thread(app: Any, port: int = 0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a background thread (from a notebook, a test or a
    script) and yield its base URL; the server stops when the block ends.

    The socket listens before the server starts, so requests queue instead of failing
    and nobody has to wait for start-up.
    """
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", port))
    sock.listen()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
