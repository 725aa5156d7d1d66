"""The main job: `govtext analyze` writes its tables, texts and manifest; wheels carry the resources."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import numpy as np
import pandas as pd

from govtext.cli import main
from govtext.resources import read_resource_lines

from conftest import ROOT, SEED


def test_analyze_writes_documented_outputs(tmp_path):
    out = tmp_path / "results"
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"<html>404</html>")
    assert main(["analyze", str(SEED), str(bad), "--out", str(out), "--quiet"]) == 0
    codebook = [ln.split("\t") for ln in read_resource_lines("codebook.tsv")]
    tables = sorted(p.stem for p in out.glob("*.csv") if not p.name.startswith("fig_"))
    assert set(tables) >= {"documents", "sections", "subsections", "sentences", "errors", "tables", "counts",
                           "checks", "rates", "pairs", "themes"}
    for name in tables:
        df = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
        documented = [col for file, col, _ in codebook if file == f"{name}.csv"]
        assert list(df.columns) == documented, name
    docs = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False)
    assert docs.loc[0, "issuer"] == "互助土族自治县人民政府" and docs.loc[0, "year"] == "2022"
    errors = pd.read_csv(out / "errors.csv", dtype=str)
    assert errors["path"].str.endswith("bad.pdf").tolist() == [True]
    text = (out / "texts" / "000_b544fc85b347642f.txt").read_text(encoding="utf-8")
    sents = pd.read_csv(out / "sentences.csv", dtype={"text": str}, keep_default_na=False)
    for row in sents.itertuples():
        assert text[row.start:row.end] == row.text
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["govtext_version"]
    assert "domain_dict.txt" in manifest["resources"] and len(manifest["resources"]["domain_dict.txt"]) == 64
    assert list(manifest["inputs"].values()) == [docs.loc[0, "sha256"]]
    assert not list(out.rglob(".*.tmp-*"))


def test_outputs_are_deterministic(tmp_path):
    for run in ("a", "b"):
        assert main(["analyze", str(SEED), "--out", str(tmp_path / run), "--quiet"]) == 0
    for name in ("documents.csv", "sections.csv", "sentences.csv", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["analyze"]) == 2
    assert main([]) == 2


def test_wheel_carries_resources_and_runs_on_the_seed(tmp_path):
    """Build a wheel, install it in a fresh venv (dependencies from this environment), run the CLI."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("govtext-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    # dependencies come from this environment's site-packages (no network); govtext only from the wheel
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)],
                   check=True, capture_output=True)
    out = tmp_path / "out"
    # run from a folder outside the repository so the source tree cannot be imported
    res = subprocess.run([str(env_dir / "bin" / "govtext"), "analyze", str(SEED), "--out", str(out), "--quiet"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    where = subprocess.run([str(py), "-c", "import govtext; print(govtext.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True).stdout
    assert str(env_dir) in where
    docs = pd.read_csv(out / "documents.csv", dtype=str)
    assert docs.loc[0, "adcode"] == "630223"


def test_parquet_and_stata_outputs_carry_the_same_rows_and_labels(tmp_path):
    out = tmp_path / "out"
    assert main(["analyze", str(SEED), "--out", str(out), "--quiet", "--no-figures",
                 "--format", "csv,parquet,dta"]) == 0
    csv = pd.read_csv(out / "sentences.csv", keep_default_na=False)
    parquet = pd.read_parquet(out / "sentences.parquet")
    assert len(parquet) == len(csv) and list(parquet.columns) == list(csv.columns)
    assert parquet["text"].tolist() == csv["text"].tolist()
    with pd.io.stata.StataReader(out / "sentences.dta") as reader:
        labels = reader.variable_labels()
        values = reader.value_labels()
        dta = reader.read(convert_categoricals=False)
    assert labels["sent_id"].startswith("sentence number")
    section_labels = next(v for k, v in values.items() if "section" in k)
    assert section_labels[5] == "5" and section_labels[0] == "preamble"
    assert sorted(dta["section"].unique().tolist()) == [0, 1, 2, 3, 4, 5]
    assert dta["text"].tolist() == csv["text"].tolist()
    assert dta["end_"].tolist() == csv["end"].tolist()  # Stata reserves "end"


def test_theme_measures_in_batches_equal_those_of_the_whole_corpus(shared_corpus):
    from govtext.cli import _theme_measures
    from govtext.themes import document_measures

    whole = document_measures(shared_corpus)
    assert whole["hits"].sum() > 0 and whole["n_issue"].sum() > 0
    pd.testing.assert_frame_equal(_theme_measures(shared_corpus, batch=4), whole)


def test_subset_keeps_the_documents_docvars_and_analyses(shared_corpus):
    ids = shared_corpus.doc_ids[3:8]
    sub = shared_corpus.subset(ids)
    assert sub.doc_ids == ids and sub.docs["doc_id"].tolist() == ids
    full = shared_corpus.tables()
    pd.testing.assert_frame_equal(sub.tables(), full[full["doc_id"].isin(ids)].reset_index(drop=True))


def test_parquet_is_written_in_row_groups_equal_to_the_whole_table(tmp_path, shared_corpus, monkeypatch):
    """The main job converts its CSVs to Parquet a few rows at a time (bounded memory): the file must
    equal converting the whole table at once, also when a numeric column is whole numbers in one
    part and missing in another (subsection: missing outside （一）（二） subsections)."""
    import pyarrow.parquet as pq

    import govtext.outputs as O

    sentences = shared_corpus.sentences()
    # rows with a subsection first: the first part has whole numbers only, later parts do not
    sentences = sentences.iloc[np.argsort(sentences["subsection"].isna().to_numpy(), kind="stable")]
    missing = sentences["subsection"].isna().to_numpy()
    rows = 37
    parts = [missing[i:i + rows] for i in range(0, len(missing), rows)]
    assert not parts[0].any() and any(p.all() for p in parts) and any(p.any() and not p.all() for p in parts)
    monkeypatch.setattr(O, "_PARQUET_ROWS", rows)
    writer = O.TableWriter(tmp_path, "sentences", formats=("csv", "parquet"))
    for start in range(0, len(sentences), 100):
        writer.append(sentences.iloc[start:start + 100])
    writer.close()
    whole = O._typed_csv(pd.read_csv(tmp_path / "sentences.csv", **O._CSV_READ))
    whole.to_parquet(tmp_path / "whole.parquet", index=False)
    assert pq.ParquetFile(tmp_path / "sentences.parquet").num_row_groups == len(parts)
    assert pq.read_schema(tmp_path / "sentences.parquet").equals(pq.read_schema(tmp_path / "whole.parquet"),
                                                                 check_metadata=False)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "sentences.parquet"),
                                  pd.read_parquet(tmp_path / "whole.parquet"))
