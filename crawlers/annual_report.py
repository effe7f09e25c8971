"""Read a 政府信息公开工作年度报告 (HTML, PDF, DOCX or plain text) into a typed structure.

The three statistical tables follow 《中华人民共和国政府信息公开工作年度报告格式》
(国办公开办函〔2021〕30号): 表二 主动公开, 表三 依申请 (7 applicant columns), 表四 复议/诉讼.
Pure: no Scrapy, no network. Checks over the result live in checks/annual.py.
"""

from __future__ import annotations

import dataclasses
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

# --- the 2021 format ---------------------------------------------------------------------

SECTION_NUMBERS = ("一", "二", "三", "四", "五", "六")
SECTION_TITLES = {
    "一": "总体情况",
    "二": "主动公开政府信息情况",
    "三": "收到和处理政府信息公开申请情况",
    "四": "政府信息公开行政复议、行政诉讼情况",
    "五": "存在的主要问题及改进情况",
    "六": "其他需要报告的事项",
}
# Heading patterns run on whitespace-free text. Real reports vary a little (平潭 2022 prints
# 行政法复议; some write 存在主要问题和改进情况), so the tail words are loose.
_SEP = r"[、.．，,]"
_SECTION_RE = {
    "一": re.compile(rf"一{_SEP}总体情况"),
    "二": re.compile(rf"二{_SEP}主动公开政府信息(?:情况)?"),
    "三": re.compile(rf"三{_SEP}收到和处理政府信息公开申请(?:情况)?"),
    "四": re.compile(rf"四{_SEP}政府信息公开(?:的)?行政法?复议[、，,和及]?行政诉讼(?:情况)?"),
    "五": re.compile(
        rf"五{_SEP}(?:政府信息公开(?:工作)?)?存在的?主要问题(?:及|和|与)改进(?:情况)?"
    ),
    "六": re.compile(rf"六{_SEP}其他需要报告的?事项"),
}

T3_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
T3_APPLICANT_COLUMNS = T3_COLUMNS[:6]

# Row codes of 表三 in template order, with the label printed in the 2021 format.
T3_ROWS: dict[str, str] = {
    "一": "一、本年新收政府信息公开申请数量",
    "二": "二、上年结转政府信息公开申请数量",
    "三(一)": "三(一)予以公开",
    "三(二)": "三(二)部分公开",
    "三(三)1": "三(三)不予公开 1.属于国家秘密",
    "三(三)2": "三(三)不予公开 2.其他法律行政法规禁止公开",
    "三(三)3": "三(三)不予公开 3.危及“三安全一稳定”",
    "三(三)4": "三(三)不予公开 4.保护第三方合法权益",
    "三(三)5": "三(三)不予公开 5.属于三类内部事务信息",
    "三(三)6": "三(三)不予公开 6.属于四类过程性信息",
    "三(三)7": "三(三)不予公开 7.属于行政执法案卷",
    "三(三)8": "三(三)不予公开 8.属于行政查询事项",
    "三(四)1": "三(四)无法提供 1.本机关不掌握相关政府信息",
    "三(四)2": "三(四)无法提供 2.没有现成信息需要另行制作",
    "三(四)3": "三(四)无法提供 3.补正后申请内容仍不明确",
    "三(五)1": "三(五)不予处理 1.信访举报投诉类申请",
    "三(五)2": "三(五)不予处理 2.重复申请",
    "三(五)3": "三(五)不予处理 3.要求提供公开出版物",
    "三(五)4": "三(五)不予处理 4.无正当理由大量反复申请",
    "三(五)5": "三(五)不予处理 5.要求行政机关确认或重新出具已获取信息",
    "三(六)": "三(六)其他处理（未分项）",
    "三(六)1": "三(六)其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理",
    "三(六)2": "三(六)其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理",
    "三(六)3": "三(六)其他处理 3.其他",
    "三(七)": "三(七)总计",
    "四": "四、结转下年度继续办理",
}
# The leaf rows whose sum is 三(七). 三(六) is the single undivided row of the 2019 format;
# a report has either it or the three 2021 sub-rows.
T3_RESULT_ROWS = tuple(k for k in T3_ROWS if k.startswith("三(") and k != "三(七)")

