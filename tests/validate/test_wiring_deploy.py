"""The deploy-time breaks of the wiring validator (docs/wiring.md): Kubernetes versions past their providers' support
(`wiring/kubernetes-end-of-life`), GitOps objects of one name synced to one cluster (`wiring/duplicate-gitops-object`)
and placeholders in what the cluster fetches or serves (`wiring/placeholder-reference`).

`tests/fixtures/wiring/kubernetes-versions` pins 1.30 for an EKS module call, an AKS cluster (through a variable its
terraform.tfvars sets), a GKE cluster and an eksctl ClusterConfig. Support is compared with the date
PLANFORGE_SUPPORT_DATE gives (tests/conftest.py fixes it for every test), never the wall clock.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from testlib import FIXTURES, edit_file, validate_wiring

from planforge.validate.wiring.lifecycle import calendars

VERSIONS = FIXTURES / "wiring" / "kubernetes-versions"
FLUX = FIXTURES / "wiring" / "flux"
GOOD = FIXTURES / "wiring" / "good"
RULE = "wiring/kubernetes-end-of-life"
PINS = {"eks": ("eks/main.tf", 6), "aks": ("aks/terraform.tfvars", 1), "gke": ("gke/main.tf", 4),
        "eksctl": ("eksctl/cluster.yaml", 6)}


def copy(source: Path, tmp_path: Path) -> Path:
    root = tmp_path / source.name
    shutil.copytree(source, root)
    return root


@pytest.mark.parametrize(("today", "expected_exit", "expected"), [
    ("2024-10-01", 0, {}),
    ("2025-05-01", 0, {"eks": "warning", "eksctl": "warning"}),  # EKS 1.30's standard support ends within 90 days
    ("2025-08-01", 0, {"eks": "warning", "eksctl": "warning", "aks": "warning", "gke": "warning"}),
    ("2026-08-01", 1, {"eks": "error", "eksctl": "error", "aks": "error", "gke": "error"}),  # extended support over
])
def test_each_pinned_version_is_judged_against_its_distributions_calendar(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, today: str, expected_exit: int,
        expected: dict[str, str]) -> None:
    monkeypatch.setenv("PLANFORGE_SUPPORT_DATE", today)
    got = validate_wiring(VERSIONS, tmp_path, expected_exit)
    assert {(f["file"], f["line"], f["severity"]) for f in got} == {(*PINS[k], s) for k, s in expected.items()}
    assert all(f["rule"] == RULE and f["hint"].startswith("upgrade one minor version at a time") for f in got)


def test_the_messages_give_the_dates_and_what_extended_support_is(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANFORGE_SUPPORT_DATE", "2025-08-01")
    got = {f["file"]: f for f in validate_wiring(VERSIONS, tmp_path, 0)}
    assert "module.eks cluster_version '1.30': Amazon EKS 1.30's standard support ended on 2025-07-23: only " \
           "extended support (on by default, billed per cluster hour) covers it, until 2026-07-23" \
           in got["eks/main.tf"]["message"]
    assert "AKS 1.30's standard support ends on 2025-08-22, in 21 days" in got["aks/terraform.tfvars"]["message"]
    assert "(1.31, 1.32, 1.33, 1.34, 1.35)" in got["gke/main.tf"]["hint"]


def test_a_tfvars_value_overrides_the_variable_default_and_is_named_itself(tmp_path: Path) -> None:
    root = copy(VERSIONS, tmp_path)
    assert validate_wiring(root, tmp_path, 0) == []  # the default 1.27 is overridden by terraform.tfvars
    (root / "aks" / "terraform.tfvars").write_text('location = "westeurope"\n')
    [got] = validate_wiring(root, tmp_path, 0)
    assert (got["file"], got["line"], got["severity"]) == ("aks/variables.tf", 4, "warning")
    assert "variable \"kubernetes_version\" default '1.27': AKS 1.27's standard support ended on 2024-07-31: only " \
           "long-term support (Premium tier with the AKSLongTermSupport plan) covers it, until 2025-07-31" \
           in got["message"]


def test_a_version_older_than_the_calendar_is_an_error(tmp_path: Path) -> None:
    root = copy(VERSIONS, tmp_path)
    edit_file(root / "gke" / "main.tf", 'min_master_version = "1.30"', 'min_master_version = "1.22.17-gke.14100"')
    [got] = validate_wiring(root, tmp_path, 1)
    assert (got["file"], got["line"], got["severity"]) == ("gke/main.tf", 4, "error")
    assert "older than every version of the support calendar" in got["message"]


def test_documented_extended_support_accepts_the_warning_never_the_error(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy(VERSIONS, tmp_path)
    monkeypatch.setenv("PLANFORGE_SUPPORT_DATE", "2025-08-01")
    with (root / "README.md").open("a") as readme:
        readme.write("- `1.30` runs on extended support until the move to 1.33 (LTS on AKS).\n")
    assert validate_wiring(root, tmp_path, 0) == []
    monkeypatch.setenv("PLANFORGE_SUPPORT_DATE", "2026-08-01")
    assert {f["severity"] for f in validate_wiring(root, tmp_path, 1)} == {"error"}


def test_a_date_that_is_no_date_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANFORGE_SUPPORT_DATE", "next spring")
    found = validate_wiring(FLUX, tmp_path, 0)  # pins no Kubernetes version: the date changes nothing else
    assert [(f["rule"], f["severity"], f["file"]) for f in found] == [(RULE, "warning", None)]
    assert "'next spring' is not a date" in found[0]["message"] and "YYYY-MM-DD" in found[0]["hint"]


def test_the_calendar_covers_each_distribution_from_1_27_to_1_33() -> None:
    warning_days, known = calendars()
    assert warning_days == 90 and set(known) == {"eks", "aks", "gke"}
    for calendar in known.values():
        assert set(range(27, 34)) <= set(calendar.versions)
        assert all(s.standard < s.extended for s in calendar.versions.values())


FLUX_DUPLICATE = """---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infra-controllers
  namespace: flux-system
