"""Why an object cannot become healthy on a throwaway kind cluster, in one sentence, or None when it can.

An object with a reason is still applied (the API server and the controllers' webhooks still judge it); only its
health is not awaited. The reasons come from `data/reconcile.yaml` and from what the repository itself defines: a
Secret nothing in it creates, an image CI cannot pull, a claim on a class kind has not.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from planforge.yamlio import package_data

ESO_GROUP = "external-secrets.io"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
ImageCheck = Callable[[str], "bool | None"]


@cache
def table() -> dict[str, Any]:
    return package_data("reconcile.yaml")


def group_kind(obj: dict[str, Any]) -> str:
    api = str(obj.get("apiVersion", ""))
    return f"{api.rsplit('/', 1)[0]}/{obj.get('kind')}" if "/" in api else str(obj.get("kind"))


def name_of(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def namespace_of(obj: dict[str, Any], default: str = "") -> str:
    return str((obj.get("metadata") or {}).get("namespace") or default)


@dataclass
class Provided:
    """What the walked repository creates: Secrets (by name, any namespace) and who writes them."""

    secrets: set[str] = field(default_factory=set)
    config_maps: set[str] = field(default_factory=set)
    external_secrets: set[str] = field(default_factory=set)  # target Secrets External Secrets writes

    def add(self, obj: dict[str, Any]) -> None:
        if obj.get("kind") == "Secret" and obj.get("apiVersion") == "v1":
            self.secrets.add(name_of(obj))
        elif obj.get("kind") == "ConfigMap" and obj.get("apiVersion") == "v1":
            self.config_maps.add(name_of(obj))
        elif group_kind(obj) == f"{ESO_GROUP}/ExternalSecret":
            target = ((obj.get("spec") or {}).get("target") or {}).get("name") or name_of(obj)
            self.external_secrets.add(str(target))

    def missing(self, kind: str, name: str) -> str | None:
        """Why a Secret or ConfigMap of that name will not exist on kind (None: the repository creates it)."""
        if name in (self.config_maps if kind == "ConfigMap" else self.secrets):
            return None
        if kind == "Secret" and name in self.external_secrets:
            return f"Secret {name}, which External Secrets writes from a store outside the cluster"
        return f"{kind} {name}, which nothing in the repository creates"


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        return spec
    if obj.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return ((spec.get("template") or {}).get("spec")) or {}


def _containers(pod: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("initContainers", "containers"):
        yield from (c for c in pod.get(key) or [] if isinstance(c, dict))


def secret_references(obj: dict[str, Any]) -> dict[str, set[str]]:
    """Secrets a workload cannot start without (references marked optional left out), with the keys it reads."""
    refs: dict[str, set[str]] = {}
    if obj.get("kind") not in WORKLOAD_KINDS:
        return refs
    pod = _pod_spec(obj)
    for container in _containers(pod):
        for source in container.get("envFrom") or []:
            ref = (source or {}).get("secretRef") or {}
            if ref.get("name") and not ref.get("optional"):
                refs.setdefault(str(ref["name"]), set())
        for env in container.get("env") or []:
            ref = ((env or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
            if ref.get("name") and not ref.get("optional"):
                refs.setdefault(str(ref["name"]), set()).add(str(ref.get("key", "")))
    for volume in pod.get("volumes") or []:
        secret = (volume or {}).get("secret") or {}
        if secret.get("secretName") and not secret.get("optional"):
            keys = refs.setdefault(str(secret["secretName"]), set())
            keys.update(str(item.get("key")) for item in secret.get("items") or [] if isinstance(item, dict))
    return {name: {key for key in keys if key} for name, keys in refs.items()}


def _claims(obj: dict[str, Any]) -> Iterator[str]:
    """StorageClasses the object's claims name."""
    if obj.get("kind") == "PersistentVolumeClaim":
        klass = (obj.get("spec") or {}).get("storageClassName")
        if klass:
            yield str(klass)
    for template in (obj.get("spec") or {}).get("volumeClaimTemplates") or []:
        klass = ((template or {}).get("spec") or {}).get("storageClassName")
        if klass:
            yield str(klass)


def _chart(obj: dict[str, Any]) -> str | None:
    """The upstream chart a Flux HelmRelease or an Argo CD Application installs."""
    spec = obj.get("spec") or {}
    if obj.get("kind") == "HelmRelease":
        return ((spec.get("chart") or {}).get("spec") or {}).get("chart")
    if obj.get("kind") == "Application":
        sources = [spec.get("source")] + list(spec.get("sources") or [])
        return next((s["chart"] for s in sources if isinstance(s, dict) and s.get("chart")), None)
    return None


def _store_reason(obj: dict[str, Any]) -> str | None:
    kind = obj.get("kind")
    if kind in ("SecretStore", "ClusterSecretStore"):
        providers = set(((obj.get("spec") or {}).get("provider") or {}))
        if providers and providers <= set(table()["in_cluster_secret_providers"]):
            return None
        return f"it reads {', '.join(sorted(providers)) or 'a provider'}, outside the cluster"
    if kind in ("ExternalSecret", "ClusterExternalSecret", "PushSecret"):
        return "it syncs with a secret store outside the cluster"
    return None


def _load_balancer(obj: dict[str, Any], controller: str) -> str | None:
    """kind gives no Service a load balancer address: Helm's wait and Argo CD's health wait for one (and Argo CD's
    health for an Ingress waits for the address its controller publishes from that Service)."""
    if obj.get("kind") == "Service" and (obj.get("spec") or {}).get("type") == "LoadBalancer":
        return "it is a LoadBalancer Service, which gets no address on kind"
    if obj.get("kind") == "Ingress" and controller == "argocd":
        return "its ingress controller publishes no load balancer address on kind"
    return None


def reasons(obj: dict[str, Any], image_available: ImageCheck, controller: str = "flux") -> list[str]:
    """Why `obj` cannot be healthy on kind (empty: its health is awaited)."""
    found: list[str] = []
    platform = table()["platform_kinds"].get(group_kind(obj))
    if platform:
        found.append(f"its kind is served by {platform['served_by']} (a stub definition on kind)")
    if group_kind(obj).startswith(ESO_GROUP + "/") and (store := _store_reason(obj)):
        found.append(store)
    chart = _chart(obj)
    for table_name in ("cloud_charts", "heavy_charts"):
        if chart and chart in table()[table_name]:
            found.append(f"chart {chart}: {table()[table_name][chart]}")
    if obj.get("kind") in WORKLOAD_KINDS:
        for image in sorted({str(c.get("image")) for c in _containers(_pod_spec(obj)) if c.get("image")}):
            if image_available(image) is False:
                found.append(f"its image {image} cannot be pulled from CI (built or kept outside this repository)")
    if balancer := _load_balancer(obj, controller):
        found.append(balancer)
    kind_class = table()["kind_storage_class"]
    for klass in sorted(set(_claims(obj))):
        if klass != kind_class:
            found.append(f"it claims StorageClass {klass}, whose volumes kind cannot provision")
    return [f"{obj.get('kind')} {name_of(obj)}: {reason}" for reason in found]
