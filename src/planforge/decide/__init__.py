"""Plan -> Answers: the structure decision and every answer the blueprints need."""
from planforge.decide.answers import Answers, Decided, Provenance
from planforge.decide.engine import decide

__all__ = ["Answers", "Decided", "Provenance", "decide"]
