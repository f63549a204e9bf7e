"""`planforge plan init`: a plan to start from, each template passing `plan check` once filled in."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from planforge.decide.data import accepted_values, keywords
from planforge.plan.templates import FLAVOUR_DEFAULTS, template_names

# Example values a platform engineer would write in each field of the templates.
EXAMPLE_VALUES = {
    "Cloud Provider": "AWS", "IaC Tools": "Terraform 1.9", "Kubernetes": "EKS 1.31", "GitOps": "ArgoCD",
    "Deployment Strategy": "Helm-first with Kustomize fallback", "State Backend": "S3+DynamoDB",
    "Secrets Management": "AWS Secrets Manager", "Validation": "terraform validate, helm lint",
    "Target Environment": "dev, staging, prod", "Deployment Type": "single-region (eu-west-1)",
    "Performance Goals": "99.9% uptime", "Constraints": "EU data residency", "Scale/Scope": "3 services",
    "Custom Applications": "api, web", "Language/Version": "Python 3.12", "Primary Dependencies": "FastAPI",
    "Storage": "PostgreSQL", "Testing": "pytest", "Target Platform": "EKS 1.31", "Project Type": "web service",
    "Structure Decision": "multi-tool: Terraform under terraform/, Kubernetes manifests under kubernetes/, "
                          "Argo CD Applications under argocd/",
}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planforge", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def fill(text: str) -> str:
    """Replace the title, branch, date and every field placeholder with an example value."""
    text = text.replace("[FEATURE]", "Storefront").replace("[###-feature-name]", "001-storefront")
    text = text.replace("[DATE]", "2026-11-23")
    for label, value in EXAMPLE_VALUES.items():
        text = re.sub(rf"^\*\*{re.escape(label)}\*\*:[ \t]*\[[^\]]*\][^\n]*", f"**{label}**: {value}", text,
                      flags=re.M)
    return text


@pytest.mark.parametrize("name", template_names())
def test_each_template_once_filled_in_passes_plan_check(tmp_path, name):
    r = run("plan", "init", "--template", name, "plan.md", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "planforge plan check plan.md" in r.stderr
    plan = tmp_path / "plan.md"
    skeleton = plan.read_text(encoding="utf-8")
    unfilled = run("plan", "check", "plan.md", cwd=tmp_path)
    assert unfilled.returncode == 1 and "Traceback" not in unfilled.stderr
    plan.write_text(fill(skeleton), encoding="utf-8")
    filled = run("plan", "check", "plan.md", cwd=tmp_path)
    assert filled.returncode == 0, filled.stdout + filled.stderr
    assert "plan.md: ready:" in filled.stdout


@pytest.mark.parametrize("flavour", sorted(FLAVOUR_DEFAULTS))
def test_a_flavour_writes_its_template(tmp_path, flavour):
    by_flavour = run("plan", "init", "--flavour", flavour, "-", cwd=tmp_path)
    by_name = run("plan", "init", "--template", FLAVOUR_DEFAULTS[flavour], "-", cwd=tmp_path)
    assert by_flavour.returncode == 0 and by_flavour.stdout == by_name.stdout
    assert not list(tmp_path.iterdir())  # `-` writes to standard output only


def test_placeholders_list_the_values_planforge_reads(tmp_path):
    text = run("plan", "init", "-", cwd=tmp_path).stdout
    assert f"**GitOps**: [one of: {accepted_values('gitops')}]" in text
    assert "[e.g., Terraform 1.6, Pulumi" not in text  # the specops template's example is replaced by what planforge reads
    (tmp_path / "plan.md").write_text(text, encoding="utf-8")
    check = run("plan", "check", "plan.md", cwd=tmp_path)
    line = next(ln for ln in check.stdout.splitlines() if ": Cloud Provider: unresolved" in ln)
    assert line.endswith(f"(fix: replace it with one of: {accepted_values('cloud_provider')})")


def test_init_never_overwrites_unless_forced(tmp_path):
    (tmp_path / "plan.md").write_text("my plan\n", encoding="utf-8")
    r = run("plan", "init", cwd=tmp_path)
    assert r.returncode == 2 and "plan.md exists" in r.stderr and "--force" in r.stderr
    assert (tmp_path / "plan.md").read_text(encoding="utf-8") == "my plan\n"
    assert run("plan", "init", "--force", cwd=tmp_path).returncode == 0
    assert (tmp_path / "plan.md").read_text(encoding="utf-8").startswith("# Implementation Plan")


@pytest.mark.parametrize("args, message", [
    (["--template", "nope"], "no plan template 'nope' (fix: use one of: "),
    (["--flavour", "sp", "--template", "specops-infra"], "is not of flavour 'sp' (fix: use one of: sp-"),
])
def test_unknown_or_mismatched_templates_are_usage_errors(tmp_path, args, message):
    r = run("plan", "init", *args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "plan.md").exists()


def test_the_kubernetes_values_listed_are_the_distributions_read():
    listed = accepted_values("kubernetes").lower()
    assert all(re.search(rf"\b{d}\b", listed) for d in keywords().kubernetes_distributions)
