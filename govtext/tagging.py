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

``tag_sentences(df)`` uses the ``"default"`` tagger, :data:`DEFAULT_TAGGER` = ``"rules"``.
It is the tagger with the highest macro-F1 when ``benchmarks/tagger_cv.py`` cross-validates
all three on ``data/labels/sentences.tsv`` with GroupKFold by report (750 sentences, 22
reports + constructed traps): rules 0.992 (1.000 on the 647 real-report rows), combined
0.986 (0.998), learned 0.973 (0.998), a text-only n-gram model 0.845 (0.889). Caveat: the
lexicons were written while reading these same reports, so the rule figure is optimistic;
on a small blind check of other bodies' reports (8 reports, 125 sentences, labelled before
tagging) the first version scored rules 0.93, learned 0.95, combined 0.93. The rules also
need no model file and always agree with their evidence. Whatever the tagger, the
``cues`` column is the rule evidence (the cue strings that fired, ``neg:`` for a
negation trap, ``past:`` for an achievement marker, ``ctx:`` for context, ``kind:`` for
headings and table rows).

Train on your own labels with one call: ``m = train(my_labels); m.save("m.json")``, then
``tag_sentences(df, LearnedTagger.load("m.json"))``; ``train(weak=corpus.sentences())``
trains on weak labels taken from the corpus's own section-五 structure. The learned
model's rule features come from the shipped lexicons; loading a model trained with other
lexicon files warns.

>>> import pandas as pd
>>> df = pd.DataFrame({"text": ["一是政策解读形式单一，公开不及时。", "下一步，我局将继续加强培训。",
...                             "我县不断加强组织领导，全年未发生行政复议。"]})
>>> tag_sentences(df, "rules")[["label", "cues"]].values.tolist()
[['issue', '单一；不及时'], ['remedy', '下一步；我局将；继续；加强'], ['other', '加强；组织；neg:不断；neg:未发生；past:全年']]
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
from .sections import CN_NUMERALS, cn_ordinal
from .sentences import enumeration

__all__ = [
    "LABELS", "DEFAULT_TAGGER", "MODEL_RESOURCE", "Cue", "load_cues",
    "RuleTagger", "LearnedTagger", "CombinedTagger", "ModelFileError",
    "tag_sentences", "train", "weak_labels", "labelled_to_sentences", "load_labels",
    "pair_issues", "kwic", "get_tagger", "training_sha256",
]

LABELS = ("issue", "remedy", "other")
MODEL_RESOURCE = "tagger_model.json"
MODEL_FORMAT = "govtext.LearnedTagger"
MODEL_FORMAT_VERSION = 1
# Chosen by benchmarks/tagger_cv.py (GroupKFold by report): the rule tagger scored highest
# (see the module docstring for the figures and their caveat).
DEFAULT_TAGGER = "rules"
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
    literals: tuple[str, ...] = ()  # substrings every match contains (a fast pre-check before the regex)


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
        literals = () if cue.startswith("re:") else tuple(p for p in cue.split("…") if p)
        out.append(Cue(cue, pattern, w, group, literals))
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
def _enum_number(marker: str) -> int | None:
    """The number of an enumeration marker: 二要 → 2, （三） → 3, 4. → 4, '' → None."""
    return enumeration(marker)[1] if marker else None


