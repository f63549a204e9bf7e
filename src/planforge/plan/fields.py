"""The fields of a plan: `**Label**: value` lines (and known plain labels), their continuation lines and
lists, Technical Context table rows, and the header fields (title, branch, date, spec, command family)."""
from __future__ import annotations

import re

from planforge.plan.markdown_blocks import Block, clean
from planforge.plan.model import Field, Plan, SourceLine, normalize_label
from planforge.yamlio import package_data

# Every pattern here runs in time linear in the line: field heads are matched on the first HEAD characters
# of a line only (the value is the rest of the line), and patterns that start with a whitespace run only
# start where a run starts (`(?<!\s)`), never again inside it.
HEAD = 256
# `**Label**: value`, `**Label:** value`, optionally as a list item or checkbox item.
BOLD_FIELD = re.compile(
    r"^(?:[-*+]\s+)?(?:\[[ xX]\]\s+)?(?P<b>\*\*|__)(?P<label>[^*_\n][^*\n]{0,79}?)\s*+(?P<c1>:?)\s*+(?P=b)(?P<c2>\s*+:)?[ \t]*+"
)
# `Label: value` without bold, accepted only for known labels.
_PLAIN_FIELD = re.compile(r"^(?:[-*+]\s+)?(?P<label>[A-Za-z][A-Za-z /&-]{1,40}?)\s*+:\s*+")
_HEADER_SPLIT = re.compile(r"(?<!\s)\s+\|\s+(?=\*\*)")
_FAMILY = re.compile(r"/(specops|speckit|sp)[.-](?:plan|tasks|specify|implement|clarify|analyze|checklist)\b")
_LEGACY_FAMILY = re.compile(r"\(/plan\b|`/plan`|/plan command|by /plan\b")
_CONTEXT_TITLE = re.compile(r"technical\s+(context|stack)|technology\s+stack|tech\s+stack", re.I)

# Alternative labels seen in real plans -> the canonical key of the seed templates.
LABEL_ALIASES = {
    "cloud": "cloud_provider",
    "cloud_providers": "cloud_provider",
    "provider": "cloud_provider",
    "iac": "iac_tools",
    "iac_tool": "iac_tools",
    "infrastructure_as_code": "iac_tools",
    "gitops_tool": "gitops",
    "kubernetes_version": "kubernetes",
    "state": "state_backend",
    "remote_state": "state_backend",
    "terraform_state": "state_backend",
    "secrets": "secrets_management",
    "secrets_manager": "secrets_management",
    "secret_management": "secrets_management",
    "target_environments": "target_environment",
    "environments": "target_environment",
    "environment": "target_environment",
    "language": "language_version",
    "languages": "language_version",
    "dependencies": "primary_dependencies",
    "target_platforms": "target_platform",
    "platform": "target_platform",
    "platforms": "target_platform",
    "scale": "scale_scope",
    "scope": "scale_scope",
    "scale_and_scope": "scale_scope",
    "performance": "performance_goals",
    "constraint": "constraints",
}
# an orchestration field naming a managed or packaged distribution (`**Orchestration**: GKE Standard ..., control
# plane pinned to 1.30`) states the Kubernetes field when the plan has none; one naming none (`Kubernetes 1.25+ with
# Helm`) stays a field of its own
_ORCHESTRATION_KEYS = {"orchestration", "container_orchestration"}
_NAMES_DISTRIBUTION = re.compile(r"\b(?:" + "|".join(package_data("keywords.yaml")["kubernetes_distributions"]) + r")\b",
                                 re.I)
KNOWN_KEYS = {
    "cloud_provider", "iac_tools", "kubernetes", "gitops", "deployment_strategy", "state_backend",
    "secrets_management", "validation", "target_environment", "deployment_type", "performance_goals",
    "constraints", "scale_scope", "language_version", "primary_dependencies", "storage", "testing",
    "target_platform", "project_type", "structure_decision", "custom_applications",
}


def canonical_key(label: str) -> str:
    key = normalize_label(label)
    return LABEL_ALIASES.get(key, key)


