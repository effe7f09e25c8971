"""Run gongkai unattended (issue 6): audits on cron, one audit at a time, status and event logs.

`gongkai schedule` runs APScheduler 3 in the foreground. Its jobs live in the store's own
database (SQLAlchemyJobStore), with coalescing and a misfire grace time, so a restart neither
loses nor doubles a job. A lock row in the same database (`locks`, name `audit`) lets one crawl
run at a time, whoever starts it: a second scheduler or a manual `gongkai run` waits or
refuses, naming the holder. A scheduled job knows the time it was due; a run of its sites
started since then means its work is done (another scheduler did it) or, if unfinished, that
it is resumed from the store (`gongkai run --resume N`) rather than started again.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import logging
import logging.handlers
import os
import signal
import socket
import sys
import threading
import time
import uuid
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from apscheduler.executors.base import run_job
from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

from store import RunInfo, Store, locks_t, run_sites_t, runs_t

if TYPE_CHECKING:
    import conf

LOGGER = logging.getLogger("gongkai.ops")
HOST = socket.gethostname()
AUDIT_LOCK = "audit"
JOBS_TABLE = "apscheduler_jobs"
STATUS_LABELS = {
    "running": "进行中",
    "complete": "完成",
    "incomplete": "未完成",
    "failed": "失败",
    "interrupted": "已中断",
}
_WEEKDAYS = "一二三四五六日"
# Tests only: seconds between probe jobs instead of 86400 / probes.per_day (per_day is capped
# at 1440, a minute apart, too slow for a test of the real scheduler). Not for operators: 19号
# asks for at least 20 probes a day, which settings.yaml's probes.per_day already enforces.
PROBE_INTERVAL_ENV = "GONGKAI_TEST_PROBE_INTERVAL"


def _utcnow() -> dt.datetime:
    """Return the current time, aware UTC."""
    return dt.datetime.now(dt.UTC)


def _naive(value: dt.datetime) -> dt.datetime:
    """Return an aware datetime as naive UTC (the store's form)."""
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value


def _aware(value: dt.datetime) -> dt.datetime:
    """Return a stored naive UTC datetime as an aware one."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def format_time(value: dt.datetime | None, tz: dt.tzinfo) -> str:
    """Show a time in the schedule's time zone, e.g. 2026-11-23 02:00:05（周一）."""
    if value is None:
        return "—"
    local = _aware(value).astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M:%S}（周{_WEEKDAYS[local.weekday()]}）"


def format_duration(seconds: float) -> str:
    """Show a duration as 1 小时 2 分 / 3 分 4 秒 / 5 秒."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} 小时 {minutes} 分"
    if minutes:
        return f"{minutes} 分 {secs} 秒"
    return f"{secs} 秒"


# --- structured event log ---------------------------------------------------------------------


def _logfmt(value: Any, tz: dt.tzinfo) -> str:
    """Quote a logfmt value when it holds spaces, quotes, '=' or line breaks; aware times are
    shown in the log's time zone, to the second."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        text = value.astimezone(tz).isoformat(timespec="seconds")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = str(value)
    if text and not any(c in text for c in ' "=\n\r\t\\'):
        return text
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\r", "\\r").replace("\t", "\\t") + '"'


class EventFormatter(logging.Formatter):
    """One line per event, logfmt: `ts=… level=info event=run_finished run=5 … msg="…"`."""

    def __init__(self, tz: dt.tzinfo) -> None:
        super().__init__()
        self.tz = tz

    def format(self, record: logging.LogRecord) -> str:
        """Render the record's event name, fields and message on one line."""
        fields: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, self.tz).isoformat(timespec="seconds"),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", None) or record.name,
            "pid": record.process,
        }
        fields.update(getattr(record, "fields", None) or {})
        fields["msg"] = record.getMessage()
        if record.exc_info:
            fields["error"] = self.formatException(record.exc_info)
        return " ".join(f"{k}={_logfmt(v, self.tz)}" for k, v in fields.items() if v is not None)


def setup_logging(settings: conf.LogSettings, tz: str, *, stderr: bool) -> Path | None:
    """Send operations events (and APScheduler's) to the rotating log file and, if asked, to
    stderr; return the file's path. Calling it again replaces the handlers it installed."""
    formatter = EventFormatter(zoneinfo.ZoneInfo(tz))
    handlers: list[logging.Handler] = []
    path = None
    if settings.file:
        path = Path(settings.file)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(
                logging.handlers.RotatingFileHandler(
                    path,
                    maxBytes=settings.max_bytes,
                    backupCount=settings.backups,
                    encoding="utf-8",
                )
            )
        except OSError as exc:  # an unwritable log must not stop the audit
            print(
                f"无法写入日志文件 {path}：{exc.strerror}（事件日志只输出到标准错误）",
                file=sys.stderr,
            )
            path = None
            stderr = True
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    level = getattr(logging, settings.level.upper())
    for name in ("gongkai.ops", "apscheduler"):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "_gongkai", False)]:
            logger.removeHandler(old)
            old.close()
        for handler in handlers:
            logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
    for handler in handlers:
        handler.setFormatter(formatter)
        handler._gongkai = True  # type: ignore[attr-defined]
    return path


