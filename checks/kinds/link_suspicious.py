"""link_suspicious: hidden links (暗链) and off-site links to gambling/porn or hijacked domains.

Basis (standards.md §1 severe_error_security and §7 dark_links, external_link_hijack):
国办秘函〔2019〕19号 单项否决“安全、泄密事故等严重问题”, which names publishing or *linking to*
色情 and other harmful content, and an unhandled attack (挂马、篡改); standards.md lists 暗链
(hidden links to gambling or porn) and expired outbound domains taken over by gambling/porn sites
under it. 《政府网站发展指引》 (国办发〔2017〕47号) also asks for 安全防护, but standards.md
quotes no clause of it on links, so the rule cites 19号.

What is judged, from the stored crawl only (no network):
- a link's `hidden` reason, read at crawl time from inline styles, the `hidden` attribute,
  <marquee> and simple <style> rules (crawlers/hidden.py);
- its anchor text against a lexicon (checks/patterns.py: jieba whole words, globs, `regex:`),
  and its host — and the host it redirected to — against ASCII host words;
- the crawl's status check of each off-site link: a redirect to another registrable domain.
The landing page's content is not fetched (off-site links get HEAD only).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, PositiveInt, field_validator

from checks.context import RuleContext
from checks.matching import normalize
from checks.model import Finding, Link
from checks.patterns import PatternTimeout, check_patterns, masked_snippet, parse
from checks.registry import rule_kind
from crawlers.hidden import STRONG, is_named, technique

# Anchor-text words of gambling, porn and spam links (matched as whole jieba words, so 成人 does
# not match 成人教育 and av does not match java). 发票 alone would hit 税务 links: 代开发票 is the spam.
DEFAULT_TERMS = [
    "博彩", "赌博", "赌场", "百家乐", "娱乐城", "六合彩", "时时彩", "棋牌", "老虎机", "真人视讯",
    "新葡京", "威尼斯人", "色情", "成人", "av", "情色", "裸聊", "约炮", "一夜情", "援交",
    "代孕", "代开发票", "发票代开", "刷单",
]  # fmt: skip
# Host words: four letters or more match inside a label (livecasino88), shorter ones only as a
# whole letter run (av8.com, bet365.com, but not java.com or better.com).
DEFAULT_HOST_TERMS = [
    "casino", "bocai", "baijiale", "duchang", "dubo", "yulecheng", "liuhecai", "shishicai",
    "laohuji", "porn", "xxx", "sex", "av", "bet",
]  # fmt: skip
# Anchor texts that report on the problem are news, not advertising (打击六合彩 专项行动).
DEFAULT_EXEMPT_TERMS = [
    "打击", "整治", "查处", "取缔", "捣毁", "严禁", "禁止", "防范", "远离", "警惕", "举报",
    "反诈", "专项行动", "棋牌运动", "棋牌协会",
]  # fmt: skip
# Off-site domains (with their subdomains) that are never reported hidden or by lexicon: the
# government domains, the 党政机关网站标识 and the old 我为政府网站找错 platform address, the
# 大汉 CMS credit link its pages hide, and the share/social widgets sites embed.
DEFAULT_TRUSTED = [
    "gov.cn", "政务", "conac.cn", "121.43.68.40", "hanweb.com", "qq.com", "weibo.com",
    "baidu.com", "people.com.cn", "xinhuanet.com", "news.cn", "cctv.com", "cntv.cn",
]  # fmt: skip

SOURCES_SHOWN = 5
# Evidence `reasons`, in the order the message gives them.
REASON_ORDER = ["hidden", "text", "host", "redirect"]

HIDDEN_LABELS = {
    "offscreen": "定位到屏幕之外",
    "text-indent": "文字缩进到屏幕之外",
    "zero-size": "放在零尺寸区域中",
    "font-size-0": "字号设为 0",
    "marquee": "放在极小的滚动字幕（marquee）中",
    "display-none": "样式 display:none",
    "visibility-hidden": "样式 visibility:hidden",
    "hidden-attribute": "hidden 属性",
}


class Params(BaseModel):
    """Parameters of link_suspicious."""

    model_config = ConfigDict(extra="forbid")

    # Anchor-text lexicon: jieba whole-word terms, globs or `regex:` (checks/patterns.py).
    terms: list[str] = DEFAULT_TERMS
    # ASCII words looked for in the link's host and in the host it redirected to.
    host_terms: list[str] = DEFAULT_HOST_TERMS
    # An anchor text containing one of these (plain substring) is not matched against `terms`.
    exempt_terms: list[str] = DEFAULT_EXEMPT_TERMS
    # Domains (suffix match on the host) never reported hidden or by lexicon.
    trusted_domains: list[str] = DEFAULT_TRUSTED
    # In-site hidden links (menus that scripts open are hidden too): never reported (never),
    # only when the anchor text matches `terms` — spam pages planted on the site itself (lexicon),
    # or every one not in a class/id-named menu or panel (all; warn).
    onsite: Literal["never", "lexicon", "all"] = "never"
    # Also warn on off-site links hidden only by display:none / visibility:hidden / `hidden` on
    # an element with a class or id (menus and share panels a script opens): off by default.
    named_toggles: bool = False
    # Warn on off-site links whose status check redirected to another registrable domain.
    redirects: bool = True
    regex_timeout_ms: PositiveInt = 200
    # One finding per suspicious link target up to this many; the rest become one summary.
    max_findings: PositiveInt = 30

    @field_validator("terms")
    @classmethod
    def _valid_terms(cls, value: list[str]) -> list[str]:
        return check_patterns(value)

    @field_validator("host_terms", "trusted_domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        out = [v.strip().lower().strip(".") for v in value]
        if any(not v for v in out):
            raise ValueError("不能为空")
        return out


@cache
def _extractor() -> Any:
    """Return a tldextract instance on its bundled public-suffix snapshot (never fetches)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def registrable_domain(host: str) -> str:
    """Return the registrable domain of a host (www.bjft.gov.cn → bjft.gov.cn); an IP or a
    single-label host is its own, a name under an unknown suffix keeps its last two labels."""
    host = host.lower().rstrip(".")
    if not host:
        return ""
    parts = _extractor()(host)
    if hasattr(parts, "top_domain_under_public_suffix"):  # tldextract ≥ 5.3
        domain = parts.top_domain_under_public_suffix
    else:
        domain = parts.registered_domain
    if domain:
        return domain
    if parts.ipv4 or ":" in host:
        return host
    return ".".join(host.split(".")[-2:])


