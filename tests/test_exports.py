"""findings.xlsx and summary.json (issue 5): read back with openpyxl and checked against
findings.json of the same report."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from checks.history import PreviousRun, annotate
from checks.model import Finding, Outcome
from reports import exports, render
from reports.exports import RunData
from reports.render import write_report

AS_OF = dt.date(2024, 2, 15)
PREV_AS_OF = dt.date(2024, 2, 8)
GOV_REG = "示例市人民政府办公室"
BUILD_REG = "示例市住房和城乡建设局"
RAW_MOBILE = "13812341234"  # never in any export: only the masked form reaches findings

RULES = {
    "homepage-stale": ("homepage_stale", "首页长期未更新", "high", "国办秘函〔2019〕19号 单项否决"),
    "link-broken-home": ("link_broken", "首页不可用链接", "high", "国办秘函〔2019〕19号 扣分指标"),
    "column-empty": ("column_empty", "空白栏目", "medium", "国办秘函〔2019〕19号 空白栏目"),
    "column-stale": ("column_stale", "栏目未按时更新", "medium", "国办发〔2015〕15号"),
    "privacy-leak": ("privacy_leak", "公开信息含未去标识化的个人信息", "high", "条例第十五条"),
    "catalogue-missing": ("catalogue_missing", "法定主动公开内容缺失", "high", "条例第二十条"),
}

SITES = [
    {"id": "portal", "name": "示例市人民政府", "kind": "government", "sector": None},
    {"id": "jyj", "name": "示例市教育局", "kind": "department", "regulator": GOV_REG},
    {"id": "water", "name": "示例市自来水有限公司", "kind": "enterprise", "sector": "water"},
    {"id": "gas", "name": "示例市燃气集团", "kind": "enterprise", "sector": "gas"},
]
for _s in SITES:
    _s.setdefault("sector", None)
    _s.setdefault("regulator", BUILD_REG if _s["kind"] == "enterprise" else None)
    _s.update(start_urls=[f"https://{_s['id']}.example.gov.cn/"], profile=None)

RUN = {
    "id": 7,
    "as_of": AS_OF,
    "started_at": "2024-02-15T01:00:00",
    "finished_at": "2024-02-15T01:40:00",
    "status": "complete",
    "config_dir": "config",
    "stats": {"pages": 321},
}


def finding(site: str, rule: str, status: str, subject: str, **kw: Any) -> Finding:
    """Build a finding of one of RULES."""
    check, title, severity, basis = RULES[rule]
    return Finding(
        site=site,
        rule=rule,
        check=check,
        status=status,  # type: ignore[arg-type]
        severity=severity,
        subject=subject,
        url=kw.get("url"),
        message=kw.get("message", f"{title}：{subject}"),
        evidence=kw.get("evidence", {}),
        basis=basis,
        title=title,
        mute_reason=kw.get("mute_reason"),
        mute_expires=kw.get("mute_expires"),
    )


def current_findings() -> list[Finding]:
    """This run's findings: hostile crawled text, a masked privacy hit, a mute, four sites."""
    return [
        finding(
            "portal",
            "link-broken-home",
            "fail",
            "https://portal.example.gov.cn/a.html",
            url="https://portal.example.gov.cn/a.html",
            evidence={"status": 404},
        ),
        finding(
            "portal",
            "link-broken-home",
            "fail",
            "javascript:alert(1)",
            url="javascript:alert(1)",
            evidence={"status": None},
        ),
        # A crawled column name that Excel would run as a formula, and a control character.
        finding(
            "portal",
            "column-empty",
            "fail",
            '=HYPERLINK("http://evil.example/","点击")',
            message="栏目“=HYPERLINK(...)”没有条目\x07",
        ),
        finding(
            "portal",
            "privacy-leak",
            "fail",
            "https://portal.example.gov.cn/gs.html",
            url="https://portal.example.gov.cn/gs.html",
            message="页面“公示”含未去标识化的个人信息：手机号 1 处（138****1234）",
            evidence={"hits": [{"kind": "mobile", "masked": "138****1234"}]},
        ),
        finding("jyj", "column-stale", "warn", "部门动态", evidence={"age_days": 40}),
        finding(
            "jyj",
            "column-empty",
            "muted",
            "历史栏目",
            mute_reason="栏目已停用，已报备",
            mute_expires="2024-12-31",
        ),
        finding("water", "catalogue-missing", "fail", "水质信息"),
        finding("water", "catalogue-missing", "fail", "收费标准"),
    ]


