"""The system model between decide and render (docs/plan-json.md, `model`)."""
from planforge.model.build import build_model
from planforge.model.units import Param, Placement, SystemModel, Unit, Unmet

__all__ = ["Param", "Placement", "SystemModel", "Unit", "Unmet", "build_model"]
