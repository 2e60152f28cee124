"""greentag.dask on a real dask.distributed cluster of two worker processes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import greentag
from greentag import parallel
from greentag.model import Tagger

from .corpus import TEXTS

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("dask.distributed")
db = pytest.importorskip("dask.bag")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")

from greentag.dask import ModelBytes, model_bytes, tag_bag, tag_dataframe  # noqa: E402

DOCS = [f"{TEXTS[i % len(TEXTS)]} {TEXTS[(5 * i + 2) % len(TEXTS)]}" for i in range(160)]


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None, silence_logs=40
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _loads(client: object, key: str) -> list[int]:
    counts = client.run(parallel.load_counts)  # type: ignore[attr-defined]
    return [worker_counts.get(key, 0) for worker_counts in counts.values()]


def test_a_bag_is_tagged_as_tag_many_tags_it(client: object, small_model: Tagger) -> None:
    bag = db.from_sequence(DOCS, npartitions=8)
    assert tag_bag(bag, small_model).compute() == small_model.tag_many(DOCS)


def test_each_worker_loads_the_model_once(client: object, small_model: Tagger) -> None:
    _, payload = model_bytes(small_model)
    bag = db.from_sequence(DOCS, npartitions=16)  # many more partitions than workers
    for _ in range(2):
        tag_bag(bag, small_model, top_k=1).compute()
    assert all(n <= 1 for n in _loads(client, payload.key))
    assert sum(_loads(client, payload.key)) >= 1


def test_the_model_is_one_node_of_the_graph(small_model: Tagger) -> None:
    tagged = tag_bag(db.from_sequence(DOCS, npartitions=16), small_model)
    graph = dict(tagged.__dask_graph__())
    payloads = [key for key in graph if str(key).startswith("greentag-model-")]
    assert len(payloads) == 1  # shared by every partition's task, not copied into each


def test_any_model_file_and_the_default(client: object, small_model: Tagger, tmp_path: Path) -> None:
    path = tmp_path / "small.gtm"
    small_model.save(path)
    bag = db.from_sequence(DOCS[:40], npartitions=4)
    assert tag_bag(bag, str(path), threshold=0.3).compute() == small_model.tag_many(DOCS[:40], threshold=0.3)
    assert tag_bag(bag).compute() == greentag.tag_many(DOCS[:40])


def test_a_dataframe_gets_the_columns_tag_frame_gives(client: object, small_model: Tagger) -> None:
    frame = pd.DataFrame({"body": [*DOCS[:59], None], "n": range(60)}, index=[f"r{i:02d}" for i in range(60)])
    ddf = dd.from_pandas(frame, npartitions=5)
    tagged = tag_dataframe(ddf, "body", small_model, scores=True).compute()
    assert tagged.index.tolist() == frame.index.tolist()
    assert tagged["n"].tolist() == list(range(60))
    expected = small_model.tag_many(DOCS[:59])
    assert tagged["tags"].tolist() == [[t.label for t in tags] for tags in expected] + [[]]
    probabilities = small_model.predict_proba(DOCS[:59])
    for j, label in enumerate(small_model.labels):
        assert tagged[f"score_{label}"].tolist()[:59] == pytest.approx(probabilities[:, j].tolist(), abs=1e-12)
    assert pd.isna(tagged[f"score_{small_model.labels[0]}"].iloc[-1])


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # inside dask's Parquet reader, with pandas 3
def test_tagged_frames_go_to_parquet_and_back(client: object, small_model: Tagger, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    ddf = dd.from_pandas(pd.DataFrame({"text": DOCS[:30]}), npartitions=3)
    tag_dataframe(ddf, model=small_model).to_parquet(tmp_path / "tagged")
    back = dd.read_parquet(tmp_path / "tagged", dtype_backend="pyarrow").compute()
    assert back["tags"].tolist() == [[t.label for t in tags] for tags in small_model.tag_many(DOCS[:30])]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m: tag_bag(DOCS, m), TypeError, "expects a dask.bag.Bag"),
        (lambda m: tag_bag(db.from_sequence(DOCS), 42), TypeError, "model must be a Tagger"),
        (lambda m: tag_bag(db.from_sequence(DOCS), m, threshold=2.0), ValueError, "threshold"),
        (lambda m: tag_bag(db.from_sequence(DOCS), m, top_k=0), ValueError, "top_k"),
        (lambda m: tag_bag(db.from_sequence(DOCS), "missing.gtm"), greentag.ModelError, "does not exist"),
        (lambda m: tag_dataframe(pd.DataFrame({"text": DOCS}), model=m), TypeError, "dask.dataframe.DataFrame"),
        (lambda m: tag_dataframe(dd.from_pandas(pd.DataFrame({"t": DOCS}), 2), model=m), KeyError, "no column"),
    ],
    ids=["not-a-bag", "bad-model", "threshold", "top_k", "missing-file", "pandas-frame", "no-column"],
)
def test_mistakes_are_caught_before_any_task_runs(
    small_model: Tagger, call: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call(small_model)  # type: ignore[operator]


def test_a_bad_document_fails_the_computation_with_its_position(client: object, small_model: Tagger) -> None:
    bag = db.from_sequence([*DOCS[:5], 7, *DOCS[5:10]], npartitions=2)
    with pytest.raises(greentag.InputTypeError, match=r"texts\[\d\] must be a str, got int"):
        tag_bag(bag, small_model).compute()


def test_model_bytes_build_the_same_model(small_model: Tagger) -> None:
    _, payload = model_bytes(small_model)
    assert isinstance(payload, ModelBytes)
    assert payload.build().tag_many(DOCS[:20]) == small_model.tag_many(DOCS[:20])
    assert "bytes" in repr(payload) and len(repr(payload)) < 80


def test_importing_greentag_does_not_import_dask() -> None:
    code = "import sys, greentag; greentag.tag('Wind farms'); print('dask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
