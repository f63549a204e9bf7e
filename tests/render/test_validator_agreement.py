"""The two evaluators of includes/answer_rules.yaml, the copier.yml validators
(includes/validators.jinja) and the Python answer rules (planforge.decide.answer_rules),
refuse exactly the same values.

A corpus of good and hostile values for every question: for each value, Copier refuses it
if and only if `check_data` (the rules `planforge new` applies) refuses it. Copier's side
is its own `Question` machinery (parse the answer by the question's type and choices,
render the validator), evaluated for the changed question and every question whose
validator reads it; at least one value per question also goes through a real `run_copy`.
Values are given as a data file holds them (native YAML types).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from render_helpers import copy_template, sample_answers
from testlib import copier_config

from planforge.decide.answers import SHORTHANDS, Answers
from planforge.decide.answer_rules import check_data
from planforge.layout import COMPUTED, copier_data

# The questions with answers (the layout's computed values are never answered).
QUESTIONS: dict[str, dict] = {k: v for k, v in copier_config().items()
                              if not k.startswith("_") and k not in COMPUTED}
BASE: dict[str, Any] = copier_data(sample_answers())

# Strings every text answer is tried with: traversal, template syntax of Jinja, HCL and
# shells, quotes, control characters, look-alikes, YAML and shell metacharacters, limits.
HOSTILE = [
    "", " ", "..", "../../etc", "a/../b", "/etc/passwd", "~root", "{{ 7*7 }}", "{% raw %}", "{# x #}", "${x}", "%{x}",
    "$(id)", "`id`", "a'b", 'a"b', "a\\b", "a\x00b", "a\x07b", "a\x7fb", "a\tb", "dev\n", "a\nb: c", "a\rb",
    "x" * 63, "x" * 64, "x" * 53, "x" * 54, "x" * 254, "d\u0435v", "\uff41\uff50\uff49", "dev\u200b", "a;rm -rf /",
    "a|b", "a&b", "a>b", "a<b", "*", "a: b", "- a", "[a]", "{a: b}", "&x", "!!python/object", "#x", "@x", "a,b",
    " dev", "dev ", "-dev", "dev-", "Dev", "a_b", "a.b", "a..b", "1.29", "1.6", "16", "v1.2.3", "1.2.3-rc.1+b",
    "https://x.example/y", "https://x/../y", "https://h/~u/r.git", "http://x.example", "oci://r.example/c",
    "git@github.com:a/b.git", "ssh://git@h/a.git", "file:///etc/passwd", "ghcr.io/acme/api", "ghcr.io//x",
    "ghcr.io/acme/API", "ghcr.io/acme/api:1.0", "/healthz", "/a/../b", "/~x", "m5.large", "db.r6g.large",
    "https://kubernetes.default.svc", "https://k.example:6443/p~x", "eu-central-1", "a", "1",
    # plain scalars YAML reads as a boolean, null, a number or a date (answer_rules.yaml yaml_non_strings)
    "yes", "no", "on", "off", "y", "true", "null", "~", "010", "0x1f", "0o17", "0b101", "1e3", "1.5", "2024-01-31",
]
WRONG_TYPES = [None, 1, 1.5, True, [], {}, ["a"], {"a": "b"}]
GOOD_NAMES = ["dev", "a", "a-1", "x" * 63]


def string_cases(name: str) -> list[Any]:
    return [*GOOD_NAMES, *HOSTILE]


def list_cases(good: list[str]) -> list[Any]:
    return ([[s] for s in HOSTILE + GOOD_NAMES] + [good, [], good * 2, good + [good[0]], [f"t{i}" for i in range(101)],
            [f"t{i}" for i in range(100)], "dev", {"dev": 1}, None, 1, *([[w] for w in WRONG_TYPES])])


def mapping_list_cases(good_item: dict, keys: list[str], duplicates: bool) -> list[Any]:
    cases: list[Any] = [[], [good_item], "x", None, {"a": 1}, ["x"], [1], [None], [[good_item]]]
    for key in keys:
        cases += [[{**good_item, key: v}] for v in HOSTILE + WRONG_TYPES + [0, -1, 65535, 65536, 80.0, "80", False]]
        cases.append([{k: v for k, v in good_item.items() if k != key}])  # key missing
    if duplicates:
        cases.append([good_item, good_item])
        cases.append([good_item, {**good_item, "name": "other"}])
    return cases


SERVICE = {"name": "api", "image": "ghcr.io/acme/api", "tag": "0.1.0", "port": 8080, "health_path": "/healthz",
           "replicas": 1, "prod_replicas": 2, "cpu_request": "250m", "cpu_limit": "1", "memory_request": "256Mi",
           "memory_limit": "512Mi", "volume_size": "1Gi", "volume_path": "/data/uploads",
           "secret_key": "acme/{env}/api", "secret_values": {"DATABASE_URL": "acme/{env}/db"},
           "environment_hosts": {"prod": "app.shop.io"}}
# Kubernetes quantities (resources, volume size): what a hostile answers file puts there to inject YAML.
QUANTITIES = ["", "1", "0.5", "250m", "1Gi", "1.5Gi", "512M", "1Gi\n  x: y", "1Gi\n", "1Gi # x", "1 Gi", "1gi", "1Gib",
              "-1Gi", "1e3", ".5", "1.", "{{ 7*7 }}", "1Gi: x", '1Gi"', "9" * 20, "9" * 21, "1Pi"]
# Mount paths: absolute portable names; never the pod's own /tmp, a '.'/'..' part, a hidden directory or YAML.
MOUNT_PATHS = ["/data", "/var/lib/app_1", "/", "/tmp", "/tmp/x", "data", "/data/", "/a/../b", "/.cache", "/a//b",
               "/data\n  x: y", "/data # x", "/{{ 7*7 }}", "/" + "a" * 200, "/a/b/c/d/e/f/g/h/i"]
# Secrets manager entries: portable names joined by '/', {env} the only placeholder; never YAML or a template.
STORE_KEYS = ["acme/{env}/api", "api", "{env}-api", "a/b/c/d/e/f/g/h/i/j", "a/b/c/d/e/f/g/h/i/j/k", "/acme/api",
              "acme//api", "acme/.x", "acme/{ENV}/api", "acme/${env}/api", "acme/{{ 7*7 }}", "true", "010",
              "acme/api\n  x: y", "acme/api # x", "a" * 201]
COMPONENT = {"name": "ingress-nginx", "chart_repo": "https://kubernetes.github.io/ingress-nginx",
             "chart": "ingress-nginx", "version": "4.11.5", "namespace": "ingress-nginx", "notes": "public NLB"}
SIZING = {"name": "prod", "instance_type": "m5.large", "db_instance_class": "db.r6g.large", "multi_az": True,
          "nat_gateway_per_az": False, "min_size": 1, "max_size": 3, "cluster": "https://kubernetes.default.svc",
          "cloud_project": "acme-shop-prod"}
BUILD = {"name": "api", "context": "services/api", "dockerfile": "services/api/Dockerfile", "image": "ghcr.io/acme/api"}
NOT_APPLIED = {"line": 27, "text": "p95 < 250ms", "why": "a latency target: planforge generates no load test"}
DECISION = {"name": "structure", "value": 'multi-tenant "saas"', "source": "plan.md:30: **Scale/Scope**: 3 orgs"}


def corpus() -> dict[str, list[Any]]:
    """question -> values to try (each replacing that answer in an otherwise good data file)."""
    cases: dict[str, list[Any]] = {}
    for name, question in QUESTIONS.items():
        kind = question.get("type", "str")
        if "choices" in question:
            choices = question["choices"]
            choices = list(choices.values()) if isinstance(choices, dict) else list(choices)
            cases[name] = ([[c] for c in choices] + [choices, [], ["svn"], "terraform", None] if question.get("multiselect")
                           else choices + ["", "other", "AWS", " aws", "aws\n", "{{ 7*7 }}", None])
        elif kind == "str":
            cases[name] = string_cases(name)
        elif kind == "int":
            cases[name] = [0, 1, 7, 35, 36, -1, 10_000]
        elif kind == "bool":
            cases[name] = [True, False]
    # shorthands a person types: comma-separated names ("" is no names)
    names = [", ".join(v) for v in list_cases(["staging", "prod"]) if isinstance(v, list) and all(
        isinstance(x, str) and "," not in x for x in v)]
    for shorthand in ("environment_names", "tenant_names", "app_names", "service_names"):
        cases[shorthand] = names + ["dev,prod", " dev , prod ", "dev,,prod", "dev,dev", ",", "Dev;prod"]
    # multiple choices: Copier's choices are the whole rule (checked in test_checks)
    cases["platform_names"] = [["minikube"], ["eks", "oke"]]
    cases["compliance_names"] = [[], ["gdpr", "soc2"]]
    cases["environments"] = list_cases(["staging", "prod"])
    cases["tenants"] = list_cases(["acme", "globex"])
    cases["compliance"] = list_cases(["gdpr"])
    cases["installed_components"] = list_cases(["argo-cd", "cert-manager"])
    cases["app_secret_keys"] = list_cases(["OPENAI_API_KEY", "STRIPE_KEY"]) + [["openai_api_key"], ["1KEY"]]
    cases["regions"] = list_cases(["us-east-1", "eu-west-1"]) + [[f"r{i}" for i in range(9)], [f"r{i}" for i in range(8)]]
    cases["regional_environments"] = list_cases(["prod"])
    cases["acme_staging_environments"] = list_cases(["dev", "staging"])
    cases["argocd_manual_sync"] = list_cases(["prod"])
    cases["argocd_no_prune"] = list_cases(["staging", "prod"])
    cases["database_extensions"] = list_cases(["pgcrypto", "uuid-ossp"]) + [["PostGIS"], ["pg trgm"]]
    cases["acr_pull_registries"] = list_cases(["acrparcels", "sharedacr"]) + [["acr"], ["acr-parcels"], ["ACRparcels"]]
    cases["aks_pod_cidr"] = string_cases("aks_pod_cidr") + ["172.16.0.0/16", "192.168.0.0/16", "0.0.0.0/0", "10.0.0.0/33"]
    cases["aks_service_cidr"] = string_cases("aks_service_cidr") + ["172.16.0.0/16", "10.0.0.0/33"]
    cases["state_key"] = string_cases("state_key") + [
        "berth/{environment}/terraform.tfstate", "{environment}.tfstate", "reporting/{environment}.tfstate",
        "berth/dev/terraform.tfstate", "/berth/{environment}.tfstate", "a/../{environment}.tfstate",
        "{environment}.json", "{{environment}}.tfstate", "${environment}.tfstate"]
    cases["database_user"] = string_cases("database_user") + [
        "harbor_app", "ledgerly-app", "_svc", "doadmin", "postgres", "admin", "Admin", "1app", "a" * 64, "app user"]
    cases["acme_email"] = string_cases("acme_email") + [
        "platform@northwind.io", "a.b+c@mail.example.co.uk", "platform@", "@northwind.io", "platform@northwind",
        "platform@Northwind.io", "a b@x.io", "platform@northwind.io\n  x: y", "platform@northwind.io # x"]
    cases["secret_refresh_interval"] = string_cases("secret_refresh_interval") + ["30m", "1h", "45s", "0m", "90", "1d"]
    cases["aks_network_policy"] = string_cases("aks_network_policy") + ["calico", "cilium", "azure", "Calico", "none"]
    cases["provider_constraint"] = string_cases("provider_constraint") + [
        "~> 5.60", ">= 4.50, < 5.0", "= 5.31.0", "~> 5.100.0", "~>5.0", "5.0", "~> 5.x", "~> 5.0,", "> 5.0, < 6.0, != 5.3"]
    # the region is one of the cloud's (aws in the base answers): another cloud's, or a region-shaped word that is none
    cases["region"] = string_cases("region") + ["us-east-1", "eu-west-9", "westeurope", "europe-west1", "fra1"]
    cases["clouds"] = [[], ["aws", "azure"], ["aws", "azure", "gcp"], ["azure", "aws"], ["aws", "aws"], ["aws", "none"],
                       ["AWS"], [1], [None], "aws", {"aws": 1}, None, [["aws"]]]
    cases["cloud_regions"] = [{}, {"azure": "westeurope"}, {"aws": "us-east-1"}, {"gcp": "europe-west1"}, {"azure": ""},
                              {"azure": "West Europe"}, {"azure": "../x"}, {"azure": 1}, {"azure": None}, {1: "x"},
                              "westeurope", ["westeurope"], None]
    cases["api_authorized_cidrs"] = [[], ["203.0.113.0/24", "2001:db8::/32"], ["0.0.0.0/0"], ["::/0"], ["10.0.0.1"],
                                     ["256.0.0.0/8"], ["10.0.0.0/33"], ["2001::db8::/32"], ["10.0.0.0/8\n"],
                                     ["10.0.0.0/8", "10.0.0.0/8"], "10.0.0.0/8", [1], None]
    cases["platforms"] = [[], ["eks"], ["minikube", "eks", "gke", "aks", "doks", "oke"], ["eks", "eks"], ["heroku"],
                          ["EKS"], [1], [None], "eks", {"eks": 1}, None, [["eks"]]]
    cases["linters"] = [[], ["tflint"], ["tflint", "checkov"], ["checkov"], ["tfsec"], ["TFLint"], [1], [None], "tflint",
                        {"tflint": 1}, None]
    cases["apps"] = mapping_list_cases(SERVICE, list(SERVICE), duplicates=True)
    cases["services"] = mapping_list_cases(SERVICE, list(SERVICE), duplicates=True)
    for key in ("cpu_request", "cpu_limit", "memory_request", "memory_limit", "volume_size"):
        cases["services"] += [[{**SERVICE, key: v}] for v in QUANTITIES]
        cases["apps"] += [[{**SERVICE, key: v}] for v in QUANTITIES]
    for group in ("services", "apps"):
        cases[group] += [[{**SERVICE, "volume_path": v}] for v in MOUNT_PATHS]
        cases[group] += [[{**SERVICE, "secret_key": v}] for v in STORE_KEYS]
        cases[group] += [[{**SERVICE, "secret_values": v}] for v in (
            {}, {"API_KEY": "acme/{env}/key"}, {"database_url": "acme/db"}, {"1KEY": "acme/db"}, {"A B": "acme/db"},
            {"API_KEY": "acme/../db"}, {"API_KEY": "acme/db\n  x: y"}, {"API_KEY": ""}, {"API_KEY": 1}, "API_KEY", ["API_KEY"])]
        cases[group] += [[{**SERVICE, "environment_hosts": v}] for v in (
            {}, {"prod": "app.shop.io"}, {"Prod": "app.shop.io"}, {"prod": "app..shop.io"}, {"prod": "-app.shop.io"},
            {"prod": ""}, {"prod": 1}, "app.shop.io", ["app.shop.io"])]
    cases["components"] = mapping_list_cases(COMPONENT, list(COMPONENT), duplicates=False)
    binding = {"name": "reminder-cron", "schedule": "*/1 * * * *", "route": "/check-reminders"}
    call = {"caller": "web", "callee": "api"}
    cases["app_calls"] = mapping_list_cases(call, list(call), duplicates=True)
    cases["dapr_bindings"] = mapping_list_cases(binding, list(binding), duplicates=True) + [
        [{**binding, "schedule": s}] for s in ("@every 1m", "@daily", "0 30 * * * *", "every minute", "* * *", "")]
    cases["builds"] = mapping_list_cases(BUILD, list(BUILD), duplicates=True) + [
        [{**BUILD, "context": v}] for v in (".", "./api", "/api", "../api", "a/../b", ".git")]
    cases["environment_sizing"] = mapping_list_cases(SIZING, list(SIZING), duplicates=False)
    tag = {"key": "CostCenter", "value": "CC-4471"}
    cases["resource_tags"] = mapping_list_cases(tag, list(tag), duplicates=False) + [
        [tag, {**tag, "value": "other"}], [tag, {**tag, "key": "costcenter"}]] + [
        [{**tag, "value": v}] for v in ("${environment}", "${var.project}", "platform team", "a/b:c@d+e", "-x", "x.")] + [
        [{**tag, "key": k}] for k in ("Cost Center", "kubernetes.io/x", "1key", "a" * 128, "a" * 129)]
    cases["decisions"] = mapping_list_cases(DECISION, list(DECISION), duplicates=False)
    cases["not_applied"] = mapping_list_cases(NOT_APPLIED, list(NOT_APPLIED), duplicates=False)
    cases["paths"] = ([{}, {"terraform": "infra/terraform", "k8s_overlays": "envs"}, {"nope": "x"}, {"Terraform": "x"},
                       "terraform", None, [], ["terraform"], {"terraform": "a/b/c/d/e/f/g/h"}, {"terraform": "a/b/c/d/e/f/g/h/i"},
                       {"terraform": "a//b"}, {"terraform": "a/"}, {"terraform": "./a"}, {"terraform": ".github"}]
                      + [{"terraform": v} for v in HOSTILE + WRONG_TYPES])
    # answers that must fit together: each tried against the base answers of the others
    cases["deployment_strategy"] += ["raw-manifests"]  # the base has a catalog component
    cases["state_backend"] += ["gcs", "azurerm"]  # the base cloud is aws
    return cases


CASES = [(name, value) for name, values in corpus().items() for value in values]


def datas(name: str, value: Any) -> tuple[dict, dict]:
    """(data for Copier, data for planforge): a shorthand replaces the answer it computes."""
    if name not in SHORTHANDS:
        return {**BASE, name: value}, {**BASE, name: value}
    answer = SHORTHANDS[name]
    copier = {k: v for k, v in BASE.items() if k != answer} | {name: value}
    items = value
    if isinstance(value, str):
        items = [n.strip() for n in value.strip().split(",")] if value.strip() else []
    if answer in ("apps", "services"):
        items = [{"name": n, "image": f"ghcr.io/{BASE['project_name']}/{n}"} for n in items]
    return copier, {**BASE, answer: items}


def test_the_corpus_covers_every_question():
    assert set(corpus()) == set(QUESTIONS) == (set(Answers.model_fields) | set(SHORTHANDS)) - set(COMPUTED)
    assert len(CASES) > 2000


@pytest.fixture(scope="module")
def frame(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_template(tmp_path_factory.mktemp("frame"), with_blueprints=False)


@pytest.fixture(scope="module")
def copier_judge(frame: Path, tmp_path_factory: pytest.TempPathFactory):
    """`judge(data, name)`: the refusal Copier's questions give for the answer `name` (or None)."""
    from copier._user_data import AnswersMap, Question

    from planforge.render.worker import worker_class

    # planforge's worker: Copier's own, its compiled templates reused (the judge renders each validator thousands of
    # times), which changes nothing but the speed
    worker = worker_class()(src_path=str(frame), dst_path=tmp_path_factory.mktemp("dst"), data=BASE, defaults=True,
                            quiet=True, unsafe=False)
    env, settings, questions = worker.jinja_env, worker.settings, worker.template.questions_data
    readers = {name: [q for q, d in questions.items() if q == name or re.search(rf"\b{name}\b", str(d.get("validator", "")))]
               for name in questions}

    def judge(data: dict, name: str) -> str | None:
        answers = AnswersMap(init=dict(data))
        for var_name in readers[name]:
            question = Question(answers=answers, context=dict(answers.combined), jinja_env=env, settings=settings,
                                var_name=var_name, **questions[var_name])
            try:
                question.validate_answer(question.parse_answer(data[var_name]))
            except Exception as exc:  # noqa: BLE001 - any refusal counts
                return str(exc) or type(exc).__name__
        return None

    return judge