T4_BLOCKS = ("行政复议", "行政诉讼·未经复议直接起诉", "行政诉讼·复议后起诉")
T4_COLUMNS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")

T2_DOC_COLUMNS = ("本年制发件数", "本年废止件数", "现行有效件数")
T2_DECISIONS = "本年处理决定数量"
T2_FEE = "本年收费金额（万元）"
T2_ROWS = ("规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费")

# Header fingerprints (standards §4a ar_template_version). The 2019 format
# (国办公开办函〔2019〕60号) counted 新制作/新公开/对外公开总数量 and 上一年项目数量/本年增减, and
# had 第二十条第（九）项 政府集中采购; the 2021 format replaced them.
MARKERS_2019 = (
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "本年增/减",
    "本年增／减",
    "采购项目数量",
    "采购总金额",
)
MARKERS_2021 = ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额")

# --- result types ------------------------------------------------------------------------


class UnreadableReport(Exception):
    """The file cannot be read as an annual report; str(exc) is a Chinese message."""


class ScannedPdfError(UnreadableReport):
    """A PDF without a text layer (a scan); OCR is out of scope."""


@dataclass
class Section:
    """One of the six numbered sections: its number, heading as printed and body text."""

    number: str
    heading: str
    text: str


@dataclass
class BlankCell:
    """A statistics cell left empty (or '-'); it is read as 0 and flagged."""

    table: str
    row: str
    column: str


@dataclass
class AnnualReport:
    """Everything read from one annual report."""

    source: str
    format: str  # 'html' | 'pdf' | 'docx' | 'text'
    title: str | None = None
    year: int | None = None
    text: str = ""
    sections: list[Section] = field(default_factory=list)
    period: str | None = None
    template_version: str | None = None  # '2021' | '2019' | None (no table headers found)
    template_markers: list[str] = field(default_factory=list)
    table2: dict[str, dict[str, int | Decimal]] = field(default_factory=dict)
    table3: dict[str, dict[str, int | Decimal]] = field(default_factory=dict)
    table4: dict[str, dict[str, int | Decimal]] = field(default_factory=dict)
    blank_cells: list[BlankCell] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def section(self, number: str) -> Section | None:
        """Return the section with this number (一…六), or None."""
        return next((s for s in self.sections if s.number == number), None)

    def to_json(self, with_text: bool = False) -> dict[str, Any]:
        """Return a JSON-ready dict (Decimal as string; section text shortened unless asked)."""

        def conv(v: Any) -> Any:
            if isinstance(v, Decimal):
                return str(v)
            if isinstance(v, dict):
                return {k: conv(x) for k, x in v.items()}
            if isinstance(v, list):
                return [conv(x) for x in v]
            return v

        data = conv(dataclasses.asdict(self))
        if not with_text:
            data.pop("text", None)
            for s in data["sections"]:
                s["chars"] = len(s["text"])
                if len(s["text"]) > 120:
                    s["text"] = s["text"][:120] + "…"
        return data


# --- entry point -------------------------------------------------------------------------

_DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def detect_format(data: bytes, filename_or_mime: str) -> str:
    """Decide 'pdf' | 'docx' | 'html' | 'text' from the name/MIME type, then the magic bytes."""
    hint = (filename_or_mime or "").lower().split(";")[0].strip()
    name = Path(hint).name
    ext = Path(name).suffix if "." in name else ""  # 'application/pdf' has no suffix
    if ext in {".doc", ".wps"} or hint in {"application/msword", "application/vnd.ms-works"}:
        raise UnreadableReport(
            f"不支持旧版 Word/WPS 文件（{filename_or_mime}），请另存为 DOCX 或 PDF 后再读取。"
        )
    head = data[:1024].lstrip()
    if data[:5] == b"%PDF-" or hint == "application/pdf" or ext == ".pdf":
        return "pdf"
    if data[:2] == b"PK" or hint == _DOCX_MIME or ext == ".docx":
        return "docx"
    if ext in {".html", ".htm", ".shtml", ".xhtml"} or "html" in hint:
        return "html"
    if ext in {".txt", ".md", ".text"} or hint.startswith("text/plain") or hint == "text/markdown":
        return "text"
    if head[:1] == b"<" and re.search(rb"<(html|table|body|div|p)\b", head, re.I):
        return "html"
    return "text"


