"""What `planforge reconcile` decides from the checkout: why an object cannot be healthy on kind (each reason fires on
the object that has it and stays silent on the one that does not), and what the plan of an entry point changes."""
from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from planforge.validate.reconcile import make_plan, stubs, target_for
from planforge.validate.reconcile.health import Provided, reasons


def _deployment(image: str = "nginx:1.27", **pod: object) -> dict:
    container = {"name": "app", "image": image, **pod.pop("container", {})}  # type: ignore[dict-item]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"template": {"spec": {"containers": [container], **pod}}}}


def _store(provider: str) -> dict:
    return {"apiVersion": "external-secrets.io/v1beta1", "kind": "ClusterSecretStore", "metadata": {"name": "s"},
            "spec": {"provider": {provider: {}}}}


def _claim(klass: str) -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
            "spec": {"storageClassName": klass}}


def _check(obj: dict, pullable: bool | None = True, controller: str = "flux") -> list[str]:
    return reasons(obj, lambda _image: pullable, controller)


@pytest.mark.parametrize(("obj", "pullable", "expected"), [
    (_store("aws"), True, "ClusterSecretStore s: it reads aws, outside the cluster"),
    (_claim("gp3"), True, "PersistentVolumeClaim data: it claims StorageClass gp3, whose volumes kind cannot provision"),
    (_deployment("ghcr.io/acme/web:1.0"), False, "Deployment web: its image ghcr.io/acme/web:1.0 cannot be pulled"),
    ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb"}, "spec": {"type": "LoadBalancer"}}, True,
     "Service lb: it is a LoadBalancer Service, which gets no address on kind"),
    ({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "rp"},
      "spec": {"chart": {"spec": {"chart": "redpanda"}}}}, True, "HelmRelease rp: chart redpanda: its broker requests"),
    ({"apiVersion": "vpcresources.k8s.aws/v1beta1", "kind": "SecurityGroupPolicy", "metadata": {"name": "p"}}, True,
     "SecurityGroupPolicy p: its kind is served by the EKS VPC resource controller"),
    ({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "dns"},
      "spec": {"chart": {"spec": {"chart": "external-dns"}}}}, True, "HelmRelease dns: chart external-dns: it lists"),
])
def test_a_reason_names_the_object_and_what_kind_lacks(obj, pullable, expected):
    found = _check(obj, pullable=pullable)
    assert len(found) == 1 and found[0].startswith(expected), found


@pytest.mark.parametrize("obj", [
    _store("kubernetes"),
    _claim("standard"),
    _deployment("nginx:1.27"),
    _deployment(container={"envFrom": [{"secretRef": {"name": "web-env"}}]}),  # a stub Secret stands in
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "c"}, "spec": {"type": "ClusterIP"}},
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i"}},  # kstatus: current
    {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "cm"},
     "spec": {"chart": {"spec": {"chart": "cert-manager"}}}},
])
def test_what_kind_can_run_has_no_reason(obj):
    assert _check(obj) == []


def test_argo_cd_waits_for_an_ingress_address_flux_does_not():
    ingress = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i"}}
    assert _check(ingress, controller="argocd") == [
        "Ingress i: its ingress controller publishes no load balancer address on kind"]


def test_an_unknown_image_is_not_held_against_the_unit():
    """Without docker to ask, an image is not called unpullable."""
    assert _check(_deployment("ghcr.io/acme/web:1.0"), pullable=None) == []


def test_secrets_nothing_on_kind_creates_get_placeholders_with_the_keys_read():
    provided = Provided()
    provided.add({"apiVersion": "external-secrets.io/v1beta1", "kind": "ExternalSecret", "metadata": {"name": "es"},
                  "spec": {"target": {"name": "web-env"}}})
    provided.add({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "made-here"}})
    workload = _deployment(container={"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "web-env",
                                                                                          "key": "password"}}}],
                                      "envFrom": [{"secretRef": {"name": "made-here"}},
                                                  {"secretRef": {"name": "maybe", "optional": True}}]},
                           volumes=[{"name": "t", "secret": {"secretName": "tls", "items": [{"key": "tls.crt",
                                                                                            "path": "c"}]}}])
    found = {stub.label: stub for stub in stubs.secrets([(workload, "shop")], provided)}
    assert set(found) == {"Namespace shop", "Secret shop/web-env", "Secret shop/tls"}
    assert found["Secret shop/web-env"].obj["stringData"] == {"password": "reconcile-placeholder"}
    assert "External Secrets writes" in found["Secret shop/web-env"].why
    assert found["Secret shop/tls"].obj["stringData"] == {"tls.crt": "reconcile-placeholder"}
    assert "nothing in the repository creates" in found["Secret shop/tls"].why


def test_a_lets_encrypt_production_issuer_is_pointed_at_staging_and_others_are_left():
    issuer = {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": "le"},
              "spec": {"acme": {"server": "https://acme-v02.api.letsencrypt.org/directory"}}}
    assert stubs.acme_ops(issuer) == [{"op": "replace", "path": "/spec/acme/server",
                                       "value": "https://acme-staging-v02.api.letsencrypt.org/directory"}]
    issuer["spec"]["acme"]["server"] = "https://acme.internal.example/directory"
    assert stubs.acme_ops(issuer) == []


def test_the_stub_definition_serves_the_platform_kind_with_any_fields():
    crd = stubs.definition("vpcresources.k8s.aws/SecurityGroupPolicy").obj
    assert crd["metadata"]["name"] == "securitygrouppolicies.vpcresources.k8s.aws"
    version = crd["spec"]["versions"][0]
    assert version["name"] == "v1beta1" and version["schema"]["openAPIV3Schema"]["x-kubernetes-preserve-unknown-fields"]


