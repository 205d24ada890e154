"""The vocabulary: normalized tokens <-> integer ids, stored as plain JSON.

It is a pydantic model so ZenML stores it as a readable JSON artifact and the
BentoML service loads it without unpickling anything.
"""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from typing import Dict, Iterable, List

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from review_classifier.text import NormalizationSettings

PAD_ID = 0
OOV_ID = 1


class VocabularySettings(BaseModel):
    """How large the vocabulary is and how long an encoded text is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_size: int = Field(20000, ge=3, description="Ids in total, padding and OOV included.")
    sequence_length: int = Field(64, gt=0, description="Tokens kept per text (the first ones).")
    min_count: int = Field(
        2,
        ge=1,
        description="Rarer tokens map to the OOV id: a token seen once gives the embedding one example to learn "
        "from, and the wide part ignores it anyway (wide_min_df).",
    )


class Vocabulary(BaseModel):
    """Token list whose position is the id; 0 is padding, 1 the OOV token.

    It also records the normalization its tokens came from, so whoever encodes
    a raw text with it (batch inference, the HTTP service) normalizes it the
    same way training did.
    """

    model_config = ConfigDict(frozen=True)

    normalization: NormalizationSettings = NormalizationSettings()
    sequence_length: int = Field(gt=0, description="Length every encoded text is padded/cut to.")
    tokens: List[str] = Field(description="Known tokens, most frequent first; id = index + 2.")

    @classmethod
    def build(
        cls,
        corpus: Iterable[str],
        settings: VocabularySettings = VocabularySettings(),
        normalization: NormalizationSettings = NormalizationSettings(),
    ) -> "Vocabulary":
        """Keep the ``max_size - 2`` most frequent tokens (ties broken alphabetically).

        ``corpus`` is normalized texts (space-separated tokens). Deterministic,
        so the same corpus always yields the same ids.
        """
        counts = Counter(token for text in corpus for token in text.split())
        ranked = sorted((t for t, c in counts.items() if c >= settings.min_count), key=lambda t: (-counts[t], t))
        return cls(
            normalization=normalization,
            sequence_length=settings.sequence_length,
            tokens=ranked[: settings.max_size - 2],
        )

    @property
    def size(self) -> int:
        """Number of ids, padding and OOV included (the embedding's input_dim)."""
        return len(self.tokens) + 2

    @cached_property
    def _ids(self) -> Dict[str, int]:
        return {token: i + 2 for i, token in enumerate(self.tokens)}

    def encode(self, texts: Iterable[str]) -> np.ndarray:
        """Normalized texts -> int32 array (n, sequence_length), first tokens kept, zero-padded."""
        texts = list(texts)
        out = np.full((len(texts), self.sequence_length), PAD_ID, dtype=np.int32)
        get = self._ids.get
        for row, text in enumerate(texts):
            ids = [get(token, OOV_ID) for token in text.split()[: self.sequence_length]]
            out[row, : len(ids)] = ids
        return out
