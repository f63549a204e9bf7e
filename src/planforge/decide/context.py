"""The decision context the rules share: the plan, the answers so far with their provenance, problems, warnings."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from planforge.decide import text as tx
from planforge.decide.answers import NotApplied, Provenance, TreeFile
from planforge.decide.names import name_problem
from planforge.errors import Problem
from planforge.plan.model import ComponentRow, Field, Plan

_UNSAFE_IN_NAMES = re.compile(r"\.\./|/\.\.|\.\.\\|[{][{%#]|[}%#][}]|[$%][{]")


def default_prov(note: str) -> Provenance:
    return Provenance(source="default", note=note)


@dataclass
class Context:
    """What the rules read and write while deciding one plan; the rules run in the order of docs/decisions.md."""

    plan: Plan
    values: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Provenance] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    component_rows: dict[str, Provenance] = field(default_factory=dict)  # catalog name -> its table row
    modules: list[tuple[str, ComponentRow]] = field(default_factory=list)  # (terraform module, its infra row)
    platform_field: Field | None = None  # the field the platforms were read from
    tenant_lines: dict[str, int] = field(default_factory=dict)  # tenant -> the tree line naming it
    # What the rules accounted for, phrase by phrase: (line, words as written) -> the answer it landed in.
    applied_phrases: dict[tuple[int, str], str] = field(default_factory=dict)
    not_applied: list[NotApplied] = field(default_factory=list)  # phrases the rules read and could not apply
    tree_files: list[TreeFile] = field(default_factory=list)  # the tree's files a render must show (rules.tree)

    def set(self, name: str, value: Any, prov: Provenance) -> None:
        self.values[name] = value
        self.provenance[name] = prov

    def from_field(self, name: str, value: Any, f: Field | None, line: int | None = None, text: str | None = None) -> None:
        if f is None:
            self.set(name, value, default_prov("not stated in the plan"))
            return
        ln = line or f.line
        src = text if text is not None else self.line_text(ln)
        self.set(name, value, Provenance(source="plan", line=ln, text=tx.quote(src)))

    def from_line(self, name: str, value: Any, line: int) -> None:
        """An answer read from plan line `line` (a tree path, a table row), quoting that line."""
        self.set(name, value, Provenance(source="plan", line=line, text=tx.quote(self.line_text(line))))

    def from_context(self, name: str, pattern: str, value: Any, absent: Any, note: str) -> None:
        """value from the first context field or Structure Decision naming pattern (not negated), else absent."""
        hit = tx.first_hit(pattern, [*self.plan.fields, self.plan.structure_decision])
        if hit:
            self.from_field(name, value, hit.field)
        else:
            self.default(name, absent, note)

    def left_unresolved(self, name: str, value: Any, f: Field) -> None:
        """The value of an unresolved field (already reported by the blocking matrix), pointing at that field."""
        self.values[name] = value
        self.provenance[name] = Provenance(source="plan", line=f.line, text=tx.quote(f.text))

    def stated(self, name: str, value: Any, line: int, words: str) -> None:
        """An answer the words `words` of plan line `line` state: read from that line, and the words applied."""
        self.from_line(name, value, line)
        self.applied(line, words, name)

    def applied(self, line: int, text: str, answer: str) -> None:
        """Record that the words `text` of plan line `line` landed in `answer` (e.g. `apps.orders-api.max_replicas`)."""
        self.applied_phrases[(line, text)] = answer

    def unapplied(self, line: int, text: str, why: str) -> None:
        """Record that the words `text` of plan line `line` are not carried by the output, and why."""
        self.not_applied.append(NotApplied(line=line, text=text, why=why))

    def line_text(self, line: int) -> str:
        lines = self.plan.lines
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""

    def field_at(self, line: int) -> Field | None:
        """The field (or table row read as one) holding a plan line: a problem names it."""
        return next((f for f in [*self.plan.fields, *self.plan.other_fields] if line in f.lines), None)

    def default(self, name: str, value: Any, note: str) -> None:
        self.set(name, value, default_prov(note))

    def add_note(self, name: str, *notes: str) -> None:
        """Append notes to the provenance of answer `name` (after any it has, joined with "; ")."""
        prov = self.provenance[name]
        self.provenance[name] = prov.model_copy(update={"note": "; ".join(x for x in (prov.note, *notes) if x)})

    def problem(self, f: Field | None, name: str, message: str, hint: str | None = None, line: int | None = None) -> None:
        self.problems.append(
            Problem(message=message, file=self.plan.source, line=line or (f.line if f else None),
                    field=f.label if f else name, hint=hint)
        )

    def warn(self, f: Field | None, name: str, message: str, line: int | None = None) -> None:
        ln = line or (f.line if f else None)
        where = f"{self.plan.source}:{ln}: " if ln else f"{self.plan.source}: "
        self.warnings.append(f"{where}{f.label if f else name}: {message}")

    def valid_name(self, f: Field | None, answer: str, kind: str, name: str, line: int | None = None) -> bool:
        """Whether a name the plan gives (a tenant, environment, application, chart) is valid; if not, a problem at
        its line (else f's) saying why (decide/names.py)."""
        problem = name_problem(name)
        if problem is not None:
            self.problem(f, answer, f"{kind} {name!r} {problem[0]}", problem[1], line=line)
        return problem is None

    def unsafe_source(self, f: Field | None, name: str) -> bool:
        """A field that becomes names must not carry path traversal or template syntax; refuses it if it does."""
        if f is None or f.unresolved:
            return False
        m = _UNSAFE_IN_NAMES.search(f.value)
        if m:
            self.problem(f, name, f"{m.group(0)!r} in a value that becomes names (path traversal or template syntax)",
                         "use plain DNS-1123 names")
            return True
        return False
