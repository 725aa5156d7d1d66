"""The notebooks in notebooks/ run top to bottom on the sample corpus and on ../shared/corpus/.

Each is executed with nbclient in a kernel running this interpreter (a kernelspec written to a
temporary JUPYTER_PATH, so no other python3 kernel on the machine is picked up). Executed copies
go to pytest's tmp folder; the committed notebooks must have their outputs stripped.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
NAMES = [p.stem for p in NOTEBOOKS]
# Notebooks whose figures must be there (as PNG) on a corpus of several reports.
FIGURES_EXPECTED = {"01_quickstart": 1, "02_themes": 4, "03_counts_tables": 1, "04_issues_remedies": 1}
TIMEOUT = 300


def test_notebooks_present():
    assert NAMES == ["01_quickstart", "02_themes", "03_counts_tables", "04_issues_remedies"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_committed_without_outputs_and_parametrised(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    first = nb.cells[0]
    assert first.cell_type == "code" and "parameters" in first.metadata.get("tags", [])
    assert first.source.strip() == 'CORPUS = "data/reports"'
    assert "GOVTEXT_CORPUS" in nb.cells[2].source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip the outputs"
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """Environment for the kernel: a python3 kernelspec for this interpreter on JUPYTER_PATH."""
    pytest.importorskip("ipykernel")
    base = tmp_path_factory.mktemp("jupyter")
    spec = base / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (govtext tests)", "language": "python"}), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("GOVTEXT_CORPUS", "MPLBACKEND")}
    env["JUPYTER_PATH"] = os.pathsep.join([str(base), env.get("JUPYTER_PATH", "")]).rstrip(os.pathsep)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = env["JUPYTER_PATH"]  # the kernelspec is looked up in this process
    yield env
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


def run_notebook(path: Path, env: dict, corpus: str | None, out_dir: Path, extra_source: str | None = None):
    nb = nbformat.read(path, as_version=4)
    if extra_source:
        nb.cells.append(nbformat.v4.new_code_cell(extra_source))
    run_env = dict(env)
    if corpus is not None:
        run_env["GOVTEXT_CORPUS"] = corpus
    client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=TIMEOUT,
                                     resources={"metadata": {"path": str(ROOT)}})
    try:
        client.execute(env=run_env)
    finally:
        out_dir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out_dir / path.name)
    return nb


def outputs(nb, kind: str | None = None):
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if kind is None or out.get("output_type") == kind:
                yield out


def check_outputs(nb, name: str, figures_min: int, out_dir: Path):
    text = []
    pngs = []
    for out in outputs(nb):
        if out.get("output_type") == "stream":
            text.append(out.get("text", ""))
        if out.get("output_type") == "error":
            raise AssertionError(f"{name}: {out.get('ename')}: {out.get('evalue')}")
        data = out.get("data", {})
        if "image/png" in data:
            pngs.append(data["image/png"])
        if "text/plain" in data:
            text.append(data["text/plain"])
    joined = "\n".join(text)
    assert "missing from font" not in joined, f"{name}: a Chinese glyph was missing in a figure"
    assert "findfont" not in joined, f"{name}: matplotlib could not find a font"
    assert len(pngs) >= figures_min, f"{name}: {len(pngs)} figures, expected at least {figures_min}"
    for i, png in enumerate(pngs):  # keep the figures for a look
        (out_dir / f"{name}_{i}.png").write_bytes(base64.b64decode(png))
    return pngs


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebook_runs_on_sample(path, kernel_env, tmp_path):
    check = "import sys, matplotlib\nprint('EXECUTABLE', sys.executable)\nprint('CORPUS', CORPUS)"
    nb = run_notebook(path, kernel_env, None, tmp_path, extra_source=check)
    figures_min = 1 if path.stem in ("01_quickstart", "02_themes") else 0
    check_outputs(nb, path.stem, figures_min, tmp_path)
    last = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert f"EXECUTABLE {sys.executable}" in last, "the kernel must run this interpreter"
    assert "CORPUS data/reports" in last


@pytest.mark.parametrize("path", NOTEBOOKS, ids=NAMES)
def test_notebook_runs_on_shared_corpus(path, kernel_env, shared, tmp_path):
    corpus = str((shared / "corpus").resolve())
    nb = run_notebook(path, kernel_env, corpus, tmp_path / "out")
    check_outputs(nb, path.stem, FIGURES_EXPECTED[path.stem], tmp_path / "out")
    if path.stem == "02_themes":
        # a year trend of 公开质量 for one issuer and a region comparison, each with its numbers
        plain = "\n".join(o["data"].get("text/plain", "") for o in outputs(nb, "execute_result"))
        assert "平潭综合实验区" in plain
        trend_cell = next(c for c in nb.cells if c.source.endswith("quality_trend"))
        trend = trend_cell.outputs[-1]["data"]["text/plain"]
        assert "2011" in trend and "2025" in trend and "per_1k" in trend
        region_cell = next(c for c in nb.cells if c.source.endswith("region_table"))
        region = region_cell.outputs[-1]["data"]["text/plain"]
        assert all(p in region for p in ("福建省", "江苏省", "上海市"))
