"""View models of the report's overview extras and its other pages (issue 5): per-sector pages
for regulators, per-rule pages with the 已豁免 list, the archive of runs, diff pages, and the
trend charts. Built from the run's ReportContext and the store's Archive; no HTML here except
the SVG charts (reports/charts.py).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from checks.model import Finding, Outcome
from reports import charts
from reports.archive import SEVERITIES, Archive, RunDiff, RunPoint
from reports.context import (
    SEVERITY_LABELS,
    SEVERITY_RANK,
    STATUS_RANK,
    STATUSES,
    CommonProblem,
    FindingView,
    FrameworkScores,
    ReportContext,
    SiteView,
    check_site_id,
    common_problems,
    count_by_status,
    rule_infos,
    sector_label,
)
from reports.fixes import fix_for

VERDICTS = ("合格", "预警", "不合格")
VERDICT_CODES = {"合格": "pass", "预警": "prewarn", "不合格": "fail"}
VERDICT_MARKS = {"合格": "✔", "预警": "▲", "不合格": "✖"}
EXAMPLES = 3  # subjects shown per site on a rule page
TOP_CHANGED = 8  # sites listed under 新增最多 on the overview


def verdict_code(verdict: str | None) -> str:
    """Return the CSS / filter code of a verdict (pass, prewarn, fail)."""
    return VERDICT_CODES.get(verdict or "", "other")


def verdict_mark(verdict: str | None) -> str:
    """Return the symbol shown before a verdict, so it reads without colour."""
    return VERDICT_MARKS.get(verdict or "", "·")


def page_slug(text: str, prefix: str) -> str:
    """Return a file-name slug for a page: `text` itself when it is a slug, else a hash."""
    try:
        return check_site_id(text)
    except ValueError:
        return f"{prefix}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:10]}"


@dataclass(frozen=True)
class Chart:
    """An SVG chart with the numbers behind it, for the table shown beside it."""

    id: str
    title: str
    svg: Markup
    headers: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    note: str = ""


@dataclass(frozen=True)
class RankRow:
    """One row of a ranking table: the site, its scorecard, its rank in this table."""

    site: SiteView
    card: Mapping[str, Any]
    rank: int | None
    size: int


@dataclass(frozen=True)
class Ranking:
    """A framework's ranking over a set of sites (all of them, or one regulator's)."""

    id: str
    title: str
    rows: tuple[RankRow, ...]


@dataclass(frozen=True)
class VerdictCount:
    """How many sites got each verdict under one framework."""

    framework: str
    title: str
    total: int
    counts: dict[str, int]  # 合格 / 预警 / 不合格
    unassessed: int  # sites with a requirement 无法评估


@dataclass(frozen=True)
class SectorView:
    """One regulator's page: its sites, their ranking and their common problems."""

    slug: str
    regulator: str
    href: str
    sectors: tuple[str, ...]  # sector codes of its sites ("" for none)
    sites: tuple[SiteView, ...]
    rankings: tuple[Ranking, ...]
    common: tuple[CommonProblem, ...]
    verdicts: tuple[VerdictCount, ...]
    findings: dict[str, int]
    new: int | None  # None: no history
    resolved: int | None


@dataclass(frozen=True)
class RuleSite:
    """One site's open findings of a rule."""

    site: SiteView
    status: str
    counts: dict[str, int]
    new: int
    examples: tuple[FindingView, ...]
    more: int


@dataclass(frozen=True)
class MutedItem:
    """A muted finding with its site and rule, for the 已豁免 lists."""

    site: SiteView
    rule: str
    title: str
    finding: FindingView


@dataclass(frozen=True)
class RuleView:
    """One rule's page: which sites fail it, which pass, what is muted."""

    rule: str
    check: str
    title: str
    basis: str
    severity: str
    fix: str
    href: str
    sites: tuple[RuleSite, ...]  # fail / error / warn, worst first
    passed: tuple[SiteView, ...]
    muted: tuple[MutedItem, ...]
    requirements: tuple[str, ...]  # 《framework》requirement, where the rule is counted
    site_counts: dict[str, int]  # sites per outcome status
    findings: dict[str, int]  # findings per status


@dataclass(frozen=True)
class SiteExtras:
    """What a site page shows beyond its own run: its score history."""

    chart: Chart | None
    history: tuple[tuple[RunPoint, dict[str, tuple[float | None, str]], int | None], ...]
    frameworks: dict[str, str]


