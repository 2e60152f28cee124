"""Reading and writing labeled data: JSONL, CSV/TSV, fastText format, folders.

Every reader yields ``(text, labels)`` records lazily, so files of any size
stream; :func:`read_dataset` collects them into two lists. Errors are
:class:`~greentag.errors.DataError` with the file and line in the message.

Formats, detected from the path (``.gz`` is decompressed transparently):

========== ======================================= ==============================
format     file                                    one record
========== ======================================= ==============================
jsonl      ``.jsonl``, ``.ndjson``                 ``{"text": "...", "labels": ["a", "b"]}``
csv, tsv   ``.csv``, ``.tsv`` (header row)         ``text`` and ``labels`` columns, ``a|b``
fasttext   ``.ft``, ``.fasttext``, ``.txt``        ``__label__a __label__b text ...``
folder     a directory of label folders            ``root/<label>/<doc>.txt``
========== ======================================= ==============================

A directory that holds data files instead of label folders is read as the
concatenation of those files in name order (that is how ``seeds/`` is read).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import json
import os
import re
import sys
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, cast

from .errors import DataError, OptionError

__all__ = [
    "FORMATS",
    "detect_format",
    "iter_dataset",
    "iter_documents",
    "read_dataset",
    "read_languages",
    "record_sources",
    "write_dataset",
]

FORMATS = ("jsonl", "csv", "tsv", "fasttext", "folder")
TEXT_FORMATS = ("jsonl", "csv", "tsv", "text")
_SUFFIXES = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".ft": "fasttext",
    ".fasttext": "fasttext",
    ".txt": "fasttext",
}
_DATA_SUFFIXES = (".jsonl", ".ndjson", ".csv", ".tsv", ".ft", ".fasttext")
FASTTEXT_PREFIX = "__label__"
# What surrogateescape turns undecodable bytes into (see _open_text).
_UNDECODED = re.compile("[\udc80-\udcff]")

Record = tuple[str, list[str]]


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def detect_format(path: str | os.PathLike[str]) -> str:
    """Return the data format of ``path`` from its name (or ``"folder"`` for a directory).

    Raises
    ------
    DataError
        When the suffix is not one greentag knows.

    Examples
    --------
    >>> detect_format("train.jsonl.gz")
    'jsonl'
    >>> detect_format("labels.tsv")
    'tsv'
    """
    p = Path(path)
    if p.is_dir():
        return "folder"
    fmt = _SUFFIXES.get(_suffix(p))
    if fmt is None:
        raise DataError(f"cannot tell the format from the name; pass format= one of {FORMATS}", path=str(path))
    return fmt


def _open_text(path: Path, encoding: str) -> IO[str]:
    """Open a (possibly gzipped) file with universal newlines.

    Undecodable bytes become lone surrogates (``surrogateescape``) instead of
    raising at once: the decoder works a block ahead of the line being read,
    so its error would name the wrong line. :func:`_check_decoded` raises it
    on the line that holds the bytes.
    """
    try:
        if path.suffix.lower() == ".gz":
            return io.TextIOWrapper(gzip.open(path, "rb"), encoding=encoding, errors="surrogateescape", newline="")
        return open(path, encoding=encoding, errors="surrogateescape", newline="")
    except FileNotFoundError:
        raise DataError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise DataError("is a directory; pass format='folder' or a file", path=str(path)) from None
    except OSError as exc:
        raise DataError(f"cannot open: {exc.strerror or exc}", path=str(path)) from None


def _check_decoded(text: str, encoding: str, path: Path, line: int) -> None:
    """Raise a DataError for ``line`` if ``text`` holds bytes that ``encoding`` could not decode."""
    if text.isascii() or _UNDECODED.search(text) is None:
        return
    try:
        text.encode(encoding, "surrogateescape").decode(encoding)
        reason = "undecodable bytes"
    except (UnicodeError, LookupError) as exc:
        reason = getattr(exc, "reason", str(exc))
    raise DataError(
        f"not valid {encoding} text ({reason}); convert the file or pass encoding=", path=str(path), line=line
    )


# What reading a data file can raise besides our own errors: a damaged .gz
# raises OSError or EOFError, the csv module csv.Error.
_READ_ERRORS = (csv.Error, UnicodeDecodeError, OSError, EOFError)


def _read_failure(exc: BaseException, path: Path, encoding: str, line: int) -> DataError:
    """The DataError for ``exc``, raised while reading ``line`` of ``path``."""
    if isinstance(exc, csv.Error):
        return DataError(f"malformed CSV ({exc})", path=str(path), line=line)
    if isinstance(exc, UnicodeDecodeError):
        return DataError(
            f"not valid {encoding} text ({exc.reason}); convert the file or pass encoding=", path=str(path), line=line
        )
    return DataError(f"cannot read: {exc}", path=str(path), line=line)


def _lines(path: Path, encoding: str) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)``; a decoding error names the line it is on."""
    handle = _open_text(path, encoding)
    number = 0
    try:
        with handle:
            for number, line in enumerate(handle, start=1):
                _check_decoded(line, encoding, path, number)
                if number == 1 and line.startswith("\ufeff"):
                    line = line[1:]  # a byte-order mark, as Windows editors write
                yield number, line.rstrip("\r\n")
    except _READ_ERRORS as exc:
        raise _read_failure(exc, path, encoding, number + 1) from None


