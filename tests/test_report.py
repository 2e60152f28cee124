"""The evaluation report: its figures, the HTML page, the CLI, and the page in a real browser."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import average_precision_score, precision_recall_curve, precision_score, recall_score

import greentag
from greentag.data import write_dataset
from greentag.errors import GreentagWarning
from greentag.report import MAX_CURVE_POINTS, render_html, report_figures, write_report

from .corpus import LABELS, TEXTS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Held-out documents written for these tests; "sport" is a label the model does not know.
TEST_DOCS: list[tuple[str, list[str]]] = [
    ("The solar park and the wind farm feed power into the grid.", ["energy"]),
    ("Coal and gas plants raised their electricity output.", ["energy"]),
    ("The container port and the rail freight terminal expanded.", ["transport"]),
    ("Trucks and trains carry goods along the corridor.", ["transport"]),
    ("The clinic hired doctors and nurses for its new ward.", ["health"]),
    ("Patients waited for the vaccine at the hospital.", ["health"]),
    ("The bank raised interest rates and bond yields climbed.", ["finance"]),
    ("Investors put capital into the fund.", ["finance"]),
    ("A loan from the bank pays for the new power plant.", ["finance", "energy"]),
    ("The marathon runners crossed the finish line.", ["sport"]),
    ("The orchestra played to a full hall.", []),
]
TEST_TEXTS = [text for text, _ in TEST_DOCS]
TEST_LABELS = [labels for _, labels in TEST_DOCS]


@pytest.fixture(scope="module")
def figures(small_model: greentag.Tagger) -> dict[str, Any]:
    with pytest.warns(GreentagWarning, match=r"\['sport'\] are not among the model's labels"):
        return report_figures(small_model, TEST_TEXTS, TEST_LABELS, top_n=5)


class _Page(HTMLParser):
    """Collects the tables, images and section ids of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[str] = []
        self.images: list[dict[str, str]] = []
        self.sections: list[str] = []
        self.scripts = 0
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "table":
            self.tables.append(attributes.get("class", ""))
        elif tag == "img":
            self.images.append(attributes)
        elif tag == "section":
            self.sections.append(attributes.get("id", ""))
        elif tag == "script":
            self.scripts += 1
        for name in ("src", "href"):
            if name in attributes and not attributes[name].startswith("data:"):
                self.external.append(attributes[name])


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


# ----------------------------------------------------------------- figures
def test_evaluation_equals_tagger_evaluate(figures: dict[str, Any], small_model: greentag.Tagger) -> None:
    with pytest.warns(GreentagWarning):
        expected = small_model.evaluate(TEST_TEXTS, TEST_LABELS)
    assert figures["evaluation"] == expected
    assert figures["f1_by_label"]["labels"] == [*small_model.labels, "sport"]
    assert figures["f1_by_label"]["f1"] == [
        expected["per_label"][label]["f1"] for label in figures["f1_by_label"]["labels"]
    ]
    assert figures["model"]["thresholds"] == pytest.approx(small_model.thresholds.tolist(), abs=1e-6)


def test_confusion_counts_true_labels_against_tags(figures: dict[str, Any], small_model: greentag.Tagger) -> None:
    confusion = figures["confusion"]
    rows, cols = confusion["true_labels"], confusion["predicted_labels"]
    assert rows == [*small_model.labels, "sport", "(no label)"]
    assert cols == [*small_model.labels, "(no tag)"]
    expected = np.zeros((len(rows), len(cols)), dtype=int)
    for truth, tags in zip(TEST_LABELS, small_model.tag_many(TEST_TEXTS), strict=True):
        given = [t.label for t in tags] or ["(no tag)"]
        for label in truth or ["(no label)"]:
            for tag in given:
                expected[rows.index(label), cols.index(tag)] += 1
    assert confusion["counts"] == expected.tolist()
    # The diagonal is each label's true positives.
    for j, label in enumerate(small_model.labels):
        per_label = figures["evaluation"]["per_label"][label]
        assert confusion["counts"][j][j] == round(per_label["recall"] * per_label["support"])


