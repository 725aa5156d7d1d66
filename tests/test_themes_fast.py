"""govtext.themes fast paths: skipping the sort of tokens already in order gives the same hits."""

from __future__ import annotations

import numpy as np
import pandas as pd
from test_themes import tokens_frame

from govtext import themes as th

DICT = {"质量": {"解读": ["解读", "政策 解读"], "深度": ["政策 解读"]}, "渠道": ["*新媒体", "*信箱", "新媒体"]}


def frame(doc_ids: list[str]) -> pd.DataFrame:
    sentences = [["加强", "政策", "解读", "，", "开通", "政务新媒体", "和", "县长信箱"], ["政策"], ["解读", "政策解读"]]
    return pd.concat([tokens_frame(sentences[k % 3:] + sentences[:k % 3], doc_id) for k, doc_id in enumerate(doc_ids)],
                     ignore_index=True)


def test_tokens_in_order_are_recognised():
    assert th._in_order(frame(["a", "b", "c"])) is not None
    assert th._in_order(frame(["b", "a", "c"])) is None          # documents out of lexicographic order
    assert th._in_order(frame(["a", "b", "a"])) is None          # a document in two blocks
    shuffled = frame(["a", "b"]).sample(frac=1, random_state=0)
    assert th._in_order(shuffled) is None


def test_hits_do_not_depend_on_row_order():
    ordered = frame(["d1", "d2", "d3", "d4"])
    expected = th.theme_hits(ordered, DICT)
    assert len(expected) and expected["doc_id"].is_monotonic_increasing
    blocks = pd.concat([ordered[ordered["doc_id"] == d] for d in ["d3", "d1", "d4", "d2"]])
    for other in (blocks, ordered.sample(frac=1, random_state=1), ordered.iloc[::-1]):
        pd.testing.assert_frame_equal(th.theme_hits(other, DICT), expected, check_exact=True)


def test_out_of_order_documents_are_sorted():
    names = ["z", "b", "m", "a"]
    unordered = frame(names)
    ordered = unordered.sort_values(["doc_id", "sent_id", "start"], kind="mergesort").reset_index(drop=True)
    got, expected = th.theme_hits(unordered, DICT), th.theme_hits(ordered, DICT)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["doc_id"].drop_duplicates().tolist() == sorted(names)


def test_a_phrase_never_spans_a_row_with_a_missing_sentence():
    toks = frame(["a"])
    toks["sent_id"] = toks["sent_id"].astype("Int64")
    toks.loc[1, "sent_id"] = pd.NA                               # 政策 of 政策 解读
    hits = th.theme_hits(toks, DICT)
    assert "政策 解读" not in hits.loc[hits["sent_id"].eq(0).to_numpy(dtype=bool, na_value=False), "term"].tolist()
    assert np.array_equal(hits["start"].to_numpy(), np.sort(hits["start"].to_numpy()))
