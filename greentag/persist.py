"""The model file: a zip of one JSON manifest, a vocabulary and ``.npy`` arrays.

Loading never unpickles anything, so a model file from a stranger cannot run
code. It happens in stages, as skops.io does: look at the file as bytes, read
and check the manifest as plain data, check every member's size and SHA-256,
load each array with ``allow_pickle=False`` and check its dtype and shape, and
only then build the :class:`~greentag.model.Tagger`.

Saving writes a temporary file next to the target and renames it into place,
so a crash mid-save leaves the previous file intact. Members are written in a
fixed order with fixed timestamps, so the same model gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import struct
import tempfile
import threading
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ._version import __version__
from .errors import InputTypeError, ModelError
from .features import TfidfFeatures
from .text import TextOptions

if TYPE_CHECKING:
    from .model import Tagger

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "MODEL_SUFFIX", "read_manifest", "read_model", "save_model"]

FORMAT_NAME = "greentag-model"
FORMAT_VERSION = 1
MODEL_SUFFIX = ".gtm"
MANIFEST = "greentag.json"
VOCABULARY = "vocabulary.txt"
# name -> (dtype, shape as names resolved against V features and L labels)
ARRAYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "coef": ("float32", ("V", "L")),
    "intercept": ("float32", ("L",)),
    "idf": ("float32", ("V",)),
    "calibration": ("float64", ("2", "L")),
    "thresholds": ("float64", ("L",)),
}
MEMBERS = frozenset({MANIFEST, VOCABULARY} | {f"{name}.npy" for name in ARRAYS})

# Refuse anything larger before reading it: a model for 100 labels over a
# million terms is about 400 MB, far above any real need and below harm.
MAX_MEMBER_BYTES = 1 << 30
MAX_TOTAL_BYTES = 2 << 30
MAX_MANIFEST_BYTES = 16 << 20
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# First bytes of the files pickle and joblib write: protocol 2+ pickles, and
# joblib's gzip, bz2, xz, zlib and lzma wrappers around a pickle.
_PICKLE_MAGIC = (b"\x80", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"x\x01", b"x^", b"x\x9c", b"x\xda", b"]\x00\x00")


# ---------------------------------------------------------------------- save
def save_model(model: Tagger, path: str | os.PathLike[str], *, compress: bool = True) -> None:
    """Write ``model`` to ``path`` atomically.

    Parameters
    ----------
    model : Tagger
        The model to save.
    path : str or path-like
        Target file; its folder must exist. An existing file is replaced
        only once the new one is completely written.
    compress : bool, default=True
        Deflate the members that deflating shrinks by a quarter or more
        (the others load faster stored). A file that only this machine's
        worker processes read is written all stored: compressing a large
        model takes about a second, which a first parallel call would
        otherwise wait for.

    Raises
    ------
    ModelError
        If ``path`` is a directory or its folder does not exist.
    """
    target = Path(path)
    if target.is_dir():
        raise ModelError(
            f"cannot save the model to {str(target)!r}: it is a directory; give a file name such as model{MODEL_SUFFIX}"
        )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ModelError(f"cannot save the model to {str(target)!r}: folder {str(folder)!r} does not exist")
    payload = _build_payload(model)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        os.chmod(tmp_name, 0o666 & ~_umask())  # mkstemp makes it private; a model is not a secret
        with os.fdopen(fd, "wb") as handle:
            _write_zip(handle, payload, compress=compress)
            handle.flush()
            if compress:  # a shipped file must survive a crash; a worker's scratch copy need not
                os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        # Also on KeyboardInterrupt: never leave a half-written temporary file.
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _array_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def _build_payload(model: Tagger) -> dict[str, bytes]:
    arrays: dict[str, np.ndarray] = {
        "coef": model.coef.astype(np.float32),
        "intercept": model.intercept.astype(np.float32),
        "idf": model.features.idf.astype(np.float32),
        "calibration": model.calibration.astype(np.float64),
        "thresholds": model.thresholds.astype(np.float64),
    }
    members = {f"{name}.npy": _array_bytes(array) for name, array in arrays.items()}
    members[VOCABULARY] = "\n".join(model.features.vocabulary).encode("utf-8", "surrogatepass")
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "greentag_version": __version__,
        "labels": model.labels,
        "thresholds": [round(float(t), 6) for t in model.thresholds],
        "n_features": model.features.n_features,
        "text_options": model.text_options.to_dict(),
        "sublinear_tf": model.features.sublinear_tf,
        "at_least_one": model.at_least_one,
        "fallback_floor": model.fallback_floor,
        "single_label": model.single_label,
        "passage_weight": model.passage_weight,
        "metadata": model.metadata,
        # In the manifest rather than a member of its own: a greentag that
        # predates it ignores the field (and stems those tokens itself), where
        # it would refuse an unknown member. Two strings per language, the
        # tokens and their terms one per line, are cheap to parse and to hash.
        "token_terms": {
            lang: ["\n".join(table), "\n".join(table.values())] for lang, table in model.token_terms.items() if table
        },
        "members": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in sorted(members.items())
        },
    }
    manifest["checksum"] = _manifest_checksum(manifest)
    members[MANIFEST] = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return members


def _manifest_checksum(manifest: dict[str, Any]) -> str:
    body = {key: value for key, value in manifest.items() if key != "checksum"}
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8", "surrogatepass")
    ).hexdigest()


_COMPRESS_LEVEL = 6
# A member that deflating shrinks by less than this share is stored as it is:
# inflating it would cost every load more time than the bytes it saves (the
# dense weights of a small model hardly compress). Its first megabyte decides,
# so that a large member is not compressed twice.
_WORTH_DEFLATING = 0.25
_SAMPLE_BYTES = 1 << 20


def _deflates_well(data: bytes) -> bool:
    sample = data[:_SAMPLE_BYTES]
    return len(zlib.compress(sample, _COMPRESS_LEVEL)) < (1 - _WORTH_DEFLATING) * len(sample)


def _write_zip(handle: Any, members: dict[str, bytes], *, compress: bool = True) -> None:
    with zipfile.ZipFile(handle, "w") as archive:
        for name in [MANIFEST, *sorted(set(members) - {MANIFEST})]:
            data = members[name]
            deflate = compress and _deflates_well(data)
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=_COMPRESS_LEVEL if deflate else None)


# ---------------------------------------------------------------------- load
def read_model(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and verify a model written by :func:`save_model`; return the :class:`Tagger`'s keyword arguments.

    :meth:`Tagger.load <greentag.model.Tagger.load>` builds the model from
    them; this module reads and checks bytes and knows no model class.

    Raises
    ------
    ModelError
        Naming what is wrong: missing path, a directory, an empty or truncated
        file, not a zip, a pickle, unexpected or missing members, oversized
        members, a bad manifest, a checksum mismatch, a newer format, bad
        array types or shapes.
    """
    source = _as_path(path)
    with _open_archive(source) as archive:
        manifest = _read_manifest(archive, source)
        members = {name: _read_member(archive, name, manifest, source) for name in sorted(MEMBERS - {MANIFEST})}
    return _build(manifest, members, source)


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Return a model file's verified manifest (labels, options, metrics) without loading arrays."""
    source = _as_path(path)
    with _open_archive(source) as archive:
        return _read_manifest(archive, source)


