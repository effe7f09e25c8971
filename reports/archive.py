"""The stored runs behind a report (issue 5): trend points, each site's score history, and
what changed in each run against its predecessor (the archive and diff pages).

Read straight from the store with aggregate queries — counts per run, scores pulled out of
the stored scorecards with JSON path expressions, and only the new and resolved findings of
the runs that get a diff page — so a year of weekly runs over hundreds of sites stays cheap:
the report never loads every finding of every run.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from reports.context import PROBLEM_STATUSES, LinkView, link_view
from store import (
    Store,
    findings_t,
    resolved_t,
    run_sites_t,
    scores_t,
    site_history_t,
)

# Runs shown in the trend charts (half a year of weekly runs) and runs given a diff page; the
# archive index lists every run. Caps keep the report fast as history grows (peers.md: Great
# Expectations' validation_results_limit, #3396).
TREND_MAX = 26
DIFF_MAX = 12
# New and resolved problems listed on an earlier run's diff page (the report's own run lists
# all): the most severe first; the per-site counts above the lists are always complete.
DIFF_ITEMS_MAX = 200
# Problems counted in the trend by severity: failures and warnings (无法检查 and muted
# findings are not problems found on the site).
TREND_STATUSES = ("fail", "warn")
SEVERITIES = ("high", "medium", "low")
SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class RunPoint:
    """One stored run as the archive shows it."""

    id: int
    as_of: str  # ISO date
    status: str
    started_at: str
    finished_at: str | None
    sites: int
    findings: dict[str, int]  # per status
    problems: dict[str, int]  # fail + warn findings per severity
    new: int | None  # problems first found by this run; None: checked without history
    resolved: int | None
    verdicts: dict[str, dict[str, int]]  # framework → verdict → sites
    mean_scores: dict[str, float | None]  # framework → mean score of the scored sites
    diff: bool = False  # a diff page is written for it

    @property
    def complete(self) -> bool:
        """Return whether the run finished (only complete runs are trend points)."""
        return self.status == "complete"


@dataclass(frozen=True)
class ScorePoint:
    """A site's scorecard result on one run."""

    run: int
    as_of: str
    score: float | None
    verdict: str


@dataclass(frozen=True)
class DiffItem:
    """A problem that appeared (new) or disappeared (resolved) in a run."""

    site: str
    site_name: str
    sector: str | None
    regulator: str | None
    rule: str
    title: str
    severity: str
    status: str  # its status now (new) or on the previous run (resolved)
    subject: str
    url: LinkView | None
    message: str
    first_seen: str | None


@dataclass(frozen=True)
class VerdictChange:
    """A site whose verdict or score under a framework changed against its previous run."""

    site: str
    site_name: str
    sector: str | None
    framework: str
    framework_title: str
    before: ScorePoint
    after: ScorePoint

    @property
    def delta(self) -> float | None:
        """Return the score change (None when either side was vetoed)."""
        if self.before.score is None or self.after.score is None:
            return None
        return round(self.after.score - self.before.score, 2)


@dataclass(frozen=True)
class SiteChange:
    """One site's counts of new and resolved problems in a run."""

    site: str
    site_name: str
    sector: str | None
    new: int
    resolved: int


@dataclass(frozen=True)
class RunDiff:
    """What changed in a run against each site's previous complete run."""

    run: RunPoint
    previous: tuple[tuple[int, str], ...]  # (run id, as_of) compared with, oldest first
    first_sites: int  # sites checked for the first time
    new: tuple[DiffItem, ...]  # the most severe first; capped except for the report's run
    resolved: tuple[DiffItem, ...]
    verdicts: tuple[VerdictChange, ...]
    history: bool  # False: the run was checked without history; nothing to compare
    new_total: int = 0
    resolved_total: int = 0
    sites: tuple[SiteChange, ...] = ()  # sites with a new or resolved problem

    @property
    def capped(self) -> bool:
        """Return whether the item lists leave problems out."""
        return len(self.new) < self.new_total or len(self.resolved) < self.resolved_total


@dataclass(frozen=True)
class Archive:
    """The stored runs up to the report's run."""

    runs: tuple[RunPoint, ...]  # every run up to the report's, oldest first
    frameworks: dict[str, str]  # id → title, in the order first seen
    site_scores: dict[str, dict[str, tuple[ScorePoint, ...]]] = field(default_factory=dict)
    site_problems: dict[str, tuple[tuple[int, str, int], ...]] = field(default_factory=dict)
    diffs: tuple[RunDiff, ...] = ()  # newest first

    @property
    def trend(self) -> tuple[RunPoint, ...]:
        """Return the complete runs shown in the trend charts, oldest first."""
        return tuple(r for r in self.runs if r.complete)[-TREND_MAX:]


