"""Plan -> Decided: the structure decision and every answer, each with its provenance.

Rules of the road:
- Only Technical Context fields, the Deployment Components table, Custom Applications,
  Constitution Check items (`[x]` and `Principle N:` ones), Project Structure trees and the Structure
  Decision feed answers. Summary and Complexity Tracking never do.
- A value the plan states but planforge cannot honour (Pulumi, Jenkins X, a Consul state backend, ...)
  is refused with the supported values; it is never silently replaced.
- Every refusal is a Problem with file, line and field; RefusedError carries all of them.

The rules live in decide/rules/, one module per family, and run here in the order of docs/decisions.md.
"""
from __future__ import annotations

from typing import NoReturn

from planforge.decide.answers import Applied, Decided
from planforge.decide.context import Context
from planforge.decide.coverage import not_applied
from planforge.decide.data import defaults
from planforge.decide.readme import cite_composites, cite_stating_lines, decisions
from planforge.decide.rules.airgap import decide_airgap
from planforge.decide.rules.app_service import decide_app_service
from planforge.decide.rules.capacity import decide_capacity, decide_single_node_pools
from planforge.decide.rules.delivery import decide_delivery, decide_repo_url, report_production_on_a_branch
from planforge.decide.rules.existing import check_existing_clusters
from planforge.decide.rules.figures import decide_figures
from planforge.decide.rules.goals import decide_goals
from planforge.decide.rules.onprem import decide_k3s
from planforge.decide.rules.acme_staging import decide_acme_staging
from planforge.decide.rules.app_calls import decide_app_calls
from planforge.decide.rules.app_secret_keys import decide_app_secret_keys
from planforge.decide.rules.registry_name import decide_acr_pull, decide_registry_name
from planforge.decide.rules.app_namespace import decide_app_namespace
from planforge.decide.rules.database_name import decide_database_name, decide_database_user
from planforge.decide.rules.database_reach import decide_database_reach
from planforge.decide.rules.cluster_issuer import decide_acme_email, decide_cluster_issuer
from planforge.decide.rules.desired_nodes import decide_desired_nodes
from planforge.decide.rules.external_egress import decide_external_egress
from planforge.decide.rules.environment_networks import decide_environment_networks
from planforge.decide.rules.pipeline import decide_pipeline
from planforge.decide.rules.resource_tags import decide_resource_tags
from planforge.decide.rules.platform import decide_platform
from planforge.decide.rules.project import decide_project
from planforge.decide.rules.providers import decide_provider_constraint
from planforge.decide.rules.clouds import decide_clouds
from planforge.decide.rules.renderers import decide_renderer
from planforge.decide.rules.compute import decide_compute
from planforge.decide.rules.component_identity import decide_component_identities
from planforge.decide.rules.component_versions import decide_component_versions
from planforge.decide.rules.counts import decide_counts
from planforge.decide.rules.regions import decide_regions
from planforge.decide.rules.scope import decide_scope
from planforge.decide.rules.spot_nodes import decide_spot_nodes
from planforge.decide.rules.state_key import decide_state_key
from planforge.decide.rules.state_names import decide_state_names
from planforge.decide.rules.statements import decide_gke_dns_endpoint, decide_statements
from planforge.decide.rules.structure import blueprints, decide_structure
from planforge.decide.rules.tool_versions import decide_tool_versions
from planforge.decide.rules.tools import decide_tools
from planforge.decide.rules.tree import decide_paths
from planforge.decide.rules.upstream import decide_upstream_charts
from planforge.decide.rules.app_secrets import decide_app_secrets
from planforge.decide.rules.dapr_components import decide_dapr_components
from planforge.decide.rules.argocd_sync import decide_argocd_sync
from planforge.decide.rules.cpu_targets import decide_cpu_targets
from planforge.decide.rules.hpa_ranges import decide_hpa_ranges
from planforge.decide.rules.database_settings import decide_database_settings
from planforge.decide.rules.ingress_routes import decide_ingress_routes
from planforge.decide.rules.secret_refresh import decide_secret_refresh
from planforge.decide.rules.secrets_vaults import decide_secrets_vaults
from planforge.decide.rules.app_identity import decide_app_identities
from planforge.decide.rules.app_probes import decide_app_probes
from planforge.decide.rules.cloud_projects import decide_cloud_projects
from planforge.decide.rules.environment_api import decide_environment_api_table
from planforge.decide.rules.service_monitors import decide_service_monitors
from planforge.decide.rules.service_volumes import pin_volume_replicas
from planforge.decide.rules.workloads import decide_workloads
from planforge.decide.safety import check_safety
from planforge.decide.system import cite_added, decide_system
from planforge.errors import Problem, RefusedError
from planforge.plan.model import Plan


