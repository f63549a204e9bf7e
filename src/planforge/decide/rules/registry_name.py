"""The container registries the clusters pull the applications' images from.

The DigitalOcean container registry the bootstrap root creates, named after the images the plan states:
`registry.digitalocean.com/taskly/web` pulls from the registry `taskly`, which the bootstrap root then creates and
whose pull secret (`registry-taskly`) the applications' ServiceAccounts name. Before, the registry was always named
after the project, so the pods of such images could never pull them. An account holds one registry: images naming
another are reported."""
from __future__ import annotations

import re

from planforge.decide.context import Context
from planforge.decide.data import keywords
from planforge.plan.model import plain

_ACR_PULL = re.compile(r"\bAcrPull\b", re.I)  # the role the nodes are granted on each registry
_DOCR = re.compile(r"registry\.digitalocean\.com/([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)/")


def decide_acr_pull(c: Context) -> None:
    """Set `acr_pull_registries` from the Azure Container Registries the applications' images name (AKS clusters):
    the nodes' kubelet identity is granted AcrPull on each (before, nothing did and every pod stayed in
    ImagePullBackOff)."""
    suffix = keywords().image_registries["ACR"]  # .azurecr.io
    acr = re.compile(r"([a-z0-9]{5,50})" + re.escape(suffix) + "/")
    named = list(dict.fromkeys(m.group(1) for app in c.values.get("apps") or [] if (m := acr.match(app.image))))
    if c.values.get("kubernetes_distribution") != "aks" or c.values.get("compute", "vms") != "vms" or not named:
        c.default("acr_pull_registries", [], "no image of an AKS cluster names an Azure Container Registry")
        return
    lines = {host: next((n for n, text in enumerate(c.plan.lines, 1) if host in text), None)
             for host in (name + suffix for name in named)}
    c.from_line("acr_pull_registries", named, next((n for n in lines.values() if n is not None), 1))
    for host, line in lines.items():
        if line is not None:
            c.applied(line, host, "acr_pull_registries")
    for line, text in enumerate(c.plan.lines, 1):  # `the kubelet identity gets AcrPull on the registry`
        for m in _ACR_PULL.finditer(plain(text)):
            c.applied(line, m.group(0), "acr_pull_registries")


def decide_registry_name(c: Context) -> None:
    """Set `registry_name` from the registry the applications' images name (DigitalOcean clusters only)."""
    project = c.values.get("project_name", "")[:63]
    named = [m.group(1) for app in c.values.get("apps") or [] if (m := _DOCR.match(app.image))]
    if c.values.get("cloud") != "digitalocean" or c.values.get("compute", "vms") != "vms" or not named \
            or named[0] == project:
        c.default("registry_name", "", "the images name no DigitalOcean registry but the project's")
        return
    name = named[0]
    c.from_line("registry_name", name, _stating_line(c, name))
    for other in dict.fromkeys(n for n in named if n != name):
        c.unapplied(_stating_line(c, other), f"registry.digitalocean.com/{other}",
                    f"a DigitalOcean account holds one container registry, {name}: push every image there")


def _stating_line(c: Context, name: str) -> int:
    """The first line naming the registry `name` beside a registry word, else the first image path naming it."""
    beside = re.compile(rf"\bregistry\b.{{0,80}}(?<![\w./-])`?{re.escape(name)}`?(?![\w/-])", re.I)
    path = re.compile(rf"registry\.digitalocean\.com/{re.escape(name)}/")
    lines = c.plan.lines
    found = next((n for n, text in enumerate(lines, 1) if beside.search(text)), None)
    if found is not None:
        c.applied(found, name, "registry_name")
        return found
    return next((n for n, text in enumerate(lines, 1) if path.search(text)), 1)
