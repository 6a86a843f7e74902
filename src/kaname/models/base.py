"""The model protocol and the model registry.

A model is a pure function over columns: every input is an array whose first axis is the
sample (future × policy) axis, every output likewise. Inputs are named by dotted paths into
the data library, or by another model's output path (the engine wires those). Models are
built by a factory ``factory(library, settings) -> Model`` registered under the entry-point
group ``kaname.models`` or with :func:`register`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from kaname.spec import Spec

if TYPE_CHECKING:
    from kaname.data import Library
    from kaname.errors import PluginError

ENTRY_POINT_GROUP = "kaname.models"
PLUGIN_ENV = "KANAME_PLUGINS"  # modules to import in every process (they register models)


@dataclass(frozen=True)
class Settings:
    """Run-wide settings that fix array shapes and the calendar (not sampled)."""

    base_year: int = 2026
    horizon_days: int = 120


@runtime_checkable
class Model(Protocol):
    """What the engine needs of a model. Subclass :class:`kaname.models.DeclaredModel` to get
    every attribute from class-level declarations; a hand-written model provides them all.

    ``links`` maps an input path to the upstream output path it is fed from;
    ``coord_labels`` maps dim -> lang -> coordinate label -> text shown to users;
    ``stochastic`` says the model draws from ``rng`` (the engine then never caches it and
    reproducibility across chunk sizes is not promised); ``validate`` makes cross-input
    checks and raises a one-line :class:`~kaname.errors.InputError`.
    """

    @property
    def name(self) -> str: ...

    @property
    def inputs(self) -> Mapping[str, Spec]: ...

    @property
    def outputs(self) -> Mapping[str, Spec]: ...

    @property
    def coords(self) -> Mapping[str, Sequence[Any]]: ...

    @property
    def coord_labels(self) -> Mapping[str, Mapping[str, Mapping[str, str]]]: ...

    @property
    def links(self) -> Mapping[str, str]: ...

    @property
    def stochastic(self) -> bool: ...

    def validate(self, x: Mapping[str, Any], *, file: str | None = None) -> None: ...

    def evaluate(
        self,
        x: Mapping[str, np.ndarray],
        *,
        rng: np.random.Generator | None = None,
        series: bool = False,
    ) -> dict[str, np.ndarray]: ...


PROTOCOL = ("name", "inputs", "outputs", "coords", "coord_labels", "links", "stochastic",
            "validate", "evaluate")

ModelFactory = Callable[["Library", Settings], Model]

_registered: dict[str, ModelFactory] = {}


def register(name: str, factory: ModelFactory) -> None:
    """Register a model factory in this process (entry points do it for installed ones)."""
    _registered[name] = factory


_plugins_loaded: set[str] = set()


def exception_line(exc: BaseException) -> str:
    """An exception in one line for a user: ``Type: first line of its message (at
    file.py:line)``, the location being the innermost frame of code outside the standard
    library and installed packages (the plugin's own line, not numpy's)."""
    import traceback

    text = str(exc).strip().splitlines()
    line = f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    stdlib = os.path.dirname(os.__file__)
    mine = [f for f in frames if not (f.filename.startswith(("<", stdlib))
                                      or "site-packages" in f.filename
                                      or "dist-packages" in f.filename)]
    where = (mine or frames)[-1] if frames else None
    return f"{line} (at {os.path.basename(where.filename)}:{where.lineno})" if where else line


def _plugin_file(name: str) -> str | None:
    try:
        from importlib.util import find_spec

        spec = find_spec(name)
    except Exception:  # noqa: BLE001 - only a hint for the error line
        return None
    return spec.origin if spec is not None and spec.origin not in (None, "built-in") else None


def plugin_error(what: str, exc: BaseException, *, key: str, module: str | None = None
                 ) -> PluginError:
    """The one-line error for plugin `what` (``plugin module 'x'``, ``entry point ...``)
    that could not be imported because of `exc`."""
    from kaname.errors import PluginError

    if isinstance(exc, ModuleNotFoundError) and module and exc.name and \
            (module == exc.name or module.startswith(exc.name + ".")):
        return PluginError(f"{what} not found (is its directory on PYTHONPATH?)", key=key)
    if isinstance(exc, SyntaxError):
        where = f" at line {exc.lineno}" if exc.lineno else ""
        return PluginError(f"{what} has a syntax error{where}: {exc.msg}",
                           file=exc.filename, key=key)
    if isinstance(exc, ModuleNotFoundError):
        return PluginError(f"{what} cannot be imported: it needs module {exc.name!r}, which "
                           f"is not installed", file=_plugin_file(module) if module else None,
                           key=key)
    return PluginError(f"{what} raised on import: {exception_line(exc)}",
                       file=_plugin_file(module) if module else None, key=key)


def load_plugins() -> None:
    """Import the modules named in ``$KANAME_PLUGINS`` (comma-separated), once per process,
    so models they :func:`register` exist in every command and every worker process.

    A module that is missing, has a syntax error or raises anything on import is a one-line
    :class:`~kaname.errors.PluginError` naming it (every command loads plugins here)."""
    for name in filter(None, (s.strip() for s in os.environ.get(PLUGIN_ENV, "").split(","))):
        if name not in _plugins_loaded:
            try:
                import_module(name)
            except (Exception, SystemExit) as exc:  # noqa: BLE001 - any failure, one line
                raise plugin_error(f"plugin module {name!r}", exc, key=PLUGIN_ENV,
                                   module=name) from None
            _plugins_loaded.add(name)


def unregister(name: str) -> None:
    """Remove an in-process registration (e.g. a test model); unknown names are ignored."""
    _registered.pop(name, None)


def factories() -> dict[str, ModelFactory]:
    """All model factories: built-ins, entry points of ``kaname.models``, in-process ones."""
    from kaname.models import BUILTIN

    load_plugins()
    found: dict[str, ModelFactory] = {}
    for name, target in BUILTIN.items():
        module, _, attr = target.partition(":")
        obj: object = import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
        found[name] = obj  # type: ignore[assignment]
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found[ep.name] = ep.load()
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - any failure, one line
            raise plugin_error(f"entry point {ep.name} = {ep.value} (group "
                               f"{ENTRY_POINT_GROUP})", exc, key=ENTRY_POINT_GROUP,
                               module=ep.module) from None
    found.update(_registered)
    return found


def check_defaults(library: Library, inputs: Mapping[str, Spec]) -> None:
    """Every numeric default (low, base and high) lies within its input's declared bounds;
    raise a one-line error naming the data file and key otherwise."""
    from kaname.errors import DataError

    for path, spec in inputs.items():
        if spec.kind in ("category", "bool") or path not in library:
            continue
        entry = library.get(path)
        if entry.table is not None or not isinstance(entry.base, (int, float)) \
                or isinstance(entry.base, bool):
            raise DataError(f"must be a number ({spec.allowed()})", file=entry.file, key=path)
        ranged = entry.low is not None or entry.high is not None
        for which, value in zip(("low", "base", "high"), entry.bounds(spec.unit), strict=True):
            which = which if ranged else "value"
            problem = spec.check(value)
            if problem:
                raise DataError(f"{which} {problem}", file=entry.file, key=path)


def build_models(library: Library, settings: Settings,
                 names: Sequence[str] | None = None) -> list[Model]:
    available = factories()
    chosen = list(available) if names is None else list(names)
    unknown = [n for n in chosen if n not in available]
    if unknown:
        from kaname.errors import InputError

        raise InputError(f"unknown model(s) {', '.join(unknown)}; available: "
                         f"{', '.join(sorted(available))}", key="models")
    return [_build(n, available[n], library, settings) for n in chosen]


def _build(name: str, factory: ModelFactory, library: Library, settings: Settings) -> Model:
    """Call a model's factory; anything but a kaname error (a data entry it refuses, say)
    becomes a one-line :class:`~kaname.errors.PluginError` naming the model."""
    from kaname.errors import KanameError, PluginError

    try:
        return factory(library, settings)
    except KanameError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure, one line
        raise PluginError(f"model {name}: its factory raised {exception_line(exc)}") from exc
