"""Find the six statutory sections of a report, and their （一）（二） subsections.

Section ids follow the 2019/2021 template: ``"1"`` 总体情况 (old: 概述), ``"2"``
主动公开政府信息情况, ``"3"`` 收到和处理政府信息公开申请情况 (old: 依申请公开), ``"4"``
行政复议、行政诉讼情况, ``"5"`` 存在的主要问题及改进情况, ``"6"`` 其他需要报告的事项. A
numbered heading that is none of these (old 收费及减免, 统计表 …) is ``"other"``; the
text before the first heading is ``"preamble"``. The heading vocabulary is the
plain file ``resources/section_headings.tsv``.

A heading is a Chinese ordinal and 、 followed by a known heading phrase, anywhere
in a line (scraped pages put the whole report on one line). Ordinals must rise, so
table row labels such as 一、本年新收… or 四、结转下年度继续办理 are never headings.
A section whose heading is missing is reported missing, except in two cases that
real reports show, both marked ``inferred``: a report that opens with 二 has its
opening text as section 1, and a 存在问题/改进 subsection under section 4 starts
section 5.

>>> secs = find_sections("前言。\\n一、总体情况\\n正文。\\n五、存在的主要问题及改进情况\\n问题。")
>>> [(s.section, s.heading) for s in secs]
[('preamble', ''), ('1', '总体情况'), ('5', '存在的主要问题及改进情况')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .resources import read_resource_lines

__all__ = ["Section", "Subsection", "find_sections", "find_subsections", "SECTION_NAMES", "CN_NUMERALS"]

SECTION_NAMES = {
    "1": "总体情况",
    "2": "主动公开政府信息情况",
    "3": "收到和处理政府信息公开申请情况",
    "4": "政府信息公开行政复议、行政诉讼情况",
    "5": "存在的主要问题及改进情况",
    "6": "其他需要报告的事项",
}
CN_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}


def cn_ordinal(s: str) -> int:
    """Value of a small Chinese ordinal: 一 → 1, 十二 → 12, 二十 → 20."""
    if len(s) == 1:
        return CN_NUMERALS[s]
    if s[0] == "十":
        return 10 + CN_NUMERALS[s[1]]
    if s[-1] == "十":
        return CN_NUMERALS[s[0]] * 10
    return CN_NUMERALS[s[0]] * 10 + CN_NUMERALS[s[-1]]


@dataclass(frozen=True)
class Section:
    section: str  # "1".."6", "other" or "preamble"
    ordinal: int  # the printed ordinal (一 = 1), 0 when there is no heading
    heading: str
    start: int  # offset of the heading (or of the section's first character)
    end: int
    inferred: bool = False


@dataclass(frozen=True)
class Subsection:
    section: str
    number: int
    heading: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _heading_patterns() -> tuple[tuple[re.Pattern, str], ...]:
    rows = []
    for line in read_resource_lines("section_headings.tsv"):
        section, pattern = line.split("\t", 1)
        rows.append((re.compile(pattern.strip()), section.strip()))
    return tuple(rows)


def classify_heading(text: str) -> str | None:
    """The section id a heading phrase belongs to, or None if it is not a section heading.

    >>> classify_heading("因政府信息公开申请行政复议、提起行政诉讼的情况"), classify_heading("本年新收政府信息公开申请数量")
    ('4', None)
    """
    for pattern, section in _heading_patterns():
        if pattern.search(text):
            return section
    return None


_ORDINAL = re.compile(r"(?<![一二三四五六七八九十第])([一二三四五六七八九十]{1,2})\s*[、．.]\s*")
_HEADING_STOP = re.compile(r"[\s。；;：:（\t]")
_HEADING_TAIL = re.compile(r"(?:情况|措施|事项|概述|概况|统计表)")
_MAX_HEADING = 40


def _heading_text(text: str, pos: int) -> str:
    """The heading phrase starting at ``pos``: up to a stop character, or to its last 情况/措施/… word."""
    window = text[pos: pos + _MAX_HEADING]
    stop = _HEADING_STOP.search(window)
    cand = window[: stop.start()] if stop else window
    if not stop or not _HEADING_TAIL.search(cand[-3:] if cand else ""):
        tails = list(_HEADING_TAIL.finditer(cand))
        if tails:
            cand = cand[: tails[-1].end()]
    return cand


def find_sections(text: str) -> list[Section]:
    """Split a normalised report into its statutory sections (see module docstring)."""
    found: list[tuple[int, int, str, str]] = []  # (start, ordinal, section, heading)
    last = 0
    for m in _ORDINAL.finditer(text):
        ordinal = cn_ordinal(m.group(1))
        if ordinal <= last:
            continue
        heading = _heading_text(text, m.end())
        nxt = _ORDINAL.search(heading)
        if nxt:  # "一、二、总体情况": the phrase after the next ordinal belongs to that ordinal
            heading = heading[: nxt.start()]
        section = classify_heading(heading) if len(heading) >= 2 else None
        if section is None:
            continue
        found.append((m.start(), ordinal, section, heading))
        last = ordinal
    sections: list[Section] = []
    first_start = found[0][0] if found else len(text)
    if found and found[0][1] == 2 and found[0][2] == "2" and first_start > 0:
        sections.append(Section("1", 0, "", 0, first_start, inferred=True))
    else:
        sections.append(Section("preamble", 0, "", 0, first_start))
    for i, (start, ordinal, section, heading) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(text)
        sections.append(Section(section, ordinal, heading, start, end))
    sections = _infer_missing_problem_section(text, sections)
    return [s for s in sections if s.end > s.start or s.section != "preamble"]


_PROBLEM_SUB = re.compile(r"问题|改进|不足|下一步")


def _infer_missing_problem_section(text: str, sections: list[Section]) -> list[Section]:
    ids = {s.section for s in sections}
    if "5" in ids:
        return sections
    out: list[Section] = []
    for s in sections:
        if s.section == "4":
            subs = [sub for sub in find_subsections(text, s) if _PROBLEM_SUB.search(sub.heading)]
            if subs:
                cut = subs[0].start
                out.append(Section(s.section, s.ordinal, s.heading, s.start, cut, s.inferred))
                out.append(Section("5", 0, "", cut, s.end, inferred=True))
                continue
        out.append(s)
    return out


_SUB_MARK = re.compile(r"(?<!第)（\s*([一二三四五六七八九十]{1,2})\s*）\s*")
# Row labels of the statistical tables: （一）予以公开 … are not subsections.
_TABLE_LABEL = re.compile(r"^(?:予以公开|部分公开|不予公开|无法提供|不予处理|其他处理|总计|不予|无|其)")
_SUB_STOP = re.compile(r"[。；;：:\s\t]")
_SUB_TAIL = re.compile(r"方面|情况|数量|类别|形式|问题|措施|内容|行为|机制|建设|管理|保障")


def find_subsections(text: str, section: Section) -> list[Subsection]:
    """（一）（二）… subsections inside one section, numbered in sequence from （一）.

    >>> t = "五、存在的主要问题及改进情况\\n（一）存在的主要问题。问题。\\n（二）改进措施。措施。"
    >>> [(s.number, s.heading) for s in find_subsections(t, find_sections(t)[-1])]
    [(1, '存在的主要问题'), (2, '改进措施')]
    """
    subs: list[tuple[int, int, str]] = []
    expect = 1
    for m in _SUB_MARK.finditer(text, section.start, section.end):
        number = cn_ordinal(m.group(1))
        if number != expect:
            continue
        rest = text[m.end(): min(m.end() + _MAX_HEADING, section.end)]
        if _TABLE_LABEL.match(rest):
            continue
        stop = _SUB_STOP.search(rest)
        heading = rest[: stop.start()] if stop else rest
        if len(heading) > 12:  # a run-in heading: "（一）组织机构方面我区成立了…", "（一）主动公开政府信息的数量各乡镇…"
            tail = _SUB_TAIL.search(heading, 2)
            if tail and (tail.group(0) == "方面" or len(heading) > 20):
                heading = heading[: tail.end()]
            elif len(heading) > 20:
                heading = ""  # where the heading ends cannot be told: keep the number, not a guess
        subs.append((m.start(), number, heading))
        expect += 1
    return [
        Subsection(section.section, number, heading, start,
                   subs[i + 1][0] if i + 1 < len(subs) else section.end)
        for i, (start, number, heading) in enumerate(subs)
    ]
