"""Hostile plugins and models: whatever a user's model does wrong — a module that is missing,
does not parse or raises on import, a factory or an evaluate that raises, outputs of the
wrong shape, dtype or name, NaN or inf — every command that meets it ends in one line naming
the plugin or model (and the output), exit code 2, and no traceback.

Each case writes its own plugin module (a unique name) and data YAML into the test's tmp
directory and loads it through ``$KANAME_PLUGINS`` exactly as a user's model is loaded
(``docs/writing-a-model.md``); the command runs in-process through :func:`cli`.

``explore`` records a model that fails while evaluating as a failed chunk (exit code 1, one
line per failed chunk and one summary line: the run stays resumable once the model is
fixed); everything that fails before the first chunk is exit code 2 there too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cli_support import cli

FUTURES = 40
SAMPLES = 2 * FUTURES  # two policies

MODULE = '''
import numpy as np

from kaname.models import DeclaredModel, Input, Output
from kaname.models.base import register
from kaname.spec import Spec

{top}


class Hostile(DeclaredModel):
    name = "hostile"
    a = Input(Spec("a", "エー", low=0, high=2))
    w = Input(Spec("weight", "重み", lever=True, low=0, high=10))
    y = Output(Spec("y", "ワイ", headline=True))
    gap = Output(Spec("gap", "欠測可", missing_ok=True))

    def validate(self, x, *, file=None):
{validate}

    def evaluate(self, x, *, rng=None, series=False):
        y = x["hostile.a"] * x["hostile.w"]
        out = {{"hostile.y": y, "hostile.gap": y.copy()}}
{body}
        return out


def factory(library, settings):
{factory}
    return Hostile()


register("hostile", factory)
'''

DATA = """model: hostile
label: {en: Hostile, ja: 敵対的}
parameters:
  a: {base: 1.0, low: 0.0, high: 2.0, unit: dimensionless, assumption: "test fixture"}
  w: {value: 1.0, unit: dimensionless, assumption: "test fixture"}
"""

SCENARIO = f"""name: hostile-run
settings: {{futures: {FUTURES}, seed: 5, design: lhs}}
models: [hostile]
policies:
  base: {{}}
  heavy: {{hostile.w: 3}}
uncertainties:
  hostile.a: {{dist: uniform, low: 0, high: 2}}
