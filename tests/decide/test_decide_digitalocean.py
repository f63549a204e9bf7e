"""DigitalOcean as a cloud: a multi-tool plan on DOKS is decided with the plan's region, sizes, database and state,
what DigitalOcean cannot do is reported at its line, and the layouts it is not built for are refused with a fix."""
from __future__ import annotations

from testlib import PLANS, REPO, line_of, refused

from planforge.decide import decide
from planforge.plan import parse_text

PLAN = (PLANS / "doks-argocd.plan.md").read_text(encoding="utf-8")


def decided(text: str = PLAN):
    return decide(parse_text(text, "plan.md"))


def test_the_plan_is_decided_as_doks_with_its_figures() -> None:
    d = decided()
    a = d.answers
    assert (a.structure, a.cloud, a.kubernetes_distribution, a.kubernetes_version) == \
        ("multi-tool", "digitalocean", "doks", "1.31")
    assert a.region == "fra1" and a.data_residency == "eu"
    assert (a.database_engine, a.database_version) == ("postgres", "16")
    assert {app.name: app.image for app in a.apps} == {  # the registry the bootstrap root creates (plan line 10)
        "recipes-api": "registry.digitalocean.com/recipes-doks/recipes-api",
        "web": "registry.digitalocean.com/recipes-doks/web"}
    sizing = {s.name: (s.instance_type, s.min_size, s.max_size) for s in a.environment_sizing}
    assert sizing == {"production": ("s-4vcpu-8gb", 3, 6), "staging": (None, 2, 2)}


def test_spaces_state_is_not_locked_and_the_decision_says_so() -> None:
    d = decided()
    assert (d.answers.state_backend, d.answers.state_locking) == ("s3", "none")
    assert "Spaces bucket, which offers no lock" in d.provenance["state_locking"].note


def test_a_residency_named_before_its_words_is_read() -> None:
    """`EU data residency` and `data residency EU` say the same; a word that is no residency is none."""
    assert decided().answers.data_residency == "eu"
    strict = decided(PLAN.replace("EU data residency", "strict data residency"))
    assert strict.answers.data_residency == ""


def test_a_region_outside_the_residency_is_refused_at_its_line() -> None:
    text = PLAN.replace("single-region (fra1)", "single-region (lon1)")
    [p] = [p for p in refused(text) if p.line == line_of(text, "**Deployment Type**")]
    assert "lon1" in p.message and "fra1" in (p.hint or "")


def test_customer_managed_keys_and_a_backup_retention_are_reported_not_applied() -> None:
    text = PLAN.replace("EU data residency,", "EU data residency, PCI-DSS, backups kept 30 days,")
    d = decided(text)
    line = line_of(text, "**Constraints**")
    why = {n.why.split(":")[0] for n in d.not_applied if n.line == line}
    assert "DigitalOcean offers no customer-managed keys" in why
    assert any(n.text == "backups kept 30 days" and "7 days" in n.why for n in d.not_applied)
    assert (d.answers.customer_managed_kms, d.answers.backup_retention_days) == (False, 7)


def test_other_layouts_and_multi_region_on_digitalocean_are_refused_with_a_fix() -> None:
    single = PLAN.replace("**Structure Decision**: multi-tool (Terraform + Kubernetes)",
                          "**Structure Decision**: single IaC tool (Terraform)")
    [p] = [p for p in refused(single) if p.field == "Cloud Provider"]
    assert "multi-tool layout only" in p.message and "multi-tool" in (p.hint or "")
    assert p.line == line_of(single, "**Cloud Provider**")
    regional = PLAN.replace("single-region (fra1)", "multi-region (fra1 primary, ams3 standby)")
    [p] = [p for p in refused(regional) if p.line == line_of(regional, "**Deployment Type**")]
    assert "not DigitalOcean" in p.message


def test_droplet_and_database_sizes_are_read_as_instance_types() -> None:
    text = PLAN.replace("2 nodes in staging", "2 nodes in staging; database db-s-2vcpu-4gb in production")
    sizing = {s.name: s for s in decided(text).answers.environment_sizing}
    assert sizing["production"].instance_type == "s-4vcpu-8gb"
    assert sizing["production"].db_instance_class == "db-s-2vcpu-4gb"


def test_the_doks_seed_filled_in_gets_a_doks_cluster() -> None:
    """The seed's Target Platform (Minikube, DOKS) once its structure says Terraform + Kubernetes: the cluster on
    DigitalOcean, not only a values file."""
    seed = (REPO / "src/planforge/data/plan_templates/sp-phase5-doks-plan-template.md").read_text(encoding="utf-8")
    text = (seed.replace("[FEATURE]", "Todo Cloud").replace("[###-feature-name]", "009-todo-cloud")
            .replace("**Structure Decision**: [Document the selected structure and reference the real\ndirectories "
                     "captured above]", "**Structure Decision**: multi-tool (Terraform + Kubernetes)"))
    a = decided(text).answers
    assert (a.cloud, a.kubernetes_distribution, a.structure) == ("digitalocean", "doks", "multi-tool")
    # Neon is a service outside the repository: no DigitalOcean database is created for it
    assert a.storage == "external-postgresql"


