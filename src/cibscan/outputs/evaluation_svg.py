"""An evaluation as a picture: the reliability diagram and the precision-recall curve.

``cibscan evaluate --plot FILE.svg`` writes it from :func:`cibscan.evaluate.evaluate`'s
result. The SVG is built as an element tree, so every text in it is escaped by the
serialiser; it holds numbers and fixed captions only, no account data.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

SIZE = 300  #: each panel's plotting square, in pixels
MARGIN = 50


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    """A child element; attribute names are written with hyphens for underscores."""
    element = ET.SubElement(parent, tag, {k.replace("_", "-"): str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _xy(x: float, y: float) -> str:
    return f"{round(x * SIZE, 1)},{round(SIZE - y * SIZE, 1)}"


def _panel(root: ET.Element, left: int, title: str, xlabel: str, ylabel: str) -> ET.Element:
    """A square panel with axes from 0 to 1, its title and labels; returns its group,
    whose coordinates are pixels with y growing downwards from the panel's top left."""
    g = _el(root, "g", transform=f"translate({left},{MARGIN})")
    _el(g, "rect", x=0, y=0, width=SIZE, height=SIZE, fill="#fafafa", stroke="#888")
    for i in range(11):
        v = i / 10
        x, y = round(v * SIZE, 1), round(SIZE - v * SIZE, 1)
        _el(g, "line", x1=x, y1=SIZE, x2=x, y2=SIZE + 4, stroke="#888")
        _el(g, "line", x1=-4, y1=y, x2=0, y2=y, stroke="#888")
        if i % 5 == 0:
            _el(g, "text", f"{v:.1f}", x=x, y=SIZE + 16, text_anchor="middle")
            _el(g, "text", f"{v:.1f}", x=-8, y=y + 4, text_anchor="end")
    _el(g, "text", title, x=SIZE // 2, y=-12, text_anchor="middle", font_weight="bold")
    _el(g, "text", xlabel, x=SIZE // 2, y=SIZE + 34, text_anchor="middle")
    turn = f"rotate(-90,-36,{SIZE // 2})"
    _el(g, "text", ylabel, x=-36, y=SIZE // 2, transform=turn, text_anchor="middle")
    return g


def evaluation_svg(result: dict[str, Any]) -> str:
    """The SVG document of ``result``'s ``calibration`` and ``pr_curve``."""
    width = 2 * (SIZE + 2 * MARGIN)
    height = SIZE + 2 * MARGIN + 10
    root = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg"})
    for key, value in (("width", width), ("height", height), ("viewBox", f"0 0 {width} {height}"),
                       ("font-family", "sans-serif"), ("font-size", 11)):  # fmt: skip
        root.set(key, str(value))
    calibration = result.get("calibration") or {"bins": [], "ece": None}
    ece = calibration.get("ece")
    title = "Reliability" + (f" (ECE {ece:.3f})" if ece is not None else "")
    g = _panel(root, MARGIN, title, "account score", "share of positives")
    _el(g, "line", x1=0, y1=SIZE, x2=SIZE, y2=0, stroke="#bbb", stroke_dasharray="4 3")
    bins = [b for b in calibration["bins"] if b["accounts"]]
    most = max((b["accounts"] for b in bins), default=1)
    for b in bins:
        # a bar per bin at its share of positives; its opacity says how many accounts
        low, high = float(b["low"]), float(b["high"])
        h = round(float(b["share_positive"]) * SIZE, 1)
        shade = 0.25 + 0.75 * (b["accounts"] / most) ** 0.5
        bar = _el(g, "rect", x=round(low * SIZE, 1), y=round(SIZE - h, 1),
                  width=round((high - low) * SIZE, 1), height=h, fill="#3b6ea8",
                  opacity=f"{shade:.2f}")  # fmt: skip
        _el(bar, "title", f"scores {low:.1f}-{high:.1f}: {b['accounts']:,} accounts, "
            f"{b['positives']:,} positive, mean score {float(b['mean_score']):.3f}")  # fmt: skip
    if bins:
        dots = " ".join(_xy(float(b["mean_score"]), float(b["share_positive"])) for b in bins)
        _el(g, "polyline", points=dots, fill="none", stroke="#d9822b", stroke_width=2)
    curve = result.get("pr_curve") or []
    p = _panel(root, 3 * MARGIN + SIZE, "Precision-recall", "recall", "precision")
    if curve:
        line = " ".join(_xy(float(c["recall"]), float(c["precision"])) for c in curve)
        _el(p, "polyline", points=line, fill="none", stroke="#3b6ea8", stroke_width=2)
    else:
        _el(p, "text", "no positive account in the data", x=SIZE // 2, y=SIZE // 2,
            text_anchor="middle")  # fmt: skip
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
