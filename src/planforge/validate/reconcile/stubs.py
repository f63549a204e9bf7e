"""What stands in on kind for what the cloud or the team provides: definitions of the platform's own kinds, Secrets
the repository reads but never creates (placeholders), and Let's Encrypt's staging endpoint for its production one.
Each stub is listed with its reason in the reconcile's table."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from planforge.validate.reconcile.health import Provided, group_kind, name_of, secret_references, table

ISSUER_KINDS = ("cert-manager.io/ClusterIssuer", "cert-manager.io/Issuer")


@dataclass
class Stub:
    obj: dict[str, Any]
    why: str

    @property
    def label(self) -> str:
        namespace = (self.obj.get("metadata") or {}).get("namespace")
        return f"{self.obj['kind']} {namespace + '/' if namespace else ''}{name_of(self.obj)}"


def definition(key: str) -> Stub:
    """A CustomResourceDefinition of a platform kind that accepts any fields (no controller acts on it)."""
    entry = table()["platform_kinds"][key]
    group, kind = key.split("/")
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{entry['plural']}.{group}"},
        "spec": {"group": group, "scope": entry["scope"],
                 "names": {"kind": kind, "plural": entry["plural"], "singular": kind.lower(), "listKind": f"{kind}List"},
                 "versions": [{"name": entry["version"], "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {"type": "object",
                                                              "x-kubernetes-preserve-unknown-fields": True}}}]},
    }
    return Stub(crd, f"stands in for {entry['served_by']} (any fields, no controller)")


def definitions(objects: Iterable[dict[str, Any]]) -> list[Stub]:
    kinds = table()["platform_kinds"]
    return [definition(key) for key in sorted({group_kind(obj) for obj in objects if group_kind(obj) in kinds})]


def secrets(placed: Iterable[tuple[dict[str, Any], str]], provided: Provided) -> list[Stub]:
    """Placeholder Secrets (and their Namespaces) for what workloads read that nothing on kind will create, so the
    workloads start: one per namespace and name, with every key any of them reads."""
    wanted: dict[tuple[str, str], set[str]] = {}
    why: dict[tuple[str, str], str] = {}
    for obj, namespace in placed:
        for secret, keys in secret_references(obj).items():
            missing = provided.missing("Secret", secret)
            if missing:
                wanted.setdefault((namespace, secret), set()).update(keys)
                why[(namespace, secret)] = f"placeholder values: {missing}"
    value = table()["stub_secret_value"]
    namespaces = sorted({namespace for namespace, _ in wanted if namespace})
    stubs = [Stub({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
                  "holds stub Secrets below (the repository creates it too)") for namespace in namespaces]
    for (namespace, secret), keys in sorted(wanted.items()):
        stubs.append(Stub({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                           "metadata": {"name": secret, "namespace": namespace or "default"},
                           "stringData": {key: value for key in sorted(keys)}}, why[(namespace, secret)]))
    return stubs


def acme_ops(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON patch that points a Let's Encrypt production issuer at the staging endpoint (none for others)."""
    acme = (obj.get("spec") or {}).get("acme") or {}
    if group_kind(obj) in ISSUER_KINDS and acme.get("server") == table()["acme_production"]:
        return [{"op": "replace", "path": "/spec/acme/server", "value": table()["acme_staging"]}]
    return []