def log_event(event: str, msg: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one operations event with its fields (None-valued fields are left out)."""
    LOGGER.log(level, msg, extra={"event": event, "fields": fields})


# --- cron ---------------------------------------------------------------------------------------

_DOW = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _crontab_weekdays(field: str) -> str:
    """Translate a crontab weekday field (0 and 7 = Sunday) into APScheduler day names.

    APScheduler 3 numbers weekdays from Monday = 0 and CronTrigger.from_crontab passes the
    numbers through, so its "0 2 * * 1" fires on Tuesdays; names avoid the ambiguity.
    """
    if field == "*":
        return field
    days: set[int] = set()
    names: list[str] = []
    for part in field.split(","):
        body, slash, step_text = part.partition("/")
        if slash and not step_text.isdigit():
            raise ValueError(f"星期字段“{field}”的步长无效")
        step = int(step_text) if slash else 1
        if body == "*":
            low, high = 0, 6
        elif "-" in body and all(x.isdigit() for x in body.split("-", 1)):
            low, high = (int(x) for x in body.split("-", 1))
        elif body.isdigit():
            low = int(body)
            high = 7 if slash else low
        else:
            names.append(part.lower())
            continue
        if not 0 <= low <= high <= 7 or step < 1:
            raise ValueError(f"星期字段“{field}”应为 0–7（0 和 7 都是星期日）或 mon–sun")
        days.update(d % 7 for d in range(low, high + 1, step))
    return ",".join([_DOW[d] for d in sorted(days)] + names)


def parse_cron(expr: str, tz: str | dt.tzinfo) -> CronTrigger:
    """Build a trigger from a crontab line: minute hour day month weekday, optionally with a
    leading seconds field; weekdays as in crontab (0/7 Sunday, 1 Monday) or names (mon)."""
    fields = expr.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    if len(fields) != 6:
        raise ValueError(
            f"cron 表达式“{expr}”应为 5 段（分 时 日 月 周，如 0 2 * * 1 表示每周一 02:00）"
            f"或在最前加一段秒，实际为 {len(fields)} 段"
        )
    second, minute, hour, day, month, weekday = fields
    if day != "*" and weekday != "*":
        # crontab fires when either matches; APScheduler only when both do.
        raise ValueError(f"cron 表达式“{expr}”同时限定了日期和星期，请只限定其一")
    try:
        return CronTrigger(
            second=second,
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_crontab_weekdays(weekday),
            timezone=tz,
        )
    except ValueError as exc:
        raise ValueError(f"cron 表达式“{expr}”无效：{exc}") from None


# --- the run lock -------------------------------------------------------------------------------


def _proc_stat(pid: int) -> list[str] | None:
    """Return the fields of /proc/<pid>/stat after the command name (None: not readable)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def _pid_start(pid: int) -> str | None:
    """Return a process's start time in clock ticks since boot (Linux), or None."""
    fields = _proc_stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def _pid_alive(pid: int, start: str | None = None) -> bool:
    """Return whether a process of this host is alive: not gone, not a zombie, and (given the
    start time recorded with its pid) not another process that reuses the pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    fields = _proc_stat(pid)
    if fields is None:
        return True
    if fields[0] == "Z":
        return False
    return start is None or _pid_start(pid) in (None, start)


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock row, since when, and their last heartbeat."""

    name: str
    token: str
    owner: str
    host: str
    pid: int
    pid_start: str | None
    acquired_at: dt.datetime  # aware UTC
    heartbeat_at: dt.datetime
    expires_at: dt.datetime
    run_id: int | None

    def stale(self, now: dt.datetime | None = None) -> bool:
        """A holder is gone when its heartbeat expired or, on this host, its process died."""
        if (now or _utcnow()) > self.expires_at:
            return True
        return self.host == HOST and not _pid_alive(self.pid, self.pid_start)

    def describe(self, tz: dt.tzinfo) -> str:
        """Name the holder for an operator: command, host, process, since when, which run."""
        run = f"，正在执行第 {self.run_id} 次检查" if self.run_id is not None else ""
        return (
            f"{self.owner}（主机 {self.host}，进程 {self.pid}）自 {format_time(self.acquired_at, tz)}"
            f"起持有运行锁{run}，最近心跳 {format_time(self.heartbeat_at, tz)}"
        )


def read_lock(engine: Engine, name: str) -> LockHolder | None:
    """Return the current row of lock `name`, stale or not, or None."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(locks_t).where(locks_t.c.name == name)).first()
    return _holder(row) if row is not None else None


def _holder(row: Any) -> LockHolder:
    """Build a LockHolder from a locks row."""
    return LockHolder(
        name=row.name,
        token=row.token,
        owner=row.owner,
        host=row.host,
        pid=int(row.pid),
        pid_start=row.pid_start,
        acquired_at=_aware(row.acquired_at),
        heartbeat_at=_aware(row.heartbeat_at),
        expires_at=_aware(row.expires_at),
        run_id=row.run_id,
    )


class LockBusy(Exception):
    """The lock is held by a live holder."""

    def __init__(self, holder: LockHolder) -> None:
        super().__init__(holder.owner)
        self.holder = holder


class RunLock:
    """A named lock row in the store's database, kept alive by a heartbeat thread.

    Taking it is atomic on SQLite and PostgreSQL alike: an INSERT (the primary key admits one
    row) or, over a stale holder, an UPDATE conditioned on that holder's token.
    """

    def __init__(
        self, engine: Engine, name: str = AUDIT_LOCK, owner: str = "gongkai", ttl: float = 120
    ):
        self.engine = engine
        self.name = name
        self.owner = owner
        self.ttl = ttl
        self.token = uuid.uuid4().hex
        self.held = False
        self.took_over: LockHolder | None = None  # the stale holder replaced, if any
        self.lost = threading.Event()  # set when another process took the lock from us
        self._stop_beat = threading.Event()
        self._beat: threading.Thread | None = None

    def _values(self, now: dt.datetime) -> dict[str, Any]:
        """Return the row values of a fresh hold."""
        return {
            "token": self.token,
            "owner": self.owner,
            "host": HOST,
            "pid": os.getpid(),
            "pid_start": _pid_start(os.getpid()),
            "acquired_at": _naive(now),
            "heartbeat_at": _naive(now),
            "expires_at": _naive(now + dt.timedelta(seconds=self.ttl)),
            "run_id": None,
        }

    def try_acquire(self) -> LockHolder | None:
        """Take the lock if free or stale; return None when taken, else the live holder."""
        for _ in range(5):  # a lost race re-reads the row
            holder = read_lock(self.engine, self.name)
            now = _utcnow()
            if holder is None:
                try:
                    with self.engine.begin() as conn:
                        conn.execute(locks_t.insert().values(name=self.name, **self._values(now)))
                except sa.exc.IntegrityError:
                    continue
                self._started(None)
                return None
            if not holder.stale(now):
                return holder
            with self.engine.begin() as conn:
                taken = conn.execute(
                    locks_t.update()
                    .where(locks_t.c.name == self.name, locks_t.c.token == holder.token)
                    .values(**self._values(now))
                ).rowcount
            if taken == 1:
                self._started(holder)
                return None
        holder = read_lock(self.engine, self.name)
        if holder is None:
            raise RuntimeError(f"lock {self.name!r} kept changing hands")
        return holder

    def acquire(
        self,
        wait: bool = False,
        poll: float = 1.0,
        should_stop: Callable[[], bool] | None = None,
        on_wait: Callable[[LockHolder], None] | None = None,
    ) -> bool:
        """Take the lock; busy: raise LockBusy, or with `wait` poll until free (False when
        `should_stop()` turns true first). `on_wait` hears of each new holder waited for."""
        seen: str | None = None
        while True:
            holder = self.try_acquire()
            if holder is None:
                return True
            if not wait:
                raise LockBusy(holder)
            if on_wait is not None and holder.token != seen:
                on_wait(holder)
            seen = holder.token
            if should_stop is not None and should_stop():
                return False
            time.sleep(poll)

    def _started(self, replaced: LockHolder | None) -> None:
        """Begin holding: remember whom we replaced and start the heartbeat."""
        self.held = True
        self.took_over = replaced
        self.lost.clear()
        self._stop_beat.clear()
        self._beat = threading.Thread(target=self._heartbeat, name=f"lock-{self.name}", daemon=True)
        self._beat.start()

    def _heartbeat(self) -> None:
        """Renew the expiry every quarter TTL; a vanished row means the lock was taken over."""
        while not self._stop_beat.wait(self.ttl / 4):
            now = _utcnow()
            try:
                with self.engine.begin() as conn:
                    kept = conn.execute(
                        locks_t.update()
                        .where(locks_t.c.name == self.name, locks_t.c.token == self.token)
                        .values(
                            heartbeat_at=_naive(now),
                            expires_at=_naive(now + dt.timedelta(seconds=self.ttl)),
                        )
                    ).rowcount
            except sa.exc.SQLAlchemyError as exc:  # a database hiccup: try again next beat
                log_event("lock_heartbeat_failed", str(exc).splitlines()[0], logging.WARNING)
                continue
            if kept == 0:
                self.lost.set()
                log_event(
                    "lock_lost",
                    f"运行锁 {self.name} 已被其他进程接管（心跳中断超过 {self.ttl:g} 秒）",
                    logging.ERROR,
                    lock=self.name,
                )
                return

    def set_run(self, run_id: int) -> None:
        """Record which run the holder is crawling (shown by gongkai status and refusals)."""
        with self.engine.begin() as conn:
            conn.execute(
                locks_t.update()
                .where(locks_t.c.name == self.name, locks_t.c.token == self.token)
                .values(run_id=run_id)
            )

    def release(self) -> None:
        """Stop the heartbeat and delete our row (a row another process took stays)."""
        self._stop_beat.set()
        if self._beat is not None:
            self._beat.join()
            self._beat = None
        if self.held:
            with self.engine.begin() as conn:
                conn.execute(
                    locks_t.delete().where(
                        locks_t.c.name == self.name, locks_t.c.token == self.token
                    )
                )
            self.held = False


@contextlib.contextmanager
def hold_run_lock(
    st: Store, owner: str, *, wait: bool, ttl: float, tz: str, say: Callable[[str], None]
) -> Iterator[RunLock]:
    """Hold the audit lock around a manual crawl; raise LockBusy when busy and not waiting.

    `say` tells the operator (Chinese) that it waits or that a stale holder was replaced.
    """
    zone = zoneinfo.ZoneInfo(tz)
    lock = RunLock(st.engine, AUDIT_LOCK, owner, ttl)

    def waiting(holder: LockHolder) -> None:
        say(f"另一项检查正在进行：{holder.describe(zone)}。等待其结束（Ctrl-C 取消）……")
        log_event("lock_wait", "等待运行锁", holder=holder.owner, holder_pid=holder.pid)

    lock.acquire(wait=wait, on_wait=waiting)
    if lock.took_over is not None:
        gone = lock.took_over
        say(f"接管了失联的运行锁（{gone.owner}，主机 {gone.host}，进程 {gone.pid}）。")
        log_event("lock_taken_over", "接管失联的运行锁", previous=gone.owner, previous_pid=gone.pid)
    log_event("lock_acquired", "取得运行锁", owner=owner)
    try:
        yield lock
    finally:
        lock.release()
        log_event("lock_released", "释放运行锁", owner=owner)


def refusal_message(holder: LockHolder, tz: str) -> str:
    """The Chinese refusal of a crawl while another one holds the lock."""
    return (
        f"无法开始检查：另一项检查正在进行——{holder.describe(zoneinfo.ZoneInfo(tz))}。"
        "同一数据库同时只能进行一项检查；可加 --wait 等待其结束，或用 gongkai status 查看进度。"
    )


# --- jobs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditJob:
    """One scheduled audit: the full audit or an override, with the sites it crawls."""

    id: str
    cron: str
    sites: tuple[str, ...]
    title: str


def plan_jobs(config: conf.Config) -> list[AuditJob]:
    """Return the audits settings.yaml schedules: each override's sites on its own cron, the
    full audit for every other site."""
    sched = config.settings.schedule
    claimed: set[str] = set()
    jobs: list[AuditJob] = []
    for o in sched.overrides:
        ids = [
            s.id
            for s in config.sites
            if (s.id in o.sites or (s.sector is not None and s.sector in o.sectors))
            and s.id not in claimed
        ]
        claimed.update(ids)
        if ids:
            jobs.append(AuditJob(o.id, o.cron, tuple(ids), f"单独安排 {o.id}"))
    rest = tuple(s.id for s in config.sites if s.id not in claimed)
    if sched.audit and rest:
        jobs.insert(0, AuditJob("audit", sched.audit, rest, "全面检查"))
    return jobs


def find_run(st: Store, site_ids: Sequence[str], since: dt.datetime | None) -> RunInfo | None:
    """Return the newest run covering exactly these sites, started at or after `since`."""
    want = set(site_ids)
    query = sa.select(runs_t.c.id).order_by(runs_t.c.id.desc()).limit(100)
    if since is not None:
        query = query.where(runs_t.c.started_at >= _naive(since))
    with st.engine.connect() as conn:
        ids = list(conn.execute(query).scalars())
        if not ids:
            return None
        rows = conn.execute(
            sa.select(run_sites_t.c.run_id, run_sites_t.c.site_id).where(
                run_sites_t.c.run_id.in_(ids)
            )
        ).all()
    covered: dict[int, set[str]] = {}
    for r in rows:
        covered.setdefault(int(r.run_id), set()).add(r.site_id)
    for run_id in ids:
        if covered.get(int(run_id), set()) == want:
            return st.get_run(int(run_id))
    return None


class _FireTimeExecutor(BasePoolExecutor):
    """A thread pool that tells each job the time it was due (with coalescing, the latest of
    the missed ones): the job's identity, so two schedulers or a restart never do it twice."""

    def __init__(self, max_workers: int = 4) -> None:
        super().__init__(concurrent.futures.ThreadPoolExecutor(max_workers))

    def _do_submit_job(self, job: Any, run_times: list[dt.datetime]) -> None:
        def callback(f: concurrent.futures.Future[Any]) -> None:
            exc = f.exception()
            if exc is not None:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, f.result())

        f = self._pool.submit(_run_with_fire_time, job, run_times, self._logger.name)
        f.add_done_callback(callback)


