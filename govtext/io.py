"""Read report files (.txt .md .html .htm .pdf .docx) into raw text.

Every reader returns a :class:`RawDocument` whose ``text`` has one paragraph,
heading or table row per line; table cells are joined by tabs. Anything that
cannot be read raises :class:`ReadError` with the stage and a reason a
researcher can act on; :func:`govtext.corpus.read_corpus` turns those into rows
of the errors table.

>>> from pathlib import Path
>>> doc = read_file(Path("data/reports/000_b544fc85b347642f.txt"))
>>> doc.format, doc.text.split()[0]
('txt', '互助土族自治县人民政府办公室')
"""

from __future__ import annotations

import hashlib
import io as _io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["RawDocument", "ReadError", "read_file", "read_bytes", "load_bytes", "SUPPORTED", "DEFAULT_MAX_BYTES"]

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_MAX_DOCX_MEMBER = 100 * 1024 * 1024  # uncompressed size of one DOCX member


class ReadError(Exception):
    """A file could not be turned into text.

    ``stage`` names the step that failed (``read``, ``decode``, ``pdf``, ``html``,
    ``docx``); ``reason`` says what to do about it.
    """

    def __init__(self, stage: str, reason: str):
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason


@dataclass
class RawDocument:
    """A file's text before normalisation, with what the file itself says about it."""

    path: str
    format: str
    text: str
    sha256: str
    meta: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- text
_SCRAPE_MARKER = re.compile(r"^=+\s*正文\s*=+\s*$", re.M)
_HEADER_LINE = re.compile(r"^([^:：\n]{1,12})[:：]\s?(.*)$")
_HEADER_KEYS = {"标题": "title", "发布时间": "published", "文号": "doc_number", "发布机构": "publisher",
                "栏目": "column", "原文链接": "url", "来源": "source"}


def _decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM) or GB18030, else detect."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError("decode", "file contains NUL bytes: it is binary, not text (wrong extension?)")
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError:  # a UTF-8 BOM on bytes that are not UTF-8: detect as usual
            data = data[3:]
    for enc in ("utf-8", "gb18030"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    text = data.decode("utf-8", errors="replace")  # a damaged download: a few bad bytes in a UTF-8 file
    if text.count("\ufffd") <= max(3, len(text) // 10000):
        return text, f"utf-8 ({text.count(chr(0xFFFD))} undecodable bytes replaced)"
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReadError("decode", "could not detect the text encoding (tried UTF-8, GB18030)")
    return str(best), best.encoding


def _read_text(data: bytes, meta: dict) -> str:
    text, encoding = _decode(data)
    meta["encoding"] = encoding
    text = text.replace("\r\n", "\n")
    marker = _SCRAPE_MARKER.search(text)
    if marker:  # scraper output: "key: value" header, a 正文 line, then the body
        for line in text[: marker.start()].splitlines():
            m = _HEADER_LINE.match(line.strip())
            if m and m.group(1).strip() in _HEADER_KEYS and m.group(2).strip():
                meta[_HEADER_KEYS[m.group(1).strip()]] = m.group(2).strip()
        text = text[marker.end():]
    if _looks_binary(text):
        raise ReadError("decode", "text is mostly control or replacement characters: not a text file")
    return text


_BINARY_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")  # control characters but \t \n \f \r; U+FFFD


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return False
    return len(_BINARY_CHARS.findall(sample)) / len(sample) > 0.05


_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _markdown_tables_to_tabs(text: str) -> str:
    out = []
    for line in text.split("\n"):
        s = line.strip()
        if _MD_RULE.match(s) and "-" in s:
            continue
        if s.startswith("|") and s.endswith("|") and s.count("|") >= 3:
            line = "\t".join(c.strip() for c in s[1:-1].split("|"))
        out.append(line)
    return "\n".join(out)


# --------------------------------------------------------------------------- HTML
_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "iframe", "form", "button",
              "select", "object", "embed", "svg", "head")
_BOILERPLATE = re.compile(r"nav|menu|footer|header|breadcrumb|crumb|share|sidebar|copyright|banner|toolbar|position",
                          re.I)
_CONTENT_HINT = re.compile(r"zoom|content|article|trs_editor|detail|main|text|zw|body", re.I)
_WS = re.compile(r"\s+")
_BLOCK_TAGS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "tr", "table",
               "blockquote", "pre", "dd", "dt", "ul", "ol"}


def _cjk_count(s: str) -> int:
    return sum(1 for ch in s if "\u4e00" <= ch <= "\u9fff")


