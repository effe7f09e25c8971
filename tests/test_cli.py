"""The CLI: every subcommand teaches with --help; extract and validate behave as documented."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cli

SUBCOMMANDS = [
    "validate",
    "extract",
    "annual-report",
    "crawl",
    "run",
    "check",
    "report",
    "rules",
    "email",
    "serve",
    "schedule",
    "status",
    "demo",
]


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_help_has_example(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main([name, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "示例" in out and f"gongkai {name}" in out


def test_console_script_runs() -> None:
    # The installed entry point, not just the module, must work.
    exe = Path(sys.executable).with_name("gongkai")
    proc = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    assert "gongkai demo" in proc.stdout


def test_extract_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "a.html"
    page.write_bytes(
        """<html><head><meta charset="gbk"><meta name="PubDate" content="2024-01-05 09:30">
        <meta name="ColumnName" content="通知公告"><title>关于开展检查的通知_示例市人民政府</title></head>
        <body><h1>关于开展检查的通知</h1><div class="info">发布时间：2024-01-04</div>
        <p>正文内容。</p></body></html>""".encode("gbk")
    )
    code = cli.main(["extract", str(page), "--url", "http://www.example.gov.cn/t20240103_1.html"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["title"] == "关于开展检查的通知"
    assert data["pub_date"] == "2024-01-04"
    assert data["date_source"] == "visible"
    assert data["column"] == "通知公告"
    assert data["metas"]["PubDate"] == "2024-01-05 09:30"


def test_extract_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["extract", str(tmp_path / "nope.html")]) == cli.EXIT_CONFIG
    assert "无法读取文件" in capsys.readouterr().err


def test_validate_bad_config_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sites.yaml").write_text(
        "sites:\n  - id: Bad Id\n    name: x\n    kind: government\n    start_urls: [http://a/]\n",
        encoding="utf-8",
    )
    (tmp_path / "rules").mkdir()
    assert cli.main(["validate", "--config", str(tmp_path)]) == cli.EXIT_CONFIG
    err = capsys.readouterr().err
    assert "sites.yaml:2:" in err
    assert "Traceback" not in err


def test_shipped_config_is_valid() -> None:
    root = Path(__file__).resolve().parents[1]
    assert cli.main(["validate", "--config", str(root / "config")]) == 0


def test_format_table_aligns_cjk() -> None:
    table = cli.format_table(["站点", "n"], [["示例市", 1], ["ab", 22]])
    lines = table.splitlines()
    # Column 2 starts at the same display column on every row.
    starts = [cli._width(line) - cli._width(line.split()[-1]) for line in lines]
    assert len(set(starts)) == 1
