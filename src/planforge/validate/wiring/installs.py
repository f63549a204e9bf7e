"""What a repository installs on its cluster, and what the cluster has built in (docs/wiring.md "Controllers").

Installed: a catalog chart the repository deploys (GitOps objects, a Terraform `helm_release` or EKS add-on, a kustomize
`helmCharts` entry, a Helm chart dependency, a `helm install` line of a shell script or README/docs Markdown, an
Ansible `kubernetes.core.helm` task), a catalog component's install command or manifest, a CRD manifest, a GitOps
bootstrap, or a README/docs line saying the component is a prerequisite. Built in: the distributions the
Terraform, the Ansible trees or the docs give. Every file is read through the validated root's bounds."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Iterator

import yaml

from planforge.decide.data import ChartEntry, catalog, load
from planforge.validate.ansible.discovery import YAML_SUFFIXES, find_trees
from planforge.validate.inputs import InputError, walk
from planforge.validate.manifests import ManifestError, load_kustomization, safe_load
from planforge.validate.manifests.discovery import KUSTOMIZATION_NAMES
from planforge.model import capabilities
from planforge.validate.wiring.identity import deployed_components
from planforge.validate.wiring.repo import Repository, TfBlock, walk_values

SCRIPT_SUFFIXES = (".sh", ".bash")
CHART_FILE = "Chart.yaml"
ANSIBLE_HELM_MODULES = ("kubernetes.core.helm", "community.kubernetes.helm", "helm")
_HELM = re.compile(r"\bhelm\s+(install|upgrade)\s([^\n`]{0,500})")
# Helm flags that take a value as the next word (`-n argocd`), so that word is no release or chart name.
_HELM_VALUE_FLAGS = frozenset({
    "-n", "--namespace", "--version", "-f", "--values", "--set", "--set-string", "--set-file", "--set-json",
    "--repo", "--kube-context", "--kubeconfig", "--timeout", "--description", "--post-renderer", "--username",
    "--password", "--ca-file", "--cert-file", "--key-file", "-o", "--output", "--name-template", "-l", "--labels"})
_COMMAND_END = frozenset({"&&", "||", ";", "|", "\\", "#"})


@dataclass(frozen=True)
class Words:
    """The `wiring/controller-missing` vocabulary of `data/wiring.yaml`."""

    cluster_resources: dict[str, str]
    terraform_installs: dict[str, str]
    cluster_modules: dict[str, re.Pattern[str]]
    ansible_distributions: dict[str, re.Pattern[str]]
    distribution_documented: re.Pattern[str]
    install_commands: dict[str, re.Pattern[str]]
    controller_documented: re.Pattern[str]
    bootstrap_evidence: dict[str, dict[str, Any]]


@cache
def words() -> Words:
    data = load("wiring.yaml")
    return Words(
        dict(data["cluster_resources"]), dict(data["terraform_installs"]),
        {k: re.compile(v) for k, v in data["cluster_modules"].items()},
        {k: re.compile(v) for k, v in data["ansible_distributions"].items()},
        re.compile(data["distribution_documented"]), {k: re.compile(v) for k, v in data["install_commands"].items()},
        re.compile(data["controller_documented"]), dict(data["bootstrap_evidence"]))


@dataclass
class Installed:
    """What the repository installs (capabilities) and the distributions its cluster runs."""

    capabilities: set[str] = field(default_factory=set)
    distributions: set[str] = field(default_factory=set)

    def add(self, entry: ChartEntry | None) -> None:
        if entry is not None:
            self.capabilities.update(entry.capabilities())

    def has(self, capability: str) -> bool:
        return capability in self.capabilities or any(capability in capabilities.built_in(d) for d in self.distributions)


def chart_entry(reference: Any) -> ChartEntry | None:
    """The catalog entry of a chart reference (`argo-cd`, `argo/argo-cd`, `oci://ghcr.io/x/argo-cd:7.6.12`)."""
    if not isinstance(reference, str) or not reference.strip():
        return None
    name = re.split(r"[:@]", reference.strip().rstrip("/").rsplit("/", 1)[-1])[0]
    return next((e for e in catalog().charts.values() if e.chart == name), None)


def _listed(value: Any) -> list[Any]:
    """A list field of hostile YAML: its items, or none when it is not a list."""
    return value if isinstance(value, list) else []


def _read(repo: Repository, path: Path) -> str | None:
    try:
        return repo.bounds.read_text(path, errors="replace") if repo.bounds else None
    except (InputError, OSError):
        return None


def _doc_lines(repo: Repository) -> list[str]:
    return [line for _display, text in repo.docs for line in text.replace("\\\n", " ").splitlines()]


def _script_lines(repo: Repository) -> list[str]:
    texts = [t for p in repo.files if p.name.endswith(SCRIPT_SUFFIXES) and (t := _read(repo, p)) is not None]
    return [line for text in texts for line in text.replace("\\\n", " ").splitlines()]


def helm_install_chart(line: str) -> str | None:
    """The chart of a `helm install [NAME] CHART` or `helm upgrade --install NAME CHART` command on the line."""
    for match in _HELM.finditer(line):
        tokens = [t.strip("'\"") for t in match.group(2).split()]
        if match.group(1) == "upgrade" and not {"--install", "-i"} & set(tokens):
            continue
        positional: list[str] = []
        skip = False
        for token in tokens:
            if token in _COMMAND_END:
                break
            if skip or token.startswith("-"):
                skip = not skip and token in _HELM_VALUE_FLAGS
                continue
            positional.append(token)
        generated = bool({"--generate-name", "-g"} & set(tokens))
        chart = positional[0] if generated and positional else positional[1] if len(positional) > 1 else None
        if chart:
            return chart
    return None


def _gitops_charts(repo: Repository) -> Iterator[Any]:
    """Chart names the GitOps objects deploy: Argo CD Application(Set) sources, Flux HelmReleases (a chart, or a
    chartRef to an OCIRepository), k3s/RKE2 HelmCharts."""
    yield from (component.chart for _o, component, _p, _v in deployed_components(repo))
    oci = {o.name: o.field(["spec", "url"]) for o in repo.of_kind("OCIRepository")}
    for obj in repo.objects:
        if obj.kind == "ApplicationSet":
            yield from (s.get("chart") for _where, s in obj.sources(("spec", "template", "spec")))
        elif obj.kind == "HelmRelease" and obj.field(["spec", "chartRef", "kind"]) == "OCIRepository":
            name = obj.field(["spec", "chartRef", "name"])
            yield oci.get(name) if isinstance(name, str) else None
        elif obj.kind == "HelmChart" and obj.group == "helm.cattle.io":
            yield obj.field(["spec", "chart"])


def _kustomizations(repo: Repository) -> list[dict[str, Any]]:
    found = []
    for path in repo.files:
        if path.name in KUSTOMIZATION_NAMES:
            try:
                data = load_kustomization(path, repo.bounds)
            except (ManifestError, InputError, OSError):
                continue
            if isinstance(data, dict):
                found.append(data)
    return found


def _file_charts(repo: Repository, kustomizations: list[dict[str, Any]]) -> Iterator[Any]:
    """Chart names of Terraform installs (`helm_release`, EKS add-ons), kustomize `helmCharts`, Helm chart
    dependencies."""
    installs = words().terraform_installs
    yield from (block.body.get(installs[block.type]) for block in repo.tf("resource") if block.type in installs)
    for data in kustomizations:
        yield from (e.get("name") for e in _listed(data.get("helmCharts")) if isinstance(e, dict))
    for path in repo.files:
        if path.name == CHART_FILE and (text := _read(repo, path)) is not None:
            try:
                data = safe_load(text)
            except yaml.YAMLError:
                continue
            entries = _listed(data.get("dependencies") if isinstance(data, dict) else None)
            yield from (e.get("name") for e in entries if isinstance(e, dict))


def _ansible_texts(repo: Repository) -> Iterator[str]:
    """The text of every YAML file of the repository's Ansible trees."""
    if repo.bounds is None:
        return
    for tree in find_trees(repo.root.resolve(), repo.bounds):
        for dirpath, dirnames, filenames in walk(tree.path):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(YAML_SUFFIXES) and (text := _read(repo, Path(dirpath) / name)) is not None:
                    yield text


