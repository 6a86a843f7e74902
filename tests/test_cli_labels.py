"""Every CLI text and unit label exists in English and Japanese, and ja output is Japanese."""

import re

from kaname.i18n import TEXT, UNITS


def test_every_cli_text_has_en_and_ja():
    for key, entry in TEXT.items():
        assert entry.get("en", "").strip(), key
        assert entry.get("ja", "").strip(), key
        assert set(re.findall(r"{(\w+)}", entry["en"])) == set(re.findall(r"{(\w+)}", entry["ja"])), key


def test_every_unit_label_has_both_languages():
    for unit, entry in UNITS.items():
        assert "en" in entry and "ja" in entry, unit


def test_japanese_table_has_japanese_headers():
    from pathlib import Path

    from kaname.commands.run import render
    from kaname.run import run
    from kaname.scenario import engine_for, load_scenario

    sc = load_scenario(Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028.yaml")
    results = run(sc, engine_for(sc.settings, sc.models), futures=20)
    text = render(results, "table", "ja")
    assert "政策" in text and "中央値" in text and "継戦日数" in text
    assert "Policy" not in text
