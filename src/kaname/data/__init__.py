"""The sourced parameter library: one YAML per model, every number beside its source.

File layout (``src/kaname/data/<model>.yaml``)::

    model: sustainment
    label: {en: Munitions sustainment, ja: 継戦能力}
    parameters:
      conflict_year: {base: 2028, low: 2027, high: 2032, unit: calendar_year,
                      assumption: "why this range"}
      pac3_mse:                       # a group; its label is shown to users
        label: {en: PAC-3 MSE, ja: PAC-3 MSE}
        us_rate_history:
          table: {2024: 500, 2025: 620}
          unit: missile/year
          sources:
            - {title: ..., publisher: Reuters, date: 2025-07, url: https://www.reuters.com/...,
               copy: https://mirror.example/..., confidence: high}

An entry has ``value`` or ``base`` (with optional ``low``/``high``) or ``table``; a ``unit``
parsed with pint; and ``sources`` or ``assumption``. Its path is the file's model name
followed by the keys, e.g. ``sustainment.pac3_mse.us_rate_history``.

A source names the publisher *of record*, the title and the date, and has exactly these keys:
``title``, ``publisher``, ``date``, ``confidence`` and at least one of ``url`` — the address of
record: the publisher's own page, or a primary document's official address — and ``copy`` — a
mirror, repost, archive or aggregator copy that was read. Where the address of record is not
known, ``url`` is left out; such a copy-only source is never rated ``high`` (refused at load).
Other keys are refused.

``publishers.yml`` (not a model file: only ``*.yaml`` files are loaded as models) maps every
publisher the library names to its ``kind`` (primary: government and official documents;
research: think tanks, institutes, journals; industry: company releases; news; other) and its
``domains`` of record. :func:`source_problems` (run by ``kaname data check``) lists each source
whose publisher is not in the table or whose ``url`` is not on one of its domains (subdomains
count); :func:`source_mix` counts the sources by kind, confidence and of record vs copy-only.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from kaname import yamlio
from kaname.errors import DataError, InputError
from kaname.units import conversion_factor, parse_unit

ENTRY_KEYS = {"value", "base", "low", "high", "table", "unit", "sources", "assumption", "note",
              "label"}
VALUE_KEYS = {"value", "base", "table"}
SOURCE_KEYS = {"title", "publisher", "date", "url", "copy", "confidence"}
SOURCE_REQUIRED = {"title", "publisher", "date", "confidence"}
CONFIDENCE = {"high", "medium-high", "medium", "low-medium", "low"}
PUBLISHER_KINDS = {"primary", "research", "industry", "news", "other"}
PUBLISHERS_FILE = "publishers.yml"  # not a model file: Library.load reads only *.yaml


@dataclass(frozen=True)
class Source:
    """One citation: the publisher of record, title and date; `url` is the address of
    record (the publisher's own page, or the primary document's official address), `copy`
    a mirror or repost that was read. At least one of them is set."""

    title: str
    publisher: str
    date: str
    url: str | None
    confidence: str
    copy: str | None = None

    @property
    def of_record(self) -> bool:
        return bool(self.url)

    @property
    def link(self) -> str:
        """The address to follow: of record when known, the copy otherwise."""
        return self.url or self.copy or ""

    def cite(self) -> str:
        head = f"{self.publisher}, “{self.title}” ({self.date})."
        return f"{head} {self.url}" if self.url else f"{head} (copy: {self.copy})"


@dataclass(frozen=True)
class Publisher:
    """A publisher of record: its kind and the domains its own addresses live on."""

    name: str
    kind: str
    domains: tuple[str, ...]

    def owns(self, url: str) -> bool:
        """Whether `url` is on one of the publisher's domains (subdomains allowed)."""
        from urllib.parse import urlsplit

        host = (urlsplit(url).hostname or "").lower().rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self.domains)


