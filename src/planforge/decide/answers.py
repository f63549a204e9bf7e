"""The answers model: the contract between `decide` (which fills it from a Plan) and the
Copier blueprints (whose copier.yml declares one question per field below).

Field names here ARE the Copier question names. `Answers.to_copier_data()` gives the
data file `planforge answers` writes and `copier copy --data-file` reads. Provenance is
kept beside the values (never sent to Copier except as the rendered `decisions` list).
"""
from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Structure = Literal["single-iac", "multi-tool", "multi-tenant", "helm-chart"]
Blueprint = Literal["terraform", "kubernetes", "argocd", "flux", "helm-chart", "ansible", "cloudformation", "pulumi"]
Cloud = Literal["aws", "azure", "gcp", "digitalocean", "oci", "none"]
StateBackend = Literal["s3", "azurerm", "gcs", "terraform-cloud", "pulumi-cloud", "none"]
StateLocking = Literal["dynamodb", "lockfile", "native", "none"]
GitOps = Literal["argocd", "flux", "none"]
DeploymentStrategy = Literal["helm-first", "kustomize-only", "raw-manifests"]
SecretsManager = Literal[
    "aws-secrets-manager", "vault", "azure-key-vault", "gcp-secret-manager", "oci-vault", "sealed-secrets", "kubernetes",
    "none"
]


class Provenance(BaseModel):
    """Where an answer came from: a plan line, or a documented default."""

    model_config = ConfigDict(frozen=True)

    # option: a planforge command-line flag; required: added by the system model's closure for another unit (`by`)
    source: Literal["plan", "default", "option", "required"]
    line: int | None = None  # 1-based line in plan.md
    text: str | None = None  # the plan text the answer was read from
    note: str | None = None  # why the default applies
    # A composite answer (applications, chart services, components) read from several lines: one more
    # citation per line that states one of its figures or components.
    more: tuple[Provenance, ...] = ()
    by: str | None = None  # source "required": the id of the unit that requires it, e.g. "secret-store:aws-secrets-manager"

    def describe(self) -> str:
        if self.source == "plan":
            first = f"plan.md:{self.line}: {self.text}" + (f" ({self.note})" if self.note else "")
            return "; ".join([first, *(f"plan.md:{p.line}: {p.text}" if p.source == "plan" else p.describe()
                                      for p in self.more)])
        if self.source == "option":
            return f"command line ({self.note})"
        if self.source == "required":
            return f"required by {self.by}" + (f" ({self.note})" if self.note else "")
        return f"default ({self.note})" if self.note else "default"


class Component(BaseModel):
    """A catalog component (upstream Helm chart) selected by the plan."""

    name: str
    chart_repo: str
    chart: str
    version: str  # exact pinned chart version
    namespace: str
    notes: str = ""
    # helm-chart structure without GitOps: the platforms whose clusters need it (platform/install.sh installs it
    # there only); [] = every cluster
    platforms: list[str] = Field(default_factory=list)
    # environment -> the replica count its row states (`2 replicas in production`); unset: 2 in a highly
    # available production, else 1 (includes/k8s/components.jinja)
    replicas: dict[str, int] = Field(default_factory=dict)
    # environment -> the days its metrics are kept (`metrics kept 15 days`); unset: the values body's default
    retention_days: dict[str, int] = Field(default_factory=dict)
    # environment -> the GiB of its volume (`50 GiB of storage` on its row); unset: the values body's default
    storage_gb: dict[str, int] = Field(default_factory=dict)


