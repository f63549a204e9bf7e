"""Ingress routes of a chart's services: the paths a plan routes to them (`Path routing (/api → backend, / →
frontend)`, `path `/` → service port 3000`), the host it names for them (`host `todo.local``) and whether its lines
ask for TLS there (`TLS config`, `HTTPS`).

A routed service gets an Ingress on its path (the chart's `services.<name>.ingress`); the host and TLS are the plan's
lines naming an Ingress. TLS is cert-manager's certificate for the host from the ClusterIssuer `letsencrypt`: applied
when the plan names a public host and cert-manager runs on the cluster (a component, or one it already runs), else
reported with what it lacks (Let's Encrypt never issues for `todo.local`). Built for helm-chart repositories and for
the Kustomize applications of multi-tool ones (on each environment's host, environment_hosts); elsewhere a route is
reported as not applied."""
from __future__ import annotations

import re
from dataclasses import dataclass

from planforge.decide import text as tx
from planforge.decide.answers import Component, Service
from planforge.decide.context import Context
from planforge.decide.data import catalog
from planforge.decide.environments import environment_named
from planforge.decide.rules.app_statements import names_rx, short_names, subject_of
from planforge.decide.rules.cluster_issuer import cert_manager_runs
from planforge.decide.rules.environment_hosts import DNS_NAME, decide_environment_hosts, environment_host_lists, spread_host
from planforge.decide.rules.statements import passages, sentence_matches
from planforge.plan.code_blocks import code_blocks
from planforge.plan.figure_sources import is_environment_header
from planforge.plan.model import plain

# `/api → backend`, `/api/* -> the backend`, `/ => frontend service`, `path / → service port 3000`, `/api →
# shop-api:3000` (the Service of release shop), `routes /api to payments-api`
# (a host may come first: `shop.example.com/api → orders-api`)
_ROUTE = (r"(?<![\w/.-])(?P<host>(?:[a-z0-9-]{{1,63}}\.)+[a-z]{{2,63}})?(/[A-Za-z0-9._/-]*?)(?:/?\*)?\s*+"
          r"(?:→|->|=>|⇒|➜|(?:routes?\s++)?to\b)\s*+(?:the\s++)?"
          r"(?:(?:[a-z0-9][a-z0-9]{{0,30}}-)?{names}(?::\d{{2,5}}(?!\d))?|service\s++port\s++(\d{{2,5}}))")
# `web (public at shop.example.com, TLS)`, `storefront is publicly reachable at https://shop.example.com`,
# `docs exposed on docs.acme.io/help`, `Public, via ingress-nginx at shop.example.com`, `Public (ingress): shop.example.com`:
# the application's route from
# the host's root (or the path after it)
# (the application named last before the words: no other name in between, no sentence end; a dot inside a word, as
# in an image `acr.azurecr.io/web:1.2`, is no sentence end)
# (in a bullet about one application, a sentence naming none says it of that one: `Public: exposed through
# ingress-nginx at `shop.acme.example``, _PUBLIC_WORDS alone)
_PUBLIC_WORDS = (r"(?<!not\s)\b(?:public(?:ly)?(?:\s++(?:reachable|served|exposed))?|exposed|served|published)"
                 r"(?:,?\s++(?:via|through|behind)\s++[\w-]++|\s++\((?:via\s++)?[\w-]++\))?(?:\s++(?:at|on|as)\s++|:\s*+)`?"
                 r"(?:https?://)?" + DNS_NAME + r"(/[A-Za-z0-9._/-]*)?")
_PUBLIC_AT = (r"(?<![\w-]){names}(?:(?!(?<![\w-]){any_name})(?:[^.;\n]|\.(?=\w))){{0,160}}?"
              + _PUBLIC_WORDS.replace("{", "{{").replace("}", "}}"))
# `| storefront | 8080 | public Ingress, TLS |`, `web: public HTTPS`: the application's route from the root of the
# environments' hosts (environment_hosts) or of the host the plan names for its Ingress
_PUBLIC_INGRESS = (r"(?<![\w-]){names}(?:(?!(?<![\w-]){any_name})(?:[^.;\n]|\.(?=\w))){{0,160}}?(?<!not\s)"
                   r"\bpublic(?:ly)?\s++(?:ingress|https)\b")
