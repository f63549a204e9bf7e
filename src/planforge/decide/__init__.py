"""Plan -> Answers: the structure decision and every answer the blueprints need."""