class Service(BaseModel):
    """A first-party application: a custom app (Kustomize) or a chart service."""

    name: str
    image: str  # repository without tag; "" (serverless compute): the repository of the environment's own registry
    tag: str = "0.1.0"
    port: int = 8080
    # Kustomize applications: the namespace it runs in when the plan states one it shares (`All three services run in
    # the claims namespace`); "": a namespace named like the application
    namespace: str = ""
    health_path: str = "/healthz"
    ready_path: str = ""  # the readiness probe's path when the plan states one of its own ("": health_path)
    # Kubernetes: how its probes check it when the plan says so: a TCP connection to its port (`Health: TCP 9000`),
    # else a command in the container (`exec probe /app/healthcheck`); neither: HTTP GET on health_path
    tcp_probe: bool = False
    probe_command: str = ""
    # No inbound port: a worker nothing connects to (serverless: no load balancer or ingress; Kubernetes: no Service,
    # container port, HTTP probe or NetworkPolicy rule).
    inbound: bool = True
    # Serverless compute only (Kubernetes reports it): reached from inside the network only (an internal load balancer).
    public: bool = True
    # Serverless compute only: its tasks get the database's address and credentials. False when it states `no
    # database`, or when other applications state that they use the database and it does not.
    database_access: bool = True
    replicas: int = 1
    prod_replicas: int = 2
    # Figures the plan states for this service ("" / 0: not stated, the blueprint's default applies).
    min_replicas: int = 0  # autoscaling range: an HPA (and a PodDisruptionBudget) when max_replicas > 0
    max_replicas: int = 0
    # An environment's own [min, max] replicas, over the counts above there (`| checkout-web replicas | 1 | 3 |`):
    # one count when min = max, else an HPA's range
    environment_replicas: dict[str, tuple[int, int]] = {}
    cpu_target: int = 0  # the HPA's average CPU utilization target, percent of requests (0: the blueprint's 75)
    cpu_request: str = ""  # Kubernetes quantities, e.g. "250m", "1"
    cpu_limit: str = ""
    memory_request: str = ""  # e.g. "512Mi", "2Gi"
    memory_limit: str = ""
    # A PersistentVolumeClaim of this size ("" = no volume): ReadWriteOnce, so the service runs one pod (no
    # autoscaling) and is replaced with the Recreate strategy.
    volume_size: str = ""  # a Kubernetes quantity, e.g. "1Gi"
    volume_path: str = ""  # where the container mounts it (`mounted at /data/uploads`; "": /data)
    # Serverless compute only: a scheduled job run on this five-field cron schedule (UTC), not a service ("").
    schedule: str = ""
    # Helm-chart services the plan routes an Ingress path to: the path ("": no Ingress), its host ("": any host) and
    # TLS, a certificate cert-manager issues for the host from the ClusterIssuer letsencrypt.
    ingress_path: str = ""
    ingress_host: str = ""
    ingress_tls: bool = False
    # Kustomize applications: environment -> its own host there, where the plan gives each environment several
    # (`web is served at `app.<env-domain>``, over an environments table's `app.staging.shop.io, api.staging.shop.io`)
    environment_hosts: dict[str, str] = {}
    # Kustomize applications with a secrets manager: the entry holding a JSON object whose keys become their Secret's,
    # `{env}` standing for each environment ("": <project>/<env>/<name>, or that store's spelling of it, unless
    # secret_values names every entry they read)
    secret_key: str = ""
    # The entries holding one value each, by the environment variable the value is synced as (`reads the connection
    # string from the Key Vault secret claims-<env>-db`: {DATABASE_URL: claims-{env}-db}).
    secret_values: dict[str, str] = {}
    # Kustomize applications the plan asks a ServiceMonitor for (kube-prometheus-stack scrapes their /metrics)
    service_monitor: bool = False
    # Kustomize applications that call services outside the cluster: their namespace admits HTTPS egress to public
    # addresses (the default policy denies all egress but DNS, the namespace and the database)
    external_https: bool = False
    # TCP ports beside 443 it reaches on public addresses with external_https: a message broker's AMQP over TLS (5671)
    external_ports: list[int] = []

    def autoscaled(self) -> bool:
        """Whether an HPA scales it in some environment (a range for all, or an environment's own)."""
        return self.max_replicas > 0 or any(high > low for low, high in self.environment_replicas.values())


class ResourceTag(BaseModel):
    """A tag the plan says the cloud resources carry; value `${environment}`: each root's environment."""

    ENVIRONMENT: ClassVar[str] = "${environment}"
    key: str
    value: str

    def shown(self) -> str:
        """`Key=value`, each root's environment as `<environment>`."""
        return f"{self.key}={'<environment>' if self.value == self.ENVIRONMENT else self.value}"


class AppCall(BaseModel):
    """A call from one custom application to another (`web calls the API`): the caller's namespace may send to the
    callee's pods on their port, and the callee admits the caller's namespace."""

    caller: str
    callee: str


