"""The template's own cfn-lint suppressions, honoured as waivers that stay visible.

cfn-lint drops the findings a template's `Metadata: cfn-lint: config: ignore_checks` names (every rule id starting
with an entry, on the whole template) and those a resource's own `Metadata` names (that exact rule id, on that
resource). validate runs cfn-lint with every rule mandatory (`--mandatory-checks`), so nothing is dropped, and
marks those findings waived here, as it does the `planforge.io/waive` annotation of a Kubernetes object: they
are reported with the reason, do not fail the run, and count again with `--no-waivers`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planforge.validate.base import Finding
from planforge.validate.cloudformation.screen import template_config

WAIVED_BY = "annotation"  # written in the file itself, as a Kubernetes annotation (SARIF: an in-source suppression)


@dataclass
class Suppressions:
    """What the template ignores: rule id prefixes on the whole template, exact rule ids per resource."""

    template: list[str] = field(default_factory=list)
    resources: dict[str, list[str]] = field(default_factory=dict)

    def reason(self, rule_id: str, path: list[Any]) -> str | None:
        """Why a cfn-lint finding of `rule_id` at `path` (its location in the template) is waived, or None."""
        prefix = next((p for p in self.template if p and rule_id.startswith(p)), None)
        if prefix is not None:
            return f"the template's Metadata cfn-lint config ignores {prefix} (ignore_checks)"
        if len(path) >= 2 and path[0] == "Resources" and rule_id in self.resources.get(str(path[1]), []):
            return f"the Metadata cfn-lint config of resource {path[1]} ignores {rule_id} (ignore_checks)"
        return None


def suppressions_of(data: Any) -> Suppressions:
    """The `ignore_checks` lists of the template and of each resource."""
    found = Suppressions(template=_ids(template_config(data).get("ignore_checks")))
    resources = data.get("Resources") if isinstance(data, dict) else None
    for name, resource in (resources.items() if isinstance(resources, dict) else []):
        ids = _ids(template_config(resource).get("ignore_checks")) if isinstance(resource, dict) else []
        if ids:
            found.resources[str(name)] = ids
    return found


def waive(finding: Finding, rule_id: str, path: list[Any], suppressions: Suppressions) -> None:
    """Mark `finding` waived when the template suppresses it."""
    reason = suppressions.reason(rule_id, path)
    if reason is not None:
        finding.waived, finding.waived_by = reason, WAIVED_BY


def _ids(value: Any) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []
