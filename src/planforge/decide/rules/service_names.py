"""Where a chart's services are named: the manifests of its workloads a plan lists (`todo-backend-deployment.yaml`,
`hpa-backend.yaml`), the service directories of its source tree (`backend/`, `services/<x>/`, below the tree's own
root directory), the project type (`web application`: backend and frontend), the workloads a sentence names each with
its image, and the replica counts it gives them by name (`2 frontend replicas`)."""
from __future__ import annotations

import re
from functools import lru_cache

from planforge.decide import text as tx
from planforge.decide.answers import Provenance
from planforge.decide.context import Context
from planforge.decide.data import keywords
from planforge.decide.rules.app_statements import IMAGE
from planforge.decide.rules.statements import Passage, passages
from planforge.plan.model import TreePath, plain

CHART_DIR = r"(?:^|/)(?:charts|helm|helm-charts|chart|deploy/helm)/([^/]+)/$"
_SERVICE_PARENTS = ("services", "apps", "microservices")
_TREE_LINE = re.compile(r"^[\s│|]*[├└`]")  # a line of a directory tree: a manifest's name, no statement
# `backend (image ghcr.io/acme/shop-backend:1.4.0, port 8080)`, `the legacy-api service (image ...)`: a workload
# name, the noun after it if any (data/keywords.yaml workload_nouns) and its parenthesis
_WORKLOAD = r"(?<![\w-])([a-z][a-z0-9-]{0,62})(?:\s++(?:NOUNS))?\s*+\(([^()]*+)\)"
# `2 frontend replicas`, `frontends @ 2 replicas`: a service name is a word of at most 63 characters
_REPLICAS = re.compile(r"(?<!\d)(\d+)\s+([a-z][\w-]{0,62}?)s?\s+replicas?\b"
                       r"|(?<![\w-])([a-z][\w-]{0,62}?)s?\s*+@\s*+(\d+)\s+replicas?\b", re.I)


def named_workloads(c: Context) -> list[tuple[str, Provenance | None]]:
    """The workloads the first sentence naming any, each followed by its own image, names (`backend (image
    ghcr.io/acme/shop-backend:1.4.0, port 8080) and frontend (image ghcr.io/acme/shop-frontend:1.4.0)`, `the
    legacy-api service (image ghcr.io/acme/legacy-api:2.0)`), in the plan's order. A generic word (`chart`,
    `service`) before the parenthesis names no workload."""
    image_rx = re.compile(IMAGE, re.I)
    nouns = keywords().workload_nouns
    workload = re.compile(_WORKLOAD.replace("NOUNS", "|".join(re.escape(n) for n in nouns)), re.I)
    generic = keywords().non_service_dirs | set(nouns) | {"image"}
    for p in passages(c.plan):
        for start, end in tx.sentence_bounds(p.text):
            out: list[tuple[str, Provenance | None]] = []
            for m in workload.finditer(p.text, start, end):
                name = m.group(1).lower()
                if (len(image_rx.findall(m.group(2))) == 1 and tx.is_dns_label(name) and name not in generic
                        and name not in [n for n, _ in out]):
                    line = p.line_at(m.start())
                    out.append((name, Provenance(source="plan", line=line, text=tx.quote(c.line_text(line)))))
            if out:
                return out
    return []


def tree_services(c: Context) -> list[tuple[str, Provenance | None]]:
    """Services of the service directories of the source tree (backend/, frontend/, services/<x>/), else of the
    project type."""
    out = _service_dirs(c)
    if out:
        return out
    pt = c.plan.field("project_type")
    if pt is not None and not pt.unresolved and re.search(r"web", pt.plain, re.I):
        prov = Provenance(source="plan", line=pt.line, text=tx.quote(pt.text))
        return [("backend", prov), ("frontend", prov)]
    return []


