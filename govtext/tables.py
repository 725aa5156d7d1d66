"""Parse the statistical tables 二, 三 and 四 of an annual report into one tidy table.

The 2019 and 2021 national templates (国办公开办函〔2019〕60号, 〔2021〕30号) give every
report three fixed tables: 二 主动公开 (documents, decisions, fees), 三 依申请公开 (26 or
24 rows × 7 applicant columns) and 四 行政复议/行政诉讼 (15 numbers). Reports reach govtext
in many flattened shapes; :func:`parse_tables` reads all of them from the normalised text
and returns one row per template cell::

    doc_id table row column regime raw value status unit confidence reason start end

* ``row`` / ``column`` are the ASCII keys of ``resources/codebook_tables.tsv`` (which
  holds the Chinese labels); ``regime`` (``"2019"``/``"2021"``) travels with every cell,
  because the same key can mean different things under the two templates (table 二).
* ``raw`` is the cell text as printed, ``start``/``end`` its offsets in ``text``.
* ``status``: ``number`` (non-zero), ``zero``, ``blank`` (nothing printed: not 0),
  ``not_applicable`` ("/", "—", "无", "不适用"), ``text`` (other words), ``missing`` (the
  row or table is not in the report), ``unresolved`` (the numbers are there but which
  column each belongs to cannot be decided; ``raw`` then holds the whole run of the row).
  ``value`` is a float for number/zero and NA otherwise.
* ``confidence`` says how the cell's column was decided:

  - ``exact``: one printed value per template cell (tab cells or a whitespace-separated
    run with exactly as many numbers as cells);
  - ``layout``: a tab-flattened row with extra empty fields; the non-blank fields fit
    the template's columns in one way only (the seed's ``9 … 9`` rows);
  - ``split``: concatenated digits with only one split that has no leading zeros;
  - ``arithmetic``: concatenated digits (or several layouts) of which exactly one
    reading satisfies the table's identities (row 总计 = six applicant columns, block
    总计 = four results, or the column identities of table 三);
  - ``sequence``: the row's label is garbled or printed away from its numbers; the
    numbers were assigned by their order, which fits the template's rows exactly and
    agrees with every row whose label was found.

  ``reason`` explains every value that is not a plain ``exact`` read, and every NA.

How a row is read:

1. **By its label** (``resources/table_labels.tsv``; garbled or wrapped labels are
   matched by their distinctive part): the tab fields after the label on its line
   (HTML, DOCX, Markdown, tab-flattened text), or the run of numbers right after it
   (PDF text, one-line scraped pages). Runs of concatenated digits are split into the
   template's cells (no leading zeros; identities choose).
2. **By order**, for table 三 only: all numbers of the table in order, cut into the
   template's rows (PDF text that prints numbers before their labels, Markdown whose
   label cells were lost). Used only when it fits the template's rows exactly and agrees
   with every row read firmly by its label; a row whose numbers start on the line after
   its label is kept only when this order reading confirms it.

What is never done: guessing. When more than one reading survives, the cells on which
the readings differ are ``unresolved`` with the readings listed in ``reason``.
Identities are used to *choose between* readings of concatenated digits; a reading
whose every number is printed apart is kept as printed even when it breaks an identity
(:func:`govtext.checks.check_tables` reports that).

>>> text = "二、主动公开政府信息情况\\n第二十条第（一）项\\n信息内容\\t本年制发件数\\t本年废止件数\\t现行有效件数\\n规章\\t1\\t0\\t9"
>>> df = parse_tables(text, doc_id="d")
>>> df[(df.table == "t2") & (df.row == "rules")][["column", "value", "status"]].to_dict("records")
[{'column': 'issued', 'value': 1.0, 'status': 'number'}, {'column': 'abolished', 'value': 0.0, 'status': 'zero'}, {'column': 'in_force', 'value': 9.0, 'status': 'number'}]
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from typing import NamedTuple

import pandas as pd

from .resources import read_resource_lines

__all__ = [
    "parse_tables", "table_records", "table_frame", "detect_regime", "codebook", "template_rows", "COLUMNS", "STATUSES", "CONFIDENCES",
    "T3_COLUMNS", "T3_APPLICANT_COLUMNS", "T3_RESULT_ROWS", "T4_ROWS", "T4_COLUMNS",
]

COLUMNS = ["doc_id", "table", "row", "column", "regime", "raw", "value", "status", "unit", "confidence",
           "reason", "start", "end"]
STATUSES = ("number", "zero", "blank", "not_applicable", "text", "missing", "unresolved")
CONFIDENCES = ("exact", "layout", "split", "arithmetic", "sequence")

T3_APPLICANT_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")
T3_COLUMNS = T3_APPLICANT_COLUMNS + ("total",)
T3_RESULT_ROWS = (
    "disclosed", "partly_disclosed", *(f"withheld_{i}" for i in range(1, 9)),
    *(f"unavailable_{i}" for i in range(1, 4)), *(f"not_processed_{i}" for i in range(1, 6)),
    "other", "other_1", "other_2", "other_3",
)
T4_ROWS = ("review", "litigation_direct", "litigation_after_review")
T4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")

_BUDGET = 20_000  # search steps allowed per run of concatenated digits (a whole table: ~5,000)
_MAX_READINGS = 64  # readings kept before a split is called hopelessly ambiguous


# --------------------------------------------------------------------------- codebook
@lru_cache(maxsize=1)
def codebook() -> pd.DataFrame:
    """The shipped codebook ``resources/codebook_tables.tsv`` as a DataFrame.

    >>> cb = codebook()
    >>> cb[(cb.table == "t3") & (cb.key == "withheld_3")].label.item()
    '（三）不予公开 3.危及“三安全一稳定”'
    """
    lines = read_resource_lines("codebook_tables.tsv")
    header = lines[0].split("\t")
    rows = [dict(zip(header, (ln.split("\t") + [""] * len(header))[: len(header)])) for ln in lines[1:]]
    return pd.DataFrame(rows, columns=header)


@lru_cache(maxsize=4)
def template_rows(regime: str) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """Rows of each table under ``regime`` with their column keys, in printed order.

    Table 三 lists both the single ``other`` row and ``other_1``–``other_3``; a report
    prints one of the two forms and :func:`parse_tables` keeps the form it finds.

    >>> [r for r, _ in template_rows("2021")["t2"]]
    ['rules', 'normative_docs', 'licensing', 'penalty', 'coercion', 'fees']
    >>> dict(template_rows("2019")["t2"])["fees"]
    ('last_year_items', 'change')
    """
    out: dict[str, list[tuple[str, tuple[str, ...]]]] = {"t2": [], "t3": [], "t4": []}
    cb = codebook()
    for rec in cb[cb.axis == "row"].itertuples():
        if regime not in rec.regimes.split(","):
            continue
        for part in rec.columns.split(";"):
            regimes, _, cols = part.partition(":")
            if regime in regimes.split(","):
                out[rec.table].append((rec.key, tuple(cols.split(","))))
    return out


@lru_cache(maxsize=1)
def _column_units() -> dict[tuple[str, str], str]:
    cb = codebook()
    return {(r.table, r.key): r.unit for r in cb[cb.axis == "column"].itertuples()}


# --------------------------------------------------------------------------- labels
@dataclass(frozen=True)
class _Label:
    table: str
    key: str
    kind: str  # row | group
    start: int
    end: int


_CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
_EQUIV = {"，": "[，,]", ",": "[，,]", "（": "[（(]", "(": "[（(]", "）": "[）)]", ")": "[）)]",
          "“": "[“\"”]", "”": "[”\"“]", "\"": "[“\"”]", "、": "[、,，]"}


def _fuzzy(s: str) -> str:
    """A regex for ``s`` that allows whitespace between characters and equivalent punctuation."""
    parts = []
    for ch in s:
        if ch.isspace():
            continue
        parts.append(_EQUIV.get(ch, re.escape(ch)))
    return r"\s*".join(parts)


def _first_chars(s: str) -> set[str]:
    """The characters a match of ``_fuzzy(s)`` can start with."""
    ch = next(c for c in s if not c.isspace())
    return set(_EQUIV[ch][1:-1]) if ch in _EQUIV else {ch}


def _label_entries() -> dict[str, list[tuple[str, str, str, str]]]:
    """``resources/table_labels.tsv`` by table: (key, kind, item number, synonym) in file order."""
    by_table: dict[str, list[tuple[str, str, str, str]]] = {}
    for line in read_resource_lines("table_labels.tsv"):
        cols = (line.split("\t") + ["", "", "", "", ""])[:5]
        table, key, kind, item, synonym = (c.strip() for c in cols)
        if table and key and synonym:
            by_table.setdefault(table, []).append((key, kind or "row", item, synonym))
    return by_table


@lru_cache(maxsize=1)
def _label_patterns() -> dict[str, tuple[re.Pattern, dict[str, re.Pattern]]]:
    """Per table: a pattern of the positions a label can start at, and for each character there
    the alternation of the labels that can start with it (longest synonym first); group names
    map back to (key, kind). An item number ("3") starts a label only before "." / "．" / "、"."""
    out = {}
    for table, entries in _label_entries().items():
        alts: list[tuple[str, set[str]]] = []
        numbered: set[str] = set()  # characters that start labels as one-character item numbers
        outright: set[str] = set()  # characters that start labels otherwise
        for i, (key, kind, item, synonym) in enumerate(sorted(entries, key=lambda e: -len(e[3]))):
            m = re.match(r"^(\d)\s*[.．、]\s*(.+)$", synonym)
            if m:  # the synonym carries its own, required, item number
                pat = m.group(1) + r"\s*[.．、]\s*" + _fuzzy(m.group(2))
                first = {m.group(1)}
                numbered.add(m.group(1))
            elif item:
                pat = rf"(?:(?<![\d.]){item}\s*[.．、]\s*)?" + _fuzzy(synonym)
                first = {item[0]} | _first_chars(synonym)
                (numbered if len(item) == 1 else outright).add(item[0])
                outright |= _first_chars(synonym)
            else:
                pat = _fuzzy(synonym)
                first = _first_chars(synonym)
                outright |= first
            alts.append((f"(?P<{kind}__{key}__{i}>{pat})", first))
        starts = sorted(set().union(*(first for _, first in alts)))
        by_char = {c: re.compile("|".join(pat for pat, first in alts if c in first)) for c in starts}
        numbered -= outright
        parts = []
        if outright:
            parts.append("[" + "".join(re.escape(c) for c in sorted(outright)) + "]")
        if numbered:
            parts.append("[" + "".join(re.escape(c) for c in sorted(numbered)) + r"](?=\s*[.．、])")
        out[table] = (re.compile("|".join(parts)), by_char)
    return out


def _find_labels(text: str, table: str, lo: int, hi: int) -> list[_Label]:
    """Non-overlapping label matches in ``text[lo:hi]``, leftmost first (as ``finditer`` of the
    whole alternation: at each position only the labels starting with its character can match)."""
    patterns = _label_patterns().get(table)
    if patterns is None:
        return []
    starts, by_char = patterns
    found = []
    pos = lo
    while (s := starts.search(text, pos, hi)) is not None:
        m = by_char[text[s.start()]].match(text, s.start(), hi)
        if m is None:
            pos = s.start() + 1
            continue
        kind, key, _ = m.lastgroup.split("__")
        found.append(_Label(table, key, kind, m.start(), m.end()))
        pos = m.end()
    return found


# --------------------------------------------------------------------------- regime
_REGIME_MARKERS = {
    "2021": (("本年制发件数", 3), ("本年废止件数", 3), ("现行有效件数", 3), ("本年收费金额", 3),
             ("行政规范性文件", 1), ("逾期不补正", 1), ("逾期未按收费通知", 1)),
    "2019": (("本年新制作数量", 3), ("本年新公开数量", 3), ("对外公开总数量", 3), ("上一年项目数量", 3),
             ("本年增/减", 3), ("采购项目数量", 3), ("其他对外管理服务事项", 1), ("政府集中采购", 1)),
}
_TABLE_GATE = re.compile(r"第\s*二十\s*条\s*第\s*[（(]\s*[一五六八九]\s*[）)]\s*项|本列数据的勾稽关系|本年新收\S{0,20}申请数量")


def detect_regime(text: str) -> str | None:
    """Which template the report's tables follow: ``"2021"``, ``"2019"`` or None.

    None means the report has no template tables (pre-2019 reports, or tables dropped).
    Column headers of table 二 weigh most; row labels decide when headers are missing.

    >>> detect_regime("第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数")
    '2021'
    >>> detect_regime("第二十条第（一）项 信息内容 本年新制作数量 本年新公开数量 对外公开总数量")
    '2019'
    >>> detect_regime("一、概述 本年共主动公开政府信息 100 条") is None
    True
    """
    if not _TABLE_GATE.search(text):
        return None
    compact = re.sub(r"\s+", "", text)
    scores = {regime: sum(w for marker, w in markers if marker in compact)
              for regime, markers in _REGIME_MARKERS.items()}
    if scores["2021"] == scores["2019"]:
        return None
    return max(scores, key=scores.get)


# --------------------------------------------------------------------------- cells
class _Cell(NamedTuple):
    raw: str | None
    value: float | None
    status: str
    unit: str | None = None
    start: int | None = None
    end: int | None = None
    confidence: str | None = None
    reason: str | None = None

    def same_reading(self, other: "_Cell") -> bool:
        if self.status == "blank" and other.status == "blank":
            return True
        return (self.status, self.value, self.start, self.end) == (other.status, other.value, other.start, other.end)


_new_cell = partial(tuple.__new__, _Cell)  # _Cell(*fields) without NamedTuple's Python-level __new__

_UNIT_RE = r"(?:万元|亿元|元|件|项|个|条|次)"
_NUMBER_CELL = re.compile(rf"^(?P<num>-?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)\s*(?P<unit>{_UNIT_RE})?$")
_NA_CELL = re.compile(r"^(?:/|／|—{1,2}|－|-{1,2}|无|不适用|—/—)$")
_VALID_PIECE = re.compile(r"^-?(?:0|[1-9]\d*)(?:\.\d+)?$")


class _Slot(NamedTuple):
    """What one template column accepts."""

    decimal: bool = False
    negative: bool = False
    max_chars: int = 9  # counts above 999,999,999 are not read from concatenated digits


_COUNT_SLOT = _Slot()


def _classify(raw: str, start: int | None, end: int | None, slot: _Slot) -> _Cell:
    """Turn one printed cell into a :class:`_Cell`."""
    s = raw.strip()
    if not s:
        return _Cell(raw, None, "blank", None, start, end)
    if _NA_CELL.match(s):
        return _Cell(raw, None, "not_applicable", None, start, end)
    m = _NUMBER_CELL.match(s)
    if m:
        num = m.group("num").replace(",", "")
        if "." in num and not slot.decimal:
            return _Cell(raw, None, "text", None, start, end, reason="decimal number in a column of counts")
        if num.startswith("-") and not slot.negative:
            return _Cell(raw, None, "text", None, start, end, reason="negative number in a column of counts")
        value = float(num)
        return _Cell(raw, value, "zero" if value == 0 else "number", m.group("unit"), start, end)
    return _Cell(raw, None, "text", None, start, end)


# --------------------------------------------------------------------------- tokens of flattened runs
@dataclass(frozen=True)
class _Token:
    kind: str  # num | na
    text: str
    start: int
    end: int
    unit: str | None = None


_RUN_SEP = re.compile(r"[ \t\n|]+")
_RUN_NUM = re.compile(r"-?\d+(?:\.\d+)?")
_RUN_UNIT = re.compile(_UNIT_RE)
_RUN_NA = re.compile(r"不适用|—{1,2}|－|/|／|-(?!\d)|无")
_RUN_CANDIDATE = re.compile(r"[ \t\n|\d\-—－/／不无]")  # the characters _RUN_SEP, _RUN_NUM, _RUN_NA can start with
_ITEM_AFTER = re.compile(rf"[.．]\s*[{_CJK}]")


_SEPARATOR_CHARS = " \t\n|"


def _standalone(text: str, a: int, b: int) -> bool:
    """An n/a mark counts only when it stands alone between separators (or digits)."""
    before = text[a - 1] if a > 0 else " "
    after = text[b] if b < len(text) else " "
    return (before in _SEPARATOR_CHARS or before.isdigit()) and (after in _SEPARATOR_CHARS or after.isdigit())


def _run_tokens(text: str, pos: int, limit: int, *, stop_at_text: bool = True) -> tuple[list[_Token], int]:
    """Tokens (numbers, n/a marks) of the flattened run starting at ``pos``.

    With ``stop_at_text`` the run ends at the first other character (a label, a
    heading); without it other characters only separate tokens. A digit followed by
    "." and a Chinese character is an item number ("2.其他法律…") and ends the run.
    """
    tokens: list[_Token] = []
    while pos < limit:
        m = _RUN_SEP.match(text, pos, limit)
        if m:
            pos = m.end()
            continue
        m = _RUN_NUM.match(text, pos, limit)
        if m:
            s, e = m.start(), m.end()
            if _ITEM_AFTER.match(text, e, min(len(text), e + 3)):
                e -= 1  # the last digit is the next row's item number
                if e > s and text[s:e] != "-":
                    tokens.append(_Token("num", text[s:e], s, e))
                if stop_at_text:
                    return tokens, e
                pos = m.end() + 1
                continue
            unit = _RUN_UNIT.match(text, e, limit)
            if unit:
                tokens.append(_Token("num", text[s:e], s, unit.end(), unit.group()))
                pos = unit.end()
            else:
                tokens.append(_Token("num", text[s:e], s, e))
                pos = e
            continue
        m = _RUN_NA.match(text, pos, limit)
        if m and _standalone(text, m.start(), m.end()):
            tokens.append(_Token("na", m.group(), m.start(), m.end()))
            pos = m.end()
            continue
        if stop_at_text:
            return tokens, pos
        # no token can start before the next character that starts a separator, number or mark
        m = _RUN_CANDIDATE.search(text, pos + 1, limit)
        pos = m.start() if m else limit
    return tokens, pos


# --------------------------------------------------------------------------- splitting runs into cells
def _piece_value(text: str, a: int, b: int, slot: _Slot) -> float | None:
    """The value of ``text[a:b]`` if it is a valid number for ``slot``, else None."""
    s = text[a:b]
    if not _VALID_PIECE.match(s) or ("." in s and not slot.decimal):
        return None
    if s.startswith("-") and (a != 0 or not slot.negative):
        return None
    return float(s)


def _piece_cell(tok: _Token, a: int, b: int, value: float) -> _Cell:
    """Cell for ``tok.text[a:b]`` (worth ``value``); a piece that ends the token carries its unit."""
    s = tok.text[a:b]
    status = "zero" if value == 0 else "number"
    if b == len(tok.text):
        return _new_cell((s + (tok.unit or ""), value, status, tok.unit or None, tok.start + a, tok.end, None, None))
    return _new_cell((s, value, status, None, tok.start + a, tok.start + b, None, None))


def _na_cell(tok: _Token) -> _Cell:
    return _Cell(tok.text, None, "not_applicable", None, tok.start, tok.end)


def _split_runs(tokens: list[_Token], groups: list[list[_Slot]], sums: list[int | None], steps: int = _BUDGET
                ) -> tuple[list[list[_Cell]], bool]:
    """All ways to cut ``tokens`` into the cells of ``groups``.

    Every token gives one cell or more (numbers without leading zeros, "0" alone);
    n/a marks give one cell each. ``sums[g]`` (or None) is the index, inside group g, of
    the cell that must equal the sum of the cells before it (row 总计, block 总计); it is
    not enforced in a group holding an n/a mark. Returns (readings, complete):
    ``complete`` is False when the search stopped early (too many readings, or more than
    ``steps`` search steps) — the readings are then [] and the caller must treat the run
    as ambiguous.
    """
    readings, complete = _search_runs(tokens, groups, sums, steps)
    cells: dict[tuple, _Cell] = {}
    out = []
    for r in readings:
        row = []
        for piece in r:
            c = cells.get(piece)
            if c is None:
                ti, a, b, value = piece
                c = cells[piece] = _na_cell(tokens[ti]) if value is None else _piece_cell(tokens[ti], a, b, value)
            row.append(c)
        out.append(row)
    return out, complete


# Work shared by the rows of the reports parsed in this process (reports repeat runs such as 0000000
# in many rows, and templates repeat them across reports): searches by what they depend on (token
# texts, slots, sums, steps, most), and the pieces that can start at a character of a token text. Both
# are pure functions of their keys; table_records empties them before a report once they have grown
# past these bounds (which keep them to a few MB: most searches hold one reading).
_searches: dict[tuple, tuple[list[tuple], bool]] = {}
_cut_lists: dict[tuple[str, int, _Slot], list[tuple[int, float]]] = {}
_MEMO_SEARCHES, _MEMO_CUTS = 1_000, 10_000


def _clear_memos() -> None:
    """Empty the memos of searches and cuts."""
    _searches.clear()
    _cut_lists.clear()


def _search_runs(tokens: list[_Token], groups: list[list[_Slot]], sums: list[int | None], steps: int,
                 most: int = _MAX_READINGS) -> tuple[list[tuple], bool]:
    """:func:`_split_runs` with each cell as a piece ``(token, start, end, value)`` (value None: n/a),
    stopping (incomplete) at more than ``most`` readings."""
    runs = tuple((t.kind, t.text) for t in tokens)
    key = (runs, tuple(map(tuple, groups)), tuple(sums), steps, most)
    found = _searches.get(key)
    if found is None:
        found = _searches[key] = _search_pieces(runs, groups, sums, steps, most)
    return found


def _cuts(text: str, ci: int, slot: _Slot) -> list[tuple[int, float]]:
    """(end, value) of the pieces of ``text`` from character ci that the search tries, in order:
    valid numbers for ``slot`` of at most ``slot.max_chars`` characters."""
    key = (text, ci, slot)
    found = _cut_lists.get(key)
    if found is None:
        ends = range(ci + 1, min(len(text), ci + slot.max_chars) + 1)
        if text.isascii() and text.isdigit():  # the common case, decided without the regex
            found = [(b, 0.0) for b in ends[:1]] if text[ci] == "0" else [(b, float(text[ci:b])) for b in ends]
        else:
            found = []
            for b in ends:
                value = _piece_value(text, ci, b, slot)
                if value is None:
                    if text[ci] == "0" or (text[ci] == "-" and b > ci + 1 and text[ci + 1] == "0"):
                        if b > ci + 2:
                            break
                    continue
                found.append((b, value))
        _cut_lists[key] = found
    return found


def _search_pieces(runs: tuple[tuple[str, str], ...], groups: list[list[_Slot]], sums: list[int | None], steps: int,
                   most: int) -> tuple[list[tuple], bool]:
    """The search of :func:`_split_runs` on the (kind, text) of each token.

    A depth-first search that spends one step per call of ``fill``; the order of the
    readings and the steps counted are those of the search on cells that
    ``tests/test_tables_speed_exact.py`` keeps as the reference.
    """
    n_tok = len(runs)
    texts = [text if kind == "num" else None for kind, text in runs]
    flat_slots = [s for g in groups for s in g]
    n_slots = len(flat_slots)
    group_of = [gi for gi, g in enumerate(groups) for _ in g]
    max_chars = max((s.max_chars for s in flat_slots), default=1)
    # digits_left[ti][ci] / chars_left[ti][ci]: digits (an n/a mark counts as one) and characters from
    # character ci of token ti to the end of the run
    digits_left: list[list[int]] = [[]] * n_tok
    chars_left: list[list[int]] = [[]] * n_tok
    digits_after = chars_after = 0
    for ti in range(n_tok - 1, -1, -1):
        text = runs[ti][1]
        d, c = [0] * (len(text) + 1), [0] * (len(text) + 1)
        d[-1], c[-1] = digits_after, chars_after
        for j in range(len(text) - 1, -1, -1):
            d[j] = d[j + 1] + text[j].isdigit()
            c[j] = c[j + 1] + 1
        digits_left[ti], chars_left[ti] = d, c
        digits_after = d[0] if texts[ti] is not None else digits_after + 1
        chars_after = c[0]

    left = steps
    complete = True
    memo: dict[tuple[int, int, int], list[tuple]] = {}

    def solve(ti: int, ci: int, si: int) -> list[tuple]:
        # readings (tuples of pieces) of slots si.. from token ti at char ci, called at group boundaries only
        key = (ti, ci, si)
        if key in memo:
            return memo[key]
        if si == n_slots:
            memo[key] = [()] if ti == n_tok else []
            return memo[key]
        gi = group_of[si]
        size = len(groups[gi])
        total_at = sums[gi]
        out: list[tuple] = []
        acc: list[tuple] = []

        def fill(ti: int, ci: int, k: int) -> None:
            nonlocal left, complete
            if not complete:
                return
            left -= 1
            if left < 0:
                complete = False
                return
            if k == size:
                rest = solve(ti, ci, si + size)
                for r in rest:
                    if not complete:
                        return
                    out.append(tuple(acc) + r)
                    if len(out) > most:
                        complete = False
                return
            remaining_slots = n_slots - (si + k)
            if ti >= n_tok or remaining_slots < n_tok - ti:
                return
            text = texts[ti]
            if text is None:
                acc.append((ti, 0, 0, None))
                fill(ti + 1, 0, k + 1)
                acc.pop()
                return
            # the remaining characters must fill the remaining slots, and not overflow them
            if digits_left[ti][ci] < remaining_slots:
                return
            if chars_left[ti][ci] > remaining_slots * max_chars + 2 * n_tok:
                return
            if k == total_at and all(p[3] is not None for p in acc):
                total = sum(p[3] for p in acc)
                want = str(int(total)) if float(total).is_integer() else repr(total)
                b = ci + len(want)
                value = _piece_value(text, ci, b, flat_slots[si + k]) if text[ci:b] == want else None
                ends = [] if value is None else [(b, value)]
            else:
                ends = _cuts(text, ci, flat_slots[si + k])
            n_chars = len(text)
            for b, value in ends:
                acc.append((ti, ci, b, value))
                if b == n_chars:
                    fill(ti + 1, 0, k + 1)
                else:
                    fill(ti, b, k + 1)
                acc.pop()

        fill(ti, ci, 0)
        memo[key] = out
        return out

    readings = solve(0, 0, 0)
    return (readings, True) if complete else ([], False)


def _forced(tokens: list[_Token], slots: list[_Slot]) -> list[_Cell] | None:
    """The reading when every token is one printed cell and their number fits exactly."""
    if len(tokens) != len(slots):
        return None
    cells = []
    for tok, slot in zip(tokens, slots):
        if tok.kind == "na":
            cells.append(_na_cell(tok))
            continue
        value = _piece_value(tok.text, 0, len(tok.text), slot)
        if value is None:
            return None
        cells.append(_piece_cell(tok, 0, len(tok.text), value))
    return cells


# --------------------------------------------------------------------------- readings of one row
@dataclass
class _RowRead:
    """Everything known about one template row."""

    row: str
    columns: tuple[str, ...]
    readings: list[list[_Cell]]  # candidate cell lists; [] = nothing usable
    confidence: str | None = None
    reason: str | None = None
    found: bool = False
    span: tuple[int, int] | None = None  # the printed run, for unresolved cells
    method: str = ""  # tab | run | run_next_line | sequence


def _describe(readings: list[list[_Cell]], limit: int = 4) -> str:
    shown = ["/".join(c.raw if c.status != "blank" else "∅" for c in r) for r in readings[:limit]]
    more = f" … ({len(readings)} in all)" if len(readings) > limit else ""
    return "; ".join(shown) + more


def _resolve_runs(tokens: list[_Token], slots: list[_Slot], groups: list[int], validator_parts: list[int | None],
                  what: str) -> tuple[list[list[_Cell]], str | None, str | None]:
    """Readings of a run of tokens for one row (or one block row such as table 四).

    Returns (readings, confidence, reason). One reading: resolved. Several: the caller
    may narrow them down with table identities, else cells that differ are unresolved.
    """
    n = len(slots)
    if not tokens:
        return [], None, f"no numbers printed after the {what} label"
    forced = _forced(tokens, slots)
    if forced is not None:
        return [forced], "exact", None
    if len(tokens) > n:
        return [], None, f"{len(tokens)} separate numbers or marks for {n} cells"
    n_digits = sum(sum(map(str.isdecimal, t.text)) if t.kind == "num" else 1 for t in tokens)
    if n_digits < n:
        return [], None, (f"only {n_digits} digits/marks for {n} cells: blank cells were lost when the table was "
                          f"flattened, so the columns of '{' '.join(t.text for t in tokens)}' cannot be told")
    bounds = list(itertools.accumulate(groups))
    group_slots = [slots[a:b] for a, b in zip([0] + bounds[:-1], bounds)]
    readings, complete = _split_runs(tokens, group_slots, validator_parts)
    if not complete:
        return [], None, "ambiguous concatenated digits: too many possible splits"
    if not readings:
        checked = any(p is not None for p in validator_parts)
        return [], None, ("concatenated digits: no split gives the template's cells"
                          + (" with 总计 = sum of the parts" if checked else ""))
    has_identity = any(p is not None for p in validator_parts)
    if len(readings) == 1:
        if has_identity:
            plain, done = _search_runs(tokens, group_slots, [None] * len(group_slots), 2_000, most=1)
            if done and len(plain) == 1:
                return readings, "split", "concatenated digits: the only split without leading zeros"
            return readings, "arithmetic", "concatenated digits: the only split with 总计 = sum of the parts"
        return readings, "split", "concatenated digits: the only split without leading zeros"
    return readings, ("arithmetic" if has_identity else "split"), (
        f"ambiguous concatenated digits: {len(readings)} splits"
        + (" satisfy 总计 = sum of the parts" if has_identity else " (no identity in this row to choose)")
        + f": {_describe(readings)}")


def _fit_cells(cells: list[tuple[str, int, int]], slots: list[_Slot], validator_parts: list[int | None],
               groups: list[int]) -> tuple[list[list[_Cell]], str | None, str | None]:
    """Readings of a tab-separated row's value fields for ``len(slots)`` template cells.

    More fields than cells (flattening pads rows with empty fields): every window of
    consecutive fields holding all non-blank fields is a reading; identities choose when
    several remain. Fewer fields than cells: only an all-blank row can be read.
    """
    k = len(slots)
    m = len(cells)

    def classify(window: list[tuple[str, int, int]]) -> list[_Cell]:
        return [_classify(raw, s, e, slot) for (raw, s, e), slot in zip(window, slots)]

    nonblank = [i for i, (raw, _, _) in enumerate(cells) if raw.strip()]
    if m == k:
        return [classify(cells)], "exact", None
    if m < k:
        if not nonblank:
            blank = [_Cell("", None, "blank", None, None, None) for _ in slots]
            return [blank], "layout", f"row has {m} fields for {k} cells, all blank"
        return [], None, f"row has {m} fields for {k} cells: which column was dropped cannot be told"
    if not nonblank:
        return [classify(cells[:k])], "exact", None
    lo, hi = nonblank[0], nonblank[-1]
    offsets = [o for o in range(0, m - k + 1) if o <= lo and hi < o + k]
    if not offsets:
        return [], None, (f"non-blank fields span {hi - lo + 1} positions, more than the {k} cells of the row")
    readings = [classify(cells[o:o + k]) for o in offsets]
    if len(offsets) == 1:
        if k == 1 and lo == 0:  # a one-cell row padded by merged header fields
            return readings, "exact", None
        return readings, "layout", (f"tab row has {m} fields for {k} cells; its non-blank fields fit the "
                                    f"columns in one way only")
    # several windows: the identity (blank counted as 0) may leave one
    bounds = list(itertools.accumulate(groups))
    starts = [0] + bounds[:-1]

    def holds(r: list[_Cell]) -> bool:
        if any(c.status in ("text", "not_applicable") for c in r):
            return False
        for a, b, parts in zip(starts, bounds, validator_parts):
            if parts is None:
                continue
            vals = [c.value or 0.0 for c in r[a:b]]
            if abs(sum(vals[:parts]) - vals[parts]) > 1e-9:
                return False
        return True

    good = [r for r in readings if holds(r)] if any(p is not None for p in validator_parts) else []
    if len(good) == 1:
        return good, "arithmetic", (f"tab row has {m} fields for {k} cells; of {len(readings)} placements only one "
                                    f"satisfies 总计 = sum of the parts (blank counted as 0)")
    return (good or readings), "layout", (f"tab row has {m} fields for {k} cells and they fit the columns in "
                                          f"{len(good or readings)} ways: {_describe(good or readings)}")


# --------------------------------------------------------------------------- table regions
_T2_ARTICLE = re.compile(r"第\s*二十\s*条\s*第\s*[（(]\s*[一五六八九]\s*[）)]\s*项")
_T2_HEADER = re.compile(r"信息内容|本年制发件数|本年新制作数量|本年处理决定数量|上一年项目数量")
_T3_START = re.compile(r"本列数据的勾稽关系|申请人情况|本年新收\S{0,20}申请数量")
_T4_START = re.compile(r"行政复议")
_T4_HEADER = re.compile(r"结果\s*维持|维\s*持|结果\s*纠正|纠\s*正|尚未\s*审结|审\s*结|总\s*计|起诉|行政诉讼|行政复议")
_SECTION_HEAD = re.compile(r"(?:^|[\s。；\d])([三四五六七])\s*[、.．]\s*(?!结转)(?=\S)")


def _next_section(text: str, pos: int, ordinals: str) -> int:
    """Start of the next heading "N、…" with N in ``ordinals`` after ``pos`` (len(text) if none)."""
    for m in _SECTION_HEAD.finditer(text, pos):
        if m.group(1) in ordinals:
            return m.start(1)
    return len(text)


@dataclass
class _Regions:
    t2: tuple[int, int] | None
    t3: tuple[int, int] | None
    t4: tuple[int, int] | None


def _t2_start(text: str):
    """Start of table 二: its first "第二十条第（…）项" band or header that is followed by a header word."""
    for m in itertools.chain(_T2_ARTICLE.finditer(text), _T2_HEADER.finditer(text)):
        if _T2_HEADER.search(text, m.start(), m.end() + 80):
            return m
    return _T2_ARTICLE.search(text)


def _regions(text: str) -> _Regions:
    m2 = _t2_start(text)
    m3 = _T3_START.search(text, m2.end() if m2 else 0)
    if m3 is None and m2 is not None:
        m3 = _T3_START.search(text)
    t3_start = m3.start() if m3 else None
    # the t3 region ends at table 四's header, or at the next section heading
    if t3_start is not None:
        m4 = _T4_START.search(text, t3_start)
        t3_end = min(m4.start() if m4 else len(text), _next_section(text, t3_start, "五六七"))
        t3 = (t3_start, t3_end)
    else:
        m4, t3 = None, None
    if m2 is not None:
        t2_end = t3_start if (t3_start is not None and t3_start > m2.start()) else _next_section(text, m2.end(), "三四五")
        t2 = (m2.start(), t2_end)
    else:
        t2 = None
    t4 = None
    if t3 is not None and m4 is not None and m4.start() == t3[1]:
        t4_end = _next_section(text, m4.end(), "五六七")
        t4 = (m4.start(), t4_end)
    elif t3 is None:
        m4 = re.search(r"行政复议\s*行政诉讼|行政复议[\s\S]{0,80}结果\s*维持", text)
        if m4:
            t4 = (m4.start(), _next_section(text, m4.end(), "五六七"))
    return _Regions(t2, t3, t4)


# --------------------------------------------------------------------------- line helpers
def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return a, (len(text) if b < 0 else b)


def _tab_fields(text: str, a: int, b: int) -> list[tuple[str, int, int]]:
    fields, s = [], a
    for part in text[a:b].split("\t"):
        fields.append((part, s, s + len(part)))
        s += len(part) + 1
    return fields


def _strip_field(raw: str, s: int) -> tuple[str, int, int]:
    lead = len(raw) - len(raw.lstrip())
    core = raw.strip()
    return core, s + lead, s + lead + len(core)


_HAS_CJK = re.compile(rf"[{_CJK}]")


def _row_fields_after(text: str, label: _Label, labels: list[_Label]) -> list[tuple[str, int, int]] | None:
    """Value fields of a tab line after ``label``'s field, up to the next label's field.

    None when the label's line has no tabs. Text fields right after the label (wrapped
    label pieces) are skipped.
    """
    a, b = _line_bounds(text, label.start)
    if "\t" not in text[a:b]:
        return None
    fields = _tab_fields(text, a, b)
    idx = next(i for i, (_, s, e) in enumerate(fields) if s <= label.start <= e)
    # a label that continues into later fields of the same line
    while idx + 1 < len(fields) and fields[idx][2] < label.end:
        idx += 1
    stops = [lab.start for lab in labels if lab.start > fields[idx][2] and lab.start < b]
    stop = min(stops) if stops else b + 1
    out = []
    for raw, s, e in fields[idx + 1:]:
        if s >= stop:
            break
        out.append((raw, s, e))
    # skip label continuations (Chinese text before the first value-like field)
    while out and _HAS_CJK.search(out[0][0]) and not _NA_CELL.match(out[0][0].strip()) \
            and not _NUMBER_CELL.match(out[0][0].strip()):
        out.pop(0)
    return [_strip_field(raw, s) for raw, s, e in out]


_WIDTH_TWIN = {"，": ",", ",": "，", "（": "(", "(": "（", "）": ")", ")": "）"}


@lru_cache(maxsize=256)
def _compact(s: str) -> str:
    """``s`` without whitespace (canonical labels: few, so cached)."""
    return re.sub(r"\s+", "", s)


def _label_tail(text: str, label: _Label, canonical: str, limit: int) -> int:
    """End of a label whose printed text continues past the synonym that matched.

    Characters are consumed while they follow the canonical label in order (a garbled
    label such as "其他法律行政止公开" or one cut by a line of numbers, "…只计这一情 形，不").
    """
    rest = _compact(canonical)
    matched = re.sub(r"\s+", "", text[label.start:label.end])
    # move past the part of the canonical label already matched
    j = 0
    for ch in matched:
        k = rest.find(ch, j)
        if k >= 0:
            j = k + 1
    pos = label.end
    while pos < limit:
        ch = text[pos]
        if ch.isspace() and ch != "\t":
            pos += 1
            continue
        if ch.isdigit():
            break
        k = rest.find(ch, j)
        other = _WIDTH_TWIN.get(ch)
        if other is not None:
            k2 = rest.find(other, j)
            if k2 >= 0 and (k < 0 or k2 < k):
                k = k2
        if k < 0:
            break
        j = k + 1
        pos += 1
    # do not swallow trailing spaces
    while pos > label.end and text[pos - 1].isspace():
        pos -= 1
    return pos


@lru_cache(maxsize=1)
def _canonical_labels() -> dict[tuple[str, str], str]:
    """The longest synonym of each row: the label text a continuation is matched against."""
    out: dict[tuple[str, str], str] = {}
    for line in read_resource_lines("table_labels.tsv"):
        cols = (line.split("\t") + [""] * 5)[:5]
        table, key, _, _, synonym = (c.strip() for c in cols)
        if table and key and len(synonym) > len(out.get((table, key), "")):
            out[(table, key)] = synonym
    return out


# --------------------------------------------------------------------------- reading rows by their labels
def _read_labelled_rows(text: str, table: str, region: tuple[int, int], rows: list[tuple[str, tuple[str, ...]]],
                        slots_of, identity_of, labels: list[_Label]) -> dict[str, _RowRead]:
    """Read every template row whose label is printed in ``region`` (tab fields or a run after it)."""
    reads: dict[str, _RowRead] = {}
    canon = _canonical_labels()
    starts = [lab.start for lab in labels]  # in text order, as _find_labels gives them
    tabbed = "\t" in text  # else no label's line has tab fields
    labels_of: dict[str, list[_Label]] = {}
    for lab in labels:
        if lab.kind == "row":
            labels_of.setdefault(lab.key, []).append(lab)
    for row, cols in rows:
        slots = slots_of(row, cols)
        parts = identity_of(row, cols)
        rr = _RowRead(row, cols, [])
        attempts = []
        for lab in labels_of.get(row, []):
            rr.found = True
            later = bisect.bisect_left(starts, lab.end)
            limit = starts[later] if later < len(starts) else region[1]
            fields = _row_fields_after(text, lab, labels) if tabbed else None
            if fields is not None and fields:
                readings, conf, reason = _fit_cells(fields, slots, [parts], [len(slots)])
                span = (fields[0][1], fields[-1][2])
                attempts.append((readings, conf, reason, span, "tab"))
                continue
            tail = _label_tail(text, lab, canon.get((table, row), ""), limit)
            tokens, end = _run_tokens(text, tail, limit)
            readings, conf, reason = _resolve_runs(tokens, slots, [len(slots)], [parts], "row")
            span = (tokens[0].start, tokens[-1].end) if tokens else None
            # numbers that start on a later line than their label are weaker evidence: PDF text
            # sometimes prints a row's numbers before its label, so they may be the next row's
            weak = bool(tokens) and "\n" in text[tail:tokens[0].start]
            if weak and readings:
                reason = "; ".join(x for x in (reason, "numbers printed on the line after the label") if x)
            attempts.append((readings, conf, reason, span, "run_next_line" if weak else "run"))
        usable = [a for a in attempts if a[0]]
        if not usable:
            if attempts:
                rr.reason = attempts[0][2]
                rr.span = attempts[0][3]
            reads[row] = rr
            continue
        first = usable[0]
        for other in usable[1:]:
            same = len(other[0]) == len(first[0]) and all(
                all(x.value == y.value and x.status == y.status for x, y in zip(r1, r2))
                for r1, r2 in zip(other[0], first[0]))
            if not same:
                rr.reason = "row label printed twice with different numbers"
                rr.span = first[3]
                reads[row] = rr
                break
        else:
            rr.readings, rr.confidence, rr.reason, rr.span, rr.method = first
        reads.setdefault(row, rr)
    return reads


# --------------------------------------------------------------------------- table 三
def _t3_slots(row, cols):
    return [_COUNT_SLOT] * len(cols)


def _t3_identity(row, cols):
    return len(cols) - 1 if cols and cols[-1] == "total" else None


def _t3_row_set(regime: str | None, labels: list[_Label]) -> list[tuple[str, tuple]]:
    """The rows this report prints: the single （六） row or its three sub-rows.

    Decided by the labels found (2021-template reports that print one （六） row exist);
    when neither form is printed, by the regime (2019: one row; 2021: three).
    """
    keys = {lab.key for lab in labels if lab.kind == "row"}
    subrows = {"other_1", "other_2", "other_3"} & keys
    if subrows or "other" in keys:
        use_sub = bool({"other_1", "other_2"} & subrows) or "other" not in keys
    else:
        use_sub = regime != "2019"
    rows = template_rows("2021")["t3"]  # the union of both forms, in printed order
    return [(row, cols) for row, cols in rows
            if not (row == "other" and use_sub) and not (row.startswith("other_") and not use_sub)]


def _t3_identities(rows: list[str]) -> list[tuple[list[tuple[str, str]], list[tuple[str, str]]]]:
    """Column identities of table 三: 一+二 = （七）+四 and （七） = sum of the results, per column."""
    out = []
    items = [r for r in rows if r in T3_RESULT_ROWS]
    for col in T3_COLUMNS:
        if {"received", "carried_over", "handled_total", "carried_forward"} <= set(rows):
            out.append(([("received", col), ("carried_over", col)], [("handled_total", col), ("carried_forward", col)]))
        if "handled_total" in rows and items:
            out.append(([(r, col) for r in items], [("handled_total", col)]))
    return out


def _identity_value(table: dict[str, list[_Cell]], side: list[tuple[str, int | None]]) -> float | None:
    """The sum of one side of an identity, its cells given as (row, column index or None: not a column)."""
    total = 0.0
    for row, i in side:
        cells = table.get(row)
        if cells is None or i is None:
            return None
        c = cells[i]
        if c.status in ("number", "zero"):
            total += c.value
        elif c.status == "blank":
            continue
        else:
            return None
    return total


def _narrow_by_identities(tables: list[dict[str, list[_Cell]]], cols: dict[str, tuple[str, ...]],
                          identities) -> list[dict[str, list[_Cell]]]:
    """Keep the candidate tables that satisfy every identity whose outcome differs between candidates."""
    if len(tables) <= 1:
        return tables

    def indexed(side):
        return [(row, cols[row].index(col) if col in cols[row] else None) for row, col in side]

    verdicts = []
    for lhs, rhs in identities:
        lhs, rhs = indexed(lhs), indexed(rhs)
        row = []
        for t in tables:
            a, b = _identity_value(t, lhs), _identity_value(t, rhs)
            row.append(None if a is None or b is None else abs(a - b) < 1e-9)
        verdicts.append(row)
    keep = []
    for i, t in enumerate(tables):
        ok = True
        for row in verdicts:
            if len({v for v in row}) > 1 and row[i] is not True:
                ok = False
                break
        if ok:
            keep.append(t)
    return keep or tables


def _parse_t3(text: str, region: tuple[int, int], regime: str | None) -> list[_RowRead]:
    labels = _other_as_group(_find_labels(text, "t3", *region))
    rows = _t3_row_set(regime, labels)
    reads = _read_labelled_rows(text, "t3", region, rows, _t3_slots, _t3_identity, labels)
    row_keys = [r for r, _ in rows]
    cols = {r: c for r, c in rows}
    # the sequence reading: every number of the region in order, 7 per row; it must agree with
    # every row read firmly by its label (same line or tab fields)
    weak = [r for r in row_keys if reads[r].readings and reads[r].method == "run_next_line"]
    firm = [r for r in row_keys if reads[r].readings and r not in weak]

    def agrees(s: dict, r: str) -> bool:
        return any(all(a.same_reading(b) for a, b in zip(s[r], cand)) for cand in reads[r].readings)

    needed = weak or any(not reads[r].readings for r in row_keys)
    seq = _sequence_reading(text, region, rows, labels) if needed else []
    if seq:
        seq = [s for s in seq if all(agrees(s, r) for r in firm)]
        if not seq:
            for r in row_keys:
                if not reads[r].readings and reads[r].reason is None:
                    reads[r].reason = "numbers in the table's order disagree with the rows whose labels were read"
    for r in weak:  # kept only when the order of the table confirms them
        if not seq or not all(agrees(s, r) for s in seq):
            reads[r].readings = []
            reads[r].confidence = None
            reads[r].reason = ("numbers printed on the line after the label, and the order of the table does not "
                               "confirm they are this row's (PDF text can print a row's numbers before its label)")
    if seq:
        candidates = seq
        for r in row_keys:
            if not reads[r].readings and r not in weak:
                reads[r].method = "sequence"
                reads[r].confidence = "sequence"
                reads[r].reason = ("row label garbled or printed away from its numbers; numbers assigned by their "
                                   "order, which fits the template's rows exactly and agrees with every labelled row")
    else:
        known = [r for r in row_keys if reads[r].readings]
        candidates = []
        for combo in itertools.islice(itertools.product(*(reads[r].readings for r in known)), 4097):
            candidates.append(dict(zip(known, combo)))
        if len(candidates) > 4096:
            candidates = []
    if len(candidates) > 1:
        narrowed = _narrow_by_identities(candidates, cols, _t3_identities(row_keys))
        if len(narrowed) < len(candidates):
            for r in row_keys:
                if r in narrowed[0] and len({tuple((c.value, c.start) for c in t[r]) for t in candidates}) > 1 \
                        and len({tuple((c.value, c.start) for c in t[r]) for t in narrowed}) == 1:
                    reads[r].confidence = "arithmetic"
                    before = (reads[r].reason or "").replace("ambiguous concatenated digits: ", "concatenated digits: ")
                    reads[r].reason = (before + "; the column identities of table 三 "
                                       "(一+二 = （七）+四, （七） = sum of the results) leave one reading").lstrip("; ")
        candidates = narrowed
    for r in row_keys:
        if candidates and r in candidates[0]:
            reads[r].readings = [t[r] for t in candidates]
    return [reads[r] for r in row_keys]


def _other_as_group(labels: list[_Label]) -> list[_Label]:
    """（六）其他处理 is a group heading when its sub-rows are printed, a row otherwise."""
    keys = {lab.key for lab in labels if lab.kind == "row"}
    if {"other_1", "other_2"} & keys:
        return [replace(lab, kind="group") if lab.key == "other" else lab for lab in labels]
    return labels


def _sequence_reading(text: str, region: tuple[int, int], rows, labels: list[_Label]
                      ) -> list[dict[str, list[_Cell]]]:
    """Readings of the whole region as the template's rows in order (labels ignored)."""
    spans = sorted((lab.start, lab.end) for lab in labels)
    tokens: list[_Token] = []
    pos = region[0]
    for a, b in spans + [(region[1], region[1])]:
        if a > pos:
            toks, _ = _run_tokens(text, pos, a, stop_at_text=False)
            tokens.extend(toks)
        pos = max(pos, b)
    n_rows = len(rows)
    slots = [_Slot() for _, cols in rows for _ in cols]
    if not tokens or len(tokens) > len(slots):
        return []
    forced = _forced(tokens, slots)
    if forced is not None:
        readings = [forced]
    else:
        groups = [[_Slot() for _ in cols] for _, cols in rows]
        readings, complete = _split_runs(tokens, groups, [len(cols) - 1 for _, cols in rows])
        if not complete:
            return []
    out = []
    for reading in readings:
        table, i = {}, 0
        for row, cols in rows:
            table[row] = reading[i:i + len(cols)]
            i += len(cols)
        out.append(table)
    del n_rows
    return out


