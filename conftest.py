"""Collection rules for the whole checkout (the tests' own fixtures are in tests/conftest.py)."""

import importlib.util

# greentag.serve needs the optional serve extra; without it its doctests are skipped,
# as tests/test_serve.py is.
collect_ignore_glob = (
    [] if importlib.util.find_spec("fastapi") and importlib.util.find_spec("uvicorn") else ["greentag/serve/*.py"]
)
