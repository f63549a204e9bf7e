"""Nothing dropped silently: every number of a Technical Context line is applied or listed as not applied.

The numbers are found by a scan of the plan text written here, independent of the reader: the lines under a
`Technical Context` / `Technical Stack` heading up to the next heading of the same or a higher level, HTML
comments and code fences left out, and every run of digits that is not part of a name (`t3`, `S3`,
`us-east-1`, `FR-018`, `k8s`)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from testlib import PLANS, REAL_PLANS, deciding_plans
from planforge.decide import decide
from planforge.decide.answers import Decided
from planforge.decide.data import named_by
from planforge.plan import parse_plan, parse_text

HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
CONTEXT_HEADING = re.compile(r"technical (?:context|stack)", re.I)
DIGITS = re.compile(r"(?<![A-Za-z0-9_.])(?<![A-Za-z]-)(?<![A-Za-z]/)\d+(?:\.\d+)*")
TEMPLATE_TEXT = re.compile(r"needs clarification|^\W*\*\*[^*]+\*\*:?\s*\[[^\]]*\]\s*$", re.I)

DECIDING = deciding_plans()


def context_lines(text: str) -> dict[int, str]:
    """line -> text of every Technical Context line that states something (not a comment, fence or heading)."""
    out: dict[int, str] = {}
    level = 0
    in_comment = in_fence = False
    for number, raw in enumerate(text.splitlines(), start=1):
        heading = HEADING.match(raw)
        if raw.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if heading and not in_fence and not in_comment:
            depth = len(heading.group(1))
            if CONTEXT_HEADING.search(heading.group(2)):
                level = depth
            elif level and depth <= level:
                level = 0
            continue
        line = raw
        if in_comment:
            if "-->" not in line:
                continue
            line, in_comment = line.split("-->", 1)[1], False
        line = re.sub(r"<!--.*?-->", "", line)
        if "<!--" in line:
            line, in_comment = line.split("<!--", 1)[0], True
        if level and not in_fence and line.strip() and not TEMPLATE_TEXT.search(line):
            out[number] = line
    return out


def digits(text: str) -> set[str]:
    text = re.sub(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+", "", text.replace("**", "").replace("`", ""))
    return {m.group(0) for m in DIGITS.finditer(text)}


NAMED = named_by()


def accounted(decided: Decided, line: int, text: str) -> set[str]:
    """The numbers of line `line` an answer citing it holds, a phrase applied from it holds, or an item lists;
    the versions (`1.28`) any answer read from the plan holds, and the numbers of an answer read from the plan
    that the line names (data/decisions.yaml `named_by`): the line states that answer's value."""
    held: set[str] = set()
    for name, prov in decided.provenance.items():
        if prov.source == "plan" and prov.line == line:
            held |= digits(str(getattr(decided.answers, name)))
        if prov.source == "plan":
            value = digits(str(getattr(decided.answers, name)))
            held |= {n for n in value if "." in n}
            # `postgres:18` states database_version 18 wherever it stands
            held |= value if name in NAMED and NAMED[name].search(text) else set()
    held |= {n for a in decided.applied if a.line == line for n in digits(a.text)}
    held |= {n for i in decided.not_applied if i.line == line for n in digits(i.text)}
    return held


def in_minutes(decided: Decided, line: int, text: str, number: str) -> bool:
    """`RPO < 1h`: an answer citing the line holds the hours as minutes."""
    if not re.search(rf"(?<![\d.]){re.escape(number)}\s*(?:h|hours?)\b", text):
        return False
    return any(prov.source == "plan" and prov.line == line and getattr(decided.answers, name) == int(number) * 60
               for name, prov in decided.provenance.items() if number.isdigit())


@pytest.mark.parametrize("path", DECIDING, ids=lambda p: p.stem)
def test_every_number_of_the_technical_context_is_applied_or_listed(path: Path):
    decided = decide(parse_plan(path))
    lines = context_lines(path.read_text(encoding="utf-8"))
    assert lines, "the scan found no Technical Context"
    missing = {ln: sorted(n for n in digits(text) - accounted(decided, ln, text) if not in_minutes(decided, ln, text, n))
               for ln, text in lines.items()}
    assert not {ln: nums for ln, nums in missing.items() if nums}


