"""``kaname report DIR``: the bilingual, self-contained HTML report of a run."""

from __future__ import annotations

from pathlib import Path

import typer

from kaname.clikit import check_output_path, guarded
from kaname.errors import InputError

UI: dict[str, dict[str, str]] = {
    "written": {"en": "Report written to {path} ({size:.1f} MB)",
                "ja": "レポートを{path}に書き出しました({size:.1f} MB)"},
}


def register(app: typer.Typer) -> None:
    @app.command("report")
    @guarded
    def report(
        run_dir: Path = typer.Argument(..., metavar="DIR",
                                       help="Run directory (kaname explore) or .nc results."),
        lang: str = typer.Option("en", "--lang", help="ja or en."),
        out: Path = typer.Option(None, "--out", "-o",
                                 help="Output HTML file (default: DIR/report.html, or "
                                      "report.html beside a .nc file)."),
    ) -> None:
        """Write one self-contained HTML report (plotly.js embedded; opens offline)."""
        from kaname.report import write_report

        if lang not in ("en", "ja"):
            raise InputError(f"{lang!r} not allowed; allowed: en, ja", key="--lang")
        if not run_dir.exists():
            raise InputError("no such run directory or .nc file", file=str(run_dir))
        if out is None:
            out = run_dir / "report.html" if run_dir.is_dir() else \
                run_dir.with_name("report.html")
        if out.exists() and out.is_dir():
            raise InputError("is a directory; give a file name", file=str(out), key="--out")
        check_output_path(out)
        path = write_report(run_dir, out, lang)
        size = path.stat().st_size / 1e6
        entry = UI["written"]
        typer.echo((entry.get(lang) or entry["en"]).format(path=path, size=size))
