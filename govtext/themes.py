"""Themes across years and regions: dictionaries, theme measures, panels, keyness, topics and text reuse.

Everything here is a pure function over DataFrames (or a :class:`~govtext.corpus.Corpus`, whose
tables are DataFrames): the same input gives the same output, in any process, in any order.

* :func:`load_dictionary` reads a theme dictionary (theme → subtheme → terms) from the shipped
  ``resources/themes.yaml``, a YAML file or text of your own, or a plain ``dict``. Terms are plain
  words (``政务新媒体``), globs over one token (``*热线``) or multi-word phrases of consecutive
  tokens (``政策 解读``). Its plain terms are added to the tokenizer's dictionary
  (:func:`theme_tokenizer`) so that they are never split.
* :func:`theme_hits` lists every match; :func:`theme_measures` counts them per document,
  section or sentence (hits, share of word tokens, rate per 1,000 characters);
  :func:`theme_mix` compares sentences by label (issue vs remedy); :func:`theme_kwic` shows
  each hit in context, for auditing the dictionary.
* :func:`panel` groups any measure by docvars (year, province, level, regime …) into a tidy
  panel; :func:`year_over_year` gives the change per issuer from one report to the next.
* :func:`dtm` builds a document–term matrix with scikit-learn's ``CountVectorizer`` and the
  govtext tokenizer (:func:`vectorizer`; single-character words such as 不 are kept);
  :func:`keyness` (signed chi², log-likelihood G², target vs reference) and :func:`topics`
  (NMF or LDA with a fixed ``random_state``) work on it.
* :func:`reuse` measures text reuse: the share of a report's sentences copied or near-copied
  from the same issuer's previous report and from other issuers' reports
  (:func:`reuse_sentences` gives the sentence pairs behind it).

>>> import govtext
>>> from govtext import themes
>>> corpus = govtext.read_corpus("data/reports", progress=False)
>>> m = themes.theme_measures(corpus)
>>> m.columns.tolist()
['doc_id', 'theme', 'hits', 'n_tokens', 'n_chars', 'share', 'per_1k']
>>> themes.panel(m, corpus.docs, by=["year"]).query("theme == '公开质量'")[["year", "n_docs"]].values.tolist()
[[2022, 1]]
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ThemeDictionary", "load_dictionary", "theme_tokenizer", "theme_hits", "theme_measures", "theme_mix",
    "document_measures", "mix_from_measures", "theme_kwic", "panel", "year_over_year", "series_key", "DocumentTermMatrix", "vectorizer", "dtm",
    "keyness", "TopicModel", "topics", "reuse_sentences", "reuse",
]

DEFAULT_RESOURCE = "themes.yaml"
LEVELS = ("doc", "section", "sentence")
_GLOB_CHARS = re.compile(r"[*?]")
_NUMBER = re.compile(r"[.,，%％\-+]*\d[\d.,，%％\-+]*")  # 2023, 1.5%, １２ (Chinese numerals such as 十四五 stay)
_SERIES_SUFFIX = re.compile(r"(人民政府办公厅|人民政府办公室|人民政府|管理委员会|管委会|办公厅|办公室)$")


# =============================================================================== dictionaries
@dataclass(frozen=True)
class ThemeDictionary:
    """A theme dictionary: ``entries`` are ``(theme, subtheme, term)`` triples in the order given.

    A term is a plain word (one token), a glob over one token (``*`` any characters, ``?`` one
    character) or a phrase of space-separated parts matching consecutive tokens (each part may be a
    glob; a phrase of plain parts also matches the single token they make together).

    >>> d = load_dictionary({"渠道": {"新媒体": ["微信", "*新媒体"]}, "质量": ["及时", "政策 解读"]})
    >>> d.themes, d.subthemes("质量")
    (['渠道', '质量'], ['质量'])
    >>> d.to_frame()["kind"].tolist()
    ['word', 'glob', 'word', 'phrase']
    >>> d.tokenizer_words()
    ['及时', '微信']
    """

    entries: tuple[tuple[str, str, str], ...]
    name: str = "custom"
    version: str = ""
    description: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self):
        if not self.entries:
            raise ValueError("a theme dictionary needs at least one term")

    def __len__(self) -> int:
        return len(self.entries)

    def __repr__(self) -> str:
        return (f"ThemeDictionary(name={self.name!r}, version={self.version!r}, themes={len(self.themes)}, "
                f"terms={len(self)}, sha256={self.sha256[:12]}…)")

    @property
    def themes(self) -> list[str]:
        """Theme names in dictionary order."""
        return list(dict.fromkeys(t for t, _, _ in self.entries))

    def subthemes(self, theme: str | None = None) -> list[str]:
        """Subtheme names (of one theme, or all as ``theme/subtheme``) in dictionary order."""
        if theme is None:
            return list(dict.fromkeys(f"{t}/{s}" for t, s, _ in self.entries))
        return list(dict.fromkeys(s for t, s, _ in self.entries if t == theme))

    @cached_property  # frozen: computed once
    def sha256(self) -> str:
        """sha256 of the name, version and entries: what every theme measure depends on."""
        payload = json.dumps({"name": self.name, "version": self.version, "entries": self.entries},
                             ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def to_frame(self) -> pd.DataFrame:
        """One row per entry: ``theme, subtheme, term, kind`` (word / glob / phrase)."""
        return pd.DataFrame([(t, s, w, _term_kind(w)) for t, s, w in self.entries],
                            columns=["theme", "subtheme", "term", "kind"])

    def tokenizer_words(self) -> list[str]:
        """The plain terms (sorted): added to the tokenizer's dictionary so they stay whole."""
        return sorted({w for _, _, w in self.entries if _term_kind(w) == "word"})

    def select(self, themes: str | Iterable[str]) -> ThemeDictionary:
        """A dictionary with only the given themes (in this dictionary's order)."""
        wanted = {themes} if isinstance(themes, str) else set(themes)
        unknown = sorted(wanted - set(self.themes))
        if unknown:
            raise KeyError(f"no such theme(s) {unknown}; themes are {self.themes}")
        return ThemeDictionary(tuple(e for e in self.entries if e[0] in wanted), self.name, self.version,
                               self.description, self.meta)

    def manifest(self) -> dict:
        """What to record next to an output: name, version, sha256, number of themes and terms."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256,
                "themes": len(self.themes), "terms": len(self)}


def _term_kind(term: str) -> str:
    if " " in term:
        return "phrase"
    return "glob" if _GLOB_CHARS.search(term) else "word"


def _clean(value, what: str) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict)):
        raise ValueError(f"{what} must be a word, not {value!r}")
    text = " ".join(str(value).split())
    if not text:
        raise ValueError(f"{what} is empty")
    return text


def load_dictionary(source=None) -> ThemeDictionary:
    """Read a theme dictionary.

    ``source``: ``None`` (the shipped ``resources/themes.yaml``), a :class:`ThemeDictionary`, a path to
    a YAML file, YAML text, or a ``dict``. The YAML/dict layout is ``{"themes": {theme: {subtheme:
    [terms]}}}`` (optionally with ``name``, ``version``, ``description``), or just ``{theme: {subtheme:
    [terms]}}``; a theme may map straight to a list of terms. Only ``yaml.safe_load`` is used.

    >>> d = load_dictionary()
    >>> d.name, "公开质量" in d.themes
    ('govtext-themes', True)
    >>> load_dictionary("themes:\\n  回应: [回应, '*信箱']\\n").entries
    (('回应', '回应', '回应'), ('回应', '回应', '*信箱'))
    """
    if isinstance(source, ThemeDictionary):
        return source
    if source is None:
        from .resources import read_resource_text

        return _shipped_dictionary(read_resource_text(DEFAULT_RESOURCE))
    if isinstance(source, Mapping):
        return _from_mapping(source, default_name="custom")
    if isinstance(source, str) and "\n" not in source and (
            Path(source).suffix.lower() in (".yaml", ".yml", ".json") or Path(source).is_file()):
        source = Path(source)
    if isinstance(source, Path):
        if not source.is_file():
            raise FileNotFoundError(f"no theme dictionary file {source}")
        return _from_mapping(_safe_yaml(source.read_text(encoding="utf-8"), str(source)), default_name=source.stem)
    if isinstance(source, str):
        return _from_mapping(_safe_yaml(source, "<text>"), default_name="custom")
    raise TypeError(f"a theme dictionary is None, a path, YAML text, a dict or a ThemeDictionary, not {type(source)}")


@lru_cache(maxsize=2)
def _shipped_dictionary(text: str) -> ThemeDictionary:
    """The shipped dictionary, parsed once per process (keyed by its text, so an edited file is re-read)."""
    return _from_mapping(_safe_yaml(text, DEFAULT_RESOURCE), default_name="govtext-themes")


def _safe_yaml(text: str, origin: str):
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{origin}: not valid YAML ({exc})") from exc
    if not isinstance(data, Mapping):
        raise ValueError(f"{origin}: a theme dictionary is a mapping of themes, got {type(data).__name__}")
    return data


def _from_mapping(data: Mapping, default_name: str) -> ThemeDictionary:
    if "themes" in data and isinstance(data["themes"], Mapping):
        themes, meta = data["themes"], {k: v for k, v in data.items() if k != "themes"}
    else:
        themes, meta = data, {}
    entries: list[tuple[str, str, str]] = []
    for theme, body in themes.items():
        theme = _clean(theme, "a theme name")
        groups = body.items() if isinstance(body, Mapping) else [(theme, body)]
        for sub, terms in groups:
            sub = _clean(sub, f"a subtheme name of {theme}")
            if isinstance(terms, (str, int, float)):
                terms = [terms]
            if not isinstance(terms, (list, tuple)):
                raise ValueError(f"{theme}/{sub}: terms must be a list of words (a deeper nesting is not allowed)")
            seen = set()
            for term in terms:
                term = _clean(term, f"a term of {theme}/{sub}")
                if term not in seen:
                    seen.add(term)
                    entries.append((theme, sub, term))
    return ThemeDictionary(tuple(entries), name=str(meta.get("name", default_name)),
                           version=str(meta.get("version", "")), description=str(meta.get("description", "")),
                           meta=meta)


# =============================================================================== tokenizer
_TOKENIZERS: dict[str, Any] = {}  # a cache of lazily-loaded tokenizers, keyed by what they depend on


def theme_tokenizer(dictionary=None, tokenizer=None):
    """A :class:`~govtext.segment.Tokenizer`: ``tokenizer`` (default: the shipped one) plus the
    dictionary's plain terms, so that no term is split.

    >>> tok = theme_tokenizer({"质量": ["一图读懂"]})
    >>> "一图读懂" in tok.cut("制作一图读懂3期")
    True
    """
    from .segment import Tokenizer, default_tokenizer

    d = load_dictionary(dictionary)
    base = tokenizer or default_tokenizer()
    key = f"{base.dictionary_hash}:{d.sha256}"
    if key not in _TOKENIZERS:
        known = {w for w, _ in base.entries}
        extra = [w for w in d.tokenizer_words() if w not in known]
        _TOKENIZERS[key] = Tokenizer(user_dict=[f"{w} {f}" for w, f in base.entries], extra_words=extra,
                                     stopwords=sorted(base.stopwords), backend=base.backend, hmm=base.hmm)
    return _TOKENIZERS[key]


def _is_corpus(obj) -> bool:
    return hasattr(obj, "tokens") and hasattr(obj, "docs") and hasattr(obj, "sentences")


def _tokens_of(source, dictionary, tokenizer) -> pd.DataFrame:
    if _is_corpus(source):
        return source.tokens(theme_tokenizer(dictionary, tokenizer))
    if isinstance(source, pd.DataFrame):
        missing = {"doc_id", "sent_id", "token", "start", "end"} - set(source.columns)
        if missing:
            raise ValueError(f"a tokens table needs columns doc_id, sent_id, token, start, end (missing {sorted(missing)})")
        return source
    raise TypeError("pass a Corpus or a tokens DataFrame (corpus.tokens(theme_tokenizer(dictionary)))")


# =============================================================================== matching
def _glob_regex(pattern: str) -> re.Pattern:
    return re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern) + r"\Z",
                      re.S)


def _part_matcher(part: str, uniques: np.ndarray) -> np.ndarray:
    if _GLOB_CHARS.search(part):
        rx = _glob_regex(part)
        return np.fromiter((bool(rx.match(u)) for u in uniques), dtype=bool, count=len(uniques))
    return uniques == part


HIT_COLUMNS = ["doc_id", "sent_id", "start", "end", "theme", "subtheme", "term", "match"]


def _in_order(tokens: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """Document ranks and sent_ids of the rows when ``tokens`` is already in (doc_id, sent_id, start)
    order with no missing keys (so the stable sort would change nothing); otherwise None."""
    doc, docs = pd.factorize(tokens["doc_id"])
    keys = [tokens["sent_id"], tokens["start"]]
    if len(doc) < 2 or (doc < 0).any() or any(not pd.api.types.is_numeric_dtype(k) or pd.api.types.is_bool_dtype(k)
                                               or k.hasnans for k in keys):
        return None
    try:  # first-seen order is the sorted order only if the documents come sorted, each in one block
        if not pd.Index(docs).is_monotonic_increasing or (doc[1:] < doc[:-1]).any():
            return None
    except TypeError:
        return None
    sent, start = (k.to_numpy() for k in keys)
    same_sent = sent[1:] == sent[:-1]
    later = (doc[1:] != doc[:-1]) | (sent[1:] > sent[:-1]) | (same_sent & (start[1:] >= start[:-1]))
    return (doc, sent) if later.all() else None


def _sorted_tokens(tokens: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The tokens in (doc_id, sent_id, start) order, each row's document rank in that order (-1: no
    doc_id) and its sentence group (equal for rows of one sentence; a row with a missing key has its own)."""
    ordered = _in_order(tokens)
    if ordered is not None:
        tok, (doc, sent) = tokens, ordered
    else:
        tok = tokens.sort_values(["doc_id", "sent_id", "start"], kind="mergesort").reset_index(drop=True)
        doc, sent = pd.factorize(tok["doc_id"])[0], pd.factorize(tok["sent_id"])[0]
    new = (doc < 0) | (sent < 0) if ordered is None else np.zeros(len(tok), dtype=bool)
    new[0] = True
    new[1:] |= (doc[1:] != doc[:-1]) | (sent[1:] != sent[:-1])
    return tok, doc, np.cumsum(new)


