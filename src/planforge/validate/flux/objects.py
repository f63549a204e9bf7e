"""The repository's Flux objects (`FluxObject`), and lookups among them (`FluxIndex`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planforge.validate.argocd import is_placeholder_url, normalize_repo_url, own_repo_urls
from planforge.validate.base import Context, Document, Finding, Severity
from planforge.validate.flux.rules import NAME, FieldPath, vocabulary
from planforge.validate.inputs import Bounds
from planforge.validate.manifests import join_path, line_of_path
from planforge.validate.manifests.objects import ManifestObject, repository_objects


@dataclass(eq=False)
class FluxObject(ManifestObject):
    """One object of a `*.toolkit.fluxcd.io` kind found in the repository."""

    clusters: set[int] = field(default_factory=set)  # the cluster entry points that apply it (none known: empty)

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.obj.get("spec")
        return spec if isinstance(spec, dict) else {}

    def _meta(self, key: str) -> str | None:
        meta = self.obj.get("metadata")
        value = meta.get(key) if isinstance(meta, dict) else None
        return value if isinstance(value, str) and value else None

    @property
    def name(self) -> str | None:
        return self._meta("name")

    @property
    def namespace(self) -> str | None:
        return self._meta("namespace")

    @property
    def label(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"

    def field(self, path: FieldPath) -> Any:
        """The value at `path` (None when a step is missing or not a mapping)."""
        value: Any = self.obj
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def line_of(self, path: FieldPath) -> int | None:
        """Line of a field of this object in its file (or of its nearest parent that exists)."""
        prefix = getattr(self.doc, "item_path", "")
        return line_of_path(self.doc, f"{prefix}.{join_path(path)}" if prefix else join_path(path))

    def finding(self, rule: str, message: str, path: FieldPath, hint: str,
                severity: Severity = Severity.ERROR) -> Finding:
        return Finding(NAME, rule, severity, f"{self.label}: {message}", self.display, self.line_of(path),
                       hint=hint, doc_index=self.doc.doc_index, json_path=join_path(path))


def _namespaces_match(wanted: str | None, actual: str | None) -> bool:
    """A reference without a namespace (whose referrer states none either) matches any namespace."""
    return wanted is None or actual is None or wanted == actual


@dataclass
class FluxIndex:
    """Every Flux object of the repository, what identifies the repository itself, and its clusters."""

    root: Path
    objects: list[FluxObject] = field(default_factory=list)
    instances: list[FluxObject] = field(default_factory=list)  # Flux Operator FluxInstances (not checked)
    repo_urls: set[str] = field(default_factory=set)  # normalised URLs of this repository
    bounds: Bounds | None = None
    cluster_names: dict[int, str] = field(default_factory=dict)  # entry point id -> "Kustomization ... (file)"
    flux_version: tuple[int, int] = field(default_factory=lambda: vocabulary().flux_version)
    flux_version_origin: str = "assumed: the repository declares no Flux version"
    _named: dict[tuple[str, str], list[FluxObject]] = field(default_factory=dict, repr=False)
    _named_count: int = field(default=-1, repr=False)  # len(objects) when _named was built

    def __post_init__(self) -> None:
        if self.bounds is None:
            self.bounds = Bounds.of([self.root])

    def find(self, kinds: list[str], name: Any, namespace: str | None,
             near: FluxObject | None = None) -> list[FluxObject]:
        """The objects of one of `kinds` called `name` in `namespace` (None: any namespace); with `near`,
        only those some cluster applying `near` applies too (when both are applied by known clusters)."""
        if self._named_count != len(self.objects):
            self._named = {}
            for obj in self.objects:
                if obj.name is not None:
                    self._named.setdefault((obj.kind, obj.name), []).append(obj)
            self._named_count = len(self.objects)
        if not isinstance(name, str):
            return []
        found = [o for kind in kinds for o in self._named.get((kind, name), [])
                 if _namespaces_match(namespace, o.namespace)]
        if near is None or not near.clusters:
            return found
        return [o for o in found if not o.clusters or o.clusters & near.clusters]

    def sources(self, kinds: list[str], name: Any, namespace: str | None,
                near: FluxObject | None = None) -> list[FluxObject]:
        """Like `find`; the GitRepository `flux bootstrap` creates is known even when no file defines it
        (its gotk-sync.yaml is often a placeholder until bootstrap writes it)."""
        found = self.find(kinds, name, namespace, near)
        bootstrap_namespace, bootstrap_name = vocabulary().bootstrap_source
        if found or "GitRepository" not in kinds or name != bootstrap_name or \
                not _namespaces_match(namespace, bootstrap_namespace) or self.find(["GitRepository"], name, namespace):
            return found
        return [bootstrap_source(self.root)]

    def clusters_of(self, objects: list[FluxObject]) -> str:
        """The entry points applying `objects`, for messages."""
        ids = sorted({n for o in objects for n in o.clusters})
        return ", ".join(self.cluster_names[n] for n in ids) or "no cluster"

    def is_this_repository(self, source: FluxObject) -> bool:
        """A GitRepository of this repository: its URL is this repository's (`.planforge.yaml` repo_url,
        git origin) or a placeholder, or it is the one `flux bootstrap` creates (flux-system/flux-system)."""
        if source.kind != "GitRepository":
            return False
        url = source.spec.get("url")
        if isinstance(url, str) and (is_placeholder_url(url) or normalize_repo_url(url) in self.repo_urls):
            return True
        return (source.namespace, source.name) == vocabulary().bootstrap_source

    def of_kind(self, kind: str, namespace: str | None, near: FluxObject | None = None) -> list[FluxObject]:
        """The objects of `kind` in `namespace` (None: any), among those a cluster applying `near` applies."""
        return [o for o in self.objects if o.kind == kind and _namespaces_match(namespace, o.namespace)
                and (near is None or not near.clusters or not o.clusters or bool(o.clusters & near.clusters))]

    def chart_artifacts(self) -> set[int]:
        """ids of the OCIRepositories some HelmRelease's chartRef names."""
        used: set[int] = set()
        for release in self.objects:
            ref = release.spec.get("chartRef") if release.kind == "HelmRelease" else None
            if isinstance(ref, dict) and ref.get("kind") == "OCIRepository":
                namespace = ref.get("namespace") or release.namespace
                used.update(id(o) for o in self.find(["OCIRepository"], ref.get("name"), namespace, release))
        return used