_CURRENT = threading.local()
_ACTIVE: Scheduler | None = None  # the scheduler whose jobs run in this process


def _run_with_fire_time(job: Any, run_times: list[dt.datetime], logger_name: str) -> Any:
    """Run an APScheduler job with its due time visible to it (_CURRENT.fire_time)."""
    _CURRENT.fire_time = run_times[-1]
    try:
        return run_job(job, job._jobstore_alias, run_times, logger_name)
    finally:
        _CURRENT.fire_time = None


def run_scheduled(job_id: str, fire_time: dt.datetime | None = None, attempt: int = 1) -> None:
    """APScheduler job: the audit `job_id` due at `fire_time` (default: the time it fired)."""
    sched = _ACTIVE
    if sched is None:
        log_event("job_orphaned", f"任务 {job_id} 没有运行中的调度器", logging.ERROR)
        return
    when = fire_time or getattr(_CURRENT, "fire_time", None) or _utcnow()
    sched.run_audit(job_id, when, attempt)


def probe_interval(settings: conf.ProbeSettings) -> float:
    """Seconds between probe jobs: 86400 / probes.per_day, unless a test sets
    PROBE_INTERVAL_ENV."""
    override = os.environ.get(PROBE_INTERVAL_ENV)
    if override:
        return float(override)
    return 86400 / settings.per_day


