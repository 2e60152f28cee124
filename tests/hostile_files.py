"""Builders of hostile model files for test_hostile_models.py.

Each builder writes what an attacker, a failing disk or a careless tool could
produce: pickles whose unpickling runs code, archives whose members were
swapped, re-checksummed manifests with bad values, and zip bombs. A zip bomb
is built from a deflate block of one MiB of zeros repeated, so a member that
inflates to gigabytes costs a few megabytes and a second to make.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from greentag import Tagger
from greentag.persist import MANIFEST, _build_payload, _manifest_checksum

MIB = 1 << 20


class Payload:
    """Unpickling this creates ``marker``: proof that code from the file ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


# ------------------------------------------------------------- pickled files
def _joblib_writer(compress: Any) -> Callable[[Any, Path], None]:
    def write(obj: Any, path: Path) -> None:
        joblib.dump(obj, path, compress=compress)

    return write


def _pickle_writer(protocol: int) -> Callable[[Any, Path], None]:
    def write(obj: Any, path: Path) -> None:
        path.write_bytes(pickle.dumps(obj, protocol=protocol))

    return write


PICKLE_WRITERS: dict[str, Callable[[Any, Path], None]] = {
    "pickle-p0": _pickle_writer(0),
    "pickle-p2": _pickle_writer(2),
    "pickle-p5": _pickle_writer(5),
    "joblib-raw": _joblib_writer(0),
    "joblib-zlib": _joblib_writer(3),
    "joblib-gzip": _joblib_writer("gzip"),
    "joblib-bz2": _joblib_writer("bz2"),
    "joblib-xz": _joblib_writer("xz"),
    "joblib-lzma": _joblib_writer("lzma"),
}


def load_pickled(name: str, path: Path) -> Any:
    """Load a file written by ``PICKLE_WRITERS[name]`` the unsafe way (to prove the payload is live)."""
    if name.startswith("joblib"):
        return joblib.load(path)
    return pickle.loads(path.read_bytes())


# ------------------------------------------------------ tampered model files
def members_of(model: Tagger) -> dict[str, bytes]:
    """The members greentag would write for ``model``, as name -> bytes."""
    return _build_payload(model)


def npy_bytes(array: np.ndarray, *, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def npy_header(dtype: str, shape: tuple[int, ...], *, fortran_order: bool = False) -> bytes:
    """A bare .npy header: what numpy reads before it allocates the array."""
    buffer = io.BytesIO()
    header = {"descr": dtype, "fortran_order": fortran_order, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def write_model(
    path: Path,
    members: dict[str, bytes],
    *,
    edit: Callable[[dict[str, Any]], None] | None = None,
    recompute: bool = True,
) -> Path:
    """Write ``members`` as a model archive, the way an attacker would.

    With ``recompute`` the manifest's member sizes, hashes and checksum are
    brought up to date after ``edit``, so only the checks that do not rely on
    those hashes stand between the file and the loader (hashes are not a
    signature: anyone can recompute them).
    """
    members = dict(members)
    try:
        manifest = json.loads(members[MANIFEST]) if MANIFEST in members else None
    except ValueError:
        manifest = None  # a manifest that is not JSON goes in as it is
    if isinstance(manifest, dict):
        if recompute and isinstance(manifest.get("members"), dict):
            for name, data in members.items():
                if name != MANIFEST and name in manifest["members"]:
                    manifest["members"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        if edit is not None:
            edit(manifest)
        if recompute:
            manifest["checksum"] = _manifest_checksum(manifest)
        members[MANIFEST] = json.dumps(manifest).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def member_offsets(path: Path) -> dict[str, tuple[int, int]]:
    """Name -> (start, end) of each member's compressed bytes inside the file."""
    data = path.read_bytes()
    offsets = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26 : info.header_offset + 30])
            start = info.header_offset + 30 + name_length + extra_length
            offsets[info.filename] = (start, start + info.compress_size)
    return offsets


def central_directory_offset(path: Path) -> int:
    data = path.read_bytes()
    end = data.rindex(b"PK\x05\x06")
    return int(struct.unpack("<I", data[end + 16 : end + 20])[0])


# ------------------------------------------------------------------ zip bombs
class RawMember:
    """One member of a hand-built zip: its bytes as stored, and what its headers declare."""

    def __init__(self, name: str, stored: bytes, *, size: int, crc: int, method: int = zipfile.ZIP_DEFLATED) -> None:
        self.name = name.encode("utf-8")
        self.stored = stored
        self.size = size
        self.crc = crc
        self.method = method
        self.flags = 0


def stored_member(name: str, data: bytes, *, method: int = zipfile.ZIP_STORED, flags: int = 0) -> RawMember:
    """A member stored as is; ``method`` and ``flags`` may claim otherwise (encryption, an unknown codec)."""
    member = RawMember(name, data, size=len(data), crc=zlib.crc32(data), method=method)
    member.flags = flags
    return member


def zero_bomb(name: str, size_mib: int, *, declare: int | None = None) -> RawMember:
    """A deflated member that inflates to ``size_mib`` MiB of zeros.

    ``declare`` makes the headers lie about the inflated size; when it is
    smaller, the CRC is that of the declared number of zeros, so only the
    hash in the manifest gives it away.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    # A full flush ends the block on a byte boundary with no back references
    # across it, so the block can be repeated as often as we like.
    block = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    stored = block * size_mib + compressor.flush(zlib.Z_FINISH)
    size = size_mib * MIB if declare is None else declare
    # A member declaring more than it holds is refused before any reading, so
    # its CRC does not matter (and a tebibyte of zeros would take long to sum).
    crc = zeros_crc(size) if size <= size_mib * MIB else 0
    return RawMember(name, stored, size=size, crc=crc)


def zeros_crc(n_bytes: int) -> int:
    crc = 0
    zeros = bytes(MIB)
    full, rest = divmod(n_bytes, MIB)
    for _ in range(full):
        crc = zlib.crc32(zeros, crc)
    return zlib.crc32(bytes(rest), crc)


def raw_zip(members: list[RawMember]) -> bytes:
    """Assemble a zip archive by hand, with ZIP64 extras for sizes of 4 GiB or more."""
    out = io.BytesIO()
    central = io.BytesIO()
    for member in members:
        offset = out.tell()
        big = member.size >= 0xFFFFFFFF or len(member.stored) >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, member.size, len(member.stored)) if big else b""
        size32 = 0xFFFFFFFF if big else member.size
        csize32 = 0xFFFFFFFF if big else len(member.stored)
        version = 45 if big else 20
        out.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                version,
                member.flags,
                member.method,
                0,
                0x21,
                member.crc,
                csize32,
                size32,
                len(member.name),
                len(extra),
            )
        )
        out.write(member.name + extra + member.stored)
        central_extra = struct.pack("<HHQQQ", 1, 24, member.size, len(member.stored), offset) if big else b""
        central.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                version,
                version,
                member.flags,
                member.method,
                0,
                0x21,
                member.crc,
                csize32,
                size32,
                len(member.name),
                len(central_extra),
                0,
                0,
                0,
                0o644 << 16,
                0xFFFFFFFF if big else offset,
            )
        )
        central.write(member.name + central_extra)
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), start, 0))
    return out.getvalue()
