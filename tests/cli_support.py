"""Running the command line in-process and checking its one-line errors (shared by tests)."""

from __future__ import annotations

from typer.testing import CliRunner


def cli(*args, env=None):
    """``kaname ARGS`` in-process; an exception other than SystemExit is raised, not hidden."""
    from kaname.cli import app

    res = CliRunner().invoke(app, list(args), env=env)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res


def assert_one_line_exit_2(res, *needles):
    """Exit code 2, one line on stderr starting "kaname: error: ", no traceback, nothing on
    stdout, and every needle in that line; returns the line."""
    assert res.exit_code == 2, (res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("kaname: error: "), lines[0]
    assert "Traceback" not in res.stderr
    assert res.stdout == ""
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]
