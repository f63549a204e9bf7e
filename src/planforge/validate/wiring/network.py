"""NetworkPolicy enforcement and database reachability (heuristic: docs/wiring.md, "Databases")."""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

from planforge.validate.base import Finding
from planforge.validate.wiring.repo import K8sObject, Repository, TfBlock, walk_values
from planforge.validate.wiring.rules import vocabulary
from planforge.validate.wiring.tfvalues import TerraformValues

_ENFORCEMENT = {
    "aws_eks_cluster": ("aws_eks_addon", re.compile(r"enableNetworkPolicy\W+true", re.I),
                        'install the vpc-cni add-on (aws_eks_addon) with configuration_values = '
                        'jsonencode({ enableNetworkPolicy = "true" })'),
    "azurerm_kubernetes_cluster": ("azurerm_kubernetes_cluster", re.compile(r"\bnetwork_policy\s*=\s*\"?\w"),
                                   'set network_profile { network_policy = "azure" } (or "calico", "cilium")'),
    "google_container_cluster": ("google_container_cluster", re.compile(
        r'datapath_provider\s*=\s*"ADVANCED_DATAPATH"|network_policy\s*\{[^}]*enabled\s*=\s*true', re.S),
        'set datapath_provider = "ADVANCED_DATAPATH" (Dataplane V2) or network_policy { enabled = true }'),
}


def check_enforcement(repo: Repository) -> list[Finding]:
    """`wiring/netpol-not-enforced`: NetworkPolicies exist, a cluster is created, nothing enforces them."""
    policies = repo.of_kind("NetworkPolicy")
    if not policies:
        return []
    findings = []
    for cluster_type, (where_type, enabled, fix) in _ENFORCEMENT.items():
        clusters = repo.tf("resource", cluster_type)
        if not clusters:
            continue
        candidates = repo.tf("resource", where_type) + repo.tf("module")
        if any(enabled.search(b.text) for b in candidates):
            continue
        addons = repo.tf("resource", "aws_eks_addon") if where_type == "aws_eks_addon" else []
        cni = [b for b in addons if "vpc-cni" in b.text]
        at = cni[0] if cni else clusters[0]
        findings.append(at.finding(
            "wiring/netpol-not-enforced",
            f"the repository has NetworkPolicies ({policies[0].display}) but the cluster does not enforce them",
            fix, "vpc-cni" if cni else ""))
    return findings


# --- databases ---------------------------------------------------------------------------------


def _module_dir(call: TfBlock) -> Path | None:
    source = call.body.get("source")
    if not isinstance(source, str) or not source.startswith((".", "/")):
        return None
    return (call.path.parent / source).resolve()


def _engine_ports(text: str) -> set[int]:
    known = set(vocabulary().engine_ports.values())
    stated = {int(n) for n in re.findall(r"\b(\d{4})\b", text)} & known
    return stated or known


def _allows(rule: dict[str, Any], ports: set[int]) -> bool:
    protocol = str(rule.get("ip_protocol", rule.get("protocol", "")))
    if protocol in ("-1", "all"):
        return True
    try:
        low, high = int(rule.get("from_port")), int(rule.get("to_port"))
    except (TypeError, ValueError):
        return True  # computed: cannot tell, assume it allows
    return any(low <= p <= high for p in ports)


def _egress_rules(blocks: list[TfBlock], group: TfBlock) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    for inline in group.body.get("egress") or []:
        rules.extend(inline if isinstance(inline, list) else [inline])
    ref = f"aws_security_group.{group.name}."
    for block in blocks:
        if block.kind != "resource" or ref not in str(block.body.get("security_group_id", "")):
            continue
        if block.type == "aws_vpc_security_group_egress_rule" or \
                (block.type == "aws_security_group_rule" and block.body.get("type") == "egress"):
            rules.append(block.body)
    return [r for r in rules if isinstance(r, dict)]


