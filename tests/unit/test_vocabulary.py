"""The vocabulary artifact: ids, padding, OOV and its JSON form."""

import json

import numpy as np

from review_classifier.text import NormalizationSettings
from review_classifier.vocabulary import OOV_ID, PAD_ID, Vocabulary, VocabularySettings

CORPUS = ["love dress love", "dress small", "love fabric", "zip broke"]


def test_most_frequent_tokens_first_ties_alphabetical() -> None:
    vocabulary = Vocabulary.build(CORPUS, VocabularySettings(max_size=5, sequence_length=4, min_count=1))
    assert vocabulary.tokens == ["love", "dress", "broke"]
    assert vocabulary.size == 5


def test_encode_pads_cuts_and_maps_unknown_tokens() -> None:
    vocabulary = Vocabulary.build(CORPUS, VocabularySettings(max_size=5, sequence_length=4, min_count=1))
    ids = vocabulary.encode(["love unknown dress", "", "love love love love love"])
    assert ids.dtype == np.int32 and ids.shape == (3, 4)
    assert ids[0].tolist() == [2, OOV_ID, 3, PAD_ID]
    assert ids[1].tolist() == [PAD_ID] * 4
    assert ids[2].tolist() == [2, 2, 2, 2]


def test_tokens_seen_once_are_oov_by_default() -> None:
    vocabulary = Vocabulary.build(CORPUS, VocabularySettings(sequence_length=3))
    assert vocabulary.tokens == ["love", "dress"]
    assert vocabulary.encode(["zip"])[0, 0] == OOV_ID


def test_json_round_trip_keeps_ids_and_normalization() -> None:
    normalization = NormalizationSettings(keep_negations=False, stem=False)
    vocabulary = Vocabulary.build(CORPUS, VocabularySettings(sequence_length=6), normalization)
    text = vocabulary.model_dump_json()
    assert json.loads(text)["tokens"][:2] == ["love", "dress"]
    restored = Vocabulary.model_validate_json(text)
    assert restored == vocabulary
    assert restored.normalization == normalization
    np.testing.assert_array_equal(restored.encode(CORPUS), vocabulary.encode(CORPUS))
