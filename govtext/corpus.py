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
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import __version__
from .docvars import DOCVAR_COLUMNS, extract_docvars
from .io import DEFAULT_MAX_BYTES, SUPPORTED, ReadError, read_file
from .normalize import normalize_text
from .sections import SECTION_NAMES, find_sections, find_subsections
from .sentences import split_sentences

__all__ = ["Document", "Corpus", "read_corpus", "process_document", "list_files"]

DOC_COLUMNS = ["doc_id", "path", *DOCVAR_COLUMNS[:-2], "n_chars", "sha256", "format", "sections_found",
               "sections_missing", "duplicate_of", "title", "docvar_notes"]
SECTION_COLUMNS = ["doc_id", "section", "ordinal", "heading", "inferred", "start", "end"]
SUBSECTION_COLUMNS = ["doc_id", "section", "subsection", "heading", "start", "end"]
SENTENCE_COLUMNS = ["doc_id", "sent_id", "section", "subsection", "sub_heading", "enum", "enum_n", "kind",
                    "start", "end", "text"]
ERROR_COLUMNS = ["path", "stage", "reason"]


@dataclass
class Document:
    """Everything govtext extracted from one file (plain data, picklable)."""

    doc_id: str
    path: str
    text: str
    sha256: str
    format: str
    docvars: dict
    sections: list = field(default_factory=list)
    subsections: list = field(default_factory=list)
    sentences: list = field(default_factory=list)


