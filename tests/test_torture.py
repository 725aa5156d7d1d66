"""Issue #7 — nothing lost on bad input.

The torture corpus (``tests/make_torture.py``) plus the real reports of ``../shared/corpus/`` are
read in one run. Then:

* every bad file is a row of ``errors`` with the expected stage and a reason a researcher can act on;
* every file is either a document or an error: nothing disappears silently;
* every good file's output (API tables, normalised texts, and every file ``govtext analyze`` writes)
  is identical to a run on the good files alone;
* duplicates are flagged; size and time limits are configurable and fail clearly;
* outputs are written atomically, and an interrupted run resumes from the cache.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest

import govtext
import govtext.corpus
from govtext.io import SUPPORTED
from govtext.normalize import has_traditional, normalize_text
from conftest import SEED
from make_torture import (DUPLICATE_PATH, NOT_SPAM, SOURCES, SPACES_PATH, SPAM_LINES, TORTURE_MAX_BYTES, as_lines,
                          make_torture_corpus, paragraphs, report_body, spam_report_clean_text, write_huge_text)

ERROR_STAGES = {"read", "decode", "pdf", "html", "docx", "analyse", "timeout"}

# What the reason of each bad file must mention (any one of the words) so that a researcher
# knows what to do with it.
REASON_HINTS = {
    "torture/truncated.pdf": ("download it again", "damaged", "truncated"),
    "torture/no_text_layer.pdf": ("OCR",),
    "torture/scan_image_only.pdf": ("OCR",),
    "torture/cid_garbage.pdf": ("OCR",),
    "torture/404_page.pdf": ("HTML page",),
    "torture/empty.pdf": ("empty",),
    "torture/binary_junk.txt": ("binary", "not a text", "encoding"),
    "torture/binary_junk_no_nul.txt": ("binary", "not a text", "encoding"),
    "torture/empty.txt": ("empty",),
    "torture/whitespace_only.md": ("empty",),
    "torture/legacy_word.doc": ("convert",),
    "torture/huge_20mb.txt": ("max_bytes",),
    "torture/zip_bomb.docx": ("zip bomb",),
    "torture/too_deep.html": ("nested",),
    "torture/vanishing.txt": ("disappeared", "does not exist"),
    "shared/bad/garbled_1.pdf": ("OCR",),
    "shared/bad/garbled_2.pdf": ("OCR",),
    "shared/bad/garbled_3.pdf": ("OCR",),
}


# --------------------------------------------------------------------------- building and running
def _copy_tree(src: Path, dest: Path) -> None:
    """Copy files (not permissions: ../shared is read-only)."""
    for f in sorted(src.rglob("*")):
        if f.is_file():
            target = dest / f.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(f.read_bytes())


def _report_files(root: Path) -> list[str]:
    """Every file under ``root`` that is a report someone put there (not the shared corpus's .tsv metadata)."""
    return sorted(f.relative_to(root).as_posix() for f in root.rglob("*")
                  if f.is_file() and not f.name.startswith(".") and f.suffix.lower() != ".tsv")


class Torture:
    """The torture root (``torture/`` + ``shared/``), its expectations, and a clean twin with the good files only."""

    def __init__(self, base: Path, shared: Path):
        self.root = base / "torture_root"
        self.clean = base / "clean_root"
        expected = make_torture_corpus(self.root / "torture", shared)
        self.expected = {f"torture/{k}": v for k, v in expected.items()}
        _copy_tree(shared / "corpus", self.root / "shared")
        for name in _report_files(self.root / "shared"):
            if Path(name).suffix.lower() in SUPPORTED:
                self.expected[f"shared/{name}"] = "pdf" if name.startswith("bad/") else "ok"
        self.vanishing = self.root / "torture" / "vanishing.txt"
        self.vanishing_bytes = self.vanishing.read_bytes()
        for name, status in self.expected.items():
            if status in ("ok", "duplicate"):
                target = self.clean / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes((self.root / name).read_bytes())
        self.shared = shared

    def good(self) -> list[str]:
        return sorted(n for n, s in self.expected.items() if s in ("ok", "duplicate"))

    def bad(self) -> dict[str, str]:
        return {n: s for n, s in self.expected.items() if s not in ("ok", "duplicate")}

    def doc_id(self, name: str) -> str:
        return str(Path(name).with_suffix("").as_posix())

    def vanishing_listing(self):
        """``list_files`` that restores vanishing.txt, lists the folder, then deletes the file again."""
        real = govtext.corpus.list_files

        def listing_then_delete(source):
            self.vanishing.write_bytes(self.vanishing_bytes)
            pairs = real(source)
            self.vanishing.unlink()
            return pairs

        return listing_then_delete

    def read(self, root: Path | None = None, **kwargs) -> govtext.Corpus:
        kwargs.setdefault("max_bytes", TORTURE_MAX_BYTES)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(govtext.corpus, "list_files", self.vanishing_listing())
            return govtext.read_corpus(root or self.root, progress=False, **kwargs)

    def analyze(self, root: Path, out: Path, *extra: str) -> int:
        from govtext.cli import main

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(govtext.corpus, "list_files", self.vanishing_listing())
            return main(["analyze", str(root), "--out", str(out), "--max-mb", str(TORTURE_MAX_BYTES / 2 ** 20),
                         "--no-figures", "--quiet", *extra])


@pytest.fixture(scope="module")
def torture(tmp_path_factory, shared) -> Torture:
    return Torture(tmp_path_factory.mktemp("torture"), shared)


@pytest.fixture(scope="module")
def torture_corpus(torture) -> govtext.Corpus:
    start = time.monotonic()
    corpus = torture.read()
    torture.seconds = time.monotonic() - start
    return corpus


@pytest.fixture(scope="module")
def clean_corpus(torture) -> govtext.Corpus:
    return torture.read(torture.clean)


def _rel(path: str, root: Path) -> str:
    return Path(path).resolve().relative_to(root.resolve()).as_posix()


# --------------------------------------------------------------------------- the generator
def test_torture_corpus_is_generated_deterministically(tmp_path, shared):
    start = time.monotonic()
    a = make_torture_corpus(tmp_path / "a", shared)
    assert time.monotonic() - start < 10
    b = make_torture_corpus(tmp_path / "b", shared)
    assert a == b
    assert set(a.values()) <= ERROR_STAGES | {"ok", "duplicate"}
    for name in a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert sorted(_report_files(tmp_path / "a")) == sorted(a)  # every file written is in the mapping
    assert a[SPACES_PATH] == "ok" and a[DUPLICATE_PATH] == "duplicate"
    assert (tmp_path / "a" / "huge_20mb.txt").stat().st_size == 20 * 1024 * 1024


# --------------------------------------------------------------------------- every bad file is an error
def test_the_run_completes_quickly_and_never_fails_internally(torture, torture_corpus):
    assert torture.seconds < 60, f"the torture run took {torture.seconds:.0f} s"
    internal = torture_corpus.errors[~torture_corpus.errors["stage"].isin(ERROR_STAGES)]
    assert internal.empty, internal.to_dict("records")


def test_every_bad_file_has_an_error_row_with_an_actionable_reason(torture, torture_corpus):
    errors = torture_corpus.errors.assign(file=[_rel(p, torture.root) for p in torture_corpus.errors["path"]])
    assert not errors["file"].duplicated().any(), errors[errors["file"].duplicated(keep=False)]
    got = dict(zip(errors["file"], errors["stage"]))
    missing = {name: stage for name, stage in torture.bad().items() if name not in got}
    assert not missing, f"bad files with no error row (silently lost): {missing}"
    assert got == torture.bad(), "error rows for good files, or wrong stages"
    for row in errors.itertuples():
        hints = REASON_HINTS[row.file]
        assert any(h.lower() in row.reason.lower() for h in hints), (row.file, row.reason, hints)


def test_every_file_is_a_document_or_an_error(torture, torture_corpus):
    """Nothing disappears: each report file in the folder is accounted for exactly once."""
    docs = {_rel(p, torture.root) for p in torture_corpus.docs["path"]}
    errors = {_rel(p, torture.root) for p in torture_corpus.errors["path"]}
    assert not docs & errors
    assert sorted(docs | errors) == sorted(torture.expected), {
        "not accounted for": sorted(set(torture.expected) - docs - errors),
        "unexpected": sorted((docs | errors) - set(torture.expected))}
    assert sorted(docs) == torture.good()


def test_workers_give_the_same_result(torture, torture_corpus):
    parallel = torture.read(workers=2)
    pd.testing.assert_frame_equal(parallel.docs, torture_corpus.docs)
    pd.testing.assert_frame_equal(parallel.errors, torture_corpus.errors)
    pd.testing.assert_frame_equal(parallel.sentences(), torture_corpus.sentences())


# --------------------------------------------------------------------------- good files are untouched
def _docs_table(corpus: govtext.Corpus, root: Path) -> pd.DataFrame:
    docs = corpus.docs.copy()
    docs["path"] = [_rel(p, root) for p in docs["path"]]
    return docs.reset_index(drop=True)


def test_good_files_give_the_same_tables_as_a_clean_run(torture, torture_corpus, clean_corpus):
    assert clean_corpus.errors.empty, clean_corpus.errors.to_dict("records")
    pd.testing.assert_frame_equal(_docs_table(torture_corpus, torture.root), _docs_table(clean_corpus, torture.clean))
    assert torture_corpus.doc_ids == clean_corpus.doc_ids
    for doc_id in clean_corpus.doc_ids:
        assert torture_corpus.text(doc_id) == clean_corpus.text(doc_id), doc_id
    for table in ("sections", "subsections", "sentences"):
        a = getattr(torture_corpus, table)().reset_index(drop=True)
        b = getattr(clean_corpus, table)().reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, obj=table)


