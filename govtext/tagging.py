"""Tag each sentence of a report as ``issue``, ``remedy`` or ``other``, and pair issues with remedies.

Labels (see ``data/labels/GUIDELINE.md``):

* ``issue``  — a problem or shortfall the body admits (存在公开的信息质量不高的问题, 力度不够,
  常规例行检查指导工作偏少, 仍有待提高);
* ``remedy`` — an action promised or planned (一要提高认识, 下一步我局将继续加强…,
  进一步健全完善…考核奖惩制度 under 改进措施);
* ``other``  — achievement, background, boilerplate, headings, table rows. Work done last
  year is ``other`` even when phrased with 进一步, 加强 or 不断 (进一步健全了…制度).

Three taggers, all shaped like scikit-learn estimators (``fit``, ``predict``,
``predict_proba``, ``classes_``):

:class:`RuleTagger`
    Cue lexicons (plain files under ``govtext/resources/``: ``cues_issue.txt``,
    ``cues_remedy.txt``, ``cues_negation.txt``, ``cues_past.txt``, ``cues_context.txt``),
    negation-aware (不断加强, 未发生行政复议, 无不予公开情形 are blanked out before problem
    cues are matched) and context-aware: the （一）/（二） heading a sentence sits under,
    lead-in sentences (存在以下问题： / 将采取以下措施：) and the enumeration runs
    (一是…二是…) that follow them, in section 五 and in any other section.
:class:`LearnedTagger`
    Logistic regression on character 1–3-grams (optionally jieba words) plus the rule
    features. Saved as a plain JSON file (vocabulary, idf, coefficients, the sha256 of
    the training data and of the cue lexicons, the govtext version): nothing is
    unpickled when a model is loaded.
:class:`CombinedTagger`
    The average of the two taggers' probabilities.

``tag_sentences(df)`` uses the ``"default"`` tagger, :data:`DEFAULT_TAGGER` = ``"rules"``;
``tag_records(sentence_dicts)`` gives the same labels for one document without building a
DataFrame.
It is the tagger with the highest macro-F1 when ``benchmarks/tagger_cv.py`` cross-validates
all three on ``data/labels/sentences.tsv`` with GroupKFold by report (750 sentences, 22
reports + constructed traps): rules 0.992 (1.000 on the 647 real-report rows), combined
0.986 (0.998), learned 0.973 (0.998), a text-only n-gram model 0.845 (0.889). Caveat: the
lexicons were written while reading these same reports, so the rule figure is optimistic;
on a small blind check of other bodies' reports (8 reports, 125 sentences, labelled before
tagging) the first version scored rules 0.93, learned 0.95, combined 0.93. The rules also
need no model file and always agree with their evidence. Whatever the tagger, the
``cues`` column is the rule evidence (the cue strings that fired, ``neg:`` for a
negation trap, ``past:`` for an achievement marker, ``ctx:`` for context, ``kind:`` for
headings and table rows).

Train on your own labels with one call: ``m = train(my_labels); m.save("m.json")``, then
``tag_sentences(df, LearnedTagger.load("m.json"))``; ``train(weak=corpus.sentences())``
trains on weak labels taken from the corpus's own section-五 structure. The learned
model's rule features come from the shipped lexicons; loading a model trained with other
lexicon files warns.

>>> import pandas as pd
>>> df = pd.DataFrame({"text": ["一是政策解读形式单一，公开不及时。", "下一步，我局将继续加强培训。",
...                             "我县不断加强组织领导，全年未发生行政复议。"]})
>>> tag_sentences(df, "rules")[["label", "cues"]].values.tolist()
[['issue', '单一；不及时'], ['remedy', '下一步；我局将；继续；加强'], ['other', '加强；组织；neg:不断；neg:未发生；past:全年']]
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd

from .resources import read_resource_text, resource_path
from .sections import CN_NUMERALS, cn_ordinal
from .sentences import enumeration

__all__ = [
    "LABELS", "DEFAULT_TAGGER", "MODEL_RESOURCE", "Cue", "load_cues",
    "RuleTagger", "LearnedTagger", "CombinedTagger", "ModelFileError",
    "tag_sentences", "tag_records", "train", "weak_labels", "labelled_to_sentences", "load_labels",
    "pair_issues", "kwic", "get_tagger", "training_sha256",
]

LABELS = ("issue", "remedy", "other")
MODEL_RESOURCE = "tagger_model.json"
MODEL_FORMAT = "govtext.LearnedTagger"
MODEL_FORMAT_VERSION = 1
# Chosen by benchmarks/tagger_cv.py (GroupKFold by report): the rule tagger scored highest
# (see the module docstring for the figures and their caveat).
DEFAULT_TAGGER = "rules"
CUE_FILES = ("cues_issue.txt", "cues_remedy.txt", "cues_negation.txt", "cues_past.txt", "cues_context.txt")
SEP = "；"

_GAP = r"[^。；！？!?]{0,30}?"


# =============================================================================== cue lexicons
@dataclass(frozen=True)
class Cue:
    """One line of a cue lexicon: what it says, its compiled pattern, weight and group."""

    text: str
    pattern: re.Pattern
    weight: float = 1.0
    group: str = ""
    literals: tuple[str, ...] = ()  # substrings every match contains (a fast pre-check before the regex)


def _compile_cue(cue: str) -> re.Pattern:
    if cue.startswith("re:"):
        return re.compile(cue[3:])
    parts = [re.escape(p) for p in cue.split("…")]
    return re.compile(_GAP.join(parts))


def _parse_cues(lines: Iterable[str], origin: str) -> tuple[Cue, ...]:
    out: list[Cue] = []
    group = ""
    for n, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if stripped.startswith("##"):
            group = stripped.lstrip("#").strip()
            continue
        if not stripped or stripped.startswith("#"):
            continue
        cue, _, weight = line.partition("\t")
        cue = cue.strip()
        try:
            w = float(weight) if weight.strip() else 1.0
            pattern = _compile_cue(cue)
        except (ValueError, re.error) as exc:
            raise ValueError(f"{origin}, line {n}: bad cue {line!r}: {exc}") from None
        literals = () if cue.startswith("re:") else tuple(p for p in cue.split("…") if p)
        out.append(Cue(cue, pattern, w, group, literals))
    return tuple(out)


@lru_cache(maxsize=None)
def _shipped_cues(name: str) -> tuple[Cue, ...]:
    return _parse_cues(read_resource_text(name).splitlines(), name)


def load_cues(source: str | Path | Iterable[str] | None, default: str) -> tuple[Cue, ...]:
    """Cues from a file path, an iterable of cue lines, or (``None``) the shipped file ``default``.

    >>> [c.text for c in load_cues(["# comment", "不够", "存在…问题\\t2"], "cues_issue.txt")]
    ['不够', '存在…问题']
    """
    if source is None:
        return _shipped_cues(default)
    if isinstance(source, (str, Path)):
        path = Path(source)
        return _parse_cues(path.read_text(encoding="utf-8").splitlines(), str(path))
    return _parse_cues(list(source), "<cue list>")


def _lexicon_sha256() -> dict[str, str]:
    return {name: hashlib.sha256(resource_path(name).read_bytes()).hexdigest() for name in CUE_FILES}


# =============================================================================== input frames
def _enum_number(marker: str) -> int | None:
    """The number of an enumeration marker: 二要 → 2, （三） → 3, 4. → 4, '' → None."""
    return enumeration(marker)[1] if marker else None


def _enum_marker(text: str) -> str:
    return enumeration(text)[0]


_COLUMNS = ("doc_id", "sent_id", "section", "subsection", "sub_heading", "enum", "kind", "text")
_DOC_FIELDS = ("text", "section", "kind", "sub_heading", "subsection", "enum")  # what RuleTagger._tag_doc reads


def _prepare(sentences) -> pd.DataFrame:
    """The columns the taggers read, with defaults for whatever a caller left out.

    Accepts the sentences DataFrame of :func:`govtext.sentences.split_sentences`, a
    DataFrame with only ``text``, or a list/Series of strings (no context: the
    section is unknown, ``""``).
    """
    if isinstance(sentences, pd.DataFrame):
        df = sentences
    else:
        df = pd.DataFrame({"text": list(sentences)})
    if "text" not in df.columns:
        raise ValueError("sentences need a 'text' column")
    n = len(df)
    out = pd.DataFrame(index=df.index)
    out["text"] = df["text"].fillna("").astype(str)
    out["doc_id"] = df["doc_id"].astype(str) if "doc_id" in df else "doc"
    out["sent_id"] = df["sent_id"] if "sent_id" in df else np.arange(n)
    out["section"] = df["section"].fillna("").astype(str) if "section" in df else ""
    if "subsection" in df:
        out["subsection"] = df["subsection"]
    else:
        out["subsection"] = pd.Series([pd.NA] * n, index=df.index, dtype="object")
    out["sub_heading"] = df["sub_heading"].fillna("").astype(str) if "sub_heading" in df else ""
    if "enum" in df:
        out["enum"] = df["enum"].fillna("").astype(str)
    else:
        out["enum"] = [_enum_marker(t) for t in out["text"]]
    out["kind"] = df["kind"].fillna("text").astype(str) if "kind" in df else "text"
    # a section written as 5 / 5.0 / "五" is section "5"
    out["section"] = out["section"].map(_section_id)
    return out


def _section_id(value) -> str:
    s = str(value).strip()
    if s in ("", "nan", "None", "<NA>"):
        return ""
    if re.fullmatch(r"\d+(?:\.0)?", s):
        return str(int(float(s)))
    if s and all(c in CN_NUMERALS for c in s):
        return str(cn_ordinal(s))
    return s


_section_id_of_str = lru_cache(maxsize=1024)(_section_id)  # for values of type str only


def _missing(value) -> bool:
    """What pandas' ``fillna`` fills: None, NaN, ``pd.NA``, ``pd.NaT``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _prepare_columns(sentences: Sequence[dict], doc_id: str = "") -> dict[str, list]:
    """:func:`_prepare` for a list of sentence dicts, without pandas: one list per column of ``_COLUMNS``.

    As in a DataFrame built from the dicts, a key that any sentence has is a column, and a
    sentence without it has a missing value there, which gets the column's default;
    ``doc_id`` is used where a sentence has none.
    """
    keys = set().union(*sentences) if sentences else set()
    if sentences and "text" not in keys:
        raise ValueError("sentences need a 'text' column")
    if set(map(len, sentences)) == {len(keys)}:  # every sentence has every key, as usual
        def values_of(key: str) -> list:
            return list(map(itemgetter(key), sentences)) if key in keys else [None] * len(sentences)
    else:
        def values_of(key: str) -> list:
            return [s.get(key) for s in sentences]

    def column(key: str, default: str) -> list[str]:
        # a str is taken as it is; anything else as pandas' fillna(default).astype(str) would
        values = values_of(key)
        if set(map(type, values)) != {str}:
            values = [v if type(v) is str else default if _missing(v) else str(v) for v in values]
        return values

    text, section = column("text", ""), column("section", "")
    section_ids = {s: _section_id_of_str(s) for s in set(section)}
    return {
        "doc_id": [str(s.get("doc_id", doc_id)) for s in sentences] if "doc_id" in keys
        else [str(doc_id)] * len(sentences),
        "sent_id": values_of("sent_id") if "sent_id" in keys else list(range(len(sentences))),
        "section": [section_ids[s] for s in section],
        "subsection": values_of("subsection"),
        "sub_heading": column("sub_heading", ""),
        "enum": column("enum", "") if "enum" in keys else [_enum_marker(t) for t in text],
        "kind": column("kind", "text"),
        "text": text,
    }


