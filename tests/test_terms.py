"""Lexicon kinds term_forbidden / term_required, their scanner, and body text in checks."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

import conf
import store
from checks.lexicon import LexiconError, Scanner, TermEntry, compact, load_lexicon, to_terms
from checks.matching import normalize
from checks.model import BodyTexts, Column, Entry, Page, SiteSnapshot
from checks.registry import kinds
from checks.runner import evaluate
from crawlers.items import PageItem
from store import Store
from tests.siteserver import SiteServer
from tests.test_checks import HOME, NOW, home_page, make_rule, make_site, page, snap, statuses

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ART = "http://gov.test/a/t1.html"
ART2 = "http://gov.test/a/t2.html"
LEADERS = "http://gov.test/ldxx/"
LEADER_PAGE = "http://gov.test/ldxx/t1.html"
SLOW_REGEX = "regex:(a|aa)+$"  # catastrophic backtracking on a run of a's not ending the text
SLOW_TEXT = "a" * 60 + "!"
FILLER = "为进一步做好政务公开工作，现将有关事项通知如下。" * 30  # ~720 characters


def scanner_of(*entries: Any, **defaults: Any) -> Scanner:
    """Build a Scanner from entries written as in a rule (strings or mappings)."""
    parsed = [
        TermEntry.model_validate(
            e
            if isinstance(e, dict)
            else {"regex": e[6:]}
            if e.startswith("regex:")
            else {"term": e}
        )
        for e in entries
    ]
    return Scanner(to_terms(parsed, category=defaults.pop("category", "测试"), **defaults))


def found(scan: Scanner, text: str) -> list[tuple[str, str]]:
    """Return (term, text as published at the hit) for every hit."""
    return [(h.term.text, text[h.start : h.end]) for h in scan.scan(text, 0.2)]


# --- the scanner -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "defaults", "text", "expected"),
    [
        (["国家工商总局"], {}, "依据国家工商总局的规定办理", [("国家工商总局", "国家工商总局")]),
        # jieba boundaries: 预算外 is one word, so 预算 is not a whole-word hit inside it.
        (["预算"], {}, "预算外资金管理办法", []),
        (["预算"], {}, "2024年部门预算公开", [("预算", "预算")]),
        (["王示范"], {}, "市长王示范主持会议", [("王示范", "王示范")]),
        (["王示范"], {}, "建设王示范区项目", []),  # 示范区 is one word: no name here
        (["计生"], {}, "国家卫生计生委", []),
        ([{"term": "计生", "word": False}], {}, "国家卫生计生委", [("计生", "计生")]),
        # Spaces, punctuation and full-width forms do not hide a term; the span is as published.
        (["国家工商总局"], {}, "依据国家 工商总局的规定", [("国家工商总局", "国家 工商总局")]),
        (["国家工商总局"], {}, "依据“国家工商总局”规定", [("国家工商总局", "国家工商总局")]),
        (["12345热线"], {}, "请拨打１２３４５热线咨询", [("12345热线", "１２３４５热线")]),
        (  # full-width digits elsewhere: offsets mapped character by character
            ["国家工商总局"],
            {},
            "２０２４年，依据“国家 工商总局”规定",
            [("国家工商总局", "国家 工商总局")],
        ),
        # Every term at every position: a longer and a shorter term starting at the same place,
        # and a term inside another.
        (
            ["国家卫生计生委", "国家卫生"],
            {},
            "国家卫生计生委发布通知",
            [("国家卫生计生委", "国家卫生计生委"), ("国家卫生", "国家卫生")],
        ),
        (
            ["国家工商总局", "工商总局"],
            {},
            "国家工商总局",
            [("国家工商总局", "国家工商总局"), ("工商总局", "工商总局")],
        ),
        (["国家工商总局"], {"allow_prefixes": ["原"]}, "原国家工商总局", []),
        (["国家工商总局"], {}, "原国家工商总局", [("国家工商总局", "国家工商总局")]),
        (
            ["regex:国家(?:质检|食药监)总局"],
            {"allow_prefixes": ["原"]},
            "原国家质检总局和国家食药监总局",
            [("regex:国家(?:质检|食药监)总局", "国家食药监总局")],
        ),
        (["国家工商总局"], {}, "", []),
    ],
)
def test_scanner(entries: list, defaults: dict, text: str, expected: list) -> None:
    assert found(scanner_of(*entries, **defaults), text) == expected


def test_scanner_finds_a_term_deep_in_a_long_article() -> None:
    text = FILLER * 4 + "原由国家工商总局负责的职责" + FILLER
    (hit,) = scanner_of("国家工商总局").scan(text, 0.2)
    assert hit.start == len(FILLER) * 4 + 2 and text[hit.start : hit.end] == "国家工商总局"


@pytest.mark.parametrize(
    "text",
    [
        "依据“国家工商总局”的规定，（一）ＡＢＣ　局：2024年12月",
        "全角＃号、【括号】和\u3000空格",
        "",
    ],
)
def test_compact_equals_matching_normalize(text: str) -> None:
    # The fast candidate scan must see exactly the text the whole-word test sees.
    assert compact(text) == normalize(text)


def test_regex_entry_times_out_instead_of_hanging() -> None:
    from checks.lexicon import PatternTimeout

    scan = scanner_of(SLOW_REGEX, "赌博")
    with pytest.raises(PatternTimeout):
        list(scan.scan(SLOW_TEXT, 0.05))
    assert found(scan, "aaa") == [(SLOW_REGEX, "aaa")]


# --- lexicon files and params ------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    """Write a UTF-8 file and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_lexicon_file_applies_its_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path / "lexicons" / "x.yaml",
        "category: 机构名称过时\nstatus: warn\nallow_prefixes: [原]\nterms:\n"
        "  - 国家旅游局\n"
        "  - {term: 国家工商总局, replacement: 国家市场监督管理总局, since: 2018-04-10}\n"
        "  - {regex: '国家(?:质检|食药监)总局', category: 其他}\n",
    )
    terms = load_lexicon(path, "lexicons/x.yaml")
    assert [(t.text, t.category, t.status, t.source) for t in terms] == [
        ("国家旅游局", "机构名称过时", "warn", "lexicons/x.yaml:5"),
        ("国家工商总局", "机构名称过时", "warn", "lexicons/x.yaml:6"),
        ("regex:国家(?:质检|食药监)总局", "其他", "warn", "lexicons/x.yaml:7"),
    ]
    assert terms[1].replacement == "国家市场监督管理总局"
    assert terms[1].since == dt.date(2018, 4, 10) and terms[0].allow_prefixes == ("原",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("terms:\n  - {term: 甲, regex: 乙}\n", r"x\.yaml:2: terms\[0\].*term（词语）或 regex"),
        ("terms:\n  - ok\n  - {term: 甲, colour: red}\n", r"x\.yaml:3: terms\[1\] 中的未知字段"),
        ("terms:\n  - 'regex:(['\n", r"x\.yaml:2: .*无法解析"),
        ("terms:\n  - '“”'\n", r"x\.yaml:2: .*去掉空格和标点后为空"),
        ("terms: []\n", r"x\.yaml:1: terms 不能为空"),
        ("- 国家工商总局\n", r"x\.yaml:1: 词表文件应为映射"),
        ("terms: [a\n", r"x\.yaml:\d+: YAML 语法错误"),
    ],
)
def test_bad_lexicon_is_reported_with_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path / "x.yaml", text)
    with pytest.raises(LexiconError, match=message):
        load_lexicon(path, "x.yaml")


