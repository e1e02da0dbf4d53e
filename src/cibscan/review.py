"""Review decisions on campaigns and accounts, kept in the findings folder.

Every decision is one row appended to ``reviews.sqlite`` in a transaction (SQLite in WAL
mode with full sync), so a crash loses at most the decision being written and the
history of who decided what, when and why is never overwritten. The current decision on
a campaign or account is its latest row.

The list a platform or researcher acts on is :func:`confirmed_accounts`: accounts
confirmed one by one, and members of confirmed campaigns that were not dismissed one by
one, each with the decision behind it and its evidence.

A decision is bound to what was reviewed, not to a number: a campaign by the hash of its
members (``findings.members_hash``), an account by its id, each with the run that showed
it. After detection runs again into the folder, :func:`bind` carries a decision over only
to the same campaign (the same members) or account found again; the rest are decisions
*from an earlier run*, shown as such and never exported as confirmed.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from .errors import CibscanError
from .findings import Findings

FILE_NAME = "reviews.sqlite"
DECISIONS = ("confirmed", "dismissed", "needs-review")
KINDS = ("campaign", "account")
MAX_NOTE = 10_000
MAX_REVIEWER = 200

_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('campaign', 'account')),
    target TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed', 'needs-review')),
    note TEXT NOT NULL DEFAULT '',
    reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_target ON decisions (kind, target, id);
"""
#: Columns added after the first version; a store without them gains them (old rows:
#: NULL, decisions that cannot be tied to what they were made on).
_ADDED = {"subject": "TEXT", "run_id": "TEXT", "request_id": "TEXT"}
_FIELDS = "kind, target, decision, note, reviewer, decided_at, subject, run_id, request_id"


class ReviewError(CibscanError):
    """A decision that cannot be recorded as given."""


class ReviewStoreError(CibscanError):
    """A review store that cannot be opened or written: damaged, or its folder gone."""