def _frame_columns(df: pd.DataFrame) -> dict[str, list]:
    """The columns of a :func:`_prepare` frame as lists (per-row access is slow)."""
    return {c: df[c].tolist() for c in _COLUMNS}


def _doc_order(columns: dict[str, list]) -> list[list[int]]:
    """Row positions grouped by document, each in ``sent_id`` order (missing last, then position)."""
    doc_ids, sent_ids = columns["doc_id"], columns["sent_id"]
    if doc_ids and doc_ids.count(doc_ids[0]) == len(doc_ids):  # the usual case: one document
        groups = [list(range(len(doc_ids)))]
    else:
        docs: dict[str, list[int]] = {}
        for pos, d in enumerate(doc_ids):
            docs.setdefault(d, []).append(pos)
        groups = list(docs.values())
    out = []
    for positions in groups:
        ids = [sent_ids[p] for p in positions]
        if all(type(i) is int for i in ids):  # no missing ids; already in order, usually
            out.append(positions if ids == sorted(ids) else sorted(positions, key=sent_ids.__getitem__))
            continue
        key = sorted((True, 0, p) if _missing(i) else (False, i, p) for i, p in zip(ids, positions))
        out.append([p for *_, p in key])
    return out


# =============================================================================== rule tagger
@dataclass
class _Lex:
    issue: float
    future: float
    action: float
    past: float
    neg: int
    issue_cues: list[str]
    remedy_cues: list[str]
    past_cues: list[str]
    neg_cues: list[str]


try:  # the regular-expression parser, to read which characters every match of a cue contains
    from re import _constants as _sre_c
    from re import _parser as _sre_parse
except ImportError:  # Python 3.10
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

_REPEATS = tuple(getattr(_sre_c, n) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_sre_c, n))


def _required_item(op, av, cost) -> set[str] | None:
    if op is _sre_c.LITERAL:
        return {chr(av)}
    if op is _sre_c.IN:
        chars: set[str] = set()
        for o, a in av:
            if o is _sre_c.LITERAL:
                chars.add(chr(a))
            elif o is _sre_c.RANGE and a[1] - a[0] < 256:
                chars.update(map(chr, range(a[0], a[1] + 1)))
            else:  # NEGATE, CATEGORY, a wide range
                return None
        return chars
    if op is _sre_c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        return None if add_flags or del_flags else _required(sub, cost)
    if op is _sre_c.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            keys = _required(alt, cost)
            if keys is None:
                return None
            out |= keys
        return out
    if op in _REPEATS:
        lo, _hi, sub = av
        return _required(sub, cost) if lo >= 1 else None
    return None  # ANY, NOT_LITERAL, an assertion, a group reference, an atomic group …


def _required(seq, cost) -> set[str] | None:
    """Characters one of which every match of the parsed pattern ``seq`` contains (None: unknown).

    Of the sets its parts give, the one of least ``cost(set)``.
    """
    return min(filter(None, (_required_item(op, av, cost) for op, av in seq)), key=cost, default=None)


_MASK = "□"


def _plain_text(pattern: re.Pattern) -> str:
    """The string a pattern matches when it matches only that (no operators, no flags), else ''."""
    if pattern.flags != re.UNICODE:
        return ""
    try:
        parsed = list(_sre_parse.parse(pattern.pattern, pattern.flags))
    except (re.error, TypeError, ValueError):  # another Python's parser: no shortcut
        return ""
    if not all(op is _sre_c.LITERAL for op, _ in parsed):
        return ""
    return "".join(chr(av) for _, av in parsed)


def _required_chars(pattern: re.Pattern, cost) -> set[str] | None:
    """:func:`_required` of a compiled pattern; None also when it has □, which masking adds."""
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return None
    try:
        chars = _required(_sre_parse.parse(pattern.pattern, pattern.flags), cost)
    except (re.error, TypeError, ValueError):  # another Python's parser: the cue is tried on every text
        return None
    return None if chars is None or _MASK in chars else chars


def _any_pattern(cues: Sequence[Cue]) -> re.Pattern | None:
    """One pattern that matches a text exactly when one of the cues' patterns does.

    None when there are no cues or they cannot be joined safely (inline flags, group references).
    """
    sources = [c.pattern.pattern for c in cues]
    if not sources or any(c.pattern.flags != re.UNICODE or re.search(r"\\\d|\(\?P=|\(\?\(", s)
                          for c, s in zip(cues, sources)):
        return None
    try:
        return re.compile("|".join(f"(?:{s})" for s in sources))
    except re.error:  # e.g. the same group name in two cues
        return None


_CONTEXT_GROUPS = ("issue_heading", "remedy_heading", "issue_heading_5", "remedy_heading_5",
                   "done_heading", "done_leadin", "issue_leadin", "remedy_leadin")


# Frequent characters of these reports, most frequent first (counted on real reports): a cue is
# filed under a rarer character of its own where it has one, so that fewer sentences try it.
_FREQUENT = ("公政开信息府的作工务条行区年和实进主一动关情办请理申要平全数及项人况网发会度门件等中报规不"
             "各部管在制时设有事是查结其众法单本二合位站告复建推布民化类国重三通提保机强范新目对方计策性共"
             "面以大服加县验收社业了为第内文定上量审处果综于依生用下展分委问求他安相点体组好栏容导做解专地"
             "领力户确与诉步效议改能总")