def _take(values: list, idx: np.ndarray):
    """``values[idx]`` typed as pandas types a column of such values (quick when ``values`` is short)."""
    return pd.Series(np.asarray(values, dtype=object)).array.take(idx)


def theme_hits(source, dictionary=None, *, tokenizer=None) -> pd.DataFrame:
    """Every dictionary match: ``doc_id, sent_id, start, end, theme, subtheme, term, match``.

    ``source`` is a Corpus (its tokens are made with :func:`theme_tokenizer`) or a tokens DataFrame
    (``doc_id, sent_id, token, start, end``). ``start``/``end`` index the document's normalised text.
    Within a theme each stretch of text counts once: a match inside a longer match of the same theme
    is dropped (on equal spans the entry listed first wins). Tables (``kind == "table"``) are not
    tokenized by the Corpus and so have no hits. Rows are sorted by document, position, theme order.

    >>> toks = pd.DataFrame({"doc_id": "d", "sent_id": 0, "token": ["加强", "政策", "解读", "和", "政务新媒体"],
    ...                      "start": [0, 2, 4, 6, 7], "end": [2, 4, 6, 7, 12]})
    >>> theme_hits(toks, {"质量": ["解读", "政策 解读"], "渠道": ["*新媒体"]})[["theme", "term", "match"]].values.tolist()
    [['质量', '政策 解读', '政策解读'], ['渠道', '*新媒体', '政务新媒体']]
    """
    d = load_dictionary(dictionary)
    return _theme_hits(_tokens_of(source, d, tokenizer), d)[0]


