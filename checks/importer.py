"""Turn a local indicator table (指标体系, CSV or XLSX) into a rule-pack skeleton (`gongkai rules import`).

Each row becomes a rule when its words clearly name something a check kind can see (首页更新,
空白栏目, 链接可用, 信息公开指南 …); every other row is written as a commented-out rule with a
TODO for a person: either fill in a check, or list it as not_assessable in a scoring framework
(internal procedures a website cannot show). The output loads with conf.load_config as it is.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from ruamel.yaml import YAML

# Header synonyms per role, most specific first; a header is matched exactly first, then by
# containment (一级指标 must not be taken as the item column because it contains 指标).
ROLES: list[tuple[str, list[str]]] = [
    ("section", ["一级指标", "一级", "板块", "类别", "分类", "评估维度", "维度"]),
    ("item", ["二级指标", "三级指标", "二级", "三级", "指标名称", "考核项目", "评估项目", "事项"]),
    ("points", ["分值", "分数", "满分", "权重", "赋分", "得分"]),
    (
        "text",
        [
            "指标内容",
            "评分标准",
            "评估内容",
            "考核内容",
            "评分细则",
            "评估要点",
            "内容",
            "要求",
            "标准",
            "说明",
        ],
    ),
    ("item", ["指标", "项目"]),
]
# Indicators about these words belong to these kinds (issue 3), when the kind is registered.
OPTIONAL_KINDS: list[tuple[tuple[str, ...], str]] = [
    (("解读",), "interpretation_missing"),
    (("留言", "信箱", "咨询答复", "互动"), "interaction_unanswered"),
]
HEADER_SCAN_ROWS = 10
ROLE_LABELS = {
    "section": "分类",
    "item": "指标",
    "text": "内容",
    "points": "分值",
}  # a title row (…评估指标体系) often sits above the header


@dataclass
class Mapping:
    """A check kind chosen for an indicator, with its params and the words that chose it."""

    check: str
    params: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


@dataclass
class Indicator:
    """One row of the table."""

    row: int  # 1-based row in the spreadsheet, header included
    section: str
    item: str
    text: str
    points: float | None
    section_no: int = 0
    index: int = 0  # 1-based position within its section


@dataclass
class ImportResult:
    """The rules built from a table, and the rows left for a person."""

    source: str
    columns: dict[str, str]
    rules: list[tuple[Indicator, dict[str, Any]]]
    pending: list[tuple[Indicator, dict[str, Any]]]


class TableError(Exception):
    """The table cannot be read or has no recognisable header (message in Chinese)."""


# --------------------------------------------------------------------------------------------
# Reading


def read_table(path: Path) -> pd.DataFrame:
    """Read a CSV (UTF-8 or GBK) or XLSX file as text cells without a header."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path, header=None, dtype=str, engine="openpyxl")
        if suffix == ".csv":
            raw = path.read_bytes()
            for codec in ("utf-8-sig", "gb18030"):
                try:
                    text = raw.decode(codec)
                except UnicodeDecodeError:
                    continue
                return pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False)
            raise TableError(f"{path.name} 既不是 UTF-8 也不是 GBK 编码，请另存为 UTF-8 的 CSV")
    except OSError as exc:
        raise TableError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    except (ValueError, KeyError) as exc:
        raise TableError(f"无法解析表格 {path.name}：{exc}") from exc
    raise TableError(f"不支持的文件类型 {path.suffix or '（无扩展名）'}，请使用 .csv 或 .xlsx")


