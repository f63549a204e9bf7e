"""Serverless compute: a Terraform-only AWS plan naming ECS on Fargate runs its applications on it (`compute`),
with their ports and health paths, the task counts as each environment's instances and the images in the
environment's own registry; the runtime is refused or reported wherever nothing builds it."""
from __future__ import annotations

from testlib import PLANS, line_of, refused

from planforge.decide import decide
from planforge.plan import parse_text

PLAN = (PLANS / "aws-ecs-fargate.plan.md").read_text(encoding="utf-8")


def decided(text: str = PLAN):
    return decide(parse_text(text, "plan.md"))


def test_the_plan_runs_its_applications_on_ecs_fargate() -> None:
    d = decided()
    a = d.answers
    assert (a.structure, a.cloud, a.compute) == ("single-iac", "aws", "ecs-fargate")
    assert d.provenance["compute"].line == line_of(PLAN, "| Compute (ECS Fargate) |")
    assert {app.name: (app.image, app.port, app.health_path) for app in a.apps} == {  # "": the environment's registry
        "booking-api": ("", 8080, "/healthz"), "booking-web": ("", 3000, "/"), "booking-reminders": ("", 8080, "/healthz")}
    assert not [n for n in d.not_applied if "ECS" in n.text or "Fargate" in n.text or "Load Balancer" in n.text]


def test_each_application_states_who_reaches_it_and_the_size_of_its_tasks() -> None:
    d = decided()
    apps = {app.name: (app.inbound, app.public, app.cpu_request, app.memory_request) for app in d.answers.apps}
    assert apps == {"booking-api": (True, False, "", ""), "booking-web": (True, True, "500m", "1Gi"),
                    "booking-reminders": (False, True, "250m", "512Mi")}
    line = line_of(PLAN, "booking-reminders (no inbound port")
    assert {"no inbound port", "0.25 vCPU", "vCPU / 0.5 GB"} <= {a.text for a in d.applied if a.line == line}
    # the worker has no port, so planforge invents none for it
    invented = str(d.provenance["apps"].note).split("booking-reminders: ")[1].split(";")[0]
    assert invented == "tag 0.1.0 in the environment's own registry"


def test_only_the_applications_that_state_their_database_use_reach_it() -> None:
    text = PLAN.replace("health /healthz, internal only)", "health /healthz, internal only, reads and writes PostgreSQL)")
    d = decided(text)
    assert {app.name: app.database_access for app in d.answers.apps} == {
        "booking-api": True, "booking-web": False, "booking-reminders": False}
    assert any(a.text == "reads and writes PostgreSQL" for a in d.applied)
    said_none = PLAN.replace("0.25 vCPU / 0.5 GB)", "0.25 vCPU / 0.5 GB, no database access)")
    assert {app.name: app.database_access for app in decided(said_none).answers.apps} == {
        "booking-api": True, "booking-web": True, "booking-reminders": False}
    assert all(app.database_access for app in decided().answers.apps)  # nobody says: every application reaches it


def test_on_kubernetes_who_reaches_an_application_is_reported_and_a_worker_built() -> None:
    text = (PLAN.replace("**Kubernetes**: N/A", "**Kubernetes**: EKS 1.31")
            .replace("Option 1 (single-iac: Terraform only)", "Option 2 (multi-tool)"))
    d = decided(text)
    assert any(n.text == "internal only" and "Kubernetes" in n.why for n in d.not_applied)
    line = line_of(text, "booking-reminders (no inbound port")
    assert not any(n.line == line and n.text == "no inbound port" for n in d.not_applied)
    assert {app.name: app.inbound for app in d.answers.apps}["booking-reminders"] is False
    assert {app.name: app.cpu_request for app in d.answers.apps}["booking-web"] == "500m"  # a request on Kubernetes


def test_task_counts_size_each_environment() -> None:
    sizing = {s.name: (s.min_size, s.max_size) for s in decided().answers.environment_sizing}
    assert sizing == {"staging": (1, 2), "production": (2, 6)}


