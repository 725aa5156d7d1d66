"""Normalise the text of a report so that every later stage sees one form.

The normalised text is what govtext keeps and writes out: every ``start``/``end``
offset in every output table indexes into it (``text[start:end]``).

What normalisation does, in order:

1. line ends to ``\\n``; zero-width characters and BOMs removed; NBSP and the
   ideographic space to a plain space;
2. traditional characters to simplified (OpenCC ``t2s``), only when the text
   contains traditional characters;
3. scraper residue such as ``<!--[if !supportLists]-->`` removed; full-width ASCII letters, digits and ``％`` to half-width; ASCII round
   brackets to the Chinese ``（）`` so that ``(一)`` and ``（一）`` are one form;
4. page-number lines (``- 1 -``, ``— 2 —``, ``第 3 页``) dropped;
5. lines broken by page layout inside a sentence rejoined (``政府信\\n\\n息依申请公开``),
   while headings, table rows (lines with tabs) and paragraph ends are kept;
6. spaces between a number and its unit removed (``3927 件`` → ``3927件``,
   ``2022 年`` → ``2022年``) and spaces next to Chinese punctuation dropped; other
   spaces stay, since scraped pages use them to separate headings from text;
7. blank lines removed: one line is one paragraph, heading or table row.

>>> line = "一是充分发挥政府网站和政务新媒体平台作用，不断扩大各项政策及工作的知晓面，坚持多渠道、多形式开展信息公开工作，主要依托县政府门户网站开设了政府信"
>>> normalize_text(line + "\\n\\n息依申请公开栏目，全年受理 9 件。").endswith("开设了政府信息依申请公开栏目，全年受理 9件。")
True
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

__all__ = ["normalize_text", "to_simplified", "has_traditional"]

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = {0x00A0: " ", 0x3000: " ", 0x2002: " ", 0x2003: " ", 0x2009: " "}
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH.update({0xFF05: "%", 0xFF0E: "."})  # ％ ．
_TABLE = {**_ZERO_WIDTH, **_SPACES, **_FULLWIDTH}
# str.translate looks up every character; these characters are rare, so only their runs are translated
# ("[…][…]*" rather than "[…]+": the regex engine then skips ahead by the first character's set)
_TABLE_RUN = re.compile("[{0}][{0}]*".format("".join(re.escape(chr(c)) for c in sorted(_TABLE))))

# Characters that exist only in traditional script and are common in these
# reports; their presence is what triggers the (slow) OpenCC conversion.
_TRADITIONAL_MARKERS = frozenset(
    "與會區開資訊關於將為這個報務機處網頁條數據說請應當們發員來時實際經過還進統計標準"
    "錄歸檔審議項決劃總體況層級範復訴導組織監題問點難檢業規費減樣辦議論權"
)

_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})\s*$"
)
# A line that starts like a heading or a list item: it must not be glued to
# the line before it.
_LINE_START_MARKER = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]"
    r"|\d{1,2}\s*[、.．](?!\d)|第[一二三四五六七八九十]+[章节部分条]|附件|附表)"
)
_SENTENCE_END = "。！？；：!?;:…"
_HTML_RESIDUE = re.compile(r"<!--.*?-->|<!\[[^\]]*\]>|<[a-zA-Z/][^<>\n]{0,200}>")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_JOINABLE_START = re.compile(rf"[{_CJK}\d“（《、，]")
_UNIT_AFTER_NUMBER = "年月日号件条次个人万亿元家期场篇项户份批余多%‰倍类名所套起例"
# Space runs to delete, applied to the whole text in this order. Each pattern begins with a literal
# space (lookbehinds placed after it) so that the regex engine skips quickly to the next space.
_SPACE_DROPS = [re.compile(rx) for rx in (
    r"  *(?=[，。、：；！？）】》”])",  # before closing punctuation
    r" (?<=[（【《“] ) *",  # after opening punctuation
    rf" (?<=\d ) *(?=[{_UNIT_AFTER_NUMBER}])",  # between a number and its unit
    r" (?<=\d[年月] ) *(?=\d{1,2}[月日])",  # inside a date
)]
_MULTI_SPACE = re.compile(r"  +")
_EDGE_SPACES = [re.compile(r"  *(?=[\t\n])"), re.compile(r" (?<=[\t\n] ) *")]  # at line and cell edges


def has_traditional(text: str) -> bool:
    """True when ``text`` contains characters found only in traditional script.

    >>> has_traditional("政府資訊公開"), has_traditional("政府信息公开")
    (True, False)
    """
    return _traditional_rx().search(text) is not None


@lru_cache(maxsize=1)
def _traditional_rx() -> re.Pattern:
    return re.compile("[" + "".join(re.escape(ch) for ch in sorted(_TRADITIONAL_MARKERS)) + "]")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC  # opencc-python-reimplemented; imported lazily (slow)

    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified ones (OpenCC ``t2s``).

    >>> to_simplified("政府資訊公開")
    '政府资讯公开'
    """
    return _t2s().convert(text)


