"""The raw-text baselines of review_classifier/baseline.py alone, on the bundled dataset.

Same data path as the training pipeline's defaults (schema, stratified split with seed 0), so its test
split is the one the Keras model is scored on; the baselines read the raw text, as in the pipeline.
Last line: a JSON object of the figures.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from review_classifier.baseline import BASELINES, raw_text_baselines
from review_classifier.dataset import LABEL, TEXT, DatasetSchema, load_labelled, read_table
from review_classifier.splits import stratified_split

DATA = Path(__file__).resolve().parents[1] / "data" / "womens_clothing_ecommerce_reviews.csv.gz"


def main() -> None:
    with DATA.open("rb") as file:
        reviews, _ = load_labelled(read_table(file, DATA.name), DatasetSchema(), DATA.name)
    texts, labels = reviews[TEXT].tolist(), reviews[LABEL].to_numpy()
    parts = stratified_split(labels)
    started = time.perf_counter()
    result = raw_text_baselines(*(([texts[i] for i in rows], labels[rows]) for rows in parts))
    seconds = time.perf_counter() - started
    for name, found in result["baselines"].items():
        print(
            f"{BASELINES[name]} (C={found['C']}): validation ROC-AUC {found['validation_roc_auc']:.4f}; "
            f"test accuracy {found['accuracy']:.4f}, ROC-AUC {found['roc_auc']:.4f} on {found['n_examples']} reviews"
        )
    print(f"Best on validation: {BASELINES[result['baseline']]} ({seconds:.1f} s to fit both grids)")
    print(
        json.dumps(
            {
                "best": result["baseline"],
                "fit_seconds": round(seconds, 1),
                "baselines": {
                    name: {
                        "C": found["C"],
                        "validation_roc_auc": round(found["validation_roc_auc"], 4),
                        "test_examples": found["n_examples"],
                        "test_accuracy": round(found["accuracy"], 4),
                        "test_roc_auc": round(found["roc_auc"], 4),
                        "test_pr_auc": round(found["pr_auc"], 4),
                    }
                    for name, found in result["baselines"].items()
                },
            }
        )
    )


if __name__ == "__main__":
    main()