def _as_labels(value: Any, path: Path, line: int, field: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError(
            f"{field!r} must be a string or a list of strings, got {json.dumps(value)[:60]}", path=str(path), line=line
        )
    return [v.strip() for v in value if v.strip()]


def _read_jsonl(path: Path, encoding: str, text_field: str, labels_field: str | None) -> Iterator[Record]:
    for line_no, line in _lines(path, encoding):
        if not line.strip():
            continue
        obj = _parse_json(line, str(path), line_no)
        if not isinstance(obj, dict):
            raise DataError(f"expected a JSON object, got {type(obj).__name__}", path=str(path), line=line_no)
        text = obj.get(text_field)
        if not isinstance(text, str):
            what = "missing" if text_field not in obj else f"a {type(text).__name__}, not a string"
            raise DataError(f"field {text_field!r} is {what}", path=str(path), line=line_no)
        if labels_field is None:
            yield text, []
            continue
        if labels_field not in obj and "label" in obj and labels_field == "labels":
            labels_value = obj["label"]  # a common single-label spelling
        elif labels_field not in obj:
            raise DataError(f"field {labels_field!r} is missing", path=str(path), line=line_no)
        else:
            labels_value = obj[labels_field]
        yield text, _as_labels(labels_value, path, line_no, labels_field)


def _parse_json(line: str, where: str, line_no: int) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc.msg} at column {exc.colno})", path=where, line=line_no) from None
    except RecursionError:
        raise DataError("JSON nested too deeply to read", path=where, line=line_no) from None


def _split_labels(cell: str, separator: str | None) -> list[str]:
    if separator is None:
        separator = next((s for s in ("|", ";", ",") if s in cell), "|")
    return [part.strip() for part in cell.split(separator) if part.strip()]


def _read_csv(
    path: Path, encoding: str, delimiter: str, text_field: str, labels_field: str | None, label_separator: str | None
) -> Iterator[Record]:
    handle = _open_text(path, encoding)
    line_no = 0  # the line before the one being read
    try:
        with handle:
            csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            try:
                header = next(reader)
            except StopIteration:
                raise DataError("empty file: expected a header row", path=str(path), line=1) from None
            line_no = reader.line_num
            for cell in header:
                _check_decoded(cell, encoding, path, line_no)
            columns = [name.strip().lstrip("\ufeff") for name in header]
            needed = [text_field] + ([labels_field] if labels_field is not None else [])
            for name in needed:
                if name not in columns:
                    raise DataError(f"no {name!r} column; the header has {columns}", path=str(path), line=1)
            text_col = columns.index(text_field)
            labels_col = columns.index(labels_field) if labels_field is not None else -1
            for row in reader:
                for cell in row:
                    _check_decoded(cell, encoding, path, reader.line_num)
                line_no = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) != len(columns):
                    raise DataError(f"expected {len(columns)} fields, found {len(row)}", path=str(path), line=line_no)
                labels = _split_labels(row[labels_col], label_separator) if labels_col >= 0 else []
                yield row[text_col], labels
    except _READ_ERRORS as exc:
        raise _read_failure(exc, path, encoding, line_no + 1) from None


