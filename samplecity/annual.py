"""The sample city's 政府信息公开工作年度报告: content, HTML body, a byte-stable DOCX and PDF.

Reports follow 国办公开办函〔2021〕30号 (six sections, 表二/表三/表四). Numbers are derived so
every identity holds unless a spec sets a deliberate defect (marked DEFECT in spec.py).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from samplecity.pdf import Block, Table, pdf_document

T3_COLUMNS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
# 表三 rows in template order: (row code, label as printed).
T3_ROWS: list[tuple[str, str]] = [
    ("一", "一、本年新收政府信息公开申请数量"),
    ("二", "二、上年结转政府信息公开申请数量"),
    ("三(一)", "三、本年度办理结果（一）予以公开"),
    ("三(二)", "（二）部分公开"),
    ("三(三)1", "（三）不予公开 1.属于国家秘密"),
    ("三(三)2", "2.其他法律行政法规禁止公开"),
    ("三(三)3", "3.危及“三安全一稳定”"),
    ("三(三)4", "4.保护第三方合法权益"),
    ("三(三)5", "5.属于三类内部事务信息"),
    ("三(三)6", "6.属于四类过程性信息"),
    ("三(三)7", "7.属于行政执法案卷"),
    ("三(三)8", "8.属于行政查询事项"),
    ("三(四)1", "（四）无法提供 1.本机关不掌握相关政府信息"),
    ("三(四)2", "2.没有现成信息需要另行制作"),
    ("三(四)3", "3.补正后申请内容仍不明确"),
    ("三(五)1", "（五）不予处理 1.信访举报投诉类申请"),
    ("三(五)2", "2.重复申请"),
    ("三(五)3", "3.要求提供公开出版物"),
    ("三(五)4", "4.无正当理由大量反复申请"),
    ("三(五)5", "5.要求行政机关确认或重新出具已获取信息"),
    ("三(六)1", "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("三(六)2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("三(六)3", "3.其他"),
    ("三(七)", "（七）总计"),
    ("四", "四、结转下年度继续办理"),
]
HEADINGS = {
    "一": "一、总体情况",
    "二": "二、主动公开政府信息情况",
    "三": "三、收到和处理政府信息公开申请情况",
    "四": "四、政府信息公开行政复议、行政诉讼情况",
    "五": "五、存在的主要问题及改进情况",
    "六": "六、其他需要报告的事项",
}

# Section 一 and 五 wording differs by year, so consecutive reports are not 雷同 unless a spec
# copies a section on purpose.
ONE = {
    2024: (
        "{year}年，{org}深入贯彻《中华人民共和国政府信息公开条例》，把政务公开作为转变职能、"
        "建设法治机关的重要抓手，健全保密审查和公开属性源头认定制度，规范发布流程。全年通过门户"
        "网站主动公开政府信息{n}条，发布政策解读{k}篇，办理依申请公开{new}件。"
    ),
    2025: (
        "{year}年，{org}围绕中心工作深化政务公开标准化规范化建设，重点做好政策文件集中发布、"
        "解读回应关切和政务新媒体管理。全年新增主动公开信息{n}条，开展“政府开放日”活动{k}次，"
        "受理群众提出的公开申请{new}件，均在法定期限内作出答复。"
    ),
}
FIVE = {
    2024: (
        "存在的主要问题：一是政策解读形式比较单一，图解、视频等解读较少；二是部分栏目更新不够"
        "及时。改进措施：丰富解读形式，建立栏目更新提醒机制，加强对工作人员的业务培训。"
    ),
    2025: (
        "当前不足主要在于答复文书说理不够充分，基层公开事项标准目录的动态调整也有滞后。下一步将"
        "制定答复文书范本，每半年梳理更新一次标准目录，并把公开质量纳入年度考核。"
    ),
}


@dataclass
class Report:
    """One annual report of a sample site: the numbers that drive every table."""

    org: str
    year: int
    new: int  # 一、本年新收 (总计)
    carried: int  # 二、上年结转 (总计)
    carry_next: int  # 四、结转下年度继续办理 (总计)
    published: int = 300  # 主动公开条数 quoted in section 一
    # DEFECT markers (see spec.py): 表四 行政复议 总计 printed off by this much; section 五 text
    # taken from another year.
    review_total_error: int = 0
    five_from: int | None = None
    states_period: bool = True  # False: the statistics period sentence is left out

    def table3(self) -> dict[str, list[int]]:
        """Return 表三 rows: all cases by 自然人 except two 商业企业 in 一 and 三(一)."""
        done = self.new + self.carried - self.carry_next
        rows = {code: [0] * 7 for code, _ in T3_ROWS}
        rows["一"] = [self.new - 2, 2, 0, 0, 0, 0, self.new]
        rows["二"] = [self.carried, 0, 0, 0, 0, 0, self.carried]
        rows["三(一)"] = [done - 5 - 2, 2, 0, 0, 0, 0, done - 5]
        rows["三(四)1"] = [3, 0, 0, 0, 0, 0, 3]
        rows["三(六)3"] = [2, 0, 0, 0, 0, 0, 2]
        rows["三(七)"] = [done - 2, 2, 0, 0, 0, 0, done]
        rows["四"] = [self.carry_next, 0, 0, 0, 0, 0, self.carry_next]
        return rows

    def table4(self) -> list[int]:
        """Return the 15 表四 cells: 复议, 未经复议直接起诉, 复议后起诉 (维持 纠正 其他 未结 总计)."""
        return [1, 0, 0, 1, 2 + self.review_total_error, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]

    def section(self, number: str) -> str:
        """Return the body text of section 一, 五 or 六."""
        if number == "一":
            return ONE[self.year].format(
                year=self.year, org=self.org, n=self.published, k=self.published // 20, new=self.new
            )
        if number == "五":
            return FIVE[self.five_from or self.year]
        return "本年度未收取政府信息公开信息处理费。无其他需要报告的事项。"

    @property
    def title(self) -> str:
        """Return the report title."""
        return f"{self.org}{self.year}年政府信息公开工作年度报告"

    @property
    def period(self) -> str:
        """Return the sentence stating the statistics period."""
        y = self.year
        intro = f"本报告由{self.org}根据《中华人民共和国政府信息公开条例》编制。"
        if not self.states_period:
            return intro
        return f"{intro}所列数据统计期限自{y}年1月1日起至{y}年12月31日止。"

    def table2_rows(self) -> list[list[str]]:
        """Return 表二 as rows of cells (label first)."""
        return [
            ["第二十条第（一）项", "", "", ""],
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["规章", "0", "0", "0"],
            ["行政规范性文件", "3", "1", "26"],
            ["第二十条第（五）项", "", "", ""],
            ["信息内容", "本年处理决定数量", "", ""],
            ["行政许可", "412", "", ""],
            ["第二十条第（六）项", "", "", ""],
            ["信息内容", "本年处理决定数量", "", ""],
            ["行政处罚", "57", "", ""],
            ["行政强制", "4", "", ""],
            ["第二十条第（八）项", "", "", ""],
            ["信息内容", "本年收费金额（万元）", "", ""],
            ["行政事业性收费", "18.60", "", ""],
        ]

    def table3_rows(self) -> list[list[str]]:
        """Return 表三 as rows of cells (one label cell, then the seven columns)."""
        t3 = self.table3()
        head = [["申请人情况", *T3_COLUMNS]]
        return head + [[label, *(str(v) for v in t3[code])] for code, label in T3_ROWS]

    def table4_rows(self) -> list[list[str]]:
        """Return 表四 as a header row and the 15 cells."""
        cols = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
        # Group names repeat over the cells they head, as a merged header reads cell by cell.
        groups = ["行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）"]
        return [
            [g for g in groups for _ in cols],
            cols * 3,
            [str(v) for v in self.table4()],
        ]


def esc(text: str) -> str:
    """Escape text for HTML/XML."""
    return html.escape(text, quote=True)


def _html_table(rows: list[list[str]]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="nb-table" border="1">{body}</table>'


def report_html(r: Report) -> str:
    """Return the article body of an HTML report page (headings, paragraphs, tables)."""
    parts = [f"<p>{esc(r.period)}</p>"]
    for number, heading in HEADINGS.items():
        parts.append(f"<h3>{esc(heading)}</h3>")
        if number == "二":
            parts.append(_html_table(r.table2_rows()))
        elif number == "三":
            parts.append(_html_table(r.table3_rows()))
        elif number == "四":
            parts.append(_html_table(r.table4_rows()))
        else:
            parts.append(f"<p>{esc(r.section(number))}</p>")
    return "\n".join(parts)


# --- PDF -------------------------------------------------------------------------------------


def report_pdf(r: Report) -> bytes:
    """Return the report as a text-layer PDF (title, paragraphs and ruled tables)."""
    blocks: list[Block] = [r.period]
    for number, heading in HEADINGS.items():
        blocks.append(heading)
        if number == "二":
            blocks.append(Table(r.table2_rows(), [2, 1.3, 1.3, 1.3]))
        elif number == "三":
            blocks.append(Table(r.table3_rows(), [4.5, 1, 1, 1, 1, 1, 1, 1]))
        elif number == "四":
            blocks.append(Table(r.table4_rows(), size=7.5))
        else:
            blocks.append(r.section(number))
    return pdf_document(blocks, title=r.title)


# --- DOCX ------------------------------------------------------------------------------------

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006"


def _p(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{esc(text)}</w:t></w:r></w:p>'


def _tbl(rows: list[list[str]]) -> str:
    n = max(len(r) for r in rows)
    grid = "".join('<w:gridCol w:w="900"/>' for _ in range(n))
    trs = "".join(
        "<w:tr>" + "".join(f"<w:tc>{_p(c)}</w:tc>" for c in [*r, *[""] * (n - len(r))]) + "</w:tr>"
        for r in rows
    )
    return f"<w:tbl><w:tblGrid>{grid}</w:tblGrid>{trs}</w:tbl>"


def report_docx_parts(r: Report) -> dict[str, str]:
    """Return the parts of a DOCX package of the report (the caller zips them byte-stably)."""
    body = [_p(r.title), _p(r.period)]
    for number, heading in HEADINGS.items():
        body.append(_p(heading))
        if number == "二":
            body.append(_tbl(r.table2_rows()))
        elif number == "三":
            body.append(_tbl(r.table3_rows()))
        elif number == "四":
            body.append(_tbl(r.table4_rows()))
        else:
            body.append(_p(r.section(number)))
    # Fixed core properties: no generation time, so the file is the same on every build.
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<cp:coreProperties xmlns:cp="{_PKG}/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{esc(r.title)}</dc:title><dc:creator>{esc(r.org)}</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{r.year + 1}-01-15T00:00:00Z</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{r.year + 1}-01-15T00:00:00Z</dcterms:modified>'
        "</cp:coreProperties>"
    )
    return {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Types xmlns="{_PKG}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/'
            'vnd.openxmlformats-package.core-properties+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{_PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{_OFFICE}/relationships/officeDocument"'
            ' Target="word/document.xml"/>'
            f'<Relationship Id="rId2" Type="{_PKG}/relationships/metadata/core-properties"'
            ' Target="docProps/core.xml"/></Relationships>'
        ),
        "docProps/core.xml": core,
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<w:document xmlns:w="{_W}"><w:body>{"".join(body)}</w:body></w:document>'
        ),
    }
