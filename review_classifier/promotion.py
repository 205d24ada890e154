"""The rule that decides whether a new model replaces the production one."""

from __future__ import annotations

from typing import NamedTuple, Optional


class PromotionDecision(NamedTuple):
    """Whether to promote, and the sentence the logs and metadata carry."""

    promote: bool
    reason: str


def decide_promotion(
    metric: str, candidate: float, production: Optional[float], production_version: Optional[str] = None
) -> PromotionDecision:
    """Promote only a strict improvement on the same test data, or when nothing is in production.

    A tie keeps the incumbent: replacing a served model has a cost, so the new
    one has to be better, not merely as good.
    """
    if production is None:
        return PromotionDecision(True, f"no production version yet; promoting ({metric} {candidate:.4f})")
    against = f"production version {production_version}" if production_version else "production"
    if candidate > production:
        return PromotionDecision(True, f"{metric} {candidate:.4f} beats {against} ({production:.4f}) on the same test data")
    return PromotionDecision(
        False, f"{metric} {candidate:.4f} does not beat {against} ({production:.4f}) on the same test data; keeping it"
    )
