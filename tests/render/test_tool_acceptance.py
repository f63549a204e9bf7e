"""Issue 9's acceptance, the tools half, over the example and real plans: every tool a plan names (found with this
test's own list, tests/fixtures/tool-acceptance/tools.yaml, not planforge's vocabulary) is used by the generated
repository or reported with its line (not applied, or the refusal's problems).

Lines read: every line outside code blocks, and the lines of tree blocks (a code block drawing a tree with
`├`/`└`), whose comments name tools too. A negated mention ("no Key Vault", "without Terragrunt") is skipped.
Mentions that are not tools in use are listed with their reason in the fixture (`not_in_use`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from testlib import FIXTURES, PLANS, REAL_PLANS, per_plan, rendered_plan

from planforge.decide import Decided, decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan

DATA = FIXTURES / "tool-acceptance" / "tools.yaml"
PLAN_FILES = [*sorted(PLANS.glob("*.plan.md")), *sorted((PLANS / "tools").glob("*.plan.md")),
              *sorted(REAL_PLANS.glob("*.plan.md"))]
_FENCE = re.compile(r"^\s*(```|~~~)")
_TREE = re.compile(r"[├└]")
_NEGATED = re.compile(r"\b(?:no|not|without|never|nor|instead of)\b[^.;,:|]{0,25}$", re.I)
_NOT_EVIDENCE = re.compile(r"(?:^|/)(?:[^/]+\.md|\.copier-answers\.yml)$")


@dataclass(frozen=True)
class Mention:
    tool: str
    line: int
    words: str


@lru_cache(maxsize=1)
def tool_data() -> dict[str, Any]:
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def read_lines(lines: list[str]) -> list[tuple[int, str]]:
    """(line, text) of the lines outside code blocks and of tree blocks."""
    out: list[tuple[int, str]] = []
    block: list[tuple[int, str]] | None = None
    for i, raw in enumerate(lines, 1):
        if _FENCE.match(raw):
            if block is None:
                block = []
            else:
                out += block if any(_TREE.search(t) for _, t in block) else []
                block = None
            continue
        if block is None:
            out.append((i, raw))
        else:
            block.append((i, raw))
    return out


def mentions(plan: Path) -> list[Mention]:
    """Every tool the plan names, at each line naming it, not negated."""
    tools = tool_data()["tools"]
    found = []
    for ln, text in read_lines(plan.read_text(encoding="utf-8").splitlines()):
        for tool, spec in tools.items():
            for m in re.finditer(spec["named"], text, re.I):
                if not _NEGATED.search(text[: m.start()]):
                    found.append(Mention(tool, ln, m.group(0)))
                    break
    return found


def exempt(plan: Path) -> dict[tuple[str, int], str]:
    return {(e["tool"], e["line"]): e["why"] for e in tool_data()["not_in_use"] if e["plan"] == plan.name}


def used(tool: str, decided: Decided, dest: Path) -> bool:
    """The generated repository uses the tool: an answer value, or a file's path or contents shows it."""
    spec = tool_data()["tools"][tool]
    answers = decided.answers.model_dump()
    if any(answers.get(k) == v for k, v in spec.get("answers", {}).items()):
        return True
    if "files" not in spec:
        return False
    rx = re.compile(spec["files"])
    for f in dest.rglob("*"):
        rel = f.relative_to(dest).as_posix()
        if not f.is_file() or _NOT_EVIDENCE.search(rel) or rel.startswith(".git/"):
            continue
        if rx.search(rel) or rx.search(f.read_text(encoding="utf-8", errors="replace")):
            return True
    return False


def reported(tool: str, lines: list[int], decided: Decided) -> bool:
    """A not-applied item at one of the lines naming the tool says its name."""
    rx = re.compile(tool_data()["tools"][tool]["named"], re.I)
    return any(i.line in lines and (rx.search(i.text) or rx.search(i.why)) for i in decided.not_applied)


@pytest.fixture(scope="module", params=per_plan(PLAN_FILES))
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, Decided | RefusedError, Path]:
    """(plan file, its decision or refusal, the repository rendered from it), once per plan."""
    plan = parse_plan(request.param)
    try:
        decided = decide(plan)
    except RefusedError as refusal:
        return request.param, refusal, Path()
    dest = rendered_plan(request.param, tmp_path_factory)  # the render of decided.answers
    return request.param, decided, dest


def test_every_named_tool_is_used_or_reported_with_its_line(generated) -> None:
    """A tool is used by the generated repository, or one line naming it is reported (planforge reports each tool
    once, at its first line naming it as chosen). A refused plan generates nothing: its refusal names lines."""
    path, decided, dest = generated
    if isinstance(decided, RefusedError):
        assert decided.problems and all(p.line for p in decided.problems), f"{path.name}: a refusal without lines"
        return
    skip = exempt(path)
    lines: dict[str, list[int]] = {}
    for m in mentions(path):
        if (m.tool, m.line) not in skip:
            lines.setdefault(m.tool, []).append(m.line)
    missing = [f"{tool} at plan.md:{', '.join(map(str, at))}" for tool, at in lines.items()
               if not reported(tool, at, decided) and not used(tool, decided, dest)]
    assert not missing, f"{path.name}: tools neither used nor reported:\n" + "\n".join(missing)


def test_every_exemption_still_names_its_tool() -> None:
    by_plan = {p.name: p for p in PLAN_FILES}
    for e in tool_data()["not_in_use"]:
        named = {(m.tool, m.line) for m in mentions(by_plan[e["plan"]])}
        assert (e["tool"], e["line"]) in named, f"{e['plan']}:{e['line']}: no longer names {e['tool']}"
        assert e["why"].strip(), f"{e['plan']}:{e['line']}: an exemption needs its reason"