spec:
  interval: 10m
  path: ./infrastructure/controllers
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""


def test_two_flux_kustomizations_of_one_name_under_one_cluster_directory_are_caught(tmp_path: Path) -> None:
    root = copy(FLUX, tmp_path)
    configs = root / "infrastructure" / "configs" / "secret-store.yaml"
    configs.write_text(configs.read_text() + FLUX_DUPLICATE)
    [got] = validate_wiring(root, tmp_path, 1)
    assert (got["rule"], got["file"], got["severity"]) == ("wiring/duplicate-gitops-object",
                                                           "infrastructure/configs/secret-store.yaml", "error")
    assert "also defined in clusters/production/infrastructure.yaml:15" in got["message"]
    assert "clusters/production/" in got["message"]
    edit_file(configs, "  name: infra-controllers\n  namespace: flux-system\nspec:\n  interval: 10m",
              "  name: infra-controllers\n  namespace: apps\nspec:\n  interval: 10m")
    assert validate_wiring(root, tmp_path, 0) == []  # another namespace: another object


def test_an_application_the_app_of_apps_does_not_include_is_no_duplicate(tmp_path: Path) -> None:
    root = copy(GOOD, tmp_path)
    (root / "argocd" / "apps" / "web.yaml").write_text((root / "argocd" / "apps" / "app.yaml").read_text())
    [got] = validate_wiring(root, tmp_path, 1)
    assert (got["rule"], got["file"]) == ("wiring/duplicate-gitops-object", "argocd/apps/web.yaml")
    assert "also defined in argocd/apps/app.yaml:4; both are synced by Application shop-root (argocd/root.yaml)" \
           in got["message"]
    edit_file(root / "argocd" / "root.yaml", "    path: argocd/apps\n",
              "    path: argocd/apps\n    directory:\n      exclude: '{web.yaml,other.yaml}'\n")
    assert validate_wiring(root, tmp_path, 0) == []


def test_a_placeholder_listed_as_set_by_you_is_accepted_and_substitutions_are_not_placeholders(tmp_path: Path) -> None:
    root = copy(GOOD, tmp_path)
    edit_file(root / "k8s" / "ingress.yaml", "- host: shop.example.com", "- host: shop.example.invalid")
    [got] = validate_wiring(root, tmp_path, 1, "--strict")
    assert (got["rule"], got["file"], got["line"]) == ("wiring/placeholder-reference", "k8s/ingress.yaml", 13)
    assert "the hostname 'shop.example.invalid' is a placeholder" in got["message"]
    with (root / "README.md").open("a") as readme:
        readme.write("- `shop.example.invalid` is set by you: the shop's public host name.\n")
    assert validate_wiring(root, tmp_path, 0, "--strict") == []
    edit_file(root / "k8s" / "app.yaml", "image: ghcr.io/shop/app:1.0.0", "image: ghcr.io/${REGISTRY_CHANGE_ME}/app")
    assert validate_wiring(root, tmp_path, 0, "--strict") == []


def test_sources_outside_the_repository_and_malformed_values_are_not_read(tmp_path: Path) -> None:
    """Hostile input: an app-of-apps whose path leaves the repository, a symlinked directory pointing outside (whose
    copy of an Application would be a duplicate), malformed directory options and versions are read as nothing,
    never an internal error; nothing of the outside file is printed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "app.yaml").write_text((GOOD / "argocd" / "apps" / "app.yaml").read_text() + "# CANARY-25c\n")
    root = copy(GOOD, tmp_path)
    (root / "argocd" / "apps" / "linked").symlink_to(outside)
    edit_file(root / "argocd" / "root.yaml", "    path: argocd/apps\n",
              "    path: argocd/apps\n    directory: {recurse: true, exclude: [x]}\n")
    (root / "argocd" / "escape.yaml").write_text((root / "argocd" / "root.yaml").read_text()
                                                 .replace("name: shop-root", "name: escape")
                                                 .replace("path: argocd/apps", "path: ../../outside"))
    edit_file(root / "terraform" / "main.tf", 'version  = "1.30"', "version  = 1.30")
    (root / "terraform" / "terraform.tfvars").write_text('kubernetes_version = "latest"\n')
    (root / "eksctl.yaml").write_text("apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n"
                                      "  name: shop\n  version: [1.30]\n")
    assert validate_wiring(root, tmp_path, 0) == []
    assert "CANARY-25c" not in (tmp_path / "report.json").read_text()
