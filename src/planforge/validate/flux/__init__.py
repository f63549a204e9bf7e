"""The Flux validator: semantic checks on Flux Kustomizations, HelmReleases and their sources.

Schemas (the `*.toolkit.fluxcd.io` and `source.extensions.fluxcd.io` CRDs) are checked by the schemas validator on every manifest;
this package checks what a schema cannot see, across the whole repository (docs/flux.md):

* `flux/missing-path`: a Kustomization's `spec.path` in a GitRepository of this repository does
  not exist (or is a file); `flux/unbuildable-path`: it has neither a kustomization file nor manifests;
* `flux/undefined-source`: a `sourceRef` (Kustomization, HelmRelease `spec.chart.spec`, HelmChart)
  or HelmRelease `chartRef` names no source of that kind, name and namespace in the repository;
* `flux/missing-dependency`: a `dependsOn` entry names no object of the referring kind;
  `flux/dependency-cycle`: `dependsOn` entries form a cycle (its path is reported);
* `flux/unpinned-chart` (warning, error with --strict): a chart version that is not one exact version,
  as the kustomize build of each overlay resolves it;
* `flux/tenant-service-account`: a tenant's Kustomization without `serviceAccountName`;
* `flux/removed-api`: an API version the repository's Flux release no longer serves;
  `flux/deprecated-api` (warning): another version than the current one.

Modules: `rules` (rule ids, `data/flux.yaml`), `objects` (the objects and lookups), `sources` (paths
through a source, generated artifacts), `clusters` (which cluster entry point applies each object),
`apis` (the declared Flux version, API versions), `builds` (kustomize builds of what Flux applies),
`charts` (chart versions), `checks` (per object), `cycles`, `validator`.
"""
from __future__ import annotations

from planforge.validate.flux.checks import is_tenant
from planforge.validate.flux.objects import FluxIndex, FluxObject, is_flux_object, load_index
from planforge.validate.flux.rules import NAME, RULES
from planforge.validate.flux.validator import FluxValidator

__all__ = ["NAME", "RULES", "FluxIndex", "FluxObject", "FluxValidator", "is_flux_object", "is_tenant", "load_index"]
