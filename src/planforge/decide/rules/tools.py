"""Tools and platforms named anywhere in the plan (data/keywords.yaml `named_tools`): what planforge does not
generate is refused naming the tool and its line, or reported as not applied; never replaced silently.

Lines read: every line outside code blocks (fields, tables, requirements, prose) and the lines of the
infrastructure trees (their comments name tools too), except Summary and Complexity Tracking, which never feed a
decision; a negated mention ("no Pulumi") is ignored."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from planforge.decide import text as tx
from planforge.decide.context import Context
from planforge.decide.data import keywords
from planforge.decide.rules.structure import INFRA_STRUCTURES
from planforge.plan.model import Plan, plain

_FENCE = re.compile(r"^\s*(```|~~~)")
# the tool mentions a renderer (iac_tool) builds: the tool itself and what checks its output
_RENDERER_TOOLS = {"cloudformation": ("CloudFormation", "cfn-lint"), "pulumi": ("Pulumi",)}
_SUPPORTED = {
    "cloud": "AWS, Azure, GCP, DigitalOcean or Oracle Cloud",
    "runtime": "Kubernetes (EKS, AKS, GKE, ...), VMs, or for a Terraform-only plan {serverless}",
    "iac": "Terraform or OpenTofu (and Ansible for on-premise hosts)",
    "gitops": "Argo CD or Flux",
    "secrets": "AWS Secrets Manager, Vault, Azure Key Vault, GCP Secret Manager, Sealed Secrets, Kubernetes Secrets",
}


def _supported(kind: str) -> str:
    """What planforge generates of a kind of tool, in words (the runtimes name each serverless compute built)."""
    titles = [r["title"] for r in keywords().serverless_runtimes.values()]
    return _SUPPORTED[kind].format(serverless=", ".join(titles[:-1]) + " or " + titles[-1])


@dataclass(frozen=True)
class Named:
    """A tool a plan line names: the first line naming it as chosen, else the first naming it at all."""

    kind: str  # a key of named_tools: cloud, runtime, iac, gitops, secrets, extra, checks, scripts
    tool: str  # as said to the user, e.g. "Yandex Cloud"
    line: int
    said: str  # the words of the line naming it, e.g. "Yandex"
    chosen: bool  # False: the plan calls it optional, later or an alternative


def decide_tools(c: Context, structure: str) -> None:
    """Refuse or report every unsupported tool the plan names; say whether OpenTofu is used; the Terraform linters
    the plan names (tflint, checkov) become `linters` when Terraform is generated."""
    refused_lines = {p.line for p in c.problems}
    c.default("linters", [], "the plan names no Terraform linter (tflint, checkov) for the generated Terraform")
    for n in named_tools(c.plan):
        if n.line in refused_lines:
            continue  # the field's own rule refused it already
        if n.kind == "cloud" and structure not in INFRA_STRUCTURES:
            continue  # a chart targets Kubernetes platforms (the platforms answer), not a cloud
        if n.tool == "Ansible" and _from_plan(c, "ansible"):
            if c.values.get("ansible"):
                c.applied(n.line, n.said, "ansible")
            continue  # the on-premise rule reported an Ansible it does not generate
        if n.kind == "checks" and n.tool in LINTERS and n.chosen and _terraform_generated(c, structure):
            _add_linter(c, n)
            continue
        if n.chosen and n.tool in _RENDERER_TOOLS.get(c.values.get("iac_tool", ""), ()):
            c.applied(n.line, n.said, "iac_tool")  # the renderer's program or templates, checked by planforge validate
            continue
        if n.kind == "runtime" and n.chosen and builds_runtime(c, n.tool):
            c.applied(n.line, n.said, "compute")
            continue
        if n.kind == "gitops" and n.chosen and c.values.get("gitops") == "flux":
            c.applied(n.line, n.said, "gitops")
            continue
        if n.kind == "gitops" and any(p.field == "gitops" for p in c.problems):
            continue  # Argo CD and Flux both chosen: the GitOps rule refused the plan naming both lines
        if n.chosen and _refused(c, n.kind, structure):
            c.problem(None, n.said, f"{n.tool} is named but not supported: planforge generates {_supported(n.kind)}",
                      f"target {_supported(n.kind)}, or mark {n.tool} as optional or out of scope", line=n.line)
        else:
            c.unapplied(n.line, n.said, _why_not_applied(n))
    _opentofu(c, structure)


LINTERS = ("tflint", "checkov")  # checks the generated CI and pre-commit run when the plan names them (`linters`)


def _terraform_generated(c: Context, structure: str) -> bool:
    return structure in INFRA_STRUCTURES and c.values.get("iac_tool", "none") in ("terraform", "opentofu")


def _add_linter(c: Context, n: Named) -> None:
    """A linter the plan chooses joins `linters` (plan order), its first line the answer's provenance."""
    linters = [*c.values.get("linters", []), n.tool]
    if "linters" in c.provenance and c.provenance["linters"].source == "plan":
        c.set("linters", linters, c.provenance["linters"])
    else:
        c.from_line("linters", linters, n.line)
    c.applied(n.line, n.said, "linters")


