"""The terminal progress of `planforge validate`: at once, totals in units and checks, the running check named."""
from __future__ import annotations

import io
import time

from planforge.report.progress import TerminalProgress


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nothing_is_drawn_when_stderr_is_not_a_terminal() -> None:
    plain = io.StringIO()
    progress = TerminalProgress(plain)
    progress.step("finding what to validate in .")
    progress.planned(3, 5, 0)
    progress.started("a", "helm charts/web")
    progress.finished("a", 1)
    progress.close()
    assert plain.getvalue() == ""


def test_the_first_step_shows_before_anything_is_planned() -> None:
    tty = _Tty()
    progress = TerminalProgress(tty)
    progress.step("finding what to validate in infra")
    assert tty.getvalue() == "\rfinding what to validate in infra"
    progress.close()
    assert tty.getvalue().endswith("\r")


def test_totals_count_units_and_checks_and_say_what_was_reused() -> None:
    tty = _Tty()
    progress = TerminalProgress(tty, tick=60)
    progress.step("finding what to validate in infra")
    progress.planned(177, 1159, 40)
    progress.close()
    assert "validating 177 units: 1,159 checks to run, 40 reused from the result cache (unchanged)\n" in tty.getvalue()


def test_the_line_names_the_longest_running_check_and_its_time() -> None:
    clock = _Clock()
    progress = TerminalProgress(_Tty(), tick=60, clock=clock)
    progress.planned(2, 3, 0)
    progress.started("tf", "terraform environments/prod")
    clock.now += 5
    progress.started("helm", "helm charts/web")
    clock.now += 2
    assert progress.line() == "[0/3 checks] terraform environments/prod (running 7s) +1 more"
    progress.finished("tf", 1)
    assert progress.line() == "[1/3 checks] helm charts/web (running 2s)"
    progress.finished("helm", 2)
    assert progress.line() == "[3/3 checks]"
    progress.close()


def test_the_line_is_redrawn_while_a_check_runs() -> None:
    tty = _Tty()
    progress = TerminalProgress(tty, tick=0.01)
    progress.planned(1, 1, 0)
    progress.started("tf", "terraform environments/prod")
    drawn = tty.getvalue().count("\r[0/1 check]")
    for _ in range(200):
        if tty.getvalue().count("\r[0/1 check]") > drawn + 1:
            break
        time.sleep(0.01)
    progress.close()
    assert tty.getvalue().count("\r[0/1 check]") > drawn + 1


def test_the_line_is_cut_to_the_terminal_width(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    tty = _Tty()
    progress = TerminalProgress(tty, tick=60)
    progress.planned(1, 1, 0)
    progress.started("tf", "terraform " + "very-long-directory-name/" * 6)
    progress.close()
    drawn = [part for part in tty.getvalue().split("\r") if part.strip()]
    assert drawn and all(len(part.rstrip("\n")) <= 39 for part in drawn[1:])