def _theme_hits(tokens: pd.DataFrame, d: ThemeDictionary) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """:func:`theme_hits`, with the tokens in the order it matched them and which of them are words."""
    out = pd.DataFrame(columns=HIT_COLUMNS)
    out.attrs["themes"] = d.themes
    if tokens.empty:
        return out, tokens, np.zeros(0, dtype=bool)
    tok, doc, group = _sorted_tokens(tokens)
    codes, uniques = pd.factorize(tok["token"].astype(str))
    uniques = np.asarray(uniques, dtype=object)
    words = _is_word(uniques)[codes]
    n = len(tok)
    # single-token entries (words, globs, phrases written as one token): (unique token code, entry) pairs
    position = {u: i for i, u in enumerate(uniques)}
    pair_code, pair_entry = [], []
    phrases = []
    for idx, (_theme, _sub, term) in enumerate(d.entries):
        kind = _term_kind(term)
        parts = term.split(" ") if kind == "phrase" else [term]
        if kind == "phrase":
            phrases.append((idx, parts))
            if any(_GLOB_CHARS.search(p) for p in parts):
                continue
            term = "".join(parts)  # the phrase written as one token
        if _GLOB_CHARS.search(term):
            found = np.flatnonzero(_part_matcher(term, uniques))
        else:
            found = [position[term]] if term in position else []
        pair_code.extend(found)
        pair_entry.extend([idx] * len(found))
    found_row, found_len, found_entry = [], [], []
    if pair_code:  # every row whose token has entries, once per entry (rows in order, then entries in order)
        pair_code, pair_entry = np.asarray(pair_code, dtype=np.int64), np.asarray(pair_entry, dtype=np.int64)
        by_code = np.argsort(pair_code, kind="stable")
        per_code = np.bincount(pair_code, minlength=len(uniques))
        first = np.cumsum(per_code) - per_code
        rows = np.flatnonzero(per_code[codes] > 0)
        reps = per_code[codes[rows]]
        rows = np.repeat(rows, reps)
        nth = np.arange(len(rows)) - np.repeat(np.cumsum(reps) - reps, reps)
        found_row.append(rows)
        found_len.append(np.ones(len(rows), dtype=int))
        found_entry.append(pair_entry[by_code[first[codes[rows]] + nth]])
    cache: dict[str, np.ndarray] = {}
    for idx, parts in phrases:  # consecutive tokens of one sentence
        k = len(parts)
        if n < k:
            continue
        for p in parts:
            if p not in cache:
                cache[p] = _part_matcher(p, uniques)
        rows = np.flatnonzero(cache[parts[0]][codes[:n - k + 1]])
        for j, p in enumerate(parts[1:], 1):
            rows = rows[cache[p][codes[rows + j]] & (group[rows + j] == group[rows])]
        found_row.append(rows)
        found_len.append(np.full(len(rows), k))
        found_entry.append(np.full(len(rows), idx))
    rows = np.concatenate(found_row) if found_row else np.array([], dtype=int)
    if not len(rows):
        return out, tok, words
    lens = np.concatenate(found_len)
    entry = np.concatenate(found_entry)
    last = rows + lens - 1
    theme_order = {t: i for i, t in enumerate(d.themes)}
    order = np.array([theme_order[t] for t, _, _ in d.entries])[entry]
    doc_rank = np.where(doc[rows] < 0, doc.max() + 1, doc[rows])  # missing doc_ids last
    start, end = tok["start"].iloc[rows].to_numpy(), tok["end"].iloc[last].to_numpy()
    # one match per stretch of text per theme: drop spans inside an earlier (longer or first-listed) one
    s = np.lexsort((entry, -(end.astype(np.int64) if end.dtype.kind == "u" else end), start, order, doc_rank))
    seg = doc_rank[s] * len(theme_order) + order[s]
    running = pd.Series(end[s]).groupby(seg, sort=False).cummax().to_numpy()
    prev_end = np.concatenate([[-1], running[:-1]])
    prev_end[np.r_[True, seg[1:] != seg[:-1]] | (doc[rows][s] < 0)] = -1  # no doc_id: never dropped
    s = s[end[s] > prev_end]
    s = s[np.lexsort((entry[s], end[s], order[s], start[s], doc_rank[s]))]
    rows, last, entry = rows[s], last[s], entry[s]
    match = codes[rows]
    multi = np.flatnonzero(lens[s] > 1)  # phrase matches: tokens joined, listed after the unique tokens
    joined = ["".join(uniques[codes[rows[i]:last[i] + 1]]) for i in multi]
    match[multi] = len(uniques) + np.arange(len(multi))
    hits = pd.DataFrame({
        "doc_id": tok["doc_id"].iloc[rows].to_numpy(), "sent_id": tok["sent_id"].iloc[rows].to_numpy(),
        "start": start[s], "end": end[s], "theme": _take([e[0] for e in d.entries], entry),
        "subtheme": _take([e[1] for e in d.entries], entry), "term": _take([e[2] for e in d.entries], entry),
        "match": _take([*uniques, *joined], match),
    })
    hits["start"] = hits["start"].astype(int)
    hits["end"] = hits["end"].astype(int)
    hits.attrs["themes"] = d.themes
    return hits, tok, words


# =============================================================================== measures
def _is_word(uniques) -> np.ndarray:
    return np.fromiter((any(ch.isalnum() for ch in u) for u in uniques), dtype=bool, count=len(uniques))


def _word_mask(tokens: pd.Series) -> np.ndarray:
    codes, uniques = pd.factorize(tokens.astype(str))
    return _is_word(uniques)[codes] if len(codes) else np.zeros(0, dtype=bool)


def _unit_keys(level: str) -> list[str]:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
    return {"doc": ["doc_id"], "section": ["doc_id", "section"], "sentence": ["doc_id", "sent_id"]}[level]


def _with_section(frame: pd.DataFrame, sentences: pd.DataFrame | None) -> pd.DataFrame:
    if "section" in frame.columns:
        return frame
    if sentences is None:
        raise ValueError("level='section' needs the sentences table (a Corpus, or sentences=corpus.sentences())")
    sec = sentences[["doc_id", "sent_id", "section"]].drop_duplicates(["doc_id", "sent_id"])
    return frame.merge(sec, on=["doc_id", "sent_id"], how="left")


def theme_measures(source, dictionary=None, *, level: str = "doc", subthemes: bool = False, tokenizer=None,
                   sentences: pd.DataFrame | None = None, hits: pd.DataFrame | None = None) -> pd.DataFrame:
    """Theme measures per document, section or sentence, one row per unit and theme (zeros included).

    Columns: the unit's keys (``doc_id`` [, ``section`` | ``sent_id``]), ``theme`` [, ``subtheme``],
    ``hits``, ``n_tokens`` (word tokens: punctuation excluded, stopwords included), ``n_chars``
    (non-blank characters of the analysed text; tables are not analysed), ``share`` = hits / n_tokens
    and ``per_1k`` = hits per 1,000 characters.

    >>> import govtext
    >>> corpus = govtext.read_corpus("data/reports", progress=False)
    >>> m = theme_measures(corpus, level="section")
    >>> m.columns.tolist()[:3], sorted(m["section"].unique())[:3]
    (['doc_id', 'section', 'theme'], ['1', '2', '3'])
    """
    d = load_dictionary(dictionary)
    keys = _unit_keys(level)
    tokens = _tokens_of(source, d, tokenizer)
    if hits is None:
        hits, tokens, words = _theme_hits(tokens, d)
    else:
        words = _word_mask(tokens["token"])
    return _measures(source, d, tokens, words, hits, keys, subthemes, sentences)


