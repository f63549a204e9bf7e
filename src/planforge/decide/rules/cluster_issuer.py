"""The name the plan gives cert-manager's Let's Encrypt ClusterIssuer (`Let's Encrypt ClusterIssuer
(`letsencrypt-prod`)`, `a ClusterIssuer named letsencrypt-prod`): `cluster_issuer`, the issuer the repository creates
and its Ingresses name (its staging twin drops a `-prod` suffix: letsencrypt-staging). Before, the issuer was always
`letsencrypt`, so Ingresses or tooling written against the plan's name found none. Read where cert-manager runs (a
component, or one the cluster runs already); a staging issuer's name is acme_staging's concern.

The email a line about the issuer states (`ClusterIssuer `letsencrypt-prod` (ACME HTTP-01, email
`platform@northwind.io`)`) is the ACME account's (`acme_email`): Let's Encrypt sends its expiry notices there."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Provenance
from planforge.decide.context import Context
from planforge.decide.rules.tools import lines_naming

# `ClusterIssuer (`letsencrypt-prod`)`, `ClusterIssuer `letsencrypt-prod``, `ClusterIssuer named letsencrypt-prod`,
# ``letsencrypt-prod` ClusterIssuer`, a `ClusterIssuer` in backticks too
# (`ClusterIssuers `letsencrypt-staging` and `letsencrypt-prod``: both names)
_NAMED = re.compile(r"\bClusterIssuers\b`?\s*+`([a-z0-9][a-z0-9.-]{0,62})`\s*+(?:,|and|&)\s*+`([a-z0-9][a-z0-9.-]{0,62})`"
                    r"|\bClusterIssuers?\b`?\s*+(?:\(\s*+)?(?:named\s++|called\s++)?`([a-z0-9][a-z0-9.-]{0,62})`"
                    r"|\bClusterIssuer`?\s++(?:named|called)\s++([a-z0-9][a-z0-9.-]{0,62})\b"
                    r"|`([a-z0-9][a-z0-9.-]{0,62})`\s*+ClusterIssuer\b")


# an email address as written (its domain read in lowercase)
_EMAIL = re.compile(r"(?<![\w.%+-])([A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
                    r"[A-Za-z]{2,63})(?![\w-])")
_ISSUER_WORDS = r"\bacme\b|let'?s\s*encrypt|\bletsencrypt\b|\bcert-manager\b|\bClusterIssuer\b"


def decide_acme_email(c: Context) -> None:
    """Set `acme_email` from the first email on a line about Let's Encrypt or its issuer."""
    c.default("acme_email", "", "the plan gives the Let's Encrypt account no email: its issuers register none")
    for line, _ in lines_naming(c.plan, _ISSUER_WORDS):
        m = _EMAIL.search(c.plan.lines[line - 1])
        if m is None:
            continue
        local, _, domain = m.group(1).partition("@")
        if not cert_manager_runs(c):
            c.unapplied(line, m.group(1), "no cert-manager runs on the clusters of this repository: no ACME account "
                        "is registered")
        else:
            c.stated("acme_email", f"{local}@{domain.lower()}", line, m.group(1))
        return


def cert_manager_runs(c: Context) -> bool:
    """Whether cert-manager runs on the clusters: a component, or one they run already."""
    return "cert-manager" in [comp.name for comp in c.values.get("components", [])] + list(
        c.values.get("installed_components") or [])


def decide_cluster_issuer(c: Context) -> None:
    """Set `cluster_issuer` from the first line naming the Let's Encrypt production issuer."""
    c.default("cluster_issuer", "", "the ClusterIssuer is letsencrypt: the plan names none")
    runs = cert_manager_runs(c)
    for line, text in lines_naming(c.plan, r"\bClusterIssuers?\b"):
        named = [g for m in _NAMED.finditer(c.plan.lines[line - 1]) for g in m.groups() if g]  # as written: in backticks
        for name in named:
            if "staging" in name:
                continue
            if not runs:
                c.unapplied(line, name, "no cert-manager runs on the clusters of this repository: no ClusterIssuer "
                            "is created")
                return
            if name != "letsencrypt":
                c.set("cluster_issuer", name, Provenance(source="plan", line=line, text=tx.quote(text)))
            c.applied(line, name, "cluster_issuer")
            _credit_http01(c, line)
            return


# `(ACME, HTTP-01 via nginx)`, `ACME HTTP-01 through the ingress controller`: the solver the issuer is given
_HTTP01 = re.compile(r"\bACME\b[^.;|]{0,12}?\bHTTP-01\b(?:\s++(?:via|through|with)\s++(?:the\s++)?(?:ingress-)?nginx"
                     r"(?:\s++ingress)?(?:\s++controller)?)?", re.I)


def _credit_http01(c: Context, line: int) -> None:
    """Credit an issuer line's ACME HTTP-01 solver to the issuer (its Ingresses' controller solves the challenge);
    a DNS-01 one is not what the repository builds and stays for coverage to report."""
    m = _HTTP01.search(c.plan.lines[line - 1])
    if m is not None and not re.search(r"\bDNS-01\b", c.plan.lines[line - 1], re.I):
        c.applied(line, m.group(0), "cluster_issuer")
