"""HTML of a finding's evidence, built in Python rather than with recursive Jinja macros: a
report of 300 sites × 100 findings renders ~200,000 evidence values, and a macro call per
value was most of the report's time (bench/report_bench.py).

Every piece of text goes through markupsafe.escape; only LinkView/EvidenceValue hrefs, which
context.safe_href limited to http(s) URLs, become href attributes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

from crawlers.privacy import redact
from reports.context import (
    EvidenceField,
    EvidenceValue,
    FindingView,
    LinkView,
    date_cn,
    status_label,
)

# A digit run long enough to be a 手机号, 身份证号 or 银行卡号 (ASCII or full-width): only such
# snippets are passed through the masker again.
_LONG_DIGITS = re.compile(r"[0-9０-９][0-9０-９ ]{9,}")


def mask_snippet(text: str) -> str:
    """Return crawled text with personal numbers masked (the crawler masks snippets when it
    stores them; this is the report's second line of defence for evidence from any kind)."""
    if not _LONG_DIGITS.search(text):
        return text
    return redact(text)[0]


def _value(v: EvidenceValue, out: list[str]) -> None:
    kind = v.kind
    if kind == "url":
        out.append(
            f'<a class="url" href="{escape(v.href)}" rel="noopener noreferrer">{escape(v.text)}</a>'
        )
    elif kind == "date":
        out.append(f'<time datetime="{escape(v.text)}">{escape(date_cn(v.text))}</time>')
    elif kind == "http":
        out.append(f'<span class="http">{escape(v.text)}</span>')
    elif kind == "snippet":
        more = f"…（另有 {v.more} 字）" if v.more else ""
        out.append(f'<q class="snippet">{escape(mask_snippet(v.text))}{more}</q>')
    elif kind == "list":
        if not v.items:
            out.append('<span class="none">（无）</span>')
            return
        out.append('<ul class="ev-list">')
        for item in v.items:
            out.append("<li>")
            _value(item, out)
            out.append("</li>")
        if v.more:
            out.append(f'<li class="more">……另有 {v.more} 项，见 findings.json</li>')
        out.append("</ul>")
    elif kind == "map":
        _fields(v.fields, out)
    else:
        out.append(str(escape(v.text)))


def _fields(fields: Iterable[EvidenceField], out: list[str]) -> None:
    fields = tuple(fields)
    if not fields:
        return
    out.append('<dl class="evidence">')
    for f in fields:
        out.append(f'<dt title="{escape(f.key)}">{escape(f.label)}</dt><dd>')
        _value(f.value, out)
        out.append("</dd>")
    out.append("</dl>")


def evidence_html(fields: Iterable[EvidenceField]) -> Markup:
    """Return the <dl class="evidence"> of a finding's labelled evidence ('' when empty)."""
    out: list[str] = []
    _fields(fields, out)
    return Markup("".join(out))


def _badge(status: str) -> str:
    return f'<span class="badge badge-{escape(status)}">{escape(status_label(status))}</span>'


def _link(url: LinkView) -> str:
    """Return a URL as a link when context.safe_href allowed it (http/https), else as text."""
    if url.href is not None:
        return (
            f'<a class="url" href="{escape(url.href)}" rel="noopener noreferrer">'
            f"{escape(url.text)}</a>"
        )
    return f'<span class="url inert">{escape(url.text)}</span>'


def finding_row_html(f: FindingView) -> Markup:
    """Return one finding's table row: status and history marks, subject and link, message
    (with the mute's reason and expiry), evidence. Rows carry data-status / data-severity for
    the page's filters."""
    out = [
        f'<tr class="finding status-{escape(f.status)}" data-filterable '
        f'data-status="{escape(f.status)}" data-severity="{escape(f.severity)}">',
        f'<td class="col-status">{_badge(f.status)}',
    ]
    # 新增 / 持续 against the site's previous complete run (checks/history.py).
    if f.change == "new":
        out.append('<br><span class="change change-new">新增</span>')
    elif f.change == "persisting":
        out.append(
            f'<br><span class="change change-persisting">持续（自 {escape(f.first_seen)} 起）</span>'
        )
        if f.previous_status and f.previous_status != f.status:
            prev = escape(status_label(f.previous_status))
            out.append(f'<br><span class="change-prev">上次：{prev}</span>')
    out.append('</td><td class="col-subject">')
    if f.url is not None and f.url.text == f.subject:
        out.append(f'<span class="subject">{_link(f.url)}</span>')
    else:
        out.append(f'<span class="subject">{escape(f.subject)}</span>')
        if f.url is not None:
            out.append(f"<br>{_link(f.url)}")
    out.append(f'</td><td class="col-message">{escape(f.message)}')
    if f.mute_reason:
        out.append(f'<p class="mute-reason">豁免理由：{escape(f.mute_reason)}')
        if f.mute_expires:
            out.append(
                f'（豁免至 <time datetime="{escape(f.mute_expires)}">'
                f"{escape(date_cn(f.mute_expires))}</time>）"
            )
        out.append("</p>")
    out.append('</td><td class="col-evidence">')
    _fields(f.evidence, out)
    out.append("</td></tr>\n")
    return Markup("".join(out))
