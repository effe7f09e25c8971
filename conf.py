"""Load and validate the operator configuration (config/*.yaml) into typed models."""

from __future__ import annotations

import datetime as dt
import difflib
import re
import sys
import types
import typing
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError

SLUG = r"^[a-z0-9][a-z0-9-]{0,62}$"
SiteKind = Literal["government", "department", "enterprise"]
Sector = Literal[
    "water", "power", "gas", "heat", "transit", "health", "education", "environment", "other"
]
Severity = Literal["high", "medium", "low"]


# Windows device names: a report's sites/<id>.html named so cannot be opened or unpacked on
# Windows, where supervisors read reports (issue 8: values used in paths are validated).
_DEVICE_NAME_RE = re.compile(r"^(?:con|prn|aux|nul|com\d|lpt\d)$", re.IGNORECASE)


def _not_device_name(value: str) -> str:
    """Reject a site id that Windows reserves as a device name."""
    if _DEVICE_NAME_RE.match(value):
        raise ValueError(
            f"'{value}' 是 Windows 保留的设备名（CON、PRN、AUX、NUL、COM0–9、LPT0–9），"
            "报告中的站点页面无法在 Windows 上打开，请换一个"
        )
    return value


class Strict(BaseModel):
    """Base model: unknown keys are errors, never silently dropped."""

    # allow_inf_nan=False: `delay: .inf` or `1e999` would stall a crawl forever (issue 8).
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Site(Strict):
    """One audited website (sites.yaml entry)."""

    id: typing.Annotated[str, AfterValidator(_not_device_name)] = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    kind: SiteKind
    sector: Sector | None = None
    regulator: str | None = None
    start_urls: list[str] = Field(min_length=1)
    allowed_domains: list[str] | None = None  # host or host:port; default: start URLs' host:port
    profile: str | None = None  # catalogue profile; default from kind/sector
    not_applicable: list[str] = Field(default_factory=list)
    max_pages: int | None = Field(default=None, gt=0)
    max_depth: int | None = Field(default=None, ge=0)
    delay: float | None = Field(default=None, ge=0)
    obey_robots: bool | None = None
    scan_attachments: bool | None = None


class AppliesTo(Strict):
    """Which sites a rule applies to; empty lists mean all."""

    kinds: list[SiteKind] = Field(default_factory=list)
    sectors: list[Sector] = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)


class Rule(Strict):
    """One rule instance (rules/*.yaml entry): a check kind with parameters and a legal basis."""

    id: str = Field(pattern=SLUG)
    check: str
    title: str = Field(min_length=1)
    severity: Severity
    basis: str = Field(min_length=1)
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    params: dict[str, Any] = Field(default_factory=dict)


class Mute(Strict):
    """An accepted exception (mutes.yaml entry); reason and expiry are required."""

    rule: str
    site: str
    subject: str = "*"  # glob pattern on the finding's subject
    reason: str = Field(min_length=1)
    expires: dt.date


class Threshold(Strict):
    """A count line of a framework requirement: reached when this many findings count."""

    count: int = Field(ge=1)


class Requirement(Strict):
    """One requirement of a framework: the rules whose findings count, and how they score."""

    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    basis: str | None = None
    rules: list[str] = Field(default_factory=list)
    # Count only findings whose subject / evidence value is listed (key: "subject" or an
    # evidence key such as column_class), and none that `exclude` lists.
    match: dict[str, list[str]] = Field(default_factory=dict)
    exclude: dict[str, list[str]] = Field(default_factory=dict)
    veto: Threshold | None = None  # 单项否决: this many counted findings → 不合格
    prewarn: Threshold | None = None  # 预警: this many counted findings, below the veto line
    points: float | None = Field(default=None, gt=0, le=100)  # the indicator's weight
    per_finding: float | None = Field(default=None, gt=0)  # deduction per counted finding
    cap: float | None = Field(default=None, gt=0)  # a ceiling below points
    not_assessable: bool = False  # a website cannot show it; listed so the scorecard is whole
    # Only sites of these sectors are held to it (停水/停气 notices: water, gas, power, heat);
    # on others it is 不适用 and neither deducts nor leaves the scorecard incomplete.
    sectors: list[Sector] = Field(default_factory=list)
    note: str | None = None


class Framework(Strict):
    """A scoring framework (frameworks/*.yaml): requirements mapped to rule ids (Prowler's
    compliance model), with 单项否决 lines, capped deductions and 预警 lines."""

    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    basis: str = Field(min_length=1)
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    requirements: list[Requirement] = Field(min_length=1)
    # Where the framework comes in summaries and reports (lower first; then by id): the
    # national inspection before local ones.
    order: int = 100


def check_redis_url(value: str) -> str:
    """Accept a redis://, rediss:// or unix:// URL (crawl.redis_url, issue 7)."""
    if not re.match(r"^(redis|rediss|unix)://\S+$", value):
        raise ValueError(
            f"{_show(value)} 不是有效的 Redis 地址，应如 redis://127.0.0.1:6379/0"
            "（有密码时 redis://:密码@主机:6379/0）"
        )
    return value


class CrawlSettings(Strict):
    """Crawl defaults; a site may override max_pages, max_depth, delay, obey_robots and
    scan_attachments."""

    max_pages: int = Field(default=500, gt=0)
    max_depth: int = Field(default=6, ge=0)
    delay: float = Field(default=0.5, ge=0)
    # Random variation of `delay`, as a fraction (issue 7). 0: requests to a host are exactly
    # `delay` apart. Scrapy's own default (±50%) re-draws the delay on every check of the
    # host's queue, which stretches the mean interval to ~1.2× `delay` (a 20-host crawl at
    # 0.25 s reached 81% of the politeness bound, 98% without) while letting single requests
    # come after half of it; an audit bot that names itself in its User-Agent gains nothing.
    delay_jitter: float = Field(default=0.0, ge=0, le=1)
    concurrency_per_host: int = Field(default=2, gt=0)
    concurrency_total: int = Field(default=32, gt=0)
    obey_robots: bool = True
    autothrottle: bool = True
    timeout: float = Field(default=15, gt=0)
    max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    check_external_links: bool = True
    # privacy_leak (issue 3): on-site PDF/DOCX/XLSX/CSV/TXT attachments are downloaded with GET
    # and their text scanned for 身份证号/手机号/银行卡号; larger files are only status-checked
    # (and counted as not scanned). The download is capped by max_bytes as well.
    scan_attachments: bool = True
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    # Hostile sites (issue 8). New link targets one page may send the crawl to (pages to crawl
    # plus links to check; the rest stay in the links table, unfetched): real portal home pages
    # carry up to ~400 links, a link farm 10,000. A page other than a start page may also claim
    # at most a quarter of max_pages, so one such page cannot use up the site's page budget.
    max_links_per_page: int = Field(default=1000, gt=0)
    # Pages of one URL pattern (digits and session tokens masked, query values dropped) reached
    # by plain links, and list pages of one column's pagination: an endless calendar or
    # session-id space stops here instead of taking max_pages from the rest of the site.
    max_pages_per_pattern: int = Field(default=100, gt=0)
    # A 429/503 answer's Retry-After is honoured before the one retry, up to this many seconds.
    retry_after_max: float = Field(default=30, ge=0)
    # Wall-clock limit of one crawl subprocess (seconds; null: none). A crawl stopped by it is
    # resumed from the store on the next attempt (gongkai schedule retries it, issue 6).
    time_limit: float | None = Field(default=6 * 3600, gt=0)
    # Weekly recrawl (issue 7): pages the previous complete run stored with an ETag or
    # Last-Modified are asked for with If-None-Match / If-Modified-Since, and a 304 reuses the
    # stored extraction. false (or `--full` on crawl/run): every page is downloaded again.
    conditional_requests: bool = True
    # Distributed crawling (issue 7, README 分布式抓取): the Redis that `gongkai crawl --workers`
    # and `gongkai worker` share (null: --redis or GONGKAI_REDIS), the prefix of its keys (one
    # per database sharing a Redis), and how long a worker's heartbeat may be missing before
    # its in-flight requests are handed to the other workers (seconds).
    redis_url: typing.Annotated[str, AfterValidator(check_redis_url)] | None = None
    redis_prefix: str = Field(default="gongkai", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    worker_timeout: float = Field(default=30, ge=1, le=3600)
    # ASCII only: HTTP header values are Latin-1; some gateways reject raw UTF-8 bytes.
    user_agent: str = (
        "gongkai/0.1 (government disclosure audit bot; +https://github.com/gongkai/gongkai)"
    )


class ProbeSettings(Strict):
    """Availability probes of each site's home page for site_unreachable (国办秘函〔2019〕19号)."""

    # 19号 站点无法访问: probed at least 20 times a day at intervals over a week.
    per_day: int = Field(default=24, ge=20, le=1440)
    # 19号: a probe fails when the page still does not open after 15 s; a shorter limit
    # would count slow-but-open pages as failures.
    timeout_s: float = Field(default=15, ge=15, le=120)


class CheckSettings(Strict):
    """How `gongkai check` runs the rules (issue 7: a city's 300 sites in under a minute)."""

    # Processes checking sites side by side, each holding one site's crawl at a time; None:
    # one per CPU core. Runs of fewer than checks.runner.PARALLEL_MIN_SITES sites, or 1 here,
    # are checked in the calling process.
    workers: int | None = Field(default=None, ge=1, le=64)


class ScheduleOverride(Strict):
    """Sites audited on their own cron instead of the full audit's (schedule.overrides entry)."""

    id: str = Field(pattern=SLUG)
    cron: str = Field(min_length=1)
    sites: list[str] = Field(default_factory=list)
    sectors: list[Sector] = Field(default_factory=list)


class ScheduleSettings(Strict):
    """`gongkai schedule`: when audits run, and how runs share the database (scheduler.py)."""

    timezone: str = "Asia/Shanghai"
    # crontab: minute hour day month weekday (0/7 = Sunday), optionally a leading seconds
    # field; default Monday 02:00. null: no full audit (only the overrides run).
    audit: str | None = "0 2 * * 1"
    overrides: list[ScheduleOverride] = Field(default_factory=list)
    # After each scheduled audit the latest complete run of every site is rendered here.
    report_dir: str | None = "var/report"
    # A job missed while the scheduler was down still runs if it is at most this late (s);
    # an unfinished run younger than this is resumed when the scheduler starts.
    misfire_grace_time: int = Field(default=24 * 3600, gt=0)
    retry_delay: float = Field(default=600, ge=0)  # before resuming a failed or timed-out crawl
    max_attempts: int = Field(default=3, ge=1)  # crawl attempts of one scheduled run
    lock_ttl: float = Field(default=120, ge=2)  # a lock whose heartbeat is older is stale


class LogSettings(Strict):
    """Structured operations log (one line per event) of `gongkai schedule`, `run`, `crawl`."""

    file: str | None = "var/log/gongkai.log"  # null: stderr only
    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)  # rotate at this size
    backups: int = Field(default=5, ge=0)  # rotated files kept
    level: Literal["debug", "info", "warning", "error"] = "info"


