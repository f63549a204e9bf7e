"""The Pulumi validator: every Pulumi project, its configuration and its Python program, checked statically.

Public API (used by the runner): `PulumiValidator()` (name "pulumi") and `RULES`.

Discovery (`discovery`; docs/discovery.md, "Pulumi"): a project is a directory holding `Pulumi.yaml` (or
`Pulumi.yml`). Per project (`validator`):

- `project`: Pulumi.yaml read as data (`project`, `declarations`: name, runtime, `main`, the `config:`
  declarations) and each stack file checked against those declarations (`stacks`);
- for a Python program, `syntax`: every `.py` file parsed with `ast.parse` (`program`);
- and `sdk`: what the program names of the provider SDKs (`references`, from the syntax tree) looked up in the
  SDKs installed beside planforge (`sdk`, `sdk_check`): unknown modules, classes and functions, keyword arguments a
  callee does not take, required arguments not passed. Without the SDK the check is skipped with the install
  command.

Nothing of the repository runs: its Python files are parsed, never imported or executed (the SDK is planforge's
own, trusted code), and its YAML is composed within the YAML limits. What needs a real deployment (`pulumi
preview`, the program's own unit tests under Pulumi's mocks) is left to the repository's CI.
"""
from __future__ import annotations

from planforge.validate.pulumi.rules import NAME, RULES
from planforge.validate.pulumi.validator import PulumiValidator

__all__ = ["NAME", "RULES", "PulumiValidator"]
