"""A name the plan gives (tenant, environment, application, chart) that is not a valid name is refused at its line
with the reason: never dropped, split or rewritten. YAML-special names (`yes`, `null`, `010`, `on`, `1e3`) are
refused too, since the templates write names unquoted and YAML would read a boolean, null or a number."""
from __future__ import annotations

import pytest

from testlib import PLANS, line_of
from planforge.cli import main
from planforge.decide import decide
from planforge.decide.answer_rules import check_answers
from planforge.errors import RefusedError
from planforge.plan import parse_text

TENANT = (PLANS / "multi-tenant-saas.plan.md").read_text(encoding="utf-8")
EKS = (PLANS / "aws-eks-argocd.plan.md").read_text(encoding="utf-8")
CHART = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8")

TREE_TENANTS = "└── tenants/\n    ├── acme/\n    ├── globex/\n    └── initech/\n"
SD_TENANTS = ", tenants acme, globex and initech."
SCOPE_TENANTS = "(acme, globex, initech)"

SHELL, JINJA, SPACE, PATH = "$(rm -rf ~)", "{{ 7*7 }}", "a b", "/etc/passwd"
YAML_SPECIAL = {"yes": "a boolean", "null": "null", "010": "a number", "on": "a boolean", "1e3": "a number"}
HOSTILE = [SHELL, JINJA, SPACE, PATH, *YAML_SPECIAL]
TEMPLATE_SYNTAX = "'{{' in a value that becomes names (path traversal or template syntax)"


