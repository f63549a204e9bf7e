"""What every policy rule shares: rule ids and severities, the data file, object helpers and the
collector that turns a rule's verdict into a (possibly waived) Finding."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from planforge.validate.base import Document, Finding, Severity
from planforge.yamlio import package_data

NAME = "policy"

RULES: dict[str, str] = {
    "policy/run-as-non-root": "Containers must run as a non-root user (runAsNonRoot: true, runAsUser not 0).",
    "policy/allow-privilege-escalation": "Containers must set allowPrivilegeEscalation: false.",
    "policy/capabilities": "Containers must drop ALL capabilities and add none but NET_BIND_SERVICE.",
    "policy/seccomp": "Pods or containers must use the RuntimeDefault (or Localhost) seccomp profile.",
    "policy/privileged": "Containers must not run privileged.",
    "policy/host-namespaces": "Pods must not share the host network, PID or IPC namespace.",
    "policy/resource-requests": "Containers must request cpu and memory.",
    "policy/resource-limits": "Containers must limit cpu and memory.",
    "policy/liveness-probe": "Long-running containers must have a liveness probe.",
    "policy/readiness-probe": "Long-running containers must have a readiness probe.",
    "policy/image-tag": "Images must be pinned to a tag other than latest, or to a digest.",
    "policy/default-deny-ingress": "Every namespace the repository creates needs a default-deny ingress NetworkPolicy.",
    "policy/appproject-source-repos": "AppProjects must list their source repositories, not '*'.",
    "policy/appproject-destinations": "AppProjects must not allow every namespace on every cluster.",
    "policy/appproject-cluster-resources": "AppProjects must not whitelist every cluster-scoped resource.",
    "policy/openshift-fixed-ids": "Pods rendered for OpenShift must leave runAsUser, runAsGroup and fsGroup to the "
                                  "restricted-v2 SCC.",
    "policy/read-only-root-filesystem": "Containers must set readOnlyRootFilesystem: true.",
    "policy/host-path": "Pods must not mount hostPath volumes.",
    "policy/sensitive-host-mount": "Pods must not mount a sensitive host path (/, /etc, /proc, /var/run, docker.sock...).",
    "policy/host-port": "Containers must not bind a hostPort.",
    "policy/volume-types": "Pods must use only the volume types the restricted Pod Security Standard allows.",
    "policy/unsafe-sysctls": "Pods must set only the sysctls the baseline Pod Security Standard calls safe.",
    "policy/proc-mount": "Containers must keep the default (masked) /proc mount.",
    "policy/secret-in-env": "Secrets must not be written as literal environment values.",
    "policy/automount-service-account-token": "Pods that do not call the Kubernetes API must not mount a service "
                                              "account token.",
    "policy/rbac-wildcard": "Roles must not grant '*' verbs or resources.",
    "policy/cluster-admin-binding": "Bindings must not grant the cluster-admin ClusterRole.",
    "policy/pod-exec": "Roles must not grant pods/exec or pods/attach.",
    "policy/network-policy-empty-peers": "A NetworkPolicy rule must not list an empty `from` or `to`: it admits every "
                                         "peer.",
    "policy/malformed": "An object does not have the shape of its kind, so its policy rules cannot be checked.",
    "policy/waiver-without-reason": "A waiver must give a reason.",
    "policy/waiver-unknown-rule": "A waiver must name a policy rule.",
}
# Findings about waivers themselves cannot be waived.
WAIVER_RULES = {"policy/waiver-without-reason", "policy/waiver-unknown-rule"}
SETTINGS_WAIVER = ".planforge.yaml"


@lru_cache(maxsize=None)
def data() -> dict[str, Any]:
    """planforge/data/policy.yaml."""
    return package_data("policy.yaml")


@dataclass(frozen=True)
class Profile:
    """A policy profile (`policy_profile`): the rules it checks and its form of the capabilities and seccomp rules."""

    name: str
    rules: frozenset[str]
    addable_capabilities: frozenset[str]
    drop_all_capabilities: bool
    seccomp_profile_required: bool


DEFAULT_PROFILE = "restricted"


def profile_names() -> tuple[str, ...]:
    return tuple(data()["profiles"])


@lru_cache(maxsize=None)
def profile(name: str = DEFAULT_PROFILE) -> Profile:
    """A profile of planforge/data/policy.yaml by name (one of `profile_names()`)."""
    entry = data()["profiles"][name]
    rules = RULES.keys() if entry["rules"] == "all" else entry["rules"]
    return Profile(name, frozenset(rules), frozenset(entry["addable_capabilities"]), entry["drop_all_capabilities"],
                   entry["seccomp_profile_required"])


def severity_of(rule: str) -> Severity:
    return Severity.WARNING if rule in data()["warning_rules"] else Severity.ERROR


def known_rule(name: str) -> str | None:
    """The rule id a waiver names ("read-only-root-filesystem" or "policy/read-only-root-filesystem")."""
    rule = name if name.startswith(f"{NAME}/") else f"{NAME}/{name}"
    return rule if rule in RULES and rule not in WAIVER_RULES else None


def get_path(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def label_of(obj: dict[str, Any]) -> str:
    name = get_path(obj, "metadata", "name") or get_path(obj, "metadata", "generateName") or "<unnamed>"
    return f"{obj.get('kind')} {name}"


def iter_objects(docs: Iterable[Document]) -> Iterator[tuple[Document, dict[str, Any], str]]:
    """Every object with its document and JSON path prefix, `List` kinds item by item."""
    for doc in docs:
        obj = doc.obj
        if not isinstance(obj, dict):
            continue
        kind = str(obj.get("kind", ""))
        if kind.endswith("List") and isinstance(obj.get("items"), list):  # List, DeploymentList, ...
            for index, item in enumerate(obj.get("items") or []):
                if isinstance(item, dict):
                    yield doc, item, f"items[{index}]."
        else:
            yield doc, obj, ""


class Collector:
    """Findings of a set of documents under one profile (a rule the profile does not check adds nothing);
    `waivers` are the rules waived on the object being checked."""

    def __init__(self, profile_name: str = DEFAULT_PROFILE) -> None:
        self.profile = profile(profile_name)
        self.findings: list[Finding] = []
        self.waivers: dict[str, str] = {}

    def add(self, doc: Document, rule: str, message: str, json_path: str, hint: str) -> None:
        if rule not in self.profile.rules:
            return
        item_path = getattr(doc, "item_path", "")
        if item_path and not json_path.startswith("items["):
            json_path = f"{item_path}.{json_path}"
        reason = self.waivers.get(rule)
        self.findings.append(
            Finding(
                validator=NAME,
                rule=rule,
                severity=severity_of(rule),
                message=message,
                file=doc.file,
                line=line_of(doc, json_path),
                hint=hint,
                doc_index=doc.doc_index,
                json_path=json_path,
                waived=reason,
                waived_by="annotation" if reason is not None else None,
            )
        )



def line_of(doc: Document, json_path: str) -> int | None:
    """The line of the field (or its nearest existing parent) when the source text is known."""
    if getattr(doc, "source", None) is None:
        return doc.line
    try:
        from planforge.validate.manifests import line_of_path

        return line_of_path(doc, json_path) or doc.line
    except Exception:  # locating is best effort; the document line is still right
        return doc.line
