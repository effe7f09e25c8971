"""Scheduler and operations (issue 6): real APScheduler, real `gongkai schedule` processes and
real Scrapy crawl subprocesses against sites served on 127.0.0.1, on SQLite in tmp dirs (and
PostgreSQL for the run lock). Jobs fire a few seconds ahead through a cron with a seconds field.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import zoneinfo
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

import cli
import conf
import scheduler
from store import Store, locks_t, pages_t
from tests.siteserver import SiteServer

REPO = Path(__file__).resolve().parents[1]
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DEADLINE = 90.0  # seconds; only a hung scheduler or crawl gets near it

RULES = """\
rules:
  - id: site-unreachable
    check: site_unreachable
    title: 网站无法访问
    severity: high
    basis: 国办秘函〔2019〕19号 单项否决“站点无法访问”
  - id: link-broken
    check: link_broken
    title: 链接不可用
    severity: medium
    basis: 国办秘函〔2019〕19号 扣分指标“不可用链接”
"""
FRAMEWORK = """\
id: test-19
title: 测试考核
basis: 国办秘函〔2019〕19号
requirements:
  - id: reachable
    title: 站点可访问
    rules: [site-unreachable]
    veto: {count: 1}
  - id: links
    title: 不可用链接
    rules: [link-broken]
    points: 10
    per_finding: 1
"""


def page(title: str, links: list[str]) -> str:
    """A small HTML page linking `links`."""
    anchors = "".join(f'<li><a href="{href}">链接{i}</a></li>' for i, href in enumerate(links))
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><ul>{anchors}</ul></body></html>"
    )


def routes(pages: int) -> dict[str, Any]:
    """A home page linking `pages` articles, one of them broken (404)."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    links = [f"/a{i}.html" for i in range(pages)] + ["/gone.html"]
    out: dict[str, Any] = {"/": (200, html, page("首页", links))}
    for i in range(pages):
        out[f"/a{i}.html"] = (200, html, page(f"文章{i}", ["/"]))
    return out


@pytest.fixture(scope="module")
def sites() -> Iterator[dict[str, SiteServer]]:
    """Two small sites: a government portal and a water company."""
    with SiteServer(routes(4)) as gov, SiteServer(routes(3)) as water:
        yield {"gov": gov, "water": water}


def write_config(
    root: Path,
    sites: dict[str, SiteServer],
    schedule: str = "",
    crawl: dict[str, Any] | None = None,
    log_file: Path | None = None,
    extra: str = "",
) -> Path:
    """Write a config dir for `sites` with `schedule:` lines and `crawl:` values."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sites.yaml").write_text(
        "sites:\n"
        f"  - id: gov\n    name: 示例市人民政府\n    kind: government\n"
        f"    start_urls: ['{sites['gov'].url('/')}']\n"
        f"  - id: water\n    name: 示例市自来水公司\n    kind: enterprise\n    sector: water\n    regulator: 示例市水务局\n"
        f"    start_urls: ['{sites['water'].url('/')}']\n",
        "utf-8",
    )
    (root / "rules").mkdir(exist_ok=True)
    (root / "rules" / "test.yaml").write_text(RULES, "utf-8")
    (root / "frameworks").mkdir(exist_ok=True)
    (root / "frameworks" / "test-19.yaml").write_text(FRAMEWORK, "utf-8")
    log = log_file or root.parent / "gongkai.log"
    values = {"delay": 0, "autothrottle": "false", "timeout": 5, "obey_robots": "false"}
    values.update(crawl or {})
    (root / "settings.yaml").write_text(
        "crawl:\n"
        + "".join(f"  {k}: {v}\n" for k, v in values.items())
        + f"log:\n  file: {log}\n"
        + (f"schedule:\n{schedule}" if schedule else "")
        + extra,
        "utf-8",
    )
    return root


def cron_at(when: dt.datetime) -> str:
    """A daily cron (with seconds) firing at `when`."""
    local = when.astimezone(TZ)
    return f"{local.second} {local.minute} {local.hour} * * *"


def soon(seconds: float) -> dt.datetime:
    """A whole second at least `seconds` ahead."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=0) + dt.timedelta(seconds=seconds + 1)


def wait_for(what: str, check: Callable[[], Any], procs: tuple[Any, ...] = ()) -> Any:
    """Poll `check` until it returns something truthy; fail if a process dies meanwhile."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        for proc in procs:
            assert proc.poll() is None, f"{proc.args} exited with {proc.returncode}"
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def spawn(args: list[str], cwd: Path, name: str) -> subprocess.Popen[bytes]:
    """Start `gongkai <args>` in its own session, output in cwd/<name>.out and .err."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.pop("GONGKAI_DB", None)
    with (cwd / f"{name}.out").open("wb") as out, (cwd / f"{name}.err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "cli", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes]) -> int:
    """SIGTERM a scheduler and return its exit code."""
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=DEADLINE)


