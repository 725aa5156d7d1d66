"""Issue #7 — security of the readers and loaders.

* XML/HTML is parsed without external entities, entity expansion or network fetches;
* zip members are checked before anything is extracted (DOCX zip bombs, lying headers, path traversal);
* nothing is unpickled/unmarshalled/eval'ed from files the user did not create; user dictionaries,
  cue lists, theme files and models are data, never code;
* nothing touches the network unless the user calls a function whose purpose is to download.
"""

from __future__ import annotations

import ast
import io
import pickle
import socket
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

import govtext
from govtext.io import ReadError, read_bytes

from conftest import ROOT, SEED
from make_torture import docx_bytes, docx_zip_bomb

PACKAGE = ROOT / "govtext"
SECRET = "GOVTEXT-SECRET-7f3a9c"
REPORT_PARAS = [ln for ln in SEED.read_text(encoding="utf-8").splitlines() if ln.strip()][:12]


# --------------------------------------------------------------------------- no network
@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a connection or resolve a name is recorded and refused."""
    attempts: list[str] = []

    def refuse(what):
        def blocked(*args, **kwargs):
            attempts.append(f"{what}{args[1:] if what.startswith('socket.') else args}")
            raise OSError(f"network access attempted in a test: {what}")
        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket.socket, "sendto", refuse("socket.sendto"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    yield attempts
    assert not attempts, f"network access attempted: {attempts}"


def test_reading_and_the_main_job_never_touch_the_network(no_network, tmp_path, shared):
    from govtext.cli import main

    corpus = govtext.read_corpus([SEED, shared / "corpus" / "hongze_2023.pdf"], progress=False)
    assert len(corpus) == 2
    corpus.tokens()
    corpus.tagged()
    corpus.tables()
    corpus.counts()
    assert main(["analyze", str(SEED), str(shared / "corpus" / "bad"), "--out", str(tmp_path / "out"), "--quiet",
                 "--workers", "2"]) == 0
    assert (tmp_path / "out" / "documents.csv").exists()
    assert not no_network


def test_no_network_code_outside_download_functions():
    """Modules that open connections may be imported only inside a function whose name says it downloads."""
    network_modules = {"socket", "urllib.request", "urllib3", "requests", "httpx", "aiohttp", "http.client",
                       "ftplib", "smtplib", "telnetlib", "xmlrpc.client", "webbrowser"}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func, node in _walk_with_function(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            hits = [n for n in names if n in network_modules or n.split(".")[0] in network_modules - {"urllib"}]
            if hits and not (func and "download" in func.lower()):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {hits}")
    assert not offenders, offenders


def _walk_with_function(tree):
    """(name of the enclosing function or None, node) for every node."""
    stack = [(None, tree)]
    while stack:
        func, node = stack.pop()
        yield func, node
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else func
            stack.append((inner, child))


# --------------------------------------------------------------------------- XML/HTML
def _entity_html(secret_file: Path, declaration: bool) -> bytes:
    paras = "".join(f"<p>{p}</p>" for p in REPORT_PARAS)
    head = '<?xml version="1.0" encoding="utf-8"?>\n' if declaration else ""
    return (head + f'<!DOCTYPE html [\n<!ENTITY secret SYSTEM "file://{secret_file}">\n'
            f'<!ENTITY passwd SYSTEM "file:///etc/passwd">\n'
            f'<!ENTITY remote SYSTEM "http://127.0.0.1:9/steal">\n'
            '<!ENTITY lol "lollollollollollollollollollol">\n'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n]>\n'
            f'<html><body><div class="zw"><p>&secret;</p><p>&passwd;</p><p>&remote;</p><p>&lol3;</p>{paras}'
            '</div></body></html>').encode("utf-8")


@pytest.mark.parametrize("declaration", [False, True])
@pytest.mark.parametrize("ext", [".html", ".htm"])
def test_html_external_entities_are_never_expanded(no_network, tmp_path, ext, declaration):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    doc = read_bytes(_entity_html(secret, declaration), f"page{ext}")
    assert SECRET not in doc.text
    assert "root:" not in doc.text
    assert "lollollol" not in doc.text
    assert REPORT_PARAS[1][:15] in doc.text


def _docx_with_document_xml(document_xml: bytes) -> bytes:
    base = docx_bytes(["占位"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = document_xml if info.filename == "word/document.xml" else src.read(info.filename)
            dst.writestr(info, data)
    return out.getvalue()


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def test_docx_external_entities_are_never_expanded(no_network, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in REPORT_PARAS)
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           f'<!DOCTYPE w:document [<!ENTITY secret SYSTEM "file://{secret}">'
           f'<!ENTITY remote SYSTEM "http://127.0.0.1:9/steal">'
           '<!ENTITY lol "lollollollollollollollollollol">'
           '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
           f'<w:document xmlns:w="{W}"><w:body>'
           '<w:p><w:r><w:t>&secret;</w:t></w:r></w:p><w:p><w:r><w:t>&remote;&lol2;</w:t></w:r></w:p>'
           f'{body}</w:body></w:document>').encode("utf-8")
    try:
        doc = read_bytes(_docx_with_document_xml(xml), "report.docx")
    except ReadError as exc:  # refusing a DTD is fine too
        assert exc.stage == "docx"
        return
    assert SECRET not in doc.text and "lollollol" not in doc.text
    assert REPORT_PARAS[1][:15] in doc.text


# --------------------------------------------------------------------------- zip members checked first
def spy_on_python_docx(monkeypatch) -> list:
    """From now on, fail if python-docx is asked to open (and so extract) an archive."""
    import docx

    opened = []

    def spy(*args, **kwargs):
        opened.append(args)
        raise AssertionError("python-docx was asked to open a DOCX that should have been refused")

    monkeypatch.setattr(docx, "Document", spy)
    return opened


def _bounded(fn):
    """Run ``fn``; return (result or exception, seconds, peak MB allocated by Python)."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - the caller inspects it
        result = exc
    seconds = time.monotonic() - start
    peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
    tracemalloc.stop()
    return result, seconds, peak


