"""docs/python.md is a notebook walk-through: its Python cells run, top to bottom, as a test."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cells(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), flags=re.S)


def test_python_walkthrough_runs(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "walkthrough"}
    found = cells(ROOT / "docs" / "python.md")
    assert len(found) >= 5
    for i, cell in enumerate(found):
        exec(compile(cell, f"docs/python.md cell {i + 1}", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "equal to the in-memory run: True" in printed
    assert "futures: 0 not allowed" in printed
