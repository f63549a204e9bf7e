"""The Pulumi validator's name, target kind and rules."""
from __future__ import annotations

NAME = "pulumi"
PROJECT = "pulumi-project"
PROJECT_RULE = "pulumi/project"
STACK_CONFIG = "pulumi/stack-config"
SYNTAX = "pulumi/syntax"
SDK_UNKNOWN = "pulumi/sdk-unknown"
SDK_ARGUMENT = "pulumi/sdk-argument"
SDK_REQUIRED = "pulumi/sdk-required"
SDK_MISSING = "pulumi/sdk-missing"
EXTRA_INSTALL = "pip install 'planforge[pulumi]'"
EXTRA_PACKAGES = frozenset({"pulumi_aws"})  # the SDKs planforge's `pulumi` extra installs

RULES = {
    PROJECT_RULE: "Pulumi.yaml is not a well-formed project: no `name` or `runtime`, a malformed `config:` "
                  "declaration (unknown attribute, type, a default of the wrong type), or a `main` that is missing "
                  "or outside the project.",
    STACK_CONFIG: "a stack file (Pulumi.<stack>.yaml) Pulumi would refuse: a key the project declares without a "
                  "default and the stack does not set, a value of the wrong type, a secret in plain text, a key not "
                  "of the form <namespace>:<name>; a warning for a key of the project the project does not declare.",
    SYNTAX: "a Python file of the program does not parse (it is parsed, never imported or run).",
    SDK_UNKNOWN: "the program names a module, class or function the installed Pulumi SDK does not have "
                 "(`aws.ec2.Vpcc`).",
    SDK_ARGUMENT: "a keyword argument the resource, args class or function of the installed SDK does not take.",
    SDK_REQUIRED: "a resource, args class or function called without an argument it requires (a resource: an input "
                  "its args class requires, when no args object is passed).",
    SDK_MISSING: "the program imports a Pulumi SDK that is not installed beside planforge: its calls are not "
                 "checked (the note names the install command).",
}
