"""The validator interface shared by every validator module.

A validator discovers its targets in the repository, then runs checks on each target.
Each check yields plain-data `Finding`s; everything else (exit code, reports, summary)
is derived from the list of `Check`s by the runner and `planforge.report`.

Rendered manifests (Helm templates, Kustomize builds) are handed to
`Context.validate_documents`, which runs the schema and policy validators on them,
so those validators see the same objects whether they were plain files or rendered.
"""
from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Status(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class Finding:
    """One problem (or note) at one place. Plain data."""

    validator: str  # "terraform", "helm", "kustomize", "schemas", "policy", "argocd"
    rule: str  # stable rule id, e.g. "terraform/fmt", "schemas/invalid", "policy/run-as-non-root"
    severity: Severity
    message: str
    file: str | None = None  # path relative to the validated root where possible
    line: int | None = None
    column: int | None = None
    hint: str | None = None  # how to fix it
    doc_index: int | None = None  # document index inside a multi-document YAML file
    json_path: str | None = None  # e.g. "spec.template.spec.containers[0].imagePullPolcy"
    detail: str | None = None  # verbose extra (a diff, tool output)
    waived: str | None = None  # the reason of the waiver that covers this finding (None: not waived)
    waived_by: str | None = None  # where that waiver is: "annotation" (on the object) or ".planforge.yaml"

    def fails(self) -> bool:
        """An error nobody waived: it fails its check and the run."""
        return Severity(self.severity) is Severity.ERROR and self.waived is None


@dataclass
class Target:
    """Something a validator checks: a Terraform root, a chart, a kustomization, a manifest file."""

    validator: str
    kind: str  # e.g. "terraform-root", "terraform-module", "chart", "kustomization", "manifest"
    path: Path  # absolute path of the file or directory
    display: str  # path relative to the validated root, used in reports
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Check:
    """The result of one check on one target (one JUnit testcase)."""

    validator: str
    name: str  # e.g. "fmt", "validate", "lint", "render[platforms/eks.yaml]", "schema"
    target: str  # Target.display
    status: Status
    findings: list[Finding] = field(default_factory=list)
    duration: float = 0.0
    # which engine ran: "helm 3.16.1 (CLI)", "helm-python-sdk", "terraform 1.11.4"; after "; " how it ran for
    # this check ("terraform 1.11.4; validated together with ...": the text report shows that with --verbose)
    tool: str | None = None
    reason: str | None = None  # why it was skipped


@dataclass
class Document:
    """One Kubernetes object, from a plain file or a rendering."""

    obj: Any  # the parsed object (normally a dict)
    file: str  # display path of the file it came from (or of the chart / kustomization)
    doc_index: int  # index of the YAML document within the file (0-based)
    line: int | None = None  # line where the document starts, 1-based
    origin: str | None = None  # e.g. "helm template charts/web -f platforms/eks.yaml"


@dataclass
class Waiver:
    """One `.planforge.yaml` waiver: `rule` findings in files matching `path` (a glob) are waived."""

    path: str
    rule: str
    reason: str
    line: int | None = None  # where the waiver is written in the settings file


@dataclass
class Settings:
    """Resolved settings: command line, then PLANFORGE_* environment, then .planforge.yaml."""

    kube_version: str = "1.29.0"
    strict: bool = False
    fail_on_skip: bool = False
    jobs: int = 0  # 0 = CPU count
    terraform_plugin_mirrors: list[Path] = field(default_factory=list)  # provider filesystem mirrors, in order
    terraform_aggregate: bool = True  # roots sharing a provider set: one terraform validate (False: one per root)
    ansible_collections: Path | None = None  # installed Ansible collections (ansible-galaxy -p DIR)
    cloudformation_regions: list[str] = field(default_factory=lambda: ["us-east-1"])  # cfn-lint --regions
    iac_tool: str = "terraform"  # terraform | opentofu: which CLI runs the Terraform checks (tofu when on PATH)
    schema_engine: str = "auto"  # auto | embedded | kubeconform
    schema_locations: list[str] = field(default_factory=list)
    ignore_missing_schemas: bool = False
    skip_kinds: list[str] = field(default_factory=list)
    reject_kinds: list[str] = field(default_factory=list)
    ignore_filename_patterns: list[str] = field(default_factory=list)
    verbose: bool = False
    timeout: float = 300.0  # seconds, for every subprocess
    memory_budget: int = 0  # MiB for concurrent heavy tools (terraform validate); 0 = derived from the machine
    allow_outside: list[Path] = field(default_factory=list)  # trusted paths outside the validated roots
    max_file_size: float = 16  # MiB: larger files (and tool outputs) are not read
    waivers: list[Waiver] = field(default_factory=list)  # from .planforge.yaml
    no_waivers: bool = False  # report waived findings as findings (annotations and .planforge.yaml alike)
    policy_profile: str = "restricted"  # restricted | baseline: the policy rules checked (docs/policy.md "Profiles")
    baseline: Path | None = None  # findings recorded there are not reported (command line / environment only)


@dataclass
class Context:
    """What a validator gets besides its target."""

    root: Path  # the validated root directory
    settings: Settings
    # Runs schema + policy checks on rendered documents; returns their checks.
    validate_documents: Callable[[list[Document], str], list[Check]]
    workdir: Path  # scratch directory outside the repository (TF_DATA_DIR, helm output, caches)
    # What may be read (`planforge.validate.inputs.Bounds`): the run's roots and `allow_outside`.
    # Defaults to `root` alone.
    bounds: Any = None
    # Only the documents matter (`--repository-checks`): validators render them and skip their other checks
    # (helm lint, the per-document policy rules).
    documents_only: bool = False

    def __post_init__(self) -> None:
        if self.bounds is None:
            from planforge.validate.inputs import Bounds

            self.bounds = Bounds.of([self.root], self.settings)

    def display(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)

    def display_as_written(self, path: Path) -> str:
        """`display` without following symlinks: a symlink is shown where it is, not where it points."""
        try:
            return Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(self.root))).as_posix()
        except ValueError:
            return self.display(path)


class Validator(Protocol):
    """One validator. `discover` must be cheap; `run` may call external tools (with timeouts).

    A validator that shares work among its targets (one tool call for several) may also have
    `select(targets, ctx)`: the runner calls it before any `run` with the discovered targets that will run
    (a `--changed-since`/`--shard` selection or the result cache leaves some out).
    """

    name: str

    def discover(self, ctx: Context) -> list[Target]: ...

    def run(self, target: Target, ctx: Context) -> list[Check]: ...
