"""The CloudFormation validator: cfn-lint on every AWS CloudFormation (and SAM) template.

Public API (used by the runner): `CloudFormationValidator()` (name "cloudformation") and `RULES`.

Discovery (`discovery`, `template`; docs/discovery.md, "CloudFormation"): YAML and JSON files recognised by
content (`AWSTemplateFormatVersion`, or `Resources` of `AWS::`/`Custom::` types), read within the run's bounds and
the YAML limits with every tag (`!Ref`, `!Sub`, ...) loaded as its plain value. One `lint` check per template
(`validator`): `cfn-lint --format json` (`cli`), the templates of a run in shared calls (`batch`), each finding
`cloudformation/<rule id>` at its file and line; without cfn-lint the check is skipped with the install command.

Nothing from the repository configures cfn-lint (`cli`): no `.cfnlintrc` of the repository or the home directory,
no rules, specifications or files a template's Metadata names (`screen`: `cloudformation/untrusted-config`), no
nested template outside the validated paths (`screen`: the template is not linted). A template's own
`ignore_checks` are honoured as visible waivers (`suppressions`).
"""
from __future__ import annotations

from planforge.validate.cloudformation.rules import NAME, RULES
from planforge.validate.cloudformation.validator import CloudFormationValidator

__all__ = ["NAME", "RULES", "CloudFormationValidator"]
