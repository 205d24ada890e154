"""The models table and the prune rule, on hand-made version summaries (no ZenML)."""

import re
from datetime import datetime
from typing import Dict, List

from review_classifier.versions import COLUMNS, VersionSummary, format_table, prunable

METRICS = {"test_metrics": {"accuracy": 0.92451, "roc_auc": 0.9608}, "decision_threshold": 0.5}
NOT_PROMOTED = {**METRICS, "promotion": {"promoted": False, "reason": "version 2 not promoted: tie"}}


def version(number: int, stage=None, metadata=None, running=False, run=None) -> VersionSummary:
    created = datetime(2026, 12, 2, 4, number)
    return VersionSummary(f"id-{number}", number, stage, created, metadata or {}, running, run)


VERSIONS = [
    version(1, "archived", {**METRICS, "promotion": {"promoted": True, "reason": "first"}}),
    version(3, "production", {**METRICS, "promotion": {"promoted": True, "reason": "better"}}),
    version(2, None, NOT_PROMOTED, run="training-2026_12_02-04_02_00_000000"),
    version(4, None, {"test_metrics": {"accuracy": 0.5, "roc_auc": 0.6}, "decision_threshold": 0.7}),  # gate failed
    version(5, None, {}, running=True),
    version(6, "staging", NOT_PROMOTED),
    version(7, None, {**METRICS, "promotion": {"promoted": True, "reason": "version 7 promoted"}}, running=True),
]


def parse_table(text: str) -> List[Dict[str, str]]:
    """The table's rows as {column: cell}, cut at the header's column positions (so misalignment shows)."""
    header, *lines = text.splitlines()
    spans = [m.span() for m in re.finditer(r"\S+(?: \S+)*", header)]
    assert [header[a:b] for a, b in spans] == list(COLUMNS)
    cuts = [start for start, _ in spans] + [None]  # numeric headers are as wide as their column
    return [{c: line[cuts[i] : cuts[i + 1]].strip() for i, c in enumerate(COLUMNS)} for line in lines]


def test_table_has_one_aligned_row_per_version_oldest_first() -> None:
    rows = parse_table(format_table(VERSIONS))
    assert [row["version"] for row in rows] == ["1", "2", "3", "4", "5", "6", "7"]
    assert list(rows[1].values()) == [
        "2",
        "-",
        "2026-12-02 04:02",
        "training-2026_12_02-04_02_00_000000",
        "0.9245",
        "0.9608",
        "0.50",
        "no",
        "version 2 not promoted: tie",
    ]
    assert (rows[2]["stage"], rows[2]["promoted"], rows[2]["reason"]) == ("production", "yes", "better")
    assert (rows[3]["threshold"], rows[3]["promoted"], rows[3]["run"]) == ("0.70", "-", "-")
    assert rows[3]["reason"] == "no promotion decision: its run stopped before the promote step"
    assert [rows[4][c] for c in ("accuracy", "ROC-AUC", "threshold", "reason")] == ["-", "-", "-", "run in progress"]
    # A recorded decision shows while its run, or a later one of the version, is still going.
    assert rows[6]["reason"] == "version 7 promoted"


def test_prune_takes_only_finished_never_promoted_unstaged_versions() -> None:
    assert [v.number for v in prunable(VERSIONS)] == [2, 4]