class DaprBinding(BaseModel):
    """A Dapr cron input binding the plan shows: Dapr calls `route` (default: /<name>) of the apps in its scope on
    `schedule`."""

    name: str
    schedule: str  # `@every 1m` or five or six cron fields, as Dapr's cron binding reads them
    route: str = ""


class Build(BaseModel):
    """How the delivery workflow builds one service's image (paths relative to the repository root)."""

    name: str  # the service it builds
    context: str
    dockerfile: str
    image: str = ""  # the repository it pushes to; "": ghcr.io/<the repository's GitHub owner>/<name>


class EnvironmentSizing(BaseModel):
    """Per-environment sizing read from the components table notes."""

    name: str  # normalized env name: dev, staging, prod, ...
    instance_type: str | None = None
    db_instance_class: str | None = None
    multi_az: bool = False
    nat_gateway_per_az: bool = False
    min_size: int | None = None  # node count range; None: not stated, the blueprint's per-environment default
    max_size: int = 0
    cluster: str = "https://kubernetes.default.svc"  # ArgoCD destination server
    host: str = ""  # the public host the environment serves: its Ingresses' ("" = the plan names none for it)
    # days its managed database keeps backups (None: production's are backup_retention_days, the others' the blueprint's)
    backup_retention_days: int | None = None
    network_cidr: str = ""  # the address space of its own network ("" = the repository's network_cidr, else 10.0.0.0/16)
    max_pods: int = 0  # its namespaces' ResourceQuota pods ceiling (0 = the plan-wide max_pods)
    # AKS with Azure Key Vault: the vault of its workload secrets the plan names ("" = kvs-<project><environment>)
    secrets_vault: str = ""
    cloud_project: str = ""  # GCP: the project its roots and secret store use ("" = set by you, TF_VAR_project_id)
    spot_nodes: bool = False  # its autoscaling nodes run on spot capacity (EKS, GKE)
    db_storage_gb: int = 0  # its managed database's storage (0 = the repository's database_storage_gb)
    # "public" or "private" where the plan gives this environment an API endpoint of its own ("" = api_endpoint)
    api_endpoint: str = ""


class NotApplied(BaseModel):
    """Something the plan states that the generated repository does not carry, and why."""

    line: int  # 1-based line in plan.md
    text: str  # the words as written, e.g. "p95 < 250ms"
    why: str


class TreeFile(BaseModel):
    """A file the plan's tree names where planforge generates files: the render shows whether the repository has it."""

    line: int
    path: str  # as the tree places it, e.g. "infra/terraform/apis.tf"


class Applied(BaseModel):
    """Words of a plan line a rule applied, and the answer they landed in."""

    line: int
    text: str
    answer: str  # e.g. "apps.orders-api.max_replicas"


class Decision(BaseModel):
    """A rendered line of the generated README's "Decisions" section."""

    name: str
    value: str
    source: str  # Provenance.describe()


# copier.yml questions that are not answers: what plain `copier copy` asks a person instead
# of a list (comma-separated names, or a multiple choice), computed into the answer named
# here. Asked only when that answer is not supplied; planforge never supplies them.
SHORTHANDS = {
    "environment_names": "environments",
    "tenant_names": "tenants",
    "app_names": "apps",
    "service_names": "services",
    "platform_names": "platforms",
    "compliance_names": "compliance",
    "component_names": "components",
}


