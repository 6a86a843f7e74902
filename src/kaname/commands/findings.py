"""``kaname findings FILE_OR_RUN``: the key findings first (issue #17, item 1).

For each policy against the baseline (the first policy) and each headline outcome: one
sentence with the paired difference and its 95 % interval, where at least half of the effect
holds, and the inputs that drive it (sourced or assumption), computed on the ensemble
(``kaname.analysis.findings``); differences within the noise are listed together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from kaname.clikit import (
    BY_OPTION,
    SET_OPTION,
    LangOpt,
    dumps_json,
    emit,
    format_option,
    guarded,
)
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
        by: str = BY_OPTION,
        fmt: str = format_option(("table", "json")),
        lang: LangOpt = "en",
    ) -> None:
        """Key findings first: each policy's paired difference from the baseline with its
        interval, where it holds and what drives it (sourced or assumption); per group of
        futures with --by."""
        from kaname.analysis.findings import sampled_inputs
        from kaname.analysis.slicing import by as group_by
        from kaname.analysis.slicing import subset
        from kaname.commands.analyze import _input_labels, results_from
        from kaname.data import Library
        from kaname.text import LANGS

        ds = results_from(source, futures, sets).dataset
        if ds.sizes["policy"] < 2:
            raise InputError("needs at least two policies (the first is the baseline)",
                             file=str(source))
        paths = list(sampled_inputs(ds).columns)
        library = Library.load()
        labels = _input_labels(paths)
        labels = {p: labels.get(p, {lang: p for lang in LANGS}) for p in paths}
        sourced = {p: library.get(p).sourced for p in paths if p in library}
        if by is None:
            found = _findings(ds, lang, labels, sourced)
            emit(dumps_json(found.as_dict()) if fmt == "json" else "\n".join(found.lines(lang)))
            return
        groups = [(piece, _findings(subset(ds, piece), lang, labels, sourced))
                  for piece in group_by(ds, by)]
        if fmt == "json":
            emit(dumps_json({"by": by, "groups": [
                {"group": piece.label, **found.as_dict()} for piece, found in groups]}))
            return
        emit("\n\n".join("\n".join([t("run.by_group", lang, path=by, group=piece.label,
                                          n=piece.futures), *found.lines(lang)])
                         for piece, found in groups))


@dataclass
class Findings:
    """One ensemble's findings (the whole run, or one group of futures)."""

    baseline: str
    futures: int
    found: list[Any]
    noise: list[tuple[str, str]]

    def as_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "futures": self.futures,
                "findings": [f.as_dict() for f in self.found],
                "within_noise": [{"policy": p, "outcome": o} for p, o in self.noise]}

    def lines(self, lang: str) -> list[str]:
        from kaname.analysis.findings import noise_by_policy, sentence

        out = [t("findings.title", lang, baseline=self.baseline, n=self.futures)]
        out += [f"- {sentence(f, self.baseline, lang)}" for f in self.found]
        for p, outcomes in noise_by_policy(self.noise).items():
            out.append(t("findings.noise", lang, policy=p, outcomes="; ".join(outcomes)))
        return out


def _findings(ds: Any, lang: str, labels: dict, sourced: dict) -> Findings:
    from kaname.analysis.findings import key_findings, order

    policies = [str(p) for p in ds["policy"].values]
    found, noise = key_findings(ds, lang, labels=labels, sourced=sourced)
    return Findings(policies[0], int(ds.sizes["future"]), order(found, policies), noise)
