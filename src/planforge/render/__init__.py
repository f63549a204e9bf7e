"""planforge.render."""
