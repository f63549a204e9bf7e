"""planforge's own YAML data: the package's `data/` files and the template's `includes/` tables.

They are read on every run, so they are parsed with libyaml when PyYAML has it (the pure-Python parser took a third
of a `planforge plan check`); the values are the same. Input a user wrote (plans, settings, manifests, answers
files) keeps its own bounded loaders.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader: CSafeLoader or SafeLoader)


def package_data(name: str) -> Any:
    """planforge/data/<name>, parsed."""
    return parse(resources.files("planforge").joinpath("data", name).read_text(encoding="utf-8"))


def template_data(relative: str) -> Any:
    """A file of the shipped template (e.g. includes/answer_rules.yaml), parsed."""
    from planforge.render.template import shipped_template_dir

    return parse((Path(shipped_template_dir()) / relative).read_text(encoding="utf-8"))