@dataclass(frozen=True)
class PageSet:
    """Everything the report's pages need beyond the ReportContext."""

    rankings: tuple[Ranking, ...]
    verdicts: tuple[VerdictCount, ...]
    sectors: tuple[SectorView, ...]
    rules: tuple[RuleView, ...]
    muted: tuple[MutedItem, ...]
    charts: tuple[Chart, ...]
    archive: Archive | None
    diffs: dict[int, RunDiff]
    top_new: tuple[SiteView, ...]
    filters: dict[str, tuple[tuple[str, str], ...]]  # option lists of the overview filters

    @property
    def sector_index(self) -> dict[str, SectorView]:
        """Return the sector views by regulator."""
        return {s.regulator: s for s in self.sectors}

    @property
    def rule_index(self) -> dict[str, RuleView]:
        """Return the rule views by rule id."""
        return {r.rule: r for r in self.rules}


def _competition_ranks(rows: Sequence[tuple[SiteView, Mapping[str, Any]]]) -> list[RankRow]:
    """Rank rows 1, 2, 2, 4 by score, vetoed sites tied last (as checks.scoring ranks)."""

    def key(card: Mapping[str, Any]) -> tuple[bool, float]:
        return (card["score"] is None, -(card["score"] or 0.0))

    ordered = sorted(rows, key=lambda r: (key(r[1]), r[0].name, r[0].id))
    out: list[RankRow] = []
    for i, (site, card) in enumerate(ordered):
        rank = out[-1].rank if out and key(out[-1].card) == key(card) else i + 1
        out.append(RankRow(site, card, rank, len(ordered)))
    return out


def overall_rankings(tables: Iterable[FrameworkScores]) -> tuple[Ranking, ...]:
    """Return the overview's ranking per framework (the stored overall ranks)."""
    return tuple(
        Ranking(
            fw.id,
            fw.title,
            tuple(RankRow(s, c, c["rank_overall"], c["overall_size"]) for s, c in fw.rows),
        )
        for fw in tables
    )


def verdict_counts(tables: Iterable[Ranking]) -> tuple[VerdictCount, ...]:
    """Count verdicts per framework."""
    out = []
    for fw in tables:
        counts = Counter(r.card["verdict"] for r in fw.rows)
        out.append(
            VerdictCount(
                framework=fw.id,
                title=fw.title,
                total=len(fw.rows),
                counts={v: counts.get(v, 0) for v in VERDICTS},
                unassessed=sum(bool(r.card.get("unassessed")) for r in fw.rows),
            )
        )
    return tuple(out)


def sector_views(
    view: ReportContext, outcomes: Sequence[Outcome], rankings: Sequence[Ranking]
) -> tuple[SectorView, ...]:
    """Return one view per regulator named in the sites' configuration."""
    by_reg: dict[str, list[SiteView]] = defaultdict(list)
    for s in view.sites:  # already worst first
        if s.regulator:
            by_reg[s.regulator].append(s)
    out = []
    for regulator in sorted(by_reg):
        sites = by_reg[regulator]
        ids = {s.id for s in sites}
        local = []
        for fw in rankings:
            rows = [(r.site, r.card) for r in fw.rows if r.site.id in ids]
            if rows:
                local.append(Ranking(fw.id, fw.title, tuple(_competition_ranks(rows))))
        known = [s.history for s in sites if s.history is not None]
        compared = [h for h in known if h.previous_run is not None]
        slug = page_slug(regulator, "reg")
        out.append(
            SectorView(
                slug=slug,
                regulator=regulator,
                href=f"sectors/{slug}.html",
                sectors=tuple(sorted({s.sector or "" for s in sites})),
                sites=tuple(sites),
                rankings=tuple(local),
                common=common_problems(sites, [o for o in outcomes if o.site in ids]),
                verdicts=verdict_counts(local),
                findings={k: sum(s.findings.get(k, 0) for s in sites) for k in STATUSES},
                new=sum(h.new for h in compared) if known else None,
                resolved=sum(len(h.resolved) for h in compared) if known else None,
            )
        )
    return tuple(out)


