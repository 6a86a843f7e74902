"""Shared plumbing for command-line front ends: one-line errors, output formats, atomic files.

Every command body runs inside :func:`guard`: a :class:`KanameError` becomes one line on
stderr and exit code 2 (:data:`~kaname.errors.EXIT_INPUT`), never a traceback; any other
exception one line ``internal error (...)`` and exit code 3
(:data:`~kaname.errors.EXIT_INTERNAL`), its traceback only with ``--debug`` or
``KANAME_DEBUG=1``. Usage errors (an unknown option, a value that is not a number) are
one line and exit code 2 too (:class:`KanameGroup`). Every line passes through
:func:`sanitise`, so no input can forge a second line.

Output files (:func:`atomic_write`, :func:`check_output_path`) are written atomically (temp
file then rename) so a failed or interrupted command leaves no half-written file; a
character device or FIFO (``/dev/null``, ``/dev/stdout``) is written through, never
replaced; a directory, or anything else, is refused.

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
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

import numpy as np
import typer
from typer.core import TyperGroup

from kaname import files
from kaname.errors import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    InputError,
    KanameError,
    KanameWarning,
)
from kaname.text import LANGS

try:  # typer >= 0.26 carries its own copy of click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError
    from typer.exceptions import Abort, Exit
except ImportError:  # pragma: no cover - older typer on upstream click
    from click.exceptions import (  # type: ignore[no-redef,assignment]
        Abort,
        ClickException,
        Exit,
    )

    class NoArgsIsHelpError(Exception):  # type: ignore[no-redef]
        """Not raised by older click (it prints the help itself)."""

T = TypeVar("T")
Format = Literal["table", "csv", "json"]


# Characters never printed raw in a message line: they could end the line and forge a
# second ``kaname: error:`` one, move the cursor, or reorder the text (bidi overrides).
_LINE_BREAKS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}


def sanitise(text: object) -> str:
    """`text` as one printable line: newlines, CR, U+2028/U+2029, U+0085, every other C0/C1
    control, bidi controls and lone surrogates (undecodable file-name bytes) escaped as
    ``\\n``, ``\\x1b``, ``\\u2028``. Every message line kaname prints passes here."""
    import unicodedata

    out = []
    for ch in str(text):
        code = ord(ch)
        if ch in _LINE_BREAKS:
            out.append(_LINE_BREAKS[ch])
        elif code in _BIDI or unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs"):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def error_line(message: object) -> str:
    return f"kaname: error: {sanitise(message)}"


def fail(message: str, code: int = EXIT_INPUT) -> None:
    typer.echo(error_line(message), err=True)
    raise typer.Exit(code)


def debug_enabled() -> bool:
    """``kaname --debug ...`` (see :func:`set_debug`) or ``KANAME_DEBUG=1``."""
    return _DEBUG[0] or os.environ.get("KANAME_DEBUG", "").strip().lower() in (
        "1", "true", "yes", "on")


_DEBUG = [False]


def set_debug(on: bool) -> None:
    """Set by the ``--debug`` option of the ``kaname`` app (each invocation)."""
    _DEBUG[0] = bool(on)


def internal_error(exc: BaseException) -> None:
    """One line for an exception that is not kaname's reporting of bad input (exit 3);
    with --debug the traceback first."""
    if debug_enabled():
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    text = str(exc)
    if len(text) > 300:
        text = text[:300] + "…"
    what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    fail(f"internal error ({what}); run again with --debug for the traceback", EXIT_INTERNAL)


class KanameGroup(TyperGroup):
    """The ``kaname`` app's command class: a usage error anywhere below it (unknown option,
    missing argument, ``--futures 10^12``) is one line and exit code 2, like bad input,
    instead of click's boxed multi-line message."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _usage_errors():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        with _usage_errors():
            return super().invoke(ctx)


