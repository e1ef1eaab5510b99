"""ListObjects (v1) over the objects table's key index: prefixes, delimiters and markers as COS pages them."""

from __future__ import annotations

from cos_ocr_emulator.storage.meta import MetaTx
from cos_ocr_emulator.storage.models import ListResult, ObjectInfo
from cos_ocr_emulator.storage.rows import prefix_upper


def _rollup(key: str, prefix: str, delimiter: str) -> str | None:
    """The common prefix `key` folds into under prefix/delimiter, or None if it is listed as itself."""
    if not delimiter or not key.startswith(prefix):
        return None
    cut = key.find(delimiter, len(prefix))
    return None if cut < 0 else key[: cut + len(delimiter)]


def list_objects(tx: MetaTx, bucket: str, prefix: str, delimiter: str, marker: str, max_keys: int) -> ListResult:
    """ListObjects (v1) over the key index, never loading more rows than it returns.

    The scan walks keys in byte order from the marker. A key that folds into a common prefix adds that
    prefix once and the scan jumps past every key sharing it (`prefix_upper`), so a million keys under
    one "folder" cost one row. Keys and common prefixes both count toward max_keys. A marker that
    itself folds into a common prefix (e.g. the NextMarker "photos/" of the previous page) resumes
    after that whole prefix, so pages never repeat it.
    """
    contents: list[ObjectInfo] = []
    prefixes: list[str] = []
    upper = prefix_upper(prefix) if prefix else None
    lower, inclusive = prefix, True
    if marker and marker >= prefix:
        lower, inclusive = marker, False
        folded = _rollup(marker, prefix, delimiter)
        if folded is not None:
            bound = prefix_upper(folded)
            if bound is None:
                return ListResult([], [], False, None)
            lower, inclusive = bound, True
    last: str | None = None
    exhausted = False
    while len(contents) + len(prefixes) < max_keys and not exhausted:
        rows = tx.iter_objects(bucket, lower, inclusive, upper)
        exhausted = True  # unless the loop below stops early
        try:
            for info in rows:
                folded = _rollup(info.key, prefix, delimiter)
                if folded is None:
                    contents.append(info)
                    last, lower, inclusive = info.key, info.key, False
                else:
                    prefixes.append(folded)
                    last = folded
                    bound = prefix_upper(folded)
                    if bound is not None:
                        lower, inclusive = bound, True
                        exhausted = False  # re-query from past the folded keys
                    break
                if len(contents) + len(prefixes) >= max_keys:
                    exhausted = False
                    break
        finally:
            rows.close()
    truncated = False
    if not exhausted and max_keys > 0:
        probe = tx.iter_objects(bucket, lower, inclusive, upper)
        try:
            truncated = next(probe, None) is not None
        finally:
            probe.close()
    return ListResult(contents, prefixes, truncated, last if truncated else None)
