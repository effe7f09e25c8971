"""Pure HTML extraction for government sites: encoding, metas, title, publish date, column, entries.

No Scrapy import: the spider and `gongkai extract` both call `decode_html` and `analyse`. Parsing
uses lxml only (one parse per page, one walk over the tree) because this runs on every page.

Encoding names reported: 'utf-8', 'gb18030' (for every GB2312/GBK/GB18030 page: gb18030 is the
superset, so GB2312 declarations are decoded with it), 'utf-16', otherwise Python's codec name.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from itertools import chain
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree

from crawlers import privacy
from crawlers.catalogue_meta import has_catalogue, read_catalogue
from crawlers.guide import is_guide_title, parse_guide
from crawlers.hidden import HiddenLinks
from crawlers.interaction import has_interaction, read_interaction
from crawlers.items import DateCandidate, EntryOut, LinkOut
from crawlers.notices import is_notice_title, parse_notice

__all__ = [
    "PageAnalysis",
    "analyse",
    "clean_title",
    "decode_html",
    "find_dates",
    "link_kind",
    "parse_date",
]


@dataclass
class PageAnalysis:
    """What one HTML page says about itself, as a reader sees it."""

    encoding: str
    page_type: str = "other"  # home | list | article | other
    title: str | None = None
    pub_date: str | None = None  # ISO YYYY-MM-DD
    date_source: str | None = None  # visible | meta | list | url
    date_candidates: list[DateCandidate] = field(default_factory=list)
    column: str | None = None
    column_source: str | None = None  # meta | breadcrumb | heading | title
    metas: dict[str, str] = field(default_factory=dict)
    links: list[LinkOut] = field(default_factory=list)
    entries: list[EntryOut] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    text_snippet: str | None = None
    # The whole main text (the text the snippet is cut from), personal numbers masked, at most
    # BODY_TEXT_MAX_CHARS: stored compressed for body-text checks (term_forbidden, issue 3).
    body_text: str | None = None
    placeholder: bool = False
    # Personal numbers (身份证号, 手机号, 银行卡号) in the main text, masked: privacy.PrivacyHit JSON.
    privacy: list[dict[str, Any]] = field(default_factory=list)
    # What the footer shows (国办发〔2017〕47号): site_id_code, icp, psb, sponsor, conac (badge URL).
    footer: dict[str, str] = field(default_factory=dict)
    # The 信息公开目录 metadata block (条例第十二条), crawlers.catalogue_meta.FIELDS keys.
    catalogue: dict[str, str] = field(default_factory=dict)
    # Read from the main text only for titles that call for it, so the hot path stays cheap:
    # an outage notice (crawlers.notices.parse_notice) and a 信息公开指南 (crawlers.guide).
    notice: dict[str, Any] | None = None
    guide: dict[str, Any] | None = None
    # A 留言/信箱 page's messages (crawlers.interaction.read_interaction), read only when the
    # HTML shows a reply status or label; None on every other page.
    interaction: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (for `gongkai extract`)."""
        return asdict(self)


# Main text kept per page for body-text checks; longer text (a page of huge tables) is cut.
BODY_TEXT_MAX_CHARS = 100_000


# ---------------------------------------------------------------------------------------------
# Encoding

_GB_CODECS = {"gb2312", "gbk", "gb18030", "cp936", "euc_cn", "x-gbk", "gb_2312-80"}
_LATIN_CODECS = {"latin-1", "iso8859-1", "cp1252", "ascii", "iso8859-15"}
_CJK_CHAR_RE = re.compile(r"[\u4e00-\u9fff]")
_META_CHARSET_RE = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:\-]+)""", re.I)


def _codec_name(label: str | None) -> str | None:
    """Return the normalised Python codec name for a charset label, or None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in ("unicode", "utf-16", "utf16", "ucs-2", "utf-16le", "utf-16be"):
        # WHATWG encoding sniffing: a UTF-16 declaration without a BOM means UTF-8.
        return "utf-8"
    if label in ("x-gbk", "gb_2312-80", "gb2312-80"):
        return "gb18030"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    if name in _GB_CODECS or name.replace("-", "_") in _GB_CODECS:
        return "gb18030"
    return name


def _strict(body: bytes, codec: str) -> str | None:
    """Decode strictly, or None when the bytes are not valid in that codec."""
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(body: bytes, header_encoding: str | None = None) -> tuple[str, str]:
    """Decode an HTML body: BOM, then HTTP charset, then <meta> charset, checked on the bytes."""
    if not body:
        return "", "utf-8"
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace"), "utf-8"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", "replace"), "utf-16"
    utf8 = _strict(body, "utf-8")
    m = _META_CHARSET_RE.search(body, 0, 16384)
    declared = [header_encoding, m.group(1).decode("ascii", "ignore") if m else None]
    for label in declared:
        codec = _codec_name(label)
        if codec is None:
            continue
        if codec != "utf-8" and utf8 is not None and not body.isascii():
            # Valid UTF-8 with non-ASCII bytes is practically never GBK/Latin text: sites that
            # declare GB2312 but serve UTF-8 are common, and gb18030 would decode them to junk.
            return utf8, "utf-8"
        text = utf8 if codec == "utf-8" else _strict(body, codec)
        if text is not None and codec in _LATIN_CODECS and not body.isascii():
            # Latin-1 decodes any bytes; a Chinese page mislabelled that way is really GBK.
            gb = _strict(body, "gb18030")
            if gb is not None and _CJK_CHAR_RE.search(gb):
                return gb, "gb18030"
        if text is not None:
            return text, codec
    if utf8 is not None:
        return utf8, "utf-8"
    # Undeclared or wrongly declared non-UTF-8 bytes: on Chinese government sites that is GBK
    # far more often than anything else, so try the GB superset before guessing.
    text = _strict(body, "gb18030")
    if text is not None:
        return text, "gb18030"
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body).best()
    except Exception:  # noqa: BLE001 - detection is best effort
        best = None
    if best is not None and best.encoding:
        codec = _codec_name(best.encoding) or "utf-8"
        return body.decode(codec, "replace"), codec
    return body.decode("gb18030", "replace"), "gb18030"


# ---------------------------------------------------------------------------------------------
# Dates

# Full-width digits and separators, odd colons (U+2236 in 10∶08) and the ideographic space.
_FW_TABLE = {0xFF10 + i: 0x30 + i for i in range(10)}
_FW_TABLE.update(
    {
        0xFF1A: ":",
        0x2236: ":",
        0xFE55: ":",
        0xFF0D: "-",
        0x2010: "-",
        0x2011: "-",
        0x2013: "-",
        0xFF0F: "/",
        0xFF0E: ".",
        0x3000: " ",
        0xA0: " ",
        0xFF3B: "[",
        0xFF3D: "]",
        0xFF08: "(",
        0xFF09: ")",
        0x3010: "[",
        0x3011: "]",
    }
)


# The characters _FW_TABLE maps: most text has none, and str.translate with a dict looks up
# every character, so _norm only translates text the (C-speed) search finds them in (issue 7).
_FW_CHARS_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_FW_TABLE)) + "]")


def _norm(s: str) -> str:
    """Normalise full-width digits/separators so one set of patterns reads every date."""
    return s.translate(_FW_TABLE) if _FW_CHARS_RE.search(s) else s


def _collapse(s: str) -> str:
    """Collapse runs of whitespace (including full-width spaces) to one space."""
    return " ".join(s.split())


_FULL_DATE_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:年|[-/.])\s*(\d{1,2})\s*(?:月|[-/.])\s*(\d{1,2})(?!\d)\s*日?"
    r"(?:\s*(\d{1,2})\s*(?::|时)\s*(\d{1,2})(?!\d)(?:\s*分)?(?::\d{1,2}(?!\d)|\s*\d{1,2}\s*秒)?)?"
)
# Month-day without a year ([06-03], 06-03, 6月3日): the year comes from context.
_SHORT_DATE_RE = re.compile(
    r"(?<![\d.\-/:年])(?:(0[1-9]|1[0-2])[-/.](0[1-9]|[12]\d|3[01])"
    r"|(1[0-2]|0?[1-9])月([12]\d|3[01]|0?[1-9])日)"
    r"(?![\d\-/.:月])"
)
_TODAY_WORD_RE = re.compile(r"今天|今日|星期|当前时间|现在时间|北京时间")
_TODAY_RE = re.compile(r"(今天是|今日|今天|当前时间|现在时间|北京时间|星期|当前日期)\s*[:：]?\s*$")


def _mkdate(y: int, m: int, d: int) -> dt.date | None:
    """Return the date, or None when impossible (month 13) or outside 1990-2100."""
    if not 1990 <= y <= 2100:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _iso(match: re.Match[str]) -> str | None:
    """ISO text of a _FULL_DATE_RE match, with THH:MM when a valid time is shown."""
    day = _mkdate(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if day is None:
        return None
    if match.group(4) is not None:
        hh, mm = int(match.group(4)), int(match.group(5))
        if hh < 24 and mm < 60:
            return f"{day.isoformat()}T{hh:02d}:{mm:02d}"
    return day.isoformat()


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """Return (start, end, iso) for every valid full date in already-normalised text."""
    out = []
    for m in _FULL_DATE_RE.finditer(text):
        iso = _iso(m)
        if iso:
            out.append((m.start(), m.end(), iso))
    return out


def parse_date(value: str | None) -> str | None:
    """Return the first valid date in a string as ISO (with THH:MM when a time is given)."""
    if not value:
        return None
    found = find_dates(_norm(value))
    return found[0][2] if found else None


_URL_DATE_RES = [
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d"),
    re.compile(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})/(\d{2})(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})/(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})/(\d{2})-(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),
    re.compile(r"[/_]((?:19|20)\d{2})(\d{2})(\d{2})[_\-]?\d*\.s?html?$"),
]


