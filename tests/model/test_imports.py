"""decide and the system model import each other's modules: each must still import first, alone."""
from __future__ import annotations

import subprocess
import sys

import pytest
from testlib import REPO

FIRST = ["planforge.model.units", "planforge.model.build", "planforge.model.closure", "planforge.model.capabilities",
         "planforge.decide", "planforge.decide.answers", "planforge.decide.system", "planforge.decide.engine",
         "planforge.validate.wiring.controllers", "planforge.validate.wiring.validator"]


@pytest.mark.parametrize("module", FIRST)
def test_module_imports_first_in_a_fresh_interpreter(module: str):
    proc = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(REPO / "src")})
    assert proc.returncode == 0, proc.stderr
