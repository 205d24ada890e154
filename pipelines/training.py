"""The training pipeline: raw reviews -> evaluated, versioned, possibly promoted model."""

from __future__ import annotations

from typing import Dict, List, Optional

from zenml import Model, pipeline

from pipelines.fingerprint import data_fingerprint
from pipelines.model_card import MODEL_CARD
from review_classifier.dataset import DatasetSchema
from review_classifier.decision import check_threshold
from review_classifier.model_settings import DEFAULT_CANDIDATES, ModelSettings
from review_classifier.names import MODEL_NAME, TRAINING_PIPELINE
from review_classifier.splits import SplitSettings
from review_classifier.text import DEFAULT_NORMALIZATIONS, NormalizationSettings
from review_classifier.vocabulary import VocabularySettings
from steps.baseline import baseline
from steps.choose_normalization import choose_normalization
from steps.evaluate import evaluate
from steps.ingest import ingest
from steps.preprocess import preprocess
from steps.promote import promote
from steps.quality_gate import quality_gate
from steps.split import split
from steps.tokenize import tokenize
from steps.train import train

#: The dataset that ships with the project (data/README.md is its card).
BUNDLED_DATA = "data/womens_clothing_ecommerce_reviews.csv.gz"
#: The run fails, and promotes nothing, below any of these test metrics.
DEFAULT_QUALITY_MINIMUMS = {"accuracy": 0.9, "roc_auc": 0.95}


@pipeline(
    name=TRAINING_PIPELINE,
    model=Model(name=MODEL_NAME, tags=["text-classification", "keras"], **MODEL_CARD),
    tags=["training"],
)
def training_pipeline(
    data_uri: str = BUNDLED_DATA,
    dataset: DatasetSchema = DatasetSchema(),
    normalizations: Optional[List[NormalizationSettings]] = None,
    split_settings: SplitSettings = SplitSettings(),
    vocabulary_settings: VocabularySettings = VocabularySettings(),
    candidates: Optional[List[ModelSettings]] = None,
    seed: int = 0,
    quality_minimums: Optional[Dict[str, float]] = None,
    promotion_metric: str = "roc_auc",
    decision_threshold: float = 0.5,
    beat_baseline: bool = True,
) -> None:
    """ingest -> preprocess (each normalization) -> choose one -> split -> tokenize -> train (and baseline)
    -> evaluate -> quality gate -> promote.

    ``decision_threshold`` belongs to the model version: checked here, before any step runs. The data's
    fingerprint is taken here too, on the client: on an unchanged re-run ZenML then takes ingest, and the
    cached steps fed only by cached steps, from the cache before it starts any step.

    Args:
        data_uri: The labelled reviews: CSV, .csv.gz or Parquet; a local path or an artifact-store URI.
        dataset: Which columns hold the text and the label, and which label values mean what.
        normalizations: Text normalizations to choose from, by the validation ROC-AUC of the first
            candidate's wide part on each. Unset: ``DEFAULT_NORMALIZATIONS``.
        split_settings: The stratified train / validation / test split.
        vocabulary_settings: Size of the vocabulary and tokens kept per text.
        candidates: Models to train; the best on validation ROC-AUC is kept. Unset: ``DEFAULT_CANDIDATES``.
        seed: Random seed of model training (weights, dropout, batch order).
        quality_minimums: Test metric -> minimum; below any, the run fails and promotes nothing.
            Unset: ``DEFAULT_QUALITY_MINIMUMS``; ``{}``: no minimum.
        promotion_metric: Test metric that decides promotion over the production version
            (and the comparison with the baseline).
        decision_threshold: P(positive) from which a review is labelled positive; stored with the version.
        beat_baseline: The quality gate also requires the model to beat the best of the raw-text
            baselines (review_classifier/baseline.py), fitted on the same splits, on ``promotion_metric``.
    """
    check_threshold(decision_threshold)
    fingerprint = data_fingerprint(data_uri)
    if fingerprint is None:  # nothing tells this version of the data from the one the cache has read
        reviews = ingest.with_options(enable_cache=False)(data_uri, fingerprint, dataset)
    else:
        reviews = ingest(data_uri, fingerprint, dataset)
    variants = list(normalizations or DEFAULT_NORMALIZATIONS)
    models = list(candidates or DEFAULT_CANDIDATES)
    corpus, normalization = choose_normalization(
        [preprocess(reviews, variant) for variant in variants], variants, split_settings, vocabulary_settings, models[0]
    )
    train_set, validation_set, test_set = split(corpus, split_settings)
    vocabulary = tokenize(train_set, validation_set, vocabulary_settings, normalization)
    model, training_summary = train(train_set, validation_set, vocabulary, models, seed)
    baseline_metrics = baseline(train_set, validation_set, test_set, decision_threshold)
    test_metrics, _report = evaluate(
        model, vocabulary, test_set, training_summary, baseline_metrics, decision_threshold
    )
    minimums = DEFAULT_QUALITY_MINIMUMS if quality_minimums is None else quality_minimums
    quality_gate(test_metrics, minimums, baseline_metrics, beat_baseline, promotion_metric)
    promote(test_metrics, test_set, promotion_metric, after="quality_gate")
