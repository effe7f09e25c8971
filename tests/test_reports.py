"""Tests for the report writer: view model, HTML pages, findings.json and findings.csv."""

from __future__ import annotations

import base64
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
from collections import Counter
from pathlib import Path

import jinja2
import lxml.html
import pytest

from checks.history import History, PreviousRun, annotate
from checks.model import Finding, Outcome
from reports import context as ctx
from reports import render
from reports.render import write_report

AS_OF = dt.date(2024, 2, 15)
HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_URL = "javascript:alert(1)"

RULES = {
    "homepage-stale": ("homepage_stale", "首页长期未更新", "high", "国办秘函〔2019〕19号 单项否决"),
    "link-broken-home": ("link_broken", "首页不可用链接", "high", "国办秘函〔2019〕19号 扣分指标"),
    "column-stale": ("column_stale", "栏目未按时更新", "medium", "国办发〔2015〕15号"),
    "column-empty": ("column_empty", "空白栏目", "medium", "国办秘函〔2019〕19号 空白栏目"),
    "catalogue-missing": ("catalogue_missing", "法定主动公开内容缺失", "high", "条例第二十条"),
}

RUN = {
    "id": 7,
    "as_of": AS_OF,
    "started_at": "2024-02-15T01:00:00",  # naive UTC, as the store keeps it
    "finished_at": "2024-02-15 01:40:00.250000",
    "status": "ok",
    "config_dir": "config",
    "stats": {"pages": 321, "errors": 2},
}

SITES = [
    {
        "id": "city-gov",
        "name": "某市人民政府",
        "kind": "government",
        "sector": None,
        "regulator": None,
        "start_urls": ["https://www.city.gov.cn/"],
        "profile": "gov-portal",
    },
    {
        "id": "water-co",
        "name": "某市供水有限公司",
        "kind": "enterprise",
        "sector": "water",
        "regulator": "某市水务局",
        "start_urls": ["https://www.water.example.cn/"],
        "profile": None,
    },
    {
        # Sorts before water-co by name (三 < 某), so only the error count can put it after.
        "id": "edu-bureau",
        "name": "三河市教育局",
        "kind": "department",
        "sector": None,
        "regulator": "三河市人民政府办公室",
        "start_urls": ["https://jyj.sanhe.gov.cn/"],
        "profile": None,
    },
]


def finding(site: str, rule: str, status: str, subject: str, **kw: object) -> Finding:
    """Build a finding of one of the RULES."""
    check, title, severity, basis = RULES[rule]
    return Finding(
        site=site,
        rule=rule,
        check=check,
        status=status,  # type: ignore[arg-type]
        severity=severity,
        subject=subject,
        url=kw.get("url"),  # type: ignore[arg-type]
        message=str(kw.get("message", f"{title}：{subject}")),
        evidence=kw.get("evidence", {}),  # type: ignore[arg-type]
        basis=basis,
        title=title,
        mute_reason=kw.get("mute_reason"),  # type: ignore[arg-type]
        mute_expires=kw.get("mute_expires"),  # type: ignore[arg-type]
    )


def build_findings() -> list[Finding]:
    """Findings of a three-site run, including hostile crawled text."""
    home = "https://www.city.gov.cn/"
    return [
        finding(
            "city-gov",
            "homepage-stale",
            "fail",
            home,
            url=home,
            message="首页最新信息发布于44天前，超过14天",
            evidence={"newest_date": "2024-01-02", "age_days": 44, "max_age_days": 14},
        ),
        finding(
            "city-gov",
            "link-broken-home",
            "fail",
            "https://www.city.gov.cn/a.html",
            url="https://www.city.gov.cn/a.html",
            evidence={"status": 404, "source": home, "text": "机构设置"},
        ),
        finding(
            "city-gov",
            "link-broken-home",
            "fail",
            "https://www.city.gov.cn/b.pdf",
            url="https://www.city.gov.cn/b.pdf",
            evidence={"status": 500, "source": home, "text": "2023年预算"},
        ),
        finding(
            "city-gov",
            "link-broken-home",
            "fail",
            "https://old.city.gov.cn/",
            url="https://old.city.gov.cn/",
            evidence={"status": None, "error": "DNS lookup failed", "source": home},
        ),
        finding(
            "city-gov",
            "column-stale",
            "warn",
            HOSTILE_TITLE,  # a column name taken from a crawled page
            url=HOSTILE_URL,
            evidence={
                "newest": {"title": "<img src=x onerror=alert(1)>", "url": HOSTILE_URL},
                "date": "2023-01-05",
                "snippet": "第一行\n第二行" + "长" * 600,
            },
        ),
        finding(
            "city-gov",
            "column-empty",
            "muted",
            "=1+1",  # a crawled column name that Excel would run as a formula
            url="https://www.city.gov.cn/zwgk/jgsz/",
            message="栏目“=1+1”为空白栏目",
            evidence={"placeholder": "暂无信息"},
            mute_reason="栏目已于2024年1月撤销，待网站改版时删除",
            mute_expires="2024-12-31",
        ),
        finding(
            "water-co",
            "homepage-stale",
            "fail",
            "https://www.water.example.cn/",
            url="https://www.water.example.cn/",
            evidence={"newest_date": "2023-12-01", "age_days": 76, "max_age_days": 14},
        ),
        finding(
            "water-co",
            "catalogue-missing",
            "error",
            "https://www.water.example.cn/gk/",
            url="https://www.water.example.cn/gk/",
            message="信息公开目录页无法获取，未能检查",
            evidence={"status": 503},
        ),
        finding(
            "edu-bureau",
            "homepage-stale",
            "fail",
            "https://jyj.sanhe.gov.cn/",
            url="https://jyj.sanhe.gov.cn/",
            evidence={"newest_date": "2024-01-20", "age_days": 26, "max_age_days": 14},
        ),
    ]


def outcome(site: str, rule: str, status: str, n: int = 0) -> Outcome:
    """Build an outcome of one of the RULES."""
    return Outcome(site=site, rule=rule, check=RULES[rule][0], status=status, findings=n)  # type: ignore[arg-type]


def build_outcomes() -> list[Outcome]:
    """Outcomes matching build_findings, plus passed rules."""
    return [
        outcome("city-gov", "homepage-stale", "fail", 1),
        outcome("city-gov", "link-broken-home", "fail", 3),
        outcome("city-gov", "column-stale", "warn", 1),
        outcome("city-gov", "column-empty", "muted", 1),
        outcome("city-gov", "catalogue-missing", "pass"),
        outcome("water-co", "homepage-stale", "fail", 1),
        outcome("water-co", "catalogue-missing", "error", 1),
        outcome("water-co", "link-broken-home", "pass"),
        outcome("water-co", "column-stale", "pass"),
        outcome("edu-bureau", "homepage-stale", "fail", 1),
        outcome("edu-bureau", "link-broken-home", "pass"),
        outcome("edu-bureau", "column-empty", "pass"),
        outcome("edu-bureau", "catalogue-missing", "pass"),
    ]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write the three-site report once and return its directory."""
    out = tmp_path_factory.mktemp("report")
    index = write_report(out, RUN, SITES, build_findings(), build_outcomes())
    assert index == out / "index.html"
    return out


def parse(path: Path) -> lxml.html.HtmlElement:
    """Parse a written HTML page."""
    return lxml.html.document_fromstring(path.read_bytes())


def text(el: lxml.html.HtmlElement) -> str:
    """Return an element's whitespace-normalised text."""
    return " ".join(el.text_content().split())


