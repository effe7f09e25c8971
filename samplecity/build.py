"""Generate the sample city's static sites (samplecity/sites/) from the specs in samplecity.spec.

Run `python -m samplecity.build` after editing samplecity/spec.py; the generated files are
committed, so serving and testing never depend on this script. Output is deterministic.
"""

from __future__ import annotations

import datetime as dt
import html
import shutil
import struct
import sys
import zipfile
import zlib
from pathlib import Path

from samplecity import ROOT
from samplecity.annual import report_docx_parts, report_html, report_pdf
from samplecity.pdf import pdf_document
from samplecity.spec import SITES, Art, Col, Site

SITES_DIR = ROOT / "sites"
FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
ON = ' class="on"'

PAGE_JS = """\
/* TRS WCM pager: writes the page links of a list rendered as index.html, index_1.html ... */
function createPageHTML(count, current, name, ext) {
  if (count <= 1) { return; }
  var html = "";
  var link = function (i) { return i === 0 ? name + "." + ext : name + "_" + i + "." + ext; };
  html += "<a href='" + link(0) + "'>首页</a> ";
  if (current > 0) { html += "<a href='" + link(current - 1) + "'>上一页</a> "; }
  if (current < count - 1) { html += "<a href='" + link(current + 1) + "'>下一页</a> "; }
  html += "<a href='" + link(count - 1) + "'>尾页</a> 共" + count + "页";
  document.write(html);
}
"""

STYLE_CSS = """\
body{margin:0;font:14px/1.8 "Microsoft YaHei",SimSun,sans-serif;color:#333;background:#f5f5f5}
a{color:#333;text-decoration:none}a:hover{color:#c00}
.header{background:#b71c1c;color:#fff;padding:12px 40px}.header img{vertical-align:middle}
.nav{background:#8e1414}.nav a{display:inline-block;color:#fff;padding:8px 18px}
.container{width:1100px;margin:0 auto;background:#fff;padding:16px 24px}
.location{color:#666;border-bottom:1px solid #ddd;padding:6px 0}
.list li{list-style:none;border-bottom:1px dashed #ddd;padding:4px 0}
.list li span{float:right;color:#888}.pagination{text-align:center;padding:12px}
.footer{background:#eee;color:#666;text-align:center;padding:16px;font-size:12px}
"""


def esc(text: str) -> str:
    """Escape text for HTML."""
    return html.escape(text, quote=True)


# --- small but valid binary files -----------------------------------------------------------


