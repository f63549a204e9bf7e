"""What a run adds to its checks once the targets ran: the repository-wide default-deny rule, the waivers of
`.planforge.yaml`, the PATH prefix of displays and `--fail-on-skip`."""
from __future__ import annotations

from pathlib import Path

from planforge.validate.base import Check, Finding, Settings, Severity, Status
from planforge.validate.task_dispatch import RunContext


def prefix_displays(checks: list[Check], prefix: str) -> None:
    """Prefix root-relative displays a validator computed itself (ctx.display already prefixes).

    Targets with a space are renderings ("helm template charts/web") built from prefixed displays.
    """
    if not prefix:
        return

    def fix(shown: str) -> str:
        if shown.startswith(prefix) or Path(shown).is_absolute() or " " in shown:
            return shown
        return prefix + shown

    for check in checks:
        check.target = fix(check.target)
        for finding in check.findings:
            if finding.file:
                finding.file = fix(finding.file)


def apply_fail_on_skip(checks: list[Check]) -> None:
    """--fail-on-skip: every skipped check becomes a failed one with an error finding."""
    for check in checks:
        if check.status is Status.SKIPPED:
            check.status = Status.FAILED
            check.findings.append(Finding(
                check.validator, f"{check.validator}/skipped", Severity.ERROR,
                f"{check.name} was skipped: {check.reason or 'no reason given'}", file=check.target,
                hint="make the check runnable here, or drop --fail-on-skip"))


def namespace_checks(ctx: RunContext) -> list[Check]:
    """The repository-wide default-deny rule, once every document of the root has been seen."""
    from planforge.validate import policy
    from planforge.validate.policy.core import profile

    if "policy/default-deny-ingress" not in profile(ctx.settings.policy_profile).rules:
        return []  # not checked: no check may say it passed
    return [policy.documents_check(doc.file, findings, name=f"default-deny[{name}]")
            for name, doc, findings in policy.check_namespaces(ctx.documents, not ctx.settings.no_waivers,
                                                                    ctx.settings.policy_profile)]


def waiver_checks(results: list[list[Check]], settings: Settings) -> None:
    """Apply the `.planforge.yaml` waivers to every root's policy findings; one check reports the waivers."""
    from planforge.validate import policy

    if not settings.waivers:
        return
    usable, problems = policy.usable_waivers(settings.waivers)
    if not settings.no_waivers:
        for root_checks in results:
            policy.apply_file_waivers(root_checks, usable)
    results[0].append(policy.documents_check(policy.SETTINGS_WAIVER, problems, name="waivers"))