def match_field(text: str) -> tuple[str, str] | None:
    """(label, value) when a line starts with a bold field label, or a plain known label."""
    text = text.strip()
    m = BOLD_FIELD.match(text[:HEAD])
    if m and (m.group("c1") or m.group("c2")):
        label = m.group("label").strip().strip(":").strip()
        label = label.lstrip("✅❌⚠️✓✔🔄 ").strip()
        if label:
            return label, text[m.end():]
    m = _PLAIN_FIELD.match(text[:HEAD])
    if m and canonical_key(m.group("label")) in KNOWN_KEYS:
        return m.group("label").strip(), text[m.end():]
    return None


_APPLICATIONS_HEADING = re.compile(r"^\s*#{2,4}\s+(?:custom\s+)?applications\s*$", re.I)
# `## Services` over a table of them (`| Service | Image | Port |`): the Custom Applications field too; a bullet per
# service under it stays what it was (a serverless plan's services, rules/service_items)
_SERVICES_HEADING = re.compile(r"^\s*#{2,4}\s+(?:services|workloads|microservices)\s*$", re.I)
_SERVICES_HEADER = re.compile(r"^\W*(?:service|app|application|workload|microservice|name)s?\W*$", re.I)


def _new_field(label: str, value: str, src: SourceLine, section: str) -> Field:
    return Field(label=label, key=canonical_key(label), value=clean(value), line=src.line, text=src.text.rstrip(), section=section)


def _empty_heading_field(f: Field) -> bool:
    """A `## Applications` heading read as the field, with nothing under it yet: a `**Custom Applications**` field
    right below is the field itself (and the table after it its rows)."""
    return not f.value and not f.extra_lines and f.text.lstrip().startswith("#")


def _append(f: Field, src: SourceLine, sep: str) -> None:
    text = clean(src.text)
    if not text:
        return
    f.value = f"{f.value}{sep}{text}" if f.value else text
    f.extra_lines.append(SourceLine(src.line, src.text.rstrip()))


def _listed_names(value: str) -> list[str]:
    """The names a field's value lists (`web, api and worker`), as written."""
    return [n.strip().strip("`") for n in re.split(r",|\band\b", value) if n.strip()]


def _lists_rows(value: str, b: Block) -> bool:
    """Whether a field's value only lists the names of the table's rows (`**Custom Applications**: web, api` over a
    table of web and api): the table describes the same applications."""
    names = {clean(cells[0]).strip("`").lower() for _line, cells in b.rows[1:] if cells}
    listed = [n.lower() for n in _listed_names(value)]
    return bool(listed) and set(listed) <= names


_LEADING_NAME = re.compile(r"[*_`\s]*([a-z0-9][a-z0-9-]*)", re.I)


def _bullets_describe_listed(f: Field) -> None:
    """`**Custom Applications**: web, api` over a bullet per application (`- web (image ..., port 8080) is public`):
    the bullets are the applications, each read on its own line, not more names after the list. A listed name no
    bullet describes stays an application of its own."""
    m = match_field(f.text)
    head = clean(m[1]) if m else ""
    if not head or not f.value.startswith(f"{head}; "):
        return
    listed = _listed_names(head)
    described = {lead.group(1).lower() for src in f.extra_lines if (lead := _LEADING_NAME.match(clean(src.text)))}
    if not described & {n.lower() for n in listed}:
        return
    rest = [n for n in listed if n.lower() not in described]
    f.value = "; ".join([*rest, f.value[len(head) + 2:]])


def _table_items(f: Field, b: Block) -> None:
    """A table under an empty field (`**Custom Applications**:` over `| App | Image | Port |`), or one whose value
    lists the rows' names: an item per row, named
    by its first cell, its other cells as `<column> <cell>` (`orders-api: Image ghcr.io/acme/orders:1.2.0, Port 8080`),
    each on its row's line. A `;` inside a cell becomes `,`: the row is one statement about its application, whose
    name a clause after a `;` would no longer follow."""
    header = [clean(cell) for cell in b.rows[0][1]] if b.rows else []
    for line, cells in b.rows[1:]:
        if not cells or not clean(cells[0]):
            continue
        rest = ", ".join(column_cell(name, clean(cell).replace(';', ',')) for name, cell in zip(header[1:], cells[1:])
                         if clean(cell))
        _append(f, SourceLine(line, f"{clean(cells[0])}: {rest}" if rest else clean(cells[0])), "; ")


