"""Passages: how long documents are split, and how passage scores lift document scores."""

from __future__ import annotations

import numpy as np
import pytest

import greentag
from greentag.passages import pool_scores, split_passages
from greentag.text import build_analyzer

from .corpus import LABELS, TEXTS


@pytest.mark.parametrize(
    "text, min_words, expected",
    [
        ("one two three", 2, [["one", "two", "three"]]),
        ("a b c.\nd e f.\ng h i.", 3, [["a", "b", "c."], ["d", "e", "f."], ["g", "h", "i."]]),
        ("a b c.\nd e f.\ng", 3, [["a", "b", "c."], ["d", "e", "f.", "g"]]),
        ("a b\nc d.\n\ne f g h", 3, [["a", "b", "c", "d."], ["e", "f", "g", "h"]]),
        ("a b c.\n    d e f", 3, [["a", "b", "c."], ["d", "e", "f"]]),
        ("short.\nalso short.\nend", 10, [["short.", "also", "short.", "end"]]),
    ],
    ids=[
        "no-break",
        "sentence-breaks",
        "short-tail-joins",
        "hard-wrap-is-not-a-break",
        "indented-paragraph",
        "all-short",
    ],
)
def test_split_passages(text: str, min_words: int, expected: list[list[str]]) -> None:
    passages = split_passages(text, min_words)
    assert passages == expected
    assert [word for passage in passages for word in passage] == text.split()


def test_passage_terms_concatenate_to_the_document_terms() -> None:
    analyzer = build_analyzer(stop_words="sklearn", passage_min_words=5)
    text = "Rail freight grows on the corridor.\nThe hospital opened a ward for children.\n\nSolar farms feed the grid now."
    passages = analyzer.passage_unigrams(text)
    assert len(passages) == 3
    assert [term for passage in passages for term in passage] == analyzer.unigrams(text)


def test_pool_scores_only_lifts() -> None:
    doc = np.array([-3.0, 2.0, 0.0])
    best = np.array([1.0, -1.0, 0.0])
    np.testing.assert_allclose(pool_scores(doc, best, 0.5), [-1.0, 2.0, 0.0])
    np.testing.assert_allclose(pool_scores(doc, best, 0.0), doc)
    np.testing.assert_allclose(pool_scores(doc, best, 1.0), [1.0, 2.0, 0.0])


def test_a_paragraph_on_a_topic_lifts_that_topic() -> None:
    model = greentag.train(TEXTS, LABELS, min_df=1, cv=3, passage_min_words=8)
    flat = greentag.train(TEXTS, LABELS, min_df=1, cv=3, passage_min_words=8, passage_weight=0.0)
    health = " ".join(["The hospital hired nurses and doctors for the emergency ward and its patients."])
    finance = " ".join(
        ["The central bank raised its interest rate and bought government bonds as inflation and yields climbed."] * 3
    )
    text = finance + "\n" + health
    j = model.labels.index("health")
    assert model.passage_weight == 0.6 and flat.passage_weight == 0.0
    # The same document-level weights would give the same score; the pooled model scores health higher.
    assert model.decision_function([text])[0][j] > model.decision_function([finance + " " + health])[0][j]


def test_explain_adds_up_with_passages() -> None:
    model = greentag.train(TEXTS, LABELS, min_df=1, cv=3, passage_min_words=8)
    text = "The central bank raised rates and bought bonds from investors today.\nNurses at the hospital treated patients with the flu this week."
    for label in model.labels:
        explanation = model.explain(text, label, top_n=1000)
        logit = float(model.decision_function([text])[0][model.labels.index(label)])
        assert sum(w for _, w in explanation.terms) + explanation.bias == pytest.approx(logit, abs=1e-4)


def test_passage_options_are_validated() -> None:
    with pytest.raises(ValueError, match="passage_weight must be a number in"):
        greentag.train(TEXTS, LABELS, passage_weight=1.5)
    with pytest.raises(ValueError, match="passage_min_words must be a positive int or None"):
        greentag.train(TEXTS, LABELS, passage_min_words=0)


def test_no_passages_means_whole_documents() -> None:
    model = greentag.train(TEXTS, LABELS, min_df=1, cv=3, passage_min_words=None)
    assert model.passage_weight == 0.0