def _typical_width(lines: list[str]) -> float:
    """The width of a full line when the text is wrapped at a fixed width, else infinity.

    A wrapped layout (PDF text, converted Markdown) has many lines of (nearly) one length that
    end mid-sentence; once they are rejoined that cluster is gone, which keeps normalisation
    idempotent. A page is at least 20 characters wide, so a run of equal headings is no layout.
    """
    counts = Counter(len(s) for s in lines
                     if len(s) >= 8 and "\t" not in s and s.rstrip()[-1] not in _SENTENCE_END)
    total = sum(counts.values())
    if total < 5:
        return float("inf")
    best_len, best = max(((n, counts[n] + counts[n - 1]) for n in counts), key=lambda x: (x[1], x[0]))
    if best_len < 20 or best < max(5, 0.2 * total):
        return float("inf")
    return float(best_len)


def _should_join(prev: str, nxt: str, width: float) -> bool:
    if not prev or not nxt or "\t" in prev or "\t" in nxt:
        return False
    if prev[-1] in _SENTENCE_END or _LINE_START_MARKER.match(nxt):
        return False
    if prev[-1] in "”’" and len(prev) > 1 and prev[-2] in _SENTENCE_END:
        return False
    if not _JOINABLE_START.match(nxt):
        return False
    if prev[-1] in "，、（“《":
        return True
    if width != float("inf") and _LINE_START_MARKER.match(prev) and len(prev) < width - 2:
        return False  # a heading: shorter than a full line
    # A short line that ends without punctuation is a title or heading; a long
    # one was cut by the page or by the column width.
    return len(prev) >= min(60.0, 0.8 * width)


def _rejoin_lines(text: str) -> str:
    lines = [ln.strip(" ") for ln in text.split("\n")]
    lines = [ln for ln in lines if not _PAGE_NUMBER.match(ln)]
    width = _typical_width(lines)
    out: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        if out and _should_join(out[-1], line.lstrip(), width):
            out[-1] = out[-1] + line.lstrip()
        else:
            out.append(line)
    return "\n".join(out)


def _tidy_spaces(text: str) -> str:
    """Drop spaces next to Chinese punctuation, between a number and its unit, inside dates and
    at the edges of lines and table cells; other runs of spaces become one space."""
    if " " not in text:
        return text
    for rx in _SPACE_DROPS:
        text = rx.sub("", text)
    text = _MULTI_SPACE.sub(" ", text)
    for rx in _EDGE_SPACES:
        text = rx.sub("", text)
    return text.strip(" ")


def normalize_text(text: str) -> str:
    """Return the normalised form of a report's text (see the module docstring).

    Idempotent: ``normalize_text(normalize_text(t)) == normalize_text(t)``.

    >>> normalize_text("全年受理 3927 件（其中咨询类 161 件）")
    '全年受理 3927件（其中咨询类 161件）'
    """
    out = _normalize_once(text)
    for _ in range(5):  # joining lines changes the typical width, which can allow more joins: reach a fixpoint
        again = _normalize_once(out)
        if again == out:
            break
        out = again
    return out


def _normalize_once(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = text.replace("(", "（").replace(")", "）")
    text = _TABLE_RUN.sub(lambda m: m[0].translate(_TABLE), text)
    if "<" in text:
        text = _HTML_RESIDUE.sub("", text)  # comment and tag residue left by scrapers and converters
    if has_traditional(text):
        text = to_simplified(text)
    # every line kept by _rejoin_lines has a character that is not whitespace: none becomes empty here
    return _tidy_spaces(_rejoin_lines(text))
