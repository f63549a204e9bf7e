"""Hostile sizes and shapes: every limit of docs/settings.md ("Limits") is a finding with the file and the limit,
never an internal error, a crash or an unbounded run.

Each repository is built at test time in tmp_path and validated by the command line in a subprocess (as in CI),
with the result cache on (its default). The bound on time is the subprocess timeout, far above what the
refusals take (timings are in benchmarks/yaml_bounds.py).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from planforge.validate.inputs import MAX_DIRECTORY_DEPTH
from planforge.validate.manifests.limits import MAX_DOCUMENTS, MAX_NODES, MAX_YAML_DEPTH
from planforge.validate.tools import KUSTOMIZE_CEILING_MIB

HEADER = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
BOMB = "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + BOMB
TIMEOUT = 240


def validate(repo: Path, *args: str) -> tuple[int, str]:
    """`planforge validate ARGS repo`: (exit code, stdout + stderr)."""
    env = {**os.environ, "PLANFORGE_CACHE_DIR": str(repo.parent / "cache")}
    proc = subprocess.run([sys.executable, "-m", "planforge", "validate", *args, "repo"], cwd=repo.parent,
                          capture_output=True, text=True, timeout=TIMEOUT, env=env)
    return proc.returncode, proc.stdout + proc.stderr


def assert_finding(code: int, out: str, rule: str, file: str, limit: str) -> None:
    assert code == 1, out
    assert "internal error" not in out and "Traceback" not in out, out
    line = next((line for line in out.splitlines() if f"[{rule}]" in line and file in line), None)
    assert line is not None, out
    assert limit in line, line


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "repo").mkdir()
    return tmp_path / "repo"


def _block(depth: int) -> str:
    return HEADER + "data:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(depth)) + "  " * (depth + 1) + "v: 1\n"


@pytest.mark.parametrize("shape, text", [
    ("block", _block(3000)),
    ("flow", HEADER + "data: " + "[" * 3000 + "]" * 3000 + "\n"),
    ("one line", HEADER + "items:\n" + "- " * 1_000_000 + "x\n"),
    ("brackets in strings", HEADER + "data: " + ("[" * 150 + "'" + "]" * 150 + "', ") * 3 + "x" + "]" * 450 + "\n"),
])
def test_deep_yaml_is_a_finding_with_its_limit(repo: Path, shape: str, text: str) -> None:
    """3,000 levels (block, flow), 1,000,000 compact block sequences on one line, and brackets hidden in quoted
    strings: refused before libyaml composes them (its C composer recurses: a 200 KB line crashed the process)."""
    (repo / "deep.yaml").write_text(text)
    code, out = validate(repo)
    assert_finding(code, out, "input/too-complex", "deep.yaml", f"{MAX_YAML_DEPTH} levels")


def test_deep_json_is_a_finding(repo: Path) -> None:
    (repo / "deep.json").write_text('{"apiVersion": "v1", "kind": "ConfigMap", "data": ' + "[" * 900 + "]" * 900 + "}")
    code, out = validate(repo)
    assert_finding(code, out, "input/too-complex", "deep.json", f"{MAX_YAML_DEPTH} levels")


def test_deep_tfvars_json_is_a_finding_not_a_crash(repo: Path) -> None:
    (repo / "main.tf").write_text('variable "x" {\n  type = any\n}\n')
    (repo / "terraform.tfvars.json").write_text('{"x": ' + "[" * 3000 + "]" * 3000 + "}")
    code, out = validate(repo, "--only", "terraform", "--no-cache")
    assert "internal error" not in out and "Traceback" not in out, out
    assert code == 1 and "terraform.tfvars.json" in out and f"{MAX_YAML_DEPTH} levels" in out, out


def test_too_many_documents(repo: Path) -> None:
    (repo / "many.yaml").write_text(HEADER + "---\n" * (MAX_DOCUMENTS + 5))
    code, out = validate(repo)
    assert_finding(code, out, "input/too-complex", "many.yaml", f"{MAX_DOCUMENTS} documents")


def test_too_many_nodes(repo: Path) -> None:
    (repo / "nodes.yaml").write_text(HEADER + "data:\n  k: [" + "1," * MAX_NODES + "1]\n")
    code, out = validate(repo)
    assert_finding(code, out, "input/too-complex", "nodes.yaml", f"{MAX_NODES} YAML nodes")


def test_aliases_that_nest_deeper_than_the_limit(repo: Path) -> None:
    """Each alias within the node limits, together nesting 150 x 20 levels: refused before construction."""
    chain = "".join(f"a{i}: &a{i} " + "[" * 150 + (f"*a{i - 1}" if i else "x") + "]" * 150 + "\n" for i in range(20))
    (repo / "alias.yaml").write_text(HEADER + chain)
    code, out = validate(repo)
    assert_finding(code, out, "input/too-complex", "alias.yaml", f"{MAX_YAML_DEPTH} levels")


def test_settings_file_too_deep_is_refused(repo: Path) -> None:
    (repo / ".planforge.yaml").write_text("waivers:\n" + "- " * 100_000 + "x\n")
    (repo / "cm.yaml").write_text(HEADER)
    code, out = validate(repo, "--only", "schemas")
    assert "internal error" not in out and "Traceback" not in out, out
    assert code in (1, 2) and ".planforge.yaml" in out and f"{MAX_YAML_DEPTH} levels" in out, out


def test_deep_directories_are_a_finding(repo: Path) -> None:
    """1,000 nested directories (Python's recursive os.walk crashed on them): every validator walks within
    MAX_DIRECTORY_DEPTH levels, and the first directory left out is named."""
    deep = repo
    for _ in range(1000):  # Path.mkdir(parents=True) recurses too
        deep = deep / "d"
        deep.mkdir()
    (deep / "cm.yaml").write_text(HEADER)
    (repo / "cm.yaml").write_text(HEADER)
    try:
        code, out = validate(repo)
    finally:
        remove_tree(repo / "d")
    assert_finding(code, out, "input/too-deep", "/".join(["d"] * (MAX_DIRECTORY_DEPTH + 1)),
                   f"more than {MAX_DIRECTORY_DEPTH} directories")


def remove_tree(top: Path) -> None:
    """Remove a deep tree without recursion (shutil.rmtree recurses, and so does pytest's cleanup of tmp_path)."""
    directories, todo = [], [top]
    while todo:
        current = todo.pop()
        directories.append(current)
        for entry in os.scandir(current):
            if entry.is_dir(follow_symlinks=False):
                todo.append(Path(entry.path))
            else:
                os.unlink(entry.path)
    for directory in reversed(directories):
        directory.rmdir()


# --------------------------------------------------------------------------- kustomize


needs_kubectl = pytest.mark.skipif(not (shutil.which("kustomize") or shutil.which("kubectl")),
                                   reason="kustomize builds need kubectl or kustomize on PATH")
KUSTOMIZATION = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"


@needs_kubectl
@pytest.mark.parametrize("where", ["kustomization.yaml", "cm.yaml", "patch.yaml", "inline"])
def test_alias_bomb_in_what_kustomize_reads(repo: Path, where: str) -> None:
    """A 1 KB alias bomb (kubectl kustomize grew to 11 GB on it) in the kustomization, a resource, a patch file
    or an inline patch: planforge's loader refuses it before the build, naming the file."""
    app = repo / "app"
    app.mkdir()
    (app / "cm.yaml").write_text(HEADER + (BOMB if where == "cm.yaml" else ""))
    (app / "patch.yaml").write_text(HEADER + (BOMB if where == "patch.yaml" else ""))
    inline = "- patch: |-\n" + "".join(f"    {line}\n" for line in (HEADER + BOMB).splitlines())
    (app / "kustomization.yaml").write_text(
        KUSTOMIZATION + "resources:\n- cm.yaml\npatches:\n- path: patch.yaml\n" + (inline if where == "inline" else "")
        + (BOMB if where == "kustomization.yaml" else ""))
    code, out = validate(repo, "--only", "kustomize")
    shown = "app/kustomization.yaml" if where == "inline" else f"app/{where}"
    assert_finding(code, out, "input/too-complex", shown, "100000 nodes")


@needs_kubectl
def test_kustomize_stops_at_its_memory_ceiling(repo: Path) -> None:
    """A build planforge does not foresee (one 15 MiB file read 200 times by a generator: 3 GB) stops at the
    kustomize memory ceiling: a finding on the kustomization with the ceiling, not the machine's memory."""
    app = repo / "app"
    app.mkdir()
    (app / "big.txt").write_text(("x" * 1023 + "\n") * 15 * 1024)
    (app / "kustomization.yaml").write_text(
        KUSTOMIZATION + "configMapGenerator:\n- name: big\n  files:\n" + "".join(f"  - k{i}=big.txt\n" for i in range(200)))
    code, out = validate(repo, "--only", "kustomize")
    assert_finding(code, out, "kustomize/memory", "app/kustomization.yaml", f"{KUSTOMIZE_CEILING_MIB} MiB")
