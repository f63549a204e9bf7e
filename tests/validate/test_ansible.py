"""The Ansible validator with the real ansible-playbook and ansible-lint (installed by the test extra).

`tests/fixtures/ansible/good` is a small best-practice tree; each defect is injected into a copy of it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest

from planforge.cli import main
from planforge.errors import EXIT_USAGE, UsageError
from planforge.validate.ansible import AnsibleValidator
from planforge.validate.ansible import validator as validator_module
from planforge.validate.ansible.cli import find_binary, syntax_findings
from planforge.validate.ansible.discovery import find_trees
from planforge.validate.ansible.launch import ansible_env
from planforge.validate.ansible.rules import PLAYBOOK, TREE
from planforge.validate.base import Check, Context, Settings, Status
from planforge.validate.inputs import Bounds

GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "ansible" / "good"
TASKS = "roles/baseline/tasks/main.yml"


@pytest.fixture(autouse=True)
def _ansible() -> None:
    if find_binary("ansible-playbook") is None:
        pytest.skip("ansible-playbook is not installed (pip install -e '.[test]')")


def make_ctx(root: Path, workdir: Path, **settings: object) -> Context:
    workdir.mkdir(parents=True, exist_ok=True)
    values: dict[str, object] = {"timeout": 120, **settings}
    return Context(root, Settings(**values), lambda docs, origin: [], workdir)  # type: ignore[arg-type]


def run(root: Path, workdir: Path, kinds: tuple[str, ...] = (PLAYBOOK, TREE), **settings: object) -> list[Check]:
    validator = AnsibleValidator()
    ctx = make_ctx(root, workdir, **settings)
    return [c for t in validator.discover(ctx) if t.kind in kinds for c in validator.run(t, ctx)]


def findings(checks: list[Check]) -> list[tuple[str, str | None, int | None]]:
    return [(f.rule, f.file, f.line) for c in checks for f in c.findings]


def copy_good(tmp_path: Path) -> Path:
    return Path(shutil.copytree(GOOD, tmp_path / "repo" / "ansible"))


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------- discovery


def test_discovery_finds_playbooks_inventories_and_requirements(tmp_path: Path) -> None:
    repo = copy_good(tmp_path).parent
    (repo / "README.md").write_text("# not Ansible\n")
    [tree] = find_trees(repo, Bounds.of([repo]))
    assert tree.path == repo / "ansible"
    # site.yml imports baseline.yml: its syntax check loads both
    assert [p.relative_to(tree.path).as_posix() for p in tree.playbooks] == ["playbooks/site.yml"]
    assert [p.relative_to(tree.path).as_posix() for p in tree.inventories] == ["inventories/dev/hosts.yml",
                                                                               "inventories/prod/hosts.yml"]
    assert tree.collections == ["ansible.posix"]


def test_inventory_from_ansible_cfg_and_tree_by_site_yml(tmp_path: Path) -> None:
    root = tmp_path / "ops"
    (root / "hosts").mkdir(parents=True)
    (root / "hosts" / "all.ini").write_text("[web]\nweb-1\n")
    (root / "site.yml").write_text("- name: Web\n  hosts: web\n  tasks: []\n")
    (root / "tasks.yml").write_text("- name: Not a play\n  ansible.builtin.debug:\n    msg: hi\n")
    assert find_trees(tmp_path, Bounds.of([tmp_path]))[0].inventories == []
    (root / "ansible.cfg").write_text("[defaults]\ninventory = hosts/all.ini\n")
    [tree] = find_trees(tmp_path, Bounds.of([tmp_path]))
    assert (tree.path, tree.playbooks, tree.inventories) == (root, [root / "site.yml"], [root / "hosts" / "all.ini"])


def test_repository_without_ansible_needs_no_ansible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text('terraform {}\n')
    (tmp_path / "values.yaml").write_text("- hosts: not-a-tree\n")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert AnsibleValidator().discover(make_ctx(tmp_path, tmp_path / "work")) == []


# --------------------------------------------------------------------------- results


def test_good_tree_passes_every_check(tmp_path: Path) -> None:
    before = tree_digest(GOOD)
    checks = run(GOOD, tmp_path)
    assert sorted((c.name, c.target) for c in checks) == [
        ("lint", "."),
        ("syntax-check[inventories/dev/hosts.yml]", "playbooks/site.yml"),  # site.yml imports baseline.yml
        ("syntax-check[inventories/prod/hosts.yml]", "playbooks/site.yml"),
    ]
    assert all(c.status is Status.PASSED for c in checks) and findings(checks) == []
    assert {c.tool.split()[0] for c in checks} == {"ansible-lint", "ansible-playbook"}  # type: ignore[union-attr]
    assert tree_digest(GOOD) == before  # nothing written into the repository


def test_validate_command_exits_0_on_the_good_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--strict", "--only", "ansible", str(GOOD)]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_syntax_error_in_a_role_is_reported_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tree = copy_good(tmp_path)
    tasks = tree / TASKS
    tasks.write_text(tasks.read_text().replace("    state: present\n", "    state: present\n   bad: indent\n"))
    checks = run(tree.parent, tmp_path / "work", kinds=(PLAYBOOK,))
    assert {(rule, file, line) for rule, file, line in findings(checks)} == {
        ("ansible/syntax", f"ansible/{TASKS}", 6)}
    assert all(c.status is Status.FAILED for c in checks)
    assert main(["validate", "--only", "ansible", str(tree.parent)]) == 1
    assert f"ansible/{TASKS}:6" in capsys.readouterr().out


def test_playbook_that_does_not_parse_is_still_checked(tmp_path: Path) -> None:
    tree = copy_good(tmp_path)
    (tree / "playbooks" / "baseline.yml").write_text("---\n- name: Broken\n  hosts: [all\n")
    checks = run(tree, tmp_path / "work", kinds=(PLAYBOOK,))
    assert ("ansible/syntax", "playbooks/baseline.yml", 4) in findings(checks)
    assert {c.target for c in checks if c.status is Status.FAILED} == {"playbooks/site.yml"}


def test_an_entry_playbook_is_one_no_other_imports_by_a_literal_path(tmp_path: Path) -> None:
    play = "---\n- name: {0}\n  hosts: all\n  tasks: []\n"
    files = {"site.yml": "---\n- name: All\n  ansible.builtin.import_playbook: playbooks/a.yml\n",
             "playbooks/a.yml": "---\n- name: A\n  import_playbook: ../playbooks/b.yml\n",
             "playbooks/b.yml": play.format("B"),
             "playbooks/templated.yml": "---\n- name: T\n  import_playbook: \"{{ which }}.yml\"\n",
             "playbooks/c.yml": play.format("C"),  # imported only through a template: still an entry
             "playbooks/loop1.yml": "---\n- name: L1\n  import_playbook: loop2.yml\n",
             "playbooks/loop2.yml": "---\n- name: L2\n  import_playbook: loop1.yml\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    [tree] = find_trees(tmp_path, Bounds.of([tmp_path]))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tree.playbooks) == [
        "playbooks/c.yml", "playbooks/loop1.yml", "playbooks/loop2.yml", "playbooks/templated.yml", "site.yml"]


def test_broken_inventory_is_reported(tmp_path: Path) -> None:
    tree = copy_good(tmp_path)
    (tree / "inventories" / "prod" / "hosts.yml").write_text("all:\n  hosts: [a\n")
    checks = run(tree, tmp_path / "work", kinds=(PLAYBOOK,))
    failed = {(c.name, rule, file, line) for c in checks for rule, file, line in findings([c])}
    inventory = "inventories/prod/hosts.yml"
    assert failed == {(f"syntax-check[{inventory}]", "ansible/inventory", inventory, 3)}


def test_required_collection_not_installed_names_the_install_command(tmp_path: Path) -> None:
    tree = copy_good(tmp_path)
    tasks = tree / TASKS
    tasks.write_text(tasks.read_text() + "\n- name: Mount options\n  ansible.posix.mount:\n    path: /data\n"
                     "    state: mounted\n")
    [finding] = [f for c in run(tree, tmp_path / "work", kinds=(PLAYBOOK,)) for f in c.findings
                 if c.target == "playbooks/site.yml" and "dev" in c.name]
    assert (finding.rule, finding.file) == ("ansible/collection-missing", TASKS)
    assert "ansible.posix" in finding.message
    assert "ansible-galaxy collection install -r requirements.yml" in (finding.hint or "")


def test_unlisted_collection_is_a_syntax_error(tmp_path: Path) -> None:
    tree = copy_good(tmp_path)
    tasks = tree / TASKS
    tasks.write_text(tasks.read_text() + "\n- name: Firewall\n  community.general.ufw:\n    state: enabled\n")
    rules = {rule for rule, _, _ in findings(run(tree, tmp_path / "work", kinds=(PLAYBOOK,)))}
    assert rules == {"ansible/syntax"}


def test_ansible_lint_finding_carries_its_rule_and_line(tmp_path: Path) -> None:
    tree = copy_good(tmp_path)
    tasks = tree / TASKS
    tasks.write_text(tasks.read_text().replace("  ansible.builtin.package:", "  package:"))
    checks = run(tree, tmp_path / "work", kinds=(TREE,))
    assert ("ansible-lint/fqcn[action-core]", TASKS, 3) in findings(checks)
    assert [c.status for c in checks] == [Status.FAILED]


def test_missing_ansible_lint_skips_the_lint_with_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validator_module, "find_binary", lambda name: None)
    [check] = run(GOOD, tmp_path, kinds=(TREE,))
    assert check.status is Status.SKIPPED and "pip install ansible-lint" in (check.reason or "")


def test_missing_ansible_playbook_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(UsageError) as info:
        AnsibleValidator().discover(make_ctx(GOOD, tmp_path / "work"))
    assert info.value.exit_code == EXIT_USAGE and "ansible-core" in info.value.message
    assert main(["validate", str(GOOD)]) == EXIT_USAGE
    assert "ansible-playbook is not on PATH" in capsys.readouterr().err


def test_timeout_is_a_tool_failure(tmp_path: Path) -> None:
    checks = run(GOOD, tmp_path, kinds=(PLAYBOOK,), timeout=0.01)
    assert checks and {rule for rule, _, _ in findings(checks)} == {"ansible/tool-failure"}
    assert all("timed out" in f.message for c in checks for f in c.findings)


def test_environment_reads_nothing_from_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANSIBLE_ROLES_PATH", "/home/someone/roles")
    monkeypatch.setenv("ANSIBLE_CONFIG", "/home/someone/.ansible.cfg")
    collections = tmp_path / "collections"
    ctx = make_ctx(GOOD, tmp_path / "work", ansible_collections=collections)
    [tree] = find_trees(GOOD, Bounds.of([GOOD]))
    env = ansible_env(ctx, tree, "/opt/bin/ansible-playbook")
    work = str(tmp_path / "work")
    assert "ANSIBLE_ROLES_PATH" not in env and env["ANSIBLE_CONFIG"].startswith(work)  # planforge's, not the tree's
    config = Path(env["ANSIBLE_CONFIG"]).read_text()
    assert f"roles_path = {GOOD / 'roles'}" in config and "retry_files_enabled = False" in config
    assert all(env[k].startswith(work) for k in ("HOME", "ANSIBLE_HOME", "ANSIBLE_LOCAL_TEMP", "XDG_CACHE_HOME",
                                                 "TMPDIR"))
    assert env["ANSIBLE_COLLECTIONS_PATH"].split(":")[0] == str(collections)
    assert env["PATH"].split(":")[:2] == [f"{work}/ansible/bin", "/opt/bin"]


def test_errors_of_ansible_core_before_2_19_are_read_too(tmp_path: Path) -> None:
    [tree] = find_trees(GOOD, Bounds.of([GOOD]))
    output = (
        "ERROR! couldn't resolve module/action 'ansible.posix.mount'. This often indicates a misspelling, "
        "missing collection, or incorrect module path.\n\n"
        f"The error appears to be in '{GOOD / TASKS}': line 15, column 3, but may\n"
        "be elsewhere in the file depending on the exact syntax problem.\n"
    )
    [finding] = syntax_findings(output, tree, make_ctx(GOOD, tmp_path), "playbooks/site.yml")
    assert (finding.rule, finding.file, finding.line, finding.column) == ("ansible/collection-missing", TASKS, 15, 3)


def test_lint_leaves_syntax_errors_to_the_syntax_check(tmp_path: Path) -> None:
    tree = copy_good(tmp_path)
    (tree / "playbooks" / "baseline.yml").write_text("---\n- name: Broken\n  hosts: all\n  tasks:\n   - bad\n  x: [\n")
    rules = {rule for rule, _, _ in findings(run(tree, tmp_path / "work", kinds=(TREE,)))}
    assert rules and not any(rule.startswith("ansible-lint/syntax-check") for rule in rules)


def test_tree_without_inventory_is_checked_against_localhost(tmp_path: Path) -> None:
    (tmp_path / "site.yml").write_text("---\n- name: Local\n  hosts: localhost\n  tasks:\n    - name: Greet\n"
                                       "      ansible.builtin.debug:\n        msg: hi\n")
    checks = run(tmp_path, tmp_path / "work", kinds=(PLAYBOOK,))
    assert [(c.name, c.target, c.status) for c in checks] == [("syntax-check[localhost,]", "site.yml", Status.PASSED)]


def test_symlink_out_of_the_repository_stops_the_tools(tmp_path: Path) -> None:
    tree = copy_good(tmp_path)
    secret = tmp_path / "secret.yml"
    secret.write_text("password: hunter2\n")
    (tree / "inventories" / "dev" / "group_vars" / "secret.yml").symlink_to(secret)
    checks = run(tree.parent, tmp_path / "work")
    assert {c.name for c in checks} == {"inputs"} and all(c.status is Status.FAILED for c in checks)
    assert {rule for rule, _, _ in findings(checks)} == {"input/outside-root"}
    assert not any("hunter2" in (f.detail or "") + f.message for c in checks for f in c.findings)


# --------------------------------------------------------------------------- untrusted trees: nothing runs

SECRET = "PLANFORGE-TEST-SECRET-a41c"


def canary_code(canary: Path) -> str:
    """Python that leaves `canary` behind when it is imported or run."""
    return f"import pathlib\npathlib.Path({str(canary)!r}).touch()\n"


def executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def hostile_tree(tmp_path: Path) -> Path:
    """The good tree with everything Ansible and ansible-lint would run by themselves, each leaving a canary in
    tmp_path: an inventory script, the config's vault password script, log and plugin settings, plugins beside
    the playbooks, a role's module (ansible-lint executes a module to read its arguments), lint rules."""
    tree = copy_good(tmp_path)
    executable(tree / "inventories" / "dev" / "hosts.yml", f"#!/bin/sh\ntouch {tmp_path}/canary-inventory\necho '{{}}'\n")
    (tree / "inventories" / "stage").mkdir()
    (tree / "inventories" / "stage" / "hosts.ini").write_text("[servers]\nserver-1 ansible_host=10.2.0.10\n")
    executable(tree / "vault.sh", f"#!/bin/sh\ntouch {tmp_path}/canary-vault\necho password\n")
    (tree / "ansible.cfg").write_text(
        "[defaults]\ninventory = inventories/dev/hosts.yml\nroles_path = roles:/etc/ansible/roles\n"
        f"vault_password_file = vault.sh\nlog_path = {tmp_path}/outside.log\ncallbacks_enabled = evil\n"
        "callback_plugins = plugins/callback\n")
    for kind in ("filter_plugins", "vars_plugins", "connection_plugins", "lookup_plugins"):
        (tree / "playbooks" / kind).mkdir()
        (tree / "playbooks" / kind / "evil.py").write_text(canary_code(tmp_path / f"canary-{kind}"))
    (tree / "plugins" / "callback").mkdir(parents=True)
    (tree / "plugins" / "callback" / "evil.py").write_text(canary_code(tmp_path / "canary-callback"))
    (tree / "roles" / "baseline" / "library").mkdir()
    (tree / "roles" / "baseline" / "library" / "role_mod.py").write_text(canary_code(tmp_path / "canary-module"))
    tasks = tree / TASKS
    tasks.write_text(tasks.read_text() + "\n- name: Custom module\n  role_mod:\n    state: present\n")
    (tree / ".ansible-lint").write_text("skip_list:\n  - yaml\nrulesdir:\n  - rules\n")
    (tree / "rules").mkdir()
    (tree / "rules" / "__init__.py").write_text("")
    (tree / "rules" / "evil.py").write_text(canary_code(tmp_path / "canary-lint-rule"))
    return tree


