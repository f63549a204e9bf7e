"""Pods that cannot fit the nodes the plan states are refused with the figure's line and a fix; a default node type
that cannot hold the plan's figures moves up its family, and the sizing answer says so."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from testlib import PLANS, REAL_PLANS, REPO
from planforge import layout
from planforge.decide import decide
from planforge.decide.rules.capacity import capacities
from planforge.errors import RefusedError
from planforge.plan import parse_plan, parse_text
from planforge.render.engine import render_new
from planforge.render.template import resolve_template

TICKETING = (PLANS / "ticketing-eks.plan.md").read_text(encoding="utf-8")
NODES = "8-24 nodes per environment (m6i.xlarge)"
MEMORY = "each ticketing-api pod needs 2Gi memory"
PODS = ", 300 pods"


def ticketing_text(nodes: str = NODES, memory: str = MEMORY, pods: str = PODS) -> str:
    text = TICKETING
    for old, new in ((NODES, nodes), (MEMORY, memory), (PODS, pods)):
        assert old in text
        text = text.replace(old, new)
    return text


def ticketing(**changes: str):
    return decide(parse_text(ticketing_text(**changes), "plan.md"))


def refused(**changes: str) -> list:
    with pytest.raises(RefusedError) as exc:
        ticketing(**changes)
    return exc.value.problems


def test_a_pod_larger_than_a_stated_node_is_refused_with_its_line_and_a_bigger_type():
    problems = refused(nodes="1-2 nodes per environment (t3.small)", memory="each ticketing-api pod needs 8Gi memory",
                       pods="")
    [p] = problems
    assert p.line == 32 and p.field == "Data"
    assert "ticketing-api asks 8Gi memory per pod, more than a t3.small node gives" in p.message
    assert "dev, staging, prod" in p.message
    assert p.hint == "raise the instance type to t3.xlarge or lower the memory request of ticketing-api"


def test_a_cpu_request_larger_than_a_node_is_refused():
    [p] = refused(nodes="2-4 nodes per environment (m6i.large)", memory="ticketing-api needs 4 vCPU", pods="")
    assert p.line == 32 and "asks 4 CPU per pod" in p.message
    assert p.hint.startswith("raise the instance type to m6i.2xlarge")


def test_minimum_replicas_beyond_the_nodes_are_refused():
    # 3 replicas at least x 6Gi = 18Gi; 2 m6i.large nodes give 2 x 6.7Gi
    [p] = refused(nodes="1-2 nodes per environment (m6i.large)", memory="each ticketing-api pod needs 6Gi memory",
                  pods="")
    assert p.line == 32 and "the minimum replicas ask 18.0Gi memory (3 x 6Gi for ticketing-api)" in p.message
    assert "more than 2 m6i.large nodes give" in p.message
    assert "raise the node maximum to 3" in p.hint and "m6i.xlarge" in p.hint


def test_a_pod_count_beyond_the_stated_nodes_is_refused():
    [p] = refused(nodes="2-4 nodes per environment (m6i.large)")
    assert p.line == 27 and p.field == "Performance Goals"
    assert p.message == "300 pods do not fit 4 m6i.large nodes of at most 29 pods each (116) in dev, staging, prod"
    assert p.hint == "raise the instance type to m6i.4xlarge or raise the node maximum to 11, or lower the pod count"


def test_the_eks_plan_moves_its_default_node_type_up_for_300_pods_and_says_so():
    d = decide(parse_plan(PLANS / "aws-eks-argocd.plan.md"))
    sizing = {s.name: s.instance_type for s in d.answers.environment_sizing}
    # 12 t3.medium nodes run 204 pods (17 each); 12 t3.large 420; production's default m6i.large 348
    assert sizing == {"dev": "t3.large", "staging": "t3.large", "prod": None}
    decision = next(x for x in d.answers.decisions if x.name == "environment_sizing")
    assert "dev (t3.large, 12-12 nodes)" in decision.value
    assert "dev, staging: t3.large, the smallest size of its family" in decision.source
    assert "not the default t3.medium (300 pods do not fit 12 t3.medium nodes" in decision.source


def test_figures_that_fit_change_nothing():
    d = ticketing()
    assert {s.instance_type for s in d.answers.environment_sizing} == {"m6i.xlarge"}
    assert "smallest size" not in (d.provenance["environment_sizing"].note or "")


def test_an_unknown_instance_type_is_not_checked():
    d = ticketing(nodes="1-2 nodes per environment (m8g.xlarge)", memory="each ticketing-api pod needs 64Gi memory")
    assert {s.instance_type for s in d.answers.environment_sizing} == {"m8g.xlarge"}


def test_a_pod_no_size_of_the_default_family_holds_asks_for_a_larger_type():
    # 64Gi: no t3 holds it (dev, staging); production's m6i family does from m6i.8xlarge (128 GiB) on
    [p] = refused(nodes="1-2 nodes per environment", memory="each ticketing-api pod needs 64Gi memory", pods="")
    assert p.message.endswith("in dev, staging")
    assert p.hint == "state an instance type larger than t3.2xlarge or lower the memory request of ticketing-api"


def test_plan_check_exits_1_on_pods_that_cannot_fit(tmp_path):
    plan = tmp_path / "plan.md"
    plan.write_text(ticketing_text(nodes="1-2 nodes per environment (t3.small)",
                                   memory="each ticketing-api pod needs 8Gi memory", pods=""), encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "planforge", "plan", "check", str(plan)], capture_output=True, text=True,
                       cwd=REPO, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{plan}:32: Data: ticketing-api asks 8Gi memory per pod" in r.stdout
    assert "fix: raise the instance type to t3.xlarge" in r.stdout


def test_the_default_types_agree_with_the_terraform_blueprint():
    text = (REPO / "includes" / "terraform.jinja").read_text(encoding="utf-8")
    for cloud, pair in capacities().defaults.items():
        m = re.search(rf"'{cloud}': {{'instance': \['([^']+)', '([^']+)'\]", text)
        assert m is not None and (m.group(1), m.group(2)) == pair, cloud
        assert all(t in capacities().types[cloud] for t in pair)
    assert "{%- set prod = e in envs.production -%}" in text  # layout.yml environment_kinds (test_environment_kinds)
    assert "layout.table.default_node_range['production' if prod else 'other']" in text  # one table for both


def test_multi_tenant_eks_defaults_to_trunking_nodes_in_the_blueprint_and_the_check():
    text = (REPO / "includes" / "terraform.jinja").read_text(encoding="utf-8")
    pair = capacities().pod_security_group_defaults["aws"]
    assert f"instance=['{pair[0]}', '{pair[1]}']) if structure == 'multi-tenant' and eks" in text
    assert all(t in capacities().types["aws"] and not t.startswith("t") for t in pair)


def _tenants_with_nodes(nodes: str):
    text = (PLANS / "multi-tenant-saas.plan.md").read_text(encoding="utf-8")
    assert "50 namespaces, 30 nodes" in text
    return parse_text(text.replace("50 namespaces, 30 nodes", f"50 namespaces, {nodes}"), "plan.md")


def test_a_t_family_node_type_on_multi_tenant_eks_is_a_plan_check_problem_at_its_line():
    with pytest.raises(RefusedError) as exc:
        decide(_tenants_with_nodes("3-6 nodes (t3.large)"))
    [p] = exc.value.problems
    assert p.line == 30 and p.field == "Scale/Scope"
    assert "t3.large in staging, prod" in p.message and "security group" in p.message
    assert p.hint == "name a Nitro type outside the t family, e.g. m5.large"
    assert "m5.large" in capacities().types["aws"] and not any(
        r.match("m5.large") for r in capacities().pod_security_group_refused["aws"])


def test_a_nitro_node_type_on_multi_tenant_eks_is_kept():
    sizing = decide(_tenants_with_nodes("3-6 nodes (m5.xlarge)")).answers.environment_sizing
    assert {s.instance_type for s in sizing} == {"m5.xlarge"}


def test_a_t_family_node_type_without_security_groups_for_pods_is_kept():
    sizing = ticketing(nodes="2-4 nodes per environment (t3.large)", memory="", pods="").answers.environment_sizing
    assert {s.instance_type for s in sizing} == {"t3.large"}


# --------------------------------------------------------------------------- one value for the platform
@pytest.mark.parametrize("line, what, first", [
    ("**Availability**: the API is 99.99% available", "uptime '99.99% available' (line 33)", "'99.95% uptime' (line 27)"),
    ("**Recovery**: RPO 1 hour", "RPO 'RPO 1 hour' (line 33)", "'RPO 5 minutes' (line 31)"),
    ("**Recovery**: backups kept 7 days", "backup retention 'backups kept 7 days' (line 33)",
     "'backups kept 35 days' (line 32)"),
])
def test_two_differing_single_values_are_a_contradiction_naming_both_lines(line, what, first):
    text = ticketing_text().replace(MEMORY + ", database backups kept 35 days, PostgreSQL 16",
                                    MEMORY + ", database backups kept 35 days, PostgreSQL 16\n" + line)
    with pytest.raises(RefusedError) as exc:
        decide(parse_text(text, "plan.md"))
    [p] = [p for p in exc.value.problems if "contradicts" in p.message]
    assert p.line == 33 and p.message == f"{what} contradicts {first}"
    assert p.hint.startswith("state one ") and "environment" in p.hint


def test_the_same_value_twice_and_values_for_different_environments_are_no_contradiction():
    text = ticketing_text().replace("**Capacity**: " + NODES, "**Availability**: 99.95% availability\n"
                                    "**Recovery**: RTO 30 minutes in production, RTO 4 hours in dev\n"
                                    "**Capacity**: " + NODES)
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.uptime == "99.95" and d.answers.rto_minutes == 30
    assert [n.why for n in d.not_applied if n.text == "RTO 4 hours"] == [
        "rto_minutes is taken from line 31 ('RTO 30 minutes'): one value for every environment"]


# --------------------------------------------------------------------------- zero nodes
@pytest.mark.parametrize("nodes, words", [("0-0 nodes per environment", "0-0 nodes"), ("Dev = 0 nodes", "0 nodes")])
def test_zero_nodes_are_refused_with_line_and_fix(nodes, words):
    [p] = refused(nodes=nodes, pods="")
    assert p.line == 30 and p.message == f"{words!r}: a node count of 0 is not a cluster"
    assert p.hint.startswith("state at least 1 node")


def test_a_minimum_of_zero_nodes_is_applied_as_one_and_says_so():
    d = ticketing(nodes="0-24 nodes per environment (m6i.xlarge)")
    assert {(s.min_size, s.max_size) for s in d.answers.environment_sizing} == {(1, 24)}
    [note] = [n for n in d.not_applied if n.text == "0-24 nodes"]
    assert note.line == 30 and "applied as 1" in note.why


def test_a_node_pool_scaling_to_zero_is_reported_not_refused():
    d = ticketing(nodes="8-24 nodes per environment (m6i.xlarge), the batch pool scales 0-5 nodes")
    assert [n.line for n in d.not_applied if n.text == "0-5 nodes"] == [30]


# --------------------------------------------------------------------------- a single-node environment with pools
JNROESCH = REAL_PLANS / "jnroesch--juggerhub--015-hosting.plan.md"


def test_a_single_node_environment_with_aks_pools_keeps_one_pool_and_says_so():
    d = decide(parse_plan(JNROESCH))
    assert d.answers.node_pools == "system-user"
    assert {s.name: s.max_size for s in d.answers.environment_sizing}["dev"] == 1
    assert "dev: one node, one pool running the add-ons and the workloads" in d.provenance["node_pools"].note


def test_a_single_node_environment_with_eks_pools_is_reported_not_applied():
    text = ticketing_text(nodes=NODES + ", separate system and user node pools, Dev = 1 node", pods="")
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.node_pools == "system-user"
    [note] = [n for n in d.not_applied if n.text == "1 node"]
    assert note.line == 30 and "dev's 1 node sizes the user node group" in note.why


def test_the_single_node_aks_environment_renders_one_pool(tmp_path):
    answers = decide(parse_plan(JNROESCH)).answers
    render_new(answers, tmp_path, resolve_template(None, None), init_git=False)
    where = layout.dirs(answers.to_copier_data())  # its tree puts the Terraform root at infra/
    live = tmp_path / where["tf_live"]
    assert "user_node_pool = false" in (live / "envs" / "dev.tfvars").read_text()
    assert "user_node_pool = true" in (live / "envs" / "prod.tfvars").read_text()
    assert "user_node_pool       = var.user_node_pool" in (live / "main.tf").read_text()
    module = (tmp_path / where["tf_modules"] / "aks" / "main.tf").read_text()
    assert "split = var.system_node_pool && var.user_node_pool" in module
    assert "only_critical_addons_enabled = local.split" in module and "count = local.split ? 1 : 0" in module


@pytest.mark.parametrize("instance", ["m6i.superlarge", "t3.largest"])
def test_an_instance_type_of_no_real_size_is_refused_never_replaced(instance):
    [p] = refused(nodes=f"8-24 nodes per environment ({instance})")
    assert p.line == 30 and p.message == f"unknown instance type {instance!r}: no such size"
    assert p.hint.startswith("name a size the cloud sells")
