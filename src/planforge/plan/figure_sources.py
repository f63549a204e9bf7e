"""The lines of a plan its figures (sizes, counts, rates) are read from, and the apps they may be about."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

from planforge.plan import figures
from planforge.plan.fields import canonical_key, column_cell, is_context, match_field
from planforge.plan.markdown_blocks import Block, clean
from planforge.plan.model import Plan, bulleted_names, is_unresolved
from planforge.yamlio import package_data

_NO_FIGURES = re.compile(r"summary|complexity", re.I)  # prose and justifications: never answers
_SUMMARY = re.compile(r"summary", re.I)
# the figures a Summary's prose states as plainly as a field would: how many availability zones the system spans
_SUMMARY_KINDS = ("zones",)
_APP_PARENTS = ("services", "apps", "microservices", "charts", "helm", "helm-charts")
_NO_APP_DIRS = ("base", "bases", "overlays", "common", "shared", "templates")
_REQUIREMENT = re.compile(r"\b(?:N?FR|SC)-\d{1,4}")  # FR-001, NFR-3, SC-005
_PARENTHESES = re.compile(r"\([^()]*\)")  # an innermost parenthesis: `storefront-web (port 3000, 0.5 vCPU)`
# a column of requests and limits (`| Requests → Limits |`, `| CPU request / limit |`): each cell read after the
# words naming its parts
_ROLE_HEADER = re.compile(r"\brequests?\b|\blimits?\b", re.I)
# a column of counts: its unit (an autoscaler's column, `| HPA min-max (prod) |`, counts replicas)
_COUNT_HEADER = re.compile(r"^\W*(nodes|replicas|tasks|instances|pods|hpa|autoscal\w*)\b", re.I)
_REPLICA_HEADERS = ("hpa", "autoscal")
# a column of one environment's figures: its header names the environment in parentheses (`| HPA min-max (prod) |`)
_HEADER_ENVIRONMENT = re.compile(r"\(\s*([a-z][a-z-]{1,20})(?:\s+only)?\s*\)", re.I)
# (`| Staging replicas | Prod replicas |`: the environment before what the column counts)
_LEADING_ENVIRONMENT = re.compile(r"^\W*([a-z][a-z-]{1,20})\s+(?=(?:nodes|replicas|tasks|instances|pods)\b)", re.I)
# (`| Replicas staging | Replicas production |`: the environment after what the column counts)
_TRAILING_ENVIRONMENT = re.compile(r"^\W*(?:nodes|replicas|tasks|instances|pods)\s+(?:in\s+)?([a-z][a-z-]{1,20})\W*$", re.I)
_BARE_COUNT = re.compile(r"^\s*\d+(?:\s*(?:to|-|–)\s*\d+)?\s*$")  # `2`, `0 to 2`, `2-6`
# a row of counts: its first cell names what it counts (`Node group`, `Replicas`), maybe after the app it counts
# (`checkout-web replicas`)
_COUNTING_ROW = re.compile(r"^\W*(?:[a-z0-9][\w-]{0,62}\s+)?(node|replica|task|instance|pod)s?\b", re.I)
# a cell's leading count in a row of counts, before the end, a comma, a parenthesis or an environment's `in`
# (`2-10, target 70% CPU`, `2-6 (HPA on CPU)`, `1 in dev, 3 in prod`)
_LEADING_COUNT = re.compile(r"^\s*(\d+(?:\s*(?:to|-|–)\s*\d+)?)(?=\s*(?:$|[,;(]|in\s))")
_TIMES_COUNT = re.compile(r"^\s*(\d+(?:\s*(?:to|-|–)\s*\d+)?)\s*[×x]\s")  # `3–6 × m6i.large`
_APPS_SECTION = re.compile(r"^(?:the\s+)?(?:services|applications|apps|workloads|containers)\b", re.I)  # `## Services`
_FIGURE_LABELS = {"constraints", "performance_goals", "storage", "scale_scope", "database", "capacity", "sizing"}
# a section about the database (`## Data: RDS PostgreSQL`, `### Database`): its lines state the engine and its sizes
_DATABASE_HEADING = re.compile(r"\b(?:databases?|rds|aurora|postgres(?:ql)?|mysql|mariadb|cloud\s+sql)\b", re.I)
# a subsection of figures: one of those, or about the database or its backups (`### Database settings`)
_FIGURE_SUBSECTION = re.compile("|".join(sorted(_FIGURE_LABELS)) + r"|(?:databases?|backups?)(?:_\w+)?$")


def read_figures(plan: Plan, blocks: list[Block]) -> None:
    """The figures of the Technical Context, a section of the applications (`## Services`), every table row,
    requirement lines (FR-xxx, NFR-xxx) and Constraints/Performance/Storage/Scale lines, outside code fences, the
    header, the Summary (but its zone counts, `spread over three availability zones`) and Complexity Tracking; the
    apps and services the plan names are their subjects."""
    first_h2 = next((s.line for s in plan.sections if s.level == 2), None)
    if first_h2 is None:
        return
    apps = _named_apps(plan)
    sources: list[figures.Source] = []
    summary: list[figures.Source] = []
    headed: set[tuple[int, str]] = set()  # (line, unit) of the table cells given their column's unit
    caption = ""  # what the paragraph right before a table says its cells count (`Replicas:`)
    for b in blocks:
        said, caption = caption, _caption_unit(b)
        if b.kind in ("para", "item") and _SUMMARY.search(b.section) and b.lines[0].line >= first_h2:
            summary += [figures.Source(src.line, clean(src.text), "") for src in b.lines]
        if b.kind not in ("para", "item", "table") or _NO_FIGURES.search(b.section) or b.lines[0].line < first_h2:
            continue
        if b.kind == "table":
            headers = [_scaling_header(cell, b.subsection or b.section) for cell in b.rows[0][1]]
            headers = _captioned(headers, said)
            readers = [_cell_reader(cell) for cell in headers]
            units = [_count_unit(cell) for cell in headers]
            envs = environment_columns(headers)
            column_envs = [_header_environment(cell) for cell in headers]
            stored = [_lent_words(cell) for cell in headers]
            bounds = _bound_columns(headers)
            env_column = _environment_column(headers)
            for line, cells in b.rows[1:]:
                cells = _joined_bounds(cells, bounds)
                lent = _lent_units(cells, units, _COUNTING_ROW.search(cells[0]) if cells else None)
                read = [readers[k](cell) if k < len(readers) else cell for k, cell in enumerate(cells)]
                row_envs = [] if envs else _row_environment(cells, env_column)
                if row_envs:  # each clause of a cell (`CPU request 100m, CPU limit 500m`) is the row's environment's
                    read = [re.sub(r",\s+", f", {env}: ", cell) if env else cell for cell, env in zip(read, row_envs)]
                counted = _with_environment([_with_lent(cell, unit, env) for cell, unit, env
                                             in zip(read, lent, column_envs + [""] * (len(read) - len(column_envs)))],
                                            envs or row_envs)
                counted = [f"{words} {cell}" if words and cell.strip() else cell
                           for cell, words in zip(counted, stored + [""] * (len(counted) - len(stored)))]
                headed |= {(line, unit) for unit in lent if unit}
                sources.append(figures.Source(line, _retained_days(" | ".join(counted)), re.sub(r"[*`]", "", cells[0]) if cells else ""))
            continue
        context = (is_context(b.section) or is_context(b.subsection) or _APPS_SECTION.match(b.section.strip()) is not None
                   or _FIGURE_SUBSECTION.match(canonical_key(b.subsection)) is not None
                   or _DATABASE_HEADING.search(b.subsection or b.section) is not None)
        label = ""
        app = _opening_app(b, apps) if context else None
        if app is not None:  # a wrapped bullet about one application: read whole, its figures that application's
            sources.append(_joined(b, app))
            continue
        if context and _wrapped(b):  # a sentence wrapped over lines (`..., 14-day` over `backup retention in prod`)
            m = match_field(b.lines[0].text)
            if not (m and is_unresolved(m[1])):
                sources.append(_joined(b, m[0] if m else ""))
            continue
        for src in b.lines:
            m = match_field(src.text)
            if m and is_unresolved(m[1]):
                continue  # the template's example figures
            label = m[0] if m else label if b.kind == "item" else ""
            if (context or _REQUIREMENT.search(src.text) or canonical_key(label) in _FIGURE_LABELS
                    or (b.kind == "item" and _names_manifest(src.text)) or _sizes_app(src.text, apps)):
                sources.append(figures.Source(src.line, clean(src.text), label))
    said = [f for f in figures.extract(summary, set()) if f.kind in _SUMMARY_KINDS]
    plan.figures = [_own_words(f, headed) for f in figures.extract(sources, apps)] + said


# `daily at 02:00 UTC, 7 retained`: a daily backup's count kept is its retention in days
_DAILY_RETAINED = re.compile(r"(\bdaily\b[^|;]{0,60}?)\b(\d{1,4})\s+(?:retained|kept)\b", re.I)


def _retained_days(text: str) -> str:
    """A daily backup's count kept read as days of retention (`daily at 02:00 UTC, 7 retained`: `7 days retained`)."""
    return _DAILY_RETAINED.sub(r"\1\2 days retained", text)


