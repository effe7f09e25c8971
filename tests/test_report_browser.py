"""The HTML report in a real browser (issues 5 and 8): Debian's headless Chromium driven by
Playwright loads the report from a local HTTP server on 127.0.0.1 and uses it as a supervisor
would — ranking, sorting, filters, a sector page, a site page, print — while every request is
logged (none may leave 127.0.0.1) and the console must stay clean. A store seeded with hostile
crawled text must render inert: no dialog, no script, no javascript: link.

Screenshots and a printed PDF go to var/test-artifacts/report/ (gitignored) for a person to look
at. Chromium comes from Debian (`make test` / `.ci/run` install it: chromium, fonts-noto-cjk);
Playwright only drives it (`executable_path`, no `playwright install`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

import cli
import samplecity
from samplecity.serve import render_config, start
from store import Store
from tests.reportseed import finding, make_sites, save_run

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "var" / "test-artifacts" / "report"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve `directory` on 127.0.0.1 (a free port) and yield its base URL."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Yield Debian's Chromium, headless, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.fail(
            "Chromium is missing: apt-get install -y chromium fonts-noto-cjk "
            "(make test and .ci/run install it)"
        )
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM))
        yield b
        b.close()


@dataclass
class Watch:
    """What one browser context did: every request, console errors, page errors, dialogs."""

    base: str
    requests: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        """Log every request; let only the local report server answer."""
        url = route.request.url
        self.requests.append(url)
        if url.startswith(self.base):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def assert_clean(self) -> None:
        """Assert nothing left 127.0.0.1, nothing logged an error, no dialog opened."""
        assert self.requests, "no request was logged"
        assert self.outside == []
        assert all(u.startswith(self.base) for u in self.requests)
        assert self.errors == []
        assert self.dialogs == []


@contextlib.contextmanager
def session(browser: Browser, base: str) -> Iterator[tuple[Page, Watch]]:
    """Yield a page in a fresh context whose requests, console and dialogs are watched."""
    watch = Watch(base)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.route("**/*", watch.route)
    page = context.new_page()
    page.on(
        "console",
        lambda m: (
            watch.errors.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda e: watch.errors.append(f"page error: {e}"))

    def dialog(d: object) -> None:
        watch.dialogs.append(d.message)  # type: ignore[attr-defined]
        d.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", dialog)
    try:
        yield page, watch
    finally:
        context.close()


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def visible_rows(page: Page, table: str) -> list[str]:
    """Return the data-site of the visible body rows of a table."""
    return page.eval_on_selector_all(
        f"{table} tbody tr[data-site]",
        "rows => rows.filter(r => !r.hidden).map(r => r.dataset.site)",
    )


# --- the sample city, audited twice ------------------------------------------------------


@pytest.fixture(scope="module")
def city_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Audit the sample city a week before its audit date and on it; return run 2's report."""
    tmp = tmp_path_factory.mktemp("browser")
    db = f"sqlite:///{tmp / 'gk.db'}"
    with start() as city, contextlib.redirect_stdout(io.StringIO()):
        config_dir = render_config(tmp / "config", city)
        for as_of, out in (
            (samplecity.AS_OF - dt.timedelta(days=7), tmp / "week1"),
            (samplecity.AS_OF, tmp / "report"),
        ):
            cli.main(
                ["run", "--config", str(config_dir), "--db", db, "--as-of", as_of.isoformat()]
                + ["--out", str(out)]
            )
    return tmp / "report"


