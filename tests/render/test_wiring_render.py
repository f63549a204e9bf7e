"""Generated repositories are wired across their layers: every repository generated from the shared and real
fixture plans passes `planforge validate --only wiring` with no finding, the Kubernetes/GitOps side of each
wiring break of issue 11 (External Secrets' cloud identity, undefined Secrets and issuers, CRD order, AppProject
privilege, unpinned production, the event-driven stack) stays fixed, and each of the eight breaks, injected back
into a generated repository, is caught (exit 1, its rule id, the file named)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from testlib import (PLANS, TEST_REPO_URL, deciding_plans, injected, line_of, per_plan, plan_group, rendered_plan,
                     validate_wiring)

from planforge.cli import main
from planforge.decide import decide
from planforge.plan import parse_plan
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

REPO_URL = TEST_REPO_URL


def shared(plan: Path, factory: pytest.TempPathFactory) -> Path:
    """The plan rendered with REPO_URL once per worker and read by every test of the plan: never changed."""
    return rendered_plan(plan, factory, REPO_URL)


def wiring_findings(root: Path, report: Path) -> list[dict]:
    main(["validate", str(root), "--only", "wiring", "--format", "json", "-o", str(report)])
    return [f for c in json.loads(report.read_text())["checks"] for f in c["findings"]]


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


@pytest.mark.parametrize("plan", per_plan(deciding_plans(), id_width=48))
def test_every_generated_repository_is_wired(plan: Path, tmp_path: Path,
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    root = shared(plan, tmp_path_factory)
    found = wiring_findings(root, tmp_path / "report.json")
    assert found == [], "\n".join(f"{f['file']}:{f.get('line')}: {f['rule']}: {f['message']}" for f in found)


EKS_ARGOCD_GROUP = plan_group(PLANS / "aws-eks-argocd.plan.md")  # the worker that renders it for the test above


@pytest.fixture(scope="module")
def eks_argocd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared(PLANS / "aws-eks-argocd.plan.md", tmp_path_factory)


@EKS_ARGOCD_GROUP
def test_external_secrets_gets_its_role_through_eks_pod_identity(eks_argocd: Path) -> None:
    module = (eks_argocd / "terraform/modules/eks/main.tf").read_text()
    assert 'resource "aws_eks_pod_identity_association" "external_secrets"' in module
    assert 'namespace       = "external-secrets"' in module and 'service_account = "external-secrets"' in module
    # each environment's identity reads that environment's keys only
    for env in ("dev", "staging", "prod"):
        main = (eks_argocd / f"terraform/environments/{env}/main.tf").read_text()
        assert 'external_secrets_names = ["storefront-eks/${var.environment}/*"]' in main
        assert f'environment = "{env}"' in (eks_argocd / f"terraform/environments/{env}/terraform.tfvars").read_text()
    store = documents(eks_argocd / "kubernetes/base/cluster-secret-store.yaml")[0]
    assert "auth" not in store["spec"]["provider"]["aws"]  # Pod Identity: the controller's own credentials


@EKS_ARGOCD_GROUP
def test_cluster_autoscaler_resizes_each_environments_own_cluster(eks_argocd: Path) -> None:
    """Nothing in EKS resizes a managed node group: each environment's Argo CD installs Cluster Autoscaler, which finds
    that environment's cluster (the name Terraform gives it) in its region, as the role its root creates."""
    for env in ("dev", "staging", "prod"):
        main = (eks_argocd / f"terraform/environments/{env}/main.tf").read_text()
        assert re.search(r"\n  cluster_autoscaler +\= true\n", main)
        assert 'name        = "${var.project}-${var.environment}"' in main
        [app] = documents(eks_argocd / f"argocd/applications/{env}/cluster-autoscaler.yaml")
        values = app["spec"]["source"]["helm"]["valuesObject"]
        assert values["autoDiscovery"]["clusterName"] == f"storefront-eks-{env}"
        assert (values["awsRegion"], values["image"]["tag"]) == ("us-east-1", "v1.29.0")  # the cluster's minor
        assert values["rbac"]["serviceAccount"]["name"] == "cluster-autoscaler"
        assert app["spec"]["destination"]["namespace"] == "kube-system"
    module = (eks_argocd / "terraform/modules/eks/main.tf").read_text()
    assert 'namespace       = "kube-system"' in module and 'service_account = "cluster-autoscaler"' in module


