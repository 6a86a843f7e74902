"""The ``kaname`` command."""

from __future__ import annotations

import importlib
import pkgutil

import typer

from kaname import commands
from kaname.clikit import KanameGroup, set_debug

app = typer.Typer(
    name="kaname",
    help="要 kaname — Japan–US alliance workbench: policy levers × uncertain futures.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=KanameGroup,  # usage errors: one line, exit code 2
)


@app.callback()
def _options(debug: bool = typer.Option(
        False, "--debug", help="On an internal error (exit code 3) show the traceback "
                               "(also KANAME_DEBUG=1).")) -> None:
    """要 kaname — Japan–US alliance workbench: policy levers × uncertain futures.

    Exit codes: 0 done, 1 some explore chunks failed, 2 bad input (one line naming the file
    or option and what is allowed), 3 internal error, 130 interrupted."""
    set_debug(debug)


# The order an analyst meets the commands in `kaname --help`; modules not listed follow.
ORDER = ("run", "explore", "runs", "analyze", "search", "report", "serve", "data", "c2",
         "homeland", "autonomy")


def _mount_command_groups() -> None:
    rank = {name: i for i, name in enumerate(ORDER)}
    found = pkgutil.iter_modules(commands.__path__)
    for info in sorted(found, key=lambda i: (rank.get(i.name, len(rank)), i.name)):
        module = importlib.import_module(f"kaname.commands.{info.name}")
        if hasattr(module, "register"):
            module.register(app)
        elif hasattr(module, "app"):
            app.add_typer(module.app, name=getattr(module, "name", info.name))


_mount_command_groups()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
