"""The three systems under test, behind one small interface.

Each system is trained, saved, loaded and run the way its own users would do
it; only the adapter code differs. What each system receives is written in
its ``input_note`` and printed in ``BENCHMARKS.md``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["SYSTEMS", "FastTextSystem", "GreentagSystem", "SklearnSystem", "System", "usable_cores"]


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def path_size(path: Path) -> int:
    """Bytes of a file, or of every file under a folder."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


class System:
    """What the benchmark needs from a system; subclasses fill it in.

    ``raw_*`` methods return the system's own outputs and are what gets
    timed; :meth:`labels_of` turns those outputs into label lists afterwards,
    outside the timed region.
    """

    name = ""
    title = ""
    input_note = ""
    config_note = ""

    def __init__(self, *, quick: bool = False) -> None:
        self.quick = quick
        self.model: Any = None

    def unavailable(self) -> str | None:
        """Why the system cannot run here (a missing package), or None."""
        return None

    def preload(self) -> None:
        """Import everything training and tagging will import, before the memory baseline."""

    def version(self) -> str:
        raise NotImplementedError

    def fit(self, texts: Sequence[str], labels: Sequence[list[str]], multi_label: bool) -> dict[str, Any]:
        """Train on the data; return facts worth recording (warnings, options)."""
        raise NotImplementedError

    def save(self, folder: Path) -> Path:
        """Write the model under ``folder``; return the file (or folder) written."""
        raise NotImplementedError

    def load(self, path: Path) -> None:
        raise NotImplementedError

    def prepare(self, texts: Sequence[str]) -> list[str]:
        """The text the system is given (done once, outside every timing)."""
        return list(texts)

    def raw_batch(self, texts: list[str]) -> Any:
        """Tag a batch in the system's plain single-process way."""
        raise NotImplementedError

    def raw_batch_all_cores(self, texts: list[str]) -> Any:
        """Tag a batch using every core the system knows how to use."""
        return self.raw_batch(texts)

    def raw_one(self, text: str) -> Any:
        """Tag one document the way an online service would."""
        raise NotImplementedError

    def labels_of(self, raw: Any) -> list[list[str]]:
        """Label lists from :meth:`raw_batch` output."""
        raise NotImplementedError

    def batch_note(self) -> str:
        """How the all-cores batch figure is produced."""
        return "same call as one core (the system tags a batch on one thread)"


class GreentagSystem(System):
    """greentag through its public API, with default training options."""

    name = "greentag"
    title = "greentag"
    input_note = "the raw text, unchanged"
    config_note = "greentag.train(texts, labels, n_jobs=-1) with default options; Tagger.tag / Tagger.tag_many"

    def preload(self) -> None:
        import nltk.stem.snowball  # noqa: F401
        import sklearn.feature_extraction.text
        import sklearn.model_selection
        import sklearn.svm  # noqa: F401

        import greentag
        import greentag.parallel  # noqa: F401

    def version(self) -> str:
        import greentag

        return greentag.__version__

    def fit(self, texts: Sequence[str], labels: Sequence[list[str]], multi_label: bool) -> dict[str, Any]:
        return self.fit_with(texts, labels, {})

    def fit_with(self, texts: Sequence[str], labels: Sequence[list[str]], options: dict[str, Any]) -> dict[str, Any]:
        """Train with explicit training options (the ablation uses this)."""
        import greentag

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.model = greentag.train(list(texts), [list(x) for x in labels], n_jobs=-1, **options)
        return {
            "warnings": sorted({str(w.message)[:160] for w in caught}),
            "n_features": self.model.features.n_features,
        }

    def save(self, folder: Path) -> Path:
        path = folder / "model.gtm"
        self.model.save(path)
        return path

    def load(self, path: Path) -> None:
        import greentag

        self.model = greentag.Tagger.load(path)

    def raw_batch(self, texts: list[str]) -> Any:
        return self.model.tag_many(texts)

    def raw_batch_all_cores(self, texts: list[str]) -> Any:
        return self.model.tag_many(texts, n_jobs=-1)

    def raw_one(self, text: str) -> Any:
        return self.model.tag(text)

    def labels_of(self, raw: Any) -> list[list[str]]:
        return [[tag.label for tag in tags] for tags in raw]

    def batch_note(self) -> str:
        return "Tagger.tag_many(texts, n_jobs=-1): joblib worker processes, one per core"


class SklearnSystem(System):
    """The reference pipeline a scikit-learn user would write."""

    name = "sklearn"
    title = "scikit-learn"
    input_note = "the raw text, unchanged (TfidfVectorizer lowercases it)"
    config_note = (
        "TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True) + OneVsRestClassifier(LinearSVC()); "
        "MultiLabelBinarizer for multi-label data, plain labels otherwise; saved with joblib"
    )

    def __init__(self, *, quick: bool = False) -> None:
        super().__init__(quick=quick)
        self.binarizer: Any = None

    def preload(self) -> None:
        import joblib  # noqa: F401
        import sklearn.feature_extraction.text
        import sklearn.multiclass
        import sklearn.pipeline
        import sklearn.preprocessing
        import sklearn.svm  # noqa: F401

    def version(self) -> str:
        import sklearn

        return sklearn.__version__

    def fit(self, texts: Sequence[str], labels: Sequence[list[str]], multi_label: bool) -> dict[str, Any]:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import MultiLabelBinarizer
        from sklearn.svm import LinearSVC

        self.model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), OneVsRestClassifier(LinearSVC())
        )
        if multi_label:
            self.binarizer = MultiLabelBinarizer()
            target: Any = self.binarizer.fit_transform(labels)
        else:
            self.binarizer = None
            target = [doc_labels[0] for doc_labels in labels]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self.model.fit(list(texts), target)
        return {"warnings": sorted({str(w.message)[:160] for w in caught})}

    def save(self, folder: Path) -> Path:
        import joblib

        path = folder / "model.joblib"
        joblib.dump({"pipeline": self.model, "binarizer": self.binarizer}, path)
        return path

    def load(self, path: Path) -> None:
        import joblib

        saved = joblib.load(path)
        self.model, self.binarizer = saved["pipeline"], saved["binarizer"]

    def raw_batch(self, texts: list[str]) -> Any:
        return self.model.predict(texts)

    def raw_one(self, text: str) -> Any:
        return self.model.predict([text])

    def labels_of(self, raw: Any) -> list[list[str]]:
        if self.binarizer is not None:
            return [list(labels) for labels in self.binarizer.inverse_transform(raw)]
        return [[str(label)] for label in raw]

    def batch_note(self) -> str:
        return "Pipeline.predict(texts): the same single call as one core"