def _measures(source, d: ThemeDictionary, tokens: pd.DataFrame, words: np.ndarray, hits: pd.DataFrame,
              keys: list[str], subthemes: bool, sentences: pd.DataFrame | None) -> pd.DataFrame:
    """:func:`theme_measures` from the tokens, which of them are words, and the hits."""
    if "section" in keys:
        sentences = source.sentences() if sentences is None and _is_corpus(source) else sentences
        tokens = _with_section(tokens, sentences)  # a left merge: rows stay in order, as ``words``
        hits = _with_section(hits, sentences)
    tok = tokens.assign(_word=words, _chars=(tokens["end"] - tokens["start"]).astype(int))
    units = tok.groupby(keys, sort=True, dropna=False).agg(n_tokens=("_word", "sum"), n_chars=("_chars", "sum"))
    units = units.reset_index()
    if _is_corpus(source) and keys == ["doc_id"]:  # documents without any analysed text still get their rows
        analysed = source.docs if "duplicate_of" not in source.docs else source.docs[source.docs["duplicate_of"].isna()]
        doc_ids = pd.Series(sorted(analysed["doc_id"]), dtype=units["doc_id"].dtype)  # also when there are none
        units = pd.DataFrame({"doc_id": doc_ids}).merge(units, on="doc_id", how="left")
        units[["n_tokens", "n_chars"]] = units[["n_tokens", "n_chars"]].fillna(0)
    cats = (d.to_frame()[["theme", "subtheme"]].drop_duplicates() if subthemes
            else pd.DataFrame({"theme": d.themes}))
    cat_keys = cats.columns.tolist()
    grid = units.merge(cats, how="cross")
    counts = hits.groupby(keys + cat_keys, sort=False, dropna=False).size().rename("hits").reset_index()
    out = grid.merge(counts, on=keys + cat_keys, how="left")
    out["hits"] = out["hits"].fillna(0).astype(int)
    out["n_tokens"] = out["n_tokens"].astype(int)
    out["n_chars"] = out["n_chars"].astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(out["n_tokens"] > 0, out["hits"] / out["n_tokens"].where(out["n_tokens"] > 0), np.nan)
        out["per_1k"] = np.where(out["n_chars"] > 0, 1000 * out["hits"] / out["n_chars"].where(out["n_chars"] > 0),
                                 np.nan)
    out = _order(out, keys, d, cat_keys)
    return out[keys + cat_keys + ["hits", "n_tokens", "n_chars", "share", "per_1k"]]


def _order(frame: pd.DataFrame, keys: list[str], d: ThemeDictionary | None, cat_keys: Sequence[str] = ("theme",)):
    """Sort by keys, then by the dictionary's theme (and subtheme) order."""
    sort_cols = list(keys)
    tmp = frame.copy()
    if d is not None and "theme" in cat_keys and "theme" in tmp:
        tmp["_t"] = tmp["theme"].map({t: i for i, t in enumerate(d.themes)})
        sort_cols.append("_t")
        if "subtheme" in cat_keys and "subtheme" in tmp:
            order = {s: i for i, s in enumerate(d.subthemes())}
            tmp["_s"] = (tmp["theme"] + "/" + tmp["subtheme"]).map(order)
            sort_cols.append("_s")
    else:
        sort_cols += [c for c in cat_keys if c in tmp]
    tmp = tmp.sort_values(sort_cols, kind="mergesort", na_position="last")
    return tmp.drop(columns=[c for c in ("_t", "_s") if c in tmp]).reset_index(drop=True)


def theme_mix(hits: pd.DataFrame, sentences: pd.DataFrame, *, label: str = "label",
              labels: Sequence[str] | None = None, dictionary=None) -> pd.DataFrame:
    """The theme mix of sentences by label (e.g. ``issue`` vs ``remedy`` sentences).

    ``hits`` comes from :func:`theme_hits`; ``sentences`` is any table with ``doc_id, sent_id`` and a
    ``label`` column (``corpus.tagged()``, or labels of your own). One row per label and theme:
    ``n_sentences`` (sentences with that label), ``sentences`` (of them, those with ≥ 1 hit of the theme),
    ``hits``, ``share_sentences`` = sentences / n_sentences and ``share_hits`` (the theme's part of
    all hits in sentences with that label).

    >>> hits = pd.DataFrame({"doc_id": ["d", "d", "d"], "sent_id": [1, 1, 2], "theme": ["质量", "渠道", "质量"]})
    >>> sents = pd.DataFrame({"doc_id": "d", "sent_id": [1, 2, 3], "label": ["issue", "remedy", "remedy"]})
    >>> theme_mix(hits, sents)[["label", "theme", "sentences", "share_sentences"]].values.tolist()
    [['issue', '质量', 1, 1.0], ['issue', '渠道', 1, 1.0], ['remedy', '质量', 1, 0.5], ['remedy', '渠道', 0, 0.0]]
    """
    if label not in sentences.columns:
        raise ValueError(f"the sentences table has no {label!r} column (tag it first, e.g. corpus.tagged())")
    if dictionary is not None:
        themes = load_dictionary(dictionary).themes
    else:
        themes = list(hits.attrs.get("themes") or dict.fromkeys(hits["theme"]))
    lab = sentences[["doc_id", "sent_id", label]].drop_duplicates(["doc_id", "sent_id"]).rename(columns={label: "label"})
    present = list(dict.fromkeys(lab["label"].dropna().astype(str)))
    preferred = [x for x in ("issue", "remedy", "other") if x in present]
    labels = list(labels) if labels is not None else preferred + sorted(x for x in present if x not in preferred)
    lab = lab[lab["label"].astype(str).isin(labels)]
    n_sent = lab.groupby("label").size()
    joined = hits[["doc_id", "sent_id", "theme"]].merge(lab, on=["doc_id", "sent_id"], how="inner")
    n_hits = joined.groupby(["label", "theme"]).size()
    n_with = joined.drop_duplicates(["doc_id", "sent_id", "theme"]).groupby(["label", "theme"]).size()
    rows = []
    for lb in labels:
        total_hits = int(sum(n_hits.get((lb, t), 0) for t in themes))
        for t in themes:
            ns = int(n_sent.get(lb, 0))
            w = int(n_with.get((lb, t), 0))
            h = int(n_hits.get((lb, t), 0))
            rows.append({"label": lb, "theme": t, "n_sentences": ns, "sentences": w, "hits": h,
                         "share_sentences": w / ns if ns else np.nan,
                         "share_hits": h / total_hits if total_hits else np.nan})
    return pd.DataFrame(rows, columns=["label", "theme", "n_sentences", "sentences", "hits", "share_sentences",
                                       "share_hits"])


DOCUMENT_MEASURE_COLUMNS = ["doc_id", "theme", "hits", "n_tokens", "n_chars", "share", "per_1k", "n_issue",
                            "n_remedy", "issue_sentences", "remedy_sentences", "issue_hits", "remedy_hits"]


def document_measures(corpus, dictionary=None, *, tagged: pd.DataFrame | None = None,
                      tokenizer=None) -> pd.DataFrame:
    """Per document and theme, everything the corpus-level figures need — a table that can be built
    chunk by chunk and concatenated (the main job does that).

    Columns: those of :func:`theme_measures` (``doc_id, theme, hits, n_tokens, n_chars, share,
    per_1k``), then ``n_issue`` / ``n_remedy`` (the document's issue / remedy sentences),
    ``issue_sentences`` / ``remedy_sentences`` (of them, those with a hit of the theme) and
    ``issue_hits`` / ``remedy_hits``. The issue/remedy columns come from ``tagged`` (default:
    ``corpus.tagged()`` when the corpus can tag; otherwise they are empty).
    :func:`mix_from_measures` turns them into the issue/remedy theme mix.

    >>> import govtext
    >>> m = document_measures(govtext.read_corpus("data/reports", progress=False))
    >>> m.columns.tolist() == DOCUMENT_MEASURE_COLUMNS, int(m["n_issue"].iloc[0]) > 0
    (True, True)
    """
    d = load_dictionary(dictionary)
    if tagged is None and hasattr(corpus, "_cached_frame"):  # a Corpus: computed once, and cached with it
        key = f"document_measures:{d.sha256}:{theme_tokenizer(d, tokenizer).dictionary_hash}"
        return corpus._cached_frame(key, lambda _cache: _document_measures(corpus, d, None, tokenizer))
    return _document_measures(corpus, d, tagged, tokenizer)