def test_lexicon_paths_resolve_against_the_config_dir(tmp_path: Path) -> None:
    write(tmp_path / "lexicons" / "x.yaml", "terms: [国家工商总局]\n")
    model = kinds()["term_forbidden"].params_model
    ok = model.model_validate({"lexicons": ["lexicons/x.yaml"]}, context={"config_root": tmp_path})
    assert [t.text for t in ok.rule_terms()] == ["国家工商总局"]  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="找不到词表文件 lexicons/y.yaml"):
        model.model_validate({"lexicons": ["lexicons/y.yaml"]}, context={"config_root": tmp_path})
    # Without a config directory (a bare model_validate) the path cannot be read: the rule says
    # so when it runs instead of passing.
    bare = model.model_validate({"lexicons": ["lexicons/x.yaml"]})
    with pytest.raises(LexiconError, match="未提供配置目录"):
        bare.rule_terms()  # type: ignore[attr-defined]


def test_shipped_lexicons_are_found_when_the_config_dir_lacks_them(tmp_path: Path) -> None:
    # A config directory with copied rule packs but no lexicons/ reads the shipped ones; its own
    # file of the same name wins once it exists.
    model = kinds()["term_forbidden"].params_model
    name = "lexicons/obsolete-names.yaml"
    shipped = model.model_validate({"lexicons": [name]}, context={"config_root": tmp_path})
    assert "国家工商总局" in [t.text for t in shipped.rule_terms()]  # type: ignore[attr-defined]
    write(tmp_path / name, "terms: [自定义旧名称]\n")
    own = model.model_validate({"lexicons": [name]}, context={"config_root": tmp_path})
    assert [t.text for t in own.rule_terms()] == ["自定义旧名称"]  # type: ignore[attr-defined]


