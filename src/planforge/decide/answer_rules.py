"""The answer rules: one checker for every gate (`decide`, `planforge answers`, rendering).

The rules themselves are data (planforge/data/answer_rules.yaml): a pattern per kind of
value, which fields follow which pattern, list and range limits. This module applies
them; includes/validators.jinja applies the same rules inside plain `copier copy`.

Each problem names the answer field (with list index, `apps[2].image`) and the plan line
the answer came from (its provenance).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planforge.decide.answers import Answers, NotApplied, Provenance
from planforge.decide.data import load
from planforge.errors import Problem


@dataclass(frozen=True)
class Pattern:
    name: str
    regex: re.Pattern[str]
    what: str
    max: int | None = None
    yaml_text: bool = False  # a name written unquoted into YAML: YAML must read it as text


@lru_cache(maxsize=None)
def rules() -> dict[str, Any]:
    return load("answer_rules.yaml")


@lru_cache(maxsize=None)
def patterns() -> dict[str, Pattern]:
    return {name: Pattern(name, re.compile(p["regex"]), p["what"], p.get("max"), p.get("yaml_text", False))
            for name, p in rules()["patterns"].items()}


YAML_TEXT_FIX = "choose another name: names are written unquoted into YAML, which must read them as text"


@lru_cache(maxsize=None)
def _yaml_non_strings() -> dict[str, re.Pattern[str]]:
    return {kind: re.compile(regex) for kind, regex in rules()["yaml_non_strings"].items()}


def yaml_reading(text: str) -> str | None:
    """What YAML reads `text`, written unquoted, as when that is not a string (`a boolean` for `on`, `a number`
    for `010`, `null`, `a date`), else None."""
    return next((kind for kind, rx in _yaml_non_strings().items() if rx.search(text)), None)


@lru_cache(maxsize=None)
def texts() -> dict[str, re.Pattern[str]]:
    return {name: re.compile(regex) for name, regex in rules()["texts"].items()}


def expected_state_backend(cloud: str) -> str | None:
    return rules()["state_backend_of_cloud"].get(cloud)


class _Checker:
    """Collects problems, locating each at the plan line of its answer."""

    def __init__(self, provenance: Mapping[str, Provenance], plan_file: Path | str | None, answers: Answers | None):
        self.provenance = provenance
        self.plan_file = plan_file
        self.answers = answers
        self.problems: list[Problem] = []

    def _line(self, field: str) -> int | None:
        top = field.split("[", 1)[0].split(".", 1)[0]
        tops = [top]
        if top in ("decisions", "not_applied") and "[" in field and self.answers is not None:
            item = getattr(self.answers, top)[int(field[len(top) + 1:].split("]", 1)[0])]
            if isinstance(item, NotApplied):  # a not-applied item is located at its own line
                return item.line
            tops.append(item.name)  # a Decisions line is located at the answer it documents
        lines = [p.line for p in map(self.provenance.get, tops) if p is not None and p.source == "plan"]
        return lines[0] if lines else None

    def add(self, field: str, message: str, hint: str) -> None:
        self.problems.append(Problem(message=message, file=self.plan_file, line=self._line(field), field=field,
                                     hint=hint))

    def check(self, field: str, value: Any, spec: Mapping[str, Any]) -> None:
        """One value against its field spec: `rule` (a pattern) or `text`, maybe `optional`."""
        if spec.get("optional") and value in ("", None):
            return
        if "text" in spec:
            if value and texts()[spec["text"]].search(value):
                self.add(field, f"{value!r} contains Jinja/HCL interpolation, quotes, backticks, backslashes or "
                         "control characters", "remove the template or shell syntax from the plan text")
            return
        pattern = patterns()[spec["rule"]]
        limit = spec.get("max", pattern.max)
        text = "" if value is None else str(value)
        if ".." in text or text.startswith(("/", "~")) and pattern.name == "label":
            self.add(field, f"{text!r} is a path traversal", f"use {pattern.what}")
        elif not pattern.regex.search(text) or (limit is not None and len(text) > limit):
            at_most = f", at most {limit} characters" if limit else ""
            self.add(field, f"{text!r} is not {pattern.what}", f"use {pattern.what}{at_most}")
        elif pattern.yaml_text and (reading := yaml_reading(text)) is not None:
            self.add(field, f"{text!r}: YAML reads `{text}` as {reading}", YAML_TEXT_FIX)

    def names(self, field: str, values: list[str], spec: Mapping[str, Any]) -> None:
        if len(values) < spec.get("min_items", 0):
            self.add(field, f"no {field}", f"name at least {spec['min_items']} (e.g. dev)")
        if "max_items" in spec and len(values) > spec["max_items"]:
            self.add(field, f"{len(values)} {field}; at most {spec['max_items']} are supported", "split the plan")
        for index, item in enumerate(values):
            self.check(f"{field}[{index}]", item, spec)
        self.unique(field, values)

    def unique(self, field: str, names: Iterable[str]) -> None:
        names = list(names)
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.add(field, f"{name!r} appears twice", "give each name once")


def check_answers(answers: Answers, provenance: Mapping[str, Provenance] | None = None,
                  plan_file: Path | str | None = None) -> list[Problem]:
    """Every reason the answers must not be rendered (empty list: safe to render)."""
    r = rules()
    a = answers
    c = _Checker(provenance or {}, plan_file, a)
    for name, spec in r["fields"].items():
        c.check(name, getattr(a, name), spec)
    for name, spec in r["name_lists"].items():
        c.names(name, getattr(a, name), spec)
    for name, keys in r["mapping_lists"].items():
        for index, item in enumerate(getattr(a, name)):
            for key, spec in keys.items():
                c.check(f"{name}[{index}].{key}", getattr(item, key), spec)
    for name, spec in r["dir_maps"].items():
        _dir_map(c, name, getattr(a, name), spec)
    for group in ("apps", "services"):
        low, high = r["port"]
        for index, svc in enumerate(getattr(a, group)):
            if not low <= svc.port <= high:
                c.add(f"{group}[{index}].port", f"{svc.port} is not a TCP port", f"use {low}-{high}")
            for attr in ("replicas", "prod_replicas"):
                if getattr(svc, attr) < 0:
                    c.add(f"{group}[{index}].{attr}", "must not be negative", "use 0 or more replicas")
        c.unique(group, [s.name for s in getattr(a, group)])
    if a.chart_name or a.structure == "helm-chart":
        c.check("chart_name", a.chart_name, {"rule": "label", "max": r["chart_name_max"]})
    for name, hint in (("rpo_minutes", "state the RPO in minutes"), ("rto_minutes", "state the RTO in minutes"),
                       ("max_pods", "state a pod count, or 0 for the default"),
                       ("database_storage_gb", "state the storage in GiB, or 0 for the default"),
                       ("k3s_servers", "state a node count, or 0 for no on-premise cluster"),
                       ("k3s_agents", "state a node count, or 0 for no on-premise cluster")):
        if getattr(a, name) < 0:
            c.add(name, "must not be negative", hint)
    for index, item in enumerate(a.not_applied):
        if item.line < 1:
            c.add(f"not_applied[{index}].line", f"{item.line} is not a plan line", "use the 1-based plan line")
    low, high = r["backup_retention_days"]
    if not low <= a.backup_retention_days <= high:
        c.add("backup_retention_days", f"{a.backup_retention_days} is outside {low}-{high} days", f"use {low}-{high}")
    _check_combinations(a, c)
    return c.problems


def _dir_map(c: _Checker, name: str, values: Mapping[str, str], spec: Mapping[str, Any]) -> None:
    """A mapping keyed by the layout table's directories (layout.yml `dirs`), each value checked by `spec`."""
    from planforge.layout import load_layout

    dirs = load_layout()["dirs"]
    for key, value in values.items():
        if key not in dirs:
            c.add(f"{name}.{key}", f"{key!r} is not a directory of the layout table", f"use one of {', '.join(dirs)}")
        else:
            c.check(f"{name}.{key}", value, spec)