def test_pr_curves_match_scikit_learn(figures: dict[str, Any], small_model: greentag.Tagger) -> None:
    probs = small_model.predict_proba(TEST_TEXTS)
    for j, label in enumerate(small_model.labels):
        truth = np.array([label in labels for labels in TEST_LABELS])
        curve = figures["pr_curves"][label]
        precision, recall, thresholds = precision_recall_curve(truth, probs[:, j])
        at = {round(float(t), 6): (p, r) for p, r, t in zip(precision, recall, thresholds, strict=False)}
        for p, r, t in zip(curve["precision"], curve["recall"], curve["thresholds"], strict=True):
            assert (p, r) == pytest.approx(at[t], abs=1e-6)
        # Every recall level is there, with its best precision: the curve's shape is kept.
        for level in np.unique(recall[:-1]):
            ours = [p for p, r in zip(curve["precision"], curve["recall"], strict=True) if abs(r - level) < 1e-6]
            assert max(ours) == pytest.approx(precision[:-1][recall[:-1] == level].max(), abs=1e-6)
        assert curve["average_precision"] == pytest.approx(average_precision_score(truth, probs[:, j]), abs=1e-6)
        accepted = probs[:, j] >= small_model.thresholds[j]
        assert curve["threshold"] == pytest.approx(small_model.thresholds[j], abs=1e-6)
        assert curve["precision_at_threshold"] == pytest.approx(precision_score(truth, accepted), abs=1e-6)
        assert curve["recall_at_threshold"] == pytest.approx(recall_score(truth, accepted), abs=1e-6)


