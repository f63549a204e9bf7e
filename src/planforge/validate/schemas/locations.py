"""Where the schema of a kind is found: kubeconform's schema registry.

In order: the Kubernetes schemas packaged with kubernetes-validate (kubeconform's location
"default"), the `--schema-location` entries in kubeconform's template syntax (local paths or
http(s) URLs, downloaded once into the cache), then the CRD catalog bundled in
planforge/data/schemas/crds.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from planforge.errors import UsageError
from planforge.validate.base import Settings
from planforge.validate.schemas.cache import SchemaFetchError, fetch_url

CRD_DIR = Path(__file__).resolve().parents[2] / "data" / "schemas" / "crds"
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


def _schema_root() -> Path:
    """The kubernetes-validate schema directory."""
    pkg = _package_dir("kubernetes_validate")
    root = pkg / "kubernetes-json-schema" if pkg else None
    if root is None or not root.is_dir():
        raise UsageError("the kubernetes-validate package data is missing: pip install kubernetes-validate")
    return root


def _packaged_versions() -> dict[tuple[int, int], str]:
    """Packaged minor versions of the kubernetes-validate schemas -> their directory name."""
    available: dict[tuple[int, int], str] = {}
    for entry in _schema_root().iterdir():
        m = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)-local", entry.name)
        if m:
            available[(int(m.group(1)), int(m.group(2)))] = entry.name
    return available


def nearest_packaged_version(kube_version: str) -> str | None:
    """The nearest packaged minor version (`1.25.0`) when kube_version lies outside the packaged range,
    else None (inside the range, `master` or not a version)."""
    wanted = _version_tuple(kube_version) if kube_version != "master" else None
    available = _packaged_versions()
    if wanted is None or not available:
        return None
    lo, hi = min(available), max(available)
    if wanted[:2] < lo:
        return f"{lo[0]}.{lo[1]}.0"
    if wanted[:2] > hi:
        return f"{hi[0]}.{hi[1]}.0"
    return None


def core_schema_dir(kube_version: str, strict: bool) -> tuple[Path, str]:
    """(directory, version label) of the kubernetes-validate schemas for a Kubernetes version.

    The newest packaged minor version not newer than the requested one is used (as
    kubernetes-validate does). Raises UsageError when no such version is packaged.
    """
    key = (kube_version, strict)
    if key in _CORE_DIRS:
        return _CORE_DIRS[key]
    available = _packaged_versions()
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
    result = (_schema_root() / dirname, f"{best[0]}.{best[1]}")
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
    """A location template with kubeconform's variables filled in for one kind."""
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


class SchemaLoadError(Exception):
    """A schema exists but cannot be read, parsed or compiled."""


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
            if not within_location(path, template):
                continue  # a kind or group naming `../`: not this location's file
            identity = _file_identity(path)
            if identity:
                return SchemaSource(str(path.resolve()), path, identity)
        return None


def within_location(path: Path, template: str) -> bool:
    """Whether a schema file rendered from a location template stays (symlinks followed) in the directory
    the template fixes before its first variable: the kind and group come from the validated documents."""
    if not _TEMPLATE_RE.search(template):
        return True  # one file, named as it is
    fixed = template.split("{{", 1)[0]
    fixed = fixed[7:] if fixed.startswith("file://") else fixed
    directory = os.path.realpath(fixed if fixed.endswith("/") else os.path.dirname(fixed) or ".")
    return os.path.realpath(path).startswith(directory.rstrip(os.sep) + os.sep)


def _core_group_matches(group: str) -> bool:
    """The packaged files are named by the first label of the group: only accept Kubernetes' own groups.

    'stable.example.com/v1 CronTab' must not pick up a core file by its first label
    ('stable'); Kubernetes API groups are either single words (apps, batch, policy) or end in
    '.k8s.io' / '.kubernetes.io'.
    """
    return "." not in group or group.endswith((".k8s.io", ".kubernetes.io"))