def test_docx_zip_bomb_is_refused_before_extraction(monkeypatch):
    bomb = docx_zip_bomb(150 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    docx_never_opened = spy_on_python_docx(monkeypatch)
    result, seconds, peak = _bounded(lambda: read_bytes(bomb, "bomb.docx"))
    assert isinstance(result, ReadError) and result.stage == "docx", result
    assert "zip bomb" in result.reason
    assert not docx_never_opened and seconds < 1 and peak < 20


def _zip_many(members: dict[str, bytes], big: dict[str, int]) -> bytes:
    """A zip of ``members`` plus ``big`` members of that many spaces each (deflated, written in chunks)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for name, size in big.items():
            info = zipfile.ZipInfo(name, date_time=(2023, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as f:
                chunk = b" " * (1 << 20)
                for _ in range(size // len(chunk)):
                    f.write(chunk)
    return out.getvalue()


def test_docx_whose_members_together_expand_too_far_is_refused(monkeypatch):
    """Each member is under the per-member limit, but together they expand to ~285 MB of XML that
    python-docx would decompress and parse (every part reachable from the relationships is loaded)."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes(["一、总体情况"]))) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    parts = ["word/styles.xml", "word/settings.xml", "word/fontTable.xml"]
    bomb = _zip_many({k: v for k, v in members.items() if k not in parts}, {p: 95 * 1024 * 1024 for p in parts})
    docx_never_opened = spy_on_python_docx(monkeypatch)
    result, seconds, peak = _bounded(lambda: read_bytes(bomb, "bomb.docx"))
    assert isinstance(result, ReadError) and result.stage == "docx", result
    assert "zip bomb" in result.reason, result.reason
    assert not docx_never_opened and seconds < 1 and peak < 20


def _lie_about_size(data: bytes, member: str, declared: int) -> bytes:
    """Rewrite the sizes a zip declares for ``member`` (local header and central directory)."""
    buf = bytearray(data)
    name = member.encode()
    pos = buf.find(b"PK\x03\x04" + b"")
    while pos != -1:
        n, m = struct.unpack_from("<HH", buf, pos + 26)
        if bytes(buf[pos + 30:pos + 30 + n]) == name:
            struct.pack_into("<I", buf, pos + 22, declared)
        pos = buf.find(b"PK\x03\x04", pos + 4)
    pos = buf.find(b"PK\x01\x02")
    while pos != -1:
        n = struct.unpack_from("<H", buf, pos + 28)[0]
        if bytes(buf[pos + 46:pos + 46 + n]) == name:
            struct.pack_into("<I", buf, pos + 24, declared)
        pos = buf.find(b"PK\x01\x02", pos + 4)
    return bytes(buf)


def test_docx_member_that_lies_about_its_size_is_bounded():
    """A member declares 4 KB but inflates to 150 MB: reading stops at the declared size (bad CRC)."""
    with zipfile.ZipFile(io.BytesIO(docx_bytes(["一、总体情况"]))) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist() if i.filename != "word/document.xml"}
    bomb = _lie_about_size(_zip_many(members, {"word/document.xml": 150 * 1024 * 1024}), "word/document.xml", 4096)
    result, seconds, peak = _bounded(lambda: read_bytes(bomb, "liar.docx"))
    assert isinstance(result, ReadError) and result.stage == "docx", result
    assert seconds < 5 and peak < 50, (seconds, peak)