# --- index.html ---------------------------------------------------------------------------


def test_index_lists_sites_worst_first_with_links(report: Path) -> None:
    doc = parse(report / "index.html")
    rows = doc.xpath("//table[contains(@class,'site-table')]/tbody/tr")
    assert [r.get("data-site") for r in rows] == ["city-gov", "water-co", "edu-bureau"]
    for row in rows:
        (a,) = row.xpath(".//td[contains(@class,'site-name')]/a")
        assert a.get("href") == f"sites/{row.get('data-site')}.html"
        assert (report / a.get("href")).is_file()


def test_index_counts_rules_and_findings_per_site(report: Path) -> None:
    doc = parse(report / "index.html")

    def cells(site: str, prefix: str) -> dict[str, int]:
        (row,) = doc.xpath(f"//tr[@data-site='{site}']")
        return {
            s: int(row.xpath(f"./td[contains(@class,'{prefix}-{s}')]")[0].text)
            for s in ("fail", "error", "warn", "muted")
        }

    assert cells("city-gov", "rules") == {"fail": 2, "error": 0, "warn": 1, "muted": 1}
    assert cells("city-gov", "findings") == {"fail": 4, "error": 0, "warn": 1, "muted": 1}
    assert cells("water-co", "rules") == {"fail": 1, "error": 1, "warn": 0, "muted": 0}
    assert cells("edu-bureau", "findings") == {"fail": 1, "error": 0, "warn": 0, "muted": 0}
    (edu,) = doc.xpath("//tr[@data-site='edu-bureau']")
    assert edu.xpath("./td[contains(@class,'rules-pass')]")[0].text == "3"


def test_index_shows_kind_sector_regulator_labels_and_run_header(report: Path) -> None:
    doc = parse(report / "index.html")
    (water,) = doc.xpath("//tr[@data-site='water-co']")
    cols = [text(td) for td in water.xpath("./td")]
    assert cols[1:5] == ["某市供水有限公司", "公共企事业单位", "供水", "某市水务局"]
    (city,) = doc.xpath("//tr[@data-site='city-gov']")
    assert [text(td) for td in city.xpath("./td")][2:5] == ["政府门户", "—", "—"]
    (meta,) = doc.xpath("//section[contains(@class,'run-summary')]/dl")
    pairs = dict(zip(map(text, meta.xpath("./dt")), map(text, meta.xpath("./dd")), strict=True))
    assert pairs["检查基准日"] == "2024年2月15日"
    assert pairs["开始时间（北京时间）"] == "2024年2月15日 09:00"
    assert pairs["结束时间（北京时间）"] == "2024年2月15日 09:40"
    assert pairs["运行状态"] == "已完成"
    assert pairs["检查范围"] == (
        "3 个站点（公共企事业单位 1 个，政府部门 1 个，政府门户 1 个），5 条规则"
    )


def test_index_most_common_problems(report: Path) -> None:
    doc = parse(report / "index.html")
    items = doc.xpath("//ol[contains(@class,'common-list')]/li")
    titles = [li.xpath("./strong")[0].text for li in items]
    assert titles == ["首页长期未更新", "首页不可用链接", "栏目未按时更新"]
    first = items[0]
    assert first.xpath(".//span[@class='n-sites']")[0].text == "3"
    assert first.xpath(".//span[@class='n-findings']")[0].text == "3"
    assert items[1].xpath(".//span[@class='n-findings']")[0].text == "3"
    assert {a.get("href") for a in first.xpath(".//span[@class='affected']//a")} == {
        f"sites/{s}.html#rule-homepage-stale" for s in ("city-gov", "water-co", "edu-bureau")
    }
    # Each problem links to its rule page, which exists.
    (rule,) = first.xpath(".//a[text()='规则详情']")
    assert rule.get("href") == "rules/homepage-stale.html"
    assert (report / rule.get("href")).is_file()


# --- site pages ---------------------------------------------------------------------------


def test_site_page_header_and_groups(report: Path) -> None:
    doc = parse(report / "sites" / "water-co.html")
    assert text(doc.xpath("//h1")[0]) == "某市供水有限公司"
    header = text(doc.xpath("//section[contains(@class,'site-header')]")[0])
    for part in ("公共企事业单位", "供水", "某市水务局", "water-co"):
        assert part in header
    (start,) = doc.xpath("//section[contains(@class,'site-header')]//a[@class='url']")
    assert start.get("href") == "https://www.water.example.cn/"
    groups = doc.xpath(
        "//section[contains(@class,'problems')]/section[contains(@class,'rule-group')]"
    )
    # Worst first: the failing rule, then the one that could not be checked.
    assert [g.get("id") for g in groups] == ["rule-homepage-stale", "rule-catalogue-missing"]
    assert [text(g.xpath(".//h3/span[contains(@class,'badge')]")[0]) for g in groups] == [
        "不通过",
        "无法检查",
    ]
    assert "条例第二十条" in text(groups[1])
    assert "信息公开目录页无法获取" in text(groups[1])
    assert groups[1].xpath(".//span[@class='http']")[0].text == "HTTP 503"
    (dated,) = groups[0].xpath(".//time")
    assert (dated.get("datetime"), dated.text) == ("2023-12-01", "2023年12月1日")


def test_site_page_finding_rows_and_evidence(report: Path) -> None:
    doc = parse(report / "sites" / "city-gov.html")
    (broken,) = doc.xpath("//section[@id='rule-link-broken-home']")
    rows = broken.xpath(".//tbody/tr")
    assert len(rows) == 3
    assert {text(r.xpath("./td")[0]) for r in rows} == {"不通过"}
    statuses = [s.text for s in broken.xpath(".//span[@class='http']")]
    assert sorted(statuses) == ["HTTP 404", "HTTP 500"]
    # A missing status is shown as a dash, the DNS error as text, the source page as a link.
    dns = next(r for r in rows if "old.city.gov.cn" in text(r))
    assert "DNS lookup failed" in text(dns) and "—" in text(dns)
    assert "https://www.city.gov.cn/" in [a.get("href") for a in dns.xpath(".//dd/a")]
    (stale,) = doc.xpath("//section[@id='rule-column-stale']")
    (snippet,) = stale.xpath(".//q[@class='snippet']")
    assert snippet.text_content().startswith("第一行\n第二行")
    assert "另有" in snippet.text_content()  # cut at SNIPPET_MAX characters


