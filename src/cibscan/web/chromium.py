"""Headless Chromium for the browser tests, the screenshots and the report benchmark.

Playwright cannot download its own browser here (nor, often, on an analyst's locked-down
machine), so this drives the system's Chromium (Debian package ``chromium``), found at
``$CIBSCAN_CHROMIUM`` or on the usual paths. WebGL runs on SwiftShader, the software
renderer, so the network view works with no GPU.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
)
_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def executable() -> str | None:
    """Path of a Chromium binary, or None."""
    given = os.environ.get("CIBSCAN_CHROMIUM")
    if given:
        return given if os.path.isfile(given) else None
    for path in _CANDIDATES:
        if os.path.isfile(path):
            return path
    found = shutil.which("chromium")
    return found


def launch(playwright: Any) -> Any:
    """A headless Chromium browser from a ``sync_playwright()`` context."""
    path = executable()
    if path is None:
        raise RuntimeError("no Chromium found: install Debian's chromium or set CIBSCAN_CHROMIUM")
    return playwright.chromium.launch(executable_path=path, args=list(ARGS), headless=True)