def test_a_bare_count_after_a_task_count_sizes_its_environment_in_tasks() -> None:
    text = PLAN.replace("2 to 6 tasks per service in production, 1 to 2 tasks in staging",
                        "1 to 2 tasks per service in staging, 2 to 4 in production")
    d = decided(text)
    assert {s.name: (s.min_size, s.max_size) for s in d.answers.environment_sizing} == {
        "staging": (1, 2), "production": (2, 4)}
    assert any(a.line == line_of(text, "2 to 4 in production") and a.text == "2 to 4 in production" for a in d.applied)
    rows = {r.name: r.value for r in d.answers.decisions}
    assert rows["environment_sizing"] == "staging (1-2 tasks per service), production (2-4 tasks per service, multi-AZ)"


def test_a_count_per_environment_in_slashes_sizes_each_one() -> None:
    slashed = PLAN.replace("2 to 6 tasks per service in production, 1 to 2 tasks in staging",
                           "2/3 tasks per service in staging/production")
    sizing = {s.name: (s.min_size, s.max_size) for s in decided(slashed).answers.environment_sizing}
    assert sizing == {"staging": (2, 2), "production": (3, 3)}
    unpaired = slashed.replace("2/3 tasks", "2/3/4 tasks")
    d = decided(unpaired)
    [report] = [n for n in d.not_applied if n.text == "2/3/4 tasks"]
    assert report.line == line_of(unpaired, "2/3/4 tasks") and "3 counts for 2 environments" in report.why


def test_the_decisions_list_the_applications_and_their_compute() -> None:
    rows = {r.name: r.value for r in decided().answers.decisions}
    assert rows["compute"] == "ecs-fargate"
    assert rows["apps"].startswith("booking-api (image in the environment registry, port 8080, health /healthz, internal), "
                                   "booking-web (image in the environment registry, port 3000, health /, 500m CPU / 1Gi)")


def test_a_plan_on_vms_lists_no_applications_and_reports_task_counts() -> None:
    text = (PLAN.replace("ECS Fargate", "EC2 Auto Scaling").replace("ECS\nFargate", "EC2 Auto Scaling")
            .replace("in ECR", "in a registry"))
    d = decided(text)
    assert d.answers.compute == "vms"
    assert "apps" not in {r.name for r in d.answers.decisions}  # VMs run no application of the plan
    line = line_of(text, "| Compute (EC2 Auto Scaling) |")
    assert any(n.line == line and "task count" in n.why for n in d.not_applied)


def test_ecs_beside_kubernetes_is_reported_and_on_another_cloud_refused() -> None:
    with_eks = decided(PLAN.replace("**Kubernetes**: N/A", "**Kubernetes**: EKS 1.31")
                       .replace("Option 1 (single-iac: Terraform only)", "Option 2 (multi-tool)"))
    assert with_eks.answers.compute == "vms"
    assert any("ECS" in n.text and "not generated" in n.why for n in with_eks.not_applied)
    text = PLAN.replace("**Cloud Provider**: AWS", "**Cloud Provider**: GCP").replace("eu-west-1", "europe-west1")
    assert any("ECS/Fargate is named but not supported" in p.message for p in refused(text))


def test_https_is_built_on_the_load_balancer_and_the_certificate_and_dns_are_reported_for_ecs() -> None:
    text = PLAN.replace("| 2 AZs, public + private subnets |",
                        "| 2 AZs, public + private subnets; HTTPS only, HTTP redirects to HTTPS; ACM certificate "
                        "for book.example.com; DNS records in Route 53 |")
    d = decided(text)
    line = line_of(text, "| VPC |")
    reasons = {n.text: n.why for n in d.not_applied if n.line == line}
    assert "HTTPS only" not in reasons and "HTTP redirects to HTTPS" not in reasons  # the load balancer's listeners
    assert "certificate_arn" in reasons["ACM certificate for book.example.com"]
    assert "load_balancer_dns_names" in reasons["DNS records in Route 53"]
    assert not [why for why in reasons.values() if "Ingress" in why]


