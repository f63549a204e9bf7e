"""An application the plan gives a cloud identity of its own (`quote-api reads it ... using IRSA: service account
kestrel/quote-api is annotated with the role kestrel-<env>-quote-api`) and the bucket it reads: planforge binds cloud
identities to the controllers it installs (External Secrets, cert-manager's DNS-01 solver, cluster-autoscaler), never
to an application, and creates no bucket for one. Before, both were dropped without a word (the review's quote-api
could not read its documents); now each sentence is reported with what to add."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.context import Context
from planforge.decide.rules.statements import sentence_matches

_IDENTITY = re.compile(r"\b(?:irsa|pod\s+identity|workload\s+identity|iam\s+role|managed\s+identity)\b", re.I)
# a bucket the sentence names (`S3 bucket `acme-settlements-<env>``): one to create, not one that exists somewhere
_BUCKET = re.compile(r"\b(?:s3\s++|gcs\s++)?bucket:?\s++`?[a-z0-9][a-z0-9.-]*-[\w.<>{}-]*`?", re.I)
_STATE = re.compile(r"\b(?:state|tfstate|terraform)\b", re.I)


def decide_app_identities(c: Context) -> None:
    """Report the sentences giving an application a cloud identity or a bucket of its own."""
    apps = [a.name for a in c.values.get("apps") or []]
    if not apps:
        return
    for pattern, why in ((_IDENTITY, "{app} runs without a cloud identity of its own: planforge binds one to the "
                          "controllers it installs only; bind {app}'s ServiceAccount to a role that reads what it "
                          "needs (IRSA or Pod Identity, a federated credential, a Google service account) yourself"),
                         (_BUCKET, "no bucket is created for {app}: add it (private, encrypted, versioned) beside "
                          "the environment's other resources, and the access {app} needs to it")):
        for p, m in sentence_matches(c.plan, pattern):
            sentence = tx.sentence_at(p.text, m.start(), m.end())
            named = tx.names_in(apps, sentence)
            if named and not _STATE.search(sentence):
                c.unapplied(p.line_at(m.start()), m.group(0), why.format(app=named[0]))