def test_offsets_index_the_normalised_texts(torture_corpus):
    for name in ("sections", "subsections", "sentences"):
        df = getattr(torture_corpus, name)()
        for row in df.itertuples():
            text = torture_corpus.text(row.doc_id)
            assert 0 <= row.start <= row.end <= len(text), (name, row)
    for row in torture_corpus.sentences().itertuples():
        assert torture_corpus.text(row.doc_id)[row.start:row.end] == row.text


def _outputs(out: Path, root: Path) -> dict[str, object]:
    """Everything ``govtext analyze`` wrote, with the input folder replaced by ``<root>``."""
    found: dict[str, object] = {}
    for f in sorted(out.rglob("*")):
        rel = f.relative_to(out).as_posix()
        if not f.is_file() or rel.startswith(".cache/"):
            continue
        if f.suffix == ".csv":
            df = pd.read_csv(f, dtype=str, keep_default_na=False)
            found[rel] = df.apply(lambda col: col.str.replace(str(root), "<root>", regex=False))
        elif f.suffix == ".json":
            found[rel] = json.loads(f.read_text(encoding="utf-8").replace(str(root), "<root>"))
        else:
            found[rel] = f.read_bytes()
    return found


def test_analyze_writes_the_same_files_for_good_files_as_a_clean_run(torture, torture_corpus, tmp_path):
    """The main job, chunked small so that bad files shift the chunk boundaries: no output may change."""
    assert torture.analyze(torture.root, tmp_path / "torture", "--chunk-size", "7") == 0
    assert torture.analyze(torture.clean, tmp_path / "clean", "--chunk-size", "7") == 0
    got, want = _outputs(tmp_path / "torture", torture.root), _outputs(tmp_path / "clean", torture.clean)
    assert sorted(got) == sorted(want), set(got) ^ set(want)
    assert not list((tmp_path / "torture").rglob("*.tmp-*")), "temporary files left behind"
    errors = got.pop("errors.csv")
    assert want.pop("errors.csv").empty
    api = torture_corpus.errors.astype(str).apply(lambda c: c.str.replace(str(torture.root), "<root>", regex=False))
    pd.testing.assert_frame_equal(errors[list(api.columns)], api, obj="errors.csv vs corpus.errors")
    manifest_got, manifest_want = got.pop("manifest.json"), want.pop("manifest.json")
    assert manifest_got.pop("errors") == len(errors) and manifest_want.pop("errors") == 0
    manifest_got["outputs"].pop("errors", None), manifest_want["outputs"].pop("errors", None)
    assert manifest_got == manifest_want
    for name, value in want.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(got[name], value, obj=name)
        else:
            assert got[name] == value, name


