"""Training: options, determinism, degenerate labels, bad data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import greentag
from greentag.training import OPTION_NAMES, TrainOptions

from .corpus import LABELS, TEXTS


def test_train_learns_the_topics(small_model: greentag.Tagger) -> None:
    assert small_model.labels == ["energy", "finance", "health", "transport"]
    cases = {
        "Wind turbines and a coal plant feed the power grid": "energy",
        "The container port and freight trains": "transport",
        "Nurses at the hospital treat patients": "health",
        "The central bank bought bonds": "finance",
    }
    for text, label in cases.items():
        assert small_model.tag(text, top_k=1)[0].label == label, text


def test_training_is_deterministic(tmp_path) -> None:
    first = greentag.train(TEXTS, LABELS, min_df=1, cv=3, n_jobs=1)
    second = greentag.train(TEXTS, LABELS, min_df=1, cv=3, n_jobs=2)
    first.save(tmp_path / "a.gtm")
    second.save(tmp_path / "b.gtm")
    assert (tmp_path / "a.gtm").read_bytes() == (tmp_path / "b.gtm").read_bytes()


def test_metadata_records_training(small_model: greentag.Tagger) -> None:
    training = small_model.metadata["training"]
    assert training["n_documents"] == len(TEXTS)
    assert training["n_unlabeled_documents"] == 2
    assert training["label_counts"]["energy"] == sum("energy" in labels for labels in LABELS)
    assert len(training["data_sha256"]) == 64
    assert training["options"]["features"]["min_df"] == 1
    assert 0.0 <= training["cv_metrics"]["micro"]["f1"] <= 1.0
    assert training["cv_folds"] == 3


def test_data_fingerprint_changes_with_the_data(small_model: greentag.Tagger) -> None:
    other = greentag.train(TEXTS[:-1], LABELS[:-1], min_df=1, cv=3)
    assert other.metadata["training"]["data_sha256"] != small_model.metadata["training"]["data_sha256"]


def test_single_label_input_is_detected() -> None:
    labels = [labels[0] if labels else "other" for labels in LABELS]  # plain strings
    model = greentag.train(TEXTS, labels, min_df=1, cv=3)
    assert model.single_label
    assert all(len(tags) <= 1 for tags in model.tag_many(TEXTS))


def test_options_reach_the_model() -> None:
    model = greentag.train(TEXTS, LABELS, min_df=1, cv=2, ngram_range=(1, 1), stemmer=None, stop_words=None)
    assert all(" " not in term for term in model.features.vocabulary)
    assert "turbines" in model.features.vocabulary
    assert "the" in model.features.vocabulary
    assert model.text_options.stop_words == ()


def test_options_round_trip() -> None:
    options = TrainOptions.from_kwargs(min_df=3, C=0.5, ngram_range=(1, 3), cv=4)
    assert TrainOptions.from_dict(options.to_dict()) == options
    assert TrainOptions.from_kwargs(**options.to_kwargs()) == options
    assert set(options.to_kwargs()) == set(OPTION_NAMES)


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"colour": "green"}, TypeError, "unknown training option"),
        ({"C": 0}, ValueError, "C must be a positive number"),
        ({"cv": 1}, ValueError, "cv must be an int >= 2"),
        ({"class_weight": "heavy"}, ValueError, "class_weight"),
        ({"threshold_range": (0.9, 0.1)}, ValueError, "threshold_range"),
        ({"min_df": -2}, ValueError, "min_df"),
    ],
    ids=["unknown", "C", "cv", "class-weight", "threshold-range", "min-df"],
)
def test_bad_options(options: dict[str, object], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        greentag.train(TEXTS, LABELS, **options)


@pytest.mark.parametrize(
    "texts, labels, message",
    [
        ([], [], "no training documents"),
        (["a b", "c d"], [["x"]], "got 2 texts but 1 label entries"),
        (["a b", "c d"], [[], []], "none of the 2 training documents has a label"),
        (["a b"], [[5]], r"labels\[0\] contains 5 \(int\)"),
        (["a b"], [[""]], "empty label"),
        (["a b"], [{"x": 1}], "must be a label string or a list"),
        (["a b"], "energy", "not a single string"),
    ],
    ids=["empty", "length-mismatch", "no-labels", "non-string-label", "empty-label", "dict", "bare-string"],
)
def test_bad_training_data(texts: list[str], labels: object, message: str) -> None:
    with pytest.raises(greentag.DataError, match=message):
        greentag.train(texts, labels, min_df=1)  # type: ignore[arg-type]


def test_non_string_text_names_its_index() -> None:
    with pytest.raises(TypeError, match=r"texts\[1\] is bytes; decode it"):
        greentag.train(["fine", b"bytes"], [["a"], ["b"]])  # type: ignore[list-item]


def test_duplicate_labels_in_a_document_count_once() -> None:
    labels = [list(doc) * 2 for doc in LABELS]
    model = greentag.train(TEXTS, labels, min_df=1, cv=3)
    assert model.metadata["training"]["label_counts"]["energy"] == sum("energy" in doc for doc in LABELS)


def test_label_on_every_document_warns_and_is_always_given() -> None:
    labels = [[*doc, "news"] for doc in LABELS]
    with pytest.warns(greentag.LabelWarning, match=r"\['news'\] are on every training document"):
        model = greentag.train(TEXTS, labels, min_df=1, cv=3)
    assert "news" in [t.label for t in model.tag("a new wind farm")]


def test_label_on_one_document_warns_and_trains() -> None:
    labels = [list(doc) for doc in LABELS]
    labels[0].append("rare")
    with pytest.warns(greentag.LabelWarning, match=r"\['rare'\] have a single training document"):
        model = greentag.train(TEXTS, labels, min_df=1, cv=3)
    assert "rare" in model.labels
    assert np.all(np.isfinite(model.predict_proba(["wind farm turbines"])))


def test_tiny_data_trains_without_cross_validation() -> None:
    with pytest.warns(greentag.LabelWarning) as caught:
        model = greentag.train(
            ["solar power", "rail freight", "solar panels"], [["energy"], ["transport"], ["energy"]], min_df=1
        )
    assert any("too few to cross-validate" in str(w.message) for w in caught)
    assert model.tag("solar", top_k=1)[0].label == "energy"


def test_min_df_too_high_is_a_data_error() -> None:
    with pytest.raises(greentag.DataError, match="no terms left after applying min_df=100"):
        greentag.train(TEXTS, LABELS, min_df=100)


def test_documents_without_labels_are_negatives() -> None:
    model = greentag.train(TEXTS, LABELS, min_df=1, cv=3)
    assert model.metadata["training"]["n_unlabeled_documents"] == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.tag("") == []


def test_fingerprint_ignores_label_order_within_a_document() -> None:
    from greentag.training import data_fingerprint

    assert data_fingerprint(["a"], [["x", "y"]]) == data_fingerprint(["a"], [["y", "x"]])
    assert data_fingerprint(["a", "b"], [["x"], ["y"]]) != data_fingerprint(["b", "a"], [["y"], ["x"]])


def test_training_in_concurrent_threads_is_still_deterministic(tmp_path) -> None:
    # liblinear shuffles with C's global rand(): fits in parallel threads must not interleave.
    import threading

    reference = greentag.train(TEXTS, LABELS, min_df=1, cv=3)
    reference.save(tmp_path / "reference.gtm")
    models: list[greentag.Tagger] = []
    threads = [
        threading.Thread(target=lambda: models.append(greentag.train(TEXTS, LABELS, min_df=1, cv=3))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i, model in enumerate(models):
        model.save(tmp_path / f"{i}.gtm")
        assert (tmp_path / f"{i}.gtm").read_bytes() == (tmp_path / "reference.gtm").read_bytes()


def test_groups_keep_each_source_out_of_the_folds_that_tune_its_thresholds(tmp_path: object) -> None:
    from greentag.data import record_sources
    from greentag.errors import DataError

    groups = [f"source-{i % 4}" for i in range(len(TEXTS))]
    grouped = greentag.train(TEXTS, LABELS, groups=groups, min_df=1, cv=4)
    again = greentag.train(TEXTS, LABELS, groups=groups, min_df=1, cv=4)
    plain = greentag.train(TEXTS, LABELS, min_df=1, cv=4)
    assert np.array_equal(grouped.thresholds, again.thresholds)  # deterministic
    # The fitted weights do not depend on the folds; the calibration and thresholds do.
    assert np.array_equal(grouped.coef, plain.coef)
    assert not np.array_equal(grouped.calibration, plain.calibration)
    with pytest.raises(DataError, match="groups has 3 entries"):
        greentag.train(TEXTS, LABELS, groups=groups[:3], min_df=1, cv=4)
    # One group has nothing to keep apart: the ordinary folds.
    single = greentag.train(TEXTS, LABELS, groups=["all"] * len(TEXTS), min_df=1, cv=4)
    assert np.array_equal(single.calibration, plain.calibration)
    folder = tmp_path / "data"  # type: ignore[operator]
    folder.mkdir()
    (folder / "a.jsonl").write_text('{"text": "x", "labels": []}\n{"text": "y", "labels": []}\n', encoding="utf-8")
    (folder / "b.csv").write_text("text,labels\nz,energy\n", encoding="utf-8")
    assert record_sources(folder) == ["a.jsonl", "a.jsonl", "b.csv"]
