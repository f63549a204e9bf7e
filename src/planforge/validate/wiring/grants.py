"""`wiring/secret-not-granted`: an ExternalSecret reads AWS Secrets Manager, SSM Parameter Store or GCP Secret Manager
through the External Secrets controller's own identity (a store with neither `auth` nor `role`), and the key it asks
for is outside what the repository's Terraform lets that identity read in the ExternalSecret's environment
(docs/wiring.md, "Secret grants")."""
from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Iterator

from planforge.validate.base import Finding
from planforge.validate.wiring.repo import FieldPath, K8sObject, Repository, TfBlock
from planforge.validate.wiring.tfvalues import Scope, TerraformValues, attribute_line, module_directory

RULE = "wiring/secret-not-granted"
SERVICES = {"SecretsManager": "AWS Secrets Manager", "ParameterStore": "SSM Parameter Store",
            "gcpsm": "GCP Secret Manager"}
# The module arguments that say what External Secrets' identity reads (planforge's eks and gke modules and their kind).
NAMES_ARGUMENT = "external_secrets_names"
PARAMETER_PATH_ARGUMENT = "external_secrets_parameter_path"
PREFIXES_ARGUMENT = "external_secrets_name_prefixes"
ARGUMENTS = (NAMES_ARGUMENT, PARAMETER_PATH_ARGUMENT, PREFIXES_ARGUMENT)
HINTS = {"SecretsManager": f"store the secret under a granted name, or grant it: add it to the module's {NAMES_ARGUMENT}",
         "ParameterStore": f"store the parameter under a granted path, or widen the module's {PARAMETER_PATH_ARGUMENT}",
         "gcpsm": f"name the secret with a granted prefix, or add its prefix to the module's {PREFIXES_ARGUMENT}"}
_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")
_VARIABLE = re.compile(r"^var\.([A-Za-z_][\w-]*)$")
_POLICY_TYPES = ("aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy",
                 "google_project_iam_member", "google_project_iam_binding", "google_secret_manager_secret_iam_member",
                 "google_secret_manager_secret_iam_binding")
_SECRET_GRANT_TEXT = re.compile(r"secretsmanager:|ssm:GetParameter|secretmanager\.")


@dataclass(frozen=True)
class Grant:
    """Keys of one service an environment's External Secrets identity may read: IAM-style patterns (`*`, `?`)."""

    service: str
    patterns: tuple[str, ...]
    environment: str | None  # None: every environment (the root's environment could not be read)
    place: str

    def covers(self, key: str) -> bool:
        return any(fnmatchcase(key, pattern) for pattern in self.patterns)


def _interpolate(values: TerraformValues, text: str, scope: Scope) -> str:
    """`text` with each `${var.x}` the scope gives one string for replaced by it, any other interpolation by `*`."""
    def replace(match: re.Match[str]) -> str:
        variable = _VARIABLE.match(match.group(1).strip())
        literal = values.variable(variable.group(1), scope) if variable else None
        return literal.strings[0] if literal and len(literal.strings) == 1 and "*" not in literal.strings[0] else "*"
    return _INTERPOLATION.sub(replace, text)


def _environment(values: TerraformValues, scope: Scope) -> str | None:
    literal = values.variable("environment", scope)
    return literal.strings[0] if literal and len(literal.strings) == 1 else None


def _grants_of_call(values: TerraformValues, call: TfBlock) -> Iterator[Grant]:
    names = call.body.get(NAMES_ARGUMENT)
    path = call.body.get(PARAMETER_PATH_ARGUMENT)
    prefixes = call.body.get(PREFIXES_ARGUMENT)
    for scope in values.scopes(call.path.parent):
        environment = _environment(values, scope)
        if isinstance(names, list):
            patterns = tuple(_interpolate(values, name, scope) for name in names if isinstance(name, str))
            yield Grant("SecretsManager", patterns, environment, f"{call.display}:{attribute_line(call, NAMES_ARGUMENT)}")
        if isinstance(path, str):
            yield Grant("ParameterStore", (_interpolate(values, path, scope).rstrip("/") + "/*",), environment,
                        f"{call.display}:{attribute_line(call, PARAMETER_PATH_ARGUMENT)}")
        if isinstance(prefixes, list):  # empty: the whole project's secrets
            patterns = tuple(_interpolate(values, p, scope) + "*" for p in prefixes if isinstance(p, str)) or ("*",)
            yield Grant("gcpsm", patterns, environment, f"{call.display}:{attribute_line(call, PREFIXES_ARGUMENT)}")


