"""Tokenizers: domain dictionary, independence from jieba's globals, fast backend identical to jieba."""

from __future__ import annotations

import pytest

from govtext.segment import Tokenizer


def test_domain_words_stay_whole():
    tokens = Tokenizer().cut("通过12345政务服务热线和政务新媒体受理依申请公开事项")
    assert "12345政务服务热线" in tokens and "政务新媒体" in tokens and "依申请公开" in tokens


def test_two_tokenizers_are_independent_and_jieba_global_untouched():
    import jieba

    before = jieba.lcut("政务公开领导小组办公室")
    plain = Tokenizer(user_dict=[])
    custom = Tokenizer(user_dict=["领导小组办公室 50000"])
    assert "领导小组办公室" in custom.cut("政务公开领导小组办公室")
    assert "领导小组办公室" not in plain.cut("政务公开领导小组办公室")
    assert jieba.lcut("政务公开领导小组办公室") == before
    assert plain.dictionary_hash != custom.dictionary_hash


def test_words_keep_negation_and_drop_stopwords():
    words = Tokenizer().words("公开的内容不全面，信息更新不及时。")
    assert "不" in words or "不及时" in words
    assert "的" not in words and "，" not in words


def test_rjieba_gives_the_same_tokens_as_jieba(shared_corpus, seed_corpus):
    pytest.importorskip("rjieba")
    slow, fast = Tokenizer(), Tokenizer(backend="rjieba")
    texts = [seed_corpus.text(d) for d in seed_corpus.doc_ids] + \
        [shared_corpus.text(d) for d in shared_corpus.doc_ids]
    assert len(texts) == 22
    for text in texts:
        assert fast.cut(text) == slow.cut(text)


def _constructed_strings(n: int = 2000) -> list[str]:
    """Random mixes of Han characters (inside and beyond jieba's range), ASCII word characters,
    punctuation, spaces and line breaks (CR LF included): constructed, not taken from any report."""
    import random

    rng = random.Random(7)
    alphabet = (list("政府信息公开申请办理情况年度报告行政复议诉讼㐀䶵鿕鿖豈") + list("abcXYZ0123456789+#&._%-")
                + list(" \t\n\r，。；：、！？（）《》,.;:!?()[]/'\"—…·　") + ["\r\n"])
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(n)]


@pytest.mark.parametrize("backend", ["jieba", "rjieba"])
def test_remembered_pieces_give_exactly_the_tokens_of_one_whole_text_call(backend, shared_corpus, seed_corpus,
                                                                          monkeypatch):
    if backend == "rjieba":
        pytest.importorskip("rjieba")
    import govtext.segment as S

    monkeypatch.setattr(S, "_MEMO_PIECES", 500)  # forces the memory bound to be hit and the memo cleared
    tok = Tokenizer(backend=backend)
    texts = [seed_corpus.text(d) for d in seed_corpus.doc_ids] + \
        [shared_corpus.text(d) for d in shared_corpus.doc_ids] + _constructed_strings()
    for text in texts + texts[:22]:  # the second pass reads remembered pieces
        assert tok.cut(text) == list(tok._cut_piece(text)), text[:80]
    assert 0 < len(tok._memo) <= 500
    if backend == "jieba":  # and _cut_piece is jieba's own call on the whole text
        assert tok.cut(texts[0]) == tok._load().lcut(texts[0], HMM=True)


def test_changing_hmm_after_use_is_not_served_from_the_memo():
    text = "我们在杭研大厦开会，杭研大厦很高。"
    tok = Tokenizer()
    with_hmm = tok.cut(text)
    tok.hmm = False
    assert tok.cut(text) == Tokenizer(hmm=False).cut(text) != with_hmm
