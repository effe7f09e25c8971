"""Weekly recrawl (issue 7): conditional requests against real servers that answer 304.

The sample city's server validates its files as nginx does (ETag of the bytes, Last-Modified
of the file). A second run of an unchanged city asks for the pages the first one stored with
If-None-Match / If-Modified-Since, reuses the stored extraction on 304 and must store the same
crawl and produce the same findings as the first, for a fraction of the bytes. A changed page
is downloaded again, a new article is found, `--full` downloads everything, and a recrawl
killed halfway resumes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

import cli
import conf
import samplecity
from crawlers.run import run_crawl
from samplecity import serve
from samplecity.serve import SampleCity, render_config, start
from store import Store, annual_reports_t, entries_t, links_t, page_texts_t, pages_t
from tests.test_resume import (
    DEADLINE,
    assert_no_duplicates,
    assert_not_refetched,
    kill_group,
    spawn,
    stored,
)

AS_OF = samplecity.AS_OF.isoformat()
# A recrawl mostly hears 304s, so it is slowed down more than test_resume's crawls to be
# killed halfway.
SLOW_SETTINGS = """\
crawl:
  delay: 0.1
  autothrottle: false
  concurrency_per_host: 1
  timeout: 5
  obey_robots: true
"""
URL = re.compile(r"https?://[!-~]+?(?=[\s，。；）)]|$)")


@dataclass(frozen=True)
class Hit:
    """One request a sample server answered."""

    site: str
    method: str
    path: str
    conditional: bool  # it carried If-None-Match or If-Modified-Since
    status: int
    sent: int  # bytes written to the socket: status line, headers and body


class CountingWriter:
    """Wrap a handler's socket writer and count the bytes written through it."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sent = 0

    def write(self, data: bytes) -> int:
        self.sent += len(data)
        return self.inner.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class Traffic:
    """Every request the sample servers answer, with the bytes they sent."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: list[Hit] = []

    def mark(self) -> int:
        """Return a position to read the requests made after it."""
        with self.lock:
            return len(self.hits)

    def since(self, mark: int) -> list[Hit]:
        """Return the requests answered since `mark`."""
        with self.lock:
            return self.hits[mark:]

    def sent(self, mark: int, end: int | None = None) -> int:
        """Return the bytes the servers sent between two marks."""
        with self.lock:
            return sum(h.sent for h in self.hits[mark:end])

    def gets_since(self, mark: int, bases: dict[str, str]) -> set[tuple[str, str]]:
        """Return the (site, url) pairs fetched with GET since `mark` (test_resume's form)."""
        return {
            (h.site, unquote(bases[h.site] + h.path)) for h in self.since(mark) if h.method == "GET"
        }


@pytest.fixture(scope="module", autouse=True)
def pinned_extraction() -> Iterator[None]:
    """Pin the extraction version the crawls record (spiders.site.extract_version): a tree
    edited while the tests run would otherwise change it between two crawls of one test, and
    then rightly nothing would be reused."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GONGKAI_EXTRACT_VERSION", "recrawl-test")
        yield


@pytest.fixture(scope="module")
def traffic() -> Iterator[Traffic]:
    """Log every request of every sample server started in this module, with its bytes."""
    log = Traffic()
    respond = serve._Handler._respond
    status_of: dict[int, int] = {}
    send_response = serve._Handler.send_response

    def remember(handler: Any, code: int, message: str | None = None) -> None:
        status_of[id(handler)] = code
        send_response(handler, code, message)

    def logged(handler: Any, with_body: bool) -> None:
        writer = CountingWriter(handler.wfile)
        handler.wfile = writer
        try:
            respond(handler, with_body)
        finally:
            conditional = bool(
                handler.headers.get("If-None-Match") or handler.headers.get("If-Modified-Since")
            )
            hit = Hit(
                handler.server.site_id,
                handler.command,
                handler.path,
                conditional,
                status_of.pop(id(handler), 0),
                writer.sent,
            )
            with log.lock:
                log.hits.append(hit)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(serve._Handler, "_respond", logged)
        mp.setattr(serve._Handler, "send_response", remember)
        yield log


# -- what a run stored -----------------------------------------------------------------------

# Every stored column a check can read, except depth and referer: which page claims a URL
# first depends on the order concurrent responses arrive in (tests/test_resume.py), and so
# does the `list` date candidate of a page that a list and a plain link both lead to (list
# pages go first in a recrawl, issue 7); the date a reader sees (pub_date) is compared.
PAGE_COLUMNS = [
    c
    for c in pages_t.c
    if c.name
    not in {"id", "run_id", "fetched_at", "depth", "referer", "reused_from", "extract_version"}
]


def _frozen(value: Any, column: str = "") -> Any:
    """Return a hashable form of a stored value (JSON columns as sorted JSON text)."""
    if column == "date_candidates":
        value = [c for c in value if c[0] != "list"]
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def crawled(db: str, run_id: int) -> dict[str, frozenset[tuple[Any, ...]]]:
    """Read what a run stored (pages, links, entries, page texts) as comparable sets."""
    queries = {
        "pages": sa.select(*PAGE_COLUMNS).where(pages_t.c.run_id == run_id),
        "links": sa.select(
            links_t.c.site_id,
            links_t.c.source_url,
            links_t.c.target_url,
            links_t.c.text,
            links_t.c.kind,
            links_t.c.hidden,
        ).where(links_t.c.run_id == run_id),
        "entries": sa.select(
            entries_t.c.site_id,
            entries_t.c.column_key,
            entries_t.c.page_url,
            entries_t.c.title,
            entries_t.c.url,
            entries_t.c.date,
            entries_t.c.position,
        ).where(entries_t.c.run_id == run_id),
        "texts": sa.select(
            page_texts_t.c.site_id, page_texts_t.c.url, page_texts_t.c.chars, page_texts_t.c.body
        ).where(page_texts_t.c.run_id == run_id),
        "reports": sa.select(
            annual_reports_t.c.site_id,
            annual_reports_t.c.url,
            annual_reports_t.c.year,
            annual_reports_t.c.title,
            annual_reports_t.c.format,
            annual_reports_t.c.pub_date,
            annual_reports_t.c.source_url,
            annual_reports_t.c.data,
            annual_reports_t.c.error,
        ).where(annual_reports_t.c.run_id == run_id),
    }
    with Store(db) as st, st.engine.connect() as conn:
        return {
            name: frozenset(
                tuple(_frozen(v, k) for k, v in row._mapping.items()) for row in conn.execute(query)
            )
            for name, query in queries.items()
        }


def assert_same_crawl(got: dict[str, frozenset[Any]], want: dict[str, frozenset[Any]]) -> None:
    """Assert two runs stored the same rows, naming the rows that differ."""
    for name in want:
        a, b = got[name], want[name]
        assert a == b, (
            f"{name}: only in recrawl {sorted(a - b, key=repr)[:5]}; "
            f"only in first crawl {sorted(b - a, key=repr)[:5]}"
        )


def _canonical(value: Any) -> Any:
    """Return evidence without fetch times (every run fetches at its own time) and example
    lists (the first few in crawl order, which concurrent responses shuffle), lists sorted."""
    if isinstance(value, dict):
        return {
            k: _canonical(v)
            for k, v in value.items()
            if k != "fetched_at" and not k.endswith("examples")
        }
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=repr)
    return value


def findings(db: str, run_id: int) -> list[tuple[Any, ...]]:
    """Return a run's findings, comparable between runs: without their history (which
    differs between runs by design) and their first examples (URLs in the message, the `url`
    field, example lists: crawl order), but with every count and hit in the evidence."""
    with Store(db) as st:
        return sorted(
            (
                f.site,
                f.rule,
                f.check,
                f.status,
                f.severity,
                f.subject,
                f.url is None,
                URL.sub("<url>", f.message),
                json.dumps(_canonical(f.evidence), sort_keys=True, ensure_ascii=False, default=str),
            )
            for f in st.findings(run_id)
        )


def reuse(db: str, run_id: int) -> dict[tuple[str, str], int | None]:
    """Return each stored row's reused_from (pages and scanned attachments), by (site, url)."""
    with Store(db) as st, st.engine.connect() as conn:
        rows = conn.execute(
            sa.select(pages_t.c.site_id, pages_t.c.url, pages_t.c.reused_from).where(
                pages_t.c.run_id == run_id
            )
        ).all()
    return {(r.site_id, r.url): r.reused_from for r in rows}


