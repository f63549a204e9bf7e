"""The shape of the template: what the template code may and may not spell out itself."""
from __future__ import annotations

import ast
import re

import yaml
from testlib import REPO, copier_config

# The Jinja that computes copier.yml's values and validates its answers, and the Python that answers the same
# questions for planforge.
JINJA_SOURCES = [REPO / "copier.yml", *sorted((REPO / "includes").glob("*.jinja")), *sorted((REPO / "includes").glob("copier/*.yml"))]
PYTHON_SOURCES = [REPO / "src/planforge/layout.py", REPO / "src/planforge/conditions.py",
                  REPO / "src/planforge/decide/answer_rules.py"]
# A copier.yml validator that writes no rule: the answer, and the other answers its rules read, handed to the
# one macro that applies includes/answer_rules.yaml.
GENERIC_VALIDATOR = re.compile(r"\{% import 'includes/validators\.jinja' as v %\}"
                               r"\{\{ v\.answer\('(\w+)', \1(, \{'\w+': \w+(, '\w+': \w+)*\})?\) \}\}")


def _jinja_flags(text: str, flags: list[str]) -> set[str]:
    """Flags a Jinja text defines: a mapping entry `'NAME': <condition>` (handing over the answer of the same
    name, maybe through filters, `'dapr': dapr | bool,`, is no definition)."""
    answer = r"\s*(\|\s*[\w(')]+\s*)*[,}]"
    return {f for f in flags if re.search(rf"""['"]{re.escape(f)}['"]\s*:\s*(?!{re.escape(f)}{answer})\S""", text)}


def _python_flags(text: str, flags: list[str]) -> set[str]:
    """Flags Python source defines: a dict key naming the flag (handing over the answer of the same name,
    `{"ansible": ansible}`, is no definition), or an item of a tuple, list or set literal naming it."""
    named: set[str] = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Dict):
            items = [k for k, v in zip(node.keys, node.values)
                     if not (isinstance(k, ast.Constant) and isinstance(v, ast.Name) and v.id == k.value)]
        else:
            items = node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else []
        named |= {n.value for n in items if isinstance(n, ast.Constant) and n.value in flags}
    return named


def _jinja_rules(copier: dict, jinja: str, regexes: dict[str, str]) -> set[str]:
    """Answer rules Jinja writes: a copier.yml validator other than the generic call (by its question) and a
    regular expression of the rules spelled in Jinja (as written, or with Jinja's doubled backslashes)."""
    questions = {name for name, q in copier.items()
                 if isinstance(q, dict) and "validator" in q and not GENERIC_VALIDATOR.fullmatch(q["validator"])}
    return questions | {name for name, rx in regexes.items() if rx in jinja or rx.replace("\\", "\\\\") in jinja}


def _python_rules(text: str, questions: set[str], regexes: dict[str, str]) -> set[str]:
    """Answer rules Python writes: a question named by a string literal of the checker (a hand-written check of
    that answer) and a regular expression of the rules spelled in Python."""
    constants = {n.value for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    return (questions & constants) | {name for name, rx in regexes.items() if rx in constants}


def _regexes(rules: dict) -> dict[str, str]:
    return {**{f"patterns.{k}": p["regex"] for k, p in rules["patterns"].items()},
            **{f"texts.{k}": rx for k, rx in rules["texts"].items()},
            **{f"yaml_non_strings.{k}": rx for k, rx in rules["yaml_non_strings"].items()}}


def test_no_flag_or_answer_rule_is_written_in_two_languages() -> None:
    """Every flag (layout.yml `flags`) and answer rule (includes/answer_rules.yaml) is data that Jinja and
    Python both evaluate: neither language spells one out while the other spells it too."""
    flags = list(yaml.safe_load((REPO / "layout.yml").read_text())["flags"])
    rules = yaml.safe_load((REPO / "includes/answer_rules.yaml").read_text())
    copier = copier_config()
    jinja = "\n".join(p.read_text() for p in JINJA_SOURCES)
    python = "\n".join(p.read_text() for p in PYTHON_SOURCES)
    questions = {name for name, q in copier.items() if isinstance(q, dict) and "validator" in q}
    assert len(flags) >= 31 and len(questions) >= 50
    assert _jinja_flags(jinja, flags) & _python_flags(python, flags) == set()
    regexes = _regexes(rules)
    checker = (REPO / "src/planforge/decide/answer_rules.py").read_text()
    assert _jinja_rules(copier, jinja, regexes) & (_python_rules(checker, questions, regexes)
                                                   | {name for name, rx in regexes.items() if rx in python}) == set()
    assert all(GENERIC_VALIDATOR.fullmatch(copier[q]["validator"]) for q in questions)


def test_the_two_language_detectors_find_the_old_form() -> None:
    """The detectors above find a flag and a rule written the way they were before the tables: a Jinja mapping
    of conditions and a Python dict of the same, a validator macro with its own pattern and a Python check."""
    flags = ["terraform_cloud", "apps", "dapr"]
    assert _jinja_flags("{%- set named = {'terraform_cloud': cloud in t.terraform_clouds, 'apps': apps | length > 0,"
                        " 'dapr': dapr | bool} -%}", flags) == {"terraform_cloud", "apps"}
    assert _jinja_flags("{{ layout.flags({'cloud': cloud, 'apps': apps, 'dapr': dapr | bool}) }}", flags) == set()
    assert _python_flags('named = {"terraform_cloud": cloud in table["terraform_clouds"], "dapr": dapr}',
                         flags) == {"terraform_cloud"}
    copier = {"rpo_minutes": {"validator": "{% import 'includes/validators.jinja' as v %}"
                                           "{{ v.whole_number(rpo_minutes, 'rpo_minutes', 0) }}"},
              "region": {"validator": "{% import 'includes/validators.jinja' as v %}{{ v.answer('region', region) }}"}}
    regexes = {"patterns.kubernetes_version": r"\A1\.[0-9]{1,2}\Z"}
    jinja = r"{{ _pattern(value, field, '\\A1\\.[0-9]{1,2}\\Z', 'a Kubernetes minor version like 1.29') }}"
    assert _jinja_rules(copier, jinja, regexes) == {"rpo_minutes", "patterns.kubernetes_version"}
    assert _python_rules('for name in ("rpo_minutes", "rto_minutes"): pass', {"rpo_minutes", "region"},
                         regexes) == {"rpo_minutes"}



_DATA_INCLUDE = re.compile(r"""include\s+['"](includes/[\w/.-]+\.ya?ml)['"]""")


def test_the_data_the_template_includes_reads_the_same_in_jinja_and_python():
    """A data file the template includes through Jinja (and Python reads raw, e.g. the component catalog) opens no
    Jinja tag: it would be rendered on one side only (a closing `}}` of nested YAML mappings is plain text)."""
    sources = [*JINJA_SOURCES, *sorted((REPO / "blueprints").rglob("*.jinja"))]
    included = sorted({m.group(1) for path in sources for m in _DATA_INCLUDE.finditer(path.read_text(encoding="utf-8"))})
    assert "includes/components.yaml" in included and "includes/answer_rules.yaml" in included
    for name in included:
        text = (REPO / name).read_text(encoding="utf-8")
        assert not re.search(r"\{[{%#]", text), f"{name} holds a Jinja tag opener"
