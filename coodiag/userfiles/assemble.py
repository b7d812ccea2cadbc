"""Assemble the result of a file validated chunk by chunk, in bounded memory.

Each chunk's rows used are kept column by column (:class:`Chunks`); duplicates are found over the
whole file by a 64-bit hash of each row (checked value by value afterwards, so that a hash
collision can never reject a row), the first occurrence kept, exactly as
:func:`coodiag.userfiles._validate.finish` does on a file read in one piece.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from coodiag.userfiles._validate import Collector, dup_text
from coodiag.userfiles.reader import TableStream
from coodiag.userfiles.result import ImportResult

#: Files being read under :func:`system_arrow_pool` in this process, and the pool to restore
#: when the last ends (the explorer reads the files of several sessions at once).
_POOL_USERS: dict[str, object] = {"count": 0, "restore": None}
_POOL_LOCK = threading.Lock()


@contextlib.contextmanager
def system_arrow_pool() -> Iterator[None]:
    """Arrow strings allocated by the C library while a large file is read: Arrow's default pool
    (mimalloc) keeps the pages of the chunks' temporary columns between the kept ones, which
    costs about a tenth more memory at the end of a large import. Arrays keep their own pool, so
    switching back afterwards is safe. The pool is process-wide: with files read in several
    threads at once, the first in switches it and the last out restores it."""
    with _POOL_LOCK:
        if _POOL_USERS["count"] == 0:
            _POOL_USERS["restore"] = pa.default_memory_pool()
            pa.set_memory_pool(pa.system_memory_pool())
        _POOL_USERS["count"] += 1
    try:
        yield
    finally:
        with _POOL_LOCK:
            _POOL_USERS["count"] -= 1
            if _POOL_USERS["count"] == 0:
                pa.set_memory_pool(_POOL_USERS["restore"])
                _POOL_USERS["restore"] = None


class _Column:
    """One column over the chunks: numbers, booleans and dates written into one buffer reserved
    at the file's size (no copy at the end), other values (Arrow strings) kept as chunks and
    joined without copy."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(capacity, 1)
        self.n = 0
        self.values: np.ndarray | None = None
        self.mask: np.ndarray | None = None  # missing values of an Int64 column
        self.parts: list = []
        self.empty = None  # the column of an empty chunk, when the file has no row

    def add(self, arr) -> None:
        if not len(arr):
            self.empty = arr if self.empty is None else self.empty
            return
        if isinstance(arr, pd.arrays.IntegerArray) and not self.parts:
            self._write(arr.to_numpy(dtype=arr.dtype.numpy_dtype, na_value=0), arr.isna())
        elif (
            isinstance(arr, pd.arrays.NumpyExtensionArray) or isinstance(arr.dtype, np.dtype)
        ) and not self.parts:
            self._write(np.asarray(arr), None)
        else:
            self.parts.append(arr)

    def _write(self, values: np.ndarray, mask: np.ndarray | None) -> None:
        k = len(values)
        if self.values is None:
            self.values = np.empty(max(self.capacity, k), dtype=values.dtype)
            self.mask = None if mask is None else np.empty(len(self.values), dtype=bool)
        elif self.n + k > len(self.values):  # more rows than foreseen: grow
            size = max(2 * len(self.values), self.n + k)
            self.values = np.concatenate(
                [self.values[: self.n], np.empty(size - self.n, values.dtype)]
            )
            if self.mask is not None:
                self.mask = np.concatenate([self.mask[: self.n], np.empty(size - self.n, bool)])
        self.values[self.n : self.n + k] = values
        if self.mask is not None:
            self.mask[self.n : self.n + k] = mask
        self.n += k

    def series(self) -> pd.Series:
        if self.values is not None:
            values, self.values = self.values[: self.n], None
            if self.mask is not None:
                mask, self.mask = self.mask[: self.n], None
                return pd.Series(pd.arrays.IntegerArray(values, mask), copy=False)
            return pd.Series(values, copy=False)
        parts, self.parts = self.parts, []
        if not parts:
            return pd.Series(self.empty, copy=False)
        if len(parts) == 1:
            return pd.Series(parts[0], copy=False)
        return pd.concat([pd.Series(a, copy=False) for a in parts], ignore_index=True)