def wait_for_rows(db: str, proc: subprocess.Popen[bytes], at_least: float, after: int) -> int:
    """Poll the store until a run newer than `after` holds `at_least` rows; return its id."""
    with Store(db) as st:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            run_id = st.latest_run_id()
            if run_id is not None and run_id > after and len(st.fetched_urls(run_id)) >= at_least:
                return run_id
            assert proc.poll() is None, "the crawl ended before it could be killed midway"
            time.sleep(0.02)
    pytest.fail("the crawl stored too few rows in time")


def gongkai_run(config: Path, db: str, out: Path, *extra: str) -> int:
    """Run `gongkai run` in this process; return its exit code."""
    args = ["run", "--config", str(config), "--db", db, "--as-of", AS_OF, "--out", str(out)]
    return cli.main([*args, *extra])


# -- an unchanged city, crawled twice --------------------------------------------------------


@dataclass
class Twice:
    """The sample city audited twice into one store, with the traffic of each run."""

    city: SampleCity
    fast: Path
    slow: Path
    db: str
    first: int
    second: int
    first_bytes: int
    second_bytes: int
    second_hits: list[Hit]


@pytest.fixture(scope="module")
def twice(traffic: Traffic, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Twice]:
    """Audit the unchanged sample city twice with `gongkai run` (the second run recrawls)."""
    tmp = tmp_path_factory.mktemp("recrawl")
    db = f"sqlite:///{tmp / 'gk.db'}"
    with pytest.MonkeyPatch.context() as mp, start() as city:
        mp.chdir(tmp)  # var/logs of the in-process runs
        fast = render_config(tmp / "fast", city)
        slow = render_config(tmp / "slow", city)
        (slow / "settings.yaml").write_text(SLOW_SETTINGS, "utf-8")
        runs, sent, hits = [], [], []
        for n in (1, 2):
            mark = traffic.mark()
            assert gongkai_run(fast, db, tmp / f"report{n}") == cli.EXIT_FAIL
            sent.append(traffic.sent(mark))
            hits.append(traffic.since(mark))
            with Store(db) as st:
                runs.append(st.latest_run_id())
        yield Twice(city, fast, slow, db, runs[0], runs[1], sent[0], sent[1], hits[1])


