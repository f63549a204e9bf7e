#!/usr/bin/env bash
# The main job on the bundled example: install, read the plan, generate the repository, validate it.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
plan="${1:-examples/storefront-eks.plan.md}"
dest="${2:-$here/build/example-repo}"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING' || true
.venv/bin/python -m pip install -q -e . 2>&1 | grep -v '^WARNING' || true
bash scripts/install-tools.sh >/dev/null
export PATH="$here/.tools/bin:$here/.venv/bin:$PATH"
# Offline machines: use a local provider mirror when one is present (users with network need none).
if [ -z "${PLANFORGE_TF_PLUGIN_MIRROR:-}" ] && [ -d /opt/tf-plugins/registry.terraform.io ]; then
  export PLANFORGE_TF_PLUGIN_MIRROR=/opt/tf-plugins
fi
planforge plan show "$plan"
rm -rf "$dest"
planforge new "$plan" "$dest" --repo-url https://github.com/example/storefront-infra.git
planforge validate "$dest" --strict