def process_document(path: str, doc_id: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Run the per-document pipeline on one file. Raises :class:`~govtext.io.ReadError`."""
    raw = read_file(path, max_bytes=max_bytes)
    try:
        text = normalize_text(raw.text)
        docvars = extract_docvars(text, raw.meta)
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


def _work(args):
    path, doc_id, max_bytes = args
    try:
        return process_document(path, doc_id, max_bytes)
    except ReadError as exc:
        return {"path": path, "stage": exc.stage, "reason": exc.reason}
    except Exception as exc:  # a bug or a library failure on one file must not stop the others
        return {"path": path, "stage": "internal", "reason": f"{type(exc).__name__}: {exc} (please report this file)"}


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
        lookup = docs["doc_id"] if key == "doc_id" else docs["path"].map(lambda p: Path(p).name)
        if key == "path":
            lookup = docs["path"]
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

    def __init__(self, documents: list[Document], errors: list[dict], docvars=None, pattern: str | None = None):
        self._documents = {d.doc_id: d for d in documents}
        self.errors = pd.DataFrame(errors, columns=ERROR_COLUMNS)
        self.docs = _apply_overrides(self._build_docs(documents), docvars, pattern)
        self._cache: dict[str, pd.DataFrame] = {}

    @staticmethod
    def _build_docs(documents: list[Document]) -> pd.DataFrame:
        rows, first_by_hash = [], {}
        for d in documents:
            found = sorted({s.section for s in d.sections if s.section in SECTION_NAMES})
            rows.append({
                "doc_id": d.doc_id, "path": d.path, **{k: d.docvars.get(k) for k in DOCVAR_COLUMNS},
                "n_chars": len(d.text), "sha256": d.sha256, "format": d.format,
                "sections_found": ",".join(found),
                "sections_missing": ",".join(s for s in SECTION_NAMES if s not in found),
                "duplicate_of": first_by_hash.setdefault(d.sha256, d.doc_id) if d.sha256 in first_by_hash else None,
            })
            first_by_hash.setdefault(d.sha256, d.doc_id)
        docs = pd.DataFrame(rows, columns=DOC_COLUMNS)
        docs["year"] = docs["year"].astype("Int64")
        return docs

    # ------------------------------------------------------------------ access
    def __len__(self) -> int:
        return len(self._documents)

    def __repr__(self) -> str:
        return f"<Corpus: {len(self)} documents, {len(self.errors)} errors>"

    @property
    def doc_ids(self) -> list[str]:
        return list(self._documents)

    def text(self, doc_id: str) -> str:
        """The normalised text of a document: every offset in every table indexes into it."""
        return self._documents[doc_id].text

    def _frame(self, name: str, columns: list[str], rows_of) -> pd.DataFrame:
        if name not in self._cache:
            rows = [dict(doc_id=d.doc_id, **row) for d in self._documents.values() for row in rows_of(d)]
            self._cache[name] = pd.DataFrame(rows, columns=columns)
        return self._cache[name]

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

    def sentences(self, section: str | None = None, kind: str | None = None) -> pd.DataFrame:
        """One row per sentence with its place in the report (see :mod:`govtext.sentences`)."""
        df = self._frame("sentences", SENTENCE_COLUMNS, lambda d: d.sentences)
        if "subsection" in df:
            df["subsection"] = df["subsection"].astype("Int64")
            df["enum_n"] = df["enum_n"].astype("Int64")
        if section is not None:
            df = df[df["section"] == str(section)]
        if kind is not None:
            df = df[df["kind"] == kind]
        return df

    def tokens(self, tokenizer=None) -> pd.DataFrame:
        """One row per token of each text sentence: ``doc_id, sent_id, token, start, end``.

        Segmented once per tokenizer and kept: asking again costs nothing.
        """
        from .segment import default_tokenizer

        tok = tokenizer or default_tokenizer()
        key = f"tokens:{tok.dictionary_hash}"
        if key not in self._cache:
            rows = []
            for d in self._documents.values():
                for s in d.sentences:
                    if s["kind"] == "table":
                        continue
                    for token, a, b in tok.tokenize(s["text"], s["start"]):
                        if token.strip():
                            rows.append((d.doc_id, s["sent_id"], token, a, b))
            self._cache[key] = pd.DataFrame(rows, columns=["doc_id", "sent_id", "token", "start", "end"])
        return self._cache[key]

    def kwic(self, pattern: str, window: int = 20, regex: bool = False) -> pd.DataFrame:
        """Keyword in context: every match of ``pattern`` with ``window`` characters either side.

        >>> read_corpus("data/reports", progress=False).kwic("信箱").iloc[0]["keyword"]
        '信箱'
        """
        rx = re.compile(pattern if regex else re.escape(pattern))
        rows = []
        for d in self._documents.values():
            for m in rx.finditer(d.text):
                a, b = m.span()
                rows.append({"doc_id": d.doc_id, "start": a, "end": b,
                             "left": d.text[max(0, a - window):a].replace("\n", " "), "keyword": m.group(0),
                             "right": d.text[b:b + window].replace("\n", " ")})
        return pd.DataFrame(rows, columns=["doc_id", "start", "end", "left", "keyword", "right"])


def read_corpus(source, docvars=None, pattern: str | None = None, *, workers: int = 1,
                max_bytes: int = DEFAULT_MAX_BYTES, progress: bool | None = None) -> Corpus:
    """Read reports from a folder (recursively), a glob, a file or a list of them.

    Parameters
    ----------
    docvars : CSV path or DataFrame with a ``file`` (file name), ``path`` or ``doc_id`` column;
        its other columns add to or override the extracted docvars.
    pattern : regular expression with named groups matched against each file name,
        e.g. ``r"(?P<year>\\d{4})_(?P<issuer>[^_]+)"``; its groups override docvars.
    workers : processes to use (1 = in this process).
    progress : show a progress bar (default: only when attached to a terminal).

    Files that cannot be read are listed in ``corpus.errors``; the others are processed.
    Only files with a supported extension are read from folders; an unsupported file given
    explicitly is an error row.
    """
    pairs = list_files(source)
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        pairs = [(p, i) for p, i in pairs if Path(p).suffix.lower() in SUPPORTED]
    jobs = [(p, i, max_bytes) for p, i in pairs]
    results = _run(jobs, workers, progress)
    documents = [r for r in results if isinstance(r, Document)]
    errors = [r for r in results if isinstance(r, dict)]
    return Corpus(documents, errors, docvars=docvars, pattern=pattern)


def _run(jobs, workers: int, progress: bool | None):
    from .progress import progress_bar

    if workers <= 1 or len(jobs) <= 1:
        return [_work(j) for j in progress_bar(jobs, enabled=progress, desc="reports")]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(progress_bar(pool.map(_work, jobs, chunksize=4), total=len(jobs), enabled=progress,
                                 desc="reports"))


def manifest(tokenizer_hash: str | None = None) -> dict:
    """What produced an output: govtext version and the sha256 of every shipped lexicon."""
    from .resources import resource_hashes

    out = {"govtext_version": __version__, "resources": resource_hashes()}
    if tokenizer_hash:
        out["tokenizer_dictionary_sha256"] = tokenizer_hash
    return out
