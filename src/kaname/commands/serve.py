"""``kaname serve``: the browser dashboard on this machine (127.0.0.1 by default), offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from kaname.clikit import LangOpt, guarded
from kaname.errors import InputError
from kaname.text import t


def streamlit_command(port: int, host: str = "127.0.0.1", *, scenario: Path | None = None,
                      futures: int = 10_000, lang: str = "en") -> list[str]:
    """The streamlit command line: offline (no usage statistics, no file watcher, no
    development mode) and bound to `host` only."""
    script = Path(__file__).resolve().parent.parent / "app" / "streamlit_app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(script),
           "--server.address", host, "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--global.developmentMode", "false", "--server.fileWatcherType", "none",
           "--server.runOnSave", "false", "--client.toolbarMode", "minimal",
           "--client.showErrorDetails", "false",
           "--server.maxUploadSize", "2", "--theme.base", "light",
           "--", "--futures", str(futures), "--lang", lang]
    if scenario is not None:
        cmd += ["--scenario", str(scenario)]
    return cmd


def offline_env() -> dict[str, str]:
    env = dict(os.environ)
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    env["STREAMLIT_SERVER_HEADLESS"] = "true"
    return env


def register(app: typer.Typer) -> None:
    @app.command("serve")
    @guarded
    def serve(
        port: int = typer.Option(8501, "--port", help="Port to listen on."),
        host: str = typer.Option("127.0.0.1", "--host",
                                 help="Address to bind (default: this machine only)."),
        scenario: Path = typer.Option(None, "--scenario", help="Scenario to open first."),
        futures: int = typer.Option(10_000, "--futures", "-n",
                                    help="Futures per ensemble update."),
        lang: LangOpt = "en",
    ) -> None:
        """Start the dashboard: levers, headline outcomes and charts over 10⁴ futures."""
        if not 1 <= port <= 65535:
            raise InputError(f"{port} not allowed; must be in [1, 65535]", key="--port")
        if not 100 <= futures <= 1_000_000:
            raise InputError(f"{futures} not allowed; must be in [100, 1000000]",
                             key="--futures")
        if scenario is not None:
            from kaname.scenario import load_scenario

            load_scenario(scenario)  # a bad file fails here, with the CLI's one line
        typer.echo(t("serve.serving", lang, host=host, port=port))
        proc = subprocess.Popen(streamlit_command(port, host, scenario=scenario,
                                                  futures=futures, lang=lang),
                                env=offline_env())
        import signal

        # Stopping `kaname serve` (Ctrl-C or SIGTERM) stops the server it started.
        def stop(*_: object) -> None:
            import threading

            proc.terminate()
            threading.Timer(10.0, proc.kill).start()  # a server that ignores SIGTERM

        signal.signal(signal.SIGTERM, stop)
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            code = proc.wait()
        raise typer.Exit(code)
