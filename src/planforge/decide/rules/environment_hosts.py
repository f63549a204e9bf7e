"""The public host each environment serves (`Production serves shop.example.com, staging serves
staging.shop.example.com`, `Prod = juggerhub.com ..., Dev = dev.juggerhub.com`, or an environments table's `Host` row):
`environment_sizing[].host`, the host of that environment's Ingresses, read when the plan routes a path to one of its
applications (rules/ingress_routes). A host named for an environment the plan does not have is reported; one host
named for all of them is spread, one name per environment's cluster (spread_host)."""
from __future__ import annotations

import re

from planforge.decide.answers import EnvironmentSizing
from planforge.decide.context import Context
from planforge.decide.environments import environment_named, environment_rows, is_env_name, is_production
from planforge.decide.rules.statements import passages
from planforge.decide.rules.table_rows import labelled_rows

# a DNS name of two labels or more, maybe in backticks (not followed by more of a name; a sentence's full stop may)
DNS_NAME = r"`?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9])`?(?![\w-]|\.[\w-])"
# `Production serves shop.example.com`, `Prod = juggerhub.com`, `dev: dev.shop.io`, `staging at staging.shop.io`
# (`Hostnames: dev `dev.shop.io`, prod `www.shop.io``: a host right after its environment, on a line speaking of
# hosts)
_SERVES = re.compile(r"\b([a-z][a-z-]{1,20})(?:\s++environment)?\s*+(?:=|:|serves|is\s++served\s++(?:at|on)|at|on|→|->"
                     r"|(?<=\s))"
                     r"\s*+(?:the\s++)?(?:host\s++|domain\s++)?" + DNS_NAME, re.I)
_HOSTS_WORD = re.compile(r"\bhost(?:name)?s?\b|\bdomains?\b|\burls?\b", re.I)
# a host with its environment after it (`shop.acme.example (prod) and shop.dev.acme.example (dev)`)
_HOST_OF_ENV = re.compile(DNS_NAME + r"\s*+\(\s*+([a-z][a-z-]{1,20})\s*+\)", re.I)
# an environments table's row of hosts: `Host | staging: staging.shop.io | production: shop.io`, its label maybe after
# its column's header (`Setting: Hostname | staging: ...`)
_HOST_ROW = re.compile(r"^(?:[^|:]{1,40}:\s*+)?(?:public\s+)?(?:hosts?|hostnames?|domains?|urls?)\s*:?\s*\|", re.I)


# an environments table's column (or row) of hosts (`| Environment | ... | Hostnames |`)
_HOSTS_LABEL = re.compile(r"^\W*(?:public\s+)?(?:hosts?|hostnames?|domains?|urls?)\W*$", re.I)


def environment_host_lists(c: Context) -> dict[str, list[tuple[str, int]]]:
    """The hosts an environments table's `Hostnames` column (or row) gives each environment it gives several
    (`app.staging.shop.io`, `api.staging.shop.io`: one per application): env -> [(host, line)]."""
    out: dict[str, list[tuple[str, int]]] = {}
    for row in environment_rows(c.plan, c.values.get("environments", [])):
        if not _HOSTS_LABEL.match(row.label.replace("`", "")):
            continue
        for cell in row.cells:
            hosts = [m.group(1).lower() for m in re.finditer(DNS_NAME, cell.text, re.I)]
            if len(hosts) > 1:
                out.setdefault(cell.env, [(h, cell.line) for h in hosts])
    return out


