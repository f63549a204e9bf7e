"""The table-shaped sections of a plan: Deployment Components, the Constitution Check (a table, a checklist
or bold check lines) and Complexity Tracking."""
from __future__ import annotations

import re

from planforge.plan.fields import BOLD_FIELD, HEAD
from planforge.plan.markdown_blocks import Block, clean
from planforge.plan.model import ComplexityRow, ComponentRow, ConstitutionItem, Plan, normalize_label

_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX])\]\s*(?P<rest>.*)$")


def _yes_no(text: str) -> bool | None:
    t = re.sub(r"[*_`]", "", text).strip().lower()
    if t in ("yes", "y", "true", "required", "✅", "✓", "x"):
        return True
    if t in ("no", "n", "false", "optional", "❌", "-", "—"):
        return False
    qualified = re.match(r"(yes|no)\s*[(,;:\-–—]", t)  # `Yes (prod only)`, `No - managed elsewhere`; not `Yes/No`
    return (qualified.group(1) == "yes") if qualified else None


# the sections holding the components table: `Deployment Components`, `Infrastructure Components`, `Components`;
# else a section or subsection of add-ons (`### Platform add-ons (delivered by Argo CD)`), whose table lists them in a
# Component or Add-on column
_COMPONENTS_SECTION = re.compile(r"^(?:(?:deployment|infrastructure|platform|cloud)\s+)?components\b", re.I)
_ADDONS_SUBSECTION = re.compile(r"^(?:(?:platform|cluster|kubernetes)\s+)?(?:add-?ons|components)\b", re.I)


_COMPONENT_COLUMN = re.compile(r"component|\badd[-_]?ons?\b")


def read_components(plan: Plan, blocks: list[Block]) -> None:
    for b in blocks:
        section = re.sub(r"^[\d.\s]+", "", b.section.strip())  # `3. Deployment Components`
        if b.kind == "heading" and b.level <= 2 and _COMPONENTS_SECTION.match(section):
            plan.components_line = plan.components_line or b.lines[0].line
        if b.kind != "table" or not b.rows:
            continue
        header = [normalize_label(c) for c in b.rows[0][1]]
        subsection = re.sub(r"^[\d.\s]+", "", b.subsection.strip())
        # under a components or add-ons heading, a table with a Component (or Add-on) column; elsewhere one with
        # Component and Required
        addons = bool(_ADDONS_SUBSECTION.match(subsection) or _ADDONS_SUBSECTION.match(section))
        if not any(_COMPONENT_COLUMN.search(c) if addons else "component" in c for c in header) or not (
                _COMPONENTS_SECTION.match(section) or addons or any("required" in c for c in header)):
            continue
        col = {name: idx for idx, name in enumerate(header)}
        ci = next((i for n, i in col.items() if _COMPONENT_COLUMN.search(n)), 0)
        ri = next((i for n, i in col.items() if "required" in n), 1)
        ni = next((i for n, i in col.items() if "note" in n), 2)
        vi = next((i for n, i in col.items() if re.fullmatch(r"(?:chart[\s_/]*|helm\s+)?version", n)), None)
        # an add-ons table lists what the plan installs: no Required column, every other cell a note (chart, version)
        listed = not _COMPONENTS_SECTION.match(section) and not any("required" in c for c in header)
        for line, cells in b.rows[1:]:
            get = lambda k: cells[k].strip() if k < len(cells) else ""  # noqa: E731
            name = re.sub(r"[*`]", "", get(ci)).strip()
            if not name:
                continue
            notes = "; ".join(cell.strip() for k, cell in enumerate(cells) if k != ci and cell.strip()) if listed \
                else get(ni)
            plan.components.append(
                ComponentRow(name=name, required=True if listed else _yes_no(get(ri)),
                             required_text="" if listed else get(ri), notes=notes, line=line,
                             text=plan.lines[line - 1].rstrip() if 0 < line <= len(plan.lines) else "",
                             version=re.sub(r"[*`]", "", get(vi)).strip() if vi is not None else "")
            )


def read_constitution(plan: Plan, blocks: list[Block]) -> None:
    for b in blocks:
        if "constitution" not in b.section.lower():
            continue
        if b.kind == "item" and b.first_in_item:
            text = clean(b.lines[0].text)
            checked: bool | None = None
            m = _CHECKBOX.match(text)
            if m:
                checked, text = m.group("mark") != " ", m.group("rest")
            elif text[:1] in ("✅", "✓", "✔"):
                checked, text = True, text[1:].strip()
            elif text[:1] in ("❌", "✗"):
                checked, text = False, text[1:].strip()
            for src in b.lines[1:]:
                text += " " + clean(src.text)
            principle, _, rest = text.partition(":")
            principle = principle.replace("**", "").strip()
            if not rest:
                principle = ""
            plan.constitution.append(ConstitutionItem(principle=principle, text=text.replace("**", ""), checked=checked, line=b.lines[0].line))
        elif b.kind == "para":
            for src in b.lines:
                text = clean(src.text)
                m = BOLD_FIELD.match(text[:HEAD])
                mark = re.match(r"^\*\*\s*(✅|✓|✔|❌)", text)
                if m and mark:
                    label = m.group("label").lstrip("✅✓✔❌ ").strip(": ")
                    plan.constitution.append(ConstitutionItem(principle=label, text=text.replace("**", ""), checked=mark.group(1) != "❌", line=src.line))
        elif b.kind == "table" and len(b.rows) > 1:
            for line, cells in b.rows[1:]:
                joined = " | ".join(cells)
                status = joined.upper()
                checked = True if re.search(r"PASS|✓|✅|COMPLIANT", status) else (False if re.search(r"FAIL|❌|VIOLAT", status) else None)
                plan.constitution.append(ConstitutionItem(principle=cells[0].replace("**", "") if cells else "", text=joined.replace("**", ""), checked=checked, line=line))


def read_complexity(plan: Plan, blocks: list[Block]) -> None:
    for b in blocks:
        if b.kind != "table" or "complexity" not in b.section.lower():
            continue
        for line, cells in b.rows[1:]:
            cells = cells + ["", "", ""]
            if any(c.strip() for c in cells):
                plan.complexity.append(ComplexityRow(violation=cells[0], why=cells[1], alternative=cells[2], line=line))

