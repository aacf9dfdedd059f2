"""Evaluate a Spark DataFrame of cases with ``mapInArrow``.

The driver reads the rule files once and ships their text with the job; each Python worker
process on the executors builds the ``RuleSet`` from that text the first time a task needs it and
keeps it for the following tasks (``spark.python.worker.reuse``, on by default), so the rules are
parsed and checked once per worker process, not once per batch or row, and the executors need
neither the rule files nor a shared file system — only the ``ruling`` wheel installed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from . import RuleSet, evaluate_arrow, rule_sources

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow
    from pyspark.sql import DataFrame

__all__ = ["evaluate"]

# The rule sets this worker process has built, by the digest of their sources.
_LOADED: dict[str, RuleSet] = {}
# How many times this process built a rule set (the tests read it through a job).
LOADS = 0


def _ruleset(digest: str, sources: list[tuple[str, str]]) -> RuleSet:
    global LOADS
    rules = _LOADED.get(digest)
    if rules is None:
        rules = RuleSet.from_sources(sources)
        _LOADED[digest] = rules
        LOADS += 1
        # RULING_SPARK_LOAD_LOG (in the executors' environment): a file to which each worker
        # process appends its pid when it builds a rule set — how the tests count the loads.
        log = os.environ.get("RULING_SPARK_LOAD_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(f"{os.getpid()}\n")
    return rules


def _digest(sources: list[tuple[str, str]]) -> str:
    h = hashlib.sha256()
    for name, text in sources:
        h.update(name.encode())
        h.update(b"\0")
        h.update(text.encode())
        h.update(b"\0")
    return h.hexdigest()


def evaluate(
    df: "DataFrame",
    rules_path: str | Path,
    questions: Sequence[str] | None = None,
    *,
    as_of: str | None = None,
    case_column: str | None = None,
    json_columns: Sequence[str] = (),
    keep: Sequence[str] = ("id",),
) -> "DataFrame":
    """A DataFrame with the ``keep`` columns of ``df``, one column per conclusion in
    ``questions`` (every conclusion when ``None``: 135 columns for the shipped rules) and
    ``error``; see ``ruling.evaluate_arrow`` for what the columns of ``df`` mean and the column
    types. Lazy, as any transformation: nothing runs until an action."""
    from pyspark.sql.types import BooleanType, LongType, StringType, StructField, StructType

    sources = rule_sources(rules_path)
    rules = RuleSet.from_sources(sources)  # checked on the driver: a bad rule set fails here
    declared = rules.conclusions()
    names = list(questions) if questions is not None else list(declared)
    for name in names:
        if name not in declared:
            raise ValueError(f"{name!r} is not a conclusion of the rule set")
    fields = [df.schema[name] for name in keep if name in df.columns]
    spark_type = {"bool": BooleanType(), "count": LongType(), "integer": LongType()}
    for name in names:
        fields.append(StructField(name, spark_type.get(declared[name], StringType()), True))
    fields.append(StructField("error", StringType(), True))
    schema = StructType(fields)
    digest = _digest(sources)
    keep = tuple(keep)
    json_columns = tuple(json_columns)

    def run(batches: Iterator["pyarrow.RecordBatch"]) -> Iterator["pyarrow.RecordBatch"]:
        # Through the module as the worker imported it, so its cache lives as long as the process.
        import ruling
        import ruling.spark

        ruleset = ruling.spark._ruleset(digest, sources)
        for batch in batches:
            yield ruling.evaluate_arrow(ruleset, batch, questions=names, as_of=as_of, case_column=case_column,
                                 json_columns=json_columns, keep=keep)

    return df.mapInArrow(run, schema)
