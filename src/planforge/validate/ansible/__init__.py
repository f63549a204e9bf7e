"""The Ansible validator: `ansible-playbook --syntax-check` and `ansible-lint` on every Ansible tree.

Public API (used by the runner): `AnsibleValidator()` (name "ansible") and `RULES`.

Discovery (`discovery`, rules in docs/discovery.md, "Ansible"): an Ansible tree is a directory with
`ansible.cfg`, or with `playbooks/` beside `inventories/` (or `inventory/`), or with a `site.yml`
playbook. Its playbooks are the YAML files (outside roles, inventories and variable directories) whose
top level is a list of plays with `hosts` or `import_playbook`; its inventories are
`inventories/<env>/hosts.yml|yaml|ini`, else the `ansible.cfg` `inventory`.

Checks (`validator`): `syntax-check[<inventory>]` for every playbook x inventory, `lint` once per tree
when `ansible-lint` is installed (else skipped with the reason). Every tool runs with an environment
that reads nothing from the user's home and writes only below the run's scratch directory (`cli`).
"""
from __future__ import annotations

from planforge.validate.ansible.rules import NAME, RULES
from planforge.validate.ansible.validator import AnsibleValidator

__all__ = ["NAME", "RULES", "AnsibleValidator"]
