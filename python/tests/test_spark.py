"""`ruling.spark.evaluate` on Spark: local[2] and a standalone cluster started on 127.0.0.1 (one master,
two workers), every row checked against `ruling batch` by `scripts/spark-demo --check`.

RULING_SPARK_CASES (default 1,000,000) cases on the cluster; RULING_SPARK_LOCAL_CASES (default
100,000) in local[2]. Needs Java (`.ci/run` installs default-jre-headless when `java` is missing).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

import ruling
import ruling.spark
from conftest import ROOT, RULES

CLUSTER_CASES = int(os.environ.get("RULING_SPARK_CASES", "1000000"))
LOCAL_CASES = int(os.environ.get("RULING_SPARK_LOCAL_CASES", "100000"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("spark")
    yield path
    # The cases and the `ruling batch` output of a million cases take gigabytes: not kept.
    shutil.rmtree(path, ignore_errors=True)


def demo(workdir: Path, master: str, cases: int) -> dict:
    report = workdir / f"report-{master.replace('[', '').replace(']', '')}.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "spark-demo"), "--master", master, "--cases", str(cases),
         "--check", "--workdir", str(workdir), "--report", str(report)],
        capture_output=True, text=True, timeout=3600,
    )
    sys.stdout.write(run.stdout)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-5000:]
    result = json.loads(report.read_text())
    out = os.environ.get("RULING_SPARK_REPORT_DIR")
    if out:
        Path(out, report.name).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return result


def assert_report(report: dict, cases: int) -> None:
    check = report["check"]
    assert check["checked"] == cases
    assert check["mismatches"] == 0, check["first_mismatch"]
    assert check["error_rows"] < cases
    # The rule set was built once per Python worker process, not once per partition or batch.
    assert report["rule_set_loads"] >= 1
    assert report["rule_set_loads"] == report["rule_set_loading_processes"]
    assert report["rule_set_loads"] < report["partitions"]
    assert report["spark_rows_per_s"] > 0


def test_standalone_cluster_two_workers(workdir):
    report = demo(workdir, "cluster", CLUSTER_CASES)
    assert_report(report, CLUSTER_CASES)
    memory = report["memory"]
    # Flat: the second half of the job needs no more than the first half plus a margin.
    assert memory["python_workers_kb_max_second_half"] <= 1.5 * memory["python_workers_kb_max_first_half"] + 50_000
    assert memory["executor_jvm_kb_max_second_half"] <= 1.5 * memory["executor_jvm_kb_max_first_half"] + 100_000


def test_local_two_cores(workdir):
    report = demo(workdir, "local[2]", LOCAL_CASES)
    assert_report(report, LOCAL_CASES)


def test_fact_columns_on_spark():
    """A DataFrame of typed fact columns (dates, counts with gaps), in-process local[2]."""
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    spark = (SparkSession.builder.master("local[2]").appName("ruling-test").config("spark.ui.enabled", "false")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.pyspark.python", sys.executable).getOrCreate())
    try:
        rows = [("a", datetime.date(2021, 5, 26), 250, 0), ("b", datetime.date(2021, 5, 26), None, 9000),
                ("c", None, 10, None), ("d", datetime.date(2020, 1, 1), 199, 1999)]
        df = spark.createDataFrame(rows, "id string, conduct_date date, illegal_videos long, illegal_other_info long")
        questions = ["i2019_mass_spread", "cl286_1_established", "i2019_orders_refused_within_2y"]
        out = ruling.spark.evaluate(df, RULES, questions).orderBy("id").collect()
        assert [r["id"] for r in out] == ["a", "b", "c", "d"]
        rules = ruling.RuleSet.load(RULES)
        for (id_, date, videos, other), row in zip(rows, out):
            facts = {k: v for k, v in {"conduct_date": date and date.isoformat(), "illegal_videos": videos,
                                       "illegal_other_info": other}.items() if v is not None}
            records = rules.evaluate_many([{"id": id_, "facts": facts}], questions=questions)
            if "error" in records[0]:
                assert json.loads(row["error"]) == records[0]["error"]
            else:
                assert row["error"] is None
                for q in questions:
                    assert row[q] == records[0]["conclusions"].get(q), (id_, q)
        assert out[0]["i2019_mass_spread"] is True and out[1]["i2019_mass_spread"] is True
    finally:
        spark.stop()
