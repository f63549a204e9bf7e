"""An application the plan says calls a service outside the cluster gets HTTPS egress to public addresses through its
namespace's default-deny policy; the others stay denied; where the policies are not generated that way, reported."""
from __future__ import annotations

from pathlib import Path

from testlib import FIXTURES, PLANS, plan_group, rendered_plan, yaml_documents

from planforge.decide import decide
from planforge.plan import parse_text
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

CONSTRAINTS = "**Constraints**:"
GKE_REVIEWED = FIXTURES / "reviewed/gke-orders-flux.plan.md"


def _decided(plan: str, statement: str):
    text = (PLANS / plan).read_text(encoding="utf-8").replace(CONSTRAINTS, f"**Integrations**: {statement}\n"
                                                                           f"{CONSTRAINTS}", 1)
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith("**Integrations**"))
    return decide(parse_text(text, "plan.md")), line


def test_the_app_that_calls_an_external_api_may_reach_https_on_public_addresses_only(tmp_path: Path):
    decided, line = _decided("aws-eks-argocd.plan.md", "orders-api charges cards through the Stripe API over HTTPS.")
    assert {a.name: a.external_https for a in decided.answers.apps} == {"orders-api": True, "web-frontend": False}
    assert not [n for n in decided.not_applied if n.line == line]
    dest = tmp_path / "repo"
    render_new(decided.answers, dest, resolve_template(None, None), init_git=False)
    policies = [d for d in yaml_documents(dest / "kubernetes/base/policies/network-policies.yaml") if d]
    https = [d for d in policies if d["metadata"]["name"] == "allow-https-egress"]
    assert [d["metadata"]["namespace"] for d in https] == ["orders-api"]
    [rule] = https[0]["spec"]["egress"]
    assert rule["ports"] == [{"port": 443, "protocol": "TCP"}]
    assert rule["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0", "except": [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]}}]
    # the deny-all stays the namespace's default
    assert {d["metadata"]["namespace"] for d in policies if d["metadata"]["name"] == "default-deny-all"} == \
        {"orders-api", "web-frontend"}


def test_a_line_naming_no_app_opens_every_app_and_a_negated_one_none():
    decided, _ = _decided("aws-eks-argocd.plan.md", "Order confirmations are sent with SendGrid.")
    assert all(a.external_https for a in decided.answers.apps)
    decided, _ = _decided("aws-eks-argocd.plan.md", "The services call no third-party APIs.")
    assert not any(a.external_https for a in decided.answers.apps)
    decided, _ = _decided("aws-eks-argocd.plan.md", "Dev keeps a public API server limited to the office range.")
    assert not any(a.external_https for a in decided.answers.apps)


def test_a_line_naming_no_app_opens_none_when_another_line_names_which():
    """`orders-api calls Stripe`, then a secrets line naming `Stripe API key`: the second is no call of every app's
    (web-frontend was opened to the internet by it), and the port of the call is reported for what it is."""
    decided, line = _decided("aws-eks-argocd.plan.md", "orders-api must reach api.stripe.com on 443.\n"
                             "**Secrets**: the Stripe API key and webhook secret live in AWS Secrets Manager.")
    assert {a.name: a.external_https for a in decided.answers.apps} == {"orders-api": True, "web-frontend": False}
    [port] = [n.why for n in decided.not_applied if n.line == line]
    assert port.startswith("the HTTPS port: the applications that call a service outside the cluster reach TCP 443")


def test_the_port_of_what_an_app_calls_is_not_its_own():
    """`orders-api calls the Stripe API over HTTPS on port 443`, then `orders-api listens on port 8080`: 8080 is the
    app's port; 443 is Stripe's (the app was given 443 and never became Ready)."""
    decided, _ = _decided("aws-eks-argocd.plan.md", "orders-api calls the Stripe API over HTTPS on port 443; "
                          "orders-api listens on port 8080.")
    assert {a.name: a.port for a in decided.answers.apps}["orders-api"] == 8080


def test_a_multi_tenant_app_calling_out_is_reported():
    decided, line = _decided("multi-tenant-flux.plan.md", "Each tenant's app calls the OpenAI API.")
    assert not any(a.external_https for a in decided.answers.apps)
    [reported] = [n for n in decided.not_applied if n.line == line]
    assert reported.text == "OpenAI" and "add an egress rule" in reported.why


def test_a_cloud_service_an_app_uses_opens_its_port_and_one_no_app_uses_opens_none(tmp_path: Path):
    """`orders-api consumes the Azure Service Bus queue orders`: HTTPS and AMQP over TLS (5671), the port the SDKs
    speak to the broker on; `web-frontend uploads images to S3`: HTTPS. A state backend in Blob Storage is no
    application's call (before, these applications had no egress and could not reach the services once applied)."""
    decided, line = _decided("aws-eks-argocd.plan.md", "orders-api consumes the Azure Service Bus queue orders; "
                             "web-frontend uploads images to an S3 bucket.")
    apps = {a.name: (a.external_https, a.external_ports) for a in decided.answers.apps}
    assert apps == {"orders-api": (True, [5671]), "web-frontend": (True, [])}
    assert not [n for n in decided.not_applied if n.line == line]
    dest = tmp_path / "repo"
    render_new(decided.answers, dest, resolve_template(None, None), init_git=False)
    policies = [d for d in yaml_documents(dest / "kubernetes/base/policies/network-policies.yaml") if d]
    ports = {d["metadata"]["namespace"]: d["spec"]["egress"][0]["ports"] for d in policies
             if d["metadata"]["name"] == "allow-https-egress"}
    assert ports == {"orders-api": [{"port": 443, "protocol": "TCP"}, {"port": 5671, "protocol": "TCP"}],
                     "web-frontend": [{"port": 443, "protocol": "TCP"}]}
    decided, _ = _decided("aws-eks-argocd.plan.md", "Terraform state lives in Azure Blob Storage and S3.")
    assert not any(a.external_https for a in decided.answers.apps)


@plan_group(GKE_REVIEWED)
def test_on_gke_the_caller_also_reaches_the_metadata_server_for_its_workload_identity_token(tmp_path_factory):
    """GKE node pools run the GKE metadata server (GKE_METADATA): a Google client library gets the pod's token at
    169.254.169.254:80, which the public-addresses rule leaves out. Before, a worker calling Pub/Sub got 443 only, and
    every Google API call failed for want of a token (the GKE review)."""
    repo = rendered_plan(GKE_REVIEWED, tmp_path_factory)
    policies = [d for d in yaml_documents(repo / "kubernetes/base/policies/network-policies.yaml") if d]
    https = {d["metadata"]["name"]: d["spec"]["egress"] for d in policies
             if d["metadata"]["name"].startswith("allow-https-egress")}
    assert list(https) == ["allow-https-egress-fulfilment-worker"]
    public, metadata = https["allow-https-egress-fulfilment-worker"]
    assert "169.254.0.0/16" in public["to"][0]["ipBlock"]["except"]
    assert metadata == {"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}], "ports": [{"port": 80, "protocol": "TCP"}]}