def rule_views(
    view: ReportContext, findings: Sequence[Finding], outcomes: Sequence[Outcome]
) -> tuple[tuple[RuleView, ...], tuple[MutedItem, ...]]:
    """Return one view per rule of the run (worst first) and every muted finding."""
    infos = rule_infos(findings, outcomes)
    by_site = {s.id: s for s in view.sites}
    outcome_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for o in outcomes:
        outcome_of[o.rule].append((o.site, o.status))
    finding_statuses: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        finding_statuses[f.rule].append(f.status)
    counted: dict[str, list[str]] = defaultdict(list)
    for fw in view.scores:
        seen: set[tuple[str, str]] = set()
        for _, card in fw.rows:
            for req in card.get("requirements") or ():
                for rule in req.get("rules") or ():
                    if (rule, req["id"]) not in seen:
                        seen.add((rule, req["id"]))
                        counted[rule].append(f"《{fw.title}》{req['title']}")
    open_by_rule: dict[str, list[RuleSite]] = defaultdict(list)
    muted_by_rule: dict[str, list[MutedItem]] = defaultdict(list)
    for s in view.sites:
        for g in s.groups:
            shown = g.findings[:EXAMPLES]
            open_by_rule[g.rule].append(
                RuleSite(
                    site=s,
                    status=g.status,
                    counts=g.counts,
                    new=sum(f.change == "new" for f in g.findings),
                    examples=shown,
                    more=len(g.findings) - len(shown),
                )
            )
        for g in s.muted:
            for f in g.findings:
                muted_by_rule[g.rule].append(MutedItem(s, g.rule, g.title, f))
    rules = []
    for rule, info in infos.items():
        statuses = [st for _, st in outcome_of.get(rule, ())]
        sites = sorted(
            open_by_rule.get(rule, ()),
            key=lambda r: (STATUS_RANK.get(r.status, 99), -sum(r.counts.values()), r.site.name),
        )
        passed = sorted(
            (by_site[site] for site, st in outcome_of.get(rule, ()) if st == "pass"),
            key=lambda s: (s.name, s.id),
        )
        rules.append(
            RuleView(
                rule=rule,
                check=info.check,
                title=info.title,
                basis=info.basis,
                severity=info.severity,
                fix=fix_for(info.check),
                href=f"rules/{page_slug(rule, 'rule')}.html",
                sites=tuple(sites),
                passed=tuple(passed),
                muted=tuple(muted_by_rule.get(rule, ())),
                requirements=tuple(counted.get(rule, ())),
                site_counts=count_by_status(statuses),
                findings=count_by_status(finding_statuses.get(rule, ())),
            )
        )
    rules.sort(
        key=lambda r: (
            -r.site_counts["fail"],
            -r.site_counts["warn"],
            -r.site_counts["error"],
            SEVERITY_RANK.get(r.severity, 9),
            r.rule,
        )
    )
    muted = tuple(m for r in rules for m in r.muted)
    return tuple(rules), muted


def run_label(point: RunPoint, dup: bool) -> str:
    """Return a run's x-axis label: MM-DD of its audit date (with the run id when two runs
    share a date)."""
    label = point.as_of[5:] if len(point.as_of) >= 10 else point.as_of
    return f"{label}#{point.id}" if dup else label


def _labels(points: Sequence[RunPoint]) -> list[str]:
    dates = Counter(p.as_of for p in points)
    return [run_label(p, dates[p.as_of] > 1) for p in points]


def overview_charts(archive: Archive | None) -> tuple[Chart, ...]:
    """Return the overview's trend charts (scores per framework, problems by severity) when
    the store holds at least two complete runs."""
    if archive is None or len(archive.trend) < 2:
        return ()
    points = archive.trend
    labels = _labels(points)
    row_labels = [f"第 {p.id} 次（{p.as_of}）" for p in points]
    out = []
    fws = [fw for fw in archive.frameworks if any(fw in p.mean_scores for p in points)]
    if fws:
        series = [
            charts.Series(
                archive.frameworks[fw],
                tuple(p.mean_scores.get(fw) for p in points),
                # Every scored site vetoed: no mean, but not "no data" either.
                tuple(
                    "否决" if fw in p.verdicts and p.mean_scores.get(fw) is None else None
                    for p in points
                ),
            )
            for fw in fws
        ]
        out.append(
            Chart(
                id="trend-scores",
                title="平均得分（各评分框架）",
                svg=charts.line_chart("trend-scores", "各次检查的平均得分", labels, series, lo=60),
                headers=tuple(archive.frameworks[fw] for fw in fws),
                rows=tuple(
                    (
                        row_labels[i],
                        tuple(
                            charts.value_text(v)
                            if (v := p.mean_scores.get(fw)) is not None
                            else "—"
                            for fw in fws
                        ),
                    )
                    for i, p in enumerate(points)
                ),
                note="平均分只计有得分的站点；单项否决的站点不计分，其数量见“历次检查”。"
                "✖ 表示该次检查中该框架的参评站点全部被单项否决。",
            )
        )
    stacks = [
        ("严重程度" + SEVERITY_LABELS[sev], tuple(p.problems.get(sev, 0) for p in points))
        for sev in SEVERITIES
    ]
    out.append(
        Chart(
            id="trend-problems",
            title="问题数（按严重程度，不通过与警告）",
            svg=charts.bar_chart("trend-problems", "各次检查的问题数", labels, stacks, unit="条"),
            headers=tuple(label for label, _ in stacks) + ("合计",),
            rows=tuple(
                (
                    row_labels[i],
                    tuple(str(vals[i]) for _, vals in stacks)
                    + (str(sum(vals[i] for _, vals in stacks)),),
                )
                for i in range(len(points))
            ),
        )
    )
    return tuple(out)


