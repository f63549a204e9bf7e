"""ApplicationSet generators resolved offline: the Applications an ApplicationSet's template expands to.

Only what can be resolved from the repository alone, simply and safely, is expanded:

* `list` generators (`elements`): each element's keys are parameters (nested keys as `a.b`);
* `git` generators with `directories` on this repository: each matching directory (minus the
  `exclude: true` entries) gives `path`, `path.basename`, `path.basenameNormalized`, `path[N]`
  (fasttemplate) or `.path.path`, `.path.basename`, `.path.basenameNormalized` (`goTemplate: true`).

Parameters are substituted in the template's strings: `{{x}}` / `{{ x }}` (fasttemplate) or `{{.x}}` /
`{{ .x }}` (Go templates). Anything else (functions, pipelines, unknown keys) is left as written, so the
checks skip that field as templated. Any other generator (cluster, matrix, pull request, git `files`...),
a `templatePatch`, or more than `MAX_APPLICATIONS` Applications: not expanded (`None`), and the template
is checked as written.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Callable

from planforge.validate.inputs import Bounds

MAX_APPLICATIONS = 50  # expansions per ApplicationSet: beyond that the template is checked as written
_FAST = re.compile(r"\{\{\s*([\w.\[\]-]+)\s*\}\}")
_GO = re.compile(r"\{\{-?\s*\.([\w.\[\]-]+)\s*-?\}\}")

Params = dict[str, str]


def expand(appset: dict[str, Any], root: Path, bounds: Bounds,
           is_repo_local: Callable[[Any], bool]) -> list[tuple[Params, dict[str, Any]]] | None:
    """Each parameter set of the ApplicationSet with its template filled in; None when not resolvable."""
    spec = appset.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("template"), dict) or "templatePatch" in spec:
        return None
    generators = spec.get("generators")
    if not isinstance(generators, list) or not generators:
        return None
    go = spec.get("goTemplate") is True
    params: list[Params] = []
    for generator in generators:
        found = _generator_params(generator, root, bounds, is_repo_local, go)
        if found is None:
            return None
        params.extend(found)
        if len(params) > MAX_APPLICATIONS:
            return None
    return [(p, substitute(spec["template"], p, go)) for p in params]


def _generator_params(generator: Any, root: Path, bounds: Bounds, is_repo_local: Callable[[Any], bool],
                      go: bool) -> list[Params] | None:
    if not isinstance(generator, dict) or len(generator) != 1:  # a `selector` filters: not evaluated here
        return None
    if isinstance(generator.get("list"), dict):
        elements = generator["list"].get("elements")
        if not isinstance(elements, list) or "elementsYaml" in generator["list"] or \
                not all(isinstance(e, dict) for e in elements):
            return None
        return [_flatten(e) for e in elements]
    git = generator.get("git")
    if isinstance(git, dict) and is_repo_local(git.get("repoURL")) and git.get("directories") and \
            not git.get("files") and not git.get("pathParamPrefix"):
        return _directory_params(git["directories"], root, bounds, go)
    return None


def _directory_params(entries: Any, root: Path, bounds: Bounds, go: bool) -> list[Params] | None:
    """The directories a git generator's `directories` select, as parameters (Argo CD's names)."""
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("path"), str) for e in entries):
        return None

    def matches(pattern: str) -> set[Path]:
        return {p for p in root.glob(pattern.strip("/")) if bounds.inside(p) and p.is_dir()}

    included = set().union(*(matches(e["path"]) for e in entries if not e.get("exclude")))
    excluded = set().union(*(matches(e["path"]) for e in entries if e.get("exclude")))
    directories = sorted(p.relative_to(root).as_posix() for p in included - excluded)
    if len(directories) > MAX_APPLICATIONS:
        return None
    return [_path_params(d, go) for d in directories]


def _path_params(directory: str, go: bool) -> Params:
    basename = directory.rsplit("/", 1)[-1]
    normalized = re.sub(r"[^a-zA-Z0-9-]", "-", basename)
    if go:
        return {"path.path": directory, "path.basename": basename, "path.basenameNormalized": normalized}
    params = {"path": directory, "path.basename": basename, "path.basenameNormalized": normalized}
    params.update({f"path[{i}]": part for i, part in enumerate(directory.split("/"))})
    return params


def _flatten(element: dict[str, Any], prefix: str = "") -> Params:
    """`{"a": {"b": 1}}` -> `{"a.b": "1"}` (scalars as strings, as Argo CD substitutes them)."""
    flat: Params = {}
    for key, value in element.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        elif isinstance(value, bool):
            flat[name] = "true" if value else "false"
        elif isinstance(value, (str, int, float)):
            flat[name] = str(value)
    return flat


def substitute(value: Any, params: Params, go: bool) -> Any:
    """A copy of `value` with every simple parameter reference in its strings replaced."""
    if isinstance(value, dict):
        return {k: substitute(v, params, go) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, params, go) for v in value]
    if not isinstance(value, str) or "{{" not in value:
        return copy.copy(value)
    pattern = _GO if go else _FAST
    return pattern.sub(lambda m: params.get(m.group(1), m.group(0)), value)


__all__ = ["MAX_APPLICATIONS", "expand", "substitute"]
