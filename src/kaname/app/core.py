"""The dashboard's logic, free of any web framework so it can be tested and benchmarked.

- :func:`load_scenario_text` validates a scenario the way the CLI does (size cap, safe YAML,
  schema) and returns the CLI's one-line error on bad input.
- :class:`Workbench` holds one scenario, its engine and a fixed set of sampled futures;
  :meth:`Workbench.evaluate` evaluates through the engine with a per-model cache, so a lever
  change re-runs only the models it reaches.
- :func:`lever_groups` builds controls generically from the engine's lever Specs.
- :func:`export_yaml` writes the current settings back as a scenario file that validates.
- :func:`findings` gives the key findings (:mod:`kaname.analysis.findings`, as ``kaname
  findings`` and the report) of the current settings against the policy as written.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import yaml

from kaname import yamlio
from kaname.chunking import chunk_rng
from kaname.engine import ModelCache
from kaname.errors import KanameError
from kaname.presentation import HeadlineRow, headline_rows
from kaname.spec import Spec

DEFAULT_FUTURES = 10_000
FINDINGS_FUTURES = 2_000  # futures the findings' drivers (PAWN) and conditions (PRIM) use
CACHE_PER_MODEL = 8
MONEY_SCALE = 1e9  # money levers are shown in billions


class UploadError(Exception):
    """A scenario that cannot be loaded; `line` is the CLI's one-line message."""

    def __init__(self, line: str):
        super().__init__(line)
        self.line = line


def error_line(exc: BaseException) -> str:
    """The CLI's one line for `exc`: ``kaname: error: <file>: <key>: <message>`` for bad
    input (a :class:`KanameError`), ``kaname: error: internal error (<Type>: <text>)`` for
    any other exception; control and line-break characters escaped, never a traceback."""
    from kaname.clikit import error_line as cli_line

    if isinstance(exc, KanameError):
        return cli_line(exc.line())
    text = str(exc)
    if len(text) > 300:
        text = text[:300] + "…"
    return cli_line(f"internal error ({type(exc).__name__}: {text})" if text
                    else f"internal error ({type(exc).__name__})")


# Streamlit renders Markdown (and its own directives: $maths$, :colour[text]) in st.markdown,
# st.write, st.caption, titles, headers, alerts, spinners and widget labels; a scenario's name,
# description or policy name there could add an image fetched from anywhere or a link.
MARKDOWN_SPECIALS = frozenset("\\`*_[]()#+-.!|{}~$:=^\"'")
HTML_SPECIALS = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
WJ = "\u2060"  # word joiner: invisible, breaks GFM's autolinks


def plain(text: object) -> str:
    """`text` as inert text for any Streamlit call that renders Markdown: every Markdown
    special backslash-escaped, ``& < >`` as HTML entities (Markdown shows them as the
    characters, never as a tag), line breaks and other control characters as spaces (no
    new block can start, leading blanks dropped), and a bare web or mail address kept from
    becoming a link by an invisible word joiner (:data:`WJ`). The reader sees `text`."""
    import re

    # GFM turns a bare address (http://…, www.…, a@b.c) into a link even when escaped; an
    # invisible word joiner (U+2060) after "://"'s colon, after "www" and before "@" stops it
    raw = re.sub(r"(?i)(:)(?=//)|(www)(?=\.)", lambda m: (m.group(1) or m.group(2)) + WJ,
                 str(text)).replace("@", WJ + "@")
    out = []
    for ch in raw:
        if ch in HTML_SPECIALS:
            out.append(HTML_SPECIALS[ch])
        elif ch in MARKDOWN_SPECIALS:
            out.append("\\" + ch)
        elif ch in "\r\n\t\v\f\x85\u2028\u2029" or (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out).lstrip()


def safe_file_name(name: str, fallback: str = "scenario") -> str:
    """A download's file name from user text: letters, digits, ``. _ -`` only."""
    import re

    cleaned = re.sub(r"[^\w.-]+", "_", str(name), flags=re.ASCII).strip("._")[:80]
    return cleaned or fallback


def bundled_scenarios() -> dict[str, str]:
    """File name -> text of every example scenario shipped with kaname."""
    out = {}
    for item in sorted(resources.files("kaname.examples").iterdir(), key=lambda p: p.name):
        if item.name.endswith((".yaml", ".yml")):
            out[item.name] = item.read_text(encoding="utf-8")
    return out


