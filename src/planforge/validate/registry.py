"""The validators planforge has: each name and the class that implements it.

Classes are imported only when their validator is selected (`--only schemas` imports nothing
heavy). A validator that cannot be imported is an error, never a silent skip: it means a
broken installation.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass

from planforge.errors import PlanforgeError
from planforge.validate.base import Validator


@dataclass(frozen=True)
class ValidatorClass:
    """Where a validator's class lives."""

    module: str
    name: str
    default: bool = True  # runs without --only; False: only when named in --only (`validate --help` says which)


VALIDATORS: dict[str, ValidatorClass] = {
    "terraform": ValidatorClass("planforge.validate.terraform", "TerraformValidator"),
    "helm": ValidatorClass("planforge.validate.helm", "HelmValidator"),
    "kustomize": ValidatorClass("planforge.validate.kustomize", "KustomizeValidator"),
    "argocd": ValidatorClass("planforge.validate.argocd", "ArgoCDValidator"),
    "flux": ValidatorClass("planforge.validate.flux", "FluxValidator"),
    "ansible": ValidatorClass("planforge.validate.ansible", "AnsibleValidator"),
    "cloudformation": ValidatorClass("planforge.validate.cloudformation", "CloudFormationValidator"),
    "pulumi": ValidatorClass("planforge.validate.pulumi", "PulumiValidator"),
    "schemas": ValidatorClass("planforge.validate.schemas", "SchemaValidator"),
    "policy": ValidatorClass("planforge.validate.policy", "PolicyValidator"),
    "wiring": ValidatorClass("planforge.validate.wiring", "WiringValidator"),
}
VALIDATOR_NAMES = tuple(VALIDATORS)  # canonical order: reports list validators in it
DEFAULT_VALIDATORS = tuple(name for name, where in VALIDATORS.items() if where.default)  # run without --only


def load_validator(name: str) -> Validator:
    """A new instance of the validator called `name` (a name of `VALIDATORS`)."""
    where = VALIDATORS[name]
    try:
        module = importlib.import_module(where.module)
        cls = getattr(module, where.name)
    except (ImportError, AttributeError) as exc:
        raise PlanforgeError(
            f"internal error: the {name} validator ({where.module}.{where.name}) cannot be loaded: "
            f"{type(exc).__name__}: {exc}. The planforge installation is incomplete; reinstall planforge."
        ) from exc
    return cls()