def test_docx_member_paths_are_never_written_to_disk(tmp_path, monkeypatch):
    """Zip-slip names ("../../x") are harmless: the DOCX reader extracts nothing to disk."""
    monkeypatch.chdir(tmp_path)
    with zipfile.ZipFile(io.BytesIO(docx_bytes(REPORT_PARAS))) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    members["../../../../../tmp/govtext-zip-slip.txt"] = b"slip"
    members["/tmp/govtext-zip-abs.txt"] = b"abs"
    data = _zip_many(members, {})
    before = set(Path("/tmp").iterdir()) | set(tmp_path.rglob("*"))
    try:
        read_bytes(data, "slip.docx")
    except ReadError:
        pass
    after = set(Path("/tmp").iterdir()) | set(tmp_path.rglob("*"))
    assert not {p for p in after - before if "govtext-zip" in p.name}


# --------------------------------------------------------------------------- never code from data
DENY = {
    "pickle.load", "pickle.loads", "pickle.Unpickler", "_pickle.load", "_pickle.loads", "cPickle.load",
    "cPickle.loads", "joblib.load", "dill.load", "dill.loads", "cloudpickle.load", "cloudpickle.loads",
    "marshal.load", "marshal.loads", "shelve.open", "yaml.unsafe_load", "yaml.full_load", "yaml.load_all",
    "yaml.unsafe_load_all", "pandas.read_pickle", "torch.load", "eval", "exec", "compile", "__import__",
}


def _dotted(node, aliases: dict[str, str]) -> str | None:
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return f"{base}.{node.attr}" if base else None
    return None


def unsafe_calls(source: str) -> list[str]:
    """Calls in ``source`` that can run code from data: unpickling, unmarshalling, unsafe YAML, eval …

    >>> unsafe_calls("import pickle as p\\np.loads(b)\\nimport yaml\\nyaml.load(t, Loader=yaml.SafeLoader)")
    ['line 2: pickle.loads']
    >>> unsafe_calls("from yaml import load\\nload(t)\\nimport numpy as np\\nnp.load(f, allow_pickle=True)")
    ['line 2: yaml.load without SafeLoader', 'line 4: numpy.load(allow_pickle=True)']
    """
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    aliases.setdefault("pd", "pandas")
    aliases.setdefault("np", "numpy")
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func, aliases)
        if name is None:
            continue
        kwargs = {k.arg: k.value for k in node.keywords}
        if name in DENY and not (name == "compile" and isinstance(node.func, ast.Attribute)):
            found.append(f"line {node.lineno}: {name}")
        elif name == "yaml.load":
            loader = _dotted(kwargs["Loader"], aliases) if "Loader" in kwargs else None
            if not loader or not loader.endswith(("SafeLoader", "CSafeLoader")):
                found.append(f"line {node.lineno}: yaml.load without SafeLoader")
        elif name == "numpy.load" and isinstance(kwargs.get("allow_pickle"), ast.Constant) \
                and kwargs["allow_pickle"].value:
            found.append(f"line {node.lineno}: numpy.load(allow_pickle=True)")
        elif name == "importlib.import_module" and not (node.args and isinstance(node.args[0], ast.Constant)):
            found.append(f"line {node.lineno}: importlib.import_module of a computed name")
    return found


