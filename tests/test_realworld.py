"""Acceptance: crawlers.extract.analyse on real government pages matches what a reader sees."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.realworld_expected import EXPECTED

REALWORLD = Path(
    os.environ.get("GONGKAI_REALWORLD")
    or Path(__file__).resolve().parents[2] / "shared" / "realworld"
)
HTML_DIR = REALWORLD / "html"

# CJK ideographs plus CJK/full-width punctuation: a space next to one of these is layout, not
# meaning (e.g. a headline broken by <br> or '2007\u3000年末' in <title>).
_CJK = r"\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef\u2018-\u201f\u2026\u2014"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")


def _require_folder() -> None:
    """Skip (or fail under GONGKAI_REQUIRE_REALWORLD=1) when the real pages are not present."""
    if HTML_DIR.is_dir():
        return
    reason = (
        f"real-world pages not found at {HTML_DIR} "
        "(set GONGKAI_REALWORLD to the folder holding html/)"
    )
    if os.environ.get("GONGKAI_REQUIRE_REALWORLD") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _norm_text(s: str | None) -> str | None:
    """Collapse whitespace and drop spaces that only sit next to CJK characters."""
    if s is None:
        return None
    return _SPACE_NEAR_CJK.sub("", " ".join(s.split()))


def _encoding_family(codec: str | None) -> str | None:
    """Map a codec name to its family: utf-8, gb18030 (GB2312/GBK/GB18030) or utf-16."""
    if codec is None:
        return None
    c = codec.lower().replace("_", "-")
    if c in {"utf-8", "utf8", "utf-8-sig", "u8"}:
        return "utf-8"
    if c in {"gb18030", "gbk", "gb2312", "cp936", "euc-cn", "x-gbk", "ms936", "936"}:
        return "gb18030"
    if c.startswith("utf-16") or c.startswith("utf16"):
        return "utf-16"
    return c


@cache
def _analyse(name: str) -> tuple[dict[str, Any], Any]:
    """Run analyse() once per real page, with the URL and home flag from the table."""
    from crawlers.extract import analyse

    exp = EXPECTED[name]
    body = (HTML_DIR / name).read_bytes()
    return exp, analyse(body, exp["url"], is_home=exp["page_type"] == "home")


def test_every_page_has_an_expectation() -> None:
    """A page added to the folder without a row in EXPECTED would otherwise go untested."""
    _require_folder()
    on_disk = {p.name for p in HTML_DIR.iterdir() if p.suffix.lower() in {".html", ".htm"}}
    assert on_disk, f"no html files in {HTML_DIR}"
    assert sorted(on_disk - EXPECTED.keys()) == []
    assert sorted(EXPECTED.keys() - on_disk) == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_encoding(name: str) -> None:
    _require_folder()
    exp, got = _analyse(name)
    assert _encoding_family(got.encoding) == exp["encoding"], got.encoding


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_title(name: str) -> None:
    _require_folder()
    exp, got = _analyse(name)
    assert _norm_text(got.title) == _norm_text(exp["title"])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pub_date(name: str) -> None:
    _require_folder()
    exp, got = _analyse(name)
    assert (got.pub_date, got.date_source) == (exp["pub_date"], exp["date_source"]), exp["note"]


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if e["meta_pubdate"]))
def test_meta_pubdate_candidate(name: str) -> None:
    """The meta PubDate reading is kept as a candidate so disagreement can be reported."""
    _require_folder()
    exp, got = _analyse(name)
    metas = [c.value[:10] for c in got.date_candidates if c.source == "meta"]
    assert exp["meta_pubdate"] in metas, got.date_candidates


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_column(name: str) -> None:
    _require_folder()
    exp, got = _analyse(name)
    accepted = {exp["column"], *exp.get("column_also", [])}
    assert _norm_text(got.column) in {_norm_text(c) for c in accepted}, exp["note"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_type(name: str) -> None:
    _require_folder()
    exp, got = _analyse(name)
    assert got.page_type == exp["page_type"]


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if "min_entries" in e))
def test_list_entries(name: str) -> None:
    """List and home pages: enough dated entries, and the main list's first one read right."""
    _require_folder()
    exp, got = _analyse(name)
    dated = [e for e in got.entries if e.date]
    assert len(dated) >= exp["min_entries"], [(e.title, e.date) for e in got.entries]
    title, date = exp["first_entry"]
    assert (_norm_text(dated[0].title), dated[0].date) == (_norm_text(title), date)
