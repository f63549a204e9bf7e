"""Read what a GitOps entry point delivers, from the checkout: the objects of a path as the controller would build
them (a kustomization built with kustomize, plain YAML files otherwise), and Argo CD's directory `include` globs."""
from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from planforge.errors import UsageError
from planforge.validate.kustomize import build_command, find_kustomization
from planforge.validate.manifests import ManifestError, load_text

YAML_SUFFIXES = (".yaml", ".yml", ".json")
BUILD_TIMEOUT_SECONDS = 120


def _documents(text: str, name: str) -> list[dict[str, Any]]:
    try:
        return [doc.obj for doc in load_text(text, name) if isinstance(doc.obj, dict) and doc.obj.get("kind")]
    except ManifestError as exc:
        raise UsageError(f"{name}: not valid YAML ({exc})") from exc


def build(directory: Path, root: Path) -> list[dict[str, Any]]:
    """The objects `kustomize build` makes of a kustomization directory (raises UsageError with kustomize's error)."""
    shown = directory.relative_to(root).as_posix() or "."
    try:
        done = subprocess.run(build_command(directory), capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise UsageError(f"{shown}: kustomize build took longer than {BUILD_TIMEOUT_SECONDS} s") from exc
    if done.returncode != 0:
        raise UsageError(f"{shown}: kustomize build failed: {done.stderr.strip()[:800]}")
    return _documents(done.stdout, f"kustomize build {shown}")


def _expand_braces(pattern: str) -> list[str]:
    """`{a,b}/*.yaml` -> [`a/*.yaml`, `b/*.yaml`] (Argo CD's include globs allow one level of braces)."""
    found = re.search(r"\{([^{}]*)\}", pattern)
    if not found:
        return [pattern]
    head, tail = pattern[:found.start()], pattern[found.end():]
    return [expanded for option in found.group(1).split(",") for expanded in _expand_braces(head + option + tail)]


def _selected(relative: str, include: str | None, exclude: str | None) -> bool:
    def matches(globs: str | None) -> bool:
        return any(fnmatch.fnmatchcase(relative, glob) for glob in _expand_braces(globs or ""))

    return (include is None or matches(include)) and not (exclude and matches(exclude))


def directory_files(directory: Path, recurse: bool, include: str | None = None,
                    exclude: str | None = None) -> list[Path]:
    """The manifest files Argo CD's directory source reads (`recurse`, `include`, `exclude`), sorted."""
    pattern = "**/*" if recurse else "*"
    files = [p for p in directory.glob(pattern) if p.is_file() and p.suffix in YAML_SUFFIXES]
    return sorted(p for p in files if _selected(p.relative_to(directory).as_posix(), include, exclude))


def load(path: Path, root: Path, directory_source: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The objects a path delivers: built when it holds a kustomization, else its YAML files (an Argo CD directory
    source's `recurse`/`include`/`exclude` when given), or the file itself."""
    if not path.exists():
        raise UsageError(f"{path.relative_to(root).as_posix()}: no such file or directory in the repository")
    if path.is_file():
        return _documents(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix())
    if find_kustomization(path) is not None:
        return build(path, root)
    source = directory_source or {}
    files = directory_files(path, bool(source.get("recurse")), source.get("include"), source.get("exclude"))
    return [obj for file in files for obj in _documents(file.read_text(encoding="utf-8"),
                                                         file.relative_to(root).as_posix())]


def is_chart(path: Path) -> bool:
    return path.is_dir() and (path / "Chart.yaml").is_file()


def _helm_template(argv: list[str], values: dict[str, Any], shown: str) -> list[dict[str, Any]]:
    helm = shutil.which("helm")
    if helm is None:
        raise UsageError(f"{shown}: helm is not on PATH: the chart cannot be rendered")
    try:
        done = subprocess.run([helm, "template", *argv, "--values", "-"], input=json.dumps(values),
                              capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired as exc:
        raise UsageError(f"{shown}: helm template took longer than {BUILD_TIMEOUT_SECONDS} s") from exc
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no output"])[0]
        raise UsageError(f"{shown}: helm template failed: {first[:300]}")
    return _documents(done.stdout, f"helm template {shown}")


def render_chart(chart: Path, root: Path, release: str, namespace: str, value_files: list[Path],
                 values: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects `helm template` renders from a chart of this repository with an Application's or HelmRelease's
    values. Raises UsageError with helm's error (or without helm)."""
    argv = [release, str(chart), "--namespace", namespace or "default"]
    for file in value_files:
        argv += ["--values", str(file)]
    return _helm_template(argv, values, chart.relative_to(root).as_posix())


def render_upstream(repository: str, chart: str, version: str, release: str, namespace: str,
                    values: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects `helm template` renders from a published chart (an https chart repository, or an OCI registry:
    `oci://` or Argo CD's scheme-less host/path). Needs the network; raises UsageError with helm's error."""
    if repository.startswith("oci://") or "://" not in repository:
        reference = f"{repository if repository.startswith('oci://') else 'oci://' + repository}".rstrip("/")
        argv = [release, reference if reference.endswith("/" + chart) else f"{reference}/{chart}"]
    else:
        argv = [release, chart, "--repo", repository]
    argv += ["--version", version, "--namespace", namespace or "default"]
    return _helm_template(argv, values, f"{chart} {version} from {repository}")


def repository_path(base: Path, path: str, within: Path | None = None) -> Path:
    """A path a GitOps object names (`./clusters/dev`, `kubernetes/apps`) from `base`, inside the checkout `within`
    (default: `base`); UsageError outside it."""
    root = (within or base).resolve()
    base = base.resolve()
    resolved = (base / path.strip().removeprefix("./")).resolve()
    if resolved != root and root not in resolved.parents:
        raise UsageError(f"{path}: outside the repository")
    return resolved
