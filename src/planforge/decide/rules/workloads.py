"""Workload rules: custom applications, the chart (name, layout, services) and the data store."""
from __future__ import annotations

import re
from typing import Any

from planforge.decide import text as tx
from planforge.decide.answers import Provenance, Service
from planforge.decide.context import Context
from planforge.decide.names import line_of, list_items
from planforge.decide.rules.app_statements import HEALTH_PATH, IMAGE, PORT, image_values, stated_per_service
from planforge.decide.rules.service_items import section_items, service_items
from planforge.decide.rules.service_names import (CHART_DIR, manifest_lines, manifest_workloads, named_workloads,
                                                  replica_counts, tree_services)
from planforge.decide.rules.statements import Passage, passages
from planforge.decide.rules.service_volumes import decide_service_volumes
from planforge.decide.rules.table_rows import labelled_rows
from planforge.decide.rules.values_blocks import values_of_blocks
from planforge.decide.rules.image_source import report_image_source
from planforge.decide.data import catalog, keywords
from planforge.plan.model import Field, bulleted_names, plain

def decide_workloads(c: Context, structure: str, d: dict[str, Any]) -> None:
    d = {**d, "image_registry": _image_registry(c, d), "image_pattern": _image_pattern(c)}
    _apps(c, d)
    report_image_source(c, structure)
    chart_name = _chart(c, structure, d)
    _storage(c, chart_name)
    decide_service_volumes(c)


# A plan line naming the registry the cloud's bootstrap root creates, which the default images then use.
_CLOUD_REGISTRY_WORDS = {"digitalocean": r"digital ?ocean container registry|\bdocr\b|\bregistry integration\b"}


def _image_registry(c: Context, d: dict[str, Any]) -> str:
    """The registry of the default images: none with serverless compute (the environment's own registry), the one
    the cloud's bootstrap root creates (the plan's lines naming it are applied), else data/defaults.yaml's."""
    if c.values.get("compute", "vms") != "vms":
        return ""  # serverless compute: each environment root creates the apps' image repositories
    cloud = c.values.get("cloud", "none")
    registry = d["cloud_image_registries"].get(cloud)
    if registry is None:
        return d["image_registry"]
    for number, text in enumerate(c.plan.lines, 1):
        m = re.search(_CLOUD_REGISTRY_WORDS[cloud], text, re.I)
        if m is not None:
            c.applied(number, m.group(0), "apps.image")
    return registry


# `pushed to ECR `123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/<service>``: the repository of every
# workload's image, a placeholder standing for its name
_IMAGE_PATTERN = re.compile(r"(?<![\w./-])((?:(?:[a-z0-9-]+|<[a-z_-]+>)\.)+[a-z0-9-]+(?::\d{1,5})?(?:/[a-z0-9._-]+)*/"
                            r"(?:<(?:service|app|application|name|workload)>|\{(?:service|app|application|name)\}))"
                            r"(?![\w/:@<{-])", re.I)

_HOST_PLACEHOLDER = re.compile(r"^[^/]*<")  # `<account>.dkr.ecr.eu-west-1.amazonaws.com/shop/<service>`


def _image_pattern(c: Context) -> str:
    """The image repository the plan states for every workload, `{name}` standing for the workload's name (its
    line applied), else "". Several (one registry per environment) are reported: every environment's overlay
    pulls one image name."""
    found = [(p.line_at(m.start(1)), m.group(1)) for p in passages(c.plan, every_section=True)
             for m in _IMAGE_PATTERN.finditer(p.text)]
    for line, words in [(line, words) for line, words in found if _HOST_PLACEHOLDER.match(words)]:
        c.unapplied(line, words, "the registry's host is a placeholder (an account per environment, whose registries "
                    "differ): the overlays pull the default registry's images; set `newName` in each environment's "
                    "overlay `images` to that environment's registry")
        found.remove((line, words))
    patterns = {re.sub(r"<[a-z]+>|\{[a-z]+\}", "{name}", words.lower()) for _, words in found}
    if len(patterns) > 1:
        for line, words in found:
            c.unapplied(line, words, "one image repository per environment: every environment pulls the same image "
                        "name (the overlays set its tag); set `newName` in each environment's overlay `images`")
        return ""
    for line, words in found:
        c.applied(line, words, "apps.image")
    return patterns.pop() if patterns else ""