def _iso(value: Any) -> str:
    """Return a stored date or datetime as ISO text."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _in(column: sa.ColumnElement[Any], ids: Iterable[int]) -> sa.ColumnElement[bool]:
    """Return `column IN ids` (the id lists here are small: runs, not findings)."""
    return column.in_(sorted(set(ids)))


def _diff_items(
    rows: Iterable[sa.Row[Any]], names: Mapping[tuple[int, str], tuple[str, str | None, str | None]]
) -> dict[int, list[DiffItem]]:
    """Group finding rows into DiffItems per run id."""
    out: dict[int, list[DiffItem]] = defaultdict(list)
    for r in rows:
        name, sector, regulator = names.get((r.run_id, r.site), (r.site, None, None))
        out[r.run_id].append(
            DiffItem(
                site=r.site,
                site_name=name,
                sector=sector,
                regulator=regulator,
                rule=r.rule,
                title=r.title or r.rule,
                severity=r.severity,
                status=r.status,
                subject=r.subject,
                url=link_view(r.url) if r.url else None,
                message=r.message,
                first_seen=r.first_seen.isoformat() if r.first_seen else None,
            )
        )
    for items in out.values():
        items.sort(
            key=lambda d: (
                SEVERITY_ORDER.get(d.severity, 9),
                d.site_name,
                d.site,
                d.rule,
                d.subject,
            )
        )
    return out


def load_archive(
    st: Store, run_id: int, *, trend_max: int = TREND_MAX, diff_max: int = DIFF_MAX
) -> Archive:
    """Return the archive of the runs up to `run_id` (by id: the order runs were started)."""
    runs = [r for r in st.runs() if r.id <= run_id]
    ids = [r.id for r in runs]
    if not ids:
        return Archive(runs=(), frameworks={})
    complete = [r.id for r in runs if r.status == "complete"]
    trend_ids = set(complete[-trend_max:])
    diff_ids = set(complete[-diff_max:]) | {run_id}
    f, rz, rs, sh, sc = findings_t.c, resolved_t.c, run_sites_t.c, site_history_t.c, scores_t.c
    score = sc.card["score"].as_float()
    with st.engine.connect() as conn:
        site_counts = dict(
            conn.execute(
                sa.select(rs.run_id, sa.func.count()).where(_in(rs.run_id, ids)).group_by(rs.run_id)
            ).all()
        )
        counts = conn.execute(
            sa.select(f.run_id, f.status, f.severity, f.change, sa.func.count())
            .where(_in(f.run_id, ids))
            .group_by(f.run_id, f.status, f.severity, f.change)
        ).all()
        per_site = conn.execute(
            sa.select(f.run_id, f.site, sa.func.count())
            .where(_in(f.run_id, trend_ids), f.status.in_(TREND_STATUSES))
            .group_by(f.run_id, f.site)
        ).all()
        resolved_counts = dict(
            conn.execute(
                sa.select(rz.run_id, sa.func.count()).where(_in(rz.run_id, ids)).group_by(rz.run_id)
            ).all()
        )
        with_history = {
            r[0]
            for r in conn.execute(
                sa.select(sh.run_id).where(_in(sh.run_id, ids)).group_by(sh.run_id)
            ).all()
        }
        cards = conn.execute(
            sa.select(
                sc.run_id,
                sc.site,
                sc.framework,
                score.label("score"),
                sc.card["verdict"].as_string().label("verdict"),
                sc.card["framework_title"].as_string().label("title"),
            )
            .where(_in(sc.run_id, ids))
            .order_by(sc.run_id, sc.id)
        ).all()
        previous = conn.execute(
            sa.select(sh.run_id, sh.site, sh.previous_run, sh.previous_as_of).where(
                _in(sh.run_id, diff_ids)
            )
        ).all()
        site_rows = conn.execute(
            sa.select(rs.run_id, rs.site_id, rs.name, rs.sector, rs.regulator).where(
                _in(rs.run_id, diff_ids | trend_ids)
            )
        ).all()
        is_new = (f.change == "new", f.status.in_(PROBLEM_STATUSES))
        site_new = conn.execute(
            sa.select(f.run_id, f.site, sa.func.count())
            .where(_in(f.run_id, diff_ids), *is_new)
            .group_by(f.run_id, f.site)
        ).all()
        site_gone = conn.execute(
            sa.select(rz.run_id, rz.site, sa.func.count())
            .where(_in(rz.run_id, diff_ids))
            .group_by(rz.run_id, rz.site)
        ).all()
        new_rows: list[sa.Row[Any]] = []
        gone_rows: list[sa.Row[Any]] = []
        for run in sorted(diff_ids):
            limit = None if run == run_id else DIFF_ITEMS_MAX
            for table, where, out in (
                (findings_t, is_new, new_rows),
                (resolved_t, (), gone_rows),
            ):
                c = table.c
                severity = sa.case(SEVERITY_ORDER, value=c.severity, else_=len(SEVERITY_ORDER))
                out += conn.execute(
                    sa.select(
                        c.run_id,
                        c.site,
                        c.rule,
                        c.title,
                        c.severity,
                        c.status,
                        c.subject,
                        c.url,
                        c.message,
                        c.first_seen,
                    )
                    .where(c.run_id == run, *where)
                    .order_by(severity, c.id)
                    .limit(limit)
                ).all()

    by_status: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_severity: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITIES, 0))
    new_counts: dict[int, int] = defaultdict(int)
    for run, status, severity, change, n in counts:
        by_status[run][status] += n
        if status in TREND_STATUSES:
            sev = by_severity[run]
            sev[severity] = sev.get(severity, 0) + n
        if change == "new" and status in PROBLEM_STATUSES:
            new_counts[run] += n

    frameworks: dict[str, str] = {}
    verdicts: dict[int, dict[str, dict[str, int]]] = defaultdict(dict)
    scored: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    as_of = {r.id: r.as_of.isoformat() for r in runs}
    site_scores: dict[str, dict[str, list[ScorePoint]]] = defaultdict(lambda: defaultdict(list))
    card_of: dict[tuple[int, str, str], ScorePoint] = {}
    cards_by_run: dict[int, list[tuple[str, str, ScorePoint]]] = defaultdict(list)
    for run, site, fw, value, verdict, title in cards:
        frameworks.setdefault(fw, title or fw)
        frameworks[fw] = title or frameworks[fw]  # the newest title wins
        vc = verdicts[run].setdefault(fw, {})
        vc[verdict] = vc.get(verdict, 0) + 1
        if value is not None:
            scored[run][fw].append(float(value))
        point = ScorePoint(run=run, as_of=as_of[run], score=value, verdict=verdict or "")
        card_of[(run, site, fw)] = point
        cards_by_run[run].append((site, fw, point))
        if run in trend_ids:
            site_scores[site][fw].append(point)

    points = []
    for r in runs:
        history = r.id in with_history
        points.append(
            RunPoint(
                id=r.id,
                as_of=r.as_of.isoformat(),
                status=r.status,
                started_at=_iso(r.started_at),
                finished_at=_iso(r.finished_at) or None,
                sites=int(site_counts.get(r.id, 0)),
                findings=dict(by_status.get(r.id, {})),
                problems=dict(by_severity.get(r.id, dict.fromkeys(SEVERITIES, 0))),
                new=new_counts.get(r.id, 0) if history else None,
                resolved=int(resolved_counts.get(r.id, 0)) if history else None,
                verdicts=verdicts.get(r.id, {}),
                mean_scores={
                    fw: round(sum(v) / len(v), 2) if (v := scored[r.id].get(fw)) else None
                    for fw in verdicts.get(r.id, {})
                },
                diff=r.id in diff_ids,
            )
        )
    by_id = {p.id: p for p in points}

    names = {(r.run_id, r.site_id): (r.name, r.sector, r.regulator) for r in site_rows}
    new_by_run = _diff_items(new_rows, names)
    gone_by_run = _diff_items(gone_rows, names)
    prev_of: dict[int, dict[str, tuple[int, str] | None]] = defaultdict(dict)
    for r in previous:
        prev_of[r.run_id][r.site] = (
            (int(r.previous_run), _iso(r.previous_as_of)) if r.previous_run is not None else None
        )
    changes_of: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for run, site, n in site_new:
        changes_of[run][site][0] = int(n)
    for run, site, n in site_gone:
        changes_of[run][site][1] = int(n)
    diffs = []
    for run in sorted(diff_ids, reverse=True):
        sites_prev = prev_of.get(run, {})
        changes = []
        for site, fw, after in cards_by_run.get(run, ()):
            if not (prev := sites_prev.get(site)):
                continue
            before = card_of.get((prev[0], site, fw))
            if before is None:
                continue
            if before.verdict != after.verdict or before.score != after.score:
                name, sector, _ = names.get((run, site), (site, None, None))
                changes.append(VerdictChange(site, name, sector, fw, frameworks[fw], before, after))
        changes.sort(key=lambda c: (list(frameworks).index(c.framework), c.site_name, c.site))
        diffs.append(
            RunDiff(
                run=by_id[run],
                previous=tuple(sorted({p for p in sites_prev.values() if p is not None})),
                first_sites=sum(p is None for p in sites_prev.values()),
                new=tuple(new_by_run.get(run, ())),
                resolved=tuple(gone_by_run.get(run, ())),
                verdicts=tuple(changes),
                history=run in with_history,
                new_total=new_counts.get(run, 0),
                resolved_total=int(resolved_counts.get(run, 0)),
                sites=tuple(
                    sorted(
                        (
                            SiteChange(site, *names.get((run, site), (site, None, None))[:2], n, r)
                            for site, (n, r) in changes_of.get(run, {}).items()
                        ),
                        key=lambda c: (-c.new, -c.resolved, c.site_name, c.site),
                    )
                ),
            )
        )

    # A site in a trend run with no problem row found none: count it as 0, not as absent.
    found = {(run, site): int(n) for run, site, n in per_site}
    problems: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    for run, site in sorted((r.run_id, r.site_id) for r in site_rows if r.run_id in trend_ids):
        problems[site].append((run, as_of[run], found.get((run, site), 0)))
    return Archive(
        runs=tuple(points),
        frameworks=frameworks,
        site_scores={s: {fw: tuple(v) for fw, v in m.items()} for s, m in site_scores.items()},
        site_problems={s: tuple(v) for s, v in problems.items()},
        diffs=tuple(diffs),
    )
