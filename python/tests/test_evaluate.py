"""`RuleSet.evaluate` / `evaluate_many` against the CLI on every shipped case, errors, catalog, schema."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest

import ruling
from conftest import RULES, batch, cli, shipped_case_files


@pytest.fixture(scope="module")
def shipped() -> list[tuple[Path, str]]:
    return [(p, json.dumps(json.loads(p.read_text(encoding="utf-8")), ensure_ascii=False)) for p in shipped_case_files()]


@pytest.mark.parametrize(
    "explain,args",
    [("none", []), ("outcome", ["--explain", "outcome"]), ("full", ["--explain", "full"]),
     ("full-tree", ["--explain", "full", "--explain-format", "tree"])],
)
def test_every_shipped_case_is_the_batch_record(rules, shipped, tmp_path, explain, args):
    if explain != "none" and "tree" not in explain:
        args = [*args, "--catalog", str(tmp_path / "catalog.json")]
    expected = batch([line for _, line in shipped], tmp_path, *args)
    assert len(expected) == len(shipped)
    mode, fmt = (explain.split("-") + ["trace"])[:2]
    cases = [json.loads(line) for _, line in shipped]
    many = rules.evaluate_many(cases, explain=mode, explain_format=fmt)
    assert many == expected
    evaluated = errors = 0
    for (path, _), case, record in zip(shipped, cases, expected):
        if "error" in record and "conclusions" not in record:
            with pytest.raises(ruling.RulingError) as caught:
                rules.evaluate(case, explain=mode, explain_format=fmt)
            assert caught.value.code == record["error"]["code"], path
            assert caught.value.message == record["error"]["message"], path
            assert caught.value.path == record["error"]["path"], path
            errors += 1
        else:
            assert rules.evaluate(case, explain=mode, explain_format=fmt) == record, path
            evaluated += 1
    assert evaluated > 300
    if explain == "none":
        # The shipped cases include ones that cannot be evaluated (tests/cases/errors/…).
        assert errors >= 0


def test_questions_and_as_of_are_those_of_batch(rules, shipped, tmp_path):
    lines = [line for _, line in shipped]
    expected = batch(lines, tmp_path, "--question", "cl286_1_established,i2019_mass_spread", "--as-of", "2026-01-01")
    got = rules.evaluate_many([json.loads(x) for x in lines], questions=["cl286_1_established", "i2019_mass_spread"],
                              as_of="2026-01-01")
    assert got == expected
    assert "pipl_66_1_fine_max" not in got[0].get("conclusions", {})
    import datetime

    one = rules.evaluate(json.loads(lines[0]), as_of=datetime.date(2026, 1, 1), questions=["cl286_1_established"])
    assert one == expected[0] or "error" in expected[0]


def test_eval_json_conclusions_agree(rules):
    """The batch record's conclusions are those of `ruling eval --format json` (the case file's own)."""
    case = Path(RULES.parent / "examples" / "cases" / "mouniu-2021.json")
    out = subprocess.run([str(cli()), "eval", str(RULES), "--facts", str(case), "--format", "json"],
                         capture_output=True, text=True, check=True)
    eval_json = json.loads(out.stdout)
    got = rules.evaluate(json.loads(case.read_text(encoding="utf-8")))
    assert got["conclusions"] == eval_json["conclusions"]
    assert got["conclusions"]["cl286_1_established"] is True
    assert got["unknown_conclusions"] == eval_json["unknown_conclusions"]


def test_facts_error_has_kind_path_and_help(rules):
    with pytest.raises(ruling.FactsError) as caught:
        rules.evaluate({"as_of": "2021-05-26", "facts": {"illegal_videos": "abc"}})
    e = caught.value
    assert e.code == "ruling::case::type_mismatch"
    assert e.kind == "type_mismatch"
    assert e.path == "/facts/illegal_videos"
    assert e.help and "250" in e.help or e.help
    assert e.problems[0]["kind"] == "type_mismatch"
    assert e.problems[0]["path"] == "/facts/illegal_videos"
    assert isinstance(e, ruling.RulingError)

    with pytest.raises(ruling.FactsError) as caught:
        rules.evaluate({"as_of": "2021-05-26", "facts": {"ilegal_videos": 3}})
    assert caught.value.kind == "unknown_fact"
    assert "illegal_videos" in (caught.value.help or caught.value.message)


def test_bare_facts_and_ids(rules):
    got = rules.evaluate({"id": "a-1", "conduct_date": "2021-05-26", "illegal_videos": 250})
    assert got["id"] == "a-1"
    assert got["conclusions"]["i2019_mass_spread"] is True


def test_eval_error_and_errors_raise(rules):
    with pytest.raises(ruling.EvalError) as caught:
        rules.evaluate({"illegal_videos": 250})
    assert caught.value.code == "ruling::eval::no_as_of"
    assert caught.value.help
    records = rules.evaluate_many([{"illegal_videos": 250}, {"conduct_date": "2021-05-26"}])
    assert records[0] == {"line": 1, "error": {"code": "ruling::eval::no_as_of",
                                               "message": "no date to apply the law of", "path": ""}}
    assert "conclusions" in records[1]
    with pytest.raises(ruling.EvalError):
        rules.evaluate_many([{"conduct_date": "2021-05-26"}, {"illegal_videos": 250}], errors="raise")


def test_bad_arguments(rules):
    with pytest.raises(ValueError, match="not a conclusion"):
        rules.evaluate({"conduct_date": "2021-05-26"}, questions=["no_such_rule"])
    with pytest.raises(ValueError, match="explain"):
        rules.evaluate({"conduct_date": "2021-05-26"}, explain="all")
    with pytest.raises(ValueError, match="as_of"):
        rules.evaluate({"conduct_date": "2021-05-26"}, as_of="26 May 2021")
    with pytest.raises(ValueError, match="explain_format"):
        rules.evaluate({"conduct_date": "2021-05-26"}, explain_format="tree")
    with pytest.raises(ValueError, match="explain_format"):
        rules.evaluate_many([{"conduct_date": "2021-05-26"}], explain="none", explain_format="tree")
    with pytest.raises(TypeError):
        rules.evaluate({"conduct_date": "2021-05-26", "illegal_videos": object()})


def test_rule_error(tmp_path):
    (tmp_path / "bad.rule").write_text("rule x: bool = nosuchfact\n", encoding="utf-8")
    with pytest.raises(ruling.RuleError) as caught:
        ruling.RuleSet.load(tmp_path)
    assert caught.value.diagnostics
    assert any(d.get("code", "").startswith("ruling::check::") for d in caught.value.diagnostics)
    with pytest.raises(ruling.RuleError) as caught:
        ruling.RuleSet.load(tmp_path / "missing")
    assert caught.value.code.startswith("ruling::load::")


def test_from_sources_is_load(rules):
    again = ruling.RuleSet.from_sources(ruling.rule_sources(RULES))
    case = json.loads((RULES.parent / "examples" / "cases" / "mouniu-2021.json").read_text(encoding="utf-8"))
    assert again.evaluate(case) == rules.evaluate(case)
    assert list(again.conclusions()) == list(rules.conclusions())


def test_catalog_and_schema_are_the_cli_s(rules):
    def run(*args):
        return json.loads(subprocess.run([str(cli()), *args], capture_output=True, text=True, check=True).stdout)

    assert rules.catalog() == run("catalog", str(RULES))
    assert rules.schema() == run("schema", str(RULES))
    assert rules.schema(conclusions=True) == run("schema", str(RULES), "--conclusions")
    assert rules.conclusions()["cl286_1_established"] == "bool"
    assert len(rules.conclusions()) == len(rules.schema(conclusions=True)["properties"]["conclusions"]["properties"])


def test_evaluate_many_releases_the_gil(rules):
    case = json.loads((RULES.parent / "examples" / "cases" / "mouniu-2021.json").read_text(encoding="utf-8"))
    cases = [case] * 20000
    ticks: list[float] = []
    stop = False

    def count():
        while not stop:
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    thread = threading.Thread(target=count)
    thread.start()
    t0 = time.perf_counter()
    results = rules.evaluate_many(cases)
    t1 = time.perf_counter()
    stop = True
    thread.join()
    assert len(results) == 20000 and all(r == results[0] for r in results)
    # Python code in another thread ran in the middle of the call: only possible without the GIL.
    inside = [t for t in ticks if t0 + 0.1 * (t1 - t0) < t < t0 + 0.9 * (t1 - t0)]
    assert len(inside) >= 10, (len(inside), t1 - t0)