def load_publishers(text: str | None = None,
                    file: str = f"kaname/data/{PUBLISHERS_FILE}") -> dict[str, Publisher]:
    """The publishers table (``publishers.yml``): name → kind and domains of record."""
    if text is None:
        text = resources.files("kaname.data").joinpath(PUBLISHERS_FILE).read_text(
            encoding="utf-8")
    doc = yamlio.loads(text, name=file)
    if not isinstance(doc, dict) or not isinstance(doc.get("publishers"), dict):
        raise DataError("needs a top-level 'publishers' mapping", file=file)
    table: dict[str, Publisher] = {}
    for name, raw in doc["publishers"].items():
        key = f"publishers.{name}"
        if not isinstance(raw, dict) or raw.keys() - {"kind", "domains"} \
                or not raw.get("domains"):
            raise DataError("each publisher needs kind and domains (a list), nothing else",
                            file=file, key=key)
        if raw.get("kind") not in PUBLISHER_KINDS:
            raise DataError(f"kind {raw.get('kind')!r} not one of "
                            f"{', '.join(sorted(PUBLISHER_KINDS))}", file=file, key=key)
        domains = raw["domains"] if isinstance(raw["domains"], list) else [raw["domains"]]
        table[str(name)] = Publisher(str(name), str(raw["kind"]),
                                     tuple(str(d).lower().strip(".") for d in domains))
    return table


@dataclass(frozen=True)
class Entry:
    """One parameter: its value or range, its unit, and where it comes from."""

    path: str
    file: str
    unit: str
    base: Any = None
    low: float | None = None
    high: float | None = None
    table: dict[int, float] | None = None
    sources: tuple[Source, ...] = ()
    assumption: str | None = None
    note: str | None = None
    label: dict[str, str] = field(default_factory=dict)

    def text(self, name: str, lang: str = "en") -> str | None:
        """The entry's ``assumption`` or ``note`` in `lang`: the Japanese one when a current
        translation of a bundled entry exists (:func:`kaname.data.translations.japanese`,
        read on first use, not at every load), the English otherwise."""
        english = getattr(self, name)
        if not english:
            return None
        if lang == "ja" and self.file.startswith("kaname/data/"):
            from kaname.data import translations

            ja = translations.japanese(self.path, name, str(english))
            if ja:
                return ja
        return " ".join(str(english).split())

    def factor(self, unit: str | None) -> float:
        if unit is None or not isinstance(self.base, (int, float)) and self.table is None:
            return 1.0
        return conversion_factor(self.unit, unit, file=self.file, key=self.path)

    def value(self, unit: str | None = None) -> Any:
        """The base value, converted to `unit` when it is numeric."""
        if self.table is not None:
            raise DataError("is a table; use .series()", file=self.file, key=self.path)
        if isinstance(self.base, bool) or not isinstance(self.base, (int, float)):
            return self.base
        return self.base * self.factor(unit)

    def bounds(self, unit: str | None = None) -> tuple[float, float, float]:
        """(low, base, high) converted to `unit`; low/high default to base."""
        f = self.factor(unit)
        base = float(self.base) * f
        low = base if self.low is None else self.low * f
        high = base if self.high is None else self.high * f
        return low, base, high

    def series(self, unit: str | None = None) -> dict[int, float]:
        if self.table is None:
            raise DataError("is not a table", file=self.file, key=self.path)
        f = self.factor(unit)
        return {year: v * f for year, v in self.table.items()}

    @property
    def sourced(self) -> bool:
        return bool(self.sources)


def _parse_source(raw: Any, file: str, key: str) -> Source:
    if not isinstance(raw, dict):
        raise DataError("each source must be a mapping with title, publisher, date, url "
                        "(of record) and/or copy, confidence", file=file, key=key)
    unknown = raw.keys() - SOURCE_KEYS
    if unknown:
        raise DataError(f"source has unknown keys {', '.join(sorted(map(str, unknown)))}; "
                        f"allowed: {', '.join(sorted(SOURCE_KEYS))}", file=file, key=key)
    missing = SOURCE_REQUIRED - raw.keys()
    if missing:
        raise DataError(f"source lacks {', '.join(sorted(missing))}", file=file, key=key)
    conf = str(raw["confidence"]).lower()
    if conf not in CONFIDENCE:
        raise DataError(f"confidence {conf!r} not one of {', '.join(sorted(CONFIDENCE))}",
                        file=file, key=key)
    url = str(raw["url"]).strip() if raw.get("url") else None
    copy = str(raw["copy"]).strip() if raw.get("copy") else None
    if url is None and copy is None:
        raise DataError("source needs url (the address of record) or, if that is unknown, "
                        "copy (a mirror or repost)", file=file, key=key)
    if url is None and conf == "high":
        raise DataError(f"source “{raw['title']}” cites only a copy (no url of record), so "
                        "it cannot be rated high", file=file, key=key)
    return Source(str(raw["title"]), str(raw["publisher"]), str(raw["date"]), url, conf, copy)


