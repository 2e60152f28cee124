"""A model keeps the terms of its training vocabulary's tokens, so a loaded model need not stem them again."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import greentag
from greentag import Tagger
from greentag.text import Analyzer, TextOptions

from .corpus import TEXTS
from .hostile_files import members_of, write_model

UNSEEN = ["Electrified corridors reshaped the harbours' logistics.", "Windmills, solarization and hydrogenation."]


def _count_stems(analyzer: Analyzer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every token the analyzer's English stemmer is asked for."""
    calls: list[str] = []
    stem: Callable[[str], str] = analyzer._stem

    def counting(token: str) -> str:
        calls.append(token)
        return stem(token)

    monkeypatch.setattr(analyzer, "_stem", counting)
    return calls


def test_training_keeps_the_tokens_of_the_features(small_model: Tagger) -> None:
    tables = small_model.token_terms
    assert set(tables) == {"en"}  # the small corpus is English
    table = tables["en"]
    used = small_model.features.ngram_tables()[0]
    assert len(table) > 50 and all(term in used for term in table.values())
    assert list(table) == sorted(table)  # a fixed order, so the same training gives the same file
    fresh = Analyzer(small_model.text_options)
    assert all(fresh.chunk_terms(token, "en") == (term,) for token, term in table.items())


def test_a_loaded_model_does_not_stem_its_training_vocabulary(
    small_model: Tagger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.gtm"
    small_model.save(path)
    model = Tagger.load(path)
    assert model.token_terms == small_model.token_terms
    calls = _count_stems(model.scorer.analyzer, monkeypatch)
    known = list(model.token_terms["en"])
    model.tag(" ".join(known))
    assert calls == []
    model.tag(f"{known[0]} unheardofwordings")
    assert calls == ["unheardofwordings"]


def test_the_known_terms_change_no_score(small_model: Tagger, tmp_path: Path) -> None:
    # The same model from a file written before greentag kept the table.
    path = write_model(
        tmp_path / "older.gtm", members_of(small_model), edit=lambda manifest: manifest.pop("token_terms")
    )
    older = Tagger.load(path)
    assert older.token_terms == {}
    texts = [*TEXTS, *UNSEEN]
    np.testing.assert_array_equal(older.decision_function(texts), small_model.decision_function(texts))
    assert older.tag_many(texts) == small_model.tag_many(texts)


def test_known_terms_outlive_a_reset_of_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    analyzer = Analyzer(TextOptions(), cache_size=5)
    analyzer.remember({"en": {"corridors": "corridor"}})
    calls = _count_stems(analyzer, monkeypatch)
    analyzer.unigrams(" ".join(f"word{letter}s" for letter in "abcdefghij"), "en")  # resets the cache
    assert analyzer.unigrams("corridors", "en") == ["corridor"]
    assert "corridors" not in calls


def test_a_pickled_model_keeps_its_known_terms(small_model: Tagger, monkeypatch: pytest.MonkeyPatch) -> None:
    # Dask and joblib send models to workers as pickles.
    model = pickle.loads(pickle.dumps(small_model))
    calls = _count_stems(model.scorer.analyzer, monkeypatch)
    model.tag(" ".join(model.token_terms["en"]))
    assert calls == []


def test_the_default_model_knows_its_seed_vocabulary(default_model: Tagger) -> None:
    assert {"en", "ru", "kk"} <= set(default_model.token_terms)
    assert default_model.token_terms["en"]["corridors"] == "corridor"
    assert greentag.tag("Rail corridors and container ports") == default_model.tag("Rail corridors and container ports")
