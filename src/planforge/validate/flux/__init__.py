"""The Flux validator: semantic checks on Flux Kustomizations, HelmReleases and their sources.

Schemas (the `*.toolkit.fluxcd.io` CRDs) are checked by the schemas validator on every manifest;
this package checks what a schema cannot see, across the whole repository (docs/flux.md):

* `flux/missing-path`: a Kustomization's `spec.path` in a GitRepository of this repository does
  not exist (or is a file); `flux/unbuildable-path`: it has neither a kustomization file nor manifests;
* `flux/undefined-source`: a `sourceRef` (Kustomization, HelmRelease `spec.chart.spec`, HelmChart)
  or HelmRelease `chartRef` names no source of that kind, name and namespace in the repository;
* `flux/missing-dependency`: a `dependsOn` entry names no object of the referring kind;
  `flux/dependency-cycle`: `dependsOn` entries form a cycle (its path is reported);
* `flux/unpinned-chart`: a chart version that is not one exact version;
* `flux/tenant-service-account`: a tenant's Kustomization without `serviceAccountName`;
* `flux/deprecated-api` (warning): a Flux kind at an API version other than the current one.

Modules: `rules` (rule ids, `data/flux.yaml`), `objects` (the objects and lookups), `clusters` (which
cluster entry point applies each object), `checks` (per object), `cycles`, `validator`.
"""
from __future__ import annotations

from planforge.validate.flux.checks import is_tenant
from planforge.validate.flux.objects import FluxIndex, FluxObject, is_flux_object, load_index
from planforge.validate.flux.rules import NAME, RULES
from planforge.validate.flux.validator import FluxValidator

__all__ = ["NAME", "RULES", "FluxIndex", "FluxObject", "FluxValidator", "is_flux_object", "is_tenant", "load_index"]
