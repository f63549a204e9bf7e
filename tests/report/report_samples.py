"""Sample checks covering every status, severity and optional field, for the report writers."""
from __future__ import annotations

from planforge.validate.base import Check, Finding, Severity, Status


def sample_checks() -> list[Check]:
    return [
        Check("terraform", "fmt", "envs/prod", Status.FAILED, [
            Finding("terraform", "terraform/fmt", Severity.ERROR, "file is not formatted as `terraform fmt` would write it",
                    file="envs/prod/main.tf", line=8, hint="run `terraform fmt envs/prod/main.tf`",
                    detail="--- old\n+++ new\n-a  = 1\n+a = 1"),
        ], duration=0.12, tool="terraform 1.11.4"),
        Check("terraform", "validate", "envs/azure", Status.SKIPPED, reason="provider hashicorp/azurerm not available"),
        Check("policy", "policy", "k8s/app.yaml", Status.FAILED, [
            Finding("policy", "policy/image-tag", Severity.ERROR, "Deployment web container web uses image nginx:latest",
                    file="k8s/app.yaml", line=20, hint="pin the image", doc_index=1,
                    json_path="spec.template.spec.containers[0].image"),
            Finding("policy", "policy/run-as-non-root", Severity.ERROR, "Deployment web container web may run as root",
                    file="k8s/app.yaml", line=12, column=3, hint="set runAsNonRoot: true", doc_index=1,
                    json_path="spec.template.spec.securityContext.runAsNonRoot"),
        ], duration=0.01),
        Check("helm", "render[default]", "charts/web", Status.PASSED, [
            Finding("helm", "helm/missing-required", Severity.INFO, "required value missing (renders with ci/ values)",
                    file="charts/web/templates/deployment.yaml", line=28, column=24),
        ], tool="helm v4.0.0 (CLI)"),
        Check("helm", "lint", "charts/web", Status.PASSED, [
            Finding("helm", "helm/lint", Severity.WARNING, "icon is recommended", file="charts/web/Chart.yaml"),
        ]),
        Check("schemas", "schema", "k8s/app.yaml", Status.PASSED),
        Check("argocd", "application", "apps/web.yaml", Status.FAILED, [
            Finding("argocd", "argocd/internal-error", Severity.ERROR, "internal error: KeyError: 'spec'",
                    file="apps/web.yaml", detail="Traceback ...<&>"),
        ]),
        Check("input", "path", "not-here", Status.FAILED, [
            Finding("input", "input/missing-path", Severity.ERROR, "open not-here: no such file or directory",
                    file="not-here"),
        ]),
    ]
