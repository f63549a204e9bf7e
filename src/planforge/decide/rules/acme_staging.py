"""Environments whose certificates come from Let's Encrypt's staging server (`staging uses the Let's Encrypt staging
issuer`): their Ingresses name the ClusterIssuer letsencrypt-staging, so that rehearsing issuance there never spends
the production rate limits.

A line naming Let's Encrypt's staging server (issuer, server, environment, endpoint, CA) gives the environments it
names besides that phrase, else those it does not leave out (`outside production`), else every non-production one;
an environments table row naming an issuer per column (`| cert-manager issuer | letsencrypt-staging | letsencrypt-prod
|`) gives the environments whose cell names the staging one. The Kustomize applications' Ingresses (multi-tool) take
it; elsewhere the line is reported.
"""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.context import Context
from planforge.decide.environments import environment_named, environment_rows, is_production
from planforge.decide.rules.statements import sentence_matches

_ACME_STAGING = (r"\blet'?s[ -]?encrypt(?:'s)?[ -]staging(?: (?:acme )?(?:issuer|server|environment|endpoint|directory|ca))?\b"
                 r"|\bstaging (?:acme )?(?:issuer|server|environment|endpoint|directory|ca) of let'?s ?encrypt\b")
# `staging also gets `letsencrypt-staging``: an issuer there beside the one its Ingresses name
_BESIDE = re.compile(r"\balso\s++(?:gets?|has|have|creates?|adds?|installs?)\b", re.I)
_PRODUCTION_ISSUER = re.compile(r"\blet'?s[ -]?encrypt(?:'s)?[ -]prod(?:uction)?\b", re.I)
_WORD = re.compile(r"[a-z][a-z0-9-]*", re.I)
# an environments table cell naming the staging issuer (`letsencrypt-staging`, `Let's Encrypt staging`)
_STAGING_ISSUER = re.compile(r"\blet'?s[- ]?encrypt[- ]staging\b|" + _ACME_STAGING, re.I)
# an environment a line leaves out (`outside production`, `every environment but prod`, `non-production`)
_EXCLUDED = re.compile(r"\b(?:outside|except|but|other than|besides|non-?)\s?(?:the )?([a-z][a-z0-9-]*)", re.I)


def decide_acme_staging(c: Context, structure: str) -> None:
    """`acme_staging_environments` from an environments table's issuer row, else the first line naming Let's Encrypt's
    staging server."""
    c.default("acme_staging_environments", [], "every environment's certificates come from the ClusterIssuer "
              "letsencrypt (Let's Encrypt's production server)")
    environments: list[str] = c.values.get("environments", [])
    row = next((r for r in environment_rows(c.plan, environments)
                if any(_STAGING_ISSUER.search(cell.text) for cell in r.cells)), None)
    if row is not None:
        line, m = next((cell.line, m) for cell in row.cells if (m := _STAGING_ISSUER.search(cell.text)))
        chosen = [cell.env for cell in row.cells if _STAGING_ISSUER.search(cell.text)]
    else:
        # the first sentence naming it (`dev and staging use` / `letsencrypt-staging`; prod uses `letsencrypt-prod``),
        # read in its clause: another clause names the other issuer's environments
        found = next(((p, m, clause) for p, m in sentence_matches(c.plan, re.compile(_ACME_STAGING, re.I))
                      for clause in [_clause(p.text, m)] if not _lists_issuers(clause, environments)), None)
        if found is None:
            return
        p, m, clause = found
        line = p.line_at(m.start())
        m = re.search(_ACME_STAGING, clause, re.I)
        if _BESIDE.search(clause):
            c.unapplied(line, m.group(0), "an issuer beside the one the environment's Ingresses name: planforge "
                        "creates the issuer each environment's Ingresses name only; add this one yourself")
            return
        chosen = _environments_meant(clause, m, environments)
    tls = any(s.ingress_tls for s in c.values.get("apps", []))
    if structure != "multi-tool" or not tls or not chosen:
        why = ("no Ingress of the applications gets a certificate from cert-manager" if structure == "multi-tool"
               else "the certificates of every environment come from the ClusterIssuer letsencrypt (Let's Encrypt's "
               "production server): point the staging environments' Ingresses at an issuer of the staging server yourself")
        c.unapplied(line, m.group(0), why if chosen else "it names no environment of the plan")
        return
    c.stated("acme_staging_environments", chosen, line, m.group(0))


def _clause(text: str, m: re.Match[str]) -> str:
    """The clause of `text` holding `m`: its sentence, cut at the semicolons around it."""
    start, end = next((a, b) for a, b in tx.sentence_bounds(text) if a <= m.start() < b)
    start = max(start, text.rfind(";", start, m.start()) + 1)
    semicolon = text.find(";", m.end(), end)
    return text[start:semicolon if semicolon >= 0 else end]


def _lists_issuers(clause: str, environments: list[str]) -> bool:
    """Whether the clause names both issuers and no environment (`ClusterIssuers `letsencrypt-staging` and
    `letsencrypt-prod``): it lists what exists, not which environment uses which."""
    rest = re.sub(_ACME_STAGING, " ", clause, flags=re.I)
    return bool(_PRODUCTION_ISSUER.search(rest)) and not any(environment_named(w, environments)
                                                              for w in _WORD.findall(re.sub(_PRODUCTION_ISSUER, " ", rest)))


def _environments_meant(text: str, m: re.Match[str], environments: list[str]) -> list[str]:
    """The environments a line naming the staging server means: those it names besides that phrase, else those it does
    not leave out, else every non-production one."""
    rest = text[:m.start()] + " " + text[m.end():]
    excluded = {e for w in _EXCLUDED.findall(rest) for e in [environment_named(w, environments)] if e}
    named = [e for e in dict.fromkeys(e for w in _WORD.findall(rest) for e in [environment_named(w, environments)] if e)
             if e not in excluded]
    return named or [e for e in environments if e not in excluded and (excluded or not is_production(e))]