def _flat(text: str) -> str:
    """A line as figures.extract reads it (no code or bold marks, single spaces)."""
    return re.sub(r"\s+", " ", clean(text).replace("`", "").replace("**", "")).strip()


def _opening_app(b: Block, apps: set[str]) -> str | None:
    """The application a wrapped bullet opens with (`- **orders-web** — the storefront ... 2 replicas in` over `dev,
    4 in prod.`), else None."""
    if b.kind != "item" or len(b.lines) < 2 or not apps:
        return None
    m = re.match(r"(?:[-*+]|\d{1,3}[.)])?\s*([a-z0-9][\w.-]*)(?![\w-])", _flat(b.lines[0].text).lower())
    return m.group(1) if m and m.group(1) in apps else None


def _wrapped(b: Block) -> bool:
    """A bullet whose later lines continue its first (none of them a field of its own)."""
    return b.kind == "item" and len(b.lines) > 1 and not any(match_field(src.text) for src in b.lines[1:])


def _joined(b: Block, label: str) -> figures.Source:
    """The bullet's lines as one source with its label (its application, or its field), each line's figures kept at
    their line."""
    text, starts = "", []
    for src in b.lines:
        if text:
            starts.append((len(text) + 1, src.line))
        text = f"{text} {_flat(src.text)}" if text else _flat(src.text)
    return figures.Source(b.lines[0].line, text, label, tuple(starts))


