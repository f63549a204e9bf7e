"""One include or macro of the template rendered alone, in Copier's environment, without `copier copy`:
what it renders parses, and a body renders byte for byte what the generated repository holds."""
from __future__ import annotations

import json

import hcl2
import pytest
import yaml
from hcl2.utils import SerializationOptions
from render_helpers import PLANS, REPO, answers_context, render_include, render_macro

from planforge.decide import decide
from planforge.plan import parse_plan

SIZING, APP, SECRETS = "includes/k8s/sizing.jinja", "includes/k8s/app.jinja", "includes/k8s/secrets.jinja"


def test_hpa_scales_the_deployment_within_the_services_range() -> None:
    service = {"name": "orders-api", "min_replicas": 1, "max_replicas": 6}
    scaling = json.loads(render_macro(SIZING, "scaling", service, "prod", True))
    hpa = yaml.safe_load(render_macro(APP, "hpa", service, "acme", scaling, namespace="shop"))
    assert (hpa["apiVersion"], hpa["kind"]) == ("autoscaling/v2", "HorizontalPodAutoscaler")
    assert hpa["metadata"]["namespace"] == "shop"
    assert hpa["metadata"]["labels"]["app.kubernetes.io/part-of"] == "acme"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "orders-api"}
    # production with high availability keeps two pods at least
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 6)


@pytest.mark.parametrize(("eso_version", "api_version"), [
    ("0.16.2", "external-secrets.io/v1beta1"), ("v0.17.0", "external-secrets.io/v1"), (None, "external-secrets.io/v1")])
def test_external_secret_speaks_the_installed_operators_api(eso_version: str | None, api_version: str) -> None:
    components = [{"chart": "external-secrets", "version": eso_version}] if eso_version else []
    secret = yaml.safe_load(render_macro(SECRETS, "external_secret", "orders-db", "aws-secrets-manager",
                                         [{"key": "acme/prod/orders-db", "variable": ""}], "acme",
                                         components=components))
    assert (secret["apiVersion"], secret["kind"]) == (api_version, "ExternalSecret")
    assert "namespace" not in secret["metadata"]
    assert secret["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}
    assert secret["spec"]["target"]["name"] == "orders-db"
    assert secret["spec"]["dataFrom"] == [{"extract": {"key": "acme/prod/orders-db"}}]
    assert "data" not in secret["spec"]


def test_external_secret_syncs_each_one_value_entry_as_its_variable_beside_the_json_entry() -> None:
    entries = [{"key": "acme/prod/stripe", "variable": "STRIPE_API_KEY"}, {"key": "acme/prod/db", "variable": "DATABASE_URL"},
               {"key": "acme/prod/orders", "variable": ""}]
    secret = yaml.safe_load(render_macro(SECRETS, "external_secret", "orders-secrets", "aws-secrets-manager", entries, "acme"))
    assert secret["spec"]["data"] == [{"secretKey": "STRIPE_API_KEY", "remoteRef": {"key": "acme/prod/stripe"}},
                                      {"secretKey": "DATABASE_URL", "remoteRef": {"key": "acme/prod/db"}}]
    assert secret["spec"]["dataFrom"] == [{"extract": {"key": "acme/prod/orders"}}]
    # another cloud's store: each entry's path is patched, in the order the ExternalSecret lists them
    ops = json.loads(render_macro(SECRETS, "entry_ops", entries))
    assert [(op["path"], op["value"]) for op in ops] == [
        ("/spec/data/0/remoteRef/key", "acme/prod/stripe"), ("/spec/data/1/remoteRef/key", "acme/prod/db"),
        ("/spec/dataFrom/0/extract/key", "acme/prod/orders")]


@pytest.mark.parametrize(("app", "expected"), [
    ({"name": "api"}, [("acme/prod/api", "")]),  # the default entry, a JSON object
    ({"name": "api", "secret_key": "shop/{env}/api"}, [("shop/prod/api", "")]),
    ({"name": "api", "secret_values": {"B_KEY": "shop/{env}/b", "A_KEY": "shop/{env}/a"}},
     [("shop/prod/a", "A_KEY"), ("shop/prod/b", "B_KEY")]),  # only one-value entries: no JSON entry
    ({"name": "api", "secret_key": "shop/{env}/api", "secret_values": {"A_KEY": "shop/{env}/a"}},
     [("shop/prod/api", ""), ("shop/prod/a", "A_KEY")]),
    # an answers file of the release before secret_values: secret_key held the one value of secret_value_key
    ({"name": "api", "secret_key": "shop/{env}/db", "secret_value_key": "DATABASE_URL"}, [("shop/prod/db", "DATABASE_URL")]),
])
def test_an_applications_entries(app: dict, expected: list[tuple[str, str]]) -> None:
    entries = json.loads(render_macro(SECRETS, "app_entries", "aws-secrets-manager", "acme", "prod", app))
    assert [(e["key"], e["variable"]) for e in entries] == expected


def test_terraform_backend_body_renders_what_the_generated_root_holds() -> None:
    answers = decide(parse_plan(PLANS / "aws-eks-argocd.plan.md")).answers
    root = {"family": "environment", "dir": "terraform/environments/prod", "env": "prod"}
    body = render_include("includes/terraform/environment/backend.tf.jinja", answers_context(answers, env="prod", root=root))
    parsed = hcl2.loads(body, serialization_options=SerializationOptions(with_comments=False, strip_string_quotes=True))
    backend = parsed["terraform"][0]["backend"][0]["s3"]
    assert backend["key"] == "environments/prod/terraform.tfstate"
    assert backend["encrypt"] is True
    kept = REPO / "examples" / "generated" / "aws-eks-argocd" / "terraform" / "environments" / "prod" / "backend.tf"
    assert body == kept.read_text(encoding="utf-8")


@pytest.mark.parametrize(("named", "staging", "issuer"), [
    ("", False, "letsencrypt"), ("", True, "letsencrypt-staging"), ("letsencrypt-prod", False, "letsencrypt-prod"),
    ("letsencrypt-prod", True, "letsencrypt-staging"), ("acme-issuer", True, "acme-issuer-staging")])
def test_the_cluster_issuer_is_the_plans_and_its_staging_twin_drops_prod(named: str, staging: bool, issuer: str) -> None:
    assert render_macro("includes/k8s/components.jinja", "issuer_name", staging, named) == issuer
    manifest = yaml.safe_load(render_macro("includes/k8s/components.jinja", "cluster_issuer", "acme", [], staging, named))
    assert manifest["metadata"]["name"] == issuer
    assert manifest["spec"]["acme"]["privateKeySecretRef"]["name"] == f"{issuer}-account-key"
