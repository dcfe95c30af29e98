"""Shared test setup: no test ever writes the user's own results database."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_results_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path_factory.mktemp("store") / "runs.duckdb"
    monkeypatch.setenv("DETENTE_STORE", str(path))
    return path
