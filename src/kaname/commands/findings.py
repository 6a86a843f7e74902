"""``kaname findings FILE_OR_RUN``: the key findings first (issue #17, item 1).

For each policy against the baseline (the first policy) and each headline outcome: one
sentence with the paired difference and its 95 % interval, where at least half of the effect
holds, and the inputs that drive it (sourced or assumption), computed on the ensemble
(``kaname.analysis.findings``); differences within the noise are listed together.
"""

from __future__ import annotations

from pathlib import Path

import typer

from kaname.clikit import SET_OPTION, LangOpt, dumps_json, emit, format_option, guarded
from kaname.errors import InputError
from kaname.text import t


def register(app: typer.Typer) -> None:
    @app.command("findings")
    @guarded
    def findings_cmd(
        source: Path = typer.Argument(..., metavar="FILE_OR_RUN",
                                      help="Scenario YAML file, run directory or .nc file."),
        futures: int = typer.Option(None, "--futures", "-n",
                                    help="Futures to run a scenario file on."),
        sets: list[str] = SET_OPTION,
        fmt: str = format_option(("table", "json")),
        lang: LangOpt = "en",
    ) -> None:
        """Key findings first: each policy's paired difference from the baseline with its
        interval, where it holds and what drives it (sourced or assumption)."""
        from kaname.analysis.findings import (
            key_findings,
            noise_by_policy,
            order,
            sampled_inputs,
            sentence,
        )
        from kaname.commands.analyze import _input_labels, results_from
        from kaname.data import Library
        from kaname.text import LANGS

        ds = results_from(source, futures, sets).dataset
        policies = [str(p) for p in ds["policy"].values]
        if len(policies) < 2:
            raise InputError("needs at least two policies (the first is the baseline)",
                             file=str(source))
        paths = list(sampled_inputs(ds).columns)
        library = Library.load()
        labels = _input_labels(paths)
        labels = {p: labels.get(p, {lang: p for lang in LANGS}) for p in paths}
        sourced = {p: library.get(p).sourced for p in paths if p in library}
        found, noise = key_findings(ds, lang, labels=labels, sourced=sourced)
        found = order(found, policies)
        if fmt == "json":
            emit(dumps_json({"baseline": policies[0], "findings": [f.as_dict() for f in found],
                             "within_noise": [{"policy": p, "outcome": o} for p, o in noise]}))
            return
        lines = [t("findings.title", lang, baseline=policies[0], n=ds.sizes["future"])]
        lines += [f"- {sentence(f, policies[0], lang)}" for f in found]
        for p, outcomes in noise_by_policy(noise).items():
            lines.append(t("findings.noise", lang, policy=p, outcomes="; ".join(outcomes)))
        emit("\n".join(lines))