def test_site_page_muted_section_and_passed_rules(report: Path) -> None:
    doc = parse(report / "sites" / "city-gov.html")
    problems = doc.xpath("//section[contains(@class,'problems')]")[0]
    assert not problems.xpath(".//section[@id='rule-column-empty']")
    (muted,) = doc.xpath("//section[contains(@class,'muted-section')]")
    (group,) = muted.xpath(".//section[contains(@class,'rule-group')]")
    assert group.get("id") == "muted-column-empty"
    assert text(group.xpath(".//td[contains(@class,'col-status')]")[0]) == "已豁免"
    (reason,) = group.xpath(".//p[@class='mute-reason']")
    assert (
        text(reason) == "豁免理由：栏目已于2024年1月撤销，待网站改版时删除（豁免至 2024年12月31日）"
    )
    passed = doc.xpath("//ul[@class='passed-list']/li")
    assert len(passed) == 1 and "法定主动公开内容缺失" in text(passed[0])
    # A site with nothing muted has no muted section at all.
    assert not parse(report / "sites" / "edu-bureau.html").xpath(
        "//section[contains(@class,'muted-section')]"
    )


def csp_hash(text: str) -> str:
    """Return the CSP source expression of an inline script or style."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_hostile_crawled_text_and_urls_render_inert(report: Path) -> None:
    pages = sorted(report.rglob("*.html"))
    # index, 3 sites, sector index + 2 regulators, rule index + 5 rules (no archive: no runs/)
    assert len(pages) == 1 + 3 + 3 + 6
    for page in pages:
        doc = parse(page)
        assert not doc.xpath("//img | //iframe | //object | //embed | //base | //form")
        # The one <link>: an empty data: icon, so browsers do not ask for /favicon.ico.
        assert [(lk.get("rel"), lk.get("href")) for lk in doc.xpath("//link")] == [
            ("icon", "data:,")
        ]
        assert not doc.xpath("//@*[starts-with(name(), 'on')]")
        assert not doc.xpath("//@style")  # a style attribute would need 'unsafe-inline'
        for href in doc.xpath("//a/@href"):
            assert href.startswith(
                ("https://", "http://", "sites/", "sectors/", "rules/", "runs/", "../", "#")
            ) or href in (
                "index.html",
                "findings.csv",
                "findings.json",
                "findings.xlsx",
                "summary.json",
            ), href
        # The only script and style are the report's own, admitted by hash and nothing else.
        (script,) = doc.xpath("//script")
        assert script.get("src") is None
        (style,) = doc.xpath("//style")
        (csp,) = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
        assert csp == (
            f"default-src 'none'; script-src {csp_hash(script.text)}; "
            f"style-src {csp_hash(style.text)}; img-src 'self' data:; base-uri 'none'; "
            "form-action 'none'"
        )
        assert "unsafe" not in csp
    doc = parse(report / "sites" / "city-gov.html")
    (stale,) = doc.xpath("//section[@id='rule-column-stale']")
    assert text(stale.xpath(".//span[@class='subject']")[0]) == HOSTILE_TITLE
    inert = stale.xpath(".//span[contains(@class,'inert')]")
    assert [s.text for s in inert] == [HOSTILE_URL]
    assert HOSTILE_URL in text(stale.xpath(".//dl[@class='evidence']")[0])
    assert "<img src=x onerror=alert(1)>" in text(stale)
    raw = (report / "sites" / "city-gov.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


def test_css_is_inlined_and_print_ready(report: Path) -> None:
    doc = parse(report / "index.html")
    (style,) = doc.xpath("//head/style")
    css = style.text
    assert "@page { size: A4" in css and "@media print" in css
    assert "://" not in css and "url(" not in css and "@import" not in css


# --- findings.json and findings.csv ---------------------------------------------------------


def test_findings_json_schema_and_values(report: Path) -> None:
    data = json.loads((report / "findings.json").read_text("utf-8"))
    # "resolved" is always present; without history (this report has none) it is empty.
    assert set(data) == {"run", "findings", "resolved", "scores"}
    assert data["scores"] == []
    assert data["resolved"] == []
    run = data["run"]
    assert {k: run[k] for k in ("id", "as_of", "started_at", "finished_at", "status")} == {
        "id": 7,
        "as_of": "2024-02-15",
        "started_at": "2024-02-15T01:00:00",
        "finished_at": "2024-02-15 01:40:00.250000",
        "status": "ok",
    }
    assert run["sites"] == 3
    assert run["totals"]["findings"] == {"fail": 6, "error": 1, "warn": 1, "muted": 1, "pass": 0}
    assert run["totals"]["rules"] == {"fail": 4, "error": 1, "warn": 1, "muted": 1, "pass": 6}
    fields = {
        "site", "rule", "check", "status", "severity", "subject", "url", "message",
        "evidence", "basis", "title", "mute_reason",
        "fingerprint", "change", "first_seen", "previous_status", "mute_expires",
    }  # fmt: skip
    assert all(set(f) == fields for f in data["findings"])
    expected = sorted((dataclasses.asdict(f) for f in build_findings()), key=json.dumps)
    assert sorted(data["findings"], key=json.dumps) == expected


def test_findings_csv_has_bom_and_one_row_per_finding(report: Path) -> None:
    raw = (report / "findings.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert header == [f.name for f in dataclasses.fields(Finding)]
    assert len(body) == len(build_findings())
    records = [dict(zip(header, r, strict=True)) for r in body]
    mine = [r for r in records if r["site"] == "city-gov" and r["rule"] == "link-broken-home"]
    assert len(mine) == 3
    row_404 = next(r for r in mine if r["subject"].endswith("/a.html"))
    assert json.loads(row_404["evidence"]) == {
        "status": 404,
        "source": "https://www.city.gov.cn/",
        "text": "机构设置",
    }
    assert row_404["mute_reason"] == "" and row_404["status"] == "fail"
    # Crawled text that Excel would evaluate is neutralised in the CSV, untouched in JSON.
    (muted,) = [r for r in records if r["status"] == "muted"]
    assert muted["subject"] == "'=1+1"
    assert muted["mute_reason"] == "栏目已于2024年1月撤销，待网站改版时删除"


# --- Environment, atomic writes, path safety ---------------------------------------------


def test_environment_is_strict_and_autoescaping() -> None:
    assert render.ENV.undefined is jinja2.StrictUndefined
    view = ctx.build_context(RUN, SITES, build_findings(), build_outcomes())
    with pytest.raises(jinja2.UndefinedError):
        render.render_template("site.html", run=view.run, root="../")  # no `site`
    with pytest.raises(jinja2.UndefinedError):
        render.render_template("index.html", run=view.run, sites=view.sites, root="")
    macros = render.ENV.get_template("_macros.html").module
    assert str(macros.badge("fail")) == '<span class="badge badge-fail">不通过</span>'
    out = render.ENV.from_string("{{ x }}").render(x=HOSTILE_TITLE)
    assert out == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_files_are_written_by_rename_and_no_temp_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renamed: list[Path] = []
    real_replace = os.replace

    def spy(src: str, dst: Path) -> None:
        renamed.append(Path(dst))
        real_replace(src, dst)

    monkeypatch.setattr(render.os, "replace", spy)
    out = tmp_path / "r"
    write_report(out, RUN, SITES, build_findings(), build_outcomes())
    written = sorted(p.resolve() for p in out.rglob("*") if p.is_file())
    assert sorted(p.resolve() for p in renamed) == written
    assert renamed[-1].name == "index.html"  # the entry point is replaced last
    assert [p.name for p in written if p.name.endswith(".tmp") or p.name.startswith(".")] == []
    assert all(p.stat().st_mode & 0o777 == 0o644 for p in written)


def test_failed_write_leaves_no_temp_and_keeps_old_index(tmp_path: Path) -> None:
    out = tmp_path / "r"
    write_report(out, RUN, SITES, build_findings(), build_outcomes())
    old_index = (out / "index.html").read_bytes()
    (out / "findings.csv").unlink()
    (out / "findings.csv").mkdir()  # renaming a file over a directory fails
    run = dict(RUN, status="partial")
    with pytest.raises(OSError):
        write_report(out, run, SITES, build_findings(), build_outcomes())
    assert (out / "index.html").read_bytes() == old_index
    assert [p for p in out.rglob("*") if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    "bad", ["../evil", "a/b", "..", "City", "x.html", "", "gov\n", "/etc/passwd"]
)
def test_site_ids_that_could_escape_are_rejected(tmp_path: Path, bad: str) -> None:
    out = tmp_path / "r"
    sites = [dict(SITES[0], id=bad)]
    with pytest.raises(ValueError):
        write_report(out, RUN, sites, [], [])
    f = dataclasses.replace(build_findings()[0], site=bad)
    with pytest.raises(ValueError):
        write_report(out, RUN, SITES, [f], [])
    assert not out.exists() and list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError):
        render.site_path(out, bad)


def test_report_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_report(a, RUN, SITES, build_findings(), build_outcomes())
    write_report(b, RUN, SITES, list(reversed(build_findings())), build_outcomes())
    for p in a.rglob("*"):
        if p.is_file():
            assert p.read_bytes() == (b / p.relative_to(a)).read_bytes(), p


def test_unknown_site_in_findings_gets_a_page(tmp_path: Path) -> None:
    gone = finding("old-site", "homepage-stale", "fail", "https://old.example.cn/")
    write_report(tmp_path, RUN, SITES, [*build_findings(), gone], build_outcomes())
    doc = parse(tmp_path / "sites" / "old-site.html")
    assert "不在站点配置中" in text(doc.xpath("//section[contains(@class,'site-header')]")[0])
    assert parse(tmp_path / "index.html").xpath("//tr[@data-site='old-site']")


# --- context.py (pure) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://www.gov.cn/a b.html", "https://www.gov.cn/a%20b.html"),
        ("HTTP://WWW.GOV.CN/", "HTTP://WWW.GOV.CN/"),
        ("javascript:alert(1)", None),
        (" javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:msgbox(1)", None),
        ("//evil.example/", None),
        ("/relative/path.html", None),
        ("http:///nohost", None),
        ("mailto:gk@gov.cn", None),
    ],
)
def test_safe_href(url: str, href: str | None) -> None:
    assert ctx.safe_href(url) == href


def test_date_cn() -> None:
    assert ctx.date_cn(dt.date(2024, 5, 6)) == "2024年5月6日"
    assert ctx.date_cn("2024-05-06") == "2024年5月6日"
    # Naive timestamps are UTC (store and crawler convention) and shown in Beijing time.
    assert ctx.date_cn("2024-05-06T13:05:09") == "2024年5月6日 21:05"
    assert ctx.date_cn(dt.datetime(2024, 12, 31, 16, 0)) == "2025年1月1日 00:00"
    assert ctx.date_cn("2024-05-06T13:05:09+08:00") == "2024年5月6日 13:05"
    assert ctx.date_cn("2024-02-15 17:30:00.123456+00:00") == "2024年2月16日 01:30"
    assert ctx.date_cn(None) == "—"
    assert ctx.date_cn("2024-13-40") == "2024-13-40"
    assert ctx.date_cn("上周") == "上周"


def test_site_order_breaks_ties_by_failing_findings_then_errors_then_name() -> None:
    def site(sid: str, name: str, fails: int, fail_findings: int, errors: int) -> dict:
        return {"id": sid, "name": name, "fails": fails, "ff": fail_findings, "errors": errors}

    specs = [
        site("b", "乙", 1, 1, 0),
        site("a", "甲", 1, 1, 0),
        site("c", "丙", 1, 1, 2),
        site("d", "丁", 1, 5, 0),
        site("e", "戊", 2, 2, 0),
    ]
    findings, outcomes = [], []
    for s in specs:
        for i in range(s["fails"]):
            outcomes.append(Outcome(s["id"], f"r{i}", "k", "fail"))
        for i in range(s["ff"]):
            findings.append(
                Finding(s["id"], "r0", "k", "fail", "high", f"x{i}", None, "m", {}, "b")
            )
        for i in range(s["errors"]):
            outcomes.append(Outcome(s["id"], f"e{i}", "k", "error"))
    view = ctx.build_context(
        RUN, [{"id": s["id"], "name": s["name"]} for s in specs], findings, outcomes
    )
    # 乙 (U+4E59) sorts before 甲 (U+7532): the name is the last tie-breaker.
    assert [s.id for s in view.sites] == ["e", "d", "c", "b", "a"]


def test_evidence_view_types_and_truncation() -> None:
    fields = ctx.evidence_fields(
        {
            "status": 404,
            "count": 404,
            "ok": False,
            "when": dt.date(2024, 1, 2),
            "pages": [f"https://a.gov.cn/{i}" for i in range(ctx.LIST_MAX + 5)],
            "deep": {"a": {"b": {"c": {"d": {"e": 1}}}}},
        }
    )
    by_key = {f.key: f for f in fields}
    assert by_key["status"].label == "HTTP 状态" and by_key["status"].value.text == "HTTP 404"
    assert by_key["count"].value.kind == "number"
    assert by_key["ok"].value.text == "否"
    assert (by_key["when"].value.kind, by_key["when"].value.text) == ("date", "2024-01-02")
    pages = by_key["pages"].value
    assert len(pages.items) == ctx.LIST_MAX and pages.more == 5
    assert pages.items[0].href == "https://a.gov.cn/0"
    level = by_key["deep"].value
    for _ in range(ctx.DEPTH_MAX):
        assert level.kind == "map"
        level = level.fields[0].value
    assert level.kind == "snippet" and level.text == '{"e": 1}'


def test_group_findings_orders_worst_rule_first() -> None:
    groups = ctx.group_findings(
        [f for f in build_findings() if f.site == "city-gov" and f.status != "muted"]
    )
    assert [g.rule for g in groups] == ["homepage-stale", "link-broken-home", "column-stale"]
    assert groups[1].counts["fail"] == 3 and groups[2].status == "warn"


def test_rule_with_open_and_muted_findings_keeps_ids_unique(tmp_path: Path) -> None:
    extra = finding(
        "city-gov",
        "link-broken-home",
        "muted",
        "https://www.city.gov.cn/old.html",
        url="https://www.city.gov.cn/old.html",
        mute_reason="页面已下线，链接随改版删除",
    )
    write_report(tmp_path, RUN, SITES, [*build_findings(), extra], build_outcomes())
    doc = parse(tmp_path / "sites" / "city-gov.html")
    ids = doc.xpath("//@id")
    assert len(ids) == len(set(ids))
    (open_group,) = doc.xpath("//section[@id='rule-link-broken-home']")
    (muted_group,) = doc.xpath("//section[@id='muted-link-broken-home']")
    assert len(open_group.xpath(".//tbody/tr")) == 3
    assert len(muted_group.xpath(".//tbody/tr")) == 1


def test_evidence_codes_shown_in_chinese() -> None:
    from reports.context import evidence_fields

    fields = {
        f.key: f.value.text
        for f in evidence_fields(
            {
                "reason": "placeholder_page",
                "kind": "attachment",
                "error": "connection",
                "text": "dns",
            }
        )
    }
    assert fields == {
        "reason": "页面显示“暂无信息”类提示",
        "kind": "附件",
        "error": "无法建立连接",
        # Only the known keys are translated: crawled link text stays as crawled.
        "text": "dns",
    }


def test_rule_passed_everywhere_is_named_with_its_basis() -> None:
    from reports.context import rule_infos

    passed = Outcome(
        site="a",
        rule="homepage-stale",
        check="homepage_stale",
        status="pass",
        title="首页长期未更新",
        basis="国办秘函〔2019〕19号",
        severity="high",
    )
    old = Outcome(site="a", rule="legacy", check="x", status="pass")  # a run before migration 3
    infos = rule_infos([], [passed, old])
    assert (infos["homepage-stale"].title, infos["homepage-stale"].basis) == (
        "首页长期未更新",
        "国办秘函〔2019〕19号",
    )
    assert infos["legacy"].title == "legacy"


# --- finding history (新增 / 持续 / 已整改) -------------------------------------------------------


def build_history() -> tuple[list[Finding], History]:
    """Annotate build_findings() against previous runs: city-gov's run 6, water-co's run 5;
    edu-bureau has none (首次检查)."""
    home = "https://www.city.gov.cn/"
    city_prev = [
        finding("city-gov", "homepage-stale", "fail", home, url=home),
        finding("city-gov", "link-broken-home", "fail", "https://www.city.gov.cn/a.html"),
        finding(
            "city-gov",
            "link-broken-home",
            "fail",
            "https://www.city.gov.cn/c.html",
            url="https://www.city.gov.cn/c.html",
            message="首页链接无法访问（HTTP 404）",
        ),
        finding("city-gov", "column-empty", "fail", "=1+1"),  # muted since
    ]
    water_prev = [
        dataclasses.replace(
            finding("water-co", "homepage-stale", "fail", "https://www.water.example.cn/"),
            first_seen="2024-01-01",
        )
    ]
    previous = {
        "city-gov": PreviousRun(6, dt.date(2024, 2, 8), city_prev),
        "water-co": PreviousRun(5, dt.date(2024, 2, 1), water_prev),
    }
    return annotate(build_findings(), build_outcomes(), previous, AS_OF)


@pytest.fixture(scope="module")
def history_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Write the three-site report with history and return its directory."""
    out = tmp_path_factory.mktemp("history")
    found, history = build_history()
    write_report(out, RUN, SITES, found, build_outcomes(), history=history)
    return out


