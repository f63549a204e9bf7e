"""Figures: every accepted spelling of a quantity is read into its kind, range, normalized unit and subject."""
from __future__ import annotations


import pytest

from testlib import PLANS, hang_guard
from planforge.plan import parse_plan, parse_text
from planforge.plan.figures import Source, extract

NAMES = {"ticketing-api", "orders-api"}


def read(text: str) -> list[tuple]:
    return [(f.kind, f.low, f.high, f.unit) for f in extract([Source(7, text)], NAMES)]


@pytest.mark.parametrize("text, expected", [
    ("8-24 nodes", ("nodes", 8, 24, "count")),
    ("8 to 24 nodes", ("nodes", 8, 24, "count")),
    ("between 8 and 24 nodes", ("nodes", 8, 24, "count")),
    ("min 8 / max 24 nodes", ("nodes", 8, 24, "count")),
    ("12 nodes per environment", ("nodes", 12, 12, "count")),
    ("at least 2 replicas", ("replicas", 2, None, "count")),
    ("≥ 2 replicas", ("replicas", 2, None, "count")),
    ("up to 10 nodes", ("nodes", None, 10, "count")),
    ("2-20 replicas", ("replicas", 2, 20, "count")),
    ("2Gi memory", ("memory", 2048, 2048, "Mi")),
    ("2 GiB memory", ("memory", 2048, 2048, "Mi")),
    ("2048Mi", ("memory", 2048, 2048, "Mi")),
    ("512 MB memory", ("memory", 512, 512, "Mi")),
    ("< 512Mi memory per pod", ("memory", None, 512, "Mi")),
    ("500m CPU", ("cpu", 500, 500, "millicores")),
    ("0.5 vCPU", ("cpu", 500, 500, "millicores")),
    ("2 cores", ("cpu", 2000, 2000, "millicores")),
    ("RPO 5 minutes", ("rpo", 5, 5, "minutes")),
    ("RPO < 1h", ("rpo", None, 60, "minutes")),
    ("RTO 1 hour", ("rto", 60, 60, "minutes")),
    ("backups kept 35 days", ("retention", 35, 35, "days")),
    ("7-day backup retention", ("retention", 7, 7, "days")),
    ("99.95% uptime", ("uptime", 99.95, 99.95, "percent")),
    ("300 pods", ("pods", 300, 300, "count")),
    ("6 namespaces", ("namespaces", 6, 6, "count")),
    ("100 GB database storage", ("storage", 100, 100, "GiB")),
    ("nodes: 3-9", ("nodes", 3, 9, "count")),  # the count named before its number, as a label
])
def test_every_spelling_reads_its_quantity(text, expected):
    assert read(text) == [expected]


@pytest.mark.parametrize("text, expected", [
    ("RPO 15 min / RTO 4 h for the database", [("rpo", 15, 15, "minutes"), ("rto", 240, 240, "minutes")]),
    ("RTO 1 hour, RPO 5 minutes", [("rto", 60, 60, "minutes"), ("rpo", 5, 5, "minutes")]),
])
def test_recovery_objectives_in_one_clause_are_each_their_own(text, expected):
    """Both objectives in one clause: each figure is the one whose keyword stands beside it (a plan stating both
    was refused, its RTO read as a second, contradicting RPO)."""
    assert read(text) == expected


@pytest.mark.parametrize("text", [
    "p95 < 250ms", "budget < $12k/month", "Terraform 1.7", "EKS 1.29", "500 req/s", "reduces image <150MB vs >1GB",
    "increase --timeout to 10m", "chart renders in < 1s", "5 target platforms", "us-east-1",
])
def test_numbers_that_are_no_figure_are_not_read(text):
    assert read(text) == []