def previous_runs() -> dict[str, PreviousRun]:
    """Run 6 a week earlier: portal, jyj and water were checked; gas is new this week."""
    old = [
        finding("portal", "link-broken-home", "fail", "https://portal.example.gov.cn/a.html"),
        finding("portal", "homepage-stale", "fail", "https://portal.example.gov.cn/"),
        finding("water", "catalogue-missing", "fail", "水质信息"),
        finding("water", "column-stale", "warn", "停水公告"),
    ]
    return {
        site: PreviousRun(6, PREV_AS_OF, [f for f in old if f.site == site])
        for site in ("portal", "jyj", "water")
    }


def outcomes(findings: list[Finding]) -> list[Outcome]:
    """One outcome per (site, rule): the worst status; every other rule passes."""
    rank = {"fail": 0, "error": 1, "warn": 2, "muted": 3, "pass": 4}
    worst: dict[tuple[str, str], str] = {}
    for f in findings:
        key = (f.site, f.rule)
        if key not in worst or rank[f.status] < rank[worst[key]]:
            worst[key] = f.status
    out = []
    for site in (s["id"] for s in SITES):
        for rule, (check, title, severity, basis) in RULES.items():
            status = worst.get((site, rule), "pass")
            n = sum(f.site == site and f.rule == rule for f in findings)
            out.append(Outcome(site, rule, check, status, n, title, basis, severity))  # type: ignore[arg-type]
    return out


def card(
    site: str, framework: str, score: float | None, verdict: str, rank: int, size: int
) -> dict:
    """A scorecard dict as the store returns it."""
    titles = {"gov-2019": "政府网站检查指标（19号）", "ent-2020": "公共企事业单位办事公开"}
    return {
        "site": site,
        "framework": framework,
        "framework_title": titles[framework],
        "group": "enterprise:water" if site == "water" else "government",
        "verdict": verdict,
        "score": score,
        "deductions": 0.0,
        "vetoes": ["homepage"] if score is None else [],
        "prewarns": [],
        "unassessed": [],
        "rank_group": rank,
        "group_size": size,
        "rank_overall": rank,
        "overall_size": size,
        "requirements": [],
    }


SCORES = [
    card("portal", "gov-2019", 92.0, "合格", 1, 2),
    card("jyj", "gov-2019", None, "不合格", 2, 2),
    card("water", "ent-2020", 80.0, "合格", 2, 2),
    card("gas", "ent-2020", 100.0, "合格", 1, 2),
]


def run_data() -> RunData:
    """The run as write_report and the mailer take it, history annotated for real."""
    findings = current_findings()
    outs = outcomes(findings)
    annotated, history = annotate(findings, outs, previous_runs(), AS_OF)
    return RunData(RUN, SITES, annotated, outs, history, SCORES)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write the exports and findings.json of the run, as write_report does; return the dir."""
    out = tmp_path_factory.mktemp("exports")
    d = run_data()
    view = d.view()
    (out / "findings.xlsx").write_bytes(exports.findings_xlsx(view, d.findings, d.resolved))
    (out / "summary.json").write_bytes(exports.summary_json(view))
    data = render.findings_json(d.run, 4, d.findings, d.outcomes, d.resolved, d.scores)
    (out / "findings.json").write_bytes(data)
    return out


def test_write_report_writes_the_exports_beside_findings_json(tmp_path: Path) -> None:
    d = run_data()
    write_report(tmp_path, d.run, d.sites, d.findings, d.outcomes, d.history, d.scores)
    view = d.view()
    assert (tmp_path / "findings.xlsx").read_bytes() == exports.findings_xlsx(
        view, d.findings, d.resolved
    )
    assert (tmp_path / "summary.json").read_bytes() == exports.summary_json(view)
    assert (tmp_path / "findings.json").read_bytes() == render.findings_json(
        d.run, 4, d.findings, d.outcomes, d.resolved, d.scores
    )


def rows(ws: Any) -> list[dict[str, Any]]:
    """Return a worksheet's data rows as dicts keyed by the header row."""
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], r, strict=True)) for r in values[1:]]


