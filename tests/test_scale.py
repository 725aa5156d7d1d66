"""Scale: the cache serves nothing stale, process pools and Dask give the same output as one process."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import govtext
import govtext.segment
from govtext import cache as cache_mod

from conftest import SEED


def _corpus_folder(tmp_path: Path, shared: Path) -> Path:
    folder = tmp_path / "reports"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    for name in ("202302_80629.txt", "201601_80445.txt", "202103_80595.txt"):
        shutil.copy(shared / "corpus" / "pingtan" / name, folder / name)
    return folder


def _frames(corpus) -> dict[str, pd.DataFrame]:
    return {"docs": corpus.docs, "sections": corpus.sections(), "sentences": corpus.sentences(),
            "errors": corpus.errors}


def _entries(cache_dir: Path) -> set[str]:
    return {p.name for p in cache_dir.rglob("*.json.gz")}


def _assert_same(a: dict, b: dict) -> None:
    for name in a:
        pd.testing.assert_frame_equal(a[name].reset_index(drop=True), b[name].reset_index(drop=True), obj=name)


def test_cache_recomputes_exactly_the_changed_file(tmp_path, shared):
    folder = _corpus_folder(tmp_path, shared)
    cache_dir = tmp_path / "cache"
    cold = govtext.read_corpus(folder, cache=cache_dir, progress=False)
    first = _entries(cache_dir)
    assert len(first) == 4
    warm = govtext.read_corpus(folder, cache=cache_dir, progress=False)
    assert _entries(cache_dir) == first  # nothing recomputed
    _assert_same(_frames(cold), _frames(warm))

    target = folder / "202302_80629.txt"
    target.write_text(target.read_text(encoding="utf-8").replace("主动公开政府信息14571条", "主动公开政府信息14572条"),
                      encoding="utf-8")
    rerun = govtext.read_corpus(folder, cache=cache_dir, progress=False)
    assert len(_entries(cache_dir) - first) == 1  # exactly one document recomputed
    fresh = govtext.read_corpus(folder, progress=False)
    _assert_same(_frames(rerun), _frames(fresh))
    assert "14572条" in rerun.text("202302_80629")


def test_cache_is_invalidated_by_a_changed_lexicon(tmp_path, shared, monkeypatch):
    folder = _corpus_folder(tmp_path, shared)
    cache_dir = tmp_path / "cache"
    govtext.read_corpus(folder, cache=cache_dir, progress=False)
    first = _entries(cache_dir)
    from govtext import resources

    changed = dict(resources.resource_hashes(), **{"domain_dict.txt": "0" * 64})
    monkeypatch.setattr(resources, "resource_hashes", lambda: changed)
    cache_mod._environment_hash.cache_clear()
    try:
        govtext.read_corpus(folder, cache=cache_dir, progress=False)
        assert len(_entries(cache_dir) - first) == 4  # every document recomputed under the new lexicon
    finally:
        cache_mod._environment_hash.cache_clear()


def test_corrupt_cache_entry_is_recomputed_not_served(tmp_path, shared):
    folder = _corpus_folder(tmp_path, shared)
    cache_dir = tmp_path / "cache"
    cold = govtext.read_corpus(folder, cache=cache_dir, progress=False)
    for entry in cache_dir.rglob("*.json.gz"):
        entry.write_bytes(b"not gzip")
    warm = govtext.read_corpus(folder, cache=cache_dir, progress=False)
    _assert_same(_frames(cold), _frames(warm))


def test_two_workers_give_the_same_output(tmp_path, shared):
    folder = _corpus_folder(tmp_path, shared)
    _assert_same(_frames(govtext.read_corpus(folder, progress=False)),
                 _frames(govtext.read_corpus(folder, workers=2, progress=False)))


def test_dask_local_cluster_gives_the_same_output(tmp_path, shared):
    distributed = pytest.importorskip("distributed")
    folder = _corpus_folder(tmp_path, shared)
    local = _frames(govtext.read_corpus(folder, progress=False))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        on_dask = _frames(govtext.read_corpus(folder, engine="dask", progress=False))
    _assert_same(local, on_dask)


def test_dask_scheduler_address_from_the_environment(tmp_path, shared, monkeypatch):
    """What `DASK_SCHEDULER_ADDRESS=… govtext analyze … --engine dask` does: connect to that scheduler."""
    distributed = pytest.importorskip("distributed")
    import dask

    folder = _corpus_folder(tmp_path, shared)
    local = _frames(govtext.read_corpus(folder, progress=False))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with dask.config.set({"scheduler-address": cluster.scheduler_address}):
            on_dask = _frames(govtext.read_corpus(folder, engine="dask", progress=False))
        assert cluster.scheduler.transition_counter > 0  # the work ran on that cluster
    _assert_same(local, on_dask)


def _analysed(corpus) -> dict[str, pd.DataFrame]:
    from govtext.themes import document_measures

    return {"tables": corpus.tables(), "counts": corpus.counts(), "checks": corpus.checks(),
            "tagged": corpus.tagged(), "pairs": corpus.pairs(), "tokens": corpus.tokens(),
            "measures": document_measures(corpus)}


def _counting(monkeypatch, names):
    """Count the per-document computations of each analysis (in this process: workers=1)."""
    from govtext import corpus as corpus_mod

    calls = dict.fromkeys(names, 0)
    for name in names:
        original = getattr(corpus_mod, f"_{name}_of")

        def counted(*args, _name=name, _f=original):
            calls[_name] += 1
            return _f(*args)

        monkeypatch.setattr(corpus_mod, f"_{name}_of", counted)
    return calls


def test_rerun_serves_every_table_from_the_cache_and_a_changed_file_is_fresh(tmp_path, shared, monkeypatch):
    folder = _corpus_folder(tmp_path, shared)
    cache_dir = tmp_path / "cache"
    calls = _counting(monkeypatch, ("tables", "counts", "tags", "tokens"))
    cold = _analysed(govtext.read_corpus(folder, cache=cache_dir, progress=False, analyses=govtext.corpus.ANALYSES))
    assert calls == {"tables": 4, "counts": 4, "tags": 4, "tokens": 4}
    stored = {p.name for p in cache_dir.rglob("*") if p.is_file()}
    assert any(name.endswith(".parquet") for name in stored)  # whole tables are stored too

    warm = _analysed(govtext.read_corpus(folder, cache=cache_dir, progress=False, analyses=govtext.corpus.ANALYSES))
    assert calls == {"tables": 4, "counts": 4, "tags": 4, "tokens": 4}  # nothing recomputed
    assert {p.name for p in cache_dir.rglob("*") if p.is_file()} == stored
    _assert_same(cold, warm)

    target = folder / "202302_80629.txt"
    target.write_text(target.read_text(encoding="utf-8").replace("主动公开政府信息14571条", "主动公开政府信息14572条"),
                      encoding="utf-8")
    rerun = _analysed(govtext.read_corpus(folder, cache=cache_dir, progress=False, analyses=govtext.corpus.ANALYSES))
    assert calls == {"tables": 5, "counts": 5, "tags": 5, "tokens": 5}  # exactly the changed document
    _assert_same(rerun, _analysed(govtext.read_corpus(folder, progress=False)))
    counts = rerun["counts"]
    assert 14572 in counts.loc[counts["doc_id"] == "202302_80629", "value"].tolist()


def test_a_changed_dictionary_term_recomputes_the_tokens_and_nothing_else(tmp_path, shared, monkeypatch):
    from govtext.segment import default_tokenizer
    from govtext.themes import theme_tokenizer

    folder = _corpus_folder(tmp_path, shared)
    cache_dir = tmp_path / "cache"
    base = default_tokenizer()
    first = govtext.read_corpus(folder, cache=cache_dir, progress=False)
    first.tables(), first.tokens(theme_tokenizer(tokenizer=base))
    calls = _counting(monkeypatch, ("tables", "tokens"))
    corpus = govtext.read_corpus(folder, cache=cache_dir, progress=False)
    corpus.tables()
    assert calls == {"tables": 0, "tokens": 0}
    # one more word in the dictionary: every document's tokens are recomputed, with the word kept whole
    grown = govtext.segment.Tokenizer(user_dict=[f"{w} {f}" for w, f in base.entries] + ["公开工作年度报告"])
    tokens = corpus.tokens(theme_tokenizer(tokenizer=grown))
    assert calls == {"tables": 0, "tokens": 4}
    fresh = govtext.read_corpus(folder, progress=False).tokens(theme_tokenizer(tokenizer=grown))
    pd.testing.assert_frame_equal(tokens, fresh)
    assert "公开工作年度报告" in set(tokens["token"])  # split into 公开/工作/年度报告 before


def test_corrupt_stored_table_is_rebuilt_not_served(tmp_path, shared):
    folder = _corpus_folder(tmp_path, shared)
    cache_dir = tmp_path / "cache"
    cold = _analysed(govtext.read_corpus(folder, cache=cache_dir, progress=False))
    for entry in cache_dir.rglob("*.parquet"):
        entry.write_bytes(b"PAR1 not parquet")
    warm = _analysed(govtext.read_corpus(folder, cache=cache_dir, progress=False))
    _assert_same(cold, warm)


def test_a_table_that_cannot_be_stored_is_still_returned(tmp_path, shared, monkeypatch):
    folder = _corpus_folder(tmp_path, shared)
    expected = govtext.read_corpus(folder, progress=False).tables()
    import pyarrow.parquet as pq

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", full_disk)
    corpus = govtext.read_corpus(folder, cache=tmp_path / "cache", progress=False)
    with pytest.warns(UserWarning, match="not cached"):
        tables = corpus.tables()
    pd.testing.assert_frame_equal(tables, expected)


def test_a_warm_run_reads_a_documents_entry_only_when_it_is_used(tmp_path, shared):
    folder = _corpus_folder(tmp_path, shared)
    cache_dir = tmp_path / "cache"
    cold = govtext.read_corpus(folder, cache=cache_dir, progress=False)
    warm = govtext.read_corpus(folder, cache=cache_dir, progress=False)
    pd.testing.assert_frame_equal(warm.docs, cold.docs)  # the docs table is stored whole
    assert all("_entry" in d.__dict__ for d in warm._documents.values())  # no entry read yet
    doc_id = cold.doc_ids[0]
    assert warm.text(doc_id) == cold.text(doc_id)  # read now, on first use
    assert "_entry" not in warm._documents[doc_id].__dict__
    for doc_id in cold.doc_ids:  # every field as the cold run had it (sentences included)
        assert warm._documents[doc_id] == cold._documents[doc_id]
    # an entry damaged after it was found is made again from the file, and stored again
    again = govtext.read_corpus(folder, cache=cache_dir, progress=False)
    for entry in cache_dir.rglob("*.json.gz"):
        entry.write_bytes(b"not gzip")
    for doc_id in cold.doc_ids:
        assert again._documents[doc_id].sentences == cold._documents[doc_id].sentences
    assert govtext.read_corpus(folder, cache=cache_dir, progress=False)._documents[doc_id] == cold._documents[doc_id]


def test_documents_sent_back_by_dask_workers_carry_their_entries(tmp_path):
    """A Dask worker's cache folder may be one the client cannot read: what the workers return is whole."""
    from govtext.corpus import DEFAULT_MAX_BYTES, _work, _work_whole

    job = (str(SEED), "seed", DEFAULT_MAX_BYTES, str(tmp_path / "cache"), None, ())
    cold = _work(job)
    lazy, whole = _work(job), _work_whole(job)
    assert "_entry" in lazy.__dict__ and "_entry" not in whole.__dict__
    shutil.rmtree(tmp_path / "cache")  # the client could not read the entry: it is already here
    assert whole == cold
