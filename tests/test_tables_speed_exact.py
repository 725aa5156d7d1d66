"""The fast paths of :mod:`govtext.tables` give exactly what the plain formulations give.

* :func:`govtext.tables._split_runs` (a search on pieces, cells built for the readings only,
  searches reused within a document) against the search on cells it replaced, kept here
  verbatim as :func:`reference_split_runs`: the same readings in the same order, and the same
  verdict on whether the search completed within its step budget and its limit of readings.
* :func:`govtext.tables._find_labels` (only the labels that can start with a position's
  character are tried there) against ``finditer`` of the one alternation of all labels.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from govtext import tables
from govtext.tables import _BUDGET, _MAX_READINGS, _VALID_PIECE, _Cell, _Slot, _Token

from conftest import real_texts

SETTINGS = settings(derandomize=True, max_examples=400, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --------------------------------------------------------------------------- the search on cells
class _Budget:
    def __init__(self, steps: int = _BUDGET):
        self.steps = steps

    def spend(self) -> bool:
        self.steps -= 1
        return self.steps >= 0


def _piece_cell(tok: _Token, a: int, b: int, with_unit: bool, slot: _Slot) -> _Cell | None:
    s = tok.text[a:b]
    if not _VALID_PIECE.match(s) or (s.startswith("-") and not slot.negative) or ("." in s and not slot.decimal):
        return None
    if s.startswith("-") and a != 0:
        return None
    value = float(s)
    start = tok.start + a
    end = tok.end if (with_unit and b == len(tok.text)) else tok.start + b
    raw = s + (tok.unit or "") if (with_unit and b == len(tok.text) and tok.unit) else s
    return _Cell(raw, value, "zero" if value == 0 else "number", tok.unit if raw != s else None, start, end)


def reference_split_runs(tokens, groups, sums, steps=_BUDGET, spent: list | None = None):
    """``tables._split_runs`` as it was before the search on pieces (commit d65797c), unchanged but
    for ``spent``: the steps it took are appended to it."""
    budget = _Budget(steps)
    n_slots = sum(len(g) for g in groups)
    flat_slots = [s for g in groups for s in g]
    group_of = [gi for gi, g in enumerate(groups) for _ in g]
    digits_after = [0] * (len(tokens) + 1)
    chars_after = [0] * (len(tokens) + 1)
    suffix_digits = []
    for t in tokens:
        counts = [0] * (len(t.text) + 1)
        for j in range(len(t.text) - 1, -1, -1):
            counts[j] = counts[j + 1] + t.text[j].isdigit()
        suffix_digits.append(counts)
    for i in range(len(tokens) - 1, -1, -1):
        t = tokens[i]
        digits_after[i] = digits_after[i + 1] + (suffix_digits[i][0] if t.kind == "num" else 1)
        chars_after[i] = chars_after[i + 1] + len(t.text)
    max_chars = max((s.max_chars for s in flat_slots), default=1)
    memo = {}

    def solve(ti, ci, si):
        key = (ti, ci, si)
        if key in memo:
            return memo[key]
        if si == n_slots:
            res = ([()], True) if ti == len(tokens) else ([], True)
            memo[key] = res
            return res
        gi = group_of[si]
        size = len(groups[gi])
        total_at = sums[gi]
        out = []
        complete = True

        def fill(ti, ci, k, acc):
            nonlocal complete
            if not complete:
                return
            if not budget.spend():
                complete = False
                return
            if k == size:
                rest, ok = solve(ti, ci, si + size)
                if not ok:
                    complete = False
                    return
                for r in rest:
                    out.append(tuple(acc) + r)
                    if len(out) > _MAX_READINGS:
                        complete = False
                        return
                return
            remaining_slots = n_slots - (si + k)
            if ti >= len(tokens) or remaining_slots < len(tokens) - ti:
                return
            tok = tokens[ti]
            slot = flat_slots[si + k]
            if tok.kind == "na":
                acc.append(_Cell(tok.text, None, "not_applicable", None, tok.start, tok.end))
                fill(ti + 1, 0, k + 1, acc)
                acc.pop()
                return
            if suffix_digits[ti][ci] + digits_after[ti + 1] < remaining_slots:
                return
            if len(tok.text) - ci + chars_after[ti + 1] > remaining_slots * max_chars + 2 * len(tokens):
                return
            ends = range(ci + 1, min(len(tok.text), ci + slot.max_chars) + 1)
            if k == total_at and all(c.value is not None for c in acc):
                total = sum(c.value for c in acc)
                want = str(int(total)) if float(total).is_integer() else repr(total)
                b = ci + len(want)
                ends = [b] if tok.text[ci:b] == want else []
            for b in ends:
                cell = _piece_cell(tok, ci, b, True, slot)
                if cell is None:
                    if tok.text[ci] == "0" or (tok.text[ci] == "-" and b > ci + 1 and tok.text[ci + 1] == "0"):
                        if b > ci + 2:
                            break
                    continue
                acc.append(cell)
                if b == len(tok.text):
                    fill(ti + 1, 0, k + 1, acc)
                else:
                    fill(ti, b, k + 1, acc)
                acc.pop()

        fill(ti, ci, 0, [])
        memo[key] = (out, complete)
        return out, complete

    readings, complete = solve(0, 0, 0)
    if spent is not None:
        spent.append(steps - budget.steps)
    return [list(r) for r in readings], complete


# --------------------------------------------------------------------------- runs of tokens
SLOTS = [_Slot(), _Slot(), _Slot(decimal=True, max_chars=16), _Slot(negative=True), _Slot(max_chars=1),
         _Slot(max_chars=2), _Slot(decimal=True, negative=True, max_chars=4)]
NA_MARKS = ["/", "—", "无", "不适用", "-"]


@st.composite
def digits(draw, max_size: int = 14) -> str:
    """Digit strings as flattened tables print them: many zeros and ones."""
    return "".join(draw(st.lists(st.sampled_from("0000111223456789"), min_size=1, max_size=max_size)))


@st.composite
def printed_table(draw):
    """Groups of cells (their totals mostly right) printed run together, cut into tokens anywhere."""
    groups, sums, pieces = [], [], []
    same = draw(st.one_of(st.none(), st.sampled_from(SLOTS)))  # one kind of slot: its max_chars binds
    for _ in range(draw(st.integers(1, 3))):
        slots = draw(st.lists(st.sampled_from(SLOTS if same is None else [same]), min_size=1, max_size=7))
        values = [draw(st.one_of(st.integers(0, 2), st.integers(0, 30), st.integers(0, 3000))) for _ in slots]
        total_at = draw(st.one_of(st.none(), st.just(len(slots) - 1), st.integers(0, len(slots) - 1)))
        if total_at is not None and draw(st.integers(0, 3)):
            values[total_at] = sum(values[:total_at])
        cells = [str(v) for v in values]
        for i, slot in enumerate(slots):
            if slot.negative and draw(st.integers(0, 2)) == 0:
                cells[i] = "-" + cells[i]
            if slot.decimal and draw(st.integers(0, 2)) == 0:
                cells[i] += "." + draw(digits(max_size=2))
            if draw(st.integers(0, 12)) == 0:
                cells[i] = draw(st.sampled_from(NA_MARKS[:4]))
        groups.append(slots)
        sums.append(total_at)
        pieces += cells
    text = ""
    tokens: list[tuple[str, str]] = []
    for cell in pieces:
        if cell in NA_MARKS:
            tokens += [("num", text)] if text else []
            tokens.append(("na", cell))
            text = ""
        elif cell.startswith("-") and text:  # a negative number starts a token
            tokens.append(("num", text))
            text = cell
        else:
            text += cell
    tokens += [("num", text)] if text else []
    out = []
    for kind, text in tokens:  # cut number tokens anywhere, or mistype a digit
        if kind == "num" and len(text) > 1 and draw(st.integers(0, 3)) == 0:
            i = draw(st.integers(1, len(text) - 1))
            if text[i - 1] not in "-." and text[i] != ".":
                out += [("num", text[:i]), ("num", text[i:])]
                continue
        if kind == "num" and draw(st.integers(0, 9)) == 0:
            i = draw(st.integers(0, len(text) - 1))
            if text[i].isdigit():
                text = text[:i] + draw(st.sampled_from(["", "0", "1", "00"])) + text[i + 1:]
        if text:
            out.append((kind, text))
    return out, groups, sums


@st.composite
def random_run(draw):
    """Runs of digits and n/a marks with no table behind them."""
    tokens = []
    for text in draw(st.lists(digits(), min_size=1, max_size=4)):
        if draw(st.integers(0, 6)) == 0:
            tokens.append(("na", draw(st.sampled_from(NA_MARKS[:4]))))
        else:
            tokens.append(("num", ("-" if draw(st.integers(0, 9)) == 0 else "") + text))
    groups, sums = [], []
    for _ in range(draw(st.integers(1, 4))):
        group = draw(st.lists(st.sampled_from(SLOTS), min_size=1, max_size=8))
        groups.append(group)
        sums.append(draw(st.one_of(st.none(), st.just(len(group) - 1), st.integers(0, len(group) - 1))))
    return tokens, groups, sums


@st.composite
def split_problem(draw):
    texts, groups, sums = draw(st.one_of(printed_table(), printed_table(), random_run()))
    pos = draw(st.integers(0, 50))
    tokens = []
    for kind, text in texts:
        unit = draw(st.sampled_from([None, None, None, "件", "万元"])) if kind == "num" else None
        end = pos + len(text) + len(unit or "")
        tokens.append(_Token(kind, text, pos, end, unit))
        pos = end + draw(st.integers(0, 3))
    steps = draw(st.sampled_from([1, 7, 40, 300, 2_000, _BUDGET, _BUDGET]))
    return tokens, groups, sums, steps


def _verdict(result):
    readings, complete = result
    return (readings if complete else None), complete


def _tokens(*texts: str) -> list[_Token]:
    out, pos = [], 0
    for text in texts:
        kind = "na" if text in NA_MARKS and text != "-" else "num"
        out.append(_Token(kind, text, pos, pos + len(text)))
        pos += len(text) + 1
    return out


@SETTINGS
@given(split_problem())
@example((_tokens("713000074"), [[_Slot()] * 7], [6], _BUDGET))
@example((_tokens("14710000148"), [[_Slot()] * 7], [None], 2_000))
@example((_tokens("21317000001324019"), [[_Slot()] * 5] * 3, [4, 4, 4], _BUDGET))
@example((_tokens("10", "/", "0000"), [[_Slot()] * 7], [6], _BUDGET))
@example((_tokens("1111111111111111111"), [[_Slot()] * 7], [None], 2_000))  # out of budget
@example((_tokens("110001111111"), [[_Slot()] * 4], [None], _BUDGET))  # exactly _MAX_READINGS
@example((_tokens("111111111111"), [[_Slot()] * 7], [None], _BUDGET))  # more than _MAX_READINGS
@example((_tokens("-0.5", "不适用", "12"), [[_Slot(max_chars=1)] * 3, [_Slot(True, True, 4)]], [None, None], 40))
@example((_tokens("-0.5", "3"), [[_Slot(True, True, 4)] * 2], [None], _BUDGET))
@example((_tokens("1111111", "不适用"), [[_Slot(max_chars=1)] * 5], [None], _BUDGET))  # too many characters
def test_split_runs_equals_the_search_on_cells(problem):
    tokens, groups, sums, steps = problem
    tables._clear_memos()
    got = tables._split_runs(tokens, groups, sums, steps)
    assert _verdict(got) == _verdict(reference_split_runs(tokens, groups, sums, steps))
    # the same run again in the same document (a repeated row), with the same or another budget
    assert _verdict(tables._split_runs(tokens, groups, sums, steps)) == _verdict(got)
    for other in (1, 40, 2_000):
        assert _verdict(tables._split_runs(tokens, groups, sums, other)) == \
            _verdict(reference_split_runs(tokens, groups, sums, other))
    # the check that a split is the only one stops at a second reading
    unique, done = tables._search_runs(tokens, groups, sums, steps, most=1)
    readings, complete = reference_split_runs(tokens, groups, sums, steps)
    assert (done and len(unique) == 1) == (complete and len(readings) == 1)
    # the same steps are counted: a budget of exactly the steps the search took is enough, one less is not
    spent: list[int] = []
    readings, complete = reference_split_runs(tokens, groups, sums, 10 ** 6, spent)
    if complete and spent[0] <= 50_000:
        assert _verdict(tables._split_runs(tokens, groups, sums, spent[0])) == (readings, True)
        assert tables._split_runs(tokens, groups, sums, spent[0] - 1) == ([], False)


def test_repeated_runs_elsewhere_in_the_document_get_their_own_offsets():
    slots = [[_Slot()] * 7]
    tables._clear_memos()
    first = tables._split_runs(_tokens("713000074"), slots, [6])
    moved = [_Token("num", "713000074", 100, 110, "件")]
    second = tables._split_runs(moved, slots, [6])
    assert second == reference_split_runs(moved, slots, [6])
    assert [c.start for c in second[0][0]] == [100, 102, 103, 104, 105, 106, 107]
    assert second[0][0][-1].raw == "74件" and first[0][0][-1].raw == "74"


# --------------------------------------------------------------------------- labels
def reference_label_patterns() -> dict[str, re.Pattern]:
    """``tables._label_patterns`` as it was before labels were grouped by their first character
    (commit d65797c): one alternation of all labels per table."""
    out = {}
    for table, entries in tables._label_entries().items():
        alts = []
        for i, (key, kind, item, synonym) in enumerate(sorted(entries, key=lambda e: -len(e[3]))):
            m = re.match(r"^(\d)\s*[.．、]\s*(.+)$", synonym)
            if m:
                pat = m.group(1) + r"\s*[.．、]\s*" + tables._fuzzy(m.group(2))
            elif item:
                pat = rf"(?:(?<![\d.]){item}\s*[.．、]\s*)?" + tables._fuzzy(synonym)
            else:
                pat = tables._fuzzy(synonym)
            alts.append(f"(?P<{kind}__{key}__{i}>{pat})")
        out[table] = re.compile("|".join(alts))
    return out


REFERENCE_LABELS = reference_label_patterns()


def reference_find_labels(text: str, table: str, lo: int, hi: int) -> list[tuple]:
    return [(table, *m.lastgroup.split("__")[:2], m.start(), m.end())
            for m in REFERENCE_LABELS[table].finditer(text, lo, hi)]


TEXTS = real_texts()
# label text with its variants: spaces inside, punctuation swapped, item numbers in front
LABEL_BITS = ["1.", "2、", "3．", "（一）", "(二)", "，", ",", "“", "\"", "、", " ", "\n", "\t", "0", "12"]


@st.composite
def label_window(draw):
    text = draw(st.sampled_from(TEXTS))
    at = max(0, text.find("本年新收") - 3000)
    text = text[at:at + 6000]
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(text)))
        text = text[:i] + draw(st.sampled_from(LABEL_BITS)) + text[i:]
    lo = draw(st.integers(0, len(text)))
    hi = draw(st.integers(lo, len(text)))
    return text, draw(st.sampled_from(["t2", "t3", "t4"])), lo, hi


@SETTINGS
@given(label_window())
def test_find_labels_equals_the_one_alternation(window):
    text, table, lo, hi = window
    got = [(lab.table, lab.kind, lab.key, lab.start, lab.end) for lab in tables._find_labels(text, table, lo, hi)]
    want = reference_find_labels(text, table, lo, hi) if table in REFERENCE_LABELS else []
    assert got == want


def test_find_labels_on_whole_reports():
    for text in TEXTS:
        for table in ("t2", "t3"):
            got = [(lab.table, lab.kind, lab.key, lab.start, lab.end)
                   for lab in tables._find_labels(text, table, 0, len(text))]
            assert got == reference_find_labels(text, table, 0, len(text))