def events(path: Path, name: str) -> list[dict[str, str]]:
    """Parse the logfmt lines of event `name` from a log (or stderr) file."""
    if not path.exists():
        return []
    pattern = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')
    found = []
    for line in path.read_text("utf-8").splitlines():
        fields = {k: v.strip('"') for k, v in pattern.findall(line)}
        if fields.get("event") == name:
            found.append(fields)
    return found


def free_port() -> int:
    """A port nothing listens on (bound once, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping each accepted message as (sender, recipients, bytes)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def runs(db: str) -> list[Any]:
    """Every run in the database."""
    with Store(db) as st:
        return st.runs()


def complete_runs(db: str) -> list[Any]:
    """The complete runs in the database."""
    return [r for r in runs(db) if r.status == "complete"]


# -- the scheduler ------------------------------------------------------------------------------


def test_job_fires_and_produces_a_run_report_and_email(
    sites: dict[str, SiteServer], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    fire = soon(4)
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    cfg = write_config(
        tmp_path / "config",
        sites,
        schedule=f"  audit: '{cron_at(fire)}'\n  report_dir: {tmp_path / 'report'}\n",
        extra=f"email:\n  host: 127.0.0.1\n  port: {port}\n"
        "  sender: gongkai@example.gov.cn\n  supervisors: [ban@example.gov.cn]\n"
        "  send_on_run: true\n",
    )
    proc = spawn(["schedule", "--config", str(cfg), "--db", db], tmp_path, "sched")
    try:
        (run,) = wait_for("a complete run", lambda: complete_runs(db), (proc,))
        wait_for("the run_finished event", lambda: events(tmp_path / "gongkai.log", "run_finished"))
    finally:
        code = stop(proc)
        smtp.stop()
    assert code == 0
    assert run.started_at >= fire
    assert run.as_of == fire.astimezone(TZ).date()
    with Store(db) as st:
        assert [s.site_id for s in st.run_sites(run.id)] == ["gov", "water"]
        assert {c["verdict"] for c in st.scores(run.id)} == {"合格"}
        assert read_lock_row(st) == []  # released
    findings = json.loads((tmp_path / "report" / "findings.json").read_text("utf-8"))
    assert findings["run"]["id"] == run.id
    assert {(f["site"], f["rule"]) for f in findings["findings"]} == {
        ("gov", "link-broken"),
        ("water", "link-broken"),
    }
    log = tmp_path / "gongkai.log"
    (done,) = events(log, "run_finished")
    assert (done["job"], done["run"], done["status"]) == ("audit", str(run.id), "complete")
    assert done["mailed"] == "True" and events(log, "email_sent")
    (mail,) = inbox.received
    assert mail[1] == ["ban@example.gov.cn"]
    assert done["pages"] == str(len(routes(4)) + 1 + len(routes(3)) + 1)
    assert events(log, "crawl_progress")  # the crawl's progress lines, one event each
    err = (tmp_path / "sched.err").read_text("utf-8")
    assert "event=scheduler_started" in err and "event=scheduler_stopped" in err
    assert "调度器已启动" in (tmp_path / "sched.out").read_text("utf-8")


def read_lock_row(st: Store) -> list[Any]:
    """The rows of the audit lock."""
    with st.engine.connect() as conn:
        return conn.execute(sa.select(locks_t).where(locks_t.c.name == "audit")).all()


def job_count_settled(err: Path) -> bool:
    """Every audit this scheduler started has ended."""
    return len(events(err, "audit_due")) == len(events(err, "audit_done"))


def test_two_schedulers_on_one_database_produce_one_run(
    sites: dict[str, SiteServer], tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    fire = soon(6)
    cfg = write_config(tmp_path / "config", sites, schedule=f"  audit: '{cron_at(fire)}'\n")
    procs = [
        spawn(["schedule", "--config", str(cfg), "--db", db], tmp_path, name)
        for name in ("one", "two")
    ]
    errs = [tmp_path / "one.err", tmp_path / "two.err"]
    try:
        for err in errs:
            wait_for(
                "both schedulers", lambda err=err: events(err, "scheduler_started"), tuple(procs)
            )
        wait_for("a complete run", lambda: complete_runs(db), tuple(procs))
        for err in errs:
            wait_for("idle schedulers", lambda err=err: job_count_settled(err), tuple(procs))
        with Store(db) as st:
            text = scheduler.status_text(st, conf.load_config(cfg))
    finally:
        codes = [stop(p) for p in procs]
    assert codes == [0, 0]
    (run,) = runs(db)
    assert run.status == "complete"
    started = [e for err in errs for e in events(err, "run_started")]
    assert [e["run"] for e in started] == [str(run.id)]
    # Both usually pick the job up at the same second: the second waits for the run lock, then
    # finds the run done. Or it never picked it up (the store's next run time had moved on).
    due = [len(events(err, "audit_due")) for err in errs]
    skipped = [e["run"] for err in errs for e in events(err, "audit_skipped")]
    assert skipped == ([str(run.id)] if due == [1, 1] else [])
    assert text.count("调度器：运行中") == 2


def window_cron(start: dt.datetime, seconds: int) -> str:
    """A daily cron firing every second of [start, start + seconds) (within one minute)."""
    local = start.astimezone(TZ)
    return f"{local.second}-{local.second + seconds - 1} {local.minute} {local.hour} * * *"


def test_restart_runs_a_missed_job_once(sites: dict[str, SiteServer], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    fire = soon(5)
    if fire.second > 55:  # keep the four fire times inside one minute
        fire += dt.timedelta(seconds=60 - fire.second)
    cfg = write_config(
        tmp_path / "config",
        sites,
        schedule=f"  audit: '{window_cron(fire, 4)}'\n  misfire_grace_time: 120\n",
    )
    args = ["schedule", "--config", str(cfg), "--db", db]
    first = spawn(args, tmp_path, "first")
    try:
        wait_for("the scheduler", lambda: events(tmp_path / "first.err", "job_scheduled"), (first,))
    finally:
        assert stop(first) == 0
    with Store(db) as st:
        (job,) = [j for j in scheduler.stored_jobs(st) if j.id == "audit:audit"]
    assert job.next_run_time == fire  # stored while the scheduler is down

    # Down while all four fire times pass.
    wait_for("the missed window", lambda: dt.datetime.now(dt.UTC) > fire + dt.timedelta(seconds=5))
    second = spawn(args, tmp_path, "second")
    err = tmp_path / "second.err"
    try:
        wait_for("a complete run", lambda: complete_runs(db), (second,))
        wait_for("the job to end", lambda: events(err, "audit_done"), (second,))
    finally:
        assert stop(second) == 0
    assert len(runs(db)) == 1
    assert events(err, "job_kept")  # the stored job and its missed time were kept
    (due,) = events(err, "audit_due")  # coalesced: once, for the latest missed time
    assert dt.datetime.fromisoformat(due["fire_time"]) == fire + dt.timedelta(seconds=3)
    with Store(db) as st:
        (job,) = [j for j in scheduler.stored_jobs(st) if j.id == "audit:audit"]
    assert job.next_run_time == fire + dt.timedelta(days=1)


def stored_rows(db: str, run_id: int) -> dict[tuple[str, str], int]:
    """The run's stored URLs and their row ids (a rewritten row gets a new id)."""
    with Store(db) as st, st.engine.connect() as conn:
        rows = conn.execute(
            sa.select(pages_t.c.site_id, pages_t.c.url, pages_t.c.id).where(
                pages_t.c.run_id == run_id
            )
        ).all()
    return {(r.site_id, r.url): r.id for r in rows}


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_stopped_or_killed_scheduler_resumes_its_run_on_restart(how: str, tmp_path: Path) -> None:
    # A hung page late in the crawl (one request at a time, breadth first) holds it after the
    # first batch of 50 pages is stored, long enough to kill the scheduler midway.
    slow = SiteServer(routes(60), delays={"/a55.html": 60.0}).start()
    fast = SiteServer(routes(2)).start()
    try:
        servers = {"gov": slow, "water": fast}
        db = f"sqlite:///{tmp_path / 'gk.db'}"
        cfg = write_config(
            tmp_path / "config",
            servers,
            schedule=f"  audit: '{cron_at(soon(4))}'\n",
            crawl={"concurrency_per_host": 1},
        )
        args = ["schedule", "--config", str(cfg), "--db", db]
        first = spawn(args, tmp_path, "first")
        (run,) = wait_for("stored pages", lambda: runs(db) if runs(db) else None, (first,))
        wait_for("a stored batch", lambda: len(stored_rows(db, run.id)) >= 50, (first,))
        if how == "SIGKILL":  # the scheduler and its crawl, without warning
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=DEADLINE)
        else:  # systemctl stop: a clean stop, the crawl ended, the run marked
            assert stop(first) == 0
            assert events(tmp_path / "first.err", "crawl_stopped")
            assert not Path(f"/proc/{first.pid}").exists()
        slow.delays.clear()
        before = stored_rows(db, run.id)
        slow_gets = slow.paths("GET")
        with Store(db) as st:
            interrupted = st.get_run(run.id)
            held = scheduler.read_lock(st.engine, "audit")
        if how == "SIGKILL":
            assert interrupted.status == "running"  # nobody could mark it
            assert held is not None and held.stale()  # its dead holder's row stays
        else:
            assert (interrupted.status, interrupted.stats) == (
                "incomplete",
                {"crawl_exit": "stopped"},
            )
            assert held is None

        second = spawn(args, tmp_path, "second")
        err = tmp_path / "second.err"
        try:
            wait_for("the resumed run", lambda: complete_runs(db), (second,))
            wait_for("the job to end", lambda: events(err, "audit_done"), (second,))
            with Store(db) as st, st.engine.connect() as conn:
                present = conn.execute(
                    sa.select(locks_t.c.pid).where(locks_t.c.name.like("scheduler:%"))
                ).all()
            assert present == [(second.pid,)]  # the killed scheduler's row was cleared
        finally:
            assert stop(second) == 0
    finally:
        slow.stop()
        fast.stop()
    (done,) = runs(db)
    assert (done.id, done.status, done.stats.get("resumed")) == (run.id, "complete", 1)
    (recovering,) = events(err, "run_recovering")
    assert recovering["run"] == str(run.id)
    assert events(err, "lock_wait") == []  # the dead holder's lock was taken over at once
    after = stored_rows(db, run.id)
    assert {k: after[k] for k in before} == before  # stored rows were not written again
    refetched = [p for p in slow.paths("GET")[len(slow_gets) :] if ("gov", slow.url(p)) in before]
    assert refetched == []
    assert len(before) < len(after) == len(routes(60)) + 1 + len(routes(2)) + 1


