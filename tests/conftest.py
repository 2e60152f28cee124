"""Shared fixtures: a model trained on the tests' small corpus, the default model, paths to ../shared."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

import greentag

from .corpus import LABELS, TEXTS

# Property tests keep no example database and write nothing into the
# repository (hypothesis caches Unicode tables under its storage folder),
# and replay the same examples on every run so that CI results repeat.
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "greentag-hypothesis"))
settings.register_profile("greentag", database=None, derandomize=True, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "greentag"))

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