def blocked_statuses(config: conf.Config) -> list[int]:
    """The HTTP statuses the configured site_unreachable rule counts as 疑似被拦截, neither
    failed nor opened (its blocked_statuses; the kind's default without such a rule)."""
    from checks.kinds.site_unreachable import Params

    for rule in config.rules:
        if rule.check == "site_unreachable":
            return list(Params(**rule.params).blocked_statuses)
    return list(Params().blocked_statuses)


def run_probes() -> None:
    """APScheduler job: probe every site's home page once (19号 站点无法访问, crawlers/probe.py)."""
    if _ACTIVE is not None:
        _ACTIVE.probe()


class Scheduler:
    """The jobs of one configuration directory on APScheduler, against one database."""

    def __init__(
        self,
        config_dir: Path | str,
        db_url: str | None = None,
        *,
        stop_grace: float | None = None,
    ) -> None:
        import conf
        from crawlers.run import STOP_GRACE

        self.config_dir = Path(config_dir)
        self.config = conf.load_config(self.config_dir)
        self.settings = self.config.settings.schedule
        self.tz = zoneinfo.ZoneInfo(self.settings.timezone)
        self.st = Store(db_url or self.config.settings.database)
        self.stop_grace = STOP_GRACE if stop_grace is None else stop_grace
        self.jobs = {j.id: j for j in plan_jobs(self.config)}
        self.stop_event = threading.Event()
        self.aps = BackgroundScheduler(
            jobstores={
                "default": SQLAlchemyJobStore(engine=self.st.engine, tablename=JOBS_TABLE),
                "memory": MemoryJobStore(),
            },
            executors={"default": _FireTimeExecutor()},
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": self.settings.misfire_grace_time,
                "max_instances": 1,
            },
            timezone=self.tz,
        )
        self.presence = RunLock(
            self.st.engine,
            f"scheduler:{HOST}:{os.getpid()}",
            "gongkai schedule",
            self.settings.lock_ttl,
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Announce this scheduler, sync its jobs into the store, resume unfinished runs, go."""
        global _ACTIVE
        _ACTIVE = self
        self._forget_dead_schedulers()
        self.presence.acquire()
        self.aps.start(paused=True)
        self.sync_jobs()
        self.recover()
        self.aps.resume()
        log_event(
            "scheduler_started",
            f"调度器已启动：{len(self.jobs)} 项检查任务",
            jobs=",".join(self.jobs),
            db=self.st.display_url,
        )

    def _forget_dead_schedulers(self) -> None:
        """Delete the presence rows of schedulers that died without stopping."""
        with self.st.engine.connect() as conn:
            rows = conn.execute(sa.select(locks_t).where(locks_t.c.name.like("scheduler:%")))
            dead = [h for h in map(_holder, rows) if h.stale()]
        for h in dead:
            with self.st.engine.begin() as conn:
                conn.execute(
                    locks_t.delete().where(locks_t.c.name == h.name, locks_t.c.token == h.token)
                )

    def stop(self) -> None:
        """Stop: a running crawl is terminated (resumed at the next start), the lock released."""
        global _ACTIVE
        self.stop_event.set()
        log_event("scheduler_stopping", "调度器正在停止")
        if self.aps.running:
            self.aps.shutdown(wait=True)
        self.presence.release()
        log_event("scheduler_stopped", "调度器已停止")
        if _ACTIVE is self:
            _ACTIVE = None

    def sync_jobs(self) -> None:
        """Make the stored jobs match settings.yaml; an unchanged job keeps its stored next run
        time, so a time missed while the scheduler was down is still run (once, coalesced)."""
        wanted: set[str] = set()
        for job in self.jobs.values():
            job_key = f"audit:{job.id}"
            wanted.add(job_key)
            trigger = parse_cron(job.cron, self.tz)
            kwargs = {"job_id": job.id}
            stored = self.aps.get_job(job_key, "default")
            if (
                stored is not None
                and repr(stored.trigger) == repr(trigger)
                and stored.kwargs == kwargs
            ):
                log_event(
                    "job_kept",
                    f"沿用已保存的任务 {job.id}",
                    job=job.id,
                    next_run=stored.next_run_time,
                )
                continue
            added = self.aps.add_job(
                run_scheduled,
                trigger=trigger,
                id=job_key,
                name=job.title,
                kwargs=kwargs,
                jobstore="default",
                replace_existing=True,
            )
            log_event(
                "job_scheduled",
                f"安排任务 {job.id}：{job.cron}",
                job=job.id,
                cron=job.cron,
                next_run=added.next_run_time,
            )
        probes = getattr(self.config.settings, "probes", None)
        if probes is not None:
            wanted.add("probe")
            every = probe_interval(probes)
            stored = self.aps.get_job("probe", "default")
            trigger = IntervalTrigger(seconds=every, timezone=self.tz)
            if stored is None or getattr(stored.trigger, "interval", None) != trigger.interval:
                self.aps.add_job(
                    run_probes,
                    trigger=trigger,
                    id="probe",
                    name="首页可用性探测",
                    jobstore="default",
                    replace_existing=True,
                )
        for stored in self.aps.get_jobs("default"):
            stale = stored.id.startswith("audit:") or stored.id == "probe"
            if stale and stored.id not in wanted:
                self.aps.remove_job(stored.id, "default")
                log_event("job_removed", f"删除已不在配置中的任务 {stored.id}", job=stored.id)

    def recover(self) -> None:
        """Queue the resumption of each job's unfinished run younger than the grace time (its
        crawl died with a previous scheduler); a live holder's run is left alone."""
        since = _utcnow() - dt.timedelta(seconds=self.settings.misfire_grace_time)
        holder = read_lock(self.st.engine, AUDIT_LOCK)
        for job in self.jobs.values():
            run = find_run(self.st, job.sites, since)
            if run is None or run.status == "complete":
                continue
            if holder is not None and not holder.stale() and holder.run_id == run.id:
                continue
            log_event(
                "run_recovering",
                f"发现未完成的第 {run.id} 次检查（任务 {job.id}），将续抓",
                job=job.id,
                run=run.id,
            )
            self.aps.add_job(
                run_scheduled,
                "date",
                run_date=_utcnow(),
                id=f"recover:{job.id}",
                name=f"续抓第 {run.id} 次检查",
                kwargs={"job_id": job.id, "fire_time": run.started_at, "attempt": 1},
                jobstore="memory",
                replace_existing=True,
            )

    # -- jobs ---------------------------------------------------------------------------------

    def run_audit(self, job_id: str, fire_time: dt.datetime, attempt: int = 1) -> int | None:
        """Do audit `job_id` due at `fire_time` under the run lock; return the run id."""
        import conf

        try:
            config = conf.load_config(self.config_dir)  # edits apply from the next run
        except conf.ConfigError as exc:
            log_event(
                "config_invalid",
                f"配置有误，任务 {job_id} 未执行：" + "；".join(map(str, exc.problems[:5])),
                logging.ERROR,
                job=job_id,
                problems=len(exc.problems),
            )
            return None
        # The sites as configured now (a site added to sites.yaml joins the next run); the
        # cron lines themselves change only when the scheduler restarts.
        job = {j.id: j for j in plan_jobs(config)}.get(job_id)
        if job is None:
            log_event(
                "job_unknown", f"配置中已没有任务 {job_id}，跳过", logging.WARNING, job=job_id
            )
            return None
        lock = RunLock(
            self.st.engine, AUDIT_LOCK, f"gongkai schedule（任务 {job_id}）", self.settings.lock_ttl
        )

        def waiting(holder: LockHolder) -> None:
            log_event(
                "lock_wait",
                f"任务 {job_id} 等待运行锁：{holder.describe(self.tz)}",
                job=job_id,
                holder=holder.owner,
                holder_pid=holder.pid,
                holder_run=holder.run_id,
            )

        log_event(
            "audit_due",
            f"任务 {job_id} 到期（第 {attempt} 次尝试）",
            job=job_id,
            fire_time=fire_time,
            attempt=attempt,
        )
        run_id = None
        try:
            if not lock.acquire(wait=True, should_stop=self.stop_event.is_set, on_wait=waiting):
                log_event("job_cancelled", f"调度器停止，任务 {job_id} 未开始", job=job_id)
                return None
            run_id = self._audit(config, job, lock, fire_time, attempt)
            return run_id
        finally:
            lock.release()
            log_event("audit_done", f"任务 {job_id} 结束", job=job_id, run=run_id)

    def _audit(
        self,
        config: conf.Config,
        job: AuditJob,
        lock: RunLock,
        fire_time: dt.datetime,
        attempt: int,
    ) -> int | None:
        """Crawl (new run or resumed), check and report one job's sites; the lock is held."""
        from cli import do_check
        from crawlers.run import STOPPED, TIMED_OUT, run_crawl

        found = find_run(self.st, job.sites, fire_time)
        if found is not None and found.status == "complete":
            log_event(
                "audit_skipped",
                f"任务 {job.id} 已由第 {found.id} 次检查完成，跳过",
                job=job.id,
                run=found.id,
                fire_time=fire_time,
            )
            return found.id
        if found is not None:
            run = self.st.reopen_run(found.id)
            run_id = run.id
            log_event(
                "run_resumed",
                f"续抓第 {run_id} 次检查（任务 {job.id}，第 {attempt} 次尝试）",
                job=job.id,
                run=run_id,
                attempt=attempt,
                stored=len(self.st.fetched_urls(run_id)),
            )
        else:
            as_of = _aware(fire_time).astimezone(self.tz).date()
            chosen = [s for s in config.sites if s.id in job.sites]
            run_id = self.st.start_run(as_of, str(config.root), chosen)
            run = self.st.get_run(run_id)
            log_event(
                "run_started",
                f"开始第 {run_id} 次检查（任务 {job.id}，{len(chosen)} 个站点）",
                job=job.id,
                run=run_id,
                as_of=as_of,
                sites=len(chosen),
                fire_time=fire_time,
            )
        lock.set_run(run_id)
        log_dir = Path("var") / "logs"
        code = run_crawl(
            Path(config.root),
            self.st.url,
            run_id,
            [s.site_id for s in self.st.run_sites(run_id)],
            log_file=log_dir / f"crawl-run-{run_id}.log",
            progress=lambda line: log_event("crawl_progress", line, run=run_id),
            time_limit=config.settings.crawl.time_limit,
            should_stop=lambda: self.stop_event.is_set() or lock.lost.is_set(),
            stop_grace=self.stop_grace,
        )
        counts = self.st.page_counts(run_id)
        pages = sum(c["pages"] for c in counts.values())
        errors = sum(c["errors"] for c in counts.values())
        if code != 0:
            reason = {TIMED_OUT: "timeout", STOPPED: "stopped"}.get(code, str(code))
            stats = {**self.st.get_run(run_id).stats, "crawl_exit": reason}
            self.st.finish_run(run_id, "incomplete", stats)
            why = {
                "timeout": f"超过时限 {config.settings.crawl.time_limit:g} 秒被停止",
                "stopped": "因调度器停止而中止",
            }.get(reason, f"异常退出（{reason}）")
            fields = {"job": job.id, "run": run_id, "reason": reason, "pages": pages}
            if code == STOPPED:
                log_event(
                    "crawl_stopped", f"第 {run_id} 次检查的抓取{why}，下次启动时续抓", **fields
                )
            elif attempt < self.settings.max_attempts:
                retry_at = _utcnow() + dt.timedelta(seconds=self.settings.retry_delay)
                self.aps.add_job(
                    run_scheduled,
                    "date",
                    run_date=retry_at,
                    id=f"retry:{job.id}:{run_id}",
                    name=f"续抓第 {run_id} 次检查",
                    kwargs={"job_id": job.id, "fire_time": fire_time, "attempt": attempt + 1},
                    jobstore="default",
                    replace_existing=True,
                )
                log_event(
                    "crawl_failed",
                    f"第 {run_id} 次检查的抓取{why}，将于 {format_time(retry_at, self.tz)} 续抓",
                    logging.WARNING,
                    attempt=attempt,
                    retry_at=retry_at,
                    **fields,
                )
            else:
                log_event(
                    "run_abandoned",
                    f"第 {run_id} 次检查的抓取{why}，已尝试 {attempt} 次，不再重试；"
                    f"可手动运行 gongkai run --resume {run_id}",
                    logging.ERROR,
                    attempt=attempt,
                    **fields,
                )
            return run_id
        do_check(
            config,
            self.st,
            run_id,
            run.as_of,
            lambda line: log_event("check_progress", line, run=run_id),
        )
        finished = self.st.get_run(run_id)
        verdicts = verdict_counts(self.st.scores(run_id))
        fails = sum(o.status == "fail" for o in self.st.outcomes(run_id))
        report = self.report(config)
        mailed = self.mail(config, run_id)
        duration = (finished.finished_at or _utcnow()) - finished.started_at
        log_event(
            "run_finished",
            f"第 {run_id} 次检查完成：{pages} 个网址，用时 {format_duration(duration.total_seconds())}",
            job=job.id,
            run=run_id,
            status=finished.status,
            pages=pages,
            errors=errors,
            failed_rules=fails,
            verdicts=",".join(f"{k}:{v}" for k, v in verdicts.items()) or None,
            seconds=round(duration.total_seconds(), 1),
            report=report,
            mailed=mailed,
        )
        return run_id

    def report(self, config: conf.Config) -> Path | None:
        """Render the latest complete run of every configured site into report_dir."""
        from reports.latest import write_latest_report

        if not self.settings.report_dir:
            return None
        try:
            return write_latest_report(
                self.st, Path(self.settings.report_dir), [s.id for s in config.sites]
            )
        except Exception as exc:  # the run is stored either way; say why the report is missing
            log_event("report_failed", f"报告生成失败：{exc}", logging.ERROR)
            return None

    def mail(self, config: conf.Config, run_id: int) -> bool | None:
        """Email the run as `gongkai run` does when settings.yaml has email.send_on_run (issue
        5's delivery); return whether every mail went out (None: not configured)."""
        email = getattr(config.settings, "email", None)
        if email is None or not email.send_on_run:
            return None
        from cli import deliver

        hint = f"gongkai email --run {run_id} --config {config.root}"
        try:
            ok = bool(deliver(email, self.st, run_id, resend_hint=hint))
        except Exception as exc:  # the run and its report stay; the event says how to resend
            log_event(
                "email_failed", f"邮件发送失败：{exc}；可运行 {hint}", logging.ERROR, run=run_id
            )
            return False
        if ok:
            log_event("email_sent", f"第 {run_id} 次检查的结果已发送", run=run_id)
        else:
            log_event("email_failed", f"邮件未全部发出；可运行 {hint}", logging.ERROR, run=run_id)
        return ok

    def probe(self) -> None:
        """Probe each site's home page once and store the results (crawlers/probe.py); the
        event counts failures as site_unreachable judges them (checks.context.probe_failed)."""
        from checks.context import probe_failed
        from crawlers.probe import probe_sites

        probes = probe_sites(self.config, self.st)
        statuses = blocked_statuses(self.config)
        verdicts = {p.site_id: probe_failed(p, statuses) for p in probes}
        failed = sorted(sid for sid, v in verdicts.items() if v)
        blocked = sorted(sid for sid, v in verdicts.items() if v is None)
        msg = f"探测 {len(probes)} 个站点首页，{len(failed)} 个失败"
        if blocked:
            codes = "/".join(map(str, statuses))
            msg += f"，{len(blocked)} 个疑似被拦截（HTTP {codes}，不计为失败）"
        log_event(
            "probes_done",
            msg,
            sites=len(probes),
            failed=len(failed),
            blocked=len(blocked),
            failed_sites=",".join(failed) or None,
            blocked_sites=",".join(blocked) or None,
        )