def test_unchanged_recrawl_downloads_80_percent_less_and_stores_the_same(twice: Twice) -> None:
    assert twice.second > twice.first
    # The bytes the servers sent (headers included): at least 80 % fewer the second time.
    assert twice.second_bytes <= 0.2 * twice.first_bytes, (twice.second_bytes, twice.first_bytes)
    # The saving is 304s: the second run asked conditionally and the servers said unchanged.
    not_modified = [h for h in twice.second_hits if h.status == 304]
    assert len(not_modified) > 300
    assert all(h.conditional for h in not_modified)
    # Attachments whose text the first run scanned for personal data (privacy_leak) are asked
    # for conditionally too, and their scan is reused: documents are most of a real recrawl's
    # bytes. So are annual-report files, with what was read from them (their tables).
    docs = [
        h for h in twice.second_hits if h.method == "GET" and h.path.endswith((".pdf", ".docx"))
    ]
    assert sum(1 for h in docs if h.conditional and h.status == 304) >= 3, docs
    assert all(h.status == 304 for h in docs if h.conditional)
    reports = [h for h in docs if "/nb/" in h.path]
    assert len(reports) >= 3 and all(h.conditional and h.status == 304 for h in reports), reports
    # Home pages are always downloaded whole (homepage_stale and site_unreachable read them).
    homes = [h for h in twice.second_hits if h.method == "GET" and h.path == "/"]
    assert homes and not any(h.conditional for h in homes)
    # The same crawl, row for row (titles, dates, metas, links, entries, main texts) ...
    assert_same_crawl(crawled(twice.db, twice.second), crawled(twice.db, twice.first))
    assert_no_duplicates(twice.db, twice.second)
    # ... with the unchanged pages marked as reused from the first run.
    reused = reuse(twice.db, twice.second)
    assert sum(1 for r in reused.values() if r == twice.first) == len(not_modified)
    assert set(reused.values()) == {None, twice.first}


def test_unchanged_recrawl_produces_identical_findings(twice: Twice) -> None:
    first, second = findings(twice.db, twice.first), findings(twice.db, twice.second)
    assert len(first) > 20
    assert second == first
    with Store(twice.db) as st:
        assert {r.id: r.status for r in st.runs()}[twice.second] == "complete"


def test_full_downloads_everything_again(twice: Twice, traffic: Traffic, tmp_path: Path) -> None:
    mark = traffic.mark()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        assert gongkai_run(twice.fast, twice.db, tmp_path / "report", "--full") == cli.EXIT_FAIL
    hits = traffic.since(mark)
    assert not any(h.conditional for h in hits)
    assert not any(h.status == 304 for h in hits)
    assert traffic.sent(mark) > 0.9 * twice.first_bytes
    with Store(twice.db) as st:
        full = st.latest_run_id()
    assert full is not None
    assert set(reuse(twice.db, full).values()) == {None}
    assert_same_crawl(crawled(twice.db, full), crawled(twice.db, twice.first))
    assert findings(twice.db, full) == findings(twice.db, twice.first)


def with_crawl_setting(config: Path, to: Path, setting: str) -> Path:
    """Copy a config directory to `to` with one more line under settings.yaml's `crawl:`."""
    shutil.copytree(config, to)
    settings = to / "settings.yaml"
    text = settings.read_text("utf-8")
    settings.write_text(text.replace("crawl:\n", f"crawl:\n  {setting}\n"), "utf-8")
    return to


