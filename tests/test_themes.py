"""govtext.themes: dictionaries, hits and measures, panels, keyness, topics, text reuse, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from govtext import themes as th

ROOT = Path(__file__).resolve().parents[1]

REQUIRED = {
    "公开质量": ["质量", "准确", "及时", "全面", "时效", "深度", "解读"],
    "公开形式与渠道": ["网站", "政务新媒体", "微信", "微博", "政府公报", "新闻发布会", "融媒体", "公开栏"],
    "公众参与与回应": ["意见征集", "回应", "互动", "信箱", "热线", "诉求"],
    "依申请公开": ["依申请公开"],
    "制度规范": ["制度"],
    "组织保障": ["组织领导"],
    "监督考核": ["考核", "监督"],
    "培训宣传": ["培训", "宣传"],
    "平台建设": ["平台"],
    "重点领域": ["财政", "乡村振兴", "疫情防控", "社保", "教育", "就业"],
    "政务服务": ["一网通办", "政务服务"],
}


def tokens_frame(sentences: list[list[str]], doc_id: str = "d") -> pd.DataFrame:
    rows, pos = [], 0
    for sid, toks in enumerate(sentences):
        for t in toks:
            rows.append((doc_id, sid, t, pos, pos + len(t)))
            pos += len(t)
        pos += 1
    return pd.DataFrame(rows, columns=["doc_id", "sent_id", "token", "start", "end"])


# ------------------------------------------------------------------------------------------ dictionary
def test_shipped_dictionary_has_the_themes_and_terms_of_the_spec():
    d = th.load_dictionary()
    assert d.name == "govtext-themes" and d.version
    frame = d.to_frame()
    for theme, terms in REQUIRED.items():
        assert theme in d.themes
        have = set(frame.loc[frame["theme"] == theme, "term"])
        assert set(terms) <= have, (theme, set(terms) - have)
    kinds = set(frame["kind"])
    assert kinds == {"word", "glob", "phrase"}
    assert all(len(d.subthemes(t)) >= 1 for t in d.themes)
    assert not frame.duplicated(["theme", "subtheme", "term"]).any()


def test_dictionary_is_versioned_and_hashed():
    from govtext.resources import resource_hashes

    a, b = th.load_dictionary(), th.load_dictionary()
    assert a.sha256 == b.sha256 and len(a.sha256) == 64
    assert "themes.yaml" in resource_hashes()
    changed = th.ThemeDictionary(a.entries[:-1], a.name, a.version)
    assert changed.sha256 != a.sha256
    assert th.ThemeDictionary(a.entries, a.name, "9.9").sha256 != a.sha256
    assert a.manifest()["sha256"] == a.sha256


def test_user_dictionary_as_dict_yaml_text_and_file(tmp_path):
    as_dict = {"themes": {"数字政府": {"数据": ["大数据", "数据*"], "智能": ["智能 问答"]}, "基层": ["村务公开"]},
               "name": "mine", "version": "0.1"}
    yaml_text = ("name: mine\nversion: '0.1'\nthemes:\n  数字政府:\n    数据: [大数据, '数据*']\n"
                 "    智能: [智能 问答]\n  基层: [村务公开]\n")
    path = tmp_path / "mine.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    loaded = [th.load_dictionary(as_dict), th.load_dictionary(yaml_text), th.load_dictionary(path),
              th.load_dictionary(str(path))]
    assert len({d.sha256 for d in loaded}) == 1
    d = loaded[0]
    assert d.themes == ["数字政府", "基层"] and d.subthemes("基层") == ["基层"]
    assert d.to_frame()["kind"].tolist() == ["word", "glob", "phrase", "word"]
    assert th.load_dictionary(d) is d
    bare = th.load_dictionary({"数字政府": {"数据": ["大数据", "数据*"], "智能": ["智能 问答"]}, "基层": ["村务公开"]})
    assert bare.entries == d.entries


@pytest.mark.parametrize("bad, error", [
    ({"t": {"s": {"deeper": ["x"]}}}, ValueError),
    ({"t": {"s": [""]}}, ValueError),
    ({"t": {"s": [None]}}, ValueError),
    ({}, ValueError),
    ("- a\n- b\n", ValueError),
    ("themes: [unclosed\n", ValueError),
    ("does/not/exist.yaml", FileNotFoundError),
    (42, TypeError),
])
def test_bad_dictionaries_are_refused_with_a_reason(bad, error):
    with pytest.raises(error):
        th.load_dictionary(bad)


def test_select_keeps_order_and_refuses_unknown_themes():
    d = th.load_dictionary()
    q = d.select("公开质量")
    assert q.themes == ["公开质量"] and len(q) < len(d)
    with pytest.raises(KeyError):
        d.select(["没有这个主题"])


# ------------------------------------------------------------------------------------------ tokenizer
def test_every_plain_term_stays_whole_and_jieba_global_state_is_untouched():
    import jieba

    d = th.load_dictionary()
    tok = th.theme_tokenizer(d)
    split = [w for w in d.tokenizer_words() if tok.cut(w) != [w]]
    assert split == []
    assert "一图读懂" in tok.cut("制作一图读懂和政策解读材料")
    assert "征求第三方意见" not in jieba.dt.FREQ  # jieba's global dictionary was never touched


def test_theme_tokenizer_extends_a_users_tokenizer():
    from govtext.segment import Tokenizer

    base = Tokenizer(extra_words=["数字孪生平台"])
    tok = th.theme_tokenizer({"平台": ["一网统管"]}, base)
    assert tok.cut("建设数字孪生平台和一网统管") == ["建设", "数字孪生平台", "和", "一网统管"]
    assert th.theme_tokenizer({"平台": ["一网统管"]}, base) is tok  # cached: same settings, same object
    assert tok.dictionary_hash != base.dictionary_hash


# ------------------------------------------------------------------------------------------ hits
def test_hits_words_globs_phrases_and_one_count_per_stretch_of_text():
    toks = tokens_frame([["加强", "政策", "解读", "，", "开通", "政务新媒体", "和", "县长信箱"],
                         ["政策"], ["解读", "政策解读"]])
    d = {"质量": {"解读": ["解读", "政策 解读"], "深度": ["政策 解读"]}, "渠道": ["*新媒体", "*信箱", "新媒体"]}
    hits = th.theme_hits(toks, d)
    got = hits[["sent_id", "theme", "subtheme", "term", "match"]].values.tolist()
    assert got == [
        [0, "质量", "解读", "政策 解读", "政策解读"],   # the longer match wins; 解读 inside it is not counted again
        [0, "渠道", "渠道", "*新媒体", "政务新媒体"],
        [0, "渠道", "渠道", "*信箱", "县长信箱"],
        [2, "质量", "解读", "解读", "解读"],            # a phrase never spans two sentences
        [2, "质量", "解读", "政策 解读", "政策解读"],   # the phrase written as one token
    ]
    assert list(hits.columns) == th.HIT_COLUMNS


def test_a_term_in_two_themes_counts_for_both():
    toks = tokens_frame([["推进", "政务新媒体", "建设"]])
    hits = th.theme_hits(toks, {"渠道": ["政务新媒体"], "平台": ["政务新媒体"]})
    assert hits["theme"].tolist() == ["渠道", "平台"]


def test_hit_offsets_point_into_the_text(seed_corpus):
    hits = th.theme_hits(seed_corpus)
    assert len(hits) > 50
    for r in hits.itertuples():
        assert seed_corpus.text(r.doc_id)[r.start:r.end] == r.match
    k = th.theme_kwic(hits, seed_corpus, term="解读", window=5)
    assert len(k) and set(k["match"]) <= {"解读", "政策解读"}


def test_empty_tokens_give_empty_hits():
    empty = pd.DataFrame(columns=["doc_id", "sent_id", "token", "start", "end"])
    assert th.theme_hits(empty).empty


# ------------------------------------------------------------------------------------------ measures
def test_measures_per_document_section_and_sentence_agree(seed_corpus):
    d = th.load_dictionary()
    hits = th.theme_hits(seed_corpus, d)
    doc = th.theme_measures(seed_corpus, d, hits=hits)
    sec = th.theme_measures(seed_corpus, d, level="section", hits=hits)
    sent = th.theme_measures(seed_corpus, d, level="sentence", hits=hits)
    assert len(doc) == len(seed_corpus) * len(d.themes)
    assert doc["theme"].tolist() == d.themes
    for m in (doc, sec, sent):
        assert m["hits"].sum() == len(hits)
        assert m["n_chars"].sum() // len(d.themes) == doc["n_chars"].iloc[0]
    row = doc.iloc[0]
    assert row["per_1k"] == pytest.approx(1000 * row["hits"] / row["n_chars"])
    assert row["share"] == pytest.approx(row["hits"] / row["n_tokens"])
    assert (sec["hits"] == 0).any() and len(sec) == sec[["doc_id", "section"]].drop_duplicates().shape[0] * len(d.themes)
    sub = th.theme_measures(seed_corpus, d, subthemes=True, hits=hits)
    assert sub.groupby("theme", sort=False)["hits"].sum().to_dict() == doc.set_index("theme")["hits"].to_dict()


def test_measures_from_a_tokens_table_equal_those_from_the_corpus(seed_corpus):
    d = th.load_dictionary()
    tokens = seed_corpus.tokens(th.theme_tokenizer(d))
    a = th.theme_measures(seed_corpus, d)
    b = th.theme_measures(tokens, d)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ValueError, match="sentences"):
        th.theme_measures(tokens, d, level="section")


def test_single_character_words_survive_the_vectoriser():
    v = th.vectorizer()
    v.fit(["公开不及时，解读不到位，无专人负责，2023年共12条"])
    vocab = set(v.vocabulary_)
    assert {"不", "无"} <= vocab
    assert not {"2023", "12"} & vocab
    assert "的" not in vocab  # stopwords go


def test_dtm_rows_carry_docvars(seed_corpus):
    m = th.dtm(seed_corpus)
    assert m.shape[0] == 1 and m.rows.loc[0, "year"] == 2022
    tidy = m.to_frame()
    assert tidy["count"].sum() == m.matrix.sum()
    assert m.top_terms(5)["count"].is_monotonic_decreasing


# ------------------------------------------------------------------------------------------ keyness
def test_keyness_matches_scipy_chi2_and_log_likelihood():
    from scipy.sparse import csr_matrix
    from scipy.stats import chi2_contingency

    counts = np.array([[30, 5, 100, 2], [10, 25, 120, 0], [5, 20, 90, 1]])
    m = th.DocumentTermMatrix(csr_matrix(counts), np.array(["公开", "回应", "工作", "不"]),
                              pd.DataFrame({"doc_id": ["a", "b", "c"]}))
    k = th.keyness(m, [True, False, False]).set_index("term")
    a = counts[0]
    b = counts[1:].sum(axis=0)
    for j, term in enumerate(m.terms):
        table = np.array([[a[j], b[j]], [a.sum() - a[j], b.sum() - b[j]]])
        chi2 = chi2_contingency(table, correction=True)[0]
        g2 = chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
        sign = 1 if a[j] / a.sum() >= b[j] / b.sum() else -1
        assert k.loc[term, "chi2"] == pytest.approx(sign * chi2, rel=1e-9, abs=1e-9)
        assert k.loc[term, "G2"] == pytest.approx(sign * g2, rel=1e-9, abs=1e-9)
    assert k.index[0] == "公开" and k.loc["回应", "chi2"] < 0
    by_g2 = th.keyness(m, lambda rows: rows["doc_id"] == "a", measure="G2")
    assert by_g2["G2"].is_monotonic_decreasing
    with pytest.raises(ValueError):
        th.keyness(m, [False, False, False])


# ------------------------------------------------------------------------------------------ topics
@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_topics_are_deterministic(method, seed_corpus):
    sents = seed_corpus.sentences()
    m = th.dtm(sents, level="section")
    a = th.topics(m, 3, method=method)
    b = th.topics(m, 3, method=method)
    pd.testing.assert_frame_equal(a.terms, b.terms)
    pd.testing.assert_frame_equal(a.docs, b.docs)
    assert a.terms["topic"].nunique() == 3
    if method == "lda":  # document-topic weights are proportions
        assert np.allclose(a.docs.groupby(["doc_id", "section"])["weight"].sum(), 1.0)


# ------------------------------------------------------------------------------------------ panels
def test_panel_groups_by_docvars_and_keeps_missing_groups():
    m = pd.DataFrame({"doc_id": ["a", "a", "b", "c"], "theme": ["质量", "渠道", "质量", "质量"],
                      "hits": [2, 1, 4, 1], "n_tokens": [100, 100, 200, 50], "n_chars": [250, 250, 500, 100]})
    docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "year": [2020, 2020, 2021], "province": ["福建省", None, "福建省"]})
    p = th.panel(m, docs, by=["year"])
    q = p[p["theme"] == "质量"].set_index("year")
    assert q.loc[2020, "n_docs"] == 2 and q.loc[2020, "hits"] == 6
    assert q.loc[2020, "per_1k"] == pytest.approx(1000 * 6 / 750)
    assert q.loc[2020, "mean_per_1k"] == pytest.approx((8 + 8) / 2)
    byprov = th.panel(m, docs, by="province")
    assert byprov["province"].isna().sum() == 1  # the report without a province is its own group
    with pytest.raises(KeyError):
        th.panel(m, docs, by=["regime"])


def test_year_over_year_per_issuer():
    m = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "theme": "质量", "hits": [1, 3, 2, 5],
                      "n_tokens": 100, "n_chars": 1000})
    docs = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "issuer": ["X", "X", "Y", "X"], "year": [2020, 2021, 2021, 2023]})
    y = th.year_over_year(m, docs).set_index(["issuer", "year"])
    assert np.isnan(y.loc[("X", 2020), "change"])
    assert y.loc[("X", 2021), "change"] == pytest.approx(2.0)
    assert y.loc[("X", 2023), "prev_year"] == 2021 and y.loc[("X", 2023), "pct_change"] == pytest.approx(200 / 3)
    assert np.isnan(y.loc[("Y", 2021), "prev_value"])


def test_series_key():
    assert th.series_key("平潭综合实验区管委会") == th.series_key("平潭综合实验区") == "平潭综合实验区"
    assert th.series_key("互助土族自治县人民政府") == "互助土族自治县"
    assert th.series_key(None) is None


# ------------------------------------------------------------------------------------------ issue / remedy mix
def test_theme_mix_takes_any_labelled_table():
    hits = pd.DataFrame({"doc_id": "d", "sent_id": [1, 1, 1, 2, 4], "theme": ["质量", "质量", "渠道", "质量", "渠道"]})
    labelled = pd.DataFrame({"doc_id": "d", "sent_id": [1, 2, 3, 4], "label": ["issue", "remedy", "remedy", "other"]})
    mix = th.theme_mix(hits, labelled, labels=["issue", "remedy"], dictionary={"质量": ["x"], "渠道": ["y"]})
    got = mix.set_index(["label", "theme"])
    assert got.loc[("issue", "质量"), "hits"] == 2 and got.loc[("issue", "质量"), "sentences"] == 1
    assert got.loc[("issue", "质量"), "share_hits"] == pytest.approx(2 / 3)
    assert got.loc[("remedy", "质量"), "share_sentences"] == pytest.approx(0.5)
    assert got.loc[("remedy", "渠道"), "sentences"] == 0
    with pytest.raises(ValueError, match="label"):
        th.theme_mix(hits, labelled.drop(columns="label"))


# ------------------------------------------------------------------------------------------ reuse
def test_reuse_previous_report_and_other_issuers():
    s = "本机关全年主动公开政府信息{}条，其中政策解读{}篇。"
    sents = pd.DataFrame({
        "doc_id": ["x1", "x1", "x2", "x2", "x2", "y1"],
        "sent_id": [0, 1, 0, 1, 2, 0],
        "kind": ["text", "text", "text", "text", "heading", "text"],
        "text": [s.format(120, 8), "全年未收到政府信息公开申请，也未发生行政复议。",
                 s.format(135, 9), "全年共收到政府信息公开申请三件，均按期答复。", "一、总体情况说明情况说明",
                 s.format(7, 1)],
    })
    docs = pd.DataFrame({"doc_id": ["x1", "x2", "y1"], "issuer": ["X", "X", "Y"], "year": [2021, 2022, 2022]})
    r = th.reuse(sents, docs).set_index(["doc_id", "comparison"])
    assert ("x1", "previous") not in r.index
    prev = r.loc[("x2", "previous")]
    assert prev["source_doc_id"] == "x1" and prev["n_sentences"] == 2  # the heading is left out
    assert prev["n_exact"] == 1 and prev["share_exact"] == 0.5
    assert r.loc[("y1", "other"), "share_exact"] == 1.0
    pairs = th.reuse_sentences(sents, docs)
    assert set(pairs["comparison"]) == {"previous", "other"}
    assert (pairs["similarity"] >= 0.7).all()


def test_reuse_on_the_shared_corpus(shared_corpus):
    docs = shared_corpus.docs.assign(series=shared_corpus.docs["issuer"].map(th.series_key))
    r = th.reuse(shared_corpus.sentences(), docs, key="series")
    # the 2011 reports of 平潭县 and of the 实验区 share most of their text (index.tsv: identical figures)
    other = r[(r["doc_id"] == "pingtan/201204_80716") & (r["comparison"] == "other")]
    assert other["share_near"].item() > 0.5
    prev = r[(r["key"] == "平潭综合实验区") & (r["comparison"] == "previous")]
    assert sorted(prev["year"]) == list(range(2012, 2026))
    assert r["share_near"].between(0, 1).all() and (r["share_exact"] <= r["share_near"]).all()


# ------------------------------------------------------------------------------------------ shared corpus: the done-when
def test_quality_trend_and_region_comparison_on_the_shared_corpus(shared_corpus):
    docs = shared_corpus.docs.assign(series=shared_corpus.docs["issuer"].map(th.series_key))
    m = th.theme_measures(shared_corpus)
    series = docs[docs["series"] == "平潭综合实验区"]
    trend = th.panel(m[m["doc_id"].isin(series["doc_id"])], series, by=["year"])
    quality = trend[trend["theme"] == "公开质量"]
    assert quality["year"].tolist() == list(range(2011, 2026))
    assert (quality["n_docs"] == 1).all() and (quality["hits"] > 0).all()
    regions = th.panel(m, docs, by=["province"])
    assert set(regions["province"]) == {"福建省", "江苏省", "上海市"}
    assert regions.groupby("province")["n_docs"].max().to_dict() == {"上海市": 1, "江苏省": 1, "福建省": 19}


# ------------------------------------------------------------------------------------------ determinism
DETERMINISM_SCRIPT = textwrap.dedent("""
    import hashlib, sys
    import govtext
    from govtext import themes as th
    corpus = govtext.read_corpus(sys.argv[1:], progress=False)
    docs = corpus.docs.assign(series=corpus.docs["issuer"].map(th.series_key))
    hits = th.theme_hits(corpus)
    m = th.theme_measures(corpus, hits=hits)
    dtm = th.dtm(corpus)
    years = dtm.rows["year"]
    parts = {"hits": hits, "measures": m, "panel": th.panel(m, docs, by=["year", "province"]),
             "sections": th.theme_measures(corpus, level="section"),
             "reuse": th.reuse(corpus.sentences(), docs, key="series"),
             "keyness": th.keyness(dtm, (years == years.max()).to_numpy()),
             "topics": th.topics(dtm, 3).terms.round(10)}
    print(" ".join(f"{k}:{hashlib.sha256(v.to_csv(index=False).encode()).hexdigest()[:16]}" for k, v in parts.items()))
