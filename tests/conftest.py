"""Shared fixtures; plain helpers and paths live in testlib.py."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from testlib import GIT_ENV, SHARED_TF_MIRROR, TOOLS_BIN, find_terraform_mirror

if TOOLS_BIN.is_dir() and str(TOOLS_BIN) not in os.environ.get("PATH", ""):
    os.environ["PATH"] = f"{TOOLS_BIN}{os.pathsep}{os.environ.get('PATH', '')}"


@pytest.fixture(scope="session")
def tf_mirror() -> Path:
    mirror = find_terraform_mirror()
    if mirror is None:
        pytest.skip("no Terraform provider mirror with hashicorp/aws (set PLANFORGE_TF_PLUGIN_MIRROR)")
    return mirror


@pytest.fixture(scope="session")
def packed_tf_mirror() -> Path:
    """The packed mirror of the providers the AWS mirror lacks (azurerm, digitalocean, oci), beside the repository."""
    if not (SHARED_TF_MIRROR / "registry.terraform.io").is_dir():
        pytest.skip(f"no packed provider mirror at {SHARED_TF_MIRROR} (azurerm, digitalocean and oci: ../shared/tf-mirror)")
    return SHARED_TF_MIRROR


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The whole session (tests, and the module fixtures that generate repositories before any test runs)
    publishes the default template into a per-session cache, never the user's (other sessions may publish a
    different template there), and commits with a fixed git identity. The xdist workers of a session share its
    validation results (written atomically): one worker's result for a file set, the other reuses, as a user's runs
    do; each keeps its own template repository, which Copier's clones of another process would race."""
    base = tmp_path_factory.getbasetemp()
    root = base / "planforge-cache"
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = base.parent / "planforge-results"  # the session's base directory holds each worker's
        shared.mkdir(exist_ok=True)
        root.mkdir(exist_ok=True)
        if not (root / "results").exists():
            (root / "results").symlink_to(shared, target_is_directory=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLANFORGE_CACHE_DIR", str(root))
        # The default template source, whatever the user configured.
        mp.delenv("PLANFORGE_TEMPLATE", raising=False)
        mp.setenv("PLANFORGE_CONFIG", str(root / "no-config.yaml"))
        for key, value in GIT_ENV.items():
            mp.setenv(key, value)
        yield root


# The date the wiring validator compares Kubernetes support calendars with in every test (and the `planforge
# validate` processes tests start): never the wall clock. The fixture plans pin versions supported then.
SUPPORT_DATE = "2024-10-01"


@pytest.fixture(scope="session", autouse=True)
def fixed_support_date() -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLANFORGE_SUPPORT_DATE", SUPPORT_DATE)
        yield SUPPORT_DATE


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the tests of one `xdist_group` on one worker under `--dist loadgroup` (a plan's tests read one render).

    The scheduler groups the node ids that end in `@GROUP`. pytest-xdist 3.8 writes that suffix to `_nodeid`,
    which pytest 9 no longer reads (the id is `_id`): the groups were silently ignored. Write it where pytest reads
    it when pytest-xdist did not. A parameter id may hold an `@` of its own (a URL): only the suffix tells."""
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        groups = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                         for m in item.iter_markers("xdist_group")})
        suffix = f"@{'_'.join(groups)}"
        if groups and not item.nodeid.endswith(suffix):
            item._id = type(item._id).parse(f"{item.nodeid}{suffix}")
