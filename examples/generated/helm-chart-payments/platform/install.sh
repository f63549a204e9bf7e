#!/usr/bin/env bash
# The platform components the chart of this repository needs on its cluster, pinned, in
# dependency order (cert-manager first: other components request its certificates). No GitOps tool installs them
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

# metrics-server: added: required by chart:payments-service (needs metrics-api: a HorizontalPodAutoscaler reads the resource metrics API)
# only on eks: the other platforms have it built in or do not need it
case "$platform" in
  eks)
    helm upgrade --install metrics-server metrics-server --repo https://kubernetes-sigs.github.io/metrics-server --version 3.12.2 \
      --namespace kube-system --create-namespace --values "$values/metrics-server.yaml" --wait ;;
esac