def _service(name: str, project: str, d: dict[str, Any], **kw: Any) -> Service:
    """A service with the port and health path of its well-known name (data/defaults.yaml), overridden by kw; its
    image in the repository the plan states for every workload, else the default registry's."""
    sd = d["service_defaults"]
    base = next((k for k in sd if k != "service" and (name == k or name.startswith(k + "-") or name.endswith("-" + k))), "service")
    default_image = f"{d['image_registry']}/{project}/{name}" if d["image_registry"] else ""
    values = {"port": sd[base]["port"], "health_path": sd[base]["health_path"],
              "image": d["image_pattern"].replace("{name}", name) if d.get("image_pattern") else default_image}
    values.update({k: v for k, v in kw.items() if v is not None})
    return Service(name=name, **values)


# --------------------------------------------------------------------------- apps
def _apps(c: Context, d: dict[str, Any]) -> None:
    f = c.plan.custom_applications
    if c.unsafe_source(f, "apps"):
        c.values["apps"] = []
        return
    if f is None and c.values.get("compute", "vms") != "vms" and (_service_items(c, d) or _row_apps(c, d)):
        return
    if f is None or f.unresolved or re.fullmatch(r"(none|n/?a|-)\.?", f.plain.lower()):
        if f is not None and not f.unresolved:
            c.from_field("apps", [], f)
        else:
            c.default("apps", [], "no Custom Applications in the plan")
            _unlisted_workloads(c)
        return
    listed = bulleted_names(f) or list_items(_named_part(f.value))
    names = [n for n in listed if c.valid_name(f, "apps", "application", n, line=line_of(f, n))]
    field_passage = _field_passage(f)
    apps, stated = _read_apps(c, d, names, [field_passage, *labelled_rows(c.plan), *passages(c.plan)], field_passage)
    c.from_field("apps", apps, f)
    _note_unstated(c, "apps", apps, stated, d["image_pattern"])


# a description after an application's name: ` — the storefront`, ` - REST API`
_DESCRIBED = re.compile(r"\s[—–-]\s")


def _named_part(value: str) -> str:
    """The names of a Custom Applications value without the prose around them: a dash after the list ends it (`web,
    api — all in namespace shop, images from ...`); a dash after one name describes that one (`api - REST API, web -
    UI`), up to the next comma."""
    m = _DESCRIBED.search(value)
    if m is None:
        return value
    if "," in value[:m.start()]:
        return value[:m.start()]
    return re.sub(r"\s[—–-]\s[^,;]*", "", value)


def _read_apps(c: Context, d: dict[str, Any], names: list[str], sources: list[Passage],
               sized: Passage | None = None) -> tuple[list[Service], dict[str, dict[str, Any]]]:
    """The applications `names` with what `sources` state of each (stated_per_service), and those statements. On
    serverless compute, when some say they use the database, only they reach it (on Kubernetes, where it decides a
    namespace's egress, an application loses the database only where the plan says so: rules/database_reach)."""
    stated = stated_per_service(c, names, "apps", sources, sized=sized)
    if c.values.get("compute", "vms") != "vms" and any(s.get("database_access") for s in stated.values()):
        for n in names:
            stated.setdefault(n, {}).setdefault("database_access", False)
    apps = [_service(n, c.values["project_name"], d, replicas=1, prod_replicas=2, **stated.get(n, {})) for n in names]
    return apps, stated


def _service_items(c: Context, d: dict[str, Any]) -> bool:
    """Whether the plan, running on serverless compute with no Custom Applications, describes its applications as a
    bullet each (rules/service_items): then they are read, with what the bullets below say of them."""
    found = service_items(c.plan.lines) or section_items(c.plan.lines, c.plan.sections)
    blocks = {name: p for name, p in found.items()
              if c.valid_name(None, "apps", "application", name, line=p.starts[0][1])}
    names = list(blocks)
    apps, stated = _read_apps(c, d, names, list(blocks.values()))
    if apps:
        c.from_line("apps", apps, blocks[names[0]].starts[0][1])
        _note_unstated(c, "apps", apps, stated, d["image_pattern"])
    return bool(apps)


