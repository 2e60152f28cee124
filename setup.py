"""Packaging for greentag.

The default model (``models/``) and the seed corpus it is trained from
(``seeds/``) live at the top of the repository, where people look for them.
``build_py`` copies them into ``greentag/_data/`` so that a regular
(non-editable) install carries them inside the package; an editable install
finds them in the checkout instead (see ``greentag/default.py``).
"""

import re
import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
VERSION = re.search(r'__version__ = "([^"]+)"', (HERE / "greentag" / "_version.py").read_text()).group(1)
BUNDLED = {"models": ("*.gtm", "README.md"), "seeds": ("*.jsonl", "taxonomy.json", "README.md")}


class BuildWithData(build_py):
    """Copy the shipped model and the seed corpus into the built package."""

    def run(self):
        super().run()
        for folder, patterns in BUNDLED.items():
            target = Path(self.build_lib) / "greentag" / "_data" / folder
            target.mkdir(parents=True, exist_ok=True)
            for pattern in patterns:
                for source in sorted((HERE / folder).glob(pattern)):
                    shutil.copy2(source, target / source.name)


setup(
    name="greentag",
    version=VERSION,
    description="Tag news and policy documents with topics: green technology, transport, trade, energy and more.",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["greentag", "greentag.*"]),
    package_data={"greentag": ["py.typed"]},
    cmdclass={"build_py": BuildWithData},
    install_requires=[
        "numpy>=1.23",
        "scipy>=1.9",
        "scikit-learn>=1.2",
        "joblib>=1.2",
        "nltk>=3.8",
        "tqdm>=4.60",
        # Offline language detection (its model ships inside the package) and
        # kept Russian and Chinese stop-word lists.
        "py3langid>=0.3",
        "stop-words>=2018.7.23",
    ],
    extras_require={
        "test": [
            "pytest>=7",
            "hypothesis>=6.80",
            "pandas>=1.5",
            "matplotlib>=3.6",
            "dask[bag,dataframe]>=2024.1",
            "distributed>=2024.1",
            "pyarrow>=14",
            "jieba>=0.42",
            "fastapi>=0.110",
            "uvicorn>=0.51",
            # tests/test_seeds.py builds the package's files with setup.py; a
            # Python 3.12+ venv comes without setuptools.
            "setuptools>=64",
        ],
        "chinese": ["jieba>=0.42"],
        "dask": ["dask[bag,dataframe]>=2024.1", "distributed>=2024.1", "pyarrow>=14"],
        "pandas": ["pandas>=1.5"],
        "report": ["matplotlib>=3.6"],
        # uvicorn 0.51 replaces workers one at a time on SIGHUP, keeping the old one when the new cannot start.
        "serve": ["fastapi>=0.110", "uvicorn>=0.51"],
        "bench": ["fasttext-numpy2-wheel>=0.9.2", "psutil>=5.9"],
        "dev": ["ruff>=0.6", "mypy>=1.10"],
    },
    entry_points={"console_scripts": ["greentag = greentag.cli:main_entry"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Text Processing :: Linguistic",
        "Intended Audience :: Science/Research",
    ],
)
