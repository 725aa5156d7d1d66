"""Arithmetic checks and rates (govtext.checks) on the seed, the real corpus and small exact cases."""

from __future__ import annotations

import pandas as pd
import pytest

from govtext.checks import CHECK_COLUMNS, RATE_COLUMNS, RATE_FORMULAS, check_across_years, check_tables, rates
from govtext.io import read_file
from govtext.normalize import normalize_text
from govtext.tables import T3_COLUMNS, parse_tables


@pytest.fixture(scope="module")
def corpus_cells(shared, index) -> pd.DataFrame:
    frames = [parse_tables(normalize_text(read_file(shared / "corpus" / f).text), doc_id=f) for f in index]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def corpus_docs(index) -> pd.DataFrame:
    return pd.DataFrame([{"doc_id": f, "issuer": m["issuer"], "year": int(m["year"])} for f, m in index.items()])


def is_true(x) -> bool:
    return x is not pd.NA and bool(x) is True


def is_false(x) -> bool:
    return x is not pd.NA and bool(x) is False


def by_check(df: pd.DataFrame, doc_id: str) -> dict[str, pd.Series]:
    return {r.check: r for r in df[df.doc_id == doc_id].itertuples()}


# --------------------------------------------------------------------------- the seed
def test_seed_identities(shared):
    text = normalize_text(read_file(shared / "seed" / "000_b544fc85b347642f.txt").text)
    out = check_tables(parse_tables(text, doc_id="seed"))
    assert list(out.columns) == CHECK_COLUMNS
    checks = by_check(out, "seed")
    # 一 + 二 = （七）总计 + 四 holds where numbers are printed (blank 二/四 count as 0) …
    for col in ("natural_person", "total"):
        c = checks[f"t3.balance:{col}"]
        assert is_true(c.ok) and c.expected == c.observed == 9 and "blank" in c.detail
        assert is_true(checks[f"t3.results_total:{col}"].ok)
    # … and is not claimed for columns where nothing is printed
    for col in ("commercial", "research", "social_welfare", "legal_service", "other_org"):
        assert pd.isna(checks[f"t3.balance:{col}"].ok) and "blank" in checks[f"t3.balance:{col}"].detail
    for row in ("received", "disclosed", "handled_total"):
        assert is_true(checks[f"t3.row_total:{row}"].ok)
    assert pd.isna(checks["t3.row_total:carried_over"].ok)
    assert all(pd.isna(checks[f"t4.block_total:{b}"].ok) for b in ("review", "litigation_direct"))
    assert not (out.ok == False).any()  # noqa: E712
    assert "t3/received/natural_person" in checks["t3.balance:natural_person"].cells


# --------------------------------------------------------------------------- the corpus
def test_corpus_identities(corpus_cells):
    out = check_tables(corpus_cells)
    failed = out[out.ok == False]  # noqa: E712
    # exactly the source inconsistencies recorded by the hand-reader (tests/expected/README.md)
    assert set(zip(failed.doc_id, failed.check)) == {
        ("pingtan/202103_80595.txt", "t3.results_total:natural_person"),
        ("pingtan/202103_80595.txt", "t3.results_total:total"),
        ("hongze_2023.pdf", "t4.block_total:review"),
        ("hongze_2023.pdf", "t4.block_total:litigation_after_review"),
    }
    hz = by_check(out, "hongze_2023.pdf")["t4.block_total:review"]
    assert (hz.expected, hz.observed) == (11, 0) and "differs by -11" in hz.detail
    # every template report has its balance checked and passing
    for doc in corpus_cells.doc_id.unique():
        assert is_true(by_check(out, doc)["t3.balance:total"].ok), doc
    # pre-2019 reports have no cells, hence no checks
    assert not out.doc_id.str.startswith("pingtan/2018").any()


def test_corpus_across_years(corpus_cells, corpus_docs):
    out = check_across_years(corpus_cells, corpus_docs)
    assert list(out.columns) == CHECK_COLUMNS
    pt = out[out.doc_id.str.startswith("pingtan/20") & out.check.str.startswith("t3.carry")]
    # 上年结转(t) = 结转下年度(t−1) for every pair of consecutive template years of 平潭
    for doc in ("pingtan/202103_80595.txt", "pingtan/202202_80613.txt", "pingtan/202302_80629.txt",
                "pingtan/202403_87885.txt", "pingtan/202503_97791.txt", "pingtan/202603_105587.txt"):
        sub = pt[pt.doc_id == doc]
        assert len(sub) == len(T3_COLUMNS) and (sub.ok == True).all(), doc  # noqa: E712
    # 2019 report: its year-before report is pre-2019 (no cells): not checked
    first = out[(out.doc_id == "pingtan/202001_80576.txt")]
    assert first.ok.isna().all()
    # 现行有效: 规章 checks where the 2021 template is on both sides; 规范性文件 runs are unresolved
    rules = out[(out.check == "t2.in_force:rules") & out.ok.notna()]
    assert set(rules.doc_id) == {"pingtan/202302_80629.txt", "pingtan/202403_87885.txt",
                                 "pingtan/202503_97791.txt", "pingtan/202603_105587.txt"}
    assert (rules.ok == True).all()  # noqa: E712
    nd = out[out.check == "t2.in_force:normative_docs"]
    assert nd.ok.isna().all()
    mixed = out[(out.doc_id == "pingtan/202202_80613.txt") & (out.check == "t2.in_force:rules")].iloc[0]
    assert pd.isna(mixed.ok) and "2021-template" in mixed.detail  # 2020 report used the 2019 template


