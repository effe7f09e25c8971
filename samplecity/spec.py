"""What the sample city's sites contain: columns, articles, dates and the deliberate defects.

Every date is absolute and chosen relative to the audit date samplecity.AS_OF (2026-11-23).
Defects are marked `DEFECT:` with the rule that must report them (see samplecity/truth.yaml).
`python -m samplecity.build` renders these specs into samplecity/sites/.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from samplecity.annual import Report
from samplecity.pdf import Block, Table

D = dt.date.fromisoformat
Link = tuple[str, str]  # (text, href)


@dataclass
class Att:
    """An attachment of an article: label and file name (in the article's folder, or /absolute)."""

    label: str
    name: str
    missing: bool = False  # DEFECT marker: the link is written but the file is not
    href: str = ""
    report: Report | None = None  # a .docx/.pdf attachment that is this 政府信息公开工作年度报告
    # A .pdf attachment with this content (samplecity.pdf blocks: paragraphs, ruled tables).
    pdf: list[Block] | None = None


@dataclass
class Msg:
    """A 留言/信件 of a 领导信箱 column: what was asked, its status and the reply (if any)."""

    question: str
    status: str  # as the list shows it: 已回复, 办理中 …
    replied: dt.date | None = None
    unit: str | None = None
    answer: str | None = None


@dataclass
class Art:
    """An article (or a list entry that links straight to a document when `file` is set)."""

    title: str
    date: dt.date | None
    time: str = ""
    source: str | None = None
    doc_no: str | None = None  # 文号: shows the 信息公开目录 metadata table
    # 成文日期 in that table (default: three days before `date`). DEFECT marker when it is more
    # than 20 working days before `date` (条例第二十六条, rule disclosure-timeliness).
    written: dt.date | None = None
    related: list[Art] = field(default_factory=list)  # 相关链接 to other articles (解读 ↔ 原文)
    attachments: list[Att] = field(default_factory=list)
    image: bool | str = False
    image_missing: bool = False
    links: list[Link] = field(default_factory=list)
    paras: list[str] | None = None
    file: str | None = None  # extension ("pdf", "xls"): the entry is a document, not a page
    file_missing: bool = False
    signature: str | None = None
    # DEFECT marker: the PubDate meta says this day while the page shows `date`.
    meta_date: dt.date | None = None
    report: Report | None = None  # the page is this 政府信息公开工作年度报告 (body and tables)
    msg: Msg | None = None  # the page is this 信箱 message (`date` is the day it was sent)
    # Filled in by Site.finalize().
    col: Col | None = None
    seq: int = 0
    url: str = ""
    page_file: str = ""


@dataclass
class Col:
    """A column (栏目): a list (possibly paginated), a hub with a link grid, or one single page."""

    path: str  # folder under the site root, e.g. "xwzx/ywdt"
    name: str  # ColumnName as shown
    ctype: str = "信息公开"  # ColumnType
    arts: list[Art] = field(default_factory=list)
    paging: str | None = None  # "next" (下一页 links) | "trs" (createPageHTML) | None
    per_page: int = 20
    placeholder: bool = False  # shows 暂无信息 instead of entries
    desc: str = ""
    parent: Col | None = None
    single: Art | None = None  # a one-page column: this article is the column page
    grid: list[Link] = field(default_factory=list)  # hub: links to sub-columns
    latest: list[Col] = field(default_factory=list)  # hub: newest entries of these columns
    latest_n: int = 6
    latest_title: str = "最新信息公开"
    side: list[Link] = field(default_factory=list)
    side_title: str = ""
    omit_metas: tuple[str, ...] = ()  # DEFECT marker: 发展指引 tags its article template lacks

    @property
    def url(self) -> str:
        """Return the URL path of the column's first page."""
        return f"/{self.path}/index.html"

    def page_name(self, n: int) -> str:
        """Return the file name of page n (0-based) of the list."""
        if n == 0:
            return "index.html"
        return f"index_{n}.html" if self.paging == "trs" else f"list_{n + 1}.html"

    def page_path(self, n: int) -> str:
        """Return the site-relative file path of page n."""
        return f"{self.path}/{self.page_name(n)}"

    @property
    def trail(self) -> list[Link]:
        """Return the breadcrumb links after 首页, ending with this column."""
        chain: list[Link] = []
        col: Col | None = self
        while col is not None:
            chain.insert(0, (col.name, col.url))
            col = col.parent
        return chain

    @property
    def own(self) -> list[Art]:
        """Return the articles this column owns (rendered under its folder)."""
        return [self.single] if self.single is not None else self.arts

    def entries(self) -> list[Art]:
        """Return the list entries, newest first (undated ones keep their order, last)."""
        if self.latest:
            pool = [a for c in self.latest for a in c.entries() if a.date is not None]
            pool.sort(key=lambda a: (a.date, a.seq), reverse=True)
            return pool[: self.latest_n]
        dated = sorted(
            (a for a in self.arts if a.date), key=lambda a: (a.date, a.seq), reverse=True
        )
        return dated + [a for a in self.arts if a.date is None]


@dataclass
class Site:
    """One sample website and how it is rendered."""

    id: str
    name: str
    short: str
    domain: str
    idcode: str
    host_org: str
    address: str
    phone: str
    email: str
    icp: str
    police: str
    index_prefix: str
    encoding: str = "utf-8"
    charset_decl: str | None = "meta"  # "meta" | "http-equiv" | None (header only)
    list_style: str = "dash"  # "dash" | "bracket" | "cn"
    date_label: str = "发布时间"
    cn_dates: bool = False
    nav: list[Link] = field(default_factory=list)
    cols: list[Col] = field(default_factory=list)
    home_lists: list[tuple[str, Col, int]] = field(default_factory=list)
    home_links: list[tuple[str, list[Link]]] = field(default_factory=list)
    banners: list[tuple[str, str, str]] = field(default_factory=list)  # (img src, alt, href)
    missing_images: set[str] = field(default_factory=set)
    home_extra: str = ""
    seq_start: int = 1000
    meta_idcode: str | None = None  # DEFECT marker: the SiteIDCode meta differs from the footer

    def finalize(self) -> None:
        """Assign sequence numbers, URLs and file paths to every article."""
        seq = self.seq_start
        for col in self.cols:
            for art in col.own:
                seq += 7
                art.col, art.seq = col, seq
                if not art.time:
                    art.time = ["09:30", "10:15", "11:00", "15:20", "16:45"][seq % 5]
                if col.single is art:
                    art.page_file = f"{col.path}/index.html"
                    art.url = col.url
                    folder = f"/{col.path}"
                elif art.date is None:
                    art.page_file = f"{col.path}/content_{seq}.html"
                    art.url = "/" + art.page_file
                    folder = f"/{col.path}"
                else:
                    ym = art.date.strftime("%Y%m")
                    folder = f"/{col.path}/{ym}"
                    if art.file:
                        art.url = f"{folder}/P0{art.date:%Y%m%d}{seq}.{art.file}"
                    else:
                        art.page_file = f"{col.path}/{ym}/t{art.date:%Y%m%d}_{seq}.html"
                        art.url = "/" + art.page_file
                for k, att in enumerate(art.attachments, 1):
                    att.href = att.name if att.name.startswith("/") else f"{folder}/{att.name}"
                    if not att.name:
                        raise ValueError(f"{self.id}: attachment {att.label} has no name")
                    del k
                if art.image is True:
                    stamp = art.date.strftime("%Y%m%d") if art.date else "0"
                    art.image = f"{folder}/W0{stamp}{seq}.png"

    @property
    def file_arts(self) -> list[Art]:
        """Return the entries that are documents (no page)."""
        return [a for c in self.cols for a in c.own if a.file]


# ---------------------------------------------------------------------------------------------
# Shared building blocks


def arts(*rows: tuple, **common: object) -> list[Art]:
    """Build articles from (title, date) or (title, date, {options}) tuples."""
    out = []
    for row in rows:
        title, day = row[0], row[1]
        opts = dict(common)
        if len(row) > 2:
            opts.update(row[2])
        out.append(Art(title, D(day) if isinstance(day, str) else day, **opts))  # type: ignore[arg-type]
    return out


def shift(day: str, days: int) -> dt.date:
    """Return an ISO date moved by a number of days."""
    return D(day) + dt.timedelta(days=days)


def org_profile(
    org: str, duties: list[str], units: list[str], head: str, addr: str, tel: str
) -> list[str]:
    """Return the paragraphs of a 机构职能 page."""
    return [
        f"一、主要职责。{org}贯彻落实党中央、国务院和省委、省政府及市委、市政府的决策部署，主要职责是："
        + "；".join(duties)
        + "。",
        "二、内设机构。" + "、".join(units) + "。",
        f"三、负责人。{head}。",
        f"四、办公地址：{addr}。办公时间：工作日上午8:30—12:00，下午14:30—17:30。联系电话：{tel}。",
    ]


def guide_paras(org: str, addr: str, tel: str, email: str, *, fax: bool = True) -> list[str]:
    """Return the paragraphs of a 政府信息公开指南 (条例第十二条 fields)."""
    fax_text = f"传真：{tel[:-1]}9。" if fax else ""
    return [
        f"为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制《{org}政府信息公开指南》。",
        "一、主动公开。（一）公开的范围：本机关主动公开的政府信息分类、编排体系详见法定主动公开内容目录。"
        "（二）公开的方式：本网站、政府公报、新闻发布会以及政务新媒体等。（三）公开的时限：属于主动公开范围的政府信息，"
        "自该政府信息形成或者变更之日起20个工作日内予以公开。",
        "二、依申请公开。申请人可以通过当面提交、邮寄、互联网在线等方式提出申请。本机关收到申请后能够当场答复的当场答复；"
        "不能当场答复的，自收到申请之日起20个工作日内予以答复；需要延长答复期限的，延长的期限最长不超过20个工作日。",
        f"三、受理机构：{org}办公室。办公地址：{addr}。办公时间：工作日上午8:30—12:00，下午14:30—17:30。"
        f"联系电话：{tel}。{fax_text}电子邮箱：{email}。",
        "四、监督方式。公民、法人或者其他组织认为本机关在政府信息公开工作中侵犯其合法权益的，可以向上一级行政机关"
        "或者政府信息公开工作主管部门投诉、举报，也可以依法申请行政复议或者提起行政诉讼。",
    ]


def xxgk(
    site: Site,
    *,
    catalogue: list[Col],
    guide_date: str,
    rules: list[Art],
    reports: list[Art] | None,
    org_text: list[str],
    guide: list[str],
) -> list[Col]:
    """Build the 信息公开专栏 (国办秘函〔2019〕19号: 指南、制度、法定主动公开内容、年报).

    `reports=None` leaves out the 年报 column (a deliberate defect on one site).
    """
    hub = Col("xxgk", "政府信息公开", desc=f"{site.name}政府信息公开专栏")
    zn = Col(
        "xxgk/zn",
        "政府信息公开指南",
        parent=hub,
        single=Art(f"{site.name}政府信息公开指南", D(guide_date), paras=guide),
    )
    zd = Col("xxgk/zd", "政府信息公开制度", arts=rules, parent=hub)
    fd = Col("xxgk/fdzdgknr", "法定主动公开内容", parent=hub, latest_title="最新主动公开")
    jgzn = Col(
        "xxgk/fdzdgknr/jgzn",
        "机构职能",
        parent=fd,
        single=Art(f"{site.name}机构职能", D(guide_date) - dt.timedelta(days=40), paras=org_text),
    )
    cat = [jgzn, *catalogue]
    for col in catalogue:
        col.parent = fd
    fd.grid = [(c.name, c.url) for c in cat]
    fd.latest = [c for c in catalogue if c.single is None]
    parts = [zn, zd, fd]
    if reports is not None:
        parts.append(Col("xxgk/nb", "政府信息公开年报", arts=reports, parent=hub))
    ysq = Col(
        "xxgk/ysqgk",
        "依申请公开",
        parent=hub,
        single=Art(
            "依申请公开办理流程",
            D(guide_date),
            paras=[
                "申请人可以通过当面、邮寄或者网上申请等方式向本机关提出政府信息公开申请。",
                "申请内容应当包括：申请人的姓名或者名称、身份证明、联系方式；申请公开的政府信息的名称、"
                "文号或者便于行政机关查询的其他特征性描述；申请公开的政府信息的形式要求。",
            ],
            attachments=[Att("政府信息公开申请表", "sqb.docx")],
        ),
    )
    parts.append(ysq)
    hub.grid = [(c.name, c.url) for c in parts]
    hub.latest = [c for c in [*catalogue, zd] if c.single is None]
    side = [(c.name, c.url) for c in parts]
    for col in [hub, *parts, *cat]:
        col.side, col.side_title = side, "政府信息公开"
    return [hub, *parts, *cat]


# Catalogue templates for 《政府信息公开条例》第二十条: (profile item, folder, default column name,
# ColumnType, entries as (title template, ISO date, options)). {org} is the agency's name.
DEPT_ITEMS: list[tuple[str, str, str, str, list[tuple]]] = [
    (
        "规章和规范性文件",
        "zcwj",
        "政策文件",
        "政策文件",
        [
            (
                "{org}关于印发《{org}行政规范性文件管理办法》的通知",
                "2026-11-10",
                {"doc_no": "示{abbr}规〔2026〕3号"},
            ),
            (
                "{org}关于进一步优化政务服务提升行政效能的实施意见",
                "2026-09-18",
                {"doc_no": "示{abbr}发〔2026〕21号"},
            ),
            (
                "{org}关于废止和修改部分规范性文件的决定",
                "2026-06-12",
                {"doc_no": "示{abbr}规〔2026〕2号"},
            ),
        ],
    ),
    (
        "规划信息",
        "ghjh",
        "规划计划",
        "规划计划",
        [
            ("{org}“十五五”发展规划编制工作方案", "2026-08-20", {}),
            ("{org}2026年工作要点", "2026-03-05", {}),
        ],
    ),
    (
        "统计信息",
        "tjxx",
        "统计信息",
        "信息公开",
        [
            ("{org}2026年1—10月主要业务数据", "2026-11-12", {"file": "xls"}),
            ("{org}2026年上半年主要业务数据", "2026-07-15", {"file": "xls"}),
        ],
    ),
    (
        "行政许可",
        "xzxk",
        "行政许可",
        "信息公开",
        [
            ("{org}2026年10月行政许可办理结果", "2026-11-06", {}),
            (
                "{org}行政许可事项清单（2026年版）",
                "2026-04-20",
                {"attachments": [Att("行政许可事项清单", "xkqd.xls")]},
            ),
        ],
    ),
    (
        "行政处罚和行政强制",
        "xzcf",
        "行政处罚",
        "信息公开",
        [
            ("{org}2026年第三季度行政处罚决定信息", "2026-10-16", {}),
            ("{org}行政处罚裁量基准（2026年修订）", "2026-05-08", {}),
        ],
    ),
    (
        "财政预决算",
        "czyjs",
        "部门预决算",
        "信息公开",
        [
            ("{org}2026年部门预算", "2026-02-14", {"file": "pdf"}),
            ("{org}2025年部门决算", "2026-08-28", {"file": "pdf"}),
        ],
    ),
    (
        "行政事业性收费",
        "xzsf",
        "行政事业性收费",
        "信息公开",
        [
            ("{org}行政事业性收费项目目录清单", "2026-03-30", {}),
            ("示例市涉企行政事业性收费目录清单（2026年）", "2026-01-20", {"file": "xls"}),
        ],
    ),
    (
        "政府采购",
        "zfcg",
        "政府采购",
        "信息公开",
        [
            ("{org}2026年政府采购意向公开（第四批）", "2026-10-30", {}),
            ("{org}办公设备采购项目成交结果", "2026-09-02", {}),
        ],
    ),
    (
        "重大建设项目",
        "zdxm",
        "重大建设项目",
        "信息公开",
        [
            ("{org}2026年重大建设项目批准和实施情况", "2026-10-10", {}),
            ("{org}2026年上半年重大建设项目推进情况", "2026-07-08", {}),
        ],
    ),
    (
        "民生政策措施",
        "msbz",
        "重点领域信息公开",
        "信息公开",
        [
            ("{org}关于做好2026年高校毕业生就业创业工作的通知", "2026-11-03", {}),
            ("{org}关于进一步做好困难群众基本生活保障工作的通知", "2026-06-25", {}),
        ],
    ),
    (
        "应急管理",
        "yjgl",
        "应急管理",
        "信息公开",
        [
            ("{org}关于做好2026年冬季寒潮天气防范应对工作的通知", "2026-11-13", {}),
            ("{org}突发事件总体应急预案（2026年修订）", "2026-04-02", {}),
        ],
    ),
    (
        "监督检查",
        "jdjc",
        "监督检查",
        "信息公开",
        [
            ("{org}2026年第三季度“双随机、一公开”抽查结果", "2026-10-22", {}),
            ("{org}安全生产专项检查情况通报", "2026-08-12", {}),
        ],
    ),
    (
        "公务员招考",
        "rsxx",
        "人事信息",
        "人事信息",
        [
            ("{org}2026年度考试录用公务员拟录用人员名单", "2026-08-05", {}),
            ("{org}2026年度考试录用公务员职位表", "2026-01-12", {"file": "xls"}),
        ],
    ),
]

# 第二十一条 items a 设区的市 portal must add.
PORTAL_ITEMS: list[tuple[str, str, str, str, list[tuple]]] = [
    ("市政建设", "szjs", "市政建设", "信息公开", [
        ("示例市2026年城市道路提升改造工程实施情况", "2026-11-11", {}),
        ("示例市2026年老旧小区改造计划", "2026-03-18", {}),
    ]),
    ("公共服务", "ggfw", "公共服务", "信息公开", [
        ("示例市基本公共服务标准（2026年版）", "2026-09-25", {}),
        ("示例市2026年十件民生实事进展情况", "2026-11-09", {}),
    ]),
    ("公益事业", "gysy", "公益事业", "信息公开", [
        ("示例市2026年“慈善一日捐”活动款物使用情况", "2026-10-28", {}),
        ("示例市公益性岗位开发管理办法", "2026-05-20", {}),
    ]),
    ("土地征收", "tdzs", "土地征收", "信息公开", [
        ("示例市人民政府征收土地预公告（2026年第12号）", "2026-11-05", {}),
        ("示例市2026年第三批次城镇建设用地征收土地公告", "2026-08-19", {}),
    ]),
    ("房屋征收", "fwzs", "房屋征收", "信息公开", [
        ("东城片区国有土地上房屋征收决定", "2026-10-14", {}),
        ("东城片区国有土地上房屋征收补偿方案", "2026-09-01", {}),
    ]),
    ("治安管理", "zagl", "治安管理", "信息公开", [
        ("示例市公安局2026年第三季度社会治安形势通报", "2026-10-20", {}),
        ("示例市公安局关于冬季防火防盗的提示", "2026-11-15", {}),
    ]),
    ("社会救助", "shjz", "社会救助", "信息公开", [
        ("示例市2026年10月城乡低保资金发放情况", "2026-11-10", {}),
        ("示例市调整城乡最低生活保障标准的通知", "2026-06-30", {}),
    ]),
]  # fmt: skip


def catalogue(
    org: str,
    abbr: str,
    *,
    days: int = 0,
    skip: tuple[str, ...] = (),
    names: dict[str, str] | None = None,
    extra: dict[str, dict] | None = None,
    items: list[tuple[str, str, str, str, list[tuple]]] = DEPT_ITEMS,
) -> list[Col]:
    """Build the 法定主动公开内容 columns for one agency, dates moved by `days`."""
    names = names or {}
    extra = extra or {}
    cols = []
    for item, folder, default, ctype, rows in items:
        if item in skip:
            continue
        built = []
        for title, day, opts in rows:
            opts = dict(opts)
            if "doc_no" in opts:
                opts["doc_no"] = opts["doc_no"].format(abbr=abbr)
            if "attachments" in opts:
                opts["attachments"] = [Att(a.label, a.name) for a in opts["attachments"]]
            built.append(Art(title.format(org=org), shift(day, days), **opts))
        built += extra.get(item, {}).get("arts", [])
        name = names.get(item, default)
        cols.append(Col(f"xxgk/fdzdgknr/{folder}", name, ctype=ctype, arts=built))
    return cols


def interpretations(
    cols: list[Col],
    *,
    late: dict[str, int] | None = None,
    unlinked: tuple[str, ...] = (),
) -> Col:
    """Build a 政策解读 column with one 解读 per 文号 document of the 政策文件 column.

    Each 解读 is published the same day as its document and the two link to each other
    (国办发〔2016〕80号 实施细则: 同步发布、相互关联), except documents whose 文号 contains a key
    of `late` (the 解读 comes that many days later) or an entry of `unlinked` (no links).
    """
    late = late or {}
    docs = next(c for c in cols if c.path.endswith("/zcwj"))
    out = []
    for doc in docs.arts:
        if not doc.doc_no or doc.date is None:
            continue
        quoted = doc.title.split("《", 1)[1].split("》", 1)[0] if "《" in doc.title else doc.title
        if "印发" in doc.title:
            title = f"《{quoted}》政策解读"
        elif "决定" in doc.title:
            title = f"关于《{quoted}》的解读"
        else:
            title = f"一图读懂《{quoted}》"
        delay = next((d for k, d in late.items() if k in doc.doc_no), 0)
        interp = Art(
            title,
            doc.date + dt.timedelta(days=delay),
            paras=[
                f"一、出台背景。为贯彻落实上级有关部署，结合本地实际，制定《{quoted}》。",
                "二、主要内容。文件明确了适用范围、职责分工、工作程序和保障措施。",
                "三、施行时间。文件自印发之日起施行，原有规定与本文件不一致的，以本文件为准。",
            ],
        )
        if not any(k in doc.doc_no for k in unlinked):
            interp.related.append(doc)
            doc.related.append(interp)
        out.append(interp)
    return Col("xxgk/fdzdgknr/zcjd", "政策解读", ctype="政策解读", arts=out)


def by_doc_no(cols: list[Col], key: str) -> Art:
    """Return the article whose 文号 contains key."""
    return next(a for c in cols for a in c.arts if a.doc_no and key in a.doc_no)


def add_service(s: Site, day: str) -> None:
    """Add a 办事服务 page to the site and its navigation (the home page's service entry)."""
    col = Col(
        "bsfw",
        "办事服务",
        ctype="办事服务",
        single=Art(
            f"{s.name}办事服务",
            D(day),
            paras=[
                f"{s.name}政务服务事项已全部纳入省一体化政务服务平台办理。",
                "办事指南：请在事项清单中查看每个事项的设定依据、申请条件、办理材料、办理地点、办理时间、"
                "收费标准和联系电话。",
                f"咨询电话：{s.phone}（工作日上午9:00—12:00，下午14:00—17:30）。",
            ],
        ),
    )
    s.cols.append(col)
    s.nav.append(("办事服务", col.url))


def mailbox(path: str, name: str, unit: str, rows: list[tuple[str, str, str, str | None]]) -> Col:
    """Build a 领导信箱 column: (title, sent, status, replied or None) rows, newest first.

    国办秘函〔2019〕19号 vetoes a 政务咨询 column with a valid message unanswered for more than
    3 months in the year before the check (rule interaction-unanswered).
    """
    out = []
    for title, sent, status, replied in rows:
        answered = replied is not None
        out.append(
            Art(
                title,
                D(sent),
                msg=Msg(
                    question=f"您好！我想咨询{title.rstrip('？?')}的有关情况，请予答复。",
                    status=status,
                    replied=D(replied) if replied else None,
                    unit=unit if answered else None,
                    answer=(
                        f"您好！您反映的问题已收悉。经核实，{title.rstrip('？?')}的有关情况已在本网站公开，"
                        "如有疑问请在工作日拨打办公室电话咨询。感谢您的关注！"
                    )
                    if answered
                    else None,
                ),
            )
        )
    return Col(path, name, ctype="互动交流", arts=out, desc=f"{name}（政务咨询）")


def gov_footer(site_id: str, org: str, n: int) -> dict[str, str]:
    """Return the footer fields of a government site."""
    return {
        "host_org": org,
        "address": f"示例市行政中心{n}号楼",
        "phone": f"0799-8800{n:04d}",
        "email": f"{site_id}@shili.gov.cn",
        "icp": f"示ICP备2026{n:04d}号",
        "police": f"示公网安备 439900020{n:05d}号",
        "index_prefix": f"11439900MB0{n:06d}X",
    }


# ---------------------------------------------------------------------------------------------
# 示例市人民政府 (portal): healthy except two broken links on its home page.


def portal() -> Site:
    s = Site(
        "portal",
        "示例市人民政府",
        "示例市人民政府",
        "www.shili.gov.cn",
        "4399000001",
        **gov_footer("portal", "示例市人民政府办公室", 1),
    )
    ywdt = Col(
        "xwzx/ywdt",
        "要闻动态",
        ctype="动态要闻",
        paging="next",
        per_page=5,
        arts=arts(
            ("示例市召开2026年第四季度经济运行分析会", "2026-11-21", {"image": True}),
            ("市政府常务会议研究部署冬季安全生产工作", "2026-11-20"),
            ("示例市举行第四批重点项目集中开工仪式", "2026-11-18"),
            ("市长率队调研城市更新和老旧小区改造工作", "2026-11-14"),
            ("示例市出台促进民营经济发展二十条措施", "2026-11-12"),
            ("全市冬季供暖保障工作部署会召开", "2026-11-07"),
            ("示例市入选全国文明城市提名城市", "2026-11-03"),
            ("市政府与省交通投资集团签署战略合作协议", "2026-10-29"),
            ("示例市第二届职业技能大赛开幕", "2026-10-22"),
            ("全市秋粮收购工作有序开展", "2026-10-15"),
            ("国庆假期全市旅游市场平稳有序", "2026-10-08"),
            ("示例市举办2026年金秋招聘月活动", "2026-09-26"),
        ),
    )
    tzgg = Col(
        "xwzx/tzgg",
        "通知公告",
        ctype="通知公告",
        paging="trs",
        per_page=5,
        arts=arts(
            ("示例市人民政府办公室关于2027年元旦放假的通知", "2026-11-19"),
            ("关于开展2026年度全市安全生产大检查的通知", "2026-11-16"),
            ("示例市2026年冬季供暖开始时间的公告", "2026-11-10"),
            ("关于征集2027年市政府民生实事项目建议的公告", "2026-11-04"),
            ("示例市人民政府关于第二次全国自然灾害综合风险普查成果发布的公告", "2026-10-27"),
            ("关于调整部分公交线路的通告", "2026-10-20"),
            ("示例市2026年下半年事业单位公开招聘公告", "2026-10-09"),
            ("关于开展2026年度市级文明单位复查工作的通知", "2026-09-24"),
            ("示例市人民政府关于中秋节、国庆节期间加强安全防范的通告", "2026-09-18"),
            ("关于组织开展2026年全国科普日活动的通知", "2026-09-05"),
            ("示例市城市管理局关于规范户外广告设置的通告", "2026-08-28"),
        ),
    )
    cat = catalogue(
        "示例市人民政府",
        "政",
        days=2,
        names={
            "财政预决算": "财政预决算",
            "行政处罚和行政强制": "行政执法",
            "民生政策措施": "民生保障",
        },
        items=DEPT_ITEMS + PORTAL_ITEMS,
    )
    # Every 文号 document has its 解读, published the same day, linked both ways.
    cat.append(interpretations(cat))
    gk = xxgk(
        s,
        catalogue=cat,
        guide_date="2026-03-16",
        rules=arts(
            ("示例市人民政府政府信息公开保密审查制度", "2025-06-10"),
            ("示例市人民政府政府信息公开工作考核办法", "2024-09-20"),
            ("示例市人民政府政府信息依申请公开工作规程", "2026-04-15"),
        ),
        reports=arts(
            (
                "示例市人民政府2025年政府信息公开工作年度报告",
                "2026-01-28",
                {
                    # The page is the report; the PDF copy is downloaded and read too, but it is
                    # a placeholder without the report text, so the page is judged.
                    "attachments": [Att("2025年政府信息公开工作年度报告", "nb2025.pdf")],
                    # DEFECT annual-report-carryover: 二、上年结转 is 4 (自然人 4, 总计 4), while
                    # the 2024 report carried 6 forward (四、结转下年度继续办理).
                    "report": Report("示例市人民政府", 2025, 86, 4, 5, published=1240),
                },
            ),
            (
                "示例市人民政府2024年政府信息公开工作年度报告",
                "2025-01-27",
                {"report": Report("示例市人民政府", 2024, 74, 3, 6, published=1105)},
            ),
        ),
        org_text=org_profile(
            "示例市人民政府",
            [
                "执行市人民代表大会及其常务委员会的决议",
                "规定行政措施，发布决定和命令",
                "领导所属各工作部门和下级人民政府的工作",
            ],
            [
                "市政府办公室",
                "市发展和改革委员会",
                "市教育局",
                "市财政局",
                "市住房和城乡建设局",
                "市卫生健康委员会",
            ],
            # DEFECT term-leaders-listed: 副市长 赵为民 (config/lexicons/leaders.yaml) took office
            # but the 机构职能 page still lists only the mayor and the executive vice mayor.
            "市长：王示范；常务副市长：李公开",
            "示例市行政中心1号楼",
            "0799-88000001",
        ),
        guide=guide_paras(
            "示例市人民政府", "示例市行政中心1号楼", "0799-88000001", "portal@shili.gov.cn"
        ),
    )
    s.cols = [ywdt, tzgg, *gk]
    s.nav = [
        ("首页", "/"),
        ("要闻动态", ywdt.url),
        ("通知公告", tzgg.url),
        ("政策文件", "/xxgk/fdzdgknr/zcwj/index.html"),
        ("政府信息公开", "/xxgk/index.html"),
    ]
    s.home_lists = [("要闻动态", ywdt, 6), ("通知公告", tzgg, 6)]
    s.home_links = [
        ("政府信息公开", [(c.name, c.url) for c in gk[1:6]]),
        (
            "部门网站",
            [
                ("示例市财政局", "${base:czj}/"),
                ("示例市教育局", "${base:jyj}/"),
                ("示例市卫生健康委员会", "${base:wjw}/"),
                ("示例市住房和城乡建设局", "${base:zjj}/"),
            ],
        ),
        (
            "公共企事业单位信息公开",
            [
                ("示例市自来水有限公司", "${base:water}/"),
                ("示例市燃气集团有限公司", "${base:gas}/"),
                ("示例市人民医院", "${base:hospital}/"),
            ],
        ),
        # DEFECT link-broken-home: the 专题 page was taken down but the home page still links it.
        ("专题专栏", [("2026年民生实事项目进展", "/ztzl/mssx/index.html")]),
    ]
    s.banners = [
        ("/images/banner-2026.png", "学习贯彻党的二十届四中全会精神", ywdt.url),
        # DEFECT link-broken-home: the banner image file is missing.
        ("/images/zt-yshj.jpg", "优化营商环境专题", tzgg.url),
    ]
    s.missing_images = {"/images/zt-yshj.jpg"}
    # 市长信箱: answered within days; one message from 2025-10 is still 办理中 but falls outside
    # the one-year window of 19号, so it is not judged.
    box = mailbox(
        "hdjl/szxx",
        "市长信箱",
        "示例市人民政府办公室",
        [
            ("关于东城片区学校学位紧张的问题", "2026-11-16", "办理中", None),
            ("关于人民路夜间施工噪音扰民的问题", "2026-10-20", "已回复", "2026-10-27"),
            ("关于老旧小区加装电梯补贴政策的咨询", "2026-09-08", "已回复", "2026-09-15"),
            ("关于城北公交线路调整的建议", "2025-10-12", "办理中", None),
        ],
    )
    s.cols.append(box)
    s.nav.append(("互动交流", box.url))
    add_service(s, "2026-09-01")
    return s


# ---------------------------------------------------------------------------------------------
# 示例市财政局 (GBK, declared only in <meta>): stale 通知公告, undated 政策文件.


def czj() -> Site:
    s = Site(
        "czj",
        "示例市财政局",
        "市财政局",
        "czj.shili.gov.cn",
        "4399000011",
        encoding="gbk",
        charset_decl="http-equiv",
        list_style="bracket",
        date_label="发布日期",
        seq_start=3000,
        **gov_footer("czj", "示例市财政局", 11),
    )
    dongtai = Col(
        "czdt",
        "财政动态",
        ctype="动态要闻",
        paging="trs",
        per_page=5,
        arts=arts(
            # DEFECT meta-missing (伪造发稿日期): an article dated 2026-12-08, after the audit
            # date and the crawl; its PubDate and the date it shows are both in the future.
            ("市财政局部署2027年部门预算编制工作", "2026-12-08"),
            ("市财政局召开2026年第四季度重点工作推进会", "2026-11-20"),
            ("市财政局开展财会监督专项行动", "2026-11-17"),
            ("全市政府采购领域营商环境优化工作取得实效", "2026-11-13"),
            ("市财政局组织开展预算绩效管理业务培训", "2026-11-06"),
            ("市财政下达2026年冬季取暖补助资金", "2026-10-30"),
            ("市财政局赴县区调研基层“三保”工作", "2026-10-21"),
            ("市财政局召开党组理论学习中心组学习会", "2026-10-12"),
        ),
    )
    # DEFECT column-stale (通知公告 class, 183 days): newest notice 2026-04-10, 227 days old.
    tzgg = Col(
        "tzgg",
        "通知公告",
        ctype="通知公告",
        arts=arts(
            ("关于开展2026年度会计人员继续教育的通知", "2026-04-10"),
            ("关于2025年度市级部门决算编报工作的通知", "2026-02-26"),
            ("关于开展2026年全国会计专业技术资格考试报名工作的公告", "2026-01-05"),
            ("关于做好2025年度行政事业单位国有资产报告工作的通知", "2025-12-18"),
        ),
    )
    # DEFECT column-stale (undated): 政策文件 lists documents without any date, and the
    # documents themselves carry none (国办发〔2015〕15号：未注明发布时间的视为不更新).
    zcwj_undated = arts(
        ("示例市市级财政专项资金管理办法", None, {"doc_no": "示财规〔2026〕1号"}),
        ("示例市政府采购负面清单", None),
        ("示例市行政事业单位国有资产管理办法", None),
        ("示例市财政局关于规范财政票据管理的通知", None),
    )
    for a in zcwj_undated:
        a.paras = [
            f"《{a.title}》已经研究同意，现予印发，请认真贯彻执行。",
            "本办法由示例市财政局负责解释，自印发之日起施行。",
        ]
    cat = catalogue(
        "示例市财政局",
        "财",
        days=-1,
        skip=("规章和规范性文件",),
        names={"财政预决算": "财政预决算", "民生政策措施": "重点领域信息公开"},
    )
    zcwj = Col("xxgk/fdzdgknr/zcwj", "政策文件", ctype="政策文件", arts=zcwj_undated)
    gk = xxgk(
        s,
        catalogue=[zcwj, *cat],
        guide_date="2026-02-20",
        rules=arts(
            ("示例市财政局政府信息公开保密审查制度", "2025-03-12"),
            ("示例市财政局政府信息公开工作制度", "2026-05-08"),
        ),
        reports=arts(
            (
                "示例市财政局2025年政府信息公开工作年度报告",
                "2026-01-22",
                {
                    "paras": ["《示例市财政局2025年政府信息公开工作年度报告》全文见附件。"],
                    # DEFECT annual-report-boilerplate: the DOCX report's section 五 (存在的主要
                    # 问题及改进情况) is the 2024 report's, word for word.
                    "attachments": [
                        Att(
                            "年度报告全文",
                            "nb2025.docx",
                            report=Report("示例市财政局", 2025, 41, 3, 4, five_from=2024),
                        )
                    ],
                },
            ),
            (
                "示例市财政局2024年政府信息公开工作年度报告",
                "2025-01-20",
                {"report": Report("示例市财政局", 2024, 30, 2, 3, published=420)},
            ),
        ),
        org_text=org_profile(
            "示例市财政局",
            [
                "拟订全市财政发展规划和政策",
                "组织编制市级预决算草案",
                "负责政府采购监督管理",
                "管理市级行政事业单位国有资产",
            ],
            ["办公室", "预算科", "国库科", "政府采购监督管理科", "会计科", "资产管理科"],
            "局长：陈理财；副局长：周核算",
            "示例市行政中心11号楼",
            "0799-88000011",
        ),
        guide=guide_paras(
            "示例市财政局", "示例市行政中心11号楼", "0799-88000011", "czj@shili.gov.cn"
        ),
    )
    s.cols = [dongtai, tzgg, *gk]
    s.nav = [
        ("首页", "/"),
        ("财政动态", dongtai.url),
        ("通知公告", tzgg.url),
        ("政策文件", zcwj.url),
        ("政府信息公开", "/xxgk/index.html"),
    ]
    s.home_lists = [("财政动态", dongtai, 6), ("通知公告", tzgg, 4)]
    s.home_links = [
        ("政府信息公开", [(c.name, c.url) for c in gk[1:6]]),
        ("相关链接", [("示例市人民政府", "${base:portal}/")]),
    ]
    box = mailbox(
        "hdjl/jzxx",
        "局长信箱",
        "示例市财政局办公室",
        [
            ("关于小微企业财政贴息政策的咨询", "2026-11-10", "已回复", "2026-11-13"),
            # DEFECT interaction-unanswered: sent 2026-06-15 and still 办理中 161 days later.
            ("关于公务卡报销流程的咨询", "2026-06-15", "办理中", None),
            # DEFECT interaction-unanswered: answered 109 days after it was sent.
            ("关于政府采购保证金退还的问题", "2026-03-02", "已回复", "2026-06-19"),
            ("关于惠民惠农补贴资金发放的咨询", "2026-01-20", "已回复", "2026-01-26"),
        ],
    )
    s.cols.append(box)
    s.nav.append(("互动交流", box.url))
    add_service(s, "2026-09-01")
    return s


# ---------------------------------------------------------------------------------------------
# 示例市教育局: stale 教育动态; no 财政预决算 and no 年报; a 500 on an inner page.


def jyj() -> Site:
    s = Site(
        "jyj",
        "示例市教育局",
        "市教育局",
        "jyj.shili.gov.cn",
        "4399000012",
        seq_start=5000,
        **gov_footer("jyj", "示例市教育局", 12),
    )
    # DEFECT column-stale (动态 class, 14 days): newest item 2026-10-28, 26 days old.
    dongtai = Col(
        "jydt",
        "教育动态",
        ctype="动态要闻",
        paging="next",
        per_page=5,
        arts=arts(
            ("全市中小学秋季运动会圆满落幕", "2026-10-28", {"image": True}),
            ("市教育局开展中小学校园安全隐患排查", "2026-10-19"),
            ("示例市三所学校入选省级智慧教育示范校", "2026-10-11"),
            ("全市2026年秋季学期开学工作平稳有序", "2026-09-02"),
            ("市教育局召开2026年教师节表彰大会", "2026-09-10"),
            ("示例市举办中小学教师教学能力大赛", "2026-08-26"),
            ("市教育局部署暑期学生安全教育工作", "2026-07-08"),
        ),
    )
    tzgg = Col(
        "tzgg",
        "通知公告",
        ctype="通知公告",
        arts=arts(
            ("关于做好2027年普通高校招生考试报名工作的通知", "2026-11-18"),
            ("关于公布2026年市级优秀教学成果奖评审结果的通知", "2026-11-11"),
            ("示例市2026年下半年中小学教师资格认定公告", "2026-11-02"),
            ("关于开展2026年冬季校园消防安全检查的通知", "2026-10-26"),
            ("关于举办2026年全市中小学生科技创新大赛的通知", "2026-10-13"),
            ("示例市2026年公开招聘中小学教师拟聘用人员公示", "2026-09-15"),
        ),
    )
    # DEFECT meta-missing: the 招生考试 article template has no ContentSource meta.
    zsks = Col(
        "zsks",
        "招生考试",
        ctype="信息公开",
        omit_metas=("ContentSource",),
        arts=arts(
            (
                "示例市2026年中考录取工作顺利完成",
                "2026-11-05",
                # DEFECT link-broken (inner page): the 录取查询 script answers HTTP 500.
                {"links": [("中考录取结果查询", "/cms/search.jsp?channel=zkcx")]},
            ),
            ("示例市2026年义务教育阶段学校招生入学工作方案", "2026-10-16"),
            ("2027年普通高中学业水平考试报名须知", "2026-11-17"),
        ),
    )
    # DEFECT catalogue-missing: no 财政预决算 column and no 政府信息公开年报 anywhere on the site.
    # DEFECT annual-report-missing: so no 2025 annual report either (due 2026-01-31).
    # 重大建设项目 is absent too but is declared not_applicable in sites.yaml (no finding).
    cat = catalogue(
        "示例市教育局",
        "教",
        days=3,
        skip=("财政预决算", "重大建设项目"),
        names={"民生政策措施": "教育惠民政策"},
    )
    gk = xxgk(
        s,
        catalogue=cat,
        guide_date="2026-04-08",
        rules=arts(
            ("示例市教育局政府信息公开保密审查制度", "2025-05-16"),
            ("示例市教育局政府信息主动公开工作制度", "2026-03-27"),
        ),
        reports=None,
        org_text=org_profile(
            "示例市教育局",
            [
                "贯彻执行国家教育方针政策",
                "统筹管理全市各级各类教育",
                "负责全市教师队伍建设",
                "组织实施全市招生考试工作",
            ],
            ["办公室", "基础教育科", "职业教育与成人教育科", "教师工作科", "学生资助管理中心"],
            "局长：刘育人；副局长：张树德",
            "示例市行政中心12号楼",
            "0799-88000012",
        ),
        # DEFECT guide-outdated: the guide gives no 传真号码 (条例第十二条 lists it).
        guide=guide_paras(
            "示例市教育局", "示例市行政中心12号楼", "0799-88000012", "jyj@shili.gov.cn", fax=False
        ),
    )
    s.cols = [dongtai, tzgg, zsks, *gk]
    s.nav = [
        ("首页", "/"),
        ("教育动态", dongtai.url),
        ("通知公告", tzgg.url),
        ("招生考试", zsks.url),
        ("政府信息公开", "/xxgk/index.html"),
    ]
    s.home_lists = [("教育动态", dongtai, 5), ("通知公告", tzgg, 5), ("招生考试", zsks, 3)]
    s.home_links = [
        ("政府信息公开", [(c.name, c.url) for c in gk[1:5]]),
        ("相关链接", [("示例市人民政府", "${base:portal}/")]),
    ]
    # DEFECT interaction-unanswered (warn): 教育局 has no 留言/信箱 channel at all.
    # DEFECT shili-home-service-entry: 教育局's home page offers no 办事服务 entry.
    return s


# ---------------------------------------------------------------------------------------------
# 示例市卫生健康委员会 (GBK, declared only in the HTTP header): two blank columns,
# a missing attachment and a 403 link on inner pages.


def wjw() -> Site:
    s = Site(
        "wjw",
        "示例市卫生健康委员会",
        "市卫生健康委",
        "wjw.shili.gov.cn",
        "4399000013",
        encoding="gbk",
        charset_decl=None,
        seq_start=7000,
        **gov_footer("wjw", "示例市卫生健康委员会", 13),
    )
    dongtai = Col(
        "wjdt",
        "卫健动态",
        ctype="动态要闻",
        paging="trs",
        per_page=5,
        arts=arts(
            ("市卫生健康委部署冬春季传染病防控工作", "2026-11-19"),
            (
                "示例市启动2026年“世界糖尿病日”主题宣传活动",
                "2026-11-14",
                # DEFECT meta-missing: the CMS stamped PubDate with the day the draft was made,
                # one day before the publish date the page shows.
                {"meta_date": D("2026-11-13")},
            ),
            (
                "市卫生健康委召开全市医疗质量安全工作会议",
                "2026-11-10",
                # DEFECT link-broken (inner page): the internal plan sits behind a 403.
                {"links": [("2026年度医疗质量安全工作计划（内部）", "/zwgk/neibu/gzjh2026.html")]},
            ),
            (
                "示例市紧密型县域医共体建设通过省级评估",
                "2026-11-04",
                {
                    "paras": [
                        "11月3日，省卫生健康委评估组对我市紧密型县域医共体建设情况进行了现场评估。"
                        "评估组通过听取汇报、查阅资料、实地走访县人民医院和乡镇卫生院等方式，"
                        "对医共体管理体制、运行机制、服务能力和群众满意度进行了全面检查。",
                        "评估认为，我市医共体建设组织有力、推进扎实，县域内住院率和基层诊疗量稳步提升，"
                        "远程会诊、检查检验结果互认和药品耗材统一管理等措施成效明显，"
                        "同意我市通过省级评估。",
                        # DEFECT term-obsolete-names: 国家卫生计生委 became 国家卫生健康委员会 in
                        # 2018; the old name sits past the 300-character snippet, in the body only.
                        "下一步，我委将按照国家卫生计生委关于推进医疗联合体建设和发展的有关要求，"
                        "继续深化医共体人财物统一管理，推动优质医疗资源下沉，让群众在家门口看好病。",
                    ]
                },
            ),
            (
                "市卫生健康委开展基层医疗卫生机构服务能力提升行动",
                "2026-10-27",
                {
                    "paras": [
                        "为提升基层医疗卫生机构服务能力，市卫生健康委决定在全市开展为期一年的专项行动。",
                        # Not a defect: 原国家卫生计生委 names the former body correctly.
                        "行动以原国家卫生计生委2017年印发的服务能力标准为基础，结合国家卫生健康委员会"
                        "最新要求，重点提升常见病、多发病诊疗和慢性病管理能力。",
                    ]
                },
            ),
            ("示例市召开2026年爱国卫生运动推进会", "2026-10-18"),
        ),
    )
    tzgg = Col(
        "tzgg",
        "通知公告",
        ctype="通知公告",
        arts=arts(
            (
                "关于开展2026年度医疗机构校验工作的通知",
                "2026-11-17",
                {
                    "attachments": [
                        Att("医疗机构校验申请书", "P020261117000001.pdf"),
                        # DEFECT link-broken (inner page): the second attachment was never uploaded.
                        Att("医疗机构校验材料清单", "P020261117000002.docx", missing=True),
                    ]
                },
            ),
            (
                "关于2026年度计划生育特别扶助新增对象的公示",
                "2026-11-12",
                # DEFECT privacy-leak: the 公示 prints full 身份证号 and 手机号 instead of
                # 35*************232 / 138****1234 (《2018年政务公开工作要点》去标识化).
                {
                    "paras": [
                        "根据有关规定，现将2026年度计划生育特别扶助新增对象名单公示如下，公示期为7个工作日。",
                        "王某某，身份证号350102196801011232，手机13856781234。",
                        "陈某某，身份证号350103196503122045，手机13912345678。",
                        "如有异议，请于公示期内向市卫生健康委人口监测与家庭发展科反映。",
                    ]
                },
            ),
            ("关于公布2026年第三批医师多点执业备案名单的公告", "2026-11-08"),
            ("示例市2026年下半年护士执业资格考试考务通知", "2026-10-29"),
            ("关于做好2026年冬季流感疫苗接种工作的通知", "2026-10-15"),
        ),
    )
    # DEFECT column-empty: a column page with no entries at all.
    kepu = Col("jkkp", "健康科普", ctype="信息公开", desc="健康知识普及")
    # DEFECT column-empty: a column page that only says 暂无信息.
    fangtan = Col("zxft", "在线访谈", ctype="互动交流", placeholder=True)
    cat = catalogue(
        "示例市卫生健康委员会",
        "卫",
        days=-2,
        names={"民生政策措施": "医疗卫生"},
    )
    # DEFECT interpretation-missing: the 解读 of 示卫发〔2026〕21号 came 9 days after the
    # document (more than 3 working days).
    cat.append(interpretations(cat, late={"发〔2026〕21号": 9}))
    gk = xxgk(
        s,
        catalogue=cat,
        guide_date="2026-03-02",
        rules=arts(
            ("示例市卫生健康委员会政府信息公开保密审查制度", "2025-04-22"),
            ("示例市卫生健康委员会政府信息公开工作制度", "2026-06-18"),
        ),
        reports=arts(
            (
                "示例市卫生健康委员会2025年政府信息公开工作年度报告",
                "2026-01-26",
                # DEFECT annual-report-arithmetic: 表四 行政复议 总计 is printed as 3 while
                # 结果维持 1 + 尚未审结 1 make 2.
                {"report": Report("示例市卫生健康委员会", 2025, 23, 1, 2, review_total_error=1)},
            ),
            (
                "示例市卫生健康委员会2024年政府信息公开工作年度报告",
                "2025-01-24",
                {"report": Report("示例市卫生健康委员会", 2024, 19, 2, 1)},
            ),
        ),
        org_text=org_profile(
            "示例市卫生健康委员会",
            [
                "组织拟订全市卫生健康政策",
                "协调推进医药卫生体制改革",
                "负责疾病预防控制工作",
                "负责医疗机构和医疗服务行业管理",
            ],
            ["办公室", "医政医管科", "疾病预防控制科", "基层卫生健康科", "综合监督科"],
            "主任：赵仁心；副主任：孙济民",
            "示例市行政中心13号楼",
            "0799-88000013",
        ),
        guide=guide_paras(
            "示例市卫生健康委员会", "示例市行政中心13号楼", "0799-88000013", "wjw@shili.gov.cn"
        ),
    )
    s.cols = [dongtai, tzgg, kepu, fangtan, *gk]
    s.nav = [
        ("首页", "/"),
        ("卫健动态", dongtai.url),
        ("通知公告", tzgg.url),
        ("健康科普", kepu.url),
        ("在线访谈", fangtan.url),
        ("政府信息公开", "/xxgk/index.html"),
    ]
    s.home_lists = [("卫健动态", dongtai, 5), ("通知公告", tzgg, 4)]
    s.home_links = [
        ("政府信息公开", [(c.name, c.url) for c in gk[1:6]]),
        ("相关链接", [("示例市人民政府", "${base:portal}/")]),
    ]
    box = mailbox(
        "hdjl/zrxx",
        "主任信箱",
        "示例市卫生健康委员会办公室",
        [
            ("关于家庭医生签约服务收费的咨询", "2026-11-05", "已回复", "2026-11-09"),
            ("关于新生儿疫苗接种预约的问题", "2026-08-18", "已回复", "2026-08-21"),
        ],
    )
    s.cols.append(box)
    s.nav.append(("互动交流", box.url))
    add_service(s, "2026-09-01")
    return s


# ---------------------------------------------------------------------------------------------
# 示例市住房和城乡建设局: nothing new since 2026-11-01, so the home page is stale (22 days);
# it has no 动态 column, and every column is within its own cycle.


def zjj() -> Site:
    s = Site(
        "zjj",
        "示例市住房和城乡建设局",
        "市住房和城乡建设局",
        "zjj.shili.gov.cn",
        "4399000014",
        seq_start=9000,
        # DEFECT meta-missing: the page template's SiteIDCode has two digits swapped
        # (4399000041), so it differs from the 网站标识码 4399000014 shown in the footer.
        meta_idcode="4399000041",
        **{
            **gov_footer("zjj", "示例市住房和城乡建设局", 14),
            # DEFECT meta-missing: the footer shows no 公网安备 number.
            "police": "",
        },
    )
    # DEFECT link-suspicious: a 暗链 planted on the neglected home page, an off-site gambling link
    # pushed off-screen. Its host (the dead 统计局 port stands in for an expired domain) does not
    # answer, so it is also a broken home-page link (link-broken-home).
    s.home_extra = (
        '<div style="position:absolute;left:-9999px;top:-9999px">'
        '<a href="${base:tjj}/amxpj/">澳门百家乐 在线娱乐城</a></div>'
    )
    # DEFECT homepage-stale: the newest item on the home page is 2026-11-01 (22 days > 14).
    tzgg = Col(
        "tzgg",
        "通知公告",
        ctype="通知公告",
        paging="next",
        per_page=5,
        arts=arts(
            ("关于开展2026年度建筑施工企业安全生产许可证动态核查的通知", "2026-11-01"),
            ("示例市2026年第三批保障性租赁住房项目认定结果公示", "2026-10-24"),
            ("关于做好2026年冬季建筑工地扬尘治理工作的通知", "2026-10-17"),
            ("示例市住房公积金缴存基数调整的公告", "2026-09-30"),
            ("关于开展全市城镇燃气安全专项排查整治的通知", "2026-09-12"),
            ("示例市2026年老旧小区改造项目名单公示", "2026-08-21"),
            ("关于公布2026年度示例市优质工程评选结果的通知", "2026-07-30"),
        ),
    )
    cat = catalogue(
        "示例市住房和城乡建设局",
        "建",
        days=-15,
        names={"民生政策措施": "重点领域信息公开"},
    )
    # DEFECT interpretation-missing (warn): the 解读 of 示建规〔2026〕3号 and the document do
    # not link to each other.
    cat.append(interpretations(cat, unlinked=("规〔2026〕3号",)))
    # DEFECT disclosure-timeliness: 示建规〔2026〕2号 was signed on 2026-04-10 but published
    # on 2026-05-28, more than 20 working days later (条例第二十六条).
    by_doc_no(cat, "规〔2026〕2号").written = D("2026-04-10")
    gk = xxgk(
        s,
        catalogue=cat,
        guide_date="2026-03-10",
        rules=arts(
            ("示例市住房和城乡建设局政府信息公开保密审查制度", "2025-07-01"),
            ("示例市住房和城乡建设局政府信息公开工作制度", "2026-02-16"),
        ),
        reports=arts(
            (
                "示例市住房和城乡建设局2025年政府信息公开工作年度报告",
                # DEFECT annual-report-late: published 2026-02-16, 16 days after the
                # departments' 1月31日 deadline (条例第四十九条).
                "2026-02-16",
                {
                    "paras": [
                        "《示例市住房和城乡建设局2025年政府信息公开工作年度报告》全文见附件。"
                    ],
                    # DEFECT annual-report-structure: the report, a text-layer PDF attachment,
                    # never states its statistics period (2025年1月1日至2025年12月31日).
                    "attachments": [
                        Att(
                            "年度报告全文",
                            "nb2025.pdf",
                            report=Report(
                                "示例市住房和城乡建设局",
                                2025,
                                52,
                                2,
                                3,
                                published=510,
                                states_period=False,
                            ),
                        )
                    ],
                },
            ),
            (
                "示例市住房和城乡建设局2024年政府信息公开工作年度报告",
                "2025-01-21",
                {"report": Report("示例市住房和城乡建设局", 2024, 47, 4, 2, published=466)},
            ),
        ),
        org_text=org_profile(
            "示例市住房和城乡建设局",
            [
                "拟订全市住房和城乡建设政策",
                "负责城镇燃气、供水、供热等市政公用事业的监督管理",
                "监督管理全市建筑市场",
                "推进城市更新",
            ],
            ["办公室", "住房保障科", "建筑市场监管科", "城市建设科", "公用事业科"],
            "局长：吴安居；副局长：郑广厦",
            "示例市行政中心14号楼",
            "0799-88000014",
        ),
        guide=guide_paras(
            "示例市住房和城乡建设局", "示例市行政中心14号楼", "0799-88000014", "zjj@shili.gov.cn"
        ),
    )
    zcwj = next(c for c in gk if c.name == "政策文件")
    s.cols = [tzgg, *gk]
    s.nav = [
        ("首页", "/"),
        ("通知公告", tzgg.url),
        ("政策文件", zcwj.url),
        ("政府信息公开", "/xxgk/index.html"),
    ]
    s.home_lists = [("通知公告", tzgg, 6), ("政策文件", zcwj, 3)]
    s.home_links = [
        ("政府信息公开", [(c.name, c.url) for c in gk[1:6]]),
        (
            "公用事业监管",
            [
                ("示例市自来水有限公司", "${base:water}/"),
                ("示例市燃气集团有限公司", "${base:gas}/"),
            ],
        ),
        ("相关链接", [("示例市人民政府", "${base:portal}/")]),
    ]
    box = mailbox(
        "hdjl/jzxx",
        "局长信箱",
        "示例市住房和城乡建设局办公室",
        [
            ("关于住房公积金提取用于加装电梯的咨询", "2026-11-02", "已答复", "2026-11-06"),
            ("关于物业维修资金使用程序的问题", "2026-07-14", "已答复", "2026-07-20"),
        ],
    )
    s.cols.append(box)
    s.nav.append(("互动交流", box.url))
    add_service(s, "2026-09-01")
    return s


# ---------------------------------------------------------------------------------------------
# Public enterprises.


def outage_paras(
    org: str, what: str, reason: str, when: str, area: str, phone: str, day: str
) -> list[str]:
    """Return the body of a 停水/停气 notice stating reason, time, area and a phone number."""
    d = D(day)
    return [
        "尊敬的用户：",
        f"因{reason}，我单位将对部分区域{what}。现将有关事项公告如下：",
        f"一、{what}时间：{when}。",
        f"二、{what}范围：{area}。",
        f"三、{what}期间请用户提前做好准备，由此带来的不便，敬请谅解。",
        f"咨询电话：{phone}（24小时）。",
        f"{org}　{d.year}年{d.month}月{d.day}日",
    ]


def ent_footer(site_id: str, org: str, n: int, domain: str) -> dict[str, str]:
    """Return the footer fields of an enterprise site."""
    return {
        "host_org": org,
        "address": f"示例市建设路{n}号",
        "phone": f"0799-8600{n:04d}",
        "email": f"service@{domain}",
        "icp": f"示ICP备2025{n:04d}号-1",
        "police": f"示公网安备 439900021{n:05d}号",
        "index_prefix": f"91439900MA0{n:06d}Y",
    }


def bsgk(
    site: Site, parts: list[Col], news: list[Col], *, hub_name: str = "办事公开", path: str = "bsgk"
) -> Col:
    """Build an enterprise's 办事公开 hub linking its disclosure columns."""
    hub = Col(path, hub_name, desc=f"{site.name}{hub_name}", latest_title="最新公开信息")
    for col in parts:
        col.parent = hub
    hub.grid = [(c.name, c.url) for c in parts]
    hub.latest = [c for c in [*parts, *news] if c.single is None]
    side = [(c.name, c.url) for c in parts]
    for col in [hub, *parts]:
        col.side, col.side_title = side, hub_name
    return hub


def water() -> Site:
    """示例市自来水有限公司: no 水质信息 at all (DEFECT enterprise-catalogue-missing)."""
    domain = "www.shilishui.com.cn"
    s = Site(
        "water",
        "示例市自来水有限公司",
        "示例市自来水有限公司",
        domain,
        "",
        seq_start=11000,
        **ent_footer("water", "示例市自来水有限公司", 21, domain),
    )
    s.idcode = "91439900MA21W0001X"
    news = Col(
        "gsxw",
        "公司新闻",
        ctype="动态要闻",
        paging="next",
        per_page=5,
        arts=arts(
            ("公司开展冬季管网防冻保供专项行动", "2026-11-20"),
            ("公司第三水厂深度处理工程通过竣工验收", "2026-11-16", {"image": True}),
            ("公司开展“节水进社区”宣传活动", "2026-11-11"),
            ("公司召开2026年第四季度安全生产工作会议", "2026-11-05"),
            ("公司营业厅推出“一次都不跑”用水报装服务", "2026-10-28"),
            ("公司组织开展供水管网抢修应急演练", "2026-10-19"),
        ),
    )
    outage = Col(
        "tsgg",
        "停水公告",
        ctype="通知公告",
        paging="trs",
        per_page=4,
        arts=arts(
            (
                "关于人民路部分区域计划停水的公告",
                "2026-11-19",
                {
                    "paras": outage_paras(
                        "示例市自来水有限公司",
                        "停水",
                        "人民路给水管道阀门更换",
                        "2026年11月21日8:00至18:00",
                        "人民路（中山路至解放路段）沿线单位和居民",
                        "0799-86000021",
                        "2026-11-19",
                    )
                },
            ),
            # DEFECT outage-notice-late: published 2026-11-12 10:15 for an outage starting at
            # 22:00 the same day, 11.75 hours ahead (《城市供水条例》第二十二条: 24 hours).
            (
                "关于东城片区管网改造临时停水的公告",
                "2026-11-12",
                {
                    "paras": outage_paras(
                        "示例市自来水有限公司",
                        "停水",
                        "东城片区供水管网改造施工",
                        "2026年11月12日22:00至11月13日6:00",
                        "东城片区建设路、和平路沿线及东湖小区、建设新村",
                        "0799-86000021",
                        "2026-11-12",
                    )
                },
            ),
            (
                "关于南湖路供水管道抢修停水的通知",
                "2026-11-02",
                {
                    "paras": outage_paras(
                        "示例市自来水有限公司",
                        "停水",
                        "南湖路DN600供水管道突发爆管抢修",
                        "2026年11月2日14:00至22:00",
                        "南湖路、湖滨路沿线及南湖花园",
                        "0799-86000021",
                        "2026-11-02",
                    )
                },
            ),
            (
                "关于开发区部分区域计划停水的公告",
                "2026-10-22",
                {
                    "paras": outage_paras(
                        "示例市自来水有限公司",
                        "停水",
                        "开发区供水管道接驳施工",
                        "2026年10月24日9:00至17:00",
                        "开发区创业大道、科技路沿线企业",
                        "0799-86000021",
                        "2026-10-22",
                    )
                },
            ),
            (
                "关于城北水厂检修期间降压供水的公告",
                "2026-10-09",
                {
                    "paras": outage_paras(
                        "示例市自来水有限公司",
                        "降压供水",
                        "城北水厂设备年度检修",
                        "2026年10月11日0:00至10月12日6:00",
                        "城北片区及北湖新区",
                        "0799-86000021",
                        "2026-10-09",
                    )
                },
            ),
        ),
    )
    zn = Col(
        "bsgk/zn",
        "信息公开指南",
        single=Art(
            "示例市自来水有限公司信息公开指南",
            D("2026-03-20"),
            paras=[
                "为保障用户依法获取供水服务信息，根据《供水、供气、供热等公共企事业单位信息公开实施办法》，编制本指南。",
                "一、公开内容：单位概况、服务网点、价格收费、办理流程、停水信息等。二、公开方式：公司网站、营业厅公告栏、微信公众号。",
                "三、公开时限：信息形成或者变更之日起20个工作日内予以公开。四、联系方式：客服热线0799-86000021，电子邮箱service@shilishui.com.cn。",
            ],
        ),
    )
    gaikuang = Col(
        "about",
        "企业概况",
        single=Art(
            "示例市自来水有限公司简介",
            D("2026-01-15"),
            paras=[
                "示例市自来水有限公司成立于1958年，是示例市人民政府出资设立的国有独资供水企业，主管部门为示例市住房和城乡建设局。",
                "公司现有水厂3座，日供水能力45万立方米，供水管网长度2100公里，服务人口约120万人。",
            ],
        ),
    )
    wangdian = Col(
        "bsgk/fwwd",
        "服务网点",
        single=Art(
            "示例市自来水有限公司营业网点一览表",
            D("2026-06-18"),
            paras=[
                "人民路营业厅：示例市人民路88号，营业时间：周一至周六8:30—17:30，电话0799-86000101。",
                "开发区营业厅：示例市开发区创业大道6号，营业时间：周一至周五8:30—17:00，电话0799-86000102。",
                "城北营业厅：示例市北环路18号，营业时间：周一至周五8:30—17:00，电话0799-86000103。",
            ],
        ),
    )
    price = Col(
        "bsgk/jgsf",
        "价格收费",
        arts=arts(
            ("示例市城市供水价格表（2026年）", "2026-07-01", {"file": "xls"}),
            ("关于执行居民生活用水阶梯水价的公告", "2026-06-20"),
            ("供水设施维修收费标准", "2026-03-12"),
        ),
    )
    guide = Col(
        "bsgk/bszn",
        "办事指南",
        arts=arts(
            (
                "用水报装办理流程及时限",
                "2026-09-08",
                {"attachments": [Att("用水报装申请表", "bzsqb.docx")]},
            ),
            ("用水过户办理指南", "2026-05-14"),
            ("水表迁移办理指南", "2026-04-10"),
        ),
    )
    hub = bsgk(s, [zn, gaikuang, wangdian, price, guide], [news, outage])
    s.cols = [news, outage, hub, zn, gaikuang, wangdian, price, guide]
    s.nav = [
        ("首页", "/"),
        ("公司新闻", news.url),
        ("停水公告", outage.url),
        ("办事公开", hub.url),
        ("企业概况", gaikuang.url),
    ]
    s.home_lists = [("公司新闻", news, 5), ("停水公告", outage, 4)]
    s.home_links = [
        ("办事公开", [(c.name, c.url) for c in [zn, wangdian, price, guide]]),
        (
            "主管部门",
            [("示例市住房和城乡建设局", "${base:zjj}/"), ("示例市人民政府", "${base:portal}/")],
        ),
    ]
    return s


def gas() -> Site:
    """示例市燃气集团有限公司: complete, but its home page links a missing PDF."""
    domain = "www.shiligas.com.cn"
    s = Site(
        "gas",
        "示例市燃气集团有限公司",
        "示例市燃气集团",
        domain,
        "91439900MA22G0002X",
        seq_start=13000,
        list_style="bracket",
        **ent_footer("gas", "示例市燃气集团有限公司", 22, domain),
    )
    news = Col(
        "xwzx",
        "公司新闻",
        ctype="动态要闻",
        paging="trs",
        per_page=5,
        arts=arts(
            ("集团开展冬季供气保障“百日安全”行动", "2026-11-21"),
            ("集团客服中心获评省级青年文明号", "2026-11-15"),
            ("集团完成老旧燃气管网更新改造二期工程", "2026-11-09", {"image": True}),
            ("集团开展燃气安全进校园活动", "2026-10-30"),
            ("集团召开2026年第三季度经营分析会", "2026-10-20"),
            ("集团组织燃气泄漏事故应急演练", "2026-10-10"),
            # DEFECT shili-no-test-content: a CMS test article went live and stayed.
            ("测试文章请勿删除", "2026-09-15"),
        ),
    )
    outage = Col(
        "tqgg",
        "停气公告",
        ctype="通知公告",
        arts=arts(
            (
                "关于解放路燃气管道碰口施工停气的公告",
                "2026-11-18",
                {
                    "paras": outage_paras(
                        "示例市燃气集团有限公司",
                        "停气",
                        "解放路中压燃气管道碰口施工",
                        "2026年11月21日9:00至15:00",
                        "解放路沿线居民及商户、解放新村",
                        "0799-86000022",
                        "2026-11-18",
                    )
                },
            ),
            # DEFECT outage-notice-late: published 2026-11-06 10:15 for 2026-11-07 22:00, 35.75
            # hours ahead: enough for water (24 h), too little for gas (48 h).
            (
                "关于城南片区调压站检修降压供气的通知",
                "2026-11-06",
                {
                    "paras": outage_paras(
                        "示例市燃气集团有限公司",
                        "降压供气",
                        "城南片区调压站年度检修",
                        "2026年11月7日22:00至11月8日6:00",
                        "城南片区南环路以南区域",
                        "0799-86000022",
                        "2026-11-06",
                    )
                },
            ),
            (
                "关于滨江小区燃气管道改造停气的公告",
                "2026-10-24",
                {
                    "paras": outage_paras(
                        "示例市燃气集团有限公司",
                        "停气",
                        "滨江小区老旧燃气管道改造",
                        "2026年10月27日8:30至17:30",
                        "滨江小区1—12栋",
                        "0799-86000022",
                        "2026-10-24",
                    )
                },
            ),
        ),
    )
    zn = Col(
        "bsgk/zn",
        "信息公开指南",
        single=Art(
            "示例市燃气集团有限公司信息公开指南",
            D("2026-04-02"),
            paras=[
                "根据《供水、供气、供热等公共企事业单位信息公开实施办法》，本集团通过网站、营业厅和微信公众号公开供气服务信息。",
                "信息形成或者变更之日起20个工作日内予以公开。咨询电话：0799-86000022。",
            ],
        ),
    )
    gaikuang = Col(
        "about",
        "企业概况",
        single=Art(
            "示例市燃气集团有限公司简介",
            D("2026-02-10"),
            paras=[
                "示例市燃气集团有限公司是示例市城镇管道燃气特许经营企业，主管部门为示例市住房和城乡建设局。",
                "集团现有天然气门站2座、高中压调压站36座，服务居民用户48万户。",
            ],
        ),
    )
    wangdian = Col(
        "bsgk/fwwd",
        "服务网点",
        single=Art(
            "示例市燃气集团营业网点及营业时间",
            D("2026-05-06"),
            paras=[
                "中心营业厅：示例市解放路120号，营业时间：周一至周日8:30—17:30。",
                "开发区营业厅：示例市开发区科技大道9号，营业时间：周一至周五8:30—17:00。",
            ],
        ),
    )
    price = Col(
        "bsgk/jgsf",
        "价格收费",
        arts=arts(
            ("示例市管道天然气销售价格表", "2026-07-01", {"file": "xls"}),
            ("关于调整非居民用管道天然气销售价格的公告", "2026-06-22"),
            ("燃气设施维修收费标准", "2026-03-18"),
        ),
    )
    guide = Col(
        "bsgk/bszn",
        "办事指南",
        arts=arts(
            (
                "居民燃气报装办理流程",
                "2026-08-12",
                {"attachments": [Att("燃气报装申请表", "bzsqb.docx")]},
            ),
            ("燃气用户过户办理指南", "2026-05-20"),
        ),
    )
    quality = Col(
        "bsgk/qzxx",
        "气质信息",
        arts=arts(
            ("2026年10月天然气气质检测报告", "2026-11-08", {"file": "xls"}),
            ("2026年9月天然气气质检测报告", "2026-10-09", {"file": "xls"}),
            ("2026年8月天然气气质检测报告", "2026-09-08", {"file": "xls"}),
        ),
    )
    safety = Col(
        "bsgk/aqyq",
        "安全用气",
        arts=arts(
            ("冬季安全用气提示", "2026-11-12"),
            ("燃气泄漏应急处置常识", "2026-09-25"),
        ),
    )
    hub = bsgk(s, [zn, gaikuang, wangdian, price, guide, quality, safety], [news, outage])
    s.cols = [news, outage, hub, zn, gaikuang, wangdian, price, guide, quality, safety]
    s.nav = [
        ("首页", "/"),
        ("公司新闻", news.url),
        ("停气公告", outage.url),
        ("办事公开", hub.url),
        ("企业概况", gaikuang.url),
    ]
    s.home_lists = [("公司新闻", news, 5), ("停气公告", outage, 3)]
    s.home_links = [
        ("办事公开", [(c.name, c.url) for c in [zn, wangdian, price, guide, quality, safety]]),
        # DEFECT link-broken-home: the hearing notice PDF was removed from the server.
        ("便民服务", [("2026年居民用气价格调整听证公告（PDF）", "/uploads/P020261110394857.pdf")]),
        ("主管部门", [("示例市住房和城乡建设局", "${base:zjj}/")]),
    ]
    return s


def hospital() -> Site:
    """示例市人民医院: complete; one inner page links a page the 卫健委 site no longer has."""
    domain = "www.shilihospital.cn"
    s = Site(
        "hospital",
        "示例市人民医院",
        "示例市人民医院",
        domain,
        "12439900MB23H0003X",
        seq_start=15000,
        list_style="cn",
        cn_dates=True,
        **ent_footer("hospital", "示例市人民医院", 23, domain),
    )
    news = Col(
        "yyxw",
        "医院新闻",
        ctype="动态要闻",
        paging="trs",
        per_page=5,
        arts=arts(
            ("我院成功开展首例机器人辅助膝关节置换手术", "2026-11-20", {"image": True}),
            ("我院举办2026年护理质量改善项目成果汇报会", "2026-11-13"),
            ("我院开展“联合国糖尿病日”义诊活动", "2026-11-14"),
            ("我院胸痛中心通过国家标准版再认证", "2026-11-02"),
            ("我院召开2026年第三季度医疗质量分析会", "2026-10-23"),
            ("我院组织开展消防应急疏散演练", "2026-10-12"),
        ),
    )
    # The 拟聘用人员名单 PDF (DEFECT privacy-leak below): fictional people, valid check digits.
    hired = [
        ["序号", "姓名", "性别", "身份证号", "手机号码", "拟聘岗位"],
        ["1", "林某某", "女", "350102199603150411", "13859900011", "临床医师"],
        ["2", "黄某某", "男", "350103199807220529", "15005990022", "护理"],
        ["3", "郑某某", "女", "350105199701090634", "18659900033", "药剂"],
        ["4", "吴某某", "男", "350121199511300741", "13959900044", "检验"],
    ]  # fmt: skip
    tzgg = Col(
        "tzgg",
        "通知公告",
        ctype="通知公告",
        arts=arts(
            (
                "关于调整部分专家门诊出诊时间的通知",
                "2026-11-17",
                # DEFECT link-broken (inner page, off-site): the 卫健委 page this cites is gone.
                {"links": [("示例市医疗机构名录", "${base:wjw}/zwgk/yljg/index.html")]},
            ),
            ("示例市人民医院2027年住院医师规范化培训招收简章", "2026-11-09"),
            (
                "示例市人民医院2026年公开招聘工作人员拟聘用人员公示",
                "2026-11-06",
                # DEFECT privacy-leak: the 公示 page is clean, but its PDF attachment lists the
                # four people with full 身份证号 and 手机号码 instead of 35*************411 /
                # 138****0011 (《2018年政务公开工作要点》去标识化). The people are fictional; the
                # ID numbers carry a valid GB 11643 check character.
                {
                    "paras": [
                        "根据《事业单位公开招聘人员暂行规定》，经笔试、面试、考察和体检，"
                        "现将我院2026年公开招聘工作人员拟聘用人员名单予以公示（见附件）。",
                        "公示期为2026年11月6日至11月12日。如有异议，请在公示期内以书面形式向医院人事科反映，"
                        "电话：0799-86000023。",
                    ],
                    "attachments": [
                        Att(
                            "拟聘用人员名单",
                            "P020261106000001.pdf",
                            pdf=[
                                "经公开报名、资格审查、笔试、面试、考察和体检，拟聘用以下人员：",
                                Table(hired, weights=[0.6, 1, 0.6, 2.2, 1.5, 1.1]),
                                "示例市人民医院人事科",
                            ],
                        )
                    ],
                },
            ),
            ("关于2026年冬季门诊时间调整的公告", "2026-10-31"),
        ),
    )
    gaikuang = Col(
        "yygk",
        "医院概况",
        single=Art(
            "示例市人民医院简介",
            D("2026-01-08"),
            paras=[
                "示例市人民医院始建于1946年，是一所集医疗、教学、科研、预防保健于一体的三级甲等综合医院，主管部门为示例市卫生健康委员会。",
                "医院开放床位2200张，设临床科室42个、医技科室12个。",
            ],
        ),
    )
    price = Col(
        "ywgk/jggs",
        "价格公示",
        arts=arts(
            ("2026年11月常用药品价格公示", "2026-11-05", {"file": "xls"}),
            ("医疗服务项目价格公示（2026年版）", "2026-07-01"),
            ("2026年10月常用药品价格公示", "2026-10-08", {"file": "xls"}),
        ),
    )
    jyzn = Col(
        "ywgk/jyzn",
        "就医指南",
        single=Art(
            "门诊就医流程及科室分布",
            D("2026-09-01"),
            paras=[
                "门诊时间：周一至周日8:00—12:00，14:00—17:30。急诊24小时开放。",
                "门诊楼一楼：挂号收费、药房、急诊；二楼：内科、外科；三楼：妇产科、儿科；四楼：眼科、耳鼻喉科、口腔科。",
            ],
        ),
    )
    jkjy = Col(
        "ywgk/jkjy",
        "健康教育",
        arts=arts(
            ("冬季流感高发，这些防护要点请收好", "2026-11-16"),
            ("糖尿病患者冬季饮食指导", "2026-11-06"),
            ("儿童预防接种常见问题解答", "2026-10-20"),
        ),
    )
    tousu = Col(
        "ywgk/zxts",
        "咨询投诉",
        single=Art(
            "咨询投诉渠道",
            D("2026-02-20"),
            paras=[
                "投诉电话：0799-86000023（工作日8:00—17:30）；院长信箱：yzxx@shilihospital.cn。",
                "医院医患关系办公室位于门诊楼一楼东侧，受理现场投诉。",
            ],
        ),
    )
    zbcg = Col(
        "ywgk/zbcg",
        "招标采购",
        arts=arts(
            ("示例市人民医院医用耗材集中采购项目中标结果公告", "2026-11-10"),
            ("示例市人民医院信息化建设项目招标公告", "2026-10-21"),
        ),
    )
    hub = bsgk(
        s,
        [gaikuang, price, jyzn, jkjy, tousu, zbcg],
        [news, tzgg],
        hub_name="院务公开",
        path="ywgk",
    )
    s.cols = [news, tzgg, hub, gaikuang, price, jyzn, jkjy, tousu, zbcg]
    s.nav = [
        ("首页", "/"),
        ("医院新闻", news.url),
        ("通知公告", tzgg.url),
        ("院务公开", hub.url),
        ("就医指南", jyzn.url),
        ("医院概况", gaikuang.url),
    ]
    s.home_lists = [("医院新闻", news, 5), ("通知公告", tzgg, 3)]
    s.home_links = [
        ("院务公开", [(c.name, c.url) for c in [gaikuang, price, jyzn, jkjy, tousu, zbcg]]),
        ("主管部门", [("示例市卫生健康委员会", "${base:wjw}/")]),
    ]
    return s


SITES: list[Site] = [portal(), czj(), jyj(), wjw(), zjj(), water(), gas(), hospital()]
