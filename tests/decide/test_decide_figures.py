"""Figures land in the answers with their lines; figures read but not applied are recorded; contradictions are
refused with their line and a fix."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testlib import PLANS
from planforge.decide import decide
from planforge.decide.context import Context
from planforge.errors import RefusedError
from planforge.plan import parse_plan, parse_text

EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
SCALE = "**Scale/Scope**: 1 organization, 6 namespaces, 12 nodes per environment"
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decided(name: str):
    return decide(parse_plan(PLANS / f"{name}.plan.md"))


def with_lines(*lines: str, apps: str = "orders-api, web-frontend", pods: bool = True):
    """The EKS plan with lines added after Scale/Scope; pods=False drops its `300 pods` (which a few nodes cannot
    hold)."""
    text = EKS.replace(SCALE, "\n".join([SCALE, *lines]))
    text = text if pods else text.replace(", 300 pods", "")
    return decide(parse_text(text.replace("orders-api, web-frontend", apps), "plan.md"))


def test_eks_plan_nodes_per_environment_and_pods():
    d = decided("aws-eks-argocd")
    a = d.answers
    assert {s.name: s.max_size for s in a.environment_sizing} == {"dev": 12, "staging": 12, "prod": 12}
    assert a.max_pods == 300 and d.provenance["max_pods"].line == 27
    assert d.provenance["environment_sizing"].line == 29
    assert a.uptime == "99.95" and a.high_availability
    unapplied = [(n.line, n.text) for n in d.not_applied]
    assert (29, "6 namespaces") in unapplied  # read, and said why it is not applied
    # the figures that landed are not reported as dropped
    assert not [t for _, t in unapplied if any(w in t for w in ("12 nodes", "300 pods", "99.95"))], unapplied


def test_a_later_open_bound_keeps_the_bound_an_earlier_range_stated():
    """`between 3 and 10 nodes` in production, then `up to 10 nodes in production`: still 3-10 (the later figure
    states only the maximum, which agrees), not 1-10."""
    d = with_lines("**Performance Goals**: the production node group autoscales between 3 and 10 nodes",
                   "**Limits**: up to 10 nodes in production", pods=False)
    prod = next(s for s in d.answers.environment_sizing if s.name == "prod")
    assert (prod.min_size, prod.max_size) == (3, 10)
    d = with_lines("**Performance Goals**: the production node group autoscales between 3 and 10 nodes",
                   "**Limits**: up to 2 nodes in production", pods=False)  # disagrees: the later figure wins
    prod = next(s for s in d.answers.environment_sizing if s.name == "prod")
    assert (prod.min_size, prod.max_size) == (1, 2)


def test_payments_chart_replica_range_and_memory_limit():
    d = decided("helm-chart-payments")
    [svc] = d.answers.services
    assert (svc.min_replicas, svc.max_replicas, svc.replicas, svc.prod_replicas) == (2, 20, 2, 2)
    assert (svc.memory_limit, svc.memory_request) == ("512Mi", "")
    decisions = {x.name: x.value for x in d.answers.decisions}
    assert "2-20 replicas (autoscaled)" in decisions["services"] and "memory limit 512Mi" in decisions["services"]


def test_ticketing_plan_gets_every_figure():
    d = decided("ticketing-eks")
    a = d.answers
    assert {(s.name, s.instance_type, s.min_size, s.max_size) for s in a.environment_sizing} == {
        (e, "m6i.xlarge", 8, 24) for e in ("dev", "staging", "prod")}
    api = next(s for s in a.apps if s.name == "ticketing-api")
    assert (api.min_replicas, api.max_replicas, api.replicas) == (3, 30, 3)
    assert (api.memory_request, api.memory_limit) == ("2Gi", "2Gi")
    web = next(s for s in a.apps if s.name == "web-frontend")
    assert (web.max_replicas, web.memory_limit) == (0, "")
    assert (a.database_engine, a.database_version, a.backup_retention_days, a.rpo_minutes) == ("postgres", "16", 35, 5)
    assert {name: d.provenance[name].line for name in ("database_version", "backup_retention_days", "rpo_minutes",
                                                        "environment_sizing")} == {
        "database_version": 32, "backup_retention_days": 32, "rpo_minutes": 31, "environment_sizing": 30}
    decisions = {x.name: x.value for x in a.decisions}
    assert "dev (m6i.xlarge, 8-24 nodes)" in decisions["environment_sizing"]


def test_applied_figures_are_recorded_with_their_answer(monkeypatch):
    seen: dict = {}
    original = Context.applied

    def spy(self, line, text, answer):
        seen[(line, text)] = answer
        original(self, line, text, answer)

    monkeypatch.setattr(Context, "applied", spy)
    decide(parse_plan(PLANS / "ticketing-eks.plan.md"))
    assert seen[(31, "between 3 and 30 replicas")] == "apps.ticketing-api.min_replicas,max_replicas"
    assert seen[(32, "2Gi")] == "apps.ticketing-api.memory_request,memory_limit"
    assert seen[(31, "RPO 5 minutes")] == "rpo_minutes"
    assert seen[(30, "8-24 nodes")] == "environment_sizing.dev,staging,prod.min_size,max_size"


def test_per_environment_nodes_win_over_plan_wide_ones():
    a = with_lines("**Capacity**: 8-24 nodes per environment, Dev = 1 node", pods=False).answers
    assert {s.name: (s.min_size, s.max_size) for s in a.environment_sizing} == {
        "dev": (1, 1), "staging": (8, 24), "prod": (8, 24)}


def test_figures_read_but_not_applied_say_why():
    d = with_lines("**Tenancy**: 3 nodes per tenant")
    why = {n.text: n.why for n in d.not_applied}
    assert "tenant" in why["3 nodes"] and "namespace" in why["6 namespaces"]


def test_a_stated_limit_and_request_both_land():
    a = with_lines("**Resources**: orders-api needs 500m CPU, orders-api memory at most 1Gi").answers
    api = next(s for s in a.apps if s.name == "orders-api")
    assert (api.cpu_request, api.cpu_limit, api.memory_request, api.memory_limit) == ("500m", "500m", "", "1Gi")


def test_an_uptime_below_three_nines_and_a_short_rto():
    a = with_lines("**Recovery**: RTO 30 minutes").answers
    assert a.high_availability and a.rto_minutes == 30


@pytest.mark.parametrize("line, words", [
    ("**Capacity**: 24-8 nodes per environment", "minimum 24 is above the maximum 8"),
    ("**Resources**: orders-api needs 2Gi memory, orders-api memory < 512Mi", "below the request"),
    ("**Scaling**: orders-api runs 500 replicas", "more than the 300 pods"),
])
def test_contradictions_are_refused_with_line_and_fix(line, words):
    with pytest.raises(RefusedError) as exc:
        with_lines(line)
    [problem] = [p for p in exc.value.problems if words in p.message]
    assert problem.line in (27, 30) and problem.hint


# --------------------------------------------------------------------------- properties
RANGE_SPELLINGS = ["{a}-{b}", "{a} to {b}", "between {a} and {b}", "min {a} / max {b}"]
MEMORY_SPELLINGS = [("{n}Gi", 1024), ("{n} GiB", 1024), ("{n}Mi", 1), ("{n} MB", 1)]


@FAST
@given(st.integers(1, 40), st.integers(0, 40), st.sampled_from(RANGE_SPELLINGS), st.sampled_from(RANGE_SPELLINGS),
       st.integers(1, 8), st.sampled_from(MEMORY_SPELLINGS))
def test_random_figure_spellings_round_trip(a, extra, nodes_form, replicas_form, n, memory):
    b = a + extra
    spelling, factor = memory
    d = with_lines(f"**Capacity**: {nodes_form.format(a=a, b=b)} nodes per environment",
                   f"**Scaling**: orders-api scales {replicas_form.format(a=a, b=b)} replicas",
                   f"**Memory**: each orders-api pod needs {spelling.format(n=n)} memory", pods=False)
    assert {(s.min_size, s.max_size) for s in d.answers.environment_sizing} == {(a, b)}
    api = next(s for s in d.answers.apps if s.name == "orders-api")
    if a == b:
        assert (api.replicas, api.max_replicas) == (a, 0)
    else:
        assert (api.min_replicas, api.max_replicas, api.replicas) == (a, b, a)
    mi = n * factor
    assert api.memory_request == api.memory_limit == (f"{mi // 1024}Gi" if mi % 1024 == 0 else f"{mi}Mi")


@FAST
@given(st.integers(2, 60), st.integers(1, 60), st.sampled_from(RANGE_SPELLINGS))
def test_contradictory_ranges_are_refused_never_crash(high, drop, form):
    low = high + drop
    with pytest.raises(RefusedError) as exc:
        with_lines(f"**Scaling**: orders-api scales {form.format(a=low, b=high)} replicas")
    assert any(p.line == 30 and "above the maximum" in p.message for p in exc.value.problems)


def test_a_database_module_in_the_tree_without_an_engine_is_reported_not_applied():
    d = decided("aws-eks-argocd")
    [rds] = [n for n in d.not_applied if n.text == "terraform/modules/rds/"]
    assert rds.line == 75 and "names no database engine" in rds.why
    engine = next(x for x in d.answers.decisions if x.name == "database_engine")
    assert engine.value == "none" and "plan.md:75 names rds" in engine.source  # never "no database in the plan"


def test_a_retention_stated_for_every_environment_says_what_non_production_keeps():
    d = decided("ticketing-eks")
    assert d.answers.backup_retention_days == 35
    [note] = [n for n in d.not_applied if n.text == "backups kept 35 days"]
    assert "other environments keep 3" in note.why


def test_a_point_in_time_recovery_window_is_the_backup_retention():
    """`point-in-time recovery with 7 days of transaction logs` is how far back a restore reaches, the backups'
    retention (it was reported as a duration target planforge generates no check for)."""
    d = with_lines("**Database**: point-in-time recovery with 7 days of transaction logs")
    assert d.answers.backup_retention_days == 7
    assert d.provenance["backup_retention_days"].text.startswith("Database: point-in-time recovery")
    assert not [n for n in d.not_applied if "duration target" in n.why]


TICKETING = (PLANS / "ticketing-eks.plan.md").read_text(encoding="utf-8")


def ticketing_with(memory_clause: str):
    """The ticketing plan with line 32's memory clause replaced."""
    text = TICKETING.replace("each ticketing-api pod needs 2Gi memory", memory_clause)
    assert text != TICKETING
    return decide(parse_text(text, "plan.md"))


