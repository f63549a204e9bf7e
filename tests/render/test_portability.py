"""The repository can be cloned on every platform, and template paths stay simple.

Every tracked path is at most 180 characters and free of the characters Windows forbids;
no path segment is empty or a bare expression (a Jinja expression naming no variable,
such as a directory hidden by rendering to ''); a templated path part reads at most one
computed value of copier.yml (besides the answers and yield variables) and uses no
filters, comparisons or boolean operators.
"""
from __future__ import annotations

import re
import subprocess

import jinja2
import pytest
from jinja2 import meta, nodes

from planforge.layout import COMPUTED
from testlib import REPO

MAX_PATH = 180
FORBIDDEN = set('<>:"|?*\\')


def tracked() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True, text=True).stdout
    return [p for p in out.split("\0") if p]


def test_every_tracked_path_is_portable() -> None:
    paths = tracked()
    assert paths
    too_long = [p for p in paths if len(p) > MAX_PATH]
    bad_chars = [p for p in paths if FORBIDDEN & set(p)]
    assert too_long == [], f"paths longer than {MAX_PATH} characters"
    assert bad_chars == [], "paths with characters Windows forbids"


def test_no_symlinks_in_the_template() -> None:
    out = subprocess.run(["git", "ls-files", "-s"], cwd=REPO, check=True, capture_output=True, text=True).stdout
    assert [line for line in out.splitlines() if line.startswith("120000")] == []


def _template_parts() -> list[str]:
    return sorted({part for p in tracked() if p.startswith("blueprints/")
                   for part in p.split("/") if "{{" in part or "{%" in part})


ENV = jinja2.Environment(extensions=["jinja2.ext.do"])
# Copier's yield tag: parse `{% yield x from y %}...{% endyield %}` as a for loop.
YIELD = re.compile(r"\{%\s*yield\s+(\w+)\s+from\s+(.+?)\s*%\}(.*?)\{%\s*endyield\s*%\}")


@pytest.mark.parametrize("part", _template_parts())
def test_template_path_part_is_simple(part: str) -> None:
    assert part.strip(), "empty path part"
    source = YIELD.sub(r"{% for \1 in \2 %}\3{% endfor %}", part.removesuffix(".jinja"))
    tree = ENV.parse(source)
    variables = meta.find_undeclared_variables(tree)
    assert variables, "a bare expression: the part names no variable"
    computed = variables & set(COMPUTED)
    assert len(computed) <= 1, f"reads several computed values: {sorted(computed)}"
    for node in tree.find_all((nodes.Filter, nodes.Compare, nodes.And, nodes.Or, nodes.Not, nodes.CondExpr,
                               nodes.Call, nodes.Test)):
        if isinstance(node, nodes.Compare) and all(op.op in ("in", "notin") for op in node.ops):
            continue  # `'x' in files`, `env in list`: membership of one value
        pytest.fail(f"{type(node).__name__} in a path part (put the condition in layout.yml)")
