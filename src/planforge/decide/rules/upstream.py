"""Upstream charts: a chart the plan deploys as published (`the official authentik Helm chart 2024.8.3 from
https://charts.goauthentik.io`) becomes a component (an Argo CD Application or a Kustomize helmChart) with the
plan's repository and exact version; it is never turned into an application chart of the plan's own.

A chart counts as upstream when a sentence calls it so (`official authentik chart`, `upstream Airflow chart`) or
gives its repository URL after it in its sentence; its version and repository may come from any sentence naming the same chart. A catalog chart keeps the
catalog's repository and takes the plan's exact version when the plan states one. Words and limits are data
(includes/components.yaml, `upstream`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from planforge.decide import text as tx
from planforge.decide.answers import Component, Provenance
from planforge.decide.context import Context
from planforge.decide.data import catalog
from planforge.decide.rules.statements import Passage, passages
from planforge.catalog import load_catalog


@dataclass
class _Chart:
    """What the plan says of one upstream chart, gathered over its sentences."""

    name: str
    line: int
    upstream: bool = False
    version: str = ""
    version_line: int = 0
    repo: str = ""
    repo_line: int = 0


@lru_cache(maxsize=None)
def _vocabulary() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str], frozenset[str]]:
    data = load_catalog()["upstream"]
    return (re.compile(data["mention"], re.I), re.compile(data["upstream_words"], re.I),
            re.compile(data["version"], re.I), re.compile(data["repository"], re.I), frozenset(data["not_names"]))


def decide_upstream_charts(c: Context, structure: str) -> None:
    """Add the plan's upstream charts to `components`; refuse one the output cannot pin (no repository, no exact
    version). Runs after the catalog components are decided and before the workloads."""
    if structure == "single-iac":
        return
    charts = _charts(passages(c.plan))
    comps: list[Component] = list(c.values.get("components", []))
    added = False
    for ch in charts.values():
        if not ch.upstream:
            continue
        entry = catalog().chart(ch.name)
        if entry is not None:
            added |= _pin_catalog_version(c, comps, entry.name, ch)
            continue
        comp = _component(c, ch)
        if comp is not None and all(x.name != comp.name for x in comps):
            comps.append(comp)
            c.component_rows[comp.name] = Provenance(source="plan", line=ch.line, text=tx.quote(c.line_text(ch.line)))
            added = True
    if added:
        first = min(ch.line for ch in charts.values() if ch.upstream)
        prov = c.provenance.get("components")
        line = prov.line if prov is not None and prov.source == "plan" and prov.line else first
        c.from_line("components", comps, line)


def _charts(found: list[Passage]) -> dict[str, _Chart]:
    """Every chart named in the statement sections, by lowercase name, in plan order."""
    mention, upstream_words, version_rx, repo_rx, not_names = _vocabulary()
    charts: dict[str, _Chart] = {}
    for p in found:
        for start, end in tx.sentence_bounds(p.text):
            sentence = p.text[start:end]
            for m in mention.finditer(sentence):
                name = _name(m)
                if name in not_names or not tx.is_dns_label(name):
                    continue
                line = p.line_at(start + m.start())
                ch = charts.setdefault(name, _Chart(name=name, line=line))
                rest = sentence[m.end():]
                repo, at = repo_rx.search(rest), start + m.end()  # a repository after the chart, in its sentence
                ch.upstream |= bool(upstream_words.fullmatch(m.group("prev") or "") or repo)
                version = version_rx.match(rest)
                if version and not ch.version:
                    ch.version, ch.version_line = version.group("version"), line
                if repo and not ch.repo:
                    ch.repo, ch.repo_line = repo.group(0).rstrip("/."), p.line_at(at + repo.start())
    return charts


def _name(m: re.Match[str]) -> str:
    """The chart's name: two words when they name a catalog chart (`Argo CD Helm chart`), else the last word."""
    if m.group("prev") and catalog().chart(m.group("prev") + m.group("name")) is not None:
        return catalog().chart(m.group("prev") + m.group("name")).name
    return m.group("name").lower()


def _pin_catalog_version(c: Context, comps: list[Component], name: str, ch: _Chart) -> bool:
    """A catalog chart the plan gives an exact version: the plan's version replaces the catalog pin."""
    if not ch.version:
        return False
    for i, comp in enumerate(comps):
        if comp.name == name and comp.version.lstrip("v") != ch.version.lstrip("v"):
            comps[i] = comp.model_copy(update={"version": ch.version, "notes": "chart version stated in the plan"})
            c.applied(ch.version_line, ch.version, "components")
            return True
    return False


def _component(c: Context, ch: _Chart) -> Component | None:
    """The component of a chart the catalog does not have; a problem when the plan does not say where to get it."""
    if not ch.repo.startswith("https://"):
        why = ("an OCI repository: state the chart's https:// Helm repository" if ch.repo.startswith("oci://")
               else "no chart repository")
        c.problem(None, "components", f"the plan deploys the upstream {ch.name} chart but names {why.split(':')[0]}",
                  f"state its Helm repository beside it, e.g. `{ch.name} Helm chart 1.2.3 from https://charts.example.com`",
                  line=ch.line)
        return None
    if not ch.version:
        c.problem(None, "components", f"the plan deploys the upstream {ch.name} chart without an exact chart version",
                  f"state the chart version (e.g. `{ch.name} Helm chart 1.2.3`): planforge pins exact versions",
                  line=ch.line)
        return None
    if not c.valid_name(None, "components", "chart", ch.name, line=ch.line):
        return None
    c.applied(ch.repo_line, ch.repo, "components")
    c.applied(ch.version_line, ch.version, "components")
    c.unapplied(ch.line, f"{ch.name} chart values", "the Application installs the chart with its own default values: "
                "planforge knows no values of a chart outside its catalog; set them in the Application's valuesObject "
                "(secrets, database, ingress host, bundled subcharts)")
    return Component(name=ch.name, chart_repo=ch.repo, chart=ch.name, version=ch.version, namespace=ch.name,
                     notes="upstream chart the plan deploys")