def _url_date(url: str) -> str | None:
    """Date written in a URL path (/t20240105_1.html, /2024-01/05/, /2024/0105/)."""
    path = urlsplit(url).path
    for rx in _URL_DATE_RES:
        m = rx.search(path)
        if m:
            day = _mkdate(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if day:
                return day.isoformat()
    return None


# Labels of a publish-date line and how much they say "published" (lower rank wins).
_LABELS = {
    "发布时间": 0,
    "发布日期": 0,
    "发表时间": 0,
    "发表日期": 0,
    "发稿时间": 0,
    "公开日期": 0,
    "公开时间": 0,
    "时间发布": 0,
    "发布": 0,
    "发文日期": 1,
    "印发日期": 1,
    "生成日期": 1,
    "更新时间": 1,
    "更新日期": 1,
    "信息时间": 1,
    "日期": 1,
    "时间": 1,
    "成文日期": 2,
}
_LABEL_RE = re.compile(
    "("
    + "|".join(r"\s*".join(k) for k in sorted(_LABELS, key=len, reverse=True))
    + r")\s*[:\]\[(]?\s*\[?\s*(?=(?:19|20)\d{2})"
)


# ---------------------------------------------------------------------------------------------
# Tree walk: visible text segments with flags saying where they sit.

_BAD = 1  # page chrome: header, footer, nav menus, "today"/weather widgets, friendly links
_HIDDEN = 2  # display:none
_SOFT = 4  # right/left columns, "hot"/"related" boxes: lists there lose to the main list
_SKIP = 8  # <head>, script and style text: never shown
_SIDE = 16  # sidebars: not the article, not the main list (but a home page's lists may sit there)
_OUT = _BAD | _SIDE

_SKIP_TAGS = {
    "head", "title", "script", "style", "noscript", "template", "select", "option", "textarea",
    "object",
}  # fmt: skip
_BAD_TAGS = {"footer", "nav"}
_SIDE_RE = re.compile(r"sidebar|side[-_]bar|(?<!in)side")
_BAD_RE = re.compile(
    r"footer|copyright|banquan|today|weather|tianqi|yqlj|friend|youqing"
    r"|calendar|rili|mainnav|subnav|[-_]nav(?:$|\s|[-_])"
    r"|(?:^|\s)(?:nav|menu|foot|bottom|header|head|top|links?|yq|topbar|navbar)(?:$|[\s_\-\d])"
)
_SOFT_RE = re.compile(
    r"right|left|(?:^|[\s_\-])(?:hot|rank|tj|zt|other)(?:$|[\s_\-\d])|tuijian|recommend|related"
    r"|xgxx|xgwz|xglj|paihang|zhuanti"
)
_TITLEISH_RE = re.compile(
    r"title|biaoti|headline|(?:^|[\s_\-])(?:bt|tit|tt|h1|dbt|wztit)(?:$|[\s_\-\d])", re.I
)
_HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_BLOCK_TAGS = {
    "div", "p", "li", "tr", "td", "th", "table", "ul", "ol", "dl", "dd", "dt", "br",
    "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "form", "center",
}  # fmt: skip


_TITLE_NAME = 32  # class/id looks like a headline container (title, biaoti, bt)
_CRUMB_NAME = 64  # class/id looks like a breadcrumb (position, location, dqwz)
_FOOT_NAME = 128  # <footer>, or class/id looks like a footer (foot, bottom, copyright, banquan)
_FOOT_NAME_RE = re.compile(r"foot|bottom|copyright|banquan")
_NAME_FLAGS: dict[str, int] = {}  # class/id string -> flags; a site reuses a few hundred names


def _name_flags(key: str) -> int:
    """Flags for one class/id string, cached."""
    named = _NAME_FLAGS.get(key)
    if named is None:
        low = key.lower().strip()
        named = (
            _BAD
            if _BAD_RE.search(low)
            else _SIDE
            if _SIDE_RE.search(low)
            else _SOFT
            if _SOFT_RE.search(low)
            else 0
        )
        if _TITLEISH_RE.search(low):
            named |= _TITLE_NAME
        if _CRUMB_CLASS_RE.search(low):
            named |= _CRUMB_NAME
        if _FOOT_NAME_RE.search(low):
            named |= _FOOT_NAME
        if len(_NAME_FLAGS) < 20000:
            _NAME_FLAGS[key] = named
    return named


def _own_flag(el: Any, keys: list[str] | None = None) -> int:
    """Flags an element sets for its subtree, plus _TITLE_NAME/_CRUMB_NAME/_FOOT_NAME for itself.

    `keys` is el.keys() when the caller has it already.
    """
    tag = el.tag
    if tag in _SKIP_TAGS:
        return _SKIP
    flag = _BAD if tag in _BAD_TAGS else _SIDE if tag == "aside" else 0
    if tag == "footer":
        flag |= _FOOT_NAME
    # One keys() call, then only the attributes present: most elements have none of the three
    # and lxml attribute reads are dear (issue 7).
    if keys is None:
        keys = el.keys()
    if not keys:
        return flag
    cls = el.get("class") if "class" in keys else None
    ident = el.get("id") if "id" in keys else None
    if cls or ident:
        flag |= _name_flags(f"{cls or ''} {ident or ''}")
    style = el.get("style") if "style" in keys else None
    if style and ("none" in style or "hidden" in style):
        s = style.replace(" ", "").lower()
        if "display:none" in s or "visibility:hidden" in s:
            flag |= _HIDDEN
    return flag


@dataclass
class _Walk:
    segs: list[str]  # whitespace-collapsed text pieces in document order ("\n" = block break)
    nsegs: list[str]  # the same with full-width digits/separators normalised (same lengths)
    flags: list[int]
    owner: list[Any]  # element whose text (or child's tail) each segment is
    start: dict[Any, int]  # element -> index of its first segment
    end: dict[Any, int]  # element -> index after its last segment
    eflag: dict[Any, int]  # element -> inherited flag
    headings: list[Any]  # h1-h6 and title-ish elements in order
    crumb_named: list[Any]  # elements whose class/id looks like a breadcrumb
    footers: list[Any] = field(default_factory=list)  # footer-like elements in document order


def _walk(root: Any) -> _Walk:
    """Walk the tree once, collecting text segments and each element's segment span."""
    segs: list[str] = []
    flags: list[int] = []
    owner: list[Any] = []
    start: dict[Any, int] = {}
    end: dict[Any, int] = {}
    eflag: dict[Any, int] = {}
    headings: list[Any] = []
    crumb_named: list[Any] = []
    footers: list[Any] = []
    # The open elements, outermost first (None stands above the root), and their flags.
    # Elements come in document order from root.iter(), several times cheaper than iterwalk's
    # start/end events (issue 7); an element ends where the next element's parent is one of
    # its ancestors, and the final None ends everything still open.
    parents: list[Any] = [None]
    stack = [0]
    for el in chain(root.iter(), _WALK_END):
        if el is None:
            parent = None
        else:
            tag = el.tag
            if tag.__class__ is not str:
                continue  # comments and processing instructions
            parent = None if el is root else el.getparent()
        while parents[-1] is not parent:  # the end of each element closed here
            done = parents.pop()
            stack.pop()
            end[done] = len(segs)
            f = stack[-1]
            if f & _SKIP:
                continue
            if done.tag in _BLOCK_TAGS and segs and segs[-1] != "\n":
                segs.append("\n")
                flags.append(f)
                owner.append(parents[-1])
            text = done.tail
            if text and not text.isspace():
                segs.append(" ".join(text.split()))
                flags.append(f)
                owner.append(parents[-1])
        if el is None:
            break
        # _own_flag(el), whose answer is 0 for most elements: an ordinary tag, no attributes.
        keys = el.keys()
        own = _own_flag(el, keys) if keys or tag in _FLAG_TAGS else 0
        f = (stack[-1] | own) & ~_NAME_BITS
        stack.append(f)
        parents.append(el)
        eflag[el] = f
        start[el] = len(segs)
        if f & _SKIP:
            continue
        if own & _NAME_BITS:
            if own & _TITLE_NAME:
                headings.append(el)
            if own & _CRUMB_NAME:
                crumb_named.append(el)
            if own & _FOOT_NAME:
                footers.append(el)
        if tag in _HEADING_TAGS and not own & _TITLE_NAME:
            headings.append(el)
        if tag in _BLOCK_TAGS and segs and segs[-1] != "\n":
            segs.append("\n")
            flags.append(f)
            owner.append(el)
        text = el.text
        if text and not text.isspace():
            segs.append(" ".join(text.split()))
            flags.append(f)
            owner.append(el)
    fw = _FW_CHARS_RE.search
    nsegs = [s.translate(_FW_TABLE) if fw(s) else s for s in segs]  # _norm, inlined
    return _Walk(segs, nsegs, flags, owner, start, end, eflag, headings, crumb_named, footers)


_WALK_END = (None,)
# Tags for which _own_flag may answer non-zero without any attribute.
_FLAG_TAGS = frozenset(_SKIP_TAGS | _BAD_TAGS | {"aside", "footer"})
_NAME_BITS = _TITLE_NAME | _CRUMB_NAME | _FOOT_NAME


def _join(segs: list[str]) -> str:
    """Join text segments, dropping block breaks."""
    return " ".join(s for s in segs if s != "\n").strip()


def _el_text(el: Any) -> str:
    """Whitespace-collapsed text of an element."""
    try:
        if not len(el):  # no children (most links): itertext would yield el.text alone
            text = el.text
            return " ".join(text.split()) if text else ""
        return " ".join(" ".join(t for t in el.itertext() if t and not t.isspace()).split())
    except (ValueError, TypeError):
        return ""


def _anchor_text(a: Any) -> str:
    """Anchor text of a link, else its image's alt/title, else its title attribute."""
    text = _el_text(a)
    if not text:
        for img in a.iter("img"):
            text = _collapse(img.get("alt") or img.get("title") or "")
            if text:
                break
    if not text:
        text = _collapse(a.get("title") or "")
    return text


# ---------------------------------------------------------------------------------------------
# Title

_SEP_RE = re.compile(r"(\s*(?:_{1,2}|-{1,2}|－|\||｜|—{1,2}|–|::|>|»)\s*|\s{2,})")
_SITEISH_RE = re.compile(
    r"(政府|门户网站|门户网|人民政府网|政府网|网站|官网|官方网站|政务网|人民网|欢迎您!?|欢迎你!?|"
    r"首页|主页|网站首页|www\.\S+|\S+\.gov\.cn)$",
    re.I,
)


def _is_siteish(part: str, site: str | None, extra: set[str]) -> bool:
    """Whether a <title> part names the site (or a column) rather than the page."""
    p = part.strip()
    if not p:
        return True
    if p in extra or any(len(x) >= 3 and x in p for x in extra):
        return True
    if site and len(p) >= 2 and (p in site or site in p):
        return True
    return bool(_SITEISH_RE.search(p))


_SEP_OR_SPACE_RE = re.compile(r"(\s*(?:_{1,2}|-{1,2}|－|\||｜|—{1,2}|–|::|>|»)\s*|\s+)")


def clean_title(raw: str, site: str | None = None, columns: set[str] | None = None) -> str:
    """Strip site (and column) parts from a <title> value: 'X_栏目_某某市人民政府' -> 'X'."""
    raw = _collapse(raw)
    if not raw:
        return ""
    pieces = _SEP_OR_SPACE_RE.split(raw)
    parts = pieces[0::2]
    seps = pieces[1::2]
    extra = {c for c in (columns or set()) if c}

    def drop(i: int, sep: str) -> bool:
        if sep.isspace():
            # A plain space also sits inside headlines: only a whole site or column name goes.
            p = parts[i]
            return p in extra or p == site or bool(_SITEISH_RE.search(p) and len(p) >= 4)
        return _is_siteish(parts[i], site, extra if i else set())

    lo, hi = 0, len(parts)
    while hi - lo > 1 and drop(hi - 1, seps[hi - 2]):
        hi -= 1
    while hi - lo > 1 and drop(lo, seps[lo]):
        lo += 1
    out = parts[lo]
    for i in range(lo + 1, hi):
        out += seps[i - 1] + parts[i]
    return out.strip()


def _title_parts(raw: str) -> list[str]:
    """Split a <title> on its separators."""
    return [p.strip() for p in _SEP_RE.split(_collapse(raw))[0::2] if p.strip()]


def _match_title(text: str, title: str) -> int:
    """Score how well a heading text matches a title: 3 same, 2 one contains the other, else 0."""
    if not text or not title:
        return 0
    a, b = "".join(text.split()), "".join(title.split())
    if a == b:
        return 3
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    if len(short) >= 6 and short in long_:
        return 2
    return 0


def _squeezed_match(text: str, squeezed: str) -> bool:
    """Whether _match_title(text, title) is non-zero, given "".join(title.split())."""
    if not text or not squeezed:
        return False
    a = "".join(text.split())
    if a == squeezed:
        return True
    short, long_ = (a, squeezed) if len(a) < len(squeezed) else (squeezed, a)
    return len(short) >= 6 and short in long_


def _match_score(text: str, hint: str) -> int:
    """Title likeness 0..30: 30 when equal, else 10-25 by how much of the longer one is shared."""
    m = _match_title(text, hint)
    if m == 3:
        return 30
    if m == 0:
        return 0
    if hint.startswith(text) and _REMAINDER_SEP_RE.match(hint[len(text) :]):
        return 30  # the <title> is this heading plus a suffix ('_栏目') the cleaner kept
    a, b = len("".join(text.split())), len("".join(hint.split()))
    return 10 + (15 * min(a, b)) // max(a, b)


_REMAINDER_SEP_RE = re.compile(r"^(\s|_|-|－|\||｜|—|–|>|»)")


def _title_from(text: str, hint: str) -> str:
    """Pick the heading text or the <title> hint, whichever is the complete headline."""
    if _match_title(text, hint) == 3 or len(text) >= len(hint):
        return text
    if hint.startswith(text) and _REMAINDER_SEP_RE.match(hint[len(text) :]):
        return text  # the <title> adds a suffix the cleaner did not know
    return hint  # the heading element holds only part of the headline


# ---------------------------------------------------------------------------------------------
# Dates shown on the page

_UNLABELLED_PREFIX_OK = re.compile(r"^[\s\[(|:]*$|来源|作者|编辑|稿源|出处|浏览|点击")
_UNLABELLED_SUFFIX_OK = re.compile(
    r"^[\s\])|/]*($|来源|作者|编辑|稿源|出处|浏览|点击|阅读|字号|字体|【|\[|分享|打印|发布|信息来源|文章来源)"
)


def _label_dates(text: str) -> list[tuple[int, int, str]]:
    """(start, rank, iso) of each labelled date (发布时间：2024-01-05) in normalised text."""
    out = []
    for m in _LABEL_RE.finditer(text):
        label = "".join(m.group(1).split())
        prev = text[max(0, m.start() - 8) : m.start()]
        if "今天" in prev or "当前" in prev or "今日" in prev or "留言" in prev or "登录" in prev:
            continue
        dm = _FULL_DATE_RE.match(text, m.end())
        if not dm:
            continue
        iso = _iso(dm)
        if iso:
            out.append((m.start(), _LABELS.get(label, 1), iso))
    return out


def _unlabelled_date(seg: str) -> str | None:
    """Return the date of a segment that is a bare date line (2024-06-03 来源：…), else None."""
    for s, e, iso in find_dates(seg):
        prefix, suffix = seg[:s], seg[e:]
        if _TODAY_RE.search(prefix) or "今天" in prefix:
            continue
        if _UNLABELLED_PREFIX_OK.search(prefix) and _UNLABELLED_SUFFIX_OK.match(suffix):
            return iso
    return None


# Segment mask bits: inside a row of a list block (no date there is the article's), or inside a
# lone linked headline with a date (a bare date there belongs to that link, not to the page).
_IN_LIST = 1
_IN_ENTRY = 2


def _window(w: _Walk, lo: int, hi: int, mask: bytearray) -> tuple[str, list[int]]:
    """Join visible, non-list segments [lo, hi) into one normalised string with seg offsets."""
    parts: list[str] = []
    offs: list[int] = []
    pos = 0
    for i in range(lo, hi):
        if w.flags[i] & (_OUT | _SKIP | _HIDDEN) or mask[i] & _IN_LIST:
            offs.append(pos)
            continue
        offs.append(pos)
        s = w.nsegs[i]
        parts.append(s)
        pos += len(s) + 1
    offs.append(pos)
    return " ".join(parts), offs


def _date_near(w: _Walk, s: int, e: int, mask: bytearray, chars: int = 200) -> str | None:
    """Return a labelled or bare date shown right under a heading spanning segments [s, e)."""
    n = len(w.segs)
    hi, budget = e, 0
    while hi < n and budget < chars:
        budget += len(w.segs[hi])
        hi += 1
    text, _ = _window(w, e, hi, mask)
    found = _label_dates(text)
    if found:
        return found[0][2]
    for i in range(e, hi):
        if not (w.flags[i] & (_OUT | _SKIP | _HIDDEN) or mask[i]):
            iso = _unlabelled_date(w.nsegs[i])
            if iso:
                return iso
    return None


_WINDOW_BEFORE = 500  # characters before the heading (信息公开 catalogue tables sit above it)
_WINDOW_AFTER = 700
_AFTER_BODY = 300  # a 发布日期 line may follow the body (教育部 pages)


def _visible_date(
    w: _Walk, s: int, e: int, body: tuple[int, int] | None, mask: bytearray
) -> str | None:
    """Return the publish date a reader sees around the article heading spanning [s, e)."""
    n = len(w.segs)
    lo, budget = s, 0
    while lo > 0 and budget < _WINDOW_BEFORE:
        lo -= 1
        budget += len(w.segs[lo])
    hi, budget = e, 0
    while hi < n and budget < _WINDOW_AFTER:
        budget += len(w.segs[hi])
        hi += 1
    if body is not None and body[1] > hi and body[0] <= hi + 50:
        hi, budget = body[1], 0
        while hi < n and budget < _AFTER_BODY:
            budget += len(w.segs[hi])
            hi += 1
    if body is not None and body[0] >= e:
        # Dates inside the body ("会议时间：…", signature dates) are not the publish date.
        mask = bytearray(mask)
        mask[body[0] : body[1]] = bytes([_IN_LIST]) * (body[1] - body[0])
    text, offs = _window(w, lo, hi, mask)
    anchor = offs[s - lo]
    best: tuple[int, int, str] | None = None
    for pos, rank, iso in _label_dates(text):
        key = (rank, abs(pos - anchor))
        if best is None or key < best[:2]:
            best = (key[0], key[1], iso)
    if best is not None:
        return best[2]
    # A bare date line under the heading, else one inside it (<h2>标题 <small>2023-08-19</small>);
    # never a date inside the body text (signature dates, table cells).
    stop = body[0] if body is not None and body[0] >= e else hi
    budget = 0
    for i in range(e, min(hi, stop)):
        budget += len(w.segs[i])
        if budget > 300:
            break
        if not (w.flags[i] & (_OUT | _SKIP | _HIDDEN) or mask[i]):
            iso = _unlabelled_date(w.nsegs[i])
            if iso:
                return iso
    for i in range(s, e):
        seg = w.nsegs[i]
        iso = _unlabelled_date(seg) if i > s else None
        trailing = _TRAILING_DATE_RE.search(seg) if iso is None else None
        if trailing and trailing.start() >= 4:
            iso = parse_date(trailing.group())  # '…的通知 ( 2024-05-11)'
        if iso:
            return iso
    return None


# ---------------------------------------------------------------------------------------------
# Breadcrumb

_CRUMB_LABEL_RE = re.compile(
    r"^\s*(?:(?:您|你)?(?:当前|现在)?(?:的)?(?:所在)?(?:的)?位置\s*[:：]?|当前位置|您的位置|你的位置"
    r"|您现在的位置|你现在的位置|您当前的位置|您当前位置|所在位置|现在位置)\s*[:：]?\s*"
)
_CRUMB_CLASS_RE = re.compile(
    r"bread|crumb|curmb|position|location|dqwz|weizhi|mbx|lujing|currentloc|curloc|current[-_]?path"
    r"|(?:^|[\s_\-])(?:path|place|pos|wz|loc|se_nav)(?:$|[\s_\-\d])",
    re.I,
)
_CRUMB_SEP_RE = re.compile(r"\s*(?:>>|->|＞＞|>|＞|»|›|→|/|\\|＼|〉|\s-\s)\s*")
_CRUMB_STOP = {"首页", "主页", "网站首页", "home", "Home", "HOME", "首 页", "返回首页"}
_CRUMB_LEAF = {
    "正文", "详情", "内容", "文章", "详细内容", "正文内容", "浏览文章", "信息详情", "详细信息",
    "文章详情", "新闻详情", "阅读正文", "查看详情", "详情页", "内容详情", "详细页面",
}  # fmt: skip
_FOLDER_CRUMB_RE = re.compile(r"^(?:\d{4}年?(?:第\d+[号期])?|\d+|第\d+[号期])$")


_CRUMB_NESTED_SKIP = {"div", "table", "form", "ul", "ol", "dl", "script", "style", "select"}


def _has_link(el: Any) -> bool:
    """Whether an element holds a real (non-javascript) link."""
    for a in el.iter("a"):
        href = (a.get("href") or "").strip().lower()
        if href and not href.startswith(("javascript", "#")):
            return True
    return False


def _crumb_texts(el: Any, skip_blocks: bool) -> list[str]:
    """Text pieces of a breadcrumb, leaving out nested link-less blocks (字号/打印 toolbars)."""
    out = [el.text] if el.text else []
    for child in el:
        if isinstance(child.tag, str) and not (
            child.tag in ("script", "style")
            or skip_blocks
            and child.tag in _CRUMB_NESTED_SKIP
            and not _has_link(child)
        ):
            out.extend(_crumb_texts(child, skip_blocks))
        if child.tail:
            out.append(child.tail)
    return out


def _crumbs_from(el: Any) -> list[str]:
    """Crumb texts of a breadcrumb element, split on > » › separators."""
    out: list[str] = []
    for t in _crumb_texts(el, _has_link(el)):
        if not t or t.isspace():
            continue
        t = _CRUMB_LABEL_RE.sub(" ", _collapse(t))
        for piece in _CRUMB_SEP_RE.split(t):
            piece = piece.strip(" :：>»›-|")
            if piece:
                out.append(piece)
    return out


def _breadcrumb(w: _Walk) -> list[str] | None:
    """Return the breadcrumb trail (without its label), or None when the page shows none."""
    seen = 0
    for i, seg in enumerate(w.segs):
        if seg == "\n" or len(seg) > 60 or w.flags[i] & _SKIP or not _CRUMB_LABEL_RE.match(seg):
            continue
        if not re.match(r"^\s*\S*位置", seg):
            continue
        seen += 1
        if seen > 3:
            break
        el = w.owner[i]
        for _ in range(4):
            if el is None:
                break
            span = w.end.get(el, 0) - w.start.get(el, 0)
            if span > 60:
                break
            crumbs = _crumbs_from(el)
            if crumbs:
                return crumbs
            el = el.getparent()
    for el in w.crumb_named:
        span = w.end.get(el, 0) - w.start.get(el, 0)
        if span == 0 or span > 60:
            continue
        text = _join(w.segs[w.start[el] : w.end[el]])
        if not _CRUMB_SEP_RE.search(text):
            continue
        crumbs = _crumbs_from(el)
        if 2 <= len(crumbs) <= 12 and sum(len(c) for c in crumbs) <= 200:
            return crumbs
    # An unlabelled, unnamed trail: "首页 > 关于我们 > 信息披露".
    for i, seg in enumerate(w.segs):
        if seg not in _CRUMB_STOP or w.flags[i] & _SKIP:
            continue
        nxt = next((x for x in w.nsegs[i + 1 : i + 3] if x != "\n"), "")
        if not nxt or not _CRUMB_SEP_RE.match(nxt) or nxt.strip() == "/":
            continue
        el = w.owner[i]
        while el is not None and w.end.get(el, 0) - w.start.get(el, 0) < 3:
            el = el.getparent()
        if el is None or w.end.get(el, 0) - w.start.get(el, 0) > 30:
            continue
        crumbs = _crumbs_from(el)
        if 2 <= len(crumbs) <= 12 and sum(len(c) for c in crumbs) <= 150:
            return crumbs
    return None


def _column_from_crumbs(crumbs: list[str], article_title: str | None) -> str | None:
    """The crumb naming the column: the last, minus article title and year folders."""
    items = [c for c in crumbs if c not in _CRUMB_STOP]
    if article_title:
        while items and (
            items[-1] in _CRUMB_LEAF
            or _match_title(items[-1], article_title)
            or (items[-1].endswith(("...", "…")) and article_title.startswith(items[-1][:4]))
        ):
            items.pop()
    else:
        while items and items[-1] in _CRUMB_LEAF:
            items.pop()
    # Year or issue sub-folders (2024, 2007年第23号) are not what a reader calls the column.
    while items and _FOLDER_CRUMB_RE.match(items[-1]):
        items.pop()
    return items[-1] if items else None


# ---------------------------------------------------------------------------------------------
# Links

_ATTACH_EXT = {
    "pdf", "doc", "docx", "xls", "xlsx", "wps", "zip", "rar", "ppt", "pptx", "et", "ofd", "7z",
    "txt", "csv", "dps", "ceb", "tif", "tiff",
}  # fmt: skip
_IMAGE_EXT = {"jpg", "jpeg", "png", "gif", "bmp", "webp", "svg", "ico"}
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "vbscript:", "sms:")


