"""planforge.plan."""