def verdict_counts(cards: list[dict[str, Any]]) -> dict[str, int]:
    """Count scorecard verdicts (合格 / 预警 / 不合格) of a run."""
    counts: dict[str, int] = {}
    for card in cards:
        counts[card["verdict"]] = counts.get(card["verdict"], 0) + 1
    return counts


def run_foreground(config_dir: Path | str, db_url: str | None = None) -> int:
    """`gongkai schedule`: run until SIGINT/SIGTERM, then stop cleanly; return 0."""
    sched = Scheduler(config_dir, db_url)
    setup_logging(sched.config.settings.log, sched.settings.timezone, stderr=True)

    def on_signal(signum: int, _frame: Any) -> None:
        sched.stop_event.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        sched.start()
        print(
            f"gongkai 调度器已启动（时区 {sched.settings.timezone}，数据库 {sched.st.display_url}）："
        )
        for line in next_runs_lines(sched.st, sched.config):
            print("  " + line)
        print("按 Ctrl-C 停止。", flush=True)
        while not sched.stop_event.wait(0.5):
            pass
    finally:
        sched.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
        sched.st.close()
    return 0


# --- status -------------------------------------------------------------------------------------


def stored_jobs(st: Store) -> list[Any]:
    """Return the scheduler's stored jobs (empty when no scheduler has run on this database)."""
    if not sa.inspect(st.engine).has_table(JOBS_TABLE):
        return []
    store = SQLAlchemyJobStore(engine=st.engine, tablename=JOBS_TABLE)
    return list(store.get_all_jobs())


