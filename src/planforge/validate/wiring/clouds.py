"""Another cloud's cluster of a multi-cloud repository, or a standby region's cluster of a multi-region one: the
tenants' database egress there, once the GitOps patches delivering the tenants to that cluster are applied, goes to
that cloud's (region's) own tenant database networks (heuristic: docs/wiring.md, "Databases")."""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planforge.validate.base import Finding
from planforge.validate.flux.clusters import applied_files
from planforge.validate.inputs import Bounds, InputError
from planforge.validate.manifests import safe_load
from planforge.validate.wiring.repo import K8sObject, Repository
from planforge.validate.wiring.rules import vocabulary

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_TFVAR = re.compile(r'(?m)^[ \t]*(vpc_cidr|database_cidr)[ \t]*=[ \t]*"([^"]+)"')
_REGION = re.compile(r'(?m)^[ \t]*region[ \t]*=[ \t]*"([^"]+)"')
_TO = re.compile(r"^/spec/egress/(\d+)/to$")


@dataclass
class CloudNetworks:
    """What the Terraform of one cloud (or standby region) declares: its shared networks and each tenant's database
    network."""

    shared: list[Network] = field(default_factory=list)
    tenants: dict[str, list[Network]] = field(default_factory=dict)


@dataclass(frozen=True)
class Site:
    """A GitOps object delivering `path` (repository-relative) to another cloud's cluster (`cloud`: that cloud) or a
    standby region's (`cloud`: that region), with its patches."""

    obj: K8sObject
    cloud: str
    path: str
    patches: list[Any]
    patches_field: list[str | int]


def _network(text: str) -> Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _cloud_of(parts: tuple[str, ...], regions: frozenset[str] = frozenset()) -> str:
    """The other cloud a repository path belongs to ("" for the primary's): a directory named after the cloud or
    ending with `-<cloud>` (terraform/azure/..., terraform/live-azure, clusters/prod-azure, applications/prod-azure);
    else the standby region of `regions` a directory or a `.tfvars` file ends with (clusters/prod-eu-west-1,
    terraform/tenants/acme/prod-eu-west-1.tfvars)."""
    for part in parts[:-1]:
        for cloud in vocabulary().clouds:
            if part == cloud or part.endswith("-" + cloud):
                return cloud
    names = [*parts[:-1], parts[-1].removesuffix(".tfvars")] if parts and parts[-1].endswith(".tfvars") else parts[:-1]
    return next((r for part in names for r in sorted(regions) if part.endswith("-" + r)), "")


def standby_regions(repo: Repository) -> frozenset[str]:
    """The standby regions of a multi-region repository: each region a `.tfvars` sets whose name, or the name of a
    directory above it, ends with that region (`<env>-<region>.tfvars`, `live-<region>/envs/<env>.tfvars`)."""
    found = set()
    root = repo.root.resolve()
    for path in repo.tfvars():
        try:
            region = _REGION.search(_bounds(repo).read_text(path, errors="replace"))
        except (InputError, OSError):
            continue
        names = [*path.relative_to(root).parts[:-1], path.stem]
        if region and any(name.endswith("-" + region.group(1)) for name in names):
            found.add(region.group(1))
    return frozenset(found)


def cloud_networks(repo: Repository, regions: frozenset[str] = frozenset()) -> dict[str, CloudNetworks]:
    """Per other cloud (and standby region of `regions`), the networks its `.tfvars` set: `vpc_cidr` (shared) and,
    below `tenants/<tenant>/`, `database_cidr`."""
    found: dict[str, CloudNetworks] = {}
    root = repo.root.resolve()
    for path in repo.tfvars():
        parts = path.relative_to(root).parts
        cloud = _cloud_of(parts, regions)
        if not cloud:
            continue
        try:
            text = _bounds(repo).read_text(path, errors="replace")
        except (InputError, OSError):
            continue
        networks = found.setdefault(cloud, CloudNetworks())
        for name, value in _TFVAR.findall(text):
            network = _network(value)
            if network is None:
                continue
            if name == "vpc_cidr":
                networks.shared.append(network)
            elif tenant := _tenant_in(parts):
                networks.tenants.setdefault(tenant, []).append(network)
    return found


def _bounds(repo: Repository) -> Bounds:
    return repo.bounds or Bounds.of([repo.root])


def _tenant_in(parts: tuple[str, ...]) -> str:
    """The tenant of a path below a `tenants/<tenant>/` directory, else ""."""
    return next((parts[i + 1] for i, p in enumerate(parts[:-2]) if p in vocabulary().tenant_directories), "")


def _sites(repo: Repository, regions: frozenset[str]) -> list[Site]:
    sites = []
    for obj in repo.objects:
        cloud = _cloud_of(Path(obj.display).parts, regions)
        if not cloud:
            continue
        if obj.kind == "Application" and obj.group == "argoproj.io":
            path, patches_field = obj.field(["spec", "source", "path"]), ["spec", "source", "kustomize", "patches"]
        elif obj.kind == "Kustomization" and obj.group == "kustomize.toolkit.fluxcd.io":
            path, patches_field = obj.field(["spec", "path"]), ["spec", "patches"]
        else:
            continue
        if isinstance(path, str) and path:
            patches = obj.field(patches_field)
            sites.append(Site(obj, cloud, path.removeprefix("./").strip("/"), patches if isinstance(patches, list)
                              else [], patches_field))
    return sites