_ADDRESS_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+$")
_ENV_NAME_RE = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _email_address(value: str) -> str:
    """Accept `a@b.cn` or `名字 <a@b.cn>`; reject anything else (a typo would lose a report)."""
    import email.utils

    name, addr = email.utils.parseaddr(value)
    if not addr or not _ADDRESS_RE.match(addr) or value.count("@") != 1:
        raise ValueError(
            f"{_show(value)} 不是有效的邮件地址，应如 gkb@example.gov.cn 或 政务公开办 <gkb@example.gov.cn>"
        )
    return value


EmailAddress = typing.Annotated[str, AfterValidator(_email_address)]


class EmailSettings(Strict):
    """Delivery of the report after a run (issue 5): SMTP server and recipients. The password
    is never written here: `password_env` names the environment variable that holds it."""

    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)  # default 465 (ssl), 587 (starttls), 25
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password_env: str | None = Field(default=None, pattern=_ENV_NAME_RE)
    sender: EmailAddress
    timeout: float = Field(default=30, gt=0)
    report_url: str | None = None  # where the report is published (the link in each email)
    supervisors: list[EmailAddress] = Field(default_factory=list)
    # 主管部门 name as written in sites.yaml `regulator:` → its addresses.
    regulators: dict[str, list[EmailAddress]] = Field(default_factory=dict)
    send_on_run: bool = False  # `gongkai run` emails after writing the report

    @property
    def smtp_port(self) -> int:
        """Return the port to connect to: the configured one, else the protocol's default."""
        return self.port or (465 if self.ssl else 587 if self.starttls else 25)


class Settings(Strict):
    """settings.yaml: store location and crawl defaults."""

    database: str | None = None  # SQLAlchemy URL; default sqlite file under var/
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    probes: ProbeSettings = Field(default_factory=ProbeSettings)
    checks: CheckSettings = Field(default_factory=CheckSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    log: LogSettings = Field(default_factory=LogSettings)
    email: EmailSettings | None = None  # no email is sent without it


@dataclass
class Config:
    """The whole validated configuration of one config directory."""

    root: Path
    sites: list[Site]
    rules: list[Rule]
    mutes: list[Mute] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    frameworks: list[Framework] = field(default_factory=list)

    def site(self, site_id: str) -> Site:
        """Return the site with this id."""
        return next(s for s in self.sites if s.id == site_id)


# --------------------------------------------------------------------------------------------
# Errors


@dataclass(frozen=True)
class Problem:
    """One configuration mistake, located at a file and 1-based line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        # Values quoted from a hostile file may hold lone surrogates (unprintable as UTF-8) or
        # terminal control characters: shown escaped, so printing can neither fail nor inject.
        text = f"{self.file}:{self.line}: {self.message}"
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        return _CONTROL_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class ConfigError(Exception):
    """Raised by load_config with every problem found in the configuration directory."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --------------------------------------------------------------------------------------------
# Catalogue profiles (checks/profiles/<name>.yaml) and site defaults

DEFAULT_PORTS = {"http": 80, "https": 443}


def profile_names() -> list[str]:
    """Return the names of the shipped catalogue profiles (files in checks/profiles/)."""
    from checks.profiles import profile_names as names

    return names()


def profile_items(name: str) -> list[str] | None:
    """Return the item names of a profile (including inherited ones), or None if unreadable."""
    from checks.profiles import load_profile

    try:
        return load_profile(name).item_names
    except (ValueError, OSError, YAMLError):
        return None


def default_profile(kind: str, sector: str | None) -> str:
    """Return the catalogue profile implied by a site's kind and sector."""
    if kind == "government":
        return "gov-portal"
    if kind == "department":
        return "gov-department"
    wanted = f"enterprise-{sector}"
    return wanted if sector and wanted in profile_names() else "enterprise-other"


def site_profile(site: Site) -> str:
    """Return the site's catalogue profile: explicit, else the default for its kind/sector."""
    return site.profile or default_profile(site.kind, site.sector)


def normalize_netloc(netloc: str, scheme: str = "http") -> str:
    """Lowercase a host[:port] and drop the scheme's default port."""
    netloc = netloc.strip().lower()
    host, sep, port = netloc.rpartition(":")
    if sep and port.isdigit() and not host.endswith(":") and int(port) == DEFAULT_PORTS.get(scheme):
        return host
    return netloc


def site_netlocs(site: Site) -> set[str]:
    """Return the host[:port] set a crawl of this site stays within."""
    if site.allowed_domains:
        return {normalize_netloc(d) for d in site.allowed_domains}
    out = set()
    for url in site.start_urls:
        parts = urlsplit(url)
        out.add(normalize_netloc(parts.netloc.rpartition("@")[2], parts.scheme.lower()))
    return out


# --------------------------------------------------------------------------------------------
# YAML reading with line numbers

# host or host:port, IDN labels allowed; or a bracketed IPv6 literal with optional port.
_HOST_RE = re.compile(
    r"^(?:(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)*[^\W_](?:[\w-]{0,61}[^\W_])?|\[[0-9a-f:.]+\])"
    r"(?::(\d{1,5}))?$",
    re.IGNORECASE,
)
_HOST_PORT_RE = re.compile(r"(.+?)(?::(\d+))?")
# `name:value` where YAML needs `name: value` (a URL's `http://` is not a key).
_NO_SPACE_RE = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*):(?![\s/]|$)(\S.*)$")


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that leaves dates as text, so pydantic reports bad ones by line."""


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_str)


def _yaml() -> YAML:
    """Return a YAML reader that builds only plain data and keeps every key's line."""
    # Round-trip mode builds mappings, sequences and scalars only (never Python objects).
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    return yaml


