"""The offline proof shared by the tests of a cloud whose provider comes from the packed mirror (DigitalOcean,
Oracle Cloud): every root of a generated repository passes `terraform validate`, an attribute the provider lacks is
caught at its file, and the library modules' own `terraform test`s pass under their mocked provider."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path


def assert_roots_validate_and_catch(root: Path, mirror: Path, anchor: str, unknown: str, env: str = "staging") -> None:
    """Every root of `root` validates; adding the argument `unknown` after the line `anchor` of environment `env`'s
    root's main.tf is a terraform/validate error there."""
    from planforge.validate.base import Settings, Severity, Status
    from planforge.validate.runner import run_validation

    settings = Settings(strict=True, terraform_plugin_mirrors=[mirror], jobs=2)
    checks = run_validation([root], settings, only=["terraform"])
    validated = [c for c in checks if c.name == "validate"]
    assert len(validated) == 3 and all(c.status is Status.PASSED and not c.findings for c in validated), validated
    assert not [f for c in checks for f in c.findings if f.severity is Severity.ERROR]
    main = root / "terraform/environments" / env / "main.tf"
    assert anchor in main.read_text()
    main.write_text(main.read_text().replace(anchor, f"{anchor}  {unknown} = []\n"))
    errors = [f for c in run_validation([root], settings, only=["terraform"]) for f in c.findings
              if f.severity is Severity.ERROR]
    assert any(f.rule == "terraform/validate" and f.file.endswith(f"{env}/main.tf") and unknown in f.message
               for f in errors), errors


def assert_module_tests_pass(modules: Path, names: tuple[str, ...], mirror: Path, namespace: str,
                             tmp_path: Path) -> None:
    """`terraform init` and `terraform test` of each module, the provider of `namespace` from the packed mirror only."""
    config = tmp_path / "terraform.rc"
    config.write_text('provider_installation {\n  filesystem_mirror {\n'
                      f'    path    = "{mirror.as_posix()}"\n'
                      f'    include = ["registry.terraform.io/{namespace}/*"]\n  }}\n'
                      '  direct {\n    exclude = ["registry.terraform.io/*/*"]\n  }\n}\n')
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    for name in names:
        module = shutil.copytree(modules / name, tmp_path / name)
        init = subprocess.run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], cwd=module,
                              env=env, capture_output=True, text=True, timeout=300)
        assert init.returncode == 0, init.stderr
        result = subprocess.run(["terraform", "test", "-no-color"], cwd=module, env=env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0 and " 0 failed" in result.stdout, (name, result.stdout, result.stderr)


def hcl_block(text: str, kind: str, name: str) -> str:
    """The top-level block `kind "name" { ... }` of a rendered .tf file, as written (closed by the first `}` at the
    start of a line)."""
    return re.search(rf'(?ms)^{kind} "{name}" \{{.*?^\}}', text).group(0)



def service_entry(main: str, name: str) -> str:
    """The entry of `name` in the services map of a root's services module call (serverless compute)."""
    return re.search(rf"(?ms)^    {name} = \{{.*?^    \}}", hcl_block(main, "module", "services")).group(0)
