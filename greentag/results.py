"""What tagging returns: :class:`Tag` and :class:`Explanation` (plain values, no behaviour)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["Explanation", "Tag"]


class Tag(NamedTuple):
    """One topic tag: the label and its calibrated probability in [0, 1]."""

    label: str
    score: float


@dataclass(frozen=True)
class Explanation:
    """Why a label got its score: the terms that pushed it up or down.

    Attributes
    ----------
    label : str
        The label explained.
    score : float
        Its calibrated probability for the document.
    terms : list of (str, float)
        The document's terms with their contribution to the label's log-odds,
        largest first; positive weights raised the score. Terms are shown as
        they were written in the document ("electric buses"), not as stems.
    bias : float
        The label's log-odds for a document with no known terms.
    lang : str
        The language the document was read in (detected, or the one given).
    """

    label: str
    score: float
    terms: list[tuple[str, float]] = field(default_factory=list)
    bias: float = 0.0
    lang: str = "en"
