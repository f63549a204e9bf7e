"""`wiring/security-group-description`: an AWS security group's or rule's description that EC2 refuses at apply.

EC2 takes at most 255 characters of `a-z A-Z 0-9`, spaces and `._-:/()#,@[]+=&;{}!$*` in a security group's
description and in a rule's; `terraform validate` accepts any string, so an apostrophe (`the services' ports`) or a
dash from a word processor is found only when the apply fails. Read from Terraform: the `description` of
`aws_security_group` (and of its inline `ingress` / `egress` blocks), `aws_security_group_rule` and
`aws_vpc_security_group_ingress_rule` / `egress_rule`. A description of `var.x` is followed through the variables
(`tfvalues`); of a template, its literal text is checked (what Terraform interpolates is not known)."""
from __future__ import annotations

import re
from typing import Any, Iterator

from planforge.validate.base import Finding, Severity
from planforge.validate.wiring.repo import Repository, TfBlock
from planforge.validate.wiring.rules import NAME
from planforge.validate.wiring.tfvalues import TerraformValues, attribute_line

RULE = "wiring/security-group-description"
MAX_LENGTH = 255
GROUPS = ("aws_security_group",)
RULE_RESOURCES = ("aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                  "aws_vpc_security_group_egress_rule")
_REFUSED = re.compile(r"[^a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]")
_INTERPOLATION = re.compile(r"[$%]\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")
_VARIABLE = re.compile(r"^\$\{var\.[A-Za-z_][\w-]*\}$")


def check_security_group_descriptions(repo: Repository) -> list[Finding]:
    values = TerraformValues(repo)
    findings = []
    for block in repo.tf("resource", *GROUPS, *RULE_RESOURCES):
        for what, description, line in _descriptions(block):
            for text, shown, display, at in _texts(values, block, description, line):
                problem = _problem(text)
                if problem:
                    findings.append(Finding(
                        NAME, RULE, Severity.ERROR, f"{block.address}: the {what} {shown!r} {problem}: EC2 refuses it "
                        "at apply (terraform validate does not check it)", display, at,
                        hint="keep to letters, digits, spaces and ._-:/()#,@[]+=&;{}!$* and at most 255 characters "
                             "(`the services' ports` -> `the ports of the services`)"))
    return findings


def _descriptions(block: TfBlock) -> Iterator[tuple[str, Any, int]]:
    """(what, value, line) of the block's description and of its inline rules' descriptions."""
    what = "description" if block.type in GROUPS else "rule description"
    if "description" in block.body:
        yield what, block.body["description"], attribute_line(block, "description")
    for direction in ("ingress", "egress") if block.type in GROUPS else ():
        rules = block.body.get(direction)
        for rule in rules if isinstance(rules, list) else []:
            description = rule.get("description") if isinstance(rule, dict) else None
            if isinstance(description, str):
                yield "rule description", description, block.line_of(description[:40])


def _texts(values: TerraformValues, block: TfBlock, description: Any,
           line: int) -> Iterator[tuple[str, str, str, int]]:
    """(text checked, text shown, file, line) of each text a description takes: a literal, the values of a variable
    in every scope of the module, or the literal text of a template (shown as written)."""
    if not isinstance(description, str):
        return
    if _VARIABLE.match(description):
        for scope in values.scopes(block.path.parent):
            found = values.resolve(description, scope, block.display, line)
            for text in found.strings if found is not None else ():
                yield text, text, found.display, found.line  # type: ignore[union-attr]
        return
    yield _INTERPOLATION.sub("", description), description, block.display, line


def _problem(text: str) -> str | None:
    refused = sorted(set(_REFUSED.findall(text)))
    if refused:
        return "has characters outside EC2's set (" + " ".join(repr(c) for c in refused) + ")"
    if len(text) > MAX_LENGTH:
        return f"has {len(text)} characters (at most {MAX_LENGTH})"
    return None
