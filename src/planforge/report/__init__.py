"""planforge.report."""