# a Deployment Components row listing the applications: `| Web apps | Yes | hr-api (port 8080, ...), hr-bff (...) |`
_APPS_ROW = re.compile(r"^(?:web\s*+)?(?:apps?|applications?|services|containers|microservices|workloads)(?:\s*+\(.*\))?$",
                       re.I)
_ROW_APP = re.compile(r"(?<![\w-])([a-z][a-z0-9-]{0,62})\s*+\(", re.I)


def _row_apps(c: Context, d: dict[str, Any]) -> bool:
    """Whether the plan, running on serverless compute with no Custom Applications, lists its applications in a
    Deployment Components row (`Web apps`, `Applications`, `Services`), each named before its parenthesis: then they
    are read, with what the row and the plan's statements say of them."""
    row = next((r for r in c.plan.components if _APPS_ROW.match(r.name.strip()) and r.required is not False), None)
    if row is None:
        return False
    names = list(dict.fromkeys(m.group(1).lower() for m in _ROW_APP.finditer(row.notes)))
    names = [n for n in names if c.valid_name(None, "apps", "application", n, line=row.line)]
    if not names:
        return False
    passage = Passage(text=row.notes, starts=((0, row.line),))
    apps, stated = _read_apps(c, d, names, [passage, *passages(c.plan)], passage)
    c.from_line("apps", apps, row.line)
    _note_unstated(c, "apps", apps, stated, d["image_pattern"])
    return True


def _field_passage(f: Field) -> Passage:
    """The field's words (`orders (image ghcr.io/acme/orders, port 8080)`) with the line of each continuation line."""
    starts, at = [(0, f.line)], 0
    for extra in f.extra_lines:
        found = f.plain.find(plain(extra.text).strip(), at)
        if found == at == 0:
            starts = [(0, extra.line)]  # the label's line holds no value: the words start on the first item's line
        elif found > at:
            starts.append((found, extra.line))
            at = found
    return Passage(text=f.plain, starts=tuple(starts))


_KIND_LIST = re.compile(r"\bDeployments?\s?\(([a-z0-9][a-z0-9, -]{0,200})\)")


def _unlisted_workloads(c: Context) -> None:
    """Workloads the plan lists as Deployments (`Deployments (backend, frontend)`) with no Custom Applications
    to generate them from: reported, never dropped silently (a chart plan's services are read elsewhere)."""
    if c.values.get("structure") not in ("multi-tool", "multi-tenant"):
        return
    for p in passages(c.plan):
        for m in _KIND_LIST.finditer(p.text):
            names = [n.strip() for n in m.group(1).split(",") if tx.is_dns_label(n.strip())]
            if names:
                c.unapplied(p.line_at(m.start()), m.group(0), "the plan's own workloads are generated from Custom "
                            f"Applications, which the plan does not fill: list {', '.join(names)} there to get a "
                            "Deployment, Service and overlays each")


# --------------------------------------------------------------------------- chart
def _chart(c: Context, structure: str, d: dict[str, Any]) -> str:
    """Chart name, layout and services of a helm-chart plan; the chart name ("" for other structures)."""
    if structure != "helm-chart":
        for name, note in (("chart_name", ""), ("chart_layout", "single"), ("services", [])):
            c.default(name, note, "not a helm-chart plan")
        return ""
    chart_name, chart_src = _chart_name_and_layout(c)
    _services(c, chart_name, chart_src, d)
    return chart_name


def _chart_dirs(c: Context) -> tuple[list[tuple[str, int]], int | None]:
    """Chart directories of the tree (`charts/<x>/`, `helm/<x>/` ...) with their lines, and the line of a chart
    at `charts/` itself (Chart.yaml directly below). A chart directory that is not a valid name is refused at its
    line."""
    chart_dirs: list[tuple[str, int]] = []
    root_chart_line = None
    for t in c.plan.source_paths:
        m = re.search(CHART_DIR, t.path)
        if m and m.group(1) not in ("templates", "platforms", "charts", "crds") and m.group(1) not in [x for x, _ in chart_dirs]:
            if c.valid_name(None, "chart_name", "chart", m.group(1), line=t.line):
                chart_dirs.append((m.group(1), t.line))
        if re.search(r"(?:^|/)(?:charts|helm|chart)/Chart\.yaml$", t.path):
            root_chart_line = root_chart_line or t.line
    return chart_dirs, root_chart_line