class _Lexicons:
    """A rule tagger's cue lists, indexed once (and shared by taggers with the same lexicons).

    Each cue is filed under characters one of which all its matches contain (see
    :func:`_required`), so that a sentence is tried only against the cues it has such a
    character of; the results are those of trying every cue. The cues a sentence may match
    are a bit set over the five lists numbered through (see :meth:`candidates`).
    """

    def __init__(self, issue: tuple[Cue, ...], remedy: tuple[Cue, ...], neg: tuple[Cue, ...],
                 past: tuple[Cue, ...], context: tuple[Cue, ...]):
        self.future_cues = tuple(c for c in remedy if c.group != "action")
        self.action_cues = tuple(c for c in remedy if c.group == "action")
        self.ctx = {g: tuple(c for c in context if c.group == g) for g in _CONTEXT_GROUPS}
        self.ctx_any = {g: _any_pattern(cues) for g, cues in self.ctx.items()}
        # the lists in the order lexical() reads them (NEG, ISSUE, PAST, FUTURE, ACTION), numbered through
        lists = (neg, issue, past, self.future_cues, self.action_cues)
        cues = [c for lst in lists for c in lst]
        # per cue: the string to str.find when its pattern is just that string, how a hit is shown,
        # its weight, the literals to check before a search, the pattern
        self._plan = []
        for c in cues:
            plain, is_re = _plain_text(c.pattern), c.text.startswith("re:")
            self._plan.append((plain, plain if plain and is_re else c.text, c.weight, c.literals, c.pattern, is_re))
        self.list_bits, start = [], 0
        for lst in lists:
            self.list_bits.append(((1 << len(lst)) - 1) << start)
            start += len(lst)
        # the cost of filing a cue under a set of characters: their frequency in reports, then in the lexicons
        shared = Counter(ch for c in (*cues, *context) for ch in set(c.pattern.pattern))
        frequent = {ch: len(_FREQUENT) - r for r, ch in enumerate(_FREQUENT)}

        def cost(chars: set[str]) -> int:
            return sum(1000 * frequent.get(ch, 0) + shared[ch] + 1 for ch in chars)

        self._always = 0
        bits: dict[str, int] = {}
        for n, cue in enumerate(cues):
            chars = _required_chars(cue.pattern, cost)
            if chars is None:
                self._always |= 1 << n
            for ch in chars or ():
                bits[ch] = bits.get(ch, 0) | 1 << n
        self._bits = bits
        self._chars = frozenset(bits)
        self.ctx_chars: dict[str, frozenset | None] = {}
        for g, group in self.ctx.items():
            chars = [_required_chars(c.pattern, cost) for c in group]
            self.ctx_chars[g] = None if not group or None in chars else frozenset().union(*chars)
        every = sorted(self._chars.union(*filter(None, self.ctx_chars.values())))
        self._probe = re.compile(f"[{''.join(map(re.escape, every))}]") if every else None
        # the rule taggers' bounded memos (see _remember): a sentence text's _Facts, a heading's mode,
        # the probabilities and label of four lexical weights in a context
        self.facts: dict[str, _Facts] = {}
        self.heading_modes: dict[tuple[str, bool], str | None] = {}
        self.scores: dict[tuple, tuple] = {}
        self.subclass_memos: dict[type, tuple[dict, dict, dict]] = {}  # a subclass may override what is remembered

    def probe(self, text: str) -> set[str]:
        """The characters of ``text`` that some cue is filed under."""
        return set(self._probe.findall(text)) if self._probe is not None else set()

    def candidates(self, probe: set[str]) -> int:
        """The cues a text with this :meth:`probe` may match, as a bit set (bit n: cue n)."""
        bits = self._always
        for ch in probe.intersection(self._chars):
            bits |= self._bits[ch]
        return bits

    def find(self, candidates: int, text: str) -> list[tuple[str, float, int, int]]:
        """(shown cue, weight, start, end) of each candidate cue found in ``text``, dropping a hit
        inside a longer short one.

        ``candidates``: a bit set of cues of one list. A cue counts with its first match. A
        regular-expression cue is shown as the text it matched; a plain cue as written. A hit
        inside another hit of at most 6 characters is dropped (不够 inside 重视不够), but not
        inside a long gapped one (不高 inside 存在…不高…问题 still counts).
        """
        hits = []
        plan = self._plan
        while candidates:  # lowest bit first: lexicon order, which breaks ties below
            low = candidates & -candidates
            candidates ^= low
            plain, shown, weight, lits, pattern, is_re = plan[low.bit_length() - 1]
            if plain:  # the leftmost match of a pattern that is a plain string
                a = text.find(plain)
                if a >= 0:
                    hits.append((shown, weight, a, a + len(plain)))
                continue
            if lits and (lits[0] not in text or (len(lits) > 1 and not all(lit in text for lit in lits[1:]))):
                continue
            m = pattern.search(text)
            if m:
                a, b = m.span()
                if b > a:
                    hits.append((m.group(0) if is_re else shown, weight, a, b))
        if len(hits) < 2:
            return hits
        hits.sort(key=lambda h: (h[2], -(h[3] - h[2])))
        kept: list[tuple[str, float, int, int]] = []
        for h in hits:
            a, b = h[2], h[3]
            for k in kept:
                # inside a longer hit of at most 6 characters, or from the same start (存在…问题 and
                # 存在…情况 from one 存在)
                if k[2] == a or (k[2] <= a and b <= k[3] and b - a < k[3] - k[2] <= 6):
                    break
            else:
                kept.append(h)
        return kept

    def matches(self, group: str, text: str, probe: set[str]) -> bool:
        """Whether a context cue of ``group`` matches ``text`` (whose :meth:`probe` is ``probe``)."""
        chars = self.ctx_chars[group]
        if chars is not None and probe.isdisjoint(chars):
            return False
        joined = self.ctx_any[group]
        if joined is not None:
            return joined.search(text) is not None
        return any(c.pattern.search(text) for c in self.ctx[group])


# Entries a memo (_Lexicons.facts, .heading_modes, .scores) holds before it is emptied: reports repeat
# much of their text verbatim, and the bound keeps memory small whatever the corpus. What a memo holds
# never changes a result, only how soon it comes.
_MEMO_SIZE = 20_000


def _remember(memo: dict, key, value):
    """Store ``value`` under ``key`` in a bounded memo (emptied when full) and return it."""
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value
    return value


class _Facts:
    """What tagging needs from a sentence's own text, whatever its context (see ``RuleTagger._facts``)."""

    __slots__ = ("action", "cues", "future", "generic", "issue", "lead", "neg", "numbered", "paren", "past", "plain")

    def __init__(self, lex: _Lex, cues: str, lead: str | None, plain: bool, paren: bool, numbered: bool):
        # the weights of the lexical evidence, as in _Lex
        self.issue, self.future, self.action, self.past, self.neg = lex.issue, lex.future, lex.action, lex.past, lex.neg
        self.cues = cues  # the lexical cues, joined
        self.lead = lead  # what the sentence leads in, as a text sentence (RuleTagger.leadin)
        self.plain = plain  # a signature, or no Chinese: never a statement
        self.paren = paren  # starts with a marker such as （一） or 一、
        self.numbered = numbered  # a statutory section heading (_section_heading)
        self.generic: bool | None = None  # worded like a topic heading (存在的问题, 改进措施 …); None: not yet known


_LEXICONS: dict[tuple[int, ...], tuple[tuple, _Lexicons]] = {}


def _lexicons(*cue_lists: tuple[Cue, ...]) -> _Lexicons:
    """The indexed lexicons of these cue lists, built once per set of lists (the shipped ones are cached)."""
    key = tuple(map(id, cue_lists))
    hit = _LEXICONS.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], cue_lists)):
        return hit[1]
    lx = _Lexicons(*cue_lists)
    if len(_LEXICONS) >= 32:  # custom lexicons are parsed anew for each tagger: keep the cache small
        _LEXICONS.pop(next(iter(_LEXICONS)))
    _LEXICONS[key] = (cue_lists, lx)
    return lx


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = _MASK
    return "".join(chars)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_SIGNATURE = re.compile(
    r"^(?:[\u4e00-\u9fff（）]{2,30}(?:人民政府|办公室|办公厅|委员会|管委会|局|委|中心|政府)"
    r"|(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|二[〇○零]\S{2,8}年\S{1,3}月\S{1,4}日"
    r"|附件\S{0,4}|附件下载|(?:政府|政务)?信息公开\S{0,6}统计表)$"
)
_PAREN_MARK = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,2}\s*、)")
_GENERIC_HEADING = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]{1,3}[）)、.．]?\s*)?"
    r"(?:[\u4e00-\u9fff\d\s]{0,16}?(?:工作)?(?:中)?(?:存在的?)?(?:主要)?(?:问题|不足|困难|差距)"
    r"(?:[和及与、](?:问题|不足|困难|差距|短板))?(?:[和及与、](?:改进|整改)(?:情况|措施|方向)?)?(?:分析|梳理)?"
    r"|[\u4e00-\u9fff\d\s]{0,16}?(?:改进|整改)(?:的)?(?:情况|措施|方向|举措|办法)"
    r"|(?:下一步|今后|\d{4}\s*年)(?:工作)?(?:改进|整改)?(?:打算|计划|安排|措施|思路|方向)?)[。：:]?$"
)


