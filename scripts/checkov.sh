#!/usr/bin/env bash
# Runs checkov (PyPI) over one generated AWS repository (Terraform and Kubernetes manifests) and one
# generated Helm chart, and prints every failed check as `CHECK_ID<TAB>resource<TAB>file`.
# includes/checkov-kept.yaml lists the checks the blueprints keep failing on purpose, each with its reason
# (docs/policy.md shows it); `--compare` exits 1 when the failed check ids differ from that list (new failures or stale rows);
# `--record` writes them to tests/fixtures/checkov/failed-check-ids.txt, which a test holds the list to.
#
#   bash scripts/checkov.sh [--compare] [--record] [--keep DIR]
#
# checkov is installed into .tools/checkov (a venv of its own) when missing. Not part of the test run:
# it takes minutes. Needs the project's .venv (scripts/test.sh creates it) and helm (.tools/bin).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
compare=false
record=false
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --compare) compare=true ;;
    --record) record=true ;;
    --keep) keep="$2"; shift ;;
    *) echo "usage: bash scripts/checkov.sh [--compare] [--record] [--keep DIR]" >&2; exit 2 ;;
  esac
  shift
done

venv="$here/.tools/checkov"
if [ ! -x "$venv/bin/checkov" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q checkov 2>&1 | grep -v '^WARNING' || true
fi
[ -x .venv/bin/planforge ] || { echo "no .venv/bin/planforge: run bash scripts/test.sh --co -q once to create .venv" >&2; exit 2; }
export PATH="$here/.tools/bin:$here/.venv/bin:$PATH"

work="${keep:-$(mktemp -d)}"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
rm -rf "$work/aws" "$work/chart"
planforge new tests/fixtures/plans/aws-eks-argocd.plan.md "$work/aws" --no-git >/dev/null
planforge new tests/fixtures/plans/helm-chart-payments.plan.md "$work/chart" --no-git >/dev/null

run() {  # directory, frameworks, output json
  "$venv/bin/checkov" -d "$1" --framework "$2" --quiet --compact --skip-download \
    --download-external-modules false -o json >"$3" 2>"$3.log" || true
}
run "$work/aws" terraform,kubernetes "$work/aws.json"
run "$work/chart/charts" helm "$work/chart.json"

"$venv/bin/python" - "$work" "$compare" "$record" <<'PY'
import json, re, sys
from pathlib import Path

work, compare, record = Path(sys.argv[1]), sys.argv[2] == "true", sys.argv[3] == "true"
failed = set()
for name in ("aws", "chart"):
    raw = (work / f"{name}.json").read_text() or "[]"
    reports = json.loads(raw)
    for report in reports if isinstance(reports, list) else [reports]:
        for check in report.get("results", {}).get("failed_checks", []):
            failed.add((check["check_id"], check["resource"], f"{name}:{check['file_path']}"))
for check_id, resource, path in sorted(failed):
    print(f"{check_id}\t{resource}\t{path}")
ids = {c for c, _, _ in failed}
print(f"{len(failed)} failed checks, {len(ids)} check ids", file=sys.stderr)
if record:
    Path("tests/fixtures/checkov/failed-check-ids.txt").write_text(
        "# The check ids the last `bash scripts/checkov.sh` run failed (one per line); includes/checkov-kept.yaml lists exactly these.\n"
        + "".join(f"{c}\n" for c in sorted(ids)))
if compare:
    listed = set(re.findall(r"^  - id: (CKV[A-Z0-9_]+)$", Path("includes/checkov-kept.yaml").read_text(), re.M))
    new, stale = sorted(ids - listed), sorted(listed - ids)
    for c in new:
        print(f"failed and not in includes/checkov-kept.yaml: {c} (fix the blueprint or list it with its reason)", file=sys.stderr)
    for c in stale:
        print(f"listed in includes/checkov-kept.yaml and no longer failing: {c} (remove it)", file=sys.stderr)
    sys.exit(1 if new or stale else 0)
PY