@pytest.mark.parametrize("text, engine, version", [
    ("PostgreSQL 16", "postgres", "16"), ("Cloud SQL MySQL 8.0", "mysql", "8.0"), ("External PostgreSQL", "postgres", ""),
    ("MariaDB 10.11", "mariadb", "10.11"),
])
def test_database_engine_and_version_from_free_text(text, engine, version):
    [f] = extract([Source(3, text)], set())
    assert (f.kind, f.name, f.version, f.line) == ("database", engine, version, 3)
    assert f.words in text


def test_a_negated_engine_is_not_read():
    assert extract([Source(3, "no MySQL, migrated from MariaDB 10")], set()) == []


@pytest.mark.parametrize("text, subject, scope", [
    ("ticketing-api scales between 3 and 30 replicas", "ticketing-api", "app"),
    ("Dev = 1 node", "dev", "environment"),
    ("3-6 nodes in production", "prod", "environment"),
    ("12 nodes per environment", "cluster", "cluster"),
    ("3 nodes per tenant", "tenant", "tenant"),
    ("2 frontends @ 2 replicas", "frontend", "app"),
    ("2-20 replicas", "", "plan"),
])
def test_the_subject_is_the_app_environment_or_scope_the_clause_names(text, subject, scope):
    [f] = [f for f in extract([Source(1, text)], NAMES) if f.kind != "instance_type"]
    assert (f.subject, f.scope) == (subject, scope)


def test_instance_types_of_every_cloud():
    text = ("8-24 nodes per environment (m6i.xlarge), Standard_D4s_v5, e2-standard-4, db.r6g.large, s-4vcpu-8gb, "
            "db-s-2vcpu-4gb, c-8vcpu-16gb-intel")
    assert [f.name for f in extract([Source(1, text)], set()) if f.kind == "instance_type"] == [
        "m6i.xlarge", "Standard_D4s_v5", "e2-standard-4", "db.r6g.large", "s-4vcpu-8gb", "db-s-2vcpu-4gb",
        "c-8vcpu-16gb-intel"]


@pytest.mark.parametrize("text, expected", [
    ("Managed PostgreSQL 16, 50 GB", [("storage", 50, 50, "GiB")]),  # the storage word of the sentence's first clause
    ("PostgreSQL 16, 4 GB RAM", [("memory", 4096, 4096, "Mi")]),  # a clause's own memory word wins
    ("PostgreSQL 16. 50 GB", []),  # another sentence: no storage word carried
])
def test_a_size_after_a_database_clause_is_its_storage(text, expected):
    assert [r for r in read(text) if r[0] != "database"] == expected


def test_a_table_row_label_names_the_subject():
    [f] = extract([Source(1, "orders-api | 2-10 replicas", label="orders-api")], NAMES)
    assert (f.kind, f.subject, f.low, f.high) == ("replicas", "orders-api", 2, 10)


def test_shared_plans_figures_carry_their_lines():
    plan = parse_plan(PLANS / "aws-eks-argocd.plan.md")
    got = {(f.kind, f.line, f.words) for f in plan.figures}
    assert {("pods", 27, "300 pods"), ("nodes", 29, "12 nodes"), ("namespaces", 29, "6 namespaces"),
            ("uptime", 27, "99.95% uptime")} <= got
    payments = parse_plan(PLANS / "helm-chart-payments.plan.md")
    assert {(f.kind, f.low, f.high, f.line) for f in payments.figures if f.kind in ("replicas", "memory")} == {
        ("replicas", 2, 20, 25), ("memory", None, 512, 24)}


def test_no_figures_from_fences_summary_header_or_placeholders():
    text = """# Plan: 12 nodes
**Branch**: `1-x` | **Date**: 2026-10-20

## Summary

Runs on 40 nodes.

## Technical Context

**Constraints**: [e.g., <100MB memory or NEEDS CLARIFICATION]
**Scale/Scope**: 5 nodes

```text
99 nodes
```
"""
    assert [(f.kind, f.low, f.line) for f in parse_text(text).figures] == [("nodes", 5, 11)]