def _as_path(path: object) -> Path:
    if isinstance(path, (str, os.PathLike)):
        return Path(path)
    raise InputTypeError(f"a model path must be a str or path-like object, got {type(path).__name__}")


def _open_archive(source: Path) -> zipfile.ZipFile:
    name = str(source)
    try:
        if not source.exists():
            # exists() is also False for a dangling symlink or a symlink loop.
            what = "is a broken symbolic link or a symlink loop" if source.is_symlink() else "does not exist"
            raise ModelError(f"model file {name!r} {what}")
        if source.is_dir():
            raise ModelError(f"{name!r} is a directory, not a model file")
        if not source.is_file():
            # Opening a FIFO would block forever waiting for a writer.
            raise ModelError(f"{name!r} is not a regular file (a device, FIFO or socket), not a model file")
        with open(source, "rb") as handle:
            head = handle.read(6)
    except OSError as exc:  # a name too long, a folder we may not enter, ...
        raise ModelError(f"cannot read model file {name!r}: {exc.strerror or exc}") from None
    if not head:
        raise ModelError(f"model file {name!r} is empty")
    if head.startswith(_PICKLE_MAGIC):
        raise ModelError(
            f"{name!r} looks like a pickle or compressed pickle (joblib) file; greentag model files never "
            "contain pickles and greentag will not load one, because unpickling can run arbitrary code"
        )
    if head[:4] != b"PK\x03\x04":
        raise ModelError(f"{name!r} is not a greentag model file (it is not a zip archive)")
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, struct.error) as exc:
        # NotImplementedError: a damaged "version needed to extract" field.
        raise ModelError(f"model file {name!r} is truncated or corrupt: {exc}") from None
    try:
        _check_entries(archive, name)
    except BaseException:
        archive.close()
        raise
    return archive


