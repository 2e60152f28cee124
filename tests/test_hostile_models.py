"""Hostile and broken model files: Tagger.load refuses each with a ModelError, and runs no code.

Each payload, if it ever ran, would create ``marker`` in the test's folder;
every test that hands the loader a payload checks that the marker is absent
afterwards, and test_payloads_are_live proves that the payloads do run when
the same files are opened the unsafe way. Ordinary save/load behaviour is in
test_persist.py.
"""

from __future__ import annotations

import os
import re
import threading
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import greentag
import greentag.persist as persist
from greentag import InputTypeError, ModelError, Tagger
from greentag.persist import MANIFEST, read_manifest

from .hostile_files import (
    MIB,
    PICKLE_WRITERS,
    Payload,
    central_directory_offset,
    load_pickled,
    member_offsets,
    members_of,
    npy_bytes,
    npy_header,
    raw_zip,
    stored_member,
    write_model,
    zero_bomb,
)

PROBE = ["wind farm and solar power for the grid", "a bank loan for the hospital", "rail freight at the port"]
ARRAYS = ["coef", "intercept", "idf", "calibration", "thresholds"]


@pytest.fixture(scope="module")
def good_file(small_model: Tagger, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("good") / "model.gtm"
    small_model.save(path)
    return path


@pytest.fixture(scope="module")
def members(small_model: Tagger) -> dict[str, bytes]:
    return members_of(small_model)


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "payload-ran"


def refused(path: Path, match: str) -> ModelError:
    """Assert that every way of loading ``path`` raises a ModelError matching ``match``."""
    with pytest.raises(ModelError, match=match) as caught:
        Tagger.load(path)
    with pytest.raises(ModelError, match=match):
        greentag.load(str(path))
    return caught.value


def same_model(loaded: Tagger, original: Tagger) -> bool:
    return loaded.labels == original.labels and np.array_equal(
        loaded.predict_proba(PROBE), original.predict_proba(PROBE)
    )


# ------------------------------------------------------------------ pickles
EXTENSIONS = [".gtm", ".zip", ".pkl", ".pickle", ".joblib", ".npy", ".json", ""]
# Protocol 0 pickles are text, so they are refused as "not a zip" rather than recognised.
PICKLE_MESSAGES = {name: "looks like a pickle or compressed pickle" for name in PICKLE_WRITERS} | {
    "pickle-p0": "is not a greentag model file"
}


@pytest.mark.parametrize("writer", sorted(PICKLE_WRITERS))
def test_payloads_are_live(writer: str, tmp_path: Path, marker: Path) -> None:
    # The control: unpickling these files the unsafe way does run the payload,
    # so its absence in the tests below means the loader never unpickled.
    path = tmp_path / "evil.bin"
    PICKLE_WRITERS[writer](Payload(marker), path)
    assert not marker.exists()
    load_pickled(writer, path)
    assert marker.exists()


@pytest.mark.parametrize("extension", EXTENSIONS, ids=lambda e: e or "no-extension")
@pytest.mark.parametrize("writer", sorted(PICKLE_WRITERS))
def test_pickle_and_joblib_files_are_refused_without_running(
    writer: str, extension: str, tmp_path: Path, marker: Path
) -> None:
    path = tmp_path / f"model{extension}"
    PICKLE_WRITERS[writer](Payload(marker), path)
    error = refused(path, PICKLE_MESSAGES[writer])
    assert str(path) in str(error)
    with pytest.raises(ModelError):
        read_manifest(path)
    assert not marker.exists()


def _object_array(marker: Path) -> bytes:
    return npy_bytes(np.array([Payload(marker)], dtype=object), allow_pickle=True)


def _structured_with_object(marker: Path) -> bytes:
    array = np.array([(1.0, Payload(marker))], dtype=[("weight", "<f4"), ("extra", "O")])
    return npy_bytes(array, allow_pickle=True)


def _npz_with_object(marker: Path) -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez(buffer, np.array([Payload(marker)], dtype=object))
    return buffer.getvalue()


def _raw_pickle(marker: Path) -> bytes:
    import pickle

    return pickle.dumps(Payload(marker), protocol=5)


SMUGGLED: list[tuple[str, Callable[[Path], bytes], str, str]] = [
    *[(f"{a}.npy", _object_array, "must hold float(32|64), got object", f"object-array-{a}") for a in ARRAYS],
    *[(f"{a}.npy", _raw_pickle, "is not a plain numeric array", f"raw-pickle-{a}") for a in ARRAYS],
    ("coef.npy", _structured_with_object, "must hold float32, got", "structured-with-object-field"),
    ("idf.npy", _npz_with_object, "is not a plain numeric array", "npz-with-object-array"),
    ("vocabulary.txt", _raw_pickle, "vocabulary.txt", "pickle-as-vocabulary"),
    (MANIFEST, _raw_pickle, "is not valid JSON", "pickle-as-manifest"),
    ("payload.pkl", _raw_pickle, r"unexpected members \['payload.pkl'\]", "extra-pickle-member"),
    ("data.pkl", _raw_pickle, "unexpected members", "torch-style-data-pkl"),
]


@pytest.mark.parametrize("member, make, message", [s[:3] for s in SMUGGLED], ids=[s[3] for s in SMUGGLED])
def test_pickles_smuggled_into_an_archive_never_run(
    member: str,
    make: Callable[[Path], bytes],
    message: str,
    members: dict[str, bytes],
    tmp_path: Path,
    marker: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_load = np.load

    def load_without_pickles(*args: Any, **kwargs: Any) -> Any:
        assert kwargs.get("allow_pickle") is False, "np.load was called without allow_pickle=False"
        return real_load(*args, **kwargs)

    monkeypatch.setattr(np, "load", load_without_pickles)
    tampered = {**members, member: make(marker)}
    path = write_model(tmp_path / "model.gtm", tampered)
    refused(path, message)
    assert not marker.exists()


# ------------------------------------------------------- damaged bytes
def _cut_points(size: int) -> list[int]:
    return sorted({1, 2, 3, 4, 5, 10, 30, 100, size // 4, size // 2, 3 * size // 4, size - 100, size - 22, size - 1})


def test_truncated_files_are_refused(good_file: Path, tmp_path: Path) -> None:
    data = good_file.read_bytes()
    path = tmp_path / "cut.gtm"
    for cut in _cut_points(len(data)):
        path.write_bytes(data[:cut])
        error = refused(path, "truncated or corrupt|not a greentag model file|corrupt")
        assert str(path) in str(error), cut


def test_every_truncation_is_a_model_error(good_file: Path, tmp_path: Path) -> None:
    data = good_file.read_bytes()
    path = tmp_path / "cut.gtm"
    for cut in range(0, len(data), max(1, len(data) // 500)):
        path.write_bytes(data[:cut])
        with pytest.raises(ModelError):
            Tagger.load(path)


def _flip_positions(path: Path) -> dict[str, tuple[int, bool]]:
    """Name -> (offset, whether any change there must be refused)."""
    offsets = member_offsets(path)
    directory = central_directory_offset(path)
    end = path.read_bytes().rindex(b"PK\x05\x06")
    positions = {
        "local-header-signature": (0, True),
        "local-header-method": (8, False),  # the loader trusts the central directory's copy
        "local-header-name": (31, True),
        "central-directory-signature": (directory, True),
        "central-directory-version-needed": (directory + 6, False),  # once a NotImplementedError from zipfile
        "central-directory-flags": (directory + 8, False),
        "central-directory-sizes": (directory + 22, False),
        "central-directory-name": (directory + 47, True),
        "end-record-signature": (end, True),
        "end-record-entry-count": (end + 10, False),
        "end-record-directory-offset": (end + 16, True),
    }
    for member in (MANIFEST, "coef.npy", "vocabulary.txt", "thresholds.npy"):
        start, stop = offsets[member]
        # The first byte holds the deflate "last block" bit and the last byte
        # may be padding: a change there can leave the inflated bytes as they were.
        positions[f"compressed-{member}-start"] = (start, False)
        positions[f"compressed-{member}-middle"] = ((start + stop) // 2, True)
        positions[f"compressed-{member}-end"] = (stop - 1, False)
    return positions


@pytest.mark.parametrize("mask", [0xFF, 0x01, 0x80], ids=["byte", "low-bit", "high-bit"])
def test_flipped_bytes_in_data_and_structure(good_file: Path, small_model: Tagger, tmp_path: Path, mask: int) -> None:
    data = good_file.read_bytes()
    path = tmp_path / "flipped.gtm"
    for where, (position, must_fail) in _flip_positions(good_file).items():
        damaged = bytearray(data)
        damaged[position] ^= mask
        path.write_bytes(bytes(damaged))
        try:
            model = Tagger.load(path)
        except ModelError as exc:
            assert str(path) in str(exc), where
            assert re.search(r"corrupt|checksum|not a greentag|members|JSON|not a zip", str(exc)), (where, exc)
            continue
        assert not must_fail, f"a flip in {where} was not noticed"
        assert same_model(model, small_model), where


def test_any_flipped_byte_gives_an_error_or_the_same_model(
    good_file: Path, small_model: Tagger, tmp_path: Path
) -> None:
    # Some header fields (timestamps, "version made by", attributes) do not
    # matter to the loader; a flip there may load, but never as another model.
    data = good_file.read_bytes()
    path = tmp_path / "flipped.gtm"
    step = max(1, len(data) // 500)
    loaded = tried = 0
    for position in range(0, len(data), step):
        damaged = bytearray(data)
        damaged[position] ^= 0xFF
        path.write_bytes(bytes(damaged))
        tried += 1
        try:
            model = Tagger.load(path)
        except ModelError:
            continue
        loaded += 1
        assert same_model(model, small_model), position
    assert loaded < tried // 10  # nearly every flip is caught


# ------------------------------------------------------------ zip bombs
@pytest.fixture(scope="module")
def three_gib_bomb(members: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    others = [stored_member(name, data) for name, data in members.items() if name != "coef.npy"]
    path = tmp_path_factory.mktemp("bomb") / "bomb.gtm"
    path.write_bytes(raw_zip([*others, zero_bomb("coef.npy", 3 * 1024)]))
    return path


def test_the_bomb_is_real(three_gib_bomb: Path) -> None:
    # A file of a few MB whose member honestly inflates to 3 GiB of zeros.
    assert three_gib_bomb.stat().st_size < 8 * MIB
    with zipfile.ZipFile(three_gib_bomb) as archive:
        info = archive.getinfo("coef.npy")
        assert info.file_size == 3 * 1024 * MIB
        with archive.open(info) as stream:
            assert stream.read(16 * MIB) == bytes(16 * MIB)


def test_zip_bomb_is_refused_by_declared_size_before_reading(
    three_gib_bomb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("a member was opened before the sizes were checked")

    monkeypatch.setattr(zipfile.ZipFile, "open", never_open)
    tracemalloc.start()
    try:
        refused(three_gib_bomb, r"'coef.npy' declares 3,221,225,472 bytes, over the 1,073,741,824-byte limit")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * MIB


def _bomb_file(path: Path, members: dict[str, bytes], bombs: list[Any]) -> Path:
    replaced = {bomb.name.decode() for bomb in bombs}
    others = [stored_member(name, data) for name, data in members.items() if name not in replaced]
    path.write_bytes(raw_zip([*others, *bombs]))
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: [zero_bomb("coef.npy", 4, declare=1 << 40)], r"declares 1,099,511,627,776 bytes"),
        (lambda: [zero_bomb(MANIFEST, 64)], r"'greentag.json' declares 67,108,864 bytes, over the 16,777,216"),
        (
            lambda: [zero_bomb(name, 4, declare=800 * MIB) for name in ("coef.npy", "idf.npy", "intercept.npy")],
            r"declares [\d,]+ bytes in all, over the 2,147,483,648-byte limit",
        ),
    ],
    ids=["zip64-declares-a-tebibyte", "manifest-bomb", "members-add-up-past-the-total"],
)
def test_oversized_members_are_refused(
    make: Callable[[], list[Any]], message: str, members: dict[str, bytes], tmp_path: Path
) -> None:
    refused(_bomb_file(tmp_path / "bomb.gtm", members, make()), message)


def test_bomb_that_lies_about_its_size_reads_no_more_than_declared(members: dict[str, bytes], tmp_path: Path) -> None:
    # Declares the real member's size but inflates to 3 GiB: reading stops
    # at the declared size, so memory stays small and the hash catches it.
    liar = zero_bomb("coef.npy", 3 * 1024, declare=len(members["coef.npy"]))
    path = _bomb_file(tmp_path / "liar.gtm", members, [liar])
    tracemalloc.start()
    try:
        refused(path, "checksum mismatch in 'coef.npy'|corrupt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * MIB


@pytest.mark.parametrize(
    "method, flags, message",
    [
        (zipfile.ZIP_STORED, 0x1, "encrypted"),
        (99, 0, "compression method|corrupt"),
        (zipfile.ZIP_BZIP2, 0, "corrupt"),
    ],
    ids=["encrypted-flag", "unknown-compression", "claims-bzip2"],
)
def test_members_that_cannot_be_read_plainly(
    method: int, flags: int, message: str, members: dict[str, bytes], tmp_path: Path
) -> None:
    raw = [stored_member(name, data) for name, data in members.items() if name != "coef.npy"]
    raw.append(stored_member("coef.npy", members["coef.npy"], method=method, flags=flags))
    path = tmp_path / "odd.gtm"
    path.write_bytes(raw_zip(raw))
    refused(path, message)


# ------------------------------------------------------ members and manifest
@pytest.mark.parametrize("missing", sorted(persist.MEMBERS))
def test_missing_members(missing: str, members: dict[str, bytes], tmp_path: Path) -> None:
    kept = {name: data for name, data in members.items() if name != missing}
    path = write_model(tmp_path / "model.gtm", kept)
    refused(path, rf"is missing members \['{missing}'\]")


@pytest.mark.parametrize(
    "extra",
    ["notes.txt", "../../outside.txt", "/etc/cron.d/job", "coef.npy/", "GREENTAG.JSON", "coef.npy.bak", "arr_0.npy"],
)
def test_unexpected_members(extra: str, members: dict[str, bytes], tmp_path: Path) -> None:
    path = write_model(tmp_path / "model.gtm", {**members, extra: b"anything"})
    refused(path, "has unexpected members")
    assert not (tmp_path.parent / "outside.txt").exists()


def test_duplicated_member(members: dict[str, bytes], tmp_path: Path) -> None:
    raw = [stored_member(name, data) for name, data in members.items()]
    raw.append(stored_member("coef.npy", members["coef.npy"]))
    path = tmp_path / "model.gtm"
    path.write_bytes(raw_zip(raw))
    refused(path, "duplicated members")


def test_an_archive_from_another_program(tmp_path: Path) -> None:
    path = tmp_path / "model.gtm"
    np.savez(path.with_suffix(".npz"), weights=np.zeros(3))
    path.write_bytes(path.with_suffix(".npz").read_bytes())
    refused(path, "unexpected members")
    zipfile.ZipFile(path, "w").close()  # an empty archive is only an end record
    refused(path, "not a zip archive|missing members")


def _set(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        manifest[field] = value

    return edit


def _drop(field: str) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        del manifest[field]

    return edit


def _nested(*keys: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(manifest: dict[str, Any]) -> None:
        target = manifest
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


MANIFEST_EDITS: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("format-other", _set("format", "sklearn-pickle"), "its manifest does not say format='greentag-model'"),
    ("format-missing", _drop("format"), "does not say format="),
    ("version-newer", _set("format_version", 2), "format version 2, newer than this greentag"),
    ("version-huge", _set("format_version", 10**30), "newer than this greentag"),
    ("version-string", _set("format_version", "1"), "format_version must be an int, got '1'"),
    ("version-float", _set("format_version", 1.0), "format_version must be an int, got 1.0"),
    ("version-bool", _set("format_version", True), "format_version must be an int, got True"),
    ("version-null", _set("format_version", None), "format_version must be an int, got None"),
    ("version-zero", _set("format_version", 0), "unknown format version 0"),
    ("version-negative", _set("format_version", -1), "unknown format version -1"),
    ("labels-string", _set("labels", "energy"), "'labels' must be a non-empty list of strings"),
    ("labels-empty", _set("labels", []), "'labels' must be a non-empty list of strings"),
    ("labels-ints", _set("labels", [1, 2, 3, 4]), "'labels' must be a non-empty list of strings"),
    ("labels-empty-name", _set("labels", ["a", "", "c", "d"]), "'labels' must be a non-empty list of strings"),
    ("labels-duplicated", _set("labels", ["a", "a", "c", "d"]), "'labels' must be a list of distinct strings"),
    ("labels-too-few", _set("labels", ["a", "b"]), r"has shape \(\d+, 4\), expected \(\d+, 2\)"),
    ("n-features-string", _set("n_features", "438"), "'n_features' must be a positive int"),
    ("n-features-zero", _set("n_features", 0), "'n_features' must be a positive int"),
    ("n-features-bool", _set("n_features", True), "'n_features' must be a positive int"),
    ("n-features-wrong", _set("n_features", 10**12), r"shape \(\d+, 4\), expected \(1000000000000, 4\)"),
    ("sublinear-string", _set("sublinear_tf", "yes"), "'sublinear_tf' must be true or false"),
    ("at-least-one-int", _set("at_least_one", 1), "'at_least_one' must be true or false"),
    ("single-label-null", _set("single_label", None), "'single_label' must be true or false"),
    ("floor-too-big", _set("fallback_floor", 2.0), "'fallback_floor' must be a number in"),
    ("floor-string", _set("fallback_floor", "0.5"), "'fallback_floor' must be a number in"),
    ("floor-nan", _set("fallback_floor", float("nan")), "'fallback_floor' must be a number in"),
    ("floor-bool", _set("fallback_floor", False), "'fallback_floor' must be a number in"),
    ("metadata-list", _set("metadata", []), "'metadata' must be an object"),
    ("metadata-training-list", _set("metadata", {"training": [1]}), "whose 'training' entry is an object"),
    ("members-list", _set("members", []), "'members' must be an object"),
    ("token-terms-list", _set("token_terms", [["wind", "wind"]]), "'token_terms' must be an object"),
    ("token-terms-language", _set("token_terms", {"xx": ["a", "a"]}), "names 'xx', which is not one of the model's"),
    ("token-terms-object", _set("token_terms", {"en": {"wind": "wind"}}), "for 'en' must be two strings"),
    ("token-terms-ints", _set("token_terms", {"en": [1, 2]}), "for 'en' must be two strings"),
    ("token-terms-three", _set("token_terms", {"en": ["a", "a", "a"]}), "for 'en' must be two strings"),
    ("token-terms-uneven", _set("token_terms", {"en": ["a\nb", "a"]}), "must give one term per non-empty token"),
    ("token-terms-empty-token", _set("token_terms", {"en": ["a\n", "a\nb"]}), "one term per non-empty token"),
    ("members-entry-missing", _nested("members", "coef.npy", value=None), "no valid checksum entry for 'coef.npy'"),
    ("members-size-string", _nested("members", "idf.npy", "size", value="7"), "no valid checksum entry"),
    ("text-options-list", _set("text_options", []), "'text_options' must be an object"),
    ("text-options-unknown", _nested("text_options", "evil", value=1), r"unknown text options: \['evil'\]"),
    ("stemmer-unknown", _nested("text_options", "stemmer", value="evil"), "stemmer must be one of"),
    ("stop-words-int", _nested("text_options", "stop_words", value=5), "stop_words must be one of"),
    ("stop-words-ints", _nested("text_options", "stop_words", value=[1, 2]), "stop_words must be one of"),
    ("stop-words-object", _nested("text_options", "stop_words", value={"a": 1}), "stop_words must be one of"),
    ("lowercase-string", _nested("text_options", "lowercase", value="no"), "lowercase must be True or False"),
    ("strip-html-null", _nested("text_options", "strip_html", value=None), "strip_html must be True or False"),
    ("ngram-int", _nested("text_options", "ngram_range", value=5), "bad text_options"),
    ("ngram-too-long", _nested("text_options", "ngram_range", value=[1, 9]), "ngram_range must be"),
    ("ngram-bools", _nested("text_options", "ngram_range", value=[True, True]), "ngram_range must be"),
    ("min-length-bool", _nested("text_options", "min_token_length", value=True), "min_token_length must be"),
    ("unicode-form-int", _nested("text_options", "unicode_form", value=5), "unicode_form must be"),
]


@pytest.mark.parametrize("edit, message", [e[1:] for e in MANIFEST_EDITS], ids=[e[0] for e in MANIFEST_EDITS])
def test_manifest_with_wrong_values(
    edit: Callable[[dict[str, Any]], None], message: str, members: dict[str, bytes], tmp_path: Path
) -> None:
    # The checksum is recomputed, as a forger would, so the type checks are what stops these.
    path = write_model(tmp_path / "model.gtm", members, edit=edit)
    refused(path, message)


def test_manifest_edited_without_updating_its_checksum(members: dict[str, bytes], tmp_path: Path) -> None:
    path = write_model(tmp_path / "model.gtm", members, edit=_set("greentag_version", "0.0.1-forged"), recompute=False)
    refused(path, "manifest checksum mismatch")


@pytest.mark.parametrize(
    "manifest, message",
    [
        (b"", "is not valid JSON"),
        (b"{not json", "is not valid JSON"),
        (b"\xff\xfe{}", "is not valid JSON"),
        (b"[1, 2, 3]", "its manifest does not say format="),
        (b"null", "its manifest does not say format="),
        (b"[" * 100_000 + b"]" * 100_000, "is not valid JSON|nested"),
    ],
    ids=["empty", "syntax", "not-utf8", "a-list", "null", "nested-deeply"],
)
def test_manifest_that_is_not_a_json_object(
    manifest: bytes, message: str, members: dict[str, bytes], tmp_path: Path
) -> None:
    path = tmp_path / "model.gtm"
    with open(path, "wb") as handle:
        persist._write_zip(handle, {**members, MANIFEST: manifest})
    refused(path, message)


# ------------------------------------------------------------------ arrays
def _header_only(dtype: str, shape: tuple[int, ...]) -> bytes:
    return npy_header(dtype, shape) + bytes(16)


ARRAY_SWAPS: list[tuple[str, str, Callable[[Tagger], bytes], str]] = [
    ("float64-coef", "coef.npy", lambda m: npy_bytes(m.coef.astype(np.float64)), "must hold float32, got float64"),
    ("big-endian-idf", "idf.npy", lambda m: npy_bytes(m.features.idf.astype(">f4")), "must hold float32, got >f4"),
    ("int-thresholds", "thresholds.npy", lambda m: npy_bytes(np.zeros(4, dtype=np.int64)), "must hold float64"),
    ("transposed-coef", "coef.npy", lambda m: npy_bytes(m.coef.T.copy()), r"has shape \(4, \d+\), expected"),
    ("scalar-intercept", "intercept.npy", lambda m: npy_bytes(np.float32(0.5)), r"has shape \(\), expected \(4,\)"),
    ("nan-coef", "coef.npy", lambda m: npy_bytes(np.full_like(m.coef, np.nan)), "contains NaN or infinite values"),
    ("inf-calibration", "calibration.npy", lambda m: npy_bytes(np.full((2, 4), np.inf)), "NaN or infinite"),
    (
        "header-claims-a-tebi-shape",
        "idf.npy",
        lambda m: _header_only("<f4", (1 << 40,)),
        r"has shape \(1099511627776,\)",
    ),
    ("header-claims-a-gib", "coef.npy", lambda m: _header_only("<f4", (1 << 28, 4)), r"has shape \(268435456, 4\)"),
    ("data-truncated", "idf.npy", lambda m: npy_bytes(m.features.idf)[:-8], "truncated or padded"),
    ("data-padded", "idf.npy", lambda m: npy_bytes(m.features.idf) + bytes(64), "truncated or padded"),
    ("not-npy", "intercept.npy", lambda m: b"0.1,0.2,0.3,0.4", "is not a plain numeric array"),
    ("npy-version-3", "intercept.npy", lambda m: b"\x93NUMPY\x03\x00" + npy_bytes(m.intercept)[8:], "not a plain"),
    ("header-too-long", "intercept.npy", lambda m: b"\x93NUMPY\x02\x00" + (10**6).to_bytes(4, "little"), "not a plain"),
    ("empty-member", "thresholds.npy", lambda m: b"", "is not a plain numeric array"),
]


@pytest.mark.parametrize("member, make, message", [s[1:] for s in ARRAY_SWAPS], ids=[s[0] for s in ARRAY_SWAPS])
def test_arrays_of_the_wrong_kind(
    member: str,
    make: Callable[[Tagger], bytes],
    message: str,
    small_model: Tagger,
    members: dict[str, bytes],
    tmp_path: Path,
) -> None:
    path = write_model(tmp_path / "model.gtm", {**members, member: make(small_model)})
    tracemalloc.start()
    try:
        refused(path, message)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * MIB  # a header that claims terabytes must not be believed


def test_fortran_ordered_arrays_are_fine(small_model: Tagger, members: dict[str, bytes], tmp_path: Path) -> None:
    coef = npy_bytes(np.asfortranarray(small_model.coef))
    path = write_model(tmp_path / "model.gtm", {**members, "coef.npy": coef})
    assert same_model(Tagger.load(path), small_model)


@pytest.mark.parametrize(
    "vocabulary, message",
    [
        (lambda v: "\n".join(v[:-1]).encode(), r"must hold \d+ distinct terms"),
        (lambda v: "\n".join([v[0], *v[:-1]]).encode(), r"must hold \d+ distinct terms"),
        (lambda v: ("\n".join(v) + "\n").encode(), r"must hold \d+ distinct terms"),
        (lambda v: b"\xff\xfe" + "\n".join(v).encode(), "vocabulary.txt is not UTF-8"),
        (lambda v: b"", r"must hold \d+ distinct terms"),
    ],
    ids=["one-term-short", "duplicate-term", "trailing-newline", "not-utf8", "empty"],
)
def test_bad_vocabulary(
    vocabulary: Callable[[list[str]], bytes],
    message: str,
    small_model: Tagger,
    members: dict[str, bytes],
    tmp_path: Path,
) -> None:
    data = vocabulary(small_model.features.vocabulary)
    path = write_model(tmp_path / "model.gtm", {**members, "vocabulary.txt": data})
    refused(path, message)


# -------------------------------------------------------------------- paths
def test_not_files(tmp_path: Path, good_file: Path) -> None:
    empty = tmp_path / "empty.gtm"
    empty.touch()
    refused(empty, "is empty")
    refused(tmp_path, "is a directory, not a model file")
    dangling = tmp_path / "dangling.gtm"
    dangling.symlink_to(tmp_path / "gone.gtm")
    refused(dangling, "is a broken symbolic link or a symlink loop")
    loop_a, loop_b = tmp_path / "loop-a.gtm", tmp_path / "loop-b.gtm"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    refused(loop_a, "is a broken symbolic link or a symlink loop")
    refused(good_file / "inside.gtm", "does not exist")
    refused(tmp_path / ("x" * 300 + ".gtm"), "cannot read model file .*File name too long")
    refused(Path(os.devnull), "is not a regular file")
    link = tmp_path / "link.gtm"
    link.symlink_to(good_file)
    assert Tagger.load(link).labels  # a symlink to a good file is fine


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    # Opening a FIFO for reading blocks until a writer comes; the loader must not open it.
    fifo = tmp_path / "model.gtm"
    os.mkfifo(fifo)
    refused(fifo, "is not a regular file")


@pytest.mark.parametrize("path", [None, 42, b"model.gtm", ["model.gtm"]], ids=["none", "int", "bytes", "list"])
def test_path_of_the_wrong_type(path: object) -> None:
    with pytest.raises(InputTypeError, match="a model path must be a str or path-like object"):
        Tagger.load(path)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        read_manifest(path)  # type: ignore[arg-type]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(good_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "secret.gtm"
    path.write_bytes(good_file.read_bytes())
    path.chmod(0)
    refused(path, "cannot read model file .*Permission denied")


def test_concurrent_loads_of_one_file(good_file: Path, small_model: Tagger) -> None:
    barrier = threading.Barrier(16)
    results: list[Any] = [None] * 16

    def load(i: int) -> None:
        barrier.wait()
        try:
            results[i] = Tagger.load(good_file)
        except BaseException as exc:  # reported below
            results[i] = exc

    threads = [threading.Thread(target=load, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(isinstance(r, Tagger) and same_model(r, small_model) for r in results), results


# ------------------------------------------------------------------- saving
class Interrupt(KeyboardInterrupt):
    """The user pressed Ctrl-C mid-save."""


def _fail_on_fourth_member(error: BaseException) -> Callable[..., None]:
    real = zipfile.ZipFile.writestr
    calls = []

    def writestr(self: zipfile.ZipFile, *args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 4:
            raise error
        real(self, *args, **kwargs)

    return writestr


SAVE_FAILURES: list[tuple[str, Any, str, Callable[[], Any], type[BaseException]]] = [
    (
        "disk-full-mid-archive",
        zipfile.ZipFile,
        "writestr",
        lambda: _fail_on_fourth_member(OSError(28, "No space left")),
        OSError,
    ),
    ("ctrl-c-mid-archive", zipfile.ZipFile, "writestr", lambda: _fail_on_fourth_member(Interrupt()), KeyboardInterrupt),
    (
        "memory-error-mid-archive",
        zipfile.ZipFile,
        "writestr",
        lambda: _fail_on_fourth_member(MemoryError()),
        MemoryError,
    ),
    ("fsync-fails", os, "fsync", lambda: _raiser(OSError(5, "I/O error")), OSError),
    ("ctrl-c-at-fsync", os, "fsync", lambda: _raiser(Interrupt()), KeyboardInterrupt),
    ("rename-fails", os, "replace", lambda: _raiser(OSError(18, "Invalid cross-device link")), OSError),
    ("chmod-fails", os, "chmod", lambda: _raiser(PermissionError(1, "Operation not permitted")), PermissionError),
    ("payload-fails", persist, "_build_payload", lambda: _raiser(ValueError("cannot encode")), ValueError),
]


def _raiser(error: BaseException) -> Callable[..., None]:
    def fail(*args: object, **kwargs: object) -> None:
        raise error

    return fail


@pytest.mark.parametrize(
    "owner, attribute, make, error", [f[1:] for f in SAVE_FAILURES], ids=[f[0] for f in SAVE_FAILURES]
)
def test_failed_save_keeps_the_previous_file_and_leaves_nothing_behind(
    owner: Any,
    attribute: str,
    make: Callable[[], Any],
    error: type[BaseException],
    small_model: Tagger,
    good_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "model.gtm"
    path.write_bytes(good_file.read_bytes())
    before = path.read_bytes()
    with monkeypatch.context() as patch:
        patch.setattr(owner, attribute, make())
        with pytest.raises(error):
            small_model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.gtm"]
    assert same_model(Tagger.load(path), small_model)


def test_concurrent_saves_to_one_path_leave_one_whole_model(small_model: Tagger, tmp_path: Path) -> None:
    other = greentag.train(["solar park", "wind farm", "rail line", "port"], [["a"], ["a"], ["b"], ["b"]], min_df=1)
    path = tmp_path / "model.gtm"
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def save(model: Tagger) -> None:
        barrier.wait()
        try:
            model.save(path)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(small_model if i % 2 else other,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [p.name for p in tmp_path.iterdir()] == ["model.gtm"]
    loaded = Tagger.load(path)
    assert same_model(loaded, small_model) or same_model(loaded, other)
