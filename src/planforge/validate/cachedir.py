"""planforge's cache directory, in a module of its own so that finding it imports nothing heavy (the
Terraform parse cache and the result cache need it, not the schemas validator)."""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """planforge's cache directory (PLANFORGE_CACHE_DIR, else the platform user cache dir)."""
    env = os.environ.get("PLANFORGE_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("planforge"))
