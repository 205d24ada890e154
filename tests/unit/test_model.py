"""The Keras model: builds from settings, learns, and survives a .keras round trip."""

import keras
import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression

from review_classifier.dataset import LABEL, TEXT, DatasetSchema, load_labelled
from review_classifier.model import build_model, inference_function
from review_classifier.model_settings import ModelSettings
from review_classifier.splits import stratified_split
from review_classifier.text import TextNormalizer
from review_classifier.training import sweep
from review_classifier.vocabulary import VocabularySettings
from review_classifier.wide import HashedBigrams
from review_classifier.wide_fit import fit_wide, wide_validation_roc_auc


def predict_proba(model, x):
    return inference_function(model)(x)


TINY = ModelSettings(embedding_dim=8, recurrent_units=4, dense_units=4, bigram_buckets=64, epochs=2, batch_size=16)
#: Learns nothing: no wide feature is frequent enough to count, and the deep part barely moves from zero.
USELESS = TINY.model_copy(update={"learning_rate": 1e-9, "epochs": 1, "wide_min_df": 10**6})


def toy_data(n: int = 200, length: int = 6, seed: int = 0):
    """Label 1 iff token 2 appears: learnable by any of the candidates."""
    rng = np.random.default_rng(seed)
    x = rng.integers(3, 20, size=(n, length)).astype("int32")
    y = (rng.random(n) < 0.5).astype("float32")
    x[y == 1, 0] = 2
    return x, y


def test_hashed_bigrams_ignore_padding() -> None:
    ids = np.array([[5, 7, 0, 0]], dtype="int32")
    out = np.asarray(HashedBigrams(100)(ids))
    assert out.shape == (1, 3)
    assert out[0, 0] == (5 * 7919 + 7) % 100 + 1 and out[0, 1:].tolist() == [0, 0]


def test_the_wide_logit_is_scikit_learns_tfidf_logistic_regression() -> None:
    """TfidfLogit over the bags == decision_function of LogisticRegression over TfidfTransformer of the
    binary bags, with the fitted weights, on texts it was not fitted on (unseen and too-rare ids included)."""
    rng = np.random.default_rng(0)
    x = rng.integers(1, 30, size=(400, 10)).astype("int32")
    x[:, 7:] = 0  # padding
    y = ((x == 3).any(axis=1) | (rng.random(400) < 0.2)).astype("float32")
    wide = fit_wide(
        x[:300], y[:300], x[300:350], y[300:350], vocab_size=30, bigram_buckets=50, c_grid=[0.5, 2.0], min_df=2
    )
    linear = TINY.model_copy(update={"deep": False, "bigram_buckets": 50})
    model = build_model(vocab_size=30, sequence_length=10, settings=linear, wide=wide)
    logit = keras.Model(model.input, model.get_layer("wide_logit").output)
    held_out = x[350:]

    def binary_bags(ids):
        pairs = np.asarray(HashedBigrams(50)(ids))
        bags = np.zeros((len(ids), 30 + 51))
        for row, (tokens, bigrams) in enumerate(zip(ids, pairs, strict=True)):
            bags[row, tokens] = 1
            bags[row, 30 + bigrams] = 1
        return bags

    train = binary_bags(x[:300])
    kept = train.sum(axis=0) >= 2
    kept[[0, 30]] = False
    transformer = TfidfTransformer().fit(train * kept)
    regression = LogisticRegression(C=wide.c, max_iter=2000).fit(transformer.transform(train * kept), y[:300])
    expected = regression.decision_function(transformer.transform(binary_bags(held_out) * kept))
    np.testing.assert_allclose(np.asarray(logit(held_out)).ravel(), expected, atol=1e-5)
    assert wide.c in (0.5, 2.0) and 0.5 < wide.validation_roc_auc <= 1.0


def test_inference_cuts_padding_without_changing_any_probability() -> None:
    """Rows of 0..12 tokens in 16 columns: predicted alone or together, as the full-width model says."""
    rng = np.random.default_rng(1)
    x = np.zeros((13, 16), dtype="int32")
    for length in range(13):
        x[length, :length] = rng.integers(1, 20, size=length)
    model = build_model(vocab_size=20, sequence_length=16, settings=TINY)
    full_width = np.asarray(model(x, training=False), dtype=np.float64).ravel()
    predict = inference_function(model, batch_size=5)
    np.testing.assert_allclose(predict(x), full_width, atol=1e-6)
    np.testing.assert_allclose([predict(row[None])[0] for row in x], full_width, atol=1e-6)


LINEAR = TINY.model_copy(update={"deep": False})


@pytest.mark.parametrize(
    "settings",
    [TINY, TINY.model_copy(update={"recurrent_units": 0, "bigram_buckets": 0}), LINEAR],
    ids=["wide-and-deep", "pooling-unigrams", "linear"],
)
def test_keras_file_round_trip_gives_identical_predictions(tmp_path, settings: ModelSettings) -> None:
    x, _ = toy_data()
    model = build_model(vocab_size=20, sequence_length=x.shape[1], settings=settings)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.models.load_model(path, compile=False)  # as the service loads it
    np.testing.assert_allclose(predict_proba(restored, x), predict_proba(model, x), atol=1e-7)


