"""Tests for checks/history.py: fingerprints and new / persisting / resolved across runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import lxml.html
import pytest

import cli
import samplecity
from checks.history import (
    History,
    PreviousRun,
    annotate,
    finding_fingerprint,
    fingerprint,
    normalise_subject,
)
from checks.model import Finding, Outcome
from samplecity.serve import render_config, start
from store import Store

WEEK1, WEEK2, WEEK3 = dt.date(2026, 11, 9), dt.date(2026, 11, 16), dt.date(2026, 11, 23)


def finding(subject: str, status: str = "fail", site: str = "portal", **kw: object) -> Finding:
    """Return a finding of rule column-stale (or `rule=`) on a site."""
    base: dict[str, object] = {
        "site": site,
        "rule": "column-stale",
        "check": "column_stale",
        "status": status,
        "severity": "medium",
        "subject": subject,
        "url": None,
        "message": f"栏目“{subject}”长期未更新",
        "evidence": {},
        "basis": "国办秘函〔2019〕19号",
        "title": "栏目未按时更新",
    }
    return Finding(**(base | kw))  # type: ignore[arg-type]


def outcomes_for(findings: list[Finding], *extra: tuple[str, str, str]) -> list[Outcome]:
    """Return one outcome per (site, rule) of the findings (worst status), plus extra ones."""
    rank = {"fail": 0, "error": 1, "warn": 2, "muted": 3, "pass": 4}
    worst: dict[tuple[str, str], str] = {}
    for f in findings:
        key = (f.site, f.rule)
        if key not in worst or rank[f.status] < rank[worst[key]]:
            worst[key] = f.status
    for site, rule, status in extra:
        worst.setdefault((site, rule), status)
    return [Outcome(site=s, rule=r, check=r, status=st) for (s, r), st in worst.items()]  # type: ignore[arg-type]


def run(
    findings: list[Finding],
    as_of: dt.date,
    previous: dict[str, PreviousRun] | None = None,
    *extra: tuple[str, str, str],
) -> tuple[list[Finding], History]:
    """Annotate a run's findings against `previous`."""
    return annotate(findings, outcomes_for(findings, *extra), previous or {}, as_of)


def by_subject(findings: list[Finding]) -> dict[str, Finding]:
    return {f.subject: f for f in findings}


# --- fingerprints -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("通知公告", " 通知公告 "),
        ("政策 文件", "政策\u3000\u3000文件"),  # ideographic spaces
        ("（通知）公告", "(通知)公告"),  # full-width brackets
        ("ＡＢＣ１２３", "ABC123"),  # full-width letters and digits
        ("a\tb\nc", "a b c"),
    ],
)
def test_fingerprint_ignores_whitespace_and_full_width(a: str, b: str) -> None:
    assert normalise_subject(a) == normalise_subject(b)
    assert fingerprint("portal", "column-stale", a) == fingerprint("portal", "column-stale", b)


def test_fingerprint_separates_site_rule_subject_and_keeps_case() -> None:
    base = fingerprint("portal", "column-stale", "http://x/A.html")
    assert len(base) == 16 and int(base, 16) >= 0
    others = {
        fingerprint("czj", "column-stale", "http://x/A.html"),
        fingerprint("portal", "column-empty", "http://x/A.html"),
        fingerprint("portal", "column-stale", "http://x/a.html"),  # URL paths are case-sensitive
        # The separator keeps ("a b", "c") apart from ("a", "b c").
        fingerprint("portal", "column-stale\x1fhttp", "//x/A.html"),
    }
    assert base not in others and len(others) == 4
    # Status, message and evidence are not part of the identity.
    f = finding("通知公告")
    g = finding("通知公告", status="muted", message="另一句话", evidence={"age": 3})
    assert finding_fingerprint(f) == finding_fingerprint(g)


# --- new / persisting / resolved --------------------------------------------------------------


