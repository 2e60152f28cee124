"""Training on corpora larger than memory: streaming passes over chunks of records.

In-memory training (:mod:`.in_memory`) holds every document's features
at once and cross-validates. Here the data is read as a stream, so memory is
bounded by the chunk size and the model, not by the corpus:

1. **Vocabulary pass.** Every record is read once: its text is analysed and
   each term's document frequency counted, along with the labels and the data
   fingerprint. The vocabulary and IDF weights are chosen from those counts by
   the same rules as in-memory training (``min_df``, ``max_df``,
   ``max_features``), so the features are the same. Memory grows with the
   number of distinct terms, not documents; ``max_terms`` caps it by dropping
   the rarest terms whenever the count table overflows.
2. **Training pass.** The records are read again in chunks of ``chunk_size``.
   Each chunk becomes a TF-IDF matrix with those features; a deterministic,
   evenly spread slice of the documents is held out, and the rest update one
   linear SVM per label by stochastic gradient descent
   (scikit-learn's ``SGDClassifier.partial_fit``, hinge loss, regularised like
   the in-memory SVMs). Chunk matrices are spooled to a temporary folder (plain
   ``.npy`` arrays) so that the later epochs read them back instead of
   analysing the text again.
3. **Calibration.** The held-out documents, which the models never saw, are
   scored; a Platt sigmoid per label and per-label thresholds are fitted on
   them by the same recipe (:mod:`.recipe`) as in-memory training uses on its
   out-of-fold scores. A label with too few held-out positives to fit keeps
   the SVM's own boundary (score 0 is probability 0.5) at the typical slope.

The result is an ordinary :class:`~greentag.model.Tagger`: the same inference
path and the same model file, so ``save``, ``load`` and ``tag`` just work.
"""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import DataError, GreentagWarning, InputTypeError, LabelWarning, OptionError, warn
from ..features import FeatureOptions, TfidfFeatures, smoothed_idf
from ..labels import indicator_matrix, normalize_label_lists
from ..model import Tagger
from ..text import Analyzer, ngrams
from ..validation import check_positive_int, check_text
from .options import TrainOptions, resolve_weights
from .recipe import (
    Decisions,
    Fingerprint,
    build_tagger,
    constant_intercept,
    fit_decisions,
    pooled_scores,
    positive_weight,
    uncalibrated,
    warn_about_label_counts,
)

__all__ = ["RecordSource", "train_out_of_core"]

Record = tuple[str, list[str]]
RecordSource = Callable[[], Iterable[Any]]

# Options of in-memory training that have no meaning here.
_IGNORED_OPTIONS = {"cv": "a held-out slice replaces cross-validation", "max_iter": "epochs= sets the passes"}
# Fewer held-out positives than this and a label keeps the SVM's own boundary.
_MIN_HELD_OUT_POSITIVES = 5
_LOSSES = ("hinge", "modified_huber", "log_loss")


