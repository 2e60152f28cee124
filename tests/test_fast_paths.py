"""The fast inference paths give exactly what the plain ones give.

Tagging takes shortcuts for speed: passages are found line by line instead of
with a regular expression, terms are looked up by whitespace chunk and
bigrams by a pair of term ids, and a batch of documents is vectorised and
decided at once. Each shortcut is checked here against the straightforward
computation it replaces, to the last bit of every score.
"""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import greentag
from greentag.features import TfidfFeatures
from greentag.passages import pool_scores, split_passages
from greentag.text import MAX_CACHED_LENGTH, build_acronym_marker, build_analyzer, build_tokenizer, ngrams

from .corpus import LABELS, TEXTS

# The paragraph rule as a regular expression: the reference the line-by-line
# split_passages must agree with.
_BREAK = re.compile(r"\n\s*\n|(?<=[.!?\"\u201d\u2019)])[ \t]*\n|\n(?=[ \t])")


def split_passages_by_regex(text: str, min_words: int) -> list[list[str]]:
    if "\n" not in text:
        return [text.split()]
    passages: list[list[str]] = []
    current: list[str] = []
    for part in _BREAK.split(text):
        current.extend(part.split())
        if len(current) >= min_words:
            passages.append(current)
            current = []
    if current:
        if passages:
            passages[-1].extend(current)
        else:
            passages.append(current)
    return passages


@pytest.mark.parametrize(
    "text",
    [
        "a b c.\t \nd e f",  # sentence end, then spaces and a tab before the break
        "a b c.\r\nd e f",  # a carriage return hides the sentence end
        "a b c\n\x0b\nd e f",  # a line of other whitespace between two breaks
        "a b c\n \td e f",  # indented line
        "a b c\u2019\nd e f)\ne",  # curly quote and bracket end sentences
        "a b c\x85d\ne f.\n",  # NEL splits words but not lines
        "\n\na b c.\nd e f.\n\n",  # breaks before the first and after the last word
        "\n \n",  # nothing but whitespace
        "",
    ],
    ids=["trailing-tab", "carriage-return", "vertical-tab-line", "indent", "quotes", "nel", "edges", "blank", "empty"],
)
@pytest.mark.parametrize("min_words", [1, 2, 3])
def test_split_passages_follows_the_regex_rule(text: str, min_words: int) -> None:
    assert split_passages(text, min_words) == split_passages_by_regex(text, min_words)


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from(list('ab.!)"\u201d\u2019 \t\n\r\x0b\x0c\x85\u2028\xa0')), max_size=60),
    min_words=st.integers(1, 4),
)
def test_split_passages_follows_the_regex_rule_on_any_text(text: str, min_words: int) -> None:
    assert split_passages(text, min_words) == split_passages_by_regex(text, min_words)


# Analyzers whose options change what a bare chunk may be: acronyms marked or
# not (one of them all lower case), case kept, no placeholders, Kazakh n-grams.
_BARE_ANALYZERS = {
    "default": build_analyzer(),
    "english-only": build_analyzer(languages=("en",)),
    "case-kept": build_analyzer(lowercase=False),
    "no-placeholders": build_analyzer(placeholders=False),
    "lower-case-acronym": build_analyzer(acronyms=("eu", "IT", "EVs")),
    "kazakh-ngrams": build_analyzer(kazakh="ngrams"),
}
_AWKWARD_CHUNKS = [
    "(Corridors),",
    "IT,",
    "it.",
    "EVs;",
    "'EVs'",
    "EU",
    "eu,",
    "\u0130stanbul,",
    "STRASSE.",
    "stra\u00dfe",
    "\u01c5ungla",
    "1,250.",
    ".5",
    "(1987)",
    "\u0663\u0664,",
    "\u00b2",
    "5g,",
    "www.",
    "'tis",
    "exporters'",
    "\u00ab\u0410\u0441\u0442\u0430\u043d\u0430\u00bb",
    "\u049a\u0430\u0437\u0430\u049b\u0441\u0442\u0430\u043d,",
    "\u4e2d\u56fd\u7ecf\u6d4e,",
    "_under_",
    "--",
    "",
    ",",
    "co-operation.",
    "a@b.kz,",
]
_CHUNK_CHARACTERS = "aZeIT\u0130\u0131\u00df\u01c5\u0410\u04d9\u049b\u4e2d\u56fd09\u0663\u00b2_-@/.,;:!?\"'()[]\u00ab\u00bb\u201c\u201d\u2019"


