"""What a kustomization names: the local files and directories it uses (for discovery and the input bounds)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from planforge.validate.inputs import Bounds, InputError
from planforge.validate.manifests.limits import safe_load

_REMOTE_REF = re.compile(r"^(\w[\w+.-]*://|git::|gh:|git@|github\.com/|gitlab\.com/|bitbucket\.org/)")


def load_kustomization(path: Path, bounds: Bounds | None = None) -> dict[str, Any]:
    """A kustomization file as a dict ({} when it cannot be read, refused or does not parse: the build
    or the input checks report that)."""
    try:
        data = safe_load((bounds or Bounds.of([path.parent])).read_text(path))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, InputError):
        return {}
    return data if isinstance(data, dict) else {}


KUSTOMIZE_DIRECTORY_FIELDS = ("resources", "bases", "components")


def _references(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Every path or URL a kustomization names, as (field, entry), inline patches and configurations left out."""
    refs: list[tuple[str, str]] = []
    for key in KUSTOMIZE_DIRECTORY_FIELDS:
        refs.extend((key, entry) for entry in _list(data.get(key)) if isinstance(entry, str))
    for key in ("patches", "patchesJson6902", "patchesStrategicMerge"):
        for entry in _list(data.get(key)):
            if isinstance(entry, str):
                refs.append((key, entry))
            elif isinstance(entry, dict) and isinstance(entry.get("path"), str):
                refs.append((key, entry["path"]))
    for key in ("configMapGenerator", "secretGenerator"):
        for gen in _list(data.get(key)):
            if not isinstance(gen, dict):
                continue
            for entry in _list(gen.get("files")) + _list(gen.get("envs")) + [gen.get("env")]:
                if isinstance(entry, str):
                    refs.append((key, entry.split("=", 1)[-1]))
    for entry in _list(data.get("replacements")):
        if isinstance(entry, dict) and isinstance(entry.get("path"), str):
            refs.append(("replacements", entry["path"]))
    # KRM function / plugin configs, kustomize configurations and OpenAPI files
    for key in ("generators", "transformers", "validators", "configurations", "crds"):
        refs.extend((key, entry) for entry in _list(data.get(key)) if isinstance(entry, str))
    openapi = data.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        refs.append(("openapi", openapi["path"]))
    for chart in _list(data.get("helmCharts")):
        if isinstance(chart, dict):
            refs.extend(("helmCharts", v) for v in [chart.get("valuesFile"), *_list(chart.get("additionalValuesFiles"))]
                        if isinstance(v, str))
    globals_ = data.get("helmGlobals")
    if isinstance(globals_, dict) and isinstance(globals_.get("chartHome"), str):
        refs.append(("helmGlobals", globals_["chartHome"]))
    return [(key, ref) for key, ref in refs
            if ref.strip() and "\n" not in ref and not ref.lstrip().startswith(("{", "["))]


def kustomization_references(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Every local path a kustomization names, as (field, path): resources, bases and components
    (files or directories), patches, generator sources, plugin and OpenAPI configurations, Helm values.

    Inline patches and configurations and remote references (`https://`, `github.com/...`) are left out.
    """
    return [(key, ref) for key, ref in _references(data) if not _REMOTE_REF.match(ref)]


def remote_references(data: dict[str, Any]) -> list[str]:
    """The URLs a kustomization names where it could name a local path: kustomize clones them (resources) or
    fetches them over HTTP (a patch, generator source, configuration...)."""
    return [ref for _key, ref in _references(data) if _REMOTE_REF.match(ref)]


def inline_patches(data: dict[str, Any]) -> list[str]:
    """The patches a kustomization writes inline (kustomize parses each as YAML)."""
    texts = [entry.get("patch") for key in ("patches", "patchesJson6902") for entry in _list(data.get(key))
             if isinstance(entry, dict)]
    texts += [entry for entry in _list(data.get("patchesStrategicMerge")) if isinstance(entry, str) and "\n" in entry]
    return [text for text in texts if isinstance(text, str)]


def kustomize_non_manifests(kustomization: Path, bounds: Bounds | None = None) -> set[Path]:
    """Files a kustomization uses that are not complete objects: patches and generator sources."""
    data = load_kustomization(kustomization, bounds)
    base = kustomization.parent
    return {(base / ref).resolve() for key, ref in kustomization_references(data)
            if key not in KUSTOMIZE_DIRECTORY_FIELDS}


def _list(value: Any) -> list[Any]:
    """A kustomization list field, or [] when it is missing or wrongly typed (the build reports that)."""
    return value if isinstance(value, list) else []
