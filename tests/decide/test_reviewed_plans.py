"""Plans a reviewer wrote for a side-by-side review, kept with what the review found dropped or contradicted, so that
it stays fixed (tests/fixtures/reviewed/).

aks-flux-billing: AKS, Flux and Key Vault, with an applications table (Route, Storage and Schedule columns) and a
sentence naming the Key Vault entry two applications read. Before: billing-api was routed at the host's root beside
billing-web, its 10 GiB volume became a 10Gi memory request and limit, the named entry was ignored and the job's
`nightly, 02:00 UTC`, the cluster autoscaler of its node range and ingress-nginx's public load balancer were listed
as not applied; both environments' Ingresses took the one host, which DNS points at one cluster only.

aws-eks-payments: EKS, Argo CD, RDS and ElastiCache with an environments table. Before, the ElastiCache row's
`cache.r6g.large` became every environment's node type (EKS refuses it) and its `2 nodes` the node count, the dev
column's `single NAT gateway` gave production one NAT gateway (and staging's `one per AZ` was not read), and payments-api read the Redis token's entry instead
of the database's.

aws-eks-storefront: EKS, Argo CD and RDS with a table of one row per environment (`| Environment | ... | Nodes (min /
desired / max) | ... | DB storage |`), a Services table and a Database subsection. Before, the table's node counts,
address spaces, Multi-AZ and NAT cells were not read (its node counts were taken for the database's), its DB storage
became a memory figure, the Database bullets (`PostgreSQL 16`, `backups 7 days (dev) / 30 days (prod)`) were not read,
`Public, via ingress-nginx at shop.example.com` gave storefront no Ingress, `probes on /healthz (storefront,
catalog-api)` gave catalog-api /health, the tags `storefront:1.14.2` gave 0.1.0, and the ECR repository whose host is
`<account>` was replaced by ghcr.io without a word, and `All three run in the shop namespace` gave each application a
namespace of its own.

aks-argocd-claims: AKS, Argo CD, Key Vault and PostgreSQL with a `## Services` section, a Secrets table and a table of
one row per environment. Before, claims-web got no Ingress (`Public (ingress): host, host, host`, one per environment),
the worker (`has no Service`) got a port and HTTP probes, every application read one JSON entry the plan never names
instead of the table's connection strings, staging's and production's backup retention (14 and 35 days) and database
sizes (64 and 256 GiB) were replaced, the Version column's chart versions were replaced without a word, and the
three services each ran in a namespace of its own, not the `claims` namespace the plan names.

gke-orders-flux: GKE, Flux, Cloud SQL and Pub/Sub, its applications as a bullet each, its network rules as sentences.
Before, orders-api's database password entry (`Database password comes from Secret Manager secret
`orders-api-db-password``, in its bullet) was reported as naming no application, and the ports of the rules the
repository builds (`orders-web may reach orders-api on 8080`, the ingress controller to orders-web on 3000, Cloud SQL
on TCP 5432) as figures no answer reads; each bullet's wrapped `2 replicas in` / `dev, 4 in prod` was read line by line,
its counts given to the wrong application or to none. (Its other findings: test_environment_columns, test_app_bullet_subject,
test_ingress_field, test_managed_prometheus, tests/plan/test_orchestration_field.)

aws-eks-ledger: EKS, Argo CD, Aurora and SQS, written by a reviewer who did not read the source, after the GKE fixes.
Before: `Everything we deploy ourselves lives in a single ledger namespace` gave each application its own; ledger-web's
route (`Public through ingress-nginx at ...`, `TLS certificates from cert-manager`) got the cloud's default ALB class
and neither chart was installed (unreachable); `ledger-web must not be able to open a connection to it` (the
database) was ignored and ledger-web got database egress; and `Grafana is out of scope`, `the Prometheus agent` beside
Amazon Managed Service for Prometheus installed a self-hosted kube-prometheus-stack with Grafana; and `..., 14-day`
wrapped over `backup retention in prod (3 days elsewhere)` kept prod's backups 3 days.

azure-aks-tally: AKS, Argo CD, Key Vault and PostgreSQL, its components table listing the cloud's services (`AKS`,
`Azure Key Vault`, `Log Analytics / Container Insights`, `Azure Budget`) beside the charts. Before, it was refused
whole: each such row was an unknown component (Azure Key Vault with the hint `vault`, HashiCorp's), and the
applications line (`storefront, orders-api, fulfillment-worker — all in namespace tally, images from
acrtallyshared.azurecr.io/tally/<service>`) gave `images from ...` and `<service>` as application names.

aws-eks-berth: EKS, Argo CD, RDS and Secrets Manager, written by a second reviewer after the tally fixes, with its
own table shapes. Before: `| HPA min-max dev / staging / prod |` over `| off / 2-4 / 3-10 |` autoscaled nothing, the
sync table (`| prod | no (manual) | no | no |`) left prod pruning automatically, and the tags table's `| Project |
berth |` lost to the branch's `berth-platform-eks`, and the `## Data: RDS PostgreSQL` section (`One PostgreSQL 16
instance per environment`, a table of instance classes) was not read: no database was built at all.

gke-flux-ledgerly: GKE, Flux, Cloud SQL and Secret Manager, written by a third reviewer, its services in a table under
`## Services` (`| Service | Image | Port | Kind | Exposed |`) with their replicas per environment, autoscaling, and
allowed flows in tables of their own. Before, no application was generated at all (the table was no Custom
Applications), and the tables beside it were reported as having no application to apply to.

doks-argocd-harbor: DigitalOcean, Argo CD, Managed PostgreSQL and Sealed Secrets, written by a fourth reviewer, its
add-ons in a table under `## Platform Add-ons (delivered by Argo CD)` (`| Add-on | Chart / version | Namespace |
Notes |`) and its services' resources as `| CPU req / limit |` over `| 100m / 500m |`. Before: no add-on but Argo CD
was installed (ingress-nginx, cert-manager, external-dns and Sealed Secrets dropped or reported), each request was
read as the limit (web's CPU limit 100m), and a sync-wave table's `cert-manager `0`` was reported as a version."""
from __future__ import annotations

