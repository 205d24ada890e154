"""The classical baseline alone on the bundled dataset: TF-IDF + logistic regression.

Same data path as the training pipeline's defaults (schema, NLTK normalization, stratified
split with seed 0), so its test split is the one the Keras model is scored on.
Last line: a JSON object of the figures.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from review_classifier.baseline import tfidf_baseline
from review_classifier.dataset import LABEL, TEXT, DatasetSchema, load_labelled, read_table
from review_classifier.splits import stratified_split
from review_classifier.text import TextNormalizer

DATA = Path(__file__).resolve().parents[1] / "data" / "womens_clothing_ecommerce_reviews.csv.gz"


def main() -> None:
    with DATA.open("rb") as file:
        reviews, _ = load_labelled(read_table(file, DATA.name), DatasetSchema(), DATA.name)
    tokens = TextNormalizer().normalize_many(reviews[TEXT].tolist())
    labels = reviews[LABEL].to_numpy()
    parts = stratified_split(labels)
    started = time.perf_counter()
    result = tfidf_baseline(*(([tokens[i] for i in rows], labels[rows]) for rows in parts))
    seconds = time.perf_counter() - started
    print(
        f"TF-IDF + logistic regression (C={result['C']}): test accuracy {result['accuracy']:.4f}, "
        f"ROC-AUC {result['roc_auc']:.4f} on {result['n_examples']} reviews ({seconds:.1f} s to fit the grid)"
    )
    print(
        json.dumps(
            {
                "model": "tfidf_logistic_regression",
                "C": result["C"],
                "validation_roc_auc": round(result["validation_roc_auc"], 4),
                "test_examples": result["n_examples"],
                "test_accuracy": round(result["accuracy"], 4),
                "test_roc_auc": round(result["roc_auc"], 4),
                "test_pr_auc": round(result["pr_auc"], 4),
                "fit_seconds": round(seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