def _seed_chunks() -> list[str]:
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    texts = [json.loads(line)["text"] for path in sorted(seeds.glob("*.jsonl")) for line in path.open(encoding="utf-8")]
    normalize = _BARE_ANALYZERS["default"]._normalize
    return sorted({chunk for text in texts for chunk in normalize(text).split()})


@pytest.mark.parametrize("name", sorted(_BARE_ANALYZERS))
def test_a_bare_chunk_has_the_terms_of_its_chunk(name: str) -> None:
    analyzer = _BARE_ANALYZERS[name]
    chunks = _AWKWARD_CHUNKS + _seed_chunks()
    assert len(chunks) > 5000  # the seed corpus is there, in all its languages
    changed = 0
    for chunk in chunks:
        bare = analyzer.bare_chunk(chunk)
        if bare == chunk:
            continue
        changed += 1
        for lang in analyzer.languages:
            assert analyzer.chunk_terms(bare, lang) == analyzer.chunk_terms(chunk, lang), (chunk, bare, lang)
    assert changed > len(chunks) // 10  # the shortcut is taken


@settings(max_examples=300, deadline=None)
@given(chunk=st.text(alphabet=_CHUNK_CHARACTERS, max_size=12))
def test_a_bare_chunk_has_the_terms_of_any_chunk(chunk: str) -> None:
    for analyzer in _BARE_ANALYZERS.values():
        bare = analyzer.bare_chunk(chunk)
        for lang in analyzer.languages:
            assert analyzer.chunk_terms(bare, lang) == analyzer.chunk_terms(chunk, lang), (chunk, bare, lang)


@settings(max_examples=300, deadline=None)
@given(word=st.text(alphabet=st.characters(categories=["L"]), min_size=1, max_size=12))
def test_a_word_alone_is_its_only_token_and_no_acronym(word: str) -> None:
    # chunk_terms skips the acronym marker and the tokeniser for a chunk of letters on these grounds.
    assert build_tokenizer()(word) == [word]
    acronyms = [a for a in _BARE_ANALYZERS["lower-case-acronym"].options.acronyms or () if a != word]
    assert build_acronym_marker(acronyms)(word) == word


def test_another_spelling_of_a_known_word_is_not_analysed_again() -> None:
    model = greentag.train(TEXTS, LABELS, min_df=1, cv=3)
    analyzed: list[str] = []
    chunk_terms = model.scorer.analyzer.chunk_terms
    model.scorer.analyzer.chunk_terms = lambda chunk, lang="en": analyzed.append(chunk) or chunk_terms(chunk, lang)
    first = model.predict_proba(["Solar farms feed the grid."])
    assert "solar" in analyzed
    analyzed.clear()
    again = model.predict_proba(["SOLAR (Solar) solar, farms feed the grid!"])
    assert analyzed == []  # every chunk was another spelling of a known one
    assert again.tobytes() != first.tobytes()  # three solars are not one
    assert (
        again.tobytes()
        == greentag.train(TEXTS, LABELS, min_df=1, cv=3)
        .predict_proba(["SOLAR (Solar) solar, farms feed the grid!"])
        .tobytes()
    )


@pytest.fixture(scope="module")
def features() -> TfidfFeatures:
    vocabulary = ["grid", "port", "rail", "rail freight", "solar", "solar grid", "wind farm"]
    return TfidfFeatures(vocabulary, np.linspace(1.0, 2.5, len(vocabulary)))


