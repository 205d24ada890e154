"""Thin ZenML steps around the pure logic in :mod:`review_classifier`."""

from steps.baseline import baseline
from steps.choose_normalization import choose_normalization
from steps.evaluate import evaluate, quality_gate
from steps.ingest import ingest
from steps.preprocess import preprocess
from steps.promote import promote
from steps.split import split
from steps.tokenize import tokenize
from steps.train import train

__all__ = [
    "baseline",
    "choose_normalization",
    "evaluate",
    "ingest",
    "preprocess",
    "promote",
    "quality_gate",
    "split",
    "tokenize",
    "train",
]
