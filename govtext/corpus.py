"""A folder of reports as tidy pandas tables: :func:`read_corpus` and :class:`Corpus`.

The per-document pipeline (:func:`process_document`) is a pure function of a
file's bytes and the settings: read → normalise → docvars → sections →
sentences. A :class:`Corpus` is a thin wrapper over its results: ``docs`` (one
row per document, the docvars), ``errors`` (one row per file that could not be
processed) and methods that return DataFrames whose rows all carry ``doc_id``
and ``start``/``end`` offsets into the document's normalised text
(``corpus.text(doc_id)``).

>>> corpus = read_corpus("data/reports", progress=False)
>>> corpus.docs.loc[0, ["issuer", "level", "adcode"]].tolist(), int(corpus.docs.loc[0, "year"])
(['互助土族自治县人民政府', 'county', '630223'], 2022)
>>> corpus.sections()["section"].tolist()
['preamble', '1', '2', '3', '4', '5']
"""

from __future__ import annotations

import glob as _glob
import hashlib
import sys
from array import array
import re
import signal
import threading
import warnings
from contextlib import contextmanager
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from .docvars import DOCVAR_COLUMNS, extract_docvars
from .io import DEFAULT_MAX_BYTES, SUPPORTED, ReadError, load_bytes, read_bytes, read_file
from .normalize import normalize_text
from .sections import SECTION_NAMES, Section, Subsection, find_sections, find_subsections
from .sentences import split_sentences
from .spam import strip_spam

__all__ = ["Document", "Corpus", "read_corpus", "process_document", "list_files"]

DOC_COLUMNS = ["doc_id", "path", *DOCVAR_COLUMNS[:-2], "n_chars", "sha256", "format", "sections_found",
               "sections_missing", "duplicate_of", "spam_lines", "title", "docvar_notes"]
SECTION_COLUMNS = ["doc_id", "section", "ordinal", "heading", "inferred", "start", "end"]
SUBSECTION_COLUMNS = ["doc_id", "section", "subsection", "heading", "start", "end"]
SENTENCE_COLUMNS = ["doc_id", "sent_id", "section", "subsection", "sub_heading", "enum", "enum_n", "kind",
                    "start", "end", "text"]
ERROR_COLUMNS = ["path", "stage", "reason"]


@dataclass
class Document:
    """Everything govtext extracted from one file (plain data, picklable). A document found in the cache
    (:meth:`stored`) reads its entry there when a field is first used."""

    doc_id: str
    path: str
    text: str
    sha256: str
    format: str
    docvars: dict
    sections: list = field(default_factory=list)
    subsections: list = field(default_factory=list)
    sentences: list = field(default_factory=list)
    stages: dict = field(default_factory=dict)  # per-document analyses: stage key -> {column: values}

    def to_dict(self) -> dict:
        """Plain, JSON-safe form (for the cache); the analyses are cached on their own."""
        return {"text": self.text, "sha256": self.sha256, "format": self.format, "docvars": self.docvars,
                "sections": [asdict(s) for s in self.sections],
                "subsections": [asdict(s) for s in self.subsections],
                "sentences": self.__dict__["_sentences"].packed if self._packed()
                else _pack_sentences(self.text, self.sentences)}

    @classmethod
    def from_dict(cls, doc_id: str, path: str, d: dict) -> Document:
        packed = d["sentences"]
        return cls(doc_id, path, d["text"], d["sha256"], d["format"], d["docvars"],
                   [Section(**s) for s in d["sections"]], [Subsection(**s) for s in d["subsections"]],
                   packed if isinstance(packed, list) else _PackedSentences(d["text"], packed))

    def _packed(self) -> bool:
        return type(self.__dict__["_sentences"]) is _PackedSentences

    @classmethod
    def stored(cls, doc_id: str, path: str, sha256: str, cache_dir: str, key: str) -> Document:
        """The document whose cache entry is ``key``: the entry is read when a field of it is first used
        (a warm run whose tables are all stored reads none)."""
        doc = cls.__new__(cls)
        doc.__dict__.update(doc_id=doc_id, path=path, sha256=sha256, stages={}, _entry=(cache_dir, key))
        return doc

    def __getattr__(self, name: str):  # only called for a field a stored document has not read yet
        if name not in _STORED_FIELDS or "_entry" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        self._load()
        return self.__dict__[name]

    def _load(self) -> None:
        from .cache import DocumentCache

        found = self.__dict__.get("_entry")
        if found is None:  # another thread has just read it
            return
        cache_dir, key = found
        cache = DocumentCache(cache_dir)
        entry = cache.get(key)
        if entry is None:  # damaged or deleted since it was found: made again from the file
            data = load_bytes(self.path, max_bytes=sys.maxsize)  # its size was accepted when it was read
            if hashlib.sha256(data).hexdigest() != self.sha256:
                raise ReadError("read", f"{self.path} changed while the corpus was in use; read the corpus again")
            entry = cache.put(key, process_document(self.path, self.doc_id, data=data).to_dict())
        full = Document.from_dict(self.doc_id, self.path, entry)
        for name in _STORED_FIELDS:
            self.__dict__[name] = full.__dict__[name]
        self.__dict__.pop("_entry", None)


class _PackedSentences:
    """A document's sentences as its cache entry holds them (see _pack_sentences), made into dicts
    only when first used: a warm run whose tables are all stored never needs them."""

    __slots__ = ("packed", "text")

    def __init__(self, text: str, packed: dict):
        self.text, self.packed = text, packed


_STORED_FIELDS = ("text", "format", "docvars", "sections", "subsections", "_sentences")