@pytest.mark.parametrize("int32_max", [np.iinfo(np.int32).max, 0], ids=["32-bit keys", "64-bit keys"])
def test_transform_rows_equals_transform_indices_bit_for_bit(
    features: TfidfFeatures, int32_max: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A batch whose (row, feature) keys overflow 32 bits sorts them as 64-bit
    # integers; a limit of 0 takes that path with a small vocabulary.
    monkeypatch.setattr("greentag.features._INT32_MAX", int32_max)
    rng = np.random.default_rng(0)
    rows = [rng.integers(-1, features.n_features + 2, size=n).tolist() for n in (0, 1, 5, 40, 3, 0, 12)]
    indptr, idx, values = features.transform_rows(rows)
    assert len(indptr) == len(rows) + 1
    for r, row in enumerate(rows):
        one_idx, one_values = features.transform_indices(row)
        assert idx[indptr[r] : indptr[r + 1]].tolist() == one_idx.tolist()
        assert values[indptr[r] : indptr[r + 1]].tobytes() == one_values.tobytes()


def test_entries_outside_the_vocabulary_are_ignored(features: TfidfFeatures) -> None:
    idx, values = features.transform_indices([-1, 2, 2, features.n_features, 0])
    expected_idx, expected_values = features.transform_indices([2, 2, 0])
    assert idx.tolist() == expected_idx.tolist() == [0, 2]
    assert values.tobytes() == expected_values.tobytes()
    assert features.transform_indices([-1, features.n_features + 3])[0].size == 0


def test_ngram_tables_find_bigrams_by_term_ids(features: TfidfFeatures) -> None:
    term_ids, pairs = features.ngram_tables()
    index = features.index
    assert pairs[term_ids["rail"], term_ids["freight"]] == index["rail freight"]
    assert pairs[term_ids["solar"], term_ids["grid"]] == index["solar grid"]
    # "wind" and "farm" are not features themselves: they get ids past the vocabulary.
    assert min(term_ids["wind"], term_ids["farm"]) >= features.n_features
    assert pairs[term_ids["wind"], term_ids["farm"]] == index["wind farm"]
    assert len(pairs) == 3


LONG_TEXT = (
    "The wind farm added forty turbines and feeds the grid.\n"
    "Freight trains now cross the border in two days.\n\n"
    "The hospital hired nurses and opened a ward.\n"
    "    Solar panels cut the power bill of the plant.\n"
    "unknownword zzz qqq"
)
MORE_TEXTS = [
    *TEXTS,
    LONG_TEXT,
    "the and of",  # stop words only
    "zzz qqq\n\nxxx yyy",  # no known term in any passage
    "",
    "Solar panels.\n\nthe of and\n\nFreight trains and rail freight.",  # a passage of stop words in the middle
    # Chunks too long to cache, twice each: analysed again every time they occur.
    f"Solar {'wind-' * MAX_CACHED_LENGTH}farm {'z' * MAX_CACHED_LENGTH}z trains. " * 2,
]


@pytest.fixture(
    scope="module",
    params=[
        {"passage_min_words": 3},
        {"passage_min_words": 3, "ngram_range": (1, 1)},
        {"passage_min_words": 3, "ngram_range": (1, 3)},
        {"passage_min_words": 3, "ngram_range": (2, 2)},
        {"passage_min_words": 3, "passage_weight": 0.0},
        {"passage_min_words": None},
    ],
    ids=["bigrams", "unigrams", "trigrams", "bigrams-only", "no-pooling", "no-passages"],
)
def model(request: pytest.FixtureRequest) -> greentag.Tagger:
    return greentag.train(TEXTS, LABELS, min_df=1, cv=3, **request.param)


def test_batch_scores_equal_single_scores_bit_for_bit(model: greentag.Tagger) -> None:
    batch = model.predict_proba(MORE_TEXTS)  # the batched path
    for row, text in enumerate(MORE_TEXTS):
        alone = model.predict_proba([text])  # the one-document path
        assert batch[row].tobytes() == alone[0].tobytes(), text


def reference_logits(model: greentag.Tagger, text: str) -> np.ndarray:
    """The calibrated log-odds computed the plain way: n-gram strings, a sparse product, then Platt."""
    ngram_range, (slope, offset) = model.text_options.ngram_range, model.calibration
    passages = model.analyzer.passage_unigrams(text)

    def linear(unigrams: list[str]) -> np.ndarray:
        row = model.features.transform([ngrams(unigrams, ngram_range)])
        calibrated: np.ndarray = slope * (np.asarray(row @ model.coef).ravel() + model.intercept) + offset
        return calibrated

    document = linear([term for passage in passages for term in passage])
    if not model.features.transform([model.analyzer(text)]).nnz:
        return linear([])  # no known term: the priors
    if len(passages) > 1 and model.passage_weight > 0:
        best = np.max([linear(passage) for passage in passages], axis=0)
        document = pool_scores(document, best, model.passage_weight)
    return document


def test_scores_equal_the_plain_sparse_computation(model: greentag.Tagger) -> None:
    # Chunk caches, term-id bigrams and the calibration folded into the
    # weights change the order of float sums, not the result.
    logits = model.decision_function(MORE_TEXTS)
    for row, text in enumerate(MORE_TEXTS):
        np.testing.assert_allclose(logits[row], reference_logits(model, text), rtol=1e-5, atol=1e-5, err_msg=text)


@pytest.mark.parametrize(
    "options",
    [{}, {"threshold": 0.0}, {"threshold": 1.0}, {"top_k": 1}, {"at_least_one": False}, {"threshold": 0.4, "top_k": 2}],
    ids=["defaults", "all-labels", "no-label-passes", "top-1", "no-fallback", "threshold-and-top-k"],
)
def test_batch_decisions_equal_single_decisions(model: greentag.Tagger, options: dict[str, object]) -> None:
    assert model.tag_many(MORE_TEXTS, **options) == [model.tag(text, **options) for text in MORE_TEXTS]  # type: ignore[arg-type]


def test_single_label_batch_decisions_equal_single_decisions() -> None:
    labeled = [(text, labels[0]) for text, labels in zip(TEXTS, LABELS, strict=True) if labels]
    model = greentag.train(
        [t for t, _ in labeled], [label for _, label in labeled], min_df=1, cv=3, passage_min_words=3
    )
    assert model.single_label
    for options in ({}, {"threshold": 0.0}, {"at_least_one": False}):
        assert model.tag_many(MORE_TEXTS, **options) == [model.tag(t, **options) for t in MORE_TEXTS]  # type: ignore[arg-type]


def test_pickled_model_leaves_its_caches_behind(model: greentag.Tagger) -> None:
    fresh = len(pickle.dumps(model))
    model.tag_many(MORE_TEXTS)  # fills the chunk and token caches
    assert len(pickle.dumps(model)) == fresh
    clone = pickle.loads(pickle.dumps(model))
    assert clone.tag_many(MORE_TEXTS) == model.tag_many(MORE_TEXTS)


def test_batched_bigram_lookup_equals_the_one_document_path_on_the_shipped_model() -> None:
    # Real documents (many passages, repeated words, bigrams across paragraph
    # breaks) through the numpy bigram lookup of a batch and through the
    # pair dictionary of a lone document give the same floats.
    model = greentag.load_default()
    texts, _ = greentag.read_dataset(Path(__file__).resolve().parents[1] / "seeds")
    sample = texts[::7]
    batch = model.predict_proba(sample)
    for row, text in enumerate(sample):
        assert batch[row].tobytes() == model.predict_proba([text])[0].tobytes(), text[:80]
