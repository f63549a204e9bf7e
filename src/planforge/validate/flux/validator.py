"""`FluxValidator`: one target per file holding Flux objects, one `semantics` check each."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from planforge.validate.base import Check, Context, Finding, Severity, Status, Target
from planforge.validate.flux.apis import declare_flux_version
from planforge.validate.flux.charts import ChartVersions, chart_versions
from planforge.validate.flux.checks import check_object
from planforge.validate.flux.clusters import assign_clusters
from planforge.validate.flux.cycles import Cycle, find_cycles
from planforge.validate.flux.objects import FluxIndex, load_index
from planforge.validate.flux.rules import NAME


@dataclass
class Analysis:
    """What the checks of one validated root share: its objects, clusters, chart artifacts, cycles, and the
    chart version findings (resolved through the builds of the overlays, on the file that sets each version)."""

    index: FluxIndex
    chart_artifacts: set[int]
    cycles: list[Cycle]
    chart_versions: ChartVersions


def analyse(ctx: Context) -> Analysis:
    index = load_index(ctx)
    declare_flux_version(ctx, index)
    assign_clusters(index)
    return Analysis(index, index.chart_artifacts(), find_cycles(index), chart_versions(ctx, index))


class FluxValidator:
    """Cross-file semantic checks for Flux objects."""

    name = NAME

    def __init__(self) -> None:
        self._analyses: dict[Path, Analysis] = {}
        self._lock = threading.Lock()

    def analysis(self, ctx: Context) -> Analysis:
        """The analysis of one validated root, made once (targets may run in several threads)."""
        with self._lock:
            if ctx.root not in self._analyses:
                self._analyses[ctx.root] = analyse(ctx)
            return self._analyses[ctx.root]

    def discover(self, ctx: Context) -> list[Target]:
        analysis = self.analysis(ctx)
        files = {display: path for path, display in analysis.chart_versions.patch_files.items()}
        files |= {o.display: o.path for o in analysis.index.objects}
        return [Target(NAME, "flux-manifest", path, display) for display, path in sorted(files.items())]

    def run(self, target: Target, ctx: Context) -> list[Check]:
        start = time.monotonic()
        analysis = self.analysis(ctx)
        findings: list[Finding] = []
        for obj in analysis.index.objects:
            if obj.path != target.path:
                continue
            try:
                findings.extend(check_object(obj, analysis.index, analysis.chart_artifacts, ctx.settings.strict))
            except (AttributeError, TypeError, ValueError):  # a field of the wrong type
                findings.append(obj.finding(
                    "flux/malformed", "its fields do not have the types of the Flux CRD, so its semantic checks "
                    "were not run", ["spec"], "fix the schemas findings of this object"))
        findings.extend(c.finding() for c in analysis.cycles if c.objects[0].path == target.path)
        findings.extend(f for f in analysis.chart_versions.findings if f.file == target.display)
        status = Status.FAILED if any(f.severity is Severity.ERROR for f in findings) else Status.PASSED
        return [Check(NAME, "semantics", target.display, status, findings, time.monotonic() - start, "planforge")]
