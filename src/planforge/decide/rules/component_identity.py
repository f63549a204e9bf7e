"""A catalog component that calls its cloud's API as a workload identity of its own (`needs: cloud-identity`:
external-dns, velero) is installed only where the cluster module binds its ServiceAccount to one (the catalog's
`identity`: cluster-autoscaler on EKS). On a cloud whose module builds none, the chart would start without credentials
(external-dns with its default provider and nothing to sign in with), and the repository's own `planforge validate
--strict` refuses it (wiring/identity-missing): its row is reported instead, with what to build. External Secrets is
External Secrets' store's concern (its identity comes with the store)."""
from __future__ import annotations

from planforge.decide.answers import Component
from planforge.decide.context import Context
from planforge.decide.data import catalog

# the clouds whose workload identities the wiring validator checks (AWS IAM roles, Entra ID, Google service accounts)
_IDENTITY_CLOUDS = {"aws": "AWS", "azure": "Azure", "gcp": "Google Cloud"}


def decide_component_identities(c: Context, structure: str) -> None:
    """Leave out, and report, the components whose workload identity the cloud's cluster module does not build."""
    cloud = c.values.get("cloud", "none")
    if cloud not in _IDENTITY_CLOUDS or structure not in ("multi-tool", "multi-tenant") \
            or c.values.get("iac_tool", "none") == "none":
        return
    kept: list[Component] = []
    for comp in c.values.get("components") or []:
        entry = catalog().chart(comp.name)
        if entry is None or "cloud-identity" not in entry.needs or entry.name == "external-secrets" \
                or cloud in entry.identity:
            kept.append(comp)
            continue
        row = c.component_rows.get(comp.name)
        if row is not None and row.line:
            c.unapplied(row.line, comp.name, f"{comp.name} calls the {_IDENTITY_CLOUDS[cloud]} API as a workload "
                        f"identity of its own, which planforge's {cloud} cluster module does not build: it is not "
                        f"installed (it would start without credentials). Bind an identity to "
                        f"{comp.namespace}/{entry.chart} and install it yourself")
    if len(kept) != len(c.values.get("components") or []):
        c.values["components"] = kept
