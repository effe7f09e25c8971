"""Seed a store with checked runs for report tests and bench/report_bench.py: findings go
through the real history (checks.history.annotate) and scoring (checks.scoring.score_run) and
are saved as `gongkai check` saves them, so the report reads what a real run leaves."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence

import conf
from checks.history import annotate, load_previous
from checks.model import Finding, Outcome
from checks.scoring import score_run
from store import Store

# (rule id, check kind, title, severity, basis): shipped rule ids, so titles, fixes and labels
# are the report's real ones.
RULES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "site-unreachable",
        "site_unreachable",
        "网站无法访问",
        "high",
        "国办秘函〔2019〕19号 单项否决",
    ),
    ("homepage-stale", "homepage_stale", "首页长期未更新", "high", "国办秘函〔2019〕19号 单项否决"),
    (
        "column-stale",
        "column_stale",
        "栏目未按时更新",
        "medium",
        "国办秘函〔2019〕19号；国办发〔2015〕15号",
    ),
    ("column-empty", "column_empty", "空白栏目", "medium", "国办秘函〔2019〕19号 空白栏目"),
    ("link-broken-home", "link_broken", "首页不可用链接", "high", "国办秘函〔2019〕19号 扣分指标"),
    ("link-broken", "link_broken", "其他页面不可用链接", "low", "国办秘函〔2019〕19号 扣分指标"),
    ("catalogue-missing", "catalogue_missing", "法定主动公开内容缺失", "high", "条例第二十条"),
    ("meta-missing", "meta_missing", "页面标签和页脚不规范", "medium", "国办发〔2017〕47号"),
    (
        "privacy-leak",
        "privacy_leak",
        "公开信息含未去标识化的个人信息",
        "high",
        "《2018年政务公开工作要点》",
    ),
    (
        "disclosure-timeliness",
        "timeliness",
        "主动公开信息未在20个工作日内公开",
        "medium",
        "条例第二十六条",
    ),
    (
        "interpretation-missing",
        "interpretation_missing",
        "政策文件未同步发布解读",
        "medium",
        "国办发〔2016〕80号",
    ),
    (
        "guide-outdated",
        "guide_outdated",
        "政府信息公开指南要素缺失或未及时更新",
        "medium",
        "条例第十二条",
    ),
)
RULE_INFO = {r[0]: r for r in RULES}

FRAMEWORK = conf.Framework.model_validate(
    {
        "id": "seed-2019",
        "title": "政府网站检查指标（测试）",
        "basis": "国办秘函〔2019〕19号",
        "requirements": [
            {
                "id": "unreachable",
                "title": "站点无法访问",
                "rules": ["site-unreachable"],
                "veto": {"count": 1},
            },
            {
                "id": "home",
                "title": "首页不更新",
                "rules": ["homepage-stale"],
                "veto": {"count": 1},
            },
            {
                "id": "columns",
                "title": "栏目不更新",
                "rules": ["column-stale"],
                "points": 10,
                "per_finding": 1,
            },
            {
                "id": "empty",
                "title": "空白栏目",
                "rules": ["column-empty"],
                "points": 10,
                "per_finding": 2,
            },
            {
                "id": "home-links",
                "title": "首页不可用链接",
                "rules": ["link-broken-home"],
                "points": 10,
                "per_finding": 1,
            },
            {
                "id": "links",
                "title": "其他页面不可用链接",
                "rules": ["link-broken"],
                "points": 5,
                "per_finding": 0.1,
            },
            {
                "id": "catalogue",
                "title": "信息公开目录",
                "rules": ["catalogue-missing"],
                "points": 10,
                "per_finding": 2,
            },
            {
                "id": "tags",
                "title": "页面标签不规范",
                "rules": ["meta-missing"],
                "points": 5,
                "per_finding": 1,
            },
            {
                "id": "privacy",
                "title": "个人信息保护",
                "rules": ["privacy-leak"],
                "veto": {"count": 3},
                "prewarn": {"count": 1},
            },
            {"id": "interaction", "title": "互动交流", "not_assessable": True},
        ],
    }
)
SECTORS = ("water", "power", "gas", "heat", "health", "education")


def make_sites(n: int) -> list[conf.Site]:
    """Return n sites: governments and departments, and enterprises in several sectors, each
    enterprise under its sector's regulator."""
    sites = []
    for i in range(n):
        if i % 3 == 2:
            sector = SECTORS[i % len(SECTORS)]
            sites.append(
                conf.Site(
                    id=f"ent-{i:03d}",
                    name=f"示例{sector}企业{i:03d}",
                    kind="enterprise",
                    sector=sector,
                    regulator=f"示例市{sector}主管部门",
                    start_urls=[f"http://ent{i:03d}.example.cn/"],
                )
            )
        else:
            sites.append(
                conf.Site(
                    id=f"dept-{i:03d}",
                    name=f"示例市第{i:03d}局",
                    kind="government" if i == 0 else "department",
                    start_urls=[f"http://dept{i:03d}.example.gov.cn/"],
                )
            )
    return sites


