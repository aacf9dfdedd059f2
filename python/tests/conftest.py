"""Shared fixtures: the repository, the shipped rules, the release CLI and its `ruling batch`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

import ruling

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"


def cli() -> Path:
    """The `ruling` binary the results are compared with (RULING_BIN, else target/release/ruling).
    It must exist: `cargo build --release` first (.ci/run does)."""
    path = Path(os.environ.get("RULING_BIN", ROOT / "target" / "release" / "ruling"))
    assert path.is_file(), f"{path} is missing: run `cargo build --release` first"
    return path


def shipped_case_files() -> list[Path]:
    files = sorted((ROOT / "tests" / "cases").rglob("*.json")) + sorted((ROOT / "examples" / "cases").rglob("*.json"))
    assert len(files) > 300
    return files


def batch(lines: list[str], tmp: Path, *args: str) -> list[dict]:
    """`ruling batch rules/ ARGS` over `lines`: its records, in order."""
    source = tmp / "in.jsonl"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    out = tmp / "out.jsonl"
    run = subprocess.run(
        [str(cli()), "batch", str(RULES), "--input", str(source), "--output", str(out), *args],
        capture_output=True,
        text=True,
    )
    assert run.returncode in (0, 1), run.stderr
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="session")
def rules() -> ruling.RuleSet:
    return ruling.RuleSet.load(RULES)