def test_the_scan_finds_figures_and_skips_names():
    assert digits("**Scale/Scope**: 8-24 nodes (m6i.xlarge) in us-east-1, FR-018, k8s 1.29, $12k") == {
        "8", "24", "1.29", "12"}


def test_items_are_sorted_deduplicated_and_carry_a_reason():
    for path in DECIDING:
        items = decide(parse_plan(path)).not_applied
        keys = [(i.line, i.text) for i in items]
        assert keys == sorted(set(keys)), path
        assert all(i.why and i.text for i in items), path


def test_a_latency_and_a_cost_are_listed_with_their_reason():
    decided = decide(parse_plan(PLANS / "aws-eks-argocd.plan.md"))
    by_text = {i.text: i.why for i in decided.not_applied}
    assert "latency" in by_text["p95 < 250ms"]
    assert "cost" in by_text["budget < $12k/month"]
    # versions an answer carries are applied: Terraform 1.7, EKS 1.29
    assert not any(i.line in (18, 19) for i in decided.not_applied)


def test_a_thousands_separator_does_not_split_a_clause():
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8").replace(
        "budget < $12k/month", "budget ~$250/month for dev, ~$1,800/month for prod")
    by_text = {i.text: i.why for i in decide(parse_text(text, "plan.md")).not_applied}
    assert "cost" in by_text["~$1,800/month for prod"] and "cost" in by_text["budget ~$250/month for dev"]


def _listed(path: Path) -> dict[tuple[int, str], str]:
    return {(i.line, i.text): i.why for i in decide(parse_plan(path)).not_applied}


JNROESCH = REAL_PLANS / "jnroesch--juggerhub--015-hosting.plan.md"
TACOS = REAL_PLANS / "traffic-tacos--deployment-repo--001-argocd-deployment.plan.md"
AROOJ = REAL_PLANS / "arooj-26--todo-hackathon--1-kubernetes-deployment.plan.md"


def test_each_clause_of_a_line_is_accounted_for_not_the_line_once():
    listed = _listed(JNROESCH)
    # `Dev = 1 node` is applied (the dev node group); `1 backend replica` on the same line is not
    assert "replica count" in listed[(60, "1 backend replica")]
    assert not any(ln == 60 and "1 node" in text for ln, text in listed)


def test_a_component_the_catalog_lacks_is_named_with_that_reason():
    listed = _listed(TACOS)
    assert listed[(36, "AWS Load Balancer Controller")] == (
        "AWS Load Balancer Controller is not in the component catalog: planforge installs no chart for it")
    assert not any("cert-manager" in text for _, text in listed)  # installed: applied


def test_a_lets_encrypt_issuer_is_listed_with_its_own_reason():
    listed = _listed(PLANS / "ticketing-eks.plan.md")
    assert (41, "Let's Encrypt ClusterIssuer") not in listed  # cert-manager's row: the issuer is generated with it
    jnroesch = _listed(JNROESCH)
    assert (137, "LE ClusterIssuers") not in jnroesch  # a structure tree comment naming cert-manager: built with it
    assert any("generates one Let's Encrypt ClusterIssuer" in why for (ln, _), why in jnroesch.items() if ln == 24)  # the Summary


def test_ingress_https_registry_and_domains_are_listed_with_reasons():
    listed = _listed(JNROESCH)
    assert "generates one only for the chart services" in listed[(70, "HTTP→HTTPS redirect")]
    assert "Ingress routes are generated only" in listed[(68, "Ingress must sustain WebSocket upgrades for /hubs over wss")]
    assert "image pull secret" in listed[(20, "Images come from GHCR via an imagePullSecret")]
    assert any(ln == 22 and "domains" in why for (ln, _), why in listed.items())


def test_what_is_applied_is_not_listed():
    texts = " | ".join(text for _, text in _listed(JNROESCH))
    for applied in ("FR-014", "static public IP", "ingress-nginx", "workspace", "outside Terraform",
                    "New-TfStateBackend"):
        assert applied not in texts, applied


def test_a_wrapped_sentence_is_one_statement_reported_at_its_first_line():
    listed = _listed(JNROESCH)
    # `Ingress must sustain WebSocket upgrades` (line 68) goes on `for /hubs over wss (FR-009).` on line 69
    assert (68, "Ingress must sustain WebSocket upgrades for /hubs over wss") in listed
    assert not any(ln == 69 and text.startswith("for /hubs") for ln, text in listed)


