"""Shared fixtures; plain helpers and paths live in testlib.py."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from testlib import GIT_ENV, TOOLS_BIN, find_terraform_mirror

if TOOLS_BIN.is_dir() and str(TOOLS_BIN) not in os.environ.get("PATH", ""):
    os.environ["PATH"] = f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="session")
def tf_mirror() -> Path:
    mirror = find_terraform_mirror()
    if mirror is None:
        pytest.skip("no Terraform provider mirror with hashicorp/aws (set PLANFORGE_TF_PLUGIN_MIRROR)")
    return mirror


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test publishes the default template into a per-session cache, never the user's,
    and commits with a fixed git identity."""
    root = tmp_path_factory.getbasetemp() / "planforge-cache"
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(root))
    # The default template source, whatever the user configured.
    monkeypatch.delenv("PLANFORGE_TEMPLATE", raising=False)
    monkeypatch.setenv("PLANFORGE_CONFIG", str(root / "no-config.yaml"))
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    return root
