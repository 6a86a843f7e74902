"""Shared fixtures for the run-store and executor tests (no tests here).

A small closed-form model, ``toy``, written into the test's tmp dir as a plugin module, so
worker processes (forked, spawned, or separate ``dask worker`` processes) load it through
``$KANAME_PLUGINS`` exactly as a user's own model would. Its outputs are simple functions of
its inputs (``y = a·w + b + mode``), so results can be checked independently, and it can be
told to fail on one chunk (``TOY_FAIL_CHUNK``) or to be slow (``TOY_SLEEP`` seconds/call).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

TOY_MODULE = "kaname_toy_model"
TOY_SOURCE = '''
import os
import time

import numpy as np

from kaname.models import DeclaredModel, Input, Output
from kaname.models.base import register
from kaname.spec import Spec


class Toy(DeclaredModel):
    name = "toy"
    a = Input(Spec("a", "エー"))
    b = Input(Spec("b", "ビー"))
    w = Input(Spec("weight", "重み", lever=True, low=0, high=10))
    mode = Input(Spec("mode", "モード", kind="category", categories=("x", "y"), lever=True))
    y = Output(Spec("y", "ワイ", headline=True))
    z = Output(Spec("z", "ゼット", dims=("kind",)))
    n = Output(Spec("floor of y", "yの切り捨て", kind="integer"))
    path = Output(Spec("path", "経路", dims=("day",), series=True))

    def __init__(self, library, settings):
        self.days = settings.horizon_days
        self.coords = {"kind": ["k1", "k2"], "day": list(range(self.days))}

    def evaluate(self, x, *, rng=None, series=False):
        fail = os.environ.get("TOY_FAIL_CHUNK")
        if fail is not None and rng is not None \\
                and rng.bit_generator.seed_seq.spawn_key[-1] == int(fail):
            raise RuntimeError("toy model failed on purpose")
        time.sleep(float(os.environ.get("TOY_SLEEP", "0")))
        y = x["toy.a"] * x["toy.w"] + x["toy.b"] + x["toy.mode"]
        out = {"toy.y": y, "toy.z": np.stack([y, 2 * y], axis=1),
               "toy.n": np.floor(y).astype(np.int64)}
        if series:
            out["toy.path"] = y[:, None] * np.arange(self.days)[None, :]
        return out


register("toy", Toy)
'''
TOY_DATA = """model: toy
label: {en: Toy, ja: おもちゃ}
parameters:
  a: {base: 1.0, low: 0.0, high: 2.0, unit: dimensionless, assumption: "test fixture"}
  b: {base: 0.5, low: 0.0, high: 1.0, unit: dimensionless, assumption: "test fixture"}
  w: {value: 1.0, unit: dimensionless, assumption: "test fixture"}
  mode: {value: x, assumption: "test fixture"}
"""
SCENARIO = """name: toy-run
settings: {{base_year: 2026, horizon_days: 4, futures: {futures}, seed: 11, design: {design}}}
models: [toy]
policies:
  base: {{}}
  heavy: {{toy.w: {w}, toy.mode: y}}
uncertainties:
  toy.a: {{dist: uniform, low: 0, high: 2}}
  toy.b: {{dist: triangular, low: 0, mode: 0.2, high: 1}}
"""


class Toy:
    """Paths and environment of one test's toy setup."""

    def __init__(self, root: Path):
        self.root = root
        self.data = root / "toy.yaml"
        self.catalog = root / "catalog.duckdb"
        self.scenario = root / "toy-scenario.yaml"

    def write_scenario(self, futures: int = 60, design: str = "lhs", w: float = 3.0,
                       path: Path | None = None) -> Path:
        target = path or self.scenario
        target.write_text(SCENARIO.format(futures=futures, design=design, w=w),
                          encoding="utf-8")
        return target

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a subprocess (CLI or dask worker) that loads the toy plugin."""
        env = dict(os.environ)
        env.pop("TOY_FAIL_CHUNK", None)
        env.pop("TOY_SLEEP", None)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.root),
                                                           env.get("PYTHONPATH", "")]))
        env.update(KANAME_PLUGINS=TOY_MODULE, KANAME_DATA=str(self.data),
                   KANAME_CATALOG=str(self.catalog), COLUMNS="200")
        env.update(extra)
        return env


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Toy:
    """The toy model registered in this process (undone afterwards) and in subprocesses
    through the environment that :meth:`Toy.env` returns."""
    import importlib

    from kaname.models import base

    (tmp_path / f"{TOY_MODULE}.py").write_text(TOY_SOURCE, encoding="utf-8")
    setup = Toy(tmp_path)
    setup.data.write_text(TOY_DATA, encoding="utf-8")
    monkeypatch.setenv("KANAME_DATA", str(setup.data))
    monkeypatch.setenv("KANAME_CATALOG", str(setup.catalog))
    monkeypatch.delenv("KANAME_PLUGINS", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    saved = dict(base._registered)
    module = importlib.import_module(TOY_MODULE)
    module = importlib.reload(module)  # registers "toy" (again) in this process
    yield setup
    base._registered.clear()
    base._registered.update(saved)
    sys.modules.pop(TOY_MODULE, None)


def cli(args: list[str], env: dict[str, str], timeout: float = 120,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kaname.cli", *args], env=env, text=True,
                          capture_output=True, timeout=timeout, cwd=cwd)


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def explore_api(scenario: Path, run_dir: Path, executor: str = "serial", workers: int = 1,
                scheduler: str | None = None, **options):  # type: ignore[no-untyped-def]
    """Create and execute a run in-process through the public store and executor API."""
    from kaname import store
    from kaname.executors import make_executor

    scn, engine, key = store.load(scenario)
    prepared = store.create_run(scn, engine, key, run_dir, **options)
    with make_executor(executor, workers, scheduler, engine=engine, key=key) as pool:
        return store.execute(prepared, pool)


def reference(scenario: Path, **options):  # type: ignore[no-untyped-def]
    """The same scenario through the single-process pipeline (kaname.ensemble.run)."""
    from kaname.ensemble import run
    from kaname.store import load

    scn, engine, _ = load(scenario)
    return run(scn, engine, **options)