class FastTextSystem(System):
    """fastText supervised: one-vs-all loss for multi-label data, word bigrams, 50 epochs, lr 0.5.

    The learning rate is fastText's usual supervised setting; its default of 0.1
    under-trains at 50 epochs on these corpora (R90 micro-F1 0.757 against 0.814).
    It is one fixed setting for every dataset, like greentag's defaults.
    """

    name = "fasttext"
    title = "fastText"
    input_note = (
        "the text with every run of whitespace (newlines included) replaced by one space, lowercased; "
        "prepared once, outside the timings"
    )

    def __init__(self, *, quick: bool = False) -> None:
        super().__init__(quick=quick)
        self.multi_label = True
        self.to_label: dict[str, str] = {}

    @property
    def config_note(self) -> str:  # type: ignore[override]
        note = (
            "fasttext.train_supervised(loss='ova' for multi-label else 'softmax', wordNgrams=2, epoch=50, lr=0.5, "
            f"thread={usable_cores()}, seed=0, other options default); predict(k=-1, threshold=0.5) for "
            "multi-label, top-1 for single-label"
        )
        if self.quick:
            note += "; --quick uses bucket=200000 instead of the default 2,000,000 to keep the model small"
        return note

    def unavailable(self) -> str | None:
        try:
            import fasttext  # noqa: F401
        except ImportError as exc:
            return f"fastText is not installed ({exc}); pip install -e '.[bench]'"
        return None

    def preload(self) -> None:
        import fasttext  # noqa: F401

    def version(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        for dist in ("fasttext-numpy2-wheel", "fasttext-wheel", "fasttext"):
            try:
                return f"{dist} {version(dist)}"
            except PackageNotFoundError:
                continue
        return "unknown"

    def prepare(self, texts: Sequence[str]) -> list[str]:
        # fastText reads one document per line and splits on whitespace.
        return [" ".join(text.split()).lower() for text in texts]

    def fit(self, texts: Sequence[str], labels: Sequence[list[str]], multi_label: bool) -> dict[str, Any]:
        import tempfile

        import fasttext

        self.multi_label = multi_label
        # fastText labels are whitespace-free tokens after the __label__ prefix.
        names = sorted({label for doc_labels in labels for label in doc_labels})
        token = {name: "_".join(name.split()) for name in names}
        self.to_label = {f"__label__{t}": name for name, t in token.items()}
        options: dict[str, Any] = {
            "loss": "ova" if multi_label else "softmax",
            "wordNgrams": 2,
            "epoch": 50,
            "lr": 0.5,
            "thread": usable_cores(),
            "seed": 0,
            "verbose": 0,
        }
        if self.quick:
            options["bucket"] = 200_000
        with tempfile.TemporaryDirectory(prefix="gtbench-fasttext-") as folder:
            train_file = Path(folder) / "train.txt"
            with train_file.open("w", encoding="utf-8") as handle:
                for text, doc_labels in zip(self.prepare(texts), labels, strict=True):
                    handle.write(" ".join(f"__label__{token[label]}" for label in doc_labels) + " " + text + "\n")
            self.model = fasttext.train_supervised(input=str(train_file), **options)
        return {"options": options}

    def save(self, folder: Path) -> Path:
        path = folder / "model.bin"
        self.model.save_model(str(path))
        # The label spelling map is ours, not fastText's; it stays out of the size figure.
        (folder / "labels.tsv").write_text(
            "".join(f"{k}\t{v}\n" for k, v in self.to_label.items()) + f"#multi_label\t{int(self.multi_label)}\n",
            encoding="utf-8",
        )
        return path

    def load(self, path: Path) -> None:
        import fasttext

        self.model = fasttext.load_model(str(path))
        self.to_label = {}
        for line in (path.parent / "labels.tsv").read_text(encoding="utf-8").splitlines():
            key, value = line.split("\t")
            if key == "#multi_label":
                self.multi_label = value == "1"
            else:
                self.to_label[key] = value

    def raw_batch(self, texts: list[str]) -> Any:
        if self.multi_label:
            return self.model.predict(texts, k=-1, threshold=0.5)
        return self.model.predict(texts, k=1)

    def raw_one(self, text: str) -> Any:
        if self.multi_label:
            return self.model.predict(text, k=-1, threshold=0.5)
        return self.model.predict(text, k=1)

    def labels_of(self, raw: Any) -> list[list[str]]:
        return [[self.to_label[label] for label in labels] for labels in raw[0]]

    def batch_note(self) -> str:
        return "model.predict(list_of_texts): fastText predicts a list on one thread; no multi-core predict exists"


SYSTEMS: dict[str, type[System]] = {
    GreentagSystem.name: GreentagSystem,
    SklearnSystem.name: SklearnSystem,
    FastTextSystem.name: FastTextSystem,
}