def test_corpus_rates(corpus_cells):
    out = rates(corpus_cells)
    assert list(out.columns) == RATE_COLUMNS
    r = {(x.doc_id, x.rate): x for x in out.itertuples()}
    seed = r[("../seed/000_b544fc85b347642f.txt", "disclosure_rate")]
    assert (seed.value, seed.numerator, seed.denominator) == (1.0, 9.0, 9.0)
    sh = r[("shanghai_office_2025.md", "disclosure_rate")]
    assert sh.value == pytest.approx(206 / 1191)
    assert r[("shanghai_office_2025.md", "review_correction_rate")].value == 0.0  # 0 / (55 − 5)
    lit = r[("shanghai_office_2025.md", "litigation_correction_rate")]
    assert (lit.numerator, lit.denominator) == (0.0, (12 - 6) + (22 - 7))
    # Hongze's 行政复议 总计 is printed 0 (with 10 维持): concluded cases 0 → NA, not a division by zero
    hz = r[("hongze_2023.pdf", "review_correction_rate")]
    assert pd.isna(hz.value) and hz.denominator == 0
    # table 四 blank in the seed: no denominator
    assert pd.isna(r[("../seed/000_b544fc85b347642f.txt", "review_correction_rate")].value)
    assert set(out.rate) == set(RATE_FORMULAS)
    assert out.formula.notna().all()


# --------------------------------------------------------------------------- exact small cases
def _cells(rows: dict[str, list], table="t3", columns=T3_COLUMNS, doc_id="d", regime="2021") -> pd.DataFrame:
    recs = []
    for row, vals in rows.items():
        for col, v in zip(columns, vals):
            if isinstance(v, str):
                status, value = v, None
            else:
                status, value = ("zero" if v == 0 else "number"), float(v)
            recs.append({"doc_id": doc_id, "table": table, "row": row, "column": col, "regime": regime,
                         "value": value, "status": status})
    return pd.DataFrame(recs)


def test_na_rules():
    cells = _cells({
        "received": [5, 0, 0, 0, 0, 0, 5], "carried_over": ["blank"] * 7,
        "disclosed": [5, 0, 0, 0, 0, 0, "unresolved"],
        "handled_total": [5, 0, 0, 0, 0, 0, 5], "carried_forward": ["not_applicable"] + [0] * 6,
    })
    out = by_check(check_tables(cells), "d")
    assert is_true(out["t3.balance:total"].ok)  # blank 上年结转 counts as 0
    assert pd.isna(out["t3.balance:natural_person"].ok)  # "/" is not a number
    assert "not_applicable" in out["t3.balance:natural_person"].detail
    assert pd.isna(out["t3.row_total:disclosed"].ok) and "unresolved" in out["t3.row_total:disclosed"].detail
    # rows absent from the report are missing: the results total is NA, not a false failure
    assert pd.isna(out["t3.results_total:total"].ok)
    rt = rates(cells)
    dr = rt[rt.rate == "disclosure_rate"].iloc[0]
    assert pd.isna(dr.value) and pd.isna(dr.numerator) and dr.denominator == 5


def test_failing_identity_is_reported_not_fixed():
    cells = _cells({"review": [10, 1, 0, 0, 0]}, table="t4", columns=("upheld", "corrected", "other", "pending",
                                                                      "total"))
    c = by_check(check_tables(cells), "d")["t4.block_total:review"]
    assert is_false(c.ok) and (c.expected, c.observed) == (11, 0)


def test_across_years_needs_one_report_per_year():
    a = _cells({"carried_forward": [1, 0, 0, 0, 0, 0, 1]}, doc_id="a")
    b = _cells({"carried_over": [1, 0, 0, 0, 0, 0, 2]}, doc_id="b")
    c = _cells({"carried_over": [1, 0, 0, 0, 0, 0, 1]}, doc_id="c")
    docs = pd.DataFrame({"doc_id": ["a", "b"], "issuer": "X", "year": [2021, 2022]})
    out = check_across_years(pd.concat([a, b]), docs)
    tot = out[out.check == "t3.carry:total"].iloc[0]
    assert tot.doc_id == "b" and is_false(tot.ok) and (tot.expected, tot.observed) == (1, 2)
    docs2 = pd.DataFrame({"doc_id": ["a", "b", "c"], "issuer": "X", "year": [2021, 2022, 2022]})
    out2 = check_across_years(pd.concat([a, b, c]), docs2)
    assert out2.ok.isna().all() and out2.detail.str.contains("more than one report").all()
    assert check_across_years(pd.concat([a, b]), docs.iloc[:0]).empty


def test_in_force_identity():
    cols = ("issued", "abolished", "in_force")
    prev = _cells({"normative_docs": [1, 0, 665]}, table="t2", columns=cols, doc_id="p")
    now = _cells({"normative_docs": [88, 55, 698]}, table="t2", columns=cols, doc_id="n")
    docs = pd.DataFrame({"doc_id": ["p", "n"], "issuer": "X", "year": [2021, 2022]})
    out = check_across_years(pd.concat([prev, now]), docs)
    c = out[out.check == "t2.in_force:normative_docs"].iloc[0]
    assert is_true(c.ok) and c.expected == 665 + 88 - 55
    assert pd.isna(out[out.check == "t2.in_force:rules"].iloc[0].ok)  # rules not in the input


def test_empty_inputs():
    empty = pd.DataFrame(columns=["doc_id", "table", "row", "column", "regime", "value", "status"])
    assert list(check_tables(empty).columns) == CHECK_COLUMNS
    assert list(rates(empty).columns) == RATE_COLUMNS
    assert check_tables(parse_tables("")).empty