def test_the_base_answers_pass_both(copier_judge):
    assert check_data(BASE) == []
    answered = [name for name in QUESTIONS if name not in SHORTHANDS and name in BASE]
    # passed only when the plan sets them (a tree that moves directories, HCP Terraform state, a stated Flux version,
    # Terraform linters it names, components it says the clusters run already, clusters that exist already and a
    # Flux bootstrapped on them, a log retention it states, the CI/CD it asks for, the network address space it states,
    # the provider constraint it states, the secret variables its services read, the state storage it says exists, a cap of one NAT gateway,
    # the resource tags it states, the environments it puts on Let's Encrypt's staging server, a Kubernetes version
    # past its standard support, a GKE control plane's DNS-based endpoint, a database maintenance window and extensions)
    assert set(QUESTIONS) - set(SHORTHANDS) - set(BASE) == {"paths", "tfc_organization", "flux_version", "linters",
                                                                   "planforge_install", "installed_components",
                                                                   "existing_clusters", "flux_bootstrapped",
                                                                   "log_retention_days", "delivery", "builds",
                                                                   "network_cidr", "provider_constraint",
                                                                   "app_secret", "app_secret_keys", "dapr_pubsub",
                                                                   "dapr_statestore", "dapr_bindings",
                                                                   "state_bucket_name", "lock_table_name",
                                                                   "existing_state_region", "state_resource_group_name", "single_nat_gateway",
                                                                   "resource_tags", "acme_staging_environments", "argocd_manual_sync", "argocd_no_prune",
                                                                   "kubernetes_extended_support", "api_dns_endpoint", "apps_in_base",
                                                                   "registry_name", "app_calls", "cluster_issuer", "database_name",
                                                                   "database_maintenance", "database_extensions",
                                                                   "acr_pull_registries", "aks_network_policy", "aks_pod_overlay",
                                                                   "aks_container_insights", "secret_refresh_interval",
                                                                   "aks_pod_cidr", "aks_service_cidr", "state_key", "acme_email", "database_user",
                                                                   "database_backups_in_region"}
    assert {name: copier_judge(BASE, name) for name in answered} == dict.fromkeys(answered)


