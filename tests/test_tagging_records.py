"""tag_records (plain dicts, no pandas) against the DataFrame path, and the indexed cue matching
against trying every cue, on the real reports of ../shared/corpus and the seed in data/."""

from __future__ import annotations

import csv
import dataclasses
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SEED, shared_or_skip

from govtext.corpus import TAG_COLUMNS, process_document
from govtext.tagging import (
    RuleTagger,
    _Lex,
    _mask,
    load_labels,
    tag_records,
    tag_sentences,
)

ROOT = Path(__file__).resolve().parents[1]


def _shared_reports() -> list[Path]:
    corpus = shared_or_skip() / "corpus"
    with open(corpus / "index.tsv", encoding="utf-8") as f:
        files = [row["file"] for row in csv.DictReader(f, delimiter="\t")]
    return [corpus / name for name in files]


@pytest.fixture(scope="module")
def shared_docs():
    paths = _shared_reports()
    docs = [process_document(str(p), f"shared/{p.stem}") for p in paths]
    assert len(docs) >= 20 and all(d.sentences for d in docs)
    return docs


@pytest.fixture(scope="module")
def seed_docs():
    paths = sorted((ROOT / "data" / "reports").glob("*"))
    assert SEED in paths
    return [process_document(str(p), p.stem) for p in paths]


def _frame_path(sentences: list[dict], doc_id: str, tagger="default") -> list[dict]:
    """What tag_records must equal: tag_sentences on a DataFrame of the same sentences."""
    df = pd.DataFrame([{"doc_id": doc_id, **s} for s in sentences])
    return tag_sentences(df, tagger)[TAG_COLUMNS].to_dict("records")


