"""Explanations: bias + deep + the features' contributions is the model's logit, for every text of a test split,
and its sigmoid the probability of the one prediction path; features are named in the text's own words; the
batch predictions' strongest features and the evaluation report's sections."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from review_classifier.dataset import LABEL, TEXT, DatasetSchema, load_labelled
from review_classifier.explain import (
    NEGATIVE_FEATURES,
    POSITIVE_FEATURES,
    UNKNOWN,
    Explainer,
    features_json,
    with_strongest_features,
)
from review_classifier.inference import ReviewClassifier, predict_table
from review_classifier.model import WIDE_LOGIT
from review_classifier.model_settings import ModelSettings
from review_classifier.reports.explanations import confident_errors, explanations_html, largest_weights, variance_split
from tests.conftest import BUNDLED_DATA
from tests.unit.small_models import train_small

SMALL = ModelSettings(
    embedding_dim=8, recurrent_units=4, dense_units=8, bigram_buckets=4096, epochs=2, batch_size=64, wide_c=[1.0]
)
LINEAR = SMALL.model_copy(update={"deep": False})


@pytest.fixture(scope="module")
def reviews() -> pd.DataFrame:
    """1,200 bundled reviews, as text and label."""
    table, _ = load_labelled(pd.read_csv(BUNDLED_DATA, nrows=1200), DatasetSchema(), str(BUNDLED_DATA))
    return table.reset_index(drop=True)


@pytest.fixture(scope="module")
def trained(reviews: pd.DataFrame):
    """A small wide & deep model and the linear one, trained on the train split; and the test split."""
    vocabulary, candidates, _, splits = train_small(reviews, [SMALL, LINEAR], max_vocabulary=2000)
    classifiers = {c.settings.deep: ReviewClassifier(c.model, vocabulary) for c in candidates}
    return classifiers, reviews.iloc[splits.test]


def assert_exact(classifier: ReviewClassifier, texts: list) -> list:
    explanations = Explainer(classifier, batch_size=50).explain(texts)
    logits = np.array([e.logit for e in explanations])
    sums = np.array([e.bias + e.deep + sum(f.contribution for f in e.features) for e in explanations])
    np.testing.assert_allclose(sums, logits, atol=1e-9, rtol=0)  # float64 throughout: exact but for 1e-15s
    np.testing.assert_allclose(expit(logits), classifier.predict_proba(texts), atol=1e-6, rtol=0)
    for e in explanations:
        assert [abs(f.contribution) for f in e.features] == sorted(
            (abs(f.contribution) for f in e.features), reverse=True
        )
        assert all(f.contribution == pytest.approx(f.value * f.weight) for f in e.features)
    return explanations


@pytest.mark.parametrize("deep", [True, False], ids=["wide-and-deep", "linear"])
def test_bias_deep_and_features_add_up_to_the_logit_on_the_whole_test_split(trained, deep: bool) -> None:
    classifiers, test = trained
    explanations = assert_exact(classifiers[deep], test[TEXT].tolist())
    assert len(explanations) == len(test) > 200
    deeps = np.array([e.deep for e in explanations])
    assert (deeps != 0).any() if deep else (deeps == 0).all()
    assert all(e.features for e in explanations)
    assert any(" " in f.text for e in explanations for f in e.features)  # bigrams are explained too


def test_the_decomposition_follows_any_wide_weights(trained) -> None:
    """Another fit of the wide part (say naive-Bayes weighting folded into idf and coef) stays exact: nothing
    is recomputed from how the weights were fitted."""
    classifiers, test = trained
    classifier = classifiers[True]
    layer = classifier.model.get_layer(WIDE_LOGIT)
    fitted = layer.get_weights()
    rng = np.random.default_rng(0)
    try:
        idf, coef, bias = fitted
        layer.set_weights([idf * rng.uniform(0.5, 2.0, idf.shape).astype("float32"), coef * 3.0 - 0.1, bias + 1.0])
        assert_exact(ReviewClassifier(classifier.model, classifier.vocabulary), test[TEXT].head(100).tolist())
    finally:
        layer.set_weights(fitted)


def test_features_are_named_in_the_texts_own_words(trained) -> None:
    classifiers, _ = trained
    classifier = classifiers[True]
    text = "Love this dress! It FITS perfectly, zzqxv zzqxv."
    (explanation,) = Explainer(classifier).explain([text])
    by_text = {f.text: f for f in explanation.features}
    assert by_text["love"].words == "Love"
    assert by_text["fit"].words == "FITS"
    assert by_text["love dress"].words == "Love this dress"  # a bigram by its tokens, stopwords between them shown
    assert by_text["fit perfectli"].words == "FITS perfectly"
    assert by_text[UNKNOWN].words == "zzqxv"  # one unknown id, however often it occurs
    assert by_text[f"perfectli {UNKNOWN}"].words == "perfectly, zzqxv"
    assert by_text[f"{UNKNOWN} {UNKNOWN}"].words == "zzqxv zzqxv"
    assert explanation.strongest(2, positive=True)[0].contribution > 0
    assert all(f.contribution < 0 for f in explanation.strongest(3, positive=False))


def test_batch_predictions_get_the_strongest_features_only_when_asked(trained) -> None:
    classifiers, test = trained
    classifier = classifiers[True]
    texts = pd.DataFrame({TEXT: [test[TEXT].iloc[0], ""]})
    predictions = predict_table(classifier, texts, "1", 0.5)
    assert with_strongest_features(predictions, classifier, 0) is predictions
    with pytest.raises(ValueError, match="explain_top_k must be 0 \\(no features\\) or more, got -1"):
        with_strongest_features(predictions, classifier, -1)
    found = with_strongest_features(predictions, classifier, 1)
    (explanation,) = Explainer(classifier).explain(texts[TEXT].head(1).tolist())
    assert found[POSITIVE_FEATURES][0] == features_json(explanation.strongest(1, True))
    assert found[NEGATIVE_FEATURES][0] == features_json(explanation.strongest(1, False))
    assert found[[POSITIVE_FEATURES, NEGATIVE_FEATURES]].isna().values.tolist() == [[False, False], [True, True]]
    assert json.loads(found[POSITIVE_FEATURES][0])[0]["contribution"] > 0


@pytest.mark.parametrize("deep", [True, False], ids=["wide-and-deep", "linear"])
def test_the_report_shows_the_largest_weights_the_worst_errors_and_the_parts_shares(trained, deep: bool) -> None:
    classifiers, test = trained
    classifier = classifiers[deep]
    planted = "<b>Love</b> this dress, perfect fit, gorgeous & flattering"  # a positive text labelled negative
    texts = [planted, *test[TEXT]]
    labels = np.array([0, *test[LABEL]])
    probabilities = classifier.predict_proba(texts)
    explanations = Explainer(classifier).explain(texts)

    split = variance_split(explanations)
    assert split.wide_share + split.deep_share == pytest.approx(1.0)
    assert (split.deep_share != 0 and split.correlation is not None) if deep else split.deep_share == 0
    assert split.correlation is None or -1 <= split.correlation <= 1

    positive, negative = largest_weights(explanations, 5)
    assert len(positive) == len(negative) == 5
    assert [f.weight for f in positive] == sorted((f.weight for f in positive), reverse=True)
    assert [f.weight for f in negative] == sorted(f.weight for f in negative)
    weights = [f.weight for e in explanations for f in e.features]
    assert (max(weights), min(weights)) == (positive[0].weight, negative[0].weight)
    assert positive[-1].weight > 0 > negative[-1].weight

    errors = confident_errors(texts, labels, probabilities, 0.5, explanations, 5)
    assert errors[0].text == planted and errors[0].label == "negative"
    wrong_class = [1 - e.probability if e.label == "positive" else e.probability for e in errors]
    assert wrong_class == sorted(wrong_class, reverse=True) and min(wrong_class) > 0.5
    for error in errors:
        shown = sum(f.contribution for f in error.shown)
        assert error.explanation.bias + error.explanation.deep + shown + error.rest == pytest.approx(
            error.explanation.logit, abs=1e-9
        )

    html = explanations_html(texts, labels, probabilities, 0.5, explanations)
    for heading in ("features with the largest weights", "Wide against deep", "most confident errors"):
        assert heading in html
    assert "&lt;b&gt;Love&lt;/b&gt; this dress" in html and "<b>Love" not in html
    assert f"{100 * split.wide_share:.1f} %" in html
