"""The issue/remedy sentence tagger on real text: the seed, the shared corpus and the shipped labels."""

from __future__ import annotations

import json
import pickle
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import shared_or_skip
from hypothesis import given, settings
from hypothesis import strategies as st

from govtext.evaluate import cross_validate, evaluate, format_report
from govtext.io import read_file
from govtext.normalize import normalize_text
from govtext.sections import find_sections
from govtext.sentences import split_sentences
from govtext.tagging import (LABELS, CombinedTagger, LearnedTagger, ModelFileError, RuleTagger, kwic,
                             labelled_to_sentences, load_labels, pair_issues, tag_sentences, train,
                             training_sha256, weak_labels)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
SEED = ROOT / "data" / "reports" / "000_b544fc85b347642f.txt"
LABELS_TSV = ROOT / "data" / "labels" / "sentences.tsv"


def shared_dir() -> Path:
    return shared_or_skip()


def sentences_of(path: Path, doc_id: str | None = None) -> tuple[pd.DataFrame, str]:
    text = normalize_text(read_file(path).text)
    df = pd.DataFrame(split_sentences(text, find_sections(text)))
    df.insert(0, "doc_id", doc_id or path.stem)
    return df, text


@pytest.fixture(scope="module")
def seed():
    df, text = sentences_of(SEED, "seed")
    return tag_sentences(df, "rules"), text


@pytest.fixture(scope="module")
def labelled():
    return load_labels(LABELS_TSV)


# ----------------------------------------------------------------------------- the seed
def _body(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["kind"] == "text"]


BACKGROUND_52 = "政务公开工作涉及方方面面，工作难度大，人民群众高度关注。"


@pytest.mark.parametrize("tagger", ["rules", "learned", "combined"])
def test_seed_five_one_is_issue_and_five_two_is_remedy(tagger):
    df, _ = sentences_of(SEED, "seed")
    tagged = tag_sentences(df, tagger)
    five_one = _body(tagged[(tagged["section"] == "5") & (tagged["subsection"] == 1)])
    assert len(five_one) >= 10
    assert (five_one["label"] == "issue").all(), five_one.loc[five_one["label"] != "issue", "text"].tolist()
    five_two = _body(tagged[(tagged["section"] == "5") & (tagged["subsection"] == 2)])
    # neither by meaning: the background sentence and the 落款 (issuer, date) after the last measure
    neither = five_two["text"].isin([BACKGROUND_52, "互助土族自治县人民政府办公室", "2023年1月18日"])
    assert neither.sum() == 3
    assert (five_two.loc[neither, "label"] == "other").all()
    assert (five_two.loc[~neither, "label"] == "remedy").all(), \
        five_two.loc[~neither & (five_two["label"] != "remedy"), "text"].tolist()
    assert len(five_two[~neither]) >= 10


def test_seed_headings_of_five_are_other(seed):
    tagged, _ = seed
    heads = tagged[(tagged["section"] == "5") & (tagged["kind"] == "heading")]
    assert len(heads) == 3  # 五、… （一）… （二）…
    assert (heads["label"] == "other").all()


@pytest.mark.parametrize("tagger", ["rules", "learned", "combined"])
def test_seed_achievements_of_section_one_are_other(tagger):
    df, _ = sentences_of(SEED, "seed")
    tagged = tag_sentences(df, tagger)
    one = tagged[tagged["section"] == "1"]
    assert len(one) > 20
    assert (one["label"] == "other").all(), one.loc[one["label"] != "other", "text"].tolist()
    done = one[one["text"].str.contains("进一步健全了")]
    assert len(done) == 1 and "进一步" in done["cues"].iloc[0] and "past:了" in done["cues"].iloc[0]
    # the same 进一步健全完善…考核奖惩制度 is done work in 一 and a measure in 五（二）
    same = tagged[tagged["text"].str.contains("进一步健全完善")]
    assert dict(zip(same["section"], same["label"])) == {"1": "other", "5": "remedy"}


def test_seed_tagged_on_every_section(seed):
    tagged, _ = seed
    assert set(tagged["section"]) >= {"preamble", "1", "2", "3", "4", "5"}
    assert tagged["label"].isin(LABELS).all()
    assert tagged["score"].between(0, 1).all()
    assert not tagged[tagged["section"] != "5"]["label"].isin(["issue", "remedy"]).any()
    assert (tagged.loc[tagged["kind"] == "table", "label"] == "other").all()


