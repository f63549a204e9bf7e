"""Tool diagnostics cleared of what lies outside the validated paths (defence in depth).

Every file a tool could read outside is refused before it runs (`inputs`, the Helm schema `$ref` check,
the Terraform file-function check). Should a tool still name a place outside, the findings of the
tool validators keep no absolute path (or `file://` URL) outside the validated paths and the scratch
directory: it becomes `<outside the validated paths>`, in the message and in the detail.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from planforge.validate.base import Check
from planforge.validate.inputs import Bounds

TOOL_VALIDATORS = frozenset({"terraform", "helm", "kustomize", "ansible", "flux", "argocd", "cloudformation"})
REDACTED = "<outside the validated paths>"
# An absolute path (or file:// URL) as tools print them: up to a quote, blank, bracket, comma or colon.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/:$#-])(?:file://)?/[^\s\"'`<>|,;:()\[\]{}]+")


def redact_checks(checks: Iterable[Check], bounds: Bounds, scratch: Path) -> None:
    """Redact, in place, the findings of the tool validators among `checks`."""
    allowed: Bounds | None = None  # built on the first finding to redact: most checks have none
    for check in checks:
        if check.validator not in TOOL_VALIDATORS:
            continue
        for finding in check.findings:
            if allowed is None:
                allowed = Bounds((*bounds.roots, os.path.realpath(scratch)), bounds.max_file_size)
            if finding.validator not in TOOL_VALIDATORS:
                continue  # planforge's own words (an `input` refusal quotes what the repository wrote)
            finding.message = redact_text(finding.message, allowed)
            if finding.detail:
                finding.detail = redact_text(finding.detail, allowed)


def redact_text(text: str, allowed: Bounds) -> str:
    """`text` with every absolute path outside `allowed` replaced by `REDACTED`."""
    def replace(m: re.Match[str]) -> str:
        path = m.group(0).removeprefix("file://")
        try:
            return m.group(0) if allowed.inside(path) else REDACTED
        except (OSError, ValueError):
            return REDACTED

    return _ABSOLUTE_PATH.sub(replace, text)