def test_reasons_fit_what_the_clause_states():
    listed = _listed(AROOJ)
    assert "image size" in listed[(55, "Docker images under 500MB each")]
    assert "image count" in listed[(69, "Containers: 4 custom Docker images")]
    assert "charts or template files" in listed[(70, "Helm Chart: Single chart with ~13 template files")]
    # kubernetes_version 1.28 is applied from one line: `Kubernetes 1.28+` and `kubectl 1.28+` state it
    assert not any("1.28" in text for _, text in listed)
    # one item per overlapping phrase: the rule's `4 CPU`, not also `4 CPU cores`
    assert not any(ln == 43 and text == "4 CPU cores" for ln, text in listed)
    assert "charts or template files" in _listed(PLANS / "helm-chart-payments.plan.md")[(25, "1 chart")]


def test_workloads_listed_by_kind_without_custom_applications_are_reported():
    d = decide(parse_plan(JNROESCH))  # l.40 `Deployments (backend, frontend), StatefulSet (postgres), ...`
    [workloads] = [n for n in d.not_applied if n.text == "Deployments (backend, frontend)"]
    assert workloads.line == 40 and "list backend, frontend there" in workloads.why
    assert not [n for n in d.not_applied if n.text.startswith("StatefulSet")]  # the in-cluster database is generated


def test_chart_features_the_plan_keeps_off_by_default_are_applied():
    d = decide(parse_plan(PLANS / "helm-chart-payments.plan.md"))  # l.12 `advanced features (...) are off by default`
    assert not [n for n in d.not_applied if n.line == 12]
    assert any(a.line == 12 and "off by default" in a.text for a in d.applied)


def test_a_port_is_not_found_inside_a_longer_one():
    # backend port 8080, frontend port 80: the frontend's applied `port 80` is its own clause, not 8080's start
    listed = _listed(PLANS / "shop-chart.plan.md")
    assert not [text for _, text in listed if "port 80" in text], listed


RADIOSO = REAL_PLANS / "radioso-ai--radioso--018-terraform-gcp-deploy.plan.md"


def test_a_negation_covers_the_list_it_opens():
    # l.19 `must not provision custom domains or GKE`: neither is asked for, so nothing is listed (it once
    # advised putting a load balancer and a certificate in front of Cloud Run for the domains the plan rules out)
    assert not [text for ln, text in _listed(RADIOSO) if ln == 19]
    plan = RADIOSO.read_text(encoding="utf-8").replace(
        "must not provision custom domains or GKE", "must not provision custom domains but a Kafka broker")
    [item] = [i for i in decide(parse_text(plan, "plan.md")).not_applied if i.line == 19]
    # the reason is the uncovered word's (Kafka), not the negated domains' load balancer advice
    assert "Kafka" in item.why and "Load Balancer" not in item.why


@pytest.mark.parametrize(("gap", "continues"), [
    (" or ", True), (", ", True), (" gateway, ", True), (", managed ", True), (" nor ", True),
    (", but a ", False), (" with a ", False), (" and the ", False), (" ", False),
    (" or one of seven words in it ", False),
])
def test_a_list_goes_on_only_through_joiners(gap: str, continues: bool):
    from planforge.decide.coverage import _continues_list
    assert _continues_list(gap) is continues


def test_a_phase_or_feature_number_and_a_name_with_digits_get_their_own_reason():
    listed = _listed(REAL_PLANS / "shazilk-dev--hackathon-ii-todo--004-cloud-deployment.plan.md")
    # l.36 `Dockerfiles from Phase 4`, `Helm charts from 001-local-k8s-deployment`: the k8s of a name is no duration
    for text in ("Dockerfiles from Phase 4", "Existing Assets: Helm charts from 001-local-k8s-deployment"):
        assert listed[(36, text)].startswith("a phase, step or feature number"), listed[(36, text)]


@pytest.mark.parametrize("words", ["billing account 01A2B3-C4D5E6-F7A8B9", "AWS account 123456789012",
                                   "subscription 6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"])
def test_an_account_or_subscription_id_is_an_identifier_not_a_count(words: str):
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8").replace(
        "budget < $12k/month", f"budget < $12k/month; {words}")
    [item] = [i for i in decide(parse_text(text, "plan.md")).not_applied if i.text == words]
    assert item.why.startswith("an identifier"), item.why