def check_terraform_databases(repo: Repository) -> list[Finding]:
    """`wiring/database-egress` on the security groups of the database's sources, and
    `wiring/tenant-database-isolation` on a tenant database admitting a cluster-wide security group."""
    words = vocabulary()
    findings: list[Finding] = []
    for call in repo.tf("module"):
        target = _module_dir(call)
        inner = repo.tf_dirs.get(target, []) if target else []
        databases = [b for b in inner if b.kind == "resource" and b.type in words.database_resources]
        if not databases:
            continue
        ports = _engine_ports(repo.dir_text(target))
        tenant = _in_tenant_directory(repo, call.path) or "for_each" in call.body
        for argument, value in call.body.items():
            if not words.database_source_arguments.search(argument):
                continue
            text = str(value)
            if tenant and words.shared_cluster_sources.search(text):
                findings.append(call.finding(
                    "wiring/tenant-database-isolation",
                    f"{argument} admits a security group the whole cluster shares: every tenant's pods reach this "
                    "tenant's database", "admit only a security group of this tenant's pods (security groups for "
                    "pods, or a per-tenant node group) and keep the cluster group out", argument))
            for source in re.findall(r"module\.([\w-]+)\.", text):
                findings.extend(_check_source_module(repo, call, source, ports))
    return findings


def _in_tenant_directory(repo: Repository, path: Path) -> bool:
    root = repo.root.resolve()
    return path.is_relative_to(root) and bool(set(path.relative_to(root).parts[:-1]) & vocabulary().tenant_directories)


def _check_source_module(repo: Repository, call: TfBlock, source: str, ports: set[int]) -> list[Finding]:
    callers = [b for b in repo.tf_dirs.get(call.path.parent.resolve(), []) if b.kind == "module" and b.name == source]
    target = _module_dir(callers[0]) if callers else None
    blocks = repo.tf_dirs.get(target, []) if target else []
    findings = []
    for group in (b for b in blocks if b.kind == "resource" and b.type == "aws_security_group"):
        if not any(_allows(r, ports) for r in _egress_rules(blocks, group)):
            shown = "/".join(str(p) for p in sorted(ports))
            findings.append(group.finding(
                "wiring/database-egress",
                f"module.{source} is a source the database of module.{call.name} ({call.display}) admits, but its "
                f"security group allows no egress on the database port ({shown})",
                f"add an egress rule on port {shown} to the database's security group (or the private subnets)"))
    return findings


def _default_deny_egress(policy: K8sObject) -> bool:
    spec = policy.field(["spec"]) or {}
    selector = spec.get("podSelector") if isinstance(spec, dict) else None
    return isinstance(selector, dict) and not selector.get("matchLabels") and not selector.get("matchExpressions") \
        and "Egress" in (spec.get("policyTypes") or []) and not spec.get("egress")


def _port_rules(policy: K8sObject, ports: set[int]) -> list[tuple[int, dict[str, Any]]]:
    """The egress rules (index, rule) of a policy that allow one of `ports`."""
    found = []
    for index, rule in enumerate(policy.field(["spec", "egress"]) or []):
        if not isinstance(rule, dict):
            continue
        listed = rule.get("ports")
        if not listed or any(isinstance(p, dict) and (p.get("port") in ports or p.get("port") is None)
                             for p in listed):
            found.append((index, rule))
    return found


def _open_destination(rule: dict[str, Any]) -> bool:
    peers = rule.get("to")
    if not peers:
        return True
    return any(isinstance(p, dict) and (p.get("ipBlock") or {}).get("cidr") in ("0.0.0.0/0", "::/0") for p in peers)


def _uses_database(obj: K8sObject) -> bool:
    pattern = vocabulary().database_words
    for _path, key, value in walk_values(obj.obj.get("spec")):
        if key == "name" and isinstance(value, str) and pattern.search(value):
            return True
        if key in ("key", "secretName") and isinstance(value, str) and pattern.search(value):
            return True
    if obj.kind == "ConfigMap":
        return any(isinstance(k, str) and pattern.search(k) for k in (obj.obj.get("data") or {}))
    return False


def is_multi_tenant(repo: Repository) -> bool:
    if any(_in_tenant_directory(repo, p) for p in [o.path for o in repo.objects] + [b.path for b in repo.blocks]):
        return True
    return any("tenant" in str(k) for ns in repo.of_kind("Namespace") for k in (ns.meta("labels") or {}))


