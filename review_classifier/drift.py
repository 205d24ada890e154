"""Drift between the texts a model was trained on and a new batch: compact profiles and their comparison.

Training stores a :class:`TextProfile` of its validation split (a few hundred numbers, not the
data); batch inference profiles the new texts the same way and :func:`compare` sets the two side
by side. A check flags a difference only when it is both large (its effect reaches the warn or
stop limit) and unlikely to be chance (its p-value is under ``alpha``): a five-row file cannot trip
a check by noise, and a huge file cannot trip one with a trivial difference.
"""

from __future__ import annotations

from collections import Counter
from typing import Dict, List, Literal, Optional, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy.spatial.distance import jensenshannon
from scipy.stats import binomtest, chisquare

from review_classifier.vocabulary import Vocabulary

#: Reference tokens whose frequency is kept one by one; the rest are pooled.
PROFILE_TOKENS = 200
#: Text-length bins, cut at the reference's quantiles so each holds about the same share.
LENGTH_BINS = 10
#: Chi-square's rule of thumb: a bin is only tested when it expects at least this many.
MIN_EXPECTED = 5

#: The checks, in the order they are reported.
CHECKS = ("oov_rate", "empty_rows", "text_length", "token_distribution", "positive_rate")

Level = Literal["ok", "warn", "stop", "untested"]
_SEVERITY = {"untested": 0, "ok": 0, "warn": 1, "stop": 2}


class TextProfile(BaseModel):
    """What drift is measured on: token counts, OOV tokens, and text lengths in bins."""

    model_config = ConfigDict(frozen=True)

    texts: int
    tokens: int = Field(description="Tokens the model reads (the first sequence_length of each text).")
    oov_tokens: int
    length_edges: List[int] = Field(description="Inclusive upper edges of the length bins; the last bin is open.")
    length_counts: List[int]
    token_counts: Dict[str, int] = Field(description="Counts of the reference's most frequent tokens.")

    @property
    def oov_rate(self) -> float:
        return self.oov_tokens / self.tokens if self.tokens else 0.0


def profile(token_texts: Sequence[str], vocabulary: Vocabulary, reference: Optional[TextProfile] = None) -> TextProfile:
    """Profile normalized texts; with a ``reference``, in its length bins and over its tokens.

    OOV tokens are counted as the model meets them (the first ``sequence_length``
    tokens of each text), so the rate is the one the vocabulary step reports.
    """
    known = set(vocabulary.tokens)
    counts: Counter = Counter()
    lengths = np.zeros(len(token_texts), dtype=np.int64)
    for row, text in enumerate(token_texts):
        tokens = text.split()
        lengths[row] = len(tokens)
        counts.update(tokens[: vocabulary.sequence_length])
    oov = sum(c for t, c in counts.items() if t not in known)
    if reference is None:
        edges = np.unique(np.quantile(lengths, np.linspace(0, 1, LENGTH_BINS + 1)[1:-1], method="lower"))
        top = [t for t, _ in sorted(((t, c) for t, c in counts.items() if t in known), key=lambda x: (-x[1], x[0]))]
        top = top[:PROFILE_TOKENS]
    else:
        edges, top = np.asarray(reference.length_edges), list(reference.token_counts)
    bins = np.searchsorted(edges, lengths, side="left")
    return TextProfile(
        texts=len(token_texts),
        tokens=sum(counts.values()),
        oov_tokens=oov,
        length_edges=[int(e) for e in edges],
        length_counts=np.bincount(bins, minlength=len(edges) + 1).tolist(),
        token_counts={t: counts[t] for t in top},
    )


