"""Schemas and policy on worker processes: a run that uses them reports exactly what a run on threads reports
(findings, the repository-wide rules fed by the documents the workers read, the result cache), and the workers
are used only where they pay."""
from __future__ import annotations

from pathlib import Path

import pytest

from planforge.validate import processes
from planforge.validate.base import Check, Settings
from planforge.validate.runner import run_validation
from planforge.validate.unit_selection import Selection

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  namespace: team-{i}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web-{i}}}
  template:
    metadata:
      labels: {{app: web-{i}}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1.{i}.0
"""
NAMESPACE = """apiVersion: v1
kind: Namespace
metadata:
  name: team-{i}
"""


def _tree(root: Path, count: int) -> Path:
    """`count` Deployments (every fifth with a schema error) and their Namespaces, none with a NetworkPolicy."""
    for i in range(count):
        replicas = '"two"' if i % 5 == 0 else "2"
        (root / f"d{i:03d}.yaml").write_text(DEPLOYMENT.format(i=i, replicas=replicas), encoding="utf-8")
        (root / f"n{i:03d}.yaml").write_text(NAMESPACE.format(i=i), encoding="utf-8")
    return root


def _seen(checks: list[Check]) -> list[tuple]:
    """What a report shows of the checks (their durations aside), in report order."""
    return [(c.validator, c.name, c.target, c.status, c.reason,
             [(f.rule, f.severity, f.file, f.line, f.json_path, f.message) for f in c.findings]) for c in checks]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Worker pools started during the test (their sizes); any run of 8 or more targets is worth them."""
    sizes: list[int] = []
    real_start = processes.start

    def start(workers: int):
        sizes.append(workers)
        return real_start(workers)

    monkeypatch.setattr(processes, "MIN_TARGETS", 8)
    monkeypatch.setattr(processes, "start", start)
    return sizes


def test_workers_report_what_threads_report(tmp_path: Path, started: list[int]) -> None:
    (tmp_path / "repo").mkdir()
    root = _tree(tmp_path / "repo", 40)
    threads = run_validation([root], Settings(jobs=1), ["schemas", "policy"])
    assert started == []
    workers = run_validation([root], Settings(jobs=2), ["schemas", "policy"])
    assert started == [2]
    assert _seen(workers) == _seen(threads)
    invalid = [f.file for c in workers if c.validator == "schemas" for f in c.findings]
    assert invalid == [f"d{i:03d}.yaml" for i in range(0, 40, 5)]  # "two" replicas, each at its file
    # the repository-wide rule reads the documents the workers sent back: one finding per Namespace
    default_deny = [c for c in workers if c.name.startswith("default-deny[")]
    assert len(default_deny) == 40


def test_workers_fill_and_read_the_result_cache(tmp_path: Path, started: list[int],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANFORGE_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "repo").mkdir()
    root = _tree(tmp_path / "repo", 20)
    fresh = run_validation([root], Settings(jobs=2), ["schemas", "policy"], selection=Selection(use_cache=False))
    cold = run_validation([root], Settings(jobs=2), ["schemas", "policy"], selection=Selection(use_cache=True))
    notes: list[str] = []
    warm = run_validation([root], Settings(jobs=2), ["schemas", "policy"], selection=Selection(use_cache=True),
                          notes=notes)
    assert started == [2, 2]  # the warm run had nothing left to run
    assert len(notes) == 80
    assert _seen(fresh) == _seen(cold) == _seen(warm)


def test_few_targets_or_one_job_run_on_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "repo").mkdir()
    root = _tree(tmp_path / "repo", 3)
    started: list[int] = []
    monkeypatch.setattr(processes, "start", lambda workers: started.append(workers))
    run_validation([root], Settings(jobs=2), ["schemas", "policy"])  # 6 files, 12 targets
    monkeypatch.setattr(processes, "MIN_TARGETS", 8)
    run_validation([root], Settings(jobs=1), ["schemas", "policy"])
    assert started == []


def test_the_fork_server_imports_nothing_from_the_working_directory(tmp_path: Path, started: list[int],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """planforge often runs in the repository it validates: a `yaml.py` or `planforge/` there must never run."""
    from multiprocessing import forkserver

    canary = tmp_path / "canary"
    (tmp_path / "repo").mkdir()
    root = _tree(tmp_path / "repo", 10)
    for module in ("yaml.py", "planforge/__init__.py", "jsonschema.py", "fastjsonschema.py"):
        (root / module).parent.mkdir(exist_ok=True)
        (root / module).write_text(f"open({str(canary)!r}, 'a').write({module!r})\n", encoding="utf-8")
    forkserver._forkserver._stop()  # a fresh fork server, started from inside the repository
    monkeypatch.chdir(root)
    checks = run_validation([root], Settings(jobs=2), ["schemas", "policy"])
    assert started == [2]
    assert not canary.exists()
    assert len([c for c in checks if c.validator == "schemas"]) == 20


def test_without_a_pool_the_threads_validate_everything(tmp_path: Path, started: list[int],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    (tmp_path / "repo").mkdir()
    root = _tree(tmp_path / "repo", 20)
    threads = _seen(run_validation([root], Settings(jobs=1), ["schemas", "policy"]))

    def unstartable(workers: int):
        raise OSError("no socket for the fork server")

    monkeypatch.setattr(processes, "start", unstartable)
    assert _seen(run_validation([root], Settings(jobs=2), ["schemas", "policy"])) == threads

    def died(pool, batch):  # every worker dies: each batch comes back broken
        future: Future = Future()
        future.set_exception(BrokenProcessPool("a worker died"))
        return future

    monkeypatch.setattr(processes, "start", lambda workers: processes.ProcessPoolExecutor(max_workers=1))
    monkeypatch.setattr(processes, "submit", died)
    assert _seen(run_validation([root], Settings(jobs=2), ["schemas", "policy"])) == threads
