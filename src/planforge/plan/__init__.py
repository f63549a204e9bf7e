"""planforge.plan: read a spec-kit plan.md into a typed Plan (see `model`)."""
from planforge.plan.model import Field, Plan, is_unresolved
from planforge.plan.reader import parse_plan, parse_text

__all__ = ["Field", "Plan", "is_unresolved", "parse_plan", "parse_text"]
