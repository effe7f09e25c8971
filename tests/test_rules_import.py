"""`gongkai rules import`: a local indicator table (CSV/XLSX) becomes a pack that loads."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from ruamel.yaml import YAML

import cli
import conf
from checks.importer import TableError, build, to_yaml

ROOT = Path(__file__).resolve().parents[1]

# Modelled on a city's 政务公开工作考核指标: a title row above the header, 一级指标 written
# once per section (merged cells in Excel), points per row, a 合计 row at the end.
TITLE = "2024年度示例市政务公开工作考核指标"
HEADER = ["一级指标", "二级指标", "指标内容", "分值"]
ROWS = [
    ["信息发布", "首页信息更新", "网站首页信息两周内有更新，超过2周未更新的单项否决", "5"],
    ["", "栏目更新", "动态要闻类栏目2周内更新，通知公告类栏目6个月内更新", "4"],
    ["", "空白栏目", "不得存在空白栏目或只有“暂无信息”的栏目", "3"],
    ["", "财政预决算", "部门预决算按规定公开", "3"],
    ["", "年度报告", "1月31日前发布上一年度政府信息公开工作年度报告", "4"],
    ["解读回应", "政策解读", "重要政策文件发布时同步发布解读材料并相互链接", "4"],
    ["", "回应关切", "及时回应社会关切", "2"],
    ["办事服务", "办事指南", "办事指南要素完整准确", "3"],
    ["互动交流", "留言办理", "网民留言3个月内答复", "4"],
    ["功能设计", "链接可用性", "首页及其他页面不存在不可用链接", "2"],
    ["", "网站标识", "页面标签和网站标识码符合政府网站发展指引", "1"],
    ["", "公开指南", "按要求编制并及时更新政府信息公开指南", "2"],
    ["", "公开目录", "主动公开目录完整、准确", "2"],
    ["", "网站安全", "建立网站安全管理制度并定期开展安全检查", "0.5"],
    ["合计", "", "", "39.5"],
]
BASE_KINDS = {
    "site_unreachable",
    "homepage_stale",
    "column_stale",
    "column_empty",
    "link_broken",
    "catalogue_missing",
    "meta_missing",
    "page_required",
}
EXPECTED = {
    "首页信息更新": "homepage_stale",
    "栏目更新": "column_stale",
    "空白栏目": "column_empty",
    "年度报告": "page_required",  # no annual kind in BASE_KINDS: the report page must exist
    "链接可用性": "link_broken",
    "网站标识": "meta_missing",
    "公开指南": "page_required",
    "公开目录": "catalogue_missing",
}
PENDING = ["财政预决算", "政策解读", "回应关切", "办事指南", "留言办理", "网站安全"]


def write_csv(path: Path, encoding: str = "utf-8-sig") -> Path:
    """Write the table as CSV with a title row, as exported from Excel."""
    df = pd.DataFrame([[TITLE, "", "", ""], HEADER, *ROWS])
    df.to_csv(path, header=False, index=False, encoding=encoding)
    return path


def write_xlsx(path: Path) -> Path:
    """Write the table as XLSX with the title and each 一级指标 in merged cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([TITLE])
    ws.merge_cells("A1:D1")
    ws.append(HEADER)
    for row in ROWS:
        ws.append([row[0] or None, row[1] or None, row[2] or None, float(row[3])])
    first = None
    for r, row in enumerate(ROWS + [["end"]], start=3):
        if row[0]:
            if first is not None and r - 1 > first:
                ws.merge_cells(start_row=first, start_column=1, end_row=r - 1, end_column=1)
            first = r
    wb.save(path)
    return path


def checks_by_title(path: Path, known: set[str] = BASE_KINDS) -> tuple[dict, list]:
    """Return {title: check} of the mapped rules and the pending titles."""
    result = build(path, known=known)
    mapped = {rule["title"]: rule["check"] for _, rule in result.rules}
    return mapped, [rule["title"] for _, rule in result.pending]


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_rows_map_to_kinds_or_wait_for_a_person(tmp_path: Path, writer) -> None:
    suffix = ".csv" if writer is write_csv else ".xlsx"
    mapped, pending = checks_by_title(writer(tmp_path / f"考核指标{suffix}"))
    assert mapped == EXPECTED
    assert pending == PENDING


