"""The embedded engine: kubeconform's semantics, checked in process with the compiled schemas.

Empty documents are valid, a missing or empty `kind`/`apiVersion` is an error, `--skip` /
`--reject` match `Kind` or `apiVersion/Kind`, a kind without schema is an error unless
`ignore_missing_schemas`, and strict mode uses the `-strict` schemas (unknown fields are
errors) and reports duplicate keys.
"""
from __future__ import annotations

import re
from typing import Any

from planforge.validate.base import Document, Finding, Settings, Severity
from planforge.validate.manifests import ManifestDocument, duplicate_key_locations, join_path, line_of_path
from planforge.validate.schemas.compiled import compiled_schema, short_json
from planforge.validate.schemas.locations import SchemaLoadError, SchemaResolver, SchemaSource
from planforge.validate.schemas.results import (
    NAME,
    RULE_DUPLICATE_KEY,
    RULE_INVALID,
    RULE_MISSING_API_VERSION,
    RULE_MISSING_KIND,
    RULE_MISSING_SCHEMA,
    RULE_NOT_OBJECT,
    RULE_REJECTED,
    RULE_SCHEMA_ERROR,
    ResourceResult,
    display_name,
)

def _kind_matches(entries: set[str], api_version: str, kind: str) -> bool:
    """Whether --skip / --reject entries name this kind (`Kind` or `apiVersion/Kind`)."""
    return kind in entries or f"{api_version}/{kind}" in entries


class EmbeddedEngine:
    """Validates documents with the embedded schemas; one instance per settings."""

    def __init__(self, settings: Settings, *, bundled_crds: bool = True):
        self.settings = settings
        self.resolver = SchemaResolver(settings, bundled_crds=bundled_crds)
        self.skip = set(settings.skip_kinds)
        self.reject = set(settings.reject_kinds)
        self._sources: dict[tuple[str, str], SchemaSource | None | SchemaLoadError] = {}

    @property
    def description(self) -> str:
        import fastjsonschema

        mode = ", strict" if self.settings.strict else ""
        return f"embedded (Kubernetes {self.resolver.core_label} schemas{mode}, fastjsonschema {fastjsonschema.VERSION})"

    def _source(self, api_version: str, kind: str) -> SchemaSource | None:
        key = (api_version, kind)
        if key not in self._sources:
            try:
                self._sources[key] = self.resolver.find(api_version, kind)
            except SchemaLoadError as exc:
                self._sources[key] = exc
        found = self._sources[key]
        if isinstance(found, SchemaLoadError):
            raise found
        return found

    def validate(self, doc: Document) -> ResourceResult:
        obj = doc.obj
        file = doc.file
        prefix = getattr(doc, "item_path", "")
        result = ResourceResult(file=file, doc_index=doc.doc_index, status="valid")

        def finding(rule: str, message: str, path: list[str | int] | None = None, line: int | None = None, hint: str | None = None) -> Finding:
            json_path = join_path(path) if path else ""
            full = f"{prefix}.{json_path}" if prefix and json_path else (prefix or json_path)
            if line is None:
                line = line_of_path(doc, full) if full else doc.line
            return Finding(
                validator=NAME, rule=rule, severity=Severity.ERROR, message=message, file=file, line=line,
                doc_index=doc.doc_index, json_path=full or None, hint=hint,
            )

        if obj is None:
            result.status = "empty"
            return result
        if not isinstance(obj, dict):
            result.status = "error"
            result.findings.append(finding(RULE_NOT_OBJECT, f"document is a {type(obj).__name__}, not a Kubernetes object"))
            return result
        kind = obj.get("kind")
        api_version = obj.get("apiVersion")
        result.kind = kind if isinstance(kind, str) else None
        result.api_version = api_version if isinstance(api_version, str) else None
        result.name = display_name(obj)
        if not isinstance(kind, str) or not kind:
            result.status = "error"
            message = "missing 'kind' key" if not kind else f"'kind' must be a string, not {short_json(kind)}"
            result.findings.append(finding(RULE_MISSING_KIND, message, ["kind"], hint="every Kubernetes object needs `kind:`"))
            return result
        if not isinstance(api_version, str) or not api_version:
            result.status = "error"
            message = "missing 'apiVersion' key" if not api_version else f"'apiVersion' must be a string, not {short_json(api_version)}"
            result.findings.append(finding(
                RULE_MISSING_API_VERSION, f"{kind}: {message}", ["apiVersion"], hint="add `apiVersion:` (e.g. apps/v1)"
            ))
            return result
        label = f"{kind} {result.name}" if result.name else kind
        if _kind_matches(self.skip, api_version, kind):
            result.status = "skipped"
            return result
        if _kind_matches(self.reject, api_version, kind):
            result.status = "error"
            result.findings.append(finding(RULE_REJECTED, f"{label}: prohibited resource kind {kind}", ["kind"], hint="this kind is listed in --reject"))
            return result
        if self.settings.strict and isinstance(doc, ManifestDocument) and doc.duplicate_nodes:
            for path, line in duplicate_key_locations(doc):
                result.findings.append(Finding(
                    validator=NAME, rule=RULE_DUPLICATE_KEY, severity=Severity.ERROR,
                    message=f"{label}: duplicate key {path.rsplit('.', 1)[-1]!r} (the later value silently wins)",
                    file=file, line=line, doc_index=doc.doc_index, json_path=path, hint="remove one of the two keys",
                ))
        try:
            source = self._source(api_version, kind)
        except SchemaLoadError as exc:
            result.status = "error"
            result.findings.append(finding(RULE_SCHEMA_ERROR, f"{label}: {exc}"))
            return result
        if source is None:
            if self.settings.ignore_missing_schemas:
                result.status = "skipped" if not result.findings else "invalid"
                result.skip_reason = f"no schema for {kind} ({api_version}); --ignore-missing-schemas"
                return result
            result.status = "error"
            result.findings.append(finding(
                RULE_MISSING_SCHEMA,
                f"{label}: could not find schema for {kind} ({api_version}) in the Kubernetes {self.resolver.core_label} "
                f"schemas, the --schema-location entries or the bundled CRD catalog",
                ["apiVersion"],
                hint="check apiVersion/kind, add --schema-location for this CRD, or use --ignore-missing-schemas / --skip",
            ))
            return result
        try:
            compiled = compiled_schema(source)
        except SchemaLoadError as exc:
            result.status = "error"
            result.findings.append(finding(RULE_SCHEMA_ERROR, f"{label}: {exc}"))
            return result
        first = compiled.first_error(obj)
        if first is not None:
            errors = compiled.errors(obj)
            if not errors:  # the engines disagree (e.g. a format): report the fast engine's error
                errors = [(_fast_path(first), _fast_message(first))]
            for path, message in errors:
                shown = path[:-1] if message.startswith("unknown field") else path
                where = ".".join(x for x in (prefix, join_path(shown)) if x)
                result.findings.append(finding(
                    RULE_INVALID, f"{label}: {where + ': ' if where else ''}{message}", path,
                    hint=_fix_hint(kind, shown, message, source),
                ))
        if result.findings:
            result.status = "invalid"
        return result


