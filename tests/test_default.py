"""The shipped default model: loading, the seed article, held-out articles, rebuilding."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

import greentag
from greentag import default as default_module

from .conftest import SEED_ARTICLE, require_shared
from .heldout import ARTICLES, Article


def test_tag_uses_the_default_model() -> None:
    tags = greentag.tag("The new metro line and the rail freight terminal open next year.")
    assert tags and tags[0].label == "transport_logistics"
    assert greentag.load_default() is greentag.load_default()


def test_default_model_labels_follow_the_taxonomy(default_model: greentag.Tagger) -> None:
    import json

    taxonomy = json.loads((default_module.seeds_path() / "taxonomy.json").read_text(encoding="utf-8"))
    assert default_model.labels == sorted(label["id"] for label in taxonomy["labels"])


def test_seed_article_gets_its_topics(default_model: greentag.Tagger) -> None:
    text = require_shared(SEED_ARTICLE).read_text(encoding="utf-8")
    labels = {t.label for t in default_model.tag(text)}
    assert {"green_technology", "transport_logistics", "trade_in_services"} <= labels


@pytest.mark.parametrize("article", ARTICLES, ids=[a.name for a in ARTICLES])
def test_held_out_articles(default_model: greentag.Tagger, article: Article) -> None:
    labels = {t.label for t in default_model.tag(article.text)}
    assert article.must <= labels, f"missing {sorted(article.must - labels)}; got {sorted(labels)}"
    assert not labels & article.must_not, f"wrong {sorted(labels & article.must_not)}"


# One line about wind power in each language, in words other than the seed corpus's usual ones
# ("ветряные" where the seeds mostly say "ветровые"): a headline alone must still get its topic,
# and the farms and feeding of wind power are not agriculture.
WIND_HEADLINES = [
    ("en", "Wind farms feed the grid."),
    ("ru", "Ветряные электростанции питают энергосистему."),
    ("zh", "风电场向电网供电。"),
    ("kk", "Жел электр станциялары энергия жүйесін қоректендіреді."),
]


@pytest.mark.parametrize(("lang", "headline"), WIND_HEADLINES, ids=[lang for lang, _ in WIND_HEADLINES])
def test_a_wind_power_headline_is_tagged_energy(default_model: greentag.Tagger, lang: str, headline: str) -> None:
    tags = default_model.tag(headline)
    assert default_model.language_of(headline) == lang
    labels = {t.label for t in tags}
    assert "energy" in labels and "agriculture" not in labels, f"got {tags}"


def test_farms_without_wind_are_still_agriculture(default_model: greentag.Tagger) -> None:
    for headline in ("Dairy farms feed their herds on imported hay.", "Farmers sow wheat as spring comes early."):
        assert "agriculture" in {t.label for t in default_model.tag(headline)}, headline


def test_top_level_functions_agree_with_the_model(default_model: greentag.Tagger) -> None:
    texts = ["Solar parks and wind farms", "A new hospital in Almaty", ""]
    assert greentag.tag_many(texts) == [default_model.tag(t) for t in texts]
    assert list(greentag.tag_stream(iter(texts))) == greentag.tag_many(texts)
    assert greentag.tag(texts[0], top_k=1) == default_model.tag(texts[0], top_k=1)
    assert [e.label for e in greentag.explain(texts[0])] == [t.label for t in greentag.tag(texts[0])]


def test_loaded_once_under_concurrent_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    default_module._reset_for_tests()
    loads = []
    real_load = greentag.Tagger.load

    def counting_load(path: object) -> greentag.Tagger:
        loads.append(path)
        return real_load(path)  # type: ignore[arg-type]

    monkeypatch.setattr(greentag.Tagger, "load", staticmethod(counting_load))
    texts = [f"Rail freight and port number {i} with solar power" for i in range(16)]
    barrier = threading.Barrier(16)
    results: list[object] = [None] * 16

    def worker(i: int) -> None:
        barrier.wait()
        results[i] = greentag.tag(texts[i])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1
    monkeypatch.undo()
    assert results == [greentag.tag(t) for t in texts]


def test_rebuilds_from_seeds_when_the_shipped_model_cannot_load(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, default_model: greentag.Tagger
) -> None:
    broken = tmp_path / "default.gtm"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    monkeypatch.setattr(default_module, "default_model_path", lambda: broken)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    default_module._reset_for_tests()
    try:
        with pytest.warns(greentag.GreentagWarning, match="rebuilding it from the bundled seed corpus"):
            rebuilt = greentag.load_default()
        cached = tmp_path / "cache" / "greentag" / f"default-{greentag.__version__}.gtm"
        assert cached.is_file()
        np.testing.assert_allclose(
            rebuilt.predict_proba(["solar power"]), default_model.predict_proba(["solar power"]), rtol=1e-6
        )
        # Next process start: the cached rebuild loads without another warning.
        default_module._reset_for_tests()
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert greentag.load_default().labels == default_model.labels
    finally:
        default_module._reset_for_tests()


# Libraries whose releases may move a model's floats; the model file records them.
_FLOAT_LIBRARIES = ("numpy", "scipy", "scikit-learn", "nltk")


def test_shipped_model_rebuilds_from_the_seeds(tmp_path: Path) -> None:
    shipped = greentag.Tagger.load(default_module.default_model_path())
    recorded = shipped.metadata["training"].get("library_versions", {})
    assert set(_FLOAT_LIBRARIES) <= set(recorded), "the shipped model does not record its library versions"
    rebuilt = default_module.build_default_model()
    rebuilt.save(tmp_path / "default.gtm")
    current = rebuilt.metadata["training"]["library_versions"]
    same = {name: recorded[name] for name in _FLOAT_LIBRARIES} == {name: current[name] for name in _FLOAT_LIBRARIES}
    rebuild = (
        "rebuild it with `greentag train seeds/ -o models/default.gtm --stop-words sklearn --threshold-range 0.4 0.9`"
    )
    if same:
        # Under the versions the file names, the recipe is deterministic to the byte.
        assert (tmp_path / "default.gtm").read_bytes() == default_module.default_model_path().read_bytes(), (
            f"models/default.gtm is not what the seeds and the code give under {current}; {rebuild}"
        )
        return
    # Other library versions may move the last bits of a float, not the model.
    assert rebuilt.labels == shipped.labels
    assert rebuilt.features.vocabulary == shipped.features.vocabulary, f"the vocabulary changed; {rebuild}"
    for name in ("coef", "intercept", "calibration", "thresholds"):
        ours, theirs = getattr(rebuilt, name), getattr(shipped, name)
        gap = float(np.abs(ours - theirs).max())
        assert gap <= 1e-4, (
            f"{name} moved by {gap:.2e} under {current} (the file was built under {recorded}); {rebuild}"
        )
    texts, _ = greentag.read_dataset(default_module.seeds_path())
    ours_tags, theirs_tags = rebuilt.tag_many(texts), shipped.tag_many(texts)
    changed = [
        i
        for i, (a, b) in enumerate(zip(ours_tags, theirs_tags, strict=True))
        if [t.label for t in a] != [t.label for t in b]
    ]
    assert len(changed) <= len(texts) // 200, (
        f"{len(changed)} of {len(texts)} seed documents get other tags, e.g. {texts[changed[0]][:80]!r}"
    )
    np.testing.assert_allclose(rebuilt.predict_proba(texts), shipped.predict_proba(texts), atol=1e-4)
