"""Build the report's view model from a run, its sites, findings and outcomes (no HTML here)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

from checks.history import History
from checks.model import Finding, Outcome
from conf import SLUG
from reports.fixes import fix_for

# Worst first. An error (无法检查) ranks above a warning because the rule could not be
# evaluated at all, so the site may hide a failure; muted items are accepted exceptions.
STATUSES: tuple[str, ...] = ("fail", "error", "warn", "muted", "pass")
STATUS_RANK = {s: i for i, s in enumerate(STATUSES)}
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}

# Statuses that count as a problem to fix in the 新增 totals (muted ones are accepted exceptions).
PROBLEM_STATUSES = ("fail", "error", "warn")

STATUS_LABELS = {
    "fail": "不通过",
    "warn": "警告",
    "error": "无法检查",
    "muted": "已豁免",
    "pass": "通过",
}
SEVERITY_LABELS = {"high": "高", "medium": "中", "low": "低"}
KIND_LABELS = {
    "government": "政府门户",
    "department": "政府部门",
    "enterprise": "公共企事业单位",
}
SECTOR_LABELS = {
    "water": "供水",
    "power": "供电",
    "gas": "燃气",
    "heat": "供热",
    "transit": "公共交通",
    "health": "医疗卫生",
    "education": "教育",
    "environment": "生态环境",
    "other": "其他",
}
RUN_STATUS_LABELS = {
    "running": "进行中",
    "ok": "已完成",
    "done": "已完成",
    "finished": "已完成",
    "complete": "已完成",
    "completed": "已完成",
    "partial": "部分完成",
    "failed": "失败",
    "error": "出错",
    "aborted": "已中止",
    "incomplete": "未完成",
}

# Readable labels for evidence keys the rule kinds are likely to use; unknown keys are shown
# as-is, so a new rule kind never breaks the report.
EVIDENCE_LABELS = {
    "url": "链接",
    "final_url": "最终地址",
    "target": "目标地址",
    "target_url": "目标地址",
    "source": "所在页面",
    "source_url": "所在页面",
    "sources": "所在页面",
    "source_count": "所在页面数",
    "referer": "所在页面",
    "page": "页面",
    "page_url": "页面",
    "pages": "页面",
    "status": "HTTP 状态",
    "http_status": "HTTP 状态",
    "status_code": "HTTP 状态",
    "error": "错误",
    "blocked": "疑似被拦截",
    "kind": "类型",
    "text": "链接文字",
    "link_text": "链接文字",
    "title": "标题",
    "column": "栏目",
    "columns": "栏目",
    "column_name": "栏目",
    "column_class": "栏目类别",
    "date": "日期",
    "pub_date": "发布日期",
    "newest": "最新日期",
    "newest_url": "最新条目链接",
    "newest_date": "最新日期",
    "last_date": "最新日期",
    "latest_date": "最新日期",
    "future_dated": "日期晚于基准日的条目数",
    "fetched_at": "抓取时间",
    "as_of": "检查基准日",
    "age_days": "距今天数",
    "max_age_days": "时限（天）",
    "limit": "时限（天）",
    "threshold": "阈值",
    "count": "数量",
    "entries": "条目数",
    "undated": "无日期条目",
    "missing": "缺失项",
    "found": "已找到",
    "expected": "应有",
    "profile": "目录模板",
    "items": "事项",
    "item_basis": "事项依据",
    "synonyms": "同义词",
    "candidates": "候选数",
    "min_matches": "最少匹配数",
    "keywords": "关键词",
    "snippet": "摘录",
    "text_snippet": "摘录",
    "excerpt": "摘录",
    "placeholder": "占位文字",
    "year": "年度",
    "reason": "原因",
    "crawl_exit": "抓取进程退出码",
    # meta_missing (发展指引 tags and footer elements)
    "meta": "页面标签",
    "footer": "页脚",
    "element": "缺少项",
    "tag": "标签",
    "site_id_code": "网站标识码",
    "icp": "ICP备案号",
    "psb": "公安机关备案号",
    "sponsor": "主办单位",
    "conac": "党政机关网站标识",
    "examples": "示例页面",
    "total": "同类页面总数",
    # privacy_leak: only masked forms ever reach evidence
    "counts": "数量（按类型）",
    "hits": "命中（已脱敏）",
    "masked": "脱敏号码",
    "context": "上下文",
    "contact": "联系方式",
    "hash": "去重码",
    "attachment_type": "附件类型",
    "referer_title": "所在页面标题",
    "attachments_scanned": "已扫描附件数",
    "attachments_unscanned": "未扫描附件数（按类型）",
    "unscanned_reasons": "未扫描原因",
    "unscanned_examples": "未扫描附件示例",
    "type": "类型",
    "page_type": "页面类型",
    "host": "抓取主机",
    "value": "取值",
    # term_forbidden / term_required (operator lexicons)
    "term": "词语",
    "category": "类别",
    "replacement": "应改为",
    "lexicon": "词表位置",
    "since": "停用日期",
    "note": "备注",
    "field": "出现位置",
    "occurrences": "出现次数",
    "page_date": "页面日期",
    "pages_total": "出现页面数",
    "pages_searched": "检查页面数",
    "scope": "检查范围",
    "fields": "检查内容",
}
_TEXT_FIELDS = {
    "title": "页面标题",
    "column": "栏目名称",
    "link_text": "链接文字",
    "snippet": "正文开头摘要",
    "body": "正文",
    "footer": "页脚",
}
# Machine codes that checks put in evidence, shown to supervisors in Chinese (the JSON keeps
# the codes for machine use).
EVIDENCE_VALUE_LABELS = {
    "reason": {
        "no_entries": "列表中没有条目",
        "placeholders": "只有“暂无信息”类占位条目",
        "placeholder_page": "页面显示“暂无信息”类提示",
    },
    "kind": {"page": "网页", "attachment": "附件", "image": "图片", "external": "站外链接"},
    "page_type": {"home": "首页", "list": "栏目页", "article": "文章页", "other": "其他页面"},
    "element": {
        "site_id_code": "网站标识码",
        "icp": "ICP备案号",
        "psb": "公安机关备案号",
        "sponsor": "主办单位",
        "conac": "党政机关网站标识",
    },
    # Where a text_*/term_* hit was found (checks.patterns.FIELD_LABELS).
    "field": _TEXT_FIELDS,
    "fields": _TEXT_FIELDS,
    "error": {
        "dns": "域名无法解析",
        "timeout": "访问超时",
        "connection": "无法建立连接",
        "tls": "HTTPS 证书或加密连接错误",
        "too_large": "超过下载大小上限",
        "redirect_loop": "重定向循环",
        "too_many_redirects": "重定向次数过多",
        "not_html": "内容不是网页",
        "robots": "robots.txt 禁止抓取",
    },
}
_SCALARS = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})
_SNIPPET_KEYS = {"snippet", "text_snippet", "excerpt", "html", "body", "content", "placeholder"}
_STATUS_KEYS = {"status", "http_status", "status_code"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?$"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SLUG = re.compile(SLUG)
_DEVICE = re.compile(r"^(?:con|prn|aux|nul|com\d|lpt\d)$")

BEIJING = dt.timezone(dt.timedelta(hours=8), "UTC+8")
SNIPPET_MAX = 500  # characters of a crawled snippet shown in the HTML; the JSON keeps all
LIST_MAX = 20  # items of an evidence list shown in the HTML; the rest are counted
DEPTH_MAX = 4  # nesting of evidence shown as structure; deeper levels become JSON text
COMMON_MAX = 5  # rows of the "most common problems" list (issue 5: the five most common)


def status_label(status: str) -> str:
    """Return the Chinese label of a finding/outcome status."""
    return STATUS_LABELS.get(status, status)


def severity_label(severity: str | None) -> str:
    """Return the Chinese label of a severity."""
    return SEVERITY_LABELS.get(severity or "", severity or "—")


def kind_label(kind: str | None) -> str:
    """Return the Chinese label of a site kind."""
    return KIND_LABELS.get(kind or "", kind or "—")


def group_label(group: str | None) -> str:
    """Return the Chinese label of a scoring group (a site kind, or enterprise:<sector>)."""
    kind, _, sector = (group or "").partition(":")
    if sector:
        return f"{kind_label(kind)}·{sector_label(sector)}"
    return kind_label(kind)


def result_label(result: str) -> str:
    """Return the Chinese label of a scorecard requirement result."""
    from checks.scoring import RESULT_LABELS

    return RESULT_LABELS.get(result, result)


def score_text(score: float | None) -> str:
    """Return a scorecard score as shown (a dash when vetoed)."""
    from checks.scoring import format_score

    return format_score(score)


def sector_label(sector: str | None) -> str:
    """Return the Chinese label of a public-enterprise sector ("—" when none)."""
    return SECTOR_LABELS.get(sector or "", sector or "—")


def run_status_label(status: str | None) -> str:
    """Return the Chinese label of a run status, or the raw value when unknown."""
    return RUN_STATUS_LABELS.get(status or "", status or "—")


def date_cn(value: Any) -> str:
    """Format a date or ISO string as 2024年5月6日; datetimes (naive = UTC) in Beijing time."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_DATE.match(text):
                value = dt.date.fromisoformat(text)
            elif _ISO_DATETIME.match(text):
                value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            else:
                return value
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        # The store and the crawler record naive UTC; supervisors read Beijing time (UTC+8).
        value = value.replace(tzinfo=value.tzinfo or dt.UTC).astimezone(BEIJING)
        return f"{value.year}年{value.month}月{value.day}日 {value:%H:%M}"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def safe_href(value: Any) -> str | None:
    """Return `value` usable as an href only if it is an absolute http(s) URL, else None."""
    if not isinstance(value, str) or _CONTROL.search(value):
        return None
    text = value.strip()
    # Only http/https: a crawled javascript:, data: or vbscript: URL must never become a link.
    # Tested first because every evidence string passes through here and few are URLs.
    if not text[:8].lower().startswith(("http://", "https://")):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text.replace(" ", "%20")


