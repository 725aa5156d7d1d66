"""Plain UTF-8 resources shipped with govtext: lexicons, cue lists, heading vocabulary, codebook.

Researchers can read them here, copy them, and pass their own versions to the
functions that use them. ``resource_hashes()`` gives the sha256 of each file,
which govtext records in every output manifest.

>>> "section_headings.tsv" in resource_hashes()
True
"""

from __future__ import annotations

import hashlib
from importlib.resources import files

__all__ = ["resource_path", "read_resource_text", "read_resource_lines", "resource_hashes"]


def resource_path(name: str):
    """A traversable path to a shipped resource file."""
    return files(__name__).joinpath(name)


def read_resource_text(name: str) -> str:
    return resource_path(name).read_text(encoding="utf-8")


def read_resource_lines(name: str) -> list[str]:
    """Non-empty lines of a resource file, without ``#`` comment lines."""
    return [ln.rstrip("\n") for ln in read_resource_text(name).splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


def resource_hashes() -> dict[str, str]:
    """sha256 of every shipped resource file, by file name (sorted)."""
    out = {}
    for entry in sorted(files(__name__).iterdir(), key=lambda e: e.name):
        if entry.is_file() and not entry.name.endswith((".py", ".pyc")):
            out[entry.name] = hashlib.sha256(entry.read_bytes()).hexdigest()
    return out
