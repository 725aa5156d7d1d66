"""Command line: ``govtext analyze PATH... --out DIR``.

Writes, into DIR: ``documents.csv``, ``sections.csv``, ``subsections.csv``,
``sentences.csv``, ``errors.csv`` (and the tables, counts, checks, tags the
installed modules provide), ``texts/<doc_id>.txt`` (the normalised texts every
offset refers to) and ``manifest.json``. Columns are documented in
``govtext/resources/codebook.tsv``. Each file is written to a temporary name
and renamed when complete, so a killed run never leaves a half-written CSV.

Exit status: 0 on success (bad input files are rows of errors.csv, not
failures), 2 on a usage error (no such path, bad option).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["main", "analyze"]


# tables written for every chunk of documents, in this order; each is optional when its module fails
_CHUNK_TABLES = ("sections", "subsections", "sentences", "tables", "counts", "rates", "pairs")
# what check_across_years reads of the cells (kept from every chunk; the rest is written and let go)
_ACROSS_YEAR_COLUMNS = ["doc_id", "table", "row", "column", "regime", "value", "status"]


def _chunk_frames(corpus):
    """The per-document tables of one chunk, as ``(name, frame)``; each is let go once the next is made
    (the caller writes it in between), so a chunk never holds all its tables at once."""
    for name, make in (("sections", corpus.sections), ("subsections", corpus.subsections),
                       ("sentences", corpus.tagged), ("pairs", corpus.pairs), ("tables", corpus.tables),
                       ("rates", corpus.rates), ("counts", corpus.counts), ("checks", corpus.checks_within)):
        yield name, make()
        if name not in ("sentences", "tables"):  # the tagged sentences feed pairs; the cells feed rates
            corpus.clear()


def analyze(paths, out: str | Path, *, docvars=None, pattern: str | None = None, workers: int = 1,
            engine: str = "local", cache: str | Path | None = None, max_bytes: int = 50 * 1024 * 1024,
            max_seconds: float | None = 300.0,
            formats=("csv",), chunk_size: int = 250, figures: bool = True, progress: bool | None = None) -> dict:
    """The main job: read every report under ``paths`` and write all tables to ``out``.

    Documents are processed ``chunk_size`` at a time and each table is streamed to disk, so memory
    stays flat on large corpora. Returns the manifest (also written as ``manifest.json``).
    """
    import pandas as pd

    from .checks import ACROSS_YEAR_ROWS
    from .corpus import ANALYSES, Corpus, corpus_files, corpus_from_files, manifest
    from .outputs import TableWriter, atomic_write, write_table

    out = Path(out)
    (out / "texts").mkdir(parents=True, exist_ok=True)
    pairs = corpus_files(paths)
    writers = {name: TableWriter(out, name, formats) for name in (*_CHUNK_TABLES, "checks")}
    docs, errors, year_cells, theme_rows = [], [], [], []
    chunks = range(0, max(len(pairs), 1), chunk_size)
    seen: dict[str, str] = {}  # sha256 -> first doc_id, across chunks: duplicates are analysed once
    corpus = None
    try:
        for i in chunks:
            corpus = None  # let the previous chunk go before the next is read
            corpus = corpus_from_files(pairs[i:i + chunk_size], docvars=docvars, pattern=pattern, workers=workers,
                                       engine=engine, cache=cache, max_bytes=max_bytes, max_seconds=max_seconds,
                                       progress=progress, seen_sha256=seen, analyses=ANALYSES)
            docs.append(corpus.docs)
            errors.append(corpus.errors)
            theme_rows.append(_theme_measures(corpus))  # first: the tokens are let go right after
            corpus.clear()
            for name, df in _chunk_frames(corpus):
                writers[name].append(df)
                if name == "tables":
                    kept = df.loc[df["row"].isin(ACROSS_YEAR_ROWS), _ACROSS_YEAR_COLUMNS]
                    # Arrow strings: compact, where Python str objects would pile up over thousands of reports
                    year_cells.append(kept.astype({c: "str" for c in _ACROSS_YEAR_COLUMNS if c != "value"}))
                del df
            for doc_id in corpus.doc_ids:
                target = out / "texts" / f"{doc_id}.txt"
                target.parent.mkdir(parents=True, exist_ok=True)
                text = corpus.text(doc_id)
                atomic_write(target, lambda p, t=text: p.write_text(t, encoding="utf-8"))
        all_docs = Corpus.mark_duplicates(pd.concat(docs, ignore_index=True))
        from .checks import check_across_years

        across = check_across_years(pd.concat(year_cells, ignore_index=True), all_docs)
        if across is not None and len(across):
            writers["checks"].append(across)
    except BaseException:  # failed or interrupted: keep the previous complete outputs, publish nothing partial
        for w in writers.values():
            w.abort()
        raise
    for w in writers.values():
        w.close()
    write_table(all_docs, out, "documents", formats)
    errors_df = pd.concat(errors, ignore_index=True)
    write_table(errors_df, out, "errors", formats)
    themes = pd.concat(theme_rows, ignore_index=True)
    write_table(themes, out, "themes", formats)
    figure_paths = []
    if figures and len(all_docs):
        from .plot import write_figures, write_summary

        # one chunk: the figures that need the texts too (keyness, reuse); else those from the measures
        source = (corpus, out) if len(chunks) == 1 else (themes, all_docs, out)
        figure_paths = write_figures(*source)
        figure_paths.append(write_summary(*source, figures=figure_paths))
    from .themes import load_dictionary

    info = manifest()
    info["theme_dictionary"] = load_dictionary().manifest()
    info["inputs"] = dict(zip(all_docs["path"], all_docs["sha256"]))
    info["errors"] = len(errors_df)
    info["outputs"] = {name: w.rows for name, w in writers.items()} | {"documents": len(all_docs)}
    info["figures"] = [str(p.relative_to(out)) for p in figure_paths]
    atomic_write(out / "manifest.json",
                 lambda p: p.write_text(json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True),
                                        encoding="utf-8"))
    info["_errors"] = errors_df
    return info


def _theme_measures(corpus, batch: int = 100):
    """Theme measures per document, ``batch`` documents at a time: they are per document, and the
    tokens of a few hundred reports at once would set the main job's peak memory."""
    import pandas as pd

    from .themes import document_measures

    ids = corpus.doc_ids
    parts = [document_measures(corpus.subset(ids[i:i + batch])) for i in range(0, len(ids), batch)]
    return pd.concat(parts, ignore_index=True) if parts else document_measures(corpus)


