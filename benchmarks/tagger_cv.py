"""Cross-validation of the issue/remedy sentence taggers on the shipped labelled set.

Run from the repository root:

    .venv/bin/python benchmarks/tagger_cv.py [--folds 5] [--labels data/labels/sentences.tsv]

Prints per-label precision / recall / F1 and macro-F1 of the rule tagger, the
learned tagger (character n-grams + rule features), a text-only learned baseline
and the combination (mean of rule and learned probabilities), under GroupKFold by
report (``source``): no model is trained and tested on sentences of the same report.
Scores are given on all rows and on the rows from real reports only (without the
``constructed`` sentences). A second, stricter split groups reports that share
sentences (平潭's reused templates) into one family.

The rule tagger is not fitted, so its "cross-validated" score is simply its score on
the set; its lexicons were written while reading these same reports, so read that
number as an upper bound, and the learned/combined numbers as the held-out ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from govtext.evaluate import cross_validate, evaluate, format_report  # noqa: E402
from govtext.tagging import (CombinedTagger, LearnedTagger, RuleTagger, labelled_to_sentences,  # noqa: E402
                             load_labels)


def families(labelled) -> np.ndarray:
    """Merge reports that share three or more identical sentences (15+ characters) into one group."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    real = labelled[(labelled["source"] != "constructed") & (labelled["text"].str.len() >= 15)]
    shared: dict[tuple[str, str], int] = {}
    for _, grp in real.groupby("text"):
        srcs = sorted(grp["source"].unique())
        for i, a in enumerate(srcs):
            for b in srcs[i + 1:]:
                shared[(a, b)] = shared.get((a, b), 0) + 1
    for (a, b), n in shared.items():
        if n >= 3:  # a reused template, not a shared stock phrase
            parent[find(b)] = find(a)
    return np.array([find(s) if s != "constructed" else s for s in labelled["source"]])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", default=str(ROOT / "data" / "labels" / "sentences.tsv"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--save-model", metavar="PATH",
                    help="also train a LearnedTagger on all rows and save it (the shipped model is "
                         "govtext/resources/tagger_model.json)")
    args = ap.parse_args(argv)

    labelled = load_labels(args.labels)
    sents = labelled_to_sentences(labelled)
    y = labelled["label"].to_numpy()
    real = (labelled["source"] != "constructed").to_numpy()
    print(f"{len(labelled)} labelled sentences from {labelled['source'].nunique()} sources "
          f"({int(real.sum())} from real reports); labels: "
          + ", ".join(f"{k} {v}" for k, v in labelled["label"].value_counts().items()))

    taggers = {
        "rules": RuleTagger,
        "learned (char 1-3 + rules)": LearnedTagger,
        "learned text-only (char 1-3)": lambda: LearnedTagger(rules=False),
        "combined (mean of rules, learned)": CombinedTagger,
    }
    summary = []
    for split_name, groups in (("GroupKFold by report", labelled["source"].to_numpy()),
                               ("GroupKFold by report family", families(labelled))):
        print(f"\n===== {split_name}: {len(set(groups))} groups, {args.folds} folds")
        for name, make in taggers.items():
            t0 = time.perf_counter()
            res = cross_validate(sents, y, make, groups=groups, n_splits=args.folds)
            secs = time.perf_counter() - t0
            res_real = evaluate(y[real], res["predicted"].to_numpy()[real])
            print(f"\n--- {name}  ({secs:.1f} s)")
            print(format_report(res, "all rows:"))
            print(format_report(res_real, "real-report rows only:"))
            summary.append((split_name, name, res["macro_f1"], res_real["macro_f1"]))
    if args.save_model:
        import hashlib

        model = LearnedTagger().fit(sents, y)
        raw = Path(args.labels).read_bytes()
        try:
            shown = str(Path(args.labels).resolve().relative_to(ROOT))
        except ValueError:
            shown = Path(args.labels).name
        model.meta_["labels_file"] = {"path": shown, "sha256": hashlib.sha256(raw).hexdigest()}
        print(f"\nsaved {model.save(args.save_model)} ({Path(args.save_model).stat().st_size // 1024} KiB)")
    print("\n===== summary (macro-F1)")
    print(f"{'split':<30}{'tagger':<36}{'all':>7}{'real':>7}")
    for split_name, name, a, r in summary:
        print(f"{split_name:<30}{name:<36}{a:>7.3f}{r:>7.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
