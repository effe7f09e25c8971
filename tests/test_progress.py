"""Crawl progress (issue 6): the crawl's per-site status lines, parsed by the runner, drawn as a
live rich table when `gongkai crawl` runs in a terminal (a real pseudo-terminal here), and the
plain 进度 lines when its output is a pipe. Real Scrapy subprocesses against 127.0.0.1 servers.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from crawlers.progress import LiveTable, clock, wants_live_table
from crawlers.run import STATUS_MARKER, CrawlStatus, SiteProgress, parse_status
from store import Store
from tests.siteserver import SiteServer
from tests.test_crawl import FAST, HTML, links, page, site, write_config

REPO = Path(__file__).resolve().parents[1]
DEADLINE = 120.0  # seconds; only a hung crawl gets near it
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
PREFIX = "2026-11-23 02:00:05 [gongkai.crawl] INFO: "


def status_line(**overrides: Any) -> str:
    """A crawl log line carrying a status object (two sites), with top-level overrides."""
    data: dict[str, Any] = {
        "elapsed": 7,
        "final": False,
        "reason": None,
        "sites": [
            {
                "id": "gov",
                "fetched": 12,
                "stored": 0,
                "queued": 5,
                "errors": 1,
                "elapsed": 6,
                "state": "crawling",
            },
            {
                "id": "water",
                "fetched": 3,
                "stored": 40,
                "queued": 0,
                "errors": 0,
                "elapsed": 2,
                "state": "done",
            },
        ],
    }
    data.update(overrides)
    return PREFIX + STATUS_MARKER + json.dumps(data, ensure_ascii=False) + "\n"


def with_site(**fields: Any) -> str:
    """A status line whose first site has `fields` replaced."""
    line = status_line()
    data = json.loads(line[line.index(STATUS_MARKER) + len(STATUS_MARKER) :])
    data["sites"][0].update(fields)
    return PREFIX + STATUS_MARKER + json.dumps(data)


def test_parse_status_reads_the_per_site_counters() -> None:
    status = parse_status(status_line())
    assert status == CrawlStatus(
        elapsed=7,
        final=False,
        reason=None,
        sites=(
            SiteProgress("gov", 12, 0, 5, 1, 6, "crawling"),
            SiteProgress("water", 3, 40, 0, 0, 2, "done"),
        ),
    )
    assert status.done == 1
    final = parse_status(status_line(final=True, reason="finished"))
    assert final is not None and (final.final, final.reason) == (True, "finished")


@pytest.mark.parametrize(
    "line",
    [
        PREFIX + "进度：已抓取 3 页，队列 1，错误 0，用时 2s",  # the plain line, no marker
        PREFIX + STATUS_MARKER + "{not json",
        PREFIX + STATUS_MARKER + '{"elapsed": 1, "final": false}',  # no sites
        status_line(elapsed=-1),
        status_line(elapsed="7"),
        with_site(state="paused"),  # not a state the crawl reports
        with_site(queued=-2),
        with_site(errors=True),  # a bool is no count
        with_site(fetched=1.5),
        with_site(id=7),
        PREFIX + STATUS_MARKER + "[]",
    ],
)
def test_parse_status_rejects_malformed_lines(line: str) -> None:
    assert parse_status(line) is None


def rendered(table: LiveTable) -> list[list[str]]:
    """The table's text, one list of whitespace-separated cells per line."""
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(table.render())
    return [line.split() for line in console.file.getvalue().splitlines() if line.strip()]


def test_live_table_rows_totals_and_resumed_column() -> None:
    table = LiveTable(4, [("gov", "示例市人民政府"), ("water", "示例市自来水公司")])
    before = rendered(table)
    assert before[0] == ["第", "4", "次检查：0/2", "个站点完成，用时", "0:00"]
    assert ["gov", "示例市人民政府", "0", "0", "0", "0:00", "等待"] in before
    table.status = parse_status(status_line())
    rows = rendered(table)
    assert rows[0] == ["第", "4", "次检查：1/2", "个站点完成，用时", "0:07"]
    assert rows[1] == ["站点", "名称", "此前已入库", "已抓取", "队列", "错误", "用时", "状态"]
    assert ["gov", "示例市人民政府", "0", "12", "5", "1", "0:06", "抓取中"] in rows
    assert ["water", "示例市自来水公司", "40", "3", "0", "0", "0:02", "完成"] in rows
    assert ["合计", "40", "15", "5", "1", "0:07", "1/2", "完成"] in rows
    table.status = parse_status(status_line(sites=[]))
    assert rendered(table)[0][2] == "次检查：0/0"


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0, "0:00"), (59, "0:59"), (61, "1:01"), (3600, "1:00:00"), (-3, "0:00")]
)
def test_clock(seconds: int, shown: str) -> None:
    assert clock(seconds) == shown