def check_policy_databases(repo: Repository) -> list[Finding]:
    """NetworkPolicy side: `wiring/database-egress` (a namespace denying egress whose workloads use the
    Terraform-created database allows no egress on its port) and `wiring/tenant-database-isolation` (a
    multi-tenant repository allows the database port to any destination)."""
    words = vocabulary()
    databases = [b for b in repo.blocks if b.kind == "resource" and b.type in words.database_resources]
    if not databases:
        return []
    ports = _engine_ports(repo.dir_text(databases[0].path.parent.resolve()))
    policies = repo.of_kind("NetworkPolicy")
    findings: list[Finding] = []
    if is_multi_tenant(repo):
        for policy in policies:
            for index, rule in _port_rules(policy, ports):
                if rule.get("ports") and _open_destination(rule):
                    findings.append(policy.finding(
                        "wiring/tenant-database-isolation",
                        "allows the database port to any destination in a multi-tenant repository: the tenant's "
                        "pods reach every tenant's database", ["spec", "egress", index],
                        "restrict `to` to this tenant's database (an ipBlock of its subnet or address)"))
    for policy in policies:
        if not _default_deny_egress(policy):
            continue
        for namespace in sorted(policy.namespaces):
            users = [o for o in repo.objects if namespace in o.namespaces and o.kind != "NetworkPolicy"
                     and _uses_database(o)]
            allowed = any(_port_rules(p, ports) for p in policies if namespace in p.namespaces)
            if users and not allowed:
                shown = "/".join(str(p) for p in sorted(ports))
                findings.append(policy.finding(
                    "wiring/database-egress",
                    f"denies egress in namespace {namespace}, where {users[0].label} ({users[0].display}) uses the "
                    f"database, and no NetworkPolicy there allows port {shown}", ["spec", "policyTypes"],
                    f"add a NetworkPolicy in {namespace} allowing egress on port {shown} to the database's subnet"))
    return findings


def check_database_destinations(repo: Repository) -> list[Finding]:
    """`wiring/database-egress-destination`: an egress rule opening the database port only to ipBlocks that overlap
    none of the networks the repository's Terraform builds (where the AWS or Azure database lives): the pods never
    reach it (a network renumbered in the Terraform, not in the policy)."""
    words = vocabulary()
    databases = [b for b in repo.blocks if b.kind == "resource" and b.type in words.database_resources
                 and not b.type.startswith("google_")]
    networks = _networks(repo) if databases else []
    if not networks:
        return []
    ports = _engine_ports(repo.dir_text(databases[0].path.parent.resolve()))
    shown = ", ".join(sorted({f"{network} ({where})" for network, where in networks}))
    findings = []
    for policy in repo.of_kind("NetworkPolicy"):
        for index, rule in _port_rules(policy, ports):
            peers = rule.get("to") if isinstance(rule.get("to"), list) else []
            blocks = [_address(peer) for peer in peers]
            if not rule.get("ports") or not peers or any(b is None for b in blocks):
                continue  # any destination, or a pod or namespace peer (an in-cluster database)
            if not any(b.overlaps(n) for b in blocks for n, _ in networks if b.version == n.version):  # type: ignore[union-attr, arg-type]
                findings.append(policy.finding(
                    "wiring/database-egress-destination",
                    f"allows the database port only to {', '.join(str(b) for b in blocks)}, outside every network "
                    f"the Terraform builds ({shown}): its pods never reach the database", ["spec", "egress", index, "to"],
                    f"point the ipBlock at the database's network ({networks[0][0]})"))
    return findings


def _address(peer: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    cidr = (peer.get("ipBlock") or {}).get("cidr") if isinstance(peer, dict) else None
    try:
        return ipaddress.ip_network(str(cidr), strict=False) if cidr else None
    except ValueError:
        return None


def _networks(repo: Repository) -> list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str]]:
    """The address spaces of the networks the Terraform creates, in every way each module is reached, and where each
    is written; none when one cannot be read (a computed value: nothing to compare with)."""
    values = TerraformValues(repo)
    found = []
    for block in repo.blocks:
        for argument in vocabulary().network_resources.get(block.type, []) if block.kind == "resource" else []:
            if argument not in block.body:
                continue
            for scope in values.scopes(block.path.parent):
                literal = values.argument(block, argument, scope)
                if literal is None:
                    return []
                for text in literal.strings:
                    network = _address({"ipBlock": {"cidr": text}})
                    if network is None:
                        return []
                    found.append((network, literal.place))
    return found