def load_scenario_text(text: str | bytes, name: str) -> tuple[Any, Any]:
    """(Scenario, Engine) from scenario text, or UploadError with the CLI's one line.

    Validates as :func:`kaname.scenario.load_scenario` does (size cap, UTF-8, safe YAML with
    its depth and integer limits, settings, the model list, the schema). Any other exception
    on the way (a bug, a model refusing) is the CLI's ``internal error (...)`` line: an
    upload never shows a traceback."""
    from kaname.scenario import engine_for_data, parse_scenario

    try:
        if isinstance(text, bytes):
            if len(text) > yamlio.MAX_BYTES:
                raise KanameError(f"file is larger than {yamlio.MAX_BYTES // 1000} kB; "
                                  f"refused", file=name)
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError:
                raise KanameError("is not UTF-8 text", file=name) from None
        elif len(text.encode("utf-8", "surrogatepass")) > yamlio.MAX_BYTES:
            raise KanameError(f"file is larger than {yamlio.MAX_BYTES // 1000} kB; refused",
                              file=name)
        data = yamlio.loads(text, name=name)
        engine = engine_for_data(data, name)
        return parse_scenario(data, engine, file=name, text=text), engine
    except Exception as exc:  # noqa: BLE001 - bad input or not: one line, no traceback
        raise UploadError(error_line(exc)) from None


# --------------------------------------------------------------------------- levers

@dataclass(frozen=True)
class Lever:
    path: str
    spec: Spec
    scale: float = 1.0  # shown value = canonical / scale
    labels: Mapping[str, str] = field(default_factory=dict)  # lang -> the front ends' label

    def label(self, lang: str) -> str:
        """The label every front end gives the input (:func:`kaname.presentation.
        input_label`: "PAC-3 MSE: Japan co-production rate (full rate)"), unique among
        the levers because it names the munition or group where the spec's label does not."""
        return self.labels.get(lang) or self.spec.label(lang)


def settable(engine: Any, scenario: Any = None) -> list[str]:
    """Lever paths a user may move: not computed by a model, and not sampled as an
    uncertainty by the scenario (there the futures decide, not the policy)."""
    sampled = scenario.uncertainties if scenario is not None else {}
    return [p for p, s in engine.inputs.items()
            if s.lever and s.movable and engine.computed_by(p) is None and p not in sampled]


def lever_groups(engine: Any, scenario: Any = None) -> dict[str, list[Lever]]:
    """Every settable lever, grouped by the model that declares it, in the models' display
    order (a model added by a plugin gets its own group without editing this file)."""
    from kaname.ensemble import display_order
    from kaname.presentation import input_label
    from kaname.text import LANGS

    groups: dict[str, list[Lever]] = {}
    for path in display_order(settable(engine, scenario)):
        spec = engine.inputs[path]
        money = spec.unit.split("/")[0] in ("JPY", "USD") and (spec.high or 0) >= 1e9
        groups.setdefault(owner(engine, path), []).append(
            Lever(path, spec, MONEY_SCALE if money else 1.0,
                  {lang: input_label(engine, path, lang) for lang in LANGS}))
    return groups


def owner(engine: Any, path: str) -> str:
    """The model an input belongs to: the one its path is named after (``sustainment.…``),
    even when other models read it too (posture reads the co-production levers)."""
    readers = [m.name for m in engine.models if path in m.inputs]
    prefix = path.split(".", 1)[0]
    return prefix if prefix in readers else readers[0]


def group_title(engine: Any, group: str, lang: str) -> str:
    """The dashboard's title of a model's lever group (the model's ``lever_group``)."""
    model = next((m for m in engine.models if m.name == group), None)
    titles = getattr(model, "lever_group", None) or {}
    return str(titles.get(lang) or titles.get("en") or group)


def policy_levers(scenario: Any, engine: Any, policy: str) -> dict[str, float]:
    """Every lever's engine-ready value under `policy` (defaults where it is silent)."""
    values = {p: engine.default(p) for p in settable(engine, scenario)}
    values.update(scenario.policy_inputs(policy, engine))
    return values


# --------------------------------------------------------------------------- evaluation