def png_bytes(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """Return a solid-colour PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(title: str) -> bytes:
    """Return a one-page PDF whose text is an ASCII caption (no CJK font needed)."""
    text = f"Shili City sample document: {title}".replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _zip(parts: dict[str, str]) -> bytes:
    """Return a deterministic zip archive of text parts."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return buf.getvalue()


def docx_bytes(title: str, paras: list[str]) -> bytes:
    """Return a minimal Word document with a title and paragraphs."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{esc(p)}</w:t></w:r></w:p>' for p in [title, *paras]
    )
    ns = "http://schemas.openxmlformats.org"
    return _zip(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<Types xmlns="{ns}/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/word/document.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
            ),
            "_rels/.rels": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<Relationships xmlns="{ns}/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument"'
                ' Target="word/document.xml"/></Relationships>'
            ),
            "word/document.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                f'<w:document xmlns:w="{ns}/wordprocessingml/2006/main"><w:body>{body}'
                "</w:body></w:document>"
            ),
        }
    )


def xls_bytes(title: str, rows: list[list[str]]) -> bytes:
    """Return an Excel 2003 XML spreadsheet (opens as .xls in Excel and WPS)."""
    cells = "".join(
        "<Row>"
        + "".join(f'<Cell><Data ss:Type="String">{esc(c)}</Data></Cell>' for c in r)
        + "</Row>"
        for r in [[title], *rows]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        f'<Worksheet ss:Name="Sheet1"><Table>{cells}</Table></Worksheet></Workbook>\n'
    ).encode()


def attachment_bytes(name: str, label: str) -> bytes:
    """Return file content for an attachment by its extension."""
    ext = name.rsplit(".", 1)[-1].lower()
    if ext == "pdf":
        return pdf_bytes(name)
    if ext == "docx":
        return docx_bytes(label, ["示例市示例文件，仅供演示。"])
    if ext == "xls":
        return xls_bytes(label, [["项目", "数值"], ["示例", "1"]])
    if ext == "png":
        return png_bytes(64, 40, (200, 200, 200))
    raise ValueError(f"unsupported attachment type: {name}")


# --- page rendering ---------------------------------------------------------------------------


class Writer:
    """Render one site's pages into files under its directory."""

    def __init__(self, site: Site, out: Path) -> None:
        self.site = site
        self.out = out
        self.files: dict[str, bytes] = {}

    def put(self, path: str, data: bytes) -> None:
        """Record one output file (path relative to the site root, no leading slash)."""
        if path in self.files:
            raise ValueError(f"{self.site.id}: {path} written twice")
        self.files[path] = data

    def put_html(self, path: str, text: str) -> None:
        """Record an HTML page in the site's encoding (strict: unencodable text is an error)."""
        self.put(path, text.encode(self.site.encoding))

    # -- building blocks --

    def head(self, title: str, metas: list[tuple[str, str]]) -> str:
        s = self.site
        charset = {
            "meta": f'<meta charset="{s.encoding}">',
            "http-equiv": f'<meta http-equiv="Content-Type" content="text/html; charset={s.encoding}">',
            None: "",
        }[s.charset_decl]
        idcode = s.meta_idcode or s.idcode
        all_metas = [("SiteName", s.name), ("SiteDomain", s.domain), ("SiteIDCode", idcode)]
        all_metas += metas
        lines = [
            "<!DOCTYPE html>",
            '<html lang="zh-CN">',
            "<head>",
            charset,
            '<meta http-equiv="X-UA-Compatible" content="IE=edge">',
            *(f'<meta name="{k}" content="{esc(v)}">' for k, v in all_metas),
            f"<title>{esc(title)}</title>",
            '<link rel="stylesheet" href="/css/style.css">',
            '<script src="/js/page.js"></script>',
            "</head>",
        ]
        return "\n".join(x for x in lines if x)

    def header(self) -> str:
        s = self.site
        nav = "".join(f'<li><a href="{h}">{esc(t)}</a></li>' for t, h in s.nav)
        return (
            '<div class="header">'
            f'<a href="/"><img src="/images/logo.png" alt="{esc(s.name)}" width="60" height="60"></a>'
            f' <span class="site-title">{esc(s.name)}</span></div>\n'
            f'<div class="nav"><ul>{nav}</ul></div>'
        )

    def footer(self) -> str:
        s = self.site
        return (
            '<div class="footer">'
            f"<p>主办单位：{esc(s.host_org)}　地址：{esc(s.address)}　联系电话：{esc(s.phone)}"
            f'　<a href="mailto:{s.email}">联系我们</a></p>'
            f"<p>网站标识码：{s.idcode}　{'　'.join(esc(x) for x in (s.icp, s.police) if x)}</p>"
            "</div>\n</body>\n</html>\n"
        )

    def crumbs(self, trail: list[tuple[str, str]]) -> str:
        links = ['<a href="/">首页</a>'] + [f'<a href="{h}">{esc(t)}</a>' for t, h in trail]
        return f'<div class="location">当前位置：{" &gt; ".join(links)}</div>'

    def sidebar(self, col: Col) -> str:
        if not col.side:
            return ""
        items = "".join(
            f'<li{ON if h == col.url else ""}><a href="{h}">{esc(t)}</a></li>' for t, h in col.side
        )
        return f'<div class="sidebar"><h3>{esc(col.side_title)}</h3><ul>{items}</ul></div>'

    def entry_li(self, art: Art, style: str) -> str:
        title = esc(art.title)
        href = art.url
        if art.date is None:
            return f'<li><a href="{href}" title="{title}">{title}</a></li>'
        d = art.date.isoformat()
        if style == "bracket":
            return f'<li><a href="{href}" title="{title}">{title}</a><span>[{d}]</span></li>'
        if style == "cn":
            cn = f"{art.date.year}年{art.date.month:02d}月{art.date.day:02d}日"
            return f'<li><span class="date">{cn}</span><a href="{href}" title="{title}">{title}</a></li>'
        return f'<li><a href="{href}" title="{title}">{title}</a><span class="date">{d}</span></li>'

    # -- pages --

    def list_pages(self, col: Col) -> None:
        s = self.site
        entries = col.entries()
        pages = [entries[i : i + col.per_page] for i in range(0, len(entries), col.per_page)] or [
            []
        ]
        count = len(pages)
        for n, chunk in enumerate(pages):
            path = col.page_path(n)
            metas = [
                ("ColumnName", col.name),
                ("ColumnDescription", col.desc or f"{s.name}{col.name}"),
                ("ColumnKeywords", col.name),
                ("ColumnType", col.ctype),
            ]
            if col.placeholder:
                items = '<li class="empty">暂无信息</li>'
            else:
                items = "\n".join(self.entry_li(a, s.list_style) for a in chunk)
            listing = f'<ul class="list">\n{items}\n</ul>'
            if any(a.msg is not None for a in chunk):
                listing = self.mailbox_table(chunk)
            pager = ""
            if count > 1 and col.paging == "trs":
                pager = f'<script>createPageHTML({count}, {n}, "index", "html");</script>'
            elif count > 1 and col.paging == "next":
                links = ['<a href="index.html">首页</a>']
                if n > 0:
                    links.append(f'<a href="{col.page_name(n - 1)}">上一页</a>')
                if n < count - 1:
                    links.append(f'<a href="{col.page_name(n + 1)}">下一页</a>')
                links.append(f'<a href="{col.page_name(count - 1)}">尾页</a>')
                pager = " ".join(links) + f" 共{len(entries)}条 第{n + 1}/{count}页"
            elif count > 1:
                raise ValueError(f"{s.id}: column {col.name} needs a paging convention")
            grid = ""
            if col.grid:
                grid = '<div class="catalog"><ul class="catalog-grid">' + "".join(
                    f'<li><a href="{h}">{esc(t)}</a></li>' for t, h in col.grid
                )
                grid += "</ul></div>\n"
                if entries:
                    grid += f"<h3>{esc(col.latest_title)}</h3>\n"
            body = [
                self.head(f"{col.name}_{s.name}", metas),
                "<body>",
                self.header(),
                '<div class="container">',
                self.crumbs(col.trail),
                self.sidebar(col),
                '<div class="main-content">',
                f'<h2 class="column-title">{esc(col.name)}</h2>',
                grid + listing,
                f'<div class="pagination">{pager}</div>' if pager else "",
                "</div>",
                "</div>",
                self.footer(),
            ]
            self.put_html(path, "\n".join(x for x in body if x))

    def mailbox_table(self, arts: list[Art]) -> str:
        """Render 信箱 messages as the usual table: 标题 | 来信时间 | 办理状态 | 答复单位."""
        rows = []
        for a in arts:
            assert a.msg is not None and a.date is not None
            rows.append(
                f'<tr><td><a href="{a.url}">{esc(a.title)}</a></td><td>{a.date.isoformat()}</td>'
                f"<td>{esc(a.msg.status)}</td><td>{esc(a.msg.unit or '')}</td></tr>"
            )
        return (
            '<table class="mailbox"><tr><th>标题</th><th>来信时间</th><th>办理状态</th>'
            "<th>答复单位</th></tr>\n" + "\n".join(rows) + "\n</table>"
        )

    def article_page(self, art: Art) -> None:
        s = self.site
        col = art.col
        assert col is not None
        metas = [
            ("ColumnName", col.name),
            ("ColumnType", col.ctype),
            ("ArticleTitle", art.title),
            (
                "PubDate",
                f"{(art.meta_date or art.date).isoformat()} {art.time}" if art.date else "",
            ),
            ("ContentSource", art.source or s.name),
            ("Keywords", col.name),
            ("Description", art.title),
        ]
        metas = [(k, v) for k, v in metas if k not in col.omit_metas]
        info = []
        if art.date is not None:
            shown = art.date.isoformat()
            if s.cn_dates:
                shown = f"{art.date.year}年{art.date.month:02d}月{art.date.day:02d}日"
            info.append(
                f"<span>{s.date_label}：{shown} {art.time if not s.cn_dates else ''}</span>"
            )
        info.append(f"<span>来源：{esc(art.source or s.name)}</span>")
        info.append('<span>【<a href="javascript:window.print()">打印</a>】</span>')
        table = ""
        if art.doc_no and art.date is not None:
            signed = art.written or art.date - dt.timedelta(days=3)
            table = (
                '<table class="xxgk-table"><tr>'
                f"<td>索引号：</td><td>{s.index_prefix}/{art.date.year}-{art.seq:05d}</td>"
                f"<td>发布机构：</td><td>{esc(s.name)}</td></tr><tr>"
                f"<td>成文日期：</td><td>{signed.isoformat()}</td>"
                f"<td>发布日期：</td><td>{art.date.isoformat()}</td></tr><tr>"
                f"<td>文号：</td><td>{esc(art.doc_no)}</td>"
                f"<td>主题分类：</td><td>{esc(col.name)}</td></tr></table>"
            )
        paras = art.paras or default_paras(s, art)
        content = "\n".join(f"<p>{esc(p)}</p>" for p in paras)
        if art.report is not None:
            content = report_html(art.report)
        if art.msg is not None and art.date is not None:
            m = art.msg
            lines = [
                f"来信标题：{art.title}",
                f"来信时间：{art.date.isoformat()}",
                f"留言内容：{m.question}",
                f"办理状态：{m.status}",
            ]
            if m.replied is not None:
                lines += [
                    f"答复单位：{m.unit}",
                    f"答复时间：{m.replied.isoformat()}",
                    f"答复内容：{m.answer}",
                ]
            content = "\n".join(f"<p>{esc(x)}</p>" for x in lines)
        if art.image:
            content += (
                f'\n<p style="text-align:center"><img src="{art.image}" alt="{esc(art.title)}"'
                ' width="480" height="300"></p>'
            )
        for text, href in art.links:
            content += f'\n<p>相关链接：<a href="{href}">{esc(text)}</a></p>'
        for other in art.related:
            content += f'\n<p>相关链接：<a href="{other.url}">{esc(other.title)}</a></p>'
        if art.attachments:
            atts = "".join(
                f'<li>附件{i}：<a href="{a.href}">{esc(a.label)}</a></li>'
                for i, a in enumerate(art.attachments, 1)
            )
            content += f'\n<div class="attachments"><ul>{atts}</ul></div>'
        if art.signature:
            content += f'\n<p style="text-align:right">{esc(art.signature)}</p>'
        body = [
            self.head(f"{art.title}_{col.name}_{s.name}", metas),
            "<body>",
            self.header(),
            '<div class="container">',
            self.crumbs(col.trail),
            '<div class="article">',
            table,
            f"<h1>{esc(art.title)}</h1>",
            f'<div class="info">{"　".join(info)}</div>',
            f'<div class="content" id="zoom">\n{content}\n</div>',
            "</div>",
            "</div>",
            self.footer(),
        ]
        self.put_html(art.page_file, "\n".join(x for x in body if x))

    def home_page(self) -> None:
        s = self.site
        blocks = []
        for title, col, n in s.home_lists:
            items = "\n".join(self.entry_li(a, s.list_style) for a in col.entries()[:n])
            blocks.append(
                f'<div class="home-block"><div class="block-hd"><h3>{esc(title)}</h3>'
                f'<a class="more" href="{col.url}">更多</a></div>'
                f'<ul class="list">\n{items}\n</ul></div>'
            )
        for title, links in s.home_links:
            items = "".join(f'<li><a href="{h}">{esc(t)}</a></li>' for t, h in links)
            blocks.append(
                f'<div class="home-block"><div class="block-hd"><h3>{esc(title)}</h3></div>'
                f'<ul class="entrance">{items}</ul></div>'
            )
        banner = "".join(
            f'<a href="{h}"><img src="{src}" alt="{esc(alt)}" width="1100" height="120"></a>'
            for src, alt, h in s.banners
        )
        body = [
            self.head(s.name, []),
            "<body>",
            self.header(),
            '<div class="container">',
            f'<div class="banner">{banner}</div>' if banner else "",
            *blocks,
            s.home_extra,
            "</div>",
            self.footer(),
        ]
        self.put_html("index.html", "\n".join(x for x in body if x))

    def build(self) -> None:
        """Render every page and asset of the site."""
        s = self.site
        self.home_page()
        for col in s.cols:
            if col.single is not None:
                continue
            self.list_pages(col)
        for col in s.cols:
            for art in col.own:
                if art.file is None:
                    self.article_page(art)
                for att in art.attachments:
                    if att.missing:
                        continue
                    if att.report is not None and att.href.endswith(".pdf"):
                        data = report_pdf(att.report)
                    elif att.report is not None:
                        data = _zip(report_docx_parts(att.report))
                    elif att.pdf is not None:
                        data = pdf_document(att.pdf, title=att.label)
                    else:
                        data = attachment_bytes(att.href, att.label)
                    self.put(att.href.lstrip("/"), data)
                if art.file is not None and not art.file_missing:
                    self.put(art.url.lstrip("/"), attachment_bytes(art.url, art.title))
                if art.image and not art.image_missing:
                    self.put(art.image.lstrip("/"), png_bytes(96, 60, (120, 160, 200)))
        for src, _alt, _href in s.banners:
            if src not in s.missing_images:
                self.put(src.lstrip("/"), png_bytes(220, 24, (183, 28, 28)))
        self.put("images/logo.png", png_bytes(60, 60, (183, 28, 28)))
        self.put("css/style.css", STYLE_CSS.encode())
        self.put("js/page.js", PAGE_JS.encode())
        self.put("robots.txt", ROBOTS.encode())
        self.put("favicon.ico", png_bytes(16, 16, (183, 28, 28)))

    def write(self) -> None:
        """Write the recorded files to disk."""
        for rel, data in sorted(self.files.items()):
            path = self.out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


ROBOTS = """\
User-agent: *
Disallow: /admin/
Disallow: /manage/
"""


def default_paras(site: Site, art: Art) -> list[str]:
    """Return a plausible body for an article without its own text, by kind of column."""
    day = art.date
    when = f"{day.month}月{day.day}日" if day is not None else "近日"
    ctype = art.col.ctype if art.col is not None else ""
    if ctype == "动态要闻":
        return [
            f"{when}，{art.title}。",
            f"据了解，这是{site.short}落实年度重点工作任务的一项具体举措。下一步，{site.short}将进一步"
            "压实责任、细化措施，推动各项工作落地见效。",
        ]
    if ctype == "通知公告":
        signed = f"{day.year}年{day.month}月{day.day}日" if day is not None else ""
        return [
            "各有关单位：",
            "根据工作安排，现将有关事项通知如下：一、提高认识，加强组织领导；二、明确任务，"
            "按时报送材料；三、强化督导，确保工作实效。",
            "联系人及电话详见本网站“联系我们”。",
            f"{site.host_org}　{signed}",
        ]
    cited = art.title.replace("《", "〈").replace("》", "〉")
    return [
        f"{when}，{site.short}公开发布《{cited}》。",
        f"{site.short}认真落实《中华人民共和国政府信息公开条例》有关要求，及时、准确公开相关信息，"
        "主动接受社会监督。",
        "如有疑问，请在工作日上午9:00—12:00、下午14:00—17:30通过本网站公布的联系电话咨询。",
    ]


def build(out: Path = SITES_DIR) -> dict[str, int]:
    """Regenerate every site under out; return the number of files per site."""
    counts = {}
    if out.exists():
        shutil.rmtree(out)
    for site in SITES:
        site.finalize()
        w = Writer(site, out / site.id)
        w.build()
        w.write()
        counts[site.id] = len(w.files)
    return counts


def main() -> int:
    """Regenerate samplecity/sites and print a summary."""
    counts = build()
    for sid, n in counts.items():
        print(f"{sid:10s} {n:4d} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