def test_a_dapr_release_is_the_one_planforge_pins_not_a_figure_nothing_reads():
    d = decide(parse_plan(REAL_PLANS / "shazilk-dev--hackathon-ii-todo--004-cloud-deployment.plan.md"))
    [note] = [n for n in d.not_applied if n.text.startswith("Runtime Enhancement: Dapr 1.14")]
    assert note.why.startswith("a tool or provider version planforge pins itself")


def test_a_parenthesised_figure_is_reasoned_with_the_words_it_belongs_to():
    """`kubernetes` (~> 2.x) and `helm` (~> 2.x): the versions of providers no root uses, not ones planforge pins."""
    listed = _listed(JNROESCH)
    assert listed[(37, "~> 2.x")].startswith("a Terraform provider the roots do not use")


def test_node_counts_and_sizes_the_environment_sizing_carries_are_not_listed():
    """dev.tfvars' tree comment `1 node, ...` and the Summary's `node/VM size`: the per-environment sizing the plan
    states carries them (dev is one node); the backend's replicas are still listed (no such workload)."""
    listed = _listed(JNROESCH)
    assert not [(ln, text) for ln, text in listed if text in ("1 node", "node/VM size")]
    assert "replica" in listed[(124, "1 backend replica")]


def test_a_cloud_registry_the_output_does_not_use_is_listed():
    """`Container Registry: Amazon ECR`: the manifests name other images, so the registry is listed, not passed over."""
    text = (PLANS / "aws-eks-flux.plan.md").read_text().replace(
        "**Validation**:", "**Container Registry**: Amazon ECR, repositories orders-api and web-frontend\n**Validation**:", 1)
    listed = {i.text: i.why for i in decide(parse_text(text, "plan.md")).not_applied}
    assert listed["Container Registry: Amazon ECR"].startswith("the container registry is not created or configured")


def test_an_account_per_environment_is_listed_and_a_storage_account_is_not_one():
    """`one AWS account per environment (AWS Organizations)` was passed over (the cloud's name covered the clause):
    each root applies to its credentials' account, which the listing says; a storage account is not an account."""
    text = (PLANS / "aws-eks-flux.plan.md").read_text().replace(
        "**Validation**:", "**Accounts**: one AWS account per environment (AWS Organizations)\n**Validation**:", 1)
    listed = {i.text: i.why for i in decide(parse_text(text, "plan.md")).not_applied}
    assert listed["Accounts: one AWS account per environment"].startswith("the output sets up no account")
    assert listed["AWS Organizations"].startswith("the output sets up no account")
    text = text.replace("one AWS account per environment (AWS Organizations)", "logs in a storage account")
    assert not [i for i in decide(parse_text(text, "plan.md")).not_applied if i.why.startswith("the output sets up")]


def test_a_user_node_pool_is_no_user_count():
    """`Prod = autoscaling user node pool (min 2)`: a node pool's figure, not a count of users."""
    listed = _listed(JNROESCH)
    assert not [why for (ln, text), why in listed.items() if ln == 61 and "user, customer" in why]


def test_what_the_output_builds_is_not_listed_and_a_state_name_is_no_acme_issuer():
    """A managed database the plan names by its engine, secrets reaching pods through External Secrets with Pod
    Identity: built, not listed. A state bucket name (`acme-...`) is no ACME issuer: the bootstrap root creates the
    bucket and table under the plan's names, so neither is listed."""
    text = (PLANS / "ticketing-eks.plan.md").read_text()  # its engine is stated (PostgreSQL 16)
    summary = "with per-environment overlays.\n"
    assert summary in text
    text = text.replace(summary, summary + "Terraform owns the clusters and the RDS PostgreSQL database; application "
                        "secrets (database credentials) reach pods through External Secrets Operator with Pod "
                        "Identity.\n", 1)
    text = re.sub(r"(?m)^\*\*State Backend\*\*:.*$",
                  "**State Backend**: S3+DynamoDB (bucket `acme-payments-tfstate`, lock table `acme-payments-tflock`)",
                  text, count=1)
    decided = decide(parse_text(text, "plan.md"))
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "RDS PostgreSQL database" in t)
    assert [n.text for n in decided.not_applied if n.line in (line, line + 1)] == []
    assert (decided.answers.state_bucket_name, decided.answers.lock_table_name) == ("acme-payments-tfstate",
                                                                                   "acme-payments-tflock")
    assert not [n for n in decided.not_applied if "acme-payments" in n.text]


