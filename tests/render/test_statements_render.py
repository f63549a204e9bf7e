"""Explicit statements reach the generated repository (jnroesch, traffic-tacos), which validates --strict."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from render_helpers import run_cli
from testlib import PLANS, REAL_PLANS

from planforge.decide import decide
from planforge.plan import parse_plan
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

JNROESCH = REAL_PLANS / "jnroesch--juggerhub--015-hosting.plan.md"
TRAFFIC_TACOS = REAL_PLANS / "traffic-tacos--deployment-repo--001-argocd-deployment.plan.md"
TICKETING = PLANS / "ticketing-eks.plan.md"


def generate(plan: Path, dest: Path) -> Path:
    render_new(decide(parse_plan(plan)).answers, dest, resolve_template(None, None), init_git=False)
    return dest


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_jnroesch_gets_workspaces_no_key_vault_no_bootstrap_root_no_managed_database(tmp_path: Path, capsys):
    dest = generate(JNROESCH, tmp_path / "jnroesch")
    paths = files(dest)
    assert not any(p.startswith("terraform/") for p in paths)  # its tree's Terraform root is infra/ (plan.md:120)
    assert not any(p.startswith("infra/bootstrap/") for p in paths)
    assert not any(p.startswith(("infra/modules/keyvault/", "infra/modules/database/")) for p in paths)
    assert not any("secret-store" in p or "externalsecret" in p for p in paths)
    # "PostgreSQL 18 in-cluster — StatefulSet ... Azure Disk (managed-csi / managed-csi-premium) PVC"
    assert {"kubernetes/database/kustomization.yaml", "kubernetes/database/namespace.yaml",
            "kubernetes/database/database.yaml"} <= paths
    for env, disk in (("dev", "managed-csi"), ("prod", "managed-csi-premium")):
        [database] = [o for o in built(dest / "kubernetes/overlays" / env) if o["kind"] == "StatefulSet"]
        assert database["spec"]["template"]["spec"]["containers"][0]["image"] == "postgres:18"
        assert database["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] == disk
    # "Terraform workspaces + one <env>.tfvars each": one root, no per-environment directories
    assert {"infra/live/envs/dev.tfvars", "infra/live/envs/prod.tfvars", "infra/live/workspace.tf"} <= paths
    assert not any(p.startswith("infra/environments/") for p in paths)
    assert "terraform workspace select" in (dest / "infra/README.md").read_text()
    main = (dest / "infra/live/main.tf").read_text()
    assert 'module "keyvault"' not in main and 'module "database"' not in main and 'module "aks"' in main
    readme = (dest / "README.md").read_text()
    assert "| `infra/bootstrap/`" not in readme and "secrets_manager**: kubernetes" in readme
    assert "plan.md:121: infra/bootstrap/ — planforge generates no such directory" in readme
    assert "created outside Terraform" in (dest / "infra/README.md").read_text()
    # the components it installs (ingress-nginx, cert-manager) are rendered although no GitOps tool deploys them: an
    # install script of their pinned charts and their values, nothing a Kustomize build would have to download
    for component in ("ingress-nginx", "cert-manager"):
        assert {f"kubernetes/components/{component}/dev/values.yaml",
                f"kubernetes/components/{component}/prod/values.yaml"} <= paths
    assert not any(p.startswith("kubernetes/components/") and p.endswith("kustomization.yaml") for p in paths)
    install = (dest / "kubernetes/components/install.sh").read_text()
    assert "helm upgrade --install ingress-nginx ingress-nginx --repo https://kubernetes.github.io/ingress-nginx" in install
    # system/user node pools, the API restricted to authorized ranges (to fill in), a static public IP per environment
    call = main[main.index('module "aks"'):]
    call = call[:call.index("\n}")]
    for argument in ("system_node_pool     = true", "api_public           = true",
                     "api_authorized_cidrs = var.api_authorized_cidrs", "static_ingress_ip    = true"):
        assert argument in call, argument
    variables = (dest / "infra/live/variables.tf").read_text()
    cidrs = variables[variables.index('variable "api_authorized_cidrs"'):]
    assert "default     = null" in cidrs[:cidrs.index("\n}")] and "validation {" in cidrs
    assert "TF_VAR_api_authorized_cidrs" in (dest / "infra/README.md").read_text()
    assert 'output "ingress_ip"' in (dest / "infra/live/outputs.tf").read_text()
    aks = (dest / "infra/modules/aks/main.tf").read_text()
    assert 'resource "azurerm_kubernetes_cluster_node_pool" "user"' in aks and 'resource "azurerm_public_ip" "ingress"' in aks
    for env in ("dev", "prod"):
        values = (dest / f"kubernetes/components/ingress-nginx/{env}/values.yaml").read_text()
        assert f"service.beta.kubernetes.io/azure-pip-name: pip-hosting-{env}-ingress" in values
    if shutil.which("terraform"):
        fmt = subprocess.run(["terraform", "fmt", "-check", "-recursive", "infra"], cwd=dest,
                             capture_output=True, text=True)
        assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    code, out, err = run_cli("validate", str(dest), "--strict", capsys=capsys)
    assert code == 0, out + err
    # the generated CI's command: nothing of the Kubernetes side is skipped (its Terraform needs azurerm, which
    # the generated CI's `terraform init` downloads; not available to every machine running this test)
    code, out, err = run_cli("validate", str(dest), "--strict", "--fail-on-skip", "--only",
                             "kustomize,schemas,policy,wiring", capsys=capsys)
    assert code == 0 and "0 skipped" in out, out + err


def test_traffic_tacos_installs_argo_cd_and_invents_no_application(tmp_path: Path, capsys):
    dest = generate(TRAFFIC_TACOS, tmp_path / "traffic-tacos")
    paths = files(dest)
    # its tree puts Argo CD under manifests/argocd/ (plan.md:79)
    assert {"manifests/argocd/applications/dev/argo-cd.yaml", "manifests/argocd/applications/dev/cert-manager.yaml"} <= paths
    assert not any(p.startswith(("charts/", "helm-charts/")) for p in paths)
    assert not any("ghcr.io/argocd-deployment" in (dest / p).read_text(errors="replace") for p in paths)
    code, out, err = run_cli("validate", str(dest), "--strict", capsys=capsys)
    assert code == 0, out + err


@pytest.mark.parametrize("plan", [JNROESCH], ids=["jnroesch"])
def test_a_plan_without_the_statements_keeps_the_defaults(plan: Path, tmp_path: Path):
    """The same plan without its statements gets the bootstrap root and Key Vault module back: the
    statements, not the plan's cloud, removed them."""
    text = plan.read_text(encoding="utf-8")
    for words in ("managed outside\nTerraform", "run outside Terraform", "— no Key Vault", "; no Key Vault (FR-018)",
                  "Deployed **secrets/config come from GitHub Environments** into Kubernetes\nSecrets/ConfigMaps",
                  "Terraform never manages its own backend"):
        assert words in text, words
        text = text.replace(words, "")
    bare = tmp_path / "bare.plan.md"
    bare.write_text(text, encoding="utf-8")
    paths = files(generate(bare, tmp_path / "bare"))
    assert any(p.startswith("infra/bootstrap/") for p in paths)
    assert any(p.startswith("infra/modules/keyvault/") for p in paths)