def read_report(data: bytes, filename_or_mime: str, year: int | None = None) -> AnnualReport:
    """Read an annual report from bytes; the name or MIME type picks the reader."""
    fmt = detect_format(data, filename_or_mime)
    if fmt == "pdf":
        text, rows, title = _read_pdf(data)
    elif fmt == "docx":
        text, rows, title = _read_docx(data)
    elif fmt == "html":
        text, rows, title = _read_html(data)
    else:
        text, rows, title = _read_text(data)
    report = AnnualReport(source=str(filename_or_mime), format=fmt)
    _fill(report, text, rows, title, year)
    return report


# --- format readers: each returns (full text, table rows in document order, title hint) -----

Row = list[str | None]


def _read_pdf(data: bytes) -> tuple[str, list[Row], str | None]:
    """Read the text layer and ruled tables of a PDF with pdfplumber."""
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises several unrelated types for broken files
        raise UnreadableReport(f"无法打开 PDF 文件：{type(exc).__name__}") from exc
    texts: list[str] = []
    rows: list[Row] = []
    with pdf:
        try:
            for page in pdf.pages:
                texts.append(page.extract_text() or "")
                for table in page.extract_tables():
                    rows.extend(list(r) for r in table)
        except Exception as exc:
            raise UnreadableReport(f"PDF 文件内容损坏，无法读取：{type(exc).__name__}") from exc
        pages = len(pdf.pages)
    text = "\n".join(texts)
    if len(re.sub(r"\s", "", text)) < 20:
        raise ScannedPdfError(
            f"PDF 没有可读取的文字层（共 {pages} 页，可能是扫描件或图片），"
            "无法核对年报内容；本工具不做文字识别（OCR），请索取文字版 PDF、DOCX 或网页版。"
        )
    return text, rows, None