def test_package_never_unpickles_or_evals():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        offenders += [f"{path.relative_to(ROOT)} {hit}" for hit in unsafe_calls(path.read_text(encoding="utf-8"))]
    assert not offenders, offenders


class _Payload:
    """Unpickling this runs code: it creates the marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_pickled_model_file_is_refused_not_loaded(tmp_path):
    from govtext.tagging import LearnedTagger, ModelFileError

    marker = tmp_path / "PWNED"
    model = tmp_path / "model.json"
    model.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelFileError):
        LearnedTagger.load(model)
    assert not marker.exists()


def test_a_planted_cache_entry_is_never_unpickled(tmp_path):
    from govtext.cache import DocumentCache

    marker = tmp_path / "PWNED"
    cache = DocumentCache(tmp_path / "cache")
    key = cache.key("ab" * 32, "document")
    path = Path(cache._path(key))
    path.parent.mkdir(parents=True)
    path.write_bytes(pickle.dumps(_Payload(marker)))
    assert cache.get(key) is None and not marker.exists()


def test_theme_dictionaries_are_yaml_data_never_objects(tmp_path):
    from govtext.themes import load_dictionary

    marker = tmp_path / "PWNED"
    evil = tmp_path / "themes.yaml"
    evil.write_text(f'themes:\n  公开: [!!python/object/apply:os.system ["touch {marker}"]]\n', encoding="utf-8")
    with pytest.raises(Exception) as info:
        load_dictionary(evil)
    assert not isinstance(info.value, (SystemExit, KeyboardInterrupt))
    assert not marker.exists()


def test_user_dictionaries_and_cue_files_are_words_not_code(tmp_path):
    from govtext.segment import Tokenizer
    from govtext.tagging import load_cues

    marker = tmp_path / "PWNED"
    code = f'__import__("pathlib").Path("{marker}").touch()'
    user_dict = tmp_path / "dict.txt"
    user_dict.write_text(f"{code}\n政务公开 100\n", encoding="utf-8")
    tok = Tokenizer(user_dict=user_dict)
    assert tok.cut("政务公开") == ["政务公开"]
    cues = tmp_path / "cues.txt"
    cues.write_text(f"{code}\n不够\n", encoding="utf-8")
    load_cues(cues, "cues_issue.txt")
    assert not marker.exists()


def test_jieba_dictionary_cache_is_not_read_from_the_shared_temp_dir(tmp_path, monkeypatch):
    """jieba caches its dictionary with ``marshal`` in the temp dir (/tmp/jieba.cache), and loads that
    file whoever wrote it. A file planted there must not change govtext's tokens."""
    import marshal
    import tempfile

    from govtext.segment import Tokenizer

    sentence = "互助县政府信息公开工作年度报告"
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "clean_tmp"))
    (tmp_path / "clean_tmp").mkdir()
    expected = Tokenizer().cut(sentence)
    shared_tmp = tmp_path / "shared_tmp"
    shared_tmp.mkdir()
    with open(shared_tmp / "jieba.cache", "wb") as f:  # what another user of the machine could leave there
        marshal.dump(({"互助": 10 ** 9, "互": 1, "助": 1, "县": 1}, 10 ** 9 + 3), f)
    monkeypatch.setattr(tempfile, "tempdir", str(shared_tmp))
    assert Tokenizer().cut(sentence) == expected, "a planted /tmp/jieba.cache changed the tokens"
