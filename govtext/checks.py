"""Arithmetic checks and derived rates over the cells of :func:`govtext.tables.parse_tables`.

Three functions, all pure, all over the long cell table (``doc_id, table, row, column,
regime, value, status`` …):

* :func:`check_tables` — identities inside one report (table 三 and 四);
* :func:`check_across_years` — identities between consecutive years of one issuer;
* :func:`rates` — derived rates with documented formulas.

How cells enter the arithmetic (the same rule everywhere):

* ``number`` / ``zero``: their value;
* ``blank``: 0 — the table was printed and the cell left empty, which is how many
  reports write "none"; ``detail`` says when blanks were counted;
* ``not_applicable``, ``text``, ``unresolved``, ``missing`` (or a cell absent from the
  input): the check's ``ok`` (or the rate's ``value``) is NA and ``detail`` names the cells.

A check whose inputs are all blank has ``ok`` NA ("nothing printed"), not True.

>>> import pandas as pd
>>> cells = pd.DataFrame({"doc_id": "d", "table": "t4", "row": "review",
...     "column": ["upheld", "corrected", "other", "pending", "total"], "regime": "2021",
...     "value": [1.0, 1.0, 0.0, 0.0, 2.0], "status": ["number", "number", "zero", "zero", "number"]})
>>> out = check_tables(cells)
>>> out[["check", "expected", "observed", "ok"]].head(1).to_dict("records")
[{'check': 't4.block_total:review', 'expected': 2.0, 'observed': 2.0, 'ok': True}]
>>> int(out.ok.isna().sum())  # the two litigation blocks are not in ``cells``: not checked
2
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import pandas as pd

from .tables import T3_APPLICANT_COLUMNS, T3_COLUMNS, T3_RESULT_ROWS, T4_COLUMNS, T4_ROWS

__all__ = ["check_tables", "check_table_records", "check_frame", "frame_records", "check_across_years", "rates",
           "CHECK_COLUMNS", "RATE_COLUMNS", "RATE_FORMULAS"]

CHECK_COLUMNS = ["doc_id", "check", "expected", "observed", "ok", "detail", "cells"]
RATE_COLUMNS = ["doc_id", "rate", "value", "numerator", "denominator", "formula"]

_NUMERIC = ("number", "zero")
_ABSENT = ("missing", None)
_TOL = 1e-9


# --------------------------------------------------------------------------- helpers
def _missing(x) -> bool:
    """None, NaN or pd.NA."""
    return x is None or x is pd.NA or (isinstance(x, float) and x != x)


class _Doc:
    """The cells of one report, addressable by (table, row, column)."""

    def __init__(self, doc_id: str, cells: list[dict]):
        self.doc_id = doc_id
        self.cells = {(c["table"], c["row"], c["column"]): (c["status"], c["value"]) for c in cells}
        regimes = [r for r in {c.get("regime") for c in cells} if not _missing(r)]
        self.regime = regimes[0] if len(regimes) == 1 else None

    @cached_property
    def _index(self) -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
        """The rows of each table (in order) and the (table, row) pairs with a cell that is not ``missing``."""
        rows: dict[str, dict] = {}
        printed = set()
        for (t, r, _), (status, _) in self.cells.items():
            rows.setdefault(t, {})[r] = None
            if status != "missing":
                printed.add((t, r))
        return {t: list(rs) for t, rs in rows.items()}, printed

    def has_row(self, table: str, row: str) -> bool:
        return (table, row) in self._index[1]

    def rows(self, table: str) -> list[str]:
        return list(self._index[0].get(table, ()))

    def total(self, keys: list[tuple[str, str, str]]) -> tuple[float | None, list[str], int]:
        """Sum of ``keys``: (sum or None, problems, number of blanks counted as 0)."""
        s, problems, blanks = 0.0, [], 0
        get = self.cells.get
        for key in keys:
            status, value = get(key, _ABSENT)
            if status in _NUMERIC and value == value and value is not None:
                s += float(value)
            elif status == "blank":
                blanks += 1
            else:
                problems.append(f"{'/'.join(key)} is {status}")
        return (None if problems else s), problems, blanks


def _check(doc: _Doc, name: str, lhs: list, rhs: list, what: str) -> dict:
    """One identity: expected = sum(lhs), observed = sum(rhs)."""
    keys = lhs + rhs
    exp, p1, b1 = doc.total(lhs)
    obs, p2, b2 = doc.total(rhs)
    problems = p1 + p2
    blanks = b1 + b2
    if problems:
        ok, detail = None, f"{what}; not checked: " + ", ".join(problems[:4]) + (" …" if len(problems) > 4 else "")
    elif blanks == len(keys):
        ok, detail = None, f"{what}; not checked: every cell is blank"
    else:
        ok = abs(exp - obs) < _TOL
        detail = what + (f"; {blanks} blank cell(s) counted as 0" if blanks else "")
        if not ok:
            detail += f"; differs by {obs - exp:g}"
    return {"doc_id": doc.doc_id, "check": name, "expected": exp, "observed": obs, "ok": ok, "detail": detail,
            "cells": ";".join(map(_key_text, keys))}


@lru_cache(maxsize=4096)
def _key_text(key: tuple[str, str, str]) -> str:
    return "/".join(key)


def _docs(cells: list[dict]) -> list[_Doc]:
    """The reports of cell records, in order of first appearance (cells without a doc_id are left out)."""
    cells = cells if isinstance(cells, list) else list(cells)
    if cells and len({id(c["doc_id"]) for c in cells}) == 1:  # one report's cells (the same doc_id object)
        doc_id = cells[0]["doc_id"]
        return [] if _missing(doc_id) else [_Doc(doc_id, cells)]
    by_doc: dict = {}
    for c in cells:
        by_doc.setdefault(c["doc_id"], []).append(c)
    return [_Doc(doc_id, g) for doc_id, g in by_doc.items() if not _missing(doc_id)]


def frame_records(df: pd.DataFrame | None) -> list[dict]:
    """The rows of a DataFrame as dicts, faster than ``to_dict("records")`` (missing values as
    the DataFrame holds them: None, NaN or pd.NA).

    >>> frame_records(pd.DataFrame({"a": [1, 2], "b": ["x", None]}))
    [{'a': 1, 'b': 'x'}, {'a': 2, 'b': nan}]
    """
    if df is None or len(df) == 0:
        return []
    cols = list(df.columns)
    return [dict(zip(cols, row)) for row in zip(*(df[c].tolist() for c in cols))]


def check_frame(records: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """The typed DataFrame of check records (of one report or many): ``expected``/``observed``
    float64, ``ok`` boolean (None → NA), the rest as given. Columns :data:`CHECK_COLUMNS`.

    >>> check_frame([{"doc_id": "d", "check": "c", "expected": 1.0, "observed": None, "ok": None,
    ...               "detail": "", "cells": ""}]).dtypes[["expected", "ok"]].astype(str).tolist()
    ['float64', 'boolean']
    """
    return _frame(records, CHECK_COLUMNS)


def _frame(records: list[dict] | pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(records, columns=columns)
    for c in ("expected", "observed", "value", "numerator", "denominator"):
        if c in df:
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    if "ok" in df:
        df["ok"] = df["ok"].astype("boolean")
    return df


# --------------------------------------------------------------------------- within one report
def check_tables(cells: pd.DataFrame) -> pd.DataFrame:
    """Identities inside each report of ``cells`` (one row per check and report).

    Checks (``expected`` is the left side, ``observed`` the right side):

    * ``t3.balance:<column>`` — 一 本年新收 + 二 上年结转 = （七）总计 + 四 结转下年度, per column;
    * ``t3.results_total:<column>`` — （七）总计 = （一）+（二）+ Σ（三）+ Σ（四）+ Σ（五）+ （六）,
      per column, over the result rows the report prints;
    * ``t3.row_total:<row>`` — 总计 = the six applicant columns, per row of table 三;
    * ``t4.block_total:<block>`` — 总计 = 维持 + 纠正 + 其他 + 尚未审结, per block of table 四.

    ``ok`` is True/False, or NA when an input is not numeric (see the module docstring).

    >>> import pandas as pd
    >>> cols = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]
    >>> rows = {"received": [9] + [None] * 5 + [9], "handled_total": [9] + [None] * 5 + [9]}
    >>> recs = [{"doc_id": "d", "table": "t3", "row": r, "column": c, "regime": "2021", "value": v,
    ...          "status": "blank" if v is None else "number"} for r, vs in rows.items() for c, v in zip(cols, vs)]
    >>> out = check_tables(pd.DataFrame(recs))
    >>> out[out.check == "t3.row_total:received"][["expected", "observed", "ok"]].to_dict("records")
    [{'expected': 9.0, 'observed': 9.0, 'ok': True}]
    """
    return check_frame(check_table_records(frame_records(cells)))


def check_table_records(cells: list[dict]) -> list[dict]:
    """:func:`check_tables` on cell records (:func:`govtext.tables.table_records`, of one report or many).

    One dict per check (keys :data:`CHECK_COLUMNS`): ``expected``/``observed`` float or
    None, ``ok`` True, False or None (not checked). :func:`check_frame` makes the DataFrame.

    >>> recs = [{"doc_id": "d", "table": "t4", "row": "review", "column": c, "regime": "2021", "value": v,
    ...          "status": "number"} for c, v in zip(["upheld", "corrected", "other", "pending", "total"], [1.0, 1, 0, 0, 2])]
    >>> [(r["check"], r["ok"]) for r in check_table_records(recs)]
    [('t4.block_total:review', True), ('t4.block_total:litigation_direct', None), ('t4.block_total:litigation_after_review', None)]
    """
    records: list[dict] = []
    for doc in _docs(cells):
        t3_rows = doc.rows("t3")
        if t3_rows:
            printed = [r for r in t3_rows if doc.has_row("t3", r)]
            for col in T3_COLUMNS:
                records.append(_check(
                    doc, f"t3.balance:{col}",
                    [("t3", "received", col), ("t3", "carried_over", col)],
                    [("t3", "handled_total", col), ("t3", "carried_forward", col)],
                    "一 + 二 = （七）总计 + 四 (table 三)"))
            results = [r for r in T3_RESULT_ROWS if r in printed]
            if "other" in results and any(r.startswith("other_") for r in results):
                results = [r for r in results if r != "other"]
            for col in T3_COLUMNS:
                records.append(_check(
                    doc, f"t3.results_total:{col}",
                    [("t3", r, col) for r in results], [("t3", "handled_total", col)],
                    "（七）总计 = sum of results （一）–（六） (table 三)"))
            for row in t3_rows:
                records.append(_check(
                    doc, f"t3.row_total:{row}",
                    [("t3", row, c) for c in T3_APPLICANT_COLUMNS], [("t3", row, "total")],
                    "总计 = sum of the six applicant columns (table 三)"))
        if doc.rows("t4"):
            for block in T4_ROWS:
                records.append(_check(
                    doc, f"t4.block_total:{block}",
                    [("t4", block, c) for c in T4_COLUMNS[:4]], [("t4", block, "total")],
                    "总计 = 维持 + 纠正 + 其他 + 尚未审结 (table 四)"))
    return records


# --------------------------------------------------------------------------- across years
# the cell rows check_across_years compares
ACROSS_YEAR_ROWS = ("carried_over", "carried_forward", "rules", "normative_docs")


def check_across_years(cells: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Identities between consecutive statistical years of the same issuer.

    ``docs`` has ``doc_id, issuer, year`` (the statistical year). For each issuer and each
    year t whose year t−1 is also present (one report each; otherwise the checks are NA):

    * ``t3.carry:<column>`` — 二 上年结转 in t = 四 结转下年度继续办理 in t−1;
    * ``t2.in_force:<row>`` for 规章 and 行政规范性文件 — 现行有效件数(t) = 现行有效件数(t−1)
      + 本年制发件数(t) − 本年废止件数(t); only between two 2021-template reports (the 2019
      template has no 现行有效件数): otherwise NA.

    The row's ``doc_id`` is the year-t report; ``detail`` names the year t−1 report.

    >>> import pandas as pd
    >>> def cell(d, t, r, c, v): return {"doc_id": d, "table": t, "row": r, "column": c, "regime": "2021",
    ...                                 "value": v, "status": "number" if v else "zero"}
    >>> cells = pd.DataFrame([cell("a", "t3", "carried_forward", "total", 1.0),
    ...                       cell("b", "t3", "carried_over", "total", 1.0)])
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "issuer": "X", "year": [2021, 2022]})
    >>> out = check_across_years(cells, docs)
    >>> out[out.check == "t3.carry:total"][["doc_id", "ok"]].to_dict("records")
    [{'doc_id': 'b', 'ok': True}]
    """
    records: list[dict] = []
    if cells is not None and len(cells):  # only these rows are compared: skip reading the others
        cells = cells[cells["row"].isin(ACROSS_YEAR_ROWS)]
    by_id = {d.doc_id: d for d in _docs(frame_records(cells))}
    if docs is None or len(docs) == 0:
        return _frame(records, CHECK_COLUMNS)
    meta = docs[["doc_id", "issuer", "year"]].dropna(subset=["issuer", "year"]).copy()
    meta["year"] = meta["year"].astype(int)
    for issuer, g in meta.groupby("issuer", sort=True):
        years = g.groupby("year")["doc_id"].apply(list).to_dict()
        for year in sorted(years):
            if year - 1 not in years:
                continue
            now_ids, prev_ids = years[year], years[year - 1]
            for now_id in now_ids:
                now = by_id.get(now_id)
                prev = by_id.get(prev_ids[0]) if len(prev_ids) == 1 else None
                multi = len(prev_ids) > 1 or len(now_ids) > 1
                if now is None:
                    continue
                records += _carry_checks(now, prev, year, prev_ids, multi)
    return _frame(records, CHECK_COLUMNS)


