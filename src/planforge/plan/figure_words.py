"""The words figures are read with: the Figure type, the vocabulary of units, keywords and environment names
(data/figures.yaml, data/keywords.yaml), and the lookups both the clause reader (`figures`) and the per-environment
reader (`environment_counts`) use."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from planforge.yamlio import package_data

Kind = str  # nodes, instance_type, replicas, cpu, memory, pods, namespaces, rpo, rto, retention, log_retention,
# metrics_retention, trace_retention, uptime, database, storage,
# and unpaired (`2/3 nodes in dev/staging/prod`: counts and environments that do not pair up)

APP_KINDS = ("replicas", "memory", "cpu")
COUNT_KINDS = ("nodes", "tasks", "replicas", "instances")
WORD = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}", re.I)


@dataclass(frozen=True)
class Figure:
    """One quantity the plan states. low/high: a range (either side None when open, both equal for one value),
    in `unit`: count, Mi (memory), millicores (cpu), minutes (rpo, rto), days (retention), percent, GiB (storage).
    Named figures (instance_type, database) carry `name` (and `version`) instead."""

    kind: Kind
    low: float | None
    high: float | None
    unit: str
    subject: str  # the app/service, environment, tenant, pool or region named; "" plan-wide
    scope: str  # plan | app | environment | tenant | pool | region | others (the environments no other figure names)
    line: int
    words: str  # as written, e.g. "between 3 and 30 replicas"
    name: str = ""  # instance_type: the type; database: the engine (postgres, mysql, ...)
    version: str = ""  # database: the version as written, e.g. "16", "8.0"
    every_environment: bool = False  # a plan-wide figure said of each environment (`12 nodes per environment`)
    # an app's figure said of one environment (`| checkout-web replicas | 1 | 3 |` under environment columns)
    environment: str = ""

    @property
    def value(self) -> float | None:
        """The single value stated, None for a range or an open bound."""
        return self.low if self.low is not None and self.low == self.high else None

    @property
    def environment_word(self) -> str:
        """The environment the figure is said of (`in production`, its column), as written; "" for every one."""
        return self.environment or (self.subject if self.scope == "environment" else "")


@dataclass(frozen=True)
class Vocabulary:
    units: dict[str, tuple[str, float]]
    keywords: dict[str, re.Pattern[str]]
    engines: dict[str, str]
    engine_majors: dict[str, list[str]]
    environments: dict[str, str]
    scopes: dict[str, str]
    spelled_counts: re.Pattern[str]  # `three availability zones`: the number word and its unit
    spelled_values: dict[str, int]
    spelled_dimensions: frozenset[str]


def _load(name: str) -> dict[str, Any]:
    return package_data(name)


@lru_cache(maxsize=None)
def vocabulary() -> Vocabulary:
    data: dict[str, Any] = _load("figures.yaml")
    return Vocabulary(
        units={k: (v[0], float(v[1])) for k, v in data["units"].items()},
        keywords={k: re.compile(v, re.I) for k, v in data["keywords"].items()},
        engines=dict(data["engines"]),
        engine_majors={k: [str(x) for x in v] for k, v in data["engine_majors"].items()},
        environments=dict(_load("keywords.yaml")["environment_synonyms"]),
        scopes=dict(data["scopes"]),
        spelled_counts=re.compile(r"\b(?P<word>" + "|".join(data["spelled_counts"]) + r") (?P<unit>[a-z]{1,12})(?![a-z])",
                                  re.I),
        spelled_values=dict(data["spelled_counts"]),
        spelled_dimensions=frozenset(data["spelled_dimensions"]),
    )


@lru_cache(maxsize=1)
def environment_run() -> re.Pattern[str]:
    """Environment words joined by `and`, `&`, `/`, `or` or a comma (`in dev and test`)."""
    words = "|".join(re.escape(w) for w in sorted(vocabulary().environments, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{words})(?:\s*+(?:,|&|/|\band\b|\bor\b)\s*+(?:{words}))+(?![\w-])", re.I)


def joined_environments(text: str) -> list[str]:
    """The environments of the first run of joined environment words (`dev and test`: dev, test), else none."""
    m = environment_run().search(text)
    if m is None:
        return []
    envs = vocabulary().environments
    return list(dict.fromkeys(envs[w.lower()] for w in WORD.findall(m.group(0)) if w.lower() in envs))


def unit_entry(unit: str) -> tuple[str, float] | None:
    """(dimension, factor) of a unit word, also in the plural (`nodes`, `tasks`, `GiB`)."""
    units = vocabulary().units
    return units.get(unit) or (units.get(unit[:-1]) if unit.endswith("s") and len(unit) > 2 else None)