def test_seed_cues_are_evidence(seed):
    tagged, _ = seed
    row = tagged[tagged["text"].str.startswith("一是存在公开的信息质量不高")].iloc[0]
    cues = row["cues"].split("；")
    assert {"存在…问题", "不高", "不强"} <= set(cues)
    assert "ctx:五（一）问题" in cues
    row = tagged[tagged["text"].str.startswith("二要强化监督")].iloc[0]
    assert "ctx:五（二）措施" in row["cues"].split("；")


# ----------------------------------------------------------------------------- traps
TRAPS = [
    # (section, text, label)
    ("1", "我县不断加强政务公开工作，取得明显成效。", "other"),
    ("1", "全年未发生因政府信息公开引起的行政复议和行政诉讼。", "other"),
    ("4", "本年度未发生行政复议、行政诉讼情况。", "other"),
    ("3", "本年度无不予公开情形。", "other"),
    ("6", "2022年，无收取信息处理费情况。", "other"),
    ("6", "无其他需要报告的事项", "other"),
    ("1", "互助县政府全力做好信息公开工作，未被国务院办公厅通报。", "other"),
    ("5", "政府网站无长期未更新的栏目。", "other"),
    ("5", "政府网站部分栏目长期未更新。", "issue"),
    ("5", "部分政府部门存在更新不及时的问题。", "issue"),
    ("5", "三是依申请公开工作机制仍需进一步规范；", "issue"),
    ("5", "不断加强业务培训，提升队伍能力。", "remedy"),
    ("1", "已进一步加强了业务培训。", "other"),
    ("5", "将进一步加强业务培训。", "remedy"),
    ("5", "下一步，我局将继续加强政务公开培训。", "remedy"),
    ("5", "信息公开的及时性有待进一步提高，下一步将建立定期巡检制度。", "remedy"),
    ("1", "进一步健全了政务公开工作领导小组。", "other"),
]


SPEC_TRAPS = ("不断加强", "未发生", "无不予公开")


@pytest.mark.parametrize("tagger", ["rules", "combined", "learned"])
def test_negation_and_tense_traps(tagger):
    traps = TRAPS if tagger != "learned" else [t for t in TRAPS if any(k in t[1] for k in SPEC_TRAPS)]
    df = pd.DataFrame(traps, columns=["section", "text", "gold"])
    df["doc_id"] = [f"trap{i}" for i in range(len(df))]  # no context between them
    got = tag_sentences(df.drop(columns="gold"), tagger)["label"].tolist()
    wrong = [(t, g, p) for t, g, p in zip(df["text"], df["gold"], got) if g != p]
    assert not wrong


def test_negation_cue_is_reported():
    tagged = tag_sentences(["我县不断加强组织领导。", "政务公开工作更新不及时。"], "rules")
    assert "neg:不断" in tagged["cues"][0] and tagged["label"][0] == "other"
    assert "不及时" in tagged["cues"][1].split("；")


# ----------------------------------------------------------------------------- enumeration and context
def test_lead_in_opens_the_list_outside_subsections():
    shared = shared_dir()
    df, _ = sentences_of(shared / "corpus" / "pingtan" / "202302_80629.txt", "pt2022")
    t = tag_sentences(df, "rules")
    five = _body(t[t["section"] == "5"])
    first_items = five[five["enum"] == "一是"]
    assert first_items["label"].tolist() == ["issue", "remedy"]
    assert "ctx:引语措施" in first_items["cues"].iloc[1]


def test_user_lexicon_overrides_the_shipped_one(tmp_path):
    lex = tmp_path / "issue.txt"
    lex.write_text("# only one cue\n质量平平\t2\n", encoding="utf-8")
    df = pd.DataFrame({"section": ["5", "5"], "text": ["公开内容质量平平。", "公开内容质量不高。"],
                       "doc_id": ["a", "b"]})
    mine = RuleTagger(issue_cues=lex).predict(df)
    shipped = RuleTagger().predict(df)
    assert list(mine) == ["issue", "other"] and list(shipped) == ["other", "issue"]


def test_bad_lexicon_line_is_reported():
    with pytest.raises(ValueError, match="line 1"):
        RuleTagger(issue_cues=["re:(unclosed"])


def test_runs_on_every_report_of_the_shared_corpus():
    shared = shared_dir()
    files = sorted((shared / "corpus" / "pingtan").glob("*.txt")) + [shared / "corpus" / "shanghai_office_2025.md"]
    frames = [sentences_of(f, f.stem)[0] for f in files]
    tagged = tag_sentences(pd.concat(frames, ignore_index=True), "rules")
    assert tagged["label"].isin(LABELS).all()
    by_doc = tagged.groupby("doc_id")["label"].agg(set)
    with_five = [f.stem for f in files if f.stem != "201402_80774"]  # the 地税局 report has no 五
    assert all({"issue", "remedy"} <= by_doc[d] or d == "shanghai_office_2025" for d in with_five)
    outside = tagged[~tagged["section"].isin(["5"])]
    assert (outside["label"] == "other").mean() > 0.99


