"""Exports beside the HTML report (issue 5): findings.xlsx for supervisors and regulators, and
summary.json, the run in one small machine-readable file. Both are built from the report's own
view model (reports.context), so every number matches index.html and findings.json."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from checks.history import History
from checks.model import Finding, Outcome
from reports import context as ctx
from reports import xlsx

SUMMARY_SHEET = "汇总"
ALL_SHEET = "全部问题"
RESOLVED_SHEET = "已整改"
NO_REGULATOR = "未指定主管部门"
# Excel's limits on sheet names (reports/xlsx.py; a regulator's name may hold any character)
# and hyperlinks; a cell holds at most 32,767 characters (reports/xlsx.py cuts longer text).
_SHEET_NAME_BAD, _SHEET_NAME_MAX = xlsx.SHEET_NAME_BAD, xlsx.SHEET_NAME_MAX
_LINK_MAX = 2_000  # Excel ignores longer hyperlinks; the URL text stays in the cell
_WIDTH_MIN, _WIDTH_MAX = 6, 60
CHANGE_LABELS = {"new": "新增", "persisting": "持续"}
SITE_HEADERS = ("单位", "标识", "类型", "行业", "主管部门")
# Finding rows name the site and its regulator; kind and sector are on 汇总 (fewer cells: the
# sheet may hold tens of thousands of rows).
FINDING_SITE_HEADERS = ("单位", "标识", "主管部门")
FINDING_HEADERS = (
    *FINDING_SITE_HEADERS,
    "规则",
    "规则编号",
    "状态",
    "严重程度",
    "对象",
    "说明",
    "网址",
    "依据",
    "变化",
    "首次发现",
    "上次状态",
    "豁免理由",
    "豁免到期",
    "证据",
)
RESOLVED_HEADERS = (
    *FINDING_SITE_HEADERS,
    "规则",
    "规则编号",
    "上次状态",
    "严重程度",
    "对象",
    "说明",
    "网址",
    "依据",
    "首次发现",
)
# Columns whose text can be long: their width is capped lower than the rest.
_NARROW = {"说明": 60, "证据": 50, "依据": 40, "对象": 40, "网址": 50}


@dataclass(frozen=True)
class RunData:
    """A run's report inputs, as write_report takes them (the store gives them by load_run)."""

    run: Mapping[str, Any]
    sites: list[dict[str, Any]]
    findings: list[Finding]
    outcomes: list[Outcome]
    history: History | None = None
    scores: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def view(self) -> ctx.ReportContext:
        """Return the report's view model of these inputs."""
        return ctx.build_context(
            self.run, self.sites, self.findings, self.outcomes, self.history, self.scores
        )

    @property
    def resolved(self) -> list[Finding]:
        """Return the previous runs' problems this run no longer finds."""
        return list(self.history.resolved) if self.history is not None else []

    def subset(self, site_ids: Iterable[str]) -> RunData:
        """Return the same run restricted to some sites (a regulator's), ranks kept as they
        were among all sites."""
        keep = set(site_ids)
        history = None
        if self.history is not None:
            history = History(
                previous={k: v for k, v in self.history.previous.items() if k in keep},
                resolved=[f for f in self.history.resolved if f.site in keep],
            )
        return RunData(
            run=self.run,
            sites=[s for s in self.sites if s["id"] in keep],
            findings=[f for f in self.findings if f.site in keep],
            outcomes=[o for o in self.outcomes if o.site in keep],
            history=history,
            scores=[c for c in self.scores if c["site"] in keep],
        )


def load_run(st: Any, run_id: int) -> RunData:
    """Return a stored run's report inputs (the same ones `gongkai report --run` renders)."""
    run = st.get_run(run_id)
    return RunData(
        run={
            "id": run.id,
            "as_of": run.as_of.isoformat() if run.as_of else None,
            "started_at": str(run.started_at) if run.started_at else None,
            "finished_at": str(run.finished_at) if run.finished_at else None,
            "status": run.status,
            "config_dir": run.config_dir,
            "stats": run.stats or {},
        },
        sites=[
            {
                "id": s.site_id,
                "name": s.name,
                "kind": s.kind,
                "sector": s.sector,
                "regulator": s.regulator,
                "start_urls": list(s.start_urls),
                "profile": s.profile,
            }
            for s in st.run_sites(run_id)
        ],
        findings=st.findings(run_id),
        outcomes=st.outcomes(run_id),
        history=st.history(run_id),
        scores=st.scores(run_id),
    )


# --- summary.json -----------------------------------------------------------------------------