def test_report_in_chromium(city_report: Path, browser: Browser) -> None:
    with serve(city_report) as base, session(browser, base) as (page, watch):
        page.goto(base + "index.html")
        assert page.evaluate("document.documentElement.dataset.js") == "ready"
        assert page.locator("h1").inner_text().startswith("政府信息公开检查报告")

        # The 19号 ranking: best first, the three vetoed sites tied last (test_scoring).
        ranking = "table#ranking-gov-website-2019"
        assert visible_rows(page, ranking)[:3] == ["portal", "wjw", "jyj"]
        assert sorted(visible_rows(page, ranking)[3:]) == ["czj", "tjj", "zjj"]
        scores = page.locator(f"{ranking} tbody td.score")
        assert scores.all_inner_texts()[:3] == ["98", "97.9", "91.9"]

        # Clicking a header sorts: 得分 ascending (vetoed first, shown as —), then descending.
        header = page.locator(f"{ranking} thead th", has_text="得分")
        header.locator("button").click()
        assert header.get_attribute("aria-sort") == "ascending"
        assert scores.all_inner_texts() == ["—", "—", "—", "91.9", "97.9", "98"]
        header.locator("button").click()
        assert header.get_attribute("aria-sort") == "descending"
        assert scores.all_inner_texts()[:3] == ["98", "97.9", "91.9"]
        # A text column sorts too, and only one header shows a direction.
        site_header = page.locator(f"{ranking} thead th", has_text="站点")
        site_header.locator("button").click()
        assert site_header.get_attribute("aria-sort") == "ascending"
        assert header.get_attribute("aria-sort") is None

        # Filters: by sector on the site table, by verdict on the ranking.
        sites = "table#site-table"
        assert len(visible_rows(page, sites)) == 9
        bar = page.locator(".filters[data-scope='site-table']")
        assert bar.is_visible()
        bar.locator("select[data-filter='sector']").select_option("water")
        assert visible_rows(page, sites) == ["water"]
        assert bar.locator("output").inner_text() == "显示 1 / 9 行"
        bar.locator("select[data-filter='sector']").select_option("")
        bar.locator("select[data-filter='status']").select_option("error")
        assert "tjj" in visible_rows(page, sites)  # unreachable: its rules could not run
        assert set(visible_rows(page, sites)) < {"portal", "czj", "jyj", "wjw", "zjj", "tjj"}
        bar.locator("button.reset").click()
        assert len(visible_rows(page, sites)) == 9
        verdicts = page.locator(".filters[data-scope='ranking-gov-website-2019']")
        verdicts.locator("select[data-filter='verdict']").select_option("fail")
        assert sorted(visible_rows(page, ranking)) == ["czj", "tjj", "zjj"]
        verdicts.locator("button.reset").click()

        # Trend charts are inline SVG with a title, readable as a data table too.
        charts = page.locator("section.trends svg.chart[role='img']")
        assert charts.count() == 2
        assert page.locator("section.trends details.chart-data").count() == 2
        shot(page, "overview")

        # Printed on A4: navigation and filters are gone, the tables stay.
        page.emulate_media(media="print")
        assert not page.locator("nav.tabs").is_visible()
        assert not bar.is_visible()
        assert page.locator(sites).is_visible()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF")
        (ARTIFACTS / "overview.pdf").write_bytes(pdf)
        page.emulate_media(media="screen")

        # A sector page: only the regulator's sites.
        page.locator("nav.tabs a", has_text="行业监管").click()
        page.locator("table#sector-table a", has_text="示例市住房和城乡建设局").click()
        assert "示例市住房和城乡建设局" in page.locator("h1").inner_text()
        assert sorted(visible_rows(page, "table#site-table")) == ["gas", "water"]
        assert page.locator("section.common ol.common-list li").count() >= 1
        shot(page, "sector")

        # A site page, reached from the ranking: verdicts, scorecards, history, findings.
        page.goto(base + "index.html")
        page.locator(f"{ranking} a", has_text="示例市教育局").click()
        assert page.url.startswith(base + "sites/jyj.html")
        assert page.locator("h1").inner_text() == "示例市教育局"
        boxes = page.locator(".verdict-box")
        assert boxes.count() == 2
        assert "合格" in boxes.first.inner_text() and "91.9" in boxes.first.inner_text()
        assert page.locator("section.score-history svg.chart").count() == 1
        assert page.locator("section.score-history tbody tr").count() == 2
        problems = page.locator("section.problems")
        assert problems.locator("section.indicator").count() >= 3
        assert problems.locator("p.fix").first.inner_text().startswith("整改建议：")
        assert problems.locator("span.http").count() >= 1  # HTTP status as evidence
        # Filter the findings by severity: only high rows stay, empty groups hide.
        fbar = page.locator(".filters[data-scope='problems']")
        fbar.locator("select[data-filter='severity']").select_option("high")
        severities = page.eval_on_selector_all(
            "section.problems tr.finding",
            "rows => rows.filter(r => !r.hidden).map(r => r.dataset.severity)",
        )
        assert severities and set(severities) == {"high"}
        hidden_groups = page.eval_on_selector_all(
            "section.problems section.rule-group", "gs => gs.filter(g => g.hidden).length"
        )
        assert hidden_groups >= 1
        fbar.locator("button.reset").click()
        shot(page, "site-jyj")

        # The run's diff page and a rule page.
        page.goto(base + "runs/index.html")
        assert page.locator("table#runs-table tbody tr").count() == 2
        page.locator("table#runs-table a", has_text="变化明细").first.click()
        assert page.locator("h1").inner_text().startswith("第 2 次检查")
        assert page.locator("section.diff-resolved h2").inner_text() == "已整改（3 条）"
        shot(page, "diff")
        page.goto(base + "rules/link-broken.html")
        assert page.locator("table#rule-site-table tbody tr").count() >= 1
        shot(page, "rule")
        watch.assert_clean()


# --- hostile crawled text ---------------------------------------------------------------

