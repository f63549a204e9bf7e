"""eks-flux-kestrel (tests/fixtures/reviewed/): EKS with Flux in the flux2-kustomize-helm-example layout, written by a
seventh reviewer who did not read the source: an environments table with a `Public API endpoint` column, a managed
node groups table (bare `Min | Desired | Max` columns, a second `ws` group in production), replica columns named
`Replicas staging`, a hosts table whose columns are the applications, one HPA sentence giving two environments two
ranges, an existing state bucket and lock table, and `cluster-autoscaler / Karpenter | No`.
Before: a staging sentence made nothing public (Constraints were not read), then production's endpoint too; the
node table's counts were not read and production took the `ws` row's c6i.large; both environments took production's
HPA range; no Ingress was built; the state bucket and table were created again; cluster-autoscaler was installed
against the plan."""
from __future__ import annotations

from testlib import FIXTURES, line_of

from planforge.decide import decide
from planforge.plan import parse_plan

KESTREL = FIXTURES / "reviewed" / "eks-flux-kestrel.plan.md"


def test_each_environment_gets_the_api_endpoint_the_plan_states_for_it() -> None:
    a = decide(parse_plan(KESTREL)).answers
    assert {s.name: s.api_endpoint for s in a.environment_sizing} == {"staging": "public", "production": "private"}
    assert (a.api_endpoint, a.api_authorized_cidrs) == ("private", ["203.0.113.0/24"])


def test_the_node_groups_table_sizes_each_environment_by_its_first_row() -> None:
    d = decide(parse_plan(KESTREL))
    sizing = {s.name: (s.min_size, s.max_size, s.instance_type) for s in d.answers.environment_sizing}
    assert sizing == {"staging": (2, 4, "t3.large"), "production": (3, 9, "m6i.xlarge")}
    text = KESTREL.read_text()
    ws = line_of(text, "| production | ws |")
    assert {n.text for n in d.not_applied if n.line == ws and "node group ws is not generated" in n.why} == \
        {"c6i.large", "2-3 nodes"}
    assert [n for n in d.not_applied if n.text == "m6a.xlarge" and "one instance type" in n.why]


def test_replica_columns_and_an_hpa_sentence_give_each_environment_its_own() -> None:
    a = decide(parse_plan(KESTREL)).answers
    replicas = {app.name: app.environment_replicas for app in a.apps}
    assert replicas["quote-api"] == {"staging": (1, 3), "production": (3, 10)}
    assert replicas["tracking-ws"] == {"staging": (1, 1), "production": (2, 2)}


def test_the_hosts_table_routes_the_applications_and_reports_grafanas() -> None:
    d = decide(parse_plan(KESTREL))
    hosts = {app.name: app.environment_hosts for app in d.answers.apps}
    assert hosts["quote-api"] == {"staging": "quote.staging.kestrelfreight.com", "production": "quote.kestrelfreight.com"}
    assert hosts["billing-worker"] == {}
    grafana = line_of(KESTREL.read_text(), "grafana.kestrelfreight.com")
    assert [n for n in d.not_applied if n.line == grafana and "Grafana is none of them" in n.why]


def test_an_existing_state_bucket_is_not_created_and_a_declined_autoscaler_not_installed() -> None:
    a = decide(parse_plan(KESTREL)).answers
    assert (a.state_bootstrap, a.state_bucket_name, a.lock_table_name) == (False, "kestrel-tfstate-euc1",
                                                                           "kestrel-tf-locks")
    assert "cluster-autoscaler" not in [c.name for c in a.components]


def test_a_tcp_health_cell_and_an_exec_probe_are_the_applications_probes() -> None:
    apps = {app.name: app for app in decide(parse_plan(KESTREL)).answers.apps}
    assert (apps["tracking-ws"].tcp_probe, apps["tracking-ws"].probe_command) == (True, "")
    assert (apps["billing-worker"].tcp_probe, apps["billing-worker"].probe_command) == (False, "/app/healthcheck")
    assert (apps["quote-api"].tcp_probe, apps["quote-api"].probe_command, apps["quote-api"].health_path) == \
        (False, "", "/healthz")


def test_an_applications_own_cloud_identity_is_reported_not_dropped() -> None:
    d = decide(parse_plan(KESTREL))  # `quote-api reads it ... using IRSA: service account kestrel/quote-api ...`
    line = line_of(KESTREL.read_text(), "(s3:GetObject, s3:ListBucket only) using IRSA")
    assert [n for n in d.not_applied if n.line == line and n.text == "IRSA" and "quote-api runs without" in n.why]