def test_conditional_requests_can_be_turned_off_in_settings(
    twice: Twice, traffic: Traffic, tmp_path: Path
) -> None:
    config = with_crawl_setting(twice.fast, tmp_path / "config", "conditional_requests: false")
    assert conf.load_config(config).settings.crawl.conditional_requests is False
    with Store(twice.db) as st:
        run_id = st.start_run(samplecity.AS_OF, str(config), conf.load_config(config).sites)
    mark = traffic.mark()
    assert run_crawl(config, twice.db, run_id, log_file=tmp_path / "crawl.log") == 0
    with Store(twice.db) as st:
        st.finish_run(run_id, "incomplete", {})  # not a previous run for the next tests
    assert not any(h.conditional for h in traffic.since(mark))
    assert set(reuse(twice.db, run_id).values()) == {None}


def test_report_files_are_reused_without_the_attachment_scan(
    twice: Twice, traffic: Traffic, tmp_path: Path
) -> None:
    # With crawl.scan_attachments off nothing is scanned, but the report files are still read
    # for their tables: the second crawl asks for them conditionally and reuses what was read.
    config = with_crawl_setting(twice.fast, tmp_path / "config", "scan_attachments: false")
    assert conf.load_config(config).settings.crawl.scan_attachments is False
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    first = _crawl(config, db, tmp_path / "1.log")
    mark = traffic.mark()
    second = _crawl(config, db, tmp_path / "2.log")
    reports = [h for h in traffic.since(mark) if h.method == "GET" and "/nb/" in h.path]
    assert len(reports) >= 3 and all(h.conditional and h.status == 304 for h in reports), reports
    read = {r.url: r for r in _reports(db, first)}
    assert {r.url: r for r in _reports(db, second)} == read
    assert any(r.data for r in read.values())  # tables were read, not only errors
    reused = reuse(db, second)
    assert all(reused[(r.site_id, url)] == first for url, r in read.items() if "/nb/" in url)