def check_site_id(site_id: str) -> str:
    """Return the site id if it is a slug (safe as a file name), else raise ValueError."""
    # A Windows device name (con, nul, com1 …) cannot be a file name where reports are read.
    if not isinstance(site_id, str) or not _SLUG.fullmatch(site_id) or _DEVICE.match(site_id):
        raise ValueError(f"站点编号不合法（只允许小写字母、数字和连字符）：{site_id!r}")
    return site_id


def count_by_status(statuses: Iterable[str]) -> dict[str, int]:
    """Count statuses, with every known status present (zero when absent)."""
    counts = dict.fromkeys(STATUSES, 0)
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    return counts


@dataclass(frozen=True)
class LinkView:
    """A URL to show: `href` is set only when it is safe to link (http/https)."""

    text: str
    href: str | None


def link_view(url: str) -> LinkView:
    """Return the display form of a URL."""
    return LinkView(text=url, href=safe_href(url))


@dataclass(frozen=True)
class EvidenceValue:
    """One evidence value, typed for display: text, url, date, http, snippet, number, bool,
    none, list or map."""

    kind: str
    text: str = ""
    href: str | None = None
    items: tuple[EvidenceValue, ...] = ()
    fields: tuple[EvidenceField, ...] = ()
    more: int = 0  # items left out of a long list or characters cut from a long snippet


