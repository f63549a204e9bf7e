"""Run external tools (terraform, kubectl/kustomize, kubeconform, the Helm SDK worker) within bounds.

Every tool runs in its own process group (session) with:

* the `timeout` setting: at the deadline the whole group gets SIGTERM, and SIGKILL `KILL_GRACE`
  seconds later if anything is still alive, so a tool that ignores SIGTERM (or a child it left
  behind) cannot hang the run;
* a memory ceiling (`RLIMIT_AS`, where the platform has it): `memory_ceiling_mib`, derived from the
  `memory_budget` setting, never below `MIN_CEILING_MIB` (Terraform with the hashicorp/aws provider
  maps far more address space than it uses); kustomize gets at most `KUSTOMIZE_CEILING_MIB`
  (`kustomize_ceiling_mib`): an input that expands in memory stops there (`out_of_memory`);
* bounded output: a tool printing more than `output_limit` bytes is stopped (an `input/too-large`
  finding for the caller), so planforge never holds an unbounded rendering in memory;
* the environment of `planforge.validate.toolenv` (the caller's configuration of the tool never reaches
  it) unless the caller passes one built with `tool_env`.

`helm` itself runs through pyhelm3's command runner (`planforge.validate.helm.cli.HelmCli`), which uses
`ToolLoop` to get the same group, ceiling, output bound and kill.
"""
from __future__ import annotations

import asyncio
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from planforge.validate.base import Settings
from planforge.validate.inputs import MIB, size_text
from planforge.validate.toolenv import tool_env

KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL
MIN_CEILING_MIB = 4096  # address space every tool may map, whatever the budget
# kubectl kustomize maps about 800 MiB before it reads anything (Go runtime) and keeps about 50 MiB resident for a
# small build; this leaves it more than a GiB for large ones, and stops an alias bomb long before the machine's memory.
KUSTOMIZE_CEILING_MIB = 2560
_GO_OUT_OF_MEMORY = ("fatal error: out of memory", "runtime: out of memory")
OUTPUT_FACTOR = 4  # a tool may print OUTPUT_FACTOR x max_file_size


class ToolTimeout(Exception):
    """The tool did not finish within the timeout (it has been killed)."""


class ToolOutputTooLarge(Exception):
    """The tool printed more than the output limit (it has been killed)."""


def memory_ceiling_mib(settings: Settings) -> int:
    """Address space one tool process may map: the memory budget, at least MIN_CEILING_MIB."""
    from planforge.validate.settings import memory_budget_mib

    return max(memory_budget_mib(settings), MIN_CEILING_MIB)


def kustomize_ceiling_mib(settings: Settings) -> int:
    """Address space a kustomize build may map: `memory_ceiling_mib`, at most KUSTOMIZE_CEILING_MIB."""
    return min(memory_ceiling_mib(settings), KUSTOMIZE_CEILING_MIB)


def out_of_memory(stderr: str) -> bool:
    """Whether a Go tool (kustomize, kubectl) stopped because it reached its memory ceiling."""
    return any(sign in stderr for sign in _GO_OUT_OF_MEMORY)


def output_limit(settings: Settings) -> int:
    """Bytes of output (stdout + stderr) read from one tool run."""
    return int(settings.max_file_size * MIB * OUTPUT_FACTOR)


def limits_preexec(ceiling_mib: int | None) -> Callable[[], None] | None:
    """A `preexec_fn` setting RLIMIT_AS in the child (None where the platform has no such limit).

    It only calls setrlimit (a system call), nothing that takes a lock, so it is safe in a
    multi-threaded parent.
    """
    try:
        import resource
    except ImportError:  # not a POSIX system
        return None
    if ceiling_mib is None or not hasattr(resource, "RLIMIT_AS"):
        return None
    limit = ceiling_mib * MIB
    setrlimit, which = resource.setrlimit, resource.RLIMIT_AS
    hard = resource.getrlimit(which)[1]
    soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)

    def preexec() -> None:
        try:
            setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            pass

    return preexec


def stop_group(proc: subprocess.Popen[Any] | Any, pid: int | None = None) -> None:
    """SIGTERM the process group of `proc`, then SIGKILL it after KILL_GRACE seconds."""
    pid = pid if pid is not None else proc.pid
    _killpg(pid, signal.SIGTERM)
    try:
        proc.wait(timeout=KILL_GRACE)
    except subprocess.TimeoutExpired:
        pass
    _killpg(pid, signal.SIGKILL)  # the tool if it ignored SIGTERM, and whatever it left behind in its group
    proc.wait()