BULLETED = PLAN.replace(
    "**Custom Applications**: booking-api (port 8080, health /healthz, internal only), booking-web (port 3000, health /,\n"
    "0.5 vCPU / 1 GB), booking-reminders (no inbound port, 0.25 vCPU / 0.5 GB)",
    "**Custom Applications**:\n"
    "- `booking-api` — Go 1.22, port 8080, health `/healthz`, 1 vCPU / 2 GB; desired count staging 1, production 2\n"
    "- `booking-web` — Next.js 14, port 3000, health `/`, 0.5 vCPU / 1 GB\n"
    "- `booking-reminders` — Python 3.12, no inbound traffic (internal only), 0.25 vCPU / 0.5 GB\n").replace(
    "| Database (RDS PostgreSQL) | Yes | PostgreSQL 16, Multi-AZ in production only |",
    "| Database (RDS PostgreSQL) | Yes | PostgreSQL 16, Multi-AZ in production only, 14-day backups |\n"
    "| Load Balancer (ALB) | Yes | Internet-facing, HTTP redirects to HTTPS |\n"
    "| TLS certificate (ACM) | Yes | `*.book.example.com`, DNS-validated |\n"
    "| Queue (SQS) | Yes | reminders queue with a DLQ |\n"
    "| Logging | Yes | CloudWatch Logs, one log group per service, 30-day retention (90 in production) |").replace(
    "**Secrets Management**: AWS Secrets Manager",
    "**Secrets Management**: AWS Secrets Manager\n**Deployment Strategy**: N/A (ECS services updated by Terraform)")


def test_a_first_draft_of_a_terraform_only_plan_is_read_not_refused() -> None:
    """A plan written as a person writes it: bulleted applications, a row per AWS service, a strategy of N/A and a
    log retention beside the backups."""
    d = decided(BULLETED)
    apps = {app.name: (app.port, app.inbound, app.cpu_request, app.memory_request) for app in d.answers.apps}
    assert apps == {"booking-api": (8080, True, "1", "2Gi"), "booking-web": (3000, True, "500m", "1Gi"),
                    "booking-reminders": (8080, False, "250m", "512Mi")}
    assert d.answers.backup_retention_days == 14  # the logs' 30 days are no backup retention
    reasons = {n.text: n.why for n in d.not_applied}
    assert "no module of the catalog builds Queue (SQS)" in reasons["Queue (SQS)"]
    assert "certificate_arn" in reasons["TLS certificate (ACM)"]
    assert "Load Balancer (ALB)" not in reasons  # the services' load balancer
    assert {a.answer for a in d.applied if a.text == "Load Balancer (ALB)"} == {"compute"}


def test_an_unknown_row_of_a_kubernetes_plan_is_still_refused() -> None:
    text = (BULLETED.replace("**Kubernetes**: N/A", "**Kubernetes**: EKS 1.31")
            .replace("Option 1 (single-iac: Terraform only)", "Option 2 (multi-tool)"))
    assert any("unknown component 'Queue (SQS)'" in p.message for p in refused(text))


def test_an_untuned_ecs_plan_reports_only_what_is_not_built() -> None:
    """A plan written without planforge in mind: its state backend and single region are read (not reported), each
    environment's task count comes from a slashed list, and only the applications naming the database reach it."""
    text = (PLANS / "aws-ecs-lending.plan.md").read_text(encoding="utf-8")
    d = decided(text)
    assert (d.provenance["state_backend"].line, d.provenance["regions"].line) == (
        line_of(text, "**State Backend**"), line_of(text, "**Deployment Type**"))
    reported = {n.line for n in d.not_applied}
    assert not reported & {line_of(text, "**State Backend**"), line_of(text, "**Deployment Type**")}
    assert line_of(text, "| Queue (SQS) |") in reported  # not built, so said
    assert {s.name: (s.min_size, s.max_size) for s in d.answers.environment_sizing} == {
        "dev": (1, 1), "staging": (1, 1), "prod": (2, 4)}
    assert {app.name: app.database_access for app in d.answers.apps} == {
        "catalogue-web": False, "loans-api": True, "overdue-notifier": True, "overdue-report": True}


def test_no_service_says_nothing_connects_to_the_application() -> None:
    """`no Service and no Ingress` is a worker nothing connects to, as `no inbound port` is (it was read as nothing,
    and the worker got a port and health checks); a service mesh is not a Service."""
    worker = decided(PLAN.replace("booking-reminders (no inbound port", "booking-reminders (no Service and no Ingress"))
    assert {app.name: app.inbound for app in worker.answers.apps}["booking-reminders"] is False
    mesh = decided(PLAN.replace("booking-reminders (no inbound port", "booking-reminders (no service mesh"))
    assert {app.name: app.inbound for app in mesh.answers.apps}["booking-reminders"] is True
