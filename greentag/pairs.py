"""A hash table of bigram features, looked up for a whole batch in numpy.

A batch of documents has hundreds of thousands of adjacent term pairs. Looking
each one up in a Python ``dict`` costs a tuple and a hash per pair; a sorted
array and ``searchsorted`` costs about seventeen scattered reads per pair.
This open-addressing table (linear probing, a quarter full) answers most
pairs with one read, for every pair of the batch in a few numpy passes.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

__all__ = ["PairTable"]

_EMPTY = -1
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: 2**64 / golden ratio, odd


class PairTable:
    """Map pairs of term ids ``(first, second)`` to bigram feature indices.

    Parameters
    ----------
    pairs : dict of (int, int) to int
        Term-id pairs and their feature index; ids are in ``[0, n_term_ids)``.
    n_term_ids : int
        One more than the largest term id.

    Examples
    --------
    >>> table = PairTable({(0, 1): 7, (2, 0): 9}, n_term_ids=3)
    >>> table.lookup(np.array([0, 2, 1, -1]), np.array([1, 0, 1, 0])).tolist()
    [7, 9, -1, -1]
    """

    def __init__(self, pairs: dict[tuple[int, int], int], n_term_ids: int) -> None:
        self.n_term_ids = max(int(n_term_ids), 1)
        self._bits = max(4, (4 * len(pairs) - 1).bit_length())
        size = 1 << self._bits
        self._keys = np.full(size, _EMPTY, dtype=np.int64)
        self._features = np.zeros(size, dtype=np.intp)
        if pairs:
            ids = np.fromiter(chain.from_iterable(pairs), dtype=np.int64, count=2 * len(pairs)).reshape(-1, 2)
            features = np.fromiter(pairs.values(), dtype=np.intp, count=len(pairs))
            self._insert(ids[:, 0] * self.n_term_ids + ids[:, 1], features)

    def __len__(self) -> int:
        return int(np.count_nonzero(self._keys != _EMPTY))

    def _slots(self, keys: np.ndarray) -> np.ndarray:
        hashed = (keys.astype(np.uint64) * _MULTIPLIER) >> np.uint64(64 - self._bits)
        slots: np.ndarray = hashed.astype(np.intp)
        return slots

    def _insert(self, keys: np.ndarray, features: np.ndarray) -> None:
        # Every pending key tries its slot at once; where several want the same
        # free slot one wins, and the rest move on to the next slot.
        mask = len(self._keys) - 1
        slots = self._slots(keys)
        pending = np.arange(len(keys))
        while pending.size:
            wanted = slots[pending]
            free = self._keys[wanted] == _EMPTY
            taken, first = np.unique(wanted[free], return_index=True)
            winners = pending[free][first]
            self._keys[taken] = keys[winners]
            self._features[taken] = features[winners]
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slots[pending] = (slots[pending] + 1) & mask

    def lookup(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Return the feature index of each pair ``(first[k], second[k])``; -1 where there is none.

        Negative ids (terms that are no feature) never form a pair.
        """
        first = np.asarray(first, dtype=np.int64)
        second = np.asarray(second, dtype=np.int64)
        found = np.full(first.shape, -1, dtype=np.intp)
        valid = (first >= 0) & (second >= 0) & (first < self.n_term_ids) & (second < self.n_term_ids)
        pending = np.flatnonzero(valid)
        keys = first * self.n_term_ids + second
        mask = len(self._keys) - 1
        slots = np.zeros(first.shape, dtype=np.intp)
        slots[pending] = self._slots(keys[pending])
        while pending.size:
            at = slots[pending]
            stored = self._keys[at]
            hit = stored == keys[pending]
            found[pending[hit]] = self._features[at[hit]]
            # A miss goes on probing until it meets an empty slot.
            going_on = ~hit & (stored != _EMPTY)
            pending = pending[going_on]
            slots[pending] = (at[going_on] + 1) & mask
        return found
