"""The decision rules, one module per family, in the order of docs/decisions.md and of `decide(plan)`:
project (title, family, name), structure (and the blueprints it implies), platform (cloud, region, IaC,
Kubernetes), delivery (GitOps, strategy, state, secrets), scope (environments, tenants, components, flags,
platforms), workloads (apps, chart and services, storage), goals (availability, recovery, compliance, sizing)."""
