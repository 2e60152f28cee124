"""The benchmark suite runs end to end: ``benchmarks/run.py --quick`` into a temporary folder.

Speed is not asserted here (timings belong in the benchmark's own report);
this checks that every system is trained, measured and reported, that skips
are reported with their reason, and that greentag's batch and parallel paths
give exactly the tags of one-by-one tagging.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import DATASETS, require_shared

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    require_shared(DATASETS / "reuters21578" / "train.jsonl.gz")
    require_shared(DATASETS / "bbc_news" / "train.jsonl.gz")
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run.py"), "--quick", "--output-dir", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return results, (out / "BENCHMARKS.md").read_text(encoding="utf-8")


pytestmark = pytest.mark.slow


@pytest.mark.parametrize("dataset", ["reuters21578", "bbc_news"], ids=["multi-label", "single-label"])
def test_greentag_and_sklearn_are_measured(quick_run: tuple[dict[str, Any], str], dataset: str) -> None:
    entry = quick_run[0]["datasets"][dataset]
    assert entry["status"] == "ok"
    assert entry["multi_label"] is (dataset == "reuters21578")
    for name in ("greentag", "sklearn"):
        system = entry["systems"][name]
        assert system["status"] == "ok", system.get("reason")
        assert 0.0 <= system["macro_f1"] <= 1.0 and 0.0 <= system["micro_f1"] <= 1.0
        for key in ("train_s", "docs_per_s_1core", "docs_per_s_all", "p50_us", "p99_us", "model_bytes", "load_s"):
            assert system[key] > 0, key
        assert system["p50_us"] <= system["p99_us"]
    # Even on a 400-document subset a working greentag is far better than chance.
    assert entry["systems"]["greentag"]["micro_f1"] > 0.5
    ratio = entry["ratios"]["sklearn"]["p50_us"]
    assert ratio == pytest.approx(entry["systems"]["greentag"]["p50_us"] / entry["systems"]["sklearn"]["p50_us"])


@pytest.mark.parametrize("dataset", ["reuters21578", "bbc_news"], ids=["multi-label", "single-label"])
def test_batch_and_parallel_tags_equal_one_by_one(quick_run: tuple[dict[str, Any], str], dataset: str) -> None:
    greentag = quick_run[0]["datasets"][dataset]["systems"]["greentag"]
    assert greentag["tag_many_equals_tag"] is True
    assert greentag["parallel_equals_tag"] is True


def test_fasttext_is_measured_or_skipped_with_a_reason(quick_run: tuple[dict[str, Any], str]) -> None:
    fasttext = quick_run[0]["datasets"]["reuters21578"]["systems"]["fasttext"]
    if importlib.util.find_spec("fasttext") is None:
        assert fasttext["status"] == "skipped"
        assert "not installed" in fasttext["reason"]
    else:
        assert fasttext["status"] == "ok", fasttext.get("reason")
        assert 0.0 <= fasttext["micro_f1"] <= 1.0


def test_dataset_without_train_split_is_skipped(quick_run: tuple[dict[str, Any], str]) -> None:
    if not (DATASETS / "ag_news").exists():
        pytest.skip("ag_news is not in ../shared/datasets")
    entry = quick_run[0]["datasets"]["ag_news"]
    assert entry == {"status": "skipped", "reason": entry["reason"]}
    assert "train" in entry["reason"]


def test_report_has_environment_targets_and_ablation(quick_run: tuple[dict[str, Any], str]) -> None:
    results, markdown = quick_run
    env = results["environment"]
    assert env["command"].startswith("python benchmarks/run.py --quick")
    assert env["versions"]["greentag"]
    assert {row["target"] for row in results["targets"]} >= {"R90 micro-F1", "R90 model file (MB)"}
    assert [row["name"] for row in results["ablation"]["rows"]] == ["default", "no decision steps"]
    assert "Quick run" in markdown
    assert "| reuters21578 | **greentag** |" in markdown
    assert "ag_news" in markdown


def _load_script(name: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Import ``benchmarks/<name>.py`` (a script, not a package module) with its helpers importable."""
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_report_keeps_the_other_sections_of_benchmarks_md(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # BENCHMARKS.md is shared with benchmarks/scale.py: rewriting ours must leave theirs alone.
    run = _load_script("run", monkeypatch)
    report = tmp_path / "BENCHMARKS.md"
    report.write_text("## Scale\n\nprocesses and memory\n", encoding="utf-8")
    run.write_section(report, "# Benchmarks\n\nfirst run")
    run.write_section(report, "# Benchmarks\n\nsecond run")
    text = report.read_text(encoding="utf-8")
    assert "second run" in text and "first run" not in text
    assert text.count(run.START) == 1
    assert text.index("second run") < text.index("## Scale\n\nprocesses and memory\n")


def test_scale_writes_only_the_tables_it_measured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Measuring one table (--sections reuters --write) once replaced the whole Scale section.
    scale = _load_script("scale", monkeypatch)
    report = tmp_path / "BENCHMARKS.md"
    report.write_text(
        "# Benchmarks\n\nrun.py's part\n\n## Scale\n\nold intro\n\n### B\n\nold b\n\n### A\n\nold a\n\n"
        "### Notes\n\nwritten by hand\n\n## After\n\nkept\n",
        encoding="utf-8",
    )
    scale.write_section({"A": "### A\n\nnew a"}, ["A", "B", "C"], report)
    text = report.read_text(encoding="utf-8")
    assert "new a" in text and "old a" not in text
    assert "old b" in text and "written by hand" in text
    assert text.index("### A") < text.index("### B") < text.index("### Notes") < text.index("## After\n\nkept")
    assert text.startswith("# Benchmarks\n\nrun.py's part\n\n## Scale\n")
    scale.write_section({"C": "### C\n\nnew c"}, ["A", "B", "C"], report)
    text = report.read_text(encoding="utf-8")
    assert text.index("### B") < text.index("### C") < text.index("### Notes")
    assert text.count("## Scale") == 1 and "new a" in text

    missing = tmp_path / "NEW.md"
    scale.write_section({"A": "### A\n\nfirst"}, ["A"], missing)
    assert missing.read_text(encoding="utf-8").startswith("## Scale\n") and "first" in missing.read_text(
        encoding="utf-8"
    )


def test_speed_report_reads_its_measurements_and_keeps_the_other_sections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    speed = _load_script("speed", monkeypatch)
    result = json.loads((REPO / "benchmarks" / "speed.json").read_text(encoding="utf-8"))
    pooled = result["batch"]["greentag n_jobs=-1"]
    first = f"{result['batch']['greentag n_jobs=1']['first_docs_per_s']:,.0f} docs/s"
    size = pooled["n_characters"]

    pooled["helpers"] = ["forked", "forked"]
    result["commit"], result["measured_at"] = "abc1234", "2001-02-03 04:05 UTC"
    text = speed.table(result, "python benchmarks/speed.py")
    assert first in text
    # The stamp is the measurement's, not the checkout's or the clock's at rendering.
    assert "greentag commit abc1234; measured from 2001-02-03 04:05 UTC" in text
    assert "both calls used helpers forked from the calling process" in text
    assert "Cold loky workers start only" not in text
    pooled["helpers"] = ["none", "forked"]
    text = speed.table(result, "python benchmarks/speed.py")
    assert "the first call was tagged on the calling core alone; the second call used helpers forked" in text
    pooled["helpers"], pooled["cold_start_min_characters"] = ["none", "loky"], size + 1
    text = speed.table(result, "python benchmarks/speed.py")
    assert "the first call was tagged on the calling core alone; the second call used loky workers" in text
    assert f"Cold loky workers start only for {size + 1:,} characters" in text
    del pooled["helpers"]
    assert "does not say which helpers" in speed.table(result, "python benchmarks/speed.py")

    report = tmp_path / "BENCHMARKS.md"
    report.write_text("<!-- written by benchmarks/run.py: start -->\n# Benchmarks\n", encoding="utf-8")
    speed.write_section("first\n", report)
    speed.write_section("second\n", report)
    page = report.read_text(encoding="utf-8")
    assert page.count(speed.START) == 1 and "first" not in page
    assert page.index("second") < page.index("# Benchmarks")


def test_a_new_section_can_go_at_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(REPO / "benchmarks"))
    from gtbench.report import replace_section

    report = tmp_path / "BENCHMARKS.md"
    report.write_text("# Benchmarks\n\nrun.py's part\n", encoding="utf-8")
    replace_section(report, "<!-- a -->", "<!-- /a -->", "languages", missing_at="end")
    replace_section(report, "<!-- a -->", "<!-- /a -->", "languages again", missing_at="end")
    page = report.read_text(encoding="utf-8")
    assert page == "# Benchmarks\n\nrun.py's part\n\n<!-- a -->\nlanguages again\n<!-- /a -->\n"