def _get_sentences(doc: Document) -> list[dict]:
    if "_sentences" not in doc.__dict__:
        doc._load()
    value = doc.__dict__["_sentences"]
    if type(value) is _PackedSentences:
        value = doc.__dict__["_sentences"] = _unpack_sentences(value.text, value.packed)
    return value


def _set_sentences(doc: Document, value) -> None:
    doc.__dict__["_sentences"] = value


# the dataclass's __init__, __eq__ and __repr__ go through this property; pickles carry what is stored
Document.sentences = property(_get_sentences, _set_sentences, doc="The sentences: one dict each (split_sentences).")


def _pack_sentences(text: str, sentences: list[dict]):
    """Sentences as columns, their text left out when it is ``text[start:end]`` (as it always is):
    a fifth of the size, and read several times faster on a warm run. Else the dicts as they are."""
    if not sentences:
        return []
    keys = list(sentences[0])
    if any(list(s) != keys for s in sentences) or not {"text", "start", "end"} <= set(keys):
        return sentences
    columns = {k: [s[k] for s in sentences] for k in keys}
    if all(t == text[a:b] for t, a, b in zip(columns["text"], columns["start"], columns["end"])):
        columns["text"] = None
    return {"keys": keys, "columns": columns}


def _unpack_sentences(text: str, packed: dict) -> list[dict]:
    keys, columns = packed["keys"], dict(packed["columns"])
    if columns["text"] is None:
        columns["text"] = [text[a:b] for a, b in zip(columns["start"], columns["end"])]
    return [dict(zip(keys, values)) for values in zip(*(columns[k] for k in keys))]


def process_document(path: str, doc_id: str, max_bytes: int = DEFAULT_MAX_BYTES, data: bytes | None = None) -> Document:
    """Run the per-document pipeline on one file. Raises :class:`~govtext.io.ReadError`."""
    raw = read_bytes(data, path) if data is not None else read_file(path, max_bytes=max_bytes)
    try:
        clean, spam = strip_spam(raw.text)
        text = normalize_text(clean)
        docvars = extract_docvars(text, raw.meta)
        docvars["spam_lines"] = len(spam)
        sections = find_sections(text)
        subsections = [sub for sec in sections for sub in find_subsections(text, sec)]
        sentences = split_sentences(text, sections, subsections)
    except RecursionError as exc:  # pathological input: report it, never take the corpus down
        raise ReadError("analyse", f"text could not be analysed ({exc})") from exc
    return Document(doc_id, path, text, raw.sha256, raw.format, docvars, sections, subsections, sentences)


def list_files(source: str | Path | Iterable[str | Path]) -> list[tuple[str, str]]:
    """``(path, doc_id)`` pairs for a folder (searched recursively), a glob, a file or a list of them.

    ``doc_id`` is the path relative to the folder given, without its extension
    (``pingtan/202302_80629``), so it is stable across machines.
    """
    sources = [source] if isinstance(source, (str, Path)) else list(source)
    pairs: list[tuple[str, str]] = []
    for src in sources:
        p = Path(src)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
            pairs += [(str(f), f.relative_to(p).with_suffix("").as_posix()) for f in files]
        elif p.exists():
            pairs.append((str(p), p.stem))
        else:
            matches = sorted(_glob.glob(str(src), recursive=True))
            if not matches:
                raise FileNotFoundError(f"no such file, folder or glob match: {src}")
            pairs += [(m, Path(m).stem) for m in matches if Path(m).is_file()]
    seen: dict[str, int] = {}
    out = []
    for path, doc_id in pairs:
        n = seen.get(doc_id, 0)
        seen[doc_id] = n + 1
        out.append((path, doc_id if n == 0 else f"{doc_id}~{n + 1}"))
    return out