class RuleTagger:
    """Cue-lexicon tagger with negation and context (see the module docstring).

    Pass a path or a list of cue lines for any lexicon to override the shipped one.
    ``fit`` does nothing (the rules are not learned); it exists so the tagger fits
    wherever a scikit-learn estimator does.
    """

    classes_ = np.array(LABELS)

    def __init__(self, issue_cues=None, remedy_cues=None, negation_cues=None, past_cues=None,
                 context_cues=None):
        self.issue_cues = issue_cues
        self.remedy_cues = remedy_cues
        self.negation_cues = negation_cues
        self.past_cues = past_cues
        self.context_cues = context_cues
        self._issue = load_cues(issue_cues, "cues_issue.txt")
        self._neg = load_cues(negation_cues, "cues_negation.txt")
        self._past = load_cues(past_cues, "cues_past.txt")
        self._lx = _lexicons(self._issue, load_cues(remedy_cues, "cues_remedy.txt"), self._neg, self._past,
                             load_cues(context_cues, "cues_context.txt"))
        self._future, self._action, self._ctx = self._lx.future_cues, self._lx.action_cues, self._lx.ctx

    # -- scikit-learn shape
    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in
                ("issue_cues", "remedy_cues", "negation_cues", "past_cues", "context_cues")}

    def fit(self, sentences=None, labels=None):
        return self

    def predict_proba(self, sentences) -> np.ndarray:
        return self.analyse(sentences)[list(LABELS)].to_numpy(dtype=float)

    def predict(self, sentences) -> np.ndarray:
        return self.analyse(sentences)["label"].to_numpy(dtype=object)

    # -- lexical evidence of one sentence
    def lexical(self, text: str) -> _Lex:
        return self._lexical(text, self._lx.probe(text))

    def _lexical(self, text: str, probe: set[str]) -> _Lex:
        lx = self._lx
        bits = lx.candidates(probe)
        neg, issue, past, future, action = lx.list_bits
        neg, issue, past, future, action = bits & neg, bits & issue, bits & past, bits & future, bits & action
        neg_hits = lx.find(neg, text) if neg else []
        masked = _mask(text, [(a, b) for *_, a, b in neg_hits]) if neg_hits else text
        issue_hits = lx.find(issue, masked) if issue else []
        masked2 = _mask(masked, [(a, b) for *_, a, b in issue_hits]) if issue_hits else masked
        past_hits = lx.find(past, masked) if past else []
        future_hits = lx.find(future, masked2) if future else []
        action_hits = lx.find(action, masked2) if action else []
        remedy_hits = future_hits + action_hits
        if future_hits and action_hits:
            remedy_hits.sort(key=lambda h: h[2])  # stable: a future cue before an action cue at one place
        return _Lex(
            min(sum([h[1] for h in issue_hits]), 5.0) if issue_hits else 0,
            min(sum([h[1] for h in future_hits]), 5.0) if future_hits else 0,
            min(sum([h[1] for h in action_hits]), 4.0) if action_hits else 0,
            min(sum([h[1] for h in past_hits]), 5.0) if past_hits else 0,
            len(neg_hits),
            [h[0] for h in issue_hits],
            [h[0] for h in remedy_hits],
            [h[0] for h in past_hits],
            [h[0] for h in neg_hits],
        )

    def _matches(self, group: str, text: str, probe: set[str] | None = None) -> bool:
        return self._lx.matches(group, text, self._lx.probe(text) if probe is None else probe)

    def heading_mode(self, heading: str, section: str = "5") -> str | None:
        """The mode a subsection heading sets: 'issue', 'remedy', 'done' or None (neither, or both).

        In section 五 the ``*_heading_5`` cues count too, and a heading that is itself a
        problem statement (公开形式不够丰富) sets 'issue'.
        """
        h = re.sub(r"^[（(]?[一二三四五六七八九十\d]{1,3}[）)、.．]\s*", "", heading.strip())
        if not h:
            return None
        in5 = section == "5"
        probe = self._lx.probe(h)
        if self._matches("done_heading", h, probe):
            return "done"
        is_issue = self._matches("issue_heading", h, probe) or (in5 and self._matches("issue_heading_5", h, probe))
        is_remedy = self._matches("remedy_heading", h, probe) or (in5 and self._matches("remedy_heading_5", h, probe))
        if is_issue and not is_remedy:
            return "issue"
        if is_remedy and not is_issue:
            return "remedy"
        if in5 and not is_issue and not is_remedy:
            lex = self._lexical(h, probe)
            if lex.issue >= 1.5 and lex.future + lex.action < lex.issue:
                return "issue"
        return None

    def leadin(self, text: str, lex: _Lex | None = None, probe: set[str] | None = None) -> str | None:
        """'issue'/'remedy'/'done' when the sentence announces a list of problems/measures/done measures."""
        lx = self._lx
        probe = lx.probe(text) if probe is None else probe
        if lx.matches("done_leadin", text, probe):
            return "done"
        is_remedy = lx.matches("remedy_leadin", text, probe)
        is_issue = lx.matches("issue_leadin", text, probe)
        if is_remedy and is_issue:
            lex = lex or self._lexical(text, probe)
            return "issue" if lex.issue >= lex.future else "remedy"
        return "remedy" if is_remedy else "issue" if is_issue else None

    # -- the whole analysis
    def analyse(self, sentences) -> pd.DataFrame:
        """Per sentence: the three probabilities, the label, its score and the cues that fired.

        Also the features the learned tagger uses (``f_*`` columns).
        """
        df = _prepare(sentences)
        columns = [*LABELS, "label", "score", "cues", *RULE_FEATURES]
        return pd.DataFrame(self._tag_rows(_frame_columns(df), features=True), index=df.index, columns=columns)

    def _tag_rows(self, columns: dict[str, list], features: bool = False) -> list[dict]:
        """The analysis of prepared rows (see :func:`_prepare_columns`), one dict per row, in row order.

        Each document is read in ``sent_id`` order. Without ``features`` the dicts hold only the
        three probabilities, ``label``, ``score`` and ``cues``.
        """
        out: list = [None] * len(columns["text"])
        for p, (label, score, cues, probs, feats) in zip(*self._tag_ordered(columns, features)):
            result = {"issue": probs[0], "remedy": probs[1], "other": probs[2], "label": label, "score": score,
                      "cues": cues}
            if feats is not None:
                result.update(feats)
            out[p] = result
        return out

    def _tag_ordered(self, columns: dict[str, list], features: bool = False) -> tuple[list[int], list[tuple]]:
        """Row positions document by document in reading order, and the :meth:`_tag_doc` of each row."""
        order: list[int] = []
        tagged: list[tuple] = []
        fields = [columns[c] for c in _DOC_FIELDS]
        everything = list(range(len(columns["text"])))
        for positions in _doc_order(columns):
            order += positions
            doc = fields if positions == everything else [[f[p] for p in positions] for f in fields]
            tagged += self._tag_doc(*doc, features=features)
        return order, tagged

    def _memos(self) -> tuple[dict, dict, dict]:
        """The memos (facts, heading modes, scores) of the taggers of this class and lexicons: a subclass
        that overrides leadin, heading_mode or _score remembers its own results, never RuleTagger's."""
        lx = self._lx
        if type(self) is RuleTagger:
            return lx.facts, lx.heading_modes, lx.scores
        return lx.subclass_memos.setdefault(type(self), ({}, {}, {}))

    def _facts(self, text: str) -> _Facts:
        """The :class:`_Facts` of a sentence text, remembered per text (shared by taggers of the same lexicons)."""
        memo = self._memos()[0]
        f = memo.get(text)
        if f is None:
            probe = self._lx.probe(text)
            lex = self._lexical(text, probe)
            cues = lex.issue_cues + lex.remedy_cues
            cues += [f"neg:{c}" for c in lex.neg_cues]
            cues += [f"past:{c}" for c in lex.past_cues]
            f = _remember(memo, text, _Facts(
                lex, SEP.join(cues), self.leadin(text, lex, probe),
                plain=_SIGNATURE.match(text.strip()) is not None or _CJK.search(text) is None,
                paren=_PAREN_MARK.match(text) is not None, numbered=_section_heading(text)))
        return f

    def _heading_mode(self, heading: str, in5: bool) -> str | None:
        """:meth:`heading_mode`, remembered per heading."""
        memo, key = self._memos()[1], (heading, in5)
        if key in memo:
            return memo[key]
        return _remember(memo, key, self.heading_mode(heading, "5" if in5 else ""))

    def _tag_doc(self, texts: list[str], sections: list[str], kinds: list[str], sub_headings: list[str],
                 subsections: list, enums: list[str], features: bool) -> list[tuple]:
        """One document's rows (columns of :data:`_DOC_FIELDS`), in reading order: the context (heading,
        lead-in, run) flows from row to row.

        Per row: ``(label, score, cues, (p_issue, p_remedy, p_other), features or None)``.
        """
        results = []
        mode: str | None = None
        mode_src = ""
        cur_section = None
        cur_sub = None
        run_open = False  # an enumeration run opened by a lead-in is in progress (outside 五)
        scores, facts_of = self._memos()[2], self._facts
        for text, section, kind, sub_heading, subsection, enum in zip(
                texts, sections, kinds, sub_headings, subsections, enums):
            if subsection is not None and type(subsection) is not int and _missing(subsection):
                subsection = None
            sub_key = (subsection, sub_heading)
            in5 = section == "5"
            if section != cur_section:
                cur_section, cur_sub = section, None
                mode, mode_src, run_open = None, "", False
            if sub_key != cur_sub:
                cur_sub = sub_key
                hmode = self._heading_mode(sub_heading, in5) if sub_heading else None
                if hmode is not None or not in5:
                    # in 五 a neutral heading ("（一）深化公开内容") continues the list a lead-in opened
                    mode = hmode
                    mode_src = (f"ctx:{_CN_SEC.get(section, section)}（{_cn(sub_key[0])}）"
                                f"{_MODE_NAME[hmode]}") if hmode else ""
                    run_open = hmode is not None
            lex = facts_of(text)  # the lexical evidence, and what else the text alone says
            cues = lex.cues
            is_heading = kind == "heading"
            topic_heading = False
            if is_heading or lex.paren:
                if lex.generic is None:
                    lex.generic = _GENERIC_HEADING.match(text.strip()) is not None
                topic_heading = lex.generic
            if kind == "table" or lex.plain or topic_heading or (is_heading and (sub_heading == "" or lex.numbered)):
                probs, label, score = _OTHER
                why = f"kind:{kind}" if kind != "text" else ("ctx:标题" if topic_heading else "ctx:落款")
                cues = f"{cues}{SEP}{why}" if cues else why
                ctx_mode = None
                lead = None
                if topic_heading and not (is_heading and sub_heading):
                    # a topic heading the splitter did not see as a subsection (六、今后改进方向)
                    hm = self._heading_mode(text, True)
                    if hm is not None:
                        mode, run_open, mode_src = hm, True, f"ctx:标题{_MODE_NAME[hm]}"
            else:
                lead = lex.lead if not is_heading else None
                if mode == "done":
                    pass  # improvements already made: a lead-in there introduces done work
                elif lead is not None and (in5 or lex.issue >= 1.5 or lex.future >= 2.5):
                    if lead != mode or not mode_src:
                        mode_src = {"issue": "ctx:引语问题", "remedy": "ctx:引语措施", "done": "ctx:引语已改进"}[lead]
                    mode, run_open = lead, True
                elif mode == "issue" and lex.future >= 2.5:
                    # 下一步/今后/明年… after a list of problems opens the measures
                    mode, mode_src, run_open = "remedy", "ctx:转入措施", True
                elif not in5 and mode is not None and not enum and not sub_heading \
                        and lex.issue + lex.future + lex.action == 0:
                    run_open, mode = False, None  # the run ended
                ctx_mode = mode if (in5 or run_open) else None
                key = (lex.issue, lex.future, lex.action, lex.past, ctx_mode, in5, section == "")
                scored = scores.get(key)
                if scored is None:
                    scored = _remember(scores, key, _label(_softmax(*self._score(lex, ctx_mode, in5, section))))
                probs, label, score = scored
                if ctx_mode is not None and mode_src:
                    cues = f"{cues}{SEP}{mode_src}" if cues else mode_src
            if in5 and mode is None and not is_heading and kind == "text":
                # section 五 without a heading or lead-in: the flow follows the last clear sentence
                if label == "issue" and lex.issue >= 1.5:
                    mode, mode_src = "issue", "ctx:五问题段"
                elif label == "remedy" and lex.future >= 2.5:
                    mode, mode_src = "remedy", "ctx:五措施段"
            feats = None
            if features:
                feats = {
                    "f_issue": lex.issue, "f_future": lex.future, "f_action": lex.action,
                    "f_past": lex.past, "f_neg": float(lex.neg),
                    "f_ctx_issue": float(ctx_mode == "issue"), "f_ctx_remedy": float(ctx_mode == "remedy"),
                    "f_ctx_done": float(ctx_mode == "done"),
                    "f_lead_issue": float(lead == "issue"), "f_lead_remedy": float(lead == "remedy"),
                    "f_in5": float(in5), "f_sec1": float(section == "1"),
                    "f_sec_other": float(section not in ("", "1", "5")), "f_unknown": float(section == ""),
                    "f_heading": float(is_heading), "f_table": float(kind == "table"),
                    "f_enum": float(bool(enum)),
                    "f_p_issue": probs[0], "f_p_remedy": probs[1],
                }
            results.append((label, score, cues, probs, feats))
        return results

    @staticmethod
    def _score(lex: _Lex | _Facts, ctx: str | None, in5: bool, section: str) -> tuple[float, float, float]:
        """Raw scores of issue, remedy and other (their softmax is the probability).

        They depend on the four weights of ``lex``, ``ctx``, ``in5`` and whether ``section`` is ``""``.
        """
        issue = lex.issue - 0.3 * lex.past
        planned = lex.future > 0 or ctx == "remedy" or (in5 and ctx is None)
        remedy = lex.future + (0.9 if planned else 0.25) * lex.action
        remedy -= lex.past * (1.0 if lex.future < 2.5 else 0.4)
        # outside 五 a sentence needs strong evidence; with no context at all, less
        other = 1.0 if in5 else (1.2 if section == "" else 3.0)
        other += 0.3 * lex.past
        if lex.future >= 2.5 and lex.issue > 0:
            # "X有待提高，下一步将Y", "针对X问题，将Y", "将查找…薄弱点": the plan is what is asserted
            remedy += 1.5
            issue -= 1.0
        if ctx == "issue":
            issue += 2.5
            if lex.future >= 2.5:
                issue -= 2.0
        elif ctx == "remedy":
            # in a list of measures a bare verb phrase is a measure (GUIDELINE T2); a sentence
            # with no verb cue at all is more often background (工作难度大，群众高度关注)
            remedy += 2.5 if lex.future + lex.action > 0 else 0.5
            if lex.issue >= 1.5 and lex.future < 2.5:
                issue += 0.5
        elif ctx == "done":
            other += 3.0
        if in5 and ctx is None and lex.issue + lex.future + lex.action == 0:
            other += 0.5
        return issue, remedy, other