def test_copier_refuses_exactly_what_planforge_refuses(copier_judge):
    disagreements = []
    refused = 0
    for name, value in CASES:
        copier_data, planforge_data = datas(name, value)
        python = check_data(planforge_data)
        if name == "service_names" and not planforge_data["services"]:
            python = ["a chart needs a service"]  # services are checked for the helm-chart structure only
        copier = copier_judge(copier_data, name)
        refused += bool(python)
        if bool(python) != bool(copier):
            disagreements.append(f"{name}={value!r}: planforge {[p.render() for p in python] or 'accepts'}, "
                                 f"copier {copier or 'accepts'}")
    assert disagreements == []
    assert refused > len(CASES) // 2


def _first_refused(name: str) -> Any:
    """The first value refused for the question's own rule (not for another answer it changes)."""
    own = SHORTHANDS.get(name, name)
    return next(v for v in corpus()[name]
                if any((p.field or "").startswith(own) for p in check_data(datas(name, v)[1])))


REFUSED_PER_QUESTION = {name: _first_refused(name) for name in QUESTIONS
                        if any(check_data(datas(name, v)[1]) for v in corpus()[name])}


def test_every_question_with_rules_has_a_refused_value():
    assert set(QUESTIONS) - set(REFUSED_PER_QUESTION) == {"dapr", "monitoring", "high_availability",
                                                          "customer_managed_kms", "state_bootstrap", "static_ingress_ip", "chart_tests", "ci_workflows", "single_nat_gateway",
                                                          "platform_names", "compliance_names", "on_premise", "ansible", "dns_failover",
                                                          "existing_clusters", "flux_bootstrapped", "airgap",
                                                          "kafka_managed", "kubernetes_extended_support", "api_dns_endpoint",
                                                          "apps_in_base", "aks_pod_overlay", "aks_container_insights",
                                                          "database_backups_in_region"}


