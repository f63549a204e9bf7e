"""GitOps = Flux rendered: clusters/<env>/ entry points, infrastructure layers and Flux tenants in Flux's own
conventions, every reference resolving inside the repository, validated like the rest."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from testlib import REPO, generate_repo, require_tool
from planforge.decide.data import catalog

FLUX_DIRS = ("clusters", "infrastructure", "tenants")
SOURCE_KINDS = {"GitRepository", "HelmRepository", "OCIRepository"}
EXACT = re.compile(r"\Av?\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?\Z")


@pytest.fixture(scope="module")
def flux(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_repo("aws-eks-flux", tmp_path_factory)


@pytest.fixture(scope="module")
def tenants(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_repo("multi-tenant-flux", tmp_path_factory)


def flux_docs(repo: Path) -> list[tuple[Path, dict]]:
    """Every Flux object of the repository with the file it is in."""
    out = []
    for top in FLUX_DIRS:
        for path in sorted((repo / top).rglob("*.yaml")) if (repo / top).is_dir() else []:
            for doc in yaml.safe_load_all(path.read_text()):
                if doc and "toolkit.fluxcd.io" in doc.get("apiVersion", ""):
                    out.append((path, doc))
    return out


def key(doc: dict) -> tuple[str, str, str]:
    return doc["kind"], doc["metadata"]["name"], doc["metadata"].get("namespace", "")


def test_a_flux_plan_has_no_argocd_directory_and_an_argocd_plan_no_flux_files(flux, tenants, tmp_path_factory):
    argo = generate_repo("aws-eks-argocd", tmp_path_factory)
    for repo in (flux, tenants):
        assert not (repo / "argocd").exists()
        assert (repo / "clusters").is_dir() and (repo / "infrastructure").is_dir()
    assert not [top for top in FLUX_DIRS if (argo / top).exists()]
    texts = [p.read_text() for p in argo.rglob("*.yaml")]
    assert not [t for t in texts if "toolkit.fluxcd.io" in t]


@pytest.mark.parametrize("name", ["flux", "tenants"])
def test_every_kustomization_path_dependency_and_source_resolves_in_the_repository(name, request):
    repo: Path = request.getfixturevalue(name)
    docs = flux_docs(repo)
    sources = {key(d) for _, d in docs if d["kind"] in SOURCE_KINDS}
    kustomizations = [(p, d) for p, d in docs if d["kind"] == "Kustomization"]
    assert kustomizations
    for path, doc in kustomizations:
        spec = doc["spec"]
        assert spec["prune"] is True and spec["interval"] and spec["timeout"]
        # every layer waits for its objects, but the tenants' security group IDs: a tenant not applied yet in
        # Terraform holds back its own SecurityGroupPolicies only (their Kustomization retries the substitution)
        assert spec["wait"] is not doc["metadata"]["name"].endswith("-pod-security-group-ids"), path
        assert spec["path"].startswith("./") and (repo / spec["path"]).is_dir(), (path, spec["path"])
        ref = spec["sourceRef"]
        assert (ref["kind"], ref["name"], ref.get("namespace", doc["metadata"]["namespace"])) in sources, path
        # dependsOn names a Kustomization of the same cluster entry point
        same_cluster = {d["metadata"]["name"] for p, d in kustomizations if p.parent == path.parent}
        controllers = {d["metadata"]["name"] for _, d in kustomizations if d["metadata"]["namespace"] == "flux-system"}
        for dep in spec.get("dependsOn", []):
            # a tenant's Kustomization waits for the platform's (flux-system) layers
            assert dep["name"] in (controllers if dep.get("namespace") == "flux-system" else same_cluster), (path, dep)
    for path, doc in docs:
        if doc["kind"] == "HelmRelease":
            chart = doc["spec"]["chart"]["spec"]
            ref = chart["sourceRef"]
            assert (ref["kind"], ref["name"], ref["namespace"]) in sources, path
            assert EXACT.match(chart["version"])
            assert chart["version"] == catalog().charts[doc["metadata"]["name"]].version


def test_infrastructure_comes_before_the_apps_in_every_environment(flux):
    for env in ("dev", "staging", "prod"):
        docs = {d["metadata"]["name"]: d for p, d in flux_docs(flux) if p.parent == flux / "clusters" / env}
        configs, app = docs["storefront-eks-infra-configs"], docs["storefront-eks-app-orders-api"]
        assert [d["name"] for d in configs["spec"]["dependsOn"]] == ["storefront-eks-infra-controllers"]
        assert app["spec"]["path"] == f"./kubernetes/apps/orders-api/overlays/{env}"
        assert [d["name"] for d in app["spec"]["dependsOn"]] == ["storefront-eks-infra-configs"]
        releases = sorted(p.stem for p in (flux / "infrastructure" / "controllers" / env).glob("*.yaml")
                          if p.name != "kustomization.yaml")
        assert releases == ["cert-manager", "cluster-autoscaler", "external-secrets", "ingress-nginx",
                            "kube-prometheus-stack"]


def test_each_tenant_reconciles_as_its_own_service_account_in_its_own_namespace(tenants):
    docs = flux_docs(tenants)
    tenant_ks = [(p, d) for p, d in docs
                 if d["kind"] == "Kustomization" and d["metadata"]["namespace"] != "flux-system"]
    assert {p.parent.parent.name for p, _ in tenant_ks} == {"acme", "globex", "initech"}
    for path, doc in tenant_ks:
        tenant, env = path.parent.parent.name, path.parent.name
        spec = doc["spec"]
        assert spec["serviceAccountName"] == tenant and spec["targetNamespace"] == f"{tenant}-{env}"
        assert doc["metadata"]["namespace"] == f"{tenant}-{env}"
        # its own source, in its namespace: Flux's --no-cross-namespace-refs lockdown allows no other
        assert doc["spec"]["sourceRef"]["namespace"] == f"{tenant}-{env}"
        [source] = [d for d in yaml.safe_load_all(path.read_text()) if d and d["kind"] == "GitRepository"]
        assert source["metadata"] == {**source["metadata"], "name": doc["spec"]["sourceRef"]["name"],
                                      "namespace": f"{tenant}-{env}"}
        rbac = list(yaml.safe_load_all((path.parent / "rbac.yaml").read_text()))
        kinds = {d["kind"]: d for d in rbac if d}
        assert set(kinds) == {"ServiceAccount", "Role", "RoleBinding"}  # namespaced only, no ClusterRole
        assert {d["metadata"]["namespace"] for d in rbac if d} == {f"{tenant}-{env}"}
        assert kinds["RoleBinding"]["roleRef"]["kind"] == "Role"


def test_a_tenant_role_allows_every_kind_its_apps_deploy(tenants):
    kubectl = require_tool("kubectl")
    for sync in sorted((tenants / "tenants").glob("*/*/sync.yaml")):
        role = next(d for d in yaml.safe_load_all((sync.parent / "rbac.yaml").read_text()) if d and d["kind"] == "Role")
        allowed = {(group, res) for rule in role["rules"] for group in rule["apiGroups"] for res in rule["resources"]}
        for ks in (d for d in yaml.safe_load_all(sync.read_text()) if d and d["kind"] == "Kustomization"):
            built = subprocess.run([kubectl, "kustomize", str(tenants / ks["spec"]["path"])], capture_output=True,
                                   text=True, timeout=120, check=True).stdout
            for doc in (d for d in yaml.safe_load_all(built) if d):
                group = doc["apiVersion"].rpartition("/")[0]
                assert (group, doc["kind"].lower() + "s") in allowed, (sync, doc["kind"])
                assert doc["metadata"].get("namespace") in (None, ks["spec"]["targetNamespace"])


def test_kubectl_kustomize_builds_every_entry_point_layer_tenant_and_overlay(flux, tenants):
    kubectl = require_tool("kubectl")
    dirs = [p.parent for repo in (flux, tenants) for p in repo.rglob("kustomization.yaml")
            if p.relative_to(repo).parts[0] in (*FLUX_DIRS, "kubernetes")]
    assert any(d.parent.name == "clusters" for d in dirs) and any(d.parent.parent.name == "tenants" for d in dirs)
    for d in dirs:
        proc = subprocess.run([kubectl, "kustomize", str(d)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, (d, proc.stderr)


def test_readme_says_how_to_bootstrap_flux_and_the_sync_order(flux):
    text = (flux / "clusters" / "README.md").read_text()
    assert "flux bootstrap git" in text and "--path=clusters/<env>" in text and "FLUX_VERSION=2.3" in text
    assert text.index("-infra-controllers`") < text.index("-infra-configs`") < text.index("-app-<app>`")
    assert "flux bootstrap git" in (flux / "README.md").read_text()


def test_the_reconcile_job_installs_the_plans_flux_not_the_newest(flux):
    workflow = yaml.safe_load((flux / ".github" / "workflows" / "reconcile.yml").read_text())
    assert workflow["env"]["FLUX_VERSION"] == "2.3.0"  # the plan's `Flux 2.3`; `flux install` puts these controllers


@pytest.mark.slow
@pytest.mark.parametrize("plan", ["aws-eks-flux", "multi-tenant-flux"])
def test_generated_flux_repository_validates_strict(plan, tmp_path_factory, tf_mirror):
    repo = generate_repo(plan, tmp_path_factory)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PLANFORGE_TF_PLUGIN_MIRROR": str(tf_mirror)}
    proc = subprocess.run([sys.executable, "-m", "planforge", "validate", ".", "--strict", "--fail-on-skip"], cwd=repo,
                          capture_output=True, text=True, env=env, timeout=1200)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "terraform:" in proc.stdout and "schemas:" in proc.stdout


def test_the_schemas_check_the_flux_objects(flux, tmp_path):
    """A defect in a generated HelmRelease is caught with its file: the Flux files are validated, not skipped."""
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(flux, repo)
    release = repo / "infrastructure" / "controllers" / "prod" / "cert-manager.yaml"
    release.write_text(release.read_text().replace("  releaseName:", "  releaseNmae:"))
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, "-m", "planforge", "validate", ".", "--strict", "--only", "schemas"],
                          cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 1 and "infrastructure/controllers/prod/cert-manager.yaml" in proc.stdout, proc.stdout


@pytest.mark.parametrize("file,old,new", [
    ("clusters/prod/apps.yaml", "path: ./kubernetes/apps/orders-api/overlays/prod",
     "path: ./kubernetes/apps/orders-api/overlays/qa"),
    ("clusters/prod/infrastructure.yaml", "    name: storefront-eks\n", "    name: storefront\n"),
    ("clusters/prod/apps.yaml", "    - name: storefront-eks-infra-configs", "    - name: storefront-eks-infra-config"),
])
def test_a_defect_injected_into_the_generated_flux_files_is_caught_with_the_file(flux, tmp_path, file, old, new):
    """The generated Flux files are what the flux validator reads: a broken path, source or dependency fails."""
    import shutil

    repo = tmp_path / "repo"
    shutil.copytree(flux, repo)
    target = repo / file
    assert old in target.read_text()
    target.write_text(target.read_text().replace(old, new, 1))
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, "-m", "planforge", "validate", ".", "--strict", "--only", "flux"],
                          cwd=repo, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 1 and file in proc.stdout, proc.stdout + proc.stderr
