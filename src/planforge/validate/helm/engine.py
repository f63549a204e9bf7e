"""What the Helm validator needs from Helm (`HelmEngine`), whichever engine does the work: the CLI or the SDK."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

RELEASE_NAME = "release-name"  # what `helm template` calls the release by default


@dataclass
class RenderResult:
    """A successful rendering (template source -> manifest text) or the error Helm gave."""

    manifests: dict[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass
class LintMessage:
    severity: str  # "INFO" | "WARNING" | "ERROR"
    path: str  # what helm reports it against: "Chart.yaml", "templates/", "values.yaml"
    message: str


class HelmEngine(Protocol):
    """What the validator needs from Helm; `HelmCli` and `HelmSdk` implement it."""

    tool: str

    def lint(self, chart: Path, strict: bool, kube_version: str) -> list[LintMessage]: ...

    def render(self, chart: Path, values_file: Path | None, kube_version: str) -> RenderResult: ...


class HelmToolError(Exception):
    """Helm could not run at all (timeout, crash): reported as a tool-error finding (or `rule`'s)."""

    def __init__(self, message: str, rule: str = "helm/tool-error"):
        super().__init__(message)
        self.rule = rule