@lru_cache(maxsize=None)
def _workload_manifest() -> re.Pattern[str]:
    """A workload's manifest file (`deployment-backend.yaml`, `backend-hpa.yaml`: keywords.yaml
    workload_manifest_kinds): an item describing one states that workload's figures (`2 replicas`)."""
    kinds = "|".join(package_data("keywords.yaml")["workload_manifest_kinds"])
    return re.compile(rf"(?<![\w.-])(?:(?:{kinds})-[a-z][a-z0-9-]*|[a-z][a-z0-9-]*-(?:{kinds}))\.ya?ml\b")


@lru_cache(maxsize=None)
def _storage_header() -> re.Pattern[str]:
    """A column of storage sizes (keywords.yaml `service_volume.column`, maybe after what it stores: `| DB storage |`):
    its sizes are storage, never memory."""
    column = package_data('keywords.yaml')['service_volume']['column']
    return re.compile(rf"^\W*(?:[a-z][\w-]*\s+)?(?:{column})\W*$", re.I)


def _lent_words(header: str) -> str:
    """The words the cells of a column of storage sizes or recovery figures are read after (`DB storage`, `Backup
    retention`: `| 14 days |` is a retention), "" for another column."""
    words = clean(header).strip()
    keywords = figures.vocabulary().keywords
    said = any(keywords[kind].search(words) for kind in ("retention", "rpo", "rto"))
    return words if _storage_header().match(words) or (said and len(words) <= 40) else ""


def _sizes_app(text: str, apps: set[str]) -> bool:
    """A line anywhere that counts an application's replicas (`web-frontend runs dev 1 / prod 3 replicas`)."""
    return bool(apps) and _REPLICA_WORD.search(text) is not None and _app_words(frozenset(apps)).search(text) is not None


