"""Find personal data (身份证号, 手机号, 银行卡号) in disclosed text and return it masked.

《2018年政务公开工作要点》: except for 惩戒公示 and 强制性信息披露, personal-privacy information
must be 去标识化 before it is published. This module finds numbers that a reader would take for
someone's ID, mobile or bank-card number and reports them only in masked form: a raw value never
leaves `scan` (hits carry the masked value, a masked context and a salted hash for dedupe).

The scan is one pass of one linear-time regex over the text (no backtracking patterns, no
tokeniser): every maximal digit run of plausible length is a candidate, and each candidate is
confirmed by arithmetic (GB 11643 checksum and birth date, Luhn) and a little context.

Rules (documented here because they decide what counts as a leak):
- 身份证号: exactly 18 characters (17 digits + digit or X) not inside a longer run of digits or
  ASCII letters; first two digits a province code; digits 7–14 a real date 1900-01-01..2099-12-31;
  the GB 11643-1999 ISO 7064 MOD 11-2 check character matches. (15-digit pre-1999 IDs have no
  checksum and look like any order number, so they are not reported.)
- 手机号: exactly 11 digits `1[3-9]\\d{9}`, not inside a longer digit/letter run, and not
  labelled as some other number (编号, 单号, 流水号, 文号, 代码 …) just before it.
- 银行卡号: 16–19 digits (or groups of 4 separated by single spaces), not inside a longer run,
  passing Luhn, and either labelled as a card or account within 12 characters before it (卡号,
  账号, 银行卡, 开户行 …) or starting with a Chinese issuer prefix (62 银联, 9558 工行,
  436742 建行, 601382 中行). Unlabelled numbers with other prefixes are too often order or
  serial numbers to report.
- A mobile number with a contact label within 30 characters before it (联系, 咨询, 热线, 投诉,
  举报, 监督, 办公电话 …) is marked `contact`: a published 联系方式 (a 采购公告 must name one) is
  not the same breach as a resident's number in a 公示 list; privacy_leak decides what to do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["KINDS", "PrivacyHit", "mask", "redact", "redact_json", "scan", "value_hash"]

Kind = Literal["id_card", "mobile", "bank_card"]
KINDS: dict[str, str] = {"id_card": "身份证号", "mobile": "手机号", "bank_card": "银行卡号"}

# Fixed, public salt: the hash lets history and dedupe recognise the same number across pages
# and runs without storing it. It is a dedupe key, not a secret (the number space is small).
SALT = b"gongkai-privacy-v1:"
HASH_CHARS = 16
CONTEXT = 20  # characters of context either side of a hit

# One alternation, each branch a plain digit run with a guard: linear time on any input.
# Groups: 1 = 18-char ID-shaped run, 2 = 4-4-4-4(-1..3) spaced card, 3 = 11..19 digit run.
_CANDIDATE_RE = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:([0-9]{17}[0-9Xx])|([0-9]{4}(?: [0-9]{4}){3}(?: [0-9]{1,3})?)|([0-9]{11,19}))"
    r"(?![0-9A-Za-z])"
)
# Every candidate starts a digit run with 11 digits in a row or four spaced groups of 4. The
# candidate pattern opens with a lookbehind, so the regex engine tries it at every character;
# this one opens with a digit class (the engine skips to digits at C speed) and tries only at
# the start of a run, so text without such a run (most pages) is cleared at once (issue 7).
_ANY_CANDIDATE_RE = re.compile(r"[0-9](?<![0-9][0-9])(?:[0-9]{10}|[0-9]{3}(?: [0-9]{4}){3})")
_FULLWIDTH = {0xFF10 + i: 0x30 + i for i in range(10)} | {0xFF38: 0x58, 0xFF58: 0x78, 0x3000: 0x20}
# str.translate with a dict looks up every character; most page text has none of these, and a
# (C-speed) search says so first (issue 7: CPU per page).
_FULLWIDTH_RE = re.compile("[" + "".join(chr(c) for c in sorted(_FULLWIDTH)) + "]")

# GB/T 2260 province-level codes (the first two digits of an ID number).
_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82", "83",
}  # fmt: skip
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
# A label right before an 11-digit number that makes it some other number (手机号 is not
# among them: the alternatives are whole labels, so 机号 never matches).
_NOT_PHONE_RE = re.compile(
    r"(编号|单号|流水号|文号|代码|批号|序号|证号|档案号|案号|账号|帐号|卡号)\s*[:：]?\s*$"
)
_CARD_WORD_RE = re.compile(
    r"(卡号|账号|帐号|账户|帐户|银行卡|储蓄卡|借记卡|信用卡|社保卡|开户行|开户银行|收款账|银行)"
)
_CARD_PREFIXES = ("62", "9558", "436742", "601382")
_LOOKBACK = 12
_CONTACT_RE = re.compile(r"联系|咨询|热线|投诉|举报|监督|办公电话|服务电话|值班电话|tel", re.I)
_CONTACT_LOOKBACK = 30


@dataclass(frozen=True)
class PrivacyHit:
    """One personal number found in text, masked; the raw value is never kept."""

    kind: Kind
    masked: str  # e.g. 138****1234
    context: str  # ±CONTEXT characters around the hit, every hit in it masked
    offset: int  # character offset of the hit in the scanned text
    hash: str  # value_hash of the raw value (dedupe across pages and runs)
    contact: bool = False  # a mobile number labelled as a contact line (联系电话 …)

    def to_json(self) -> dict[str, Any]:
        """Return the hit as a JSON-serialisable dict (what PageItem.privacy stores)."""
        return asdict(self)


def id_checksum_ok(value: str) -> bool:
    """Return whether an 18-character ID number has a valid GB 11643 check character."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17].upper()