def test_config_loader_reports_a_bad_lexicon_at_the_rule(tmp_path: Path) -> None:
    cfg = tmp_path / "config"
    shutil.copytree(ROOT / "config", cfg, ignore=shutil.ignore_patterns("pending"))
    assert {"term-obsolete-names", "term-leaders-listed"} <= {
        r.id for r in conf.load_config(cfg).rules
    }
    write(cfg / "lexicons" / "obsolete-names.yaml", "terms:\n  - {term: 甲, colour: red}\n")
    with pytest.raises(conf.ConfigError) as exc:
        conf.load_config(cfg)
    (problem,) = exc.value.problems
    assert problem.file.endswith("gov-website-2019.yaml")
    assert "lexicons/obsolete-names.yaml:2" in str(problem)


# --- term_forbidden ----------------------------------------------------------------------------


def site_with(
    bodies: dict[str, str] | None = None,
    pages: list[Page] | None = None,
    columns: list[Column] | None = None,
    home: dict | None = None,
    stored: bool = True,
) -> SiteSnapshot:
    """A home page, the given pages and columns, and the pages' stored main texts (the home
    page's a greeting unless given; none at all unless `stored`)."""
    snapshot = snap(pages=[home_page(**(home or {})), *(pages or [])], columns=columns)
    texts = {HOME: "欢迎访问示例市人民政府门户网站", **(bodies or {})} if stored else {}
    snapshot.bodies = BodyTexts(texts)
    return snapshot


def article(url: str = ART, day: dt.date | None = dt.date(2024, 5, 6), **kw: Any) -> Page:
    """An article page (dated 2024-05-06 unless given), its snippet the filler's start."""
    kw.setdefault("title", "关于市场主体登记的通知")
    kw.setdefault("text_snippet", FILLER[:300])
    return page(url, page_type="article", pub_date=day, **kw)


def deep(term: str) -> str:
    """An article text with `term` far past the 300-character snippet."""
    return FILLER + f"根据{term}有关规定，" + FILLER


AGENCY = {"term": "国家工商总局", "replacement": "国家市场监督管理总局", "since": "2018-04-10"}


def run(check: str, snapshot: SiteSnapshot, params: dict, root: Path | None = None) -> list:
    """Evaluate one rule of a kind through the runner, with a config directory if given."""
    return evaluate(make_rule(check, params), make_site(), snapshot, NOW, root)