def _cell(value: Any) -> str:
    """Return a cell as stripped text ('' for empty cells)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


def detect_header(df: pd.DataFrame) -> tuple[int, dict[str, int]]:
    """Return the header row index and role → column index, from the header synonyms."""
    best: tuple[int, dict[str, int]] = (-1, {})
    for r in range(min(HEADER_SCAN_ROWS, len(df))):
        heads = [_cell(v) for v in df.iloc[r].tolist()]
        roles: dict[str, int] = {}
        for exact in (True, False):
            for role, words in ROLES:
                for word in words:
                    if role in roles:
                        break
                    for c, head in enumerate(heads):
                        taken = c in roles.values()
                        if head and not taken and (head == word if exact else word in head):
                            roles[role] = c
                            break
        if len(roles) > len(best[1]):
            best = (r, roles)
    row, roles = best
    if "item" not in roles and "text" not in roles:
        raise TableError(
            "未找到表头：需要“指标/项目”或“内容/要求/评分标准”列（可选“一级指标”“分值”列）"
        )
    return row, roles


def _points(text: str) -> float | None:
    """Return the first number of a points cell (\"5分\", \"2.5\"), or None."""
    found = re.search(r"\d+(?:\.\d+)?", text)
    return float(found.group()) if found else None


def indicators(df: pd.DataFrame) -> tuple[list[Indicator], dict[str, str]]:
    """Return the table's indicator rows (merged section/item cells filled down) and headers."""
    header, roles = detect_header(df)
    heads = {role: _cell(df.iat[header, c]) for role, c in roles.items()}
    out: list[Indicator] = []
    section = item = ""
    sections: dict[str, int] = {}
    counts: dict[str, int] = {}
    for r in range(header + 1, len(df)):
        cells = {role: _cell(df.iat[r, c]) for role, c in roles.items()}
        if not any(cells.values()):
            continue
        # Merged cells (one 一级指标 over several rows) read as empty below their first row.
        if cells.get("section"):
            section, item = cells["section"], ""
        if cells.get("item"):
            item = cells["item"]
        text = cells.get("text", "")
        if not (item or text) or re.fullmatch(r"(合计|总计|总分)", item or text):
            continue
        name = section or "指标"
        sections.setdefault(name, len(sections) + 1)
        counts[name] = counts.get(name, 0) + 1
        out.append(
            Indicator(
                row=r + 1,
                section=section,
                item=item,
                text=text,
                points=_points(cells.get("points", "")),
                section_no=sections[name],
                index=counts[name],
            )
        )
    return out, heads


# --------------------------------------------------------------------------------------------
# Mapping words to check kinds


def _has(text: str, *words: str) -> bool:
    return any(w in text for w in words)


def map_indicator(ind: Indicator, known: set[str]) -> Mapping | None:
    """Return the check kind an indicator's words clearly name, or None (a person decides)."""
    text = f"{ind.item} {ind.text}"
    # Order matters: 首页…更新 before 栏目…更新; 空白栏目 before 栏目更新.
    if _has(text, "无法访问", "不能访问", "打不开", "站点可用", "网站可用"):
        return Mapping("site_unreachable", reason="网站可访问")
    if "首页" in text and _has(text, "更新", "未更新"):
        return Mapping("homepage_stale", reason="首页更新")
    if _has(text, "空白栏目", "栏目空白", "空栏目", "暂无信息"):
        return Mapping("column_empty", reason="空白栏目")
    if "栏目" in text and _has(text, "更新", "不更新", "未更新"):
        return Mapping("column_stale", reason="栏目更新")
    # Kinds other packs may register: used when present, else the row is left for a person
    # (解读 and 留言 rows mention 链接 and 栏目 but are not about broken links or stale columns).
    for words, kind in OPTIONAL_KINDS:
        if _has(text, *words):
            return Mapping(kind, reason=words[0]) if kind in known else None
    if _has(text, "链接", "错链", "断链"):
        return Mapping("link_broken", reason="链接可用")
    if _has(text, "年报", "年度报告"):
        # 条例第四十九条: published by 1月31日; a row about timeliness maps to the lateness kind.
        wanted = (
            "annual_report_late" if _has(text, "按时", "逾期", "及时") else "annual_report_missing"
        )
        if wanted in known:
            return Mapping(wanted, reason="年度报告")
        return Mapping(
            "page_required",
            {"patterns": ["政府信息公开工作年度报告"], "max_age_days": 365},
            reason="年度报告",
        )
    # 信息公开指南 (条例第十二条), not a 办事指南 (service guide).
    if _has(text, "公开指南"):
        return Mapping("page_required", {"patterns": ["政府信息公开指南"]}, reason="公开指南")
    if _has(text, "网站标识码", "页面标签", "元数据", "发展指引", "标签"):
        return Mapping("meta_missing", reason="页面标签")
    if _has(text, "公开目录", "目录", "主动公开"):
        return Mapping("catalogue_missing", reason="公开目录")
    return None


def severity(ind: Indicator) -> str:
    """Return high for veto items or 5+ points, medium for 2+ points (or unknown), else low."""
    if _has(f"{ind.item} {ind.text}", "否决", "一票否决"):
        return "high"
    if ind.points is None:
        return "medium"
    return "high" if ind.points >= 5 else "medium" if ind.points >= 2 else "low"


def slug(text: str) -> str:
    """Return an ASCII slug for rule ids, or '' when the text has no ASCII letters or digits."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:30].strip("-")


def _title(ind: Indicator) -> str:
    """Return a short title: the item, else the start of the text."""
    title = ind.item or ind.text
    return title if len(title) <= 40 else title[:39] + "…"


def build(path: Path, prefix: str | None = None, known: set[str] | None = None) -> ImportResult:
    """Read a table and build the rules (mapped rows) and pending entries (the others)."""
    if known is None:
        from checks.registry import kinds

        known = set(kinds())
    df = read_table(path)
    rows, heads = indicators(df)
    if not rows:
        raise TableError(f"{path.name} 的表头下没有任何指标行")
    prefix = slug(prefix or "") or slug(path.stem) or "local"
    rules, pending = [], []
    for ind in rows:
        where = "·".join(x for x in (ind.section, ind.item) if x)
        points = f"，{ind.points:g} 分" if ind.points is not None else ""
        rule: dict[str, Any] = {
            "id": f"{prefix}-{ind.section_no}-{ind.index:02d}",
            "check": "",
            "title": _title(ind),
            "severity": severity(ind),
            "basis": f"{path.stem} {where}（第 {ind.row} 行{points}）",
        }
        mapped = map_indicator(ind, known)
        if mapped is None:
            rule["check"] = "TODO"
            pending.append((ind, rule))
            continue
        rule["check"] = mapped.check
        if mapped.params:
            rule["params"] = mapped.params
        rules.append((ind, rule))
    return ImportResult(path.name, heads, rules, pending)


# --------------------------------------------------------------------------------------------
# Writing


def _dump(rule: dict[str, Any]) -> list[str]:
    """Return one rule as YAML list-item lines (indented under `rules:`)."""
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.allow_unicode = True
    buf = io.StringIO()
    yaml.dump([rule], buf)
    return ["  " + line for line in buf.getvalue().rstrip("\n").splitlines()]


def _comment(text: str) -> str:
    """Return text safe for one YAML comment line."""
    return re.sub(r"\s+", " ", text)


def to_yaml(result: ImportResult) -> str:
    """Return the pack as YAML text: mapped rules, then the pending rows commented out."""
    heads = "、".join(f"{ROLE_LABELS[role]}“{head}”" for role, head in result.columns.items())
    lines = [
        f"# 由 gongkai rules import 从 {result.source} 生成（识别的表头：{heads}）。",
        f"# {len(result.rules)} 条已对应检查类型，{len(result.pending)} 条需人工补充（见文末）。",
        "# 请逐条核对 check、params 与原文是否相符；阈值沿用各检查类型的默认值。",
        "rules:" if result.rules else "rules: []",
    ]
    for ind, rule in result.rules:
        lines.append(f"  # 原文：{_comment(ind.text or ind.item)}")
        lines.extend(_dump(rule))
    if result.pending:
        lines += [
            "",
            "# ---------------------------------------------------------------------------",
            "# TODO（需人工补充）：以下指标无法自动对应检查类型。",
            "# 能从网站上核查的：填写 check（可用类型见 README“What it checks”）和 params，",
            "# 去掉行首的“# ”并移到 rules: 下；网站无法体现的（内部程序、台账等），",
            "# 请在评分框架中列为 not_assessable，使评分表完整。",
        ]
        for ind, rule in result.pending:
            lines.append(f"#   # 原文：{_comment(ind.text or ind.item)}")
            lines.extend("# " + line for line in _dump(rule))
    return "\n".join(lines) + "\n"


def summary(result: ImportResult) -> str:
    """Return the one-line Chinese summary printed by the command."""
    return (
        f"共 {len(result.rules) + len(result.pending)} 条指标：{len(result.rules)} 条已对应检查类型，"
        f"{len(result.pending)} 条需人工补充。"
    )
