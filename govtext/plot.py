"""Plots with Chinese labels that render on any machine, and the figures + HTML summary of a corpus.

Every function returns a ``matplotlib.figure.Figure`` (not a pyplot figure: nothing is kept open or
shown behind your back; in Jupyter a figure as the last expression of a cell is displayed). Chinese
text is set in *GovText Sans SC*, a subset of Noto Sans CJK SC (SIL OFL 1.1) shipped in
``govtext/resources/`` and registered with matplotlib the first time a plot is drawn — importing
govtext does not import matplotlib. Installed full CJK fonts (Noto Sans CJK SC, Source Han Sans SC,
WenQuanYi) serve as fallbacks for characters outside the subset; ``font=`` puts a font of your own
first.

* :func:`theme_trends` — a line per theme over the years (from :func:`govtext.themes.panel`);
* :func:`theme_heatmap` — groups (provinces …) × themes, numbers in the cells;
* :func:`issue_remedy_bars` — the theme mix of issue vs remedy sentences (:func:`~govtext.themes.theme_mix`);
* :func:`keyness_bars` — the most key terms of a target and a reference group (:func:`~govtext.themes.keyness`);
* :func:`reuse_over_time` — the share of copied sentences per report over the years (:func:`~govtext.themes.reuse`);
* :func:`write_figures` / :func:`write_summary` — the key figures as PNG (``fig_<name>.png``, with the
  numbers behind each as ``fig_<name>.csv``) and a short HTML page (``summary.html``), for the main
  job's output folder: from a Corpus, or from :func:`govtext.themes.document_measures` gathered chunk
  by chunk and the documents table.

>>> import govtext
>>> from govtext import themes, plot
>>> corpus = govtext.read_corpus("data/reports", progress=False)
>>> p = themes.panel(themes.theme_measures(corpus), corpus.docs, by=["year"])
>>> fig = plot.theme_trends(p)
>>> fig.axes[0].get_xlabel()
'年份'
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .outputs import atomic_write

__all__ = [
    "FONT_FAMILY", "font_family", "register_font", "use_chinese_font", "theme_trends", "theme_heatmap",
    "issue_remedy_bars", "keyness_bars", "reuse_over_time", "write_figures", "write_summary",
]

FONT_RESOURCE = "GovTextSansSC-Regular.ttf"
FONT_FAMILY = "GovText Sans SC"
FALLBACK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                     "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")
VALUE_LABELS = {
    "per_1k": "每千字命中次数", "mean_per_1k": "每千字命中次数（文档平均）", "share": "命中占词数比例",
    "mean_share": "命中占词数比例（文档平均）", "hits": "命中次数",
    "share_sentences": "含该主题的句子比例", "share_hits": "该主题占全部命中的比例",
    "share_near": "重复或近似重复的句子比例", "share_exact": "完全重复的句子比例",
}
LABEL_NAMES = {"issue": "问题句", "remedy": "改进措施句", "other": "其他句"}
COMPARISON_NAMES = {"previous": "与本机关上一份报告", "other": "与其他机关的报告"}
DOCVAR_NAMES = {"year": "年份", "province": "省份", "city": "地市", "county": "区县", "level": "层级",
                "regime": "模板", "issuer": "发布机关", "series": "发布机关", "doc_id": "报告"}
_PERCENT_VALUES = {"share", "mean_share", "share_sentences", "share_hits", "share_near", "share_exact"}
_REGISTERED: dict[str, str] = {}  # font file → family name, so each file is added to matplotlib once


# =============================================================================== fonts
def register_font(path: str | os.PathLike | None = None) -> str:
    """Add a font file to matplotlib's font manager (once) and return its family name.

    ``None`` registers govtext's shipped CJK subset.
    """
    from matplotlib import font_manager

    if path is None:
        from .resources import resource_path

        path = resource_path(FONT_RESOURCE)
    key = str(path)
    if key not in _REGISTERED:
        if not Path(key).is_file():
            raise FileNotFoundError(f"no font file {key}")
        font_manager.fontManager.addfont(key)
        _REGISTERED[key] = font_manager.FontProperties(fname=key).get_name()
    return _REGISTERED[key]


def font_family(font: str | os.PathLike | None = None) -> list[str]:
    """The font families plots use, in order: ``font`` (a file or an installed family) if given,
    GovText Sans SC, any installed full CJK font, DejaVu Sans.

    >>> font_family()[0], font_family()[-1]
    ('GovText Sans SC', 'DejaVu Sans')
    """
    from matplotlib import font_manager

    families = [register_font()]
    installed = {f.name for f in font_manager.fontManager.ttflist}
    families += [f for f in FALLBACK_FAMILIES if f in installed]
    if font is not None:
        name = register_font(font) if Path(str(font)).is_file() else str(font)
        if name not in installed and not Path(str(font)).is_file():
            raise ValueError(f"font {font!r} is neither a font file nor an installed font family")
        families = [name] + [f for f in families if f != name]
    return families + ["DejaVu Sans"]


def use_chinese_font(font: str | os.PathLike | None = None) -> list[str]:
    """Make every later matplotlib figure (pandas' ``.plot()`` too) use :func:`font_family`.

    This changes ``matplotlib.rcParams`` for the session — the one govtext function that does;
    govtext's own plots do not need it.
    """
    import matplotlib

    family = font_family(font)
    matplotlib.rcParams["font.family"] = family
    return family


class _Style:
    """rcParams for the time a figure is built, and the font on every text the figure will draw."""

    def __init__(self, font=None):
        import matplotlib

        self.family = font_family(font)
        self._ctx = matplotlib.rc_context({"font.family": self.family, "axes.titlesize": "medium",
                                           "axes.spines.top": False, "axes.spines.right": False})

    def __enter__(self):
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)

    def finish(self, fig):
        """Tick labels are made when the figure is drawn, perhaps after the context: fix their font too."""
        from matplotlib.text import Text

        for ax in fig.axes:
            ax.tick_params(axis="both", which="both", labelfontfamily=self.family)
        for text in fig.findobj(Text):
            text.set_fontfamily(self.family)
        return fig


def _new_figure(figsize, ax=None):
    from matplotlib.figure import Figure

    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained", dpi=100)
    return fig, fig.add_subplot()


def _label(value: str) -> str:
    return VALUE_LABELS.get(value, value)


def _percent_axis(axis, value: str):
    from matplotlib.ticker import PercentFormatter

    if value in _PERCENT_VALUES:
        axis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _names(values) -> list[str]:
    return ["（未知）" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v)
            for v in values]


def _need(frame: pd.DataFrame, columns: Sequence[str], what: str):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs columns {list(columns)} (missing {missing})")
    if frame.empty:
        raise ValueError(f"{what}: nothing to plot (the table is empty)")


# =============================================================================== plots
def theme_trends(panel: pd.DataFrame, *, value: str = "per_1k", x: str = "year", themes: Sequence[str] | None = None,
                 title: str | None = None, ax=None, font=None):
    """A line per theme: ``value`` (default hits per 1,000 characters) against ``x`` (default year).

    ``panel`` is :func:`govtext.themes.panel` by ``[x]``; ``themes`` picks and orders the lines.
    """
    _need(panel, [x, "theme", value], "theme_trends")
    themes = list(themes) if themes is not None else list(dict.fromkeys(panel["theme"]))
    data = panel[panel["theme"].isin(themes)]
    if data.empty:
        raise ValueError(f"theme_trends: none of the themes {themes} is in the panel")
    with _Style(font) as style:
        fig, ax = _new_figure((8, 4.5), ax)
        colors = _colors(len(themes))
        for i, theme in enumerate(themes):
            d = data[data["theme"] == theme].sort_values(x)
            if d.empty:
                continue
            ax.plot(d[x].astype(float), d[value].astype(float), marker="os^D"[i // 10 % 4], markersize=4,
                    linewidth=1.8, linestyle="-" if i < 10 else "--", color=colors[i], label=theme)
        if x == "year":
            _year_axis(ax, data[x])
        ax.set_xlabel(DOCVAR_NAMES.get(x, x))
        ax.set_ylabel(_label(value))
        _percent_axis(ax.yaxis, value)
        ax.set_ylim(bottom=0)
        ax.grid(axis="y", alpha=0.3)
        ax.set_title(title or ("主题随年份的变化" if x == "year" else f"主题随{DOCVAR_NAMES.get(x, x)}的变化"))
        if len(themes) > 1:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")
        return style.finish(fig)


def _year_axis(ax, years):
    """Whole years on the x axis; a single year gets a year of room on either side."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    values = pd.to_numeric(pd.Series(years), errors="coerce").dropna()
    if values.nunique() == 1:
        y = float(values.iloc[0])
        ax.set_xlim(y - 1, y + 1)


def _colors(n: int) -> list:
    """tab10's colours, repeated after ten (the lines after ten are dashed, with other markers)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(max(n, 1))]


def theme_heatmap(panel: pd.DataFrame, *, row: str = "province", value: str = "per_1k",
                  themes: Sequence[str] | None = None, annotate: bool = True, cmap: str = "YlGnBu",
                  title: str | None = None, ax=None, font=None):
    """Groups × themes as a heatmap of ``value``, with the numbers written in the cells.

    ``panel`` is :func:`govtext.themes.panel` by ``[row]`` (one row per group and theme).
    """
    _need(panel, [row, "theme", value], "theme_heatmap")
    themes = list(themes) if themes is not None else list(dict.fromkeys(panel["theme"]))
    data = panel[panel["theme"].isin(themes)].copy()
    data["_row"] = _names(data[row])
    if "n_docs" in data.columns:  # how many reports stand behind each row
        n_docs = data.groupby("_row")["n_docs"].max()
        data["_row"] = [f"{r}（{int(n_docs[r])}份）" for r in data["_row"]]
    rows = list(dict.fromkeys(data.sort_values(row, kind="mergesort", na_position="last")["_row"]))
    grid = data.pivot_table(index="_row", columns="theme", values=value, aggfunc="first", dropna=False)
    grid = grid.reindex(index=rows, columns=themes)
    vals = grid.to_numpy(dtype=float)
    with _Style(font) as style:
        fig, ax = _new_figure((min(2.2 + 0.75 * len(themes), 14), 1.6 + 0.45 * len(rows)), ax)
        finite = vals[np.isfinite(vals)]
        vmax = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        im = ax.imshow(np.ma.masked_invalid(vals), cmap=cmap, aspect="auto", vmin=0, vmax=vmax)
        ax.set_xticks(range(len(themes)), labels=themes, rotation=40, ha="right", rotation_mode="anchor")
        ax.set_yticks(range(len(rows)), labels=rows)
        ax.spines[:].set_visible(False)
        if annotate:
            fmt = "{:.0%}" if value in _PERCENT_VALUES else "{:.1f}"
            for i in range(len(rows)):
                for j in range(len(themes)):
                    v = vals[i, j]
                    if np.isfinite(v):
                        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize="small",
                                color="white" if v > 0.6 * vmax else "black")
        cbar = fig.colorbar(im, ax=ax, shrink=0.9)
        cbar.set_label(_label(value))
        ax.set_title(title or f"{DOCVAR_NAMES.get(row, row)} × 主题：{_label(value)}")
        return style.finish(fig)


def issue_remedy_bars(mix: pd.DataFrame, *, value: str = "share_sentences", labels: Sequence[str] = ("issue", "remedy"),
                      themes: Sequence[str] | None = None, title: str | None = None, ax=None, font=None):
    """The theme mix of issue vs remedy sentences: a bar per label for each theme.

    ``mix`` is :func:`govtext.themes.theme_mix`; ``value`` is ``share_sentences`` (the share of the
    label's sentences that mention the theme) or ``share_hits`` (the theme's part of the label's hits).
    """
    _need(mix, ["label", "theme", value], "issue_remedy_bars")
    labels = [lb for lb in labels if lb in set(mix["label"])]
    if not labels:
        raise ValueError("issue_remedy_bars: none of the labels is in the table")
    themes = list(themes) if themes is not None else list(dict.fromkeys(mix["theme"]))
    with _Style(font) as style:
        fig, ax = _new_figure((8, 1.2 + 0.42 * len(themes)), ax)
        height = 0.8 / len(labels)
        palette = {"issue": "#d6604d", "remedy": "#4393c3", "other": "#999999"}
        y = np.arange(len(themes))
        for i, lb in enumerate(labels):
            d = mix[mix["label"] == lb].set_index("theme").reindex(themes)
            n = int(d["n_sentences"].max()) if "n_sentences" in d and d["n_sentences"].notna().any() else None
            name = LABEL_NAMES.get(lb, lb) + (f"（{n}句）" if n is not None else "")
            ax.barh(y + (i - (len(labels) - 1) / 2) * height, d[value].fillna(0).astype(float), height=height * 0.95,
                    color=palette.get(lb, _colors(len(labels))[i]), label=name)
        ax.set_yticks(y, labels=themes)
        ax.invert_yaxis()
        ax.set_xlabel(_label(value))
        _percent_axis(ax.xaxis, value)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(loc="lower right", frameon=False, fontsize="small")
        ax.set_title(title or "问题句与改进措施句的主题构成")
        return style.finish(fig)


def keyness_bars(key: pd.DataFrame, *, n: int = 12, measure: str = "chi2", target: str = "目标组",
                 reference: str = "参照组", title: str | None = None, ax=None, font=None):
    """The ``n`` most key terms of the target group (right) and of the reference group (left).

    ``key`` is :func:`govtext.themes.keyness`; ``measure`` is ``chi2`` or ``G2``.
    """
    _need(key, ["term", measure], "keyness_bars")
    top = key[key[measure] > 0].nlargest(n, measure, keep="first")
    bottom = key[key[measure] < 0].nsmallest(n, measure, keep="first")
    data = pd.concat([top, bottom.iloc[::-1]])
    if data.empty:
        raise ValueError("keyness_bars: no term is more frequent in either group")
    with _Style(font) as style:
        fig, ax = _new_figure((8, 1.2 + 0.3 * len(data)), ax)
        y = np.arange(len(data))
        vals = data[measure].astype(float).to_numpy()
        ax.barh(y, vals, color=np.where(vals > 0, "#2166ac", "#b2182b"))
        ax.set_yticks(y, labels=data["term"].astype(str).tolist())
        ax.invert_yaxis()
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel({"chi2": "χ²（带符号：正 = 目标组更常用）", "G2": "对数似然 G²（带符号：正 = 目标组更常用）"}.get(measure, measure))
        from matplotlib.patches import Patch

        ax.legend(handles=[Patch(color="#2166ac", label=f"{target}更常用"), Patch(color="#b2182b", label=f"{reference}更常用")],
                  loc="lower right", frameon=False, fontsize="small")
        ax.grid(axis="x", alpha=0.3)
        ax.set_title(title or f"关键词：{target} 对比 {reference}")
        return style.finish(fig)


def reuse_over_time(reuse_df: pd.DataFrame, *, value: str = "share_near", keys: Sequence[str] | None = None,
                    max_series: int = 4, title: str | None = None, ax=None, font=None):
    """The share of each report's sentences copied or near-copied, over the years.

    ``reuse_df`` is :func:`govtext.themes.reuse`. A solid line per series (``key``) for the comparison
    with its previous report, a dashed one for other issuers' reports; by default the ``max_series``
    series with the most reports.
    """
    _need(reuse_df, ["key", "year", "comparison", value], "reuse_over_time")
    data = reuse_df[reuse_df["year"].notna()]
    if keys is None:
        counts = data.groupby("key")["doc_id"].nunique().sort_values(ascending=False, kind="mergesort")
        keys = [k for k in counts.index if counts[k] >= 2][:max_series] or list(counts.index[:max_series])
    with _Style(font) as style:
        fig, ax = _new_figure((8, 4.5), ax)
        colors = _colors(len(keys))
        for i, k in enumerate(keys):
            for comp, ls in (("previous", "-"), ("other", "--")):
                d = data[(data["key"] == k) & (data["comparison"] == comp)].sort_values("year")
                if d.empty:
                    continue
                ax.plot(d["year"].astype(float), d[value].astype(float), linestyle=ls, marker="o", markersize=4,
                        color=colors[i], label=f"{k}：{COMPARISON_NAMES.get(comp, comp)}")
        _year_axis(ax, data["year"])
        ax.set_xlabel("年份")
        ax.set_ylabel(_label(value))
        _percent_axis(ax.yaxis, value)
        ax.set_ylim(0, 1.05 if value in _PERCENT_VALUES else None)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize="small")
        ax.set_title(title or "文本重复：报告中照抄或近似照抄的句子")
        return style.finish(fig)


# =============================================================================== corpus outputs
def _save(fig, path: Path, dpi: int) -> Path:
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None}))


def _save_csv(frame: pd.DataFrame, path: Path) -> Path:
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8"))


def _inputs(source, docs_or_out, out_dir, dictionary):
    """(corpus or None, document measures, docs, out_dir) from either calling form."""
    from . import themes as th

    if th._is_corpus(source):
        if out_dir is not None:
            raise TypeError("call write_figures(corpus, out_dir) or write_figures(measures, docs, out_dir)")
        return source, th.document_measures(source, dictionary), source.docs, Path(docs_or_out)
    if isinstance(source, pd.DataFrame) and isinstance(docs_or_out, pd.DataFrame) and out_dir is not None:
        return None, source, docs_or_out, Path(out_dir)
    raise TypeError("call write_figures(corpus, out_dir) or write_figures(measures, docs, out_dir) with "
                    "measures from govtext.themes.document_measures and the documents table")


def _analyses(measures: pd.DataFrame, docs: pd.DataFrame, corpus=None, dictionary=None) -> dict:
    """The tables behind the figures: name → (DataFrame, figure function, kwargs, caption)."""
    from . import themes as th

    docs = docs.assign(series=docs["issuer"].map(th.series_key))
    out: dict = {}
    if measures.empty:
        return out
    m = measures[measures["doc_id"].isin(docs["doc_id"])]
    by_year = th.panel(m, docs, by=["year"])
    by_year = by_year[by_year["year"].notna()]
    if not by_year.empty:
        out["themes_by_year"] = (by_year, theme_trends, {}, "每年各主题每千字命中次数（全部报告合计）")
    by_province = th.panel(m, docs, by=["province"])
    if not by_province.empty:
        out["themes_by_province"] = (by_province, theme_heatmap, {"row": "province"},
                                     "各省份各主题每千字命中次数（全部报告合计）")
    mix = th.mix_from_measures(m)
    if not mix.empty and (mix["n_sentences"] > 0).any():
        out["themes_issue_remedy"] = (mix, issue_remedy_bars, {}, "问题句与改进措施句中提及各主题的句子比例")
    if corpus is None:  # keyness and reuse need the texts
        return out
    years = sorted(int(y) for y in docs["year"].dropna().unique())
    if len(years) >= 2:
        dtm = th.dtm(corpus, dictionary)
        target = dtm.rows["year"].eq(years[-1]).fillna(False).to_numpy(dtype=bool)
        if target.any() and (~target).any() and dtm.shape[1]:
            k = th.keyness(dtm, target)
            span = f"{years[0]}–{years[-2]}年" if len(years) > 2 else f"{years[0]}年"
            out["keyness_latest_year"] = (k, keyness_bars, {"target": f"{years[-1]}年", "reference": span},
                                          f"{years[-1]}年报告对比{span}报告的关键词（χ²）")
    r = th.reuse(corpus.sentences(), docs, key="series")
    if not r.empty:
        out["reuse_by_year"] = (r, reuse_over_time, {},
                                "每份报告中与本机关上一份报告或其他机关报告重复、近似重复的句子比例")
    return out


FIGURE_PREFIX = "fig_"


def write_figures(source, docs_or_out, out_dir=None, *, dictionary=None, dpi: int = 150, font=None) -> list[Path]:
    """Write the key figures as PNG (``fig_<name>.png``), each with the numbers behind it (``fig_<name>.csv``).

    Two ways to call it:

    * ``write_figures(corpus, out_dir)`` — every figure the corpus allows;
    * ``write_figures(measures, docs, out_dir)`` — from :func:`govtext.themes.document_measures`
      (concatenated over chunks of a large corpus) and the documents table: the figures that need
      no texts.

    Figures: ``themes_by_year``, ``themes_by_province``, ``themes_issue_remedy`` (when the sentences
    are tagged), ``keyness_latest_year`` (with a corpus of two years or more: the latest year against
    the others) and ``reuse_by_year`` (with a corpus). Returns the PNG paths, in that order. Files are
    written atomically.
    """
    corpus, measures, docs, out_dir = _inputs(source, docs_or_out, out_dir, dictionary)
    written = []
    for name, (table, func, kwargs, _caption) in _analyses(measures, docs, corpus, dictionary).items():
        fig = func(table, font=font, **kwargs)
        written.append(_save(fig, out_dir / f"{FIGURE_PREFIX}{name}.png", dpi))
        _save_csv(table, out_dir / f"{FIGURE_PREFIX}{name}.csv")
    return written


def write_summary(source, docs_or_out, out_dir=None, *, figures: Sequence[str | os.PathLike] | None = None,
                  dictionary=None, name: str = "summary.html") -> Path:
    """A short HTML page (``summary.html``): the corpus in numbers, the theme dictionary, each figure with
    its caption and the main numbers behind it. Called like :func:`write_figures`; ``figures`` are the
    PNGs it returned (made now if not given), linked by relative path. Deterministic: no dates or timings.
    """
    from . import __version__
    from . import themes as th

    corpus, measures, docs, out_dir = _inputs(source, docs_or_out, out_dir, dictionary)
    if figures is None:
        figures = write_figures(measures if corpus is None else corpus, docs if corpus is None else out_dir,
                                out_dir if corpus is None else None, dictionary=dictionary)
    figures = [Path(f) for f in figures]
    tables = _analyses(measures, docs, corpus, dictionary)
    d = th.load_dictionary(dictionary)
    years = sorted(int(y) for y in docs["year"].dropna().unique())
    e = html.escape
    n_errors = f"；无法读取的文件 {len(corpus.errors)} 个" if corpus is not None else ""
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        "<title>govtext 主题分析摘要</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;font-size:90%;margin:.5em 0 1.5em}"
        "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}th{background:#f4f4f4}"
        "td:first-child,th:first-child{text-align:left}img{max-width:100%}</style></head><body>",
        "<h1>govtext 主题分析摘要</h1>",
        "<ul>",
        f"<li>报告 {len(docs)} 份{n_errors}</li>",
        f"<li>年份：{e(f'{years[0]}–{years[-1]}') if years else '（未知）'}；"
        f"发布机关 {docs['issuer'].nunique()} 个；省份："
        f"{e('、'.join(sorted(docs['province'].dropna().astype(str).unique())) or '（未知）')}</li>",
        f"<li>主题词典：{e(d.name)} {e(d.version)}（{len(d.themes)} 个主题，{len(d)} 个词条，sha256 {e(d.sha256[:16])}…）；"
        "每千字命中次数 = 主题词命中次数 ÷ 正文字数（不含统计表）× 1000</li>",
        f"<li>govtext {e(__version__)}</li>",
        "</ul>",
    ]
    by_name = {f.stem.removeprefix(FIGURE_PREFIX): f for f in figures}
    for key, (table, _func, _kw, caption) in tables.items():
        parts.append(f"<h2>{e(caption)}</h2>")
        if key in by_name:
            rel = os.path.relpath(by_name[key], out_dir).replace(os.sep, "/")
            parts.append(f'<p><img src="{e(rel)}" alt="{e(caption)}"></p>')
        parts.append(_summary_table(key, table))
    parts.append("</body></html>")
    text = "\n".join(parts) + "\n"
    return atomic_write(out_dir / name, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def _summary_table(key: str, table: pd.DataFrame) -> str:
    """The numbers behind a figure, short enough for the page (the full table is the CSV beside it)."""
    themes = list(dict.fromkeys(table["theme"])) if "theme" in table else []
    if key in ("themes_by_year", "themes_by_province"):
        row = "year" if key == "themes_by_year" else "province"
        data = table.assign(_row=_names(table[row]) if row == "province" else table[row].astype(int))
        t = data.pivot_table(index="_row", columns="theme", values="per_1k", sort=False).round(1)[themes]
        t.insert(0, "报告数", data.groupby("_row", sort=False)["n_docs"].max())
        t.index.name = DOCVAR_NAMES[row]
    elif key == "themes_issue_remedy":
        t = table.pivot_table(index="theme", columns="label", values="share_sentences", sort=False)
        t = (100 * t).round(1).rename(columns=lambda c: LABEL_NAMES.get(c, c) + " %").reindex(themes)
        t.index.name = "主题"
    elif key == "keyness_latest_year":
        t = pd.concat([table.head(10), table.tail(10)]).set_index("term")[["n_target", "n_reference", "chi2"]].round(1)
        t.index.name = "词"
    elif key == "reuse_by_year":
        t = table[table["comparison"] == "previous"].set_index("doc_id")[
            ["key", "year", "source_doc_id", "n_sentences", "share_near"]].copy()
        t["share_near"] = (100 * t["share_near"]).round(1)
        t = t.rename(columns={"share_near": "share_near %"})
    else:
        t = table.head(20)
    t.columns.name = None
    return t.to_html(border=0, na_rep="", escape=True)
