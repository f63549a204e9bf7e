"""What loading manifests gives: `ManifestDocument`s (with `List` objects expanded into their items),
or a `ManifestError` that says where a file cannot be read or parsed."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from yaml.nodes import MappingNode

from planforge.errors import Problem, UsageError
from planforge.validate.base import Document
from planforge.validate.inputs import InputError


class ManifestError(UsageError):
    """A manifest file that cannot be read or parsed (carries file, line and document index)."""

    def __init__(self, message: str, file: str, line: int | None = None, doc_index: int | None = None,
                 rule: str | None = None, hint: str | None = None):
        super().__init__(message, [Problem(message, file=file, line=line)])
        self.file = file
        self.line = line
        self.doc_index = doc_index
        self.rule = rule  # an `input/...` rule when the file was refused rather than unparsable
        self.hint = hint

    @classmethod
    def refused(cls, exc: InputError, display: str) -> ManifestError:
        return cls(exc.message, display, exc.line, rule=exc.rule, hint=exc.hint)


@dataclass
class ManifestDocument(Document):
    """A `Document` loaded from text: keeps what is needed to locate problems later.

    `item_path` is set for the items of a `List` ("items[2]"); JSON paths of findings on
    the item are reported relative to the YAML document ("items[2].spec.replicas").
    `duplicate_nodes` are the mappings of this document that hold a key twice.
    """

    item_path: str = ""
    source: str | None = field(default=None, repr=False)
    duplicate_nodes: list[MappingNode] = field(default_factory=list, repr=False)


def portable(doc: Document) -> Document:
    """The document without its parser nodes, for another process or the result cache: duplicate keys were
    reported when it was loaded, and its source text still locates a JSON path (`line_of_path`)."""
    if isinstance(doc, ManifestDocument) and doc.duplicate_nodes:
        return replace(doc, duplicate_nodes=[])
    return doc


def expand_list_items(docs: Iterable[ManifestDocument]) -> Iterator[ManifestDocument]:
    """Each document, but a `List` object replaced by one document per item (same `doc_index`, `item_path` "items[i]")."""
    for doc in docs:
        obj = doc.obj
        if isinstance(obj, dict) and obj.get("kind") == "List" and isinstance(obj.get("items"), list):
            for i, item in enumerate(obj["items"]):
                yield ManifestDocument(
                    obj=item,
                    file=doc.file,
                    doc_index=doc.doc_index,
                    line=doc.line,
                    origin=doc.origin,
                    item_path=f"{doc.item_path}items[{i}]" if not doc.item_path else f"{doc.item_path}.items[{i}]",
                    source=doc.source,
                    duplicate_nodes=doc.duplicate_nodes if i == 0 else [],
                )
        else:
            yield doc
