"""The bigram hash table agrees with a plain dictionary lookup."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from greentag.pairs import PairTable

ids = st.integers(min_value=0, max_value=40)


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.dictionaries(st.tuples(ids, ids), st.integers(0, 10_000), max_size=60),
    queries=st.lists(st.tuples(st.integers(-2, 45), st.integers(-2, 45)), max_size=80),
)
def test_lookup_equals_a_dictionary(pairs: dict[tuple[int, int], int], queries: list[tuple[int, int]]) -> None:
    table = PairTable(pairs, n_term_ids=41)
    first = np.array([a for a, _ in queries], dtype=np.intp)
    second = np.array([b for _, b in queries], dtype=np.intp)
    expected = [pairs.get((a, b), -1) if a >= 0 and b >= 0 else -1 for a, b in queries]
    assert table.lookup(first, second).tolist() == expected
    assert len(table) == len(pairs)


def test_keys_that_share_a_slot_are_probed_past() -> None:
    # Random keys: at a quarter full, hundreds of them find their first slot taken.
    rng = np.random.default_rng(0)
    n_term_ids = 100_000
    first, second = rng.integers(0, n_term_ids, size=(2, 4000))
    pairs = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(first, second, strict=True))}
    table = PairTable(pairs, n_term_ids=n_term_ids)
    occupied = np.flatnonzero(table._keys != -1)
    displaced = table._slots(table._keys[occupied]) != occupied
    assert displaced.sum() > 100  # the test really exercises probing
    expected = [pairs[int(a), int(b)] for a, b in zip(first, second, strict=True)]
    assert table.lookup(first, second).tolist() == expected
    assert table.lookup(second + n_term_ids, first).tolist() == [-1] * len(first)  # ids out of range
    absent = [(int(b), int(a)) for a, b in zip(first, second, strict=True) if (int(b), int(a)) not in pairs]
    assert table.lookup(*np.array(absent).T).tolist() == [-1] * len(absent)


def test_an_empty_table_finds_nothing() -> None:
    table = PairTable({}, n_term_ids=0)
    assert table.lookup(np.array([0, 1]), np.array([1, 0])).tolist() == [-1, -1]
    assert table.lookup(np.array([], dtype=np.intp), np.array([], dtype=np.intp)).tolist() == []
