from pathlib import Path
from typing import Sequence

from pyspark.sql import DataFrame

def evaluate(
    df: DataFrame,
    rules_path: str | Path,
    questions: Sequence[str] | None = None,
    *,
    as_of: str | None = None,
    case_column: str | None = None,
    json_columns: Sequence[str] = (),
    keep: Sequence[str] = ("id",),
) -> DataFrame: ...
