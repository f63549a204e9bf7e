"""Last gate before answers leave `decide`: names are DNS-1123 labels and no answer carries
path traversal, Jinja/HCL interpolation or YAML/HCL metacharacters. Each problem names
the answer field and the plan line it came from."""
from __future__ import annotations

import re
from typing import Any

from planforge.decide.answers import Answers, Provenance
from planforge.errors import Problem

SLUG = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
TEMPLATE_SYNTAX = re.compile(r"[{][{%#]|[}%#][}]|[$%][{]")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Plain values (not quoted plan text) must also avoid YAML/HCL/shell metacharacters.
META = re.compile(r"[`\"'\\<>|&;*!{}\[\]#$%^~=\s]")
TRAVERSAL = re.compile(r"(^|/)\.\.(/|$)|^/|^~")

NAME_FIELDS = ("project_name", "chart_name", "kubernetes_distribution", "region", "storage", "data_residency",
               "database_engine")
NAME_LISTS = ("environments", "tenants", "compliance")
TEXT_FIELDS = ("plan_title",)


def check_safety(answers: Answers, provenance: dict[str, Provenance], source: str) -> list[Problem]:
    problems: list[Problem] = []

    def add(field: str, message: str, hint: str) -> None:
        prov = provenance.get(field.split("[", 1)[0].split(".", 1)[0])
        line = prov.line if prov is not None and prov.source == "plan" else None
        problems.append(Problem(message=message, file=source, line=line, field=field, hint=hint))

    def name(field: str, value: str, optional: bool = True, max_len: int = 63) -> None:
        if optional and not value:
            return
        if TRAVERSAL.search(value) or ".." in value:
            add(field, f"{value!r} is a path traversal", "use a plain name")
        elif not SLUG.match(value) or len(value) > max_len:
            add(field, f"{value!r} is not a DNS-1123 label", "use lowercase letters, digits and '-' (at most 63)")

    def text(field: str, value: Any) -> None:
        if not isinstance(value, str):
            return
        if TEMPLATE_SYNTAX.search(value):
            add(field, f"{value!r} contains Jinja/HCL template syntax", "remove {{ }}, {% %}, ${ } from the plan text")
        elif CONTROL.search(value):
            add(field, f"{value!r} contains control characters", "remove them from the plan")

    def token(field: str, value: str) -> None:
        if value and (META.search(value) or ".." in value):
            add(field, f"{value!r} contains YAML/HCL metacharacters or a path traversal", "use a plain value")

    a = answers
    name("project_name", a.project_name, optional=False)
    name("chart_name", a.chart_name, max_len=53)
    for f in NAME_FIELDS[2:]:
        name(f, getattr(a, f))
    for f in NAME_LISTS:
        for i, v in enumerate(getattr(a, f)):
            name(f"{f}[{i}]", v, optional=False)
    for f in TEXT_FIELDS:
        text(f, getattr(a, f))
    for f in ("terraform_version", "kubernetes_version", "database_version", "repo_url"):
        token(f, getattr(a, f))
    for i, c in enumerate(a.components):
        for attr in ("name", "chart", "namespace"):
            name(f"components[{i}].{attr}", getattr(c, attr), optional=False)
        token(f"components[{i}].chart_repo", c.chart_repo)
        token(f"components[{i}].version", c.version)
        text(f"components[{i}].notes", c.notes)
    for group in ("apps", "services"):
        for i, s in enumerate(getattr(a, group)):
            name(f"{group}[{i}].name", s.name, optional=False)
            token(f"{group}[{i}].image", s.image)
            if "//" in s.image or ".." in s.image:
                add(f"{group}[{i}].image", f"{s.image!r} is not an image repository", "give registry/path without scheme")
            token(f"{group}[{i}].health_path", s.health_path)
            if ".." in s.health_path or not s.health_path.startswith("/"):
                add(f"{group}[{i}].health_path", f"{s.health_path!r} is not an HTTP path", "use a path like /healthz")
    for i, s in enumerate(a.environment_sizing):
        name(f"environment_sizing[{i}].name", s.name, optional=False)
        for attr in ("instance_type", "db_instance_class"):
            v = getattr(s, attr)
            if v:
                token(f"environment_sizing[{i}].{attr}", v)
    for i, d in enumerate(a.decisions):
        for attr in ("name", "value", "source"):
            v = getattr(d, attr)
            text(f"decisions[{i}].{attr}", v)
            if "`" in v or "\\" in v:
                add(f"decisions[{i}].{attr}", "contains backticks or backslashes", "remove them from the plan line")
    # a decision's problem is located at the answer it documents
    for p in problems:
        if p.field and p.field.startswith("decisions[") and p.line is None:
            idx = int(p.field[len("decisions["):].split("]", 1)[0])
            prov = provenance.get(a.decisions[idx].name)
            if prov is not None and prov.source == "plan":
                p.line = prov.line
    return problems
