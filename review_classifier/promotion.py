"""The rule that decides whether a new model replaces the production one."""

from __future__ import annotations

from typing import NamedTuple, Optional

#: How the promotion sentence spells a metric.
METRIC_NAMES = {"roc_auc": "ROC-AUC", "pr_auc": "PR-AUC"}


class PromotionDecision(NamedTuple):
    """Whether to promote, and the sentence the logs and metadata carry."""

    promote: bool
    reason: str


def decide_promotion(
    metric: str, candidate: float, production: Optional[float], *, version: str, production_version: Optional[str]
) -> PromotionDecision:
    """Promote only a strict improvement on the same test data, or when nothing is in production.

    A tie keeps the incumbent: replacing a served model has a cost, so the new
    one has to be better, not merely as good. The reason names both versions
    and what production is afterwards, so a log line alone says what happened.
    """
    name = METRIC_NAMES.get(metric, metric)
    if production is None:
        return PromotionDecision(
            True,
            f"version {version} promoted: no production version yet ({name} {candidate:.4f}); "
            f"production is now version {version}",
        )
    comparison = f"production version {production_version} ({production:.4f}) on this test split"
    if candidate > production:
        return PromotionDecision(
            True,
            f"version {version} promoted: {name} {candidate:.4f} beats {comparison}; "
            f"production is now version {version}",
        )
    return PromotionDecision(
        False,
        f"version {version} not promoted: {name} {candidate:.4f} does not beat {comparison}; "
        f"production stays version {production_version}",
    )
