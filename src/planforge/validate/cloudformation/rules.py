"""The CloudFormation validator's name, target kind and rules."""
from __future__ import annotations

NAME = "cloudformation"
TEMPLATE = "cloudformation-template"
UNTRUSTED_CONFIG = "cloudformation/untrusted-config"
TOOL_FAILURE = "cloudformation/tool-failure"
INSTALL = "pip install cfn-lint"
RULES_DOC = "https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/rules.md"

RULES = {
    "cloudformation/<rule>": "a cfn-lint finding (the AWS resource specification, offline); the part after the slash "
                             "is cfn-lint's rule id (E3002: a property the resource type does not have).",
    UNTRUSTED_CONFIG: "a cfn-lint setting in the template's `Metadata: cfn-lint: config:` that loads rules, "
                      "specifications or files (`append_rules`, `override_spec`, `custom_rules`, ...): never used.",
    TOOL_FAILURE: "cfn-lint ended without a result (timeout, output limit, crash, a region it does not know).",
}
