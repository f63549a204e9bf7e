"""Running the `terraform` CLI (or OpenTofu's `tofu`, which takes the same commands): the binary, its version, the
shared CLI config (provider mirrors or plugin cache), the environment, and each command under the tool bounds of
`planforge.validate.tools`."""
from __future__ import annotations

import json
import os
import re
import subprocess
import threading
from pathlib import Path

from planforge.errors import UsageError
from planforge.validate.base import Context, Settings
from planforge.validate.terraform.mirrors import plugin_mirrors, provider_installation
from planforge.validate.toolenv import tool_env, which
from planforge.validate.tools import ToolOutputTooLarge, ToolTimeout, memory_ceiling_mib, output_limit, run_tool

# Go's garbage collector target for terraform and its providers, unless GOGC is set: loading the hashicorp/aws
# schema allocates hundreds of MB, and collecting at twice the default heap growth takes about a quarter less
# CPU in `terraform validate` for about 10% more memory (`concurrency.VALIDATE_PEAK_MIB`).
GOGC = "200"
_config_lock = threading.Lock()
_version_lock = threading.Lock()
_versions: dict[str, str] = {}


class TerraformTimeout(Exception):
    """A terraform command that ran out of time or printed too much (the message names the command)."""


def terraform_binary(settings: Settings | None = None) -> str:
    """Path of the CLI that runs the Terraform checks: `tofu` when the repository uses OpenTofu (`iac_tool`) and
    tofu is on PATH, else `terraform` (`opentofu_fallback` says so), or UsageError (exit 2)."""
    opentofu = settings is not None and settings.iac_tool == "opentofu"
    path = (which("tofu") if opentofu else None) or which("terraform")
    if path is None:
        missing = ("tofu (or terraform) is not on PATH: install OpenTofu (https://opentofu.org/docs/intro/install/)"
                   if opentofu else
                   "terraform is not on PATH: install Terraform (https://developer.hashicorp.com/terraform/install)")
        raise UsageError(f"{missing} or leave terraform out of --only.")
    return path


def opentofu_fallback(settings: Settings) -> str | None:
    """The notice of a repository using OpenTofu validated with terraform (tofu is not on PATH), else None."""
    if settings.iac_tool != "opentofu" or which("tofu") is not None:
        return None
    return ("validated with terraform: OpenTofu not installed (the repository uses OpenTofu; install tofu to "
            "validate with it: OpenTofu-only features and a required_version above the terraform release may differ)")


def cli_name(binary: str) -> str:
    """`tofu` or `terraform`: the name commands and hints use for this binary."""
    return "tofu" if Path(binary).name.startswith("tofu") else "terraform"


def terraform_version(binary: str, timeout: float) -> str:
    """"terraform 1.11.4" / "tofu 1.8.2" (cached per binary), for `Check.tool`. OpenTofu's `version -json` keeps
    the `terraform_version` key."""
    with _version_lock:  # checks on several threads ask at once: one `version` call
        if binary not in _versions:
            try:
                out = run_tool([binary, "version", "-json"], timeout=timeout, max_output=1 << 20)
                _versions[binary] = f"{cli_name(binary)} {json.loads(out.stdout)['terraform_version']}"
            except (ToolTimeout, ToolOutputTooLarge, ValueError, KeyError, OSError):
                return cli_name(binary)  # not cached: the next check may have more time
        return _versions[binary]


def cli_config(ctx: Context) -> Path:
    """Write (once per workdir) the one CLI config file every terraform run shares."""
    base = ctx.workdir / "terraform"
    path = base / "cli.tfrc"
    with _config_lock:
        if path.is_file():
            return path
        base.mkdir(parents=True, exist_ok=True)
        mirrors = plugin_mirrors(ctx.settings)
        if mirrors:
            text = provider_installation(mirrors)
        else:
            cache = base / "plugin-cache"
            cache.mkdir(exist_ok=True)
            text = f"plugin_cache_dir = {json.dumps(str(cache))}\n"
        path.write_text(text, encoding="utf-8")
    return path


def terraform_env(ctx: Context, data_dir: Path | None = None) -> dict[str, str]:
    """The environment of every terraform run (`toolenv.tool_env`: no TF_* variable, `.terraformrc` nor credentials
    of the caller, a home in the scratch directory): the shared CLI config, `TF_DATA_DIR`, and `GOGC` (the
    caller's, else GOGC) for Terraform and the provider processes it starts."""
    env = tool_env(ctx.workdir / "terraform" / "home", TF_CLI_CONFIG_FILE=str(cli_config(ctx)), TF_IN_AUTOMATION="1",
                   TF_INPUT="0", CHECKPOINT_DISABLE="1", GOGC=os.environ.get("GOGC") or GOGC)
    if data_dir is not None:
        env["TF_DATA_DIR"] = str(data_dir)
    return env


def run_terraform(cmd: list[str], cwd: Path, env: dict[str, str], settings: Settings) -> subprocess.CompletedProcess[str]:
    """Run terraform within the timeout, memory ceiling and output limit (`planforge.validate.tools`)."""
    shown = " ".join(Path(cmd[0]).name if i == 0 else c for i, c in enumerate(cmd))
    try:
        # Output is decoded with errors="replace": Terraform quotes source lines, which may not be UTF-8.
        return run_tool(cmd, cwd=cwd, env=env, timeout=settings.timeout, memory_mib=memory_ceiling_mib(settings),
                        max_output=output_limit(settings))
    except (ToolTimeout, ToolOutputTooLarge) as exc:
        raise TerraformTimeout(f"`{shown}` {exc}") from exc


def first_error(stderr: str) -> str | None:
    """The message of the first `Error: ...` line terraform printed."""
    m = re.search(r"Error: (.+)", stderr)
    return m.group(1).strip() if m else None