# --------------------------------------------------------------------------- particular files
def test_gbk_without_declaration_reads_like_the_utf8_original(torture, torture_corpus, shared):
    original = govtext.read_corpus(shared / "corpus" / SOURCES["gbk"], progress=False)
    text = torture_corpus.text("torture/gbk_no_declaration")
    assert text == original.text(original.doc_ids[0])


def test_mixed_traditional_and_simplified_becomes_simplified(torture, torture_corpus, shared):
    text = torture_corpus.text("torture/繁简混排 mixed")
    assert not has_traditional(text)
    original = normalize_text(report_body(shared / "corpus" / SOURCES["mixed"]))
    same = sum(a == b for a, b in zip(text, original))
    assert len(text) == len(original) and same / len(original) > 0.995
    docs = torture_corpus.docs.set_index("doc_id")
    assert docs.loc["torture/繁简混排 mixed", "sections_found"] == "1,2,3,5"


def test_html_scripts_styles_and_navigation_are_dropped(torture, torture_corpus, shared):
    text = torture_corpus.text("torture/nested_with_scripts")
    for junk in ("脚本", "样式里的文字", "请启用浏览器脚本", "版权所有", "首页", "document.write"):
        assert junk not in text, junk
    paras = paragraphs(report_body(shared / "corpus" / SOURCES["html"]))
    assert text.endswith(normalize_text(as_lines(paras)))


