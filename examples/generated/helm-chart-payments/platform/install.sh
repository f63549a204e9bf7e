#!/usr/bin/env bash
# The platform components the chart of this repository needs on its cluster, pinned, in
# dependency order. No GitOps tool installs them
# here: run this once per cluster before installing the chart, and again after changing a version or a values
# file (`helm upgrade --install` changes only what differs).
#   bash platform/install.sh <environment> <platform>     # environments: dev; platforms: eks, gke, aks, minikube
set -euo pipefail
env="${1:-}"
case "$env" in
  dev) ;;
  *) echo "usage: bash platform/install.sh <environment> <platform> (environment: dev)" >&2; exit 2 ;;
esac
platform="${2:-}"
case "$platform" in
  eks|gke|aks|minikube) ;;
  *) echo "usage: bash platform/install.sh <environment> <platform> (platform: eks, gke, aks, minikube)" >&2; exit 2 ;;
esac
values="$(cd "$(dirname "$0")" && pwd)/values/$env"

# The Secrets a component's values name (`existingSecret:`, `secretRef:`) are created outside this repository
# (README): stop before installing it while one is missing, instead of a release that waits for it until Helm
# times out.
require_secrets() {
  local namespace="$1" values="$2" name
  for name in $(sed -nE 's/^ *(existingSecret|secretRef): *([a-z0-9.-]+).*/\2/p' "$values"); do
    if ! kubectl -n "$namespace" get secret "$name" >/dev/null 2>&1; then
      echo "create the Secret $name in namespace $namespace first (kubectl create namespace $namespace; README: Secrets created outside this repository)" >&2
      exit 1
    fi
  done
}

# metrics-server: added: required by chart:payments-service (needs metrics-api: a HorizontalPodAutoscaler reads the resource metrics API)
# only on eks: the other platforms have it built in or do not need it
case "$platform" in
  eks)
    require_secrets kube-system "$values/metrics-server.yaml"
    helm upgrade --install metrics-server metrics-server --repo https://kubernetes-sigs.github.io/metrics-server --version 3.12.2 \
      --namespace kube-system --create-namespace --values "$values/metrics-server.yaml" --wait ;;
esac