def _chart_name_and_layout(c: Context) -> tuple[str, Field | None]:
    """Decide chart_layout and chart_name; the name and the Structure Decision when it named the chart."""
    project = c.values["project_name"]
    sd = c.plan.structure_decision
    sd_text = sd.plain if sd and not sd.unresolved else ""
    chart_dirs, root_chart_line = _chart_dirs(c)
    named = re.search(r"charts?/([a-z0-9][a-z0-9-]*)/?", sd_text)
    per_service = bool(re.search(r"per[- ]service|each service|one (?:helm )?chart per|separate (?:helm )?charts", sd_text, re.I))
    single = bool(re.search(r"umbrella|single (?:helm )?chart|one (?:helm )?chart\b(?! per)", sd_text, re.I))
    if named and (named.group(1) not in ("templates",)):
        chart_name, chart_src = named.group(1), sd
    elif chart_dirs and not root_chart_line:
        chart_name, chart_src = chart_dirs[0][0], None
    else:
        chart_name, chart_src = project[:53].strip("-"), None
    layout = "single" if single else "per-service" if per_service or len(chart_dirs) > 1 else "single"
    if per_service or single:
        c.from_field("chart_layout", layout, sd)
    elif chart_dirs:
        c.from_line("chart_layout", layout, chart_dirs[0][1])
    else:
        c.default("chart_layout", layout, "one chart for all services")
    if layout == "per-service" and not named:
        chart_name, chart_src = project[:53].strip("-"), None
    if chart_src is not None:
        c.valid_name(chart_src, "chart_name", "chart", chart_name)
        c.from_field("chart_name", chart_name, chart_src)
    elif chart_dirs and chart_name == chart_dirs[0][0]:
        c.from_line("chart_name", chart_name, chart_dirs[0][1])
    else:
        c.default("chart_name", chart_name, "named after the project")
    return chart_name, chart_src


def _services(c: Context, chart_name: str, chart_src: Field | None, d: dict[str, Any]) -> None:
    """One service with the image, port and health path the plan states, else the services of the source tree, else
    the workloads a sentence names each with its own image."""
    p = c.plan
    project = c.values["project_name"]
    fields = [p.structure_decision, *p.fields]
    img = tx.first_hit(IMAGE, fields, negatable=False)
    port = tx.first_hit(PORT, fields, negatable=False)
    health = tx.first_hit(HEALTH_PATH, fields, negatable=False)
    manifests = manifest_workloads(c)
    if manifests:  # and those a sentence names with their images, in its order when it names every one
        named = named_workloads(c)
        first, then = (named, manifests) if {n for n, _ in manifests} <= {n for n, _ in named} else (manifests, named)
        services = first + [m for m in then if m[0] not in [n for n, _ in first]]
    else:
        services = tree_services(c)
        named = [] if services else named_workloads(c)
        services = services or named
    replicas, replicas_line = replica_counts(c)
    prose = None if img or services else _one_image_in_prose(c)
    if (img and not named and not manifests) or prose or (not services and chart_src is not None):
        stated: dict[str, Any] = image_values(c, img.match, img.field.line) if img else prose[0] if prose else {}
        if port:
            stated["port"] = int(re.search(r"\d+", port.match).group(0))
        svc = _service(chart_name, project, d, **stated,
                       health_path=re.search(r"/[A-Za-z0-9._~/-]*", health.match).group(0).rstrip(".") if health else None)
        if prose:
            c.from_line("services", [svc], prose[1])
        else:
            c.from_field("services", [svc], img.field if img else chart_src)
        _note_unstated(c, "services", [svc], {svc.name: {**stated, **({"health_path": True} if health else {})}},
                       d["image_pattern"])
        return
    if not services and _deploys_components_only(c):
        return
    if not services:
        services = [(chart_name, None)]
    names = [name for name, _ in services]
    stated = stated_per_service(c, names, sources=[*labelled_rows(c.plan), *passages(c.plan, every_section=True),
                                                   *manifest_lines(c)])
    for name, values in values_of_blocks(c, names).items():  # what the sentences leave
        own = stated.setdefault(name, {})
        own.update({k: v for k, v in values.items() if k not in own and not (k == "tag" and "image" in own)})
    out = []
    for name, _ in services:
        own = dict(stated.get(name, {}))
        r = own.pop("replicas", None) or replicas.get(name) or next(
            (v for k, v in replicas.items() if name.startswith(k) or k.startswith(name)), None)
        prod = own.pop("prod_replicas", None) or max(2, r or 1)
        out.append(_service(name, project, d, replicas=r, prod_replicas=prod, **own))
    src = next((s for _, s in services if s is not None), None)
    if src is not None:
        c.set("services", out, src)
    else:
        c.default("services", out, "one service named after the chart")
    if replicas_line:
        c.provenance["services"] = c.provenance["services"].model_copy(
            update={"note": f"replicas from plan line {replicas_line}: {tx.quote(c.line_text(replicas_line))}"})
    _note_unstated(c, "services", out, stated, d["image_pattern"])


