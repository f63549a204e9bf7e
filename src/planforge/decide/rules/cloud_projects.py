"""The GCP project of each environment, when the plan names them (`one project per environment: `nw-ledgerly-staging`
and `nw-ledgerly-prod``, an environments table's `GCP project` column, `acme-<env>`), or one project for them all
(`GCP project `acme-platform``): `environment_sizing[].cloud_project`, the `project_id` of the environment's
Terraform roots and the project its ClusterSecretStore reads. Unnamed, both stay set by you (`TF_VAR_project_id`,
`PROJECT_ID`)."""
from __future__ import annotations

import re

from planforge.decide.answer_rules import patterns
from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.environments import environment_rows
from planforge.decide.rules.environment_names import EnvironmentName, environment_names
from planforge.decide.rules.tools import lines_naming

# the words after which a line names projects, up to the end of their sentence
_PROJECTS = re.compile(r"\bprojects?\b(?:\s+ids?\b)?(?P<named>[^.;]*)", re.I)
# one project for every environment: `GCP project `acme-platform``, `project ID: `acme-platform``
_ONE_PROJECT = re.compile(r"\b(?:gcp|google\s+cloud)\s+project(?:\s+id)?\s*:?\s*`([a-z][a-z0-9-]{4,28}[a-z0-9])`"
                          r"|\bproject\s+id\s*:?\s*`([a-z][a-z0-9-]{4,28}[a-z0-9])`", re.I)
# an environments table's column (or row) of projects
_PROJECT_LABEL = re.compile(r"^\W*(?:gcp\s+|google\s+cloud\s+)?project(?:\s+ids?)?\W*$", re.I)


def decide_cloud_projects(c: Context) -> None:
    """Set each environment's `cloud_project` from the first project the plan names for it (GCP plans only)."""
    if c.values.get("cloud") != "gcp":
        return
    valid = patterns()["gcp_project"].regex
    environments: list[str] = c.values.get("environments", [])
    named: dict[str, EnvironmentName] = {}
    for found in _table_projects(c, valid) + _stated_projects(c, valid):
        named.setdefault(found.env, found)
    if not named:
        named = _one_project(c, environments)
    if not named:
        return
    for found in {(n.line, n.words): n for n in named.values()}.values():
        c.applied(found.line, found.words, "environment_sizing.cloud_project")
    sizing: list[EnvironmentSizing] = c.values["environment_sizing"]
    c.values["environment_sizing"] = [s.model_copy(update={"cloud_project": named[s.name].name}) if s.name in named
                                      else s for s in sizing]
    c.add_note("environment_sizing", "GCP projects " + ", ".join(f"{env} {n.name}" for env, n in named.items()))


def _table_projects(c: Context, valid: re.Pattern[str]) -> list[EnvironmentName]:
    """The projects of an environments table's `GCP project` column or row."""
    return [EnvironmentName(cell.env, name, cell.line, name)
            for row in environment_rows(c.plan, c.values.get("environments", []))
            if _PROJECT_LABEL.match(row.label.replace("`", ""))
            for cell in row.cells for name in [cell.text.strip("`").strip()] if valid.match(name)]


def _stated_projects(c: Context, valid: re.Pattern[str]) -> list[EnvironmentName]:
    """The projects named for one environment each after `project(s)` in a sentence."""
    out: list[EnvironmentName] = []
    for line, _ in lines_naming(c.plan, r"\bprojects?\b"):
        for m in _PROJECTS.finditer(c.plan.lines[line - 1]):
            out += environment_names(c, m.group("named"), line, valid)
    return out


def _one_project(c: Context, environments: list[str]) -> dict[str, EnvironmentName]:
    """The one project the plan names for every environment (`GCP project `acme-platform``), if it names one."""
    for line, _ in lines_naming(c.plan, r"\bproject\b"):
        m = _ONE_PROJECT.search(c.plan.lines[line - 1])
        if m is not None:
            name = m.group(1) or m.group(2)
            return {env: EnvironmentName(env, name, line, name) for env in environments}
    return {}