def _read_fasttext(path: Path, encoding: str, prefix: str) -> Iterator[Record]:
    for line_no, line in _lines(path, encoding):
        if not line.strip():
            continue
        words = line.split()
        # fastText takes labels anywhere on the line, though they usually lead.
        labels = [w[len(prefix) :] for w in words if w.startswith(prefix)]
        text = " ".join(w for w in words if not w.startswith(prefix))
        if not labels:
            raise DataError(f"no {prefix!r} label on the line; is this fastText format?", path=str(path), line=line_no)
        if not text:
            raise DataError("a line with labels but no text", path=str(path), line=line_no)
        if any(not label for label in labels):
            raise DataError(f"an empty label ({prefix!r} with nothing after it)", path=str(path), line=line_no)
        yield text, labels


def _read_label_folders(root: Path, encoding: str) -> Iterator[Record]:
    """``root/<label>/<name>.txt``; the same file name under several labels is one document."""
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise DataError("no label folders or data files found in this directory", path=str(root))
    documents: dict[str, tuple[str, list[str]]] = {}
    order: list[str] = []
    for folder in folders:
        for file in sorted(folder.rglob("*.txt")):
            try:
                text = file.read_text(encoding=encoding)
            except UnicodeDecodeError as exc:
                raise DataError(f"not valid {encoding} text ({exc.reason})", path=str(file)) from None
            except OSError as exc:
                raise DataError(f"cannot read: {exc.strerror or exc}", path=str(file)) from None
            key = str(file.relative_to(folder))
            seen = documents.get(key)
            if seen is not None and seen[0] == text:
                seen[1].append(folder.name)
                continue
            key = key if seen is None else f"{folder.name}/{key}"
            documents[key] = (text, [folder.name])
            order.append(key)
    for key in order:
        yield documents[key]


def _data_files(root: Path) -> list[Path]:
    return sorted(
        p for p in root.iterdir() if p.is_file() and not p.name.startswith(".") and _suffix(p) in _DATA_SUFFIXES
    )


def iter_dataset(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    text_field: str = "text",
    labels_field: str = "labels",
    label_separator: str | None = None,
    label_prefix: str = FASTTEXT_PREFIX,
    encoding: str = "utf-8",
) -> Iterator[Record]:
    """Yield ``(text, labels)`` from a labeled data file or folder, lazily.

    Parameters are as in :func:`read_dataset`.
    """
    p = Path(path)
    fmt = format or detect_format(p)
    if fmt not in FORMATS:
        raise DataError(f"unknown format {fmt!r}; expected one of {FORMATS}", path=str(path))
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise OptionError(f"unknown encoding {encoding!r}") from None
    if fmt != "folder" and not p.exists():
        raise DataError("no such file", path=str(path))
    if fmt == "folder":
        if not p.is_dir():
            raise DataError("format 'folder' needs a directory", path=str(path))
        files = _data_files(p)
        if files:
            for file in files:
                yield from iter_dataset(
                    file,
                    text_field=text_field,
                    labels_field=labels_field,
                    label_separator=label_separator,
                    label_prefix=label_prefix,
                    encoding=encoding,
                )
        else:
            yield from _read_label_folders(p, encoding)
    elif fmt == "jsonl":
        yield from _read_jsonl(p, encoding, text_field, labels_field)
    elif fmt in ("csv", "tsv"):
        yield from _read_csv(p, encoding, "," if fmt == "csv" else "\t", text_field, labels_field, label_separator)
    else:
        yield from _read_fasttext(p, encoding, label_prefix)


