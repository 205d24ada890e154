"""The evaluation report's explanation sections: what the model learned, where it fails, and which part carries it.

Computed from the exact decompositions of the test split's logits (review_classifier/explain.py), so
every number is in logit units and every error's explanation adds up to its logit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from review_classifier.decision import CLASS_NAMES, predicted_classes
from review_classifier.decomposition import Decomposition, Feature
from review_classifier.reports import render_template


@dataclass(frozen=True)
class WeightedFeature:
    """A feature of the wide part as the test split shows it."""

    text: str
    words: str  # the most common ways the test texts wrote it, lower-cased
    weight: float  # logit per unit of its TF-IDF value (coefficient x wide calibration weight)
    texts: int  # test texts it occurs in
    mean_contribution: float  # over those texts


@dataclass(frozen=True)
class ConfidentError:
    """A test text the model got wrong, and why it did."""

    text: str
    label: str
    probability: float
    explanation: Decomposition
    shown: List[Feature]  # its strongest features
    rest: float  # the other features' contributions, summed


@dataclass(frozen=True)
class VarianceSplit:
    """How the test logits' variance splits between the parts: ``cov(part, logit) / var(logit)`` adds up to 1
    (the bias is a constant), and still splits fairly when the parts are correlated."""

    logit_std: float
    wide_std: float
    deep_std: float
    correlation: Optional[float]  # of the two parts; None without a deep part
    wide_share: float
    deep_share: float


def largest_weights(
    explanations: Sequence[Decomposition], n: int
) -> Tuple[List[WeightedFeature], List[WeightedFeature]]:
    """The ``n`` features with the largest weights towards positive, and towards negative, among those the
    test texts contain (bigrams are hashed: only a text names one)."""
    seen: Dict[str, Tuple[float, Counter, List[float]]] = {}
    for explanation in explanations:
        for feature in explanation.features:
            weight, words, contributions = seen.setdefault(feature.text, (feature.weight, Counter(), []))
            words[feature.words.lower()] += 1
            contributions.append(feature.contribution)
    features = [
        WeightedFeature(
            text=text,
            words=" / ".join(written for written, _ in words.most_common(3)),
            weight=weight,
            texts=len(contributions),
            mean_contribution=float(np.mean(contributions)),
        )
        for text, (weight, words, contributions) in seen.items()
    ]
    ranked = sorted(features, key=lambda f: (-f.weight, f.text))
    return [f for f in ranked[:n] if f.weight > 0], [f for f in ranked[::-1][:n] if f.weight < 0]


def confident_errors(
    texts: Sequence[str],
    labels: np.ndarray,
    probabilities: np.ndarray,
    threshold: float,
    explanations: Sequence[Decomposition],
    n: int,
    shown: int = 8,
) -> List[ConfidentError]:
    """The ``n`` wrong answers given with the most probability to the wrong class, most confident first."""
    wrong = np.flatnonzero(predicted_classes(probabilities, threshold) != labels)
    given_to_wrong_class = np.where(labels[wrong] == 1, 1.0 - probabilities[wrong], probabilities[wrong])
    return [
        ConfidentError(
            text=texts[i],
            label=CLASS_NAMES[int(labels[i])],
            probability=float(probabilities[i]),
            explanation=explanations[i],
            shown=explanations[i].features[:shown],
            rest=sum(f.contribution for f in explanations[i].features[shown:]),
        )
        for i in wrong[np.argsort(-given_to_wrong_class, kind="stable")[:n]]
    ]


def variance_split(explanations: Sequence[Decomposition]) -> VarianceSplit:
    """The wide part's share of the test logits' variance against the deep part's (the bias is constant)."""
    wide = np.array([sum(f.contribution for f in e.features) for e in explanations])
    deep = np.array([e.deep for e in explanations])
    logit = wide + deep
    variance = float(np.var(logit))

    def share(part: np.ndarray) -> float:
        return float(np.mean((part - part.mean()) * (logit - logit.mean())) / variance) if variance else 0.0

    return VarianceSplit(
        logit_std=float(np.std(logit)),
        wide_std=float(np.std(wide)),
        deep_std=float(np.std(deep)),
        correlation=float(np.corrcoef(wide, deep)[0, 1]) if np.std(deep) > 0 and np.std(wide) > 0 else None,
        wide_share=share(wide),
        deep_share=share(deep),
    )


def explanations_html(
    texts: Sequence[str],
    labels: np.ndarray,
    probabilities: np.ndarray,
    threshold: float,
    explanations: Sequence[Decomposition],
    features: int = 15,
    errors: int = 10,
) -> str:
    """The three sections, as an HTML fragment for the report's page."""
    positive, negative = largest_weights(explanations, features)
    return render_template(
        "explanations.html",
        positive=positive,
        negative=negative,
        errors=confident_errors(texts, labels, probabilities, threshold, explanations, errors),
        split=variance_split(explanations),
        threshold=threshold,
        n_texts=len(texts),
    )
