"""Out-of-core training: chunked, bounded in memory, and an ordinary Tagger at the end."""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import greentag
from greentag.cli import main
from greentag.data import iter_dataset, read_dataset, write_dataset
from greentag.features import FeatureOptions, fit_features
from greentag.model import Tagger
from greentag.text import Analyzer, TextOptions
from greentag.training import data_fingerprint, out_of_core, train_out_of_core

from .conftest import DATASETS, require_shared

# Word lists written for these tests: four topics and words that belong to none.
_TOPICS_TEXT = {
    "energy": "turbine solar grid electricity reactor pipeline refinery voltage hydro battery coal megawatt",
    "transport": "railway freight truck port container airline cargo highway locomotive ferry terminal depot",
    "health": "hospital nurse vaccine clinic patient surgeon medicine ambulance epidemic pharmacy doctor ward",
    "finance": "bank bond investor loan equity dividend mortgage lender stock currency inflation fund",
}
TOPICS = {name: words.split() for name, words in _TOPICS_TEXT.items()}
_FILLER_TEXT = "the city said on monday that new plans were announced after a long meeting with officials"
FILLER = _FILLER_TEXT.split()
CHUNK = 150


def generate(n: int, seed: int) -> list[tuple[str, list[str]]]:
    """Documents of one or two topics, mixed with filler words; deterministic for a seed."""
    rng = random.Random(seed)
    names = sorted(TOPICS)
    records = []
    for _ in range(n):
        labels = rng.sample(names, 2 if rng.random() < 0.2 else 1)
        words = [
            rng.choice(TOPICS[rng.choice(labels)]) if rng.random() < 0.5 else rng.choice(FILLER) for _ in range(30)
        ]
        records.append((" ".join(words), sorted(labels)))
    return records


TRAIN = generate(1200, seed=1)  # eight times the chunk size
TEST = generate(300, seed=2)


@pytest.fixture(scope="module")
def ooc_model() -> Tagger:
    return train_out_of_core(lambda: iter(TRAIN), chunk_size=CHUNK, random_state=0)


def _texts(records: list[tuple[str, list[str]]]) -> list[str]:
    return [text for text, _ in records]


def _labels(records: list[tuple[str, list[str]]]) -> list[list[str]]:
    return [labels for _, labels in records]


class _Tracked(str):
    """A text that counts how many of its kind are alive, to see what training holds on to."""

    alive = 0
    most = 0

    def __new__(cls, value: str) -> _Tracked:
        obj = super().__new__(cls, value)
        cls.alive += 1
        cls.most = max(cls.most, cls.alive)
        return obj

    def __del__(self) -> None:
        type(self).alive -= 1


def _tracked_records() -> Iterator[tuple[str, list[str]]]:
    for text, labels in TRAIN:
        yield _Tracked(text), labels


def test_the_model_is_an_ordinary_tagger_that_tags_well(ooc_model: Tagger, tmp_path: Path) -> None:
    assert ooc_model.labels == sorted(TOPICS)
    report = ooc_model.evaluate(_texts(TEST), _labels(TEST))
    assert report["micro"]["f1"] > 0.9
    path = tmp_path / "ooc.gtm"
    ooc_model.save(path)
    loaded = greentag.Tagger.load(path)
    assert loaded.tag_many(_texts(TEST)) == ooc_model.tag_many(_texts(TEST))
    facts = loaded.metadata["training"]
    assert facts["n_documents"] == len(TRAIN)
    assert facts["out_of_core"]["chunk_size"] == CHUNK
    assert facts["out_of_core"]["n_holdout"] == len(TRAIN) // 10
    assert facts["holdout_metrics"]["micro"]["f1"] > 0.9


def test_it_matches_in_memory_training(ooc_model: Tagger) -> None:
    in_memory = greentag.train(_texts(TRAIN), _labels(TRAIN))
    assert ooc_model.features.vocabulary == in_memory.features.vocabulary
    assert (ooc_model.features.idf == in_memory.features.idf).all()
    ours = ooc_model.evaluate(_texts(TEST), _labels(TEST))
    theirs = in_memory.evaluate(_texts(TEST), _labels(TEST))
    assert abs(ours["micro"]["f1"] - theirs["micro"]["f1"]) < 0.05
    assert ooc_model.metadata["training"]["data_sha256"] == data_fingerprint(_texts(TRAIN), _labels(TRAIN))


def test_the_data_fingerprint_is_the_in_memory_one() -> None:
    records = [("b c", ["y", "x"]), ("a \u00e9 \ud800", []), ("d", ["x"])]  # label order, unicode, a lone surrogate
    counts = out_of_core._count_terms(lambda: iter(records), Analyzer(TextOptions()), 100, need_totals=False)
    assert counts.digest.hexdigest() == data_fingerprint(_texts(records), _labels(records))


def test_no_more_than_a_chunk_of_documents_is_held() -> None:
    _Tracked.alive = _Tracked.most = 0
    kept = list(_tracked_records())  # the counter itself works: holding the corpus shows
    assert _Tracked.most == len(TRAIN)
    del kept
    _Tracked.alive = _Tracked.most = 0
    train_out_of_core(_tracked_records, chunk_size=CHUNK)
    assert 1 <= _Tracked.most <= CHUNK


