"""How well saved findings agree with labels: the figures behind every quality claim.

``evaluate(findings, labels)`` works on any labelled set: a simulated platform's
``labels.csv``, a takedown list, or a research corpus. Labels are one row per account
with an id, a label and, optionally, a role. An account is *positive* when its label is
not one of the negative values (``organic``, ``0``, ``false``, ...). Positive labels name
groups (an operation, a category); negative accounts may carry a role (``protester``,
``fan``...), and every negative role other than ``organic`` is reported as a hard
negative: accounts that really act together and must not be flagged.

Metrics are computed over the labelled accounts present in the data; labelled accounts
with no posts cannot be found by any detector and are counted apart, never silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .findings import Findings

#: Label values read as "not part of an operation" (compared case-insensitively).
DEFAULT_NEGATIVES = ("organic", "0", "false", "no", "real", "human", "genuine", "negative")


@dataclass(frozen=True)
class LabelSpec:
    """Where the labels are in a labels file."""

    id_column: str = "userid"
    label_column: str = "label"
    role_column: str | None = "role"  #: used when the file has it
    negatives: tuple[str, ...] = DEFAULT_NEGATIVES


def read_labels(path: str, spec: LabelSpec = LabelSpec()) -> pd.DataFrame:
    """Read a labels file (CSV, CSV.gz or Parquet) into ``account_id, label, role, positive``.

    A file may hold one row per post (as research corpora often do): rows are reduced to
    one per account, and an account with two different labels is an error.
    """
    if not os.path.isfile(path):
        raise InputError(path, "no such labels file")
    try:
        if path.endswith(".parquet"):
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read labels: {exc}") from None
    for field, column in (("--id-column", spec.id_column), ("--label-column", spec.label_column)):
        if column not in frame.columns:
            raise InputError(
                path,
                f"no column {column!r} (columns: {', '.join(map(str, frame.columns[:12]))})",
                field=field,
            )
    role_column = spec.role_column if spec.role_column in frame.columns else None
    out = pd.DataFrame(
        {
            "account_id": frame[spec.id_column].astype(str),
            "label": frame[spec.label_column].astype(str).str.strip(),
            "role": frame[role_column].astype(str).str.strip() if role_column else "",
        }
    )
    missing = out["account_id"].str.strip().eq("") | out["account_id"].eq("nan")
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0]) + 2  # header is line 1
        raise InputError(path, "empty account id", row=row, field=spec.id_column)
    out = out.drop_duplicates()
    clash = out["account_id"].duplicated(keep=False)
    if clash.any():
        first = out.loc[clash, "account_id"].iloc[0]
        values = sorted(set(out.loc[out["account_id"] == first, "label"]))
        raise InputError(
            path,
            f"account {first!r} has more than one label or role: {', '.join(values)}",
            field=spec.label_column,
        )
    negatives = {v.lower() for v in spec.negatives}
    out["positive"] = ~out["label"].str.lower().isin(negatives)
    return out.reset_index(drop=True)


def evaluate(findings: Findings, labels: pd.DataFrame) -> dict[str, Any]:
    """Account-level and campaign-level agreement of ``findings`` with ``labels``.

    ``labels`` is what :func:`read_labels` returns. The result is plain JSON-ready data.
    """
    accounts = findings.accounts[["account_id", "flagged", "campaign", "score"]]
    merged = labels.merge(accounts, on="account_id", how="inner")
    in_data = len(merged)
    y = merged["positive"].to_numpy(dtype=bool)
    flagged = merged["flagged"].to_numpy(dtype=bool)
    tp = int((y & flagged).sum())
    fp = int((~y & flagged).sum())
    fn = int((y & ~flagged).sum())
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    result: dict[str, Any] = {
        "coverage": {
            "labelled_accounts": len(labels),
            "labelled_in_data": in_data,
            "labelled_not_in_data": len(labels) - in_data,
            "unlabelled_in_data": int(
                (~findings.accounts["account_id"].isin(labels["account_id"])).sum()
            ),
            "positives": int(y.sum()),
            "negatives": int((~y).sum()),
        },
        "accounts": {
            "flagged": int(flagged.sum()),
            "true_positives": tp,
            "false_positives": fp,
            "false_negatives": fn,
            "precision": _round(precision),
            "recall": _round(recall),
            "f1": _round(f1),
            "pr_auc": _round(average_precision(y, merged["score"].to_numpy(dtype=float))),
        },
        "calibration": reliability(y, merged["score"].to_numpy(dtype=float)),
        "pr_curve": pr_curve(y, merged["score"].to_numpy(dtype=float)),
        "per_label": _per_group(merged[merged["positive"]], "label"),
        "negatives_flagged_by_role": _per_group(merged[~merged["positive"]], "role"),
    }
    hard = merged[~merged["positive"] & ~merged["role"].isin(["", "organic", "nan"])]
    result["hard_negatives"] = {
        "accounts": len(hard),
        "flagged": int(hard["flagged"].sum()),
        "share_flagged": _round(float(hard["flagged"].mean()) if len(hard) else None),
    }
    placed = merged[merged["positive"] & merged["flagged"]]
    result["campaigns"] = {
        "campaigns_with_positives": int(placed["campaign"].nunique()),
        "labelled_groups_found": int(placed["label"].nunique()),
        "purity": _round(purity(placed["campaign"], placed["label"])),
        "nmi": _round(nmi(placed["campaign"], placed["label"])),
    }
    return result


def _per_group(frame: pd.DataFrame, column: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key, group in frame.groupby(column, sort=True):
        n = len(group)
        hit = int(group["flagged"].sum())
        out[str(key) or "(none)"] = {
            "accounts": n,
            "flagged": hit,
            "share_flagged": _round(hit / n),
        }
    return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def average_precision(y: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the precision-recall curve as average precision; ties count together."""
    positives = int(y.sum())
    if positives == 0 or len(y) == 0:
        return None
    _, seen, tp = _thresholds(y, score)
    prec = tp / seen
    rec = tp / positives
    return float(np.sum(np.diff(np.r_[0.0, rec]) * prec))


