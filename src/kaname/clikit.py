"""Shared plumbing for command-line front ends: one-line errors, output formats, atomic files.

Every command body runs inside :func:`guard`: a :class:`KanameError` becomes one line on
stderr and exit code 2, never a traceback. Output files are written atomically (temp file
then rename) so a failed or interrupted command leaves no half-written file.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import typer

from kaname import files
from kaname.errors import InputError, KanameError

T = TypeVar("T")
Format = Literal["table", "csv", "json"]


def fail(message: str, code: int = 2) -> None:
    typer.echo(f"kaname: error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def guard() -> Iterator[None]:
    """Turn user-facing errors into one line and exit code 2."""
    try:
        yield
    except KanameError as exc:
        fail(exc.line())
    except KeyboardInterrupt:
        fail("interrupted", 130)


def guarded(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorator form of :func:`guard` that keeps typer's signature introspection."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        with guard():
            return fn(*args, **kwargs)
        raise AssertionError("unreachable")

    return wrapper


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
