"""The evaluation report shown in the ZenML dashboard: one self-contained HTML page."""

from __future__ import annotations

import base64
import io
from typing import Any, Dict, Mapping, Optional, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (backend must be chosen first)

from review_classifier.baseline import BASELINES  # noqa: E402
from review_classifier.decision import CLASS_NAMES  # noqa: E402
from review_classifier.metrics import COMPARED_METRICS, lift_over  # noqa: E402
from review_classifier.reports import render_template  # noqa: E402

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


def evaluation_html(
    metrics: Dict[str, Any],
    roc: Dict[str, Sequence[float]],
    title: str,
    baseline: Optional[Mapping[str, Any]] = None,
    explanations: str = "",
) -> str:
    """Headline metrics, the comparison with the baseline, confusion matrix, per-class table and ROC curve;
    then ``explanations``, the HTML sections of review_classifier/reports/explanations.py."""
    return render_template(
        "evaluation.html",
        title=title,
        metrics=metrics,
        headline=[
            ("Accuracy", "accuracy"),
            ("ROC-AUC", "roc_auc"),
            ("PR-AUC", "pr_auc"),
            (f"Majority baseline ({metrics['majority_class']})", "majority_baseline_accuracy"),
        ],
        baseline=baseline,
        baseline_name=BASELINES[baseline["baseline"]] if baseline is not None else None,
        lift=lift_over(metrics, baseline) if baseline is not None else None,
        compared=[(name, _LABELS[name]) for name in COMPARED_METRICS],
        class_names=CLASS_NAMES,
        roc_png=_roc_png(roc["fpr"], roc["tpr"], metrics["roc_auc"]),
        explanations=explanations,
    )