def _check_entries(archive: zipfile.ZipFile, name: str) -> None:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(names) != len(set(names)):
        raise ModelError(f"model file {name!r} has duplicated members")
    unexpected = sorted(set(names) - MEMBERS)
    if unexpected:
        raise ModelError(f"model file {name!r} has unexpected members {unexpected}; it was not written by greentag")
    missing = sorted(MEMBERS - set(names))
    if missing:
        raise ModelError(f"model file {name!r} is missing members {missing}")
    total = 0
    for info in infos:
        # Sizes are declared in the zip directory: refuse a bomb before inflating it.
        limit = MAX_MANIFEST_BYTES if info.filename == MANIFEST else MAX_MEMBER_BYTES
        if info.file_size > limit:
            raise ModelError(
                f"model file {name!r}: member {info.filename!r} declares {info.file_size:,} bytes, over the "
                f"{limit:,}-byte limit; refusing to unpack it"
            )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise ModelError(
            f"model file {name!r} declares {total:,} bytes in all, over the {MAX_TOTAL_BYTES:,}-byte limit"
        )


def _read_bytes(archive: zipfile.ZipFile, member: str, name: str) -> bytes:
    info = archive.getinfo(member)
    try:
        with archive.open(info) as handle:
            data = handle.read(info.file_size + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise ModelError(f"model file {name!r} is corrupt: cannot read {member!r} ({exc})") from None
    except Exception as exc:  # zlib.error and friends
        raise ModelError(f"model file {name!r} is corrupt: cannot read {member!r} ({exc})") from None
    if len(data) != info.file_size:
        raise ModelError(f"model file {name!r} is corrupt: {member!r} does not have its declared size")
    return data


def _read_manifest(archive: zipfile.ZipFile, source: Path) -> dict[str, Any]:
    name = str(source)
    raw = _read_bytes(archive, MANIFEST, name)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"model file {name!r}: {MANIFEST} is not valid JSON ({exc})") from None
    except RecursionError:
        raise ModelError(f"model file {name!r}: {MANIFEST} is not valid JSON (nested too deeply)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise ModelError(f"{name!r} is not a greentag model file (its manifest does not say format={FORMAT_NAME!r})")
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelError(f"model file {name!r}: format_version must be an int, got {version!r}")
    if version > FORMAT_VERSION:
        raise ModelError(
            f"model file {name!r} uses format version {version}, newer than this greentag "
            f"({__version__}) reads (up to {FORMAT_VERSION}); it was written by greentag "
            f"{manifest.get('greentag_version', '?')}: upgrade greentag to load it"
        )
    if version < 1:
        raise ModelError(f"model file {name!r}: unknown format version {version}")
    if manifest.get("checksum") != _manifest_checksum(manifest):
        raise ModelError(f"model file {name!r}: manifest checksum mismatch; the file was modified or damaged")
    # Files written before passage scoring existed score whole documents only.
    manifest.setdefault("passage_weight", 0.0)
    _check_manifest_types(manifest, name)
    return manifest


def _check_manifest_types(manifest: dict[str, Any], name: str) -> None:
    def bad(field: str, expected: str) -> ModelError:
        return ModelError(
            f"model file {name!r}: manifest field {field!r} must be {expected}, got {manifest.get(field)!r:.80}"
        )

    labels = manifest.get("labels")
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) and x for x in labels):
        raise bad("labels", "a non-empty list of strings")
    if len(set(labels)) != len(labels):
        raise bad("labels", "a list of distinct strings")
    n_features = manifest.get("n_features")
    if isinstance(n_features, bool) or not isinstance(n_features, int) or n_features < 1:
        raise bad("n_features", "a positive int")
    for field in ("sublinear_tf", "at_least_one", "single_label"):
        if not isinstance(manifest.get(field), bool):
            raise bad(field, "true or false")
    for field in ("fallback_floor", "passage_weight"):
        number = manifest.get(field)
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not 0.0 <= number <= 1.0:
            raise bad(field, "a number in [0, 1]")
    for field in ("text_options", "metadata", "members"):
        if not isinstance(manifest.get(field), dict):
            raise bad(field, "an object")
    if not isinstance(manifest["metadata"].get("training", {}), dict):
        raise bad("metadata", "an object whose 'training' entry is an object")
    for member in MEMBERS - {MANIFEST}:
        entry = manifest["members"].get(member)
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and isinstance(entry.get("size"), int)
            and not isinstance(entry.get("size"), bool)
        ):
            raise ModelError(f"model file {name!r}: manifest has no valid checksum entry for {member!r}")