_REPLICA_WORD = re.compile(r"\breplicas?\b", re.I)


@lru_cache(maxsize=8)
def _app_words(apps: frozenset[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(a) for a in sorted(apps, key=len, reverse=True)) + r")(?![\w-])",
                      re.I)


def _names_manifest(text: str) -> bool:
    return _workload_manifest().search(text) is not None


def _lent_units(cells: list[str], units: list[re.Match[str] | None], row: re.Match[str] | None = None) -> list[str]:
    """The unit each cell's count takes ("" for none): a bare or leading count in a column whose header names what it
    counts (`| Replicas per app |` over `| 0 to 2 |`, `| 2-6 (HPA) |`) takes that unit, as if the cell said `0 to 2
    replicas`; so does a
    count before `×` or leading a cell in a row whose first cell names what it counts (`| Node group | 3–6 ×
    m6i.large |` reads `3–6 nodes × m6i.large`, `| checkout-web replicas | 1 |` reads `1 replicas`)."""
    column = [_counted(unit.group(1)) if unit is not None and (_BARE_COUNT.match(cell) or _LEADING_COUNT.match(cell))
              else "" for cell, unit in zip(cells, units + [None] * (len(cells) - len(units)))]
    if row is None:
        return column
    unit = row.group(1).lower().rstrip("s") + "s"
    return column[:1] + [lent or (unit if _TIMES_COUNT.match(cell) or _LEADING_COUNT.match(cell) else "")
                         for cell, lent in zip(cells[1:], column[1:])]


def _cell_reader(header: str) -> Callable[[str], str]:
    """How the cells of the column headed `header` read: `Requests → Limits` names the parts of each cell, `Replicas
    dev / prod` the environment of each count; any other column's cells read as written."""
    per = _slashed_environments(header)
    if per is not None:
        return lambda cell: _per_environment_cell(cell, per)
    roles = slashed_roles(header)
    if roles is not None:
        return lambda cell: _range_cell(cell, *roles)
    if _ROLE_HEADER.search(header):
        return lambda cell: column_cell(clean(header), _BARE_CORES.sub(r"\1 CPU /", cell.strip())) if cell.strip() else cell
    return lambda cell: cell


# a request or limit cell's CPU written as bare cores before its memory (`| 1 / 512Mi |`): `1 CPU / 512Mi`
_BARE_CORES = re.compile(r"^(\d{1,3}(?:\.\d{1,3})?)\s*/(?=\s*\d{1,6}\s*(?:[KMGT]i?B?)\b)", re.I)


# a column of one bound of a count (`| Nodes (min) |`, `| Max nodes |`): (min|max, unit)
_BOUND_HEADER = re.compile(r"^\W*(?:(?P<before>min|max)\w*\W+)?(?P<unit>node|replica|task|instance|pod)s?(?:\s+count)?"
                           r"(?:\W+(?P<after>min|max)\w*)?(?:\s*\([^()]{1,30}\))?\W*$", re.I)


def _bound_columns(headers: list[str]) -> list[tuple[int, int, str]]:
    """(minimum's column, maximum's column, unit) of each count whose bounds a table states in two columns (`| Nodes
    (min) | Nodes (max) |`, `| Min nodes | Max nodes |`); the unit names the environment a header gives (`| Min replicas
    (prod) |`: `replicas in prod`)."""
    bounds: dict[str, dict[str, int]] = {}
    for k, header in enumerate(headers):
        m = _BOUND_HEADER.match(clean(header).replace("`", ""))
        if m is not None and bool(m["before"]) != bool(m["after"]):
            bounds.setdefault(m["unit"].lower() + "s", {})[(m["before"] or m["after"]).lower()] = k
    return [(b["min"], b["max"], f"{unit} in {env}" if (env := _header_environment(headers[b["min"]])) else unit)
            for unit, b in bounds.items() if "min" in b and "max" in b]


def _joined_bounds(cells: list[str], bounds: list[tuple[int, int, str]]) -> list[str]:
    """The row with each count stated in two columns as one range in the minimum's column (`| 3 | 9 |`: `| 3-9 nodes |
    |`), so the two bounds read as one count; other cells as written."""
    cells = list(cells)
    for low, high, unit in bounds:
        if max(low, high) < len(cells) and all(re.fullmatch(r"\s*\d+\s*", cells[k]) for k in (low, high)):
            cells[low], cells[high] = f"{cells[low].strip()}-{cells[high].strip()} {unit}", ""
    return cells