""")



def _digest_here(paths: list[str]) -> str:
    """The script run in this process (a fresh corpus each time)."""
    from contextlib import redirect_stdout
    from io import StringIO

    buf, argv = StringIO(), sys.argv
    try:
        sys.argv = ["x", *paths]
        with redirect_stdout(buf):
            exec(DETERMINISM_SCRIPT, {})
    finally:
        sys.argv = argv
    return buf.getvalue().strip()


def _digest_subprocess(paths: list[str], seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}  # this environment, another hash seed
    out = subprocess.run([sys.executable, "-c", DETERMINISM_SCRIPT, *paths], capture_output=True, text=True,
                         cwd=ROOT, env=env, check=True, timeout=300)
    return out.stdout.strip()


def test_same_output_twice_and_in_another_process(shared):
    # two issuers over several years and a report from another region
    names = ["pingtan/201204_80678.txt", "pingtan/201204_80716.txt", "pingtan/201301_80725.txt",
             "pingtan/202302_80629.txt", "pingtan/202403_87885.txt", "shanghai_office_2025.md"]
    paths = [str(shared / "corpus" / n) for n in names]
    here = _digest_here(paths)
    assert here.count(":") == 7
    assert _digest_here(paths) == here
    assert _digest_subprocess(paths, "1") == here


def test_import_stays_light():
    code = ("import sys, govtext, govtext.themes, govtext.plot; "
            "print(json.dumps(sorted(m for m in ('matplotlib', 'sklearn', 'yaml', 'scipy') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert json.loads(out.stdout) == []

