"""Every user-facing string outside model declarations, in English and Japanese.

One catalogue per language — :mod:`kaname.text.en` and :mod:`kaname.text.ja`, each a flat
mapping key -> string with the same keys — and the few helpers every front end (CLI tables,
HTML report, dashboard) uses to show text and numbers:

- :func:`t` — the text for a key in a language, formatted with ``str.format`` arguments;
- :func:`unit_label` — how a canonical unit is shown (keys ``unit.<unit>``);
- :func:`fmt_number` — a number as a reader expects it (money in billions or 億/兆, shares
  as percentages, counts with thousands separators).

Keys are ``area.name`` (``common.policy``, ``report.sec_headline``, ``analyze.rank``...).
Model inputs and outputs carry their own labels (``Spec.label_en``/``label_ja``) and model
label tables stay with the models. ``tests/test_text_catalogue.py`` fails when a key is in
one language only, when the two disagree on their ``{placeholders}``, when code asks for a
key that does not exist, or when a key is used nowhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from kaname.text import en, ja

__all__ = ["LANGS", "catalogue", "fmt_number", "has", "t", "unit_label"]

LANGS: tuple[str, ...] = ("en", "ja")
_CATALOGUES: dict[str, Mapping[str, str]] = {"en": en.TEXT, "ja": ja.TEXT}


def catalogue(lang: str) -> Mapping[str, str]:
    """The whole catalogue of `lang` (key -> text)."""
    return _CATALOGUES[lang]


def has(key: str) -> bool:
    """Whether the catalogue has `key` (for keys built from data, e.g. a run's status)."""
    return key in en.TEXT


def t(key: str, lang: str = "en", **fmt: object) -> str:
    """The text for `key` in `lang` (English for an unknown language), formatted with `fmt`
    when there is any. An unknown key is a programming error: KeyError."""
    text = _CATALOGUES.get(lang, en.TEXT)[key]
    return text.format(**fmt) if fmt else text


def unit_label(unit: str, lang: str = "en") -> str:
    """How a canonical unit is shown to a reader (unknown units are shown as written)."""
    key = f"unit.{unit}"
    return t(key, lang) if has(key) else unit


def fmt_number(x: float | None, unit: str = "", lang: str = "en") -> str:
    """A number as a reader expects it: money in billions (en) or 億/兆 (ja), counts with
    thousands separators, shares of futures (unit ``share``) as percentages, other values
    with three significant digits."""
    if x is None or not math.isfinite(float(x)):
        return "—"
    x = float(x)
    scale = abs(x)
    if unit == "share":
        return f"{x:.1%}"
    if unit == "calendar_year":
        return f"{x:.0f}"
    base = unit.split("/")[0]
    per = "/yr" if unit.endswith("/year") else ""
    per_ja = "/年" if unit.endswith("/year") else ""
    if base in ("USD", "JPY") and scale >= 1e8:
        if lang == "ja":
            cur = "ドル" if base == "USD" else "円"
            if scale >= 1e12:
                return f"{x / 1e12:,.2f}兆{cur}{per_ja}"
            return f"{x / 1e8:,.0f}億{cur}{per_ja}"
        sym = "$" if base == "USD" else "¥"
        if scale >= 1e12:
            return f"{sym}{x / 1e12:,.2f}T{per}"
        return f"{sym}{x / 1e9:,.1f}B{per}"
    if scale >= 100 or (x == int(x) and scale < 1e15):
        return f"{x:,.0f}"
    if scale >= 1:
        return f"{x:,.2f}"
    return f"{x:.3g}"
