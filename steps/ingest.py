"""Step 1: read the labelled reviews from a local path or any artifact-store URI."""

from __future__ import annotations

import logging
import os
from typing import Annotated, Optional

import pandas as pd
from zenml import ArtifactConfig, log_metadata, step
from zenml.io import fileio
from zenml.utils import source_utils

from review_classifier.dataset import LABEL, DatasetSchema, DataValidationError, load_labelled, read_table
from steps.caching import project_code_policy
from steps.materializers import ContentHashedPandasMaterializer

logger = logging.getLogger(__name__)


def resolve_uri(data_uri: str) -> str:
    """Relative local paths are relative to the project root, wherever the step runs."""
    if "://" in data_uri or os.path.isabs(data_uri):
        return data_uri
    return os.path.join(source_utils.get_source_root(), data_uri)


def read_uri(data_uri: str) -> pd.DataFrame:
    """Open ``data_uri`` through ZenML's filesystem layer (local, gs://, s3://...)."""
    uri = resolve_uri(data_uri)
    if not fileio.exists(uri):
        raise DataValidationError(f"{data_uri}: file not found")
    with fileio.open(uri, "rb") as file:
        return read_table(file, data_uri)


@step(cache_policy=project_code_policy(__name__), output_materializers=ContentHashedPandasMaterializer)
def ingest(
    data_uri: str, data_fingerprint: Optional[str], dataset: DatasetSchema = DatasetSchema()
) -> Annotated[pd.DataFrame, ArtifactConfig(name="reviews", tags=["data"])]:
    """Validated reviews: one ``text`` and one 0/1 ``label`` per row.

    ``data_fingerprint`` is not read: it puts the version of the data at ``data_uri`` in the cache key
    (pipelines/fingerprint.py), since the path may stay the same while the file changes. Required, so no
    caller leaves it out by mistake; where it is None, the caller switches this step's cache off.
    """
    frame = read_uri(data_uri)
    reviews, dropped = load_labelled(frame, dataset, data_uri)
    counts = reviews[LABEL].value_counts()
    logger.info(
        "Read %d rows from %s; kept %d, dropped %d with empty text; %d positive, %d negative",
        len(frame),
        data_uri,
        len(reviews),
        dropped,
        counts.get(1, 0),
        counts.get(0, 0),
    )
    log_metadata(
        metadata={
            "source": data_uri,
            "rows_read": len(frame),
            "rows_kept": len(reviews),
            "rows_dropped_empty_text": dropped,
            "positive": int(counts.get(1, 0)),
            "negative": int(counts.get(0, 0)),
        },
        infer_artifact=True,
        artifact_name="reviews",
    )
    return reviews
