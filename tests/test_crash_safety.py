"""Crash safety of the check and report stages (issue 8): SIGKILL a real `gongkai check` or
`gongkai report` process at random points, then run it again.

The store holds a sample-city crawl already checked once (with a later audit date, so its
results differ). A killed check must leave either those old results or the new ones — the
findings, outcomes, resolved, site_history and scores rows of the run are replaced in one
transaction — and the re-run must leave exactly what an uninterrupted check leaves: no lost
and no duplicate rows. A killed report must leave every report file either as it was or as
the new report has it (each is written to a temp file and renamed), and the re-run must
leave the uninterrupted report byte for byte, without the killed writer's temp files.

The crawl stage's kill test is tests/test_resume.py. Kill points tried: bench/RESULTS.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import cli
import conf
import samplecity
import store as store_mod
from crawlers.run import run_crawl
from reports.render import _TEMP_RE
from samplecity.serve import render_config, start
from store import Store

REPO = Path(__file__).resolve().parents[1]
OLD_AS_OF = samplecity.AS_OF + dt.timedelta(days=400)  # the earlier check's (other) results
SEEDS = range(6)  # kill points per stage
RESULT_TABLES = ("findings", "outcomes", "resolved", "site_history", "scores")


@dataclass(frozen=True)
class Crawled:
    """A sample-city crawl, checked once with OLD_AS_OF, and what the stages leave."""

    config: Path
    old_db: Path  # the crawl with the old check's results (and its report in old_report)
    new_db: Path  # old_db after an uninterrupted check
    run_id: int
    check_s: float  # wall time of an uninterrupted `gongkai check` process
    report_s: float
    old_report: Path
    new_report: Path


def copy_db(src: Path, dst: Path) -> str:
    """Copy a SQLite store consistently (WAL included); return its URL."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return f"sqlite:///{dst}"


