"""govtext.plot: every plot renders its Chinese labels with the shipped font, no glyph missing."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")

from govtext import plot  # noqa: E402
from govtext import themes as th  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "govtext" / "resources"


def render(fig, fmt: str = "png") -> bytes:
    """Draw a figure; any missing glyph (a UserWarning) or font lookup failure (a log record) fails."""
    logger = logging.getLogger("matplotlib.font_manager")
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(buf, format=fmt, dpi=60)
    finally:
        logger.removeHandler(handler)
    glyphs = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not glyphs, glyphs[:3]
    fonts = [r.getMessage() for r in records if r.levelno >= logging.WARNING]
    assert not fonts, fonts[:3]
    others = [f"{w.category.__name__}: {w.message}" for w in caught if issubclass(w.category, UserWarning)]
    assert not others, others[:3]
    return buf.getvalue()


def all_texts(fig) -> str:
    from matplotlib.text import Text

    fig.canvas.draw()  # ticks exist only once drawn
    return "".join(t.get_text() for t in fig.findobj(Text))


def assert_chars_in_font(fig):
    """Every character drawn is in GovText Sans SC or DejaVu Sans (no fallback to a tofu box)."""
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    cmap = set(TTFont(RESOURCES / plot.FONT_RESOURCE).getBestCmap())
    cmap |= set(TTFont(font_manager.findfont("DejaVu Sans")).getBestCmap())
    text = all_texts(fig)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), "the figure shows no Chinese text"
    missing = sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})
    assert not missing


@pytest.fixture(scope="module")
def corpus():
    """The shared corpus (required in CI); elsewhere the sample report when it is missing."""
    import govtext

    from conftest import SEED, SHARED

    if (SHARED / "corpus" / "index.tsv").exists():
        return govtext.read_corpus(SHARED / "corpus", progress=False)
    if os.environ.get("CI"):
        pytest.fail(f"../shared is missing beside the repository ({SHARED}); CI must provide it")
    return govtext.read_corpus(SEED, progress=False)


@pytest.fixture(scope="module")
def tables(corpus):
    """The tables behind every plot."""
    docs = corpus.docs.assign(series=corpus.docs["issuer"].map(th.series_key))
    hits = th.theme_hits(corpus)
    m = th.theme_measures(corpus, hits=hits)
    dtm = th.dtm(corpus, level="section")
    labelled = corpus.tagged() if hasattr(corpus, "tagged") else corpus.sentences().assign(
        label=lambda s: ["issue" if "不够" in t else "remedy" if "加强" in t else "other" for t in s["text"]])
    return {
        "by_year": th.panel(m, docs, by=["year"]),
        "by_province": th.panel(m, docs, by=["province"]),
        "mix": th.theme_mix(hits, labelled),
        "keyness": th.keyness(dtm, dtm.rows["section"].eq("5").to_numpy()),  # 五 问题及改进 vs the rest
        "reuse": th.reuse(corpus.sentences(), docs, key="series"),
    }


PLOTS = {
    "theme_trends": lambda t: plot.theme_trends(t["by_year"]),
    "theme_trends_one": lambda t: plot.theme_trends(t["by_year"], themes=["公开质量"], value="share"),
    "theme_heatmap": lambda t: plot.theme_heatmap(t["by_province"]),
    "theme_heatmap_share": lambda t: plot.theme_heatmap(t["by_province"], value="share"),
    "issue_remedy_bars": lambda t: plot.issue_remedy_bars(t["mix"]),
    "issue_remedy_hits": lambda t: plot.issue_remedy_bars(t["mix"], value="share_hits"),
    "keyness_bars": lambda t: plot.keyness_bars(t["keyness"]),
    "keyness_bars_g2": lambda t: plot.keyness_bars(t["keyness"], measure="G2", target="第五部分", reference="其他部分"),
    "reuse_over_time": lambda t: plot.reuse_over_time(t["reuse"]),
}


@pytest.mark.parametrize("name", sorted(PLOTS))
def test_every_plot_renders_chinese_without_missing_glyphs(name, tables):
    fig = PLOTS[name](tables)
    assert isinstance(fig, matplotlib.figure.Figure)
    png = render(fig)
    assert png.startswith(b"\x89PNG")
    assert_chars_in_font(fig)
    render(fig, "pdf")  # TrueType outlines: embeddable in PDF as well
    render(fig, "svg")


def test_the_check_catches_a_missing_glyph():
    """Without govtext's font, Chinese text warns — so the render() check above has teeth."""
    from matplotlib.figure import Figure

    fig = Figure()
    fig.text(0.5, 0.5, "公开质量", family="DejaVu Sans")
    with pytest.raises(AssertionError):
        render(fig)


def test_plots_do_not_change_global_matplotlib_settings(tables):
    import matplotlib.font_manager  # noqa: F401  (loaded before the snapshot)

    before = dict(matplotlib.rcParams)
    plot.theme_heatmap(tables["by_province"])
    assert dict(matplotlib.rcParams) == before


def test_plots_on_a_single_report(seed_corpus):
    m = th.theme_measures(seed_corpus)
    fig = plot.theme_trends(th.panel(m, seed_corpus.docs, by=["year"]))
    render(fig)
    lo, hi = fig.axes[0].get_xlim()
    assert lo < 2022 < hi and hi - lo <= 2
    render(plot.theme_heatmap(th.panel(m, seed_corpus.docs, by=["county"]), row="county"))


