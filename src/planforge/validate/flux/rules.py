"""The flux validator's name, rule ids and vocabulary (`data/flux.yaml`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from planforge.yamlio import package_data

NAME = "flux"
RULES = {
    "flux/missing-path": "a Kustomization's spec.path (a HelmRelease's chart path) does not exist in this repository",
    "flux/unbuildable-path": "a Kustomization's spec.path has no kustomization file and no manifests",
    "flux/undefined-source": "a sourceRef or chartRef names no source of that kind, name and namespace in the "
                             "repository (or only one another cluster applies)",
    "flux/missing-dependency": "a dependsOn entry names no Kustomization (HelmRelease) in the repository (or only "
                               "one another cluster applies)",
    "flux/dependency-cycle": "dependsOn entries form a cycle: none of its objects would ever reconcile",
    "flux/unpinned-chart": "a Helm chart version (or the OCI artifact of a chartRef) is not one exact version, as the "
                           "kustomize build of each cluster's overlay resolves it (a warning unless --strict)",
    "flux/tenant-service-account": "a tenant's Kustomization does not set serviceAccountName (it would apply as "
                                   "the controller, cluster-admin)",
    "flux/cross-namespace-source": "a tenant's Kustomization reads a source in another namespace: Flux's "
                                   "multi-tenancy lockdown (--no-cross-namespace-refs) refuses it",
    "flux/deprecated-api": "a Flux kind at an API version other than the current one that Flux still serves",
    "flux/removed-api": "a Flux kind at an API version the repository's Flux version no longer serves",
    "flux/malformed": "a Flux object does not have the shape of its kind: not checked",
}
FieldPath = list[str | int]  # a field inside an object, e.g. ["spec", "dependsOn", 0, "name"]


@dataclass(frozen=True)
class Vocabulary:
    """`data/flux.yaml`: API groups and versions, the kinds each reference may name, tenant markers."""

    api_groups: tuple[str, ...]
    flux_version: tuple[int, int]  # assumed when the repository declares none
    flux_instance: tuple[str, str]  # (API group, kind) of the Flux Operator object declaring a Flux version
    current_api_versions: dict[str, str]
    removed_api_versions: dict[str, tuple[int, int]]  # apiVersion -> the Flux release that removed it
    source_kinds: dict[str, list[str]]
    generated_sources: dict[str, str]  # generated kind -> the kind that generates it
    controller_namespace: str
    tenant_directories: frozenset[str]
    bootstrap_source: tuple[str, str]  # (namespace, name)
    bootstrap_sync_file: str


def minor_version(text: str) -> tuple[int, int] | None:
    """(2, 7) for `2.7`, `v2.7.1`, `2.7.x`; None for anything else (`2.x`, `latest`)."""
    match = re.match(r"^\s*v?(\d+)\.(\d+)(?:\.[0-9x*]+)?\s*$", str(text))
    return (int(match[1]), int(match[2])) if match else None


def _minor(text: str) -> tuple[int, int]:
    version = minor_version(text)
    if version is None:
        raise ValueError(f"data/flux.yaml: {text!r} is not a Flux version")
    return version


@cache
def vocabulary() -> Vocabulary:
    data = package_data("flux.yaml")
    namespace, _, name = data["bootstrap_source"].partition("/")
    group, _, kind = data["flux_instance"].rpartition("/")
    return Vocabulary(tuple(data["api_groups"]), _minor(data["flux_version"]), (group, kind), data["current_api_versions"],
                      {api: _minor(v) for api, v in data["removed_api_versions"].items()}, data["source_kinds"],
                      data["generated_sources"], data["controller_namespace"], frozenset(data["tenant_directories"]),
                      (namespace, name), data["bootstrap_sync_file"])
