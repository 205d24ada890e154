"""The models table as a page of the ZenML dashboard: the promote step's visualization.

The open-source dashboard's Models page only advertises ZenML Pro, so a user who looks at
a training run there sees the model's versions, and why this run's version was or was not
promoted, in this artifact. Same rows as ``python run.py models``; one self-contained HTML page.
"""

from __future__ import annotations

from typing import Sequence

from review_classifier.reports import render_template
from review_classifier.versions import COLUMNS, NUMERIC, VersionSummary, cells, oldest_first

_STAGE_COLOURS = {"production": "#2e7d32", "staging": "#1565c0", "archived": "#757575"}


def versions_html(versions: Sequence[VersionSummary], title: str, current: int) -> str:
    """Every version oldest first, the row of ``current`` (the version this run just decided on)
    highlighted, and its decision, the sentence the promote step logged, above the table."""
    decided = next((v for v in versions if v.number == current), None)
    if decided is None:
        raise ValueError(f"version {current} is not among the versions listed: {[v.number for v in versions]}")
    return render_template(
        "versions.html",
        title=title,
        decision=decided.reason,
        columns=COLUMNS,
        numeric=NUMERIC,
        rows=[
            (
                version.number == current,
                _STAGE_COLOURS.get(version.stage or "", "inherit"),
                list(zip(COLUMNS, cells(version), strict=True)),
            )
            for version in oldest_first(versions)
        ],
    )