def read_dataset(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    text_field: str = "text",
    labels_field: str = "labels",
    label_separator: str | None = None,
    label_prefix: str = FASTTEXT_PREFIX,
    encoding: str = "utf-8",
) -> tuple[list[str], list[list[str]]]:
    """Read labeled documents from a file or folder in any supported format.

    Parameters
    ----------
    path : str or path-like
        A ``.jsonl``, ``.csv``, ``.tsv``, fastText (``.txt``, ``.ft``) file,
        optionally gzipped, or a directory (label folders, or data files).
    format : {"jsonl", "csv", "tsv", "fasttext", "folder"}, optional
        Override the format detected from the path.
    text_field, labels_field : str
        JSON keys or CSV columns of the text and the labels.
    label_separator : str, optional
        Separator of several labels in one CSV cell; by default the first of
        ``|``, ``;``, ``,`` found in the cell.
    label_prefix : str, default="__label__"
        fastText's label prefix.
    encoding : str, default="utf-8"
        Text encoding of the files.

    Returns
    -------
    texts : list of str
    labels : list of list of str

    Raises
    ------
    DataError
        For a missing file, an unknown format, or a bad record; the message
        names the file and line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train.txt"
    >>> _ = path.write_text("__label__energy __label__green new solar park\\n")
    >>> read_dataset(path)
    (['new solar park'], [['energy', 'green']])
    """
    texts: list[str] = []
    labels: list[list[str]] = []
    for text, doc_labels in iter_dataset(
        path,
        format=format,
        text_field=text_field,
        labels_field=labels_field,
        label_separator=label_separator,
        label_prefix=label_prefix,
        encoding=encoding,
    ):
        texts.append(text)
        labels.append(doc_labels)
    return texts, labels


def read_languages(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    lang_field: str = "lang",
    encoding: str = "utf-8",
) -> list[str | None]:
    """Return each record's language, in :func:`read_dataset`'s order; ``None`` where it has none.

    Only JSONL records carry a language (a ``lang_field`` key); records of
    other formats, and JSONL records without the key, get ``None``, which
    training reads as "detect it".

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "train.jsonl"
    >>> _ = path.write_text('{"text": "a", "labels": [], "lang": "ru"}\\n{"text": "b", "labels": []}\\n')
    >>> read_languages(path)
    ['ru', None]
    """
    p = Path(path)
    fmt = format or detect_format(p)
    if fmt == "folder" and p.is_dir() and _data_files(p):
        return [
            lang for file in _data_files(p) for lang in read_languages(file, lang_field=lang_field, encoding=encoding)
        ]
    if fmt != "jsonl":
        return [None for _ in iter_dataset(p, format=fmt, encoding=encoding)]
    langs: list[str | None] = []
    for line_no, line in _lines(p, encoding):
        if not line.strip():
            continue
        obj = _parse_json(line, str(p), line_no)
        value = obj.get(lang_field) if isinstance(obj, dict) else None
        if value is not None and not isinstance(value, str):
            raise DataError(
                f"field {lang_field!r} must be a language code string, got {value!r:.40}", path=str(p), line=line_no
            )
        langs.append(value)
    return langs


def record_sources(path: str | os.PathLike[str], *, format: str | None = None, encoding: str = "utf-8") -> list[str]:
    """Return the name of the file each record comes from, in :func:`read_dataset`'s order.

    For a folder of data files; a single file, or label folders, give one
    name for every record. Training uses it to tune thresholds on files
    unlike those it fitted on (``greentag train --group-by-file``).
    """
    p = Path(path)
    fmt = format or detect_format(p)
    if fmt == "folder" and p.is_dir() and _data_files(p):
        return [file.name for file in _data_files(p) for _ in iter_dataset(file, encoding=encoding)]
    return [p.name for _ in iter_dataset(p, format=fmt, encoding=encoding)]


