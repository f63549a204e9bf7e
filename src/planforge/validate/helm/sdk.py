"""The Helm Go SDK embedded in helm-python-sdk as a `HelmEngine`: each call in a child process (`sdk_worker`)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from planforge.validate.base import Settings
from planforge.validate.helm.engine import RELEASE_NAME, HelmToolError, LintMessage, RenderResult
from planforge.validate.inputs import TOO_LARGE, size_text
from planforge.validate.toolenv import process_home, tool_env
from planforge.validate.tools import ToolOutputTooLarge, ToolTimeout, memory_ceiling_mib, output_limit, run_tool


class HelmSdk:
    """The Helm Go SDK embedded in helm-python-sdk (no binary): lint and offline rendering.

    Each lint and render runs in a child process (`planforge.validate.helm.sdk_worker`) under the tool
    bounds: the SDK cannot be interrupted, and a template may loop forever.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        from importlib.metadata import version

        settings = settings if settings is not None else Settings()
        self.timeout = settings.timeout
        self.memory_mib = memory_ceiling_mib(settings)
        self.max_output = output_limit(settings)
        self.tool = f"helm-python-sdk {version('helm-python-sdk')} (Helm SDK {self._sdk_version()})"

    @staticmethod
    def _sdk_version() -> str:
        """The Helm SDK version, from a child process (this one never loads the SDK)."""
        try:
            done = run_tool(_python("-c", "import helm_python; print(helm_python.helm_sdk_version())"),
                            timeout=60, max_output=1 << 16, cwd=process_home(), env=_python_env())
        except (ToolTimeout, ToolOutputTooLarge, OSError):
            return "unknown version"
        return done.stdout.strip() or "unknown version"

    def _call(self, what: str, request: dict[str, Any]) -> dict[str, Any]:
        try:
            done = run_tool(_python("-m", "planforge.validate.helm.sdk_worker"), timeout=self.timeout,
                            input=json.dumps(request).encode(), memory_mib=self.memory_mib, max_output=self.max_output,
                            cwd=process_home(), env=_python_env())
        except ToolTimeout:
            raise HelmToolError(f"`{what}` (Helm SDK) timed out after {self.timeout:g}s") from None
        except ToolOutputTooLarge:
            raise HelmToolError(f"`{what}` (Helm SDK) printed more than {size_text(self.max_output)}: its output "
                                "was not read", TOO_LARGE) from None
        except OSError as exc:
            raise HelmToolError(f"cannot run the Helm SDK: {exc}") from None
        try:
            answer = json.loads(done.stdout)
        except ValueError:
            raise HelmToolError(f"the Helm SDK failed in `{what}` (exit {done.returncode}): "
                                f"{done.stderr.strip()[-2000:]}") from None
        return answer if isinstance(answer, dict) else {"error": "the Helm SDK gave no answer"}

    def lint(self, chart: Path, strict: bool, kube_version: str) -> list[LintMessage]:
        answer = self._call("helm lint", {"op": "lint", "chart": str(chart), "strict": strict,
                                          "kube_version": f"v{kube_version.lstrip('v')}"})
        if "error" in answer:
            return [LintMessage("ERROR", "", str(answer["error"]))]
        names = {1: "INFO", 2: "WARNING", 3: "ERROR"}
        return [
            LintMessage(names.get(m.get("severity"), "ERROR"), m.get("path", ""), str(m.get("error", "")).strip())
            for m in answer.get("messages", []) if isinstance(m, dict)
        ]

    def render(self, chart: Path, values_file: Path | None, kube_version: str) -> RenderResult:
        # helm-python-sdk 0.2.2 takes no Kubernetes version for rendering: `.Capabilities.KubeVersion`
        # is the one compiled into the SDK (v1.36.0), not `--kube-version` (which its lint does honour).
        try:
            values = values_file.read_text(encoding="utf-8") if values_file is not None else None
        except UnicodeDecodeError as exc:
            return RenderResult(error=f"cannot load {values_file.name}: not UTF-8 text ({exc.reason} at byte {exc.start})")
        answer = self._call("helm template", {"op": "render", "chart": str(chart), "values": values,
                                              "name": RELEASE_NAME, "namespace": "default"})
        if "error" in answer:
            return RenderResult(error=str(answer["error"]))
        return RenderResult(manifests={str(k): str(v) for k, v in (answer.get("manifests") or {}).items()})


def _python(*args: str) -> list[str]:
    """This Python, without the working directory or a script's directory on `sys.path` (`-P`) nor the user's
    site directory (`-s`): a repository's `json.py` or `planforge/` cannot stand in for a module."""
    return [sys.executable, "-P", "-s", *args]


def _python_env() -> dict[str, str]:
    """`tool_env` with the directory this planforge is imported from on PYTHONPATH (a source checkout too)."""
    return tool_env(PYTHONPATH=str(Path(__file__).resolve().parents[3]))
