"""Evaluate every applicable rule on every site's snapshot; apply mutes; summarise outcomes."""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

import conf
from checks.context import RuleContext, probe_window
from checks.lexicon import clear_compact_memo
from checks.model import Finding, Outcome, Probe, SiteSnapshot, Status
from checks.registry import kinds

# Loads one site's snapshot by site id; None when the run did not crawl the site.
SnapshotLoader = Callable[[str], SiteSnapshot | None]


class ProbeSource(Protocol):
    """What attach_probes needs of the store (store.Store)."""

    def probes(
        self, site: str, since: dt.datetime | None = None, until: dt.datetime | None = None
    ) -> list[Probe]: ...


# Worst first: an outcome takes the worst status among its findings (pass when none).
SEVERITY_ORDER: dict[Status, int] = {"fail": 0, "error": 1, "warn": 2, "muted": 3, "pass": 4}


def applies(rule: conf.Rule, site: conf.Site) -> bool:
    """Return whether a rule's applies_to selects a site (each empty list means all)."""
    scope = rule.applies_to
    if scope.kinds and site.kind not in scope.kinds:
        return False
    if scope.sectors and site.sector not in scope.sectors:
        return False
    return not scope.sites or site.id in scope.sites


def evaluate(
    rule: conf.Rule,
    site: conf.Site,
    snapshot: SiteSnapshot | None,
    now: dt.date,
    config_root: Path | None = None,
) -> list[Finding]:
    """Run one rule on one site; any problem becomes a single `error` finding, never a raise.

    `config_root` (the config directory) lets params name files beside the rules (lexicons).
    """
    stub = RuleContext(snapshot=snapshot, site=site, rule=rule, now=now)  # type: ignore[arg-type]
    if snapshot is None:
        return [stub.error("抓取数据", "本次运行没有该网站的抓取数据，无法执行检查。")]
    kind = kinds().get(rule.check)
    if kind is None:
        known = "、".join(sorted(kinds()))
        return [stub.error("规则配置", f"未知的检查类型“{rule.check}”（可选：{known}）。")]
    try:
        context = {"config_root": config_root} if config_root is not None else None
        params = kind.params_model.model_validate(rule.params, context=context)
    except ValidationError as exc:
        problems = "；".join(
            f"{'.'.join(map(str, e['loc'])) or '参数'}: {e['msg']}" for e in exc.errors()
        )
        return [stub.error("规则配置", f"规则参数无效：{problems}。", params=rule.params)]
    try:
        return list(kind.fn(stub, params))
    except Exception as exc:  # the per-rule boundary: one broken kind must not stop the audit
        return [
            stub.error(
                "规则执行",
                f"规则执行出错：{type(exc).__name__}: {exc}。",
                exception=type(exc).__name__,
                detail=str(exc),
            )
        ]


def apply_mutes(findings: list[Finding], mutes: list[conf.Mute], now: dt.date) -> list[Finding]:
    """Return findings with those covered by an unexpired mute turned into status `muted`."""
    active = [m for m in mutes if m.expires >= now]
    out = []
    for f in findings:
        mute = next(
            (
                m
                for m in active
                if m.rule == f.rule
                and fnmatchcase(f.site, m.site)
                and fnmatchcase(f.subject, m.subject)
                and f.status != "pass"
            ),
            None,
        )
        out.append(
            replace(
                f,
                status="muted",
                mute_reason=mute.reason,
                mute_expires=mute.expires.isoformat(),
            )
            if mute
            else f
        )
    return out


def worst(statuses: list[Status]) -> Status:
    """Return the worst status (fail > error > warn > muted > pass); pass when empty."""
    return min(statuses, key=SEVERITY_ORDER.__getitem__, default="pass")


def attach_probes(st: ProbeSource, snapshots: dict[str, SiteSnapshot], now: dt.date) -> None:
    """Give each snapshot its site's stored probes of the week before `now` (probe_window).

    Loaded here, not by the check: a check never touches the network, the clock or the store.
    """
    since, until = probe_window(now)
    for site_id, snapshot in snapshots.items():
        snapshot.probes = st.probes(site_id, since, until)