def test_timed_out_crawl_is_retried_and_resumes_the_same_run(tmp_path: Path) -> None:
    # 60 pages: the crawl stores a first batch (50) before the hung page stops it.
    hang = SiteServer(routes(60), delays={"/a0.html": 60.0}).start()
    fast = SiteServer(routes(2)).start()
    try:
        servers = {"gov": hang, "water": fast}
        db = f"sqlite:///{tmp_path / 'gk.db'}"
        cfg = write_config(
            tmp_path / "config",
            servers,
            schedule=f"  audit: '{cron_at(soon(4))}'\n  retry_delay: 1\n  max_attempts: 2\n",
            crawl={"time_limit": 6, "timeout": 90},
        )
        proc = spawn(["schedule", "--config", str(cfg), "--db", db], tmp_path, "sched")
        err = tmp_path / "sched.err"
        try:
            (failed,) = wait_for("the timeout", lambda: events(err, "crawl_failed"), (proc,))
            hang.delays.clear()  # the site answers again before the retry
            run_id = int(failed["run"])
            with Store(db) as st:
                first = st.get_run(run_id)
            before = stored_rows(db, run_id)
            wait_for("the retried run", lambda: complete_runs(db), (proc,))
            wait_for("the retry to end", lambda: len(events(err, "audit_done")) == 2, (proc,))
        finally:
            assert stop(proc) == 0
    finally:
        hang.stop()
        fast.stop()
    assert failed["reason"] == "timeout"
    assert (first.status, first.stats["crawl_exit"]) == ("incomplete", "timeout")
    # The first attempt stored what it fetched in time; the hung page came with the retry.
    assert len(before) >= 50 and ("gov", hang.url("/a0.html")) not in before
    (done,) = runs(db)
    assert (done.id, done.status, done.stats.get("resumed")) == (run_id, "complete", 1)
    (resumed,) = events(err, "run_resumed")
    assert (resumed["run"], resumed["attempt"]) == (str(run_id), "2")
    after = stored_rows(db, run_id)
    assert {k: after[k] for k in before} == before
    assert len(after) == len(routes(60)) + 1 + len(routes(2)) + 1
    refetched = [p for p in hang.paths("GET") if ("gov", hang.url(p)) in before]
    assert sorted(refetched) == sorted(set(refetched))  # a page stored by attempt 1: one GET


