"""TopicTagger: the scikit-learn estimator over the same model code as Tagger."""

from __future__ import annotations

import inspect
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import accuracy_score, f1_score, make_scorer
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MultiLabelBinarizer

import greentag
from greentag import DataError, InputTypeError, LabelWarning, TopicTagger
from greentag.training import OPTION_NAMES, TrainOptions

from .corpus import CORPUS, LABELS, TEXTS
from .processes import printed_words

CLASSES = ["energy", "finance", "health", "transport"]
Y = MultiLabelBinarizer(classes=CLASSES).fit_transform(LABELS)
FAST = {"min_df": 1, "cv": 3}

# Two classes for the binary tools: the single-topic energy and transport
# documents of the shared corpus, and a few more written here.
BINARY = [(text, labels[0]) for text, labels in CORPUS if labels in (["energy"], ["transport"])] + [
    ("The new battery storage site smooths the output of the solar park.", "energy"),
    ("Heating bills fell as the gas price dropped over the summer.", "energy"),
    ("The power station switched from coal to biomass pellets.", "energy"),
    ("Offshore wind turbines will supply electricity to a million homes.", "energy"),
    ("The ferry company added a night crossing for trucks and cars.", "transport"),
    ("Bus drivers got new routes after the bridge closed for repairs.", "transport"),
    ("The airport built a second runway for cargo planes.", "transport"),
    ("Rail freight volumes through the mountain tunnel doubled.", "transport"),
]
BINARY_TEXTS = [text for text, _ in BINARY]
BINARY_Y = np.array([label for _, label in BINARY])


@pytest.fixture(scope="module")
def fitted() -> TopicTagger:
    return TopicTagger(**FAST).fit(TEXTS, Y)


@pytest.fixture(scope="module")
def fitted_binary() -> TopicTagger:
    return TopicTagger(**FAST).fit(BINARY_TEXTS, BINARY_Y)


# ------------------------------------------------------------- parameters
def test_parameters_are_the_training_options_plus_n_jobs() -> None:
    assert set(TopicTagger().get_params()) == set(OPTION_NAMES) | {"n_jobs"}


def test_parameter_defaults_equal_the_training_defaults() -> None:
    defaults = {
        name: p.default for name, p in inspect.signature(TopicTagger.__init__).parameters.items() if name != "self"
    }
    assert defaults.pop("n_jobs") is None
    assert defaults == TrainOptions().to_kwargs()


def test_init_stores_arguments_unchanged_and_fit_validates() -> None:
    stop_words = ["the", "a"]
    clf = TopicTagger(C=-1.0, stop_words=stop_words)
    assert clf.get_params()["stop_words"] is stop_words
    assert clf.C == -1.0
    with pytest.raises(ValueError, match=r"C must be a positive number, got -1\.0"):
        clf.fit(TEXTS, Y)


def test_set_params_then_clone_keeps_params_and_drops_the_fit(fitted: TopicTagger) -> None:
    copy = clone(fitted).set_params(C=0.5, ngram_range=(1, 1))
    assert copy.get_params()["C"] == 0.5
    assert copy.get_params()["min_df"] == 1
    assert not hasattr(copy, "tagger_")
    assert repr(copy) == "TopicTagger(C=0.5, cv=3, min_df=1, ngram_range=(1, 1))"


def test_predict_before_fit_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        TopicTagger().predict(["text"])


# ------------------------------------------------------------- multi-label
def test_fit_keeps_a_tagger_equal_to_greentag_train(fitted: TopicTagger, tmp_path: Path) -> None:
    frame_y = pd.DataFrame(Y, columns=CLASSES)
    clf = TopicTagger(**FAST).fit(TEXTS, frame_y)
    # The data fingerprint in the file sees each document's labels in column order.
    direct = greentag.train(TEXTS, [sorted(labels) for labels in LABELS], multi_label=True, **FAST)
    clf.tagger_.save(tmp_path / "estimator.gtm")
    direct.save(tmp_path / "train.gtm")
    assert (tmp_path / "estimator.gtm").read_bytes() == (tmp_path / "train.gtm").read_bytes()


def test_predictions_go_through_the_tagger(fitted: TopicTagger) -> None:
    assert isinstance(fitted.tagger_, greentag.Tagger)
    np.testing.assert_array_equal(fitted.classes_, np.arange(4))
    assert fitted.tagger_.labels == ["0", "1", "2", "3"]
    expected = np.zeros_like(Y)
    for row, tags in enumerate(fitted.tagger_.tag_many(TEXTS)):
        for tag in tags:
            expected[row, int(tag.label)] = 1
    np.testing.assert_array_equal(fitted.predict(TEXTS), expected)
    np.testing.assert_allclose(fitted.predict_proba(TEXTS), fitted.tagger_.predict_proba(TEXTS), rtol=1e-6)
    np.testing.assert_allclose(fitted.decision_function(TEXTS), fitted.tagger_.decision_function(TEXTS), rtol=1e-6)


