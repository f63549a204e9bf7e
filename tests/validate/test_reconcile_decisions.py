"""What `planforge reconcile` decides from the checkout: why an object cannot be healthy on kind (each reason fires on
the object that has it and stays silent on the one that does not), and what the plan of an entry point changes."""
from __future__ import annotations

import pytest

from planforge.validate.reconcile.health import Provided, reasons, stub_definition


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


def _check(obj: dict, provided: Provided | None = None, pullable: bool | None = True) -> list[str]:
    return reasons(obj, provided or Provided(), lambda _image: pullable)


@pytest.mark.parametrize(("obj", "pullable", "expected"), [
    (_store("aws"), True, "ClusterSecretStore s: it reads aws, outside the cluster"),
    (_claim("gp3"), True, "PersistentVolumeClaim data: it claims StorageClass gp3, whose volumes kind cannot provision"),
    (_deployment("ghcr.io/acme/web:1.0"), False, "Deployment web: its image ghcr.io/acme/web:1.0 cannot be pulled"),
    (_deployment(container={"envFrom": [{"secretRef": {"name": "web-env"}}]}), True,
     "Deployment web: it reads Secret web-env, which nothing in the repository creates"),
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
    _deployment(container={"envFrom": [{"secretRef": {"name": "web-env", "optional": True}}]}),
    _deployment(volumes=[{"name": "v", "secret": {"secretName": "web-env"}}]),  # the repository creates it below
    {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": {"name": "cm"},
     "spec": {"chart": {"spec": {"chart": "cert-manager"}}}},
])
def test_what_kind_can_run_has_no_reason(obj):
    provided = Provided()
    provided.add({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "web-env"}})
    assert _check(obj, provided) == []


def test_an_unknown_image_is_not_held_against_the_unit():
    """Without docker to ask, an image is not called unpullable."""
    assert _check(_deployment("ghcr.io/acme/web:1.0"), pullable=None) == []


def test_a_secret_external_secrets_writes_is_named_as_such():
    provided = Provided()
    provided.add({"apiVersion": "external-secrets.io/v1beta1", "kind": "ExternalSecret", "metadata": {"name": "es"},
                  "spec": {"target": {"name": "web-env"}}})
    found = _check(_deployment(container={"env": [{"name": "A", "valueFrom": {"secretKeyRef": {"name": "web-env"}}}]}),
                   provided)
    assert found == ["Deployment web: it reads Secret web-env, which External Secrets writes from a store outside the "
                     "cluster"]


def test_the_stub_definition_serves_the_platform_kind_with_any_fields():
    crd = stub_definition("vpcresources.k8s.aws/SecurityGroupPolicy")
    assert crd["metadata"]["name"] == "securitygrouppolicies.vpcresources.k8s.aws"
    version = crd["spec"]["versions"][0]
    assert version["name"] == "v1beta1" and version["schema"]["openAPIV3Schema"]["x-kubernetes-preserve-unknown-fields"]


def test_flux_bootstraps_own_kustomization_is_suspended_not_walked_again(tmp_path):
    """After `flux bootstrap`, the entry point holds flux-system/, whose Kustomization applies the entry point from
    Git: left running it would undo the reconcile's changes, so it is suspended, and its objects are not doubled."""
    from planforge.validate.reconcile import make_plan, target_for

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