def refused(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(RefusedError) as exc:
        decide(parse_text(text, "p.md"))
    return [(p.line, p.field, p.message) for p in exc.value.problems]


def reason(kind: str, name: str) -> str:
    """The refusal of one name (in a plan field, template syntax is refused earlier, for the whole field)."""
    if name in YAML_SPECIAL:
        return f"{kind} {name!r} cannot be a name: YAML reads `{name}` as {YAML_SPECIAL[name]}"
    first_bad = {SHELL: "'$'", JINJA: "'{'", SPACE: "a blank", PATH: "'/'"}[name]
    return f"{kind} {name!r} is not a DNS-1123 label: {first_bad} is not a lowercase letter, digit or '-'"


def tenants_only_in(where: str, name: str) -> str:
    """The SaaS plan whose tenants are named only in `where` (tree, structure decision or scale), the third
    one replaced by `name`."""
    text = TENANT
    if where != "tree":
        text = text.replace(TREE_TENANTS, "").replace("kubernetes/\n├── cluster-config/\n", "kubernetes/\n└── cluster-config/\n")
    if where != "structure decision":
        text = text.replace(SD_TENANTS, ".")
    if where != "scale":
        text = text.replace(SCOPE_TENANTS, "")
    return {"tree": text.replace("    └── initech/\n\nkubernetes", f"    └── {name}/\n\nkubernetes"),
            "structure decision": text.replace(SD_TENANTS, f", tenants acme, globex and {name}."),
            "scale": text.replace(SCOPE_TENANTS, f"(acme, globex, {name})")}[where]


def test_each_tenant_source_alone_still_names_the_tenants():
    for where in ("tree", "structure decision", "scale"):
        assert decide(parse_text(tenants_only_in(where, "initech"), "p.md")).answers.tenants == [
            "acme", "globex", "initech"], where


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_tenant_in_the_tree_is_refused_at_its_line(name):
    text = tenants_only_in("tree", name)
    assert refused(text) == [(line_of(text, f"└── {name}/"), "tenants", reason("tenant", name))]


@pytest.mark.parametrize("name", ["-a", "--"])
def test_a_tree_name_starting_with_a_dash_is_refused_not_nested(name):
    """`└── -a/` is the entry `-a/`, not `a/` under the entry above it (the tenant was dropped)."""
    text = tenants_only_in("tree", name)
    assert refused(text) == [(line_of(text, f"└── {name}/"), "tenants", f"tenant {name!r} is not a DNS-1123 label: "
                              "it starts or ends with '-'")]


@pytest.mark.parametrize("where,field", [("structure decision", "Structure Decision"), ("scale", "Scale/Scope")])
@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_tenant_in_a_tenant_list_is_refused_at_its_line(name, where, field):
    text = tenants_only_in(where, name)
    line = line_of(text, f"globex, {name}" if where == "scale" else f"globex and {name}")
    expected = (line, field, TEMPLATE_SYNTAX) if name == JINJA else (line, "tenants", reason("tenant", name))
    assert expected in refused(text)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_environment_is_refused_at_its_line(name):
    text = EKS.replace("dev, staging, production", f"dev, staging, {name}")
    line = line_of(text, "**Target Environment**")
    message = {SHELL: "shell metacharacter '$' in the environment list 'dev, staging, $(rm -rf ~)'",
               JINJA: TEMPLATE_SYNTAX}.get(name) or reason("environment", name)
    assert refused(text) == [(line, "Target Environment", message)]


def test_an_environment_on_a_nested_line_is_refused_at_that_line():
    text = EKS.replace("**Target Environment**: dev, staging, production",
                       "**Target Environment**:\n- dev\n- production\n- on\n")
    assert refused(text) == [(line_of(text, "- on"), "Target Environment", reason("environment", "on"))]


def test_a_path_is_one_environment_refused_not_two_environments():
    text = EKS.replace("dev, staging, production", "dev, /etc/passwd")
    assert [m for _, _, m in refused(text)] == [reason("environment", PATH)]
    # a slash between two names still separates them
    assert decide(parse_text(EKS.replace("dev, staging, production", "dev/prod"), "p.md")).answers.environments == [
        "dev", "prod"]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_application_is_refused_at_its_line(name):
    text = EKS.replace("**Custom Applications**: orders-api, web-frontend",
                       f"**Custom Applications**: orders-api, {name}")
    line = line_of(text, "**Custom Applications**")
    expected = (line, "Custom Applications", TEMPLATE_SYNTAX if name == JINJA else reason("application", name))
    assert refused(text) == [expected]


@pytest.mark.parametrize("name", [n for n in HOSTILE if n not in (JINJA, PATH)])
def test_a_hostile_chart_directory_is_refused_at_its_line(name):
    text = CHART.replace("```text\nhelm/todo/\n", f"```text\nhelm/{name}/\n")
    assert (line_of(text, f"helm/{name}/"), "chart_name", reason("chart", name)) in refused(text)


def test_names_are_never_rewritten():
    """Uppercase is refused with the name to write, not lowercased; an environment word keeps its meaning."""
    text = EKS.replace("orders-api, web-frontend", "Orders-API, web-frontend")
    assert refused(text) == [(line_of(text, "Orders-API"), "Custom Applications",
                              "application 'Orders-API' is not a DNS-1123 label: uppercase 'O' is not a lowercase "
                              "letter, digit or '-'")]
    d = decide(parse_text(EKS.replace("dev, staging, production", "Development environment, Production (AWS)"), "p.md"))
    assert d.answers.environments == ["dev", "prod"]


def test_markdown_decoration_around_a_name_is_not_part_of_it():
    text = TENANT.replace(TREE_TENANTS, "").replace(SD_TENANTS, ".").replace(
        SCOPE_TENANTS, "(`acme`, **globex**, initech (EU))")
    assert decide(parse_text(text, "p.md")).answers.tenants == ["acme", "globex", "initech"]


def test_a_sentence_about_tenants_names_no_tenant():
    text = tenants_only_in("scale", "initech").replace(
        "**Structure Decision**: Option 3 (multi-tenant).",
        "**Structure Decision**: Option 3 (multi-tenant); each tenant gets its own namespace.")
    assert decide(parse_text(text, "p.md")).answers.tenants == ["acme", "globex", "initech"]


@pytest.mark.parametrize("name", list(YAML_SPECIAL))
def test_the_answer_rules_refuse_yaml_special_names(name):
    """The gate `planforge answers`, `new` and rendering apply (a data file that never went through decide)."""
    answers = decide(parse_text(EKS, "p.md")).answers
    problems = check_answers(answers.model_copy(update={"environments": ["dev", name]}))
    assert [(p.field, p.message) for p in problems] == [
        ("environments[1]", f"{name!r}: YAML reads `{name}` as {YAML_SPECIAL[name]}")]


def test_new_with_hostile_names_writes_no_repository(tmp_path, capsys):
    plan = tmp_path / "plan.md"
    text = tenants_only_in("tree", "on").replace("**Target Environment**: staging, production",
                                                 "**Target Environment**: staging, 010")
    plan.write_text(text, encoding="utf-8")
    dest = tmp_path / "repo"
    assert main(["new", str(plan), str(dest), "--no-git"]) == 1
    err = capsys.readouterr().err
    assert f"{plan}:{line_of(text, '└── on/')}: tenants: {reason('tenant', 'on')}" in err
    assert f"{plan}:{line_of(text, 'staging, 010')}: Target Environment: {reason('environment', '010')}" in err
    assert not dest.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]
