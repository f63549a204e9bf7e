"""One object of a manifest file found in a repository, as the cross-file validators (argocd, flux, wiring) hold it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from planforge.validate.base import Context, Document
from planforge.validate.manifests.discovery import discover_manifests
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


def repository_objects(ctx: Context, make: type[T], wanted: Callable[[Any], bool],
                       groups: tuple[str, ...] = ()) -> Iterator[T]:
    """Every document of the repository's manifests that `wanted` accepts, as a `make` object.

    `groups`: API groups every wanted object's apiVersion names; a file whose text names none of them is not
    parsed (most files of a repository are not the cross-file validators' kinds). Unparsable manifests are
    skipped: they are the schemas validator's findings."""
    for found, text in discover_manifests(ctx.root, ctx.settings):
        if groups and text is not None and "\\" not in text and not any(group in text for group in groups):
            continue  # an escape (`argoproj\x2eio`) is the only way a string hides its characters: those are parsed
        path = Path(found)
        try:
            docs = load_documents(path, text=text, display=ctx.display(path), bounds=ctx.bounds)
        except ManifestError:
            continue
        yield from (make(doc, path, ctx.display(path)) for doc in docs if wanted(doc.obj))
