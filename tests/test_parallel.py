"""Tagging on several processes: same results as one process, lazy input, one model load per worker."""

from __future__ import annotations

import gc
import os
import pickle
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import joblib
import pytest
from hypothesis import given
from hypothesis import strategies as st

import greentag
from greentag import forking, parallel
from greentag.model import Tagger

from .corpus import TEXTS

# Longer documents made of two corpus sentences, so that labels mix.
DOCS = [f"{TEXTS[i % len(TEXTS)]} {TEXTS[(7 * i + 3) % len(TEXTS)]}" for i in range(600)]


@pytest.fixture(autouse=True)
def loky_helpers(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about loky helpers; forked ones are tests/test_forking.py's."""
    monkeypatch.setenv(forking.START_METHOD_VARIABLE, "loky")


@pytest.fixture(scope="module")
def saved_model(small_model: Tagger, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("parallel") / "small.gtm"
    small_model.save(path)
    return path


@pytest.mark.parametrize(
    "make_input",
    [list, tuple, iter, lambda docs: (d for d in docs)],
    ids=["list", "tuple", "iterator", "generator"],
)
def test_two_processes_give_exactly_the_serial_result(small_model: Tagger, make_input: object) -> None:
    serial = small_model.tag_many(DOCS, n_jobs=1)
    both = small_model.tag_many(make_input(DOCS), n_jobs=2, batch_size=37)  # type: ignore[operator]
    assert both == serial
    assert both == [small_model.tag(doc) for doc in DOCS]


@pytest.mark.parametrize(
    "options", [{"threshold": 0.2}, {"top_k": 1}, {"at_least_one": False}], ids=["threshold", "top_k", "no_fallback"]
)
def test_tag_options_reach_the_workers(small_model: Tagger, options: dict[str, object]) -> None:
    expected = small_model.tag_many(DOCS, **options)  # type: ignore[arg-type]
    assert small_model.tag_many(DOCS, n_jobs=2, batch_size=50, **options) == expected  # type: ignore[arg-type]


def test_top_level_functions_use_every_core_with_the_default_model() -> None:
    docs = DOCS[:300]
    expected = greentag.tag_many(docs)
    assert greentag.tag_many(docs, n_jobs=-1, batch_size=40) == expected
    assert list(greentag.tag_stream(iter(docs), n_jobs=-1, batch_size=40)) == expected


def test_each_worker_loads_the_model_once(saved_model: Path) -> None:
    model = Tagger.load(saved_model)  # a fresh object: no handle yet, no cached copy anywhere
    n_batches = 24
    for _ in range(2):  # a second call reuses the workers and their cached model
        # A stream of unknown length always goes to the workers (a short list may not).
        model.tag_many(iter(DOCS[: 10 * n_batches]), n_jobs=2, batch_size=10)
    key = parallel.model_handle(model).key
    executor = parallel._executor(2)
    reports = dict(f.result() for f in [executor.submit(parallel.worker_report, key) for _ in range(40)])
    assert os.getpid() not in reports
    assert set(reports.values()) <= {0, 1}, reports  # never loaded twice in one process
    assert 1 <= sum(reports.values()) <= 2 < 2 * n_batches
    assert key not in parallel.load_counts()  # the parent tagged nothing itself


def test_a_task_carries_a_small_handle_not_the_model(small_model: Tagger) -> None:
    handle = parallel.model_handle(small_model)
    assert len(pickle.dumps(handle)) < 400 < os.path.getsize(handle.path)
    assert parallel.model_handle(small_model) is handle


def test_equal_models_share_a_cache_key_and_files_go_with_their_model(saved_model: Path) -> None:
    first, second = Tagger.load(saved_model), Tagger.load(saved_model)
    one, two = parallel.model_handle(first), parallel.model_handle(second)
    assert one.key == two.key
    assert one.path != two.path
    del first
    gc.collect()
    assert not os.path.exists(one.path)
    assert os.path.exists(two.path)


def test_the_worker_cache_loads_a_key_once_and_keeps_a_few_models(small_model: Tagger) -> None:
    calls: list[str] = []

    def loader(key: str) -> Tagger:
        calls.append(key)
        return small_model

    keys = [f"test-key-{i}" for i in range(parallel._MAX_CACHED_MODELS + 1)]
    for key in [keys[0], keys[0], *keys, keys[-1]]:
        assert parallel.cached_model(key, lambda key=key: loader(key)) is small_model
    assert calls == keys  # keys[0] twice in a row: loaded once; keys[-1] again: a hit
    parallel.cached_model(keys[0], lambda: loader(keys[0]))
    assert calls[-1] == keys[0]  # the oldest was evicted to make room


def test_parallel_stream_reads_its_input_lazily(small_model: Tagger) -> None:
    pulled = 0

    def endless() -> Iterator[str]:
        nonlocal pulled
        while True:
            pulled += 1
            yield DOCS[pulled % len(DOCS)]

    batch_size = 10
    stream = small_model.tag_stream(endless(), n_jobs=2, batch_size=batch_size)
    assert pulled == 0  # nothing is read before the first result is asked for
    next(stream)
    # A slow consumer: the workers finish what they have, but must not read on.
    time.sleep(0.3)
    lags = [pulled - 1]
    for consumed in range(2, 200):
        next(stream)
        lags.append(pulled - consumed)
    stream.close()
    # Two workers keep at most four batches in flight, plus the one being consumed.
    assert max(lags) <= 5 * batch_size


@given(n_texts=st.integers(0, 20_000), workers=st.integers(2, 16), batch_size=st.integers(1, 3000))
def test_batches_of_a_known_job_cover_it_and_shrink_towards_its_end(
    n_texts: int, workers: int, batch_size: int
) -> None:
    sizes = list(parallel.batch_sizes(n_texts, workers, batch_size))
    assert sum(sizes) == n_texts
    assert all(0 < size <= batch_size for size in sizes)
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True)  # largest first
    assert all(size >= min(batch_size, parallel.TAIL_BATCH) for size in sizes[:-1])
    if len(sizes) > 1:
        # The last batch, which the cores wait for, is small whatever the job.
        assert sizes[-1] < 2 * parallel.TAIL_BATCH


def test_a_job_of_known_length_is_read_lazily_in_shrinking_batches(
    small_model: Tagger, monkeypatch: pytest.MonkeyPatch
) -> None:
    class CountedTexts(Sequence[str]):
        """A list of known length that counts how far its first reader has read.

        The first iterator feeds the batches; another pass only adds up the text's length.
        """

        pulled, readers = 0, 0

        def __len__(self) -> int:
            return len(DOCS)

        def __getitem__(self, i):  # type: ignore[no-untyped-def]
            return DOCS[i]

        def __iter__(self) -> Iterator[str]:
            self.readers += 1
            return self._counted() if self.readers == 1 else iter(DOCS)

        def _counted(self) -> Iterator[str]:
            for text in DOCS:
                self.pulled += 1
                yield text

    monkeypatch.setattr(parallel, "COLD_START_MIN_CHARACTERS", 0)  # a small job still goes to the helpers
    monkeypatch.setattr(parallel, "TAIL_BATCH", 5)
    planned: list[int] = []
    plan = parallel.batch_sizes
    monkeypatch.setattr(parallel, "batch_sizes", lambda *args: (planned.append(size) or size for size in plan(*args)))
    texts, batch_size = CountedTexts(), 40
    stream = small_model.tag_stream(texts, n_jobs=2, batch_size=batch_size)
    lags, results = [], []
    for consumed, tags in enumerate(stream, start=1):
        lags.append(texts.pulled - consumed)
        results.append(tags)
        if consumed == 1:
            time.sleep(0.3)  # a slow consumer: the helpers must not read on
    assert planned[0] == batch_size and planned[-1] < 10 and sum(planned) == len(DOCS)
    # The window holds at most four of the largest batches' worth, plus the one read ahead and the one consumed.
    assert max(lags) <= 6 * batch_size
    assert results == small_model.tag_many(DOCS)


def test_one_batch_is_tagged_without_starting_workers(saved_model: Path) -> None:
    model = Tagger.load(saved_model)
    assert model.tag_many(DOCS[:20], n_jobs=2, batch_size=100) == model.tag_many(DOCS[:20])
    assert model not in parallel._handles  # no model file was written for workers


def test_workers_start_only_for_jobs_that_pay_for_them() -> None:
    big = parallel.COLD_START_MIN_CHARACTERS
    assert not parallel.worth_starting_workers(1, 10 * big)  # one process asked for
    assert parallel.worth_starting_workers(2, None)  # a stream: its length is unknown
    assert parallel.worth_starting_workers(2, big)
    # A small job pays only when the pool is already running (used in the last minutes).
    if not parallel.worth_starting_workers(3, big - 1):
        stream = Tagger.load(parallel.model_handle(greentag.load_default()).path).tag_stream(
            iter(DOCS[:60]), n_jobs=3, batch_size=10
        )
        assert len(list(stream)) == 60
        assert parallel.worth_starting_workers(3, big - 1)


def test_a_small_list_with_every_core_is_tagged_in_this_process(saved_model: Path) -> None:
    model = Tagger.load(saved_model)
    docs = DOCS[:300]
    if parallel.worth_starting_workers(5, sum(map(len, docs))):
        pytest.skip("a pool of five workers is already warm")
    assert model.tag_many(docs, n_jobs=5, batch_size=20) == model.tag_many(docs)
    assert model not in parallel._handles  # no model file was written for workers


def test_a_bad_document_names_its_position(small_model: Tagger) -> None:
    docs: list[object] = list(DOCS[:100])
    docs[57] = b"bytes"
    with pytest.raises(greentag.InputTypeError, match=r"texts\[57\] is bytes"):
        small_model.tag_many(docs, n_jobs=2, batch_size=10)  # type: ignore[arg-type]


@pytest.mark.parametrize("n_jobs", [0, 1.5, "2", True], ids=["zero", "float", "str", "bool"])
def test_bad_n_jobs_is_refused_at_the_call(small_model: Tagger, n_jobs: object) -> None:
    with pytest.raises(ValueError, match="n_jobs must be a non-zero int"):
        small_model.tag_stream(DOCS, n_jobs=n_jobs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: m.tag_stream("one document"), greentag.InputTypeError, "single str"),
        (lambda m: m.tag_stream(42), greentag.InputTypeError, "got int"),
        (lambda m: m.tag_stream(DOCS, batch_size=0), ValueError, "batch_size"),
        (lambda m: m.tag_stream(DOCS, top_k=0), ValueError, "top_k"),
    ],
    ids=["str", "int", "batch_size", "top_k"],
)
def test_stream_arguments_are_checked_at_the_call(
    small_model: Tagger, call: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call(small_model)  # type: ignore[operator]


@pytest.mark.parametrize(
    ("n_jobs", "expected"),
    [(None, 1), (1, 1), (3, 3), (-1, joblib.cpu_count())],
    ids=["none", "one", "three", "all"],
)
def test_resolve_n_jobs_follows_joblib(n_jobs: int | None, expected: int) -> None:
    assert parallel.resolve_n_jobs(n_jobs) == expected


def test_a_program_that_keeps_asking_for_workers_gets_them(saved_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workers = 7  # a pool size no other test uses, so it starts cold
    docs = DOCS[:200]
    size = sum(map(len, docs))
    monkeypatch.setattr(parallel, "COLD_START_MIN_CHARACTERS", int(1.5 * size))
    model = Tagger.load(saved_model)
    expected = model.tag_many(docs)
    assert model.tag_many(docs, n_jobs=workers, batch_size=20) == expected
    assert model not in parallel._handles  # too little text: tagged here
    assert model.tag_many(docs, n_jobs=workers, batch_size=20) == expected
    assert model in parallel._handles  # the two calls together paid for the pool
    assert parallel.worth_starting_workers(workers, 1)  # and it stays warm for the next


def test_the_caller_tags_while_the_helpers_model_file_is_written(
    saved_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Saving a large model for the helpers takes tenths of a second: a first call must not wait for it.
    written = threading.Event()
    save = parallel.model_handle

    def slow_save(model: Tagger) -> parallel.ModelHandle:
        time.sleep(3)
        handle = save(model)
        written.set()
        return handle

    monkeypatch.setattr(parallel, "model_handle", slow_save)
    model = Tagger.load(saved_model)
    docs = DOCS[:300]
    stream = model.tag_stream(docs, n_jobs=2, batch_size=20)
    first = next(stream)
    assert not written.is_set()  # the first document's tags came before the helpers' file
    assert [first, *stream] == model.tag_many(docs)
    assert written.is_set()  # and the call waited for the start it began


def test_the_last_batch_is_tagged_here_not_queued_for_a_helper(
    saved_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Queued behind a helper's other batches, the last one would keep this process waiting.
    monkeypatch.setattr(parallel, "COLD_START_MIN_CHARACTERS", 0)
    model = Tagger.load(saved_model)
    docs = [f"{doc} ({number})" for number, doc in enumerate(DOCS)]  # every batch its own
    # Whether a helper would have room for the last batch depends on where a
    # job ends in the rhythm of hand-overs: three job lengths try each place.
    sizes = (len(docs), len(docs) - 10, len(docs) - 20)
    expected = {size: model.tag_many(docs[:size]) for size in sizes}
    model.tag_many(docs, n_jobs=2, batch_size=10)  # starts the pool
    executor = parallel._executor(2)
    executor.submit(os.getpid).result()  # the helper is up
    submit, tag_batch = executor.submit, model.tag_batch
    sent: list[list[str]] = []

    def recording_submit(fn: object, *args: object) -> object:
        if fn is parallel._tag_in_worker:
            sent.append(args[1])  # type: ignore[arg-type]
        return submit(fn, *args)

    def slow_tag_batch(batch: list[str], options: object) -> object:
        time.sleep(0.01)  # this process is the slow one: the helper always has room
        return tag_batch(batch, options)  # type: ignore[arg-type]

    monkeypatch.setattr(executor, "submit", recording_submit)
    monkeypatch.setattr(model, "tag_batch", slow_tag_batch)
    for size in sizes:
        sent.clear()
        assert model.tag_many(docs[:size], n_jobs=2, batch_size=10) == expected[size]
        assert sent  # the helper took part
        assert docs[size - 10 : size] not in sent
