"""The `helm` binary as a `HelmEngine`: every command through pyhelm3's command runner, under the tool bounds."""
from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from planforge.validate.base import Settings
from planforge.validate.helm.engine import RELEASE_NAME, HelmToolError, LintMessage, RenderResult
from planforge.validate.inputs import TOO_LARGE, size_text
from planforge.validate.toolenv import tool_env
from planforge.validate.tools import ToolLoop, memory_ceiling_mib, output_limit

_LINT_LINE = re.compile(r"^\[(?P<severity>INFO|WARNING|ERROR)\] (?P<message>.*)$")
_SOURCE_HEADER = re.compile(r"^# Source: (.+)$\n?", re.M)
_LINT_END = re.compile(r"^(\d+ chart\(s\) linted|==> Linting|Error: )")
# Exit statuses of the shell when the helm binary is missing or not executable.
_CANNOT_EXECUTE = (126, 127)
# pyhelm3 logs every failing command at WARNING; a failing lint or template is a finding here, so
# those records must not reach stderr through logging's last-resort handler.
logging.getLogger("pyhelm3").addHandler(logging.NullHandler())


@dataclass
class HelmOutput:
    """What one helm command printed, and its exit status."""

    returncode: int
    stdout: str
    stderr: str


class HelmCli:
    """The `helm` binary (v3 or v4) run through pyhelm3's command runner.

    Every call (`version`, `lint`, `template`) goes through `pyhelm3.command.Command.run`, with the
    settings' timeout; on timeout pyhelm3 terminates the helm process. pyhelm3's own `template`
    is not used: it has no `--kube-version`, passes values as JSON on stdin instead of letting
    Helm read the values file, and drops the `# Source:` headers that attribute each manifest
    to its template. Helm runs with the environment of `planforge.validate.toolenv` (set by the event
    loop: pyhelm3 passes none): its home, cache, config, data and plugin directories are private to
    the run, so no plugin, downloader or repository configuration of the caller is used.
    """

    def __init__(self, binary: str, timeout: float, workdir: Path, settings: Settings | None = None):
        from importlib.metadata import version

        import pyhelm3.command

        settings = settings if settings is not None else Settings(timeout=timeout)
        self.binary = binary
        self.timeout = timeout
        self.memory_mib = memory_ceiling_mib(settings)
        self.max_output = output_limit(settings)
        self.command = pyhelm3.command.Command(executable=binary)
        home = workdir / "helm-home"
        self.env = tool_env(home, HELM_CACHE_HOME=str(home / "cache"), HELM_CONFIG_HOME=str(home / "config"),
                            HELM_DATA_HOME=str(home / "data"), HELM_PLUGINS=str(home / "plugins"))
        self.tool = f"helm {self._version()} (CLI, pyhelm3 {version('pyhelm3')})"

    def _run(self, args: list[str]) -> HelmOutput:
        """Run `helm ARGS` through pyhelm3; HelmToolError when helm cannot run, times out or prints too much.

        The event loop (`tools.ToolLoop`) runs helm in its own process group under the memory ceiling
        and kills the group (SIGTERM, then SIGKILL) at the timeout: pyhelm3's cancellation alone only
        sends SIGTERM to the shell and waits.
        """
        import pyhelm3.errors

        loop = ToolLoop(self.timeout, self.memory_mib, self.max_output, self.env)
        try:
            with asyncio.Runner(loop_factory=lambda: loop) as runner:
                stdout = runner.run(asyncio.wait_for(self.command.run(args), self.timeout))
            output = HelmOutput(0, _decode(stdout), "")
        except pyhelm3.errors.Error as exc:
            output = HelmOutput(exc.returncode, _decode(exc.stdout), _decode(exc.stderr))
        except TimeoutError:
            raise HelmToolError(f"`helm {args[0]}` timed out after {self.timeout:g}s") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise HelmToolError(f"cannot run {self.binary}: {exc}") from None
        if loop.too_large:
            raise HelmToolError(f"`helm {args[0]}` printed more than {size_text(self.max_output)}: its output was "
                                "not read", TOO_LARGE)
        if loop.timed_out:
            raise HelmToolError(f"`helm {args[0]}` timed out after {self.timeout:g}s")
        if output.returncode in _CANNOT_EXECUTE:
            raise HelmToolError(f"cannot run {self.binary}: {output.stderr.strip()}")
        return output

    def _version(self) -> str:
        try:
            done = self._run(["version", "--template", "{{.Version}}"])
        except HelmToolError:
            return "(unknown version)"
        return done.stdout.strip() or "(unknown version)"

    def lint(self, chart: Path, strict: bool, kube_version: str) -> list[LintMessage]:
        args = ["lint", str(chart), "--kube-version", kube_version]
        if strict:
            args.append("--strict")
        done = self._run(args)
        messages = parse_lint_output(done.stdout)
        if done.returncode != 0 and not any(m.severity in ("ERROR", "WARNING") for m in messages):
            messages.append(LintMessage("ERROR", "", (done.stderr or done.stdout).strip()))
        return messages

    def render(self, chart: Path, values_file: Path | None, kube_version: str) -> RenderResult:
        args = ["template", RELEASE_NAME, str(chart), "--kube-version", kube_version]
        if values_file is not None:
            args += ["--values", str(values_file)]
        done = self._run(args)
        if done.returncode != 0:
            return RenderResult(error=_strip_error(done.stderr))
        return RenderResult(manifests=split_template_output(done.stdout))


def _decode(output: bytes) -> str:
    return output.decode("utf-8", errors="replace")


def parse_lint_output(stdout: str) -> list[LintMessage]:
    """`[ERROR] templates/: parse error at (...)` lines (messages may continue on later lines)."""
    messages: list[LintMessage] = []
    for line in stdout.splitlines():
        match = _LINT_LINE.match(line)
        if match:
            path, _, text = match["message"].partition(": ")
            messages.append(LintMessage(match["severity"], path if text else "", text or path))
        elif _LINT_END.match(line):
            continue
        elif messages and line.strip():
            messages[-1].message += "\n" + line
    for message in messages:
        message.message = message.message.strip()
    return messages


def split_template_output(stdout: str) -> dict[str, str]:
    """Split `helm template` output into {template source: its rendered text} by the `# Source:` headers.

    The headers are dropped and a template's documents joined with `---`, so document lines count
    from the template's first rendered line, as in the SDK's rendering.
    """
    documents: dict[str, list[str]] = {}
    source = None
    for chunk in re.split(r"^---\s*$\n?", stdout, flags=re.M):
        header = _SOURCE_HEADER.search(chunk)
        if header:
            source = header[1].strip()
            chunk = chunk[header.end():]
        if chunk.strip() and source is not None:
            documents.setdefault(source, []).append(chunk)
    return {source: "---\n".join(chunks) for source, chunks in documents.items()}


def _strip_error(stderr: str) -> str:
    """Helm's stderr minus log lines and its `Use --debug` advice: the error itself."""
    lines = [
        ln for ln in stderr.splitlines()
        if ln.strip() and not ln.startswith(("level=", "Use --debug", "walk.go")) and " WARN " not in ln
    ]
    text = "\n".join(lines)
    return re.sub(r"^Error: ", "", text).strip()
