"""Loading the decision data files in planforge/data (catalog, defaults, blocking matrix, keyword and region
tables, the README Decisions order)."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from planforge.catalog import load_catalog
from planforge.decide.answers import Component
from planforge.layout import load_layout
from planforge.yamlio import package_data


@lru_cache(maxsize=None)
def load(name: str) -> dict[str, Any]:
    """Parse planforge/data/<name> (YAML)."""
    return package_data(name) or {}


def squash(name: str) -> str:
    """Comparison key for catalog names: lowercase, no spaces, dots, underscores or hyphens."""
    return re.sub(r"[\s._\-]+", "", name.lower())


@dataclass(frozen=True)
class ChartEntry:
    name: str
    chart_repo: str
    chart: str
    version: str
    namespace: str
    crds: tuple[str, ...] = ()  # CRDs the chart installs, "group/Kind"
    needs: tuple[str, ...] = ()  # what it needs from the repository: cert-manager, cloud-identity
    provides: tuple[str, ...] = ()  # capabilities beyond its CRDs (data/capabilities.yaml), e.g. metrics-api
    identity: tuple[str, ...] = ()  # the clouds whose cluster module binds its ServiceAccount (`needs: cloud-identity`)
    names: tuple[str, ...] = ()  # what a plan may call it: its name, the chart's and the aliases
    app_versions_same: bool = False  # the chart's versions are the application's (`app_versions: same`)
    replicas: str = ""  # the values key of its replica count ("": the chart's values take none)
    retention: str = ""  # the values key of how long it keeps metrics ("": it keeps none)
    storage: str = ""  # the values key of its volume's size ("": it keeps nothing on a volume planforge sizes)

    def component(self, notes: str, platforms: list[str] | None = None) -> Component:
        """The plan's component installing this chart at its pinned version, with why it is there."""
        return Component(name=self.name, chart_repo=self.chart_repo, chart=self.chart, version=self.version,
                         namespace=self.namespace, notes=notes, platforms=platforms or [])

    def capabilities(self) -> tuple[str, ...]:
        """Everything the chart gives its cluster: `crd:<group>/<Kind>` per CRD, then `provides`."""
        return tuple(f"crd:{crd}" for crd in self.crds) + self.provides