class Limit(BaseModel):
    """Effect sizes from which a check warns, or stops the run; ``None`` never does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    warn: Optional[float] = Field(None, ge=0, description="Effect from which the check warns; the run goes on.")
    stop: Optional[float] = Field(None, ge=0, description="Effect from which the check stops the run.")

    @model_validator(mode="after")
    def _ordered(self) -> "Limit":
        if self.warn is not None and self.stop is not None and self.stop < self.warn:
            raise ValueError(f"stop limit {self.stop} is below the warn limit {self.warn}")
        return self


class DriftSettings(BaseModel):
    """Thresholds of each check. Effects: a rise in OOV rate or empty share, a Jensen-Shannon
    distance (0 = same, 1 = disjoint) for lengths and tokens, an absolute change of the
    predicted-positive rate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alpha: float = Field(
        0.01,
        gt=0,
        lt=1,
        description="Chance of any false alarm on a batch like the training data; each of the five checks "
        "gets alpha / 5 (Bonferroni).",
    )
    oov_rate: Limit = Field(
        Limit(warn=0.05, stop=0.25), description="Rise of the share of tokens the vocabulary does not know."
    )
    empty_rows: Limit = Field(Limit(warn=0.1, stop=0.9), description="Rise of the share of rows with no text.")
    text_length: Limit = Field(Limit(warn=0.2), description="Distance between the tokens-per-text distributions.")
    token_distribution: Limit = Field(
        Limit(warn=0.2, stop=0.4), description="Distance between the distributions of training's frequent tokens."
    )
    positive_rate: Limit = Field(Limit(warn=0.2), description="Absolute change of the predicted-positive rate.")


class Reference(BaseModel):
    """The production version's side: its validation profile, training's empty share, test's positive rate."""

    profile: TextProfile
    empty_share: float = Field(ge=0, le=1)
    positive_rate: float = Field(ge=0, le=1)


class Batch(BaseModel):
    """The new file's side: the profile of its non-empty texts, its empty rows, the predicted positives."""

    profile: TextProfile
    rows: int
    empty_rows: int
    positive: int = Field(description="Non-empty texts the model labels positive at its decision threshold.")


class Check(BaseModel):
    name: str
    measure: str
    current: Optional[float] = None
    reference: Optional[float] = None
    effect: Optional[float] = None
    p_value: Optional[float] = None
    level: Level
    reason: str


class DriftReport(BaseModel):
    rows: int
    checks: List[Check]

    @property
    def level(self) -> Level:
        worst = max(self.checks, key=lambda c: _SEVERITY[c.level])
        return worst.level if worst.level in ("warn", "stop") else "ok"

    def flagged(self) -> Dict[str, str]:
        """Name -> reason of every check that warns or stops."""
        return {c.name: c.reason for c in self.checks if c.level in ("warn", "stop")}

    def summary(self) -> Dict[str, object]:
        """The verdict, the reasons and every check's figures, in a shape ZenML stores as metadata."""
        return {
            "verdict": self.level,
            "flagged": self.flagged(),
            "checks": {c.name: c.model_dump(exclude={"name", "measure", "reason"}) for c in self.checks},
        }


def _judge(
    name: str,
    measure: str,
    figure: str,
    values: tuple[float, float, float, float],
    limit: Limit,
    alpha: float,
) -> Check:
    """Warn or stop when the effect reaches a limit and the p-value is under ``alpha``.

    ``values`` are (current, reference, effect, p-value); ``figure`` says them in words.
    """
    current, reference, effect, p_value = values
    level: Level = "ok"
    if p_value < alpha:
        if limit.stop is not None and effect >= limit.stop:
            level = "stop"
        elif limit.warn is not None and effect >= limit.warn:
            level = "warn"
    limits = ", ".join(f"{k} at {v:g}" for k, v in (("warn", limit.warn), ("stop", limit.stop)) if v is not None)
    reason = f"{measure}: {figure} ({limits or 'no limit'}; p-value {p_value:.2g})"
    return Check(
        name=name,
        measure=measure,
        current=current,
        reference=reference,
        effect=effect,
        p_value=p_value,
        level=level,
        reason=reason,
    )


def _untested(name: str, measure: str, why: str) -> Check:
    return Check(name=name, measure=measure, level="untested", reason=f"{measure}: not tested, {why}")


