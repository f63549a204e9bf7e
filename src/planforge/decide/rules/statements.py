"""Statement rules: explicit statements of the plan win over defaults (docs/decisions.md, "Statements").

Negations ("no Key Vault", "state created outside Terraform", ...) remove what they name; choices
("PostgreSQL 18 in-cluster", "system + user node pools", ...) select a layout or module option, or are
recorded as not applied with the reason. The vocabulary is data/statements.yaml; each statement name
there has one function here. They run after every other answer rule, so a statement overrides the
default an earlier rule chose, and a statement that contradicts another answer of the plan is a problem.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from planforge.decide import text as tx
from planforge.decide.context import Context
from planforge.decide.data import basic_cloud, load
from planforge.decide.environments import environment_named, is_env_name
from planforge.decide.rules.aks_options import (check_pod_cidr, decide_container_insights, decide_service_cidr,
                                                decide_network_policy_engine, decide_pod_overlay, labelled_cidrs)
from planforge.decide.rules.database_backups import decide_backups_column, decide_backups_in_region
from planforge.decide.rules.nat_statements import nat_gateway_per_zone, single_nat_gateway
from planforge.decide.rules.environment_api import set_environment_api_endpoint
from planforge.decide.rules.network import cidrs_in, decide_network_cidr
from planforge.decide.rules.shared_cluster import decide_shared_cluster
from planforge.layout import load_layout
from planforge.plan.model import Plan, plain

_FENCE = re.compile(r"^\s*(```|~~~)")
_BREAK = re.compile(r"^\s*(?:[-*+]\s|\d+\.\s|\||#|\*\*[^*]{1,80}\*\*\s*:)")  # a line that starts a new passage


@dataclass(frozen=True)
class Passage:
    """A paragraph, bullet, table row or tree line in plain text, with the plan line of each of its parts."""

    text: str
    starts: tuple[tuple[int, int], ...]  # (offset in text, plan line), in order

    def line_at(self, pos: int) -> int:
        line = self.starts[0][1]
        for offset, ln in self.starts:
            if offset > pos:
                break
            line = ln
        return line


@dataclass(frozen=True)
class Statement:
    """A statement found in the plan: its name (data/statements.yaml), line and words as written."""

    name: str
    line: int
    words: str
    sentence: str = ""  # the sentence of its passage the statement is part of


@lru_cache(maxsize=None)
def _vocabulary() -> tuple[tuple[str, ...], dict[str, tuple[re.Pattern[str], ...]]]:
    data = load("statements.yaml")
    patterns = {name: tuple(re.compile(p, re.I) for p in rxs) for name, rxs in data["statements"].items()}
    return tuple(data["sections"]), patterns


def _statement_lines(plan: Plan, every_section: bool = False) -> list[int]:
    """The plan lines statements are read from: the sections of data/statements.yaml, whose title names one of them
    as words (every section with `every_section`; never by the document's title, `# Implementation Plan: ...
    Microservices`, a level-1 heading over the plan's level-2 sections), without documentation trees nor Complexity
    Tracking (justifications, never statements of the output)."""
    fragments, _ = _vocabulary()
    wanted: set[int] = set()
    for s in plan.sections:
        title = s.title.lower()
        document = s.level == 1 and any(o.level == 2 and s.line < o.line <= s.end_line for o in plan.sections)
        if every_section or (not document and any(re.search(rf"\b{re.escape(f)}\b", title) for f in fragments)):
            wanted.update(range(s.line + 1, s.end_line + 1))
    for s in plan.sections:
        if "documentation" in s.title.lower() or "complexity" in s.title.lower():
            wanted.difference_update(range(s.line, s.end_line + 1))
    return sorted(wanted)


def passages(plan: Plan, every_section: bool = False) -> list[Passage]:
    """The statement sections (every section with `every_section`) as passages: wrapped lines of a paragraph
    joined, each fence line alone. Read once per plan: a dozen rules ask."""
    memo = plan.__dict__.setdefault("_passages", {})
    if every_section not in memo:
        memo[every_section] = tuple(_read_passages(plan, every_section))
    return list(memo[every_section])


def _read_passages(plan: Plan, every_section: bool) -> list[Passage]:
    out: list[Passage] = []
    parts: list[tuple[int, str]] = []
    in_fence = False

    def flush() -> None:
        if parts:
            text, starts = "", []
            for ln, t in parts:
                starts.append((len(text), ln))
                text += t + " "
            out.append(Passage(text=text.rstrip(), starts=tuple(starts)))
            parts.clear()

    previous = 0
    for ln in _statement_lines(plan, every_section):
        raw = plan.lines[ln - 1]
        if ln != previous + 1:
            flush()
        previous = ln
        if _FENCE.match(raw):
            flush()
            in_fence = not in_fence
            continue
        if in_fence or not raw.strip() or _BREAK.match(raw):
            flush()
        if raw.strip() and not raw.lstrip().startswith("#"):
            parts.append((ln, plain(raw)))
        if in_fence:
            flush()
    flush()
    return out


def sentence_matches(plan: Plan, pattern: re.Pattern[str]) -> Iterator[tuple[Passage, re.Match[str]]]:
    """The first match of `pattern` in each sentence of every section, with its passage (for its line)."""
    for p in passages(plan, every_section=True):
        for start, end in tx.sentence_bounds(p.text):
            m = pattern.search(p.text, start, end)
            if m:
                yield p, m


def find_statements(plan: Plan) -> dict[str, Statement]:
    """The first statement of each name the plan makes, by name."""
    _, patterns = _vocabulary()
    found: dict[str, Statement] = {}
    for p in passages(plan):
        for name, rxs in patterns.items():
            if name in found:
                continue
            for rx in rxs:
                m = rx.search(p.text)
                if m:
                    found[name] = Statement(name=name, line=p.line_at(m.end() - 1), words=m.group(0),
                                            sentence=tx.sentence_at(p.text, m.start(), m.end()))
                    break
    return found


def decide_statements(c: Context, structure: str) -> None:
    if c.values.get("state_backend") == "terraform-cloud":
        c.set("state_bootstrap", False, c.provenance["state_backend"].model_copy(
            update={"note": "HCP Terraform keeps the state: there is no state storage to create"}))
    else:
        c.default("state_bootstrap", True, "the plan does not say the state storage is created outside Terraform")
    c.default("node_pools", "single", "the plan does not ask for separate system and user node pools")
    c.default("api_endpoint", "private", "the plan does not restrict a public API endpoint to authorized ranges")
    c.default("api_authorized_cidrs", [], "no public API endpoint")
    c.default("static_ingress_ip", False, "the plan asks for no static ingress IP")
    c.default("aks_pod_overlay", False, "the plan asks for no Azure CNI overlay: AKS pods take the subnet's addresses")
    c.default("aks_container_insights", False, "the plan asks for no Azure Monitor container insights")
    c.default("aks_network_policy", "", "the plan names no NetworkPolicy engine: AKS clusters enforce them with "
              "Azure's own")
    c.default("single_nat_gateway", False, "production gets a NAT gateway per zone: the plan does not cap them")
    c.default("network_cidr", "", "each environment's network takes 10.0.0.0/16 (a /16 of its own per region and "
              "cloud, so any two can be peered)")
    c.default("terraform_roots", "per-environment", "the plan does not ask for Terraform workspaces")
    c.default("chart_tests", True, "the plan does not rule out a helm test hook")
    c.default("ci_workflows", True, "the plan does not rule out a CI pipeline: GitHub Actions validate every change")
    c.default("release_namespaces", "chart", "each environment on a cluster of its own: the release in the namespace "
              "named after the chart")
    c.default("aks_pod_cidr", "", "the overlay's pods take the aks module's range, 192.168.0.0/16")
    c.default("database_backups_in_region", False, "a highly available production database on Azure copies its "
              "backups to the pair of its region (geo-redundant backups): the plan does not keep them in the region")
    for name, s in find_statements(c.plan).items():
        _RULES[name](c, structure, s)
    decide_backups_column(c)
    check_pod_cidr(c)
    decide_service_cidr(c, structure)
    _doks_api_endpoint(c, structure)


def _doks_api_endpoint(c: Context, structure: str) -> None:
    """DOKS has no private API endpoint: its API is public, and the control plane firewall admits the authorized
    ranges only (the plan's, else a variable the root refuses to plan without), never the whole internet."""
    if c.values.get("cloud") != "digitalocean" or structure != "multi-tool" or c.values["api_endpoint"] == "public":
        return
    stated = _explicit(c, "api_endpoint")
    if stated is not None:
        c.unapplied(stated, c.line_text(stated), "DOKS has no private API endpoint: the API is public and its "
                    "control plane firewall admits api_authorized_cidrs only")
    c.default("api_endpoint", "public", "DOKS has no private API endpoint: its control plane firewall admits the "
              "authorized ranges only, which you set (TF_VAR_api_authorized_cidrs) before the first plan")
    c.default("api_authorized_cidrs", [], "the plan lists no ranges for DOKS's public API: the root refuses to plan "
              "until TF_VAR_api_authorized_cidrs is set")


def decide_gke_dns_endpoint(c: Context, structure: str) -> None:
    """A private GKE control plane the plan does not state private also answers on its DNS-based endpoint: Google IAM
    authorizes each caller, so kubectl, `flux bootstrap` and an Argo CD hub elsewhere reach it with no network path.
    A plan that states the endpoint private keeps it reachable from the VPC only. Runs after the clouds are decided."""
    gke = "gcp" in (c.values.get("cloud"), *c.values.get("clouds", []))
    if not gke or c.values.get("existing_clusters") or _no_cluster(c, structure, _API_RANGE_CLOUDS) \
            or c.values["api_endpoint"] != "private" or _explicit(c, "api_endpoint") is not None:
        c.default("api_dns_endpoint", False, "no GKE control plane that is private by default: its endpoint is "
                  "the one the plan states, or there is none")
        return
    c.default("api_dns_endpoint", True, "a private GKE control plane needs a way in: its DNS-based endpoint, which "
              "Google IAM authorizes (container.clusters.connect), serves kubectl, flux bootstrap and an Argo CD hub "
              "from outside the VPC; the IP endpoint stays private")


def _explicit(c: Context, answer: str) -> int | None:
    """The plan line an answer was read from, None when it is a default."""
    prov = c.provenance.get(answer)
    return prov.line if prov is not None and prov.source == "plan" else None


# --------------------------------------------------------------------------- negations
def _no_key_vault(c: Context, structure: str, s: Statement) -> None:
    """No Key Vault: secrets are Kubernetes Secrets; no Key Vault module, no ClusterSecretStore."""
    if c.values.get("secrets_manager") == "azure-key-vault" and _explicit(c, "secrets_manager") not in (None, s.line):
        c.problem(None, "secrets_manager", f"the plan says {s.words!r} but names Azure Key Vault for secrets at line "
                  f"{_explicit(c, 'secrets_manager')}", "keep one of the two statements", line=s.line)
        return
    if c.values.get("cloud") == "azure" and (c.values.get("customer_managed_kms") or structure == "multi-tenant"):
        why = ("customer-managed keys (compliance) are kept in a Key Vault" if c.values.get("customer_managed_kms")
               else "a multi-tenant Azure repository encrypts each tenant's database with a key in a Key Vault")
        c.problem(None, "secrets_manager", f"the plan says {s.words!r}, but {why}",
                  "drop the Key Vault statement, or the requirement that needs the key", line=s.line)
        return
    if c.values.get("secrets_manager") in ("azure-key-vault", "none") or c.provenance["secrets_manager"].source != "plan":
        c.stated("secrets_manager", "kubernetes", s.line, s.words)
    else:
        c.applied(s.line, s.words, "secrets_manager")


def _secrets_from_ci(c: Context, structure: str, s: Statement) -> None:
    """Secrets created as Kubernetes Secrets by the delivery pipeline (GitHub Environments): no secrets manager."""
    if c.provenance["secrets_manager"].source == "plan" and c.values.get("secrets_manager") != "kubernetes":
        c.applied(s.line, s.words, "secrets_manager")  # a secrets manager the plan names elsewhere stays
        return
    c.stated("secrets_manager", "kubernetes", s.line, s.words)


def _no_service_mesh(c: Context, structure: str, s: Statement) -> None:
    """No service mesh: no mesh component (none is generated unless a catalog row asks for one)."""
    meshes = [x for x in c.values.get("components", []) if x.name in ("istio", "linkerd")]
    if meshes:
        c.problem(None, "components", f"the plan says {s.words!r} but requires {meshes[0].name}",
                  f"remove the {meshes[0].name} row or the statement", line=s.line)
        return
    c.applied(s.line, s.words, "components")


def _state_outside_terraform(c: Context, structure: str, s: Statement) -> None:
    """The state storage is created outside Terraform: no bootstrap root."""
    if c.values.get("state_backend", "none") == "none":
        c.unapplied(s.line, s.words, "the repository has no remote state backend")
        return
    if not _state_storage_contradicted(c, s, False):
        c.stated("state_bootstrap", False, s.line, s.words)


def _state_storage_contradicted(c: Context, s: Statement, bootstrap: bool) -> bool:
    """Whether another line of the plan says the opposite of where the state storage comes from (a problem
    naming both lines)."""
    other = _explicit(c, "state_bootstrap")
    if other is None or other == s.line or c.values.get("state_bootstrap") is bootstrap:
        return False
    said = ("a bootstrap root creates the state storage", "the state storage is created outside Terraform")
    c.problem(None, "state_bootstrap", f"line {s.line} says {said[not bootstrap]}, line {other} says "
              f"{said[bootstrap]}", "keep one of the two statements", line=s.line)
    return True


def _state_bootstrap_root(c: Context, structure: str, s: Statement) -> None:
    """The state storage is created by a bootstrap root of its own: the bootstrap root, from the plan."""
    backend = c.values.get("state_backend", "none")
    if backend in ("none", "terraform-cloud"):
        c.unapplied(s.line, s.words, "HCP Terraform keeps the state: there is no state storage to create"
                    if backend == "terraform-cloud" else "the repository has no remote state backend")
        return
    if not _state_storage_contradicted(c, s, True):
        c.stated("state_bootstrap", True, s.line, s.words)


def _no_terraform_dns(c: Context, structure: str, s: Statement) -> None:
    """No Terraform-managed DNS: no public DNS zone nor external-dns."""
    if any(x.name == "external-dns" for x in c.values.get("components", [])):
        c.problem(None, "components", f"the plan says {s.words!r} but requires external-dns",
                  "remove the external-dns row or the statement", line=s.line)
        return
    c.applied(s.line, s.words, "components")


def _no_nat_gateway(c: Context, structure: str, s: Statement) -> None:
    """No NAT gateway: refused where the network module gives private subnets their egress through one; about some
    environments only (`No NAT gateway in dev`), reported: those keep theirs."""
    if structure == "helm-chart" or c.values.get("cloud") not in load_layout()["terraform_clouds"]:
        c.applied(s.line, s.words, "structure")  # no network is generated, so no NAT gateway either
        return
    nodes = "cluster nodes" if structure in ("multi-tool", "multi-tenant") else "instances"
    egress = (f"the generated network puts the {nodes} in private subnets whose only way to the internet (images "
              "from public registries such as registry.k8s.io and quay.io, package mirrors, ACME) is a NAT gateway; "
              "private endpoints to the cloud's own services (VPC endpoints, a Service Gateway, Private Link) do not "
              "reach those")
    scoped = _environment_of(c, s)
    if scoped:
        c.unapplied(s.line, s.words, f"{egress}: {scoped} keeps its NAT gateway too (a network without one is not "
                    "generated)")
        return
    c.problem(None, "cloud", f"the plan says {s.words!r}, but {egress}",
              "drop the statement: every environment keeps one NAT gateway (one per zone only where the plan asks "
              "for it), since planforge builds no network without one (nodes in public subnets, or egress through "
              "private endpoints or a proxy alone); or keep the statement and build that network outside planforge",
              line=s.line)


def _no_managed_database(c: Context, structure: str, s: Statement) -> None:
    """No managed database: the database module (or stack layer) is left out, unless the plan names an engine."""
    if c.values.get("storage") in ("in-cluster-postgresql", "external-postgresql", "no-database") or (
            structure == "helm-chart" or c.values.get("iac_tool", "none") == "none"):
        c.applied(s.line, s.words, "storage")  # the repository builds no managed database already
        return
    scoped = _environment_of(c, s)
    if scoped:
        c.unapplied(s.line, s.words, f"every environment's Terraform root builds the same database: {scoped} gets one "
                                     "too (a database in some environments only is not generated); remove its "
                                     "database module there if it must not exist")
        return
    engine = _explicit(c, "database_engine")
    if engine is not None:
        c.problem(None, "storage", f"the plan says {s.words!r} but names a database engine at line {engine}",
                  "say where that database runs (`PostgreSQL in-cluster`, or an external service such as Neon) or "
                  "drop the statement", line=s.line)
        return
    if structure == "multi-tenant":
        c.unapplied(s.line, s.words, "each tenant's Terraform root keeps a managed database of its own: the "
                                     "multi-tenant structure isolates the tenants' data that way")
        return
    c.stated("storage", "no-database", s.line, s.words)


def _environment_of(c: Context, s: Statement) -> str:
    """The plan's environment the statement's clause is about (`staging runs without a managed database`, `no NAT
    gateway in dev`), else ""."""
    at = s.sentence.find(s.words)
    clause = re.split(r"[;,.:()]|\bbut\b|\bwhile\b|\bwhereas\b", s.sentence[:at] if at >= 0 else "")[-1]
    after = re.match(r"\s*+(?:in|for|on)\s++(?:the\s++)?([a-z][a-z-]*)", s.sentence[at + len(s.words):] if at >= 0 else "",
                     re.I)  # `No NAT gateway in dev`
    envs = c.values.get("environments", [])
    return next((named for w in re.findall(r"[a-z][a-z-]*", clause, re.I) + ([after.group(1)] if after else [])
                 if is_env_name(w) and (named := environment_named(w, envs))), "")


def _no_load_balancer(c: Context, structure: str, s: Statement) -> None:
    """No load balancer: credited where nothing the repository builds creates one, else listed with what does."""
    compute = c.values.get("compute", "vms")
    controllers = [x.name for x in c.values.get("components", []) if x.name in ("ingress-nginx", "traefik")]
    if structure == "single-iac" and compute != "vms":
        c.unapplied(s.line, s.words, f"{compute} takes its traffic through the load balancer (or ingress) the cloud "
                                     "puts in front of the services: it is part of that compute")
    elif controllers:
        c.unapplied(s.line, s.words, f"{controllers[0]}'s Service is of type LoadBalancer, so the cloud creates one "
                                     "per cluster; drop the component (and reach the applications another way) or "
                                     "the statement")
    else:
        c.applied(s.line, s.words, "compute" if structure == "single-iac" else "components")


def _no_network(c: Context, structure: str, s: Statement) -> None:
    """No VPC or VNet: every Terraform environment builds its network; said, not silently built."""
    if structure == "helm-chart" or c.values.get("iac_tool", "none") == "none" or (
            c.values.get("cloud") not in load_layout()["terraform_clouds"]):
        c.applied(s.line, s.words, "structure")  # nothing here creates a network
        return
    c.unapplied(s.line, s.words, "every environment's Terraform root builds its own network (module vpc: private "
                                 "subnets for the instances or nodes, flow logs, and the egress they need); "
                                 "planforge builds nothing into a default or existing network")


def _no_external_secrets(c: Context, structure: str, s: Statement) -> None:
    """No External Secrets Operator: the external-secrets component must not be required."""
    row = c.component_rows.get("external-secrets")
    if row is not None:
        c.problem(None, "components", f"the plan says {s.words!r} but requires external-secrets at line {row.line}",
                  f"remove the external-secrets row (line {row.line}) or the statement", line=s.line)
        return
    c.applied(s.line, s.words, "components")


# --------------------------------------------------------------------------- choices
def _in_cluster_database(c: Context, structure: str, s: Statement) -> None:
    """The database runs in the cluster: a StatefulSet (under kubernetes/database/, or in the chart's release), no
    managed database module."""
    if c.values.get("storage") == "managed-postgresql" and _explicit(c, "storage"):
        c.problem(None, "storage", f"the plan says {s.words!r} but a managed database at line {_explicit(c, 'storage')}",
                  "keep one of the two statements", line=s.line)
        return
    if c.values.get("storage") != "in-cluster-postgresql":
        c.stated("storage", "in-cluster-postgresql", s.line, s.words)
    else:
        c.applied(s.line, s.words, "storage")
    if structure not in ("multi-tool", "helm-chart"):
        c.unapplied(s.line, s.words, f"a {structure} repository keeps its managed database module; "
                    "the in-cluster database is generated for the multi-tool and helm-chart structures only")


# The clouds whose cluster modules take the cluster options (node pool split, static ingress IP); the DOKS and OKE
# modules take the API endpoint's authorized ranges too (a control plane firewall, the API's security group).
_OPTION_CLOUDS = ("aws", "azure", "gcp")
_API_RANGE_CLOUDS = (*_OPTION_CLOUDS, "digitalocean", "oci")


def _no_cluster(c: Context, structure: str, clouds: tuple[str, ...] = _OPTION_CLOUDS) -> str | None:
    """Why the repository has no Terraform-managed cluster a cluster option could change (None: it has one)."""
    if structure not in ("multi-tool", "multi-tenant"):
        return f"a {structure} repository has no Terraform-managed Kubernetes cluster"
    cloud = c.values.get("cloud", "none")
    basic = basic_cloud(cloud)
    if basic is not None and cloud not in clouds:
        return f"the {basic['name']} cluster module takes no such option"
    if cloud not in clouds:
        return "the repository manages no cluster of a cloud"
    return None


def _has_cluster(c: Context, structure: str, s: Statement, clouds: tuple[str, ...] = _OPTION_CLOUDS) -> bool:
    """Whether a cluster option can apply; when it cannot, the statement is recorded as not applied, with why."""
    why = _no_cluster(c, structure, clouds)
    if why:
        c.unapplied(s.line, s.words, why)
    return why is None


def _node_pool_split(c: Context, structure: str, s: Statement) -> None:
    """System and user node pools: a small fixed system pool for critical add-ons, the plan's figures size the user pool."""
    if not _has_cluster(c, structure, s):
        return
    c.stated("node_pools", "system-user", s.line, s.words)


def _api_authorized_ranges(c: Context, structure: str, s: Statement) -> None:
    """A public API endpoint reachable only from authorized CIDRs: those the statement lists, else a required variable.
    Said of one environment (`Staging EKS API endpoint is public but restricted to ...`): that environment's own."""
    if not _has_cluster(c, structure, s, _API_RANGE_CLOUDS):
        return
    if _environment_api_endpoint(c, s, "public"):
        return
    private = _explicit(c, "api_endpoint")
    if c.values.get("api_endpoint") == "private" and private is not None:
        c.problem(None, "api_endpoint", f"the plan says {s.words!r} but a private API endpoint only at line {private}",
                  "keep one of the two statements", line=s.line)
        return
    c.stated("api_endpoint", "public", s.line, s.words)
    cidrs = cidrs_in(s.sentence)
    if cidrs:
        c.stated("api_authorized_cidrs", cidrs, s.line, s.words)
    else:
        c.default("api_authorized_cidrs", [], f"the plan lists no CIDRs for its authorized ranges (line {s.line}): "
                  "set TF_VAR_api_authorized_cidrs")


def _private_api_endpoint(c: Context, structure: str, s: Statement) -> None:
    """A private API endpoint only: reachable from the cluster's network; a CIDR of its sentence is not applied. Said
    of one environment (`No public EKS API endpoint in production`): that environment's own."""
    if not _has_cluster(c, structure, s, _API_RANGE_CLOUDS):
        return
    if _environment_api_endpoint(c, s, "private"):
        return
    public = _explicit(c, "api_endpoint")
    if c.values.get("api_endpoint") == "public" and public is not None:
        c.problem(None, "api_endpoint", f"the plan says {s.words!r} but a public endpoint with authorized ranges "
                  f"at line {public}", "keep one of the two statements", line=s.line)
        return
    c.stated("api_endpoint", "private", s.line, s.words)
    for cidr in cidrs_in(s.sentence):
        c.unapplied(s.line, cidr, "a private API endpoint is reachable from the cluster's own network only; the "
                    "cluster module takes no other range for it (allow it on the cluster security group or "
                    "firewall after peering or VPN)")


def _environment_api_endpoint(c: Context, s: Statement, endpoint: str) -> bool:
    """Whether the statement gives one environment its API endpoint (`environment_sizing[].api_endpoint`)."""
    env = _environment_of(c, s)
    if not env:
        return False
    set_environment_api_endpoint(c, env, endpoint, s.line, s.words, s.sentence)
    return True


def _static_ingress_ip(c: Context, structure: str, s: Statement) -> None:
    """A static public IP per environment, given to the ingress controller's load balancer."""
    if not _has_cluster(c, structure, s):
        return
    c.stated("static_ingress_ip", True, s.line, s.words)


def _terraform_workspaces(c: Context, structure: str, s: Statement) -> None:
    """One Terraform root selected per environment with `terraform workspace` and envs/<env>.tfvars."""
    if structure == "multi-tenant":
        c.problem(None, "terraform_roots", f"the plan says {s.words!r}, but a multi-tenant repository keeps one "
                  "root per shared stack and per tenant, each with one state per environment",
                  "use the multi-tool structure for one root selected with terraform workspace, or drop the statement",
                  line=s.line)
        return
    if structure == "helm-chart" or c.values.get("cloud") not in load_layout()["terraform_clouds"]:
        c.unapplied(s.line, s.words, "the repository has no Terraform roots")
        return
    c.stated("terraform_roots", "workspaces", s.line, s.words)


def _no_ci(c: Context, structure: str, s: Statement) -> None:
    """No CI pipeline: the repository gets no GitHub Actions workflow of its own (validation, template updates,
    reconcile test); pre-commit runs the same validation. A delivery workflow the plan asks for elsewhere stays."""
    c.stated("ci_workflows", False, s.line, s.words)


def _no_chart_tests(c: Context, structure: str, s: Statement) -> None:
    """No `helm test` hook: the charts get no templates/tests/."""
    c.stated("chart_tests", False, s.line, s.words)


def _chart_features_off(c: Context, structure: str, s: Statement) -> None:
    """`advanced features (autoscaling, ingress, network policy) are off by default`: the chart's values keep them
    off (production values turn autoscaling on over a stated range); other structures say nothing of it."""
    if structure == "helm-chart":
        c.applied(s.line, s.words, "services")


def _network_cidr(c: Context, structure: str, s: Statement) -> None:
    """An address space the plan states for its network: each environment's, where the layout allows (rules.network)."""
    others = set(labelled_cidrs(s.sentence).values())  # the pods' or the Services' range, never the network's
    decide_network_cidr(c, structure, s.line, [cidr for cidr in cidrs_in(s.sentence) if ":" not in cidr
                                               and cidr not in others])



def _cluster_per_environment(c: Context, structure: str, s: Statement) -> None:
    """A cluster per environment: each environment's root (or release) targets a cluster of its own already."""
    c.applied(s.line, s.words, "environments")


_RULES: dict[str, Callable[[Context, str, Statement], None]] = {
    "no_key_vault": _no_key_vault,
    "secrets_from_ci": _secrets_from_ci,
    "no_service_mesh": _no_service_mesh,
    "state_outside_terraform": _state_outside_terraform,
    "state_bootstrap_root": _state_bootstrap_root,
    "no_terraform_dns": _no_terraform_dns,
    "single_nat_gateway": single_nat_gateway,
    "nat_gateway_per_zone": nat_gateway_per_zone,
    "no_nat_gateway": _no_nat_gateway,
    "no_external_secrets": _no_external_secrets,
    "no_managed_database": _no_managed_database,
    "no_load_balancer": _no_load_balancer,
    "no_network": _no_network,
    "in_cluster_database": _in_cluster_database,
    "node_pool_split": _node_pool_split,
    "network_cidr": _network_cidr,
    "api_authorized_ranges": _api_authorized_ranges,
    "private_api_endpoint": _private_api_endpoint,
    "static_ingress_ip": _static_ingress_ip,
    "pod_overlay": decide_pod_overlay,
    "network_policy_engine": decide_network_policy_engine,
    "container_insights": decide_container_insights,
    "backups_in_region": decide_backups_in_region,
    "cluster_per_environment": _cluster_per_environment,
    "shared_cluster": decide_shared_cluster,
    "terraform_workspaces": _terraform_workspaces,
    "no_ci": _no_ci,
    "no_chart_tests": _no_chart_tests,
    "chart_features_off": _chart_features_off,
}
