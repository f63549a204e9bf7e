"""`WiringValidator`: one target per validated root (the whole repository), one check per concern."""
from __future__ import annotations

import time
from datetime import date
from typing import Callable

from planforge.validate.base import Check, Context, Finding, Severity, Status, Target
from planforge.validate.wiring import (architecture, clouds, controllers, descriptions, duplicates, events, gitops,
                                      grants, identity, issuers, lifecycle, network, paths, placeholders, projects,
                                      references, secrets, state, storage)
from planforge.validate.wiring.repo import Repository, load_repository
from planforge.validate.wiring.rules import NAME

CHECKS: dict[str, list[Callable[[Repository], list[Finding]]]] = {
    "network": [network.check_enforcement, network.check_terraform_databases, network.check_policy_databases,
                network.check_database_destinations, clouds.check_cloud_databases,
                descriptions.check_security_group_descriptions],
    "secrets": [secrets.check_secrets, grants.check_grants],
    "certificates": [issuers.check_issuers],
    "events": [events.check_brokers],
    "identity": [identity.check_service_accounts, identity.check_stores, identity.check_components,
                 identity.check_node_metadata],
    "gitops": [gitops.check_argocd_order, gitops.check_flux_order, gitops.check_projects, projects.check_project_kinds,
               gitops.check_revisions, duplicates.check_duplicates, paths.check_paths],
    "state": [state.check_state_key, state.check_lock_files],
    "placeholders": [placeholders.check_placeholders, references.check_references],
    "lifecycle": [lifecycle.check_end_of_life],
    "controllers": [controllers.check_controllers],
    "storage": [storage.check_storage_classes],
    "architecture": [architecture.check_architectures],
}


class WiringValidator:
    """Cross-layer checks between Terraform, Kubernetes manifests, GitOps objects and docs."""

    name = NAME
    today: Callable[[], date] = staticmethod(lifecycle.support_date)  # the date support calendars are compared with

    def discover(self, ctx: Context) -> list[Target]:
        return [Target(NAME, "repository", ctx.root, ".")]

    def run(self, target: Target, ctx: Context) -> list[Check]:
        start = time.monotonic()
        repo = load_repository(ctx, self.today())
        loaded = time.monotonic() - start
        checks = []
        for name, functions in CHECKS.items():
            begin = time.monotonic()
            findings = _unique([f for function in functions for f in function(repo)])
            findings.sort(key=lambda f: (f.file or "", f.line or 0, f.rule))
            status = Status.FAILED if any(f.severity is Severity.ERROR for f in findings) else Status.PASSED
            checks.append(Check(NAME, name, target.display, status, findings,
                                time.monotonic() - begin + loaded / len(CHECKS), "planforge"))
        return checks


def _unique(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and place (a module used by several roots is reported once)."""
    seen: set[tuple[str, str | None, int | None]] = set()
    kept = []
    for finding in findings:
        key = (finding.rule, finding.file, finding.line)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept
