"""The parameter tables in docs/models/MODEL.md are `kaname data doc MODEL`'s output, so the
docs stay in step with the model declarations and the data library."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaname.cli import app
from kaname.commands.data import doc_block, doc_markers, doc_tables, docs_page
from kaname.models import BUILTIN

DOCS = Path(__file__).resolve().parents[1] / "docs" / "models"


@pytest.fixture(scope="module")
def engine():
    from kaname.engine import Engine

    return Engine.build()


@pytest.fixture
def one_engine(engine, monkeypatch):
    """The command builds the module's engine instead of a new one (saves ~2 s a call)."""
    from kaname.engine import Engine

    monkeypatch.setattr(Engine, "build", classmethod(lambda cls, *a, **k: engine))
    return engine


@pytest.mark.parametrize("model", sorted(BUILTIN))
def test_docs_page_tables_are_the_commands_output(engine, model):
    page = DOCS / f"{model}.md"
    assert page.is_file(), f"every built-in model has a docs page: {page} is missing"
    assert docs_page(model) == page
    block = doc_block(page.read_text(encoding="utf-8"), model, str(page))
    begin, end = doc_markers(model)
    assert block is not None, f"{page} lacks the lines {begin} … {end}"
    assert block == doc_tables(engine, model), (
        f"the tables in docs/models/{model}.md are out of date; "
        f"run `kaname data doc {model} --write`")


def test_command_prints_the_block(one_engine):
    res = CliRunner().invoke(app, ["data", "doc", "deterrence"])
    assert res.exit_code == 0, res.output
    assert res.stdout == doc_tables(one_engine, "deterrence")
    assert "| `deterrence.us_commitment` |" in res.stdout
    assert "computed by `posture`" in res.stdout
    assert "| `deterrence.holds` | Deterrence holds |" in res.stdout


def test_write_updates_only_the_block_atomically(one_engine, tmp_path):
    begin, end = doc_markers("deterrence")
    page = tmp_path / "deterrence.md"
    page.write_text(f"# title\n\nprose\n\n{begin}\nstale table\n{end}\n\nmore prose\n")
    res = CliRunner().invoke(app, ["data", "doc", "deterrence", "--write", "--page", str(page)])
    assert res.exit_code == 0, res.output
    text = page.read_text()
    assert text.startswith(f"# title\n\nprose\n\n{begin}\n")
    assert text.endswith(f"\n{end}\n\nmore prose\n")
    assert "stale table" not in text
    assert doc_block(text, "deterrence") == doc_tables(one_engine, "deterrence")
    assert list(tmp_path.iterdir()) == [page]  # no temp file left behind
    again = CliRunner().invoke(app, ["data", "doc", "deterrence", "--write", "--page", str(page)])
    assert again.exit_code == 0 and page.read_text() == text


def test_unknown_model_is_one_line_exit_2_naming_the_models(one_engine):
    res = CliRunner().invoke(app, ["data", "doc", "nope"])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "unknown model 'nope'" in lines[0]
    assert all(name in lines[0] for name in BUILTIN)


def test_write_without_markers_is_one_line_exit_2(one_engine, tmp_path):
    page = tmp_path / "deterrence.md"
    page.write_text("# no markers here\n")
    res = CliRunner().invoke(app, ["data", "doc", "deterrence", "--write", "--page", str(page)])
    assert res.exit_code == 2
    assert len(res.stderr.strip().splitlines()) == 1
    assert str(page) in res.stderr and "kaname data doc deterrence: begin" in res.stderr
    assert page.read_text() == "# no markers here\n"