def test_columns_follow_classes_when_the_text_order_differs() -> None:
    # Twelve columns: as text, "10" and "11" sort before "2".
    wide = np.hstack([Y, Y, Y])
    clf = TopicTagger(**FAST).fit(TEXTS, wide)
    probs = clf.predict_proba(TEXTS[:5])
    inner = clf.tagger_.predict_proba(TEXTS[:5])
    for j in range(12):
        np.testing.assert_allclose(probs[:, j], inner[:, clf.tagger_.labels.index(str(j))], rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(TEXTS)[:, 4:8], clf.predict(TEXTS)[:, :4])


def test_dataframe_columns_name_the_classes() -> None:
    order = ["transport", "energy", "health", "finance"]
    frame_y = pd.DataFrame(Y, columns=CLASSES)[order]
    clf = TopicTagger(**FAST).fit(pd.Series(TEXTS), frame_y)
    assert clf.classes_.tolist() == order
    assert sorted(clf.tagger_.labels) == CLASSES
    predicted = clf.predict(["Freight trains and a container port"])
    assert predicted[0].tolist() == [1, 0, 0, 0]


@pytest.mark.parametrize("convert", [sp.csr_matrix, np.asarray], ids=["sparse", "dense"])
def test_sparse_and_dense_indicators_fit_the_same_model(convert: object, fitted: TopicTagger) -> None:
    clf = TopicTagger(**FAST).fit(TEXTS, convert(Y))  # type: ignore[operator]
    np.testing.assert_array_equal(clf.predict(TEXTS), fitted.predict(TEXTS))


def test_a_label_with_no_positive_example_is_never_predicted() -> None:
    y = np.hstack([Y, np.zeros((len(Y), 1), dtype=Y.dtype)])
    with pytest.warns(LabelWarning, match=r"label\(s\) \['4'\] have no positive example"):
        clf = TopicTagger(**FAST).fit(TEXTS, y)
    assert clf.predict(TEXTS)[:, 4].sum() == 0
    np.testing.assert_allclose(clf.predict_proba(TEXTS[:3])[:, 4], 1 / (len(TEXTS) + 2))
    np.testing.assert_array_equal(clf.predict(TEXTS)[:, :4], TopicTagger(**FAST).fit(TEXTS, Y).predict(TEXTS))


def test_score_is_subset_accuracy(fitted: TopicTagger) -> None:
    assert fitted.score(TEXTS, Y) == accuracy_score(Y, fitted.predict(TEXTS))


def test_fitted_estimator_pickles(fitted: TopicTagger) -> None:
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(TEXTS), fitted.predict(TEXTS))


# ------------------------------------------------------------ single-label
def test_single_label_predicts_one_class_for_every_document() -> None:
    y = np.array([labels[0] for labels in LABELS[:32]])
    clf = TopicTagger(**FAST).fit(TEXTS[:32], y)
    assert clf.classes_.tolist() == CLASSES
    assert clf.tagger_.single_label
    docs = ["", "zzz qqq", "Doctors opened a new clinic", "Freight trains cross the border"]
    predicted = clf.predict(docs)
    assert predicted.shape == (4,)
    assert set(predicted) <= set(CLASSES)
    assert predicted[2:].tolist() == ["health", "transport"]
    # No known term: the tagger gives no tag, the classifier the most probable class.
    assert clf.tagger_.tag("") == []
    assert predicted[0] == clf.classes_[clf.predict_proba([""]).argmax()]
    np.testing.assert_allclose(clf.predict_proba(docs).sum(axis=1), 1.0)


def test_integer_classes_come_back_as_integers() -> None:
    codes = {"energy": 3, "transport": 10}
    clf = TopicTagger(**FAST).fit(BINARY_TEXTS, np.array([codes[label] for label in BINARY_Y]))
    assert clf.classes_.tolist() == [3, 10]
    assert clf.predict(["Offshore wind turbines and solar panels"]).tolist() == [3]


