"""Narrative counts: every quantity stated in the prose of a report, and the arithmetic checks on them.

:func:`extract_counts` finds numbers with a measure word (``3927件``, ``7.1万余条``,
``98%``, ``202万元``, ``一千二百三十四件``, ``百分之十二点五``, ``3至5个``) in running text
and returns one row per quantity. Statistical tables are not prose: lines with a
tab and the flattened tables of scraped pages (from ``第二十条第（一）项``,
``本列数据的勾稽关系`` … to the end of their section, see
``resources/table_markers.tsv``) are skipped. So are numbers that are not counts:
ordinals (``第二十条``, ``第二批``), 文号 (``互政办函〔2022〕55号``), dates and years,
phone numbers, postcodes, hotline names (``12345政务服务热线``), e-mail addresses and
URLs, and numbers inside 《》 titles or short “” quotations.

Columns of the table :func:`extract_counts` returns (also in
``resources/codebook.tsv``):

- ``doc_id``, ``sent_id``: the document, and the id of the sentence span the count
  lies in (``None`` when no spans are given); ``section``: statutory section id
  (see :mod:`govtext.sections`).
- ``start``, ``end``, ``raw``: ``text[start:end] == raw`` always. ``raw`` is the
  number with its scale, 余/多, measure word and a trailing 以上/左右; a qualifier
  written before the number (约, 近, 超过 …) is not in ``raw``.
- ``value``: the number with 万/亿 multiplied out (``7.1万余条`` → 71000), except
  money, which keeps its scale in ``unit`` as the statistical tables do
  (``202万元`` → 202, ``万元``). Percentages are in percent (``98%`` → 98).
  ``<NA>`` for a range.
- ``value_low``, ``value_high``: the two ends of a range (``3至5个``), else ``<NA>``.
- ``unit``: the measure word (条 件 次 人次 家 个 … 元 万元 亿元 %); ``""`` for a bare
  number with 万/亿 and no measure word (``总浏览量为536万``).
- ``qualifier``: ``""`` (exact), 余 (余/多: a little more than), 约 (约/左右), 近,
  超过, 以上, 不足, 以内, or 范围 for a range; two joined by ``+`` when written on
  both sides.
- ``cumulative``: the clause says 累计/累积/历年, or the sentence 截至 a date.
- ``kind``: ``count``; ``money`` (元, 万元, 亿元); ``rate`` (a % whose metric ends in
  率 or 度: 办结率98%, 满意度99%); ``share`` (any other %: 占38.27%, ``208件（17.46%）``,
  其中47%); ``change`` (a % after 增长/下降 …, a count after 同比/较上年 … 增加/减少,
  and any ``N个百分点``, unit 百分点);
  ``duration`` (天, 小时, 个工作日 …).
- ``direction``: for a change, ``+`` (增长, 增加 …) or ``-`` (下降, 减少 …); else ``""``.
- ``role``: ``total`` for a count followed by 其中 (or ``在…的N条…中，``) and parts
  of it, or by a bracket ``（含…N件）``; ``part`` for those parts (a part may have parts
  of its own); ``""`` otherwise. ``part_of``: the ``start`` of the total a part
  belongs to. Sum only rows with ``role != "part"`` to avoid counting a thing twice.
- ``qualifier`` also reads 约/近/超过 written before the number; the tolerance the
  checks give each qualifier is in :func:`_interval`.
- ``metric_raw``: the words naming what is counted: the noun after the measure
  word when there is one (``25家成员单位`` → 成员单位), else the clause before the
  number, trimmed of connectives, time phrases and 达/为/共 (``其中政府网站公开6349条``
  → 政府网站公开). A share, change or rate whose clause names nothing takes the
  ``metric_raw`` of the count it qualifies (``1397条，占73%``).
- ``metric``: ``metric_raw`` normalised to the vocabulary in
  ``resources/metrics.tsv`` (主动公开信息数, 依申请公开数量, 群众诉求, 信箱来信, 办结率,
  网站访问量 …), ``<NA>`` when no entry fits or the clause is an enumeration ending in 等.

>>> df = extract_counts("本年度受理群众诉求3927件，其中咨询类161件、求助类2836件。办结率98%。")
>>> df[["raw", "value", "unit", "kind", "metric_raw"]].values.tolist()
[['3927件', 3927.0, '件', 'count', '受理群众诉求'], ['161件', 161.0, '件', 'count', '咨询类'], ['2836件', 2836.0, '件', 'count', '求助类'], ['98%', 98.0, '%', 'rate', '办结率']]
>>> extract_counts("发布总量达7.1万余条")[["value", "unit", "qualifier"]].values.tolist()
[[71000.0, '条', '余']]

:func:`check_narrative` checks the prose against itself (parts stated after 其中
against their total; a stated share or rate against the counts it is computed
from) and :func:`check_narrative_vs_tables` checks it against table 三.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from operator import itemgetter, sub

import pandas as pd

from .checks import _missing, check_frame, frame_records
from .resources import read_resource_lines
from .sections import find_sections

__all__ = [
    "COUNT_COLUMNS",
    "CHECK_COLUMNS",
    "extract_counts",
    "count_records",
    "count_frame",
    "check_narrative_records",
    "check_narrative_vs_tables_records",
    "parse_number",
    "check_narrative",
    "check_narrative_vs_tables",
    "TABLE_COMPARISONS",
    "table_spans",
]

COUNT_COLUMNS = [
    "doc_id", "sent_id", "section", "start", "end", "raw", "value", "value_low", "value_high",
    "unit", "qualifier", "cumulative", "kind", "direction", "role", "part_of", "metric", "metric_raw",
]
CHECK_COLUMNS = ["doc_id", "check", "expected", "observed", "ok", "detail", "cells"]

# --------------------------------------------------------------------------- numbers
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10**4, "亿": 10**8}
_SCALES = {"千": 1000, "万": 10**4, "亿": 10**8, "百万": 10**6, "千万": 10**7, "万亿": 10**12}
_CN_NUM_CHARS = "零〇一二两三四五六七八九十百千万亿"
_AR_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_CN_NUM = rf"[{_CN_NUM_CHARS}]+(?:点[零〇一二三四五六七八九]+)?"
_ARABIC_NUMBER = re.compile(rf"({_AR_NUM})(千万|百万|万亿|万|亿|千)?")


def _cn_integer(s: str) -> int | None:
    """Value of a Chinese integer numeral (一千二百三十四, 两万, 二〇二二), or None when malformed or ambiguous."""
    if not s:
        return None
    if all(c in _CN_DIGITS for c in s):
        if len(s) == 1:
            return _CN_DIGITS[s]
        # digit-by-digit reading (二〇二二) only with a zero in it: 七八 is "7 or 8", not 78
        if "〇" in s or "零" in s:
            return int("".join(str(_CN_DIGITS[c]) for c in s))
        return None
    total = section = 0
    digit: int | None = None
    last_small = 10**4  # multipliers inside a group must fall: 千 > 百 > 十
    seen_wan = seen_yi = after_zero = False
    prev = ""
    for c in s:
        if c in _CN_DIGITS:
            d = _CN_DIGITS[c]
            if digit is not None:
                return None  # two digits in a row (三五, 三零)
            if d == 0:
                after_zero = True
            else:
                digit = d
        elif c in _CN_SMALL:
            u = _CN_SMALL[c]
            if u >= last_small:
                return None
            if digit is None:
                if u != 10 or section or total or after_zero:
                    return None
                digit = 1  # 十二 = 12
            section += digit * u
            digit, last_small, after_zero = None, u, False
        elif c == "万":
            if digit is not None:
                section += digit
                digit = None
            if not section or seen_wan:
                return None
            total += section * 10**4
            section, last_small, seen_wan, after_zero = 0, 10**4, True, False
        elif c == "亿":
            if digit is not None:
                section += digit
                digit = None
            if not (total + section) or seen_yi:
                return None
            total = (total + section) * 10**8
            section, last_small, seen_wan, seen_yi, after_zero = 0, 10**4, False, True, False
        else:
            return None
        prev = c
    if digit is not None:
        # 三万五 / 三百二 are colloquial (35000 / 320) and ambiguous: refuse them
        if len(s) >= 2 and s[-2] in "百千万亿" and not after_zero:
            return None
        section += digit
    del prev
    return total + section


def parse_number(s: str) -> float | None:
    """The value of an Arabic or Chinese numeral, with 万/亿 multiplied out; None if it is not one.

    Handles thousands separators, decimals, a trailing scale (万 亿 千 百万 千万 万亿),
    Chinese numerals with 点 decimals, and 百分之 (returned in percent).

    >>> [parse_number(s) for s in ["3927", "7.1万", "1,295", "3.5亿", "一千二百三十四", "两万五千", "百分之十二点五", "十二"]]
    [3927.0, 71000.0, 1295.0, 350000000.0, 1234.0, 25000.0, 12.5, 12.0]
    >>> parse_number("二〇二二"), parse_number("七八"), parse_number("万"), parse_number("abc")
    (2022.0, None, None, None)
    """
    if not isinstance(s, str):
        return None
    s = s.strip()
    if not s:
        return None
    if s.startswith("百分之"):
        return parse_number(s[3:])
    if s.isdecimal():  # the common case: what the Decimal below gives
        return float(s)
    m = _ARABIC_NUMBER.fullmatch(s)
    if m and not m.group(2):
        return float(m.group(1).replace(",", ""))  # what float(Decimal(...)) gives
    if m:
        try:
            d = Decimal(m.group(1).replace(",", ""))
        except InvalidOperation:
            return None
        if m.group(2):
            d *= _SCALES[m.group(2)]
        return float(d)
    if "点" in s:
        whole, _, frac = s.partition("点")
        if not frac or any(c not in _CN_DIGITS for c in frac):
            return None
        w = _cn_integer(whole) if whole else 0
        if w is None:
            return None
        return float(Decimal(w) + Decimal("0." + "".join(str(_CN_DIGITS[c]) for c in frac)))
    v = _cn_integer(s)
    return None if v is None else float(v)


# --------------------------------------------------------------------------- resources
class _Suffixes:
    """Which word of a list a string ends with: the first in list order (one dict look-up per word length)."""

    def __init__(self, words):
        self.words = tuple(words)
        self._index: dict[str, int] = {}
        for i, w in enumerate(self.words):
            self._index.setdefault(w, i)
        self._lengths = sorted({len(w) for w in self.words}, reverse=True)
        self._last_chars = None if "" in self._index else frozenset(w[-1] for w in self.words)

    def find(self, text: str, end: int, lo: int = 0) -> int:
        """Index of the first word ``w`` with ``text.endswith(w, max(lo, end - len(w)), end)``, or -1."""
        if self._last_chars is not None and (end <= lo or text[end - 1] not in self._last_chars):
            return -1
        best = -1
        for n in self._lengths:
            if end - n < lo:
                continue
            i = self._index.get(text[end - n: end], -1)
            if i >= 0 and (best < 0 or i < best):
                best = i
        return best


@dataclass(frozen=True)
class _Metric:
    metric: str
    units: frozenset
    kinds: frozenset
    pattern: re.Pattern
    context: re.Pattern | None


@dataclass(frozen=True)
class _Vocab:
    unit_class: dict
    unit_not_followed: dict
    q_before: tuple  # (word, canonical), longest first
    q_after: tuple
    metrics: tuple
    lead: re.Pattern
    trail: tuple
    verbs: re.Pattern
    verb_tail: re.Pattern
    stop: re.Pattern
    cues: tuple
    up: tuple
    down: tuple
    anchor: re.Pattern
    cumul: re.Pattern
    markers_any: re.Pattern
    markers_tables: re.Pattern
    number: re.Pattern
    number_scan: re.Pattern  # number, faster to search (see _vocab)
    may_count: re.Pattern  # found in every stretch of text that holds a count (see _vocab)
    change_words: re.Pattern  # any word of up or down
    # the word lists above as suffix finders
    q_before_ends: _Suffixes
    q_after_initials: frozenset  # first characters of the q_after words
    cue_ends: _Suffixes
    trail_ends: _Suffixes  # trail words (for _strip_trail)
    trail_pct_ends: _Suffixes  # trail words and those of a change or share (同比, 增长 …)
    metrics_for: dict = field(default_factory=dict)  # (unit, kind) -> the metrics that allow them, filled as met


# words a percentage's clause may end with, besides the trail words and those of up/down
_PCT_TRAIL = ("同比", "环比", "较上年", "比上年", "显著", "明显", "大幅", "稳步", "持续")


def _alt(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _vocab() -> _Vocab:
    unit_class, not_followed = {}, {}
    for line in read_resource_lines("units.txt"):
        parts = line.split("\t")
        unit_class[parts[0]] = parts[1].strip()
        not_followed[parts[0]] = parts[2].strip() if len(parts) > 2 else ""
    q_before, q_after = [], []
    for line in read_resource_lines("qualifiers.tsv"):
        parts = [p.strip() for p in line.split("\t")] + [""]
        word, pos, canon, classes = parts[:4]
        if not word:
            continue
        if pos == "before":
            q_before.append((word, canon))
        else:
            q_after.append((word, canon, frozenset(c for c in classes.split(",") if c)))
    q_before.sort(key=lambda x: -len(x[0]))
    q_after.sort(key=lambda x: -len(x[0]))
    groups: dict[str, list[str]] = {}
    for line in read_resource_lines("count_words.tsv"):
        g, w = line.split("\t", 1)
        groups.setdefault(g.strip(), []).append(w.strip())
    metrics = []
    for line in read_resource_lines("metrics.tsv"):
        p = line.split("\t") + [""] * 6
        metrics.append(_Metric(
            p[0].strip(), frozenset(u.strip() for u in p[1].split(",")), frozenset(k.strip() for k in p[2].split(",")),
            re.compile(p[3].strip()), re.compile(p[4].strip()) if p[4].strip() else None,
        ))
    any_m, tab_m = [], []
    for line in read_resource_lines("table_markers.tsv"):
        scope, rx = line.split("\t", 1)
        (any_m if scope.strip() == "any" else tab_m).append(rx.strip())
    units = _alt(re.escape(u) for u in unit_class)
    trail = tuple(sorted(groups.get("trail", []), key=len, reverse=True))
    up, down = tuple(groups.get("up", [])), tuple(groups.get("down", []))
    scale = "千万|百万|万亿|万|亿|千"
    sep = "至|到|~|～|-|－|—|–"
    # a range needs a separator after a run of number, scale and unit characters: the
    # lookahead only says so, and spares the backtracking through every shorter number
    run = "".join(re.escape(c) for c in sorted(set("".join(unit_class)) | set(_CN_NUM_CHARS) | set("点,.")))
    range_ahead = rf"(?=[\d{run}]*(?:{sep}))"

    def number_rx(units: str) -> str:
        return (rf"(?P<pcn>百分之(?P<pcn_n>{_CN_NUM}))"
                rf"|{range_ahead}(?P<n1>{_AR_NUM}|{_CN_NUM})(?P<s1>{scale})?(?P<u1>{units})?(?P<sep>{sep})"
                rf"(?P<n2>{_AR_NUM}|{_CN_NUM})(?P<s2>{scale})?(?P<y2>余|多)?(?P<u2>{units})"
                rf"|(?P<n>{_AR_NUM}|{_CN_NUM})(?P<s>{scale})?(?P<y>余|多)?(?P<u>{units})?")

    # number_scan matches as number does; its lookaheads (a number's first character, a unit's
    # first character) only let the search skip offsets and units that cannot match
    unit_firsts = {u[0] for u in unit_class}
    first_unit = "(?=[" + "".join(re.escape(c) for c in sorted(unit_firsts)) + "])"
    number_scan = re.compile(rf"(?={_NUMBER_START.pattern})(?:{number_rx(first_unit + '(?:' + units + ')')})")
    # a number that counts (with a unit, 余/多, a scale, a range, or 万/亿 at its end) has a digit
    # or numeral right before one of these characters, or holds 万/亿 or 百分之 (all three start
    # with a digit or numeral: written so, the search skips other characters fast)
    after = "".join(re.escape(c) for c in sorted(unit_firsts | set("余多千") | set(sep.replace("|", ""))))
    may_count = re.compile(rf"[\d{_CN_NUM_CHARS}](?:[{after}]|(?<=[万亿])|(?<=百)分之)")
    return _Vocab(
        unit_class=unit_class,
        unit_not_followed=not_followed,
        q_before=tuple(q_before),
        q_after=tuple(q_after),
        metrics=tuple(metrics),
        lead=re.compile("^(?:" + "|".join(f"(?:{w})" for w in groups.get("lead*", [])) + ")"),
        trail=trail,
        verbs=re.compile("^(?:" + _alt(groups.get("verb", [])) + ")+(?:了|出|到)?$"),
        verb_tail=re.compile("(?:" + _alt(groups.get("verb", [])) + ")(?:了|出|到)?$"),
        stop=re.compile(_alt(groups.get("stop", []))),
        cues=tuple(groups.get("cue", [])),
        up=up,
        down=down,
        anchor=re.compile("|".join(groups.get("anchor", []))),
        cumul=re.compile(_alt(groups.get("cumul", []))),
        markers_any=re.compile("|".join(any_m)),
        markers_tables=re.compile("|".join(tab_m)),
        number=re.compile(number_rx(units)),
        number_scan=number_scan,
        may_count=may_count,
        change_words=re.compile(_alt(re.escape(w) for w in up + down)),
        q_before_ends=_Suffixes(w for w, _ in q_before),
        q_after_initials=frozenset(w[:1] for w, _, _ in q_after),
        cue_ends=_Suffixes(groups.get("cue", [])),
        trail_ends=_Suffixes(w for w in trail if w),
        trail_pct_ends=_Suffixes(w for w in trail + _PCT_TRAIL + up + down if w),
    )


# --------------------------------------------------------------------------- text structure
_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_SENT_END = "。！？!?\n"
_CLAUSE_BOUNDARY = set("，。；：！？!?;:（）()\n\t 　,")
_CLAUSE_RUN = re.compile("[^" + re.escape("".join(sorted(_CLAUSE_BOUNDARY))) + "]*")
_OPEN_QUOTES = {"《": "》", "〈": "〉", "“": "”", "‘": "’", "「": "」"}
_SENT_END_RX = re.compile("[" + _SENT_END + "]")
_POST_RUN = re.compile(f"“?[《》”{_CJK}]*")  # Chinese words and titles, an opening quote only first
_MAX_QUOTE = 40
# an opening quote, its text (in the group) and the first closing quote after it
_QUOTED = re.compile("|".join(f"{o}(?=([^{c}\n]{{0,{_MAX_QUOTE}}}){c})" for o, c in _OPEN_QUOTES.items()))
_MAX_SENT = 1000  # longest stretch treated as one sentence
_INCLUDED = re.compile(r"^（(?:[^（）。；]*[，,])?(?:含|包括|其中)[^（），。；、]{0,24}$")
_YEAR_IN_CLAUSE = re.compile(r"(?:19|20)\d\d年(?!\d)")


def _is_prose_line(line: str) -> bool:
    s = line.strip()
    return "\t" not in s and len(s) >= 20 and "，" in s and s[-1:] in "。；"


def table_spans(text: str, sections=None) -> list[tuple[int, int]]:
    """Spans of ``text`` that are statistical tables: tab lines and flattened tables (sorted, merged).

    >>> t = "一、总体情况\\n全年公开10条。\\n二、主动公开政府信息情况\\n第二十条第（一）项\\n规章 5件\\n三、收到和处理政府信息公开申请情况"
    >>> [t[a:b] for a, b in table_spans(t)]
    ['第二十条第（一）项\\n规章 5件\\n']
    """
    v = _vocab()
    if sections is None:
        sections = find_sections(text)
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        if "\t" in line:
            spans.append((pos, pos + len(line) + 1))
        pos += len(line) + 1
    bounds = sorted({s.start for s in sections} | {s.end for s in sections} | {len(text)})

    def region(start: int) -> tuple[int, int]:
        i = bisect_right(bounds, start)
        end = bounds[i] if i < len(bounds) else len(text)
        # a prose line ends the table early (multi-line layouts)
        nl = text.find("\n", start)
        while 0 <= nl < end:
            nxt = text.find("\n", nl + 1)
            line = text[nl + 1: nxt if nxt >= 0 else len(text)]
            if _is_prose_line(line):
                return start, nl + 1
            if nxt < 0:
                break
            nl = nxt
        return start, end

    for m in v.markers_any.finditer(text):
        spans.append(region(m.start()))
    for s in sections:
        if s.section in ("2", "3", "4", "other"):
            m = v.markers_tables.search(text, s.start, s.end)
            if m:
                spans.append(region(m.start()))
            if s.section == "other" and "统计表" in s.heading:
                spans.append((s.start, s.end))
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """Inner spans of 《》〈〉“”‘’「」 pairs (at most _MAX_QUOTE characters, one line), merged."""
    # each opening quote's own group holds the text up to the first closing quote
    return _merge([(m.start() + 1, m.end(m.lastindex)) for m in _QUOTED.finditer(text)])


class _SpanSet:
    """Merged, sorted spans: ``pos in spans`` by bisection."""

    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = spans
        self.starts = [a for a, _ in spans]

    def __contains__(self, pos: int) -> bool:
        i = bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.spans[i][1]


class _Sentences:
    """Sentence bounds (ends at 。！？!? and line ends) by bisection."""

    def __init__(self, text: str):
        self.n = len(text)
        ends = [m.start() for m in _SENT_END_RX.finditer(text)]
        if max(map(sub, ends + [len(text)], [-1] + ends)) <= _MAX_SENT:
            self.ends = ends  # no run to cut (below): the common case
            return
        ends.append(len(text))
        # a run of text without sentence punctuation is cut into pieces of about _MAX_SENT
        # characters (at a ； or ， where there is one) so that no step is quadratic
        out, prev = [], -1
        for e in ends:
            while e - prev > _MAX_SENT:
                cut = max(text.rfind("；", prev + 1, prev + _MAX_SENT), text.rfind("，", prev + 1, prev + _MAX_SENT))
                cut = cut if cut > prev + _MAX_SENT // 2 else prev + _MAX_SENT
                out.append(cut)
                prev = cut
            out.append(e)
            prev = e
        self.ends = [e for e in out if e < len(text)]

    def bounds(self, pos: int, lo: int = 0, hi: int | None = None) -> tuple[int, int]:
        i = bisect_left(self.ends, pos)
        a = self.ends[i - 1] + 1 if i > 0 else 0
        b = self.ends[i] if i < len(self.ends) else self.n
        return max(a, lo), min(b, self.n if hi is None else hi)


@lru_cache(maxsize=4)
def _layout(text: str, sections: tuple | None = None) -> tuple[list, list[tuple[int, int]], _Sentences]:
    """Sections (``sections`` or :func:`find_sections`), table spans and sentences of ``text``.

    Remembered for the last few texts: :func:`count_records` and then the checks of the same
    report read them again.
    """
    sections = find_sections(text) if sections is None else list(sections)
    return sections, table_spans(text, sections), _Sentences(text)


# --------------------------------------------------------------------------- metric words
def _strip_trail(s: str, v: _Vocab, pct: bool = False) -> str:
    """Strip trailing connectives (达, 共计 …; also 同比, 增长 … for a percentage) and qualifiers (约, 超过 …)."""
    trail = v.trail_pct_ends if pct else v.trail_ends
    changed = True
    while changed and s:
        changed = False
        i = trail.find(s, len(s))
        if i >= 0:
            s = s[: -len(trail.words[i])]
            changed = True
        i = v.q_before_ends.find(s, len(s))
        if i >= 0:
            s = s[: -len(v.q_before_ends.words[i])]
            changed = True
    return s


def _strip_lead(s: str, v: _Vocab) -> str:
    for _ in range(8):
        s = s.lstrip("，、；：,.。 ")
        m = v.lead.match(s)
        if not m or not m.group(0):
            break
        s = s[m.end():]
    return s.lstrip("，、；：,.。 ")


def _clean_pre(pre: str, v: _Vocab, pct: bool) -> str:
    pre = pre.strip()
    if pre.endswith(("、", "，")):
        return ""
    pre = _strip_trail(pre, v, pct)
    # a year inside the clause starts it (a heading glued to its text: …的数量2016年全区主动公开…)
    years = [m for m in _YEAR_IN_CLAUSE.finditer(pre) if _strip_lead(pre[m.start():], v)]
    if years and years[-1].start() > 0:
        pre = pre[years[-1].start():]
    # an enumeration "A、B、C等X": keep X, the head
    k = pre.rfind("等")
    if 0 < k < len(pre) - 1 and "、" in pre[:k]:
        head = _strip_lead(pre[k + 1:], v)
        if head:
            pre = head
    pre = _strip_lead(pre, v)
    return _strip_trail(pre, v, pct)


@lru_cache(maxsize=8192)
def _clean_pre_cached(pre: str, pct: bool) -> str:
    """:func:`_clean_pre` remembered: the same clauses come back in report after report."""
    return _clean_pre(pre, _vocab(), pct)


def _post_phrase(text: str, b: int, limit: int) -> str:
    """The noun phrase right after a count (``25家成员单位组成的`` → 成员单位)."""
    j = _POST_RUN.match(text, b, max(b, min(limit, b + 24))).end()
    return _post_noun(text[b:j]) if j > b else ""


@lru_cache(maxsize=8192)
def _post_noun(post: str) -> str:
    """:func:`_post_phrase` of the run of Chinese text ``post``."""
    v = _vocab()
    if v.stop.match(post):
        return ""
    m = v.stop.search(post, 1)
    if m:
        post = post[: m.start()]
    if post.endswith("中"):
        post = post[:-1]
    if post.startswith(("以上", "左右", "以内", "以下", "之多")):
        return ""
    return post


def _match_metric(metric_raw: str, unit: str, kind: str, context: str):
    if not metric_raw or metric_raw.endswith("等"):
        return None
    for m in _metrics_found(metric_raw, unit if unit else "-", kind):
        if m.context is None or m.context.search(context):
            return m.metric
    return None


@lru_cache(maxsize=8192)
def _metrics_found(metric_raw: str, u: str, kind: str) -> tuple[_Metric, ...]:
    """The metrics allowing unit ``u`` and ``kind`` whose pattern finds ``metric_raw``, in list order."""
    v = _vocab()
    candidates = v.metrics_for.get((u, kind))
    if candidates is None:
        candidates = v.metrics_for[u, kind] = tuple(
            m for m in v.metrics
            if ("*" in m.units or u in m.units) and ("*" in m.kinds or kind in m.kinds))
    return tuple(m for m in candidates if m.pattern.search(metric_raw))


# --------------------------------------------------------------------------- extraction
_BAD_BEFORE = set("0123456789.@/\\#_-:&=?")
_ID_LIKE = re.compile(r"\d{14}")
_AS_OF = re.compile("截至|截止")
_KIND_OF_CLASS = {"money": "money", "duration": "duration"}
_SINGLE_CN = set("零〇一二两三四五六七八九十")


# a match of _Vocab.number starts with one of these (百分之 too: 百)
_NUMBER_START = re.compile(rf"[\d{_CN_NUM_CHARS}]")


def _scan(text: str, lo: int, hi: int, v: _Vocab, blocked: _SpanSet) -> list[tuple]:
    """Candidate quantities in text[lo:hi], none starting in ``blocked``: tuples ``(start, end, value,
    value_low, value_high, unit, class of the unit, qualifier)``, by start."""
    out: list[tuple] = []
    b_starts, b_spans = blocked.starts, blocked.spans
    for m in v.number_scan.finditer(text, lo, hi):
        b = m.end()
        if m.end("n") == b and text[b - 1] not in "万亿":
            continue  # a bare number with no 万/亿 (2023年, 进一步): rejected below too, but most numbers are these
        a = m.start()
        before = text[a - 1] if a > 0 else ""
        if before == "第" or before in _BAD_BEFORE or before.isascii() and before.isalpha():
            continue
        i = bisect_right(b_starts, a) - 1  # a in blocked (_SpanSet.__contains__, inlined: the hot loop)
        if i >= 0 and a < b_spans[i][1]:
            continue
        pcn, n1 = m.group("pcn", "n1")
        if pcn:
            value = parse_number(m.group("pcn_n"))
            if value is None:
                continue
            numtxt, scale, yu, unit, cls = m.group("pcn_n"), "", "", "%", "percent"
            low = high = None
        elif n1:
            n2 = m.group("n2")
            u1, unit = m.group("u1"), m.group("u2")
            if u1 and u1 != unit:
                continue
            if (m.group("s1") or "") != (m.group("s2") or "") and m.group("s1"):
                continue
            if m.group("sep") in "-－—–" and (len(n1) >= 4 or len(n2) >= 4) and n1.isdigit():
                continue  # phone numbers, dates
            cls = v.unit_class[unit]
            scale = m.group("s2") or ""
            f1, f2 = parse_number(n1), parse_number(n2)
            if f1 is None or f2 is None or not f1 < f2:
                continue
            if (n1[0] in _SINGLE_CN) != (n2[0] in _SINGLE_CN):
                continue
            mult = 1 if cls == "money" else _SCALES.get(scale, 1)
            low, high = _scale(f1, mult), _scale(f2, mult)
            value, numtxt, yu = None, n2, m.group("y2") or ""
        else:
            numtxt, scale, yu, unit = m.group("n", "s", "y", "u")
            scale, yu, unit = scale or "", yu or "", unit or ""
            if not unit:
                # a bare number counts only with a scale and nothing glued after it (总浏览量为536万，)
                nxt = text[b] if b < len(text) else ""
                if not (scale or numtxt[-1] in "万亿") or (nxt and not (nxt in "，。；、）)：:！？ \n" or nxt in "以左")):
                    continue
                if numtxt[0] in _SINGLE_CN and not scale and len(numtxt) < 3:
                    continue
            cls = v.unit_class.get(unit, "count")
            value = float(numtxt) if numtxt.isdecimal() else parse_number(numtxt)
            if value is None and yu and numtxt in ("十", "百", "千", "万"):
                value = float({"十": 10, "百": 100, "千": 1000, "万": 10000}[numtxt])  # 百余家
            if value is None:
                continue
            low = high = None
        if (len(numtxt) >= 14 and _ID_LIKE.match(numtxt)) or (value is not None and not math.isfinite(value)):
            continue  # ID-like digit strings are not counts
        nxt = text[b] if b < len(text) else ""
        if unit and nxt and nxt in v.unit_not_followed.get(unit, ""):
            continue
        if nxt.isascii() and nxt.isalnum():
            continue
        a0 = a
        while a0 > lo and text[a0 - 1] == " ":
            a0 -= 1
        # a lone Chinese numeral (两 … 十) is a count only right after a cue word, with 余/多, or
        # when its measure word ends the clause (发布会三场。); a lone 一 is an article
        # (组织一名负责人, 一次性告知), never a count
        if numtxt[0] in _SINGLE_CN and len(numtxt) == 1 and not yu and not pcn:
            if numtxt == "一" or not (v.cue_ends.find(text, a, lo) >= 0
                                      or (unit and text[b: b + 1] in ("，", "。", "；", "、", "）", "\n"))):
                continue
        # money keeps its scale in the unit; Chinese numerals ending in 万/亿 too (二十万元 → 20 万元)
        if cls == "money":
            if not scale and numtxt[-1] in "万亿" and numtxt[0] not in "万亿":
                k = len(numtxt.rstrip("万亿"))
                scale = numtxt[k:]
                if value is not None:
                    value = parse_number(numtxt[:k])
                    if value is None:
                        continue
            unit_out = scale + unit
        else:
            unit_out = "百分点" if cls == "points" else unit
            if value is not None and scale:
                value = _scale(value, _SCALES[scale])
        # qualifiers
        q_after = "余" if yu else ""
        end = b
        if text[b: b + 1] in v.q_after_initials:
            for w, canon, classes in v.q_after:
                if text.startswith(w, b) and w not in ("余", "多") and (not classes or cls in classes):
                    q_after = canon if not q_after else q_after
                    end = b + len(w)
                    break
        i = v.q_before_ends.find(text, a0, lo)
        q_before = v.q_before[i][1] if i >= 0 else ""
        if value is None:
            qualifier = "范围"
        else:
            qualifier = f"{q_before}+{q_after}" if q_before and q_after else q_before or q_after
        out.append((a, end, value, low, high, unit_out, cls, qualifier))
    return out


def _scale(x: float, mult: int) -> float:
    return float(Decimal(repr(x)) * mult) if mult != 1 else x


def extract_counts(text: str, doc_id: str = "", spans: list[tuple[int, int]] | None = None,
                   sent_ids: list | None = None) -> pd.DataFrame:
    """Every quantity stated in the prose of ``text`` (a normalised report), one row each.

    ``spans`` restricts the search to these ``(start, end)`` sentence spans of
    ``text``; each row gets the matching entry of ``sent_ids`` (or the span's index).
    Tables are found here whatever the spans are, so spans of every kind can be
    passed; passing only sentences a splitter called ``text`` loses the prose it
    mistook for a table or heading. A count in two overlapping spans is reported once.
    Columns: :data:`COUNT_COLUMNS`, described in the module docstring and in
    ``resources/codebook.tsv``. The DataFrame of :func:`count_records`.

    >>> t = "全年县长信箱来信173件，办结169件，办结率98%；召开新闻发布会三场。"
    >>> extract_counts(t, "d1")[["raw", "value", "unit", "kind", "metric"]].values.tolist()
    [['173件', 173.0, '件', 'count', '信箱来信'], ['169件', 169.0, '件', 'count', '办结数'], ['98%', 98.0, '%', 'rate', '办结率'], ['三场', 3.0, '场', 'count', '新闻发布会场次']]
    >>> extract_counts("依据第二十条第（一）项，互政办函〔2022〕55号，2023年1月18日，拨打12345政务服务热线。").empty
    True
    """
    return count_frame(count_records(text, doc_id, spans, sent_ids))


def count_frame(records: list[dict]) -> pd.DataFrame:
    """The typed DataFrame of count records, of one report or of many (in the order given).

    >>> count_frame(count_records("全年来信173件。", "d")).dtypes[["start", "value", "part_of", "metric"]].astype(str).tolist()
    ['int64', 'Float64', 'Int64', 'string']
    """
    df = pd.DataFrame(records, columns=COUNT_COLUMNS)
    df["part_of"] = df["part_of"].astype("Int64")
    for col in ("value", "value_low", "value_high"):
        df[col] = df[col].astype("Float64")
    df["start"] = df["start"].astype("int64")
    df["end"] = df["end"].astype("int64")
    df["cumulative"] = df["cumulative"].astype(bool)
    df["metric"] = df["metric"].astype("string")
    df["section"] = df["section"].astype("string")
    return df


def count_records(text: str, doc_id: str = "", spans: list[tuple[int, int]] | None = None,
                  sent_ids: list | None = None, sections=None) -> list[dict]:
    """:func:`extract_counts` as plain records: one dict per quantity (keys :data:`COUNT_COLUMNS`), by ``start``.

    Absent numbers (``value`` of a range, ``part_of`` of a non-part) and metrics are None.
    :func:`count_frame` makes the DataFrame, for one report or a whole corpus at once.
    ``sections``: ``find_sections(text)`` when the caller has them already (found here otherwise).

    >>> [(r["raw"], r["value"], r["role"], r["part_of"]) for r in count_records("诉求30件，其中咨询类10件、求助类20件。")]
    [('30件', 30.0, 'total', None), ('10件', 10.0, 'part', 2), ('20件', 20.0, 'part', 2)]
    """
    text = text if isinstance(text, str) else ""
    v = _vocab()
    sections, tables, sents = _layout(text, None if sections is None else tuple(sections))
    t_starts = [a for a, _ in tables]
    blocked = _SpanSet(_merge(tables + _quoted_spans(text)))  # no count starts in a table or a quotation
    sec_starts = [s.start for s in sections]
    rev = text[::-1]  # to find where a clause starts: the run of text before a number, read backwards
    may_count = v.may_count.search

    n = len(text)
    if spans is None:
        spans, ids = [(0, n)], [None]
    else:
        ids = list(sent_ids) if sent_ids is not None else list(range(len(spans)))
    rows: list[dict] = []
    for span_i, (lo, hi) in enumerate(spans):
        lo, hi = max(0, int(lo)), min(n, int(hi))
        if hi <= lo:
            continue
        i = bisect_right(t_starts, lo) - 1
        if i >= 0 and hi <= tables[i][1]:
            continue  # inside a table: every number in it would be skipped
        if not may_count(text, lo, hi):
            continue
        cands = _scan(text, lo, hi, v, blocked)
        sid = ids[span_i] if span_i < len(ids) else span_i
        prev_end = lo
        prev_sent = None
        s_hi = -1
        last_count: dict | None = None
        for a, b, value, value_low, value_high, unit, cls, qualifier in cands:
            if a > s_hi:  # else a is in the sentence of the count before
                s_lo, s_hi = sents.bounds(a, lo, hi)
            if prev_sent != s_lo:
                prev_sent = s_lo
                prev_end = s_lo
                last_count = None
            # the clause before the number (a space right before it is layout, not a boundary)
            a0 = a
            while a0 > prev_end and text[a0 - 1] == " ":
                a0 -= 1
            i = v.q_before_ends.find(text, a0, prev_end)
            q_len = len(v.q_before[i][0]) if i >= 0 else 0
            k = a0 - q_len
            if k > prev_end:  # back to the last clause boundary, not before prev_end
                k -= _CLAUSE_RUN.match(rev, n - k, n - prev_end).end() - (n - k)
            pre_text = text[k: a0 - q_len]
            clause_since_prev = text[prev_end:a]
            pct = cls in ("percent", "points")
            pre = _clean_pre_cached(pre_text, pct)
            post = _post_phrase(text, b, s_hi)
            # kind and direction
            kind = _KIND_OF_CLASS.get(cls, "count")
            direction = ""
            window = text[max(k, a0 - q_len - 8): a0 - q_len]
            ups = downs = ()
            if v.change_words.search(window):
                ups = [w for w in v.up if w in window]
                downs = [w for w in v.down if w in window]
            if cls == "points":
                kind = "change"
            elif pct:
                if pre.endswith(("率", "度")):
                    kind = "rate"
                elif ups or downs:
                    kind = "change"
                else:
                    kind = "share"
            elif (ups or downs) and v.anchor.search(text[k:a0]):
                kind = "change"
            if kind == "change" and (ups or downs):
                last_up = max((window.rfind(w) for w in ups), default=-1)
                last_down = max((window.rfind(w) for w in downs), default=-1)
                direction = "+" if last_up > last_down else "-"
            # what is counted
            if pct or kind == "change":
                if pre:
                    metric_raw = pre
                elif last_count is not None:
                    metric_raw = last_count["metric_raw"]
                else:
                    metric_raw = post
            elif post and cls == "count":
                # a classifier with a noun after it counts that noun (25家成员单位); keep a verb
                # that ends the clause before it (组织4次检查 → 组织检查)
                metric_raw = pre + post if pre and v.verb_tail.search(pre) else post
            else:
                metric_raw = pre
            context = text[s_lo:a]
            if (pct or kind == "change") and not pre and last_count is not None:
                metric = last_count["metric"]
            else:
                metric = _match_metric(metric_raw, unit if cls != "percent" else "%", kind, context)
            cumulative = bool(v.cumul.search(clause_since_prev) or _AS_OF.search(context))
            sec_i = bisect_right(sec_starts, a) - 1
            row = {
                "doc_id": doc_id, "sent_id": sid,
                "section": sections[sec_i].section if sec_i >= 0 else "preamble",
                "start": a, "end": b, "raw": text[a:b],
                "value": value, "value_low": value_low, "value_high": value_high,
                "unit": unit, "qualifier": qualifier, "cumulative": cumulative,
                "kind": kind, "direction": direction, "role": "", "part_of": None,
                "metric": metric, "metric_raw": metric_raw,
            }
            rows.append(row)
            if kind in ("count", "money"):
                last_count = row
            prev_end = b
    rows.sort(key=lambda r: r["start"])
    seen: set[int] = set()
    rows = [r for r in rows if not (r["start"] in seen or seen.add(r["start"]))]
    # （含上年结转189件） right after a count is a part of it
    last = None
    for r in rows:
        if r["kind"] not in ("count", "money"):
            continue
        if last is not None and last["unit"] == r["unit"] and _INCLUDED.match(text[last["end"]: r["start"]]):
            r["role"], r["part_of"] = "part", int(last["start"])
            if last["role"] != "part":
                last["role"] = "total"
            continue
        last = r
    for total, parts, _ in _part_groups(rows, text, min_parts=1, sents=sents, tables=tables):
        if total["role"] != "part":
            total["role"] = "total"
        for r in parts:
            r["role"], r["part_of"] = "part", int(total["start"])
    return rows


# --------------------------------------------------------------------------- checks
_OTHER_PART = re.compile(r"^(?:其他|其它|其余|剩余|另有|另)")
_NEW_TOPIC = re.compile(r"^[，、；：\s]*(?:此外|另外|同时|另有|以及|并且)")
_SHARE_CLOSE_TOL = 1.0  # shares of the parts summing to 100 ± this close the list
_QIZHONG = re.compile("其中")
_IN_TAIL = re.compile(r"[^，。；：\d]{0,12}?中[，：]")  # 在…的1913条政府信息中，
_SHARE_GAP = re.compile(r"[，,]?占?|（")  # between a part and its share
_BARE_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.]|\s*[年月日号])")


def _decimals(raw: str) -> int:
    m = re.search(r"\d+(?:\.(\d+))?", raw)
    return len(m.group(1)) if m and m.group(1) else 0


def _pct_ok(stated: float, observed: float, raw: str) -> bool:
    """A stated percentage agrees with the computed one if it is the computed one rounded
    half-up or truncated to the stated number of decimals: observed in [s - ulp/2, s + ulp)."""
    ulp = 10.0 ** -_decimals(raw)
    return stated - ulp / 2 - 1e-9 <= observed < stated + ulp - 1e-9


def _step(value: float) -> float:
    """The place of the last significant digit of a stated number (83540 → 10, 7.1万 → 1000)."""
    if value == 0:
        return 1.0
    if float(value).is_integer():
        v, step = int(value), 1
        while v % 10 == 0:
            v //= 10
            step *= 10
        return float(step)
    d = Decimal(repr(float(value))).normalize()
    return float(Decimal(1).scaleb(d.as_tuple().exponent))


def _interval(row) -> tuple[float, float]:
    """The values a stated count allows, given its qualifier (used by the checks).

    exact: [v, v]; 余: [v, v + step − 1] (83540余 → 83540‥83549; 7.1万余 → 71000‥71999);
    约: [v − step, v + step]; 近: [v − step, v]; 超过/以上: [v, ∞); 不足/以内: [0, v];
    范围: [low, high].
    """
    q = row["qualifier"] or ""
    if q == "范围":
        return float(row["value_low"]), float(row["value_high"])
    v = float(row["value"])
    step = _step(v)
    lo, hi = v, v
    for part in q.split("+"):
        if part == "余":
            hi = v + step - (1 if step >= 1 else step / 10)
        elif part == "约":
            lo, hi = v - step, v + step
        elif part == "近":
            lo = v - step
        elif part in ("超过", "以上"):
            hi = math.inf
        elif part in ("不足", "以内"):
            lo = 0.0
    return lo, hi


_BRACKET = re.compile("[（()）]")


def _depths(text: str, lo: int, hi: int) -> list[int]:
    """Bracket depth (（…）) at each offset of text[lo:hi], relative to lo (and one more, at hi)."""
    hi = min(hi, len(text))
    out, d, last = [], 0, lo
    for m in _BRACKET.finditer(text, lo, hi):
        i = m.start()
        out += [d] * (i + 1 - last)  # up to the bracket, itself included: the depth before it
        if m.group() in "（(":
            d += 1
        elif d > 0:
            d -= 1
        last = i + 1
    out += [d] * (max(hi, last) + 1 - last)
    return out


def _strip_parens(s: str) -> str:
    prev = None
    while prev != s:
        prev = s
        s = re.sub(r"（[^（）]*）|\([^()]*\)", "", s)
    return s


def _cells(rows) -> str:
    return ";".join(f"{int(r['start'])}:{int(r['end'])}" for r in rows)


def _check_row(doc_id, check, expected, observed, ok, detail, rows) -> dict:
    return {"doc_id": doc_id, "check": check, "expected": expected, "observed": observed,
            "ok": ok, "detail": detail, "cells": _cells(rows)}


def _part_groups(rows: list[dict], text: str, min_parts: int = 2, sents: _Sentences | None = None,
                 tables: list[tuple[int, int]] | None = None):
    """Yield (total_row, [part_rows], [share_row or None]) for each 其中 / 在…中 structure
    among ``rows`` (count rows as dicts, sorted by start); ``tables`` is :func:`table_spans` of ``text``."""
    sents = sents or _Sentences(text)
    starts = [r["start"] for r in rows]

    def rows_in(a: int, b: int) -> list[dict]:
        return rows[bisect_left(starts, a): bisect_left(starts, b)]

    if tables is None:
        tables = table_spans(text)
    in_tables = _SpanSet(tables)
    triggers: list[tuple[int, dict | None]] = []
    for m in _QIZHONG.finditer(text):
        if m.start() not in in_tables:
            triggers.append((m.end(), None))
    for r in rows:  # 在…的1913条政府信息中，
        if r["kind"] not in ("count", "money"):
            continue
        tail = "中" in text[r["end"]: r["end"] + 14] and _IN_TAIL.match(text, r["end"], r["end"] + 14)
        if not tail:
            continue
        s_lo, _ = sents.bounds(r["start"])
        clause_lo = max(s_lo, max((text.rfind(c, s_lo, r["start"]) for c in "，；："), default=-1) + 1)
        if "在" in text[clause_lo: r["start"]]:
            triggers.append((tail.end(), r))
    for p, fixed_total in sorted(triggers, key=lambda x: x[0]):
        s_lo, s_hi = sents.bounds(max(0, p - 1))
        here = rows_in(s_lo, s_hi)
        dep = _depths(text, s_lo, s_hi)
        dp = dep[p - s_lo] if p - s_lo < len(dep) else 0
        counts_before = [r for r in here if r["kind"] in ("count", "money") and r["end"] <= p
                         and dep[r["start"] - s_lo] <= dp]
        if fixed_total is not None:
            total = fixed_total
        elif counts_before:
            total = counts_before[-1]
            gap = _strip_parens(text[total["end"]: p - 2])
            if len(gap) > 20 or any(r["start"] >= total["end"] and r["end"] <= p - 2 and dep[r["start"] - s_lo] <= dp
                                    for r in here if r is not total):
                continue
        else:
            # 其中 opening a sentence: the total is the last count of the sentence before
            if text[s_lo: p - 2].strip(" ，、：") or s_lo == 0:
                continue
            ps_lo, _ = sents.bounds(s_lo - 1)
            pdep = _depths(text, ps_lo, s_lo)
            prev = [r for r in rows_in(ps_lo, s_lo) if r["kind"] in ("count", "money") and r["end"] <= s_lo
                    and pdep[r["start"] - ps_lo] == 0]
            if not prev:
                continue
            total = prev[-1]
            gap = _strip_parens(text[total["end"]: s_lo])
            if len(gap) > 20:
                continue
        parts, shares = [], []
        semicolon = None
        last_end = p
        ambiguous = False
        for r in rows_in(p, s_hi):
            rel = r["start"] - s_lo
            if min(dep[last_end - s_lo: rel + 1] or [dp]) < dp:
                break  # the bracket holding the parts has closed
            gap = text[last_end: r["start"]]
            if r["kind"] in ("share", "rate", "change"):
                # the share of the part just before: 1397条，占73% / 208件（17.46%）
                if (r["kind"] == "share" and parts and shares[-1] is None and dep[rel] <= dp + 1
                        and _SHARE_GAP.fullmatch(gap)):
                    shares[-1] = r
                continue
            if dep[rel] > dp:
                continue  # nested (含上年结转189件)
            if r["kind"] not in ("count", "money"):
                break
            if parts and _NEW_TOPIC.match(gap):
                break
            if "；" in gap:
                if len(parts) == 1 and semicolon is None:
                    semicolon = True
                elif not semicolon:
                    break
            elif len(parts) == 1 and semicolon is None:
                semicolon = False
            if r["unit"] != total["unit"]:
                ambiguous = True
                break
            parts.append(r)
            shares.append(None)
            last_end = r["end"]
        if ambiguous or len(parts) < min_parts:
            continue
        if shares[0] is not None and None in shares:  # every part of a list with shares has one
            k = shares.index(None)
            parts, shares = parts[:k], shares[:k]
            if len(parts) < min_parts:
                continue
        yield total, parts, shares


def check_narrative(counts: pd.DataFrame, text: str) -> pd.DataFrame:
    """Arithmetic checks of the prose of ONE report against itself.

    - ``parts_sum``: a total followed by 其中 (or ``在…的N条…中，``) and two or more
      parts with the same unit, separated by 、/，(or all by ；), at the same bracket
      depth, up to the end of the sentence (``诉求3927件，其中咨询类161件、求助类2836件、
      建议类21件、投诉举报909件``). When 其中 opens a sentence the total is the last count
      of the sentence before. ``expected`` is the stated total, ``observed`` the sum.
      Approximate figures (余, 约, 近 …) are compared as intervals (see ``_interval``).
      ``ok`` is True when they agree; False when the parts exceed the total, or fall
      short of it while the list is closed (a part named 其他/其余, or the parts' shares
      add up to 100%); ``<NA>`` when the parts fall short and may be examples only.
    - ``share``: a share stated for a part (``1397条，占73%``, ``208件（17.46%）``) against
      part / total × 100.
    - ``rate``: a stated rate (``办结率98%``) against numerator / denominator × 100, where
      the numerator is the nearest count before it in the sentence whose metric is the
      rate's stem (办结) and the denominator the count right before the numerator, with
      the same unit (``来信173件，办结169件，办结率98%``). Only exact figures are used.

    Percentages agree when the stated one is the computed one rounded half-up or
    truncated to its printed decimals (98% accepts 97.5 … 98.99). ``cells`` lists the
    ``start:end`` offsets of the counts involved, the stated figure first.

    >>> t = "受理群众诉求3927件，其中咨询类161件、求助类2836件、建议类21件、投诉举报909件；全年来信173件，办结169件，办结率98%。"
    >>> check_narrative(extract_counts(t, "d"), t)[["check", "expected", "observed", "ok"]].values.tolist()
    [['parts_sum', 3927.0, 3927.0, True], ['rate', 98.0, 97.69, True]]
    """
    if counts is None or counts.empty or not isinstance(text, str):
        return check_frame([])
    return check_frame(check_narrative_records(frame_records(counts), text))


def check_narrative_records(counts: list[dict], text: str, sections=None) -> list[dict]:
    """:func:`check_narrative` on the count records of ONE report (:func:`count_records`).

    One dict per check (keys :data:`CHECK_COLUMNS`): ``expected``/``observed`` floats,
    ``ok`` True, False or None (not decided). ``checks.check_frame`` makes the DataFrame.
    ``sections``: ``find_sections(text)`` when the caller has them already.

    >>> t = "全年来信173件，办结169件，办结率98%。"
    >>> [(r["check"], r["expected"], r["observed"], r["ok"]) for r in check_narrative_records(count_records(t, "d"), t)]
    [('rate', 98.0, 97.69, True)]
    """
    out: list[dict] = []
    if not counts or not isinstance(text, str):
        return out
    recs = sorted(counts, key=itemgetter("start"))
    doc_id = recs[0].get("doc_id", "")
    all_spans = None  # the spans of all counts, merged: made when first needed
    _, tables, sents = _layout(text, None if sections is None else tuple(sections))
    for total, parts, shares in _part_groups(recs, text, sents=sents, tables=tables):
        lo = sum(_interval(r)[0] for r in parts)
        hi = sum(_interval(r)[1] for r in parts)
        t_lo, t_hi = _interval(total)
        observed = float(sum(float("nan") if _missing(r["value"]) else float(r["value"]) for r in parts))
        closed = bool(_OTHER_PART.match(str(parts[-1]["metric_raw"] or ""))) or (
            all(s is not None for s in shares)
            and abs(sum(float(s["value"]) for s in shares) - 100) <= _SHARE_CLOSE_TOL)
        exact = t_lo == t_hi and lo == hi
        terms = " + ".join(r["raw"] for r in parts)
        if lo <= t_hi and t_lo <= hi and (exact or lo >= t_lo or closed):
            ok, why = True, "parts agree with the total" + ("" if exact else " within the stated precision")
        elif lo <= t_hi and t_lo <= hi:
            ok, why = None, "the parts can agree with the total only if more parts exist than are stated"
        elif lo > t_hi:
            ok, why = False, "the parts exceed the total"
        else:
            # a number without a measure word among the parts (不予公开信息数1402。) may be a part we do not see
            if all_spans is None:
                all_spans = _SpanSet(_merge([(int(r["start"]), int(r["end"])) for r in recs]))
            region_end = sents.bounds(parts[-1]["start"])[1]
            unseen = [m.group(0) for m in _BARE_NUMBER.finditer(text, parts[0]["start"], region_end)
                      if m.start() not in all_spans]
            if closed and not unseen:
                ok, why = False, "the parts fall short of the total and the list is closed (其他 part or shares add to 100%)"
            elif unseen:
                ok, why = None, f"the parts fall short of the total; numbers without a measure word ({', '.join(unseen[:3])}) may be parts"
            else:
                ok, why = None, "the parts fall short of the total; they may be examples, not all parts"
        tot = float("nan") if _missing(total["value"]) else float(total["value"])
        out.append(_check_row(doc_id, "parts_sum", tot, round(observed, 6),
                              ok, f"{terms} = {observed:g} vs {total['raw']}: {why}", [total] + parts))
        if total["qualifier"] or _missing(total["value"]) or float(total["value"]) <= 0:
            continue
        for r, s in zip(parts, shares):
            if s is None or r["qualifier"] or _missing(r["value"]):
                continue
            obs = float(r["value"]) / float(total["value"]) * 100
            out.append(_check_row(doc_id, "share", float(s["value"]), round(obs, 2),
                                  _pct_ok(float(s["value"]), obs, s["raw"]),
                                  f"{r['raw']} / {total['raw']} = {obs:.2f}% vs stated {s['raw']}", [s, r, total]))
    # rates
    rec_starts = [x["start"] for x in recs]
    for i, r in enumerate(recs):
        if r["kind"] != "rate" or not str(r["metric_raw"] or "").endswith("率") or _missing(r["value"]):
            continue
        stem = str(r["metric_raw"])[:-1]
        if not stem:
            continue
        s_lo, _ = sents.bounds(r["start"])
        before = [x for x in recs[bisect_left(rec_starts, s_lo): i] if x["kind"] == "count"]
        num_i = next((k for k in range(len(before) - 1, -1, -1)
                      if str(before[k]["metric_raw"] or "").endswith(stem)), None)
        if num_i is None or num_i == 0:
            continue
        num, den = before[num_i], before[num_i - 1]
        if den["unit"] != num["unit"] or num["qualifier"] or den["qualifier"]:
            continue
        if _missing(num["value"]) or _missing(den["value"]) or float(den["value"]) <= 0:
            continue
        obs = float(num["value"]) / float(den["value"]) * 100
        out.append(_check_row(doc_id, "rate", float(r["value"]), round(obs, 2),
                              _pct_ok(float(r["value"]), obs, r["raw"]),
                              f"{num['raw']} / {den['raw']} = {obs:.2f}% vs stated {r['raw']}", [r, num, den]))
    return out


# metric, table, rows whose `total` cells add up to the table's figure, check name, what it is
TABLE_COMPARISONS: tuple[tuple[str, str, tuple[str, ...], str, str], ...] = (
    ("依申请公开数量", "t3", ("received",), "narrative_vs_t3_received", "表三 一、本年新收 总计"),
    ("依申请公开办结数", "t3", ("handled_total",), "narrative_vs_t3_handled", "表三 （七）总计"),
    ("行政复议数量", "t4", ("review",), "narrative_vs_t4_review", "表四 行政复议 总计"),
    ("行政诉讼数量", "t4", ("litigation_direct", "litigation_after_review"), "narrative_vs_t4_litigation",
     "表四 行政诉讼 总计 (未经复议直接起诉 + 复议后起诉)"),
)


def check_narrative_vs_tables(counts: pd.DataFrame, cells: pd.DataFrame, *,
                              comparisons=TABLE_COMPARISONS, carried_row: str = "carried_over",
                              total_column: str = "total") -> pd.DataFrame:
    """Compare narrative counts with the statistical tables of the same report.

    ``cells`` is the cell table of :func:`govtext.tables.parse_tables` (columns doc_id,
    table, row, column, value …). For each entry of ``comparisons`` (metric, table,
    rows, check name, label; default :data:`TABLE_COMPARISONS`): the narrative
    依申请公开数量 against 表三 本年新收 总计 (row ``received``, column ``total``), 依申请公开办结数
    against 表三 （七）总计, 行政复议数量 against 表四 行政复议 总计 and 行政诉讼数量 against the
    two 行政诉讼 总计 added up.

    One row per narrative count with a table figure to compare: ``expected`` is the
    table's figure, ``observed`` the narrative's. ``ok`` is True when they agree (as
    intervals for 余/约 …), False otherwise; for applications received, ``detail``
    says when the narrative equals 本年新收 + 上年结转 (row ``carried_over``), a common
    difference of scope. Nothing is reported where a table cell is missing or blank.

    >>> counts = extract_counts("依申请公开信息数量9件。", "d")
    >>> cells = pd.DataFrame({"doc_id": ["d"], "table": ["t3"], "row": ["received"], "column": ["total"], "value": [9.0]})
    >>> check_narrative_vs_tables(counts, cells)[["check", "expected", "observed", "ok"]].values.tolist()
    [['narrative_vs_t3_received', 9.0, 9.0, True]]
    """
    need = {"doc_id", "table", "row", "column", "value"}
    if counts is None or counts.empty or cells is None or cells.empty or not need <= set(cells.columns):
        return check_frame([])
    cells = cells[list(need)].assign(value=pd.to_numeric(cells["value"], errors="coerce"))
    return check_frame(check_narrative_vs_tables_records(
        frame_records(counts), frame_records(cells), comparisons=comparisons, carried_row=carried_row,
        total_column=total_column))


def check_narrative_vs_tables_records(counts: list[dict], cells: list[dict], *,
                                      comparisons=TABLE_COMPARISONS, carried_row: str = "carried_over",
                                      total_column: str = "total") -> list[dict]:
    """:func:`check_narrative_vs_tables` on count and cell records (of one report or many).

    ``cells`` are :func:`govtext.tables.table_records` (``value`` a float or None). One dict
    per check (keys :data:`CHECK_COLUMNS`); ``checks.check_frame`` makes the DataFrame.

    >>> cells = [{"doc_id": "d", "table": "t3", "row": "received", "column": "total", "value": 9.0}]
    >>> [(r["check"], r["ok"]) for r in check_narrative_vs_tables_records(count_records("依申请公开信息数量9件。", "d"), cells)]
    [('narrative_vs_t3_received', True)]
    """
    out: list[dict] = []
    if not counts or not cells:
        return out
    lookup = {(c["doc_id"], c["table"], c["row"]): c["value"] for c in cells
              if c["column"] == total_column and not _missing(c["value"])}
    for r in counts:
        if r["kind"] != "count":
            continue
        if _missing(r["metric"]) or (_missing(r["value"]) and r["qualifier"] != "范围"):
            continue
        for metric, table, rows, name, label in comparisons:
            if r["metric"] != metric:
                continue
            vals = [lookup.get((r["doc_id"], table, row)) for row in rows]
            if any(v is None for v in vals):
                continue
            table_value = float(sum(vals))
            lo, hi = _interval(r)
            ok = lo <= table_value <= hi
            detail = f"narrative {r['raw']} ({r['metric_raw']}) vs {label} {table_value:g}"
            carried = lookup.get((r["doc_id"], table, carried_row))
            if not ok and rows == ("received",) and carried is not None and lo <= table_value + carried <= hi:
                detail += f"; the narrative equals 本年新收 + 上年结转 ({table_value:g} + {carried:g}): another scope"
            out.append({"doc_id": r["doc_id"], "check": name, "expected": table_value,
                        "observed": float("nan") if _missing(r["value"]) else float(r["value"]), "ok": ok,
                        "detail": detail, "cells": f"{int(r['start'])}:{int(r['end'])}"})
    return out
