"""The namespace the plan puts its applications in (`All three services run in the claims namespace`, `claims-api and
claims-worker run in the claims namespace`): in a multi-tool repository each Kustomize application otherwise gets a
namespace named like it; the applications a sentence names (or all of them, `all`, `both`, `the services`) get the
stated one (`apps[].namespace`), each application an applications table's `Namespace` column names gets its own, and
all of them get the one an environments table's `Namespace` column names for every environment. The namespace-wide
objects (Namespace, quota, limits, default policies, role bindings) are written once for the applications sharing it
(blueprints: kubernetes/base)."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Service
from planforge.decide.context import Context
from planforge.decide.environments import environment_rows
from planforge.decide.rules.statements import sentence_matches
from planforge.plan.model import plain

# A namespace as written, not a word of the sentence around it
_NAME = r"(?-i:(?P<{}>(?!(?:one|a|the|single|same|shared|own|its|their|per|for|each|with|and|in|on|of)\b)[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?))"
# `<who> run in the claims namespace`, `<who> are deployed to the shared shop namespace`, `<who> run in one
# namespace, orders`, `<who> runs in the namespace parcels`, `<who> run in namespace tally`
# (`All three are in namespace alder-apps`: `are in`, `is in` too)
_RUNS_IN = re.compile(r"(?P<who>[^.;:]{1,200}?)\s++(?:run|runs|live|lives|(?:are|is)\s++deployed|deploy|(?:are|is)(?=\s++in\b))\s++"
                      r"(?:in|into|to)\s++(?:(?:the\s++|a\s++|one\s++)?(?:shared\s++|single\s++|same\s++)?"
                      + _NAME.format("namespace") + r"\s++namespace\b"
                      r"|(?:(?:one|a\s++single|a\s++shared|the\s++same|the)\s++)?namespace\s*+[,:(]?\s*+(?:named\s++|called\s++)?"
                      + _NAME.format("after") + r"(?![\w-]))", re.I)
# `storefront, orders-api, worker — all in namespace tally`: every application, with no verb
_ALL_IN = re.compile(r"(?P<who>\b(?:all|both)(?:\s++(?:three|two|four|five|of\s++them|services|applications|apps))?)"
                     r"\s++in\s++(?:the\s++)?namespace\s++" + _NAME.format("after") + r"(?![\w-])", re.I)
# `who` standing for every application: `All three`, `Both services`, `The applications`, `Everything we deploy
# ourselves`
_EVERY = re.compile(r"\b(?:all|both|every|each|everything|the\s++(?:services|applications|apps|workloads))\b", re.I)
# `who` about the platform, not the applications: `All platform components run in ...`
_PLATFORM = re.compile(r"\b(?:platform|components?|controllers?|add-?ons?|operators?|agents?)\b", re.I)
# Namespaces an application never shares: Kubernetes' own
_RESERVED = ("default", "kube-system", "kube-public", "kube-node-lease")


def decide_app_namespace(c: Context, structure: str) -> None:
    """Set `namespace` of the applications the first such sentence names."""
    apps: list[Service] = list(c.values.get("apps") or [])
    if not apps:
        return
    stated = [*sentence_matches(c.plan, _RUNS_IN), *sentence_matches(c.plan, _ALL_IN)]
    for p, m in sorted(stated, key=lambda found: found[0].line_at(found[1].start())):
        if _PLATFORM.search(m.group("who")):
            continue
        named = tx.names_in([a.name for a in apps], m.group("who"))
        if not named and _EVERY.search(m.group("who")):
            named = [a.name for a in apps]
        if named:
            group = "namespace" if "namespace" in m.re.groupindex and m.group("namespace") else "after"
            _apply(c, structure, apps, named, m.group(group), p.line_at(m.start(group)),
                   m.group(0).strip())
            return
    columns = _column_namespaces(c, apps)
    for namespace, rows in columns.items():
        _apply(c, structure, list(c.values["apps"]), [name for name, _l, _w in rows], namespace, rows[0][1], rows[0][2])
    table = None if columns else _table_namespace(c)
    if table is not None:
        _apply(c, structure, apps, [a.name for a in apps], *table)


# an applications table (`| App | Image | ... | Namespace |`): a row per application
_APP_HEADER = re.compile(r"^\W*(?:app(?:lication)?|service|workload)s?\W*$", re.I)


def _column_namespaces(c: Context, apps: list[Service]) -> dict[str, list[tuple[str, int, str]]]:
    """The namespaces an applications table's `Namespace` column gives its rows' applications: namespace -> (the
    application, line, words) of each row naming one application and one namespace."""
    out: dict[str, list[tuple[str, int, str]]] = {}
    for table in c.plan.tables:
        header = [plain(cell).strip() for cell in table.rows[0][1]] if table.rows else []
        column = next((k for k, cell in enumerate(header) if k and _NAMESPACE_LABEL.match(cell)), None)
        if column is None or not _APP_HEADER.match(header[0]):
            continue
        for line, cells in table.rows[1:]:
            named = tx.names_in([a.name for a in apps], plain(cells[0])) if cells else []
            m = _NAMESPACE.match(plain(cells[column]).strip()) if column < len(cells) else None
            if len(named) == 1 and m:
                out.setdefault(m.group(1), []).append((named[0], line, plain(cells[column]).strip()))
    return out


# an environments table's column (or row) of namespaces, and a namespace in it
_NAMESPACE_LABEL = re.compile(r"^\W*(?:app(?:lication)?s?\s+)?namespaces?\W*$", re.I)
_NAMESPACE = re.compile(r"^`?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)`?$")


def _table_namespace(c: Context) -> tuple[str, int, str] | None:
    """The one namespace an environments table's `Namespace` column gives every environment (namespace, line,
    words), None unless it names the same one for each."""
    for row in environment_rows(c.plan, c.values.get("environments", [])):
        if not _NAMESPACE_LABEL.match(row.label.replace("`", "")) or not row.cells:
            continue
        names = {m.group(1) for cell in row.cells for m in [_NAMESPACE.match(cell.text.strip())] if m}
        if len(names) == 1 and all(_NAMESPACE.match(cell.text.strip()) for cell in row.cells):
            return names.pop(), row.cells[0].line, row.cells[0].text.strip()
    return None


def _apply(c: Context, structure: str, apps: list[Service], named: list[str], namespace: str, line: int,
           words: str) -> None:
    taken = {comp.namespace for comp in c.values.get("components") or []}
    if structure != "multi-tool":
        c.unapplied(line, words, "each application here runs in the namespace its layout gives it (a tenant's or its "
                    "release's): a namespace stated for applications is built for Kustomize applications")
    elif namespace in _RESERVED or namespace in taken:
        c.unapplied(line, words, f"`{namespace}` belongs to Kubernetes or to a platform component: each application "
                    "keeps a namespace named like it; name a namespace of the applications' own")
    else:
        c.values["apps"] = [a.model_copy(update={"namespace": "" if namespace == a.name else namespace})
                            if a.name in named else a for a in apps]
        c.applied(line, words, "apps.namespace")