def _read_member(archive: zipfile.ZipFile, member: str, manifest: dict[str, Any], source: Path) -> bytes:
    name = str(source)
    data = _read_bytes(archive, member, name)
    expected = manifest["members"][member]
    if len(data) != expected["size"] or hashlib.sha256(data).hexdigest() != expected["sha256"]:
        raise ModelError(f"model file {name!r}: checksum mismatch in {member!r}; the file was modified or damaged")
    return data


_HEADER_LOCK = threading.Lock()


def _check_array_header(
    data: bytes, array: str, dtype: np.dtype, shape: tuple[int, ...], name: str
) -> tuple[int, bool]:
    """Check a .npy header against what the manifest implies, before any array is allocated.

    ``np.load`` allocates the shape the header declares before it finds out
    that the data is missing, so a few bytes could ask for terabytes.

    Returns
    -------
    offset : int
        Where the values start in ``data``.
    fortran_order : bool
        Whether the values are stored column by column.
    """
    stream = io.BytesIO(data)
    fortran_order = False
    try:
        # numpy parses the header with ast; CPython 3.11 can fail that parse when threads run
        # it at once ("SystemError: AST constructor recursion depth mismatch"), so one at a time.
        with _HEADER_LOCK:
            version = np.lib.format.read_magic(stream)
            if version == (1, 0):
                found_shape, fortran_order, found_dtype = np.lib.format.read_array_header_1_0(stream)
            elif version == (2, 0):
                found_shape, fortran_order, found_dtype = np.lib.format.read_array_header_2_0(stream)
            else:
                found_shape = ()
                found_dtype = None
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:
        raise ModelError(f"model file {name!r}: {array}.npy is not a plain numeric array ({exc})") from None
    if found_dtype is None:
        raise ModelError(
            f"model file {name!r}: {array}.npy is not a plain numeric array (.npy format version {version})"
        )
    if found_dtype != dtype:
        # Object arrays, which only unpickling could read, are refused here.
        raise ModelError(f"model file {name!r}: {array}.npy must hold {dtype}, got {found_dtype}")
    if tuple(found_shape) != shape:
        raise ModelError(f"model file {name!r}: {array}.npy has shape {tuple(found_shape)}, expected {shape}")
    if len(data) - stream.tell() != dtype.itemsize * math.prod(shape):
        raise ModelError(f"model file {name!r}: {array}.npy does not hold {shape} values (truncated or padded)")
    return stream.tell(), bool(fortran_order)