# what separates the parts of a column naming a request and a limit, and the parts of its cells: an arrow
# (`Requests → Limits` over `100m/256Mi → 500m/512Mi`), else a slash (`CPU request / limit` over `250m / 500m`)
_PART_SEPARATORS = (re.compile(r"\s*(?:→|->)\s*"), re.compile(r"\s*/\s*"))
_ROLE_WORD = re.compile(r"\b(?:(?P<request>req(?:uest)?s?)|(?P<limit>lim(?:it)?s?))\b", re.I)


def column_cell(name: str, cell: str) -> str:
    """A cell read with its column's name: `Requests 100m/256Mi, Limits 500m/512Mi` for the cell `100m/256Mi →
    500m/512Mi` of the column `Requests → Limits`, each part under the request or limit word it stands below (`CPU
    request 100m, CPU limit 500m` for `100m / 500m` under `CPU req / limit`: the words before the first one's role
    are the others' too); else `<name> <cell>`."""
    for separator in _PART_SEPARATORS:
        names, parts = separator.split(name), separator.split(cell)
        roles = [_ROLE_WORD.search(n) for n in names]
        if len(names) > 1 and len(names) == len(parts) and all(roles):
            subject = names[0][:roles[0].start()].strip()
            return ", ".join(f"{n[:m.start()].strip() or subject} {'request' if m.group('request') else 'limit'} {part}"
                             .strip() for n, m, part in zip(names, roles, parts))
    return f"{name} {cell}"


def read_header(plan: Plan, blocks: list[Block], lines: list[str]) -> None:
    h = plan.header
    for b in blocks:
        if b.kind == "heading" and b.level == 1 and not h.title:
            title = clean(b.lines[0].text).lstrip("#").strip()
            h.title = re.sub(r"^implementation\s+plan\s*:\s*", "", title, flags=re.I).strip()
            h.title_line = b.lines[0].line
        if b.kind == "heading" and b.level == 2:
            break
        if b.kind == "para":
            for src in b.lines:
                for piece in _HEADER_SPLIT.split(src.text):
                    m = match_field(piece)
                    if m:
                        f = _new_field(m[0], m[1], SourceLine(src.line, src.text), "")
                        h.fields.append(f)
    for f in h.fields:
        if f.key in ("branch", "feature_branch", "feature_id", "feature") and h.branch is None:
            h.branch = f
        elif f.key in ("date", "created") and h.date is None:
            h.date = f
        elif f.key == "spec" and h.spec is None:
            h.spec = f
        elif f.key == "input" and h.input is None:
            h.input = f
    # the template's "filled in by the `/x.plan` command" note is authoritative; else the first command named
    found = [(n, m.group(1), "filled in by" in text) for n, text in enumerate(lines, 1) if (m := _FAMILY.search(text))]
    if found:
        n, family, _ = next((x for x in found if x[2]), found[0])
        h.family, h.family_line = family, n
    else:
        for n, text in enumerate(lines, 1):
            if _LEGACY_FAMILY.search(text):
                h.family, h.family_line = "plan", n
                break


def is_context(section: str) -> bool:
    return bool(_CONTEXT_TITLE.search(section))