# a column of counts per environment (`| Replicas dev / prod |` over `| 1 / 3 |`)
# (`| HPA min-max dev / staging / prod |`: an autoscaler's ranges, replicas)
_SLASHED_HEADER = re.compile(r"^\W*(nodes|replicas|tasks|instances|pods|hpa|autoscal\w*)(?:\W+(?:min-?max|ranges?))?"
                             r"\W+([a-z][\w-]*(?: ?/ ?[a-z][\w-]*)+)\W*$", re.I)
# one environment's part of such a cell: a count or range, or none (`off`, `-`)
_PART = re.compile(r"^\s*(?:(?P<count>\d{1,4}(?:\s*(?:-|–|to)\s*\d{1,4})?)|off|none|no|-|—)\s*$", re.I)
_SLASHED_CELL = re.compile(r"^\s*(\d{1,4}(?: ?/ ?\d{1,4})+)(?![\w/])")
_TYPED_SLASHED_CELL = re.compile(r"^\s*[a-z][\w.-]{1,30},\s*(\d{1,4}(?: ?/ ?\d{1,4})+)(?![\w/])", re.I)


# a column of node counts by role (`| Nodes (min / desired / max) |` over `| 2 / 2 / 4 |`)
# (`| Node group (instance, min/desired/max) |` over `| t3.large, 1/2/3 |`: a node group's instance type, then its counts)
_ROLED_HEADER = re.compile(r"^\W*(nodes|node\s+(?:group|pool)s?|replicas|tasks|instances|pods)\W+(?:instance(?:\s+type)?\W+)?"
                           r"((?:min|desired|max)\w*(?: ?/ ?(?:min|desired|max)\w*)+)\W*$", re.I)


def slashed_roles(header: str) -> tuple[str, list[str]] | None:
    """(unit, roles) of a column counting by role (`Nodes (min / desired / max)`: nodes, [min, desired, max])."""
    m = _ROLED_HEADER.match(clean(header).replace("`", ""))
    if m is None:
        return None
    unit = "nodes" if m.group(1).lower().startswith("node") else m.group(1).lower()
    return unit, [role.strip().lower()[:3] for role in m.group(2).split("/")]


def slashed_counts(cell: str) -> tuple[str, list[str], str] | None:
    """(what precedes, counts, what follows) of a cell of slashed counts (`2 / 2 / 4`; `t3.large, 1/2/3` after an
    instance type and a comma), None for another cell."""
    m = _SLASHED_CELL.match(cell) or _TYPED_SLASHED_CELL.match(cell)
    if m is None:
        return None
    return cell[:m.start(1)], re.split(r"\s*/\s*", m.group(1)), cell[m.end():]


def _range_cell(cell: str, unit: str, roles: list[str]) -> str:
    """`2 / 2 / 4` under `Nodes (min / desired / max)`: `2-4 nodes` (the minimum and maximum; the desired count is
    where an autoscaler starts); a cell of another shape reads as written."""
    before, counts, after = slashed_counts(cell) or ("", [], "")
    if len(counts) != len(roles) or "min" not in roles or "max" not in roles:
        return cell
    low, high = counts[roles.index("min")], counts[roles.index("max")]
    return f"{before}{low}-{high} {unit}{after}" if low != high else f"{before}{low} {unit}{after}"


def _slashed_environments(header: str) -> tuple[str, str] | None:
    """(unit, `dev/prod`) of a column counting per environment, when every word after the unit is an environment."""
    m = _SLASHED_HEADER.match(clean(header).replace("`", ""))
    envs = figures.vocabulary().environments
    if m is None or not all(w.strip().lower() in envs for w in m.group(2).split("/")):
        return None
    return _counted(m.group(1).lower()), re.sub(r"\s+", "", m.group(2))


