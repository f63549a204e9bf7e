"""How each environment's Argo CD Applications sync (`dev auto-syncs with prune + selfHeal; staging auto-sync without
prune; prod manual sync only`): before, every Application of every environment synced automatically and pruned, so a
merge deleted production objects with nobody syncing.

A clause (a sentence cut at `;`) speaking of syncing names its environments: `manual sync` (`manually synced`, `sync
by hand`) makes theirs `argocd_manual_sync` (the Applications have no automated sync; the root Application still
creates them), `without prune` (`no prune`, `prune disabled`) `argocd_no_prune` (automated, never pruning). The
environments' Applications take it (includes/k8s/argocd.jinja `sync_of`); without Argo CD the clause is reported.
"""
from __future__ import annotations

import re

from planforge.decide.context import Context
from planforge.decide.environments import environment_named
from planforge.decide.rules.statements import passages

_SYNC = re.compile(r"\bsync\w*|\bprun\w*", re.I)
_MANUAL = re.compile(r"\bmanual(?:ly)?(?:\s++|-)(?:sync\w*|triggered)\b|\bsync\w*\s++(?:by\s++hand|manually)\b"
                     r"|\bno\s++auto-?sync\w*", re.I)
_NO_PRUNE = re.compile(r"\bwithout\s++prun\w*|\bno\s++prun\w*|\bprun\w*\s++(?:disabled|off|false)\b|\bprune:\s*+false\b",
                       re.I)
_WORD = re.compile(r"[a-z][a-z0-9-]*", re.I)


def decide_argocd_sync(c: Context) -> None:
    """Set `argocd_manual_sync` and `argocd_no_prune` from the clauses naming environments and how they sync."""
    c.default("argocd_manual_sync", [], "every environment's Applications sync automatically")
    c.default("argocd_no_prune", [], "every automated sync prunes what the repository no longer holds")
    environments: list[str] = c.values.get("environments", [])
    found: dict[str, tuple[list[str], int]] = {}
    for p in passages(c.plan, every_section=True):
        for clause in re.finditer(r"[^;.]+", p.text):
            text = clause.group(0)
            if not _SYNC.search(text):
                continue
            for answer, pattern in (("argocd_manual_sync", _MANUAL), ("argocd_no_prune", _NO_PRUNE)):
                m = pattern.search(text)
                envs = _environments(text, environments) if m else []
                if not m or not envs or answer in found:
                    continue
                line = p.line_at(clause.start() + m.start())
                if c.values.get("gitops") != "argocd":
                    c.unapplied(line, m.group(0), "no Argo CD Application syncs this repository: set how each "
                                "environment syncs in your delivery")
                    continue
                found[answer] = (envs, line)
                c.applied(line, m.group(0), answer)
    for answer, (envs, line) in found.items():
        c.from_line(answer, envs, line)


def _environments(text: str, environments: list[str]) -> list[str]:
    """The plan's environments a clause names, in the plan's order."""
    named = {env for w in _WORD.findall(text) for env in [environment_named(w, environments)] if env}
    return [env for env in environments if env in named]