def frameworks(view: ctx.ReportContext) -> list[tuple[str, str]]:
    """Return (id, title) of the run's scoring frameworks, in the report's order."""
    return [(fw.id, fw.title) for fw in view.scores]


def problem_count(site: ctx.SiteView) -> int:
    """Return a site's open problems: its fail, warn and error findings."""
    return sum(site.findings[s] for s in ctx.PROBLEM_STATUSES)


def _card_record(card: Mapping[str, Any]) -> dict[str, Any]:
    keys = (
        "framework",
        "framework_title",
        "group",
        "score",
        "verdict",
        "vetoes",
        "prewarns",
        "unassessed",
        "rank_overall",
        "overall_size",
        "rank_group",
        "group_size",
    )
    return {k: card.get(k) for k in keys}


def _site_record(site: ctx.SiteView) -> dict[str, Any]:
    history = None
    if site.history is not None:
        history = {
            "first_check": site.history.previous_run is None,
            "previous_run": site.history.previous_run,
            "previous_as_of": site.history.previous_as_of,
            "new": site.history.new,
            "persisting": site.history.persisting,
            "resolved": len(site.history.resolved),
        }
    return {
        "id": site.id,
        "name": site.name,
        "kind": site.kind,
        "sector": site.sector,
        "regulator": site.regulator,
        "in_config": site.in_config,
        "rules": dict(site.rules),
        "findings": dict(site.findings),
        "problems": problem_count(site),
        "history": history,
        "scores": [_card_record(c) for c in site.scores],
    }


def summary_record(view: ctx.ReportContext) -> dict[str, Any]:
    """Return summary.json's object: run, scope, totals, history, top problems, sites."""
    run = view.run
    verdicts: dict[str, dict[str, int]] = {}
    for fw in view.scores:
        counted = Counter(card["verdict"] for _, card in fw.rows)
        verdicts[fw.id] = {v: counted[v] for v in ("合格", "预警", "不合格")}
        verdicts[fw.id].update({v: n for v, n in counted.items() if v not in verdicts[fw.id]})
    history = None
    if run.history is not None:
        history = {
            "first_check": run.history.first_check,
            "new": run.history.new,
            "resolved": run.history.resolved,
            "compared_with": [{"run": r, "as_of": d} for r, d in run.history.previous],
            "first_sites": run.history.first_sites,
        }
    regulators = Counter(s.regulator for s in view.sites if s.regulator)
    return {
        "run": {
            "id": run.id,
            "as_of": run.as_of,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "status": run.status,
            "config_dir": run.config_dir,
        },
        "scope": {
            "sites": run.site_count,
            "rules": run.rule_count,
            "kinds": dict(Counter(s.kind or "" for s in view.sites)),
            "sectors": dict(Counter(s.sector for s in view.sites if s.sector)),
            "regulators": dict(sorted(regulators.items())),
            "frameworks": [{"id": i, "title": t} for i, t in frameworks(view)],
        },
        "totals": {
            "rules": dict(run.rules),
            "findings": dict(run.findings),
            "problems": sum(run.findings[s] for s in ctx.PROBLEM_STATUSES),
            "sites_with_failures": sum(1 for s in view.sites if s.rules["fail"]),
            "verdicts": verdicts,
        },
        "history": history,
        "top_problems": [
            {
                "rule": p.rule,
                "title": p.title,
                "basis": p.basis,
                "severity": p.severity,
                "sites": [s.id for s in p.sites],
                "findings": p.findings,
            }
            for p in view.common
        ],
        "sites": [_site_record(s) for s in view.sites],
    }


def summary_json(view: ctx.ReportContext) -> bytes:
    """Return summary.json (UTF-8, Chinese kept readable, sites worst first)."""
    text = json.dumps(summary_record(view), ensure_ascii=False, indent=2, default=ctx.json_default)
    return (text + "\n").encode("utf-8")


# --- findings.xlsx ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One worksheet: its name, headers and rows (plain values; None is an empty cell)."""

    name: str
    headers: tuple[str, ...]
    rows: list[list[Any]]


def text_width(text: str) -> int:
    """Return the display width of text: a CJK character takes two columns and three UTF-8
    bytes, an ASCII one one and one, so (characters + bytes) / 2 (C speed on 10⁵ cells); a lone
    surrogate in crawled text counts as three bytes instead of failing."""
    return (len(text) + len(text.encode("utf-8", "surrogatepass"))) // 2


