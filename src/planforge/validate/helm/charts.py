"""Helm charts: where they are, what they declare, their values sets, and what of them Helm may read."""
from __future__ import annotations

import glob
import os
import posixpath
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from planforge.validate.base import Context, Finding, Target
from planforge.validate.helm.rules import NAME
from planforge.validate.inputs import Bounds, InputError, outside_finding, walk
from planforge.validate.manifests import safe_load

_SKIP_DIRS = {".git", ".terraform", "node_modules", ".venv", "__pycache__"}


def discover_charts(ctx: Context) -> list[Target]:
    """Every chart under `ctx.root` (by its Chart.yaml) but vendored subcharts and ignored files."""
    charts: list[Target] = []
    ignore = [re.compile(p) for p in ctx.settings.ignore_filename_patterns]
    for chart_yaml in sorted(_walk(ctx.root, "Chart.yaml")):
        chart = chart_yaml.parent
        if _inside_chart(chart, ctx.root):
            continue  # a vendored subchart: linted and rendered through its parent
        if any(p.search(str(chart_yaml)) or p.search(ctx.display(chart_yaml)) for p in ignore):
            continue
        charts.append(Target(NAME, "chart", chart, ctx.display(chart)))
    return charts


def _walk(root: Path, filename: str) -> Iterator[Path]:
    for dirpath, dirnames, filenames in walk(root):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        if filename in filenames:
            yield Path(dirpath) / filename


def _inside_chart(path: Path, root: Path) -> bool:
    """Whether `path` sits in some ancestor chart's charts/ directory."""
    for parent in path.parents:
        if parent == root:
            return False
        if parent.name == "charts" and (parent.parent / "Chart.yaml").is_file():
            return True
    return False


def values_files(chart: Path) -> list[Path]:
    """The values sets a chart is rendered with besides its defaults: per platform, per environment
    (`values-<env>.yaml` beside values.yaml) and chart-testing's."""
    return (sorted(chart.glob("platforms/*.yaml")) + sorted(chart.glob("values-*.yaml"))
            + sorted(chart.glob("ci/*-values.yaml")))


def chart_metadata(chart: Path) -> dict[str, Any]:
    """Chart.yaml as a dict ({} when unreadable, refused or unparsable: lint or the input checks report that)."""
    try:
        meta = safe_load(Bounds.of([chart]).read_text(chart / "Chart.yaml"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, InputError):
        return {}
    return meta if isinstance(meta, dict) else {}


def chart_type(chart: Path) -> str:
    return str(chart_metadata(chart).get("type") or "application")


def missing_dependencies(chart: Path) -> dict[str, str]:
    """Dependencies declared in Chart.yaml that are neither unpacked nor archived under charts/: name -> repository.

    Helm matches a dependency by chart name, not directory name: `charts/subchartA/` holding chart `subcharta`
    vendors `subcharta`."""
    vendored = vendored_chart_names(chart)
    missing = {}
    for dep in chart_metadata(chart).get("dependencies") or []:
        if not isinstance(dep, dict) or not dep.get("name"):
            continue
        name = str(dep["name"])
        if name not in vendored and not list((chart / "charts").glob(f"{glob.escape(name)}-*.tgz")):
            missing[name] = str(dep.get("repository") or "")
    return missing


def vendored_chart_names(chart: Path) -> set[str]:
    """The names (Chart.yaml `name`) of the charts unpacked under charts/ (a symlinked entry is the input
    checks' to refuse, not read here)."""
    subcharts = chart / "charts"
    if not subcharts.is_dir():
        return set()
    names = set()
    for sub in subcharts.iterdir():
        name = chart_metadata(sub).get("name") if sub.is_dir() and not sub.is_symlink() else None
        if isinstance(name, str) and name:
            names.add(name)
    return names


def vendor_local_dependencies(chart: Path, missing: dict[str, str], workdir: Path) -> Path:
    """A copy of the chart in `workdir` with its `file://` dependencies unpacked under charts/.

    This is what `helm dependency build` would do for them, without touching the repository.
    """
    copy = Path(tempfile.mkdtemp(prefix="chart-", dir=workdir)) / chart.name
    shutil.copytree(chart, copy, symlinks=False)
    for name, repository in missing.items():
        shutil.copytree((chart / repository.removeprefix("file://")).resolve(), copy / "charts" / name)
    return copy


def chart_input_findings(target: Target, ctx: Context) -> list[Finding]:
    """What Helm must not read: entries of the chart (and of its `file://` dependencies) that resolve
    outside the validated paths, are no regular files or are too large; `file://` dependencies outside."""
    findings = [exc.finding(_lexical(target, path)) for path, exc in ctx.bounds.scan(target.path, skip=(".git",))]
    try:
        chart_text = ctx.bounds.read_text(target.path / "Chart.yaml", errors="replace")
    except (OSError, InputError):
        return findings  # the scan reported a refused Chart.yaml; lint reports a missing one
    for name, repository in missing_dependencies(target.path).items():
        if not repository.startswith("file://"):
            continue
        dependency = target.path / repository.removeprefix("file://")
        if not ctx.bounds.inside(dependency):
            line = next((n for n, text in enumerate(chart_text.splitlines(), 1) if repository in text), None)
            findings.append(outside_finding(in_chart(target, "Chart.yaml"), line,
                                            f"dependency {name!r} (repository {repository!r})"))
        elif dependency.is_dir():
            findings += [exc.finding(_lexical(target, path)) for path, exc in ctx.bounds.scan(dependency, skip=(".git",))]
    return findings


def _lexical(target: Target, path: Path) -> str:
    """Display path of an entry below the chart, as it is written (symlinks not followed)."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(target.path))
    return in_chart(target, relative) if not relative.startswith("..") else posixpath.normpath(
        f"{target.display or '.'}/{relative}")


def in_chart(target: Target, relative: str) -> str:
    """Display path of a file inside the chart (`web/templates/x.yaml`, or `templates/x.yaml` at the root)."""
    return posixpath.normpath(f"{target.display or '.'}/{relative}")
