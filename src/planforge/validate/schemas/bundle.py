"""`$ref` bundling: a schema and everything it refers to as one self-contained document.

The compiled validators need a single document: references to the Kubernetes definitions,
to other files and to URLs are resolved here once, and annotations are dropped.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from planforge.validate.schemas.cache import SchemaFetchError, fetch_url
from planforge.validate.schemas.locations import SchemaLoadError, SchemaSource

KEEP_FORMATS = frozenset({"date-time"})  # formats checked; int32, byte, ... are annotations


_MAP_KEYS = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"})
_LIST_KEYS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_KEYS = frozenset(
    {"additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "additionalItems",
     "unevaluatedProperties", "unevaluatedItems"}
)
_DROP_KEYS = frozenset(
    {"description", "$schema", "$id", "id", "title", "example", "examples", "$comment", "default", "readOnly",
     "writeOnly", "deprecated", "nullable", "externalDocs"}
)
_EXT = "__planforge_ext"


def _read_schema_file(path: Path) -> Any:
    """A schema file's content: JSON, else YAML."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaLoadError(f"cannot read schema {path}: {exc}") from None
    try:
        return json.loads(text)
    except ValueError:
        import yaml

        try:
            return yaml.load(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError as exc:
            raise SchemaLoadError(f"schema {path} is neither JSON nor YAML: {exc}") from None


class _Bundler:
    """Turns a schema with references into one self-contained document.

    Annotations are dropped (smaller generated code); `$ref`s are rewritten to local JSON
    pointers. Core kubernetes-validate schemas refer to `/api/_definitions.json#/$defs/X`:
    only the definitions reached are copied, under `definitions`. Other relative file
    references are embedded whole under `__planforge_ext`.
    """

    _CORE_REF = re.compile(r"^(?:/api/_definitions\.json|https://kubernetes\.io/api/_definitions\.json)?#/\$defs/(.+)$")

    def __init__(self, source: SchemaSource):
        self.source = source
        # a local schema's file references stay in its directory: the schema may come from the repository
        self.confine = None if source.uri.startswith(("http://", "https://")) else os.path.realpath(source.path.parent)
        self.core_defs: dict[str, Any] | None = None
        self.defs: dict[str, Any] = {}
        self.ext: dict[str, Any] = {}
        self.ext_ids: dict[str, str] = {}

    def bundle(self) -> dict[str, Any]:
        raw = _read_schema_file(self.source.path)
        if isinstance(raw, bool):
            return {} if raw else {"not": {}}
        if not isinstance(raw, dict):
            raise SchemaLoadError(f"schema {self.source.uri} is not a JSON object")
        if self.source.core_defs is not None:
            self.core_defs = _read_schema_file(self.source.core_defs)["$defs"]
        root = self.clean(raw, self.source.uri, "#")
        if self.defs:
            root.setdefault("definitions", {}).update(self.defs)
        if self.ext:
            root[_EXT] = self.ext
        return root

    def clean(self, node: Any, base: str, prefix: str) -> Any:
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROP_KEYS or key.startswith("x-"):
                continue
            if key == "$ref" and isinstance(value, str):
                out[key] = self.ref(value, base, prefix)
            elif key in _MAP_KEYS and isinstance(value, dict):
                out[key] = {k: self.clean(v, base, prefix) for k, v in value.items()}
            elif key in _LIST_KEYS and isinstance(value, list):
                out[key] = [self.clean(v, base, prefix) for v in value]
            elif key == "items":
                out[key] = [self.clean(v, base, prefix) for v in value] if isinstance(value, list) else self.clean(value, base, prefix)
            elif key in _SCHEMA_KEYS or key == "dependencies":
                if key == "dependencies" and isinstance(value, dict):
                    out[key] = {k: self.clean(v, base, prefix) for k, v in value.items()}
                else:
                    out[key] = self.clean(value, base, prefix)
            elif key in ("exclusiveMaximum", "exclusiveMinimum") and isinstance(value, bool):
                # draft-4 / OpenAPI style: a boolean modifier of maximum / minimum
                bound = "maximum" if key == "exclusiveMaximum" else "minimum"
                if value and bound in node:
                    out[key] = node[bound]
                    out.pop(bound, None)
                    out["__drop_" + bound] = True
            elif key == "format":
                if value in KEEP_FORMATS:
                    out[key] = value
            else:
                out[key] = value
        for bound in ("maximum", "minimum"):
            if out.pop("__drop_" + bound, False):
                out.pop(bound, None)
        return out

    def ref(self, ref: str, base: str, prefix: str) -> str:
        if self.core_defs is not None:
            m = self._CORE_REF.match(ref)
            if m:
                name = m.group(1)
                if name not in self.defs:
                    if name not in self.core_defs:
                        raise SchemaLoadError(f"schema {self.source.uri}: unresolvable $ref {ref}")
                    self.defs[name] = {}
                    self.defs[name] = self.clean(self.core_defs[name], base, prefix)
                return "#/definitions/" + name
        doc, _, fragment = ref.partition("#")
        if not doc:
            return prefix + fragment
        target = self._resolve(doc, base)
        if target not in self.ext_ids:
            ident = str(len(self.ext_ids))
            self.ext_ids[target] = ident
            self.ext[ident] = {}
            path = self._local(target)
            self.ext[ident] = self.clean(_read_schema_file(path), target, f"#/{_EXT}/{ident}")
        return f"#/{_EXT}/{self.ext_ids[target]}{fragment}"

    @staticmethod
    def _resolve(ref: str, base: str) -> str:
        from urllib.parse import urljoin

        if base.startswith(("http://", "https://")):
            return urljoin(base, ref)
        if ref.startswith(("http://", "https://")):
            return ref
        return str((Path(base).parent / ref).resolve())

    def _local(self, target: str) -> Path:
        if self.confine is not None and not os.path.realpath(target).startswith(self.confine.rstrip(os.sep) + os.sep):
            raise SchemaLoadError(f"schema {self.source.uri}: $ref {target} is outside the schema's directory: not read "
                                  "(a local schema may only refer to files in its directory)")
        if self.confine is None and not target.startswith(("http://", "https://")):
            raise SchemaLoadError(f"schema {self.source.uri}: $ref {target} is not a URL: not read")
        if target.startswith(("http://", "https://")):
            try:
                path = fetch_url(target, 60.0)
            except SchemaFetchError as exc:
                raise SchemaLoadError(str(exc)) from None
            if path is None:
                raise SchemaLoadError(f"schema {self.source.uri}: $ref {target} not found")
            return path
        return Path(target)


def bundle_schema(source: SchemaSource) -> dict[str, Any]:
    """The schema of `source` as one self-contained document (see `_Bundler`)."""
    return _Bundler(source).bundle()
