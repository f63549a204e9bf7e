"""renovate.json in generated repositories: valid JSON, the built-in managers for actions, pre-commit, Terraform,
Chart.yaml and Kustomize on, and every pinned chart version of the repository matched by one of its managers: the
Argo CD, Flux and install.sh pins by a regex manager's patterns and expressions (applied here as Renovate applies them), the
Chart.yaml dependencies and Kustomize helmCharts by the file patterns of their built-in manager."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from render_helpers import sample_answers
from testlib import PLANS

from planforge.decide import decide
from planforge.decide.answers import Component
from planforge.plan import parse_plan
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

PLAN_NAMES = ("aws-eks-argocd", "aws-eks-flux", "multi-tenant-saas", "multi-tenant-flux", "aws-eks-multiregion",
              "event-driven-dapr-flux", "aws-eks-multiregion-flux", "event-driven-dapr")
OCI = Component(name="podinfo", chart_repo="oci://ghcr.io/stefanprodan/charts", chart="podinfo", version="6.7.1",
                namespace="podinfo")
INGRESS = Component(name="ingress-nginx", chart_repo="https://kubernetes.github.io/ingress-nginx", chart="ingress-nginx",
                    version="4.11.3", namespace="ingress-nginx")
ANSWERS = {"oci-argocd": dict(structure="multi-tool", blueprints=["terraform", "kubernetes", "argocd"], tenants=[],
                              components=[OCI]),
           "oci-flux": dict(structure="multi-tool", blueprints=["terraform", "kubernetes", "flux"], tenants=[],
                            gitops="flux", components=[OCI]),
           # no GitOps tool: kubernetes/components/install.sh installs the pinned charts
           "oci-no-gitops": dict(structure="multi-tool", blueprints=["terraform", "kubernetes"], tenants=[],
                                 gitops="none", components=[OCI, INGRESS])}
SKIP_DIRS = {".git", ".terraform"}


def _pattern(renovate: str) -> re.Pattern[str]:
    """A Renovate `/regex/` pattern or expression (RE2 named groups `(?<name>`) as a Python expression."""
    body = renovate[1:-1] if renovate.startswith("/") and renovate.endswith("/") else renovate
    return re.compile(re.sub(r"\(\?<(?=\w+>)", "(?P<", body))


def _pins(root: Path) -> list[tuple[str, str, str]]:
    """(file, chart, version) of every pinned upstream chart, read from the objects themselves."""
    pins: list[tuple[str, str, str]] = []
    for path in sorted(root.rglob("*.y*ml")):
        rel = path.relative_to(root).as_posix()
        if SKIP_DIRS & set(path.relative_to(root).parts) or rel.startswith(".github/") or "/templates/" in rel:
            continue  # not Kubernetes objects: workflows, Helm templates
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            pins += [(rel, chart, version) for chart, version in _doc_pins(path.name, doc)]
    for path in sorted(root.rglob("install.sh")):  # no GitOps tool: `helm upgrade --install NAME CHART ... --version V`
        pins += [(path.relative_to(root).as_posix(), chart.rsplit("/", 1)[-1], version) for chart, version in
                 re.findall(r"helm upgrade --install \S+ (\S+)(?: --repo \S+)? --version (\S+)", path.read_text())]
    return pins


def _doc_pins(name: str, doc: Any) -> list[tuple[str, str]]:
    if not isinstance(doc, dict):
        return []
    kind, spec = doc.get("kind"), doc.get("spec") or {}
    if kind in ("Application", "ApplicationSet"):
        spec = spec.get("template", {}).get("spec", spec) if kind == "ApplicationSet" else spec
        sources = [spec["source"]] if "source" in spec else spec.get("sources", [])
        return [(s["chart"], str(s["targetRevision"])) for s in sources if "chart" in s]
    if kind == "HelmRelease" and spec.get("chart", {}).get("spec", {}).get("sourceRef", {}).get("kind") \
            == "HelmRepository":
        return [(spec["chart"]["spec"]["chart"], str(spec["chart"]["spec"]["version"]))]
    if kind == "OCIRepository":
        return [(spec["url"].removeprefix("oci://"), str(spec["ref"]["tag"]))]
    if name in ("kustomization.yaml", "kustomization.yml"):
        return [(c["name"], str(c["version"])) for c in doc.get("helmCharts", [])]
    if name == "Chart.yaml":
        return [(d["name"], str(d["version"])) for d in doc.get("dependencies", [])
                if not str(d.get("repository", "")).startswith("file://")]
    return []


def _regex_matches(config: dict, rel: str, text: str) -> set[tuple[str, str]]:
    """(dependency, version) the regex managers extract from one file, as Renovate's templates name them."""
    found: set[tuple[str, str]] = set()
    for manager in config.get("customManagers", []):
        if not any(_pattern(p).search(rel) for p in manager["managerFilePatterns"]):
            continue
        for expression in manager["matchStrings"]:
            for m in _pattern(expression).finditer(text):
                groups = m.groupdict()
                dep = groups.get("depName") or groups["packageName"]
                found.add((dep, groups["currentValue"]))
    return found


def _covered_by_builtin(config: dict, manager: str, rel: str) -> bool:
    return any(_pattern(p).search(rel) for p in config.get(manager, {}).get("managerFilePatterns", []))


def _render_plan(name: str, dest: Path) -> Path:
    render_new(decide(parse_plan(PLANS / f"{name}.plan.md")).answers, dest, resolve_template(None, None),
               init_git=False)
    return dest


@pytest.fixture(scope="module", params=[*PLAN_NAMES, *ANSWERS])
def repo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("renovate") / "repo"
    if request.param in ANSWERS:
        render_new(sample_answers(**ANSWERS[request.param]), dest, resolve_template(None, None), init_git=False)
        return dest
    return _render_plan(request.param, dest)


def test_renovate_json_is_valid_and_turns_the_builtin_managers_on(repo: Path) -> None:
    config = json.loads((repo / "renovate.json").read_text(encoding="utf-8"))
    assert config["$schema"] == "https://docs.renovatebot.com/renovate-schema.json"
    assert "config:recommended" in config["extends"] and config["pre-commit"]["enabled"] is True
    # the minimum Renovate it needs is stated, and nothing in it is the name older releases used
    assert config["description"][0].startswith("Needs Renovate 41 or newer") and "fileMatch" not in json.dumps(
        {k: v for k, v in config.items() if k != "description"})
    for manager in config.get("customManagers", []):
        assert manager["customType"] == "regex" and manager["datasourceTemplate"] in ("helm", "docker")
        assert all(p.startswith("/^") and p.endswith("/") for p in manager["managerFilePatterns"])
        for expression in manager["matchStrings"]:
            assert {"currentValue"} <= set(_pattern(expression).groupindex)


def test_every_pinned_chart_version_is_matched_by_a_manager(repo: Path) -> None:
    config = json.loads((repo / "renovate.json").read_text(encoding="utf-8"))
    pins = _pins(repo)
    assert pins, "a repository of these plans pins at least one chart"
    missing = []
    for rel, chart, version in pins:
        name = rel.rsplit("/", 1)[-1]
        if name == "Chart.yaml":
            ok = _covered_by_builtin(config, "helmv3", rel)
        elif name in ("kustomization.yaml", "kustomization.yml"):
            ok = _covered_by_builtin(config, "kustomize", rel)
        else:
            ok = (chart, version) in _regex_matches(config, rel, (repo / rel).read_text(encoding="utf-8"))
        if not ok:
            missing.append(f"{rel}: {chart} {version}")
    assert not missing, "pinned charts no Renovate manager finds:\n" + "\n".join(missing)