def gongkai(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    """Start `gongkai <args>` in its own process group."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("GONGKAI_DB", None)
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def finish(proc: subprocess.Popen[bytes]) -> int:
    """Wait for a process; return its exit code (stderr must hold no traceback)."""
    _, err = proc.communicate(timeout=300)
    assert b"Traceback" not in err, err.decode("utf-8", "replace")
    return proc.returncode


def check_args(c: Crawled, db: str, *extra: str) -> list[str]:
    return ["check", "--config", str(c.config), "--db", db, "--run", str(c.run_id), *extra]


def report_args(c: Crawled, db: str, out: Path) -> list[str]:
    return ["report", "--db", db, "--run", str(c.run_id), "--out", str(out)]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """Crawl the sample city once; check it with OLD_AS_OF; check and report it anew."""
    tmp = tmp_path_factory.mktemp("crash")
    with start() as running:
        cfg = render_config(tmp / "config", running)
        old = tmp / "old.db"
        url = f"sqlite:///{old}"
        with Store(url) as st:
            run_id = st.start_run(samplecity.AS_OF, str(cfg), conf.load_config(cfg).sites)
        assert run_crawl(cfg, url, run_id, log_file=tmp / "crawl.log") == 0
    # The checks never touch the network: the servers may go now.
    c = Crawled(cfg, old, tmp / "new.db", run_id, 0, 0, tmp / "old-report", tmp / "new-report")
    assert finish(gongkai(check_args(c, url, "--as-of", OLD_AS_OF.isoformat()), tmp)) in (0, 1)
    assert finish(gongkai(report_args(c, url, c.old_report), tmp)) == 0
    new = copy_db(old, c.new_db)
    t0 = time.monotonic()
    assert finish(gongkai(check_args(c, new), tmp)) in (0, 1)
    t1 = time.monotonic()
    assert finish(gongkai(report_args(c, new, c.new_report), tmp)) == 0
    t2 = time.monotonic()
    yield dataclasses.replace(c, check_s=t1 - t0, report_s=t2 - t1)


def results(db: str, run_id: int) -> dict[str, list[str]]:
    """Return the run's rows of every result table without their ids, as sorted JSON lines (a
    multiset: a duplicate row shows)."""
    out: dict[str, list[str]] = {}
    with Store(db) as st, st.engine.connect() as conn:
        for name in RESULT_TABLES:
            table = store_mod._T[name]
            cols = [c for c in table.c if c.name != "id"]
            rows = conn.execute(sa.select(*cols).where(table.c.run_id == run_id)).all()
            out[name] = sorted(json.dumps(list(r), default=str, sort_keys=True) for r in rows)
    return out


def watch_for_commit(wal: Path, proc: subprocess.Popen[bytes]) -> float:
    """Wait until the process writes to the SQLite write-ahead log (the check stage only
    writes when it saves its results); return the seconds waited."""
    t0 = time.monotonic()

    def size() -> int:
        try:
            return wal.stat().st_size
        except FileNotFoundError:
            return 0

    start = size()
    while time.monotonic() - t0 < 120 and proc.poll() is None and size() == start:
        time.sleep(0.0005)
    return time.monotonic() - t0


@dataclass
class KillPoint:
    """One SIGKILL: when, and what the killed process had done by then."""

    stage: str
    seed: int
    delay_s: float
    killed: bool  # False: it had already exited
    state: str  # check: old/new results; report: files replaced so far


def kill_at(proc: subprocess.Popen[bytes], delay: float, started: float | None = None) -> bool:
    """SIGKILL the process group `delay` seconds after `started` (default: now); return
    whether it was still running."""
    time.sleep(max(0.0, delay - (time.monotonic() - started if started is not None else 0.0)))
    alive = proc.poll() is None
    if alive:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    return alive


def test_stage_outputs_differ_between_the_two_checks(crawled: Crawled) -> None:
    # Otherwise "old or new" below could not tell a half-done replacement from either.
    old = results(f"sqlite:///{crawled.old_db}", crawled.run_id)
    new = results(f"sqlite:///{crawled.new_db}", crawled.run_id)
    assert old["findings"] and new["findings"] and old["findings"] != new["findings"]
    assert old["scores"] and old["scores"] != new["scores"]
    assert (crawled.old_report / "findings.json").read_bytes() != (
        crawled.new_report / "findings.json"
    ).read_bytes()
    n = len(files(crawled.new_report))
    print(
        f"uninterrupted: check {crawled.check_s:.2f} s, report {crawled.report_s:.2f} s ({n} files)"
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_killed_check_leaves_old_or_new_results_and_rerun_equals_uninterrupted(
    crawled: Crawled, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    db = copy_db(crawled.old_db, tmp_path / "killed.db")
    old = results(db, crawled.run_id)
    want = results(f"sqlite:///{crawled.new_db}", crawled.run_id)
    proc = gongkai(check_args(crawled, db), tmp_path)
    t0 = time.monotonic()
    if seed % 2:  # anywhere in the process's life (and a little after: load varies)
        delay = crawled.check_s * rng.uniform(0.05, 1.5)
    else:  # while it saves: a few milliseconds after the store's write-ahead log grows
        delay = watch_for_commit(tmp_path / "killed.db-wal", proc) + rng.uniform(0.0, 0.01)
    killed = kill_at(proc, delay, t0)
    now = results(db, crawled.run_id)
    state = "old" if now == old else "new" if now == want else "mixed"
    record(KillPoint("check", seed, delay, killed, state))
    assert state != "mixed", {t: (len(now[t]), len(old[t]), len(want[t])) for t in now}
    assert finish(gongkai(check_args(crawled, db), tmp_path)) in (0, 1)
    assert results(db, crawled.run_id) == want
    with Store(db) as st:
        assert st.get_run(crawled.run_id).status == "complete"


def test_a_check_failing_while_saving_keeps_the_old_results(
    crawled: Crawled, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The deterministic form of a kill inside the save: the scorecards fail after the other
    # tables were rewritten in the same transaction, which must roll all of them back.
    db = copy_db(crawled.old_db, tmp_path / "failing.db")
    old = results(db, crawled.run_id)

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed while saving scorecards")

    monkeypatch.setattr(store_mod.Store, "_replace_scores", staticmethod(boom))
    monkeypatch.setattr(store_mod.Store, "save_scores", boom)  # a second transaction fails too
    config = conf.load_config(crawled.config)
    with Store(db) as st, pytest.raises(RuntimeError, match="killed while saving"):
        cli.do_check(config, st, crawled.run_id, samplecity.AS_OF)
    assert results(db, crawled.run_id) == old


def files(root: Path) -> dict[str, bytes]:
    """Return every file under root by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def watch_for_write(out: Path, proc: subprocess.Popen[bytes], before: dict[str, float]) -> None:
    """Return once the report process starts writing (a temp file or a replaced file shows)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        for folder in (out, out / "sites", out / "rules", out / "sectors", out / "runs"):
            try:
                entries = list(os.scandir(folder))
            except FileNotFoundError:
                continue
            for e in entries:
                if not e.is_file():
                    continue
                if _TEMP_RE.match(e.name) or before.get(e.path, -1.0) != e.stat().st_mtime:
                    return
        time.sleep(0.001)


@pytest.mark.parametrize("seed", SEEDS)
def test_killed_report_leaves_whole_files_and_rerun_equals_uninterrupted(
    crawled: Crawled, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(1000 + seed)
    out = tmp_path / "report"
    old, new = files(crawled.old_report), files(crawled.new_report)
    assert set(old) == set(new)
    for rel, data in old.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    before = {str(p): p.stat().st_mtime for p in out.rglob("*") if p.is_file()}
    db = f"sqlite:///{crawled.new_db}"
    proc = gongkai(report_args(crawled, db, out), tmp_path)
    t0 = time.monotonic()
    if seed % 2:  # anywhere in the process's life
        delay = crawled.report_s * rng.uniform(0.05, 1.0)
    else:  # while it writes: a few milliseconds after the first temp file appears
        watch_for_write(out, proc, before)
        delay = time.monotonic() - t0 + rng.uniform(0.0, 0.03)
    killed = kill_at(proc, delay, t0)
    got = files(out)
    temps = sorted(rel for rel in got if _TEMP_RE.match(Path(rel).name))
    whole = {rel: data for rel, data in got.items() if rel not in temps}
    assert set(whole) == set(old)
    half = [rel for rel, data in whole.items() if data not in (old[rel], new[rel])]
    assert half == []  # every report file is the old one or the new one, never a part
    replaced = sum(data == new[rel] != old[rel] for rel, data in whole.items())
    changed = sum(new[rel] != old[rel] for rel in new)
    state = f"{replaced}/{changed} changed files replaced, {len(temps)} temp files left"
    record(KillPoint("report", seed, delay, killed, state))
    assert finish(gongkai(report_args(crawled, db, out), tmp_path)) == 0
    assert files(out) == new  # the killed writer's temp files are swept as well


# --------------------------------------------------------------------------------------------
# Kill points, for bench/RESULTS.md (printed with -s)

KILLS: list[KillPoint] = []


def record(point: KillPoint) -> None:
    """Keep a kill point and print it (pytest -s shows them)."""
    KILLS.append(point)
    print(
        f"kill {point.stage} seed={point.seed} after {point.delay_s:.3f}s "
        f"killed={point.killed} → {point.state}"
    )
