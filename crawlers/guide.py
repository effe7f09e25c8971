"""Read a 政府信息公开指南: which 条例第十二条 elements its text states, and the date it gives.

Pure functions run at crawl time only for pages titled like a guide (`is_guide_title`), so only
the small dict `parse_guide` returns is stored, never the guide's text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["ADVISORY", "ELEMENTS", "LABELS", "is_guide_title", "parse_guide"]

# 条例第十二条: the guide states 分类、编排体系、获取方式 and the disclosure office's 名称、办公地址、
# 办公时间、联系电话、传真号码、互联网联系方式. Each element: the wordings real guides use.
_ELEMENT_RES: dict[str, re.Pattern[str]] = {
    "classification": re.compile(r"分类|编排体系|编排方式|编制体系|信息类别|公开目录"),
    "access": re.compile(
        r"获取方式|获取信息的方式|获取政府信息|获取途径|公开方式|公开的方式|公开渠道|公开形式"
        r"|公开途径|查阅方式|查阅途径"
    ),
    "address": re.compile(r"地址\s*[:：为]|地址位于|办公地点|受理地点|接待地点|通讯处"),
    "hours": re.compile(
        r"(?:办公|工作|受理|咨询|接待|办理|服务)时间|周一至周[五六日]|星期一至星期[五六日]|工作日"
    ),
    "phone": re.compile(r"(?:电话|热线|手机)\s*(?:号码)?\s*[:：为]?\s*[（(]?\d"),
    "fax": re.compile(r"传真"),
    "internet": re.compile(
        r"电子邮箱|电子邮件|电子信箱|邮箱\s*[:：]|e-?mail|[@＠]|网址|https?://|www\.", re.I
    ),
}
ELEMENTS: list[str] = list(_ELEMENT_RES)
# Advisory (not a 第十二条 element): the guide explains how to apply (依申请公开 procedure).
_ADVISORY_RES: dict[str, re.Pattern[str]] = {
    "application": re.compile(r"依申请公开|申请公开|公开申请"),
}
ADVISORY: list[str] = list(_ADVISORY_RES)
LABELS: dict[str, str] = {
    "classification": "分类、编排体系",
    "access": "获取方式",
    "address": "办公地址",
    "hours": "办公时间",
    "phone": "联系电话",
    "fax": "传真号码",
    "internet": "互联网联系方式（电子邮箱等）",
    "application": "依申请公开程序",
}

_TITLE_RE = re.compile(r"信息公开指南|办事公开指南|政务公开指南")
# A date the guide gives for itself: 更新日期：2024年3月1日 / 2024年3月1日修订 …
_DATE_LABEL_RE = re.compile(r"(?:更新|修订|修改|印发|编制|发布)(?:日期|时间|于)?\s*[:：]?\s*$")
_DATE_AFTER_RE = re.compile(r"^\s*(?:更新|修订|修改|编制|印发)")
_DATE_RE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})(?!\d)\s*日?"
)
_FULLWIDTH = str.maketrans("０１２３４５６７８９：", "0123456789:")


def is_guide_title(title: str | None) -> bool:
    """Return whether a page title names a 政府信息公开指南 (or 办事公开指南)."""
    return bool(title and _TITLE_RE.search(title))


def _stated_date(text: str) -> str | None:
    """Return the newest date the text labels as the guide's update or revision date."""
    best: str | None = None
    for m in _DATE_RE.finditer(text):
        try:
            iso = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            continue
        before, after = text[max(0, m.start() - 12) : m.start()], text[m.end() : m.end() + 6]
        if _DATE_LABEL_RE.search(before) or _DATE_AFTER_RE.match(after):
            best = max(best or iso, iso)
    return best


def parse_guide(text: str, pub_date: str | None = None) -> dict[str, Any]:
    """Return {'elements': present keys, 'advisory': present keys, 'date', 'date_source'}.

    `date` is the update/revision date the guide states ('text'), else the page's publish date
    ('pub_date'), else None.
    """
    text = re.sub(r"\s+", " ", (text or "").translate(_FULLWIDTH))[:40000]
    stated = _stated_date(text)
    date, source = (
        (stated, "text") if stated else (pub_date, "pub_date") if pub_date else (None, None)
    )
    return {
        "elements": [k for k, pat in _ELEMENT_RES.items() if pat.search(text)],
        "advisory": [k for k, pat in _ADVISORY_RES.items() if pat.search(text)],
        "date": date[:10] if date else None,
        "date_source": source,
    }