def test_workbook_sheets_in_order(report: Path) -> None:
    wb = openpyxl.load_workbook(report / "findings.xlsx")
    # 汇总, one sheet per regulator (sites.yaml `regulator`, sorted, unassigned last),
    # every finding, and the problems resolved since run 6.
    assert wb.sheetnames == ["汇总", GOV_REG, BUILD_REG, "未指定主管部门", "全部问题", "已整改"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert all(c.font.bold for c in ws[1]), ws.title


def test_summary_sheet_one_row_per_site_worst_first(report: Path) -> None:
    ws = openpyxl.load_workbook(report / "findings.xlsx")["汇总"]
    got = rows(ws)
    assert [r["标识"] for r in got] == ["portal", "water", "jyj", "gas"]
    portal, water, jyj, gas = got
    assert (portal["单位"], portal["类型"], portal["行业"], portal["主管部门"]) == (
        "示例市人民政府",
        "政府门户",
        "—",
        None,
    )
    assert (water["行业"], water["主管部门"]) == ("供水", BUILD_REG)
    gov, ent = "政府网站检查指标（19号）", "公共企事业单位办事公开"
    assert (portal[f"{gov} 得分"], portal[f"{gov} 结论"], portal[f"{gov} 排名"]) == (92, "合格", 1)
    assert (jyj[f"{gov} 得分"], jyj[f"{gov} 结论"]) == (None, "不合格（单项否决）")
    assert (portal[f"{ent} 得分"], portal[f"{ent} 结论"]) == (None, "不适用")
    assert (water[f"{ent} 得分"], water[f"{ent} 结论"], water[f"{ent} 排名"]) == (80, "合格", 2)
    # Rule counts (不通过/警告/无法检查/通过) and finding counts.
    assert [portal[k] for k in ("不通过规则", "警告规则", "无法检查规则", "通过规则")] == [
        3,
        0,
        0,
        3,
    ]
    assert [jyj[k] for k in ("不通过规则", "警告规则", "问题条数", "已豁免条数")] == [0, 1, 1, 1]
    # portal: 3 new problems (javascript link, =HYPERLINK column, privacy) — the a.html link
    # persists; homepage-stale is gone. water: 收费标准 new; 停水公告 resolved.
    assert (portal["新增"], portal["已整改"]) == (3, 1)
    assert (water["新增"], water["已整改"]) == (1, 1)
    assert (jyj["新增"], jyj["已整改"]) == (1, 0)
    assert (gas["新增"], gas["已整改"]) == ("首次检查", "—")


def test_all_findings_sheet_has_every_finding_as_text(report: Path) -> None:
    wb = openpyxl.load_workbook(report / "findings.xlsx")
    ws = wb["全部问题"]
    got = rows(ws)
    assert len(got) == len(current_findings())
    assert {(r["标识"], r["规则编号"], r["对象"]) for r in got} == {
        (f.site, f.rule, f.subject) for f in current_findings()
    }
    assert [r["标识"] for r in got][:4] == ["portal"] * 4  # worst site first
    muted = next(r for r in got if r["状态"] == "已豁免")
    assert (muted["对象"], muted["豁免理由"], muted["豁免到期"]) == (
        "历史栏目",
        "栏目已停用，已报备",
        "2024-12-31",
    )
    persisting = next(r for r in got if r["对象"] == "https://portal.example.gov.cn/a.html")
    assert (persisting["变化"], persisting["首次发现"], persisting["上次状态"]) == (
        "持续",
        PREV_AS_OF.isoformat(),
        "不通过",
    )
    # Crawled text that starts with "=" stays text, never a formula; control characters go.
    header = [c.value for c in ws[1]]
    formula_row = next(i for i, r in enumerate(got, start=2) if r["对象"].startswith("=HYPERLINK"))
    cell = ws.cell(formula_row, header.index("对象") + 1)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example/","点击")'
    assert got[formula_row - 2]["说明"] == "栏目“=HYPERLINK(...)”没有条目"
    # http(s) URLs are clickable; a javascript: URL is shown as text only.
    url_col = header.index("网址") + 1
    links = {
        ws.cell(i, url_col).value: ws.cell(i, url_col).hyperlink for i in range(2, ws.max_row + 1)
    }
    assert links["https://portal.example.gov.cn/a.html"].target == (
        "https://portal.example.gov.cn/a.html"
    )
    assert links["javascript:alert(1)"] is None
    privacy = next(r for r in got if r["规则编号"] == "privacy-leak")
    assert "138****1234" in privacy["说明"] and "138****1234" in privacy["证据"]


def test_regulator_sheets_rank_only_their_sites(report: Path) -> None:
    wb = openpyxl.load_workbook(report / "findings.xlsx")
    summary = rows(wb["汇总"])
    assert [r["标识"] for r in rows(wb[BUILD_REG])] == ["water", "gas"]  # worst first
    assert [r["标识"] for r in rows(wb[GOV_REG])] == ["jyj"]
    assert [r["标识"] for r in rows(wb["未指定主管部门"])] == ["portal"]
    # The same columns and values as the site's row on 汇总.
    assert [c.value for c in wb[BUILD_REG][1]] == [c.value for c in wb["汇总"][1]]
    assert rows(wb[BUILD_REG])[0] == next(r for r in summary if r["标识"] == "water")


def test_resolved_sheet(report: Path) -> None:
    got = rows(openpyxl.load_workbook(report / "findings.xlsx")["已整改"])
    assert [(r["标识"], r["规则编号"], r["对象"], r["上次状态"]) for r in got] == [
        ("portal", "homepage-stale", "https://portal.example.gov.cn/", "不通过"),
        ("water", "column-stale", "停水公告", "警告"),
    ]


def test_column_widths_follow_content_within_limits(report: Path) -> None:
    wb = openpyxl.load_workbook(report / "findings.xlsx")
    ws = wb["全部问题"]
    header = [c.value for c in ws[1]]
    width = {
        h: ws.column_dimensions[ws.cell(1, i).column_letter].width for i, h in enumerate(header, 1)
    }
    # 示例市自来水有限公司: 10 CJK characters = 20 columns, plus padding.
    assert width["单位"] == 22
    assert width["标识"] == 8  # "portal"/"water" are short; the minimum and header apply
    assert width["证据"] <= 50 and width["说明"] <= 60
    summary = wb["汇总"]
    assert summary.column_dimensions["A"].width == 22


@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("示例市水务局", set(), "示例市水务局"),
        ("a/b:c*d?e[f]g\\h", set(), "a_b_c_d_e_f_g_h"),
        ("某" * 40, set(), "某" * 31),
        ("汇总", {"汇总"}, "汇总(2)"),
        ("某" * 40, {"某" * 31}, "某" * 28 + "(2)"),
        ("''", set(), "主管部门"),
        ("某" * 30 + "'x", set(), "某" * 30),  # a cut must not end in an apostrophe
        ("示例\x07局", set(), "示例_局"),
    ],
)
def test_sheet_title(name: str, taken: set[str], expected: str) -> None:
    assert exports.sheet_title(name, set(taken)) == expected