def _distribution(
    name: str, measure: str, reference: np.ndarray, current: np.ndarray, limit: Limit, alpha: float
) -> Check:
    """Chi-square goodness of fit of ``current`` counts to ``reference`` shares, bins pooled to expect >= 5."""
    n = int(current.sum())
    shares = reference / reference.sum()
    order = np.argsort(-shares, kind="stable")
    alone = [i for i in order if shares[i] * n >= MIN_EXPECTED]
    pooled = [i for i in order if shares[i] * n < MIN_EXPECTED]
    groups = [[i] for i in alone]
    if pooled:
        if shares[pooled].sum() * n >= MIN_EXPECTED or not groups:
            groups.append(pooled)
        else:
            groups[-1] += pooled
    if len(groups) < 2 or shares[groups[-1]].sum() * n < MIN_EXPECTED:
        needed = int(np.ceil(MIN_EXPECTED / np.sort(shares)[-2]))
        return _untested(name, measure, f"{n} observed, too few for a chi-square test (needs about {needed})")
    expected = np.array([shares[g].sum() for g in groups])
    observed = np.array([current[g].sum() for g in groups], dtype=float)
    p_value = float(chisquare(observed, expected * n).pvalue)
    distance = float(jensenshannon(expected, observed / n, base=2))
    figure = f"distance {distance:.3f} from training's, over {n} observed"
    return _judge(name, measure, figure, (distance, 0.0, distance, p_value), limit, alpha)


def _tokens(profile: TextProfile) -> np.ndarray:
    """Counts of each reference token, then of the other known tokens, then of OOV tokens."""
    top = np.array(list(profile.token_counts.values()), dtype=float)
    others = profile.tokens - profile.oov_tokens - top.sum()
    return np.append(top, [others, profile.oov_tokens])


def compare(reference: Reference, batch: Batch, settings: DriftSettings = DriftSettings()) -> DriftReport:
    """Every check of the new batch against the production version's training data."""
    alpha, ref, new = settings.alpha / len(CHECKS), reference.profile, batch.profile
    checks = []
    measure = "OOV rate (share of tokens the vocabulary does not know)"
    if new.tokens:
        p_value = binomtest(new.oov_tokens, new.tokens, ref.oov_rate, alternative="greater").pvalue
        rise = new.oov_rate - ref.oov_rate
        figure = f"{new.oov_rate:.1%} of {new.tokens} tokens against {ref.oov_rate:.1%} on validation"
        values = (new.oov_rate, ref.oov_rate, rise, p_value)
        checks.append(_judge("oov_rate", measure, figure, values, settings.oov_rate, alpha))
    else:
        checks.append(_untested("oov_rate", measure, "no text has a token"))
    measure = "share of empty rows"
    if batch.rows:
        share = batch.empty_rows / batch.rows
        p_value = binomtest(batch.empty_rows, batch.rows, reference.empty_share, alternative="greater").pvalue
        figure = (
            f"{batch.empty_rows} of {batch.rows} rows ({share:.1%}) against {reference.empty_share:.1%} in training"
        )
        values = (share, reference.empty_share, share - reference.empty_share, p_value)
        checks.append(_judge("empty_rows", measure, figure, values, settings.empty_rows, alpha))
    else:
        checks.append(_untested("empty_rows", measure, "the file has no row"))
    checks.append(
        _distribution(
            "text_length",
            "text-length distribution (Jensen-Shannon distance over tokens-per-text bins)",
            np.array(ref.length_counts, dtype=float),
            np.array(new.length_counts, dtype=float),
            settings.text_length,
            alpha,
        )
    )
    checks.append(
        _distribution(
            "token_distribution",
            "token distribution (Jensen-Shannon distance over the training's frequent tokens, others, OOV)",
            _tokens(ref),
            _tokens(new),
            settings.token_distribution,
            alpha,
        )
    )
    measure = "predicted-positive rate"
    if new.texts:
        rate = batch.positive / new.texts
        p_value = binomtest(batch.positive, new.texts, reference.positive_rate).pvalue
        figure = f"{batch.positive} of {new.texts} texts ({rate:.1%}) against {reference.positive_rate:.1%} on test"
        values = (rate, reference.positive_rate, abs(rate - reference.positive_rate), p_value)
        checks.append(_judge("positive_rate", measure, figure, values, settings.positive_rate, alpha))
    else:
        checks.append(_untested("positive_rate", measure, "no text to predict"))
    return DriftReport(rows=batch.rows, checks=checks)
