"""互动交流 messages: reading (crawlers/interaction.py), the analyse hook, storage, the real crawl,
and interaction_unanswered (国办秘函〔2019〕19号 单项否决: 1年内留言超过3个月未回复)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import conf
from checks.model import Link, Page
from checks.runner import evaluate
from crawlers.extract import analyse
from crawlers.interaction import has_interaction, normalise_status
from crawlers.items import PageItem
from store import Store
from tests.siteserver import SiteServer
from tests.test_checks import HOME, NOW, column, make_rule, make_site, page, snap
from tests.test_crawl import FAST, crawl_once, site
from tests.test_store import open_store  # noqa: F401 - the SQLite/PostgreSQL fixture

HTML = {"Content-Type": "text/html; charset=utf-8"}


def shell(title: str, body: str, column: str = "市长信箱") -> str:
    """A government page around `body`: head metas, header menu, breadcrumb, footer."""
    return (
        '<html><head><meta charset="utf-8">'
        f"<title>{title}_示例市人民政府</title>"
        '<meta name="SiteName" content="示例市人民政府">'
        f'<meta name="ColumnName" content="{column}"></head><body>'
        '<div class="header"><ul class="nav"><li><a href="/">首页</a></li>'
        '<li><a href="/xxgk/">政府信息公开</a></li><li><a href="/hdjl/">互动交流</a></li>'
        '<li><a href="/hdjl/wsly/">网上留言</a></li></ul></div>'
        f'<div class="position">当前位置：首页 &gt; 互动交流 &gt; {column}</div>'
        f'<div class="main">{body}</div>'
        '<div class="footer">主办：示例市人民政府办公室 网站标识码：3301000001</div>'
        "</body></html>"
    )


# --------------------------------------------------------------------------------- fixtures
# Layouts seen on real 领导信箱/网上留言 pages, each with the messages a reader sees.

# 信件编号 | 主题 | 来信时间 | 答复状态 | 答复单位 (a title cut with … keeps its full text in title=).
TABLE_NUMBERED = shell(
    "市长信箱",
    '<h2 class="lm">市长信箱</h2><table class="xxlist" width="100%">'
    "<tr><th>信件编号</th><th>主题</th><th>来信时间</th><th>答复状态</th><th>答复单位</th></tr>"
    '<tr><td>XJ2024010501</td><td><a href="/hdjl/szxx/202401/t20240105_1.html"'
    ' title="关于人民路路灯长期不亮的问题反映">关于人民路路灯长期不...</a></td>'
    '<td>2024-01-05</td><td><span class="red">未回复</span></td><td></td></tr>'
    '<tr><td>XJ2024030201</td><td><a href="/hdjl/szxx/202403/t20240302_2.html">'
    "咨询社保卡补办流程</a></td><td>2024-03-02 10:22:01</td><td>已答复</td>"
    "<td>市人力社保局</td></tr>"
    '<tr><td>XJ2024040901</td><td><a href="/hdjl/szxx/202404/t20240409_3.html">'
    "反映某小区违建问题</a></td><td>2024/04/09</td><td>【不予受理】</td><td></td></tr>"
    "</table>",
)
# 标题 | 留言时间 | 回复时间, no status column: an empty 回复时间 means no reply.
TABLE_REPLY_DATE = shell(
    "网上留言",
    '<table class="lylb"><thead><tr><td>序号</td><td>留言标题</td><td>留言时间</td>'
    "<td>回复时间</td></tr></thead><tbody>"
    '<tr><td>1</td><td><a href="show.jsp?id=881">幼儿园招生范围咨询</a></td>'
    "<td>2024年05月06日</td><td>2024年05月08日</td></tr>"
    '<tr><td>2</td><td><a href="show.jsp?id=879">老旧小区加装电梯补贴</a></td>'
    "<td>2024年02月01日</td><td>—</td></tr></tbody></table>",
    column="网上留言",
)
# ul/li rows with a status span and a date span (常见的“领导信箱”列表).
UL_STATUS = shell(
    "局长信箱",
    '<div class="xxlist"><ul>'
    '<li><span class="zt">已回复</span><a href="./202405/t20240501_101.html" target="_blank">'
    '小区电梯维修资金如何申请</a><span class="date">2024-05-01</span></li>'
    '<li><span class="zt">办理中</span><a href="./202402/t20240211_102.html">学校周边交通拥堵问题'
    '</a><span class="date">2024-02-11</span></li>'
    '<li><span class="zt">已受理</span><a href="./202312/t20231230_103.html">如何办理中学转学手续'
    '</a><span class="date">2023-12-30</span></li>'
    '</ul><div class="page"><a href="index_1.html">下一页</a></div></div>',
    column="局长信箱",
)
# Rows of divs: status as an icon (<img alt>) or 【…】 before the title, labelled dates.
DIV_LABELLED = shell(
    "咨询投诉",
    '<div class="ly-list">'
    '<div class="ly-item"><a href="/hdjl/zxts/5521.html">【已办结】关于2024年5月1日停水的投诉</a>'
    "<p>留言时间：2024-05-02 09:13　回复时间：2024-05-06 16:40　答复单位：市水务集团</p></div>"
    '<div class="ly-item"><a href="/hdjl/zxts/5377.html">公交12路改线后站点太远</a>'
    '<img src="/images/dbl.gif" alt="待办理"><p>留言时间：2024-03-18</p></div>'
    "</div>",
    column="咨询投诉",
)
# A detail page: label and value in two table cells.
DETAIL_TABLE = shell(
    "关于小区噪音扰民的投诉",
    '<h1>关于小区噪音扰民的投诉</h1><table class="xjxq">'
    "<tr><td>信件编号</td><td>LY20240401-07</td><td>留言人</td><td>张**</td></tr>"
    "<tr><td>留言时间</td><td>2024-04-01 09:12</td><td>办理状态</td><td>已办结</td></tr>"
    '<tr><td>留言内容</td><td colspan="3">夜间施工噪音严重，请相关部门处理。</td></tr>'
    "<tr><td>回复单位</td><td>市生态环境局</td><td>回复时间</td><td>2024-04-09</td></tr>"
    '<tr><td>回复内容</td><td colspan="3">您好，经核查，已责令施工单位整改。</td></tr></table>',
    column="网上留言",
)
# A detail page in paragraphs, no reply yet (暂无回复), no status label.
DETAIL_PENDING = shell(
    "建议增设公共自行车站点",
    '<div class="detail"><h1>建议增设公共自行车站点</h1>'
    "<p>来信人：李**　来信时间：2024年01月20日</p>"
    "<p>来信内容：希望在高铁站附近增设公共自行车站点，方便市民出行。</p>"
    '<div class="hf"><p>答复单位：</p><p>答复时间：</p><p>答复内容：暂无回复</p></div></div>',
)
# A detail page whose reply is introduced by a bare 答复： and dated in a 答复时间 line.
DETAIL_BARE = shell(
    "咨询公积金提取",
    '<div class="art"><h1>咨询公积金提取</h1><p>提问时间：2024-06-03</p>'
    "<p>问：租房可以提取公积金吗？</p><p>答复：可以，按月提取，详见公积金中心网站。</p>"
    "<p>答复机构：市住房公积金中心　答复时间：2024-06-05</p></div>",
    column="政务咨询",
)

# (name, html, URL, layout, messages as (title, url, asked, answered, status, status text, unit))
LAYOUTS: list[tuple[str, str, str, str, list[tuple[Any, ...]]]] = [
    (
        "table_numbered",
        TABLE_NUMBERED,
        "http://gov.test/hdjl/szxx/index.html",
        "table",
        [
            ("关于人民路路灯长期不亮的问题反映", "http://gov.test/hdjl/szxx/202401/t20240105_1.html",
             "2024-01-05", None, "pending", "未回复", None),
            ("咨询社保卡补办流程", "http://gov.test/hdjl/szxx/202403/t20240302_2.html",
             "2024-03-02", None, "answered", "已答复", "市人力社保局"),
            ("反映某小区违建问题", "http://gov.test/hdjl/szxx/202404/t20240409_3.html",
             "2024-04-09", None, "invalid", "不予受理", None),
        ],
    ),
    (
        "table_reply_date",
        TABLE_REPLY_DATE,
        "http://gov.test/hdjl/wsly/list.jsp",
        "table",
        [
            ("幼儿园招生范围咨询", "http://gov.test/hdjl/wsly/show.jsp?id=881",
             "2024-05-06", "2024-05-08", "answered", None, None),
            ("老旧小区加装电梯补贴", "http://gov.test/hdjl/wsly/show.jsp?id=879",
             "2024-02-01", None, "pending", None, None),
        ],
    ),
    (
        "ul_status",
        UL_STATUS,
        "http://gov.test/hdjl/jzxx/index.html",
        "list",
        [
            ("小区电梯维修资金如何申请", "http://gov.test/hdjl/jzxx/202405/t20240501_101.html",
             "2024-05-01", None, "answered", "已回复", None),
            ("学校周边交通拥堵问题", "http://gov.test/hdjl/jzxx/202402/t20240211_102.html",
             "2024-02-11", None, "pending", "办理中", None),
            # 办理中 inside the title is not a status: the span's 已受理 is.
            ("如何办理中学转学手续", "http://gov.test/hdjl/jzxx/202312/t20231230_103.html",
             "2023-12-30", None, "pending", "已受理", None),
        ],
    ),
    (
        "div_labelled",
        DIV_LABELLED,
        "http://gov.test/hdjl/zxts/index.html",
        "list",
        [
            # The date in the title is not the message's date.
            ("关于2024年5月1日停水的投诉", "http://gov.test/hdjl/zxts/5521.html",
             "2024-05-02", "2024-05-06", "answered", "已办结", "市水务集团"),
            ("公交12路改线后站点太远", "http://gov.test/hdjl/zxts/5377.html",
             "2024-03-18", None, "pending", "待办理", None),
        ],
    ),
    (
        "detail_table",
        DETAIL_TABLE,
        "http://gov.test/hdjl/wsly/202404/t20240401_7.html",
        "detail",
        [
            ("关于小区噪音扰民的投诉", "http://gov.test/hdjl/wsly/202404/t20240401_7.html",
             "2024-04-01", "2024-04-09", "answered", "已办结", "市生态环境局"),
        ],
    ),
    (
        "detail_pending",
        DETAIL_PENDING,
        "http://gov.test/hdjl/szxx/202401/t20240120_9.html",
        "detail",
        [
            ("建议增设公共自行车站点", "http://gov.test/hdjl/szxx/202401/t20240120_9.html",
             "2024-01-20", None, "pending", None, None),
        ],
    ),
    (
        "detail_bare_reply",
        DETAIL_BARE,
        "http://gov.test/hdjl/zwzx/88.html",
        "detail",
        [
            ("咨询公积金提取", "http://gov.test/hdjl/zwzx/88.html",
             "2024-06-03", "2024-06-05", "answered", None, "市住房公积金中心"),
        ],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("html_text", "url", "layout", "expected"),
    [x[1:] for x in LAYOUTS],
    ids=[x[0] for x in LAYOUTS],
)
def test_layouts(html_text: str, url: str, layout: str, expected: list[tuple[Any, ...]]) -> None:
    pa = analyse(html_text.encode(), url)
    assert pa.interaction is not None
    assert pa.interaction["layout"] == layout
    got = [
        (m["title"], m["url"], m["asked"], m["answered"], m["status"], m["status_text"], m["unit"])
        for m in pa.interaction["messages"]
    ]
    assert got == expected
    assert pa.to_json()["interaction"] == pa.interaction  # what `gongkai extract` shows


def test_numbers_are_kept_and_titles_masked() -> None:
    pa = analyse(TABLE_NUMBERED.encode(), "http://gov.test/hdjl/szxx/index.html")
    assert pa.interaction is not None
    assert [m["number"] for m in pa.interaction["messages"]] == [
        "XJ2024010501",
        "XJ2024030201",
        "XJ2024040901",
    ]
    detail = analyse(DETAIL_TABLE.encode(), "http://gov.test/hdjl/wsly/1.html").interaction
    assert detail is not None and detail["messages"][0]["number"] == "LY20240401-07"
    leaky = UL_STATUS.replace("学校周边交通拥堵问题", "请回电13812345678学校周边交通拥堵")
    pa = analyse(leaky.encode(), "http://gov.test/hdjl/jzxx/index.html")
    assert pa.interaction is not None
    assert pa.interaction["messages"][1]["title"] == "请回电138****5678学校周边交通拥堵"


NEGATIVES = [
    # 办件公示: 已办结 rows, but nothing says these are messages.
    (
        "bjgs",
        shell(
            "办件公示",
            '<ul class="bj"><li><a href="/bj/1.html">营业执照变更登记</a><span>已办结</span>'
            '<span>2024-05-01</span></li><li><a href="/bj/2.html">食品经营许可证核发</a>'
            "<span>办理中</span><span>2024-05-03</span></li></ul>",
            column="办件公示",
        ),
    ),
    # A news article that mentions 已办结 in its text.
    (
        "article",
        shell(
            "我市12345热线上半年工作情况通报",
            "<h1>我市12345热线上半年工作情况通报</h1><p>发布时间：2024-07-02</p>"
            "<p>上半年共受理群众诉求12万件，已办结11.8万件，办理中的诉求正在加快推进。</p>",
            column="工作动态",
        ),
    ),
    # An ordinary news list.
    (
        "news",
        shell(
            "工作动态",
            '<ul><li><a href="/a/1.html">市政府召开常务会议</a><span>2024-05-01</span></li>'
            '<li><a href="/a/2.html">我市开展安全生产检查</a><span>2024-04-28</span></li></ul>',
            column="工作动态",
        ),
    ),
    # Messages published without any status or reply field (留言选登): nothing to judge.
    (
        "no_status",
        shell(
            "留言选登",
            '<ul><li><a href="/ly/1.html">咨询公租房申请条件</a><span>2024-05-01</span></li>'
            '<li><a href="/ly/2.html">反映路面破损</a><span>2024-04-28</span></li></ul>',
            column="留言选登",
        ),
    ),
]


# An article under a mega-menu that lists recent 留言 with their 留言时间 (as nfra.gov.cn does),
# a footer naming the 主办单位, and 已办结 in the text: none of it is a message page.
NEGATIVES.append(
    (
        "menu_and_footer",
        shell(
            "2024年上半年信访工作情况",
            '<div class="nav-panel" id="np-hudongjiaoliu"><table class="zwzx-table">'
            '<tr><td class="zwzx-title">请问经营许可证还在使用吗？</td></tr>'
            "<tr><td>留言时间：</td><td>2025-04-27</td></tr>"
            '<tr><td class="zwzx-title">请问通知出台前的业务是否受影响？</td></tr>'
            "<tr><td>留言时间：</td><td>2025-04-20</td></tr></table></div>"
            "<h1>2024年上半年信访工作情况</h1><p>发布时间：2024-07-05</p>"
            "<p>上半年共受理信访事项320件，已办结301件，回复率100%。</p>"
            '<div class="copyright">主办单位：示例市人民政府办公室</div>',
            column="工作动态",
        ),
    )
)


@pytest.mark.parametrize("html_text", [x[1] for x in NEGATIVES], ids=[x[0] for x in NEGATIVES])
def test_not_interaction_pages(html_text: str) -> None:
    assert analyse(html_text.encode(), "http://gov.test/x/index.html").interaction is None


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("已回复", True),  # the anchor character at the very start or end of the text
        ("回复时间", True),
        ("x已办结", True),
        ("处理中", True),
        ("状态：已受理", True),
        ("答复部门：市住建局", True),
        ("复制链接 回 复", False),
        ("办理指南 理中 受理", False),
        ("本网站由示例市人民政府主办，已开通互动交流栏目", False),
        ("", False),
    ],
)
def test_has_interaction(text: str, hit: bool) -> None:
    assert has_interaction(text) is hit


def test_cheap_test_skips_ordinary_pages() -> None:
    assert has_interaction(TABLE_NUMBERED) and has_interaction(DETAIL_PENDING)
    # 网上留言 in the menu is not enough to parse the page.
    assert not has_interaction(NEGATIVES[2][1]) and not has_interaction(NEGATIVES[3][1])


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("已回复", "answered"),
        ("【已办结】", "answered"),
        ("状态：已答复", "answered"),
        ("已回复（已办结）", "answered"),
        ("办理中", "pending"),
        ("[已受理]", "pending"),
        ("已转办", "pending"),
        ("待回复", "pending"),
        ("不予受理", "invalid"),
        ("如何办理中学转学", None),
        ("回复", None),
        ("查看", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_status(text: str | None, status: str | None) -> None:
    assert normalise_status(text) == status


# --------------------------------------------------------------------------------- real pages


def test_no_real_page_is_read_as_an_interaction_page() -> None:
    """None of the 51 real pages (articles, lists, home pages; two with 留言时间 in a mega-menu)
    is a 留言 list or detail page."""
    from tests.test_realworld import EXPECTED, _analyse, _require_folder

    _require_folder()
    read = {name: _analyse(name)[1].interaction for name in sorted(EXPECTED)}
    assert len(read) >= 51
    assert {name: got for name, got in read.items() if got is not None} == {}


# --------------------------------------------------------------------------------- store

MESSAGES = {
    "layout": "table",
    "messages": [
        {"title": "关于人民路路灯长期不亮的问题反映", "url": "http://gov.test/hdjl/1.html",
         "number": "XJ1", "asked": "2024-01-05", "answered": None, "status": "pending",
         "status_text": "未回复", "unit": None},
    ],
}  # fmt: skip


def test_interaction_survives_the_store(open_store) -> None:  # noqa: F811
    s: Store = open_store()
    city = conf.Site(id="city", name="示例市人民政府", kind="government", start_urls=[HOME])
    run_id = s.start_run(NOW, "cfg", [city])
    url = f"{HOME}hdjl/index.html"
    s.add_pages(
        [
            PageItem(run_id=run_id, site_id="city", url=url, kind="page", status=200,
                     page_type="list", title="市长信箱", interaction=MESSAGES),
            PageItem(run_id=run_id, site_id="city", url=HOME, kind="page", status=200,
                     is_home=True),
        ]
    )  # fmt: skip
    pages = s.load_snapshot(run_id, "city").pages
    assert pages[url].interaction == MESSAGES
    assert pages[HOME].interaction is None
    item = s.page_item(run_id, "city", url)
    assert item is not None and item.interaction == MESSAGES


# --------------------------------------------------------------------------------- the kind


def message(
    title: str,
    asked: dt.date | None,
    status: str | None,
    answered: dt.date | None = None,
    n: int = 0,
    status_text: str | None = "auto",
) -> dict[str, Any]:
    """A stored message with its detail page URL."""
    texts = {"answered": "已回复", "pending": "办理中", "invalid": "不予受理", None: None}
    return {
        "title": title,
        "url": f"{HOME}hdjl/szxx/{n}.html",
        "number": None,
        "asked": asked.isoformat() if asked else None,
        "answered": answered.isoformat() if answered else None,
        "status": status,
        "status_text": texts[status] if status_text == "auto" else status_text,
        "unit": "市住建局" if status == "answered" else None,
    }


def list_page(
    messages: list[dict[str, Any]], name: str = "市长信箱", url: str | None = None
) -> Page:
    """A stored 留言 list page."""
    return page(
        url or f"{HOME}hdjl/szxx/index.html",
        page_type="list",
        title=name,
        column=name,
        interaction={"layout": "table", "messages": messages},
    )


def run(pages: list[Page], params: dict[str, Any] | None = None, **kw: Any) -> list:
    """Evaluate interaction_unanswered on a city portal at NOW (2024-06-30)."""
    return evaluate(
        make_rule("interaction_unanswered", params), make_site(), snap(pages, **kw), NOW
    )


def ago(days: int) -> dt.date:
    return NOW - dt.timedelta(days=days)


# (case, messages, params, expected (status, subject) list)
CASES: list[tuple[str, list[dict[str, Any]], dict[str, Any], list[tuple[str, str]]]] = [
    ("all_answered", [message("咨询社保", ago(200), "answered", ago(195), 1)], {}, []),
    # 19号: more than 3 months. 91 days without a reply fails; 90 days is still within.
    ("pending_91_days", [message("路灯不亮", ago(91), "pending", n=1)], {},
     [("fail", "路灯不亮（2024-03-31）")]),
    ("pending_90_days", [message("路灯不亮", ago(90), "pending", n=1)], {}, []),
    # The window is the year before the check: 365 days back is in, 366 is out.
    ("window_start_in", [message("噪音扰民", ago(365), "pending", n=1)], {},
     [("fail", "噪音扰民（2023-07-01）")]),
    ("window_start_out", [message("噪音扰民", ago(366), "pending", n=1)], {}, []),
    ("window_param", [message("噪音扰民", ago(366), "pending", n=1)], {"window_days": 400},
     [("fail", "噪音扰民（2023-06-30）")]),
    ("limit_param", [message("路灯不亮", ago(61), "pending", n=1)],
     {"max_days_unanswered": 60}, [("fail", "路灯不亮（2024-04-30）")]),
    # A reply that came more than 3 months later fails too (reply − receive > 90 d).
    ("late_reply", [message("违建", ago(200), "answered", ago(109), 1)], {},
     [("fail", "违建（2023-12-13）")]),
    ("reply_on_day_90", [message("违建", ago(200), "answered", ago(110), 1)], {}, []),
    ("answered_undated", [message("违建", ago(200), "answered", None, 1)], {}, []),
    ("invalid_skipped", [message("广告", ago(200), "invalid", n=1)], {}, []),
    ("future_date_skipped", [message("错误日期", NOW + dt.timedelta(days=3), "pending", n=1)],
     {}, []),
    # No readable status and no reply date: cannot be proved either way → warn.
    ("unknown_status_old", [message("物业纠纷", ago(120), None, n=1, status_text="查看")], {},
     [("warn", "物业纠纷（2024-03-02）")]),
    ("unknown_status_recent", [message("物业纠纷", ago(30), None, n=1, status_text="查看")],
     {}, []),
    # A local 答复时限 in working days: warn on slower replies and longer waits.
    # 2024-06-03 (Mon) → 2024-06-14 (Fri): 9 working days; 端午 2024-06-10 is a holiday.
    ("slow_reply", [message("公交改线", dt.date(2024, 6, 3), "answered", dt.date(2024, 6, 14), 1)],
     {"slow_reply_workdays": 5}, [("warn", "公交改线（2024-06-03）")]),
    ("slow_reply_within", [message("公交改线", dt.date(2024, 6, 3), "answered",
                                    dt.date(2024, 6, 14), 1)],
     {"slow_reply_workdays": 9}, []),
    ("slow_reply_off", [message("公交改线", dt.date(2024, 6, 3), "answered",
                                 dt.date(2024, 6, 14), 1)], {}, []),
    ("slow_pending", [message("加装电梯", ago(20), "pending", n=1)],
     {"slow_reply_workdays": 10}, [("warn", "加装电梯（2024-06-10）")]),
    ("all_undated", [message("无日期", None, "pending", n=1)], {},
     [("warn", "互动交流：留言未注明时间")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("messages", "params", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_cases(
    messages: list[dict[str, Any]], params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert [(f.status, f.subject) for f in run([list_page(messages)], params)] == expected


def test_fail_quotes_title_dates_and_url() -> None:
    [f] = run([list_page([message("路灯长期不亮", ago(100), "pending", n=7)])])
    assert f.url == f"{HOME}hdjl/szxx/7.html"
    assert f.message == (
        "留言“路灯长期不亮”2024-03-22 提交，截至 2024-06-30 已 100 天未答复"
        "（页面显示“办理中”），超过 90 天（3个月）。"
    )
    assert f.evidence["asked"] == "2024-03-22" and f.evidence["days"] == 100
    assert f.evidence["list_url"] == f"{HOME}hdjl/szxx/index.html"
    assert f.evidence["channel"] == "市长信箱"
    [late] = run([list_page([message("违建", ago(200), "answered", ago(100), 1)])])
    assert (
        late.message
        == "留言“违建”2023-12-13 提交，2024-03-22 才答复，用时 100 天，超过 90 天（3个月）。"
    )
    assert late.evidence["unit"] == "市住建局"


def test_detail_page_overrides_its_list_row() -> None:
    listed = list_page([message("路灯不亮", ago(150), "pending", n=3)])
    detail = page(
        f"{HOME}hdjl/szxx/3.html",
        page_type="article",
        title="路灯不亮",
        referer=listed.url,
        interaction={
            "layout": "detail",
            "messages": [message("路灯不亮", ago(150), "answered", ago(140), 3)],
        },
    )
    assert run([listed, detail]) == []
    # The list alone shows it pending: fail.
    assert [f.status for f in run([listed])] == ["fail"]
    # Listed as 已回复, but the detail page's reply fields are empty: the detail page wins, and
    # the message quotes no status the detail page contradicts.
    listed_done = list_page([message("路灯不亮", ago(150), "answered", n=3)])
    empty = message("路灯不亮", ago(150), "pending", n=3, status_text=None)
    detail.interaction = {"layout": "detail", "messages": [empty]}
    [f] = run([listed_done, detail])
    assert f.status == "fail" and "（答复栏为空）" in f.message
    assert f.evidence["list_url"] == listed_done.url
    # A detail page that shows no status keeps the list's reading.
    blank = message("路灯不亮", ago(150), None, n=3)
    detail.interaction = {"layout": "detail", "messages": [blank]}
    assert [f.status for f in run([listed, detail])] == ["fail"]


def test_excluded_channels_are_not_judged() -> None:
    # 19号 leaves out 网上信访 and 纪检举报; a detail page is judged by its list's name.
    xf = list_page([message("信访件", ago(150), "pending", n=1)], name="网上信访")
    detail = page(
        f"{HOME}jjjb/1.html",
        page_type="article",
        title="反映某干部问题",
        referer=f"{HOME}jjjb/index.html",
        interaction={"layout": "detail", "messages": [message("反映某干部问题", ago(150),
                                                                "pending", n=9)]},
    )  # fmt: skip
    jb = page(f"{HOME}jjjb/index.html", page_type="list", title="纪检举报")
    links = [Link(HOME, f"{HOME}hdjl/szxx/index.html", "市长信箱", "page", on_home=True)]
    [f] = run([xf, detail, jb], links=links)
    assert (f.status, f.subject) == ("warn", "互动交流：未读取到留言列表")
    assert f.evidence["excluded_messages"] == 2
    # Without the exclusion they fail.
    found = run([xf, detail, jb], {"exclude_columns": []}, links=links)
    assert sorted(f.status for f in found) == ["fail", "fail"]


def test_no_channel_at_all() -> None:
    [f] = run([])
    assert (f.status, f.subject, f.url) == ("warn", "互动交流栏目", HOME)
    assert "未找到领导信箱、咨询投诉、网上留言等政务咨询类互动交流栏目" in f.message
    assert [x.status for x in run([], {"no_channel": "fail"})] == ["fail"]
    assert run([], {"no_channel": "ignore"}) == []


def test_entry_without_a_readable_list_warns_with_its_url() -> None:
    links = [
        Link(HOME, "http://12345.prov.test/ly", "我要写信", "external", on_home=True),
        Link(HOME, f"{HOME}hdjl/zxft/", "在线访谈", "page", on_home=True),  # excluded
    ]
    [f] = run([], links=links)
    assert (f.status, f.subject, f.url) == (
        "warn",
        "互动交流：未读取到留言列表",
        "http://12345.prov.test/ly",
    )
    assert f.evidence["entries"] == [{"url": "http://12345.prov.test/ly", "name": "我要写信"}]
    # A column named like a channel counts as an entry too.
    [g] = run([], columns=[column(f"{HOME}hdjl/wsly/", "网上留言", [])])
    assert g.subject == "互动交流：未读取到留言列表"


def test_many_findings_are_capped() -> None:
    msgs = [message(f"留言{i:02d}", ago(100 + i), "pending", n=i) for i in range(5)]
    found = run([list_page(msgs)], {"max_findings": 2})
    assert [f.status for f in found] == ["fail", "fail", "fail"]
    assert found[0].subject == "留言04（2024-03-18）"  # oldest first
    assert found[2].subject == "互动交流：其余超过 90 天未答复留言"
    assert found[2].evidence["count"] == 3
    assert found[2].message.startswith(
        "另有 3 条留言超过 90 天未答复，例如：“留言02”（2024-03-20）"
    )


def test_unreachable_home_is_an_error() -> None:
    home = page(HOME, status=None, error="timeout", is_home=True)
    [f] = run([home, list_page([message("路灯不亮", ago(120), "pending", n=1)])])
    assert (f.status, f.subject) == ("error", "互动交流")
    assert "无法检查互动交流留言办理情况" in f.message


def test_bad_pattern_is_rejected_at_load() -> None:
    [f] = run([], {"columns": ["regex:("]})
    assert f.status == "error" and f.subject == "规则配置"


def _yaml_text(data: dict) -> str:
    """Return data as YAML text (the shipped rule, re-read like a README block)."""
    import io

    from ruamel.yaml import YAML

    out = io.StringIO()
    YAML(typ="safe").dump(data, out)
    return out.getvalue()


def test_readme_and_shipped_examples_validate() -> None:
    from ruamel.yaml import YAML

    from checks.registry import kinds
    from tests.test_docs import yaml_blocks

    shipped = Path(__file__).resolve().parents[1] / "config" / "rules" / "gov-website-2019.yaml"
    blocks = [b for b in yaml_blocks() if "check: interaction_unanswered" in b]
    pack = YAML(typ="safe").load(shipped.read_text(encoding="utf-8"))
    blocks.append(
        _yaml_text({"rules": [r for r in pack["rules"] if r["check"] == "interaction_unanswered"]})
    )
    rules = [r for b in blocks for r in YAML(typ="safe").load(b)["rules"]]
    assert len(rules) >= 2 and {r["check"] for r in rules} == {"interaction_unanswered"}
    for raw in rules:
        rule = conf.Rule(**raw)
        kinds()[rule.check].params_model.model_validate(rule.params)


# --------------------------------------------------------------------------------- real crawl


def test_real_crawl_stores_messages_and_the_check_fails(tmp_path: Path) -> None:
    """Real Scrapy against a local site: a 市长信箱 list, its detail pages, a second list page."""
    detail_answered = shell(
        "咨询社保卡补办流程",
        "<h1>咨询社保卡补办流程</h1><table>"
        "<tr><td>来信时间</td><td>2024-10-02</td></tr>"
        "<tr><td>答复单位</td><td>市人力社保局</td></tr>"
        "<tr><td>答复时间</td><td>2024-10-08</td></tr>"
        "<tr><td>答复内容</td><td>您好，可携带身份证到任一网点补办。</td></tr></table>",
    )
    # Listed as 办理中, but its detail page shows the reply (the detail page wins).
    detail_late_listed = shell(
        "反映垃圾清运不及时",
        "<h1>反映垃圾清运不及时</h1><p>来信时间：2024-08-01</p>"
        "<p>答复单位：市城管局</p><p>答复时间：2024-08-20</p><p>答复内容：已安排每日清运两次。</p>",
    )
    detail_pending = shell(
        "关于人民路路灯长期不亮的问题反映",
        "<h1>关于人民路路灯长期不亮的问题反映</h1><p>来信时间：2024-07-15</p>"
        "<p>答复内容：暂无回复</p>",
    )
    rows = [
        ("/hdjl/szxx/3.html", "关于人民路路灯长期不亮的问题反映", "2024-07-15", "未回复"),
        ("/hdjl/szxx/2.html", "反映垃圾清运不及时", "2024-08-01", "办理中"),
        ("/hdjl/szxx/1.html", "咨询社保卡补办流程", "2024-10-02", "已答复"),
    ]
    table = "".join(
        f'<tr><td><a href="{h}">{t}</a></td><td>{d}</td><td>{s}</td></tr>' for h, t, d, s in rows
    )
    listing = shell(
        "市长信箱",
        "<table><tr><th>标题</th><th>来信时间</th><th>状态</th></tr>"
        f'{table}</table><div class="page"><a href="/hdjl/szxx/index_1.html">下一页</a></div>',
    )
    listing2 = shell(
        "市长信箱",
        "<table><tr><th>标题</th><th>来信时间</th><th>状态</th></tr>"
        '<tr><td><a href="/hdjl/szxx/0.html">咨询医保异地备案</a></td><td>2023-05-04</td>'
        "<td>办理中</td></tr></table>",
    )
    home = shell("首页", '<a href="/hdjl/szxx/index.html">市长信箱</a>', column="首页")
    s = SiteServer().start()
    s.routes.update(
        {
            "/": (200, HTML, home),
            "/hdjl/szxx/index.html": (200, HTML, listing),
            "/hdjl/szxx/index_1.html": (200, HTML, listing2),
            "/hdjl/szxx/1.html": (200, HTML, detail_answered),
            "/hdjl/szxx/2.html": (200, HTML, detail_late_listed),
            "/hdjl/szxx/3.html": (200, HTML, detail_pending),
        }
    )
    try:
        result = crawl_once(tmp_path, [site("s", s.url("/"))], FAST)
        with Store(f"sqlite:///{tmp_path / 'gongkai.db'}") as st:
            snapshot = st.load_snapshot(result.run_id, "s")
    finally:
        s.stop()
    assert result.rc == 0
    stored = {
        u.removeprefix(s.base): p.interaction["layout"]
        for u, p in snapshot.pages.items()
        if p.interaction
    }
    assert stored == {
        "/hdjl/szxx/index.html": "table",
        "/hdjl/szxx/index_1.html": "table",
        "/hdjl/szxx/1.html": "detail",
        "/hdjl/szxx/2.html": "detail",
        "/hdjl/szxx/3.html": "detail",
    }
    d2 = snapshot.pages[s.url("/hdjl/szxx/2.html")].interaction["messages"][0]
    assert (d2["asked"], d2["answered"], d2["status"], d2["unit"]) == (
        "2024-08-01", "2024-08-20", "answered", "市城管局"
    )  # fmt: skip

    city = make_site(id="s", start_urls=[s.url("/")])
    rule = make_rule("interaction_unanswered", severity="high")
    found = evaluate(rule, city, snapshot, dt.date(2025, 1, 6))
    # 路灯 (2024-07-15, 175 days, no reply) fails; 垃圾清运 was answered per its detail page;
    # 医保 (2023-05-04) is outside the year before the check.
    assert [(f.status, f.subject, f.url) for f in found] == [
        ("fail", "关于人民路路灯长期不亮的问题反映（2024-07-15）", s.url("/hdjl/szxx/3.html"))
    ]
    assert found[0].evidence["days"] == 175
