"""Model files: round trips, determinism, atomic saves, and refusing bad files.

The hostile-file tests (pickles with payloads, zip bombs, tampering) live in
test_hostile_models.py; these cover the ordinary contract.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

import greentag
import greentag.default
from greentag import ModelError, Tagger
from greentag.persist import FORMAT_VERSION, MANIFEST, read_manifest, save_model

from .corpus import TEXTS


def test_save_load_gives_identical_scores(small_model: Tagger, tmp_path: Path) -> None:
    path = tmp_path / "model.gtm"
    small_model.save(path)
    loaded = Tagger.load(path)
    assert loaded.labels == small_model.labels
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), small_model.predict_proba(TEXTS))
    assert loaded.tag_many(TEXTS) == small_model.tag_many(TEXTS)
    assert loaded.metadata == small_model.metadata
    assert loaded.path == path
    assert greentag.load(str(path)).labels == small_model.labels


def test_save_is_byte_for_byte_repeatable(small_model: Tagger, tmp_path: Path) -> None:
    small_model.save(tmp_path / "a.gtm")
    Tagger.load(tmp_path / "a.gtm").save(tmp_path / "b.gtm")
    assert (tmp_path / "a.gtm").read_bytes() == (tmp_path / "b.gtm").read_bytes()


def test_an_uncompressed_file_loads_to_the_same_model(small_model: Tagger, tmp_path: Path) -> None:
    # Worker processes read a stored (uncompressed) copy; it must be the same model.
    save_model(small_model, tmp_path / "stored.gtm", compress=False)
    small_model.save(tmp_path / "deflated.gtm")
    with zipfile.ZipFile(tmp_path / "stored.gtm") as archive:
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
    assert (tmp_path / "stored.gtm").stat().st_size > (tmp_path / "deflated.gtm").stat().st_size
    loaded = Tagger.load(tmp_path / "stored.gtm")
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), small_model.predict_proba(TEXTS))
    assert loaded.tag_many(TEXTS) == small_model.tag_many(TEXTS)


def test_only_members_that_deflate_well_are_deflated(small_model: Tagger, tmp_path: Path) -> None:
    # Inflating a member that hardly shrinks costs each load more than its bytes save.
    path = tmp_path / "model.gtm"
    small_model.save(path)
    kinds = set()
    for saved in (path, greentag.default.default_model_path()):  # the shipped file was saved the same way
        with zipfile.ZipFile(saved) as archive:
            for info in archive.infolist():
                data = archive.read(info.filename)
                sample = data[: 1 << 20]  # the first megabyte decides
                shrinks = len(zlib.compress(sample, 6)) < 0.75 * len(sample)
                assert info.compress_type == (zipfile.ZIP_DEFLATED if shrinks else zipfile.ZIP_STORED), info.filename
                kinds.add(info.compress_type)
    assert kinds == {zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED}  # dense weights hardly shrink; text does


def test_file_is_a_zip_of_json_and_npy_only(small_model: Tagger, tmp_path: Path) -> None:
    path = tmp_path / "model.gtm"
    small_model.save(path)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read(MANIFEST))
    assert names == {
        MANIFEST,
        "vocabulary.txt",
        "coef.npy",
        "intercept.npy",
        "idf.npy",
        "calibration.npy",
        "thresholds.npy",
    }
    assert manifest["format"] == "greentag-model"
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["greentag_version"] == greentag.__version__
    assert manifest["labels"] == small_model.labels
    assert len(manifest["metadata"]["training"]["data_sha256"]) == 64
    assert set(manifest["members"]) == names - {MANIFEST}


def test_read_manifest_without_arrays(small_model: Tagger, tmp_path: Path) -> None:
    path = tmp_path / "model.gtm"
    small_model.save(path)
    manifest = read_manifest(path)
    assert manifest["labels"] == small_model.labels
    assert manifest["metadata"]["training"]["n_documents"] == len(TEXTS)


def test_save_replaces_atomically_and_leaves_no_temporary_files(
    small_model: Tagger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.gtm"
    small_model.save(path)
    before = path.read_bytes()

    import greentag.persist as persist

    def explode(handle: object, members: object, **options: object) -> None:
        handle.write(b"PK\x03\x04 half a file")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(persist, "_write_zip", explode)
    with pytest.raises(OSError, match="disk full"):
        small_model.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.gtm"]


def test_saved_file_permissions_follow_umask(small_model: Tagger, tmp_path: Path) -> None:
    path = tmp_path / "model.gtm"
    small_model.save(path)
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


@pytest.mark.parametrize("target", ["missing-folder/model.gtm", "."], ids=["no-folder", "directory"])
def test_save_to_a_bad_place(small_model: Tagger, tmp_path: Path, target: str) -> None:
    with pytest.raises(ModelError, match="cannot save the model"):
        small_model.save(tmp_path / target)


def test_load_refuses_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        Tagger.load(tmp_path / "nope.gtm")


def test_load_refuses_a_newer_format(small_model: Tagger, tmp_path: Path) -> None:
    import greentag.persist as persist

    path = tmp_path / "future.gtm"
    payload = persist._build_payload(small_model)
    manifest = json.loads(payload[MANIFEST])
    manifest["format_version"] = FORMAT_VERSION + 1
    manifest["checksum"] = persist._manifest_checksum(manifest)
    payload[MANIFEST] = json.dumps(manifest).encode()
    with open(path, "wb") as handle:
        persist._write_zip(handle, payload)
    with pytest.raises(ModelError, match=f"format version {FORMAT_VERSION + 1}, newer than this greentag"):
        Tagger.load(path)


def test_model_does_not_depend_on_sklearn_objects(small_model: Tagger, tmp_path: Path) -> None:
    # Loading needs numpy and the standard library only: no scikit-learn class is rebuilt.
    path = tmp_path / "model.gtm"
    small_model.save(path)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            assert b"sklearn" not in archive.read(name) or name == MANIFEST


def test_a_file_from_before_passage_scoring_loads_as_whole_document_scoring(
    small_model: Tagger, tmp_path: Path
) -> None:
    import greentag.persist as persist

    payload = persist._build_payload(small_model)
    manifest = json.loads(payload[MANIFEST])
    del manifest["passage_weight"]
    manifest["checksum"] = persist._manifest_checksum(manifest)
    payload[MANIFEST] = json.dumps(manifest).encode()
    path = tmp_path / "older.gtm"
    with open(path, "wb") as handle:
        persist._write_zip(handle, payload)
    assert Tagger.load(path).passage_weight == 0.0
