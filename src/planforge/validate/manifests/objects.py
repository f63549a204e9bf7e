"""One object of a manifest file found in a repository, as the cross-file validators (argocd, flux, wiring) hold it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from planforge.validate.base import Context, Document
from planforge.validate.manifests.discovery import iter_manifest_files
from planforge.validate.manifests.documents import ManifestError
from planforge.validate.manifests.loader import load_documents

T = TypeVar("T", bound="ManifestObject")


@dataclass(eq=False)
class ManifestObject:
    """The loaded document, its file, and the path findings show for it."""

    doc: Document
    path: Path
    display: str

    @property
    def obj(self) -> dict[str, Any]:
        return self.doc.obj

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", ""))

    def meta(self, key: str) -> Any:
        meta = self.obj.get("metadata")
        return meta.get(key) if isinstance(meta, dict) else None

    @property
    def name(self) -> str | None:
        name = self.meta("name")
        return name if isinstance(name, str) else None


def repository_objects(ctx: Context, make: type[T], wanted: Callable[[Any], bool]) -> Iterator[T]:
    """Every document of the repository's manifests that `wanted` accepts, as a `make` object.
    Unparsable manifests are skipped: they are the schemas validator's findings."""
    for found in iter_manifest_files(ctx.root, ctx.settings):
        path = Path(found)
        try:
            docs = load_documents(path, display=ctx.display(path), bounds=ctx.bounds)
        except ManifestError:
            continue
        yield from (make(doc, path, ctx.display(path)) for doc in docs if wanted(doc.obj))