@dataclass
class Workbench:
    """A scenario, its engine and fixed futures; evaluates lever settings incrementally."""

    scenario: Any
    engine: Any
    futures: int = DEFAULT_FUTURES
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    last_seconds: float = 0.0
    cache: ModelCache = field(default_factory=lambda: ModelCache(CACHE_PER_MODEL))

    def __post_init__(self) -> None:
        from kaname.sampling import sample_futures

        sc = self.scenario
        self.columns = sample_futures(sc.uncertainties, self.futures, sc.settings.seed,
                                      sc.settings.design, dependence=sc.dependence)

    def evaluate(self, levers: Mapping[str, float]) -> dict[str, np.ndarray]:
        """Every output on the fixed futures with `levers` (engine-ready floats) applied.

        Goes through :meth:`Engine.evaluate` with a per-model cache: a model re-runs only
        when its inputs (its own levers or an upstream result) changed, so a co-production
        rate change re-runs ``sustainment`` and ``deterrence`` but not ``c2`` or ``homeland``.
        """
        started = time.perf_counter()
        n = self.futures
        columns = dict(self.columns)
        columns.update({p: np.full(n, float(v)) for p, v in levers.items()})
        out = self.engine.evaluate(columns, n, rng=chunk_rng(self.scenario.settings.seed, 0),
                                   cache=self.cache)
        self.last_seconds = time.perf_counter() - started
        return out


def prewarm(workbench: Workbench, levers: Mapping[str, float]) -> None:
    """Evaluate every other value of each category lever (e.g. both c2 structures) once, so
    switching a category is a cache hit rather than a re-run of a slow model."""
    for path, spec in workbench.engine.inputs.items():
        if spec.lever and spec.kind == "category" and path in levers:
            for code in range(len(spec.categories)):
                if code != int(levers[path]):
                    workbench.evaluate({**levers, path: float(code)})
    workbench.evaluate(levers)


def headline(engine: Any, outputs: Mapping[str, np.ndarray], lang: str,
             baseline: Mapping[str, np.ndarray] | None = None) -> list[HeadlineRow]:
    """The headline rows (:func:`kaname.presentation.headline_rows`, the CLI's and the
    report's) of the current settings' `outputs`: median, 10–90 % band and the median
    paired difference from `baseline` (the policy as written, same futures); a yes/no
    outcome gives its share of futures and the difference in shares."""
    runs = {"current": outputs} if baseline is None else \
        {"baseline": baseline, "current": outputs}
    return [r for r in headline_rows(runs, lang, engine=engine) if r.policy == "current"]


def metric_text(row: HeadlineRow, lang: str) -> tuple[str, str | None, str]:
    """(value, delta, colour) of one headline metric (``st.metric``), from the shared
    headline row: a yes/no outcome (by its declared kind, never by its values: a cost that
    is ¥0 in every future is still yen, not a share of futures) as a share, anything else
    in its unit; the delta is the paired difference from the policy as written with its
    95 % interval, none when the difference is zero."""
    from kaname.text import unit_label

    color = {"higher": "normal", "lower": "inverse"}.get(row.better or "", "off")
    value, _, delta = row.texts(lang)
    unit = unit_label(row.unit, lang)
    if unit and not row.is_share and not row.unit.startswith(("USD", "JPY")):
        value = f"{value} {unit}"
    d = row.diff_median
    return value, None if d is None or abs(d) < 1e-12 else delta, color


# --------------------------------------------------------------------------- findings

@dataclass
class PanelFindings:
    """The dashboard's key findings: one sentence per headline outcome the current settings
    move beyond the noise, the outcomes within it, and how they were computed."""

    title: str
    sentences: list[str]
    noise: str | None        # the outcomes within the noise, in one line (None: none)
    note: str | None         # on how many futures the drivers were found (None: all)
    found: list[Any]         # the Finding objects behind the sentences
    seconds: float = 0.0


