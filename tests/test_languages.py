"""Reading English, Russian, Chinese and Kazakh: detection, routing by script, and the lang= override."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import greentag
from greentag.cli import main as cli_main
from greentag.data import read_languages
from greentag.errors import DataError, OptionError
from greentag.kazakh import stem as kazakh_stem
from greentag.language import LANGUAGES, check_language, detect_language
from greentag.stemmers import snowball_class
from greentag.text import TextOptions, build_analyzer

from .processes import printed_words

RU = "Казахстан и Китай договорились увеличить грузоперевозки по транспортному коридору через Хоргос."
KK = "Қазақстан мен Қытай Қорғас арқылы өтетін көлік дәлізімен жүк тасымалын арттыруға келісті."
ZH = "中哈两国同意扩大经霍尔果斯口岸的铁路货运规模。"
EN = "Kazakhstan and China agreed to expand rail freight through the Khorgos crossing."


@pytest.mark.parametrize(("text", "lang"), [(EN, "en"), (RU, "ru"), (KK, "kk"), (ZH, "zh")])
def test_each_language_is_detected(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_detection_handles_mixed_and_degenerate_text() -> None:
    # A Chinese headline over an English body: Han characters weigh as words.
    assert detect_language("中欧班列开行突破十万列\nThe China-Europe freight trains passed a milestone.") == "zh"
    # English names inside Russian text stay Russian.
    assert detect_language("Компания Astana Hub и фонд Kazakh Invest подписали соглашение о сотрудничестве") == "ru"
    # Short Cyrillic snippets without Kazakh letters go to the detector, which must answer ru or kk.
    assert detect_language("Мен бүгін келемін") in ("ru", "kk")
    assert detect_language("") == "en"
    assert detect_language("12345 !!!") == "en"
    # Restricted to the model's languages, the answer is always one of them.
    assert detect_language(ZH, ["en"]) == "en"
    assert detect_language(RU, ["en", "kk"]) == "kk"


def test_check_language_names_the_bad_value() -> None:
    assert check_language("ru") == "ru"
    with pytest.raises(OptionError, match="'uz'"):
        check_language("uz")
    with pytest.raises(OptionError):
        check_language(None)


def test_cyrillic_words_take_the_documents_language() -> None:
    analyzer = build_analyzer(stop_words=None)
    russian = snowball_class()("russian").stem
    assert analyzer.unigrams("транспортному коридору", lang="ru") == [russian("транспортному"), russian("коридору")]
    assert analyzer.unigrams("дәліздерінің саудасы", lang="kk") == [kazakh_stem("дәліздерінің"), "сауда"]
    # The same Cyrillic word reads differently in a Russian and a Kazakh document.
    assert analyzer.unigrams("инвестициялар", lang="kk") == ["инвестиция"]
    assert analyzer.unigrams("инвестициялар", lang="ru") != ["инвестиция"]


def test_latin_words_in_other_languages_take_the_english_pipeline() -> None:
    analyzer = build_analyzer(stop_words="sklearn")
    terms = analyzer.unigrams("Компания Huawei строит data centres в Алматы", lang="ru")
    assert "huawei" in terms and "centr" in terms
    assert analyzer.unigrams("Electric buses", lang="ru") == analyzer.unigrams("Electric buses", lang="en")


def test_chinese_runs_become_characters_and_their_bigrams() -> None:
    analyzer = build_analyzer(stop_words=None)
    assert analyzer.unigrams("光伏电站2024年", lang="zh") == ["光", "伏", "电", "站", "_num_", "年"]
    assert "光伏" in " ".join(analyzer("光伏电站", lang="zh")).replace(" ", "")
    assert "光 伏" in analyzer("光伏电站", lang="zh")


def test_acronyms_are_kept_apart_from_stop_words() -> None:
    analyzer = build_analyzer(stop_words="sklearn")
    terms = analyzer.unigrams("IT services export grew; it was a good year for the US and for us")
    assert "_it" in terms and "_us" in terms
    assert terms.count("_it") == 1 and terms.count("_us") == 1  # the lower-case words are stop words
    assert "_ev" in analyzer.unigrams("EVs and one EV")
    assert "_ит" in analyzer.unigrams("ИТ-компании растут", lang="ru")


def test_hyphenated_compounds_are_kept_whole_and_split() -> None:
    terms = build_analyzer(stop_words="sklearn").unigrams("e-government and high-speed rail")
    assert "e-govern" in terms and "govern" in terms
    assert any(term.startswith("high-") for term in terms) and "high" in terms and "speed" in terms


def test_model_files_without_the_new_options_read_text_as_before() -> None:
    legacy = build_analyzer(TextOptions.from_dict({"stop_words": "sklearn"}))
    assert legacy.options.languages == ("en",) and legacy.options.acronyms is None
    assert legacy.unigrams("IT services export") == ["servic", "export"]
    assert legacy.unigrams("коридору") == ["коридору"]  # every word is an English word
    assert legacy.language(RU) == "en"


def test_text_options_validate_the_new_fields() -> None:
    with pytest.raises(OptionError, match="languages"):
        TextOptions(languages=("en", "uz"))
    with pytest.raises(OptionError, match="languages"):
        TextOptions(languages=())
    with pytest.raises(OptionError, match="chinese"):
        TextOptions(chinese="icu")
    with pytest.raises(OptionError, match="kazakh"):
        TextOptions(kazakh="snowball")
    assert TextOptions(languages=["ru", "en"]).languages == ("ru", "en")
    assert TextOptions.from_dict(TextOptions().to_dict()) == TextOptions()


def test_the_default_model_reads_four_languages_and_says_which() -> None:
    model = greentag.load_default()
    assert model.languages == list(LANGUAGES)
    assert [model.language_of(text) for text in (EN, RU, ZH, KK)] == ["en", "ru", "zh", "kk"]
    assert model.explain(RU, "transport_logistics").lang == "ru"
    assert model.explain(RU, "transport_logistics", lang="kk").lang == "kk"
    assert all(explanation.lang == "zh" for explanation in greentag.explain(ZH))


def test_lang_override_is_checked_and_used() -> None:
    model = greentag.load_default()
    with pytest.raises(OptionError, match="'uz'"):
        model.tag(RU, lang="uz")
    with pytest.raises(OptionError):
        model.tag_many([RU], lang="de")
    assert model.tag(RU, lang="ru") == model.tag(RU)
    assert model.tag_many([RU, KK], lang="ru")[0] == model.tag(RU)
    forced = model.predict_proba([KK])  # detection, for reference
    assert forced.shape == (1, len(model.labels))


def test_kazakh_stemmer_strips_inflections_not_stems() -> None:
    assert kazakh_stem("дәліздерінің") == "дәліз"
    assert kazakh_stem("қазақстанның") == "қазақстан"
    assert kazakh_stem("сауда") == "сауда"  # not "сау" + locative "-да"
    assert kazakh_stem("астанада") == "астана"
    assert kazakh_stem("мемлекеттер") == "мемлекет"


def test_language_detection_model_loads_only_when_needed() -> None:
    code = (
        f"import sys, greentag; greentag.tag('Rail freight grows'); greentag.tag({RU!r});"
        "greentag.tag('Көлік дәлізі кеңейеді'); greentag.tag('铁路货运增长');"
        "print('py3langid' in sys.modules, 'jieba' in sys.modules)"
    )
    out = printed_words(code)
    # The letters settle these four; the statistical detector is for short Cyrillic snippets only.
    assert out == ["False", "False"]


def test_read_languages_follows_read_dataset(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.jsonl").write_text(
        '{"text": "x", "labels": [], "lang": "ru"}\n\n{"text": "y", "labels": []}\n', encoding="utf-8"
    )
    (folder / "b.csv").write_text("text,labels\nz,energy\n", encoding="utf-8")
    texts, _ = greentag.read_dataset(folder, format="folder")
    assert len(read_languages(folder, format="folder")) == len(texts)
    assert read_languages(folder, format="folder") == ["ru", None, None]
    (tmp_path / "bad.jsonl").write_text('{"text": "x", "labels": [], "lang": 7}\n', encoding="utf-8")
    with pytest.raises(DataError, match="'lang'"):
        read_languages(tmp_path / "bad.jsonl")


def test_training_reads_each_document_in_its_given_language() -> None:
    texts = ["инвестициялар өсті банк", "инвестициялар банк қаржы", "теміржол жүк вагон", "теміржол жүк порт"]
    labels = [["money"], ["money"], ["rail"], ["rail"]]
    as_kazakh = greentag.train(texts, labels, langs=["kk"] * 4, min_df=1, cv=2)
    as_russian = greentag.train(texts, labels, langs=["ru"] * 4, min_df=1, cv=2)
    assert "инвестиция" in as_kazakh.features.vocabulary
    assert "инвестиция" not in as_russian.features.vocabulary
    with pytest.raises(DataError, match="'uz'"):
        greentag.train(texts, labels, langs=["uz", None, None, None], min_df=1, cv=2)
    with pytest.raises(DataError, match="3 entries for 4"):
        greentag.train(texts, labels, langs=["kk"] * 3, min_df=1, cv=2)


def test_cli_train_uses_the_lang_field_and_info_lists_languages(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    rows = [("инвестициялар өсті банк", "money"), ("банк қаржы инвестициялар", "money")]
    rows += [("теміржол жүк вагон", "rail"), ("теміржол жүк порт", "rail")]
    data.write_text(
        "".join(json.dumps({"text": t, "labels": [y], "lang": "kk"}, ensure_ascii=False) + "\n" for t, y in rows),
        encoding="utf-8",
    )
    model_path = tmp_path / "m.gtm"
    out = io.StringIO()
    code = cli_main(["train", str(data), "-o", str(model_path), "--min-df", "1", "--cv", "2"], stdout=out, stderr=out)
    assert code == 0, out.getvalue()
    assert "инвестиция" in greentag.Tagger.load(model_path).features.vocabulary
    info = io.StringIO()
    assert cli_main(["info", str(model_path)], stdout=info, stderr=info) == 0
    assert "languages  en, ru, zh, kk" in info.getvalue()
    tagged = io.StringIO()
    assert cli_main(["tag", "--lang", "kk", "--model", str(model_path), "теміржол жүк"], stdout=tagged) == 0
    assert tagged.getvalue().startswith("rail")