def test_binary_decision_function_ranks_like_predict_proba(fitted_binary: TopicTagger) -> None:
    scores = fitted_binary.decision_function(BINARY_TEXTS)
    probs = fitted_binary.predict_proba(BINARY_TEXTS)
    assert scores.shape == (len(BINARY_TEXTS),)
    np.testing.assert_array_equal(rankdata(scores), rankdata(probs[:, 1]))
    np.testing.assert_array_equal(scores > 0, probs[:, 1] > 0.5)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("texts", "y", "error", "match"),
    [
        (TEXTS, LABELS, DataError, "MultiLabelBinarizer"),
        (TEXTS, np.linspace(0, 1, len(TEXTS)), DataError, "'continuous' target"),
        (TEXTS, ["energy"] * len(TEXTS), DataError, "single class"),
        (TEXTS, Y[:-1], DataError, "must match one to one"),
        (TEXTS, [label[0] if label else "none" for label in LABELS][:-1], DataError, "must match one to one"),
        (TEXTS, None, DataError, "needs y"),
        ("one document", ["energy"], InputTypeError, "got a single str"),
        ([*TEXTS[:-1], b"bytes"], Y, InputTypeError, "decode it"),
    ],
    ids=["label-lists", "continuous", "one-class", "short-indicator", "short-1d", "no-y", "str-X", "bytes-text"],
)
def test_bad_input_gets_a_clear_error(texts: object, y: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        TopicTagger(**FAST).fit(texts, y)  # type: ignore[arg-type]


def test_multi_label_true_needs_an_indicator_matrix() -> None:
    with pytest.raises(ValueError, match="multi_label=True needs y as a binary indicator matrix"):
        TopicTagger(multi_label=True, **FAST).fit(BINARY_TEXTS, BINARY_Y)


# -------------------------------------------------------- scikit-learn tools
def test_pipeline_with_a_text_transformer() -> None:
    def keep_first_sentence(texts: list[str]) -> list[str]:
        return [text.split(". ")[0] for text in texts]

    pipe = Pipeline([("first", FunctionTransformer(keep_first_sentence)), ("tagger", TopicTagger(**FAST))])
    pipe.fit(TEXTS, Y)
    np.testing.assert_array_equal(pipe.predict(TEXTS), pipe.named_steps["tagger"].predict(TEXTS))
    assert pipe.score(TEXTS, Y) > 0.7


def test_grid_search_tunes_a_training_option_on_f1_micro() -> None:
    pipe = Pipeline([("tagger", TopicTagger(**FAST))])
    search = GridSearchCV(
        pipe,
        {"tagger__C": [0.05, 1.0], "tagger__ngram_range": [(1, 1), (1, 2)]},
        scoring="f1_micro",
        cv=KFold(3, shuffle=True, random_state=0),
        error_score="raise",
    )
    search.fit(TEXTS, Y)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 4
    assert np.all((scores > 0.3) & (scores <= 1.0))
    assert search.best_score_ == scores.max()
    assert search.best_params_["tagger__C"] == search.best_estimator_.named_steps["tagger"].C
    np.testing.assert_array_equal(search.predict(TEXTS), search.best_estimator_.predict(TEXTS))


def test_cross_validate_gives_sensible_multilabel_scores() -> None:
    result = cross_validate(
        TopicTagger(**FAST),
        TEXTS,
        Y,
        # An unlabeled document given no tag is a perfect answer, as greentag's own evaluation counts it.
        scoring={
            "f1_micro": "f1_micro",
            "f1_macro": "f1_macro",
            "f1_samples": make_scorer(f1_score, average="samples", zero_division=1.0),
        },
        cv=KFold(4, shuffle=True, random_state=1),
        error_score="raise",
    )
    for name in ("test_f1_micro", "test_f1_macro", "test_f1_samples"):
        assert result[name].shape == (4,)
        assert 0.5 < result[name].mean() <= 1.0


@pytest.mark.skipif(
    tuple(int(p) for p in sklearn.__version__.split(".")[:2]) < (1, 5),
    reason="TunedThresholdClassifierCV is new in scikit-learn 1.5",
)
def test_tuned_threshold_classifier_on_binary_data() -> None:
    from sklearn.model_selection import TunedThresholdClassifierCV

    scoring = make_scorer(f1_score, pos_label="transport")
    tuned = TunedThresholdClassifierCV(TopicTagger(**FAST), scoring=scoring, cv=3, random_state=0)
    tuned.fit(BINARY_TEXTS, BINARY_Y)
    assert 0.0 <= tuned.best_threshold_ <= 1.0
    probs = tuned.estimator_.predict_proba(BINARY_TEXTS)[:, 1]
    expected = np.where(probs >= tuned.best_threshold_, "transport", "energy")
    np.testing.assert_array_equal(tuned.predict(BINARY_TEXTS), expected)
    assert tuned.score(BINARY_TEXTS, BINARY_Y) > 0.8


def test_estimator_tags_say_it_takes_strings() -> None:
    try:
        from sklearn.utils import get_tags
    except ImportError:
        pytest.skip("scikit-learn < 1.6 has no get_tags")
    tags = get_tags(TopicTagger())
    assert tags.input_tags.string and not tags.input_tags.two_d_array
    assert tags.classifier_tags.multi_label
    assert tags.estimator_type == "classifier"


def test_import_greentag_does_not_import_scikit_learn_estimators() -> None:
    code = "import sys, greentag; print('sklearn.base' in sys.modules); greentag.TopicTagger; print('sklearn.base' in sys.modules)"
    assert printed_words(code) == ["False", "True"]
