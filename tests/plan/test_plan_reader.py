"""The plan reader: fields with line numbers for every seed template, and the robustness cases."""
from __future__ import annotations

import pytest

from testlib import PLANS, REAL_PLANS, SEEDS
from planforge.plan import is_unresolved, parse_plan, parse_text

SEED_FILES = sorted(SEEDS.glob("*.md"))
ALL_PLANS = sorted(PLANS.glob("*.plan.md")) + sorted(REAL_PLANS.glob("*.plan.md"))

SPECOPS_FIELDS = [
    "cloud_provider", "iac_tools", "kubernetes", "gitops", "deployment_strategy", "state_backend",
    "secrets_management", "validation", "target_environment", "deployment_type", "performance_goals",
    "constraints", "scale_scope",
]
APP_FIELDS = [
    "language_version", "primary_dependencies", "storage", "testing", "target_platform", "project_type",
    "performance_goals", "constraints", "scale_scope",
]


def _line_of(path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")


@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.stem)
def test_every_seed_field_is_read_with_its_line(seed):
    plan = parse_plan(seed)
    expected = SPECOPS_FIELDS if "specops" in seed.name else APP_FIELDS
    keys = [f.key for f in plan.fields]
    assert keys == expected
    for f in plan.fields:
        assert plan.lines[f.line - 1].lstrip().startswith(f"**{f.label}**"), (f.label, f.line)
    assert plan.header.title == "[FEATURE]"
    assert plan.header.family == {"specops": "specops", "speckit": "speckit"}.get(seed.name.split("-")[0], "sp")
    assert plan.structure_decision is not None and plan.structure_decision.unresolved or "minikube" in seed.name


def test_seed_placeholders_are_unresolved_and_filled_values_are_not():
    plan = parse_plan(SEEDS / "specops-infra-plan-template.md")
    assert all(f.unresolved for f in plan.fields)
    doks = parse_plan(SEEDS / "sp-phase5-doks-plan-template.md")
    resolved = {f.key for f in doks.fields if not f.unresolved}
    assert resolved == {"language_version", "primary_dependencies", "storage", "testing", "target_platform", "project_type"}


@pytest.mark.parametrize("value,expected", [
    ("", True), ("   ", True), ("[e.g., AWS, Azure]", True), ("NEEDS CLARIFICATION", True),
    ("Terraform or needs clarification", True), ("<!-- todo -->", True), ("[link](./x.md)", False),
    ("AWS", False), ("N/A", False), ("[single/web/mobile - determines source structure]", True),
])
def test_unresolved(value, expected):
    assert is_unresolved(value) is expected


def test_header_fields_and_family():
    plan = parse_plan(PLANS / "aws-eks-argocd.plan.md")
    h = plan.header
    assert (h.title, h.title_line) == ("Storefront Platform on EKS", 1)
    assert h.branch.plain == "031-storefront-eks" and h.branch.line == 3
    assert h.date.plain == "2026-10-20"
    assert h.spec.value == "[spec.md](./spec.md)"
    assert (h.family, h.family_line) == ("specops", 6)
    assert parse_plan(PLANS / "helm-chart-payments.plan.md").header.family == "speckit"
    assert parse_plan(PLANS / "todo-minikube.plan.md").header.family == "sp"
    assert parse_plan(REAL_PLANS / "traffic-tacos--deployment-repo--001-argocd-deployment.plan.md").header.family == "plan"
    assert parse_plan(PLANS / "needs-clarification.plan.md").header.family == "unknown"


def test_components_table_custom_apps_constitution_trees_complexity():
    path = PLANS / "aws-eks-argocd.plan.md"
    plan = parse_plan(path)
    rows = [(r.name, r.required, r.line) for r in plan.components]
    assert rows[0] == ("ingress-nginx", True, _line_of(path, "| ingress-nginx |"))
    assert rows[-1] == ("external-dns", False, _line_of(path, "| external-dns |"))
    assert plan.custom_applications.value == "orders-api, web-frontend"
    assert plan.custom_applications.line == _line_of(path, "**Custom Applications**")
    assert [i.checked for i in plan.constitution] == [True] * 4
    assert plan.constitution[0].principle == "Helm-first"
    paths = [p.path for p in plan.source_paths]
    assert "terraform/modules/eks/" in paths and "kubernetes/overlays/prod/" in paths and "argocd/projects/" in paths
    assert plan.structure_decision.line == 94
    assert plan.complexity[0].violation.startswith("3 tools") and plan.complexity[0].line == 100