@dataclass(frozen=True)
class EvidenceField:
    """A labelled evidence value."""

    key: str
    label: str
    value: EvidenceValue


def _scalar_view(key: str, value: Any) -> EvidenceValue:
    if value is None:
        return EvidenceValue("none", "—")
    if isinstance(value, bool):
        return EvidenceValue("bool", "是" if value else "否")
    if isinstance(value, int) and key in _STATUS_KEYS and 100 <= value <= 599:
        return EvidenceValue("http", f"HTTP {value}")
    if isinstance(value, int | float):
        return EvidenceValue("number", str(value))
    if isinstance(value, dt.date):  # datetime is a date subclass
        return EvidenceValue("date", value.isoformat())
    text = str(value)
    if text in EVIDENCE_VALUE_LABELS.get(key, {}):
        return EvidenceValue("text", EVIDENCE_VALUE_LABELS[key][text])
    href = safe_href(text)
    if href is not None:
        return EvidenceValue("url", text, href=href)
    if _ISO_DATE.match(text) or _ISO_DATETIME.match(text):
        return EvidenceValue("date", text)
    if key in _SNIPPET_KEYS or len(text) > 120 or "\n" in text:
        cut = max(len(text) - SNIPPET_MAX, 0)
        return EvidenceValue("snippet", text[:SNIPPET_MAX], more=cut)
    return EvidenceValue("text", text)