def _load_array(data: bytes, array: str, n_features: int, n_labels: int, name: str) -> np.ndarray:
    dtype, shape_names = ARRAYS[array]
    sizes = {"V": n_features, "L": n_labels, "2": 2}
    shape = tuple(sizes[s] for s in shape_names)
    offset, fortran_order = _check_array_header(data, array, np.dtype(dtype), shape, name)
    # The header is checked (numeric dtype, shape, exact length): the values are read as they lie.
    flat = np.frombuffer(data, dtype=np.dtype(dtype), offset=offset)
    value: np.ndarray = flat.reshape(shape, order="F" if fortran_order else "C").copy()
    if not np.isfinite(value).all():
        raise ModelError(f"model file {name!r}: {array}.npy contains NaN or infinite values")
    return value


def _build(manifest: dict[str, Any], members: dict[str, bytes], source: Path) -> dict[str, Any]:
    name = str(source)
    labels: list[str] = manifest["labels"]
    n_features: int = manifest["n_features"]
    arrays = {array: _load_array(members[f"{array}.npy"], array, n_features, len(labels), name) for array in ARRAYS}
    try:
        vocabulary = members[VOCABULARY].decode("utf-8", "surrogatepass").split("\n")
    except UnicodeDecodeError as exc:
        raise ModelError(f"model file {name!r}: {VOCABULARY} is not UTF-8 ({exc})") from None
    if len(vocabulary) != n_features or len(set(vocabulary)) != n_features:
        raise ModelError(f"model file {name!r}: {VOCABULARY} must hold {n_features} distinct terms")
    try:
        text_options = TextOptions.from_dict(manifest["text_options"])
    except (TypeError, ValueError) as exc:
        raise ModelError(f"model file {name!r}: bad text_options ({exc})") from None
    try:
        features = TfidfFeatures(vocabulary, arrays["idf"], sublinear_tf=manifest["sublinear_tf"])
    except (TypeError, ValueError) as exc:
        raise ModelError(f"model file {name!r}: bad features ({exc})") from None
    return {
        "labels": labels,
        "features": features,
        "coef": arrays["coef"],
        "intercept": arrays["intercept"],
        "calibration": arrays["calibration"],
        "thresholds": arrays["thresholds"],
        "text_options": text_options,
        "at_least_one": manifest["at_least_one"],
        "fallback_floor": float(manifest["fallback_floor"]),
        "single_label": manifest["single_label"],
        "passage_weight": float(manifest["passage_weight"]),
        "metadata": manifest["metadata"],
        "token_terms": _token_terms(manifest, text_options, name),
    }


def _token_terms(manifest: dict[str, Any], text_options: TextOptions, name: str) -> dict[str, dict[str, str]]:
    """The manifest's token -> term tables, checked; files from before greentag saved them have none."""
    encoded = manifest.get("token_terms", {})
    if not isinstance(encoded, dict):
        raise ModelError(f"model file {name!r}: manifest field 'token_terms' must be an object")
    tables = {}
    for lang, lines in encoded.items():
        if lang not in text_options.languages:
            raise ModelError(
                f"model file {name!r}: manifest field 'token_terms' names {lang!r}, "
                "which is not one of the model's languages"
            )
        tokens, terms = lines if isinstance(lines, list) and len(lines) == 2 else (None, None)
        if not (isinstance(tokens, str) and isinstance(terms, str)):
            raise ModelError(f"model file {name!r}: 'token_terms' for {lang!r} must be two strings")
        tokens, terms = tokens.split("\n"), terms.split("\n")
        if len(tokens) != len(terms) or "" in tokens:
            raise ModelError(f"model file {name!r}: 'token_terms' for {lang!r} must give one term per non-empty token")
        tables[lang] = dict(zip(tokens, terms, strict=True))
    return tables
