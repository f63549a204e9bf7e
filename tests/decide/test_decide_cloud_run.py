"""Serverless compute on GCP: a Terraform-only GCP plan naming Cloud Run runs its applications on it, each
environment's instances size its services (a stated 0 scales to zero), applications described as bullets of their own
are read, and the domain it names is reported with what to do."""
from __future__ import annotations

from testlib import PLANS, line_of, refused

from planforge.decide import decide
from planforge.plan import parse_text

PLAN = (PLANS / "gcp-cloud-run.plan.md").read_text(encoding="utf-8")


def decided(text: str = PLAN):
    return decide(parse_text(text, "plan.md"))


def test_the_plan_runs_its_applications_on_cloud_run() -> None:
    d = decided()
    a = d.answers
    assert (a.structure, a.cloud, a.compute, a.region) == ("single-iac", "gcp", "cloud-run", "europe-west1")
    assert (a.state_backend, a.secrets_manager) == ("gcs", "gcp-secret-manager")
    assert {app.name: (app.port, app.public, app.database_access, app.cpu_request, app.memory_request)
            for app in a.apps} == {"reports-api": (8080, False, True, "2", "4Gi"),
                                   "reports-web": (3000, True, False, "", ""),
                                   "reports-rollup": (8080, True, True, "", "")}
    assert {app.name: app.schedule for app in a.apps}["reports-rollup"] == "15 4 * * *"  # a job
    assert not [n for n in d.not_applied if "Cloud Run" in n.text or "Artifact Registry" in n.text]


def test_instances_per_environment_size_the_services_and_zero_is_kept() -> None:
    d = decided()
    assert {s.name: (s.min_size, s.max_size) for s in d.answers.environment_sizing} == {
        "staging": (0, 3), "production": (1, 20)}
    line = line_of(PLAN, "| Compute (Cloud Run) |")
    assert {a.text for a in d.applied if a.line == line} >= {"1 to 20 instances", "0 to 3 in staging"}
    rows = {r.name: r.value for r in d.answers.decisions}
    assert rows["environment_sizing"].startswith("staging (0-3 instances per service), production (1-20 instances "
                                                 "per service")


def test_a_domain_and_its_certificate_are_reported_with_the_load_balancer_to_add() -> None:
    d = decided()
    [report] = [n for n in d.not_applied if n.line == line_of(PLAN, "| VPC |")]
    assert "serverless network endpoint group" in report.why and "Google-managed certificate" in report.why


def test_services_described_as_bullets_of_their_own_are_the_applications() -> None:
    text = PLAN.replace(PLAN[PLAN.index("**Custom Applications**"):PLAN.index("## Project Structure")], """## Services

- **Reports-api Cloud Run service**:
  - Port 8080, health /healthz
  - Environment variable `DATABASE_URL` from the Cloud SQL outputs
  - Internal only
- **Reports-web Cloud Run service**:
  - Port 3000
  - Calls reports-api at its internal URL

""")
    d = decided(text)
    assert {app.name: (app.port, app.health_path, app.public, app.database_access) for app in d.answers.apps} == {
        "reports-api": (8080, "/healthz", False, True), "reports-web": (3000, "/", True, False)}
    assert d.provenance["apps"].line == line_of(text, "**Reports-api Cloud Run service**")


def test_cloud_run_beside_gke_is_reported_and_on_azure_refused() -> None:
    with_gke = decided(PLAN.replace("**Kubernetes**: N/A", "**Kubernetes**: GKE 1.31")
                       .replace("Option 1 (single-iac: Terraform only)", "Option 2 (multi-tool)"))
    assert with_gke.answers.compute == "vms"
    assert any("Cloud Run" in n.text and "not generated" in n.why for n in with_gke.not_applied)
    text = (PLAN.replace("**Cloud Provider**: GCP", "**Cloud Provider**: Azure").replace("europe-west1", "westeurope")
            .replace("**State Backend**: GCS", "**State Backend**: Azure Storage")
            .replace("GCP Secret Manager", "Azure Key Vault"))
    assert any("Cloud Run is named but not supported" in p.message and "Cloud Run (GCP)" in p.message
               for p in refused(text))


def test_instances_size_a_terraform_only_plans_vms_and_beside_a_cluster_are_reported() -> None:
    vms = PLAN.replace("**Structure Decision**: Option 1 (single-iac: Terraform only). The containers run on Cloud Run.",
                       "**Structure Decision**: Option 1 (single-iac: Terraform only) on VMs.")
    vms = vms.replace("Compute (Cloud Run)", "Compute (VMs)").replace("on Cloud\nRun", "on VMs").replace(
        "Cloud Run", "managed instance groups")
    d = decided(vms)
    assert d.answers.compute == "vms"
    assert {s.name: (s.min_size, s.max_size) for s in d.answers.environment_sizing}["production"] == (1, 20)
    with_gke = decided(PLAN.replace("**Kubernetes**: N/A", "**Kubernetes**: GKE 1.31")
                       .replace("Option 1 (single-iac: Terraform only)", "Option 2 (multi-tool)"))
    assert any(n.text == "1 to 20 instances" and "nodes or each application's replicas" in n.why
               for n in with_gke.not_applied)


def test_a_size_after_a_cpu_count_and_a_slash_is_the_memory() -> None:
    """`1 vCPU / 512 MB` in a table row sizes the application's memory too, not its CPU alone (a bare MB is memory
    only where a memory word says so; the CPU count and slash do)."""
    text = PLAN.replace("**Custom Applications**", """| Service | Size |
|---------|------|
| reports-web | 1 vCPU / 512 MB |

**Custom Applications**""")
    apps = {app.name: (app.cpu_request, app.memory_request) for app in decided(text).answers.apps}
    assert apps["reports-web"] == ("1", "512Mi")
