"""Rendering and tool helpers shared by the kubernetes/argocd/helm blueprint tests.

Each plan (or variant) is rendered once per test process with planforge's Copier worker (`testlib.render_copy`),
data from `decide(parse_plan(plan)).answers`. The template is this repository's
copier.yml + blueprints/ copied once into a temporary directory: rendering straight from
the repository root makes Copier clone the (dirty) git work tree for every render, about
20 s each, and the template content is byte-for-byte the same.
"""
from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from testlib import PLANS, REAL_PLANS, TOOLS_BIN, copy_template, render_copy

PROD = ("prod", "production")
ESO_STORES = ("aws-secrets-manager", "vault", "azure-key-vault", "gcp-secret-manager")

_BASE = Path(tempfile.mkdtemp(prefix="planforge-k8s-blueprints-"))
atexit.register(shutil.rmtree, _BASE, ignore_errors=True)


def plan_data(plan: str) -> dict[str, Any]:
    """The Copier data `planforge answers` gives for a shared plan (a name in tests/fixtures/plans
    or a path); raises planforge.errors.RefusedError for a refused plan."""
    from planforge.decide import decide
    from planforge.plan import parse_plan

    path = Path(plan) if plan.endswith(".md") else PLANS / f"{plan}.plan.md"
    return decide(parse_plan(path)).answers.to_copier_data()


def _kustomize_only(data: dict) -> dict:
    return {**data, "deployment_strategy": "kustomize-only", "blueprints": ["kubernetes", "argocd"],
            "repo_url": "https://github.com/example/storefront-gitops.git", "database_engine": "mysql"}


def _raw_manifests(data: dict) -> dict:
    # Catalog components exist only as Helm charts: raw manifests are refused with any.
    return {**data, "deployment_strategy": "raw-manifests", "blueprints": ["kubernetes", "argocd"], "components": []}


def _tenants(count: int) -> Callable[[dict], dict]:
    """`count` tenants. With many tenants the apps and components are left out: they render
    per tenant exactly as with three, and each one costs Copier path renders."""
    def variant(data: dict) -> dict:
        names = [f"tenant-{i:03d}" for i in range(count)] if count > 1 else ["solo"]
        changed = {**data, "tenants": names, "blueprints": ["kubernetes", "argocd"]}
        if count > 10:
            changed.update(apps=[], components=[])
        return changed
    return variant


# Figures a plan states for its first app or service: a replica range, a CPU request and a
# memory need (the request and the limit); the pods the platform must hold.
FIGURES = {"min_replicas": 3, "max_replicas": 30, "cpu_request": "500m", "memory_request": "2Gi", "memory_limit": "2Gi"}
MAX_PODS = 300


def _figures(change: Callable[[dict], dict] | None = None, key: str = "apps") -> Callable[[dict], dict]:
    """The answers with FIGURES on the first of `key` (after `change`), MAX_PODS and a production environment."""
    def variant(data: dict) -> dict:
        data = change(data) if change else data
        first, *rest = data[key]
        envs = data["environments"] if "prod" in data["environments"] else [*data["environments"], "prod"]
        return {**data, key: [{**first, **FIGURES}, *rest], "max_pods": MAX_PODS, "environments": envs}
    return variant


# name -> (shared plan, change applied to its answers)
VARIANTS: dict[str, tuple[str, Callable[[dict], dict] | None]] = {
    "aws-eks-argocd": ("aws-eks-argocd", None),
    "aws-eks-kustomize-only": ("aws-eks-argocd", _kustomize_only),
    "aws-eks-raw-manifests": ("aws-eks-argocd", _raw_manifests),
    "multi-tenant-saas": ("multi-tenant-saas", None),
    "multi-tenant-1": ("multi-tenant-saas", _tenants(1)),
    "multi-tenant-100": ("multi-tenant-saas", _tenants(100)),
    "helm-chart-payments": ("helm-chart-payments", None),
    "todo-minikube": ("todo-minikube", None),
    "event-driven-dapr": ("event-driven-dapr", None),
    "phase5-doks": ("phase5-doks", None),
    "figures-multi-tool": ("aws-eks-argocd", _figures(lambda d: {**d, "blueprints": ["kubernetes", "argocd"]})),
    "figures-raw-manifests": ("aws-eks-argocd", _figures(_raw_manifests)),
    "figures-multi-tenant": ("multi-tenant-saas", _figures(_tenants(1))),
    "figures-chart": ("helm-chart-payments", _figures(lambda d: {**d, "gitops": "argocd", "blueprints": ["helm-chart", "argocd"]},
                                                      key="services")),
}


@lru_cache(maxsize=None)
def template_dir(selected: tuple[str, ...]) -> Path:
    """The template of this repository without the blueprint trees the answers do not
    select. copier.yml leaves those out of the output anyway; leaving them out of the copy
    only saves Copier rendering their path names (seconds per render on a loaded machine)."""
    return copy_template(_BASE / ("template-" + "-".join(selected)), selected)


for _real in sorted(REAL_PLANS.glob("*.plan.md")):
    VARIANTS[f"real:{_real.name}"] = (str(_real), None)


@lru_cache(maxsize=None)
def answers(name: str) -> dict[str, Any]:
    plan, change = VARIANTS[name]
    data = plan_data(plan)
    return change(data) if change else data