# `booking-api (REST API, served under `/api` on the same host)`: the application's path on the Ingress host (a
# volume `mounted at /data` is no route)
_SERVED_UNDER = (r"(?<![\w-]){names}(?:(?!(?<![\w-]){any_name})(?:[^.;\n]|\.(?=\w))){{0,160}}?(?<!not\s)"
                 r"\b(?:served|exposed|routed)\s++(?:under|at|on)\s++`?(/[A-Za-z0-9._/-]*)")
# a table's Route column, as the Custom Applications row reads it (`portal-api: ..., Route `/api` on
# portal.example.com`, `Route portal.example.com/api`, `Route portal.example.com `/api``, `Ingress path /`): the path,
# and the host when it names one
_ROUTE_CELL = (r"^{names}:(?:[^;]*?,)?\s*+(?P<cell>(?:routes?|ingress(?:\s++path)?|path|url)(?:\s*+:)?\s++`?(?:https?://)?"
               r"(?:(?P<host_first>(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+[a-z]{{2,63}})\s*+`?)?(?P<path>/[A-Za-z0-9._/-]*)?`?"
               r"(?:\s++(?:on|at)\s++" + DNS_NAME.replace("{", "{{").replace("}", "}}") + ")?)")
# `web is served at `app.<env-domain>``, `api at `api.<env-domain>``: the application's route from the root of the
# host each environment's hosts list under that first label (environment_host_lists)
_LABEL_ROUTE = (r"(?<![\w-]){names}\s++(?:is\s++(?:served|exposed|published|reachable)\s++)?(?:at|on)\s++`?(?:https?://)?"
                r"([a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?)\.<[\w -]{{1,40}}>")
# `host todo.local`, `host: todo.example.com`, `hostname `shop.acme.io``: a DNS name of two labels or more
_HOST = re.compile(r"\bhost(?:name)?\s*+:?\s*+" + DNS_NAME, re.I)
_INGRESS = re.compile(r"\bingress\b(?!-nginx|\s++controller|\s++class)", re.I)
_TLS = re.compile(r"\b(?:TLS|HTTPS)\b", re.I)
# a Let's Encrypt issuer the plan names for cert-manager: the certificates of the hosts it names are what it is for
# a plan serving its hosts over HTTP on purpose (`exposed on todo.example.com (plain HTTP for now)`)
_PLAIN_HTTP = re.compile(r"\bplain\s+http\b|\b(?:no|without)\s+tls\b|\bhttp\s+only\b", re.I)
_ISSUER = re.compile(r"\blet'?s\s*+encrypt\b|\bletsencrypt\b|\bACME\b|\bClusterIssuer\b", re.I)
_PATH_WORD = re.compile(r"(?<![\w/.-])/[A-Za-z0-9._/-]*(?<![./-])(?![\w/.-])")  # `/api`, `/api/v1`, `/`
# words with which a line speaks of a path's route (`sends /api to the API`, `/api is routed to`)
_ROUTING_WORD = re.compile(r"\b(?:ingress|rout(?:e[sd]?|ing)|sends?|forward(?:s|ed)?|prox(?:y|ies|ied)|served)\b", re.I)
# names no public CA issues for: special-use and private top-level domains (RFC 6761, 6762, 8375, 2606)
_PRIVATE_NAME = re.compile(r"\.(?:local|localhost|test|example|invalid|internal|lan|home\.arpa|corp|intranet)$", re.I)


@dataclass(frozen=True)
class _Route:
    service: str
    path: str
    line: int
    words: str
    host: str = ""  # the host the plan serves it on (`public at shop.example.com`), "" when the route names none
    label: str = ""  # the first label of its host in each environment (`app` of `app.<env-domain>`), "" when none
    hosts: tuple[tuple[str, str], ...] = ()  # (environment, host) a table of hosts per environment gives it