class SnapshotSource(ProbeSource, Protocol):
    """What stored_snapshots needs of the store (store.Store)."""

    def load_snapshot(self, run_id: int, site_id: str) -> SiteSnapshot: ...


def stored_snapshots(
    st: SnapshotSource, run_id: int, site_ids: Collection[str], now: dt.date
) -> SnapshotLoader:
    """Return a loader of run `run_id`'s stored snapshots, one site per call, each with its
    probes attached as attach_probes does; None for a site the run did not crawl.

    run_checks calls it site by site, so a run is never held in memory whole (issue 7).
    """
    since, until = probe_window(now)
    crawled = frozenset(site_ids)

    def load(site_id: str) -> SiteSnapshot | None:
        if site_id not in crawled:
            return None
        snapshot = st.load_snapshot(run_id, site_id)
        snapshot.probes = st.probes(site_id, since, until)
        return snapshot

    return load


def check_site(
    site: conf.Site, snapshot: SiteSnapshot | None, config: conf.Config, now: dt.date
) -> tuple[list[Finding], list[Outcome]]:
    """Evaluate each rule that applies to one site on its snapshot (unsorted results)."""
    findings: list[Finding] = []
    outcomes: list[Outcome] = []
    if snapshot is not None:
        snapshot.memo = {}  # the rules below share what they derive from it (issue 7)
    try:
        for rule in config.rules:
            if not applies(rule, site):
                continue
            found = apply_mutes(evaluate(rule, site, snapshot, now, config.root), config.mutes, now)
            findings.extend(found)
            outcomes.append(
                Outcome(
                    site=site.id,
                    rule=rule.id,
                    check=rule.check,
                    status=worst([f.status for f in found]),
                    findings=len(found),
                    title=rule.title,
                    basis=rule.basis,
                    severity=rule.severity,
                )
            )
    finally:
        if snapshot is not None:
            snapshot.memo = None
    return findings, outcomes


def run_checks(
    snapshots: Mapping[str, SiteSnapshot] | SnapshotLoader,
    config: conf.Config,
    now: dt.date,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Finding], list[Outcome]]:
    """Evaluate each applicable rule on each configured site at audit date `now`.

    `snapshots` maps site ids to snapshots, or is a function loading one site's snapshot (None:
    not crawled). Given a function, each site is loaded, checked and dropped before the next
    one is loaded, so memory holds one site's crawl whatever the number of sites (issue 7).
    `progress` receives Chinese progress lines (CheckProgress).
    """
    load = snapshots.get if isinstance(snapshots, Mapping) else snapshots
    per_site = (_load_and_check(load, site, config, now) for site in config.sites)
    return _collect(per_site, len(config.sites), progress)


def _collect(
    per_site: Iterable[tuple[list[Finding], list[Outcome]]],
    sites: int,
    progress: Callable[[str], None] | None,
) -> tuple[list[Finding], list[Outcome]]:
    """Gather each site's results as they come (counting them for `progress`), in run order."""
    findings: list[Finding] = []
    outcomes: list[Outcome] = []
    counter = CheckProgress(sites, progress)
    for found, done in per_site:
        findings.extend(found)
        outcomes.extend(done)
        counter.site_done(len(found))
    counter.finish()
    return _ordered(findings, outcomes)


