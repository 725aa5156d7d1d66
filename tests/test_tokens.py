"""Token rows: each token of the one segmentation of a text, given to the prose sentence it lies in."""

from __future__ import annotations

import random
from types import SimpleNamespace

from govtext.corpus import _tokens_of
from govtext.segment import Tokenizer


def _expected_rows(text: str, sentences: list[dict], tok: Tokenizer) -> list[tuple]:
    """The rule, character by character: every non-space token character inside a prose sentence
    belongs to that sentence, and a token's characters in one sentence form one row."""
    owner = [None] * len(text)
    for s in sentences:
        if s["kind"] != "table":
            for k in range(s["start"], s["end"]):
                owner[k] = s["sent_id"]
    rows, pos = [], 0
    for token in tok.cut(text):
        a, b = pos, pos + len(token)
        pos = b
        if token.isspace():
            continue
        k = a
        while k < b:
            if owner[k] is None:
                k += 1
                continue
            j = k
            while j < b and owner[j] == owner[k]:
                j += 1
            rows.append((owner[k], text[k:j], k, j))
            k = j
    return rows


def _rows(columns: dict) -> list[tuple]:
    return list(zip(columns["sent_id"], columns["token"], columns["start"], columns["end"]))


def test_token_rows_follow_the_sentences_on_real_reports(shared_corpus, seed_corpus):
    tok = Tokenizer()
    for corpus in (seed_corpus, shared_corpus):
        for doc_id in corpus.doc_ids:
            d = corpus._documents[doc_id]
            assert _rows(_tokens_of(d, tok)) == _expected_rows(d.text, d.sentences, tok), doc_id


def test_token_rows_when_sentence_boundaries_fall_inside_tokens(seed_corpus):
    """Constructed sentence spans over the seed's text: boundaries inside words, gaps between
    sentences and table rows, so tokens are cut at sentence ends and tails go to the next sentence."""
    tok = Tokenizer()
    text = seed_corpus.text(seed_corpus.doc_ids[0])
    rng = random.Random(5)
    bounds, pos = {0}, 0
    for token in tok.cut(text):
        pos += len(token)
        bounds.add(pos)
    split = 0
    for _ in range(40):
        cuts = sorted({rng.randrange(len(text)) for _ in range(rng.randint(1, 120))}) + [len(text)]
        sentences, prev = [], 0
        for x in cuts:
            start = prev + (rng.randint(1, 3) if rng.random() < 0.3 else 0)  # sometimes a gap
            if start < x:
                kind = rng.choice(["prose", "prose", "heading", "table"])
                sentences.append({"start": start, "end": x, "sent_id": len(sentences), "kind": kind})
            prev = x
        d = SimpleNamespace(text=text, sentences=sentences)
        got = _rows(_tokens_of(d, tok))
        assert got == _expected_rows(text, sentences, tok)
        split += sum(1 for _, _, a, b in got if a not in bounds or b not in bounds)
    assert split > 0  # tokens cut at a sentence boundary did occur