@lru_cache(maxsize=None)
def render(name: str) -> Path:
    """Render a variant once; returns the generated repository."""
    dest = _BASE / "out" / name.replace(":", "-")
    data = answers(name)
    render_copy(template_dir(tuple(sorted(data["blueprints"]))), dest, data, overwrite=True)
    return dest


def layout_dir(name: str, key: str) -> Path:
    """A layout directory of a rendered variant, where its answers (the plan's tree) put it."""
    from planforge.layout import dirs

    return render(name) / dirs(answers(name))[key]


def tool(name: str) -> str | None:
    path = TOOLS_BIN / name
    return str(path) if path.is_file() else shutil.which(name)


def run(cmd: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def docs_of(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


def load_dir(root: Path, pattern: str = "*.yaml") -> list[dict]:
    """Every Kubernetes object in the YAML files under root (kustomization files excluded)."""
    out: list[dict] = []
    for path in sorted(root.rglob(pattern)):
        if path.name != "kustomization.yaml":
            out.extend(docs_of(path.read_text()))
    return out


def kustomizations(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.rglob("kustomization.yaml"))


@lru_cache(maxsize=None)
def kustomize(directory: Path) -> tuple[dict, ...]:
    kubectl = tool("kubectl")
    assert kubectl, "kubectl is required"
    return tuple(docs_of(run([kubectl, "kustomize", str(directory)]).stdout))


def helm_cmd(action: str, chart: Path, values: Iterable[Path | str] = (), extra: Iterable[str] = ()) -> list[str]:
    helm = tool("helm")
    assert helm, "helm is required"
    cmd = [helm, action]
    if action == "template":
        cmd.append("release")
    cmd.append(str(chart))
    for v in values:
        cmd += ["-f", str(v)]
    return [*cmd, *extra]


@lru_cache(maxsize=None)
def helm_template(chart: Path, values: tuple[Path, ...] = ()) -> tuple[dict, ...]:
    return tuple(docs_of(run(helm_cmd("template", chart, values)).stdout))


def kinds(objs: Iterable[dict], kind: str) -> list[dict]:
    return [o for o in objs if o.get("kind") == kind]


def by_name(objs: Iterable[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in kinds(objs, kind)}


def schema_errors(objs: Iterable[dict], origin: str) -> list[str]:
    """Strict schema findings against Kubernetes 1.29 + the CRD catalog (planforge.validate.schemas)."""
    from planforge.validate.base import Settings
    from planforge.validate.manifests import load_documents
    from planforge.validate.schemas import validate_documents

    text = yaml.safe_dump_all(list(objs), sort_keys=False)
    docs = load_documents(origin, text=text, display=origin)
    settings = Settings(kube_version="1.29.0", strict=True, schema_engine="embedded")
    return [f"{f.file}: {f.message}" for f in validate_documents(docs, settings)
            if str(getattr(f.severity, "value", f.severity)).lower() == "error"]


def pod_specs(objs: Iterable[dict]) -> list[tuple[str, dict]]:
    """(name, pod spec) of every Deployment and bare Pod."""
    specs = []
    for o in objs:
        if o.get("kind") == "Deployment":
            specs.append((o["metadata"]["name"], o["spec"]["template"]["spec"]))
        elif o.get("kind") == "Pod":
            specs.append((o["metadata"]["name"], o["spec"]))
    return specs


def restricted_violations(name: str, spec: dict) -> list[str]:
    """What keeps a pod spec from the `restricted` Pod Security Standard (plus our resource rule)."""
    problems = []
    pod_sc = spec.get("securityContext") or {}
    if (pod_sc.get("seccompProfile") or {}).get("type") not in ("RuntimeDefault", "Localhost"):
        problems.append(f"{name}: pod seccompProfile")
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key):
            problems.append(f"{name}: {key}")
    for c in spec.get("containers", []) + spec.get("initContainers", []):
        sc = c.get("securityContext") or {}
        if sc.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}/{c['name']}: allowPrivilegeEscalation")
        if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
            problems.append(f"{name}/{c['name']}: runAsNonRoot")
        if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
            problems.append(f"{name}/{c['name']}: capabilities drop ALL")
        if set((sc.get("capabilities") or {}).get("add") or []) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name}/{c['name']}: capabilities add")
        if sc.get("privileged"):
            problems.append(f"{name}/{c['name']}: privileged")
        res = c.get("resources") or {}
        if not (res.get("requests") and res.get("limits")):
            problems.append(f"{name}/{c['name']}: resources")
    problems += [f"{name}: hostPath volume {v['name']}" for v in spec.get("volumes", []) if "hostPath" in v]
    return problems


def probe_paths(container: dict) -> set[str]:
    return {container[p]["httpGet"]["path"] for p in ("readinessProbe", "livenessProbe", "startupProbe") if p in container}


def default_deny_namespaces(objs: Iterable[dict]) -> set[str]:
    """Namespaces with a NetworkPolicy that selects every pod and denies ingress and egress."""
    return {
        o["metadata"].get("namespace", "")
        for o in kinds(objs, "NetworkPolicy")
        if o["spec"].get("podSelector") == {}
        and set(o["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
        and not o["spec"].get("ingress") and not o["spec"].get("egress")
    }


def all_secret_values(objs: Iterable[dict]) -> list[str]:
    """Kinds that would carry secret material in Git."""
    return [f"{o['kind']}/{o['metadata']['name']}" for o in objs if o.get("kind") == "Secret"]