def named_tools(plan: Plan) -> list[Named]:
    """Every unsupported tool the plan names (not negated), in plan order of its first line."""
    return list(_named(*_key(plan)))


def line_choosing(plan: Plan, pattern: str) -> int | None:
    """The first line read for tools that names pattern as the plan's choice (not negated, not optional)."""
    not_chosen = _compiled(keywords().tool_not_chosen)
    for ln, text in _read_lines(*_key(plan), _any_of((pattern,))):
        if tx.find(_compiled(pattern), text) is not None and not not_chosen.search(text):
            return ln
    return None


def lines_naming(plan: Plan, pattern: str) -> list[tuple[int, str]]:
    """(line, plain text) of every line read for tools that matches pattern (outside code blocks, Summary and
    Complexity Tracking)."""
    return _read_lines(*_key(plan), _compiled(pattern))


def first_named(plan: Plan, kind: str) -> Named | None:
    """The first line naming a tool of this kind as chosen."""
    return next((n for n in named_tools(plan) if n.kind == kind and n.chosen), None)


def terraform_family_named(plan: Plan) -> dict[str, int]:
    """Terraform / OpenTofu -> the first line naming it, not negated."""
    return dict(_family(*_key(plan)))


_Key = tuple[tuple[str, ...], frozenset[int], frozenset[int]]


def _key(plan: Plan) -> _Key:
    """The plan's lines, the opening lines of its infrastructure trees, and the lines of Summary and Complexity
    Tracking, which never feed a decision (docs/decisions.md)."""
    trees = frozenset(t.line for t in plan.trees if not t.is_documentation)
    ignored = frozenset(ln for s in plan.sections if s.title.strip().lower() in ("summary", "complexity tracking")
                        for ln in range(s.line, s.end_line + 1))
    return tuple(plan.lines), trees, ignored


@lru_cache(maxsize=8)
def _named(lines: tuple[str, ...], trees: frozenset[int], ignored: frozenset[int]) -> tuple[Named, ...]:
    kw = keywords()
    not_chosen = _compiled(kw.tool_not_chosen)
    found: dict[str, Named] = {}
    for ln, text in _read_lines(lines, trees, ignored, _any_tool()):
        for kind, tools in kw.named_tools.items():
            for tool, rx in tools.items():
                hit = tx.find(_compiled(rx), text)
                if hit is None:
                    continue
                chosen = not_chosen.search(text) is None
                seen = found.get(tool)
                if seen is None or chosen and not seen.chosen:
                    found[tool] = Named(kind, tool, ln, hit[1].group(0), chosen)
    return tuple(sorted(found.values(), key=lambda n: n.line))


