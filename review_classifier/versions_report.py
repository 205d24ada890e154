"""The models table as a page of the ZenML dashboard: the promote step's visualization.

The open-source dashboard's Models page only advertises ZenML Pro, so a user who looks at
a training run there sees the model's versions, and why this run's version was or was not
promoted, in this artifact. Same rows as ``python run.py models``; one self-contained HTML page.
"""

from __future__ import annotations

import html
from typing import Sequence

from review_classifier.versions import COLUMNS, NUMERIC, VersionSummary, cells, oldest_first

_STAGE_COLOURS = {"production": "#2e7d32", "staging": "#1565c0", "archived": "#757575"}


def _row(version: VersionSummary, current: int) -> str:
    tds = "".join(
        f"<td class='{'num' if name in NUMERIC else 'text'}'>{html.escape(cell)}</td>"
        for name, cell in zip(COLUMNS, cells(version), strict=True)
    )
    colour = _STAGE_COLOURS.get(version.stage or "", "inherit")
    mark = " class='current'" if version.number == current else ""
    return f"<tr{mark} style='color:{colour}'>{tds}</tr>"


def versions_html(versions: Sequence[VersionSummary], title: str, current: int) -> str:
    """Every version oldest first, the row of ``current`` (the version this run just decided on)
    highlighted, and its decision, the sentence the promote step logged, above the table."""
    decided = next((v for v in versions if v.number == current), None)
    if decided is None:
        raise ValueError(f"version {current} is not among the versions listed: {[v.number for v in versions]}")
    header = "".join(f"<th>{html.escape(name)}</th>" for name in COLUMNS)
    rows = "".join(_row(v, current) for v in oldest_first(versions))
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;font-size:14px;margin:1em}} h2{{font-size:1.2em}}
table{{border-collapse:collapse}} caption{{text-align:left;padding:4px 0}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;white-space:nowrap}} td.num{{text-align:right}}
td:last-child{{white-space:normal;min-width:16em}} tr.current{{background:#fff8e1;font-weight:bold}}</style>
</head><body>
<h2>{html.escape(title)}</h2>
<p class="decision">This run: {html.escape(decided.reason)}.</p>
<table><caption>Every version, oldest first (as <code>python run.py models</code> prints them)</caption>
<tr>{header}</tr>
{rows}
</table>
</body></html>"""