def _enum_marker(text: str) -> str:
    return enumeration(text)[0]


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
    if s and all(c in CN_NUMERALS for c in s):
        return str(cn_ordinal(s))
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
    """(shown cue, weight, start, end) of each cue found, dropping a hit inside a longer short one.

    A regular-expression cue is shown as the text it matched; a plain cue as written.
    A hit inside another hit of at most 6 characters is dropped (不够 inside 重视不够),
    but not inside a long gapped one (不高 inside 存在…不高…问题 still counts).
    """
    hits = []
    for cue in cues:
        lits = cue.literals
        if lits and (lits[0] not in text or (len(lits) > 1 and not all(lit in text for lit in lits[1:]))):
            continue
        m = cue.pattern.search(text)
        if m and m.end() > m.start():
            shown = m.group(0) if cue.text.startswith("re:") else cue.text
            hits.append((shown, cue.weight, m.start(), m.end()))
    hits.sort(key=lambda h: (h[2], -(h[3] - h[2])))
    kept: list[tuple[str, float, int, int]] = []
    for h in hits:
        if any(k[2] <= h[2] and h[3] <= k[3] and (h[3] - h[2]) < (k[3] - k[2]) <= 6 for k in kept):
            continue
        if any(k[2] == h[2] for k in kept):  # 存在…问题 and 存在…情况 from one 存在
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
_PAREN_MARK = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,2}\s*、)")
_GENERIC_HEADING = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十\d]{1,3}[）)、.．]?\s*)?"
    r"(?:[\u4e00-\u9fff\d\s]{0,16}?(?:工作)?(?:中)?(?:存在的?)?(?:主要)?(?:问题|不足|困难|差距)"
    r"(?:[和及与、](?:问题|不足|困难|差距|短板))?(?:[和及与、](?:改进|整改)(?:情况|措施|方向)?)?(?:分析|梳理)?"
    r"|[\u4e00-\u9fff\d\s]{0,16}?(?:改进|整改)(?:的)?(?:情况|措施|方向|举措|办法)"
    r"|(?:下一步|今后|\d{4}\s*年)(?:工作)?(?:改进|整改)?(?:打算|计划|安排|措施|思路|方向)?)[。：:]?$"
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
                               "done_heading", "done_leadin", "issue_leadin", "remedy_leadin")}

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
        """The mode a subsection heading sets: 'issue', 'remedy', 'done' or None (neither, or both).

        In section 五 the ``*_heading_5`` cues count too, and a heading that is itself a
        problem statement (公开形式不够丰富) sets 'issue'.
        """
        h = re.sub(r"^[（(]?[一二三四五六七八九十\d]{1,3}[）)、.．]\s*", "", heading.strip())
        if not h:
            return None
        in5 = section == "5"
        if self._matches("done_heading", h):
            return "done"
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
        """'issue'/'remedy'/'done' when the sentence announces a list of problems/measures/done measures."""
        if self._matches("done_leadin", text):
            return "done"
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
        index = df.index
        df = df.reset_index(drop=True)  # positions: the caller's index may repeat
        records: dict = {}
        order = df.assign(_pos=np.arange(len(df))).sort_values(["doc_id", "sent_id", "_pos"], kind="stable")
        for _, doc in order.groupby("doc_id", sort=False):
            self._analyse_doc(doc, records)
        columns = [*LABELS, "label", "score", "cues", *RULE_FEATURES]
        return pd.DataFrame([records[i] for i in range(len(df))], index=index, columns=columns)

    def _analyse_doc(self, doc: pd.DataFrame, records: dict) -> None:
        mode: str | None = None
        mode_src = ""
        cur_section = None
        cur_sub = None
        run_open = False  # an enumeration run opened by a lead-in is in progress (outside 五)
        for idx, row in zip(doc.index, doc.to_dict("records")):  # plain dicts: iterrows is slow
            text, section, kind = row["text"], row["section"], row["kind"]
            sub_key = (row["subsection"] if not pd.isna(row["subsection"]) else None, row["sub_heading"])
            in5 = section == "5"
            if section != cur_section:
                cur_section, cur_sub = section, None
                mode, mode_src, run_open = None, "", False
            if sub_key != cur_sub:
                cur_sub = sub_key
                hmode = self.heading_mode(row["sub_heading"], section) if row["sub_heading"] else None
                if hmode is not None or not in5:
                    # in 五 a neutral heading ("（一）深化公开内容") continues the list a lead-in opened
                    mode = hmode
                    mode_src = (f"ctx:{_CN_SEC.get(section, section)}（{_cn(sub_key[0])}）"
                                f"{_MODE_NAME[hmode]}") if hmode else ""
                    run_open = hmode is not None
            lex = self.lexical(text)
            cues = [*lex.issue_cues, *lex.remedy_cues, *(f"neg:{c}" for c in lex.neg_cues),
                    *(f"past:{c}" for c in lex.past_cues)]
            feats = {"f_issue": lex.issue, "f_future": lex.future, "f_action": lex.action,
                     "f_past": lex.past, "f_neg": float(lex.neg)}
            is_heading = kind == "heading"
            topic_heading = (is_heading or _PAREN_MARK.match(text)) and _GENERIC_HEADING.match(text.strip())
            if kind == "table" or _SIGNATURE.match(text.strip()) or not _CJK.search(text) or topic_heading or (
                    is_heading and (row["sub_heading"] == "" or _section_heading(text))):
                label_scores = {"issue": -3.0, "remedy": -3.0, "other": 3.0}
                cues.append(f"kind:{kind}" if kind != "text" else ("ctx:标题" if topic_heading else "ctx:落款"))
                ctx_mode = None
                lead = None
                if topic_heading and not (is_heading and row["sub_heading"]):
                    # a topic heading the splitter did not see as a subsection (六、今后改进方向)
                    hm = self.heading_mode(text, "5")
                    if hm is not None:
                        mode, run_open, mode_src = hm, True, f"ctx:标题{_MODE_NAME[hm]}"
            else:
                lead = self.leadin(text, lex) if not is_heading else None
                if mode == "done":
                    pass  # improvements already made: a lead-in there introduces done work
                elif lead is not None and (in5 or lex.issue >= 1.5 or lex.future >= 2.5):
                    if lead != mode or not mode_src:
                        mode_src = {"issue": "ctx:引语问题", "remedy": "ctx:引语措施", "done": "ctx:引语已改进"}[lead]
                    mode, run_open = lead, True
                elif mode == "issue" and lex.future >= 2.5:
                    # 下一步/今后/明年… after a list of problems opens the measures
                    mode, mode_src, run_open = "remedy", "ctx:转入措施", True
                elif not in5 and mode is not None and not row["enum"] and not row["sub_heading"] \
                        and lex.issue + lex.future + lex.action == 0:
                    run_open, mode = False, None  # the run ended
                ctx_mode = mode if (in5 or run_open) else None
                label_scores = self._score(lex, ctx_mode, in5, section)
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
                "f_ctx_done": float(ctx_mode == "done"),
                "f_lead_issue": float(lead == "issue"), "f_lead_remedy": float(lead == "remedy"),
                "f_in5": float(in5), "f_sec1": float(section == "1"),
                "f_sec_other": float(section not in ("", "1", "5")), "f_unknown": float(section == ""),
                "f_heading": float(is_heading), "f_table": float(kind == "table"),
                "f_enum": float(bool(row["enum"])),
                "f_p_issue": probs["issue"], "f_p_remedy": probs["remedy"],
            })
            records[idx] = {**probs, "label": label, "score": probs[label], "cues": SEP.join(cues), **feats}

    @staticmethod
    def _score(lex: _Lex, ctx: str | None, in5: bool, section: str) -> dict[str, float]:
        """Raw scores of the three labels (their softmax is the probability)."""
        issue = lex.issue - 0.3 * lex.past
        planned = lex.future > 0 or ctx == "remedy" or (in5 and ctx is None)
        remedy = lex.future + (0.9 if planned else 0.25) * lex.action
        remedy -= lex.past * (1.0 if lex.future < 2.5 else 0.4)
        # outside 五 a sentence needs strong evidence; with no context at all, less
        other = 1.0 if in5 else (1.2 if section == "" else 3.0)
        other += 0.3 * lex.past
        if lex.future >= 2.5 and lex.issue > 0:
            # "X有待提高，下一步将Y", "针对X问题，将Y", "将查找…薄弱点": the plan is what is asserted
            remedy += 1.5
            issue -= 1.0
        if ctx == "issue":
            issue += 2.5
            if lex.future >= 2.5:
                issue -= 2.0
        elif ctx == "remedy":
            # in a list of measures a bare verb phrase is a measure (GUIDELINE T2); a sentence
            # with no verb cue at all is more often background (工作难度大，群众高度关注)
            remedy += 2.5 if lex.future + lex.action > 0 else 0.5
            if lex.issue >= 1.5 and lex.future < 2.5:
                issue += 0.5
        elif ctx == "done":
            other += 3.0
        if in5 and ctx is None and lex.issue + lex.future + lex.action == 0:
            other += 0.5
        return {"issue": issue, "remedy": remedy, "other": other}