class ReviewStore:
    """Decisions in ``folder/reviews.sqlite``; one short-lived connection per call, so
    the store is safe to share between the server's threads."""

    def __init__(self, folder: str) -> None:
        self.path = os.path.join(folder, FILE_NAME)
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            raise ReviewStoreError(
                f"{self.path}: not a readable review store ({exc}); it is left as it is: "
                "move it away to start a new one"
            ) from None

    @staticmethod
    def writable(folder: str) -> bool:
        """Whether decisions can be kept in ``folder`` (a store there can be written)."""
        path = os.path.join(folder, FILE_NAME)
        if os.path.exists(path):
            return os.access(path, os.W_OK) and os.access(folder, os.W_OK)
        return os.access(folder, os.W_OK)

    def _open(self) -> None:
        with self._connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(_SCHEMA)
            have = {r[1] for r in con.execute("PRAGMA table_info(decisions)").fetchall()}
            for name, typ in _ADDED.items():
                if name not in have:
                    con.execute(f"ALTER TABLE decisions ADD COLUMN {name} {typ}")
            con.execute(
                "CREATE INDEX IF NOT EXISTS decisions_subject ON decisions (kind, subject, id)"
            )
            con.execute(
                "CREATE UNIQUE INDEX IF NOT EXISTS decisions_request ON decisions (request_id)"
            )

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        if not os.path.isdir(os.path.dirname(self.path) or "."):
            raise ReviewStoreError(
                f"{self.path}: its folder is gone (moved or deleted while serving); "
                "restart on the folder where it now is"
            )
        con = sqlite3.connect(self.path, timeout=30)
        try:
            con.execute("PRAGMA synchronous=FULL")
            con.row_factory = sqlite3.Row
            yield con
        except sqlite3.OperationalError as exc:
            raise ReviewStoreError(f"{self.path}: the review store failed ({exc})") from None
        finally:
            con.close()

    def record(
        self,
        kind: str,
        target: str,
        decision: str,
        note: str,
        reviewer: str,
        *,
        subject: str | None = None,
        run_id: str | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Append one decision and return it as stored.

        ``target`` is what the reviewer saw (a campaign number, an account id); ``subject``
        what the decision is bound to (the campaign's members hash, the account id; the
        target when not given); ``run_id`` the findings' run. ``request_id``, chosen by the
        client once per decision, makes a retry after a lost answer return the decision
        already stored instead of recording it twice.
        """
        if kind not in KINDS:
            raise ReviewError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if decision not in DECISIONS:
            raise ReviewError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
        reviewer = reviewer.strip()
        if not reviewer:
            raise ReviewError("a decision needs the reviewer's name")
        if len(reviewer) > MAX_REVIEWER or len(note) > MAX_NOTE:
            raise ReviewError(
                f"reviewer is limited to {MAX_REVIEWER} and note to {MAX_NOTE} characters"
            )
        row: dict[str, Any] = {
            "kind": kind,
            "target": str(target),
            "decision": decision,
            "note": note,
            "reviewer": reviewer,
            "decided_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "subject": str(subject if subject is not None else target),
            "run_id": run_id,
            "request_id": request_id,
        }
        with self._connect() as con, con:  # the second `con` commits or rolls back
            if request_id is not None:
                done = con.execute(
                    f"SELECT id, {_FIELDS} FROM decisions WHERE request_id = ?", (request_id,)
                ).fetchone()
                if done is not None:
                    return dict(done)
            cur = con.execute(
                f"INSERT INTO decisions ({_FIELDS}) VALUES (:kind, :target, :decision, :note, "
                ":reviewer, :decided_at, :subject, :run_id, :request_id)",
                row,
            )
            row["id"] = cur.lastrowid
        return row

    def latest(self) -> list[dict[str, Any]]:
        """The latest decision on every reviewed subject, of any run (see :func:`bind`)."""
        with self._connect() as con:
            rows = con.execute(
                f"SELECT id, {_FIELDS} FROM decisions WHERE id IN (SELECT max(id) FROM "
                "decisions GROUP BY kind, coalesce(subject, 'legacy:' || target)) ORDER BY id"
            ).fetchall()
        return [dict(r) for r in rows]

    def current(self, findings: Findings) -> list[dict[str, Any]]:
        """The latest decision on everything reviewed that these findings hold."""
        return bind(findings, self.latest())[0]

    def earlier(self, findings: Findings) -> list[dict[str, Any]]:
        """The latest decisions on what these findings no longer hold (an earlier run)."""
        return bind(findings, self.latest())[1]

    def history(self, kind: str, subject: str) -> list[dict[str, Any]]:
        """Every decision on one subject, newest first."""
        with self._connect() as con:
            rows = con.execute(
                f"SELECT id, {_FIELDS} FROM decisions WHERE kind = ? AND subject = ? "
                "ORDER BY id DESC",
                (kind, str(subject)),
            ).fetchall()
        return [dict(r) for r in rows]


def subject_of(findings: Findings, kind: str, target: str) -> str | None:
    """What a decision on ``target`` (a campaign number, an account id) is bound to in
    these findings, or None when they hold no such campaign or account."""
    if kind == "account":
        ids = findings.accounts["account_id"]
        return str(target) if (ids == str(target)).any() else None
    camps = findings.campaigns
    if not str(target).isdigit() or "members_hash" not in camps:
        return None
    hit = camps.loc[camps["campaign"] == int(target), "members_hash"]
    return str(hit.iloc[0]) if len(hit) else None


def bind(
    findings: Findings, decisions: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(decisions that apply to these findings, decisions from an earlier run).

    A campaign decision applies where a campaign with the same members is found, and its
    ``target`` becomes that campaign's number here; an account decision applies where the
    account is found. A decision recorded before decisions were bound (no subject)
    applies only to findings from before runs were recorded.
    """
    camps = findings.campaigns
    by_hash: dict[str, int] = (
        {str(h): int(c) for c, h in zip(camps["campaign"], camps["members_hash"], strict=True)}
        if "members_hash" in camps
        else {}
    )
    accounts = set(findings.accounts["account_id"])
    unrecorded_run = "run_id" not in findings.summary
    applies: list[dict[str, Any]] = []
    earlier: list[dict[str, Any]] = []
    for d in decisions:
        item = dict(d)
        subject = item.get("subject")
        if subject is None:
            ok = unrecorded_run and (
                item["target"] in accounts
                if item["kind"] == "account"
                else str(item["target"]).isdigit() and int(item["target"]) in by_hash.values()
            )
        elif item["kind"] == "campaign":
            ok = subject in by_hash
            if ok:
                item["target"] = str(by_hash[subject])
        else:
            ok = subject in accounts
        item["earlier_run"] = not ok
        (applies if ok else earlier).append(item)
    return applies, earlier


def confirmed_accounts(
    findings: Findings, decisions: list[dict[str, Any]], evidence_per_account: int = 20
) -> tuple[pd.DataFrame, dict[str, list[dict[str, Any]]]]:
    """(one row per confirmed account, its evidence rows by account id).

    An account is confirmed by its own latest decision, or as a member of a confirmed
    campaign unless its own latest decision says otherwise.
    """
    from .view import account_details

    own = {d["target"]: d for d in decisions if d["kind"] == "account"}
    campaigns = {d["target"]: d for d in decisions if d["kind"] == "campaign"}
    acc = findings.accounts
    rows = []
    for record in acc.itertuples(index=False):
        decision = own.get(record.account_id)
        source = "account"
        if decision is None and pd.notna(record.campaign):
            decision = campaigns.get(str(int(record.campaign)))
            source = f"campaign {int(record.campaign)}"
        if decision is None or decision["decision"] != "confirmed":
            continue
        rows.append(
            {
                "account_id": record.account_id,
                "handle": record.handle,
                "display_name": getattr(record, "display_name", None),
                "campaign": record.campaign,
                "status": record.status,
                "score": record.score,
                "reasons": record.reasons,
                "trait_reasons": record.trait_reasons,
                "confirmed_on": source,
                "reviewer": decision["reviewer"],
                "note": decision["note"],
                "decided_at": decision["decided_at"],
            }
        )
    columns = [
        "account_id",
        "handle",
        "display_name",
        "campaign",
        "status",
        "score",
        "reasons",
        "trait_reasons",
        "confirmed_on",
        "reviewer",
        "note",
        "decided_at",
    ]
    out = pd.DataFrame(rows, columns=columns)
    out["campaign"] = out["campaign"].astype("Int64")
    details = account_details(
        findings,
        out["account_id"],
        history=False,
        links_per_account=0,
        evidence_per_account=evidence_per_account,
    )
    evidence = {a: d["evidence"] for a, d in details.items()}
    ids = out["account_id"]
    out["evidence_rows"] = pd.array([details[a]["evidence_total"] for a in ids], dtype="int64")
    out["evidence_example"] = pd.array([_example(evidence[a]) for a in ids], dtype="str")
    return out, evidence


def _example(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    r = rows[0]
    return (
        f"{r['behaviour']}: {r['account_a']} at {r['time_a']}: {r['text_a'] or ''} || "
        f"{r['account_b']} at {r['time_b']}: {r['text_b'] or ''}"
    )