@pytest.mark.parametrize(
    ("snapshot", "params", "expected"),
    [
        # A term deep in the body (past the snippet) is found; one finding per (term, page).
        (
            site_with({ART: deep("国家工商总局")}, [article()]),
            {"terms": [AGENCY]},
            [("fail", f"国家工商总局（{ART}）")],
        ),
        (site_with({ART: FILLER}, [article()]), {"terms": [AGENCY]}, []),
        # The body is not searched unless `body` is among the fields.
        (
            site_with({ART: deep("国家工商总局")}, [article()]),
            {"terms": [AGENCY], "fields": ["title"]},
            [],
        ),
        (
            site_with({ART: FILLER}, [article(title="国家工商总局关于登记的通知")]),
            {"terms": [AGENCY], "fields": ["title"]},
            [("fail", f"国家工商总局（{ART}）")],
        ),
        # since: a page published before the renaming used the name correctly; undated pages count.
        (
            site_with({ART: deep("国家工商总局")}, [article(day=dt.date(2017, 3, 1))]),
            {"terms": [AGENCY]},
            [],
        ),
        (
            site_with({ART: deep("国家工商总局")}, [article(day=None)]),
            {"terms": [AGENCY]},
            [("fail", f"国家工商总局（{ART}）")],
        ),
        # 原国家工商总局 is how the former agency is named correctly.
        (
            site_with({ART: deep("原国家工商总局")}, [article()]),
            {"terms": [AGENCY], "allow_prefixes": ["原"]},
            [],
        ),
        # Whole words: 预算 inside 预算外资金 is no hit.
        (site_with({ART: deep("预算外资金")}, [article()]), {"terms": ["预算"]}, []),
        # scope home: only the home page's texts.
        (
            site_with({ART: deep("国家工商总局")}, [article()]),
            {"terms": [AGENCY], "scope": "home"},
            [],
        ),
        (
            site_with({HOME: deep("国家工商总局"), ART: FILLER}, [article()]),
            {"terms": [AGENCY], "scope": "home"},
            [("fail", f"国家工商总局（{HOME}）")],
        ),
        # Per term at most max_pages findings, then one summary.
        (
            site_with(
                {ART: deep("国家工商总局"), ART2: deep("国家工商总局")},
                [article(), article(ART2)],
            ),
            {"terms": [AGENCY], "max_pages": 1},
            [("fail", f"国家工商总局（{ART}）"), ("fail", "国家工商总局（其余页面）")],
        ),
        # A lexicon's status and masking.
        (
            site_with({ART: deep("网络赌场")}, [article()]),
            {"terms": ["网络赌场"], "status": "warn", "mask": True},
            [("warn", f"网***（{ART}）")],
        ),
        # An unreachable page's stored text is not searched.
        (
            site_with({ART: deep("国家工商总局")}, [article(status=404)]),
            {"terms": [AGENCY]},
            [],
        ),
        (site_with({ART: deep("国家工商总局")}, [article()]), {}, []),  # no terms configured
    ],
)
def test_term_forbidden(snapshot: SiteSnapshot, params: dict, expected: list) -> None:
    assert statuses(run("term_forbidden", snapshot, params)) == expected


def test_term_forbidden_message_and_evidence() -> None:
    text = FILLER[:40] + "原国家工商总局和国家工商总局的职责，由国家工商总局承担。"
    snapshot = site_with({ART: text}, [article()])
    (f,) = run("term_forbidden", snapshot, {"terms": [AGENCY], "allow_prefixes": ["原"]})
    assert f.message == (
        f"页面《关于市场主体登记的通知》（{ART}）的正文中出现禁用词“国家工商总局”，"
        "应改为“国家市场监督管理总局”（共 2 处，摘录：…项通知如下。为进一步做好政务公开工作，"
        "现将有原国家工商总局和【国家工商总局】的职责，由国家工商总局承担。）。"
    )
    assert f.url == ART and f.basis == "term_forbidden 依据"
    assert f.evidence == {
        "term": "国家工商总局",
        "category": "禁用词",
        "replacement": "国家市场监督管理总局",
        "lexicon": "规则参数",
        "since": "2018-04-10",
        "field": "body",
        "snippet": f.evidence["snippet"],
        "occurrences": 2,
        "page_date": "2024-05-06",
        "pages_total": 1,
    }


