"""Normalization: what the model sees of a review."""

import pytest

from review_classifier.text import NormalizationSettings, TextNormalizer, _WordCache, load_stopwords, negation_words


@pytest.fixture(scope="module")
def normalizer() -> TextNormalizer:
    return TextNormalizer()


def test_lowercases_keeps_letters_only_and_stems(normalizer: TextNormalizer) -> None:
    assert normalizer.normalize("LOVED the Dresses!!! 5'8\", size #4...") == "love dress size"


def test_punctuation_and_digits_are_separators(normalizer: TextNormalizer) -> None:
    assert normalizer.normalize("fabric-softness:great;colors,gorgeous").split() == [
        "fabric",
        "soft",
        "great",
        "color",
        "gorgeou",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I didn't like it", "not like"),
        ("It isn’t great", "not great"),  # typographic apostrophe
        ("can't wear it", "not wear"),  # "can", "will" are stopwords
        ("won't return it", "not return"),
        ("no, not nor", "no not nor"),
        ("didn t fit", "didn fit"),  # apostrophe lost upstream
    ],
)
def test_negations_are_kept_by_default(normalizer: TextNormalizer, text: str, expected: str) -> None:
    assert normalizer.normalize(text) == expected


def test_negations_can_be_removed() -> None:
    strict = TextNormalizer(NormalizationSettings(keep_negations=False))
    assert strict.normalize("I didn't like it, not at all") == "like"


def test_sentiment_stopwords_are_configurable() -> None:
    assert TextNormalizer().normalize("too small but cute") == "too small but cute"
    plain = TextNormalizer(NormalizationSettings(keep_words=[]))
    assert plain.normalize("too small but cute") == "small cute"


def test_stopword_removal_can_be_switched_off() -> None:
    every_word = TextNormalizer(NormalizationSettings(remove_stopwords=False))
    assert every_word.normalize("It is what it is, and I didn't") == "it is what it is and i did not"


def test_stemming_can_be_switched_off() -> None:
    assert TextNormalizer(NormalizationSettings(stem=False)).normalize("Loved dresses") == "loved dresses"


def test_empty_and_stopword_only_texts_give_no_tokens(normalizer: TextNormalizer) -> None:
    assert normalizer.normalize("") == ""
    assert normalizer.normalize("It is what it is.") == ""


def test_bundled_stopword_list_is_nltks_english_list() -> None:
    words = load_stopwords("english")
    assert len(words) == 178 and {"the", "and", "don't", "not"} <= words
    assert {"no", "nor", "not", "didn't", "didn", "isn't", "isn", "ain"} <= negation_words(words)
    assert not {"did", "is", "the"} & negation_words(words)


def test_cache_gives_the_same_result_as_a_fresh_normalizer(normalizer: TextNormalizer) -> None:
    text = "Runs small; the fabric wasn't what I expected, returning it."
    first = normalizer.normalize(text)
    assert normalizer.normalize(text) == first == TextNormalizer().normalize(text)
    assert normalizer.normalize_many([text, ""]) == [first, ""]


def test_word_cache_stays_bounded_and_correct() -> None:
    """A service sees unbounded new words: the cache starts over instead of growing forever."""
    cache = _WordCache(str.upper, max_size=3)
    words = ["a", "b", "c", "d", "e", "a"]
    assert [cache[w] for w in words] == ["A", "B", "C", "D", "E", "A"]
    assert len(cache) <= 3


@pytest.mark.parametrize(
    "text",
    [
        "Runs small; the fabric WASN'T what I expected, returning it.",
        "İstanbul dress: LOVED it!!  can't   wait",  # lower-casing lengthens "İ": spans then point into the lower case
        "",
        "It is what it is.",
    ],
)
def test_tokens_of_are_the_normalized_tokens_with_the_words_they_came_from(normalizer: TextNormalizer, text: str):
    source, tokens = normalizer.tokens_of(text)
    assert [t.text for t in tokens] == normalizer.normalize(text).split()
    assert source == (text if len(text.lower()) == len(text) else text.lower())
    for token in tokens:
        assert normalizer.normalize(source[token.start : token.end]).split()[0] == token.text


def test_tokens_of_keep_the_writers_words(normalizer: TextNormalizer) -> None:
    source, tokens = normalizer.tokens_of("The fabric WASN'T soft")
    assert [(t.text, source[t.start : t.end]) for t in tokens] == [
        ("fabric", "fabric"),
        ("not", "WASN'T"),
        ("soft", "soft"),
    ]
