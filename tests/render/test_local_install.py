"""The README's steps for an environment on a local cluster (Minikube: CI cannot reach it) run from the repository's
root: the platform components, each service's image built and loaded into Minikube, then each chart with its
platform and environment values. Run with fake `kubectl`, `helm`, `docker` and `minikube` that record their calls."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from render_helpers import with_broker
from testlib import REAL_PLANS, rendered_plan

PLAN = REAL_PLANS / "linta70--hackathon-2-phase-5--001-oke-dapr-kafka.plan.md"  # dev on Minikube, Dapr, Redpanda Cloud


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository once its user has set the Redpanda Cloud broker's address the plan's Dapr pub/sub uses."""
    return with_broker(rendered_plan(PLAN, tmp_path_factory), tmp_path_factory.mktemp("broker-set") / "repo")


def test_the_readmes_local_steps_run_from_the_root(repo: Path, tmp_path: Path) -> None:
    readme = (repo / "README.md").read_text()
    [block] = re.findall(r"(?s)Install it yourself,\s+from the repository's root:\s+```sh\n(.*?)\n\s*```", readme)
    bin_dir, log = tmp_path / "bin", tmp_path / "calls"
    bin_dir.mkdir()
    for tool in ("kubectl", "helm", "docker", "minikube"):
        (bin_dir / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\n')
        (bin_dir / tool).chmod(0o755)
    script = "set -euo pipefail\n" + "\n".join(line.strip() for line in block.splitlines())
    proc = subprocess.run(["bash", "-c", script], cwd=repo, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    [release] = [c for c in calls if c.startswith("helm upgrade --install todo ")]
    chart, values = release.split()[4], re.findall(r"-f (\S+)", release)
    assert (repo / chart / "Chart.yaml").is_file() and values and all((repo / v).is_file() for v in values), release
    loaded = [c.split()[-1] for c in calls if c.startswith("minikube image load")]
    values_text = (repo / chart / "values.yaml").read_text()
    assert loaded and all(f"repository: {image.rsplit(':', 1)[0]}" in values_text for image in loaded)
    # the platform components first, then the images, then the chart
    assert calls.index(release) > max(i for i, c in enumerate(calls) if c.startswith(("helm upgrade --install dapr",
                                                                                        "minikube")))
    assert not [c for c in calls if c.startswith("helm upgrade --install redpanda")]  # the plan's broker is managed
