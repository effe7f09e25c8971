"""Run one crawl of a run as a `scrapy crawl site` subprocess and forward its progress lines.

Resuming needs no state of its own: the spider skips what the store already holds for the
run (see SiteSpider), so crawling a killed run again with the same id continues it. There is
no Scrapy JOBDIR: its request fingerprints would also cover pages fetched but not yet written
when the process died (so they would never be fetched again), and its disk queues are only
consistent after a graceful stop.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# Lines the crawl logs for the operator (CrawlProgress, and the spider's 提示 warnings).
PROGRESS_MARKERS = ("进度：", "完成：", "提示：")
# run_crawl's result when it stopped the crawl itself: the wall-clock limit ran out (as
# coreutils `timeout` exits), or the caller asked it to stop (the scheduler shutting down).
TIMED_OUT = 124
STOPPED = 143
# Seconds a stopped crawl gets to close gracefully (Scrapy finishes in-flight requests on
# SIGTERM, which a hung site drags out to the download timeout) before SIGKILL. Short: the
# store-based resume loses nothing either way, it only fetches again what was in flight.
STOP_GRACE = 5.0


def crawl_command(config_dir: Path, run_id: int, site_ids: list[str] | None) -> list[str]:
    """Return the argv of the crawl subprocess."""
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
    return cmd


def run_crawl(
    config_dir: Path,
    db_url: str,
    run_id: int,
    site_ids: list[str] | None = None,
    log_file: Path | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    time_limit: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    stop_grace: float = STOP_GRACE,
) -> int:
    """Crawl the run's sites in one Scrapy subprocess; return its exit code.

    The full Scrapy log goes to `log_file`; the Chinese progress lines go to `progress`.
    Calling it again for a run that was killed resumes that run (see the module docstring).
    After `time_limit` seconds, or once `should_stop()` is true, the crawl is terminated
    (SIGTERM, SIGKILL after `stop_grace` s) and TIMED_OUT or STOPPED is returned.
    """
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "crawlers.settings"
    env["GONGKAI_DB"] = db_url
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONUNBUFFERED"] = "1"
    log = None
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log = log_file.open("a", encoding="utf-8")
    # The working directory stays the caller's, so a relative sqlite URL names the same file.
    proc = subprocess.Popen(
        crawl_command(config_dir, run_id, site_ids),
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
    )
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
