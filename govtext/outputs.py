"""Writing result tables: CSV (always), Parquet and Stata ``.dta`` (on request), atomically.

Stata files get variable labels from ``resources/codebook.tsv`` and value labels
for coded text columns from ``resources/codebook_values.tsv`` (the code is stored
as a number, its label as the value label), so ``describe`` and ``tab`` in Stata
show the meaning. Strings longer than Stata's 2045 bytes are stored as strL. Column names that
Stata reserves get a trailing underscore (``end`` → ``end_``, ``enum`` → ``enum_``).

>>> import pandas as pd, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> w = TableWriter(out, "sections", formats=("csv",))
>>> w.append(pd.DataFrame({"doc_id": ["a"], "section": ["5"]})); path = w.close()
>>> (out / "sections.csv").read_text(encoding="utf-8").splitlines()
['doc_id,section', 'a,5']
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .resources import read_resource_lines

__all__ = ["TableWriter", "atomic_write", "write_table", "codebook", "FORMATS"]

FORMATS = ("csv", "parquet", "dta")


def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp_path)`` then rename onto ``path``: readers never see a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


@lru_cache(maxsize=1)
def codebook() -> dict[tuple[str, str], str]:
    """{(file stem, column): meaning} from the shipped codebook."""
    out = {}
    for line in read_resource_lines("codebook.tsv"):
        file, column, meaning = line.split("\t")[:3]
        out[(file.rsplit(".", 1)[0], column)] = meaning
    return out


@lru_cache(maxsize=1)
def _value_labels() -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for line in read_resource_lines("codebook_values.tsv"):
        column, code, value = line.split("\t")[:3]
        out.setdefault(column, {})[value] = int(code)
    return out


def _to_stata(df: pd.DataFrame, name: str, path: Path) -> None:
    df = df.copy()
    labels = {}
    value_labels = {}
    for col in df.columns:
        meaning = codebook().get((name, col))
        if meaning:
            labels[col] = meaning[:80]
        coded = _value_labels().get(col)
        if coded and df[col].dropna().astype(str).isin(list(coded)).all():
            df[col] = df[col].map(lambda v, c=coded: c.get(str(v)) if pd.notna(v) else None).astype("Int32")
            value_labels[col] = {v: k for k, v in coded.items()}
        elif df[col].dtype == object or pd.api.types.is_string_dtype(df[col]):
            df[col] = df[col].astype(object).where(df[col].notna(), "").astype(str).astype(object)
        elif str(df[col].dtype) == "boolean" or df[col].dtype == bool:
            df[col] = df[col].astype("Int8")
    # Stata reserves some names (end, enum, in, if …): such columns get a trailing underscore
    stata_names = {c: (f"{c}_" if c in _STATA_RESERVED else c)[:32] for c in df.columns}
    df = df.rename(columns=stata_names)
    strl = [c for c in df.columns if df[c].dtype == object and df[c].map(lambda s: len(str(s).encode())).max() > 2000]
    df.to_stata(path, write_index=False, version=118, variable_labels={stata_names[k]: v for k, v in labels.items()},
                value_labels={stata_names[k]: v for k, v in value_labels.items()} or None,
                convert_strl=strl)


def write_table(df: pd.DataFrame, out: Path, name: str, formats=("csv",)) -> list[Path]:
    """Write one table in each of ``formats`` to ``out/name.{csv,parquet,dta}``."""
    written = []
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"unknown output format {fmt!r}; choose from {FORMATS}")
        path = Path(out) / f"{name}.{fmt}"
        if fmt == "csv":
            atomic_write(path, lambda p: df.to_csv(p, index=False, encoding="utf-8", lineterminator="\n"))
        elif fmt == "parquet":
            atomic_write(path, lambda p: df.to_parquet(p, index=False))
        else:
            atomic_write(path, lambda p: _to_stata(df, name, p))
        written.append(path)
    return written


class TableWriter:
    """Append chunks of one table to ``out/name.csv`` (header once); ``close()`` publishes it.

    CSV is streamed chunk by chunk, so a large corpus never sits in memory whole; on close the
    Parquet copy is made from the finished CSV a few rows at a time (bounded memory too), the
    Stata copy from the whole table (Stata files are written at once: memory grows with the table).
    """

    def __init__(self, out: Path, name: str, formats=("csv",), dtypes: dict | None = None):
        self.out, self.name, self.formats = Path(out), name, tuple(formats)
        self.path = self.out / f"{name}.csv"
        self.tmp = self.out / f".{name}.csv.tmp-{os.getpid()}"
        self.columns: list[str] | None = None
        self.rows = 0
        self._fh = open(self.tmp, "w", encoding="utf-8", newline="")

    def append(self, df: pd.DataFrame) -> None:
        if self.columns is None:
            self.columns = list(df.columns)
            df.to_csv(self._fh, index=False, lineterminator="\n")
        else:
            df.reindex(columns=self.columns).to_csv(self._fh, index=False, header=False, lineterminator="\n")
        self.rows += len(df)

    def abort(self) -> None:
        """Discard what was appended; an earlier complete ``name.csv`` stays as it was."""
        self._fh.close()
        self.tmp.unlink(missing_ok=True)

    def close(self, columns: list[str] | None = None) -> Path:
        if self.columns is None:  # nothing appended: an empty table with its header
            pd.DataFrame(columns=columns or []).to_csv(self._fh, index=False, lineterminator="\n")
        self._fh.close()
        os.replace(self.tmp, self.path)
        if "parquet" in self.formats:
            atomic_write(self.out / f"{self.name}.parquet", lambda p: _csv_to_parquet(self.path, p))
        if "dta" in self.formats:  # Stata files are written whole: the table is read into memory once
            write_table(_typed_csv(pd.read_csv(self.path, **_CSV_READ)), self.out, self.name, ("dta",))
        return self.path


_CSV_READ = {"dtype": str, "keep_default_na": False, "na_values": [""]}
_PARQUET_ROWS = 20_000  # rows converted at a time: memory stays bounded however long the table


def _typed_csv(df: pd.DataFrame, numeric: dict[str, str] | None = None) -> pd.DataFrame:
    """A table read back from its CSV (all text) with its numeric columns as numbers (``numeric``:
    column -> dtype, to give every chunk of one table the same types)."""
    for col in df.columns:
        if col in _NUMERIC:
            df[col] = pd.to_numeric(df[col], errors="coerce")
            if numeric is not None:
                df[col] = df[col].astype(numeric[col])
    return df


def _csv_to_parquet(csv: Path, path: Path) -> None:
    """The finished CSV as Parquet, ``_PARQUET_ROWS`` rows at a time: a first pass finds each numeric
    column's type over the whole table (int64 unless a value is missing or fractional), the second
    writes row groups with one schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    numeric: dict[str, str] = {}
    for chunk in pd.read_csv(csv, chunksize=_PARQUET_ROWS, usecols=lambda c: c in _NUMERIC, **_CSV_READ):
        for col in chunk.columns:
            if col in _NUMERIC:
                kind = str(pd.to_numeric(chunk[col], errors="coerce").dtype)
                numeric[col] = kind if numeric.get(col, kind) == kind else "float64"
    writer = None
    try:
        for chunk in pd.read_csv(csv, chunksize=_PARQUET_ROWS, **_CSV_READ):
            table = pa.Table.from_pandas(_typed_csv(chunk, numeric), preserve_index=False)
            if writer is None:
                schema = pa.schema([f.with_type(pa.large_string()) if pa.types.is_null(f.type)
                                    or pa.types.is_string(f.type) else f for f in table.schema],
                                   metadata=table.schema.metadata)
                writer = pq.ParquetWriter(path, schema)
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()


_STATA_RESERVED = frozenset({"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long",
                             "_n", "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with", "end", "enum",
                             "str", "float", "quad", "delete", "default", "local", "global", "string", "type"})
_NUMERIC = {"start", "end", "sent_id", "year", "n_chars", "value", "score", "subsection", "enum_n", "ordinal",
            "expected", "observed", "confidence"}
