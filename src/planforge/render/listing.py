"""The files a render writes, known before rendering: a Copier run whose worker records each file's destination
instead of rendering it. Copier still computes every answer's derived values, most of a render's time; this is for
what must know the repository before it is rendered (`planforge.render.tree_files`)."""
from __future__ import annotations

import tempfile
from functools import cached_property
from pathlib import Path
from typing import Any

from planforge.decide.answers import Answers
from planforge.layout import copier_data
from planforge.render.engine import run_copier
from planforge.render.source import TemplateSource, fetched_from_cache
from planforge.render.template import copier_cache_dir
from planforge.render.worker import worker_class


def rendered_paths(answers: Answers, template: TemplateSource) -> frozenset[str]:
    """The paths (relative, POSIX) of the files rendering `answers` with `template` writes."""
    with tempfile.TemporaryDirectory(prefix="planforge-listing-") as scratch, \
            fetched_from_cache(template, copier_cache_dir()):
        worker = run_copier(_list, src_path=template.src, dst_path=scratch, data=copier_data(answers),
                            vcs_ref=template.vcs_ref, defaults=True, overwrite=True, quiet=True, unsafe=False,
                            skip_tasks=True, pretend=True)
    return frozenset(worker.listed)


def _list(**kwargs: Any) -> Any:
    from copier._settings import SettingsModel

    with _listing_worker()(settings=SettingsModel.from_file(), **kwargs) as worker:
        worker.run_copy()
    return worker


def _listing_worker() -> type:
    class ListingWorker(worker_class()):  # type: ignore[misc]
        @cached_property
        def listed(self) -> list[str]:
            return []

        def _render_file(self, src_relpath: Path, dst_relpath: Path, extra_context: Any = None) -> None:
            self.listed.append(dst_relpath.as_posix())

        def _render_folder(self, dst_relpath: Path) -> None:
            """Directories are not listed (a render writes the ones its files need)."""

    return ListingWorker