LABEL_LANGS = ("en", "ja")


def _label(raw: Any, file: str, key: str) -> dict[str, str]:
    """A bilingual label ``{en: ..., ja: ...}``; refuses other keys and non-text values,
    which is how an unquoted comma in a YAML flow mapping shows itself."""
    if not isinstance(raw, dict) or not raw.keys() <= set(LABEL_LANGS) or \
            not all(isinstance(v, str) and v.strip() for v in raw.values()):
        raise DataError("a label maps en and/or ja to text (quote a label holding a comma)",
                        file=file, key=f"{key}.label")
    return dict(raw)


def _number(v: Any, file: str, key: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise DataError(f"{v!r} is not a finite number", file=file, key=key)
    return v


def _parse_entry(raw: dict[str, Any], path: str, file: str) -> Entry:
    unknown = raw.keys() - ENTRY_KEYS
    if unknown:
        raise DataError(f"unknown keys {', '.join(sorted(unknown))}; allowed: "
                        f"{', '.join(sorted(ENTRY_KEYS))}", file=file, key=path)
    if len(raw.keys() & VALUE_KEYS) != 1:
        raise DataError("needs exactly one of value, base or table", file=file, key=path)
    unit = str(raw.get("unit", "dimensionless"))
    table = None
    base = raw.get("value", raw.get("base"))
    low = high = None
    if "table" in raw:
        if not isinstance(raw["table"], dict) or not raw["table"]:
            raise DataError("table must map years to numbers", file=file, key=path)
        table = {int(y): _number(v, file, f"{path}.{y}") for y, v in raw["table"].items()}
    elif isinstance(base, (int, float)) and not isinstance(base, bool):
        _number(base, file, path)
        low = None if raw.get("low") is None else _number(raw["low"], file, path + ".low")
        high = None if raw.get("high") is None else _number(raw["high"], file, path + ".high")
        if (low is not None and low > base) or (high is not None and high < base):
            raise DataError(f"needs low <= base <= high (got {low}, {base}, {high})",
                            file=file, key=path)
    elif "low" in raw or "high" in raw:
        raise DataError("low/high need a numeric base", file=file, key=path)
    sources = tuple(_parse_source(s, file, path) for s in raw.get("sources") or ())
    label = _label(raw.get("label") or {}, file, path)
    return Entry(path=path, file=file, unit=unit, base=base, low=low, high=high, table=table,
                 sources=sources, assumption=raw.get("assumption"), note=raw.get("note"),
                 label=dict(label))


class Library:
    """All data-library entries, by dotted path; groups keep their bilingual labels."""

    def __init__(self, entries: dict[str, Entry], labels: dict[str, dict[str, str]]):
        self.entries = entries
        self.labels = labels

    @classmethod
    def load(cls, extra: Iterable[str | Path] = ()) -> Library:
        """Load the bundled YAML files, then any in `extra` (or ``$KANAME_DATA``), which
        may add entries or override bundled ones."""
        files: list[tuple[str, Any]] = []
        pkg = resources.files("kaname.data")
        for item in sorted(pkg.iterdir(), key=lambda p: p.name):
            if item.name.endswith(".yaml"):
                files.append((f"kaname/data/{item.name}",
                              yamlio.loads(item.read_text(encoding="utf-8"),
                                           name=f"kaname/data/{item.name}")))
        env = os.environ.get("KANAME_DATA")
        extra_paths = list(extra) + ([Path(p) for p in env.split(os.pathsep)] if env else [])
        for p in extra_paths:
            paths = sorted(Path(p).glob("*.yaml")) if Path(p).is_dir() else [Path(p)]
            files.extend((str(f), yamlio.load(f)) for f in paths)
        entries: dict[str, Entry] = {}
        labels: dict[str, dict[str, str]] = {}
        for name, doc in files:
            if not isinstance(doc, dict) or "model" not in doc or "parameters" not in doc:
                raise DataError("a data file needs top-level 'model' and 'parameters'", file=name)
            model = str(doc["model"])
            if doc.get("label"):  # an override file may leave the model's label alone
                labels[model] = _label(doc["label"], name, model)
            cls._walk(doc["parameters"], model, name, entries, labels)
        return cls(entries, labels)

    @staticmethod
    def _walk(node: Any, prefix: str, file: str, entries: dict[str, Entry],
              labels: dict[str, dict[str, str]]) -> None:
        if not isinstance(node, dict):
            raise DataError("expected a mapping of parameters", file=file, key=prefix)
        for key, value in node.items():
            path = f"{prefix}.{key}"
            if key == "label":
                labels[prefix] = _label(value, file, prefix)
            elif isinstance(value, dict) and value.keys() & VALUE_KEYS:
                entries[path] = _parse_entry(value, path, file)
            elif isinstance(value, dict):
                Library._walk(value, path, file, entries, labels)
            else:
                raise DataError("expected an entry (value/base/table with unit and sources) "
                                "or a group", file=file, key=path)

    def __contains__(self, path: str) -> bool:
        return path in self.entries

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def get(self, path: str) -> Entry:
        try:
            return self.entries[path]
        except KeyError:
            near = [p for p in self.entries if p.rsplit(".", 1)[-1] == path.rsplit(".", 1)[-1]]
            hint = f"; did you mean {near[0]}?" if near else ""
            raise DataError(f"no data-library entry{hint}", key=path) from None

    def value(self, path: str, unit: str | None = None) -> Any:
        return self.get(path).value(unit)

    def groups(self, prefix: str) -> list[str]:
        """Names of the sub-groups directly under `prefix` (e.g. munitions of sustainment)."""
        depth = prefix.count(".") + 1
        names = {p.split(".")[depth] for p in self.entries
                 if p.startswith(prefix + ".") and p.count(".") > depth}
        return sorted(names)

    def label(self, path: str, lang: str = "en") -> str:
        label = self.labels.get(path, {})
        return label.get(lang) or label.get("en") or path.rsplit(".", 1)[-1]

    def check(self, units: dict[str, str] | None = None) -> list[str]:
        """Problems: entries without source or assumption, units that do not parse or do
        not convert to the unit a model declares for the path (`units`)."""
        problems = []
        for e in self.entries.values():
            if not e.sources and not (e.assumption and str(e.assumption).strip()):
                problems.append(f"{e.file}: {e.path}: has neither sources nor assumption")
            try:
                parse_unit(e.unit, file=e.file, key=e.path)
                if units and e.path in units and isinstance(e.base, (int, float, type(None))):
                    conversion_factor(e.unit, units[e.path], file=e.file, key=e.path)
            except InputError as exc:
                problems.append(exc.line())
        return problems


def source_problems(library: Library, publishers: dict[str, Publisher] | None = None,
                    lang: str = "en") -> list[str]:
    """One line per source that is not cited of record: its publisher is not in the
    publishers table, its `url` is not on one of that publisher's domains of record, or it
    cites only a copy yet is rated high (the loader refuses that already in YAML files;
    checked again for libraries built in Python)."""
    from kaname.text import t

    table = load_publishers() if publishers is None else publishers
    problems = []
    for e in library:
        for s in e.sources:
            where = f"{e.file}: {e.path}: “{s.title}”"
            pub = table.get(s.publisher)
            if pub is None:
                problems.append(t("data.src_no_publisher", lang, where=where,
                                  publisher=s.publisher, file=PUBLISHERS_FILE))
            elif s.url and not pub.owns(s.url):
                problems.append(t("data.src_not_of_record", lang, where=where, url=s.url,
                                  publisher=s.publisher, domains=", ".join(pub.domains)))
            if not s.url and s.confidence == "high":
                problems.append(t("data.src_copy_high", lang, where=where))
    return problems


def source_mix(library: Library,
               publishers: dict[str, Publisher] | None = None) -> dict[str, Any]:
    """Counts of the library's sources: by publisher kind, by confidence, of record vs
    copy-only; and of entries sourced vs backed by an assumption only."""
    from collections import Counter

    table = load_publishers() if publishers is None else publishers
    sources = [s for e in library for s in e.sources]
    kinds = Counter(table[s.publisher].kind if s.publisher in table else "unknown"
                    for s in sources)
    conf = Counter(s.confidence for s in sources)
    order = ["high", "medium-high", "medium", "low-medium", "low"]
    return {
        "sources": len(sources),
        "kind": {k: kinds[k] for k in [*sorted(PUBLISHER_KINDS), "unknown"] if kinds[k]},
        "confidence": {c: conf[c] for c in order if conf[c]},
        "of_record": sum(1 for s in sources if s.url),
        "copy_only": sum(1 for s in sources if not s.url),
        "sourced": sum(1 for e in library if e.sources),
        "assumption_only": sum(1 for e in library if not e.sources),
    }
