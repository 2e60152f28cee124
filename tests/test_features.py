"""TF-IDF features: our fast transform must equal scikit-learn's TfidfVectorizer."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from greentag.features import FeatureOptions, TfidfFeatures, fit_features
from greentag.text import build_analyzer

from .corpus import TEXTS


@pytest.fixture(scope="module")
def analysed() -> list[list[str]]:
    analyzer = build_analyzer(stop_words="sklearn")
    return [analyzer(text) for text in TEXTS]


@pytest.mark.parametrize("sublinear_tf", [True, False], ids=["sublinear", "raw-tf"])
@pytest.mark.parametrize("min_df", [1, 2], ids=["min_df=1", "min_df=2"])
def test_matches_sklearn(analysed: list[list[str]], sublinear_tf: bool, min_df: int) -> None:
    options = FeatureOptions(min_df=min_df, sublinear_tf=sublinear_tf)
    features = fit_features(analysed, options)
    reference = TfidfVectorizer(analyzer=lambda terms: terms, min_df=min_df, sublinear_tf=sublinear_tf)
    expected = reference.fit_transform(analysed)
    assert features.vocabulary == reference.get_feature_names_out().tolist()
    np.testing.assert_allclose(features.idf, reference.idf_, rtol=1e-6)
    np.testing.assert_allclose(features.transform(analysed).toarray(), expected.toarray(), rtol=1e-5, atol=1e-7)


def test_transform_one_equals_a_row_of_transform(analysed: list[list[str]]) -> None:
    features = fit_features(analysed, FeatureOptions(min_df=1))
    matrix = features.transform(analysed)
    for row, terms in enumerate(analysed):
        idx, values = features.transform_one(terms)
        dense = np.zeros(features.n_features, dtype=np.float32)
        dense[idx] = values
        np.testing.assert_allclose(dense, matrix[row].toarray().ravel(), rtol=1e-6)
        assert list(idx) == sorted(set(idx))


def test_unknown_and_empty_documents() -> None:
    features = TfidfFeatures(["grid", "port"], np.array([1.0, 2.0]))
    idx, values = features.transform_one(["unknown", "words"])
    assert idx.size == 0 and values.size == 0
    matrix = features.transform([[], ["grid"], ["nothing"]])
    assert matrix.shape == (3, 2)
    np.testing.assert_allclose(matrix.toarray(), [[0, 0], [1, 0], [0, 0]])


def test_repeated_terms_are_log_scaled() -> None:
    features = TfidfFeatures(["grid", "port"], np.array([1.0, 1.0]))
    _, values = features.transform_one(["grid", "grid", "grid", "port"])
    expected = np.array([1 + np.log(3), 1.0])
    np.testing.assert_allclose(values, expected / np.linalg.norm(expected), rtol=1e-6)


def test_no_terms_left_is_a_clear_error(analysed: list[list[str]]) -> None:
    with pytest.raises(ValueError, match="no terms left after applying min_df=1000"):
        fit_features(analysed, FeatureOptions(min_df=1000))


@pytest.mark.parametrize(
    "options, message",
    [
        ({"min_df": -1}, "min_df"),
        ({"max_df": 1.5}, "max_df"),
        ({"max_features": 0}, "max_features"),
        ({"min_df": True}, "min_df"),
    ],
    ids=["negative", "fraction-above-one", "zero-features", "bool"],
)
def test_bad_feature_options(options: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FeatureOptions(**options)  # type: ignore[arg-type]


def test_vocabulary_and_idf_must_agree() -> None:
    with pytest.raises(ValueError, match="vocabulary has 2 terms but idf has 1"):
        TfidfFeatures(["a", "b"], np.array([1.0]))