def _read_docx(data: bytes) -> tuple[str, list[Row], str | None]:
    """Read paragraphs and tables of a DOCX in body order with python-docx."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # zipfile, lxml and python-docx each raise their own types
        raise UnreadableReport(f"无法打开 DOCX 文件：{type(exc).__name__}") from exc
    lines: list[str] = []
    rows: list[Row] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for tr in block.rows:
                # A merged cell appears once per grid column it spans; keep it once.
                seen: list[Any] = []
                cells: Row = []
                for cell in tr.cells:
                    if any(cell._tc is s for s in seen):
                        continue
                    seen.append(cell._tc)
                    cells.append(cell.text)
                rows.append(cells)
                lines.append(" ".join(c or "" for c in cells))
    title = document.core_properties.title or None
    return "\n".join(lines), rows, title


def _read_html(data: bytes) -> tuple[str, list[Row], str | None]:
    """Read text and the innermost tables of an HTML report with BeautifulSoup."""
    from bs4 import BeautifulSoup

    from crawlers.extract import decode_html

    html, _codec = decode_html(data)
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    title = None
    h = soup.find(["h1", "h2"])
    if h and h.get_text(strip=True):
        title = h.get_text(" ", strip=True)
    elif soup.title and soup.title.string:
        title = soup.title.string.strip()
    rows: list[Row] = []
    # Gov pages often wrap content in layout tables; only leaf tables hold the statistics.
    for table in soup.find_all("table"):
        if table.find("table"):
            continue
        for tr in table.find_all("tr"):
            rows.append([td.get_text(" ", strip=True) for td in tr.find_all(["td", "th"])])
    body = soup.body or soup
    return body.get_text("\n"), rows, title


def _read_text(data: bytes) -> tuple[str, list[Row], str | None]:
    """Read a plain-text or Markdown report: table rows come from pipes or column spacing."""
    from crawlers.extract import decode_html

    text, _codec = decode_html(data)
    title = None
    m = re.search(r"^\s*标题[:：]\s*(.+)$", text, re.M)
    if m:
        title = m.group(1).strip()
    rows: list[Row] = []
    pending: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if "|" in line:
            cells: Row = [c.strip() for c in line.strip("|").split("|")]
        else:
            cells = list(line.split())
        n_values = len(_value_run(cells))
        if n_values and n_values == len(cells):
            # A line of numbers only: its label sits on the preceding line(s) (pdftotext -layout
            # wraps long row labels such as 三(二) 部分公开 above the numbers).
            cells = [" ".join(pending[-2:])] + cells
        elif n_values == 0:
            pending.append(line)
            pending = pending[-3:]
            rows.append(cells)
            continue
        else:
            # Group labels like （三）不予公开 sit on their own line next to the rows they govern.
            group = "".join(p for p in pending[-2:] if _GROUP_RE.search(_compact(p)))
            if group:
                cells = [group, *cells]
        pending = []
        rows.append(cells)
    return text, rows, title


# --- shared interpretation ---------------------------------------------------------------

_BLANK = {"", "-", "—", "－", "--", "/", "／", "\\"}
_NUM_RE = re.compile(r"^-?\d+(?:\.\d+)?$")


def _compact(s: str) -> str:
    """Drop all whitespace (Chinese text needs none) and unify a few full-width forms."""
    s = re.sub(r"\s+", "", s)
    return s.replace("(", "（").replace(")", "）").replace(",", "，")


# CJK ideographs and CJK/full-width punctuation: a space next to one is layout (a PDF line
# break inside a paragraph), while a space between two numbers separates table cells.
_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201f\u2026\u2014"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")


def _tidy(text: str) -> str:
    """Collapse whitespace to single spaces and drop the spaces that only sit next to CJK."""
    s = re.sub(r"\s+", " ", text).replace("(", "（").replace(")", "）")
    return _SPACE_NEAR_CJK.sub("", s).strip()


def _cell_kind(cell: str | None) -> str:
    """Classify a cell as 'none' (merged/absent), 'blank', 'num' or 'text'."""
    if cell is None:
        return "none"
    c = re.sub(r"\s+", "", cell).replace(",", "").replace("，", "")
    if c in _BLANK:
        return "blank"
    if _NUM_RE.match(c):
        return "num"
    return "text"


def _value_run(cells: Row) -> list[str]:
    """Return the trailing run of number-or-blank cells (None cells, i.e. spans, are skipped)."""
    run: list[str] = []
    for cell in reversed(cells):
        kind = _cell_kind(cell)
        if kind == "none":
            continue
        if kind == "text":
            break
        run.append(cell or "")
    run.reverse()
    # A run made only of blanks is an empty row, not a row of statistics.
    return run if any(_cell_kind(c) == "num" for c in run) or len(run) >= 7 else []


def _number(cell: str) -> int | Decimal | None:
    """Parse a statistics cell: int, Decimal for fractions, None for blank."""
    c = re.sub(r"\s+", "", cell).replace(",", "").replace("，", "")
    if c in _BLANK:
        return None
    try:
        d = Decimal(c)
    except InvalidOperation:
        return None
    return int(d) if d == d.to_integral_value() and "." not in c else d


def _label(cells: Row, n_values: int) -> str:
    """Join the text cells before the last n_values cells into one whitespace-free label."""
    head = [c for c in cells if c is not None]
    head = head[: len(head) - n_values] if n_values else head
    return _compact("".join(c for c in head if _cell_kind(c) == "text"))


# 沭阳's OCR shortens （六）其他处理 to （六）其他, so the bare word is accepted too.
_GROUP_RE = re.compile(r"（([三四五六])）(?:不予公开|无法提供|不予处理|其他)")
_SUB_NO = r"^(?:\d+[.、．]?)"
_T3_KEYWORDS: list[tuple[str, re.Pattern[str]]] = [
    ("三(六)1", re.compile(r"逾期不补正")),
    ("三(六)2", re.compile(r"收费通知|缴纳费用")),
    ("一", re.compile(r"本年新收")),
    ("二", re.compile(r"上年结转")),
    ("四", re.compile(r"结转下年度")),
    ("三(七)", re.compile(r"（七）|^总计$")),
    ("三(一)", re.compile(r"予以公开")),
    ("三(二)", re.compile(r"部分公开")),
    ("三(三)1", re.compile(r"国家秘密")),
    ("三(三)2", re.compile(r"禁止公开|其他法律行政")),
    ("三(三)3", re.compile(r"三安全一稳定|危及")),
    ("三(三)4", re.compile(r"第三方合法权益|保护第三方")),
    ("三(三)5", re.compile(r"内部事务")),
    ("三(三)6", re.compile(r"过程性")),
    ("三(三)7", re.compile(r"执法案卷")),
    ("三(三)8", re.compile(r"行政查询")),
    ("三(四)1", re.compile(r"不掌握")),
    ("三(四)2", re.compile(r"另行制作")),
    ("三(四)3", re.compile(r"仍不明确|补正后")),
    ("三(五)1", re.compile(r"信访|举报投诉")),
    ("三(五)2", re.compile(r"重复申请")),
    ("三(五)3", re.compile(r"出版物")),
    ("三(五)4", re.compile(r"大量反复")),
    ("三(五)5", re.compile(r"确认或重新出具|重新出具")),
]


def _t3_row(label: str, group: str | None) -> str | None:
    """Map a 表三 row label (whitespace-free) to its row code, using the current group."""
    for code, pattern in _T3_KEYWORDS:
        if pattern.search(label):
            return code
    if group == "六" and re.search(_SUB_NO + r"其他$", label.split("其他处理")[-1]):
        return "三(六)3"
    if label.endswith("其他处理"):
        return "三(六)"
    return None


def _fill(
    report: AnnualReport, text: str, rows: list[Row], title: str | None, year: int | None
) -> None:
    """Interpret text and table rows: title, year, sections, period, template, tables."""
    compact = _tidy(text)
    report.text = compact
    report.title = _find_title(title, text)
    report.year = year or _find_year(report.title, compact)
    report.sections = _find_sections(compact)
    report.period = _find_period(compact)
    found19 = [m for m in MARKERS_2019 if m in compact]
    found21 = [m for m in MARKERS_2021 if m in compact]
    report.template_markers = found19 + found21
    report.template_version = "2019" if found19 else ("2021" if found21 else None)
    _read_tables(report, rows)


_TITLE_RE = re.compile(
    r"[^\s。，；：:]{0,40}?\d{4}\s*年\s*度?\s*政府信息公开\s*(?:工作)?\s*年\s*度\s*报\s*告"
)


def _find_title(hint: str | None, text: str) -> str | None:
    """Return the report title: the reader's hint, else the first title-like line."""
    if hint and _compact(hint):
        return " ".join(hint.split())
    lines = [_compact(x).lstrip("#") for x in text.splitlines()[:15] if x.strip()]
    head = "".join(lines)
    m = _TITLE_RE.search(head)
    return m.group(0) if m else (lines[0] if lines else None)