def marks(row: lxml.html.HtmlElement) -> list[str]:
    """Return the status badge and history marks of a finding row, in order."""
    return [
        text(el)
        for el in row.xpath(
            ".//td[@class='col-status']/span[contains(@class,'badge') or contains(@class,'change')]"
        )
    ]


def row_of(doc: lxml.html.HtmlElement, subject: str) -> lxml.html.HtmlElement:
    """Return the finding row whose subject contains `subject`."""
    (row,) = doc.xpath(
        "//tr[contains(@class,'finding')][.//span[@class='subject'][contains(., $s)]]", s=subject
    )
    return row


def test_index_shows_changes_since_last_check(history_report: Path) -> None:
    doc = parse(history_report / "index.html")
    line = text(doc.xpath("//p[contains(@class,'history-line')]")[0])
    # city-gov: b.pdf, old.city.gov.cn and the stale column are new; c.html was fixed.
    # water-co: the catalogue error is new. edu-bureau is not counted: its first check.
    assert "与上次检查相比：新增 4 条，已整改 1 条" in line
    assert "第 5 次检查，2024年2月1日；第 6 次检查，2024年2月8日" in line
    assert "另有 1 个站点为首次检查" in line
    headers = [text(th) for th in doc.xpath("//table[contains(@class,'site-table')]//th")]
    assert "与上次相比" in headers and "新增" in headers and "已整改" in headers

    def cells(site: str) -> tuple[str, ...]:
        (row,) = doc.xpath("//table[contains(@class,'site-table')]//tr[@data-site=$s]", s=site)
        return tuple(
            text(td)
            for td in row.xpath(
                "td[contains(@class,'change-new') or contains(@class,'change-resolved')]"
            )
        )

    assert cells("city-gov") == ("3", "1")
    assert cells("water-co") == ("1", "0")
    assert cells("edu-bureau") == ("首次检查",)


