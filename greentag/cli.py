"""The ``greentag`` command line: a thin shell over the Python API.

Errors are printed as one line on standard error with a non-zero exit code
(1 for a failure, 2 for bad usage); there are no tracebacks for expected
problems such as a missing file or a damaged model.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from ._version import __version__
from .errors import GreentagError
from .language import LANGUAGES
from .model import Tag, Tagger

__all__ = ["main"]

EXAMPLES = """\
examples:
  greentag tag "Kazakhstan and China open an electric truck corridor"
  greentag tag article1.txt article2.txt --format json
  cat article.txt | greentag tag - --top-k 3
  greentag tag --input articles.jsonl --output tags.jsonl --n-jobs -1
  greentag explain "Solar parks feed the new grid link"
  greentag train seeds/ -o models/default.gtm --stop-words sklearn --threshold-range 0.4 0.9
  greentag train train.csv --text-field body --labels-field topics -o my.gtm
  greentag evaluate my.gtm test.jsonl
  greentag labels --model my.gtm
  greentag info my.gtm                    # no file: the shipped model
  greentag serve --model my.gtm --port 8000 --workers 2
"""


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def _probability(value: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return number


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="greentag",
        description="Tag news and policy documents with topics (green technology, transport, trade, energy ...).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"greentag {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    model_help = "model file (default: the shipped default model)"

    p = commands.add_parser(
        "tag",
        help="tag documents",
        description="Tag a text, files (one document each), standard input (-), or stream a file of many documents with --input.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "inputs", nargs="*", metavar="TEXT|FILE|-", help="a text, a file holding one document, or - for stdin"
    )
    p.add_argument("--model", help=model_help)
    p.add_argument("--format", choices=("text", "json", "jsonl"), default="text", help="output format (default: text)")
    p.add_argument("--threshold", type=_probability, help="one threshold for every label instead of the tuned ones")
    p.add_argument("--top-k", type=_positive_int, help="at most this many tags per document")
    p.add_argument("--lang", choices=LANGUAGES, help="the documents' language (default: detected for each)")
    p.add_argument(
        "--input", metavar="FILE", help="stream many documents: JSONL, CSV/TSV or text (one per line); - is stdin"
    )
    p.add_argument("--output", metavar="FILE", help="with --input: write JSONL here (default: stdout)")
    p.add_argument(
        "--input-format", choices=("jsonl", "csv", "tsv", "text"), help="format of --input (default: from the suffix)"
    )
    p.add_argument("--text-field", default="text", help="JSON key / CSV column of the text (default: text)")
    p.add_argument("--id-field", default="id", help="JSON key / CSV column of the document id (default: id)")
    p.add_argument("--n-jobs", type=int, default=None, help="worker processes for --input (-1: all cores)")
    p.add_argument("--batch-size", type=_positive_int, default=1000, help="documents per batch (default: 1000)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = commands.add_parser(
        "explain",
        help="show the terms behind each tag",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("text", metavar="TEXT|FILE|-", help="a text, a file, or - for stdin")
    p.add_argument("--model", help=model_help)
    p.add_argument("--label", help="explain this label instead of the document's tags")
    p.add_argument("--top-n", type=_positive_int, default=10, help="terms per label (default: 10)")
    p.add_argument("--lang", choices=LANGUAGES, help="the documents' language (default: detected for each)")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = commands.add_parser(
        "train",
        help="train a model on labeled data",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("data", help="labeled data: .jsonl, .csv, .tsv, fastText .txt/.ft (optionally .gz) or a folder")
    p.add_argument("-o", "--output", required=True, help="where to write the model file (e.g. model.gtm)")
    _add_data_options(p)
    p.add_argument("--min-df", type=float, help="drop terms in fewer documents (count, or fraction < 1)")
    p.add_argument("--max-df", type=float, help="drop terms in more documents (fraction, or count > 1)")
    p.add_argument("--max-features", type=_positive_int, help="keep only the most frequent terms")
    p.add_argument("--ngram-max", type=int, choices=(1, 2, 3), help="longest n-gram of terms (default: 2)")
    p.add_argument(
        "--stop-words", choices=("english", "nltk", "sklearn", "none"), help="stop-word list (default: english)"
    )
    p.add_argument("--stemmer", choices=("snowball", "porter", "none"), help="stemmer (default: snowball)")
    p.add_argument("--C", dest="C", type=float, help="inverse regularisation of the SVMs (default: 1.0)")
    p.add_argument(
        "--class-weight",
        choices=("auto", "sqrt", "balanced", "none"),
        help="weight of positive documents (default: auto = sqrt for multi-label data, none for single-label)",
    )
    p.add_argument("--cv", type=int, help="cross-validation folds for calibration and thresholds (default: 5)")
    p.add_argument(
        "--threshold-range",
        nargs=2,
        type=float,
        metavar=("LOW", "HIGH"),
        help="tuned thresholds are clipped into [LOW, HIGH] (default: 0.1 0.9)",
    )
    p.add_argument(
        "--no-at-least-one", action="store_true", help="allow documents with no tag even when scores are low"
    )
    p.add_argument("--seed", type=int, dest="random_state", help="random seed (default: 0)")
    p.add_argument(
        "--n-jobs",
        type=int,
        default=None,
        help="worker processes for training's cross-validation fits; threads for --out-of-core SGD (-1: all cores)",
    )
    p.add_argument(
        "--group-by-file",
        action="store_true",
        help="with a folder of data files: tune thresholds on files unlike those each fold fits on",
    )
    p.add_argument("--out-of-core", action="store_true", help="stream the data in chunks (corpora larger than memory)")
    p.add_argument("--chunk-size", type=_positive_int, default=10_000, help="documents per chunk with --out-of-core")

    p = commands.add_parser(
        "evaluate",
        help="score a model on labeled data",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", help="model file, or 'default'")
    p.add_argument("data", help="labeled data (same formats as train)")
    _add_data_options(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--report", metavar="HTML", help="also write a self-contained HTML report with charts")

    p = commands.add_parser("labels", help="list a model's labels and thresholds")
    p.add_argument("--model", help=model_help)

    p = commands.add_parser("info", help="describe a model file")
    p.add_argument(
        "model", nargs="?", default="default", help="model file, or 'default' (the shipped model; the default)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")

    _add_serve_parser(commands)
    return parser


SERVE_EXAMPLES = """\
examples:
  greentag serve                                   # the shipped model on http://127.0.0.1:8000
  greentag serve --model my.gtm --host 0.0.0.0 --port 8080 --workers 4
  GREENTAG_ADMIN_TOKEN=secret greentag serve --model my.gtm   # enables POST /admin/reload
  curl -s localhost:8000/tag -H 'Content-Type: application/json' -d '{"text": "Solar parks feed the grid"}'

