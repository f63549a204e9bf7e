"""One object of a manifest file found in a repository, as the cross-file validators (argocd, flux, wiring) hold it."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planforge.validate.base import Document


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
