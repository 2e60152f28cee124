"""In-memory training: from labeled texts to a :class:`~greentag.model.Tagger`.

The recipe, for every label at once:

1. analyse each text into terms and fit the TF-IDF vocabulary;
2. fit one linear SVM per label (positives up-weighted by the square root of
   the class imbalance, so rare labels are not drowned by the negatives);
3. collect out-of-fold scores with k-fold cross-validation, and from them fit
   the calibration, thresholds and at-least-one floor (:mod:`.recipe`);
4. stack the weights into one matrix and build the ``Tagger`` (:mod:`.recipe`).

Every random choice is seeded, so the same data and options give the same
model, byte for byte.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import DataError, LabelWarning, warn
from ..features import fit_features
from ..labels import indicator_matrix, normalize_label_lists
from ..model import Tagger
from ..text import Analyzer, ngrams
from ..validation import check_texts
from .options import TrainOptions, resolve_weights
from .recipe import (
    build_tagger,
    constant_intercept,
    data_fingerprint,
    fit_decisions,
    pooled_scores,
    positive_weight,
    uncalibrated,
    warn_about_label_counts,
)

__all__ = ["fit_tagger"]


def fit_tagger(
    texts: Iterable[str],
    labels: Iterable[Any],
    options: TrainOptions,
    *,
    n_jobs: int | None = None,
    langs: Sequence[str | None] | None = None,
    groups: Sequence[Any] | None = None,
) -> Tagger:
    """Train a :class:`Tagger` with explicit :class:`TrainOptions` (see :func:`train`)."""
    docs = check_texts(texts, "train")
    if not docs:
        raise DataError("no training documents: texts is empty")
    label_lists, _ = normalize_label_lists(labels, len(docs))
    classes = sorted({label for doc_labels in label_lists for label in doc_labels})
    if not classes:
        raise DataError(
            f"none of the {len(docs)} training documents has a label; at least one labeled document is needed"
        )
    single_label = options.multi_label is False or (
        options.multi_label is None and all(len(doc_labels) == 1 for doc_labels in label_lists)
    )
    y = indicator_matrix(label_lists, classes)
    warn_about_label_counts(dict(zip(classes, y.sum(axis=0).tolist(), strict=True)), len(docs), classes)

    text_options = options.text.resolved()
    analyzer = Analyzer(text_options)
    corpus = _analyse(docs, analyzer, _check_langs(langs, len(docs), text_options.languages))
    try:
        features = fit_features(corpus.doc_terms, options.features)
    except ValueError as exc:
        raise DataError(str(exc)) from None
    x = features.transform(corpus.doc_terms).astype(np.float64)  # liblinear copies anything else
    x_passages = features.transform(corpus.passage_terms).astype(np.float64)

    class_weight, passage_weight = resolve_weights(options, text_options, single_label)
    folds = _folds(len(docs), options, groups)
    jobs = [(x[train_idx], y[train_idx]) for train_idx, _ in folds] + [(x, y)]
    fits = _run(jobs, options, class_weight, n_jobs)
    coef, intercept = fits[-1]

    if folds:
        out_of_fold = np.zeros(y.shape, dtype=np.float64)
        for (_, test_idx), (fold_coef, fold_intercept) in zip(folds, fits[:-1], strict=True):
            out_of_fold[test_idx] = pooled_scores(
                x, x_passages, corpus.owner, test_idx, fold_coef, fold_intercept, passage_weight
            )
        decisions = fit_decisions(out_of_fold, y, classes, options, single_label)
    else:
        warn(f"only {len(docs)} documents: too few to cross-validate; scores are uncalibrated", LabelWarning)
        decisions = uncalibrated(len(classes), options)
    facts = {
        "n_documents": len(docs),
        "n_unlabeled_documents": int((y.sum(axis=1) == 0).sum()),
        "label_counts": {label: int(n) for label, n in zip(classes, y.sum(axis=0), strict=True)},
        "data_sha256": data_fingerprint(docs, label_lists),
        "cv_folds": len(folds),
        "cv_metrics": decisions.metrics,
    }
    return build_tagger(
        classes=classes,
        features=features,
        coef=coef,
        intercept=intercept,
        decisions=decisions,
        options=options,
        text_options=text_options,
        single_label=single_label,
        passage_weight=passage_weight,
        facts=facts,
        analyzer=analyzer,
    )


def _folds(
    n_docs: int, options: TrainOptions, groups: Sequence[Any] | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import GroupKFold, KFold

    n_splits = min(options.cv, n_docs // 2)
    if groups is not None:
        names = [str(group) for group in groups]
        if len(names) != n_docs:
            raise DataError(f"groups has {len(names)} entries for {n_docs} documents")
        if n_splits >= 2 and len(set(names)) >= 2:
            # Deterministic: GroupKFold balances the folds' sizes without shuffling.
            splitter = GroupKFold(min(n_splits, len(set(names))))
            return list(splitter.split(np.arange(n_docs), groups=names))
        # One group: nothing to keep apart, so the ordinary folds.
    if n_splits < 2:
        return []
    return list(KFold(n_splits, shuffle=True, random_state=options.random_state).split(np.arange(n_docs)))


def _run(
    jobs: list[tuple[sp.csr_matrix, np.ndarray]], options: TrainOptions, class_weight: str | None, n_jobs: int | None
) -> list[Any]:
    from joblib import Parallel, delayed

    # Processes, not threads: liblinear shuffles with the C library's global
    # rand(), so two fits running in threads of one process would disturb each
    # other's sequence and the model would no longer be reproducible. joblib
    # memory-maps the feature matrix to the workers instead of copying it.
    fits: list[Any] = Parallel(n_jobs=n_jobs)(delayed(_fit_labels)(x, y, options, class_weight) for x, y in jobs)
    return fits


# Serialises liblinear fits within a process, for the same reason (a caller
# may train several models from its own threads).
_LIBLINEAR = threading.Lock()


def _fit_labels(
    x: sp.csr_matrix, y: np.ndarray, options: TrainOptions, class_weight: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Fit one linear SVM per label; return the stacked (coef, intercept)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    n_labels = y.shape[1]
    coef = np.zeros((x.shape[1], n_labels), dtype=np.float32)
    intercept = np.zeros(n_labels, dtype=np.float32)
    for j in range(n_labels):
        target = y[:, j]
        n_pos = int(target.sum())
        constant = constant_intercept(n_pos, len(target))
        if constant is not None:
            intercept[j] = constant
            continue
        weight = positive_weight(n_pos, len(target) - n_pos, class_weight)
        svm = LinearSVC(
            C=options.C, class_weight={0: 1.0, 1: weight}, max_iter=options.max_iter, random_state=options.random_state
        )
        with _LIBLINEAR, warnings.catch_warnings():
            # Rare labels may stop at max_iter; their scores are calibrated anyway.
            warnings.simplefilter("ignore", ConvergenceWarning)
            svm.fit(x, target)
        coef[:, j] = svm.coef_[0]
        intercept[j] = svm.intercept_[0]
    return coef, intercept


@dataclass
class _Corpus:
    """Training documents as terms: whole documents, and the passages of multi-passage ones."""

    doc_terms: list[list[str]]
    passage_terms: list[list[str]]
    owner: np.ndarray  # the document each passage belongs to


def _check_langs(langs: Sequence[str | None] | None, n_docs: int, languages: Sequence[str]) -> list[str | None]:
    """Each document's given language, ``None`` to detect it; a bad one raises a :class:`DataError`."""
    if langs is None:
        return [None] * n_docs
    given = list(langs)
    if len(given) != n_docs:
        raise DataError(f"langs has {len(given)} entries for {n_docs} documents")
    for i, lang in enumerate(given):
        if lang is not None and lang not in languages:
            raise DataError(f"document {i}: lang {lang!r} is not one of the model's languages {tuple(languages)}")
    return given


def _analyse(docs: Sequence[str], analyzer: Analyzer, langs: Sequence[str | None]) -> _Corpus:
    ngram_range = analyzer.options.ngram_range
    doc_terms: list[list[str]] = []
    passage_terms: list[list[str]] = []
    owner: list[int] = []
    for i, (doc, lang) in enumerate(zip(docs, langs, strict=True)):
        passages = analyzer.passage_unigrams(doc, lang)
        doc_terms.append(ngrams([term for passage in passages for term in passage], ngram_range))
        if len(passages) > 1:
            passage_terms.extend(ngrams(passage, ngram_range) for passage in passages)
            owner.extend([i] * len(passages))
    return _Corpus(doc_terms, passage_terms, np.asarray(owner, dtype=np.intp))
