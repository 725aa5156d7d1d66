"""Word segmentation: a :class:`Tokenizer` object over jieba with govtext's domain dictionary.

A tokenizer owns its own ``jieba.Tokenizer`` (never jieba's global one), so two
tokenizers with different dictionaries give independent results in one process.
Dictionaries load on first use. The domain dictionary (``resources/domain_dict.txt``:
``word [freq]`` per line) and the stopword list (``resources/stopwords.txt``) are
plain files; pass your own paths or word lists to extend or replace them.

The optional fast backend ``"rjieba"`` (jieba-rs) is used only when it gives the
same tokens as jieba for the same dictionary; ``tests/test_segment.py`` checks
that on the sample corpus.

>>> tok = Tokenizer()
>>> tok.cut("本年度政府信息公开申请9件，通过12345政务服务热线受理诉求")
['本年度', '政府信息公开', '申请', '9', '件', '，', '通过', '12345政务服务热线', '受理', '诉求']
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from .resources import read_resource_lines

__all__ = ["Tokenizer", "default_tokenizer", "DEFAULT_FREQ"]

DEFAULT_FREQ = 20000  # frequency given to dictionary words listed without one: high enough to keep them whole


def _read_dict_lines(source: str | Path | Iterable[str] | None, resource: str) -> list[str]:
    if source is None:
        return read_resource_lines(resource)
    if isinstance(source, (str, Path)):
        text = Path(source).read_text(encoding="utf-8")
        return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return [str(w).strip() for w in source if str(w).strip()]


class Tokenizer:
    """Segment Chinese text with jieba plus a domain dictionary.

    Parameters
    ----------
    user_dict : path or list of words (``"word"`` or ``"word freq"``); ``None`` = the shipped
        domain dictionary. ``extra_words`` are added on top (e.g. a theme dictionary's terms).
    stopwords : path or list; ``None`` = the shipped list. Used by :meth:`words`.
    backend : ``"jieba"`` (default) or ``"rjieba"`` (faster; same tokens, see module docstring).
    hmm : let jieba guess words it does not know (jieba's default).
    """

    def __init__(self, user_dict=None, extra_words: Iterable[str] = (), stopwords=None,
                 backend: str = "jieba", hmm: bool = True):
        if backend not in ("jieba", "rjieba"):
            raise ValueError(f"backend must be 'jieba' or 'rjieba', not {backend!r}")
        entries = []
        for line in _read_dict_lines(user_dict, "domain_dict.txt") + [str(w) for w in extra_words]:
            parts = line.split()
            word = parts[0]
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else DEFAULT_FREQ
            entries.append((word, freq))
        self.entries: tuple[tuple[str, int], ...] = tuple(sorted(set(entries)))
        self.stopwords = frozenset(_read_dict_lines(stopwords, "stopwords.txt"))
        self.backend = backend
        self.hmm = hmm
        self._engine = None
        self._lock = threading.Lock()
        self._memo: dict[str, tuple[str, ...]] = {}
        self._memo_for = (hmm, backend)

    @property
    def dictionary_hash(self) -> str:
        """sha256 of the dictionary entries and stopwords: what the tokens depend on."""
        state = (self.entries, self.stopwords, self.backend, self.hmm)
        cached = getattr(self, "_hash", None)  # (state, hex): recomputed only when an attribute was replaced
        if cached and cached[0][0] is state[0] and cached[0][1] is state[1] and cached[0][2:] == state[2:]:
            return cached[1]
        h = hashlib.sha256()
        for word, freq in self.entries:
            h.update(f"{word}\t{freq}\n".encode())
        h.update("\x00".join(sorted(self.stopwords)).encode())
        h.update(f"{self.backend}:{self.hmm}".encode())
        self._hash = (state, h.hexdigest())
        return self._hash[1]

    def _load(self):
        with self._lock:
            if self._engine is not None:
                return self._engine
            if self.backend == "jieba":
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                engine = jieba.Tokenizer()
                engine.tmp_dir = str(_private_cache_dir())  # jieba marshal-loads its cache: never from shared /tmp
                for word, freq in self.entries:
                    engine.add_word(word, freq=freq)
            else:
                import rjieba

                engine = rjieba.Jieba()
                for word, freq in self.entries:
                    engine.add_word(word, freq, None)
            self._engine = engine
            return engine

    def cut(self, text: str) -> list[str]:
        """Tokens of ``text`` (punctuation and spaces included, as jieba gives them).

        The text is cut at punctuation and spaces, which both backends give as tokens of their
        own, and each piece is segmented once per tokenizer: a clause that recurs (the
        template's table labels, boilerplate sentences) is looked up, not segmented again.
        The tokens are exactly those of segmenting the whole text in one call.
        """
        if self._memo_for != (self.hmm, self.backend):  # the settings were changed since: forget
            self._memo, self._memo_for = {}, (self.hmm, self.backend)
        memo = self._memo
        out: list[str] = []
        pieces = _SEPARATOR.split(text)
        for i in range(0, len(pieces), 2):
            piece = pieces[i]
            if piece:
                toks = memo.get(piece)
                if toks is None:
                    toks = self._cut_piece(piece)
                    if len(memo) >= _MEMO_PIECES:
                        memo.clear()  # bounded memory; the output never depends on what is remembered
                    if len(piece) <= _MEMO_LONGEST:
                        memo[piece] = toks
                out.extend(toks)
            if i + 1 < len(pieces):
                out.append(pieces[i + 1])  # a separator is always a token of its own
        return out

    def _cut_piece(self, text: str) -> tuple[str, ...]:
        engine = self._engine or self._load()
        if self.backend == "jieba":
            return tuple(engine.lcut(text, HMM=self.hmm))
        # jieba-rs treats runs of ASCII letters, digits and punctuation differently from jieba;
        # re-split every run of pure-ASCII tokens the way jieba does, so both give the same tokens.
        out: list[str] = []
        run: list[str] = []
        for tok in engine.cut(text, self.hmm):
            if tok.isascii() and not tok.isspace():
                run.append(tok)
                continue
            if run:
                out.extend(_jieba_ascii_split("".join(run)))
                run = []
            out.append(tok)
        if run:
            out.extend(_jieba_ascii_split("".join(run)))
        return tuple(out)

    def tokenize(self, text: str, offset: int = 0) -> list[tuple[str, int, int]]:
        """``(token, start, end)`` for each token; ``offset`` is added to the positions."""
        out, pos = [], offset
        for tok in self.cut(text):
            out.append((tok, pos, pos + len(tok)))
            pos += len(tok)
        return out

    def words(self, text: str) -> list[str]:
        """Tokens without whitespace, punctuation and stopwords (single characters such as 不 are kept)."""
        return [t for t in self.cut(text) if t.strip() and t not in self.stopwords and not _is_punct(t)]

    def __call__(self, text: str) -> list[str]:  # usable as a scikit-learn ``tokenizer=``
        return self.words(text)

    def __getstate__(self):  # picklable for process pools and Dask: the engine is rebuilt lazily
        state = self.__dict__.copy()
        state["_engine"] = None
        state["_lock"] = None
        state["_memo"] = {}
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Tokenizer(backend={self.backend!r}, words={len(self.entries)}, hmm={self.hmm})"


# Characters that neither backend ever joins to a neighbour: each comes out as a token of its own
# (outside both backends' word-character classes; whitespace one character at a time, but a CR LF
# pair as one token). Cutting the text there and segmenting the pieces apart changes nothing.
_SEPARATOR = re.compile("(\r\n|[\\s，。；：、！？（）《》〈〉“”‘’「」『』【】〔〕…—·,;:!?()\\[\\]{}<>\"'/|~=*@$^`])")
_MEMO_PIECES = 50_000  # pieces remembered per tokenizer: about 650 bytes each, so at most ~35 MB
_MEMO_LONGEST = 200  # characters: a longer piece (a run without punctuation) is not remembered

_HAN_BLOCK = re.compile(r"([a-zA-Z0-9+#&._%\-]+)")  # jieba's re_han_default, ASCII part
_FINALSEG_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba.finalseg's re_skip


def _jieba_ascii_split(run: str) -> list[str]:
    """Tokens jieba gives for a run of ASCII characters (no spaces) inside Chinese text."""
    out: list[str] = []
    for block in _HAN_BLOCK.split(run):
        if not block:
            continue
        if _HAN_BLOCK.fullmatch(block):
            out.extend(x for x in _FINALSEG_SKIP.split(block) if x)
        else:
            out.extend(block)  # other characters come out one by one
    return out


def _is_punct(tok: str) -> bool:
    return all(not ch.isalnum() for ch in tok)


def _private_cache_dir() -> Path:
    """A cache folder only this user can write (jieba's dictionary cache lives here, not in /tmp)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "govtext" / "jieba"
    try:
        base.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:  # no writable home: a fresh private folder (mode 0700) for this process
        import tempfile

        base = Path(tempfile.mkdtemp(prefix="govtext-jieba-"))
    return base


_DEFAULT: dict[str, Tokenizer] = {}


def default_tokenizer(backend: str = "jieba") -> Tokenizer:
    """A shared tokenizer with the shipped dictionary (created once per backend)."""
    if backend not in _DEFAULT:
        _DEFAULT[backend] = Tokenizer(backend=backend)
    return _DEFAULT[backend]
