"""Progress bars for corpus runs: tqdm in a terminal or notebook, silent otherwise or when asked."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable


def progress_bar(items: Iterable, *, enabled: bool | None = None, total: int | None = None, desc: str = ""):
    """Wrap ``items`` in a tqdm bar when ``enabled`` (default: stderr is a terminal and not CI)."""
    if enabled is None:
        enabled = sys.stderr.isatty() and not os.environ.get("CI")
    if not enabled:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, total=total, desc=desc, unit="file")