@lru_cache(maxsize=8)
def _family(lines: tuple[str, ...], trees: frozenset[int], ignored: frozenset[int]) -> tuple[tuple[str, int], ...]:
    family = keywords().terraform_family
    found: dict[str, int] = {}
    for ln, text in _read_lines(lines, trees, ignored, _any_of(family.values())):
        for tool, rx in family.items():
            if tool not in found and tx.find(_compiled(rx), text) is not None:
                found[tool] = ln
    return tuple(found.items())


def _read_lines(lines: tuple[str, ...], trees: frozenset[int], ignored: frozenset[int],
                candidate: re.Pattern[str]) -> list[tuple[int, str]]:
    """(line, plain text) of the lines read for tools that match candidate as written: outside code blocks or
    inside an infrastructure tree (a fence opened on a line of trees), and not ignored."""
    out: list[tuple[int, str]] = []
    fence_open: int | None = None
    for i, raw in enumerate(lines, 1):
        if _FENCE.match(raw):
            fence_open = i if fence_open is None else None
            continue
        if i in ignored or fence_open is not None and fence_open not in trees or not candidate.search(raw):
            continue
        text = plain(raw)
        if text:
            out.append((i, text))
    return out


@lru_cache(maxsize=1)
def _any_tool() -> re.Pattern[str]:
    """Any tool pattern; every one starts with a letter (after `\\b`), so positions without one are passed over
    at once (a line of 1 MB of brackets costs one test per position, not one per pattern)."""
    return _any_of(rx for tools in keywords().named_tools.values() for rx in tools.values())


def _any_of(patterns: Iterable[str]) -> re.Pattern[str]:
    return _compiled("(?=[a-z])(?:" + "|".join(f"(?:{rx})" for rx in patterns) + ")")


def _refused(c: Context, kind: str, structure: str) -> bool:
    """Whether a chosen tool of this kind is refused: nothing planforge supports stands in its place."""
    v = c.values
    if kind == "cloud":
        return v.get("cloud", "none") == "none"
    if kind == "runtime":
        return structure != "helm-chart" and v.get("kubernetes_distribution", "none") == "none"
    if kind == "iac":
        return not terraform_family_named(c.plan) and not _from_plan(c, "iac_tool")
    if kind == "gitops":
        return v.get("gitops") == "none"
    if kind == "secrets":
        return not _from_plan(c, "secrets_manager")
    return False


def builds_runtime(c: Context, tool: str) -> bool:
    """Whether the plan's `compute` (rules/compute) is the serverless compute the runtime `tool` names."""
    runtime = keywords().serverless_runtimes.get(tool)
    return runtime is not None and runtime["compute"] == c.values.get("compute")


def _from_plan(c: Context, answer: str) -> bool:
    prov = c.provenance.get(answer)
    return prov is not None and prov.source == "plan"


def _why_not_applied(n: Named) -> str:
    if not n.chosen:
        return f"{n.tool} named as optional, later or an alternative: not generated"
    if n.kind == "extra":
        return f"{n.tool} is not generated (planforge generates plain Terraform roots)"
    if n.kind == "checks":
        return (f"{n.tool} is not run: the generated CI and pre-commit run terraform fmt, the Ansible checks and "
                "planforge validate (terraform validate, helm lint, schemas, policies); add it to both")
    if n.kind == "scripts":
        return f"{n.tool} scripts are not generated: the generated scripts are bash"
    return f"{n.tool} is not generated; planforge generates {_supported(n.kind)}"


def _opentofu(c: Context, structure: str) -> None:
    """OpenTofu chosen is applied (`iac_tool: opentofu`); named otherwise, the README's Not applied section says that
    Terraform was generated (the same HCL)."""
    line = terraform_family_named(c.plan).get("OpenTofu")
    if line is None:
        return
    if structure not in INFRA_STRUCTURES:
        c.unapplied(line, "OpenTofu", "a helm-chart repository has no infrastructure code")
    elif c.values.get("iac_tool") == "opentofu":
        c.applied(line, "OpenTofu", "iac_tool")
    else:
        c.unapplied(line, "OpenTofu", "OpenTofu named, Terraform chosen: Terraform code and tooling generated "
                    "(the same HCL runs with tofu)")


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)
