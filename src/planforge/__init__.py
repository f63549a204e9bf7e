"""planforge: plan.md -> typed plan -> answers -> Copier blueprints -> validated repository."""

__version__ = "0.1.0"
