"""Resource tags: the tags a plan says its cloud resources carry (`tagged Project=payments, Owner=platform-team`).

A line naming tags (`tag`, `tags`, `tagged`, `tagging`), or labels of its resources or costs (`All resources labelled
team=commerce`: a label elsewhere is a Kubernetes one), gives its `Key=Value` pairs (DigitalOcean's `key:value` in
backticks too) as `resource_tags`, in order, then the rows of a tags table (`| Tag | Value |`); a
value `<env>` or `<environment>` (also `${env}`, `{environment}`, or a table cell listing the environments, `dev /
prod`) is each root's environment. The Terraform roots of
AWS (provider default tags), Azure (every resource's tags) and GCP (provider default labels) carry them over
planforge's own tag of the same key in any case (`Project` over `project`); a pair GCP cannot take as a label
(lowercase letters, digits, `_` and `-`) is reported. Elsewhere, and where the plan builds no Terraform, the pairs
are reported.
"""
from __future__ import annotations

import re

from planforge.decide.answers import ResourceTag
from planforge.decide.context import Context
from planforge.decide.environments import environment_named
from planforge.decide.rules.tools import lines_naming
from planforge.plan.model import Plan, plain

_TAG_LINE = (r"\btag(?:s|ged|ging)?\b"
             r"|^(?=.*\b(?:resources?|costs?|billing|budget)\b).*\blabel(?:s|led|ed|ling)?\b")
_PAIR = re.compile(r"(?<![\w.:/=-])([A-Za-z][A-Za-z0-9_.-]{0,127})\s?=\s?"
                   r"(<env(?:ironment)?>|\$?\{env(?:ironment)?\}|[A-Za-z0-9][A-Za-z0-9_.:/+@-]{0,255}(?<![.:]))", re.I)
# a tag written `key:value` in backticks, as DigitalOcean tags are (`project:harbor`, `env:<env>`)
_COLON_PAIR = re.compile(r"`([A-Za-z][A-Za-z0-9_.-]{0,127}):(<env(?:ironment)?>|[A-Za-z0-9][A-Za-z0-9_.+@-]{0,255})`")
_ENVIRONMENT_VALUE = re.compile(r"<env(?:ironment)?>|\$?\{env(?:ironment)?\}", re.I)
# a tags table's header (`| Tag | Value |`, `| Key | Value |`)
_TAGS_HEADER = re.compile(r"^\W*(?:tags?|tag keys?|keys?|labels?)\W*$", re.I)
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_.:/-]{0,127}")
_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/+@-]{0,255}(?<![.:])")
_TAGGED_CLOUDS = ("aws", "azure", "gcp")
# a GCP label: a key of 1-63 lowercase letters, digits, _ and - starting with a letter, a value of up to 63 of them
_GCP_LABEL = re.compile(r"[a-z][a-z0-9_-]{0,62}=[a-z0-9_-]{0,63}")


def tags_table_rows(plan: Plan) -> list[tuple[int, str, str]]:
    """(line, key, value) of each row of a tags table (`| Tag | Value |` over `| `Project` | `berth` |`), as written
    without code spans and emphasis."""
    rows = []
    for table in plan.tables:
        if len(table.rows) < 2 or not _TAGS_HEADER.match(table.rows[0][1][0] if table.rows[0][1] else ""):
            continue
        for line, cells in table.rows[1:]:
            key, value = (re.sub(r"[`*]", "", cell).strip() for cell in (cells + ["", ""])[:2])
            rows.append((line, key, value))
    return rows


def line_pairs(plan: Plan) -> list[tuple[int, str, str, str]]:
    """(line, words, key, value) of the `Key=Value` (or backticked `key:value`) pairs of the lines naming tags, and of
    the lines their sentence wraps onto (`... tags `project=x`, `owner=y`,` over `` `cost-center=CC-4711`. ``)."""
    naming = [line for line, _ in lines_naming(plan, _TAG_LINE)]
    wrapped = [n for line in naming for n in _wrapped_onto(plan, line) if n not in naming]
    # (a wrapped line's `name:1.2.3` is an image tag: only its `Key=Value` pairs are tags)
    readers = [(line, ((_PAIR, plain(plan.lines[line - 1])), (_COLON_PAIR, plan.lines[line - 1]))) for line in naming] + \
        [(line, ((_PAIR, plain(plan.lines[line - 1])),)) for line in dict.fromkeys(wrapped)]
    return [(line, m.group(0).strip("`"), m.group(1), m.group(2)) for line, pairs in readers
            for rx, raw in pairs for m in rx.finditer(raw)]