def test_reading_figures_is_linear_on_hostile_lines():
    for line in ("1-" * 200_000, "between 1 and " * 50_000, "min 1 / " * 60_000, " " * 400_000 + "1 node",
                 "a" * 400_000, "9" * 400_000 + " nodes", "5 minutes RPO " * 30_000, "1% uptime " * 40_000,
                 "postgres " * 50_000, "2Gi memory " * 40_000):
        with hang_guard(line[:20]):
            extract([Source(1, line)], NAMES)


@pytest.mark.parametrize("text, expected", [
    ("ticketing-api memory request 2 GiB, limit 1 GiB",
     [("memory", 2048, None, "request 2 GiB"), ("memory", None, 1024, "limit 1 GiB")]),
    ("ticketing-api requests 2Gi memory with a 1Gi memory limit",
     [("memory", 2048, None, "requests 2Gi"), ("memory", None, 1024, "1Gi memory limit")]),
    ("ticketing-api cpu request 2 limit 1", [("cpu", 2000, None, "request 2"), ("cpu", None, 1000, "limit 1")]),
    ("ticketing-api 500m CPU request, 250m limit",
     [("cpu", 500, None, "500m CPU request"), ("cpu", None, 250, "250m limit")]),
])
def test_a_request_and_a_limit_are_read_apart_for_the_app_of_the_sentence(text, expected):
    got = extract([Source(32, text, label="Data")], NAMES)
    assert [(f.kind, f.low, f.high, f.words) for f in got] == expected
    assert {(f.subject, f.scope) for f in got} == {("ticketing-api", "app")}


def test_the_subject_carries_over_commas_only_within_a_sentence_and_to_app_figures():
    got = extract([Source(1, "ticketing-api needs 1Gi memory, 2 cores, 8-24 nodes. 2 replicas, orders-api 512Mi memory, "
                                "limit 1Gi")], NAMES)
    assert [(f.kind, f.subject, f.scope) for f in got] == [
        ("memory", "ticketing-api", "app"), ("cpu", "ticketing-api", "app"), ("nodes", "cluster", "cluster"),
        ("replicas", "", "plan"), ("memory", "orders-api", "app"), ("memory", "orders-api", "app")]


def test_reading_requests_and_limits_is_linear_on_hostile_lines():
    for line in ("cpu request " + "limit " * 60_000 + "1", "request 1 " * 40_000, "1Gi memory limit, " * 30_000,
                 "ticketing-api 1 cpu, " * 30_000, "request" + " " * 400_000 + "2Gi"):
        with hang_guard(line[:20]):
            extract([Source(1, line)], NAMES)


@pytest.mark.parametrize("text, expected", [
    ("1 to 2 tasks per service in staging, 2 to 4 in production",
     [("tasks", 1, 2, "staging"), ("tasks", 2, 4, "prod")]),
    ("3 nodes in prod, 2 in staging", [("nodes", 3, 3, "prod"), ("nodes", 2, 2, "staging")]),
    ("2 replicas in dev, 3 in prod", [("replicas", 2, 2, "dev"), ("replicas", 3, 3, "prod")]),
    # no count before it in the sentence, or a clause naming no environment: no count is carried
    ("2 to 4 in production", []),
    ("1 to 2 tasks in staging. 2 to 4 in production", [("tasks", 1, 2, "staging")]),
    ("1 to 2 tasks in staging, port 8080", [("tasks", 1, 2, "staging")]),
])
def test_an_environments_bare_count_takes_the_count_of_its_sentence(text, expected):
    got = extract([Source(3, text)], NAMES)
    assert [(f.kind, f.low, f.high, f.subject) for f in got] == expected