# -- the run lock -------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store on SQLite (tmp dir) or in a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gk.db'}"
    else:
        url = request.getfixturevalue("pg_schema_url")
    Store(url).close()  # migrated before the racing threads start
    return url


def race(locks: list[scheduler.RunLock]) -> list[scheduler.LockHolder | None]:
    """Let every lock try to take its row at the same moment."""
    barrier = threading.Barrier(len(locks))
    results: list[Any] = [None] * len(locks)

    def attempt(i: int) -> None:
        barrier.wait()
        results[i] = locks[i].try_acquire()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(locks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_lock_is_taken_atomically_and_a_stale_one_once(db_url: str) -> None:
    with Store(db_url) as st:
        locks = [scheduler.RunLock(st.engine, "audit", f"worker {i}", ttl=60) for i in range(8)]
        results = race(locks)
        winners = [lock for lock, got in zip(locks, results, strict=True) if got is None]
        assert len(winners) == 1
        assert {got.token for got in results if got is not None} == {winners[0].token}
        # The holder vanishes without releasing: its heartbeat expired on another host.
        winners[0]._stop_beat.set()
        with st.engine.begin() as conn:
            conn.execute(
                locks_t.update().values(
                    host="elsewhere", expires_at=dt.datetime(2026, 1, 1), run_id=3
                )
            )
        stale = scheduler.read_lock(st.engine, "audit")
        assert stale is not None and stale.stale()
        others = [scheduler.RunLock(st.engine, "audit", f"taker {i}", ttl=60) for i in range(8)]
        results = race(others)
        takers = [lock for lock, got in zip(others, results, strict=True) if got is None]
        assert len(takers) == 1
        assert takers[0].took_over is not None and takers[0].took_over.run_id == 3
        holder = scheduler.read_lock(st.engine, "audit")
        assert holder is not None and (holder.owner, holder.run_id) == (takers[0].owner, None)
        winners[0].release()  # the old holder's release leaves the new holder's row alone
        assert scheduler.read_lock(st.engine, "audit") == holder
        takers[0].release()
        assert scheduler.read_lock(st.engine, "audit") is None


def test_heartbeat_keeps_the_lock_and_notices_losing_it(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'gk.db'}") as st:
        lock = scheduler.RunLock(st.engine, "audit", "gongkai run", ttl=2)
        assert lock.try_acquire() is None
        first = scheduler.read_lock(st.engine, "audit")
        assert first is not None
        wait_for("a heartbeat", lambda: scheduler.read_lock(st.engine, "audit") != first)
        beat = scheduler.read_lock(st.engine, "audit")
        assert beat is not None and beat.heartbeat_at > first.heartbeat_at
        assert beat.acquired_at == first.acquired_at and not beat.stale()
        with st.engine.begin() as conn:  # another process took it over
            conn.execute(locks_t.update().values(token="someone-else"))
        wait_for("the loss", lock.lost.is_set)
        lock.release()
        assert scheduler.read_lock(st.engine, "audit") is not None  # not ours to delete


def cli_code(argv: list[str]) -> int:
    """Run the CLI in-process and return its exit code, however it exits."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_run_refuses_while_another_holds_the_lock(
    sites: dict[str, SiteServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    cfg = write_config(tmp_path / "config", sites)
    with Store(db) as st:
        holder = scheduler.RunLock(st.engine, "audit", "gongkai schedule（任务 audit）")
        assert holder.try_acquire() is None
        holder.set_run(7)
        since = scheduler.read_lock(st.engine, "audit").acquired_at  # type: ignore[union-attr]
        try:
            code = cli_code(["run", "--config", str(cfg), "--db", db, "--site", "gov"])
        finally:
            holder.release()
        assert st.runs() == []  # refused before starting a run
    err = capsys.readouterr().err
    assert code == cli.EXIT_INCOMPLETE
    assert "无法开始检查：另一项检查正在进行——gongkai schedule（任务 audit）" in err
    assert f"（主机 {scheduler.HOST}，进程 {os.getpid()}）" in err
    assert f"自 {since.astimezone(TZ):%Y-%m-%d %H:%M:%S}" in err
    assert "正在执行第 7 次检查" in err and "--wait" in err


def test_run_waits_for_the_lock_with_wait(sites: dict[str, SiteServer], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    cfg = write_config(tmp_path / "config", sites)
    with Store(db) as st:
        holder = scheduler.RunLock(st.engine, "audit", "gongkai run --site water")
        assert holder.try_acquire() is None
        try:
            args = ["run", "--config", str(cfg), "--db", db, "--wait", "--out", "report"]
            proc = spawn(args, tmp_path, "run")
            err = tmp_path / "run.err"
            wait_for("the waiting message", lambda: "等待其结束" in err.read_text("utf-8"), (proc,))
            assert st.runs() == []
        finally:
            holder.release()
        assert proc.wait(timeout=DEADLINE) == cli.EXIT_FAIL  # ran: the 404 links fail
        assert [r.status for r in st.runs()] == ["complete"]
        assert scheduler.read_lock(st.engine, "audit") is None
    assert "另一项检查正在进行：gongkai run --site water" in err.read_text("utf-8")


@pytest.mark.parametrize("case", ["expired elsewhere", "dead process here", "pid reused here"])
def test_run_takes_over_a_stale_lock(
    case: str,
    sites: dict[str, SiteServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    cfg = write_config(tmp_path / "config", sites)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    row = {
        "name": "audit",
        "token": "old",
        "owner": "gongkai schedule（任务 audit）",
        "acquired_at": now - dt.timedelta(hours=1),
        "heartbeat_at": now - dt.timedelta(minutes=5),
        "run_id": None,
    }
    if case == "expired elsewhere":
        row.update(host="other-host", pid=1, expires_at=now - dt.timedelta(minutes=3))
    elif case == "dead process here":  # not expired: the holder's process has died
        row.update(host=scheduler.HOST, pid=dead_pid(), expires_at=now + dt.timedelta(hours=1))
    else:  # not expired, pid alive, but another process now has it (a restarted container)
        row.update(
            host=scheduler.HOST,
            pid=os.getpid(),
            pid_start="1",
            expires_at=now + dt.timedelta(hours=1),
        )
    with Store(db) as st, st.engine.begin() as conn:
        conn.execute(locks_t.insert().values(**row))
    code = cli_code(["run", "--config", str(cfg), "--db", db, "--site", "water"])
    assert code == cli.EXIT_FAIL
    err = capsys.readouterr().err
    assert "接管了失联的运行锁（gongkai schedule（任务 audit）" in err
    with Store(db) as st:
        assert [r.status for r in st.runs()] == ["complete"]
        assert scheduler.read_lock(st.engine, "audit") is None


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


# -- status, run --site and the latest report ---------------------------------------------------


def test_status_shows_jobs_lock_holder_and_last_runs(
    sites: dict[str, SiteServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    cfg = write_config(
        tmp_path / "config",
        sites,
        schedule="  audit: '0 2 * * 1'\n  overrides:\n"
        "    - {id: water-daily, sectors: [water], cron: '30 1 * * *'}\n",
    )
    base = ["--config", str(cfg), "--db", db]
    assert cli_code(["status", *base]) == 0
    before = capsys.readouterr().out
    assert "（数据库中还没有检查记录）" in before
    assert "调度器：未运行" in before and "运行锁：空闲" in before
    assert "全面检查（0 2 * * 1）未登记：调度器启动后生效" in before

    assert cli_code(["run", *base, "--out", str(tmp_path / "r1")]) == cli.EXIT_FAIL
    sched = scheduler.Scheduler(cfg, db)  # registers the jobs in the store, as at startup
    sched.start()
    sched.stop()
    with Store(db) as st:
        broken = st.start_run(dt.date(2026, 11, 23), str(cfg), conf.load_config(cfg).sites[:1])
        live = st.start_run(dt.date(2026, 11, 23), str(cfg), conf.load_config(cfg).sites[1:])
        holder = scheduler.RunLock(st.engine, "audit", "gongkai schedule（任务 water-daily）")
        assert holder.try_acquire() is None
        holder.set_run(live)
        try:
            capsys.readouterr()
            assert cli_code(["status", *base, "--limit", "5"]) == 0
            out = capsys.readouterr().out
        finally:
            holder.release()
    assert re.search(r"\d{4}-\d\d-\d\d 02:00:00（周一）  全面检查（0 2 \* \* 1，gov）", out)
    assert "单独安排 water-daily（30 1 * * *，water）" in out
    assert "首页可用性探测" in out
    assert "调度器：未运行" in out  # it was stopped
    assert f"运行锁：gongkai schedule（任务 water-daily）（主机 {scheduler.HOST}" in out
    assert f"正在执行第 {live} 次检查" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[-3:]}
    assert rows[str(live)][2] == "进行中"
    assert rows[str(broken)][2] == "已中断"  # running, but nobody holds the lock for it
    first = rows["1"]
    # 编号 检查日期 状态 开始 用时 站点 网址 出错 不通过 结论: the full run, both sites 合格.
    assert first[2] == "完成"
    assert re.fullmatch(r"\d+", first[5]) and first[6] == "秒"
    assert first[-6:] == ["2", "11", "2", "2", "合格", "2"]


def test_run_site_reruns_one_site_and_the_latest_report_keeps_the_others(
    sites: dict[str, SiteServer],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    cfg = write_config(tmp_path / "config", sites)
    base = ["--config", str(cfg), "--db", db]
    assert cli_code(["run", *base, "--as-of", "2026-11-23", "--out", "r1"]) == cli.EXIT_FAIL
    assert cli_code(["run", *base, "--site", "gov", "--as-of", "2026-11-25", "--out", "r2"]) == 1
    assert cli_code(["run", *base, "--site", "nope"]) == cli.EXIT_CONFIG
    assert "sites.yaml 中没有站点：nope" in capsys.readouterr().err
    with Store(db) as st:
        assert [(r.id, r.status) for r in st.runs()] == [(1, "complete"), (2, "complete")]
        assert [s.site_id for s in st.run_sites(2)] == ["gov"]
        history = st.history(2)
        assert history is not None and history.previous == {"gov": (1, "2026-11-23")}

    # The plain report shows the newest run, one site; --latest shows each site's latest run.
    plain = json.loads((tmp_path / "r2" / "findings.json").read_text("utf-8"))
    assert {f["site"] for f in plain["findings"]} == {"gov"}
    assert cli_code(["report", "--db", db, "--latest", "--out", "latest"]) == 0
    data = json.loads((tmp_path / "latest" / "findings.json").read_text("utf-8"))
    assert data["run"]["id"] == 2
    assert data["run"]["as_of"] == "2026-11-25"
    assert {f["site"] for f in data["findings"]} == {"gov", "water"}
    by_site = {(f["site"], f["change"]) for f in data["findings"]}
    assert by_site == {("gov", "persisting"), ("water", "new")}
    cards = {c["site"]: c for c in data["scores"]}
    assert {c["overall_size"] for c in cards.values()} == {2}  # ranked together again
    assert (tmp_path / "latest" / "sites" / "water.html").exists()
    assert cli_code(["report", "--db", db, "--latest", "--run", "1"]) == cli.EXIT_CONFIG


# -- configuration and cron ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "after", "expected"),
    [
        ("0 2 * * 1", "2026-11-20 00:00", "2026-11-23 02:00:00"),  # crontab 1 = Monday
        ("0 2 * * 0", "2026-11-20 00:00", "2026-11-22 02:00:00"),  # 0 = Sunday
        ("0 2 * * 7", "2026-11-20 00:00", "2026-11-22 02:00:00"),  # 7 = Sunday too
        ("30 1 * * 1-5", "2026-11-21 00:00", "2026-11-23 01:30:00"),  # Saturday → Monday
        ("0 2 * * */2", "2026-11-23 03:00", "2026-11-24 02:00:00"),  # Sun, Tue, Thu, Sat
        ("0 3 1 * *", "2026-11-20 00:00", "2026-12-01 03:00:00"),
        ("15 0 2 * * mon", "2026-11-20 00:00", "2026-11-23 02:00:15"),  # leading seconds
    ],
)
def test_cron_fields_mean_what_crontab_means(expr: str, after: str, expected: str) -> None:
    trigger = scheduler.parse_cron(expr, "Asia/Shanghai")
    start = dt.datetime.fromisoformat(after).replace(tzinfo=TZ)
    assert trigger.get_next_fire_time(None, start) == dt.datetime.fromisoformat(expected).replace(
        tzinfo=TZ
    )


SITES_YAML = """\
sites:
  - id: gov
    name: 示例市人民政府
    kind: government
    start_urls: ["http://127.0.0.1:1/"]
  - id: water
    name: 示例市自来水公司
    kind: enterprise
    sector: water
    regulator: 示例市水务局
    start_urls: ["http://127.0.0.1:2/"]
"""


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (
            "schedule:\n  audit: '0 2 * *'\n",
            "settings.yaml:2: schedule.audit：cron 表达式“0 2 * *”应为 5 段",
        ),
        (
            "schedule:\n  audit: '0 25 * * 1'\n",
            "settings.yaml:2: schedule.audit：cron 表达式“0 25 * * 1”无效",
        ),
        ("schedule:\n  audit: '0 2 1 * 1'\n", "同时限定了日期和星期，请只限定其一"),
        (
            "schedule:\n  timezone: Mars/Base\n",
            "settings.yaml:2: schedule.timezone 取值 'Mars/Base' 不是有效的时区名称",
        ),
        (
            "schedule:\n  overrides:\n    - id: w\n      sites: [gov, nope]\n      cron: '0 3 * * 3'\n",
            "settings.yaml:4: schedule.overrides 第 1 项（w）：sites 中的站点 'nope' 未在 sites.yaml 中定义",
        ),
        (
            "schedule:\n  overrides:\n    - id: w\n      sectors: [gas]\n      cron: '0 3 * * 3'\n",
            "settings.yaml:4: schedule.overrides 第 1 项（w）：sectors 中的行业 'gas' 没有任何站点",
        ),
        (
            "schedule:\n  overrides:\n    - id: a\n      sites: [water]\n      cron: '0 3 * * 3'\n"
            "    - id: b\n      sectors: [water]\n      cron: '0 4 * * 3'\n",
            "settings.yaml:7: schedule.overrides 第 2 项（b）：站点 'water' 已由 overrides 第 1 项（a）安排",
        ),
        (
            "schedule:\n  overrides:\n    - id: w\n      cron: '0 3 * * 3'\n",
            "settings.yaml:3: schedule.overrides 第 1 项（w）：请用 sites 或 sectors 指定站点",
        ),
        (
            "schedule:\n  overrides:\n    - id: w\n      sites: [water]\n      cron: '0 3 * * 9'\n",
            "settings.yaml:5: schedule.overrides 第 1 项（w）：cron：cron 表达式“0 3 * * 9”无效",
        ),
        ("schedule:\n  max_attempts: 0\n", "settings.yaml:2: schedule.max_attempts"),
        ("schedule:\n  when: weekly\n", "settings.yaml:2: schedule 中的未知字段 'when'"),
        ("log:\n  level: loud\n", "settings.yaml:2: log.level"),
        ("crawl:\n  time_limit: -5\n", "settings.yaml:2: crawl.time_limit"),
    ],
)
def test_schedule_settings_errors_name_file_and_line(
    settings: str, problem: str, tmp_path: Path
) -> None:
    (tmp_path / "sites.yaml").write_text(SITES_YAML, "utf-8")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "test.yaml").write_text(RULES, "utf-8")
    (tmp_path / "settings.yaml").write_text(settings, "utf-8")
    with pytest.raises(conf.ConfigError) as exc:
        conf.load_config(tmp_path)
    text = "\n".join(str(p) for p in exc.value.problems)
    assert problem in text, text
    assert len(exc.value.problems) == 1, text


def test_schedule_defaults_and_plan(tmp_path: Path) -> None:
    (tmp_path / "sites.yaml").write_text(SITES_YAML, "utf-8")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "test.yaml").write_text(RULES, "utf-8")
    config = conf.load_config(tmp_path)
    sched = config.settings.schedule
    assert (sched.timezone, sched.audit, sched.report_dir) == (
        "Asia/Shanghai",
        "0 2 * * 1",
        "var/report",
    )
    assert config.settings.crawl.time_limit == 6 * 3600
    assert config.settings.log.file == "var/log/gongkai.log"
    assert scheduler.plan_jobs(config) == [
        scheduler.AuditJob("audit", "0 2 * * 1", ("gov", "water"), "全面检查")
    ]
    (tmp_path / "settings.yaml").write_text(
        "schedule:\n  overrides:\n    - {id: water-weekly, sectors: [water], cron: '0 3 * * 3'}\n",
        "utf-8",
    )
    config = conf.load_config(tmp_path)
    assert scheduler.plan_jobs(config) == [
        scheduler.AuditJob("audit", "0 2 * * 1", ("gov",), "全面检查"),
        scheduler.AuditJob("water-weekly", "0 3 * * 3", ("water",), "单独安排 water-weekly"),
    ]
    (tmp_path / "settings.yaml").write_text(
        "schedule:\n  audit: null\n  overrides:\n    - {id: g, sites: [gov], cron: '0 3 * * 3'}\n",
        "utf-8",
    )
    config = conf.load_config(tmp_path)
    assert [j.id for j in scheduler.plan_jobs(config)] == ["g"]  # water is not scheduled


def test_event_lines_are_logfmt(tmp_path: Path) -> None:
    settings = conf.LogSettings(file=str(tmp_path / "log" / "ops.log"))
    path = scheduler.setup_logging(settings, "Asia/Shanghai", stderr=False)
    try:
        scheduler.log_event("run_finished", '第 5 次检查完成 "ok"', run=5, report=None, note="a=b")
    finally:
        scheduler.setup_logging(conf.LogSettings(file=None), "Asia/Shanghai", stderr=False)
    assert path is not None
    (line,) = path.read_text("utf-8").splitlines()
    assert re.fullmatch(
        r'ts=\S+\+08:00 level=info event=run_finished pid=\d+ run=5 note="a=b" '
        r'msg="第 5 次检查完成 \\"ok\\""',
        line,
    ), line


# -- availability probes ------------------------------------------------------------------------


def test_scheduler_probes_every_site_and_counts_failures_as_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = {"Content-Type": "text/html; charset=utf-8"}
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    dead = f"http://127.0.0.1:{free_port()}/"  # nothing listens: a failed probe
    with (
        SiteServer({"/": (200, html, page("首页", []))}) as gov,
        SiteServer({"/": (403, html, "拒绝访问")}) as water,  # blocked: neither way
    ):
        cfg = write_config(tmp_path / "config", {"gov": gov, "water": water}, "  audit: null\n")
        with (cfg / "sites.yaml").open("a", encoding="utf-8") as f:
            f.write("  - id: tjj\n    name: 示例市统计局\n    kind: government\n")
            f.write(f"    start_urls: ['{dead}']\n")
        # The real interval is 86400 / probes.per_day (≥ 60 s); the test-only override: 1 s.
        monkeypatch.setenv(scheduler.PROBE_INTERVAL_ENV, "1")
        proc = spawn(["schedule", "--config", str(cfg), "--db", db], tmp_path, "sched")
        log = tmp_path / "gongkai.log"
        try:
            wait_for("three probe rounds", lambda: len(events(log, "probes_done")) >= 3, (proc,))
            with Store(db) as st:
                (job,) = scheduler.stored_jobs(st)
                text = scheduler.status_text(st, conf.load_config(cfg))
        finally:
            code = stop(proc)
        done = events(log, "probes_done")
        with Store(db) as st:
            stored = {sid: st.probes(sid) for sid in ("gov", "water", "tjj")}
    assert code == 0
    assert (job.id, job.trigger.interval) == ("probe", dt.timedelta(seconds=1))
    assert "首页可用性探测" in text
    # Every round probes every site once and stores it (a round is stored before its event).
    assert {sid: len(p) for sid, p in stored.items()} == dict.fromkeys(stored, len(done))
    assert {(p.url, p.status, p.error) for p in stored["gov"]} == {(gov.url("/"), 200, None)}
    assert {(p.status, p.error) for p in stored["water"]} == {(403, None)}
    assert {(p.url, p.status, p.error) for p in stored["tjj"]} == {(dead, None, "connection")}
    times = [p.probed_at for p in stored["gov"]]
    assert times == sorted(times) and len(set(times)) == len(times)
    # The event counts as site_unreachable does (probe_failed): 403 is neither failed nor open.
    for event in done:
        assert (event["sites"], event["failed"], event["blocked"]) == ("3", "1", "1")
        assert (event["failed_sites"], event["blocked_sites"]) == ("tjj", "water")
        assert (
            event["msg"]
            == "探测 3 个站点首页，1 个失败，1 个疑似被拦截（HTTP 403/429，不计为失败）"
        )


@pytest.mark.parametrize(
    ("params", "expected"),
    [("", [403, 429]), ("    params: {blocked_statuses: [403]}\n", [403])],
)
def test_probe_blocked_statuses_follow_the_configured_rule(
    sites: dict[str, SiteServer], tmp_path: Path, params: str, expected: list[int]
) -> None:
    cfg = write_config(tmp_path / "config", sites)
    rules = cfg / "rules" / "test.yaml"
    text = rules.read_text("utf-8")
    marker = "    basis: 国办秘函〔2019〕19号 单项否决“站点无法访问”\n"
    rules.write_text(text.replace(marker, marker + params), "utf-8")
    assert scheduler.blocked_statuses(conf.load_config(cfg)) == expected


@pytest.mark.parametrize(("override", "seconds"), [(None, 3600.0), ("2.5", 2.5)])
def test_probe_interval(
    override: str | None, seconds: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    if override is None:
        monkeypatch.delenv(scheduler.PROBE_INTERVAL_ENV, raising=False)
    else:
        monkeypatch.setenv(scheduler.PROBE_INTERVAL_ENV, override)
    assert scheduler.probe_interval(conf.ProbeSettings(per_day=24)) == seconds