def built(overlay: Path) -> list[dict]:
    """The objects `kubectl kustomize` builds from an overlay."""
    out = subprocess.run(["kubectl", "kustomize", str(overlay)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return [o for o in yaml.safe_load_all(out.stdout) if o]


@pytest.mark.skipif(not shutil.which("kubectl"), reason="kubectl builds the overlays")
def test_an_in_cluster_database_is_a_restricted_statefulset_the_apps_alone_reach(tmp_path: Path, capsys):
    text = TICKETING.read_text(encoding="utf-8")
    assert "backups kept 35 days, PostgreSQL 16\n" in text
    plan = tmp_path / "ticketing.plan.md"
    plan.write_text(text.replace("PostgreSQL 16\n", "PostgreSQL 16 in-cluster (StatefulSet + PVC), 30 GB storage\n"),
                    encoding="utf-8")
    dest = generate(plan, tmp_path / "ticketing")
    paths = files(dest)
    assert not any(p.startswith(("terraform/modules/rds/", "terraform/modules/database/")) for p in paths)
    for env in ("dev", "prod"):
        objects = {(o["kind"], o["metadata"]["name"]): o for o in built(dest / "kubernetes/overlays" / env)}
        database = objects["StatefulSet", "postgres"]
        pod = database["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert database["metadata"]["namespace"] == "database" and database["spec"]["replicas"] == 1
        assert container["image"] == "postgres:16"
        assert pod["securityContext"]["runAsUser"] == 999 and pod["securityContext"]["fsGroup"] == 999
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/var/run/postgresql", "/tmp"}
        assert container["readinessProbe"]["exec"]["command"][0] == "pg_isready"
        [secret] = {e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e}
        assert secret.endswith("-database")
        assert not any("PASSWORD" in e["name"] and "value" in e for e in container["env"])
        claim = database["spec"]["volumeClaimTemplates"][0]["spec"]
        assert claim["storageClassName"] == "gp3-retain" and claim["resources"]["requests"]["storage"] == "30Gi"
        assert objects["Service", "postgres"]["spec"]["type"] == "ClusterIP"
        assert objects["Service", "postgres-headless"]["spec"]["clusterIP"] == "None"
        assert not any(o["kind"] == "PodDisruptionBudget" for o in objects.values())
        policy = objects["NetworkPolicy", "postgres-allow-apps"]["spec"]
        sources = {p["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for p in policy["ingress"][0]["from"]}
        assert sources == {"ticketing-api", "web-frontend"}
        assert policy["ingress"][0]["ports"] == [{"port": 5432, "protocol": "TCP"}]
        # EKS creates no gp3 class, no default class and no EBS driver: the repository brings them (the database's
        # class keeps its volumes; wiring/storageclass-missing), and the platform project may sync them
        assert objects["StorageClass", "gp3-retain"]["reclaimPolicy"] == "Retain"
        default = objects["StorageClass", "gp3"]
        assert default["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
        assert {c["provisioner"] for (kind, _n), c in objects.items() if kind == "StorageClass"} == {"ebs.csi.aws.com"}
    assert 'addon_name   = "aws-ebs-csi-driver"' in (dest / "terraform/modules/eks/main.tf").read_text()
    platform = yaml.safe_load((dest / "argocd/projects/platform.yaml").read_text())
    assert {"group": "storage.k8s.io", "kind": "StorageClass"} in platform["spec"]["clusterResourceWhitelist"]
    [app] = [o for o in built(dest / "kubernetes/apps/ticketing-api/overlays/prod") if o["kind"] == "Deployment"]
    env = {e["name"]: e.get("value") for e in app["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DATABASE_HOST"] == "postgres.database.svc.cluster.local" and env["DATABASE_PORT"] == "5432"
    code, out, err = run_cli("validate", str(dest), "--strict", capsys=capsys)
    assert code == 0, out + err


def test_an_upstream_chart_is_an_argocd_application_of_that_chart_and_no_chart_is_invented(tmp_path: Path, capsys):
    dest = generate(PLANS / "authentik-upstream.plan.md", tmp_path / "authentik")
    paths = files(dest)
    assert not any(p.startswith("charts/") for p in paths)
    [app] = list(yaml.safe_load_all((dest / "argocd/applications/dev/authentik.yaml").read_text()))
    assert app["spec"]["source"] == {"repoURL": "https://charts.goauthentik.io", "chart": "authentik",
                                     "targetRevision": "2024.8.3",
                                     "helm": {"releaseName": "authentik", "valuesObject": {}}}
    assert app["spec"]["destination"]["namespace"] == "authentik"
    platform = yaml.safe_load((dest / "argocd/projects/platform.yaml").read_text())
    assert "https://charts.goauthentik.io" in platform["spec"]["sourceRepos"]
    readme = (dest / "README.md").read_text()
    assert "charts/" not in readme and "helm install" not in readme
    expected = yaml.safe_load((dest / "validation/post-deploy/expected.yaml").read_text())
    assert expected["environments"]["dev"]["namespaces"] == ["argocd", "cert-manager", "authentik"]
    code, out, err = run_cli("validate", str(dest), "--strict", "--fail-on-skip", capsys=capsys)
    assert code == 0, out + err


def test_a_chart_plan_without_helm_tests_gets_no_test_hook_and_its_services_images(tmp_path: Path, capsys):
    dest = generate(PLANS / "todo-chart.plan.md", tmp_path / "todo")
    paths = files(dest)
    # the chart sits where the plan's tree puts it (plan.md:20 `helm/todo/`)
    assert not any(p.startswith("charts/") for p in paths)
    assert not any("/templates/tests/" in p for p in paths) and "helm/todo/templates/deployment.yaml" in paths
    values = yaml.safe_load((dest / "helm/todo/values.yaml").read_text())
    assert "tests" not in values
    assert [s["image"]["repository"] for s in values["services"].values()] == [
        "ghcr.io/acme/todo-backend", "ghcr.io/acme/todo-frontend"]
    code, out, err = run_cli("validate", str(dest), "--strict", "--fail-on-skip", capsys=capsys)
    assert code == 0, out + err


def test_a_chart_plan_naming_two_workloads_with_tagged_images_gets_both_with_their_tags(tmp_path: Path, capsys):
    dest = generate(PLANS / "shop-chart.plan.md", tmp_path / "shop")
    values = yaml.safe_load((dest / "helm/shop/values.yaml").read_text())
    assert {name: (s["image"]["repository"], s["image"]["tag"]) for name, s in values["services"].items()} == {
        "backend": ("ghcr.io/acme/shop-backend", "1.4.0"), "frontend": ("ghcr.io/acme/shop-frontend", "1.4.0")}
    assert 'appVersion: "1.4.0"' in (dest / "helm/shop/Chart.yaml").read_text()
    code, out, err = run_cli("validate", str(dest), "--strict", "--fail-on-skip", capsys=capsys)
    assert code == 0, out + err
