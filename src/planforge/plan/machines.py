"""Machines a plan names: instance types (AWS, Azure, GCP, DigitalOcean and Oracle Cloud sizes, App Service plan SKUs,
database classes, cache node types) and the node counts written beside them (`3x m6i.xlarge`, `s-4vcpu-8gb × 3
(autoscale 3–5)`). `planforge.plan.figures` reads them as figures. Every pattern is bounded."""
from __future__ import annotations

import re

INSTANCE = re.compile(
    r"(?<![\w.-])(?:(?:db|cache)\.)?[a-z][a-z0-9-]{0,15}\d[a-z0-9-]{0,15}\."
    r"[a-z0-9]{0,8}(?:nano|micro|small|medium|large|metal)[a-z0-9-]{0,8}(?![\w.-])"
    r"|(?<![\w.-])(?:(?:B|GP|MO)_)?Standard_[A-Za-z0-9_]{2,30}(?![\w.-])"  # Azure VM and flexible server sizes
    r"|(?<![\w.-])(?:e2|n1|n2|n2d|c2|c2d|c3|t2d|t2a|m1|m2|m3|a2)-(?:standard|highmem|highcpu|micro|small|medium|custom)"
    r"(?:-\d{1,3}){0,2}(?![\w.-])"
    # DigitalOcean Droplet and managed database sizes: s-4vcpu-8gb, c-8vcpu-16gb-intel, db-s-2vcpu-4gb
    r"|(?<![\w.-])(?:db-)?(?:s|c|c2|g|gd|m|m3|m6|so|so1_5)-\d{1,2}vcpu-\d{1,3}gb(?:-(?:amd|intel))?(?![\w.-])"
    # Oracle Cloud compute shapes: VM.Standard.E5.Flex, VM.Standard.A1.Flex, VM.Standard3.Flex, BM.Standard.E5.192
    r"|(?<![\w.-])(?:VM|BM)\.(?:Standard|DenseIO|Optimized|GPU)[A-Za-z0-9]*(?:\.[A-Za-z0-9]+){1,2}(?![\w.-])"
    # OCI Database with PostgreSQL shapes: PostgreSQL.VM.Standard.E5.Flex, fixed PostgreSQL.VM.Standard.E4.Flex.2.32GB
    r"|(?<![\w.-])PostgreSQL\.(?:VM|BM)\.Standard[A-Za-z0-9]*(?:\.[A-Za-z0-9]+){1,4}(?![\w.-])",
    re.I,
)
# Azure App Service plan SKUs: Premium v2-v4 and Isolated v2 ones (P1v3, P2mv3, I1v2) wherever they are written; Free,
# Shared, Basic and Standard ones (F1, D1, B1-B3, S1-S3) only on a line that speaks of App Service, a service plan, a
# SKU or a tier (`S3` alone is a bucket)
APP_SERVICE_PREMIUM = re.compile(r"(?<![\w.-])(?:P[0-5]m?v[2-4]|I[1-6]m?v2)(?![\w.-])", re.I)
APP_SERVICE_SKU = re.compile(r"(?<![\w.-])(?:P[0-5]m?v[2-4]|I[1-6]m?v2|F1|D1|B[1-3]|S[1-3])(?![\w.-])", re.I)
APP_SERVICE_LINE = re.compile(r"\bapp service\b|\bservice plan\b|\bsku\b|\btier\b", re.I)
# the prefixes of database instance classes: RDS, DigitalOcean, Azure flexible server tiers (B_, GP_, MO_Standard_...),
# OCI Database with PostgreSQL shapes
DATABASE_CLASS_PREFIXES = ("db.", "db-", "b_standard_", "gp_standard_", "mo_standard_", "postgresql.")
# the prefix of ElastiCache node types (`cache.r6g.large`): a cache's, never a cluster node's
CACHE_NODE_PREFIX = "cache."
# Oracle Cloud shapes are matched by their full name (their dots are no AWS size)
_OCI_SHAPE = re.compile(r"^(?:PostgreSQL\.)?(?:VM|BM)\.", re.I)
# the sizes AWS-style types come in (`m6i.superlarge` is shaped like a type but is none)
_REAL_SIZE = re.compile(r"\.(?:nano|micro|small|medium|\d{0,2}x?large|metal(?:-\d{1,3}xl)?)$", re.I)


def real_size(instance_type: str) -> bool:
    """Whether an instance type read from the plan has a size its cloud sells (`m6i.xlarge`, not `m6i.superlarge`);
    Azure, GCP, DigitalOcean and Oracle Cloud names are matched by their full shape."""
    return "." not in instance_type or _OCI_SHAPE.match(instance_type) is not None or \
        _REAL_SIZE.search(instance_type) is not None


# a count right before a node's instance type counts nodes of it (`3-6 e2-standard-4 nodes`, `3x m6i.xlarge`)
_MACHINE_COUNT = re.compile(r"(?<![\w.,/-])(?P<low>\d{1,4})(?: ?(?:-|–|to) ?(?P<high>\d{1,4}))? ?(?:x|×)? ?$", re.I)
# ... or a multiplier right after it (`s-2vcpu-4gb × 2`), an autoscaling range after that the node range
# (`s-4vcpu-8gb × 3 (autoscale 3–5)`)
_MACHINE_COUNT_AFTER = re.compile(
    r"`? ?(?:x(?! ?(?:86|64)\b)|×) ?(?P<low>\d{1,4})(?![\w.])"  # `x86`, `x64`: an architecture
    r"(?: ?\(?(?:auto-?scal(?:e|es|ing)|autoscaler) ?:? ?(?P<min>\d{1,4}) ?(?:-|–|to) ?(?P<max>\d{1,4})(?![\w.])\)?)?",
    re.I)


def node_count(clause: str, instance: re.Match[str]) -> tuple[int, int, float, float] | None:
    """(start, end, low, high) of the node count written right before a node's instance type, or right after it; none
    of a database class or a cache node type."""
    if instance.group(0).lower().startswith((*DATABASE_CLASS_PREFIXES, CACHE_NODE_PREFIX)):
        return None
    before = _MACHINE_COUNT.search(clause, max(0, instance.start() - 16), instance.start())
    if before is not None:
        low = float(before.group("low"))
        return before.start(), instance.end(), low, float(before.group("high") or low)
    after = _MACHINE_COUNT_AFTER.match(clause, instance.end())
    if after is not None:
        low = float(after.group("min") or after.group("low"))
        return instance.start(), after.end(), low, float(after.group("max") or after.group("low"))
    return None
