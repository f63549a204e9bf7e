"""The repository's Flux objects (`FluxObject`), and lookups among them (`FluxIndex`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planforge.validate.argocd import is_placeholder_url, normalize_repo_url, own_repo_urls
from planforge.validate.base import Context, Finding, Severity
from planforge.validate.flux.rules import FLUX_GROUP, NAME, FieldPath, vocabulary
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
    repo_urls: set[str] = field(default_factory=set)  # normalised URLs of this repository
    bounds: Bounds | None = None
    cluster_names: dict[int, str] = field(default_factory=dict)  # entry point id -> "Kustomization ... (file)"
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

    def local_path(self, kustomization: FluxObject) -> str | None:
        """The Kustomization's spec.path when its source is this repository (None otherwise, or substituted)."""
        ref = kustomization.spec.get("sourceRef")
        if not isinstance(ref, dict):
            return None
        namespace = ref.get("namespace") or kustomization.namespace
        sources = self.find(vocabulary().source_kinds["Kustomization.spec.sourceRef"], ref.get("name"), namespace)
        path = kustomization.spec.get("path", "./")
        if not any(s.kind == ref.get("kind") and self.is_this_repository(s) for s in sources) or \
                not isinstance(path, str) or "${" in path:
            return None
        return path

    def chart_artifacts(self) -> set[int]:
        """ids of the OCIRepositories some HelmRelease's chartRef names."""
        used: set[int] = set()
        for release in self.objects:
            ref = release.spec.get("chartRef") if release.kind == "HelmRelease" else None
            if isinstance(ref, dict) and ref.get("kind") == "OCIRepository":
                namespace = ref.get("namespace") or release.namespace
                used.update(id(o) for o in self.find(["OCIRepository"], ref.get("name"), namespace, release))
        return used


def is_flux_object(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("kind"), str) and \
        str(obj.get("apiVersion", "")).partition("/")[0].endswith(FLUX_GROUP)


def load_index(ctx: Context) -> FluxIndex:
    """Find every Flux object among the repository's manifests."""
    index = FluxIndex(ctx.root, repo_urls=own_repo_urls(ctx.root, ctx.bounds), bounds=ctx.bounds)
    index.objects.extend(repository_objects(ctx, FluxObject, is_flux_object))
    return index
