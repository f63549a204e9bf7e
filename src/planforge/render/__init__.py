"""planforge.render: Answers -> repository through the Copier template (new and update)."""
from planforge.decide.answer_rules import check_answers
from planforge.render.engine import NewResult, UpdateResult, render_new, render_update
from planforge.render.source import TemplateSource
from planforge.render.template import publish_default_template, resolve_template

__all__ = [
    "NewResult",
    "TemplateSource",
    "UpdateResult",
    "check_answers",
    "publish_default_template",
    "render_new",
    "render_update",
    "resolve_template",
]