def _section_heading(text: str) -> bool:
    """A statutory section heading (一、总体情况 …)."""
    return bool(re.match(r"^\s*[一二三四五六七八九十]{1,2}\s*[、.．]", text)) and len(text) <= 40


_MODE_NAME = {"issue": "问题", "remedy": "措施", "done": "已改进"}
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


# =============================================================================== learned tagger
RULE_FEATURES = (
    "f_issue", "f_future", "f_action", "f_past", "f_neg",
    "f_ctx_issue", "f_ctx_remedy", "f_ctx_done", "f_lead_issue", "f_lead_remedy",
    "f_in5", "f_sec1", "f_sec_other", "f_unknown", "f_heading", "f_table", "f_enum",
    "f_p_issue", "f_p_remedy",
)
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_SPACE = re.compile(r"\s+")


def _char_text(text: str) -> str:
    return _DIGITS.sub("0", _SPACE.sub("", text))


class ModelFileError(ValueError):
    """A model file is not a govtext LearnedTagger JSON file (or is damaged)."""


class LearnedTagger:
    """Logistic regression on character n-grams (+ jieba words) + the rule features.

    ``fit(sentences, labels)`` takes the sentences DataFrame (or a list of strings)
    and one label per row. Prediction needs no scikit-learn: the model is the
    vocabulary, idf weights and coefficients, and :meth:`save` writes exactly those
    to a JSON file, with the sha256 of the training data, the sha256 of the cue
    lexicons the rule features came from and the govtext version.

    Parameters: ``ngram`` (char n-gram range), ``words`` (add jieba word features),
    ``rules`` (add the rule features), ``C`` (inverse regularisation), ``min_df``,
    ``class_weight`` ("balanced" or None), ``rule_weight`` (scale of the rule features
    against the unit-length n-gram vector).
    """

    def __init__(self, ngram: tuple[int, int] = (1, 3), words: bool = False, rules: bool = True,
                 C: float = 4.0, min_df: int = 2, class_weight: str | None = "balanced",
                 rule_weight: float = 1.0, max_iter: int = 3000):
        self.ngram = tuple(ngram)
        self.words = words
        self.rules = rules
        self.C = C
        self.min_df = min_df
        self.class_weight = class_weight
        self.rule_weight = rule_weight
        self.max_iter = max_iter
        self.classes_ = np.array(LABELS)
        self.vocabulary_: dict[str, int] | None = None
        self.meta_: dict = {}

    def get_params(self, deep: bool = True) -> dict:
        return {k: getattr(self, k) for k in
                ("ngram", "words", "rules", "C", "min_df", "class_weight", "rule_weight", "max_iter")}

    # -- features
    def _terms(self, text: str) -> list[str]:
        t = _char_text(text)
        lo, hi = self.ngram
        terms = [t[i:i + n] for n in range(lo, hi + 1) for i in range(len(t) - n + 1)]
        if self.words:
            terms += ["w:" + w for w in _tokenizer().lcut(_DIGITS.sub("0", text)) if w.strip()]
        return terms

    def _rule_matrix(self, sentences) -> np.ndarray:
        a = RuleTagger().analyse(sentences)
        return a[list(RULE_FEATURES)].to_numpy(dtype=float)

    def _matrix(self, texts: Sequence[str], rule_x: np.ndarray | None):
        from scipy import sparse

        rows, cols, vals = [], [], []
        for r, text in enumerate(texts):
            counts = Counter(self.vocabulary_[t] for t in self._terms(text) if t in self.vocabulary_)
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64)
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=float))
            w = tf * self.idf_[idx]
            w /= np.sqrt((w * w).sum())
            rows.extend([r] * len(idx))
            cols.extend(idx.tolist())
            vals.extend(w.tolist())
        x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self.vocabulary_)))
        if self.rules:
            scaled = rule_x / self.rule_scale_ * self.rule_weight
            x = sparse.hstack([x, sparse.csr_matrix(scaled)], format="csr")
        return x

    def fit(self, sentences, labels) -> LearnedTagger:
        from sklearn.linear_model import LogisticRegression

        df = _prepare(sentences)
        y = np.asarray([str(v) for v in labels], dtype=object)
        if len(y) != len(df):
            raise ValueError(f"{len(df)} sentences but {len(y)} labels")
        unknown = sorted(set(y) - set(LABELS))
        if unknown:
            raise ValueError(f"unknown labels {unknown}; use {list(LABELS)}")
        texts = df["text"].tolist()
        df_count: Counter = Counter()
        for t in texts:
            df_count.update(set(self._terms(t)))
        vocab = sorted(t for t, c in df_count.items() if c >= self.min_df)
        self.vocabulary_ = {t: i for i, t in enumerate(vocab)}
        n = len(texts)
        self.idf_ = np.array([math.log((1 + n) / (1 + df_count[t])) + 1.0 for t in vocab])
        rule_x = self._rule_matrix(df) if self.rules else None
        if self.rules:
            scale = np.abs(rule_x).max(axis=0)
            self.rule_scale_ = np.where(scale > 0, scale, 1.0)
        x = self._matrix(texts, rule_x)
        present = [c for c in LABELS if c in set(y)]
        if len(present) < 2:
            raise ValueError("training needs at least two different labels")
        from threadpoolctl import threadpool_limits

        clf = LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight=self.class_weight)
        with threadpool_limits(limits=1):  # a small problem: BLAS threads only contend (4x slower on 2 cores)
            clf.fit(x, y)
        classes = list(clf.classes_)
        coef = clf.coef_ if len(classes) > 2 else np.vstack([-clf.coef_[0], clf.coef_[0]]) / 2
        intercept = clf.intercept_ if len(classes) > 2 else np.array([-clf.intercept_[0], clf.intercept_[0]]) / 2
        self.classes_ = np.array(classes)
        # rounded so that the JSON file is compact and a loaded model is the same model
        self.idf_ = np.round(self.idf_, 6)
        self.coef_ = np.round(np.asarray(coef, dtype=float), 6)
        self.intercept_ = np.round(np.asarray(intercept, dtype=float), 6)
        self.meta_ = {
            "training_data": {
                "sha256": training_sha256(df, y),
                "n_sentences": int(n),
                "label_counts": {c: int((y == c).sum()) for c in classes},
            },
            "lexicon_sha256": _lexicon_sha256(),
        }
        return self

    def decision_function(self, sentences) -> np.ndarray:
        if self.vocabulary_ is None:
            raise RuntimeError("LearnedTagger is not fitted: call fit() or LearnedTagger.load()")
        df = _prepare(sentences)
        rule_x = self._rule_matrix(df) if self.rules else None
        x = self._matrix(df["text"].tolist(), rule_x)
        return np.asarray(x @ self.coef_.T) + self.intercept_

    def predict_proba(self, sentences) -> np.ndarray:
        """Probabilities in the order of ``LABELS`` (a label absent from training gets 0)."""
        d = self.decision_function(sentences)
        d = d - d.max(axis=1, keepdims=True)
        p = np.exp(d)
        p /= p.sum(axis=1, keepdims=True)
        out = np.zeros((len(p), len(LABELS)))
        for j, c in enumerate(self.classes_):
            out[:, LABELS.index(c)] = p[:, j]
        return out

    def predict(self, sentences) -> np.ndarray:
        p = self.predict_proba(sentences)
        return np.array(LABELS, dtype=object)[p.argmax(axis=1)]

    # -- persistence
    def to_dict(self) -> dict:
        if self.vocabulary_ is None:
            raise RuntimeError("LearnedTagger is not fitted")
        vocab = sorted(self.vocabulary_, key=self.vocabulary_.get)
        return {
            "format": MODEL_FORMAT,
            "format_version": MODEL_FORMAT_VERSION,
            "govtext_version": _govtext_version(),
            "params": {**self.get_params(), "ngram": list(self.ngram)},
            **self.meta_,
            "classes": [str(c) for c in self.classes_],
            "vocabulary": vocab,
            "idf": self.idf_.tolist(),
            "rule_features": list(RULE_FEATURES) if self.rules else [],
            "rule_scale": self.rule_scale_.tolist() if self.rules else [],
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_.tolist(),
        }

    def save(self, path: str | Path) -> Path:
        """Write the model as UTF-8 JSON (see :meth:`load`)."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, d: dict, origin: str = "<dict>") -> LearnedTagger:
        def bad(why: str) -> ModelFileError:
            return ModelFileError(f"{origin} is not a govtext LearnedTagger model file: {why}")

        if not isinstance(d, dict) or d.get("format") != MODEL_FORMAT:
            raise bad(f"expected a JSON object with \"format\": \"{MODEL_FORMAT}\"")
        if d.get("format_version") != MODEL_FORMAT_VERSION:
            raise bad(f"format_version {d.get('format_version')!r}, this govtext reads {MODEL_FORMAT_VERSION}")
        try:
            params = dict(d["params"])
            params["ngram"] = tuple(params["ngram"])
            obj = cls(**params)
            vocab = d["vocabulary"]
            obj.vocabulary_ = {str(t): i for i, t in enumerate(vocab)}
            obj.idf_ = np.asarray(d["idf"], dtype=float)
            obj.classes_ = np.array([str(c) for c in d["classes"]])
            obj.coef_ = np.asarray(d["coef"], dtype=float)
            obj.intercept_ = np.asarray(d["intercept"], dtype=float)
            if obj.rules:
                if list(d["rule_features"]) != list(RULE_FEATURES):
                    raise bad("its rule features differ from this govtext version's; retrain it")
                obj.rule_scale_ = np.asarray(d["rule_scale"], dtype=float)
            n_feat = len(vocab) + (len(RULE_FEATURES) if obj.rules else 0)
            if obj.idf_.shape != (len(vocab),) or obj.coef_.shape != (len(obj.classes_), n_feat) \
                    or obj.intercept_.shape != (len(obj.classes_),) \
                    or not set(obj.classes_) <= set(LABELS):
                raise bad("array shapes or classes do not fit together")
        except ModelFileError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"missing or malformed field ({type(exc).__name__}: {exc})") from None
        obj.meta_ = {k: d[k] for k in ("training_data", "lexicon_sha256", "govtext_version", "labels_file")
                     if k in d}
        if obj.rules and d.get("lexicon_sha256") and d["lexicon_sha256"] != _lexicon_sha256():
            import warnings

            changed = sorted(k for k, v in _lexicon_sha256().items() if d["lexicon_sha256"].get(k) != v)
            warnings.warn(f"{origin} was trained with other versions of {', '.join(changed)}: its rule "
                          "features no longer mean what they meant in training; retrain it "
                          "(benchmarks/tagger_cv.py --save-model)", stacklevel=3)
        return obj

    @classmethod
    def load(cls, path: str | Path | None = None) -> LearnedTagger:
        """Load a model saved by :meth:`save`; ``None`` loads the model shipped with govtext.

        Only JSON is parsed: a file that is not the documented JSON raises
        :class:`ModelFileError` saying so.
        """
        if path is None:
            origin, raw = f"govtext/resources/{MODEL_RESOURCE}", resource_path(MODEL_RESOURCE).read_bytes()
        else:
            origin, raw = str(path), Path(path).read_bytes()
        try:
            d = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelFileError(f"{origin} is not a govtext LearnedTagger model file: not UTF-8 JSON "
                                 f"({type(exc).__name__}); models are saved with LearnedTagger.save()") from None
        return cls.from_dict(d, origin)


def training_sha256(sentences: pd.DataFrame, labels: Sequence[str]) -> str:
    """sha256 over (section, sub_heading, text, label) of every training row, in order."""
    h = hashlib.sha256()
    df = _prepare(sentences)
    for sec, sub, text, lab in zip(df["section"], df["sub_heading"], df["text"], labels):
        h.update("\x1f".join((sec, sub, text, str(lab))).encode("utf-8") + b"\x1e")
    return h.hexdigest()


def _govtext_version() -> str:
    try:
        from importlib.metadata import version

        return version("govtext")
    except Exception:  # not installed (running from a checkout)
        try:
            from . import __version__  # type: ignore[attr-defined]

            return str(__version__)
        except Exception:
            return "0+unknown"


_TOKENIZER = None


def _tokenizer():
    """govtext's own jieba tokenizer (jieba's global dictionary is never touched)."""
    global _TOKENIZER
    if _TOKENIZER is None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        tok = jieba.Tokenizer()
        tok.initialize()
        _TOKENIZER = tok
    return _TOKENIZER


# =============================================================================== combined tagger
class CombinedTagger:
    """Weighted average of the rule tagger's and a learned tagger's probabilities.

    ``weight`` is the learned tagger's share (0.5 by default). ``fit`` fits the
    learned part; ``learned=None`` uses the model shipped with govtext.
    """

    classes_ = np.array(LABELS)

    def __init__(self, learned: LearnedTagger | None = None, rules: RuleTagger | None = None, weight: float = 0.5):
        self.learned = learned
        self.rules = rules
        self.weight = weight

    def get_params(self, deep: bool = True) -> dict:
        return {"learned": self.learned, "rules": self.rules, "weight": self.weight}

    def fit(self, sentences, labels) -> CombinedTagger:
        self.learned = (self.learned or LearnedTagger()).fit(sentences, labels)
        return self

    def predict_proba(self, sentences) -> np.ndarray:
        learned = self.learned or _shipped_model()
        rules = self.rules or RuleTagger()
        return self.weight * learned.predict_proba(sentences) + (1 - self.weight) * rules.predict_proba(sentences)

    def predict(self, sentences) -> np.ndarray:
        return np.array(LABELS, dtype=object)[self.predict_proba(sentences).argmax(axis=1)]


@lru_cache(maxsize=1)
def _shipped_model() -> LearnedTagger:
    return LearnedTagger.load(None)


def get_tagger(tagger="default"):
    """A tagger object from a name ("rules", "learned", "combined", "default") or the object itself."""
    if not isinstance(tagger, str):
        return tagger
    name = DEFAULT_TAGGER if tagger == "default" else tagger
    if name == "rules":
        return RuleTagger()
    if name == "learned":
        return _shipped_model()
    if name == "combined":
        return CombinedTagger(_shipped_model(), RuleTagger())
    raise ValueError(f"unknown tagger {tagger!r}: use 'rules', 'learned', 'combined', 'default' or a tagger object")


# =============================================================================== public API
def tag_sentences(sentences, tagger="default") -> pd.DataFrame:
    """The sentences with three more columns: ``label``, ``score`` (its probability) and ``cues``.

    ``tagger``: "default" (:data:`DEFAULT_TAGGER`), "rules", "learned", "combined" or
    a fitted tagger object. ``cues`` always lists the rule evidence, ``；``-joined.
    """
    df = sentences.copy() if isinstance(sentences, pd.DataFrame) else pd.DataFrame({"text": list(sentences)})
    tag = get_tagger(tagger)
    analysis = RuleTagger().analyse(df) if not isinstance(tag, RuleTagger) else tag.analyse(df)
    if isinstance(tag, RuleTagger):
        proba = analysis[list(LABELS)].to_numpy(dtype=float)
    else:
        proba = tag.predict_proba(df)
    best = proba.argmax(axis=1)
    df["label"] = np.array(LABELS, dtype=object)[best] if len(df) else pd.Series(dtype=object)
    df["score"] = proba[np.arange(len(df)), best] if len(df) else pd.Series(dtype=float)
    df["cues"] = analysis["cues"].to_numpy() if len(df) else pd.Series(dtype=object)
    return df


def train(labelled: pd.DataFrame | None = None, label_column: str = "label", weak=None, **params) -> LearnedTagger:
    """Fit a :class:`LearnedTagger` in one call.

    ``labelled``: a sentences DataFrame with a label column, or a table in the layout of
    ``data/labels/sentences.tsv`` (``source, section, subsection, label, text``), which
    :func:`labelled_to_sentences` converts. ``weak``: unlabelled sentences (e.g.
    ``corpus.sentences()``) to add with the :func:`weak_labels` their own section-五
    structure gives; either may be omitted, not both. ``params`` go to
    :class:`LearnedTagger`. Save the result with ``.save("my_model.json")`` and use it
    with ``tag_sentences(df, LearnedTagger.load("my_model.json"))``.
    """
    frames, labels = [], []
    if labelled is not None:
        if label_column not in labelled.columns:
            raise ValueError(f"no {label_column!r} column")
        sents = labelled if "doc_id" in labelled.columns else labelled_to_sentences(labelled)
        frames.append(_prepare(sents))
        labels += labelled[label_column].astype(str).str.strip().tolist()
    if weak is not None:
        w_sents = _prepare(weak)
        w = weak_labels(w_sents)
        keep = w.notna().to_numpy()
        frames.append(w_sents[keep].assign(doc_id="weak:" + w_sents["doc_id"][keep]))
        labels += w[keep].tolist()
    if not frames:
        raise ValueError("train() needs labelled sentences, weak=unlabelled sentences, or both")
    return LearnedTagger(**params).fit(pd.concat(frames, ignore_index=True), labels)


def weak_labels(sentences, tagger: RuleTagger | None = None) -> pd.Series:
    """Weak labels from a corpus's own section-五 structure, to train on unlabelled reports.

    A text sentence of section 五 that sits in a problem context (（一）存在的主要问题,
    a 存在以下问题 lead-in and its enumeration run) is ``issue``; in a measures context
    ``remedy``; a sentence of sections 一–四 with no problem or future cue, and every
    heading and table row, is ``other``; everything else is NA (left out of training).
    ``train(weak=sentences)`` uses them; so does ``LearnedTagger().fit(s[w.notna()], w.dropna())``.
    """
    tagger = tagger or RuleTagger()
    df = _prepare(sentences)
    a = tagger.analyse(df)
    out = pd.Series(pd.NA, index=df.index, dtype="object")
    in5 = df["section"] == "5"
    text = df["kind"] == "text"
    out[in5 & text & (a["f_ctx_issue"] > 0) & (a["f_future"] < 2.5)] = "issue"
    out[in5 & text & (a["f_ctx_remedy"] > 0) & (a["f_future"] + a["f_action"] > 0)] = "remedy"
    quiet = (a["f_issue"] == 0) & (a["f_future"] == 0)
    out[df["section"].isin(["1", "2", "3", "4"]) & quiet] = "other"
    out[df["kind"].isin(["heading", "table"])] = "other"
    return out


_LABEL_COLUMNS = ("source", "section", "label", "text")


def labelled_to_sentences(labelled: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``data/labels/sentences.tsv`` as a sentences frame the taggers read.

    ``source`` → ``doc_id``; ``subsection`` (the heading text) → ``sub_heading`` and a
    running subsection number; ``sent_id`` is the row order within a source (the file
    lists a report's sentences in reading order); ``enum`` is read from the text.
    """
    missing = [c for c in _LABEL_COLUMNS if c not in labelled.columns]
    if missing:
        raise ValueError(f"labelled table lacks columns {missing}")
    df = pd.DataFrame(index=labelled.index)
    source = labelled["source"].astype(str)
    # constructed rows are independent sentences: each is its own document (no context)
    df["doc_id"] = np.where(source == "constructed", source + ":" + pd.Series(range(len(df)), index=df.index).astype(str),
                            source)
    df["sent_id"] = df.groupby("doc_id", sort=False).cumcount()
    df["section"] = labelled["section"].map(_section_id)
    sub = labelled["subsection"].fillna("").astype(str) if "subsection" in labelled else pd.Series("", index=labelled.index)
    df["sub_heading"] = sub.str.strip()
    numbers = df.groupby(["doc_id", "section"], sort=False)["sub_heading"].transform(
        lambda k: pd.factorize(k)[0] + (0 if (k == "").any() else 1))
    df["subsection"] = [pd.NA if not h else int(n) for h, n in zip(df["sub_heading"], numbers)]
    df["text"] = labelled["text"].fillna("").astype(str)
    df["enum"] = [_enum_marker(t) for t in df["text"]]
    if "kind" in labelled.columns:
        df["kind"] = labelled["kind"].fillna("text").astype(str)
    else:
        bare = df["text"].str.strip().str.rstrip("。：:；;")
        df["kind"] = np.where((bare == df["sub_heading"]) & (bare != "") | df["text"].map(_section_heading),
                              "heading", "text")
    return df


