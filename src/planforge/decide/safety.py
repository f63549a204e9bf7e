"""Last gate before answers leave `decide`: every rule of planforge.decide.answer_rules, the
same checker `planforge answers`, `planforge new` and rendering run, so `plan check` says
ready exactly when `new` would render. Each problem names the answer field and the plan
line it came from."""
from __future__ import annotations

from planforge.decide.answer_rules import check_answers
from planforge.decide.answers import Answers, Provenance
from planforge.errors import Problem


def check_safety(answers: Answers, provenance: dict[str, Provenance], source: str) -> list[Problem]:
    return check_answers(answers, provenance, source)
