"""Build hook only (metadata lives in pyproject.toml): ship the Copier template.

`copier.yml`, `includes/` (validator macros) and `blueprints/` sit at the repository root so the repository itself is a
Copier template. Wheels carry a copy under `planforge/template/` (symlinks such as
`blueprints/charts -> helm-chart/charts` are copied as the directories they point at),
which `planforge.render.template.shipped_template_dir()` finds at run time.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
TEMPLATE_ITEMS = ("copier.yml", "includes", "blueprints")


class BuildPyWithTemplate(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "planforge" / "template"
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copy2(ROOT / "copier.yml", target / "copier.yml")
        for directory in TEMPLATE_ITEMS[1:]:
            shutil.copytree(
                ROOT / directory,
                target / directory,
                symlinks=False,
                ignore_dangling_symlinks=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"),
            )


setup(cmdclass={"build_py": BuildPyWithTemplate})
