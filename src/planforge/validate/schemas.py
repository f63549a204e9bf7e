"""The `schemas` validator: kubeconform-compatible JSON-schema validation of Kubernetes objects.

Two engines:
- embedded (default when no `kubeconform` binary is on PATH): Kubernetes schemas for the
  requested version from the kubernetes-validate package data, the CRD catalog bundled in
  planforge/data/schemas/crds, and `--schema-location` entries in kubeconform's template
  syntax (local paths or http(s) URLs, downloads cached on disk);
- kubeconform: the binary, run with `-output json` and its results mapped to findings.

Semantics follow kubeconform (see docs/discovery.md for what counts as a manifest):
empty documents are valid, `List` objects are validated item by item, a missing or empty
`kind`/`apiVersion` is an error, `--skip`/`--reject` match `Kind` or `apiVersion/Kind`, a kind
without schema is an error unless `ignore_missing_schemas`, and strict mode uses the
`-strict` schemas (unknown fields are errors) and reports duplicate keys.

Speed: schemas are bundled into self-contained documents and compiled to Python code with
fastjsonschema once; the code object is cached on disk (keyed by schema file identity,
fastjsonschema and Python versions) and in memory. The fast path validates with that code
only; when an object fails, jsonschema is imported to list every error with its path.
This module imports nothing heavy at module level.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planforge.errors import UsageError
from planforge.validate.base import Check, Context, Document, Finding, Settings, Severity, Status, Target
from planforge.validate.manifests import (
    ManifestDocument,
    ManifestError,
    collect_manifest_files,
    duplicate_key_locations,
    iter_manifest_files,
    join_path,
    line_of_path,
    load_documents,
)

NAME = "schemas"
CRD_DIR = Path(__file__).resolve().parents[1] / "data" / "schemas" / "crds"
CRD_TEMPLATE = str(CRD_DIR) + "/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
# kubeconform appends this to a location that is neither a template nor a .json file.
DEFAULT_LOCATION_SUFFIX = "/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json"
TEMPLATE_VARS = (
    "NormalizedKubernetesVersion",
    "StrictSuffix",
    "ResourceKind",
    "ResourceAPIVersion",
    "KindSuffix",
    "Group",
)
_TEMPLATE_RE = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")
CACHE_FORMAT = "2"  # bump when the bundling or generated code changes
LARGE_SCHEMA_BYTES = 60_000  # bundles larger than this (big CRDs) are compiled only when used a lot
COMPILE_AFTER_USES = 25
KEEP_FORMATS = frozenset({"date-time"})  # formats checked; int32, byte, ... are annotations
# RFC 3339 date-time, the pattern fastjsonschema uses (so both engines agree).
_DATE_TIME_RE = re.compile(
    r"^\d{4}-[01]\d-[0-3]\d[tT][0-2]\d:[0-5]\d:[0-5]\d(?:\.\d+)?(?:[+-][0-2]\d:[0-5]\d|[+-][0-2]\d[0-5]\d|[zZ])\Z"
)

# Rule ids (stable).
RULE_INVALID = "schemas/invalid"
RULE_MISSING_SCHEMA = "schemas/missing-schema"
RULE_DUPLICATE_KEY = "schemas/duplicate-key"
RULE_REJECTED = "schemas/rejected"
RULE_PARSE_ERROR = "schemas/parse-error"
RULE_MISSING_KIND = "schemas/missing-kind"
RULE_MISSING_API_VERSION = "schemas/missing-api-version"
RULE_NOT_OBJECT = "schemas/not-an-object"
RULE_SCHEMA_ERROR = "schemas/schema-error"
RULE_ENGINE = "schemas/kubeconform"


# --------------------------------------------------------------------------- results


@dataclass
class ResourceResult:
    """The verdict on one object (kubeconform's per-resource status)."""

    file: str
    doc_index: int
    status: str  # valid | invalid | error | skipped | empty
    kind: str | None = None
    name: str | None = None
    api_version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    skip_reason: str | None = None  # set when skipped for lack of a schema (--ignore-missing-schemas)


@dataclass
class SchemaReport:
    """What `validate_paths` returns: per-resource results and every finding."""

    results: list[ResourceResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    engine: str = ""

    @property
    def exit_code(self) -> int:
        """kubeconform's exit status: 1 if any resource is invalid or errored, else 0."""
        return 1 if any(f.severity == Severity.ERROR for f in self.findings) else 0

    def add(self, result: ResourceResult) -> None:
        self.results.append(result)
        self.findings.extend(result.findings)


# --------------------------------------------------------------------------- schema sources


def _package_dir(name: str) -> Path | None:
    """Directory of an installed package, without importing it."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def _version_tuple(version: str) -> tuple[int, int, int] | None:
    m = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.(\d+))?", version.strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


_CORE_DIRS: dict[tuple[str, bool], tuple[Path, str]] = {}
_CORE_FILES: dict[Path, frozenset[str]] = {}


def core_schema_dir(kube_version: str, strict: bool) -> tuple[Path, str]:
    """(directory, version label) of the kubernetes-validate schemas for a Kubernetes version.

    The newest packaged minor version not newer than the requested one is used (as
    kubernetes-validate does). Raises UsageError when no such version is packaged.
    """
    key = (kube_version, strict)
    if key in _CORE_DIRS:
        return _CORE_DIRS[key]
    pkg = _package_dir("kubernetes_validate")
    root = pkg / "kubernetes-json-schema" if pkg else None
    if root is None or not root.is_dir():
        raise UsageError("the kubernetes-validate package data is missing: pip install kubernetes-validate")
    available: dict[tuple[int, int], str] = {}
    for entry in root.iterdir():
        m = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)-local", entry.name)
        if m:
            available[(int(m.group(1)), int(m.group(2)))] = entry.name
    wanted = _version_tuple(kube_version) if kube_version != "master" else max(available) + (0,)
    if wanted is None:
        raise UsageError(f"invalid Kubernetes version {kube_version!r} (expected e.g. 1.29 or 1.29.0)")
    candidates = [mm for mm in available if mm <= wanted[:2]]
    if not candidates:
        lo, hi = min(available), max(available)
        raise UsageError(
            f"no Kubernetes schemas for version {kube_version}: packaged versions are "
            f"{lo[0]}.{lo[1]} to {hi[0]}.{hi[1]} (set --kube-version)"
        )
    best = max(candidates)
    if wanted[:2] > max(available):
        hi = max(available)
        raise UsageError(
            f"no Kubernetes schemas for version {kube_version}: the newest packaged version is "
            f"{hi[0]}.{hi[1]} (upgrade kubernetes-validate or set --kube-version)"
        )
    dirname = available[best] + ("-strict" if strict else "")
    result = (root / dirname, f"{best[0]}.{best[1]}")
    _CORE_DIRS[key] = result
    return result


def split_api_version(api_version: str) -> tuple[str, str]:
    """'apps/v1' -> ('apps', 'v1'); 'v1' -> ('', 'v1')."""
    if "/" in api_version:
        group, _, version = api_version.rpartition("/")
        return group, version
    return "", api_version


def kind_suffix(api_version: str) -> str:
    """kubeconform's {{ .KindSuffix }}: '-apps-v1', '-rbac-v1', '-v1'."""
    group, version = split_api_version(api_version)
    if group:
        return f"-{group.split('.')[0].lower()}-{version}"
    return f"-{version}"


def render_location(template: str, api_version: str, kind: str, kube_version: str, strict: bool) -> str:
    group, version = split_api_version(api_version)
    kube = kube_version.lstrip("v")
    if re.fullmatch(r"\d+\.\d+", kube):
        kube += ".0"
    values = {
        "NormalizedKubernetesVersion": "master" if kube_version == "master" else "v" + kube,
        "StrictSuffix": "-strict" if strict else "",
        "ResourceKind": kind.lower(),
        "ResourceAPIVersion": version,
        "KindSuffix": kind_suffix(api_version),
        "Group": group.lower(),
    }

    def sub(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            raise UsageError(
                f"unknown variable {{{{ .{m.group(1)} }}}} in schema location {template!r} "
                f"(known: {', '.join(TEMPLATE_VARS)})"
            )
        return values[m.group(1)]

    return _TEMPLATE_RE.sub(sub, template)


def normalize_location(location: str) -> str:
    """kubeconform's rule: a location that is neither a template nor a .json file is a base."""
    if _TEMPLATE_RE.search(location) or location.endswith(".json"):
        return location
    return location.rstrip("/") + DEFAULT_LOCATION_SUFFIX


@dataclass
class SchemaSource:
    """A schema found for one kind: where it came from and how to identify its content."""

    uri: str  # absolute file path or URL
    path: Path  # local file holding it (the download cache for URLs)
    identity: str  # changes when the content changes (path, mtime, size)
    core_defs: Path | None = None  # kubernetes-validate _definitions.json for core schemas


def _file_identity(path: Path) -> str | None:
    try:
        st = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return f"{path.resolve()}:{st.st_mtime_ns}:{st.st_size}"


def cache_dir() -> Path:
    """planforge's cache directory (PLANFORGE_CACHE_DIR, else the platform user cache dir)."""
    env = os.environ.get("PLANFORGE_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("planforge"))


class SchemaFetchError(Exception):
    """A schema location could not be read (not a 404: a real failure)."""


def fetch_url(url: str, timeout: float) -> Path | None:
    """Download `url` into the cache (once); None on 404. Raises SchemaFetchError otherwise."""
    target = cache_dir() / "downloads" / hashlib.sha256(url.encode()).hexdigest()
    missing = target.with_suffix(".404")
    if target.is_file():
        return target
    if missing.is_file():
        return None
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=min(timeout, 60.0)) as resp:
            data = resp.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            _write_atomic(missing, b"")
            return None
        raise SchemaFetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        raise SchemaFetchError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    _write_atomic(target, data)
    return target if target.is_file() else _spill(url, data)


def _spill(url: str, data: bytes) -> Path:
    """When the cache is not writable, keep the download in a temporary file."""
    fd, name = tempfile.mkstemp(prefix="planforge-schema-", suffix=".json")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return Path(name)


def _write_atomic(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs time


class SchemaResolver:
    """Finds the schema for (apiVersion, kind): core schemas, then locations, then the CRD catalog."""

    def __init__(self, settings: Settings, *, bundled_crds: bool = True):
        self.settings = settings
        self.kube_version = settings.kube_version
        self.strict = settings.strict
        self.core_dir, self.core_label = core_schema_dir(settings.kube_version, settings.strict)
        self.core_files = _CORE_FILES.get(self.core_dir)
        if self.core_files is None:
            self.core_files = _CORE_FILES[self.core_dir] = frozenset(os.listdir(self.core_dir))
        # The packaged Kubernetes schemas come first, or where the location "default" is listed
        # (kubeconform's name for them): locations before it can override core schemas.
        given = list(settings.schema_locations)
        if "default" not in given:
            given.insert(0, "default")
        self.locations = [loc if loc == "default" else normalize_location(loc) for loc in given]
        if bundled_crds:
            self.locations.append(CRD_TEMPLATE)

    def _core(self, api_version: str, kind: str) -> SchemaSource | None:
        name = f"{kind.lower()}{kind_suffix(api_version)}.json"
        group, _ = split_api_version(api_version)
        if name in self.core_files and _core_group_matches(group):
            path = self.core_dir / name
            defs = self.core_dir / "_definitions.json"
            return SchemaSource(str(path), path, f"core:{_file_identity(path)}:{_file_identity(defs)}", defs)
        return None

    def find(self, api_version: str, kind: str) -> SchemaSource | None:
        for template in self.locations:
            if template == "default":
                core = self._core(api_version, kind)
                if core is not None:
                    return core
                continue
            where = render_location(template, api_version, kind, self.kube_version, self.strict)
            if where.startswith(("http://", "https://")):
                try:
                    local = fetch_url(where, self.settings.timeout)
                except SchemaFetchError as exc:
                    raise SchemaLoadError(str(exc)) from None
                if local is None:
                    continue
                identity = _file_identity(local)
                if identity:
                    return SchemaSource(where, local, "url:" + where + ":" + identity)
                continue
            path = Path(where[7:] if where.startswith("file://") else where)
            identity = _file_identity(path)
            if identity:
                return SchemaSource(str(path.resolve()), path, identity)
        return None


def _core_group_matches(group: str) -> bool:
    """The packaged files are named by the first label of the group: only accept Kubernetes' own groups.

    'stable.example.com/v1 CronTab' must not pick up a core file by its first label
    ('stable'); Kubernetes API groups are either single words (apps, batch, policy) or end in
    '.k8s.io' / '.kubernetes.io'.
    """
    return "." not in group or group.endswith((".k8s.io", ".kubernetes.io"))


class SchemaLoadError(Exception):
    """A schema exists but cannot be read, parsed or compiled."""


# --------------------------------------------------------------------------- bundling

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
        if target.startswith(("http://", "https://")):
            try:
                path = fetch_url(target, 60.0)
            except SchemaFetchError as exc:
                raise SchemaLoadError(str(exc)) from None
            if path is None:
                raise SchemaLoadError(f"schema {self.source.uri}: $ref {target} not found")
            return path
        return Path(target)


# --------------------------------------------------------------------------- compiled validators


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
            self._bundle = _Bundler(self.source).bundle()
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
        _write_atomic(self._cache_file, marshal.dumps(code_obj))

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
            return [(path, f"{_short(err.instance)} is not of type {wanted}")]
    if err.validator == "type":
        t = err.validator_value
        wanted = " or ".join(x for x in (t if isinstance(t, list) else [t]) if x != "null")
        return [(path, f"{_short(err.instance)} is not of type {wanted}")]
    return [(path, err.message)]


def _short(value: Any) -> str:
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


# --------------------------------------------------------------------------- validating objects


def _kind_matches(entries: set[str], api_version: str, kind: str) -> bool:
    return kind in entries or f"{api_version}/{kind}" in entries


def _display_name(obj: dict[str, Any]) -> str | None:
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        name = meta.get("name") or meta.get("generateName")
        return str(name) if name is not None else None
    return None


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
        return f"embedded (Kubernetes {self.resolver.core_label} schemas{mode}; fastjsonschema {fastjsonschema.VERSION})"

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
        result.name = _display_name(obj)
        if not isinstance(kind, str) or not kind:
            result.status = "error"
            message = "missing 'kind' key" if not kind else f"'kind' must be a string, not {_short(kind)}"
            result.findings.append(finding(RULE_MISSING_KIND, message, ["kind"], hint="every Kubernetes object needs `kind:`"))
            return result
        if not isinstance(api_version, str) or not api_version:
            result.status = "error"
            message = "missing 'apiVersion' key" if not api_version else f"'apiVersion' must be a string, not {_short(api_version)}"
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


# --------------------------------------------------------------------------- kubeconform binary


def kubeconform_binary() -> str | None:
    return shutil.which("kubeconform")


def select_engine(settings: Settings) -> str:
    """'embedded' or the path of the kubeconform binary, per settings.schema_engine."""
    engine = settings.schema_engine or "auto"
    if engine == "embedded":
        return "embedded"
    found = kubeconform_binary()
    if engine == "kubeconform":
        if found is None:
            raise UsageError("--schema-engine kubeconform: no kubeconform binary on PATH (install it or use --schema-engine embedded)")
        return found
    if engine != "auto":
        raise UsageError(f"unknown schema engine {engine!r} (expected auto, embedded or kubeconform)")
    return found or "embedded"


def kubeconform_args(binary: str, settings: Settings) -> list[str]:
    args = [binary, "-output", "json", "-kubernetes-version", settings.kube_version.lstrip("v"), "-schema-location", "default"]
    for loc in settings.schema_locations:
        if loc != "default":
            args += ["-schema-location", loc]
    args += ["-schema-location", CRD_TEMPLATE.replace("{{ .", "{{.").replace(" }}", "}}")]
    if settings.strict:
        args.append("-strict")
    if settings.ignore_missing_schemas:
        args.append("-ignore-missing-schemas")
    if settings.skip_kinds:
        args += ["-skip", ",".join(settings.skip_kinds)]
    if settings.reject_kinds:
        args += ["-reject", ",".join(settings.reject_kinds)]
    return args


def run_kubeconform(binary: str, files: Sequence[str], settings: Settings, display: dict[str, str] | None = None) -> list[Finding]:
    """Run the kubeconform binary on files and map its JSON output to findings."""
    args = kubeconform_args(binary, settings) + list(files)
    try:
        done = subprocess.run(args, capture_output=True, text=True, encoding="utf-8", errors="replace",
                              timeout=settings.timeout, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError(f"kubeconform timed out after {settings.timeout:.0f}s") from None
    except OSError as exc:
        raise UsageError(f"cannot run kubeconform: {exc}") from None
    try:
        data = json.loads(done.stdout or "{}")
    except ValueError:
        raise UsageError(f"kubeconform exited {done.returncode} without JSON output: {(done.stderr or done.stdout).strip()[:500]}") from None
    display = display or {}
    findings: list[Finding] = []
    locate = _KubeconformLocator()
    for res in data.get("resources") or []:
        status = res.get("status", "")
        if status not in ("statusInvalid", "statusError"):
            continue
        filename = res.get("filename", "")
        file = display.get(filename, filename)
        label = " ".join(x for x in (res.get("kind"), res.get("name")) if x) or "resource"
        doc = locate.document(filename, res)
        errors = res.get("validationErrors") or []
        if status == "statusInvalid" and errors:
            for err in errors:
                parts = [int(p) if p.isdigit() else p for p in str(err.get("path", "")).strip("/").split("/") if p]
                path = join_path(parts)
                findings.append(Finding(
                    validator=NAME, rule=RULE_INVALID, severity=Severity.ERROR,
                    message=f"{label}: {path + ': ' if path else ''}{err.get('msg', '')}", file=file, json_path=path or None,
                    doc_index=doc.doc_index if doc else None, line=line_of_path(doc, path) if doc else None,
                ))
            continue
        msg = res.get("msg", "")
        rule = RULE_INVALID
        if "could not find schema" in msg:
            rule = RULE_MISSING_SCHEMA
        elif "prohibited resource kind" in msg:
            rule = RULE_REJECTED
        elif "duplicate" in msg or "already set in map" in msg:
            rule = RULE_DUPLICATE_KEY
        elif "missing 'kind'" in msg:
            rule = RULE_MISSING_KIND
        elif "missing 'apiVersion'" in msg:
            rule = RULE_MISSING_API_VERSION
        elif "unmarshal" in msg or "yaml:" in msg:
            rule = RULE_PARSE_ERROR
        findings.append(Finding(
            validator=NAME, rule=rule, severity=Severity.ERROR, message=f"{label}: {msg}", file=file,
            doc_index=doc.doc_index if doc else None, line=doc.line if doc else None,
        ))
    if done.returncode not in (0, 1) or (done.returncode == 1 and not findings):
        findings.append(Finding(
            validator=NAME, rule=RULE_ENGINE, severity=Severity.ERROR,
            message=f"kubeconform exited {done.returncode}: {(done.stderr or '').strip()[:500]}",
        ))
    return findings


class _KubeconformLocator:
    """Finds the document kubeconform reported on (its output names kind/name, not the index)."""

    def __init__(self) -> None:
        self._docs: dict[str, list[ManifestDocument]] = {}

    def document(self, filename: str, res: dict[str, Any]) -> ManifestDocument | None:
        if filename not in self._docs:
            try:
                self._docs[filename] = load_documents(filename) if filename and filename != "stdin" else []
            except ManifestError:
                self._docs[filename] = []
        for doc in self._docs[filename]:
            obj = doc.obj if isinstance(doc.obj, dict) else {}
            if obj.get("kind") == res.get("kind") and _display_name(obj) == (res.get("name") or None) and (
                not res.get("version") or obj.get("apiVersion") == res.get("version")
            ):
                return doc
        return None


# --------------------------------------------------------------------------- public entry points

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


def parse_error_finding(exc: ManifestError) -> Finding:
    return Finding(
        validator=NAME, rule=RULE_PARSE_ERROR, severity=Severity.ERROR, message=exc.message, file=exc.file,
        line=exc.line, doc_index=exc.doc_index, hint="fix the YAML/JSON syntax",
    )


def validate_documents(docs: Iterable[Document], settings: Settings) -> list[Finding]:
    """Schema findings for documents (plain files or Helm/Kustomize renderings).

    `List` objects are validated item by item. Uses the engine `settings.schema_engine`
    selects; with kubeconform the documents go through a temporary file.
    """
    return validate_documents_report(docs, settings).findings


def validate_documents_report(docs: Iterable[Document], settings: Settings) -> SchemaReport:
    """Like `validate_documents`, with per-resource results."""
    engine = select_engine(settings)
    report = SchemaReport()
    docs = list(docs)
    if engine != "embedded":
        return _kubeconform_documents(engine, docs, settings)
    embedded = embedded_engine(settings)
    report.engine = embedded.description
    for doc in _expand(docs):
        report.add(embedded.validate(doc))
    return report


def _expand(docs: Iterable[Document]) -> Iterable[Document]:
    """Expand `List` objects not already expanded by the loader (rendered documents)."""
    for doc in docs:
        obj = doc.obj
        if isinstance(obj, dict) and obj.get("kind") == "List" and isinstance(obj.get("items"), list):
            base = getattr(doc, "item_path", "")
            for i, item in enumerate(obj["items"]):
                yield from _expand([ManifestDocument(
                    obj=item, file=doc.file, doc_index=doc.doc_index, line=doc.line, origin=doc.origin,
                    item_path=f"{base}.items[{i}]" if base else f"items[{i}]", source=getattr(doc, "source", None),
                )])
        else:
            yield doc


def _kubeconform_documents(binary: str, docs: list[Document], settings: Settings) -> SchemaReport:
    import yaml

    report = SchemaReport(engine=f"kubeconform ({binary})")
    by_file: dict[str, list[Document]] = {}
    for doc in docs:
        by_file.setdefault(doc.file, []).append(doc)
    with tempfile.TemporaryDirectory(prefix="planforge-kubeconform-") as tmp:
        paths: dict[str, str] = {}
        for i, (name, group) in enumerate(by_file.items()):
            path = Path(tmp) / f"{i}.yaml"
            path.write_text(yaml.safe_dump_all([d.obj for d in group], sort_keys=False), encoding="utf-8")
            paths[str(path)] = name
        findings = run_kubeconform(binary, list(paths), settings, paths)
    for f in findings:  # indexes and lines of the temporary file -> those of the original documents
        group = by_file.get(f.file or "")
        if group is not None and f.doc_index is not None and f.doc_index < len(group):
            doc = group[f.doc_index]
            f.doc_index = doc.doc_index
            f.line = line_of_path(doc, f.json_path) if f.json_path else doc.line
        elif group is not None:
            f.line = None
    report.findings.extend(findings)
    return report


def validate_paths(paths: Sequence[Path | str], settings: Settings, *, bundled_crds: bool = True) -> SchemaReport:
    """Validate files and directories like `kubeconform [flags] PATH...` (the programmatic entry point).

    Directories are searched with the discovery rules; files are validated whatever their
    name; `-` reads stdin; a path that does not exist is an error. `settings` carries the
    flags (strict, skip/reject kinds, schema locations, ignore patterns, ...). The report's
    `exit_code` is kubeconform's. `bundled_crds=False` leaves out the bundled CRD catalog.
    """
    files, missing = collect_manifest_files(paths, settings)
    report = SchemaReport()
    for name in missing:
        report.findings.append(Finding(
            validator=NAME, rule=RULE_PARSE_ERROR, severity=Severity.ERROR, message=f"{name}: no such file or directory", file=name,
        ))
    engine = select_engine(settings)
    if engine != "embedded":
        report.engine = f"kubeconform ({engine})"
        stdin_docs: list[Document] = []
        real = [str(f) for f, _ in files if str(f) != "-"]
        if any(str(f) == "-" for f, _ in files):
            stdin_docs = list(load_documents("-", expand_lists=False))
        if real:
            report.findings.extend(run_kubeconform(engine, real, settings))
        if stdin_docs:
            report.findings.extend(_kubeconform_documents(engine, stdin_docs, settings).findings)
        return report
    embedded = embedded_engine(settings, bundled_crds=bundled_crds)
    report.engine = embedded.description
    for f, text in files:
        try:
            docs = load_documents(f, text=text)
        except ManifestError as exc:
            report.add(ResourceResult(file=exc.file, doc_index=exc.doc_index or 0, status="error", findings=[parse_error_finding(exc)]))
            continue
        for doc in docs:
            report.add(embedded.validate(doc))
    return report


class SchemaValidator:
    """The `schemas` validator: every manifest file found by discovery is one target."""

    name = NAME

    def discover(self, ctx: Context) -> list[Target]:
        if select_engine(ctx.settings) == "embedded":
            embedded_engine(ctx.settings)  # a bad --kube-version is a usage error before any work
        return [
            Target(validator=NAME, kind="manifest", path=path.resolve(), display=ctx.display(path))
            for path in iter_manifest_files(ctx.root, ctx.settings)
        ]

    def run(self, target: Target, ctx: Context) -> list[Check]:
        start = time.perf_counter()
        engine = select_engine(ctx.settings)
        skipped: list[str] = []
        if engine != "embedded":
            findings = run_kubeconform(engine, [str(target.path)], ctx.settings, {str(target.path): target.display})
            for f in findings:
                if f.file == str(target.path) or f.file is None:
                    f.file = target.display
            tool = f"kubeconform ({engine})"
        else:
            embedded = embedded_engine(ctx.settings)
            tool = embedded.description
            try:
                docs = load_documents(target.path, display=target.display)
            except ManifestError as exc:
                findings = [parse_error_finding(exc)]
            else:
                results = [embedded.validate(doc) for doc in docs]
                findings = [f for result in results for f in result.findings]
                skipped = _skip_reasons(results)
        status, reason = _check_status(findings, skipped)
        return [Check(
            validator=NAME, name="schema", target=target.display, status=status, reason=reason,
            findings=findings, duration=time.perf_counter() - start, tool=tool,
        )]

    def check_documents(self, docs: list[Document], settings: Settings, target: str, name: str = "schema") -> Check:
        """One Check for rendered documents (a Helm rendering, a Kustomize build)."""
        start = time.perf_counter()
        report = validate_documents_report(docs, settings)
        status, reason = _check_status(report.findings, _skip_reasons(report.results))
        return Check(
            validator=NAME, name=name, target=target, status=status, reason=reason,
            findings=report.findings, duration=time.perf_counter() - start, tool=report.engine,
        )


def _skip_reasons(results: Iterable[ResourceResult]) -> list[str]:
    """Why resources went unchecked for lack of a schema, once per kind (document order)."""
    return list(dict.fromkeys(r.skip_reason for r in results if r.skip_reason))


def _check_status(findings: list[Finding], skipped: list[str]) -> tuple[Status, str | None]:
    """Errors fail a check; otherwise a resource left unchecked (no schema) makes it skipped,
    so reports count it and --fail-on-skip catches it."""
    if any(f.severity == Severity.ERROR for f in findings):
        return Status.FAILED, None
    if skipped:
        return Status.SKIPPED, "; ".join(skipped)
    return Status.PASSED, None


# --------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m planforge.validate.schemas [flags] PATH...`: a kubeconform-like command.

    Used by the benchmark; flags mirror kubeconform's (single or double dash).
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m planforge.validate.schemas", description=main.__doc__)
    parser.add_argument("paths", nargs="*", default=["-"])
    parser.add_argument("-kubernetes-version", "--kube-version", dest="kube_version", default=Settings.kube_version)
    parser.add_argument("-strict", "--strict", action="store_true")
    parser.add_argument("-schema-location", "--schema-location", action="append", default=[])
    parser.add_argument("-ignore-missing-schemas", "--ignore-missing-schemas", action="store_true")
    parser.add_argument("-skip", "--skip", action="append", default=[])
    parser.add_argument("-reject", "--reject", action="append", default=[])
    parser.add_argument("-ignore-filename-pattern", "--ignore-filename-pattern", action="append", default=[])
    parser.add_argument("-schema-engine", "--schema-engine", default="embedded", choices=["auto", "embedded", "kubeconform"])
    parser.add_argument("-summary", "--summary", action="store_true")
    args = parser.parse_args(argv)
    settings = Settings(
        kube_version=args.kube_version, strict=args.strict, schema_locations=args.schema_location,
        ignore_missing_schemas=args.ignore_missing_schemas,
        skip_kinds=[k for s in args.skip for k in s.split(",") if k],
        reject_kinds=[k for s in args.reject for k in s.split(",") if k],
        ignore_filename_patterns=args.ignore_filename_pattern, schema_engine=args.schema_engine,
    )
    start = time.perf_counter()
    try:
        report = validate_paths(args.paths, settings)
    except UsageError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    for f in report.findings:
        where = f"{f.file}:{f.line}" if f.line else f"{f.file}"
        print(f"{where}: {f.severity.value} [{f.rule}] {f.message}")
    if args.summary:
        counts: dict[str, int] = {}
        for r in report.results:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        print(f"Summary: {len(report.results)} resources ({summary}) in {time.perf_counter() - start:.2f}s [{report.engine}]")
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