def test_constitution_styles_and_checked_state():
    dapr = parse_plan(PLANS / "event-driven-dapr.plan.md")
    unchecked = [i for i in dapr.constitution if i.checked is False]
    assert [i.principle for i in unchecked] == ["AI-Assisted Ops"] and unchecked[0].line == 35
    todo = parse_plan(PLANS / "todo-minikube.plan.md")
    assert [i.principle for i in todo.constitution] == ["Principle I", "Principle II", "Principle III", "Principle IV"]
    assert all(i.checked is None for i in todo.constitution)
    doks = parse_plan(PLANS / "phase5-doks.plan.md")
    assert [i.principle for i in doks.constitution if not i.checked] == ["Quality & Verification"]


def test_tenant_tree_paths():
    plan = parse_plan(PLANS / "multi-tenant-saas.plan.md")
    paths = {p.path: p.line for p in plan.source_paths}
    assert paths["terraform/tenants/acme/"] == 63
    assert paths["kubernetes/tenants/initech/"] == 72


BASE = """# Implementation Plan: Edge Cases

**Branch**: `077-edge` | **Date**: 2026-01-01 | **Spec**: [spec.md](./spec.md)

## Technical Context

**Cloud Provider**: AWS
**IaC Tools**: Terraform 1.6
**State Backend**: S3+DynamoDB

## Summary

Some text.
"""


def test_crlf_gives_identical_fields_and_lines():
    lf = parse_text(BASE)
    crlf = parse_text(BASE.replace("\n", "\r\n"))
    assert [(f.key, f.value, f.line) for f in lf.fields] == [(f.key, f.value, f.line) for f in crlf.fields]


def test_hard_breaks_no_trailing_newline_and_lowercase_labels():
    text = BASE.replace("**Cloud Provider**: AWS", "**cloud  provider** :  AWS  ").replace(
        "**IaC Tools**: Terraform 1.6", "**IaC Tools:** Terraform 1.6\\").rstrip("\n")
    plan = parse_text(text)
    got = {f.key: (f.value, f.line) for f in plan.fields}
    assert got["cloud_provider"] == ("AWS", 7)
    assert got["iac_tools"] == ("Terraform 1.6", 8)


def test_html_comments_and_empty_tables_and_missing_sections():
    text = """# Implementation Plan: X

## Technical Context

<!-- a comment
spanning lines -->

**Cloud Provider**: AWS <!-- inline -->

## Deployment Components

| Component | Required | Notes |
|-----------|----------|-------|

## Complexity Tracking

| Violation | Why Needed | Simpler Alternative Rejected Because |
|-----------|------------|-------------------------------------|
"""
    plan = parse_text(text)
    assert [(f.key, f.value, f.line) for f in plan.fields] == [("cloud_provider", "AWS", 8)]
    assert plan.components == [] and plan.complexity == [] and plan.components_line == 10
    assert plan.structure_decision is None and plan.trees == [] and plan.summary == ""


def test_reordered_sections_keep_lines():
    text = """# Implementation Plan: Y

## Project Structure

```text
terraform/
└── modules/
```

**Structure Decision**: Option 1

## Technical Context

**Cloud Provider**: Azure
"""
    plan = parse_text(text)
    assert plan.field("cloud_provider").line == 14
    assert [p.path for p in plan.source_paths] == ["terraform/", "terraform/modules/"]
    assert plan.structure_decision.line == 10



@pytest.mark.parametrize("root", ["D:\\web-todo/", "/home/dev/web-todo/", "~/src/web-todo/"])
def test_a_tree_drawn_from_the_authors_disk_starts_at_the_repository(root):
    """The root of a tree copied from the author's machine is where the repository sits there: its entries are the
    repository's top level."""
    text = f"""# Implementation Plan: Z

## Project Structure

```text
{root}
├── k8s/
│   └── helm-charts/
└── .gitignore
```
"""
    plan = parse_text(text)
    assert [(p.path, p.line) for p in plan.source_paths] == [("k8s/", 7), ("k8s/helm-charts/", 8), (".gitignore", 9)]

def test_multiline_values_and_nested_bullets():
    text = """# Implementation Plan: Z

## Technical Context

**Language/Version**:
- **Backend**: Python 3.11
- **Frontend**: Node 18
  - nested detail

**Storage**: PostgreSQL 18 in-cluster, with a
volume claim per environment.
**Testing**: pytest
"""
    plan = parse_text(text)
    lv = plan.field("language_version")
    assert lv.line == 5 and "Python 3.11" in lv.value and "Node 18" in lv.value and "nested detail" in lv.value
    assert [s.line for s in lv.extra_lines][:2] == [6, 7]
    st = plan.field("storage")
    assert st.value == "PostgreSQL 18 in-cluster, with a volume claim per environment." and st.lines == [10, 11]
    assert plan.field("testing").line == 12


