"""GEXF 1.3 for Gephi: accounts in significant links as nodes, links as weighted edges."""

from __future__ import annotations

from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr as _quoteattr

import pandas as pd

from .safe import escape_controls

if TYPE_CHECKING:
    from ..findings import Findings

_NODE_ATTRS = (
    ("handle", "string"),
    ("campaign", "integer"),
    ("score", "double"),
    ("flagged", "boolean"),
)
_EDGE_ATTRS = (("behaviours", "string"), ("shared", "integer"), ("log10_q", "double"))


def quoteattr(value: str) -> str:
    """An XML attribute value, well-formed whatever the data holds."""
    return _quoteattr(escape_controls(value))


def write_gexf(findings: Findings, path: str) -> None:
    """Write the link graph; every value from the data is XML-escaped."""
    links = findings.links
    accounts = findings.accounts.set_index("account_id")
    ids = sorted(set(links["account_a"]).union(links["account_b"])) if len(links) else []
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write('<gexf xmlns="http://gexf.net/1.3" version="1.3">\n')
        out.write("  <meta><creator>cibscan</creator></meta>\n")
        out.write('  <graph defaultedgetype="undirected" mode="static">\n')
        out.write('    <attributes class="node">\n')
        for i, (name, typ) in enumerate(_NODE_ATTRS):
            out.write(f'      <attribute id="{i}" title="{name}" type="{typ}"/>\n')
        out.write('    </attributes>\n    <attributes class="edge">\n')
        for i, (name, typ) in enumerate(_EDGE_ATTRS):
            out.write(f'      <attribute id="{i}" title="{name}" type="{typ}"/>\n')
        out.write("    </attributes>\n    <nodes>\n")
        nodes = accounts.reindex(ids)[["handle", "campaign", "score", "flagged"]]
        for account, handle_value, campaign_value, score_value, flagged_value in zip(
            ids, *(nodes[c] for c in nodes.columns), strict=True
        ):
            handle = "" if pd.isna(handle_value) else str(handle_value)
            campaign = 0 if pd.isna(campaign_value) else int(campaign_value)
            score = 0.0 if pd.isna(score_value) else float(score_value)
            flagged = "false" if pd.isna(flagged_value) or not flagged_value else "true"
            label = handle or str(account)
            out.write(
                f"      <node id={quoteattr(str(account))} label={quoteattr(label)}>"
                f'<attvalues><attvalue for="0" value={quoteattr(handle)}/>'
                f'<attvalue for="1" value="{campaign}"/>'
                f'<attvalue for="2" value="{score:.6f}"/>'
                f'<attvalue for="3" value="{flagged}"/></attvalues></node>\n'
            )
        out.write("    </nodes>\n    <edges>\n")
        for i, row in enumerate(links.itertuples(index=False)):
            out.write(
                f'      <edge id="{i}" source={quoteattr(str(row.account_a))} '
                f'target={quoteattr(str(row.account_b))} weight="{float(row.weight):.6f}">'
                f'<attvalues><attvalue for="0" value={quoteattr(str(row.behaviours))}/>'
                f'<attvalue for="1" value="{int(row.shared)}"/>'
                f'<attvalue for="2" value="{float(row.log10_q):.4f}"/></attvalues></edge>\n'
            )
        out.write("    </edges>\n  </graph>\n</gexf>\n")
