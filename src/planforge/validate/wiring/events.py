"""Event-driven wiring: a Dapr Kafka pub/sub reaches a broker the repository deploys, with the SASL and TLS it
expects, and gives each app a consumer group of its own."""
from __future__ import annotations

from typing import Any

from planforge.validate.base import Finding, Severity
from planforge.validate.wiring.identity import deployed_components, destination
from planforge.validate.wiring.repo import K8sObject, Repository
from planforge.validate.wiring.rules import vocabulary


def _metadata(component: K8sObject) -> dict[str, tuple[int, Any]]:
    """Dapr component metadata: name -> (index, value)."""
    items = component.field(["spec", "metadata"]) or []
    return {str(m.get("name")): (i, m.get("value")) for i, m in enumerate(items) if isinstance(m, dict)}


def _cluster_namespace(brokers: str) -> str | None:
    """The namespace of the first cluster-local broker address (`svc.NAMESPACE.svc...:9093`), else None."""
    host = brokers.split(",")[0].strip().rsplit(":", 1)[0]
    labels = host.split(".")
    return labels[1] if len(labels) >= 3 and labels[2] == "svc" else None


def _value(values: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        values = values.get(key) if isinstance(values, dict) else None
    return values


def _documented_install(repo: Repository, namespace: str) -> bool:
    """A README or docs line says how to install a Kafka chart in `namespace` (`helm install redpanda ... -n redpanda`)."""
    charts = vocabulary().kafka_charts
    return any("install" in line and f" {namespace}" in line and any(c in line for c in charts)
               for _display, text in repo.docs for line in text.splitlines())


def _mechanism(component: K8sObject, metadata: dict[str, tuple[int, Any]], known: tuple[str, ...]) -> list[Finding]:
    """A SASL mechanism Dapr does not name (`SCRAM-SHA-256`): Dapr then authenticates with PLAIN, which a SCRAM
    broker refuses."""
    index, mechanism = metadata.get("saslMechanism", (None, None))
    if mechanism is None or mechanism in known:
        return []
    return [component.finding(
        "wiring/broker-auth", f"saslMechanism {mechanism!r} is not one Dapr knows ({', '.join(known)}): Dapr falls back "
        "to SASL PLAIN, which a SCRAM broker refuses", ["spec", "metadata", index, "value"],
        f"set saslMechanism to {known[0]} (SCRAM-SHA-256) or {known[1]} (SCRAM-SHA-512)")]


def _consumer_group(component: K8sObject, metadata: dict[str, tuple[int, Any]], strict: bool) -> list[Finding]:
    """One consumer group for several apps: Kafka delivers each record to one member of a group, so apps that
    subscribe to the same topic each get only part of it (Dapr's default group is the app's ID; it fills in {appID},
    and {namespace} as <namespace>.<appID>). A warning (apps may compete for a queue on purpose), an error with
    --strict."""
    index, group = metadata.get("consumerGroup", (None, None))
    scopes = component.field(["scopes"])
    apps = len(scopes) if isinstance(scopes, list) else None  # None: every app of the namespace may use it
    if not isinstance(group, str) or "{appID}" in group or "{namespace}" in group or apps == 1:  # {namespace}: ns.appID
        return []
    who = f"its {apps} apps" if apps else "every app of its namespace"
    return [component.finding(
        "wiring/shared-consumer-group", f"consumerGroup {group!r} is one group for {who}: apps subscribed to the "
        "same topic split its messages instead of each getting all of them", ["spec", "metadata", index, "value"],
        f"give each app its group: {group.rstrip('-')}-{{appID}} (Dapr fills in the app's ID), or drop "
        "consumerGroup (Dapr then uses the app's ID)", Severity.ERROR if strict else Severity.WARNING)]


def _tls(component: K8sObject, metadata: dict[str, tuple[int, Any]], broker: K8sObject, chart: str,
         values: Any) -> list[Finding]:
    """Dapr's Kafka client speaks TLS unless `disableTls` is "true" or authType is none, and verifies the broker
    against the system's CAs unless given `caCert` or `skipVerify`: against a broker deployed here, a plaintext
    listener refuses the handshake, and a TLS one presents a certificate of its own CA."""
    switch = vocabulary().kafka_tls.get(chart)
    if switch is None:
        return []
    broker_tls = _value(values, switch["value"])
    broker_tls = switch["default"] if broker_tls is None else broker_tls is True
    _auth_index, auth = metadata.get("authType", (None, None))
    disable_index, disabled = metadata.get("disableTls", (None, None))
    dapr_tls = str(disabled).lower() != "true" and auth != "none"
    where = ["spec", "metadata", disable_index] if disable_index is not None else ["spec", "metadata"]
    if dapr_tls and not broker_tls:
        return [component.finding(
            "wiring/broker-tls", f"speaks TLS to {broker.label} ({broker.display}), whose listeners are plaintext "
            f"({switch['value']} is false): the handshake fails and the sidecar stops", where,
            'add the metadata disableTls: "true", or turn the broker\'s TLS on')]
    if not dapr_tls and broker_tls:
        return [component.finding(
            "wiring/broker-tls", f"speaks plaintext to {broker.label} ({broker.display}), whose listeners speak TLS",
            where, f"drop disableTls, with caCert of the broker's CA, or set {switch['value']}: false")]
    if dapr_tls and "caCert" not in metadata and str(metadata.get("skipVerify", (None, ""))[1]).lower() != "true":
        return [component.finding(
            "wiring/broker-tls", f"verifies {broker.label} ({broker.display}) against the system's CAs, but its "
            "certificate is of the broker's own CA: the handshake fails", where,
            f"give the Component caCert (the broker's CA, from a Secret of its namespace), or set "
            f"{switch['value']}: false with disableTls")]
    return []


def check_brokers(repo: Repository) -> list[Finding]:
    """`wiring/broker-missing`, `wiring/broker-auth`, `wiring/broker-tls` and `wiring/shared-consumer-group`."""
    words = vocabulary()
    brokers = [(o, c, v) for o, c, _p, v in deployed_components(repo) if c.chart in words.kafka_charts]
    services = {(o.name, ns) for o in repo.of_kind("Service") for ns in o.namespaces or {None}}
    findings = []
    for component in repo.of_kind("Component"):
        if component.group != "dapr.io" or component.field(["spec", "type"]) != "pubsub.kafka":
            continue
        metadata = _metadata(component)
        findings += _mechanism(component, metadata, words.dapr_sasl_mechanisms)
        findings += _consumer_group(component, metadata, repo.strict)
        index, address = metadata.get("brokers", (None, None))
        namespace = _cluster_namespace(address) if isinstance(address, str) else None
        if namespace is None:
            continue  # a managed or external broker: not deployed here
        here = [(o, c, v) for o, c, v in brokers if destination(o, c) == namespace]
        service = address.split(".")[0]
        if not here and not any(name == service and ns in (namespace, None) for name, ns in services) \
                and not _documented_install(repo, namespace):
            findings.append(component.finding(
                "wiring/broker-missing", f"publishes to {address}, a broker in namespace {namespace} that the "
                "repository does not deploy", ["spec", "metadata", index, "value"],
                f"deploy the broker (e.g. the redpanda chart in namespace {namespace}), or point brokers at the "
                "managed endpoint"))
            continue
        auth_index, auth = metadata.get("authType", (None, None))
        for obj, chart, values in here:
            findings += _tls(component, metadata, obj, chart.chart, values)
            switch = words.kafka_charts.get(chart.chart)
            if auth in words.sasl_auth_types and switch and _value(values, switch) is not True:
                findings.append(component.finding(
                    "wiring/broker-auth", f"authenticates with SASL (authType {auth}) but {obj.label} "
                    f"({obj.display}) does not enable it ({switch} is not true)", ["spec", "metadata", auth_index],
                    f"set {switch}: true (with users) in the broker's values, or authType: none on a TLS-only broker"))
    return findings