def _merged(now: _Doc, prev: _Doc | None) -> _Doc:
    """A pseudo-document holding year-t cells as-is and year t−1 cells under table 'prev:…'."""
    d = _Doc.__new__(_Doc)
    d.doc_id = now.doc_id
    d.regime = now.regime
    d.cells = dict(now.cells)
    if prev is not None:
        for (t, r, c), v in prev.cells.items():
            d.cells[(f"prev:{t}", r, c)] = v
    return d


def _carry_checks(now: _Doc, prev: _Doc | None, year: int, prev_ids: list, multi: bool) -> list[dict]:
    out = []
    d = _merged(now, prev)
    where = f"year {year} vs {year - 1} ({', '.join(map(str, prev_ids))})"
    na_reason = None
    if multi:
        na_reason = "more than one report for a year of this issuer"
    elif prev is None:
        na_reason = f"year {year - 1} report has no cells"
    for col in T3_COLUMNS:
        name = f"t3.carry:{col}"
        keys_now, keys_prev = [("t3", "carried_over", col)], [("prev:t3", "carried_forward", col)]
        if na_reason or not now.rows("t3") or (prev is not None and not prev.rows("t3")):
            out.append(_na(now.doc_id, name, na_reason or "table 三 absent in one of the years", keys_prev + keys_now))
            continue
        out.append(_check(d, name, keys_prev, keys_now, f"二 上年结转 ({year}) = 四 结转下年度 ({year - 1}); {where}"))
    for row in ("rules", "normative_docs"):
        name = f"t2.in_force:{row}"
        keys = [("prev:t2", row, "in_force"), ("t2", row, "issued")]
        sub = [("t2", row, "abolished")]
        obs_keys = [("t2", row, "in_force")]
        if na_reason:
            out.append(_na(now.doc_id, name, na_reason, keys + sub + obs_keys))
            continue
        if now.regime != "2021" or prev.regime != "2021":
            out.append(_na(now.doc_id, name, "needs two 2021-template reports (2019 template has no 现行有效件数)",
                           keys + sub + obs_keys))
            continue
        base, p1, b1 = d.total(keys)
        minus, p2, b2 = d.total(sub)
        obs, p3, b3 = d.total(obs_keys)
        problems = p1 + p2 + p3
        what = f"现行有效(t) = 现行有效(t−1) + 制发 − 废止; {where}"
        if problems:
            out.append(_na(now.doc_id, name, what + "; not checked: " + ", ".join(problems[:4]),
                           keys + sub + obs_keys))
            continue
        if b1 + b2 + b3 == 4:
            out.append(_na(now.doc_id, name, what + "; not checked: every cell is blank", keys + sub + obs_keys))
            continue
        exp = base - minus
        ok = abs(exp - obs) < _TOL
        detail = what + (f"; {b1 + b2 + b3} blank cell(s) counted as 0" if b1 + b2 + b3 else "")
        if not ok:
            detail += f"; differs by {obs - exp:g}"
        out.append({"doc_id": now.doc_id, "check": name, "expected": exp, "observed": obs, "ok": ok,
                    "detail": detail, "cells": ";".join("/".join(k) for k in keys + sub + obs_keys)})
    return out


