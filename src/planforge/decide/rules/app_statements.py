"""What a plan states about one application, read where it names it: its image (with its tag), port, health path,
reach, database use, task size and schedule (`backend (FastAPI, port 8000, health /healthz, image
ghcr.io/acme/todo-backend:1.4.0)`, `overdue-notices (nightly at 02:00 UTC, no inbound port)`)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from planforge.decide import text as tx
from planforge.decide.answer_rules import patterns
from planforge.decide.context import Context
from planforge.decide.data import keywords
from planforge.decide.rules.compute import serverless_runtime
from planforge.decide.rules.schedules import SCHEDULE, cron_of
from planforge.decide.rules.statements import Passage, passages
from planforge.decide.rules.workload_figures import cpu_quantity, memory_quantity

# host name parts are DNS labels (at most 63 characters, 253 in all): bounded, so no attempt scans far. A repository
# with a placeholder (`.../shop/<service>`) is every workload's pattern (rules/workloads), no image of its own
IMAGE = (r"\b(?:ghcr\.io|docker\.io|quay\.io|gcr\.io|[a-z0-9-]{1,63}\.azurecr\.io"
         r"|[a-z0-9-]{1,63}\.dkr\.ecr\.[a-z0-9-]{1,63}\.amazonaws\.com"
         r"|[a-z0-9-]{1,63}-docker\.pkg\.dev|[a-z0-9-]{1,63}\.ocir\.io"
         r"|registry\.[a-z0-9.-]{1,253})/(?![a-z0-9._/-]*+[<{])[a-z0-9._/-]*[a-z0-9]"
         r"(?::[A-Za-z0-9_.-]*[A-Za-z0-9_-]|@sha256:[a-f0-9]{64})?"  # the tag or digest (the hosts name no port)
         # any other registry host (a team's own Harbor, `harbor.alder.internal/alder/scan-api:1.8.2`), its path and
         # a tag or digest: without one, a host and a path are no image (`github.com/acme/infra`)
         r"|\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,8}[a-z]{2,63}(?::\d{2,5})?/(?![a-z0-9._/-]*+[<{])"
         r"[a-z0-9._/-]*[a-z0-9](?::[A-Za-z0-9_.-]*[A-Za-z0-9_-]|@sha256:[a-f0-9]{64})(?![\w./:-])")
PORT = r"\b(?:port\s*+:?|listen(?:s|ing)?\s++on(?:\s++port)?)\s*+(\d{2,5})\b"  # `port 8080`, `listens on 8080`
# `health /healthz`, `liveness GET /healthz`, `probes on /healthz`, a table's `Probes: HTTP GET /`
_PROBED = r"(?:\s*+(?:check|endpoint|path|probes?))?\s*+:?\s*+(?:(?:on|at)\s++)?(?:(?:http\s++)?get\s++)?"
# (a path follows a space, colon or quote: `liveness/readiness` names no path; `liveness/readiness probes on /healthz`
# and a table's `liveness + readiness /healthz` are both probes' path)
HEALTH_PATH = (r"(?:(?:liveness|readiness)\s*+/\s*+(?:liveness|readiness)\s++probes?"
               r"|(?:liveness|readiness)\s*+(?:\+|&|,|and)\s*+(?:liveness|readiness)(?:\s++probes?)?|health|liveness"
               r"|(?<!readiness )\bprobes?)" + _PROBED + r"(?<!\w)(/[A-Za-z0-9._~/-]*)")
# `readiness /ready`, `readiness probe: GET /readyz`: the readiness probe's own path (the health path serves the others;
# `liveness/readiness probe on /healthz` is both probes' health path)
_READY_PATH = r"(?<!liveness/)(?<!liveness /)\breadiness" + _PROBED + r"(?<!\w)(/[A-Za-z0-9._~/-]*)"
# `curl https://[app-url]/api/health`, `HTTP GET /healthz`: a path that ends in a health word is the health path
_HEALTH_URL = (r"(?:https?://[^/\s`]{1,253}|(?<![\w/.-]))"
               r"(/(?:[A-Za-z0-9._-]{1,63}/){0,4}(?:healthz?|livez|readyz|ready|live|ping))(?![\w/-])")
# a path right after `readiness` is the readiness probe's, never the health path
_READINESS_BEFORE = re.compile(r"\breadiness" + _PROBED + "$", re.I)
# `fulfillment-worker (internal only, no inbound port, 0.25 vCPU / 0.5 GB)`: a worker nothing connects to, a service
# reached from inside the network only, and the size of each of its tasks (a GB is read as a GiB)
# (`no Service and no Ingress`: nothing reaches it either)
_NO_PORT = (r"\bno\s++(?:inbound\s++|open\s++|listening\s++)?(?:ports?|traffic)\b"
            r"|\bno\s++(?:Kubernetes\s++)?Service\b(?!\s*+mesh)"
            # a table's empty Port cell (`Port: -`, `Port: —`, `Port: none`)
            r"|\bPort:\s*+(?:-|—|–|none|n/a)\s*+(?:\||$)")
_INTERNAL = (r"\binternal[- ]only\b|\bnot\s++public(?:ly\s++reachable)?\b"
             r"|\bnever\s++(?:reachable|exposed)\s++(?:from|to)\s++the\s++internet\b")
# `orders-api (... reads and writes PostgreSQL)`, `storefront (... no database access)`: who uses the database
_DATABASE_USE = (r"\bno\s++(?:database|DB)\b(?:\s++access)?(?P<none>)"
                 r"|\b(?:reads?|writes?|uses?|queries|owns|connects?\s++to|talks\s++to)"
                 r"(?:\s++(?:and|/)\s++(?:reads?|writes?))?:?\s++(?:from\s++|to\s++)?(?:the\s++|its\s++)?"
                 r"(?:[a-z][\w-]*+\s++)?" + tx.DATABASE_WORDS +
                 r"|\bDATABASE_URL\b|\bCloud\s++SQL\s++access\b")
# what an application calls or reaches: a port after it is the other end's, not the application's
_CALLS_OUT = re.compile(r"\b(?:calls?|egress|outbound|connects?\s++to|reach(?:es)?|sends?\s++to|talks?\s++to"
                        r"|over\s++https?)\b", re.I)
_VCPU = r"(?<![\d.])(\d{1,3}(?:\.\d{1,3})?)\s*+vCPUs?\b"
_TASK_MEMORY = r"\bvCPUs?\s*+(?:/|,|and|with)\s*+(\d{1,4}(?:\.\d{1,3})?)\s*+(GB|GiB|MB|MiB)\b"


def stated_per_service(c: Context, names: list[str], answer: str = "services", sources: list[Passage] | None = None,
                       sized: Passage | None = None) -> dict[str, dict[str, Any]]:
    """The image (with its tag), port, health path and the rest a sentence states right after naming a service or app
    (`backend (FastAPI, port 8000, health /healthz, image ghcr.io/acme/todo-backend:1.4.0)`): each belongs to the
    one named last before it in its sentence. The lines are marked applied to `answer`. `sources`: the passages
    read (the plan's statements); `sized`: the one listing the applications, whose task sizes (`0.5 vCPU / 1 GB`)
    are read too (elsewhere a size is a figure, rules/workload_figures)."""
    if not names:
        return {}
    name_rx = _named_or_short(tuple(names))
    readers = {"image": re.compile(IMAGE, re.I), "port": re.compile(PORT, re.I),
               "health_path": re.compile(HEALTH_PATH, re.I), "ready_path": re.compile(_READY_PATH, re.I),
               "health_url": re.compile(_HEALTH_URL, re.I),
               "inbound": re.compile(_NO_PORT, re.I),
               "public": re.compile(_INTERNAL, re.I), "database_access": re.compile(_DATABASE_USE, re.I),
               "cpu_request": re.compile(_VCPU, re.I), "memory_request": re.compile(_TASK_MEMORY, re.I),
               "schedule": re.compile(SCHEDULE, re.I), "tag": _NAMED_TAG}
    found: dict[str, dict[str, Any]] = {}
    every: dict[str, str] = {}  # what a sentence about every application states (`All three services ... probes on /healthz`)
    compute = c.values.get("compute", "vms")
    unsized = (serverless_runtime(compute) or {}).get("unsized")  # why the runtime takes no per-app size
    for p in passages(c.plan) if sources is None else sources:
        subject = None if p is sized else _subject(p.text, name_rx, names)  # the listing names them all
        for start, end in tx.sentence_bounds(p.text):
            sentence = p.text[start:end]
            mentions = [(m.start(), _named(m, names), m.end()) for m in name_rx.finditer(sentence)]
            if not mentions and subject is not None:
                mentions = [(-1, subject, -1)]  # named before the sentence: the passage is about it
            if not mentions:
                _every_app_probes(c, sentence, p.line_at(start), answer, every)
                continue
            for key, rx in readers.items():
                if key in ("cpu_request", "memory_request") and p is not sized:
                    continue
                for m in rx.finditer(sentence):
                    for owner_at, owner in _owners(sentence, m, mentions):
                        if key == "port" and _CALLS_OUT.search(sentence, owner_at, m.start()):
                            continue  # the port of what it calls (`calls the insurer API over HTTPS on port 443`)
                        if key == "schedule" and owner is not None and found.get(owner, {}).get(key) == cron_of(m):
                            c.applied(p.line_at(start + m.start()), m.group(0), answer)  # the same schedule, said again
                            continue
                        if owner is None or key in found.get(owner, {}) or (key == "health_url" and (
                                "health_path" in found.get(owner, {}) or _READINESS_BEFORE.search(sentence, 0, m.start()))):
                            continue
                        line = p.line_at(start + m.start())
                        if why := _not_taken(key, m, owner, unsized, compute, _narrows_egress(c, answer)):
                            c.unapplied(line, m.group(0), why)
                            continue
                        found.setdefault(owner, {}).update(_stated_value(c, key, m, line))
                        c.applied(line, m.group(0), answer)
    for name in names if every else ():
        own = found.setdefault(name, {})
        if own.get("inbound", True):
            own.update({k: v for k, v in every.items() if k not in own})
    return found


# a sentence about every application (`All three services run ...`, `every service exposes ...`, `Each app has ...`)
_EVERY_APP = re.compile(r"\b(?:all\s++(?:(?:the|our|\w+)\s++)?|every\s++|each\s++)(?:services?|applications?|apps?|workloads?"
                        r"|microservices?)\b", re.I)


def _every_app_probes(c: Context, sentence: str, line: int, answer: str, every: dict[str, str]) -> None:
    """The probe paths of a sentence about every application, into `every`: each application's own statement wins."""
    if not _EVERY_APP.search(sentence):
        return
    for key, rx in (("health_path", HEALTH_PATH), ("ready_path", _READY_PATH)):
        m = re.search(rx, sentence, re.I)
        if m is not None and key not in every:
            every[key] = m.group(1)
            c.applied(line, m.group(0), answer)


def subject_of(text: str, names: list[str]) -> str | None:
    """The application of `names` a passage is about (see _subject)."""
    return _subject(text, names_rx(tuple(names))) if names else None


@lru_cache(maxsize=64)
def names_rx(names: tuple[str, ...]) -> re.Pattern[str]:
    """The applications `names`, each as a word (group 1 the name; keywords.named_workload)."""
    return re.compile(keywords().named_workload("|".join(re.escape(n) for n in names)), re.I)


def _subject(text: str, name_rx: re.Pattern[str], names: list[str] | None = None) -> str | None:
    """The application a passage is about (`**fulfilment-worker** — background consumer. ... No Service, no ingress.`):
    the one it opens with when its first sentence names no other; its later sentences that name no application are
    about it too."""
    bounds = next(iter(tx.sentence_bounds(text)), None)
    if bounds is None:
        return None
    named = {_named(m, names) for m in name_rx.finditer(text, *bounds)}
    first = name_rx.search(text, *bounds)
    # before the name: marks only, or a numbered item's number (`1. **parcels-api** — ...`)
    opens = first is not None and re.fullmatch(r"\W*(?:\d{1,3}[.)]\W*)?", text[bounds[0]:first.start()]) is not None
    return _named(first, names) if opens and len(named) == 1 else None


@lru_cache(maxsize=64)
def _named_or_short(names: tuple[str, ...]) -> re.Pattern[str]:
    """`names_rx`, and where every name shares a prefix (`ledgerly-web`, `ledgerly-worker`) each one's rest after
    `the` (`The worker runs as a CronJob`): a plan calls its applications so once it has named them."""
    short = short_names(names)
    if not short:
        return names_rx(names)
    rest = "|".join(re.escape(s) for s in sorted(short, key=len, reverse=True))
    return re.compile(f"{names_rx(names).pattern}|(?<![\\w-])the\\s+({rest})(?![\\w-]){_NOT_NAMED_AFTER}", re.I)


# what `the worker` names when a noun follows: another thing named after the application (`the worker node pool`)
_NOT_NAMED_AFTER = r"(?!\s+(?:node|pool|nodes|namespace|queue|topic|bucket|database|service\s+account)s?\b)"


@lru_cache(maxsize=64)
def short_names(names: tuple[str, ...]) -> dict[str, str]:
    """{rest: name} of applications sharing one `prefix-` (each rest a word no other application is named)."""
    prefixes = {n.split("-", 1)[0] for n in names}
    if len(names) < 2 or len(prefixes) != 1 or not all("-" in n for n in names):
        return {}
    short = {n.split("-", 1)[1].lower(): n.lower() for n in names}
    return {rest: name for rest, name in short.items() if re.fullmatch(r"[a-z]+", rest) and rest not in names}


def _named(m: re.Match[str], names: list[str] | None) -> str:
    """The application a mention names: its name, or the one whose rest `the worker` says."""
    if m.group(1) is not None:
        return m.group(1).lower()
    return short_names(tuple(names or ()))[m.group(2).lower()]


# an application's image tag written after its name (`storefront:1.14.2`, `api:v2.3`): a version, never a port
# (`api:8000`)
_NAMED_TAG = re.compile(r":(v?\d{1,6}\.\d{1,6}(?:[.+-][A-Za-z0-9_.-]{0,100}[A-Za-z0-9_])?)(?![\w.:/-])")
# the applications a parenthesis right after a statement names (`probes on /healthz (storefront, catalog-api)`)
_OWNERS_AFTER = re.compile(r"\s*+\(([^()]{1,200})\)")


def _owners(sentence: str, m: re.Match[str], mentions: list[tuple[int, str, int]]) -> list[tuple[int, str | None]]:
    """(where named, name) of the applications a statement `m` of the sentence is about: those a parenthesis right
    after it names, else the one named last before it (None: none); a tag's, the name it is written after."""
    if m.re is _NAMED_TAG:
        return [next(((pos, n) for pos, n, end in mentions if end == m.start()), (0, None))]
    after = _OWNERS_AFTER.match(sentence, m.end())
    if after is not None:
        listed = [(pos, n) for pos, n, _ in mentions if after.start(1) <= pos < after.end(1)]
        if listed:
            return listed
    return [next(((pos, n) for pos, n, _ in reversed(mentions) if pos < m.start()), (0, None))]


# What a statement only serverless compute applies is, on Kubernetes, left to. (`no inbound port` and a schedule apply
# on both: on Kubernetes a worker gets no Service, port, HTTP probe or ingress rule, and a scheduled job is a CronJob.)
_SERVERLESS_ONLY = {
    "public": "it gets a Service; who reaches it follows the ingress and network policies, not this statement",
    "database_access": ("every application of a namespace reads the database from its Secret; this statement narrows "
                        "nothing there")}


def _narrows_egress(c: Context, answer: str) -> bool:
    """Whether each application's namespace gets its own database egress (Kustomize applications of a multi-tool
    repository): there, who uses the database decides who reaches it."""
    return answer == "apps" and c.values.get("structure") == "multi-tool"


def _not_taken(key: str, m: re.Match[str], owner: str, unsized: str | None, compute: str, narrows: bool) -> str:
    """Why the statement `m` of `key` about `owner` is not applied on this compute ("" when it is): a task size where
    the runtime takes none, a serverless-only statement on Kubernetes (but `DATABASE_URL`, a variable the application
    reads from its Secret there too, and the database use of an application whose namespace's egress it `narrows`)."""
    if key.endswith("_request") and unsized:
        return f"{owner}: {unsized}"
    if key == "database_access" and (narrows or m.group(0) == "DATABASE_URL"):
        return ""
    if key in _SERVERLESS_ONLY and compute == "vms":
        return f"{owner} runs on Kubernetes: {_SERVERLESS_ONLY[key]}"
    return ""


def _stated_value(c: Context, key: str, m: re.Match[str], line: int) -> dict[str, Any]:
    """The Service fields a statement about one service gives (`port 8080`, `no inbound port`, `0.5 vCPU / 1 GB`)."""
    if key == "image":
        return image_values(c, m.group(0), line)
    if key in ("inbound", "public"):
        return {key: False}
    if key == "database_access":
        return {key: m.group("none") is None}
    if key == "schedule":  # a job: nothing connects to it
        return {key: cron_of(m), "inbound": False}
    if key == "cpu_request":
        return {key: cpu_quantity(float(m.group(1)) * 1000)}
    if key == "memory_request":
        return {key: memory_quantity(float(m.group(1)) * (1 if m.group(2).upper().startswith("M") else 1024))}
    if key == "health_url":
        return {"health_path": m.group(1)}
    return {key: int(m.group(1))} if key == "port" else {key: m.group(1)}


def image_values(c: Context, ref: str, line: int) -> dict[str, str]:
    """The image repository (lowercase) and the tag of an image reference `repo[:tag]`; a digest or a tag that is
    no image tag is refused at its line."""
    repo, sep, tag = ref.partition("@") if "@" in ref else ref.partition(":")
    if sep == "@":
        c.problem(None, "services", f"image {ref} is pinned by digest; the generated charts pin images by tag",
                  "state the image with its tag, like ghcr.io/acme/app:1.4.0", line=line)
    elif sep and not patterns()["image_tag"].regex.match(tag):
        c.problem(None, "services", f"{tag!r} in image {ref} is not {patterns()['image_tag'].what}",
                  "a tag is 1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-'", line=line)
    elif sep:
        return {"image": repo.lower(), "tag": tag}
    return {"image": repo.lower()}
