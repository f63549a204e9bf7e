"""A version the plan states for a tool the generated CI installs (`Helm 3.x`, `kubectl 1.28+`, `Terraform 1.x`), read
against the release CI installs (includes/ci/tools.yaml): credited where that release is one the plan admits, else
reported with the release CI installs and what the repository needs of the tool. `Terraform X.Y` and
`Terraform >= X.Y` are the roots' required_version (rules.platform), not read here."""
from __future__ import annotations

import re
from functools import cache

from planforge.decide.context import Context
from planforge.yamlio import template_data

# tool -> (when CI installs it: a blueprint it installs it for, what the repository needs of it)
_TOOLS = {
    "helm": (("helm-chart", "argocd"), "the charts (apiVersion v2) install with any Helm 3"),
    "kubectl": (("kubernetes",), "the overlays build with any kubectl of the last three minors"),
    "terraform": (("terraform",), "the roots require the release the plan names, else 1.6 or later"),
}
# `Helm 3.x`, `Helm 3.13+`, `helm >= 3.10`, `kubectl v1.28`, `Terraform 1.x`
_STATED = re.compile(r"\b(helm|kubectl|terraform)\b\s*(>=|≥|v)?\s*(\d+)(?:\.(\d+|x))?(?:\.(\d+))?(\+)?(?![\d.])", re.I)


@cache
def ci_tools() -> dict[str, str]:
    """includes/ci/tools.yaml of the shipped template: tool -> the release CI installs."""

    return template_data("includes/ci/tools.yaml")


def decide_tool_versions(c: Context, blueprints: list[str]) -> None:
    """Credit or report every stated version of a tool the generated CI installs."""
    for number, text in enumerate(c.plan.lines, start=1):
        for m in _STATED.finditer(text):
            tool = m.group(1).lower()
            installed_for, needs = _TOOLS[tool]
            if tool == "helm" and "flux" in blueprints and not set(installed_for) & set(blueprints):
                c.unapplied(number, m.group(0).rstrip("+"), "no Helm runs in this repository's CI: Flux's "
                                                            "helm-controller installs the charts with the Helm it ships")
                continue
            if not set(installed_for) & set(blueprints) or (tool == "terraform" and not _terraform_major_only(m)):
                continue
            if tool == "terraform" and c.values.get("iac_tool") != "terraform":
                continue
            release = ci_tools()[tool]
            if admits(m, tuple(int(p) for p in release.split("."))):
                c.applied(number, m.group(0), "ci_tools")
            else:
                # without a trailing `+`, so that the coverage scan's own clause (`Helm 4.0`) is known as reported
                c.unapplied(number, m.group(0).rstrip("+"), f"CI installs {m.group(1)} {release} (pinned in the "
                                                            f"workflow); {needs}")


def _terraform_major_only(m: re.Match[str]) -> bool:
    """`Terraform 1.x` / `Terraform 1`: the forms rules.platform does not read as required_version."""
    return m.group(4) in (None, "x") and m.group(5) is None


def admits(m: re.Match[str], release: tuple[int, ...]) -> bool:
    """Whether the stated version admits the release: a lower bound (`3.13+`, `>= 3.13`, `3.x`, `3`) within the
    same major version, or the release itself (`3.16`, `3.16.3`). `m`'s groups 2-6: the operator (`>=`, `v`), the
    major, minor (or `x`) and patch numbers, a trailing `+`."""
    numbers = [int(p) for p in (m.group(3), m.group(4), m.group(5)) if p is not None and p not in ("x", "*")]
    lower_bound = m.group(6) or m.group(2) in (">=", "≥") or len(numbers) == 1
    if lower_bound:
        return release[0] == numbers[0] and tuple(release[:len(numbers)]) >= tuple(numbers)
    return tuple(release[:len(numbers)]) == tuple(numbers)