def finding(site: str, rule: str, status: str, subject: str, **kw: object) -> Finding:
    """Build a finding of one of the RULES."""
    _, check, title, severity, basis = RULE_INFO[rule]
    return Finding(
        site=site,
        rule=rule,
        check=check,
        status=status,  # type: ignore[arg-type]
        severity=severity,
        subject=subject,
        url=kw.get("url"),  # type: ignore[arg-type]
        message=str(kw.get("message", f"{title}：{subject}")),
        evidence=dict(kw.get("evidence") or {}),  # type: ignore[call-overload]
        basis=basis,
        title=title,
        mute_reason=kw.get("mute_reason"),  # type: ignore[arg-type]
        mute_expires=kw.get("mute_expires"),  # type: ignore[arg-type]
    )


def outcomes_for(sites: Iterable[conf.Site], findings: Sequence[Finding]) -> list[Outcome]:
    """Return every rule's outcome on every site: its worst finding's status, else pass."""
    order = {"fail": 0, "error": 1, "warn": 2, "muted": 3, "pass": 4}
    worst: dict[tuple[str, str], str] = {}
    counts: dict[tuple[str, str], int] = {}
    for f in findings:
        key = (f.site, f.rule)
        counts[key] = counts.get(key, 0) + 1
        if order[f.status] < order[worst.get(key, "pass")]:
            worst[key] = f.status
    out = []
    for s in sites:
        for rule, check, title, severity, basis in RULES:
            key = (s.id, rule)
            out.append(
                Outcome(
                    site=s.id,
                    rule=rule,
                    check=check,
                    status=worst.get(key, "pass"),  # type: ignore[arg-type]
                    findings=counts.get(key, 0),
                    title=title,
                    basis=basis,
                    severity=severity,
                )
            )
    return out


def save_run(
    st: Store,
    sites: Sequence[conf.Site],
    as_of: dt.date,
    findings: Sequence[Finding],
    frameworks: Sequence[conf.Framework] = (FRAMEWORK,),
) -> int:
    """Store one complete, checked run as `gongkai check` would; return its id."""
    run_id = st.start_run(as_of, "tests/reportseed", list(sites))
    outcomes = outcomes_for(sites, findings)
    annotated, history = annotate(findings, outcomes, load_previous(st, run_id), as_of)
    st.save_results(run_id, annotated, outcomes, history)
    cards = score_run(frameworks, {s.id: s for s in sites}, annotated, outcomes)
    st.save_scores(run_id, [c.to_dict() for c in cards])
    st.finish_run(run_id, "complete", {"pages": 40 * len(sites)})
    return run_id


def synthetic_findings(site: conf.Site, week: int, per_site: int, seed: int = 7) -> list[Finding]:
    """Return about `per_site` findings of one site in week `week`: each problem of a stable
    pool lives for weeks (about 5% come and go each week, new and resolved), with evidence
    like the kinds' (HTTP status, source page, title, date, snippet)."""
    rng = random.Random(f"{seed}-{site.id}")
    base = site.start_urls[0]
    out = []
    for k in range(int(per_site * 1.7)):
        start, weeks = rng.randint(-40, 11), rng.randint(10, 52)
        rule = RULES[1 + k % (len(RULES) - 1)][0]  # never site-unreachable: it would veto all
        status = "fail" if rng.random() < 0.7 else "warn"
        if not start <= week < start + weeks:
            continue
        url = f"{base}col{k % 17}/t2024{k:05d}.html"
        out.append(
            finding(
                site.id,
                rule,
                status,
                url,
                url=url,
                message=f"页面链接无法打开（HTTP 404），所在栏目第 {k % 17} 栏。",
                evidence={
                    "status": 404,
                    "source": base,
                    "title": f"关于印发第{k}号文件的通知",
                    "date": (dt.date(2024, 1, 1) + dt.timedelta(days=k % 300)).isoformat(),
                    "snippet": "为进一步做好政务公开工作，现将有关事项通知如下。" * 3,
                },
            )
        )
    return out


def seed(
    st: Store, n_sites: int, per_site: int, runs: int, start: dt.date = dt.date(2026, 1, 5)
) -> int:
    """Store `runs` weekly checked runs of n_sites × about per_site findings; return the last
    run's id."""
    sites = make_sites(n_sites)
    run_id = 0
    for week in range(runs):
        found = [f for s in sites for f in synthetic_findings(s, week, per_site)]
        run_id = save_run(st, sites, start + dt.timedelta(days=7 * week), found)
    return run_id