# ----------------------------------------------------------------------------- validity on the labels
def test_grouped_cross_validation_macro_f1(labelled):
    """GroupKFold by report: no model sees a sentence of the report it is tested on."""
    t0 = time.perf_counter()
    sents = labelled_to_sentences(labelled)
    y = labelled["label"].to_numpy()
    real = (labelled["source"] != "constructed").to_numpy()
    for make in (RuleTagger, LearnedTagger, CombinedTagger):
        res = cross_validate(sents, y, make, groups=labelled["source"].to_numpy(), n_splits=5)
        on_real = evaluate(y[real], res["predicted"].to_numpy()[real])
        assert on_real["macro_f1"] >= 0.90, format_report(on_real, make.__name__)
        assert res["macro_f1"] >= 0.90, format_report(res, make.__name__)
    assert time.perf_counter() - t0 < 60


def test_evaluate_reports_confusion_and_per_label():
    r = evaluate(["issue", "issue", "remedy", "other"], ["issue", "other", "remedy", "remedy"])
    assert r["confusion"].loc["issue", "other"] == 1 and r["confusion"].loc["other", "remedy"] == 1
    assert r["per_label"].loc["issue", "precision"] == 1.0 and r["per_label"].loc["issue", "recall"] == 0.5
    assert r["per_label"].loc["remedy", "precision"] == 0.5
    assert r["macro_f1"] == pytest.approx(np.mean([2 / 3, 2 / 3, 0.0]))
    assert "macro-F1" in format_report(r)
    with pytest.raises(ValueError, match="not in"):
        evaluate(["issue"], ["problem"])


# ----------------------------------------------------------------------------- learned model files
@pytest.fixture(scope="module")
def small_model(labelled):
    return train(labelled)


def test_save_load_round_trip_gives_identical_predictions(small_model, labelled, tmp_path):
    path = small_model.save(tmp_path / "model.json")
    loaded = LearnedTagger.load(path)
    df, _ = sentences_of(SEED, "seed")
    assert np.array_equal(small_model.predict_proba(df), loaded.predict_proba(df))
    sents = labelled_to_sentences(labelled)
    assert np.array_equal(small_model.predict_proba(sents), loaded.predict_proba(sents))
    d = json.loads(path.read_text(encoding="utf-8"))
    assert d["format"] == "govtext.LearnedTagger" and d["govtext_version"]
    assert d["training_data"]["sha256"] == training_sha256(sents, labelled["label"])
    assert d["training_data"]["n_sentences"] == len(labelled)


def test_training_is_deterministic(small_model, labelled):
    again = train(labelled)
    assert np.array_equal(again.coef_, small_model.coef_)


@pytest.mark.parametrize("content, why", [
    (pickle.dumps({"format": "govtext.LearnedTagger"}), "not UTF-8 JSON"),
    (b"vocabulary,coef\n", "not UTF-8 JSON"),
    (json.dumps({"hello": 1}).encode(), "format"),
    (json.dumps({"format": "govtext.LearnedTagger", "format_version": 99}).encode(), "format_version"),
    (json.dumps({"format": "govtext.LearnedTagger", "format_version": 1, "params": {"ngram": [1, 3]}}).encode(),
     "missing or malformed"),
])
def test_loading_something_else_raises_a_clear_error(tmp_path, content, why):
    path = tmp_path / "model.json"
    path.write_bytes(content)
    with pytest.raises(ModelFileError, match=why) as err:
        LearnedTagger.load(path)
    assert "is not a govtext LearnedTagger model file" in str(err.value)