def write_dataset(
    path: str | os.PathLike[str],
    texts: Iterable[str],
    labels: Iterable[Sequence[str]],
    *,
    format: str | None = None,
    label_separator: str = "|",
    label_prefix: str = FASTTEXT_PREFIX,
) -> int:
    """Write labeled documents in a format :func:`read_dataset` reads back.

    The file is written under a temporary name and renamed into place at the
    end, so a bad record or an interruption never leaves a half-written file.

    Returns
    -------
    int
        The number of records written.

    Raises
    ------
    DataError
        For a record the format cannot hold (the message names its index):
        text or labels that are not valid Unicode, a fastText record with no
        label or no words, a label with whitespace or a text word that looks
        like a label in fastText, a label containing ``|``, ``;``, ``,`` or
        ``label_separator`` in CSV/TSV; or for more texts than label entries
        (or fewer).
    """
    p = Path(path)
    fmt = format or detect_format(p)
    if fmt == "folder":
        raise DataError("writing label folders is not supported; use jsonl, csv, tsv or fasttext", path=str(path))
    if fmt not in FORMATS:
        raise DataError(f"unknown format {fmt!r}; expected one of {FORMATS}", path=str(path))
    temporary = p.with_name(f".{p.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    count = 0
    label_entries = iter(labels)
    try:
        with open(temporary, "xb") as raw:
            binary: IO[bytes] = raw
            if p.suffix.lower() == ".gz":
                binary = cast(IO[bytes], gzip.GzipFile(filename=str(p), mode="wb", fileobj=raw))
            with io.TextIOWrapper(binary, encoding="utf-8", newline="") as handle:
                if fmt in ("csv", "tsv"):
                    delimiter = "," if fmt == "csv" else "\t"
                    writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
                    # csv quotes only what is in lineterminator, but the readers
                    # also end a line at a bare "\r": such fields must be quoted.
                    quoting = csv.writer(handle, delimiter=delimiter, lineterminator="\n", quoting=csv.QUOTE_ALL)
                    writer.writerow(["text", "labels"])
                for index, text in enumerate(texts):
                    entry = next(label_entries, _END)
                    if entry is _END:
                        raise DataError(
                            f"got more texts than label entries (no labels for text {index})", path=str(path)
                        )
                    doc_labels = _label_list(entry)
                    problem = _unwritable(fmt, text, doc_labels, label_separator, label_prefix)
                    if problem:
                        raise DataError(f"cannot write record {index}: {problem}", path=str(path))
                    if fmt == "jsonl":
                        handle.write(json.dumps({"text": text, "labels": doc_labels}, ensure_ascii=False) + "\n")
                    elif fmt in ("csv", "tsv"):
                        row = [text, label_separator.join(doc_labels)]
                        (quoting if "\r" in row[0] or "\r" in row[1] else writer).writerow(row)
                    else:
                        flat = " ".join(text.split())
                        handle.write(" ".join([*(label_prefix + label for label in doc_labels), flat]) + "\n")
                    count += 1
                if next(label_entries, _END) is not _END:
                    raise DataError(f"got more label entries than the {count} texts", path=str(path))
        os.replace(temporary, p)
    except BaseException:
        # Also on KeyboardInterrupt: the target keeps its previous content.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return count


_END = object()


def _label_list(entry: Any) -> list[Any]:
    if entry is None:
        return []
    if isinstance(entry, str):
        return [entry]
    if isinstance(entry, (bytes, dict)) or not isinstance(entry, Iterable):
        return [entry]  # refused by _unwritable, naming the record
    return list(entry)


def _unwritable(fmt: str, text: Any, labels: list[Any], separator: str, prefix: str) -> str | None:
    """Say why a record cannot be written so that it reads back the same, or None."""
    if not isinstance(text, str):
        return f"the text is a {type(text).__name__}, not a str"
    if not all(isinstance(label, str) for label in labels):
        return f"labels must be strings, got {labels!r:.80}"
    for value in (text, *labels):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return "it contains a lone surrogate, which UTF-8 cannot hold"
    if fmt == "fasttext":
        if not labels:
            return "fastText lines need at least one label"
        if any(not label or label != "".join(label.split()) for label in labels):
            return f"fastText labels cannot be empty or contain whitespace, got {labels!r:.80}"
        words = text.split()
        if not words:
            return "fastText lines need some text"
        if any(word.startswith(prefix) for word in words):
            return f"a word of the text starts with {prefix!r} and would read back as a label"
    elif fmt in ("csv", "tsv"):
        for label in labels:
            if any(mark in label for mark in {separator, "|", ";", ","}):
                return f"label {label!r} contains a label separator (| ; , or {separator!r})"
    return None


def iter_documents(
    path: str | os.PathLike[str] | None,
    *,
    format: str | None = None,
    text_field: str = "text",
    id_field: str = "id",
    encoding: str = "utf-8",
    stream: IO[str] | None = None,
) -> Iterator[tuple[Any, str]]:
    """Yield ``(id, text)`` for unlabeled documents, lazily, in file order.

    Parameters
    ----------
    path : str, path-like or None
        JSONL, CSV or TSV records, or plain text with one document per line;
        ``None`` or ``"-"`` reads ``stream`` (standard input by default).
    format : {"jsonl", "csv", "tsv", "text"}, optional
        Detected from the suffix (anything else is text); for standard input
        the default is text.
    text_field : str, default="text"
        JSON key or CSV column holding the text.
    id_field : str, default="id"
        JSON key or CSV column whose value identifies the document; when it is
        absent the id is the line number (text, JSONL) or record number (CSV).

    Raises
    ------
    DataError
        For a record without text; the message names the file and line.
    """
    from_stdin = path is None or str(path) == "-"
    where = "<stdin>" if from_stdin else str(path)
    if from_stdin:
        fmt = format or "text"
    else:
        fmt = format or {"jsonl": "jsonl", "csv": "csv", "tsv": "tsv"}.get(
            _SUFFIXES.get(_suffix(Path(str(path))), ""), "text"
        )
    if fmt not in TEXT_FORMATS:
        raise DataError(f"unknown input format {fmt!r}; expected one of {TEXT_FORMATS}", path=where)
    if fmt in ("csv", "tsv"):
        if from_stdin:
            raise DataError("CSV input from standard input is not supported; give a file", path=where)
        yield from _csv_documents(Path(str(path)), encoding, "," if fmt == "csv" else "\t", text_field, id_field)
        return
    lines: Iterable[tuple[int, str]]
    if from_stdin:
        source = stream if stream is not None else sys.stdin
        lines = ((n, line.rstrip("\r\n")) for n, line in enumerate(source, start=1))
    else:
        lines = _lines(Path(str(path)), encoding)
    for line_no, line in lines:
        if not line.strip():
            continue
        if fmt == "text":
            yield line_no, line
            continue
        obj = _parse_json(line, where, line_no)
        text = obj.get(text_field) if isinstance(obj, dict) else None
        if not isinstance(text, str):
            raise DataError(f"no string field {text_field!r}", path=where, line=line_no)
        yield obj.get(id_field, line_no), text


def _csv_documents(
    path: Path, encoding: str, delimiter: str, text_field: str, id_field: str
) -> Iterator[tuple[Any, str]]:
    handle = _open_text(path, encoding)
    line_no = 0  # the line before the one being read
    try:
        with handle:
            csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            header = next(reader, None)
            if header is None:
                return
            line_no = reader.line_num
            for cell in header:
                _check_decoded(cell, encoding, path, line_no)
            columns = [name.strip().lstrip("\ufeff") for name in header]
            if text_field not in columns:
                raise DataError(f"no {text_field!r} column; the header has {columns}", path=str(path), line=1)
            text_col = columns.index(text_field)
            id_col = columns.index(id_field) if id_field in columns else -1
            for number, row in enumerate(reader, start=1):
                for cell in row:
                    _check_decoded(cell, encoding, path, reader.line_num)
                line_no = reader.line_num
                if not row:
                    continue
                if len(row) <= max(text_col, id_col):
                    raise DataError(f"expected {len(columns)} fields, found {len(row)}", path=str(path), line=line_no)
                yield (row[id_col] if id_col >= 0 else number), row[text_col]
    except _READ_ERRORS as exc:
        raise _read_failure(exc, path, encoding, line_no + 1) from None