_SECTION_MARK = re.compile(r"^\s*[一二三四五六七八九十]{1,2}\s*[、.．]")


def _section_heading(text: str) -> bool:
    """A statutory section heading (一、总体情况 …)."""
    return bool(_SECTION_MARK.match(text)) and len(text) <= 40


_MODE_NAME = {"issue": "问题", "remedy": "措施", "done": "已改进"}
_CN_SEC = {str(i): c for i, c in enumerate("一二三四五六七八九十", start=1)}


def _cn(n) -> str:
    try:
        return _CN_SEC.get(str(int(n)), str(n))
    except (TypeError, ValueError):
        return "?"


def _softmax(issue: float, remedy: float, other: float) -> tuple[float, float, float]:
    m = max(issue, remedy, other)
    e_issue, e_remedy, e_other = math.exp(issue - m), math.exp(remedy - m), math.exp(other - m)
    z = e_issue + e_remedy + e_other
    return e_issue / z, e_remedy / z, e_other / z


_OTHER_PROBS = _softmax(-3.0, -3.0, 3.0)  # headings, table rows, signatures


def _label(probs: tuple[float, float, float]) -> tuple[tuple[float, float, float], str, float]:
    """The probabilities, the most probable label (the first of LABELS on a tie) and its probability."""
    p_issue, p_remedy, p_other = probs
    label = "issue" if p_issue >= p_remedy and p_issue >= p_other else "remedy" if p_remedy >= p_other else "other"
    return probs, label, probs[LABELS.index(label)]


_OTHER = _label(_OTHER_PROBS)


# =============================================================================== learned tagger
RULE_FEATURES = (
    "f_issue", "f_future", "f_action", "f_past", "f_neg",
    "f_ctx_issue", "f_ctx_remedy", "f_ctx_done", "f_lead_issue", "f_lead_remedy",
    "f_in5", "f_sec1", "f_sec_other", "f_unknown", "f_heading", "f_table", "f_enum",
    "f_p_issue", "f_p_remedy",
)
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_SPACE = re.compile(r"\s+")


def _char_text(text: str) -> str:
    return _DIGITS.sub("0", _SPACE.sub("", text))


class ModelFileError(ValueError):
    """A model file is not a govtext LearnedTagger JSON file (or is damaged)."""