def test_live_table_only_on_a_redrawable_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    master, slave = pty.openpty()
    try:
        with os.fdopen(slave, "w", closefd=False) as tty:
            monkeypatch.setenv("TERM", "xterm")
            assert wants_live_table(tty)
            monkeypatch.setenv("TERM", "dumb")
            assert not wants_live_table(tty)
        monkeypatch.setenv("TERM", "xterm")
        monkeypatch.setenv("FORCE_COLOR", "1")  # rich would call a pipe a terminal
        assert not wants_live_table(io.StringIO())
    finally:
        os.close(master)
        os.close(slave)


# -- real crawls through `gongkai crawl` -------------------------------------------------------


@pytest.fixture
def two_sites(tmp_path: Path) -> Any:
    """Site `one` (home, six pages, a 404; 0.3 s per request) and site `two` (two pages)."""
    one = SiteServer(
        {
            "/": (200, HTML, page("一", links(*[f"/s{i}.html" for i in range(6)], "/gone.html"))),
            **{f"/s{i}.html": (200, HTML, page(f"页面{i}")) for i in range(6)},
        }
    ).start()
    two = SiteServer(
        {"/": (200, HTML, page("二", links("/a.html"))), "/a.html": (200, HTML, page("甲"))}
    ).start()
    cfg = write_config(
        tmp_path / "config",
        [site("one", one.url("/"), delay=0.3), site("two", two.url("/"))],
        FAST,
    )
    try:
        yield cfg
    finally:
        one.stop()
        two.stop()


def crawl_command(cfg: Path, db: str) -> tuple[list[str], dict[str, str]]:
    """argv and environment of `gongkai crawl` with progress every 0.2 s."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env["GONGKAI_PROGRESS_INTERVAL"] = "0.2"
    env["TERM"] = "xterm-256color"
    env.pop("GONGKAI_DB", None)
    return [sys.executable, "-m", "cli", "crawl", "--config", str(cfg), "--db", db], env


def run_in_pty(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """Run a command with a 120x40 pseudo-terminal as stdout/stderr; return its exit code and
    its output with the terminal escapes removed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + DEADLINE
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = proc.wait(timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    text = b"".join(chunks).decode("utf-8", "replace")
    return code, ANSI.sub("", text).replace("\r", "")


def site_rows(text: str, site_id: str) -> list[list[str]]:
    """Every drawn table row of a site, as whitespace-separated cells, in order."""
    return [line.split() for line in text.splitlines() if line.split()[:1] == [site_id]]


def test_terminal_run_shows_a_live_per_site_table(two_sites: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    argv, env = crawl_command(two_sites, db)
    code, text = run_in_pty(argv, env, tmp_path)
    assert code == 0, text[-3000:]
    one, two = site_rows(text, "one"), site_rows(text, "two")
    # Redrawn while crawling: `one` (0.3 s a request) was seen in progress, then done.
    assert any(row[-1] == "抓取中" for row in one)
    # Final frame: site, name, pages crawled, queued, errors, elapsed, state.
    assert one[-1][:5] == ["one", "测试站点one", "8", "0", "1"] and one[-1][-1] == "完成"
    assert two[-1][:5] == ["two", "测试站点two", "2", "0", "0"] and two[-1][-1] == "完成"
    assert re.fullmatch(r"\d+:\d\d", one[-1][5])
    totals = [line.split() for line in text.splitlines() if line.split()[:1] == ["合计"]]
    assert totals[-1][:4] == ["合计", "10", "0", "1"] and totals[-1][-2:] == ["2/2", "完成"]
    assert "第 1 次检查：2/2 个站点完成" in text
    # The table replaces the periodic lines; the final tally is still printed; no raw status.
    assert "进度：" not in text and STATUS_MARKER not in text
    assert "完成：已抓取 10 页，错误 1" in text
    with Store(db) as st:
        counts = st.page_counts(1)
    assert {k: (v["pages"], v["errors"]) for k, v in counts.items()} == {
        "one": (8, 1),
        "two": (2, 0),
    }


def test_piped_run_prints_the_plain_lines(two_sites: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    argv, env = crawl_command(two_sites, db)
    done = subprocess.run(
        argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=DEADLINE
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    periodic = [line for line in lines if line.startswith("  进度：")]
    assert periodic
    for line in periodic:
        assert re.fullmatch(r"  进度：已抓取 \d+ 页，队列 -?\d+，错误 \d+，用时 \d+s", line)
    assert "  完成：已抓取 10 页，错误 1，用时" in done.stdout
    assert STATUS_MARKER not in done.stdout and "个站点完成" not in done.stdout
    # The crawl log keeps the plain lines; the per-site status lines stay out of it.
    log = (tmp_path / "var" / "logs" / "crawl-run-1.log").read_text("utf-8")
    assert "进度：已抓取" in log and STATUS_MARKER not in log