@pytest.mark.parametrize("clause, message", [
    ("ticketing-api memory request 2 GiB, limit 1 GiB", "memory limit 1Gi"),
    ("ticketing-api requests 2Gi memory with a 1Gi memory limit", "memory limit 1Gi"),
    ("ticketing-api cpu request 2 limit 1", "CPU limit 1 "),
    ("ticketing-api 500m CPU request, 250m limit", "CPU limit 250m"),
])
def test_a_limit_below_the_request_of_one_clause_is_refused_for_its_app(clause, message):
    with pytest.raises(RefusedError) as exc:
        ticketing_with(clause)
    [problem] = [p for p in exc.value.problems if "below the request" in p.message]
    assert problem.line == 32 and message in problem.message and "for ticketing-api" in problem.message
    assert "web-frontend" not in problem.message
    assert "raise the" in problem.hint and "lower the request" in problem.hint


@pytest.mark.parametrize("clause, expected", [
    ("ticketing-api memory request 1 GiB, limit 2 GiB", ("1Gi", "2Gi", "", "")),
    ("ticketing-api requests 512Mi memory with a 1Gi memory limit", ("512Mi", "1Gi", "", "")),
    ("ticketing-api cpu request 1 limit 2", ("", "", "1", "2")),
    ("ticketing-api 250m CPU request, 500m limit", ("", "", "250m", "500m")),
])
def test_a_request_and_limit_land_on_the_app_named_and_no_other(clause, expected):
    d = ticketing_with(clause)
    apps = {s.name: (s.memory_request, s.memory_limit, s.cpu_request, s.cpu_limit) for s in d.answers.apps}
    assert apps == {"ticketing-api": expected, "web-frontend": ("", "", "", "")}
    assert not [n for n in d.not_applied if n.line == 32 and "retention" not in n.why], d.not_applied