def _valid_id(value: str) -> bool:
    """Return whether an 18-character run is a plausible 居民身份证号码 (region, birth, checksum)."""
    if value[:2] not in _PROVINCES or not id_checksum_ok(value):
        return False
    y, m, d = int(value[6:10]), int(value[10:12]), int(value[12:14])
    if not 1900 <= y <= 2099:
        return False
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


def luhn_ok(digits: str) -> bool:
    """Return whether a digit string passes the Luhn (mod 10) check used by card numbers."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def mask(kind: str, value: str) -> str:
    """Return the masked form of a value, the same length as it (local 去标识化 standard)."""
    if kind == "mobile":  # 138****1234
        keep_head, keep_tail = 3, 4
    elif kind == "id_card":  # 35*************123
        keep_head, keep_tail = 2, 3
    else:  # bank card: first 4 and last 4 (spaces kept where they were)
        keep_head, keep_tail = 4, 4
    chars = list(value)
    pos = [i for i, c in enumerate(chars) if c.isalnum()]
    for i in pos[keep_head : len(pos) - keep_tail]:
        chars[i] = "*"
    return "".join(chars)


def value_hash(kind: str, value: str) -> str:
    """Return a short salted hash of a raw value (digits only, upper-case X) for dedupe."""
    norm = re.sub(r"[^0-9X]", "", value.upper())
    return hashlib.sha256(SALT + f"{kind}:{norm}".encode()).hexdigest()[:HASH_CHARS]


def _classify(text: str, m: re.Match[str]) -> str | None:
    """Return the kind of a candidate digit run, or None when it is not personal data."""
    if m.group(1):
        value = m.group(1)
        if _valid_id(value):
            return "id_card"
        if not value[-1].isdigit():
            return None
    value = m.group(0)
    digits = value.replace(" ", "")
    before = text[max(0, m.start() - _LOOKBACK) : m.start()]
    if len(value) == 11 and _MOBILE_RE.fullmatch(value):
        return None if _NOT_PHONE_RE.search(before) else "mobile"
    if 16 <= len(digits) <= 19 and luhn_ok(digits):
        if _CARD_WORD_RE.search(before) or digits.startswith(_CARD_PREFIXES):
            return "bank_card"
    return None


def scan(text: str) -> list[PrivacyHit]:
    """Return the ID, mobile and bank-card numbers in `text`, masked, in text order."""
    return redact(text)[1]


def redact(text: str) -> tuple[str, list[PrivacyHit]]:
    """Return `text` with every personal number masked (same length) and the masked hits."""
    if not text:
        return text, []
    # Full-width digits read the same to a person; the translation keeps offsets.
    norm = text.translate(_FULLWIDTH) if _FULLWIDTH_RE.search(text) else text
    if not _ANY_CANDIDATE_RE.search(norm):
        return text, []
    found: list[tuple[str, int, int, str]] = []
    for m in _CANDIDATE_RE.finditer(norm):
        kind = _classify(norm, m)
        if kind is not None:
            found.append((kind, m.start(), m.end(), m.group(0)))
    if not found:
        return text, []
    # Mask every hit in place (masks keep length), then cut contexts from the masked text so
    # no context shows a neighbouring hit's digits.
    parts: list[str] = []
    last = 0
    for kind, s, e, value in found:
        parts.append(text[last:s])
        parts.append(mask(kind, value))
        last = e
    parts.append(text[last:])
    masked_text = "".join(parts)
    hits = []
    for kind, s, e, value in found:
        context = masked_text[max(0, s - CONTEXT) : e + CONTEXT]
        before = masked_text[max(0, s - _CONTACT_LOOKBACK) : s]
        hits.append(
            PrivacyHit(
                kind=kind,  # type: ignore[arg-type]
                masked=masked_text[s:e],
                context=re.sub(r"\s+", " ", context).strip(),
                offset=s,
                hash=value_hash(kind, value),
                contact=kind == "mobile" and bool(_CONTACT_RE.search(before)),
            )
        )
    return masked_text, hits


def redact_json(value: Any) -> Any:
    """Return a JSON-like value with every personal number in its strings masked.

    For structured results that keep document text (an annual report's sections): the store
    must never hold a raw number (《2018年政务公开工作要点》去标识化), whatever the text is for.
    """
    if isinstance(value, str):
        return redact(value)[0] if any(c.isdigit() or "０" <= c <= "９" for c in value) else value
    if isinstance(value, dict):
        return {k: redact_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_json(v) for v in value]
    return value
