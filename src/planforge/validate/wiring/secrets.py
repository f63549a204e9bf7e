"""`wiring/undefined-secret`: every Secret a workload or chart value names is created by the repository
or documented as created outside it."""
from __future__ import annotations

import re
from typing import Any, Iterator

import yaml

from planforge.validate.base import Finding
from planforge.validate.manifests import safe_load
from planforge.validate.wiring.repo import FieldPath, K8sObject, Repository, walk_values
from planforge.validate.wiring.rules import vocabulary


def _templated(value: Any) -> bool:
    return not isinstance(value, str) or not value or "{{" in value or "${" in value


def created_secrets(repo: Repository) -> set[str]:
    """Names of the Secrets the repository creates: Secret, ExternalSecret target, SealedSecret, generators."""
    names: set[str] = set()
    for obj in repo.objects:
        if obj.kind == "Secret" and obj.group == "":
            names.add(obj.name or "")
        elif obj.kind in ("ExternalSecret", "ClusterExternalSecret"):
            target = obj.field(["spec", "target", "name"]) or obj.field(["spec", "externalSecretSpec", "target", "name"])
            names.add(target if isinstance(target, str) else obj.name or "")
        elif obj.kind == "SealedSecret":
            names.add(obj.field(["spec", "template", "metadata", "name"]) or obj.name or "")
    names |= repo.generated_secrets
    return names - {""}


def documented_secrets(repo: Repository) -> set[str]:
    """Secrets a README or docs/ Markdown line names in backticks and says are created outside the repository."""
    words = vocabulary().outside_secret_words
    found: set[str] = set()
    for _display, text in repo.docs:
        for line in text.splitlines():
            if words.search(line):
                found.update(re.findall(r"`\"?([a-z0-9][a-z0-9.-]*)\"?`", line))
    return found


def helm_values(obj: K8sObject) -> Iterator[tuple[FieldPath, Any]]:
    """Helm values an Argo CD Application or Flux HelmRelease passes (path inside the object, values)."""
    if obj.kind == "HelmRelease":
        yield ["spec", "values"], obj.field(["spec", "values"])
        return
    if obj.kind != "Application":
        return
    for where, source in obj.sources():
        helm = source.get("helm")
        if not isinstance(helm, dict):
            continue
        yield where + ["helm", "valuesObject"], helm.get("valuesObject")
        if isinstance(helm.get("values"), str):
            try:
                yield where + ["helm", "values"], safe_load(helm["values"])
            except yaml.YAMLError:  # bounded by safe_load's limits too
                continue


def references(obj: K8sObject) -> Iterator[tuple[FieldPath, str]]:
    """(path, Secret name) of every secretKeyRef, envFrom secretRef, secret volume and existingSecret value."""
    for path, key, value in walk_values(obj.obj.get("spec")):
        full: FieldPath = ["spec", *path]
        if key == "secretKeyRef" and isinstance(value, dict) and not _templated(value.get("name")):
            yield full + ["name"], value["name"]
        elif key == "secretRef" and "envFrom" in path and isinstance(value, dict) and not _templated(value.get("name")):
            yield full + ["name"], value["name"]
        elif key == "secret" and "volumes" in path and isinstance(value, dict) and not _templated(value.get("secretName")):
            yield full + ["secretName"], value["secretName"]
    for where, values in helm_values(obj):
        for path, key, value in walk_values(values):
            if key == "existingSecret" and not _templated(value):
                yield where + path, value


def check_secrets(repo: Repository) -> list[Finding]:
    known = created_secrets(repo) | documented_secrets(repo)
    findings = []
    for obj in repo.objects:
        for path, name in references(obj):
            if name in known:
                continue
            findings.append(obj.finding(
                "wiring/undefined-secret", f"names Secret {name!r}, which the repository does not create",
                path, f"create {name!r} (a Secret, an ExternalSecret with target.name {name!r}, a SealedSecret), or "
                f"document it in the README: a line naming `{name}` and saying it is created out of band"))
    return findings