def test_a_hostile_tree_runs_nothing_and_says_what_it_refused(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    tree = hostile_tree(tmp_path)
    code = main(["validate", "--only", "ansible", "--format", "json", str(tree.parent)])
    report = json.loads(capsys.readouterr().out)
    assert not list(tmp_path.glob("canary-*")) and not (tmp_path / "outside.log").exists()
    assert code == 1
    found = {(f["rule"], f["severity"], f["file"], f["line"]) for c in report["checks"] for f in c["findings"]}
    config = "ansible/ansible.cfg"
    assert {("ansible/untrusted-inventory", "error", "ansible/inventories/dev/hosts.yml", 1),
            ("ansible/untrusted-config", "warning", config, 3),  # roles_path's /etc/ansible/roles: not used
            ("ansible/untrusted-config", "warning", config, 4),  # vault_password_file
            ("ansible/untrusted-config", "warning", config, 5),  # log_path
            ("ansible/untrusted-config", "warning", config, 6),  # callbacks_enabled
            ("ansible/untrusted-config", "warning", config, 7),  # callback_plugins
            ("ansible/untrusted-config", "warning", "ansible/.ansible-lint", 3),  # rulesdir
            } <= found
    assert [rule for rule, *_ in found if rule == "ansible/untrusted-plugins"] == ["ansible/untrusted-plugins"]
    assert all(rule.startswith(("ansible/untrusted-", "ansible-lint/")) for rule, *_ in found), found
    status = {(c["name"], c["target"]): c["status"] for c in report["checks"]}
    assert status[("syntax-check[ansible/inventories/dev/hosts.yml]", "ansible/playbooks/site.yml")] == "skipped"
    for inventory in ("prod/hosts.yml", "stage/hosts.ini"):  # static inventories are still checked
        assert status[(f"syntax-check[ansible/inventories/{inventory}]", "ansible/playbooks/site.yml")] == "passed"


def test_a_lookup_in_a_playbook_runs_no_command(tmp_path: Path) -> None:
    """Ansible templates import paths while it loads a playbook: the `pipe` lookup would run a shell command."""
    tree = copy_good(tmp_path)
    canary = tmp_path / "canary"
    (tree / "playbooks" / "site.yml").write_text(
        "---\n- name: Site\n  hosts: all\n  tasks:\n    - name: Import\n      ansible.builtin.import_tasks: "
        f"\"{{{{ lookup('ansible.builtin.pipe', 'touch {canary} && echo tasks.yml') }}}}\"\n")
    checks = run(tree, tmp_path / "work", kinds=(PLAYBOOK,))
    assert not canary.exists()
    refused = [f for c in checks for f in c.findings if c.target == "playbooks/site.yml"]
    assert {(f.rule, f.file, f.line) for f in refused} == {("ansible/syntax", "playbooks/site.yml", 6)}
    assert all("refused by planforge validate" in f.message and "without a lookup" in (f.hint or "")
               for f in refused)


def test_a_templated_import_path_reads_nothing_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "tasks.yml").write_text(f"- name: {SECRET}\n  bad: [\n")
    tree = copy_good(tmp_path)
    (tree / "playbooks" / "site.yml").write_text(
        f"---\n- name: Site\n  hosts: all\n  vars:\n    base: {outside}\n  tasks:\n    - name: Import\n"
        "      ansible.builtin.import_tasks: \"{{ base }}/tasks.yml\"\n")
    checks = run(tree, tmp_path / "work", kinds=(PLAYBOOK,))
    refused = [f for c in checks for f in c.findings if c.target == "playbooks/site.yml"]
    assert refused and all("resolves outside the validated paths: not read" in f.message for f in refused)
    assert SECRET not in json.dumps([dataclasses.asdict(f) for c in checks for f in c.findings])


