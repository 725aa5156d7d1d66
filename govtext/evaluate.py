"""Measure a sentence tagger against gold labels, so a researcher can report its validity.

:func:`evaluate` compares gold and predicted labels: confusion matrix, per-label
precision / recall / F1 / support, macro-F1 and accuracy. :func:`cross_validate`
runs grouped k-fold cross-validation (scikit-learn ``GroupKFold``, groups = the
report a sentence comes from by default), so a model is never trained and tested on
sentences of the same report; ``benchmarks/tagger_cv.py`` prints it for the shipped
labelled set.

>>> r = evaluate(["issue", "remedy", "other", "other"], ["issue", "other", "other", "other"])
>>> round(r["macro_f1"], 3), float(r["per_label"].loc["remedy", "recall"])
(0.6, 0.0)
>>> int(r["confusion"].loc["remedy", "other"])   # rows = gold, columns = predicted
1
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

__all__ = ["evaluate", "cross_validate", "format_report", "DEFAULT_LABELS"]

DEFAULT_LABELS = ("issue", "remedy", "other")


def evaluate(gold: Sequence[str], predicted: Sequence[str], labels: Sequence[str] = DEFAULT_LABELS) -> dict:
    """Confusion matrix and per-label scores of ``predicted`` against ``gold``.

    Returns a dict: ``confusion`` (DataFrame, rows = gold ``gold:*`` labels, columns =
    predicted), ``per_label`` (DataFrame indexed by label: precision, recall, f1,
    support), ``macro_f1`` (mean F1 over ``labels``), ``accuracy`` and ``n``. A label
    never predicted has precision 0 (and F1 0 unless it has no support either, in
    which case its F1 is 1: nothing to find, nothing wrongly found).
    """
    g = np.asarray([str(x) for x in gold], dtype=object)
    p = np.asarray([str(x) for x in predicted], dtype=object)
    if len(g) != len(p):
        raise ValueError(f"{len(g)} gold labels but {len(p)} predictions")
    labels = list(labels)
    extra = sorted((set(g) | set(p)) - set(labels))
    if extra:
        raise ValueError(f"labels {extra} are not in {labels}")
    conf = pd.DataFrame(0, index=pd.Index(labels, name="gold"), columns=pd.Index(labels, name="predicted"))
    for a, b in zip(g, p):
        conf.loc[a, b] += 1
    rows = []
    for lab in labels:
        tp = int(conf.loc[lab, lab])
        pred_n = int(conf[lab].sum())
        gold_n = int(conf.loc[lab].sum())
        prec = tp / pred_n if pred_n else (1.0 if gold_n == 0 else 0.0)
        rec = tp / gold_n if gold_n else (1.0 if pred_n == 0 else 0.0)
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        rows.append({"label": lab, "precision": prec, "recall": rec, "f1": f1, "support": gold_n})
    per = pd.DataFrame(rows).set_index("label")
    n = len(g)
    return {
        "confusion": conf,
        "per_label": per,
        "macro_f1": float(per["f1"].mean()),
        "accuracy": float((g == p).mean()) if n else float("nan"),
        "n": n,
    }


def cross_validate(sentences: pd.DataFrame, labels: Sequence[str], make_tagger: Callable[[], object],
                   groups: Sequence | None = None, n_splits: int = 5) -> dict:
    """Grouped k-fold cross-validation of a tagger.

    ``make_tagger()`` returns a fresh object with ``fit(sentences, labels)`` and
    ``predict(sentences)``. ``groups`` defaults to ``sentences["doc_id"]`` (one group
    per report). Every sentence is predicted once, by a model that saw no sentence
    of its group. Returns :func:`evaluate`'s dict plus ``predicted`` (a Series aligned
    with ``sentences``), ``fold`` and ``per_fold`` (macro-F1 of each fold).
    """
    from sklearn.model_selection import GroupKFold

    y = np.asarray([str(v) for v in labels], dtype=object)
    if groups is None:
        groups = sentences["doc_id"].to_numpy()
    groups = np.asarray(groups)
    pred = np.empty(len(y), dtype=object)
    fold = np.zeros(len(y), dtype=int)
    per_fold = []
    for k, (tr, te) in enumerate(GroupKFold(n_splits=n_splits).split(np.zeros(len(y)), y, groups)):
        model = make_tagger()
        model.fit(sentences.iloc[tr], y[tr])
        pred[te] = model.predict(sentences.iloc[te])
        fold[te] = k
        per_fold.append(evaluate(y[te], pred[te])["macro_f1"])
    out = evaluate(y, pred)
    out["predicted"] = pd.Series(pred, index=sentences.index)
    out["fold"] = pd.Series(fold, index=sentences.index)
    out["per_fold"] = per_fold
    return out


def format_report(result: dict, title: str = "") -> str:
    """A plain-text block: per-label P/R/F1, macro-F1, accuracy, the confusion matrix."""
    per = result["per_label"]
    lines = [title] if title else []
    lines.append(f"{'label':<8}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}")
    for lab, r in per.iterrows():
        lines.append(f"{lab:<8}{r['precision']:>10.3f}{r['recall']:>8.3f}{r['f1']:>8.3f}{int(r['support']):>9d}")
    lines.append(f"macro-F1 {result['macro_f1']:.3f}   accuracy {result['accuracy']:.3f}   n={result['n']}")
    if "per_fold" in result:
        lines.append("per fold macro-F1: " + " ".join(f"{v:.3f}" for v in result["per_fold"]))
    conf = result["confusion"]
    lines.append("confusion (rows gold, columns predicted):")
    lines.append(" " * 8 + "".join(f"{c:>8}" for c in conf.columns))
    for lab, r in conf.iterrows():
        lines.append(f"{lab:<8}" + "".join(f"{int(v):>8d}" for v in r))
    return "\n".join(lines)