def _ansible_charts(text: str) -> Iterator[Any]:
    try:
        data = safe_load(text)
    except yaml.YAMLError:
        return
    for _path, key, value in walk_values(data):
        if key in ANSIBLE_HELM_MODULES and isinstance(value, dict):
            yield value.get("chart_ref")


def _documented(line: str) -> Iterator[ChartEntry]:
    """Catalog components a README/docs line says run on the cluster already (a prerequisite)."""
    if words().controller_documented.search(line):
        yield from (catalog().charts[name] for _pos, name in catalog().mentioned(line))


def block_distributions(block: TfBlock) -> set[str]:
    """The distributions of the clusters a Terraform block creates: a cluster resource (`cluster_resources`), or a
    module call whose name or `source` names one (`cluster_modules`)."""
    vocabulary = words()
    if block.kind in ("resource", "data"):
        return {vocabulary.cluster_resources[block.type]} if block.type in vocabulary.cluster_resources else set()
    source = block.body.get("source") if block.kind == "module" else None
    return {d for d, pattern in vocabulary.cluster_modules.items()
            if block.kind == "module" and (block.name == d or (isinstance(source, str) and pattern.search(source)))}


def _distributions(repo: Repository, ansible: list[str]) -> set[str]:
    vocabulary = words()
    found = {d for block in repo.blocks for d in block_distributions(block)}
    found.update(d for d, pattern in vocabulary.ansible_distributions.items() if any(pattern.search(t) for t in ansible))
    names = capabilities.distributions()
    for _display, text in repo.docs:
        for line in text.splitlines():
            if vocabulary.distribution_documented.search(line):
                lowered = set(re.findall(r"[a-z0-9]+", line.lower()))
                found.update(d for d in names if d in lowered)
    return found