def test_pages_read_by_other_extraction_code_are_downloaded_whole(
    twice: Twice, traffic: Traffic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An upgraded extractor must read every page again, not keep what the old one stored.
    monkeypatch.setenv("GONGKAI_EXTRACT_VERSION", "upgraded")
    with Store(twice.db) as st:
        run_id = st.start_run(samplecity.AS_OF, str(twice.fast), conf.load_config(twice.fast).sites)
    mark = traffic.mark()
    assert run_crawl(twice.fast, twice.db, run_id, log_file=tmp_path / "crawl.log") == 0
    with Store(twice.db) as st, st.engine.connect() as conn:
        st.finish_run(run_id, "incomplete", {})
        versions = set(
            conn.execute(
                sa.select(pages_t.c.extract_version).where(
                    pages_t.c.run_id == run_id, pages_t.c.page_type.is_not(None)
                )
            ).scalars()
        )
    assert not any(h.conditional for h in traffic.since(mark))
    assert set(reuse(twice.db, run_id).values()) == {None}
    assert versions == {"upgraded"}


def test_killed_recrawl_resumes_to_the_same_crawl(
    twice: Twice,
    traffic: Traffic,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    reference = crawled(twice.db, twice.first)
    total = len(reference["pages"])

    # A recrawl (`gongkai crawl`, slowed down) killed with its Scrapy child halfway.
    with Store(twice.db) as st:
        latest = st.latest_run_id()
    assert latest is not None
    mark = traffic.mark()
    args = ["crawl", "--config", str(twice.slow), "--db", twice.db, "--as-of", AS_OF]
    proc = spawn(args, tmp_path, "recrawl")
    run_id = wait_for_rows(twice.db, proc, 0.5 * total, after=latest)
    kill_group(proc)
    before = stored(twice.db, run_id)
    assert 0.5 * total <= len(before) < total
    killed = traffic.since(mark)
    assert any(h.status == 304 for h in killed)  # it was recrawling conditionally

    # `gongkai run --resume` finishes it: what was stored is kept, the rest is recrawled.
    mark = traffic.mark()
    out = tmp_path / "report"
    code = cli.main(
        ["run", "--resume", str(run_id), "--config", str(twice.fast), "--db", twice.db]
        + ["--out", str(out)]
    )
    assert code == cli.EXIT_FAIL
    assert "个页面服务器答复未修改（304），沿用上次检查的解析结果" in capsys.readouterr().out
    assert_not_refetched(
        before, stored(twice.db, run_id), traffic.gets_since(mark, twice.city.bases)
    )
    assert any(h.status == 304 for h in traffic.since(mark))
    assert_same_crawl(crawled(twice.db, run_id), reference)
    assert_no_duplicates(twice.db, run_id)
    assert findings(twice.db, run_id) == findings(twice.db, twice.first)
    # Pages stored by the killed process and by the resume were both reused from the latest
    # complete run before it.
    with Store(twice.db) as st:
        previous = st.previous_runs(run_id)["portal"].id
    assert previous >= twice.second
    reused = {key for key, r in reuse(twice.db, run_id).items() if r == previous}
    assert reused & set(before) and reused - set(before)


# -- a city that changed between the runs ----------------------------------------------------

ARTICLE = "xwzx/ywdt/202611/t20261120_1014.html"  # changed: new title and date
REDATED = "xwzx/ywdt/202611/t20261103_1049.html"  # unchanged, but its list shows a new date
NEW = "xwzx/ywdt/202611/t20261123_1000.html"  # a new article on the list
LIST = "xwzx/ywdt/index.html"
LIST_2 = "xwzx/ywdt/list_2.html"  # REDATED's list (the home page does not show it)
OLD_TITLE = "市政府常务会议研究部署冬季安全生产工作"
NEW_TITLE = "市政府常务会议研究部署今冬明春安全生产工作"


def _edit(path: Path, *pairs: tuple[str, str]) -> None:
    """Replace text in a served file (each pair must occur)."""
    text = path.read_text("utf-8")
    for old, new in pairs:
        assert old in text, (path, old)
        text = text.replace(old, new)
    path.write_text(text, "utf-8")


def _crawl(config: Path, db: str, log: Path, *, complete: bool = True) -> int:
    """Crawl the config's sites into a new run (marked complete, as a checked run is)."""
    with Store(db) as st:
        run_id = st.start_run(samplecity.AS_OF, str(config), conf.load_config(config).sites)
    assert run_crawl(config, db, run_id, log_file=log) == 0
    if complete:
        with Store(db) as st:
            st.finish_run(run_id, "complete", {})
    return run_id


def _reports(db: str, run_id: int) -> list[Any]:
    """Return a run's annual_reports rows without their ids and run."""
    ar = annual_reports_t.c
    query = sa.select(
        ar.site_id, ar.url, ar.year, ar.title, ar.format, ar.pub_date, ar.source_url, ar.data
    ).where(ar.run_id == run_id)
    with Store(db) as st, st.engine.connect() as conn:
        return list(conn.execute(query))


def _row(db: str, run_id: int, url: str) -> Any:
    """Return one stored page row of the portal site."""
    with Store(db) as st, st.engine.connect() as conn:
        return conn.execute(
            sa.select(pages_t).where(
                pages_t.c.run_id == run_id, pages_t.c.site_id == "portal", pages_t.c.url == url
            )
        ).one()


def test_changed_pages_are_downloaded_again_and_new_articles_found(
    traffic: Traffic, tmp_path: Path
) -> None:
    root = tmp_path / "samplecity"
    shutil.copytree(samplecity.ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    site = root / "sites" / "portal"
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    with start(root) as city:
        config = render_config(tmp_path / "config", city)
        base = city.bases["portal"]
        first = _crawl(config, db, tmp_path / "1.log")

        # The week's changes: one article rewritten, one redated on its list, one added.
        _edit(
            site / ARTICLE,
            (OLD_TITLE, NEW_TITLE),
            ("2026-11-20 16:45", "2026-11-22 10:00"),
        )
        shutil.copyfile(site / ARTICLE, site / NEW)
        _edit(site / NEW, (NEW_TITLE, "示例市召开冬季供暖保障工作会议"))
        entry = '<li><a href="/xwzx/ywdt/202611/t20261120_1014.html"'
        _edit(
            site / LIST,
            (
                entry,
                '<li><a href="/xwzx/ywdt/202611/t20261123_1000.html" title="示例市召开冬季'
                '供暖保障工作会议">示例市召开冬季供暖保障工作会议</a><span class="date">'
                "2026-11-23</span></li>\n" + entry,
            ),
        )
        _edit(
            site / LIST_2,
            ('<span class="date">2026-11-03</span>', '<span class="date">2026-11-04</span>'),
        )
        # And a scanned attachment replaced by another document (issue 7: its scan is reused
        # only while the server says it is unchanged), and an annual-report file by another
        # year's edition of it (its tables are read again).
        doc = "tzgg/202611/P020261106000001.pdf"
        shutil.copyfile(
            root / "sites" / "wjw" / "tzgg/202611/P020261117000001.pdf",
            root / "sites" / "hospital" / doc,
        )
        report_file = "xxgk/nb/202601/nb2025.pdf"
        shutil.copyfile(root / "sites" / "zjj" / "xxgk/nb/202602/nb2025.pdf", site / report_file)
        mark = traffic.mark()
        second = _crawl(config, db, tmp_path / "2.log")
        hits = {(h.site, h.path): h for h in traffic.since(mark) if h.method == "GET"}
        doc_url = f"{city.bases['hospital']}/{doc}"

    # The rewritten article: asked conditionally, answered 200, parsed again.
    hit = hits[("portal", "/" + ARTICLE)]
    assert (hit.conditional, hit.status) == (True, 200)
    row = _row(db, second, f"{base}/{ARTICLE}")
    assert (row.title, row.pub_date.isoformat(), row.reused_from) == (
        NEW_TITLE,
        "2026-11-22",
        None,
    )
    assert _row(db, first, f"{base}/{ARTICLE}").title == OLD_TITLE
    # The changed list: asked conditionally, downloaded again; its new entry was crawled.
    hit = hits[("portal", "/" + LIST)]
    assert (hit.conditional, hit.status) == (True, 200)
    assert _row(db, second, f"{base}/{LIST}").reused_from is None
    assert not hits[("portal", "/" + NEW)].conditional
    new = _row(db, second, f"{base}/{NEW}")
    assert (new.status, new.title, new.pub_date.isoformat()) == (
        200,
        "示例市召开冬季供暖保障工作会议",
        "2026-11-22",
    )
    # The article whose list date changed is read again whole, with the new list date.
    hit = hits[("portal", "/" + REDATED)]
    assert (hit.conditional, hit.status) == (False, 200)
    redated = _row(db, second, f"{base}/{REDATED}")
    assert redated.reused_from is None
    assert ["list", "2026-11-04"] in redated.date_candidates
    # Everything else of the site was unchanged and reused.
    reused = reuse(db, second)
    fresh = {url for (sid, url), r in reused.items() if sid == "portal" and r is None}
    assert {f"{base}/{p}" for p in (ARTICLE, NEW, REDATED, LIST, LIST_2)} <= fresh
    assert sum(1 for r in reused.values() if r == first) > 300
    assert len(crawled(db, second)["pages"]) == len(crawled(db, first)["pages"]) + 1
    # The replaced attachment: asked conditionally, downloaded and scanned again.
    hit = hits[("hospital", "/" + doc)]
    assert (hit.conditional, hit.status) == (True, 200)
    with Store(db) as st, st.engine.connect() as conn:
        before, after = (
            conn.execute(
                sa.select(pages_t).where(
                    pages_t.c.run_id == run,
                    pages_t.c.site_id == "hospital",
                    pages_t.c.url == doc_url,
                )
            ).one()
            for run in (first, second)
        )
    assert after.reused_from is None and after.privacy_scan["scanned"] is True
    assert after.privacy_scan != before.privacy_scan
    # The other scanned attachments were unchanged: answered 304 and their scans reused.
    assert reused[("wjw", f"{city.bases['wjw']}/tzgg/202611/P020261117000001.pdf")] == first
    # The replaced report file: asked conditionally, downloaded and read again; the other
    # sites' report files were unchanged and reused with what was read from them.
    hit = hits[("portal", "/" + report_file)]
    assert (hit.conditional, hit.status) == (True, 200)
    assert reused[("portal", f"{base}/{report_file}")] is None
    for sid, path in (("zjj", "xxgk/nb/202602/nb2025.pdf"), ("czj", "xxgk/nb/202601/nb2025.docx")):
        assert (hits[(sid, "/" + path)].conditional, hits[(sid, "/" + path)].status) == (True, 304)
        assert reused[(sid, f"{city.bases[sid]}/{path}")] == first
    stored = {
        (run, r.site_id): r
        for run in (first, second)
        for r in _reports(db, run)
        if r.url.endswith("/nb2025.pdf") or r.url.endswith("/nb2025.docx")
    }
    assert stored[(second, "zjj")] == stored[(first, "zjj")]
    assert stored[(second, "czj")] == stored[(first, "czj")]
    assert stored[(second, "portal")].data != stored[(first, "portal")].data
    now_read, zjj_read = dict(stored[(second, "portal")].data), dict(stored[(first, "zjj")].data)
    assert now_read.pop("source").endswith(report_file) and zjj_read.pop("source")
    assert now_read == zjj_read  # the same file now, read for its own URL


def test_a_stored_page_missing_its_text_is_downloaded_whole(
    traffic: Traffic, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    with start() as city:
        config = render_config(tmp_path / "config", city)
        first = _crawl(config, db, tmp_path / "1.log")
        url = f"{city.bases['portal']}/{ARTICLE}"
        with Store(db) as st, st.engine.begin() as conn:
            gone = conn.execute(
                page_texts_t.delete().where(
                    page_texts_t.c.run_id == first,
                    page_texts_t.c.site_id == "portal",
                    page_texts_t.c.url == url,
                )
            )
            assert gone.rowcount == 1
        mark = traffic.mark()
        second = _crawl(config, db, tmp_path / "2.log")
        hits = {(h.site, h.path): h for h in traffic.since(mark) if h.method == "GET"}
    assert (
        hits[("portal", "/" + ARTICLE)].conditional,
        hits[("portal", "/" + ARTICLE)].status,
    ) == (
        False,
        200,
    )
    assert _row(db, second, url).reused_from is None
    with Store(db) as st:
        assert dict(st.body_texts(second, "portal", [url]))[url]


# -- the store's side, on both backends ------------------------------------------------------


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_store_reuses_only_whole_rows(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from crawlers.items import EntryOut, LinkOut, PageItem, ReportOut

    if backend == "sqlite":
        db = f"sqlite:///{tmp_path / 'gk.db'}"
    else:
        db = request.getfixturevalue("pg_schema_url")
    base = "http://127.0.0.1:1"
    with Store(db) as st:
        sites = conf.load_config(samplecity.ROOT.parent / "config").sites[:1]
        run_id = st.start_run(samplecity.AS_OF, "config", sites)
        site = sites[0].id

        def page(url: str, **fields: Any) -> PageItem:
            return PageItem(run_id=run_id, site_id=site, url=f"{base}{url}", kind="page", **fields)

        report = ReportOut(
            2025, "2025年政府信息公开工作年度报告", "html", "2026-01-20", None, {}, None
        )
        st.add_pages(
            [
                page(
                    "/a.html",
                    status=200,
                    page_type="article",
                    title="2025年政府信息公开工作年度报告",
                    body_text="正文" * 50,
                    etag='"abc"',
                    last_modified="Mon, 23 Nov 2026 02:00:00 GMT",
                    extract_version="v1",
                    links=[LinkOut(f"{base}/b.html", "下一篇", "page")],
                    entries=[EntryOut("条目", f"{base}/c.html", "2026-11-20", 0)],
                    annual_report=report,
                ),
                page("/list.html", status=200, page_type="list", etag='"l"', next_pages=["x"]),
                page("/gone.html", status=404, etag='"g"'),
                page("/old.html", status=200, page_type="article", body_text="旧"),
            ]
        )
        with st.engine.begin() as conn:  # a row stored before text_chars existed
            conn.execute(
                pages_t.update().where(pages_t.c.url == f"{base}/old.html").values(text_chars=None)
            )

        hint = st.recrawl_hint(run_id, site, f"{base}/a.html")
        assert hint is not None
        assert (hint.etag, hint.last_modified, hint.extract_version) == (
            '"abc"',
            "Mon, 23 Nov 2026 02:00:00 GMT",
            "v1",
        )
        assert (hint.complete, hint.is_list, hint.is_home) == (True, False, False)
        assert st.recrawl_hint(run_id, site, f"{base}/list.html").is_list  # type: ignore[union-attr]
        assert not st.recrawl_hint(run_id, site, f"{base}/gone.html").complete  # type: ignore[union-attr]
        assert not st.recrawl_hint(run_id, site, f"{base}/old.html").complete  # type: ignore[union-attr]
        assert st.recrawl_hint(run_id, site, f"{base}/none.html") is None

        item = st.reusable_item(run_id, site, f"{base}/a.html")
        assert item is not None
        assert (item.body_text, item.annual_report, item.etag) == ("正文" * 50, report, '"abc"')
        assert [link.url for link in item.links] == [f"{base}/b.html"]
        assert [(e.url, e.date) for e in item.entries] == [(f"{base}/c.html", "2026-11-20")]
        assert st.reusable_item(run_id, site, f"{base}/old.html") is None

        # Its main text lost: neither announced as reusable nor reused.
        with st.engine.begin() as conn:
            conn.execute(page_texts_t.delete().where(page_texts_t.c.url == f"{base}/a.html"))
        assert not st.recrawl_hint(run_id, site, f"{base}/a.html").complete  # type: ignore[union-attr]
        assert st.reusable_item(run_id, site, f"{base}/a.html") is None

        # Attachments: a report file read (and scanned), a scanned document that is no report,
        # a report file that could not be downloaded.
        def doc(url: str, **fields: Any) -> PageItem:
            return PageItem(
                run_id=run_id, site_id=site, url=f"{base}{url}", kind="attachment", **fields
            )

        scan = {"scanned": True, "format": "pdf"}
        read = ReportOut(2025, "2025年年报", "pdf", "2026-01-20", f"{base}/a.html", {"t": 1}, None)
        gone = ReportOut(2024, "2024年年报", "pdf", None, f"{base}/a.html", None, "HTTP 404")
        st.add_pages(
            [
                doc("/nb.pdf", status=200, etag='"n"', privacy_scan=scan, annual_report=read),
                doc("/tz.pdf", status=200, etag='"t"', privacy_scan=scan),
                doc("/nb2024.pdf", status=404, annual_report=gone),
            ]
        )
        hints = {u: st.recrawl_hint(run_id, site, f"{base}{u}") for u in ("/nb.pdf", "/tz.pdf")}
        assert [(h.kind, h.scanned, h.report) for h in hints.values() if h] == [
            ("attachment", True, True),
            ("attachment", True, False),
        ]
        assert not st.recrawl_hint(run_id, site, f"{base}/nb2024.pdf").report  # type: ignore[union-attr]
        nb = st.reusable_item(run_id, site, f"{base}/nb.pdf", report=True)
        assert nb is not None and nb.annual_report == read and nb.privacy_scan == scan
        # Asked for as a report, a document without one is not reused (it is read instead).
        assert st.reusable_item(run_id, site, f"{base}/tz.pdf", report=True) is None
        assert st.reusable_item(run_id, site, f"{base}/tz.pdf") is not None


# -- a stored copy lost between the conditional request and its 304 --------------------------

ARTICLE_HTML = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知_示例</title>'
    '<meta name="PubDate" content="2026-11-20 09:00"></head><body><h1>关于开展冬季安全检查的通知</h1>'
    "<p>发布时间：2026-11-20</p><div>各单位：现就冬季安全检查有关事项通知如下。</div></body></html>"
)
HOME_HTML = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例站</title></head><body>'
    '<a href="/a.html">关于开展冬季安全检查的通知</a></body></html>'
)


class HeldServer:
    """A site whose article answers a conditional request with 304 only once released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.conditional_seen = threading.Event()
        self.log: list[tuple[str, bool, int]] = []  # (path, conditional, status)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                conditional = "If-None-Match" in self.headers
                if self.path == "/a.html" and conditional:
                    server.conditional_seen.set()
                    server.release.wait(30)
                    status, body = 304, b""
                elif self.path in ("/", "/a.html"):
                    status = 200
                    body = (HOME_HTML if self.path == "/" else ARTICLE_HTML).encode()
                else:
                    status, body = 404, b"<html><body>404</body></html>"
                server.log.append((self.path, conditional, status))
                self.send_response(status)
                if self.path == "/a.html":
                    self.send_header("ETag", '"a1"')
                if status != 304:
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> HeldServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_304_for_a_copy_lost_meanwhile_is_downloaded_again(tmp_path: Path) -> None:
    with HeldServer() as server:
        config = tmp_path / "config"
        (config / "rules").mkdir(parents=True)
        (config / "sites.yaml").write_text(
            "sites:\n  - id: held\n    name: 示例站\n    kind: department\n"
            f"    start_urls: ['{server.base}/']\n",
            "utf-8",
        )
        (config / "settings.yaml").write_text(
            "crawl:\n  delay: 0\n  autothrottle: false\n  obey_robots: false\n  timeout: 40\n",
            "utf-8",
        )
        db = f"sqlite:///{tmp_path / 'gk.db'}"
        first = _crawl(config, db, tmp_path / "1.log")
        url = f"{server.base}/a.html"

        result: list[int] = []
        second: list[int] = []

        def crawl_again() -> None:
            second.append(_crawl(config, db, tmp_path / "2.log", complete=False))

        thread = threading.Thread(target=crawl_again)
        thread.start()
        try:
            assert server.conditional_seen.wait(60), "no conditional request for the article"
            # The first run's main text of the page goes before the server says "unchanged".
            with Store(db) as st, st.engine.begin() as conn:
                result.append(
                    conn.execute(
                        page_texts_t.delete().where(
                            page_texts_t.c.run_id == first, page_texts_t.c.url == url
                        )
                    ).rowcount
                )
        finally:
            server.release.set()
            thread.join(120)
    assert result == [1]
    assert [entry for entry in server.log if entry[0] == "/a.html"] == [
        ("/a.html", False, 200),  # first run
        ("/a.html", True, 304),  # second run: conditional, unchanged ...
        ("/a.html", False, 200),  # ... but the stored copy was incomplete: downloaded whole
    ]
    with Store(db) as st:
        item = st.page_item(second[0], "held", url)
        assert item is not None
        assert (item.status, item.title, item.reused_from) == (
            200,
            "关于开展冬季安全检查的通知",
            None,
        )
        assert dict(st.body_texts(second[0], "held", [url]))[url]
    assert "'gongkai/not_modified_refetched': 1" in (tmp_path / "2.log").read_text("utf-8")