def _abs_url(base: str, href: str | None) -> str | None:
    """Resolve a link against the page URL; None for fragments and javascript:/mailto:/tel:."""
    if not href:
        return None
    href = href.strip().replace("\\", "/")
    head = href[:12].lower()
    if not href or href[0] == "#" or head.startswith(_SKIP_SCHEMES):
        return None
    if head.startswith(("http://", "https://")) and "[" not in href and " " not in href:
        # Fast path for absolute links (most of a portal's links): no urljoin needed.
        url = href.split("#", 1)[0]
        start = url.index("//") + 2
        cut = min((i for i in (url.find("/", start), url.find("?", start)) if i >= 0), default=-1)
        netloc = url[start:cut] if cut >= 0 else url[start:]
        if not netloc:
            return None
        scheme = head[: start - 3]
        rest = url[start + len(netloc) :]
        return f"{scheme}://{netloc}{rest if rest.startswith('/') else '/' + rest}"
    try:
        url = urljoin(base, href)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


def link_kind(url: str) -> str:
    """Classify a URL by its extension: 'attachment', 'image' or 'page'."""
    kind = _LINK_KINDS.get(url)
    if kind is None:
        kind = _link_kind(url)
        if len(_LINK_KINDS) >= 20_000:
            _LINK_KINDS.clear()
        _LINK_KINDS[url] = kind
    return kind