@dataclass
class _Source:
    """One YAML file: where to show it, its lines, and its parsed node."""

    display: str
    lines: list[str]
    node: Any


def _yaml_hint(err: MarkedYAMLError, lines: list[str]) -> tuple[int, str]:
    """Return (1-based line, Chinese advice) for a YAML syntax error."""
    problem = err.problem or ""
    context = err.context or ""
    pline = err.problem_mark.line if err.problem_mark is not None else 0
    cline = err.context_mark.line if err.context_mark is not None else pline

    def text(i: int) -> str:
        return lines[i] if 0 <= i < len(lines) else ""

    def no_space(first: int, last: int) -> int | None:
        for i in range(last, first - 1, -1):
            if _NO_SPACE_RE.match(text(i)):
                return i
        return None

    if "\\t" in problem or "\t" in problem or "tab" in problem.lower():
        return pline + 1, "使用了制表符（Tab）缩进，YAML 只能用空格缩进，请把 Tab 改为空格"
    if "quoted scalar" in context and "end of stream" in problem:
        return cline + 1, "引号未闭合，请在值的末尾补上对应的引号（' 或 \"）"
    if "quoted scalar" in context and "escape" in problem:
        return pline + 1, ("双引号内的反斜杠 \\ 构成了无效的转义，请写成 \\\\ 或改用单引号")
    if "duplicate key" in problem:
        key = re.search(r'duplicate key "([^"]*)"', problem)
        name = f" '{key.group(1)}' " if key else ""
        return pline + 1, f"同一映射中键{name}重复出现，每个键只能写一次，请删除或合并重复的键"
    if "undefined alias" in problem:
        return pline + 1, "引用了未定义的锚点（*名称），请先用 &名称 定义，或给以 * 开头的值加引号"
    if "cannot start any token" in problem:
        return pline + 1, "值以 YAML 保留字符（如 @、`、%）开头，请给这个值加引号"
    if "flow sequence" in context:
        return cline + 1, "方括号 [ ] 未闭合或列表项之间缺少逗号，请检查这一行的 [ ... ]"
    if "flow mapping" in context:
        return cline + 1, "花括号 { } 未闭合或键值对之间缺少逗号，请检查这一行的 { ... }"
    if "simple key" in context or "mapping values are not allowed" in problem:
        start = min(cline, pline)
        found = no_space(max(start - 1, 0), pline)
        if found is not None:
            m = _NO_SPACE_RE.match(text(found))
            assert m is not None
            return found + 1, (
                f"冒号后缺少空格，应写作 '{m.group(1)}: {m.group(2).strip()}'（YAML 的键和值之间"
                "必须是冒号加空格）"
            )
        for i in range(pline, max(start - 1, 0) - 1, -1):
            if "：" in text(i).split("#")[0]:
                return i + 1, "使用了中文冒号“：”，请改为英文冒号加空格“: ”"
        if "simple key" in context:
            return cline + 1, "这一行缺少冒号（应为“键: 值”），或与上一行的缩进不一致"
        if text(pline).count(": ") >= 2:
            return pline + 1, "值中含有“: ”，请给整个值加引号，例如 name: '甲: 乙'"
        return pline + 1, "缩进不一致，这一行比同一层级的其他键缩进得更深，请对齐（只能用空格）"
    if "block end" in problem or "block mapping" in context or "block collection" in context:
        return pline + 1, "缩进不一致，同一层级的键必须左对齐，列表项的“- ”也要对齐（只能用空格）"
    return pline + 1, "YAML 语法错误，请检查这一行的格式"


# Bounds on one config file (issue 8, bad input): a config or lexicon file is at most a few
# thousand entries, so these refuse only hostile or broken input — a device such as /dev/zero,
# a "billion laughs" file whose aliases expand exponentially (the models would validate every
# copy), or nesting that would exhaust the recursion of the parser and the validators.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_NODES = 500_000  # mappings, sequences and scalars after expanding every alias
MAX_DEPTH = 64


class _ShapeError(Exception):
    """A parsed YAML tree that is too deep or too large once aliases are expanded."""

    def __init__(self, node: Any, message: str) -> None:
        super().__init__(message)
        self.line = _node_line(node, 1)
        self.message = message


def _check_shape(node: Any) -> None:
    """Raise _ShapeError unless the tree is at most MAX_DEPTH deep and expands to at most
    MAX_NODES nodes; linear in the nodes as parsed (shared subtrees are sized once). A cycle
    (ruamel turns a self-referencing alias into null, but a cycle is infinitely deep) fails
    the depth bound."""
    sized: dict[int, tuple[int, int]] = {}  # id → (expanded size, height)

    def walk(n: Any, depth: int) -> tuple[int, int]:
        if not isinstance(n, dict | list):
            return 1, 0
        key = id(n)
        if key not in sized:
            if depth >= MAX_DEPTH:
                raise _ShapeError(n, f"嵌套层次超过 {MAX_DEPTH} 层，请检查括号或缩进")
            size, height = 1, 0
            for child in list(n.values()) if isinstance(n, dict) else n:
                s, h = walk(child, depth + 1)
                size, height = size + s + isinstance(n, dict), max(height, h + 1)
                if size > MAX_NODES:
                    raise _ShapeError(
                        n,
                        f"展开锚点（&）和别名（*）后超过 {MAX_NODES} 个值（如“billion laughs”"
                        "式的层层引用），拒绝读取；请不要用别名嵌套引用",
                    )
            sized[key] = (size, height)
        size, height = sized[key]
        if depth + height > MAX_DEPTH:
            raise _ShapeError(n, f"嵌套层次超过 {MAX_DEPTH} 层，请检查括号、缩进或别名")
        return size, height

    walk(node, 0)


def _read_yaml(path: Path, display: str, problems: list[Problem]) -> _Source | None:
    """Parse one YAML file keeping line marks; on failure add a problem and return None."""
    try:
        # Bounded read: a FIFO or a device named as a lexicon must not fill memory or hang.
        if not path.is_file():
            problems.append(Problem(display, 1, "不是普通文件，无法作为配置读取"))
            return None
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        problems.append(Problem(display, 1, f"无法读取文件：{exc.strerror or exc}"))
        return None
    if len(raw) > MAX_FILE_BYTES:
        problems.append(
            Problem(
                display, 1, f"文件超过 {MAX_FILE_BYTES // (1024 * 1024)} MB，不像配置文件，拒绝读取"
            )
        )
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                display,
                line,
                "文件不是 UTF-8 编码，请用 UTF-8 重新保存（常见原因：用 GBK/GB2312 编码保存）",
            )
        )
        return None
    lines = text.splitlines()
    try:
        with warnings.catch_warnings():
            # A redefined anchor is legal YAML; ruamel's warning would print a source path.
            warnings.simplefilter("ignore", ReusedAnchorWarning)
            node = _yaml().load(text)
    except MarkedYAMLError as exc:
        line, hint = _yaml_hint(exc, lines)
        problems.append(Problem(display, line, f"YAML 语法错误：{hint}（解析器：{exc.problem}）"))
        return None
    except YAMLError as exc:
        problems.append(Problem(display, 1, f"YAML 语法错误（解析器：{exc}）"))
        return None
    except (ValueError, TypeError) as exc:
        # An explicit tag such as `!!int abc` fails while building the value, without a mark.
        problems.append(
            Problem(display, 1, f"YAML 取值无法解析，请检查带 !! 标签的值（解析器：{exc}）")
        )
        return None
    except RecursionError:
        problems.append(Problem(display, 1, "YAML 嵌套层次过深，请检查括号或缩进"))
        return None
    try:
        _check_shape(node)
    except _ShapeError as exc:
        problems.append(Problem(display, exc.line, f"YAML 结构无法接受：{exc.message}"))
        return None
    return _Source(display, lines, node)