def _end_to_end_sample() -> list[str]:
    """Every fifth question of each answer type (str, int, yaml): a plain `copier copy` surfaces a question's refusal
    before writing anything whichever question refuses, and what each question refuses is Copier's own validation,
    which the judge runs for every question (test_copier_refuses_exactly_what_planforge_refuses). A whole copy per
    question cost a minute of the suite."""
    by_type: dict[str, list[str]] = {}
    for name in sorted(REFUSED_PER_QUESTION):
        by_type.setdefault(str(QUESTIONS[SHORTHANDS.get(name, name)].get("type", "str")), []).append(name)
    return sorted(name for names in by_type.values() for name in names[::5])


@pytest.mark.parametrize("name", _end_to_end_sample())
def test_plain_copier_copy_refuses_end_to_end(frame: Path, tmp_path: Path, name: str):
    """A real `run_copy` with the refused value: refused naming the question, nothing written."""
    from copier import run_copy

    dest = tmp_path / "dest"
    with pytest.raises(Exception) as info:
        run_copy(str(frame), dest, data=datas(name, REFUSED_PER_QUESTION[name])[0], defaults=True, quiet=True,
                 unsafe=False)
    assert name in str(info.value)
    assert not dest.exists() or not any(dest.iterdir())


@pytest.mark.parametrize("key", ["cpu_request", "cpu_limit", "memory_request", "memory_limit", "volume_size"])
@pytest.mark.parametrize("group", ["apps", "services"])
def test_a_quantity_carrying_yaml_or_a_template_is_refused_by_both(copier_judge, group: str, key: str):
    for value in ("1Gi\n  x: y", "{{ 7*7 }}", "1Gi # x"):
        data = {**BASE, group: [{**SERVICE, key: value}]}
        assert [p.field for p in check_data(data)] == [f"{group}[0].{key}"]
        assert f"{group}[0].{key}" in (copier_judge(data, group) or "")
    good = {**BASE, group: [{**SERVICE, key: "1.5Gi"}]}
    assert check_data(good) == [] and copier_judge(good, group) is None


