"""The compile cache: each schema compiled once to Python code, kept on disk and in memory.

Schemas are compiled with fastjsonschema; the code object is cached on disk (keyed by
schema file identity, fastjsonschema and Python versions) and in memory. The fast path
validates with that code only; when an object fails, jsonschema is imported to list every
error with its path.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import re
import sys
import threading
from collections.abc import Callable
from typing import Any

from planforge.validate.schemas.bundle import bundle_schema
from planforge.validate.schemas.cache import cache_dir, write_atomic
from planforge.validate.schemas.locations import SchemaSource

CACHE_FORMAT = "2"  # bump when the bundling or generated code changes
LARGE_SCHEMA_BYTES = 60_000  # bundles larger than this (big CRDs) are compiled only when used a lot
COMPILE_AFTER_USES = 25


# RFC 3339 date-time, the pattern fastjsonschema uses (so both engines agree).
_DATE_TIME_RE = re.compile(
    r"^\d{4}-[01]\d-[0-3]\d[tT][0-2]\d:[0-5]\d:[0-5]\d(?:\.\d+)?(?:[+-][0-2]\d:[0-5]\d|[+-][0-2]\d[0-5]\d|[zZ])\Z"
)


class CompiledSchema:
    """One schema, compiled once.

    `first_error` is the fast path (fastjsonschema code); `errors` lists every error with
    jsonschema. Generated code is cached on disk. A large schema (the ApplicationSet CRD
    compiles to ~10 MB of code in seconds) is not compiled until it has validated
    `COMPILE_AFTER_USES` objects in this process: jsonschema is faster for a handful.
    """

    def __init__(self, source: SchemaSource):
        self.source = source
        self._fast: Callable[[Any], Any] | None = None
        self._slow: Any = None
        self._bundle: dict[str, Any] | None = None
        self._uses = 0
        self._compilable = True
        import fastjsonschema

        key = hashlib.sha256(
            f"{CACHE_FORMAT}|{fastjsonschema.VERSION}|{sys.version}|{source.identity}".encode()
        ).hexdigest()
        self._cache_file = cache_dir() / "compiled" / f"{key}.marshal"
        try:
            self._load(marshal.loads(self._cache_file.read_bytes()))
        except (OSError, ValueError, EOFError, TypeError):
            if len(json.dumps(self.bundle())) <= LARGE_SCHEMA_BYTES:
                self._compile()

    def bundle(self) -> dict[str, Any]:
        if self._bundle is None:
            self._bundle = bundle_schema(self.source)
        return self._bundle

    def _load(self, code_obj: Any) -> None:
        namespace: dict[str, Any] = {}
        exec(code_obj, namespace)  # noqa: S102 - code fastjsonschema generated from this schema
        self._fast = namespace["validate"]

    def _compile(self) -> None:
        import fastjsonschema

        self._compilable = False
        try:
            code = fastjsonschema.compile_to_code(self.bundle(), use_default=False, detailed_exceptions=False)
            code_obj = compile(code, f"<schema {self.source.uri}>", "exec")
            self._load(code_obj)
        except Exception:  # a pattern Python's re cannot compile, an unsupported keyword: jsonschema only
            self._fast = None
            return
        write_atomic(self._cache_file, marshal.dumps(code_obj))

    def first_error(self, obj: Any) -> Exception | None:
        """None if valid; else the exception of the first failure."""
        if self._fast is None and self._compilable:
            self._uses += 1
            if self._uses > COMPILE_AFTER_USES:
                self._compile()
        if self._fast is None:
            errs = self.errors(obj)
            return ValueError(errs[0][1]) if errs else None
        try:
            self._fast(obj)
        except Exception as exc:  # fastjsonschema.JsonSchemaValueException, or a bad regex at runtime
            return exc
        return None

    def errors(self, obj: Any) -> list[tuple[list[str | int], str]]:
        """Every schema error as (JSON path parts, message), sorted by path."""
        validator = self._slow_validator()
        out: list[tuple[list[str | int], str]] = []
        for err in validator.iter_errors(obj):
            out.extend(_explain(err))
        out.sort(key=lambda e: [str(p) for p in e[0]])
        return out

    def _slow_validator(self) -> Any:
        if self._slow is None:
            import jsonschema

            checker = jsonschema.FormatChecker([])
            checker.checks("date-time")(lambda v: not isinstance(v, str) or bool(_DATE_TIME_RE.match(v)))
            # the bundle uses draft-7 style references, whatever draft the source declared
            self._slow = jsonschema.Draft7Validator(self.bundle(), format_checker=checker)
        return self._slow


def _explain(err: Any) -> list[tuple[list[str | int], str]]:
    """A jsonschema error as findings: unknown properties get the property in their path."""
    path = list(err.absolute_path)
    if err.validator == "additionalProperties" and err.validator_value is False and isinstance(err.instance, dict):
        props = err.schema.get("properties", {})
        patterns = [re.compile(p) for p in err.schema.get("patternProperties", {})]
        extras = [k for k in err.instance if k not in props and not any(p.search(k) for p in patterns)]
        if extras:
            return [([*path, k], f"unknown field {k!r} (additional properties are not allowed by the schema)") for k in extras]
    if err.validator in ("oneOf", "anyOf") and err.context:
        # IntOrString & co: say which types were expected instead of dumping sub-schemas.
        types = []
        for sub in err.context:
            if sub.validator == "type":
                t = sub.validator_value
                types.extend(t if isinstance(t, list) else [t])
        if types:
            wanted = " or ".join(dict.fromkeys(t for t in types if t != "null"))
            return [(path, f"{short_json(err.instance)} is not of type {wanted}")]
    if err.validator == "type":
        t = err.validator_value
        wanted = " or ".join(x for x in (t if isinstance(t, list) else [t]) if x != "null")
        return [(path, f"{short_json(err.instance)} is not of type {wanted}")]
    return [(path, err.message)]


def short_json(value: Any) -> str:
    """A value as JSON, cut to 60 characters (for messages)."""
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


_COMPILED: dict[str, CompiledSchema] = {}
_COMPILE_LOCK = threading.Lock()


def compiled_schema(source: SchemaSource) -> CompiledSchema:
    """The compiled validator of a schema, shared by every engine and thread of this process."""
    hit = _COMPILED.get(source.identity)
    if hit is None:
        with _COMPILE_LOCK:  # validators run in threads: compile each schema once
            hit = _COMPILED.get(source.identity)
            if hit is None:
                hit = _COMPILED[source.identity] = CompiledSchema(source)
    return hit
