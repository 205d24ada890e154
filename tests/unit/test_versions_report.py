"""The promote step's dashboard page: the models table's rows, this run's version marked, everything escaped."""

from datetime import datetime
from html.parser import HTMLParser
from typing import List, Tuple

import pytest

from review_classifier.reports.versions import versions_html
from review_classifier.versions import COLUMNS, VersionSummary

HOSTILE = "<script>alert('x')</script> & \"quoted\""


def version(number: int, stage, promotion, run: str, accuracy: float = 0.9245) -> VersionSummary:
    metadata = {"test_metrics": {"accuracy": accuracy, "roc_auc": 0.9608}, "decision_threshold": 0.5}
    if promotion is not None:
        metadata["promotion"] = {"promoted": promotion[0], "reason": promotion[1]}
    return VersionSummary(f"id-{number}", number, stage, datetime(2026, 12, 2, 4, number), metadata, False, run)


VERSIONS = [
    version(3, None, (False, HOSTILE), "training-3 <b>bold</b>", accuracy=0.91),
    version(1, "archived", (True, "version 1 promoted: first"), "training-1"),
    version(2, "production", (True, "version 2 promoted: better"), "training-2"),
    version(4, None, None, "training-4"),
]


class Table(HTMLParser):
    """The page's text: every table row's cells, the classes of the rows, and the decision paragraph."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: List[Tuple[str, List[str]]] = []
        self.decision = ""
        self._in: str = ""

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "tr":
            self.rows.append((dict(attrs).get("class") or "", []))
        elif tag in ("td", "th"):
            self.rows[-1][1].append("")
            self._in = "cell"
        elif tag == "p" and dict(attrs).get("class") == "decision":
            self._in = "decision"

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th", "p"):
            self._in = ""

    def handle_data(self, data) -> None:
        if self._in == "cell":
            self.rows[-1][1][-1] += data
        elif self._in == "decision":
            self.decision += data


def parse(page: str) -> Table:
    table = Table()
    table.feed(page)
    return table


def test_page_lists_every_version_oldest_first_with_the_models_table_cells() -> None:
    table = parse(versions_html(VERSIONS, "review_classifier after run training-3", current=3))
    (_, header), *rows = table.rows
    assert header == list(COLUMNS)
    assert [dict(zip(COLUMNS, cells, strict=True))["version"] for _, cells in rows] == ["1", "2", "3", "4"]
    assert rows[1][1] == [
        "2",
        "production",
        "2026-12-02 04:02",
        "training-2",
        "0.9245",
        "0.9608",
        "0.50",
        "yes",
        "version 2 promoted: better",
    ]
    fourth = dict(zip(COLUMNS, rows[3][1], strict=True))
    assert fourth["promoted"] == "-"
    assert fourth["reason"] == "no promotion decision: its run stopped before the promote step"


def test_this_runs_version_is_marked_and_its_decision_stated() -> None:
    table = parse(versions_html(VERSIONS, "title", current=2))
    assert [css for css, _ in table.rows[1:]] == ["", "current", "", ""]
    assert table.decision == "This run: version 2 promoted: better."


def test_every_text_is_escaped() -> None:
    page = versions_html(VERSIONS, f"title {HOSTILE}", current=3)
    assert "<script>" not in page and "<b>" not in page
    table = parse(page)
    third = dict(zip(COLUMNS, table.rows[3][1], strict=True))
    assert (third["run"], third["reason"], third["accuracy"]) == ("training-3 <b>bold</b>", HOSTILE, "0.9100")
    assert table.decision == f"This run: {HOSTILE}."


def test_a_version_missing_from_the_list_is_refused_by_number() -> None:
    with pytest.raises(ValueError, match=r"version 7 is not among the versions listed: \[3, 1, 2, 4\]"):
        versions_html(VERSIONS, "title", current=7)