@EKS_ARGOCD_GROUP
def test_argo_cds_own_application_never_deletes_argo_cd(eks_argocd: Path) -> None:
    """Deleting or pruning the Application that deploys Argo CD must not cascade into Argo CD's own controller: it
    has no resources finalizer, and its parent neither prunes nor deletes it. Every other Application cleans up."""
    for env in ("dev", "staging", "prod"):
        [own] = documents(eks_argocd / f"argocd/applications/{env}/argo-cd.yaml")
        assert "finalizers" not in own["metadata"]
        assert own["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] == "Prune=false,Delete=false"
        [other] = documents(eks_argocd / f"argocd/applications/{env}/cert-manager.yaml")
        assert other["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
        assert "argocd.argoproj.io/sync-options" not in other["metadata"]["annotations"]


@EKS_ARGOCD_GROUP
def test_bootstrap_runs_in_its_own_project(eks_argocd: Path) -> None:
    project, app = documents(eks_argocd / "argocd/bootstrap/prod.yaml")
    assert project["kind"] == "AppProject" and app["spec"]["project"] == project["metadata"]["name"]
    assert [d["namespace"] for d in project["spec"]["destinations"]] == ["argocd"]
    assert {e["kind"] for e in project["spec"]["namespaceResourceWhitelist"]} == {"Application", "AppProject"}
    assert project["spec"]["clusterResourceWhitelist"] == []


@EKS_ARGOCD_GROUP
def test_production_pins_a_release_tag_and_other_environments_follow_head(eks_argocd: Path) -> None:
    apps = eks_argocd / "argocd/applications"
    for path in [apps / "prod.yaml", *sorted((apps / "prod").glob("*.yaml"))]:
        for source in [d["spec"]["source"] for d in documents(path)]:
            if "chart" not in source:
                assert source["targetRevision"] == "v0.1.0", path
    assert documents(apps / "dev/orders-api.yaml")[0]["spec"]["source"]["targetRevision"] == "HEAD"
    assert "git tag v0.1.0" in (eks_argocd / "README.md").read_text()


@EKS_ARGOCD_GROUP
def test_production_bootstrap_follows_the_default_branch_so_promotion_needs_no_hand_apply(
        eks_argocd: Path, tmp_path: Path) -> None:
    """The bootstrap syncs itself, the AppProjects and the app-of-apps from the default branch: changing the tag there
    promotes production. Its project may create Argo CD objects only, so wiring/unpinned-production does not hold
    its revision against it; once that project may create a workload, it does."""
    project, bootstrap = documents(eks_argocd / "argocd/bootstrap/prod.yaml")
    source = bootstrap["spec"]["source"]
    assert source["targetRevision"] == "HEAD"
    assert source["directory"]["include"] == "{bootstrap/prod.yaml,projects/*.yaml,applications/prod.yaml}"
    assert documents(eks_argocd / "argocd/applications/prod.yaml")[0]["spec"]["source"]["targetRevision"] == "v0.1.0"
    assert "with nothing to apply by hand" in (eks_argocd / "README.md").read_text()
    # a private repository: the read credential each Argo CD needs before the bootstrap is documented
    assert "argocd repo add <that URL>" in (eks_argocd / "argocd/README.md").read_text()
    root = tmp_path / "repo"
    shutil.copytree(eks_argocd, root)
    assert [f for f in wiring_findings(root, tmp_path / "r.json") if f["rule"] == "wiring/unpinned-production"] == []
    path = root / "argocd/bootstrap/prod.yaml"
    path.write_text(path.read_text().replace("    - group: argoproj.io\n      kind: AppProject\n",
                                             "    - group: argoproj.io\n      kind: AppProject\n    - group: apps\n"
                                             "      kind: Deployment\n"))
    [found] = [f for f in wiring_findings(root, tmp_path / "r.json") if f["rule"] == "wiring/unpinned-production"]
    assert found["file"] == "argocd/bootstrap/prod.yaml" and "follows 'HEAD'" in found["message"]


@EKS_ARGOCD_GROUP
def test_custom_resources_sync_after_the_charts_that_install_their_crds(eks_argocd: Path) -> None:
    def wave(name: str) -> int:
        return int(documents(eks_argocd / f"argocd/applications/dev/{name}.yaml")[0]["metadata"]["annotations"]
                   ["argocd.argoproj.io/sync-wave"])
    assert wave("external-secrets") < wave("platform") < wave("orders-api")
    assert wave("cert-manager") < wave("platform")


@EKS_ARGOCD_GROUP
def test_cert_manager_gets_a_lets_encrypt_cluster_issuer(eks_argocd: Path) -> None:
    issuer = documents(eks_argocd / "kubernetes/base/cluster-issuer.yaml")[0]
    assert issuer["kind"] == "ClusterIssuer" and "letsencrypt.org" in issuer["spec"]["acme"]["server"]
    assert "cluster-issuer.yaml" in (eks_argocd / "kubernetes/base/kustomization.yaml").read_text()


@EKS_ARGOCD_GROUP
def test_grafana_admin_is_documented_as_created_out_of_band(eks_argocd: Path) -> None:
    assert "`grafana-admin` is created out of band" in (eks_argocd / "README.md").read_text()


@plan_group(PLANS / "event-driven-dapr.plan.md")
def test_the_event_driven_stack_connects(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = shared(PLANS / "event-driven-dapr.plan.md", tmp_path_factory)
    apps = root / "argocd/applications/prod"
    values = documents(apps / "redpanda.yaml")[0]["spec"]["source"]["helm"]["valuesObject"]
    assert values["auth"]["sasl"]["enabled"] is True  # the Dapr pub/sub authenticates with SCRAM
    # over plaintext listeners: Dapr would verify Redpanda's own-CA certificate against the system's CAs
    assert values["tls"]["enabled"] is False
    # Redpanda creates no topic on first use by default, and Dapr creates none: the pub/sub's first publish would fail
    assert values["config"]["cluster"]["auto_create_topics_enabled"] is True
    pubsub = {m["name"]: m.get("value") for m in documents(root / "dapr/pubsub.yaml")[0]["spec"]["metadata"]}
    assert (pubsub["authType"], pubsub["disableTls"]) == ("password", "true")
    assert (apps / "kube-prometheus-stack.yaml").is_file()  # monitoring: yes is generated
    project = documents(root / "argocd/projects/cloud-event-driven.yaml")[0]
    assert "argocd" not in [d["namespace"] for d in project["spec"]["destinations"]]


def test_a_multi_tenant_shared_cluster_outputs_the_identity_external_secrets_uses(tmp_path: Path) -> None:
    answers = decide(parse_plan(PLANS / "multi-tenant-saas.plan.md")).answers.model_copy(
        update={"repo_url": REPO_URL, "secrets_manager": "aws-secrets-manager"})
    root = tmp_path / "repo"
    render_new(answers, root, resolve_template(None, None), init_git=False)
    cluster = root / "terraform/shared/cluster"
    names = f'["{answers.project_name}/${{var.environment}}/*", ' + ", ".join(
        f'"{answers.project_name}/{t}/${{var.environment}}/*"' for t in answers.tenants) + "]"
    assert f"external_secrets_names = {names}" in (cluster / "main.tf").read_text()
    outputs = (cluster / "outputs.tf").read_text()
    assert 'output "external_secrets_role_arn" {' in outputs and "module.eks.external_secrets_role_arn" in outputs
    assert wiring_findings(root, tmp_path / "report.json") == []
    # each environment's cluster record reads every environment's pod security group IDs: a grant of its own
    # environment's parameters only leaves the record unwritten
    main_tf = cluster / "main.tf"
    main_tf.write_text(main_tf.read_text().replace('"/${var.project}/*/pod-security-groups"',
                                                   '"/${var.project}/${var.environment}/pod-security-groups"'))
    found = {(f["rule"], f["file"]) for f in wiring_findings(root, tmp_path / "report.json")}
    assert found == {("wiring/secret-not-granted", "kubernetes/cluster-config/pod-security-groups.yaml")}


@plan_group(PLANS / "phase5-doks.plan.md")
def test_a_pub_sub_without_a_deployed_broker_points_at_a_placeholder_endpoint(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    root = shared(PLANS / "phase5-doks.plan.md", tmp_path_factory)
    pubsub = documents(root / "dapr/pubsub.yaml")[0]
    brokers = next(m["value"] for m in pubsub["spec"]["metadata"] if m["name"] == "brokers")
    assert brokers == "kafka.example.invalid:9092"


# --------------------------------------------------------------------------- the eight breaks (and issue 25's), injected back
COMPUTE_DATABASE_EGRESS = re.compile(r'(?ms)^resource "aws_vpc_security_group_egress_rule" "database" \{.*?^\}\n')
NODE_GROUP_TEMPLATE = ("  launch_template {\n    id      = aws_launch_template.nodes.id\n"
                       "    version = aws_launch_template.nodes.latest_version\n  }\n")
# (case, plan, file, old text (a str, or a pattern removed), new text (None: the file is deleted), rule, file named)
BREAKS = [
    ("1-vpc-cni-without-network-policy", "aws-eks-argocd", "terraform/modules/eks/main.tf",
     'enableNetworkPolicy = "true"', 'enableNetworkPolicy = "false"', "wiring/netpol-not-enforced",
     "terraform/modules/eks/main.tf"),
    ("2-tenant-database-admits-the-cluster-group", "multi-tenant-saas", "terraform/tenants/acme/main.tf",
     "allowed_security_group_ids = [aws_security_group.pods.id]",
     "allowed_security_group_ids = [local.cluster_security_group_id]", "wiring/tenant-database-isolation",
     "terraform/tenants/acme/main.tf"),
    ("3-compute-egress-https-only", "aws-single-iac", "terraform/modules/compute/main.tf", COMPUTE_DATABASE_EGRESS, "",
     "wiring/database-egress", "terraform/modules/compute/main.tf"),
    ("4-external-secrets-without-a-role", "aws-eks-argocd", "terraform/modules/eks/main.tf",
     'service_account = "external-secrets"', 'service_account = "eso"', "wiring/identity-missing",
     "kubernetes/base/cluster-secret-store.yaml"),
    ("4-grafana-admin-never-created", "aws-eks-argocd", "README.md", "`grafana-admin` is created out of band",
     "`grafana-admin` is used", "wiring/undefined-secret", "argocd/applications/dev/kube-prometheus-stack.yaml"),
    ("5-backend-without-kms-key", "aws-eks-argocd", "terraform/environments/prod/backend.tf",
     '    kms_key_id     = "alias/storefront-eks-tfstate"\n', "", "wiring/state-kms-key",
     "terraform/environments/prod/backend.tf"),
    ("5-root-without-lock-file", "aws-eks-argocd", "terraform/environments/prod/.terraform.lock.hcl", "", None,
     "wiring/lock-file", "terraform/environments/prod/.terraform.lock.hcl"),
    ("6-custom-resources-in-the-charts-wave", "aws-eks-argocd", "argocd/applications/dev/platform.yaml",
     'sync-wave: "1"', 'sync-wave: "0"', "wiring/crd-order", "argocd/applications/dev/platform.yaml"),
    ("6-app-project-deploys-into-argocd", "aws-eks-argocd", "argocd/projects/apps.yaml",
     "      namespace: web-frontend\n",
     "      namespace: web-frontend\n    - server: https://kubernetes.default.svc\n      namespace: argocd\n",
     "wiring/appproject-privilege", "argocd/projects/apps.yaml"),
    ("6-production-tracks-head", "aws-eks-argocd", "argocd/applications/prod/orders-api.yaml",
     "targetRevision: v0.1.0", "targetRevision: HEAD", "wiring/unpinned-production",
     "argocd/applications/prod/orders-api.yaml"),
    ("7-redpanda-without-sasl", "event-driven-dapr", "argocd/applications/prod/redpanda.yaml",
     "            enabled: true\n            mechanism: SCRAM-SHA-256", "            enabled: false\n"
     "            mechanism: SCRAM-SHA-256", "wiring/broker-auth", "dapr/pubsub.yaml"),
    ("dapr-sasl-mechanism-read-as-plain", "event-driven-dapr", "dapr/pubsub.yaml", "value: SHA-256",
     "value: SCRAM-SHA-256", "wiring/broker-auth", "dapr/pubsub.yaml"),
    ("8-node-group-without-launch-template", "aws-eks-argocd", "terraform/modules/eks/main.tf", NODE_GROUP_TEMPLATE, "",
     "wiring/node-metadata", "terraform/modules/eks/main.tf"),
    ("kubernetes-end-of-life", "aws-eks-argocd", "terraform/environments/dev/variables.tf", 'default     = "1.29"',
     'default     = "1.23"', "wiring/kubernetes-end-of-life", "terraform/environments/dev/variables.tf"),
    ("duplicate-application", "aws-eks-argocd", "argocd/applications/dev/web-frontend.yaml", "name: web-frontend-dev",
     "name: orders-api-dev", "wiring/duplicate-gitops-object", "argocd/applications/dev/web-frontend.yaml"),
    ("duplicate-kustomization", "aws-eks-flux", "clusters/dev/apps.yaml", "name: storefront-eks-app-web-frontend",
     "name: storefront-eks-app-orders-api", "wiring/duplicate-gitops-object", "clusters/dev/apps.yaml"),
    ("placeholder-image", "aws-eks-argocd", "kubernetes/apps/orders-api/base/deployment.yaml",
     "image: ghcr.io/storefront-eks/orders-api:0.1.0", "image: ghcr.io/CHANGE-ME/orders-api:0.1.0",
     "wiring/placeholder-reference", "kubernetes/apps/orders-api/base/deployment.yaml"),
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The plans the breaks go into: the worker's shared render of each (the tests copy before changing one), not a
    second render."""
    return {name: shared(PLANS / f"{name}.plan.md", tmp_path_factory) for name in sorted({b[1] for b in BREAKS})}


@pytest.mark.parametrize(("case", "plan", "file", "old", "new", "rule", "named"), BREAKS, ids=[b[0] for b in BREAKS])
def test_each_break_injected_into_a_generated_repository_is_caught(
        generated: dict[str, Path], tmp_path: Path, case: str, plan: str, file: str, old: str | re.Pattern[str],
        new: str | None, rule: str, named: str) -> None:
    root = tmp_path / plan
    shutil.copytree(generated[plan], root)
    target = root / file
    if new is None:
        target.unlink()
    else:
        text = target.read_text()
        broken = old.sub(new, text, count=1) if isinstance(old, re.Pattern) else text.replace(old, new, 1)
        assert broken != text, f"{case}: {file} no longer holds {old!r}"
        target.write_text(broken)
    report = tmp_path / "report.json"
    assert main(["validate", str(root), "--only", "wiring", "--format", "json", "-o", str(report)]) == 1
    found = [f for c in json.loads(report.read_text())["checks"] for f in c["findings"]]
    assert {f["rule"] for f in found} == {rule} and named in {f["file"] for f in found}
    assert all(f["hint"] and f["severity"] == "error" for f in found)


def test_one_consumer_group_for_every_app_is_caught_with_strict(generated: dict[str, Path], tmp_path: Path) -> None:
    """The generated pub/sub gives each app its group; one group for all (an edit) splits a topic between apps."""
    root = tmp_path / "event-driven-dapr"
    shutil.copytree(generated["event-driven-dapr"], root)
    pubsub = root / "dapr/pubsub.yaml"
    text = pubsub.read_text()
    assert 'value: "cloud-event-driven-{appID}"' in text
    pubsub.write_text(text.replace('value: "cloud-event-driven-{appID}"', "value: cloud-event-driven"))
    report = tmp_path / "report.json"
    assert main(["validate", str(root), "--only", "wiring", "--strict", "--format", "json", "-o", str(report)]) == 1
    found = [f for c in json.loads(report.read_text())["checks"] for f in c["findings"]]
    assert [(f["rule"], f["file"]) for f in found] == [("wiring/shared-consumer-group", "dapr/pubsub.yaml")]
    assert "{appID}" in found[0]["hint"]


def test_each_tenant_namespace_gives_its_pods_the_tenants_security_group(generated: dict[str, Path]) -> None:
    root = generated["multi-tenant-saas"]
    tenant = root / "kubernetes/tenants/acme"
    policies = documents(tenant / "security-groups/policies.yaml")
    assert [(d["kind"], d["metadata"]["namespace"], d["spec"]["podSelector"]) for d in policies] == [
        ("SecurityGroupPolicy", "acme-staging", {}), ("SecurityGroupPolicy", "acme-prod", {})]
    assert {g for d in policies for g in d["spec"]["securityGroups"]["groupIds"]} == {"${tenant_pod_security_group_id}"}
    assert "policies.yaml" in (tenant / "security-groups/kustomization.yaml").read_text()
    assert "security-group" not in (tenant / "kustomization.yaml").read_text()  # applied once the ID exists
    project = documents(root / "argocd/projects/acme.yaml")[0]
    assert {"group": "vpcresources.k8s.aws", "kind": "SecurityGroupPolicy"} in project["spec"]["namespaceResourceBlacklist"]


def _parameter_name(root: Path) -> str:
    """The SSM parameter a tenant root writes its pod security group ID to, for tenant acme in staging."""
    main = (root / "terraform/tenants/acme/main.tf").read_text()
    block = re.search(r'(?ms)^resource "aws_ssm_parameter" "pod_security_group_id" \{.*?^\}', main)
    assert block and "value       = aws_security_group.pods.id" in block.group(0)
    name = re.search(r'name += "(.*)"', block.group(0))
    assert name
    return (name.group(1).replace("${var.project}", "tenant-isolation").replace("${var.environment}", "staging")
            .replace("${var.tenant}", "acme"))


def _parameter_path_readable(root: Path, environments: str) -> None:
    """The shared cluster stack lets External Secrets read the tenants' parameters (the eks module's identity) of
    `environments` (a path segment)."""
    cluster = (root / "terraform/shared/cluster/main.tf").read_text()
    assert f'external_secrets_parameter_path = "/${{var.project}}/{environments}/pod-security-groups"' in cluster
    identity = (root / "terraform/modules/eks/main.tf").read_text()
    assert "parameter${var.external_secrets_parameter_path}/*" in identity


def test_argocd_patches_each_tenants_security_group_id_in_without_a_hand_edit(generated: dict[str, Path]) -> None:
    root = generated["multi-tenant-saas"]
    parameter = _parameter_name(root)
    assert parameter == "/tenant-isolation/staging/pod-security-groups/acme"
    _parameter_path_readable(root, "*")  # each cluster's record reads every environment's IDs
    store, external = documents(root / "kubernetes/cluster-config/pod-security-groups.yaml")
    assert store["kind"] == "ClusterSecretStore" and store["spec"]["provider"]["aws"]["service"] == "ParameterStore"
    assert "pod-security-groups.yaml" in (root / "kubernetes/cluster-config/kustomization.yaml").read_text()
    assert external["spec"]["secretStoreRef"]["name"] == store["metadata"]["name"]
    keys = {d["remoteRef"]["key"]: d["secretKey"] for d in external["spec"]["data"]}
    template = external["spec"]["target"]["template"]
    labels = template["metadata"]["labels"]
    assert labels["argocd.argoproj.io/secret-type"] == "cluster"
    assert template["data"]["server"] == "https://kubernetes.default.svc"
    assert template["templateFrom"][0]["target"] == "Annotations"
    annotations = yaml.safe_load(template["templateFrom"][0]["literal"])
    assert annotations["acme-staging"] == "{{ ." + keys[parameter] + " }}"
    app, appset = documents(root / "argocd/applications/platform/tenant-acme.yaml")
    assert app["kind"] == "Application" and appset["kind"] == "ApplicationSet"
    assert int(appset["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) > int(
        app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])  # after the cluster configuration
    selector = appset["spec"]["generators"][0]["clusters"]["selector"]["matchLabels"]
    assert selector.items() <= labels.items()
    spec = appset["spec"]["template"]["spec"]
    assert spec["source"]["path"] == "kubernetes/tenants/acme/security-groups"
    patches = {p["target"]["namespace"]: yaml.safe_load(p["patch"])[0] for p in spec["source"]["kustomize"]["patches"]}
    assert patches["acme-staging"] == {"op": "replace", "path": "/spec/securityGroups/groupIds/0",
                                       "value": '{{ index .metadata.annotations "acme-staging" }}'}
    assert set(patches) == {"acme-staging", "acme-prod"} and set(annotations) >= {"acme-staging", "acme-prod"}
    readme = (root / "terraform/README.md").read_text()
    assert "/tenant-isolation/<env>/pod-security-groups/<tenant>" in readme and "groupIds" not in readme


@pytest.fixture(scope="module")
def tenants_flux(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared(PLANS / "multi-tenant-flux.plan.md", tmp_path_factory)


def test_flux_substitutes_each_tenants_security_group_id_without_a_hand_edit(tenants_flux: Path) -> None:
    root = tenants_flux
    parameter = _parameter_name(root)
    _parameter_path_readable(root, "${var.environment}")  # each cluster reads its own environment's IDs
    kustomizations = {d["metadata"]["name"]: d for d in documents(root / "clusters/staging/infrastructure.yaml")}
    tenant = kustomizations["tenant-isolation-tenant-acme-security-groups"]
    assert tenant["spec"]["path"] == "./kubernetes/tenants/acme/security-groups"
    [source] = tenant["spec"]["postBuild"]["substituteFrom"]
    ids = kustomizations[tenant["spec"]["dependsOn"][0]["name"]]
    assert [d["name"] for d in ids["spec"]["dependsOn"]] == ["tenant-isolation-infra-configs"]  # the store and the controller first
    externals = documents(root / ids["spec"]["path"] / "secrets.yaml")
    external = next(e for e in externals if e["spec"]["target"]["name"] == source["name"])
    assert source["kind"] == "Secret" and external["metadata"]["namespace"] == "flux-system"
    [data] = external["spec"]["data"]
    assert data["remoteRef"]["key"] == parameter
    policies = documents(root / "kubernetes/tenants/acme/security-groups/policies.yaml")
    assert {g for d in policies for g in d["spec"]["securityGroups"]["groupIds"]} == {"${" + data["secretKey"] + "}"}
    assert "pod-security-groups.yaml" in (root / "kubernetes/cluster-config/kustomization.yaml").read_text()
    assert "Flux substitutes" in (root / "terraform/README.md").read_text()


def test_the_old_security_group_placeholder_injected_back_is_caught_at_its_line(generated: dict[str, Path],
                                                                                tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(generated["multi-tenant-saas"], root)
    policies = root / "kubernetes/tenants/acme/security-groups/policies.yaml"
    text = policies.read_text()
    policies.write_text(text.replace("- ${tenant_pod_security_group_id}", "- sg-00000000000000000", 1))
    line = policies.read_text().splitlines().index("      - sg-00000000000000000") + 1
    report = tmp_path / "report.json"
    assert main(["validate", str(root), "--only", "wiring", "--format", "json", "-o", str(report)]) == 1
    found = [f for c in json.loads(report.read_text())["checks"] for f in c["findings"]]
    assert [(f["rule"], f["file"], f["line"]) for f in found] == [
        ("wiring/placeholder-value", "kubernetes/tenants/acme/security-groups/policies.yaml", line)]


def test_the_vault_address_is_accepted_only_as_the_readme_lists_it(generated: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(generated["multi-tenant-saas"], root)
    readme = root / "README.md"
    listed = "- `https://vault.example.invalid:8200` is set by you"
    assert listed in readme.read_text()
    assert wiring_findings(root, tmp_path / "ok.json") == []
    readme.write_text(readme.read_text().replace(listed, "- the Vault address"))
    found = wiring_findings(root, tmp_path / "report.json")
    assert {(f["rule"], f["file"]) for f in found} == {
        ("wiring/placeholder-value", f"kubernetes/tenants/{t}/secret-store.yaml") for t in ("acme", "globex", "initech")}


def test_a_plan_naming_vault_warns_that_its_address_is_set_by_you() -> None:
    warnings = decide(parse_plan(PLANS / "multi-tenant-saas.plan.md")).warnings
    assert any("Secrets Management: HashiCorp Vault" in w and "vault.example.invalid" in w for w in warnings)


# --------------------------------------------------------------------------- issue 25: a generated repository once applied
@EKS_ARGOCD_GROUP
def test_the_kubernetes_version_a_plan_pins_is_reported_once_its_support_ends(
        eks_argocd: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan's EKS 1.29 was supported when it was written (the suite's date); on a date after its extended support
    each environment's pin is an error naming the day it ended."""
    monkeypatch.setenv("PLANFORGE_SUPPORT_DATE", "2026-04-01")
    found = validate_wiring(eks_argocd, tmp_path, 1)
    line = line_of((eks_argocd / "terraform/environments/dev/variables.tf").read_text(), 'default     = "1.29"')
    assert {(f["rule"], f["file"], f["line"], f["severity"]) for f in found} == {
        ("wiring/kubernetes-end-of-life", f"terraform/environments/{env}/variables.tf", line, "error")
        for env in ("dev", "staging", "prod")}
    assert all("Amazon EKS 1.29's extended support ended on 2026-03-23" in f["message"] for f in found)


@pytest.mark.parametrize(("plan", "where"), [
    pytest.param("aws-eks-argocd", "every Argo CD `repoURL` and AppProject `sourceRepos` entry under argocd/",
                 marks=plan_group(PLANS / "aws-eks-argocd.plan.md"), id="argocd"),
    pytest.param("aws-eks-flux", "the Flux GitRepository `url` under clusters/",
                 marks=plan_group(PLANS / "aws-eks-flux.plan.md"), id="flux"),
])
def test_without_a_repo_url_the_sources_say_which_value_to_set_and_where(
        plan: str, where: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`planforge new` without --repo-url points the GitOps sources at a marked placeholder: validated as the
    repository's .planforge.yaml says (strict), each source is a warning (generation warned, the README lists it)
    saying to set this repository's URL, where; any other placeholder source is an error."""
    root = rendered_plan(PLANS / f"{plan}.plan.md", tmp_path_factory, repo_url=None)
    found = validate_wiring(root, tmp_path, 0)
    # Flux reads it over SSH (a deploy key), Argo CD as given
    placeholder = ("ssh://git@" if plan.endswith("-flux") else "https://") + "git.example.invalid/CHANGE-ME/storefront-eks.git"
    assert found and {f["rule"] for f in found} == {"wiring/placeholder-reference"}
    assert all(f["severity"] == "warning" and f"this repository's Git URL '{placeholder}' is still the placeholder "
               "planforge wrote" in f["message"] for f in found)
    assert all(f"replace it with the repository's clone URL in {where} and in `repo_url` of .planforge.yaml, or "
               "regenerate with `planforge new PLAN DIR --repo-url URL`" in f["hint"] for f in found)
    sources = [p for p in root.rglob("*.yaml") if f"repoURL: {placeholder}" in p.read_text()
               or f"url: {placeholder}" in p.read_text()]
    assert {f["file"] for f in found} == {str(p.relative_to(root)) for p in sources}
    other = sources[0]
    with injected(other, placeholder, "https://git.example.invalid/REPLACE_ME/other.git"):
        got = [f for f in validate_wiring(root, tmp_path, 1) if f["severity"] == "error"]
    assert [(f["rule"], f["file"]) for f in got] == [("wiring/placeholder-reference", str(other.relative_to(root)))]
