"""The evaluation and drift pages: every figure in its table, every text escaped, the ROC curve inlined as a PNG;
and the one template renderer they share with the nginx configuration and the benchmarks page."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import jinja2
import numpy as np
import pytest

from review_classifier.baseline import BASELINES
from review_classifier.drift import compare
from review_classifier.metrics import classification_metrics, roc_points
from review_classifier.reports.drift import SHOWN_TOKENS, drift_html
from review_classifier.reports.evaluation import evaluation_html
from review_classifier.templating import renderer
from tests.unit.test_drift import REFERENCE, batch, reviews
from tests.unit.test_versions_report import HOSTILE, parse

LABELS = np.array([0, 0, 0, 1, 1, 1, 1, 1])
PROBABILITIES = np.array([0.1, 0.4, 0.7, 0.3, 0.6, 0.8, 0.9, 0.95])
BASELINE = {"baseline": "nb_logistic_regression", "accuracy": 0.5, "roc_auc": 0.6, "pr_auc": 0.7}


def cells(page: str) -> dict:
    """Each table row's header cell -> its other cells (the last such row, for a header met twice)."""
    return {row[0]: row[1:] for _, row in parse(page).rows if row}


def test_renderer_escapes_html_templates_only_and_refuses_unknown_variables(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>{{ text }}</p>\n{% if flag %}\nflagged\n{% endif %}\n")
    (tmp_path / "site.conf.j2").write_text("server_name {{ text }};\n")
    render = renderer(tmp_path)
    assert render("page.html", text="<b>&", flag=True) == "<p>&lt;b&gt;&amp;</p>\nflagged\n"
    assert render("site.conf.j2", text="<b>&") == "server_name <b>&;\n"
    with pytest.raises(jinja2.UndefinedError, match="'flag' is undefined"):
        render("page.html", text="")


def test_evaluation_page_shows_the_metrics_the_baseline_and_the_roc_curve() -> None:
    metrics = classification_metrics(LABELS, PROBABILITIES, 0.5)
    page = evaluation_html(metrics, roc_points(LABELS, PROBABILITIES), f"v1 {HOSTILE}", BASELINE, "<h3>Why</h3>")
    assert "<script>" not in page and "&lt;script&gt;" in page
    rows = cells(page)
    assert rows["Majority baseline (positive)"] == [f"{metrics['majority_baseline_accuracy']:.4f}"]
    assert rows["ROC-AUC"] == [f"{metrics['roc_auc']:.4f}", "0.6000", f"{metrics['roc_auc'] - 0.6:+.4f}"]
    assert rows["true negative"] == [str(n) for n in metrics["confusion_matrix"][0]]
    assert rows["positive"][-1] == "5"  # support
    assert BASELINES["nb_logistic_regression"] in page
    png = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(png).startswith(b"\x89PNG")
    assert page.rstrip().endswith("<h3>Why</h3>\n</body></html>")  # the explanations, as HTML


def test_evaluation_page_without_baseline_has_no_comparison() -> None:
    metrics = classification_metrics(LABELS, PROBABILITIES, 0.5)
    page = evaluation_html(metrics, roc_points(LABELS, PROBABILITIES), "v1")
    assert "raw-text baseline" not in page and cells(page)["Accuracy"] == [f"{metrics['accuracy']:.4f}"]


def test_drift_page_shows_the_verdict_each_check_and_both_distributions_escaped() -> None:
    hostile = {f"<i>{name}</i>": count for name, count in REFERENCE.profile.token_counts.items()}
    reference = REFERENCE.model_copy(update={"profile": REFERENCE.profile.model_copy(update={"token_counts": hostile})})
    new = batch(reviews(3, 100) + ["unknown words in a new domain"] * 300, empty_rows=20)
    report = compare(REFERENCE, new)
    page = drift_html(report, reference, new, f"drift {HOSTILE}")
    assert "<script>" not in page and "<i>" not in page
    assert report.level == "stop"
    assert re.search(r'Verdict:\s*<b style="color:#c62828">stop</b>', page)
    rows = cells(page)
    for check in report.checks:
        assert rows[check.name] == [check.level, check.reason]
    edges = reference.profile.length_edges
    assert rows[f"≤ {edges[0]}"][0].endswith("%") and f"> {edges[-1]}" in rows
    shown = list(hostile)[:SHOWN_TOKENS]
    assert all(name in rows for name in shown)
    assert rows["(out of vocabulary)"][:2] == [f"{reference.profile.oov_rate:.2%}", f"{new.profile.oov_rate:.2%}"]