"""

# What breaks, where: `top` is module-level code, `body` runs in evaluate (after `out` is
# made), `factory` in the factory and `validate` in the validate hook.
CASES: dict[str, dict[str, str]] = {
    "import_raises": {"top": 'raise RuntimeError("plugin exploded on import")'},
    "syntax_error": {"top": "def broken(:\n    pass"},
    "missing_dependency": {"top": "import kaname_no_such_dependency"},
    "import_exits": {"top": 'raise SystemExit("plugin called sys.exit")'},
    "factory_raises": {"factory": '    raise RuntimeError("factory exploded")'},
    "validate_raises": {"validate": '        raise KeyError("validate exploded")'},
    "evaluate_raises": {"body": '        raise ZeroDivisionError("evaluate exploded")'},
    "wrong_shape": {"body": '        out["hostile.y"] = y[:-1]'},
    "wrong_dims": {"body": '        out["hostile.y"] = np.stack([y, y], axis=1)'},
    "wrong_dtype": {"body": '        out["hostile.y"] = y.astype(str)'},
    "object_dtype": {"body": '        out["hostile.y"] = y.astype(object)'},
    "missing_output": {"body": '        del out["hostile.y"]'},
    "extra_output": {"body": '        out["hostile.surprise"] = y'},
    "not_a_dict": {"body": '        return [y]'},
    "nan": {"body": '        out["hostile.y"] = y.copy()\n        out["hostile.y"][:3] = np.nan'},
    "inf": {"body": '        out["hostile.y"] = y.copy()\n        out["hostile.y"][-2:] = np.inf'},
    "nan_and_inf": {"body": '        out["hostile.y"] = y.copy()\n'
                            '        out["hostile.y"][:1] = np.nan\n'
                            '        out["hostile.y"][1:5] = -np.inf'},
    "nan_in_missing_ok_output": {"body": '        out["hostile.gap"][:3] = np.nan\n'
                                         '        out["hostile.gap"][3:5] = np.inf'},
    "fine": {},
}

# Case -> the words its one error line must hold (beyond naming the model or module).
LOAD_ERRORS = {
    "import_raises": ["RuntimeError: plugin exploded on import", ".py:"],
    "syntax_error": ["syntax error at line"],
    "missing_dependency": ["kaname_no_such_dependency", "not installed"],
    "import_exits": ["SystemExit: plugin called sys.exit"],
    "factory_raises": ["model hostile: its factory raised RuntimeError: factory exploded",
                       ".py:"],
    "missing_module": ["not found", "PYTHONPATH"],
}
EVALUATE_ERRORS = {
    "validate_raises": ["model hostile: validate raised KeyError", ".py:"],
    "evaluate_raises": ["model hostile: evaluate raised ZeroDivisionError: evaluate exploded",
                        ".py:"],
    "wrong_shape": [f"output hostile.y has shape ({SAMPLES - 1},), expected ({SAMPLES},)"],
    "wrong_dims": [f"output hostile.y has shape ({SAMPLES}, 2), expected ({SAMPLES},)"],
    "wrong_dtype": ["output hostile.y has dtype <U", "must be numbers"],
    "object_dtype": ["output hostile.y has dtype object"],
    "missing_output": ["did not return output hostile.y"],
    "extra_output": ["hostile.surprise, which is not a declared output"],
    "not_a_dict": ["evaluate returned list"],
    "nan": [f"output hostile.y has 3 NaN of {SAMPLES} samples", "missing_ok"],
    "inf": [f"output hostile.y has 2 inf of {SAMPLES} samples"],
    "nan_and_inf": [f"output hostile.y has 1 NaN and 4 inf of {SAMPLES} samples"],
}


class Setup:
    def __init__(self, root: Path, module: str):
        self.root, self.module = root, module
        self.scenario = root / "hostile.yaml"
        self.env = {"KANAME_PLUGINS": module, "KANAME_DATA": str(root / "hostile-data.yaml"),
                    "KANAME_CATALOG": str(root / "catalog.duckdb"), "COLUMNS": "200"}


def _indent_default(text: str | None, default: str) -> str:
    return text if text else default


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Make the plugin of a case: ``hostile(case)`` -> :class:`Setup`; every registration,
    imported module and cached engine is undone afterwards."""
    from kaname import executors
    from kaname.models import base

    monkeypatch.setattr(base, "_registered", dict(base._registered))
    monkeypatch.setattr(base, "_plugins_loaded", set())
    monkeypatch.setattr(executors, "_engines", {})
    monkeypatch.syspath_prepend(str(tmp_path))
    made: list[str] = []

    def make(case: str) -> Setup:
        module = f"kaname_hostile_{case}"
        made.append(module)
        setup = Setup(tmp_path, module)
        if case != "missing_module":
            parts = CASES[case]
            (tmp_path / f"{module}.py").write_text(MODULE.format(
                top=parts.get("top", ""),
                validate=_indent_default(parts.get("validate"), "        pass"),
                body=_indent_default(parts.get("body"), "        pass"),
                factory=_indent_default(parts.get("factory"), "    pass")), encoding="utf-8")
        (tmp_path / "hostile-data.yaml").write_text(DATA, encoding="utf-8")
        setup.scenario.write_text(SCENARIO, encoding="utf-8")
        for key, value in setup.env.items():
            monkeypatch.setenv(key, value)
        return setup

    yield make
    for module in made:
        sys.modules.pop(module, None)