def grants(repo: Repository) -> list[Grant] | None:
    """Every grant the module calls give, per root and var file; None when the repository grants secrets some way
    this rule does not read (an IAM policy or binding of its own naming Secrets Manager, SSM or GCP Secret Manager
    outside the modules called)."""
    calls = [call for call in repo.tf("module") if any(argument in call.body for argument in ARGUMENTS)]
    if not calls:
        return None
    granting_modules = {module_directory(call) for call in calls} - {None}
    for block in repo.tf("resource", *_POLICY_TYPES):
        if block.path.parent.resolve() not in granting_modules and _SECRET_GRANT_TEXT.search(block.text):
            return None
    values = TerraformValues(repo)
    return [grant for call in calls for grant in _grants_of_call(values, call)]


def _ambient_stores(repo: Repository) -> dict[tuple[str, str], str]:
    """(kind, name) -> service of each AWS or GCP store that authenticates as the controller itself."""
    found = {}
    for store in repo.of_kind("SecretStore", "ClusterSecretStore"):
        aws = store.field(["spec", "provider", "aws"])
        gcp = store.field(["spec", "provider", "gcpsm"])
        if isinstance(aws, dict) and "auth" not in aws and "role" not in aws and aws.get("service") in SERVICES:
            found[(store.kind, store.name or "")] = aws["service"]
        elif isinstance(gcp, dict) and "auth" not in gcp:
            found[(store.kind, store.name or "")] = "gcpsm"
    return found


def _keys(obj: K8sObject) -> Iterator[tuple[FieldPath, str, tuple[str, str] | None]]:
    """(path, key, store) of each key an ExternalSecret reads: the store an item's `sourceRef.storeRef` names, else
    the ExternalSecret's `secretStoreRef` (None when neither is a mapping)."""
    default = _store_ref(obj.field(["spec", "secretStoreRef"]))
    for section, reader in (("data", "remoteRef"), ("dataFrom", "extract")):
        for index, item in enumerate(obj.field(["spec", section]) or []):
            if not isinstance(item, dict) or not isinstance(item.get(reader), dict):
                continue
            source = item.get("sourceRef")
            store = _store_ref(source.get("storeRef")) if isinstance(source, dict) and "storeRef" in source else default
            yield ["spec", section, index, reader, "key"], item[reader].get("key"), store


def _store_ref(ref: object) -> tuple[str, str] | None:
    return (str(ref.get("kind", "SecretStore")), str(ref.get("name", ""))) if isinstance(ref, dict) else None


def check_grants(repo: Repository) -> list[Finding]:
    stores = _ambient_stores(repo)
    known = grants(repo) if stores else None
    if not known:
        return []
    environments = sorted({grant.environment for grant in known} - {None})
    findings = []
    for obj in repo.of_kind("ExternalSecret"):
        items = [(path, key, stores[store]) for path, key, store in _keys(obj)
                 if store in stores and isinstance(key, str) and key and "{{" not in key and "${" not in key
                 and not key.startswith("arn:")]
        if not items:
            continue
        # one cluster reads every key of an ExternalSecret: the environment of its directory, else the one whose
        # grant covers most of them
        stated = next((part for part in reversed(obj.display.split("/")[:-1]) if part in environments), None)
        candidates: list[str | None] = [stated] if stated else [*environments] or [None]
        best = min(candidates, key=lambda env: len(_uncovered(items, known, env)))
        for path, key, service in _uncovered(items, known, best):
            usable = _usable(known, service, best)
            findings.append(_ungranted(obj, path, key, service, best, usable, stated is not None))
    return findings


def _usable(known: list[Grant], service: str, environment: str | None) -> list[Grant]:
    return [g for g in known if g.service == service and (environment is None or g.environment in (None, environment))]


def _uncovered(items: list[tuple[FieldPath, str, str]], known: list[Grant],
               environment: str | None) -> list[tuple[FieldPath, str, str]]:
    return [(path, key, service) for path, key, service in items
            if not any(grant.covers(key) for grant in _usable(known, service, environment))]


def _ungranted(obj: K8sObject, path: FieldPath, key: str, service: str, environment: str | None,
               usable: list[Grant], stated: bool) -> Finding:
    granted = "; ".join(sorted({f"{', '.join(g.patterns)} ({g.place})" for g in usable})) or "nothing"
    if environment is None or stated:
        whose = f"no Terraform grant of environment {environment}" if environment else "no Terraform grant"
        why = f"which {whose} covers (granted: {granted})"
    else:
        why = (f"and one cluster reads all of this ExternalSecret's keys, which no environment's grant covers together "
               f"(environment {environment}'s covers the most and lacks this one: {granted})")
    return obj.finding(
        RULE, f"reads {SERVICES[service]} key {key!r} as the External Secrets controller's own identity, {why}", path,
        HINTS[service])
