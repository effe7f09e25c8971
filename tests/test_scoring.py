"""Scoring: 19号 veto / capped deductions / 预警 / rank, framework loading, and the sample city."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from ruamel.yaml import YAML

import cli
import conf
import samplecity
from checks.model import Finding, Outcome
from checks.scoring import FAIL, PASS, PREWARN, format_score, score_run
from conf import ConfigError, load_config
from samplecity.serve import render_config, start

ROOT = Path(__file__).resolve().parents[1]

# A framework written for these tests, so every number below is visible in this file.
FRAMEWORK = """\
id: test-fw
title: 测试框架
basis: 测试依据
requirements:
  - id: unreachable
    title: 站点无法访问
    rules: [site-unreachable]
    veto: {count: 1}
  - id: key-stale
    title: 动态要闻类栏目不更新
    rules: [column-stale]
    match: {column_class: [动态要闻]}
    veto: {count: 3}
    prewarn: {count: 2}
  - id: empty
    title: 空白栏目
    rules: [column-empty]
    veto: {count: 5}
    prewarn: {count: 3}
  - id: home-links
    title: 首页不可用链接
    rules: [link-broken-home]
    points: 10
    per_finding: 1
    cap: 4
  - id: other-links
    title: 其他页面不可用链接
    rules: [link-broken]
    points: 5
    per_finding: 0.1
  - id: tags
    title: 页面标签不规范
    rules: [meta-missing]
    points: 40
  - id: manual
    title: 互动交流
    not_assessable: true
