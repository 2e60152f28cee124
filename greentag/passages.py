"""Passages: scoring a long document's paragraphs as well as the whole.

A long article that spends one paragraph on a topic deserves that topic's
tag, but in a TF-IDF vector of the whole article the paragraph's words are
diluted by everything else. So greentag also scores each passage (a paragraph,
or several short ones merged until they reach ``min_words`` words) and lets
the best passage lift a label's log-odds part of the way towards its own:

    z = z_doc + weight * max(0, max_p z_p - z_doc)

``weight=0`` is the whole-document model; ``weight=1`` takes the best of the
document and its passages. Training applies the same rule to its
cross-validation scores, so calibration and thresholds account for it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pool_scores", "split_passages"]

# A paragraph ends at a blank line, at a line break after the end of a
# sentence, or before an indented line. A bare line break inside a sentence is
# hard wrapping (as in wire copy), not a paragraph end. Precisely, the
# whitespace between two words is a paragraph break when it matches
# r"\n\s*\n|(?<=[.!?\"\u201d\u2019)])[ \t]*\n|\n(?=[ \t])" somewhere: it holds two
# line breaks, or a line break preceded by sentence-ending punctuation and
# nothing but spaces and tabs, or a line break followed by a space or tab.
# split_passages tests that line by line, which is faster than the regex.
_SENTENCE_END = frozenset('.!?"\u201d\u2019)')


def split_passages(text: str, min_words: int) -> list[list[str]]:
    """Split ``text`` into passages of at least ``min_words`` whitespace-separated words.

    Short paragraphs are merged with the ones that follow; a short tail joins
    the last passage. The passages' words, concatenated, are exactly
    ``text.split()``.

    Returns
    -------
    list of list of str
        The words of each passage; a single passage when ``text`` has no
        paragraph breaks or is shorter than ``2 * min_words``.

    Examples
    --------
    >>> split_passages("One two three.\\nFour five six.\\nSeven", 3)
    [['One', 'two', 'three.'], ['Four', 'five', 'six.', 'Seven']]
    """
    if "\n" not in text:
        return [text.split()]
    passages: list[list[str]] = []
    current: list[str] = []
    newlines = 0  # line breaks since the last line with words
    indented = False  # one of them is followed by a space or a tab
    sentence_end = False  # the last line with words ends a sentence
    for number, line in enumerate(text.split("\n")):
        if number:
            newlines += 1
            indented = indented or line[:1] in (" ", "\t")
        words = line.split()
        if not words:
            continue
        if current and (newlines > 1 or indented or sentence_end) and len(current) >= min_words:
            passages.append(current)
            current = []
        current.extend(words)
        sentence_end = line.rstrip(" \t")[-1:] in _SENTENCE_END
        newlines, indented = 0, False
    if len(current) >= min_words:
        passages.append(current)
        current = []
    if current:
        if passages:
            passages[-1].extend(current)
        else:
            passages.append(current)
    return passages


def pool_scores(doc_scores: np.ndarray, best_passage_scores: np.ndarray, weight: float) -> np.ndarray:
    """Lift document log-odds towards the best passage's where the passage scores higher.

    Parameters
    ----------
    doc_scores : array of shape (..., n_labels)
        Log-odds (or raw margins) of the whole document.
    best_passage_scores : array of the same shape
        The maximum over the document's passages, per label.
    weight : float
        How far to move, in [0, 1].

    Examples
    --------
    >>> pool_scores(np.array([-2.0, 1.0]), np.array([2.0, 0.0]), 0.5).tolist()
    [0.0, 1.0]
    """
    pooled: np.ndarray = doc_scores + weight * np.maximum(best_passage_scores - doc_scores, 0.0)
    return pooled