def assert_one_error_line(res, code: int, *needles: str) -> str:
    """Exit `code`, at most three lines on stderr, exactly one ``kaname: error:`` line (or,
    for a failed explore chunk, one ``chunk N failed`` line) holding every needle, and no
    traceback."""
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == code, (res.exit_code, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout, res.stderr
    assert 1 <= len(lines) <= 3, res.stderr
    marker = "kaname: error: " if code == 2 else "chunk 0 failed: "
    hits = [line for line in lines if line.startswith(marker)]
    assert len(hits) == 1, res.stderr
    for needle in needles:
        assert needle in hits[0], hits[0]
    return hits[0]


def _run(setup: Setup):
    return cli("run", str(setup.scenario), env=setup.env)


def _validate(setup: Setup):
    return cli("validate", str(setup.scenario), env=setup.env)


def _explore(setup: Setup):
    return cli("explore", str(setup.scenario), "--run-dir", str(setup.root / "run"),
               "--no-progress", env=setup.env)


def _data_check(setup: Setup):
    return cli("data", "doc", "hostile", env=setup.env)


def _data_list(setup: Setup):
    return cli("data", "list", "hostile", env=setup.env)


def _name(case: str) -> str:
    return f"kaname_hostile_{case}" if case in LOAD_ERRORS and case != "factory_raises" \
        else "hostile"


# ---------------------------------------------------------------- load-time failures

@pytest.mark.parametrize("command", [_run, _validate, _explore, _data_check],
                         ids=["run", "validate", "explore", "data-doc"])
@pytest.mark.parametrize("case", list(LOAD_ERRORS))
def test_a_plugin_that_cannot_load_is_one_line_exit_2(hostile, case, command) -> None:
    setup = hostile(case)
    line = assert_one_error_line(command(setup), 2, _name(case), *LOAD_ERRORS[case])
    if case != "factory_raises":
        assert "KANAME_PLUGINS" in line, line
    assert "hostile.yaml" not in line, line  # the scenario is not to blame
    if command is _explore:
        assert not (setup.root / "run" / "manifest.json").exists()


@pytest.mark.parametrize("case", ["missing_module", "import_raises", "syntax_error"])
def test_data_list_refuses_a_plugin_that_cannot_load(hostile, case) -> None:
    setup = hostile(case)
    assert_one_error_line(_data_list(setup), 2, _name(case), *LOAD_ERRORS[case])


# ---------------------------------------------------------------- evaluate-time failures

@pytest.mark.parametrize("case", list(EVALUATE_ERRORS))
def test_a_model_that_breaks_its_protocol_is_one_line_in_run(hostile, case) -> None:
    setup = hostile(case)
    assert_one_error_line(_run(setup), 2, "model hostile", *EVALUATE_ERRORS[case])


@pytest.mark.parametrize("case", list(EVALUATE_ERRORS))
def test_a_model_that_breaks_its_protocol_is_a_failed_chunk_in_explore(hostile, case) -> None:
    setup = hostile(case)
    if case == "validate_raises":  # the hook also runs on the policies' fixed values
        assert_one_error_line(_explore(setup), 2, "model hostile", *EVALUATE_ERRORS[case])
        return
    assert_one_error_line(_explore(setup), 1, "model hostile", *EVALUATE_ERRORS[case])


def test_a_buggy_validate_hook_is_one_line_in_validate(hostile) -> None:
    setup = hostile("validate_raises")
    assert_one_error_line(_validate(setup), 2, *EVALUATE_ERRORS["validate_raises"])


# ---------------------------------------------------------------- what is accepted

@pytest.mark.parametrize("command", [_run, _explore], ids=["run", "explore"])
def test_nan_and_inf_in_a_missing_ok_output_are_accepted(hostile, command) -> None:
    res = command(hostile("nan_in_missing_ok_output"))
    assert res.exit_code == 0, res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("command", [_run, _validate, _explore, _data_list, _data_check],
                         ids=["run", "validate", "explore", "data-list", "data-doc"])
def test_the_same_plugin_done_right_works_everywhere(hostile, command) -> None:
    res = command(hostile("fine"))
    assert res.exit_code == 0, res.stderr


def test_python_callers_get_the_error_classes(hostile) -> None:
    """From Python the same failures are kaname errors (ModelError; its subclass
    PluginError for what fails to load), with the exception they came from chained."""
    import kaname
    from kaname.errors import ModelError, PluginError

    setup = hostile("evaluate_raises")
    scenario = kaname.load_scenario(setup.scenario)
    with pytest.raises(ModelError, match="model hostile: evaluate raised") as info:
        kaname.run(scenario)
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    from kaname.models import base

    broken = hostile("import_raises")
    with pytest.raises(PluginError, match="kaname_hostile_import_raises") as err:
        base.load_plugins()
    assert err.value.key == "KANAME_PLUGINS"
    assert broken.module in str(err.value)