# Issue 7: a site's menus and footers repeat the same links on every page; their kinds are
# remembered (bounded) rather than worked out again for each page.
_LINK_KINDS: dict[str, str] = {}


def _link_kind(url: str) -> str:
    """link_kind without the memo."""
    last = url.split("#", 1)[0].split("?", 1)[0].rsplit("/", 1)[-1]
    ext = last.rsplit(".", 1)[-1].lower() if "." in last else ""
    if ext in _ATTACH_EXT:
        return "attachment"
    if ext in _IMAGE_EXT:
        return "image"
    return "page"


def _links(root: Any, base: str) -> tuple[list[LinkOut], dict[Any, tuple[str, str]]]:
    """Return every link and image (deduped by URL) and each <a>'s (url, text)."""
    seen: dict[str, LinkOut] = {}
    hidden = HiddenLinks(root)  # 暗链: why each <a> is invisible, if it is (crawlers/hidden.py)
    anchors: dict[Any, tuple[str, str]] = {}
    resolved: dict[str, str | None] = {}
    b = urlsplit(base)
    root_url = f"{b.scheme}://{b.netloc}" if b.scheme in ("http", "https") and b.netloc else ""
    dir_url = root_url + (b.path or "/").rsplit("/", 1)[0] + "/" if root_url else ""

    def resolve(href: str | None) -> str | None:
        if href is None:
            return None
        url = resolved.get(href, "")
        if url == "":
            h = href.strip()
            if root_url and h and "\\" not in h and "./" not in h and " " not in h:
                # Fast paths for site-relative and plain relative links (no dot segments).
                h = h.split("#", 1)[0]
                if h.startswith("/") and not h.startswith("//"):
                    url = root_url + h
                elif h and h[0].isalnum() and ":" not in h.split("/", 1)[0]:
                    url = dir_url + h
            if not url:
                url = _abs_url(base, href)
            resolved[href] = url
        return url

    for el in root.iter("a", "area", "img"):
        if el.tag == "img":
            url = resolve(el.get("src") or el.get("data-src"))
            if url and url not in seen:
                text = _collapse(el.get("alt") or el.get("title") or "")
                seen[url] = LinkOut(url=url, text=text, kind="image")
            continue
        url = resolve(el.get("href"))
        if not url:
            continue
        text = _anchor_text(el)
        anchors[el] = (url, text)
        why = hidden.reason(el)
        old = seen.get(url)
        if old is None:
            seen[url] = LinkOut(url=url, text=text, kind=link_kind(url), hidden=why)  # type: ignore[arg-type]
        else:
            if not old.text and text:
                old.text = text
            if why is None:
                old.hidden = None  # shown somewhere on the page: not a hidden link
    return list(seen.values()), anchors


