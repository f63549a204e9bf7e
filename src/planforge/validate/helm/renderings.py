"""Each chart of a run rendered once, whichever validator asks first.

The Helm validator renders every chart; the Argo CD validator needs the renderings of app-of-apps
charts (charts whose templates are Applications). Both ask `render_once` with the same context, so a
chart rendered by one is read by the other (the second waits while the first renders).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from planforge.validate.base import Context
from planforge.validate.helm.engine import HelmToolError, RenderResult

_ATTRIBUTE = "_helm_renderings"  # where a context keeps its renderings
_CREATE = threading.Lock()


@dataclass
class _Rendering:
    lock: threading.Lock = field(default_factory=threading.Lock)
    result: RenderResult | None = None
    error: HelmToolError | None = None


@dataclass
class Renderings:
    """The renderings of one validated root: (chart, values file, Kubernetes version) -> Helm's result."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    entries: dict[tuple[Path, Path | None, str], _Rendering] = field(default_factory=dict)

    def render(self, chart: Path, values_file: Path | None, kube_version: str,
               produce: Callable[[], RenderResult]) -> RenderResult:
        with self.lock:
            entry = self.entries.setdefault((chart.resolve(), values_file, kube_version), _Rendering())
        with entry.lock:
            if entry.result is None and entry.error is None:
                try:
                    entry.result = produce()
                except HelmToolError as exc:
                    entry.error = exc
        if entry.error is not None:
            raise entry.error
        assert entry.result is not None
        return entry.result


def render_once(ctx: Context, chart: Path, values_file: Path | None, produce: Callable[[], RenderResult]) -> RenderResult:
    """`produce()` (Helm rendering `chart` with `values_file`), or what it gave for this context before."""
    with _CREATE:
        renderings = vars(ctx).setdefault(_ATTRIBUTE, Renderings())
    return renderings.render(chart, values_file, ctx.settings.kube_version, produce)


__all__ = ["Renderings", "render_once"]
