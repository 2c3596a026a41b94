"""Chinese scripts in every pack: zh-Hant is standard Traditional (OpenCC's round trip through Simplified
changes nothing), zh-Hans is what OpenCC makes of the zh-Hant it is derived from, a text a pack writes out
in a derived language wins, and the bot's own words exist in zh-Hans too."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.domain.digest import pick_language
from bot.domain.i18n import STRINGS
from questions import PackError, load_pack
from questions.scripts import convert, nonstandard_traditional, standard_traditional

ROOT = Path(__file__).resolve().parents[2]
PACKS = sorted((ROOT / "questions").glob("*.yaml")) + sorted((ROOT / "tests" / "packs").glob("*.yaml"))
SAMPLE = ROOT / "tests" / "packs" / "sample.yaml"


def localized(node: object) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            found += localized(getattr(node, name))
    elif isinstance(node, list):
        for item in node:
            found += localized(item)
    elif isinstance(node, dict) and node and all(isinstance(v, str) for v in node.values()):
        found.append(node)
    return found


def test_there_are_packs_and_they_have_chinese():
    assert ROOT / "questions" / "altman-2025-12.yaml" in PACKS and SAMPLE in PACKS
    for path in PACKS:
        assert any("zh-Hant" in text for text in localized(load_pack(path))), path


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.name)
def test_every_zh_hant_text_comes_back_unchanged_from_simplified_and_back(path):
    changes = [(text["zh-Hant"][:30], spots) for text in localized(load_pack(path)) if "zh-Hant" in text
               and (spots := nonstandard_traditional(text["zh-Hant"]))]
    assert changes == []


def test_the_round_trip_finds_what_the_source_article_got_wrong():
    """The converter's mistakes the built-in pack fixed: simplified-only characters and wrong conversions."""
    raw = "怎么贏?發布后,在于處于愿景;關系、聯系、沖擊、復雜、反復、回復、輕松、工具采購、留余地、里"
    assert standard_traditional(raw) == ("怎麼贏?發佈後,在於處於願景;"
                                         "關係、聯繫、衝擊、複雜、反覆、回覆、輕鬆、工具採購、留餘地、裡")
    assert nonstandard_traditional("這是標準的繁體文字。") == []


@pytest.mark.parametrize("path", PACKS, ids=lambda p: p.name)
def test_zh_hans_is_what_opencc_makes_of_zh_hant(path):
    pack = load_pack(path)
    assert pack.pack.derived_languages["zh-Hans"].convert_from == "zh-Hant"
    texts = [t for t in localized(pack) if "zh-Hant" in t]
    assert texts and all(t["zh-Hans"] == convert(t["zh-Hant"], "tw2s") for t in texts)
    # and it is Simplified: nothing left for OpenCC to simplify
    assert all(convert(t["zh-Hans"], "tw2s") == t["zh-Hans"] for t in texts)


def test_the_built_in_pack_reads_in_the_outlets_own_script():
    pack = load_pack(ROOT / "questions" / "altman-2025-12.yaml")
    assert "zh-Hans" in pack.pack.languages
    assert pack.section("conclusion").title["zh-Hans"] == "这期访谈最重要的信号是什么?"
    assert "意味着“慌了”" in pack.section("s1").text["zh-Hans"]  # tw2s: t2s would leave 著


def test_a_text_written_out_in_a_derived_language_wins(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8").replace(
        'title: {en: "A Short Sample", zh-Hant: "簡短範例"}',
        'title: {en: "A Short Sample", zh-Hant: "簡短範例", zh-Hans: "一个简短的样例"}', 1)
    copy = tmp_path / "sample.yaml"
    copy.write_text(text, encoding="utf-8")
    pack = load_pack(copy)
    assert pack.pack.title["zh-Hans"] == "一个简短的样例"
    assert pack.section("intro").title["zh-Hans"] == "引言"  # the rest is still derived


@pytest.mark.parametrize("declaration, message", [
    ("    zh-Hans: {convert_from: zh-Hant, opencc: tw2s}\n    zh-HK: {convert_from: zh-Hant, opencc: t2hk}\n",
     "derived language 'zh-HK' is not in languages"),
    ("    zh-Hans: {convert_from: ja, opencc: tw2s}\n", "which is not one of the pack's own"),
    ("    zh-Hans: {convert_from: zh-Hant, opencc: s2twp}\n", "opencc"),
])
def test_a_derivation_the_pack_cannot_make_is_refused(tmp_path, declaration, message):
    text = SAMPLE.read_text(encoding="utf-8").replace("    zh-Hans: {convert_from: zh-Hant, opencc: tw2s}\n",
                                                      declaration, 1)
    copy = tmp_path / "sample.yaml"
    copy.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_pack(copy)
    assert message in str(caught.value) and "sample.yaml:" in str(caught.value)


def test_the_bots_own_words_exist_in_zh_hans_as_opencc_makes_them():
    assert STRINGS["zh-Hans"].keys() == STRINGS["zh-Hant"].keys()
    for key, text in STRINGS["zh-Hant"].items():
        assert STRINGS["zh-Hans"][key] == convert(text, "tw2s"), key
    assert STRINGS["zh-Hans"]["read_full"] == "阅读全文"


@pytest.mark.parametrize("typed, expected", [
    ("zh-Hans", "zh-Hans"), ("zh-CN", "zh-Hans"), ("cn", "zh-Hans"), ("简体", "zh-Hans"), ("zh_cn", "zh-Hans"),
    ("zh-Hant", "zh-Hant"), ("zh-TW", "zh-Hant"), ("tw", "zh-Hant"), ("繁體", "zh-Hant"), ("zh-HK", "zh-Hant"),
    ("en", "en"), ("EN-us", "en"), ("zh", "zh-Hant"), ("fr", None),
])
def test_digest_lang_names(typed, expected):
    assert pick_language(typed, ["zh-Hant", "zh-Hans", "en"]) == expected


def test_an_alias_for_a_script_the_pack_lacks_is_not_another_script():
    assert pick_language("简体", ["zh-Hant", "en"]) is None
    assert pick_language("zh-CN", ["zh-Hant", "en"]) is None
