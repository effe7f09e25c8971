"""privacy_leak in attachments: text extraction per format, the kind, and a real crawl (issue 3)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import docx
import openpyxl
import pytest
import sqlalchemy as sa

import cli
import conf
import store as store_mod
from checks.model import Link, Page, SiteSnapshot
from crawlers import attachments
from crawlers.attachments import document_format, scan_document
from crawlers.privacy import redact_json, scan
from crawlers.run import run_crawl
from samplecity.pdf import Table, pdf_document
from store import Store
from tests.siteserver import SiteServer
from tests.test_crawl import UA, page, write_config
from tests.test_privacy import ID, ID_X, MOBILE, REALWORLD, rule, snap
from tests.test_privacy import run as run_rule

# Fake people; IDs with a valid GB 11643 check character (see tests/test_privacy.py).
ID2 = "350103199807220529"
MOBILE2 = "13912345678"
CARD = "6222021234567894"
ID_MASKED, ID2_MASKED, IDX_MASKED = "35*************238", "35*************529", "11*************02X"
MOBILE_MASKED, MOBILE2_MASKED = "138****1234", "139****5678"
RAW = (ID, ID2, ID_X, MOBILE, MOBILE2, CARD)


# --- building small documents -------------------------------------------------------------------


def make_pdf() -> bytes:
    """A 公示 PDF: a paragraph and a ruled table of names, IDs and mobiles."""
    return pdf_document(
        [
            "现将拟聘用人员名单公示如下，公示期 5 个工作日。",
            Table([["序号", "姓名", "身份证号", "手机号码"], ["1", "张某", ID, MOBILE]]),
            f"第二名：李某，身份证号{ID2}。",
        ],
        title="拟聘用人员名单",
    )


def make_docx() -> bytes:
    """A DOCX whose ID number is split over three runs and whose table holds a mobile."""
    d = docx.Document()
    p = d.add_paragraph("申请人李某，身份证号")
    for part in (ID2[:6], ID2[6:14], ID2[14:]):
        p.add_run(part)
    p.add_run("。")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "姓名", "手机"
    table.cell(1, 0).text, table.cell(1, 1).text = "李某", MOBILE2
    # A nested table is read too (python-docx's Document.paragraphs would miss it).
    table.cell(1, 0).add_table(rows=1, cols=1).cell(0, 0).text = f"备用卡号 {CARD}"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def make_xlsx() -> bytes:
    """An XLSX: IDs as text, a mobile stored as a number, and a second sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "手机"])
    ws.append(["王某", ID_X, int(MOBILE)])  # Excel keeps an 11-digit phone as a number
    ws.append(["赵某", ID, float(MOBILE2)])
    wb.create_sheet("补充").append(["备注", None, "无"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def hits_of(data: bytes, url: str) -> list[tuple[str, str]]:
    """Return (kind, masked) of each hit scan_document finds in a body."""
    result = scan_document(data, url)
    assert result.scanned, result.record()
    return [(h["kind"], h["masked"]) for h in result.hits]


# --- extraction per format ----------------------------------------------------------------------

FORMAT_CASES: list[tuple[str, Any, str, list[tuple[str, str]]]] = [
    (
        "pdf table and paragraph",
        make_pdf,
        "a/名单.pdf",
        [("id_card", ID_MASKED), ("mobile", MOBILE_MASKED), ("id_card", ID2_MASKED)],
    ),
    (
        "docx runs, table, nested table",
        make_docx,
        "a/sq.docx",
        # Document order: the nested table sits in the first cell, before the mobile.
        [("id_card", ID2_MASKED), ("bank_card", "6222********7894"), ("mobile", MOBILE2_MASKED)],
    ),
    (
        "xlsx text and numeric cells",
        make_xlsx,
        "a/bt.xlsx",
        [
            ("id_card", IDX_MASKED),
            ("mobile", MOBILE_MASKED),
            ("id_card", ID_MASKED),
            ("mobile", MOBILE2_MASKED),
        ],
    ),
    (
        "csv in GB18030",
        lambda: f"姓名,身份证号\n周某,{ID}\n".encode("gb18030"),
        "a/md.csv",
        [("id_card", ID_MASKED)],
    ),
    (
        "txt in UTF-8",
        lambda: f"联系人手机：{MOBILE}".encode(),
        "a/x.txt",
        [("mobile", MOBILE_MASKED)],
    ),
    (
        "pdf without personal data",
        lambda: pdf_document(["办事指南，无个人信息。" * 3]),
        "a.pdf",
        [],
    ),
]


@pytest.mark.parametrize(
    ("make", "url", "expected"), [c[1:] for c in FORMAT_CASES], ids=[c[0] for c in FORMAT_CASES]
)
def test_text_of_each_format_is_scanned(make: Any, url: str, expected: list) -> None:
    assert hits_of(make(), "http://www.city.gov.cn/" + url) == expected


def test_scan_record_holds_no_text_and_no_raw_value() -> None:
    result = scan_document(make_pdf(), "http://www.city.gov.cn/md.pdf")
    assert result.record() == {"format": "pdf", "scanned": True, "chars": result.chars}
    dumped = json.dumps([result.record(), result.hits], ensure_ascii=False)
    for raw in RAW:
        assert raw not in dumped


def test_format_follows_the_bytes_not_the_name() -> None:
    assert document_format(make_docx(), "http://x/a.pdf") == "docx"
    assert document_format(make_xlsx(), "http://x/download?id=3") == "xlsx"
    assert document_format(make_pdf(), "http://x/a.docx") == "pdf"
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100
    assert document_format(ole, "http://x/a.docx") == "ole"


def _zip_of(name: str, size: int) -> bytes:
    """A zip with one part of `size` zero bytes (inflates far beyond its size)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", b"\0" * size)
        zf.writestr(name, b"")
    return buf.getvalue()


UNSCANNED_CASES: list[tuple[str, bytes, str, str, str]] = [
    ("old Word file", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "a.doc", "doc", "format"),
    ("old Excel file", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "a.xls", "xls", "format"),
    ("HTML error page named .pdf", b"<html>404</html>", "a.pdf", "pdf", "unreadable"),
    ("broken PDF", b"%PDF-1.4 broken " * 50, "a.pdf", "pdf", "unreadable"),
    ("PDF without a text layer", pdf_document([]), "a.pdf", "pdf", "no_text"),
    ("broken DOCX", _zip_of("x", 10), "a.docx", "docx", "unreadable"),
    ("zip archive", _zip_of("x", 10)[:0] + b"PK\x03\x04 not a zip", "a.zip", "zip", "format"),
]


@pytest.mark.parametrize(
    ("data", "url", "fmt", "reason"),
    [c[1:] for c in UNSCANNED_CASES],
    ids=[c[0] for c in UNSCANNED_CASES],
)
def test_unreadable_files_are_recorded_not_raised(
    data: bytes, url: str, fmt: str, reason: str
) -> None:
    result = scan_document(data, "http://www.city.gov.cn/" + url)
    assert (result.scanned, result.format, result.reason, result.hits) == (False, fmt, reason, [])
    assert result.record()["reason"] == reason and result.record()["detail"]


def test_inflation_and_text_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attachments, "MAX_INFLATED", 10_000)
    bomb = scan_document(_zip_of("word/styles.xml", 20_000), "http://x/a.docx")
    assert (bomb.scanned, bomb.reason) == (False, "too_large")
    monkeypatch.setattr(attachments, "MAX_INFLATED", 200 * 1024 * 1024)
    # The text cap keeps what came first and says the rest was not read.
    monkeypatch.setattr(attachments, "MAX_CHARS", 40)
    cut = scan_document(f"{MOBILE}，{'无关文字' * 20}{MOBILE2}".encode(), "http://x/a.txt")
    assert (cut.scanned, cut.truncated, cut.chars) == (True, True, 40)
    assert [h["masked"] for h in cut.hits] == [MOBILE_MASKED]
    assert cut.record()["truncated"] is True


def test_redact_json_masks_every_string_and_keeps_the_rest() -> None:
    # What read_annual_report stores: section texts keep their words, lose the raw numbers.
    data = {
        "title": f"联系人手机 {MOBILE}",
        "sections": [{"number": "一", "text": f"身份证号{ID}；全年受理 12 件"}],
        "table3": {"一": {"总计": 12}},
        "period": None,
    }
    assert redact_json(data) == {
        "title": f"联系人手机 {MOBILE_MASKED}",
        "sections": [{"number": "一", "text": f"身份证号{ID_MASKED}；全年受理 12 件"}],
        "table3": {"一": {"总计": 12}},
        "period": None,
    }


def test_scanner_finds_nothing_in_real_annual_report_pdfs() -> None:
    # Three real 年报 PDFs (text layer, tables, 联系电话 with area codes): no personal numbers.
    pdfs = sorted((REALWORLD / "annual_reports" / "pdf").glob("*.pdf"))
    if not pdfs:
        if os.environ.get("GONGKAI_REQUIRE_REALWORLD") == "1":
            raise AssertionError(f"real-world PDFs not found under {REALWORLD}")
        pytest.skip(f"real-world PDFs not found under {REALWORLD} (set GONGKAI_REALWORLD)")
    assert len(pdfs) == 3
    for path in pdfs:
        result = scan_document(path.read_bytes(), f"http://www.example.gov.cn/{path.name}")
        assert (result.scanned, result.hits) == (True, []), path.name
        assert result.chars > 1000


# --- the kind on attachments --------------------------------------------------------------------

HOME = "http://www.city.gov.cn/"
GS = HOME + "gsgg/t1.html"
ATT = HOME + "gsgg/P1.pdf"


def stored_hit(kind: str, value: str, contact: bool = False) -> dict[str, Any]:
    """A hit as the crawl stores it."""
    h = scan(("联系电话 " if contact else "名单 ") + value)[0]
    assert h.kind == kind
    return h.to_json()


def att_row(url: str, referer: str, hits: list[dict[str, Any]], fmt: str = "pdf") -> Page:
    """A scanned attachment row."""
    return Page(
        url=url, kind="attachment", status=200, error=None, referer=referer, privacy=hits,
        privacy_scan={"format": fmt, "scanned": True, "chars": 500},
    )  # fmt: skip


def art(url: str, title: str, column: str = "公示公告") -> Page:
    """An article page without personal data in its text."""
    return Page(
        url=url, kind="page", status=200, error=None, page_type="article", title=title,
        column=column,
    )  # fmt: skip


def with_links(s: SiteSnapshot, *links: tuple[str, str, str]) -> SiteSnapshot:
    """Add (source, target, text) attachment links to a snapshot."""
    s.links = [Link(source_url=a, target_url=b, text=t, kind="attachment") for a, b, t in links]
    return s


def test_attachment_hit_names_file_linking_page_type_and_masked_values() -> None:
    s = with_links(
        snap(
            art(GS, "2026年公开招聘拟聘用人员公示"),
            att_row(ATT, GS, [stored_hit("id_card", ID), stored_hit("mobile", MOBILE)]),
        ),
        (GS, ATT, "拟聘用人员名单"),
    )
    found = run_rule(s)
    assert [(f.status, f.subject, f.url) for f in found] == [("fail", "附件：拟聘用人员名单", ATT)]
    f = found[0]
    ev = f.evidence
    assert (ev["attachment_type"], ev["referer"], ev["referer_title"], ev["column"]) == (
        "PDF",
        GS,
        "2026年公开招聘拟聘用人员公示",
        "公示公告",
    )
    assert ev["counts"] == {"身份证号": 1, "手机号": 1}
    assert [h["masked"] for h in ev["hits"]] == [ID_MASKED, MOBILE_MASKED]
    assert "附件“拟聘用人员名单”（PDF 文件，链接于页面“2026年公开招聘拟聘用人员公示”）" in f.message
    assert ev["attachments_scanned"] == 1 and "attachments_unscanned" not in ev
    for raw in RAW:
        assert raw not in json.dumps([f.message, ev], ensure_ascii=False)


def test_attachment_exempt_by_linking_column_or_link_text() -> None:
    hit = [stored_hit("id_card", ID)]
    lawful_col = HOME + "xy/t2.html"
    leak_page = HOME + "gsgg/t3.html"
    s = with_links(
        snap(
            art(lawful_col, "2026年第5批名单", column="失信被执行人"),
            art(leak_page, "补贴发放公示"),
            att_row(HOME + "xy/a.xlsx", lawful_col, hit, "xlsx"),
            att_row(HOME + "gsgg/b.xlsx", leak_page, hit, "xlsx"),
            att_row(HOME + "gsgg/c.xlsx", leak_page, hit, "xlsx"),
        ),
        (lawful_col, HOME + "xy/a.xlsx", "名单"),
        (leak_page, HOME + "gsgg/b.xlsx", "惩戒公示名单"),
        (leak_page, HOME + "gsgg/c.xlsx", "附件2"),
    )
    # Generic link text (附件2): the file name names the attachment.
    assert [f.subject for f in run_rule(s)] == ["附件：c.xlsx"]
    assert len(run_rule(s, {"exempt_columns": []})) == 3


def test_unscanned_attachments_are_counted_in_the_evidence() -> None:
    leak = att_row(ATT, GS, [stored_hit("id_card", ID)])
    old = Page(
        url=HOME + "gsgg/old.doc", kind="attachment", status=200, error=None, referer=GS,
        privacy_scan={"format": "doc", "scanned": False, "reason": "format"},
    )  # fmt: skip
    big = Page(
        url=HOME + "gsgg/big.pdf", kind="attachment", status=200, error=None, referer=GS,
        privacy_scan={"format": "pdf", "scanned": False, "reason": "too_large"},
    )  # fmt: skip
    unchecked = Page(url=HOME + "x.zip", kind="attachment", status=200, error=None)
    s = with_links(snap(art(GS, "公示"), leak, old, big, unchecked), (GS, ATT, "名单"))
    ev = run_rule(s)[0].evidence
    assert ev["attachments_scanned"] == 1
    assert ev["attachments_unscanned"] == {"DOC": 1, "PDF": 1}
    assert set(ev["unscanned_reasons"]) == {
        attachments.REASONS["format"],
        attachments.REASONS["too_large"],
    }
    assert [e["url"] for e in ev["unscanned_examples"]] == [old.url, big.url]
    # Nothing found and nothing unscanned: a pass, no finding.
    assert run_rule(snap(art(GS, "公示"), att_row(ATT, GS, []))) == []


def test_same_named_attachments_get_their_url_and_contact_only_warns() -> None:
    a, b = HOME + "a/1.pdf", HOME + "b/1.pdf"
    contact = [stored_hit("mobile", MOBILE, contact=True)]
    s = with_links(
        snap(art(GS, "公告"), att_row(a, GS, contact), att_row(b, GS, [stored_hit("id_card", ID)])),
        (GS, a, "名单"),
        (GS, b, "名单"),
    )
    found = run_rule(s)
    assert [(f.status, f.subject) for f in found] == [
        ("warn", f"附件：名单（{a}）"),
        ("fail", f"附件：名单（{b}）"),
    ]
    assert rule().params["max_findings"] == 50


# --- a real crawl ---------------------------------------------------------------------------------

LIMIT = 40_000  # attachment_max_bytes of the crawl below
HTML = {"Content-Type": "text/html; charset=utf-8"}
PDF = {"Content-Type": "application/pdf"}


class _Streaming(BaseHTTPRequestHandler):
    """Answers every GET with LIMIT + 10 000 bytes and no Content-Length (HTTP/1.0, close)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.end_headers()
        self.wfile.write(b"%PDF-1.4\n" + b"0" * (LIMIT + 10_000))

    def do_HEAD(self) -> None:  # noqa: N802 - http.server naming
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Serve a site whose 公示 links leaking and harmless attachments; `gongkai run` it."""
    tmp = tmp_path_factory.mktemp("privacy-att")
    streaming = ThreadingHTTPServer(("127.0.0.1", 0), _Streaming)
    Thread(target=streaming.serve_forever, daemon=True).start()
    stream_url = f"http://127.0.0.1:{streaming.server_address[1]}/stream.pdf"
    outside = SiteServer({"/ext.pdf": (200, PDF, make_pdf())}).start()
    s = SiteServer().start()
    gs_links = "".join(
        f'<p><a href="{href}">{text}</a></p>'
        for href, text in [
            ("/gs/md.pdf", "拟聘用人员名单"),
            ("/gs/sq.docx", "申请表"),
            ("/gs/bt.xlsx", "补贴发放表"),
            ("/gs/old.doc", "旧版名单"),
            ("/gs/big.pdf", "高清扫描件"),
            (stream_url, "分段传输的名单"),
            ("/gs/bad.pdf", "损坏的文件"),
            ("/gs/gone.pdf", "已删除的文件"),
            # Off-site (localhost is not 127.0.0.1): status only, never downloaded.
            (outside.url("/ext.pdf").replace("127.0.0.1", "localhost"), "外站名单"),
            ("/gs/nb2024.pdf", "2024年政府信息公开工作年度报告"),
        ]
    )
    s.routes.update(
        {
            "/": (200, HTML, page("测试市人民政府", '<a href="/gs/t1.html">公示公告</a>')),
            "/gs/t1.html": (200, HTML, page("2026年公开招聘拟聘用人员公示", gs_links)),
            "/gs/md.pdf": (200, PDF, make_pdf()),
            "/gs/sq.docx": (200, {"Content-Type": "application/octet-stream"}, make_docx()),
            "/gs/bt.xlsx": (200, {"Content-Type": "application/octet-stream"}, make_xlsx()),
            "/gs/old.doc": (200, {"Content-Type": "application/msword"}, b"\xd0\xcf\x11\xe0"),
            "/gs/big.pdf": (200, PDF, b"%PDF-1.4\n" + b"0" * (LIMIT + 1)),
            "/gs/bad.pdf": (200, PDF, b"%PDF-1.4 broken " * 20),
            "/gs/nb2024.pdf": (200, PDF, pdf_document([f"联系人：周某，手机 {MOBILE2}。"] * 3)),
        }
    )
    crawl = {
        "delay": 0, "timeout": 5, "user_agent": UA, "max_bytes": 1_000_000,
        "attachment_max_bytes": LIMIT,
    }  # fmt: skip
    sites = [
        {
            "id": "s",
            "name": "测试市人民政府",
            "kind": "government",
            "start_urls": [s.url("/")],
            "allowed_domains": ["127.0.0.1"],  # any port of 127.0.0.1: the streaming server too
        }
    ]
    cfg = write_config(tmp / "config", sites, crawl)
    db = f"sqlite:///{tmp / 'gongkai.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp)  # the crawl log goes to var/logs under the temp dir
        argv = ["run", "--config", str(cfg), "--db", db, "--as-of", "2026-06-30"]
        code = cli.main([*argv, "--out", str(tmp / "report")])
    with Store(db) as st, st.engine.connect() as conn:
        rows = conn.execute(sa.select(store_mod.pages_t)).all()
        run_id = rows[0].run_id
        reports = conn.execute(sa.select(store_mod.annual_reports_t)).all()
    try:
        yield {
            "code": code, "tmp": tmp, "db": db, "cfg": cfg, "run_id": run_id, "server": s,
            "outside": outside, "stream_url": stream_url, "reports": reports,
            "rows": {r.url.removeprefix(s.base): r for r in rows},
        }  # fmt: skip
    finally:
        s.stop()
        outside.stop()
        streaming.shutdown()
        streaming.server_close()


def findings(audit: dict[str, Any]) -> list[dict[str, Any]]:
    """The privacy-leak findings of the run's findings.json."""
    data = json.loads((audit["tmp"] / "report" / "findings.json").read_text("utf-8"))
    return [f for f in data["findings"] if f["rule"] == "privacy-leak"]


def test_crawl_downloads_scans_and_stores_masked_hits(audit: dict[str, Any]) -> None:
    rows = audit["rows"]
    got = {
        url: (r.method, r.status, [h["masked"] for h in r.privacy], r.privacy_scan["scanned"])
        for url, r in rows.items()
        if url in ("/gs/md.pdf", "/gs/sq.docx", "/gs/bt.xlsx")
    }
    assert got == {
        "/gs/md.pdf": ("GET", 200, [ID_MASKED, MOBILE_MASKED, ID2_MASKED], True),
        "/gs/sq.docx": ("GET", 200, [ID2_MASKED, "6222********7894", MOBILE2_MASKED], True),
        "/gs/bt.xlsx": ("GET", 200, [IDX_MASKED, MOBILE_MASKED, ID_MASKED, MOBILE2_MASKED], True),
    }
    assert rows["/gs/sq.docx"].privacy_scan["format"] == "docx"


def test_unparsed_oversized_broken_and_missing_attachments_are_recorded(
    audit: dict[str, Any],
) -> None:
    rows = audit["rows"]
    stream = rows[audit["stream_url"].removeprefix(audit["server"].base)]

    def scan_of(r: Any) -> tuple[Any, ...]:
        return (r.method, r.status, r.error, r.privacy_scan["format"], r.privacy_scan["reason"])

    assert scan_of(rows["/gs/old.doc"]) == ("HEAD", 200, None, "doc", "format")
    # Over attachment_max_bytes: stopped at the headers (Content-Length) or mid-stream; the
    # row keeps its 200 (the link works), the scan record says why the text was not read.
    assert scan_of(rows["/gs/big.pdf"]) == ("GET", 200, None, "pdf", "too_large")
    assert str(LIMIT + 10) in rows["/gs/big.pdf"].privacy_scan["detail"]
    assert scan_of(stream) == ("GET", 200, None, "pdf", "too_large")
    assert scan_of(rows["/gs/bad.pdf"]) == ("GET", 200, None, "pdf", "unreadable")
    assert scan_of(rows["/gs/gone.pdf"]) == ("GET", 404, None, "pdf", "http")
    for url in ("/gs/old.doc", "/gs/big.pdf", "/gs/bad.pdf", "/gs/gone.pdf"):
        assert rows[url].privacy == []
    # A 404 attachment is still a broken link; the oversized one is not.
    data = json.loads((audit["tmp"] / "report" / "findings.json").read_text("utf-8"))
    broken = {f["subject"] for f in data["findings"] if f["rule"] == "link-broken"}
    assert any(s.endswith("/gs/gone.pdf") for s in broken)
    assert not any("big.pdf" in s or "stream.pdf" in s for s in broken)


def test_offsite_attachment_stays_head_only(audit: dict[str, Any]) -> None:
    outside: SiteServer = audit["outside"]
    ext = next(r for u, r in audit["rows"].items() if u.endswith("/ext.pdf"))
    assert (ext.kind, ext.method, ext.privacy_scan, ext.privacy) == ("external", "HEAD", None, [])
    assert outside.paths("GET") == ["/robots.txt"]  # robots.txt, never the file


def test_annual_report_attachment_is_read_and_scanned(audit: dict[str, Any]) -> None:
    row = audit["rows"]["/gs/nb2024.pdf"]
    assert (row.method, row.privacy_scan["scanned"]) == ("GET", True)
    assert [h["masked"] for h in row.privacy] == [MOBILE2_MASKED] * 3
    assert [(r.year, r.url.endswith("/gs/nb2024.pdf")) for r in audit["reports"]] == [(2024, True)]


def test_findings_name_attachment_referer_type_and_masked_values(audit: dict[str, Any]) -> None:
    assert audit["code"] == cli.EXIT_FAIL
    by_subject = {f["subject"]: f for f in findings(audit)}
    assert set(by_subject) == {
        "附件：拟聘用人员名单",
        "附件：申请表",
        "附件：补贴发放表",
        "附件：2024年政府信息公开工作年度报告",
    }
    f = by_subject["附件：拟聘用人员名单"]
    server: SiteServer = audit["server"]
    assert (f["status"], f["url"]) == ("fail", server.url("/gs/md.pdf"))
    ev = f["evidence"]
    assert (ev["attachment_type"], ev["referer"]) == ("PDF", server.url("/gs/t1.html"))
    assert ev["referer_title"] == "2026年公开招聘拟聘用人员公示"
    assert ev["counts"] == {"身份证号": 2, "手机号": 1}
    assert ev["attachments_scanned"] == 4  # md.pdf, sq.docx, bt.xlsx, nb2024.pdf
    assert ev["attachments_unscanned"] == {"DOC": 1, "PDF": 4}
    assert by_subject["附件：2024年政府信息公开工作年度报告"]["evidence"]["counts"] == {"手机号": 3}


def test_raw_values_appear_in_no_output_file(audit: dict[str, Any]) -> None:
    tmp: Path = audit["tmp"]
    dump = "\n".join(
        sa.create_engine(audit["db"]).raw_connection().driver_connection.iterdump()  # type: ignore[union-attr]
    )
    outputs = {"store dump": dump}
    for path in tmp.rglob("*"):
        if path.is_file() and path.parent.name != "config":
            rel = str(path.relative_to(tmp))
            data = path.read_bytes()
            outputs[rel] = data.decode("utf-8", "replace")
            if zipfile.is_zipfile(io.BytesIO(data)):
                # An XLSX is deflated XML: its raw bytes would hide a value (issue 8).
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    for member in z.namelist():
                        outputs[f"{rel}!{member}"] = z.read(member).decode("utf-8", "replace")
    names = set(outputs)
    assert {
        "report/findings.json",
        "report/findings.csv",
        "report/findings.xlsx",
        "report/summary.json",
        "report/index.html",
        "var/log/gongkai.log",  # the operations log of `gongkai run`
    } <= names
    assert any(n.startswith("var/logs/") for n in names) and "gongkai.db" in names
    for name, text in outputs.items():
        for raw in RAW:
            assert raw not in text, (name, raw)
    xlsx = "\n".join(t for n, t in outputs.items() if n.startswith("report/findings.xlsx!"))
    outputs["report/findings.xlsx (unzipped)"] = xlsx
    for name in (
        "report/findings.json",
        "report/findings.csv",
        "report/sites/s.html",
        "report/findings.xlsx (unzipped)",
    ):
        for masked in (ID_MASKED, MOBILE_MASKED, ID2_MASKED):
            assert masked in outputs[name], (name, masked)


def test_resumed_run_fetches_no_stored_attachment(audit: dict[str, Any]) -> None:
    server: SiteServer = audit["server"]
    before = len(server.requests)
    rc = run_crawl(audit["cfg"], audit["db"], audit["run_id"], log_file=audit["tmp"] / "again.log")
    assert rc == 0
    assert server.requests[before:] == []  # every URL is stored: nothing is asked again


def test_scanning_off_per_site_keeps_attachments_head_only(tmp_path: Path) -> None:
    s = SiteServer(
        {
            "/": (200, HTML, page("首页", '<a href="/md.pdf">名单</a>')),
            "/md.pdf": (200, PDF, make_pdf()),
        }
    ).start()
    try:
        site = {"id": "s", "name": "站", "kind": "government", "start_urls": [s.url("/")]}
        cfg = write_config(tmp_path / "config", [dict(site, scan_attachments=False)], {"delay": 0})
        db = f"sqlite:///{tmp_path / 'gk.db'}"
        with Store(db) as st:
            run_id = st.start_run(dt.date(2026, 6, 30), str(cfg), conf.load_config(cfg).sites)
        assert run_crawl(cfg, db, run_id, log_file=tmp_path / "crawl.log") == 0
        with Store(db) as st:
            pdf = st.load_snapshot(run_id, "s").pages[s.url("/md.pdf")]
    finally:
        s.stop()
    assert (pdf.kind, pdf.status, pdf.privacy, pdf.privacy_scan) == ("attachment", 200, [], None)
    assert s.paths("GET") == ["/robots.txt", "/"]