def decide_ingress_routes(c: Context, structure: str) -> None:
    """Set `ingress_path`, `ingress_host` and `ingress_tls` of the chart services (helm-chart) or Kustomize
    applications (multi-tool) the plan routes an Ingress path to."""
    answer = "apps" if structure == "multi-tool" else "services"
    services: list[Service] = list(c.values.get(answer) or [])
    routes = _routes(c, services)
    if not routes:
        return
    if structure not in ("helm-chart", "multi-tool") or c.values.get("deployment_strategy") == "raw-manifests":
        for r in routes:
            c.unapplied(r.line, r.words, "the Ingress routes of a plan's own workloads are built for helm charts and "
                        "Kustomize applications; expose the application through its Service here")
        return
    host, host_line = next(((r.host, (r.line, r.words)) for r in routes if r.host), None) or _host(c)
    env_hosts = decide_environment_hosts(c) if answer == "apps" else []
    lists = environment_host_lists(c) if answer == "apps" else {}
    spread = answer == "apps" and bool(host) and spread_host(c, host)
    tls_line = _tls_line(c, {r.line for r in routes}, anywhere=bool(env_hosts or host or lists)
                         or any(r.hosts for r in routes))
    _route_charts(c, [(r.line, r.words) for r in routes] + ([(tls_line, c.line_text(tls_line))] if tls_line else []))
    own = {r.service: _own_hosts(c, r, lists, answer) for r in routes}
    named = env_hosts + [h for hosts in own.values() for h in hosts.values()] or ([host] if host else [])
    private = next((h for h in named if _PRIVATE_NAME.search(h)), "")
    tls = bool(named and tls_line and cert_manager_runs(c) and not private)
    if tls_line and not tls:
        c.unapplied(tls_line, _tls_words(c, tls_line), _no_tls_why(named, private, answer))
    by_name = {r.service: r for r in routes}
    out = []
    for svc in services:
        r = by_name.get(svc.name)
        if r is None:
            out.append(svc)
            continue
        if not svc.inbound:
            c.problem(None, answer, f"the plan routes {r.path} to {svc.name}, which it says listens on no port",
                      f"drop the route, or state the port {svc.name} serves HTTP on", line=r.line)
            out.append(svc)
            continue
        out.append(svc.model_copy(update={"ingress_path": r.path, "ingress_host": r.host or host, "ingress_tls": tls,
                                          "environment_hosts": own[svc.name]}))
        c.applied(r.line, r.words, f"{answer}.{svc.name}.ingress_path")
    c.values[answer] = out
    _restated_routes(c, [r for r in routes if r.service in {s.name for s in out if s.ingress_path}], answer)
    _controller_reach(c, [s for s in out if s.ingress_path], answer)
    if host_line:
        c.applied(host_line[0], host_line[1], f"{answer}.ingress_host")
    if tls and tls_line:
        c.applied(tls_line, _tls_words(c, tls_line), f"{answer}.ingress_tls")
    where = (" on each environment's host" if env_hosts or spread or any(own.values()) else f" on {host}" if host
             else " on any host")
    c.add_note(answer, "Ingress " + ", ".join(f"{r.path} -> {r.service}" for r in routes) + where
               + (" with TLS (cert-manager's Let's Encrypt ClusterIssuer)" if tls else "")
               + f" (plan line {routes[0].line})")


# the controller's way to a routed application: `ingress-nginx (namespace ingress-nginx) may reach orders-web on 3000`,
# `ingress-nginx (namespace ingress-nginx) → ledger-web on TCP 3000`
_CONTROLLER_REACH = re.compile(r"\b(?:ingress-nginx|ingress\s++controller|traefik)\b[^.;]{0,80}?(?:\b(?:may|can)\s++reach|→|->)"
                               r"\s++`?(?P<app>[a-z0-9][\w-]*+)`?\s++on\s++(?:(?:TCP|port)\s++)?(?P<port>\d{2,5})(?!\d)", re.I)


def _own_hosts(c: Context, r: _Route, lists: dict[str, list[tuple[str, int]]], answer: str) -> dict[str, str]:
    """The route's host in each environment whose hosts list (environment_host_lists) has one under its first label
    (`app` of `app.<env-domain>`, or of the host it names): env -> host."""
    label = r.label or r.host.split(".")[0]
    own: dict[str, str] = dict(r.hosts)
    for _, host in r.hosts:
        c.applied(r.line, host, f"{answer}.{r.service}.environment_hosts")
    for env, hosts in lists.items():
        for found, line in hosts:
            if label and found.split(".")[0] == label and env not in own:
                own[env] = found
                c.applied(line, found, f"{answer}.{r.service}.environment_hosts")
    return own


