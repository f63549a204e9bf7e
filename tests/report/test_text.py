from __future__ import annotations


import pytest
from report_samples import sample_checks

from planforge.report import ReportMeta, render
from planforge.report.text import summary_line
from planforge.validate.base import Check, Status


def test_grouped_by_file_with_location_severity_rule_and_hint(checks):
    out = render("text", checks, ReportMeta(elapsed=1.5))
    lines = out.splitlines()
    # a header per file, findings sorted by line below it
    start = lines.index("k8s/app.yaml")
    assert lines[start + 1] == ("  k8s/app.yaml:12:3: error [policy/run-as-non-root] Deployment web container web may "
                                "run as root (document 1, at spec.template.spec.securityContext.runAsNonRoot)")
    assert lines[start + 2] == "    fix: set runAsNonRoot: true"
    assert lines[start + 3].startswith("  k8s/app.yaml:20: error [policy/image-tag] ")
    assert "  not-here: error [input/missing-path] open not-here: no such file or directory" in lines
    assert "  charts/web/Chart.yaml: warning [helm/lint] icon is recommended" in lines
    # infos and tool details only in verbose mode
    assert "helm/missing-required" not in out and "+a = 1" not in out
    assert "skipped [terraform/validate] envs/azure: provider hashicorp/azurerm not available" in lines
    assert lines[-2] == "tools: helm: helm v4.0.0 (CLI); terraform: terraform 1.11.4"  # which engine ran
    assert lines[-1] == summary_line(checks, 1.5)


def test_verbose_shows_infos_details_and_passed_checks(checks):
    out = render("text", checks, ReportMeta(verbose=True))
    assert "charts/web/templates/deployment.yaml:28:24: info [helm/missing-required]" in out
    assert "    | +a = 1" in out
    assert "passed [schemas/schema] k8s/app.yaml" in out
    assert "passed [helm/render[default]] charts/web (helm v4.0.0 (CLI))" in out


def test_tools_line_keeps_how_a_tool_ran_for_verbose(checks):
    """Terraform's aggregation detail (the roots validated together) stays out of the tools line unless -v."""
    roots = ", ".join(f"tenants/t{i:03d}" for i in range(40))
    checks = [*checks, Check("terraform", "validate", "tenants/t000", Status.PASSED,
                             tool=f"terraform 1.11.4; validated together with the roots of the same providers ({roots})")]
    plain = render("text", checks, ReportMeta()).splitlines()
    assert plain[-2] == "tools: helm: helm v4.0.0 (CLI); terraform: terraform 1.11.4"
    verbose = render("text", checks, ReportMeta(verbose=True))
    assert f"validated together with the roots of the same providers ({roots})" in verbose.splitlines()[-2]


def test_summary_counts_per_validator_and_elapsed(checks):
    assert summary_line(checks, 2.345) == (
        "5 errors, 1 warning, 1 info, 1 skipped in 8 checks (argocd: 1 check, 1 error; helm: 2 checks, 1 warning; "
        "input: 1 check, 1 error; policy: 1 check, 2 errors; schemas: 1 check; terraform: 2 checks, 1 error, 1 skipped)"
        " in 2.35s")


def test_clean_run_prints_only_the_summary():
    assert render("text", [], ReportMeta(elapsed=0.1)) == "0 errors, 0 warnings, 0 infos, 0 skipped in 0 checks in 0.10s\n"


@pytest.fixture
def checks():
    return sample_checks()
