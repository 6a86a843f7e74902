"""``kaname report DIR``: the bilingual, self-contained HTML report of a run."""

from __future__ import annotations

from pathlib import Path

import typer

from kaname.clikit import BY_OPTION, SET_OPTION, LangOpt, check_output_path, guarded
from kaname.errors import InputError
from kaname.text import t


def register(app: typer.Typer) -> None:
    @app.command("report")
    @guarded
    def report(
        run_dir: Path = typer.Argument(..., metavar="DIR",
                                       help="Run directory (kaname explore) or .nc results."),
        lang: LangOpt = "en",
        sets: list[str] = SET_OPTION,
        by: str = BY_OPTION,
        out: Path = typer.Option(None, "--out", "-o",
                                 help="Output HTML file (default: DIR/report.html, or "
                                      "report.html beside a .nc file; report.ja.html in "
                                      "Japanese)."),
    ) -> None:
        """Write one self-contained HTML report (plotly.js embedded; opens offline);
        --set PATH=VALUE keeps the futures where an uncertainty took that value, --by PATH
        adds the differences group by group."""
        from kaname.report import report_name, write_report
        from kaname.scenario import parse_sets

        if not run_dir.exists():
            raise InputError("no such run directory or .nc file", file=str(run_dir))
        if out is None:
            out = run_dir / report_name(lang) if run_dir.is_dir() else \
                run_dir.with_name(report_name(lang))
        if out.exists() and out.is_dir():
            raise InputError("is a directory; give a file name", file=str(out), key="--out")
        check_output_path(out)
        path = write_report(run_dir, out, lang, sets=parse_sets(sets), by=by)
        size = path.stat().st_size / 1e6
        typer.echo(t("report.written", lang, path=path, size=size))
