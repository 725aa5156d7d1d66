"""Tag each sentence of a report as ``issue``, ``remedy`` or ``other``, and pair issues with remedies.

Labels (see ``data/labels/GUIDELINE.md``):

* ``issue``  — a problem or shortfall the body admits (存在公开的信息质量不高的问题, 力度不够,
  常规例行检查指导工作偏少, 仍有待提高);
* ``remedy`` — an action promised or planned (一要提高认识, 下一步我局将继续加强…,
  进一步健全完善…考核奖惩制度 under 改进措施);
* ``other``  — achievement, background, boilerplate, headings, table rows. Work done last
  year is ``other`` even when phrased with 进一步, 加强 or 不断 (进一步健全了…制度).

Three taggers, all shaped like scikit-learn estimators (``fit``, ``predict``,
``predict_proba``, ``classes_``):

:class:`RuleTagger`
    Cue lexicons (plain files under ``govtext/resources/``: ``cues_issue.txt``,
    ``cues_remedy.txt``, ``cues_negation.txt``, ``cues_past.txt``, ``cues_context.txt``),
    negation-aware (不断加强, 未发生行政复议, 无不予公开情形 are blanked out before problem
    cues are matched) and context-aware: the （一）/（二） heading a sentence sits under,
    lead-in sentences (存在以下问题： / 将采取以下措施：) and the enumeration runs
    (一是…二是…) that follow them, in section 五 and in any other section.
:class:`LearnedTagger`
    Logistic regression on character 1–3-grams (optionally jieba words) plus the rule
    features. Saved as a plain JSON file (vocabulary, idf, coefficients, the sha256 of
    the training data and of the cue lexicons, the govtext version): nothing is
    unpickled when a model is loaded.
:class:`CombinedTagger`
    The average of the two taggers' probabilities.

``tag_sentences(df)`` uses the ``"default"`` tagger, :data:`DEFAULT_TAGGER`: the one
with the higher macro-F1 in the report-grouped cross-validation of
``benchmarks/tagger_cv.py`` on ``data/labels/sentences.tsv``. Whatever the tagger, the
``cues`` column is the rule evidence (the cue strings that fired, ``neg:`` for a
negation trap, ``past:`` for an achievement marker, ``ctx:`` for context).

>>> import pandas as pd
>>> df = pd.DataFrame({"text": ["一是政策解读形式单一，公开不及时。", "下一步，我局将继续加强培训。",
...                             "我县不断加强组织领导，全年未发生行政复议。"]})
>>> tag_sentences(df, "rules")[["label", "cues"]].values.tolist()
[['issue', '单一；不及时'], ['remedy', '下一步；将继续；加强'], ['other', 'neg:不断；neg:未发生；past:全年']]
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .resources import read_resource_text, resource_path

__all__ = [
    "LABELS", "DEFAULT_TAGGER", "MODEL_RESOURCE", "Cue", "load_cues",
    "RuleTagger", "LearnedTagger", "CombinedTagger", "ModelFileError",
    "tag_sentences", "train", "weak_labels", "labelled_to_sentences", "load_labels",
    "pair_issues", "kwic", "get_tagger",
]

LABELS = ("issue", "remedy", "other")
MODEL_RESOURCE = "tagger_model.json"
MODEL_FORMAT = "govtext.LearnedTagger"
MODEL_FORMAT_VERSION = 1
# Chosen by benchmarks/tagger_cv.py (GroupKFold by report); see the README of the tagger there.
DEFAULT_TAGGER = "combined"
CUE_FILES = ("cues_issue.txt", "cues_remedy.txt", "cues_negation.txt", "cues_past.txt", "cues_context.txt")
SEP = "；"

_GAP = r"[^。；！？!?]{0,30}?"


# =============================================================================== cue lexicons
@dataclass(frozen=True)
class Cue:
    """One line of a cue lexicon: what it says, its compiled pattern, weight and group."""

    text: str
    pattern: re.Pattern
    weight: float = 1.0
    group: str = ""


def _compile_cue(cue: str) -> re.Pattern:
    if cue.startswith("re:"):
        return re.compile(cue[3:])
    parts = [re.escape(p) for p in cue.split("…")]
    return re.compile(_GAP.join(parts))


def _parse_cues(lines: Iterable[str], origin: str) -> tuple[Cue, ...]:
    out: list[Cue] = []
    group = ""
    for n, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if stripped.startswith("##"):
            group = stripped.lstrip("#").strip()
            continue
        if not stripped or stripped.startswith("#"):
            continue
        cue, _, weight = line.partition("\t")
        cue = cue.strip()
        try:
            w = float(weight) if weight.strip() else 1.0
            pattern = _compile_cue(cue)
        except (ValueError, re.error) as exc:
            raise ValueError(f"{origin}, line {n}: bad cue {line!r}: {exc}") from None
        out.append(Cue(cue, pattern, w, group))
    return tuple(out)


@lru_cache(maxsize=None)
def _shipped_cues(name: str) -> tuple[Cue, ...]:
    return _parse_cues(read_resource_text(name).splitlines(), name)


def load_cues(source: str | Path | Iterable[str] | None, default: str) -> tuple[Cue, ...]:
    """Cues from a file path, an iterable of cue lines, or (``None``) the shipped file ``default``.

    >>> [c.text for c in load_cues(["# comment", "不够", "存在…问题\\t2"], "cues_issue.txt")]
    ['不够', '存在…问题']
    """
    if source is None:
        return _shipped_cues(default)
    if isinstance(source, (str, Path)):
        path = Path(source)
        return _parse_cues(path.read_text(encoding="utf-8").splitlines(), str(path))
    return _parse_cues(list(source), "<cue list>")


def _lexicon_sha256() -> dict[str, str]:
    return {name: hashlib.sha256(resource_path(name).read_bytes()).hexdigest() for name in CUE_FILES}


# =============================================================================== input frames
_ENUM = re.compile(
    r"^\s*(?:(?P<cn>[一二三四五六七八九十]{1,3})(?P<kind>[是要、])"
    r"|第(?P<ordinal>[一二三四五六七八九十]{1,3})[，,、]"
    r"|[（(](?P<paren>[一二三四五六七八九十]{1,3}|\d{1,2})[）)]"
    r"|(?P<arabic>\d{1,2})[.、．](?!\d)"
    r"|(?P<word>首先|其次|再次|最后)[，,])"
)
_CN = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}


def _cn_int(s: str) -> int | None:
    if not s or any(c not in _CN for c in s):
        return None
    if len(s) == 1:
        return _CN[s]
    if s[0] == "十":
        return 10 + _CN[s[1]]
    if s[-1] == "十":
        return _CN[s[0]] * 10
    return _CN[s[0]] * 10 + _CN[s[-1]]


def _enum_number(marker: str) -> int | None:
    """The number of an enumeration marker: 二要 → 2, （三） → 3, 4. → 4, '' → None."""
    if not marker:
        return None
    m = _ENUM.match(marker)
    if not m:
        return None
    if m.group("cn"):
        return _cn_int(m.group("cn"))
    if m.group("ordinal"):
        return _cn_int(m.group("ordinal"))
    if m.group("paren"):
        p = m.group("paren")
        return int(p) if p.isdigit() else _cn_int(p)
    if m.group("arabic"):
        return int(m.group("arabic"))
    return {"首先": 1, "其次": 2, "再次": 3}.get(m.group("word"))


def _enum_marker(text: str) -> str:
    m = _ENUM.match(text)
    return m.group(0).strip().rstrip("，,") if m else ""


_COLUMNS = ("doc_id", "sent_id", "section", "subsection", "sub_heading", "enum", "kind", "text")


def _prepare(sentences) -> pd.DataFrame:
    """The columns the taggers read, with defaults for whatever a caller left out.

    Accepts the sentences DataFrame of :func:`govtext.sentences.split_sentences`, a
    DataFrame with only ``text``, or a list/Series of strings (no context: the
    section is unknown, ``""``).
    """
    if isinstance(sentences, pd.DataFrame):
        df = sentences
    else:
        df = pd.DataFrame({"text": list(sentences)})
    if "text" not in df.columns:
        raise ValueError("sentences need a 'text' column")
    n = len(df)
    out = pd.DataFrame(index=df.index)
    out["text"] = df["text"].fillna("").astype(str)
    out["doc_id"] = df["doc_id"].astype(str) if "doc_id" in df else "doc"
    out["sent_id"] = df["sent_id"] if "sent_id" in df else np.arange(n)
    out["section"] = df["section"].fillna("").astype(str) if "section" in df else ""
    if "subsection" in df:
        out["subsection"] = df["subsection"]
    else:
        out["subsection"] = pd.Series([pd.NA] * n, index=df.index, dtype="object")
    out["sub_heading"] = df["sub_heading"].fillna("").astype(str) if "sub_heading" in df else ""
    if "enum" in df:
        out["enum"] = df["enum"].fillna("").astype(str)
    else:
        out["enum"] = [_enum_marker(t) for t in out["text"]]
    out["kind"] = df["kind"].fillna("text").astype(str) if "kind" in df else "text"
    # a section written as 5 / 5.0 / "五" is section "5"
    out["section"] = out["section"].map(_section_id)
    return out


def _section_id(value) -> str:
    s = str(value).strip()
    if s in ("", "nan", "None", "<NA>"):
        return ""
    if re.fullmatch(r"\d+(?:\.0)?", s):
        return str(int(float(s)))
    if s in _CN:
        return str(_CN[s])
    return s


# =============================================================================== rule tagger
@dataclass
class _Lex:
    issue: float
    future: float
    action: float
    past: float
    neg: int
    issue_cues: list[str]
    remedy_cues: list[str]
    past_cues: list[str]
    neg_cues: list[str]


def _find(cues: Sequence[Cue], text: str) -> list[tuple[str, float, int, int]]:
    """(shown cue, weight, start, end) of each cue found, dropping a hit inside a longer one.

    A regular-expression cue is shown as the text it matched; a plain cue as written.
    """
    hits = []
    for cue in cues:
        m = cue.pattern.search(text)
        if m and m.end() > m.start():
            shown = m.group(0) if cue.text.startswith("re:") else cue.text
            hits.append((shown, cue.weight, m.start(), m.end()))
    hits.sort(key=lambda h: (h[2], -(h[3] - h[2])))
    kept: list[tuple[str, float, int, int]] = []
    for h in hits:
        if any(k[2] <= h[2] and h[3] <= k[3] and (k[3] - k[2]) > (h[3] - h[2]) for k in kept):
            continue
        kept.append(h)
    return kept


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = "□"
    return "".join(chars)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_SIGNATURE = re.compile(
    r"^(?:[\u4e00-\u9fff（）]{2,30}(?:人民政府|办公室|办公厅|委员会|管委会|局|委|中心|政府)"
    r"|(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|二[〇○零]\S{2,8}年\S{1,3}月\S{1,4}日"
    r"|附件\S{0,4}|附件下载|(?:政府|政务)?信息公开\S{0,6}统计表)$"
)
_GENERIC_HEADING = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]{1,3}[）)、.．]?\s*)?"
    r"(?:[\u4e00-\u9fff]{0,12}?(?:工作)?(?:存在的?)?(?:主要)?(?:问题|不足)(?:[和及与、](?:改进|整改)(?:情况|措施|方向)?)?"
    r"|[\u4e00-\u9fff]{0,12}?(?:改进|整改)(?:的)?(?:情况|措施|方向|举措)"
    r"|下一步(?:工作)?(?:打算|计划|安排|措施|思路)?)[。：:]?$"
)


class RuleTagger:
    """Cue-lexicon tagger with negation and context (see the module docstring).

    Pass a path or a list of cue lines for any lexicon to override the shipped one.
    ``fit`` does nothing (the rules are not learned); it exists so the tagger fits
    wherever a scikit-learn estimator does.
    """

    classes_ = np.array(LABELS)

    def __init__(self, issue_cues=None, remedy_cues=None, negation_cues=None, past_cues=None,
                 context_cues=None):
        self.issue_cues = issue_cues
        self.remedy_cues = remedy_cues
        self.negation_cues = negation_cues
        self.past_cues = past_cues
        self.context_cues = context_cues
        self._issue = load_cues(issue_cues, "cues_issue.txt")
        remedy = load_cues(remedy_cues, "cues_remedy.txt")
        self._future = tuple(c for c in remedy if c.group != "action")
        self._action = tuple(c for c in remedy if c.group == "action")
        self._neg = load_cues(negation_cues, "cues_negation.txt")
        self._past = load_cues(past_cues, "cues_past.txt")
        ctx = load_cues(context_cues, "cues_context.txt")
        self._ctx = {g: tuple(c for c in ctx if c.group == g)
                     for g in ("issue_heading", "remedy_heading", "issue_heading_5", "remedy_heading_5",
                               "issue_leadin", "remedy_leadin")}

    # -- scikit-learn shape
    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in
                ("issue_cues", "remedy_cues", "negation_cues", "past_cues", "context_cues")}

    def fit(self, sentences=None, labels=None):
        return self

    def predict_proba(self, sentences) -> np.ndarray:
        return self.analyse(sentences)[list(LABELS)].to_numpy(dtype=float)

    def predict(self, sentences) -> np.ndarray:
        return self.analyse(sentences)["label"].to_numpy(dtype=object)

    # -- lexical evidence of one sentence
    def lexical(self, text: str) -> _Lex:
        neg_hits = _find(self._neg, text)
        masked = _mask(text, [(a, b) for *_, a, b in neg_hits])
        issue_hits = _find(self._issue, masked)
        masked2 = _mask(masked, [(a, b) for *_, a, b in issue_hits])
        past_hits = _find(self._past, masked)
        remedy_hits = _find(self._future, masked2)
        n_future = len(remedy_hits)
        remedy_hits += _find(self._action, masked2)
        return _Lex(
            issue=min(sum(h[1] for h in issue_hits), 5.0),
            future=min(sum(h[1] for h in remedy_hits[:n_future]), 5.0),
            action=min(sum(h[1] for h in remedy_hits[n_future:]), 4.0),
            past=min(sum(h[1] for h in past_hits), 5.0),
            neg=len(neg_hits),
            issue_cues=[h[0] for h in issue_hits],
            remedy_cues=[h[0] for h in sorted(remedy_hits, key=lambda h: h[2])],
            past_cues=[h[0] for h in past_hits],
            neg_cues=[h[0] for h in neg_hits],
        )

    def _matches(self, group: str, text: str) -> bool:
        return any(c.pattern.search(text) for c in self._ctx[group])

    def heading_mode(self, heading: str, section: str = "5") -> str | None:
        """The mode a subsection heading sets: 'issue', 'remedy' or None (neither, or both).

        In section 五 the ``*_heading_5`` cues count too, and a heading that is itself a
        problem statement (公开形式不够丰富) sets 'issue'.
        """
        h = re.sub(r"^[（(]?[一二三四五六七八九十\d]{1,3}[）)、.．]\s*", "", heading.strip())
        if not h:
            return None
        in5 = section == "5"
        is_issue = self._matches("issue_heading", h) or (in5 and self._matches("issue_heading_5", h))
        is_remedy = self._matches("remedy_heading", h) or (in5 and self._matches("remedy_heading_5", h))
        if is_issue and not is_remedy:
            return "issue"
        if is_remedy and not is_issue:
            return "remedy"
        if in5 and not is_issue and not is_remedy:
            lex = self.lexical(h)
            if lex.issue >= 1.5 and lex.future + lex.action < lex.issue:
                return "issue"
        return None

    def leadin(self, text: str, lex: _Lex | None = None) -> str | None:
        """'issue'/'remedy' when the sentence announces a list of problems/measures."""
        is_remedy = self._matches("remedy_leadin", text)
        is_issue = self._matches("issue_leadin", text)
        if is_remedy and is_issue:
            lex = lex or self.lexical(text)
            return "issue" if lex.issue >= lex.future else "remedy"
        return "remedy" if is_remedy else "issue" if is_issue else None

    # -- the whole analysis
    def analyse(self, sentences) -> pd.DataFrame:
        """Per sentence: the three probabilities, the label, its score and the cues that fired.

        Also the features the learned tagger uses (``f_*`` columns).
        """
        df = _prepare(sentences)
        records: dict = {}
        order = df.assign(_pos=np.arange(len(df))).sort_values(["doc_id", "sent_id", "_pos"], kind="stable")
        for _, doc in order.groupby("doc_id", sort=False):
            self._analyse_doc(doc, records)
        rows = [records[i] for i in df.index]
        out = pd.DataFrame(rows, index=df.index)
        return out

    def _analyse_doc(self, doc: pd.DataFrame, records: dict) -> None:
        mode: str | None = None
        mode_src = ""
        cur_section = None
        cur_sub = None
        run_open = False  # an enumeration run opened by a lead-in is in progress (outside 五)
        for idx, row in doc.iterrows():
            text, section, kind = row["text"], row["section"], row["kind"]
            sub_key = (row["subsection"] if not pd.isna(row["subsection"]) else None, row["sub_heading"])
            in5 = section == "5"
            if section != cur_section:
                cur_section, cur_sub = section, None
                mode, mode_src, run_open = None, "", False
            if sub_key != cur_sub:
                cur_sub = sub_key
                hmode = self.heading_mode(row["sub_heading"], section) if row["sub_heading"] else None
                mode = hmode
                mode_src = (f"ctx:{_CN_SEC.get(section, section)}（{_cn(sub_key[0])}）"
                            f"{'问题' if hmode == 'issue' else '措施'}") if hmode else ""
                run_open = hmode is not None
            lex = self.lexical(text)
            cues = [*lex.issue_cues, *lex.remedy_cues, *(f"neg:{c}" for c in lex.neg_cues),
                    *(f"past:{c}" for c in lex.past_cues)]
            feats = {"f_issue": lex.issue, "f_future": lex.future, "f_action": lex.action,
                     "f_past": lex.past, "f_neg": float(lex.neg)}
            is_heading = kind == "heading"
            if kind == "table" or _SIGNATURE.match(text.strip()) or not _CJK.search(text) or (
                    is_heading and (row["sub_heading"] == "" or _GENERIC_HEADING.match(text.strip())
                                    or section_heading(text))):
                label_scores = {"issue": -3.0, "remedy": -3.0, "other": 3.0}
                cues.append(f"kind:{kind}" if kind != "text" else "ctx:落款")
                ctx_mode = None
                lead = None
            else:
                lead = self.leadin(text, lex) if not is_heading else None
                if lead is not None and (in5 or lex.issue >= 1.5 or lex.future >= 2.5):
                    if lead != mode or not mode_src:
                        mode_src = "ctx:引语问题" if lead == "issue" else "ctx:引语措施"
                    mode, run_open = lead, True
                elif mode == "issue" and lex.future >= 3.0 and lex.issue < 1.5:
                    # 下一步/今后/明年… after a list of problems opens the measures
                    mode, mode_src, run_open = "remedy", "ctx:转入措施", True
                elif not in5 and mode is not None and not row["enum"] and not row["sub_heading"] \
                        and lex.issue + lex.future + lex.action == 0:
                    run_open, mode = False, None  # the run ended
                ctx_mode = mode if (in5 or run_open) else None
                label_scores = self._score(lex, ctx_mode, in5, bool(row["enum"]), section)
                if ctx_mode is not None and mode_src:
                    cues.append(mode_src)
            probs = _softmax(label_scores)
            label = max(LABELS, key=lambda k: (probs[k], -LABELS.index(k)))
            if in5 and mode is None and not is_heading and kind == "text":
                # section 五 without a heading or lead-in: the flow follows the last clear sentence
                if label == "issue" and lex.issue >= 1.5:
                    mode, mode_src = "issue", "ctx:五问题段"
                elif label == "remedy" and lex.future >= 2.5:
                    mode, mode_src = "remedy", "ctx:五措施段"
            feats.update({
                "f_ctx_issue": float(ctx_mode == "issue"), "f_ctx_remedy": float(ctx_mode == "remedy"),
                "f_lead_issue": float(lead == "issue"), "f_lead_remedy": float(lead == "remedy"),
                "f_in5": float(in5), "f_sec1": float(section == "1"),
                "f_sec_other": float(section not in ("", "1", "5")), "f_unknown": float(section == ""),
                "f_heading": float(is_heading), "f_table": float(kind == "table"),
                "f_enum": float(bool(row["enum"])),
                "f_p_issue": probs["issue"], "f_p_remedy": probs["remedy"],
            })
            records[idx] = {**probs, "label": label, "score": probs[label], "cues": SEP.join(cues), **feats}

    @staticmethod
    def _score(lex: _Lex, ctx: str | None, in5: bool, enum: bool, section: str) -> dict[str, float]:
        issue = lex.issue - 0.3 * lex.past
        planned = lex.future > 0 or ctx == "remedy"
        remedy = lex.future + (0.6 if planned else 0.25) * lex.action
        remedy -= lex.past * (1.0 if lex.future < 2.5 else 0.4)
        other = 2.0 if in5 else (1.2 if section == "" else 3.0)
        other += 0.3 * lex.past
        if ctx == "issue":
            issue += 2.5
            if lex.future >= 2.5 and lex.issue < 1.5:
                issue -= 2.0
        elif ctx == "remedy":
            if lex.future + lex.action > 0:
                remedy += 2.5
            if lex.issue >= 1.5 and lex.future < 2.5:
                issue += 0.5
        if in5 and ctx is None and lex.issue + lex.future + lex.action == 0:
            other += 0.5
        return {"issue": issue, "remedy": remedy, "other": other}


def section_heading(text: str) -> bool:
    """A statutory section heading (一、总体情况 …)."""
    return bool(re.match(r"^\s*[一二三四五六七八九十]{1,2}\s*[、.．]", text)) and len(text) <= 40


_CN_SEC = {str(i): c for i, c in enumerate("一二三四五六七八九十", start=1)}


def _cn(n) -> str:
    try:
        return _CN_SEC.get(str(int(n)), str(n))
    except (TypeError, ValueError):
        return "?"


def _softmax(scores: dict[str, float]) -> dict[str, float]:
    m = max(scores.values())
    ex = {k: math.exp(v - m) for k, v in scores.items()}
    z = sum(ex.values())
    return {k: ex[k] / z for k in LABELS}
