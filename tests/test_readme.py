"""The README's API reference: every example block runs as it stands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _api_reference_blocks(language: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## API reference\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A scratch folder where ``seeds/`` is the repository's seed corpus, as at the repository root."""
    (tmp_path / "seeds").symlink_to(ROOT / "seeds", target_is_directory=True)
    return tmp_path


def test_the_api_reference_has_examples() -> None:
    assert len(_api_reference_blocks("python")) >= 4
    assert len(_api_reference_blocks("bash")) == 1


def _block_id(block: str) -> str:
    """The first line of a block that is not an import, shortened."""
    lines = [line for line in block.splitlines() if line and not line.startswith(("import ", "from "))]
    return (lines[0] if lines else block)[:40]


@pytest.mark.parametrize("block", _api_reference_blocks("python"), ids=_block_id)
def test_python_examples_run(block: str, workdir: Path) -> None:
    # A greentag warning in an example is a mistake in the example.
    strict = "import warnings, greentag\nwarnings.simplefilter('error', greentag.GreentagWarning)\n"
    result = subprocess.run(
        [sys.executable, "-c", strict + block],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_command_line_examples_run(workdir: Path) -> None:
    (block,) = _api_reference_blocks("bash")
    # The console script lives next to the interpreter in a virtual environment.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block], cwd=workdir, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (workdir / "my_model.gtm").is_file()
    assert "<img" in (workdir / "report.html").read_text(encoding="utf-8")
    assert len((workdir / "tags.jsonl").read_text(encoding="utf-8").splitlines()) > 10


def test_the_opening_example_shows_what_the_shipped_model_gives() -> None:
    import doctest

    text = README.read_text(encoding="utf-8")
    (opening,) = re.findall(r"```python\n(>>> .*?)```", text, flags=re.DOTALL)
    test = doctest.DocTestParser().get_doctest(opening, {}, "README opening", str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0


def test_the_set_up_output_is_what_the_command_prints() -> None:
    import greentag
    from greentag.cli import main

    text = README.read_text(encoding="utf-8")
    sentence = re.search(r'greentag tag "([^"]+)"\n```', text)
    shown = re.search(r"```text\n(.*?)```", text, flags=re.DOTALL)
    assert sentence is not None and shown is not None
    printed = [(line.split()[0], float(line.split()[1])) for line in shown.group(1).splitlines()]
    tags = greentag.tag(sentence.group(1))
    assert [label for label, _ in printed] == [tag.label for tag in tags]
    assert [score for _, score in printed] == pytest.approx([tag.score for tag in tags], abs=0.0006)
    assert main(["tag", sentence.group(1)]) == 0
