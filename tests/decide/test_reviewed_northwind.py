"""aks-flux-northwind (tests/fixtures/reviewed/): AKS, Flux, Key Vault with External Secrets, PostgreSQL and ACR, written
by a fifth reviewer who did not read the source, with its hosts in a table of one row per environment (`| Env | Env
domain | portal host | scheduler-api host |`), its state storage already existing and its data kept in its region.
Before: the plan was refused whole (`RPO 15 min / RTO 4 h` read as two RPOs), no Ingress was built, the state storage
was created again, production's backups and a Key Vault went to the paired region against `all patient data stays in
westeurope`, `probes on /healthz` for all three services gave scheduler-api /health, `chart 4.11.3` in the
components table's Notes was replaced by the pin without a word (now reported: 4.11.5 fixes CVE-2025-1974), and
the GitOps field's `github.com/northwind/clinics-infra` was no repository URL."""
from __future__ import annotations

from testlib import FIXTURES, line_of

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

NORTHWIND = FIXTURES / "reviewed" / "aks-flux-northwind.plan.md"


def test_both_recovery_objectives_of_one_clause_are_read() -> None:
    d = decide(parse_plan(NORTHWIND))  # refused before
    assert (d.answers.rpo_minutes, d.answers.rto_minutes) == (15, 240)


def test_each_environments_row_gives_each_application_its_host() -> None:
    a = decide(parse_plan(NORTHWIND)).answers
    routed = {app.name: (app.ingress_path, app.environment_hosts) for app in a.apps}
    assert routed["portal"] == ("/", {"dev": "dev.northwind-clinics.example",
                                      "staging": "staging.northwind-clinics.example", "prod": "northwind-clinics.example"})
    assert routed["scheduler-api"] == ("/", {"dev": "api.dev.northwind-clinics.example",
                                             "staging": "api.staging.northwind-clinics.example",
                                             "prod": "api.northwind-clinics.example"})
    assert routed["reminder-worker"] == ("", {})


def test_a_probe_path_stated_for_every_service_is_each_ones() -> None:
    a = decide(parse_plan(NORTHWIND)).answers
    assert {app.name: app.health_path for app in a.apps if app.inbound} == {"scheduler-api": "/healthz",
                                                                           "portal": "/healthz"}


def test_state_storage_that_already_exists_is_not_created() -> None:
    d = decide(parse_plan(NORTHWIND))
    a = d.answers
    assert (a.state_bootstrap, a.state_bucket_name, a.state_resource_group_name) == (False, "stnwctfstate01",
                                                                                      "rg-nwc-tfstate")
    assert d.provenance["state_bootstrap"].line == line_of(NORTHWIND.read_text(), "**State Backend**")


def test_data_kept_in_the_region_keeps_production_backups_there() -> None:
    d = decide(parse_plan(NORTHWIND))
    assert d.answers.database_backups_in_region is True
    assert d.provenance["database_backups_in_region"].line == line_of(NORTHWIND.read_text(), "GDPR")


def test_a_chart_version_in_the_notes_is_reported_and_a_schemeless_repository_is_the_plans() -> None:
    d = decide(parse_plan(NORTHWIND))
    assert {x.name: x.version for x in d.answers.components}["ingress-nginx"] == "4.11.5"  # 4.11.3 lacks a CVE fix
    assert [n for n in d.not_applied if n.text == "chart 4.11.3" and "later patch" in n.why]
    assert d.answers.repo_url == "https://github.com/northwind/clinics-infra"


def test_issuers_of_a_sentence_in_clauses_and_a_plural_clusterissuers() -> None:
    """`dev and staging use `letsencrypt-staging`; prod uses `letsencrypt-prod`` (wrapped over two lines) and
    `ClusterIssuers `letsencrypt-staging` and `letsencrypt-prod``: neither was read (a public domain here, so the
    certificates are issued)."""
    text = NORTHWIND.read_text().replace("northwind-clinics.example", "northwind-clinics.com")
    a = decide(parse_text(text, "plan.md")).answers
    assert (a.acme_staging_environments, a.cluster_issuer) == (["dev", "staging"], "letsencrypt-prod")


def test_an_issuer_a_plan_adds_beside_the_ingresses_one_is_reported() -> None:
    """`staging also gets `letsencrypt-staging``: staging's Ingresses keep the production issuer."""
    text = NORTHWIND.read_text().replace("northwind-clinics.example", "northwind-clinics.com").replace(
        "dev and staging use\n`letsencrypt-staging`; prod uses `letsencrypt-prod`.",
        "all environments use `letsencrypt-prod`;\nstaging also gets `letsencrypt-staging`.")
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.acme_staging_environments == []
    assert [n for n in d.not_applied if n.text == "letsencrypt-staging" and "beside" in n.why]


def test_key_vault_entries_of_a_services_column_are_synced_as_their_variables() -> None:
    """`| Secrets from Key Vault |` over `` `scheduler-db-url` → env `DATABASE_URL` ``: each application read one JSON
    entry the plan never names."""
    a = decide(parse_plan(NORTHWIND)).answers
    assert {app.name: (app.secret_key, app.secret_values) for app in a.apps} == {
        "scheduler-api": ("", {"DATABASE_URL": "scheduler-db-url"}),
        "portal": ("", {"SESSION_SECRET": "portal-session-secret"}),
        "reminder-worker": ("", {"SMS_API_KEY": "reminder-sms-api-key"})}


def test_network_table_ranges_and_a_system_pool_for_critical_add_ons() -> None:
    """The network table's `Service CIDR` column (172.16.0.0/16 in every environment) and `The system pool runs with
    `only_critical_addons_enabled = true``: the module's 172.20.0.0/16 and one node pool replaced them."""
    a = decide(parse_plan(NORTHWIND)).answers
    assert (a.aks_service_cidr, a.node_pools) == ("172.16.0.0/16", "system-user")



def test_a_table_captioned_replicas_gives_each_application_its_count_per_environment() -> None:
    """`Replicas:` over `| Service | dev | staging | prod |`: no count was read, so portal ran 1/1/2 (not 1/2/3) and
    scheduler-api autoscaled 2-8 in dev and staging too, where the plan fixes it at 1 and 2."""
    a = decide(parse_plan(NORTHWIND)).answers
    counts = {app.name: app.environment_replicas for app in a.apps}
    assert counts["portal"] == {"dev": (1, 1), "staging": (2, 2), "prod": (3, 3)}
    assert counts["scheduler-api"] == {"dev": (1, 1), "staging": (2, 2)}
    assert {app.name: (app.min_replicas, app.max_replicas) for app in a.apps}["scheduler-api"] == (2, 8)


def test_a_tag_on_the_line_a_tags_sentence_wraps_onto_is_applied() -> None:
    """`Every resource carries tags `project=...`, `env=<env>`, `owner=platform-team`,` over `` `cost-center=CC-4711`. ``:
    the wrapped tag was dropped without a word."""
    a = decide(parse_plan(NORTHWIND)).answers
    assert {t.key: t.value for t in a.resource_tags}["cost-center"] == "CC-4711"
