"""Fixtures for the render tests (helpers live in render_helpers.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from render_helpers import GIT_ENV


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Publish the default template into a per-session cache, never the user's."""
    root = tmp_path_factory.getbasetemp() / "planforge-cache"
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(root))
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    return root

