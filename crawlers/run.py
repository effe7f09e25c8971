"""Run one crawl of a run as a `scrapy crawl site` subprocess and forward its progress lines.

Resuming needs no state of its own: the spider skips what the store already holds for the
run (see SiteSpider), so crawling a killed run again with the same id continues it. There is
no Scrapy JOBDIR: its request fingerprints would also cover pages fetched but not yet written
when the process died (so they would never be fetched again), and its disk queues are only
consistent after a graceful stop.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Lines the crawl logs for the operator (CrawlProgress, and the spider's 提示 warnings).
PROGRESS_MARKERS = ("进度：", "完成：", "提示：")
# The crawl's machine-readable twin of each progress line: one JSON object of per-site
# counters (CrawlProgress.status_json), parsed by parse_status for a terminal's live table.
STATUS_MARKER = "gongkai-status: "
SITE_STATES = ("waiting", "crawling", "done", "stopped")
# run_crawl's result when it stopped the crawl itself: the wall-clock limit ran out (as
# coreutils `timeout` exits), or the caller asked it to stop (the scheduler shutting down).
TIMED_OUT = 124
STOPPED = 143
# Seconds a stopped crawl gets to close gracefully (Scrapy finishes in-flight requests on
# SIGTERM, which a hung site drags out to the download timeout) before SIGKILL. Short: the
# store-based resume loses nothing either way, it only fetches again what was in flight.
STOP_GRACE = 5.0


@dataclass(frozen=True)
class SiteProgress:
    """One site's counters in a crawl status line (CrawlProgress.site_status)."""

    id: str
    fetched: int  # rows fetched by this crawl process
    stored: int  # rows already stored when it started (a resumed run)
    queued: int  # requests waiting, being downloaded or being parsed
    errors: int  # rows with an error or HTTP >= 400
    elapsed: int  # seconds since the site's first request (frozen once a status line finds it done)
    state: str  # one of SITE_STATES


@dataclass(frozen=True)
class CrawlStatus:
    """A crawl's per-site progress, parsed from its STATUS_MARKER log line."""

    elapsed: int
    final: bool
    reason: str | None
    sites: tuple[SiteProgress, ...]

    @property
    def done(self) -> int:
        """How many sites have finished."""
        return sum(s.state == "done" for s in self.sites)


def _count(value: object) -> int:
    """Return a non-negative integer counter, or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not a count: {value!r}")
    return value


def parse_status(line: str) -> CrawlStatus | None:
    """Parse a crawl log line carrying STATUS_MARKER; None for any other or a malformed line
    (a garbled status must not stop the crawl's output)."""
    at = line.find(STATUS_MARKER)
    if at < 0:
        return None
    try:
        data = json.loads(line[at + len(STATUS_MARKER) :])
        sites = []
        for row in data["sites"]:
            state = row["state"]
            if not isinstance(row["id"], str) or state not in SITE_STATES:
                return None
            sites.append(
                SiteProgress(
                    id=row["id"],
                    fetched=_count(row["fetched"]),
                    stored=_count(row["stored"]),
                    queued=_count(row["queued"]),
                    errors=_count(row["errors"]),
                    elapsed=_count(row["elapsed"]),
                    state=state,
                )
            )
        reason = data.get("reason")
        return CrawlStatus(
            elapsed=_count(data["elapsed"]),
            final=bool(data["final"]),
            reason=reason if isinstance(reason, str) else None,
            sites=tuple(sites),
        )
    except (ValueError, KeyError, TypeError):
        return None


def crawl_command(
    config_dir: Path, run_id: int, site_ids: list[str] | None, full: bool = False
) -> list[str]:
    """Return the argv of the crawl subprocess (`full`: no conditional requests, issue 7)."""
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        "site",
        "-a",
        f"run_id={run_id}",
        "-a",
        f"config={Path(config_dir).resolve()}",
    ]
    if site_ids:
        cmd += ["-a", "sites=" + ",".join(site_ids)]
    if full:
        cmd += ["-a", "full=1"]
    return cmd


def crawl_env(db_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return the environment of a crawl subprocess: gongkai's Scrapy settings, the store, this
    repository on the path, UTF-8 unbuffered output (its lines are read as they come), `extra`."""
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "crawlers.settings"
    env["GONGKAI_DB"] = db_url
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def popen_crawl(command: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """Start a crawl subprocess whose output (stderr included) is read line by line as text."""
    return subprocess.Popen(
        command,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
    )


def run_crawl(
    config_dir: Path,
    db_url: str,
    run_id: int,
    site_ids: list[str] | None = None,
    log_file: Path | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    on_status: Callable[[CrawlStatus], None] | None = None,
    time_limit: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    stop_grace: float = STOP_GRACE,
    full: bool = False,
) -> int:
    """Crawl the run's sites in one Scrapy subprocess; return its exit code.

    The full Scrapy log goes to `log_file`; the Chinese progress lines go to `progress`, and
    the per-site status the crawl logs with each of them to `on_status` (not to the log file:
    the progress line already holds its totals).
    Calling it again for a run that was killed resumes that run (see the module docstring).
    After `time_limit` seconds, or once `should_stop()` is true, the crawl is terminated
    (SIGTERM, SIGKILL after `stop_grace` s) and TIMED_OUT or STOPPED is returned.
    `full` downloads every page again instead of asking conditionally (issue 7).
    """
    env = crawl_env(db_url)
    log = None
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log = log_file.open("a", encoding="utf-8")
    # The working directory stays the caller's, so a relative sqlite URL names the same file.
    proc = popen_crawl(crawl_command(config_dir, run_id, site_ids, full), env)
    done = threading.Event()
    finished = threading.Event()
    stopped: list[int] = []

    def watchdog() -> None:
        # Polls rather than blocks: should_stop is a plain callable (the scheduler's stop flag
        # or a lost run lock), and the limit is wall-clock time, not CPU time.
        deadline = time.monotonic() + time_limit if time_limit else None
        while not done.wait(0.2) and not finished.is_set():
            if should_stop is not None and should_stop():
                stopped.append(STOPPED)
            elif deadline is not None and time.monotonic() >= deadline:
                stopped.append(TIMED_OUT)
            else:
                continue
            proc.terminate()
            try:
                proc.wait(stop_grace)
            except subprocess.TimeoutExpired:
                proc.kill()
            return

    guard = None
    if time_limit or should_stop is not None:
        guard = threading.Thread(target=watchdog, name=f"crawl-{run_id}-watchdog", daemon=True)
        guard.start()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if STATUS_MARKER in line:
                status = parse_status(line)
                if status is not None:
                    if on_status is not None:
                        on_status(status)
                    continue
            if log is not None:
                log.write(line)
            if "完成：" in line and line.rstrip().endswith("（finished）"):
                # The spider closed on its own with everything stored (pipelines close
                # before spider_closed): a stop arriving during teardown loses nothing.
                finished.set()
            if progress is not None:
                for marker in PROGRESS_MARKERS:
                    at = line.find(marker)
                    if at >= 0:
                        progress(line[at:].rstrip())
                        break
        code = proc.wait()
        done.set()
        if guard is not None:
            guard.join()
        if finished.is_set() and code in (0, -15):
            return 0
        return stopped[0] if stopped else code
    except BaseException:
        # Ctrl-C reaches the child too (same process group); let it write what it holds.
        proc.wait()
        raise
    finally:
        done.set()
        if log is not None:
            log.close()