def train_out_of_core(
    data: RecordSource | Iterable[Any],
    labels: RecordSource | Iterable[Any] | None = None,
    *,
    chunk_size: int = 10_000,
    epochs: int = 5,
    holdout: float = 0.1,
    max_holdout: int = 50_000,
    max_terms: int = 5_000_000,
    loss: str = "hinge",
    n_jobs: int | None = None,
    spool_dir: str | os.PathLike[str] | None = None,
    **options: Any,
) -> Tagger:
    """Train a tagger on a corpus read as a stream, in memory bounded by ``chunk_size``.

    The data is read twice (once for the vocabulary, once to train), so it
    must be re-iterable: a function that returns a fresh iterator of
    ``(text, labels)`` records each time it is called (the way to stream a
    file), or lists. ``greentag.train(..., out_of_core=True)`` calls this.

    Parameters
    ----------
    data : callable or iterable
        One of: a function returning an iterator of ``(text, labels)``
        records, such as ``lambda: greentag.data.iter_dataset("big.jsonl")``;
        a list of such records; a list of texts with ``labels``; or a function
        returning an iterator of texts with ``labels`` a function returning
        an iterator of label lists. A one-shot iterator (a generator object)
        is refused, since it cannot be read twice.
    labels : callable or iterable, optional
        The labels when ``data`` gives texts only: per document a list of
        labels (possibly empty) or one label string.
    chunk_size : int, default=10_000
        Documents analysed and fitted at a time; memory grows with it.
    epochs : int, default=5
        Passes of stochastic gradient descent over the training documents.
        Only the first analyses text; later ones read the spooled matrices.
    holdout : float, default=0.1
        Fraction of the documents (every tenth, evenly spread) kept out of
        training to calibrate scores and tune thresholds.
    max_holdout : int, default=50_000
        At most this many documents are held out, however large the corpus.
    max_terms : int, default=5_000_000
        Cap on the distinct terms counted in the vocabulary pass. When it is
        reached, the rarest terms are dropped (and the vocabulary is then
        approximate for terms near the cut-off); ``min_df`` usually removes
        them anyway.
    loss : {"hinge", "modified_huber", "log_loss"}, default="hinge"
        Loss of the per-label linear models; hinge is the SVM of in-memory
        training.
    n_jobs : int, optional
        Threads fitting the labels' SGD models side by side (-1: every core;
        the solver releases the GIL, so threads share the chunk without copying it).
        The result does not depend on it.
    spool_dir : str or path-like, optional
        Folder for the temporary chunk matrices (about the size of the
        corpus's sparse features); the system's temporary folder by default.
        They are removed when training ends.
    **options
        Training options as for :func:`greentag.train` (``min_df``,
        ``max_features``, ``ngram_range``, ``C``, ``class_weight``,
        ``random_state`` ...). ``cv`` and ``max_iter`` do not apply and are
        ignored with a warning.

    Returns
    -------
    Tagger
        Its metadata records ``holdout_metrics`` (micro/macro F1 on the
        held-out documents, with thresholds tuned on them) and the
        out-of-core settings under ``training.out_of_core``.

    Raises
    ------
    DataError
        For no documents, no labels, a bad record, or a source that gives
        different documents on its second reading.
    InputTypeError, UnknownOptionError
        For a one-shot iterator or a text that is not a str; for an unknown
        option (both also ``TypeError``).
    OptionError
        For a bad chunk_size, epochs, holdout, max_terms or loss (also ``ValueError``).

    Examples
    --------
    >>> texts = ["solar farm opens", "wind turbines installed", "rail freight grows",
    ...          "new container port", "solar panels and wind", "freight trains on the corridor"] * 20
    >>> labels = [["green"], ["green"], ["transport"], ["transport"], ["green"], ["transport"]] * 20
    >>> model = train_out_of_core(texts, labels, chunk_size=25, min_df=1)
    >>> model.labels
    ['green', 'transport']
    >>> model.tag("a solar farm")[0].label
    'green'
    """
    _check_settings(chunk_size, epochs, holdout, max_holdout, max_terms, loss)
    for name, reason in _IGNORED_OPTIONS.items():
        if name in options:
            warn(f"{name}={options.pop(name)!r} is ignored when training out of core: {reason}", GreentagWarning)
    train_options = TrainOptions.from_kwargs(**options)
    records = _record_source(data, labels)
    text_options = train_options.text.resolved()
    analyzer = Analyzer(text_options)

    counts = _count_terms(records, analyzer, max_terms, need_totals=train_options.features.max_features is not None)
    if counts.n_documents == 0:
        raise DataError("no training documents: the source gave no records")
    classes = sorted(counts.labels)
    if not classes:
        raise DataError(
            f"none of the {counts.n_documents} training documents has a label; at least one labeled document is needed"
        )
    single_label = train_options.multi_label is False or (train_options.multi_label is None and counts.all_single_label)
    warn_about_label_counts(counts.labels, counts.n_documents, classes)
    features = _choose_features(counts, train_options.features)

    plan = _Plan.make(counts.n_documents, holdout, max_holdout)
    class_weight, passage_weight = resolve_weights(train_options, text_options, single_label)
    models = _LabelModels(classes, counts.labels, plan.n_train, train_options, class_weight, loss, n_jobs)
    with (
        tempfile.TemporaryDirectory(prefix="greentag-out-of-core-", dir=spool_dir) as folder,
        _one_blas_thread(),
    ):
        spool = _Spool(Path(folder))
        _first_epoch(
            records,
            analyzer,
            features,
            classes,
            plan,
            models,
            spool,
            counts.n_documents,
            chunk_size,
            passage_weight > 0,
        )
        rng = np.random.default_rng(train_options.random_state)
        for _ in range(1, epochs):
            # A new order of chunks each epoch, so no chunk always comes last.
            for index in rng.permutation(len(spool.train_chunks)):
                x, y = spool.read(spool.train_chunks[index])
                models.partial_fit(x, y)
        coef, intercept = models.stacked(features.n_features)
        held_scores, held_y = _held_out_scores(spool, coef, intercept, passage_weight)

    decisions = _decide_on_held_out(held_scores, held_y, classes, train_options, single_label, plan.n_holdout)
    facts = {
        "n_documents": counts.n_documents,
        "n_unlabeled_documents": counts.n_unlabeled,
        "label_counts": {label: counts.labels[label] for label in classes},
        "data_sha256": counts.digest.hexdigest(),
        "cv_folds": 0,
        "cv_metrics": None,
        "holdout_metrics": decisions.metrics,
        "out_of_core": {
            "chunk_size": chunk_size,
            "epochs": epochs,
            "loss": loss,
            "n_holdout": plan.n_holdout,
            "holdout_fraction": float(plan.fraction),
            "n_terms_counted": counts.n_terms_seen,
            "pruned_below_count": counts.pruned_below,
        },
    }
    return build_tagger(
        classes=classes,
        features=features,
        coef=coef,
        intercept=intercept,
        decisions=decisions,
        options=train_options,
        text_options=text_options,
        single_label=single_label,
        passage_weight=passage_weight,
        facts=facts,
        analyzer=analyzer,
    )