def test_shipped_model_is_current(labelled):
    """The shipped model was trained on the shipped labels with the shipped lexicons (else: retrain)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a lexicon mismatch warns
        model = LearnedTagger.load()
    sents = labelled_to_sentences(labelled)
    assert model.meta_["training_data"]["sha256"] == training_sha256(sents, labelled["label"]), \
        "data/labels/sentences.tsv changed: run benchmarks/tagger_cv.py --save-model govtext/resources/tagger_model.json"


def test_weak_labels_from_section_five_train_a_model():
    df, _ = sentences_of(SEED, "seed")
    weak = weak_labels(df)
    five = df["section"] == "5"
    assert set(weak[five & (df["subsection"] == 1) & (df["kind"] == "text")]) == {"issue"}
    assert "remedy" in set(weak[five & (df["subsection"] == 2)])
    keep = weak.notna()
    model = LearnedTagger(min_df=1).fit(df[keep], weak[keep])
    assert set(model.predict(df)) <= set(LABELS)
    shared = shared_dir()
    corpus = pd.concat([sentences_of(f, f.stem)[0] for f in sorted((shared / "corpus" / "pingtan").glob("*.txt"))],
                       ignore_index=True)
    weak_model = train(weak=corpus)  # no hand labels at all
    seed_pred = weak_model.predict(df)
    body = (df["kind"] == "text").to_numpy()
    assert (seed_pred[body & (df["section"] == "5").to_numpy() & (df["subsection"] == 1).to_numpy()] == "issue").all()
    assert (seed_pred[body & (df["section"] == "1").to_numpy()] == "other").mean() > 0.9


# ----------------------------------------------------------------------------- pairing and audit
def test_pairing_on_the_seed(seed):
    tagged, _ = seed
    pairs = pair_issues(tagged)
    assert list(pairs.columns) == ["doc_id", "issue_sent_id", "remedy_sent_id", "confidence", "basis"]
    text = tagged.set_index("sent_id")["text"]
    first = pairs[pairs["issue_sent_id"] == tagged.loc[tagged["text"].str.startswith("一是存在公开"), "sent_id"].iloc[0]]
    assert text[first["remedy_sent_id"].iloc[0]].startswith("一要")
    four = pairs[pairs["issue_sent_id"] == tagged.loc[tagged["text"].str.startswith("四是存在"), "sent_id"].iloc[0]]
    assert text[four["remedy_sent_id"].iloc[0]].startswith("四要") and "培训" in four["basis"].iloc[0]
    issues = set(tagged.loc[tagged["label"] == "issue", "sent_id"])
    remedies = set(tagged.loc[tagged["label"] == "remedy", "sent_id"])
    assert issues == set(pairs["issue_sent_id"].dropna())
    assert remedies == set(pairs["remedy_sent_id"].dropna())
    assert pairs["confidence"].dropna().between(0, 1).all()


def test_unpaired_issues_are_reported():
    df = pd.DataFrame({"doc_id": "x", "sent_id": [0, 1, 2], "section": "5", "kind": "text",
                       "text": ["一是公开不及时。", "二是解读形式单一。", "一是丰富解读形式。"],
                       "label": ["issue", "issue", "remedy"]})
    pairs = pair_issues(df)
    linked = pairs.dropna(subset=["issue_sent_id", "remedy_sent_id"])
    assert linked[["issue_sent_id", "remedy_sent_id"]].values.tolist() == [[1, 2]]  # theme 解读 beats enum 1=1
    assert pairs["remedy_sent_id"].isna().sum() == 1


def test_kwic_context(seed):
    tagged, text = seed
    issues = tagged["label"] == "issue"
    view = kwic(tagged, issues, {"seed": text}, window=10)
    assert len(view) == issues.sum()
    row = view.iloc[0]
    assert text.find(row["left"] + row["sentence"] + row["right"]) >= 0
    assert len(row["left"]) <= 10
    plain = kwic(tagged, issues)  # no full text: neighbouring sentences
    assert plain["sentence"].tolist() == tagged.loc[issues, "text"].tolist()


# ----------------------------------------------------------------------------- robustness
_PIECES = st.sampled_from(list("不断加强存在问题不足将要已了无未一是二要（一）。；：，12 年\n") + ["进一步", "有待", "下一步"])
_TEXT = st.lists(_PIECES, max_size=20).map("".join)


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(_TEXT, max_size=6),
       sections=st.lists(st.sampled_from(["1", "5", "other", ""]), min_size=6, max_size=6))
def test_any_text_gets_a_label_and_probabilities(texts, sections):
    df = pd.DataFrame({"text": texts, "section": sections[:len(texts)], "doc_id": "d"},
                      index=[0] * len(texts))  # a repeated index is fine too
    tagged = tag_sentences(df, "rules")
    assert len(tagged) == len(texts) and tagged["label"].isin(LABELS).all()
    proba = RuleTagger().predict_proba(df)
    assert np.allclose(proba.sum(axis=1), 1.0) if len(df) else proba.shape == (0, 3)


def test_empty_input():
    empty = pd.DataFrame(columns=["doc_id", "sent_id", "section", "text"])
    assert tag_sentences(empty, "rules").empty
    assert pair_issues(tag_sentences(empty, "rules")).empty