def _fix_hint(kind: str, path: list[str | int], message: str, source: SchemaSource) -> str:
    """How to fix a schema error: for Kubernetes kinds, the `kubectl explain` of the field."""
    fields = ".".join(str(p) for p in path if isinstance(p, str))
    if source.core_defs is not None:
        where = f"`kubectl explain {kind.lower()}{'.' + fields if fields else ''}`"
    else:
        where = f"the schema {source.uri}"
    if message.startswith("unknown field"):
        return f"remove the field or fix its spelling; the allowed fields are in {where}"
    return f"see {where}"


def _fast_path(exc: Exception) -> list[str | int]:
    name = getattr(exc, "name", "") or ""
    parts: list[str | int] = []
    for m in re.finditer(r"\[(\d+)\]|\.([^.\[\]]+)", name[4:] if name.startswith("data") else name):
        parts.append(int(m.group(1)) if m.group(1) is not None else m.group(2))
    return parts


def _fast_message(exc: Exception) -> str:
    msg = str(getattr(exc, "message", exc))
    name = getattr(exc, "name", "")
    return msg[len(name):].strip() if name and msg.startswith(name) else msg


_ENGINES: dict[tuple[Any, ...], EmbeddedEngine] = {}


def embedded_engine(settings: Settings, *, bundled_crds: bool = True) -> EmbeddedEngine:
    """A cached `EmbeddedEngine` for these settings (compiled schemas are shared by all)."""
    key = (
        settings.kube_version, settings.strict, tuple(settings.schema_locations), settings.ignore_missing_schemas,
        tuple(settings.skip_kinds), tuple(settings.reject_kinds), bundled_crds,
    )
    engine = _ENGINES.get(key)
    if engine is None:
        engine = _ENGINES[key] = EmbeddedEngine(settings, bundled_crds=bundled_crds)
    return engine
