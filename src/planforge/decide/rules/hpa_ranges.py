"""The replica range an autoscaling sentence gives an application (`Production api has an HPA: min 4, max 10, target
CPU 70%`): its `environment_replicas` in the environments the sentence names, else its `min_replicas` /
`max_replicas`. A count the plan states elsewhere for that environment (`| Replicas stg / prd | 2 / 4 |`) is the
range's floor when they agree; when they differ, or another range was stated first, the sentence is reported."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.decide.environments import environment_named, is_env_name
from planforge.decide.rules.cpu_targets import SCALING
from planforge.decide.rules.statements import sentence_matches

# `min 4, max 10`, `minimum 2 and maximum 6`, `min: 3, max: 12`
_RANGE = re.compile(r"\bmin(?:imum)?\s*:?\s*(\d{1,4})\s*(?:,|and|/)?\s*max(?:imum)?\s*:?\s*(\d{1,4})\b", re.I)


def decide_hpa_ranges(c: Context) -> None:
    """Set the replica ranges the plan's autoscaling sentences give the applications they name (a sentence naming
    none is left to the figures' readers)."""
    apps: list[Service] = [s.model_copy() for s in c.values.get("apps") or []]
    if not apps:
        return
    envs = c.values.get("environments", [])
    changed = False
    for number, text, m, scope in _range_sentences(c):
        if not SCALING.search(text) or int(m.group(1)) > int(m.group(2)):
            continue
        named = [s for s in apps if re.search(rf"(?<![\w-]){re.escape(s.name)}(?![\w-])", text, re.I)]
        low, high = int(m.group(1)), int(m.group(2))
        meant = list(dict.fromkeys(e for w in re.findall(r"[a-z][a-z-]*", scope, re.I) if is_env_name(w)
                                   for e in [environment_named(w, envs)] if e))
        for svc in named:
            for env in meant or [""]:
                why = _conflict(svc, env, low)
                if why:
                    c.unapplied(number, m.group(0), why)
                    continue
                if env:
                    svc.environment_replicas = {**svc.environment_replicas, env: (low, high)}
                else:
                    svc.min_replicas, svc.max_replicas = low, high
                changed = True
                c.applied(number, m.group(0), f"apps.{svc.name}.environment_replicas" if env else
                          f"apps.{svc.name}.max_replicas")
    if changed:
        c.values["apps"] = apps


def _range_sentences(c: Context) -> list[tuple[int, str, re.Match[str], str]]:
    """(line of the range, sentence, range, the words naming its environments) of each replica range a sentence
    states, wrapped lines joined (`dispatch-api gets an HPA in prod` over `(min 2, max 6, 70% CPU).`). Of several
    ranges in one sentence (`min 3 / max 10 in production, min 1 / max 3 in staging`), each is its clause's: the
    words up to the next range, else those since the one before."""
    out = []
    for p, first in sentence_matches(c.plan, _RANGE):
        sentence = tx.sentence_at(p.text, first.start(), first.end())
        offset = p.text.index(sentence)
        ranges = list(_RANGE.finditer(sentence))
        for k, m in enumerate(ranges):
            after = sentence[m.end():ranges[k + 1].start() if k + 1 < len(ranges) else len(sentence)]
            before = sentence[ranges[k - 1].end() if k else 0:m.start()]
            scope = sentence if len(ranges) == 1 else after if _names_environment(after) else before
            out.append((p.line_at(offset + m.start()), sentence, m, scope))
    return out


def _names_environment(text: str) -> bool:
    return any(is_env_name(w) for w in re.findall(r"[a-z][a-z-]*", text, re.I))


def _conflict(svc: Service, env: str, low: int) -> str:
    """Why a range from `low` cannot be the application's in `env` ("" for every environment): '' when it can."""
    held = svc.environment_replicas.get(env) if env else (
        (svc.min_replicas, svc.max_replicas) if svc.max_replicas else None)
    if held is None or (held[0] == held[1] == low):
        return ""
    where = f" in {env}" if env else ""
    return f"{svc.name} runs {held[0]}" + (f" to {held[1]}" if held[1] != held[0] else "") + \
        f" replicas{where}, as the plan states first"