def _document_measures(corpus, d: ThemeDictionary, tagged, tokenizer) -> pd.DataFrame:
    hits, tokens, words = _theme_hits(_tokens_of(corpus, d, tokenizer), d)
    out = _measures(corpus, d, tokens, words, hits, ["doc_id"], False, None)
    if tagged is None and hasattr(corpus, "tagged"):
        tagged = corpus.tagged()
    if tagged is None or "label" not in tagged.columns:
        for col in DOCUMENT_MEASURE_COLUMNS[7:]:
            out[col] = pd.array([pd.NA] * len(out), dtype="Int64")
        return out[DOCUMENT_MEASURE_COLUMNS]
    keys = ["doc_id", "sent_id"]
    lab = tagged[keys + ["label"]].drop_duplicates(keys)
    n_lab = lab.groupby(["doc_id", "label"]).size().unstack(fill_value=0)
    # each hit's sentence label (None: not tagged) and row of ``out`` (-1: none)
    at = pd.MultiIndex.from_frame(lab[keys]).get_indexer(pd.MultiIndex.from_frame(hits[keys]))
    label = np.append(lab["label"].to_numpy(dtype=object), None)[at]
    row = pd.MultiIndex.from_frame(out[["doc_id", "theme"]]).get_indexer(pd.MultiIndex.from_frame(hits[["doc_id", "theme"]]))
    for name in ("issue", "remedy"):
        per_doc = n_lab[name] if name in n_lab.columns else pd.Series(dtype=int)
        out[f"n_{name}"] = out["doc_id"].map(per_doc).fillna(0).astype(int)
        sel = (label == name) & (row >= 0)
        first = ~pd.DataFrame({"row": row[sel], "sent_id": hits["sent_id"].to_numpy()[sel]}).duplicated().to_numpy()
        out[f"{name}_sentences"] = np.bincount(row[sel][first], minlength=len(out))
        out[f"{name}_hits"] = np.bincount(row[sel], minlength=len(out))
    return out[DOCUMENT_MEASURE_COLUMNS]


def mix_from_measures(measures: pd.DataFrame) -> pd.DataFrame:
    """The issue/remedy theme mix (the layout of :func:`theme_mix`) from :func:`document_measures`,
    summed over all documents in the table.

    >>> m = pd.DataFrame({"doc_id": ["a", "a"], "theme": ["质量", "渠道"], "n_issue": 4, "n_remedy": 2,
    ...                   "issue_sentences": [2, 1], "remedy_sentences": [0, 2], "issue_hits": [3, 1], "remedy_hits": [0, 2]})
    >>> mix_from_measures(m)[["label", "theme", "share_sentences", "share_hits"]].values.tolist()
    [['issue', '质量', 0.5, 0.75], ['issue', '渠道', 0.25, 0.25], ['remedy', '质量', 0.0, 0.0], ['remedy', '渠道', 1.0, 1.0]]
    """
    cols = ["label", "theme", "n_sentences", "sentences", "hits", "share_sentences", "share_hits"]
    need = {"doc_id", "theme", "n_issue", "n_remedy", "issue_sentences", "remedy_sentences", "issue_hits", "remedy_hits"}
    if need - set(measures.columns) or measures["n_issue"].isna().all():
        return pd.DataFrame(columns=cols)
    themes = list(dict.fromkeys(measures["theme"]))
    per_doc = measures.drop_duplicates("doc_id")
    rows = []
    for name in ("issue", "remedy"):
        n = int(per_doc[f"n_{name}"].fillna(0).sum())
        sums = measures.groupby("theme", sort=False)[[f"{name}_sentences", f"{name}_hits"]].sum()
        total = int(sums[f"{name}_hits"].sum())
        for t in themes:
            w, h = int(sums.at[t, f"{name}_sentences"]), int(sums.at[t, f"{name}_hits"])
            rows.append({"label": name, "theme": t, "n_sentences": n, "sentences": w, "hits": h,
                         "share_sentences": w / n if n else np.nan, "share_hits": h / total if total else np.nan})
    return pd.DataFrame(rows, columns=cols)


def theme_kwic(hits: pd.DataFrame, corpus, *, window: int = 20, theme: str | None = None,
               term: str | None = None) -> pd.DataFrame:
    """Each hit in context, for auditing the dictionary: ``doc_id, sent_id, theme, subtheme, term, left, match, right``.

    >>> import govtext
    >>> corpus = govtext.read_corpus("data/reports", progress=False)
    >>> k = theme_kwic(theme_hits(corpus), corpus, theme="公开形式与渠道", window=4)
    >>> set(k["theme"]) == {"公开形式与渠道"} and all(k["match"].str.len() > 0)
    True
    """
    sel = hits
    if theme is not None:
        sel = sel[sel["theme"] == theme]
    if term is not None:
        sel = sel[(sel["term"] == term) | (sel["match"] == term)]
    rows = []
    for r in sel.itertuples(index=False):
        text = corpus.text(r.doc_id)
        rows.append({"doc_id": r.doc_id, "sent_id": r.sent_id, "theme": r.theme, "subtheme": r.subtheme,
                     "term": r.term, "left": text[max(0, r.start - window):r.start].replace("\n", " "),
                     "match": text[r.start:r.end], "right": text[r.end:r.end + window].replace("\n", " ")})
    return pd.DataFrame(rows, columns=["doc_id", "sent_id", "theme", "subtheme", "term", "left", "match", "right"])


