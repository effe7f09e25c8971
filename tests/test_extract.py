"""crawlers.extract on small synthetic pages: encodings, dates, titles, columns, lists, links."""

from __future__ import annotations

import json

import pytest

from crawlers.extract import analyse, clean_title, decode_html, link_kind, parse_date
from crawlers.items import DateCandidate, EntryOut

BASE = "http://www.example.gov.cn/zwgk/tzgg/"


def page(body: str, head: str = "", title: str = "") -> bytes:
    """Wrap body HTML in a UTF-8 document."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{title}</title>{head}</head><body>{body}</body></html>"
    ).encode()


def article(dateline: str, head: str = "", extra: str = "") -> bytes:
    """An article page without metas: heading, a date line, a body of paragraphs."""
    return page(
        f'<div class="top">今天是2031年1月1日 星期三</div>{extra}'
        '<div class="detail"><h1>关于开展安全生产大检查的通知</h1>'
        f'<div class="info">{dateline}</div>'
        '<div class="content"><p>各乡镇人民政府，县直各单位：为切实做好安全生产工作，'
        "现就有关事项通知如下。</p><p>一、检查范围包括全县所有生产经营单位。</p>"
        "<p>二、检查时间为2030年7月1日至7月31日。</p></div></div>"
        '<div class="footer">版权所有 某某县人民政府 2031-01-01</div>',
        head=head,
        title="关于开展安全生产大检查的通知_通知公告_某某县人民政府",
    )


# --------------------------------------------------------------------------------- encodings

TEXT = (
    "<html><head>{decl}<title>通知公告</title></head><body><p>关于开展工作的通知</p></body></html>"
)


@pytest.mark.parametrize(
    ("body", "header", "codec"),
    [
        # Real GB2312 bytes, declared in <meta>: decoded with the gb18030 superset.
        (TEXT.format(decl='<meta charset="gb2312">').encode("gbk"), None, "gb18030"),
        (
            TEXT.format(
                decl='<meta http-equiv="Content-Type" content="text/html; charset=GBK">'
            ).encode("gbk"),
            None,
            "gb18030",
        ),
        # GBK bytes with no declaration at all.
        (TEXT.format(decl="").encode("gbk"), None, "gb18030"),
        # GBK bytes while the HTTP header wrongly says UTF-8.
        (TEXT.format(decl='<meta charset="gb2312">').encode("gbk"), "utf-8", "gb18030"),
        # GBK bytes labelled ISO-8859-1 (decodes without error, but is Chinese).
        (TEXT.format(decl='<meta charset="iso-8859-1">').encode("gbk"), None, "gb18030"),
        # UTF-8 bytes declaring GB2312 (the 人民网 trap): the bytes win.
        (TEXT.format(decl='<meta charset="gb2312">').encode(), None, "utf-8"),
        # UTF-8 bytes while the HTTP header says GBK.
        (TEXT.format(decl="").encode(), "gbk", "utf-8"),
        # UTF-8 without any declaration.
        (TEXT.format(decl="").encode(), None, "utf-8"),
        # UTF-8 with a BOM.
        (b"\xef\xbb\xbf" + TEXT.format(decl='<meta charset="gbk">').encode(), None, "utf-8"),
        # UTF-16LE with BOM declaring gb2312 (the 湘潭 trap), and UTF-16BE.
        (TEXT.format(decl='<meta charset="gb2312">').encode("utf-16"), None, "utf-16"),
        (b"\xfe\xff" + TEXT.format(decl="").encode("utf-16-be"), None, "utf-16"),
    ],
    ids=[
        "gbk-meta-charset",
        "gbk-http-equiv",
        "gbk-undeclared",
        "gbk-header-says-utf8",
        "gbk-declared-latin1",
        "utf8-declared-gb2312",
        "utf8-header-says-gbk",
        "utf8-undeclared",
        "utf8-bom",
        "utf16le-bom-declared-gb2312",
        "utf16be-bom",
    ],
)
def test_decode_html(body: bytes, header: str | None, codec: str) -> None:
    text, got = decode_html(body, header)
    assert got == codec
    assert "关于开展工作的通知" in text


def test_decode_ascii_page_keeps_declared_codec() -> None:
    body = b'<html><head><meta charset="gb2312"></head><body>ok</body></html>'
    assert decode_html(body) == (body.decode(), "gb18030")


def test_analyse_reports_encoding_from_content_type() -> None:
    body = "<html><body><h1>标题</h1></body></html>".encode("gbk")
    assert analyse(body, BASE, content_type="text/html; charset=GB2312").encoding == "gb18030"


def test_analyse_reads_gbk_page_text() -> None:
    body = article("发布时间：2030-06-03").decode().replace('charset="utf-8"', 'charset="gb2312"')
    got = analyse(body.encode("gbk"), BASE + "t20300603_1.html")
    assert (got.encoding, got.title, got.pub_date) == (
        "gb18030",
        "关于开展安全生产大检查的通知",
        "2030-06-03",
    )


# --------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2025年06月03日 13时44分", "2025-06-03T13:44"),
        ("2025年6月3日", "2025-06-03"),
        ("2025-06-03", "2025-06-03"),
        ("2025/06/03", "2025-06-03"),
        ("2025.06.03", "2025-06-03"),
        ("２０２５－０６－０３", "2025-06-03"),
        ("２０２５年６月３日　１０：０８", "2025-06-03T10:08"),
        ("2023-08-19 10∶08", "2023-08-19T10:08"),
        ("2024-01-29 10:12:44", "2024-01-29T10:12"),
        ("2025 年 6 月 3 日", "2025-06-03"),
        ("2025 - 6 - 3", "2025-06-03"),
        ("2023-11-30  14:52", "2023-11-30T14:52"),
        ("2025-13-03", None),
        ("2025-02-30", None),
        ("1989-06-03", None),
        ("第2025号", None),
        ("", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("dateline", "value"),
    [
        ("发布时间：2030年06月03日 13时44分", "2030-06-03T13:44"),
        ("发布日期：2030年6月3日", "2030-06-03"),
        ("日期：2030-06-03", "2030-06-03"),
        ("时间：2030/06/03", "2030-06-03"),
        ("发布时间：2030.06.03", "2030-06-03"),
        ("发布时间：２０３０－０６－０３", "2030-06-03"),
        ("发 布 日 期 ： 2030 - 6 - 3", "2030-06-03"),
        ("<span>发布日期</span><span>: 2030-06-03</span>", "2030-06-03"),
        ("时间发布：2030-06-03 09:51", "2030-06-03T09:51"),
        ("来源：本站 发布时间：[2030-06-03] 浏览次数：12", "2030-06-03"),
        # Unlabelled date lines right under the heading.
        ("[2030-06-03]", "2030-06-03"),
        ("2030-06-03 10:20:30 来源：县政府办", "2030-06-03T10:20"),
        ("来源： 某某日报 2030-06-03 08:03", "2030-06-03T08:03"),
        # A 发布日期 line wins over a catalogue 成文日期 cell.
        ("成文日期：2030-05-20 发布日期：2030-06-03", "2030-06-03"),
    ],
)
def test_visible_date_formats(dateline: str, value: str) -> None:
    got = analyse(article(dateline), BASE + "content_1.html")
    assert got.page_type == "article"
    assert (got.pub_date, got.date_source) == (value[:10], "visible")
    assert got.date_candidates == [DateCandidate("visible", value)]


@pytest.mark.parametrize(
    "dateline",
    ["发布时间：2030-13-03", "发布时间：1989-06-03", "发布时间：", "（2030年5月20日印发）"],
)
def test_impossible_or_absent_visible_date_falls_back_to_meta(dateline: str) -> None:
    head = '<meta name="ArticleTitle" content="关于开展安全生产大检查的通知">' + (
        '<meta name="PubDate" content="2030-06-01 09:00">'
    )
    got = analyse(article(dateline, head=head), BASE + "content_1.html")
    assert (got.pub_date, got.date_source) == ("2030-06-01", "meta")
    assert got.date_candidates == [DateCandidate("meta", "2030-06-01T09:00")]


def test_meta_pubdate_disagreeing_with_visible_keeps_both() -> None:
    head = '<meta name="PubDate" content="2031-02-01 10:00">'
    got = analyse(article("发布时间：2030-06-03", head=head), BASE + "t20300602_9.html")
    assert (got.pub_date, got.date_source) == ("2030-06-03", "visible")
    assert got.date_candidates == [
        DateCandidate("visible", "2030-06-03"),
        DateCandidate("meta", "2031-02-01T10:00"),
        DateCandidate("url", "2030-06-02"),
    ]


def test_today_widget_is_not_the_publish_date() -> None:
    # The page header says 今天是2031年1月1日 (see article()); with no date line the reader sees
    # no publish date, so the meta date is used and the widget is never a candidate.
    head = '<meta name="PubDate" content="2030-06-01">'
    got = analyse(article("来源：县政府办", head=head), BASE + "content_1.html")
    assert got.date_candidates == [DateCandidate("meta", "2030-06-01")]


def test_today_widget_next_to_heading_is_skipped() -> None:
    body = page(
        '<div class="main"><h1>关于开展安全生产大检查的通知</h1>'
        "<p>今天是：2031年01月01日 星期三</p><p>发布时间：2030-06-03</p>"
        "<p>为切实做好安全生产工作，现就有关事项通知如下，请各单位认真贯彻执行。</p></div>",
        title="关于开展安全生产大检查的通知",
    )
    got = analyse(body, BASE + "a.html")
    assert (got.pub_date, got.date_source) == ("2030-06-03", "visible")


def test_sidebar_with_newer_dates_is_not_the_publish_date() -> None:
    sidebar = (
        '<div class="sidebar"><h3>最新信息</h3><ul>'
        '<li><a href="/a1.html">县政府召开常务会议研究近期重点工作</a>'
        "<span>发布时间：2031-01-05</span></li>"
        '<li><a href="/a2.html">县领导调研安全生产工作情况</a>'
        "<span>发布时间：2031-01-04</span></li></ul></div>"
    )
    got = analyse(article("日期：2030-06-03", extra=sidebar), BASE + "content_1.html")
    assert (got.pub_date, got.date_source) == ("2030-06-03", "visible")


def test_signature_date_in_body_is_not_the_publish_date() -> None:
    # The body ends with a date (the signature); only a labelled line would count.
    got = analyse(article("来源：县应急管理局"), BASE + "content_1.html")
    assert (got.pub_date, got.date_source) == (None, None)
    assert got.page_type == "article"  # the heading repeats the <title> over a body


def test_labelled_dates_inside_the_body_do_not_count() -> None:
    body = article("[2030-06-03]").replace(
        "一、检查范围包括全县所有生产经营单位。".encode(), "一、会议时间：2030年7月1日。".encode()
    )
    got = analyse(body, BASE + "content_1.html")
    assert (got.pub_date, got.date_source) == ("2030-06-03", "visible")
    body = article("来源：县政府办").replace(
        "一、检查范围包括全县所有生产经营单位。".encode(), "一、会议时间：2030年7月1日。".encode()
    )
    assert analyse(body, BASE + "content_1.html").date_candidates == []


@pytest.mark.parametrize(
    ("url", "iso"),
    [
        ("http://x.gov.cn/zwgk/202401/t20240105_123456.html", "2024-01-05"),
        ("http://x.gov.cn/news/2024-01/05/content_1.htm", "2024-01-05"),
        ("http://x.gov.cn/n1/2024/0105/c1001-1.html", "2024-01-05"),
        ("http://x.gov.cn/art/2024/1/5/art_1_2.html", "2024-01-05"),
        ("http://x.gov.cn/2024/01-05/2559082.html", "2024-01-05"),
        ("http://x.gov.cn/jcws/20240105/b5c2db3d.html", "2024-01-05"),
        ("http://x.gov.cn/zwgk/202413/t20241305_1.html", None),
        ("http://x.gov.cn/zwgk/index.html", None),
    ],
)
def test_url_date(url: str, iso: str | None) -> None:
    got = analyse(page("<p>正文内容</p>"), url)
    assert got.date_candidates == ([DateCandidate("url", iso)] if iso else [])
    assert (got.pub_date, got.date_source) == ((iso, "url") if iso else (None, None))


def test_list_date_candidate_comes_before_url() -> None:
    got = analyse(page("<p>正文内容</p>"), BASE + "t20240105_1.html", list_date="2024-01-04")
    assert got.date_candidates == [
        DateCandidate("list", "2024-01-04"),
        DateCandidate("url", "2024-01-05"),
    ]
    assert (got.pub_date, got.date_source) == ("2024-01-04", "list")


# --------------------------------------------------------------------------------- metas, title


def test_metas_keep_every_named_meta_first_wins() -> None:
    head = (
        '<meta name="SiteName" content="某某县人民政府">'
        '<meta name="SiteName" content="重复的站点名">'
        '<meta name="SiteDomain" content="www.example.gov.cn">'
        '<meta name="SiteIDCode" content="3609000002">'
        '<meta name="ColumnName" content="通知公告">'
        '<meta name="ColumnType" content="">'
        '<meta name="ArticleTitle" content="关于开展安全生产大检查的通知">'
        '<meta name="pubdate" content="2030-06-01 09:00">'
        '<meta name="Keywords" content="安全生产,检查">'
        '<meta http-equiv="X-UA-Compatible" content="IE=edge">'
    )
    got = analyse(article("发布时间：2030-06-03", head=head), BASE + "content_1.html")
    assert got.metas == {
        "SiteName": "某某县人民政府",
        "SiteDomain": "www.example.gov.cn",
        "SiteIDCode": "3609000002",
        "ColumnName": "通知公告",
        "ColumnType": "",
        "ArticleTitle": "关于开展安全生产大检查的通知",
        "pubdate": "2030-06-01 09:00",
        "Keywords": "安全生产,检查",
    }
    assert (got.column, got.column_source) == ("通知公告", "meta")
    assert got.date_candidates[1] == DateCandidate("meta", "2030-06-01T09:00")


@pytest.mark.parametrize(
    ("raw", "site", "columns", "clean"),
    [
        ("关于开展检查的通知_通知公告_某某县人民政府", None, {"通知公告"}, "关于开展检查的通知"),
        ("关于开展检查的通知 - 广州市人民政府门户网站", None, None, "关于开展检查的通知"),
        ("万载县人民政府 | 万载县2015年统计公报", "万载县人民政府", None, "万载县2015年统计公报"),
        ("安徽司法行政系训诫预警--时政--人民网", None, None, "安徽司法行政系训诫预警--时政"),
        ("1-10月德清县固定资产投资结构趋稳趋优", "浙江省发展和改革委员会", None, None),
        ("科兴佳园社区活动-北京市丰台区人民政府网站", None, None, "科兴佳园社区活动"),
        ("书画展亮相澳门_湘潭市人民政府网站", "湘潭市政府门户网站", None, "书画展亮相澳门"),
        ("标题 重点关注 济南政府网_济南市人民政府门户网站", None, {"重点关注"}, "标题"),
        ("辽宁省运动会开幕-辽阳网站欢迎您!", None, None, "辽宁省运动会开幕"),
        ("佛山市人民政府门户网站", "佛山市人民政府门户网站", None, "佛山市人民政府门户网站"),
        ("  标题\n  -\n  重大项目 -\n  防城港市人民政府 -", None, {"重大项目"}, "标题"),
    ],
)
def test_clean_title(
    raw: str, site: str | None, columns: set[str] | None, clean: str | None
) -> None:
    assert clean_title(raw, site, columns) == (clean if clean is not None else raw)


def test_title_prefers_meta_article_title() -> None:
    head = '<meta name="ArticleTitle" content="关于开展安全生产大检查的通知（第二批）">'
    got = analyse(article("发布时间：2030-06-03", head=head), BASE + "c.html")
    assert got.title == "关于开展安全生产大检查的通知（第二批）"


def test_title_from_heading_when_title_tag_is_generic() -> None:
    body = page(
        '<div class="xq"><h5>2030年全县统计工作会议召开</h5>'
        '<div class="ly"><b>发布时间：2030-05-18</b> <i>来源：统计局</i></div>'
        "<div><p>5月10日，2030年全县统计工作会议召开，会议总结了上一年度统计工作。</p></div></div>",
        title="新闻动态--某某县统计局",
    )
    got = analyse(body, BASE + "a.html")
    assert (got.page_type, got.title, got.pub_date) == (
        "article",
        "2030年全县统计工作会议召开",
        "2030-05-18",
    )


@pytest.mark.parametrize(
    "heading",
    [
        '<h2 class="Article-title">全县统计工作会议召开 <small>2030-08-19 <span>来源：统计局</span>'
        "</small></h2>",
        "<h2>全县统计工作会议召开 ( 2030-08-19)</h2>",
    ],
)
def test_date_inside_heading(heading: str) -> None:
    body = page(
        f'<div class="art">{heading}<div class="txt"><p>8月18日，全县统计工作会议召开，'
        "会议总结了上一年度统计工作，部署了下一阶段重点任务。</p></div></div>",
        title="全县统计工作会议召开",
    )
    got = analyse(body, BASE + "a.html")
    assert (got.page_type, got.title, got.pub_date, got.date_source) == (
        "article",
        "全县统计工作会议召开",
        "2030-08-19",
        "visible",
    )


def test_title_strips_site_suffix_when_no_heading() -> None:
    got = analyse(page("<p>x</p>", title="政务公开 - 某某市人民政府门户网站"), BASE)
    assert got.title == "政务公开"


# --------------------------------------------------------------------------------- columns


@pytest.mark.parametrize(
    ("crumb", "column"),
    [
        (
            '<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开'
            '</a> &gt; <a href="/zwgk/tzgg/">通知公告</a> &gt; 正文</div>',
            "通知公告",
        ),
        (
            '<p>您的位置：<a href="/">首页</a> » <a href="/xw/">新闻中心</a> » '
            '<a href="/xw/bmdt/">部门动态</a></p>',
            "部门动态",
        ),
        (
            '<div class="dqwz"><a href="/">首页</a>&gt;&gt;<a href="/zhyw/">综合要闻</a>&gt;&gt;'
            '<a href="/zhyw/bsyw/">本市要闻</a>&gt;&gt;<a href="/zhyw/bsyw/2030/">2030</a></div>',
            "本市要闻",
        ),
        (
            '<td><span>您当前位置：</span><a href="/cd/">承德市</a>&gt;<a href="/cd/cggg/">'
            "采购公告</a>&gt;中标公告</td>",
            "中标公告",
        ),
        (
            '<div class="crumbs"><a href="/">首页</a> &gt; <a href="/gk/">政务公开</a> &gt; '
            "<span>关于开展安全生产大检查的通知</span></div>",
            "政务公开",
        ),
    ],
)
def test_breadcrumb_column_on_article(crumb: str, column: str) -> None:
    got = analyse(article("发布时间：2030-06-03", extra=crumb), BASE + "content_1.html")
    assert (got.column, got.column_source) == (column, "breadcrumb")


def test_breadcrumb_naming_no_column_gives_title_part() -> None:
    crumb = '<p>当前位置：<a href="/">首页</a>&gt;<a href="javascript:;">正文</a></p>'
    got = analyse(article("发布时间：2030-06-03", extra=crumb), BASE + "content_1.html")
    assert (got.column, got.column_source) == ("通知公告", "title")


def test_column_meta_year_folder_is_ignored() -> None:
    crumb = (
        '<div class="dqwz"><a href="/">首页</a>&gt;&gt;<a href="/bsyw/">本市要闻</a>&gt;&gt;'
        '<a href="/bsyw/2030/">2030</a></div>'
    )
    head = '<meta name="ColumnName" content="2030">'
    got = analyse(article("发布时间：2030-06-03", head=head, extra=crumb), BASE + "c.html")
    assert (got.column, got.column_source) == ("本市要闻", "breadcrumb")


# --------------------------------------------------------------------------------- lists


def list_page(rows: str, extra: str = "", head: str = "", script: str = "") -> bytes:
    return page(
        '<div class="header"><ul class="nav"><li><a href="/">首页</a></li>'
        '<li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul>'
        '<span class="date">今天是2031年1月9日</span></div>'
        '<div class="main"><div class="location">您的位置：<a href="/">首页</a> &gt; '
        '<a href="/zwgk/">政务公开</a> &gt; <a href="./">通知公告</a></div>'
        f'<div class="list"><h2>通知公告</h2><ul>{rows}</ul>'
        f"<div class='page'>{script}</div></div></div>{extra}"
        '<div class="footer"><a href="/wzdt.html">网站地图</a> 版权所有 2031-01-01</div>',
        head=head,
        title="通知公告_某某县人民政府",
    )


ROWS = (
    '<li><a href="./202406/t20240603_1.html" title="关于开展2024年安全生产大检查的通知">'
    "关于开展2024年安全生产大检查的通知</a><span>2024-06-03</span></li>"
    '<li><span>[2024-05-20]</span><a href="./202405/t20240520_2.html">关于公布县级行政许可'
    "事项清单的公告</a></li>"
    '<li><a href="./202405/t20240511_3.html" title="某某县2023年国民经济和社会发展统计公报">'
    "某某县2023年国民经济和社会发展统计...</a><span>2024年5月11日</span></li>"
    '<li><a href="http://other.gov.cn/doc/20240402.pdf">关于转发省级文件的通知</a>'
    "<span>２０２４－０４－０２</span></li>"
)
EXPECTED_ENTRIES = [
    EntryOut(
        "关于开展2024年安全生产大检查的通知", BASE + "202406/t20240603_1.html", "2024-06-03", 0
    ),
    EntryOut(
        "关于公布县级行政许可事项清单的公告", BASE + "202405/t20240520_2.html", "2024-05-20", 1
    ),
    EntryOut(
        "某某县2023年国民经济和社会发展统计公报", BASE + "202405/t20240511_3.html", "2024-05-11", 2
    ),
    EntryOut("关于转发省级文件的通知", "http://other.gov.cn/doc/20240402.pdf", "2024-04-02", 3),
]


def test_list_entries_in_order_with_breadcrumb_column() -> None:
    got = analyse(list_page(ROWS), BASE + "index.html")
    assert got.page_type == "list"
    assert got.entries == EXPECTED_ENTRIES
    assert (got.title, got.column, got.column_source) == ("通知公告", "通知公告", "breadcrumb")
    assert (got.pub_date, got.date_source, got.placeholder) == (None, None, False)


@pytest.mark.parametrize(
    "sidebar",
    [
        # Named sidebar.
        '<div class="sidebar"><h3>最新动态</h3><ul>{}</ul></div>',
        # A right-hand box that is not named as a sidebar, with as many rows as the main list.
        '<div class="right-box"><h3>热点信息</h3><ul>{}</ul></div>',
        # A "today" widget list.
        '<div id="today"><ul>{}</ul></div>',
    ],
)
def test_list_ignores_sidebar_with_newer_dates(sidebar: str) -> None:
    newer = "".join(
        f'<li><a href="/xw/{i}.html">县政府召开第{i}次常务会议</a><span>2031-01-0{i}</span></li>'
        for i in range(1, 5)
    )
    got = analyse(list_page(ROWS, extra=sidebar.format(newer)), BASE + "index.html")
    assert got.entries == EXPECTED_ENTRIES


def test_list_with_a_single_entry_is_a_list() -> None:
    row = (
        '<li><a href="./t20240603_1.html">关于开展2024年安全生产大检查的通知</a>'
        "<span>2024-06-03</span></li>"
    )
    got = analyse(list_page(row), BASE + "index.html")
    assert (got.page_type, got.pub_date) == ("list", None)
    assert got.entries == [
        EntryOut("关于开展2024年安全生产大检查的通知", BASE + "t20240603_1.html", "2024-06-03", 0)
    ]


def test_article_date_line_with_linked_source() -> None:
    line = '2030年06月03日08:18&nbsp;&nbsp;来源：<a href="http://paper.example.cn/">某某日报-要闻版</a>'
    got = analyse(article(line), BASE + "c.html")
    assert (got.page_type, got.pub_date, got.date_source, got.entries) == (
        "article",
        "2030-06-03",
        "visible",
        [],
    )


def test_list_table_rows() -> None:
    rows = "".join(
        f'<tr><td>{i}</td><td><a href="./t2024060{i}_{i}.html">第{i}号公告的具体内容</a></td>'
        f"<td>2024-06-0{i}</td></tr>"
        for i in range(1, 4)
    )
    body = page(
        f"<table><tr><th>序号</th><th>标题</th><th>发布日期</th></tr>{rows}</table>",
        title="公告公示",
    )
    got = analyse(body, BASE + "index.html")
    assert [(e.title, e.date) for e in got.entries] == [
        ("第1号公告的具体内容", "2024-06-01"),
        ("第2号公告的具体内容", "2024-06-02"),
        ("第3号公告的具体内容", "2024-06-03"),
    ]
    assert (got.page_type, got.column, got.column_source) == ("list", "公告公示", "title")


def test_list_rows_as_nested_tables_with_two_date_columns() -> None:
    # Old templates put each row in its own <table>; 信息公开目录 tables show 成文日期 and
    # 发布日期 columns: the newer one is the entry date.
    rows = "".join(
        f'<tr><td><table><tr><td><a href="./t2024060{i}_{i}.html">第{i}号文件的标题内容</a>'
        f"</td><td>2024-05-2{i}</td><td>2024-06-0{i}</td></tr></table></td></tr>"
        for i in range(1, 4)
    )
    got = analyse(page(f"<table>{rows}</table>", title="文件通知"), BASE + "index.html")
    assert [(e.title, e.date) for e in got.entries] == [
        ("第1号文件的标题内容", "2024-06-01"),
        ("第2号文件的标题内容", "2024-06-02"),
        ("第3号文件的标题内容", "2024-06-03"),
    ]


def test_list_month_day_dates_take_year_from_entry_url_or_list() -> None:
    rows = (
        '<li><a href="/xw/202312/a.html">第一条新闻的标题内容</a><span>[12-28]</span></li>'
        '<li><a href="/xw/202401/b.html">第二条新闻的标题内容</a><span>01-03</span></li>'
        '<li><a href="/xw/c.html">第三条新闻的标题内容</a><span>1月2日</span></li>'
        '<li><a href="/xw/d.html">第四条新闻没有日期</a></li>'
    )
    got = analyse(list_page(rows), BASE + "index.html")
    assert [(e.title, e.date) for e in got.entries] == [
        ("第一条新闻的标题内容", "2023-12-28"),
        ("第二条新闻的标题内容", "2024-01-03"),
        ("第三条新闻的标题内容", "2024-01-02"),
        ("第四条新闻没有日期", None),
    ]


def test_list_heading_names_column_without_breadcrumb() -> None:
    body = page(
        '<div class="box"><div class="tit"><span>政策解读</span></div><ul>'
        '<li><a href="a.html">关于某某政策的图文解读</a><em>2024-06-03</em></li>'
        '<li><a href="b.html">关于另一政策的专家解读</a><em>2024-06-01</em></li></ul></div>',
        title="某某县人民政府",
    )
    got = analyse(body, BASE + "index.html")
    assert (got.page_type, got.column, got.column_source) == ("list", "政策解读", "heading")


def test_home_collects_every_dated_list() -> None:
    body = page(
        '<div class="header"><span>今天是2031年1月9日</span></div>'
        '<div class="news"><h3>要闻动态</h3><ul>'
        '<li><a href="/xw/1.html">县委召开常委会会议</a><span>2024-06-05</span></li>'
        '<li><a href="/xw/2.html">县政府召开常务会议</a><span>2024-06-04</span></li></ul></div>'
        '<div class="gg"><h3>通知公告</h3><div class="item"><a href="/gg/1.html">关于停水的'
        "通知</a><i>2024-06-06</i></div></div>"
        '<div class="footer"><a href="/about.html">关于我们</a> 2031-01-01</div>',
        title="某某县人民政府门户网站",
    )
    got = analyse(body, "http://www.example.gov.cn/", is_home=True)
    assert got.page_type == "home"
    assert [(e.title, e.date, e.position) for e in got.entries] == [
        ("县委召开常委会会议", "2024-06-05", 0),
        ("县政府召开常务会议", "2024-06-04", 1),
        ("关于停水的通知", "2024-06-06", 2),
    ]
    assert (got.pub_date, got.title) == (None, "某某县人民政府门户网站")


def test_article_related_list_does_not_make_it_a_list() -> None:
    related = (
        '<div class="xgwz"><h3>相关文章</h3><ul>'
        + "".join(
            f'<li><a href="/x/{i}.html">相关文章标题第{i}篇</a><span>2030-05-0{i}</span></li>'
            for i in range(1, 6)
        )
        + "</ul></div>"
    )
    body = article("发布时间：2030-06-03").replace(
        b'<div class="footer">', related.encode() + b'<div class="footer">'
    )
    got = analyse(body, BASE + "c.html")
    assert (got.page_type, got.entries, got.pub_date) == ("article", [], "2030-06-03")


# --------------------------------------------------------------------------------- pagination


@pytest.mark.parametrize(
    ("script", "url", "pages"),
    [
        (
            'createPageHTML(4, 0, "index", "html");',
            BASE + "index.html",
            [BASE + "index_1.html", BASE + "index_2.html", BASE + "index_3.html"],
        ),
        (
            "var currentPage = 1;//所在页从0开始\nvar countPage = 3//共多少页\n"
            'createPageHTML(countPage, currentPage, "index", "shtml");',
            BASE + "index_1.shtml",
            [BASE + "index_2.shtml"],
        ),
        (
            "createPageHTML('page_div', 4, 2, 'list', 'htm', 60);",
            BASE + "list_2.htm",
            [BASE + "list_3.htm"],
        ),
        ('createPageHTML(1, 0, "index", "html");', BASE + "index.html", []),
    ],
)
def test_trs_create_page_html(script: str, url: str, pages: list[str]) -> None:
    got = analyse(list_page(ROWS, script=f"<script>{script}</script>"), url)
    assert got.next_pages == pages


@pytest.mark.parametrize("label", ["下一页", "[下一页]", "下一页>>", "下页", "Next", "后页"])
def test_next_page_link_labels(label: str) -> None:
    got = analyse(
        list_page(ROWS, script=f'<a href="list_2.html">{label}</a>'), BASE + "list_1.html"
    )
    assert got.next_pages == [BASE + "list_2.html"]


def test_next_page_links_and_the_rest_of_the_pager() -> None:
    # Every page the pager names is part of the column: the numbered and 尾页 links go in
    # too, so a crawler fetches them as pages of this list rather than as unrelated links.
    pager = (
        '<a href="index.html">首页</a><a href="javascript:void(0)">上一页</a>'
        '<a href="list_1.html">1</a><a href="list_2.html">2</a><a href="list_3.html">3</a>'
        '<a href="list_2.html">下一页</a><a href="javascript:goPage(2)">下页</a>'
        '<a href="list_9.html">尾页</a>'
    )
    got = analyse(list_page(ROWS, script=pager), BASE + "list_1.html")
    assert got.next_pages == [BASE + "list_2.html", BASE + "list_3.html", BASE + "list_9.html"]


def test_no_next_link_no_pages() -> None:
    pager = '<a href="index.html">首页</a><a href="list_2.html">上一页</a>'
    got = analyse(list_page(ROWS, script=pager), BASE + "list_3.html")
    assert got.next_pages == []


# --------------------------------------------------------------------------------- links


def test_links_are_absolute_classified_and_deduped() -> None:
    body = page(
        '<a href="/zwgk/index.html#top">政务公开</a>'
        '<a href="../files/plan.PDF">工作方案</a>'
        '<a href="files/table.xlsx?v=2">统计表</a>'
        '<a href="files/doc.docx"> 通知 原文 </a>'
        '<a href="files/a.wps">a</a><a href="files/b.ofd">b</a><a href="files/c.et">c</a>'
        '<a href="files/d.zip">d</a><a href="files/e.rar">e</a><a href="files/f.pptx">f</a>'
        '<a href="pic/big.jpg"><img src="pic/small.png" alt="缩略图"></a>'
        '<a href="/zwgk/index.html">重复链接</a>'
        '<a href="">空</a><a href="#">顶部</a><a href="javascript:void(0)">脚本</a>'
        '<a href="mailto:a@b.cn">邮箱</a><a href="tel:12345">电话</a>'
        '<a href="http://other.gov.cn/x.html" title="外部">  </a>'
        '<img src="/images/logo.gif">',
        title="链接",
    )
    got = analyse(body, BASE + "index.html")
    assert [(x.url, x.text, x.kind) for x in got.links] == [
        ("http://www.example.gov.cn/zwgk/index.html", "政务公开", "page"),
        ("http://www.example.gov.cn/zwgk/files/plan.PDF", "工作方案", "attachment"),
        (BASE + "files/table.xlsx?v=2", "统计表", "attachment"),
        (BASE + "files/doc.docx", "通知 原文", "attachment"),
        (BASE + "files/a.wps", "a", "attachment"),
        (BASE + "files/b.ofd", "b", "attachment"),
        (BASE + "files/c.et", "c", "attachment"),
        (BASE + "files/d.zip", "d", "attachment"),
        (BASE + "files/e.rar", "e", "attachment"),
        (BASE + "files/f.pptx", "f", "attachment"),
        (BASE + "pic/big.jpg", "缩略图", "image"),
        (BASE + "pic/small.png", "缩略图", "image"),
        ("http://other.gov.cn/x.html", "外部", "page"),
        ("http://www.example.gov.cn/images/logo.gif", "", "image"),
    ]


def test_base_href_is_respected() -> None:
    got = analyse(page('<a href="a.html">甲</a>', head='<base href="http://b.gov.cn/d/">'), BASE)
    assert [x.url for x in got.links] == ["http://b.gov.cn/d/a.html"]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://x.cn/a.pdf", "attachment"),
        ("http://x.cn/a.DOC", "attachment"),
        ("http://x.cn/a.xls?x=1", "attachment"),
        ("http://x.cn/a.ppt", "attachment"),
        ("http://x.cn/a.jpeg", "image"),
        ("http://x.cn/a.html", "page"),
        ("http://x.cn/pdf/", "page"),
        ("http://x.cn/download.aspx?file=a.pdf", "page"),
    ],
)
def test_link_kind(url: str, kind: str) -> None:
    assert link_kind(url) == kind


# --------------------------------------------------------------------------------- placeholder


@pytest.mark.parametrize(
    ("inner", "placeholder"),
    [
        ("<li>暂无信息</li>", True),
        ('<div class="nodata">暂无数据</div>', True),
        ("<p>该栏目正在建设中，敬请期待！</p>", True),
        ("<p>暂无记录</p>", True),
        (ROWS, False),
    ],
)
def test_placeholder(inner: str, placeholder: bool) -> None:
    got = analyse(list_page(inner), BASE + "index.html")
    assert (got.placeholder, got.page_type) == (placeholder, "list")


def test_article_mentioning_construction_is_no_placeholder() -> None:
    body = article("发布时间：2030-06-03").replace(
        "检查范围包括全县所有生产经营单位".encode(), "重点项目建设中的安全管理".encode()
    )
    got = analyse(body, BASE + "c.html")
    assert (got.placeholder, got.page_type) == (False, "article")


# --------------------------------------------------------------------------------- robustness


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n\t ",
        b"\x00\x01\x02\xff\xfe\xfd" * 200,
        bytes(range(256)) * 40,
        b"<<<>>><html<body<<a href=>",
        b"<html><body>" + b"<div>" * 5000 + "深".encode() + b"</div>" * 10,
        b"<html><body><ul><li><a href='a.html'>\xe6\xa0\x87\xe9\xa2\x98<li><a href=b.html>x",
        "<meta charset=gb2312><title>标题</title><p>正文".encode("gbk")[:-1],
        b'<a href="http://[::1">bad ipv6</a><a href="http://exa mple.com/\x00">x</a>',
        b"<?xml version='1.0' encoding='gb2312'?><html><body>x</body></html>",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
    ],
)
def test_never_raises(body: bytes) -> None:
    got = analyse(body, BASE + "x.html")
    assert got.page_type in ("other", "list", "article")
    json.dumps(got.to_json(), ensure_ascii=False)


def test_empty_home_page_is_still_home() -> None:
    got = analyse(b"", "http://www.example.gov.cn/", is_home=True)
    assert (got.page_type, got.title, got.entries, got.links) == ("home", None, [], [])


def test_to_json_round_trips() -> None:
    got = analyse(list_page(ROWS), BASE + "index.html")
    data = json.loads(json.dumps(got.to_json(), ensure_ascii=False))
    assert data["page_type"] == "list"
    assert data["entries"][0] == {
        "title": "关于开展2024年安全生产大检查的通知",
        "url": BASE + "202406/t20240603_1.html",
        "date": "2024-06-03",
        "position": 0,
    }
    assert set(data) == {
        "encoding", "page_type", "title", "pub_date", "date_source", "date_candidates",
        "column", "column_source", "metas", "links", "entries", "next_pages", "text_snippet",
        "body_text", "placeholder", "footer", "privacy", "catalogue", "notice", "guide", "interaction",
    }  # fmt: skip


def test_text_snippet_is_article_body() -> None:
    got = analyse(article("发布时间：2030-06-03"), BASE + "c.html")
    assert got.text_snippet == (
        "各乡镇人民政府，县直各单位：为切实做好安全生产工作，现就有关事项通知如下。 "
        "一、检查范围包括全县所有生产经营单位。 二、检查时间为2030年7月1日至7月31日。"
    )
