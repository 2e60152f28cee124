"""The default model on news it has never seen, in each of its four languages.

``tests/data/heldout_*.jsonl`` hold articles written for these tests and kept
out of ``seeds/``: Russian, Chinese and Kazakh news paragraphs, and English
pieces in the style of real agency copy (datelines, press-service phrasing,
"Follow us on Telegram"), each with the tags an editor would give
(``expected``) and tags that would be plainly wrong (``forbidden``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import greentag
from greentag.evaluation import f1_summary
from greentag.labels import indicator_matrix

DATA = Path(__file__).resolve().parent / "data"


def articles(name: str) -> list[dict[str, Any]]:
    lines = (DATA / f"heldout_{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def scores(model: greentag.Tagger, docs: list[dict[str, Any]]) -> tuple[dict[str, Any], list[set[str]]]:
    """Micro/macro figures of the model's tags against ``expected``, and the tags themselves."""
    tagged = [{t.label for t in tags} for tags in model.tag_many([d["text"] for d in docs])]
    truth = indicator_matrix([d["expected"] for d in docs], model.labels).astype(bool)
    predicted = indicator_matrix([sorted(t) for t in tagged], model.labels).astype(bool)
    return f1_summary(truth, predicted, model.labels), tagged


@pytest.mark.parametrize("name", ["ru", "zh", "kk", "en_news"])
def test_heldout_articles_are_well_formed(name: str, default_model: greentag.Tagger) -> None:
    docs = articles(name)
    assert len(docs) >= 15
    for doc in docs:
        assert doc["expected"], doc["id"]
        assert set(doc["expected"]) | set(doc["forbidden"]) <= set(default_model.labels), doc["id"]
        assert not set(doc["expected"]) & set(doc["forbidden"]), doc["id"]
        assert greentag.detect_language(doc["text"]) == doc["lang"], doc["id"]


@pytest.mark.parametrize("lang", ["ru", "zh", "kk"])
def test_each_new_language_is_tagged_well(default_model: greentag.Tagger, lang: str) -> None:
    docs = articles(lang)
    summary, tagged = scores(default_model, docs)
    assert all(tagged), [d["id"] for d, tags in zip(docs, tagged, strict=True) if not tags]
    assert summary["micro"]["f1"] >= 0.60, summary["micro"]
    wrong = [d["id"] for d, tags in zip(docs, tagged, strict=True) if tags & set(d["forbidden"])]
    assert len(wrong) <= 0.15 * len(docs), wrong


def test_the_new_languages_together(default_model: greentag.Tagger) -> None:
    summary, _ = scores(default_model, articles("ru") + articles("zh") + articles("kk"))
    assert summary["micro"]["f1"] >= 0.70, summary["micro"]


def test_english_agency_copy_is_not_over_tagged(default_model: greentag.Tagger) -> None:
    docs = articles("en_news")
    summary, tagged = scores(default_model, docs)
    assert summary["micro"]["f1"] >= 0.75, summary["micro"]
    assert summary["micro"]["precision"] >= 0.70, summary["micro"]
    wrong = [d["id"] for d, tags in zip(docs, tagged, strict=True) if tags & set(d["forbidden"])]
    assert len(wrong) <= 0.15 * len(docs), wrong
