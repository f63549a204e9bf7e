"""`wiring/placeholder-value`: a value the repository ships that cannot work once applied (an all-zero ID,
`CHANGE-ME`, an `example.invalid` address) in a field the cluster or the cloud reads, unless a README or docs/
Markdown line names that value in backticks and says the user sets it (`placeholder_documented`)."""
from __future__ import annotations

import re
from typing import Any, Iterator

from planforge.validate.base import Finding, Severity
from planforge.validate.wiring.repo import FieldPath, K8sObject, Repository, walk_values
from planforge.validate.wiring.rules import NAME, vocabulary
from planforge.validate.wiring.secrets import helm_values

_STORES = ("ClusterSecretStore", "SecretStore")


def _placeholder(value: Any) -> bool:
    return isinstance(value, str) and "${" not in value and "{{" not in value and bool(
        vocabulary().placeholder_values.search(value))


def documented_placeholders(repo: Repository) -> set[str]:
    """Values a README or docs/ Markdown line names in backticks and says the user sets."""
    words = vocabulary().placeholder_documented
    return {value for _display, text in repo.docs for line in text.splitlines() if words.search(line)
            for value in re.findall(r"`([^`\s]+)`", line)}


def _read_fields(obj: K8sObject) -> Iterator[tuple[FieldPath, Any, str]]:
    """(path, value, what) of the fields of `obj` the cluster or the cloud reads as an ID or an address."""
    identity = vocabulary().identity_annotations
    if obj.kind == "SecurityGroupPolicy":
        for i, group in enumerate(obj.field(["spec", "securityGroups", "groupIds"]) or []):
            yield ["spec", "securityGroups", "groupIds", i], group, "security group ID"
    for key, value in obj.annotations().items():
        if key in identity:
            yield ["metadata", "annotations", key], value, f"{identity[key]} identity"
    if obj.kind in _STORES:
        for path, _key, value in walk_values(obj.field(["spec", "provider"])):
            yield ["spec", "provider", *path], value, "secret store address"
    if obj.kind in ("Application", "ApplicationSet"):
        spec = ["spec", "template", "spec"] if obj.kind == "ApplicationSet" else ["spec"]
        yield [*spec, "destination", "server"], obj.field([*spec, "destination", "server"]), "cluster server URL"
    if obj.kind == "Secret" and (obj.meta("labels") or {}).get("argocd.argoproj.io/secret-type") == "cluster":
        yield ["stringData", "server"], obj.field(["stringData", "server"]), "cluster server URL"
    if obj.kind == "Component" and str(obj.obj.get("apiVersion", "")).startswith("dapr.io/"):
        for i, item in enumerate(obj.field(["spec", "metadata"]) or []):
            if isinstance(item, dict) and "value" in item:
                yield ["spec", "metadata", i, "value"], item["value"], f"Dapr {item.get('name', 'metadata')} value"
    for where, values in helm_values(obj):
        for path, key, value in walk_values(values):
            if key in identity:
                yield [*where, *path], value, f"{identity[key]} identity"


def check_placeholders(repo: Repository) -> list[Finding]:
    accepted = documented_placeholders(repo)
    findings = []
    for obj in repo.objects:
        for path, value, what in _read_fields(obj):
            if _placeholder(value) and value not in accepted:
                findings.append(obj.finding(
                    "wiring/placeholder-value", f"the {what} {value!r} is a placeholder: applied, it cannot work",
                    path, "set the real value (or wire it from where it is created, e.g. Terraform through External "
                    f"Secrets); a value you set on purpose later: list `{value}` in the README as set by you"))
    for path, name, default, line in repo.variable_defaults():
        if _placeholder(default) and default not in accepted:
            findings.append(Finding(
                NAME, "wiring/placeholder-value", Severity.ERROR, f"variable {name!r}: the default {default!r} is a "
                "placeholder", repo.tf_displays[path], line, hint=f"give {name} no default (Terraform then asks for it) "
                f"or the real value; a value you set on purpose later: list `{default}` in the README as set by you"))
    return findings
