"""Training options: :class:`TrainOptions`, grouped by stage and stored in the model file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..errors import OptionError, UnknownOptionError
from ..features import FeatureOptions
from ..text import TextOptions

__all__ = ["OPTION_NAMES", "TrainOptions", "resolve_weights"]

_CLASS_WEIGHTS = ("auto", "sqrt", "balanced", None)


@dataclass(frozen=True)
class TrainOptions:
    """Every setting of training, grouped; stored in the model file.

    Parameters
    ----------
    text : TextOptions
        Preprocessing (see :class:`greentag.text.TextOptions`).
    features : FeatureOptions
        Vocabulary and weighting (see :class:`greentag.features.FeatureOptions`).
    C : float, default=1.0
        Inverse regularisation strength of each label's linear SVM.
    class_weight : {"auto", "sqrt", "balanced", None}, default="auto"
        Weight of a label's positive documents: ``"sqrt"`` multiplies it by
        the square root of negatives/positives, ``"balanced"`` by the full
        ratio, ``None`` leaves it at 1. ``"auto"`` is ``"sqrt"`` for
        multi-label data, where rare labels would otherwise drown, and
        ``None`` for single-label data, where the best label is chosen by
        comparing margins and per-label weights would skew the comparison.
    max_iter : int, default=5000
        Iteration cap of the SVM solver.
    cv : int, default=5
        Folds of the cross-validation that calibrates scores and tunes
        thresholds; reduced automatically for tiny datasets.
    threshold_range : (float, float), default=(0.1, 0.9)
        Tuned thresholds are clipped into this range.
    at_least_one : bool, default=True
        Give the best label when none clears its threshold (see ``Tagger``).
    passage_weight : float, default=0.6
        How far a document's best passage lifts a label's score over the
        whole document's (0 scores whole documents only; see
        :mod:`greentag.passages`). Passage length is the text option
        ``passage_min_words``.
    multi_label : bool or None, default=None
        ``None`` infers it: single-label when every document has exactly one label.
    random_state : int, default=0
        Seed of the fold split and the solver.
    """

    text: TextOptions = field(default_factory=TextOptions)
    features: FeatureOptions = field(default_factory=FeatureOptions)
    C: float = 1.0
    class_weight: str | None = "auto"
    max_iter: int = 5000
    cv: int = 5
    threshold_range: tuple[float, float] = (0.1, 0.9)
    at_least_one: bool = True
    passage_weight: float = 0.6
    multi_label: bool | None = None
    random_state: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "threshold_range", tuple(self.threshold_range))
        self.validate()

    def validate(self) -> None:
        """Raise :class:`~greentag.errors.OptionError` (a ``ValueError``) naming the first bad option."""
        if isinstance(self.C, bool) or not isinstance(self.C, (int, float)) or not self.C > 0:
            raise OptionError(f"C must be a positive number, got {self.C!r}")
        if self.class_weight not in _CLASS_WEIGHTS:
            raise OptionError(f"class_weight must be one of {_CLASS_WEIGHTS}, got {self.class_weight!r}")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, int) or self.max_iter < 1:
            raise OptionError(f"max_iter must be a positive int, got {self.max_iter!r}")
        if isinstance(self.cv, bool) or not isinstance(self.cv, int) or self.cv < 2:
            raise OptionError(f"cv must be an int >= 2, got {self.cv!r}")
        low, high = self.threshold_range if len(self.threshold_range) == 2 else (1, 0)
        if not 0.0 <= low <= high <= 1.0:
            raise OptionError(
                f"threshold_range must be (low, high) with 0 <= low <= high <= 1, got {self.threshold_range!r}"
            )
        weight = self.passage_weight
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0.0 <= weight <= 1.0:
            raise OptionError(f"passage_weight must be a number in [0, 1], got {weight!r}")
        if self.multi_label not in (True, False, None):
            raise OptionError(f"multi_label must be True, False or None, got {self.multi_label!r}")
        if isinstance(self.random_state, bool) or not isinstance(self.random_state, int):
            raise OptionError(f"random_state must be an int, got {self.random_state!r}")

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> TrainOptions:
        """Build options from flat keyword arguments (``min_df=3, C=0.5, ...``).

        Raises
        ------
        UnknownOptionError
            For a name that is not an option (also a ``TypeError``).
        """
        unknown = sorted(set(kwargs) - set(OPTION_NAMES))
        if unknown:
            raise UnknownOptionError(f"unknown training option(s) {unknown}; known options are {sorted(OPTION_NAMES)}")
        text = {k: v for k, v in kwargs.items() if k in _TEXT_NAMES}
        feats = {k: v for k, v in kwargs.items() if k in _FEATURE_NAMES}
        rest = {k: v for k, v in kwargs.items() if k in _OWN_NAMES}
        return cls(text=TextOptions(**text), features=FeatureOptions(**feats), **rest)

    def to_kwargs(self) -> dict[str, Any]:
        """Return the flat keyword form accepted by :meth:`from_kwargs`."""
        own = {f.name: getattr(self, f.name) for f in fields(self) if f.name in _OWN_NAMES}
        return {**asdict(self.text), **asdict(self.features), **own}

    def to_dict(self) -> dict[str, Any]:
        """Return the options as JSON-ready data (nested by stage)."""
        own = {f.name: getattr(self, f.name) for f in fields(self) if f.name in _OWN_NAMES}
        own["threshold_range"] = list(self.threshold_range)
        return {"text": self.text.to_dict(), "features": self.features.to_dict(), **own}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainOptions:
        """Build options from :meth:`to_dict` output."""
        data = dict(data)
        text = TextOptions.from_dict(data.pop("text", {}))
        feats = FeatureOptions.from_dict(data.pop("features", {}))
        unknown = set(data) - _OWN_NAMES
        if unknown:
            raise OptionError(f"unknown training options: {sorted(unknown)}")
        return cls(text=text, features=feats, **data)


_TEXT_NAMES = frozenset(f.name for f in fields(TextOptions))
_FEATURE_NAMES = frozenset(f.name for f in fields(FeatureOptions))
_OWN_NAMES = frozenset(f.name for f in fields(TrainOptions)) - {"text", "features"}
OPTION_NAMES: tuple[str, ...] = tuple(sorted(_TEXT_NAMES | _FEATURE_NAMES | _OWN_NAMES))


def resolve_weights(options: TrainOptions, text_options: TextOptions, single_label: bool) -> tuple[str | None, float]:
    """The class weighting and passage weight that training really uses.

    ``class_weight="auto"`` is ``"sqrt"`` for multi-label data and ``None`` for
    single-label data. Passages lift secondary topics, and single-label
    documents have none, so single-label models score whole documents.
    """
    class_weight = options.class_weight
    if class_weight == "auto":
        class_weight = None if single_label else "sqrt"
    no_passages = single_label or text_options.passage_min_words is None
    return class_weight, 0.0 if no_passages else float(options.passage_weight)