def next_runs_lines(st: Store, config: conf.Config) -> list[str]:
    """Describe the scheduled jobs and their next run times, from the job store."""
    tz = zoneinfo.ZoneInfo(config.settings.schedule.timezone)
    plan = {f"audit:{j.id}": j for j in plan_jobs(config)}
    lines = []
    stored = stored_jobs(st)
    for job in stored:
        planned = plan.get(job.id)
        if planned is not None:
            sites = (
                f"{len(planned.sites)} 个站点"
                if len(planned.sites) > 3
                else "、".join(planned.sites)
            )
            what = f"{planned.title}（{planned.cron}，{sites}）"
        elif job.id.startswith("retry:"):
            what = f"{job.name}（第 {job.kwargs.get('attempt')} 次尝试）"
        else:
            what = job.name
        when = format_time(job.next_run_time, tz)
        if job.next_run_time is not None and job.next_run_time < _utcnow():
            when += " 已过期（调度器未运行？）"
        lines.append(f"{when}  {what}")
    missing = [j for key, j in plan.items() if key not in {job.id for job in stored}]
    for j in missing:
        nxt = parse_cron(j.cron, tz).get_next_fire_time(None, _utcnow().astimezone(tz))
        lines.append(f"{format_time(nxt, tz)}  {j.title}（{j.cron}）未登记：调度器启动后生效")
    return sorted(lines)