def test_site_page_marks_new_and_persisting_findings(history_report: Path) -> None:
    doc = parse(history_report / "sites" / "city-gov.html")
    header = text(doc.xpath("//section[contains(@class,'site-header')]")[0])
    assert "与上次检查相比：新增 3 条，已整改 1 条，持续 2 条" in header
    assert "对比第 6 次检查，检查基准日 2024年2月8日" in header
    assert marks(row_of(doc, "b.pdf")) == ["不通过", "新增"]
    assert marks(row_of(doc, "a.html")) == ["不通过", "持续（自 2024-02-08 起）"]
    # Muted now, failing last week: still the same problem, and the change of status is shown.
    (muted,) = doc.xpath(
        "//section[contains(@class,'muted-section')]//tr[contains(@class,'finding')]"
    )
    assert marks(muted) == ["已豁免", "持续（自 2024-02-08 起）", "上次：不通过"]
    water = parse(history_report / "sites" / "water-co.html")
    # The first_seen of the previous run's finding is carried, not the previous run's date.
    (home,) = water.xpath("//tr[contains(@class,'finding')][contains(@class,'status-fail')]")
    assert marks(home) == ["不通过", "持续（自 2024-01-01 起）"]
    assert marks(row_of(water, "/gk/")) == ["无法检查", "新增"]


def test_site_page_lists_resolved_findings(history_report: Path) -> None:
    doc = parse(history_report / "sites" / "city-gov.html")
    (section,) = doc.xpath("//section[contains(@class,'resolved-section')]")
    assert text(section.xpath("h2")[0]) == "已整改的问题"
    assert "第 6 次，检查基准日 2024年2月8日" in text(section)
    (row,) = section.xpath(".//tr[contains(@class,'resolved-item')]")
    assert "已整改" in text(row) and "首页不可用链接" in text(row)
    assert row.xpath(".//a[@href='https://www.city.gov.cn/c.html']")
    assert "2024-02-08" in text(row) and "首页链接无法访问（HTTP 404）" in text(row)
    # The resolved link is no longer among this run's problems.
    problems = text(doc.xpath("//section[contains(@class,'problems')]")[0])
    assert "c.html" not in problems
    # edu-bureau: first check, nothing resolved.
    edu = parse(history_report / "sites" / "edu-bureau.html")
    assert "与上次检查相比：首次检查" in text(edu.xpath("//p[contains(@class,'history-line')]")[0])
    assert not edu.xpath("//section[contains(@class,'resolved-section')]")


