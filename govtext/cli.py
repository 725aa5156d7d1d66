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
import hashlib
import json
import os
import sys
from pathlib import Path

__all__ = ["main", "write_outputs"]


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _write_csv(df, path: Path) -> None:
    _atomic_write(path, lambda p: df.to_csv(p, index=False, encoding="utf-8", lineterminator="\n"))


def write_outputs(corpus, out: str | Path, extra_tables: dict | None = None) -> dict:
    """Write a corpus's tables, texts and manifest to ``out``; returns the manifest."""
    from .corpus import manifest

    out = Path(out)
    (out / "texts").mkdir(parents=True, exist_ok=True)
    tables = {
        "documents": corpus.docs,
        "sections": corpus.sections(),
        "subsections": corpus.subsections(),
        "sentences": corpus.sentences(),
        "errors": corpus.errors,
        **(extra_tables or {}),
    }
    for name, df in tables.items():
        _write_csv(df, out / f"{name}.csv")
    for doc_id in corpus.doc_ids:
        target = out / "texts" / f"{doc_id}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        text = corpus.text(doc_id)
        _atomic_write(target, lambda p, t=text: p.write_text(t, encoding="utf-8"))
    info = manifest()
    info["inputs"] = {row.path: row.sha256 for row in corpus.docs.itertuples()}
    info["errors"] = len(corpus.errors)
    info["outputs"] = {name: len(df) for name, df in tables.items()}
    info["texts_sha256"] = hashlib.sha256(
        "".join(corpus.text(d) for d in sorted(corpus.doc_ids)).encode()).hexdigest()
    _atomic_write(out / "manifest.json",
                  lambda p: p.write_text(json.dumps(info, ensure_ascii=False, indent=2, sort_keys=True),
                                         encoding="utf-8"))
    return info


def _analyze(args) -> int:
    from .corpus import read_corpus

    for p in args.paths:
        if not Path(p).exists() and not any(ch in p for ch in "*?["):
            print(f"govtext: no such file or folder: {p}", file=sys.stderr)
            return 2
    try:
        corpus = read_corpus(args.paths, docvars=args.docvars, pattern=args.pattern, workers=args.workers,
                             max_bytes=int(args.max_mb * 1024 * 1024), progress=False if args.quiet else None)
    except (FileNotFoundError, ValueError) as exc:
        print(f"govtext: {exc}", file=sys.stderr)
        return 2
    info = write_outputs(corpus, args.out)
    if not args.quiet:
        print(f"govtext {info['govtext_version']}: {len(corpus)} documents, {len(corpus.errors)} errors "
              f"-> {args.out}")
        for row in corpus.errors.itertuples():
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
    a.add_argument("--max-mb", type=float, default=50, help="skip files larger than this, with an error row")
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
