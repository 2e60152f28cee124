"""From probabilities to tags: the per-label thresholds, ``top_k`` and the at-least-one rule.

:class:`TagOptions` holds every setting a decision needs, resolved once per
call by :meth:`Tagger.tag_options <greentag.model.Tagger.tag_options>`; being
a frozen value, it can be sent to worker processes with a batch of documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .results import Tag

__all__ = ["TagOptions", "decide", "decide_many"]


@dataclass(frozen=True)
class TagOptions:
    """How probabilities become tags, for one call.

    Attributes
    ----------
    thresholds : ndarray of shape (n_labels,)
        A label is given when its probability reaches its threshold.
    top_k : int or None
        At most this many tags per document.
    at_least_one : bool
        When no label clears its threshold, give the best one, as long as the
        document has a known term and the best score reaches ``fallback_floor``.
    fallback_floor : float
        Lowest best score at which the at-least-one rule applies.
    single_label : bool
        Keep only the best label (the model was trained on one label per document).
    lang : str or None
        The documents' language, which the scorer reads them in; ``None``
        detects each document's own.
    """

    thresholds: np.ndarray
    top_k: int | None = None
    at_least_one: bool = True
    fallback_floor: float = 0.0
    single_label: bool = False
    lang: str | None = None

    @property
    def limit(self) -> int | None:
        """The most tags a document may get: 1 for a single-label model, else ``top_k``."""
        return 1 if self.single_label else self.top_k


def decide(probs: np.ndarray, known: bool, labels: Sequence[str], options: TagOptions) -> list[Tag]:
    """Return the tags of one document from its probabilities, best first (ties keep label order)."""
    if not known:
        return []  # no known term: the scores are only the labels' priors
    # Plain Python on the few chosen labels: numpy calls on arrays this small
    # cost more than the work they do.
    chosen = np.flatnonzero(probs >= options.thresholds).tolist()
    if len(chosen) <= 1:
        if not chosen:
            best = int(probs.argmax())
            if not (options.at_least_one and probs[best] >= options.fallback_floor):
                return []
            chosen = [best]
        return [Tag(labels[chosen[0]], float(probs[chosen[0]]))]
    scores = probs[chosen].tolist()
    order = sorted(range(len(chosen)), key=lambda k: -scores[k])[: options.limit]
    return [Tag(labels[chosen[k]], scores[k]) for k in order]


def decide_many(probs: np.ndarray, known: np.ndarray, labels: Sequence[str], options: TagOptions) -> list[list[Tag]]:
    """:func:`decide` for every row of ``probs``, with the comparisons made once for the whole batch."""
    above = (probs >= options.thresholds) & known[:, None]
    rows, cols = np.nonzero(above)  # row by row, labels in column order, as flatnonzero
    chosen, scores = cols.tolist(), probs[rows, cols].tolist()
    counts = np.bincount(rows, minlength=len(probs)).tolist()
    best = probs.argmax(axis=1)
    best_scores = probs[np.arange(len(probs)), best]
    if options.at_least_one:
        fallback = (known & (best_scores >= options.fallback_floor)).tolist()
    else:
        fallback = [False] * len(probs)
    best, best_scores = best.tolist(), best_scores.tolist()
    limit = options.limit
    out: list[list[Tag]] = []
    start = 0
    for row, count in enumerate(counts):
        if count == 0:
            out.append([Tag(labels[best[row]], best_scores[row])] if fallback[row] else [])
        elif count == 1:
            out.append([Tag(labels[chosen[start]], scores[start])])
        else:
            order = sorted(range(start, start + count), key=lambda k: -scores[k])[:limit]  # stable, as in decide
            out.append([Tag(labels[chosen[k]], scores[k]) for k in order])
        start += count
    return out