def load_labels(path: str | Path | None = None) -> pd.DataFrame:
    """The labelled sentences (default: ``data/labels/sentences.tsv`` of a govtext checkout)."""
    if path is None:
        path = Path(__file__).resolve().parents[1] / "data" / "labels" / "sentences.tsv"
    df = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=3, comment=None)
    df["label"] = df["label"].str.strip()
    return df


# =============================================================================== pairing
# generic words of these reports: their characters pairs say nothing about what an issue is about
_THEME_STOP_WORDS = (
    "政务 公开 信息 工作 政府 部门 单位 我区 我县 我市 我局 全县 全区 全市 进一步 加强 强化 提升 提高 完善 健全 "
    "推进 推动 存在 问题 不足 不够 方面 进行 开展 做好 持续 继续 不断 主要 部分 一是 二是 三是 四是 五是 六是 "
    "一要 二要 三要 四要 以及 相关 有关 各项 各类 切实 确保 积极 加大 力度 情况 有待 个别 一些 目前 当前 下一步 "
    "今后 工作中 我们 采取 以下 措施 改进 深入 全面 水平 能力 质量 机制 形式 方式 建设 落实 信息公开 政务公开 "
    "政府信息 公开工作 的 和 与 及 等 了 是 在 对 将 要"
)
_THEME_STOP = re.compile("|".join(sorted(_THEME_STOP_WORDS.split(), key=len, reverse=True)) + r"|[^\u4e00-\u9fff]+")