def evidence_value(key: str, value: Any, depth: int = 0) -> EvidenceValue:
    """Return the display form of one evidence value (recursive for lists and maps)."""
    if type(value) in _SCALARS:  # the common case, without the slow ABC isinstance checks
        return _scalar_view(key, value)
    if isinstance(value, Mapping) or isinstance(value, list | tuple | set | frozenset):
        if depth >= DEPTH_MAX:
            return EvidenceValue("snippet", json_text(value)[:SNIPPET_MAX])
        if isinstance(value, Mapping):
            return EvidenceValue("map", fields=evidence_fields(value, depth + 1))
        seq = list(value)
        items = tuple(evidence_value(key, v, depth + 1) for v in seq[:LIST_MAX])
        return EvidenceValue("list", items=items, more=max(len(seq) - LIST_MAX, 0))
    return _scalar_view(key, value)


def evidence_fields(
    evidence: Mapping[str, Any] | None, depth: int = 0
) -> tuple[EvidenceField, ...]:
    """Return the labelled display form of an evidence dict, in its own key order."""
    out = []
    for k, v in (evidence or {}).items():
        key = str(k)
        out.append(EvidenceField(key, EVIDENCE_LABELS.get(key, key), evidence_value(key, v, depth)))
    return tuple(out)


def json_default(value: Any) -> Any:
    """Serialise the non-JSON values findings may carry (dates, sets, paths)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if hasattr(value, "__fspath__"):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__} in a finding")


def json_text(value: Any) -> str:
    """Return compact JSON text with Chinese kept readable."""
    return json.dumps(value, ensure_ascii=False, default=json_default)


@dataclass(frozen=True)
class FindingView:
    """One finding as shown in a rule group."""

    status: str
    severity: str
    subject: str
    message: str
    url: LinkView | None
    evidence: tuple[EvidenceField, ...]
    mute_reason: str | None
    change: str | None = None  # new | persisting (None: the run has no history)
    first_seen: str | None = None  # ISO date
    previous_status: str | None = None
    mute_expires: str | None = None  # ISO date of the mute's expiry


@dataclass(frozen=True)
class ResolvedView:
    """A problem of the previous run that this run no longer finds (已整改)."""

    rule: str
    title: str
    basis: str
    subject: str
    url: LinkView | None
    message: str
    status: str  # the status it had on the previous run
    first_seen: str | None


@dataclass(frozen=True)
class SiteHistory:
    """A site's changes against its previous complete run; previous_run None: 首次检查."""

    previous_run: int | None
    previous_as_of: str | None
    new: int  # problems (fail/error/warn) first found by this run
    persisting: int
    resolved: tuple[ResolvedView, ...]


@dataclass(frozen=True)
class RuleGroup:
    """A rule's findings on one site, under the rule's title and legal basis."""

    rule: str
    check: str
    title: str
    basis: str
    severity: str
    status: str  # worst status among the findings
    counts: dict[str, int]
    findings: tuple[FindingView, ...]
    fix: str = ""  # 整改建议 of the rule's check kind (reports/fixes.py)
    anchor: str = ""  # the section id on the site page; "" : the template's default


@dataclass(frozen=True)
class Indicator:
    """A framework requirement (指标) on one site with the findings it counts."""

    framework: str
    id: str
    title: str
    result: str  # a checks.scoring.RESULT_LABELS key
    type: str  # veto | deduction | not_assessable
    deduction: float
    found: int
    anchor: str  # id of its section on the site page
    groups: tuple[RuleGroup, ...]


