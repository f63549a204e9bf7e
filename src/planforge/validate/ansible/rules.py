"""The Ansible validator's name, target kinds and rules."""
from __future__ import annotations

NAME = "ansible"
PLAYBOOK = "ansible-playbook"
TREE = "ansible-tree"
UNTRUSTED_CONFIG = "ansible/untrusted-config"
UNTRUSTED_INVENTORY = "ansible/untrusted-inventory"
UNTRUSTED_PLUGINS = "ansible/untrusted-plugins"

RULES = {
    "ansible/syntax": "`ansible-playbook --syntax-check` refuses the playbook (YAML, play or task structure, "
                      "an unknown module or role).",
    "ansible/collection-missing": "the playbook uses a collection its requirements.yml lists but that is not "
                                  "installed where validation looks (`--ansible-collections`).",
    "ansible/inventory": "an inventory file Ansible cannot parse.",
    UNTRUSTED_CONFIG: "a setting of the tree's ansible.cfg or ansible-lint configuration that names a program, "
                      "plugin or rules directory, password file or log path, or a path setting outside the "
                      "validated paths: never honoured (validate runs Ansible with a configuration of its own).",
    UNTRUSTED_INVENTORY: "an executable (script) or plugin (`plugin:`) inventory: Ansible would run it; it is not used.",
    UNTRUSTED_PLUGINS: "Python plugins or modules the tree ships (`filter_plugins/`, `library/`, ...): Ansible "
                       "would load them; they do not run during validation.",
    "ansible/tool-failure": "ansible-playbook or ansible-lint ended without a result (timeout, output limit, crash).",
    "ansible-lint/<rule>": "an ansible-lint finding; the part after the slash is ansible-lint's rule id.",
}
