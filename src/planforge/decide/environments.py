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
from planforge.plan.figure_sources import environment_columns, is_environment_header
from planforge.plan.model import Plan, plain

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
class EnvironmentCell:
    """One environment's cell of an environments table: its words, the plan's environment and the cell's line."""

    text: str
    env: str
    line: int


@dataclass(frozen=True)
class EnvironmentRow:
    """What an environments table says of one thing for each environment: its label and each environment's cell. A
    table with a column per environment (`| NAT gateways | single NAT gateway | one per AZ |` under `| | dev | prod |`)
    gives one per row; a table with a row per environment (`| dev | t3.large | 2 / 2 / 4 |` under `| Environment |
    Node type | Nodes |`) one per column, labelled with its header."""

    label: str
    cells: tuple[EnvironmentCell, ...]

    def at(self, line: int) -> bool:
        """Whether one of its cells is on plan line `line`."""
        return any(cell.line == line for cell in self.cells)


def _environment_named_rows(rows: list[tuple[int, list[str]]], names: list[str]) -> list[tuple[int, str, list[str]]]:
    """(line, environment, cells) of the rows of a table with a row per environment whose first cell names one of
    `names`; a row with an empty first cell after one is that environment's too (`| dev | 10.20.0.0/16 | oke-api |`
    over `| | | workers |`)."""
    out: list[tuple[int, str, list[str]]] = []
    for line, cells in rows:
        first = plain(cells[0]).strip() if cells else ""
        env = environment_named(first, names) if first else out[-1][1] if out else None
        if env is not None:
            out.append((line, env, cells))
    return out


def environment_rows(plan: Plan, names: list[str]) -> list[EnvironmentRow]:
    """What the plan's environments tables say per environment: the rows of a table with a column per environment
    (every column after the first headed by an environment word) and the columns of a table with a row per
    environment (headed `Environment`, every row's first cell naming one of `names`); a cell of an environment not
    in `names` is left out."""
    out = []
    for table in plan.tables:
        header = table.rows[0][1] if table.rows else []
        columns = environment_columns(header)
        if columns:
            for line, cells in table.rows[1:]:
                named = [EnvironmentCell(cell.strip(), env, line) for cell, column in zip(cells[1:], columns[1:])
                         for env in [environment_named(column, names)] if env is not None]
                out.append(EnvironmentRow(cells[0] if cells else "", tuple(named)))
        elif header and is_environment_header(plain(header[0])) and len(table.rows) > 1:
            rows = _environment_named_rows(table.rows[1:], names)
            if len(rows) == len(table.rows) - 1:
                out += [EnvironmentRow(label, tuple(EnvironmentCell(cells[k].strip(), env, line)
                                                    for line, env, cells in rows if k < len(cells)))
                        for k, label in enumerate(header) if k > 0]
    return out
