"""oke-argocd-quarry (tests/fixtures/reviewed/): OKE on Oracle Cloud with Argo CD, written by a sixth reviewer who did
not read the source: a node pools table and a data table with a row per environment, a networking table whose subnet
rows continue an environment's row under an empty first cell, an applications table with Probes and Namespace
columns, a hosts table of one row per environment and host, and an existing state bucket.
Before: the plan was refused whole (`No NAT gateway in dev` read as no NAT gateway anywhere, in AWS words); the
database rows' `1 node` / `2 nodes` sized the clusters (dev 1 node, prod 2, against the 2 and 3 of the node pools
table) and their shapes were not read; the VCNs took 10.0.0.0/16 over the table's 10.20.0.0/16 and 10.30.0.0/16; the
state bucket `created by hand ... NOT managed by this repo` was created again; `liveness + readiness /healthz` probed
dispatch-api on /health; the Namespace column was dropped; the hosts table built no Ingress; `No VCN peering` was
read as `No VCN` and the sync waves' `0 applications` as a count; `OCI Vault` was HashiCorp Vault at a placeholder
address."""
from __future__ import annotations

import pytest
from testlib import FIXTURES, line_of

from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_plan, parse_text

QUARRY = FIXTURES / "reviewed" / "oke-argocd-quarry.plan.md"


def test_no_nat_gateway_in_one_environment_is_reported_not_refused() -> None:
    d = decide(parse_plan(QUARRY))  # refused before
    line = line_of(QUARRY.read_text(), "No NAT gateway in dev")
    said = [n.why for n in d.not_applied if n.line == line]
    assert said and "dev keeps its NAT gateway" in said[0] and "VPC puts" not in said[0]


def test_the_node_pools_table_sizes_the_clusters_and_the_data_table_the_databases() -> None:
    d = decide(parse_plan(QUARRY))
    sizing = {s.name: (s.min_size, s.max_size, s.instance_type, s.db_instance_class) for s in d.answers.environment_sizing}
    assert sizing == {"dev": (2, 2, "VM.Standard.E4.Flex", "PostgreSQL.VM.Standard.E4.Flex.2.32GB"),
                      "prod": (3, 3, "VM.Standard.E4.Flex", "PostgreSQL.VM.Standard.E4.Flex.4.64GB")}
    database_row = line_of(QUARRY.read_text(), "`quarry-prod-pg`")
    assert [n for n in d.not_applied if n.line == database_row and n.text == "2 nodes" and "database's node count" in n.why]


def test_each_environments_network_comes_from_its_row_of_the_networking_table() -> None:
    a = decide(parse_plan(QUARRY)).answers
    assert {s.name: s.network_cidr for s in a.environment_sizing} == {"dev": "10.20.0.0/16", "prod": "10.30.0.0/16"}


def test_a_state_bucket_not_managed_by_the_repository_is_not_created() -> None:
    d = decide(parse_plan(QUARRY))
    assert (d.answers.state_bootstrap, d.answers.state_bucket_name) == (False, "quarry-tfstate")


def test_the_applications_table_gives_probe_paths_and_namespaces() -> None:
    a = decide(parse_plan(QUARRY)).answers
    assert {app.name: (app.health_path, app.namespace) for app in a.apps} == {"dispatch-api": ("/healthz", "dispatch"),
                                                                              "tracker-web": ("/", "tracker")}


def test_a_hosts_table_row_per_environment_and_host_routes_the_applications_with_tls() -> None:
    d = decide(parse_plan(QUARRY))
    routed = {app.name: (app.ingress_path, app.ingress_tls, app.environment_hosts) for app in d.answers.apps}
    assert routed == {
        "dispatch-api": ("/", True, {"dev": "dispatch.dev.quarrylogistics.eu", "prod": "dispatch.quarrylogistics.eu"}),
        "tracker-web": ("/", True, {"dev": "track.dev.quarrylogistics.eu", "prod": "track.quarrylogistics.eu"})}
    grafana = line_of(QUARRY.read_text(), "`grafana.quarrylogistics.eu`")
    assert [n for n in d.not_applied if n.line == grafana and "grafana is none of them" in n.why]


def test_no_peering_is_no_network_statement_and_a_wave_label_no_count() -> None:
    d = decide(parse_plan(QUARRY))
    text = QUARRY.read_text()
    assert not [n for n in d.not_applied if n.line in (line_of(text, "No VCN peering"), line_of(text, "applications."))]
    issuer = line_of(text, "ClusterIssuer `letsencrypt-prod`")
    assert [n.text for n in d.not_applied if n.line == issuer] == ["Sync wave -2"]  # ACME HTTP-01 via nginx is built


def test_oci_vault_is_oracle_clouds_store_never_hashicorp_vault() -> None:
    d = decide(parse_plan(QUARRY))  # read as HashiCorp Vault at a placeholder address before
    assert d.answers.secrets_manager == "oci-vault" and not d.warnings


def test_oci_vault_on_another_cloud_is_refused_at_its_field() -> None:
    text = (FIXTURES / "plans" / "aws-eks-argocd.plan.md").read_text()
    [line] = [x for x in text.splitlines() if x.startswith("**Secrets Management**")]
    text = text.replace(line, "**Secrets Management**: OCI Vault via External Secrets Operator")
    with pytest.raises(RefusedError) as info:
        decide(parse_text(text))
    [p] = [p for p in info.value.problems if "OCI Vault" in p.message]
    assert "Oracle Cloud's secrets manager" in p.message and p.line == line_of(text, "OCI Vault via")


def test_the_wave_numbers_the_plan_gives_are_reported_with_the_order_kept() -> None:
    d = decide(parse_plan(QUARRY))  # dropped without a word before
    text = QUARRY.read_text()
    waves = {n.line: n.why for n in d.not_applied if "wave numbers the plan gives" in n.why}
    assert line_of(text, "Sync waves: `-3`") in waves and line_of(text, "| ingress-nginx | Yes | Sync wave -2") in waves
    assert "wave 0" in waves[line_of(text, "Sync waves: `-3`")]


def test_an_autoscaling_sentence_wrapped_over_two_lines_gives_the_range_and_target() -> None:
    a = decide(parse_plan(QUARRY)).answers  # `dispatch-api gets an HPA in prod` over `(min 2, max 6, 70% CPU).`
    dispatch = next(app for app in a.apps if app.name == "dispatch-api")
    assert (dispatch.environment_replicas["prod"], dispatch.environment_replicas["dev"], dispatch.cpu_target) == \
        ((2, 6), (1, 1), 70)