from testlib import FIXTURES, line_of

from planforge.decide import decide
from planforge.plan import parse_plan, parse_text

REVIEWED = FIXTURES / "reviewed"


def test_aks_flux_billing_applications() -> None:
    d = decide(parse_plan(REVIEWED / "aks-flux-billing.plan.md"))
    apps = {a.name: a for a in d.answers.apps}
    web, api, job = apps["billing-web"], apps["billing-api"], apps["invoice-export"]
    assert (web.ingress_path, web.ingress_host, web.ingress_tls) == ("/", "billing.acme.example.com", True)
    assert (api.ingress_path, api.ingress_host, api.ingress_tls) == ("/api", "billing.acme.example.com", True)
    # one host for both clusters: production serves it, dev a name of its own (one name reaches one load balancer)
    assert {s.name: s.host for s in d.answers.environment_sizing} == {
        "dev": "dev.billing.acme.example.com", "prod": "billing.acme.example.com"}
    assert (api.volume_size, api.volume_path, api.memory_request, api.memory_limit) == (
        "10Gi", "/var/lib/uploads", "", "")
    # the connection string: one value, synced as DATABASE_URL
    assert (api.secret_values, job.secret_values, web.secret_values) == ({"DATABASE_URL": "billing-{env}-db"},) * 2 + ({},)
    assert (job.schedule, job.inbound) == ("0 2 * * *", False)
    assert not [n for n in d.not_applied if n.text in ("10 GiB", "02:00 UTC", "/api") or "billing-<env>-db" in n.text]
    # built, so not listed: the node range's autoscaling (`prod 6-12 nodes (cluster autoscaler)`) and the public load
    # balancer of ingress-nginx's Service (its Deployment Components row)
    assert not [n for n in d.not_applied if n.text in ("cluster autoscaler", "Public Azure load balancer")]