@dataclass(frozen=True)
class FrameworkFindings:
    """A site's findings grouped by the requirements of one framework."""

    framework: str
    title: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class RuleInfo:
    """A rule's title, basis and severity as known from the run."""

    rule: str
    check: str
    title: str
    basis: str
    severity: str


@dataclass(frozen=True)
class SiteView:
    """One site's row in the index and its own page."""

    id: str
    name: str
    kind: str | None
    sector: str | None
    regulator: str | None
    profile: str | None
    start_urls: tuple[LinkView, ...]
    in_config: bool  # False when findings name a site that the sites list does not
    rules: dict[str, int]  # outcomes per status
    findings: dict[str, int]  # findings per status
    groups: tuple[RuleGroup, ...]  # fail / error / warn (and pass) findings, worst rule first
    muted: tuple[RuleGroup, ...]
    passed: tuple[RuleInfo, ...]
    href: str
    history: SiteHistory | None = None  # None: the run was checked without history
    # Scorecards (checks.scoring.Scorecard dicts), one per framework that applies.
    scores: tuple[Mapping[str, Any], ...] = ()
    # The open findings by framework and indicator (each finding once, under the first
    # framework and requirement that counts it) and those no requirement counts; empty when
    # no scorecard names its rules (no frameworks, or cards stored before they did).
    indicators: tuple[FrameworkFindings, ...] = ()
    unscored: tuple[RuleGroup, ...] = ()

    @property
    def indicator_anchors(self) -> frozenset[str]:
        """Return the section ids of the indicators that have findings on the site page."""
        return frozenset(i.anchor for fw in self.indicators for i in fw.indicators)


@dataclass(frozen=True)
class CommonProblem:
    """A rule that fails or warns on many sites."""

    rule: str
    title: str
    basis: str
    severity: str
    sites: tuple[SiteView, ...]
    findings: int


@dataclass(frozen=True)
class RunView:
    """The run's header: when, what scope, totals."""

    id: Any
    as_of: Any
    started_at: Any
    finished_at: Any
    status: str | None
    config_dir: str | None
    stats: tuple[EvidenceField, ...]
    site_count: int
    rule_count: int
    kinds: dict[str, int]
    rules: dict[str, int]  # outcomes per status over all sites
    findings: dict[str, int]  # findings per status over all sites
    history: RunHistory | None = None  # None: the run was checked without history


@dataclass(frozen=True)
class RunHistory:
    """The run's changes against the sites' previous complete runs."""

    first_check: bool  # no site had an earlier complete run
    new: int
    resolved: int
    previous: tuple[tuple[int, str], ...]  # (run id, as_of) compared with, oldest first
    first_sites: int  # sites checked for the first time


@dataclass(frozen=True)
class FrameworkScores:
    """One framework's ranking table: (site, scorecard) by overall rank."""

    id: str
    title: str
    rows: tuple[tuple[SiteView, Mapping[str, Any]], ...]


@dataclass(frozen=True)
class ReportContext:
    """Everything the templates need."""

    run: RunView
    sites: tuple[SiteView, ...]  # worst first
    common: tuple[CommonProblem, ...]
    scores: tuple[FrameworkScores, ...] = ()


def rule_infos(findings: Iterable[Finding], outcomes: Iterable[Outcome]) -> dict[str, RuleInfo]:
    """Return title/basis/severity per rule id, taken from the run's findings (any site)."""
    infos: dict[str, RuleInfo] = {}
    for f in findings:
        known = infos.get(f.rule)
        if known is None or (not known.title and f.title):
            infos[f.rule] = RuleInfo(f.rule, f.check, f.title or f.rule, f.basis, f.severity)
    for o in outcomes:
        known = infos.get(o.rule)
        if known is None or (known.title == o.rule and o.title):
            # Outcomes carry the rule's title and basis; older runs lack them: show the id.
            infos[o.rule] = RuleInfo(o.rule, o.check, o.title or o.rule, o.basis, o.severity)
    return infos


