"""greentag.tag_frame: tagging the text column of a pandas DataFrame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import greentag
from greentag import InputTypeError

pd = pytest.importorskip("pandas")

from .corpus import TEXTS  # noqa: E402
from .processes import printed_words  # noqa: E402


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return pd.DataFrame({"body": TEXTS[:12], "n": range(12)}, index=[f"doc{i}" for i in range(12)])


def test_tags_equal_tag_many_and_the_frame_is_kept(frame: pd.DataFrame, small_model: greentag.Tagger) -> None:
    tagged = greentag.tag_frame(frame, "body", model=small_model)
    assert tagged.columns.tolist() == ["body", "n", "tags"]
    assert tagged.index.equals(frame.index)
    expected = [[t.label for t in tags] for tags in small_model.tag_many(frame["body"])]
    assert tagged["tags"].tolist() == expected
    assert "tags" not in frame.columns  # a copy: the caller's frame is untouched


def test_score_columns_hold_each_labels_probability(frame: pd.DataFrame, small_model: greentag.Tagger) -> None:
    tagged = greentag.tag_frame(frame, "body", model=small_model, scores=True, score_prefix="p_")
    columns = [f"p_{label}" for label in small_model.labels]
    assert tagged.columns.tolist() == ["body", "n", "tags", *columns]
    np.testing.assert_allclose(tagged[columns].to_numpy(), small_model.predict_proba(frame["body"]), rtol=1e-6)
    # Every tag's score is the score in its column.
    for (_, row), tags in zip(tagged.iterrows(), small_model.tag_many(frame["body"]), strict=True):
        for tag in tags:
            assert row[f"p_{tag.label}"] == pytest.approx(tag.score, rel=1e-6)


@pytest.mark.parametrize(
    ("options", "call"),
    [({"top_k": 1}, {"top_k": 1}), ({"threshold": 0.05}, {"threshold": 0.05}), ({"n_jobs": 2}, {})],
    ids=["top_k", "threshold", "n_jobs"],
)
def test_tagging_options_are_passed_through(
    frame: pd.DataFrame, small_model: greentag.Tagger, options: dict[str, object], call: dict[str, object]
) -> None:
    tagged = greentag.tag_frame(frame, "body", model=small_model, **options)  # type: ignore[arg-type]
    expected = [[t.label for t in tags] for tags in small_model.tag_many(frame["body"], **call)]  # type: ignore[arg-type]
    assert tagged["tags"].tolist() == expected


def test_missing_texts_get_no_tags_and_nan_scores(small_model: greentag.Tagger) -> None:
    df = pd.DataFrame({"text": [TEXTS[0], None, np.nan, pd.NA, TEXTS[8]]})
    tagged = greentag.tag_frame(df, model=small_model, scores=True)
    assert tagged["tags"].tolist()[1:4] == [[], [], []]
    assert tagged["tags"][0] == [t.label for t in small_model.tag(TEXTS[0])]
    assert tagged["tags"][4] == [t.label for t in small_model.tag(TEXTS[8])]
    scores = tagged[[f"score_{label}" for label in small_model.labels]].to_numpy()
    assert np.isnan(scores[1:4]).all()
    assert not np.isnan(scores[[0, 4]]).any()


def test_model_may_be_a_file_path(frame: pd.DataFrame, small_model: greentag.Tagger, tmp_path: Path) -> None:
    path = tmp_path / "small.gtm"
    small_model.save(path)
    from_path = greentag.tag_frame(frame, "body", model=str(path))
    assert from_path.equals(greentag.tag_frame(frame, "body", model=small_model))


def test_default_model_and_empty_frame(default_model: greentag.Tagger) -> None:
    tagged = greentag.tag_frame(pd.DataFrame({"text": []}, dtype=object), scores=True)
    assert len(tagged) == 0
    assert tagged.columns.tolist() == ["text", "tags", *[f"score_{label}" for label in default_model.labels]]


def test_tagging_a_tagged_frame_refreshes_its_columns(frame: pd.DataFrame, small_model: greentag.Tagger) -> None:
    once = greentag.tag_frame(frame, "body", model=small_model, scores=True)
    twice = greentag.tag_frame(once, "body", model=small_model, scores=True)
    assert twice.equals(once)


@pytest.mark.parametrize(
    ("data", "kwargs", "error", "match"),
    [
        (pd.Series(["a text"]), {}, TypeError, r"series.to_frame\('text'\)"),
        ([["a text"]], {}, TypeError, "expects a pandas DataFrame, got list"),
        (pd.DataFrame({"body": ["a"]}), {}, KeyError, r"no column 'text' in the frame; its columns are \['body'\]"),
        (pd.DataFrame({"text": ["a", 3]}, index=["x", "y"]), {}, InputTypeError, "'text' at row 'y' is int"),
        (pd.DataFrame({"text": [b"bytes"]}), {}, InputTypeError, "is bytes, expected str"),
        (pd.DataFrame({"text": ["a"]}), {"model": 3}, TypeError, "model must be a Tagger"),
    ],
    ids=["series", "list", "missing-column", "int-cell", "bytes-cell", "bad-model"],
)
def test_bad_input_gets_a_clear_error(
    data: object, kwargs: dict[str, object], error: type[Exception], match: str, small_model: greentag.Tagger
) -> None:
    kwargs = {"model": small_model, **kwargs}
    with pytest.raises(error, match=match):
        greentag.tag_frame(data, **kwargs)  # type: ignore[arg-type]


def test_import_greentag_does_not_import_pandas() -> None:
    code = "import sys, greentag; print('pandas' in sys.modules)"
    assert printed_words(code) == ["False"]
