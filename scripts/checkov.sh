#!/usr/bin/env bash
# Runs checkov (PyPI, the version the generated lint job pins) over generated repositories: the Terraform of
# one AWS, one Azure, one GCP and one multi-tenant AWS repository (tests/fixtures/checkov/plans/), the Kubernetes manifests of the AWS
# one and one generated Helm chart, and prints every failed check as `APPLIES<TAB>CHECK_ID<TAB>resource<TAB>file`
# (APPLIES: aws, azure, gcp or kubernetes).
# includes/checkov-kept.yaml lists the checks the blueprints keep failing on purpose, each with where it applies
# and its reason (docs/policy.md shows it); `--compare` exits 1 when the failed (applies, id) pairs differ from that
# list (new failures or stale rows); `--record` writes them to tests/fixtures/checkov/failed-check-ids.txt, which a
# test holds the list to. `--all` instead runs the tests marked `checkov`: the generated lint job's checkov command,
# as the workflow states it, in each generated repository, expecting no failed check.
#
#   bash scripts/checkov.sh [--compare] [--record] [--keep DIR]
#   bash scripts/checkov.sh --all
#
# checkov is installed into .tools/checkov (a venv of its own) when missing. Not part of the default test run:
# it takes minutes. Needs the project's .venv (scripts/test.sh creates it) and helm (.tools/bin).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
compare=false
record=false
all=false
keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --compare) compare=true ;;
    --record) record=true ;;
    --all) all=true ;;
    --keep) keep="$2"; shift ;;
    *) echo "usage: bash scripts/checkov.sh [--compare] [--record] [--keep DIR] | --all" >&2; exit 2 ;;
  esac
  shift
done

# The version the generated lint job installs (CHECKOV_VERSION of the template's .github/workflows/validate.yml).
version="$(sed -n 's/^ *CHECKOV_VERSION: "\([0-9.]*\)"$/\1/p' blueprints/.github/workflows/*validate.yml*.jinja)"
venv="$here/.tools/checkov"
if [ "$("$venv/bin/checkov" --version 2>/dev/null || true)" != "$version" ]; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q "checkov==$version" 2>&1 | grep -v '^WARNING' || true
fi
[ -x .venv/bin/planforge ] || { echo "no .venv/bin/planforge: run bash scripts/test.sh --co -q once to create .venv" >&2; exit 2; }
export PATH="$venv/bin:$here/.tools/bin:$here/.venv/bin:$PATH"

if $all; then
  exec .venv/bin/python -m pytest -m checkov tests/render/test_lint_job.py -q
fi

work="${keep:-$(mktemp -d)}"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
for cloud in aws azure gcp multitenant-aws; do
  rm -rf "${work:?}/$cloud"
  planforge new "tests/fixtures/checkov/plans/$cloud.plan.md" "$work/$cloud" --no-git >/dev/null
done
rm -rf "$work/chart"
planforge new tests/fixtures/plans/helm-chart-payments.plan.md "$work/chart" --no-git >/dev/null

run() {  # directory, frameworks, output json; from $work, where no .checkov.yaml is read
  (cd "$work" && checkov -d "$1" --framework "$2" --quiet --compact --skip-download \
    --download-external-modules false -o json >"$3" 2>"$3.log") || true
}
for cloud in aws azure gcp multitenant-aws; do
  run "$cloud/terraform" terraform "$work/$cloud.json" &
done
run aws kubernetes "$work/kubernetes.json" &
run chart/charts helm "$work/chart.json" &
wait

"$venv/bin/python" - "$work" "$compare" "$record" <<'PY'
import json, sys
from pathlib import Path

import yaml

work, compare, record = Path(sys.argv[1]), sys.argv[2] == "true", sys.argv[3] == "true"
scans = {"aws": "aws", "azure": "azure", "gcp": "gcp", "multitenant-aws": "aws", "kubernetes": "kubernetes", "chart": "kubernetes"}
failed = set()
for name, applies in scans.items():
    raw = (work / f"{name}.json").read_text() or "[]"
    reports = json.loads(raw)
    for report in reports if isinstance(reports, list) else [reports]:
        for check in report.get("results", {}).get("failed_checks", []):
            failed.add((applies, check["check_id"], check["resource"], f"{name}:{check['file_path']}"))
for applies, check_id, resource, path in sorted(failed):
    print(f"{applies}\t{check_id}\t{resource}\t{path}")
pairs = {(a, c) for a, c, _, _ in failed}
print(f"{len(failed)} failed checks, {len(pairs)} check ids", file=sys.stderr)
if record:
    Path("tests/fixtures/checkov/failed-check-ids.txt").write_text(
        "# Where and which checks the last `bash scripts/checkov.sh` run failed (`applies id`, one per line);"
        " includes/checkov-kept.yaml lists exactly these.\n" + "".join(f"{a} {c}\n" for a, c in sorted(pairs)))
if compare:
    kept = yaml.safe_load(Path("includes/checkov-kept.yaml").read_text())["kept"]
    listed = {(check["applies"], check["id"]) for check in kept}
    new, stale = sorted(pairs - listed), sorted(listed - pairs)
    for a, c in new:
        print(f"failed ({a}) and not in includes/checkov-kept.yaml: {c} (fix the blueprint or list it with its reason)",
              file=sys.stderr)
    for a, c in stale:
        print(f"listed in includes/checkov-kept.yaml ({a}) and no longer failing: {c} (remove it)", file=sys.stderr)
    sys.exit(1 if new or stale else 0)
PY
