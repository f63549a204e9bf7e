"""Last gate before answers leave `decide`: every answer value against the answer rules of
planforge.decide.answer_rules (the checker `planforge answers` and rendering run, which also
refuse answers that do not fit together). Each problem names the answer field and the
plan line it came from."""
from __future__ import annotations

from planforge.decide.answers import Answers, Provenance
from planforge.decide.answer_rules import check_answers
from planforge.errors import Problem


def check_safety(answers: Answers, provenance: dict[str, Provenance], source: str) -> list[Problem]:
    return check_answers(answers, provenance, source, combinations=False)