def _thresholds(y: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each distinct score, highest first, with the accounts scoring at least it and the
    positives among them (flagging at a threshold takes all its ties together)."""
    order = np.argsort(-score, kind="stable")
    s, t = score[order], y[order].astype(np.int64)
    # the last index of each run of equal scores is a threshold
    last = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]
    return s[last], last + 1, np.cumsum(t)[last]


def reliability(y: np.ndarray, score: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """How far the scores are from probabilities: the labelled accounts in ``bins`` equal
    score bins ([0, 0.1), ..., [0.9, 1]), each with its accounts, mean score and share
    of positives (a calibrated score has the two equal), and the expected calibration
    error, the bins' gaps weighted by their accounts. Empty bins are listed with zero
    accounts, so a plot shows where no account scored."""
    score = np.clip(np.nan_to_num(score.astype(np.float64), nan=0.0), 0.0, 1.0)
    which = np.minimum((score * bins).astype(np.int64), bins - 1)
    rows: list[dict[str, Any]] = []
    gap = 0.0
    for b in range(bins):
        inside = which == b
        n = int(inside.sum())
        mean = float(score[inside].mean()) if n else None
        share = float(y[inside].mean()) if n else None
        if n:
            gap += n * abs(mean - share)  # type: ignore[operator]
        rows.append(
            {
                "low": round(b / bins, 4),
                "high": round((b + 1) / bins, 4),
                "accounts": n,
                "positives": int(y[inside].sum()),
                "mean_score": _round(mean),
                "share_positive": _round(share),
            }
        )
    return {"bins": rows, "ece": _round(gap / len(score)) if len(score) else None}


def pr_curve(y: np.ndarray, score: np.ndarray, points: int = 200) -> list[dict[str, float]]:
    """Precision and recall of flagging every account scoring at least each threshold,
    highest first: one point per distinct score (ties count together), thinned evenly to
    at most ``points`` with the first and last kept."""
    positives = int(y.sum())
    if positives == 0 or len(y) == 0:
        return []
    levels, seen, tp = _thresholds(y, np.nan_to_num(score.astype(np.float64), nan=0.0))
    keep = np.unique(np.linspace(0, len(levels) - 1, min(points, len(levels))).round().astype(int))
    return [
        {
            "threshold": round(float(levels[i]), 6),
            "precision": round(float(tp[i] / seen[i]), 4),
            "recall": round(float(tp[i] / positives), 4),
        }
        for i in keep
    ]


def _contingency(a: pd.Series, b: pd.Series) -> np.ndarray:
    ca = pd.factorize(a.astype(str))[0]
    cb = pd.factorize(b.astype(str))[0]
    table = np.zeros((ca.max() + 1, cb.max() + 1), dtype=np.float64)
    np.add.at(table, (ca, cb), 1)
    return table


def purity(clusters: pd.Series, truth: pd.Series) -> float | None:
    """Share of accounts whose campaign's majority label is their own label."""
    if len(clusters) == 0:
        return None
    table = _contingency(clusters, truth)
    return float(table.max(axis=1).sum() / table.sum())


def nmi(clusters: pd.Series, truth: pd.Series) -> float | None:
    """Normalised mutual information (arithmetic mean of the two entropies)."""
    if len(clusters) == 0:
        return None
    table = _contingency(clusters, truth)
    n = table.sum()
    pa, pb = table.sum(axis=1) / n, table.sum(axis=0) / n
    ha = -np.sum(pa * np.log(pa))
    hb = -np.sum(pb * np.log(pb))
    if ha == 0 and hb == 0:
        return 1.0
    pij = table / n
    nz = pij > 0
    mi = float(np.sum(pij[nz] * np.log(pij[nz] / np.outer(pa, pb)[nz])))
    return mi / ((ha + hb) / 2)
