"""Bilingual labels for everything a user reads outside model declarations.

Model inputs and outputs carry their own ``label_en``/``label_ja`` (see :class:`Spec`);
this table holds the rest: table headers, report sections, dashboard controls.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

LANGS = ("en", "ja")

TEXT: dict[str, dict[str, str]] = {
    "policy": {"en": "Policy", "ja": "政策"},
    "outcome": {"en": "Outcome", "ja": "指標"},
    "median": {"en": "Median", "ja": "中央値"},
    "band": {"en": "10–90 %", "ja": "10–90 %区間"},
    "diff": {"en": "Δ vs {first} (median of paired differences)",
             "ja": "{first}との差(対応差の中央値)"},
    "unit": {"en": "Unit", "ja": "単位"},
    "futures": {"en": "futures", "ja": "将来シナリオ"},
    "seed": {"en": "seed", "ja": "シード"},
    "design": {"en": "design", "ja": "実験計画"},
    "value": {"en": "Value", "ja": "値"},
    "source": {"en": "Source", "ja": "出典"},
    "assumption": {"en": "Assumption", "ja": "仮定"},
    "path": {"en": "Parameter", "ja": "パラメータ"},
    "range": {"en": "Range (low–high)", "ja": "範囲(下限–上限)"},
    "results_written": {"en": "Results written to {path}", "ja": "結果を{path}に書き出しました"},
    "scenario_ok": {"en": "{file}: valid — {n_pol} policies, {n_unc} uncertainties",
                    "ja": "{file}: 有効 — 政策{n_pol}件、不確実要因{n_unc}件"},
    "data_ok": {"en": "data library: {n} entries, all sourced or labelled assumptions, units OK",
                "ja": "データライブラリ: {n}項目、全て出典または仮定付き、単位も正常"},
    "run_title": {"en": "{name}: {n} futures × {p} policies (seed {seed}, {design})",
                  "ja": "{name}: 将来{n}件 × 政策{p}件(シード{seed}、{design})"},
}


UNITS: dict[str, dict[str, str]] = {
    "dimensionless": {"en": "", "ja": ""},
    "share": {"en": "share of futures", "ja": "将来シナリオに占める割合"},
    "day": {"en": "days", "ja": "日"},
    "hour": {"en": "h", "ja": "時間"},
    "year": {"en": "years", "ja": "年"},
    "missile": {"en": "missiles", "ja": "発"},
    "shot": {"en": "shots", "ja": "発"},
    "missile/year": {"en": "missiles/yr", "ja": "発/年"},
    "shot/day": {"en": "shots/day", "ja": "発/日"},
    "JPY": {"en": "JPY", "ja": "円"},
    "USD": {"en": "USD", "ja": "ドル"},
    "JPY/year": {"en": "JPY/yr", "ja": "円/年"},
    "USD/year": {"en": "USD/yr", "ja": "ドル/年"},
    "calendar_year": {"en": "year", "ja": "年"},
    "request/day": {"en": "requests/day", "ja": "件/日"},
    "interceptor": {"en": "interceptors", "ja": "基"},
}


def unit_label(unit: str, lang: str = "en") -> str:
    """How a canonical unit is shown to a reader (unknown units are shown as written)."""
    entry = UNITS.get(unit)
    return unit if entry is None else entry.get(lang, entry["en"])


def lookup(table: Mapping[str, Mapping[str, str]], key: str, lang: str = "en",
           **kwargs: object) -> str:
    """`table[key]` in `lang` (English when that language is missing), formatted with
    `kwargs` when there are any. Every module's bilingual text table goes through here."""
    entry = table[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**kwargs) if kwargs else text


def t(key: str, lang: str = "en", **kwargs: object) -> str:
    """The text for `key` in `lang`, formatted with `kwargs`."""
    return lookup(TEXT, key, lang, **kwargs)


def fmt_number(x: float | None, unit: str = "", lang: str = "en") -> str:
    """A number as a reader expects it: money in billions (en) or 億/兆 (ja), counts with
    thousands separators, shares with three significant digits."""
    if x is None or not math.isfinite(float(x)):
        return "—"
    x = float(x)
    scale = abs(x)
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