# ------------------------------------------------------------------ settings
def _check_settings(chunk_size: int, epochs: int, holdout: float, max_holdout: int, max_terms: int, loss: str) -> None:
    for name, value in (("chunk_size", chunk_size), ("epochs", epochs), ("max_holdout", max_holdout)):
        check_positive_int(name, value)
    if isinstance(max_terms, bool) or not isinstance(max_terms, int) or max_terms < 2:
        raise OptionError(f"max_terms must be an int >= 2, got {max_terms!r}")
    if isinstance(holdout, bool) or not isinstance(holdout, (int, float)) or not 0.0 < holdout <= 0.5:
        raise OptionError(f"holdout must be a fraction in (0, 0.5], got {holdout!r}")
    if loss not in _LOSSES:
        raise OptionError(f"loss must be one of {_LOSSES}, got {loss!r}")


# -------------------------------------------------------------------- source
def _is_one_shot(obj: object) -> bool:
    """True for an iterator (it would be exhausted after the first pass)."""
    try:
        return iter(obj) is obj  # type: ignore[call-overload]
    except TypeError:
        return False


def _record_source(data: RecordSource | Iterable[Any], labels: RecordSource | Iterable[Any] | None) -> RecordSource:
    """Return a function giving a fresh iterator of raw records on each call."""
    for name, value in (("data", data), ("labels", labels)):
        if isinstance(value, (str, bytes)):
            raise InputTypeError(
                f"{name} must be records or a function returning them, not a single {type(value).__name__}"
            )
        if value is not None and not callable(value) and _is_one_shot(value):
            raise InputTypeError(
                f"{name} is a one-shot iterator ({type(value).__name__}), but out-of-core training reads the data "
                "twice: pass a list, or a function returning a fresh iterator, e.g. lambda: iter_dataset(path)"
            )
        if value is not None and not callable(value) and not isinstance(value, Iterable):
            raise InputTypeError(
                f"{name} must be iterable or a function returning an iterator, got {type(value).__name__}"
            )

    def fresh(value: RecordSource | Iterable[Any]) -> Iterable[Any]:
        return value() if callable(value) else value

    if labels is None:
        return lambda: fresh(data)
    return lambda: _zip_exactly(fresh(data), fresh(labels))


