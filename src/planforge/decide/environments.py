"""Environment names and their kinds.

An environment keeps the name the plan spells where it writes one as a name: a directory or file of its tree
(`environments/production/`, `values-stage.yaml`) or a path in its text (`envs/production`). A prose word
(`Production environment`, `development, staging`) is read as its conventional name (data/keywords.yaml
`environment_synonyms`: `development` -> dev), and the Decisions say so. The kind the synonym table gives a name
(`production`, `prd` and `live` are prod) decides how it is built, never its spelling: `is_production` is the test the
rules use, as layout.yml `environment_kinds` is the template's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from planforge.decide import text as tx
from planforge.decide.data import keywords
from planforge.plan.figure_sources import environment_columns
from planforge.plan.model import Plan

ENV_SUFFIX = r"\s+(environments?|envs?|only|namespaces?|clusters?)$"
_PRODUCTION = "prod"


def env_name(word: str) -> str:
    """An environment word as its conventional name: `Production environment` -> prod (the synonym table)."""
    w = _bare(word)
    synonyms = keywords().environment_synonyms
    first = w.split()[0] if w.split() else w
    return synonyms.get(w, synonyms.get(first, first))


def env_spelling(word: str) -> str:
    """An environment word of a path as the plan spells it (lowercase): `production/` -> production."""
    w = _bare(word).strip("/")
    return w.split()[0] if w.split() else w


def is_env_name(name: str) -> bool:
    """Whether `name` is an environment word of the synonym table (`prod`, `production`, `stage` ...)."""
    return name.lower() in keywords().environment_synonyms


def env_kind(name: str) -> str:
    """The conventional name of the environment `name` (`production` -> prod, `stage` -> staging); a name the synonym
    table does not know is its own kind."""
    return keywords().environment_synonyms.get(name.lower(), name.lower())


def is_production(name: str) -> bool:
    """Whether the environment `name` is built as production (sizing, replicas, deletion protection, retention,
    the release tag): its kind is prod, whatever the plan calls it."""
    return env_kind(name) == _PRODUCTION


def environment_named(word: str, names: list[str]) -> str | None:
    """The environment of `names` an environment word means (`production` or `prod` -> the plan's `production`)."""
    kind = env_kind(env_name(word))
    return next((n for n in names if env_kind(n) == kind), None)


def spelled(names: list[str], spellings: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """`names` with each one spelled as a path of the plan spells its kind (`prod` -> `production` when the tree has
    `environments/production/`), and the (name, spelling) pairs that changed."""
    by_kind: dict[str, str] = {}
    for s in spellings:
        by_kind.setdefault(env_kind(s), s)
    out = [by_kind.get(env_kind(n), n) for n in names]
    return out, [(n, s) for n, s in zip(names, out) if n != s]


def _bare(word: str) -> str:
    w = word.strip().strip("`*.").lower()
    return re.sub(tx.NOT_INSIDE_BLANKS + ENV_SUFFIX, "", w)


@dataclass(frozen=True)
class EnvironmentRow:
    """A row of an environments table (`| NAT gateways | single NAT gateway | one per AZ |` under `| | dev | prod |`):
    its line, its label (first cell) and each other cell with the plan's environment its column names."""

    line: int
    label: str
    cells: tuple[tuple[str, str], ...]


def environment_rows(plan: Plan, names: list[str]) -> list[EnvironmentRow]:
    """The rows of the plan's environments tables (every column after the first headed by an environment word); a
    column naming none of `names` is left out of its rows."""
    out = []
    for table in plan.tables:
        columns = environment_columns(table.rows[0][1]) if table.rows else []
        for line, cells in table.rows[1:] if columns else []:
            named = [(cell.strip(), env) for cell, column in zip(cells[1:], columns[1:])
                     for env in [environment_named(column, names)] if env is not None]
            out.append(EnvironmentRow(line, cells[0] if cells else "", tuple(named)))
    return out