class CheckProgress:
    """Progress lines while a run's sites are checked: a 300-site city takes a minute or more
    (issue 7), and an operator should see it move, as the crawl's 进度 lines do."""

    def __init__(
        self,
        total: int,
        emit: Callable[[str], None] | None,
        interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Count `total` sites; send a line to `emit` at most every `interval` seconds."""
        self.total, self.emit, self.interval, self.clock = total, emit, interval, clock
        self.done = self.results = 0
        self.started = self.last = clock()

    def line(self, final: bool = False) -> str:
        """Return the progress line for the sites checked so far."""
        elapsed = self.clock() - self.started
        head = "检查完成" if final else "检查进度"
        return (
            f"{head}：已检查 {self.done}/{self.total} 个站点，{self.results:,} 条结果，"
            f"用时 {elapsed:.0f}s"
        )

    def site_done(self, results: int) -> None:
        """Count one checked site and its results; emit a line when `interval` has passed."""
        self.done += 1
        self.results += results
        if self.emit is not None and self.done < self.total:
            now = self.clock()
            if now - self.last >= self.interval:
                self.last = now
                self.emit(self.line())

    def finish(self) -> None:
        """Emit the closing line (every site checked)."""
        if self.emit is not None and self.total:
            self.emit(self.line(final=True))


def _load_and_check(
    load: SnapshotLoader, site: conf.Site, config: conf.Config, now: dt.date
) -> tuple[list[Finding], list[Outcome]]:
    """Load one site's snapshot, check it and drop it, with the cyclic garbage collector off.

    A snapshot is a few hundred thousand objects without reference cycles: the collector
    would walk them again and again while they are built and read (a quarter of the time of a
    3,000-page site, issue 7). They are freed by reference counting when the site is done;
    what little cyclic garbage the checks leave is collected once the collector is back on.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        snapshot = load(site.id)
        found, done = check_site(site, snapshot, config, now)
        # Drop this site's snapshot before the next one is loaded (the peak is one site).
        del snapshot
        return found, done
    finally:
        clear_compact_memo()  # its texts were compacted once for all its rules; not kept on
        if paused:
            gc.enable()


def _ordered(
    findings: list[Finding], outcomes: list[Outcome]
) -> tuple[list[Finding], list[Outcome]]:
    """Sort a run's results as they are saved and reported."""
    findings.sort(key=lambda f: (f.site, f.rule, f.subject, f.status, f.message))
    outcomes.sort(key=lambda o: (o.site, o.rule))
    return findings, outcomes


# Fewer sites than this are checked in the calling process: starting workers (each imports the
# checks and loads jieba once, a second or two) costs more than a handful of sites' checks.
PARALLEL_MIN_SITES = 20


def check_workers(setting: int | None, sites: int) -> int:
    """Return how many processes should check `sites` sites (settings.yaml checks.workers)."""
    if sites < PARALLEL_MIN_SITES:
        return 1
    return max(1, min(setting or os.cpu_count() or 1, sites))


def open_stored_snapshots(
    url: str, schema: str | None, run_id: int, site_ids: Collection[str], now: dt.date
) -> SnapshotLoader:
    """Open the store at `url` (a worker's own connection) and return stored_snapshots of it;
    picklable with functools.partial, for run_checks_in_processes."""
    from store import Store

    return stored_snapshots(Store(url, schema=schema), run_id, site_ids, now)


# A worker's state, set once by _start_worker: the config, audit date and its own loader.
_WORKER: tuple[SnapshotLoader, conf.Config, dt.date] | None = None


def _start_worker(
    parent: int, open_loader: Callable[[], SnapshotLoader], config: conf.Config, now: dt.date
) -> None:
    """Set up a check worker: its own loader (database connection), and a watch that exits as
    soon as the checking process is gone (killed, say by a time limit or the OOM killer),
    instead of waiting forever for sites that will never come."""
    global _WORKER
    _WORKER = (open_loader(), config, now)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _check_site_at(index: int) -> tuple[list[Finding], list[Outcome]]:
    """In a worker: load, check and drop the site at `index` of the config."""
    assert _WORKER is not None, "not a check worker"
    load, config, now = _WORKER
    return _load_and_check(load, config.sites[index], config, now)


def run_checks_in_processes(
    open_loader: Callable[[], SnapshotLoader],
    config: conf.Config,
    now: dt.date,
    workers: int,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Finding], list[Outcome]]:
    """run_checks over `workers` processes, site by site (issue 7: both cores of a 2-core
    server), with the same results. Each worker calls `open_loader` once for a loader of its
    own (its own database connection; see open_stored_snapshots) and holds one site's snapshot
    at a time. Workers are spawned, not forked: the caller may run threads (the run lock's
    heartbeat) whose locks a forked child would inherit held. `open_loader` and `config` are
    pickled to each worker once; then only site indexes and results travel.
    """
    if workers <= 1:
        return run_checks(open_loader(), config, now, progress)
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(), open_loader, config, now),
    ) as pool:
        # In site order, as run_checks goes.
        per_site = pool.map(_check_site_at, range(len(config.sites)))
        return _collect(per_site, len(config.sites), progress)
