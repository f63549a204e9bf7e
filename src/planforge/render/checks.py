"""Answer checks run before Copier: the same rules as the copier.yml validators, but each
problem names the answer field (with list index) and the plan line it came from.

Rendering never starts when any check fails, so a bad answer cannot write anything.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from planforge.decide.answers import Answers, Provenance
from planforge.errors import Problem

SLUG = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
REGION = re.compile(r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
TF_VERSION = re.compile(r"^[0-9]+\.[0-9]+(\.[0-9]+)?$")
K8S_VERSION = re.compile(r"^1\.[0-9]{1,2}$")
CHART_VERSION = re.compile(r"^v?[0-9]+(\.[0-9]+){0,2}([-+][0-9A-Za-z.-]+)?$")
DB_VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,2}$")
CHART_REPO = re.compile(r"^(https|oci)://[A-Za-z0-9._~/:@+-]+$")
GIT_URL = re.compile(r"^(https://|ssh://|git@)[A-Za-z0-9._~/:@+-]+$")
CLUSTER_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?$")
IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/:-]*$")
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
HTTP_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
INSTANCE_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Jinja/HCL interpolation, quotes, backslash, backtick, control characters.
UNSAFE_TEXT = re.compile(r'[{][{%#]|[}%#][}]|[$%][{]|[`"\\\x00-\x1f]')
# The same without the double quote (decisions quote plan text verbatim).
UNSAFE_QUOTED_TEXT = re.compile(r"[{][{%#]|[}%#][}]|[$%][{]|[`\\\x00-\x1f]")
PLATFORMS = ("minikube", "eks", "gke", "aks", "doks", "oke")
BACKEND_OF_CLOUD = {"aws": "s3", "azure": "azurerm", "gcp": "gcs"}
MAX_TENANTS = 100


class _Checker:
    """Collects problems, locating each at the plan line of its top-level field."""

    def __init__(self, provenance: Mapping[str, Provenance], plan_file: Path | str | None):
        self.provenance = provenance
        self.plan_file = plan_file
        self.problems: list[Problem] = []

    def add(self, field: str, message: str, hint: str) -> None:
        top = field.split("[", 1)[0].split(".", 1)[0]
        prov = self.provenance.get(top)
        line = prov.line if prov is not None and prov.source == "plan" else None
        self.problems.append(Problem(message=message, file=self.plan_file, line=line, field=field, hint=hint))

    def value(self, field: str, value: Any, pattern: re.Pattern[str], what: str, *, optional: bool = False,
              max_len: int | None = None) -> None:
        if optional and value in ("", None):
            return
        text = "" if value is None else str(value)
        if ".." in text or not pattern.fullmatch(text) or (max_len is not None and len(text) > max_len):
            limit = f", at most {max_len} characters" if max_len else ""
            self.add(field, f"{text!r} is not {what}", f"use {what}{limit}")

    def slug(self, field: str, value: Any, *, optional: bool = False, max_len: int = 63) -> None:
        self.value(field, value, SLUG, "a DNS-1123 label (lowercase letters, digits and '-')",
                   optional=optional, max_len=max_len)

    def text(self, field: str, value: Any, pattern: re.Pattern[str] = UNSAFE_TEXT) -> None:
        if value and pattern.search(str(value)):
            self.add(field, f"{str(value)!r} contains Jinja/HCL interpolation, quotes, backslashes or control characters",
                     "remove the template or shell syntax from the plan text")

    def names(self, field: str, values: Iterable[Any]) -> None:
        values = list(values)
        for index, item in enumerate(values):
            self.slug(f"{field}[{index}]", item)
        seen: set[str] = set()
        for item in values:
            if item in seen:
                self.add(field, f"{item!r} appears twice", "give each name once")
            seen.add(item)

    def services(self, field: str, services: list) -> None:
        for index, svc in enumerate(services):
            at = f"{field}[{index}]"
            self.slug(f"{at}.name", svc.name)
            self.value(f"{at}.image", svc.image, IMAGE, "an image repository (no tag)")
            if "//" in svc.image:
                self.add(f"{at}.image", f"{svc.image!r} is not an image repository", "drop the URL scheme")
            self.value(f"{at}.tag", svc.tag, TAG, "an image tag")
            self.value(f"{at}.health_path", svc.health_path, HTTP_PATH, "an HTTP path like /healthz")
            if not 1 <= svc.port <= 65535:
                self.add(f"{at}.port", f"{svc.port} is not a TCP port", "use 1-65535")
            for attr in ("replicas", "prod_replicas"):
                if getattr(svc, attr) < 0:
                    self.add(f"{at}.{attr}", "must not be negative", "use 0 or more replicas")
        self._unique(field, [s.name for s in services])

    def _unique(self, field: str, names: list[str]) -> None:
        dupes = sorted({n for n in names if names.count(n) > 1})
        for name in dupes:
            self.add(field, f"{name!r} appears twice", "give each service a distinct name")


def check_answers(answers: Answers, provenance: Mapping[str, Provenance] | None = None,
                  plan_file: Path | str | None = None) -> list[Problem]:
    """Every reason the answers must not be rendered (empty list: safe to render)."""
    c = _Checker(provenance or {}, plan_file)
    a = answers
    c.slug("project_name", a.project_name)
    c.text("plan_title", a.plan_title)
    if not a.blueprints:
        c.add("blueprints", "no blueprint selected", "the structure decides the blueprints")
    c.value("region", a.region, REGION, "a region name like eu-central-1", optional=True)
    c.value("terraform_version", a.terraform_version, TF_VERSION, "a version like 1.6")
    c.slug("kubernetes_distribution", a.kubernetes_distribution)
    c.value("kubernetes_version", a.kubernetes_version, K8S_VERSION, "a Kubernetes minor version like 1.29")
    expected_backend = BACKEND_OF_CLOUD.get(a.cloud)
    if "terraform" in a.blueprints and expected_backend and a.state_backend not in (expected_backend, "none"):
        c.add("state_backend", f"backend {a.state_backend!r} does not belong to cloud {a.cloud!r}",
              f"use {expected_backend}")
    if not a.environments:
        c.add("environments", "no environment", "name at least one environment (e.g. dev)")
    c.names("environments", a.environments)
    if a.structure == "multi-tenant" and not a.tenants:
        c.add("tenants", "a multi-tenant repository needs at least one tenant", "list the organizations in Scale/Scope")
    if len(a.tenants) > MAX_TENANTS:
        c.add("tenants", f"{len(a.tenants)} tenants; at most {MAX_TENANTS} are supported", "split the plan")
    c.names("tenants", a.tenants)
    for index, comp in enumerate(a.components):
        at = f"components[{index}]"
        for attr in ("name", "chart", "namespace"):
            c.slug(f"{at}.{attr}", getattr(comp, attr))
        c.value(f"{at}.chart_repo", comp.chart_repo, CHART_REPO, "an https:// or oci:// chart repository URL")
        c.value(f"{at}.version", comp.version, CHART_VERSION, "an exact chart version")
        c.text(f"{at}.notes", comp.notes)
    if a.deployment_strategy == "raw-manifests" and a.components and {"kubernetes", "argocd"} & set(a.blueprints):
        names = ", ".join(comp.name for comp in a.components)
        c.add("components", f"{names}: catalog components exist only as Helm charts, which the raw-manifests "
              "deployment strategy cannot deploy; supported with components: Helm-first with Kustomize fallback, "
              "Kustomize-only", "drop the components from the plan or change its Deployment Strategy")
    c.services("apps", a.apps)
    c.services("services", a.services)
    for index, platform in enumerate(a.platforms):
        if platform not in PLATFORMS:
            c.add(f"platforms[{index}]", f"{platform!r} is not a supported platform", ", ".join(PLATFORMS))
    if a.chart_name or "helm-chart" in a.blueprints:
        c.slug("chart_name", a.chart_name, max_len=53)
    c.slug("storage", a.storage, optional=True)
    c.value("database_secret", a.database_secret, K8S_NAME, "a Kubernetes Secret name", optional=True)
    if a.rpo_minutes < 0:
        c.add("rpo_minutes", "must not be negative", "state the RPO in minutes")
    if not 0 <= a.backup_retention_days <= 35:
        c.add("backup_retention_days", f"{a.backup_retention_days} is outside 0-35 days", "use 0-35")
    c.names("compliance", a.compliance)
    c.slug("data_residency", a.data_residency, optional=True)
    for index, sizing in enumerate(a.environment_sizing):
        at = f"environment_sizing[{index}]"
        c.slug(f"{at}.name", sizing.name)
        c.value(f"{at}.instance_type", sizing.instance_type, INSTANCE_TYPE, "an instance type", optional=True)
        c.value(f"{at}.db_instance_class", sizing.db_instance_class, INSTANCE_TYPE, "an instance class", optional=True)
        c.value(f"{at}.cluster", sizing.cluster, CLUSTER_URL, "an https:// API server URL")
    c.slug("database_engine", a.database_engine, optional=True)
    c.value("database_version", a.database_version, DB_VERSION, "a version like 16", optional=True)
    c.value("repo_url", a.repo_url, GIT_URL, "an https://, ssh:// or git@ Git URL", optional=True)
    for index, decision in enumerate(a.decisions):
        for attr in ("name", "value", "source"):
            c.text(f"decisions[{index}].{attr}", getattr(decision, attr), UNSAFE_QUOTED_TEXT)
    return c.problems

