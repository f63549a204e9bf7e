"""The progress `planforge validate` draws on standard error, only when that is a terminal.

    finding what to validate in infra
    validating 177 units: 1,159 checks to run, 40 reused from the result cache (unchanged)
    [312/1,159 checks] terraform environments/prod (running 7s) +1 more

It starts at once (finding the units can take seconds on a large repository), states the totals once, in the
units `--list-units` counts and the checks (one validator on one target) that run, and then names what is
running now: the longest-running check with its time, so a slow `terraform validate` is never mistaken for a
hang. The line is redrawn every second while checks run, cut to the terminal's width (a wrapped line could not be
redrawn in place).
"""
from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO


def _number(value: int) -> str:
    return f"{value:,}"


class TerminalProgress:
    """Implements `planforge.validate.scheduler.Progress` on one rewritten line of a terminal stream."""

    def __init__(self, stream: TextIO | None = None, *, tick: float = 1.0,
                 clock: Callable[[], float] = time.monotonic):
        self.stream = stream or sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self._clock = clock
        self._tick = tick
        self._lock = threading.Lock()
        self._width = 0
        self._status = ""
        self._total = 0
        self._done = 0
        self._running: dict[object, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def step(self, text: str) -> None:
        """A phase before any check runs (shown until the next line replaces it)."""
        with self._lock:
            self._status = text
        self._draw()

    def planned(self, units: int, checks: int, reused: int) -> None:
        """The totals, once, on a line of their own; then the running line starts."""
        if not self.enabled:
            return
        scope = f"validating {_plural(units, 'unit')}: " if units else "validating: "
        line = f"{scope}{_plural(checks, 'check')} to run"
        if reused:
            line += f", {_number(reused)} reused from the result cache (unchanged)"
        with self._lock:
            self._total = checks
            self._status = ""
            self._write(line + "\n")
        if checks and self._ticker is None:
            self._ticker = threading.Thread(target=self._redraw_every_tick, name="planforge-progress", daemon=True)
            self._ticker.start()

    def started(self, key: object, label: str) -> None:
        with self._lock:
            self._running[key] = (label, self._clock())
        self._draw()

    def finished(self, key: object, count: int) -> None:
        with self._lock:
            self._running.pop(key, None)
            self._done += count
        self._draw()

    def line(self) -> str:
        """What the progress line says now (uncut)."""
        with self._lock:
            return self._line()

    def _line(self) -> str:
        if not self._total:
            return self._status
        text = f"[{_number(self._done)}/{_plural(self._total, 'check')}]"
        if self._running:
            label, since = min(self._running.values(), key=lambda item: item[1])
            text += f" {label} (running {self._clock() - since:.0f}s)"
            if len(self._running) > 1:
                text += f" +{len(self._running) - 1} more"
        return text

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.enabled and self._width:
            with self._lock:
                self._write("\r" + " " * self._width + "\r")
                self._width = 0

    def _redraw_every_tick(self) -> None:
        while not self._stop.wait(self._tick):
            self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        width = shutil.get_terminal_size((80, 24)).columns - 1
        with self._lock:  # built and written at once: a redraw never puts an older line over a newer one
            text = self._line()[:width]
            self._write("\r" + text.ljust(min(self._width, width)))
            self._width = len(text)

    def _write(self, text: str) -> None:
        if text.endswith("\n") and self._width:  # a line of its own replaces the progress line
            text = "\r" + " " * self._width + "\r" + text
            self._width = 0
        self.stream.write(text)
        self.stream.flush()


def _plural(count: int, word: str) -> str:
    return f"{_number(count)} {word}" + ("" if count == 1 else "s")
