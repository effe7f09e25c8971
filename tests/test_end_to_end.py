"""End to end: serve the sample city, crawl it with Scrapy, check, report; findings == truth."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import cli
import samplecity
from samplecity.serve import render_config, start

TRUTH = Path(samplecity.__file__).with_name("truth.yaml")


def _substitute(text: str, bases: dict[str, str]) -> str:
    """Replace ${base:<site>} / ${<site>} placeholders with the served base URLs."""

    def repl(m: re.Match[str]) -> str:
        return bases[m.group(1)]

    return re.sub(r"\$\{(?:base:)?([a-z0-9-]+)\}", repl, text)


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the whole pipeline once on the sample city (SQLite store) and return the output."""
    tmp = tmp_path_factory.mktemp("e2e")
    return _audit(tmp, f"sqlite:///{tmp / 'gk.db'}")


def _audit(tmp: Path, db_url: str) -> dict:
    """Serve the sample city, run `gongkai run` against it, and collect the report."""
    out = tmp / "report"
    with start() as city:
        config_dir = render_config(tmp / "config", city)
        code = cli.main(
            [
                "run",
                "--config",
                str(config_dir),
                "--db",
                db_url,
                "--as-of",
                samplecity.AS_OF.isoformat(),
                "--out",
                str(out),
            ]
        )
        bases = dict(city.bases)
    data = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return {"code": code, "out": out, "data": data, "bases": bases, "config": config_dir}


def _truth(bases: dict[str, str]) -> set[tuple[str, str, str, str]]:
    raw = YAML(typ="safe").load(TRUTH.read_text(encoding="utf-8"))
    entries = raw["findings"] if isinstance(raw, dict) else raw
    return {
        (e["site"], e["rule"], e["status"], _substitute(str(e["subject"]), bases)) for e in entries
    }


def _assert_truth(audit: dict) -> None:
    got = {
        (f["site"], f["rule"], f["status"], f["subject"])
        for f in audit["data"]["findings"]
        if f["status"] in ("fail", "warn", "error")
    }
    want = _truth(audit["bases"])
    assert sorted(got - want) == [], "unexpected findings"
    assert sorted(want - got) == [], "expected findings not produced"


def test_findings_equal_truth(audit: dict) -> None:
    _assert_truth(audit)


@pytest.mark.postgres
def test_findings_equal_truth_on_postgresql(tmp_path: Path, pg_schema_url: str) -> None:
    # The same audit with the crawl subprocess and checks writing to the real PostgreSQL.
    _assert_truth(_audit(tmp_path, pg_schema_url))


def test_run_exit_code_reports_failures(audit: dict) -> None:
    # The sample city has deliberate defects, so `gongkai run` exits 1 (some rule failed).
    assert audit["code"] == cli.EXIT_FAIL


def test_findings_json_fields(audit: dict) -> None:
    data = audit["data"]
    assert data["run"]["as_of"] == samplecity.AS_OF.isoformat()
    required = {
        "site", "rule", "check", "status", "severity", "subject", "url", "message", "evidence", "basis"
    }  # fmt: skip
    for f in data["findings"]:
        assert required <= set(f), f
        assert f["status"] in ("fail", "warn", "error", "muted")
        assert f["basis"], f
        # Messages are one Chinese sentence for supervisors.
        assert re.search(r"[\u4e00-\u9fff]", f["message"]), f


def test_report_files_written(audit: dict) -> None:
    out: Path = audit["out"]
    assert (out / "index.html").is_file()
    assert (out / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    site_ids = {f["site"] for f in audit["data"]["findings"]}
    for sid in site_ids:
        assert (out / "sites" / f"{sid}.html").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "示例市" in index
