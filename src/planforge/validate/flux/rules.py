"""The flux validator's name, rule ids and vocabulary (`data/flux.yaml`)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

NAME = "flux"
FLUX_GROUP = ".toolkit.fluxcd.io"  # every Flux API group ends so
RULES = {
    "flux/missing-path": "a Kustomization's spec.path (a HelmRelease's chart path) does not exist in this repository",
    "flux/unbuildable-path": "a Kustomization's spec.path has no kustomization file and no manifests",
    "flux/undefined-source": "a sourceRef or chartRef names no source of that kind, name and namespace in the "
                             "repository (or only one another cluster applies)",
    "flux/missing-dependency": "a dependsOn entry names no Kustomization (HelmRelease) in the repository (or only "
                               "one another cluster applies)",
    "flux/dependency-cycle": "dependsOn entries form a cycle: none of its objects would ever reconcile",
    "flux/unpinned-chart": "a Helm chart version (or the OCI artifact of a chartRef) is not one exact version",
    "flux/tenant-service-account": "a tenant's Kustomization does not set serviceAccountName (it would apply as "
                                   "the controller, cluster-admin)",
    "flux/cross-namespace-source": "a tenant's Kustomization reads a source in another namespace: Flux's "
                                   "multi-tenancy lockdown (--no-cross-namespace-refs) refuses it",
    "flux/deprecated-api": "a Flux kind at an API version other than the current one",
    "flux/malformed": "a Flux object does not have the shape of its kind: not checked",
}
FieldPath = list[str | int]  # a field inside an object, e.g. ["spec", "dependsOn", 0, "name"]


@dataclass(frozen=True)
class Vocabulary:
    """`data/flux.yaml`: current API versions, the kinds each reference may name, tenant markers."""

    current_api_versions: dict[str, str]
    source_kinds: dict[str, list[str]]
    controller_namespace: str
    tenant_directories: frozenset[str]
    bootstrap_source: tuple[str, str]  # (namespace, name)


@cache
def vocabulary() -> Vocabulary:
    data = yaml.safe_load(resources.files("planforge").joinpath("data", "flux.yaml").read_text(encoding="utf-8"))
    namespace, _, name = data["bootstrap_source"].partition("/")
    return Vocabulary(data["current_api_versions"], data["source_kinds"], data["controller_namespace"],
                      frozenset(data["tenant_directories"]), (namespace, name))
