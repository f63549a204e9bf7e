"""`wiring/controller-missing`: objects whose controller nothing installs (docs/wiring.md "Controllers").

Each `tests/fixtures/wiring/controllers/<case>` is a minimal repository that passes because one kind of provider
installs (or the cluster has built in) what its objects need: a chart deployed by an Argo CD Application or
ApplicationSet, a Flux HelmRelease (chart or OCI chartRef), a kustomize `helmCharts` entry, a Helm chart dependency,
a `helm upgrade --install` in a shell script or README, an Ansible `kubernetes.core.helm` task, a CRD manifest, a
documented prerequisite, an install manifest, `flux bootstrap`, or a distribution's built-in metrics API. Taking that
provider away must be caught: exit 1, the rule, the object's file.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from testlib import edit_file, validate_wiring

from planforge.model import capabilities
from planforge.validate.wiring.installs import helm_install_chart

CASES = Path(__file__).resolve().parents[1] / "fixtures" / "wiring" / "controllers"
RULE = "wiring/controller-missing"

# (case, file, old text, new text (None: the file is deleted), the files the findings name)
REMOVED = [
    ("argocd-application", "argocd/external-secrets.yaml", "", None, {"k8s/external-secret.yaml"}),
    ("argocd-application", "argocd/argo-cd.yaml", "", None, {"argocd/external-secrets.yaml"}),
    ("argocd-applicationset", "argocd/dapr.yaml", "chart: dapr", "chart: dapr-dashboard", {"dapr/statestore.yaml"}),
    ("flux-helmrelease", "infrastructure/external-secrets.yaml", "chart: external-secrets", "chart: eso-fork",
     {"apps/external-secret.yaml"}),
    ("flux-helmrelease", "clusters/staging/flux-system/gotk-sync.yaml", "", None,
     {"infrastructure/external-secrets.yaml"}),
    ("flux-oci-chartref", "infrastructure/external-secrets.yaml", "charts/external-secrets\n", "charts/eso-fork\n",
     {"apps/external-secret.yaml"}),
    ("flux-oci-chartref", "README.md", "`flux bootstrap git", "`git push",
     {"infrastructure/external-secrets.yaml"}),
    ("kustomize-helmcharts", "platform/kustomization.yaml", "", None, {"apps/deployment.yaml"}),
    ("chart-dependency", "charts/platform/Chart.yaml", "name: dapr", "name: redis", {"dapr/statestore.yaml"}),
    ("helm-install-script", "scripts/install-platform.sh", "upgrade --install", "upgrade", {"k8s/external-secret.yaml"}),
    ("helm-install-readme", "README.md", "helm install argo-cd", "helm template argo-cd", {"argocd/app.yaml"}),
    ("helm-install-readme", "README.md", "helm install argo-cd argo/argo-cd -n argocd --create-namespace --version 7.6.12",
     "Install Argo CD first (its getting-started guide).", set()),
    ("ansible-helm", "ansible/site.yml", "chart_ref: external-secrets/external-secrets",
     "chart_ref: external-secrets/eso-fork", {"k8s/external-secret.yaml"}),
    ("crd-manifest", "crds/externalsecrets.yaml", "", None, {"k8s/external-secret.yaml"}),
    ("documented-prerequisite", "README.md", "is already installed on the cluster", "is used on the cluster",
     {"k8s/external-secret.yaml"}),
    ("install-manifest", "argocd-install/kustomization.yaml", "", None, {"argocd/app.yaml"}),
    ("hpa-eks-helm-release", "terraform/main.tf", 'chart      = "metrics-server"', 'chart      = "prometheus-adapter"',
     {"k8s/hpa.yaml"}),
    ("hpa-eks-helm-release", "terraform/main.tf", 'resource "helm_release" "metrics_server" {\n  name      ',
     'resource "aws_eks_addon" "metrics_server" {\n  addon_name', set()),
    ("hpa-aks", "terraform/main.tf", '"azurerm_kubernetes_cluster"', '"azurerm_kubernetes_cluster_node_pool"', set()),
    ("hpa-aks", "terraform/main.tf", 'resource "azurerm_kubernetes_cluster"', 'resource "aws_eks_cluster"',
     {"k8s/hpa.yaml"}),
    ("hpa-k3s-ansible", "ansible/site.yml",
     "url: https://github.com/k3s-io/k3s/releases/download/v1.30.4%2Bk3s1/k3s",
     "url: https://dl.k8s.io/release/v1.30.4/bin/linux/amd64/kubeadm", set()),
    ("hpa-k3s-ansible", "ansible/site.yml", "      ansible.builtin.get_url:\n        url: https://github.com/k3s-io/k3s/"
     "releases/download/v1.30.4%2Bk3s1/k3s\n        dest: /usr/local/bin/k3s\n        mode: \"0755\"\n",
     "      ansible.builtin.command: kubeadm init --config /etc/kubernetes/kubeadm.yaml\n", {"k8s/hpa.yaml"}),
    ("hpa-documented", "README.md", "; turn its metrics on with `minikube addons enable metrics-server`", "",
     {"k8s/hpa.yaml"}),
    ("hpa-no-distribution", "README.md", "# app\n\nThe EKS cluster runs the web tier.\n", None, {"k8s/hpa.yaml"}),
]


def copy_case(case: str, tmp_path: Path) -> Path:
    root = tmp_path / case
    shutil.copytree(CASES / case, root)
    return root



def edit(root: Path, file: str, old: str, new: str | None) -> None:
    """`edit_file`, or the file deleted when both texts are empty."""
    if new is None and not old:
        (root / file).unlink()
    else:
        edit_file(root / file, old, new)


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()))
def test_each_provider_satisfies_its_objects(case: str, tmp_path: Path) -> None:
    assert validate_wiring(copy_case(case, tmp_path), tmp_path, 0) == []


@pytest.mark.parametrize(("case", "file", "old", "new", "named"), REMOVED,
                         ids=[f"{r[0]}-{r[1].rsplit('/', 1)[-1]}-{i}" for i, r in enumerate(REMOVED)])
def test_without_its_provider_each_object_is_named(case: str, file: str, old: str, new: str | None, named: set[str],
                                                    tmp_path: Path) -> None:
    root = copy_case(case, tmp_path)
    edit(root, file, old, new)
    got = validate_wiring(root, tmp_path, 1 if named else 0)
    assert {(f["rule"], f["file"]) for f in got} == {(RULE, n) for n in named}
    assert all(f["hint"] and f["severity"] == "error" and f["line"] for f in got)


def test_the_finding_names_the_object_line_and_the_catalog_chart_that_provides_it(tmp_path: Path) -> None:
    root = copy_case("argocd-application", tmp_path)
    (root / "argocd" / "external-secrets.yaml").unlink()
    [got] = validate_wiring(root, tmp_path, 1)
    assert (got["rule"], got["file"], got["line"]) == (RULE, "k8s/external-secret.yaml", 2)
    assert "ExternalSecret app-database" in got["message"] and "external-secrets.io/ExternalSecret" in got["message"]
    assert got["hint"].startswith("deploy the external-secrets chart (external-secrets 0.10.4 from "
                                  "https://charts.external-secrets.io) before the objects that use it, or document")


def test_a_dapr_annotated_pod_is_named_at_its_annotation(tmp_path: Path) -> None:
    root = copy_case("kustomize-helmcharts", tmp_path)
    (root / "platform" / "kustomization.yaml").unlink()
    [got] = validate_wiring(root, tmp_path, 1)
    assert (got["file"], got["line"]) == ("apps/deployment.yaml", 15)
    assert "sidecar" in got["message"] and "dapr 1.14.4 from https://dapr.github.io/helm-charts" in got["hint"]
    deployment = root / "apps" / "deployment.yaml"
    deployment.write_text(deployment.read_text().replace('dapr.io/enabled: "true"', 'dapr.io/enabled: "false"'))
    assert validate_wiring(root, tmp_path, 0) == []


def test_chart_values_that_turn_the_dapr_sidecar_on_need_dapr(tmp_path: Path) -> None:
    root = copy_case("argocd-application", tmp_path)
    app = root / "argocd" / "orders.yaml"
    app.write_text((root / "argocd" / "external-secrets.yaml").read_text()
                   .replace("name: external-secrets\n", "name: orders\n", 1)
                   .replace("    targetRevision: 0.10.4\n", "    targetRevision: 0.10.4\n    helm:\n      valuesObject:\n"
                            "        podAnnotations:\n          dapr.io/enabled: \"true\"\n"))
    [got] = validate_wiring(root, tmp_path, 1)
    assert (got["file"], got["line"]) == ("argocd/orders.yaml", 15)
    assert got["json_path"] == 'spec.source.helm.valuesObject.podAnnotations["dapr.io/enabled"]'


def test_an_hpa_reading_only_external_metrics_needs_no_metrics_api(tmp_path: Path) -> None:
    root = copy_case("hpa-eks-helm-release", tmp_path)
    edit(root, "terraform/main.tf", 'chart      = "metrics-server"', 'chart      = "prometheus-adapter"')
    [got] = validate_wiring(root, tmp_path, 1)
    assert "cluster (eks) has none built in" in got["message"] and "metrics-server 3.12.2" in got["hint"]
    edit(root, "k8s/hpa.yaml", "    - type: Resource\n      resource:\n        name: cpu\n",
         "    - type: External\n      external:\n        metric:\n          name: queue_depth\n")
    assert validate_wiring(root, tmp_path, 0) == []


def test_a_documented_flux_bootstrap_and_a_bootstrap_directory_both_count(tmp_path: Path) -> None:
    root = copy_case("flux-helmrelease", tmp_path)
    shutil.rmtree(root / "clusters")
    assert {f["file"] for f in validate_wiring(root, tmp_path, 1)} == {"infrastructure/external-secrets.yaml"}
    found = validate_wiring(root, tmp_path, 1)
    assert all("flux bootstrap git --path=clusters/<env>" in f["hint"] for f in found)
    (root / "docs").mkdir()
    (root / "docs" / "bootstrap.md").write_text("Run `flux bootstrap github --owner=acme --path=clusters/staging`.\n")
    assert validate_wiring(root, tmp_path, 0) == []


def test_files_outside_the_repository_and_special_files_are_not_read(tmp_path: Path) -> None:
    """Hostile input: an install script symlinked outside the repository and a FIFO are not read (a FIFO would
    block), so the objects stay unprovided; nothing of the outside file is printed."""
    outside = tmp_path / "outside.sh"
    outside.write_text("helm upgrade --install external-secrets external-secrets/external-secrets  # CANARY-7f3\n")
    root = copy_case("helm-install-script", tmp_path)
    script = root / "scripts" / "install-platform.sh"
    script.unlink()
    script.symlink_to(outside)
    os.mkfifo(root / "scripts" / "other.sh")
    (root / "README.md").symlink_to(outside)
    got = validate_wiring(root, tmp_path, 1)
    assert [(f["rule"], f["file"]) for f in got] == [(RULE, "k8s/external-secret.yaml")]
    assert "CANARY-7f3" not in (tmp_path / "report.json").read_text()


@pytest.mark.parametrize(("line", "chart"), [
    ("helm install redpanda redpanda/redpanda -n redpanda", "redpanda/redpanda"),
    ("helm upgrade --install argo-cd argo/argo-cd --namespace argocd --version 7.6.12", "argo/argo-cd"),
    ("helm upgrade -i --namespace kube-system metrics-server metrics-server/metrics-server", "metrics-server/metrics-server"),
    ("helm install --generate-name oci://ghcr.io/dapr/dapr", "oci://ghcr.io/dapr/dapr"),
    ("helm upgrade argo-cd argo/argo-cd", None),
    ("helm install -f values.yaml", None),
    ("helm template keda kedacore/keda", None),
])
def test_helm_install_lines_name_their_chart(line: str, chart: str | None) -> None:
    assert helm_install_chart(line) == chart


def test_the_capabilities_table_is_read_once_for_objects_distributions_and_providers() -> None:
    assert capabilities.object_needs("external-secrets.io/ExternalSecret") == ("crd:external-secrets.io/ExternalSecret",)
    assert capabilities.object_needs("helm.toolkit.fluxcd.io/HelmRelease") == ("crd:helm.toolkit.fluxcd.io/HelmRelease",)
    assert capabilities.object_needs("autoscaling/HorizontalPodAutoscaler") == ("metrics-api",)
    assert capabilities.object_needs("example.com/Widget") == ()
    assert capabilities.annotation_needs("dapr.io/enabled") == ("dapr-sidecar-injector",)
    assert "metrics-api" in capabilities.built_in("k3s") and "metrics-api" not in capabilities.built_in("eks")
    assert "crd:kustomize.toolkit.fluxcd.io/Kustomization" in capabilities.bootstrap("flux")
    provider = capabilities.provider("metrics-api")
    assert provider is not None and provider.chart == "metrics-server"
    assert capabilities.provider("crd:argoproj.io/Application").chart == "argo-cd"  # type: ignore[union-attr]
    assert capabilities.provider("crd:source.toolkit.fluxcd.io/GitRepository") is None  # `flux bootstrap`


MALFORMED = {
    "argocd/app.yaml": """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app