def test_term_forbidden_reads_a_lexicon_file_from_the_config_dir(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "config" / "lexicons", tmp_path / "lexicons")
    snapshot = site_with(
        {ART: deep("国家卫生计生委"), ART2: deep("原国家卫生计生委")}, [article(), article(ART2)]
    )
    params = {"lexicons": ["lexicons/obsolete-names.yaml"]}
    (f,) = run("term_forbidden", snapshot, params, tmp_path)
    assert (f.status, f.subject) == ("fail", f"国家卫生计生委（{ART}）")
    assert f.evidence["category"] == "机构名称过时"
    assert f.evidence["replacement"] == "国家卫生健康委员会"
    assert re.fullmatch(r"lexicons/obsolete-names\.yaml:\d+", f.evidence["lexicon"])
    # Without the config directory the rule cannot read its lexicon: an error, never a pass.
    (e,) = run("term_forbidden", snapshot, params)
    assert e.status == "error" and "未提供配置目录" in e.message


@pytest.mark.parametrize("check", ["term_forbidden", "term_required"])
def test_regex_time_limit_is_an_error_and_other_terms_still_run(check: str) -> None:
    snapshot = site_with({ART: SLOW_TEXT + "国家工商总局"}, [article()])
    params = {"terms": [SLOW_REGEX, "国家工商总局", "国家旅游局"], "regex_timeout_ms": 50}
    if check == "term_required":
        params["fields"] = ["body"]
    got = run(check, snapshot, params)
    assert got[0].status == "error" and got[0].subject == SLOW_REGEX
    assert "超过 50 毫秒未完成" in got[0].message
    expected = (
        [("fail", f"国家工商总局（{ART}）")]
        if check == "term_forbidden"
        else [("fail", "国家旅游局")]
    )
    assert statuses(got[1:]) == expected


@pytest.mark.parametrize("check", ["term_forbidden", "term_required", "text_forbidden"])
def test_body_search_without_stored_texts_is_an_error(check: str) -> None:
    # A run crawled before page texts were stored: searching it would pass without looking.
    snapshot = site_with({ART: deep("国家工商总局")}, [article()], stored=False)
    key = "patterns" if check.startswith("text") else "terms"
    params: dict[str, Any] = {key: ["国家工商总局"], "fields": ["title", "body"]}
    (f,) = run(check, snapshot, params)
    assert (f.status, f.subject) == ("error", "正文")
    assert "未保存页面正文" in f.message


@pytest.mark.parametrize("check", ["term_forbidden", "term_required"])
def test_home_page_down_is_an_error(check: str) -> None:
    snapshot = snap(pages=[home_page(status=503)])
    (f,) = run(check, snapshot, {"terms": ["国家工商总局"]})
    assert f.status == "error" and f.subject == "首页"


# --- term_required -----------------------------------------------------------------------------


def leaders_site(text: str, footer: dict[str, str] | None = None) -> SiteSnapshot:
    """A 领导信息 column (list page and one entry page holding `text`) and an article."""
    col = Column(
        key=LEADERS,
        name="领导信息",
        name_source="meta",
        pages=[LEADERS],
        entries=[Entry(LEADERS, LEADERS, "市政府领导", LEADER_PAGE, None, 0)],
    )
    return site_with(
        {LEADER_PAGE: text, ART: deep("李公开副市长调研")},
        [
            page(LEADERS, page_type="list", column="领导信息"),
            page(LEADER_PAGE, page_type="article", title="市政府领导"),
            article(),
        ],
        [col],
        home={"footer": footer or {}},
    )


