"""Type stubs of the ruling package (the extension module ``ruling._ruling`` re-exported)."""

from datetime import date
from pathlib import Path
from typing import Any, Iterable, Literal, Mapping, Sequence

import pandas
import pyarrow

Explain = Literal["none", "outcome", "full"]
ExplainFormat = Literal["trace", "tree"]

class RulingError(Exception):
    """Any error of ruling."""

    code: str
    """``ruling::<stage>::<problem>``, e.g. ``ruling::case::type_mismatch``."""
    message: str
    path: str | None
    """A JSON pointer into the case (``/facts/illegal_videos``), empty when none applies."""
    help: str | None

class RuleError(RulingError):
    """The rule files cannot be used, or two exceptions apply with different values."""

    diagnostics: list[dict[str, Any]]

class FactsError(RulingError):
    """The case does not fit the declarations."""

    kind: str
    """``type_mismatch``, ``unknown_fact``, ``unknown_field``, ``negative_value``,
    ``invalid_date``, ``unknown_enum_value``, ``missing_required_fact``, or a case-file problem
    (``syntax``, ``too_large``, …)."""
    problems: list[dict[str, str | None]]
    """Every fact problem: ``kind``, ``path``, ``message``, ``help``."""

class EvalError(RulingError):
    """The case cannot be evaluated (no date to apply the law of, the step limit)."""

class RuleSet:
    """A loaded and checked rule set; safe to share between threads."""

    @staticmethod
    def load(path: str | Path) -> RuleSet: ...
    @staticmethod
    def from_sources(sources: Sequence[tuple[str, str]]) -> RuleSet:
        """Rule files as `(name, text)` pairs, e.g. `ruling.rule_sources(path)`."""
    def evaluate(
        self,
        case: Mapping[str, Any],
        *,
        as_of: str | date | None = None,
        questions: Sequence[str] | None = None,
        explain: Explain = "none",
        explain_format: ExplainFormat = "trace",
    ) -> dict[str, Any]:
        """The record ``ruling batch`` writes for ``case`` (a case-file object or bare facts),
        as ``json.loads`` reads it: ``id`` (if given), ``conclusions``, ``unknown_conclusions``,
        ``missing_facts`` and, unless ``explain="none"``, ``explanation``. Raises ``FactsError``,
        ``EvalError`` or ``RuleError`` where ``ruling batch`` writes an error record."""
    def evaluate_many(
        self,
        cases: Iterable[Mapping[str, Any]],
        *,
        as_of: str | date | None = None,
        questions: Sequence[str] | None = None,
        explain: Explain = "none",
        explain_format: ExplainFormat = "trace",
        errors: Literal["record", "raise"] = "record",
    ) -> list[dict[str, Any]]:
        """``evaluate`` for each case, in parallel and without the GIL; a bad case gives its
        error record ``{"line": n, "error": {"code", "message", "path"}}`` (``errors="raise"``:
        its exception)."""
    def catalog(self) -> dict[str, Any]: ...
    def schema(self, *, conclusions: bool = False) -> dict[str, Any]: ...
    def conclusions(self) -> dict[str, str]:
        """Conclusion names in declaration order, with their declared types."""
    def facts(self) -> dict[str, str]:
        """Fact names in declaration order, with their declared types."""
    def _evaluate_columns(
        self,
        rows: int,
        columns: list[dict[str, Any]],
        outputs: list[str],
        *,
        case_column: str | None = None,
        as_of: str | date | None = None,
    ) -> list[tuple[str, str, bytes, bytes, bytes | None]]: ...

def load(path: str | Path) -> RuleSet: ...
def rule_sources(path: str | Path) -> list[tuple[str, str]]: ...
def evaluate_arrow(
    rules: RuleSet | str | Path,
    data: pyarrow.RecordBatch | pyarrow.Table,
    *,
    questions: Sequence[str] | None = None,
    as_of: str | date | None = None,
    case_column: str | None = None,
    json_columns: Sequence[str] = (),
    keep: Sequence[str] = ("id",),
) -> pyarrow.RecordBatch: ...
def evaluate_pandas(
    rules: RuleSet | str | Path,
    frame: pandas.DataFrame,
    *,
    questions: Sequence[str] | None = None,
    as_of: str | date | None = None,
    case_column: str | None = None,
    json_columns: Sequence[str] = (),
    keep: Sequence[str] = ("id",),
) -> pandas.DataFrame: ...