def _find_year(title: str | None, compact: str) -> int | None:
    """Return the reporting year from the title, else the text, else the statistics period."""
    pat = re.compile(r"(\d{4})年度?政府信息公开(?:工作)?年度?报告")
    for source in (_compact(title or ""), compact[:3000]):
        m = pat.search(source)
        if m:
            return int(m.group(1))
    m = re.search(r"(\d{4})年0?1月0?1日", compact)
    return int(m.group(1)) if m else None


def _find_sections(compact: str) -> list[Section]:
    """Find the six numbered headings (first occurrence each) and cut the text between them."""
    hits: list[tuple[int, int, str]] = []
    for number, pattern in _SECTION_RE.items():
        m = pattern.search(compact)
        if m:
            hits.append((m.start(), m.end(), number))
    hits.sort()
    sections = []
    for i, (start, end, number) in enumerate(hits):
        stop = hits[i + 1][0] if i + 1 < len(hits) else len(compact)
        sections.append(Section(number, compact[start:end], compact[end:stop]))
    return sections


def _find_period(compact: str) -> str | None:
    """Return the sentence stating the statistics period (Y年1月1日 … 12月31日), if any."""
    m = re.search(r"\d{4}年0?1月0?1日[^。]{0,25}?(?:\d{4}年)?12月31日", compact)
    if not m:
        return None
    start = max(compact.rfind("。", 0, m.start()) + 1, m.start() - 80)
    stop = compact.find("。", m.end())
    stop = m.end() + 20 if stop < 0 or stop > m.end() + 40 else stop + 1
    return compact[start:stop]