def _bootstrapped(repo: Repository, lines: list[str]) -> set[str]:
    """GitOps tools whose bootstrap ran: the directory it commits, a command line, a Terraform resource, a line
    saying the clusters run it already."""
    ran = set()
    for tool, evidence in words().bootstrap_evidence.items():
        directory, command = evidence.get("directory"), re.compile(evidence.get("command") or r"(?!)")
        documented = re.compile(evidence.get("documented") or r"(?!)")
        if any(directory in p.parts[len(repo.root.parts):-1] for p in repo.files) or \
                any(command.search(line) or documented.search(line) for line in lines) or \
                repo.tf("resource", *(evidence.get("terraform") or ())):
            ran.add(tool)
    return ran


def installed(repo: Repository) -> Installed:
    """Everything the repository installs, and the distributions its cluster runs."""
    found = Installed()
    docs = _doc_lines(repo)
    lines = docs + _script_lines(repo)  # command lines: docs and shell scripts (continuation lines joined)
    ansible = list(_ansible_texts(repo))
    kustomizations = _kustomizations(repo)
    charts = [*_gitops_charts(repo), *_file_charts(repo, kustomizations), *map(helm_install_chart, lines)]
    charts += [chart for text in ansible for chart in _ansible_charts(text)]
    for chart in charts:
        found.add(chart_entry(chart))
    resources = [r for data in kustomizations for r in _listed(data.get("resources")) if isinstance(r, str)]
    for text in [*lines, *resources]:
        for name, pattern in words().install_commands.items():
            if pattern.search(text):
                found.add(catalog().charts.get(name))
    for line in docs:
        for entry in _documented(line):
            found.add(entry)
    for crd in repo.of_kind("CustomResourceDefinition"):
        group, kind = crd.field(["spec", "group"]), crd.field(["spec", "names", "kind"])
        if isinstance(group, str) and isinstance(kind, str):
            found.capabilities.add(f"crd:{group}/{kind}")
    for tool in _bootstrapped(repo, lines):
        found.capabilities.update(capabilities.bootstrap(tool))
    found.distributions = _distributions(repo, ansible)
    return found
