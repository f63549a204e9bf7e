"""A chart service's own volume: the PersistentVolumeClaim a plan states for it (issue 9)."""
from __future__ import annotations

import pytest

from testlib import PLANS
from planforge.decide import decide
from planforge.plan import parse_text

TODO_CHART = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8")
STORAGE = "**Storage**: SQLite on a PersistentVolumeClaim (1Gi) mounted by the backend"


def decided(text: str):
    return decide(parse_text(text, "plan.md"))


def volumes(text: str) -> dict[str, str]:
    return {s.name: s.volume_size for s in decided(text).answers.services}


def test_the_service_the_storage_sentence_names_gets_its_claim_of_the_stated_size():
    d = decided(TODO_CHART)
    assert {s.name: s.volume_size for s in d.answers.services} == {"backend": "1Gi", "frontend": ""}
    assert {(a.line, a.text, a.answer) for a in d.applied} >= {
        (12, "PersistentVolumeClaim", "services.backend.volume_size"), (12, "1Gi", "services.backend.volume_size")}
    assert [i for i in d.not_applied if i.line == 12] == []
    assert "backend: a 1Gi PersistentVolumeClaim from plan line 12" in d.provenance["services"].note
    assert d.answers.storage == ""  # SQLite inside the service: no database server, no connection Secret


@pytest.mark.parametrize("storage, expected", [
    ("SQLite on a PVC (5 GB) mounted by the frontend", {"backend": "", "frontend": "5Gi"}),
    ("files on a persistent volume of 512Mi", {"backend": "512Mi", "frontend": ""}),  # no name: the backend
    ("SQLite on a 2.5GiB PersistentVolumeClaim for the backend", {"backend": "2.5Gi", "frontend": ""}),
])
def test_the_owner_and_size_of_other_wordings(storage, expected):
    assert volumes(TODO_CHART.replace(STORAGE, f"**Storage**: {storage}")) == expected


def test_a_claim_without_a_size_is_1gi_and_the_provenance_says_so():
    d = decided(TODO_CHART.replace(STORAGE, "**Storage**: SQLite on a PersistentVolumeClaim mounted by the backend"))
    assert d.answers.services[0].volume_size == "1Gi"
    assert "(no size stated: 1Gi)" in d.provenance["services"].note


def test_a_database_servers_claim_is_the_data_stores_not_a_services():
    d = decided(TODO_CHART.replace(STORAGE, "**Storage**: PostgreSQL 16 in-cluster on a PVC (5Gi)"))
    assert [s.volume_size for s in d.answers.services] == ["", ""]
    assert d.answers.storage == "in-cluster-postgresql"


def test_the_tree_file_pvc_yaml_alone_names_no_volume():
    assert volumes(TODO_CHART.replace(STORAGE, "**Storage**: none")) == {"backend": "", "frontend": ""}


@pytest.mark.parametrize("scale", ["backend scales between 2 and 5 replicas", "2-5 replicas per service"])
def test_a_service_with_a_volume_runs_one_pod_and_a_stated_replica_range_is_not_applied(scale):
    d = decided(TODO_CHART.replace(STORAGE, STORAGE + f"\n**Scale/Scope**: {scale}"))
    backend = d.answers.services[0]
    assert (backend.replicas, backend.prod_replicas, backend.min_replicas, backend.max_replicas) == (1, 1, 0, 0)
    reported = [i for i in d.not_applied if i.line == 13]
    assert len(reported) == 1 and "ReadWriteOnce" in reported[0].why
    assert not [a for a in d.applied if a.line == 13 and a.answer.startswith("services.backend.")]


SUMMARY_END = "as one Helm chart for Minikube."


@pytest.mark.parametrize("sentence, expected", [
    ("The backend keeps its uploads on a 2Gi PVC.", {"backend": "2Gi", "frontend": ""}),
    ("Data persists via a PVC.", {"backend": "", "frontend": ""}),  # outside Storage, no service named
    ("Database state is externalized to a PVC.", {"backend": "", "frontend": ""}),
])
def test_a_sentence_outside_storage_gives_a_volume_only_to_a_service_it_names(sentence, expected):
    text = TODO_CHART.replace(STORAGE, "**Storage**: none").replace(SUMMARY_END, f"{SUMMARY_END} {sentence}")
    assert volumes(text) == expected


def test_every_sentence_of_a_storage_field_naming_a_database_server_is_the_data_stores():
    storage = "**Storage**: PostgreSQL 16 in-cluster (StatefulSet). Data survives restarts via the retained PVC."
    assert volumes(TODO_CHART.replace(STORAGE, storage)) == {"backend": "", "frontend": ""}


EKS_ARGOCD = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
APP_STORAGE = "**Storage**: uploads on a PersistentVolumeClaim (5Gi) for orders-api"


def test_a_kustomize_application_named_by_the_storage_field_gets_its_claim_and_one_pod():
    d = decided(EKS_ARGOCD.replace("**Deployment Type**:", f"{APP_STORAGE}\n**Deployment Type**:"))
    orders, web = d.answers.apps
    assert (orders.name, orders.volume_size, orders.replicas, orders.prod_replicas, orders.max_replicas) == (
        "orders-api", "5Gi", 1, 1, 0)
    assert web.volume_size == ""
    line = EKS_ARGOCD.splitlines().index(next(x for x in EKS_ARGOCD.splitlines()
                                              if x.startswith("**Deployment Type**"))) + 1
    assert {(a.line, a.text, a.answer) for a in d.applied} >= {
        (line, "PersistentVolumeClaim", "apps.orders-api.volume_size"), (line, "5Gi", "apps.orders-api.volume_size")}


def test_a_replica_range_of_another_service_stays_applied_to_it():
    d = decided(TODO_CHART.replace(STORAGE, STORAGE + "\n**Scale/Scope**: frontend scales between 2 and 4 replicas"))
    backend, frontend = d.answers.services
    assert (backend.replicas, backend.max_replicas, frontend.min_replicas, frontend.max_replicas) == (1, 0, 2, 4)
    assert [i for i in d.not_applied if i.line == 13] == []