@pytest.mark.parametrize("text, expected", [
    ("2/3/5 nodes in dev/staging/prod", [("nodes", 2, "dev"), ("nodes", 3, "staging"), ("nodes", 5, "prod")]),
    ("dev/staging/prod: 1/2/3 tasks", [("tasks", 1, "dev"), ("tasks", 2, "staging"), ("tasks", 3, "prod")]),
    ("2 / 4 replicas in staging / production", [("replicas", 2, "staging"), ("replicas", 4, "prod")]),
    # counts and environments that do not pair up are one unpaired figure, never the last count for the first
    ("2/3 nodes in dev/staging/prod", [("unpaired", None, "")]),
    ("24/7 support, 3 nodes", [("nodes", 3, "cluster")]),  # no environments: no list
])
def test_a_slashed_count_list_pairs_with_the_environments_in_order(text, expected):
    got = extract([Source(3, text)], NAMES)
    assert [(f.kind, f.low, f.subject) for f in got] == expected


@pytest.mark.parametrize("text, expected", [
    ("orders-api replicas: dev 1 / staging 2 / prod 4.", [(1, 1, "dev"), (2, 2, "staging"), (4, 4, "prod")]),
    ("The orders-api runs dev 1 / staging 2 / prod 3 replicas, scaling to at most 6 in prod.",
     [(1, 1, "dev"), (2, 2, "staging"), (3, 3, "prod"), (None, 6, "prod")]),
    ("orders-api runs 3 replicas in prod, scaling to at most 6 in prod", [(3, 3, "prod"), (None, 6, "prod")]),
    ("orders-api: 1 replica in dev, 2 in staging, 4 in prod.", [(1, 1, "dev"), (2, 2, "staging"), (4, 4, "prod")]),
    ("orders-api: 3 replicas in prod and staging", [(3, 3, "prod"), (3, 3, "staging")]),
    ("orders-api: dev: 1-2 / prod: 3-6 replicas", [(1, 2, "dev"), (3, 6, "prod")]),
    ("orders-api runs 2 replicas per environment", [(2, 2, "")]),  # every environment: none of its own
])
def test_an_applications_replicas_are_in_the_environments_its_sentence_names(text, expected):
    """An untuned review: `3 replicas in prod` for one application sized every environment, `dev 1 / staging 2 /
    prod 3` was not read, and `2 in staging, 4 in prod` after the application's first clause named no application."""
    got = extract([Source(3, text)], NAMES)
    assert [(f.low, f.high, f.environment) for f in got if f.kind == "replicas"] == expected
    assert {(f.subject, f.scope) for f in got} == {("orders-api", "app")}


def test_an_environments_count_list_naming_no_application_stays_the_environments():
    got = extract([Source(3, "Replicas: dev 1 / staging 2 / prod 3")], NAMES)
    assert [(f.kind, f.low, f.subject, f.scope) for f in got] == [
        ("replicas", 1, "dev", "environment"), ("replicas", 2, "staging", "environment"),
        ("replicas", 3, "prod", "environment")]


def test_the_figures_after_a_clusters_own_clause_are_the_clusters():
    # `cluster (4 OCPUs, 24GB RAM), local Minikube for development`: the cluster's memory, never each container's
    got = extract([Source(1, "Target Platform: OKE Kubernetes cluster (4 OCPUs, 24GB RAM), local Minikube for "
                             "development")], NAMES)
    assert [(f.kind, f.subject, f.scope) for f in got] == [("memory", "cluster", "cluster")]
    # a sentence later: no longer the cluster's
    got = extract([Source(1, "OKE cluster (4 OCPUs, 24GB RAM), in staging. Each pod 512Mi memory")], NAMES)
    assert [(f.kind, f.scope) for f in got] == [("memory", "cluster"), ("memory", "plan")]


def test_a_range_written_min_comma_max_is_one_range():
    # `hpa-backend.yaml: Min 2, max 10 replicas`: the comma inside the range ends no clause
    assert read("hpa-backend.yaml: Min 2, max 10 replicas, CPU 70% target") == [("replicas", 2, 10, "count")]