def _host(url: str) -> str:
    """Return a URL's lower-case host ('' when it has none), IDNA labels decoded to Unicode."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    if "xn--" in host:
        try:
            host = host.encode("ascii").decode("idna")
        except UnicodeError:
            pass
    return host


def host_term(host: str, terms: list[str]) -> str | None:
    """Return the first host word found in `host`, or None (see DEFAULT_HOST_TERMS)."""
    labels = host.split(".")
    runs = set(re.split(r"[^a-z]+", host))
    for term in terms:
        if len(term) >= 4 and any(term in label for label in labels):
            return term
        if len(term) < 4 and term in runs:
            return term
    return None


def _trusted(host: str, domains: list[str]) -> bool:
    """Return whether a host is one of the trusted domains or under one."""
    return any(host == d or host.endswith("." + d) for d in domains)


@dataclass
class _Hit:
    """Why one link target is suspicious, gathered over every page linking it."""

    target: str
    status: str  # fail | warn
    links: list[Link]
    text: str = ""
    term: str | None = None  # lexicon term in the anchor text
    term_span: tuple[int, int] | None = None
    host_word: str | None = None  # host word in the target's host
    hidden: str | None = None  # crawlers.hidden reason
    final_url: str | None = None  # redirect to another registrable domain
    final_word: str | None = None  # host word in the redirect's host
    codes: list[str] = field(default_factory=list)


class _Lexicon:
    """The anchor-text lexicon with a cheap substring pre-check for plain terms."""

    def __init__(self, p: Params) -> None:
        self.patterns = parse(p.terms)
        self.needles = {pat.raw: normalize(pat.raw) for pat in self.patterns}
        self.exempt = [e for e in p.exempt_terms if e]
        self.timeout = p.regex_timeout_ms / 1000
        self.timed_out: list[str] = []

    def find(self, text: str) -> tuple[str, tuple[int, int]] | None:
        """Return (term, span in text) of the first lexicon hit, or None."""
        if not text or any(e in text for e in self.exempt):
            return None
        hay = normalize(text)
        for pat in self.patterns:
            if pat.raw in self.timed_out:
                continue
            if pat.kind == "term" and self.needles[pat.raw] not in hay:
                continue
            try:
                span = pat.search(text, self.timeout)
            except PatternTimeout:
                self.timed_out.append(pat.raw)
                continue
            if span is not None:
                return pat.raw, span
        return None


def _mask(term: str) -> str:
    """Return a term with all but its first character masked (a report must not repeat it)."""
    return masked_snippet(term, (0, len(term)), 0)


def describe_hidden(reason: str) -> str:
    """Return a crawlers.hidden reason in a supervisor's words: how, with what, on which element."""
    tech = technique(reason)
    label = HIDDEN_LABELS.get(tech, tech)
    head, _, where = reason.rpartition("@")
    detail = head[len(tech) :].strip()
    out = label + (f"（{detail}）" if detail and tech in STRONG else "")
    return f"{out}，所在元素 <{where.strip()}>" if where.strip() else out