@contextmanager
def _usage_errors() -> Iterator[None]:
    try:
        yield
    except NoArgsIsHelpError:
        raise  # `kaname analyze` alone prints its help
    except ClickException as exc:
        fail(exc.format_message(), EXIT_INPUT if exc.exit_code in (1, 2) else exc.exit_code)


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
    the error becomes the command's option), any other exception into one line and exit
    code 3 (:func:`internal_error`). kaname's warnings are held until the command
    succeeds, then printed as one line each (once); a failing command prints only its
    error line."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        except (Exit, Abort, ClickException):
            raise  # typer's own exits and usage errors (see KanameGroup)
        except KanameError as exc:
            if exc.key:
                exc.key = option_for(exc.key) or exc.key
            fail(exc.line())
        except KeyboardInterrupt:
            fail("interrupted", EXIT_INTERRUPTED)
        except BrokenPipeError:
            # the reader went away (`kaname data list | head`): stop quietly, as Unix tools
            # do, and keep Python from complaining when it flushes stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise Exit(0) from None
        except Exception as exc:  # noqa: BLE001 - any other failure: one line, exit 3
            internal_error(exc)
    shown: set[str] = set()
    for w in caught:
        text = sanitise(w.message)
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


def check_seed(seed: int | None, key: str = "--seed") -> None:
    """The one seed check of every command: an integer in [0, 2**63-1]
    (:data:`kaname.limits.MAX_SEED`), or None for the scenario's own."""
    from kaname.limits import MAX_SEED

    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise InputError(f"{seed} not allowed; must be an integer in [0, 2**63-1]", key=key)


def check_at_least(value: int | float | None, minimum: int, key: str) -> None:
    """One-line error unless `value` (when given) is a finite number >= `minimum`."""
    if value is None:
        return
    if not math.isfinite(value) or value < minimum:
        raise InputError(f"{value} not allowed; must be at least {minimum}", key=key)


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
    """Write a file whole or not at all, after checking it (one-line errors): a regular
    file or new path by temp file and rename (a symbolic link to a regular file keeps the
    link and replaces its target); a character device or FIFO (``/dev/null``,
    ``/dev/stdout``) written through, never replaced."""
    kind, target = check_output_path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    if kind == "stream":
        _write_through(target, data, path)
        return Path(path)
    try:
        files.atomic_write(target, data)
    except OSError as exc:
        raise InputError(f"cannot be written ({exc.strerror or exc})", file=str(path),
                         key=_option_holding(path)) from None
    return Path(path)


@contextmanager
def output_path(path: str | Path) -> Iterator[Path]:
    """A path for a writer that needs one (DuckDB ``COPY``, ``to_netcdf``): a temp file
    renamed onto `path` when the block succeeds (removed when it fails), or copied through
    to a character device or FIFO."""
    kind, target = check_output_path(path)
    if kind == "stream":
        import tempfile

        with tempfile.TemporaryDirectory(prefix="kaname-out-") as tmp:
            part = Path(tmp) / Path(path).name
            yield part
            _write_through(target, part.read_bytes() if part.exists() else b"", path)
        return
    with files.atomic_path(target) as tmp:
        yield tmp


def _fd_named(text: str) -> int | None:
    """The file descriptor a path names (/dev/stdout: 1, /dev/fd/N, /proc/self/fd/N)."""
    import re

    named = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
    if text in named:
        return named[text]
    m = re.match(r"^/(?:dev/fd|proc/self/fd|proc/(\d+)/fd)/(\d+)$", text)
    if m and (m.group(1) is None or int(m.group(1)) == os.getpid()):
        return int(m.group(2))
    return None


def _resolve(path: Path) -> tuple[Path, int | None]:
    """(`path` with every symbolic link followed, or the file descriptor a link on the
    way names: /dev/stdout -> /proc/self/fd/1 is descriptor 1, whatever it is open on)."""
    current = os.path.abspath(path)
    for _ in range(40):
        fd = _fd_named(current)
        if fd is not None:
            return Path(current), fd
        if not os.path.islink(current):
            return Path(os.path.realpath(current)), None
        current = os.path.abspath(os.path.join(os.path.dirname(current),
                                               os.readlink(current)))
    raise InputError("too many levels of symbolic links", file=str(path),
                     key=_option_holding(path))


