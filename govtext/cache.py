"""A content-addressed cache of per-document results, so reruns on an unchanged corpus are instant.

An entry's key is the sha256 of: the file's bytes (its sha256), the govtext
version, the sha256 of every shipped resource (lexicons, cue lists, models),
and the settings of the stage. A changed file, a changed lexicon or a new
govtext version gives a new key, so nothing stale is ever served. Entries are
gzip-compressed JSON (never pickle), written atomically, and carry their own
key, which is checked on load.

>>> import tempfile
>>> cache = DocumentCache(tempfile.mkdtemp())
>>> key = cache.key("ab" * 32, stage="document")
>>> cache.get(key) is None
True
>>> cache.put(key, {"text": "正文", "n": float("nan")})
{'n': None, 'text': '正文'}
>>> cache.get(key)
{'n': None, 'text': '正文'}
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import zlib
from functools import lru_cache
from pathlib import Path

__all__ = ["DocumentCache", "settings_hash"]


@lru_cache(maxsize=1)
def _environment_hash() -> str:
    from . import __version__
    from .resources import resource_hashes

    payload = json.dumps({"version": __version__, "resources": resource_hashes()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def settings_hash(**settings) -> str:
    """sha256 of the settings that a stage's result depends on."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


_PLAIN = frozenset({str, int, bool, type(None)})


def _clean(obj):
    """JSON-safe form: NaN/NA → None, numpy scalars → Python (a list already plain is returned as it is)."""
    kind = type(obj)
    if kind in _PLAIN:
        return obj
    if kind is float:
        return None if math.isnan(obj) else obj
    if kind is list and _PLAIN.issuperset(map(type, obj)):  # most columns: strings or integers
        return obj
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        return None if math.isnan(obj) else obj
    try:
        import pandas as pd

        if pd.isna(obj):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(obj, "item"):
        return _clean(obj.item())
    return str(obj)


class DocumentCache:
    """Per-document results on disk under ``directory`` (created when first written)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self._root = str(self.directory)  # entry paths are joined as strings: thousands per run
        self.hits = 0
        self.misses = 0

    def key(self, file_sha256: str, stage: str, **settings) -> str:
        payload = f"{file_sha256}|{_environment_hash()}|{stage}|{settings_hash(**settings)}"
        return hashlib.sha256(payload.encode()).hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self._root, key[:2], f"{key}.json.gz")

    def has(self, key: str) -> bool:
        """True when an entry for ``key`` exists (not read: :meth:`get` still checks it when it is needed)."""
        return os.path.isfile(self._path(key))

    def get(self, key: str):
        try:
            with open(self._path(key), "rb") as f:
                entry = json.loads(gzip.decompress(f.read()))
        except (OSError, EOFError, ValueError, zlib.error):  # absent, truncated or corrupt: recompute
            self.misses += 1
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            self.misses += 1
            return None
        self.hits += 1
        return entry["value"]

    def put(self, key: str, value):
        """Store ``value``; returns it as a later :meth:`get` will see it (after the JSON round trip)."""
        path = self._path(key)
        folder, name = os.path.split(path)
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, f".{name}.{os.getpid()}.tmp")
        data = json.dumps({"key": key, "value": _clean(value)}, ensure_ascii=False, sort_keys=True)
        with open(tmp, "wb") as f:  # level 1: several times faster to write than gzip's default, as fast to read
            f.write(gzip.compress(data.encode("utf-8"), compresslevel=1, mtime=0))
        os.replace(tmp, path)
        return json.loads(data)["value"]

    # ---------------------------------------------------------------- whole-corpus tables
    def _frame_path(self, key: str) -> Path:
        return self.directory / "frames" / f"{key}.parquet"

    def get_frame(self, key: str):
        """A DataFrame stored by :meth:`put_frame` under ``key``, or None (absent, corrupt or another key)."""
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(self._frame_path(key))
        except Exception:  # noqa: BLE001 - absent or unreadable: recompute
            self.misses += 1
            return None
        meta = table.schema.metadata or {}
        if meta.get(b"govtext_key", b"").decode() != key:
            self.misses += 1
            return None
        df = table.to_pandas()
        for col in json.loads(meta.get(b"govtext_object_columns", b"[]")):
            df[col] = df[col].astype(object).where(df[col].notna(), None)  # as it was: Python objects, None
        self.hits += 1
        return df

    def put_frame(self, key: str, df) -> None:
        """Store ``df`` (Parquet, atomically) under ``key``; :meth:`get_frame` gives it back with its dtypes."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self._frame_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(df, preserve_index=False)
        objects = [c for c in df.columns if df[c].dtype == object]
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"govtext_key": key.encode(),
                                               b"govtext_object_columns": json.dumps(objects).encode()})
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, path)
