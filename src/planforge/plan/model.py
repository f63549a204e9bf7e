"""The typed result of reading a plan.md: every field with the line it came from.

Nothing here interprets values (that is `planforge.decide`); the reader only records
what the plan says and where, plus whether a value is still a template placeholder.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from planforge.errors import Problem
from planforge.plan.figures import Figure
from planforge.plan.limits import replace_links, strip_comments

_PLACEHOLDER = re.compile(r"^\[[^\]]*\]$", re.S)  # a whole value in brackets, not a [link](target)


def normalize_label(label: str) -> str:
    """`Language/Version` -> `language_version`, ` cloud  provider ` -> `cloud_provider`."""
    return re.sub(r"[^a-z0-9]+", "_", label.strip().lower()).strip("_")


def is_unresolved(value: str) -> bool:
    """Empty, still the template's bracket placeholder, or NEEDS CLARIFICATION."""
    text = strip_comments(value).strip().strip("*_` ").strip()
    if not text:
        return True
    if "needs clarification" in text.lower():
        return True
    return bool(_PLACEHOLDER.match(text))


def plain(value: str) -> str:
    """Markdown value without code ticks, emphasis markers, link targets or comments."""
    text = replace_links(strip_comments(value))
    text = text.replace("`", "").replace("**", "").replace("__", "")
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class SourceLine:
    """One physical line of the plan (1-based) and its text."""

    line: int
    text: str


@dataclass
class Field:
    """A `**Label**: value` field (or a table row / bullet read as one)."""

    label: str  # as written, e.g. "Cloud Provider"
    key: str  # normalized, e.g. "cloud_provider"
    value: str  # markdown value; continuation lines and nested bullets joined with "; "
    line: int  # line of the label
    text: str  # the full source line holding the label
    section: str = ""  # title of the enclosing H2 section
    extra_lines: list[SourceLine] = field(default_factory=list)  # continuation / nested bullet lines
    # (value, unresolved, plain) of the last value read: the rules read both many times, and a value can be 1 MB
    _cache: tuple[str, bool, str] | None = field(default=None, init=False, repr=False, compare=False)

    def _read(self) -> tuple[str, bool, str]:
        if self._cache is None or self._cache[0] is not self.value:
            self._cache = (self.value, is_unresolved(self.value), plain(self.value))
        return self._cache

    @property
    def unresolved(self) -> bool:
        return self._read()[1]

    @property
    def plain(self) -> str:
        return self._read()[2]

    @property
    def lines(self) -> list[int]:
        return [self.line] + [s.line for s in self.extra_lines]


@dataclass
class ComponentRow:
    """A row of the Deployment Components table."""

    name: str
    required: bool | None  # None: neither yes nor no (e.g. the `Yes/No` placeholder)
    required_text: str
    notes: str
    line: int
    text: str
    version: str = ""  # the row's Version column (`| ingress-nginx | Yes | 4.11.2 |`), as written


@dataclass
class ConstitutionItem:
    """A Constitution Check gate: `- [x] **Name**: text` or `- Principle I: text` or a table row."""

    principle: str
    text: str
    checked: bool | None  # None: the style carries no checked state
    line: int


@dataclass
class TreePath:
    """One entry of a Project Structure directory tree, with its full path."""

    path: str  # e.g. "terraform/tenants/acme/"
    name: str  # the entry as written, e.g. "acme/"
    depth: int
    line: int
    comment: str = ""


@dataclass
class StructureTree:
    """A code fence under Project Structure, parsed into paths."""

    heading: str  # the sub-heading above the fence, e.g. "Source Code (repository root)"
    line: int  # line of the opening fence
    paths: list[TreePath] = field(default_factory=list)
    options: list[SourceLine] = field(default_factory=list)  # `# ... Option N: ...` comment lines

    @property
    def is_documentation(self) -> bool:
        return "documentation" in self.heading.lower() or any(
            p.path.startswith("specs/") for p in self.paths[:1]
        )


