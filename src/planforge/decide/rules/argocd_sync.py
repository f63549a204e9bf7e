"""How each environment's Argo CD Applications sync (`dev auto-syncs with prune + selfHeal; staging auto-sync without
prune; prod manual sync only`): before, every Application of every environment synced automatically and pruned, so a
merge deleted production objects with nobody syncing.

A clause (a sentence cut at `;`) speaking of syncing names its environments: `manual sync` (`manually synced`, `sync
by hand`) makes theirs `argocd_manual_sync` (the Applications have no automated sync; the root Application still
creates them), `without prune` (`no prune`, `prune disabled`) `argocd_no_prune` (automated, never pruning). The
environments' Applications take it (includes/k8s/argocd.jinja `sync_of`); without Argo CD the clause is reported. So
does an environments table's `Automated sync` column saying no (manual) and its `Prune` column saying no.
"""
from __future__ import annotations

import re

from planforge.decide.context import Context
from planforge.decide.environments import environment_named, environment_rows
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
    found = _table_modes(c, environments)
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
                if _taken(c, answer, [(line, m.group(0))]):
                    found[answer] = (envs, line)
    for answer, (envs, line) in found.items():
        c.from_line(answer, envs, line)
    _report_wave_numbers(c)


# sync waves the plan numbers (`Sync wave -2`, `sync-wave `-1``, `Sync waves: -3 namespaces and CRDs, ...`)
_WAVE_NUMBER = re.compile(r"\bsync[- ]waves?\b[^.;|]{0,40}?(?<![\w.])[-+−]?\d{1,2}(?![\w.])", re.I)
_ORDER = {
    "argocd": "Argo CD syncs in planforge's waves, each once the one before is healthy: the projects and the root "
              "first, then the catalog components (their CRDs and controllers, wave 0), the platform's objects "
              "(namespaces, ClusterIssuer, ClusterSecretStore, policies, wave 1) and the applications (wave 2)",
    "flux": "Flux has no sync waves: its Kustomizations apply in dependsOn order, each once the one before is ready "
            "(the controllers, then the platform's objects, then the applications)",
}


def _report_wave_numbers(c: Context) -> None:
    """The wave numbers a plan gives its components and objects are reported with the order the repository keeps:
    the same layers in the same order, the numbers planforge's."""
    why = _ORDER.get(c.values.get("gitops", "none"), "no GitOps controller syncs this repository")
    for p in passages(c.plan, every_section=True):
        m = _WAVE_NUMBER.search(p.text)
        if m is not None:
            c.unapplied(p.line_at(m.start()), m.group(0), f"{why}; the wave numbers the plan gives are not applied")


# an environments table's columns (`| Environment | Automated sync | Prune |` over `| prod | no (manual) | no |`)
_AUTOMATED_LABEL = re.compile(r"\bauto(?:mated)?[- ]?sync\b|\bsync\s+(?:mode|policy)\b", re.I)
_PRUNE_LABEL = re.compile(r"^\W*prun\w*\W*$", re.I)
_NO = re.compile(r"^\W*(?:no|off|false|disabled|manual)\b", re.I)


def _table_modes(c: Context, environments: list[str]) -> dict[str, tuple[list[str], int]]:
    """The environments an environments table says sync by hand (its automated-sync cell says no) or never prune (its
    prune cell says no, the sync being automated), with the first such cell's line."""
    found: dict[str, tuple[list[str], int]] = {}
    rows = environment_rows(c.plan, environments)
    manual = {cell.env: cell for row in rows if _AUTOMATED_LABEL.search(row.label) for cell in row.cells
              if _NO.match(cell.text)}
    no_prune = {cell.env: cell for row in rows if _PRUNE_LABEL.match(row.label) for cell in row.cells
                if _NO.match(cell.text) and cell.env not in manual}
    for answer, cells in (("argocd_manual_sync", manual), ("argocd_no_prune", no_prune)):
        if not cells:
            continue
        if _taken(c, answer, [(cell.line, cell.text) for cell in cells.values()]):
            found[answer] = ([env for env in environments if env in cells], min(cell.line for cell in cells.values()))
    return found


def _taken(c: Context, answer: str, said: list[tuple[int, str]]) -> bool:
    """Whether Argo CD syncs the repository: the words stating `answer` are then applied, else reported."""
    for line, words in said:
        if c.values.get("gitops") == "argocd":
            c.applied(line, words, answer)
        else:
            c.unapplied(line, words, "no Argo CD Application syncs this repository: set how each environment syncs "
                        "in your delivery")
    return c.values.get("gitops") == "argocd"


def _environments(text: str, environments: list[str]) -> list[str]:
    """The plan's environments a clause names, in the plan's order."""
    named = {env for w in _WORD.findall(text) for env in [environment_named(w, environments)] if env}
    return [env for env in environments if env in named]
