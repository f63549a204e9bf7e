"""What schema validation produces: rule ids, the verdict on each object, the report of a run."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planforge.validate.base import Finding, Severity
from planforge.validate.manifests import ManifestError

NAME = "schemas"

# Rule ids (stable).
RULE_INVALID = "schemas/invalid"
RULE_MISSING_SCHEMA = "schemas/missing-schema"
RULE_DUPLICATE_KEY = "schemas/duplicate-key"
RULE_REJECTED = "schemas/rejected"
RULE_PARSE_ERROR = "schemas/parse-error"
RULE_MISSING_KIND = "schemas/missing-kind"
RULE_MISSING_API_VERSION = "schemas/missing-api-version"
RULE_NOT_OBJECT = "schemas/not-an-object"
RULE_SCHEMA_ERROR = "schemas/schema-error"
RULE_ENGINE = "schemas/kubeconform"


@dataclass
class ResourceResult:
    """The verdict on one object (kubeconform's per-resource status)."""

    file: str
    doc_index: int
    status: str  # valid | invalid | error | skipped | empty
    kind: str | None = None
    name: str | None = None
    api_version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    skip_reason: str | None = None  # set when skipped for lack of a schema (--ignore-missing-schemas)


@dataclass
class SchemaReport:
    """What `validate_paths` returns: per-resource results and every finding."""

    results: list[ResourceResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    engine: str = ""

    @property
    def exit_code(self) -> int:
        """kubeconform's exit status: 1 if any resource is invalid or errored, else 0."""
        return 1 if any(f.severity == Severity.ERROR for f in self.findings) else 0

    def add(self, result: ResourceResult) -> None:
        self.results.append(result)
        self.findings.extend(result.findings)


def display_name(obj: dict[str, Any]) -> str | None:
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        name = meta.get("name") or meta.get("generateName")
        return str(name) if name is not None else None
    return None


def parse_error_finding(exc: ManifestError) -> Finding:
    """A file that does not parse, as a finding of this validator."""
    if exc.rule:  # refused by the input bounds (outside the roots, not a regular file, too large or complex)
        return Finding(validator=exc.rule.split("/")[0], rule=exc.rule, severity=Severity.ERROR, message=exc.message,
                       file=exc.file, line=exc.line, doc_index=exc.doc_index, hint=exc.hint)
    return Finding(
        validator=NAME, rule=RULE_PARSE_ERROR, severity=Severity.ERROR, message=exc.message, file=exc.file,
        line=exc.line, doc_index=exc.doc_index, hint="fix the YAML/JSON syntax",
    )
