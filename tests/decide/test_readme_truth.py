"""The README's Decisions section tells the truth about the plan.

For every fixture plan that decides, each Decisions line is checked against a scan of the plan text written
here (not the rules' vocabulary): a line whose value is a default ("default (...)") claims nothing about the
plan when a plan line names the answer, but says which line names it (`default (plan.md:N names X, ...)`);
a line citing a plan line for a value cites a line that names it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from testlib import PLANS, deciding_plans
from planforge.decide import decide
from planforge.plan import parse_plan

# answer -> words that name it
NAMES = {
    "gitops": r"argo ?cd|flux",
    "secrets_manager": (r"vault|secrets? manager|key ?vault|sealed[- ]secrets|external[- ]secrets|kubernetes secrets?"
                        r"|github (?:environments?|actions secrets?)"),
    "monitoring": r"prometheus|grafana",
    "dapr": r"dapr",
    "kafka": r"kafka|redpanda|strimzi",
    "kubernetes_distribution": r"eks|aks|gke|doks|oke|minikube|k3s|rke2|kubeadm|(?:azure|elastic) kubernetes service|google kubernetes engine",
    "kubernetes_version": r"(?:kubernetes|k8s|eks|aks|gke|doks|oke|k3s|rke2|kubeadm) ?v?1\.\d\d",
    "terraform_version": r"terraform ?(?:>=|≥|~>)? ?1\.\d+",
    "region": r"(?:us|eu|ap|sa|ca|me|af)-[a-z]+-\d|west ?europe|north ?europe|east ?us ?2?|west ?us ?[23]?|sweden ?central"
              r"|us-central1|europe-west\d"
              r"|swedencentral|germanywestcentral|francecentral|switzerlandnorth|norwayeast|polandcentral|italynorth|spaincentral|uksouth|ukwest"
              r"|nyc[13]|sfo[23]|tor1|atl1|ams3|fra1|lon1|sgp1|blr1|syd1",
    "uptime": r"\d+(?:\.\d+)? ?% (?:uptime|availability|sla)|(?:uptime|availability|sla)[^.\n]{0,20}\d+(?:\.\d+)? ?%",
    "rpo_minutes": r"rpo",
    "rto_minutes": r"rto",
    "backup_retention_days": r"retention|retain(?:ed)? .{0,20}\d+ ?days|backups? .{0,20}kept|\d+[- ]day backups?",
    "compliance": r"soc ?2|pci[- ]?dss|hipaa|gdpr",
    "data_residency": r"data residency|data (?:must |shall |should )?(?:be )?(?:stays?|remains?|resides?|kept|stored) (?:in|within)",
    "database_engine": r"postgres(?:ql)?|mysql|mariadb",
    "database_version": r"(?:postgres(?:ql)?|mysql)(?: flexible server)?:? ?v?\d+",
    "max_pods": r"\d+ ?pods",
    "environments": r"dev|development|staging|prod|production",
}
NEGATED = re.compile(r"\b(?:no|not|without|never|excluding|instead of)\b[^.;,\n]{0,24}$", re.I)
EMPTY = {"none", "no", "0", ""}




def naming_lines(name: str, lines: list[str]) -> dict[int, str]:
    """Plan line -> the words on it that name the answer, where no negation comes just before them."""
    pattern = re.compile(rf"(?<![A-Za-z])(?:{NAMES[name]})(?![A-Za-z])", re.I)
    out = {}
    for number, text in enumerate(lines, start=1):
        for m in pattern.finditer(text):
            if not NEGATED.search(text[: m.start()]):
                out[number] = m.group(0)
                break
    return out


@pytest.mark.parametrize("path", deciding_plans(), ids=lambda p: p.stem)
def test_decisions_never_call_a_named_answer_a_default(path: Path):
    plan = parse_plan(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    lies = []
    for d in decide(plan).answers.decisions:
        if d.name not in NAMES:
            continue
        named = naming_lines(d.name, lines)
        cited = re.match(r"plan\.md:(\d+)", d.source)
        names_line = re.match(r"default \(plan\.md:(\d+) names ", d.source)
        if d.source.startswith("default") and named and not (names_line and int(names_line.group(1)) in named):
            lies.append((d.name, d.source, sorted(named.items())[:2]))
        elif cited and d.value not in EMPTY and int(cited.group(1)) not in named:
            lies.append((d.name, d.value, d.source))
    assert not lies


def _source(path: Path, name: str) -> str:
    return next(d.source for d in decide(parse_plan(path)).answers.decisions if d.name == name)


def test_a_composite_answer_cites_the_line_of_each_figure():
    source = _source(PLANS / "ticketing-eks.plan.md", "apps")
    # the applications are named on one line; their replicas and memory are stated on others
    assert source.startswith("plan.md:47: Custom Applications")
    assert "plan.md:31: between 3 and 30 replicas" in source
    assert "plan.md:32: 2Gi" in source


def test_the_components_cite_the_row_of_each_component():
    source = _source(PLANS / "ticketing-eks.plan.md", "components")
    for line, name in ((40, "ingress-nginx"), (41, "cert-manager"), (43, "kube-prometheus-stack"), (44, "argo-cd")):
        assert f"plan.md:{line}: | {name} |" in source
