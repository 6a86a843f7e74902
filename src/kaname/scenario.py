"""Scenario files: Japan's policies (lever settings), the futures nobody in Tokyo controls
(uncertainties) and run settings — schema, safe loading and validation.

Every check fails with one line naming the file, the key path and what is allowed.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from kaname import yamlio
from kaname.copula import Dependence, build
from kaname.errors import DataError, InputError, KanameWarning, ScenarioError
from kaname.spec import Spec
from kaname.units import parse_quantity

if TYPE_CHECKING:
    from kaname.engine import Engine

DESIGNS = ("mc", "lhs", "sobol")
MAX_FUTURES = 10_000_000


def _not_a_boolean(value: Any) -> Any:
    """Refuse true/false where a number is expected (pydantic would read true as 1)."""
    if isinstance(value, bool):
        raise ValueError(f"got {str(value).lower()}, a yes/no value; a number is expected")
    return value


Int = Annotated[int, BeforeValidator(_not_a_boolean)]
Num = Annotated[float | str | None, BeforeValidator(_not_a_boolean)]


class SettingsModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_year: Int = Field(2026, ge=2000, le=2100)
    horizon_days: Int = Field(120, ge=1, le=3650)
    futures: Int = Field(1000, ge=1, le=MAX_FUTURES)
    seed: Int = Field(0, ge=0, le=2**63 - 1)
    design: Literal["mc", "lhs", "sobol"] = "lhs"


class UncertaintyModel(BaseModel):
    """One uncertainty: a distribution over an input path (numbers in the path's unit)."""

    model_config = ConfigDict(extra="forbid")
    dist: Literal["uniform", "triangular", "normal", "lognormal", "integers", "choice", "data"]
    low: Num = None
    high: Num = None
    mode: Num = None
    mean: Num = None
    sd: Num = None
    median: Num = None
    sigma: Annotated[float | None, BeforeValidator(_not_a_boolean)] = None
    values: list[Any] | None = None
    p: list[Annotated[float, BeforeValidator(_not_a_boolean)]] | None = None
    unit: str | None = None


class ScenarioModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str | dict[str, str] = ""
    settings: SettingsModel = SettingsModel()
    models: list[str] | None = None
    policies: dict[str, dict[str, Any]] = Field(min_length=1)
    uncertainties: dict[str, UncertaintyModel] = {}
    correlations: list[Any] | None = None   # [path, path, spearman_rho] (kaname.copula)
    drivers: dict[str, Any] | None = None   # name -> {label, loadings: {path: λ}}

    @field_validator("policies", mode="before")
    @classmethod
    def _empty_policy(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value


@dataclass
class Uncertainty:
    """A validated uncertainty: numbers converted to the input's canonical unit."""

    path: str
    dist: str
    params: dict[str, float] = field(default_factory=dict)
    values: list[float] = field(default_factory=list)  # choice: canonical numbers / codes
    labels: list[str] = field(default_factory=list)    # choice: as written
    p: list[float] = field(default_factory=list)


@dataclass
class Scenario:
    """A validated scenario, ready to sample and run."""

    name: str
    description: str | dict[str, str]
    settings: SettingsModel
    policies: dict[str, dict[str, Any]]          # lever path -> canonical value (category: str)
    uncertainties: dict[str, Uncertainty]
    models: list[str] | None
    source: str
    text: str
    engine: Engine | None = None  # the engine the scenario was validated against
    dependence: Dependence | None = None  # correlations and drivers (None: independent)
    sets: dict[str, Any] = field(default_factory=dict)  # --set values applied (text has them)

    def policy_inputs(self, name: str, engine: Engine) -> dict[str, float]:
        """The lever overrides of policy `name` as engine-ready floats (category codes)."""
        out = {}
        for path, value in self.policies[name].items():
            spec = engine.inputs[path]
            out[path] = float(spec.code(value)) if spec.kind == "category" else float(value)
        return out

    def levers(self) -> list[str]:
        """Every lever path any policy sets, in first-seen order."""
        seen: dict[str, None] = {}
        for values in self.policies.values():
            seen.update(dict.fromkeys(values))
        return list(seen)


def _pydantic_line(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    key = ".".join(str(p) for p in err["loc"])
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key"
    elif err["type"] == "literal_error":
        msg = f"not allowed; {err['msg'].replace('Input should be', 'expected')}"
    return key, msg


def _number(raw: Any, spec: Spec, unit: str | None, file: str, key: str) -> float:
    """A finite number in the spec's canonical unit from a number or 'N unit' string."""
    if isinstance(raw, bool):
        if spec.kind == "bool":
            return float(raw)
        raise ScenarioError(f"got {raw!r}; allowed: {spec.allowed()}", file=file, key=key)
    if isinstance(raw, str):
        with contextlib.suppress(ValueError):  # YAML 1.1 reads "100e9" (no dot) as text
            raw = float(raw)
    if isinstance(raw, str):
        try:
            value = parse_quantity(raw, spec.unit, file=file, key=key)
        except InputError as exc:
            raise ScenarioError(f"{exc.message}; allowed: {spec.allowed()}", file=file,
                                key=key) from None
    elif isinstance(raw, (int, float)):
        value = float(raw)
        if unit:
            value = parse_quantity(f"{value!r} {unit}", spec.unit, file=file, key=key)
    else:
        raise ScenarioError(f"got {type(raw).__name__}; allowed: {spec.allowed()}",
                            file=file, key=key)
    if not math.isfinite(value):
        raise ScenarioError(f"{raw!r} is not finite; allowed: {spec.allowed()}", file=file,
                            key=key)
    return value


def _check_in_spec(value: float, spec: Spec, file: str, key: str) -> None:
    problem = spec.check(value)
    if problem:
        raise ScenarioError(problem, file=file, key=key)


def _lever_value(raw: Any, spec: Spec, file: str, key: str) -> Any:
    if spec.kind == "category":
        if raw not in spec.categories:
            raise ScenarioError(f"got {raw!r}; allowed: {spec.allowed()}", file=file, key=key)
        return raw
    value = _number(raw, spec, None, file, key)
    _check_in_spec(value, spec, file, key)
    return value


def _uncertainty(path: str, raw: UncertaintyModel, spec: Spec, engine: Engine, file: str,
                 key: str) -> Uncertainty:
    dist = raw.dist
    if dist == "choice":
        if not raw.values:
            raise ScenarioError("choice needs a non-empty 'values' list", file=file, key=key)
        labels = [str(v) for v in raw.values]
        if spec.kind == "category":
            bad = [v for v in raw.values if v not in spec.categories]
            if bad:
                raise ScenarioError(f"value {bad[0]!r} not allowed; allowed: {spec.allowed()}",
                                    file=file, key=key + ".values")
            values = [float(spec.code(v)) for v in raw.values]
        else:
            values = [_number(v, spec, raw.unit, file, key + ".values") for v in raw.values]
            for v in values:
                _check_in_spec(v, spec, file, key + ".values")
        p = raw.p or [1.0 / len(values)] * len(values)
        if len(p) != len(values):
            raise ScenarioError(f"p has {len(p)} entries for {len(values)} values", file=file,
                                key=key + ".p")
        if any((not math.isfinite(x)) or x < 0 for x in p):
            raise ScenarioError("probabilities must be finite and >= 0", file=file,
                                key=key + ".p")
        if abs(sum(p) - 1.0) > 1e-6:
            raise ScenarioError(f"probabilities sum to {sum(p):.6g}, not 1", file=file,
                                key=key + ".p")
        return Uncertainty(path, dist, values=values, labels=labels, p=list(p))
    if spec.kind == "category":
        raise ScenarioError(f"a category input takes dist: choice; allowed values: "
                            f"{', '.join(spec.categories)}", file=file, key=key + ".dist")
    if dist == "data":
        if engine.library is None or path not in engine.library:
            raise ScenarioError("dist: data needs an entry in the data library, which this "
                                "input lacks", file=file, key=key)
        entry = engine.library.get(path)
        if entry.low is None or entry.high is None:
            raise ScenarioError("dist: data needs a low/base/high range in the data library, "
                                "which this entry lacks", file=file, key=key)
        low, mode, high = entry.bounds(spec.unit)
        dist, params = "triangular", {"low": low, "mode": mode, "high": high}
        if spec.kind == "integer":     # whole numbers: the triangular draw, rounded
            params["whole"] = 1.0
    else:
        needed = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"),
                  "integers": ("low", "high"), "normal": ("mean", "sd"),
                  "lognormal": ("median", "sigma")}[dist]
        optional = ("low", "high") if dist == "normal" else ()
        params = {}
        for name in needed + optional:
            value = getattr(raw, name)
            if value is None:
                if name in optional:
                    continue
                raise ScenarioError(f"{dist} needs '{name}'", file=file, key=key)
            params[name] = (float(value) if name == "sigma" else
                            _number(value, spec, raw.unit, file, f"{key}.{name}"))
        if not all(math.isfinite(v) for v in params.values()):
            raise ScenarioError("parameters must be finite", file=file, key=key)
    lo, hi = params.get("low"), params.get("high")
    if lo is not None and hi is not None and lo > hi:
        raise ScenarioError(f"low {lo:g} is above high {hi:g} (inverted bounds)", file=file,
                            key=key)
    if dist == "triangular" and not (params["low"] <= params["mode"] <= params["high"]):
        raise ScenarioError("needs low <= mode <= high", file=file, key=key)
    if (dist == "normal" and params["sd"] <= 0) or (dist == "lognormal" and (
            params["sigma"] <= 0 or params["median"] <= 0)):
        raise ScenarioError("spread must be > 0 (and median > 0 for lognormal)", file=file,
                            key=key)
    if dist == "integers" and (lo != int(lo) or hi != int(hi)):  # type: ignore[arg-type]
        raise ScenarioError("integers needs whole-number low and high", file=file, key=key)
    # The support must stay inside what the input allows.
    if dist == "normal" and (lo is None or hi is None) and (spec.low is not None
                                                             or spec.high is not None):
        raise ScenarioError(f"a normal here needs truncation bounds low/high within "
                            f"{spec.allowed()}", file=file, key=key)
    if dist == "lognormal" and spec.high is not None:
        raise ScenarioError(f"lognormal is unbounded above; allowed: {spec.allowed()}",
                            file=file, key=key)
    for name in ("low", "high", "mode"):
        if name in params:
            problem = spec.check(params[name]) if spec.kind != "integer" or dist == "integers" \
                else Spec("", "", low=spec.low, high=spec.high).check(params[name])
            if problem:
                raise ScenarioError(problem, file=file, key=f"{key}.{name}")
    return Uncertainty(path, dist, params=params)


def _warn_beyond_validated(u: Uncertainty, spec: Spec, file: str, key: str) -> None:
    """Warn (once) when an uncertainty can draw values beyond the range over which its
    model's method is validated: the run goes on, its numbers there are to be read with
    care."""
    if spec.validated is None or u.dist == "choice":
        return
    low, high = spec.validated
    # every distribution but these two carries its support as low/high
    drawn_low, drawn_high = (0.0, math.inf) if u.dist == "lognormal" else (
        u.params.get("low", -math.inf), u.params.get("high", math.inf))
    if drawn_low < low or drawn_high > high:
        unit = "" if spec.unit == "dimensionless" else f" {spec.unit}"
        warnings.warn(KanameWarning(
            f"{file}: {key}: samples {drawn_low:g}–{drawn_high:g}{unit}, beyond the "
            f"{low:g}–{high:g} over which the model's method is validated (its docs page); "
            f"read its results there with care"), stacklevel=2)


FAR_FACTOR = 10.0  # a scenario number this far outside the library's range is a likely unit slip


def _warn_far_from_library(values: list[float], path: str, spec: Spec, engine: Engine,
                           file: str, key: str, strict: bool) -> None:
    """Warn once (or, `strict`, refuse) when a number is more than :data:`FAR_FACTOR` times
    outside the data library's low–high range for `path`: a plain number is read in the
    input's canonical unit, so ``83.1`` for a cost in USD/year is $83.10, not $83.1B."""
    if engine.library is None or path not in engine.library or spec.kind == "category":
        return
    entry = engine.library.get(path)
    if entry.low is None or entry.high is None:
        return
    low, _, high = entry.bounds(spec.unit)
    unit = "" if spec.unit == "dimensionless" else f" {spec.unit}"
    for v in values:
        if (high > 0 and v > FAR_FACTOR * high) or (low > 0 and v < low / FAR_FACTOR):
            message = (f"{v:g}{unit} is more than {FAR_FACTOR:g}× outside the data library's "
                       f"range {low:g}–{high:g}{unit}; plain numbers are read in "
                       f"{spec.unit} (write the unit, e.g. '{entry.base:g} {entry.unit}')")
            if strict:
                raise ScenarioError(message + "; refused under --strict", file=file, key=key)
            warnings.warn(KanameWarning(f"{file}: {key}: {message}"), stacklevel=2)
            return


SUGGESTIONS = 3  # nearest paths named for a mistyped one, at most
TIE = 0.02       # a path this much less similar than the best is still named beside it


def nearest_paths(path: str, engine: Engine, *, levers: bool = False) -> list[str]:
    """The valid input paths nearest to a mistyped `path`, best first: by spelling
    (:func:`difflib.get_close_matches` over the engine's inputs a scenario may set — its
    levers only for a policy — keeping those about as close as the best), else the paths
    that end in the same last name (``…pac3_mse.japan_rate`` for ``japan_rate``)."""
    import difflib

    valid = [p for p, s in engine.inputs.items()
             if engine.computed_by(p) is None and (s.lever or not levers)]
    near = difflib.get_close_matches(path, valid, n=SUGGESTIONS, cutoff=0.6)
    if near:  # the best, and the others only when about as close (a real ambiguity)
        score = [difflib.SequenceMatcher(None, path, p).ratio() for p in near]
        near = [p for p, r in zip(near, score, strict=True) if r >= score[0] - TIE]
    else:
        last = "." + path.rsplit(".", 1)[-1]
        near = [p for p in valid if p.endswith(last)][:SUGGESTIONS]
    return near


def unknown_path(path: str, engine: Engine, *, levers: bool = False) -> str:
    """"unknown parameter path; did you mean A?" (or "A, B or C?"), naming the nearest valid
    paths, or pointing at ``kaname data list`` when nothing is near."""
    near = nearest_paths(path, engine, levers=levers)
    if not near:
        return "unknown parameter path; see `kaname data list` for paths"
    names = near[0] if len(near) == 1 else f"{', '.join(near[:-1])} or {near[-1]}"
    return f"unknown parameter path; did you mean {names}?"


def parse_scenario(data: Any, engine: Engine, *, file: str = "<scenario>",
                   text: str = "", strict: bool = False) -> Scenario:
    """Validate parsed YAML against the schema and the engine's inputs; `strict` refuses a
    number far outside the data library's range instead of warning."""
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a mapping with name, settings, policies, "
                            "uncertainties", file=file)
    try:
        model = ScenarioModel.model_validate(data)
    except ValidationError as exc:
        key, msg = _pydantic_line(exc)
        raise ScenarioError(msg, file=file, key=key) from None

    def spec_for(path: str, key: str, levers: bool = False) -> Spec:
        if path not in engine.inputs:
            raise ScenarioError(unknown_path(path, engine, levers=levers), file=file, key=key)
        producer = engine.computed_by(path)
        if producer is not None:
            raise ScenarioError(f"is computed by the {producer} model; set that model's inputs "
                                f"instead", file=file, key=key)
        return engine.inputs[path]

    policies: dict[str, dict[str, Any]] = {}
    for name, levers in model.policies.items():
        if not isinstance(levers, dict):
            raise ScenarioError("a policy must map lever paths to values", file=file,
                                key=f"policies.{name}")
        policies[name] = {}
        for path, raw in levers.items():
            key = f"policies.{name}.{path}"
            spec = spec_for(path, key, levers=True)
            if not spec.lever:
                levers_ = sorted(p for p, s in engine.inputs.items() if s.lever)
                raise ScenarioError(f"is not a policy lever (levers: {', '.join(levers_)})",
                                    file=file, key=key)
            policies[name][path] = _lever_value(raw, spec, file, key)
            if not isinstance(policies[name][path], str):
                _warn_far_from_library([policies[name][path]], path, spec, engine, file, key,
                                       strict)
        coded = {path: float(engine.inputs[path].code(v)) if isinstance(v, str) else float(v)
                 for path, v in policies[name].items()}
        try:  # the models' cross-input checks on the policy's fixed values
            engine.validate(coded, file=file)
        except InputError as exc:
            raise ScenarioError(exc.message, file=file,
                                key=f"policies.{name}.{exc.key}" if exc.key else
                                f"policies.{name}") from None
    uncertainties = {}
    for path, raw in model.uncertainties.items():
        key = f"uncertainties.{path}"
        uncertainties[path] = _uncertainty(path, raw, spec_for(path, key), engine, file, key)
        _warn_beyond_validated(uncertainties[path], spec_for(path, key), file, key)
        if raw.dist != "data":  # the library's own range cannot be far from itself
            u = uncertainties[path]
            drawn = [v for name, v in u.params.items() if name in ("low", "high", "mode",
                                                                   "mean", "median")]
            _warn_far_from_library(drawn + list(u.values or []), path, spec_for(path, key),
                                   engine, file, key, strict)
        if any(path in p for p in policies.values()):
            raise ScenarioError("is both a policy lever and an uncertainty", file=file, key=key)
    dependence = build(model.correlations, model.drivers, uncertainties, engine=engine,
                       policies=policies, file=file)
    return Scenario(name=model.name, description=model.description, settings=model.settings,
                    policies=policies, uncertainties=uncertainties, models=model.models,
                    source=file, text=text, engine=engine, dependence=dependence)


def engine_for(settings: SettingsModel, models: list[str] | None = None,
               scenario: Scenario | None = None) -> Engine:
    """An engine for these settings; reuses the one a scenario was validated against."""
    if scenario is not None and scenario.engine is not None:
        return scenario.engine
    from kaname.data import Library
    from kaname.engine import Engine
    from kaname.models.base import Settings

    return Engine.build(Library.load(), Settings(settings.base_year, settings.horizon_days),
                        models)


def parse_sets(items: Sequence[str] | None) -> dict[str, Any]:
    """``--set PATH=VALUE`` options as {path: value}: the value read as YAML, so ``2028`` is
    a number, ``542 billion USD`` a quantity and ``jfhq_in_japan`` a category."""
    out: dict[str, Any] = {}
    for item in items or ():
        path, sep, raw = item.partition("=")
        path, raw = path.strip(), raw.strip()
        if not sep or not path or not raw:
            raise InputError(f"got {item!r}; allowed: PATH=VALUE, e.g. "
                             f"sustainment.conflict_year=2028", key="--set")
        try:
            value = yaml.safe_load(raw)
        except yaml.YAMLError:
            value = raw
        out[path] = value if isinstance(value, (int, float, str)) else raw
    return out


def apply_sets(data: Any, sets: Mapping[str, Any], engine: Engine, file: str) -> Any:
    """The scenario with each set path fixed at its value in every future and every policy:
    removed from the uncertainties and the policies, then a one-value choice, so the value
    meets the same validation (units, bounds, categories) as any other."""
    if not sets:
        return data
    if not isinstance(data, dict):
        return data  # parse_scenario reports the shape
    for path in sets:
        if path not in engine.inputs:
            raise ScenarioError(unknown_path(path, engine), file=file, key=f"--set {path}")
    out = dict(data)
    policies = out.get("policies")
    if isinstance(policies, dict):
        out["policies"] = {name: ({k: v for k, v in levers.items() if k not in sets}
                                  if isinstance(levers, dict) else levers)
                           for name, levers in policies.items()}
    uncertainties = dict(out.get("uncertainties") or {})
    for path, value in sets.items():
        uncertainties[path] = {"dist": "choice", "values": [value]}
    out["uncertainties"] = uncertainties
    return out


def engine_for_data(data: Any, file: str) -> Engine:
    """The engine for a parsed scenario's own settings (base year, horizon) and `models:`
    list, every problem one line naming `file` and the key."""
    settings_raw = data.get("settings", {}) if isinstance(data, dict) else {}
    try:
        settings = SettingsModel.model_validate(settings_raw or {})
    except ValidationError as exc:
        key, msg = _pydantic_line(exc)
        raise ScenarioError(msg, file=file, key=f"settings.{key}") from None
    models = data.get("models") if isinstance(data, dict) else None
    if models is not None and not (isinstance(models, list)
                                   and all(isinstance(m, str) for m in models)):
        raise ScenarioError("must be a list of model names", file=file, key="models")
    try:
        return engine_for(settings, models)
    except DataError:
        raise  # a data file's own error already names that file
    except InputError as exc:
        raise ScenarioError(exc.message, file=file, key=exc.key) from None


def load_scenario(path: str | Path, engine: Engine | None = None, *,
                  strict: bool = False, sets: Mapping[str, Any] | None = None) -> Scenario:
    """Read, parse safely and validate a scenario file.

    The engine is built from the scenario's own settings (base year, horizon) and model
    list unless one is given; either way it is kept as ``scenario.engine``. `strict`
    refuses a number more than ten times outside the data library's range (else a warning);
    `sets` fixes paths at values in every future and policy (``--set``, :func:`apply_sets`).
    """
    file = str(path)
    data = yamlio.load(path)
    text = Path(path).read_text(encoding="utf-8")
    if engine is None:
        engine = engine_for_data(data, file)
    if not sets:
        return parse_scenario(data, engine, file=file, text=text, strict=strict)
    data = apply_sets(data, sets, engine, file)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)  # what was run
    try:
        scenario = parse_scenario(data, engine, file=file, text=text, strict=strict)
        scenario.sets = dict(sets)
        return scenario
    except ScenarioError as exc:  # a set value's problem is named by its option
        for path in sets:
            if exc.key is not None and exc.key.startswith(f"uncertainties.{path}"):
                raise ScenarioError(exc.message, key=f"--set {path}") from None
        raise
