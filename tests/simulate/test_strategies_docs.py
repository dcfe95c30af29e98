"""The strategy-writing example in docs/strategies.md runs as printed."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "strategies.md"


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_doc_has_the_example() -> None:
    assert any("class Cautious(Strategy)" in b for b in _blocks())


def test_custom_strategy_example_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (code,) = [b for b in _blocks() if "class Cautious(Strategy)" in b]
    module = types.ModuleType("detente_docs_example")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(code, str(DOC), "exec"), module.__dict__)
    out = capsys.readouterr().out.split()
    assert out[0] in ("True", "False") and 0.0 <= float(out[2]) <= 1.0
    # the class is usable by dotted path too
    from detente.simulate import make_strategy

    s = make_strategy("detente_docs_example:Cautious", tolerance=0.1)
    assert s.get_params() == {"tolerance": 0.1}


def test_engine_doc_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    doc = DOC.parent / "simulate.md"
    (code,) = re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), flags=re.S)[:1]
    exec(compile(code, str(doc), "exec"), {"__name__": "detente_docs_simulate"})
    out = capsys.readouterr().out
    assert "target_share" in out and "proposal" in out
