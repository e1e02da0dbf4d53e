"""``cibscan report``: one self-contained HTML file of a findings folder.

Everything the page needs (the findings as JSON, the front-end, sigma.js and graphology)
is inlined, so the file opens offline and can be mailed to a colleague. Nothing is
recomputed: the report reads saved findings only.
"""

from __future__ import annotations

import os

from .errors import CibscanError
from .findings import Findings
from .view import report_data
from .web import render_page


def render_report(findings: Findings, title: str | None = None) -> str:
    """The report as one HTML string."""
    return render_page("report", report_data(findings, title))


def write_report(findings: Findings, path: str, title: str | None = None) -> int:
    """Write the report to ``path`` (folders created as needed); return its size in bytes."""
    html = render_report(findings, title)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + ".part"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.replace(tmp, path)
    except OSError as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise CibscanError(f"{path}: cannot write the report ({exc.strerror})") from None
    return os.path.getsize(path)
