"""Shared plumbing for command-line front ends: one-line errors, output formats, atomic files.

Every command body runs inside :func:`guard`: a :class:`KanameError` becomes one line on
stderr and exit code 2, never a traceback. Output files are written atomically (temp file
then rename) so a failed or interrupted command leaves no half-written file.

``--lang`` and ``--format`` are declared here once: a command takes ``lang: LangOpt = "en"``
and ``fmt: str = format_option(("table", "json"))``, and :func:`guarded` checks their
values (one line naming the option and what is allowed) before the command body runs.
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

import numpy as np
import typer

from kaname import files
from kaname.errors import InputError, KanameError, KanameWarning
from kaname.text import LANGS

T = TypeVar("T")
Format = Literal["table", "csv", "json"]


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"kaname: error: {message}", err=True)
    raise typer.Exit(code)


# Python parameter -> the option's parameter name where the two differ (run(policies=...)
# is `--policy NAME ...` on the command line).
PYTHON_TO_OPTION = {"policies": "policy", "levers": "lever", "objectives": "objective",
                    "outcomes": "outcome", "thresholds": "threshold", "sets": "set"}


def option_for(key: str) -> str | None:
    """The current command's option (``--futures``) for an error's Python parameter
    (``futures``), so one error reads in the caller's own terms on either side."""
    try:  # typer >= 0.26 carries its own copy of click
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover - older typer on upstream click
        from click import get_current_context  # type: ignore[no-redef]

    ctx = get_current_context(silent=True)
    if ctx is None:
        return None
    wanted = PYTHON_TO_OPTION.get(key, key)
    for param in ctx.command.params:
        opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
        if param.name in (key, wanted) and opts:
            return max(opts, key=len)
    return None


@contextmanager
def guard() -> Iterator[None]:
    """Turn user-facing errors into one line and exit code 2 (a Python parameter named in
    the error becomes the command's option). kaname's warnings are held until the command
    succeeds, then printed as one line each (once); a failing command prints only its
    error line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except KanameError as exc:
            if exc.key:
                exc.key = option_for(exc.key) or exc.key
            fail(exc.line())
        except KeyboardInterrupt:
            fail("interrupted", 130)
    shown: set[str] = set()
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, KanameWarning):
            if text not in shown:
                shown.add(text)
                sys.stderr.write(f"kaname: warning: {text}\n")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def guarded(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator form of :func:`guard` that keeps typer's signature introspection, and
    checks every ``--lang``/``--format`` value (see :data:`LangOpt`, :func:`format_option`)
    before the command body runs."""
    import functools

    choices: list[dict[str, tuple[str, tuple[str, ...]]]] = []

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with guard():
            if not choices:
                choices.append(_declared_choices(fn))
            for param, (option, allowed) in choices[0].items():
                if kwargs.get(param) is not None:
                    check_choice(kwargs[param], allowed, option)
            return fn(*args, **kwargs)
        raise AssertionError("unreachable")

    return wrapper


# --------------------------------------------------------------------------- --lang, --format

_CHOICES = "kaname_choices"  # attribute of an option whose values guarded() checks


def _choice_option(info: Any, option: str, allowed: Sequence[str]) -> Any:
    setattr(info, _CHOICES, (option, tuple(allowed)))
    return info


LANG_HELP = "Language of labels and messages: en or ja."
LangOpt = Annotated[str, _choice_option(typer.Option("--lang", help=LANG_HELP), "--lang",
                                        LANGS)]
"""The ``--lang`` option: ``lang: LangOpt = "en"``."""


STRICT_OPTION: Any = typer.Option(
    False, "--strict", help="Refuse a scenario number more than ten times outside the data "
                            "library's range (a likely unit slip) instead of warning.")
"""The ``--strict`` option: ``strict: bool = STRICT_OPTION``."""

SET_OPTION: Any = typer.Option(
    None, "--set", metavar="PATH=VALUE",
    help="Fix an input at a value in every future and policy (repeatable; units allowed, "
         "e.g. --set sustainment.conflict_year=2028).")
"""The ``--set`` option: ``sets: list[str] = SET_OPTION``, read by
:func:`kaname.scenario.parse_sets`."""

BY_OPTION: Any = typer.Option(
    None, "--by", metavar="PATH",
    help="Group the results by an uncertainty: one group per value of a discrete one, "
         "quartile bins of a continuous one (e.g. --by sustainment.conflict_year).")
"""The ``--by`` option: ``by: str | None = BY_OPTION``, read by
:func:`kaname.analysis.slicing.by`."""


def format_option(allowed: Sequence[str], default: str | None = None, *,
                  required: bool = False) -> Any:
    """The ``--format`` option of a command offering `allowed` formats (default: the first,
    or none when `required`): ``fmt: str = format_option(("table", "json"))``."""
    allowed = tuple(allowed)
    value = ... if required else (default or allowed[0])
    listed = ", ".join(allowed[:-1]) + " or " + allowed[-1] if len(allowed) > 1 else allowed[0]
    return _choice_option(typer.Option(value, "--format", help=f"Output format: {listed}."),
                          "--format", allowed)


def _declared_choices(fn: Callable[..., Any]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Parameter name -> (option, allowed values) for the options declared above."""
    import inspect

    found = {}
    for name, param in inspect.signature(fn).parameters.items():
        hint = param.annotation
        if isinstance(hint, str):  # postponed annotations: resolve this one alone
            try:
                hint = eval(hint, getattr(fn, "__globals__", {}))  # noqa: S307 - own source
            except Exception:  # noqa: BLE001 - not one of ours; only its default is seen
                hint = None
        infos = [param.default, *(get_args(hint)[1:] if get_origin(hint) is Annotated else ())]
        for info in infos:
            choice = getattr(info, _CHOICES, None)
            if choice is not None:
                found[name] = choice
    return found


def check_choice(value: str, allowed: Sequence[str], key: str) -> None:
    """One-line error unless `value` is one of `allowed` (for options such as --format)."""
    if value not in allowed:
        raise InputError(f"{value!r} not allowed; allowed: {', '.join(allowed)}", key=key)


def jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays and non-finite floats into strict JSON values."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps_json(data: Any) -> str:
    return json.dumps(jsonable(data), ensure_ascii=False, indent=2)


def atomic_write(path: str | Path, text: str | bytes) -> Path:
    """Write a file whole or not at all, after checking its directory (one-line errors)."""
    check_output_path(path)
    return files.atomic_write(path, text)


def check_output_path(path: str | Path | None) -> None:
    """Fail early (before any work) when an output file cannot be written."""
    if path is None:
        return
    parent = Path(path).parent
    if not parent.is_dir():
        raise InputError("output directory does not exist", file=str(path))
    if not os.access(parent, os.W_OK):
        raise InputError("output directory is not writable", file=str(path))


def emit(text: str, out: str | Path | None = None) -> None:
    """Print `text`, or write it atomically to `out`."""
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        atomic_write(out, text if text.endswith("\n") else text + "\n")