def run_tool(
    cmd: Sequence[str],
    *,
    timeout: float,
    cwd: Path | str | None = None,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
    memory_mib: int | None = None,
    max_output: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `cmd` like `subprocess.run(capture_output=True, text=True, errors="replace")`, bounded.

    `env` defaults to `tool_env()`. Raises ToolTimeout / ToolOutputTooLarge (the process group killed), OSError
    when it cannot start.
    """
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, env=env if env is not None else tool_env(), stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=limits_preexec(memory_mib),
    )
    deadline = time.monotonic() + timeout
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()  # type: ignore[union-attr]
    chunks: dict[int, list[bytes]] = {out_fd: [], err_fd: []}
    total = 0
    stopped: Exception | None = None
    try:
        if input is not None:
            threading.Thread(target=_feed, args=(proc.stdin, input), daemon=True).start()
        with selectors.DefaultSelector() as selector:
            for stream in (proc.stdout, proc.stderr):
                selector.register(stream, selectors.EVENT_READ)  # type: ignore[arg-type]
            while selector.get_map() and stopped is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    stopped = ToolTimeout(f"timed out after {timeout:g}s")
                    break
                for key, _ in selector.select(remaining):
                    data = os.read(key.fd, 1 << 16)
                    if not data:
                        selector.unregister(key.fileobj)
                        continue
                    chunks[key.fd].append(data)
                    total += len(data)
                    if max_output is not None and total > max_output:
                        stopped = ToolOutputTooLarge(f"printed more than {size_text(max_output)}")
                        break
        if stopped is None:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                stopped = ToolTimeout(f"timed out after {timeout:g}s")
        if stopped is not None:
            stop_group(proc)
            raise stopped
    except BaseException:
        if proc.returncode is None:
            stop_group(proc)
        raise
    finally:
        for stream in (proc.stdout, proc.stderr):
            stream.close()  # type: ignore[union-attr]
    out, err = (b"".join(chunks[fd]).decode("utf-8", errors="replace") for fd in (out_fd, err_fd))
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err)


def _feed(stream: Any, data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except (BrokenPipeError, OSError, ValueError):
        pass


class ToolLoop(asyncio.SelectorEventLoop):  # type: ignore[misc, valid-type]
    """An event loop whose subprocesses get what `run_tool` gives: a process group, the memory ceiling,
    SIGTERM then SIGKILL of the group `timeout` seconds after the start, an output limit, and `env`
    (default `tool_env()`) instead of this process's environment.

    For tools run through a library's asyncio runner (pyhelm3): its own timeout handling may only
    send SIGTERM to the shell it started, and then waits for the process forever.
    """

    def __init__(self, timeout: float, memory_mib: int | None = None, max_output: int | None = None,
                 env: dict[str, str] | None = None):
        super().__init__()
        self.timeout = timeout
        self.memory_mib = memory_mib
        self.max_output = max_output
        self.env = env if env is not None else tool_env()
        self.timed_out = False
        self.too_large = False

    async def subprocess_shell(self, protocol_factory: Any, cmd: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await self._bounded(super().subprocess_shell, protocol_factory, (cmd,), kwargs)

    async def subprocess_exec(self, protocol_factory: Any, program: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return await self._bounded(super().subprocess_exec, protocol_factory, (program, *args), kwargs)

    async def _bounded(self, spawn: Callable[..., Any], protocol_factory: Any, args: tuple[Any, ...],
                       kwargs: dict[str, Any]) -> Any:
        kwargs["start_new_session"] = True
        kwargs["env"] = self.env
        preexec = limits_preexec(self.memory_mib)
        if preexec is not None:
            kwargs["preexec_fn"] = preexec
        group: list[int] = []
        received = 0

        def counting_factory() -> Any:
            protocol = protocol_factory()
            deliver = protocol.pipe_data_received

            def pipe_data_received(fd: int, data: bytes) -> None:
                nonlocal received
                received += len(data)
                if self.max_output is not None and received > self.max_output:
                    if not self.too_large and group:
                        self.too_large = True
                        _killpg(group[0], signal.SIGKILL)
                    return
                deliver(fd, data)

            protocol.pipe_data_received = pipe_data_received
            return protocol

        transport, protocol = await spawn(counting_factory, *args, **kwargs)
        group.append(transport.get_pid())
        self.call_later(self.timeout, self._expire, group[0])
        return transport, protocol

    def _expire(self, pid: int) -> None:
        self.timed_out = True
        _killpg(pid, signal.SIGTERM)
        self.call_later(KILL_GRACE, _killpg, pid, signal.SIGKILL)


def _killpg(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