def test_the_stage_profile_runs_the_path_of_model_tag(monkeypatch: pytest.MonkeyPatch) -> None:
    # benchmarks/stages.py times the one-document path stage by stage through the
    # scorer's own steps; if those drift from model.tag, its table describes nothing.
    stages = _load_script("stages", monkeypatch)
    import greentag

    model = greentag.load_default()
    paragraph = (
        "Kazakhstan and China opened a new rail freight corridor for electric trucks and container trains, "
        "and ministers agreed on customs rules, tariffs and a fund for solar and wind power plants. "
    )
    texts = [
        "Wind farms feed the power grid.",
        "\n\n".join([paragraph * 2, "Tourism and education services grew in Almaty and Astana. " * 8, paragraph]),
        "Ветряные электростанции питают энергосистему Казахстана.",
        "中哈两国在绿色能源和物流领域加强合作。",
        "Қазақстан мен Қытай көлік дәлізін дамытады.",
        "qwxz vbnm",
        "",
    ]
    for text in texts:
        tags, spent = stages.staged_tag(model, text)
        assert tags == model.tag(text), text
        assert len(spent) == len(stages.STAGES) and min(spent) >= 0
    assert len(model.scorer._rows(texts[1], "en")[0]) > 1  # the pooled path was among them


def test_the_stage_table_adds_up_and_compares(monkeypatch: pytest.MonkeyPatch) -> None:
    stages = _load_script("stages", monkeypatch)
    means = {key: float(i + 1) for i, key in enumerate(stages.STAGES)}
    part = {
        "stage_mean_us": means,
        "stages_p50_us": 30.0,
        "tag_p50_us": 40.0,
        "fasttext_p50_us": 20.0,
        "floor_p50_us": 5.0,
    }
    text = stages.table({"n_docs": 3, "load_average": 0.5, "first": part, "warm": part}, "python benchmarks/stages.py")
    total = sum(means.values())
    assert f"**{total:.1f}**" in text
    assert "| 2.00x | 2.00x |" in text
    for i, label in enumerate(stages.STAGES.values()):
        assert f"| {label} | {i + 1:.1f} | {(i + 1) / total:.0%} |" in text


def test_the_new_chunk_timer_counts_only_chunks_the_analyzer_has_not_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    stages = _load_script("stages", monkeypatch)
    import greentag
    from greentag.default import default_model_path

    model = greentag.load(default_model_path())  # a copy of its own: empty caches
    analyzer = model.scorer.analyzer
    text = "Zorbly quantexes flew over the Vextrin grid."
    with stages.NewChunkTimer(analyzer) as first:
        tags = model.tag(text)
    with stages.NewChunkTimer(analyzer) as second:
        assert model.tag(text) == tags
    assert first.count >= 3 and first.ns > 0
    assert second.count == 0 and second.ns == 0
    assert "cache_new_chunk" not in vars(analyzer)  # the wrapper is gone again
