"""A count the plan states of what its system is made of (`3 environments`, `2 services`, `5 Kubernetes
deployments`), read against the decided system: credited when the repository holds that many, else listed as not
applied with what it holds. The kinds counted and their words are data (data/counts.yaml)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from planforge.decide.answers import Answers
from planforge.decide.context import Context
from planforge.decide.data import load
from planforge.decide.rules.statements import passages
from planforge.model.units import SystemModel

# A whole number standing alone (not `~5`, `<100`, `2/2`, `1.30`, `Phase 3`), then up to two words that are not
# function words (`16 for application`, `12 nodes per environment` count something else), then the counted noun.
_FUNCTION_WORDS = r"(?:for|of|per|in|on|at|by|to|with|across|and|or|each|every|nodes?|replicas?|instances?)"
_COUNT = (r"(?<![\w.~<>≤≥/$€£%+-])(?<!phase )(?<!step )(?<!stage )(\d{{1,3}})\s+"
          rf"(?:(?!{_FUNCTION_WORDS}\b)[A-Za-z][\w-]*\s+){{{{0,2}}}}?(?P<noun>{{nouns}})(?![\w-])")


@dataclass(frozen=True)
class CountKind:
    name: str
    pattern: re.Pattern[str]
    units: tuple[tuple[str, str], ...]  # (model unit kind, the answer holding them); () counts the environments
    why: str

    def held(self, answers: Answers, model: SystemModel) -> list[tuple[str, str]]:
        """(name, answer holding it) of everything the repository holds of this kind."""
        if not self.units:
            return [(env, "environments") for env in answers.environments]
        answer_of = dict(self.units)
        return [(u.name, answer_of[u.kind]) for u in model.units if u.kind in answer_of and not u.existing]

    @property
    def answer(self) -> str:
        """The answer a count of none is credited to."""
        return self.units[0][1] if self.units else "environments"


@cache
def count_kinds() -> tuple[CountKind, ...]:
    return tuple(CountKind(k["name"], re.compile(_COUNT.format(nouns=k["nouns"]), re.I),
                           tuple((k.get("units") or {}).items()), k["why"])
                 for k in load("counts.yaml")["kinds"])


def decide_counts(c: Context, answers: Answers, model: SystemModel) -> None:
    for p in passages(c.plan):
        for kind in count_kinds():
            held = kind.held(answers, model)
            for m in kind.pattern.finditer(p.text):
                stated = int(m.group(1))
                if stated != 1 and not m.group("noun").lower().endswith("s") or stated == 0:
                    continue  # `3 full-stack Todo application`: the number counts something else; `0 applications`
                    # (sync waves `-1` ..., `0` applications) is a label: a plan says `no` of what it has none of
                line, words = p.line_at(m.start()), m.group(0)
                if stated == len(held):
                    c.applied(line, words, held[0][1] if held else kind.answer)
                else:
                    names = ", ".join(name for name, _ in held) or "none"
                    c.unapplied(line, words, kind.why.format(count=len(held), names=names))
