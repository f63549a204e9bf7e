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

from planforge.decide.context import Context
from planforge.decide.environments import environment_named, environment_rows, is_production
from planforge.decide.rules.tools import lines_naming

_ACME_STAGING = (r"\blet'?s ?encrypt(?:'s)? staging(?: (?:acme )?(?:issuer|server|environment|endpoint|directory|ca))?\b"
                 r"|\bstaging (?:acme )?(?:issuer|server|environment|endpoint|directory|ca) of let'?s ?encrypt\b")
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
        found = lines_naming(c.plan, _ACME_STAGING)
        if not found:
            return
        line, text = found[0]
        m = re.search(_ACME_STAGING, text, re.I)
        chosen = _environments_meant(text, m, environments)
    tls = any(s.ingress_tls for s in c.values.get("apps", []))
    if structure != "multi-tool" or not tls or not chosen:
        why = ("no Ingress of the applications gets a certificate from cert-manager" if structure == "multi-tool"
               else "the certificates of every environment come from the ClusterIssuer letsencrypt (Let's Encrypt's "
               "production server): point the staging environments' Ingresses at an issuer of the staging server yourself")
        c.unapplied(line, m.group(0), why if chosen else "it names no environment of the plan")
        return
    c.stated("acme_staging_environments", chosen, line, m.group(0))


def _environments_meant(text: str, m: re.Match[str], environments: list[str]) -> list[str]:
    """The environments a line naming the staging server means: those it names besides that phrase, else those it does
    not leave out, else every non-production one."""
    rest = text[:m.start()] + " " + text[m.end():]
    excluded = {e for w in _EXCLUDED.findall(rest) for e in [environment_named(w, environments)] if e}
    named = [e for e in dict.fromkeys(e for w in _WORD.findall(rest) for e in [environment_named(w, environments)] if e)
             if e not in excluded]
    return named or [e for e in environments if e not in excluded and (excluded or not is_production(e))]
