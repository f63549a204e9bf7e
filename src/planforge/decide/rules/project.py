"""Project rules: plan title, command family and project name, from the plan header."""
from __future__ import annotations

import re

from planforge.decide import text as tx
from planforge.decide.answers import Provenance
from planforge.decide.context import Context
from planforge.decide.rules.resource_tags import line_pairs, tags_table_rows


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


# The project's own name where the plan states it: its `project` tag (`Tags on every resource: project=tally`), else
# the name its naming convention puts between the resource type and the environment (`<type>-tally-<env>`) or before
# the environment and the component (`nw-ledgerly-<env>-<component>`)
_STATED = (re.compile(r"\b(?:tags?|labels?)\b.{0,200}?(?<![\w:-])project\s*+=\s*+`?([a-z][a-z0-9-]{0,40}[a-z0-9])`?(?![\w-])",
                      re.I),
           re.compile(r"`<(?:type|resource(?:[ _-]type)?|prefix|abbr)>-([a-z][a-z0-9]{1,40})-<env(?:ironment)?>`"),
           # `All GCP resources are named `nw-ledgerly-<env>-<component>``: the prefix before the environment
           re.compile(r"`([a-z][a-z0-9-]{0,40}[a-z0-9])-<env(?:ironment)?>-<(?:component|resource|type|service|name)>`"))


def _other_prefix(c: Context, name: str) -> None:
    """Report a naming convention whose prefix is not the project its tag names (`tdw-<env>-<component>` beside
    `| Project | berth |`): every resource is named after the project."""
    for n, line in enumerate(c.plan.lines, 1):
        for pattern in _STATED[1:]:
            m = pattern.search(line)
            if m and m.group(1) != name:
                c.unapplied(n, m.group(0).strip("`"), f"every resource is named after the project {name} (its tag): "
                            f"{name}-<environment>-..., not {m.group(1)}-...")
                return


def _project_name(c: Context) -> None:
    """The name the plan gives its project (a `project` tag, a naming convention), else the branch without its number
    prefix (a spec-kit branch names the feature), else the title, as a DNS-1123 label."""
    h = c.plan.header
    if c.unsafe_source(h.branch, "project_name"):
        c.values["project_name"] = "project"
        return
    tagged = _project_tag_row(c)
    if tagged is not None:
        line, name = tagged
        c.set("project_name", name, Provenance(source="plan", line=line, text=tx.quote(c.line_text(line))))
        c.applied(line, name, "project_name")
        _other_prefix(c, name)
        return
    for pattern in _STATED:
        found = next(((n, m) for n, line in enumerate(c.plan.lines, 1) for m in [pattern.search(line)] if m), None)
        if found is not None and tx.is_dns_label(found[1].group(1)):
            line, m = found
            words = m.group(0)[m.group(0).lower().rfind("project"):] if pattern is _STATED[0] else m.group(0)
            c.set("project_name", m.group(1), Provenance(source="plan", line=line, text=tx.quote(words)))
            c.applied(line, words.strip("`"), "project_name")
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


def _project_tag_row(c: Context) -> tuple[int, str] | None:
    """(line, value) of a `project` tag a line states (`Tags on every resource: `project:harbor``), else of a tags
    table's `Project` row (`| Tag | Value |` over `| `Project` | `berth` |`), else None."""
    stated = [(line, key, value) for line, _, key, value in line_pairs(c.plan)]
    return next(((line, value) for line, key, value in stated + tags_table_rows(c.plan)
                 if key.lower() == "project" and tx.is_dns_label(value)), None)
