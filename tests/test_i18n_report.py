"""Every label the report and the dashboard show exists in English and Japanese."""

from __future__ import annotations

import re
import string

import pytest

from kaname.report.i18n import LANGS, TEXT, UNITS, fmt_number, tr

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
# Strings that are the same in both languages by nature (names, symbols).
SAME_IN_BOTH: set[str] = set()


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(TEXT))
def test_every_ui_string_has_both_languages(key):
    entry = TEXT[key]
    for lang in LANGS:
        assert entry.get(lang, "").strip(), f"{key!r} lacks its {lang} text"
    assert placeholders(entry["en"]) == placeholders(entry["ja"]), key
    if key not in SAME_IN_BOTH and key != "lang_name":
        assert CJK.search(entry["ja"]) or not re.search(r"[A-Za-z]{3}", entry["ja"]), \
            f"{key!r}: Japanese text looks untranslated: {entry['ja']!r}"


def test_lang_names_are_native():
    assert tr("lang_name", "en") == "English" and tr("lang_name", "ja") == "日本語"


def test_every_unit_has_both_languages():
    for unit, entry in UNITS.items():
        assert set(entry) == set(LANGS), unit


def test_command_ui_tables_are_bilingual():
    from kaname.commands import report, serve

    for table in (report.UI, serve.UI):
        for key, entry in table.items():
            assert entry.get("en") and entry.get("ja"), key
            assert CJK.search(entry["ja"]), key
            assert placeholders(entry["en"]) == placeholders(entry["ja"]), key


def test_every_spec_label_of_every_registered_model_is_bilingual():
    """Covers the report's and dashboard's outcome, lever and uncertainty labels."""
    from kaname.engine import Engine
    from kaname.models import BUILTIN

    engine = Engine.build()
    assert {m.name for m in engine.models} == set(BUILTIN)
    for kind, specs in (("input", engine.inputs), ("output", engine.outputs)):
        for path, spec in specs.items():
            assert spec.label_en.strip(), f"{kind} {path} lacks label_en"
            assert spec.label_ja.strip(), f"{kind} {path} lacks label_ja"
            assert CJK.search(spec.label_ja), f"{kind} {path}: label_ja {spec.label_ja!r}"
    for dim, by_lang in engine.coord_labels.items():
        assert set(LANGS) <= set(by_lang), dim
        for lang in LANGS:
            assert set(by_lang[lang]) == {str(x) for x in engine.coords[dim]}, (dim, lang)


def test_every_report_section_title_is_translated(tmp_path):
    """Section titles come from TEXT (sec_<id>); each section id has one."""
    from kaname.report import sections

    ids = ["scenario", "headline", "sustainment", "c2", "homeland", "posture", "deterrence",
           "autonomy", "sensitivity", "discovery", "assumptions", "bibliography"]
    assert {f"sec_{i}" for i in ids} <= set(TEXT)
    assert hasattr(sections, "section")


@pytest.mark.parametrize(("x", "unit", "lang", "want"), [
    (1.75e11, "USD", "en", "$175.0B"),
    (3.6e12, "USD", "en", "$3.60T"),
    (1.75e11, "USD", "ja", "1,750億ドル"),
    (2.5e12, "JPY/year", "ja", "2.50兆円/年"),
    (2.5e12, "JPY/year", "en", "¥2.50T/yr"),
    (2027.0, "calendar_year", "en", "2027"),
    (1234.5, "missile", "en", "1,234"),
    (0.1234, "", "en", "0.123"),
    (float("nan"), "", "en", "—"),
])
def test_number_formatting(x, unit, lang, want):
    assert fmt_number(x, unit, lang) == want