"""
RULES = ["site-unreachable", "column-stale", "column-empty", "link-broken-home", "link-broken"]
RULES_ALL = [*RULES, "meta-missing"]


def framework(text: str = FRAMEWORK) -> conf.Framework:
    return conf.Framework.model_validate(YAML(typ="safe").load(text))


def f(site: str, rule: str, status: str = "fail", subject: str = "x", **evidence) -> Finding:
    return Finding(
        site=site,
        rule=rule,
        check=rule.replace("-", "_"),
        status=status,  # type: ignore[arg-type]
        severity="medium",
        subject=subject,
        url=None,
        message="测试",
        evidence=evidence,
        basis="测试",
    )


def many(site: str, rule: str, n: int, **kw) -> list[Finding]:
    return [f(site, rule, subject=f"{rule}-{i}", **kw) for i in range(n)]


def outcomes(site: str, rules: list[str]) -> list[Outcome]:
    # Scoring reads outcomes only to know which rules ran on the site.
    return [Outcome(site=site, rule=r, check=r, status="pass") for r in rules]


SITES = {
    "a": SimpleNamespace(kind="government", sector=None),
    "b": SimpleNamespace(kind="department", sector=None),
    "c": SimpleNamespace(kind="department", sector=None),
    "d": SimpleNamespace(kind="department", sector=None),
    "e": SimpleNamespace(kind="department", sector=None),
    "f": SimpleNamespace(kind="enterprise", sector="water"),
}


def table_findings() -> list[Finding]:
    return [
        # a: 6 broken home links × 1 = 6, capped at 4; 3 other broken links × 0.1 = 0.3.
        *many("a", "link-broken-home", 6),
        *many("a", "link-broken", 3),
        # b: 2 动态要闻 stale columns reach the 预警 line (2) below the veto line (3); a stale
        # 通知公告 column does not match; 1 empty column is below its 预警 line (3).
        f("b", "column-stale", subject="工作动态", column_class="动态要闻"),
        f("b", "column-stale", subject="要闻", column_class="动态要闻"),
        f("b", "column-stale", subject="通知公告", column_class="通知公告、政策文件"),
        f("b", "column-empty", subject="在线访谈"),
        f("b", "link-broken", subject="http://b/x"),
        # c: the home page cannot be opened: veto, and many other problems no longer matter.
        f("c", "site-unreachable", subject="http://c/"),
        *many("c", "link-broken-home", 3),
        # d: tags has no per_finding, so any finding deducts all 40 points (2 findings: 40);
        # 5 home links → 4 (cap); 60 other links × 0.1 = 6, capped at the 5 points.
        *many("d", "meta-missing", 2),
        *many("d", "link-broken-home", 5),
        *many("d", "link-broken", 60),
        # e: 3 动态要闻 columns but one is muted → 2 count (预警, not veto); the home-link rule
        # errored → 无法评估, not a silent pass; muted broken links deduct nothing.
        f("e", "column-stale", subject="工作动态", column_class="动态要闻"),
        f("e", "column-stale", subject="要闻", column_class="动态要闻"),
        f("e", "column-stale", "muted", subject="部门动态", column_class="动态要闻"),
        f("e", "link-broken-home", "error", subject="首页"),
        *many("e", "link-broken", 2, status="muted"),
        # f: nothing found; meta-missing does not apply to enterprises (no outcome) → 未检查.
    ]


def table_outcomes() -> list[Outcome]:
    out: list[Outcome] = []
    for sid in "abcde":
        out += outcomes(sid, RULES_ALL)
    return out + outcomes("f", RULES)


def test_hand_worked_table() -> None:
    cards = {c.site: c for c in score_run([framework()], SITES, table_findings(), table_outcomes())}
    got = {
        sid: (c.score, c.verdict, c.prewarns, c.rank_group, c.group_size, c.rank_overall)
        for sid, c in cards.items()
    }
    assert got == {
        # 100 − 4 (home, capped) − 0.3 (other) = 95.7
        "a": (95.7, PASS, [], 1, 1, 4),
        # 100 − 0.1 = 99.9; key-stale 2 ≥ prewarn 2 → 预警
        "b": (99.9, PREWARN, ["动态要闻类栏目不更新（2 项）"], 2, 4, 3),
        # veto → 不合格 with no score; vetoed sites tie last (overall 6, department 4)
        "c": (None, FAIL, [], 4, 4, 6),
        # 100 − 40 − 4 − 5 = 51 < 60 → 不合格, ranked above the vetoed site
        "d": (51.0, FAIL, [], 3, 4, 5),
        # 100 − 0 (error deducts nothing found; muted count nothing); 2 ≥ prewarn 2 → 预警
        "e": (100.0, PREWARN, ["动态要闻类栏目不更新（2 项）"], 1, 4, 1),
        # 100; ties e overall (competition rank 1, 1, 3, …); alone in enterprise:water
        "f": (100.0, PASS, [], 1, 1, 1),
    }
    assert cards["c"].vetoes == ["站点无法访问（1 项）"]
    assert cards["c"].deductions == 3.0  # kept for the record: 3 home links × 1, under cap 4
    assert cards["e"].unassessed == ["首页不可用链接（无法评估）"]
    assert cards["f"].unassessed == ["页面标签不规范（未检查）"]
    assert cards["f"].group == "enterprise:water" and cards["b"].group == "department"
    assert {c.overall_size for c in cards.values()} == {6}


def test_requirement_rows() -> None:
    cards = {c.site: c for c in score_run([framework()], SITES, table_findings(), table_outcomes())}
    rows = {
        r.id: (r.result, r.found, r.deduction, r.errors, r.muted) for r in cards["e"].requirements
    }
    assert rows == {
        "unreachable": ("pass", 0, 0.0, 0, 0),
        "key-stale": ("prewarn", 2, 0.0, 0, 1),
        "empty": ("pass", 0, 0.0, 0, 0),
        "home-links": ("error", 0, 0.0, 1, 0),
        "other-links": ("pass", 0, 0.0, 0, 2),
        "tags": ("pass", 0, 0.0, 0, 0),
        "manual": ("not_assessable", 0, 0.0, 0, 0),
    }
    d = {r.id: (r.result, r.found, r.deduction) for r in cards["d"].requirements}
    assert d["tags"] == ("deducted", 2, 40.0)
    assert d["home-links"] == ("deducted", 5, 4.0)  # cap 4 below points 10
    assert d["other-links"] == ("deducted", 60, 5.0)  # 6.0 clamped to points 5 (score_cap)
    b = {r.id: (r.result, r.found) for r in cards["b"].requirements}
    assert b["key-stale"] == ("prewarn", 2) and b["empty"] == ("pass", 1)


def test_veto_line_and_error_with_found_problems() -> None:
    # 3 matching findings reach veto count 3 even though a fourth finding is an error.
    findings = [
        *[f("x", "column-stale", subject=f"动态{i}", column_class="动态要闻") for i in range(3)],
        f("x", "column-stale", "error", subject="规则执行"),
    ]
    (card,) = score_run([framework()], {"x": SITES["b"]}, findings, outcomes("x", RULES_ALL))
    row = next(r for r in card.requirements if r.id == "key-stale")
    assert (row.result, row.found, row.errors) == ("veto", 3, 1)
    assert (card.verdict, card.score) == (FAIL, None)
    # Below the line the error wins: the rule could not look, so no 达标 is claimed.
    (card,) = score_run([framework()], {"x": SITES["b"]}, findings[1:], outcomes("x", RULES_ALL))
    row = next(r for r in card.requirements if r.id == "key-stale")
    assert row.result == "error" and card.unassessed == ["动态要闻类栏目不更新（无法评估）"]
    assert card.verdict == PASS  # scored on what could be assessed; the note says the rest


def test_applies_to_and_format_score() -> None:
    fw = framework(
        FRAMEWORK.replace("requirements:", "applies_to: {kinds: [department]}\nrequirements:")
    )
    cards = score_run([fw], SITES, table_findings(), table_outcomes())
    assert sorted(c.site for c in cards) == ["b", "c", "d", "e"]
    assert [format_score(x) for x in (None, 98.0, 94.9, 99.95)] == ["—", "98", "94.9", "99.95"]


def test_shipped_framework_counts_forged_date_as_veto_not_as_tags(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    fw = next(x for x in load_config("config").frameworks if x.id == "gov-website-2019")
    findings = [
        f("g", "meta-missing", subject="PubDate 晚于抓取时间"),
        f("g", "meta-missing", subject="文章页缺少 PubDate"),
    ]
    (card,) = score_run([fw], {"g": SITES["b"]}, findings, outcomes("g", ["meta-missing"]))
    rows = {r.id: (r.result, r.found, r.deduction) for r in card.requirements}
    assert rows["fabricated-date"] == ("veto", 1, 0.0)
    assert rows["page-tags"] == ("deducted", 1, 1.0)  # the forged one is excluded
    assert rows["homepage-stale"] == ("not_checked", 0, 0.0)
    assert card.vetoes == ["伪造发稿日期（1 项）"]


# --- framework loading -----------------------------------------------------------------------

SITES_YAML = """\
sites:
  - id: city-gov
    name: 示例市人民政府
    kind: government
    start_urls: [https://www.example.gov.cn/]
"""
RULES_YAML = """\
rules:
  - id: site-unreachable
    check: site_unreachable
    title: 网站无法访问
    severity: high
    basis: 国办秘函〔2019〕19号
  - id: column-empty
    check: column_empty
    title: 空白栏目
    severity: medium
    basis: 国办秘函〔2019〕19号
"""
BAD = """\
id: bad-fw
title: 测试框架
basis: 测试
requirements:
  - id: one
    title: 一
    rules: [site-unreachable, column-emty]
    veto: {count: 1}
  - id: one
    title: 重复
    rules: [column-empty]
    points: -1
  - id: three
    title: 三
    rules: [column-empty]
    points: 5
    per_finding: 6
    cap: 7
  - id: four
    title: 四
    rules: [column-empty]
    veto: {count: 3}
    prewarn: {count: 3}
  - id: five
    title: 五
    rules: [column-empty]
  - id: six
    title: 六
    rules: [column-empty]
    veto: {count: 2}
    points: 99
  - id: seven
    title: 七
    not_assessable: true
    rules: [column-empty]
"""


def write_config(root: Path, frameworks: dict[str, str]) -> Path:
    (root / "rules").mkdir(parents=True)
    (root / "frameworks").mkdir()
    (root / "sites.yaml").write_text(SITES_YAML, encoding="utf-8")
    (root / "rules" / "base.yaml").write_text(RULES_YAML, encoding="utf-8")
    for name, text in frameworks.items():
        (root / "frameworks" / name).write_text(text, encoding="utf-8")
    return root


def test_framework_loading_errors(tmp_path: Path) -> None:
    root = write_config(tmp_path / "cfg", {"bad.yaml": BAD})
    with pytest.raises(ConfigError) as exc:
        load_config(root)
    fw = f"{root}/frameworks/bad.yaml"
    p = "评分框架 'bad-fw'："
    assert [str(x) for x in exc.value.problems] == [
        f"{fw}:4: {p}各扣分项 points 合计 104 分，超过 100 分",
        f"{fw}:7: {p}要求 'one'：rules 中的 'column-emty' 不是已定义的规则 id（是否应为 column-empty？）",
        f"{fw}:9: {p}要求 'one'：id 重复，已在第 5 行定义，同一框架内要求 id 必须唯一",
        f"{fw}:12: {p}requirements[1].points 取值 -1 无效，应大于 0",
        f"{fw}:17: {p}要求 'three'：per_finding（6）不能大于 points（5）",
        f"{fw}:18: {p}要求 'three'：cap（7）不能大于 points（5）：单项扣分不超过该项分值",
        f"{fw}:23: {p}要求 'four'：prewarn.count（3）必须小于 veto.count（3）",
        f"{fw}:24: {p}要求 'five'：必须填写 veto（单项否决线）或 points（扣分分值）之一",
        f"{fw}:31: {p}要求 'six'：veto 和 points 不能同时填写：单项否决项不扣分",
        f"{fw}:35: {p}要求 'seven'：not_assessable 的要求不能填写 rules（网站无法体现，不参与计分）",
    ]


def test_duplicate_framework_ids_and_yml(tmp_path: Path) -> None:
    good = FRAMEWORK.replace("test-fw", "dup").split("  - id: key-stale")[0]
    root = write_config(tmp_path / "cfg", {"a.yaml": good, "b.yaml": good, "c.yml": good})
    with pytest.raises(ConfigError) as exc:
        load_config(root)
    assert [str(x) for x in exc.value.problems] == [
        # Problems are grouped by file in the order files were first reported (.yml first).
        f"{root}/frameworks/c.yml:1: 评分框架文件必须以 .yaml 结尾，此文件不会被读取；请改名为 c.yaml",
        f"{root}/frameworks/b.yaml:1: 评分框架 'dup'：id 重复，已在 {root}/frameworks/a.yaml:1 定义，"
        "评分框架 id 必须唯一",
    ]


def test_framework_loads(tmp_path: Path) -> None:
    good = FRAMEWORK.split("  - id: key-stale")[0]
    config = load_config(write_config(tmp_path / "cfg", {"t.yaml": good}))
    (fw,) = config.frameworks
    assert (fw.id, [r.id for r in fw.requirements]) == ("test-fw", ["unreachable"])
    assert fw.requirements[0].veto == conf.Threshold(count=1)
    # Without frameworks/ the config simply has none.
    shutil.rmtree(tmp_path / "cfg" / "frameworks")
    assert load_config(tmp_path / "cfg").frameworks == []


# --- the sample city -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def city_scores(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Audit the sample city with the shipped framework; return findings.json and the report."""
    tmp = tmp_path_factory.mktemp("scores")
    out = tmp / "report"
    printed = io.StringIO()
    with start() as city, contextlib.redirect_stdout(printed):
        config_dir = render_config(tmp / "config", city)  # includes config/frameworks
        cli.main(
            [
                "run",
                "--config",
                str(config_dir),
                "--db",
                f"sqlite:///{tmp / 'gk.db'}",
                "--as-of",
                samplecity.AS_OF.isoformat(),
                "--out",
                str(out),
            ]
        )
    data = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return {"data": data, "out": out, "stdout": printed.getvalue()}


def test_sample_city_scores(city_scores: dict) -> None:
    # Derived by hand from samplecity/truth.yaml with config/frameworks/gov-website-2019.yaml
    # (which applies to government and department sites only, so no enterprise is scored):
    #   portal: 2 broken home links × 1 = 2                              → 98, 合格
    #   czj:    PubDate 晚于抓取时间 → 伪造发稿日期 veto, and 2 局长信箱 messages over 3
    #           months → 留言 veto (2 stale 通知公告/政策文件
    #           columns stay below the 预警 line 3)                       → 不合格
    #   jyj:    1 other broken link × 0.1 + 2 catalogue items × 2 + 1 tag problem × 1
    #           + 3 documents without 解读 × 1 = 0.1 + 4 + 1 + 3 = 8.1;
    #           1 stale 动态 column is below the lines                    → 91.9, 合格
    #   wjw:    1 broken attachment × 0.1 (the 403 is warn, not counted) + 1 tag problem
    #           + 1 late 解读 × 1 = 2.1; 2 empty columns stay below the 预警 line 3 → 97.9, 合格
    #   zjj:    homepage 22 days old → veto, a 暗链 → 安全 veto (its unlinked 解读 pair
    #           only warns)                                                    → 不合格
    #   tjj:    unreachable → veto; homepage, catalogue, tag and 解读 rules errored → 无法评估
    # Overall: portal 98 (1), wjw 97.9 (2), jyj 91.9 (3), the three vetoed tie at 4.
    # Departments: wjw 1, jyj 2, czj/zjj/tjj 3 of 5; the portal is alone among governments.
    # config/frameworks/public-enterprise-2020.yaml scores the three enterprises, each alone
    # in its sector group:
    #   water:    水质信息 missing × 10 + 1 late 停水 notice × 5 = 15       → 85, 合格
    #   gas:      1 broken home link × 1 + 1 late 停气 notice × 5 = 6      → 94, 合格
    #   hospital: full 身份证号 in the 拟聘用人员 PDF → privacy veto; outage notices 不适用
    #                                                                   → 不合格
    by_fw: dict[str, dict[str, dict]] = {}
    for c in city_scores["data"]["scores"]:
        by_fw.setdefault(c["framework"], {})[c["site"]] = c
    assert set(by_fw) == {"gov-website-2019", "public-enterprise-2020", "chengdu-2011"}
    cards = by_fw["gov-website-2019"]
    got = {
        sid: (c["score"], c["verdict"], c["rank_overall"], c["rank_group"], c["group_size"])
        for sid, c in cards.items()
    }
    assert got == {
        "portal": (98.0, PASS, 1, 1, 1),
        "czj": (None, FAIL, 4, 3, 5),
        "jyj": (91.9, PASS, 3, 2, 5),
        "wjw": (97.9, PASS, 2, 1, 5),
        "zjj": (None, FAIL, 4, 3, 5),
        "tjj": (None, FAIL, 4, 3, 5),
    }
    ent = {
        sid: (c["score"], c["verdict"], c["rank_overall"], c["rank_group"], c["group_size"])
        for sid, c in by_fw["public-enterprise-2020"].items()
    }
    assert ent == {
        "water": (85.0, PASS, 2, 1, 1),
        "gas": (94.0, PASS, 1, 1, 1),
        "hospital": (None, FAIL, 3, 1, 1),
    }
    # config/frameworks/chengdu-2011.yaml (要点 items 10-11; 5 per finding, a missing or late
    # report 20):
    #   portal: 2 carry-over mismatches × 5 = 10                                   → 90
    #   czj:    1 copied section × 5                                               → 95
    #   jyj:    2 catalogue items × 5 + missing report 20 + 3 documents without 解读 × 5
    #           = 45                                                              → 55, 不合格
    #   wjw:    1 arithmetic error × 5 + 1 late 解读 × 5                            → 90
    #   zjj:    late report 20 + no statistics period 5 + 1 late publication × 5
    #           (the unlinked 解读 pair only warns) = 30                          → 70
    #   tjj:    unreachable → veto                                                 → 不合格
    # Overall: czj 1, portal and wjw tie at 2, zjj 4, jyj 5, tjj 6; departments czj 1, wjw 2,
    # zjj 3, jyj 4, tjj 5.
    local = {
        sid: (c["score"], c["verdict"], c["rank_overall"], c["rank_group"])
        for sid, c in by_fw["chengdu-2011"].items()
    }
    assert local == {
        "portal": (90.0, PASS, 2, 1),
        "czj": (95.0, PASS, 1, 1),
        "jyj": (55.0, FAIL, 5, 4),
        "wjw": (90.0, PASS, 2, 2),
        "zjj": (70.0, PASS, 4, 3),
        "tjj": (None, FAIL, 6, 5),
    }
    hospital = {
        r["id"]: r["result"] for r in by_fw["public-enterprise-2020"]["hospital"]["requirements"]
    }
    assert hospital["outage-notice"] == "not_applicable"
    assert by_fw["public-enterprise-2020"]["hospital"]["unassessed"] == []
    assert cards["czj"]["vetoes"] == [
        "伪造发稿日期（1 项）",
        "政务咨询类留言超过3个月未答复（2 项）",
    ]
    assert cards["zjj"]["vetoes"] == [
        "首页栏目信息更新情况（1 项）",
        "安全、泄密事故等严重问题（1 项）",
    ]
    assert cards["tjj"]["vetoes"] == ["站点无法访问（1 项）"]
    # tjj is down: every requirement whose rules need its pages is 无法评估, in framework order.
    assert cards["tjj"]["unassessed"] == [
        "首页栏目信息更新情况（无法评估）",
        "动态要闻、通知公告、政策文件类栏目不更新（无法评估）",
        "应更新栏目长期未更新（无法评估）",
        "空白栏目（无法评估）",
        "伪造发稿日期（无法评估）",
        "政务咨询类留言超过3个月未答复（无法评估）",
        "安全、泄密事故等严重问题（无法评估）",
        "首页不可用链接（无法评估）",
        "其他页面不可用链接（无法评估）",
        "页面标签不规范（无法评估）",
        "法定主动公开内容缺失（无法评估）",
        "政策解读缺失或未同步（无法评估）",
    ]
    assert all(not c["prewarns"] for c in cards.values())


def test_sample_city_report_shows_scores(city_scores: dict) -> None:
    from lxml import html

    out: Path = city_scores["out"]
    index = html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    rows = index.xpath("//section[@data-framework='gov-website-2019']//tr[@data-site]")
    shown = [
        (
            r.get("data-site"),
            r.xpath("string(td[contains(@class,'score')])"),
            r.xpath("string(td[contains(@class,'verdict')])"),
        )
        for r in rows
    ]
    assert shown[:3] == [("portal", "98", PASS), ("wjw", "97.9", PASS), ("jyj", "91.9", PASS)]
    assert sorted(shown[3:]) == [("czj", "—", FAIL), ("tjj", "—", FAIL), ("zjj", "—", FAIL)]
    site = html.fromstring((out / "sites" / "jyj.html").read_text(encoding="utf-8"))
    req = site.xpath("//tr[@data-requirement='catalogue-missing']")[0]
    assert req.xpath("string(td[contains(@class,'found')])") == "2"
    assert req.xpath("string(td[contains(@class,'deduction')])") == "4"
    assert req.xpath("string(td[contains(@class,'result')])") == "扣分"


def test_sample_city_summary_prints_score_and_verdict(city_scores: dict) -> None:
    lines = city_scores["stdout"].splitlines()
    header = next(line for line in lines if line.startswith("站点"))
    assert header.split()[-2:] == ["得分", "结论"]
    rows = {line.split()[1]: line.split()[-2:] for line in lines if line.startswith("示例市")}
    # Several frameworks are joined with "；" in their order (19号 first, then chengdu-2011).
    assert rows["jyj"] == ["91.9；55", "合格；不合格"]
    assert rows["zjj"] == ["—；70", "不合格；合格"]
    assert rows["tjj"] == ["—；—", "不合格*；不合格*"]  # * some requirements could not be assessed
    assert rows["water"] == ["85", "合格"]  # public-enterprise-2020; 19号 skips enterprises
    assert "* 有评分项无法评估" in city_scores["stdout"]


def test_readme_framework_example_loads(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", readme, flags=re.S) if "city-2026" in b]
    root = write_config(tmp_path / "cfg", {})
    (root / "rules" / "base.yaml").unlink()  # the shipped packs define these ids
    shutil.copytree(ROOT / "config" / "rules", root / "rules", dirs_exist_ok=True)
    (root / "frameworks" / "city.yaml").write_text(block, encoding="utf-8")
    (fw,) = load_config(root).frameworks
    assert [r.id for r in fw.requirements] == ["key-columns", "home-links", "outage", "interaction"]
    assert fw.requirements[2].sectors == ["water", "gas"]
    assert fw.requirements[1].cap == 5