def decide_environment_hosts(c: Context) -> list[str]:
    """Set each environment's `host` from the first line naming it with a host; the hosts set."""
    envs = c.values.get("environments", [])
    hosts: dict[str, tuple[str, int, str]] = {}
    for p in [*passages(c.plan, every_section=True), *[r for r in labelled_rows(c.plan) if _HOST_ROW.match(r.text)]]:
        for m in _SERVES.finditer(p.text):
            word = m.group(1)
            if not is_env_name(word) or "." not in m.group(2):
                continue
            if m.group(0)[len(word):].strip().startswith(m.group(2)) and not _HOSTS_WORD.search(p.text):
                continue  # `dev dev.shop.io` on a line naming no host
            line = p.line_at(m.start())
            env = environment_named(word, envs)
            if env is None:
                c.unapplied(line, m.group(0), f"{word} is no environment of this plan ({', '.join(envs)})")
            elif env not in hosts:
                hosts[env] = (m.group(2).lower(), line, m.group(0))
        for m in _HOST_OF_ENV.finditer(p.text):
            env = environment_named(m.group(2), envs) if is_env_name(m.group(2)) else None
            if env is not None:
                hosts.setdefault(env, (m.group(1).lower(), p.line_at(m.start()), m.group(0)))
        for env, found in _listed_hosts(p.text, envs).items():
            hosts.setdefault(env, (found[0], p.line_at(found[1]), found[2]))
    if not hosts:
        return []
    sizing: list[EnvironmentSizing] = c.values["environment_sizing"]
    c.values["environment_sizing"] = [s.model_copy(update={"host": hosts[s.name][0]}) if s.name in hosts else s
                                      for s in sizing]
    for host, line, words in hosts.values():
        c.applied(line, words, "environment_sizing.host")
    c.add_note("environment_sizing", "hosts " + ", ".join(f"{env} {h[0]}" for env, h in hosts.items()))
    return [h[0] for h in hosts.values()]


# a list of hosts (`claims.dev.contoso.com`, `claims.staging.contoso.com`, `claims.contoso.com`)
_HOST_LIST = re.compile(DNS_NAME + r"(?:\s*+(?:,|/|\band\b)\s*+" + DNS_NAME.replace("(", "(?:", 1) + r")++")
_HOST_IN_LIST = re.compile(DNS_NAME)
_FILE = re.compile(r"\.(?:tfstate|tfvars|tf|hcl|ya?ml|json|md|txt|sh|py|conf|log|lock|zip|gz|tgz)$", re.I)


def _listed_hosts(text: str, envs: list[str]) -> dict[str, tuple[str, int, str]]:
    """The hosts of a list naming one per environment (env -> host, where in `text`, the host as written): each host
    whose labels name an environment is that one's, and the one naming none is production's."""
    out: dict[str, tuple[str, int, str]] = {}
    for run in _HOST_LIST.finditer(text):
        listed = list(_HOST_IN_LIST.finditer(run.group(0)))
        if len(listed) != len(envs) or len(envs) < 2:
            continue
        named: dict[str, tuple[str, int, str]] = {}
        unnamed = []
        if any(_FILE.search(m.group(1)) for m in listed):
            continue  # `dev.tfstate, staging.tfstate, prod.tfstate`: files
        for m in listed:
            host = m.group(1).lower()
            own = {env for label in host.split(".") if is_env_name(label) for env in [environment_named(label, envs)] if env}
            found = (host, run.start() + m.start(), m.group(0))
            if len(own) == 1:
                named[own.pop()] = found
            else:
                unnamed.append(found)
        production = [env for env in envs if env not in named and is_production(env)]
        if len(named) + len(unnamed) == len(envs) and len(unnamed) <= 1 and len(production) == len(unnamed):
            out.update(named)
            out.update(zip(production, unnamed))
            return out
    return out


def spread_host(c: Context, host: str) -> bool:
    """One host the plan names for every environment's Ingress (`billing.acme.io /api`): a DNS name points at one load
    balancer and cert-manager's HTTP-01 challenge is answered there, so each environment's cluster needs a name of its
    own. Production (else the last environment) serves the host, each other environment `<env>.<host>`; an
    environment the plan gives a host keeps it. Whether it spread the host."""
    sizing: list[EnvironmentSizing] = c.values["environment_sizing"]
    if len(sizing) < 2:
        return False
    taken = {s.host for s in sizing if s.host}
    serving = next((s.name for s in sizing if is_production(s.name)), sizing[-1].name)

    def own(env: str) -> str:
        return host if env == serving and host not in taken else f"{env}.{host}"

    spread = {s.name: own(s.name) for s in sizing if not s.host}
    if not spread:
        return False
    c.values["environment_sizing"] = [s.model_copy(update={"host": spread[s.name]}) if s.name in spread else s
                                      for s in sizing]
    c.add_note("environment_sizing", f"the plan names one host, {host}, for the environments' Ingresses; each "
               "environment's cluster needs a name of its own (DNS points a name at one load balancer, where "
               "cert-manager's HTTP-01 challenge is answered): hosts " + ", ".join(f"{env} {h}" for env, h in spread.items()))
    return True