def test_aws_eks_payments_environments_table() -> None:
    plan = REVIEWED / "aws-eks-payments.plan.md"
    d = decide(parse_plan(plan))
    sizing = {s.name: (s.instance_type, s.min_size, s.max_size) for s in d.answers.environment_sizing}
    assert sizing == {"dev": ("t3.large", 2, 2), "staging": ("m6i.large", 3, 3), "prod": ("m6i.xlarge", 3, 9)}
    cache_line = line_of(plan.read_text(encoding="utf-8"), "| ElastiCache Redis |")
    assert {n.text for n in d.not_applied if n.line == cache_line} >= {"cache.t4g.small", "cache.r6g.large", "2 nodes"}
    # `| NAT gateways | single NAT gateway | one per AZ | one per AZ |`: dev's one is what it has by default, and
    # staging gets one per zone as production does (before: one NAT gateway everywhere, production's too)
    assert d.answers.single_nat_gateway is False
    assert {s.name: s.nat_gateway_per_az for s in d.answers.environment_sizing} == {
        "dev": False, "staging": True, "prod": True}
    # `| RDS instance | db.t4g.medium, single-AZ, 20 GB | ... 100 GB | ... 200 GB |`: before, every environment's database
    # took dev's 20 GB (the environment of the cell did not reach the size after its commas)
    assert {s.name: s.db_storage_gb for s in d.answers.environment_sizing} == {"dev": 20, "staging": 100, "prod": 200}
    # `| VPC | Yes | 10.40.0.0/16, 3 AZs, ... |`: before, every network took 10.0.0.0/16
    assert d.answers.network_cidr == "10.40.0.0/16"
    apps = {a.name: a.secret_key for a in d.answers.apps}
    assert apps["payments-api"] == "payments/{env}/postgres"
    # `pushed to ECR `123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/<service>``: before, ghcr.io/<project>/<app>
    assert {a.name: a.image for a in d.answers.apps}["ledger-worker"] == (
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/ledger-worker")


def test_aws_eks_storefront_rows_per_environment() -> None:
    plan = REVIEWED / "aws-eks-storefront.plan.md"
    text = plan.read_text(encoding="utf-8")
    d = decide(parse_plan(plan))
    sizing = {s.name: (s.instance_type, s.min_size, s.max_size, s.network_cidr, s.multi_az, s.nat_gateway_per_az,
                       s.db_storage_gb) for s in d.answers.environment_sizing}
    assert sizing == {"dev": ("t3.large", 2, 4, "10.20.0.0/16", False, False, 50),
                      "prod": ("m6i.xlarge", 3, 12, "10.30.0.0/16", True, True, 200)}
    # `automated backups 7 days (dev) / 30 days (prod)`, under `### Database`
    assert d.answers.backup_retention_days == 30
    assert {s.name: s.backup_retention_days for s in d.answers.environment_sizing}["dev"] == 7
    assert d.answers.database_version == "16"
    assert not [n for n in d.not_applied if n.line == line_of(text, "| dev | 1111")]
    # prod's desired 4 of `3 / 4 / 12`: the node group starts at its minimum, and no autoscaler runs (the plan's
    # `cluster-autoscaler | No`): said, not dropped
    [desired] = [n for n in d.not_applied if n.line == line_of(text, "| prod | 2222")]
    assert desired.text == "3 / 4 / 12" and "no desired count (4)" in desired.why


def test_aws_eks_storefront_services() -> None:
    plan = REVIEWED / "aws-eks-storefront.plan.md"
    text = plan.read_text(encoding="utf-8")
    d = decide(parse_plan(plan))
    apps = {a.name: a for a in d.answers.apps}
    assert {n: (a.health_path, a.tag) for n, a in apps.items()} == {
        "storefront": ("/healthz", "1.14.2"), "catalog-api": ("/healthz", "2.3.0"), "checkout-worker": ("/healthz", "0.9.1")}
    web = apps["storefront"]
    assert (web.ingress_path, web.ingress_host, web.ingress_tls) == ("/", "shop.example.com", True)
    assert {s.name: s.host for s in d.answers.environment_sizing} == {"dev": "shop.dev.example.com",
                                                                      "prod": "shop.example.com"}
    # an account placeholder in the registry's host: no image can be named, so it is said, not replaced silently
    ecr = [n for n in d.not_applied if n.line == line_of(text, "<account>.dkr.ecr")]
    assert ecr and "placeholder" in ecr[0].why and "newName" in ecr[0].why
    assert not [n for n in d.not_applied if n.text.startswith("1 cluster per environment")]
    # `Let's Encrypt ClusterIssuer (`letsencrypt-prod`)`: before, the issuer was always `letsencrypt`
    assert d.answers.cluster_issuer == "letsencrypt-prod"
    # `| shop/dev/stripe-api-key, shop/prod/stripe-api-key | ... as a plain string | checkout-worker, env STRIPE_API_KEY |`:
    # before, the worker read one JSON entry, storefront-eks/<env>/checkout-worker, which the plan never names
    worker = apps["checkout-worker"]
    assert (worker.secret_key, worker.secret_values) == (
        "", {"STRIPE_API_KEY": "shop/{env}/stripe-api-key", "DATABASE_URL": "shop/{env}/database-url"})
    assert not [n for n in d.not_applied if n.text == "DATABASE_URL"]
    # `All three run in the shop namespace`: before, each ran in a namespace named like it
    assert {a.namespace for a in apps.values()} == {"shop"}


def test_aks_argocd_claims_tables() -> None:
    plan = REVIEWED / "aks-argocd-claims.plan.md"
    text = plan.read_text(encoding="utf-8")
    d = decide(parse_plan(plan))
    sizing = {s.name: (s.min_size, s.max_size, s.db_storage_gb, s.backup_retention_days, s.host)
              for s in d.answers.environment_sizing}
    assert sizing == {"dev": (2, 4, 32, 7, "claims.dev.contoso.com"),
                      "staging": (3, 6, 64, 14, "claims.staging.contoso.com"),
                      "prod": (3, 10, 256, None, "claims.contoso.com")}
    assert d.answers.backup_retention_days == 35
    apps = {a.name: a for a in d.answers.apps}
    assert (apps["claims-web"].ingress_path, apps["claims-web"].ingress_tls) == ("/", True)
    assert apps["claims-worker"].inbound is False
    # `Only claims-api and claims-worker may reach PostgreSQL (5432).`: before, claims-web's namespace reached it too
    assert {n: a.database_access for n, a in apps.items()} == {"claims-web": False, "claims-api": True,
                                                                "claims-worker": True}
    # `All three services run in the claims namespace`
    assert {a.namespace for a in apps.values()} == {"claims"}
    assert {n: (a.secret_key, a.secret_values) for n, a in apps.items()} == {
        "claims-web": ("claims-oidc", {}),
        "claims-api": ("", {"DATABASE_URL": "claims-db-connection", "STORAGE_CONNECTION_STRING": "claims-storage-connection"}),
        "claims-worker": ("", {"DATABASE_URL": "claims-db-connection",
                               "SERVICEBUS_CONNECTION_STRING": "claims-servicebus-connection"})}
    # a JSON entry's keys are the Secret's as stored: variables named for them are said not to be applied
    assert [n for n in d.not_applied if n.line == line_of(text, "| `claims-oidc`") and "OIDC_CLIENT_ID" in n.text]
    # the Version column: 4.11.2 is an earlier patch than the pin (4.11.5 fixes CVE-2025-1974): reported, not installed
    assert {x.name: x.version for x in d.answers.components}["ingress-nginx"] == "4.11.5"
    versions = {n.text: n.why for n in d.not_applied if n.line == line_of(text, "| ingress-nginx | Yes")}
    assert "a later patch of the same release line" in versions["4.11.2"]


def test_gke_orders_flux_secret_entry_rule_ports_and_replicas() -> None:
    d = decide(parse_plan(REVIEWED / "gke-orders-flux.plan.md"))
    assert {a.name: a.environment_replicas for a in d.answers.apps} == {
        "orders-web": {"dev": (2, 2), "prod": (4, 4)}, "orders-api": {"dev": (2, 2), "prod": (3, 3)},
        "fulfilment-worker": {"dev": (1, 1), "prod": (2, 2)}}
    assert {a.name: a.secret_values for a in d.answers.apps}["orders-api"] == {"PASSWORD": "orders-api-db-password"}
    reported = {n.text for n in d.not_applied}
    assert not reported & {"orders-api-db-password", "may reach orders-web on 3000",
                           "orders-web may reach orders-api on 8080", "TCP 5432", "4 in prod", "3 prod", "2 prod"}


def test_aws_eks_ledger_namespace_route_charts_database_and_monitoring() -> None:
    d = decide(parse_plan(REVIEWED / "aws-eks-ledger.plan.md"))
    apps = {a.name: a for a in d.answers.apps}
    assert {a.namespace for a in apps.values()} == {"ledger"}
    assert {n: a.database_access for n, a in apps.items()} == {"ledger-api": True, "ledger-web": False,
                                                              "ledger-reconciler": True}
    assert (apps["ledger-web"].ingress_path, apps["ledger-web"].ingress_tls) == ("/", True)
    notes = {c.name: c.notes for c in d.answers.components}
    assert notes["ingress-nginx"].startswith("named with a route") and "cert-manager" in notes
    assert "kube-prometheus-stack" not in notes and d.answers.monitoring is False
    assert d.answers.cluster_issuer == "letsencrypt-prod"
    reported = {n.text for n in d.not_applied}
    # its `(one workspace per environment)` is the managed Prometheus's, not a Terraform workspace statement
    assert {"Managed Service for Prometheus (one workspace per environment)", "Prometheus agent"} <= reported
    assert "one workspace per environment" not in reported


def test_aws_eks_ledger_backups_kept_14_days_in_prod_and_3_elsewhere() -> None:
    # `..., 14-day` wrapped over `backup retention in prod (3 days elsewhere)`: read as one sentence
    d = decide(parse_plan(REVIEWED / "aws-eks-ledger.plan.md"))
    assert d.answers.backup_retention_days == 14
    assert {s.name: s.backup_retention_days for s in d.answers.environment_sizing} == {
        "dev": 3, "staging": 3, "prod": None}
    assert not [n for n in d.not_applied if "retention" in n.text]


def test_aws_eks_ledger_network_rules_that_are_built_are_recorded() -> None:
    # `ingress-nginx (...) → ledger-web on TCP 3000`, `ledger-web → ledger-api on TCP 8080`, `ledger-api → Aurora
    # PostgreSQL on TCP 5432`: the route's, the call's and the database egress's ports, all generated
    d = decide(parse_plan(REVIEWED / "aws-eks-ledger.plan.md"))
    assert not [n for n in d.not_applied if 60 <= n.line <= 63]
    applied = {(a.line, a.answer) for a in d.applied}
    assert {(60, "apps.ledger-web.ingress_path"), (61, "app_calls.ledger-web"), (62, "apps.ledger-api.database_access"),
            (63, "apps.ledger-reconciler.database_access")} <= applied
    # a port the repository does not open is not recorded
    text = (REVIEWED / "aws-eks-ledger.plan.md").read_text(encoding="utf-8")
    d = decide(parse_text(text.replace("ledger-api → Aurora PostgreSQL on TCP 5432",
                                       "ledger-api → Aurora PostgreSQL on TCP 6432"), "plan.md"))
    assert (62, "apps.ledger-api.database_access") not in {(a.line, a.answer) for a in d.applied}


def test_aws_eks_ledger_secrets_listed_under_a_secrets_heading() -> None:
    # `### Secrets` over `- ledger/<env>/api-db-password — password of the ledger_api Aurora user, consumed by
    # ledger-api as DB_PASSWORD (Kubernetes Secret ledger-api-db)`: before, no entry was read
    d = decide(parse_plan(REVIEWED / "aws-eks-ledger.plan.md"))
    apps = {a.name: a for a in d.answers.apps}
    assert apps["ledger-api"].secret_values == {"DB_PASSWORD": "ledger/{env}/api-db-password"}
    assert apps["ledger-reconciler"].secret_values == {"PASSWORD": "ledger/{env}/reconciler-db-password"}
    assert not apps["ledger-web"].secret_values and not apps["ledger-api"].secret_key
    # the Secret name the plan gives is not the one the ExternalSecret writes: said so
    [named] = [n for n in d.not_applied if n.text == "Kubernetes Secret ledger-api-db"]
    assert named.line == 78 and "ledger-api-secrets" in named.why


def test_aks_claims_all_data_in_eu_regions_is_the_residency() -> None:
    # `**Constraints**: GDPR, all data in EU regions; ...`: before, no residency and the clause reported as unread
    d = decide(parse_plan(REVIEWED / "aks-argocd-claims.plan.md"))
    assert d.answers.data_residency == "eu"
    assert not [n for n in d.not_applied if "EU regions" in n.text]


def test_aks_claims_argo_cd_installed_by_terraform_is_reported() -> None:
    # `| argo-cd | Yes | | Installed by Terraform bootstrap, then manages itself |`: no root installs a chart
    d = decide(parse_plan(REVIEWED / "aks-argocd-claims.plan.md"))
    [said] = [n for n in d.not_applied if n.text == "Installed by Terraform bootstrap"]
    assert said.line == 45 and "argocd README" in said.why
    assert "argo-cd" in {c.name for c in d.answers.components}


def test_aks_claims_database_section_is_built_or_reported() -> None:
    # the `### Database` bullets went unmentioned: geo-redundant backups in prod (prod's server is zone-redundant with
    # them), the maintenance window and the extensions are built; the administrator password and the zone name are
    # reported with what the output does instead
    d = decide(parse_plan(REVIEWED / "aks-argocd-claims.plan.md"))
    assert {(89, "environment_sizing.multi_az"), (90, "database_maintenance"), (91, "database_extensions")} <= {
        (a.line, a.answer) for a in d.applied}
    why = {n.line: n.why for n in d.not_applied if 87 <= n.line <= 91}
    assert set(why) == {87, 88}
    assert "Entra ID" in why[88]


def test_azure_aks_parcels_as_its_untuned_author_wrote_it() -> None:
    """azure-aks-parcels: AKS, Argo CD, Kustomize, PostgreSQL flexible server, Key Vault, written by a reviewer in their
    own words after the claims fixes. Before: its numbered `## Workloads` items lent nothing (`1.` ended a sentence), so
    ports (`listens on 8080`), health paths, `Replicas — dev: 1, test: 2, prod: 3`, the worker's `no port`, the web
    route (`Published through ingress-nginx at ...`) and `runs in the namespace parcels` were all lost; a `## Secrets`
    section of its own and `### Database settings` under another section were not read; `a vault of its own`, `Planned
    maintenance: ... Saturdays from 23:00 UTC`, `Only these extensions may be enabled`, `the other stages keep 7 days`,
    `pick EU regions only` and `bootstrapped by Terraform` went unread."""
    d = decide(parse_plan(REVIEWED / "azure-aks-parcels.plan.md"))
    apps = {a.name: a for a in d.answers.apps}
    assert {n: (a.port, a.health_path, a.inbound) for n, a in apps.items()} == {
        "parcels-api": (8080, "/healthz", True), "parcels-web": (3000, "/", True), "parcels-worker": (8080, "/healthz", False)}
    assert {n: a.environment_replicas for n, a in apps.items()} == {
        "parcels-api": {"dev": (1, 1), "test": (2, 2), "prod": (3, 3)},
        "parcels-web": {"dev": (1, 1), "test": (2, 2), "prod": (4, 4)},
        "parcels-worker": {"dev": (1, 1), "test": (1, 1), "prod": (2, 2)}}
    assert {a.namespace for a in apps.values()} == {"parcels"}
    assert (apps["parcels-web"].ingress_path, apps["parcels-web"].ingress_tls) == ("/", True)
    assert apps["parcels-worker"].secret_values == {"DB_PASSWORD": "parcels-worker-db-password",
                                                    "CARRIER_API_TOKEN": "parcels-carrier-api-token"}
    a = d.answers
    assert (a.backup_retention_days, a.database_maintenance, a.database_extensions, a.data_residency) == (
        30, "sat:23:00", ["postgis", "pg_trgm", "uuid-ossp"], "eu")
    assert {s.name: (s.backup_retention_days, s.secrets_vault) for s in a.environment_sizing} == {
        "dev": (7, "kv-parcels-dev"), "test": (7, "kv-parcels-test"), "prod": (None, "kv-parcels-prod")}
    assert "bootstrapped by Terraform" in {n.text for n in d.not_applied}
    # `Azure Storage account `stparcelstfstate`` (capital S) was not read as the state account
    assert (a.state_bucket_name, a.state_resource_group_name) == ("stparcelstfstate", "rg-parcels-tfstate")
    # `AKS 1.30 (Azure CNI overlay, Calico network policy)` and images from `acrparcels.azurecr.io` reach the clusters
    assert (a.aks_network_policy, a.aks_pod_overlay, a.acr_pull_registries) == ("calico", True, ["acrparcels"])
    # `Azure Monitor container insights is enough for now` (a note of a components row) was dropped in silence
    assert a.aks_container_insights is True


def test_a_sentence_granting_acrpull_is_the_built_grant_not_a_registry_gap() -> None:
    """`AKS kubelet identity gets AcrPull on the registry` was listed as 'the container registry is not created or
    configured by the output' although the aks module grants exactly that."""
    text = (REVIEWED / "azure-aks-parcels.plan.md").read_text().replace(
        "**Container Registry**: `acrparcels.azurecr.io` (shared across stages)",
        "**Container Registry**: `acrparcels.azurecr.io` (shared across stages); AKS kubelet identity gets `AcrPull` on "
        "the registry")
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.acr_pull_registries == ["acrparcels"]
    assert not [n for n in d.not_applied if "AcrPull" in n.text]


def test_a_components_table_naming_the_clouds_services_is_read_not_refused() -> None:
    plan = REVIEWED / "azure-aks-tally.plan.md"
    text = plan.read_text()
    d = decide(parse_plan(plan))
    a = d.answers
    assert [(app.name, app.image) for app in a.apps] == [
        (name, f"acrtallyshared.azurecr.io/tally/{name}") for name in ("storefront", "orders-api", "fulfillment-worker")]
    assert (a.kubernetes_distribution, a.secrets_manager) == ("aks", "azure-key-vault")
    reported = {(n.line, n.text) for n in d.not_applied}
    # the AKS row is read as the cluster's Compute row: its pools' figures are reported at it, never dropped
    assert (line_of(text, "| AKS |"), "3-6 Standard_D4s_v5") in reported
    # the budget row's words are reported, never dropped; the Key Vault row's RBAC mode is the vault's own
    assert any(line == line_of(text, "| Azure Budget |") for line, _ in reported)
    assert (line_of(text, "| Azure Key Vault |"), "RBAC authorization") not in reported
    # `OIDC issuer` is the cluster's, no Let's Encrypt issuer; `Azure AD RBAC` is the aks module's own
    aks_row = line_of(text, "| AKS |")
    assert not {t for line, t in reported if line == aks_row} & {"OIDC issuer", "Azure AD RBAC"}


def test_applications_in_namespace_tally_share_it() -> None:
    """`All three run in namespace `tally`` (no article before the namespace) gave each application its own."""
    text = (REVIEWED / "azure-aks-tally.plan.md").read_text().replace(
        " — all in namespace `tally`, images from `acrtallyshared.azurecr.io/tally/<service>`.",
        ".\n\nAll three run in namespace `tally`.")
    assert {app.namespace for app in decide(parse_text(text, "plan.md")).answers.apps} == {"tally"}


def test_the_project_is_named_by_its_tag_or_naming_convention_not_the_feature_branch() -> None:
    """`Branch: 014-aks-platform` named every resource `aks-platform` (`aks-aks-platform-prod`) although the plan's
    tags say `project=tally` and its convention `<type>-tally-<env>`."""
    text = (REVIEWED / "azure-aks-tally.plan.md").read_text()
    d = decide(parse_text(text, "plan.md"))
    assert d.answers.project_name == "tally"
    assert d.provenance["project_name"].line == line_of(text, "Mandatory tags")
    untagged = text.replace("`project=tally`, ", "")
    assert decide(parse_text(untagged, "plan.md")).answers.project_name == "tally"  # `<type>-tally-<env>`
    neither = untagged.replace("`<type>-tally-<env>`", "the table below")
    assert decide(parse_text(neither, "plan.md")).answers.project_name == "aks-platform"  # the branch
    # a project setting outside a tags line is no tag (`gcp:project=acme-prod-1` in a config)
    other = neither.replace("## Naming & Tagging", "Pulumi config `gcp:project=acme-prod-1`.\n\n## Naming & Tagging")
    assert decide(parse_text(other, "plan.md")).answers.project_name == "aks-platform"


def test_the_public_ingress_cell_routes_the_application_on_each_environments_host() -> None:
    """`| storefront | 8080 | public Ingress, TLS |` and `Hostnames: dev `dev.tallyhub.io`, staging ..., prod ...`
    gave storefront no Ingress, so every application admitted the ingress controller (orders-api, `ClusterIP only`,
    included); a state key list `dev.tfstate, staging.tfstate, prod.tfstate` is no list of hosts."""
    d = decide(parse_plan(REVIEWED / "azure-aks-tally.plan.md"))
    apps = {a.name: a for a in d.answers.apps}
    assert (apps["storefront"].ingress_path, apps["storefront"].ingress_tls) == ("/", True)
    assert not apps["orders-api"].ingress_path and not apps["fulfillment-worker"].ingress_path
    assert {s.name: s.host for s in d.answers.environment_sizing} == {
        "dev": "dev.tallyhub.io", "staging": "staging.tallyhub.io", "prod": "www.tallyhub.io"}


def test_an_autoscaler_column_of_one_environment_and_bare_cores_are_read() -> None:
    """`| HPA min-max (prod) |` over `| 3-10, CPU 70% |` and `| Limits |` over `| 1 / 512Mi |`: no application was
    autoscaled (prod ran a fixed 3), none had a CPU target, and storefront's and orders-api's CPU limit of one core
    became the default 500m, none of it reported."""
    apps = {a.name: a for a in decide(parse_plan(REVIEWED / "azure-aks-tally.plan.md")).answers.apps}
    assert {n: a.environment_replicas["prod"] for n, a in apps.items()} == {
        "storefront": (3, 10), "orders-api": (3, 8), "fulfillment-worker": (2, 6)}
    assert {n: a.environment_replicas["staging"] for n, a in apps.items()} == {
        "storefront": (2, 2), "orders-api": (2, 2), "fulfillment-worker": (1, 1)}
    assert {n: a.cpu_target for n, a in apps.items()} == {"storefront": 70, "orders-api": 70, "fulfillment-worker": 75}
    assert {n: (a.cpu_limit, a.memory_limit) for n, a in apps.items()} == {
        "storefront": ("1", "512Mi"), "orders-api": ("1", "1Gi"), "fulfillment-worker": ("500m", "512Mi")}


def test_the_numbered_network_rules_give_the_calls_and_the_workers_internet_egress() -> None:
    """`orders-api accepts ingress only from storefront ...`, `storefront ... may egress only to orders-api:8080`,
    `fulfillment-worker may egress to orders-api:8080 and to the internet on 443 (carrier APIs)` and `— all in
    namespace tally` after the applications: none was read, so storefront and the worker could not reach orders-api
    and the worker could not reach the carriers; the internet egress is the worker's, not orders-api's it names."""
    a = decide(parse_plan(REVIEWED / "azure-aks-tally.plan.md")).answers
    assert {(call.caller, call.callee) for call in a.app_calls} == {
        ("storefront", "orders-api"), ("fulfillment-worker", "orders-api")}
    assert {app.name for app in a.apps if app.external_https} == {"fulfillment-worker"}
    assert {app.namespace for app in a.apps} == {"tally"}


def test_a_key_vault_name_pattern_names_each_environments_vault() -> None:
    """`| Key Vault | `kv-tally-<env>` | `kv-tally-prod` |`: only the example's prod vault was taken; dev and staging
    got planforge's own names (`kvs-aksplatformdev`)."""
    a = decide(parse_plan(REVIEWED / "azure-aks-tally.plan.md")).answers
    assert {s.name: s.secrets_vault for s in a.environment_sizing} == {
        "dev": "kv-tally-dev", "staging": "kv-tally-staging", "prod": "kv-tally-prod"}


def test_a_second_reviewers_tables_autoscale_sync_and_name_the_project() -> None:
    d = decide(parse_plan(REVIEWED / "aws-eks-berth.plan.md"))
    a = d.answers
    assert {app.name: app.environment_replicas for app in a.apps if app.name != "berth-tides"} == {
        "berth-web": {"dev": (1, 1), "staging": (2, 4), "prod": (3, 10)},
        "berth-api": {"dev": (1, 1), "staging": (2, 4), "prod": (3, 8)}}
    assert (a.argocd_manual_sync, a.argocd_no_prune) == (["prod"], ["staging"])
    assert a.project_name == "berth"


def test_a_section_about_the_database_states_its_engine_and_sizes() -> None:
    a = decide(parse_plan(REVIEWED / "aws-eks-berth.plan.md")).answers
    assert (a.database_engine, a.database_version, a.database_name) == ("postgres", "16", "berth")
    assert {s.name: (s.db_instance_class, s.multi_az) for s in a.environment_sizing} == {
        "dev": ("db.t4g.micro", False), "staging": ("db.t4g.medium", False), "prod": ("db.r6g.large", True)}


def test_the_environments_section_sizes_node_groups_nat_gateways_and_the_api_endpoint() -> None:
    """`| Node group (instance, min/desired/max) |` over `| t3.large, 1/2/3 |`: the counts were dropped (every node
    group took the module's default range); `staging and prod get one NAT gateway per AZ` and `The EKS API endpoint is
    private plus public restricted to ... 203.0.113.0/24` were not read in an `## Environments` section (staging got
    one NAT gateway, the API was private only)."""
    path = REVIEWED / "aws-eks-berth.plan.md"
    d = decide(parse_plan(path))
    a = d.answers
    assert {s.name: (s.instance_type, s.min_size, s.max_size, s.nat_gateway_per_az) for s in a.environment_sizing} == {
        "dev": ("t3.large", 1, 3, False), "staging": ("m6i.large", 2, 4, True), "prod": ("m6i.xlarge", 3, 8, True)}
    assert (a.api_endpoint, a.api_authorized_cidrs) == ("public", ["203.0.113.0/24"])
    text = path.read_text()
    assert [(n.line, n.text) for n in a.not_applied if "desired count" in n.why] == [
        (line_of(text, "t3.large, 1/2/3"), "t3.large, 1/2/3")]


def test_a_nat_statement_is_said_of_the_environments_of_its_clause() -> None:
    """`prod spans three zones; dev uses a single NAT gateway`: the clause before the words names who gets one (the
    whole sentence capped production too); `one NAT gateway per AZ in staging` names its environment after them."""
    text = (REVIEWED / "aws-eks-berth.plan.md").read_text()
    edited = text.replace("dev uses a single NAT gateway to save money; staging and prod get one\nNAT gateway per AZ",
                          "prod spans three zones; dev uses a single NAT gateway; there is one NAT gateway per AZ "
                          "in staging")
    assert edited != text
    a = decide(parse_text(edited, "plan.md")).answers
    assert {s.name: s.nat_gateway_per_az for s in a.environment_sizing} == {"dev": False, "staging": True,
                                                                            "prod": False}
    assert a.single_nat_gateway is False  # production keeps one NAT gateway per zone


def test_a_tags_table_tags_every_resource_and_reports_a_value_per_resource() -> None:
    """`| Tag | Value |` rows: only `Project` was read (as the project's name); `Owner`, `CostCenter`, `ManagedBy` and
    `Environment` (`dev / staging / prod`: each root's own) were neither built nor reported."""
    path = REVIEWED / "aws-eks-berth.plan.md"
    a = decide(parse_plan(path)).answers
    assert [t.shown() for t in a.resource_tags] == [
        "Project=berth", "Environment=<environment>", "Owner=platform-team@tidewater.io", "CostCenter=CC-4410",
        "ManagedBy=terraform"]
    varying = "confidential for RDS and Secrets Manager, internal elsewhere"
    assert [n.line for n in a.not_applied if n.text == varying] == [line_of(path.read_text(), "`DataClassification`")]


LEDGERLY = REVIEWED / "gke-flux-ledgerly.plan.md"


def test_a_services_table_gives_the_applications_their_images_replicas_autoscaling_and_calls() -> None:
    a = decide(parse_plan(LEDGERLY)).answers
    apps = {app.name: app for app in a.apps}
    assert list(apps) == ["ledgerly-web", "ledgerly-api", "ledgerly-worker"]
    assert apps["ledgerly-api"].image == "europe-west3-docker.pkg.dev/nw-ledgerly-shared/ledgerly/api"
    assert [apps[n].port for n in apps] == [3000, 8080, 9090]
    # `| Staging replicas | Prod replicas |`, then `### Autoscaling (prod only)` over `| Min | Max | Target CPU |`
    assert {n: app.environment_replicas for n, app in apps.items()} == {
        "ledgerly-web": {"staging": (1, 1), "prod": (3, 10)}, "ledgerly-api": {"staging": (2, 2), "prod": (3, 12)},
        "ledgerly-worker": {}}  # a CronJob: `1 (per run)`, one run at a time
    assert (apps["ledgerly-web"].cpu_target, apps["ledgerly-api"].cpu_target) == (70, 65)
    # `The worker generates ... It runs as a CronJob on schedule */15 * * * *` (the worker: ledgerly-worker)
    assert apps["ledgerly-worker"].schedule == "*/15 * * * *"
    # `| From | To | Port |` rows between two applications; the ingress controller's rows are the ingress's
    assert [(call.caller, call.callee) for call in a.app_calls] == [("ledgerly-web", "ledgerly-api"),
                                                                   ("ledgerly-worker", "ledgerly-api")]


def test_bullets_under_a_services_heading_stay_a_serverless_plans_services() -> None:
    """Only a table under `## Services` is the Custom Applications: the bullets of a serverless plan's services keep
    their task sizes as requests and limits."""
    a = decide(parse_plan(FIXTURES / "plans/aws-fleet-ingest.plan.md")).answers
    assert {app.name: (app.cpu_limit, app.memory_limit) for app in a.apps} == {
        "ingest-api": ("1", "2Gi"), "fleet-admin": ("250m", "512Mi"), "reconcile": ("500m", "1Gi")}


def test_a_daily_backups_count_kept_is_its_retention_in_days() -> None:
    """`| Backups | daily at 02:00 UTC, 7 retained | daily at 02:00 UTC, 30 retained, PITR on |`: neither read nor
    reported before (staging kept 3 days, prod 7)."""
    a = decide(parse_plan(LEDGERLY)).answers
    assert {s.name: s.backup_retention_days for s in a.environment_sizing} == {"staging": 7, "prod": None}
    assert a.backup_retention_days == 30  # production's


def test_platform_components_a_sentence_installs_are_installed_with_their_issuer() -> None:
    """`Platform components (ingress-nginx, cert-manager, external-secrets) are installed as Flux HelmReleases` with no
    components table: only external-secrets (for the secret store) was installed, cert-manager was reported and
    ingress-nginx dropped in silence. `## Ingress and TLS` states each chart's version (reported against the pin) and
    `a `ClusterIssuer` named `letsencrypt-prod`` (the issuer was `letsencrypt`)."""
    d = decide(parse_plan(LEDGERLY))
    a = d.answers
    assert [comp.name for comp in a.components] == ["ingress-nginx", "cert-manager", "external-secrets"]
    assert a.cluster_issuer == "letsencrypt-prod"
    text = LEDGERLY.read_text()
    reported = {(n.line, n.text) for n in a.not_applied if "planforge pins the" in n.why}
    assert {(line_of(text, "ingress-nginx (chart"), "ingress-nginx (chart 4.10.1"),
            (line_of(text, "cert-manager (chart"), "cert-manager (chart v1.14.5"),
            (line_of(text, "external-secrets operator 0.9.x"), "external-secrets operator 0.9.x")} == reported


def test_a_naming_conventions_prefix_names_the_project_or_is_reported_beside_its_tag() -> None:
    """`All GCP resources are named `nw-ledgerly-<env>-<component>``: every resource was named after the branch,
    `ledgerly-gke-flux-<env>`. Beside a `| Project | berth |` tag, `tdw-<env>-<component>` was dropped in silence."""
    assert decide(parse_plan(LEDGERLY)).answers.project_name == "nw-ledgerly"
    berth = REVIEWED / "aws-eks-berth.plan.md"
    a = decide(parse_plan(berth)).answers
    assert a.project_name == "berth"
    assert [(n.line, n.text) for n in a.not_applied if "named after the project" in n.why] == [
        (line_of(berth.read_text(), "`tdw-<env>-<component>`"), "tdw-<env>-<component>")]


def test_production_said_to_follow_the_main_branch_is_reported() -> None:
    """`both clusters reconcile from the `main` branch`: production follows release tags, which nothing said."""
    a = decide(parse_plan(LEDGERLY)).answers
    assert [(n.line, n.text) for n in a.not_applied if "release tags" in n.why] == [
        (line_of(LEDGERLY.read_text(), "both clusters reconcile"), "both clusters reconcile from the main branch")]


def test_an_environments_tables_one_namespace_holds_every_application() -> None:
    """`| Environment | ... | Namespace |` naming `ledgerly` in every row: each application got a namespace of its own.
    A column naming a different namespace per environment states none for the applications."""
    assert {app.namespace for app in decide(parse_plan(LEDGERLY)).answers.apps} == {"ledgerly"}
    text = LEDGERLY.read_text()
    row = "| prod | `nw-ledgerly-prod` | `nw-ledgerly-prod-gke` | `ledgerly` |"
    assert row in text
    varied = parse_text(text.replace(row, row.replace("`ledgerly` |", "`ledgerly-prod` |")), "plan.md")
    assert {app.namespace for app in decide(varied).answers.apps} == {""}


HARBOR = REVIEWED / "doks-argocd-harbor.plan.md"


def test_an_add_ons_tables_rows_are_the_components_it_installs() -> None:
    a = decide(parse_plan(HARBOR)).answers
    assert [(comp.name, comp.namespace) for comp in a.components][:5] == [
        ("argo-cd", "argocd"), ("ingress-nginx", "ingress-nginx"), ("cert-manager", "cert-manager"),
        ("external-dns", "external-dns"), ("sealed-secrets", "kube-system")]
    assert (a.cluster_issuer, a.acme_email) == ("letsencrypt-prod", "platform@seabright.io")
    # `Sealed Secrets `-1`, cert-manager `0`, ingress-nginx/external-dns `1``: sync waves, no versions (reported as
    # waves, with the order the repository keeps)
    said = [n.why for n in a.not_applied if n.line == line_of(HARBOR.read_text(), "Argo CD sync waves")]
    assert len(said) == 1 and "wave numbers the plan gives" in said[0]


def test_a_request_and_limit_column_gives_each_its_own_value() -> None:
    apps = {app.name: app for app in decide(parse_plan(HARBOR)).answers.apps}
    assert {n: (app.cpu_request, app.cpu_limit, app.memory_request, app.memory_limit) for n, app in apps.items()} == {
        "web": ("100m", "500m", "256Mi", "512Mi"), "api": ("250m", "1", "512Mi", "1Gi"),
        "worker": ("200m", "500m", "384Mi", "768Mi")}


def test_each_environments_digitalocean_vpc_takes_the_range_the_plan_states() -> None:
    """`| staging | `harbor-staging-vpc` | `10.110.0.0/20` | ...`: a /20 was reported as not a /16, although a
    DigitalOcean VPC has no subnets to carve (each environment got 10.10.0.0/16 or 10.20.0.0/16)."""
    a = decide(parse_plan(HARBOR)).answers
    assert {s.name: s.network_cidr for s in a.environment_sizing} == {"staging": "10.110.0.0/20",
                                                                     "production": "10.120.0.0/20"}


def test_an_api_reachable_publicly_only_from_a_range_admits_that_range() -> None:
    """`The Kubernetes API is reachable publicly but only from the office egress IP `203.0.113.24/32` ... via DOKS
    control-plane firewall`: the Decisions said the plan lists no ranges, and both roots refused to plan."""
    a = decide(parse_plan(HARBOR)).answers
    assert (a.api_endpoint, a.api_authorized_cidrs) == ("public", ["203.0.113.24/32"])


def test_the_repository_a_gitops_tool_reconciles_from_is_the_repo_url() -> None:
    """`Argo CD ..., repo `https://github.com/seabright/harbor-infra.git`` was reported as an Ingress's HTTPS, and
    `reconcile` / `from the `main` branch of `https://github.com/northwind/platform-infra`` (a sentence wrapped over
    two lines) dropped: both repositories' manifests carried a placeholder URL."""
    harbor = decide(parse_plan(HARBOR))
    assert harbor.answers.repo_url == "https://github.com/seabright/harbor-infra.git"
    assert not [n for n in harbor.answers.not_applied if "harbor-infra" in n.text]
    assert decide(parse_plan(LEDGERLY)).answers.repo_url == "https://github.com/northwind/platform-infra"


def test_a_project_tag_a_line_states_names_the_project() -> None:
    """`Tags on every DO resource: `project:harbor`, `env:<env>`, `managed-by:terraform``: every resource was named
    after the branch (`harbor-platform-<env>`), not the plan's `harbor-staging`; DigitalOcean's own tags are reported."""
    a = decide(parse_plan(HARBOR)).answers
    assert a.project_name == "harbor"
    line = line_of(HARBOR.read_text(), "Tags on every DO resource")
    assert sorted(n.text for n in a.not_applied if n.line == line) == ["env:<env>", "managed-by:terraform",
                                                                      "project:harbor"]


def test_an_autoscaling_sentence_gives_its_application_a_range_in_its_environment() -> None:
    """`Production api has an HPA: min 4, max 10, target CPU 70%`: the target was read and the range dropped, so
    production's api kept a fixed 4 replicas and no HPA (and nothing installed metrics-server)."""
    a = decide(parse_plan(HARBOR)).answers
    api = next(app for app in a.apps if app.name == "api")
    assert (api.environment_replicas, api.cpu_target) == ({"staging": (2, 2), "production": (4, 10)}, 70)
    assert "metrics-server" in [comp.name for comp in a.components]
    text = HARBOR.read_text()
    changed = parse_text(text.replace("min 4, max 10", "min 3, max 10"), "plan.md")
    assert [n.text for n in decide(changed).answers.not_applied if "as the plan states first" in n.why] == [
        "min 3, max 10"]


def test_the_state_backends_spaces_endpoint_is_the_deployment_regions() -> None:
    """`Spaces bucket `seabright-tfstate` (fra1, S3 endpoint `https://fra1.digitaloceanspaces.com`)`: every backend
    names that endpoint, yet the line was reported as an Ingress's HTTPS; another region's endpoint is reported."""
    endpoint = "https://fra1.digitaloceanspaces.com"
    assert not [n for n in decide(parse_plan(HARBOR)).answers.not_applied if endpoint in n.text]
    other = parse_text(HARBOR.read_text().replace(endpoint, "https://ams3.digitaloceanspaces.com"), "plan.md")
    assert [n.text for n in decide(other).answers.not_applied if "Spaces of the deployment region" in n.why] == [
        "https://ams3.digitaloceanspaces.com"]


def test_a_gitops_field_naming_one_branch_for_every_environment_is_reported() -> None:
    """`**GitOps**: Argo CD ..., repo `...`, branch `main``: production was pinned to v0.1.0 without a word."""
    a = decide(parse_plan(HARBOR)).answers
    assert [(n.line, n.text) for n in a.not_applied if "release tags" in n.why] == [
        (line_of(HARBOR.read_text(), "**GitOps**"), "branch main")]
