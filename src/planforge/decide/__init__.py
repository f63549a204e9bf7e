"""Plan -> Answers: the structure decision and every answer the blueprints need.

`decide` is loaded on first use: the system model imports decide's answer types (`planforge.decide.answers`)
and decide's engine imports the model, so importing the package must not load the engine."""
from typing import Any

from planforge.decide.answers import Answers, Decided, Provenance

__all__ = ["Answers", "Decided", "Provenance", "decide"]


def __getattr__(name: str) -> Any:
    if name == "decide":
        from planforge.decide.engine import decide

        return decide
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