def _per_environment_cell(cell: str, per: tuple[str, str]) -> str:
    """`1 / 3 (HPA in prod)` under `Replicas dev / prod`: `1/3 replicas in dev/prod (HPA in prod)`; one count, `2`, is
    every environment's: `2 replicas`."""
    m = _SLASHED_CELL.match(cell)
    if m is None:
        return _per_environment_ranges(cell, per) or _with_lent(cell, per[0])
    counts = re.sub(r"\s+", "", m.group(1))
    return f"{counts} {per[0]} in {per[1]}{cell[m.end():]}"


def _per_environment_ranges(cell: str, per: tuple[str, str]) -> str:
    """`off / 2-4 / 3-10` under `HPA min-max dev / staging / prod`: `staging 2-4 / prod 3-10 replicas` (the environments
    with none keep their count); "" when the cell is no such list."""
    envs, parts = per[1].split("/"), cell.split("/")
    found = [_PART.match(part) for part in parts]
    if len(parts) != len(envs) or not all(found):
        return ""
    pairs = [f"{env} {m.group('count')}" for env, m in zip(envs, found) if m and m.group("count")]
    if len(pairs) == 1:
        count, env = pairs[0].split(" ", 1)[1], pairs[0].split(" ", 1)[0]
        return f"{count} {per[0]} in {env}"
    return f"{' / '.join(pairs)} {per[0]}" if pairs else ""


def _counted(header_word: str) -> str:
    """The unit a column's header lends its counts: `replicas` for an autoscaler's column."""
    return "replicas" if header_word.lower().startswith(_REPLICA_HEADERS) else header_word


def _header_environment(header: str) -> str:
    """The environment a column's header names in parentheses (`HPA min-max (prod)`), before what it counts
    (`Staging replicas`) or after it (`Replicas staging`), else ""."""
    plain_header = clean(header).replace("`", "")
    m = (_HEADER_ENVIRONMENT.search(header) or _LEADING_ENVIRONMENT.match(plain_header)
         or _TRAILING_ENVIRONMENT.match(plain_header))
    return m.group(1) if m and m.group(1).lower() in figures.vocabulary().environments else ""


# a paragraph of one line naming what the table after it counts (`Replicas:`, `Replica counts per environment:`)
_CAPTION = re.compile(r"^\W*(replica|node|task|instance|pod)s?\b[\w\s()-]{0,40}:\s*$", re.I)


def _caption_unit(b: Block) -> str:
    """The count a one-line paragraph says the table after it holds (`Replicas:`: replicas), else ""."""
    if b.kind != "para" or len(b.lines) != 1:
        return ""
    m = _CAPTION.match(clean(b.lines[0].text))
    return f"{m.group(1).lower()}s" if m else ""


def _captioned(headers: list[str], unit: str) -> list[str]:
    """The headers of a table its caption says counts `unit`, each environment column's as `<env> <unit>` (`| Service
    | dev | prod |` under `Replicas:`: `dev replicas`, `prod replicas`)."""
    if not unit:
        return headers
    envs = environment_columns(headers)
    return [f"{clean(h)} {unit}" if k and envs and k < len(envs) and envs[k] else h for k, h in enumerate(headers)]


def _scaling_header(header: str, heading: str) -> str:
    """A bare `Min` or `Max` column under an autoscaling heading (`### Autoscaling (prod only)`) as the bound of a
    replica count, of the heading's environment: `Min replicas (prod)`; under a node groups heading (`### Managed
    node groups`), of a node count: `Min nodes`."""
    if not _BARE_BOUND.match(clean(header)):
        return header
    if _NODE_GROUP_HEADING.search(heading):
        return f"{clean(header)} nodes"
    if not _SCALING_HEADING.search(heading):
        return header
    env = _header_environment(heading)
    return f"{clean(header)} replicas" + (f" ({env})" if env else "")


_BARE_BOUND = re.compile(r"^\W*(?:min|max)(?:imum)?\W*$", re.I)
_NODE_GROUP_HEADING = re.compile(r"\bnode\s*(?:groups?|pools?)\b", re.I)
_SCALING_HEADING = re.compile(r"\b(?:autoscal\w*|hpa|horizontal\s+pod\s+autoscal\w*)\b", re.I)