# --------------------------------------------------------------------------- table 二
def _t2_slots(row, cols):
    return [_Slot(decimal=c in ("amount_10k_yuan", "amount"), negative=c == "change",
                  max_chars=16 if c in ("amount_10k_yuan", "amount") else 9) for c in cols]


def _parse_t2(text: str, region: tuple[int, int], regime: str | None) -> list[_RowRead]:
    rows = template_rows(regime)["t2"]
    labels = _find_labels(text, "t2", *region)
    reads = _read_labelled_rows(text, "t2", region, rows, _t2_slots, lambda r, c: None, labels)
    out = []
    for row, cols in rows:
        rr = reads[row]
        if len(rr.readings) > 1:
            rr.reason = rr.reason or "ambiguous concatenated digits"
        out.append(rr)
    return out


_HEADER_UNIT = re.compile(r"单位\s*[:：]\s*(万元|元|亿元)")


def _fee_units(text: str, region: tuple[int, int], cells: list[_Cell]) -> list[_Cell]:
    """Express 2021 fee amounts in 万元 (the column's unit), converting 元/亿元 and saying so."""
    m = _HEADER_UNIT.search(text, *region)
    header_unit = m.group(1) if m else None
    out = []
    for c in cells:
        unit = c.unit or header_unit or "万元"
        if c.value is None or unit == "万元":
            out.append(c._replace(unit="万元" if c.value is not None else c.unit))
            continue
        factor = {"元": 1e-4, "亿元": 1e4}.get(unit)
        if factor is None:
            out.append(c._replace(value=None, status="text", reason=f"amount in unknown unit {unit}"))
            continue
        note = f"printed in {unit} ({c.raw}); converted to 万元"
        out.append(c._replace(value=round(c.value * factor, 8), unit="万元",
                              reason=(c.reason + "; " if c.reason else "") + note))
    return out