def _controller_reach(c: Context, routed: list[Service], answer: str) -> None:
    """A sentence letting the ingress controller reach a routed application on its port states what that application's
    policy admits with its Ingress: record it."""
    ports = {s.name: s.port for s in routed}
    for p, m in sentence_matches(c.plan, _CONTROLLER_REACH):
        if ports.get(m.group("app").lower()) == int(m.group("port")):
            c.applied(p.line_at(m.start()), m.group(0), f"{answer}.{m.group('app').lower()}.ingress_path")


# the charts a route or its TLS line may name as what serves it (`Public through ingress-nginx at ...`, `TLS
# certificates from cert-manager`)
_ROUTE_CHARTS = ("ingress-nginx", "cert-manager")


def _route_charts(c: Context, said: list[tuple[int, str]]) -> None:
    """Install the ingress controller or certificate issuer a route or its TLS line names, when the plan has no
    components table (which would say) and nothing installs it yet: the route depends on it."""
    comps: list[Component] = list(c.values.get("components") or [])
    have = {x.name for x in comps} | set(c.values.get("installed_components") or [])
    if c.plan.components:
        return
    for line, words in said:
        for _, name in catalog().mentioned(plain(words)):
            if name in _ROUTE_CHARTS and name not in have:
                e = catalog().charts[name]
                comps.append(e.component(f"named with a route (plan line {line})"))
                have.add(name)
                c.applied(line, name, "components")
    if comps != list(c.values.get("components") or []):
        c.values["components"] = comps


def _restated_routes(c: Context, routes: list[_Route], answer: str) -> None:
    """Another line restating a path that is routed (`the ingress controller sends /api to the API`, where a table
    row routes /api to portal-api) states what the Ingress carries: record it, so it is not reported."""
    paths = {r.path: r for r in routes if r.path != "/"}  # `/` is too common a word to tie a line to its route
    if not paths:
        return
    for p in passages(c.plan):
        for start, end in tx.sentence_bounds(p.text):
            named = [m for m in _PATH_WORD.finditer(p.text, start, end) if m.group(0) != "/"]
            if not named or not _ROUTING_WORD.search(p.text, start, end) or any(m.group(0) not in paths for m in named):
                continue  # a path no route carries keeps the sentence reported
            for m in named:
                r, line = paths[m.group(0)], p.line_at(m.start())
                if line != r.line:
                    c.applied(line, r.path, f"{answer}.{r.service}.ingress_path")


def _no_tls_why(named: list[str], private: str, answer: str) -> str:
    """Why the Ingresses get no certificate although the plan asks for TLS."""
    where = ("say which host each environment serves (`Production serves shop.example.com`)" if answer == "apps" else
             "set services.<name>.ingress.host and .tls in the chart's values")
    if not named:
        return f"a certificate names its host and the plan names none for the Ingress: {where}"
    if private:
        return (f"Let's Encrypt issues certificates for public DNS names only and {private} is a local one, so the "
                "certificate would never be issued: name a public host, or add a self-signed ClusterIssuer" +
                (" and set services.<name>.ingress.tls in the chart's values" if answer == "services" else ""))
    return "nothing issues the certificate: the plan runs no cert-manager (add it as a component)"


