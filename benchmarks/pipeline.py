"""Benchmark: the full govtext pipeline against raw ``jieba.lcut`` on the same texts, in the same run.

    python benchmarks/pipeline.py --n 1000            # prints a table, writes benchmarks/results.json

Configurations (each in its own process, so peak RSS is its own):
  default   jieba backend, 1 process
  nomemo    the default with the tokenizer's clause memo off: every clause segmented afresh, as
            in a corpus where no clause repeats (the synthetic corpus repeats far more than real ones)
  fast      rjieba backend (same tokens), 1 process
  workers2  jieba backend, 2 processes
  cold      the default configuration writing a cache
  cached    the default configuration rerun on that warm cache
  stream    the main job (govtext analyze with its defaults, all tables written) on --stream-n reports
            (10,000 by default, a corpus of its own): its peak RSS
Every configuration also times raw ``jieba.lcut`` over the same normalised texts in the same
process right after the pipeline, and reports pipeline time / raw jieba time. Absolute times on
shared machines are noise; the ratios are the figures to quote.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def run_config(folder: str, config: str, cache_dir: str) -> dict:
    """Run one configuration in this process; returns its figures."""
    import jieba

    import govtext
    from govtext.segment import Tokenizer
    from govtext.themes import theme_tokenizer

    if config == "stream":
        return run_stream(folder)
    if config == "nomemo":
        import govtext.segment

        govtext.segment._MEMO_PIECES = 0  # emptied before each clause is stored: only a clause repeated at once hits
    backend = "rjieba" if config == "fast" else "jieba"
    workers = 2 if config == "workers2" else 1
    cache = cache_dir if config in ("cached", "cold") else None
    base = Tokenizer(backend=backend)
    tok = theme_tokenizer(tokenizer=base)  # the corpus's default: domain + theme words, segmented once
    tok.cut("预热")  # dictionary loading is not part of either timing
    jieba.setLogLevel(60)
    jieba.initialize()

    t0 = time.perf_counter()
    # the per-document analyses run in the worker processes (tokens too, with the default backend)
    analyses = ("tables", "counts", "checks", "tags") + (("tokens",) if backend == "jieba" else ())
    corpus = govtext.read_corpus(folder, workers=workers, cache=cache, progress=False, analyses=analyses)
    corpus.tokens(tok)
    stages = {}
    for name in ("tables", "counts", "checks", "tagged", "themes"):
        t = time.perf_counter()
        if name == "themes":
            from govtext.themes import document_measures

            document_measures(corpus, tokenizer=base)  # reuses corpus.tokens(tok): no second segmentation
        else:
            getattr(corpus, name)()
        stages[name] = time.perf_counter() - t
    pipeline = time.perf_counter() - t0

    texts = [corpus.text(d) for d in corpus.doc_ids]
    t1 = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    raw = time.perf_counter() - t1
    chars = sum(len(t) for t in texts)
    return {"config": config, "documents": len(corpus), "errors": len(corpus.errors), "chars": chars,
            "pipeline_s": pipeline, "raw_jieba_s": raw, "ratio": pipeline / raw,
            "chars_per_s": chars / pipeline, "stage_s": stages,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_stream(folder: str) -> dict:
    """The main job (``govtext analyze`` with its default chunk size, no cache): peak RSS of a streamed run."""
    import jieba

    from govtext.cli import analyze

    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        info = analyze([folder], out, figures=False, progress=False)
        pipeline = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the raw-jieba timing below
        texts = [p.read_text(encoding="utf-8") for p in sorted(Path(out, "texts").rglob("*.txt"))]
    jieba.setLogLevel(60)
    jieba.initialize()
    t1 = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    raw = time.perf_counter() - t1
    chars = sum(len(t) for t in texts)
    return {"config": "stream", "documents": info["outputs"]["documents"], "errors": info["errors"], "chars": chars,
            "pipeline_s": pipeline, "raw_jieba_s": raw, "ratio": pipeline / raw, "chars_per_s": chars / pipeline,
            "stage_s": {}, "peak_rss_mb": peak}


def repeated_share(texts: list[str]) -> float:
    """Share of the characters to segment that lie in a clause (a piece between the separators the
    tokenizer cuts at) already met earlier in ``texts``: what the tokenizer's memo saves."""
    from govtext.segment import _SEPARATOR

    seen: set[str] = set()
    total = again = 0
    for text in texts:
        for piece in _SEPARATOR.split(text)[::2]:
            total += len(piece)
            if piece in seen:
                again += len(piece)
            seen.add(piece)
    return again / total if total else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="number of synthetic reports")
    ap.add_argument("--configs", default="default,nomemo,fast,workers2,cold,cached,stream")
    ap.add_argument("--stream-n", type=int, default=10000, help="reports in the streamed main job's corpus")
    ap.add_argument("--json", default=str(HERE / "results.json"))
    ap.add_argument("--_child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args._child:
        print(json.dumps(run_config(*args._child)))
        return
    from synthetic import make_corpus, source_texts

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "reports"
        make_corpus(folder, args.n)
        folder_texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
        cache_dir = str(Path(tmp) / "cache")
        rows = []
        for config in args.configs.split(","):
            source = folder
            if config == "stream" and args.stream_n != args.n:
                source = Path(tmp) / "stream"
                make_corpus(source, args.stream_n)
            res = subprocess.run([sys.executable, __file__, "--_child", str(source), config, cache_dir],
                                 capture_output=True, text=True, check=True)
            rows.append(json.loads(res.stdout.strip().splitlines()[-1]))
    default = next((r for r in rows if r["config"] == "default"), rows[0])
    cold = next((r for r in rows if r["config"] == "cold"), None)
    print(f"{'config':<9} {'docs':>5} {'pipeline/raw jieba':>19} {'chars/s':>10} {'peak RSS MB':>12}  speed-up vs default")
    for r in rows:
        print(f"{r['config']:<9} {r['documents']:>5} {r['ratio']:>19.2f} {r['chars_per_s']:>10.0f} "
              f"{r['peak_rss_mb']:>12.0f}  {default['pipeline_s'] / r['pipeline_s']:.2f}x")
    if cold:
        cached = next(r for r in rows if r["config"] == "cached")
        print(f"warm-cache rerun / cold run: {cached['pipeline_s'] / cold['pipeline_s']:.3f}")
    print("stage seconds (default):", {k: round(v, 2) for k, v in default["stage_s"].items()})
    repeated = {"synthetic": repeated_share(folder_texts), "real": repeated_share([t for _, t in source_texts()])}
    print(f"characters in clauses seen before (segmented once, then remembered): "
          f"{repeated['synthetic']:.0%} of this synthetic corpus, {repeated['real']:.0%} of the "
          f"{len(source_texts())} distinct real reports it is made from")
    import subprocess as sp

    t = sp.run([sys.executable, "-X", "importtime", "-c", "import govtext"], capture_output=True, text=True)
    total_us = int(t.stderr.strip().splitlines()[-1].split("|")[1])
    print(f"import govtext: {total_us / 1e6:.2f} s (python -X importtime)")
    Path(args.json).write_text(json.dumps({"configs": rows, "repeated_clause_share": repeated}, indent=2),
                               encoding="utf-8")


if __name__ == "__main__":
    main()