def _theme_bigrams(text: str) -> set[str]:
    """Content character bigrams: the theme an issue or remedy is about, generic words cut out."""
    out = set()
    for run in _THEME_STOP.split(text):
        out.update(run[i:i + 2] for i in range(len(run) - 1))
    return out


def _marker_type(marker: str) -> str:
    if not marker:
        return ""
    if re.match(r"[一二三四五六七八九十]+[是要]", marker):
        return "是"
    if re.match(r"[（(][一二三四五六七八九十]", marker):
        return "（一）"
    if re.match(r"[（(]\d", marker):
        return "（1）"
    if re.match(r"[一二三四五六七八九十]", marker):
        return "一、"
    if re.match(r"\d", marker):
        return "1."
    return "首先"


def _items(doc: pd.DataFrame, label: str) -> list[dict]:
    """Runs of ``label`` sentences cut into items at top-level enumeration markers.

    The first marker type met in a run (一是, （一）, 1. …) is its top level; markers of
    another type (1、 under （三）) continue the current item. Unnumbered sentences
    before the first marker form a lead-in item (``n`` None, ``lead`` True).
    """
    items: list[dict] = []
    cur = None
    top = None
    in_run = False
    for r in doc.to_dict("records"):
        if r["label"] != label:
            # other sentences between items (a heading, background) do not end a run
            if r["label"] != "other":
                in_run, cur, top = False, None, None
            continue
        mtype = _marker_type(r["enum"])
        n = _enum_number(r["enum"])
        if top is None and mtype and n is not None:
            top = mtype
        new_item = cur is None or not in_run or (mtype and mtype == top)
        if new_item:
            cur = {"n": n if mtype and mtype == top else None, "sents": [], "text": "",
                   "lead": not (mtype and mtype == top)}
            items.append(cur)
        cur["sents"].append(r["sent_id"])
        cur["text"] += r["text"]
        in_run = True
    return items


