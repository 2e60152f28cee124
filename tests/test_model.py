"""The Tagger: tag, tag_many, explain, evaluate, decisions and input checking."""

from __future__ import annotations

import pytest

import greentag
from greentag import Tag, Tagger

from .corpus import LABELS, TEXTS
from .processes import printed_words

MIXED = "Diesel prices raised the cost of trucks at the port; the bank lent money for fuel."


def test_tags_are_ranked_probabilities(small_model: Tagger) -> None:
    tags = small_model.tag(MIXED, threshold=0.0)
    assert [t.label for t in tags] and all(isinstance(t, Tag) for t in tags)
    scores = [t.score for t in tags]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 and isinstance(s, float) for s in scores)
    assert len(tags) == len(small_model.labels)  # threshold 0 keeps every label


def test_tag_scores_equal_predict_proba(small_model: Tagger) -> None:
    probs = small_model.predict_proba([MIXED])[0]
    for tag in small_model.tag(MIXED, threshold=0.0):
        assert tag.score == pytest.approx(float(probs[small_model.labels.index(tag.label)]))


def test_threshold_and_top_k(small_model: Tagger) -> None:
    everything = small_model.tag(MIXED, threshold=0.0)
    assert small_model.tag(MIXED, threshold=0.0, top_k=2) == everything[:2]
    strict = small_model.tag(MIXED, threshold=0.999, at_least_one=False)
    assert all(t.score >= 0.999 for t in strict)


def test_per_label_thresholds_decide(small_model: Tagger) -> None:
    probs = small_model.predict_proba(TEXTS)
    for text, row in zip(TEXTS, probs, strict=True):
        expected = {
            label for label, p, t in zip(small_model.labels, row, small_model.thresholds, strict=True) if p >= t
        }
        got = {t.label for t in small_model.tag(text, at_least_one=False)}
        assert got == expected


def test_at_least_one_rule(small_model: Tagger) -> None:
    text = "The new port"
    assert small_model.tag(text, threshold=1.0, at_least_one=False) == []
    fallback = small_model.tag(text, threshold=1.0, at_least_one=True)
    if small_model.predict_proba([text]).max() >= small_model.fallback_floor:
        assert [t.label for t in fallback] == ["transport"]


@pytest.mark.parametrize(
    "text", ["", "   \n\t", "zzzz qqqq", "\x00\x00"], ids=["empty", "blank", "unknown-words", "nul"]
)
def test_texts_without_known_terms_get_no_tags(small_model: Tagger, text: str) -> None:
    assert small_model.tag(text) == []
    assert small_model.explain(text) == []


def test_tag_many_equals_tag(small_model: Tagger) -> None:
    texts = [*TEXTS, MIXED, "", "unknown"]
    assert small_model.tag_many(texts) == [small_model.tag(t) for t in texts]
    assert small_model.tag_many(texts, top_k=1, threshold=0.2) == [
        small_model.tag(t, top_k=1, threshold=0.2) for t in texts
    ]


def test_tag_many_accepts_any_iterable(small_model: Tagger) -> None:
    expected = small_model.tag_many(TEXTS)
    assert small_model.tag_many(t for t in TEXTS) == expected
    assert small_model.tag_many(tuple(TEXTS), batch_size=3) == expected
    assert small_model.tag_many([]) == []


def test_tag_stream_is_lazy(small_model: Tagger) -> None:
    consumed = []

    def texts():
        for text in TEXTS:
            consumed.append(text)
            yield text

    stream = small_model.tag_stream(texts(), batch_size=4)
    first = next(stream)
    assert first == small_model.tag(TEXTS[0])
    assert len(consumed) == 4  # one batch read, not the whole input