def check_output_path(path: str | Path | None, key: str | None = None
                      ) -> tuple[str, Path]:
    """Fail early (before any work) unless `path` is something an output may be written
    to, and say how: ("file", target) for a new path or a regular file (or a symbolic link
    to one: the target is replaced), ("stream", path) for a character device, a FIFO or an
    open file descriptor (/dev/null, /dev/stdout: written through, never replaced). A
    directory (or a link to one), a broken link, a socket or a block device is refused in
    one line naming the option (`key`, or the current command's option holding `path`)."""
    import stat

    if path is None:
        return "none", Path()
    key = key or _option_holding(path)

    def refuse(message: str) -> None:
        raise InputError(message, file=str(path), key=key)

    allowed = "allowed: a new or regular file, a character device or a FIFO"
    try:
        if str(path) == "" or str(path).endswith(os.sep):
            refuse("is a directory; give a file name")
        target, fd = _resolve(Path(path))
        if fd is not None:
            if stat.S_ISDIR(os.fstat(fd).st_mode):
                refuse("is a directory; give a file name")
            return "stream", target
        info = os.stat(target) if os.path.lexists(target) else None
    except InputError:
        raise
    except ValueError:  # an embedded NUL byte
        refuse("is not a usable file name (it contains a NUL byte)")
        raise AssertionError("unreachable") from None
    except OSError as exc:
        refuse(f"cannot be used as an output ({exc.strerror or exc})")
        raise AssertionError("unreachable") from None
    if info is None:
        if os.path.islink(path):
            refuse(f"is a broken symbolic link (to {target}); {allowed}")
        parent = target.parent
        if not parent.is_dir():
            refuse("output directory does not exist")
        if not os.access(parent, os.W_OK | os.X_OK):
            refuse("output directory is not writable")
        return "file", target
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        refuse("is a directory; give a file name")
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        if not os.access(target, os.W_OK):
            refuse("is not writable")
        return "stream", target
    if not stat.S_ISREG(mode):
        what = "a block device" if stat.S_ISBLK(mode) else \
            "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
        refuse(f"is {what}; {allowed}")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        refuse("output directory is not writable")
    return "file", target


def _write_through(target: Path, data: bytes, shown: str | Path) -> None:
    """Write `data` into an open file descriptor (/dev/stdout: descriptor 1, at its own
    offset) or an existing character device or FIFO (opened without O_CREAT: nothing is
    created or replaced)."""
    def oops(exc: OSError) -> None:
        raise InputError(f"cannot be written ({exc.strerror or exc})", file=str(shown),
                         key=_option_holding(shown)) from None

    fd = _fd_named(str(target))
    own = fd is None
    try:
        if own:
            fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
        else:
            for stream in (sys.stdout, sys.stderr):
                with suppress(OSError, ValueError):
                    stream.flush()
    except OSError as exc:
        oops(exc)
    assert fd is not None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        oops(exc)
    finally:
        if own:
            os.close(fd)


def _option_holding(path: str | Path) -> str | None:
    """The current command's option whose value is `path` (``--out``), for error lines."""
    try:
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover - older typer on upstream click
        from click import get_current_context  # type: ignore[no-redef]

    ctx = get_current_context(silent=True)
    if ctx is None:
        return None
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if value is not None and not isinstance(value, (list, tuple, bool)) \
                and str(value) == str(path):
            opts = [o for o in getattr(param, "opts", ()) if o.startswith("--")]
            if opts:
                return max(opts, key=len)
    return None


def emit(text: str, out: str | Path | None = None) -> None:
    """Print `text`, or write it atomically to `out`."""
    if out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        atomic_write(out, text if text.endswith("\n") else text + "\n")