def test_findings_json_and_csv_carry_history(history_report: Path) -> None:
    data = json.loads((history_report / "findings.json").read_text("utf-8"))
    by_subject = {f["subject"]: f for f in data["findings"]}
    assert by_subject["https://www.city.gov.cn/b.pdf"]["change"] == "new"
    assert by_subject["https://www.city.gov.cn/b.pdf"]["first_seen"] == "2024-02-15"
    a = by_subject["https://www.city.gov.cn/a.html"]
    assert (a["change"], a["first_seen"], a["previous_status"]) == (
        "persisting",
        "2024-02-08",
        "fail",
    )
    assert len(a["fingerprint"]) == 16
    (gone,) = data["resolved"]
    assert (gone["site"], gone["subject"], gone["change"], gone["status"]) == (
        "city-gov",
        "https://www.city.gov.cn/c.html",
        "resolved",
        "fail",
    )
    rows = list(
        csv.DictReader(io.StringIO((history_report / "findings.csv").read_text("utf-8-sig")))
    )
    b = next(r for r in rows if r["subject"] == "https://www.city.gov.cn/b.pdf")
    assert (b["change"], b["first_seen"]) == ("new", "2024-02-15")
    assert b["fingerprint"] == by_subject["https://www.city.gov.cn/b.pdf"]["fingerprint"]


def test_first_check_says_so(tmp_path: Path) -> None:
    found, history = annotate(build_findings(), build_outcomes(), {}, AS_OF)
    write_report(tmp_path, RUN, SITES, found, build_outcomes(), history=history)
    doc = parse(tmp_path / "index.html")
    assert "首次检查" in text(doc.xpath("//p[contains(@class,'history-line')]")[0])
    assert "已整改" not in text(doc.xpath("//p[contains(@class,'history-line')]")[0])
    assert len(doc.xpath("//td[contains(@class,'first-check')]")) == 3
    site = parse(tmp_path / "sites" / "city-gov.html")
    assert marks(row_of(site, "b.pdf")) == ["不通过", "新增"]


def test_report_without_history_shows_no_changes(report: Path) -> None:
    doc = parse(report / "index.html")
    assert not doc.xpath("//*[contains(@class,'history-line')]")
    headers = [text(th) for th in doc.xpath("//table[contains(@class,'site-table')]//th")]
    assert "新增" not in headers
    site = parse(report / "sites" / "city-gov.html")
    assert not site.xpath("//*[contains(@class,'change')]")


# --- scores (checks/scoring.py scorecards, as the store returns them) ---------------------


def build_scores() -> list[dict]:
    """Scorecards of a framework over the three sites, computed by checks.scoring."""
    from types import SimpleNamespace

    from ruamel.yaml import YAML

    import conf
    from checks.scoring import score_run

    fw = conf.Framework.model_validate(
        YAML(typ="safe").load(
            """
id: fw-test
title: 测试框架<b>
basis: 测试
requirements:
  # Only the water company's home page is counted stale, so one site is vetoed.
  - id: stale
    title: 首页长期未更新
    rules: [homepage-stale]
    match: {subject: ["https://www.water.example.cn/"]}
    veto: {count: 1}
  - {id: links, title: 首页不可用链接, rules: [link-broken-home], points: 10, per_finding: 1}
  - {id: catalogue, title: 法定主动公开内容缺失, rules: [catalogue-missing], points: 10}
  - {id: manual, title: 互动交流, not_assessable: true, note: 人工核查}
"""
        )
    )
    sites = {s["id"]: SimpleNamespace(kind=s["kind"], sector=s["sector"]) for s in SITES}
    cards = score_run([fw], sites, build_findings(), build_outcomes())
    return [c.to_dict() for c in cards]


def test_scores_in_index_site_pages_and_json(tmp_path: Path) -> None:
    scores = build_scores()
    write_report(tmp_path, RUN, SITES, build_findings(), build_outcomes(), scores=scores)
    by_site = {c["site"]: c for c in scores}
    doc = parse(tmp_path / "index.html")
    (section,) = doc.xpath("//section[@data-framework='fw-test']")
    assert "测试框架<b>" in text(section.xpath("h2")[0])  # escaped, shown as text
    rows = section.xpath(".//tbody/tr")
    # Ranked: best score first, vetoed sites last; each row shows score, verdict, vetoes.
    assert [r.get("data-site") for r in rows] == sorted(
        by_site, key=lambda s: (by_site[s]["rank_overall"], s)
    )
    for row in rows:
        card = by_site[row.get("data-site")]
        assert text(row.xpath("td[contains(@class,'verdict')]")[0]) == card["verdict"]
        want = "—" if card["score"] is None else f"{card['score']:g}"
        assert text(row.xpath("td[contains(@class,'score')]")[0]) == want
        vetoes = text(row.xpath("td[contains(@class,'vetoes')]")[0])
        assert vetoes == ("；".join(card["vetoes"]) or "—")
    site = parse(tmp_path / "sites" / "city-gov.html")
    (card_el,) = site.xpath("//section[@id='score-fw-test']")
    reqs = [r.get("data-requirement") for r in card_el.xpath(".//tr[@data-requirement]")]
    assert reqs == ["stale", "links", "catalogue", "manual"]
    # city-gov: 3 broken home links × 1 = 3 → 97; water-co: vetoed; edu-bureau: 100.
    assert {c["site"]: c["score"] for c in scores} == {
        "city-gov": 97.0,
        "water-co": None,
        "edu-bureau": 100.0,
    }
    links = card_el.xpath(".//tr[@data-requirement='links']")[0]
    assert text(links.xpath("td[contains(@class,'deduction')]")[0]) == "3"
    assert "扣分" in text(links.xpath("td[contains(@class,'result')]")[0])
    water = parse(tmp_path / "sites" / "water-co.html")
    assert "无法评估：法定主动公开内容缺失（无法评估）" in text(
        water.xpath("//p[@class='unassessed']")[0]
    )
    manual = card_el.xpath(".//tr[@data-requirement='manual']")[0]
    assert "需人工核查" in text(manual) and "人工核查" in text(manual)
    data = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert data["scores"] == sorted(scores, key=lambda c: c["site"])


def test_report_without_scores_has_no_score_section(report: Path) -> None:
    doc = parse(report / "index.html")
    assert doc.xpath("//section[contains(@class,'scores')]") == []
    assert doc.xpath("//section[contains(@class,'scorecard')]") == []


# --- findings by framework and indicator; sector, rule and archive pages (issue 5) ---------


