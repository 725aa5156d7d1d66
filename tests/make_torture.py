"""Write the torture corpus of issue #7 ("nothing lost on bad input") into a folder.

Nothing here is committed as a binary: every file is generated, from real reports read at
run time (the seed report in ``data/reports/`` and the reports in ``../shared/corpus/``)
or written from scratch (tiny hand-made PDFs, a python-docx document, random bytes).

    python tests/make_torture.py DEST        # writes the files, prints "file<TAB>expected"

:func:`make_torture_corpus` returns ``{relative path: expected}``, where ``expected`` is the
``stage`` of the error row the file must produce, ``"ok"`` (a good file, analysed) or
``"duplicate"`` (a good file whose bytes repeat an earlier file: flagged in
``docs.duplicate_of``). Two entries hold only under the protocol the tests follow:

* ``huge_20mb.txt`` is an error (stage ``read``) when the corpus is read with
  ``max_bytes=TORTURE_MAX_BYTES`` (10 MB); with the default limit (50 MB) it would be read;
* ``vanishing.txt`` is an error (stage ``read``) because the test deletes it after
  :func:`govtext.corpus.list_files` has listed it and before it is read.
"""

from __future__ import annotations

import io
import random
import sys
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"
SEED = ROOT / "data" / "reports" / "000_b544fc85b347642f.txt"

TORTURE_MAX_BYTES = 10 * 1024 * 1024  # the size limit the torture run uses: below huge_20mb.txt
HUGE_BYTES = 20 * 1024 * 1024

# Lines a hacked CMS injects into report pages (gambling SEO spam). Domain names are
# from the reserved .example TLD.
SPAM_LINES = [
    "澳门新葡京 真人娱乐 注册送彩金",
    "威尼斯人娱乐城 百家乐 官方网站 vip8888.example",
    "北京赛车pk10 时时彩计划 稳赚不赔 加微信领取",
    "太阳城集团 网上棋牌 首存送100% 彩金秒到账",
]

# Where each torture file's text comes from (one real report per good file, so that no two
# good files have the same text, except the intended duplicate).
SOURCES = {
    "gbk": "pingtan/201204_80678.txt",
    "mixed": "pingtan/201301_80725.txt",
    "html": "pingtan/202001_80576.txt",
    "docx": "pingtan/201901_80529.txt",
    "spam": "pingtan/202302_80629.txt",
    "vanishing": "pingtan/202403_87885.txt",
    "truncated": "hongze_2023.pdf",
    "garbled": "bad/garbled_1.pdf",
}

SPACES_PATH = "政府 信息公开 年报/互助县 2022 年度 报告.txt"
DUPLICATE_PATH = "重复 文件/互助县年报 - 副本.txt"


# --------------------------------------------------------------------------- helpers
def shared_corpus_dir(shared: Path | None = None) -> Path:
    folder = (shared or SHARED) / "corpus"
    if not (folder / "index.tsv").exists():
        raise FileNotFoundError(f"the shared corpus is missing: {folder}")
    return folder


def report_body(path: Path) -> str:
    """The body of a scraped report (text after the ``==== 正文 ====`` line), else the whole text."""
    text = path.read_text(encoding="utf-8")
    marker = "正文 ===================="
    return text.split(marker, 1)[1].strip() if marker in text else text.strip()


def paragraphs(body: str) -> list[str]:
    """Split a report body into paragraphs: its lines, and one-line scraped bodies at 。."""
    out: list[str] = []
    for line in body.splitlines():
        line = line.strip()
        if not line:
            continue
        pieces = [p + "。" for p in line.split("。") if p.strip()]
        if not line.endswith("。") and pieces:
            pieces[-1] = pieces[-1][:-1]
        out.extend(pieces)
    return out


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file from its numbered objects (1 = catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _stream(data: bytes, extra: str = "") -> bytes:
    return f"<< /Length {len(data)} {extra}>>\nstream\n".encode() + data + b"\nendstream"


def pdf_without_text_layer() -> bytes:
    """A valid one-page PDF whose page draws nothing (an empty content stream)."""
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> /Contents 4 0 R >>",
        _stream(b""),
    ])