def _note_unstated(c: Context, answer: str, services: list[Service], stated: dict[str, dict[str, Any]],
                   image_pattern: str) -> None:
    """Add to the answer's provenance what the plan does not state of each service: its image, port and health path
    are then planforge's defaults for its name, which nothing guarantees exist (an image no registry holds never
    starts). `image_pattern`: the repository the plan states for every workload's image ("" when none)."""
    invented = []
    for svc in services:
        given = stated.get(svc.name, {})
        if image_pattern and svc.image == image_pattern.replace("{name}", svc.name):
            given = {"image": True, **given}
        image = f"image {svc.image}:{svc.tag}" if svc.image else f"tag {svc.tag} in the environment's own registry"
        parts = [image if "image" not in given else "" if "tag" in given else f"tag {svc.tag}",
                 f"port {svc.port}" if "port" not in given and svc.inbound else "",
                 f"health path {svc.health_path}" if "health_path" not in given and svc.inbound else ""]
        if not any(parts):
            continue
        invented.append(f"{svc.name}: " + ", ".join(part for part in parts if part))
    if not invented:
        return
    first = "apply" if c.values.get("compute", "vms") != "vms" else "sync"
    c.add_note(answer, f"not in the plan, so planforge's defaults for the names, which you set before the first {first} "
               "since an image no registry holds never starts: " + "; ".join(invented))


def _one_image_in_prose(c: Context) -> tuple[dict[str, Any], int] | None:
    """The image (and the port of its sentence) when the plan's prose states exactly one and names no workload
    for it (`Package the chart (image ghcr.io/acme/legacy-api:2.0, port 8080)`), with its line."""
    image_rx, port_rx = re.compile(IMAGE, re.I), re.compile(PORT, re.I)
    found: list[tuple[str, int, str]] = []
    for p in passages(c.plan):
        for m in image_rx.finditer(p.text):
            if m.group(0) not in [ref for ref, _, _ in found]:
                found.append((m.group(0), p.line_at(m.start()), tx.sentence_at(p.text, m.start(), m.end())))
    if len(found) != 1:
        return None
    ref, line, sentence = found[0]
    values: dict[str, Any] = image_values(c, ref, line)
    c.applied(line, ref, "services")
    port = port_rx.search(sentence)
    if port:
        values["port"] = int(port.group(1))
        c.applied(line, port.group(0), "services")
    return values, line