def _assert_same(got: list[dict], want: list[dict]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert list(g) == TAG_COLUMNS
        assert g == w, (g, w)
        assert [type(v) for v in g.values()] == [type(v) for v in w.values()], (g, w)
        assert type(g["score"]) is float and isinstance(g["label"], str) and isinstance(g["cues"], str)


# ----------------------------------------------------------------------------- records = DataFrame path
def test_tag_records_equals_frame_path_on_shared_corpus(shared_docs):
    n_issue = n_remedy = 0
    for d in shared_docs:
        got = tag_records(d.sentences, doc_id=d.doc_id)
        _assert_same(got, _frame_path(d.sentences, d.doc_id))
        n_issue += sum(r["label"] == "issue" for r in got)
        n_remedy += sum(r["label"] == "remedy" for r in got)
    assert n_issue > 20 and n_remedy > 20  # the comparison covered both labels, not only "other"


def test_tag_records_equals_frame_path_on_seed(seed_docs):
    for d in seed_docs:
        for tagger in ("default", "rules", RuleTagger()):
            _assert_same(tag_records(d.sentences, tagger, doc_id=d.doc_id), _frame_path(d.sentences, d.doc_id, tagger))


@pytest.mark.parametrize("tagger", ["learned", "combined"])
def test_tag_records_other_taggers_fall_back_to_frame_path(seed_docs, tagger):
    d = seed_docs[0]
    _assert_same(tag_records(d.sentences, tagger, doc_id=d.doc_id), _frame_path(d.sentences, d.doc_id, tagger))


def test_tag_records_builds_no_pandas_object(seed_docs, monkeypatch):
    d = seed_docs[0]
    want = tag_records(d.sentences, doc_id=d.doc_id)

    def refuse(*args, **kwargs):
        raise AssertionError("the rule path of tag_records built a pandas object")

    for name in ("DataFrame", "Series", "Index"):
        monkeypatch.setattr(pd, name, refuse)
    assert tag_records(d.sentences, doc_id=d.doc_id) == want


def test_tag_records_odd_input_equals_frame_path(seed_docs):
    sents = [dict(s) for s in seed_docs[0].sentences]
    in_order = {r["sent_id"]: r for r in tag_records(sents, doc_id="x")}
    shuffled = random.Random(3).sample(sents, len(sents))  # read in sent_id order, returned in input order
    got = tag_records(shuffled, doc_id="x")
    assert got == [in_order[s["sent_id"]] for s in shuffled]
    _assert_same(got, _frame_path(shuffled, "x"))
    as_floats = [{**s, "sent_id": float(s["sent_id"])} for s in shuffled]
    assert [r["cues"] for r in tag_records(as_floats, doc_id="x")] == [r["cues"] for r in got]
    # missing ids are read last; a sent_id is given back as the caller's own value (a DataFrame
    # would have made the column float, None NaN)
    unknown = [{**s, "sent_id": None if i % 4 == 0 else s["sent_id"]} for i, s in enumerate(shuffled)]
    got, want = tag_records(unknown, doc_id="x"), _frame_path(unknown, "x")
    assert [r["sent_id"] for r in got] == [s["sent_id"] for s in unknown]
    assert [{**r, "sent_id": 0} for r in got] == [{**r, "sent_id": 0} for r in want]
    # a sentence's own doc_id wins; two documents in one list are read apart
    two = [{**s, "doc_id": "a" if i % 3 else "b"} for i, s in enumerate(sents)]
    got = tag_records(two, doc_id="ignored")
    assert {r["doc_id"] for r in got} == {"a", "b"}
    _assert_same(got, tag_sentences(pd.DataFrame(two), "default")[TAG_COLUMNS].to_dict("records"))
    # missing values and keys: defaults as pandas' fillna gives them; only text given
    holes = [{k: v for k, v in s.items() if k != "kind" or i % 2} for i, s in enumerate(sents)]
    for i, s in enumerate(holes):
        if i % 5 == 0:
            s.update(section=None, sub_heading=None, enum=None, subsection=np.nan)
        if i % 7 == 0:
            s["section"] = 5 if i % 2 else "五"
    _assert_same(tag_records(holes, doc_id="h"), _frame_path(holes, "h"))
    # only text: sent_id is the position (as tag_sentences reads a frame without one)
    bare = [{"text": s["text"]} for s in sents]
    got = tag_records(bare, doc_id="t")
    assert [r["sent_id"] for r in got] == list(range(len(bare)))
    _assert_same(got, _frame_path([{"sent_id": i, **s} for i, s in enumerate(bare)], "t"))
    assert tag_records([]) == []


LEAD_IN_OUTSIDE_FIVE = [  # a lead-in outside section 五, in a part without a subsection, opens a run
    {"sent_id": i, "section": "2", "subsection": sub, "sub_heading": heading, "kind": kind, "enum": enum, "text": text}
    for i, (sub, heading, kind, enum, text) in enumerate([
        (None, "", "text", "", "本年度主动公开政府信息1200条。"),
        (None, "", "text", "", "工作中还存在以下问题："),
        (None, "", "text", "一是", "一是公开内容不够全面；"),
        (None, "", "text", "二是", "二是解读形式单一。"),
        (1, "（一）主动公开", "heading", "（一）", "（一）主动公开"),
        (1, "（一）主动公开", "text", "", "下一步将加强培训。"),
    ])
]


def test_context_runs_across_sentences_without_subsection():
    want = [("other", "past:本年度；past:1200条"), ("issue", "还存在；存在…问题；ctx:引语问题"),
            ("issue", "不够；全面；ctx:引语问题"), ("issue", "单一；ctx:引语问题"), ("other", ""), ("remedy", "下一步；加强")]
    as_floats = [{**s, "sent_id": float(s["sent_id"])} for s in LEAD_IN_OUTSIDE_FIVE]
    for sents in (LEAD_IN_OUTSIDE_FIVE, LEAD_IN_OUTSIDE_FIVE[::-1], as_floats[::-1]):
        got = tag_records(sents, doc_id="c")
        _assert_same(got, _frame_path(sents, "c"))  # the frame's subsection column is float with NaN
        assert sorted((r["sent_id"], r["label"], r["cues"]) for r in got) == [(i, *w) for i, w in enumerate(want)]
    # sentences without a sent_id are read after the others, in the order given
    unknown = [{**s, "sent_id": None} for s in LEAD_IN_OUTSIDE_FIVE[2:4]] + LEAD_IN_OUTSIDE_FIVE[:2]
    got = tag_records(unknown, doc_id="c")
    assert [(r["label"], r["cues"]) for r in got] == want[2:4] + want[:2]
    assert [{**r, "sent_id": 0} for r in got] == [{**r, "sent_id": 0} for r in _frame_path(unknown, "c")]


# ----------------------------------------------------------------------------- indexed cues = every cue tried
def _every_cue(cues, text: str) -> list[tuple[str, float, int, int]]:
    """Every cue tried on the text, as the tagger did before it indexed its lexicons."""
    hits = []
    for cue in cues:
        m = cue.pattern.search(text)
        if m and m.end() > m.start():
            hits.append((m.group(0) if cue.text.startswith("re:") else cue.text, cue.weight, m.start(), m.end()))
    hits.sort(key=lambda h: (h[2], -(h[3] - h[2])))
    kept = []
    for h in hits:
        if any(k[2] <= h[2] and h[3] <= k[3] and (h[3] - h[2]) < (k[3] - k[2]) <= 6 for k in kept):
            continue
        if any(k[2] == h[2] for k in kept):
            continue
        kept.append(h)
    return kept


def _lexical_every_cue(t: RuleTagger, text: str) -> _Lex:
    neg_hits = _every_cue(t._neg, text)
    masked = _mask(text, [(a, b) for *_, a, b in neg_hits])
    issue_hits = _every_cue(t._issue, masked)
    masked2 = _mask(masked, [(a, b) for *_, a, b in issue_hits])
    past_hits = _every_cue(t._past, masked)
    remedy_hits = _every_cue(t._future, masked2)
    n_future = len(remedy_hits)
    remedy_hits += _every_cue(t._action, masked2)
    return _Lex(
        issue=min(sum(h[1] for h in issue_hits), 5.0),
        future=min(sum(h[1] for h in remedy_hits[:n_future]), 5.0),
        action=min(sum(h[1] for h in remedy_hits[n_future:]), 4.0),
        past=min(sum(h[1] for h in past_hits), 5.0),
        neg=len(neg_hits),
        issue_cues=[h[0] for h in issue_hits],
        remedy_cues=[h[0] for h in sorted(remedy_hits, key=lambda h: h[2])],
        past_cues=[h[0] for h in past_hits],
        neg_cues=[h[0] for h in neg_hits],
    )


def _check_tagger(t: RuleTagger, texts: list[str]) -> int:
    fired = 0
    for text in texts:
        got, want = t.lexical(text), _lexical_every_cue(t, text)
        assert dataclasses.astuple(got) == dataclasses.astuple(want), text
        assert [type(v) for v in dataclasses.astuple(got)] == [type(v) for v in dataclasses.astuple(want)], text
        fired += bool(want.issue_cues or want.remedy_cues or want.past_cues or want.neg_cues)
        for group, cues in t._ctx.items():
            assert t._matches(group, text) == any(c.pattern.search(text) for c in cues), (group, text)
    return fired


def _random_texts(texts: list[str], n: int, seed: int = 0) -> list[str]:
    """Random strings over the corpus's characters, and random splices of its sentences."""
    rng = random.Random(seed)
    chars = sorted(set("".join(texts)) | set("□^$\\.\n不够存在问题未能将要了0123456789件"))
    out = ["".join(rng.choice(chars) for _ in range(rng.randint(0, 40))) for _ in range(n)]
    out += ["".join(rng.sample(texts, 2))[rng.randint(0, 10):][: rng.randint(2, 80)] for _ in range(n)]
    return out


def test_indexed_cues_equal_every_cue_on_real_text(shared_docs, seed_docs):
    texts = [s["text"] for d in shared_docs + seed_docs for s in d.sentences]
    texts += [s["sub_heading"] for d in shared_docs + seed_docs for s in d.sentences if s["sub_heading"]]
    texts += load_labels(ROOT / "data" / "labels" / "sentences.tsv")["text"].tolist()
    texts = sorted(set(texts))
    fired = _check_tagger(RuleTagger(), texts + _random_texts(texts, 1500))
    assert fired > len(texts) // 3


CUSTOM = {
    "issue_cues": ["不够", "存在…问题\t2", "…有待", "re:(?<![为除])了(?![解如])", "re:(?:^|[，,])仍[^。]{0,4}",
                   "re:\\d+件", "re:[a-c]x|y[^z]", "re:(?i)ab", "re:(?i:cd)e", "re:x*", "re:(a)\\1", "re:□不",
                   "re:(?:不|未)(?:够|能)", "re:(?=不)不足", "re:\\b要", "re:(?P<g>将)(?P=g)", "re:.足", "不不"],
    "negation_cues": ["不断", "re:未(?:发生|出现)", "re:无[^，。]{0,6}情形"],
    "past_cues": ["已", "re:(?:于|在)20\\d\\d年"],
    "remedy_cues": ["## future", "下一步", "re:将(?=继续|进一步)", "## action", "加强", "re:强化|完善"],
    "context_cues": ["## issue_leadin", "re:存在(?:以下|如下)?问题[：:]", "## remedy_leadin", "re:(a)\\1",
                     "re:措施[：:]", "## done_leadin", "re:(?i)done", "## issue_heading", "问题"],
}


def test_indexed_cues_equal_every_cue_with_custom_lexicons(seed_docs):
    texts = sorted({s["text"] for d in seed_docs for s in d.sentences})
    texts += ["aax", "yq", "ABe", "cDe", "重要的要", "仍不够了解", "□不够", "将进一步加强", "存在以下问题：不足",
              "未发生，无不予公开情形", "于2023年已完成", "将将", "3件", "DONE", "\n仍需"]
    assert _check_tagger(RuleTagger(**CUSTOM), texts + _random_texts(texts, 800, seed=1)) > 50


def test_custom_cue_with_mask_character_still_fires():
    t = RuleTagger(negation_cues=["不断"], issue_cues=["re:□加强", "断"])
    # 不断 is masked to □□ before issue cues are matched: a cue that needs □ must still see it
    lex = t.lexical("不断加强")
    assert lex == _lexical_every_cue(t, "不断加强")
    assert lex.issue_cues == ["□加强"]


def test_regex_cues_without_a_known_character_are_tried_everywhere():
    t = RuleTagger(issue_cues=["re:\\w+不足", "re:[^。]不足", "re:\\d{2,}", "re:.{3}"], negation_cues=[])
    for text in ["工作不足", "a不足", "不足", "。不足", "12", "١٢", "abc"]:
        assert t.lexical(text) == _lexical_every_cue(t, text), text
    assert t.lexical("工作不足").issue_cues == ["工作不足"]
    assert t.lexical("١٢").issue_cues == ["١٢"]  # \d is any decimal digit