def test_what_doks_builds_otherwise_is_said_at_its_line() -> None:
    """The database disk (a size's own disk, which DigitalOcean refuses to go below), Secrets "created by Terraform"
    (no root writes into a cluster) and a private API endpoint (DOKS has none: its firewall admits the ranges you set)."""
    text = PLAN.replace("**Scale/Scope**:", "**Security**: private Kubernetes API endpoint\n**Scale/Scope**:")
    d = decided(text)
    why = {(n.line, n.text): n.why for n in d.not_applied}
    assert "refuses a disk below it" in why[(line_of(text, "**Storage**"), "50 GB")]
    assert "no Terraform root writes into a cluster" in why[(line_of(text, "**Secrets Management**"), "created by Terraform")]
    assert d.answers.database_storage_gb == 0
    assert [n for n in d.not_applied if n.line == line_of(text, "**Security**") and "no private API endpoint" in n.why]
    assert (d.answers.api_endpoint, d.answers.api_authorized_cidrs) == ("public", [])
    assert "TF_VAR_api_authorized_cidrs" in d.provenance["api_authorized_cidrs"].note


def test_a_managed_service_beside_terraform_is_the_clouds_database() -> None:
    """`(managed service)` beside Terraform is the cloud's managed database, built; Neon (or anything external) is
    outside the repository, and no root creates one for it."""
    storage = "**Storage**: Managed PostgreSQL 16, 50 GB"
    assert decided(PLAN.replace(storage, "**Storage**: PostgreSQL 16 (managed service)")).answers.storage == \
        "managed-postgresql"
    assert decided(PLAN.replace(storage, "**Storage**: Neon PostgreSQL (external managed service)")).answers.storage \
        == "external-postgresql"


def test_a_terraform_older_than_the_s3_compatible_backend_needs_is_raised_and_said() -> None:
    """skip_s3_checksum, which Spaces needs, exists from Terraform 1.6.3: a plan naming 1.6 gets roots requiring 1.6.3,
    and the version's decision says why."""
    d = decided(PLAN.replace("**IaC Tools**: Terraform 1.9", "**IaC Tools**: Terraform 1.6"))
    assert d.answers.terraform_version == "1.6"
    assert "require >= 1.6.3" in d.provenance["terraform_version"].note


def test_the_registry_the_images_name_is_the_one_the_bootstrap_creates() -> None:
    """Images under `registry.digitalocean.com/taskly/` beside `DigitalOcean Container Registry `taskly``: the
    bootstrap root created a registry named after the project, and the pods could never pull their images."""
    text = PLAN.replace("**Custom Applications**: recipes-api, web",
                        "**Custom Applications**: recipes-api (image `registry.digitalocean.com/taskly/recipes-api`), "
                        "web (image `registry.digitalocean.com/taskly/web`)\n\n"
                        "**Container Registry**: DigitalOcean Container Registry `taskly` (Basic tier)")
    d = decided(text)
    assert d.answers.registry_name == "taskly"
    assert d.provenance["registry_name"].line == line_of(text, "**Container Registry**")
    assert not [n for n in d.not_applied if "registry" in n.why and "not created" in n.why]


def test_images_naming_a_second_registry_are_reported() -> None:
    text = PLAN.replace("**Custom Applications**: recipes-api, web",
                        "**Custom Applications**: recipes-api (image `registry.digitalocean.com/taskly/recipes-api`), "
                        "web (image `registry.digitalocean.com/other/web`)")
    d = decided(text)
    assert d.answers.registry_name == "taskly"
    [reported] = [n for n in d.not_applied if n.text == "registry.digitalocean.com/other"]
    assert "one container registry, taskly" in reported.why


def test_a_managed_database_replacing_another_is_the_clouds_database() -> None:
    """`DigitalOcean Managed PostgreSQL 16 (replaces Neon PostgreSQL)`: the Neon it leaves made it an external database,
    and no root created the managed one the plan asks for."""
    d = decided(PLAN.replace("**Storage**: Managed PostgreSQL 16, 50 GB",
                             "**Storage**: DigitalOcean Managed PostgreSQL 16 (replaces Neon PostgreSQL)"))
    assert (d.answers.storage, d.answers.database_secret) == ("managed-postgresql", "")


def test_a_version_after_the_parenthesised_distribution_is_read() -> None:
    """`DigitalOcean Kubernetes (DOKS) 1.30`: the `)` kept the version from being read, and the default replaced it."""
    text = PLAN.replace("**Kubernetes**: DOKS 1.31", "**Target Platform**: DigitalOcean Kubernetes (DOKS) 1.30")
    assert text != PLAN
    assert decided(text).answers.kubernetes_version == "1.30"