def decide(plan: Plan) -> Decided:
    """Decide every answer from a parsed plan; RefusedError lists every blocking problem."""
    c = Context(plan, problems=list(plan.problems), warnings=list(plan.warnings))
    d = defaults()
    decide_project(c)
    structure = decide_structure(c)
    decide_platform(c, structure, d)
    decide_compute(c, structure)
    decide_delivery(c, structure, d)
    decide_scope(c, structure, d)
    decide_upstream_charts(c, structure)
    decide_workloads(c, structure, d)
    decide_component_versions(c)
    decide_component_identities(c, structure)
    decide_pipeline(c, structure)
    decide_registry_name(c)
    decide_acr_pull(c)
    decide_goals(c)
    decide_figures(c)
    decide_desired_nodes(c)
    decide_spot_nodes(c, structure)
    decide_app_service(c)
    check_existing_clusters(c)
    decide_k3s(c)
    decide_airgap(c)
    pin_volume_replicas(c)
    decide_cpu_targets(c)
    decide_hpa_ranges(c)
    decide_ingress_routes(c, structure)
    decide_acme_staging(c, structure)
    decide_cluster_issuer(c)
    decide_acme_email(c)
    decide_argocd_sync(c)
    decide_database_name(c)
    decide_database_user(c)
    decide_database_settings(c)
    decide_service_monitors(c, structure)
    decide_external_egress(c, structure)
    decide_app_calls(c, structure)
    decide_database_reach(c, structure)
    decide_app_namespace(c, structure)
    decide_app_probes(c, structure)
    decide_app_identities(c)
    decide_app_secret_keys(c, structure)
    decide_secrets_vaults(c, structure)
    decide_cloud_projects(c)
    decide_dapr_components(c)
    decide_app_secrets(c, structure)
    decide_secret_refresh(c, structure)
    decide_capacity(c)
    decide_environment_networks(c, structure)
    decide_statements(c, structure)
    decide_environment_api_table(c, structure)
    decide_state_names(c)
    decide_state_key(c, structure)
    report_production_on_a_branch(c)
    decide_regions(c, structure)
    decide_clouds(c, structure)
    decide_gke_dns_endpoint(c, structure)
    decide_renderer(c, structure)
    decide_single_node_pools(c)
    decide_tools(c, structure)
    decide_provider_constraint(c)
    decide_resource_tags(c)
    blueprints(c, structure)
    decide_tool_versions(c, c.values.get("blueprints", []))
    decide_paths(c)
    decide_repo_url(c)
    carrier = {"flux": "; the Flux GitRepository carries a marked placeholder",
               "argocd": "; ArgoCD manifests carry a marked placeholder"}.get(c.values.get("gitops", "none"), "")
    if "repo_url" not in c.values:
        c.default("repo_url", "", f"no Git URL in the plan{carrier}")
    c.default("planforge_install", "", "never in a plan; CI and pre-commit install planforge from a template "
              "source the user named, at its commit, else from nothing until `install:` is set")
    if c.problems:
        _refuse(c, f"{plan.source}: plan refused: {len(c.problems)} blocking problem(s)", c.problems)
    answers, model = decide_system(c)
    if c.problems:
        _refuse(c, f"{plan.source}: plan refused: {len(c.problems)} requirement(s) nothing meets", c.problems)
    decide_counts(c, answers, model)
    c.provenance = cite_composites(cite_stating_lines(c.provenance, plan), c.applied_phrases, c.component_rows)
    c.provenance = cite_added(c.provenance, model)
    answers.decisions = decisions(answers, c.provenance)
    answers.not_applied = not_applied(c, answers)
    problems = check_safety(answers, c.provenance, plan.source)
    if problems:
        _refuse(c, f"{plan.source}: plan refused: answers that cannot be rendered", problems)
    applied = [Applied(line=ln, text=text, answer=answer) for (ln, text), answer in c.applied_phrases.items()]
    return Decided(answers=answers, provenance=c.provenance, warnings=c.warnings, not_applied=answers.not_applied,
                   applied=applied, model=model, tree_files=c.tree_files)


def _refuse(c: Context, message: str, problems: list[Problem]) -> NoReturn:
    """Raise RefusedError with the problems and the warnings gathered so far."""
    err = RefusedError(message, problems)
    err.warnings = c.warnings  # type: ignore[attr-defined]
    raise err