def finding_view(f: Finding) -> FindingView:
    """Return the display form of a finding."""
    return FindingView(
        status=f.status,
        severity=f.severity,
        subject=f.subject,
        message=f.message,
        url=link_view(f.url) if f.url else None,
        evidence=evidence_fields(f.evidence),
        mute_reason=f.mute_reason,
        change=f.change,
        first_seen=f.first_seen,
        previous_status=f.previous_status,
        mute_expires=f.mute_expires,
    )


def site_history(
    site_id: str,
    findings: Iterable[Finding],
    history: History,
    infos: Mapping[str, RuleInfo],
) -> SiteHistory:
    """Return one site's changes against its previous complete run."""
    problems = [f for f in findings if f.status in PROBLEM_STATUSES]
    prev = history.previous.get(site_id)
    resolved = sorted(
        (f for f in history.resolved if f.site == site_id), key=lambda f: (f.rule, f.subject)
    )
    return SiteHistory(
        previous_run=prev[0] if prev else None,
        previous_as_of=prev[1] if prev else None,
        new=sum(f.change == "new" for f in problems),
        persisting=sum(f.change == "persisting" for f in problems),
        resolved=tuple(
            ResolvedView(
                rule=f.rule,
                title=(infos[f.rule].title if f.rule in infos else "") or f.title or f.rule,
                basis=f.basis,
                subject=f.subject,
                url=link_view(f.url) if f.url else None,
                message=f.message,
                status=f.status,
                first_seen=f.first_seen,
            )
            for f in resolved
        ),
    )