class Chunks:
    """The rows used of each chunk, column by column, with their hashes."""

    def __init__(self, key: list[str] | None, capacity: int = 0) -> None:
        self.key = key
        self.capacity = capacity
        self.columns: dict[str, _Column] = {}
        self.hashes = _Column(capacity)  # a 64-bit hash of each row kept

    def add(self, data: pd.DataFrame, col: Collector) -> None:
        """Keep the rows of ``data`` (one chunk) that ``col`` did not reject."""
        good = ~col.bad_mask().to_numpy()
        part = {c: data[c].array[good] for c in data.columns}
        if self.key:
            frame = pd.DataFrame({c: part[c] for c in self.key}, copy=False)
            self.hashes.add(pd.util.hash_pandas_object(frame, index=False).to_numpy())
        for c, arr in part.items():
            self.columns.setdefault(c, _Column(self.capacity)).add(arr)

    def _column(self, name: str) -> pd.Series:
        """One column over the chunks (taken out of them: memory is handed over)."""
        return self.columns.pop(name).series()

    def finish(
        self,
        kind: str,
        stream: TableStream,
        col: Collector,
        *,
        personal: bool = False,
        dup_motif: Callable[[int], str] | None = None,
    ) -> ImportResult:
        """Reject the duplicates (first kept) and assemble the :class:`ImportResult`."""
        col.close()
        names = list(self.columns)
        columns = {c: self._column(c) for c in names}
        n = len(columns[names[0]])
        keep = None
        if self.key and n:
            keep = self._dedupe(columns, col, dup_motif or dup_text)
        if keep is not None:
            columns = {c: s[keep].reset_index(drop=True) for c, s in columns.items()}
        data = pd.DataFrame(columns, copy=False)
        rejects = col.rejects()
        n_rejected = rejects["ligne"].nunique()
        return ImportResult(
            kind=kind,
            path=stream.path,
            source=stream.source,
            data=data,
            rejects=rejects,
            warnings=col.warnings,
            n_read=col.n_read,
            n_used=col.n_read - n_rejected,
            n_rejected=n_rejected,
            personal=personal,
        )

    def _dedupe(
        self, columns: dict[str, pd.Series], col: Collector, motif: Callable[[int], str]
    ) -> np.ndarray | None:
        """Mask of the rows kept (None: no duplicate); the others rejected into ``col``."""
        hashes = self.hashes.series().to_numpy()
        # The values seen twice or more, found by sorting a copy of one sixteenth of the hashes
        # at a time (by their top bits): no hash table, little memory beside the data.
        top = np.empty(len(hashes), dtype=np.uint8)
        for i in range(0, len(hashes), 1 << 20):
            top[i : i + (1 << 20)] = hashes[i : i + (1 << 20)] >> np.uint64(60)
        repeated = []
        for part in range(16):
            ordered = np.sort(hashes[top == part])
            repeated.append(ordered[1:][ordered[1:] == ordered[:-1]])
            del ordered
        del top
        repeated = np.unique(np.concatenate(repeated))
        if not len(repeated):
            return None
        candidates = np.flatnonzero(pd.Series(hashes, copy=False).isin(repeated).to_numpy())
        among = pd.Series(hashes[candidates], copy=False)
        del hashes
        is_first = ~among.duplicated(keep="first").to_numpy()
        first = np.ones(len(columns["ligne"]), dtype=bool)
        first[candidates[~is_first]] = False
        dup = candidates[~is_first]
        first_of = pd.Series(candidates[is_first], index=among[is_first].to_numpy())
        orig = first_of.loc[among[~is_first].to_numpy()].to_numpy()
        del first_of, among, candidates
        for c in self.key or ():
            a = columns[c].take(dup).reset_index(drop=True)
            b = columns[c].take(orig).reset_index(drop=True)
            same = (a == b).fillna(False).to_numpy(dtype=bool) | (a.isna() & b.isna()).to_numpy()
            if not same.all():  # a hash collision: compare the rows themselves
                frame = pd.DataFrame({k: columns[k] for k in self.key}, copy=False)
                first = ~frame.duplicated(keep="first").to_numpy()
                return self._dedupe_exact(columns, frame, first, col, motif)
        lines = columns["ligne"].to_numpy()
        col.rows.append(
            pd.DataFrame(
                {
                    "ligne": lines[dup],
                    "colonne": "",
                    "valeur": "",
                    "motif": pd.array([motif(int(x)) for x in lines[orig]], dtype="string"),
                }
            )
        )
        return first

    @staticmethod
    def _dedupe_exact(columns, frame, first, col, motif) -> np.ndarray:
        lines = columns["ligne"].to_numpy()
        first_line = {}
        for k, line in zip(
            frame[first].itertuples(index=False, name=None), lines[first], strict=True
        ):
            first_line[k] = line
        dup = np.flatnonzero(~first)
        keys = frame.iloc[dup].itertuples(index=False, name=None)
        col.rows.append(
            pd.DataFrame(
                {
                    "ligne": lines[dup],
                    "colonne": "",
                    "valeur": "",
                    "motif": pd.array([motif(int(first_line[k])) for k in keys], dtype="string"),
                }
            )
        )
        return first
