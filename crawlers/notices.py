"""Read a utility outage notice (停水/停电/停气/停暖 通知、公告): type, plan, times, area, reason.

Pure functions over a page's title and main text, run at crawl time only for pages whose title
looks like a notice (`is_notice_title`), so the body text itself is never stored: only the dict
`parse_notice` returns. Times are naive Beijing wall-clock ISO strings ('YYYY-MM-DDTHH:MM'), or
a bare date ('YYYY-MM-DD') when the notice names a day without a clock time.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["is_notice_title", "notice_type", "parse_notice", "parse_range"]

# A notice title: an outage word plus a notice word (建城规〔2021〕4号 停水/停气/停热 notices;
# 《供电监管办法》第十三条 停电 notices).
_OUTAGE_WORD_RE = re.compile(
    r"停水|停电|停气|停暖|停热|停供|降压供水|降压供气|限电|检修|抢修|停止供(?:水|气|暖|热)"
)
_NOTICE_WORD_RE = re.compile(r"通知|公告|告知|预告|通告|公示|启事")

# Outage type: the earliest of these words in the title decides, then the text.
_TYPE_RES: list[tuple[str, re.Pattern[str]]] = [
    ("water", re.compile(r"停水|供水|自来水|水厂|水管|给水|用水|水压")),
    ("power", re.compile(r"停电|供电|限电|电力|线路|变电|配电|台区|用电|kV|千伏", re.I)),
    ("gas", re.compile(r"停气|燃气|天然气|供气|煤气|调压站|用气")),
    ("heat", re.compile(r"停暖|停热|供暖|供热|采暖|暖气|热力|换热站|热源")),
]
# Planned / temporary / emergency (《电力供应与使用条例》: 计划检修 7 days, 临时检修 24 hours;
# faults and 抢修 are announced as soon as possible, so they owe no notice period).
_PLAN_RES: list[tuple[str, re.Pattern[str]]] = [
    ("emergency", re.compile(r"抢修|故障|突发|紧急|事故|爆管|应急")),
    ("temporary", re.compile(r"临时")),
    ("planned", re.compile(r"计划|检修|施工|改造|碰口|割接|接驳|迁改|维护|预试|预防性试验")),
]

_WEEK = r"(?:\s*[（(]\s*(?:星期|周|礼拜)[一二三四五六日天]\s*[)）]|\s*(?:星期|周|礼拜)[一二三四五六日天])?"
_NEXT = r"次日|翌日|第二天|隔天"
_AMPM = r"上午|下午|中午|晚上|夜间|夜里|晚|凌晨|早上|早晨|早|白天"


def _date(p: str) -> str:
    return (
        rf"(?:(?:(?P<{p}y>(?:19|20)\d{{2}})\s*年\s*)?(?P<{p}m>\d{{1,2}})\s*月\s*(?P<{p}d>\d{{1,2}})"
        rf"\s*[日号]?|(?P<{p}iy>(?:19|20)\d{{2}})\s*[-/.]\s*(?P<{p}im>\d{{1,2}})\s*[-/.]\s*"
        rf"(?P<{p}id>\d{{1,2}})\s*日?)"
    )


def _time(p: str) -> str:
    return (
        rf"(?:(?P<{p}ap>{_AMPM})\s*)?(?P<{p}h>\d{{1,2}})\s*(?:[:：]\s*(?P<{p}mi>\d{{2}})"
        rf"|[时点](?:\s*(?P<{p}mi2>\d{{1,2}})\s*分|\s*(?P<{p}half>半))?)"
    )


_SEP = r"\s*(?:起|开始)?\s*(?:至|到|止|—+|–|~|～|－|-{1,2}|－)\s*"
_RANGE_RE = re.compile(
    rf"{_date('s')}{_WEEK}\s*(?:{_time('s')})?{_SEP}"
    rf"(?:{_date('e')}{_WEEK}\s*)?(?:(?P<enx>{_NEXT})\s*)?(?:{_time('e')})?"
)
_POINT_RE = re.compile(rf"{_date('s')}{_WEEK}\s*(?:{_time('s')})?")
# Labels in front of the outage time; a range after one beats the first range of the text.
_TIME_LABEL_RE = re.compile(
    r"(?:停水|停电|停气|停暖|停热|停供|施工|作业|检修|计划|影响|降压)?时间(?:段|安排)?\s*[:：为]?"
)
_AREA_RE = re.compile(
    r"(?:影响|停水|停电|停气|停暖|停热|停供|降压(?:供水|供气)?|涉及|受影响)(?:范围|区域|地段|片区|地区|用户|小区|线路)"
    r"(?:及设备)?\s*(?:[:：]|为|包括|如下)\s*(?P<v>[^。；;\n]{2,160})"
)
_REASON_LABEL_RE = re.compile(
    r"(?:停水|停电|停气|停暖|停热|停供)?(?:原因|事由|施工内容|工作内容|作业内容|检修内容)\s*[:：为]\s*"
    r"(?P<v>[^。；;\n]{2,80})"
)
_REASON_CAUSE_RE = re.compile(r"(?:因|由于|为配合|为保证|为确保)(?P<v>[^。；;，,]{2,40})")
_PHONE_RE = re.compile(
    r"(?<!\d)(?:0\d{2,3}\s*[-－—]?\s*\d{7,8}|1[3-9]\d{9}|95598|96\d{3}|12345|12319)(?!\d)"
)
_CONTACT_RE = re.compile(r"电话|热线|联系|咨询|客服")

_FULLWIDTH = str.maketrans("０１２３４５６７８９：／．　", "0123456789:/. ")


def is_notice_title(title: str | None) -> bool:
    """Return whether a page title reads as an outage notice (停水/停电/停气/停暖 … 通知/公告)."""
    if not title:
        return False
    return bool(_OUTAGE_WORD_RE.search(title) and _NOTICE_WORD_RE.search(title))


def _earliest(text: str, table: list[tuple[str, re.Pattern[str]]]) -> str | None:
    """Return the key whose pattern matches earliest in text (table order breaks ties)."""
    best: tuple[int, int, str] | None = None
    for order, (key, pat) in enumerate(table):
        m = pat.search(text)
        if m and (best is None or (m.start(), order) < best[:2]):
            best = (m.start(), order, key)
    return best[2] if best else None


def notice_type(title: str, text: str = "") -> str | None:
    """Return water | power | gas | heat for a notice, from its title first, then its text."""
    return _earliest(title, _TYPE_RES) or _earliest(text[:400], _TYPE_RES)


def _plan(title: str, text: str) -> str | None:
    """Return planned | temporary | emergency, from the title first, then the first sentences."""
    # The strongest word wins (管网改造临时停水 is temporary; 临时检修 too). In the body only the
    # opening counts: later lines say "如遇抢修…" in planned notices too.
    for where in (title, text[:150]):
        for key, pat in _PLAN_RES:
            if pat.search(where):
                return key
    return None


def _hm(m: re.Match[str], p: str, pm_hint: bool = False) -> tuple[int, int] | None:
    """Return (hour, minute) of a time group set, applying 上午/下午, or None when absent."""
    if m.group(f"{p}h") is None:
        return None
    h = int(m.group(f"{p}h"))
    mi = m.group(f"{p}mi") or m.group(f"{p}mi2")
    minute = 30 if m.group(f"{p}half") else int(mi) if mi else 0
    ap = m.group(f"{p}ap")
    if (ap in ("下午", "晚上", "夜间", "夜里", "晚") or (ap is None and pm_hint)) and h < 12:
        h += 12
    elif ap == "中午" and h < 3:
        h += 12
    if h > 24 or minute > 59:
        return None
    return h, minute


def _ymd(m: re.Match[str], p: str, year: int | None) -> tuple[dt.date | None, bool]:
    """Return the date of a date group set (year from `year` when absent) and whether inferred."""
    y, mo, d = m.group(f"{p}iy"), m.group(f"{p}im"), m.group(f"{p}id")
    if y is None:
        y, mo, d = m.group(f"{p}y"), m.group(f"{p}m"), m.group(f"{p}d")
    if mo is None:
        return None, False
    inferred = y is None
    if inferred and year is None:
        return None, True
    try:
        return dt.date(int(y) if y else year, int(mo), int(d)), inferred  # type: ignore[arg-type]
    except ValueError:
        return None, inferred


def _fmt(day: dt.date, hm: tuple[int, int] | None) -> str:
    """Return 'YYYY-MM-DDTHH:MM', or the bare date when no time is known (24:00 rolls over)."""
    if hm is None:
        return day.isoformat()
    h, mi = hm
    if h == 24:
        day, h = day + dt.timedelta(days=1), 0
    return f"{day.isoformat()}T{h:02d}:{mi:02d}"


def _pub(pub_date: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(pub_date[:10]) if pub_date else None
    except ValueError:
        return None


def parse_range(text: str, pub_date: str | None = None) -> dict[str, Any] | None:
    """Return {'start', 'end', 'text', 'year_inferred'} for the outage time in text, or None.

    A year-less date takes the publish date's year (the next year when that would put the
    outage months before the notice); an end without a date is on the start's day, or the next
    day after 次日 or when its clock time is not after the start's (22:00至6:00).
    """
    text = text.translate(_FULLWIDTH)
    pub = _pub(pub_date)
    labelled = [lm.end() for lm in _TIME_LABEL_RE.finditer(text)]
    found: list[tuple[int, dict[str, Any]]] = []
    for m in _RANGE_RE.finditer(text):
        got = _from_range(m, pub)
        if got is not None:
            found.append((m.start(), got))
    if not found:
        for m in _POINT_RE.finditer(text):
            if m.group("sh") is None:
                continue  # a bare date without a clock time is too weak to be the start
            day, inferred = _ymd(m, "s", pub.year if pub else None)
            if day is None:
                continue
            day = _roll_year(day, pub) if inferred else day
            got = {"start": _fmt(day, _hm(m, "s")), "end": None, "text": m.group(0).strip()}
            got["year_inferred"] = inferred
            found.append((m.start(), got))
    if not found:
        return None
    # Prefer a time right after a 停水时间-style label; else the first one in the text.
    for pos, got in found:
        if any(0 <= pos - end <= 12 for end in labelled):
            return got
    return found[0][1]


def _roll_year(day: dt.date, pub: dt.date | None) -> dt.date:
    """Move a year-less date to the next year when it would fall long before the notice."""
    if pub is not None and (pub - day).days > 180:
        try:
            return day.replace(year=day.year + 1)
        except ValueError:
            return day
    return day


def _from_range(m: re.Match[str], pub: dt.date | None) -> dict[str, Any] | None:
    """Turn one range match into start/end strings, or None when it is not a time range."""
    start_day, s_inferred = _ymd(m, "s", pub.year if pub else None)
    if start_day is None:
        return None
    if s_inferred:
        start_day = _roll_year(start_day, pub)
    s_hm = _hm(m, "s")
    pm_start = (m.group("sap") or "") in ("下午", "晚上", "晚", "夜间", "夜里")
    e_hm = _hm(m, "e", pm_hint=pm_start and m.group("eap") is None)
    has_end_date = m.group("em") is not None or m.group("eim") is not None
    if not has_end_date and e_hm is None:
        return None  # "11月25日至" followed by something else
    if s_hm is None and e_hm is not None and not has_end_date:
        return None  # "11月25日-8:00": not a range
    if has_end_date:
        end_day, e_inferred = _ymd(m, "e", start_day.year)
        if end_day is None:
            return None
        if e_inferred and end_day < start_day:
            end_day = end_day.replace(year=end_day.year + 1)
    else:
        end_day = start_day
        if m.group("enx") or (s_hm is not None and e_hm is not None and e_hm <= s_hm):
            end_day = start_day + dt.timedelta(days=1)
    if m.group("enx") and has_end_date:
        end_day = end_day + dt.timedelta(days=1)
    if (end_day - start_day).days > 366:
        return None
    return {
        "start": _fmt(start_day, s_hm),
        "end": _fmt(end_day, e_hm),
        "text": m.group(0).strip(),
        "year_inferred": s_inferred,
    }


def _mask(phone: str) -> str:
    """Return a phone number with a mobile number's middle four digits masked."""
    return f"{phone[:3]}****{phone[7:]}" if re.fullmatch(r"1\d{10}", phone) else phone


