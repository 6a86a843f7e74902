"""The Japanese texts of the data library's assumptions and notes (kaname.data.translations)."""

from __future__ import annotations

import re

from kaname.data import Entry, Library, translations

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_fingerprint_ignores_line_breaks_and_spacing_but_not_words():
    folded = "Base is the authorised\n  topline;   low is the enacted"
    assert translations.fingerprint(folded) == \
        translations.fingerprint("Base is the authorised topline; low is the enacted")
    assert translations.fingerprint(folded) != \
        translations.fingerprint("Base is the requested topline; low is the enacted")


def test_every_bundled_assumption_and_note_has_a_current_japanese_text():
    library = Library.load()
    assert translations.problems(library) == []
    texts = [(e, f) for e in library for f in translations.FIELDS if getattr(e, f)]
    assert len(texts) > 600
    for entry, field in texts:
        ja = entry.text(field, "ja")
        assert JAPANESE.search(ja), (entry.path, field)
        assert entry.text(field, "en") == " ".join(str(getattr(entry, field)).split())


def test_a_translation_of_older_english_is_not_shown(monkeypatch):
    entry = Entry(path="toy.x", file="kaname/data/toy.yaml", unit="dimensionless", base=1.0,
                  assumption="The new English text.")
    old = translations.fingerprint("The old English text.")
    monkeypatch.setattr(translations, "load",
                        lambda model: {"toy.x": {"assumption": (old, "古い訳")}})
    entries = {"toy.x": entry}
    assert entries["toy.x"].text("assumption", "ja") == "The new English text."
    problems = translations.problems(Library(entries, {}))
    assert problems == ["kaname/data/ja/toy.yaml: toy.x.assumption: stale (the English text "
                        "changed)"]


def test_a_current_translation_is_shown_and_a_translation_of_nothing_is_reported(monkeypatch):
    entry = Entry(path="toy.x", file="kaname/data/toy.yaml", unit="dimensionless", base=1.0,
                  assumption="Judgement.")
    current = translations.fingerprint("Judgement.")
    monkeypatch.setattr(translations, "load", lambda model: {
        "toy.x": {"assumption": (current, "判断。"), "note": (current, "注記")}})
    entries = {"toy.x": entry}
    assert entries["toy.x"].text("assumption", "ja") == "判断。"
    assert entries["toy.x"].text("note", "ja") is None
    assert translations.problems(Library(entries, {})) == [
        "kaname/data/ja/toy.yaml: toy.x.note: translates no English text"]
