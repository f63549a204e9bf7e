"""Property and metamorphic tests: mutated plans never crash planforge, unrelated edits change
nothing, and renaming a tenant, region or environment changes exactly that answer."""
from __future__ import annotations

import io
import re
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from testlib import ACCEPTED_PLANS, PLANS, hang_guard
from planforge.cli import main
from planforge.decide import decide
from planforge.decide.data import blocking_action
from planforge.errors import PlanforgeError, RefusedError
from planforge.plan import parse_text

ALL = sorted(PLANS.glob("*.plan.md"))
TEXTS = {p.name.removesuffix(".plan.md"): p.read_text(encoding="utf-8") for p in ALL}
ACCEPTED = [p.name.removesuffix(".plan.md") for p in ACCEPTED_PLANS]
FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def data(text: str) -> dict:
    return decide(parse_text(text, "p.md")).answers.to_copier_data()


def without(d: dict, *keys: str) -> dict:
    return {k: v for k, v in d.items() if k not in keys}


def sections(text: str) -> list[str]:
    """The text split before every H2 heading (first chunk: title and header)."""
    return re.split(r"(?m)^(?=## )", text)


# --------------------------------------------------------------------------- mutations
@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(TEXTS)))
    lines = TEXTS[name].splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "swap", "truncate", "junk", "duplicate"]))
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "delete":
            del lines[i : i + draw(st.integers(1, 5))]
        elif kind == "swap":
            parts = sections("".join(lines))
            if len(parts) > 2:
                a, b = draw(st.integers(1, len(parts) - 1)), draw(st.integers(1, len(parts) - 1))
                parts[a], parts[b] = parts[b], parts[a]
            lines = "".join(parts).splitlines(keepends=True)
        elif kind == "truncate":
            text = "".join(lines)
            lines = text[: draw(st.integers(0, len(text)))].splitlines(keepends=True)
        elif kind == "junk":
            junk = draw(st.binary(min_size=1, max_size=30)).decode("latin-1")
            lines.insert(i, junk)
        else:
            lines.insert(i, lines[i])
    return "".join(lines)


@FAST
@given(text=mutated())
def test_mutations_raise_only_planforge_errors(text):
    try:
        decide(parse_text(text, "m.md"))
    except PlanforgeError as exc:
        for p in exc.problems:
            assert p.message


@FAST
@given(text=mutated(), raw=st.binary(max_size=40), at=st.integers(min_value=0),
       command=st.sampled_from([["plan", "check"], ["plan", "show", "--json"], ["answers"]]))
def test_cli_never_tracebacks(text, raw, at, command, tmp_path_factory):
    """The file on disk also gets raw bytes (invalid UTF-8, NUL, BOMs) spliced in, not only decodable text. Each
    example runs one of the commands reading a plan (they share the reading and the deciding)."""
    path = tmp_path_factory.mktemp("plans") / "plan.md"
    encoded = text.encode("utf-8")
    at %= len(encoded) + 1
    path.write_bytes(encoded[:at] + raw + encoded[at:])
    err, out = io.StringIO(), io.StringIO()
    with redirect_stderr(err), redirect_stdout(out):
        code = main([*command, str(path)])
    assert code in (0, 1, 2)
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()


