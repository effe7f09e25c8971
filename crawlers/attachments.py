"""Read the text of an on-site attachment (PDF, DOCX, XLSX, CSV, TXT) and scan it for personal data.

《2018年政务公开工作要点》 asks for 去标识化 in everything published, and the worst real leaks sit
in attachments (a 拟聘用人员名单.pdf, a 补贴发放表.xlsx), not in page text. The spider downloads
such an attachment with GET within `attachment_max_bytes` and hands the body to `scan_document`,
which extracts the text and runs the page scanner (crawlers/privacy.py) over it. Only the masked
hits and a small scan record leave this module; the text itself is dropped.

Old binary Office formats (.doc, .xls, .wps, .et …), archives and images are not parsed (that
would need new heavy dependencies or OCR): they get an "unscanned" record with reason `format`,
so privacy_leak can say how many attachments it could not look into.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from crawlers import privacy

__all__ = [
    "REASONS",
    "SCAN_FORMATS",
    "AttachmentScan",
    "Unscannable",
    "document_format",
    "extract_text",
    "file_extension",
    "scan_document",
    "unscanned",
]

logger = logging.getLogger("gongkai.crawl")

# Extensions whose text is read (the formats a 公示 list is published in besides HTML).
SCAN_FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".xlsx": "xlsx",
    ".csv": "csv",
    ".txt": "txt",
}
# Why an attachment was not scanned (the `reason` of an unscanned record), for the evidence.
REASONS: dict[str, str] = {
    "format": "格式未解析（旧版 Word/Excel/WPS、压缩包、图片等）",
    "too_large": "文件超过扫描大小上限",
    "http": "下载失败（HTTP 错误状态）",
    "download": "下载失败",
    "unreadable": "文件无法读取",
    "no_text": "没有文字层（可能是扫描件，未做文字识别）",
    "offsite": "跳转到站外，未下载",
}
# Bounds so one odd file cannot hold the crawl: text beyond MAX_CHARS or PDF pages beyond
# MAX_PDF_PAGES are not read (the record says `truncated`), and an Office zip that inflates
# past MAX_INFLATED bytes is not opened (a zip bomb or a huge sheet).
MAX_CHARS = 5_000_000
MAX_PDF_PAGES = 500
MAX_INFLATED = 200 * 1024 * 1024
# A PDF with less text than this is taken for a scan (same bar as crawlers/annual_report.py).
MIN_PDF_TEXT = 20

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .ppt, .wps, .et: binary OLE2


class Unscannable(Exception):
    """The file cannot be scanned; `reason` is a REASONS key, str(exc) a Chinese detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass
class AttachmentScan:
    """What scanning one attachment gave: masked hits and the record stored with them."""

    format: str  # pdf | docx | xlsx | csv | txt, or the extension of a format not parsed
    scanned: bool
    reason: str | None = None  # REASONS key when not scanned
    detail: str | None = None  # Chinese detail of the reason
    chars: int = 0  # characters of text read
    truncated: bool = False  # MAX_CHARS or MAX_PDF_PAGES cut the text short
    hits: list[dict[str, Any]] = field(default_factory=list)  # privacy.PrivacyHit JSON

    def record(self) -> dict[str, Any]:
        """Return the scan record stored in pages.privacy_scan (no text, no hits)."""
        out: dict[str, Any] = {"format": self.format, "scanned": self.scanned}
        if self.scanned:
            out["chars"] = self.chars
            if self.truncated:
                out["truncated"] = True
        else:
            out["reason"] = self.reason
            if self.detail:
                out["detail"] = self.detail
        return out


def unscanned(fmt: str, reason: str, detail: str | None = None) -> AttachmentScan:
    """Return the scan of an attachment that was not (or could not be) read."""
    return AttachmentScan(format=fmt, scanned=False, reason=reason, detail=detail)


def file_extension(url: str) -> str:
    """Return the lower-case extension of a URL's path with its dot ('' when none)."""
    name = unquote(urlsplit(url).path).rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def document_format(data: bytes, url: str, content_type: str | None = None) -> str:
    """Return what a body is — pdf, docx, xlsx, csv, txt, ole, zip — by its bytes, then its name.

    The bytes win: a `.docx` link that serves an old Word file is recorded as such, and a
    `.pdf` link that serves a DOCX is read as one; a body without magic keeps its name's format
    (an HTML error page named `.pdf` then fails as unreadable).
    """
    ext = file_extension(url)
    named = SCAN_FORMATS.get(ext)
    if data.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return "zip"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "zip"
    ctype = (content_type or "").split(";")[0].strip().lower()
    if named in ("csv", "txt") or ctype in ("text/csv", "text/plain"):
        return named or ("csv" if ctype == "text/csv" else "txt")
    return named or (ext.lstrip(".") or "unknown")


def _decode(data: bytes) -> str:
    """Decode a CSV or plain-text file: UTF-8 (with or without BOM), else GB18030."""
    for codec in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("gb18030", "replace")


