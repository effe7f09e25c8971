"""Synthetic city for the benchmarks (issue 7): N government sites × M pages, served for real.

`generate` writes deterministic static sites (UTF-8 and GBK, paginated column lists, ~9 KB
articles with the 《政府网站发展指引》 metas, attachments, images, planted defects); `serve` runs
them on 127.0.0.1, one port per site, with nginx (installed from Debian's package when missing
and we are root) or a bundled threaded server; `write_config` writes a gongkai config directory
for them; `mutate` changes some pages for recrawl benchmarks.

CLI: `python bench/sitegen.py --sites N --pages M --out DIR [--serve] [--python]`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import email.utils
import html
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: samplecity's file writers live in the repo
    sys.path.insert(0, str(REPO))

# Every date is relative to this fixed audit date (the sample city's), so a stale column stays
# stale whenever the benchmark runs.
AS_OF = dt.date(2026, 11, 23)
# Off-site links point here: nothing listens on port 9 (discard) of 127.0.0.1, and an
# unprivileged free-port picker never hands it out, so checking them costs no network.
DEAD_NETLOC = "127.0.0.1:9"
MANIFEST = "sitegen.json"
ENTRIES_PER_PAGE = 20
CITY = "示范市"

_DEPARTMENTS = [
    ("fgw", "发展和改革委员会"),
    ("jyj", "教育局"),
    ("kjj", "科学技术局"),
    ("gxj", "工业和信息化局"),
    ("mzj", "民政局"),
    ("sfj", "司法局"),
    ("czj", "财政局"),
    ("rsj", "人力资源和社会保障局"),
    ("zrzyj", "自然资源和规划局"),
    ("sthjj", "生态环境局"),
    ("zjj", "住房和城乡建设局"),
    ("jtysj", "交通运输局"),
    ("slj", "水利局"),
    ("nyncj", "农业农村局"),
    ("swj", "商务局"),
    ("wglj", "文化广电旅游局"),
    ("wjw", "卫生健康委员会"),
    ("yjglj", "应急管理局"),
    ("sjj", "审计局"),
    ("scjgj", "市场监督管理局"),
    ("tjj", "统计局"),
    ("ybj", "医疗保障局"),
    ("lyj", "林业局"),
    ("cgj", "城市管理局"),
    ("tyj", "体育局"),
    ("xfj", "信访局"),
    ("sjzyj", "数据资源局"),
    ("jgswj", "机关事务管理局"),
    ("tyjrj", "退役军人事务局"),
    ("gzw", "国有资产监督管理委员会"),
]
# (directory, 栏目 name, ColumnType)
_COLUMNS = [
    ("tzgg", "通知公告", "通知公告"),
    ("gzdt", "工作动态", "工作动态"),
    ("zcwj", "政策文件", "政策文件"),
    ("zcjd", "政策解读", "政策解读"),
    ("rsxx", "人事信息", "人事信息"),
    ("czzj", "财政资金", "财政预决算"),
    ("ghjh", "规划计划", "规划计划"),
    ("tjxx", "统计信息", "统计信息"),
    ("xzxk", "行政许可", "行政许可"),
    ("jyta", "建议提案办理", "建议提案"),
    ("zdxm", "重大项目", "重大建设项目"),
    ("sgjs", "双公示", "行政处罚"),
]
# Pages every site has besides its columns: linked from the header of every page.
_SPECIALS = [
    ("jggk", "机构概况"),
    ("ldxx", "领导信息"),
    ("zwfw", "政务服务"),
    ("hdjl", "互动交流"),
    ("xxgkzn", "政府信息公开指南"),
    ("wzdt", "网站地图"),
]
_TOPICS = [
    "安全生产",
    "优化营商环境",
    "乡村振兴",
    "民生实事",
    "政务服务",
    "数字政府建设",
    "生态环境保护",
    "城乡建设",
    "就业创业",
    "社会保障",
    "预算管理",
    "依法行政",
    "审批制度改革",
    "公共文化服务",
    "教育质量提升",
    "基层医疗卫生服务",
    "防汛抗旱",
    "森林防火",
    "消防安全",
    "食品安全",
    "农业生产",
    "科技创新",
    "招商引资",
    "重点项目建设",
    "信访工作",
    "文明城市创建",
    "垃圾分类",
    "老旧小区改造",
    "政务公开",
    "双随机一公开监管",
]
_TITLES = [
    "关于做好{year}年{topic}工作的通知",
    "{short}召开{topic}工作推进会",
    "{short}关于印发《{city}{topic}实施方案》的通知",
    "《{city}{topic}三年行动计划》政策解读",
    "{short}开展{topic}专项检查",
    "关于{topic}有关事项的公告",
    "{city}{year}年{topic}工作要点",
    "{short}组织{topic}业务培训",
    "关于征求《{city}{topic}管理办法（征求意见稿）》意见的公告",
    "{short}赴各县（市、区）调研{topic}工作",
    "{city}{topic}工作取得阶段性成效",
    "关于公布{year}年第{n}批{topic}示范单位名单的通知",
]
_SENTENCES = [
    "为深入贯彻落实党中央、国务院关于{topic}的决策部署，进一步提升工作质量和水平，结合本地实际，制定本方案。",
    "会议强调，要坚持以人民为中心的发展思想，把{topic}作为当前的一项重要任务，压紧压实各方责任。",
    "各有关单位要高度重视，明确分管领导和具体联系人，确保各项工作按时保质完成。",
    "{short}将持续加强对{topic}的督促检查，对工作推进不力的单位进行通报。",
    "据统计，今年以来全市共开展{topic}相关检查{n}次，发现并督促整改问题{m}个，整改完成率达到百分之九十以上。",
    "下一步，将围绕{topic}重点任务，完善工作机制，强化要素保障，推动各项措施落地见效。",
    "请各单位于{month}月{day}日前将工作进展情况报送{short}办公室。",
    "会上，与会人员围绕{topic}中的难点堵点问题进行了深入交流，并提出了具体的意见建议。",
    "要加强宣传引导，通过政府网站、政务新媒体等渠道及时发布政策信息，主动回应社会关切。",
    "坚持问题导向和目标导向相结合，聚焦群众反映强烈的突出问题，集中力量攻坚突破。",
    "近年来，{city}{topic}工作取得明显成效，群众的获得感、幸福感、安全感持续提升。",
    "各县（市、区）要结合实际制定具体实施方案，细化工作措施，建立工作台账，实行销号管理。",
    "对在{topic}工作中表现突出的单位和个人，按照有关规定给予通报表扬。",
    "要强化部门协同，建立健全信息共享、联合执法和定期会商机制，形成工作合力。",
    "要严格落实安全责任，加强风险隐患排查，做到早发现、早报告、早处置。",
    "{short}主要负责同志出席会议并讲话，班子成员及各科室负责人参加会议。",
    "本方案自印发之日起施行，由{short}负责解释，此前有关规定与本方案不一致的，以本方案为准。",
    "要健全考核评价机制，将{topic}工作纳入年度绩效考核，考核结果作为评先评优的重要依据。",
    "各级各部门要加大资金投入，统筹用好上级补助资金和本级财政资金，提高资金使用效益。",
    "要加强队伍建设，定期组织业务培训，不断提升工作人员的业务能力和服务水平。",
]
_HEADS = ["一、总体要求", "二、主要任务", "三、工作措施", "四、保障措施", "五、工作要求"]
_CSS = (
    "body{font-family:'Microsoft YaHei',SimSun,sans-serif;margin:0}"
    ".header{background:#b40000;color:#fff;padding:8px}.nav a{margin:0 6px}"
    ".list li{list-style:none;line-height:2}.list .date{float:right;color:#888}"
    ".footer{border-top:2px solid #b40000;text-align:center;font-size:12px}\n"
)
_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".css": "text/css",
    ".js": "application/javascript",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".gif": "image/gif",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Content types that carry the site's charset (nginx's default charset_types, for both servers).
_CHARSET_TYPES = {".html", ".htm", ".txt", ".js"}


@dataclass
class GenColumn:
    """One 栏目 of a generated site."""

    key: str  # directory: the list is /<key>/index.html, index_1.html, …
    name: str
    articles: int
    list_pages: int
    stale: bool = False  # newest entry more than a year before AS_OF
    empty: bool = False  # no entries: the list shows 暂无信息
    newest: str | None = None  # ISO date of the newest entry


@dataclass
class GenSite:
    """One generated site: where its files are and what was planted in it."""

    id: str  # s001, s002, …
    name: str  # Chinese site name
    encoding: str  # "utf-8" or "gbk": the files' bytes, <meta charset> and served Content-Type
    dir: Path  # document root
    html_pages: int  # home + special pages + list pages + articles
    code: str = ""  # 网站标识码 / SiteIDCode
    domain: str = ""  # SiteDomain meta (fictional)
    columns: list[GenColumn] = field(default_factory=list)
    html_paths: list[str] = field(default_factory=list)  # URL path of every HTML page
    article_paths: list[str] = field(default_factory=list)
    list_paths: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # linked URL paths that answer 404
    external: list[str] = field(default_factory=list)  # off-site URLs (nothing listens there)
    attachments: list[str] = field(default_factory=list)  # URL paths of .pdf/.docx
    images: list[str] = field(default_factory=list)  # URL paths of images
    reports: list[str] = field(default_factory=list)  # URL paths of annual-report PDFs
    missing_meta: list[str] = field(default_factory=list)  # article paths lacking some metas
    stale_column: str | None = None
    empty_column: str | None = None
    html_bytes: int = 0  # total size of the HTML files

    @property
    def articles(self) -> int:
        """Number of article pages."""
        return len(self.article_paths)


# ---------------------------------------------------------------------------------------------
# Generation


def _plan_columns(
    rng: random.Random, budget: int, n_cols: int, stale: int | None, empty: int | None
):
    """Split `budget` HTML pages between articles and list pages of n_cols columns; return
    (articles per column, extra special pages needed to hit the budget exactly)."""
    weights = [0 if c == empty else rng.randint(1, 5) for c in range(n_cols)]
    if stale is not None:
        weights[stale] = 1  # a stale column is a small, forgotten one
    # 工作动态 is the busiest column of a real department site: half of all articles, so even
    # a small city has a paginated list.
    weights[1] = sum(weights) - weights[1]

    def split(total: int) -> list[int]:
        wsum = sum(weights)
        raw = [total * w / wsum for w in weights]
        counts = [int(r) for r in raw]
        order = sorted(range(n_cols), key=lambda c: -(raw[c] - counts[c]))
        for c in order[: total - sum(counts)]:
            counts[c] += 1
        return counts

    def lists(counts: list[int]) -> int:
        return sum(max(1, -(-a // ENTRIES_PER_PAGE)) for a in counts)

    articles = budget - n_cols
    counts = split(articles)
    while articles + lists(counts) > budget:
        articles -= articles + lists(counts) - budget
        counts = split(articles)
    deficit = budget - articles - lists(counts)
    for c in sorted(range(n_cols), key=lambda c: -weights[c]):
        if deficit and weights[c] and counts[c] % ENTRIES_PER_PAGE:
            room = ENTRIES_PER_PAGE - counts[c] % ENTRIES_PER_PAGE
            take = min(room, deficit)
            counts[c] += take
            deficit -= take
    return counts, deficit


class _Writer:
    """Builds and writes the pages of one site."""

    def __init__(self, site: GenSite, index: int, rng: random.Random) -> None:
        self.site = site
        self.index = index
        self.rng = rng
        self.short = "市" + site.name.removeprefix(CITY)
        self.nav: list[tuple[str, str]] = []
        self.special_pages: list[tuple[str, str]] = []

    # -- pieces shared by every page ---------------------------------------------------------

    def write(self, path: str, text: str, mtime: float) -> None:
        """Write an HTML page at URL path `path` in the site's encoding."""
        rel = path.lstrip("/") or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        target = self.site.dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode(self.site.encoding)
        target.write_bytes(data)
        os.utime(target, (mtime, mtime))
        self.site.html_paths.append(path)
        self.site.html_bytes += len(data)

    def head(self, title: str, metas: Sequence[tuple[str, str]]) -> str:
        """<head> with the charset, the given metas and the title."""
        charset = "gbk" if self.site.encoding == "gbk" else "utf-8"
        lines = [
            "<!DOCTYPE html>",
            '<html lang="zh-CN">',
            "<head>",
            f'<meta charset="{charset}">',
            '<meta http-equiv="X-UA-Compatible" content="IE=edge">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
        ]
        lines += [f'<meta name="{k}" content="{html.escape(v)}">' for k, v in metas]
        lines += [
            f"<title>{html.escape(title)}</title>",
            '<link rel="stylesheet" href="/css/style.css">',
            "</head>",
            "<body>",
        ]
        return "\n".join(lines)

    def site_metas(self) -> list[tuple[str, str]]:
        s = self.site
        return [("SiteName", s.name), ("SiteDomain", s.domain), ("SiteIDCode", s.code)]

    def header(self) -> str:
        """Logo, search box and the ~16-link navigation repeated on every page."""
        s = self.site
        links = "".join(f'<li><a href="{u}">{html.escape(t)}</a></li>' for u, t in self.nav)
        return (
            f'<div class="top"><span>今天是{AS_OF.year}年{AS_OF.month}月{AS_OF.day}日</span>'
            '<span class="tools"><a href="javascript:void(0)">无障碍浏览</a> '
            '<a href="javascript:void(0)">长者模式</a> <a href="javascript:void(0)">繁體</a>'
            "</span></div>\n"
            f'<div class="header"><a href="/"><img src="/images/logo.png" alt="{s.name}" '
            f'width="120" height="60"></a><span class="site-title">{s.name}</span>'
            '<form class="search" action="javascript:void(0)"><input type="text" name="q" '
            'placeholder="请输入关键词"><button type="submit">搜索</button></form></div>\n'
            f'<div class="nav"><ul>{links}</ul></div>\n'
        )

    def footer(self) -> str:
        """Footer with 主办单位, 网站标识码, ICP备案 and 公安备案 (and two off-site links)."""
        s, i = self.site, self.index
        return (
            '<div class="friend">相关链接：'
            f'<a href="http://{DEAD_NETLOC}/" target="_blank">中国政府网</a> '
            f'<a href="http://{DEAD_NETLOC}/sheng/" target="_blank">省人民政府</a></div>\n'
            '<div class="footer">'
            f"<p>主办单位：{s.name}　承办单位：{s.name}办公室　"
            f"地址：{CITY}行政中心{i + 1}号楼　联系电话：0799-8800{i + 1:04d}</p>"
            f"<p>网站标识码：{s.code}　示ICP备2026{i + 1:04d}号-1　"
            f'<img src="/images/gaba.png" alt="公安备案" width="20" height="20">'
            f"示公网安备 {s.code}00号</p>"
            '<p><a href="/wzdt/index.html">网站地图</a>　<a href="/hdjl/index.html">联系我们</a>'
            "　建议使用1366×768以上分辨率浏览</p></div>\n</body>\n</html>\n"
        )

    def crumbs(self, *parts: tuple[str | None, str]) -> str:
        out = ['<div class="location">当前位置：<a href="/">首页</a>']
        for url, text in parts:
            out.append(f' &gt; <a href="{url}">{text}</a>' if url else f" &gt; {text}")
        return "".join(out) + "</div>\n"

    # -- text ---------------------------------------------------------------------------------

    def fill(self, template: str, topic: str) -> str:
        r = self.rng
        return template.format(
            topic=topic,
            short=self.short,
            city=CITY,
            year=AS_OF.year - r.randint(0, 1),
            n=r.randint(2, 60),
            m=r.randint(10, 300),
            month=r.randint(1, 12),
            day=r.randint(1, 28),
        )

    def body(self, topic: str, chars: int) -> list[str]:
        """Paragraphs of about `chars` characters: headed sections of templated sentences."""
        paras: list[str] = []
        size = 0
        head = 0
        while size < chars:
            if head < len(_HEADS) and len(paras) % 3 == 1:
                paras.append(f"<strong>{_HEADS[head]}</strong>")
                head += 1
            sentences = [self.fill(t, topic) for t in self.rng.sample(_SENTENCES, 4)]
            text = "".join(sentences)
            paras.append(text)
            size += len(text)
        return paras