def site_extras(site: SiteView, archive: Archive | None) -> SiteExtras:
    """Return a site's score history (chart and table) across the trend runs."""
    if archive is None:
        return SiteExtras(None, (), {})
    scores = archive.site_scores.get(site.id, {})
    problems = {run: n for run, _, n in archive.site_problems.get(site.id, ())}
    points = [
        p
        for p in archive.trend
        if p.id in problems or any(sp.run == p.id for v in scores.values() for sp in v)
    ]
    fws = [fw for fw in archive.frameworks if fw in scores]
    by_run = {fw: {sp.run: sp for sp in scores[fw]} for fw in fws}
    history = tuple(
        (
            p,
            {
                fw: (by_run[fw][p.id].score, by_run[fw][p.id].verdict)
                for fw in fws
                if p.id in by_run[fw]
            },
            problems.get(p.id),
        )
        for p in points
    )
    chart = None
    if len(points) >= 2 and fws:
        labels = _labels(points)
        series = []
        for fw in fws:
            values = []
            notes = []
            for p in points:
                sp = by_run[fw].get(p.id)
                values.append(sp.score if sp is not None else None)
                notes.append("否决" if sp is not None and sp.score is None else None)
            series.append(charts.Series(archive.frameworks[fw], tuple(values), tuple(notes)))
        cid = f"site-scores-{site.id}"
        chart = Chart(
            id=cid,
            title="本站得分变化",
            svg=charts.line_chart(cid, f"{site.name}各次检查得分", labels, series, lo=60),
            headers=(),
            rows=(),
            note="✖ 标记表示该次检查有单项否决（不计分）。",
        )
    return SiteExtras(chart, history, {fw: archive.frameworks[fw] for fw in fws})


def _options(values: Iterable[str], label: Callable[[str], str]) -> tuple[tuple[str, str], ...]:
    return tuple((v, label(v)) for v in sorted(set(values)))


def sector_text(code: str) -> str:
    """Return a filter label for a sector code ("none": a site without a sector)."""
    return "未分行业" if code == "none" else sector_label(code)


def build_pages(
    view: ReportContext,
    findings: Sequence[Finding],
    outcomes: Sequence[Outcome],
    archive: Archive | None = None,
) -> PageSet:
    """Return the views of the overview extras and of the sector, rule and archive pages."""
    rankings = overall_rankings(view.scores)
    rules, muted = rule_views(view, findings, outcomes)
    with_new = [
        s for s in view.sites if s.history is not None and (s.history.new or s.history.resolved)
    ]
    top_new = sorted(with_new, key=lambda s: (-s.history.new, -len(s.history.resolved), s.name))  # type: ignore[union-attr]
    return PageSet(
        rankings=rankings,
        verdicts=verdict_counts(rankings),
        sectors=sector_views(view, outcomes, rankings),
        rules=rules,
        muted=muted,
        charts=overview_charts(archive),
        archive=archive,
        diffs={d.run.id: d for d in archive.diffs} if archive is not None else {},
        top_new=tuple(top_new[:TOP_CHANGED]),
        filters={
            "sector": _options((s.sector or "none" for s in view.sites), sector_text),
            "status": (("fail", "有不通过"), ("error", "有无法检查"), ("warn", "有警告")),
            "severity": tuple((k, SEVERITY_LABELS[k]) for k in SEVERITIES),
            "verdict": tuple((VERDICT_CODES[v], v) for v in VERDICTS),
        },
    )


def extra_files(
    out_dir: Path,
    view: ReportContext,
    pages: PageSet,
    render: Callable[..., str],
    common: Mapping[str, Any],
) -> list[tuple[Path, bytes]]:
    """Render the sector, rule and archive pages; return (path, bytes) to write."""
    files: list[tuple[Path, bytes]] = []

    def add(rel: str, template: str, **kw: Any) -> None:
        html = render(template, **common, **kw)
        files.append((out_dir / rel, html.encode("utf-8")))

    add("sectors/index.html", "sectors.html", root="../", page="sectors", pages=pages)
    for sector in pages.sectors:
        add(sector.href, "sector.html", root="../", page="sectors", pages=pages, sector=sector)
    add("rules/index.html", "rules.html", root="../", page="rules", pages=pages)
    for rule in pages.rules:
        add(rule.href, "rule.html", root="../", page="rules", pages=pages, rule=rule)
    if pages.archive is not None:
        add("runs/index.html", "runs.html", root="../", page="runs", pages=pages)
        for diff in pages.archive.diffs:
            add(
                f"runs/{diff.run.id}.html",
                "run_diff.html",
                root="../",
                page="runs",
                pages=pages,
                diff=diff,
            )
    return files
