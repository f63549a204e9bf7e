"""The answer rules: one checker for every gate (`decide`, `planforge answers`, rendering).

The rules themselves are data (the template's includes/answer_rules.yaml): a pattern per kind
of value, which answers follow which spec, list and range limits, the answers that must fit
together. This module applies them; includes/validators.jinja applies the same entries inside
plain `copier copy`. Neither writes a rule of its own.

Each problem names the answer field (with list index, `apps[2].image`) and the plan line
the answer came from (its provenance).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planforge import conditions
from planforge.decide.answers import Answers, NotApplied, Provenance
from planforge.errors import Problem
from planforge.yamlio import template_data

RULES_FILE = "includes/answer_rules.yaml"


@dataclass(frozen=True)
class Pattern:
    name: str
    regex: re.Pattern[str]
    what: str
    max: int | None = None
    yaml_text: bool = False  # a name written unquoted into YAML: YAML must read it as text


@lru_cache(maxsize=None)
def rules() -> dict[str, Any]:
    """The rules of the shipped template (includes/answer_rules.yaml)."""


    return template_data(RULES_FILE)


@lru_cache(maxsize=None)
def patterns() -> dict[str, Pattern]:
    return {name: Pattern(name, re.compile(p["regex"]), p["what"], p.get("max"), p.get("yaml_text", False))
            for name, p in rules()["patterns"].items()}


YAML_TEXT_FIX = "choose another name: names are written unquoted into YAML, which must read them as text"


@lru_cache(maxsize=None)
def _yaml_non_strings() -> dict[str, re.Pattern[str]]:
    return {kind: re.compile(regex) for kind, regex in rules()["yaml_non_strings"].items()}


def yaml_reading(text: str) -> str | None:
    """What YAML reads `text`, written unquoted, as when that is not a string (`a boolean` for `on`, `a number`
    for `010`, `null`, `a date`), else None."""
    return next((kind for kind, rx in _yaml_non_strings().items() if rx.search(text)), None)


@lru_cache(maxsize=None)
def texts() -> dict[str, re.Pattern[str]]:
    return {name: re.compile(regex) for name, regex in rules()["texts"].items()}


class _Checker:
    """Collects problems, locating each at the plan line of its answer."""

    def __init__(self, provenance: Mapping[str, Provenance], plan_file: Path | str | None, answers: Answers | None):
        self.provenance = provenance
        self.plan_file = plan_file
        self.answers = answers
        self.problems: list[Problem] = []

    def _line(self, field: str) -> int | None:
        top = field.split("[", 1)[0].split(".", 1)[0]
        tops = [top]
        if top in ("decisions", "not_applied") and "[" in field and self.answers is not None:
            item = getattr(self.answers, top)[int(field[len(top) + 1:].split("]", 1)[0])]
            if isinstance(item, NotApplied):  # a not-applied item is located at its own line
                return item.line
            tops.append(item.name)  # a Decisions line is located at the answer it documents
        lines = [p.line for p in map(self.provenance.get, tops) if p is not None and p.source == "plan"]
        return lines[0] if lines else None

    def add(self, field: str, message: str, hint: str) -> None:
        self.problems.append(Problem(message=message, file=self.plan_file, line=self._line(field), field=field,
                                     hint=hint))

    def check(self, field: str, value: Any, spec: Mapping[str, Any], answers: Mapping[str, Any]) -> None:
        """One value against its spec: `rule` (a pattern), `text` or `number`, maybe `optional`. `bool`,
        `required` and `null` are types the answer model already holds."""
        unless = spec.get("optional_unless")
        if value is None and spec.get("nullable"):
            return
        if spec.get("optional") and value in ("", None) and not (unless and conditions.holds(unless, answers, rules())):
            return
        if "keys_rule" in spec:
            self.keyed(field, value, spec)
        elif "number" in spec:
            self.number(field, value, spec)
        elif "text" in spec:
            if value and texts()[spec["text"]].search(value):
                self.add(field, f"{value!r} contains Jinja/HCL interpolation, quotes, backticks, backslashes or "
                         "control characters", "remove the template or shell syntax from the plan text")
        elif "rule" in spec:
            self.pattern(field, value, spec)

    def pattern(self, field: str, value: Any, spec: Mapping[str, Any]) -> None:
        pattern = patterns()[spec["rule"]]
        limit = spec.get("max", pattern.max)
        text = "" if value is None else str(value)
        if ".." in text or text.startswith(("/", "~")) and pattern.name == "label":
            self.add(field, f"{text!r} is a path traversal", f"use {pattern.what}")
        elif not pattern.regex.search(text) or (limit is not None and len(text) > limit):
            at_most = f", at most {limit} characters" if limit else ""
            self.add(field, f"{text!r} is not {pattern.what}", f"use {pattern.what}{at_most}")
        elif pattern.yaml_text and (reading := yaml_reading(text)) is not None:
            self.add(field, f"{text!r}: YAML reads `{text}` as {reading}", YAML_TEXT_FIX)

    def keyed(self, field: str, values: Mapping[str, str], spec: Mapping[str, Any]) -> None:
        """A mapping whose keys follow the pattern `keys_rule` and whose values follow `rule`."""
        for key, value in values.items():
            self.pattern(f"{field}.{key}", key, {"rule": spec["keys_rule"]})
            self.pattern(f"{field}.{key}", value, spec)

    def number(self, field: str, value: int, spec: Mapping[str, Any]) -> None:
        low, high = spec["number"]
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"{'' if low is None else low}-{'' if high is None else high}"
            self.add(field, f"{value} is outside {bounds}", spec.get("hint") or f"use {bounds}")

    def names(self, field: str, values: list[Any], spec: Mapping[str, Any], answers: Mapping[str, Any]) -> None:
        """A list of names (`rule`) or choices (`one_of`), with `min_items`, `max_items`, `unique` and `first`."""
        if len(values) < spec.get("min_items", 0):
            self.add(field, f"no {field}", f"name at least {spec['min_items']} (e.g. dev)")
        if "max_items" in spec and len(values) > spec["max_items"]:
            self.add(field, f"{len(values)} {field}; at most {spec['max_items']} are supported", "split the plan")
        for index, item in enumerate(values):
            if "one_of" in spec and item not in spec["one_of"]:
                self.add(f"{field}[{index}]", f"{item!r} is not one of {', '.join(spec['one_of'])}",
                         f"use {', '.join(spec['one_of'])}")
            elif "rule" in spec:
                self.check(f"{field}[{index}]", item, spec, answers)
        if "rule" in spec or spec.get("unique"):
            self.unique(field, values)
        first = spec.get("first")
        if first and values and values[0] != answers[first]:
            self.add(field, f"{field} {values} must start with the {first} {answers[first]!r}",
                     f"start the list with {answers[first]}")

    def mappings(self, field: str, items: list[Any], spec: Mapping[str, Any], answers: Mapping[str, Any]) -> None:
        """A list of mappings: each item's keys against their specs, the `unique` key never repeated."""
        for index, item in enumerate(items):
            for key, key_spec in spec["keys"].items():
                self.check(f"{field}[{index}].{key}", getattr(item, key), key_spec, answers)
        if "unique" in spec:
            self.unique(field, [getattr(item, spec["unique"]) for item in items])

    def mapping(self, field: str, values: Mapping[str, Any], spec: Mapping[str, Any], allowed: list[str],
                what: str, answers: Mapping[str, Any]) -> None:
        """A mapping whose keys are `allowed` (`what` names them) and whose values follow `spec`."""
        for key, value in values.items():
            if key not in allowed:
                self.add(f"{field}.{key}", f"{key!r} is not {what}", f"use one of {', '.join(allowed) or 'none'}")
            else:
                self.check(f"{field}.{key}", value, spec, answers)

    def unique(self, field: str, names: Iterable[str]) -> None:
        names = list(names)
        for name in sorted({n for n in names if names.count(n) > 1}):
            self.add(field, f"{name!r} appears twice", "give each name once")


