"""The bundled working-day calendar (法定节假日 and 调休) and the catalogue block reader."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from checks.workdays import (
    CALENDAR_PATH,
    is_workday,
    load_calendar,
    missing_years,
    workdays_between,
)
from conf import Site
from crawlers.catalogue_meta import read_catalogue_html
from crawlers.extract import analyse
from crawlers.items import PageItem
from store import Store

D = dt.date
REALWORLD = Path(
    os.environ.get("GONGKAI_REALWORLD")
    or Path(__file__).resolve().parents[2] / "shared" / "realworld"
)
HTML_DIR = REALWORLD / "html"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 2, 4), True),  # Sunday make-up day before 2024 春节
        (D(2024, 2, 18), True),  # Sunday make-up day after 2024 春节
        (D(2024, 2, 12), False),  # Monday inside 春节 02-10..02-17
        (D(2024, 2, 19), True),  # ordinary Monday after the break
        (D(2024, 2, 24), False),  # ordinary Saturday
        (D(2023, 4, 23), True),  # Sunday make-up day for 2023 劳动节
        (D(2023, 10, 6), False),  # Friday inside 2023 中秋国庆 09-29..10-06
        (D(2023, 10, 7), True),  # Saturday make-up day
        (D(2025, 10, 8), False),  # 2025 国庆中秋 8 days ends on Wednesday 10-08
        (D(2025, 10, 11), True),  # Saturday make-up day
        (D(2025, 1, 28), False),  # 2025 除夕, a statutory day from 2025
        (D(2019, 5, 3), False),  # 2019 劳动节 extended to 4 days
        (D(2020, 1, 31), False),  # 2020 春节 extended (国办发明电〔2020〕1号)
        (D(2018, 12, 31), True),  # outside the data: plain Monday-to-Friday rule
    ],
)
def test_is_workday(day: dt.date, expected: bool) -> None:
    assert is_workday(day) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # 2024 春节: Fri 02-09 → Mon 02-19: make-up Sun 02-18 and Mon 02-19 only.
        (D(2024, 2, 9), D(2024, 2, 19), 2),
        # Sat 02-03 → Sun 02-04 (make-up) → Fri 02-09: 02-04..02-09 = 6 working days.
        (D(2024, 2, 3), D(2024, 2, 9), 6),
        # 2025 国庆中秋: Sat 09-27 → Sat 10-11: 09-28 (make-up), 09-29, 09-30, 10-09, 10-10, 10-11.
        (D(2025, 9, 27), D(2025, 10, 11), 6),
        # Mon → next Mon would be 5 working days, but Mon 2024-06-10 is 端午.
        (D(2024, 6, 3), D(2024, 6, 10), 4),
        (D(2024, 6, 4), D(2024, 6, 11), 4),
        (D(2024, 6, 10), D(2024, 6, 10), 0),
        (D(2024, 2, 19), D(2024, 2, 9), -2),
    ],
)
def test_workdays_between(a: dt.date, b: dt.date, expected: int) -> None:
    assert workdays_between(a, b) == expected


def test_calendar_data_is_consistent() -> None:
    cal = load_calendar(CALENDAR_PATH)
    assert set(range(2019, 2027)) <= cal.years
    # Make-up days are weekend days; no day is both off and working.
    assert all(d.weekday() >= 5 for d in cal.makeup)
    assert not cal.holidays & cal.makeup
    # Every year has 元旦 off and at least one 春节 day off in January or February.
    for year in range(2019, 2027):
        assert D(year, 1, 1) in cal.holidays
        assert any(d.year == year and d.month in (1, 2) and d.day > 1 for d in cal.holidays)
        assert D(year, 10, 1) in cal.holidays


def test_missing_years() -> None:
    assert missing_years(D(2018, 12, 20), D(2019, 1, 10)) == [2018]
    assert missing_years(D(2024, 1, 1), D(2025, 1, 1)) == []


def test_calendar_rejects_bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "cal.yaml"
    bad.write_text('years:\n  2024:\n    holidays: ["2025-01-01"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="listed under 2024"):
        load_calendar(bad)
    both = tmp_path / "both.yaml"
    both.write_text(
        'years:\n  2024:\n    holidays: ["2024-02-04"]\n    workdays: ["2024-02-04"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="both off and working"):
        load_calendar(both)


# --- 信息公开目录 metadata block -----------------------------------------------------------

TD_PAIRS = """<html><body><table>
<tr><td>索引号：</td><td>11360900/2024-00012</td><td>发布机构：</td><td>示例市人民政府办公室</td></tr>
<tr><td>成文日期：</td><td>2024年３月１日</td><td>发布日期：</td><td>2024-03-20</td></tr>
<tr><td>文 号：</td><td>示府办发〔2024〕12号</td><td>主题分类：</td><td>规范性文件</td></tr>
<tr><td>有效性：</td><td>有效</td></tr>
</table><h1>关于印发示例市促进消费若干措施的通知</h1><p>正文。</p>
<p>发布日期：2099-01-01 在很远的页尾，不属于目录</p></body></html>"""


def test_reads_label_value_cells() -> None:
    assert read_catalogue_html(TD_PAIRS) == {
        "index_no": "11360900/2024-00012",
        "publisher": "示例市人民政府办公室",
        "written_date": "2024-03-01",
        "published_date": "2024-03-20",
        "doc_number": "示府办发〔2024〕12号",
        "topic": "规范性文件",
        "validity": "有效",
    }


def test_a_lone_publish_line_is_not_a_catalogue() -> None:
    html = "<html><body><h1>标题</h1><p>发布日期：2024-03-20</p><p>文号：无</p></body></html>"
    assert read_catalogue_html(html) == {}
    assert analyse(html.encode(), "http://x.gov.cn/a.html").catalogue == {}


def _real(name: str) -> bytes:
    path = HTML_DIR / name
    if not path.is_file():
        if os.environ.get("GONGKAI_REQUIRE_REALWORLD") == "1":
            pytest.fail(f"missing {path}")
        pytest.skip(f"real-world page not found: {path}")
    return path.read_bytes()


# Values read by hand from the saved pages.
REAL = {
    "simon_wanzai_tjgb2022_catalogue_article.html": {
        "index_no": "014742224A/2023-0043406",
        "generated_date": "2023-05-11",
        "disclosure": "主动公开",
        "publisher": "万载县统计局",
    },
    "simon_yichun_tjgb2022_catalogue_article.html": {
        "index_no": "014717475N/2023-0040295",
        "publisher": "宜春市统计局",
        "issued_date": "2023-04-18",
        "disclosure": "主动公开",
        "topic": "统计公报",
    },
    "simon_yichun_jiangxi_tjgb2022_catalogue_article.html": {
        "index_no": "014717475N/2023-0032866",
        "publisher": "宜春市统计局",
        "issued_date": "2023-03-31",
        "disclosure": "主动公开",
        "topic": "统计公报",
    },
    "mhx_wjmoe_article.html": {
        "title": "教育部办公厅关于举办2024年高校“礼敬中华优秀传统文化”宣传教育活动的通知",
        "index_no": "360A12-07-2024-0008-1",
        "generated_date": "2024-06-04",
        "publisher": "教育部办公厅",
        "doc_number": "教思政厅函〔2024〕10号",
        "topic": "高等教育",
    },
    "mhx_mltjyt-zj_article.html": {
        "index_no": "002482082/2024-00332",
        "publisher": "省教育厅",
        "generated_date": "2024-10-21",
        "topic": "教育",
        "disclosure": "主动公开",
        "published_date": "2024-10-21",
    },
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_catalogue_blocks(name: str) -> None:
    got = analyse(_real(name), f"http://example.gov.cn/{name}")
    assert got.catalogue == REAL[name]
    assert got.to_json()["catalogue"] == REAL[name]


def test_catalogue_round_trips_through_the_store(tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path / 'gk.db'}")
    try:
        run_id = s.start_run(
            D(2024, 6, 30),
            "cfg",
            [Site(id="city", name="示例市", kind="government", start_urls=["http://c.gov.cn/"])],
        )
        cat = {
            "index_no": "x/2024-1",
            "written_date": "2024-03-01",
            "doc_number": "示发〔2024〕1号",
        }
        url = "http://c.gov.cn/a.html"
        s.add_page(PageItem(run_id=run_id, site_id="city", url=url, kind="page", catalogue=cat))
        assert s.load_snapshot(run_id, "city").pages[url].catalogue == cat
        item = s.page_item(run_id, "city", url)
        assert item is not None and item.catalogue == cat
    finally:
        s.close()