def _wrapped_onto(plan: Plan, line: int) -> list[int]:
    """The lines a sentence of plan line `line` continues on: the paragraph's next lines until one ends it."""
    out: list[int] = []
    while not re.search(r"[.:]\s*$", plan.lines[line - 1]) and line < len(plan.lines):
        line += 1
        text = plan.lines[line - 1].strip()
        if not text or text.startswith(("#", "|", "-", "*", "```")) or re.match(r"\d+\.\s", text):
            break
        out.append(line)
    return out


def _stated_pairs(c: Context) -> list[tuple[int, str, str, str]]:
    """(line, words, key, value) of every tag the plan states: `Key=Value` on a line naming tags, then the rows of a
    tags table whose value is one (or the environments' names, `dev / staging / prod`: each root's environment). A
    row whose value varies otherwise (`confidential for RDS, internal elsewhere`) is reported."""
    pairs = line_pairs(c.plan)
    envs = c.values.get("environments", [])
    for line, key, value in tags_table_rows(c.plan):
        named = [environment_named(w, envs) for w in re.split(r"\s*/\s*|\s*,\s*", value)]
        if not _KEY.fullmatch(key):
            continue
        if len(named) > 1 and all(named):
            pairs.append((line, value, key, ResourceTag.ENVIRONMENT))
        elif _VALUE.fullmatch(value):
            pairs.append((line, value, key, value))
        elif value:
            c.unapplied(line, value, f"one value of {key} per root: planforge tags every resource of a root alike; "
                        "tag the resources that differ yourself")
    return pairs


def decide_resource_tags(c: Context) -> None:
    """`resource_tags` from the first line stating each key; a later value for a key is reported."""
    tags: dict[str, ResourceTag] = {}
    first: dict[str, int] = {}
    for line, words, key, value in _stated_pairs(c):
        value = ResourceTag.ENVIRONMENT if _ENVIRONMENT_VALUE.fullmatch(value) else value
        seen = tags.get(key.lower())
        if seen is not None:
            if seen.value != value:
                c.unapplied(line, words, f"{seen.key} is tagged {seen.value!r}, as line {first[key.lower()]} "
                            "states")
            continue
        why = _why_not(c) or _why_not_label(c, key, value)
        if why:
            c.unapplied(line, words, why)
            continue
        tags[key.lower()] = ResourceTag(key=key, value=value)
        first[key.lower()] = line
        c.applied(line, words, "resource_tags")
    if tags:
        lines = sorted(set(first.values()))
        c.from_line("resource_tags", list(tags.values()), lines[0])
    else:
        c.default("resource_tags", [], "the plan states no resource tags: planforge's own (project, environment, "
                  "tenant, managed-by)")


def _why_not(c: Context) -> str:
    """Why the roots cannot carry a stated tag ('' when they can)."""
    cloud, tool = c.values.get("cloud", "none"), c.values.get("iac_tool", "none")
    if tool == "none":
        return "the repository builds no cloud resources to tag"
    if tool not in ("terraform", "opentofu"):
        return f"the {tool} stacks carry planforge's own tags only: add the tag to their resources yourself"
    if cloud not in _TAGGED_CLOUDS:
        return f"the {cloud} roots carry planforge's own tags only: add the tag to their resources yourself"
    return ""


def _why_not_label(c: Context, key: str, value: str) -> str:
    """Why a GCP root cannot carry the pair as a label ('' when it can, or the cloud is not GCP)."""
    if c.values.get("cloud") != "gcp" or value == ResourceTag.ENVIRONMENT or _GCP_LABEL.fullmatch(f"{key}={value}"):
        return ""
    return ("a GCP label takes lowercase letters, digits, _ and - only (a key starting with a letter, each at most 63): "
            "state the label in that form")