class LearnedTagger:
    """Logistic regression on character n-grams (+ jieba words) + the rule features.

    ``fit(sentences, labels)`` takes the sentences DataFrame (or a list of strings)
    and one label per row. Prediction needs no scikit-learn: the model is the
    vocabulary, idf weights and coefficients, and :meth:`save` writes exactly those
    to a JSON file, with the sha256 of the training data, the sha256 of the cue
    lexicons the rule features came from and the govtext version.

    Parameters: ``ngram`` (char n-gram range), ``words`` (add jieba word features),
    ``rules`` (add the rule features), ``C`` (inverse regularisation), ``min_df``,
    ``class_weight`` ("balanced" or None), ``rule_weight`` (scale of the rule features
    against the unit-length n-gram vector).
    """

    def __init__(self, ngram: tuple[int, int] = (1, 3), words: bool = False, rules: bool = True,
                 C: float = 4.0, min_df: int = 2, class_weight: str | None = "balanced",
                 rule_weight: float = 1.0, max_iter: int = 3000):
        self.ngram = tuple(ngram)
        self.words = words
        self.rules = rules
        self.C = C
        self.min_df = min_df
        self.class_weight = class_weight
        self.rule_weight = rule_weight
        self.max_iter = max_iter
        self.classes_ = np.array(LABELS)
        self.vocabulary_: dict[str, int] | None = None
        self.meta_: dict = {}

    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in
                ("ngram", "words", "rules", "C", "min_df", "class_weight", "rule_weight", "max_iter")}

    # -- features
    def _terms(self, text: str) -> list[str]:
        t = _char_text(text)
        lo, hi = self.ngram
        terms = [t[i:i + n] for n in range(lo, hi + 1) for i in range(len(t) - n + 1)]
        if self.words:
            terms += ["w:" + w for w in _tokenizer().lcut(_DIGITS.sub("0", text)) if w.strip()]
        return terms

    def _rule_matrix(self, sentences) -> np.ndarray:
        a = RuleTagger().analyse(sentences)
        return a[list(RULE_FEATURES)].to_numpy(dtype=float)

    def _matrix(self, texts: Sequence[str], rule_x: np.ndarray | None):
        from scipy import sparse

        rows, cols, vals = [], [], []
        for r, text in enumerate(texts):
            counts = Counter(self.vocabulary_[t] for t in self._terms(text) if t in self.vocabulary_)
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64)
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=float))
            w = tf * self.idf_[idx]
            w /= np.sqrt((w * w).sum())
            rows.extend([r] * len(idx))
            cols.extend(idx.tolist())
            vals.extend(w.tolist())
        x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self.vocabulary_)))
        if self.rules:
            scaled = rule_x / self.rule_scale_ * self.rule_weight
            x = sparse.hstack([x, sparse.csr_matrix(scaled)], format="csr")
        return x

    def fit(self, sentences, labels) -> LearnedTagger:
        from sklearn.linear_model import LogisticRegression

        df = _prepare(sentences)
        y = np.asarray([str(v) for v in labels], dtype=object)
        if len(y) != len(df):
            raise ValueError(f"{len(df)} sentences but {len(y)} labels")
        unknown = sorted(set(y) - set(LABELS))
        if unknown:
            raise ValueError(f"unknown labels {unknown}; use {list(LABELS)}")
        texts = df["text"].tolist()
        df_count: Counter = Counter()
        for t in texts:
            df_count.update(set(self._terms(t)))
        vocab = sorted(t for t, c in df_count.items() if c >= self.min_df)
        self.vocabulary_ = {t: i for i, t in enumerate(vocab)}
        n = len(texts)
        self.idf_ = np.array([math.log((1 + n) / (1 + df_count[t])) + 1.0 for t in vocab])
        rule_x = self._rule_matrix(df) if self.rules else None
        if self.rules:
            scale = np.abs(rule_x).max(axis=0)
            self.rule_scale_ = np.where(scale > 0, scale, 1.0)
        x = self._matrix(texts, rule_x)
        present = [c for c in LABELS if c in set(y)]
        if len(present) < 2:
            raise ValueError("training needs at least two different labels")
        from threadpoolctl import threadpool_limits

        clf = LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight=self.class_weight)
        with threadpool_limits(limits=1):  # a small problem: BLAS threads only contend (4x slower on 2 cores)
            clf.fit(x, y)
        classes = list(clf.classes_)
        coef = clf.coef_ if len(classes) > 2 else np.vstack([-clf.coef_[0], clf.coef_[0]]) / 2
        intercept = clf.intercept_ if len(classes) > 2 else np.array([-clf.intercept_[0], clf.intercept_[0]]) / 2
        self.classes_ = np.array(classes)
        # rounded so that the JSON file is compact and a loaded model is the same model
        self.idf_ = np.round(self.idf_, 6)
        self.coef_ = np.round(np.asarray(coef, dtype=float), 6)
        self.intercept_ = np.round(np.asarray(intercept, dtype=float), 6)
        self.meta_ = {
            "training_data": {
                "sha256": training_sha256(df, y),
                "n_sentences": int(n),
                "label_counts": {c: int((y == c).sum()) for c in classes},
            },
            "lexicon_sha256": _lexicon_sha256(),
        }
        return self

    def decision_function(self, sentences) -> np.ndarray:
        if self.vocabulary_ is None:
            raise RuntimeError("LearnedTagger is not fitted: call fit() or LearnedTagger.load()")
        df = _prepare(sentences)
        rule_x = self._rule_matrix(df) if self.rules else None
        x = self._matrix(df["text"].tolist(), rule_x)
        return np.asarray(x @ self.coef_.T) + self.intercept_

    def predict_proba(self, sentences) -> np.ndarray:
        """Probabilities in the order of ``LABELS`` (a label absent from training gets 0)."""
        d = self.decision_function(sentences)
        d = d - d.max(axis=1, keepdims=True)
        p = np.exp(d)
        p /= p.sum(axis=1, keepdims=True)
        out = np.zeros((len(p), len(LABELS)))
        for j, c in enumerate(self.classes_):
            out[:, LABELS.index(c)] = p[:, j]
        return out

    def predict(self, sentences) -> np.ndarray:
        p = self.predict_proba(sentences)
        return np.array(LABELS, dtype=object)[p.argmax(axis=1)]

    # -- persistence
    def to_dict(self) -> dict:
        if self.vocabulary_ is None:
            raise RuntimeError("LearnedTagger is not fitted")
        vocab = sorted(self.vocabulary_, key=self.vocabulary_.get)
        return {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "govtext_version": _govtext_version(),
            "params": {**self.get_params(), "ngram": list(self.ngram)},
            **self.meta_,
            "classes": [str(c) for c in self.classes_],
            "vocabulary": vocab,
            "idf": self.idf_.tolist(),
            "rule_features": list(RULE_FEATURES) if self.rules else [],
            "rule_scale": self.rule_scale_.tolist() if self.rules else [],
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_.tolist(),
        }

    def save(self, path: str | Path) -> Path:
        """Write the model as UTF-8 JSON (see :meth:`load`)."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, d: dict, origin: str = "<dict>") -> LearnedTagger:
        def bad(why: str) -> ModelFileError:
            return ModelFileError(f"{origin} is not a govtext LearnedTagger model file: {why}")

        if not isinstance(d, dict) or d.get("format") != MODEL_FORMAT:
            raise bad(f"expected a JSON object with \"format\": \"{MODEL_FORMAT}\"")
        if d.get("format_version") != MODEL_FORMAT_VERSION:
            raise bad(f"format_version {d.get('format_version')!r}, this govtext reads {MODEL_FORMAT_VERSION}")
        try:
            params = dict(d["params"])
            params["ngram"] = tuple(params["ngram"])
            obj = cls(**params)
            vocab = d["vocabulary"]
            obj.vocabulary_ = {str(t): i for i, t in enumerate(vocab)}
            obj.idf_ = np.asarray(d["idf"], dtype=float)
            obj.classes_ = np.array([str(c) for c in d["classes"]])
            obj.coef_ = np.asarray(d["coef"], dtype=float)
            obj.intercept_ = np.asarray(d["intercept"], dtype=float)
            if obj.rules:
                if list(d["rule_features"]) != list(RULE_FEATURES):
                    raise bad("its rule features differ from this govtext version's; retrain it")
                obj.rule_scale_ = np.asarray(d["rule_scale"], dtype=float)
            n_feat = len(vocab) + (len(RULE_FEATURES) if obj.rules else 0)
            if obj.idf_.shape != (len(vocab),) or obj.coef_.shape != (len(obj.classes_), n_feat) \
                    or obj.intercept_.shape != (len(obj.classes_),) \
                    or not set(obj.classes_) <= set(LABELS):
                raise bad("array shapes or classes do not fit together")
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"missing or malformed field ({type(exc).__name__}: {exc})") from None
        obj.meta_ = {k: d[k] for k in ("training_data", "lexicon_sha256", "govtext_version", "labels_file")
                     if k in d}
        if obj.rules and d.get("lexicon_sha256") and d["lexicon_sha256"] != _lexicon_sha256():
            import warnings

            changed = sorted(k for k, v in _lexicon_sha256().items() if d["lexicon_sha256"].get(k) != v)
            warnings.warn(f"{origin} was trained with other versions of {', '.join(changed)}: its rule "
                          "features no longer mean what they meant in training; retrain it "
                          "(benchmarks/tagger_cv.py --save-model)", stacklevel=3)
        return obj

    @classmethod
    def load(cls, path: str | Path | None = None) -> LearnedTagger:
        """Load a model saved by :meth:`save`; ``None`` loads the model shipped with govtext.

        Only JSON is parsed: a file that is not the documented JSON raises
        :class:`ModelFileError` saying so.
        """
        if path is None:
            origin, raw = f"govtext/resources/{MODEL_RESOURCE}", resource_path(MODEL_RESOURCE).read_bytes()
        else:
            origin, raw = str(path), Path(path).read_bytes()
        try:
            d = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelFileError(f"{origin} is not a govtext LearnedTagger model file: not UTF-8 JSON "
                                 f"({type(exc).__name__}); models are saved with LearnedTagger.save()") from None
        return cls.from_dict(d, origin)


def training_sha256(sentences: pd.DataFrame, labels: Sequence[str]) -> str:
    """sha256 over (section, sub_heading, text, label) of every training row, in order."""
    h = hashlib.sha256()
    df = _prepare(sentences)
    for sec, sub, text, lab in zip(df["section"], df["sub_heading"], df["text"], labels):
        h.update("\x1f".join((sec, sub, text, str(lab))).encode("utf-8") + b"\x1e")
    return h.hexdigest()


def _govtext_version() -> str:
    try:
        from importlib.metadata import version

        return version("govtext")
    except Exception:  # not installed (running from a checkout)
        try:
            from . import __version__  # type: ignore[attr-defined]

            return str(__version__)
        except Exception:
            return "0+unknown"


_TOKENIZER = None


def _tokenizer():
    """govtext's own jieba tokenizer (jieba's global dictionary is never touched)."""
    global _TOKENIZER
    if _TOKENIZER is None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
        _TOKENIZER = tok
    return _TOKENIZER


# =============================================================================== combined tagger
class CombinedTagger:
    """Weighted average of the rule tagger's and a learned tagger's probabilities.

    ``weight`` is the learned tagger's share (0.5 by default). ``fit`` fits the
    learned part; ``learned=None`` uses the model shipped with govtext.
    """

    classes_ = np.array(LABELS)

    def __init__(self, learned: LearnedTagger | None = None, rules: RuleTagger | None = None, weight: float = 0.5):
        self.learned = learned
        self.rules = rules
        self.weight = weight

    def get_params(self, deep: bool = True) -> dict:
        return {"learned": self.learned, "rules": self.rules, "weight": self.weight}

    def fit(self, sentences, labels) -> CombinedTagger:
        self.learned = (self.learned or LearnedTagger()).fit(sentences, labels)
        return self

    def predict_proba(self, sentences) -> np.ndarray:
        learned = self.learned or _shipped_model()
        rules = self.rules or RuleTagger()
        return self.weight * learned.predict_proba(sentences) + (1 - self.weight) * rules.predict_proba(sentences)

    def predict(self, sentences) -> np.ndarray:
        return np.array(LABELS, dtype=object)[self.predict_proba(sentences).argmax(axis=1)]


@lru_cache(maxsize=1)
def _shipped_model() -> LearnedTagger:
    return LearnedTagger.load(None)


def get_tagger(tagger="default"):
    """A tagger object from a name ("rules", "learned", "combined", "default") or the object itself."""
    if not isinstance(tagger, str):
        return tagger
    name = DEFAULT_TAGGER if tagger == "default" else tagger
    if name == "rules":
        return RuleTagger()
    if name == "learned":
        return _shipped_model()
    if name == "combined":
        return CombinedTagger(_shipped_model(), RuleTagger())
    raise ValueError(f"unknown tagger {tagger!r}: use 'rules', 'learned', 'combined', 'default' or a tagger object")


# =============================================================================== public API
_TAG_FIELDS = ("doc_id", "sent_id", "label", "score", "cues")


def tag_sentences(sentences, tagger="default") -> pd.DataFrame:
    """The sentences with three more columns: ``label``, ``score`` (its probability) and ``cues``.

    ``tagger``: "default" (:data:`DEFAULT_TAGGER`), "rules", "learned", "combined" or
    a fitted tagger object. ``cues`` always lists the rule evidence, ``；``-joined.
    For one document's sentence dicts, :func:`tag_records` gives the same values faster.
    """
    df = sentences.copy() if isinstance(sentences, pd.DataFrame) else pd.DataFrame({"text": list(sentences)})
    tag = get_tagger(tagger)
    rules = tag if isinstance(tag, RuleTagger) else RuleTagger()
    analysis = rules._tag_rows(_frame_columns(_prepare(df)))
    if isinstance(tag, RuleTagger):
        proba = np.array([[r[k] for k in LABELS] for r in analysis], dtype=float).reshape(len(df), len(LABELS))
    else:
        proba = tag.predict_proba(df)
    best = proba.argmax(axis=1)
    df["label"] = np.array(LABELS, dtype=object)[best] if len(df) else pd.Series(dtype=object)
    df["score"] = proba[np.arange(len(df)), best] if len(df) else pd.Series(dtype=float)
    df["cues"] = np.array([r["cues"] for r in analysis], dtype=object) if len(df) else pd.Series(dtype=object)
    return df


def tag_records(sentences: Sequence[dict], tagger="default", doc_id: str = "") -> list[dict]:
    """Tag one document's sentence dicts (as :func:`govtext.sentences.split_sentences` gives them).

    One dict per sentence, in input order, with the keys ``doc_id, sent_id, label, score,
    cues`` and the values :func:`tag_sentences` gives for a DataFrame of the same sentences.
    A sentence's own ``doc_id`` wins over the ``doc_id`` argument. The rule tagger (the
    default) builds no pandas object; other taggers go through :func:`tag_sentences`.

    >>> sents = [{"sent_id": 0, "section": "5", "text": "一是政策解读形式单一，公开不及时。"},
    ...          {"sent_id": 1, "section": "5", "text": "下一步，我局将继续加强培训。"}]
    >>> for r in tag_records(sents, doc_id="d1"):
    ...     print(r["doc_id"], r["sent_id"], r["label"], round(r["score"], 3), r["cues"])
    d1 0 issue 0.766 单一；不及时
    d1 1 remedy 1.0 下一步；我局将；继续；加强；ctx:转入措施
    """
    sentences = list(sentences)
    tag = get_tagger(tagger)
    if not isinstance(tag, RuleTagger):
        if not sentences:
            return []
        df = pd.DataFrame([{"doc_id": doc_id, **s} for s in sentences])
        if "sent_id" not in df:
            df["sent_id"] = np.arange(len(df))
        return tag_sentences(df, tag)[list(_TAG_FIELDS)].to_dict("records")
    columns = _prepare_columns(sentences, doc_id)
    sent_ids = columns["sent_id"]
    out: list = [None] * len(sentences)
    for p, (label, score, cues, _, _) in zip(*tag._tag_ordered(columns)):
        out[p] = {"doc_id": sentences[p].get("doc_id", doc_id), "sent_id": sent_ids[p], "label": label,
                  "score": score, "cues": cues}
    return out


def train(labelled: pd.DataFrame | None = None, label_column: str = "label", weak=None, **params) -> LearnedTagger:
    """Fit a :class:`LearnedTagger` in one call.

    ``labelled``: a sentences DataFrame with a label column, or a table in the layout of
    ``data/labels/sentences.tsv`` (``source, section, subsection, label, text``), which
    :func:`labelled_to_sentences` converts. ``weak``: unlabelled sentences (e.g.
    ``corpus.sentences()``) to add with the :func:`weak_labels` their own section-五
    structure gives; either may be omitted, not both. ``params`` go to
    :class:`LearnedTagger`. Save the result with ``.save("my_model.json")`` and use it
    with ``tag_sentences(df, LearnedTagger.load("my_model.json"))``.
    """
    frames, labels = [], []
    if labelled is not None:
        if label_column not in labelled.columns:
            raise ValueError(f"no {label_column!r} column")
        sents = labelled if "doc_id" in labelled.columns else labelled_to_sentences(labelled)
        frames.append(_prepare(sents))
        labels += labelled[label_column].astype(str).str.strip().tolist()
    if weak is not None:
        w_sents = _prepare(weak)
        w = weak_labels(w_sents)
        keep = w.notna().to_numpy()
        frames.append(w_sents[keep].assign(doc_id="weak:" + w_sents["doc_id"][keep]))
        labels += w[keep].tolist()
    if not frames:
        raise ValueError("train() needs labelled sentences, weak=unlabelled sentences, or both")
    return LearnedTagger(**params).fit(pd.concat(frames, ignore_index=True), labels)


def weak_labels(sentences, tagger: RuleTagger | None = None) -> pd.Series:
    """Weak labels from a corpus's own section-五 structure, to train on unlabelled reports.

    A text sentence of section 五 that sits in a problem context (（一）存在的主要问题,
    a 存在以下问题 lead-in and its enumeration run) is ``issue``; in a measures context
    ``remedy``; a sentence of sections 一–四 with no problem or future cue, and every
    heading and table row, is ``other``; everything else is NA (left out of training).
    ``train(weak=sentences)`` uses them; so does ``LearnedTagger().fit(s[w.notna()], w.dropna())``.
    """
    tagger = tagger or RuleTagger()
    df = _prepare(sentences)
    a = tagger.analyse(df)
    out = pd.Series(pd.NA, index=df.index, dtype="object")
    in5 = df["section"] == "5"
    text = df["kind"] == "text"
    out[in5 & text & (a["f_ctx_issue"] > 0) & (a["f_future"] < 2.5)] = "issue"
    out[in5 & text & (a["f_ctx_remedy"] > 0) & (a["f_future"] + a["f_action"] > 0)] = "remedy"
    quiet = (a["f_issue"] == 0) & (a["f_future"] == 0)
    out[df["section"].isin(["1", "2", "3", "4"]) & quiet] = "other"
    out[df["kind"].isin(["heading", "table"])] = "other"
    return out


_LABEL_COLUMNS = ("source", "section", "label", "text")


def labelled_to_sentences(labelled: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``data/labels/sentences.tsv`` as a sentences frame the taggers read.

    ``source`` → ``doc_id``; ``subsection`` (the heading text) → ``sub_heading`` and a
    running subsection number; ``sent_id`` is the row order within a source (the file
    lists a report's sentences in reading order); ``enum`` is read from the text.
    """
    missing = [c for c in _LABEL_COLUMNS if c not in labelled.columns]
    if missing:
        raise ValueError(f"labelled table lacks columns {missing}")
    df = pd.DataFrame(index=labelled.index)
    source = labelled["source"].astype(str)
    # constructed rows are independent sentences: each is its own document (no context)
    df["doc_id"] = np.where(source == "constructed", source + ":" + pd.Series(range(len(df)), index=df.index).astype(str),
                            source)
    df["sent_id"] = df.groupby("doc_id", sort=False).cumcount()
    df["section"] = labelled["section"].map(_section_id)
    sub = labelled["subsection"].fillna("").astype(str) if "subsection" in labelled else pd.Series("", index=labelled.index)
    df["sub_heading"] = sub.str.strip()
    numbers = df.groupby(["doc_id", "section"], sort=False)["sub_heading"].transform(
        lambda k: pd.factorize(k)[0] + (0 if (k == "").any() else 1))
    df["subsection"] = [pd.NA if not h else int(n) for h, n in zip(df["sub_heading"], numbers)]
    df["text"] = labelled["text"].fillna("").astype(str)
    df["enum"] = [_enum_marker(t) for t in df["text"]]
    if "kind" in labelled.columns:
        df["kind"] = labelled["kind"].fillna("text").astype(str)
    else:
        bare = df["text"].str.strip().str.rstrip("。：:；;")
        df["kind"] = np.where((bare == df["sub_heading"]) & (bare != "") | df["text"].map(_section_heading),
                              "heading", "text")
    return df