def _deploys_components_only(c: Context) -> bool:
    """A plan titled after a catalog component it deploys (`ArgoCD Deployment Infrastructure`), or deploying an
    upstream chart, and naming no service of its own deploys those charts: no service named after the project is
    invented."""
    h = c.plan.header
    deployed = {x.name for x in c.values.get("components", [])}
    named = [name for _, name in catalog().mentioned(h.title)] if h.title_line else []
    if any(n in deployed for n in named):
        c.set("services", [], Provenance(source="plan", line=h.title_line, text=tx.quote(c.line_text(h.title_line)),
                                         note=f"the plan deploys the catalog component {named[0]}, no service of its own"))
        return True
    upstream = [x.name for x in c.values.get("components", []) if catalog().chart(x.name) is None]
    if not upstream:
        return False
    line = c.component_rows[upstream[0]].line
    prov = Provenance(source="plan", line=line, text=tx.quote(c.line_text(line)),
                      note=f"the plan deploys the upstream chart {upstream[0]}, no service of its own")
    c.set("services", [], prov)
    c.set("chart_name", c.values["chart_name"], prov.model_copy(update={"note": "no chart is generated: " + prov.note}))
    return True


# --------------------------------------------------------------------------- storage
def _storage(c: Context, chart_name: str) -> None:
    """The data store: a Storage/Database field (data/keywords.yaml storage_kinds), else a Database row."""
    p = c.plan
    fields = [f for f in p.fields if f.key in ("storage", "database") and not f.unresolved]
    for f in fields:
        text = f.plain.lower()
        if not re.search(r"postgres|mysql|database|\bdb\b", text):
            continue
        kinds = [(m.start(), kind) for kind, rx in keywords().storage_kinds.items()
                 for m in re.finditer(rx, text) if not _NOT_THIS.search(text[:m.start()])]
        if not kinds:
            continue
        kind = min(kinds)[1]
        if kind == "managed-service":
            kind = "external-postgresql" if c.values.get("iac_tool", "none") == "none" else "managed-postgresql"
        c.from_field("storage", kind, f)
        if kind == "external-postgresql":
            named = _SECRET_NAME.search(f.text)
            c.from_field("database_secret", named.group(1) if named else f"{chart_name or c.values['project_name']}-db", f)
        elif kind == "in-cluster-postgresql":
            c.default("database_secret", "", "in-cluster database: the release runs it; its credentials Secret "
                      "(username, password) is created outside the repository")
        else:
            c.default("database_secret", "", "managed database: credentials from the secrets manager")
        return
    row = next((r for m, r in c.modules if m == "database"), None)
    if row is not None:
        c.set("storage", "managed-postgresql" if re.search(r"postgres", row.name + row.notes, re.I) else "managed-database",
              Provenance(source="plan", line=row.line, text=tx.quote(row.text)))
        c.default("database_secret", "", "managed database: credentials from the secrets manager")
        return
    if c.values.get("structure") == "single-iac" and not any(_DATABASE_WORD.search(raw) for raw in _stating_lines(c)):
        c.default("storage", "no-database", "the plan names no database, so the single root builds none")
    else:
        c.default("storage", "", "no data store in the plan")
    c.default("database_secret", "", "no database")


# `N/A in-cluster`, `no in-cluster database`, `(replaces Neon PostgreSQL)`: the words of a kind the plan rules out or
# leaves behind
_NOT_THIS = re.compile(r"(?:\bn/a|\bno|\bnot|\bwithout|\bnone|\breplac(?:es|ing|ed)|\binstead\s+of|\brather\s+than"
                       r"|\bmigrat(?:es|ing|ed)?\s+from|\bmov(?:es|ing|ed)?\s+(?:off|from))\W{0,3}$", re.I)
# the Secret holding the external database's connection string, as the plan names it
_SECRET_NAME = re.compile(r"\bsecret\s++`([a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?)`", re.I)


def _stating_lines(c: Context) -> list[str]:
    """The plan's lines that can state what the system is made of: not Complexity Tracking (a justification)."""
    skipped = c.plan.section_lines("complexity tracking")
    return [raw for number, raw in enumerate(c.plan.lines, 1) if number not in skipped]


# a line asking for a database of the system's own (DynamoDB: Terraform's state lock, not the application's)
_DATABASE_WORD = re.compile(r"\b(?:databases?|rds|aurora|cloud\s*+sql|postgres(?:ql)?|mysql|mariadb|sql\s*+server|"
                            r"cosmos\s*+db|azure\s*+sql|autonomous\s*+db)\b", re.I)
