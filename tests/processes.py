"""Running a snippet in a new Python process, as a program that only imports greentag would."""

from __future__ import annotations

import subprocess
import sys


def printed_words(code: str) -> list[str]:
    """Run ``code`` with ``python -c`` in a new process; return the words it printed.

    A failing snippet fails the test with the process's error output.
    """
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout.split()
