"""The Helm validator's name and rules."""
from __future__ import annotations

NAME = "helm"
RULES = {
    "helm/lint": "`helm lint` (strict with --strict) reports a problem with the chart",
    "helm/template": "a template does not parse, fails to render or renders invalid YAML",
    "helm/values-schema": "values do not match the chart's values.schema.json",
    "helm/missing-required": "a `required` value is not set for this values set",
    "helm/dependency-missing": "a dependency from a chart repository is not vendored in charts/ (not rendered)",
    "helm/tool-error": "Helm could not run (missing binary, timeout: a template that never ends is stopped)",
}