def test_first_run_marks_everything_new() -> None:
    found, history = run(
        [finding("通知公告"), finding("政策文件", status="warn"), finding("首页", status="pass")],
        WEEK1,
    )
    got = by_subject(found)
    for subject in ("通知公告", "政策文件"):
        assert got[subject].change == "new"
        assert got[subject].first_seen == "2026-11-09"
        assert got[subject].previous_status is None
        assert got[subject].fingerprint == fingerprint("portal", "column-stale", subject)
    # A pass is not a problem: fingerprinted, but neither new nor persisting.
    assert got["首页"].change is None and got["首页"].first_seen is None
    assert got["首页"].fingerprint
    assert history.previous == {"portal": None}
    assert history.resolved == []


def test_chain_across_three_runs() -> None:
    # Week 1: A and B. Week 2: A, B fixed, C appears. Week 3: A, C, B is back.
    w1, h1 = run([finding("A"), finding("B")], WEEK1)
    w2, h2 = run(
        [finding("A"), finding("C", status="warn")],
        WEEK2,
        {"portal": PreviousRun(1, WEEK1, w1)},
    )
    got = by_subject(w2)
    assert (got["A"].change, got["A"].first_seen, got["A"].previous_status) == (
        "persisting",
        "2026-11-09",
        "fail",
    )
    assert (got["C"].change, got["C"].first_seen) == ("new", "2026-11-16")
    assert [(r.subject, r.change, r.status, r.first_seen) for r in h2.resolved] == [
        ("B", "resolved", "fail", "2026-11-09")
    ]
    assert h2.previous == {"portal": (1, "2026-11-09")}

    w3, h3 = run(
        [finding("A"), finding("B"), finding("C", status="warn")],
        WEEK3,
        {"portal": PreviousRun(2, WEEK2, w2)},
    )
    got = by_subject(w3)
    # first_seen is carried through the chain, not reset to the previous run's date.
    assert (got["A"].change, got["A"].first_seen) == ("persisting", "2026-11-09")
    assert (got["C"].change, got["C"].first_seen) == ("persisting", "2026-11-16")
    # B was gone in week 2: the chain broke, so it is new again from week 3.
    assert (got["B"].change, got["B"].first_seen) == ("new", "2026-11-23")
    assert h3.resolved == []
    assert h3.previous == {"portal": (2, "2026-11-16")}


def test_subject_retyped_with_full_width_persists() -> None:
    w1, _ = run([finding("政策 文件（2026）")], WEEK1)
    w2, h2 = run([finding("政策　文件(2026)")], WEEK2, {"portal": PreviousRun(1, WEEK1, w1)})
    assert w2[0].change == "persisting" and w2[0].first_seen == "2026-11-09"
    assert h2.resolved == []


def test_muted_then_failing_persists_with_previous_status() -> None:
    w1, _ = run([finding("A", status="muted", mute_reason="机构改革")], WEEK1)
    assert w1[0].change == "new"
    w2, h2 = run([finding("A")], WEEK2, {"portal": PreviousRun(1, WEEK1, w1)})
    assert (w2[0].status, w2[0].change, w2[0].previous_status, w2[0].first_seen) == (
        "fail",
        "persisting",
        "muted",
        "2026-11-09",
    )
    # And the other way round: a failing finding that gets muted keeps its history.
    w3, h3 = run(
        [finding("A", status="muted", mute_reason="已报批")],
        WEEK3,
        {"portal": PreviousRun(2, WEEK2, w2)},
    )
    assert (w3[0].change, w3[0].previous_status, w3[0].first_seen) == (
        "persisting",
        "fail",
        "2026-11-09",
    )
    assert h2.resolved == [] and h3.resolved == []


def test_only_open_problems_resolve() -> None:
    prev = [
        finding("fixed"),
        finding("warned", status="warn"),
        finding("accepted", status="muted", mute_reason="例外"),
        finding("passed", status="pass"),
    ]
    w1, _ = run(prev, WEEK1)
    _, h2 = run(
        [], WEEK2, {"portal": PreviousRun(1, WEEK1, w1)}, ("portal", "column-stale", "pass")
    )
    assert [(r.subject, r.status, r.previous_status) for r in h2.resolved] == [
        ("fixed", "fail", "fail"),
        ("warned", "warn", "warn"),
    ]