# --------------------------------------------------------------------------- table 四
_T4_FIRST_VALUE = re.compile(r"\d|(?<![^\s|])(?:/|／|—{1,2}|－|-|无|不适用)(?![^\s|])")


def _parse_t4(text: str, region: tuple[int, int]) -> tuple[_RowRead, bool]:
    """One reading of the 15 numbers of table 四 (as one pseudo-row). Returns (read, has_header)."""
    cols = tuple(f"{r}:{c}" for r in T4_ROWS for c in T4_COLUMNS)
    rr = _RowRead("t4", cols, [])
    a, b = region
    headers = list(_T4_HEADER.finditer(text, a, b))
    has_header = any(re.search(r"维\s*持|审\s*结", h.group()) for h in headers)
    if not has_header:
        rr.reason = "table 四 header (结果维持 … 尚未审结) not found"
        return rr, False
    rr.found = True
    slots = [_Slot() for _ in cols]
    first_header = headers[0].end()
    # a tab line with values, or a run of numbers after the header
    value_start = None
    for m in _T4_FIRST_VALUE.finditer(text, first_header, b):
        if m.group().isdigit():
            run = re.match(r"\d+\s*([年月日号%])?", text[m.start():b])
            if run and run.group(1):  # a date or a percentage in a note, not a cell
                continue
            if m.start() > 0 and text[m.start() - 1].isdigit():
                continue
        value_start = m.start()
        break
    if value_start is None:
        blank = [_Cell("", None, "blank") for _ in cols]
        rr.readings = [blank]
        rr.confidence = "layout"
        rr.reason = "table 四 is printed with its header only: no values under it"
        return rr, True
    la, lb = _line_bounds(text, value_start)
    if "\t" in text[la:lb]:
        fields = [_strip_field(raw, s) for raw, s, e in _tab_fields(text, la, lb)]
        while fields and _HAS_CJK.search(fields[0][0]) and not _NA_CELL.match(fields[0][0]):
            fields.pop(0)
        readings, conf, reason = _fit_cells(fields, slots, [4, 4, 4], [5, 5, 5])
        rr.span = (fields[0][1], fields[-1][2]) if fields else None
        rr.method = "tab"
    else:
        tokens, _ = _run_tokens(text, value_start, b)
        readings, conf, reason = _resolve_runs(tokens, slots, [5, 5, 5], [4, 4, 4], "table 四 header")
        rr.span = (tokens[0].start, tokens[-1].end) if tokens else None
        rr.method = "run"
    rr.readings, rr.confidence, rr.reason = readings, conf, reason
    return rr, True


