"""The Helm validator: lint every chart, render it offline with each values set, validate the output.

Charts are found by their `Chart.yaml` (subcharts vendored under another chart's `charts/`
are covered by their parent). Two engines do the Helm work:

* `HelmCli` (`cli`): the `helm` binary on PATH (`helm lint`, `helm template`), run through pyhelm3's
  command runner, each call with the settings' timeout;
* `HelmSdk` (`sdk`): the embedded Helm Go SDK from the helm-python-sdk package (`helm_python`),
  used when no `helm` binary is on PATH. It lints and renders offline like the CLI, each call in a
  child process (`sdk_worker`).

Each chart gets a `lint` check and one `render[...]` check per values set: the chart's
defaults, every `platforms/*.yaml`, every `values-<env>.yaml` and every `ci/*-values.yaml`. Rendered documents go to
`Context.validate_documents`, so schema and policy validation see them.

Dependencies are resolved offline: `file://` ones are unpacked into a scratch copy of the chart; one from a
chart repository must be vendored under `charts/` (matched by chart name). Lint runs either way; a dependency
that is not vendored is a `helm/dependency-missing` finding and the renderings are skipped.

Modules: `rules`, `engine` (what an engine does), `cli`, `sdk`, `sdk_worker`, `charts` (discovery, chart
facts, values sets, input bounds), `findings` (Helm's errors located in the chart), `renderings` (each chart
rendered once per run, for the helm and argocd validators), `validator`.
"""
from __future__ import annotations

import importlib
from typing import Any

from planforge.validate.helm.rules import NAME, RULES

# Imported on first use: the SDK worker's child process imports this package and needs none of them.
_LAZY = {"HelmCli": "cli", "HelmSdk": "sdk", "HelmValidator": "validator"}

__all__ = ["NAME", "RULES", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