def sheet_title(name: str, taken: set[str]) -> str:
    """Return a valid, unique Excel sheet name for a regulator name."""
    base = _SHEET_NAME_BAD.sub("_", name).strip("' ") or "主管部门"
    # Excel rejects a name that ends with an apostrophe, as cutting may leave it.
    title = base[:_SHEET_NAME_MAX].rstrip("'")
    n = 2
    while title.casefold() in {t.casefold() for t in taken}:
        suffix = f"({n})"
        title = base[: _SHEET_NAME_MAX - len(suffix)] + suffix
        n += 1
    taken.add(title)
    return title


def _site_cells(site: ctx.SiteView | None, site_id: str) -> list[Any]:
    if site is None:
        return [site_id, site_id, "—", "—", None]
    return [
        site.name,
        site.id,
        ctx.kind_label(site.kind),
        ctx.sector_label(site.sector) if site.sector else "—",
        site.regulator,
    ]


def _finding_site_cells(site: ctx.SiteView | None, site_id: str) -> list[Any]:
    if site is None:
        return [site_id, site_id, None]
    return [site.name, site.id, site.regulator]


def verdict_text(card: Mapping[str, Any]) -> str:
    """Return a scorecard's verdict with 单项否决 and 部分无法评估 marks."""
    text = str(card["verdict"])
    if card.get("vetoes"):
        text += "（单项否决）"
    if card.get("unassessed"):
        text += "（部分无法评估）"
    return text


def summary_sheet(
    view: ctx.ReportContext, name: str = SUMMARY_SHEET, site_ids: Iterable[str] | None = None
) -> Sheet:
    """Return a 汇总 sheet: one row per site (only `site_ids` if given), worst first."""
    fws = frameworks(view)
    wanted = set(site_ids) if site_ids is not None else None
    headers = [*SITE_HEADERS]
    for _, title in fws:
        headers += [f"{title} 得分", f"{title} 结论", f"{title} 排名"]
    headers += ["不通过规则", "警告规则", "无法检查规则", "通过规则", "问题条数", "已豁免条数"]
    headers += ["新增", "已整改"]
    rows = []
    for site in view.sites:
        if wanted is not None and site.id not in wanted:
            continue
        row = _site_cells(site, site.id)
        cards = {c["framework"]: c for c in site.scores}
        for fw_id, _ in fws:
            card = cards.get(fw_id)
            if card is None:
                row += [None, "不适用", None]
            else:
                row += [card["score"], verdict_text(card), card.get("rank_overall")]
        row += [
            site.rules["fail"],
            site.rules["warn"],
            site.rules["error"],
            site.rules["pass"],
            problem_count(site),
            site.findings["muted"],
        ]
        h = site.history
        if h is None:
            row += ["—", "—"]
        elif h.previous_run is None:
            row += ["首次检查", "—"]
        else:
            row += [h.new, len(h.resolved)]
        rows.append(row)
    return Sheet(name, tuple(headers), rows)


def _finding_order(view: ctx.ReportContext) -> Any:
    rank = {s.id: i for i, s in enumerate(view.sites)}

    def key(f: Finding) -> tuple[Any, ...]:
        return (
            rank.get(f.site, len(rank)),
            f.site,
            ctx.STATUS_RANK.get(f.status, 99),
            ctx.SEVERITY_RANK.get(f.severity, 9),
            f.rule,
            f.subject,
        )

    return key


def finding_rows(view: ctx.ReportContext, findings: Iterable[Finding]) -> list[list[Any]]:
    """Return one row per finding (FINDING_HEADERS), sites worst first, worst findings first."""
    by_id = {s.id: s for s in view.sites}
    rows = []
    for f in sorted(findings, key=_finding_order(view)):
        rows.append(
            [
                *_finding_site_cells(by_id.get(f.site), f.site),
                f.title or f.rule,
                f.rule,
                ctx.status_label(f.status),
                ctx.severity_label(f.severity),
                f.subject,
                f.message,
                f.url,
                f.basis,
                CHANGE_LABELS.get(f.change or "", f.change),
                f.first_seen,
                ctx.status_label(f.previous_status) if f.previous_status else None,
                f.mute_reason,
                f.mute_expires,
                ctx.json_text(f.evidence) if f.evidence else None,
            ]
        )
    return rows


def resolved_rows(view: ctx.ReportContext, resolved: Iterable[Finding]) -> list[list[Any]]:
    """Return one row per resolved problem (RESOLVED_HEADERS)."""
    by_id = {s.id: s for s in view.sites}
    rows = []
    for f in sorted(resolved, key=_finding_order(view)):
        rows.append(
            [
                *_finding_site_cells(by_id.get(f.site), f.site),
                f.title or f.rule,
                f.rule,
                ctx.status_label(f.status),
                ctx.severity_label(f.severity),
                f.subject,
                f.message,
                f.url,
                f.basis,
                f.first_seen,
            ]
        )
    return rows