def test_rule_fields_ids_severity_and_basis(tmp_path: Path) -> None:
    result = build(write_xlsx(tmp_path / "zhibiao-2024.xlsx"), known=BASE_KINDS)
    rules = {rule["title"]: rule for _, rule in result.rules + result.pending}
    assert rules["首页信息更新"] == {
        "id": "zhibiao-2024-1-01",
        "check": "homepage_stale",
        "title": "首页信息更新",
        "severity": "high",  # 5 points and a 单项否决
        "basis": "zhibiao-2024 信息发布·首页信息更新（第 3 行，5 分）",
    }
    assert rules["公开目录"]["id"] == "zhibiao-2024-5-04"  # 4th row of the 5th section
    assert rules["栏目更新"]["severity"] == "medium"  # 4 points
    assert rules["网站标识"]["severity"] == "low"  # 1 point
    assert rules["年度报告"]["params"] == {
        "patterns": ["政府信息公开工作年度报告"],
        "max_age_days": 365,
    }
    assert "合计" not in rules


def test_registered_kinds_take_over_their_rows(tmp_path: Path) -> None:
    # When a pack registers annual or interpretation kinds, their rows map to them.
    known = BASE_KINDS | {"annual_report_missing", "interpretation_missing"}
    mapped, pending = checks_by_title(write_csv(tmp_path / "t.csv"), known)
    assert mapped["年度报告"] == "annual_report_missing"
    assert mapped["政策解读"] == "interpretation_missing"
    assert "政策解读" not in pending


def test_header_synonyms_and_gbk_csv(tmp_path: Path) -> None:
    path = tmp_path / "评分表.csv"
    pd.DataFrame(
        [
            ["项目", "评分标准", "分数"],
            ["站点可用性", "网站首页无法访问的扣5分", "5"],
            ["空白栏目", "每发现一个空白栏目扣1分", "3"],
            ["保密审查", "建立信息发布保密审查机制", "2"],
        ]
    ).to_csv(path, header=False, index=False, encoding="gbk")
    result = build(path, known=BASE_KINDS)
    assert result.columns == {"points": "分数", "text": "评分标准", "item": "项目"}
    assert [r["check"] for _, r in result.rules] == ["site_unreachable", "column_empty"]
    assert [r["id"] for _, r in result.rules] == ["local-1-01", "local-1-02"]
    assert [r["title"] for _, r in result.pending] == ["保密审查"]


def test_output_pack_loads_beside_the_shipped_config(tmp_path: Path) -> None:
    result = build(write_xlsx(tmp_path / "指标.xlsx"))  # the real registry
    text = to_yaml(result)
    config_dir = tmp_path / "config"
    shutil.copytree(ROOT / "config", config_dir)
    (config_dir / "rules" / "imported.yaml").write_text(text, encoding="utf-8")
    config = conf.load_config(config_dir)
    loaded = {r.id: r for r in config.rules if r.id.startswith("local-")}
    assert {r.title for r in loaded.values()} == {r["title"] for _, r in result.rules}
    assert len(loaded) == len(result.rules) >= 8
    # The pending rows are there as comments a person can uncomment and finish.
    assert "# TODO（需人工补充）" in text
    tail = text.split("TODO（需人工补充）", 1)[1]
    body = "\n".join(line[2:] for line in tail.splitlines() if line.startswith("#   "))
    pending = YAML(typ="safe").load(body)
    # With the real registry 政策解读 and 留言办理 map to their kinds (OPTIONAL_KINDS).
    assert [p["title"] for p in pending] == [
        t for t in PENDING if t not in ("政策解读", "留言办理")
    ]
    checks = {r["title"]: r["check"] for _, r in result.rules}
    assert checks["政策解读"] == "interpretation_missing"
    assert checks["留言办理"] == "interaction_unanswered"
    assert all(p["check"] == "TODO" for p in pending)


def test_cli_writes_the_pack_and_prints_a_chinese_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = write_csv(tmp_path / "指标.csv")
    out = tmp_path / "local.yaml"
    assert cli.main(["rules", "import", str(table), "--out", str(out), "--prefix", "sz"]) == 0
    printed = capsys.readouterr().out
    assert f"已写入 {out}。共 14 条指标：" in printed
    assert "需人工补充" in printed
    assert "id: sz-1-01" in out.read_text(encoding="utf-8")
    # An existing file is not overwritten without --force.
    assert cli.main(["rules", "import", str(table), "--out", str(out)]) == 2
    assert "已存在" in capsys.readouterr().err
    # Without --out the pack goes to stdout and the summary to stderr.
    assert cli.main(["rules", "import", str(table)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("# 由 gongkai rules import 从 指标.csv 生成")
    assert "条已对应检查类型" in captured.err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "甲,乙\n1,2\n", "未找到表头"),
        ("a.txt", "指标,分值\n", "不支持的文件类型"),
        ("a.csv", "指标,分值\n", "没有任何指标行"),
    ],
)
def test_unreadable_tables(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TableError, match=message):
        build(path, known=BASE_KINDS)
    assert cli.main(["rules", "import", str(path)]) == 2


def test_rules_without_action_shows_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rules"]) == 2
    assert "gongkai rules import" in capsys.readouterr().out