# --------------------------------------------------------------------------- assembling the output
def _both(reason: str | None, row_reason: str | None) -> str | None:
    """A cell's reason and its row's, joined; None when neither says anything."""
    return (f"{reason}; {row_reason}" if reason and row_reason else (reason or row_reason)) or None


def _consensus(rr: _RowRead) -> list[_Cell]:
    """One cell per column: the reading shared by all candidates, else unresolved."""
    n = len(rr.columns)
    span_raw = rr.span
    if not rr.readings:
        if not rr.found:
            return [_Cell(None, None, "missing", reason=rr.reason or "row not found in the report") for _ in range(n)]
        return [_Cell(None, None, "unresolved", reason=rr.reason or "no values found for this row",
                      start=span_raw[0] if span_raw else None, end=span_raw[1] if span_raw else None)
                for _ in range(n)]
    if len(rr.readings) == 1:
        conf, row_reason = rr.confidence, rr.reason
        return [_new_cell((raw, value, status, unit, start, end, conf, _both(reason, row_reason)))
                for raw, value, status, unit, start, end, _, reason in rr.readings[0]]
    out = []
    same = "this cell is the same in every reading"
    row_reason = "; ".join(x for x in (rr.reason, same) if x)
    for cells in zip(*rr.readings):
        c = cells[0]
        if all(c.same_reading(other) for other in cells[1:]):
            out.append(_Cell(c.raw, c.value, c.status, c.unit, c.start, c.end, rr.confidence,
                             _both(c.reason, row_reason)))
        else:
            options = sorted({c.raw if c.status != "blank" else "∅" for c in cells})
            out.append(_Cell(None, None, "unresolved", start=span_raw[0] if span_raw else None,
                             end=span_raw[1] if span_raw else None,
                             reason=(rr.reason or "ambiguous") + f"; this cell could be {' or '.join(options)}"))
    return out


