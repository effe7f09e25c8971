"""Generic operator kinds: column_freshness, page_required, text_required, text_forbidden."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import conf
from checks.model import Link, SiteSnapshot
from checks.patterns import Pattern, PatternTimeout, masked_snippet
from checks.registry import kinds
from tests.test_checks import (
    HOME,
    column,
    days_ago,
    home_page,
    page,
    run_kind,
    snap,
    statuses,
)

ROOT = Path(__file__).resolve().parents[1]
# Catastrophic backtracking: (a|aa)+$ on a run of a's that does not end the text takes
# Fibonacci(n) steps, about 10^12 for 60 a's — far beyond any time limit.
SLOW_REGEX = "regex:(a|aa)+$"
SLOW_TEXT = "a" * 60 + "!"


# --- patterns --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "text", "hit"),
    [
        ("预算", "2024年部门预算公开", True),
        ("预算", "预算外资金管理办法", False),  # jieba whole words, not substrings
        ("*预决算*", "2024年财政预决算", True),
        ("*预决算", "财政预决算公开", False),  # a glob covers the whole name
        ("财政??", "财政预算", True),
        ("regex:^财政", "财政预决算", True),
        ("regex:^财政", "市财政局", False),
        ("regex:1[3-9]\\d{9}", "联系电话 13812345678", True),
    ],
)
def test_pattern_kinds(pattern: str, text: str, hit: bool) -> None:
    assert (Pattern(pattern).search(text, 0.2) is not None) is hit


def test_regex_time_limit_raises_instead_of_hanging() -> None:
    with pytest.raises(PatternTimeout):
        Pattern(SLOW_REGEX).search(SLOW_TEXT, 0.05)
    # The same pattern on a short text still answers.
    assert Pattern(SLOW_REGEX).search("aaa", 0.05) == (0, 3)


def test_masked_snippet_hides_the_hit_and_keeps_context() -> None:
    text = "欢迎访问本站。" + "点击进入赌博娱乐平台" + "。" * 30
    start = text.index("赌博")
    assert masked_snippet(text, (start, start + 2)) == (
        "欢迎访问本站。点击进入赌*娱乐平台" + "。" * 16 + "…"
    )


@pytest.mark.parametrize("check", ["column_freshness", "page_required"])
def test_invalid_regex_is_a_params_error(check: str) -> None:
    model = kinds()[check].params_model
    key = "columns" if check == "column_freshness" else "patterns"
    with pytest.raises(ValidationError, match="无法解析"):
        model.model_validate({key: ["regex:([unclosed"]})


# --- column_freshness ------------------------------------------------------------------


BUDGET = "http://gov.test/czyjs/"
NEWS = "http://gov.test/news/"


def budget(newest: int | None, name: str = "财政预决算") -> Any:
    """Build the 财政预决算 column whose newest entry is `newest` days old (None: undated)."""
    date = days_ago(newest) if newest is not None else None
    return column(BUDGET, name, [("2024年部门预算", date)])


@pytest.mark.parametrize(
    ("columns", "params", "expected"),
    [
        ([budget(100)], {"columns": ["财政预决算"]}, []),
        ([budget(365)], {"columns": ["财政预决算"]}, []),
        ([budget(366)], {"columns": ["财政预决算"]}, [("fail", "财政预决算")]),
        ([budget(400)], {"columns": ["财政预决算"], "max_age_days": 500}, []),
        ([budget(None)], {"columns": ["财政预决算"]}, [("fail", "财政预决算")]),
        ([budget(None)], {"columns": ["财政预决算"], "undated_is_stale": False}, []),
        (
            [budget(400, "2024年财政预决算")],
            {"columns": ["*预决算*"]},
            [("fail", "2024年财政预决算")],
        ),
        ([budget(400)], {"columns": ["regex:^财政"]}, [("fail", "财政预决算")]),
        ([budget(400, "预算外资金")], {"columns": ["预算"]}, [("fail", "预算")]),  # no column
        ([budget(400, "预算外资金")], {"columns": ["预算"], "required": False}, []),
        (
            [budget(400), column(NEWS, "工作动态", [("会议", days_ago(20))])],
            {"max_age_days": 14},  # no patterns: every content column
            [("fail", "财政预决算"), ("fail", "工作动态")],
        ),
        (
            [column(BUDGET, "财政预决算", [("预告", days_ago(-5))])],
            {"columns": ["财政预决算"]},
            [("fail", "财政预决算")],
        ),
    ],
)
def test_column_freshness(columns: list, params: dict, expected: list) -> None:
    assert statuses(run_kind("column_freshness", snap(columns=columns), params)) == expected


def test_column_freshness_messages_and_evidence() -> None:
    (stale,) = run_kind(
        "column_freshness", snap(columns=[budget(400)]), {"columns": ["财政预决算"]}
    )
    assert stale.message == (
        "栏目“财政预决算”最新信息“2024年部门预算”发布于 2023-05-27，已 400 天未更新，"
        "超过 365 天的更新要求。"
    )
    assert stale.url == BUDGET
    assert stale.evidence["age_days"] == 400 and stale.evidence["limit"] == 365
    (missing,) = run_kind("column_freshness", snap(), {"columns": ["财政预决算"]})
    assert missing.message == (
        "在本次抓取的 0 个栏目中未找到名称符合“财政预决算”的栏目，无法证明该栏目在 365 天内有更新。"
    )


def test_column_freshness_error_cases() -> None:
    down = snap(pages=[home_page(status=None, error="dns")], columns=[budget(1)])
    assert statuses(run_kind("column_freshness", down, {"columns": ["财政预决算"]})) == [
        ("error", "首页")
    ]
    slow = snap(columns=[budget(1, SLOW_TEXT), budget(400)])
    found = run_kind("column_freshness", snap(columns=[slow.columns[0]]), {"columns": [SLOW_REGEX]})
    assert statuses(found) == [("error", SLOW_REGEX)]
    assert "超过 0.2 秒未完成" in found[0].message


# --- page_required ---------------------------------------------------------------------


GUIDE = "http://gov.test/xxgk/zn/t1.html"


def guide_site(title: str = "示例市人民政府信息公开指南", **kw: Any) -> SiteSnapshot:
    """A site with one article page titled `title`."""
    return snap(pages=[page(GUIDE, page_type="article", title=title, **kw)])


@pytest.mark.parametrize(
    ("snapshot", "params", "expected"),
    [
        (guide_site(), {}, []),  # default pattern 政府信息公开指南
        (snap(), {}, [("fail", "政府信息公开指南")]),
        (guide_site("示例市政务服务指南"), {}, [("fail", "政府信息公开指南")]),
        (guide_site(pub_date=days_ago(100)), {"max_age_days": 730}, []),
        (guide_site(pub_date=days_ago(800)), {"max_age_days": 730}, [("fail", "政府信息公开指南")]),
        (guide_site(), {"max_age_days": 730}, [("fail", "政府信息公开指南")]),  # undated
        (guide_site(), {"max_age_days": 730, "undated_is_stale": False}, []),
        # A column named like the page: its entries are the page, with the list's dates.
        (
            snap(
                columns=[column("http://gov.test/zn/", "政府信息公开指南", [("指南", days_ago(5))])]
            ),
            {"max_age_days": 730, "name": "公开指南"},
            [],
        ),
        (
            guide_site(column="政府信息公开指南"),
            {"fields": ["title"], "patterns": ["regex:^指南$"]},
            [("fail", "regex:^指南$")],
        ),
        (guide_site(), {"fields": ["column"]}, [("fail", "政府信息公开指南")]),
        (guide_site(column="政府信息公开指南", title="正文"), {"fields": ["column"]}, []),
        (guide_site(), {"patterns": ["年度报告", "*公开指南"], "name": "指南或年报"}, []),
    ],
)
def test_page_required(snapshot: SiteSnapshot, params: dict, expected: list) -> None:
    assert statuses(run_kind("page_required", snapshot, params)) == expected


def test_page_required_list_date_stands_in_for_undated_page() -> None:
    listed = column("http://gov.test/xxgk/", "信息公开", [("政府信息公开指南", days_ago(10))])
    listed.entries[0].url = GUIDE
    snapshot = snap(pages=[page(GUIDE, title="政府信息公开指南")], columns=[listed])
    assert run_kind("page_required", snapshot, {"max_age_days": 30}) == []


def test_page_required_messages() -> None:
    (missing,) = run_kind("page_required", snap(), {"name": "信息公开指南"})
    assert missing.message == "在本次抓取的页面标题和栏目名称中未找到“信息公开指南”页面。"
    (old,) = run_kind("page_required", guide_site(pub_date=days_ago(800)), {"max_age_days": 730})
    assert old.message == (
        "最新的“政府信息公开指南”页面“示例市人民政府信息公开指南”发布于 2022-04-22，已 800 天，"
        "超过 730 天的要求。"
    )
    assert old.url == GUIDE and old.evidence["age_days"] == 800


# --- text_required / text_forbidden ----------------------------------------------------


ARTICLE = "http://gov.test/a/t1.html"
OTHER = "http://gov.test/a/t2.html"


def text_site(
    home: dict | None = None, article: dict | None = None, links: list | None = None
) -> SiteSnapshot:
    """A home page and one article page with the given fields."""
    return snap(
        pages=[home_page(**(home or {})), page(ARTICLE, page_type="article", **(article or {}))],
        links=links or [],
    )


@pytest.mark.parametrize(
    ("snapshot", "params", "expected"),
    [
        (
            text_site(home={"text_snippet": "网站标识码 1234567890"}),
            {"patterns": ["网站标识码"]},
            [],
        ),
        (text_site(), {"patterns": ["网站标识码"]}, [("fail", "网站标识码")]),
        (text_site(article={"title": "关于网站标识码的说明"}), {"patterns": ["网站标识码"]}, []),
        (
            text_site(article={"text_snippet": "网站标识码"}),
            {"patterns": ["网站标识码"], "fields": ["title", "link_text"]},
            [("fail", "网站标识码")],
        ),
        (
            text_site(article={"title": "网站标识码"}),
            {"patterns": ["网站标识码"], "scope": "home"},
            [("fail", "网站标识码")],
        ),
        (
            text_site(links=[Link(HOME, ARTICLE, "政务服务", "page", on_home=True)]),
            {"patterns": ["政务服务"], "scope": "home", "fields": ["link_text"]},
            [],
        ),
        (
            text_site(home={"title": "市人民政府"}),
            {"patterns": ["regex:人民政府$", "首页"]},
            [("fail", "首页")],
        ),
        (text_site(home={"title": "政府"}), {"patterns": ["政"]}, [("fail", "政")]),  # whole words
        (text_site(), {}, []),  # no patterns, nothing required
    ],
)
def test_text_required(snapshot: SiteSnapshot, params: dict, expected: list) -> None:
    assert statuses(run_kind("text_required", snapshot, params)) == expected


def test_text_required_message() -> None:
    (found,) = run_kind(
        "text_required", text_site(), {"patterns": ["网站标识码"], "fields": ["title", "snippet"]}
    )
    assert found.message == "在 0 处页面标题、正文开头摘要中均未找到“网站标识码”。"
    home_title = text_site(home={"title": "示例市人民政府"})
    (found,) = run_kind("text_required", home_title, {"patterns": ["网站标识码"], "scope": "home"})
    assert found.message == (
        "在 1 处首页的页面标题、栏目名称、链接文字、正文开头摘要中均未找到“网站标识码”。"
    )


def test_text_forbidden_label_names_a_pattern_for_supervisors() -> None:
    pattern = "regex:测试(?:文章|信息)|请勿删除"
    params = {"patterns": [pattern], "labels": {pattern: "测试内容"}, "fields": ["title"]}
    (found,) = run_kind("text_forbidden", text_site(article={"title": "测试文章请勿删除"}), params)
    assert found.subject.startswith("测试内容（") and "禁用内容“测试内容”" in found.message
    assert found.evidence["pattern"] == pattern


def test_text_required_label_names_a_pattern_for_supervisors() -> None:
    pattern = "regex:办事服务|政务服务"
    params = {"patterns": [pattern], "labels": {pattern: "办事服务入口"}, "scope": "home"}
    (found,) = run_kind("text_required", text_site(home={"title": "示例市人民政府"}), params)
    assert found.subject == "办事服务入口"
    assert found.message.endswith("均未找到“办事服务入口”。")
    assert found.evidence["pattern"] == pattern  # the evidence keeps what was searched
    served = text_site(home={"title": "示例市政务服务"})
    assert statuses(run_kind("text_required", served, params)) == []


@pytest.mark.parametrize(
    ("snapshot", "params", "expected"),
    [
        (text_site(article={"title": "通知"}), {"patterns": ["赌博"]}, []),
        (
            text_site(article={"text_snippet": "点击进入赌博娱乐平台"}),
            {"patterns": ["赌博"]},
            [("fail", f"赌博（{ARTICLE}）")],
        ),
        (
            text_site(article={"text_snippet": "点击进入赌博娱乐平台"}),
            {"patterns": ["赌博"], "fields": ["title"]},
            [],
        ),
        # Terms match whole words only: 家机 is no word run of 国家|机关|事务|管理局.
        (text_site(home={"title": "国家机关事务管理局"}), {"patterns": ["家机"]}, []),
        (
            text_site(
                home={"title": "赌博"},
                article={"title": "赌博"},
                links=[Link(HOME, OTHER, "赌博", "page", on_home=True)],
            ),
            {"patterns": ["赌博"], "scope": "home"},
            [("fail", f"赌博（{HOME}）")],  # one finding per page, the home page's texts only
        ),
        (
            text_site(home={"title": "六合彩开奖"}, article={"title": "赌博平台"}),
            {"patterns": ["regex:六合彩|赌博"], "max_pages": 1},
            [("fail", f"regex:六合彩|赌博（{HOME}）"), ("fail", "regex:六合彩|赌博（其余页面）")],
        ),
    ],
)
def test_text_forbidden(snapshot: SiteSnapshot, params: dict, expected: list) -> None:
    assert statuses(run_kind("text_forbidden", snapshot, params)) == expected


def test_text_forbidden_message_masks_the_hit() -> None:
    snapshot = text_site(
        article={"title": "赌博", "text_snippet": "欢迎光临，点击进入赌博娱乐平台，注册即送"}
    )
    (found,) = run_kind("text_forbidden", snapshot, {"patterns": ["赌博"]})
    assert found.message == (f"页面 {ARTICLE} 的页面标题中出现禁用内容“赌博”（摘录：赌*）。")
    assert found.evidence["hits"] == 2 and found.evidence["pages_total"] == 1
    (found,) = run_kind("text_forbidden", snapshot, {"patterns": ["赌博"], "fields": ["snippet"]})
    assert found.evidence["snippet"] == "欢迎光临，点击进入赌*娱乐平台，注册即送"


@pytest.mark.parametrize("check", ["text_required", "text_forbidden"])
def test_regex_time_limit_reports_error_and_other_patterns_still_run(check: str) -> None:
    snapshot = text_site(article={"text_snippet": SLOW_TEXT, "title": "赌博"})
    params = {"patterns": [SLOW_REGEX, "赌博", "网站标识码"], "regex_timeout_ms": 50}
    found = run_kind(check, snapshot, params)
    assert found[0].status == "error" and found[0].subject == SLOW_REGEX
    assert found[0].message == (
        f"正则表达式“{SLOW_REGEX}”单次匹配超过 50 毫秒未完成，已停止用它检查，请简化表达式。"
    )
    # The other patterns were evaluated normally after the timeout.
    expected = (
        [("fail", "网站标识码")] if check == "text_required" else [("fail", f"赌博（{ARTICLE}）")]
    )
    assert statuses(found[1:]) == expected


def test_unreachable_home_is_error_for_text_kinds() -> None:
    down = snap(pages=[home_page(status=500)])
    for check in ("text_required", "text_forbidden", "page_required"):
        found = run_kind(check, down, {"patterns": ["指南"]})
        assert [f.status for f in found] == ["error"], check


# --- README examples -------------------------------------------------------------------


def test_readme_examples_of_generic_kinds_load(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, flags=re.S)
    wanted = {"column_freshness", "page_required", "text_required", "text_forbidden"}
    chosen = [b for b in blocks if wanted & set(re.findall(r"check: (\w+)", b))]
    shown = {k for b in chosen for k in re.findall(r"check: (\w+)", b)}
    assert wanted <= shown
    shutil.copytree(ROOT / "config", tmp_path / "config")
    for i, block in enumerate(chosen):
        (tmp_path / "config" / "rules" / f"readme-{i}.yaml").write_text(block, encoding="utf-8")
    config = conf.load_config(tmp_path / "config")
    assert wanted <= {r.check for r in config.rules}