def status_text(st: Store, config: conf.Config, limit: int = 10) -> str:
    """`gongkai status`: scheduled jobs, schedulers, the lock holder and the last runs."""
    tz = zoneinfo.ZoneInfo(config.settings.schedule.timezone)
    now = _utcnow()
    out = [f"调度任务（时区 {config.settings.schedule.timezone}）："]
    jobs = next_runs_lines(st, config)
    out += ["  " + line for line in jobs] or ["  （没有安排任何任务）"]
    with st.engine.connect() as conn:
        rows = conn.execute(
            sa.select(locks_t).where(locks_t.c.name.like("scheduler:%")).order_by(locks_t.c.name)
        ).all()
    schedulers = [h for h in map(_holder, rows) if not h.stale(now)]
    if schedulers:
        for h in schedulers:
            out.append(
                f"调度器：运行中（主机 {h.host}，进程 {h.pid}，自 {format_time(h.acquired_at, tz)} 起）"
            )
    else:
        out.append("调度器：未运行（gongkai schedule 启动后按计划执行）")
    holder = read_lock(st.engine, AUDIT_LOCK)
    active: int | None = None
    if holder is None:
        out.append("运行锁：空闲，没有正在进行的检查")
    elif holder.stale(now):
        out.append(f"运行锁：上一持有者已失联（{holder.describe(tz)}），下一项检查将接管")
    else:
        active = holder.run_id
        out.append(f"运行锁：{holder.describe(tz)}")
    out += ["", f"最近 {limit} 次检查："]
    runs = st.runs()[-limit:][::-1]
    if not runs:
        out.append("  （数据库中还没有检查记录）")
        return "\n".join(out)
    from cli import format_table

    table = []
    for run in runs:
        counts = st.page_counts(run.id)
        status = run.status
        if status == "running" and run.id != active:
            status = "interrupted"  # nobody holds the lock for it: its process died
        if run.finished_at is not None:
            took = format_duration((run.finished_at - run.started_at).total_seconds())
        elif status == "running":
            took = "已 " + format_duration((now - run.started_at).total_seconds())
        else:
            took = "—"
        verdicts = verdict_counts(st.scores(run.id))
        table.append(
            [
                run.id,
                run.as_of.isoformat(),
                STATUS_LABELS.get(status, status),
                format_time(run.started_at, tz),
                took,
                len(st.run_sites(run.id)),
                sum(c["pages"] for c in counts.values()),
                sum(c["errors"] for c in counts.values()),
                sum(o.status == "fail" for o in st.outcomes(run.id)),
                " ".join(f"{k} {v}" for k, v in sorted(verdicts.items())) or "—",
            ]
        )
    headers = ["编号", "检查日期", "状态", "开始", "用时", "站点", "网址", "出错", "不通过", "结论"]
    out += ["  " + line for line in format_table(headers, table).splitlines()]
    return "\n".join(out)
