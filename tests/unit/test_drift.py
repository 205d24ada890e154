"""The drift comparison: profiles, the checks' statistics, and when they warn or stop."""

import random

import pytest
from pydantic import ValidationError

from review_classifier.drift import Batch, DriftSettings, Limit, Reference, compare, profile
from review_classifier.vocabulary import OOV_ID, PAD_ID, Vocabulary, VocabularySettings

WORDS = "love dress fit small size fabric soft color cute top return wear great perfect short long".split()


def reviews(seed: int, n: int) -> list[str]:
    """Normalized 'reviews': 5-25 tokens drawn from one word distribution (Zipf-like weights)."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    return [" ".join(rng.choices(WORDS, weights, k=rng.randint(5, 25))) for _ in range(n)]


VOCABULARY = Vocabulary.build(reviews(0, 500), VocabularySettings(sequence_length=20))
REFERENCE = Reference(
    profile=profile(reviews(1, 500) + ["zip broke"] * 5, VOCABULARY), empty_share=0.04, positive_rate=0.8
)


def batch(texts: list[str], empty_rows: int = 0, positive_rate: float = 0.8) -> Batch:
    return Batch(
        profile=profile(texts, VOCABULARY, REFERENCE.profile),
        rows=len(texts) + empty_rows,
        empty_rows=empty_rows,
        positive=round(positive_rate * len(texts)),
    )


def test_profile_counts_oov_as_the_model_reads_the_text() -> None:
    texts = ["love unknown dress", "", "love " * 30 + "zzz"]
    ids = VOCABULARY.encode(texts)
    found = profile(texts, VOCABULARY)
    assert found.tokens == int((ids != PAD_ID).sum()) and found.oov_tokens == int((ids == OOV_ID).sum())
    assert found.texts == 3 and sum(found.length_counts) == 3


def test_a_batch_like_the_training_data_passes() -> None:
    report = compare(REFERENCE, batch(reviews(2, 300), empty_rows=10))
    assert report.level == "ok", report.flagged()
    assert {c.name: c.level for c in report.checks} == dict.fromkeys(
        ("oov_rate", "empty_rows", "text_length", "token_distribution", "positive_rate"), "ok"
    )


def test_unknown_words_stop_the_run_and_name_the_reason() -> None:
    garbage = [" ".join(random.Random(i).choices(["qxv", "zzkj", "pwq", "love"], k=10)) for i in range(60)]
    report = compare(REFERENCE, batch(garbage))
    assert report.level == "stop"
    assert "oov_rate" in report.flagged() and "token_distribution" in report.flagged()
    assert report.flagged()["oov_rate"].startswith("OOV rate")


def test_small_batches_are_not_flagged_by_chance_and_skip_what_they_cannot_test() -> None:
    report = compare(REFERENCE, batch(["love dress", "great fit"], empty_rows=1, positive_rate=0.0))
    checks = {c.name: c for c in report.checks}
    assert report.level == "ok"
    assert checks["empty_rows"].effect > DriftSettings().empty_rows.warn and checks["empty_rows"].level == "ok"
    assert checks["positive_rate"].effect == pytest.approx(0.8) and checks["positive_rate"].level == "ok"
    assert checks["text_length"].level == "untested" and "too few" in checks["text_length"].reason


def test_limits_decide_between_warning_and_stopping() -> None:
    shorter = [" ".join(text.split()[:3]) for text in reviews(3, 300)]
    assert compare(REFERENCE, batch(shorter)).flagged().keys() >= {"text_length"}
    stopping = DriftSettings(text_length=Limit(warn=0.1, stop=0.2))
    assert {c.name: c.level for c in compare(REFERENCE, batch(shorter), stopping).checks}["text_length"] == "stop"
    silent = DriftSettings(text_length=Limit(), token_distribution=Limit())
    assert compare(REFERENCE, batch(shorter), silent).level == "ok"


def test_mostly_empty_file_stops_and_the_positive_rate_warns() -> None:
    report = compare(REFERENCE, batch(reviews(4, 10), empty_rows=190, positive_rate=0.0))
    assert report.level == "stop"
    assert {c.name: c.level for c in report.checks}["empty_rows"] == "stop"
    assert report.flagged()["positive_rate"].startswith("predicted-positive rate: 0 of 10 texts")


def test_summary_is_plain_metadata() -> None:
    summary = compare(REFERENCE, batch(reviews(5, 100))).summary()
    assert summary["verdict"] == "ok" and summary["flagged"] == {}
    assert set(summary["checks"]["oov_rate"]) == {"current", "reference", "effect", "p_value", "level"}


def test_stop_limit_below_warn_limit_is_refused() -> None:
    with pytest.raises(ValidationError, match="below the warn limit"):
        Limit(warn=0.5, stop=0.1)