def test_rule_that_could_not_run_or_no_longer_applies_resolves_nothing() -> None:
    w1, _ = run([finding("A"), finding("B", rule="column-empty")], WEEK1)
    error = finding("抓取数据", status="error")  # this week the rule could not be evaluated
    # column-stale ended in 无法检查; column-empty was not evaluated at all (dropped from config).
    w2, h2 = run([error], WEEK2, {"portal": PreviousRun(1, WEEK1, w1)})
    assert h2.resolved == []
    assert w2[0].change == "new"


def test_site_absent_from_previous_run_is_first_check() -> None:
    # Week 1 covered only portal; week 2 adds czj (a different --site selection).
    w1, _ = run([finding("A")], WEEK1)
    w2, h2 = run(
        [finding("A"), finding("A", site="czj"), finding("B", site="czj")],
        WEEK2,
        {"portal": PreviousRun(1, WEEK1, w1)},
    )
    got = {(f.site, f.subject): f for f in w2}
    assert got[("portal", "A")].change == "persisting"
    # Same rule and subject on another site is another problem.
    assert got[("czj", "A")].change == "new" and got[("czj", "A")].first_seen == "2026-11-16"
    assert got[("czj", "B")].change == "new"
    assert h2.previous == {"czj": None, "portal": (1, "2026-11-09")}


def test_previous_findings_of_other_sites_are_ignored() -> None:
    # The caller passes each site's own previous run; stray findings of another site are not
    # compared with this site (and are never reported as resolved here).
    w1, _ = run([finding("A"), finding("X", site="czj")], WEEK1)
    w2, h2 = run([finding("A")], WEEK2, {"portal": PreviousRun(1, WEEK1, w1)})
    assert w2[0].change == "persisting"
    assert h2.resolved == []


def test_findings_saved_before_history_take_the_previous_as_of() -> None:
    # A previous run checked before history existed: no first_seen on its findings.
    old = [finding("A"), finding("B")]
    assert old[0].first_seen is None
    w2, h2 = run(
        [finding("A")], WEEK2, {"portal": PreviousRun(1, WEEK1, old)}, ("portal", "x", "pass")
    )
    assert (w2[0].change, w2[0].first_seen) == ("persisting", "2026-11-09")
    assert [(r.subject, r.first_seen) for r in h2.resolved] == [("B", "2026-11-09")]


def test_duplicate_fingerprints_keep_the_earliest_first_seen() -> None:
    prev = [
        finding("A", first_seen="2026-11-02", message="一"),
        finding("A", first_seen="2026-10-26", message="二"),
    ]
    w2, h2 = run([finding("A")], WEEK2, {"portal": PreviousRun(1, WEEK1, prev)})
    assert w2[0].first_seen == "2026-10-26"
    # Two current findings with one fingerprint both persist; nothing resolves.
    w3, h3 = run([finding("A"), finding("A ")], WEEK3, {"portal": PreviousRun(2, WEEK2, w2)})
    assert [f.change for f in w3] == ["persisting", "persisting"]
    assert h2.resolved == [] and h3.resolved == []


# --- the CLI over the sample city -------------------------------------------------------------


