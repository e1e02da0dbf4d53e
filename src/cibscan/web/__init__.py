"""The one HTML page behind both the report and the dashboard.

The page is fixed markup written here; the data never becomes markup. In the report the
data travels as JSON inside ``<script type="application/json">``, with every ``<``, ``>``
and ``&`` written as a ``\\u`` escape so that no text in it can close the element, and
the front-end (``app.js``) puts each string on the page as text. A Content Security
Policy admits only the page's own scripts (by hash) as a second line of defence, and no
network access at all for the report.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any, Literal

Mode = Literal["report", "dashboard"]
SCRIPTS = ("vendor/graphology.umd.min.js", "vendor/sigma.min.js", "app.js")

_BODY = """<header>
<span class="brand">cibscan</span><div id="summary"></div><nav id="tools"></nav>
</header>
<div id="error" role="alert" hidden></div>
<main>
<aside><div id="filters" hidden></div><ol id="campaigns"></ol></aside>
<div id="right">
<section id="graph-panel" aria-label="network of accounts">
<div id="graph-bar"><input id="search" type="search" placeholder="find an account, press Enter"
 aria-label="find an account"><span id="graph-status"></span></div>
<div id="network"></div>
</section>
<section id="detail"></section>
</div>
</main>
"""


@cache
def asset(name: str) -> str:
    """A file shipped in ``cibscan/web`` as text."""
    return (resources.files(__package__) / name).read_text(encoding="utf-8")


def json_for_script(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element whatever strings it holds."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(raw, escaped)
    return text


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def render_page(mode: Mode, data: Any = None) -> str:
    """The full HTML page: ``report`` embeds ``data``; ``dashboard`` reads the JSON API."""
    if mode not in ("report", "dashboard"):
        raise ValueError(f"unknown page mode {mode!r}")
    css = asset("app.css")
    scripts = [asset(name) for name in SCRIPTS]
    connect = "'self'" if mode == "dashboard" else "'none'"
    policy = (
        "default-src 'none'; "
        f"script-src {' '.join(_hash(s) for s in scripts)}; "
        f"style-src {_hash(css)}; img-src data:; connect-src {connect}; "
        "base-uri 'none'; form-action 'none'"
    )
    parts = [
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta name="referrer" content="no-referrer">\n',
        "<title>cibscan</title>\n<style>",
        css,
        f'</style>\n</head>\n<body data-mode="{mode}">\n',
        _BODY,
    ]
    if mode == "report":
        parts += [
            '<script type="application/json" id="cibscan-data">',
            json_for_script(data),
            "</script>\n",
        ]
    parts += [f"<script>{s}</script>\n" for s in scripts]
    parts.append("</body>\n</html>\n")
    return "".join(parts)