def test_context_tables_and_technical_stack_sections():
    rv = parse_plan(REAL_PLANS / "rvwaqas--hackathon-02-qtr04--006-phase5-partb-local-deployment.plan.md")
    dapr = next(f for f in rv.fields if f.key == "dapr")
    assert dapr.line == 37 and dapr.value.startswith("1.12+")
    st = parse_plan(REAL_PLANS / "sitarasheikh--todo-app--011-cloud-native-deployment.plan.md")
    assert [f.key for f in st.fields] == ["backend", "frontend", "orchestration", "database"]
    assert st.fields[2].line == 13


def test_unknown_extra_fields_are_kept():
    sh = parse_plan(REAL_PLANS / "shazilk-dev--hackathon-ii-todo--004-cloud-deployment.plan.md")
    keys = [f.key for f in sh.fields]
    assert "orchestration" in keys and "event_streaming" in keys and "cloud_provider" in keys


@pytest.mark.parametrize("path", ALL_PLANS, ids=lambda p: p.stem[:40])
def test_every_shared_plan_parses_and_lines_hold_labels(path):
    plan = parse_plan(path)
    assert plan.header.title
    for f in plan.fields:
        assert f.label.split()[0].lower() in plan.lines[f.line - 1].lower()


def test_unreadable_plan_is_a_usage_error(tmp_path):
    from planforge.errors import UsageError

    with pytest.raises(UsageError):
        parse_plan(tmp_path / "missing.md")
    binary = tmp_path / "bin.md"
    binary.write_bytes(b"\xff\xfe\x00junk")
    assert parse_plan(binary).fields == []


def test_h3_context_with_a_field_value_table():
    text = """# Implementation Plan: Nested

## Design

### Technical Context

| Field | Value |
|---|---|
| Cloud Provider | Azure |
| IaC Tools | Terraform 1.9 |
"""
    plan = parse_text(text)
    assert [(f.key, f.value, f.line) for f in plan.fields] == [
        ("cloud_provider", "Azure", 9), ("iac_tools", "Terraform 1.9", 10)]


def test_template_fields_are_found_without_a_context_section():
    text = "# Implementation Plan: Loose\n\n**Branch**: `1-loose`\n\n**Cloud Provider**: GCP\n**Scale/Scope**: small\n"
    plan = parse_text(text)
    assert [(f.key, f.line) for f in plan.fields] == [("cloud_provider", 5), ("scale_scope", 6)]
    assert plan.header.branch.plain == "1-loose"


def test_label_styles():
    text = "# T\n\n## technical context\n\n__Cloud Provider__: AWS\n** IaC Tools **: Terraform 1.6\n**GitOps:** ArgoCD\n" \
           "State Backend: S3\n"
    plan = parse_text(text)
    assert [(f.key, f.value, f.line) for f in plan.fields] == [
        ("cloud_provider", "AWS", 5), ("iac_tools", "Terraform 1.6", 6), ("gitops", "ArgoCD", 7),
        ("state_backend", "S3", 8)]


def test_html_line_breaks_are_hard_breaks_not_value_text():
    """`<br>` ends a line like two trailing spaces; inside a value or cell it separates items."""
    text = ("# Implementation Plan: X\n\n## Technical Context\n\n**Cloud Provider**: AWS<br>\n"
            "**Target Environment**: dev, staging<br/>\n**Custom Applications**: orders-api<BR>web-frontend\n\n"
            "## Deployment Components\n\n| Component | Required | Notes |\n|---|---|---|\n"
            "| cert-manager <br /> | Yes | Let's Encrypt<br>ClusterIssuer |\n")
    plan = parse_text(text)
    assert [(f.key, f.value, f.line) for f in plan.fields] == [
        ("cloud_provider", "AWS", 5), ("target_environment", "dev, staging", 6)]
    assert (plan.custom_applications.value, plan.custom_applications.line) == ("orders-api, web-frontend", 7)
    [row] = plan.components
    assert (row.name, row.required, row.notes, row.line) == ("cert-manager", True, "Let's Encrypt, ClusterIssuer", 13)