def test_regulator_workbook_has_only_its_sites() -> None:
    d = run_data()
    part = d.subset(["water", "gas"])
    data = exports.findings_xlsx(part.view(), part.findings, part.resolved, sector_sheets=False)
    path_rows = {}
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["汇总", "全部问题", "已整改"]
    for name in wb.sheetnames:
        path_rows[name] = rows(wb[name])
    assert [r["标识"] for r in path_rows["汇总"]] == ["water", "gas"]
    assert {r["标识"] for r in path_rows["全部问题"]} == {"water"}
    assert [r["对象"] for r in path_rows["已整改"]] == ["停水公告"]
    # Ranks stay those among all sites of the run.
    assert path_rows["汇总"][1]["公共企事业单位办事公开 排名"] == 1


def test_xlsx_is_reproducible() -> None:
    d = run_data()
    view = d.view()
    a = exports.findings_xlsx(view, d.findings, d.resolved)
    b = exports.findings_xlsx(view, list(reversed(d.findings)), d.resolved)
    assert a == b
    # openpyxl stamps the clock as the modification time at save; the file carries the audit
    # date instead (and fixed zip member times), so a re-render a day later is identical.
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        core = z.read("docProps/core.xml").decode("utf-8")
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert re.findall(r"<dcterms:(created|modified)[^>]*>([^<]*)<", core) == [
        ("created", "2024-02-15T00:00:00Z"),
        ("modified", "2024-02-15T00:00:00Z"),
    ]


