"""Shared fixtures: a model trained on the tests' small corpus, the default model, paths to ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

import greentag

from .corpus import LABELS, TEXTS

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED_ARTICLE = SHARED / "seeds" / "000_f9a769796d381bc6.txt"
DATASETS = SHARED / "datasets"


@pytest.fixture(scope="session")
def small_model() -> greentag.Tagger:
    """A model trained once on CORPUS (min_df=1: the corpus is tiny)."""
    return greentag.train(TEXTS, LABELS, min_df=1, cv=3)


@pytest.fixture(scope="session")
def default_model() -> greentag.Tagger:
    return greentag.load_default()


def require_shared(path: Path) -> Path:
    """Skip the test cleanly when ../shared (or a file in it) is absent."""
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path
