"""The report of each site's latest complete run (issue 6): `gongkai run --site ID` re-runs one
site, and the week's report still shows every other site from the run that last covered it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from checks.history import History
from checks.model import Finding, Outcome
from reports.archive import load_archive
from reports.render import write_report
from store import Store, StoreError, run_sites_t, runs_t


def latest_complete_runs(st: Store, site_ids: Iterable[str] | None = None) -> dict[str, int]:
    """Map each site (of `site_ids`, default every site ever run) to the newest complete run
    that covered it; sites never completed are absent."""
    query = (
        sa.select(run_sites_t.c.site_id, sa.func.max(runs_t.c.id).label("run_id"))
        .join(runs_t, runs_t.c.id == run_sites_t.c.run_id)
        .where(runs_t.c.status == "complete")
        .group_by(run_sites_t.c.site_id)
    )
    wanted = set(site_ids) if site_ids is not None else None
    with st.engine.connect() as conn:
        rows = conn.execute(query).all()
    return {r.site_id: int(r.run_id) for r in rows if wanted is None or r.site_id in wanted}


def _rank(cards: list[dict[str, Any]]) -> None:
    """Re-rank scorecards drawn from several runs, as checks.scoring ranks one run's: per
    framework, overall and within the group; higher score first, vetoed sites tied last."""

    def key(card: dict[str, Any]) -> tuple[bool, float]:
        return (card["score"] is None, -(card["score"] or 0.0))

    def rank(members: list[dict[str, Any]], attr: str, size_attr: str) -> None:
        ordered = sorted(members, key=key)
        for i, card in enumerate(ordered):
            prev = ordered[i - 1] if i else None
            card[attr] = prev[attr] if prev is not None and key(prev) == key(card) else i + 1
            card[size_attr] = len(members)

    for framework in {c["framework"] for c in cards}:
        mine = [c for c in cards if c["framework"] == framework]
        rank(mine, "rank_overall", "overall_size")
        for group in {c["group"] for c in mine}:
            rank([c for c in mine if c["group"] == group], "rank_group", "group_size")


def write_latest_report(st: Store, out_dir: Path, site_ids: Iterable[str] | None = None) -> Path:
    """Write one report of every site's latest complete run; return index.html's path."""
    chosen = latest_complete_runs(st, site_ids)
    if not chosen:
        raise StoreError("数据库中还没有完成的检查，无法生成报告")
    by_run: dict[int, set[str]] = {}
    for site, run_id in chosen.items():
        by_run.setdefault(run_id, set()).add(site)
    sites: list[dict[str, Any]] = []
    findings: list[Finding] = []
    outcomes: list[Outcome] = []
    cards: list[dict[str, Any]] = []
    previous: dict[str, tuple[int, str] | None] = {}
    resolved: list[Finding] = []
    with_history = False
    used: dict[str, str] = {}
    runs = {run_id: st.get_run(run_id) for run_id in by_run}
    for run_id in sorted(by_run):
        mine = by_run[run_id]
        for s in st.run_sites(run_id):
            if s.site_id in mine:
                sites.append(
                    {
                        "id": s.site_id,
                        "name": s.name,
                        "kind": s.kind,
                        "sector": s.sector,
                        "regulator": s.regulator,
                        "start_urls": list(s.start_urls),
                        "profile": s.profile,
                    }
                )
                used[s.site_id] = f"第 {run_id} 次（{runs[run_id].as_of.isoformat()}）"
        findings += [f for f in st.findings(run_id) if f.site in mine]
        outcomes += [o for o in st.outcomes(run_id) if o.site in mine]
        cards += [c for c in st.scores(run_id) if c["site"] in mine]
        history = st.history(run_id)
        if history is not None:
            with_history = True
            previous.update({k: v for k, v in history.previous.items() if k in mine})
            resolved += [f for f in history.resolved if f.site in mine]
    _rank(cards)
    newest = runs[max(runs)]
    run = {
        "id": newest.id,
        "as_of": max(r.as_of for r in runs.values()).isoformat(),
        "started_at": str(min(r.started_at for r in runs.values())),
        "finished_at": str(max(r.finished_at or r.started_at for r in runs.values())),
        "status": "complete",
        "config_dir": newest.config_dir,
        # Which run each site's results come from, when they come from more than one.
        "stats": {"各站点所用检查": dict(sorted(used.items()))} if len(runs) > 1 else newest.stats,
    }
    return write_report(
        out_dir,
        run,
        sites,
        findings,
        outcomes,
        history=History(previous=previous, resolved=resolved) if with_history else None,
        scores=cards,
        archive=load_archive(st, max(runs)),
    )
