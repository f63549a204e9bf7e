"""Counts per environment: an environment's count listed with slashes (`2/3/5 nodes in dev/staging/prod`, `dev 1 /
staging 2 / prod 3 replicas`), and an application's figures in the environments its clause names (`web runs 3
replicas in prod`). Every pattern is bounded, so reading stays linear in the clause."""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache

from planforge.plan.figure_words import (
    APP_KINDS,
    COUNT_KINDS,
    WORD,
    Figure,
    environment_run,
    joined_environments,
    unit_entry,
    vocabulary,
)


def in_environments(clause: str, figures: list[Figure], app: str) -> list[Figure]:
    """An application's figures in the environments its clause names: a count listed per environment (`orders-api:
    dev 1 / prod 3 replicas`, `2 in staging` after `web runs 1 replica in dev`) and one followed by its environments
    (`web runs 3 replicas in prod`, `2-4 in staging and prod`), one figure per environment."""
    out: list[Figure] = []
    for k, f in enumerate(figures):
        if f.kind not in APP_KINDS or f.environment:
            out.append(f)
            continue
        if f.scope == "environment":
            envs = f.subject.split("+")
        elif f.scope == "app" and f.subject == app:
            at = clause.find(f.words)
            upto = min((i for g in figures[k + 1:] if (i := clause.find(g.words, at + 1)) > at), default=len(clause))
            envs = _environments_after(clause[at + len(f.words):upto]) if at >= 0 else []
        else:
            envs = []
        out += [replace(f, subject=app, scope="app", environment=env) for env in envs] or [f]
    return out


def _environments_after(text: str) -> list[str]:
    """The environments `in`, `for` or `on` names at the start of text (`in staging and prod`), else none."""
    m = re.match(r"\s*(?:replicas?\s+)?(?:in|for|on)\s+(?:the\s+)?(?P<rest>.*)", text, re.I)
    if m is None:
        return []
    rest = m.group("rest")
    joined = environment_run().match(rest)
    if joined is not None:
        return joined_environments(joined.group(0))
    word = WORD.match(rest)
    env = vocabulary().environments.get(word.group(0).lower(), "") if word else ""
    return [env] if env else []


# `2/3/5 nodes in dev/staging/prod`, `dev/staging/prod: 1/2/3 tasks`: one count per environment, in order
_SLASHED_COUNTS = re.compile(r"(?<![\w./])(\d{1,4}(?: ?/ ?\d{1,4}){1,5})(?![\w./]) ?(?P<unit>[a-z]{1,12})(?![a-z])", re.I)
_SLASHED_WORDS = re.compile(r"(?<![\w/-])([a-z][\w-]{0,30}(?: ?/ ?[a-z][\w-]{0,30}){1,5})(?![\w/-])", re.I)
_SLASH = re.compile(r" ?/ ?")


def per_environment(clause: str, line: int) -> tuple[list[Figure], list[tuple[int, int]]]:
    """The counts a clause lists per environment with a slash (`2/3/5 nodes in dev/staging/prod`): one figure per
    environment when the clause names as many environments with slashes, and the spans of the lists read."""
    v = vocabulary()
    out: list[Figure] = []
    spans: list[tuple[int, int]] = []
    for m in _SLASHED_COUNTS.finditer(clause):
        entry = unit_entry(m.group("unit").lower())
        numbers = _SLASH.split(m.group(1))
        if entry is None or entry[0] not in COUNT_KINDS:
            continue
        lists = [found for w in _SLASHED_WORDS.finditer(clause)
                 for found in [[v.environments.get(part.lower(), "") for part in _SLASH.split(w.group(1))]]
                 if all(found)]
        if not lists:
            continue
        spans.append((m.start(), m.end()))
        envs = next((found for found in lists if len(found) == len(numbers)), None)
        if envs is None:
            out.append(Figure("unpaired", None, None, "count", "", "plan", line, m.group(0),
                              name=f"{len(numbers)} counts for {len(lists[0])} environments"))
            continue
        out += [Figure(entry[0], float(n), float(n), "count", env, "environment", line, m.group(0))
                for n, env in zip(numbers, envs)]
    for m in _environment_pairs().finditer(clause):
        kind = _count_kind(_COUNT_UNIT.match(clause, m.end())) or \
            _count_kind(_last(_COUNT_UNIT_WORD.finditer(clause, 0, m.start())))
        if kind is None:
            continue
        spans.append((m.start(), m.end()))
        for pair in _environment_pair().finditer(m.group(0)):
            low, high = float(pair.group("low")), float(pair.group("high") or pair.group("low"))
            out.append(Figure(kind, low, high, "count", v.environments[pair.group("env").lower()], "environment",
                              line, pair.group(0).strip()))
    return out, spans


# `dev 1 / staging 2 / prod 3`, `dev: 1-2 / prod: 3-6`: an environment and its count, listed with slashes; the
# unit follows the list (`... prod 3 replicas`) or stands before it in the clause (`replicas: dev 1 / prod 3`)
_COUNT_UNIT = re.compile(r" ?(?P<unit>[a-z]{1,12})(?![a-z])", re.I)
_COUNT_UNIT_WORD = re.compile(r"\b(?P<unit>nodes?|tasks?|replicas?|instances?|pods?)\b", re.I)


@lru_cache(maxsize=1)
def _environment_pair() -> re.Pattern[str]:
    words = "|".join(re.escape(w) for w in sorted(vocabulary().environments, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?P<env>{words}) ?:? ?(?P<low>\d{{1,4}})(?: ?(?:-|–|to) ?(?P<high>\d{{1,4}}))?(?![\w.])",
                      re.I)


@lru_cache(maxsize=1)
def _environment_pairs() -> re.Pattern[str]:
    pair = _environment_pair().pattern
    return re.compile(rf"{pair}(?: ?/ ?{pair.replace('?P<env>', '').replace('?P<low>', '').replace('?P<high>', '')})+",
                      re.I)


def _count_kind(unit: re.Match[str] | None) -> str | None:
    entry = unit_entry(unit.group("unit").lower()) if unit else None
    return entry[0] if entry is not None and entry[0] in COUNT_KINDS else None


def _last(matches: Iterator[re.Match[str]]) -> re.Match[str] | None:
    found = None
    for found in matches:
        pass
    return found