def _read_tables(report: AnnualReport, rows: list[Row]) -> None:
    """Map table rows to 表二, 表三 and 表四 cells; blank cells read as 0 and are flagged."""
    group: str | None = None
    seen_review = False
    block: int | None = None  # 表四 printed as three 5-cell tables (沭阳 OCR): current block
    for cells in rows:
        run = _value_run(cells)
        joined = _compact("".join(c for c in cells if c))
        g = _GROUP_RE.search(joined)
        if g:
            group = g.group(1)
        if "复议" in joined:
            seen_review = True
            block = 2 if "复议后起诉" in joined else 1 if "直接起诉" in joined else 0
        if not run:
            continue
        if len(run) >= 15 and seen_review and not report.table4:
            _store_t4(report, run[-15:])
            continue
        if len(run) == 5 and block is not None:
            name = T4_BLOCKS[block]
            if name not in report.table4:
                report.table4[name] = _store(report, "表四", name, T4_COLUMNS, run)
            continue
        if len(run) >= 7:
            label = _label(cells, 7)
            code = _t3_row(label, group)
            if code is None:
                report.notes.append(f"未识别的表三行：{label or '（无标签）'}")
                continue
            if code in report.table3:
                report.notes.append(f"表三 {code} 行重复出现，只取第一次：{label}")
                continue
            report.table3[code] = _store(report, "表三", code, T3_COLUMNS, run[-7:])
            continue
        _t2_row(report, cells, run)


def _store(
    report: AnnualReport, table: str, row: str, columns: tuple[str, ...], values: list[str]
) -> dict[str, int | Decimal]:
    """Parse one row of values; blanks become 0 and are recorded in report.blank_cells."""
    out: dict[str, int | Decimal] = {}
    for column, cell in zip(columns, values, strict=True):
        v = _number(cell)
        if v is None:
            report.blank_cells.append(BlankCell(table, row, column))
            v = 0
        out[column] = v
    return out


def _store_t4(report: AnnualReport, values: list[str]) -> None:
    """Split the 15 表四 cells into the three blocks of five."""
    for i, block in enumerate(T4_BLOCKS):
        report.table4[block] = _store(report, "表四", block, T4_COLUMNS, values[i * 5 : i * 5 + 5])


def _t2_row(report: AnnualReport, cells: Row, run: list[str]) -> None:
    """Store a 表二 row when its label starts with one of the six 2021 item names."""
    label = _label(cells, len(run))
    name = next((n for n in T2_ROWS if label.startswith(n)), None)
    if name is None or name in report.table2:
        return
    if report.template_version == "2019":
        # Old-format rows (上一年项目数量 / 本年增减 / 处理决定数量) do not map to 2021 cells.
        if "旧格式表二未读取" not in report.notes:
            report.notes.append("旧格式表二未读取")
        return
    if name in ("规章", "行政规范性文件"):
        if len(run) < 3:
            report.notes.append(f"表二「{name}」应有 3 个数，读到 {len(run)} 个")
            return
        report.table2[name] = _store(report, "表二", name, T2_DOC_COLUMNS, run[-3:])
        return
    # One-number rows: spare grid cells after the number (a DOCX table with unmerged columns)
    # are layout, not a second value, so the first number counts.
    nums = [c for c in run if _cell_kind(c) == "num"][:1] or run[-1:]
    if name == "行政事业性收费":
        cells = _store(report, "表二", name, (T2_FEE,), nums)
        # 万元 amounts keep their decimals exactly (7730.28 万元), so always Decimal.
        report.table2[name] = {T2_FEE: Decimal(str(cells[T2_FEE]))}
    else:
        report.table2[name] = _store(report, "表二", name, (T2_DECISIONS,), nums)