def pair_issues(tagged: pd.DataFrame, min_confidence: float = 0.2) -> pd.DataFrame:
    """Link each issue to the remedy that answers it, per document.

    Sentences are grouped into items: a top-level enumerated sentence (一是, 二要, （三）…)
    opens an item, and the unnumbered or lower-level sentences after it belong to it;
    unnumbered sentences before the first item are a lead-in. Issue items and remedy
    items are matched one-to-one (Hungarian assignment) on a score that adds the same
    enumeration number (0.35), the theme they share (content character pairs, generic
    words such as 政务公开/进一步/加强 left out; up to 0.45) and the same position when
    both lists are equally long (0.2); the two lead-ins are linked to each other (0.3).
    Links below ``min_confidence`` are dropped.

    Returns one row per link: ``doc_id, issue_sent_id, remedy_sent_id, confidence,
    basis`` (e.g. ``enum 2=2; theme 解读,形式; order``). Every issue and remedy sentence
    appears at least once; an unpaired one has ``<NA>`` as its partner and basis
    ``unpaired``. Within a linked pair of items, the k-th issue sentence is linked to
    the k-th remedy sentence (the last one when the other item is shorter).
    """
    from scipy.optimize import linear_sum_assignment

    cols = ["doc_id", "issue_sent_id", "remedy_sent_id", "confidence", "basis"]
    if "label" not in tagged.columns:
        raise ValueError("pair_issues needs a tagged frame (a 'label' column): use tag_sentences() first")
    df = _prepare(tagged)
    df["label"] = tagged["label"].astype(str)
    rows: list[dict] = []
    for doc_id, doc in df.sort_values(["doc_id", "sent_id"], kind="stable").groupby("doc_id", sort=False):
        iss, rem = _items(doc, "issue"), _items(doc, "remedy")
        for it in iss + rem:
            it["theme"] = _theme_bigrams(it["text"])
        links: list[tuple[int, int, float, str]] = []
        if iss and rem:
            score = np.zeros((len(iss), len(rem)))
            basis = [[""] * len(rem) for _ in iss]
            n_iss = [i for i, it in enumerate(iss) if not it["lead"]]
            n_rem = [j for j, it in enumerate(rem) if not it["lead"]]
            for i, a in enumerate(iss):
                for j, b in enumerate(rem):
                    parts, sc = [], 0.0
                    if a["lead"] and b["lead"]:
                        sc += 0.3
                        parts.append("lead-in")
                    if a["n"] is not None and a["n"] == b["n"]:
                        sc += 0.35
                        parts.append(f"enum {a['n']}={b['n']}")
                    shared = a["theme"] & b["theme"]
                    if shared:
                        share = len(shared) / max(1, min(len(a["theme"]), len(b["theme"])))
                        sc += 0.45 * min(1.0, 2.5 * share)
                        parts.append("theme " + ",".join(sorted(shared)[:6]))
                    if (not a["lead"] and not b["lead"] and len(n_iss) == len(n_rem)
                            and n_iss.index(i) == n_rem.index(j)):
                        sc += 0.2
                        parts.append("order")
                    score[i, j] = min(sc, 1.0)
                    basis[i][j] = "; ".join(parts)
            ii, jj = linear_sum_assignment(-score)
            links = [(i, j, float(score[i, j]), basis[i][j]) for i, j in zip(ii, jj) if score[i, j] >= min_confidence]
        paired_i = {i for i, *_ in links}
        paired_j = {j for _, j, *_ in links}
        for i, j, conf, why in links:
            a, b = iss[i]["sents"], rem[j]["sents"]
            for k in range(max(len(a), len(b))):
                rows.append({"doc_id": doc_id, "issue_sent_id": a[min(k, len(a) - 1)],
                             "remedy_sent_id": b[min(k, len(b) - 1)], "confidence": round(conf, 3), "basis": why})
        for i, a in enumerate(iss):
            if i not in paired_i:
                rows += [{"doc_id": doc_id, "issue_sent_id": sid, "remedy_sent_id": pd.NA, "confidence": pd.NA,
                          "basis": "unpaired"} for sid in a["sents"]]
        for j, b in enumerate(rem):
            if j not in paired_j:
                rows += [{"doc_id": doc_id, "issue_sent_id": pd.NA, "remedy_sent_id": sid, "confidence": pd.NA,
                          "basis": "unpaired"} for sid in b["sents"]]
    out = pd.DataFrame(rows, columns=cols)
    for c in ("issue_sent_id", "remedy_sent_id"):
        out[c] = out[c].astype("Int64")
    out["confidence"] = out["confidence"].astype("Float64")
    return out.drop_duplicates().reset_index(drop=True)