def read_fields(plan: Plan, blocks: list[Block]) -> None:
    current: Field | None = None  # field that continuation lines extend
    attach: Field | None = None  # field a following list belongs to
    item_field: Field | None = None  # last field read from a top-level list item
    services: Field | None = None  # the Custom Applications a `## Services` heading starts, when a table follows
    last_section = None
    for b in blocks:
        if b.section != last_section:
            current = attach = item_field = None
            last_section = b.section
        context = is_context(b.section) or is_context(b.subsection)
        if b.kind == "heading":
            current = attach = item_field = services = None
            if plan.custom_applications is None and _SERVICES_HEADING.match(b.lines[0].text):
                services = _new_field("Custom Applications", "", b.lines[0], b.section)
            if plan.custom_applications is None and _APPLICATIONS_HEADING.match(b.lines[0].text):
                # `## Applications` and a bullet per application: the Custom Applications field, written as a section
                plan.custom_applications = attach = _new_field("Custom Applications", "", b.lines[0], b.section)
            continue
        if b.kind == "para":
            # prose between an `## Applications` heading and its bullets introduces them: they stay the heading's
            heading = attach if attach is plan.custom_applications and attach is not None and \
                _empty_heading_field(attach) else None
            attach = None
            for src in b.lines:
                m = match_field(src.text)
                if m:
                    f = _new_field(m[0], m[1], src, b.section)
                    _store(plan, f, context)
                    current = attach = f
                elif current is not None and clean(src.text):
                    _append(current, src, " ")
                    attach = current
            if attach is not None and attach is not current:
                attach = None
            current = None
            attach = attach or heading
            continue
        if b.kind == "item":
            services = None  # bullets under `## Services`: not a table of them
            if attach is not None:
                if attach is plan.custom_applications and b.first_in_item and b.depth == 1:
                    # one application per bullet, its wrapped lines one line (`bulleted_names` reads its name)
                    _append(attach, SourceLine(b.lines[0].line, " ".join(src.text.strip() for src in b.lines)), "; ")
                elif b.first_in_item or b.depth >= 1:
                    _append(attach, b.lines[0], "; ")
                    for src in b.lines[1:]:
                        _append(attach, src, " ")
                continue
            m = match_field(b.lines[0].text) if b.first_in_item else None
            if m and (context or b.depth == 1):
                f = _new_field(m[0], m[1], b.lines[0], b.section)
                for src in b.lines[1:]:
                    _append(f, src, " ")
                if b.depth == 1 or item_field is None:
                    _store(plan, f, context)
                    item_field = f
                else:
                    _append(item_field, b.lines[0], "; ")
            elif item_field is not None and b.depth > 1 and context:
                for src in b.lines:
                    _append(item_field, src, "; ")
            continue
        if b.kind == "table" and services is not None and b.rows and _SERVICES_HEADER.match(clean(b.rows[0][1][0])):
            plan.custom_applications = attach = services
        services = None
        if b.kind == "table" and attach is not None and attach.key == "custom_applications" and (
                not attach.value or _lists_rows(attach.value, b)):
            attach.value = ""  # the rows say everything the list of names did, and more
            _table_items(attach, b)
            attach = current = None
            continue
        attach = current = None
        if b.kind == "table" and context and b.rows:
            # the header row is a field too when it is a template label (`| **Cloud Provider** | AWS |`), never the
            # column headings of a table of several (`| Environment | GCP project | Machine type |`)
            header = b.rows[0][1]
            label_row = len(header) > 1 and any(c.strip() for c in header[1:]) and \
                canonical_key(re.sub(r"\*\*", "", header[0])) in KNOWN_KEYS and \
                (len(header) == 2 or header[0].strip().startswith("**"))
            rows = b.rows if label_row else b.rows[1:]
            for line, cells in rows:
                if not cells or not cells[0].strip():
                    continue
                label = re.sub(r"\*\*", "", cells[0]).strip()
                value = " | ".join(c for c in cells[1:] if c.strip())
                f = Field(label=label, key=canonical_key(label), value=value, line=line,
                          text=plan.lines[line - 1].rstrip() if 0 < line <= len(plan.lines) else "", section=b.section)
                plan.fields.append(f)
    if plan.field("kubernetes") is None:
        for f in plan.fields:
            if f.key in _ORCHESTRATION_KEYS and _NAMES_DISTRIBUTION.search(f.value):
                f.key = "kubernetes"
                break
    if plan.custom_applications is not None:
        _bullets_describe_listed(plan.custom_applications)
    if not any(is_context(s.title) for s in plan.sections):
        # no Technical Context section at all: the template's fields wherever they are
        known = [f for f in plan.other_fields if f.key in KNOWN_KEYS - {"structure_decision", "custom_applications"}]
        plan.fields.extend(known)
        plan.other_fields = [f for f in plan.other_fields if f not in known]


def _store(plan: Plan, f: Field, context: bool) -> None:
    if f.key == "structure_decision" and plan.structure_decision is None:
        plan.structure_decision = f
    elif f.key == "custom_applications" and (plan.custom_applications is None
                                             or _empty_heading_field(plan.custom_applications)):
        plan.custom_applications = f
    elif context:
        plan.fields.append(f)
    else:
        plan.other_fields.append(f)