def test_unapplied_memory_and_cpu_figures_are_never_called_throughput_targets():
    from planforge.decide.coverage import _reason, vocabulary as coverage_vocabulary
    vocab = coverage_vocabulary()
    for clause in ("requests 2Gi memory with a 1Gi memory limit", "cpu request 2 limit 1", "250m limit", "limit 1"):
        assert "memory or CPU" in _reason(vocab, clause), clause
    assert "throughput" in _reason(vocab, "500 requests/s") and "throughput" in _reason(vocab, "rate limit 100 requests/s")


# --------------------------------------------------------------------------- database engines and versions
def ticketing_replaced(old: str, new: str):
    text = TICKETING.replace(old, new)
    assert text != TICKETING
    return decide(parse_text(text, "plan.md"))


@pytest.mark.parametrize("words, engine, version", [
    ("Aurora PostgreSQL 15", "postgres", "15"), ("Aurora MySQL 8.0", "mysql", "8.0"),
    ("aurora-postgresql 16", "postgres", "16"),
])
def test_aurora_becomes_the_rds_engine_of_its_flavour_and_says_no_cluster_is_generated(words, engine, version):
    d = ticketing_replaced("PostgreSQL 16", words)
    assert (d.answers.database_engine, d.answers.database_version) == (engine, version)
    [note] = [n for n in d.not_applied if n.text == words]
    assert note.line == 32 and note.why == f"Aurora: an RDS {engine} instance is generated, not an Aurora cluster"