@pytest.mark.parametrize("label, text, kind", [
    ("kube-prometheus-stack", "15-day retention in production", "metrics_retention"),  # a Deployment Components row
    ("", "Prometheus keeps metrics 15 days", "metrics_retention"),
    ("", "traces retained 7 days in Tempo", "trace_retention"),
])
def test_a_metrics_or_traces_retention_is_no_backup_retention(label: str, text: str, kind: str):
    """How long a monitoring stack keeps metrics or traces: never the databases' backup retention (a plan stating
    `7-day backups` beside it was refused as contradicting itself)."""
    assert [f.kind for f in extract([Source(7, text, label)], NAMES)] == [kind]
    assert [f.kind for f in extract([Source(7, "7-day backups", "RDS")], NAMES)] == ["retention"]


def test_a_log_retention_rows_cells_are_the_logs_retention():
    """`| Log retention | 30 days | 90 days |` beside `| Backup retention | 7 days | 35 days |`: the row's label makes
    each cell the logs' retention (a plan stating both rows was refused as contradicting its backup retention)."""
    assert [f.kind for f in extract([Source(7, "staging: 30 days | production: 90 days", "Log retention")], NAMES)] == \
        ["log_retention", "log_retention"]
    assert [f.kind for f in extract([Source(8, "staging: 7 days | production: 35 days", "Backup retention")], NAMES)] \
        == ["retention", "retention"]


ENVIRONMENTS_TABLE = """# Implementation Plan: Shop

## Technical Context

**Cloud Provider**: AWS
**Kubernetes**: EKS 1.33
**Target Environment**: staging, production

### Environments

| | staging | production |
|---|---|---|
| Node group | 2 × `t3.large` (fixed) | 3–6 × `m6i.large` (autoscaling) |

## Project Structure

```text
apps/
├── base/
├── staging/
└── production/
```
"""


def test_an_environments_table_sizes_each_column_s_environment():
    """`| | staging | production |` over `| Node group | 2 × t3.large | 3–6 × m6i.large |`: each cell is its column's
    environment's, and a count before `×` in a row of nodes counts nodes; a GitOps tree's `apps/staging/` is no
    application to give them to."""
    found = {(f.kind, f.subject, f.scope, f.low, f.high, f.name)
             for f in parse_text(ENVIRONMENTS_TABLE, "plan.md").figures if f.kind in ("nodes", "instance_type")}
    assert found == {("instance_type", "staging", "environment", None, None, "t3.large"),
                     ("nodes", "staging", "environment", 2, 2, ""),
                     ("instance_type", "prod", "environment", None, None, "m6i.large"),
                     ("nodes", "prod", "environment", 3, 6, "")}


def test_an_apps_row_of_an_environments_table_gives_the_app_its_count_in_each_column():
    """`| checkout-web replicas | 1 | 3 |` under environment columns: the row's app, in each column's environment, a
    count or a range leading the cell (`2-10, target 70% CPU`), in the plan's own words."""
    text = ENVIRONMENTS_TABLE.replace("**Target Environment**", "**Custom Applications**: payments-api, checkout-web\n"
                                      "**Target Environment**").replace(
        "(autoscaling) |\n", "(autoscaling) |\n| payments-api replicas (HPA) | 1-3 | 2-10, target 70% CPU |\n"
        "| checkout-web replicas | 1 | 3 |\n")
    found = {(f.subject, f.scope, f.environment, f.low, f.high, f.words)
             for f in parse_text(text, "plan.md").figures if f.kind == "replicas"}
    assert found == {("payments-api", "app", "staging", 1, 3, "1-3"), ("payments-api", "app", "prod", 2, 10, "2-10"),
                     ("checkout-web", "app", "staging", 1, 1, "1"), ("checkout-web", "app", "prod", 3, 3, "3")}


def test_a_field_label_names_no_subject_of_its_first_clause():
    """`Node Pools: prod Standard_D4s_v5, ...`: the label's `Pools` made the first clause a node pool's, and
    production's machine size was reported as not applied (an AKS review); the clause names prod."""
    text = "**Node Pools**: prod Standard_D4s_v5, autoscale 3 to 6 nodes; dev autoscale 1 to 2 nodes"
    figures = extract([Source(7, text.replace("**", ""), "Node Pools")], set())
    assert [(f.kind, f.subject, f.scope) for f in figures if f.kind == "instance_type"] == [
        ("instance_type", "prod", "environment")]
    no_environment = extract([Source(7, "Node Pools: Standard_D4s_v5", "Node Pools")], set())
    assert [(f.subject, f.scope) for f in no_environment] == [("pool", "pool")]  # still the label's