def load_labels(path: str | Path | None = None) -> pd.DataFrame:
    """The labelled sentences (default: ``data/labels/sentences.tsv`` of a govtext checkout)."""
    if path is None:
        path = Path(__file__).resolve().parents[1] / "data" / "labels" / "sentences.tsv"
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=3, comment=None)
    df["label"] = df["label"].str.strip()
    return df


# =============================================================================== pairing
# generic words of these reports: their characters pairs say nothing about what an issue is about
_THEME_STOP_WORDS = (
    "政务 公开 信息 工作 政府 部门 单位 我区 我县 我市 我局 全县 全区 全市 进一步 加强 强化 提升 提高 完善 健全 "
    "推进 推动 存在 问题 不足 不够 方面 进行 开展 做好 持续 继续 不断 主要 部分 一是 二是 三是 四是 五是 六是 "
    "一要 二要 三要 四要 以及 相关 有关 各项 各类 切实 确保 积极 加大 力度 情况 有待 个别 一些 目前 当前 下一步 "
    "今后 工作中 我们 采取 以下 措施 改进 深入 全面 水平 能力 质量 机制 形式 方式 建设 落实 信息公开 政务公开 "
    "政府信息 公开工作 的 和 与 及 等 了 是 在 对 将 要"
)
_THEME_STOP = re.compile("|".join(sorted(_THEME_STOP_WORDS.split(), key=len, reverse=True)) + r"|[^\u4e00-\u9fff]+")