# =============================================================================== audit
def kwic(sentences: pd.DataFrame, select=None, text_lookup=None, window: int = 40) -> pd.DataFrame:
    """Keyword-in-context view of chosen sentences, for auditing a label.

    ``select``: a boolean mask over ``sentences``, a list of ``sent_id`` values, or
    ``None`` (all rows). ``text_lookup``: ``{doc_id: normalised text}`` (or a callable);
    the context is ``window`` characters either side of ``start``/``end``. Without it,
    the context is built from the neighbouring sentences of the same document.
    Columns: doc_id, sent_id, (label, cues when present), left, sentence, right.
    """
    df = sentences
    if select is None:
        mask = pd.Series(True, index=df.index)
    elif isinstance(select, pd.Series) and select.dtype == bool:
        mask = select.reindex(df.index, fill_value=False)
    else:
        wanted = set(select)
        mask = df["sent_id"].isin(wanted)
    rows = []
    for idx in df.index[mask.to_numpy()]:
        r = df.loc[idx]
        doc = str(r.get("doc_id", "doc"))
        full = None
        if text_lookup is not None:
            full = text_lookup(doc) if callable(text_lookup) else text_lookup.get(doc)
        if full is not None and "start" in df.columns:
            s, e = int(r["start"]), int(r["end"])
            left, mid, right = full[max(0, s - window):s], full[s:e], full[e:e + window]
        else:
            same = df[df["doc_id"] == r["doc_id"]] if "doc_id" in df.columns else df
            same = same.sort_values("sent_id") if "sent_id" in same.columns else same
            pos = list(same.index).index(idx)
            left = "".join(same["text"].iloc[max(0, pos - 3):pos])[-window:]
            right = "".join(same["text"].iloc[pos + 1:pos + 4])[:window]
            mid = r["text"]
        row = {"doc_id": doc, "sent_id": r.get("sent_id")}
        for c in ("label", "score", "cues"):
            if c in df.columns:
                row[c] = r[c]
        row.update({"left": left.replace("\n", " "), "sentence": mid, "right": right.replace("\n", " ")})
        rows.append(row)
    return pd.DataFrame(rows)
