"""privacy_leak: the personal-number scanner (crawlers/privacy.py), extraction, store and kind."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

import conf
from checks.model import Finding, Page, SiteSnapshot
from checks.runner import evaluate
from crawlers import privacy
from crawlers.extract import analyse
from crawlers.items import PageItem
from crawlers.privacy import id_checksum_ok, luhn_ok, mask, redact, scan, value_hash
from reports.render import write_report
from store import Store

NOW = dt.date(2024, 6, 30)
HOME = "http://www.city.gov.cn/"
ART = "http://www.city.gov.cn/gsgg/202406/t20240620_1.html"

# Computed by hand from GB 11643 (weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, MOD 11).
ID = "350102199001011238"
ID_X = "11010519491231002X"
ID_BAD_SUM = "350102199001011239"
ID_BAD_DATE = "350102199002301237"  # checksum right, but 1990-02-30
ID_BAD_REGION = "990102199001011236"  # no province 99
MOBILE = "13856781234"
CARD = "6222021234567894"  # Luhn-valid, 银联 62 prefix
CARD_BAD = "6222021234567895"  # Luhn fails
ORDER_LUHN = "1234567890123452"  # Luhn-valid, no card prefix

ROOT_PACK = Path(__file__).resolve().parents[1] / "config" / "rules" / "privacy.yaml"


def kinds_found(text: str) -> list[tuple[str, str]]:
    """Return (kind, masked) for each hit in text."""
    return [(h.kind, h.masked) for h in scan(text)]


# --- arithmetic ----------------------------------------------------------------------------


def test_id_checksum_and_luhn() -> None:
    assert id_checksum_ok(ID) and id_checksum_ok(ID_X) and id_checksum_ok(ID_X.lower())
    assert not id_checksum_ok(ID_BAD_SUM)
    assert luhn_ok(CARD) and luhn_ok("4111111111111111") and luhn_ok(ORDER_LUHN)
    assert not luhn_ok(CARD_BAD)


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("mobile", "13856781234", "138****1234"),
        ("id_card", "350102199001011238", "35*************238"),
        ("bank_card", "6222021234567894", "6222********7894"),
        ("bank_card", "6222 0212 3456 7894", "6222 **** **** 7894"),
    ],
)
def test_mask_keeps_length_and_local_standard(kind: str, value: str, masked: str) -> None:
    assert mask(kind, value) == masked
    assert len(mask(kind, value)) == len(value)


# --- scanner: positives and negatives -------------------------------------------------------

SCAN_CASES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("valid ID", f"申请人张三，身份证号{ID}，住址某街道。", [("id_card", "35*************238")]),
    ("ID ending in X", f"身份证：{ID_X}。", [("id_card", "11*************02X")]),
    ("full-width digits", "电话：１３８５６７８１２３４", [("mobile", "138****1234")]),
    ("wrong ID checksum", f"身份证号{ID_BAD_SUM}", []),
    ("impossible birth date", f"身份证号{ID_BAD_DATE}", []),
    ("unknown province", f"身份证号{ID_BAD_REGION}", []),
    ("ID inside a longer run", f"流水{ID}7", []),
    ("ID inside a credit code", f"代码91{ID}", []),
    ("mobile", f"手机：{MOBILE}；", [("mobile", "138****1234")]),
    ("labelled 手机号", f"手机号：{MOBILE}", [("mobile", "138****1234")]),
    ("mobile inside 12 digits", f"编号 {MOBILE}5", []),
    ("mobile inside 13 digits", f"订单 9{MOBILE}0", []),
    ("mobile after letters", f"NO.AB{MOBILE}", []),
    ("11 digits not 1[3-9]", "号码 12812341234", []),
    ("date-led serial", "文号 20240105138 号", []),
    ("labelled order number", f"订单编号：{MOBILE}", []),
    ("labelled account", f"账号：{MOBILE}", []),
    ("card labelled", f"银行卡号：{ORDER_LUHN}", [("bank_card", "1234********3452")]),
    ("card by 62 prefix", f"请转入 {CARD} 办理", [("bank_card", "6222********7894")]),
    ("spaced card", "卡号 6222 0212 3456 7894 已冻结", [("bank_card", "6222 **** **** 7894")]),
    ("card failing Luhn", f"银行卡号：{CARD_BAD}", []),
    ("unlabelled Luhn number", f"项目编码 {ORDER_LUHN}", []),
    ("already masked", "电话 138****1234，身份证 35*************238", []),
    ("dates and amounts", "2024年06月20日 金额 1380000.00 元，20240620", []),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in SCAN_CASES], ids=[c[0] for c in SCAN_CASES]
)
def test_scan(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds_found(text) == expected


def test_hits_carry_offset_masked_context_and_salted_hash_never_the_value() -> None:
    text = f"公示名单：李四 身份证{ID} 手机{MOBILE} 王五 身份证{ID_X}"
    masked, hits = redact(text)
    assert [h.kind for h in hits] == ["id_card", "mobile", "id_card"]
    assert [h.offset for h in hits] == [text.index(ID), text.index(MOBILE), text.index(ID_X)]
    assert len(masked) == len(text)
    # The ±20-character context of the mobile cuts into both IDs: they are masked too.
    assert hits[1].context == "5*************238 手机138****1234 王五 身份证11***********"
    dumped = json.dumps([h.to_json() for h in hits], ensure_ascii=False)
    for raw in (ID, MOBILE, ID_X, ID[2:-3], MOBILE[3:7]):
        assert raw not in dumped and raw not in masked
    assert hits[0].hash == value_hash("id_card", ID) != value_hash("id_card", ID_X)
    assert hits[0].hash == scan(f"另一页 {ID}")[0].hash  # stable across pages, for dedupe
    assert len(hits[0].hash) == privacy.HASH_CHARS


def test_contact_mobiles_are_marked() -> None:
    hits = scan(
        f"采购人联系方式：易女士 邱先生;{MOBILE} 13912341239 三、申请人 张三 手机 13712341237"
    )
    assert [h.contact for h in hits] == [True, True, False]


def test_scan_is_linear_on_long_digit_runs() -> None:
    # No timing assertion: a backtracking pattern would not finish this in any reasonable time.
    assert scan("1" * 200_000 + "x" + "9" * 100_000) == []
    assert len(scan(f"{MOBILE}，" * 20_000)) == 20_000


# --- extraction -------------------------------------------------------------------------------

PAGE_HTML = f"""<html><head><meta charset="utf-8"><title>关于低保对象的公示_公示公告_示例市</title>
<meta name="ArticleTitle" content="关于低保对象的公示"><meta name="ColumnName" content="公示公告">
</head><body>
<div class="header"><a href="/">首页</a></div>
<div class="article"><h1>关于低保对象的公示</h1><div class="content">
<p>根据有关规定，现将2024年6月新增低保对象名单公示如下，公示期为7天。</p>
<p>张三，身份证号{ID}，联系电话{MOBILE}，补助金发放银行卡号{CARD}。</p>
<p>李四，身份证号{ID_BAD_SUM}（校验位错误，不是有效号码），编号139000012345。</p>
<p>如有异议，请在公示期内向示例市民政局反映。</p>
</div></div>
<div class="footer">示例市人民政府 主办</div></body></html>"""


def test_analyse_stores_masked_hits_and_masks_the_snippet() -> None:
    got = analyse(PAGE_HTML.encode(), ART)
    assert [(h["kind"], h["masked"], h["contact"]) for h in got.privacy] == [
        ("id_card", "35*************238", False),
        ("mobile", "138****1234", True),
        ("bank_card", "6222********7894", False),
    ]
    assert got.text_snippet is not None and "35*************238" in got.text_snippet
    dumped = json.dumps(got.to_json(), ensure_ascii=False)
    for raw in (ID, MOBILE, CARD):
        assert raw not in dumped
    assert ID_BAD_SUM in dumped  # not a valid ID number: the text is left as published


# --- the kind ---------------------------------------------------------------------------------


def rule(params: dict[str, Any] | None = None) -> conf.Rule:
    """Return the shipped privacy-leak rule, optionally with other params."""
    shipped = YAML(typ="safe").load(ROOT_PACK.read_text("utf-8"))["rules"][0]
    if params is not None:
        shipped = dict(shipped, params=params)
    return conf.Rule.model_validate(shipped)


SITE = conf.Site(id="city", name="示例市人民政府", kind="government", start_urls=[HOME])


def hit(kind: str, value: str, contact: bool = False) -> dict[str, Any]:
    """Return a stored hit for a raw value, as extraction would store it."""
    h = scan(("联系电话 " if contact else "公示 ") + value)[0]
    assert h.kind == kind and h.contact == contact
    return h.to_json()


def page(url: str, title: str, hits: list[dict[str, Any]], column: str = "公示公告") -> Page:
    """Return a fetched article page with stored privacy hits."""
    return Page(
        url=url, kind="page", status=200, error=None, page_type="article", title=title,
        column=column, privacy=hits,
    )  # fmt: skip


def snap(*pages: Page, home_ok: bool = True) -> SiteSnapshot:
    """Return a snapshot with the home page and the given pages."""
    home = Page(url=HOME, kind="page", status=200 if home_ok else 503, error=None, is_home=True)
    stored = {HOME: home, **{p.url: p for p in pages}}
    return SiteSnapshot(
        run_id=1, site_id="city", start_urls=[HOME], pages=stored, links=[], columns=[]
    )


def run(snapshot: SiteSnapshot, params: dict[str, Any] | None = None) -> list[Finding]:
    """Evaluate the shipped rule (or other params) on the audit date."""
    return evaluate(rule(params), SITE, snapshot, NOW)


def test_shipped_rule_is_high_and_applies_to_every_site_kind() -> None:
    r = rule()
    assert (r.id, r.check, r.severity) == ("privacy-leak", "privacy_leak", "high")
    assert r.applies_to.kinds == [] and "2018年政务公开工作要点" in r.basis


def test_one_finding_per_page_with_counts_examples_and_masked_snippet() -> None:
    a = page(
        ART,
        "关于低保对象的公示",
        [hit("id_card", ID), hit("id_card", ID_X), hit("bank_card", CARD)],
    )
    b = page(HOME + "b.html", "无问题文章", [])
    found = run(snap(a, b))
    assert [(f.status, f.severity, f.subject, f.url) for f in found] == [
        ("fail", "high", "关于低保对象的公示", ART)
    ]
    ev = found[0].evidence
    assert ev["counts"] == {"身份证号": 2, "银行卡号": 1}
    assert [h["masked"] for h in ev["hits"]] == [
        "35*************238", "11*************02X", "6222********7894"
    ]  # fmt: skip
    assert ev["snippet"] == "公示 35*************238"
    assert "身份证号 2 个、银行卡号 1 个" in found[0].message


def test_contact_mobiles_warn_fail_or_are_ignored() -> None:
    only_contact = page(ART, "采购公告", [hit("mobile", MOBILE, contact=True)])
    mixed = page(
        HOME + "m.html", "公示", [hit("mobile", MOBILE, contact=True), hit("mobile", "13912341239")]
    )
    assert [f.status for f in run(snap(only_contact, mixed))] == ["warn", "fail"]
    params = {"contact_mobiles": "fail"}
    assert [f.status for f in run(snap(only_contact, mixed), params)] == ["fail", "fail"]
    ignored = run(snap(only_contact, mixed), {"contact_mobiles": "ignore"})
    assert [(f.status, f.evidence["counts"]) for f in ignored] == [("fail", {"手机号": 1})]


def test_exempt_columns_and_titles_and_disabled_kinds() -> None:
    lawful = page(ART, "失信被执行人名单", [hit("id_card", ID)], column="信用信息")
    punish = page(HOME + "p.html", "行政处罚决定", [hit("id_card", ID)], column="惩戒公示")
    leak = page(HOME + "l.html", "补贴发放公示", [hit("id_card", ID), hit("mobile", MOBILE)])
    assert [f.subject for f in run(snap(lawful, punish, leak))] == ["补贴发放公示"]
    assert len(run(snap(lawful, punish, leak), {"exempt_columns": []})) == 3
    only_ids = run(snap(leak), {"kinds": ["mobile"]})
    assert [f.evidence["counts"] for f in only_ids] == [{"手机号": 1}]


def test_duplicate_titles_get_the_url_and_overflow_becomes_a_summary() -> None:
    pages = [page(f"{HOME}{i}.html", "公示", [hit("mobile", MOBILE)]) for i in range(4)]
    found = run(snap(*pages), {"max_findings": 2})
    assert [f.subject for f in found] == [
        f"公示（{HOME}0.html）", f"公示（{HOME}1.html）", "其他含个人信息的页面"
    ]  # fmt: skip
    summary = found[-1]
    assert (summary.status, summary.evidence["count"]) == ("fail", 2)
    assert summary.evidence["examples"] == [f"{HOME}2.html", f"{HOME}3.html"]


def test_unreachable_home_is_an_error_not_a_pass() -> None:
    found = run(snap(page(ART, "公示", [hit("id_card", ID)]), home_ok=False))
    assert [(f.status, f.subject) for f in found] == [("error", "首页")]


# --- masking in every output --------------------------------------------------------------------


def test_raw_values_never_reach_store_findings_report_or_csv(tmp_path: Path) -> None:
    """Extraction → store → kind → findings.json, HTML report and CSV: masked forms only."""
    pa = analyse(PAGE_HTML.encode(), ART)
    store = Store(f"sqlite:///{tmp_path / 'gongkai.db'}")
    run_id = store.start_run(NOW, "config", [SITE])
    for url, analysis, is_home in (
        (HOME, analyse(b"<html><body>home</body></html>", HOME), True),
        (ART, pa, False),
    ):
        store.add_page(
            PageItem(
                run_id=run_id, site_id="city", url=url, kind="page", status=200, is_home=is_home,
                page_type=analysis.page_type, title=analysis.title, column=analysis.column,
                metas=dict(analysis.metas), text_snippet=analysis.text_snippet,
                privacy=list(analysis.privacy),
            )
        )  # fmt: skip
    snapshot = store.load_snapshot(run_id, "city")
    assert snapshot.pages[ART].privacy == pa.privacy
    found = run(snapshot)
    assert [(f.status, f.subject) for f in found] == [("fail", "关于低保对象的公示")]
    store.save_results(run_id, found, [])
    found = store.findings(run_id)
    store.close()

    out = tmp_path / "report"
    run_info = {"id": run_id, "as_of": NOW, "started_at": "2024-06-30T01:00:00",
                "finished_at": "2024-06-30T01:10:00", "status": "ok", "config_dir": "config",
                "stats": {}}  # fmt: skip
    site = {"id": "city", "name": "示例市人民政府", "kind": "government", "sector": None,
            "regulator": None, "start_urls": [HOME], "profile": None}  # fmt: skip
    write_report(out, run_info, [site], found, [])
    outputs = {
        "findings.json": (out / "findings.json").read_text("utf-8"),
        "findings.csv": (out / "findings.csv").read_text("utf-8-sig"),
        "html": "".join(p.read_text("utf-8") for p in out.rglob("*.html")),
        "db": (tmp_path / "gongkai.db").read_bytes().decode("utf-8", "replace"),
    }
    for name, text in outputs.items():
        for raw in (ID, MOBILE, CARD):
            assert raw not in text, (name, raw)
    for name in ("findings.json", "findings.csv", "html"):
        for masked in ("35*************238", "138****1234", "6222********7894"):
            assert masked in outputs[name], (name, masked)


# --- real pages -------------------------------------------------------------------------------

REALWORLD = Path(
    os.environ.get("GONGKAI_REALWORLD")
    or Path(__file__).resolve().parents[2] / "shared" / "realworld"
)
# Checked by hand: the only personal numbers in the 51 pages are the two contact mobiles of a
# 采购结果公告 (采购单位联系方式: 易女士 邱先生). ID-like 文号, 统一社会信用代码, order numbers
# and dates elsewhere must not be reported.
REAL_HITS: dict[str, list[tuple[str, str, bool]]] = {
    "ccgp_cjgg_article_2021.html": [
        ("mobile", "189****9580", True),
        ("mobile", "186****5418", True),
    ],
}


def test_scanner_on_real_pages() -> None:
    html_dir = REALWORLD / "html"
    if not html_dir.is_dir():
        if os.environ.get("GONGKAI_REQUIRE_REALWORLD") == "1":
            raise AssertionError(f"real-world pages not found: {html_dir}")
        pytest.skip(f"real-world pages not found: {html_dir} (set GONGKAI_REALWORLD)")
    got: dict[str, list[tuple[str, str, bool]]] = {}
    files = sorted(html_dir.glob("*.html"))
    assert len(files) == 51
    for path in files:
        hits = analyse(path.read_bytes(), "http://www.example.gov.cn/a.html").privacy
        if hits:
            got[path.name] = [(h["kind"], h["masked"], h["contact"]) for h in hits]
    assert got == REAL_HITS
