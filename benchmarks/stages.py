"""Per-document cost of each pipeline stage, as a ratio to raw ``jieba.lcut`` on the same texts, in one run.

    python benchmarks/stages.py --n 200        # synthetic reports (see synthetic.py)

Each stage is timed on every report in turn (one process, everything loaded first), then raw jieba
over the same normalised texts; the one-off setup (dictionaries, gazetteer, indexes) is timed apart.
Shared machines are noisy: compare ratios from the same run, never absolute times.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=200, help="number of synthetic reports")
    args = ap.parse_args()

    import jieba

    from govtext import corpus as C
    from govtext.docvars import extract_docvars
    from govtext.io import read_file
    from govtext.normalize import normalize_text
    from govtext.sections import find_sections, find_subsections
    from govtext.sentences import split_sentences
    from govtext.spam import strip_spam
    from synthetic import make_corpus

    spent: dict[str, float] = defaultdict(float)

    def timed(name, f, *a):
        t = time.perf_counter()
        out = f(*a)
        spent[name] += time.perf_counter() - t
        return out

    with tempfile.TemporaryDirectory() as tmp:
        files = make_corpus(Path(tmp), args.n)
        t = time.perf_counter()
        C._warm_up(C.ANALYSES)
        setup = time.perf_counter() - t
        jieba.setLogLevel(60)
        jieba.initialize()
        tok = C._default_tokenizer()
        texts = []
        for i, path in enumerate(files):
            raw = timed("read", read_file, path)
            clean, _ = timed("spam", strip_spam, raw.text)
            text = timed("normalise", normalize_text, clean)
            docvars = timed("docvars", extract_docvars, text, raw.meta)
            sections = timed("sections", find_sections, text)
            subs = timed("sections", lambda: [s for sec in sections for s in find_subsections(text, sec)])
            sentences = timed("sentences", split_sentences, text, sections, subs)
            d = C.Document(str(i), str(path), text, raw.sha256, raw.format, docvars, sections, subs, sentences)
            for name in ("tables", "counts", "checks", "tags"):
                compute, columns, settings = C._stage_spec(name)
                timed(name, C._doc_stage, d, name, compute, settings, None, columns)
            timed("tokens (segmentation + rows)", C._tokens_of, d, tok)
            texts.append(text)
    t = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    raw = time.perf_counter() - t
    print(f"{len(texts)} reports, {sum(map(len, texts))} characters; raw jieba.lcut = 1.00")
    for name, s in spent.items():
        print(f"  {name:<30} {s / raw:5.2f}")
    print(f"  {'(all per-document stages)':<30} {sum(spent.values()) / raw:5.2f}")
    print(f"one-off setup in this process (dictionaries, gazetteer, indexes): {setup / raw:.2f}")


if __name__ == "__main__":
    main()
