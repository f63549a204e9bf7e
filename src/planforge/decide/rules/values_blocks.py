"""What a plan's Helm values blocks say of its chart services: a YAML code block whose top-level keys are the services'
names (`backend: {image: {repository: acr.azurecr.io/todo-backend, tag: 1.4.0}, replicas: 2}`). Each service takes
its image repository and tag (a moving `latest` is not a tag the charts pin), its replica count (production's when
the block names a production values file, `# helm/values-production.yaml`), its requests and limits and its
autoscaling range and CPU target (`hpa` or `autoscaling`: minReplicas, maxReplicas,
targetCPUUtilizationPercentage or cpuTargetPercent), production's block first. The services' own
sentences win over these; the rule reads only what they leave."""
from __future__ import annotations

import re
from typing import Any

from planforge.decide.answer_rules import patterns
from planforge.decide.context import Context
from planforge.decide.rules.app_statements import IMAGE, image_values
from planforge.plan.code_blocks import code_blocks

_VALUES_FILE = re.compile(r"values-([a-z0-9-]+)\.ya?ml", re.I)
_PRODUCTION = re.compile(r"^(?:prod|production|prd|live)$")
_MOVING_TAGS = ("latest", "stable", "main", "master")
_SIDES = {"requests": "request", "limits": "limit"}
# the HPA's CPU utilization target under `hpa:` / `autoscaling:`, as charts spell it
_CPU_TARGET_KEYS = ("targetCPUUtilizationPercentage", "cpuTargetPercent", "targetCPU", "cpuTarget")


def values_of_blocks(c: Context, names: list[str]) -> dict[str, dict[str, Any]]:
    """Service name -> the Service fields the plan's values blocks give it (image, tag, replicas or prod_replicas),
    the first block giving a field winning; their lines are marked applied to `services`."""
    found: dict[str, dict[str, Any]] = {}
    blocks = []
    for block in code_blocks(c.plan.lines):
        doc = next(iter(block.documents()), None)
        if isinstance(doc, dict) and any(isinstance(_of(doc, n), dict) for n in names):
            head = next((raw for raw in block.lines if raw.strip()), "")
            env = _VALUES_FILE.search(head) if head.lstrip().startswith("#") else None
            blocks.append((not (env and _PRODUCTION.match(env.group(1).lower())), block.line, block, doc))
    # production's block first: its sizes and ranges are the ones the services take (other environments' replica
    # counts are theirs)
    for not_production, _line, block, doc in sorted(blocks, key=lambda b: b[:2]):
        production = not not_production
        for name in names:
            values = _of(doc, name)
            if isinstance(values, dict):
                for key, value, words in _fields(values, production):
                    if key not in found.setdefault(name, {}):
                        line = block.line_of(words)
                        found[name].update(image_values(c, value, line) if key == "image" else {key: value})
                        c.applied(line, words, "services")
    return found


def _of(doc: dict[Any, Any], name: str) -> Any:
    """The values of service `name`, keyed by its name or its camelCase (`sseGateway` for sse-gateway)."""
    key = name.replace("-", "")
    return doc.get(name, next((v for k, v in doc.items() if isinstance(k, str) and k.lower() == key), None))


def _fields(values: dict[str, Any], production: bool) -> list[tuple[str, Any, str]]:
    """(field, value, the words stating it) of one service's values."""
    out: list[tuple[str, Any, str]] = []
    image = values.get("image")
    repository = image.get("repository") if isinstance(image, dict) else image if isinstance(image, str) else None
    if isinstance(repository, str) and re.fullmatch(IMAGE, repository.strip(), re.I):
        tag = str(image.get("tag")) if isinstance(image, dict) and isinstance(image.get("tag"), (str, int, float)) else ""
        ref = repository.strip()
        if tag not in _MOVING_TAGS and patterns()["image_tag"].regex.match(tag) and ":" not in ref.rpartition("/")[2]:
            ref = f"{ref}:{tag}"
        out.append(("image", ref, repository.strip()))
    resources = values.get("resources") if isinstance(values.get("resources"), dict) else {}
    for side in ("requests", "limits"):
        for what in ("cpu", "memory"):
            quantity = (resources.get(side) or {}).get(what) if isinstance(resources.get(side), dict) else None
            if isinstance(quantity, (str, int)) and patterns()["quantity"].regex.match(str(quantity)):
                out.append((f"{what}_{_SIDES[side]}", str(quantity), f"{what}: {quantity}"))
    scaling = next((values[k] for k in ("hpa", "autoscaling") if isinstance(values.get(k), dict)), {})
    low, high = scaling.get("minReplicas"), scaling.get("maxReplicas")
    if isinstance(low, int) and isinstance(high, int) and 0 < low <= high <= 1000:
        out += [("min_replicas", low, f"minReplicas: {low}"), ("max_replicas", high, f"maxReplicas: {high}")]
    key = next((k for k in _CPU_TARGET_KEYS if k in scaling), "")
    target = scaling.get(key)
    if isinstance(target, int) and not isinstance(target, bool) and 0 < target <= 100:
        out.append(("cpu_target", target, f"{key}: {target}"))
    replicas = values.get("replicas", values.get("replicaCount"))
    if isinstance(replicas, int) and not isinstance(replicas, bool) and 0 < replicas <= 1000:
        out.append(("prod_replicas" if production else "replicas", replicas,
                    f"{'replicas' if 'replicas' in values else 'replicaCount'}: {replicas}"))
    return out

