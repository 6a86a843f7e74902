"""CLI labels and the shared --lang/--format options: Japanese tables are Japanese, every
command declares --lang and --format through kaname.clikit, bad values get one line.

(The catalogue's own checks — both languages, placeholders, used keys — are in
tests/test_text_catalogue.py.)"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path
from typing import Annotated, get_args, get_origin, get_type_hints

import pytest
import typer

# The narrow example (34 uncertainties): these tests exercise plumbing, not breadth.
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "taiwan-2028-teaching.yaml"


def test_japanese_table_has_japanese_headers():
    from kaname.commands.run import render
    from kaname.ensemble import run
    from kaname.scenario import engine_for, load_scenario

    sc = load_scenario(EXAMPLE)
    results = run(sc, engine_for(sc.settings, sc.models), futures=20)
    text = render(results, "table", "ja")
    assert "政策" in text and "中央値" in text and "継戦日数" in text
    assert "Policy" not in text


def _commands(app: typer.Typer, prefix: str = "") -> list[tuple[str, object]]:
    out = []
    for info in app.registered_commands:
        out.append((f"{prefix}{info.name or info.callback.__name__}", info.callback))
    for group in app.registered_groups:
        out += _commands(group.typer_instance, f"{prefix}{group.name} ")
    return out


def _option_infos(fn: object) -> dict[str, object]:
    """Parameter -> its typer OptionInfo (default style or Annotated)."""
    hints = get_type_hints(fn, include_extras=True)
    found = {}
    for name, param in inspect.signature(fn).parameters.items():
        candidates = [param.default]
        hint = hints.get(name)
        if get_origin(hint) is Annotated:
            candidates += list(get_args(hint)[1:])
        for info in candidates:
            if isinstance(info, typer.models.OptionInfo):
                found[name] = info
    return found


def test_every_lang_and_format_option_is_the_shared_one():
    from kaname.cli import app

    commands = _commands(app)
    assert len(commands) >= 20
    seen = {"--lang": 0, "--format": 0}
    for name, fn in commands:
        for info in _option_infos(fn).values():
            decls = {str(d) for d in (info.param_decls or ())} | {str(info.default)}
            for option in seen:
                if option in decls:
                    seen[option] += 1
                    assert getattr(info, "kaname_choices", None), \
                        f"kaname {name}: {option} is declared locally, not via kaname.clikit"
    assert seen["--lang"] >= 15 and seen["--format"] >= 18, seen


@pytest.mark.parametrize(("args", "needle"), [
    (["run", str(EXAMPLE), "--lang", "fr"], "--lang: 'fr' not allowed; allowed: en, ja"),
    (["validate", str(EXAMPLE), "--format", "xml"],
     "--format: 'xml' not allowed; allowed: table, json"),
    (["runs", "list", "--format", "csv"], "--format: 'csv' not allowed; allowed: table, json"),
    (["autonomy", "table", str(EXAMPLE), "--lang", "de"], "--lang: 'de' not allowed"),
])
def test_bad_lang_or_format_is_one_line(args, needle):
    proc = subprocess.run([sys.executable, "-m", "kaname.cli", *args], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == "" and proc.stderr.strip().count("\n") == 0
    assert needle in proc.stderr and proc.stderr.startswith("kaname: error: ")