Every setting can also come from an environment variable: GREENTAG_ and the
flag's name in capitals (GREENTAG_MAX_TEXT_BYTES=2M); a flag wins.
Send SIGHUP (or POST /admin/reload) to reload the model file without downtime.
Needs the serve extra: pip install "greentag[serve]".
"""


def _add_serve_parser(commands: Any) -> None:
    p = commands.add_parser(
        "serve",
        help="serve tagging over HTTP (needs greentag[serve])",
        description="Serve the model over HTTP: POST /tag, /tag_many, /explain; GET /labels, /health, /metrics; docs at /docs.",
        epilog=SERVE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", help="model file (default: the shipped default model)")
    p.add_argument("--host", help="address to listen on (default: 127.0.0.1; 0.0.0.0 for every interface)")
    p.add_argument("--port", type=int, help="port (default: 8000)")
    p.add_argument("--workers", type=_positive_int, help="worker processes sharing the port (default: 1)")
    p.add_argument("--threads", type=_positive_int, help="requests tagged at once per worker (default: 2)")
    p.add_argument("--max-text-bytes", metavar="SIZE", help="largest text in UTF-8 bytes, e.g. 1M (default: 1M)")
    p.add_argument("--max-request-bytes", metavar="SIZE", help="largest request body, e.g. 10M (default: 10M)")
    p.add_argument("--max-texts", type=_positive_int, help="most texts in one /tag_many request (default: 1000)")
    p.add_argument("--body-timeout", type=float, help="seconds a client has to send its body (default: 30)")
    p.add_argument("--keep-alive-timeout", type=float, help="seconds an idle connection stays open (default: 5)")
    p.add_argument("--max-connections", type=_positive_int, help="connections per worker before 503 (default: 1000)")
    p.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"), help="(default: info)")
    p.add_argument("--access-log", action="store_true", default=None, help="log every request")


def _add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-format",
        choices=("jsonl", "csv", "tsv", "fasttext", "folder"),
        help="data format (default: from the name)",
    )
    p.add_argument("--text-field", default="text", help="JSON key / CSV column of the text (default: text)")
    p.add_argument("--labels-field", default="labels", help="JSON key / CSV column of the labels (default: labels)")
    p.add_argument("--label-separator", help="separator of several labels in one CSV cell (default: | ; or ,)")


def _load_model(path: str | None) -> Tagger:
    from .default import load_default

    if path is None or path == "default":
        return load_default()
    return Tagger.load(path)


def _read_one(arg: str, stdin: TextIO) -> tuple[str, str]:
    """Return ``(source_name, text)`` for a positional input."""
    if arg == "-":
        return "<stdin>", stdin.read()
    path = Path(arg)
    # A short argument naming an existing file is that file; anything else is text.
    if len(arg) < 4096 and "\n" not in arg and path.is_file():
        try:
            return arg, path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise GreentagError(f"{arg}: not valid UTF-8 text ({exc.reason})") from None
    return "<text>", arg


def _tags_json(tags: Sequence[Tag]) -> list[dict[str, Any]]:
    return [{"label": t.label, "score": round(t.score, 6)} for t in tags]


def _cmd_tag(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    if args.input is not None:
        if args.inputs:
            raise _Usage("give either --input or positional inputs, not both")
        return _stream_tags(args, out, err, stdin)
    if args.output is not None:
        raise _Usage("--output goes with --input")
    if not args.inputs:
        raise _Usage("nothing to tag: give a text, a file, - for stdin, or --input FILE")
    model = _load_model(args.model)
    documents = [_read_one(arg, stdin) for arg in args.inputs]
    results = model.tag_many(
        [text for _, text in documents], threshold=args.threshold, top_k=args.top_k, lang=args.lang
    )
    if args.format == "json":
        payload = [
            {"source": source, "tags": _tags_json(tags)} for (source, _), tags in zip(documents, results, strict=True)
        ]
        json.dump(payload[0] if len(payload) == 1 else payload, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif args.format == "jsonl":
        for (source, _), tags in zip(documents, results, strict=True):
            out.write(json.dumps({"source": source, "tags": _tags_json(tags)}, ensure_ascii=False) + "\n")
    else:
        for (source, _), tags in zip(documents, results, strict=True):
            if len(documents) > 1:
                out.write(f"== {source}\n")
            if not tags:
                out.write("(no tags)\n")
            for t in tags:
                out.write(f"{t.label:<24} {t.score:.3f}\n")
    return 0


def _progress(iterable: Iterable[Any], err: TextIO, quiet: bool) -> Iterator[Any]:
    """Yield from ``iterable``, with a tqdm bar on ``err`` only when it is a terminal."""
    isatty = getattr(err, "isatty", None)
    if quiet or isatty is None or not isatty():
        yield from iterable
        return
    try:
        from tqdm import tqdm
    except ImportError:
        yield from iterable
        return
    bar = tqdm(iterable, file=err, unit=" docs", mininterval=0.5, dynamic_ncols=True)
    try:
        yield from bar
    finally:
        bar.close()


class _JsonlSink:
    """Whole JSONL lines to a file (or stdout), so that an interrupt leaves only whole records.

    Lines go out in blocks; after each block the file's length is remembered.
    An interrupt can land in the middle of a block (a write cut short by the
    signal), so :meth:`rollback` truncates the file back to the last block
    that was written completely: the file always ends at a record boundary.
    """

    def __init__(self, target: Path | None, out: TextIO) -> None:
        self.target = target
        self.records = 0
        self._committed = 0
        self._out = out
        self._file = open(target, "wb") if target is not None else None  # noqa: SIM115 (closed in close())

    def write(self, lines: list[str]) -> None:
        if not lines:
            return
        if self._file is None:
            self._out.write("".join(lines))
            self._out.flush()
        else:
            block = "".join(lines).encode("utf-8", "surrogatepass")
            self._file.write(block)
            self._file.flush()
            self._committed += len(block)
        self.records += len(lines)

    def rollback(self) -> None:
        if self._file is not None:
            try:
                self._file.truncate(self._committed)  # flushes what a cut write left in the buffer first
            except OSError:
                os.ftruncate(self._file.fileno(), self._committed)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _stream_tags(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    """Tag ``--input`` record by record into JSONL, in memory bounded by the batch size."""
    from .data import iter_documents
    from .errors import DataError

    if args.input != "-" and not Path(args.input).is_file():
        # Fail before the output file is created (or an old one emptied).
        raise DataError("no such file" if not Path(args.input).exists() else "not a file", path=args.input)
    model = _load_model(args.model)
    documents = iter_documents(
        args.input, format=args.input_format, text_field=args.text_field, id_field=args.id_field, stream=stdin
    )
    # Ids wait here while their texts are being tagged: a few batches at most.
    ids: deque[Any] = deque()

    def texts() -> Iterator[str]:
        for doc_id, text in documents:
            ids.append(doc_id)
            yield text

    results = model.tag_stream(
        texts(),
        threshold=args.threshold,
        top_k=args.top_k,
        lang=args.lang,
        n_jobs=args.n_jobs,
        batch_size=args.batch_size,
    )
    sink = _JsonlSink(Path(args.output) if args.output and args.output != "-" else None, out)
    pending: list[str] = []
    try:
        for tags in _progress(results, err, args.quiet):
            record = {"id": ids.popleft(), "tags": _tags_json(tags)}
            pending.append(json.dumps(record, ensure_ascii=False) + "\n")
            if len(pending) >= args.batch_size:
                sink.write(pending)
                pending.clear()
        sink.write(pending)
    except KeyboardInterrupt:
        sink.rollback()
        where = f" to {sink.target}" if sink.target else ""
        err.write(f"greentag: interrupted; {sink.records} complete records written{where}\n")
        return 130
    finally:
        sink.close()
    if sink.target and not args.quiet:
        err.write(f"greentag: tagged {sink.records} documents -> {sink.target}\n")
    return 0


def _cmd_explain(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    model = _load_model(args.model)
    _, text = _read_one(args.text, stdin)
    if args.label is not None and args.label not in model.labels:
        raise GreentagError(f"unknown label {args.label!r}; the model's labels are: {', '.join(model.labels)}")
    explanations = (
        [model.explain(text, args.label, top_n=args.top_n, lang=args.lang)]
        if args.label
        else model.explain(text, top_n=args.top_n, lang=args.lang)
    )
    if args.format == "json":
        payload = [
            {
                "label": e.label,
                "lang": e.lang,
                "score": round(e.score, 6),
                "bias": round(e.bias, 6),
                "terms": [[t, round(w, 6)] for t, w in e.terms],
            }
            for e in explanations
        ]
        json.dump(payload, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    if not explanations:
        out.write("(no tags)\n")
    for e in explanations:
        out.write(f"{e.label} {e.score:.3f} (read as {e.lang})\n")
        for term, weight in e.terms:
            out.write(f"  {weight:+.3f}  {term}\n")
    return 0


def _train_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if args.min_df is not None:
        options["min_df"] = int(args.min_df) if args.min_df >= 1 else args.min_df
    if args.max_df is not None:
        options["max_df"] = int(args.max_df) if args.max_df > 1 else args.max_df
    if args.max_features is not None:
        options["max_features"] = args.max_features
    if args.ngram_max is not None:
        options["ngram_range"] = (1, args.ngram_max)
    if args.stop_words is not None:
        options["stop_words"] = None if args.stop_words == "none" else args.stop_words
    if args.stemmer is not None:
        options["stemmer"] = None if args.stemmer == "none" else args.stemmer
    if args.C is not None:
        options["C"] = args.C
    if args.class_weight is not None:
        options["class_weight"] = None if args.class_weight == "none" else args.class_weight
    if args.cv is not None:
        options["cv"] = args.cv
    if args.threshold_range is not None:
        options["threshold_range"] = tuple(args.threshold_range)
    if args.no_at_least_one:
        options["at_least_one"] = False
    if args.random_state is not None:
        options["random_state"] = args.random_state
    return options


def _read_data(args: argparse.Namespace) -> tuple[list[str], list[list[str]]]:
    from .data import read_dataset

    return read_dataset(
        args.data,
        format=args.data_format,
        text_field=args.text_field,
        labels_field=args.labels_field,
        label_separator=args.label_separator,
    )


def _read_langs(args: argparse.Namespace) -> list[str | None] | None:
    """The ``lang`` field of each JSONL record, or ``None`` when no record has one (detect them all)."""
    from .data import read_languages

    langs = read_languages(args.data, format=args.data_format)
    return langs if any(lang is not None for lang in langs) else None


def _cmd_train(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from .training import train

    started = time.perf_counter()
    options = _train_options(args)
    if args.out_of_core:
        from .data import iter_dataset
        from .training import train_out_of_core

        def records() -> Iterator[tuple[str, list[str]]]:
            return iter_dataset(
                args.data,
                format=args.data_format,
                text_field=args.text_field,
                labels_field=args.labels_field,
                label_separator=args.label_separator,
            )

        model = train_out_of_core(records, chunk_size=args.chunk_size, n_jobs=args.n_jobs, **options)
    else:
        texts, labels = _read_data(args)
        langs = _read_langs(args)
        groups = None
        if args.group_by_file:
            from .data import record_sources

            groups = record_sources(args.data, format=args.data_format)
        model = train(texts, labels, langs=langs, groups=groups, n_jobs=args.n_jobs, **options)
    model.save(args.output)
    training = model.metadata.get("training", {})
    cv = training.get("cv_metrics") or {}
    out.write(
        f"trained on {training.get('n_documents')} documents, {len(model.labels)} labels, {model.features.n_features} features in {time.perf_counter() - started:.1f} s\n"
    )
    if cv:
        out.write(f"cross-validated: micro-F1 {cv['micro']['f1']:.3f}, macro-F1 {cv['macro']['f1']:.3f}\n")
    held = training.get("holdout_metrics") or {}
    if held:  # out of core: measured on the held-out documents instead
        out.write(f"held-out: micro-F1 {held['micro']['f1']:.3f}, macro-F1 {held['macro']['f1']:.3f}\n")
    out.write(f"wrote {args.output}\n")
    return 0


def _cmd_evaluate(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    model = _load_model(args.model)
    texts, labels = _read_data(args)
    report = model.evaluate(texts, labels)
    if args.report:
        from .report import write_report

        figures = write_report(model, texts, labels, args.report)
        # The numbers behind the page's charts, for --format json.
        report["figures"] = {key: value for key, value in figures.items() if key != "evaluation"}
        report["report"] = args.report
    if args.format == "json":
        json.dump(report, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    out.write(f"{report['n_documents']} documents\n")
    for avg in ("micro", "macro", "samples"):
        m = report[avg]
        out.write(f"{avg:<8} precision {m['precision']:.3f}  recall {m['recall']:.3f}  F1 {m['f1']:.3f}\n")
    out.write(f"\n{'label':<24} {'prec':>6} {'recall':>6} {'F1':>6} {'support':>8}\n")
    for label, m in report["per_label"].items():
        out.write(f"{label:<24} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} {m['support']:>8}\n")
    if args.report:
        out.write(f"\nwrote {args.report}\n")
    return 0


def _cmd_labels(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    model = _load_model(args.model)
    for label, threshold in zip(model.labels, model.thresholds, strict=True):
        out.write(f"{label:<24} threshold {threshold:.3f}\n")
    return 0


def _cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    import importlib.util

    missing = [name for name in ("fastapi", "uvicorn") if importlib.util.find_spec(name) is None]
    if missing:
        raise GreentagError(
            f"greentag serve needs the serve extra ({' and '.join(missing)} not installed): "
            'pip install "greentag[serve]"'
        )
    from .serve.config import ServeConfig, parse_size

    config = ServeConfig.from_env(
        model=args.model,
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        max_text_bytes=None if args.max_text_bytes is None else parse_size(args.max_text_bytes),
        max_request_bytes=None if args.max_request_bytes is None else parse_size(args.max_request_bytes),
        max_texts=args.max_texts,
        body_timeout=args.body_timeout,
        keep_alive_timeout=args.keep_alive_timeout,
        max_connections=args.max_connections,
        log_level=args.log_level,
        access_log=args.access_log,
    )
    if config.model_path is not None:
        Tagger.load(config.model_path)  # a bad file fails here, in one line, before any worker starts
    from .serve.runner import run

    run(config)
    return 0


def _cmd_info(args: argparse.Namespace, out: TextIO, err: TextIO, stdin: TextIO) -> int:
    from .default import default_model_path
    from .persist import read_manifest

    path = default_model_path() if args.model == "default" else Path(args.model)
    manifest = read_manifest(path)
    training = manifest["metadata"].get("training", {})
    info = {
        "path": str(path),
        "size_bytes": os.path.getsize(path),
        "format_version": manifest["format_version"],
        "greentag_version": manifest.get("greentag_version"),
        "labels": manifest["labels"],
        # A model written before greentag read other languages is English only.
        "languages": manifest.get("text_options", {}).get("languages", ["en"]),
        "n_features": manifest["n_features"],
        "n_documents": training.get("n_documents"),
        "data_sha256": training.get("data_sha256"),
        "options": training.get("options"),
        "cv_metrics": training.get("cv_metrics"),
    }
    if args.format == "json":
        json.dump(info, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    out.write(f"model      {info['path']} ({info['size_bytes']:,} bytes)\n")
    out.write(f"format     {info['format_version']} (written by greentag {info['greentag_version']})\n")
    out.write(f"trained on {info['n_documents']} documents (sha256 {str(info['data_sha256'])[:16]}...)\n")
    out.write(f"features   {info['n_features']:,}\n")
    out.write(f"labels     {len(info['labels'])}: {', '.join(info['labels'])}\n")
    out.write(f"languages  {', '.join(info['languages'])}\n")
    cv = info["cv_metrics"]
    if cv:
        out.write(f"cv         micro-F1 {cv['micro']['f1']:.3f}, macro-F1 {cv['macro']['f1']:.3f}\n")
    return 0


class _Usage(Exception):
    """A usage mistake the parser could not catch."""


_COMMANDS = {
    "tag": _cmd_tag,
    "explain": _cmd_explain,
    "train": _cmd_train,
    "evaluate": _cmd_evaluate,
    "labels": _cmd_labels,
    "info": _cmd_info,
    "serve": _cmd_serve,
}


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the command line; return the exit code (0 ok, 1 error, 2 usage, 130 interrupted)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed usage or help
        return int(exc.code or 0)
    try:
        return _COMMANDS[args.command](args, out, err, stdin or sys.stdin)
    except _Usage as exc:
        err.write(f"greentag {args.command}: error: {exc}\n")
        return 2
    except BrokenPipeError:
        # The reader went away (``greentag tag ... | head``): stop quietly, and
        # point stdout at devnull so the interpreter's final flush stays quiet too.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (GreentagError, OSError) as exc:
        message = (
            str(exc) if not isinstance(exc, OSError) else f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")
        )
        err.write(f"greentag: error: {message}\n")
        return 1
    except KeyboardInterrupt:
        err.write("greentag: interrupted\n")
        return 130


def main_entry() -> None:
    """Console-script entry point: exit with :func:`main`'s code."""
    sys.exit(main())