def test_summary_json_matches_findings_json(report: Path) -> None:
    summary = json.loads((report / "summary.json").read_text(encoding="utf-8"))
    full = json.loads((report / "findings.json").read_text(encoding="utf-8"))
    run = full["run"]
    assert {k: summary["run"][k] for k in ("id", "as_of", "status")} == {
        k: run[k] for k in ("id", "as_of", "status")
    }
    assert summary["totals"]["rules"] == run["totals"]["rules"]
    assert summary["totals"]["findings"] == run["totals"]["findings"]
    assert summary["scope"]["sites"] == run["sites"] == 4
    assert summary["scope"]["regulators"] == {BUILD_REG: 2, GOV_REG: 1}
    assert summary["scope"]["frameworks"] == [
        {"id": "gov-2019", "title": "政府网站检查指标（19号）"},
        {"id": "ent-2020", "title": "公共企事业单位办事公开"},
    ]
    problems = [f for f in full["findings"] if f["status"] in ("fail", "warn", "error")]
    assert summary["totals"]["problems"] == len(problems)
    assert summary["history"]["new"] == sum(f["change"] == "new" for f in problems) == 5
    assert summary["history"]["resolved"] == len(full["resolved"]) == 2
    assert summary["history"]["compared_with"] == [{"run": 6, "as_of": PREV_AS_OF.isoformat()}]
    assert summary["history"]["first_sites"] == 1
    for site in summary["sites"]:
        mine = [f for f in full["findings"] if f["site"] == site["id"]]
        for status, n in site["findings"].items():
            assert n == sum(f["status"] == status for f in mine), (site["id"], status)
        assert site["history"]["resolved"] == sum(f["site"] == site["id"] for f in full["resolved"])
        cards = [c for c in full["scores"] if c["site"] == site["id"]]
        assert [(c["score"], c["verdict"]) for c in site["scores"]] == [
            (c["score"], c["verdict"]) for c in cards
        ]
    assert summary["totals"]["verdicts"] == {
        "gov-2019": {"合格": 1, "预警": 0, "不合格": 1},
        "ent-2020": {"合格": 2, "预警": 0, "不合格": 0},
    }
    assert summary["totals"]["sites_with_failures"] == 2
    # Each rule hits one site: most findings first, then severity, then rule id.
    top = summary["top_problems"]
    assert [(p["rule"], p["sites"], p["findings"]) for p in top] == [
        ("catalogue-missing", ["water"], 2),
        ("link-broken-home", ["portal"], 2),
        ("privacy-leak", ["portal"], 1),
        ("column-empty", ["portal"], 1),
        ("column-stale", ["jyj"], 1),
    ]


def test_no_raw_personal_data_in_exports(report: Path) -> None:
    with zipfile.ZipFile(report / "findings.xlsx") as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert "138****1234" in xml and RAW_MOBILE not in xml
    assert RAW_MOBILE not in (report / "summary.json").read_text(encoding="utf-8")
