"""The `policy` validator: what schemas cannot show about a workload's safety.

Checks every workload object (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
ReplicationController, Job, CronJob), plain or rendered, chart test pods included:

- the `restricted` Pod Security Standard: runAsNonRoot (and no runAsUser 0), no privilege
  escalation, all capabilities dropped (only NET_BIND_SERVICE may be added), a RuntimeDefault
  or Localhost seccomp profile, no privileged containers or host namespaces;
- resource requests and limits (cpu and memory) on every container;
- liveness and readiness probes on long-running containers (not on Jobs, CronJobs, Helm hook
  pods such as `helm.sh/hook: test`, or pods that run to completion);
- images pinned to a tag or digest other than `latest`;
- a read-only root filesystem, no hostPath volume (none on a sensitive host path), no hostPort, only the
  volume types PSS restricted allows, no unsafe sysctl or unmasked /proc, no secret written in an
  environment value, the service account token not mounted unless the pod asks for it;
- a default-deny ingress NetworkPolicy in every namespace the repository creates;
- Argo CD AppProjects without cluster-wide wildcards;
- RBAC: no wildcard verbs or resources, no binding to cluster-admin, no pods/exec or pods/attach grant.

Rule ids are stable (see RULES); every finding carries a fix hint, the document's
file:line and index, and the JSON path of the offending field. The vocabularies (sensitive host paths,
volume types, sysctls, secret words, warning rules) are in planforge/data/policy.yaml.

Waivers: an object's `planforge.io/waive: "<rule>: <reason>; <rule>: <reason>"` annotation waives those
rules on that object; `.planforge.yaml` `waivers:` entries (path, rule, reason) waive a rule in files
(applied by the runner through `apply_file_waivers`). A waived finding is kept, marked with its reason;
it fails nothing. A waiver without a reason, or naming no policy rule, is itself a finding.
"""
from planforge.validate.policy.core import NAME, RULES, WAIVER_RULES, iter_objects, known_rule, severity_of
from planforge.validate.policy.validator import (
    PolicyValidator,
    check_documents,
    check_namespaces,
    check_workloads,
    documents_check,
)
from planforge.validate.policy.waivers import SETTINGS_WAIVER, apply_file_waivers, parse_waive_annotation, usable_waivers
from planforge.validate.policy.workloads import image_problem, is_secret_env_name

__all__ = [
    "NAME", "RULES", "WAIVER_RULES", "SETTINGS_WAIVER", "PolicyValidator", "apply_file_waivers", "check_documents",
    "check_namespaces", "check_workloads", "documents_check", "image_problem", "is_secret_env_name", "iter_objects",
    "known_rule", "parse_waive_annotation", "severity_of", "usable_waivers",
]