def _routes(c: Context, services: list[Service]) -> list[_Route]:
    """The first route the plan states for each service, in the plan's order."""
    if not services:
        return []
    alternatives = "|".join(re.escape(s.name) for s in sorted(services, key=lambda s: -len(s.name)))
    names = f"({alternatives})(?![\\w-])"
    route = re.compile(_ROUTE.format(names=names), re.I)
    any_name = f"(?:{alternatives})(?![\\w-])"
    public_at = re.compile(_PUBLIC_AT.format(names=names, any_name=any_name), re.I)
    served_under = re.compile(_SERVED_UNDER.format(names=names, any_name=any_name), re.I)
    public_ingress = re.compile(_PUBLIC_INGRESS.format(names=names, any_name=any_name), re.I)
    by_port = {s.port: s.name for s in services}
    found = _cell_routes(c, re.compile(_ROUTE_CELL.format(names=names), re.I))
    for number, raw in enumerate(c.plan.lines, 1):
        for m in route.finditer(plain(raw)):
            name = m.group(3).lower() if m.group(3) else by_port.get(int(m.group(4)))
            if name and name not in found:
                found[name] = _Route(name, m.group(2).rstrip("/") or "/", number, m.group(0), (m.group("host") or "").lower())
        for m in public_at.finditer(plain(raw)):
            found.setdefault(m.group(1).lower(), _Route(m.group(1).lower(), (m.group(3) or "").rstrip("/") or "/",
                                                        number, m.group(0), m.group(2).lower()))
        for m in served_under.finditer(plain(raw)):
            found.setdefault(m.group(1).lower(), _Route(m.group(1).lower(), m.group(2).rstrip("/") or "/", number,
                                                        m.group(0)))
        for m in public_ingress.finditer(plain(raw)):
            found.setdefault(m.group(1).lower(), _Route(m.group(1).lower(), "/", number, m.group(0)))
    for r in [*_manifest_routes(c, [s.name for s in services]), *_subject_routes(c, [s.name for s in services]),
              *_label_routes(c, [s.name for s in services]), *_table_routes(c, [s.name for s in services])]:
        found.setdefault(r.service, r)
    return sorted(found.values(), key=lambda r: r.line)


def _called(names: list[str]) -> dict[str, str]:
    """What a plan calls each application ({word: name}): its name, and where the names share a prefix, the rest."""
    return {n.lower(): n.lower() for n in names} | short_names(tuple(names))


def _label_routes(c: Context, names: list[str]) -> list[_Route]:
    """The routes from the root of each environment's host under a first label (`web is served at `app.<env-domain>``,
    `api at `api.<env-domain>``), an application called by its name or, where the names share a prefix, by the rest."""
    every = _called(names)
    alternatives = "|".join(re.escape(n) for n in sorted(every, key=len, reverse=True))
    rx = re.compile(_LABEL_ROUTE.format(names=f"({alternatives})(?![\\w-])"), re.I)
    return [_Route(every[m.group(1).lower()], "/", number, m.group(0), label=m.group(2).lower())
            for number, raw in enumerate(c.plan.lines, 1) for m in rx.finditer(plain(raw))]


# a table of the applications' hosts, a column per environment (`| App | Host (staging) | Host (production) |`)
_APP_HEADER = re.compile(r"^\W*(?:app(?:lication)?|service|workload)s?\W*$", re.I)
_HOST_COLUMN = re.compile(r"^\W*(?:public\s+)?(?:hosts?|hostnames?|domains?|urls?)\s*\(\s*([a-z][\w-]*)\s*\)\W*$", re.I)


# a table of the environments' hosts, a column per application (`| Env | Env domain | portal host | api host |`)
_APP_HOST_COLUMN = re.compile(r"^\W*(?:([a-z][\w-]*)\s+(?:public\s+)?(?:host(?:name)?|domain|url)"
                              r"|(?:host(?:name)?|domain|url)\s*\(\s*([a-z][\w-]*)\s*\))\W*$", re.I)


def _table_routes(c: Context, names: list[str]) -> list[_Route]:
    """The routes from the root of the hosts a table gives each application per environment; a cell naming no host
    (`— (not exposed)`) routes nothing there."""
    envs = c.values.get("environments", [])
    every = _called(names)
    out = []
    for t in c.plan.tables:
        header = [plain(h).strip() for h in t.rows[0][1]] if t.rows else []
        if header and is_environment_header(header[0]):
            out += _environment_row_routes(c, t.rows, header, every) + _host_row_routes(c, t.rows, header, every)
        if not header or not _APP_HEADER.match(header[0]):
            continue
        columns = {k: env for k, h in enumerate(header) for m in [_HOST_COLUMN.match(h)] if m
                   for env in [environment_named(m.group(1), envs)] if env is not None}
        for line, cells in t.rows[1:] if columns else []:
            name = every.get(plain(cells[0]).strip().strip("`").lower())
            hosts = tuple((env, m.group(1).lower()) for k, env in columns.items() if k < len(cells)
                          for m in [re.fullmatch(DNS_NAME, plain(cells[k]).strip())] if m)
            if name and hosts:
                out.append(_Route(name, "/", line, hosts[0][1], hosts=hosts))
    return out


