"""The training pipeline: raw reviews -> evaluated, versioned, possibly promoted model."""

from __future__ import annotations

from typing import Dict, List, Optional

from zenml import Model, pipeline

from review_classifier.dataset import DatasetSchema
from review_classifier.model import ModelSettings
from review_classifier.names import MODEL_NAME, TRAINING_PIPELINE
from review_classifier.splits import SplitSettings
from review_classifier.text import NormalizationSettings
from review_classifier.vocabulary import VocabularySettings
from steps import evaluate, ingest, preprocess, promote, quality_gate, split, tokenize, train


@pipeline(
    name=TRAINING_PIPELINE,
    model=Model(
        name=MODEL_NAME,
        description="Recommends/does not recommend classifier for customer reviews (Keras wide & deep).",
        license="Apache-2.0",
        tags=["text-classification", "keras"],
    ),
    tags=["training"],
)
def training_pipeline(
    data_uri: str,
    dataset: DatasetSchema = DatasetSchema(),
    normalization: NormalizationSettings = NormalizationSettings(),
    split_settings: SplitSettings = SplitSettings(),
    vocabulary_settings: VocabularySettings = VocabularySettings(),
    candidates: Optional[List[ModelSettings]] = None,
    seed: int = 0,
    quality_minimums: Optional[Dict[str, float]] = None,
    promotion_metric: str = "roc_auc",
) -> None:
    """ingest -> preprocess -> split -> tokenize -> train -> evaluate -> quality gate -> promote."""
    reviews = ingest(data_uri, dataset)
    corpus = preprocess(reviews, normalization)
    train_set, validation_set, test_set = split(corpus, split_settings)
    vocabulary = tokenize(train_set, validation_set, vocabulary_settings, normalization)
    model, training_summary = train(train_set, validation_set, vocabulary, candidates or [ModelSettings()], seed)
    test_metrics, _report = evaluate(model, vocabulary, test_set, training_summary)
    quality_gate(test_metrics, quality_minimums or {})
    promote(test_metrics, test_set, promotion_metric, after="quality_gate")