def group_findings(
    findings: Iterable[Finding], views: Mapping[int, FindingView] | None = None
) -> tuple[RuleGroup, ...]:
    """Group findings by rule: worst status first, then severity, then rule id. `views` maps
    id(finding) to its FindingView when already built (a site page groups findings twice)."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_rule[f.rule].append(f)
    groups = []
    for rule, items in by_rule.items():
        items.sort(key=lambda f: (STATUS_RANK.get(f.status, 99), f.subject))
        first = next((f for f in items if f.title), items[0])
        groups.append(
            RuleGroup(
                rule=rule,
                check=first.check,
                title=first.title or rule,
                basis=first.basis,
                severity=first.severity,
                status=items[0].status,
                counts=count_by_status(f.status for f in items),
                findings=tuple(
                    views[id(f)] if views is not None else finding_view(f) for f in items
                ),
                fix=fix_for(first.check),
            )
        )
    groups.sort(
        key=lambda g: (STATUS_RANK.get(g.status, 99), SEVERITY_RANK.get(g.severity, 9), g.rule)
    )
    return tuple(groups)


def indicator_findings(
    findings: Iterable[Finding],
    cards: Iterable[Mapping[str, Any]],
    views: Mapping[int, FindingView] | None = None,
) -> tuple[tuple[FrameworkFindings, ...], tuple[RuleGroup, ...]]:
    """Group open findings by framework and requirement, as the scorecards count them.

    Each finding is shown once: under the first framework (cards come in framework order) and
    requirement whose rules and match / exclude select it; an error finding goes with every
    requirement of its rule, as scoring counts it. Returns the groups and the findings no
    requirement selects, grouped by rule. Section ids are unique on the page.
    """
    from checks.scoring import requirement_selects

    findings = list(findings)
    assigned: set[int] = set()
    out: list[FrameworkFindings] = []
    for card in cards:
        indicators = []
        for req in card.get("requirements") or ():
            rules = set(req.get("rules") or ())
            if not rules:
                continue
            scope = SimpleNamespace(match=req.get("match") or {}, exclude=req.get("exclude") or {})
            mine = [
                f
                for f in findings
                if f.rule in rules
                and id(f) not in assigned
                and (f.status == "error" or requirement_selects(scope, f))  # type: ignore[arg-type]
            ]
            if not mine:
                continue
            assigned.update(id(f) for f in mine)
            indicators.append(
                Indicator(
                    framework=card["framework"],
                    id=req["id"],
                    title=req["title"],
                    result=req.get("result", ""),
                    type=req.get("type", ""),
                    deduction=req.get("deduction") or 0.0,
                    found=req.get("found") or 0,
                    anchor=f"req-{card['framework']}-{req['id']}",
                    groups=group_findings(mine, views),
                )
            )
        if indicators:
            out.append(
                FrameworkFindings(card["framework"], card["framework_title"], tuple(indicators))
            )
    if not out:
        return (), ()
    rest = group_findings((f for f in findings if id(f) not in assigned), views)
    # The first section of a rule keeps the plain id (links from the overview and rule pages
    # point at it); later ones of the same rule get a suffix.
    seen: Counter[str] = Counter()

    def anchored(g: RuleGroup) -> RuleGroup:
        seen[g.rule] += 1
        n = seen[g.rule]
        return dataclasses.replace(g, anchor=f"rule-{g.rule}" + (f"-{n}" if n > 1 else ""))

    out = [
        dataclasses.replace(
            fw,
            indicators=tuple(
                dataclasses.replace(i, groups=tuple(anchored(g) for g in i.groups))
                for i in fw.indicators
            ),
        )
        for fw in out
    ]
    return tuple(out), tuple(anchored(g) for g in rest)


def site_order_key(site: SiteView) -> tuple[Any, ...]:
    """Sort key putting the worst site first: failed rules, failing findings, errors, name."""
    return (
        -site.rules["fail"],
        -site.findings["fail"],
        -site.rules["error"],
        -site.rules["warn"],
        site.name,
        site.id,
    )


def common_problems(
    sites: Iterable[SiteView], outcomes: Iterable[Outcome], limit: int = COMMON_MAX
) -> tuple[CommonProblem, ...]:
    """Return the rules that fail or warn on the most sites (then most findings)."""
    by_id = {s.id: s for s in sites}
    hit: dict[str, list[SiteView]] = defaultdict(list)
    for o in outcomes:
        if o.status in ("fail", "warn") and o.site in by_id:
            hit[o.rule].append(by_id[o.site])
    n_findings: Counter[str] = Counter()
    info: dict[str, RuleGroup] = {}
    for s in by_id.values():
        for g in s.groups:
            n_findings[g.rule] += g.counts["fail"] + g.counts["warn"]
            info.setdefault(g.rule, g)
    rows = []
    for rule, affected in hit.items():
        g = info.get(rule)
        affected = sorted(affected, key=site_order_key)
        rows.append(
            CommonProblem(
                rule=rule,
                title=g.title if g else rule,
                basis=g.basis if g else "",
                severity=g.severity if g else "",
                sites=tuple(affected),
                findings=n_findings[rule],
            )
        )
    rows.sort(key=lambda p: (-len(p.sites), -p.findings, SEVERITY_RANK.get(p.severity, 9), p.rule))
    return tuple(rows[:limit])


def _site_view(
    meta: Mapping[str, Any],
    in_config: bool,
    findings: list[Finding],
    outcomes: list[Outcome],
    infos: Mapping[str, RuleInfo],
    history: History | None = None,
    scores: Iterable[Mapping[str, Any]] = (),
) -> SiteView:
    site_id = check_site_id(meta["id"])
    shown = [f for f in findings if f.status != "muted"]
    muted = [f for f in findings if f.status == "muted"]
    passed = sorted(
        (infos[o.rule] for o in outcomes if o.status == "pass"),
        key=lambda i: (SEVERITY_RANK.get(i.severity, 9), i.rule),
    )
    scores = tuple(scores)
    views = {id(f): finding_view(f) for f in shown}
    indicators, unscored = indicator_findings(shown, scores, views)
    return SiteView(
        id=site_id,
        name=meta.get("name") or site_id,
        kind=meta.get("kind"),
        sector=meta.get("sector"),
        regulator=meta.get("regulator"),
        profile=meta.get("profile"),
        start_urls=tuple(link_view(u) for u in meta.get("start_urls") or ()),
        in_config=in_config,
        rules=count_by_status(o.status for o in outcomes),
        findings=count_by_status(f.status for f in findings),
        groups=group_findings(shown, views),
        muted=group_findings(muted),
        passed=tuple(passed),
        href=f"sites/{site_id}.html",
        history=site_history(site_id, findings, history, infos) if history is not None else None,
        scores=tuple(scores),
        indicators=indicators,
        unscored=unscored,
    )


def run_history(sites: Iterable[SiteView]) -> RunHistory:
    """Sum the sites' changes into the run's 与上次检查相比 line."""
    known = [s.history for s in sites if s.history is not None]
    compared = [h for h in known if h.previous_run is not None]
    previous = sorted({(h.previous_run or 0, h.previous_as_of or "") for h in compared})
    return RunHistory(
        first_check=not compared,
        new=sum(h.new for h in compared),
        resolved=sum(len(h.resolved) for h in compared),
        previous=tuple(previous),
        first_sites=len(known) - len(compared),
    )


def build_context(
    run: Mapping[str, Any],
    sites: Iterable[Mapping[str, Any]],
    findings: Iterable[Finding],
    outcomes: Iterable[Outcome],
    history: History | None = None,
    scores: Iterable[Mapping[str, Any]] = (),
) -> ReportContext:
    """Return the report's view model; raises ValueError on a site id that is not a slug.

    `history` (checks.history.History) adds 新增 / 已整改 against each site's previous run.
    """
    findings = list(findings)
    outcomes = list(outcomes)
    metas: dict[str, tuple[Mapping[str, Any], bool]] = {}
    for s in sites:
        metas[check_site_id(s["id"])] = (s, True)
    # Results for a site that is no longer in the sites list are still shown, never dropped.
    resolved = history.resolved if history is not None else []
    for site_id in [f.site for f in [*findings, *resolved]] + [o.site for o in outcomes]:
        if site_id not in metas:
            metas[check_site_id(site_id)] = ({"id": site_id}, False)

    f_by_site: dict[str, list[Finding]] = defaultdict(list)
    o_by_site: dict[str, list[Outcome]] = defaultdict(list)
    for f in findings:
        f_by_site[f.site].append(f)
    for o in outcomes:
        o_by_site[o.site].append(o)
    infos = rule_infos(findings, outcomes)
    cards = list(scores)
    s_by_site: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for card in cards:
        if check_site_id(card["site"]) not in metas:
            metas[card["site"]] = ({"id": card["site"]}, False)
        s_by_site[card["site"]].append(card)

    views = tuple(
        sorted(
            (
                _site_view(
                    meta,
                    in_config,
                    f_by_site[sid],
                    o_by_site[sid],
                    infos,
                    history,
                    s_by_site[sid],
                )
                for sid, (meta, in_config) in metas.items()
            ),
            key=site_order_key,
        )
    )
    kinds = Counter(kind_label(v.kind) for v in views)
    run_view = RunView(
        id=run.get("id"),
        as_of=run.get("as_of"),
        started_at=run.get("started_at"),
        finished_at=run.get("finished_at"),
        status=run.get("status"),
        config_dir=run.get("config_dir"),
        stats=evidence_fields(run.get("stats") or {}),
        site_count=len(views),
        rule_count=len({o.rule for o in outcomes} | {f.rule for f in findings}),
        kinds=dict(kinds),
        rules=count_by_status(o.status for o in outcomes),
        findings=count_by_status(f.status for f in findings),
        history=run_history(views) if history is not None else None,
    )
    by_id = {v.id: v for v in views}
    tables: list[FrameworkScores] = []
    for fw in dict.fromkeys(c["framework"] for c in cards):
        mine = sorted(
            (c for c in cards if c["framework"] == fw),
            key=lambda c: (c["rank_overall"] or 0, c["site"]),
        )
        tables.append(
            FrameworkScores(
                id=fw,
                title=mine[0]["framework_title"],
                rows=tuple((by_id[c["site"]], c) for c in mine),
            )
        )
    return ReportContext(
        run=run_view,
        sites=views,
        common=common_problems(views, outcomes),
        scores=tuple(tables),
    )
