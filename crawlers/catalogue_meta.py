"""Read the 信息公开目录 metadata block (索引号, 发布机构, 成文/生成日期, 文号 …) of a page.

条例第十二条: each item of the 政府信息公开目录 carries 索引、名称、内容概述、生成日期; sites show
them as a small table above the article in three common shapes: `<td>label：</td><td>value</td>`,
`<td>label: value</td>`, and `<label>label：</label><div>value</div>`. Rather than guess the
markup, this reads the page's text nodes in order: a node starting with a known label takes the
rest of the node as its value, or else the next node when that is not itself a label.

Pure and lxml only; `analyse` calls it only when `has_catalogue` finds a label in the raw HTML.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from lxml import etree

__all__ = ["FIELDS", "has_catalogue", "read_catalogue", "read_catalogue_html"]

# Normalised field -> labels as sites write them (spaces inside labels are removed first).
FIELDS: dict[str, tuple[str, ...]] = {
    "index_no": ("索引号", "信息索引", "索取号"),
    "title": ("信息名称", "文件名称", "标题"),
    "publisher": (
        "发布机构",
        "发文机构",
        "发文单位",
        "发布单位",
        "制发机关",
        "发文机关",
        "责任部门",
    ),
    "written_date": ("成文日期", "成文时间"),
    "generated_date": ("生成日期", "生成时间"),
    "issued_date": ("发文日期", "发文时间", "印发日期"),
    "published_date": ("发布日期", "发布时间", "公开日期", "公开时间"),
    "doc_number": ("发文字号", "文件编号", "发文文号", "文号"),
    "topic": ("主题分类", "信息类别", "信息分类", "分类"),
    "validity": ("有效性", "效力状态", "时效性"),
    "disclosure": ("公开方式",),
}
DATE_FIELDS = ("written_date", "generated_date", "issued_date", "published_date")
# Substrings whose presence in the raw HTML makes a catalogue block worth looking for.
_MARKERS = ("索引号", "索 引 号", "信息索引", "成文日期", "生成日期", "发文日期")
# Fields that make a block a catalogue (a lone 发布日期 line is an ordinary article).
_ANCHORS = {"index_no", "written_date", "generated_date", "issued_date"}
_LABEL_TO_FIELD = {label: name for name, labels in FIELDS.items() for label in labels}
_LABEL_RE = re.compile(
    "^(" + "|".join(sorted(_LABEL_TO_FIELD, key=len, reverse=True)) + r")\s*[:：]?\s*(.*)$", re.S
)
_DATE_RE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_SKIP_TAGS = {"script", "style", "noscript", "head", "title", "option", "select", "textarea"}
# Stop after this many non-label text nodes following the last label: the block has ended.
_GAP = 12


def has_catalogue(html_text: str) -> bool:
    """Return whether the HTML may hold a catalogue block (a cheap substring test)."""
    return any(m in html_text for m in _MARKERS)


def _iso_date(value: str) -> str | None:
    """Return the first valid YYYY-MM-DD in a value, or None."""
    m = _DATE_RE.search(value.translate(_FW))
    if not m:
        return None
    y, mo, d = (int(g) for g in m.groups())
    try:
        return dt.date(y, mo, d).isoformat()
    except ValueError:
        return None


_FW = {0xFF10 + i: 0x30 + i for i in range(10)} | {0xFF0D: "-", 0xFF0F: "/", 0xFF0E: "."}


def _nodes(root: Any) -> list[str]:
    """Return the visible text nodes of a tree in document order, whitespace-collapsed."""
    out: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if not isinstance(el.tag, str):
            if event == "end" and el.tail and el.tail.strip():
                out.append(" ".join(el.tail.split()))
            continue
        if el.tag in _SKIP_TAGS:
            if event == "end" and el.tail and el.tail.strip():
                out.append(" ".join(el.tail.split()))
            continue
        text = el.text if event == "start" else el.tail
        if text and text.strip():
            out.append(" ".join(text.split()))
    return out


def _label(node: str) -> tuple[str, str] | None:
    """Return (field, rest of node) when a text node starts with a label, else None."""
    squeezed = node.replace("\u3000", " ")
    # "索 引 号：" - spaces inside a label are layout; only squeeze the part before the colon.
    parts = re.split(r"([:：])", squeezed, maxsplit=1)
    if len(parts) == 3:
        head, _, tail = parts
        key = re.sub(r"\s+", "", head)
        if key in _LABEL_TO_FIELD:
            return _LABEL_TO_FIELD[key], tail.strip()
        return None
    key = re.sub(r"\s+", "", squeezed)
    if key in _LABEL_TO_FIELD:  # a label cell without a colon
        return _LABEL_TO_FIELD[key], ""
    return None


def read_catalogue(root: Any) -> dict[str, str]:
    """Return the catalogue fields of a parsed page (dates as ISO), or {} when it has none."""
    if root is None:
        return {}
    nodes = _nodes(root)
    first = next((i for i, n in enumerate(nodes) if (h := _label(n)) and h[0] in _ANCHORS), None)
    if first is None:
        return {}
    raw: dict[str, str] = {}
    gap = 0
    # A block may open with 信息名称 before its 索引号 (教育部): look back a few nodes.
    i = max(0, first - 4)
    while i < len(nodes):
        hit = _label(nodes[i])
        if hit is None:
            if i > first:
                gap += 1
                if gap > _GAP:
                    break
            i += 1
            continue
        name, value = hit
        gap = 0
        if not value and i + 1 < len(nodes) and _label(nodes[i + 1]) is None:
            value = nodes[i + 1]
            i += 1
        if value and name not in raw:
            raw[name] = value
        i += 1
    out: dict[str, str] = {}
    for name, value in raw.items():
        if name in DATE_FIELDS:
            iso = _iso_date(value)
            if iso:
                out[name] = iso
        elif len(value) <= 200:
            out[name] = value
    if len(out) < 2 or not _ANCHORS & out.keys():
        return {}
    return out


def read_catalogue_html(html_text: str) -> dict[str, str]:
    """Return the catalogue fields of an HTML text (parsing it), or {} when it has none."""
    if not has_catalogue(html_text):
        return {}
    try:
        root = etree.HTML(html_text)
    except (etree.ParserError, ValueError):
        return {}
    return read_catalogue(root)
