"""Bounded, linear reading: hostile plans (1 MB fields, brackets, lines, nesting, table columns) parse and
decide quickly; only regular files are read; limits are refused at their line. Real timings are in
benchmarks/robustness.py; the bound here is only a hang guard."""
from __future__ import annotations

import os
import random
import re

import pytest

from testlib import PLANS, hang_guard
from planforge.decide import decide
from planforge.errors import PlanforgeError, RefusedError, UsageError
from planforge.plan import parse_plan, parse_text
from planforge.plan.limits import drop_parenthesized, limits, replace_links, strip_comments

MB = 1_000_000
EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
HELM = (PLANS / "helm-chart-payments.plan.md").read_text(encoding="utf-8")
TENANT = (PLANS / "multi-tenant-saas.plan.md").read_text(encoding="utf-8")


def _field(text: str, label: str, value: str) -> str:
    return re.sub(rf"(?m)^(\*\*{re.escape(label)}\*\*:).*$", lambda m: f"{m.group(1)} {value}", text, count=1)


def _columns(n: int) -> str:
    return "## Technical Context\n\n|" + "a|" * n + "\n|" + "-|" * n + "\n|" + "b|" * n + "\n"


def _hostile(size: int) -> dict[str, str]:
    """Hostile plans whose long lines hold `size` characters."""
    return {
        "huge Technical Context value": _field(EKS, "Constraints", "budget " * (size // 7)),
        "huge replicas value": _field(HELM, "Scale/Scope", "1 " + "a" * size + " replicas"),
        "a long line of [": _field(EKS, "Constraints", "[" * size),
        "a long line of [](": _field(EKS, "Constraints", "[](" * (size // 3)),
        "a long line of <!--": _field(EKS, "Constraints", "<!--" * (size // 4)),
        "a long line of digits": _field(EKS, "Performance Goals", "1" * size),
        "a long line of blanks": _field(EKS, "Constraints", "a" + " " * size + "b"),
        "a long line of words and dashes": _field(EKS, "Constraints", "a1- " * (size // 4)),
        "a long line of (": _field(EKS, "Target Environment", "(" * size),
        "a long line of environments (": _field(EKS, "Constraints", "environments (" * (size // 14)),
        "a long line of tenants (": _field(TENANT, "Scale/Scope", "organizations (" * (size // 15)),
        "a long line of terraform": _field(EKS, "IaC Tools", "terraform " * (size // 10)),
        "a long line of <br": _field(EKS, "Constraints", "<br " * (size // 4)),
        "a long line of image hosts": _field(HELM, "Constraints", "a-" * (size // 2)),
        "a long line of negations": _field(EKS, "Cloud Provider", "no aws " * (size // 7)),
        "a long line without newline": EKS + "x" * size,
        "a long bold label line": EKS + "\n**a" + " " * size + "x",
        "deeply nested lists": EKS + "".join("  " * i + "- x\n" for i in range(1000)),
        "list markers on one line": EKS + "- " * (size // 2),
        "4,000 table columns": EKS.replace("## Technical Context", _columns(4_000), 1),
        "deep directory tree": HELM + "\n## Project Structure\n\n```text\n" + "".join(" " * i + "d/\n" for i in range(200)) + "```\n",
    }


HOSTILE = _hostile(MB)
# just under the line-length limit: read and decided, so every reading pattern meets a long line
LONG = _hostile(limits()["max_line_chars"] - 100)


@pytest.mark.parametrize("plans", [HOSTILE, LONG], ids=["1 MB", "longest lines read"])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_plans_parse_and_decide_quickly(plans, name):
    with hang_guard(name):
        try:
            decide(parse_text(plans[name], "p.md"))
        except PlanforgeError:
            pass


@pytest.mark.parametrize("name", [n for n in HOSTILE if max(map(len, HOSTILE[n].splitlines())) > MB // 2])
def test_a_line_over_the_length_limit_is_refused_at_its_line(name):
    problem = _refused(HOSTILE[name])[0]
    longest = max(range(len(HOSTILE[name].splitlines())), key=lambda i: len(HOSTILE[name].splitlines()[i]))
    assert problem.line == longest + 1 and "characters; at most 10000 are read" in problem.message


def test_too_many_table_cells_are_refused_at_their_line():
    text = HOSTILE["4,000 table columns"]
    problems = _refused(text)  # 4,001 cells on the header row, the limit passed on the delimiter row
    assert (problems[0].field, problems[0].line) == ("plan size", text.splitlines().index("|" + "-|" * 4_000) + 1)
    assert "table cells" in problems[0].message


def test_too_many_lines_are_refused_at_the_first_line_over():
    problems = _refused(EKS + "\n" * limits()["max_lines"])
    assert problems[0].line == limits()["max_lines"] + 1 and "lines" in problems[0].message


def test_a_tree_deeper_than_the_limit_is_refused_at_its_line():
    problems = _refused(HOSTILE["deep directory tree"])
    deep = [p for p in problems if p.field == "Project Structure"]
    assert deep and "deeper than 32" in deep[0].message
    assert HOSTILE["deep directory tree"].splitlines()[deep[0].line - 1].strip() == "d/"


def _refused(text: str):
    with pytest.raises(RefusedError) as exc:
        decide(parse_text(text, "p.md"))
    return exc.value.problems


# --------------------------------------------------------------------------- files
def test_a_fifo_is_never_opened_for_reading(tmp_path):
    fifo = tmp_path / "plan.md"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match=r"plan\.md: a FIFO; a plan must be a regular file"):
        parse_plan(fifo)


@pytest.mark.parametrize("path,kind", [("/dev/zero", "a device"), ("/dev/null", "a device")])
def test_a_device_is_refused(path, kind):
    with pytest.raises(UsageError, match=f"{path}: {kind}"):
        parse_plan(path)


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(UsageError, match="a directory"):
        parse_plan(tmp_path)


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    big = tmp_path / "big.md"
    big.write_bytes(EKS.encode() + b"x" * limits()["max_plan_bytes"])
    with pytest.raises(RefusedError) as exc:
        parse_plan(big)
    assert "1048576 bytes" in str(exc.value) and exc.value.problems[0].field == "plan size"


def test_a_file_at_the_size_limit_is_read(tmp_path):
    plan = tmp_path / "plan.md"
    plan.write_bytes(EKS.encode() + b"x" * (limits()["max_plan_bytes"] - len(EKS.encode())))
    assert parse_plan(plan).fields


# --------------------------------------------------------------------------- linear helpers
def test_linear_helpers_equal_the_regexes_they_replace():
    rnd = random.Random(7)
    for _ in range(20000):
        s = "".join(rnd.choice("[]()<!->ab \n") for _ in range(rnd.randint(0, 24)))
        assert strip_comments(s) == re.sub(r"<!--.*?-->", "", s, flags=re.S)
        assert replace_links(s) == re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)
        assert drop_parenthesized(s) == re.sub(r"\([^)]*\)", " ", s)