def manifest_workloads(c: Context) -> list[tuple[str, Provenance | None]]:
    """The workloads the plan names by their manifests, in its tree or its prose (`todo-backend-deployment.yaml`,
    `hpa-backend.yaml`: data/keywords.yaml workload_manifest_kinds), in the plan's order; a data store's
    (`postgresql-deployment.yaml`) is no service of the chart."""
    data_store = re.compile(rf"(?<![a-z])(?:{keywords().data_store_workloads})(?![a-z])")
    out: list[tuple[str, Provenance | None]] = []
    for number, text in enumerate(c.plan.lines, 1):
        for m in _manifest().finditer(text):
            name = m.group(1) or m.group(2)
            if name in [n for n, _ in out] or data_store.search(name) or not tx.is_dns_label(name):
                continue
            if c.valid_name(None, "services", "service", name, line=number):
                out.append((name, Provenance(source="plan", line=number, text=tx.quote(c.line_text(number)))))
    return out


@lru_cache(maxsize=None)
def _manifest() -> re.Pattern[str]:
    """A workload's manifest file, group 1 or 2 its name (`deployment-backend.yaml`, `todo-backend-hpa.yml`)."""
    kinds = "|".join(keywords().workload_manifest_kinds)
    return re.compile(rf"(?<![\w.-])(?:(?:{kinds})-(?!account\b)([a-z][a-z0-9-]{{0,62}}?)"
                      rf"|([a-z][a-z0-9-]{{0,62}}?)-(?:{kinds}))\.ya?ml\b")


def manifest_lines(c: Context) -> list[Passage]:
    """The plan's lines describing a workload's manifest (`service-backend.yaml: ClusterIP port 8000`), in any section:
    what they state is about that workload."""
    return [Passage(text=plain(text), starts=((0, number),)) for number, text in enumerate(c.plan.lines, 1)
            if _manifest().search(text) and not _TREE_LINE.match(text)]


def _service_dirs(c: Context) -> list[tuple[str, Provenance | None]]:
    """Services from the source tree: a top-level directory named like one (backend/, orders-api/), or a directory
    of services/, apps/ or microservices/. A tree under one directory that holds the chart (`phase-4/` with
    `phase-4/helm/todo-app/`) is read from that directory, the plan's repository root."""
    out: list[tuple[str, Provenance | None]] = []
    for tree in c.plan.trees:
        if tree.is_documentation:
            continue
        root = _wrapper_dir(tree.paths)
        for t in tree.paths:
            parts = [x for x in t.path.strip("/").split("/") if x]
            if root and parts[:1] == [root]:
                parts = parts[1:]
            if not t.path.endswith("/") or not parts:
                continue
            name = None
            if len(parts) == 1 and parts[0].lower() not in keywords().non_service_dirs | set(_SERVICE_PARENTS):
                name = parts[0].lower()
                if not tx.is_dns_label(name):
                    continue  # a top-level directory of another kind
            elif len(parts) == 2 and parts[0] in _SERVICE_PARENTS:
                name = parts[1]  # a service directory: its name as written
            if name and name not in [n for n, _ in out] and re.search(keywords().service_words, name, re.I):
                if c.valid_name(None, "services", "service", name, line=t.line):
                    out.append((name, Provenance(source="plan", line=t.line, text=tx.quote(c.line_text(t.line)))))
    return out


def _wrapper_dir(paths: list[TreePath]) -> str:
    """The one top-level directory of a tree when every path is below it and it holds a chart directory, else ""."""
    tops = {p.path.strip("/").split("/")[0] for p in paths}
    if len(tops) != 1 or not any(re.search(CHART_DIR, p.path) and p.path.count("/") > 2 for p in paths):
        return ""
    return tops.pop()


def replica_counts(c: Context) -> tuple[dict[str, int], int | None]:
    """Replica counts per service name (`2 frontend replicas`, `2 frontends @ 2 replicas`) and the first line."""
    p = c.plan
    sources = [(f.line, f.plain) for f in p.fields if not f.unresolved] + [(i.line, i.text) for i in p.constitution]
    found: dict[str, int] = {}
    first: int | None = None
    for line, text in sources:
        for m in _REPLICAS.finditer(text):
            name = (m.group(2) or m.group(3)).lower()
            n = int(m.group(1) or m.group(4))
            if name in ("backend", "frontend", "api", "web", "worker") or name.endswith("service"):
                found.setdefault(name, n)
                first = first or line
    return found, first
