"""What each step of greentag's training recipe buys, measured by switching it off.

Every variant is the default recipe with one public training option changed
(``greentag.train(..., **options)``); the last one switches off all three
decision steps at once. The library's defaults are not touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["VARIANTS", "Variant", "quick_variants"]


@dataclass(frozen=True)
class Variant:
    """One ablation row: a name, what it changes, and the training options that do it."""

    name: str
    description: str
    options: dict[str, Any] = field(default_factory=dict)


VARIANTS: tuple[Variant, ...] = (
    Variant("default", "the full recipe: greentag.train defaults"),
    Variant(
        "no threshold tuning",
        "every label's threshold fixed at 0.5 on the calibrated probability",
        {"threshold_range": (0.5, 0.5)},
    ),
    Variant("no at-least-one", "documents may get no tag when no label clears its threshold", {"at_least_one": False}),
    Variant("no class weighting", "positives weighted 1 instead of sqrt(negatives/positives)", {"class_weight": None}),
    Variant("balanced class weights", "positives weighted negatives/positives", {"class_weight": "balanced"}),
    Variant("min_df=1", "keep terms seen in a single training document", {"min_df": 1}),
    Variant("unigrams only", "no word bigrams", {"ngram_range": (1, 1)}),
    Variant("no stemming", "words kept as written (lowercased)", {"stemmer": None}),
    Variant("no stop words", "stop words kept (and in bigrams)", {"stop_words": None}),
    Variant(
        "no passage pooling",
        "documents scored as a whole: the best passage of a long document does not lift its scores",
        {"passage_weight": 0.0},
    ),
    Variant(
        "no decision steps",
        "no class weighting, no threshold tuning (0.5), no at-least-one: calibrated SVMs only",
        {"class_weight": None, "threshold_range": (0.5, 0.5), "at_least_one": False},
    ),
)


def quick_variants() -> tuple[Variant, ...]:
    """The two variants that ``--quick`` runs: enough to exercise the code."""
    return (VARIANTS[0], VARIANTS[-1])