def test_site_findings_grouped_by_framework_and_indicator(tmp_path: Path) -> None:
    write_report(tmp_path, RUN, SITES, build_findings(), build_outcomes(), scores=build_scores())
    doc = parse(tmp_path / "sites" / "city-gov.html")
    (problems,) = doc.xpath("//section[contains(@class,'problems')]")
    (fw,) = problems.xpath("section[contains(@class,'framework-findings')][@data-framework]")
    assert "测试框架<b>" in text(fw.xpath("h3")[0])
    # Only the links requirement counts city-gov's findings (the stale one matches the water
    # company's home page only); its three broken home links sit under it, with the fix.
    (links,) = fw.xpath("section[contains(@class,'indicator')]")
    assert links.get("id") == "req-fw-test-links"
    assert "首页不可用链接" in text(links.xpath("h4")[0]) and "扣 3 分" in text(
        links.xpath("h4")[0]
    )
    (group,) = links.xpath("section[contains(@class,'rule-group')]")
    assert group.get("id") == "rule-link-broken-home"
    assert len(group.xpath(".//tr[contains(@class,'finding')]")) == 3
    assert text(group.xpath("p[@class='fix']")[0]).startswith("整改建议：修复或删除不可用链接")
    # The rest, counted by no requirement, are listed once under 其他检查发现.
    (rest,) = problems.xpath("section[contains(@class,'unscored')]")
    assert [g.get("id") for g in rest.xpath("section[contains(@class,'rule-group')]")] == [
        "rule-homepage-stale",
        "rule-column-stale",
    ]
    ids = doc.xpath("//@id")
    assert len(ids) == len(set(ids))
    # The scorecard links the requirement with findings to its section.
    (req,) = doc.xpath("//tr[@data-requirement='links']//a")
    assert req.get("href") == "#req-fw-test-links"
    assert not doc.xpath("//tr[@data-requirement='catalogue']//a")


def test_indicator_sections_split_a_rule_by_match() -> None:
    # Two requirements share column-stale, split by column_class: each finding shows once,
    # under the requirement that selects it, and the sections get distinct ids.
    f1 = finding("a", "column-stale", "fail", "动态", evidence={"column_class": "动态要闻"})
    f2 = finding("a", "column-stale", "fail", "通知", evidence={"column_class": "通知公告"})
    f3 = finding("a", "column-stale", "error", "无法检查")
    card = {
        "framework": "fw",
        "framework_title": "框架",
        "requirements": [
            {"id": "key", "title": "重点栏目", "rules": ["column-stale"],
             "match": {"column_class": ["动态要闻"]}, "result": "pass", "type": "veto"},
            {"id": "any", "title": "其他栏目", "rules": ["column-stale"],
             "exclude": {"column_class": ["动态要闻"]}, "result": "deducted", "type": "deduction",
             "deduction": 1.0},
        ],
    }  # fmt: skip
    groups, rest = ctx.indicator_findings([f1, f2, f3], [card])
    (fw,) = groups
    key, other = fw.indicators
    assert [f.subject for g in key.groups for f in g.findings] == ["动态", "无法检查"]
    assert [f.subject for g in other.groups for f in g.findings] == ["通知"]
    assert [g.anchor for g in key.groups + other.groups] == [
        "rule-column-stale",
        "rule-column-stale-2",
    ]
    assert rest == ()
    # Cards stored before requirements named their rules: no grouping, the flat list stays.
    assert ctx.indicator_findings([f1], [{"framework": "fw", "requirements": [{"id": "x"}]}]) == (
        (),
        (),
    )


def test_sector_pages_show_only_their_sites(report: Path) -> None:
    index = parse(report / "sectors" / "index.html")
    rows = index.xpath("//table[contains(@class,'sector-table')]/tbody/tr")
    regulators = {text(r.xpath("td")[0]): r.xpath("td/a/@href")[0] for r in rows}
    assert set(regulators) == {"某市水务局", "三河市人民政府办公室"}
    water = parse(report / regulators["某市水务局"].removeprefix("../"))
    assert "某市水务局" in text(water.xpath("//h1")[0])
    sites = water.xpath("//table[contains(@class,'site-table')]/tbody/tr/@data-site")
    assert sites == ["water-co"]
    common = [text(s) for s in water.xpath("//ol[contains(@class,'common-list')]/li/strong")]
    assert common == ["首页长期未更新"]  # the catalogue error is not a problem found
    # The file name is a hash of the regulator: stable across runs, safe on any disk.
    assert regulators["某市水务局"].startswith("../sectors/reg-")


def test_rule_pages_list_failing_sites_and_muted_items(report: Path) -> None:
    index = parse(report / "rules" / "index.html")
    rows = index.xpath("//table[contains(@class,'rule-table')]/tbody/tr")
    assert [r.get("data-rule") for r in rows][:2] == ["homepage-stale", "link-broken-home"]
    first = rows[0]
    assert text(first.xpath("td")[2]) == "3"  # homepage-stale fails on all three sites
    (muted,) = index.xpath("//table[contains(@class,'muted-table')]/tbody/tr")
    assert muted.get("data-site") == "city-gov" and muted.get("data-rule") == "column-empty"
    assert text(muted.xpath("td[contains(@class,'mute-reason-cell')]")[0]).startswith("栏目已于")
    assert text(muted.xpath("td[contains(@class,'mute-expires')]")[0]) == "2024年12月31日"
    page = parse(report / "rules" / "link-broken-home.html")
    (site,) = page.xpath("//table[contains(@class,'rule-site-table')]/tbody/tr")
    assert site.get("data-site") == "city-gov"
    assert site.xpath("td/a/@href") == ["../sites/city-gov.html#rule-link-broken-home"]
    assert text(site.xpath("td")[3]) == "3"
    passed = text(page.xpath("//section[contains(@class,'rule-passed')]")[0])
    assert "某市供水有限公司" in passed and "三河市教育局" in passed
    empty = parse(report / "rules" / "column-empty.html")
    assert "2024年12月31日" in text(empty.xpath("//section[contains(@class,'muted-section')]")[0])


# --- the archive: stored runs, trends, diffs (reports/archive.py) --------------------------


