"""Project rules: plan title, command family and project name, from the plan header."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Provenance
from planforge.decide.context import Context


def decide_project(c: Context) -> None:
    _title(c)
    _family(c)
    _project_name(c)


def _title(c: Context) -> None:
    h = c.plan.header
    if h.title_line:
        c.from_line("plan_title", tx.safe_text(h.title), h.title_line)
    else:
        c.default("plan_title", tx.safe_text(h.title), "the plan has no title")


def _family(c: Context) -> None:
    h = c.plan.header
    if h.family_line:
        c.from_line("plan_family", h.family, h.family_line)
    else:
        c.default("plan_family", h.family, "the plan names no /specops, /speckit, /sp or /plan command")


def _project_name(c: Context) -> None:
    """Branch without its number prefix, else the title, as a DNS-1123 label."""
    h = c.plan.header
    if c.unsafe_source(h.branch, "project_name"):
        c.values["project_name"] = "project"
        return
    branch = h.branch.plain if h.branch and not h.branch.unresolved else ""
    name = tx.slugify(re.sub(r"^\d+[-_]", "", branch)) if branch else ""
    if name:
        c.from_field("project_name", name, h.branch)
    elif h.title and not tx.is_placeholder(h.title):
        c.set("project_name", tx.slugify(h.title),
              Provenance(source="plan", line=h.title_line, text=tx.quote(c.line_text(h.title_line or 1))))
    else:
        c.problem(None, "project_name", "no branch or title to name the project", "fill **Branch** or the title", line=1)
        c.values["project_name"] = "project"