def _clip(value: str, limit: int) -> str:
    value = re.sub(r"\s+", " ", value).strip(" ，,：:")
    return value[:limit]


def parse_notice(title: str, text: str, pub_date: str | None = None) -> dict[str, Any]:
    """Return what an outage notice states: type, plan, start/end, area, reason, contact.

    Keys: type (water|power|gas|heat|None), plan (planned|temporary|emergency|None), start and
    end ('YYYY-MM-DDTHH:MM', a bare date, or None), time_text (the matched words), year_inferred,
    area, reason, contact (a phone number is given), phone (the first one).
    """
    text = re.sub(r"[ \t\u3000\xa0]+", " ", text or "")[:20000]
    span = parse_range(text, pub_date) or {}
    area = _AREA_RE.search(text)
    reason = _REASON_LABEL_RE.search(text) or _REASON_CAUSE_RE.search(text)
    phones = [m.group(0) for m in _PHONE_RE.finditer(text.translate(_FULLWIDTH))]
    return {
        "type": notice_type(title, text),
        "plan": _plan(title, text),
        "start": span.get("start"),
        "end": span.get("end"),
        "time_text": span.get("text"),
        "year_inferred": bool(span.get("year_inferred")),
        "area": _clip(area.group("v"), 120) if area else None,
        "reason": _clip(reason.group("v"), 60) if reason else None,
        "contact": bool(phones) and bool(_CONTACT_RE.search(text)),
        # A mobile number may be a person's: keep it masked (去标识化), like crawlers.privacy.
        "phone": _mask(phones[0]) if phones else None,
    }
