"""`evaluate_arrow` / `evaluate_pandas`: one column per conclusion, unknown as null, the values of `ruling batch`."""

from __future__ import annotations

import datetime
import json

import pandas as pd
import pyarrow as pa
import pytest

import ruling
from conftest import batch, shipped_case_files

QUESTIONS = ["cl286_1_established", "i2019_mass_spread", "i2019_orders_refused_within_2y", "csl_fine_max_yuan",
             "pipl_fine_cap_yuan", "cl_heaviest_offences", "cl_limitation_expiry"]


def expected_cell(value, kind):
    if value is None or kind in ("bool", "count", "integer"):
        return value
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return [json.dumps(json.loads(p.read_text(encoding="utf-8")), ensure_ascii=False) for p in shipped_case_files()]


def test_case_column_matches_batch_on_every_shipped_case(rules, lines, tmp_path):
    records = batch(lines, tmp_path)
    table = pa.table({"id": list(range(len(lines))), "case": lines})
    out = ruling.evaluate_arrow(rules, table, case_column="case")
    types = rules.conclusions()
    assert out.schema.names == ["id", *types, "error"]
    assert out.num_rows == len(lines)
    for name, kind in types.items():
        assert out.schema.field(name).type == {"bool": pa.bool_(), "count": pa.int64(), "integer": pa.int64()}.get(kind, pa.string())
    cols = out.to_pydict()
    nulls = 0
    for n, record in enumerate(records):
        if "conclusions" not in record:
            assert json.loads(cols["error"][n]) == record["error"]
            assert all(cols[q][n] is None for q in types)
            continue
        assert cols["error"][n] is None
        for q, kind in types.items():
            assert cols[q][n] == expected_cell(record["conclusions"].get(q), kind), (n, q)
            nulls += cols[q][n] is None
    assert nulls > 0  # unknown conclusions are null


def flat_cases(lines):
    """Shipped cases whose facts are all scalars, as rows of columns (a missing fact: null)."""
    rows = []
    for line in lines:
        case = json.loads(line)
        facts = case.get("facts", {})
        if not facts or any(isinstance(v, (list, dict)) for v in facts.values()):
            continue
        rows.append({"as_of": case.get("as_of"), **facts})
    return rows


def test_fact_columns_match_batch(rules, lines, tmp_path):
    rows = flat_cases(lines)
    assert len(rows) > 100
    facts = rules.facts()
    names = sorted({k for r in rows for k in r if k != "as_of"})
    # One Arrow type per fact: count/integer int64, bool bool, the rest text.
    arrow_type = {"count": pa.int64(), "integer": pa.int64(), "bool": pa.bool_()}
    columns = {"id": pa.array(range(len(rows)), pa.int64()), "as_of": pa.array([r["as_of"] for r in rows])}
    json_cols = []
    for name in names:
        values = [r.get(name) for r in rows]
        t = arrow_type.get(facts[name])
        try:
            if t is None:
                assert all(v is None or isinstance(v, str) for v in values)
                t = pa.string()
            columns[name] = pa.array(values, type=t)
        except (AssertionError, pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
            # Mixed numbers and texts (money written 9528.5 in one case, "9528.50" in another): JSON text.
            columns[name] = pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in values])
            json_cols.append(name)
    table = pa.table(columns)
    assert any(pa.types.is_integer(c.type) for c in table.columns) and any(pa.types.is_boolean(c.type) for c in table.columns)
    out = ruling.evaluate_arrow(rules, table, questions=QUESTIONS, json_columns=json_cols)
    cases = []
    for n, r in enumerate(rows):
        case = {"id": n, "as_of": r["as_of"], "facts": {k: v for k, v in r.items() if k != "as_of"}}
        if case["as_of"] is None:
            del case["as_of"]
        cases.append(json.dumps(case, ensure_ascii=False))
    records = batch(cases, tmp_path, "--question", ",".join(QUESTIONS))
    types = rules.conclusions()
    cols = out.to_pydict()
    assert out.schema.names == ["id", *QUESTIONS, "error"]
    for n, record in enumerate(records):
        assert cols["id"][n] == record["id"]
        if "conclusions" not in record:
            assert json.loads(cols["error"][n]) == record["error"]
            continue
        for q in QUESTIONS:
            assert cols[q][n] == expected_cell(record["conclusions"].get(q), types[q]), (n, q, rows[n])


def test_pandas_with_dates_gaps_and_slices(rules):
    frame = pd.DataFrame({
        "id": ["a", "b", "c", "d"],
        "conduct_date": [datetime.date(2021, 5, 26), datetime.date(2021, 5, 26), None, datetime.date(2021, 5, 26)],
        "illegal_videos": [250, None, 10, 199],  # pandas keeps this column as float64 (NaN for the gap)
    })
    out = ruling.evaluate_pandas(rules, frame, questions=["i2019_mass_spread"])
    assert list(out.columns) == ["id", "i2019_mass_spread", "error"]
    assert out["i2019_mass_spread"].tolist()[0] is True
    assert out["i2019_mass_spread"].tolist()[3] is False
    # b: no count given → the default applies or the conclusion is unknown, exactly as evaluate() says.
    for n, row in frame.iterrows():
        facts = {k: (v.isoformat() if isinstance(v, datetime.date) else int(v)) for k, v in row.items()
                 if k != "id" and v is not None and not (isinstance(v, float) and pd.isna(v))}
        try:
            want = rules.evaluate({"id": row["id"], "facts": facts}, questions=["i2019_mass_spread"])
            got = out["i2019_mass_spread"][n]
            assert (None if pd.isna(got) else bool(got)) == want["conclusions"]["i2019_mass_spread"]
            assert pd.isna(out["error"][n])
        except ruling.EvalError as e:
            assert json.loads(out["error"][n])["code"] == e.code == "ruling::eval::no_as_of"
    # A slice of a batch (non-zero Arrow offset) reads the right rows.
    batch_ = pa.RecordBatch.from_pandas(frame, preserve_index=False).slice(3, 1)
    sliced = ruling.evaluate_arrow(rules, batch_, questions=["i2019_mass_spread"])
    assert sliced.to_pydict() == {"id": ["d"], "i2019_mass_spread": [False], "error": [None]}


def test_bad_fact_becomes_error_column(rules):
    table = pa.table({"conduct_date": ["2021-05-26", "2021-05-26"], "illegal_videos": ["abc", "250"]})
    out = ruling.evaluate_arrow(rules, table, questions=["i2019_mass_spread"]).to_pydict()
    assert json.loads(out["error"][0])["code"] == "ruling::case::type_mismatch"
    assert out["i2019_mass_spread"][0] is None
