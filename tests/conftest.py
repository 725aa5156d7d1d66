"""Shared fixtures: the seed report in data/ and the real reports in ../shared/corpus/."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
SEED = ROOT / "data" / "reports" / "000_b544fc85b347642f.txt"


def real_texts() -> list[str]:
    """Raw texts of the seed and of the shared reports in text formats (no PDF parsing), for property tests."""
    from govtext.io import read_bytes

    texts = [read_bytes(SEED.read_bytes(), str(SEED)).text]
    for p in sorted((SHARED / "corpus").rglob("*")):
        if p.suffix in (".txt", ".md"):
            texts.append(read_bytes(p.read_bytes(), str(p)).text)
    return texts


def shared_or_skip() -> Path:
    """The shared corpus folder; fails in CI when it is missing, skips elsewhere."""
    if (SHARED / "corpus" / "index.tsv").exists():
        return SHARED
    if os.environ.get("CI"):
        pytest.fail(f"../shared is missing beside the repository ({SHARED}); CI must provide it")
    pytest.skip("../shared/corpus is not beside this checkout (source archive?): real-report tests skipped")


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_or_skip()


@pytest.fixture(scope="session")
def index(shared) -> dict[str, dict]:
    with open(shared / "corpus" / "index.tsv", encoding="utf-8") as f:
        return {row["file"]: row for row in csv.DictReader(f, delimiter="\t")}


@pytest.fixture(scope="session")
def shared_corpus(shared):
    import govtext

    return govtext.read_corpus(shared / "corpus", progress=False)


@pytest.fixture(scope="session")
def seed_corpus():
    import govtext

    return govtext.read_corpus(SEED, progress=False)