def test_the_models_are_fitted_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    rows: list[int] = []
    fit = out_of_core._LabelModels.partial_fit

    def spy(self: Any, x: Any, y: Any) -> None:
        rows.append(x.shape[0])
        fit(self, x, y)

    monkeypatch.setattr(out_of_core._LabelModels, "partial_fit", spy)
    train_out_of_core(lambda: iter(TRAIN), chunk_size=CHUNK, epochs=3)
    n_chunks = -(-len(TRAIN) // CHUNK)
    assert len(rows) == 3 * n_chunks
    assert max(rows) <= CHUNK
    assert sum(rows) == 3 * (len(TRAIN) - len(TRAIN) // 10)  # every epoch sees every training document once


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"min_df": 1},
        {"min_df": 0.02, "max_df": 0.5},
        {"max_df": 40},
        {"ngram_range": (1, 1), "min_df": 3},
        {"max_features": 60, "ngram_range": (1, 1)},
    ],
    ids=["default", "min_df=1", "fractions", "max_df-count", "unigrams", "max_features"],
)
def test_the_vocabulary_pass_chooses_what_fit_features_chooses(options: dict[str, Any]) -> None:
    streamed = train_out_of_core(lambda: iter(TRAIN), chunk_size=CHUNK, epochs=1, **options)
    text_keys = {"ngram_range"}
    analyzer = Analyzer(TextOptions(**{k: v for k, v in options.items() if k in text_keys}).resolved())
    feature_options = FeatureOptions(**{k: v for k, v in options.items() if k not in text_keys})
    theirs = fit_features([analyzer(text) for text, _ in TRAIN], feature_options)
    assert streamed.features.vocabulary == theirs.vocabulary
    assert (streamed.features.idf == theirs.idf).all()


def test_a_capped_term_table_drops_the_rarest_terms() -> None:
    analyzer = Analyzer(TextOptions().resolved())
    full = out_of_core._count_terms(lambda: iter(TRAIN), analyzer, 1_000_000, need_totals=False)
    counts = out_of_core._count_terms(lambda: iter(TRAIN), analyzer, 400, need_totals=False)
    assert len(full.document_frequency) > 2000  # the cap really bites
    assert len(counts.document_frequency) <= 400
    assert counts.pruned_below >= 1
    assert counts.n_terms_seen > 400
    frequent = {t for t, n in full.document_frequency.items() if n >= 100}
    assert frequent <= set(counts.document_frequency)  # the frequent terms survive pruning
    model = train_out_of_core(lambda: iter(TRAIN), chunk_size=CHUNK, max_terms=400)
    assert model.features.n_features <= 400
    assert model.metadata["training"]["out_of_core"]["pruned_below_count"] >= 1


def _source_forms() -> dict[str, tuple[Any, Any]]:
    texts, labels = _texts(TRAIN), _labels(TRAIN)
    return {
        "records-function": (lambda: iter(TRAIN), None),
        "records-list": (TRAIN, None),
        "texts-and-labels-lists": (texts, labels),
        "texts-and-labels-functions": (lambda: iter(texts), lambda: iter(labels)),
        "file-reader": (None, None),  # filled in by the test: iter_dataset over a JSONL file
    }


@pytest.mark.parametrize("form", list(_source_forms()), ids=list(_source_forms()))
def test_every_source_form_gives_the_same_model(form: str, ooc_model: Tagger, tmp_path: Path) -> None:
    data, labels = _source_forms()[form]
    if form == "file-reader":
        write_dataset(tmp_path / "train.jsonl", _texts(TRAIN), _labels(TRAIN))
        data = lambda: iter_dataset(tmp_path / "train.jsonl")  # noqa: E731
    model = train_out_of_core(data, labels, chunk_size=CHUNK, random_state=0)
    first, second = tmp_path / "a.gtm", tmp_path / "b.gtm"
    model.save(first)
    ooc_model.save(second)
    assert first.read_bytes() == second.read_bytes()


def test_the_result_does_not_depend_on_n_jobs(ooc_model: Tagger, tmp_path: Path) -> None:
    model = train_out_of_core(lambda: iter(TRAIN), chunk_size=CHUNK, random_state=0, n_jobs=2)
    model.save(tmp_path / "a.gtm")
    ooc_model.save(tmp_path / "b.gtm")
    assert (tmp_path / "a.gtm").read_bytes() == (tmp_path / "b.gtm").read_bytes()


def test_train_with_out_of_core_delegates(ooc_model: Tagger, tmp_path: Path) -> None:
    model = greentag.train(lambda: iter(TRAIN), out_of_core=True, chunk_size=CHUNK, random_state=0)
    model.save(tmp_path / "a.gtm")
    ooc_model.save(tmp_path / "b.gtm")
    assert (tmp_path / "a.gtm").read_bytes() == (tmp_path / "b.gtm").read_bytes()
    lists = greentag.train(_texts(TRAIN), _labels(TRAIN), out_of_core=True, chunk_size=CHUNK)
    assert lists.metadata["training"]["out_of_core"]["chunk_size"] == CHUNK


