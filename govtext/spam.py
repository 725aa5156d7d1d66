"""Lines injected into report pages by hacked sites (gambling SEO spam): found and dropped before normalisation.

A line is spam when it holds at least two different cues of ``resources/spam_patterns.txt``
(plain data, one cue per line). Real reports mention 彩票公益金 or 网络游戏 but never two of these.

>>> strip_spam("一、总体情况\\n澳门新葡京 真人娱乐 注册送彩金\\n本机关公开福利彩票公益金使用情况。")
('一、总体情况\\n本机关公开福利彩票公益金使用情况。', ['澳门新葡京 真人娱乐 注册送彩金'])
"""

from __future__ import annotations

import re
from functools import lru_cache

from .resources import read_resource_lines

__all__ = ["strip_spam"]


@lru_cache(maxsize=1)
def _cues() -> re.Pattern:
    words = [w.strip() for w in read_resource_lines("spam_patterns.txt") if w.strip()]
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.I)


_SEGMENT = re.compile(r"[^。！？!?\s]+[。！？!?]*\s*")


def _is_spam(piece: str, rx: re.Pattern) -> bool:
    return len(piece) < 200 and len({m.group(0).lower() for m in rx.finditer(piece)}) >= 2


def strip_spam(text: str) -> tuple[str, list[str]]:
    """``text`` without its spam lines, and the lines removed.

    A long line (a scraped page's body on one line) is checked sentence by sentence and
    space-separated run by run, so spam injected inside it is removed too.

    >>> body = "一、总体情况 " + "本年度主动公开政府信息100条，均按规定及时发布。" * 10
    >>> text, removed = strip_spam(body + " 澳门新葡京 真人娱乐 注册送彩金 二、主动公开政府信息情况")
    >>> removed, text.endswith("及时发布。 二、主动公开政府信息情况")
    (['澳门新葡京', '真人娱乐', '注册送彩金'], True)
    """
    keep, spam = [], []
    rx = _cues()
    for line in text.split("\n"):
        if _is_spam(line, rx):
            spam.append(line.strip())
        elif len(line) >= 200 and rx.search(line):
            pieces = _SEGMENT.findall(line)
            # a run of neighbouring pieces that together hold two cues (spam split by spaces)
            drop = set()
            for i in range(len(pieces)):
                for j in range(i + 1, min(i + 6, len(pieces)) + 1):
                    window = "".join(pieces[i:j])
                    if rx.search(pieces[i]) and _is_spam(window, rx) and rx.search(pieces[j - 1]):
                        drop.update(range(i, j))
                        break
            grown = True
            while grown:  # a piece with one cue next to dropped spam is part of it
                extra = {k for k in range(len(pieces)) if k not in drop and (k - 1 in drop or k + 1 in drop)
                         and len(pieces[k]) < 200 and rx.search(pieces[k])}
                drop |= extra
                grown = bool(extra)
            spam.extend(pieces[k].strip() for k in sorted(drop))
            keep.append("".join(p for k, p in enumerate(pieces) if k not in drop) if drop else line)
        else:
            keep.append(line)
    return "\n".join(keep), spam