def test_long_pr_curves_are_thinned_but_keep_the_threshold(small_model: greentag.Tagger) -> None:
    # Pairs of corpus texts: 900 different documents, so (nearly) 900 different scores.
    pairs = [(i % len(TEXTS), i // len(TEXTS)) for i in range(900)]
    texts = [f"{TEXTS[a]} {TEXTS[b]}" for a, b in pairs]
    labels = [sorted({*LABELS[a], *LABELS[b]} - {"health"}) for a, b in pairs]
    result = report_figures(small_model, texts, labels)
    assert result["pr_curves"]["health"] is None
    energy = result["pr_curves"]["energy"]
    assert sum("energy" in doc for doc in labels) > MAX_CURVE_POINTS
    assert MAX_CURVE_POINTS - 1 <= len(energy["recall"]) <= MAX_CURVE_POINTS
    assert energy["recall"][-1] == 1.0
    assert energy["recall"] == sorted(energy["recall"])
    assert energy["thresholds"] == sorted(energy["thresholds"], reverse=True)
    point = energy["thresholds"].index(min(t for t in energy["thresholds"] if t >= energy["threshold"]))
    assert energy["recall"][point] == energy["recall_at_threshold"]
    assert energy["precision"][point] == energy["precision_at_threshold"]


def test_top_terms_are_the_largest_weights_spelled_as_in_the_texts(
    figures: dict[str, Any], small_model: greentag.Tagger
) -> None:
    vocabulary = small_model.features.vocabulary
    words = set(re.findall(r"\w+", " ".join(TEST_TEXTS).lower()))
    for j, label in enumerate(small_model.labels):
        terms = figures["top_terms"][label]
        assert len(terms) == 5
        top = np.sort(small_model.coef[:, j])[::-1][:5]
        np.testing.assert_allclose([t["weight"] for t in terms], top, atol=1e-6)
        for t in terms:
            assert vocabulary.index(t["term"]) >= 0
            for stem, shown in zip(t["term"].split(), t["shown_as"].split(), strict=True):
                assert shown in words or shown == stem
    assert any(t["shown_as"] != t["term"] for terms in figures["top_terms"].values() for t in terms)


def test_bad_top_n_is_refused(small_model: greentag.Tagger) -> None:
    with pytest.raises(ValueError, match="top_n must be a positive int, got 0"):
        report_figures(small_model, TEXTS, LABELS, top_n=0)


# -------------------------------------------------------------------- page
def test_page_is_self_contained_with_tables_and_three_charts(figures: dict[str, Any]) -> None:
    page = render_html(figures)
    parsed = parse(page)
    assert parsed.sections == ["summary", "per-label", "f1-chart", "confusion", "pr-curves", "top-terms"]
    assert parsed.tables == ["summary", "per-label"] + ["top-terms"] * 4
    assert [img["id"] for img in parsed.images] == ["chart-f1", "chart-confusion", "chart-pr_curves"]
    assert parsed.scripts == 0
    assert parsed.external == []
    from matplotlib.image import imread

    for img in parsed.images:
        data = base64.b64decode(img["src"].removeprefix("data:image/png;base64,"))
        assert data.startswith(PNG_MAGIC)
        height, width = imread(io.BytesIO(data), format="png").shape[:2]
        assert width > 200 and height > 150
    assert "True labels the model cannot give (counted as missed): sport." in page


def test_labels_and_terms_are_escaped() -> None:
    texts = ["alpha beta gamma", "alpha beta delta", "omega psi chi", "omega psi rho"] * 2
    labels = [["<b>bold</b>"], ["<b>bold</b>"], ["a&b"], ["a&b"]] * 2
    model = greentag.train(texts, labels, min_df=1, cv=2)
    page = render_html(report_figures(model, texts, labels))
    assert "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "a&amp;b" in page


def test_without_matplotlib_the_page_keeps_its_tables(figures: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.warns(GreentagWarning, match=r"matplotlib is not installed.*greentag\[report\]"):
        page = render_html(figures)
    parsed = parse(page)
    assert parsed.images == []
    assert len(parsed.tables) == 6
    assert page.count("chart not drawn: matplotlib is not installed") == 3


def test_write_report_replaces_the_file_and_leaves_no_temporary(small_model: greentag.Tagger, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    written = write_report(small_model, TEXTS, LABELS, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    assert target.read_text(encoding="utf-8") == render_html(written)


# --------------------------------------------------------------------- CLI
def test_cli_evaluate_writes_the_report_and_prints_its_figures(small_model: greentag.Tagger, tmp_path: Path) -> None:
    model_path, data, page = tmp_path / "model.gtm", tmp_path / "test.jsonl", tmp_path / "out" / "report.html"
    page.parent.mkdir()
    small_model.save(model_path)
    write_dataset(data, TEXTS, LABELS)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "greentag",
            "evaluate",
            str(model_path),
            str(data),
            "--report",
            str(page),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["report"] == str(page)
    assert sorted(payload["figures"]) == ["confusion", "f1_by_label", "model", "pr_curves", "top_terms"]
    assert payload["figures"]["f1_by_label"]["f1"] == [
        payload["per_label"][label]["f1"] for label in small_model.labels
    ]
    parsed = parse(page.read_text(encoding="utf-8"))
    assert len(parsed.images) == 3 and len(parsed.tables) == 6


# ------------------------------------------------------------------ browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Appended to a copy of the page only: it records, once everything has
# loaded, how many charts the browser actually decoded and how big they are.
PROBE = """<script>
window.addEventListener("load", () => {
  const charts = [...document.querySelectorAll("img.chart")];
  document.body.dataset.decoded = charts.filter((img) => img.complete && img.naturalWidth > 0).length;
  document.body.dataset.widths = charts.map((img) => img.naturalWidth).join(",");
  document.body.dataset.rows = document.querySelectorAll("table.per-label tbody tr").length;
});
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_page_renders_in_headless_chromium(figures: dict[str, Any], tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(figures).replace("</body>", PROBE + "</body>"), encoding="utf-8")
    result = subprocess.run(
        [
            str(CHROMIUM),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body is not None, dom[:2000]
    attributes = dict(re.findall(r'data-(\w+)="([^"]*)"', body.group(1)))
    assert attributes["decoded"] == "3"
    assert all(int(width) > 200 for width in attributes["widths"].split(","))
    assert attributes["rows"] == str(len(figures["evaluation"]["per_label"]))
    assert dom.count("<table") == 6
    assert "Precision-recall curves" in dom