def test_flux_outside_multi_tool_and_multi_tenant_is_refused_by_both(copier_judge):
    wrong = {**BASE, "gitops": "flux", "structure": "single-iac"}
    assert "Flux" in (copier_judge(wrong, "gitops") or "")
    assert [p for p in check_data(wrong) if p.field == "gitops" and "Flux" in p.message]
    right = {**BASE, "gitops": "flux"}  # the base is multi-tenant
    assert copier_judge(right, "gitops") is None and not [p for p in check_data(right) if p.field == "gitops"]


@pytest.mark.parametrize("name,value", [("tenant_names", "acme, on"), ("environment_names", "staging, 010"),
                                        ("app_names", "api, null"), ("environments", ["staging", "1e3"]),
                                        ("tenants", ["acme", "yes"])])
def test_plain_copier_copy_refuses_a_name_yaml_reads_as_no_string(frame: Path, tmp_path: Path, name: str, value: Any):
    """Names are written unquoted into YAML: a person answering `on` or `010` in the questionnaire gets a refusal
    (as a plan naming one does), never a repository where Kubernetes reads true or 8."""
    from copier import run_copy

    dest = tmp_path / "dest"
    with pytest.raises(Exception) as info:
        run_copy(str(frame), dest, data=datas(name, value)[0], defaults=True, quiet=True, unsafe=False)
    assert name in str(info.value) and "YAML reads it as" in str(info.value)
    assert not dest.exists() or not any(dest.iterdir())


