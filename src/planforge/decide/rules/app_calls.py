"""Calls between the plan's applications (`web calls the API at http://api.taskly.svc.cluster.local:8000`,
`allow web → api:8000`, `shipping-api is internal only, reachable only from shipping-web`): before, every Kustomize
application's namespace denied all traffic from other namespaces (blueprints: kubernetes/base/policies), so the one
call path such a plan needs was blocked once applied.

A sentence naming an application, then a call word (`calls`, `talks to`, `sends requests to`, `connects to`, an arrow)
and another application gives a call of the first to the second (`app_calls`); `reachable only from` (or `called by`)
reverses them. A
URL of an application's Service (`http://api.<namespace>.svc...`, `http://api:8000`) names it. The caller's namespace
may then send to the callee's pods on their port, and the callee's policy admits the caller's namespace. A sentence in
a negation (`web never calls api`) says nothing. Structures whose applications share a namespace or deny nothing
(charts, serverless compute) have nothing to open, and tenants' applications are not the plan's Custom Applications.
"""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import AppCall, Service
from planforge.decide.context import Context
from planforge.decide.rules.statements import Passage, passages
from planforge.plan.model import plain

_CALL = re.compile(r"\b(?:calls?|calling|(?:may|can)\s+reach|(?:may|can)\s+egress\s+(?:only\s+)?to|talks?\s+to|sends?\s+(?:its\s+)?(?:requests?\s+|traffic\s+)?to|connects?\s+to"
                   r"|forwards?\s+(?:requests?\s+)?to|proxies\s+(?:requests?\s+)?to)\b|→|->", re.I)
_CALLED_BY = re.compile(r"\b(?:reachable|accessible)\s+only\s+(?:from|by)\b|\bonly\s+(?:reachable|accessible)\s+"
                        r"(?:from|by)\b|\bcalled\s+(?:only\s+)?by\b"
                        r"|\baccepts\s+(?:ingress|traffic|connections|requests)\s+(?:only\s+)?from\b", re.I)
# what ends the clause of a call word before its callee (`calls over HTTP inside the cluster, and a worker`)
_CLAUSE_BREAK = re.compile(r"[,;:]|\band\b|\bwhile\b|\bbut\b", re.I)
# between a callee and its caller in a relative clause (`catalog-api` that the `storefront` calls)
_RELATIVE = re.compile(r"[`\s]*(?:that|which|whom)\s+(?:the\s+)?[`\s]*", re.I)
_NEGATED = re.compile(r"\b(?:no|not|never|without|nor)\b[^.;:,→]{0,30}$", re.I)


def decide_app_calls(c: Context, structure: str) -> None:
    """Set `app_calls`: the calls between applications the plan's sentences state."""
    apps: list[Service] = list(c.values.get("apps") or [])
    calls: list[AppCall] = []
    first_line = 0
    if structure == "multi-tool" and len(apps) > 1:
        names = {a.name.lower(): a.name for a in apps}
        ports = {a.name: a.port for a in apps}
        # a name in a URL is a mention (`http://orders-api:8080`), one inside an image or path is not
        mention = re.compile(r"(?<![\w./-])(?:https?://)?(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                             + r")(?![\w-])", re.I)
        for p in passages(c.plan, every_section=True):
            for start, end in tx.sentence_bounds(p.text):
                found = [(m.start(), m.end(), names[m.group(1).lower()]) for m in mention.finditer(p.text, start, end)]
                for verb, reversed_ in _verbs(p.text, start, end) if len(found) > 1 else []:
                    if _NEGATED.search(p.text, start, verb.start()):
                        continue
                    call = _call(p.text, verb, reversed_, found)
                    if call is not None and call.caller != call.callee and call not in calls:
                        calls.append(call)
                        first_line = first_line or p.line_at(verb.start())
                        c.applied(p.line_at(verb.start()), verb.group(0), f"app_calls.{call.caller}")
                        _callee_port(c, p, found, call, ports)
        for line, call in _table_calls(c, mention, names):
            if call not in calls:
                calls.append(call)
                first_line = first_line or line
    if calls:
        c.from_line("app_calls", calls, first_line)
    else:
        c.default("app_calls", [], "the plan states no call between its applications: each namespace admits only "
                  "its own traffic (and the ingress controller's)")


# a table of allowed flows: `| From | To | Port |`, `| Source | Destination |`
_FROM = re.compile(r"^\W*(?:from|source|caller|client)\W*$", re.I)
_TO = re.compile(r"^\W*(?:to|destination|target|callee|server)\W*$", re.I)


def _table_calls(c: Context, mention: re.Pattern[str], names: dict[str, str]) -> list[tuple[int, AppCall]]:
    """(line, call) of each row of a table of flows whose From and To cells each name one application (`| web | api |
    8080 |`); a row from anything else (the ingress controller) is the ingress's, not a call."""
    found: list[tuple[int, AppCall]] = []
    for t in c.plan.tables:
        header = [plain(cell) for cell in t.rows[0][1]] if t.rows else []
        ends = [next((k for k, h in enumerate(header) if rx.match(h)), None) for rx in (_FROM, _TO)]
        if None in ends:
            continue
        for line, cells in t.rows[1:]:
            named = [[names[m.group(1).lower()] for m in mention.finditer(plain(cells[k]))] if k < len(cells) else []
                     for k in ends]
            if all(len(n) == 1 for n in named) and named[0] != named[1]:
                found.append((line, AppCall(caller=named[0][0], callee=named[1][0])))
                c.applied(line, plain(cells[ends[1]]), f"app_calls.{named[0][0]}")
    return found


# the port a call names after its callee (`orders-web may reach orders-api on 8080`, `web → api:8000`)
def _callee_port(c: Context, p: Passage, found: list[tuple[int, int, str]], call: AppCall, ports: dict[str, int]) -> None:
    """Record the callee's port the sentence names right after it, when it is the port the call is opened on."""
    for _, end, name in found:
        port = tx.PORT_AFTER.match(p.text, end) if name == call.callee else None
        if port and int(port.group("port")) == ports[name]:
            c.applied(p.line_at(port.start("port")), port.group(0).strip(" :()"), f"app_calls.{call.caller}")


def _call(text: str, verb: re.Match[str], reversed_: bool, found: list[tuple[int, int, str]]) -> AppCall | None:
    """The call a call word states between the applications mentioned around it (`found`: start, end, name): the
    last one before it calls the first one after it in the same clause (`reachable only from` the other way round),
    or, in a relative clause, the one before calls the one it follows (`catalog-api that the storefront calls`)."""
    before = [(s, e, name) for s, e, name in found if e <= verb.start()]
    after = [(s, e, name) for s, e, name in found if s >= verb.end() and not _CLAUSE_BREAK.search(text, verb.end(), s)]
    if before and after:
        first, last = before[-1][2], after[0][2]
        return AppCall(caller=last, callee=first) if reversed_ else AppCall(caller=first, callee=last)
    if len(before) > 1 and not reversed_ and _RELATIVE.fullmatch(text, before[-2][1], before[-1][0]):
        return AppCall(caller=before[-1][2], callee=before[-2][2])
    return None


def _verbs(text: str, start: int, end: int) -> list[tuple[re.Match[str], bool]]:
    """The call words of a sentence, each with whether it names the callee first (`reachable only from`)."""
    found = [(m, False) for m in _CALL.finditer(text, start, end)] + [(m, True) for m in _CALLED_BY.finditer(text, start, end)]
    return sorted(found, key=lambda pair: pair[0].start())
