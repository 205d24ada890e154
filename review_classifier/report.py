"""The evaluation report shown in the ZenML dashboard: one self-contained HTML page."""

from __future__ import annotations

import base64
import html
import io
from typing import Any, Dict, Mapping, Optional, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (backend must be chosen first)

from review_classifier.baseline import BASELINES  # noqa: E402
from review_classifier.metrics import CLASS_NAMES, COMPARED_METRICS, lift_over  # noqa: E402

_LABELS = {"accuracy": "Accuracy", "roc_auc": "ROC-AUC", "pr_auc": "PR-AUC"}


def _roc_png(fpr: Sequence[float], tpr: Sequence[float], auc: float) -> str:
    figure, axes = plt.subplots(figsize=(4.5, 4.5), dpi=100)
    axes.plot(fpr, tpr, label=f"model (AUC {auc:.3f})")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    axes.set(xlabel="False positive rate", ylabel="True positive rate", title="ROC curve (test split)")
    axes.legend(loc="lower right")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _baseline_table(metrics: Mapping[str, Any], baseline: Mapping[str, Any]) -> str:
    lift = lift_over(metrics, baseline)
    rows = "".join(
        f"<tr><th>{_LABELS[name]}</th><td>{metrics[name]:.4f}</td><td>{baseline[name]:.4f}</td>"
        f"<td>{lift[name]:+.4f}</td></tr>"
        for name in COMPARED_METRICS
    )
    return (
        f"<table><caption>Against the best raw-text baseline ({BASELINES[baseline['baseline']]}, same splits)</caption>"
        f"<tr><th></th><th>model</th><th>baseline</th><th>lift</th></tr>{rows}</table>"
    )


def evaluation_html(
    metrics: Dict[str, Any],
    roc: Dict[str, Sequence[float]],
    title: str,
    baseline: Optional[Mapping[str, Any]] = None,
    explanations: str = "",
) -> str:
    """Headline metrics, the comparison with the baseline, confusion matrix, per-class table and ROC curve;
    then ``explanations``, the sections of review_classifier/report_explanations.py."""
    matrix = metrics["confusion_matrix"]
    confusion_rows = "".join(
        f"<tr><th>true {name}</th>" + "".join(f"<td>{count}</td>" for count in matrix[i]) + "</tr>"
        for i, name in enumerate(CLASS_NAMES)
    )
    class_rows = "".join(
        f"<tr><th>{name}</th>"
        + "".join(f"<td>{metrics['per_class'][name][k]:.3f}</td>" for k in ("precision", "recall", "f1-score"))
        + f"<td>{int(metrics['per_class'][name]['support'])}</td></tr>"
        for name in CLASS_NAMES
    )
    headline = "".join(
        f"<tr><th>{label}</th><td>{metrics[key]:.4f}</td></tr>"
        for label, key in (
            ("Accuracy", "accuracy"),
            ("ROC-AUC", "roc_auc"),
            ("PR-AUC", "pr_auc"),
            (f"Majority baseline ({metrics['majority_class']})", "majority_baseline_accuracy"),
        )
    )
    comparison = _baseline_table(metrics, baseline) if baseline is not None else ""
    png = _roc_png(roc["fpr"], roc["tpr"], metrics["roc_auc"])
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:1.5em}} table{{border-collapse:collapse;margin:0 2em 1em 0}}
td,th{{border:1px solid #ccc;padding:4px 10px;text-align:right}} .row{{display:flex;flex-wrap:wrap}}
td.words{{text-align:left;max-width:40em}} table.error{{margin-bottom:1.5em}}</style>
</head><body>
<h2>{html.escape(title)}</h2>
<p>{metrics["n_examples"]} test reviews, decision threshold {metrics["threshold"]}.</p>
<div class="row">
<table><caption>Headline</caption>{headline}</table>
{comparison}
<table><caption>Confusion matrix</caption><tr><th></th><th>pred {CLASS_NAMES[0]}</th>
<th>pred {CLASS_NAMES[1]}</th></tr>{confusion_rows}</table>
<table><caption>Per class</caption><tr><th></th><th>precision</th><th>recall</th><th>F1</th>
<th>support</th></tr>{class_rows}</table>
</div>
<img alt="ROC curve" src="data:image/png;base64,{png}">
{explanations}
</body></html>"""