def bootstrap_source(root: Path) -> FluxObject:
    """The GitRepository `flux bootstrap` creates for this repository, when no file of it defines one."""
    namespace, name = vocabulary().bootstrap_source
    obj = {"apiVersion": vocabulary().current_api_versions["GitRepository"], "kind": "GitRepository",
           "metadata": {"name": name, "namespace": namespace}, "spec": {}}
    return FluxObject(Document(obj, "flux bootstrap", 0), root, "created by flux bootstrap")


def is_flux_object(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("kind"), str) and \
        str(obj.get("apiVersion", "")).partition("/")[0].endswith(vocabulary().api_groups)


def is_flux_instance(obj: Any) -> bool:
    """The Flux Operator's FluxInstance, which declares the Flux release of its cluster."""
    return isinstance(obj, dict) and \
        (str(obj.get("apiVersion", "")).partition("/")[0], obj.get("kind")) == vocabulary().flux_instance


def load_index(ctx: Context) -> FluxIndex:
    """Find every Flux object among the repository's manifests."""
    index = FluxIndex(ctx.root, repo_urls=own_repo_urls(ctx.root, ctx.bounds), bounds=ctx.bounds)
    vocab = vocabulary()
    for obj in repository_objects(ctx, FluxObject, lambda o: is_flux_object(o) or is_flux_instance(o),
                                  (*vocab.api_groups, vocab.flux_instance[0])):
        (index.instances if is_flux_instance(obj.obj) else index.objects).append(obj)
    return index
