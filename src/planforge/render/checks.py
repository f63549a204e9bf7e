"""Answer checks run before Copier: the answer rules of planforge.decide.answer_rules, which the
copier.yml validators (includes/validators.jinja) implement for plain Copier.

Rendering never starts when any check fails, so a bad answer cannot write anything.
"""
from __future__ import annotations

from planforge.decide.answer_rules import check_answers, check_data

__all__ = ["check_answers", "check_data"]