@rule_kind("link_suspicious", Params)
def link_suspicious(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail hidden links (暗链) and off-site links to gambling/porn hosts; warn on redirects."""
    if (unreachable := ctx.home_error("检查暗链和可疑链接")) is not None:
        yield unreachable
        return
    lexicon = _Lexicon(p)
    home = ctx.home_urls()
    own = {registrable_domain(_host(u)) for u in ctx.site.start_urls}
    own |= {registrable_domain(d.split(":")[0]) for d in ctx.site.allowed_domains or []}
    hits: dict[str, _Hit] = {}
    # Only targets with an off-site link, or a hidden one when in-site links count, can be
    # suspicious (_judge): the rest, most of a site's links, are not grouped (issue 7).
    onsite = p.onsite != "never"
    judged = {
        lk.target_url
        for lk in ctx.snapshot.links
        if lk.kind == "external" or (onsite and lk.hidden is not None)
    }
    by_target: dict[str, list[Link]] = {}
    for link in ctx.snapshot.links:
        if link.target_url in judged:
            by_target.setdefault(link.target_url, []).append(link)
    for target, links in by_target.items():
        hit = _judge(ctx, p, lexicon, target, links, own)
        if hit is not None:
            hits[target] = hit
    for raw in lexicon.timed_out:
        yield ctx.error(
            raw,
            f"正则表达式“{raw}”单次匹配超过 {p.regex_timeout_ms} 毫秒未完成，已停止用它检查链接文字，"
            f"请简化表达式。",
            None,
            pattern=raw,
            timeout_ms=p.regex_timeout_ms,
        )
    ordered = sorted(hits.values(), key=lambda h: (h.status != "fail", h.target))
    for hit in ordered[: p.max_findings]:
        yield _finding(ctx, hit, home)
    rest = ordered[p.max_findings :]
    if rest:
        fails = sum(h.status == "fail" for h in rest)
        yield ctx.finding(
            "fail" if fails else "warn",
            "其余可疑链接",
            f"另有 {len(rest)} 个可疑链接（不通过 {fails} 个、警告 {len(rest) - fails} 个），"
            f"如 {rest[0].target}，请一并核查。",
            rest[0].links[0].source_url,
            count=len(rest),
            fail_count=fails,
            examples=[h.target for h in rest[:SOURCES_SHOWN]],
        )


def _judge(
    ctx: RuleContext,
    p: Params,
    lexicon: _Lexicon,
    target: str,
    links: list[Link],
    own: set[str],
) -> _Hit | None:
    """Return why a link target is suspicious, or None when it is not."""
    offsite = any(lk.kind == "external" for lk in links)
    if not offsite and (p.onsite == "never" or all(lk.hidden is None for lk in links)):
        # Shown in-site links: nothing below can count them (issue 7: most targets are so).
        return None
    host = _host(target)
    hit = _Hit(target=target, status="warn", links=[])
    fail = False
    if offsite and host and not _trusted(host, p.trusted_domains):
        hit.host_word = host_term(host, p.host_terms)
        if hit.host_word is not None:
            hit.codes.append("host")
            fail = True
        if re.search(r"[^\x00-\x7f]", host):  # a Chinese domain name: read it as text too
            found = lexicon.find(host)
            if found is not None and hit.host_word is None:
                hit.host_word = found[0]
                hit.codes.append("host")
                fail = True
    for link in links:
        external = link.kind == "external"
        if external and (not host or _trusted(host, p.trusted_domains)):
            continue
        if not external and (p.onsite == "never" or link.hidden is None):
            continue  # in-site links count only when hidden, and only if asked
        found = lexicon.find(link.text)
        reason = link.hidden
        strong = reason is not None and technique(reason) in STRONG
        # A bare hidden element, or a hiding technique no menu uses, hides on purpose; a
        # class/id-named element hidden by display/visibility is usually a menu a script opens.
        deliberate = reason is not None and (strong or not is_named(reason))
        if found is not None:
            counted, fail = True, True
        elif reason is None:
            counted = False
        elif external:
            counted = deliberate or p.named_toggles
            fail |= strong
        else:
            counted = p.onsite == "all" and deliberate
        if not counted:
            continue
        hit.links.append(link)
        if reason is not None and hit.hidden is None:
            hit.hidden = reason
        if found is not None and hit.term is None:
            hit.term, hit.term_span, hit.text = found[0], found[1], link.text
    if hit.hidden is not None:
        hit.codes.append("hidden")
    if hit.term is not None:
        hit.codes.append("text")
    page = ctx.snapshot.pages.get(target)
    if offsite and p.redirects and page is not None and page.final_url:
        final_host = _host(page.final_url)
        final_domain = registrable_domain(final_host)
        if (
            final_host
            and final_domain != registrable_domain(host)
            and final_domain not in own
            and not _trusted(final_host, p.trusted_domains)
        ):
            hit.final_url = page.final_url
            hit.final_word = host_term(final_host, p.host_terms)
            hit.codes.append("redirect")
            fail |= hit.final_word is not None
    if not hit.codes:
        return None
    hit.codes.sort(key=REASON_ORDER.index)
    if not hit.links:
        hit.links = [lk for lk in links if lk.kind == "external"] or links
    if not hit.text:
        hit.text = next((lk.text.strip() for lk in hit.links if lk.text.strip()), "")
    hit.status = "fail" if fail else "warn"
    return hit


def _finding(ctx: RuleContext, hit: _Hit, home: set[str]) -> Finding:
    """Build the finding of one suspicious link target."""
    sources = sorted({lk.source_url for lk in hit.links}, key=lambda u: (u not in home, u))
    if all(u in home for u in sources):
        where = "首页"
    elif len(sources) == 1:
        where = f"页面 {sources[0]} "
    else:
        where = f"{sources[0]} 等 {len(sources)} 个页面"
    offsite = any(lk.kind == "external" for lk in hit.links)
    text = hit.text.strip()
    if hit.term_span is not None and text == hit.text:
        shown = masked_snippet(text, hit.term_span, context=40)
    else:
        shown = text
    what = (
        f"{'站外' if offsite else '站内'}链接“{shown}”（{hit.target}）"
        if shown
        else (f"{'站外' if offsite else '站内'}链接 {hit.target} ")
    )
    clauses = []
    if hit.hidden is not None:
        clauses.append(f"被隐藏，访问者看不到（{describe_hidden(hit.hidden)}）")
    if "text" in hit.codes and hit.term is not None:
        clauses.append(f"链接文字含博彩、色情等违规词“{_mask(hit.term)}”")
    if hit.host_word is not None:
        word = hit.host_word if hit.host_word.isascii() else _mask(hit.host_word)
        clauses.append(f"链接域名含“{word}”")
    if hit.final_url is not None:
        tail = f"，跳转后的域名含“{hit.final_word}”" if hit.final_word else ""
        clauses.append(f"检查时跳转到其他域名 {hit.final_url}{tail}，疑似域名过期被抢注或被劫持")
    if hit.status == "fail":
        ending = "疑似暗链或链接有害内容，请立即核查删除并排查网站是否被篡改。"
    else:
        ending = "请核查该链接是否为本网站有意设置。"
    message = f"{where}的{what}：{'；'.join(clauses)}，{ending}"
    return ctx.finding(
        hit.status,  # type: ignore[arg-type]
        hit.target,
        message,
        sources[0],
        target=hit.target,
        text=text,
        reasons=hit.codes,
        hidden=hit.hidden,
        term=hit.term,
        host_word=hit.host_word,
        final_url=hit.final_url,
        final_host_word=hit.final_word,
        offsite=offsite,
        sources=sources[:SOURCES_SHOWN],
        source_count=len(sources),
    )
