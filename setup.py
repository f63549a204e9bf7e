"""Build hook only (metadata lives in pyproject.toml): ship the Copier template.

The template items (`copier.yml`, `layout.yml`, `blueprints/`, `includes/`, `modules/`)
sit at the repository root so the repository itself is a Copier template. Wheels carry a
copy under `planforge/template/`, which `planforge.render.template.shipped_template_dir()`
finds at run time. The template holds no symlinks.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
TEMPLATE_ITEMS = ("copier.yml", "layout.yml", "blueprints", "includes", "modules")


class BuildPyWithTemplate(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "planforge" / "template"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for item in TEMPLATE_ITEMS:
            if (ROOT / item).is_dir():
                shutil.copytree(ROOT / item, target / item,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"))
            else:
                shutil.copy2(ROOT / item, target / item)


setup(cmdclass={"build_py": BuildPyWithTemplate})
