"""Preprocessing throughput on the bundled dataset (reviews/s), cold word cache each time.

Last line: {"reviews": ..., "reviews_per_s": ..., "repeats": ...} (median of the repeats).
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from review_classifier.dataset import DatasetSchema, load_labelled, read_table
from review_classifier.text import TextNormalizer

DATA = Path(__file__).resolve().parents[1] / "data" / "womens_clothing_ecommerce_reviews.csv.gz"
REPEATS = 5


def main() -> None:
    with DATA.open("rb") as file:
        reviews, _ = load_labelled(read_table(file, DATA.name), DatasetSchema(), DATA.name)
    texts = reviews["text"].tolist()
    rates = []
    for i in range(REPEATS):
        normalizer = TextNormalizer()  # fresh: the word cache starts empty, as in the pipeline step
        started = time.perf_counter()
        normalizer.normalize_many(texts)
        seconds = time.perf_counter() - started
        rates.append(len(texts) / seconds)
        print(f"run {i + 1}/{REPEATS}: {len(texts)} reviews in {seconds:.3f} s = {rates[-1]:,.0f} reviews/s")
    print(json.dumps({"reviews": len(texts), "reviews_per_s": round(statistics.median(rates)), "repeats": REPEATS}))


if __name__ == "__main__":
    main()
