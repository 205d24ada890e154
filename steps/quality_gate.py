"""The quality gate, after evaluation (step 5) and before promotion (step 6).

A module of its own, apart from ``evaluate``: its container (Docker, Kubeflow, Vertex AI) then starts
without importing TensorFlow, which it never uses.
"""

from __future__ import annotations

import logging
from typing import Any, Dict

from zenml import step

from review_classifier.baseline import BASELINES
from review_classifier.metrics import baseline_not_beaten, unmet_thresholds
from steps.caching import project_code_policy

logger = logging.getLogger(__name__)


class QualityGateError(RuntimeError):
    """The new model is below a minimum set in the run config."""


@step(cache_policy=project_code_policy(__name__))
def quality_gate(
    test_metrics: Dict[str, Any],
    minimums: Dict[str, float],
    baseline_metrics: Dict[str, Any],
    beat_baseline: bool = True,
    metric: str = "roc_auc",
) -> None:
    """Fail the run, before any promotion, when a test metric is under its configured minimum or,
    with ``beat_baseline``, when the model is not strictly better than the best raw-text baseline on ``metric``."""
    failures = [
        f"{name} {value:.4f} < {floor}" for name, (value, floor) in unmet_thresholds(test_metrics, minimums).items()
    ]
    if beat_baseline and baseline_not_beaten(test_metrics, baseline_metrics, metric):
        failures.append(
            f"{metric} {test_metrics[metric]:.4f} does not beat the best raw-text baseline, "
            f"{BASELINES[baseline_metrics['baseline']]} ({baseline_metrics[metric]:.4f})"
        )
    if failures:
        raise QualityGateError(f"quality gate failed: {', '.join(failures)}; production is unchanged")
    passed = [f"{k} >= {v}" for k, v in minimums.items()]
    if beat_baseline:
        passed.append(f"{metric} {test_metrics[metric]:.4f} > baseline {baseline_metrics[metric]:.4f}")
    logger.info("Quality gate passed: %s", ", ".join(passed) or "no minimum set")