def check_answers(answers: Answers, provenance: Mapping[str, Provenance] | None = None,
                  plan_file: Path | str | None = None) -> list[Problem]:
    """Every reason the answers must not be rendered (empty list: safe to render)."""
    from planforge.layout import load_layout

    r = rules()
    values = {name: getattr(answers, name) for name in Answers.model_fields}
    c = _Checker(provenance or {}, plan_file, answers)
    for name, spec in r["fields"].items():
        c.check(name, values[name], spec, values)
    for section in ("name_lists", "choice_lists"):
        for name, spec in r[section].items():
            c.names(name, values[name], spec, values)
    for name, spec in r["mapping_lists"].items():
        c.mappings(name, values[name], spec, values)
    for name, spec in r["cloud_maps"].items():
        c.mapping(name, values[name], spec, values["clouds"][1:], "another cloud of clouds", values)
    for name, spec in r["dir_maps"].items():
        c.mapping(name, values[name], spec, list(load_layout()["dirs"]), "a directory of the layout table", values)
    for rule in r["together"]:
        if conditions.holds(rule["refuse"], values, r):
            c.add(rule["field"], _fill(rule["message"], values), _fill(rule["hint"], values))
    return c.problems


def _fill(message: str, answers: Mapping[str, Any]) -> str:
    """`{NAME}` in a message: the answer NAME (a list by its items, an item by its name)."""
    def shown(value: Any) -> str:
        if isinstance(value, str) or not isinstance(value, Iterable):
            return str(value)
        return ", ".join(str(conditions.field_of(v, "name")) if not isinstance(v, str) else v for v in value)

    return re.sub(r"\{(\w+)\}", lambda m: shown(answers[m[1]]) if m[1] in answers else m[0], message)


def check_data(data: Mapping[str, Any], provenance: Mapping[str, Provenance] | None = None,
               plan_file: Path | str | None = None) -> list[Problem]:
    """The rules applied to a raw Copier data mapping (what `copier copy --data-file` reads):
    values of the wrong type are problems too (strict: no "8080" for a port)."""
    try:
        answers = Answers.model_validate(dict(data), strict=True)
    except ValidationError as exc:
        return [Problem(message=err["msg"], file=plan_file, field=_error_field(err["loc"]), hint="fix the answer")
                for err in exc.errors()]
    return check_answers(answers, provenance, plan_file)


def _error_field(loc: tuple) -> str:
    field = ""
    for part in loc:
        if isinstance(part, int):
            field += f"[{part}]"
        elif not str(part).startswith(("literal[", "function-")):
            field += f".{part}" if field else str(part)
    return field