def findings(scenario: Any, engine: Any, columns: Mapping[str, np.ndarray],
             outputs: Mapping[str, np.ndarray], baseline: Mapping[str, np.ndarray],
             lang: str, policy: str, *, driver_futures: int = FINDINGS_FUTURES
             ) -> PanelFindings:
    """The key findings of the current settings' `outputs` against `baseline` (the policy
    `policy` as written), both on the futures `columns` (the workbench's).

    The same path as ``kaname findings`` and the report: the two are put in a run's
    Dataset (:func:`kaname.ensemble._dataset`, baseline first) and handed to
    :func:`kaname.analysis.findings.key_findings`. The differences, their intervals and
    how often at least half of each holds are over every future (they equal the headline
    metrics); the drivers (given-data PAWN over every sampled input) and where the effect
    holds (PRIM) are found on the first `driver_futures` futures, which keeps a lever
    change interactive at the dashboard's 10⁴ futures (PAWN's cost grows with futures ×
    inputs × findings)."""
    from kaname.analysis.findings import key_findings, order, sentence
    from kaname.ensemble import _dataset, display_order
    from kaname.presentation import input_label
    from kaname.text import t

    started = time.perf_counter()
    written = t("app.as_written", lang, policy=policy)
    current = t("app.current_settings", lang)
    names = [written, current]
    paths = [p for p in display_order(engine.outputs)
             if p in outputs and p in baseline and not engine.outputs[p].series]
    n = len(next(iter(outputs.values())))
    settings = scenario.settings

    def dataset(m: int, inputs: Mapping[str, np.ndarray]) -> Any:
        scalars = {p: np.stack([np.asarray(baseline[p])[:m], np.asarray(outputs[p])[:m]])
                   for p in paths}
        return _dataset(scenario, engine, names, m, {k: np.asarray(v)[:m]
                                                      for k, v in inputs.items()},
                        {}, scalars, {}, settings.seed, settings.design)

    # the differences over every future (no inputs: no drivers, fast)
    found, noise = key_findings(dataset(n, {}), lang)
    note = None
    if found and columns:
        m = min(n, int(driver_futures))
        sub = dataset(m, columns)
        sampled = list(columns)  # (key_findings drops the constant ones)
        labels = {p: {lang: input_label(engine, p, lang)} for p in sampled}
        library = getattr(engine, "library", None)
        sourced = ({p: library.get(p).sourced for p in sampled if p in library}
                   if library is not None else {})
        drivers, _ = key_findings(sub, lang, labels=labels, sourced=sourced)
        by_outcome = {f.outcome: f for f in drivers}
        for f in found:
            if f.outcome in by_outcome:
                f.drivers = by_outcome[f.outcome].drivers
                f.condition = by_outcome[f.outcome].condition
        if m < n:
            note = t("app.findings_drivers_on", lang, n=m, total=n)
    found = order(found, names)
    noise_line = None
    if noise and found:  # (with no finding, the one line below says it of every outcome)
        noise_line = t("findings.noise", lang, policy=current,
                       outcomes="; ".join(label for _, label in noise))
    return PanelFindings(
        title=t("findings.title", lang, baseline=written, n=n),
        sentences=[sentence(f, written, lang) for f in found] or
        [t("app.findings_none", lang, policy=policy)],
        noise=noise_line, note=note, found=found, seconds=time.perf_counter() - started)


# --------------------------------------------------------------------------- export

def export_yaml(scenario: Any, engine: Any, policy: str, levers: Mapping[str, float],
                name: str = "custom") -> str:
    """The scenario with one more policy, `name`, holding the current lever settings
    (only those that differ from the data-library defaults), as YAML text."""
    data = yamlio.loads(scenario.text, name=scenario.source) if scenario.text else {
        "name": scenario.name, "settings": scenario.settings.model_dump(),
        "policies": {p: dict(v) for p, v in scenario.policies.items()}}
    custom: dict[str, Any] = {}
    for path, value in levers.items():
        spec = engine.inputs[path]
        if float(value) == float(engine.default(path)):
            continue
        if spec.kind == "category":
            custom[path] = spec.categories[int(value)]
        elif spec.kind == "bool":
            custom[path] = bool(value)
        elif spec.kind == "integer" or float(value).is_integer():
            custom[path] = int(value)
        else:
            custom[path] = float(value)
    policies = dict(data.get("policies") or {})
    key = name
    while key in policies and key != name:
        key += "-2"
    policies[key] = custom
    data["policies"] = policies
    header = (f"# Exported from the kaname dashboard: policy {key!r} holds the lever settings "
              f"(started from {policy!r}).\n")
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