def test_a_count_labelled_before_its_number_is_read_beside_an_instance_type():
    """`Production nodes: 3-9 e2-standard-4`: the range was dropped (the word after it is a machine type, no unit)
    and the README called it a figure no answer reads."""
    figures = extract([Source(7, "Production nodes: 3-9 `e2-standard-4` (cluster autoscaler)")], NAMES)
    assert [(f.kind, f.low, f.high, f.subject) for f in figures] == [
        ("instance_type", None, None, "prod"), ("nodes", 3, 9, "prod")]


@pytest.mark.parametrize("text, expected", [
    # the `-4` of the type was read as `4 nodes` and the range before it dropped
    ("prod: 3-6 e2-standard-4 nodes", [("instance_type", None, None, "prod"), ("nodes", 3, 6, "prod")]),
    # no unit at all: the count before the type was dropped, so the environments kept the default node range
    ("dev/staging: 1-3 e2-standard-2", [("instance_type", None, None, "dev+staging"), ("nodes", 1, 3, "dev+staging")]),
    ("3x m6i.xlarge in production", [("instance_type", None, None, "prod"), ("nodes", 3, 3, "prod")]),
    ("2 Standard_D4s_v5 nodes", [("instance_type", None, None, "cluster"), ("nodes", 2, 2, "cluster")]),
    # a database class counts no nodes
    ("2 db.r6g.large replicas", [("instance_type", None, None, "")]),
])
def test_a_count_right_before_an_instance_type_counts_its_nodes(text, expected):
    figures = extract([Source(7, text)], NAMES)
    assert [(f.kind, f.low, f.high, f.subject) for f in figures] == expected


@pytest.mark.parametrize("text, expected", [
    # a multiplier after the type: no unit, so the counts were dropped and the default node range kept
    ("prod: `s-4vcpu-8gb` × 3", [("instance_type", None, None, "prod"), ("nodes", 3, 3, "prod")]),
    ("prod: m6i.xlarge x 3", [("instance_type", None, None, "prod"), ("nodes", 3, 3, "prod")]),
    # an autoscaling range after it is the node range
    ("prod: `s-4vcpu-8gb` × 3 (autoscale 3–5)", [("instance_type", None, None, "prod"), ("nodes", 3, 5, "prod")]),
    ("dev: s-2vcpu-4gb x2 (autoscaling: 2-3)", [("instance_type", None, None, "dev"), ("nodes", 2, 3, "dev")]),
    ("prod: m6i.xlarge x86 images", [("instance_type", None, None, "prod")]),  # no count
])
def test_a_multiplier_right_after_an_instance_type_counts_its_nodes(text, expected):
    figures = extract([Source(7, text)], NAMES)
    assert [(f.kind, f.low, f.high, f.subject) for f in figures] == expected


@pytest.mark.parametrize("text, expected", [
    # the quantity a `/` pairs with a request or limit is one too: `256Mi` was a request and a limit at once
    ("web: Requests 100m/256Mi, Limits 500m/512Mi",
     [("cpu", 100, None), ("memory", 256, None), ("cpu", None, 500), ("memory", None, 512)]),
    ("web: Limits 1 CPU/1Gi", [("cpu", None, 1000), ("memory", None, 1024)]),
    ("web: memory request 256Mi, limit 512Mi", [("memory", 256, None), ("memory", None, 512)]),
])
def test_a_request_or_limit_word_names_the_quantities_a_slash_pairs(text, expected):
    figures = extract([Source(7, text)], NAMES | {"web"})
    assert [(f.kind, f.low, f.high) for f in figures] == expected