LEADERS_PARAMS = {"terms": ["王示范", "李公开"], "category": "现任领导", "columns": ["领导信息"]}


@pytest.mark.parametrize(
    ("snapshot", "params", "expected"),
    [
        (leaders_site("市长：王示范；常务副市长：李公开"), LEADERS_PARAMS, []),
        # 李公开 appears on the site, but not on the 领导信息 pages.
        (leaders_site("市长：王示范"), LEADERS_PARAMS, [("fail", "李公开")]),
        (leaders_site("市长：王示范"), {"terms": ["王示范", "李公开"]}, []),  # the whole site
        (
            leaders_site("市长：王示范区"),  # 示范区: no whole-word 王示范
            LEADERS_PARAMS,
            [("fail", "王示范"), ("fail", "李公开")],
        ),
        (
            leaders_site("市长：王示范；常务副市长：李公开"),
            {**LEADERS_PARAMS, "columns": ["领导之窗"]},
            [("error", "栏目")],
        ),
        # The 主办单位 in the home page footer.
        (
            leaders_site("", footer={"sponsor": "示例市人民政府办公室"}),
            {"terms": ["示例市人民政府办公室"], "scope": "home", "fields": ["footer"]},
            [],
        ),
        (
            leaders_site("", footer={"sponsor": "示例市人民政府"}),
            {"terms": ["示例市人民政府办公室"], "scope": "home", "fields": ["footer"]},
            [("fail", "示例市人民政府办公室")],
        ),
        (leaders_site(""), {}, []),  # no terms configured
    ],
)
def test_term_required(snapshot: SiteSnapshot, params: dict, expected: list) -> None:
    assert statuses(run("term_required", snapshot, params)) == expected


def test_term_required_message() -> None:
    (f,) = run("term_required", leaders_site("市长：王示范"), LEADERS_PARAMS)
    assert f.message == "栏目“领导信息”（2 个页面的页面标题、正文、页脚）均未出现现任领导“李公开”。"
    assert f.url == HOME and f.evidence["pages_searched"] == 2
    assert f.evidence["examples"] == [LEADERS, LEADER_PAGE]


# --- text_forbidden / text_required with `body` ------------------------------------------------


@pytest.mark.parametrize(
    ("check", "fields", "expected"),
    [
        ("text_forbidden", None, []),  # default fields: snippet only, the term is past it
        ("text_forbidden", ["body"], [("fail", f"国家工商总局（{ART}）")]),
        ("text_required", None, [("fail", "国家工商总局")]),
        ("text_required", ["title", "body"], []),
    ],
)
def test_text_kinds_search_the_body_when_asked(
    check: str, fields: list | None, expected: list
) -> None:
    snapshot = site_with({ART: deep("国家工商总局")}, [article()])
    params: dict[str, Any] = {"patterns": ["国家工商总局"]}
    if fields is not None:
        params["fields"] = fields
    assert statuses(run(check, snapshot, params)) == expected


# --- documentation -----------------------------------------------------------------------------


def test_readme_term_example_loads(tmp_path: Path) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", README, flags=re.S)
    block = next(b for b in blocks if "check: term_forbidden" in b)
    cfg = tmp_path / "config"
    shutil.copytree(ROOT / "config", cfg, ignore=shutil.ignore_patterns("pending"))
    (cfg / "rules" / "terms.yaml").write_text(block, encoding="utf-8")
    rules = {r.id: r for r in conf.load_config(cfg).rules}
    assert {rules[i].check for i in ("city-obsolete-names", "city-leaders-listed")} == {
        "term_forbidden",
        "term_required",
    }


# --- extraction --------------------------------------------------------------------------------