def _environment_row_routes(c: Context, rows: list, header: list[str], every: dict[str, str]) -> list[_Route]:
    """The routes of a table with a row per environment and a hosts column per application (`| Env | portal host |
    scheduler-api host |` over `| dev | dev.acme.example | api.dev.acme.example |`, or the applications' names alone
    as headers): each application's, from the root of its host in each environment. A host under another name
    (`| Grafana |`) is reported."""
    envs = c.values.get("environments", [])
    columns = {k: every[name] for k, h in enumerate(header) if k for m in [_APP_HOST_COLUMN.match(h)]
               for name in [(m.group(1) or m.group(2)).lower() if m else h.strip("` ").lower()] if name in every}
    others = {k: h for k, h in enumerate(header) if k and k not in columns and re.fullmatch(r"[A-Za-z][\w-]*", h)}
    hosts: dict[str, list[tuple[str, str, int]]] = {}
    for line, cells in rows[1:] if columns else []:
        env = environment_named(plain(cells[0]).strip().strip("`"), envs) if cells else None
        for k in [*columns, *others] if env is not None else ():
            m = re.fullmatch(DNS_NAME, plain(cells[k]).strip()) if k < len(cells) else None
            if m is not None and k in columns:
                hosts.setdefault(columns[k], []).append((env, m.group(1).lower(), line))
            elif m is not None:
                c.unapplied(line, m.group(1), f"Ingress routes are generated for the plan's applications: "
                            f"{others[k]} is none of them; route its host to it yourself")
    return [_Route(name, "/", found[0][2], found[0][1], hosts=tuple((env, host) for env, host, _ in found))
            for name, found in hosts.items()]


# a table with a row per environment and host (`| Environment | Host | Backend |`)
_HOST_HEADER = re.compile(r"^\W*(?:public\s+)?(?:host(?:name)?|domain|url)s?\W*$", re.I)
_BACKEND_HEADER = re.compile(r"^\W*(?:backend|target|routes?\s+to|app(?:lication)?|service|workload)s?\W*$", re.I)


def _host_row_routes(c: Context, rows: list, header: list[str], every: dict[str, str]) -> list[_Route]:
    """The routes of a table with a row per environment and host naming the application behind it (`| dev |
    api.dev.acme.example | orders-api |`): each application's, from the root of its host in each environment. A
    row naming something else behind its host (`grafana`) is reported."""
    host_at = next((k for k, h in enumerate(header) if k and _HOST_HEADER.match(h)), None)
    backend_at = next((k for k, h in enumerate(header) if k and _BACKEND_HEADER.match(h)), None)
    if host_at is None or backend_at is None:
        return []
    hosts: dict[str, list[tuple[str, str, int]]] = {}
    envs = c.values.get("environments", [])
    for line, cells in rows[1:]:
        env = environment_named(plain(cells[0]).strip().strip("`"), envs) if cells else None
        m = re.fullmatch(DNS_NAME, plain(cells[host_at]).strip()) if env and host_at < len(cells) else None
        backend = plain(cells[backend_at]).strip().strip("`") if backend_at < len(cells) else ""
        if m is not None and backend.lower() in every:
            hosts.setdefault(every[backend.lower()], []).append((env, m.group(1).lower(), line))
        elif m is not None and backend:
            c.unapplied(line, m.group(1), f"Ingress routes are generated for the plan's applications: {backend} is "
                        "none of them; route its host to it yourself")
    return [_Route(name, "/", found[0][2], found[0][1], hosts=tuple((env, host) for env, host, _ in found))
            for name, found in hosts.items()]