def test_two_runs_of_the_sample_city_then_a_mute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`gongkai run` twice a week apart on the same served city, then `check --run 2` with a
    new mute: everything persists from week 1, and the muted finding keeps its history."""
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    week1, week2 = samplecity.AS_OF, samplecity.AS_OF + dt.timedelta(days=7)
    # Served once, so both runs see the same ports and hence the same link subjects.
    with start() as city:
        config_dir = render_config(tmp_path / "config", city)

        def gongkai(*args: str) -> int:
            return cli.main([*args, "--config", str(config_dir), "--db", db])

        assert gongkai("run", "--as-of", week1.isoformat(), "--out", str(tmp_path / "r1")) == 1
        first = capsys.readouterr().out
        assert gongkai("run", "--as-of", week2.isoformat(), "--out", str(tmp_path / "r2")) == 1
        second = capsys.readouterr().out

    st = Store(db)
    try:
        run1, run2 = st.findings(1), st.findings(2)
        open1 = [f for f in run1 if f.status in ("fail", "warn", "error")]
        assert open1, "the sample city has deliberate defects"
        assert {f.change for f in open1} == {"new"}
        assert {f.first_seen for f in open1} == {week1.isoformat()}
        # A week later time alone makes four new findings: two home pages pass the 10-day 预警
        # line (jyj 11, wjw 12 days) and two 政府采购 columns the city's monthly line (czj, wjw).
        # Everything else persists.
        aged = [f for f in run2 if f.change == "new"]
        assert sorted((f.site, f.rule, f.status) for f in aged) == [
            ("czj", "shili-procurement-monthly", "fail"),
            ("jyj", "homepage-stale", "warn"),
            ("wjw", "homepage-stale", "warn"),
            ("wjw", "shili-procurement-monthly", "fail"),
        ]
        assert all(f.evidence["prewarn"] is True for f in aged if f.rule == "homepage-stale")
        tracked2 = [f for f in run2 if f.status != "pass" and f not in aged]
        assert {f.fingerprint for f in tracked2} == {f.fingerprint for f in open1}
        assert {f.change for f in tracked2} == {"persisting"}
        assert {f.first_seen for f in tracked2} == {week1.isoformat()}
        assert all(f.previous_status == f.status for f in tracked2)
        assert st.resolved(2) == []
        sites = {s.site_id for s in st.run_sites(2)}
        assert st.history(1) == History(previous=dict.fromkeys(sorted(sites)), resolved=[])
        assert st.history(2).previous == {s: (1, week1.isoformat()) for s in sites}  # type: ignore[union-attr]
    finally:
        st.close()

    # The summary and the report say what changed.
    assert "新增" in first and "已整改" in first and "首次检查" in first
    assert "首次检查" not in second
    data = json.loads((tmp_path / "r2" / "findings.json").read_text("utf-8"))
    assert data["resolved"] == []
    changes = {(f["rule"], f["change"]) for f in data["findings"] if f["status"] not in ("pass",)}
    time_driven = {"homepage-stale", "shili-procurement-monthly"}
    assert {c for r, c in changes if r not in time_driven} == {"persisting"}
    assert ("homepage-stale", "new") in changes
    index = lxml.html.document_fromstring((tmp_path / "r2" / "index.html").read_bytes())
    line = " ".join(index.xpath("//p[contains(@class,'history-line')]")[0].text_content().split())
    assert "与上次检查相比：新增 4 条，已整改 0 条" in line

    # Mute one of week 2's failures and re-check run 2 (no crawl: the servers are gone).
    target = next(
        f for f in run2 if f.status == "fail" and f not in aged and not set(f.subject) & set("*?[]")
    )
    mute = {
        "rule": target.rule,
        "site": target.site,
        "subject": target.subject,
        "reason": "测试：已报批的例外",
        "expires": "2099-12-31",
    }
    (config_dir / "mutes.yaml").write_text(
        "mutes:\n  - "
        + "\n    ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in mute.items())
        + "\n",
        "utf-8",
    )
    assert cli.main(["check", "--run", "2", "--config", str(config_dir), "--db", db]) == 1
    st = Store(db)
    try:
        rechecked = {f.fingerprint: f for f in st.findings(2) if f.status != "pass"}
        muted = rechecked[target.fingerprint]
        assert (muted.status, muted.mute_reason) == ("muted", "测试：已报批的例外")
        assert (muted.change, muted.previous_status, muted.first_seen) == (
            "persisting",
            "fail",
            week1.isoformat(),
        )
        assert len(rechecked) == len(tracked2) + len(aged)
        assert {
            f.change
            for f in rechecked.values()
            if f.fingerprint not in {a.fingerprint for a in aged}
        } == {"persisting"}
        assert st.resolved(2) == []  # a muted problem is not a fixed one
    finally:
        st.close()