def _ymd(d: dt.date) -> str:
    return d.strftime("%Y%m%d")


def _stamp(d: dt.date, minutes: int = 9 * 60) -> float:
    """POSIX time of a date at a local time of day (fixed UTC+8), for file mtimes."""
    moment = dt.datetime.combine(d, dt.time()) + dt.timedelta(minutes=minutes)
    return moment.replace(tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp()


@dataclass
class _Article:
    path: str
    title: str
    date: dt.date
    minutes: int
    topic: str
    col: int
    serial: int


def _generate_site(root: Path, index: int, pages: int, seed: int, reports: int = 0) -> GenSite:
    """Write one site under root/<id>/ and return its description (with `reports` annual
    reports listed on its 政府信息公开指南 page)."""
    sid = f"s{index + 1:03d}"
    rng = random.Random(f"{seed}:{sid}")
    abbr, dept = _DEPARTMENTS[index % len(_DEPARTMENTS)]
    name = f"{CITY}{dept}" + (
        f"（{index // len(_DEPARTMENTS) + 1}）" if index >= len(_DEPARTMENTS) else ""
    )
    site_dir = root / sid
    if site_dir.exists():
        shutil.rmtree(site_dir)
    site_dir.mkdir(parents=True)
    site = GenSite(
        id=sid,
        name=name,
        encoding="gbk" if index % 2 else "utf-8",
        dir=site_dir,
        html_pages=0,
        code=f"43990{index + 1:05d}",
        domain=f"{abbr}.shifan.gov.cn",
    )
    w = _Writer(site, index, rng)

    fixed = 1 + len(_SPECIALS)
    n_cols = min(rng.randint(6, 10), max(2, (pages - fixed) // 3))
    if pages < fixed + n_cols + 2:
        raise ValueError(f"pages_per_site must be at least {fixed + n_cols + 2}")
    picked = _COLUMNS[:2] + rng.sample(_COLUMNS[2:], n_cols - 2)
    # Defects, deterministic per site: a stale column on every other site, an empty one on
    # every third (issue 7's harness: checks must have something to find at any scale).
    stale = n_cols - 2 if index % 2 == 0 else None
    empty = n_cols - 1 if index % 3 == 1 else None
    counts, extra = _plan_columns(rng, pages - fixed, n_cols, stale, empty)
    specials = list(_SPECIALS) + [(f"zt{k + 1}", f"专题专栏{k + 1}") for k in range(extra)]
    w.nav = (
        [("/", "首页")]
        + [(f"/{key}/index.html", cname) for key, cname, _ in picked]
        + [(f"/{key}/index.html", sname) for key, sname in specials[: len(_SPECIALS)]]
    )

    # Articles: dates descending within a column; a stale column's newest is > 1 year old.
    articles: list[list[_Article]] = []
    serial = 10000
    for c, (key, _cname, _ctype) in enumerate(picked):
        col_articles = []
        newest = AS_OF - dt.timedelta(
            days=rng.randint(400, 520) if c == stale else rng.randint(0, 12)
        )
        step = max(1, 700 // max(counts[c], 1))
        day = newest
        for _ in range(counts[c]):
            topic = rng.choice(_TOPICS)
            title = w.fill(rng.choice(_TITLES), topic)
            path = f"/{key}/{day:%Y%m}/t{_ymd(day)}_{serial}.html"
            col_articles.append(
                _Article(path, title, day, rng.randint(480, 1080), topic, c, serial)
            )
            serial += 1
            day -= dt.timedelta(days=rng.randint(0, step))
        articles.append(col_articles)
        site.columns.append(
            GenColumn(
                key=key,
                name=picked[c][1],
                articles=counts[c],
                list_pages=max(1, -(-counts[c] // ENTRIES_PER_PAGE)),
                stale=c == stale,
                empty=c == empty,
                newest=col_articles[0].date.isoformat() if col_articles else None,
            )
        )
    site.stale_column = picked[stale][0] if stale is not None else None
    site.empty_column = picked[empty][0] if empty is not None else None

    flat = [a for col in articles for a in col]
    # Attachments, broken links and missing metas go to distinct articles, chosen by the rng.
    chosen = rng.sample(flat, len(flat))
    n_att = min(8, max(2, len(flat) // 120))
    n_broken = min(10, max(2, len(flat) // 300))
    attached = {a.path: k for k, a in enumerate(chosen[:n_att])}
    broken = {a.path: k for k, a in enumerate(chosen[n_att : n_att + n_broken])}
    missing = {a.path for a in flat if rng.random() < 0.05}
    images = [f"/images/content/pic{k}.png" for k in range(1, 5)]

    _write_static(site, images)
    site.images = ["/images/logo.png", "/images/gaba.png", *images]
    site.external = [f"http://{DEAD_NETLOC}/", f"http://{DEAD_NETLOC}/sheng/"]
    base_mtime = _stamp(AS_OF - dt.timedelta(days=1))

    # Home page
    blocks = []
    for c, (key, cname, _ctype) in enumerate(picked):
        items = articles[c][:6]
        if items:
            lis = "".join(
                f'<li><a href="{a.path}" title="{html.escape(a.title)}">{html.escape(a.title)}'
                f'</a><span class="date">{a.date.isoformat()}</span></li>\n'
                for a in items
            )
        else:
            lis = "<li>暂无信息</li>\n"
        blocks.append(
            f'<div class="home-block"><div class="block-hd"><h3>{cname}</h3>'
            f'<a class="more" href="/{key}/index.html">更多&gt;&gt;</a></div>\n'
            f'<ul class="list">\n{lis}</ul></div>\n'
        )
    entrance = "".join(
        f'<li><a href="/{key}/index.html">{sname}</a></li>' for key, sname in specials
    )
    home = (
        w.head(name, w.site_metas())
        + "\n"
        + w.header()
        + '<div class="container">\n<div class="banner"><img src="/images/content/pic1.png" '
        'alt="要闻图片" width="400" height="300"></div>\n'
        + "".join(blocks)
        + f'<div class="home-block"><div class="block-hd"><h3>便民服务</h3></div>'
        f'<ul class="entrance">{entrance}</ul></div>\n</div>\n' + w.footer()
    )
    w.write("/", home, base_mtime)

    # Special pages (机构概况 …, 网站地图 lists every column)
    for key, sname in specials:
        if key == "wzdt":
            inner = "<ul>" + "".join(
                f'<li><a href="/{k}/index.html">{n}</a></li>' for k, n, _ in picked
            )
            inner += "".join(f'<li><a href="/{k}/index.html">{n}</a></li>' for k, n in specials)
            inner += "</ul>\n"
        else:
            inner = "".join(f"<p>{p}</p>\n" for p in w.body(sname, 600) if "<strong>" not in p)
        if key == "xxgkzn" and reports:
            inner += _report_list(site, reports)
        page = (
            w.head(f"{sname}_{name}", w.site_metas())
            + "\n"
            + w.header()
            + '<div class="container">\n'
            + w.crumbs((None, sname))
            + f'<div class="main-content"><h2>{sname}</h2>\n{inner}</div>\n</div>\n'
            + w.footer()
        )
        w.write(f"/{key}/index.html", page, base_mtime)

    # Column lists: 20 entries a page, 首页/上一页/下一页/尾页 pager
    for c, (key, cname, ctype) in enumerate(picked):
        col_articles = articles[c]
        n_pages = max(1, -(-len(col_articles) // ENTRIES_PER_PAGE))
        metas = [*w.site_metas(), ("ColumnName", cname), ("ColumnType", ctype)]
        for p in range(n_pages):
            chunk = col_articles[p * ENTRIES_PER_PAGE : (p + 1) * ENTRIES_PER_PAGE]
            page_path = f"/{key}/index.html" if p == 0 else f"/{key}/index_{p}.html"
            w.write(page_path, _list_page(w, key, cname, metas, chunk, p, n_pages), base_mtime)
            site.list_paths.append(page_path)

    # Articles
    for a in flat:
        key, cname, ctype = picked[a.col]
        extra_html = ""
        if a.path in attached:
            k = attached[a.path]
            ext = "docx" if k % 4 == 3 else "pdf"
            file_path = a.path.rsplit("/", 1)[0] + f"/P0{_ymd(a.date)}{a.serial}{k}.{ext}"
            label = f"附件{k + 1}：{a.topic}工作情况统计表.{ext}"
            _write_attachment(
                site.dir / file_path.lstrip("/"), ext, a.title, a.topic, _stamp(a.date)
            )
            site.attachments.append(file_path)
            extra_html += (
                f'<p class="fj">附件：<a href="{file_path}">{html.escape(label)}</a></p>\n'
            )
        if a.path in broken:
            k = broken[a.path]
            gone = f"/{key}/{a.date:%Y%m}/t{_ymd(a.date)}_{90000 + k}.html"
            site.broken.append(gone)
            extra_html += f'<div class="related">相关链接：<a href="{gone}">关于{a.topic}工作的补充说明</a></div>\n'
        drop: set[str] = set()
        if a.path in missing:
            drop = rng.choice([{"PubDate"}, {"ContentSource"}, {"ColumnName", "ColumnType"}])
            site.missing_meta.append(a.path)
        w.write(
            a.path,
            _article_page(w, a, cname, ctype, images, drop, extra_html),
            _stamp(a.date, a.minutes),
        )
        site.article_paths.append(a.path)

    site.html_pages = len(site.html_paths)
    return site


def _list_page(
    w: _Writer,
    key: str,
    cname: str,
    metas: list[tuple[str, str]],
    chunk: list[_Article],
    p: int,
    n_pages: int,
) -> str:
    """One page of a column's list."""
    if chunk:
        lis = "".join(
            f'<li><a href="{a.path}" target="_blank" title="{html.escape(a.title)}">'
            f'{html.escape(a.title)}</a><span class="date">{a.date.isoformat()}</span></li>\n'
            for a in chunk
        )
        listing = f'<ul class="list">\n{lis}</ul>\n'
    else:
        listing = '<div class="nodata">暂无信息</div>\n'
    pager = ""
    if n_pages > 1:

        def link(k: int) -> str:
            return "index.html" if k == 0 else f"index_{k}.html"

        parts = [f'<a href="{link(0)}">首页</a>']
        if p > 0:
            parts.append(f'<a href="{link(p - 1)}">上一页</a>')
        if p < n_pages - 1:
            parts.append(f'<a href="{link(p + 1)}">下一页</a>')
        parts.append(f'<a href="{link(n_pages - 1)}">尾页</a>')
        parts.append(f"<span>共{n_pages}页　当前第{p + 1}页</span>")
        pager = '<div class="page">' + " ".join(parts) + "</div>\n"
    return (
        w.head(f"{cname}_{w.site.name}", metas)
        + "\n"
        + w.header()
        + '<div class="container">\n'
        + w.crumbs((f"/{key}/index.html", cname))
        + f'<div class="main-content">\n<h2 class="column-title">{cname}</h2>\n'
        + listing
        + pager
        + "</div>\n</div>\n"
        + w.footer()
    )


def _article_page(
    w: _Writer,
    a: _Article,
    cname: str,
    ctype: str,
    images: list[str],
    drop: set[str],
    extra_html: str,
) -> str:
    """One article (~9 KB in UTF-8)."""
    rng = w.rng
    stamp = f"{a.date.isoformat()} {a.minutes // 60:02d}:{a.minutes % 60:02d}"
    source = w.site.name if rng.random() < 0.8 else f"{w.site.name}办公室"
    metas = [
        *w.site_metas(),
        ("ColumnName", cname),
        ("ColumnType", ctype),
        ("ArticleTitle", a.title),
        ("PubDate", stamp),
        ("ContentSource", source),
        ("Keywords", a.topic),
        ("Description", a.title),
    ]
    metas = [(k, v) for k, v in metas if k not in drop]
    paras = w.body(a.topic, rng.randint(1500, 2000))
    body = "".join(f"<p>{p}</p>\n" for p in paras)
    if rng.random() < 0.25:
        pic = rng.choice(images)
        body = (
            f'<p style="text-align:center"><img src="{pic}" alt="{html.escape(a.topic)}" '
            f'width="400" height="300"></p>\n' + body
        )
    return (
        w.head(f"{a.title}_{cname}_{w.site.name}", metas)
        + "\n"
        + w.header()
        + '<div class="container">\n'
        + w.crumbs((f"/{a.path.split('/')[1]}/index.html", cname), (None, "正文"))
        + f'<div class="article">\n<h1>{html.escape(a.title)}</h1>\n'
        f'<div class="info"><span>发布时间：{stamp}</span>　<span>来源：{source}</span>　'
        '<span>【字体：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a> '
        '<a href="javascript:void(0)">小</a>】</span>　'
        '<span>【<a href="javascript:window.print()">打印</a>】</span></div>\n'
        f'<div class="content" id="zoom">\n{body}</div><!--/zoom-->\n'
        + extra_html
        + "</div>\n</div>\n"
        + w.footer()
    )


def _write_static(site: GenSite, images: list[str]) -> None:
    """robots.txt (allow all), the stylesheet and the images."""
    from samplecity.build import png_bytes

    mtime = _stamp(AS_OF - dt.timedelta(days=365))
    files = {
        "robots.txt": b"User-agent: *\nAllow: /\n",
        "css/style.css": _CSS.encode(),
        "images/logo.png": png_bytes(120, 60, (180, 0, 0)),
        "images/gaba.png": png_bytes(20, 20, (200, 160, 0)),
    }
    for k, path in enumerate(images):
        files[path.lstrip("/")] = png_bytes(400, 300, (60 + 40 * k, 120, 200 - 30 * k))
    for rel, data in files.items():
        target = site.dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        os.utime(target, (mtime, mtime))


# Years samplecity.annual has report texts for, newest first.
REPORT_YEARS = (2025, 2024)


def _report_list(site: GenSite, n: int) -> str:
    """Write the site's last `n` 政府信息公开工作年度报告 as PDFs (samplecity.annual: real
    表二/表三/表四, read back by the crawl) and return the HTML list linking them."""
    from samplecity.annual import Report, report_pdf

    if n > len(REPORT_YEARS):
        raise ValueError(f"reports must be at most {len(REPORT_YEARS)}")
    items = []
    for year in REPORT_YEARS[:n]:
        report = Report(site.name, year, 40 + year % 7, 2, 3)
        path = f"/xxgkzn/nb{year}.pdf"
        target = site.dir / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(report_pdf(report))
        published = _stamp(dt.date(year + 1, 1, 20))
        os.utime(target, (published, published))
        site.reports.append(path)
        items.append(f'<li><a href="{path}">{html.escape(report.title)}</a></li>')
    return "<h3>政府信息公开工作年度报告</h3>\n<ul>" + "".join(items) + "</ul>\n"


def _write_attachment(target: Path, ext: str, title: str, topic: str, mtime: float) -> None:
    """A small real PDF (Chinese text layer) or DOCX."""
    from samplecity.build import docx_bytes
    from samplecity.pdf import Table, pdf_document

    lines = [f"{title}", f"{topic}工作情况统计", "本表数据截至上月底，仅供参考。"]
    if ext == "pdf":
        data = pdf_document(
            [
                *lines[1:],
                Table([["项目", "数量", "备注"], ["检查次数", "12", ""], ["整改问题", "35", ""]]),
            ],
            title=lines[0],
        )
    else:
        data = docx_bytes(lines[0], lines[1:])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    os.utime(target, (mtime, mtime))


def generate(
    root: Path, n_sites: int, pages_per_site: int, *, seed: int = 7, reports: int = 0
) -> list[GenSite]:
    """Write n_sites deterministic sites of pages_per_site HTML pages each under root, each
    listing `reports` annual-report PDFs (at most len(REPORT_YEARS); none by default)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    sites = [_generate_site(root, i, pages_per_site, seed, reports) for i in range(n_sites)]
    _save_manifest(root, sites)
    return sites


def _save_manifest(root: Path, sites: list[GenSite]) -> None:
    data = [{**dataclasses.asdict(s), "dir": str(s.dir)} for s in sites]
    (root / MANIFEST).write_text(json.dumps(data, ensure_ascii=False), "utf-8")


def load(root: Path) -> list[GenSite]:
    """Read back the sites a previous `generate` (and `mutate`) wrote under root."""
    data = json.loads((Path(root) / MANIFEST).read_text("utf-8"))
    sites = []
    for d in data:
        d["dir"] = Path(d["dir"])
        d["columns"] = [GenColumn(**c) for c in d["columns"]]
        sites.append(GenSite(**d))
    return sites


# ---------------------------------------------------------------------------------------------
# Recrawl support


def mutate(root: Path, sites: list[GenSite], fraction: float, *, seed: int = 1) -> list[str]:
    """Change `fraction` of each site's articles (content and mtime) and publish one new
    article per site (its column's first list page and the home page change too).

    Returns the changed pages as "SITE_ID:/url/path" (see `changed_urls`). Updates `sites`
    in place (and the manifest under root).
    """
    changed: list[str] = []
    now = time.time()
    for site in sites:
        rng = random.Random(f"{seed}:mutate:{site.id}")
        k = round(len(site.article_paths) * fraction)
        for path in sorted(rng.sample(site.article_paths, k)):
            target = site.dir / path.lstrip("/")
            text = target.read_bytes().decode(site.encoding)
            note = (
                f"<p>（{AS_OF.isoformat()}更新）根据工作进展，现对本文内容作如下补充："
                f"{rng.choice(_SENTENCES).format(topic='有关工作', short=site.name, city=CITY, year=AS_OF.year, n=3, m=12, month=12, day=1)}</p>\n"
            )
            text = text.replace("</div><!--/zoom-->", note + "</div><!--/zoom-->", 1)
            _rewrite(target, text.encode(site.encoding), now)
            changed.append(f"{site.id}:{path}")
        changed += _publish(site, rng, now)
    _save_manifest(Path(root), sites)
    return changed


def _rewrite(target: Path, data: bytes, now: float) -> None:
    """Write a changed file with an mtime surely later than its old one (ETag = mtime-size)."""
    old = target.stat().st_mtime
    target.write_bytes(data)
    stamp = max(now, old + 2)
    os.utime(target, (stamp, stamp))


def _publish(site: GenSite, rng: random.Random, now: float) -> list[str]:
    """Add one new article at the top of a live column's first list page and the home page."""
    col = next((c for c in site.columns if not c.empty and not c.stale), None)
    if col is None:
        return []
    serial = 80000
    path = f"/{col.key}/{AS_OF:%Y%m}/t{_ymd(AS_OF)}_{serial}.html"
    while path in site.article_paths:  # mutate may run more than once
        serial += 1
        path = f"/{col.key}/{AS_OF:%Y%m}/t{_ymd(AS_OF)}_{serial}.html"
    # The new page is a copy of the column's newest article with a new title and date.
    first_list = site.dir / col.key / "index.html"
    list_text = first_list.read_bytes().decode(site.encoding)
    start = list_text.index('<li><a href="', list_text.index('<ul class="list">')) + 13
    model_path = list_text[start : list_text.index('"', start)]
    model = (site.dir / model_path.lstrip("/")).read_bytes().decode(site.encoding)
    topic = rng.choice(_TOPICS)
    title = f"{CITY}{topic}工作最新进展（{AS_OF.month}月）"
    old_title = model.split("<h1>", 1)[1].split("</h1>", 1)[0]
    page = model.replace(html.escape(old_title), html.escape(title)).replace(old_title, title)
    target = site.dir / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(page.encode(site.encoding))
    os.utime(target, (now, now))
    entry = (
        f'<li><a href="{path}" target="_blank" title="{html.escape(title)}">{html.escape(title)}'
        f'</a><span class="date">{AS_OF.isoformat()}</span></li>\n'
    )
    marker = '<ul class="list">\n'
    _rewrite(first_list, list_text.replace(marker, marker + entry, 1).encode(site.encoding), now)
    home = site.dir / "index.html"
    home_text = home.read_bytes().decode(site.encoding)
    block = home_text.index(f'href="/{col.key}/index.html"')
    at = home_text.index(marker, block) + len(marker)
    home_entry = entry.replace(' target="_blank"', "")
    _rewrite(home, (home_text[:at] + home_entry + home_text[at:]).encode(site.encoding), now)
    site.article_paths.append(path)
    site.html_paths.append(path)
    site.html_pages += 1
    col.articles += 1
    return [f"{site.id}:{path}", f"{site.id}:/{col.key}/index.html", f"{site.id}:/"]


def changed_urls(served: Served, changed: list[str]) -> list[str]:
    """Full URLs of `mutate`'s "SITE_ID:/path" entries on a running city."""
    out = []
    for item in changed:
        sid, path = item.split(":", 1)
        out.append(served.bases[sid].rstrip("/") + path)
    return out


# ---------------------------------------------------------------------------------------------
# Serving


@dataclass
class Served:
    """A running city: base URL and port per site, and the server processes."""

    bases: dict[str, str]  # site id -> "http://127.0.0.1:PORT/"
    kind: str  # "nginx" or "python"
    pids: list[int]  # server processes (nginx master and workers; the python server)
    ports: dict[str, int] = field(default_factory=dict)

    def cpu_seconds(self) -> float:
        """User + system CPU the server processes have used so far (from /proc)."""
        return sum(_proc_cpu(pid) for pid in self.pids)


def _proc_cpu(pid: int) -> float:
    """CPU seconds (utime + stime) of a live process; 0 when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """Live child processes of pid."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            out.append(int(entry.name))
    return out


def _free_ports(n: int) -> list[int]:
    """n distinct ports free right now on 127.0.0.1 (held together while picking)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _wait_listening(ports: Sequence[int], proc: subprocess.Popen, timeout: float = 15) -> None:
    """Wait until every port accepts connections; raise if the server died or timed out."""
    deadline = time.monotonic() + timeout
    pending = list(ports)
    while pending:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        port = pending[0]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pending.pop(0)
                continue
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server did not listen on port {port}")
        time.sleep(0.05)


def find_nginx() -> str | None:
    """Path of the nginx binary, if installed."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def ensure_nginx(install: bool = True) -> str | None:
    """Return nginx's path, installing Debian's package first when missing and we are root."""
    found = find_nginx()
    if found or not install or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for attempt in range(2):
        for package in ("nginx-light", "nginx"):
            cmd = ["apt-get", "install", "-y", "--no-install-recommends", package]
            if subprocess.run(cmd, env=env, capture_output=True).returncode == 0:
                return find_nginx()
        if attempt == 0:  # stale package lists: refresh once and try again
            subprocess.run(["apt-get", "update"], env=env, capture_output=True)
    return None


def nginx_conf(tmp: Path, sites: list[GenSite], ports: dict[str, int]) -> str:
    """nginx.conf serving each site's directory on its own 127.0.0.1 port."""
    types = "\n".join(f"    {ctype} {ext.lstrip('.')};" for ext, ctype in _TYPES.items())
    servers = "\n".join(
        f"  server {{\n    listen 127.0.0.1:{ports[s.id]};\n    server_name _;\n"
        f"    root {s.dir.resolve()};\n    index index.html;\n"
        f"    charset {'gbk' if s.encoding == 'gbk' else 'utf-8'};\n  }}"
        for s in sites
    )
    # As root, workers would drop to `nobody`, which cannot read a private temp dir.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"  {name}_temp_path {tmp / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\nmaster_process on;\nworker_processes 1;\n"
        f"pid {tmp / 'nginx.pid'};\nerror_log {tmp / 'error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n"
        f"  types {{\n{types}\n  }}\n"
        "  default_type application/octet-stream;\n"
        "  charset_types text/html text/plain application/javascript;\n"
        "  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  tcp_nodelay on;\n"
        "  keepalive_timeout 65;\n  keepalive_requests 100000;\n"
        "  etag on;\n  if_modified_since exact;\n  server_tokens off;\n"
        f"{temp}\n{servers}\n}}\n"
    )


@contextlib.contextmanager
def _serve_nginx(binary: str, sites: list[GenSite], base_port: int | None) -> Iterator[Served]:
    with tempfile.TemporaryDirectory(prefix="sitegen-nginx-") as tmp_s:
        tmp = Path(tmp_s)
        for attempt in range(3):
            ids = [s.id for s in sites]
            port_list = (
                [base_port + i for i in range(len(sites))] if base_port else _free_ports(len(sites))
            )
            ports = dict(zip(ids, port_list, strict=True))
            conf = tmp / "nginx.conf"
            conf.write_text(nginx_conf(tmp, sites, ports), "utf-8")
            proc = subprocess.Popen(
                [binary, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,  # -e: its messages go to error.log
            )
            try:
                _wait_listening(port_list, proc)
                break
            except RuntimeError as exc:
                _stop(proc)
                log = (tmp / "error.log").read_text("utf-8", "replace")[-2000:]
                if attempt == 2 or base_port:
                    raise RuntimeError(f"nginx failed to start: {exc}\n{log}") from exc
        try:
            deadline = time.monotonic() + 5
            workers = _children(proc.pid)
            while not workers and time.monotonic() < deadline:
                time.sleep(0.05)
                workers = _children(proc.pid)
            yield Served(
                bases={sid: f"http://127.0.0.1:{p}/" for sid, p in ports.items()},
                kind="nginx",
                pids=[proc.pid, *workers],
                ports=ports,
            )
        finally:
            _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """Stop a server process this module started (SIGTERM, then SIGKILL)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


@contextlib.contextmanager
def _serve_python(sites: list[GenSite], base_port: int | None) -> Iterator[Served]:
    with tempfile.TemporaryDirectory(prefix="sitegen-py-") as tmp_s:
        spec = Path(tmp_s) / "spec.json"
        spec.write_text(
            json.dumps(
                [
                    {
                        "id": s.id,
                        "dir": str(s.dir.resolve()),
                        "charset": "gbk" if s.encoding == "gbk" else "utf-8",
                        "port": base_port + i if base_port else 0,
                    }
                    for i, s in enumerate(sites)
                ]
            ),
            "utf-8",
        )
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--serve-python", str(spec)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=None,
            text=True,
        )
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if not line.startswith("READY "):
                raise RuntimeError(f"python server failed to start: {line!r}")
            ports: dict[str, int] = json.loads(line[len("READY ") :])
            yield Served(
                bases={sid: f"http://127.0.0.1:{p}/" for sid, p in ports.items()},
                kind="python",
                pids=[proc.pid],
                ports=ports,
            )
        finally:
            _stop(proc)
            if proc.stdout is not None:
                proc.stdout.close()


@contextlib.contextmanager
def serve(
    root: Path,
    sites: list[GenSite],
    *,
    prefer_nginx: bool = True,
    base_port: int | None = None,
    install_nginx: bool = True,
) -> Iterator[Served]:
    """Serve the sites on 127.0.0.1, one port each: nginx when available (installed from
    Debian's package if missing, when we are root and `install_nginx`), else the bundled server."""
    binary = ensure_nginx(install_nginx) if prefer_nginx else None
    with contextlib.ExitStack() as stack:
        served = None
        if binary:
            try:
                served = stack.enter_context(_serve_nginx(binary, sites, base_port))
            except RuntimeError as exc:
                print(f"sitegen: nginx 启动失败，改用内置服务器：{exc}", file=sys.stderr)
        if served is None:
            served = stack.enter_context(_serve_python(sites, base_port))
        yield served


# -- the bundled server (runs in its own process: `sitegen.py --serve-python SPEC`) ------------


class _StaticServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, port: int, root: Path, charset: str) -> None:
        super().__init__(("127.0.0.1", port), _StaticHandler)
        self.root = root
        self.charset = charset


_NOT_FOUND = (
    b"<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1>"
    b"</center></body></html>\n"
)


class _StaticHandler(BaseHTTPRequestHandler):
    """Static files with ETag/Last-Modified and 304 answers, as nginx serves them."""

    server: _StaticServer
    protocol_version = "HTTP/1.1"
    server_version = "sitegen"

    def version_string(self) -> str:
        """The Server header: no Python version."""
        return self.server_version

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        """Answer GET."""
        self._answer(True)

    def do_HEAD(self) -> None:  # noqa: N802 (stdlib naming)
        """Answer HEAD."""
        self._answer(False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet."""

    def _send(self, code: int, headers: dict[str, str], body: bytes, with_body: bool) -> None:
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body and body:
            self.wfile.write(body)

    def _answer(self, with_body: bool) -> None:
        root = self.server.root
        path = unquote(urlsplit(self.path).path)
        target = (root / path.lstrip("/")).resolve()
        if target.is_dir() and target.is_relative_to(root):
            if not path.endswith("/"):
                port = self.server.server_address[1]
                self._send(301, {"Location": f"http://127.0.0.1:{port}{path}/"}, b"", with_body)
                return
            target = target / "index.html"
        if not target.is_relative_to(root) or not target.is_file():
            self._send(404, {"Content-Type": "text/html"}, _NOT_FOUND, with_body)
            return
        st = target.stat()
        mtime = int(st.st_mtime)
        etag = f'"{mtime:x}-{st.st_size:x}"'
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        suffix = target.suffix.lower()
        ctype = _TYPES.get(suffix, "application/octet-stream")
        if suffix in _CHARSET_TYPES:
            ctype += f"; charset={self.server.charset}"
        headers = {"Content-Type": ctype, "Last-Modified": last_modified, "ETag": etag}
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if inm is not None:
            fresh = etag in (t.strip() for t in inm.split(",")) or inm.strip() == "*"
        elif ims is not None:
            try:
                fresh = email.utils.parsedate_to_datetime(ims).timestamp() >= mtime
            except (TypeError, ValueError):
                fresh = False
        else:
            fresh = False
        if fresh:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", last_modified)
            self.end_headers()
            return
        self.send_response(200)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(st.st_size))  # HEAD too, as nginx does
        self.end_headers()
        if with_body:
            self.wfile.write(target.read_bytes())


def _python_server_main(spec_file: str) -> int:
    """Run the bundled server for every site of the spec until SIGTERM."""
    spec = json.loads(Path(spec_file).read_text("utf-8"))
    servers = [_StaticServer(s["port"], Path(s["dir"]), s["charset"]) for s in spec]
    for srv in servers:
        threading.Thread(
            target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
        ).start()
    ports = {s["id"]: srv.server_address[1] for s, srv in zip(spec, servers, strict=True)}
    print("READY " + json.dumps(ports), flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    return 0


# ---------------------------------------------------------------------------------------------
# gongkai config


def write_config(
    config_dir: Path,
    served: Served,
    sites: list[GenSite],
    *,
    delay: float = 0.0,
    per_host: int = 8,
    total: int = 32,
    max_pages: int | None = None,
    delay_jitter: float | None = None,
    timeout: float = 10,
    rules: bool = True,
) -> Path:
    """Write a gongkai config directory (sites.yaml, settings.yaml, rules) for the served city."""
    config_dir = Path(config_dir)
    config_dir.mkdir(parents=True, exist_ok=True)
    if max_pages is None:  # room for every page, the 404 targets and pages mutate adds
        max_pages = max((s.html_pages + len(s.broken) for s in sites), default=0) * 2 + 100
    lines = [
        f"# 基准测试合成站点（bench/sitegen.py），检查日期（as_of）：{AS_OF.isoformat()}",
        "sites:",
    ]
    for s in sites:
        lines += [
            f"  - id: {s.id}",
            f"    name: {s.name}",
            "    kind: department",
            "    start_urls:",
            f"      - {served.bases[s.id]}",
        ]
    (config_dir / "sites.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    crawl = [
        "crawl:",
        f"  delay: {delay}",
        "  autothrottle: false",
        f"  concurrency_per_host: {per_host}",
        f"  concurrency_total: {total}",
        f"  max_pages: {max_pages}",
        f"  timeout: {timeout}",
        "  obey_robots: true",
    ]
    if delay_jitter is not None:
        crawl.append(f"  delay_jitter: {delay_jitter}")
    (config_dir / "settings.yaml").write_text(
        "# 合成站点的抓取设置（bench/sitegen.py 生成）。\n" + "\n".join(crawl) + "\n", "utf-8"
    )
    (config_dir / "rules").mkdir(exist_ok=True)  # required, even for a crawl-only config
    if rules:
        for sub in ("rules", "frameworks", "lexicons"):
            src = REPO / "config" / sub
            if src.is_dir():
                shutil.copytree(src, config_dir / sub, dirs_exist_ok=True)
    return config_dir


# ---------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Generate a synthetic city, optionally serve it until Ctrl-C."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--serve-python"]:
        return _python_server_main(argv[1])
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sites", type=int, default=3)
    parser.add_argument("--pages", type=int, default=100, help="HTML pages per site")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--serve", action="store_true", help="serve the sites until Ctrl-C")
    parser.add_argument("--python", action="store_true", help="bundled server, not nginx")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    sites = generate(args.out, args.sites, args.pages, seed=args.seed)
    total = sum(s.html_pages for s in sites)
    mb = sum(s.html_bytes for s in sites) / 1e6
    print(
        f"已生成 {len(sites)} 个站点、{total} 个网页（{mb:.1f} MB），用时 {time.perf_counter() - t0:.1f} 秒：{args.out}"
    )
    if not args.serve:
        return 0
    with serve(args.out, sites, prefer_nginx=not args.python) as served:
        print(f"服务器：{served.kind}，按 Ctrl-C 停止：")
        for s in sites:
            print(f"  {s.id} {served.bases[s.id]} {s.name}（{s.encoding}）")
        sys.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\n已停止。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