def _records(doc_id: str, table: str, row: str, cols: tuple[str, ...], cells: list[_Cell], regime: str | None,
             units: dict, text: str) -> list[dict]:
    recs = []
    for col, (raw, value, status, unit, start, end, confidence, reason) in zip(cols, cells):
        if status == "unresolved" and start is not None and end is not None:
            raw = text[start:end]
        recs.append({
            "doc_id": doc_id, "table": table, "row": row, "column": col, "regime": regime,
            "raw": raw, "value": None if value is None else float(value), "status": status,
            "unit": unit or units.get((table, col)) or None, "confidence": confidence,
            "reason": reason, "start": start, "end": end,
        })
    return recs


def _empty() -> pd.DataFrame:
    return _typed(pd.DataFrame({c: [] for c in COLUMNS}))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    df = df[COLUMNS].copy()
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    for c in ("start", "end"):
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("Int64")
    for c in _TEXT_COLUMNS:
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df.reset_index(drop=True)


_TEXT_COLUMNS = ("doc_id", "table", "row", "column", "regime", "raw", "status", "unit", "confidence", "reason")


def parse_tables(text: str, doc_id: str = "", regime: str | None = None) -> pd.DataFrame:
    """Parse tables 二, 三 and 四 of a normalised report into one row per template cell.

    ``regime`` ``"2019"``/``"2021"`` forces the template; None detects it
    (:func:`detect_regime`); ``"pre2019"`` gives an empty table unless the text does
    hold template tables (then they are parsed with the detected regime). A report
    without template tables (pre-2019) gives an empty table. A table whose header or rows are absent gives ``missing`` cells. See the
    module docstring for the columns. Never raises on odd input: what cannot be read is
    NA with a ``reason``.

    >>> t = "一、本年新收政府信息公开申请数量 713000074二、上年结转政府信息公开申请数量 1000001"
    >>> df = parse_tables(t, regime="2021")
    >>> df[(df.row == "received")].value.tolist()
    [71.0, 3.0, 0.0, 0.0, 0.0, 0.0, 74.0]
    >>> df[(df.row == "received")].confidence.unique().tolist()
    ['arithmetic']
    """
    return table_frame(table_records(text, doc_id, regime))


