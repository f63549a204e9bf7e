#!/usr/bin/env bash
# Pre-deploy gate: every static check planforge knows (Terraform, Helm, Kustomize, schemas,
# policy, GitOps), in strict mode, as a SARIF report for code scanning.
# Settings come from .planforge.yaml; PLANFORGE_* variables override them.
set -euo pipefail
cd "$(dirname "$0")/../.."
report="${PLANFORGE_SARIF:-planforge.sarif}"
if ! command -v planforge >/dev/null 2>&1; then
  echo "planforge is not installed: see README.md, \"Validate\", for the pip install line" >&2
  exit 2
fi
status=0
planforge validate . --strict --format sarif -o "$report" || status=$?
echo "planforge validate: exit ${status}; SARIF report in ${report}" >&2
exit "$status"
