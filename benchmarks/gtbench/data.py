"""Finding and reading the public benchmark datasets in ``../shared/datasets``.

Each dataset is a folder with ``train.jsonl.gz`` and ``test.jsonl.gz``; every
line is ``{"id", "text", "labels"}``. A dataset without a train split cannot
be benchmarked and is reported as skipped, with the reason.
"""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DATASETS_DIR", "HEADLINE", "QUICK", "Dataset", "discover", "load_split", "skip_reason"]

# The repository's parent holds ``shared``: <parent>/main/benchmarks/gtbench/data.py.
DATASETS_DIR = Path(__file__).resolve().parents[3] / "shared" / "datasets"
HEADLINE = "reuters21578"
# The headline first, then the others in a stable order.
_ORDER = (HEADLINE, "reuters21578_r10", "bbc_news", "20newsgroups", "ag_news")
# What --quick runs by default: one multi-label and one single-label dataset, and one that is skipped.
QUICK = (HEADLINE, "bbc_news", "ag_news")


@dataclass
class Dataset:
    """One split pair, already read (and subsampled in quick mode)."""

    name: str
    train_texts: list[str]
    train_labels: list[list[str]]
    test_texts: list[str]
    test_labels: list[list[str]]

    @property
    def multi_label(self) -> bool:
        """True unless every document of both splits has exactly one label."""
        return any(len(labels) != 1 for labels in self.train_labels + self.test_labels)

    @property
    def labels(self) -> list[str]:
        """Every label of either split, sorted: the columns of the F1 computation."""
        return sorted({label for labels in self.train_labels + self.test_labels for label in labels})


def discover(root: Path = DATASETS_DIR) -> list[str]:
    """Return the dataset folder names under ``root``, headline first."""
    if not root.is_dir():
        return []
    names = [p.name for p in root.iterdir() if p.is_dir() and (p / "test.jsonl.gz").exists()]
    known = [n for n in _ORDER if n in names]
    return known + sorted(n for n in names if n not in _ORDER)


def skip_reason(name: str, root: Path = DATASETS_DIR) -> str | None:
    """Return why ``name`` cannot be benchmarked, or None when it can."""
    folder = root / name
    if not folder.is_dir():
        return f"{folder} does not exist"
    missing = [split for split in ("train", "test") if not (folder / f"{split}.jsonl.gz").exists()]
    if missing:
        return f"no {' and no '.join(missing)} split ({', '.join(m + '.jsonl.gz' for m in missing)} is missing)"
    return None


def load_split(
    name: str, split: str, *, limit: int | None = None, root: Path = DATASETS_DIR
) -> tuple[list[str], list[list[str]]]:
    """Read one split; with ``limit``, a seeded random sample of that many documents, in file order."""
    texts: list[str] = []
    labels: list[list[str]] = []
    with gzip.open(root / name / f"{split}.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            texts.append(record["text"])
            labels.append(list(record["labels"]))
    if limit is not None and limit < len(texts):
        keep = sorted(random.Random(0).sample(range(len(texts)), limit))
        texts = [texts[i] for i in keep]
        labels = [labels[i] for i in keep]
    return texts, labels


def load(
    name: str, *, train_limit: int | None = None, test_limit: int | None = None, root: Path = DATASETS_DIR
) -> Dataset:
    """Read both splits of ``name`` (see :func:`load_split`)."""
    train_texts, train_labels = load_split(name, "train", limit=train_limit, root=root)
    test_texts, test_labels = load_split(name, "test", limit=test_limit, root=root)
    return Dataset(name, train_texts, train_labels, test_texts, test_labels)
