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


def strip_spam(text: str) -> tuple[str, list[str]]:
    """``text`` without its spam lines, and the lines removed."""
    keep, spam = [], []
    rx = _cues()
    for line in text.split("\n"):
        if len(line) < 200 and len({m.group(0).lower() for m in rx.finditer(line)}) >= 2:
            spam.append(line.strip())
        else:
            keep.append(line)
    return "\n".join(keep), spam
