"""The embedded Helm SDK (helm-python-sdk) worker: one lint or render per process.

The SDK's `lint` and `Chart.render` take no timeout and cannot be cancelled, so a template that
loops forever would hold planforge forever. `planforge.validate.helm.sdk.HelmSdk` therefore runs each
call here, in a child process (`python -m planforge.validate.helm.sdk_worker`) under the tool bounds of
`planforge.validate.tools` (timeout with SIGKILL, memory ceiling, output limit).

Request: one JSON object on stdin, `{"op": "lint", "chart", "strict", "kube_version"}` or
`{"op": "render", "chart", "values", "name", "namespace"}` (`values`: the values file's YAML text or
null). Answer: one JSON object on stdout, `{"messages": [...]}`, `{"manifests": {...}}` or `{"error": "..."}`.
"""
from __future__ import annotations

import json
import sys
from typing import Any


def handle(request: dict[str, Any]) -> dict[str, Any]:
    import helm_python as hp

    # No forwarding of the library's log records (lint's "missing required values" warning goes
    # through Go's standard logger to this process's stderr, which the parent discards).
    hp.disable_logging()
    try:
        if request["op"] == "lint":
            report = hp.lint(request["chart"], strict=request["strict"], kube_version=request["kube_version"])
            return {"messages": report.get("messages", [])}
        values = hp.values_from_yaml(request["values"]) if request.get("values") is not None else None
        with hp.Chart.load(request["chart"]) as loaded:
            return {"manifests": loaded.render(values=values, name=request["name"], namespace=request["namespace"])}
    except hp.HelmError as exc:
        return {"error": str(exc).strip()}


def main() -> None:
    request = json.loads(sys.stdin.buffer.read())
    json.dump(handle(request), sys.stdout)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
