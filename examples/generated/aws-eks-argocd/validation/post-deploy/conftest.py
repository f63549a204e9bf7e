"""Fixtures shared by the post-deploy suites: which environment is checked and what the
plan says it must contain (expected.yaml, generated with this repository)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

EXPECTED = yaml.safe_load((Path(__file__).with_name("expected.yaml")).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def environment() -> str:
    """PLANFORGE_ENVIRONMENT, or the plan's first environment."""
    names = list(EXPECTED["environments"])
    name = os.environ.get("PLANFORGE_ENVIRONMENT") or names[0]
    if name not in names:
        pytest.fail(f"PLANFORGE_ENVIRONMENT={name} is not one of the plan's environments: {', '.join(names)}")
    return name


@pytest.fixture(scope="session")
def expected(environment: str) -> dict:
    return EXPECTED["environments"][environment]


@pytest.fixture(scope="session")
def plan_expectations() -> dict:
    """The whole of expected.yaml."""
    return EXPECTED