def table_records(text: str, doc_id: str = "", regime: str | None = None) -> list[dict]:
    """:func:`parse_tables` as plain records (one dict per cell, keys :data:`COLUMNS`).

    The per-document pipeline keeps these and builds one DataFrame per corpus
    (:func:`table_frame`); a DataFrame per report would cost more than parsing it.

    >>> len(table_records("一、本年新收政府信息公开申请数量 713000074", regime="2021")) > 0
    True
    """
    if not isinstance(text, str) or not text:
        return []
    if regime not in (None, "2019", "2021", "pre2019"):
        raise ValueError(f"regime must be '2019', '2021', 'pre2019' or None, not {regime!r}")
    if regime in (None, "pre2019"):
        # "pre2019" from a caller is trusted only when the text has no template table either
        regime = detect_regime(text)
        if regime is None and not _TABLE_GATE.search(text):
            return []
    units = _column_units()
    if len(_searches) > _MEMO_SEARCHES or len(_cut_lists) > _MEMO_CUTS:
        _clear_memos()
    regions = _regions(text)
    recs: list[dict] = []
    # table 二 (its columns differ between the templates: no cells when the regime is unknown)
    t2_rows = template_rows(regime)["t2"] if regime else []
    if regions.t2 is not None and regime:
        reads = _safe(lambda: _parse_t2(text, regions.t2, regime),
                      [_RowRead(r, c, [], found=True) for r, c in t2_rows])
    else:
        reads = [_RowRead(r, c, [], reason="table 二 not found") for r, c in t2_rows]
    for rr in reads:
        cols = rr.columns
        cells = _consensus(rr)
        if rr.row == "fees" and regime == "2021" and regions.t2 is not None:
            cells = _fee_units(text, regions.t2, cells)
        recs += _records(doc_id, "t2", rr.row, cols, cells, regime, units, text)
    # table 三
    if regions.t3 is not None:
        t3 = _safe(lambda: _parse_t3(text, regions.t3, regime), None)
    else:
        t3 = None
    if t3 is None:
        rows = _t3_row_set(regime, [])
        reason = "table 三 not found" if regions.t3 is None else "table 三 could not be read"
        t3 = [_RowRead(r, c, [], reason=reason, found=regions.t3 is not None) for r, c in rows]
    for rr in t3:
        recs += _records(doc_id, "t3", rr.row, rr.columns, _consensus(rr), regime, units, text)
    # table 四
    cols15 = tuple(f"{r}:{c}" for r in T4_ROWS for c in T4_COLUMNS)
    if regions.t4 is not None:
        rr, _ = _safe(lambda: _parse_t4(text, regions.t4),
                      (_RowRead("t4", cols15, [], found=True, reason="table 四 could not be read"), True))
    else:
        rr = _RowRead("t4", cols15, [], reason="table 四 not found")
    cells = _consensus(rr)
    for bi, row in enumerate(T4_ROWS):
        recs += _records(doc_id, "t4", row, T4_COLUMNS, cells[bi * 5:(bi + 1) * 5], regime, units, text)
    return recs


def table_frame(records: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """The typed DataFrame of cell records (of one report or many, or an untyped frame of them);
    see :func:`table_records`."""
    return _typed(pd.DataFrame(records, columns=COLUMNS))


def _safe(fn, fallback):
    """Run one table's parser; odd input must give NA cells, not an exception."""
    try:
        return fn()
    except Exception as exc:  # pragma: no cover - safety net; the property tests assert it is never used
        if isinstance(fallback, list):
            for rr in fallback:
                rr.reason = f"internal error while reading the table ({type(exc).__name__}: {exc})"
        return fallback
