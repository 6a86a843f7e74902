"""Safe YAML reading for every file a user hands kaname.

Safe constructors only (no Python tags), no aliases or anchors at all (so no "billion
laughs"), a size cap checked before parsing, a nesting depth cap checked on the event stream
before anything is built (deep nesting would otherwise exhaust Python's recursion), integers
of at most ``MAX_DIGITS`` digits, and YAML 1.2 booleans: only ``true``/``false`` are
booleans, so ``futures: yes`` is the text "yes" (refused where a number is expected), not a
silent 1.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from kaname.errors import InputError

MAX_BYTES = 1_000_000
MAX_DEPTH = 40     # nested mappings/lists; kaname's own files nest at most 6 deep
MAX_DIGITS = 30    # digits of a YAML integer (a float64 holds about 17 significant digits)
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"


def _yaml12_booleans(loader: Any) -> None:
    """Resolve only true/false (any case) as booleans on `loader`, as YAML 1.2 does."""
    resolvers = {first: [(tag, rx) for tag, rx in entries if tag != BOOL_TAG]
                 for first, entries in loader.yaml_implicit_resolvers.items()}
    loader.yaml_implicit_resolvers = resolvers
    loader.add_implicit_resolver(BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                 list("tTfF"))


def _bounded_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    digits = sum(ch.isdigit() for ch in str(node.value))
    if digits > MAX_DIGITS:
        raise InputError(f"line {node.start_mark.line + 1}: an integer of {digits} digits; "
                         f"at most {MAX_DIGITS} allowed")
    return int(yaml.SafeLoader.construct_yaml_int(loader, node))


def _check_depth(events: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH (and aliases/anchors) from the event stream."""
    depth = 0
    for event in events:
        if isinstance(event, yaml.AliasEvent):
            raise InputError(
                f"line {event.start_mark.line + 1}: YAML aliases (*name) are not allowed")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise InputError(
                f"line {event.start_mark.line + 1}: YAML anchors (&{anchor}) are not allowed")
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(f"line {event.start_mark.line + 1}: nested more than "
                                 f"{MAX_DEPTH} levels deep; refused")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise InputError(
                f"line {event.start_mark.line + 1}: YAML aliases (*name) are not allowed"
            )
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise InputError(
                f"line {event.start_mark.line + 1}: YAML anchors (&{anchor}) are not allowed"
            )
        return super().compose_node(parent, index)


def _no_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise InputError(f"line {key_node.start_mark.line + 1}: key {key!r} appears twice")
        seen[key] = loader.construct_object(value_node, deep=True)
    return seen


_NoAliasLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates  # type: ignore[arg-type]
)
_NoAliasLoader.add_constructor(INT_TAG, _bounded_int)  # type: ignore[arg-type]
_yaml12_booleans(_NoAliasLoader)

if getattr(yaml, "__with_libyaml__", False):
    class _FastLoader(yaml.CSafeLoader):  # libyaml parses; aliases are refused beforehand
        pass

    _FastLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _no_duplicates  # type: ignore[arg-type]
    )
    _FastLoader.add_constructor(INT_TAG, _bounded_int)  # type: ignore[arg-type]
    _yaml12_booleans(_FastLoader)


def _parse(text: str) -> Any:
    """libyaml when present (the data library is large), the pure-Python loader otherwise;
    both refuse aliases, anchors, duplicate keys and deep nesting with the line."""
    if not getattr(yaml, "__with_libyaml__", False):
        _check_depth(yaml.parse(text, Loader=yaml.SafeLoader))
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - safe subclass
    try:
        _check_depth(yaml.parse(text, Loader=yaml.CSafeLoader))
        return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - safe subclass
    except yaml.YAMLError:
        # the pure-Python parser words syntax errors (and lines) best; newer libyaml also
        # stops at its own nesting limit, so the depth is checked again on this path
        _check_depth(yaml.parse(text, Loader=yaml.SafeLoader))
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - safe subclass


def loads(text: str, *, name: str = "<string>") -> Any:
    """Parse YAML text safely; errors name `name` and the line."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise InputError(f"file is larger than {MAX_BYTES // 1000} kB; refused", file=name)
    try:
        return _parse(text)
    except InputError as exc:
        raise InputError(exc.message, file=name) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line = f"line {mark.line + 1}: " if mark else ""
        raise InputError(f"{line}tag not allowed ({exc.problem})", file=name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InputError(f"{line}{problem}", file=name) from None


def load(path: str | Path) -> Any:
    """Read and parse a YAML file safely, refusing missing and oversized files."""
    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", file=str(path))
    if p.stat().st_size > MAX_BYTES:
        raise InputError(f"file is larger than {MAX_BYTES // 1000} kB; refused", file=str(path))
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("file is not UTF-8 text", file=str(path)) from None
    return loads(text, name=str(path))