def _plain(node: Any) -> Any:
    """Convert ruamel round-trip nodes into plain Python values for pydantic."""
    if isinstance(node, dict):
        return {_plain(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if hasattr(node, "value") and type(node).__name__ == "TaggedScalar":
        return str(node.value)
    return node


def _key_line(node: Any, key: Any, default: int) -> int:
    """Return the 1-based line of a mapping key or sequence item, or `default`."""
    try:
        pos = node.lc.data.get(key) if isinstance(node, CommentedMap) else node.lc.data[key]
    except (AttributeError, KeyError, IndexError, TypeError):
        return default
    return pos[0] + 1 if pos else default


def _node_line(node: Any, default: int) -> int:
    """Return the 1-based line where a mapping or sequence starts."""
    if isinstance(node, CommentedMap | CommentedSeq):
        return node.lc.line + 1
    return default


def _locate(node: Any, loc: Iterable[Any], line: int) -> int:
    """Walk a pydantic error location through the YAML nodes; return the deepest line found."""
    for part in loc:
        if isinstance(node, CommentedMap) and isinstance(part, str) and part in node:
            line = _key_line(node, part, line)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = _key_line(node, part, line)
            node = node[part]
        else:
            break
    return line


# --------------------------------------------------------------------------------------------
# Turning pydantic errors into Chinese messages


def _show(value: Any) -> str:
    """Render a YAML value for a message."""
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value if len(value) <= 60 else value[:57] + '…'}'"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "映射"
    if isinstance(value, list):
        return "列表"
    return str(value)


def _field(loc: Iterable[Any]) -> str:
    """Render a location tuple as a dotted field path such as applies_to.kinds[1]."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _one_of(options: list[str]) -> str:
    """Render options as 'a、b 或 c 之一'."""
    if len(options) == 1:
        return options[0]
    return "、".join(options[:-1]) + f" 或 {options[-1]} 之一"


def _colon_hint(value: Any) -> str:
    """Explain a scalar that was meant to be a `key: value` pair."""
    if isinstance(value, str):
        m = _NO_SPACE_RE.match(value)
        if m:
            return f"（冒号后缺少空格？应写作 '{m.group(1)}: {m.group(2)}'）"
        if "：" in value:
            return "（使用了中文冒号“：”？应改为英文冒号加空格“: ”）"
    return ""


def _suggest(word: str, choices: Iterable[str]) -> str:
    """Return '（是否应为 x？）' for the closest choice, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"（是否应为 {close[0]}？）" if close else ""


def _unwrap_model(tp: Any) -> type[BaseModel] | None:
    """Return the pydantic model inside an annotation such as list[M] | None."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    origin = typing.get_origin(tp)
    if origin in (list, typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(tp):
            found = _unwrap_model(arg)
            if found is not None:
                return found
    return None


def _model_at(model: type[BaseModel], loc: Iterable[Any]) -> type[BaseModel] | None:
    """Return the nested model reached by following a location from `model`."""
    current: type[BaseModel] | None = model
    for part in loc:
        if isinstance(part, int):
            continue
        if current is None or part not in current.model_fields:
            return None
        current = _unwrap_model(current.model_fields[part].annotation)
    return current


_EXPECTED_TYPE = {
    "int": "整数",
    "float": "数字",
    "bool": "true 或 false",
    "string": "文本",
    "list": "列表（如 [a, b]，或每行以“- ”开头）",
    "dict": "映射（每行“键: 值”）",
    "model": "映射（每行“键: 值”）",
    "date": "日期，格式 YYYY-MM-DD（如 2025-12-31）",
    "datetime": "日期时间，格式 YYYY-MM-DD HH:MM",
    "url": "以 http:// 或 https:// 开头的完整网址",
}

_MISSING_HINT = {
    "reason": "（屏蔽项必须写明接受这一例外的原因）",
    "expires": "（屏蔽项必须设定到期日期，例如 expires: 2025-12-31）",
    "start_urls": "（至少填写一个首页网址，如 https://www.example.gov.cn/）",
    "basis": "（填写法规依据，如《政府信息公开条例》第二十条）",
}


def _expected_for(etype: str) -> str | None:
    """Map a pydantic error type to the Chinese name of the expected type."""
    if etype in ("model_type", "model_attributes_type", "dict_type", "mapping_type"):
        return _EXPECTED_TYPE["dict"]
    if etype.startswith("url_"):
        return _EXPECTED_TYPE["url"]
    for prefix in ("datetime", "date", "int", "float", "bool", "string", "list"):
        if etype.startswith(prefix + "_") and etype.endswith(("_type", "_parsing", "_from_float")):
            return _EXPECTED_TYPE[prefix]
        if etype.startswith(prefix + "_from_"):
            return _EXPECTED_TYPE[prefix]
    return None


def _sp(text: str) -> str:
    """Prefix a space when text starts with a Latin character (spacing between CJK and Latin)."""
    return f" {text}" if text[:1].isascii() else text


def _bad(field_name: str, value: Any, expected: str) -> str:
    """Message for a value of the wrong shape."""
    if value is None:
        return f"{field_name} 没有填写值，应为{_sp(expected)}"
    if isinstance(value, dict | list):
        return f"{field_name} 应为{_sp(expected)}，实际为{_show(value)}"
    return f"{field_name} 取值 {_show(value)} 无效，应为{_sp(expected)}"


def _message(err: Any, model: type[BaseModel], base: tuple[Any, ...]) -> str:
    """Turn one pydantic error into a Chinese message naming the field, value and fix."""
    etype: str = err["type"]
    loc = tuple(err["loc"])
    name = _field(base + loc)
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if etype == "missing":
        return f"缺少必填字段 '{name}'{_MISSING_HINT.get(str(loc[-1]), '')}"
    if etype == "extra_forbidden":
        key = str(loc[-1])
        parent = _model_at(model, loc[:-1])
        known = list(parent.model_fields) if parent else []
        where = f"{_field(base + loc[:-1])} 中的" if base + loc[:-1] else ""
        hint = _suggest(key, known)
        if not hint and known:
            hint = f"（可用字段：{'、'.join(known)}）"
        return f"{where}未知字段 '{key}'{hint}"
    if etype in ("literal_error", "enum"):
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return _bad(name, value, _one_of(options))
    if etype == "string_pattern_mismatch":
        if ctx.get("pattern") == SLUG:
            return _bad(
                name,
                value,
                "小写字母、数字和连字符 - 组成、以字母或数字开头的标识（最长 63 个字符）",
            )
        return f"{name} 取值 {_show(value)} 不符合格式要求（正则 {ctx.get('pattern')}）"
    if etype == "string_too_short":
        return f"{name} 不能为空"
    if etype == "string_too_long":
        return f"{name} 过长，最多 {ctx.get('max_length')} 个字符"
    if etype == "too_short":
        return f"{name} 不能为空，至少需要填写 {ctx.get('min_length')} 项"
    if etype == "too_long":
        return f"{name} 最多只能有 {ctx.get('max_length')} 项"
    bounds = {
        "greater_than": ("gt", "应大于 {}"),
        "greater_than_equal": ("ge", "应大于或等于 {}"),
        "less_than": ("lt", "应小于 {}"),
        "less_than_equal": ("le", "应小于或等于 {}"),
        "multiple_of": ("multiple_of", "应为 {} 的整数倍"),
    }
    if etype in bounds:
        key, wanted = bounds[etype]
        limit = ctx.get(key)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"{name} 取值 {_show(value)} 无效，{wanted.format(limit)}"
    if etype == "finite_number":
        return f"{name} 取值 {_show(value)} 无效，应为有限的数字（不能是 .inf 或 .nan）"
    if loc and loc[-1] == "[key]":  # a dict[str, ...] key of another type
        return f"{_field(base + loc[:-2])} 中的键 {_show(value)} 无效，键应为文本（数字样式的键请加引号）"
    if etype == "invalid_key":
        where = f"{_field(base + loc[:-1])} 中" if base + loc[:-1] else "文件顶层"
        return f"{where}的键 {_show(value)} 无效，键应为文本"
    if etype == "string_unicode":
        return f"{name} 含有无法编码的字符（如孤立的 \\ud800 代理项），请删除"
    if etype in ("value_error", "assertion_error"):
        return f"{name}：{ctx.get('error', err['msg'])}" if name else str(ctx.get("error"))
    expected = _expected_for(etype)
    if expected is not None:
        if not loc:
            return f"条目应为{_sp(expected)}，实际为{_sp(_show(value))}{_colon_hint(value)}"
        hint = ""
        if expected == "文本" and isinstance(value, int | float | dt.date):
            hint = "（数字或日期样式的文本请加引号）"
        elif expected == _EXPECTED_TYPE["dict"]:
            hint = _colon_hint(value)
        return _bad(name, value, expected) + hint
    return f"{name} 取值 {_show(value)} 无效：{err['msg']}"


# --------------------------------------------------------------------------------------------
# The loader


class _Loader:
    """Collect every problem of one configuration directory while building the Config."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []

    def add(self, src: _Source | str, line: int, message: str) -> None:
        self.problems.append(Problem(src if isinstance(src, str) else src.display, line, message))

    def display(self, *parts: str) -> str:
        return str(self.root.joinpath(*parts))

    def top(self, src: _Source, key: str, allowed: set[str], example: str) -> Any:
        """Check a file's top-level mapping and return the node under `key` (None if absent)."""
        node = src.node
        if not isinstance(node, CommentedMap):
            self.add(
                src,
                _node_line(node, 1),
                f"文件顶层应为映射（以 “{key}:” 开头，例如 {example}），"
                f"实际为{_sp(_show(_plain(node)))}",
            )
            return None
        typo_for_key = False
        for k in node:
            if k in allowed:
                continue
            hint = _suggest(str(k), allowed)
            typo_for_key |= hint == f"（是否应为 {key}？）"
            if not hint:
                hint = f"（此文件只允许：{'、'.join(sorted(allowed))}）"
            self.add(src, _key_line(node, k, 1), f"未知的顶层字段 '{k}'{hint}")
        if key not in node and not typo_for_key and example:
            self.add(src, 1, f"缺少顶层字段 '{key}'，例如 {example}")
        return node.get(key)

    def entries(self, src: _Source, parent: CommentedMap, key: str) -> list[tuple[int, Any]]:
        """Return (line, node) for each item of the list under `key`; report a non-list."""
        seq = parent.get(key)
        if seq is None:
            return []
        if not isinstance(seq, CommentedSeq):
            self.add(
                src,
                _key_line(parent, key, 1),
                f"{key} 应为列表（每项以“- ”开头），实际为{_sp(_show(_plain(seq)))}",
            )
            return []
        return [(_key_line(seq, i, _node_line(seq, 1)), item) for i, item in enumerate(seq)]

    def validate(
        self,
        model: type[BaseModel],
        node: Any,
        src: _Source,
        line: int,
        prefix: str,
        base: tuple[Any, ...] = (),
    ) -> Any:
        """Validate a node with `model`; report each error at its key's line; None on errors."""
        try:
            # config_root: kinds that read files beside the rules (term_forbidden lexicons).
            return model.model_validate(_plain(node), context={"config_root": self.root})
        except ValidationError as exc:
            for err in exc.errors():
                where = _locate(node, err["loc"], line)
                self.add(src, where, prefix + _message(err, model, base))
            return None

    def misnamed(self, stem: str) -> None:
        """Report `<stem>.yml` standing where `<stem>.yaml` is expected (it would be ignored)."""
        if (self.root / f"{stem}.yml").is_file():
            self.add(
                self.display(f"{stem}.yml"),
                1,
                f"配置文件必须以 .yaml 结尾，此文件不会被读取；请改名为 {stem}.yaml",
            )

    # -- sites ------------------------------------------------------------------------------

    def load_sites(self) -> tuple[list[Site], set[str] | None]:
        """Load sites.yaml; return the valid sites and every site id written (None if unreadable)."""
        display = self.display("sites.yaml")
        path = self.root / "sites.yaml"
        if not self.root.is_dir():
            self.add(display, 1, f"找不到配置目录 {self.root}，请检查 --config 参数")
            return [], None
        if not path.is_file():
            hint = (
                "（发现 sites.yml，请改名为 sites.yaml）"
                if (self.root / "sites.yml").exists()
                else ""
            )
            self.add(
                display,
                1,
                f"找不到站点配置文件 sites.yaml，请创建它并在 sites: 下列出要检查的站点{hint}",
            )
            return [], None
        src = _read_yaml(path, display, self.problems)
        if src is None:
            return [], None
        if src.node is None:
            self.add(src, 1, "文件为空，请在 sites: 下列出至少一个要检查的站点")
            return [], None
        seq = self.top(src, "sites", {"sites"}, "sites: [...]")
        if isinstance(src.node, CommentedMap) and "sites" in src.node and not seq:
            self.add(
                src,
                _key_line(src.node, "sites", 1),
                "sites 列表为空，请至少配置一个要检查的站点",
            )
            return [], None
        if seq is None:
            return [], None
        names = profile_names()
        sites: list[Site] = []
        seen: dict[str, int] = {}
        written: set[str] = set()
        for i, (line, node) in enumerate(self.entries(src, src.node, "sites")):
            sid = node.get("id") if isinstance(node, CommentedMap) else None
            prefix = f"站点 '{sid}'：" if isinstance(sid, str) else f"第 {i + 1} 个站点："
            if isinstance(sid, str):
                if sid in seen:
                    self.add(
                        src,
                        _key_line(node, "id", line),
                        f"{prefix}id 重复，已在第 {seen[sid]} 行定义，站点 id 必须唯一",
                    )
                else:
                    seen[sid] = _key_line(node, "id", line)
                    written.add(sid)
            site = self.validate(Site, node, src, line, prefix)
            if isinstance(node, CommentedMap):
                self.check_site(src, node, line, prefix, names)
            if site is not None:
                sites.append(site)
        return sites, written

    def check_site(
        self, src: _Source, node: CommentedMap, line: int, prefix: str, names: list[str]
    ) -> None:
        """Cross-field checks of one site entry that pydantic's field types cannot express."""
        kind, sector = node.get("kind"), node.get("sector")
        if kind in ("government", "department") and sector is not None:
            self.add(
                src,
                _key_line(node, "sector", line),
                f"{prefix}sector 只适用于 kind 为 enterprise 的站点，kind 为 {kind} 的站点"
                "请删除 sector",
            )
        if kind == "enterprise":
            # 国办发〔2020〕50号: disclosure rules are per sector and overseen by a regulator.
            if sector is None:
                sectors = "、".join(typing.get_args(Sector))
                self.add(
                    src,
                    line,
                    f"{prefix}kind 为 enterprise 的站点必须填写 sector（所属行业，可选 {sectors}）",
                )
            if node.get("regulator") in (None, ""):
                self.add(
                    src,
                    line,
                    f"{prefix}kind 为 enterprise 的站点必须填写 regulator（主管部门，如 示例市水务局）",
                )
        urls = node.get("start_urls")
        netlocs: list[tuple[int, str, str]] = []
        if isinstance(urls, CommentedSeq):
            for i, url in enumerate(urls):
                if not isinstance(url, str):
                    continue
                where = _key_line(urls, i, line)
                netloc = _url_netloc(url)
                if netloc is None:
                    self.add(
                        src,
                        where,
                        f"{prefix}start_urls[{i}] 取值 {_show(url)} 无效，应为以 http:// 或 "
                        "https:// 开头、包含主机名的完整网址，如 https://www.example.gov.cn/",
                    )
                else:
                    netlocs.append((where, url, netloc))
        domains = node.get("allowed_domains")
        good_domains: list[str] = []
        if isinstance(domains, CommentedSeq):
            for i, dom in enumerate(domains):
                if not isinstance(dom, str):
                    continue
                if _domain_ok(dom):
                    good_domains.append(normalize_netloc(dom))
                    continue
                self.add(
                    src,
                    _key_line(domains, i, line),
                    f"{prefix}allowed_domains[{i}] 取值 {_show(dom)} 无效，应为主机名或“主机名:端口”，"
                    "如 www.example.gov.cn 或 127.0.0.1:8080（不带 http:// 和路径）",
                )
            if good_domains and len(good_domains) == len(domains):
                for where, url, netloc in netlocs:
                    if not _netloc_allowed(netloc, good_domains):
                        self.add(
                            src,
                            where,
                            f"{prefix}start_urls 中的 {_show(url)} 不在 allowed_domains 范围内，"
                            "抓取会被过滤；请把它的主机加入 allowed_domains，或删除 allowed_domains "
                            "使用默认值",
                        )
        profile = node.get("profile")
        if isinstance(profile, str) and profile not in names:
            known = "、".join(names) if names else "（checks/profiles/ 下没有模板文件）"
            self.add(
                src,
                _key_line(node, "profile", line),
                f"{prefix}profile 取值 {_show(profile)} 不是已有的目录模板{_suggest(profile, names)}"
                f"，可用模板：{known}",
            )
            return
        na = node.get("not_applicable")
        if not isinstance(na, CommentedSeq) or not na:
            return
        if isinstance(profile, str):
            resolved = profile
        elif kind in typing.get_args(SiteKind):
            resolved = default_profile(kind, sector if isinstance(sector, str) else None)
        else:
            return
        items = profile_items(resolved) if resolved in names else None
        if items is None:
            return
        for i, item in enumerate(na):
            if isinstance(item, str) and item not in items:
                self.add(
                    src,
                    _key_line(na, i, line),
                    f"{prefix}not_applicable[{i}] 取值 {_show(item)} 不是目录模板 '{resolved}' 中的"
                    f"事项{_suggest(item, items)}",
                )

    # -- rules ------------------------------------------------------------------------------

    def load_rules(self, site_ids: set[str] | None) -> tuple[list[Rule], set[str] | None]:
        """Load rules/*.yaml; return valid rules and every rule id written (None if unreadable)."""
        from checks.registry import kinds

        rules_dir = self.root / "rules"
        if not self.root.is_dir():
            return [], None  # already reported once, at sites.yaml
        if not rules_dir.is_dir():
            self.add(
                self.display("rules"),
                1,
                "找不到规则目录 rules/，请创建它并放入规则文件（可从项目自带的 config/rules/ 复制）",
            )
            return [], None
        known = kinds()
        rules: list[Rule] = []
        seen: dict[str, str] = {}
        complete = True  # every rule file was read, so an id missing from `seen` is unknown
        for path in sorted(rules_dir.glob("*.yml")):
            # Only *.yaml is read; a silently skipped rule file would hide a whole rule pack.
            self.add(
                self.display("rules", path.name),
                1,
                f"规则文件必须以 .yaml 结尾，此文件不会被读取；请改名为 {path.stem}.yaml",
            )
        for path in sorted(rules_dir.glob("*.yaml")):
            src = _read_yaml(path, self.display("rules", path.name), self.problems)
            if src is None:
                complete = False
                continue
            if src.node is None:
                self.add(src, 1, "文件为空，请在 rules: 下列出规则，或删除此文件")
                continue
            seq = self.top(src, "rules", {"rules"}, "rules: [...]")
            if seq is None or not isinstance(seq, CommentedSeq):
                complete &= isinstance(src.node, CommentedMap) and "rules" in src.node and not seq
            if seq is None:
                continue
            for i, (line, node) in enumerate(self.entries(src, src.node, "rules")):
                rule = self.check_rule(src, i, line, node, known, site_ids, seen)
                if rule is not None:
                    rules.append(rule)
        return rules, set(seen) if complete else None

    def check_rule(
        self,
        src: _Source,
        i: int,
        line: int,
        node: Any,
        known: dict[str, Any],
        site_ids: set[str] | None,
        seen: dict[str, str],
    ) -> Rule | None:
        """Validate one rule entry: envelope, duplicate id, check kind, params, site names."""
        rid = node.get("id") if isinstance(node, CommentedMap) else None
        prefix = f"规则 '{rid}'：" if isinstance(rid, str) else f"第 {i + 1} 条规则："
        if isinstance(rid, str):
            where = f"{src.display}:{_key_line(node, 'id', line)}"
            if rid in seen:
                self.add(
                    src,
                    _key_line(node, "id", line),
                    f"{prefix}id 重复，已在 {seen[rid]} 定义，规则 id 必须唯一",
                )
            else:
                seen[rid] = where
        rule = self.validate(Rule, node, src, line, prefix)
        if not isinstance(node, CommentedMap):
            return rule
        ok = rule is not None
        check = node.get("check")
        if isinstance(check, str) and check not in known:
            names = "、".join(sorted(known)) or "（尚未注册任何检查类型）"
            self.add(
                src,
                _key_line(node, "check", line),
                f"{prefix}未知的检查类型 '{check}'{_suggest(check, known)}，可用类型：{names}",
            )
            ok = False
        elif isinstance(check, str):
            params = node.get("params")
            if params is None:
                params = CommentedMap()
            if isinstance(params, CommentedMap):
                where = _key_line(node, "params", line)
                model = known[check].params_model
                ok &= self.validate(model, params, src, where, prefix, ("params",)) is not None
        applies = node.get("applies_to")
        sites = applies.get("sites") if isinstance(applies, CommentedMap) else None
        if isinstance(sites, CommentedSeq) and site_ids is not None:
            for j, sid in enumerate(sites):
                if isinstance(sid, str) and sid not in site_ids:
                    self.add(
                        src,
                        _key_line(sites, j, line),
                        f"{prefix}applies_to.sites 中的站点 '{sid}' 未在 sites.yaml 中定义"
                        f"{_suggest(sid, site_ids)}",
                    )
                    ok = False
        return rule if ok else None

    # -- mutes and settings -----------------------------------------------------------------

    def load_mutes(self, site_ids: set[str] | None, rule_ids: set[str] | None) -> list[Mute]:
        """Load the optional mutes.yaml; every mute must name a known rule and site."""
        path = self.root / "mutes.yaml"
        if not path.is_file():
            self.misnamed("mutes")
            return []
        src = _read_yaml(path, self.display("mutes.yaml"), self.problems)
        if src is None or src.node is None:
            return []
        if self.top(src, "mutes", {"mutes"}, "") is None:
            return []
        mutes: list[Mute] = []
        for i, (line, node) in enumerate(self.entries(src, src.node, "mutes")):
            mute = self.validate(Mute, node, src, line, f"第 {i + 1} 个屏蔽项：")
            if not isinstance(node, CommentedMap):
                continue
            prefix = f"第 {i + 1} 个屏蔽项："
            ok = mute is not None
            rule, site = node.get("rule"), node.get("site")
            if isinstance(rule, str) and rule_ids is not None and rule not in rule_ids:
                self.add(
                    src,
                    _key_line(node, "rule", line),
                    f"{prefix}rule 取值 '{rule}' 不是已定义的规则 id{_suggest(rule, rule_ids)}",
                )
                ok = False
            if isinstance(site, str) and site_ids is not None and site not in site_ids:
                self.add(
                    src,
                    _key_line(node, "site", line),
                    f"{prefix}site 取值 '{site}' 未在 sites.yaml 中定义{_suggest(site, site_ids)}",
                )
                ok = False
            if ok:
                mutes.append(mute)
        return mutes

    def load_settings(
        self, sites: list[Site] | None = None, site_ids: set[str] | None = None
    ) -> Settings:
        """Load the optional settings.yaml; absent keys take the documented defaults.

        `sites` (the valid ones) and `site_ids` (every id written) let schedule.overrides be
        checked against sites.yaml.
        """
        path = self.root / "settings.yaml"
        if not path.is_file():
            self.misnamed("settings")
            return Settings()
        src = _read_yaml(path, self.display("settings.yaml"), self.problems)
        if src is None or src.node is None:
            return Settings()
        if not isinstance(src.node, CommentedMap):
            self.add(
                src,
                _node_line(src.node, 1),
                f"文件顶层应为映射（如 crawl: {{max_pages: 500}}），"
                f"实际为{_sp(_show(_plain(src.node)))}",
            )
            return Settings()
        node = src.node
        for section in ("crawl", "probes", "checks", "schedule", "log", "email"):
            if section in node and node[section] is None:
                # A `crawl:` header whose keys are all commented out means "all defaults".
                node = node.copy()
                del node[section]
        settings = self.validate(Settings, node, src, 1, "")
        db = src.node.get("database")
        if isinstance(db, str):
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                make_url(db)
            except (ArgumentError, ValueError):  # ValueError: a malformed port, e.g. [::1:5432
                self.add(
                    src,
                    _key_line(src.node, "database", 1),
                    f"database 取值 {_show(db)} 不是有效的数据库地址，应如 sqlite:///var/gongkai.db "
                    "或 postgresql+psycopg://user@127.0.0.1:5432/gongkai",
                )
                settings = None
        schedule = src.node.get("schedule")
        if isinstance(schedule, CommentedMap) and settings is not None:
            if not self.check_schedule(src, schedule, sites or [], site_ids):
                settings = None
        email = src.node.get("email")
        if isinstance(email, CommentedMap) and settings is not None:
            if not self.check_email(src, email, sites or [], site_ids):
                settings = None
        return settings or Settings()

    def check_schedule(
        self, src: _Source, node: CommentedMap, sites: list[Site], site_ids: set[str] | None
    ) -> bool:
        """Cross-field checks of settings.yaml `schedule:`: time zone, cron expressions, and
        overrides naming known sites and sectors, each site scheduled by one override only."""
        import zoneinfo

        from scheduler import parse_cron

        ok = True

        def bad(parent: CommentedMap, key: Any, message: str) -> None:
            nonlocal ok
            self.add(src, _key_line(parent, key, _node_line(parent, 1)), "schedule." + message)
            ok = False

        tz = str(node.get("timezone", "Asia/Shanghai"))
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            bad(
                node,
                "timezone",
                f"timezone 取值 {_show(tz)} 不是有效的时区名称，应如 Asia/Shanghai",
            )
            tz = "Asia/Shanghai"
        audit = node.get("audit")
        if isinstance(audit, str):
            try:
                parse_cron(audit, tz)
            except ValueError as exc:
                bad(node, "audit", f"audit：{exc}")
        overrides = node.get("overrides")
        if not isinstance(overrides, CommentedSeq):
            return ok
        sectors_of: dict[str, set[str]] = {}
        for site in sites:
            sectors_of.setdefault(site.sector or "", set()).add(site.id)
        claimed: dict[str, str] = {}
        seen_ids: set[str] = set()
        for i, item in enumerate(overrides):
            if not isinstance(item, CommentedMap):
                continue
            oid = item.get("id")
            where = f"overrides 第 {i + 1} 项（{oid}）：" if isinstance(oid, str) else ""
            if isinstance(oid, str):
                if oid in seen_ids or oid == "audit":
                    bad(item, "id", f"{where}id 重复（“audit”是全面检查的任务名），请换一个")
                seen_ids.add(oid)
            cron = item.get("cron")
            if isinstance(cron, str):
                try:
                    parse_cron(cron, tz)
                except ValueError as exc:
                    bad(item, "cron", f"{where}cron：{exc}")
            chosen: list[str] = []
            listed = item.get("sites")
            if isinstance(listed, CommentedSeq):
                for j, sid in enumerate(listed):
                    if not isinstance(sid, str):
                        continue
                    if site_ids is not None and sid not in site_ids:
                        bad(
                            listed,
                            j,
                            f"{where}sites 中的站点 '{sid}' 未在 sites.yaml 中定义"
                            f"{_suggest(sid, site_ids)}",
                        )
                    chosen.append(sid)
            sectors = item.get("sectors")
            if isinstance(sectors, CommentedSeq):
                for j, sector in enumerate(sectors):
                    if not isinstance(sector, str):
                        continue
                    members = sectors_of.get(sector, set())
                    if not members and sites:
                        bad(sectors, j, f"{where}sectors 中的行业 '{sector}' 没有任何站点")
                    chosen.extend(sorted(members))
            if not listed and not sectors:
                bad(
                    item, "id" if "id" in item else "cron", f"{where}请用 sites 或 sectors 指定站点"
                )
            for sid in dict.fromkeys(chosen):
                if sid in claimed:
                    bad(
                        item,
                        "sites" if "sites" in item else "sectors",
                        f"{where}站点 '{sid}' 已由 {claimed[sid]}安排，一个站点只能属于一个覆盖项",
                    )
                else:
                    claimed[sid] = f"overrides 第 {i + 1} 项（{oid}）"
        return ok

    def check_email(
        self, src: _Source, node: CommentedMap, sites: list[Site], site_ids: set[str] | None
    ) -> bool:
        """Cross-field checks of settings.yaml `email:`: one TLS mode, username and password_env
        together, an http(s) report_url, someone to send to, and regulators named as in
        sites.yaml (a misspelt name would silently send nothing)."""
        ok = True

        def bad(parent: CommentedMap, key: Any, message: str) -> None:
            nonlocal ok
            self.add(src, _key_line(parent, key, _node_line(parent, 1)), "email." + message)
            ok = False

        if node.get("ssl") is True and node.get("starttls") is True:
            bad(node, "ssl", "ssl 与 starttls 只能选一个（465 端口用 ssl，587 端口用 starttls）")
        if node.get("username") and not node.get("password_env"):
            bad(
                node,
                "username",
                "填写了 username 但没有 password_env：请写保存密码的环境变量名，"
                "如 password_env: GONGKAI_SMTP_PASSWORD（密码不要写在配置文件中）",
            )
        if node.get("password_env") and not node.get("username"):
            bad(
                node,
                "password_env",
                "填写了 password_env 但没有 username（登录邮件服务器的用户名）",
            )
        url = node.get("report_url")
        if isinstance(url, str) and (
            urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc
        ):
            bad(
                node,
                "report_url",
                f"report_url 取值 {_show(url)} 应为以 http:// 或 https:// 开头的网址",
            )
        if not node.get("supervisors") and not node.get("regulators"):
            bad(
                node,
                "supervisors" if "supervisors" in node else "sender",
                "没有收件人：请在 supervisors 中列出政务公开办的邮件地址，或在 regulators 中按主管部门列出",
            )
        regulators = node.get("regulators")
        known = {s.regulator for s in sites if s.regulator}
        if isinstance(regulators, CommentedMap) and site_ids is not None and sites:
            for name in regulators:
                if name not in known:
                    hint = _suggest(str(name), known) or (
                        f"（sites.yaml 中的主管部门：{'、'.join(sorted(known))}）"
                        if known
                        else "（sites.yaml 中没有站点填写 regulator）"
                    )
                    bad(
                        regulators,
                        name,
                        f"regulators 中的主管部门 '{name}' 不是 sites.yaml 中任何站点的 regulator{hint}",
                    )
        return ok

    # -- frameworks -------------------------------------------------------------------------

    def load_frameworks(
        self, site_ids: set[str] | None, rule_ids: set[str] | None
    ) -> list[Framework]:
        """Load the optional frameworks/*.yaml (one framework per file)."""
        fw_dir = self.root / "frameworks"
        if not fw_dir.is_dir():
            return []
        for path in sorted(fw_dir.glob("*.yml")):
            self.add(
                self.display("frameworks", path.name),
                1,
                f"评分框架文件必须以 .yaml 结尾，此文件不会被读取；请改名为 {path.stem}.yaml",
            )
        frameworks: list[Framework] = []
        seen: dict[str, str] = {}
        for path in sorted(fw_dir.glob("*.yaml")):
            src = _read_yaml(path, self.display("frameworks", path.name), self.problems)
            if src is None:
                continue
            if not isinstance(src.node, CommentedMap):
                self.add(
                    src,
                    _node_line(src.node, 1),
                    "评分框架文件顶层应为映射（含 id、title、basis、requirements），"
                    f"实际为{_sp(_show(_plain(src.node)))}",
                )
                continue
            node = src.node
            fid = node.get("id")
            prefix = f"评分框架 '{fid}'：" if isinstance(fid, str) else "评分框架："
            if isinstance(fid, str):
                if fid in seen:
                    self.add(
                        src,
                        _key_line(node, "id", 1),
                        f"{prefix}id 重复，已在 {seen[fid]} 定义，评分框架 id 必须唯一",
                    )
                else:
                    seen[fid] = f"{src.display}:{_key_line(node, 'id', 1)}"
            fw = self.validate(Framework, node, src, 1, prefix)
            ok = self.check_framework(src, node, prefix, site_ids, rule_ids)
            if fw is not None and ok:
                frameworks.append(fw)
        return sorted(frameworks, key=lambda f: (f.order, f.id))

    def check_framework(
        self,
        src: _Source,
        node: CommentedMap,
        prefix: str,
        site_ids: set[str] | None,
        rule_ids: set[str] | None,
    ) -> bool:
        """Cross-field checks of a framework: requirement ids, rule ids, lines and points."""
        ok = True
        applies = node.get("applies_to")
        sites = applies.get("sites") if isinstance(applies, CommentedMap) else None
        if isinstance(sites, CommentedSeq) and site_ids is not None:
            for j, sid in enumerate(sites):
                if isinstance(sid, str) and sid not in site_ids:
                    self.add(
                        src,
                        _key_line(sites, j, 1),
                        f"{prefix}applies_to.sites 中的站点 '{sid}' 未在 sites.yaml 中定义"
                        f"{_suggest(sid, site_ids)}",
                    )
                    ok = False
        seen: dict[str, int] = {}
        total = 0.0
        for line, req in self.entries(src, node, "requirements"):
            if not isinstance(req, CommentedMap):
                continue
            rid = req.get("id")
            where = f"{prefix}要求 '{rid}'：" if isinstance(rid, str) else prefix

            def bad(key: str, message: str, req: CommentedMap = req, where: str = where) -> None:
                nonlocal ok
                self.add(src, _key_line(req, key, _node_line(req, 1)), where + message)
                ok = False

            if isinstance(rid, str):
                if rid in seen:
                    bad("id", f"id 重复，已在第 {seen[rid]} 行定义，同一框架内要求 id 必须唯一")
                else:
                    seen[rid] = _key_line(req, "id", line)
            rules = req.get("rules")
            if isinstance(rules, CommentedSeq) and rule_ids is not None:
                for j, rule in enumerate(rules):
                    if isinstance(rule, str) and rule not in rule_ids:
                        self.add(
                            src,
                            _key_line(rules, j, line),
                            f"{where}rules 中的 '{rule}' 不是已定义的规则 id"
                            f"{_suggest(rule, rule_ids)}",
                        )
                        ok = False
            veto, points = req.get("veto"), req.get("points")
            per, cap, prewarn = req.get("per_finding"), req.get("cap"), req.get("prewarn")
            if req.get("not_assessable") is True:
                for key in ("rules", "veto", "points", "prewarn"):
                    if req.get(key):
                        bad(key, f"not_assessable 的要求不能填写 {key}（网站无法体现，不参与计分）")
                continue
            if not rules:
                bad("id", "必须在 rules 中列出至少一个规则 id，或标记 not_assessable: true")
            if veto is None and points is None:
                bad("id", "必须填写 veto（单项否决线）或 points（扣分分值）之一")
            if veto is not None and points is not None:
                bad("points", "veto 和 points 不能同时填写：单项否决项不扣分")
            if points is None and (per is not None or cap is not None):
                bad(
                    "per_finding" if per is not None else "cap",
                    "per_finding 和 cap 需要配合 points 使用",
                )
            num = (int, float)
            if isinstance(points, num) and not isinstance(points, bool) and points > 0:
                total += float(points)
                if isinstance(per, num) and per > points:
                    bad("per_finding", f"per_finding（{per}）不能大于 points（{points}）")
                if isinstance(cap, num) and cap > points:
                    bad("cap", f"cap（{cap}）不能大于 points（{points}）：单项扣分不超过该项分值")
            if prewarn is not None and veto is None:
                bad("prewarn", "prewarn（预警线）只能与 veto（否决线）一起使用")
            pc = prewarn.get("count") if isinstance(prewarn, CommentedMap) else None
            vc = veto.get("count") if isinstance(veto, CommentedMap) else None
            if isinstance(pc, int) and isinstance(vc, int) and pc >= vc:
                bad("prewarn", f"prewarn.count（{pc}）必须小于 veto.count（{vc}）")
        if total > 100:
            self.add(
                src,
                _key_line(node, "requirements", 1),
                f"{prefix}各扣分项 points 合计 {total:g} 分，超过 100 分",
            )
            ok = False
        return ok


def _url_netloc(url: str) -> str | None:
    """Return the normalized host[:port] of an absolute http(s) URL, or None if it is not one."""
    if url != url.strip() or any(c.isspace() for c in url):
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    try:
        parts.port  # noqa: B018  (raises ValueError on a malformed port)
    except ValueError:
        return None
    return normalize_netloc(parts.netloc.rpartition("@")[2], scheme)


def _domain_ok(domain: str) -> bool:
    """Return whether an allowed_domains entry is a bare host or host:port."""
    m = _HOST_RE.match(domain)
    return bool(m) and (m.group(1) is None or 0 < int(m.group(1)) < 65536)


def _netloc_allowed(netloc: str, domains: list[str]) -> bool:
    """Return whether a start URL's host[:port] falls within the allowed domains."""
    host = _HOST_PORT_RE.fullmatch(netloc).group(1)  # type: ignore[union-attr]
    for dom in domains:
        dom_host, dom_port = _HOST_PORT_RE.fullmatch(dom).groups()  # type: ignore[union-attr]
        if netloc == dom:
            return True
        # A bare host admits any port and any subdomain (as Scrapy's allowed_domains does).
        if dom_port is None and (host == dom_host or host.endswith("." + dom_host)):
            return True
    return False


def load_config(config_dir: Path | str) -> Config:
    """Load and validate a configuration directory; raise ConfigError listing every problem."""
    root = Path(config_dir)
    loader = _Loader(root)
    sites, written_sites = loader.load_sites()
    rules, rule_ids = loader.load_rules(written_sites)
    mutes = loader.load_mutes(written_sites, rule_ids)
    settings = loader.load_settings(sites, written_sites)
    frameworks = loader.load_frameworks(written_sites, rule_ids)
    if loader.problems:
        order: dict[str, int] = {}
        for p in loader.problems:
            order.setdefault(p.file, len(order))
        raise ConfigError(sorted(loader.problems, key=lambda p: (order[p.file], p.line)))
    return Config(
        root=root,
        sites=sites,
        rules=rules,
        mutes=mutes,
        settings=settings,
        frameworks=frameworks,
    )


def load_crawl_config(config_dir: Path | str) -> Config:
    """Load and validate what a crawl reads (sites.yaml, settings.yaml); raise ConfigError.

    The crawl subprocess starts after the CLI or scheduler validated the whole directory with
    load_config. Reading the rules again would import every check kind (jieba among them),
    about half a second of start-up CPU per crawl for nothing (issue 7), so `rules`, `mutes`
    and `frameworks` are left empty here.
    """
    root = Path(config_dir)
    loader = _Loader(root)
    sites, written_sites = loader.load_sites()
    settings = loader.load_settings(sites, written_sites)
    if loader.problems:
        order: dict[str, int] = {}
        for p in loader.problems:
            order.setdefault(p.file, len(order))
        raise ConfigError(sorted(loader.problems, key=lambda p: (order[p.file], p.line)))
    return Config(root=root, sites=sites, rules=[], settings=settings)


def expired_mutes(config: Config, today: dt.date) -> list[Problem]:
    """Return a notice at its line for each mute of a valid config that expired before
    `today`: it no longer applies (checks.runner), which an operator should know before the
    findings it hid come back."""
    out: list[Problem] = []
    if not any(m.expires < today for m in config.mutes):
        return out
    path = config.root / "mutes.yaml"
    src = _read_yaml(path, str(path), [])
    seq = src.node.get("mutes") if src is not None and isinstance(src.node, CommentedMap) else None
    for i, mute in enumerate(config.mutes):
        if mute.expires < today:
            line = _key_line(seq[i], "expires", _key_line(seq, i, 1)) if seq else 1
            out.append(
                Problem(
                    str(path),
                    line,
                    f"提示：第 {i + 1} 个屏蔽项（{mute.rule} / {mute.site}）已于 "
                    f"{mute.expires.isoformat()} 到期，不再生效；请复核后续期或删除",
                )
            )
    return out


def validate_command(config_dir: Path | str, today: dt.date | None = None) -> int:
    """Run `gongkai validate`: print a summary (exit 0) or every problem (exit 2); with
    `today`, also name the mutes that have expired (a notice, exit 0)."""
    try:
        config = load_config(config_dir)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"发现 {len(exc.problems)} 处配置错误", file=sys.stderr)
        return 2
    for notice in expired_mutes(config, today) if today is not None else []:
        print(notice, file=sys.stderr)
    extra = f"，{len(config.frameworks)} 个评分框架" if config.frameworks else ""
    print(f"配置有效：{len(config.sites)} 个站点，{len(config.rules)} 条规则{extra}")
    return 0
