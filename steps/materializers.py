"""Materializers the steps pass explicitly, so nothing falls back to pickle."""

from __future__ import annotations

import hashlib
from typing import Dict, Optional, Type, Union

import pandas as pd
from zenml.integrations.pandas.materializers.pandas_materializer import PandasMaterializer


class ContentHashedPandasMaterializer(PandasMaterializer):
    """ZenML's pandas materializer plus a content hash.

    With the hash, ZenML's step cache keys a downstream step on the *data*
    (same reviews -> cache hit; an edited file -> recompute) instead of on the
    artifact's ID, which is new on every run.
    """

    def compute_content_hash(self, data: Union[pd.DataFrame, pd.Series]) -> Optional[str]:
        digest = hashlib.sha256()
        digest.update(repr(list(data.columns) if isinstance(data, pd.DataFrame) else [data.name]).encode())
        digest.update(repr(list(map(str, data.dtypes if isinstance(data, pd.DataFrame) else [data.dtype]))).encode())
        digest.update(pd.util.hash_pandas_object(data, index=True).to_numpy().tobytes())
        return digest.hexdigest()


def for_each_output(materializer: Type, *outputs: str) -> Dict[str, Type]:
    """``output_materializers`` naming ``materializer`` for each output of a step with several.

    Not the class alone: given one class, ZenML 0.98 lists the outputs in the order of a set of
    their names, which changes with each process's string hashing, and the cache key follows
    that order, so the step would never be a cache hit in a new process.
    """
    return dict.fromkeys(outputs, materializer)