def _count_unit(header: str) -> re.Match[str] | None:
    """What a column's header counts (`Replicas`, `HPA`; `Staging replicas` after its environment), else None."""
    if _slashed_environments(header):
        return None  # a column counting per environment writes its unit into each cell (`_cell_reader`)
    lead = _LEADING_ENVIRONMENT.match(clean(header).replace("`", ""))
    if lead is not None and _header_environment(header):
        return _COUNT_HEADER.search(clean(header).replace("`", "")[lead.end():])
    return _COUNT_HEADER.search(header)


def _with_lent(cell: str, unit: str, env: str = "") -> str:
    """The cell with its count followed by the unit it takes, and its column's environment (`3-10 replicas in prod`)."""
    if not unit:
        return cell
    lent = f"{unit} in {env}" if env else unit
    if _BARE_COUNT.match(cell):
        return f"{cell.strip()} {lent}"
    return _LEADING_COUNT.sub(rf"\1 {lent}", _TIMES_COUNT.sub(rf"\1 {lent} ×", cell))


def environment_columns(header: list[str]) -> list[str]:
    """The environment each column of a table stands for (`| | staging | production |`: "", staging, production),
    when every column after the first is headed by an environment word; else no column is."""
    words = [re.sub(r"[*`]", "", cell).strip().lower() for cell in header]
    envs = figures.vocabulary().environments
    if len(words) < 2 or not all(w in envs for w in words[1:]):
        return []
    return [""] + words[1:]


# a header naming each row's environment (`| Env | ... |`, `| Service | Environment | Replicas | ... |`)
_ENVIRONMENT_HEADER = re.compile(r"^\W*(?:env(?:ironment)?|stage)s?\W*$", re.I)


def is_environment_header(header: str) -> bool:
    """Whether a table header (markup already removed) heads a column naming each row's environment."""
    return bool(_ENVIRONMENT_HEADER.match(header))


def _environment_column(headers: list[str]) -> int | None:
    """The column after the first that names each row's environment, if the table has one."""
    return next((k for k, h in enumerate(headers) if k and is_environment_header(clean(h))), None)


def _row_environment(cells: list[str], column: int | None) -> list[str]:
    """Each cell's environment in a row whose environment column names one (`| scan-api | staging | 1 | ... |`): the
    row's figures are that environment's, its first cell (what it sizes) and the environment cell aside."""
    if column is None or column >= len(cells):
        return []
    env = re.sub(r"[*`]", "", cells[column]).strip().lower()
    if env not in figures.vocabulary().environments:
        return []
    return ["" if k in (0, column) else env for k in range(len(cells))]


def _with_environment(cells: list[str], envs: list[str]) -> list[str]:
    """The cells of an environments table, each after its column's environment (`production: 3–6 nodes`)."""
    if not envs:
        return cells
    return [f"{env}: {cell}" if env and cell.strip() else cell for cell, env in zip(cells, envs)]


def _own_words(f: figures.Figure, headed: set[tuple[int, str]]) -> figures.Figure:
    """A figure's words as the plan writes them: without the unit its column's header lent a bare count."""
    unit = next((u for line, u in headed if line == f.line and f.words.endswith(" " + u)), None)
    return replace(f, words=f.words[: -len(unit) - 1]) if unit else f


def _named_apps(plan: Plan) -> set[str]:
    """Custom Applications and the service and chart directories of the source tree, lowercase."""
    names: set[str] = set()
    f = plan.custom_applications
    if f is not None and not f.unresolved:
        # one application per bullet under an empty field, else per item outside parentheses
        items = bulleted_names(f) or re.split(r"[,;]", _PARENTHESES.sub("", f.plain))
        for item in items:
            words = item.split()
            if words:
                names.add(words[0].strip(".").lower())
    envs = figures.vocabulary().environments
    for p in plan.source_paths:
        parts = [x for x in p.path.strip("/").split("/") if x]
        # `apps/staging/`, `apps/base/`: a GitOps tree's environments and bases, no application
        if len(parts) >= 2 and parts[-2] in _APP_PARENTS and p.path.endswith("/") and \
                parts[-1].lower() not in envs and parts[-1].lower() not in _NO_APP_DIRS:
            names.add(parts[-1].lower())
    return {n for n in names if re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", n)}