def test_empty_or_wrong_tables_are_refused():
    with pytest.raises(ValueError, match="theme"):
        plot.theme_trends(pd.DataFrame({"year": [2020], "value": [1]}))
    with pytest.raises(ValueError, match="empty"):
        plot.theme_heatmap(pd.DataFrame(columns=["province", "theme", "per_1k"]))


def test_font_is_shipped_with_its_licence_and_registered_lazily():
    font = RESOURCES / plot.FONT_RESOURCE
    assert font.stat().st_size < 5 * 2**20
    licence = (RESOURCES / "GovTextSansSC-OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Reserved Font Name 'Source'" in licence
    assert (RESOURCES / "GovTextSansSC-README.md").exists()
    from fontTools.ttLib import TTFont

    tt = TTFont(font)
    assert tt["name"].getDebugName(1) == plot.FONT_FAMILY and "glyf" in tt
    cmap = tt.getBestCmap()
    everyday = "政府信息公开工作年度报告主动依申请行政复议诉讼存在的主要问题及改进情况平潭综合实验区洪泽上海互助土族自治县"
    assert all(ord(ch) in cmap for ch in everyday)
    code = ("import govtext.plot as p, sys; print(p._REGISTERED == {} and 'matplotlib' not in sys.modules); "
            "p.font_family(); print(len(p._REGISTERED))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.split() == ["True", "1"]


def test_use_chinese_font_is_opt_in_and_takes_a_font_file():
    with matplotlib.rc_context():
        family = plot.use_chinese_font()
        assert matplotlib.rcParams["font.family"] == family and family[0] == plot.FONT_FAMILY
        own = plot.font_family(RESOURCES / plot.FONT_RESOURCE)
        assert own[0] == plot.FONT_FAMILY
    with pytest.raises(ValueError):
        plot.font_family("No Such Font Family")


def test_write_figures_and_summary(shared_corpus, tmp_path):
    paths = plot.write_figures(shared_corpus, tmp_path / "a")
    names = [p.name for p in paths]
    expected = ["fig_themes_by_year.png", "fig_themes_by_province.png", "fig_keyness_latest_year.png", "fig_reuse_by_year.png"]
    assert [n for n in names if n in expected] == expected
    if hasattr(shared_corpus, "tagged"):
        assert "fig_themes_issue_remedy.png" in names
    for p in paths:
        assert p.read_bytes().startswith(b"\x89PNG") and p.with_suffix(".csv").exists()
    again = plot.write_figures(shared_corpus, tmp_path / "b")
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]  # same bytes on a second run
    page = plot.write_summary(shared_corpus, tmp_path / "a", figures=paths)
    html = page.read_text(encoding="utf-8")
    assert html.count("<img") == len(paths) and "公开质量" in html and "govtext-themes" in html
    assert html == plot.write_summary(shared_corpus, tmp_path / "b", figures=again).read_text(encoding="utf-8")
    assert not list((tmp_path / "a").glob(".*.tmp"))


def test_write_figures_on_the_sample_report(seed_corpus, tmp_path):
    paths = plot.write_figures(seed_corpus, tmp_path)
    assert [p.name for p in paths][:2] == ["fig_themes_by_year.png", "fig_themes_by_province.png"]
    assert "fig_keyness_latest_year.png" not in [p.name for p in paths]  # one year: nothing to contrast
    page = plot.write_summary(seed_corpus, tmp_path)  # makes the figures itself when not given
    html = page.read_text(encoding="utf-8")
    assert "报告 1 份" in html and html.count("<img") == len(paths)


def test_write_figures_from_measures_made_chunk_by_chunk(corpus, tmp_path):
    """The main job's form: document measures of chunks, concatenated, give the same figures."""
    import govtext

    paths = sorted(corpus.docs["path"])
    chunks = [govtext.read_corpus(paths[:len(paths) // 2], progress=False),
              govtext.read_corpus(paths[len(paths) // 2:], progress=False)]
    measures = pd.concat([th.document_measures(c) for c in chunks], ignore_index=True)
    docs = pd.concat([c.docs for c in chunks], ignore_index=True)
    whole = th.document_measures(corpus)
    same_id = dict(zip(docs["doc_id"], docs["path"].map(dict(zip(corpus.docs["path"], corpus.docs["doc_id"])))))
    measures["doc_id"] = measures["doc_id"].map(same_id)  # a file list names documents by file stem
    docs["doc_id"] = docs["doc_id"].map(same_id)
    key = ["doc_id", "theme"]
    pd.testing.assert_frame_equal(measures.sort_values(key).reset_index(drop=True),
                                  whole.sort_values(key).reset_index(drop=True), check_dtype=False)
    streamed = plot.write_figures(measures, docs, tmp_path / "streamed")
    full = {p.name: p for p in plot.write_figures(corpus, tmp_path / "full")}
    assert [p.name for p in streamed][:2] == ["fig_themes_by_year.png", "fig_themes_by_province.png"]
    for p in streamed:
        assert p.read_bytes() == full[p.name].read_bytes(), p.name
    page = plot.write_summary(measures, docs, tmp_path / "streamed", figures=streamed)
    assert page.name == "summary.html" and "<img" in page.read_text(encoding="utf-8")
    with pytest.raises(TypeError):
        plot.write_figures(measures, tmp_path)