# Words every decision is keyed to: an edit built from them would change the answers if Summary or
# Complexity Tracking fed any decision (random letters alone would almost never spell one).
DECISION_WORDS = [
    "**Cloud Provider**: GCP", "Azure", "AWS", "eu-north-1", "ap-south-1", "Terraform 1.9", "Kubernetes 1.31", "EKS",
    "AKS", "GKE", "DOKS", "OKE", "minikube", "ArgoCD", "Dapr", "Kafka", "Redpanda", "Strimzi", "Prometheus", "Grafana",
    "Vault", "Sealed Secrets", "PostgreSQL 16", "Neon", "RDS", "Helm chart", "charts/other/", "tenants/hooli/",
    "environments (dev, qa, prod)", "3 organizations (a, b, c)", "Option 3", "multi-tenant", "single-region (us-west-2)",
    "99.99% uptime", "RPO < 5m", "HIPAA", "GDPR", "KMS", "2 frontend replicas", "port 9090", "/readyz",
]
PROSE = st.one_of(
    st.text(alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,;:()-")), max_size=60),
    st.lists(st.sampled_from(DECISION_WORDS), min_size=1, max_size=5).map(", ".join),
)


def _section_lines(text: str, title: str) -> list[int]:
    """0-based indexes of the non-blank lines of the H2 section `title`."""
    out, current = [], None
    for n, line in enumerate(text.splitlines()):
        if line.startswith("## "):
            current = line[3:].strip().lower()
        elif current == title and line.strip():
            out.append(n)
    return out


def _edited(text: str, editable: list[int], data_) -> str:
    lines = text.splitlines(keepends=True)
    for n in data_.draw(st.lists(st.sampled_from(editable), min_size=1, max_size=4)):
        lines[n] = data_.draw(PROSE).strip() + "\n"
    return "".join(lines)


@FAST
@given(name=st.sampled_from(ACCEPTED), data_=st.data())
def test_complexity_tracking_edits_change_no_answer(name, data_):
    """Complexity Tracking never feeds an answer, whatever words it holds."""
    editable = _section_lines(TEXTS[name], "complexity tracking")
    if editable:
        assert values(data(_edited(TEXTS[name], editable, data_))) == values(data(TEXTS[name]))


def test_a_service_statement_in_complexity_tracking_changes_nothing():
    """Found by the property above: the table's header lines replaced by `frontend` and `port00` read as a port of
    the frontend (refused as port 0); Complexity Tracking is read for no statement."""
    text = TEXTS["event-driven-dapr-flux"]
    header = "| Violation | Why Needed | Simpler Alternative Rejected Because |\n"
    separator = "|-----------|------------|-------------------------------------|\n"
    assert header + separator in text
    edited = text.replace(header + separator, "frontend\nport00\n", 1)
    assert values(data(edited)) == values(data(text))


@FAST
@given(name=st.sampled_from(ACCEPTED), data_=st.data())
def test_summary_edits_are_decided_or_refused_never_crash(name, data_):
    """The Summary is read for what it names (upstream charts, a service's image and port, tools), so an edit may
    change an answer; it is decided or refused with problems, never an internal error."""
    editable = _section_lines(TEXTS[name], "summary")
    if not editable:
        return
    try:
        decide(parse_text(_edited(TEXTS[name], editable, data_), "p.md"))
    except RefusedError as exc:
        assert exc.problems and all(p.line for p in exc.problems)


def values(d: dict) -> dict:
    """The answers with the Decisions lines' values, without their sources, and without the Not applied list
    (the Summary is checked for the infrastructure it names, so what it lists follows the Summary's words)."""
    return {**d, "decisions": [(x["name"], x["value"]) for x in d["decisions"]], "not_applied": None}


# --------------------------------------------------------------------------- metamorphic
@pytest.mark.parametrize("name", ACCEPTED)
def test_crlf_changes_nothing(name):
    assert data(TEXTS[name].replace("\n", "\r\n")) == data(TEXTS[name])


@pytest.mark.parametrize("name", ACCEPTED)
def test_reordering_sections_changes_no_answer(name):
    parts = sections(TEXTS[name])
    head, body = parts[0], parts[1:]
    body = [p if p.endswith("\n\n") else p.rstrip("\n") + "\n\n" for p in body]
    reordered = head + "".join(reversed(body))
    assert without(data(reordered), "decisions", "not_applied") == without(data(TEXTS[name]), "decisions", "not_applied")


def test_renaming_a_tenant_changes_exactly_that_answer():
    text = TEXTS["multi-tenant-saas"]
    before, after = data(text), data(text.replace("globex", "umbrella"))
    assert after["tenants"] == ["acme", "umbrella", "initech"]
    assert without(after, "tenants", "decisions", "not_applied") == without(before, "tenants", "decisions", "not_applied")


@pytest.mark.parametrize("name,old,new", [
    ("multi-tenant-saas", "eu-central-1", "eu-west-3"),
    ("aws-single-iac", "eu-west-1", "eu-north-1"),  # the plan keeps data in the EU
    ("aws-eks-argocd", "us-east-1", "ca-central-1"),
])
def test_renaming_the_region_changes_exactly_that_answer(name, old, new):
    before, after = data(TEXTS[name]), data(TEXTS[name].replace(old, new))
    assert (before["region"], after["region"]) == (old, new)
    assert without(after, "region", "decisions", "not_applied") == without(before, "region", "decisions", "not_applied")


@pytest.mark.parametrize("name,old,new", [
    ("aws-single-iac", "staging", "qa"),
    ("multi-tenant-saas", "staging", "uat"),
    ("event-driven-dapr", "dev, prod", "dev, sandbox"),
])
def test_renaming_an_environment_changes_exactly_that_answer(name, old, new):
    before, after = data(TEXTS[name]), data(TEXTS[name].replace(old, new))
    assert before["environments"] != after["environments"]
    assert [e for e in after["environments"] if e not in before["environments"]] == [new.split(", ")[-1]]
    assert [s["name"] for s in after["environment_sizing"]] == after["environments"]
    renamed = {e["name"]: e for e in before["environment_sizing"]}
    for e in after["environment_sizing"]:
        ref = renamed.get(e["name"]) or next(x for x in before["environment_sizing"] if x["name"] not in after["environments"])
        assert without(e, "name") == without(ref, "name")
    keep = ("environments", "environment_sizing", "decisions", "not_applied")
    assert without(after, *keep) == without(before, *keep)


def _blocking_fields(text: str):
    plan = parse_text(text, "p.md")
    structure = decide(plan).answers.structure
    fields = [f for f in plan.fields if blocking_action(f.key, structure) == "block"]
    return fields + ([plan.structure_decision] if plan.structure_decision else []), structure


@pytest.mark.parametrize("name", ACCEPTED)
def test_every_refusal_cites_the_line_that_holds_the_field(name):
    text = TEXTS[name]
    fields, _ = _blocking_fields(text)
    lines = text.splitlines()
    for f in fields:
        broken = lines.copy()
        broken[f.line - 1] = f"**{f.label}**: NEEDS CLARIFICATION"
        with pytest.raises(RefusedError) as exc:
            decide(parse_text("\n".join(broken), "p.md"))
        cited = {(p.field, p.line) for p in exc.value.problems}
        assert (f.label, f.line) in cited
        for p in exc.value.problems:
            assert p.field.split()[0].lower() in broken[p.line - 1].lower()


def test_needs_clarification_refusal_lines_hold_their_fields():
    text = TEXTS["needs-clarification"]
    lines = text.splitlines()
    with pytest.raises(RefusedError) as exc:
        decide(parse_text(text, "p.md"))
    for p in exc.value.problems:
        assert lines[p.line - 1].startswith(f"**{p.field}**")


def test_tenants_without_a_tree_come_from_the_structure_decision_then_scale():
    text = re.sub(r"```text\n.*?```\n", "", TEXTS["multi-tenant-saas"], flags=re.S)
    text = text.replace("Option 3 (multi-tenant), tenants", "Option 3, a multi-tenant setup with tenants")
    assert data(text)["tenants"] == ["acme", "globex", "initech"]
    renamed = data(text.replace("initech", "hooli"))
    assert renamed["tenants"] == ["acme", "globex", "hooli"]
    no_sd = text.replace("a multi-tenant setup with tenants acme, globex and initech", "multi-tenant")
    d = decide(parse_text(no_sd, "p.md"))
    assert d.answers.tenants == ["acme", "globex", "initech"] and d.provenance["tenants"].line == 30


@pytest.mark.parametrize("name", ACCEPTED)
@pytest.mark.parametrize("brk", ["  ", "\\", "<br>", "<br/>"])
def test_hard_breaks_on_field_lines_change_no_answer(name, brk):
    """Two trailing spaces, a backslash or an HTML `<br>` ending a `**Label**: value` line is a hard break."""
    text = TEXTS[name]
    broken = "".join(line.rstrip("\n").rstrip() + brk + "\n" if line.startswith("**") else line
                     for line in text.splitlines(keepends=True))
    assert broken != text
    assert without(data(broken), "decisions") == without(data(text), "decisions")


# --------------------------------------------------------------------------- hostile names and huge fields
HOSTILE = st.one_of(
    st.sampled_from(["../../etc", "..", "/etc/passwd", "{{ x }}", "${x}", "$(rm -rf /)", "`id`", "a; b", "a | sh",
                     "us-east-99", "AKIAIOSFODNN7EXAMPLE", "password=hunter2", "ＡＣＭＥ", "\u202e", "é" * 70]),
    st.text(min_size=1, max_size=40),
)
HUGE = st.builds(lambda atom, n: atom * n, st.sampled_from(["[", "[](", "<!--", "(", "1", "a-", "a1-", " ", "no aws ",
                                                           "environments (", "1 a replicas ", "|", "<br "]),
                 st.integers(1, 20_000))


@FAST
@given(name=st.sampled_from(ACCEPTED), value=st.one_of(HOSTILE, HUGE), data_=st.data())
def test_hostile_values_are_refused_or_kept_never_repaired(name, value, data_):
    """A hostile value in any field, tree entry or table cell: a PlanforgeError or answers that never hold the
    traversal, command or credential (refused or redacted, never dropped into a default), fast."""
    lines = TEXTS[name].splitlines()
    slots = [n for n, line in enumerate(lines) if line.startswith(("**", "|", "    ", "├", "└"))]
    n = data_.draw(st.sampled_from(slots))
    lines[n] = lines[n] + " " + value
    with hang_guard(value[:20], limit=5):  # benchmarks/robustness.py times the cases
        try:
            answers = decide(parse_text("\n".join(lines), "p.md")).answers
        except PlanforgeError as exc:
            assert all(p.message for p in exc.problems)
        else:
            names = [answers.project_name, *answers.environments, *answers.tenants, answers.region, answers.chart_name]
            for bad in ("..", "/", "$", "`", ";", "|", "{{", "AKIA", "hunter2"):
                assert not any(bad in x for x in names), (bad, names)
            dumped = str(answers.to_copier_data())
            assert "AKIAIOSFODNN7EXAMPLE" not in dumped and "hunter2" not in dumped
