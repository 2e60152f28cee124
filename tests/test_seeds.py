"""The seed corpus and taxonomy the default model is trained from (seeds/)."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from greentag.default import seeds_path
from greentag.language import LANGUAGES, detect_language

SEEDS = seeds_path()
OTHER_LANGUAGES = ("ru", "zh", "kk")


@pytest.fixture(scope="module")
def taxonomy() -> dict[str, object]:
    return json.loads((SEEDS / "taxonomy.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def records() -> list[dict[str, object]]:
    out = []
    for path in sorted(SEEDS.glob("*.jsonl")):
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            record = json.loads(line)
            record["_where"] = f"{path.name}:{line_no}"
            out.append(record)
    return out


@pytest.fixture(scope="module")
def english(records: list[dict[str, object]]) -> list[dict[str, object]]:
    return [r for r in records if r.get("lang", "en") == "en"]


def words(record: dict[str, object]) -> int:
    """Length in words; a Chinese text counts one word per two Han characters, as its words are."""
    text = str(record["text"])
    if record.get("lang") == "zh":
        return len(re.findall(r"[\u4e00-\u9fff]", text)) // 2 + len(re.findall(r"[A-Za-z0-9]+", text))
    return len(text.split())


def test_taxonomy_has_the_fourteen_topics(taxonomy: dict[str, object]) -> None:
    labels = taxonomy["labels"]
    assert isinstance(labels, list)
    ids = [label["id"] for label in labels]
    assert ids == [
        "green_technology", "transport_logistics", "trade_in_services", "trade_in_goods", "investment_finance",
        "energy", "digital_technology", "education", "healthcare", "tourism", "agriculture", "environment",
        "diplomacy_cooperation", "industry_manufacturing",
    ]  # fmt: skip
    for label in labels:
        assert label["name"] and len(label["definition"].split()) >= 20, label["id"]


def test_records_are_well_formed(records: list[dict[str, object]], taxonomy: dict[str, object]) -> None:
    allowed = {label["id"] for label in taxonomy["labels"]}  # type: ignore[attr-defined]
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for r in records:
        assert set(r) - {"lang"} == {"id", "text", "labels", "_where"}, r["_where"]
        assert r.get("lang", "en") in LANGUAGES, r["_where"]
        assert isinstance(r["text"], str) and r["text"].strip(), r["_where"]
        labels = r["labels"]
        assert isinstance(labels, list) and len(labels) == len(set(labels)), r["_where"]
        assert set(labels) <= allowed, r["_where"]


def test_english_corpus_size_and_balance(english: list[dict[str, object]]) -> None:
    assert len(english) >= 1400
    counts = Counter(label for r in english for label in r["labels"])  # type: ignore[attr-defined]
    assert len(counts) == 14
    assert min(counts.values()) >= 100, counts
    multi = sum(len(r["labels"]) >= 2 for r in english) / len(english)  # type: ignore[arg-type]
    assert multi >= 0.30
    lengths = [words(r) for r in english]
    assert statistics.median(lengths) >= 80
    assert min(lengths) < 30 and max(lengths) > 300  # alerts and long reports both present


# Documents per language, and per label within it.
CORPUS_FLOORS = {"ru": (450, 40), "zh": (450, 40), "kk": (450, 40)}


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_each_language_has_its_own_corpus(records: list[dict[str, object]], lang: str) -> None:
    mine = [r for r in records if r.get("lang") == lang]
    min_documents, min_per_label = CORPUS_FLOORS[lang]
    assert len(mine) >= min_documents
    counts = Counter(label for r in mine for label in r["labels"])  # type: ignore[attr-defined]
    assert len(counts) == 14
    assert min(counts.values()) >= min_per_label, counts
    assert sum(len(r["labels"]) >= 2 for r in mine) / len(mine) >= 0.30  # type: ignore[arg-type]
    assert sum(not r["labels"] for r in mine) >= 10  # documents outside every topic
    lengths = [words(r) for r in mine]
    assert statistics.median(lengths) >= 70
    assert min(lengths) < 30 and max(lengths) > 300


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_each_document_is_written_in_its_language(records: list[dict[str, object]], lang: str) -> None:
    mine = [r for r in records if r.get("lang") == lang]
    wrong = [r["_where"] for r in mine if detect_language(str(r["text"])) != lang]
    assert len(wrong) <= 0.02 * len(mine), wrong[:10]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_near_duplicates(records: list[dict[str, object]], lang: str) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    mine = [r for r in records if r.get("lang", "en") == lang]
    # Chinese has no spaces: its "words" for this check are characters and their pairs.
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)) if lang == "zh" else TfidfVectorizer()
    matrix = vectorizer.fit_transform([str(r["text"]) for r in mine])
    similarity = (matrix @ matrix.T).toarray()
    np.fill_diagonal(similarity, 0.0)
    i, j = np.unravel_index(int(similarity.argmax()), similarity.shape)
    assert similarity[i, j] < 0.8, (mine[i]["_where"], mine[j]["_where"])


def test_built_package_carries_the_seed_corpus_and_the_model(tmp_path: Path) -> None:
    # A regular install reads seeds/ and models/ from inside the package (greentag/_data/);
    # building the wheel's files here checks that setup.py copies exactly the repository's files.
    repo = Path(__file__).resolve().parents[1]
    if not (repo / "setup.py").is_file():
        pytest.skip("not a source checkout")
    build = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path)],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    data = tmp_path / "greentag" / "_data"
    for folder, pattern in (("seeds", "*.jsonl"), ("seeds", "taxonomy.json"), ("models", "*.gtm")):
        sources = sorted((repo / folder).glob(pattern))
        assert sources, f"{folder}/{pattern} is empty"
        for source in sources:
            copy = data / folder / source.name
            assert copy.is_file(), f"the built package lacks {folder}/{source.name}"
            assert copy.read_bytes() == source.read_bytes(), f"{folder}/{source.name} differs in the built package"