def pdf_image_only() -> bytes:
    """A valid one-page PDF that shows one grey image and no text: what a scanner produces."""
    width = height = 16
    pixels = bytes((x * 16 + y) % 256 for y in range(height) for x in range(width))
    image = zlib.compress(pixels)
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        _stream(content),
        _stream(image, f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
                       "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode "),
    ])


HTML_404 = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>404 Not Found</title></head>
<body><h1>404 Not Found</h1><p>The requested URL was not found on this server.</p>
<hr><address>nginx</address></body></html>
"""


def docx_bytes(paras: list[str], table: list[list[str]] | None = None) -> bytes:
    """A DOCX written by python-docx: ``paras`` as paragraphs, then an optional table."""
    import docx

    document = docx.Document()
    for p in paras:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, cell in enumerate(row):
                t.cell(i, j).text = cell
    buf = io.BytesIO()
    document.save(buf)
    return _fixed_timestamps(buf.getvalue())


def _fixed_timestamps(data: bytes) -> bytes:
    """The same zip with every member dated 2023-01-01, so that the bytes do not depend on the clock."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2023, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def docx_zip_bomb(expand_to: int = 150 * 1024 * 1024) -> bytes:
    """A valid DOCX plus one deflated member that expands to ``expand_to`` bytes (declared honestly).

    About 150 KB on disk for 150 MB of zeros; made in a fraction of a second.
    """
    base = docx_bytes(["一、总体情况", "本机关全年主动公开政府信息。"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        member = zipfile.ZipInfo("word/media/image1.png", date_time=(2023, 1, 1, 0, 0, 0))
        member.compress_type = zipfile.ZIP_DEFLATED
        chunk = b"\0" * (1 << 20)
        with dst.open(member, "w", force_zip64=True) as f:
            for _ in range(expand_to // len(chunk)):
                f.write(chunk)
    return out.getvalue()


def html_page(title: str, paras: list[str], depth: int) -> str:
    """A report page as a CMS serves it: scripts, styles, navigation, and the text ``depth`` divs deep."""
    body = "\n".join(f"<p>{p}</p>" for p in paras)
    nest_open = "".join(f'<div class="wrap{i % 7}"><span>' for i in range(depth // 2))
    nest_close = "</span></div>" * (depth // 2)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>.zw {{ font-size: 16px }} body::after {{ content: "样式里的文字" }}</style>
<script>var msg = "脚本里的中文不属于报告"; document.write(msg);</script>
</head>
<body>
<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/zfxxgk/">政府信息公开</a></div>
<script type="text/javascript">window.__stat = "统计脚本中的中文也不属于报告";</script>
{nest_open}<div class="zw"><h1>{title}</h1>
{body}
<script>console.log("正文中的脚本文字")</script><noscript>请启用浏览器脚本</noscript>
</div>{nest_close}
<div class="footer">版权所有 网站标识码 主办单位 技术支持</div>
</body></html>
"""


def to_traditional_mixed(body: str) -> str:
    """Every other sentence converted to traditional characters (OpenCC ``s2t``)."""
    from opencc import OpenCC

    s2t = OpenCC("s2t")
    pieces = body.split("。")
    return "。".join(s2t.convert(p) if i % 2 else p for i, p in enumerate(pieces))


def with_spam(paras: list[str], rng: random.Random) -> list[str]:
    """``paras`` with a gambling spam line inserted after every fourth paragraph."""
    out = []
    for i, p in enumerate(paras):
        out.append(p)
        if i % 4 == 3:
            out.append(rng.choice(SPAM_LINES))
    return out


def as_lines(paras: list[str]) -> str:
    """Paragraphs as a text file: one paragraph per line."""
    return "\n".join(paras) + "\n"


def write_huge_text(path: Path, size: int = HUGE_BYTES) -> None:
    """A UTF-8 text of ``size`` bytes: a real-looking paragraph repeated (written in chunks)."""
    block = ("本机关全年主动公开政府信息一千二百件，其中规范性文件三十件。" * 40 + "\n").encode("utf-8")
    with open(path, "wb") as f:
        written = 0
        while written < size:
            piece = block[: size - written]
            f.write(piece)
            written += len(piece)


# --------------------------------------------------------------------------- the corpus
def make_torture_corpus(dest: Path, shared: Path | None = None) -> dict[str, str]:
    """Write the torture corpus into ``dest``; return ``{relative path: expected stage | "ok" | "duplicate"}``.

    ``shared`` is the ``../shared`` folder (default: beside the repository); the truncated PDF,
    the "(cid:…)" PDF and the good files' texts come from it and from the seed report.
    """
    dest = Path(dest)
    corpus = shared_corpus_dir(shared)
    dest.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)  # issue #7: everything below is deterministic
    expected: dict[str, str] = {}

    def put(name: str, data: bytes | str, status: str) -> None:
        path = dest / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        expected[name] = status

    # --- PDFs that cannot be analysed
    pdf = (corpus / SOURCES["truncated"]).read_bytes()
    put("truncated.pdf", pdf[: len(pdf) // 2], "pdf")
    put("no_text_layer.pdf", pdf_without_text_layer(), "pdf")
    put("scan_image_only.pdf", pdf_image_only(), "pdf")
    put("cid_garbage.pdf", (corpus / SOURCES["garbled"]).read_bytes(), "pdf")
    put("404_page.pdf", HTML_404, "pdf")
    put("empty.pdf", b"", "read")

    # --- not text at all, or nothing in it
    put("binary_junk.txt", bytes(rng.randrange(256) for _ in range(64 * 1024)), "decode")
    put("binary_junk_no_nul.txt", bytes(rng.randrange(1, 256) for _ in range(64 * 1024)), "decode")
    put("empty.txt", b"", "read")
    put("whitespace_only.md", b" \n\r\n\t \n", "read")
    put("legacy_word.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(rng.randrange(256) for _ in range(4096)),
        "read")

    # --- too big: a 20 MB text (an error when read with max_bytes=TORTURE_MAX_BYTES) and a zip bomb
    write_huge_text(dest / "huge_20mb.txt")
    expected["huge_20mb.txt"] = "read"
    put("zip_bomb.docx", docx_zip_bomb(), "docx")

    # --- HTML nested deeper than any parser should follow
    put("too_deep.html", html_page("深层嵌套页面", paragraphs(report_body(corpus / SOURCES["html"]))[:5], 6000),
        "html")

    # --- good files in awkward forms
    gbk = (corpus / SOURCES["gbk"]).read_text(encoding="utf-8")
    put("gbk_no_declaration.txt", gbk.encode("gbk"), "ok")
    put("繁简混排 mixed.txt", to_traditional_mixed(report_body(corpus / SOURCES["mixed"])), "ok")
    html_paras = paragraphs(report_body(corpus / SOURCES["html"]))
    put("nested_with_scripts.html", html_page(html_paras[0][:40], html_paras, 200), "ok")
    docx_paras = paragraphs(report_body(corpus / SOURCES["docx"]))
    put("report.docx", docx_bytes(docx_paras, [["项目", "本年新制作数量", "本年新公开数量"],
                                               ["规章", "0", "0"], ["行政规范性文件", "12", "12"]]), "ok")
    put("gambling_spam.txt", as_lines(with_spam(spam_report_paragraphs(corpus), rng)), "ok")
    put(SPACES_PATH, SEED.read_bytes(), "ok")
    put(DUPLICATE_PATH, SEED.read_bytes(), "duplicate")

    # --- a good file that the test deletes between listing and reading
    put("vanishing.txt", as_lines(paragraphs(report_body(corpus / SOURCES["vanishing"]))), "read")
    return expected


# Legitimate report text near the spam vocabulary (lottery funds are public information): never spam.
NOT_SPAM = "本机关主动公开福利彩票公益金、体育彩票公益金使用情况2次，公开网络游戏防沉迷有关政策解读1篇。"


def spam_report_paragraphs(corpus: Path) -> list[str]:
    paras = paragraphs(report_body(corpus / SOURCES["spam"]))
    return paras[:6] + [NOT_SPAM] + paras[6:]


def spam_report_clean_text(shared: Path | None = None) -> str:
    """The spam report's text without the spam lines: what ``gambling_spam.txt`` should read as."""
    return as_lines(spam_report_paragraphs(shared_corpus_dir(shared)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/make_torture.py DEST")
    for name, status in make_torture_corpus(Path(sys.argv[1])).items():
        print(f"{name}\t{status}")
