""":class:`TopicTagger`: greentag as a scikit-learn estimator over raw texts.

The estimator is a thin adapter. ``fit`` hands the texts and labels to
:func:`greentag.training.fit_tagger` and keeps the resulting
:class:`~greentag.model.Tagger` in ``tagger_``; every prediction goes through
that tagger. What the adapter adds is scikit-learn's conventions: parameters
introspected from ``__init__``, validation in ``fit``, learned state ending in
``_``, targets as a binary indicator matrix (multi-label) or a 1-D array of
class labels (single-label), and outputs whose columns follow ``classes_``.

Like scikit-learn's own text vectorizers, it takes an iterable of raw strings
as ``X`` and therefore has no ``n_features_in_``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from .errors import DataError, LabelWarning, warn
from .language import LANGUAGES
from .model import Tagger
from .text import DEFAULT_ACRONYMS
from .training import OPTION_NAMES, TrainOptions, fit_tagger
from .validation import check_texts

__all__ = ["TopicTagger"]


class TopicTagger(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Multi-label topic classifier over raw texts, with the scikit-learn API.

    Every training option of :func:`greentag.train` is a parameter here, with
    the same name and default, so ``GridSearchCV`` can tune any of them. The
    fitted model is an ordinary :class:`~greentag.model.Tagger` in
    ``tagger_``: save it, tag with it, explain with it.

    Parameters
    ----------
    unicode_form : {"NFKC", "NFC", "NFKD", "NFD", None}, default="NFKC"
        Unicode normalisation applied before anything else.
    lowercase : bool, default=True
        Lowercase the text before tokenising.
    strip_html : bool, default=True
        Drop HTML markup (element tags, comments, script and style code) and
        decode entities; other text in angle brackets is kept.
    placeholders : bool, default=True
        Replace URLs, e-mail addresses and numbers by placeholder terms.
    stop_words : {"english", "nltk", "sklearn"}, list of str or None, default="english"
        Stop-word list (see :class:`greentag.text.TextOptions`).
    stemmer : {"snowball", "porter", None}, default="snowball"
        NLTK stemmer applied to each token.
    min_token_length : int, default=2
        Shorter tokens are dropped.
    ngram_range : (int, int), default=(1, 2)
        Smallest and largest n-gram of terms.
    passage_min_words : int or None, default=40
        Passages scored on their own are paragraphs merged until they have at
        least this many words; ``None`` scores whole documents only.
    languages : tuple of str, default=("en", "ru", "zh", "kk")
        Languages read, each word routed by its script (see
        :class:`greentag.text.TextOptions`); ``("en",)`` reads every word as English.
    acronyms : tuple of str or None, default=DEFAULT_ACRONYMS
        Upper-case words kept as terms of their own ("IT" is not "it").
    compounds : bool, default=True
        Hyphenated words are terms of their own as well as their parts.
    chinese : {"chars", "jieba"}, default="chars"
        Han characters with their bigrams, or jieba's words.
    kazakh : {"suffixes", "ngrams"}, default="suffixes"
        Kazakh suffix stripper, or character 4-grams inside words.
    min_df : int or float, default=2
        Drop terms found in fewer documents (a count, or a fraction below 1).
    max_df : float or int, default=1.0
        Drop terms found in more documents (a fraction, or a count).
    max_features : int or None, default=None
        Keep only the most frequent terms.
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)`` instead of raw term counts.
    C : float, default=1.0
        Inverse regularisation strength of each label's linear SVM.
    class_weight : {"auto", "sqrt", "balanced", None}, default="auto"
        Up-weighting of each label's positive documents.
    max_iter : int, default=5000
        Iteration cap of the SVM solver.
    cv : int, default=5
        Folds of the inner cross-validation that calibrates scores and tunes
        the per-label thresholds.
    threshold_range : (float, float), default=(0.1, 0.9)
        Tuned thresholds are clipped into this range.
    at_least_one : bool, default=True
        Give the best label to a document for which no label clears its
        threshold (see :class:`~greentag.model.Tagger`).
    passage_weight : float, default=0.6
        How far a document's best passage lifts a label's score over the whole
        document's (0: whole documents only).
    multi_label : bool or None, default=None
        ``None`` follows ``y``: multi-label for an indicator matrix,
        single-label for 1-D labels. ``False`` with an indicator matrix keeps
        only the best label per document. ``True`` needs an indicator matrix.
    random_state : int, default=0
        Seed of the inner fold split and the solver.
    n_jobs : int or None, default=None
        Worker processes for the inner cross-validation fits (``-1``: every
        core). The fitted model does not depend on it.

    Attributes
    ----------
    tagger_ : Tagger
        The fitted model; its labels are ``str(c)`` for each ``c`` in
        ``classes_`` that had a positive example.
    classes_ : ndarray
        For 1-D ``y``, the sorted class labels. For an indicator matrix, the
        column names of a pandas ``DataFrame``, else ``arange(n_labels)``.
    multilabel_ : bool
        Whether ``y`` was an indicator matrix.

    See Also
    --------
    greentag.train : the same training as a function returning a Tagger.

    Notes
    -----
    For 1-D ``y``, ``predict`` gives every document exactly one class: the
    tagger's best tag, or the most probable class when the tagger gives none;
    ``predict_proba`` rows are normalised to sum to 1, and for two classes
    ``decision_function`` is the log-ratio of the second class's probability
    to the first's. For an indicator matrix, ``predict_proba`` holds each
    label's own calibrated probability. A label column with no positive
    example is never predicted; its probability is the smoothed base rate
    ``1 / (n_documents + 2)``.

    Examples
    --------
    >>> import numpy as np
    >>> from greentag import TopicTagger
    >>> texts = ["solar farm opens", "wind turbines installed", "rail freight grows",
    ...          "new container port", "solar panels and wind", "freight trains on the corridor"]
    >>> topics = ["energy", "energy", "transport", "transport", "energy", "transport"]
    >>> clf = TopicTagger(min_df=1, cv=2).fit(texts, topics)
    >>> clf.classes_.tolist()
    ['energy', 'transport']
    >>> clf.predict(["a solar farm", "freight trains"]).tolist()
    ['energy', 'transport']
    >>> float(clf.predict_proba(["a solar farm"]).sum().round(6))
    1.0

    Multi-label data is a binary indicator matrix, one column per label:

    >>> y = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [1, 1], [0, 1]])
    >>> TopicTagger(min_df=1, cv=2).fit(texts, y).predict(["wind farm", "container port"]).shape
    (2, 2)
    """

    def __init__(
        self,
        *,
        unicode_form: str | None = "NFKC",
        lowercase: bool = True,
        strip_html: bool = True,
        placeholders: bool = True,
        stop_words: str | Sequence[str] | None = "english",
        stemmer: str | None = "snowball",
        min_token_length: int = 2,
        ngram_range: tuple[int, int] = (1, 2),
        passage_min_words: int | None = 40,
        languages: tuple[str, ...] = LANGUAGES,
        acronyms: tuple[str, ...] | None = DEFAULT_ACRONYMS,
        compounds: bool = True,
        chinese: str = "chars",
        kazakh: str = "suffixes",
        min_df: int | float = 2,
        max_df: int | float = 1.0,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        C: float = 1.0,
        class_weight: str | None = "auto",
        max_iter: int = 5000,
        cv: int = 5,
        threshold_range: tuple[float, float] = (0.1, 0.9),
        at_least_one: bool = True,
        passage_weight: float = 0.6,
        multi_label: bool | None = None,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.unicode_form = unicode_form
        self.lowercase = lowercase
        self.strip_html = strip_html
        self.placeholders = placeholders
        self.stop_words = stop_words
        self.stemmer = stemmer
        self.min_token_length = min_token_length
        self.ngram_range = ngram_range
        self.passage_min_words = passage_min_words
        self.languages = languages
        self.acronyms = acronyms
        self.compounds = compounds
        self.chinese = chinese
        self.kazakh = kazakh
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.cv = cv
        self.threshold_range = threshold_range
        self.at_least_one = at_least_one
        self.passage_weight = passage_weight
        self.multi_label = multi_label
        self.random_state = random_state
        self.n_jobs = n_jobs

    # ------------------------------------------------------------------ fit
    def fit(self, X: Iterable[str], y: Any) -> TopicTagger:
        """Train on raw texts.

        Parameters
        ----------
        X : iterable of str
            The documents (a list, a pandas Series, a 1-D array of str).
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels for single-label data, or a binary indicator matrix
            (dense, sparse or a pandas DataFrame) for multi-label data.

        Returns
        -------
        TopicTagger
            ``self``, fitted.

        Raises
        ------
        ValueError
            For a bad parameter value, naming it.
        DataError
            For a ``y`` that is neither (say a list of label lists; use
            :class:`sklearn.preprocessing.MultiLabelBinarizer`), a length
            that does not match ``X``, or a single class.
        InputTypeError
            For a document that is not a str.

        Examples
        --------
        >>> from greentag import TopicTagger
        >>> texts = ["solar farm opens", "wind turbines installed", "rail freight grows",
        ...          "new container port", "solar panels and wind", "freight trains on the corridor"]
        >>> topics = ["energy", "energy", "transport", "transport", "energy", "transport"]
        >>> clf = TopicTagger(min_df=1, cv=2).fit(texts, topics)
        >>> clf.tagger_.labels
        ['energy', 'transport']
        """
        texts = check_texts(X, "TopicTagger.fit")
        classes, rows, multilabel = _encode_target(y, len(texts))
        names = _label_names(classes)

        options = {name: getattr(self, name) for name in OPTION_NAMES}
        if not multilabel:
            if self.multi_label is True:
                raise DataError(
                    "multi_label=True needs y as a binary indicator matrix; got 1-D class labels "
                    "(use sklearn.preprocessing.MultiLabelBinarizer to build one)"
                )
            options["multi_label"] = False
        elif self.multi_label is None:
            options["multi_label"] = True
        train_options = TrainOptions.from_kwargs(**options)

        label_lists = [[names[j] for j in row] for row in rows]
        absent = [names[j] for j in range(len(names)) if not any(j in row for row in rows)]
        if absent:
            warn(
                f"label(s) {absent} have no positive example in y; TopicTagger will never predict them",
                LabelWarning,
            )
        self.tagger_: Tagger = fit_tagger(texts, label_lists, train_options, n_jobs=self.n_jobs)
        self.classes_: np.ndarray = classes
        self.multilabel_: bool = multilabel
        known = {label: j for j, label in enumerate(self.tagger_.labels)}
        # Column of classes_[i] in the tagger's output, or -1 for a label the
        # tagger never saw (no positive example).
        self._columns = np.array([known.get(name, -1) for name in names], dtype=np.intp)
        self._absent_proba = 1.0 / (len(texts) + 2.0)
        return self

    # -------------------------------------------------------------- predict
    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Predict labels for raw texts.

        Parameters
        ----------
        X : iterable of str
            The documents.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_labels)
            Class labels (from ``classes_``) for 1-D ``y``, or a 0/1 indicator
            matrix with columns following ``classes_``.

        Examples
        --------
        >>> from greentag import TopicTagger
        >>> texts = ["solar farm opens", "wind turbines installed", "rail freight grows",
        ...          "new container port", "solar panels and wind", "freight trains on the corridor"]
        >>> topics = ["energy", "energy", "transport", "transport", "energy", "transport"]
        >>> TopicTagger(min_df=1, cv=2).fit(texts, topics).predict(["solar panels", "rail freight"]).tolist()
        ['energy', 'transport']
        """
        check_is_fitted(self, "tagger_")
        texts = check_texts(X, "TopicTagger.predict")
        labels = self.tagger_.labels
        tagger_labels = {labels[j]: i for i, j in enumerate(self._columns.tolist()) if j >= 0}
        results = self.tagger_.tag_many(texts)
        if self.multilabel_:
            indicator = np.zeros((len(texts), len(self.classes_)), dtype=np.int64)
            for row, tags in enumerate(results):
                for tag in tags:
                    indicator[row, tagger_labels[tag.label]] = 1
            return indicator
        chosen = np.array([tagger_labels[tags[0].label] if tags else -1 for tags in results], dtype=np.intp)
        undecided = np.flatnonzero(chosen < 0)
        if undecided.size:
            # A classifier answers for every document: when the tagger gives
            # no tag, take the most probable class.
            probs = self.predict_proba([texts[i] for i in undecided])
            chosen[undecided] = probs.argmax(axis=1)
        out: np.ndarray = self.classes_[chosen]
        return out

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Return calibrated probabilities, one column per class.

        Parameters
        ----------
        X : iterable of str
            The documents.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``. For 1-D ``y`` the rows sum to 1.

        Examples
        --------
        >>> from greentag import TopicTagger
        >>> texts = ["solar farm opens", "wind turbines installed", "rail freight grows",
        ...          "new container port", "solar panels and wind", "freight trains on the corridor"]
        >>> topics = ["energy", "energy", "transport", "transport", "energy", "transport"]
        >>> probs = TopicTagger(min_df=1, cv=2).fit(texts, topics).predict_proba(["solar panels"])
        >>> bool(probs[0, 0] > probs[0, 1])
        True
        """
        check_is_fitted(self, "tagger_")
        texts = check_texts(X, "TopicTagger.predict_proba")
        probs = self._expand(self.tagger_.predict_proba(texts), self._absent_proba)
        if self.multilabel_:
            return probs
        totals = probs.sum(axis=1, keepdims=True)
        uniform = np.full_like(probs, 1.0 / probs.shape[1])
        normalised: np.ndarray = np.divide(probs, totals, out=uniform, where=totals > 0)
        return normalised

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Return confidence scores: calibrated log-odds, monotone in ``predict_proba``.

        Parameters
        ----------
        X : iterable of str
            The documents.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes given as 1-D ``y``, one score per document,
            positive when ``classes_[1]`` is the more probable; otherwise one
            column per class, following ``classes_``.

        Examples
        --------
        >>> from greentag import TopicTagger
        >>> texts = ["solar farm opens", "wind turbines installed", "rail freight grows",
        ...          "new container port", "solar panels and wind", "freight trains on the corridor"]
        >>> topics = ["energy", "energy", "transport", "transport", "energy", "transport"]
        >>> scores = TopicTagger(min_df=1, cv=2).fit(texts, topics).decision_function(["solar panels", "rail freight"])
        >>> scores.shape, bool(scores[0] < 0 < scores[1])
        ((2,), True)
        """
        check_is_fitted(self, "tagger_")
        texts = check_texts(X, "TopicTagger.decision_function")
        prior = self._absent_proba
        logits = self._expand(self.tagger_.decision_function(texts), float(np.log(prior / (1.0 - prior))))
        if not self.multilabel_ and len(self.classes_) == 2:
            # log p1 - log p0, with log p = -log(1 + exp(-logit)), ranks
            # documents exactly as the normalised predict_proba[:, 1] does.
            margin: np.ndarray = np.logaddexp(0.0, -logits[:, 0]) - np.logaddexp(0.0, -logits[:, 1])
            return margin
        return logits

    def _expand(self, values: np.ndarray, fill: float) -> np.ndarray:
        """Reorder the tagger's columns into ``classes_`` order; labels it never saw get ``fill``."""
        values = np.asarray(values, dtype=np.float64)
        out = np.full((values.shape[0], len(self._columns)), fill, dtype=np.float64)
        seen = self._columns >= 0
        out[:, seen] = values[:, self._columns[seen]]
        return out

    # ----------------------------------------------------------------- tags
    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.classifier_tags.multi_label = True
        tags.target_tags.required = True
        return tags

    def _more_tags(self) -> dict[str, Any]:
        # The same facts for scikit-learn releases before 1.6.
        return {"X_types": ["string"], "multilabel": True, "requires_y": True}


