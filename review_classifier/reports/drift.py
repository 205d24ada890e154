"""The drift report shown in the ZenML dashboard: one self-contained HTML page, no plotting library."""

from __future__ import annotations

from itertools import pairwise
from typing import List, Sequence, Tuple

from review_classifier.drift import Batch, DriftReport, Reference, TextProfile
from review_classifier.reports import render_template

_COLOURS = {"ok": "#2e7d32", "warn": "#ef6c00", "stop": "#c62828", "untested": "#757575"}
#: Reference tokens listed one by one in the token table.
SHOWN_TOKENS = 15

#: A row of a distribution table: its label, the training data's share and the new batch's.
Row = Tuple[str, float, float]


def _shares(counts: Sequence[float]) -> List[float]:
    total = sum(counts)
    return [c / total if total else 0.0 for c in counts]


def _length_rows(reference: TextProfile, new: TextProfile) -> List[Row]:
    edges = reference.length_edges
    labels = [f"≤ {edges[0]}"] + [f"{a + 1}–{b}" for a, b in pairwise(edges)] + [f"> {edges[-1]}"]
    return list(zip(labels, _shares(reference.length_counts), _shares(new.length_counts), strict=True))


def _token_rows(reference: TextProfile, new: TextProfile) -> List[Row]:
    def shares(profile: TextProfile) -> List[float]:
        counts = list(profile.token_counts.values())
        return [c / profile.tokens if profile.tokens else 0.0 for c in counts]

    names = list(reference.token_counts)[:SHOWN_TOKENS]
    rows = list(zip(names, shares(reference), shares(new), strict=False))
    rows.append(("(out of vocabulary)", reference.oov_rate, new.oov_rate))
    return rows


def drift_html(report: DriftReport, reference: Reference, batch: Batch, title: str) -> str:
    """Verdict, every check with its figures and reason, and the length and token distributions side by side."""
    return render_template(
        "drift.html",
        title=title,
        report=report,
        texts=batch.profile.texts,
        colours=_COLOURS,
        lengths=_length_rows(reference.profile, batch.profile),
        tokens=_token_rows(reference.profile, batch.profile),
    )