DEFAULT_MAX_SECONDS = 300.0


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` in a reader swallows it."""


@contextmanager
def _time_limit(seconds: float | None):
    """Interrupt the block after ``seconds`` (SIGALRM; in the main thread of a process, where _work runs)."""
    if not seconds or not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(signum, frame):
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ------------------------------------------------------------------ per-document analyses
# Each analysis gives a document's result as columns ({column: values}, without doc_id, which is the
# document's); the corpus builds one DataFrame per analysis from all documents' columns and types it
# once (_typed). A DataFrame per document would cost more than most analyses themselves, and rows of
# Python objects would hold far more memory than these columns (tokens: strings shared, offsets packed).
TAG_COLUMNS = ["doc_id", "sent_id", "label", "score", "cues"]
TOKEN_COLUMNS = ["doc_id", "sent_id", "token", "start", "end"]
CHECK_COLUMNS = ["doc_id", "check", "expected", "observed", "ok", "detail", "cells"]
_INTEGER_COLUMNS = frozenset({"start", "end", "sent_id", "part_of", "issue_sent_id", "remedy_sent_id"})
_PACKED = {"tokens": ("sent_id", "start", "end")}  # int32 arrays rather than lists of Python ints


def _columns(records: list[dict], columns: list[str]) -> dict[str, list]:
    """Records (dicts) as columns, doc_id left out."""
    return {c: [r.get(c) for r in records] for c in columns if c != "doc_id"}


def _records(doc_id: str, data: dict[str, list]) -> list[dict]:
    """A document's columns as records again, with its doc_id."""
    cols = list(data)
    return [{"doc_id": doc_id, **dict(zip(cols, values))} for values in zip(*(data[c] for c in cols))]


def _tables_of(d: Document) -> dict[str, list]:
    from .tables import COLUMNS, table_records

    return _columns(table_records(d.text, d.doc_id, d.docvars.get("regime")), COLUMNS)


def _counts_of(d: Document) -> dict[str, list]:
    from .counts import COUNT_COLUMNS, count_records

    # every sentence: count_records skips table runs itself, and headings may run into prose
    return _columns(count_records(d.text, d.doc_id, spans=[(s["start"], s["end"]) for s in d.sentences],
                                  sent_ids=[s["sent_id"] for s in d.sentences], sections=d.sections), COUNT_COLUMNS)


def _tags_of(d: Document, tagger: str = "default") -> dict[str, list]:
    from .tagging import tag_records

    return _columns(tag_records(d.sentences, tagger, doc_id=d.doc_id), TAG_COLUMNS)


def _tokens_of(d: Document, tok) -> dict:
    """Segment the whole text once and give each token to the prose sentence it lies in (tables excluded).

    A token's characters inside one prose sentence form its row there: a token across a sentence
    boundary gives a row to each sentence it reaches, with that part of its text. Characters outside
    prose sentences (table rows, line breaks between sentences) and space tokens give no row.
    """
    prose = [(s["start"], s["end"], s["sent_id"]) for s in d.sentences if s["kind"] != "table"]
    tokens = tok.cut(d.text)
    if not prose or not tokens:
        return {"sent_id": array("i"), "token": [], "start": array("i"), "end": array("i")}
    p_start, p_end, p_id = (np.array(v, dtype=np.int64) for v in zip(*prose))
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    b = np.cumsum(lengths)
    a = b - lengths
    first = np.searchsorted(p_start, a, side="right") - 1  # the last prose sentence starting at or before a
    last = np.searchsorted(p_start, b, side="left") - 1  # the last one starting before b
    end = p_end[np.maximum(first, 0)]
    spoken = ~np.fromiter(map(str.isspace, tokens), dtype=bool, count=len(tokens))
    whole = spoken & (first >= 0) & (first == last) & (b <= end)  # the common case: inside one sentence
    parts = spoken & ((last > first) | ((first >= 0) & (first == last) & (a < end) & (b > end)))
    rows = np.flatnonzero(whole)
    words = list(map(tokens.__getitem__, rows.tolist()))
    sent_ids, starts, ends = p_id[first[rows]], a[rows], b[rows]
    if parts.any():  # rare: split those tokens at the sentence boundaries, then merge in text order
        at, pieces = rows.tolist(), []
        for t in np.flatnonzero(parts).tolist():
            ta, tb = int(a[t]), int(b[t])
            for k in range(max(int(first[t]), 0), int(last[t]) + 1):
                lo, hi = max(ta, int(p_start[k])), min(tb, int(p_end[k]))
                if lo < hi:
                    at.append(t)
                    pieces.append((int(p_id[k]), tokens[t][lo - ta: hi - ta], lo, hi))
        if pieces:
            order = np.argsort(np.array(at), kind="stable")  # a token's pieces keep their order
            p_ids, p_words, p_lo, p_hi = zip(*pieces)
            combined = words + list(p_words)
            words = [combined[o] for o in order.tolist()]
            sent_ids = np.concatenate([sent_ids, p_ids])[order]
            starts = np.concatenate([starts, p_lo])[order]
            ends = np.concatenate([ends, p_hi])[order]
    words = list(map(sys.intern, words))  # a word repeated across the corpus is stored once
    return {"sent_id": array("i", sent_ids.astype(np.int32).tobytes()), "token": words,
            "start": array("i", starts.astype(np.int32).tobytes()), "end": array("i", ends.astype(np.int32).tobytes())}


def _checks_of(d: Document) -> dict[str, list]:
    """One document's checks, from its tables and counts (computed first, see ANALYSES' order)."""
    from .checks import check_table_records
    from .counts import check_narrative_records, check_narrative_vs_tables_records

    cells = _records(d.doc_id, _doc_stage(d, "tables", _tables_of, {}, None))
    counts = _records(d.doc_id, _doc_stage(d, "counts", _counts_of, {}, None))
    return _columns(check_table_records(cells) + check_narrative_records(counts, d.text, sections=d.sections)
                    + check_narrative_vs_tables_records(counts, cells), CHECK_COLUMNS)


@lru_cache(maxsize=1)
def _default_tokenizer():
    """The corpus's tokenizer: the shipped dictionary plus the shipped themes' terms (read once per process,
    as the resources' hashes in every cache key are)."""
    from .themes import theme_tokenizer

    return theme_tokenizer()


def _stage_spec(name: str, tagger: str = "default", tokenizer=None):
    """(compute function, columns, settings) of a per-document analysis."""
    if name == "tables":
        from .tables import COLUMNS

        return _tables_of, COLUMNS, {}
    if name == "counts":
        from .counts import COUNT_COLUMNS

        return _counts_of, COUNT_COLUMNS, {}
    if name == "tags":
        return (lambda d: _tags_of(d, tagger)), TAG_COLUMNS, {"tagger": tagger}
    if name == "checks":
        return _checks_of, CHECK_COLUMNS, {}
    if name == "tokens":
        tok = tokenizer or _default_tokenizer()
        return (lambda d: _tokens_of(d, tok)), TOKEN_COLUMNS, {"dictionary": tok.dictionary_hash}
    raise ValueError(f"unknown analysis {name!r}; choose from {ANALYSES}")


ANALYSES = ("tables", "counts", "checks", "tags", "tokens")  # checks need tables and counts: keep them first


def _typed_tags(df: pd.DataFrame) -> pd.DataFrame:
    df["score"] = df["score"].astype("float64")
    return df


def _typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """A corpus's frame of one analysis with the dtypes its module gives (the modules' own *_frame)."""
    if name == "tables":
        from .tables import table_frame

        return table_frame(df)
    if name == "counts":
        from .counts import count_frame

        return count_frame(df)
    if name == "checks":
        from .checks import check_frame

        return check_frame(df)
    return _typed_tags(df) if name == "tags" else df


def _stage_key(name: str, settings: dict) -> str:
    return f"stage:{name}:{sorted(settings.items())}"


def _doc_stage(d: Document, name: str, compute, settings: dict, cache, columns: list[str] | None = None) -> dict:
    """One document's columns of one analysis: in memory, else from the disk cache, else computed (and cached)."""
    key = _stage_key(name, settings)
    data = d.stages.get(key)
    if data is not None:
        return data
    if cache is None:
        data = compute(d)
    else:
        columns = [c for c in (columns or _stage_spec(name)[1]) if c != "doc_id"]
        ckey = _stage_cache_key(cache, d, name, settings)
        stored = cache.get(ckey)
        if not isinstance(stored, dict) or sorted(stored) != sorted(columns):
            computed = compute(d)
            # what put returns is what a warm run will load: the output is the same cold or warm
            stored = cache.put(ckey, {c: list(v) for c, v in computed.items()})
        data = _unpack(name, {c: stored[c] for c in columns})
    d.stages[key] = data
    return data


def _stage_cache_key(cache, d: Document, name: str, settings: dict) -> str:
    return cache.key(d.sha256, name, doc_id=d.doc_id, **settings)


@lru_cache(maxsize=1)
def _string_dtype():
    """The dtype pandas gives a column of Python strings when it is Arrow-backed (pandas 3), else None."""
    dtype = pd.Series(["x"]).dtype
    return dtype if getattr(dtype, "storage", None) == "pyarrow" else None


def _coded_strings(words: list[str], codes: np.ndarray):
    """The column ``words[codes]``, as pandas would make it of Python strings, but built in Arrow: a
    corpus's doc_id column is millions of rows, and converting as many Python strings costs more than
    the rest of building the table."""
    dtype = _string_dtype()
    if dtype is None:
        return np.array(words, dtype=object)[codes] if words else np.zeros(0, dtype=object)
    import pyarrow as pa

    arrow = pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int64()), pa.array(words, type=pa.large_string()))
    return pd.array(arrow.cast(pa.large_string()), dtype=dtype)


def _repeat_strings(values: list[str], counts: list[int]):
    """``values[i]`` repeated ``counts[i]`` times, as a string column."""
    return _coded_strings(list(values), np.repeat(np.arange(len(values), dtype=np.int64), counts))


def _many_strings(values: Iterable[str]):
    """A string column of many values (tokens), converted by Arrow in one call where pandas uses Arrow."""
    values = list(values)
    dtype = _string_dtype()
    if dtype is None:
        return np.array(values, dtype=object) if values else np.zeros(0, dtype=object)
    import pyarrow as pa

    return pd.array(pa.array(values, type=pa.large_string()), dtype=dtype)


def _unpack(name: str, data: dict) -> dict:
    """A stage's columns as loaded from JSON: packed columns back to int32 arrays."""
    packed = _PACKED.get(name, ())
    return {c: array("i", v) if c in packed else v for c, v in data.items()}


def _frame(name: str, doc_ids: list[str], parts: list[dict], columns: list[str] | None = None) -> pd.DataFrame:
    """One typed DataFrame of an analysis from the documents' columns (see _typed)."""
    columns = columns or _stage_spec(name)[1]
    lengths = [len(next(iter(p.values()))) if p else 0 for p in parts]
    data = {"doc_id": _repeat_strings(doc_ids, lengths)}
    for c in columns:
        if c == "doc_id":
            continue
        if c in _PACKED.get(name, ()):
            data[c] = np.concatenate([np.frombuffer(p[c], dtype=np.int32) for p in parts] or
                                     [np.zeros(0, dtype=np.int32)]).astype(np.int64)
        elif c == "token":
            data[c] = _many_strings(chain.from_iterable(p[c] for p in parts))
        elif name == "tables":  # its text columns are Python objects (None where missing): no Arrow round trip
            data[c] = pd.Series(list(chain.from_iterable(p[c] for p in parts)), dtype=object)
        else:
            data[c] = _list_column(list(chain.from_iterable(p[c] for p in parts)))
    return _typed(name, pd.DataFrame(data, columns=columns))


def _list_column(values: list):
    # an empty list would become a float64 column: keep it object, as a table without rows had it
    return values if values else np.array([], dtype=object)


def _work(args):
    path, doc_id, max_bytes, cache_dir, max_seconds, analyses = args
    try:
        with _time_limit(max_seconds):
            return _work_on(path, doc_id, max_bytes, cache_dir, analyses)
    except _Timeout:
        return {"path": path, "stage": "timeout",
                "reason": f"processing took longer than {max_seconds:g} s (max_seconds): the file is probably "
                          "malformed; check it, or raise max_seconds (--max-seconds) if it is a very long report"}


def _work_whole(args):
    """:func:`_work` with the document's cache entry read in the worker: a Dask worker's cache folder
    may be one the client cannot see."""
    result = _work(args)
    if isinstance(result, Document) and "_entry" in result.__dict__:
        result._load()
    return result


def _work_on(path, doc_id, max_bytes, cache_dir, analyses=()):
    """One file: its Document, with ``analyses`` run (and cached). A warm run only checks that the
    document's entry and its analyses' entries exist: the corpus tables are stored whole (see
    Corpus._cached_frame), so a document's entry is read when first used (Document.stored) and its
    analyses only when a table must be rebuilt."""
    try:
        if cache_dir is None:
            doc = process_document(path, doc_id, max_bytes)
            _run_analyses(doc, analyses, None)
            return doc
        from .cache import DocumentCache

        data = load_bytes(path, max_bytes=max_bytes)
        cache = DocumentCache(cache_dir)
        sha256 = hashlib.sha256(data).hexdigest()
        key = cache.key(sha256, "document")
        if cache.has(key):
            doc = Document.stored(doc_id, path, sha256, cache_dir, key)
        else:
            doc = process_document(path, doc_id, data=data)
            # keep what put returns (the JSON round trip), so that a cold run gives what a warm one will
            doc = Document.from_dict(doc_id, path, cache.put(key, doc.to_dict()))
        _run_analyses(doc, analyses, cache)
        return doc
    except ReadError as exc:
        return {"path": path, "stage": exc.stage, "reason": exc.reason}
    except Exception as exc:  # a bug or a library failure on one file must not stop the others
        return {"path": path, "stage": "internal", "reason": f"{type(exc).__name__}: {exc} (please report this file)"}


def _run_analyses(doc: Document, analyses, cache) -> None:
    """Run (or find cached) the analyses of ``doc``. A failure is left to the lazy Corpus methods,
    which report it: the document keeps no analyses then."""
    try:
        for name in analyses:
            compute, columns, settings = _stage_spec(name)
            if cache is not None and cache.has(_stage_cache_key(cache, doc, name, settings)):
                continue
            _doc_stage(doc, name, compute, settings, cache, columns)
    except Exception:  # noqa: BLE001
        doc.stages.clear()


def _apply_overrides(docs: pd.DataFrame, docvars, pattern: str | None) -> pd.DataFrame:
    if pattern:
        rx = re.compile(pattern)
        rows = []
        for path in docs["path"]:
            m = rx.search(Path(path).name)
            rows.append({k: v for k, v in (m.groupdict() if m else {}).items() if v is not None})
        extra = pd.DataFrame(rows, index=docs.index)
        for col in extra.columns:
            vals = extra[col]
            if col == "year":
                vals = pd.to_numeric(vals, errors="coerce").astype("Int64")
            docs[col] = vals.where(vals.notna(), docs[col]) if col in docs else vals
    if docvars is not None:
        table = docvars if isinstance(docvars, pd.DataFrame) else pd.read_csv(docvars, dtype=str, keep_default_na=False)
        key = next((k for k in ("file", "path", "doc_id") if k in table.columns), None)
        if key is None:
            raise ValueError("a docvars table needs a 'file', 'path' or 'doc_id' column to match documents")
        table = table.set_index(key)
        lookup = {"doc_id": docs["doc_id"], "path": docs["path"],
                  "file": docs["path"].map(lambda p: Path(p).name)}[key]
        for col in table.columns:
            vals = lookup.map(table[col].to_dict())
            vals = vals.where(vals.notna() & (vals != ""), None)
            if col == "year":
                vals = pd.to_numeric(vals, errors="coerce").astype("Int64")
            docs[col] = vals.where(vals.notna(), docs[col]) if col in docs else vals
    return docs


class Corpus:
    """The results of reading a folder of reports. Build one with :func:`read_corpus`.

    Attributes
    ----------
    docs : DataFrame, one row per document: ``doc_id``, ``path`` and the docvars
        (issuer, level, province, city, county, adcode, year, published, regime …).
    errors : DataFrame of files that could not be processed: ``path, stage, reason``.
    """

    def __init__(self, documents: list[Document], errors: list[dict], docvars=None, pattern: str | None = None,
                 cache_dir: str | Path | None = None, keep_duplicates: bool = False,
                 seen_sha256: dict[str, str] | None = None):
        self._documents = {d.doc_id: d for d in documents}
        self.cache_dir = cache_dir
        self._cache: dict[str, pd.DataFrame] = {}
        self.errors = pd.DataFrame(errors, columns=ERROR_COLUMNS)
        self.docs = _apply_overrides(self._docs_table(documents), docvars, pattern)
        self._cache.pop("docs")  # self.docs is the table (with the overrides); not kept twice
        if seen_sha256 is not None:  # files read in earlier chunks of the same job
            earlier = self.docs["sha256"].map(seen_sha256)
            self.docs["duplicate_of"] = earlier.where(earlier.notna(), self.docs["duplicate_of"])
            for sha, doc_id in zip(self.docs["sha256"], self.docs["doc_id"]):
                seen_sha256.setdefault(sha, doc_id)
        # a duplicate (same bytes as an earlier file) is in docs, flagged, but analysed once unless asked
        skip = set() if keep_duplicates else set(self.docs.loc[self.docs["duplicate_of"].notna(), "doc_id"])
        self._analysed = {k: d for k, d in self._documents.items() if k not in skip}
        self._content_sha: str | None = None

    def _docs_table(self, documents: list[Document]) -> pd.DataFrame:
        """:meth:`_build_docs`, stored in the cache (keyed by every document's id, path and file hash)."""
        ids = repr([(d.doc_id, d.path, d.sha256) for d in documents])
        content = hashlib.sha256(ids.encode("utf-8")).hexdigest()
        return self._cached_frame("docs", lambda _cache: self._build_docs(documents), content=content)

    @staticmethod
    def _build_docs(documents: list[Document]) -> pd.DataFrame:
        rows = []
        for d in documents:
            found = sorted({s.section for s in d.sections if s.section in SECTION_NAMES})
            rows.append({
                "doc_id": d.doc_id, "path": d.path, **{k: d.docvars.get(k) for k in DOCVAR_COLUMNS},
                "n_chars": len(d.text), "sha256": d.sha256, "format": d.format,
                "sections_found": ",".join(found),
                "sections_missing": ",".join(s for s in SECTION_NAMES if s not in found),
                "spam_lines": d.docvars.get("spam_lines", 0),
            })
        docs = pd.DataFrame(rows, columns=DOC_COLUMNS)
        docs["year"] = docs["year"].astype("Int64")
        return Corpus.mark_duplicates(docs)

    @staticmethod
    def mark_duplicates(docs: pd.DataFrame) -> pd.DataFrame:
        """Fill ``duplicate_of``: the first doc_id with the same file bytes (sha256), else None."""
        first = docs.groupby("sha256", sort=False)["doc_id"].transform("first")
        docs = docs.copy()
        docs["duplicate_of"] = first.where(first != docs["doc_id"], None)
        return docs

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self._documents)

    def __repr__(self) -> str:
        return f"<Corpus: {len(self)} documents, {len(self.errors)} errors>"

    def subset(self, doc_ids: Iterable[str]) -> Corpus:
        """The corpus of these documents (in this corpus's order, docvars as here), sharing their analyses.

        >>> corpus = read_corpus("data/reports", progress=False)
        >>> len(corpus.subset(corpus.doc_ids[:1])), len(corpus.subset([]))
        (1, 0)
        """
        wanted = set(doc_ids)
        sub = Corpus.__new__(Corpus)
        sub._documents = {k: d for k, d in self._documents.items() if k in wanted}
        sub._analysed = {k: d for k, d in self._analysed.items() if k in wanted}
        sub.cache_dir = self.cache_dir
        sub.errors = self.errors.iloc[0:0].copy()
        sub.docs = self.docs[self.docs["doc_id"].isin(wanted)].reset_index(drop=True)
        sub._cache = {}
        sub._content_sha = None
        return sub

    def clear(self) -> None:
        """Let go of the tables built so far; they are rebuilt from the documents' analyses (or read
        from the cache) when next asked for. The main job calls it between tables to bound memory."""
        self._cache.clear()

    @property
    def doc_ids(self) -> list[str]:
        return list(self._documents)

    def text(self, doc_id: str) -> str:
        """The normalised text of a document: every offset in every table indexes into it."""
        return self._documents[doc_id].text

    def _frame(self, name: str, columns: list[str], rows_of, dtypes: dict | None = None) -> pd.DataFrame:
        def build(_cache):
            docs = list(self._analysed.values())
            per_doc = [list(rows_of(d)) for d in docs]
            data = {"doc_id": _repeat_strings([d.doc_id for d in docs], [len(rows) for rows in per_doc])}
            for c in columns[1:]:
                data[c] = _list_column([row.get(c) for rows in per_doc for row in rows])
            out = pd.DataFrame(data, columns=columns)
            return out.astype(dtypes) if dtypes else out

        return self._cached_frame(name, build)

    def _sentences(self) -> pd.DataFrame:
        # subsection and enum_n are whole numbers with gaps: Int64 (written 1, not 1.0)
        return self._frame("sentences", SENTENCE_COLUMNS, lambda d: d.sentences,
                           dtypes={"subsection": "Int64", "enum_n": "Int64"})

    def sections(self) -> pd.DataFrame:
        """One row per section found: ``doc_id, section, ordinal, heading, inferred, start, end``.

        ``section`` is "1"–"6" (statutory), "other" (a numbered heading that is not
        statutory) or "preamble". Sections a report lacks are in ``docs.sections_missing``.
        """
        return self._frame("sections", SECTION_COLUMNS, lambda d: (
            {"section": s.section, "ordinal": s.ordinal, "heading": s.heading, "inferred": s.inferred,
             "start": s.start, "end": s.end} for s in d.sections))

    def subsections(self) -> pd.DataFrame:
        """（一）（二）… subsections: ``doc_id, section, subsection, heading, start, end``."""
        return self._frame("subsections", SUBSECTION_COLUMNS, lambda d: (
            {"section": s.section, "subsection": s.number, "heading": s.heading, "start": s.start, "end": s.end}
            for s in d.subsections))

    def sentences(self, section: str | None = None, kind: str | None = None, label: str | None = None,
                  context: int = 0) -> pd.DataFrame:
        """One row per sentence with its place in the report (see :mod:`govtext.sentences`).

        ``label="issue"`` / ``"remedy"`` / ``"other"`` selects tagged sentences (adds ``label, score,
        cues``, see :meth:`tagged`); ``context=n`` adds ``before``/``after`` columns with the ``n``
        neighbouring sentences, kwic-style, for auditing.
        """
        df = self.tagged() if label is not None else self._sentences()
        if context:
            df = df.copy()
            texts = {d: list(g) for d, g in df.groupby("doc_id", sort=False)["text"]}
            pos = df.groupby("doc_id", sort=False).cumcount()
            df["before"] = [" ".join(texts[d][max(0, i - context):i]) for d, i in zip(df["doc_id"], pos)]
            df["after"] = [" ".join(texts[d][i + 1:i + 1 + context]) for d, i in zip(df["doc_id"], pos)]
        if section is not None:
            df = df[df["section"] == str(section)]
        if kind is not None:
            df = df[df["kind"] == kind]
        if label is not None:
            df = df[df["label"] == label]
        return df

    # ------------------------------------------------------------------ derived tables
    def tagged(self, tagger: str = "default") -> pd.DataFrame:
        """Sentences with ``label`` (issue / remedy / other), ``score`` and the ``cues`` that fired.

        See :mod:`govtext.tagging`; each document is tagged once (and cached when the corpus has a cache).
        """
        def build(_cache):
            tags = self._analysis("tags", tagger=tagger)
            base = self._sentences()
            return base.merge(tags.astype({"doc_id": object}), on=["doc_id", "sent_id"], how="left")

        return self._cached_frame(f"tagged:{tagger}", build)

    def pairs(self, tagger: str = "default") -> pd.DataFrame:
        """Each issue linked to the remedy that answers it (see :func:`govtext.tagging.pair_issues`)."""
        from .tagging import pair_issues

        return self._cached_frame(f"pairs:{tagger}", lambda _cache: pair_issues(self.tagged(tagger)))

    def tables(self) -> pd.DataFrame:
        """One row per cell of the standard tables 二/三/四 (see :mod:`govtext.tables`)."""
        return self._analysis("tables")

    def counts(self) -> pd.DataFrame:
        """Every quantity stated in the prose, with its metric (see :mod:`govtext.counts`)."""
        return self._analysis("counts")

    def checks(self) -> pd.DataFrame:
        """Arithmetic checks: table identities, narrative sums and rates, narrative vs table, across years."""
        from .checks import check_across_years

        # the across-year checks pair reports by issuer and year, which docvars overrides may change
        by = hashlib.sha256(self.docs[["doc_id", "issuer", "year"]].to_json().encode()).hexdigest()
        return self._cached_frame(f"checks:{by}", lambda _cache: _concat(
            [self.checks_within(), check_across_years(self.tables(), self.docs)]))

    def checks_within(self) -> pd.DataFrame:
        """The checks that need only one document: table identities, narrative sums, narrative vs table.

        In document order, so that a chunk's rows never depend on its neighbours.
        """
        return self._analysis("checks")

    def rates(self) -> pd.DataFrame:
        """Derived rates (公开率, 不予公开率, 复议纠错率 …) with formulas (see :func:`govtext.checks.rates`)."""
        from .checks import rates

        return rates(self.tables())

    def tokens(self, tokenizer=None) -> pd.DataFrame:
        """One row per token of each text sentence: ``doc_id, sent_id, token, start, end``.

        The default tokenizer is govtext's dictionary plus the shipped theme dictionary's terms
        (:func:`govtext.themes.theme_tokenizer`), so theme measures reuse these tokens. Each text is
        segmented once per tokenizer, in one pass, and kept (on disk too when the corpus has a cache).
        """
        return self._analysis("tokens", tokenizer=tokenizer)

    def _analysis(self, name: str, tagger: str = "default", tokenizer=None) -> pd.DataFrame:
        """A per-document analysis for every analysed document, computed once per document."""
        compute, columns, settings = _stage_spec(name, tagger=tagger, tokenizer=tokenizer)

        def build(cache):
            docs = list(self._analysed.values())
            parts = [_doc_stage(d, name, compute, settings, cache, columns) for d in docs]
            out = _frame(name, [d.doc_id for d in docs], parts, columns)
            for col in _INTEGER_COLUMNS.intersection(out.columns):  # offsets stay integers, with NA where missing
                out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
            return out

        return self._cached_frame(_stage_key(name, settings), build)

    def _cached_frame(self, key: str, build, content: str | None = None) -> pd.DataFrame:
        """The table ``key`` of this corpus: in memory, else (with a cache) stored whole for exactly these
        documents (``content``: what it depends on, default the analysed documents, see _content_key), else
        ``build(cache)`` (and stored). A rerun on an unchanged corpus loads each table once."""
        if key in self._cache:
            return self._cache[key]
        if self.cache_dir is None:
            out = build(None)
        else:
            from .cache import DocumentCache

            cache = DocumentCache(self.cache_dir)
            fkey = cache.key(content or self._content_key(), "frame", table=key)
            out = cache.get_frame(fkey)
            if out is None:
                out = build(cache)
                try:
                    cache.put_frame(fkey, out)
                except Exception as exc:  # noqa: BLE001 - a full disk or a table Parquet cannot hold
                    warnings.warn(f"govtext: table {key!r} not cached ({type(exc).__name__}: {exc})", stacklevel=2)
        self._cache[key] = out
        return out

    def _content_key(self) -> str:
        """sha256 of the analysed documents' ids and file hashes: what every corpus table depends on
        (with govtext's version and resources, which the cache adds to every key)."""
        if self._content_sha is None:
            ids = [(d.doc_id, d.sha256) for d in self._analysed.values()]
            self._content_sha = hashlib.sha256(repr(ids).encode("utf-8")).hexdigest()
        return self._content_sha

    def kwic(self, pattern: str, window: int = 20, regex: bool = False) -> pd.DataFrame:
        """Keyword in context: every match of ``pattern`` with ``window`` characters either side.

        >>> read_corpus("data/reports", progress=False).kwic("信箱").iloc[0]["keyword"]
        '信箱'
        """
        rx = re.compile(pattern if regex else re.escape(pattern))
        rows = []
        for d in self._analysed.values():
            for m in rx.finditer(d.text):
                a, b = m.span()
                rows.append({"doc_id": d.doc_id, "start": a, "end": b,
                             "left": d.text[max(0, a - window):a].replace("\n", " "), "keyword": m.group(0),
                             "right": d.text[b:b + window].replace("\n", " ")})
        return pd.DataFrame(rows, columns=["doc_id", "start", "end", "left", "keyword", "right"])


def _concat(parts: list) -> pd.DataFrame:
    parts = [p for p in parts if p is not None and len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CHECK_COLUMNS)


def read_corpus(source, docvars=None, pattern: str | None = None, *, workers: int = 1, engine: str = "local",
                cache: str | Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                max_seconds: float | None = DEFAULT_MAX_SECONDS, keep_duplicates: bool = False,
                analyses: Iterable[str] = (), progress: bool | None = None) -> Corpus:
    """Read reports from a folder (recursively), a glob, a file or a list of them.

    Parameters
    ----------
    docvars : CSV path or DataFrame with a ``file`` (file name), ``path`` or ``doc_id`` column;
        its other columns add to or override the extracted docvars.
    pattern : regular expression with named groups matched against each file name,
        e.g. ``r"(?P<year>\\d{4})_(?P<issuer>[^_]+)"``; its groups override docvars.
    workers : processes to use (1 = in this process).
    engine : ``"local"`` (this machine; ``workers`` processes) or ``"dask"`` (the current
        ``dask.distributed`` client if one exists, else Dask's default scheduler; see README).
    cache : folder for the content-addressed cache (:mod:`govtext.cache`); ``None`` = no cache.
    max_bytes, max_seconds : per-file limits; a file over either is an error row, the others go on.
    keep_duplicates : analyse files whose bytes repeat an earlier file's (default: listed in ``docs``
        with ``duplicate_of`` set, but counted once in every other table).
    analyses : per-document analyses to run now, in the worker processes, rather than on first use
        (any of ``"tables", "counts", "tags", "tokens"``): with ``workers > 1`` they run in parallel.
    progress : show a progress bar (default: only when attached to a terminal).

    Files that cannot be read are listed in ``corpus.errors``; the others are processed.
    Only files with a supported extension are read from folders; an unsupported file given
    explicitly is an error row.
    """
    pairs = corpus_files(source)
    return corpus_from_files(pairs, docvars=docvars, pattern=pattern, workers=workers, engine=engine, cache=cache,
                             max_bytes=max_bytes, max_seconds=max_seconds, keep_duplicates=keep_duplicates,
                             analyses=analyses, progress=progress)


# report formats govtext cannot read: listed from folders anyway, so that they become error rows
KNOWN_UNREADABLE = (".doc", ".wps")


def corpus_files(source) -> list[tuple[str, str]]:
    """The ``(path, doc_id)`` pairs :func:`read_corpus` reads: supported files only, from folders."""
    sources = [source] if isinstance(source, (str, Path)) else list(source)
    folders = [Path(s) for s in sources if Path(s).is_dir()]
    wanted = SUPPORTED + KNOWN_UNREADABLE
    out = []
    for pair in list_files(sources):
        path = Path(pair[0])
        if path.suffix.lower() in wanted or not any(path.is_relative_to(f) for f in folders):
            out.append(pair)
    return out


def corpus_from_files(pairs: list[tuple[str, str]], docvars=None, pattern: str | None = None, *, workers: int = 1,
                      engine: str = "local", cache=None, max_bytes: int = DEFAULT_MAX_BYTES,
                      max_seconds: float | None = DEFAULT_MAX_SECONDS, keep_duplicates: bool = False,
                      analyses: Iterable[str] = (), progress: bool | None = None,
                      seen_sha256: dict[str, str] | None = None) -> Corpus:
    """A :class:`Corpus` from explicit ``(path, doc_id)`` pairs (see :func:`read_corpus`)."""
    cache_dir = str(cache) if cache is not None else None
    jobs = [(p, i, max_bytes, cache_dir, max_seconds, tuple(analyses)) for p, i in pairs]
    if engine == "dask":
        results = _run_dask(jobs)
    elif engine == "local":
        results = _run(jobs, workers, progress)
    else:
        raise ValueError(f"engine must be 'local' or 'dask', not {engine!r}")
    documents = [r for r in results if isinstance(r, Document)]
    errors = [r for r in results if isinstance(r, dict)]
    return Corpus(documents, errors, docvars=docvars, pattern=pattern, cache_dir=cache_dir,
                  keep_duplicates=keep_duplicates, seen_sha256=seen_sha256)


def _run_dask(jobs):
    """Run the per-document pipeline as a dask.bag; results come back in input order.

    Uses the active ``dask.distributed`` client; else connects to the scheduler named by Dask's
    ``scheduler-address`` setting (environment variable ``DASK_SCHEDULER_ADDRESS``); else runs on
    Dask's local process scheduler.
    """
    try:
        import dask
        import dask.bag as db
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("engine='dask' needs dask: pip install 'govtext[dask]'") from exc
    bag = db.from_sequence(jobs, npartitions=max(1, min(len(jobs), 64))).map(_work_whole)
    try:
        from distributed import Client, default_client
    except ImportError:
        return bag.compute(scheduler="processes")
    try:
        default_client()
        return bag.compute()
    except ValueError:
        address = dask.config.get("scheduler-address", None)
        if not address:
            return bag.compute(scheduler="processes")
        with Client(address) as client:
            return client.compute(bag).result()


def _run(jobs, workers: int, progress: bool | None):
    from .progress import progress_bar

    if workers <= 1 or len(jobs) <= 1:
        return [_work(j) for j in progress_bar(jobs, enabled=progress, desc="reports")]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if multiprocessing.get_start_method() == "fork":
        _warm_up(jobs[0][5])  # forked workers inherit what is loaded here, rather than each loading it again
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(progress_bar(pool.map(_work, jobs, chunksize=4), total=len(jobs), enabled=progress,
                                 desc="reports"))


_WARM_UP_TEXT = ("互助土族自治县人民政府2022年政府信息公开工作年度报告\n一、总体情况\n全年主动公开信息100条。\n"
                 "二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n"
                 "规章\t1\t0\t9\n五、存在的主要问题及改进情况\n一是公开不及时。下一步将加强培训。\n")


def _warm_up(analyses) -> None:
    """Load, in this process, the dictionaries, gazetteer and indexes the per-document pipeline builds on
    first use (a short constructed report through every analysis)."""
    try:
        doc = process_document("warm-up.txt", "warm-up", data=_WARM_UP_TEXT.encode("utf-8"))
        _run_analyses(doc, analyses, None)
        from .gazetteer import _rows_by_year

        _rows_by_year()
    except Exception:  # noqa: BLE001 - only a speed-up: the workers load what they need themselves
        pass


def manifest(tokenizer_hash: str | None = None) -> dict:
    """What produced an output: govtext version and the sha256 of every shipped lexicon."""
    from .resources import resource_hashes

    out = {"govtext_version": __version__, "resources": resource_hashes()}
    if tokenizer_hash:
        out["tokenizer_dictionary_sha256"] = tokenizer_hash
    return out