def test_docx_paragraphs_and_table_are_read(torture_corpus):
    text = torture_corpus.text("torture/report")
    assert "行政规范性文件\t12\t12" in text
    assert torture_corpus.docs.set_index("doc_id").loc["torture/report", "format"] == "docx"


def test_path_with_spaces_and_chinese_characters(torture, torture_corpus, tmp_path):
    doc_id = torture.doc_id(f"torture/{SPACES_PATH}")
    assert doc_id in torture_corpus.doc_ids
    docs = torture_corpus.docs.set_index("doc_id")
    assert docs.loc[doc_id, "issuer"] == "互助土族自治县人民政府"
    assert Path(docs.loc[doc_id, "path"]).exists()


def test_duplicates_are_flagged_and_counted_once(torture, torture_corpus):
    original, copy = torture.doc_id(f"torture/{SPACES_PATH}"), torture.doc_id(f"torture/{DUPLICATE_PATH}")
    docs = torture_corpus.docs.set_index("doc_id")
    assert docs["duplicate_of"].dropna().to_dict() == {copy: original}
    # counted once: the copy is in docs (flagged) but adds no rows to the analysis tables
    for name in ("sections", "subsections", "sentences"):
        ids = set(getattr(torture_corpus, name)()["doc_id"])
        assert original in ids and copy not in ids, f"{name}: the duplicate is counted twice"


def test_analyze_counts_a_duplicate_once_even_in_another_chunk(tmp_path):
    from govtext.cli import main

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_report.txt").write_bytes(SEED.read_bytes())
    (folder / "b_copy.txt").write_bytes(SEED.read_bytes())
    assert main(["analyze", str(folder), "--out", str(tmp_path / "out"), "--chunk-size", "1", "--quiet",
                 "--no-figures", "--no-cache"]) == 0
    docs = pd.read_csv(tmp_path / "out" / "documents.csv", dtype=str, keep_default_na=False)
    assert docs.set_index("doc_id")["duplicate_of"].to_dict() == {"a_report": "", "b_copy": "a_report"}
    for name in ("sections", "sentences"):
        ids = set(pd.read_csv(tmp_path / "out" / f"{name}.csv", dtype=str)["doc_id"])
        assert ids == {"a_report"}, f"{name}.csv counts the duplicate"


def test_a_file_that_disappears_after_listing_is_a_read_error(tmp_path, monkeypatch):
    (tmp_path / "stays.txt").write_bytes(SEED.read_bytes())
    gone = tmp_path / "gone.txt"
    gone.write_text("一、总体情况\n本机关全年主动公开政府信息。\n", encoding="utf-8")
    real = govtext.corpus.list_files

    def list_then_delete(source):
        pairs = real(source)
        gone.unlink()
        return pairs

    monkeypatch.setattr(govtext.corpus, "list_files", list_then_delete)
    corpus = govtext.read_corpus(tmp_path, progress=False)
    assert corpus.doc_ids == ["stays"]
    assert corpus.errors[["path", "stage"]].values.tolist() == [[str(gone), "read"]]


