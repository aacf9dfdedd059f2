"""ruling: evaluate cases against rule files of statutes, from Python.

``RuleSet.load(path)`` loads and checks rule files once; ``rules.evaluate(case)`` returns the
dict of the record ``ruling batch`` writes for the same case (``json.loads`` of that line), and
``rules.evaluate_many(cases)`` does so for many cases in parallel, without the GIL.
``evaluate_arrow`` and ``evaluate_pandas`` take tables of facts and return one column per
conclusion; ``ruling.spark.evaluate`` does the same on a Spark DataFrame.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from ._ruling import EvalError, FactsError, RuleError, RuleSet, RulingError

if TYPE_CHECKING:  # pragma: no cover
    import pandas
    import pyarrow

__all__ = [
    "RuleSet",
    "RulingError",
    "RuleError",
    "FactsError",
    "EvalError",
    "load",
    "rule_sources",
    "evaluate_arrow",
    "evaluate_pandas",
]


def load(path: str | Path) -> RuleSet:
    """Loads and checks the rule files under ``path``: the same as ``RuleSet.load(path)``."""
    return RuleSet.load(path)


def rule_sources(path: str | Path) -> list[tuple[str, str]]:
    """The ``.rule`` files under ``path`` as ``(relative name, text)``, in the order
    ``RuleSet.load`` reads them: what ``RuleSet.from_sources`` takes (``ruling.spark`` ships
    them to the executors this way)."""
    root = Path(path)
    if root.is_file():
        return [(root.name, root.read_text(encoding="utf-8"))]
    files = sorted(root.rglob("*.rule"), key=lambda p: p.relative_to(root).parts)
    return [(p.relative_to(root).as_posix(), p.read_text(encoding="utf-8")) for p in files]


_KINDS = {
    "bool": "bool",
    "int8": "i8",
    "int16": "i16",
    "int32": "i32",
    "int64": "i64",
    "uint8": "u8",
    "uint16": "u16",
    "uint32": "u32",
    "uint64": "u64",
    "float": "f32",
    "double": "f64",
    "string": "utf8",
    "large_string": "large_utf8",
    "date32[day]": "date32",
    "null": "null",
}


def _column(name: str, array: "pyarrow.Array", json_columns: Sequence[str]) -> dict[str, Any]:
    """One column as the extension reads it: its kind and its Arrow buffers, read in place
    where the type allows; other types are converted first (noted per type)."""
    import pyarrow as pa
    import pyarrow.types as pt

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    t = array.type
    if pt.is_dictionary(t):
        array = array.dictionary_decode()  # a copy
        t = array.type
    if pt.is_date64(t) or pt.is_timestamp(t):
        array = array.cast(pa.date32())  # a copy: dates travel as days
    elif pt.is_decimal(t):
        array = array.cast(pa.string())  # a copy: decimals travel as their text, as money is written
    elif str(t) in ("string_view", "large_string_view"):
        array = array.cast(pa.string())
    kind = _KINDS.get(str(array.type))
    if kind is None:
        # Lists, records and anything else: each value as JSON text (a copy through Python objects).
        texts = [None if v is None else json.dumps(v, default=str, ensure_ascii=False) for v in array.to_pylist()]
        array = pa.array(texts, type=pa.string())
        kind = "json"
    elif name in json_columns and kind in ("utf8", "large_utf8"):
        kind = "json" if kind == "utf8" else "large_json"
    buffers = array.buffers()

    def view(buffer: "pyarrow.Buffer | None") -> memoryview | None:
        return None if buffer is None else memoryview(buffer).cast("B")

    column: dict[str, Any] = {"name": name, "kind": kind, "offset": array.offset}
    if kind in ("utf8", "large_utf8", "json", "large_json"):
        column.update(validity=view(buffers[0]), offsets=view(buffers[1]), values=view(buffers[2]))
    elif kind == "null":
        column.update(validity=None, offsets=None, values=None)
    else:
        column.update(validity=view(buffers[0]), offsets=None, values=view(buffers[1]))
    return column


def _rules(rules: RuleSet | str | Path) -> RuleSet:
    return rules if isinstance(rules, RuleSet) else RuleSet.load(rules)


def evaluate_arrow(
    rules: RuleSet | str | Path,
    data: "pyarrow.RecordBatch | pyarrow.Table",
    *,
    questions: Sequence[str] | None = None,
    as_of: Any = None,
    case_column: str | None = None,
    json_columns: Sequence[str] = (),
    keep: Sequence[str] = ("id",),
) -> "pyarrow.RecordBatch":
    """Evaluates every row of ``data`` and returns a record batch: the ``keep`` columns that
    ``data`` has, one column per conclusion in ``questions`` (all conclusions when ``None``) and
    ``error`` (the error record's ``error`` object as JSON text; null when the row evaluated).

    Each column of ``data`` is a fact (a null cell: the fact is absent), except ``id`` and
    ``as_of``; with ``case_column``, that string column holds each row's whole case as JSON
    (a ``ruling batch`` line) and the other columns are only kept. ``json_columns`` are string
    columns holding JSON values (lists of records). A conclusion column is ``bool`` for a bool
    conclusion, ``int64`` for a count or integer, else ``string`` (a text or enum value as it
    is, any other value as its JSON text); unknown is null. Values are exactly those of
    ``ruling batch --explain none`` on the same cases.
    """
    import pyarrow as pa

    ruleset = _rules(rules)
    names = list(questions) if questions is not None else list(ruleset.conclusions())
    if isinstance(data, pa.Table):
        batches = data.to_batches()
        if not batches:
            batches = [pa.RecordBatch.from_pylist([], schema=data.schema)]
        results = [
            evaluate_arrow(ruleset, b, questions=names, as_of=as_of, case_column=case_column,
                           json_columns=json_columns, keep=keep)
            for b in batches
        ]
        return pa.Table.from_batches(results).combine_chunks().to_batches()[0] if len(results) > 1 else results[0]
    columns = [_column(name, data.column(i), json_columns) for i, name in enumerate(data.schema.names)]
    if case_column is not None:
        columns = [c for c in columns if c["name"] == case_column]
    out = ruleset._evaluate_columns(data.num_rows, columns, names, case_column=case_column, as_of=as_of)
    n = data.num_rows
    arrays, fields = [], []
    for name in keep:
        if name in data.schema.names:
            arrays.append(data.column(name))
            fields.append(data.schema.field(name))
    types = {"bool": pa.bool_(), "int64": pa.int64(), "string": pa.string()}
    for name, kind, validity, values, offsets in out:
        buffers = [pa.py_buffer(validity)]
        if offsets is not None:
            buffers.append(pa.py_buffer(offsets))
        buffers.append(pa.py_buffer(values))
        arrays.append(pa.Array.from_buffers(types[kind], n, buffers))
        fields.append(pa.field(name, types[kind]))
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


def evaluate_pandas(
    rules: RuleSet | str | Path,
    frame: "pandas.DataFrame",
    *,
    questions: Sequence[str] | None = None,
    as_of: Any = None,
    case_column: str | None = None,
    json_columns: Sequence[str] = (),
    keep: Sequence[str] = ("id",),
) -> "pandas.DataFrame":
    """``evaluate_arrow`` for a pandas DataFrame (converted with ``pyarrow.RecordBatch.from_pandas``;
    a float column whose values are whole numbers, as pandas keeps integers with gaps, is read
    as integers). Returns a DataFrame: bool and int64 columns with nulls become pandas' nullable
    ``boolean`` and ``Int64``."""
    import pandas as pd
    import pyarrow as pa

    batch = pa.RecordBatch.from_pandas(frame, preserve_index=False)
    result = evaluate_arrow(rules, batch, questions=questions, as_of=as_of, case_column=case_column,
                            json_columns=json_columns, keep=keep)
    mapping = {pa.bool_(): pd.BooleanDtype(), pa.int64(): pd.Int64Dtype(), pa.string(): pd.StringDtype()}
    return result.to_pandas(types_mapper=mapping.get)