def _exhausted_after_one_reading() -> Callable[[], Iterator[tuple[str, list[str]]]]:
    shared = iter(TRAIN)
    return lambda: shared


@pytest.mark.parametrize(
    ("data", "labels", "error", "message"),
    [
        ((record for record in TRAIN), None, TypeError, "one-shot iterator"),
        (_texts(TRAIN), iter(_labels(TRAIN)), TypeError, "labels is a one-shot iterator"),
        ("a text", None, TypeError, "not a single str"),
        (_texts(TRAIN), _labels(TRAIN)[:-1], greentag.DataError, "differ in length"),
        (_exhausted_after_one_reading(), None, greentag.DataError, "fresh iterator"),
        ([], None, greentag.DataError, "no training documents"),
        ([("text", [])] * 5, None, greentag.DataError, "none of the 5 training documents has a label"),
        ([("text",)], None, greentag.DataError, r"record 0 must be a \(text, labels\) pair"),
        ([(b"bytes", ["a"])], None, greentag.InputTypeError, r"texts\[0\] is bytes"),
        ([("text", [3])], None, greentag.DataError, "record 0: its labels contains 3"),
    ],
    ids=[
        "generator",
        "labels-iterator",
        "str",
        "lengths",
        "same-iterator-twice",
        "empty",
        "no-labels",
        "not-a-pair",
        "bytes",
        "bad-label",
    ],
)
def test_bad_sources_get_clear_errors(data: Any, labels: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        train_out_of_core(data, labels, chunk_size=CHUNK)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"chunk_size": 0}, "chunk_size must be a positive int"),
        ({"epochs": 1.5}, "epochs must be a positive int"),
        ({"holdout": 0.0}, r"holdout must be a fraction in \(0, 0.5\]"),
        ({"holdout": 0.9}, "holdout must be a fraction"),
        ({"max_terms": 1}, "max_terms must be an int >= 2"),
        ({"loss": "squared"}, "loss must be one of"),
        ({"C": -1.0}, "C must be a positive number"),
    ],
    ids=["chunk_size", "epochs", "holdout-zero", "holdout-large", "max_terms", "loss", "C"],
)
def test_bad_settings_are_refused(setting: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        train_out_of_core(TRAIN, **setting)


@pytest.mark.parametrize("option", [{"cv": 3}, {"max_iter": 10}], ids=["cv", "max_iter"])
def test_options_without_meaning_here_are_ignored_with_a_warning(option: dict[str, int]) -> None:
    with pytest.warns(greentag.GreentagWarning, match="is ignored when training out of core"):
        train_out_of_core(TRAIN, chunk_size=400, epochs=1, **option)


def test_too_small_a_corpus_to_hold_out_warns_and_still_tags() -> None:
    with pytest.warns(greentag.LabelWarning, match="scores are uncalibrated"):
        model = train_out_of_core(TRAIN[:27:3], min_df=1)
    assert model.metadata["training"]["out_of_core"]["n_holdout"] == 0
    assert model.metadata["training"]["holdout_metrics"] is None
    assert model.tag_many(_texts(TEST[:5])) == [model.tag(text) for text in _texts(TEST[:5])]


def test_single_label_data_gives_a_single_label_model() -> None:
    records = [(text, labels[:1]) for text, labels in TRAIN]
    model = train_out_of_core(records, chunk_size=400)
    assert model.single_label
    assert all(len(tags) <= 1 for tags in model.tag_many(_texts(TEST)))


def test_the_command_line_trains_out_of_core(tmp_path: Path) -> None:
    write_dataset(tmp_path / "train.jsonl", _texts(TRAIN), _labels(TRAIN))
    out, err = io.StringIO(), io.StringIO()
    args = ["train", str(tmp_path / "train.jsonl"), "-o", str(tmp_path / "m.gtm"), "--out-of-core"]
    code = main([*args, "--chunk-size", str(CHUNK), "--seed", "0"], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    assert f"trained on {len(TRAIN)} documents, 4 labels" in out.getvalue()
    assert "held-out: micro-F1 " in out.getvalue()
    model = Tagger.load(tmp_path / "m.gtm")
    assert model.metadata["training"]["out_of_core"]["chunk_size"] == CHUNK
    info = io.StringIO()
    assert main(["info", str(tmp_path / "m.gtm"), "--format", "json"], stdout=info) == 0
    assert json.loads(info.getvalue())["n_documents"] == len(TRAIN)


@pytest.mark.slow
def test_reuters_r90_out_of_core_is_close_to_in_memory() -> None:
    folder = require_shared(DATASETS / "reuters21578")
    test_texts, test_labels = read_dataset(folder / "test.jsonl.gz")
    with pytest.warns(greentag.LabelWarning, match="single training document"):
        model = train_out_of_core(lambda: iter_dataset(folder / "train.jsonl.gz"), chunk_size=2000, n_jobs=-1)
    report = model.evaluate(test_texts, test_labels)
    # In-memory training scores about 0.89 micro-F1 here (see BENCHMARKS.md).
    assert report["micro"]["f1"] > 0.86
    assert report["macro"]["f1"] > 0.5