SCRIPT = "<script>window.__xss=1;alert(1)</script>"
ATTR = '"onmouseover="window.__xss=2;alert(2)" x="'
IMG = '<img src=x onerror="window.__xss=3;alert(3)">'
JS_URL = "javascript:window.__xss=4;alert(4)"
JS_URLS = (
    JS_URL,
    "JaVaScRiPt:alert(5)",
    " javascript:alert(6)",
    "data:text/html,<script>alert(7)</script>",
)
SVG = "<svg onload=alert(8)>"


def hostile_findings(site: str, week: int) -> list[object]:
    """Findings whose crawled parts (subjects, messages, URLs, evidence, column names) carry
    script; week 2 drops one and adds one, so they show in the diff page's lists too."""
    out = [
        finding(
            site,
            "column-stale",
            "fail",
            SCRIPT,  # a column name taken from a crawled page
            url=JS_URL,
            message=f"栏目“{SCRIPT}”最新信息《{IMG}》已 200 天未更新",
            evidence={
                "title": SCRIPT,
                "newest_url": JS_URLS[1],
                "snippet": f"联系电话 13812345678 {IMG} {SVG}",
                ATTR: ATTR,  # a hostile evidence key becomes a label and a title attribute
                "links": list(JS_URLS),
            },
        ),
        finding(
            site,
            "link-broken",
            "fail",
            ATTR,
            url=JS_URLS[2],
            message=f"链接“{ATTR}”无法打开（HTTP 404）",
            evidence={"status": 404, "source": JS_URLS[3], "text": SVG},
        ),
        finding(
            site,
            "column-empty",
            "muted",
            IMG,
            url="https://www.example.gov.cn/<script>alert(9)</script>",
            message=f"栏目“{IMG}”为空白栏目",
            mute_reason=f"已报备 {SCRIPT}",
            mute_expires="2099-12-31",
        ),
    ]
    if week == 0:
        out.append(finding(site, "meta-missing", "fail", f"{SCRIPT}（第一周）", url=JS_URL))
    else:
        out.append(finding(site, "catalogue-missing", "warn", f"{IMG}（第二周）", url=JS_URL))
    return out


def test_hostile_text_renders_inert_in_chromium(tmp_path: Path, browser: Browser) -> None:
    sites = make_sites(3)
    sites[2] = sites[2].model_copy(
        update={"name": f"示例<script>window.__xss=9</script>{ATTR}企业", "regulator": IMG}
    )
    st = Store(f"sqlite:///{tmp_path / 'gk.db'}")
    try:
        for week in range(2):
            found = [f for s in sites for f in hostile_findings(s.id, week)]
            run_id = save_run(st, sites, dt.date(2026, 3, 2) + dt.timedelta(days=7 * week), found)
        out = tmp_path / "report"
        cli.do_report(st, run_id, out)
    finally:
        st.close()
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert {"index.html", "runs/2.html", "rules/index.html"} <= set(pages)
    with serve(out) as base, session(browser, base) as (page, watch):
        for rel in pages:
            page.goto(base + rel)
            # Fire every mouse handler an injected attribute could have added.
            page.evaluate(
                "document.querySelectorAll('*').forEach(el => el.dispatchEvent("
                "new MouseEvent('mouseover', {bubbles: true})))"
            )
            assert page.evaluate("window.__xss") is None, rel
            # The report's own script is the only one; no element has an on* handler.
            assert page.evaluate("document.scripts.length") == 1, rel
            assert (
                page.evaluate(
                    "[...document.querySelectorAll('*')].some(el => "
                    "[...el.attributes].some(a => a.name.startsWith('on')))"
                )
                is False
            ), rel
            # Every link is http(s) or relative to the report; none is javascript: or data:.
            protocols = page.evaluate("[...document.links].map(a => a.protocol)")
            assert set(protocols) <= {"http:", "https:"}, (rel, protocols)
            assert "13812345678" not in page.content(), rel  # the snippet is masked
        page.goto(base + f"sites/{sites[0].id}.html")
        body = page.locator("body").inner_text()
        # The hostile text is shown as text, not dropped.
        assert SCRIPT in body and IMG in body and "138****5678" in body
        inert = page.locator("span.url.inert", has_text="javascript:")
        assert inert.count() >= 2
        assert page.locator("a[href^='javascript']").count() == 0
        muted = page.locator("section.muted-section")
        assert "豁免至 2099年12月31日" in muted.inner_text()
        shot(page, "hostile-site")
        page.goto(base + "runs/2.html")
        assert IMG + "（第二周）" in page.locator("section.diff-new").inner_text()
        assert SCRIPT + "（第一周）" in page.locator("section.diff-resolved").inner_text()
        watch.assert_clean()