def test_extraction_keeps_the_whole_main_text_masked() -> None:
    from crawlers.extract import analyse

    paras = "".join(f"<p>{FILLER}</p>" for _ in range(3))
    html = (
        '<html><head><meta charset="utf-8"><title>关于登记的通知</title></head><body>'
        '<div class="nav"><a href="/">首页</a></div>'
        f'<div class="article"><h1>关于登记的通知</h1><div class="content">{paras}'
        "<p>根据国家工商总局有关规定，联系人手机13812345678。</p></div></div></body></html>"
    )
    got = analyse(html.encode("utf-8"), "http://gov.test/a/t1.html")
    assert got.body_text is not None and got.text_snippet is not None
    assert got.body_text.startswith(got.text_snippet) and len(got.body_text) > 2000
    assert got.body_text.endswith("根据国家工商总局有关规定，联系人手机138****5678。")
    assert "首页" not in got.body_text  # page chrome is not main text


# --- the store: page_texts on SQLite and PostgreSQL --------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database of the parametrised backend (PostgreSQL: a schema dropped afterwards)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gongkai.db'}"
    return str(request.getfixturevalue("pg_schema_url"))


def text_rows(s: Store, run_id: int) -> list[tuple[str, int, bytes]]:
    """Return a run's page_texts rows as (url, chars, compressed body), by URL."""
    t = store.page_texts_t
    with s.engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.c.url, t.c.chars, t.c.body).where(t.c.run_id == run_id).order_by(t.c.url)
        ).all()
    return [(r.url, r.chars, bytes(r.body)) for r in rows]


def test_page_texts_are_stored_compressed_and_read_on_demand(db_url: str) -> None:
    long = deep("国家工商总局")
    city = conf.Site(id="city", name="示例市", kind="government", start_urls=[HOME])
    dept = conf.Site(id="dept", name="示例局", kind="department", start_urls=[HOME])
    with Store(db_url) as s:
        run_id = s.start_run(NOW, "cfg", [city, dept])
        art = PageItem(run_id, "city", ART, "page", status=200, page_type="article", body_text=long)
        s.add_pages(
            [
                art,
                PageItem(run_id, "city", ART2, "page", status=200, page_type="article"),
                PageItem(run_id, "city", "http://x.test/a.pdf", "attachment", status=200),
                replace(art, site_id="dept", body_text="示例局的正文"),
            ]
        )
        ((url, chars, body),) = text_rows(s, run_id)[:1]
        assert (url, chars) == (ART, len(long))
        assert zlib.decompress(body).decode("utf-8") == long
        assert len(body) * 3 < len(long.encode("utf-8"))  # compressed, not stored as text

        # A resumed crawl stores a page again: its text is replaced, never duplicated.
        s.add_pages([art])
        s.add_pages([art, replace(art, body_text="更正后的正文")])
        assert [(u, c) for u, c, _ in text_rows(s, run_id)] == [(ART, 6), (ART, 6)]

        snapshot = s.load_snapshot(run_id, "city")
        assert snapshot.bodies.get(ART) == "更正后的正文"
        assert snapshot.bodies.get(ART2) is None
        assert list(snapshot.bodies.items()) == [(ART, "更正后的正文")]
        assert list(snapshot.bodies.items([ART2])) == []
        assert s.load_snapshot(run_id, "dept").bodies.get(ART) == "示例局的正文"

        s.add_pages([replace(art, body_text=None)])  # the page no longer has main text
        assert s.load_snapshot(run_id, "city").bodies.get(ART) is None


def test_many_page_texts_stream_in_crawl_order(db_url: str) -> None:
    site_cfg = conf.Site(id="city", name="示例市", kind="government", start_urls=[HOME])
    urls = [f"http://gov.test/a/{i:04d}.html" for i in range(1200, 0, -1)]  # > two IN chunks
    with Store(db_url) as s:
        run_id = s.start_run(NOW, "cfg", [site_cfg])
        s.add_pages(
            PageItem(run_id, "city", u, "page", status=200, body_text=f"正文{u}") for u in urls
        )
        bodies = s.load_snapshot(run_id, "city").bodies
        assert [u for u, _ in bodies.items()] == urls
        wanted = urls[::7]
        assert list(bodies.items(wanted)) == [(u, f"正文{u}") for u in wanted]


