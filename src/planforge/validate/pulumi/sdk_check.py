"""The `sdk` check of a Python program: what it names of the provider SDKs exists, and each call passes arguments
the callee takes (`pulumi/sdk-unknown`, `pulumi/sdk-argument`, `pulumi/sdk-required`), against the SDKs installed
beside planforge (`sdk`). An SDK that is not installed is a `pulumi/sdk-missing` note naming the install command;
when no SDK the program uses is installed, the check is skipped with that reason.
"""
from __future__ import annotations

import time

from planforge.validate.base import Check, Context, Finding, Severity, Status
from planforge.validate.pulumi.program import Module
from planforge.validate.pulumi.references import Call, Reference
from planforge.validate.pulumi.rules import (
    EXTRA_INSTALL,
    EXTRA_PACKAGES,
    NAME,
    SDK_ARGUMENT,
    SDK_MISSING,
    SDK_REQUIRED,
    SDK_UNKNOWN,
)
from planforge.validate.pulumi.sdk import Callee, Package, SdkIndex, unsafe_import_path
from planforge.validate.pulumi.suggest import closest

CHECK = "sdk"


def sdk_check(display: str, modules: list[Module], index: SdkIndex, ctx: Context) -> Check:
    """The `sdk` check of the program `modules`."""
    start = time.perf_counter()
    references = [(module.shown, ref) for module in modules for ref in module.references]
    first: dict[str, tuple[str, int]] = {}  # package -> where the program first names it
    for shown, ref in references:
        first.setdefault(ref.path[0], (shown, ref.line))
    if not first:
        return Check(NAME, CHECK, display, Status.PASSED)
    unsafe = unsafe_import_path(ctx.bounds)
    if unsafe is not None:
        return Check(NAME, CHECK, display, Status.SKIPPED,
                     reason=f"{unsafe} is on planforge's Python import path and inside the validated paths, so no SDK "
                            "is imported (run the installed `planforge` command, not `python -m planforge` from the "
                            "repository, and keep the repository off PYTHONPATH)")
    packages = {name: index.package(name) for name in first}
    findings = [_missing(package, *first[name]) for name, package in packages.items() if package.error is not None]
    usable = [package for package in packages.values() if package.error is None]
    if not usable:
        return Check(NAME, CHECK, display, Status.SKIPPED, findings,
                     reason="; ".join(f"{p.distribution} {p.error} beside planforge: {install_command(p)}"
                                      for p in packages.values()))
    for shown, ref in references:
        package = packages[ref.path[0]]
        if package.error is None:
            findings += reference_findings(ref, shown, package, index)
    return Check(NAME, CHECK, display, Status.FAILED if any(f.fails() for f in findings) else Status.PASSED,
                 findings, time.perf_counter() - start, tool=", ".join(p.label() for p in usable))


def install_command(package: Package) -> str:
    """How to install an SDK where planforge runs."""
    command = f"pip install {package.distribution}"
    return f"{EXTRA_INSTALL} (or {command})" if package.module in EXTRA_PACKAGES else command


def reference_findings(ref: Reference, shown: str, package: Package, index: SdkIndex) -> list[Finding]:
    """What is wrong with one reference: a name the SDK does not have, or the arguments of a call."""
    found = index.lookup(ref.path)
    if found.missing is not None:
        return [_unknown(ref, found.missing, found.suggestion, shown, package)] \
            if found.missing >= ref.written_from else []
    if ref.call is None:
        return []
    callee = index.callee(ref.path)
    if callee is None:
        return []
    return _unknown_keywords(ref, ref.call, callee, shown, package) + _absent(ref, ref.call, callee, shown, package)


def _missing(package: Package, shown: str, line: int) -> Finding:
    return Finding(NAME, SDK_MISSING, Severity.INFO,
                   f"{package.distribution} {package.error} beside planforge: the program's {package.module} "
                   "calls are not checked", shown, line,
                   hint=f"install it where planforge runs: {install_command(package)}")


def _unknown(ref: Reference, index: int, suggestion: str | None, shown: str, package: Package) -> Finding:
    owner, name = ".".join(ref.path[:index]), ref.path[index]
    if suggestion is None:
        return Finding(NAME, SDK_UNKNOWN, Severity.ERROR, f"`{ref.text}`: {owner} has no `{name}` ({package.label()})",
                       shown, ref.line, ref.column,
                       hint=f"check the name in the {package.distribution} API reference (validate knows the "
                            f"installed {package.label()}: keep it at the version the project pins)")
    written = ref.text.split(".")
    written[index - ref.written_from + 1] = suggestion
    return Finding(NAME, SDK_UNKNOWN, Severity.ERROR,
                   f"`{ref.text}`: {owner} has no `{name}` ({package.label()}); did you mean `{suggestion}`?", shown,
                   ref.line, ref.column, hint=f"write `{'.'.join(written)}`")


def _unknown_keywords(ref: Reference, call: Call, callee: Callee, shown: str, package: Package) -> list[Finding]:
    """Keyword arguments the callee does not take (not checked when the call unpacks `**kwargs`)."""
    if callee.accepted is None or call.star_kwargs:
        return []
    findings = []
    for name, line, column in call.keywords:
        if name not in callee.accepted:
            meant = closest(name, callee.accepted, cutoff=0.7)
            findings.append(Finding(
                NAME, SDK_ARGUMENT, Severity.ERROR,
                f"`{ref.text}` takes no argument `{name}` ({package.label()})"
                + (f"; did you mean `{meant}`?" if meant is not None else ""), shown, line, column,
                hint=f"rename it `{meant}`" if meant is not None else
                f"see the arguments of {'.'.join(ref.path)} in the {package.distribution} API reference"))
    return findings


def _absent(ref: Reference, call: Call, callee: Callee, shown: str, package: Package) -> list[Finding]:
    """Required arguments the call does not pass (not checked when it unpacks `*args` or `**kwargs`)."""
    if call.star_args or call.star_kwargs:
        return []
    given = {name for name, _, _ in call.keywords} | set(callee.positional[:call.positional])
    required = callee.required
    if callee.args_object and "args" in given:
        required = tuple(name for name in required if name == "resource_name")
    return [Finding(NAME, SDK_REQUIRED, Severity.ERROR,
                    f"`{ref.text}` is called without `{name}`, which it requires ({package.label()})", shown,
                    call.line, call.column, hint=_pass_hint(name, callee))
            for name in required if name not in given]


def _pass_hint(name: str, callee: Callee) -> str:
    if not callee.args_object:
        return f"pass `{name}=...`"
    if name == "resource_name":
        return "pass the resource's name first"
    return f"pass `{name}=...` (or an args object that sets it)"