def _theme_bigrams(text: str) -> set[str]:
    """Content character bigrams: the theme an issue or remedy is about, generic words cut out."""
    out = set()
    for run in _THEME_STOP.split(text):
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def _marker_type(marker: str) -> str:
    if not marker:
        return ""
    if re.match(r"[一二三四五六七八九十]+[是要]", marker):
        return "是"
    if re.match(r"[（(][一二三四五六七八九十]", marker):
        return "（一）"
    if re.match(r"[（(]\d", marker):
        return "（1）"
    if re.match(r"[一二三四五六七八九十]", marker):
        return "一、"
    if re.match(r"\d", marker):
        return "1."
    return "首先"


def _items(doc: list[dict], label: str) -> list[dict]:
    """Runs of ``label`` sentences cut into items at top-level enumeration markers.

    The first marker type met in a run (一是, （一）, 1. …) is its top level; markers of
    another type (1、 under （三）) continue the current item. Unnumbered sentences
    before the first marker form a lead-in item (``n`` None, ``lead`` True).
    """
    items: list[dict] = []
    cur = None
    top = None
    in_run = False
    for r in doc:
        if r["label"] != label:
            # other sentences between items (a heading, background) do not end a run
            if r["label"] != "other":
                in_run, cur, top = False, None, None
            continue
        mtype = _marker_type(r["enum"])
        n = _enum_number(r["enum"])
        if top is None and mtype and n is not None:
            top = mtype
        new_item = cur is None or not in_run or (mtype and mtype == top)
        if new_item:
            cur = {"n": n if mtype and mtype == top else None, "sents": [], "text": "",
                   "lead": not (mtype and mtype == top)}
            items.append(cur)
        cur["sents"].append(r["sent_id"])
        cur["text"] += r["text"]
        in_run = True
    return items


def pair_issues(tagged: pd.DataFrame, min_confidence: float = 0.2) -> pd.DataFrame:
    """Link each issue to the remedy that answers it, per document.

    Sentences are grouped into items: a top-level enumerated sentence (一是, 二要, （三）…)
    opens an item, and the unnumbered or lower-level sentences after it belong to it;
    unnumbered sentences before the first item are a lead-in. Issue items and remedy
    items are matched one-to-one (Hungarian assignment) on a score that adds the same
    enumeration number (0.35), the theme they share (content character pairs, generic
    words such as 政务公开/进一步/加强 left out; up to 0.45) and the same position when
    both lists are equally long (0.2); the two lead-ins are linked to each other (0.3).
    Links below ``min_confidence`` are dropped.

    Returns one row per link: ``doc_id, issue_sent_id, remedy_sent_id, confidence,
    basis`` (e.g. ``enum 2=2; theme 解读,形式; order``). Every issue and remedy sentence
    appears at least once; an unpaired one has ``<NA>`` as its partner and basis
    ``unpaired``. Within a linked pair of items, the k-th issue sentence is linked to
    the k-th remedy sentence (the last one when the other item is shorter).
    """
    from scipy.optimize import linear_sum_assignment

    cols = ["doc_id", "issue_sent_id", "remedy_sent_id", "confidence", "basis"]
    if "label" not in tagged.columns:
        raise ValueError("pair_issues needs a tagged frame (a 'label' column): use tag_sentences() first")
    df = _prepare(tagged)
    df["label"] = tagged["label"].astype(str)
    df = df.sort_values(["doc_id", "sent_id"], kind="stable")
    columns = ("doc_id", "sent_id", "enum", "text", "label")
    records = [dict(zip(columns, values)) for values in zip(*(df[c].tolist() for c in columns))]
    rows: list[dict] = []
    for doc_id, doc in groupby(records, key=itemgetter("doc_id")):
        doc = list(doc)
        iss, rem = _items(doc, "issue"), _items(doc, "remedy")
        for it in iss + rem:
            it["theme"] = _theme_bigrams(it["text"])
        links: list[tuple[int, int, float, str]] = []
        if iss and rem:
            score = np.zeros((len(iss), len(rem)))
            basis = [[""] * len(rem) for _ in iss]
            n_iss = [i for i, it in enumerate(iss) if not it["lead"]]
            n_rem = [j for j, it in enumerate(rem) if not it["lead"]]
            for i, a in enumerate(iss):
                for j, b in enumerate(rem):
                    parts, sc = [], 0.0
                    if a["lead"] and b["lead"]:
                        sc += 0.3
                        parts.append("lead-in")
                    if a["n"] is not None and a["n"] == b["n"]:
                        sc += 0.35
                        parts.append(f"enum {a['n']}={b['n']}")
                    shared = a["theme"] & b["theme"]
                    if shared:
                        share = len(shared) / max(1, min(len(a["theme"]), len(b["theme"])))
                        sc += 0.45 * min(1.0, 2.5 * share)
                        parts.append("theme " + ",".join(sorted(shared)[:6]))
                    if (not a["lead"] and not b["lead"] and len(n_iss) == len(n_rem)
                            and n_iss.index(i) == n_rem.index(j)):
                        sc += 0.2
                        parts.append("order")
                    score[i, j] = min(sc, 1.0)
                    basis[i][j] = "; ".join(parts)
            ii, jj = linear_sum_assignment(-score)
            links = [(i, j, float(score[i, j]), basis[i][j]) for i, j in zip(ii, jj) if score[i, j] >= min_confidence]
        paired_i = {i for i, *_ in links}
        paired_j = {j for _, j, *_ in links}
        for i, j, conf, why in links:
            a, b = iss[i]["sents"], rem[j]["sents"]
            for k in range(max(len(a), len(b))):
                rows.append({"doc_id": doc_id, "issue_sent_id": a[min(k, len(a) - 1)],
                             "remedy_sent_id": b[min(k, len(b) - 1)], "confidence": round(conf, 3), "basis": why})
        for i, a in enumerate(iss):
            if i not in paired_i:
                rows += [{"doc_id": doc_id, "issue_sent_id": sid, "remedy_sent_id": pd.NA, "confidence": pd.NA,
                          "basis": "unpaired"} for sid in a["sents"]]
        for j, b in enumerate(rem):
            if j not in paired_j:
                rows += [{"doc_id": doc_id, "issue_sent_id": pd.NA, "remedy_sent_id": sid, "confidence": pd.NA,
                          "basis": "unpaired"} for sid in b["sents"]]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("issue_sent_id", "remedy_sent_id"):
        out[c] = out[c].astype("Int64")
    out["confidence"] = out["confidence"].astype("Float64")
    return out.drop_duplicates().reset_index(drop=True)


# =============================================================================== audit
def kwic(sentences: pd.DataFrame, select=None, text_lookup=None, window: int = 40) -> pd.DataFrame:
    """Keyword-in-context view of chosen sentences, for auditing a label.

    ``select``: a boolean mask over ``sentences``, a list of ``sent_id`` values, or
    ``None`` (all rows). ``text_lookup``: ``{doc_id: normalised text}`` (or a callable);
    the context is ``window`` characters either side of ``start``/``end``. Without it,
    the context is built from the neighbouring sentences of the same document.
    Columns: doc_id, sent_id, (label, cues when present), left, sentence, right.
    """
    df = sentences
    if select is None:
        mask = pd.Series(True, index=df.index)
    elif isinstance(select, pd.Series) and select.dtype == bool:
        mask = select.reindex(df.index, fill_value=False)
    else:
        wanted = set(select)
        mask = df["sent_id"].isin(wanted)
    rows = []
    for idx in df.index[mask.to_numpy()]:
        r = df.loc[idx]
        doc = str(r.get("doc_id", "doc"))
        full = None
        if text_lookup is not None:
            full = text_lookup(doc) if callable(text_lookup) else text_lookup.get(doc)
        if full is not None and "start" in df.columns:
            s, e = int(r["start"]), int(r["end"])
            left, mid, right = full[max(0, s - window):s], full[s:e], full[e:e + window]
        else:
            same = df[df["doc_id"] == r["doc_id"]] if "doc_id" in df.columns else df
            same = same.sort_values("sent_id") if "sent_id" in same.columns else same
            pos = list(same.index).index(idx)
            left = "".join(same["text"].iloc[max(0, pos - 3):pos])[-window:]
            right = "".join(same["text"].iloc[pos + 1:pos + 4])[:window]
            mid = r["text"]
        row = {"doc_id": doc, "sent_id": r.get("sent_id")}
        for c in ("label", "score", "cues"):
            if c in df.columns:
                row[c] = r[c]
        row.update({"left": left.replace("\n", " "), "sentence": mid, "right": right.replace("\n", " ")})
        rows.append(row)
    return pd.DataFrame(rows)