# ---------------------------------------------------------------------------------------------
# List entries

_MORE_RE = re.compile(r"^(更多|more|更多>+|>>|>+|more>+|\+|更多\s*\+|查看更多|MORE|\.\.\.)$", re.I)
_STANDALONE_RE = re.compile(r"^[\s\[(]*(.*?)[\s\])]*$")
_URL_YM_RE = re.compile(r"(?:/t|/|_)((?:19|20)\d{2})[-/]?(\d{1,2})(?:/|\d{2}_|-)")


@dataclass
class _Row:
    el: Any
    a: Any
    url: str
    title: str
    date: str | None  # ISO date
    short: tuple[int, int] | None  # (month, day) shown without a year


def _seg_date(nseg: str) -> tuple[str | None, tuple[int, int] | None] | None:
    """Return the date when a segment is nothing but a date ([2024-06-03], 06-03), else None."""
    m = _STANDALONE_RE.match(nseg)
    core = m.group(1) if m else nseg
    if not core or len(core) > 22:
        return None
    fm = _FULL_DATE_RE.fullmatch(core)
    if fm:
        iso = _iso(fm)
        return (iso[:10], None) if iso else None
    sm = _SHORT_DATE_RE.fullmatch(core)
    if sm:
        mo, d = (sm.group(1), sm.group(2)) if sm.group(1) else (sm.group(3), sm.group(4))
        return None, (int(mo), int(d))
    return None


def _span_date(
    w: _Walk, s: int, e: int, a_s: int, a_e: int
) -> tuple[int, str | None, tuple[int, int] | None]:
    """Date of a row spanning segments [s, e); the title link's own text [a_s, a_e) only counts
    when a segment of it is a bare date. Returns (number of distinct readings, iso, short); with
    several full dates (a table row with 成文日期 and 发布日期 columns) iso is the newest."""
    alone: set[tuple[str | None, tuple[int, int] | None]] = set()
    other: list[str] = []
    for i in range(s, e):
        seg = w.nsegs[i]
        if seg == "\n" or w.flags[i] & _SKIP:
            continue
        d = _seg_date(seg)
        if d is not None:
            alone.add(d)
        elif not (a_s <= i < a_e) and not _TODAY_WORD_RE.search(seg):
            other.append(seg)
    if alone:
        if len(alone) == 1:
            full, short = next(iter(alone))
            return 1, full, short
        fulls = [d[0] for d in alone if d[0]]
        return len(alone), max(fulls) if fulls else None, None
    text = " ".join(other)
    fulls = {iso[:10] for _s, _e, iso in find_dates(text)}
    if fulls:
        return len(fulls), max(fulls), None
    shorts = set()
    for m in _SHORT_DATE_RE.finditer(text):
        mo, d = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        shorts.add((int(mo), int(d)))
    if len(shorts) == 1:
        return 1, None, shorts.pop()
    return len(shorts), None, None


def _entry_title(a: Any, text: str) -> str:
    """Entry title: the link text, or its title attribute when the text is cut short."""
    t = _collapse(a.get("title") or "")
    if t and (not text or text.endswith(("...", "…", ".."))):
        return t
    return text


def _other_rows(el: Any, a: Any, size: int, anchors: dict[Any, tuple[str, str]]) -> bool:
    """Whether `el` holds many links or a link with longer text than `a` (so it is not a's row)."""
    count = 0
    for x in el.iter("a"):
        count += 1
        if count > 4:
            return True
        if x is not a and len(anchors.get(x, ("", ""))[1]) > size:
            return True
    return False


def _n_links(el: Any) -> int:
    """Number of <a> elements under an element."""
    return sum(1 for _ in el.iter("a"))


_SOURCE_LABEL_RE = re.compile(r"(来源|稿源|出处|作者|编辑|来自|发布机构|发布单位)\s*[:：]?\s*$")


def _list_groups(w: _Walk, anchors: dict[Any, tuple[str, str]]) -> dict[Any, list[_Row]]:
    """Group dated link rows by their parent element: each group is one candidate list block."""
    groups: dict[Any, list[_Row]] = {}
    rows_seen: dict[Any, _Row] = {}
    for a, (url, text) in anchors.items():
        if w.eflag.get(a, 0) & (_SKIP | _BAD) or len(text) < 2 or _MORE_RE.match(text):
            continue
        a_s, a_e = w.start.get(a, 0), w.end.get(a, 0)
        if a_s > 0 and _SOURCE_LABEL_RE.search(w.nsegs[a_s - 1]):
            continue  # 来源：<a>某某日报</a> on an article's date line is not a list entry
        el = a
        found = None
        for _ in range(6):
            if el is None or el.tag in ("body", "html"):
                break
            s, e = w.start.get(el, 0), w.end.get(el, 0)
            if e - s > 40 or (el is not a and _other_rows(el, a, len(text), anchors)):
                break  # a block holding other rows (or a tab heading above a list)
            n, full, short = _span_date(w, s, e, a_s, a_e)
            if n > 1 and not (el.tag == "tr" and full):
                break
            if n >= 1:
                found = (el, full, short)
                break
            el = el.getparent()
        if found is None:
            continue
        row_el, full, short = found
        if row_el is a and a.getparent() is not None:
            row_el = a.getparent()
        # Climb wrappers that hold only this row (li > div.inner > h2 > a, or a one-row <table>
        # nested in an outer row), but never out of a list: a <ul> of one <li> is a list of one.
        links = _n_links(row_el)
        while True:
            parent = row_el.getparent()
            if parent is None or parent.tag in ("body", "html", "ul", "ol", "dl"):
                break
            if parent.tag in ("table", "tbody", "thead"):
                outer = parent.getparent() if parent.tag != "table" else parent
                up = outer.getparent() if outer is not None else None
                if up is None or up.tag not in ("td", "li", "th"):
                    break
            if w.end.get(parent, 0) - w.start.get(parent, 0) > 40 or _n_links(parent) != links:
                break
            row_el = parent
        title = _entry_title(a, text)
        old = rows_seen.get(row_el)
        if old is not None:
            if len(title) > len(old.title):
                old.a, old.url, old.title = a, url, title
            continue
        row = _Row(row_el, a, url, title, full, short)
        rows_seen[row_el] = row
        groups.setdefault((row_el.getparent(), row_el.tag), []).append(row)
    return groups


def _resolve_rows(rows: list[_Row], year_ctx: int | None) -> None:
    """Give month-day dates a year: the entry URL's year folder, else the list's or page's."""
    pending: list[_Row] = []
    for r in rows:
        if r.date is not None or r.short is None:
            continue
        m = _URL_YM_RE.search(urlsplit(r.url).path)
        if m and 1 <= int(m.group(2)) <= 12:
            year = int(m.group(1))
            if r.short[0] < int(m.group(2)) - 6:
                year += 1  # shown in January for a December folder
            day = _mkdate(year, r.short[0], r.short[1])
            r.date = day.isoformat() if day else None
        else:
            pending.append(r)
    years = [int(r.date[:4]) for r in rows if r.date]
    list_year = max(years) if years else year_ctx
    if list_year is None:
        return
    for r in pending:
        assert r.short is not None
        day = _mkdate(list_year, r.short[0], r.short[1])
        r.date = day.isoformat() if day else None


