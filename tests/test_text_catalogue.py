"""The text catalogue (kaname.text): every key in both languages with the same placeholders,
every key the code asks for exists, every key is used, and numbers read as expected.

Keys are found in the source by parsing it: a string literal passed to ``t(...)``,
``ctx.t(...)`` or ``has(...)`` must be a key; a key is used when it appears as a string
literal anywhere in ``src/kaname`` or starts with the constant head of an f-string such as
``f"report.sec_{sid}"`` (heads ending in a bare ``.`` are too broad to count).
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from kaname.text import LANGS, catalogue, fmt_number, t, unit_label

SRC = Path(__file__).resolve().parents[1] / "src" / "kaname"
CATALOGUE_FILES = {SRC / "text" / f"{lang}.py" for lang in LANGS}
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")
EN, JA = catalogue("en"), catalogue("ja")
# The one text that is empty by nature: a dimensionless number has no unit label.
EMPTY = {"unit.dimensionless"}
# Japanese texts that are rightly the same as (or as Latin as) the English.
NOT_TRANSLATED = {"app.lang_name"}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys():
    assert set(EN) == set(JA), set(EN) ^ set(JA)
    for key in EN:
        assert re.fullmatch(r"[a-z0-9_]+\.[A-Za-z0-9_/]+", key), f"key {key!r} is not area.name"


@pytest.mark.parametrize("key", sorted(EN))
def test_every_text_is_bilingual_with_the_same_placeholders(key):
    en, ja = EN[key], JA[key]
    if key not in EMPTY:
        assert en.strip() and ja.strip(), f"{key!r} lacks a text"
    assert placeholders(en) == placeholders(ja), key
    if key not in NOT_TRANSLATED and key not in EMPTY:
        assert CJK.search(ja) or not re.search(r"[A-Za-z]{3}", ja), \
            f"{key!r}: Japanese text looks untranslated: {ja!r}"


def _source_strings() -> tuple[list[tuple[str, str]], set[str], list[tuple[str, str]]]:
    """(requested keys with their file, every string literal, f-string heads with file)."""
    requested: list[tuple[str, str]] = []
    literals: set[str] = set()
    heads: list[tuple[str, str]] = []
    for path in sorted(SRC.rglob("*.py")):
        if path in CATALOGUE_FILES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {"t", "has"}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "kaname.text":
                names |= {a.asname or a.name for a in node.names if a.name in ("t", "has")}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values and \
                    isinstance(node.values[0], ast.Constant):
                heads.append((str(node.values[0].value), path.name))
            if isinstance(node, ast.Call) and node.args:
                func, first = node.func, node.args[0]
                lookup = (isinstance(func, ast.Name) and func.id in names) or \
                    (isinstance(func, ast.Attribute) and func.attr == "t")  # ctx.t(...)
                if lookup and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    requested.append((first.value, path.name))
    return requested, literals, heads


REQUESTED, LITERALS, HEADS = _source_strings()


def test_every_requested_key_exists():
    missing = sorted({f"{file}: {key}" for key, file in REQUESTED if key not in EN})
    assert not missing, "keys asked for but not in the catalogue:\n" + "\n".join(missing)
    assert len(REQUESTED) > 150  # the parse found the lookups


def test_every_key_is_used():
    prefixes = {head for head, _ in HEADS
                if "." in head and not head.endswith(".") and head.split(".")[0] in
                {k.split(".")[0] for k in EN}}
    unused = sorted(k for k in EN if not k.startswith("unit.") and k not in LITERALS
                    and not any(k.startswith(p) for p in prefixes))
    assert not unused, "catalogue keys used nowhere:\n" + "\n".join(unused)
    for head in prefixes:  # a key built from data names keys that exist
        assert any(k.startswith(head) for k in EN), f"no key starts with {head!r}"


def test_every_unit_of_every_model_has_a_label():
    """Unit keys are looked up by a spec's unit (unit_label), so check them against the
    units the models declare, both ways."""
    from kaname.engine import Engine

    engine = Engine.build()
    declared = {s.unit for s in [*engine.inputs.values(), *engine.outputs.values()]}
    shown = {s.unit for s in engine.outputs.values() if s.headline}
    units = {k.removeprefix("unit.") for k in EN if k.startswith("unit.")}
    assert shown <= units, f"headline units without a label: {shown - units}"
    assert units - {"share"} <= declared | {"year"}, units - declared


def test_lang_names_are_native():
    assert t("app.lang_name", "en") == "English" and t("app.lang_name", "ja") == "日本語"


def test_lookup_formats_and_falls_back_to_english():
    assert t("run.results_written", "ja", path="x") == "結果をxに書き出しました"
    assert t("common.policy", "de") == "Policy"
    assert unit_label("day", "ja") == "日" and unit_label("furlong", "ja") == "furlong"
    with pytest.raises(KeyError):
        t("no.such_key")


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


def test_every_report_section_title_is_translated():
    ids = ["scenario", "headline", "sustainment", "c2", "homeland", "posture", "deterrence",
           "autonomy", "sensitivity", "discovery", "assumptions", "bibliography"]
    assert {f"report.sec_{i}" for i in ids} <= set(EN)


@pytest.mark.parametrize(("x", "unit", "lang", "want"), [
    (1.75e11, "USD", "en", "$175.0B"),
    (3.6e12, "USD", "en", "$3.60T"),
    (1.75e11, "USD", "ja", "1,750億ドル"),
    (2.5e12, "JPY/year", "ja", "2.50兆円/年"),
    (2.5e12, "JPY/year", "en", "¥2.50T/yr"),
    (2027.0, "calendar_year", "en", "2027"),
    (1234.5, "missile", "en", "1,234"),
    (0.1234, "", "en", "0.123"),
    (0.954, "share", "en", "95.4%"),
    (-0.006, "share", "ja", "-0.6%"),
    (float("nan"), "", "en", "—"),
    (None, "", "en", "—"),
])
def test_number_formatting(x, unit, lang, want):
    assert fmt_number(x, unit, lang) == want