def test_imports_and_vars_files_outside_are_refused_before_ansible_runs(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "play.yml").write_text(f"- name: {SECRET}\n  hosts: all\n  tasks: [\n")
    (outside / "vars.yml").write_text(f"secret: {SECRET}\n")
    tree = copy_good(tmp_path)
    (tree / "playbooks" / "site.yml").write_text(
        "---\n- name: Import\n  ansible.builtin.import_playbook: ../../../outside/play.yml\n"
        f"- name: Vars\n  hosts: all\n  vars_files:\n    - vars/local.yml\n    - {outside}/vars.yml\n  tasks: []\n")
    code = main(["validate", "--only", "ansible", "--format", "json", str(tree.parent)])
    out = capsys.readouterr().out
    report = json.loads(out)
    assert code == 1 and SECRET not in out
    assert {c["name"] for c in report["checks"]} == {"inputs"}  # no Ansible tool ran on the tree
    found = {(f["rule"], f["file"], f["line"]) for c in report["checks"] for f in c["findings"]}
    assert found == {("input/outside-root", "ansible/playbooks/site.yml", 3),
                     ("input/outside-root", "ansible/playbooks/site.yml", 8)}


def test_the_reference_scan_walks_an_alias_once(tmp_path: Path) -> None:
    """A playbook of nested aliases (4**40 paths to one mapping) is scanned in no time, its reference found."""
    from planforge.validate.ansible.screen import outside_references

    tree = copy_good(tmp_path)
    lines = ["- name: Bomb", "  hosts: all", "  vars:", "    a0: &a0 [{import_tasks: /etc/passwd}]"]
    lines += [f"    a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 40)]
    (tree / "playbooks" / "bomb.yml").write_text("\n".join(lines) + "\n")
    [finding] = outside_references(find_trees(tree, Bounds.of([tree]))[0], make_ctx(tree, tmp_path / "work"))
    assert (finding.rule, finding.file, finding.line) == ("input/outside-root", "playbooks/bomb.yml", 4)
