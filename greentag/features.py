"""TF-IDF features: the vocabulary, IDF weights and the fast transform.

Training counts document frequencies with scikit-learn's ``CountVectorizer``;
inference does not go through scikit-learn at all. :class:`TfidfFeatures`
maps the terms of one document straight to feature indices and weights with
a dict lookup and a handful of numpy calls, which is what keeps tagging a
single document well under a millisecond. The result equals scikit-learn's
``TfidfVectorizer(sublinear_tf=True, smooth_idf=True, norm="l2")``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import DataError, ModelError, OptionError

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["FeatureOptions", "TfidfFeatures", "fit_features"]

_INT32_MAX = np.iinfo(np.int32).max


@dataclass(frozen=True)
class FeatureOptions:
    """How the vocabulary is chosen and terms are weighted.

    Parameters
    ----------
    min_df : int or float, default=2
        Drop terms found in fewer documents (a count, or a fraction of the
        documents when a float below 1).
    max_df : float or int, default=1.0
        Drop terms found in more documents (a fraction, or a count when an int).
    max_features : int or None, default=None
        Keep only the most frequent terms.
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)`` instead of raw counts, so repeating a word has
        diminishing weight.
    """

    min_df: int | float = 2
    max_df: int | float = 1.0
    max_features: int | None = None
    sublinear_tf: bool = True

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first bad option."""
        for name in ("min_df", "max_df"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise OptionError(f"{name} must be a non-negative int or a float in [0, 1], got {value!r}")
            if isinstance(value, float) and value > 1:
                raise OptionError(f"{name} as a float is a fraction of documents and must be <= 1, got {value!r}")
        if self.max_features is not None and (not isinstance(self.max_features, int) or self.max_features < 1):
            raise OptionError(f"max_features must be a positive int or None, got {self.max_features!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return the options as JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureOptions:
        """Build options from :meth:`to_dict` output."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise OptionError(f"unknown feature options: {sorted(unknown)}")
        return cls(**data)


class TfidfFeatures:
    """A fitted vocabulary with IDF weights, and the document -> vector transform.

    Parameters
    ----------
    vocabulary : sequence of str
        The terms; a term's position is its feature index.
    idf : array of shape (n_features,)
        Inverse document frequency of each term.
    sublinear_tf : bool, default=True
        Whether term counts are log-scaled.
    """

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, *, sublinear_tf: bool = True) -> None:
        self.vocabulary = list(vocabulary)
        self.idf = np.ascontiguousarray(idf, dtype=np.float32)
        self.sublinear_tf = sublinear_tf
        if len(self.vocabulary) != self.idf.shape[0]:
            raise ModelError(f"vocabulary has {len(self.vocabulary)} terms but idf has {self.idf.shape[0]} weights")
        self.index = {term: i for i, term in enumerate(self.vocabulary)}
        self._tables: tuple[dict[str, int], dict[tuple[int, int], int]] | None = None

    @property
    def n_features(self) -> int:
        """Number of features (terms in the vocabulary)."""
        return len(self.vocabulary)

    def indices(self, terms: Iterable[str]) -> list[int]:
        """Return the feature index of each known term (unknown terms are skipped)."""
        get = self.index.get
        return [i for i in map(get, terms) if i is not None]

    def ngram_tables(self) -> tuple[dict[str, int], dict[tuple[int, int], int]]:
        """Return ``(term_ids, pairs)``, which find a document's bigram features by term ids.

        ``term_ids`` maps each unigram term that is a feature, or part of a
        bigram feature, to an id: its feature index, or an id of at least
        :attr:`n_features` when only its bigrams are features. ``pairs`` maps
        the ids of two adjacent terms to their bigram's feature index. With
        them a document's bigrams are found without building their strings.
        Built on first use.
        """
        if self._tables is None:
            get, n_features = self.index.get, self.n_features
            extra: dict[str, int] = {}
            pairs: dict[tuple[int, int], int] = {}
            for term, i in self.index.items():
                if " " not in term:
                    continue
                first, _, second = term.partition(" ")
                if " " in second:
                    continue  # a trigram or longer: not looked up by pairs
                a = get(first)
                if a is None:
                    a = extra.setdefault(first, n_features + len(extra))
                b = get(second)
                if b is None:
                    b = extra.setdefault(second, n_features + len(extra))
                pairs[a, b] = i
            self._tables = ({**self.index, **extra} if extra else self.index, pairs)
        return self._tables

    def transform_one(self, terms: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(indices, values)``: the non-zero TF-IDF features of one document.

        Indices are sorted and unique; values are l2-normalised. An empty or
        out-of-vocabulary document gives two empty arrays.
        """
        return self.transform_indices(self.indices(terms))

    def transform_indices(self, found: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(indices, values)`` from the feature index of every term occurrence.

        ``found`` is what :meth:`indices` returns, in any order: a document
        made of several parts (passages) is vectorised from its parts'
        indices without looking its terms up again. Entries outside
        ``[0, n_features)`` stand for terms that are not features and are
        ignored (see :meth:`ngram_tables`).
        """
        occurrences = np.array(found, dtype=np.intp)
        occurrences.sort()
        if occurrences.size and (occurrences[0] < 0 or occurrences[-1] >= self.n_features):
            occurrences = occurrences[occurrences.searchsorted(0) : occurrences.searchsorted(self.n_features)]
        if not occurrences.size:
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float32)
        idx, counts = _runs(occurrences)
        values = self._weight(counts.astype(np.float32), idx)
        norm = float(np.sqrt(np.dot(values, values)))
        return idx, values / norm

    def transform_rows(self, rows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vectorise several documents at once from their term indices (see :meth:`indices`).

        Returns ``(indptr, indices, values)`` in CSR layout: row ``r`` is
        ``indices[indptr[r]:indptr[r + 1]]`` with its values, and equals what
        :meth:`transform_indices` gives for ``rows[r]`` to the last bit. A
        handful of numpy calls serve every row, instead of a dozen per row,
        which is most of the cost of a short document. Entries outside
        ``[0, n_features)`` are ignored, as in :meth:`transform_indices`.
        """
        lengths = [len(row) for row in rows]
        flat = np.fromiter(chain.from_iterable(rows), dtype=np.intp, count=sum(lengths))
        owner = np.repeat(np.arange(len(rows), dtype=np.intp), lengths)
        return self.transform_owned(flat, owner, len(rows))

    def transform_owned(
        self, found: np.ndarray, owner: np.ndarray, n_rows: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`transform_rows` from flat arrays: ``found[k]`` occurs in row ``owner[k]``.

        The pairs may come in any order, which lets a caller add the same
        occurrences to two rows (a passage and its document) in numpy.
        """
        flat = np.asarray(found, dtype=np.intp)
        owner = np.asarray(owner, dtype=np.intp)
        width = max(self.n_features, 1)
        features = (flat >= 0) & (flat < width)
        if not features.all():
            flat, owner = flat[features], owner[features]
        # One sort orders every row's indices and counts their repeats; 32-bit
        # keys, when they fit, sort in half the time of 64-bit ones.
        key_type = np.int32 if n_rows * width <= _INT32_MAX else np.intp
        keys = owner.astype(key_type) * key_type(width) + flat.astype(key_type)
        keys.sort()
        keys, counts = _runs(keys)
        row_of = keys // key_type(width)
        idx = (keys - row_of * key_type(width)).astype(np.intp)
        values = self._weight(counts.astype(np.float32), idx)
        indptr = np.searchsorted(row_of, np.arange(n_rows + 1))
        bounds = indptr.tolist()
        # Each row's norm is one dot product, as in transform_indices, so the floats agree.
        norms = np.ones(n_rows, dtype=np.float32)
        for r in range(n_rows):
            start, end = bounds[r], bounds[r + 1]
            if end > start:
                row_values = values[start:end]
                norms[r] = np.dot(row_values, row_values)
        np.sqrt(norms, out=norms)
        values /= np.repeat(norms, np.diff(indptr))
        return indptr, idx, values

    def transform(self, docs_terms: Iterable[Iterable[str]]) -> sp.csr_matrix:
        """Return the l2-normalised TF-IDF matrix of many documents (one row each)."""
        import scipy.sparse as sp  # for training and evaluation: tagging never imports it

        rows: list[int] = []
        cols: list[int] = []
        n_docs = 0
        for row, terms in enumerate(docs_terms):
            found = self.indices(terms)
            cols.extend(found)
            rows.extend([row] * len(found))
            n_docs = row + 1
        ones = np.ones(len(cols), dtype=np.float32)
        matrix = sp.csr_matrix((ones, (rows, cols)), shape=(n_docs, self.n_features), dtype=np.float32)
        matrix.sum_duplicates()  # turns repeated (row, col) pairs into counts
        matrix.data = self._weight(matrix.data, matrix.indices)
        return _l2_normalize_rows(matrix)

    def _weight(self, counts: np.ndarray, idx: np.ndarray) -> np.ndarray:
        tf = 1.0 + np.log(counts) if self.sublinear_tf else counts
        weighted: np.ndarray = (tf * self.idf[idx]).astype(np.float32, copy=False)
        return weighted


def _runs(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and how often each occurs.

    ``np.unique(ordered, return_counts=True)`` by hand: the same arrays, at
    half the overhead on a short document.
    """
    edges = np.empty(ordered.size + 1, dtype=bool)
    edges[0] = edges[-1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=edges[1:-1])
    starts = np.flatnonzero(edges)
    return ordered[starts[:-1]], np.diff(starts)


def _l2_normalize_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    squares = matrix.multiply(matrix).sum(axis=1).A1
    norms = np.sqrt(squares, dtype=np.float64)
    norms[norms == 0] = 1.0
    # Scale each stored value by its row's norm without building a diagonal matrix.
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def fit_features(docs_terms: Sequence[Sequence[str]], options: FeatureOptions) -> TfidfFeatures:
    """Choose the vocabulary and compute IDF weights from analysed documents.

    Parameters
    ----------
    docs_terms : sequence of sequence of str
        The terms of each training document (the analyzer's output).
    options : FeatureOptions
        Document-frequency limits and weighting.

    Returns
    -------
    TfidfFeatures

    Raises
    ------
    ValueError
        If no term survives the document-frequency limits.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    counter = CountVectorizer(
        analyzer=_already_analysed,
        min_df=options.min_df,
        max_df=options.max_df,
        max_features=options.max_features,
        dtype=np.int32,
    )
    try:
        counts = counter.fit_transform(docs_terms)
    except ValueError as exc:
        # scikit-learn words this for its own parameters; say it in ours.
        raise DataError(
            f"no terms left after applying min_df={options.min_df!r} and max_df={options.max_df!r} "
            f"to {len(docs_terms)} documents; lower min_df or add data ({exc})"
        ) from None
    vocabulary = counter.get_feature_names_out().tolist()
    df = np.bincount(counts.indices, minlength=len(vocabulary))
    return TfidfFeatures(vocabulary, smoothed_idf(df, counts.shape[0]), sublinear_tf=options.sublinear_tf)


def smoothed_idf(document_frequency: np.ndarray, n_documents: int) -> np.ndarray:
    """IDF as scikit-learn smooths it, as if one extra document held every term once; float32.

    Examples
    --------
    >>> [round(float(v), 3) for v in smoothed_idf(np.array([1, 3]), 3)]
    [1.693, 1.0]
    """
    df = np.asarray(document_frequency, dtype=np.float64)
    idf: np.ndarray = (np.log((1.0 + n_documents) / (1.0 + df)) + 1.0).astype(np.float32)
    return idf


def _already_analysed(terms: Sequence[str]) -> Sequence[str]:
    return terms