def _encode_target(y: Any, n_docs: int) -> tuple[np.ndarray, list[list[int]], bool]:
    """Return ``(classes_, positive columns per document, multilabel)`` for a scikit-learn target."""
    from sklearn.utils.multiclass import type_of_target

    if y is None:
        raise DataError("TopicTagger.fit needs y: class labels or a binary indicator matrix")
    if isinstance(y, (str, bytes)):
        raise DataError("y must hold one entry per document, not a single string")
    try:
        kind = type_of_target(y, input_name="y")
    except ValueError as exc:
        raise DataError(
            f"{exc} (TopicTagger follows scikit-learn: y is 1-D class labels or a binary indicator matrix; "
            "greentag.train accepts lists of label lists)"
        ) from None
    if kind == "multilabel-indicator":
        columns = getattr(y, "columns", None)
        matrix = np.asarray(y.toarray() if sp.issparse(y) else y)
        if matrix.shape[0] != n_docs:
            raise DataError(f"got {n_docs} texts but y has {matrix.shape[0]} rows; they must match one to one")
        classes = np.asarray(list(columns)) if columns is not None else np.arange(matrix.shape[1])
        return classes, [np.flatnonzero(row).tolist() for row in matrix], True
    if kind in ("binary", "multiclass"):
        values = np.asarray(y)
        if values.ndim == 2 and values.shape[1] == 1:
            from sklearn.utils.validation import column_or_1d

            values = column_or_1d(values, warn=True)
        if values.ndim != 1:
            raise DataError(f"y must be 1-D class labels or a binary indicator matrix, got shape {values.shape}")
        if len(values) != n_docs:
            raise DataError(f"got {n_docs} texts but {len(values)} labels in y; they must match one to one")
        try:
            classes, codes = np.unique(values, return_inverse=True)
        except TypeError:
            raise DataError("y mixes class labels of different types; use labels of one type") from None
        if len(classes) < 2:
            raise DataError(f"y has a single class {classes.tolist()}; a classifier needs at least two")
        return classes, [[int(code)] for code in codes.ravel()], False
    raise DataError(f"y must be 1-D class labels or a binary indicator matrix, got a {kind!r} target")


def _label_names(classes: np.ndarray) -> list[str]:
    """The tagger's label for each class: its text, which must be unique and non-blank."""
    names = [str(c) for c in classes.tolist()]
    for name in names:
        if not name.strip() or name != name.strip():
            raise DataError(f"class label {name!r} is blank or has surrounding whitespace")
    if len(set(names)) != len(names):
        raise DataError(f"class labels {names} are not distinct as text; the model stores labels as text")
    return names