@pytest.mark.parametrize(("notes", "listed"), [
    ("Let's Encrypt ClusterIssuer (HTTP-01)", []),
    ("Let's Encrypt ClusterIssuer (DNS-01 via Route53)", ["DNS-01 via Route53"]),
])
def test_a_cert_manager_rows_http01_issuer_is_built_and_only_dns01_is_listed(notes: str, listed: list[str]):
    """cert-manager comes with the Let's Encrypt HTTP-01 ClusterIssuer: its row saying so was listed as not applied
    (twice); a DNS-01 solver is not generated and stays listed."""
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
    row = "| cert-manager | Yes | Let's Encrypt ClusterIssuer |"
    assert row in text
    d = decide(parse_text(text.replace(row, f"| cert-manager | Yes | {notes} |"), "plan.md"))
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith("| cert-manager"))
    assert [n.text for n in d.not_applied if n.line == line] == listed


def test_a_number_in_the_name_of_a_stated_standard_is_no_figure():
    """`SOC 2` names the compliance standard the plan states (and the output applies): its 2 was listed as `a figure
    no answer reads`."""
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
    constraints = "**Constraints**: PCI-DSS scope"
    assert constraints in text
    d = decide(parse_text(text.replace(constraints, "**Constraints**: SOC 2 Type II, PCI-DSS scope"), "plan.md"))
    assert "soc2" in d.answers.compliance
    assert not [n for n in d.not_applied if "SOC" in n.text]


def test_the_state_container_planforge_creates_is_not_listed_as_renamed():
    """`blob container tfstate` is the container the Azure bootstrap creates: it was listed as a name planforge
    replaces (an AKS review); another container name still is."""
    text = (PLANS / "aks-argocd-keyvault.plan.md").read_text(encoding="utf-8")
    field = next(line for line in text.splitlines() if line.startswith("**State Backend**"))
    for container, listed in (("tfstate", False), ("billing-tfstate", True)):
        stated = text.replace(field, f"**State Backend**: azurerm (Azure Storage account, blob container `{container}`)")
        d = decide(parse_text(stated, "plan.md"))
        assert any(container in n.text and "state's names" in n.why for n in d.not_applied) is listed, container


def test_built_database_tls_and_load_balancer_are_not_listed_and_a_daily_volume_is_throughput():
    """A reviewer's GKE plan: `database connections require TLS` (every database module enforces TLS) and an ingress
    row's `external L4 load balancer` (its Service of type LoadBalancer) were listed as not applied, with reasons about
    Ingresses; `~2M postings/day` was called a duration target."""
    text = (PLANS / "gke-flux-secretmanager.plan.md").read_text(encoding="utf-8")
    text = text.replace("**Constraints**: PCI-DSS scope", "**Constraints**: database connections require TLS; PCI-DSS scope")
    text = text.replace("**Scale/Scope**: 1 organization", "**Database**: Cloud SQL for PostgreSQL 16\n"
                        "**Scale/Scope**: ~2M ledger postings/day, 1 organization")
    text = text.replace("| ingress-nginx | Yes |", "| ingress-nginx | Yes | external L4 load balancer;")
    decided = decide(parse_text(text, "plan.md"))
    assert decided.answers.database_engine == "postgres"
    by_text = {i.text: i.why for i in decided.not_applied}
    assert not [t for t in by_text if "require TLS" in t or "load balancer" in t], by_text
    [daily] = [why for t, why in by_text.items() if "postings/day" in t]
    assert daily.startswith("a throughput target")


def test_performance_insights_is_reported_with_its_reason():
    """`RDS Performance Insights enabled` was dropped silently (no infrastructure word): it is listed, naming what the
    instance has instead."""
    text = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
    line = "**Constraints**: PCI-DSS scope limited to the orders namespace, budget < $12k/month"
    assert line in text
    d = decide(parse_text(text.replace(line, line + ", RDS Performance Insights enabled"), "plan.md"))
    [note] = [n for n in d.not_applied if "Performance Insights" in n.text]
    assert "Database Insights" in note.why and "Enhanced Monitoring" in note.why
