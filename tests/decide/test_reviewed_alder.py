"""onprem-k3s-alder (tests/fixtures/reviewed/): on-premise K3s with Ansible and Argo CD, air-gapped production, written
by a sixth reviewer who did not read the source (its air-gap sentence names the mirror and registry, which the
reviewer added when planforge asked). Before, the plan was refused whole: its components table's MetalLB, Longhorn and
CloudNativePG rows were unknown components, and a resources table with an `Env` column (`| scan-api | staging | 1 |
100m / 500m | 128Mi / 256Mi |` over the production row) read staging's memory limit against production's request."""
from __future__ import annotations

from testlib import FIXTURES, line_of

from planforge.decide import decide
from planforge.plan import parse_plan

ALDER = FIXTURES / "reviewed" / "onprem-k3s-alder.plan.md"


def test_the_on_premise_components_are_installed() -> None:
    a = decide(parse_plan(ALDER)).answers
    assert {"metallb", "longhorn", "cloudnative-pg"} <= {x.name for x in a.components}


def test_a_rows_environment_column_scopes_every_figure_of_the_row() -> None:
    d = decide(parse_plan(ALDER))
    replicas = {app.name: app.environment_replicas for app in d.answers.apps}
    assert replicas["scan-api"] == {"staging": (1, 1), "production": (3, 3)}
    assert replicas["label-printer-worker"] == {"staging": (1, 1), "production": (2, 2)}
    # one size for every environment: each environment's request and limit is reported, none taken for all
    line = line_of(ALDER.read_text(), "| scan-api | production |")
    reported = {n.text for n in d.not_applied if n.line == line}
    assert {"request 500m", "limit 2", "request 512Mi", "limit 1Gi"} <= reported
    assert {app.name: app.memory_limit for app in d.answers.apps}["scan-api"] == ""


def test_no_terraform_in_the_iac_field_and_the_inventories_spelling_of_production() -> None:
    """`IaC Tools: Ansible 2.16 (ansible-core), no Terraform` chose Terraform (a terraform/ tree was generated), and
    `ansible/inventories/production/` in the plan's tree did not keep production from being renamed prod."""
    d = decide(parse_plan(ALDER))
    assert (d.answers.iac_tool, d.answers.environments) == ("none", ["staging", "production"])
    assert "terraform" not in d.answers.blueprints


def test_the_services_tables_images_ports_and_the_shared_namespace() -> None:
    """`| scan-api | harbor.alder.internal/alder/scan-api:1.8.2 | 8080 | yes |`: a registry host of the team's own was no
    image (every workload got ghcr.io/<project>/<name>:0.1.0, which the air-gapped site cannot pull); `Port: -` gave
    the worker a port, HTTP probes and a Service; `All three are in namespace alder-apps` gave each its own."""
    a = decide(parse_plan(ALDER)).answers
    apps = {app.name: app for app in a.apps}
    assert (apps["scan-api"].image, apps["scan-api"].tag) == ("harbor.alder.internal/alder/scan-api", "1.8.2")
    assert apps["label-printer-worker"].inbound is False
    assert {app.namespace for app in a.apps} == {"alder-apps"}