def _check_archive(url: str) -> None:
    """Seed runs and compare load_archive's aggregate queries with the store's own APIs."""
    from reports.archive import load_archive
    from store import Store
    from tests import reportseed

    st = Store(url)
    try:
        last = reportseed.seed(st, 6, 12, 3)
        archive = load_archive(st, last)
        assert [r.id for r in archive.runs] == [1, 2, 3]
        assert [r.id for r in archive.trend] == [1, 2, 3]
        assert [d.run.id for d in archive.diffs] == [3, 2, 1]
        for point in archive.runs:
            found = st.findings(point.id)
            assert point.sites == 6
            assert point.findings == dict(Counter(f.status for f in found))
            problems = Counter(f.severity for f in found if f.status in ("fail", "warn"))
            assert {k: v for k, v in point.problems.items() if v} == dict(problems)
            assert point.new == sum(f.change == "new" for f in found)
            assert point.resolved == len(st.resolved(point.id))
            cards = [c for c in st.scores(point.id) if c["framework"] == "seed-2019"]
            assert point.verdicts["seed-2019"] == dict(Counter(c["verdict"] for c in cards))
            scored = [c["score"] for c in cards if c["score"] is not None]
            assert point.mean_scores["seed-2019"] == round(sum(scored) / len(scored), 2)
        newest = archive.diffs[0]
        assert newest.history and newest.previous == ((2, archive.runs[1].as_of),)
        assert {(d.site, d.subject) for d in newest.new} == {
            (f.site, f.subject) for f in st.findings(3) if f.change == "new"
        }
        assert {(d.site, d.subject) for d in newest.resolved} == {
            (f.site, f.subject) for f in st.resolved(3)
        }
        assert sum(c.new for c in newest.sites) == newest.new_total == len(newest.new)
        before = {c["site"]: c for c in st.scores(2)}
        changed = {
            c["site"]
            for c in st.scores(3)
            if (c["score"], c["verdict"])
            != (before[c["site"]]["score"], before[c["site"]]["verdict"])
        }
        assert {c.site for c in newest.verdicts} == changed
        # The first run compares with nothing: every site is checked for the first time.
        first = archive.diffs[-1]
        assert first.previous == () and first.first_sites == 6 and first.resolved == ()
        site = reportseed.make_sites(6)[0].id
        points = archive.site_scores[site]["seed-2019"]
        assert [p.run for p in points] == [1, 2, 3]
        assert [p.score for p in points] == [
            next(c["score"] for c in st.scores(r) if c["site"] == site) for r in (1, 2, 3)
        ]
        assert [n for _, _, n in archive.site_problems[site]] == [
            sum(f.site == site and f.status in ("fail", "warn") for f in st.findings(r))
            for r in (1, 2, 3)
        ]
        # A report of run 2 sees runs 1 and 2 only.
        assert [r.id for r in load_archive(st, 2).runs] == [1, 2]
    finally:
        st.close()


def test_archive_matches_the_store_sqlite(tmp_path: Path) -> None:
    _check_archive(f"sqlite:///{tmp_path / 'gk.db'}")


@pytest.mark.postgres
def test_archive_matches_the_store_postgres(pg_schema_url: str) -> None:
    # The scores come out of the stored scorecards with JSON path expressions, which SQLite
    # and PostgreSQL spell differently.
    _check_archive(pg_schema_url)


def test_mute_expiry_is_stored(tmp_path: Path) -> None:
    from store import Store
    from tests import reportseed

    sites = reportseed.make_sites(1)
    muted = reportseed.finding(
        sites[0].id,
        "column-empty",
        "muted",
        "栏目",
        mute_reason="已报备",
        mute_expires="2027-03-31",
    )
    st = Store(f"sqlite:///{tmp_path / 'gk.db'}")
    try:
        run = reportseed.save_run(st, sites, AS_OF, [muted])
        (got,) = st.findings(run)
        assert (got.mute_reason, got.mute_expires) == ("已报备", "2027-03-31")
    finally:
        st.close()


def test_report_of_a_stored_run_has_archive_and_diff_pages(tmp_path: Path) -> None:
    import cli
    from store import Store
    from tests import reportseed

    st = Store(f"sqlite:///{tmp_path / 'gk.db'}")
    try:
        last = reportseed.seed(st, 6, 12, 4)
        cli.do_report(st, last, tmp_path / "report")
    finally:
        st.close()
    out = tmp_path / "report"
    assert sorted(p.name for p in (out / "runs").glob("*.html")) == [
        "1.html",
        "2.html",
        "3.html",
        "4.html",
        "index.html",
    ]
    runs = parse(out / "runs" / "index.html")
    rows = runs.xpath("//table[contains(@class,'runs-table')]/tbody/tr")
    assert [r.get("data-run") for r in rows] == ["4", "3", "2", "1"]  # newest first
    assert [r.xpath(".//a/@href")[0] for r in rows] == [f"../runs/{n}.html" for n in (4, 3, 2, 1)]
    index = parse(out / "index.html")
    # Two trend charts (scores, problems by severity), each with its numbers as a table.
    charts = index.xpath("//section[contains(@class,'trends')]//*[local-name()='svg']")
    assert len(charts) == 2
    tables = index.xpath("//section[contains(@class,'trends')]//details//tbody")
    assert [len(t.xpath("tr")) for t in tables] == [4, 4]
    site = parse(out / "sites" / f"{reportseed.make_sites(1)[0].id}.html")
    assert len(site.xpath("//section[contains(@class,'score-history')]//tbody/tr")) == 4


# --- charts -------------------------------------------------------------------------------


def test_line_chart_tells_series_apart_without_colour() -> None:
    from lxml import etree

    from reports.charts import Series, line_chart

    svg = line_chart(
        "c1",
        "得分<b>",
        ["01-05", "01-12", "01-19", "01-26"],
        [
            Series("甲<script>", (90.0, 92.0, None, 95.5), (None, None, "否决", None)),
            Series("乙", (70.0, 80.0, 85.0, None)),  # no note: simply no point
        ],
        lo=60,
    )
    root = etree.fromstring(str(svg).encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.get("role") == "img"
    assert root.find("s:title", ns).text == "得分<b>"  # escaped, read back as text
    assert "甲<script>" in root.find("s:desc", ns).text and "否决" in root.find("s:desc", ns).text
    # Series differ by marker shape and dash pattern, not only by colour.
    assert len(root.findall("s:circle", ns)) == 3 + 1  # 甲's three points and its legend marker
    assert len(root.findall("s:rect", ns)) == 3 + 1  # 乙's squares and its legend marker
    dashes = {
        p.get("stroke-dasharray") for p in root.findall("s:path", ns) if p.get("fill") == "none"
    }
    assert dashes == {None, "7 4"}
    # The vetoed point is a cross in the band under the plot, labelled; the line breaks there.
    crosses = [p for p in root.findall("s:path", ns) if p.get("fill") is None]
    assert len(crosses) == 1
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "否决" in texts and "95.5" in texts and "80" in texts
    # Grid lines at whole steps from 60 to 100.
    assert [t for t in texts if t in ("60", "70", "80", "90", "100")][:5] == [
        "60",
        "70",
        "80",
        "90",
        "100",
    ]


def test_bar_chart_fills_stacks_with_patterns() -> None:
    from lxml import etree

    from reports.charts import bar_chart

    svg = bar_chart(
        "c2", "问题数", ["01-05", "01-12"], [("高", (17, 3)), ("中", (27, 0)), ("低", (5, 1))]
    )
    root = etree.fromstring(str(svg).encode())
    ns = {"s": "http://www.w3.org/2000/svg"}
    patterns = root.findall(".//s:pattern", ns)
    assert [p.get("id") for p in patterns] == ["c2-p0", "c2-p1", "c2-p2"]
    # Solid, hatched, dotted: told apart in greyscale print.
    assert (
        patterns[1].find("s:line", ns) is not None and patterns[2].find("s:circle", ns) is not None
    )
    fills = [r.get("fill") for r in root.findall("s:rect", ns) if "url(" in (r.get("fill") or "")]
    assert fills[:3] == ["url(#c2-p0)", "url(#c2-p1)", "url(#c2-p2)"]
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "49" in texts and "4" in texts  # bar totals
    assert "17" in texts and "27" in texts  # segment labels where they fit
