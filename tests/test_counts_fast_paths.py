"""The fast paths of count extraction give exactly what their plain forms give.

Each helper made faster (the number search, the filter that skips text without a count, the
quotation spans, the bracket depths, the number parser, the sections passed in) is checked
against the plain form it replaces, on random text built from the characters that matter.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from govtext.corpus import process_document
from govtext.counts import (
    _MAX_QUOTE,
    _OPEN_QUOTES,
    _depths,
    _layout,
    _merge,
    _quoted_spans,
    _vocab,
    check_narrative_records,
    count_records,
    parse_number,
)
from govtext.sections import find_sections

ROOT = Path(__file__).resolve().parents[1]

_UNITS = sorted(_vocab().unit_class)
_PIECES = st.sampled_from(
    ["1", "23", "1,295", "0.5", "2023", "十", "十二", "两", "三百", "一千", "二〇二二", "百分之五", "三点五", "万", "亿",
     "千", "余", "多", "至", "-", "~", "年", "第", "，", "。", " ", "\n", "x", "进一步", "其中", "在", "中，", "（", "）",
     "《", "》", "“", "”", "\t"] + _UNITS)
_TEXT = st.lists(_PIECES, max_size=14).map("".join)


def _plain_scan(text: str, lo: int, hi: int) -> list:
    """The matches of the number pattern from lo, each search resuming where a number ended."""
    out, pos, number = [], lo, _vocab().number
    while pos < hi:
        m = number.match(text, pos, hi)
        if m is None:
            pos += 1
            continue
        out.append((m.span(), m.groups()))
        pos = m.end()
    return out


def _counts_at_all(text: str, lo: int, hi: int) -> bool:
    """Whether the number pattern finds a number that is not bare (unit, 余/多, scale, range, 万/亿 ending)."""
    for (a, b), groups in _plain_scan(text, lo, hi):
        m = _vocab().number.match(text, a, hi)
        if not (m.end("n") == b and text[b - 1] not in "万亿"):
            return True
    return False


@settings(derandomize=True, max_examples=1500, deadline=None)
@given(_TEXT, st.integers(0, 6), st.integers(0, 6))
def test_number_scan_and_may_count_are_exact(text, cut_lo, cut_hi):
    v = _vocab()
    lo, hi = min(cut_lo, len(text)), max(min(cut_lo, len(text)), len(text) - cut_hi)
    fast = [(m.span(), m.groups()) for m in v.number_scan.finditer(text, lo, hi)]
    assert fast == _plain_scan(text, lo, hi)
    if _counts_at_all(text, lo, hi):
        assert v.may_count.search(text, lo, hi), text[lo:hi]


def _plain_quoted(text: str) -> list[tuple[int, int]]:
    out = []
    for i, ch in enumerate(text):
        if ch in _OPEN_QUOTES:
            j = text.find(_OPEN_QUOTES[ch], i + 1, i + 2 + _MAX_QUOTE)
            if j > 0 and "\n" not in text[i:j]:
                out.append((i + 1, j))
    return _merge(out)  # the spans are what is tested; merging them is counts' own


@settings(derandomize=True, max_examples=1000, deadline=None)
@given(st.text(alphabet="《》〈〉“”‘’「」ab\n", max_size=120))
def test_quoted_spans_are_exact(text):
    assert _quoted_spans(text) == _plain_quoted(text)


def test_quoted_spans_length_limit():
    inner = "a" * _MAX_QUOTE
    assert _quoted_spans(f"《{inner}》") == [(1, _MAX_QUOTE + 1)]
    assert _quoted_spans(f"《{inner}a》") == []


def _plain_depths(text: str, lo: int, hi: int) -> list[int]:
    out, d = [], 0
    for ch in text[lo:hi]:
        out.append(d)
        if ch in "（(":
            d += 1
        elif ch in "）)" and d > 0:
            d -= 1
    out.append(d)
    return out


@settings(derandomize=True, max_examples=1000, deadline=None)
@given(st.text(alphabet="（()）ab", max_size=40), st.integers(0, 42), st.integers(0, 42))
def test_depths_are_exact(text, lo, hi):  # offsets, never negative
    assert _depths(text, lo, hi) == _plain_depths(text, lo, hi)


@settings(derandomize=True, max_examples=1000, deadline=None)
@given(st.from_regex(r"\A(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\Z"))
def test_parse_number_fast_paths_are_exact(s):
    assert parse_number(s) == float(Decimal(s.replace(",", "")))


def test_sections_passed_in_give_the_same_records():
    for path in sorted((ROOT / "data" / "reports").iterdir()):
        d = process_document(str(path), path.stem)
        spans = [(s["start"], s["end"]) for s in d.sentences]
        ids = [s["sent_id"] for s in d.sentences]
        _layout.cache_clear()
        plain = count_records(d.text, d.doc_id, spans=spans, sent_ids=ids)
        _layout.cache_clear()
        given_ = count_records(d.text, d.doc_id, spans=spans, sent_ids=ids, sections=find_sections(d.text))
        assert given_ == plain
        assert (check_narrative_records(plain, d.text, sections=d.sections)
                == check_narrative_records(plain, d.text))
