"""Japanese texts of the data library's assumptions and notes, one file per model.

The English texts stay beside their numbers in ``kaname/data/<model>.yaml``; their Japanese
lives in ``kaname/data/ja/<model>.yaml`` so that a translator works on one file and the
numbers' file stays readable::

    model: posture
    texts:
      budget_fy2026_usd:              # the entry's path without the model's name
        assumption:
          of: 3f2a9c1b                # the first 8 hex digits of sha256 of the English text
          ja: >-
            基準値は授権額 ...

``of`` ties a translation to the English it was made from: when the English changes, the
check reports the translation as stale rather than showing an out-of-date text, and the
reader gets the English until it is redone.

``python -m kaname.data.translations MODEL`` prints the file with every missing or stale
text marked ``TODO`` and the English beside it, for a translator to fill in.
"""

from __future__ import annotations

import hashlib
import sys
from functools import cache
from importlib import resources
from typing import Any

from kaname import yamlio
from kaname.errors import DataError

FIELDS = ("assumption", "note")
TODO = "TODO"


def fingerprint(text: str) -> str:
    """The English text's fingerprint, blind to line breaks and repeated spaces."""
    return hashlib.sha256(" ".join(str(text).split()).encode("utf-8")).hexdigest()[:8]


@cache
def load(model: str) -> dict[str, dict[str, tuple[str, str]]]:
    """``{entry path: {field: (fingerprint, Japanese)}}`` of one bundled model; {} if none."""
    name = f"kaname/data/ja/{model}.yaml"
    item = resources.files("kaname.data").joinpath("ja", f"{model}.yaml")
    if not item.is_file():
        return {}
    doc = yamlio.loads(item.read_text(encoding="utf-8"), name=name)
    if not isinstance(doc, dict) or doc.get("model") != model or \
            not isinstance(doc.get("texts"), dict):
        raise DataError(f"needs 'model: {model}' and a 'texts' mapping", file=name)
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for rel, fields in doc["texts"].items():
        path = f"{model}.{rel}"
        if not isinstance(fields, dict) or not fields.keys() <= set(FIELDS):
            raise DataError(f"allowed fields: {', '.join(FIELDS)}", file=name, key=path)
        for fld, body in fields.items():
            if not isinstance(body, dict) or set(body) != {"of", "ja"}:
                raise DataError("needs exactly 'of' and 'ja'", file=name, key=f"{path}.{fld}")
            out.setdefault(path, {})[fld] = (str(body["of"]), str(body["ja"]).strip())
    return out


def japanese(path: str, name: str, english: str) -> str | None:
    """The Japanese `name` text ("assumption" or "note") of bundled entry `path`, if one
    exists and was made from `english` as it is now (None: show the English)."""
    have = load(path.split(".", 1)[0]).get(path, {}).get(name)
    if have is None or have[1] in ("", TODO) or have[0] != fingerprint(english):
        return None
    return have[1]


def problems(library: Any) -> list[str]:
    """Bundled English texts without a current Japanese one, and translations of nothing."""
    found: list[str] = []
    models = sorted({e.path.split(".", 1)[0] for e in library if e.file.startswith("kaname/")})
    for model in models:
        name = f"kaname/data/ja/{model}.yaml"
        texts = load(model)
        for e in library:
            if e.file != f"kaname/data/{model}.yaml":
                continue
            for fld in FIELDS:
                english = getattr(e, fld)
                if not english:
                    continue
                have = texts.get(e.path, {}).get(fld)
                if have is None or have[1] in ("", TODO):
                    found.append(f"{name}: {e.path}.{fld}: no Japanese text")
                elif have[0] != fingerprint(english):
                    found.append(f"{name}: {e.path}.{fld}: stale (the English text changed)")
        for path, fields in texts.items():
            entry = library.entries.get(path)
            for fld in fields:
                if entry is None or not getattr(entry, fld):
                    found.append(f"{name}: {path}.{fld}: translates no English text")
    return found


def _quote(text: str, indent: str) -> str:
    lines = " ".join(str(text).split())
    return f">-\n{indent}  " + lines


def skeleton(model: str) -> str:
    """The model's translation file, kept texts as they are and every other marked TODO."""
    from kaname.data import Library  # the library imports this module

    library = Library.load()
    texts = load(model)
    out = [f"# Japanese texts of kaname/data/{model}.yaml (see kaname/data/translations.py).",
           f"model: {model}", "texts:"]
    for e in library:
        if e.file != f"kaname/data/{model}.yaml":
            continue
        fields = [(f, getattr(e, f)) for f in FIELDS if getattr(e, f)]
        if not fields:
            continue
        out.append(f"  {e.path.split('.', 1)[1]}:")
        for fld, english in fields:
            of, ja = texts.get(e.path, {}).get(fld, ("", TODO))
            if of != fingerprint(english) or not ja:
                ja = TODO
            out.append(f"    {fld}:")
            out.append(f"      of: '{fingerprint(english)}'")
            if ja == TODO:
                out.append("      # en: " + " ".join(str(english).split()))
            out.append(f"      ja: {_quote(ja, '      ')}")
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover - a translator's tool
    sys.stdout.write(skeleton(sys.argv[1]))