def _group_score(w: _Walk, key: Any, rows: list[_Row]) -> float:
    """Rank candidate list blocks: more and longer rows win; side boxes lose."""
    parent = key[0]
    f = w.eflag.get(parent, 0) if parent is not None else 0
    score = float(len(rows)) + sum(min(len(r.title), 40) for r in rows) / 40.0
    if f & _SOFT:
        score *= 0.5
    return score


def _all_rows(key: Any, rows: list[_Row], anchors: dict[Any, tuple[str, str]]) -> list[_Row]:
    """Return every linked child of the chosen list block in order, dated or not."""
    parent, tag = key
    if parent is None:
        return rows
    by_el = {r.el: r for r in rows}
    out: list[_Row] = []
    for child in parent:
        if child.tag != tag:
            continue
        r = by_el.get(child)
        if r is not None:
            out.append(r)
            continue
        best = None
        for a in child.iter("a"):
            got = anchors.get(a)
            if not got:
                continue
            u, t = got
            if len(t) >= 2 and not _MORE_RE.match(t) and (best is None or len(t) > len(best[1])):
                best = (a, t, u)
        if best is not None:
            out.append(_Row(child, best[0], best[2], _entry_title(best[0], best[1]), None, None))
    return out or rows


_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


_ROW_TAGS = ("li", "tr", "dd", "dt")


def _undated_block(w: _Walk, anchors: dict[Any, tuple[str, str]]) -> list[_Row]:
    """The main block of headline links when no entry shows a date (an undated 栏目 list)."""
    groups: dict[Any, dict[Any, _Row]] = {}
    for a, (url, text) in anchors.items():
        if w.eflag.get(a, 0) & (_OUT | _SKIP) or len(text) < 4 or _MORE_RE.match(text):
            continue
        row = a.getparent()
        for _ in range(3):
            if row is None or row.tag in _ROW_TAGS:
                break
            row = row.getparent()
        if row is None or row.tag not in _ROW_TAGS:
            row = a.getparent()
        if row is None or row.getparent() is None:
            continue
        rows = groups.setdefault((row.getparent(), row.tag), {})
        title = _entry_title(a, text)
        old = rows.get(row)
        if old is None:
            rows[row] = _Row(row, a, url, title, None, None)
        elif len(title) > len(old.title):
            old.a, old.url, old.title = a, url, title
    best: list[_Row] = []
    best_score = 0
    for (parent, _tag), rows in groups.items():
        if len(rows) < 2 or w.eflag.get(parent, 0) & _OUT:
            continue
        sizes = [len(r.title) for r in rows.values()]
        # Headline lists, not menus: titles are long (menus hold 2-6 character names).
        if sum(sizes) / len(sizes) < 8:
            continue
        score = sum(min(x, 40) for x in sizes)
        if score > best_score:
            best, best_score = list(rows.values()), score
    return best


def _list_heading(w: _Walk, row_el: Any) -> str | None:
    """Return the short heading text shown just above a list block (its 栏目 name)."""
    parent = row_el.getparent()
    if parent is None:
        return None
    j = w.start.get(parent, 0)
    steps = 0
    while j > 0 and steps < 12:
        j -= 1
        steps += 1
        s = w.segs[j]
        if s == "\n" or w.flags[j] & (_SKIP | _HIDDEN):
            continue
        if _MORE_RE.match(s) or _CRUMB_LABEL_RE.fullmatch(s):
            continue
        if any(True for _ in w.owner[j].iterancestors("a")) or w.owner[j].tag == "a":
            continue  # tab and menu links are not the list's heading
        if 2 <= len(s) <= 20 and _CJK_RE.search(s) and not find_dates(w.nsegs[j]):
            return s.strip(" :：>»■")
    return None


# ---------------------------------------------------------------------------------------------
# Pagination

_NEXT_RE = re.compile(
    r"^(下一页|下页|下一頁|后一页|后页|next|next\s*page|下一页\s*>+|>\s*下一页)$", re.I
)
_PAGER_LINK_RE = re.compile(r"^(\d{1,4}|尾页|末页|最后一页|末 页|尾 页|last)$", re.I)
_PAGER_STRIP = "[]【】()（）<>《》»› "
_TRS_RE = re.compile(r"createPageHTML\s*\(([^)]*)\)")


def _trs_pages(html_text: str, url: str) -> list[str]:
    """Remaining pages of a TRS list: `createPageHTML(n, i, "index", "html")` → index_{i+1}…."""
    for m in _TRS_RE.finditer(html_text):
        ints: list[int] = []
        strs: list[str] = []
        for arg in (x.strip() for x in m.group(1).split(",")):
            if arg[:1] in ("'", '"'):
                if len(ints) >= 2:
                    strs.append(arg.strip("\"'"))
            elif arg.isdigit():
                ints.append(int(arg))
            elif re.fullmatch(r"[A-Za-z_$][\w$]*", arg) and len(ints) < 2:
                # TRS templates often pass variables: var countPage = 7; var currentPage = 0;
                v = re.search(re.escape(arg) + r"\s*=\s*(\d+)", html_text)
                if v:
                    ints.append(int(v.group(1)))
        if len(ints) < 2 or len(strs) < 2 or not strs[0] or not strs[1] or ints[0] > 5000:
            continue
        count, current = ints[0], ints[1]
        name, ext = strs[0], strs[1]
        pages = [
            urljoin(url, f"{name}_{k}.{ext}" if k else f"{name}.{ext}")
            for k in range(current + 1, count)
        ]
        if pages:
            return pages
    return []


# ---------------------------------------------------------------------------------------------
# Placeholder and main text

_PLACEHOLDER_RE = re.compile(
    r"暂无信息|暂无数据|暂无内容|暂无记录|暂无相关|暂无文章|暂无新闻|暂无公告|暂无|没有数据|没有记录|没有信息|"
    r"正在建设|建设中|敬请期待|正在更新|待更新|栏目维护中|信息整理中|no data|no records",
    re.I,
)


def _main_text_span(root: Any, w: _Walk, after: int = 0) -> tuple[int, int] | None:
    """Return the segment span of the element holding most paragraph text (the article body)."""
    score: dict[Any, int] = {}
    for p in root.iter("p", "br"):
        if w.eflag.get(p, 0) & (_OUT | _SKIP | _HIDDEN) or w.start.get(p, 0) < after:
            continue
        parent = p.getparent()
        if parent is None:
            continue
        if p.tag == "p":
            n = sum(len(s) for s in w.segs[w.start.get(p, 0) : w.end.get(p, 0)] if s != "\n")
        else:
            n = len(p.tail or "")
        score[parent] = score.get(parent, 0) + n
    if not score:
        return None
    el, n = max(score.items(), key=lambda kv: kv[1])
    if n < 60:
        return None
    return w.start.get(el, 0), w.end.get(el, 0)


# ---------------------------------------------------------------------------------------------
# Footer (页脚): what 《政府网站发展指引》(国办发〔2017〕47号) asks every page's footer to show.

_CONAC_XPATH = etree.XPath("(//@href | //@src)[contains(., 'conac.cn')]")
_FOOTER_TAIL = 600  # characters of visible text at the end of a page read when no container has it
_SITE_ID_CODE_RE = re.compile(r"网站标识码\s*[:：]?\s*([A-Za-z]*\d+)")
_ICP_RE = re.compile(r"(?:[\u4e00-\u9fff]\s*)?ICP\s*[备证]\s*[:：]?\s*\d+\s*号(?:\s*-\s*\d+)?")
_PSB_RE = re.compile(r"[\u4e00-\u9fff]?公网安备\s*[:：]?\s*\d{6,}\s*号?")
_SPONSOR_RE = re.compile(r"主办(?:单位)?\s*[:：]\s*([^\n]{2,120})")
# "中共青岛市委、青岛市人民政府主办" on a line of its own.
_SPONSOR_AFTER_RE = re.compile(
    r"(?:^|[\s|｜])([\u4e00-\u9fff、（）()]{4,60})主办(?=\s*(?:$|[\n|｜]))", re.M
)
# Labels that end the 主办单位 value when the footer runs several on one line.
_SPONSOR_END_RE = re.compile(
    r"\s*(?:承办|协办|运行维护|运维|维护单位|技术支持|技术保障|地址|联系|电话|邮编|邮政编码|传真|邮箱"
    r"|E-?mail|版权|©|\(c\)|Copyright|政府网站标识码|网站标识码|ICP|[\u4e00-\u9fff]?公网安备"
    r"|备案|中文域名|网站地图|本网站|本站|[|｜;；，,])",
    re.I,
)


