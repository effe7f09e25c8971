"""Email a run's results (issue 5): each supervisor (政务公开办) the whole run with findings.xlsx,
each regulator (主管部门) only its own sites with their workbook; SMTP through smtplib."""

from __future__ import annotations

import email.utils
import os
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from urllib.parse import urljoin

from conf import EmailSettings
from reports import context as ctx
from reports import exports
from reports.pages import page_slug

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
SUBJECT_PREFIX = "【政务公开网站检查】"
WORST_MAX = 5  # sites named under 问题较多的站点
COMMON_MAX = 5  # rules named under 最常见的问题
# Separators, Windows-reserved and control characters (issue 8: a regulator name from
# sites.yaml becomes a file name on the recipient's disk).
_FILENAME_BAD = re.compile(r'[\\/:*?"<>|\s\x00-\x1f\x7f]+')


@dataclass(frozen=True)
class Mail:
    """One message to send: recipients, Chinese subject and body, the xlsx attachment."""

    audience: str  # "supervisors" or the regulator's name
    to: tuple[str, ...]
    subject: str
    body: str
    filename: str
    attachment: bytes


@dataclass
class Delivery:
    """What a delivery did: the mails sent, those refused (with the reason), and the error that
    stopped it (server unreachable, login refused), if any."""

    sent: list[Mail] = field(default_factory=list)
    refused: list[tuple[Mail, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Return whether every mail was accepted by the server."""
        return self.error is None and not self.refused


class MailConfigError(Exception):
    """The email settings cannot be used as they are (e.g. the password variable is unset)."""


def _counts(labels: Mapping[str, int], order: Sequence[str]) -> str:
    return "，".join(f"{ctx.status_label(s)} {labels.get(s, 0)} {u}" for s, u in order)


def _scope_line(view: ctx.ReportContext) -> str:
    kinds = "、".join(f"{label} {n} 个" for label, n in view.run.kinds.items())
    return f"{view.run.site_count} 个站点（{kinds}），{view.run.rule_count} 条规则"


def _verdict_lines(view: ctx.ReportContext) -> list[str]:
    lines = []
    for fw in view.scores:
        verdicts: dict[str, int] = {}
        for _, card in fw.rows:
            verdicts[card["verdict"]] = verdicts.get(card["verdict"], 0) + 1
        shown = "，".join(f"{v} {verdicts.get(v, 0)} 个" for v in ("合格", "预警", "不合格"))
        lines.append(f"  {fw.title}：{shown}。")
    return lines


def _history_line(view: ctx.ReportContext) -> str | None:
    h = view.run.history
    if h is None:
        return None
    if h.first_check:
        return "  本次为首次检查，没有可比较的上次结果。"
    first = f"（另有 {h.first_sites} 个站点为首次检查）" if h.first_sites else ""
    return f"  与上次检查相比：新增问题 {h.new} 条，已整改 {h.resolved} 条{first}。"


def _site_line(i: int, site: ctx.SiteView) -> str:
    parts = [
        f"不通过 {site.rules['fail']} 项规则",
        f"问题 {exports.problem_count(site)} 条",
    ]
    h = site.history
    if h is not None and h.previous_run is not None:
        parts.append(f"新增 {h.new} 条、已整改 {len(h.resolved)} 条")
    elif h is not None:
        parts.append("首次检查")
    for card in site.scores:
        score = ctx.score_text(card["score"])
        verdict = exports.verdict_text(card)
        parts.append(
            f"{card['framework_title']}：{verdict}" + (f"，{score} 分" if score != "—" else "")
        )
    return f"  {i}. {site.name}（{site.id}）：" + "；".join(parts)


def report_page(report_url: str, path: str) -> str:
    """Return the address of a page of the published report (report_url: its directory or
    its index.html)."""
    base = report_url if report_url.endswith("/") else report_url + "/"
    if report_url.rsplit("/", 1)[-1].endswith((".html", ".htm")):
        base = report_url.rsplit("/", 1)[0] + "/"
    return urljoin(base, path)


def body_text(
    view: ctx.ReportContext,
    greeting: str,
    scope: str,
    report_url: str | None,
    filename: str,
    sheets: str,
    page: str | None = None,
) -> str:
    """Return a plain-text Chinese summary of a run (or a regulator's part of it)."""
    run = view.run
    lines = [
        f"{greeting}：",
        "",
        f"第 {run.id} 次政务公开网站检查（检查日期 {ctx.date_cn(run.as_of)}）已完成，{scope}结果如下。",
        "",
        "一、总体情况",
        f"  检查范围：{_scope_line(view)}。",
        "  规则结果："
        + _counts(run.rules, [(s, "项") for s in ("fail", "warn", "error", "pass")])
        + "。",
        "  发现问题："
        + _counts(run.findings, [(s, "条") for s in ("fail", "warn", "error", "muted")])
        + "。",
        *_verdict_lines(view),
    ]
    history = _history_line(view)
    if history:
        lines.append(history)
    worst = [s for s in view.sites if exports.problem_count(s) or s.rules["fail"]][:WORST_MAX]
    lines += ["", "二、问题较多的站点"]
    lines += [_site_line(i, s) for i, s in enumerate(worst, 1)] or ["  所有站点均未发现问题。"]
    lines += ["", "三、最常见的问题"]
    common = view.common[:COMMON_MAX]
    lines += [
        f"  {i}. {p.title}：{len(p.sites)} 个站点，{p.findings} 条（依据：{p.basis or '—'}）"
        for i, p in enumerate(common, 1)
    ] or ["  无。"]
    lines += ["", "四、完整报告"]
    lines.append(
        f"  在线报告：{report_url}"
        if report_url
        else "  在线报告：未配置（settings.yaml 的 email.report_url），请向检查管理员索取。"
    )
    if report_url and page:
        lines.append(f"  贵单位主管站点页面：{report_page(report_url, page)}")
    lines.append(f"  附件 {filename}：{sheets}。")
    lines += ["", "本邮件由 gongkai 在检查完成后自动发送，请勿直接回复。", ""]
    return "\n".join(lines)


def _subject(view: ctx.ReportContext, who: str) -> str:
    run = view.run
    failing = sum(1 for s in view.sites if s.rules["fail"])
    problems = sum(run.findings[s] for s in ctx.PROBLEM_STATUSES)
    text = (
        f"{SUBJECT_PREFIX}{ctx.date_cn(run.as_of)} 第 {run.id} 次检查{who}："
        f"{run.site_count} 个站点，{failing} 个有不通过项，问题 {problems} 条"
    )
    h = run.history
    if h is not None and not h.first_check:
        text += f"，新增 {h.new} 条，已整改 {h.resolved} 条"
    return text


def regulator_filename(regulator: str) -> str:
    """Return the attachment name of a regulator's workbook."""
    # At most 80 characters of the name: file names are limited to 255 bytes (UTF-8 CJK: 3).
    name = _FILENAME_BAD.sub("_", regulator).strip("_.")[:80].strip("_.") or "regulator"
    return f"findings-{name}.xlsx"


def compose(data: exports.RunData, settings: EmailSettings) -> list[Mail]:
    """Return the mails of a run: one per supervisor address (the whole run, findings.xlsx) and
    one per regulator with sites in the run (its sites only, its own workbook)."""
    mails: list[Mail] = []
    view = data.view()
    if settings.supervisors:
        sheets = "汇总、各主管部门分表、全部问题清单" + ("、已整改清单" if data.history else "")
        body = body_text(view, "各位同事", "全部站点", settings.report_url, "findings.xlsx", sheets)
        xlsx = exports.findings_xlsx(view, data.findings, data.resolved)
        subject = _subject(view, "")
        for address in settings.supervisors:
            mails.append(Mail("supervisors", (address,), subject, body, "findings.xlsx", xlsx))
    groups = exports.regulator_groups(view)
    for regulator, addresses in settings.regulators.items():
        site_ids = groups.get(regulator)
        if not site_ids or not addresses:
            continue
        part = data.subset(site_ids)
        sub_view = part.view()
        filename = regulator_filename(regulator)
        sheets = "汇总（仅贵单位主管的站点）、全部问题清单" + (
            "、已整改清单" if part.history else ""
        )
        body = body_text(
            sub_view,
            regulator,
            f"贵单位主管的 {len(site_ids)} 个站点",
            settings.report_url,
            filename,
            sheets,
            page=f"sectors/{page_slug(regulator, 'reg')}.html",  # reports/pages.py names it
        )
        xlsx = exports.findings_xlsx(sub_view, part.findings, part.resolved, sector_sheets=False)
        mails.append(
            Mail(
                regulator,
                tuple(addresses),
                _subject(sub_view, f"（{regulator}）"),
                body,
                filename,
                xlsx,
            )
        )
    return mails


def unaddressed(data: exports.RunData, settings: EmailSettings) -> list[tuple[str, int]]:
    """Return (regulator, site count) of the run's regulators that have no addresses."""
    groups = exports.regulator_groups(data.view())
    return [
        (name, len(ids))
        for name, ids in groups.items()
        if name != exports.NO_REGULATOR and not settings.regulators.get(name)
    ]


def message(mail: Mail, sender: str) -> EmailMessage:
    """Return the MIME message of a mail: UTF-8 text body and the xlsx attachment."""
    msg = EmailMessage()
    msg["Subject"] = mail.subject
    msg["From"] = sender
    msg["To"] = ", ".join(mail.to)
    msg["Date"] = email.utils.formatdate(localtime=True)
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or None
    msg["Message-ID"] = email.utils.make_msgid(domain=domain)
    msg.set_content(mail.body, charset="utf-8")
    msg.add_attachment(
        mail.attachment, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=mail.filename
    )
    return msg


def _reason(exc: BaseException) -> str:
    """Return a Chinese reason for a connection-level failure."""
    if isinstance(exc, socket.gaierror):
        return "域名无法解析"
    if isinstance(exc, ConnectionRefusedError):
        return "连接被拒绝（端口上没有邮件服务）"
    if isinstance(exc, TimeoutError):
        return "连接超时"
    if isinstance(exc, ssl.SSLError):
        return f"TLS 加密连接失败（{exc.reason or exc}）"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return "服务器不支持 STARTTLS"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "服务器断开了连接"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"服务器答复 {exc.smtp_code} {_decode(exc.smtp_error)}"
    return str(exc) or type(exc).__name__


def _decode(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def password(settings: EmailSettings, environ: Mapping[str, str] | None = None) -> str | None:
    """Return the SMTP password from the environment variable `password_env` names."""
    if not settings.username:
        return None
    env = os.environ if environ is None else environ
    name = settings.password_env or ""
    value = env.get(name)
    if not value:
        raise MailConfigError(
            f"环境变量 {name} 未设置：settings.yaml 的 email.password_env 指定由它提供 "
            f"{settings.username} 登录邮件服务器的密码。"
        )
    return value


def send(
    mails: Sequence[Mail], settings: EmailSettings, environ: Mapping[str, str] | None = None
) -> Delivery:
    """Send the mails over one SMTP connection; a refused message does not stop the others.

    Raises MailConfigError before connecting when the password variable is unset.
    """
    secret = password(settings, environ)
    result = Delivery()
    host, port = settings.host, settings.smtp_port
    sender_addr = email.utils.parseaddr(settings.sender)[1]
    where = f"{host}:{port}"
    try:
        if settings.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=settings.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=settings.timeout)
        with smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username and secret is not None:
                smtp.login(settings.username, secret)
            for mail in mails:
                try:
                    refused = smtp.send_message(
                        message(mail, settings.sender), from_addr=sender_addr, to_addrs=mail.to
                    )
                except smtplib.SMTPRecipientsRefused as exc:
                    result.refused.append((mail, "收件人被拒绝：" + "、".join(exc.recipients)))
                    continue
                except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                    result.refused.append((mail, _reason(exc)))
                    continue
                if refused:
                    result.refused.append((mail, "部分收件人被拒绝：" + "、".join(refused)))
                result.sent.append(mail)
    except smtplib.SMTPAuthenticationError as exc:
        result.error = (
            f"邮件服务器 {where} 拒绝登录（用户 {settings.username}，{_reason(exc)}）："
            f"请检查 email.username 和环境变量 {settings.password_env} 中的密码。"
        )
    except (OSError, smtplib.SMTPException) as exc:
        result.error = f"无法通过邮件服务器 {where} 发送：{_reason(exc)}。"
    return result