def _na(doc_id: str, name: str, detail: str, keys: list) -> dict:
    return {"doc_id": doc_id, "check": name, "expected": None, "observed": None, "ok": None, "detail": detail,
            "cells": ";".join("/".join(k) for k in keys)}


# --------------------------------------------------------------------------- rates
_WITHHELD = [f"withheld_{i}" for i in range(1, 9)]
_UNAVAILABLE = [f"unavailable_{i}" for i in range(1, 4)]
_NOT_PROCESSED = [f"not_processed_{i}" for i in range(1, 6)]

#: rate → (numerator keys, denominator keys, subtracted-from-denominator keys, formula)
RATE_FORMULAS: dict[str, tuple[list, list, list, str]] = {
    "disclosure_rate": (
        [("t3", "disclosed", "total")], [("t3", "handled_total", "total")], [],
        "公开率 = 三（一）予以公开.总计 / 三（七）总计.总计"),
    "disclosure_incl_partial_rate": (
        [("t3", "disclosed", "total"), ("t3", "partly_disclosed", "total")], [("t3", "handled_total", "total")], [],
        "(三（一）予以公开 + 三（二）部分公开).总计 / 三（七）总计.总计"),
    "withholding_rate": (
        [("t3", r, "total") for r in _WITHHELD], [("t3", "handled_total", "total")], [],
        "不予公开率 = Σ 三（三）不予公开 1–8 .总计 / 三（七）总计.总计"),
    "unavailable_rate": (
        [("t3", r, "total") for r in _UNAVAILABLE], [("t3", "handled_total", "total")], [],
        "无法提供率 = Σ 三（四）无法提供 1–3 .总计 / 三（七）总计.总计"),
    "not_processed_rate": (
        [("t3", r, "total") for r in _NOT_PROCESSED], [("t3", "handled_total", "total")], [],
        "不予处理率 = Σ 三（五）不予处理 1–5 .总计 / 三（七）总计.总计"),
    "carry_forward_rate": (
        [("t3", "carried_forward", "total")], [("t3", "received", "total"), ("t3", "carried_over", "total")], [],
        "结转率 = 四 结转下年度.总计 / (一 本年新收 + 二 上年结转).总计"),
    "review_correction_rate": (
        [("t4", "review", "corrected")], [("t4", "review", "total")], [("t4", "review", "pending")],
        "复议纠错率 = 行政复议.结果纠正 / (行政复议.总计 − 行政复议.尚未审结)"),
    "litigation_correction_rate": (
        [("t4", "litigation_direct", "corrected"), ("t4", "litigation_after_review", "corrected")],
        [("t4", "litigation_direct", "total"), ("t4", "litigation_after_review", "total")],
        [("t4", "litigation_direct", "pending"), ("t4", "litigation_after_review", "pending")],
        "诉讼纠错率 = (直接起诉 + 复议后起诉).结果纠正 / ((直接起诉 + 复议后起诉).总计 − (…).尚未审结)"),
}


