"""Charts as the plan states them: a chart the plan deploys as published becomes a component with the plan's
repository and exact version, never an invented application; a chart of the plan's own services takes the
images, ports and test hooks the plan states."""
from __future__ import annotations


import pytest

from testlib import PLANS, hang_guard
from planforge.decide import decide
from planforge.errors import RefusedError
from planforge.plan import parse_text

AUTHENTIK = (PLANS / "authentik-upstream.plan.md").read_text(encoding="utf-8")
SUMMARY = ("official authentik Helm chart (version 2024.8.3 from https://charts.goauthentik.io) with values for")


def decided(text: str):
    return decide(parse_text(text, "plan.md"))


def test_the_upstream_chart_is_a_component_with_the_plans_repository_and_version_and_no_app_is_invented():
    d = decided(AUTHENTIK)
    comps = {x.name: x for x in d.answers.components}
    assert set(comps) == {"argo-cd", "cert-manager", "authentik"}
    a = comps["authentik"]
    assert (a.chart_repo, a.chart, a.version, a.namespace) == ("https://charts.goauthentik.io", "authentik", "2024.8.3",
                                                              "authentik")
    assert d.answers.services == []
    services = next(x for x in d.answers.decisions if x.name == "services")
    assert services.source.startswith("plan.md:7: official authentik Helm chart")
    assert not any("authentik-idp" in (s.image or "") for s in d.answers.services)


@pytest.mark.parametrize("sentence, chart_repo", [
    ("using the upstream authentik chart 2024.8.3 from https://charts.goauthentik.io/ with values for",
     "https://charts.goauthentik.io"),
    ("using the community authentik Helm chart version 2024.8.3 (https://charts.goauthentik.io) with values for",
     "https://charts.goauthentik.io"),
])
def test_other_spellings_of_an_upstream_chart(sentence, chart_repo):
    d = decided(AUTHENTIK.replace(SUMMARY, sentence))
    [a] = [x for x in d.answers.components if x.name == "authentik"]
    assert (a.chart_repo, a.version) == (chart_repo, "2024.8.3") and d.answers.services == []


def test_an_upstream_chart_without_a_repository_is_refused_at_its_line():
    text = AUTHENTIK.replace(SUMMARY, "official authentik Helm chart (version 2024.8.3) with values for")
    with pytest.raises(RefusedError) as exc:
        decided(text)
    [p] = exc.value.problems
    assert p.line == 7 and "upstream authentik chart but names no chart repository" in p.message
    assert "https://" in p.hint


def test_an_upstream_chart_without_an_exact_version_is_refused():
    text = (AUTHENTIK.replace(SUMMARY, "official authentik Helm chart from https://charts.goauthentik.io with values for")
            .replace("authentik Helm chart 2024.8.3", "authentik Helm chart"))
    with pytest.raises(RefusedError) as exc:
        decided(text)
    [p] = exc.value.problems
    assert p.line == 7 and "without an exact chart version" in p.message


def test_a_catalog_chart_takes_the_exact_chart_version_the_plan_states():
    text = AUTHENTIK.replace("authentik Helm chart 2024.8.3, cert-manager",
                             "authentik Helm chart 2024.8.3, the official cert-manager Helm chart v1.15.3")
    d = decided(text)
    [cm] = [x for x in d.answers.components if x.name == "cert-manager"]
    assert (cm.version, cm.chart_repo) == ("v1.15.3", "https://charts.jetstack.io")
    assert cm.notes == "chart version stated in the plan"


def test_words_about_charts_in_general_name_no_chart():
    text = AUTHENTIK.replace("**Constraints**: no custom images; values only",
                             "**Constraints**: upstream Helm charts wherever a maintained chart exists; no chart of our own")
    assert {x.name for x in decided(text).answers.components} == {"argo-cd", "cert-manager", "authentik"}


def test_reading_chart_mentions_is_linear_on_long_lines():
    for line in ("official a chart " * 600, "official " * 1100 + "x chart", "x chart 1.1." * 800):
        with hang_guard(line[:20]):
            try:
                decided(AUTHENTIK.replace("no custom images; values only", line))
            except RefusedError:
                pass