class Catalog:
    """The component catalog (charts) and the Terraform infrastructure modules."""

    def __init__(self, data: dict[str, Any]):
        self.charts: dict[str, ChartEntry] = {}
        self._chart_keys: dict[str, str] = {}
        for name, entry in (data.get("charts") or {}).items():
            self.charts[name] = ChartEntry(
                name=name, chart_repo=entry["chart_repo"], chart=entry["chart"], version=str(entry["version"]),
                namespace=entry["namespace"], crds=tuple(entry.get("crds") or ()), needs=tuple(entry.get("needs") or ()),
                provides=tuple(entry.get("provides") or ()), identity=tuple(entry.get("identity") or ()),
                names=tuple(dict.fromkeys([name, entry["chart"], *entry.get("aliases", [])])),
                app_versions_same=entry.get("app_versions") == "same", replicas=entry.get("replicas", ""),
                retention=entry.get("retention", ""),
                storage=entry.get("storage", ""),
            )
            for alias in [name, entry["chart"], *entry.get("aliases", [])]:
                self._chart_keys[squash(alias)] = name
        self._module_keys: dict[str, str] = {}
        for name, entry in (data.get("terraform_modules") or {}).items():
            for alias in [name, *entry.get("aliases", [])]:
                self._module_keys[squash(alias)] = name
        self._cloud_service_keys = {squash(a) for a in (data.get("cloud_services") or {}).get("aliases", [])}
        self.feature_capability: dict[str, str] = {}
        self._feature_keys: dict[str, str] = {}
        for name, entry in (data.get("cluster_features") or {}).items():
            self.feature_capability[name] = entry["capability"]
            for alias in [name, *entry.get("aliases", [])]:
                self._feature_keys[squash(alias)] = name

    def chart(self, name: str) -> ChartEntry | None:
        key = self._chart_keys.get(squash(name))
        return self.charts.get(key) if key else None

    def module(self, name: str) -> str | None:
        """Terraform module for an infrastructure row: by full name, head, or parenthesised words."""
        head, _, paren = name.partition("(")
        for candidate in (name, head, paren.rstrip(")")):
            key = self._module_keys.get(squash(candidate))
            if key:
                return key
        return None

    def feature(self, name: str) -> str | None:
        """The cluster feature a row names (`cluster_features`: what a managed cluster does itself), or None."""
        return self._feature_keys.get(squash(name))

    def cloud_service(self, name: str) -> bool:
        """Whether a row names managed cloud services (`cloud_services`), alone or joined (`Log Analytics / Container
        Insights`)."""
        parts = [part for part in re.split(r"\s*(?:/|\+|&|,|\band\b)\s*", name.split("(")[0]) if part.strip()]
        return bool(parts) and all(squash(part) in self._cloud_service_keys for part in parts)

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Closest catalog chart names (difflib), for the unknown-component error."""
        names = list(self.charts)
        close = difflib.get_close_matches(name.lower(), names, n=n, cutoff=0.4)
        if not close:
            by_alias = difflib.get_close_matches(squash(name), list(self._chart_keys), n=n, cutoff=0.5)
            close = list(dict.fromkeys(self._chart_keys[a] for a in by_alias))
        return close

    def names(self) -> list[str]:
        return list(self.charts)

    def mentioned(self, text: str) -> list[tuple[int, str]]:
        """(position, chart name) for every catalog name or alias written in text as a word."""
        low = text.lower()
        found: dict[str, int] = {}
        for rx, name in _alias_patterns():
            m = rx.search(low)
            if m and (name not in found or m.start() < found[name]):
                found[name] = m.start()
        return sorted((pos, name) for name, pos in found.items())


@lru_cache(maxsize=None)
def _alias_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(the name or alias as a lowercase word, chart name) of every catalog chart."""
    aliases = {a: n for n, e in (load_catalog().get("charts") or {}).items() for a in [n, *e.get("aliases", [])]}
    return tuple((re.compile(r"(?<![\w-])" + re.escape(alias.lower()) + r"(?![\w-])"), name)
                 for alias, name in aliases.items())


@lru_cache(maxsize=None)
def catalog() -> Catalog:
    return Catalog(load_catalog())


def defaults() -> dict[str, Any]:
    return load("defaults.yaml")


def blocking_action(key: str, structure: str) -> str:
    """'block' or 'warn' for an unresolved field under a structure (data/blocking.yaml)."""
    data = load("blocking.yaml")
    row = (data.get("fields") or {}).get(key)
    if row is None:
        return data.get("default", "warn")
    return row.get(structure, row.get("default", data.get("default", "warn")))


def accepted_values(key: str) -> str | None:
    """The values planforge reads in a deciding field, for refusals and fixes (data/blocking.yaml `accepted`)."""
    return (load("blocking.yaml").get("accepted") or {}).get(key)


@dataclass(frozen=True)
class Keywords:
    """The vocabularies the rules match plan text against (data/keywords.yaml); patterns are regexes."""

    environment_synonyms: dict[str, str]
    platform_patterns: dict[str, str]
    chart_only_platforms: list[str]
    kubernetes_distributions: list[str]  # what a Kubernetes field may name
    image_registries: dict[str, str]  # registry name -> what its repositories' addresses hold
    cloud_patterns: dict[str, str]
    secrets_patterns: dict[str, str]
    storage_kinds: dict[str, str]
    service_volume: dict[str, Any]  # names, size, units, database_server, column, mount
    app_secret_entry: dict[str, Any]  # entry, environment, not_entry, store, single_value, several_values, column, name, one_value
    compliance: dict[str, str]
    non_service_dirs: frozenset[str]
    service_words: str  # a pattern: a directory or word holding one of these names a workload (`orders-api`)
    workload_nouns: tuple[str, ...]  # the nouns that may follow a workload's name (`the legacy-api service (...)`)
    workload_manifest_kinds: tuple[str, ...]  # `backend-deployment.yaml`, `hpa-backend.yaml`: a manifest names a workload
    data_store_workloads: str  # a pattern: a workload of this name is a data store, not a service
    named_tools: dict[str, dict[str, str]]  # kind -> tool name -> pattern
    serverless_runtimes: dict[str, dict[str, Any]]  # runtime tool name -> {compute, cloud, counted, scales_to_zero, unsized}
    terraform_family: dict[str, str]
    tool_not_chosen: str
    tool_preferred_over: str
    terraform_cloud: str
    tfc_organization: str


    def named_workload(self, names: str) -> str:
        """A pattern whose group 1 is one of the workload names `names` (an alternation), written alone or in the name
        of one of its manifests (`service-backend.yaml`, `backend-hpa.yaml`): a statement there is about it."""
        kinds = "|".join(self.workload_manifest_kinds)
        return rf"(?<![\w-])(?:(?:{kinds})-)?({names})(?:-(?:{kinds}))?(?![\w-])"