def rates(cells: pd.DataFrame) -> pd.DataFrame:
    """Derived rates per report (one row per rate and report; formulas in ``RATE_FORMULAS``).

    NA rules: ``value`` is NA when a numerator or denominator cell is ``missing``,
    ``unresolved``, ``not_applicable`` or ``text``, or when the denominator is 0 (nothing
    handled, nothing decided). Blank cells count as 0. ``numerator``/``denominator`` are
    given whenever they can be computed, so a researcher can pool them across reports
    (pooling ratios of sums, not means of ratios). Table 三 rates use the 总计 column;
    table 四 rates count concluded cases only (总计 − 尚未审结). The 2019 single （六） row
    and the 2021 sub-rows do not enter any rate.

    >>> import pandas as pd
    >>> recs = [{"doc_id": "d", "table": "t3", "row": r, "column": "total", "regime": "2021", "value": v,
    ...          "status": "number"} for r, v in (("disclosed", 9.0), ("handled_total", 9.0))]
    >>> out = rates(pd.DataFrame(recs))
    >>> out[out.rate == "disclosure_rate"][["value", "numerator", "denominator"]].to_dict("records")
    [{'value': 1.0, 'numerator': 9.0, 'denominator': 9.0}]
    """
    records: list[dict] = []
    for doc in _docs(frame_records(cells)):
        for name, (num_keys, den_keys, minus_keys, formula) in RATE_FORMULAS.items():
            num, _, _ = doc.total(num_keys)
            den, _, _ = doc.total(den_keys)
            minus, _, _ = doc.total(minus_keys) if minus_keys else (0.0, [], 0)
            den = None if den is None or minus is None else den - minus
            value = None
            if num is not None and den is not None and den > 0:
                value = num / den
            records.append({"doc_id": doc.doc_id, "rate": name, "value": value, "numerator": num,
                            "denominator": den, "formula": formula})
    return _frame(records, RATE_COLUMNS)
