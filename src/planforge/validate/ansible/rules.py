"""The Ansible validator's name, target kinds and rules."""
from __future__ import annotations

NAME = "ansible"
PLAYBOOK = "ansible-playbook"
TREE = "ansible-tree"

RULES = {
    "ansible/syntax": "`ansible-playbook --syntax-check` refuses the playbook (YAML, play or task structure, "
                      "an unknown module or role).",
    "ansible/collection-missing": "the playbook uses a collection its requirements.yml lists but that is not "
                                  "installed where validation looks (`--ansible-collections`).",
    "ansible/inventory": "an inventory file Ansible cannot parse.",
    "ansible/tool-failure": "ansible-playbook or ansible-lint ended without a result (timeout, output limit, crash).",
    "ansible-lint/<rule>": "an ansible-lint finding; the part after the slash is ansible-lint's rule id.",
}
