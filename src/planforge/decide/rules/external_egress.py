"""Applications that call services outside the cluster (`payments-api calls the PSP over HTTPS`, `the backend uses
the OpenAI API`, `| claims-worker | ... | Azure Service Bus queue claims-intake |`): their namespace's default-deny
policy lets them reach those services on public addresses.

Each Kustomize application's namespace denies all egress but DNS, its own namespace and the plan's database
(blueprints: kubernetes/base/policies). A line that names a service outside the cluster (an external or third-party
API, a payment provider, a known SaaS API) and is not negated gives the applications it names, else every one
(unless another such line names which: `Stripe API key` in a secrets line is no call of every app's),
`external_https`: egress to TCP 443 anywhere but the private ranges and the cloud metadata address. A cloud's storage
or messaging service (Blob Storage, S3, Service Bus, SQS ...) counts only on a line naming the applications that use
it (a state backend in Blob Storage is no application's call), and a broker spoken to over AMQP (Service Bus, Event
Hubs) adds its port, 5671 (`external_ports`). A multi-tenant platform's tenants report the line; charts, serverless
compute and machines deny no egress, so nothing changes there.
"""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.decide.rules.tools import lines_naming

_EXTERNAL = (r"\b(?:openai|anthropic|gemini|stripe|paypal|adyen|braintree|sendgrid|twilio|mailgun|slack api"
             r"|payment (?:service )?providers?|third[- ]party (?:apis?|services?|endpoints?)"
             r"|external (?:apis?|services?|endpoints?|https)|outbound https|internet egress"
             r"|egress to (?:[\w:.-]+\s+and\s+)?(?:to\s+)?the internet(?:\s+on\s+(?:port\s+)?443)?|carrier apis?)\b")
# A cloud's storage or messaging service an application reaches over HTTPS (or AMQP over TLS, _AMQP)
_CLOUD_SERVICES = (r"\b(?:(?:azure\s+)?blob\s+storage|azure\s+storage(?:\s+account)?|(?:amazon\s+)?s3(?:\s+buckets?)?"
                   r"|(?:google\s+)?cloud\s+storage|gcs\s+buckets?|(?:azure\s+)?service\s*bus|(?:azure\s+)?event\s+hubs?"
                   r"|(?:amazon\s+)?sqs|(?:amazon\s+)?sns|(?:google\s+)?pub/sub|cosmos\s*db|dynamodb)\b")
_AMQP = re.compile(r"service\s*bus|event\s+hubs?", re.I)  # spoken to over AMQP over TLS by their SDKs' default
AMQPS_PORT = 5671
_DENYING = ("multi-tool", "multi-tenant")  # the structures whose namespaces deny egress by default
_NEGATED = re.compile(r"\b(?:no|not|never|without|nor)\b[^.;]{0,40}$", re.I)


def decide_external_egress(c: Context, structure: str) -> None:
    """Set `external_https` of the applications a line says call a service outside the cluster."""
    apps: list[Service] = list(c.values.get("apps") or [])
    if not apps or structure not in _DENYING:
        return  # no policy there denies egress: a chart's pods, serverless compute and VMs reach out as they are
    pattern = re.compile(_EXTERNAL, re.I)
    calls: list[tuple[int, str, list[str]]] = []  # (line, words, the applications it names)
    for line, text in lines_naming(c.plan, _EXTERNAL):
        m = next((m for m in pattern.finditer(text) if not _NEGATED.search(text, 0, m.start())), None)
        if m is not None:
            # the applications before the words call out (`worker may egress to orders-api:8080 and to the internet`:
            # the worker), else those the line names
            named = tx.names_in([a.name for a in apps], text[:m.start()]) or tx.names_in([a.name for a in apps], text)
            calls.append((line, m.group(0), named))
    amqp: set[str] = set()
    for line, text in lines_naming(c.plan, _CLOUD_SERVICES):
        named = tx.names_in([a.name for a in apps], text)
        for m in re.finditer(_CLOUD_SERVICES, text, re.I) if named else ():
            if not _NEGATED.search(text, 0, m.start()):
                users = tx.names_in(named, text[slice(*tx.clause_at(text, m.start()))]) or named
                calls.append((line, m.group(0), users))
                amqp.update(users if _AMQP.search(m.group(0)) else ())
    specific = any(named for _, _, named in calls)
    asked: dict[str, list[tuple[int, str]]] = {}
    for line, words, named in calls:
        for name in named or ([] if specific else [a.name for a in apps]):
            asked.setdefault(name, []).append((line, words))
    for name, lines in asked.items():
        for line, words in lines:
            if structure == "multi-tool":
                c.applied(line, words, f"apps.{name}.external_https")
            else:
                c.unapplied(line, words, f"the {structure} policies let {name} reach no address outside the "
                            "cluster: add an egress rule for the service it calls to its namespace")
    if structure == "multi-tool":
        c.values["apps"] = [a.model_copy(update={"external_https": True,
                                                 "external_ports": [AMQPS_PORT] if a.name in amqp else []})
                            if a.name in asked else a for a in apps]
