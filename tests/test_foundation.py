"""Foundation: reading, normalisation, docvars, sections, sentences, corpus — on real reports."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import govtext
from govtext.io import ReadError, read_bytes, read_file
from govtext.normalize import normalize_text
from govtext.sections import find_sections

from conftest import SEED


# ---------------------------------------------------------------- seed report
def test_seed_normalised_text_rejoins_page_breaks(seed_corpus):
    text = seed_corpus.text(seed_corpus.doc_ids[0])
    assert "政府信息依申请公开" in text
    assert "公开的内容不全面" in text
    assert "新时期做好政务公开工作" in text
    # paragraph and heading boundaries are kept
    assert "\n一、总体情况\n" in text
    assert "\n五、存在的主要问题及改进情况\n" in text
    # numbers keep their value with their unit
    assert "3927件" in text and "办结率 98%" in text and "2022年1月1日" in text and "202万元" in text


def test_seed_docvars(seed_corpus):
    row = seed_corpus.docs.iloc[0]
    assert row["issuer"] == "互助土族自治县人民政府"
    assert row["year"] == 2022
    assert row["published"] == "2023-01-18"
    assert row["level"] == "county"
    assert row["province"] == "青海省"
    assert row["city"] == "海东市"
    assert row["adcode"] == "630223"
    assert row["regime"] == "2021"


def test_seed_sections_and_boundaries(seed_corpus):
    secs = seed_corpus.sections()
    text = seed_corpus.text(seed_corpus.doc_ids[0])
    statutory = secs[secs["section"].isin(list("123456"))]
    assert statutory["section"].tolist() == ["1", "2", "3", "4", "5"]
    assert seed_corpus.docs.iloc[0]["sections_missing"] == "6"
    starts = dict(zip(statutory["section"], statutory["start"]))
    ends = dict(zip(statutory["section"], statutory["end"]))
    assert text[starts["1"]:].startswith("一、总体情况")
    assert text[starts["5"]:].startswith("五、存在的主要问题及改进情况")
    assert text[starts["3"]:].startswith("三、收到和处理政务公开申请情况")
    assert text[starts["4"]:].startswith("四、政务公开行政复议、行政诉讼情况")
    for a, b in zip("1234", "2345"):
        assert ends[a] == starts[b]
    # table row labels are never sections
    assert not secs["heading"].str.contains("本年新收|结转下年度|本年度办理结果").any()


def test_seed_sentences_carry_provenance(seed_corpus):
    sents = seed_corpus.sentences()
    text = seed_corpus.text(seed_corpus.doc_ids[0])
    for row in sents.itertuples():
        assert text[row.start:row.end] == row.text
    five = sents[(sents["section"] == "5") & (sents["kind"] == "text")]
    assert set(five["subsection"].dropna()) == {1, 2}
    enums = five[five["enum"] != ""]
    assert enums["enum"].tolist() == ["一是", "二是", "三是", "四是", "一要", "二要", "三要", "四要"]
    assert enums["enum_n"].tolist() == [1, 2, 3, 4, 1, 2, 3, 4]
    assert (sents.loc[sents["text"].str.startswith("规章\t"), "kind"] == "table").all()


# ---------------------------------------------------------------- real corpus vs index.tsv
def _doc_id(file: str) -> str:
    return str(Path(file).with_suffix("")).replace("\\", "/")


def test_corpus_docvars_and_sections_agree_with_index(shared_corpus, index):
    docs = shared_corpus.docs.set_index("doc_id")
    checked = 0
    for file, row in index.items():
        if file.startswith("../seed/"):
            continue
        d = docs.loc[_doc_id(file)]
        assert str(d["year"]) == row["year"], file
        assert d["level"] == row["level"], file
        assert d["province"] == row["province"], file
        assert d["sections_found"] == row["sections"], file
        assert d["issuer"] == row["issuer"], file
        assert (d["published"] if isinstance(d["published"], str) else "") == row["published"], file
        assert d["regime"] == row["regime"], file
        checked += 1
    assert checked == len(index) - 1


def test_garbled_pdfs_are_errors_and_the_rest_is_processed(shared_corpus, shared):
    errors = shared_corpus.errors
    bad = sorted(p.name for p in (shared / "corpus" / "bad").glob("*.pdf"))
    assert sorted(Path(p).name for p in errors["path"]) == bad
    assert errors["stage"].eq("pdf").all()
    assert errors["reason"].str.contains("garbled").all()
    assert len(shared_corpus) == 21


def test_pdf_page_numbers_dropped_and_lines_joined(shared_corpus):
    text = shared_corpus.text("hongze_2023")
    assert "- 1 -" not in text and "- 2 -" not in text
    assert "《中华人民共和国政府信息公开条例》" in text  # wrapped over two PDF lines
    assert "严格执行“分级审核、先审后发”程序" in text  # broken across a page


def test_markdown_page_numbers_and_missing_heading_five(shared_corpus):
    text = shared_corpus.text("shanghai_office_2025")
    assert "— 1 —" not in text
    secs = shared_corpus.sections()
    five = secs[(secs["doc_id"] == "shanghai_office_2025") & (secs["section"] == "5")].iloc[0]
    assert bool(five["inferred"]) is True
    assert text[five["start"]:].startswith("（一）2024年工作中存在问题的改进情况")


def test_one_line_scraped_body_gets_sentences_and_subsections(shared_corpus):
    sents = shared_corpus.sentences()
    doc = sents[sents["doc_id"] == "pingtan/202302_80629"]
    headings = doc[doc["kind"] == "heading"]["text"].tolist()
    assert "一、总体情况" in headings and "（一）主动公开方面" in headings
    assert "六、其他需要报告的事项" in headings
    assert len(doc[doc["kind"] == "text"]) > 40


# ---------------------------------------------------------------- reading formats
def test_reads_gbk_utf8_bom_and_traditional(tmp_path):
    body = "政府信息公开工作年度报告\n一、总体情况\n本年度共主动公开政府信息120条。"
    (tmp_path / "gbk.txt").write_bytes(body.encode("gbk"))
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    assert read_file(tmp_path / "gbk.txt").text == body
    assert read_file(tmp_path / "bom.txt").text == body
    traditional = "本年度共主動公開政府資訊120條，辦理依申請公開3件。"
    assert normalize_text(traditional) == "本年度共主动公开政府资讯120条，办理依申请公开3件。"


def test_html_main_text_only_with_table_rows(shared):
    # a page constructed from the seed's section 二 table, wrapped in portal navigation
    html = """<html><head><meta charset="gbk"><title>互助县2022年政府信息公开工作年度报告</title>
    <script>document.write('广告')</script><style>p{}</style></head><body>
    <div class="nav"><a href="/">首页</a><a href="/zwgk">政务公开</a><a>政府信息公开年报</a></div>
    <div id="zoom"><p>二、主动公开政府信息情况</p>
    <table><tr><td>信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
    <tr><td>规章</td><td>1</td><td>0</td><td>9</td></tr></table>
    <p>全年主动公开政府信息83540余条，其中政府网站公开6349条。</p></div>
    <div class="footer">版权所有：互助县人民政府 网站标识码</div></body></html>"""
    doc = read_bytes(html.encode("gbk"), "page.html")
    assert doc.text.split("\n") == [
        "二、主动公开政府信息情况",
        "信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
        "规章\t1\t0\t9",
        "全年主动公开政府信息83540余条，其中政府网站公开6349条。",
    ]


def test_docx_paragraphs_and_tables(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("一、总体情况")
    d.add_paragraph("本年度共主动公开政府信息120条。")
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "行政许可", "7713"
    t.cell(1, 0).text, t.cell(1, 1).text = "行政处罚", "943"
    d.add_paragraph("五、存在的主要问题及改进情况")
    path = tmp_path / "report.docx"
    d.save(path)
    assert read_file(path).text.split("\n") == [
        "一、总体情况", "本年度共主动公开政府信息120条。", "行政许可\t7713", "行政处罚\t943", "五、存在的主要问题及改进情况"]


@pytest.mark.parametrize("name,data,stage,needle", [
    ("empty.txt", b"", "read", "empty"),
    ("junk.txt", bytes(range(256)) * 50, "decode", "binary"),
    ("404.pdf", b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "pdf", "HTML page"),
    ("cut.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "pdf", "PDF"),
    ("old.doc", b"\xd0\xcf\x11\xe0 some word file", "read", "convert it to .docx"),
    ("notzip.docx", b"this is not a zip", "docx", "not a DOCX"),
])
def test_bad_files_raise_clear_errors(name, data, stage, needle):
    with pytest.raises(ReadError) as info:
        read_bytes(data, name)
    assert info.value.stage == stage
    assert needle in info.value.reason


def test_docx_zip_bomb_is_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"0" * (120 * 1024 * 1024))
    with pytest.raises(ReadError, match="zip bomb"):
        read_bytes(buf.getvalue(), "bomb.docx")


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    (tmp_path / "good.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "bad.pdf").write_bytes(b"<html>error</html>")
    (tmp_path / "empty.txt").write_bytes(b"")
    corpus = govtext.read_corpus(tmp_path, progress=False)
    assert corpus.doc_ids == ["good"]
    assert sorted(Path(p).name for p in corpus.errors["path"]) == ["bad.pdf", "empty.txt"]


# ---------------------------------------------------------------- docvars overrides
def test_docvars_from_csv_and_file_name_pattern(tmp_path):
    (tmp_path / "2022_互助县.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    table = tmp_path / "docvars.csv"
    pd.DataFrame({"file": ["2022_互助县.txt"], "level": ["department"], "coder": ["A"]}).to_csv(table, index=False)
    corpus = govtext.read_corpus(tmp_path / "2022_互助县.txt", docvars=table,
                                 pattern=r"(?P<year>\d{4})_(?P<short_name>[^.]+)", progress=False)
    row = corpus.docs.iloc[0]
    assert row["level"] == "department" and row["coder"] == "A"
    assert row["short_name"] == "互助县" and row["year"] == 2022
    assert row["issuer"] == "互助土族自治县人民政府"  # not overridden


def test_sections_never_invent_a_missing_heading():
    text = "一、总体情况\n全年公开信息100条。\n二、主动公开政府信息情况\n规章\t1\t0\t9\n六、其他需要报告的事项\n无。"
    assert [s.section for s in find_sections(text)] == ["1", "2", "6"]


def test_traditional_markers_are_all_traditional():
    from govtext.normalize import _TRADITIONAL_MARKERS, has_traditional, to_simplified

    assert [c for c in sorted(_TRADITIONAL_MARKERS) if to_simplified(c) == c] == []
    # a simplified report never triggers the (slow) conversion
    assert not has_traditional(SEED.read_text(encoding="utf-8"))


def test_sentence_split_details():
    from govtext.sentences import split_sentences

    text = ("五、存在的主要问题及改进情况（一）存在的主要问题:基层公开标准化水平有待提高。"
            "（二）组织机构方面我区成立了领导小组。\n六、其他需要报告的事项2021年，无收费。")
    sents = split_sentences(text, find_sections(text))
    assert [s["text"] for s in sents] == [
        "五、存在的主要问题及改进情况", "（一）存在的主要问题:", "基层公开标准化水平有待提高。",
        "（二）组织机构方面", "我区成立了领导小组。", "六、其他需要报告的事项", "2021年，无收费。"]
    assert normalize_text("<!--[if !supportLists]-->一是加强领导！") == "一是加强领导！"


@pytest.mark.parametrize("title,issuer,level,province,adcode", [
    # constructed titles of the kinds a national corpus holds
    ("北京市财政局2022年政府信息公开工作年度报告", "北京市财政局", "department", "北京市", "110000"),
    ("昆山市人民政府2022年政府信息公开工作年度报告", "昆山市人民政府", "county", "江苏省", "320583"),
    ("广州市人民政府办公厅2023年政府信息公开工作年度报告", "广州市人民政府办公厅", "city", "广东省", "440100"),
    ("浙江省人民政府2022年政府信息公开工作年度报告", "浙江省人民政府", "province", "浙江省", "330000"),
    ("成都市武侯区玉林街道办事处2022年政府信息公开工作年度报告", "成都市武侯区玉林街道办事处", "township", "四川省", "510107"),
    ("2022年度长沙市教育局政府信息公开工作年度报告", "长沙市教育局", "department", "湖南省", "430100"),
    ("国家税务总局2022年政府信息公开工作年度报告", "国家税务总局", "department", None, None),
])
def test_docvars_for_other_kinds_of_issuer(title, issuer, level, province, adcode):
    from govtext.docvars import extract_docvars

    dv = extract_docvars(title + "\n一、总体情况\n本年度主动公开政府信息100条。")
    assert (dv["issuer"], dv["level"], dv["province"], dv["adcode"]) == (issuer, level, province, adcode)
    assert dv["year"] == int(title.split("年")[0][-4:])


def test_heading_variants_map_to_statutory_sections():
    text = ("一．概述\n本年度工作。\n二、 主动公开政府信息情况\n公开100条。\n三、政府信息依申请公开情况\n收到3件。\n"
            "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况\n无。\n"
            "五、政府信息公开工作存在的主要问题及改进措施\n（一）存在问题\n公开不及时。\n六、其他需要说明的事项\n无。")
    assert [s.section for s in find_sections(text)] == ["1", "2", "3", "4", "5", "6"]


def test_spam_injected_inside_a_one_line_body_is_removed(tmp_path, shared):
    src = shared / "corpus" / "pingtan" / "202302_80629.txt"
    raw = src.read_text(encoding="utf-8")
    spam = " 澳门新葡京 真人娱乐 注册送彩金 百家乐在线 "
    dirty = raw.replace(" 二、主动公开政府信息情况", spam + "二、主动公开政府信息情况", 1)
    assert dirty != raw
    (tmp_path / "clean.txt").write_text(raw, encoding="utf-8")
    (tmp_path / "dirty.txt").write_text(dirty, encoding="utf-8")
    corpus = govtext.read_corpus(tmp_path, progress=False)
    docs = corpus.docs.set_index("doc_id")
    assert docs.loc["clean", "spam_lines"] == 0 and docs.loc["dirty", "spam_lines"] == 4
    assert corpus.text("dirty") == corpus.text("clean")


def test_tagged_sentences_are_the_same_whichever_table_is_asked_for_first(seed_corpus):
    """subsection and enum_n are whole numbers with gaps: Int64 (written 1, not 1.0), and the tagged
    table must not depend on whether sentences() was called before it."""
    import govtext

    first_tagged = govtext.read_corpus(SEED, progress=False)
    tagged = first_tagged.tagged()
    seed_corpus.sentences()
    later = seed_corpus.tagged()
    pd.testing.assert_frame_equal(tagged, later)
    assert str(tagged["subsection"].dtype) == "Int64" and str(tagged["enum_n"].dtype) == "Int64"
    assert tagged["subsection"].notna().any() and tagged["subsection"].isna().any()
    csv = tagged[["subsection", "enum_n"]].to_csv(index=False)
    assert ".0" not in csv