def test_flux_bootstraps_own_kustomization_is_suspended_not_walked_again(tmp_path):
    """After `flux bootstrap`, the entry point holds flux-system/, whose Kustomization applies the entry point from
    Git: left running it would undo the reconcile's changes, so it is suspended, and its objects are not doubled."""
    (tmp_path / ".planforge.yaml").write_text('repo_url: "https://github.com/acme/infra.git"\n')
    entry = tmp_path / "clusters" / "dev"
    (entry / "flux-system").mkdir(parents=True)
    (entry / "apps").mkdir()
    (entry / "kustomization.yaml").write_text("resources: [flux-system/gotk-sync.yaml, apps.yaml]\n")
    (entry / "flux-system" / "gotk-sync.yaml").write_text(
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: "
        "flux-system}\nspec: {interval: 1m, url: 'ssh://git@github.com/acme/infra.git', ref: {branch: main}, "
        "secretRef: {name: flux-system}}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\n"
        "metadata: {name: flux-system, namespace: flux-system}\nspec: {interval: 10m, path: ./clusters/dev, "
        "prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n")
    (entry / "apps.yaml").write_text(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: "
        "flux-system}\nspec: {interval: 10m, path: ./clusters/dev/apps, prune: true, wait: true, "
        "sourceRef: {kind: GitRepository, name: flux-system}}\n")
    (entry / "apps" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\n")
    target = target_for(tmp_path, "https://github.com/acme/infra", "abc123", credential=False)
    plan = make_plan(tmp_path, "clusters/dev", target, lambda _image: None)
    assert {u.name: u.status for u in plan.units} == {"flux-system": "skipped", "apps": "healthy"}
    source = next(o for o in plan.apply if o["kind"] == "GitRepository")
    assert source["spec"]["url"] == "https://github.com/acme/infra" and source["spec"]["ref"] == {"commit": "abc123"}
    assert "secretRef" not in source["spec"]
    bootstrap = next(o for o in plan.apply if o["kind"] == "Kustomization" and o["metadata"]["name"] == "flux-system")
    assert bootstrap["spec"]["suspend"] is True


def _chart_repository(where: Path) -> Path:
    """A published chart (served below): a Deployment reading the admin Secret its values name, behind a
    LoadBalancer Service, as upstream charts such as Grafana's and ingress-nginx's are."""
    chart = where / "src" / "demo"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("existingSecret: ''\n")
    (chart / "templates" / "all.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: demo}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: demo}\nspec:\n  selector: {matchLabels: {a: b}}\n"
        "  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers:\n        - name: demo\n"
        "          image: nginx:1.27\n          env:\n            - name: ADMIN_PASSWORD\n              valueFrom:\n"
        "                secretKeyRef: {name: '{{ .Values.existingSecret }}', key: admin-password}\n")
    published = where / "published"
    published.mkdir()
    subprocess.run(["helm", "package", str(chart), "-d", str(published)], check=True, capture_output=True)
    return published


def test_a_published_charts_objects_decide_how_its_release_is_awaited(tmp_path):
    """A HelmRelease of a published chart is rendered with its values: its LoadBalancer Service gets no address on
    kind, so the release is installed without waiting (a patch of the Kustomization that applies it) and still
    awaited; the admin Secret its values name, which nothing creates, gets a placeholder."""
    if shutil.which("helm") is None:
        pytest.skip("helm is not on PATH: the chart cannot be packaged or rendered")
    published = _chart_repository(tmp_path)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(published))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    subprocess.run(["helm", "repo", "index", str(published), "--url", url], check=True, capture_output=True)
    try:
        repo = tmp_path / "repo"
        entry = repo / "clusters" / "dev"
        entry.mkdir(parents=True)
        (repo / "infrastructure").mkdir()
        (repo / ".planforge.yaml").write_text('repo_url: "https://github.com/acme/infra.git"\n')
        (entry / "sources.yaml").write_text(
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: infra, namespace: "
            "flux-system}\nspec: {interval: 1m, url: 'https://github.com/acme/infra.git', ref: {branch: main}}\n---\n"
            "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: demo, namespace: "
            f"flux-system}}\nspec: {{interval: 1h, url: '{url}'}}\n---\n"
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: infra, namespace: "
            "flux-system}\nspec: {interval: 10m, path: ./infrastructure, prune: true, wait: true, "
            "sourceRef: {kind: GitRepository, name: infra}}\n")
        (repo / "infrastructure" / "release.yaml").write_text(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: demo, namespace: flux-system}\n"
            "spec:\n  interval: 10m\n  targetNamespace: demo\n  chart:\n    spec:\n      chart: demo\n"
            "      version: 0.1.0\n      sourceRef: {kind: HelmRepository, name: demo}\n"
            "  values: {existingSecret: demo-admin}\n")
        target = target_for(repo, "https://github.com/acme/infra", "abc123", credential=False)
        plan = make_plan(repo, "clusters/dev", target, lambda _image: True)
    finally:
        server.shutdown()
    (infra,) = plan.units
    assert infra.status == "healthy"
    assert "HelmRelease demo renders Service demo: it is a LoadBalancer Service, which gets no address on kind" in \
        infra.notes
    (patch,) = next(o for o in plan.apply if o["kind"] == "Kustomization")["spec"]["patches"]
    assert patch["target"] == {"group": "helm.toolkit.fluxcd.io", "kind": "HelmRelease", "name": "demo"}
    assert yaml.safe_load(patch["patch"])["spec"] == {"install": {"disableWait": True},
                                                      "upgrade": {"disableWait": True}}
    secret = next(s.obj for s in plan.stubs if s.obj["kind"] == "Secret")
    assert (secret["metadata"], secret["stringData"]) == ({"name": "demo-admin", "namespace": "demo"},
                                                          {"admin-password": "reconcile-placeholder"})
