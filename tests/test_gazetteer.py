"""govtext.gazetteer resolves places as cnloc does, without loading cnloc, and declines ambiguous names."""

import random

import pytest

from govtext.docvars import extract_docvars
from govtext.gazetteer import _COLUMNS, _rows_by_year, resolve


def _cnloc(parser, name, year):
    if year not in parser.year_automatons:
        parser._build_automaton([year])
    row = parser.parse_single(name, year)

    def val(k):
        v = row.get(k)
        return None if v is None or v != v else str(v)

    return val("province_name"), val("city_name"), val("county_name"), (
        val("county_id") or val("city_id") or val("province_id"))


def _names(years, per_year, seed=7):
    rng, out = random.Random(seed), []
    for y in years:
        rows = [r for r in (dict(zip(_COLUMNS, v)) for v in _rows_by_year()[str(y)]) if r["rank"] == "3"]
        for r in rng.sample(rows, per_year):
            out += [(r["county_name"] + "人民政府", y), (r["city_name"] + r["county_name"] + "人民政府", y),
                    (r["province_name"] + r["county_name"] + "财政局", y),
                    (r["city_short"] + r["county_short"] + "县", y), (r["city_name"] + "人民政府办公室", y),
                    (r["province_short"] + "省" + r["city_short"] + "市", y)]
    return out


def test_agrees_with_cnloc_wherever_the_name_is_not_ambiguous():
    cnloc = pytest.importorskip("cnloc")
    parser = cnloc.AddressParser()
    names = _names((1995, 2008, 2014, 2019, 2024), 120)
    ambiguous = 0
    for name, year in names:
        got = resolve(name, year)
        if got["note"]:
            ambiguous += 1
            continue
        assert (got["province"], got["city"], got["county"], got["adcode"]) == _cnloc(parser, name, year), (name, year)
    assert ambiguous < 0.01 * len(names)


def test_ambiguous_county_is_left_unresolved_with_a_reason():
    got = resolve("山东省市中区财政局", 2005)
    assert got["province"] == "山东省" and got["county"] is None and got["rank"] == 1
    assert "市中区" in got["note"] and "ambiguous" in got["note"]
    dv = extract_docvars("山东省市中区财政局2005年政府信息公开工作年度报告\n正文。")
    assert dv["county"] is None and "市中区" in dv["docvar_notes"]


def test_years_are_clamped_and_names_outside_china_resolve_to_nothing():
    assert resolve("淮安市洪泽区人民政府", 2030) == resolve("淮安市洪泽区人民政府", 2024)
    assert resolve("洪泽县人民政府", 2015)["county"] == "洪泽县"  # before it became 洪泽区 (2016)
    assert resolve("国家统计局", 2020)["rank"] is None
