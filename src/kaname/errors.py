"""Errors for people: each names the file, the key and what is allowed, in one line."""

from __future__ import annotations

# Exit codes of the ``kaname`` command, declared once (README "Commands" documents them).
EXIT_OK = 0
EXIT_FAILED_CHUNKS = 1  # ``kaname explore``: some chunks failed (each reported)
EXIT_INPUT = 2  # bad input: an InputError, or a usage error (unknown option, not a number)
EXIT_INTERNAL = 3  # a bug or the machine failing: any other exception (--debug: traceback)
EXIT_INTERRUPTED = 130  # Ctrl-C


class KanameError(Exception):
    """Base of every error kaname reports to a user (CLI exit code 2, no traceback)."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None):
        self.message = message
        self.file = file
        self.key = key
        super().__init__(self.line())

    def line(self) -> str:
        where = ": ".join(part for part in (self.file, self.key) if part)
        return f"{where}: {self.message}" if where else self.message


class InputError(KanameError, ValueError):
    """Bad input: a scenario, data file, argument or command-line value that is not allowed.

    A ``ValueError``, as Python callers expect of a bad argument. Raised from Python, `key`
    names the Python parameter (``futures``); the command line maps it to its option
    (``--futures``) before printing."""


class DataError(InputError):
    """A data-library entry is missing, malformed, unsourced or has a bad unit."""


class ScenarioError(InputError):
    """A scenario file fails validation."""


class ModelError(KanameError):
    """A model broke its protocol (wrong output shape, NaN where not allowed, ...)."""


class PluginError(ModelError):
    """A model plugin cannot be loaded: its module (named in ``$KANAME_PLUGINS`` or by an
    entry point) is missing, has a syntax error or raises on import, or its factory raises.
    Not an :class:`InputError`, so no scenario file is blamed for it."""


class KanameWarning(UserWarning):
    """A result to read with care (an input sampled beyond the range over which a model is
    validated, say). The command line prints it as one line on stderr, once."""