def _check_combinations(a: Answers, c: _Checker) -> None:
    backend = expected_state_backend(a.cloud)
    if backend and a.state_backend not in (backend, "terraform-cloud", "none"):
        c.add("state_backend", f"backend {a.state_backend!r} does not belong to cloud {a.cloud!r}", f"use {backend}")
    if a.state_backend == "terraform-cloud" and not a.tfc_organization:
        c.add("tfc_organization", "the terraform-cloud state backend needs the HCP Terraform organization",
              "name it in the plan's State Backend, e.g. `Terraform Cloud (organization acme)`")
    if a.clouds and (a.clouds[0] != a.cloud or len(set(a.clouds)) != len(a.clouds)):
        c.add("clouds", f"clouds {a.clouds} must list distinct clouds, the primary cloud {a.cloud!r} first",
              f"start the list with {a.cloud}")
    for cloud, region in a.cloud_regions.items():
        if cloud not in a.clouds[1:]:
            c.add(f"cloud_regions.{cloud}", f"{cloud!r} is not another cloud of clouds {a.clouds}",
                  "give regions only for the clouds after the primary")
        else:
            c.check(f"cloud_regions.{cloud}", region, rules()["cloud_maps"]["cloud_regions"])
    if a.structure == "multi-tenant" and not a.tenants:
        c.add("tenants", "a multi-tenant repository needs at least one tenant", "list the organizations in Scale/Scope")
    if a.gitops == "flux" and a.structure not in ("multi-tool", "multi-tenant", "helm-chart"):
        c.add("gitops", "Flux is generated for multi-tool, multi-tenant and helm-chart repositories, "
              f"not {a.structure}", "use argocd or none")
    kubernetes = a.structure in ("multi-tool", "multi-tenant") or a.gitops != "none"  # kubernetes or a GitOps tool
    if a.deployment_strategy == "raw-manifests" and a.components and kubernetes:
        names = ", ".join(comp.name for comp in a.components)
        c.add("components", f"{names}: catalog components exist only as Helm charts, which the raw-manifests "
              "deployment strategy cannot deploy; supported with components: Helm-first with Kustomize fallback, "
              "Kustomize-only", "drop the components from the plan or change its Deployment Strategy")


def check_data(data: Mapping[str, Any], provenance: Mapping[str, Provenance] | None = None,
               plan_file: Path | str | None = None) -> list[Problem]:
    """The rules applied to a raw Copier data mapping (what `copier copy --data-file` reads):
    values of the wrong type are problems too (strict: no "8080" for a port)."""
    try:
        answers = Answers.model_validate(dict(data), strict=True)
    except ValidationError as exc:
        return [Problem(message=err["msg"], file=plan_file, field=_error_field(err["loc"]), hint="fix the answer")
                for err in exc.errors()]
    return check_answers(answers, provenance, plan_file)


def _error_field(loc: tuple) -> str:
    field = ""
    for part in loc:
        if isinstance(part, int):
            field += f"[{part}]"
        elif not str(part).startswith(("literal[", "function-")):
            field += f".{part}" if field else str(part)
    return field
