"""The plain-record paths of counts and checks give what the DataFrame functions give.

Every report of ``data/reports`` and of ``../shared/corpus`` (required in CI, skipped with a
reason elsewhere) goes through both paths: the records functions (``count_records``,
``check_table_records``, ``check_narrative_records``, ``check_narrative_vs_tables_records``)
turned into frames must equal the DataFrame functions fed DataFrames (whose missing values
are ``pd.NA``/NaN, not None), and one call on many documents' records must equal the
per-document calls concatenated. The speed-ups inside the extraction are checked against
their plain forms on random text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import shared_or_skip
from hypothesis import given, settings
from hypothesis import strategies as st

from govtext.checks import CHECK_COLUMNS, check_frame, check_table_records, check_tables, frame_records
from govtext.corpus import list_files, process_document
from govtext.counts import (
    COUNT_COLUMNS,
    _NUMBER_START,
    _Suffixes,
    _vocab,
    check_narrative,
    check_narrative_records,
    check_narrative_vs_tables,
    check_narrative_vs_tables_records,
    count_frame,
    count_records,
    extract_counts,
)
from govtext.io import ReadError
from govtext.tables import table_frame, table_records

ROOT = Path(__file__).resolve().parents[1]


def _documents(folder: Path) -> list[dict]:
    """Each readable report of ``folder``: text, sentence spans, cell and count records."""
    docs, unreadable = [], []
    for path, doc_id in list_files(folder):
        if path.endswith(".tsv"):
            continue
        try:
            d = process_document(path, doc_id)
        except ReadError:
            unreadable.append(doc_id)
            continue
        spans = [(s["start"], s["end"]) for s in d.sentences]
        sent_ids = [s["sent_id"] for s in d.sentences]
        docs.append({"doc_id": d.doc_id, "text": d.text, "spans": spans, "sent_ids": sent_ids,
                     "cells": table_records(d.text, d.doc_id, d.docvars.get("regime")),
                     "counts": count_records(d.text, d.doc_id, spans=spans, sent_ids=sent_ids)})
    # only the deliberately broken files (garbled PDFs) may be unreadable
    assert all(i.startswith("bad/") for i in unreadable), unreadable
    return docs


@pytest.fixture(scope="module")
def shared_docs() -> list[dict]:
    docs = _documents(shared_or_skip() / "corpus")
    assert len(docs) >= 20
    return docs


@pytest.fixture(scope="module")
def seed_docs() -> list[dict]:
    docs = _documents(ROOT / "data" / "reports")
    assert docs
    return docs


@pytest.fixture(params=["seed", "shared"])
def docs(request) -> list[dict]:
    return request.getfixturevalue(f"{request.param}_docs")


def _normal(x):
    """A missing value as None, whatever form it has in a frame or a record."""
    return None if x is None or x is pd.NA or (isinstance(x, float) and x != x) else x


# --------------------------------------------------------------------------- counts
def test_count_records_round_trip(docs):
    """count_frame keeps every value of the records, with the typed columns of extract_counts."""
    for d in docs:
        frame = count_frame(d["counts"])
        assert list(frame.columns) == COUNT_COLUMNS
        assert {c: str(frame[c].dtype) for c in ("start", "end", "value", "value_low", "value_high", "part_of",
                                                 "cumulative", "metric", "section")} == {
            "start": "int64", "end": "int64", "value": "Float64", "value_low": "Float64", "value_high": "Float64",
            "part_of": "Int64", "cumulative": "bool", "metric": "string", "section": "string"}
        back = [{k: _normal(v) for k, v in r.items()} for r in frame_records(frame)]
        assert back == [{k: _normal(r[k]) for k in COUNT_COLUMNS} for r in d["counts"]], d["doc_id"]
        assert all(list(r) == COUNT_COLUMNS for r in d["counts"])
        assert [r["start"] for r in d["counts"]] == sorted(r["start"] for r in d["counts"])


def test_extract_counts_is_the_frame_of_count_records(docs):
    for d in docs:
        pd.testing.assert_frame_equal(
            count_frame(d["counts"]), extract_counts(d["text"], d["doc_id"], spans=d["spans"], sent_ids=d["sent_ids"]))
        pd.testing.assert_frame_equal(count_frame(count_records(d["text"], d["doc_id"])),
                                      extract_counts(d["text"], d["doc_id"]))


# --------------------------------------------------------------------------- checks, one report
def _assert_check_records(records: list[dict]) -> None:
    for r in records:
        assert list(r) == CHECK_COLUMNS
        assert r["ok"] in (True, False, None) and type(r["ok"]) in (bool, type(None))
        assert r["expected"] is None or isinstance(r["expected"], float)
        assert r["observed"] is None or isinstance(r["observed"], float)


def test_checks_from_records_equal_checks_from_frames(docs):
    n_checks = 0
    for d in docs:
        cells, counts = table_frame(d["cells"]), count_frame(d["counts"])
        recs = {
            "tables": check_table_records(d["cells"]),
            "narrative": check_narrative_records(d["counts"], d["text"]),
            "vs_tables": check_narrative_vs_tables_records(d["counts"], d["cells"]),
        }
        frames = {
            "tables": check_tables(cells),
            "narrative": check_narrative(counts, d["text"]),
            "vs_tables": check_narrative_vs_tables(counts, cells),
        }
        for name, records in recs.items():
            _assert_check_records(records)
            pd.testing.assert_frame_equal(check_frame(records), frames[name], obj=f"{d['doc_id']} {name}")
            n_checks += len(records)
    assert n_checks > 0


# --------------------------------------------------------------------------- many reports at once
def test_many_documents_at_once(docs):
    all_cells = [c for d in docs for c in d["cells"]]
    all_counts = [r for d in docs for r in d["counts"]]
    per_doc_tables = [check_table_records(d["cells"]) for d in docs]
    per_doc_vs = [check_narrative_vs_tables_records(d["counts"], d["cells"]) for d in docs]
    assert check_table_records(all_cells) == [r for rs in per_doc_tables for r in rs]
    assert check_narrative_vs_tables_records(all_counts, all_cells) == [r for rs in per_doc_vs for r in rs]
    # frames of many documents' records equal the per-document frames concatenated
    nonempty = [d for d in docs if d["counts"]]
    pd.testing.assert_frame_equal(
        count_frame([r for d in nonempty for r in d["counts"]]),
        pd.concat([count_frame(d["counts"]) for d in nonempty], ignore_index=True))
    with_checks = [rs for rs in per_doc_tables if rs]
    pd.testing.assert_frame_equal(check_frame([r for rs in with_checks for r in rs]),
                                  pd.concat([check_frame(rs) for rs in with_checks], ignore_index=True))
    pd.testing.assert_frame_equal(check_tables(table_frame(all_cells)), check_frame(check_table_records(all_cells)))


# --------------------------------------------------------------------------- the speed-ups are exact
# text made of numbers, each with an optional scale, 余/多, measure word and what follows it
_UNITS = sorted(_vocab().unit_class)
_NUMBERISH = st.lists(st.tuples(
    st.sampled_from(["1", "23", "1,295", "0.5", "2023", "十", "十二", "两", "三百", "一千二百", "二〇二二", "百分之五", "三点五"]),
    st.sampled_from(["", "", "万", "亿", "千", "百万"]),
    st.sampled_from(["", "", "余", "多"]),
    st.sampled_from(["", ""] + _UNITS),
    st.sampled_from(["", "至", "到", "-", "~", "—", "，", " ", "第", "年", "x"]),
), max_size=4).map(lambda parts: "".join("".join(p) for p in parts))


# the pattern without the lookahead count_records puts before a range (it only spares backtracking)
_PLAIN_NUMBER = re.compile(re.sub(r"\(\?=\[[^]]*\]\*\(\?:[^)]*\)\)", "", _vocab().number.pattern, count=1))


def test_plain_pattern_is_the_pattern_without_the_lookahead():
    assert _PLAIN_NUMBER.pattern != _vocab().number.pattern and "(?=" not in _PLAIN_NUMBER.pattern


@settings(derandomize=True, max_examples=1000, deadline=None)
@given(_NUMBERISH)
def test_number_search_is_exact(s):
    """The lookahead changes no match, and numbers start only where count_records looks (_NUMBER_START)."""
    matches = list(_vocab().number.finditer(s))
    assert [(m.span(), m.groups()) for m in matches] == [(m.span(), m.groups()) for m in _PLAIN_NUMBER.finditer(s)]
    for m in matches:
        assert _NUMBER_START.match(s, m.start()), (s, m.group(0))


@settings(derandomize=True, max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["约", "近", "超过", "不足", "过", "超", "达", "共计", "计", "x", ""]), max_size=6),
       st.text(alphabet="约近超过不足达共计x", max_size=8), st.integers(0, 8))
def test_suffix_finder_is_the_first_word_in_list_order(words, text, lo):
    found = _Suffixes(words).find(text, len(text), lo)
    expected = next((i for i, w in enumerate(words) if text.endswith(w, max(lo, len(text) - len(w)), len(text))), -1)
    assert found == expected