def _footer_fields(text: str) -> dict[str, str]:
    """Read 网站标识码, ICP备案, 公网安备 and 主办单位 from normalised footer text."""
    out: dict[str, str] = {}
    if m := _SITE_ID_CODE_RE.search(text):
        out["site_id_code"] = m.group(1)
    if m := _ICP_RE.search(text):
        # The number is often split over <span>s (京<span>ICP</span>备<span>19054529</span>号).
        out["icp"] = "".join(m.group(0).split())
    if m := _PSB_RE.search(text):
        out["psb"] = _collapse(m.group(0))
    if m := _SPONSOR_RE.search(text):
        value = m.group(1)
        if cut := _SPONSOR_END_RE.search(value):
            value = value[: cut.start()]
        value = value.strip(" 　:：.。")
        if len(value) >= 2:
            out["sponsor"] = value
    if "sponsor" not in out and (m := _SPONSOR_AFTER_RE.search(text)):
        out["sponsor"] = m.group(1)
    return out


def _footer(root: Any, w: _Walk, html_text: str) -> dict[str, str]:
    """Return what the page footer shows (site_id_code, icp, psb, sponsor, conac)."""
    keep = _SKIP | _HIDDEN
    parts: list[str] = []
    last_end = -1
    for el in w.footers:
        s, e = w.start.get(el), w.end.get(el)
        if s is None or e is None or s < last_end or w.eflag.get(el, 0) & keep:
            continue  # nested in a container already read, or never shown
        last_end = e
        parts.append(" ".join(w.nsegs[i] for i in range(s, e) if not w.flags[i] & keep))
    found = _footer_fields("\n".join(parts)) if parts else {}
    if len(found) < 4:
        # Footers built from plain <div>s or tables: read the end of the page's visible text.
        tail: list[str] = []
        size = 0
        for i in range(len(w.segs) - 1, -1, -1):
            if not w.flags[i] & keep:
                tail.append(w.nsegs[i])
                size += len(w.nsegs[i])
                if size >= _FOOTER_TAIL:
                    break
        for key, value in _footer_fields(" ".join(reversed(tail))).items():
            found.setdefault(key, value)
    # 党政机关网站标识: the conac.cn badge (a link, an image or the script that draws it).
    conac = _CONAC_XPATH(root) if "conac.cn" in html_text else None
    if conac:
        found["conac"] = _collapse(str(conac[0]))
    return found


# ---------------------------------------------------------------------------------------------
# Main entry point

# Plain etree elements (not lxml.html's HtmlElement classes): iterating them is much cheaper.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)


def _parse(text: str) -> Any:
    """Parse decoded HTML with lxml, or None when there is nothing to parse."""
    text = text.replace("\x00", "")
    if not text or text.isspace():  # not text.strip(), without copying the page (issue 7)
        return None
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), _PARSER)
    except (etree.LxmlError, ValueError, TypeError):
        return None
    if root is None:
        return None
    # A stray </html> mid-page makes libxml2 start a second top-level <html>: fold it back in.
    for extra in list(root.itersiblings()):
        if isinstance(extra.tag, str):
            root.append(extra)
    return root


def _meta_get(metas_ci: dict[str, str], *names: str) -> str | None:
    """First non-empty meta among names (case-insensitive)."""
    for n in names:
        v = metas_ci.get(n.lower())
        if v:
            return v
    return None


def analyse(
    body: bytes,
    url: str,
    content_type: str | None = None,
    is_home: bool = False,
    list_date: str | None = None,
) -> PageAnalysis:
    """Read one HTML page: encoding, type, title, publish date, column, links, entries, pages."""
    header_enc = None
    if content_type:
        m = re.search(r"charset\s*=\s*[\"']?([\w.:\-]+)", content_type, re.I)
        header_enc = m.group(1) if m else None
    try:
        text, codec = decode_html(body or b"", header_enc)
    except Exception:  # noqa: BLE001 - one odd page must never stop a crawl
        text, codec = (body or b"").decode("utf-8", "replace"), "utf-8"
    pa = PageAnalysis(encoding=codec, page_type="home" if is_home else "other")
    root = _parse(text)
    if root is not None:
        try:
            _analyse_tree(pa, root, text, url, is_home, list_date)
        except Exception:  # noqa: BLE001 - pathological markup: keep what was read so far
            pass
        if has_catalogue(text):
            try:
                pa.catalogue = read_catalogue(root)
            except Exception:  # noqa: BLE001 - an odd block must never stop a crawl
                pa.catalogue = {}
        if has_interaction(text):
            try:
                pa.interaction = read_interaction(root, url, pa.title, pa.column)
            except Exception:  # noqa: BLE001 - an odd message list must never stop a crawl
                pa.interaction = None
    if not pa.date_candidates:
        _fallback_dates(pa, url, list_date)
    return pa


def _fallback_dates(pa: PageAnalysis, url: str, list_date: str | None) -> None:
    """Date candidates when the page could not be parsed: list date and URL."""
    ld = parse_date(list_date)
    if ld:
        pa.date_candidates.append(DateCandidate("list", ld))
    ud = _url_date(url)
    if ud:
        pa.date_candidates.append(DateCandidate("url", ud))
    if pa.date_candidates and pa.page_type not in ("home", "list"):
        pa.pub_date = pa.date_candidates[0].value[:10]
        pa.date_source = pa.date_candidates[0].source


def _read_head(root: Any, url: str) -> tuple[dict[str, str], dict[str, str], str, str]:
    """Return (metas, lower-cased metas, raw <title>, base URL)."""
    metas: dict[str, str] = {}
    metas_ci: dict[str, str] = {}
    raw_title = ""
    base = url
    for el in root.iter("meta", "title", "base"):
        if el.tag == "meta":
            name = (el.get("name") or "").strip()
            if not name:
                continue
            content = _collapse(el.get("content") or "")
            metas.setdefault(name, content)
            if content:
                metas_ci.setdefault(name.lower(), content)
        elif el.tag == "title":
            raw_title = raw_title or _collapse("".join(el.itertext()))
        elif el.get("href"):
            base = _abs_url(url, el.get("href")) or url
    return metas, metas_ci, raw_title, base