def _zip_exactly(texts: Iterable[Any], labels: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    text_iter, label_iter = iter(texts), iter(labels)
    done = object()
    count = 0
    while True:
        text, doc_labels = next(text_iter, done), next(label_iter, done)
        if text is done and doc_labels is done:
            return
        if text is done or doc_labels is done:
            longer = "labels" if text is done else "texts"
            raise DataError(f"texts and labels differ in length: {longer} go on after {count} documents")
        yield text, doc_labels
        count += 1


def _records(source: RecordSource) -> Iterator[Record]:
    """Yield checked ``(text, labels)`` records from a fresh iterator of the source."""
    iterable = source()
    if isinstance(iterable, (str, bytes)) or not isinstance(iterable, Iterable):
        raise InputTypeError(
            f"the records function must return an iterable of (text, labels), got {type(iterable).__name__}"
        )
    for i, record in enumerate(iterable):
        if not isinstance(record, (tuple, list)) or len(record) != 2:
            raise DataError(f"record {i} must be a (text, labels) pair, got {type(record).__name__}")
        text, raw_labels = record
        check_text(text, i)
        try:
            label_lists, _ = normalize_label_lists([raw_labels])
        except DataError as exc:
            raise DataError(f"record {i}: {exc}".replace("labels[0]", "its labels")) from None
        yield text, label_lists[0]


# ------------------------------------------------------------ vocabulary pass
@dataclass
class _Counts:
    """What the vocabulary pass learns about the corpus."""

    n_documents: int = 0
    n_unlabeled: int = 0
    all_single_label: bool = True
    document_frequency: Counter[str] = field(default_factory=Counter)
    term_totals: Counter[str] | None = None
    labels: Counter[str] = field(default_factory=Counter)
    digest: Fingerprint = field(default_factory=Fingerprint)
    n_terms_seen: int = 0
    pruned_below: int = 0


def _count_terms(source: RecordSource, analyzer: Analyzer, max_terms: int, *, need_totals: bool) -> _Counts:
    counts = _Counts(term_totals=Counter() if need_totals else None)
    df, totals = counts.document_frequency, counts.term_totals
    for text, doc_labels in _records(source):
        terms, _ = _document_terms(analyzer, text, passages_too=False)
        df.update(set(terms))
        if totals is not None:
            totals.update(terms)
        counts.labels.update(doc_labels)
        counts.n_documents += 1
        counts.n_unlabeled += not doc_labels
        counts.all_single_label = counts.all_single_label and len(doc_labels) == 1
        counts.digest.update(text, doc_labels)
        if len(df) > max_terms:
            _prune(counts, max_terms)
    counts.n_terms_seen = max(counts.n_terms_seen, len(df))
    return counts


def _prune(counts: _Counts, max_terms: int) -> None:
    """Drop the rarest terms until at most half of ``max_terms`` remain (as gensim's max_vocab_size does)."""
    df = counts.document_frequency
    counts.n_terms_seen = max(counts.n_terms_seen, len(df))
    cut = max(counts.pruned_below, 1)
    while len(df) > max_terms // 2:
        for term in [t for t, n in df.items() if n <= cut]:
            del df[term]
            if counts.term_totals is not None:
                del counts.term_totals[term]
        counts.pruned_below = cut
        cut += 1


def _choose_features(counts: _Counts, options: FeatureOptions) -> TfidfFeatures:
    """Apply min_df, max_df and max_features to the counts, as CountVectorizer does."""
    n_docs = counts.n_documents
    max_count = options.max_df if isinstance(options.max_df, int) else options.max_df * n_docs
    min_count = options.min_df if isinstance(options.min_df, int) else options.min_df * n_docs
    if max_count < min_count:
        raise DataError(
            f"max_df={options.max_df!r} keeps fewer documents than min_df={options.min_df!r} asks for "
            f"({n_docs} documents); raise max_df or lower min_df"
        )
    kept = [term for term, n in counts.document_frequency.items() if min_count <= n <= max_count]
    if options.max_features is not None and len(kept) > options.max_features:
        totals = counts.term_totals if counts.term_totals is not None else counts.document_frequency
        # The most frequent terms overall; ties go to the alphabetically first.
        kept = sorted(kept, key=lambda term: (-totals[term], term))[: options.max_features]
    if not kept:
        raise DataError(
            f"no terms left after applying min_df={options.min_df!r} and max_df={options.max_df!r} "
            f"to {n_docs} documents; lower min_df or add data"
        )
    vocabulary = sorted(kept)
    df = np.array([counts.document_frequency[term] for term in vocabulary], dtype=np.float64)
    return TfidfFeatures(vocabulary, smoothed_idf(df, n_docs), sublinear_tf=options.sublinear_tf)


# -------------------------------------------------------------- training pass
def _one_blas_thread() -> Any:
    """Keep BLAS to one thread while the SGD solvers run.

    The solver rescales its weight vector with a BLAS call after every chunk;
    a threaded BLAS wakes its threads for that, which costs more than the
    whole update (about 15 ms instead of 1 ms per call on two busy cores).
    """
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    return threadpool_limits(limits=1, user_api="blas")


@dataclass(frozen=True)
class _Plan:
    """Which documents are held out, and how many train."""

    fraction: Fraction
    n_holdout: int
    n_train: int

    @classmethod
    def make(cls, n_docs: int, holdout: float, max_holdout: int) -> _Plan:
        fraction = min(Fraction(holdout).limit_denominator(1000), Fraction(max_holdout, n_docs))
        n_holdout = math.floor(n_docs * fraction)
        return cls(fraction, n_holdout, n_docs - n_holdout)

    def held_out(self, index: int) -> bool:
        """Document ``index`` is held out when its position crosses a multiple of 1/fraction."""
        p, q = self.fraction.numerator, self.fraction.denominator
        return (index + 1) * p // q > index * p // q


class _Spool:
    """Chunk matrices on disk as plain ``.npy`` arrays: read back by later epochs, never unpickled."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.train_chunks: list[Path] = []
        self.held_out_chunks: list[Path] = []

    def write(self, held_out: bool, **parts: sp.csr_matrix | np.ndarray) -> None:
        chunks = self.held_out_chunks if held_out else self.train_chunks
        path = self.folder / f"{'held' if held_out else 'train'}-{len(chunks):06d}"
        path.mkdir()
        for name, part in parts.items():
            if isinstance(part, np.ndarray):
                arrays = {"array": part}
            else:
                arrays = {"data": part.data, "indices": part.indices, "indptr": part.indptr}
                arrays["shape"] = np.asarray(part.shape, dtype=np.int64)
            for suffix, array in arrays.items():
                np.save(path / f"{name}.{suffix}.npy", array, allow_pickle=False)
        chunks.append(path)

    @staticmethod
    def read_array(path: Path, name: str) -> np.ndarray:
        return np.load(path / f"{name}.array.npy", allow_pickle=False)  # type: ignore[no-any-return]

    @staticmethod
    def read_matrix(path: Path, name: str) -> sp.csr_matrix:
        def load(suffix: str) -> np.ndarray:
            return np.load(path / f"{name}.{suffix}.npy", allow_pickle=False)  # type: ignore[no-any-return]

        shape = tuple(int(n) for n in load("shape"))
        return sp.csr_matrix((load("data"), load("indices"), load("indptr")), shape=shape)

    def read(self, path: Path) -> tuple[sp.csr_matrix, np.ndarray]:
        """A chunk's documents and their label indicator matrix."""
        return self.read_matrix(path, "x"), self.read_array(path, "y")


class _LabelModels:
    """One SGD linear model per label, fitted chunk by chunk."""

    def __init__(
        self,
        classes: Sequence[str],
        label_counts: Counter[str],
        n_train: int,
        options: TrainOptions,
        class_weight: str | None,
        loss: str,
        n_jobs: int | None,
    ) -> None:
        from sklearn.linear_model import SGDClassifier

        self.n_jobs = n_jobs
        self.models: list[Any] = []
        self.seen_positive = np.zeros(len(classes), dtype=np.int64)
        self.seen = 0
        # LinearSVC minimises C * sum(losses) + |w|^2 / 2; SGD minimises
        # mean(losses) + alpha * |w|^2 / 2: the same objective when alpha = 1 / (C n).
        alpha = 1.0 / (options.C * max(n_train, 1))
        for label in classes:
            n_pos = label_counts[label]
            weight = positive_weight(n_pos, max(n_train - n_pos, 1), class_weight) if n_pos else 1.0
            self.models.append(
                SGDClassifier(
                    loss=loss,
                    alpha=alpha,
                    class_weight={0: 1.0, 1: weight},
                    average=False,
                    random_state=options.random_state,
                )
            )

    def partial_fit(self, x: sp.csr_matrix, y: np.ndarray) -> None:
        if x.shape[0] == 0:
            return
        x = x.astype(np.float64)  # what the SGD solver works on; one copy per chunk
        self.seen += x.shape[0]
        self.seen_positive += y.sum(axis=0)
        from joblib import Parallel, delayed

        groups = _groups(len(self.models), self.n_jobs)
        # The solver releases the GIL: threads fit labels side by side without copying x.
        Parallel(n_jobs=len(groups), prefer="threads")(delayed(self._fit_group)(x, y, group) for group in groups)

    def _fit_group(self, x: sp.csr_matrix, y: np.ndarray, group: Sequence[int]) -> None:
        for j in group:
            self.models[j].partial_fit(x, y[:, j], classes=np.array([0, 1]))

    def stacked(self, n_features: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the weights as one (n_features, n_labels) matrix and the intercepts."""
        coef = np.zeros((n_features, len(self.models)), dtype=np.float32)
        intercept = np.zeros(len(self.models), dtype=np.float32)
        for j, model in enumerate(self.models):
            constant = constant_intercept(int(self.seen_positive[j]), self.seen)
            if constant is not None:
                intercept[j] = constant
                continue
            coef[:, j] = model.coef_[0]
            intercept[j] = model.intercept_[0]
        return coef, intercept


def _groups(n_labels: int, n_jobs: int | None) -> list[list[int]]:
    from ..parallel import resolve_n_jobs

    workers = min(resolve_n_jobs(n_jobs), n_labels)
    return [list(range(start, n_labels, workers)) for start in range(workers)]


def _document_terms(analyzer: Analyzer, text: str, passages_too: bool) -> tuple[list[str], list[list[str]]]:
    """A document's terms and, when it has several passages, each passage's terms (as in in_memory.py)."""
    ngram_range = analyzer.options.ngram_range
    passages = analyzer.passage_unigrams(text)
    terms = ngrams([term for passage in passages for term in passage], ngram_range)
    if not passages_too or len(passages) < 2:
        return terms, []
    return terms, [ngrams(passage, ngram_range) for passage in passages]


def _first_epoch(
    source: RecordSource,
    analyzer: Analyzer,
    features: TfidfFeatures,
    classes: Sequence[str],
    plan: _Plan,
    models: _LabelModels,
    spool: _Spool,
    expected: int,
    chunk_size: int,
    passages_too: bool,
) -> None:
    """Read the records in chunks: transform, split off the held-out rows, spool, and fit.

    Held-out documents keep their passages too, so that their scores can be
    pooled with their best passage's as the model does at inference.
    """
    index = 0
    terms: list[list[str]] = []
    label_lists: list[list[str]] = []
    held: list[bool] = []
    passage_terms: list[list[str]] = []
    owner: list[int] = []  # the held-out row (within the chunk) each passage belongs to

    def flush() -> None:
        x = features.transform(terms)
        y = indicator_matrix(label_lists, classes)
        mask = np.array(held, dtype=bool)
        if mask.any():
            x_passages = features.transform(passage_terms) if passage_terms else sp.csr_matrix((0, x.shape[1]))
            owners = np.asarray(owner, dtype=np.int64)
            spool.write(True, x=x[mask], y=y[mask], passages=x_passages, owner=owners)
        train_x, train_y = x[~mask], y[~mask]
        spool.write(False, x=train_x, y=train_y)
        models.partial_fit(train_x, train_y)
        for batch in (terms, label_lists, held, passage_terms, owner):
            batch.clear()

    for text, doc_labels in _records(source):
        held_out = plan.held_out(index)
        doc_terms, passages = _document_terms(analyzer, text, passages_too and held_out)
        if passages:
            owner.extend([sum(held)] * len(passages))
            passage_terms.extend(passages)
        terms.append(doc_terms)
        label_lists.append(doc_labels)
        held.append(held_out)
        index += 1
        if len(terms) == chunk_size:
            flush()
    if terms:
        flush()
    if index != expected:
        raise DataError(
            f"the data gave {expected} documents on its first reading and {index} on the second; "
            "a function passed as data must return a fresh iterator over the same records each call"
        )


def _held_out_scores(
    spool: _Spool, coef: np.ndarray, intercept: np.ndarray, passage_weight: float
) -> tuple[np.ndarray, np.ndarray]:
    """Raw scores of the held-out documents, lifted by their best passage as at inference."""
    scores: list[np.ndarray] = []
    truth: list[np.ndarray] = []
    for path in spool.held_out_chunks:
        x, y = spool.read(path)
        passages, owner = spool.read_matrix(path, "passages"), spool.read_array(path, "owner")
        rows = np.arange(x.shape[0])
        scores.append(pooled_scores(x, passages, owner, rows, coef, intercept, passage_weight))
        truth.append(y)
    n_labels = len(intercept)
    if not scores:
        return np.empty((0, n_labels)), np.empty((0, n_labels), dtype=np.int8)
    return np.vstack(scores), np.vstack(truth)


# ---------------------------------------------------------------- calibration
def _decide_on_held_out(
    scores: np.ndarray,
    y: np.ndarray,
    classes: Sequence[str],
    options: TrainOptions,
    single_label: bool,
    n_holdout: int,
) -> Decisions:
    """Platt sigmoids, thresholds and the fallback floor from the held-out scores."""
    positives = y.sum(axis=0) if len(y) else np.zeros(len(classes))
    if not (positives >= _MIN_HELD_OUT_POSITIVES).any():
        warn(
            f"only {n_holdout} held-out documents, with too few positives of any label to calibrate; "
            "scores are uncalibrated (train on more data, or raise holdout=)",
            LabelWarning,
        )
    if not len(y):
        return uncalibrated(len(classes), options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fit_decisions(scores, y, classes, options, single_label, min_positives=_MIN_HELD_OUT_POSITIVES)