def test_the_rules_state_the_types_of_the_answer_model():
    """The key specs of answer_rules.yaml's lists of mappings say what plain Copier must know of the answer model
    (a key without a default is `required`, `nullable` where null is allowed, `bool` and `number` by type): they
    say what planforge.decide.answers declares."""
    from planforge.decide.answer_rules import rules

    for name, spec in rules()["mapping_lists"].items():
        model = Answers.model_fields[name].annotation.__args__[0]
        for key, key_spec in spec["keys"].items():
            field = model.model_fields[key]
            assert key_spec.get("required", False) == field.is_required(), (name, key)
            assert key_spec.get("nullable", False) == (type(None) in getattr(field.annotation, "__args__", ())), (name, key)
            types = set(getattr(field.annotation, "__args__", (field.annotation,))) - {type(None)}
            assert ("bool" in key_spec) == (types == {bool}), (name, key)
            assert ("number" in key_spec) == (types == {int}), (name, key)


def test_the_questionnaire_refuses_another_clouds_region():
    """`region` is one of its cloud's regions (cloud_region_names), here in the Python rules; the corpus above holds
    the copier.yml validator to the same answer."""
    assert [p.message for p in check_data({**BASE, "cloud": "aws", "region": "westeurope"})] == [
        "region westeurope is not a region of cloud aws"]
    assert check_data({**BASE, "cloud": "azure", "region": "westeurope", "state_backend": "azurerm",
                       "state_locking": "none", "secrets_manager": "azure-key-vault"}) == []
