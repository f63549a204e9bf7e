"""Oracle Cloud as a cloud: a multi-tool plan on OKE is decided with the plan's region, shape and state, and what
its roots do not take (customer-managed keys, a node range, a MySQL database) is reported or refused at its line."""
from __future__ import annotations

from testlib import PLANS, line_of, refused

from planforge.decide import decide
from planforge.plan import parse_text

PLAN = (PLANS / "oke-argocd.plan.md").read_text(encoding="utf-8")


def decided(text: str = PLAN):
    return decide(parse_text(text, "plan.md"))


def test_the_plan_is_decided_as_oke_with_its_figures() -> None:
    d = decided()
    a = d.answers
    assert (a.structure, a.cloud, a.kubernetes_distribution, a.region) == ("multi-tool", "oci", "oke", "eu-frankfurt-1")
    assert (a.state_backend, a.state_locking, a.storage, a.database_engine) == \
        ("s3", "none", "managed-postgresql", "postgres")
    assert "Object Storage bucket through its S3-compatible API" in d.provenance["state_locking"].note
    sizing = {s.name: (s.instance_type, s.min_size, s.max_size) for s in a.environment_sizing}
    assert sizing["production"] == ("VM.Standard.E5.Flex", 3, 3)


def test_a_node_range_keys_and_mysql_are_said_at_their_line() -> None:
    text = PLAN.replace("3 nodes of VM", "3-5 nodes of VM").replace("EU data residency,", "EU data residency, SOC2,")
    d = decided(text)
    why = {n.text: n.why for n in d.not_applied}
    assert "OKE node pools keep a fixed size" in why["3-5 nodes"]
    assert any("customer-managed OCI Vault keys" in n.why and n.line == line_of(text, "**Constraints**")
               for n in d.not_applied)
    mysql = PLAN.replace("OCI Database with PostgreSQL 16", "MySQL 8.0")
    [p] = [p for p in refused(mysql) if p.field == "Storage"]
    assert "runs postgres" in p.message and p.line == line_of(mysql, "**Storage**")


def test_oracle_regions_keep_the_residency() -> None:
    text = PLAN.replace("single-region (eu-frankfurt-1)", "single-region (us-ashburn-1)")
    [p] = [p for p in refused(text) if p.line == line_of(text, "**Deployment Type**")]
    assert "us-ashburn-1" in p.message and "eu-frankfurt-1" in (p.hint or "")


def test_a_public_api_with_authorized_ranges_reaches_the_oke_root() -> None:
    """OKE's API takes authorized ranges (its security group) like the clouds' other clusters; a node pool split is
    said not to apply, naming the cloud."""
    text = PLAN.replace("**Scale/Scope**:", "**Security**: public API endpoint restricted to authorized ranges "
                        "203.0.113.0/24; separate system and user node pools\n**Scale/Scope**:")
    d = decided(text)
    assert (d.answers.api_endpoint, d.answers.api_authorized_cidrs) == ("public", ["203.0.113.0/24"])
    assert any("the Oracle Cloud cluster module takes no such option" in n.why for n in d.not_applied)