TODO_CHART = (PLANS / "todo-chart.plan.md").read_text(encoding="utf-8")


def test_each_chart_service_takes_the_image_and_port_its_sentence_states():
    d = decided(TODO_CHART)
    assert [(s.name, s.image, s.port) for s in d.answers.services] == [
        ("backend", "ghcr.io/acme/todo-backend", 8000), ("frontend", "ghcr.io/acme/todo-frontend", 3000)]
    assert {(a.line, a.text) for a in d.applied if a.answer == "services"} >= {
        (6, "ghcr.io/acme/todo-backend"), (7, "ghcr.io/acme/todo-frontend"), (6, "port 8000"), (7, "port 3000")}


def test_an_image_before_any_service_name_belongs_to_no_service():
    text = TODO_CHART.replace("Package the todo backend (FastAPI, port 8000, image ghcr.io/acme/todo-backend)",
                              "Package image ghcr.io/acme/base for the todo backend (FastAPI, port 8000)")
    backend = decided(text).answers.services[0]
    assert backend.image != "ghcr.io/acme/base" and backend.port == 8000


def test_an_image_tag_in_a_services_sentence_is_the_services_tag():
    text = TODO_CHART.replace("image ghcr.io/acme/todo-backend)", "image ghcr.io/acme/todo-backend:1.4.0-rc.1)")
    backend, frontend = decided(text).answers.services
    assert (backend.image, backend.tag, frontend.tag) == ("ghcr.io/acme/todo-backend", "1.4.0-rc.1", "0.1.0")


def test_what_the_plan_does_not_state_of_a_service_is_named_as_a_default_to_set():
    """An image, tag, port or health path the plan does not state is planforge's default for the name: the decision
    says so, service by service, and names nothing the plan states."""
    text = TODO_CHART.replace("image ghcr.io/acme/todo-backend)", "image ghcr.io/acme/todo-backend:1.4.0)")
    note = decided(text).provenance["services"].note
    assert "not in the plan, so planforge's defaults for the names" in note
    backend = next(part for part in note.split("never starts: ", 1)[1].split("; ") if part.startswith("backend: "))
    assert backend == "backend: health path /health"  # image, tag and port are the plan's
    assert "frontend: tag 0.1.0, health path " in note  # the image is stated without a tag
    listed = decided(TODO_CHART.replace("Package the todo backend (FastAPI, port 8000, image ghcr.io/acme/todo-backend)",
                                        "Package the todo backend (FastAPI)"))
    assert "backend: image ghcr.io/" in listed.provenance["services"].note and ":0.1.0, port 8000, health path" in \
        listed.provenance["services"].note


SHOP_CHART = (PLANS / "shop-chart.plan.md").read_text(encoding="utf-8")
SHOP_WORKLOADS = ("backend (image ghcr.io/acme/shop-backend:1.4.0, port 8080) and frontend (image "
                  "ghcr.io/acme/shop-frontend:1.4.0, port 80)")


def test_workloads_a_sentence_names_each_with_its_image_are_the_charts_services_in_the_plans_order():
    d = decided(SHOP_CHART)
    assert [(s.name, s.image, s.tag, s.port) for s in d.answers.services] == [
        ("backend", "ghcr.io/acme/shop-backend", "1.4.0", 8080), ("frontend", "ghcr.io/acme/shop-frontend", "1.4.0", 80)]
    assert {(a.line, a.text) for a in d.applied if a.answer == "services"} >= {
        (12, "ghcr.io/acme/shop-backend:1.4.0"), (12, "ghcr.io/acme/shop-frontend:1.4.0")}
    swapped = decided(SHOP_CHART.replace(SHOP_WORKLOADS, "frontend (image ghcr.io/acme/shop-frontend:2.0) and "
                                         "backend (image ghcr.io/acme/shop-backend:1.4.0)"))
    assert [(s.name, s.tag) for s in swapped.answers.services] == [("frontend", "2.0"), ("backend", "1.4.0")]