def test_a_utf8_report_with_one_corrupt_byte_is_read_not_lost():
    """A damaged download: one byte of a UTF-8 report overwritten. The report is still there, bar one character."""
    from govtext.io import read_bytes

    data = bytearray(SEED.read_bytes())
    pos = data.index("政府信息公开".encode("utf-8")) + 1  # inside a multi-byte character
    data[pos] = 0xFF
    clean = read_bytes(SEED.read_bytes(), "seed.txt").text
    doc = read_bytes(bytes(data), "damaged.txt")
    assert re.sub("\ufffd+", "?", doc.text) == clean.replace("政府信息公开", "?府信息公开", 1)
    assert doc.meta["encoding"].startswith("utf-8")


def test_injected_spam_lines_are_removed_and_counted(torture, torture_corpus, shared):
    doc_id = "torture/gambling_spam"
    text = torture_corpus.text(doc_id)
    for line in SPAM_LINES:
        for word in line.split()[:2]:
            assert word not in text, word
    assert text == normalize_text(spam_report_clean_text(shared))  # nothing else removed
    assert NOT_SPAM in text  # lottery funds and gaming rules in a report are not spam
    injected = sum(ln in SPAM_LINES for ln in (torture.root / "torture" / "gambling_spam.txt")
                   .read_text(encoding="utf-8").splitlines())
    docs = torture_corpus.docs.set_index("doc_id")
    assert docs.loc[doc_id, "spam_lines"] == injected > 0
    assert (docs.drop(index=doc_id)["spam_lines"] == 0).all(), "real reports flagged as spam"
    assert not torture_corpus.sentences()["text"].str.contains("彩金|娱乐城|时时彩").any()


CORPUS_TABLES = ("sections", "subsections", "sentences", "tagged", "tables", "counts", "rates", "pairs",
                 "checks_within", "checks", "tokens")


def test_a_folder_of_bad_files_only_gives_empty_tables_and_error_rows(tmp_path, shared, seed_corpus):
    """A batch where every file is bad (all scans, say) is not a crash: empty tables with their columns."""
    from govtext.cli import main

    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "scan.pdf").write_bytes((shared / "corpus" / "bad" / "garbled_1.pdf").read_bytes())
    corpus = govtext.read_corpus(folder, progress=False)
    assert len(corpus) == 0 and sorted(corpus.errors["stage"]) == ["pdf", "read"]
    failures = {}
    for name in CORPUS_TABLES:
        try:
            df = getattr(corpus, name)()
        except Exception as exc:  # noqa: BLE001 - collected and reported together
            failures[name] = f"{type(exc).__name__}: {exc}"
            continue
        if not df.empty or list(df.columns) != list(getattr(seed_corpus, name)().columns):
            failures[name] = f"columns {list(df.columns)}"
    assert not failures, f"Corpus tables on a corpus with no documents: {failures}"
    assert main(["analyze", str(folder), "--out", str(tmp_path / "out"), "--quiet", "--no-figures"]) == 0
    assert len(pd.read_csv(tmp_path / "out" / "errors.csv")) == 2
    for csv in (tmp_path / "out").glob("*.csv"):
        assert csv.read_text(encoding="utf-8").strip(), f"{csv.name} has no header"


# --------------------------------------------------------------------------- limits
def test_size_limit_is_configurable_and_fails_fast(tmp_path):
    from govtext.cli import main

    big = tmp_path / "reports" / "big.txt"
    big.parent.mkdir()
    write_huge_text(big, 3 * 1024 * 1024)
    start = time.monotonic()
    corpus = govtext.read_corpus(big.parent, max_bytes=1024 * 1024, progress=False)
    assert time.monotonic() - start < 2
    [row] = corpus.errors.to_dict("records")
    assert row["stage"] == "read" and "max_bytes" in row["reason"] and str(1024 * 1024) in row["reason"]
    assert len(govtext.read_corpus(big.parent, max_bytes=4 * 1024 * 1024, progress=False)) == 1
    (big.parent / "seed.txt").write_bytes(SEED.read_bytes())
    assert main(["analyze", str(big.parent), "--out", str(tmp_path / "out"), "--max-mb", "1", "--quiet",
                 "--no-figures"]) == 0
    errors = pd.read_csv(tmp_path / "out" / "errors.csv", dtype=str)
    assert errors["stage"].tolist() == ["read"] and errors["path"].tolist() == [str(big)]