def regulator_groups(view: ctx.ReportContext) -> dict[str, list[str]]:
    """Map each regulator (主管部门, from sites.yaml) to its site ids, worst site first; sites
    without one come last under 未指定主管部门."""
    groups: dict[str, list[str]] = {}
    for site in sorted(view.sites, key=lambda s: (s.regulator is None, s.regulator or "")):
        groups.setdefault(site.regulator or NO_REGULATOR, []).append(site.id)
    return groups


def workbook_sheets(
    view: ctx.ReportContext,
    findings: Sequence[Finding],
    resolved: Sequence[Finding] | None = None,
    *,
    sector_sheets: bool = True,
) -> list[Sheet]:
    """Return the workbook's sheets: 汇总; when `sector_sheets`, one per regulator with its
    sites ranked as on 汇总 (the regulator's view); 全部问题; and 已整改 with history."""
    sheets = [summary_sheet(view)]
    taken = {SUMMARY_SHEET, ALL_SHEET, RESOLVED_SHEET}
    if sector_sheets:
        for regulator, ids in regulator_groups(view).items():
            sheets.append(summary_sheet(view, sheet_title(regulator, taken), ids))
    sheets.append(Sheet(ALL_SHEET, FINDING_HEADERS, finding_rows(view, findings)))
    if view.run.history is not None:
        sheets.append(Sheet(RESOLVED_SHEET, RESOLVED_HEADERS, resolved_rows(view, resolved or [])))
    return sheets


def column_widths(sheet: Sheet) -> list[float]:
    """Return each column's width: its widest cell, within limits (long headers wrap)."""
    widths = []
    for i, header in enumerate(sheet.headers):
        cap = _NARROW.get(header, _WIDTH_MAX)
        widest = text_width(header) * 3 // 4
        # Each distinct text once (a column repeats site names, labels, bases).
        texts = {
            v if v.__class__ is str else str(v)
            for v in (row[i] for row in sheet.rows)
            if v is not None
        }
        # text_width(t) >= len(t): a text of cap - 2 characters already fills the column, and
        # the longest is found at C speed (the URL, 说明 and 证据 columns of 30k findings).
        if texts and max(map(len, texts)) + 2 >= cap:
            widest = cap
        else:
            widest = max([widest, *map(text_width, texts)])
        widths.append(float(min(max(widest + 2, _WIDTH_MIN), cap)))
    return widths


def _as_datetime(value: Any) -> dt.datetime:
    """Return the run's audit date as the workbook's fixed creation time (reproducible files)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    try:
        return _as_datetime(dt.date.fromisoformat(str(value)))
    except ValueError:
        return dt.datetime(2000, 1, 1)


def _link(text: str) -> str | None:
    """Return the hyperlink target for a 网址 cell: absolute http(s) URLs only (a crawled
    javascript: URL stays text), within Excel's hyperlink length."""
    href = ctx.safe_href(text)
    return href if href is not None and len(href) <= _LINK_MAX else None


def workbook_bytes(sheets: Sequence[Sheet], created: Any = None) -> bytes:
    """Write the sheets into an xlsx and return its bytes, identical for identical input: bold
    wrapped frozen header, autofilter, column widths, http(s) 网址 as links, every text cell
    text (never a formula).

    Not openpyxl (its write-only mode took 6.6 s for 30k findings) nor pandas.to_excel (slower
    still): reports/xlsx.py writes the few parts this workbook needs directly (issue 5 budget,
    bench/RESULTS.md).
    """
    data = [
        xlsx.SheetData(
            name=sheet.name,
            headers=sheet.headers,
            rows=sheet.rows,
            widths=column_widths(sheet),
            link_column=sheet.headers.index("网址") if "网址" in sheet.headers else None,
        )
        for sheet in sheets
    ]
    buf = io.BytesIO()
    xlsx.write_workbook(data, buf, created=_as_datetime(created), creator="gongkai", href=_link)
    return buf.getvalue()


def findings_xlsx(
    view: ctx.ReportContext,
    findings: Sequence[Finding],
    resolved: Sequence[Finding] | None = None,
    *,
    sector_sheets: bool = True,
) -> bytes:
    """Return findings.xlsx: 汇总, one sheet per regulator, 全部问题 and 已整改."""
    sheets = workbook_sheets(view, findings, resolved, sector_sheets=sector_sheets)
    return workbook_bytes(sheets, created=view.run.as_of)