def _analyse_tree(
    pa: PageAnalysis, root: Any, html_text: str, url: str, is_home: bool, list_date: str | None
) -> None:
    """Fill a PageAnalysis from a parsed page."""
    metas, metas_ci, raw_title, base = _read_head(root, url)
    pa.metas = metas
    w = _walk(root)
    n = len(w.segs)
    site = _meta_get(metas_ci, "SiteName") or ""
    meta_column = _meta_get(metas_ci, "ColumnName") or ""
    if _FOLDER_CRUMB_RE.match(meta_column):
        meta_column = ""  # ColumnName=2024 names a year folder, not a column a reader cites
    meta_title = _collapse(_meta_get(metas_ci, "ArticleTitle") or "")
    meta_date = parse_date(_meta_get(metas_ci, "PubDate", "publishdate", "firstpublishedtime"))
    crumbs = _breadcrumb(w)
    title_clean = clean_title(raw_title, site, {meta_column, *(crumbs or [])})
    hint = meta_title or title_clean

    pa.links, anchors = _links(root, base)

    # Candidate list blocks; their rows never count as the article's own date line.
    groups = _list_groups(w, anchors)
    mask = bytearray(n)
    for rows in groups.values():
        for r in rows:
            bit = _IN_LIST if len(rows) >= 2 else _IN_ENTRY if len(r.title) >= 8 else 0
            if bit:
                rs, re_ = w.start.get(r.el, 0), w.end.get(r.el, 0)
                mask[rs:re_] = bytes([bit]) * (re_ - rs)

    # The article heading: the element matching the title, preferring one with a date under it.
    heading = None if is_home else _pick_heading(w, hint, site, mask)
    body = _main_text_span(root, w, heading[0] if heading else 0)
    visible = _visible_date(w, heading[0], heading[1], body, mask) if heading else None
    big_list = any(len(rows) >= 5 for rows in groups.values())
    is_article = (
        bool(meta_title)
        or (heading is not None and visible is not None)
        # A headline repeating the <title> over a body of paragraphs, but no date line.
        or (heading is not None and heading[3] >= 25 and body is not None and not big_list)
    )

    list_metas = bool(_meta_get(metas_ci, "ColumnName", "ColumnType")) and not meta_title
    # List entries: on a home page every dated list, else the main list (not on articles).
    year_ctx = next(
        (int(c[:4]) for c in (parse_date(list_date), meta_date, _url_date(url)) if c), None
    )
    chosen: list[list[_Row]] = []
    if is_home:
        for k, rows in sorted(groups.items(), key=lambda kv: w.start.get(kv[1][0].el, 0)):
            if not w.eflag.get(k[0], 0) & _BAD:
                chosen.append(rows)
    elif not is_article and groups:
        scored = sorted(
            ((k, rows) for k, rows in groups.items() if not w.eflag.get(k[0], 0) & _OUT),
            key=lambda kv: -_group_score(w, kv[0], kv[1]),
        )
        if scored and (len(scored[0][1]) >= 2 or len(scored) == 1):
            chosen = [_all_rows(scored[0][0], scored[0][1], anchors)]
    if not chosen and not is_article and not is_home and (list_metas or heading is None):
        # A column page whose list shows no dates at all (国办发〔2015〕15号 counts such
        # entries as never updated): keep its entries, undated. Without 栏目 metas only a
        # long list of headlines counts, so menus and link boxes do not make a page a list.
        undated = _undated_block(w, anchors)
        if len(undated) >= (2 if list_metas else 5):
            chosen = [undated]
    entries: list[EntryOut] = []
    seen_urls: set[str] = set()
    for rows in chosen:
        _resolve_rows(rows, year_ctx)
        for r in rows:
            if r.url not in seen_urls:
                seen_urls.add(r.url)
                entries.append(EntryOut(r.title, r.url, r.date, len(entries)))
    pa.entries = entries

    # Placeholder text (暂无信息 …) where the list should be.
    if not entries and not is_article:
        for i, seg in enumerate(w.segs):
            if len(seg) <= 24 and not w.flags[i] & (_OUT | _SKIP | _HIDDEN):
                if _PLACEHOLDER_RE.search(seg):
                    pa.placeholder = True
                    break

    has_col_meta = bool(_meta_get(metas_ci, "ColumnName", "ColumnType"))
    if is_home:
        pa.page_type = "home"
    elif is_article:
        pa.page_type = "article"
    elif entries or has_col_meta or pa.placeholder:
        pa.page_type = "list"
    else:
        pa.page_type = "other"

    if is_home:
        pa.title = title_clean or raw_title or None
    elif meta_title:
        pa.title = meta_title
    elif pa.page_type == "article" and heading is not None:
        pa.title = _title_from(heading[2], title_clean) if title_clean else heading[2]
    elif pa.page_type == "list":
        # A list page's name is the first part of its <title> (信息披露_资讯中心_某公司).
        parts = [p for p in _title_parts(raw_title) if not _is_siteish(p, site, set())]
        pa.title = parts[0] if parts else title_clean or None
    else:
        pa.title = title_clean or None

    # Dates: every reading is kept; the one a reader sees wins.
    cands: list[DateCandidate] = []
    if visible and pa.page_type == "article":
        cands.append(DateCandidate("visible", visible))
    if meta_date:
        cands.append(DateCandidate("meta", meta_date))
    ld = parse_date(list_date)
    if ld:
        cands.append(DateCandidate("list", ld))
    ud = _url_date(url)
    if ud:
        cands.append(DateCandidate("url", ud))
    pa.date_candidates = cands
    if cands and pa.page_type in ("article", "other"):
        pa.pub_date = cands[0].value[:10]
        pa.date_source = cands[0].source

    # Column (栏目) name.
    col = None
    if meta_column:
        pa.column, pa.column_source = meta_column, "meta"
    elif crumbs and (
        col := _column_from_crumbs(crumbs, pa.title if pa.page_type == "article" else None)
    ):
        pa.column, pa.column_source = col, "breadcrumb"
    elif pa.page_type == "list" and chosen and (col := _list_heading(w, chosen[0][0].el)):
        pa.column, pa.column_source = col, "heading"
    elif not is_home:
        parts = _title_parts(raw_title)
        if pa.page_type == "article" and len(parts) >= 3:
            mid = [p for p in parts[1:] if not _is_siteish(p, site or None, set())]
            if mid:
                pa.column, pa.column_source = mid[0], "title"
        elif pa.page_type == "list" and title_clean:
            pa.column, pa.column_source = title_clean, "title"

    # Pagination: 下一页 links (plus the numbered and 尾页 links of the same pager, so every
    # page of the column is fetched as part of it) and TRS createPageHTML pages.
    nxt: list[str] = []
    for a, (_href, text) in anchors.items():
        if not _NEXT_RE.match(text.strip(_PAGER_STRIP)):
            continue
        pager = a.getparent()
        for _ in range(2):
            if pager is None or _n_links(pager) >= 6 or pager.getparent() is None:
                break
            pager = pager.getparent()
        for x in pager.iter("a") if pager is not None else [a]:
            got = anchors.get(x)
            if got and (x is a or _PAGER_LINK_RE.match(got[1].strip(_PAGER_STRIP))):
                if got[0] not in nxt and got[0] != url:
                    nxt.append(got[0])
    if "createPageHTML" in html_text:
        for p in _trs_pages(html_text, url):
            if p not in nxt and p != url:
                nxt.append(p)
    pa.next_pages = nxt

    # Main text: the article body when one stands out, else the text after the heading.
    s, e = body if body is not None else ((heading[0] if heading else 0), n)
    main = [
        w.segs[i]
        for i in range(s, e)
        if w.segs[i] != "\n" and not w.flags[i] & (_OUT | _SKIP | _HIDDEN)
    ]
    shown = size = 0
    for seg in main:
        shown += 1
        size += len(seg) + 1
        if size > 320:
            break
    # 去标识化 (《2018年政务公开工作要点》): personal numbers in the main text are kept masked
    # only, and the snippet (stored, shown as evidence) is cut from the masked text.
    masked, hits = privacy.redact(" ".join(main))
    pa.text_snippet = masked[: min(300, len(" ".join(main[:shown])))] or None
    pa.body_text = masked[:BODY_TEXT_MAX_CHARS] or None
    pa.privacy = [hit.to_json() for hit in hits]
    pa.footer = _footer(root, w, html_text)

    # Outage notices and guides are read from their main text here, at crawl time, so only the
    # structured result is stored (the text is not).
    if pa.page_type in ("article", "other") and pa.title:
        if pa.page_type == "article" and is_notice_title(pa.title):
            pa.notice = parse_notice(pa.title, _main_text(w, s, e), pa.pub_date)
            if pa.notice["start"] is None and heading is not None and (s, e) != (heading[0], n):
                # The times may sit in a table beside the paragraphs (停电时间 | 停电范围):
                # read everything after the headline instead.
                wide = parse_notice(pa.title, _main_text(w, heading[0], n), pa.pub_date)
                if wide["start"] is not None:
                    pa.notice = wide
        elif is_guide_title(pa.title):
            pa.guide = parse_guide(_main_text(w, s, e), pa.pub_date)


def _main_text(w: _Walk, s: int, e: int, limit: int = 40000) -> str:
    """Return the visible text of segments s..e (page chrome left out), line breaks kept."""
    out: list[str] = []
    size = 0
    for i in range(s, e):
        seg = w.segs[i]
        if seg == "\n" or not w.flags[i] & (_OUT | _SKIP | _HIDDEN):
            out.append(seg)
            size += len(seg)
            if size > limit:
                break
    # Inline pieces are joined by a space: "2026-11-25" and "08:00" may sit in two <span>s.
    return re.sub(r"\s*\n\s*", "\n", " ".join(_norm(x) for x in out)).strip()


_HEADING_STOP_RE = re.compile(
    r"^[\s(\[]*(?:(?:19|20)\d{2}\s*[-/.年]|来源|字号|字体|作者|发布|浏览|点击)"
)
_TRAILING_DATE_RE = re.compile(
    r"\s*[(\[]?\s*(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*[)\]]?$"
)


def _heading_text(w: _Walk, s: int, e: int) -> str:
    """Headline text of a heading element, without a date/source line placed inside it."""
    parts: list[str] = []
    for i in range(s, e):
        seg = w.segs[i]
        if seg == "\n":
            continue
        if parts and _HEADING_STOP_RE.match(w.nsegs[i]):
            break
        parts.append(seg)
    text = " ".join(parts)
    cut = _TRAILING_DATE_RE.search(_norm(text))
    if cut and cut.start() >= 4:
        text = text[: cut.start()]
    return text.strip()


def _pick_heading(
    w: _Walk, hint: str, site: str, mask: bytearray
) -> tuple[int, int, str, int] | None:
    """Return (start seg, end seg, text, title-match score) of the article heading, or None."""
    cands: list[tuple[int, int, int, str]] = []  # (base score, start, end, text)
    seen_spans: set[tuple[int, int]] = set()

    def is_site(text: str) -> bool:
        return bool(site) and (text == site or text in site)

    for el in w.headings:
        if w.eflag.get(el, 0) & (_OUT | _SKIP | _HIDDEN):
            continue
        s, e = w.start.get(el, 0), w.end.get(el, 0)
        text = _heading_text(w, s, e)
        if not (4 <= len(text) <= 200) or (s, e) in seen_spans or is_site(text):
            continue
        seen_spans.add((s, e))
        base = _match_score(text, hint) if hint else 0
        base += {"h1": 5, "h2": 3, "h3": 3}.get(el.tag, 1 if el.tag in _HEADING_TAGS else 2)
        cands.append((base, s, e, text))
    if hint:
        # The headline is often a plain <div>/<td>/<b> whose text equals the <title> or meta.
        squeezed = "".join(hint.split())  # _match_title(seg, hint), the hint's half done once
        for i, seg in enumerate(w.segs):
            if not (6 <= len(seg) <= 200) or w.flags[i] & (_OUT | _SKIP | _HIDDEN):
                continue
            if not _squeezed_match(seg, squeezed) or is_site(seg):
                continue
            el = w.owner[i]
            s, e = w.start.get(el, i), w.end.get(el, i + 1)
            if e - s > 6:
                s, e = i, i + 1
            text = _join(w.segs[s:e])
            if (s, e) not in seen_spans:
                seen_spans.add((s, e))
                cands.append((max(_match_score(text, hint), _match_score(seg, hint)), s, e, text))
    if not cands:
        return None
    cands.sort(key=lambda c: -c[0])
    best: tuple[int, int, int, str] | None = None
    for base, s, e, text in cands[:40]:
        score = base + (12 if _date_near(w, s, e, mask) else 0)
        if best is None or (score, -s) > (best[0], -best[1]):
            best = (score, s, e, text)
    if best is None:
        return None
    score, s, e, text = best
    match = _match_score(text, hint) if hint else 0
    if score < 10 and match == 0:
        return None  # neither the title nor a date line marks it as the headline
    return s, e, text, match