def test_context_table_whose_header_row_is_a_field():
    """`| **Cloud Provider** | AWS |` as the first row of a table is a field, not a column header."""
    text = ("# Implementation Plan: X\n\n## Technical Context\n\n| **Cloud Provider** | AWS |\n|---|---|\n"
            "| **IaC Tools** | Terraform 1.6 |\n\n| Field | Value |\n|---|---|\n| GitOps | ArgoCD |\n\n"
            "| Storage |\n|---|\n")
    assert [(f.key, f.value, f.line) for f in parse_text(text).fields] == [
        ("cloud_provider", "AWS", 5), ("iac_tools", "Terraform 1.6", 7), ("gitops", "ArgoCD", 11)]


@pytest.mark.parametrize("cell,required", [
    ("Yes", True), ("**yes**", True), ("✅", True), ("Yes (prod only)", True), ("Yes, in prod", True),
    ("No", False), ("Optional", False), ("No - managed elsewhere", False), ("No: later", False),
    ("Yes/No", None), ("[Yes/No]", None), ("", None), ("Yesterday", None),
])
def test_component_required_cell(cell, required):
    """A Required cell that starts with Yes/No and then qualifies it still says Yes/No; the placeholder does not."""
    text = ("# Implementation Plan: X\n\n## Deployment Components\n\n| Component | Required | Notes |\n"
            f"|---|---|---|\n| cert-manager | {cell} | n |\n")
    [row] = parse_text(text).components
    assert (row.name, row.required, row.line) == ("cert-manager", required, 7)


def test_a_custom_applications_heading_over_the_field_and_its_table_keeps_them():
    """`## Custom Applications` with the `**Custom Applications**` field and its table under it: the heading was read
    as an empty field and the real one (and every row) dropped, so the repository had no applications at all."""
    text = ("# Implementation Plan: X\n\n## Technical Context\n\n**Cloud Provider**: GCP\n\n"
            "## Custom Applications\n\n**Custom Applications**: ledger-api, ledger-web\n\n"
            "| Name | Port | Replicas |\n|---|---|---|\n| ledger-api | 8080 | 3 |\n| ledger-web | 3000 | 2 |\n")
    plan = parse_text(text)
    f = plan.custom_applications
    assert f.line == 9 and [line.line for line in f.extra_lines] == [13, 14]
    assert f.value == "ledger-api: Port 8080, Replicas 3; ledger-web: Port 3000, Replicas 2"


def test_custom_applications_listed_then_described_by_bullets_are_the_bullets():
    """`**Custom Applications**: web, api` over a bullet describing each: the bullets were read as more application
    names after the list (split at commas and at `https:`), and the plan was refused with four names that are not
    DNS labels. The bullets are the applications; a listed name no bullet describes stays one."""
    text = ("# Implementation Plan: X\n\n## Technical Context\n\n**Cloud Provider**: GCP\n\n"
            "**Custom Applications**: shipping-web, shipping-api and worker\n\n"
            "- shipping-web (image `acme/web`, port 8080) is public at https://shipping.example.com\n"
            "- **shipping-api** (port 8080) is internal only: reachable only from shipping-web\n")
    f = parse_text(text).custom_applications
    assert f.value == ("worker; shipping-web (image `acme/web`, port 8080) is public at https://shipping.example.com; "
                       "**shipping-api** (port 8080) is internal only: reachable only from shipping-web")
    assert [line.line for line in f.extra_lines] == [9, 10]


def test_custom_applications_bullets_naming_no_listed_application_extend_the_list():
    text = ("# Implementation Plan: X\n\n## Technical Context\n\n**Custom Applications**: web, api\n\n"
            "- worker\n")
    assert parse_text(text).custom_applications.value == "web, api; worker"


def test_an_add_ons_table_under_another_section_lists_the_components_it_installs():
    """`### Platform add-ons` under `## Infrastructure Design`, with no Required column: its rows were not read, so the
    plan's Sealed Secrets was dropped and its chart versions were replaced without a word."""
    text = ("# Implementation Plan: X\n\n## Infrastructure Design\n\n### Platform add-ons (delivered by Argo CD)\n\n"
            "| Component | Chart / version | Namespace | Notes |\n|---|---|---|---|\n"
            "| ingress-nginx | `ingress-nginx` 4.11.2 | `ingress-nginx` | LoadBalancer |\n"
            "| Sealed Secrets | `sealed-secrets` 2.16.1 | `kube-system` | one key per cluster |\n")
    rows = parse_text(text).components
    assert [(r.name, r.required, r.line) for r in rows] == [("ingress-nginx", True, 9), ("Sealed Secrets", True, 10)]
    assert rows[0].notes == "`ingress-nginx` 4.11.2; `ingress-nginx`; LoadBalancer"