@pytest.mark.parametrize("words, message", [
    ("PostgreSQL 99", "'PostgreSQL 99': postgres has no major version 99"),
    ("MySQL 9.9", "'MySQL 9.9': mysql has no major version 9.9"),
])
def test_a_major_version_the_engine_does_not_have_is_refused(words, message):
    with pytest.raises(RefusedError) as exc:
        ticketing_replaced("PostgreSQL 16", words)
    [p] = [p for p in exc.value.problems if p.field == "database_version" or "major version" in p.message]
    assert p.line == 32 and p.message == message and p.hint.startswith("state a version")


@pytest.mark.parametrize("clause, message", [
    ("each ticketing-api pod needs 0Gi memory", "'0Gi': a memory request or limit of 0 for ticketing-api"),
    ("each ticketing-api pod needs 2Gi memory and 0 cpu", "'0 cpu': a CPU request or limit of 0 for ticketing-api"),
])
def test_a_zero_memory_or_cpu_figure_is_refused_with_line_and_fix(clause, message):
    with pytest.raises(RefusedError) as exc:
        ticketing_with(clause)
    [p] = [p for p in exc.value.problems if "of 0" in p.message]
    assert p.line == 32 and p.message == message and p.hint.startswith("state what a pod needs")


@pytest.mark.parametrize("retention", [
    "database backups kept 35 days in prod and 7 days in dev",
    "database backups kept 35 days in production, 7 days in dev",
    "database backups kept 7 days in dev and 35 days in production",
])
def test_a_retention_per_environment_applies_to_each_environment(retention):
    d = ticketing_replaced("database backups kept 35 days", retention)
    assert d.answers.backup_retention_days == 35
    kept = {s.name: s.backup_retention_days for s in d.answers.environment_sizing}
    assert kept == {"dev": 7, "staging": None, "prod": None}  # staging keeps the blueprint's 3 (prod: the answer)
    assert not [n for n in d.not_applied if n.text == "7 days" or n.text.endswith("kept 7 days")]
    assert (32, "environment_sizing.dev.backup_retention_days") in {(a.line, a.answer) for a in d.applied}
    # production's 35 days are built as stated: staging, which states none, keeps 3 (a note, not "not applied")
    assert not [n for n in d.not_applied if "35 days" in n.text]
    assert "staging: the other environments keep 3" in d.provenance["backup_retention_days"].note