def _check_inflated(data: bytes) -> None:
    """Refuse an Office zip whose parts inflate past MAX_INFLATED (read before parsing)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        total = sum(info.file_size for info in zf.infolist())
    if total > MAX_INFLATED:
        raise Unscannable(
            "too_large",
            f"解压后 {total // (1024 * 1024)} MB，超过 {MAX_INFLATED // (1024 * 1024)} MB",
        )


class _Text:
    """Collect text pieces up to MAX_CHARS."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False

    def add(self, piece: str) -> bool:
        """Append a piece; return False once the text is full (the caller stops reading)."""
        if self.size + len(piece) > MAX_CHARS:
            self.parts.append(piece[: MAX_CHARS - self.size])
            self.size = MAX_CHARS
            self.truncated = True
            return False
        self.parts.append(piece)
        self.size += len(piece)
        return True

    def text(self) -> str:
        """Return the collected text."""
        return "".join(self.parts)


def _pdf_text(data: bytes, out: _Text) -> None:
    """Read a PDF's text layer page by page with pdfplumber."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises several unrelated types for broken files
        raise Unscannable("unreadable", f"无法打开 PDF 文件：{type(exc).__name__}") from exc
    with pdf:
        try:
            for number, page in enumerate(pdf.pages):
                if number >= MAX_PDF_PAGES:
                    out.truncated = True
                    break
                full = not out.add((page.extract_text() or "") + "\n")
                page.close()  # drop the page's cached layout objects (memory on long files)
                if full:
                    break
        except Unscannable:
            raise
        except Exception as exc:
            raise Unscannable("unreadable", f"PDF 文件内容损坏：{type(exc).__name__}") from exc


def _docx_text(data: bytes, out: _Text) -> None:
    """Read every paragraph of a DOCX body — tables, nested tables and text boxes included."""
    import docx
    from docx.oxml.ns import qn

    _check_inflated(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own types
        raise Unscannable("unreadable", f"无法打开 DOCX 文件：{type(exc).__name__}") from exc
    t, tab, br = qn("w:t"), qn("w:tab"), qn("w:br")
    # Word splits a number across runs at will (a 身份证号 in three <w:t>): join a paragraph's
    # runs without a separator, and separate paragraphs (and table cells) by a line break.
    for p in document.element.body.iter(qn("w:p")):
        pieces = []
        for node in p.iter(t, tab, br):
            if node.tag == t:
                pieces.append(node.text or "")
            else:
                pieces.append(" ")
        if not out.add("".join(pieces) + "\n"):
            return


def _cell_text(value: Any) -> str:
    """Return a spreadsheet cell as a reader sees it (13812341234.0 → 13812341234)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _xlsx_text(data: bytes, out: _Text) -> None:
    """Read every sheet's cells with openpyxl in read-only mode: tab between cells, rows by line."""
    import openpyxl

    _check_inflated(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise Unscannable("unreadable", f"无法打开 XLSX 文件：{type(exc).__name__}") from exc
    try:
        for ws in wb.worksheets:
            # The stored dimension is often wrong in files written by other tools; without it
            # read-only mode reads every row there is.
            ws.reset_dimensions()
            for row in ws.iter_rows(values_only=True):
                line = "\t".join(_cell_text(v) for v in row).rstrip("\t")
                if line and not out.add(line + "\n"):
                    return
    except Exception as exc:
        raise Unscannable("unreadable", f"XLSX 文件内容损坏：{type(exc).__name__}") from exc
    finally:
        wb.close()


def extract_text(data: bytes, fmt: str) -> tuple[str, bool]:
    """Return (text, truncated) of a body in a SCAN_FORMATS format; raise Unscannable if not."""
    out = _Text()
    if fmt == "pdf":
        _pdf_text(data, out)
    elif fmt == "docx":
        _docx_text(data, out)
    elif fmt == "xlsx":
        _xlsx_text(data, out)
    elif fmt in ("csv", "txt"):
        out.add(_decode(data))
    elif fmt == "ole":
        raise Unscannable("format", "旧版 Office/WPS 二进制格式，未解析")
    else:
        raise Unscannable("format" if fmt != "unknown" else "unreadable", f"{fmt} 格式未解析")
    return out.text(), out.truncated


def scan_document(data: bytes, url: str, content_type: str | None = None) -> AttachmentScan:
    """Extract an attachment's text and scan it; never raises (a failure is a reason)."""
    fmt = document_format(data, url, content_type)
    shown = "doc" if fmt == "ole" else fmt  # the record names what the file is
    if fmt == "ole" and file_extension(url) in (".xls", ".wps", ".et", ".ppt", ".dps"):
        shown = file_extension(url).lstrip(".")
    try:
        text, truncated = extract_text(data, fmt)
    except Unscannable as exc:
        return unscanned(shown, exc.reason, str(exc))
    except Exception as exc:  # a reader bug costs this attachment's scan, never the crawl
        logger.exception("附件读取出错：%s", url)
        return unscanned(shown, "unreadable", f"读取出错：{type(exc).__name__}")
    hits = [hit.to_json() for hit in privacy.scan(text)]
    if fmt == "pdf" and not hits and len(re.sub(r"\s", "", text)) < MIN_PDF_TEXT:
        return unscanned(shown, "no_text", "PDF 没有可读取的文字层")
    return AttachmentScan(
        format=shown, scanned=True, chars=len(text), truncated=truncated, hits=hits
    )