@pytest.mark.parametrize(
    "bad, message",
    [
        (None, "must be a str, got NoneType"),
        (b"solar", "is bytes; decode it to str first"),
        (42, "must be a str, got int"),
        (["a list"], "must be a str, got list"),
    ],
    ids=["none", "bytes", "int", "list"],
)
def test_tag_rejects_non_strings(small_model: Tagger, bad: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        small_model.tag(bad)  # type: ignore[arg-type]
    with pytest.raises(greentag.GreentagError):
        small_model.tag(bad)  # type: ignore[arg-type]


def test_tag_many_names_the_bad_index(small_model: Tagger) -> None:
    with pytest.raises(TypeError, match=r"texts\[2\] must be a str, got int"):
        small_model.tag_many(["a", "b", 3])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="got a single str; use tag"):
        small_model.tag_many("one text")
    with pytest.raises(TypeError, match="iterable of str, got int"):
        small_model.tag_many(5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"threshold": 1.5}, "threshold must be"),
        ({"threshold": "high"}, "threshold must be"),
        ({"top_k": 0}, "top_k must be"),
        ({"top_k": 1.5}, "top_k must be"),
    ],
    ids=["threshold-range", "threshold-type", "top-k-zero", "top-k-float"],
)
def test_bad_decision_options(small_model: Tagger, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        small_model.tag("wind", **kwargs)  # type: ignore[arg-type]


def test_explain_shows_the_terms_behind_a_tag(small_model: Tagger) -> None:
    text = "Electric buses charged by solar power at the port"
    explanation = small_model.explain(text, "energy")
    assert explanation.label == "energy"
    assert explanation.score == pytest.approx(small_model.predict_proba([text])[0][0])
    terms = dict(explanation.terms)
    assert "solar" in terms and terms["solar"] > 0
    assert "solar power" in terms  # bigrams shown as written, not as stems
    weights = [w for _, w in explanation.terms]
    assert weights == sorted(weights, reverse=True)
    # The contributions and the bias add up to the label's log-odds.
    full = small_model.explain(text, "energy", top_n=1000)
    logit = small_model.decision_function([text])[0][small_model.labels.index("energy")]
    assert sum(w for _, w in full.terms) + full.bias == pytest.approx(float(logit), abs=1e-4)


def test_explain_without_label_follows_the_tags(small_model: Tagger) -> None:
    explanations = small_model.explain(MIXED)
    assert [e.label for e in explanations] == [t.label for t in small_model.tag(MIXED)]
    with pytest.raises(KeyError, match="unknown label 'sport'"):
        small_model.explain(MIXED, "sport")


def test_evaluate_reports_the_usual_figures(small_model: Tagger) -> None:
    report = small_model.evaluate(TEXTS, LABELS)
    assert report["n_documents"] == len(TEXTS)
    for average in ("micro", "macro", "samples"):
        assert set(report[average]) == {"precision", "recall", "f1"}
        assert 0.0 <= report[average]["f1"] <= 1.0
    assert report["per_label"]["energy"]["support"] == sum("energy" in doc for doc in LABELS)
    assert report["micro"]["f1"] > 0.8  # its own training data


def test_evaluate_matches_sklearn(small_model: Tagger) -> None:
    from sklearn.metrics import f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    predicted = [[t.label for t in tags] for tags in small_model.tag_many(TEXTS)]
    binarizer = MultiLabelBinarizer(classes=small_model.labels)
    y_true, y_pred = binarizer.fit_transform(LABELS), binarizer.transform(predicted)
    report = small_model.evaluate(TEXTS, LABELS)
    for average in ("micro", "macro", "samples"):
        expected = f1_score(y_true, y_pred, average=average, zero_division=0)
        if average == "samples":
            # scikit-learn scores a document with no true and no predicted label 0; we score it 1.
            continue
        assert report[average]["f1"] == pytest.approx(expected, abs=1e-6)


def test_evaluate_counts_unknown_labels_as_missed(small_model: Tagger) -> None:
    with pytest.warns(greentag.GreentagWarning, match=r"\['sport'\] are not among the model's labels"):
        report = small_model.evaluate(["The club won the cup"], [["sport"]])
    assert report["unknown_labels"] == ["sport"]
    assert report["per_label"]["sport"]["recall"] == 0.0


def test_repr(small_model: Tagger) -> None:
    assert repr(small_model).startswith("<Tagger: 4 labels,")


def test_tagging_does_not_import_training_or_dataset_readers() -> None:
    # A process that only tags should not pay for them at start-up.
    code = (
        "import sys, greentag; greentag.tag('Wind farms feed the grid.');"
        "print(any(m in sys.modules for m in ('greentag.training', 'greentag.data')));"
        "greentag.train; greentag.read_dataset;"
        "print(all(m in sys.modules for m in ('greentag.training', 'greentag.data')))"
    )
    assert printed_words(code) == ["False", "True"]
