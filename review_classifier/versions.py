"""The model's versions as one table, and which of them ``--prune`` may delete.

ZenML 0.98's CLI cannot show a version's metrics or why it was (not) promoted,
and the OSS dashboard has no Models page; ``python run.py models`` prints this.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, List, Mapping, NamedTuple, Optional, Sequence

from review_classifier.names import DECISION_THRESHOLD, PROMOTION, TEST_METRICS

COLUMNS = ("version", "stage", "created (UTC)", "accuracy", "ROC-AUC", "threshold", "promoted", "reason")
#: Columns of numbers, aligned right.
NUMERIC = {"version", "accuracy", "ROC-AUC", "threshold"}


class VersionSummary(NamedTuple):
    """What the table shows of one model version, read from the Model Control Plane."""

    id: Any
    number: int
    stage: Optional[str]
    created: datetime
    metadata: Mapping[str, Any]
    running: bool  # one of its pipeline runs has not finished yet

    @property
    def promoted(self) -> Optional[bool]:
        """The promote step's decision; ``None`` if the run never got there."""
        return (self.metadata.get(PROMOTION) or {}).get("promoted")

    @property
    def reason(self) -> str:
        if self.running:
            return "run in progress"
        if self.promoted is None:
            return "no promotion decision: its run stopped before the promote step"
        return str(self.metadata[PROMOTION]["reason"])


def prunable(versions: Sequence[VersionSummary]) -> List[VersionSummary]:
    """Versions nobody can need: never promoted, no stage (so never production), runs all finished."""
    return [v for v in versions if v.stage is None and not v.promoted and not v.running]


def _number(value: Any, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _cells(version: VersionSummary) -> List[str]:
    metrics = version.metadata.get(TEST_METRICS) or {}
    promoted = {True: "yes", False: "no", None: "-"}[version.promoted]
    return [
        str(version.number),
        version.stage or "-",
        version.created.strftime("%Y-%m-%d %H:%M"),
        _number(metrics.get("accuracy"), 4),
        _number(metrics.get("roc_auc"), 4),
        _number(version.metadata.get(DECISION_THRESHOLD), 2),
        promoted,
        version.reason,
    ]


def format_table(versions: Sequence[VersionSummary]) -> str:
    """One line per version, oldest first, columns aligned; the reason, unbounded, last."""
    rows = [list(COLUMNS)] + [_cells(v) for v in sorted(versions, key=lambda v: v.number)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(w) if name in NUMERIC else cell.ljust(w)
            for name, cell, w in zip(COLUMNS[:-1], row[:-1], widths, strict=True)
        ]
        lines.append("  ".join(cells + [row[-1]]))
    return "\n".join(lines)
