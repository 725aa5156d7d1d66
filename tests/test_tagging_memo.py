"""The rule tagger remembers what a sentence's own text says (bounded memo): tagging must give the
same records whatever the memo holds, on the real reports of ../shared/corpus and the seed."""

from __future__ import annotations

import pytest

from govtext import tagging
from govtext.tagging import RuleTagger, tag_records


def _forget() -> None:
    lx = RuleTagger()._lx
    lx.facts.clear()
    lx.heading_modes.clear()
    lx.scores.clear()


def _tag_all(docs) -> list[list[dict]]:
    return [tag_records(d.sentences, doc_id=d.doc_id) for d in docs]


@pytest.fixture(scope="module")
def docs(shared_corpus, seed_corpus):
    out = [*shared_corpus._documents.values(), *seed_corpus._documents.values()]
    assert len(out) >= 20 and sum(len(d.sentences) for d in out) > 1000
    return out


def test_records_do_not_depend_on_the_memo(docs, monkeypatch):
    # reference: a memo of one entry, emptied before every document (next to no reuse)
    monkeypatch.setattr(tagging, "_MEMO_SIZE", 1)
    want = []
    for d in docs:
        _forget()
        want.append(tag_records(d.sentences, doc_id=d.doc_id))
        assert len(RuleTagger()._lx.facts) <= 1
    monkeypatch.undo()
    _forget()
    assert _tag_all(docs) == want  # cold: repeats within and across reports hit
    assert len(RuleTagger()._lx.facts) > 100
    assert _tag_all(docs) == want  # warm: every text hits
    assert _tag_all(docs[::-1]) == want[::-1]  # filled by other reports first
    monkeypatch.setattr(tagging, "_MEMO_SIZE", 7)  # emptied again and again while tagging
    _forget()
    assert _tag_all(docs) == want
    assert len(RuleTagger()._lx.facts) <= 7


def test_same_text_in_other_contexts():
    text = "信息发布不够及时。"

    def doc(heading: str) -> list[dict]:
        return [{"sent_id": 0, "section": "5", "subsection": 1, "sub_heading": heading, "kind": "heading",
                 "text": heading},
                {"sent_id": 1, "section": "5", "subsection": 1, "sub_heading": heading, "kind": "text", "text": text},
                {"sent_id": 2, "section": "2", "kind": "heading", "text": text},
                {"sent_id": 3, "section": "2", "kind": "text", "text": text}]

    for _ in range(2):  # the second time from the memo
        issue, remedy = tag_records(doc("（一）存在的问题")), tag_records(doc("（二）改进措施"))
        assert [(r["label"], r["cues"]) for r in issue] == [
            ("other", "存在…问题；kind:heading"), ("issue", "不够；ctx:五（一）问题"),
            ("other", "不够；kind:heading"), ("other", "不够")]
        assert [(r["label"], r["cues"]) for r in remedy] == [
            ("other", "kind:heading"), ("issue", "不够；ctx:五（一）措施"),
            ("other", "不够；kind:heading"), ("other", "不够")]
        assert issue[1]["score"] > remedy[1]["score"]
        assert issue[3] == remedy[3]


def test_a_subclass_never_shares_the_memos_of_rule_tagger(docs):
    """A tagger that overrides what is remembered (here the scores) keeps its own memos: tagging with it
    first must not change what RuleTagger gives afterwards."""

    class AlwaysRemedy(RuleTagger):
        def _score(self, lex, ctx_mode, in5, section):
            return 0.0, 10.0, 0.0

    _forget()
    want = [tagging.tag_sentences(_frame(d), RuleTagger())["label"].tolist() for d in docs[:5]]
    _forget()
    theirs = [tagging.tag_sentences(_frame(d), AlwaysRemedy())["label"].tolist() for d in docs[:5]]
    assert sum(labels.count("remedy") for labels in theirs) > sum(labels.count("remedy") for labels in want)
    assert [tagging.tag_sentences(_frame(d), RuleTagger())["label"].tolist() for d in docs[:5]] == want
    assert any("other" in labels for labels in want)


def _frame(d):
    import pandas as pd

    return pd.DataFrame([{"doc_id": d.doc_id, **s} for s in d.sentences])