def test_sweep_is_seeded_and_picks_the_best_validation_auc() -> None:
    x, y = toy_data()
    good = TINY.model_copy(update={"learning_rate": 0.02, "epochs": 4})
    best, trained = sweep([USELESS, good], x[:150], y[:150], x[150:], y[150:], vocab_size=20, seed=0, verbose=0)
    assert best.settings == good and len(trained) == 2
    assert best.validation_roc_auc > 0.9 > trained[0].validation_roc_auc
    again, _ = sweep([good], x[:150], y[:150], x[150:], y[150:], vocab_size=20, seed=0, verbose=0)
    np.testing.assert_allclose(predict_proba(again.model, x), predict_proba(best.model, x), atol=1e-6)


def test_the_chosen_wide_part_is_refitted_on_train_and_validation_with_the_c_chosen_on_validation() -> None:
    x, y = toy_data(n=300)
    y[::7] = 1 - y[::7]  # noise, so the regularization matters
    linear = LINEAR.model_copy(update={"wide_c": [0.05, 1.0, 20.0]})
    data = (x[:200], y[:200], x[200:], y[200:])
    kept, _ = sweep([linear.model_copy(update={"refit_wide": False})], *data, vocab_size=20, seed=0, verbose=0)
    refitted, _ = sweep([linear], *data, vocab_size=20, seed=0, verbose=0)
    assert (refitted.wide.c, refitted.wide.validation_roc_auc) == (kept.wide.c, kept.wide.validation_roc_auc)
    on_all = fit_wide(x, y, *data[2:], vocab_size=20, bigram_buckets=64, c_grid=[kept.wide.c], min_df=2)
    expected = [on_all.idf, on_all.coef, [on_all.bias]]
    for fitted in (
        [refitted.wide.idf, refitted.wide.coef, [refitted.wide.bias]],
        refitted.model.get_layer("wide_logit").get_weights(),
    ):
        for got, want in zip(fitted, expected, strict=True):
            np.testing.assert_allclose(got, want, atol=1e-6)
    assert not np.allclose(kept.wide.coef, on_all.coef, atol=1e-3)


def test_linear_candidate_is_the_wide_part_alone_and_serves_through_the_classifier(tmp_path) -> None:
    """One .keras file plus the vocabulary, loaded and served by ReviewClassifier like any candidate."""
    from review_classifier.inference import ReviewClassifier
    from review_classifier.vocabulary import Vocabulary

    vocabulary = Vocabulary(sequence_length=6, tokens=["love", "dress", "cheap", "fabric"])
    texts = ["love this dress", "cheap fabric", "love love", "cheap cheap fabric"]
    x = vocabulary.encode(ReviewClassifier(build_model(6, 6, LINEAR), vocabulary).normalizer.normalize_many(texts))
    y = np.array([1, 0, 1, 0], dtype="float32")
    best, _ = sweep([LINEAR.model_copy(update={"wide_min_df": 1})], x, y, x, y, vocab_size=6, seed=0, verbose=0)
    names = {layer.name for layer in best.model.layers}
    assert "wide_logit" in names and not names & {"embedding", "bilstm", "deep_logit"}
    assert best.epochs_trained == 0  # the wide part is fitted, not trained
    path = tmp_path / "linear.keras"
    best.model.save(path)
    served = ReviewClassifier(keras.models.load_model(path), vocabulary).predict_proba(texts)
    np.testing.assert_allclose(served, ReviewClassifier(best.model, vocabulary).predict_proba(texts), atol=1e-7)
    assert served[0] > 0.5 > served[1]


def test_a_text_without_known_tokens_gets_a_probability_from_every_architecture() -> None:
    """An all-padding row (empty, or only stopwords) must not divide the average pooling by zero."""
    rows = np.array([[0] * 6, [3, 4, 0, 0, 0, 0]], dtype="int32")
    for settings in (TINY, TINY.model_copy(update={"recurrent_units": 0}), LINEAR):
        probabilities = predict_proba(build_model(vocab_size=20, sequence_length=6, settings=settings), rows)
        assert np.isfinite(probabilities).all(), settings


def test_the_normalization_score_is_lower_for_tokens_that_say_less(sample_reviews) -> None:
    """The figure the pipeline chooses a normalization by: the wide part's validation ROC-AUC on its tokens."""
    reviews, _ = load_labelled(sample_reviews, DatasetSchema(), "sample")
    tokens, labels = TextNormalizer().normalize_many(reviews[TEXT].tolist()), reviews[LABEL].to_numpy()
    parts = stratified_split(labels)
    train, validation = (([tokens[i] for i in rows], labels[rows]) for rows in (parts.train, parts.validation))
    settings = ModelSettings(bigram_buckets=1 << 12, wide_c=[1.0])  # small: the default fit takes a minute here
    full = wide_validation_roc_auc(train, validation, VocabularySettings(), settings)
    assert 0.75 < full <= 1.0
    two_tokens = wide_validation_roc_auc(train, validation, VocabularySettings(sequence_length=2), settings)
    assert two_tokens < full
