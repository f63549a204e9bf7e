"""`wiring/controller-missing`: the repository ships objects whose controller nothing installs (an ExternalSecret
without the External Secrets operator, a Dapr Component or `dapr.io/enabled` pod without Dapr, an HPA without a
metrics API, an Argo CD Application without Argo CD). What each object needs and what provides it is
`data/capabilities.yaml`; what the repository installs is `installs`."""
from __future__ import annotations

from typing import Any, Iterator

from planforge.validate.base import Finding
from planforge.model import capabilities
from planforge.validate.wiring.installs import Installed, installed, words
from planforge.validate.wiring.repo import FieldPath, K8sObject, Repository, walk_values
from planforge.validate.wiring.secrets import helm_values

METRICS_API = "metrics-api"
# Metric types an HPA reads from the resource metrics API (no `metrics`: CPU, which is one).
_RESOURCE_METRICS = ("Resource", "ContainerResource")
_POD_ANNOTATIONS: list[FieldPath] = [["spec", "template", "metadata", "annotations"],
                                     ["spec", "jobTemplate", "spec", "template", "metadata", "annotations"]]


def _reads_resource_metrics(hpa: K8sObject) -> bool:
    metrics = hpa.field(["spec", "metrics"])
    if not isinstance(metrics, list) or not metrics:
        return True
    return any(isinstance(m, dict) and m.get("type") in _RESOURCE_METRICS for m in metrics)


def _enabled(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _annotated(obj: K8sObject) -> Iterator[tuple[FieldPath, str]]:
    """(path, annotation) of every known pod annotation set to "true": on a Pod, a pod template, chart values."""
    known = capabilities.annotations()
    places = ([["metadata", "annotations"]] if obj.kind == "Pod" else []) + _POD_ANNOTATIONS
    for place in places:
        found = obj.field(place)
        for key in known:
            if isinstance(found, dict) and _enabled(found.get(key)):
                yield place + [key], key
    for where, values in helm_values(obj):
        for path, key, value in walk_values(values):
            if key in known and _enabled(value):
                yield [*where, *path], key


def needs(obj: K8sObject) -> Iterator[tuple[str, FieldPath]]:
    """(capability, path) of what `obj` needs from its cluster."""
    for capability in capabilities.object_needs(f"{obj.group}/{obj.kind}" if obj.group else obj.kind):
        if capability == METRICS_API and not _reads_resource_metrics(obj):
            continue
        yield capability, ["kind"]
    for path, annotation in _annotated(obj):
        yield from ((capability, path) for capability in capabilities.annotation_needs(annotation))


def _what(capability: str) -> str:
    if capability.startswith("crd:"):
        return f"the {capability.removeprefix('crd:')} custom resource"
    return {METRICS_API: "the resource metrics API (metrics.k8s.io)",
            "dapr-sidecar-injector": "Dapr's sidecar injector"}.get(capability, capability)


def _bootstrap_of(capability: str) -> str | None:
    return next((tool for tool in capabilities.bootstraps() if capability in capabilities.bootstrap(tool)), None)


def _hint(capability: str) -> str:
    entry = capabilities.provider(capability)
    if entry is not None:
        return (f"deploy the {entry.chart} chart ({entry.chart} {entry.version} from {entry.chart_repo}) before the "
                f"objects that use it, or document that it is installed (a README line: \"{entry.chart} is already "
                "installed on the cluster\")")
    tool = _bootstrap_of(capability)
    if tool is not None:
        directory = words().bootstrap_evidence.get(tool, {}).get("directory", "")
        return (f"bootstrap {tool} on the cluster (`{tool} bootstrap git --path=clusters/<env>`, which commits "
                f"clusters/<env>/{directory}), or document that step in the README (or, when the clusters run it "
                f"already, a README line: \"{tool.capitalize()} runs on the clusters already\")")
    return "install the controller that serves it, or document that it is installed"


def _message(capability: str, found: Installed) -> str:
    if capability == METRICS_API:
        return (f"needs {_what(capability)}, but the cluster ({', '.join(sorted(found.distributions))}) has none built "
                "in and nothing in the repository installs one: the autoscaler never scales")
    consequence = {"dapr-sidecar-injector": "the pod starts without its sidecar"}.get(
        capability, "applying an unknown kind fails (Argo CD fails the whole Application, Flux the Kustomization)")
    return f"needs {_what(capability)}, but nothing in the repository installs it: {consequence}"


def check_controllers(repo: Repository) -> list[Finding]:
    """`wiring/controller-missing`. A capability some distribution has built in (the metrics API) is reported only
    when the repository says which distribution its cluster runs."""
    found = installed(repo)
    maybe_built_in = {c for d in capabilities.distributions() for c in capabilities.built_in(d)}
    findings = []
    for obj in repo.objects:
        for capability, path in needs(obj):
            if found.has(capability) or (capability in maybe_built_in and not found.distributions):
                continue
            findings.append(obj.finding("wiring/controller-missing", _message(capability, found), path,
                                        _hint(capability)))
    return findings
