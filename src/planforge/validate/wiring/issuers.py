"""`wiring/undefined-issuer`: cert-manager issues certificates only from issuers the repository defines."""
from __future__ import annotations

from typing import Iterator

from planforge.validate.base import Finding
from planforge.validate.wiring.identity import deployed_components
from planforge.validate.wiring.repo import FieldPath, K8sObject, Repository

ANNOTATIONS = {"cert-manager.io/cluster-issuer": "ClusterIssuer", "cert-manager.io/issuer": "Issuer"}


def _references(obj: K8sObject) -> Iterator[tuple[FieldPath, str, str]]:
    """(path, issuer kind, name) an Ingress annotation or a Certificate's issuerRef names."""
    for key, kind in ANNOTATIONS.items():
        name = obj.annotations().get(key)
        if isinstance(name, str) and name and "{{" not in name:
            yield ["metadata", "annotations", key], kind, name
    if obj.kind == "Certificate" and obj.group == "cert-manager.io":
        ref = obj.field(["spec", "issuerRef"]) or {}
        if isinstance(ref.get("name"), str):
            yield ["spec", "issuerRef", "name"], str(ref.get("kind") or "Issuer"), ref["name"]


def check_issuers(repo: Repository) -> list[Finding]:
    defined = {(o.kind, o.name) for o in repo.of_kind("Issuer", "ClusterIssuer") if o.group == "cert-manager.io"}
    findings = []
    for obj in repo.objects:
        for path, kind, name in _references(obj):
            if (kind, name) not in defined:
                findings.append(obj.finding(
                    "wiring/undefined-issuer", f"asks cert-manager for a certificate from {kind} {name!r}, which the "
                    "repository does not define", path,
                    f"define the {kind} {name!r} (e.g. ACME Let's Encrypt with an HTTP-01 or DNS-01 solver) or fix the name"))
    if not defined:
        for obj, component, path, _values in deployed_components(repo):
            if component.chart == "cert-manager":
                findings.append(obj.finding(
                    "wiring/undefined-issuer", "deploys cert-manager, but the repository defines no Issuer or "
                    "ClusterIssuer: no certificate can be issued", path,
                    "add a ClusterIssuer (e.g. Let's Encrypt ACME) applied after cert-manager's CRDs (a later wave)"))
    return findings
