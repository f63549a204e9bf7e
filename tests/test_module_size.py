"""Every Python module of planforge stays within LONGEST lines: one concern per module (CONTRIBUTING.md).

A module over the limit is split along its concerns into modules of the same package, not allowed here.
"""
from __future__ import annotations

from pathlib import Path

from testlib import REPO

LONGEST = 600


def long_modules(package: Path, longest: int = LONGEST) -> list[str]:
    """`path: N lines` for each .py file under package longer than `longest` lines, by path."""
    found = []
    for path in sorted(package.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > longest:
            found.append(f"{path.relative_to(package.parent).as_posix()}: {lines} lines")
    return found


def test_no_planforge_module_is_over_the_limit():
    package = REPO / "src" / "planforge"
    assert (package / "__init__.py").is_file()  # the measure sees the sources
    assert long_modules(package) == [], f"modules over {LONGEST} lines: split them along their concerns"


def test_a_module_over_the_limit_is_listed(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "at_limit.py").write_text("x = 1\n" * LONGEST)
    (package / "sub" / "over.py").write_text("x = 1\n" * (LONGEST + 1))
    assert long_modules(package) == [f"pkg/sub/over.py: {LONGEST + 1} lines"]