def _targets(patch: Any, policy: K8sObject, namespace: str) -> bool:
    target = patch.get("target") if isinstance(patch, dict) else None
    if not isinstance(target, dict) or target.get("kind") not in (None, "NetworkPolicy"):
        return False
    wanted = {"name": policy.name, "namespace": namespace}
    try:  # kustomize matches a target's name and namespace as anchored regular expressions
        return all(re.fullmatch(str(target[key]), value) for key, value in wanted.items() if key in target)
    except re.error:
        return False


def _operations(patch: dict[str, Any]) -> list[Any]:
    try:
        ops = safe_load(str(patch.get("patch") or ""))  # a JSON6902 patch, in YAML or JSON
    except yaml.YAMLError:
        return []
    return ops if isinstance(ops, list) else []


def _egress_after(site: Site, policy: K8sObject, namespace: str) -> tuple[list[Any], int | None]:
    """The policy's egress rules in `namespace` once the site's patches apply, and the index of the last patch
    that set a rule's `to` (None: the policy as written)."""
    written = policy.field(["spec", "egress"])
    rules = [dict(r) if isinstance(r, dict) else r for r in written] if isinstance(written, list) else []
    last = None
    for index, patch in enumerate(site.patches):
        if not _targets(patch, policy, namespace):
            continue
        for op in _operations(patch):
            match = _TO.match(str(op.get("path", ""))) if isinstance(op, dict) else None
            if match and op.get("op") in ("add", "replace") and int(match.group(1)) < len(rules):
                rule = rules[int(match.group(1))]
                if isinstance(rule, dict):
                    rule["to"] = op.get("value")
                    last = index
    return rules, last


def _cidrs(rule: dict[str, Any]) -> list[Network]:
    peers = rule.get("to") if isinstance(rule.get("to"), list) else []
    blocks = [p["ipBlock"].get("cidr") for p in peers if isinstance(p, dict) and isinstance(p.get("ipBlock"), dict)]
    return [n for n in (_network(str(b)) for b in blocks if b) if n is not None]


def _inside(network: Network, within: list[Network]) -> bool:
    return any(network.version == w.version and network.subnet_of(w) for w in within)  # type: ignore[arg-type]


def check_cloud_databases(repo: Repository) -> list[Finding]:
    """`wiring/database-egress` (on another cloud's or a standby region's cluster a tenant's database egress, as
    patched there, goes outside that cloud's (region's) networks) and `wiring/tenant-database-isolation` (it
    reaches another tenant's database network there)."""
    regions = standby_regions(repo)
    sites = _sites(repo, regions)
    networks = cloud_networks(repo, regions) if sites else {}
    if not networks:
        return []
    ports = set(vocabulary().engine_ports.values())
    policies = repo.of_kind("NetworkPolicy")
    root = repo.root.resolve()
    findings = []
    for site in sites:
        known = networks.get(site.cloud)
        if known is None or not known.shared:
            continue
        delivered = applied_files(root / site.path, _bounds(repo))
        for policy in (p for p in policies if p.path in delivered):
            tenant = _tenant_in(Path(policy.display).parts)
            for namespace in sorted(policy.namespaces):
                rules, last = _egress_after(site, policy, namespace)
                where = site.patches_field + [last] if last is not None else ["spec"]
                for rule in _database_rules(rules, ports):
                    findings.extend(_check_rule(site, policy, namespace, tenant, _cidrs(rule), known, where))
    return findings


def _database_rules(rules: list[Any], ports: set[int]) -> list[dict[str, Any]]:
    """The egress rules that name one of the engine `ports`."""
    found = []
    for rule in rules:
        listed = rule.get("ports") if isinstance(rule, dict) else None
        if isinstance(listed, list) and any(isinstance(p, dict) and p.get("port") in ports for p in listed):
            found.append(rule)
    return found


def _check_rule(site: Site, policy: K8sObject, namespace: str, tenant: str, cidrs: list[Network],
                known: CloudNetworks, where: list[str | int]) -> list[Finding]:
    label = f"on the {site.cloud} cluster, {policy.label} in {namespace} ({policy.display})"
    outside = [c for c in cidrs if not _inside(c, known.shared)]
    if outside:
        shown = ", ".join(sorted({str(n) for n in known.shared}))
        return [site.obj.finding(
            "wiring/database-egress",
            f"{label} allows the database port to {outside[0]}, outside the {site.cloud} network ({shown}): the "
            f"tenant's pods there cannot reach its {site.cloud} database", where,
            f"patch the policy's `to` on this cluster to the tenant's database network in {site.cloud} "
            f"({', '.join(str(n) for n in known.tenants.get(tenant, [])) or 'its database subnet'})")]
    others = sorted({other for other, nets in known.tenants.items() if other != tenant
                     for c in cidrs for n in nets if c.overlaps(n)})  # type: ignore[arg-type]
    if others:
        return [site.obj.finding(
            "wiring/tenant-database-isolation",
            f"{label} allows the database port into the database network of tenant {others[0]}", where,
            f"restrict `to` to tenant {tenant or namespace}'s own database network in {site.cloud}")]
    return []