# --- a real crawl ------------------------------------------------------------------------------


def test_crawl_stores_body_text_and_a_term_deep_in_an_article_is_found(tmp_path: Path) -> None:
    from tests import test_crawl as tc

    late = "/list/t1.html"  # 国家工商总局 named after the 2018 renaming, far past the snippet
    spared = "/list/t2.html"  # 原国家工商总局: the correct name of the former agency
    server = SiteServer(
        {
            "/": (200, tc.HTML, tc.page("示例市测试网站", tc.links("/list/"))),
            "/list/": (
                200,
                tc.HTML,
                tc.list_page(
                    "通知公告",
                    [
                        (late, "关于市场主体登记的通知", "2024-05-06"),
                        (spared, "关于档案移交的说明", "2024-05-07"),
                    ],
                    None,
                ),
            ),
            late: (200, tc.HTML, tc.article("关于市场主体登记的通知", deep("国家工商总局"))),
            spared: (
                200,
                tc.HTML,
                tc.article("关于档案移交的说明", FILLER + "原国家工商总局的档案已移交。"),
            ),
        }
    ).start()
    try:
        crawl = tc.crawl_once(tmp_path, [tc.site("t", server.url("/"))], tc.FAST)
        cfg, db = tmp_path / "config", f"sqlite:///{tmp_path / 'gongkai.db'}"
        shutil.copytree(ROOT / "config" / "lexicons", cfg / "lexicons")
        with Store(db) as s:
            before = text_rows(s, crawl.run_id)
            snapshot = s.load_snapshot(crawl.run_id, "t")
        html = {r["url"] for r in crawl.rows if r["kind"] == "page" and r["status"] == 200}
        assert crawl.rc == 0 and {u for u, _, _ in before} == html and len(html) == 4
        body = snapshot.bodies.get(server.url(late)) or ""
        assert body.count("国家工商总局") == 3 and body.index("国家工商总局") > 300
        assert "国家工商总局" not in (snapshot.pages[server.url(late)].text_snippet or "")

        rule = make_rule("term_forbidden", {"lexicons": ["lexicons/obsolete-names.yaml"]})
        site_cfg = conf.load_config(cfg).site("t")
        (f,) = evaluate(rule, site_cfg, snapshot, NOW, cfg)
        assert (f.status, f.url) == ("fail", server.url(late))
        assert f.evidence["occurrences"] == 3 and f.evidence["field"] == "body"
        assert "【国家工商总局】有关规定" in f.evidence["snippet"]

        # A kill after fetching the article but before storing it: the resumed run fetches
        # only that page again and stores its text once.
        with Store(db) as s, s.engine.begin() as conn:
            conn.execute(sa.delete(store.pages_t).where(store.pages_t.c.url == server.url(late)))
        asked = len(server.requests)
        assert tc.run_crawl(cfg, db, crawl.run_id) == 0
        again = [p for m, p, _ in server.requests[asked:] if m == "GET" and p != "/robots.txt"]
        assert again == [late]
        with Store(db) as s:
            assert text_rows(s, crawl.run_id) == before
    finally:
        server.stop()


def test_compact_memo_gives_the_same_answers_and_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 7: each text is compacted once for all of a site's lexicon rules; the memo is
    # bounded by characters (main texts can be long), emptied when it would grow past them.
    from checks import lexicon
    from checks.matching import normalize

    monkeypatch.setattr(lexicon, "MEMO_CHARS", 1000)
    monkeypatch.setattr(lexicon, "_memo", {})
    monkeypatch.setattr(lexicon, "_memo_chars", 0)
    texts = [f"第{i}条　规定：ＡＢＣ{i}，见《办法》。" * 10 for i in range(60)]
    for text in texts * 2:
        assert lexicon.compact(text) == normalize(text)
        assert lexicon._memo_chars <= 1000
    assert 0 < len(lexicon._memo) < len(texts)