@lru_cache(maxsize=None)
def keywords() -> Keywords:
    data = load("keywords.yaml")
    return Keywords(**{**data, "non_service_dirs": frozenset(data["non_service_dirs"]),
                       "workload_nouns": tuple(data["workload_nouns"]),
                       "workload_manifest_kinds": tuple(data["workload_manifest_kinds"])})


def basic_cloud(cloud: str) -> dict[str, str] | None:
    """A cloud built in the multi-tool layout only (layout.yml `basic_clouds`), with its name and the reasons for
    what its roots do not take (data/defaults.yaml `basic_clouds`); None for any other cloud."""
    if cloud not in load_layout()["basic_clouds"]:
        return None
    return load("defaults.yaml")["basic_clouds"][cloud]


def region_names(cloud: str) -> list[str]:
    """The regions of cloud by name (the template's includes/answer_rules.yaml `cloud_region_names`, which the
    Copier questionnaire checks the region answer against too); [] for a cloud with no regions."""
    from planforge.decide.answer_rules import rules

    return list(rules()["cloud_region_names"].get(cloud) or [])


def region_pattern(cloud: str) -> str | None:
    """Regex of the region names of cloud; None for a cloud with no regions. A name of letters and digits only (Azure's
    `northeurope`) matches its display form too (`North Europe`): `region_name` turns a match back into the name."""
    names = sorted(region_names(cloud), key=len, reverse=True)
    spaced = [r"\s?".join(map(re.escape, name)) if name.isalnum() else re.escape(name) for name in names]
    return r"\b(?:" + "|".join(spaced) + r")\b" if names else None


def region_name(matched: str) -> str:
    """The region a match of `region_pattern` names (`North Europe` -> `northeurope`)."""
    return re.sub(r"\s+", "", matched).lower()


def region_shape(cloud: str) -> str | None:
    """Regex of words shaped like a region of cloud (data/regions.yaml), known or not."""
    return (load("regions.yaml").get(cloud) or {}).get("shape")


def decision_order() -> list[str]:
    """The answers of the README Decisions section, in order (data/decisions.yaml)."""
    return load("decisions.yaml")["order"]


@lru_cache(maxsize=None)
def named_by() -> dict[str, re.Pattern[str]]:
    """answer -> the words that name it anywhere in a plan (data/decisions.yaml `named_by`)."""
    return {k: re.compile(v, re.I) for k, v in load("decisions.yaml")["named_by"].items()}


@lru_cache(maxsize=None)
def negated_before() -> re.Pattern[str]:
    return re.compile(load("decisions.yaml")["negated_before"], re.I)


def only_when_set() -> frozenset[str]:
    """Answers the README Decisions section lists only when they are not empty (data/decisions.yaml)."""
    return frozenset(load("decisions.yaml")["only_when_set"])


def not_used_by(structure: str, compute: str = "vms") -> frozenset[str]:
    """Answers no blueprint of structure (single-iac: with this compute) reads: left out of its Decisions section
    (data/decisions.yaml)."""
    data = load("decisions.yaml")
    unused = frozenset(data["not_used_by"][structure])
    return unused | frozenset(data["not_used_by_vms"]) if structure == "single-iac" and compute == "vms" else unused
