"""The Ansible validator: `ansible-playbook --syntax-check` and `ansible-lint` on every Ansible tree.

Public API (used by the runner): `AnsibleValidator()` (name "ansible") and `RULES`.

Discovery (`discovery`, rules in docs/discovery.md, "Ansible"): an Ansible tree is a directory with
`ansible.cfg`, or with `playbooks/` beside `inventories/` (or `inventory/`), or with a `site.yml`
playbook. Its playbooks are the YAML files (outside roles, inventories and variable directories) whose
top level is a list of plays with `hosts` or `import_playbook`; its inventories are
`inventories/<env>/hosts.yml|yaml|ini`, else the `ansible.cfg` `inventory`.

Checks (`validator`): `syntax-check[<inventory>]` for every playbook x inventory, `lint` once per tree
when `ansible-lint` is installed (else skipped with the reason), and `untrusted` when the tree asks Ansible
to run something of its own.

Nothing from the repository runs. Before any tool (`screen`): a static reference outside the validated
paths stops the tree's checks; executable and plugin inventories are not used; the tree's `ansible.cfg`
and ansible-lint configuration are read as data (`config`, `lintconfig`) and only their paths inside the
validated paths honoured, in configuration files of planforge's own. Each tool then runs in a sandbox
(`sandbox`, started by `launch`) that lets no Python file of the repository execute, starts no program but
Ansible's own, runs no lookup and loads no file outside, in a `toolenv` environment whose homes are below
the run's scratch directory.
"""
from __future__ import annotations

from planforge.validate.ansible.rules import NAME, RULES
from planforge.validate.ansible.validator import AnsibleValidator

__all__ = ["NAME", "RULES", "AnsibleValidator"]