class Answers(BaseModel):
    """Everything the blueprints need. One field = one copier.yml question."""

    project_name: str  # DNS-1123 label
    plan_title: str = ""
    plan_family: Literal["specops", "speckit", "sp", "plan", "unknown"] = "unknown"
    structure: Structure
    # Computed from structure and gitops by the layout table (layout.yml) when not given.
    blueprints: list[Blueprint] = Field(default_factory=list)
    cloud: Cloud = "none"
    region: str = ""
    # multi-region: every region of the deployment, the primary (= region) first, then the standby ones; [] = one region
    regions: list[str] = Field(default_factory=list)
    regional_environments: list[str] = Field(default_factory=list)  # environments with one Terraform root per region
    # multi-cloud: every cloud of the deployment, the primary (= cloud) first; each other one gets its own root set
    # below terraform/<cloud>/ and its own GitOps cluster per environment; [] = one cloud
    clouds: list[str] = Field(default_factory=list)  # each one of includes/answer_rules.yaml choice_lists
    # multi-cloud: the region of another cloud the plan names (e.g. {azure: westeurope}); a cloud not listed takes
    # its default for the data residency
    cloud_regions: dict[str, str] = Field(default_factory=dict)
    dns_failover: bool = False  # multi-region AWS: Route 53 health checks and failover records (PRIMARY / SECONDARY)
    iac_tool: Literal["terraform", "opentofu", "cloudformation", "pulumi", "none"] = "none"
    terraform_version: str = "1.6"  # lower bound for required_version (the OpenTofu version for opentofu)
    kubernetes_distribution: str = "none"  # eks, aks, gke, doks, oke, minikube, k3s, rke2, none
    # what runs a single-iac plan's apps: VMs, or the cloud's serverless compute (layout.yml serverless_compute)
    compute: Literal["vms", "ecs-fargate", "container-apps", "cloud-run", "app-service"] = "vms"
    kubernetes_version: str = "1.35"
    # The version is past its standard support on the day the repository is generated, within the provider's extended
    # support (data/kubernetes_support.yaml): GKE's Extended release channel, AKS's Premium tier with long-term support
    kubernetes_extended_support: bool = False
    # On-premise hosts (alone: cloud none; beside a cloud: hybrid) prepared by Ansible, which installs k3s on them.
    on_premise: bool = False
    # the plan's clusters exist already (run by another repository): no Terraform, the clusters are existing units
    existing_clusters: bool = False
    flux_bootstrapped: bool = False  # Flux runs on the existing clusters already: nothing bootstraps it again
    ansible: bool = False  # an ansible/ tree (inventories, playbooks, roles)
    ansible_version: str = ""  # ansible-core minor version the tree targets, e.g. 2.17 ("" = no Ansible)
    k3s_version: str = ""  # the k3s release Ansible installs, e.g. v1.29.4+k3s1 ("" = no on-premise k3s cluster)
    rke2_version: str = ""  # the RKE2 release Ansible installs, e.g. v1.30.1+rke2r1 ("" = no on-premise RKE2 cluster)
    kubeadm_version: str = ""  # the Kubernetes patch kubeadm installs, e.g. v1.30.6 ("" = no on-premise kubeadm cluster)
    # air-gapped on-premise hosts: k3s from artifact_mirror (GitHub's release layout), images from registry_mirror
    airgap: bool = False
    artifact_mirror: str = ""  # https:// mirror of https://github.com/k3s-io/k3s/releases/download ("" = GitHub)
    registry_mirror: str = ""  # host[:port] of the registry every image is pulled through ("" = their own registries)
    k3s_servers: int = 0  # server (control-plane) nodes of the on-premise cluster (k3s or RKE2) per environment
    k3s_agents: int = 0  # agent nodes of the on-premise cluster (k3s or RKE2) per environment
    gitops: GitOps = "none"
    flux_version: str = ""  # the Flux CLI version the plan states (bootstrap instructions); "" = not stated
    release_tag: str = "v0.1.0"  # the Git tag production GitOps sources pin (Argo CD targetRevision) or start from (Flux ref.semver)
    deployment_strategy: DeploymentStrategy = "helm-first"
    state_backend: StateBackend = "none"
    state_locking: StateLocking = "none"
    tfc_organization: str = ""  # the HCP Terraform organization of the workspaces (state_backend terraform-cloud)
    state_bootstrap: bool = True  # a Terraform root creates the state storage; False: the plan creates it outside Terraform
    # the state storage the plan names, existing or the bootstrap root's ("": planforge's own names); S3, GCS and
    # azurerm (the storage account) backends
    state_bucket_name: str = ""
    lock_table_name: str = ""  # S3 with DynamoDB locking
    existing_state_region: str = ""  # S3: when the bucket is in another region than the deployment
    registry_name: str = ""  # DigitalOcean: the container registry the bootstrap root creates ("": the project's name)
    acr_pull_registries: list[str] = Field(default_factory=list)  # AKS: the Azure Container Registries the nodes pull from
    aks_network_policy: str = ""  # AKS: the NetworkPolicy engine the plan names (calico, cilium; "": Azure's own)
    aks_pod_overlay: bool = False  # AKS: Azure CNI overlay (pods take addresses outside the nodes' subnet)
    aks_pod_cidr: str = ""  # AKS overlay: the pods' range ("": the module's 192.168.0.0/16)
    aks_service_cidr: str = ""  # AKS: the Services' range ("": the module's 172.20.0.0/16)
    # the state key of each environment's root, {environment} its environment ("": the root's path under terraform/)
    state_key: str = ""
    secret_refresh_interval: str = ""  # how often each ExternalSecret re-reads the store ("30m"; "": hourly)
    aks_container_insights: bool = False  # AKS: Azure Monitor container insights (a Log Analytics workspace per cluster)
    # cert-manager's ClusterIssuer of Let's Encrypt's production server, as the plan names it ("": letsencrypt)
    cluster_issuer: str = ""
    acme_email: str = ""  # the ACME account's email the plan states for its Let's Encrypt issuers ("": none, CHANGE-ME)
    # the application database as the plan names it ("": the database module's `app`, an in-cluster database's the
    # project's name with underscores)
    database_name: str = ""
    database_user: str = ""  # the managed database's application user the plan names (DigitalOcean; "": app)
    # the weekly maintenance window of the managed database, "<day>:<HH>:<MM>" UTC (mon..sun), on AWS and Azure; "": the
    # database module's (AWS, sun:04:00) or the cloud's
    database_maintenance: str = ""
    database_extensions: list[str] = Field(default_factory=list)  # Azure PostgreSQL: the extensions it allow-lists
    state_resource_group_name: str = ""  # azurerm: the resource group of the state's storage account (state_bucket_name)
    # per-environment: one root per environment; workspaces: one root selected with `terraform workspace`
    terraform_roots: Literal["per-environment", "workspaces"] = "per-environment"
    # Terraform linters the plan names (Validation/Testing): the generated CI and pre-commit run them, pinned
    linters: list[str] = Field(default_factory=list)  # each one of includes/answer_rules.yaml choice_lists
    secrets_manager: SecretsManager = "none"
    environments: list[str] = Field(default_factory=lambda: ["dev"])
    tenants: list[str] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)
    # catalog components the plan says its clusters already run (a components row "already installed"): the
    # repository installs none of them, and what needs them counts on them
    installed_components: list[str] = Field(default_factory=list)
    # helm-chart: the existing Secret the services read their secret variables from, and those variables ("" / []:
    # the plan names none)
    app_secret: str = ""
    app_secret_keys: list[str] = Field(default_factory=list)
    # helm-chart with Dapr: the names the plan's Component manifests give its pub/sub and state store ("": pubsub,
    # statestore), and its cron input bindings
    dapr_pubsub: str = ""
    dapr_statestore: str = ""
    dapr_bindings: list[DaprBinding] = Field(default_factory=list)
    app_calls: list[AppCall] = Field(default_factory=list)  # calls between the custom applications (Kustomize)
    apps: list[Service] = Field(default_factory=list)  # custom applications (Kustomize)
    platforms: list[str] = Field(default_factory=list)  # each one of includes/answer_rules.yaml choice_lists
    chart_name: str = ""  # helm-chart structure: the chart (or umbrella) name
    chart_layout: Literal["single", "per-service"] = "single"
    # where each environment's release goes: `chart` (the chart's name, each environment on a cluster of its own),
    # `env` or `chart-env` (every environment on one cluster, each release in a namespace named like it / <chart>-<env>)
    release_namespaces: Literal["chart", "env", "chart-env"] = "chart"
    services: list[Service] = Field(default_factory=list)  # helm-chart structure: services in the chart(s)
    # a workflow that builds each service's image once, pushes it and deploys that digest to each environment
    delivery: Literal["none", "github-actions"] = "none"
    builds: list[Build] = Field(default_factory=list)  # delivery: how each service's image is built
    storage: str = ""  # e.g. "external-postgresql": what the plan says about data stores
    database_secret: str = ""  # name of the existing Secret holding a DB connection string
    dapr: bool = False
    kafka: Literal["none", "redpanda", "strimzi"] = "none"
    # the broker runs as a service outside the clusters (Redpanda Cloud, Amazon MSK ...): none is installed in them
    kafka_managed: bool = False
    monitoring: bool = False
    high_availability: bool = False  # uptime >= 99.9%: multi-AZ data, >= 2 replicas, PDB in prod
    rpo_minutes: int = 0  # 0 = not stated
    rto_minutes: int = 0  # 0 = not stated
    uptime: str = ""  # the stated uptime target in percent, e.g. "99.95"
    max_pods: int = 0  # pods the plan states for the platform: the namespaces' ResourceQuota ceiling (0 = default)
    database_storage_gb: int = 0  # database storage the plan states (0 = the module's default)
    backup_retention_days: int = 7
    # Azure: production's highly available database keeps its backups in its region (no geo-redundant copy in the
    # region's pair) because the plan says so (its data residency); false = geo-redundant backups in production
    database_backups_in_region: bool = False
    log_retention_days: int = 0  # how long the generated log groups and workspaces keep logs (0 = each module's own)
    # environments whose Ingress certificates come from Let's Encrypt's staging server (ClusterIssuer
    # letsencrypt-staging) instead of its production one ([] = none)
    acme_staging_environments: list[str] = []
    # Argo CD: environments whose Applications a person syncs (no automated sync), and those that sync by themselves
    # but never prune ([] = every environment syncs automatically, pruning)
    argocd_manual_sync: list[str] = []
    argocd_no_prune: list[str] = []
    # the tags the plan says every cloud resource carries, over planforge's own of the same key ([] = its own only)
    resource_tags: list[ResourceTag] = []
    compliance: list[str] = Field(default_factory=list)  # soc2, pci-dss, hipaa, gdpr
    data_residency: str = ""  # e.g. "eu"
    customer_managed_kms: bool = False
    environment_sizing: list[EnvironmentSizing] = Field(default_factory=list)
    node_pools: Literal["single", "system-user"] = "single"  # system-user: a small fixed system pool + the sized user pool
    api_endpoint: Literal["private", "public"] = "private"  # public: reachable only from api_authorized_cidrs
    api_authorized_cidrs: list[str] = Field(default_factory=list)  # public endpoint, none listed: a required variable
    # GKE: a private control plane also answers on its DNS-based endpoint, which Google IAM authorizes (the way in from
    # outside the VPC); false when the plan states the endpoint private (VPC only) or it is public
    api_dns_endpoint: bool = False
    chart_tests: bool = True  # a `helm test` hook (templates/tests/) in each chart
    ci_workflows: bool = True  # the repository's own GitHub Actions workflows (validate, template update, reconcile)
    # the availability zones the network and data stores span (AWS: the VPC's az_count; 0: the cloud's default, 3)
    availability_zones: int = 0
    # the address space the plan states for every environment's network ("": 10.<n>.0.0/16, one /16 per region and
    # cloud); only where one network per environment takes it (rules.network)
    network_cidr: str = ""
    # the constraint the plan states for the primary cloud's Terraform provider (`~> 5.60`), else "" (`~> <floor>`)
    provider_constraint: str = ""
    single_nat_gateway: bool = False  # one NAT gateway in production too (false: one per zone there)
    static_ingress_ip: bool = False  # a static public IP per environment for the ingress controller's load balancer
    database_engine: str = ""  # e.g. "postgres"
    database_version: str = ""  # e.g. "16"
    repo_url: str = ""  # Git URL Argo CD Applications / the Flux GitRepository point at; placeholder when empty
    # pip requirement CI, pre-commit and the README install planforge from (`.planforge.yaml` `install:`);
    # empty: the chosen template's git URL at the commit the repository was rendered from, else none
    planforge_install: str = ""
    # The plan's tree names for layout directories: layout.yml `dirs` key -> path relative to its parent
    # (overrides the table's `path`; empty: the table's own names).
    paths: dict[str, str] = Field(default_factory=dict)
    # each Kustomize application's base in `<k8s_base>/<app>/` and its overlay in `<k8s_overlays>/<env>/<app>/`, as the
    # plan's tree places them (false: `<k8s_apps>/<app>/base/` and `<k8s_apps>/<app>/overlays/<env>/`)
    apps_in_base: bool = False
    decisions: list[Decision] = Field(default_factory=list)
    not_applied: list[NotApplied] = Field(default_factory=list)  # README "Not applied": what the output lacks

    @model_validator(mode="after")
    def _blueprints_from_layout(self) -> "Answers":
        if not self.blueprints:
            from planforge import layout

            self.blueprints = layout.blueprints(self.structure, self.gitops, self.iac_tool, self.ansible,
                                                existing_clusters=self.existing_clusters)
        return self

    def to_copier_data(self) -> dict:
        """The Copier data file: plain JSON-compatible values keyed by question name. No `paths` when
        the tree overrides nothing (the layout table's names need no answer), no `tfc_organization`
        when the state is not in HCP Terraform, no `flux_version` when the plan states none (the latest
        release needs no answer), no `linters` when the plan names none, no `planforge_install` unless one was
        set, no `installed_components` when the plan says no component is installed already, no `app_secret` /
        `app_secret_keys` when the services read no secret variable, no Dapr Component names or bindings the plan
        does not show, no
        `log_retention_days`, `network_cidr` nor `provider_constraint` when the plan states none, no `schedule` of an application that is no job nor a `cpu_target`, `ready_path`, `service_monitor` or `namespace` it does not state, no
        `delivery` / `builds` without a delivery workflow, no `existing_clusters` / `flux_bootstrapped` unless the
        clusters (and their Flux) exist already, and no `min_size`, `host`, `backup_retention_days`, `max_pods`, `spot_nodes`, `db_storage_gb`, `secrets_vault`, `cloud_project` nor `api_endpoint` of an environment that states none (a template
        older than scale to zero reads only numbers there)."""
        data = self.model_dump(mode="json")
        for sizing in data["environment_sizing"]:
            for name in ("min_size", "host", "backup_retention_days", "network_cidr", "secrets_vault",
                         "cloud_project", "api_endpoint"):
                if sizing[name] in (None, ""):
                    del sizing[name]
            for name in ("max_pods", "spot_nodes", "db_storage_gb"):
                if not sizing[name]:
                    del sizing[name]
        for component in data["components"]:
            for name in ("platforms", "replicas", "retention_days"):
                if not component[name]:
                    del component[name]
        for service in data["apps"] + data["services"]:
            for name in ("schedule", "cpu_target", "ready_path", "service_monitor", "environment_replicas",
                         "external_https", "external_ports", "volume_path", "secret_key", "secret_values", "namespace",
                         "environment_hosts", "tcp_probe", "probe_command"):
                if not service[name]:
                    del service[name]
        for name in ("paths", "tfc_organization", "flux_version", "linters", "planforge_install", "installed_components",
                     "app_secret", "app_secret_keys", "dapr_pubsub", "dapr_statestore", "dapr_bindings", "app_calls",
                     "existing_clusters", "flux_bootstrapped", "log_retention_days", "resource_tags", "acme_staging_environments", "network_cidr", "provider_constraint",
                     "builds", "single_nat_gateway", "api_dns_endpoint", "kubernetes_extended_support", "state_bucket_name", "lock_table_name", "existing_state_region",
                     "state_resource_group_name", "apps_in_base", "registry_name", "cluster_issuer", "database_name",
                     "database_maintenance", "database_extensions", "acr_pull_registries", "aks_network_policy",
                     "aks_pod_overlay", "aks_container_insights", "secret_refresh_interval", "aks_pod_cidr",
                     "argocd_manual_sync", "argocd_no_prune", "aks_service_cidr", "state_key", "acme_email",
                     "database_user", "database_backups_in_region"):
            if not data[name]:
                del data[name]
        if data["delivery"] == "none":
            del data["delivery"]
        return data


class Decided(BaseModel):
    """Answers plus the provenance of each answer and the warnings raised while deciding."""

    answers: Answers
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    not_applied: list[NotApplied] = Field(default_factory=list)  # what the plan states and the output lacks
    applied: list[Applied] = Field(default_factory=list)  # the phrases the rules recorded as applied
    model: Any = None  # the closed system model (planforge.model.SystemModel) the answers describe
    tree_files: list[TreeFile] = Field(default_factory=list)  # checked against a render (render.tree_files)

    def override(self, name: str, value: str, flag: str) -> "Decided":
        """Replace one answer by a command-line value; provenance and Decisions follow."""
        origin = Provenance(source="option", note=flag)
        decisions = [
            d.model_copy(update={"value": value, "source": origin.describe()}) if d.name == name else d
            for d in self.answers.decisions
        ]
        answers = self.answers.model_copy(update={name: value, "decisions": decisions})
        return self.model_copy(update={"answers": answers, "provenance": {**self.provenance, name: origin}})