spec:
  project: apps
  sources: 5
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: 5
spec: [1, 2]
---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: set
spec:
  template:
    spec:
      source: 3
      sources: [[1], {chart: [dapr]}]
""",
    "k8s/objects.yaml": """apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  metrics: 5
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations: [dapr.io/enabled]
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: x
spec:
  chart: {spec: {chart: [external-secrets]}}
  chartRef: {kind: OCIRepository, name: [1]}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: broken
spec:
  group: [external-secrets.io]
  names: 5
""",
    "kustomization.yaml": "helmCharts: 5\nresources: {a: 1}\n",
    "charts/x/Chart.yaml": "apiVersion: v2\nname: x\nversion: 0.1.0\ndependencies: 5\n",
    "ansible/site.yml": "- hosts: all\n  tasks:\n    - kubernetes.core.helm: [external-secrets]\n",
    "terraform/main.tf": 'resource "helm_release" "x" {\n  chart = ["external-secrets"]\n}\n',
}


def test_malformed_objects_and_files_are_read_as_nothing_installed_never_an_internal_error(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    for name, text in MALFORMED.items():
        edit_file(root / name, text, None)
    got = validate_wiring(root, tmp_path, 1)
    assert {f["rule"] for f in got} == {RULE}
    assert {(f["file"], f["line"]) for f in got} == {("argocd/app.yaml", 2), ("argocd/app.yaml", 10),
                                                      ("argocd/app.yaml", 15), ("k8s/objects.yaml", 18)}
