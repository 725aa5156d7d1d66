"""Split a normalised report into sentences that know where they sit.

A sentence ends at 。！？；!? (closing quotes and brackets stay with it), at a line
end (one line of normalised text is one paragraph, heading or table row), at the
end of a section or subsection heading that runs into its text on the same line,
and before an enumeration that follows a colon (``…以下几个方面：一是…``).

Each sentence records ``doc_id``-free provenance (the caller adds the document):
``start``/``end`` into the normalised text, the statutory ``section``, the
``subsection`` number and heading it sits under, the enumeration marker it opens
with (``enum``: 一是, 二要, 1., （三） …; ``enum_n`` its number) and its ``kind``:
``heading``, ``table`` (a statistical-table row or cell run) or ``text``.

>>> from govtext.sections import find_sections
>>> t = "五、存在的主要问题及改进情况\\n（一）主要问题。一是公开不及时；二是形式单一。"
>>> [(s["kind"], s["enum"], s["text"]) for s in split_sentences(t, find_sections(t))]
[('heading', '五、', '五、存在的主要问题及改进情况'), ('heading', '（一）', '（一）主要问题。'), ('text', '一是', '一是公开不及时；'), ('text', '二是', '二是形式单一。')]
"""

from __future__ import annotations

import re

from .sections import CN_NUMERALS, Section, Subsection, cn_ordinal, find_subsections

__all__ = ["split_sentences", "enumeration"]

_END = re.compile(r"[。！？；!?;]+[”’」』）)]*")
_ENUM_AFTER_COLON = re.compile(
    r"[：:](?=\s*(?:[一二三四五六七八九十]+[是要]|[（(]?[一二三四五六七八九十\d]{1,2}[）)]|\d{1,2}[.、．](?!\d)))"
)
_ENUM = re.compile(
    r"^\s*(?:(?P<cn>[一二三四五六七八九十]{1,3})(?P<kind>[是要、])"
    r"|第(?P<ordinal>[一二三四五六七八九十]{1,3})[，,、]"
    r"|[（(](?P<paren>[一二三四五六七八九十]{1,3}|\d{1,2})[）)]"
    r"|(?P<arabic>\d{1,2})[.、．](?!\d)"
    r"|(?P<word>首先|其次|再次|最后)[，,])"
)
_TABLE_HINT = re.compile(r"\d{4,}|(?:\d+\s+){3,}\d+")


def enumeration(text: str) -> tuple[str, int | None]:
    """The enumeration marker a sentence opens with, and its number.

    >>> enumeration("二要强化监督，严格考核。"), enumeration("（三）加强平台建设"), enumeration("全年受理3件。")
    (('二要', 2), ('（三）', 3), ('', None))
    """
    m = _ENUM.match(text)
    if not m:
        return "", None
    marker = m.group(0).strip().rstrip("，,")
    if m.group("cn"):
        n = cn_ordinal(m.group("cn")) if all(c in CN_NUMERALS for c in m.group("cn")) else None
    elif m.group("ordinal"):
        n = cn_ordinal(m.group("ordinal"))
    elif m.group("paren"):
        p = m.group("paren")
        n = int(p) if p.isdigit() else cn_ordinal(p)
    elif m.group("arabic"):
        n = int(m.group("arabic"))
    else:
        n = {"首先": 1, "其次": 2, "再次": 3}.get(m.group("word"))
    return marker, n


def _is_table(piece: str) -> bool:
    if "\t" in piece:
        return True
    if piece.rstrip().endswith(("。", "；", "！", "？")):  # prose ends like prose
        return False
    digits = sum(ch.isdigit() for ch in piece)
    # flattened statistical tables: long digit runs and almost no punctuation
    return digits >= 8 and digits > 0.25 * len(piece) and "，" not in piece and bool(_TABLE_HINT.search(piece))


def _cut_points(text: str, start: int, end: int, extra: list[int]) -> list[int]:
    cuts = {start, end}
    cuts.update(p for p in extra if start < p < end)
    for m in _END.finditer(text, start, end):
        cuts.add(m.end())
    for m in _ENUM_AFTER_COLON.finditer(text, start, end):
        cuts.add(m.end())
    pos = text.find("\n", start, end)
    while pos != -1:
        cuts.update((pos, pos + 1))
        pos = text.find("\n", pos + 1, end)
    return sorted(cuts)


def split_sentences(text: str, sections: list[Section], subsections: list[Subsection] | None = None) -> list[dict]:
    """Sentences of ``text`` as dicts (see module docstring), in document order.

    ``subsections`` defaults to the （一）（二） subsections found in each section.
    """
    if subsections is None:
        subsections = [sub for sec in sections for sub in find_subsections(text, sec)]
    heading_spans: dict[int, int] = {}
    for sec in sections:
        if sec.heading:
            h_end = text.find(sec.heading, sec.start) + len(sec.heading)
            heading_spans[sec.start] = h_end
    sub_heading_end: dict[int, int] = {}
    for sub in subsections:
        h_end = text.find(sub.heading, sub.start) + len(sub.heading) if sub.heading else sub.start
        if h_end < len(text) and text[h_end] in "：:":
            h_end += 1  # "（一）存在的主要问题：" keeps its colon
        # a run-in heading ends at its own 。 or ：, which the sentence rules cut anyway
        sub_heading_end[sub.start] = h_end
    extra = list(heading_spans.values()) + list(heading_spans) + list(sub_heading_end) + \
        [e for e in sub_heading_end.values()]
    out: list[dict] = []
    for sec in sections:
        cuts = _cut_points(text, sec.start, sec.end, extra)
        subs = [s for s in subsections if s.section == sec.section and sec.start <= s.start < sec.end]
        for a, b in zip(cuts, cuts[1:]):
            piece = text[a:b]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            s, e = a + lead, b - trail
            if e <= s:
                continue
            sentence = text[s:e]
            # glue a heading's closing 。 cut: "（一）主要问题" + "。" are one unit
            if out and sentence in "。；;" and out[-1]["end"] == s:
                out[-1]["end"] = e
                out[-1]["text"] += sentence
                continue
            sub = next((x for x in reversed(subs) if x.start <= s), None)
            if s in heading_spans or (sec.heading and s == sec.start):
                kind = "heading"
            elif sub is not None and s == sub.start and e <= max(sub_heading_end[sub.start] + 1, s + 1) + 1:
                kind = "heading"
            elif _is_table(sentence):
                kind = "table"
            else:
                kind = "text"
            marker, n = enumeration(sentence) if kind != "table" else ("", None)
            out.append({
                "sent_id": len(out),
                "section": sec.section,
                "subsection": sub.number if sub else None,
                "sub_heading": sub.heading if sub else "",
                "enum": marker,
                "enum_n": n,
                "kind": kind,
                "start": s,
                "end": e,
                "text": sentence,
            })
    return out