def test_a_single_stated_image_keeps_its_tag_and_its_workload_name():
    d = decided(SHOP_CHART.replace(SHOP_WORKLOADS, "backend (image ghcr.io/acme/shop-backend:1.4.0, port 8080)"))
    svc, frontend = d.answers.services
    assert (svc.name, svc.image, svc.tag, svc.port) == ("backend", "ghcr.io/acme/shop-backend", "1.4.0", 8080)
    # the tree's frontend-deployment.yaml is a workload too, its image planforge's default, said so
    assert frontend.name == "frontend" and "frontend: image ghcr.io/" in d.provenance["services"].note


def test_a_data_stores_manifests_and_a_workflow_name_no_service():
    d = decided(SHOP_CHART.replace("    └── pvc.yaml", "    ├── postgresql-deployment.yaml\n    ├── service-account.yaml\n"
                                   "    └── pvc.yaml").replace("## Project Structure", "Deploys with deploy-staging.yml.\n\n"
                                                             "## Project Structure"))
    assert [s.name for s in d.answers.services] == ["backend", "frontend"]


@pytest.mark.parametrize("image, message", [
    ("ghcr.io/acme/shop-backend:-rc1", "'-rc1' in image ghcr.io/acme/shop-backend:-rc1 is not an image tag"),
    ("ghcr.io/acme/shop-backend:" + "1" * 129, "is not an image tag"),
    ("ghcr.io/acme/shop-backend@sha256:" + "a" * 64, "is pinned by digest"),
])
def test_an_image_reference_without_a_usable_tag_is_refused_at_its_line(image, message):
    with pytest.raises(RefusedError) as exc:
        decided(SHOP_CHART.replace("ghcr.io/acme/shop-backend:1.4.0", image))
    [p] = exc.value.problems
    assert p.line == 12 and message in p.message and p.hint.startswith(("state the image with its tag", "a tag is"))


def test_reading_workloads_and_tags_is_linear_on_long_lines():
    for words in ("a(" * 3000, "ab " * 2000 + "(", "ghcr.io/a:" + "." * 6000 + "x", "x (ghcr.io/a/b:1 " * 500):
        with hang_guard(words[:20]):
            try:
                decided(SHOP_CHART.replace(SHOP_WORKLOADS, words))
            except RefusedError:
                pass


@pytest.mark.parametrize("testing, expected", [
    ("helm lint and kubeconform only; no helm test hooks", False),
    ("helm lint, without helm tests", False),
    ("helm lint and helm test", True),
])
def test_a_plan_that_rules_out_helm_tests_gets_no_test_hook(testing, expected):
    d = decided(TODO_CHART.replace("helm lint and kubeconform only; no helm test hooks", testing))
    assert d.answers.chart_tests is expected


def test_an_upstream_charts_values_are_reported_as_left_to_the_team():
    [values] = [n for n in decided(AUTHENTIK).not_applied if n.text == "authentik chart values"]
    assert values.line == 7 and "valuesObject" in values.why


def test_a_list_of_the_charts_manifests_states_each_workloads_port_and_replicas():
    # in a section no statement is read from otherwise (`## Phase 1: Contracts`), each item is about the workload its
    # manifest is named after
    text = TODO_CHART.replace("FastAPI, port 8000, ", "FastAPI, ") + (
        "\n## Phase 1: Contracts\n\n1. **service-backend.yaml**: ClusterIP port 9000\n"
        "2. **deployment-frontend.yaml**: 3 replicas\n3. **frontend-hpa.yaml**: max 6 replicas, CPU 70% target\n")
    d = decided(text)
    assert [(s.name, s.port, s.replicas, s.min_replicas, s.max_replicas) for s in d.answers.services] == [
        ("backend", 9000, 1, 0, 0), ("frontend", 3000, 3, 3, 6)]


def test_a_health_url_a_later_section_gives_a_service_is_its_health_path():
    # `curl https://[app-url]/api/health` after the backend's name, in a section of the plan's own (`## Verification`)
    text = TODO_CHART + ("\n## Verification\n\n- Backend API: `curl https://[app-url]/api/health` returns 200\n"
                         "- Frontend: `curl https://todo.example.com/` returns 200, its probe hits `/readyz`\n")
    backend, frontend = decided(text).answers.services
    assert (backend.health_path, frontend.health_path) == ("/api/health", "/readyz")
