"""The evaluation report: one self-contained HTML page with tables and charts.

:func:`report_figures` computes the numbers (the same ones ``greentag
evaluate --report PAGE --format json`` prints), :func:`render_html` turns them
into a page whose charts are PNG images embedded as base64, and
:func:`write_report` does both and writes the file. The page needs nothing
else: no scripts, no fonts, no network.

Charts are drawn with matplotlib, an optional dependency (``pip install
"greentag[report]"``). It is used through :class:`matplotlib.figure.Figure`
and the Agg canvas, never through ``pyplot``, so writing a report does not
change the caller's plotting backend or open windows. Without matplotlib the
page still has every table, and says where the charts would be.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .errors import OptionError, warn
from .evaluation import evaluate_tags
from .labels import indicator_matrix, normalize_label_lists
from .model import Tagger
from .validation import check_texts

__all__ = ["render_html", "report_figures", "write_report"]

NO_TAG = "(no tag)"
NO_LABEL = "(no label)"
MAX_CURVE_POINTS = 200
_ANNOTATE_UP_TO = 25  # heatmaps with more labels than this are too small to print counts in


def report_figures(model: Tagger, texts: Iterable[str], labels: Iterable[Any], *, top_n: int = 10) -> dict[str, Any]:
    """Compute every figure of the evaluation report, as JSON-ready data.

    Parameters
    ----------
    model : Tagger
        The model to evaluate.
    texts : iterable of str
        Test documents.
    labels : iterable
        Their true labels: a list of label lists, or one label string each.
    top_n : int, default=10
        Terms listed per label.

    Returns
    -------
    dict
        ``evaluation``
            What :meth:`Tagger.evaluate` returns (averages, per-label
            precision, recall, F1 and support, unknown labels).
        ``model``
            Facts about the model: path, labels, thresholds, feature count,
            training size, cross-validated metrics.
        ``f1_by_label``
            ``labels``, ``f1`` and ``support`` lists (the bar chart).
        ``confusion``
            ``true_labels`` (rows, ending with ``"(no label)"``),
            ``predicted_labels`` (columns, ending with ``"(no tag)"``) and
            ``counts``: documents with that true label given that tag.
        ``pr_curves``
            Per model label: ``precision``, ``recall`` and ``thresholds``
            along the curve (at most 200 points), ``average_precision``, the
            model's ``threshold`` and the ``precision_at_threshold`` and
            ``recall_at_threshold`` it gives; None for a label with no
            positive test document.
        ``top_terms``
            Per model label, the ``top_n`` terms with the largest weights:
            ``term`` (as stored, stemmed), ``shown_as`` (a spelling seen in
            ``texts``) and ``weight``.

    Raises
    ------
    DataError
        If ``labels`` does not match ``texts`` one to one.
    InputTypeError
        If a text is not a str.

    Examples
    --------
    >>> from greentag import load_default
    >>> figures = report_figures(load_default(), ["Wind farms feed the grid."], [["energy"]])
    >>> figures["evaluation"]["n_documents"]
    1
    >>> sorted(figures)
    ['confusion', 'evaluation', 'f1_by_label', 'model', 'pr_curves', 'top_terms']
    """
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise OptionError(f"top_n must be a positive int, got {top_n!r}")
    docs = check_texts(texts, "report_figures")
    truth, _ = normalize_label_lists(labels, len(docs))
    predicted = model.tag_many(docs)
    evaluation = evaluate_tags(predicted, truth, model_labels=model.labels)
    probs = model.predict_proba(docs)

    model_labels = model.labels
    true_labels = model_labels + evaluation["unknown_labels"]
    y_true = indicator_matrix(truth, model_labels).astype(bool)
    per_label = evaluation["per_label"]
    pr_curves = {
        label: _pr_curve(probs[:, j], y_true[:, j], float(model.thresholds[j])) for j, label in enumerate(model_labels)
    }
    training = model.metadata.get("training", {})
    return {
        "evaluation": evaluation,
        "model": {
            "path": str(model.path) if model.path is not None else None,
            "labels": model_labels,
            "thresholds": [round(float(t), 6) for t in model.thresholds],
            "n_features": model.features.n_features,
            "n_training_documents": training.get("n_documents"),
            "cv_metrics": training.get("cv_metrics"),
        },
        "f1_by_label": {
            "labels": true_labels,
            "f1": [per_label[label]["f1"] for label in true_labels],
            "support": [per_label[label]["support"] for label in true_labels],
        },
        "confusion": _confusion(truth, predicted, true_labels, model_labels),
        "pr_curves": pr_curves,
        "top_terms": _top_terms(model, docs, top_n),
    }


def _pr_curve(scores: np.ndarray, positive: np.ndarray, threshold: float) -> dict[str, Any] | None:
    """Precision and recall of ``scores >= t`` as ``t`` falls from the best score to the worst.

    The points kept trace the curve exactly: where each positive document
    comes in (precision peaks), just before the next one does (the bottom of
    the saw-tooth), the model's threshold and the end. Only curves with more
    than ``MAX_CURVE_POINTS`` such points are thinned, evenly.
    """
    n_pos = int(positive.sum())
    if n_pos == 0:
        return None
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order].astype(np.float64)
    hits = np.cumsum(positive[order])
    # Only cut where the next score differs: tied documents go in together.
    cuts = np.flatnonzero(np.append(ranked[:-1] != ranked[1:], True))
    tp = hits[cuts].astype(np.float64)
    precision = tp / (cuts + 1.0)
    recall = tp / n_pos
    # Average precision: precision at each cut, weighted by the recall it adds.
    gained = np.diff(np.concatenate([[0.0], recall]))
    average_precision = float(np.sum(gained * precision))

    at_threshold = int(np.searchsorted(-ranked[cuts], -threshold, side="right")) - 1
    peaks = np.flatnonzero(gained > 0)
    keep = np.unique(np.concatenate([peaks, peaks[1:] - 1, [len(cuts) - 1]]))
    if len(keep) > MAX_CURVE_POINTS:
        # One place is left for the threshold's point.
        keep = keep[np.unique(np.linspace(0, len(keep) - 1, MAX_CURVE_POINTS - 1).round().astype(np.intp))]
    if at_threshold >= 0:
        keep = np.union1d(keep, [at_threshold])
    return {
        "precision": [round(float(v), 6) for v in precision[keep]],
        "recall": [round(float(v), 6) for v in recall[keep]],
        "thresholds": [round(float(v), 6) for v in ranked[cuts][keep]],
        "average_precision": round(average_precision, 6),
        "threshold": round(threshold, 6),
        "precision_at_threshold": round(float(precision[at_threshold]), 6) if at_threshold >= 0 else 0.0,
        "recall_at_threshold": round(float(recall[at_threshold]), 6) if at_threshold >= 0 else 0.0,
    }


def _confusion(
    truth: Sequence[Sequence[str]],
    predicted: Sequence[Sequence[Any]],
    true_labels: Sequence[str],
    model_labels: Sequence[str],
) -> dict[str, Any]:
    """Count, for each true label, the documents given each tag (or none)."""
    rows = {label: i for i, label in enumerate(true_labels)}
    cols = {label: j for j, label in enumerate(model_labels)}
    counts = np.zeros((len(true_labels) + 1, len(model_labels) + 1), dtype=np.int64)
    for doc_truth, doc_tags in zip(truth, predicted, strict=True):
        true_rows = [rows[label] for label in doc_truth] or [len(true_labels)]
        tag_cols = [cols[tag.label] for tag in doc_tags] or [len(model_labels)]
        for i in true_rows:
            counts[i, tag_cols] += 1
    return {
        "true_labels": [*true_labels, NO_LABEL],
        "predicted_labels": [*model_labels, NO_TAG],
        "counts": counts.tolist(),
    }


def _top_terms(model: Tagger, docs: Sequence[str], top_n: int) -> dict[str, list[dict[str, Any]]]:
    """The terms with the largest positive weight per label, spelled as in the test texts when seen there."""
    forms: dict[str, str] = {}
    for doc in docs:
        for term, form in model.analyzer.surface_forms(doc).items():
            forms.setdefault(term, form)
    vocabulary = model.features.vocabulary
    out: dict[str, list[dict[str, Any]]] = {}
    for j, label in enumerate(model.labels):
        weights = model.coef[:, j]
        order = np.argsort(-weights, kind="stable")[:top_n]
        out[label] = [
            {
                "term": vocabulary[i],
                "shown_as": " ".join(forms.get(part, part) for part in vocabulary[i].split(" ")),
                "weight": round(float(weights[i]), 6),
            }
            for i in order
            if weights[i] > 0
        ]
    return out


# ---------------------------------------------------------------- charts
def _charts(figures: dict[str, Any]) -> dict[str, str] | None:
    """Render the charts as base64 PNG strings, or None when matplotlib is missing."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        warn('matplotlib is not installed: the report has its tables but no charts (pip install "greentag[report]")')
        return None
    return {
        "f1": _png(_f1_chart(Figure, figures["f1_by_label"])),
        "confusion": _png(_confusion_chart(Figure, figures["confusion"])),
        "pr_curves": _png(_pr_chart(Figure, figures["pr_curves"], figures["evaluation"]["per_label"])),
    }


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _f1_chart(figure_class: Any, data: dict[str, Any]) -> Any:
    labels, f1, support = data["labels"], data["f1"], data["support"]
    fig = figure_class(figsize=(7.5, 0.9 + 0.32 * len(labels)))
    ax = fig.add_subplot()
    positions = np.arange(len(labels))
    ax.barh(positions, f1, color="#2e7d5b")
    ax.set_yticks(positions, labels=labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)  # the first label on top, as in the table, without empty margins
    ax.set_xlim(0, 1.12)
    ax.set_xlabel("F1")
    for y, (value, n) in enumerate(zip(f1, support, strict=True)):
        ax.text(value + 0.01, y, f"{value:.2f}  (n={n})", va="center", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _confusion_chart(figure_class: Any, data: dict[str, Any]) -> Any:
    counts = np.asarray(data["counts"], dtype=np.float64)
    rows, cols = data["true_labels"], data["predicted_labels"]
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    size = max(4.0, 0.42 * len(cols) + 2.5)
    fig = figure_class(figsize=(size + 1.5, max(3.5, 0.42 * len(rows) + 2.0)))
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.set_xticks(np.arange(len(cols)), labels=cols, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(np.arange(len(rows)), labels=rows, fontsize=8)
    ax.set_xlabel("predicted tag")
    ax.set_ylabel("true label")
    if len(cols) <= _ANNOTATE_UP_TO:
        for (i, j), n in np.ndenumerate(counts):
            if n:
                color = "white" if share[i, j] > 0.6 else "black"
                ax.text(j, i, str(int(n)), ha="center", va="center", fontsize=7, color=color)
    fig.colorbar(image, ax=ax, label="share of the true label's documents")
    return fig


def _pr_chart(figure_class: Any, curves: dict[str, Any], per_label: dict[str, Any]) -> Any:
    labels = list(curves)
    ncols = min(3, len(labels))
    nrows = -(-len(labels) // ncols)
    fig = figure_class(figsize=(3.4 * ncols, 2.9 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.ravel()[len(labels) :]:
        ax.set_axis_off()
    for ax, label in zip(axes.ravel(), labels, strict=False):
        curve = curves[label]
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.05)
        ax.grid(alpha=0.3)
        ax.set_xlabel("recall", fontsize=8)
        ax.set_ylabel("precision", fontsize=8)
        ax.tick_params(labelsize=7)
        if curve is None:
            ax.set_title(label, fontsize=9)
            ax.text(0.5, 0.5, "no positive test document", ha="center", va="center", fontsize=8)
            continue
        ax.set_title(f"{label}  (AP {curve['average_precision']:.2f})", fontsize=9)
        # Steps, as scikit-learn draws the curve: each recall level at the precision it is reached with.
        recall, precision = [0.0, *curve["recall"]], [curve["precision"][0], *curve["precision"]]
        ax.plot(recall, precision, drawstyle="steps-pre", color="#2e7d5b")
        ax.plot(
            curve["recall_at_threshold"],
            curve["precision_at_threshold"],
            "o",
            color="#c0392b",
            label=f"threshold {curve['threshold']:.2f}",
        )
        decided = per_label[label]
        ax.plot(decided["recall"], decided["precision"], "x", color="black", label="tags given")
        ax.legend(loc="lower left", fontsize=7)
    return fig


# ------------------------------------------------------------------ page
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 72rem;
       color: #1d2b24; padding: 0 1rem; }
h1 { color: #2e7d5b; } h2 { border-bottom: 2px solid #2e7d5b; padding-bottom: .2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .9rem; }
th, td { border: 1px solid #cfd8d3; padding: .25rem .6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #e8f2ec; }
img { max-width: 100%; height: auto; display: block; margin: .6rem 0; }
.note { color: #5b6b63; font-size: .9rem; }
.terms { display: grid; grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr)); gap: .8rem; }
.terms table { width: 100%; }
footer { margin-top: 3rem; color: #5b6b63; font-size: .8rem; }
"""


def render_html(figures: dict[str, Any], *, title: str = "greentag evaluation report") -> str:
    """Return the report page for :func:`report_figures` output.

    Parameters
    ----------
    figures : dict
        What :func:`report_figures` returns.
    title : str, default="greentag evaluation report"
        Page title and heading.

    Returns
    -------
    str
        A complete HTML document with its charts embedded as base64 PNG.

    Examples
    --------
    >>> from greentag import load_default
    >>> page = render_html(report_figures(load_default(), ["Wind farms feed the grid."], [["energy"]]))
    >>> page.startswith("<!DOCTYPE html>") and page.count("<table") > 3
    True
    """
    charts = _charts(figures)
    evaluation = figures["evaluation"]
    model = figures["model"]
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        '<section id="summary"><h2>Summary</h2>',
        f"<p>{evaluation['n_documents']} test documents; model "
        f"{esc(model['path'] or '(in memory)')} with {len(model['labels'])} labels and "
        f"{model['n_features']:,} features, trained on {esc(str(model['n_training_documents']))} documents.</p>",
        _summary_table(evaluation, model.get("cv_metrics")),
    ]
    if evaluation["unknown_labels"]:
        parts.append(
            '<p class="note">True labels the model cannot give (counted as missed): '
            f"{esc(', '.join(evaluation['unknown_labels']))}.</p>"
        )
    parts += [
        "</section>",
        '<section id="per-label"><h2>Per label</h2>',
        _per_label_table(figures),
        "</section>",
        '<section id="f1-chart"><h2>F1 by label</h2>',
        _image(charts, "f1", "Bar chart of the F1 score of each label"),
        "</section>",
        '<section id="confusion"><h2>True labels and the tags given</h2>',
        '<p class="note">Each row is a true label; each cell counts its documents that got the column\'s tag '
        "(a document with two labels or two tags counts in several cells). Shading is the share of the "
        "row's documents. The diagonal holds the correct tags.</p>",
        _image(charts, "confusion", "Heatmap of true labels against predicted tags"),
        "</section>",
        '<section id="pr-curves"><h2>Precision-recall curves</h2>',
        '<p class="note">Precision and recall of each label as its threshold moves. The red dot is the '
        "model's tuned threshold; the black cross is the tags actually given, which also apply the "
        "at-least-one rule (and, for single-label models, keep only the best tag).</p>",
        _image(charts, "pr_curves", "Precision-recall curve of each label with its threshold marked"),
        "</section>",
        '<section id="top-terms"><h2>Top terms per label</h2>',
        '<p class="note">The terms with the largest weights in each label\'s linear model (stemmed terms '
        "are spelled as they appear in the test documents where possible).</p>",
        _top_terms_tables(figures["top_terms"]),
        "</section>",
        f"<footer>Written by greentag {esc(__version__)}.</footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _summary_table(evaluation: dict[str, Any], cv_metrics: dict[str, Any] | None) -> str:
    rows = []
    for average in ("micro", "macro", "samples"):
        m = evaluation[average]
        rows.append(
            f"<tr><td>{average}</td><td>{m['precision']:.3f}</td><td>{m['recall']:.3f}</td><td>{m['f1']:.3f}</td></tr>"
        )
    table = (
        '<table class="summary"><thead><tr><th>average</th><th>precision</th><th>recall</th><th>F1</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    if cv_metrics:
        table += (
            f'<p class="note">Cross-validated on the training data: micro-F1 {cv_metrics["micro"]["f1"]:.3f}, '
            f"macro-F1 {cv_metrics['macro']['f1']:.3f}.</p>"
        )
    return table


def _per_label_table(figures: dict[str, Any]) -> str:
    thresholds = dict(zip(figures["model"]["labels"], figures["model"]["thresholds"], strict=True))
    curves = figures["pr_curves"]
    rows = []
    for label, m in figures["evaluation"]["per_label"].items():
        threshold = f"{thresholds[label]:.3f}" if label in thresholds else "&mdash;"
        curve = curves.get(label)
        ap = f"{curve['average_precision']:.3f}" if curve else "&mdash;"
        rows.append(
            f"<tr><td>{html.escape(label)}</td><td>{threshold}</td><td>{m['precision']:.3f}</td>"
            f"<td>{m['recall']:.3f}</td><td>{m['f1']:.3f}</td><td>{m['support']}</td><td>{ap}</td></tr>"
        )
    return (
        '<table class="per-label"><thead><tr><th>label</th><th>threshold</th><th>precision</th><th>recall</th>'
        "<th>F1</th><th>support</th><th>average precision</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _image(charts: dict[str, str] | None, name: str, alt: str) -> str:
    if charts is None:
        return '<p class="note">(chart not drawn: matplotlib is not installed)</p>'
    return f'<img class="chart" id="chart-{name}" alt="{html.escape(alt)}" src="data:image/png;base64,{charts[name]}">'


def _top_terms_tables(top_terms: dict[str, list[dict[str, Any]]]) -> str:
    tables = []
    for label, terms in top_terms.items():
        rows = (
            "".join(f"<tr><td>{html.escape(t['shown_as'])}</td><td>{t['weight']:.3f}</td></tr>" for t in terms)
            or '<tr><td colspan="2">(no positive weights)</td></tr>'
        )
        tables.append(
            f'<table class="top-terms"><thead><tr><th>{html.escape(label)}</th><th>weight</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>"
        )
    return f'<div class="terms">{"".join(tables)}</div>'


def write_report(
    model: Tagger,
    texts: Iterable[str],
    labels: Iterable[Any],
    path: str | os.PathLike[str],
    *,
    top_n: int = 10,
) -> dict[str, Any]:
    """Evaluate ``model`` on labeled documents and write the HTML report to ``path``.

    The file is written to a temporary name and renamed, so an interrupted
    run never leaves half a page.

    Parameters
    ----------
    model : Tagger
        The model to evaluate.
    texts : iterable of str
        Test documents.
    labels : iterable
        Their true labels: a list of label lists, or one label string each.
    path : str or path-like
        Where to write the page (``.html``).
    top_n : int, default=10
        Terms listed per label.

    Returns
    -------
    dict
        The figures shown in the page (see :func:`report_figures`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from greentag import load_default
    >>> page = pathlib.Path(tempfile.mkdtemp()) / "report.html"
    >>> figures = write_report(load_default(), ["Wind farms feed the grid."], [["energy"]], page)
    >>> page.read_text(encoding="utf-8").count('src="data:image/png;base64,')
    3
    """
    figures = report_figures(model, texts, labels, top_n=top_n)
    page = render_html(figures)
    target = Path(path)
    # A name of our own rather than mkstemp's, so the page gets the usual
    # permissions (mkstemp files are private to the user).
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "x", encoding="utf-8") as out:
            out.write(page)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return figures