def _analyze(args) -> int:
    for p in args.paths:
        if not Path(p).exists() and not any(ch in p for ch in "*?["):
            print(f"govtext: no such file or folder: {p}", file=sys.stderr)
            return 2
    try:
        info = analyze(args.paths, args.out, docvars=args.docvars, pattern=args.pattern, workers=args.workers,
                       engine=args.engine, cache=None if args.no_cache else (args.cache or Path(args.out) / ".cache"),
                       max_bytes=int(args.max_mb * 1024 * 1024), max_seconds=args.max_seconds or None,
                       formats=tuple(args.format.split(",")),
                       chunk_size=args.chunk_size, figures=not args.no_figures,
                       progress=False if args.quiet else None)
    except (FileNotFoundError, ValueError) as exc:
        print(f"govtext: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        errors = info.pop("_errors")
        print(f"govtext {info['govtext_version']}: {info['outputs']['documents']} documents, "
              f"{len(errors)} errors -> {args.out}")
        for row in errors.itertuples():
            print(f"  error: {row.path}: [{row.stage}] {row.reason}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="govtext", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command")
    a = sub.add_parser("analyze", help="analyse reports and write tidy CSV tables")
    a.add_argument("paths", nargs="+", help="report files, folders (searched recursively) or globs")
    a.add_argument("--out", required=True, help="output folder (created if needed)")
    a.add_argument("--docvars", help="CSV with a 'file' (or 'doc_id') column whose other columns override docvars")
    a.add_argument("--pattern", help="regex with named groups read from file names, e.g. '(?P<year>\\d{4})'")
    a.add_argument("--workers", type=int, default=1, help="processes to use (default 1)")
    a.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local processes, or dask (uses the active dask.distributed client)")
    a.add_argument("--cache", help="cache folder (default OUT/.cache): reruns on unchanged files are instant")
    a.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    a.add_argument("--format", default="csv", help="comma-separated output formats: csv, parquet, dta")
    a.add_argument("--chunk-size", type=int, default=250, help="documents held in memory at once")
    a.add_argument("--no-figures", action="store_true", help="skip the PNG figures and HTML summary")
    a.add_argument("--max-mb", type=float, default=50, help="skip files larger than this, with an error row")
    a.add_argument("--max-seconds", type=float, default=300,
                   help="give up on a file after this many seconds, with an error row (0 = no limit)")
    a.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.version:
        from . import __version__

        print(__version__)
        return 0
    if args.command == "analyze":
        return _analyze(args)
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