def _subject_routes(c: Context, names: list[str]) -> list[_Route]:
    """The public host a bullet about one application states in a sentence naming none (`- **orders-web** — the
    storefront (port 3000). Public: exposed through ingress-nginx at `shop.acme.example``): that application's."""
    public, named = re.compile(_PUBLIC_WORDS, re.I), names_rx(tuple(names))
    out = []
    for p in passages(c.plan):
        subject = subject_of(p.text, names)
        if subject is None:
            continue
        for start, end in tx.sentence_bounds(p.text):
            m = None if named.search(p.text, start, end) else public.search(p.text, start, end)
            if m is not None:
                out.append(_Route(subject, (m.group(2) or "").rstrip("/") or "/", p.line_at(m.start()), m.group(0),
                                  m.group(1).lower()))
                break
    return out


def _cell_routes(c: Context, cell: re.Pattern[str]) -> dict[str, _Route]:
    """The routes of a Custom Applications table's Route column (each row read as `<app>: <column> <cell>, ...`)."""
    f = c.plan.custom_applications
    found: dict[str, _Route] = {}
    for row in (f.extra_lines if f is not None else []):
        m = cell.search(plain(row.text))
        if m and (m.group("path") or m.group("host_first")):
            host = (m.group("host_first") or m.groups()[-1] or "").lower()  # the last group: the host after `on`
            found.setdefault(m.group(1).lower(), _Route(m.group(1).lower(), (m.group("path") or "/").rstrip("/") or "/",
                                                       row.line, m.group("cell"), host))
    return found


_PATH = re.compile(r"^\s*(?:-\s+)?path:\s*[\"']?(/[A-Za-z0-9._/-]*)")
_BACKEND_NAME = re.compile(r"^\s*name:\s*[\"']?(.+?)[\"']?\s*$")


def _manifest_routes(c: Context, names: list[str]) -> list[_Route]:
    """The routes of an Ingress manifest the plan shows in a code block (`- path: /api` over `service: name:
    {{ .Release.Name }}-backend`): each path goes to the service its backend's name ends with."""
    out: list[_Route] = []
    for block in code_blocks(c.plan.lines):
        if not any(re.match(r"^\s*kind:\s*Ingress\s*$", raw) for raw in block.lines):
            continue
        path: tuple[str, int] | None = None
        for line, raw in enumerate(block.lines, block.line):
            if m := _PATH.match(raw):
                path = (m.group(1), line)
            elif path and (m := _BACKEND_NAME.match(raw)):
                name = next((n for n in names if m.group(1) == n or m.group(1).endswith("-" + n)), None)
                if name:
                    out.append(_Route(name, path[0].rstrip("/") or "/", path[1], c.line_text(path[1])))
                path = None
    return out


def _host(c: Context) -> tuple[str, tuple[int, str] | None]:
    """The first host a line naming an Ingress (or a route) states, with its line and words."""
    for number, raw in enumerate(c.plan.lines, 1):
        text = plain(raw)
        m = _HOST.search(text)
        if m and (_INGRESS.search(text) or "→" in text or "->" in text):
            return m.group(1).lower(), (number, m.group(0))
    return "", None


def _tls_words(c: Context, line: int) -> str:
    """The words of a TLS line asking for the certificates (`TLS`, `HTTPS`, else the issuer's name)."""
    text = plain(c.line_text(line))
    return (_TLS.search(text) or _ISSUER.search(text)).group(0)


def _tls_line(c: Context, route_lines: set[int], anywhere: bool = False) -> int | None:
    """A route's line, or another line naming the Ingress, that asks for TLS; with `anywhere` (the hosts are the
    plan's, so their certificates are what its TLS lines ask for), any line asking for it, else one naming a Let's
    Encrypt issuer cert-manager runs."""
    for number, raw in enumerate(c.plan.lines, 1):
        text = plain(raw)
        if _TLS.search(text) and (anywhere or number in route_lines or _INGRESS.search(text)):
            return number
    if anywhere and cert_manager_runs(c) and not any(_PLAIN_HTTP.search(plain(raw)) for raw in c.plan.lines):
        # `ClusterIssuer letsencrypt-prod (ACME, HTTP-01 via nginx)`: the certificates of its hosts
        return next((number for number, raw in enumerate(c.plan.lines, 1) if _ISSUER.search(plain(raw))), None)
    return None