@pytest.mark.parametrize("retention, production, others", [
    ("database backups kept 35 days in prod (7 days elsewhere)", 35, 7),
    ("database backups kept 35 days in prod, 7 days in the other environments", 35, 7),
    ("database backups kept 7 days in dev, 14 days elsewhere", 14, 14),
])
def test_a_retention_said_of_the_other_environments_keeps_theirs(retention, production, others):
    d = ticketing_replaced("database backups kept 35 days", retention)
    assert d.answers.backup_retention_days == production
    kept = {s.name: s.backup_retention_days for s in d.answers.environment_sizing}
    assert kept["staging"] == others and kept["dev"] == 7 and kept["prod"] is None  # prod: the answer
    assert not [n for n in d.not_applied if "days" in n.text]


def test_an_environments_table_row_of_retentions_sizes_each_environment():
    table = ("\n| Setting | dev | staging | production |\n|---|---|---|---|\n"
             "| RDS backup retention | 5 days | 14 days | 35 days |\n")
    d = decide(parse_text(TICKETING.replace(", database backups kept 35 days", "").replace(
        "## Deployment Components", table + "\n## Deployment Components", 1), "plan.md"))
    assert d.answers.backup_retention_days == 35
    assert {s.name: s.backup_retention_days for s in d.answers.environment_sizing} == {
        "dev": 5, "staging": 14, "prod": None}
    assert not [n for n in d.not_applied if "days" in n.text]


def test_backups_kept_0_days_with_an_rpo_are_refused():
    with pytest.raises(RefusedError) as exc:
        ticketing_replaced("database backups kept 35 days", "database backups kept 0 days")
    [p] = [p for p in exc.value.problems if "0 days" in p.message]
    assert p.line == 32
    assert p.message == "'backups kept 0 days': backups kept 0 days cannot meet the RPO of 5 minutes (line 31)"
    assert p.hint.startswith("keep backups at least 1 day")


def test_a_zone_count_sets_the_aws_network_zones_and_is_reported_elsewhere():
    """`2 AZs` is the VPC's az_count on AWS (it was silently 3); a count per environment, outside 2-6 or on a cloud
    whose roots take none is reported at its line."""
    d = with_lines("**Network**: 2 AZs, public + private subnets")
    assert d.answers.availability_zones == 2
    assert d.provenance["availability_zones"].text.startswith("Network: 2 AZs")
    per_env = with_lines("**Network**: 2 AZs in staging")
    assert per_env.answers.availability_zones == 0
    assert any(n.text.startswith("2 AZs") and "per environment" in n.why for n in per_env.not_applied)
    too_many = with_lines("**Network**: 9 AZs")
    assert too_many.answers.availability_zones == 0 and any("not 2 to 6 zones" in n.why for n in too_many.not_applied)
    gke = (PLANS / "gke-flux-secretmanager.plan.md").read_text(encoding="utf-8")
    gcp = decide(parse_text(gke.replace("## Technical Context", "## Technical Context\n\n**Network**: 3 AZs"),
                            "plan.md"))
    assert gcp.answers.availability_zones == 0
    assert any("only AWS roots, and Azure environment roots" in n.why for n in gcp.not_applied)
    dns = with_lines("**DNS**: records in the existing Route 53 zone")  # a DNS zone, no zone count
    assert dns.answers.availability_zones == 0 and not any("zones" in n.why for n in dns.not_applied)


def test_a_zone_count_sets_the_aks_node_pools_zones_up_to_the_regions_three():
    """An AKS environment root spans the plan's zones (it was reported as taking none, and built three); an Azure
    region has three, so a count above is reported at its line."""
    aks = (PLANS / "aks-argocd-keyvault.plan.md").read_text(encoding="utf-8")

    def with_network(words: str):
        return decide(parse_text(aks.replace("## Technical Context", f"## Technical Context\n\n**Network**: {words}"),
                                 "plan.md"))

    assert with_network("2 availability zones").answers.availability_zones == 2
    four = with_network("4 AZs")
    assert four.answers.availability_zones == 0 and any("not 2 to 3 zones" in n.why for n in four.not_applied)