# =============================================================================== panels
def panel(measures: pd.DataFrame, docs: pd.DataFrame, by: str | Sequence[str] = ("year",)) -> pd.DataFrame:
    """Group per-document (or per-section) measures by docvars into a tidy panel.

    One row per group and theme (and section / subtheme when the measures have them): ``n_docs``,
    the summed ``hits``, ``n_tokens``, ``n_chars``, the pooled ``share`` and ``per_1k`` (sum of hits
    over sum of tokens / characters) and the mean of the documents' rates, ``mean_share`` and
    ``mean_per_1k``. Missing docvars form their own group (NaN). Rows are sorted by group.

    >>> m = pd.DataFrame({"doc_id": ["a", "b", "c"], "theme": "质量", "hits": [1, 3, 2],
    ...                   "n_tokens": [10, 10, 20], "n_chars": [100, 100, 100]})
    >>> docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "year": [2020, 2020, 2021]})
    >>> panel(m, docs)[["year", "n_docs", "hits", "per_1k", "mean_share"]].to_dict("list")
    {'year': [2020, 2021], 'n_docs': [2, 1], 'hits': [4, 2], 'per_1k': [20.0, 20.0], 'mean_share': [0.2, 0.1]}
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in by if c not in docs.columns]
    if missing:
        raise KeyError(f"docs has no column(s) {missing}; docvars are {docs.columns.tolist()}")
    if "doc_id" not in measures.columns:
        raise ValueError("panel needs measures with a doc_id column (theme_measures level='doc' or 'section')")
    extra = [c for c in ("section", "theme", "subtheme") if c in measures.columns and c not in by]
    merged = measures.merge(docs[["doc_id", *[c for c in by if c != "doc_id"]]].drop_duplicates("doc_id"),
                            on="doc_id", how="left")
    keys = by + extra
    with np.errstate(divide="ignore", invalid="ignore"):
        if "share" not in merged:
            merged["share"] = merged["hits"] / merged["n_tokens"].where(merged["n_tokens"] > 0)
        if "per_1k" not in merged:
            merged["per_1k"] = 1000 * merged["hits"] / merged["n_chars"].where(merged["n_chars"] > 0)
        g = merged.groupby(keys, sort=True, dropna=False)
        out = g.agg(n_docs=("doc_id", "nunique"), hits=("hits", "sum"), n_tokens=("n_tokens", "sum"),
                    n_chars=("n_chars", "sum"), mean_share=("share", "mean"), mean_per_1k=("per_1k", "mean"))
    out = out.reset_index()
    out["share"] = out["hits"] / out["n_tokens"].where(out["n_tokens"] > 0)
    out["per_1k"] = 1000 * out["hits"] / out["n_chars"].where(out["n_chars"] > 0)
    themes = list(dict.fromkeys(measures["theme"])) if "theme" in measures else []
    if themes:
        out["_t"] = out["theme"].map({t: i for i, t in enumerate(themes)})
        out = out.sort_values(by + [c for c in extra if c != "theme"] + ["_t"], kind="mergesort",
                              na_position="last").drop(columns="_t")
    return out[keys + ["n_docs", "hits", "n_tokens", "n_chars", "share", "per_1k", "mean_share", "mean_per_1k"]
               ].reset_index(drop=True)


def series_key(issuer: str | None) -> str | None:
    """A key that keeps one body's reports in one series although its name varies a little.

    Drops a trailing 人民政府(办公厅/办公室), 管委会/管理委员会, 办公厅 or 办公室: 平潭综合实验区管委会 and
    平潭综合实验区 are one series; a department (…税务局) stays its own.

    >>> [series_key(x) for x in ["平潭综合实验区管委会", "上海市人民政府办公厅", "平潭综合实验区地方税务局"]]
    ['平潭综合实验区', '上海市', '平潭综合实验区地方税务局']
    """
    if issuer is None or (isinstance(issuer, float) and np.isnan(issuer)):
        return None
    s = str(issuer).strip()
    return _SERIES_SUFFIX.sub("", s) or s


def year_over_year(measures: pd.DataFrame, docs: pd.DataFrame, *, key: str = "issuer",
                   value: str = "per_1k") -> pd.DataFrame:
    """Change of a measure from each issuer's report to its next one (per theme).

    ``key`` is the docvar that identifies a series (``issuer``; or add ``series_key(issuer)`` as a
    column). Reports of one key and year are pooled. Columns: key, ``theme``, ``year``, ``n_docs``,
    ``value``, ``prev_year``, ``prev_value``, ``change`` and ``pct_change`` (NaN for the first report).

    >>> m = pd.DataFrame({"doc_id": ["a", "b"], "theme": "质量", "hits": [1, 3], "n_tokens": 10, "n_chars": 1000})
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "issuer": "X", "year": [2020, 2022]})
    >>> year_over_year(m, docs)[["year", "value", "prev_year", "change"]].to_dict("list")
    {'year': [2020, 2022], 'value': [1.0, 3.0], 'prev_year': [nan, 2020.0], 'change': [nan, 2.0]}
    """
    p = panel(measures, docs, by=[key, "year"])
    p = p[p[key].notna() & p["year"].notna()]
    extra = [c for c in ("section", "theme", "subtheme") if c in p.columns]
    p = p.sort_values([key, *extra, "year"], kind="mergesort")
    grp = p.groupby([key, *extra], sort=False, dropna=False)
    out = p[[key, *extra, "year", "n_docs"]].copy()
    out["value"] = p[value]
    out["prev_year"] = grp["year"].shift(1).astype(float)
    out["prev_value"] = grp[value].shift(1)
    out["change"] = out["value"] - out["prev_value"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pct_change"] = 100 * out["change"] / out["prev_value"].where(out["prev_value"] != 0)
    return out.reset_index(drop=True)


# =============================================================================== document-term matrix
class _Words:
    """A picklable scikit-learn ``tokenizer=``: govtext words, optionally without numbers."""

    def __init__(self, tokenizer, drop_numbers: bool = True):
        self.tokenizer = tokenizer
        self.drop_numbers = drop_numbers

    def __call__(self, text: str) -> list[str]:
        words = self.tokenizer.words(text)
        if self.drop_numbers:
            words = [w for w in words if not _NUMBER.fullmatch(w)]
        return words


def vectorizer(dictionary=None, tokenizer=None, *, drop_numbers: bool = True, **kwargs):
    """A scikit-learn ``CountVectorizer`` that segments with the govtext tokenizer (plus the theme terms).

    Words are :meth:`Tokenizer.words <govtext.segment.Tokenizer.words>` (no punctuation, no stopwords;
    single characters such as 不 are kept — scikit-learn's default pattern would drop them); numbers
    are dropped unless ``drop_numbers=False``. ``kwargs`` go to ``CountVectorizer`` (``min_df`` …).

    >>> v = vectorizer()
    >>> sorted(v.fit(["公开不及时，解读不到位"]).vocabulary_)
    ['不', '不及时', '公开', '到位', '解读']
    """
    from sklearn.feature_extraction.text import CountVectorizer

    tok = theme_tokenizer(dictionary, tokenizer)
    params = {"tokenizer": _Words(tok, drop_numbers), "lowercase": False, "token_pattern": None, **kwargs}
    return CountVectorizer(**params)


@dataclass
class DocumentTermMatrix:
    """Counts of terms per row: ``matrix`` (scipy CSR, rows × terms), ``terms`` and ``rows`` (the row keys).

    ``rows`` has one row per matrix row (``doc_id`` [, ``section`` | ``sent_id``] and, for a Corpus,
    the docvars), so masks for :func:`keyness` are built from it.
    """

    matrix: Any
    terms: np.ndarray
    rows: pd.DataFrame

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def __repr__(self) -> str:
        return f"DocumentTermMatrix({self.shape[0]} rows × {self.shape[1]} terms, {self.matrix.nnz} non-zero)"

    def to_frame(self) -> pd.DataFrame:
        """Tidy counts: the row keys, ``term``, ``count`` (non-zero cells only)."""
        coo = self.matrix.tocoo()
        order = np.lexsort((coo.col, coo.row))
        keys = [c for c in ("doc_id", "section", "sent_id", "group") if c in self.rows.columns]
        out = self.rows.iloc[coo.row[order]][keys].reset_index(drop=True)
        out["term"] = self.terms[coo.col[order]]
        out["count"] = coo.data[order].astype(int)
        return out

    def group(self, by: str | Sequence) -> DocumentTermMatrix:
        """Sum rows by a column of ``rows`` (or by one label per row): like quanteda's ``dfm_group``."""
        import scipy.sparse as sp

        labels = self.rows[by] if isinstance(by, str) else pd.Series(list(by), index=self.rows.index)
        codes, uniques = pd.factorize(labels, sort=True)
        if (codes < 0).any():
            raise ValueError("grouping labels contain missing values")
        ind = sp.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(uniques), len(codes)))
        return DocumentTermMatrix((ind @ self.matrix).tocsr(), self.terms, pd.DataFrame({"group": list(uniques)}))

    def top_terms(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` most frequent terms overall: ``term, count, docs`` (rows where it occurs)."""
        counts = np.asarray(self.matrix.sum(axis=0)).ravel()
        docs = np.asarray((self.matrix > 0).sum(axis=0)).ravel()
        df = pd.DataFrame({"term": self.terms, "count": counts.astype(int), "docs": docs.astype(int)})
        return df.sort_values(["count", "term"], ascending=[False, True], kind="mergesort").head(n).reset_index(drop=True)


def _unit_texts(source, level: str) -> pd.DataFrame:
    keys = _unit_keys(level)
    if _is_corpus(source):
        sents = source.sentences()
    elif isinstance(source, pd.DataFrame) and {"doc_id", "text"} <= set(source.columns):
        sents = source
    else:
        raise TypeError("pass a Corpus or a sentences DataFrame with doc_id and text")
    if "kind" in sents.columns:
        sents = sents[sents["kind"] != "table"]
    order = [c for c in ("doc_id", "sent_id", "start") if c in sents.columns]
    sents = sents.sort_values(order, kind="mergesort")
    texts = sents.groupby(keys, sort=True, dropna=False)["text"].agg(lambda s: "\n".join(map(str, s))).reset_index()
    if _is_corpus(source) and level == "doc":
        texts = pd.DataFrame({"doc_id": sorted(source.docs["doc_id"])}).merge(texts, on="doc_id", how="left")
        texts["text"] = texts["text"].fillna("")
    return texts


def dtm(source, dictionary=None, *, tokenizer=None, level: str = "doc", drop_numbers: bool = True,
        **vectorizer_kwargs) -> DocumentTermMatrix:
    """A document–term matrix per document (or section / sentence) from a Corpus or a sentences table.

    Tables are left out. For a Corpus, ``rows`` carries the docvars (year, province, level, regime …).

    >>> import govtext
    >>> m = dtm(govtext.read_corpus("data/reports", progress=False))
    >>> m.shape[0], "不" in set(m.terms), "政务新媒体" in set(m.terms)
    (1, True, True)
    """
    texts = _unit_texts(source, level)
    vec = vectorizer(dictionary, tokenizer, drop_numbers=drop_numbers, **vectorizer_kwargs)
    matrix = vec.fit_transform(texts["text"].tolist()).tocsr()
    rows = texts.drop(columns="text")
    if _is_corpus(source):
        docvars = source.docs.drop(columns=[c for c in ("path",) if c in source.docs.columns])
        rows = rows.merge(docvars, on="doc_id", how="left")
    return DocumentTermMatrix(matrix, np.asarray(vec.get_feature_names_out(), dtype=object), rows.reset_index(drop=True))


# =============================================================================== keyness
def keyness(dtm_: DocumentTermMatrix, target, *, measure: str = "chi2", correction: bool = True,
            min_count: int = 1) -> pd.DataFrame:
    """Keyness of every term in a target group of rows against the other rows (the reference).

    ``target``: a boolean mask over ``dtm.rows`` (array, Series or a function of ``dtm.rows``).
    Columns: ``term``, ``n_target``, ``n_reference``, ``chi2`` (with Yates' correction unless
    ``correction=False``) and ``G2`` (log-likelihood), both signed (negative = more frequent in the
    reference), ``p`` (of ``measure``), ``log_ratio`` (log2 of the ratio of relative frequencies, +0.5
    smoothing). Sorted by ``measure`` descending, then term. Terms rarer than ``min_count`` overall
    are left out.

    >>> import scipy.sparse as sp
    >>> m = DocumentTermMatrix(sp.csr_matrix([[10, 1, 5], [1, 10, 5]]), np.array(["公开", "回应", "工作"]),
    ...                        pd.DataFrame({"doc_id": ["a", "b"]}))
    >>> k = keyness(m, [True, False])
    >>> k["term"].tolist(), bool(k["chi2"].iloc[0] > 0 > k["chi2"].iloc[-1])
    (['公开', '工作', '回应'], True)
    """
    from scipy.stats import chi2 as chi2_dist

    if measure not in ("chi2", "G2", "lr"):
        raise ValueError("measure is 'chi2' or 'G2' (log-likelihood; 'lr' is an alias)")
    measure = "G2" if measure == "lr" else measure
    if callable(target):
        target = target(dtm_.rows)
    mask = np.asarray(pd.Series(target).fillna(False).astype(bool))
    if len(mask) != dtm_.shape[0]:
        raise ValueError(f"target has {len(mask)} values for {dtm_.shape[0]} rows")
    if mask.all() or not mask.any():
        raise ValueError("keyness needs a non-empty target and a non-empty reference group")
    X = dtm_.matrix
    a = np.asarray(X[mask].sum(axis=0)).ravel().astype(float)
    b = np.asarray(X[~mask].sum(axis=0)).ravel().astype(float)
    C, D = float(a.sum()), float(b.sum())  # all tokens of each group
    keep = (a + b) >= max(min_count, 1)
    a, b, terms = a[keep], b[keep], dtm_.terms[keep]
    N = C + D
    obs = np.stack([a, b, C - a, D - b])
    row = np.stack([a + b, a + b, N - a - b, N - a - b])
    col = np.stack([np.full_like(a, C), np.full_like(a, D), np.full_like(a, C), np.full_like(a, D)])
    exp = row * col / N
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = np.abs(obs - exp)
        if correction:
            dev = np.maximum(dev - 0.5, 0)
        chi2 = np.where(exp > 0, dev ** 2 / exp, 0).sum(axis=0)
        g2 = 2 * np.where(obs > 0, obs * np.log(obs / exp), 0).sum(axis=0)
        log_ratio = np.log2(((a + 0.5) / (C + 0.5)) / ((b + 0.5) / (D + 0.5)))
    sign = np.where(a >= exp[0], 1.0, -1.0)
    out = pd.DataFrame({"term": terms, "n_target": a.astype(int), "n_reference": b.astype(int),
                        "chi2": sign * chi2, "G2": sign * np.maximum(g2, 0)})
    out["p"] = chi2_dist.sf(np.abs(out[measure]), 1)
    out["log_ratio"] = log_ratio
    return out.sort_values([measure, "term"], ascending=[False, True], kind="mergesort").reset_index(drop=True)


# =============================================================================== topic models
@dataclass
class TopicModel:
    """A fitted topic model: ``terms`` (topic, rank, term, weight), ``docs`` (row keys, topic, weight), ``model``."""

    terms: pd.DataFrame
    docs: pd.DataFrame
    model: Any

    def summary(self) -> pd.DataFrame:
        """One row per topic: its top terms joined with spaces."""
        return (self.terms.groupby("topic")["term"].agg(" ".join).rename("top_terms").reset_index())


def topics(dtm_: DocumentTermMatrix, n_topics: int = 5, *, method: str = "nmf", n_top: int = 10,
           random_state: int = 0, max_iter: int | None = None) -> TopicModel:
    """Topics for discovery: NMF on tf-idf (default) or LDA on counts, with a fixed ``random_state``.

    ``n_topics`` is capped at the number of rows and terms; ``max_iter`` defaults to 500 (NMF) / 50 (LDA).

    >>> import scipy.sparse as sp
    >>> m = DocumentTermMatrix(sp.csr_matrix([[5, 4, 0, 0], [0, 0, 6, 3], [4, 5, 0, 1]]),
    ...                        np.array(["网站", "栏目", "申请", "答复"]), pd.DataFrame({"doc_id": ["a", "b", "c"]}))
    >>> tm = topics(m, 2)
    >>> sorted(tm.summary()["top_terms"].str.split().str[0])
    ['申请', '网站']
    """
    if method not in ("nmf", "lda"):
        raise ValueError("method is 'nmf' or 'lda'")
    n_rows, n_terms = dtm_.shape
    if n_rows == 0 or n_terms == 0:
        raise ValueError("the document-term matrix is empty")
    k = max(1, min(n_topics, n_rows, n_terms))
    if method == "nmf":
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfTransformer

        X = TfidfTransformer(sublinear_tf=True).fit_transform(dtm_.matrix)
        model = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=max_iter or 500)
    else:
        from sklearn.decomposition import LatentDirichletAllocation

        X = dtm_.matrix
        model = LatentDirichletAllocation(n_components=k, learning_method="batch", random_state=random_state,
                                          max_iter=max_iter or 50)
    doc_topic = model.fit_transform(X)
    comp = model.components_
    rows = []
    for t in range(k):
        order = np.lexsort((dtm_.terms.astype(str), -comp[t]))[:n_top]
        rows += [{"topic": t + 1, "rank": r + 1, "term": dtm_.terms[i], "weight": float(comp[t, i])}
                 for r, i in enumerate(order)]
    terms = pd.DataFrame(rows, columns=["topic", "rank", "term", "weight"])
    if method == "lda":
        doc_topic = doc_topic / np.maximum(doc_topic.sum(axis=1, keepdims=True), 1e-12)
    keys = [c for c in ("doc_id", "section", "sent_id", "group") if c in dtm_.rows.columns]
    docs = dtm_.rows[keys].loc[np.repeat(dtm_.rows.index.to_numpy(), k)].reset_index(drop=True)
    docs["topic"] = np.tile(np.arange(1, k + 1), n_rows)
    docs["weight"] = doc_topic.ravel()
    return TopicModel(terms, docs, model)


# =============================================================================== text reuse
_CANON_DROP = re.compile(r"[\s\W_]+", re.U)
_CANON_NUM = re.compile(r"\d+(?:\.\d+)?")


def _canonical(text: str) -> str:
    """Text for reuse comparison: numbers become #, spaces and punctuation go."""
    return _CANON_DROP.sub("", _CANON_NUM.sub("#", str(text)))


REUSE_PAIR_COLUMNS = ["doc_id", "sent_id", "comparison", "source_doc_id", "source_sent_id", "similarity", "exact",
                      "text", "source_text"]


def _eligible(sentences: pd.DataFrame, docs: pd.DataFrame, key: str, min_chars: int,
              kinds: Sequence[str]) -> pd.DataFrame:
    need = {"doc_id", "sent_id", "text"}
    if need - set(sentences.columns):
        raise ValueError(f"sentences need columns {sorted(need)}")
    for col in (key, "year"):
        if col not in docs.columns:
            raise KeyError(f"docs has no {col!r} column")
    s = sentences
    if "kind" in s.columns and kinds:
        s = s[s["kind"].isin(list(kinds))]
    s = s[["doc_id", "sent_id", "text"]].copy()
    s["canon"] = s["text"].map(_canonical)
    s = s[s["canon"].str.len() >= min_chars]
    meta = docs[["doc_id", key, "year"]].drop_duplicates("doc_id")
    s = s.merge(meta, on="doc_id", how="inner").rename(columns={key: "_key"})
    return s.sort_values(["doc_id", "sent_id"], kind="mergesort").reset_index(drop=True)


def reuse_sentences(sentences: pd.DataFrame, docs: pd.DataFrame, *, key: str = "issuer", threshold: float = 0.7,
                    min_chars: int = 12, ngram: int = 3, kinds: Sequence[str] = ("text",)) -> pd.DataFrame:
    """For each sentence, its most similar sentence in the same issuer's previous report and in any
    other issuer's report — the pairs behind :func:`reuse` (only those at or above ``threshold``).

    Sentences are compared after numbers are replaced by ``#`` and punctuation and spaces dropped
    (a report that only updates its figures is a copy), by the Jaccard similarity of their
    character ``ngram`` sets; ``exact`` means identical after that normalisation. Sentences shorter
    than ``min_chars`` characters (after it), headings and table rows are left out.
    ``comparison`` is ``"previous"`` (the latest earlier report with the same ``key``) or ``"other"``
    (any report with another ``key``).
    """
    from sklearn.feature_extraction.text import CountVectorizer

    s = _eligible(sentences, docs, key, min_chars, kinds)
    if s.empty:
        return pd.DataFrame(columns=REUSE_PAIR_COLUMNS)
    X = CountVectorizer(analyzer="char", ngram_range=(ngram, ngram), lowercase=False, binary=True,
                        dtype=np.float64).fit_transform(s["canon"]).tocsr()
    size = np.asarray(X.sum(axis=1)).ravel()
    doc_rows = {d: np.flatnonzero(s["doc_id"].to_numpy() == d) for d in s["doc_id"].unique()}
    meta = s.drop_duplicates("doc_id").set_index("doc_id")[["_key", "year"]]
    prev = _previous_reports(meta)
    keys_arr = s["_key"].to_numpy()
    canon = s["canon"].to_numpy()
    out = []
    for d in sorted(doc_rows):
        rows = doc_rows[d]
        targets = []
        if prev.get(d) is not None:
            targets.append(("previous", doc_rows[prev[d]]))
        k = meta.at[d, "_key"]
        other = np.flatnonzero(pd.notna(keys_arr) & (keys_arr != k)) if pd.notna(k) else \
            np.flatnonzero(s["doc_id"].to_numpy() != d)
        if len(other):
            targets.append(("other", other))
        for comparison, cols in targets:
            best, best_sim = _best_matches(X, size, rows, cols)
            for i, j, v in zip(rows, best, best_sim):
                exact = canon[i] == canon[j]
                if v >= threshold or exact:
                    out.append({"doc_id": d, "sent_id": s.at[i, "sent_id"], "comparison": comparison,
                                "source_doc_id": s.at[j, "doc_id"], "source_sent_id": s.at[j, "sent_id"],
                                "similarity": 1.0 if exact else float(v), "exact": bool(exact),
                                "text": s.at[i, "text"], "source_text": s.at[j, "text"]})
    return pd.DataFrame(out, columns=REUSE_PAIR_COLUMNS)


def _best_matches(X, size: np.ndarray, rows: np.ndarray, cols: np.ndarray, block: int = 20000):
    """For each of ``rows``, the most similar of ``cols`` (Jaccard of n-gram sets) — in blocks of columns,
    so memory stays bounded on large corpora. Ties go to the first column."""
    best = np.full(len(rows), -1, dtype=np.int64)
    best_sim = np.full(len(rows), -1.0)
    A = X[rows]
    for lo in range(0, len(cols), block):
        c = cols[lo:lo + block]
        inter = (A @ X[c].T).toarray()
        union = size[rows][:, None] + size[c][None, :] - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            sim = np.where(union > 0, inter / union, 0.0)
        j = sim.argmax(axis=1)
        v = sim[np.arange(len(rows)), j]
        better = v > best_sim
        best[better] = c[j[better]]
        best_sim[better] = v[better]
    return best, best_sim


def _previous_reports(meta: pd.DataFrame) -> dict[str, str | None]:
    """doc_id → the latest earlier-year report of the same key (ties: the first doc_id)."""
    prev: dict[str, str | None] = {}
    m = meta.reset_index()
    for _, g in m[m["_key"].notna() & m["year"].notna()].groupby("_key", sort=True):
        g = g.sort_values(["year", "doc_id"], kind="mergesort")
        for d, y in zip(g["doc_id"], g["year"]):
            earlier = g[g["year"] < y]
            prev[d] = earlier[earlier["year"] == earlier["year"].max()]["doc_id"].iloc[0] if len(earlier) else None
    return prev


REUSE_COLUMNS = ["doc_id", "key", "year", "comparison", "source_doc_id", "source_year", "n_sentences", "n_exact",
                 "n_near", "share_exact", "share_near"]


def reuse(sentences: pd.DataFrame, docs: pd.DataFrame, *, key: str = "issuer", threshold: float = 0.7,
          min_chars: int = 12, ngram: int = 3, kinds: Sequence[str] = ("text",),
          pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Text reuse per report: the share of its sentences copied (``share_exact``) or near-copied
    (``share_near``, exact copies included) from the same issuer's previous report
    (``comparison == "previous"``) and from other issuers' reports (``"other"``).

    One row per report and comparison (a report with no previous one has no ``previous`` row).
    ``key`` is the docvar naming a series (e.g. ``issuer``, or a ``series`` column made with
    :func:`series_key`). See :func:`reuse_sentences` for how sentences are compared.

    >>> sents = pd.DataFrame({"doc_id": ["a", "a", "b", "b"], "sent_id": [0, 1, 0, 1], "kind": "text",
    ...     "text": ["2021年本机关主动公开政府信息120条。", "全年未收到行政复议申请。",
    ...              "2022年本机关主动公开政府信息135条。", "我们新建了政务新媒体矩阵并开通了视频号。"]})
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "issuer": "X", "year": [2021, 2022]})
    >>> reuse(sents, docs)[["doc_id", "comparison", "n_sentences", "n_exact", "share_near"]].values.tolist()
    [['b', 'previous', 2, 1, 0.5]]
    """
    s = _eligible(sentences, docs, key, min_chars, kinds)
    if pairs is None:
        pairs = reuse_sentences(sentences, docs, key=key, threshold=threshold, min_chars=min_chars, ngram=ngram,
                                kinds=kinds)
    if s.empty:
        return pd.DataFrame(columns=REUSE_COLUMNS)
    n_sent = s.groupby("doc_id").size()
    meta = s.drop_duplicates("doc_id").set_index("doc_id")[["_key", "year"]]
    prev = _previous_reports(meta)
    rows = []
    for d in sorted(n_sent.index):
        k, y = meta.at[d, "_key"], meta.at[d, "year"]
        others = meta.index[(meta["_key"] != k) & meta["_key"].notna()] if pd.notna(k) else meta.index[meta.index != d]
        comps = []
        if prev.get(d) is not None:
            comps.append(("previous", prev[d], meta.at[prev[d], "year"]))
        if len(others):
            comps.append(("other", None, None))
        for comp, src, src_year in comps:
            p = pairs[(pairs["doc_id"] == d) & (pairs["comparison"] == comp)]
            n = int(n_sent[d])
            rows.append({"doc_id": d, "key": k, "year": y, "comparison": comp, "source_doc_id": src,
                         "source_year": src_year, "n_sentences": n, "n_exact": int(p["exact"].sum()),
                         "n_near": int(len(p)), "share_exact": p["exact"].sum() / n if n else np.nan,
                         "share_near": len(p) / n if n else np.nan})
    out = pd.DataFrame(rows, columns=REUSE_COLUMNS)
    return out.sort_values(["key", "year", "doc_id", "comparison"], kind="mergesort", na_position="last"
                           ).reset_index(drop=True)