_DECLARED_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
_XML_INCOMPATIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _decode_html(data: bytes, meta: dict) -> str:
    """Decode with the declared charset when it fits the bytes, else detect (GBK pages often say UTF-8)."""
    m = _DECLARED_CHARSET.search(data[:4096])
    if m:
        declared = m.group(1).decode("ascii").lower()
        declared = "gb18030" if declared in ("gb2312", "gbk", "gb_2312-80") else declared
        try:
            text = data.decode(declared)
            meta["encoding"] = declared
            return _XML_DECL.sub("", text)
        except (LookupError, UnicodeError):  # idna/punycode raise plain UnicodeError
            meta["encoding_declared"] = declared
    text, meta["encoding"] = _decode(data)
    return _XML_DECL.sub("", text)


def _html_to_text(data: bytes, meta: dict) -> str:
    import lxml.html
    from lxml import etree

    markup = _XML_INCOMPATIBLE.sub(" ", _decode_html(data, meta))  # lxml refuses them when editing the tree
    try:
        parser = lxml.html.HTMLParser(no_network=True, remove_comments=True, huge_tree=False)
        root = lxml.html.document_fromstring(markup, parser=parser)
        limit = next((e.message.strip() for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"), None)
        if limit:  # libxml2 stopped early (nesting over 255 levels, a text node over 10 MB): text would be lost
            raise ReadError("html", f"HTML is too deeply nested or too large to parse completely ({limit}): "
                                    "save the report's text or PDF instead")
    except (etree.ParserError, ValueError) as exc:
        raise ReadError("html", f"HTML could not be parsed: {exc}") from exc
    title = root.findtext(".//title")
    if title and title.strip():
        meta["html_title"] = title.strip()
    for el in list(root.iter(*_DROP_TAGS)):
        el.drop_tree()
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        marker = f"{el.get('class', '')} {el.get('id', '')}"
        if _BOILERPLATE.search(marker) and not _CONTENT_HINT.search(marker) and el.tag not in ("body", "html"):
            el.drop_tree()
    main = _main_block(root)
    parts: list[str] = []
    _walk(main, parts)
    text = "\n".join(ln for ln in (x.strip(" ") for x in "".join(parts).split("\n")) if ln.strip())
    if _cjk_count(text) < 20:
        raise ReadError("html", "HTML page has almost no Chinese text: an error page or a page that loads "
                                "its content with JavaScript; save the report's own page")
    return text


def _main_block(root):
    """The element holding the report: most Chinese text, not counting link text."""
    body = root.find("body")
    body = body if body is not None else root
    total = _cjk_count(body.text_content()) or 1
    best, best_score = body, 0.0
    for el in body.iter("div", "td", "article", "section", "main"):
        text = el.text_content()
        n = _cjk_count(text)
        if n < 0.5 * total:
            continue
        links = sum(_cjk_count(a.text_content()) for a in el.iter("a"))
        score = (n - 2 * links) / (1 + 0.0002 * len(text))
        if _CONTENT_HINT.search(f"{el.get('class', '')} {el.get('id', '')}"):
            score *= 1.1
        # prefer the smallest element that still holds (nearly) all the text
        if score >= best_score * 0.98:
            best, best_score = el, score
    return best


def _walk(el, out: list[str]) -> None:
    """Append the text of ``el`` to ``out``: blocks on their own lines, table rows as tab-joined cells."""
    if not isinstance(el.tag, str):
        return
    if el.tag == "table":
        for tr in el.iter("tr"):
            cells = [" ".join(td.text_content().split()) for td in tr if td.tag in ("td", "th")]
            if any(cells):
                out.append("\n" + "\t".join(cells) + "\n")
    else:
        block = el.tag in _BLOCK_TAGS
        if block:
            out.append("\n")
        if el.text:
            out.append(_WS.sub(" ", el.text))
        for child in el:
            _walk(child, out)
        if block:
            out.append("\n")
    if el.tail:
        out.append(_WS.sub(" ", el.tail))


# --------------------------------------------------------------------------- PDF
_CID = re.compile(r"\(cid:\d+\)")


def _pdf_to_text(data: bytes, meta: dict) -> str:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    if not data.lstrip().startswith(b"%PDF"):
        head = data[:200].lower()
        kind = "an HTML page" if b"<html" in head or b"<!doctype" in head else "not a PDF"
        raise ReadError("pdf", f"file is {kind} although named .pdf (a failed download?)")
    pages: list[str] = []
    try:
        with pdfplumber.open(_io.BytesIO(data)) as pdf:
            meta["n_pages"] = len(pdf.pages)
            for page in pdf.pages:
                pages.append(page.extract_text() or "")
    except PDFSyntaxError as exc:
        raise ReadError("pdf", f"PDF is damaged or truncated ({exc}); download it again") from exc
    except Exception as exc:  # pdfminer raises many kinds on broken files
        raise ReadError("pdf", f"PDF could not be read ({type(exc).__name__}: {exc}); download it again") from exc
    text = "\n".join(pages)
    visible = re.sub(r"\s", "", text)
    if not visible:
        raise ReadError("pdf", "PDF has no text layer (a scan?): OCR it first")
    cids = len(_CID.findall(text))
    cjk = _cjk_count(text)
    if cids >= 5 and cids * 3 > cjk:
        raise ReadError("pdf", f"PDF text is garbled ({cids} '(cid:…)' glyphs: its fonts have no Unicode map); "
                               "OCR the PDF or find a text version")
    if cjk < 0.2 * len(visible):
        raise ReadError("pdf", "PDF text is mostly not Chinese (mis-encoded fonts?): check the file, OCR it")
    return text


# --------------------------------------------------------------------------- DOCX
def _docx_to_text(data: bytes, meta: dict) -> str:
    try:
        zf = zipfile.ZipFile(_io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ReadError("docx", "file is not a DOCX (zip) archive; if it is an old .doc, convert it to .docx") from exc
    total = sum(info.file_size for info in zf.infolist())
    if total > 2 * _MAX_DOCX_MEMBER:  # many members each under the limit: python-docx loads every linked part
        raise ReadError("docx", f"DOCX expands to {total} bytes in all (limit {2 * _MAX_DOCX_MEMBER}): "
                                "refusing a possible zip bomb")
    for info in zf.infolist():
        if info.file_size > _MAX_DOCX_MEMBER:
            raise ReadError("docx", f"DOCX member {info.filename} expands to {info.file_size} bytes "
                                    f"(limit {_MAX_DOCX_MEMBER}): refusing a possible zip bomb")
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        for info in zf.infolist():  # inflate each member in bounded chunks first: declared sizes can lie
            with zf.open(info) as member:
                while member.read(1 << 20):
                    pass
        document = docx.Document(_io.BytesIO(data))
    except Exception as exc:
        raise ReadError("docx", f"DOCX could not be opened ({type(exc).__name__}: {exc})") from exc
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                cells, seen = [], set()
                for cell in row.cells:  # merged cells repeat: keep each once
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(cell.text.split()))
                lines.append("\t".join(cells))
    return "\n".join(lines)


# --------------------------------------------------------------------------- entry points
def read_bytes(data: bytes, path: str, fmt: str | None = None) -> RawDocument:
    """Turn a file's bytes into a :class:`RawDocument`; ``fmt`` defaults to the extension."""
    suffix = (fmt or Path(path).suffix).lower().lstrip(".")
    meta: dict = {}
    if not data.strip():
        raise ReadError("read", "file is empty")
    if suffix in ("txt", "text"):
        text = _read_text(data, meta)
    elif suffix == "md":
        text = _markdown_tables_to_tabs(_read_text(data, meta))
    elif suffix in ("html", "htm"):
        text = _html_to_text(data, meta)
    elif suffix == "pdf":
        text = _pdf_to_text(data, meta)
    elif suffix == "docx":
        text = _docx_to_text(data, meta)
    elif suffix in ("doc", "wps"):
        raise ReadError("read", f".{suffix} (old Word format) is not read: convert it to .docx "
                                "(libreoffice --headless --convert-to docx)")
    else:
        raise ReadError("read", f"unsupported file type .{suffix}; govtext reads {' '.join(SUPPORTED)}")
    if not text.strip():
        raise ReadError(suffix, "no text found in the file")
    return RawDocument(path=path, format=suffix, text=text, sha256=hashlib.sha256(data).hexdigest(), meta=meta)


def read_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> RawDocument:
    """Read one report file. Raises :class:`ReadError` when it cannot be read."""
    return read_bytes(load_bytes(path, max_bytes=max_bytes), str(path))


def load_bytes(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A file's bytes, or :class:`ReadError` (missing, too large, unreadable)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise ReadError("read", f"file is {size} bytes, over the limit of {max_bytes} "
                                    "(raise max_bytes if this is really a report)")
        return p.read_bytes()
    except FileNotFoundError as exc:
        raise ReadError("read", "file disappeared or does not exist") from exc
    except IsADirectoryError as exc:
        raise ReadError("read", "path is a directory") from exc
    except PermissionError as exc:
        raise ReadError("read", "permission denied") from exc
    except OSError as exc:
        raise ReadError("read", f"could not read the file: {exc}") from exc