def test_a_zone_count_in_words_or_spelled_out_is_read():
    """`3 availability zones` and `three availability zones` are zone counts as `3 AZs` is (both were dropped: the
    VPC kept its default); a spelled number other than a zone count stays no figure."""
    for words in ("3 availability zones", "three availability zones", "Two AZs"):
        d = with_lines(f"**Network**: {words}, public + private subnets")
        assert d.answers.availability_zones == (2 if words.startswith("Two") else 3), words
        assert words in d.provenance["availability_zones"].text
    assert with_lines("**Network**: three subnets per zone").answers.availability_zones == 0


@pytest.mark.parametrize(("words", "zones"), [("spread over three availability zones", 3),
                                              ("spread over 2 availability zones", 2)])
def test_a_summarys_zone_count_is_read_and_spread_over_is_no_lower_bound(words: str, zones: int):
    """The Summary is prose no figure is read from, but for its zone count (`spread over three availability zones`
    was reported as unread while the VPC spans 3); `spread over 2 zones` is 2 zones, not more than 2."""
    summary = "Stand up an EKS cluster per environment with Terraform, then deliver platform"
    assert summary in EKS
    d = decide(parse_text(EKS.replace(summary, f"Stand up an EKS cluster per environment, {words}, then deliver"),
                          "plan.md"))
    assert d.answers.availability_zones == zones
    assert not [n for n in d.not_applied if n.line == 10]
    assert [a.answer for a in d.applied if a.line == 10] == ["availability_zones"]


def test_a_pod_count_per_environment_is_that_environments_ceiling():
    """`| Pods | 60 pods | 80 pods | 200 pods |` gives each environment its own ceiling (it collapsed to the first
    column, the others reported), and `300 pods in production` is production's alone (it was every one's)."""
    row = ("| Environment | dev | staging | prod |\n|---|---|---|---|\n| Pods | 60 pods | 80 pods | 200 pods |\n")
    d = decide(parse_text(EKS.replace(", 300 pods", "").replace("## Project Structure", row + "\n## Project Structure",
                                                                 1), "plan.md"))
    assert {s.name: s.max_pods for s in d.answers.environment_sizing} == {"dev": 60, "staging": 80, "prod": 200}
    assert d.answers.max_pods == 0 and not [n for n in d.not_applied if "pods" in n.text.lower()]
    bare = decide(parse_text(EKS.replace(", 300 pods", "").replace(
        "## Project Structure", row.replace(" pods |", " |") + "\n## Project Structure", 1), "plan.md"))
    assert {s.name: s.max_pods for s in bare.answers.environment_sizing} == {"dev": 60, "staging": 80, "prod": 200}
    d = decide(parse_text(EKS.replace(", 300 pods", ", 300 pods in production"), "plan.md"))
    assert {s.name: s.max_pods for s in d.answers.environment_sizing} == {"dev": 0, "staging": 0, "prod": 300}
    assert d.answers.max_pods == 0
    data = d.answers.to_copier_data()["environment_sizing"]
    assert [s.get("max_pods") for s in data] == [None, None, 300]  # absent where the plan states none


def test_a_plan_wide_node_count_above_the_non_production_range_is_production_scale():
    """`100 nodes` in a plan's scale sizes production; dev and staging keep the default range, and the sizing's note
    says so with the line (a figure `per environment` still sizes every one)."""
    d = decide(parse_text(EKS.replace(SCALE, "**Scale/Scope**: 1 organization, 6 namespaces, 100 nodes"), "plan.md"))
    sizes = {s.name: (s.min_size, s.max_size) for s in d.answers.environment_sizing}
    assert sizes == {"dev": (None, 0), "staging": (None, 0), "prod": (100, 100)}
    assert ("100 nodes (line 29) is production's scale: dev, staging keep 1-3 nodes"
            in d.provenance["environment_sizing"].note)
    [applied] = [a for a in d.applied if (a.line, a.text) == (29, "100 nodes")]
    assert applied.answer == "environment_sizing.prod.min_size,max_size"
    small = with_lines("**Capacity**: 3 nodes", pods=False)
    assert {s.name: s.max_size for s in small.answers.environment_sizing} == {"dev": 3, "staging": 3, "prod": 3}
    assert "production's scale" not in (small.provenance["environment_sizing"].note or "")