def test_the_20mb_file_is_refused_without_reading_it(torture, monkeypatch):
    huge = torture.root / "torture" / "huge_20mb.txt"
    opened = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: opened.append(self) or real(self))
    start = time.monotonic()
    corpus = govtext.read_corpus(huge, max_bytes=TORTURE_MAX_BYTES, progress=False)
    assert time.monotonic() - start < 2
    assert corpus.errors["stage"].tolist() == ["read"] and huge not in opened


def test_time_limit_per_file_is_configurable(tmp_path, monkeypatch):
    """A file whose analysis hangs is an error row ("timeout") after max_seconds; the others go on."""
    import inspect

    assert "max_seconds" in inspect.signature(govtext.read_corpus).parameters, \
        "read_corpus has no per-file time limit (issue #7: size and time limits per file, configurable)"
    (tmp_path / "fast.txt").write_bytes(SEED.read_bytes())
    slow = tmp_path / "slow.txt"
    slow.write_text(SEED.read_text(encoding="utf-8") + "\n卡住", encoding="utf-8")
    real = govtext.corpus.normalize_text

    def hangs_on_slow(text):
        if "卡住" in text:
            time.sleep(60)
        return real(text)

    monkeypatch.setattr(govtext.corpus, "normalize_text", hangs_on_slow)
    start = time.monotonic()
    corpus = govtext.read_corpus(tmp_path, max_seconds=1, progress=False)
    assert time.monotonic() - start < 10
    assert corpus.doc_ids == ["fast"]
    [row] = corpus.errors.to_dict("records")
    assert row["path"] == str(slow) and row["stage"] == "timeout" and "max_seconds" in row["reason"]


# --------------------------------------------------------------------------- atomic outputs, resumable runs
def test_an_interrupted_run_leaves_the_previous_outputs_intact(torture, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert torture.analyze(torture.clean, out, "--chunk-size", "5", "--no-cache") == 0
    before = {f.relative_to(out).as_posix(): f.read_bytes() for f in out.rglob("*") if f.is_file()}
    real = govtext.corpus.corpus_from_files
    calls = []

    def dies_on_third_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the researcher presses Ctrl-C
        return real(*args, **kwargs)

    monkeypatch.setattr(govtext.corpus, "corpus_from_files", dies_on_third_chunk)
    with pytest.raises(KeyboardInterrupt):
        torture.analyze(torture.clean, out, "--chunk-size", "5", "--no-cache")
    after = {f.relative_to(out).as_posix(): f.read_bytes() for f in out.rglob("*") if f.is_file()}
    assert not [name for name in after if ".tmp-" in name], "temporary files left behind"
    changed = sorted(name for name in before if after.get(name) != before[name])
    assert not changed, f"a killed run replaced complete outputs with partial ones: {changed}"


def test_a_rerun_resumes_from_the_cache(torture, tmp_path, monkeypatch):
    """Interrupt a cached run after a few documents; the rerun redoes only the rest and gives the same result."""
    cache = tmp_path / "cache"
    real = govtext.corpus.process_document
    done: list[str] = []

    def interrupted(path, *args, **kwargs):
        if len(done) == 6:
            raise KeyboardInterrupt
        doc = real(path, *args, **kwargs)
        done.append(path)
        return doc

    monkeypatch.setattr(govtext.corpus, "process_document", interrupted)
    with pytest.raises(KeyboardInterrupt):
        torture.read(torture.clean, cache=cache)
    redone: list[str] = []

    def counting(path, *args, **kwargs):
        redone.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(govtext.corpus, "process_document", counting)
    resumed = torture.read(torture.clean, cache=cache)
    assert len(done) == 6 and not set(done) & set(redone), "documents done before the interruption were redone"
    assert len(redone) == len(torture.good()) - 6 - 1  # minus the done ones and the duplicate (same bytes)
    fresh = torture.read(torture.clean)
    pd.testing.assert_frame_equal(resumed.docs, fresh.docs)
    pd.testing.assert_frame_equal(resumed.sentences(), fresh.sentences())
