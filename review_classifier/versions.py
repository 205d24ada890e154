"""The model's versions as one table, and which of them ``--prune`` may delete.

ZenML 0.98's CLI cannot show a version's metrics or why it was (not) promoted,
and the OSS dashboard's Models page only advertises ZenML Pro: ``python run.py models`` prints this table,
and every training run's promote step shows it in the dashboard (:mod:`review_classifier.reports.versions`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, List, Mapping, NamedTuple, Optional, Sequence

from review_classifier.names import DECISION_THRESHOLD, PROMOTION, TEST_METRICS

COLUMNS = ("version", "stage", "created (UTC)", "run", "accuracy", "ROC-AUC", "threshold", "promoted", "reason")
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
    run: Optional[str] = None  # the name of the pipeline run that made it

    @property
    def promoted(self) -> Optional[bool]:
        """The promote step's decision; ``None`` if the run never got there."""
        return (self.metadata.get(PROMOTION) or {}).get("promoted")

    @property
    def reason(self) -> str:
        """The decision's sentence as soon as it is recorded, even while the run (or a later one
        of the version, e.g. a deployment) is still going: the promote step shows its own decision."""
        if self.promoted is not None:
            return str(self.metadata[PROMOTION]["reason"])
        if self.running:
            return "run in progress"
        return "no promotion decision: its run stopped before the promote step"


def prunable(versions: Sequence[VersionSummary]) -> List[VersionSummary]:
    """Versions nobody can need: never promoted, no stage (so never production), runs all finished."""
    return [v for v in versions if v.stage is None and not v.promoted and not v.running]


def _number(value: Any, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def oldest_first(versions: Sequence[VersionSummary]) -> List[VersionSummary]:
    return sorted(versions, key=lambda v: v.number)


def cells(version: VersionSummary) -> List[str]:
    """The version's row as text, one cell per column of :data:`COLUMNS`."""
    metrics = version.metadata.get(TEST_METRICS) or {}
    promoted = {True: "yes", False: "no", None: "-"}[version.promoted]
    return [
        str(version.number),
        version.stage or "-",
        version.created.strftime("%Y-%m-%d %H:%M"),
        version.run or "-",
        _number(metrics.get("accuracy"), 4),
        _number(metrics.get("roc_auc"), 4),
        _number(version.metadata.get(DECISION_THRESHOLD), 2),
        promoted,
        version.reason,
    ]


def format_table(versions: Sequence[VersionSummary]) -> str:
    """One line per version, oldest first, columns aligned; the reason, unbounded, last."""
    rows = [list(COLUMNS)] + [cells(v) for v in oldest_first(versions)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = []
    for row in rows:
        aligned = [
            cell.rjust(w) if name in NUMERIC else cell.ljust(w)
            for name, cell, w in zip(COLUMNS[:-1], row[:-1], widths, strict=True)
        ]
        lines.append("  ".join(aligned + [row[-1]]))
    return "\n".join(lines)