@dataclass
class Table:
    """A Markdown table of the plan: its section's title, its rows (line, cells), the header row first, and the title
    of the H3+ heading it is under ("" right under its section's)."""

    section: str
    rows: list[tuple[int, list[str]]]
    subsection: str = ""


@dataclass
class ComplexityRow:
    violation: str
    why: str
    alternative: str
    line: int


@dataclass
class Section:
    title: str
    level: int
    line: int  # heading line
    end_line: int  # last line of the section (inclusive)


@dataclass
class Header:
    title: str = ""
    title_line: int | None = None
    branch: Field | None = None
    date: Field | None = None
    spec: Field | None = None
    input: Field | None = None
    family: str = "unknown"  # specops, speckit, sp, plan, unknown
    family_line: int | None = None
    fields: list[Field] = field(default_factory=list)


@dataclass
class Plan:
    """Everything read from one plan.md."""

    source: str
    header: Header
    summary: str = ""
    fields: list[Field] = field(default_factory=list)  # Technical Context / Stack fields, in order
    components: list[ComponentRow] = field(default_factory=list)
    components_line: int | None = None  # heading line of Deployment Components
    custom_applications: Field | None = None
    constitution: list[ConstitutionItem] = field(default_factory=list)
    trees: list[StructureTree] = field(default_factory=list)
    structure_decision: Field | None = None
    complexity: list[ComplexityRow] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)  # every table, in order (the components' and the others)
    sections: list[Section] = field(default_factory=list)
    other_fields: list[Field] = field(default_factory=list)  # bold-label fields outside the context
    lines: list[str] = field(default_factory=list)  # normalized source lines (index 0 = line 1)
    problems: list[Problem] = field(default_factory=list)  # limits exceeded while reading: the plan is refused
    warnings: list[str] = field(default_factory=list)  # `file:line: message`, e.g. a credential left out
    figures: list[Figure] = field(default_factory=list)  # quantities stated outside code fences (plan/figures.py)

    def field(self, key: str) -> Field | None:
        """First Technical Context field with this normalized key."""
        for f in self.fields:
            if f.key == key:
                return f
        return None

    def section(self, fragment: str) -> Section | None:
        for s in self.sections:
            if fragment in s.title.lower():
                return s
        return None

    def section_lines(self, fragment: str) -> set[int]:
        """The lines below the heading of the first section whose title holds `fragment` (none without one)."""
        s = self.section(fragment)
        return set(range(s.line + 1, s.end_line + 1)) if s else set()

    @property
    def is_infra_template(self) -> bool:
        """The /specops.plan infrastructure layout (Cloud Provider, IaC Tools, ... fields)."""
        infra = {"cloud_provider", "iac_tools", "state_backend", "gitops", "deployment_type"}
        return bool(infra & {f.key for f in self.fields}) and self.header.family in ("specops", "unknown") or (
            self.components_line is not None
        )

    @property
    def source_paths(self) -> list[TreePath]:
        """Paths of the non-documentation trees, in plan order."""
        return [p for t in self.trees if not t.is_documentation for p in t.paths]


_HARD_BREAK_END = re.compile(r"(?:<br\s*+/?>|\\)\s*+$", re.I)  # `**Custom Applications**:<br>` states nothing more
_BULLET_NAME = re.compile(r"\s*+(?:`([^`\s]++)`|\*\*([^*\s]++)\*\*|([A-Za-z0-9][\w.-]*+))\s*+(?:[—–:(,]|-\s|$)")


def bulleted_names(f: Field) -> list[str]:
    """One application per bullet under an empty field, named by the bullet's first word (`- `storefront-web` —
    Next.js 14, port 3000, 0.5 vCPU / 1 GB`); the rest of the bullet describes it. Empty when the field is no such
    list. A label line that lists the names of the table below it counts as empty (the reader dropped its value)."""
    own = _HARD_BREAK_END.sub("", plain(f.text).partition(":")[2]).strip()
    if not f.extra_lines or (own and plain(f.value).startswith(own)):
        return []
    names = [_BULLET_NAME.match(extra.text) for extra in f.extra_lines]
    return [next(g for g in m.groups() if g) for m in names] if all(names) else []
