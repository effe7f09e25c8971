"""Availability probes (issue 6): real GETs against local servers, the probes table on SQLite and
PostgreSQL, site_unreachable over a simulated week (19号: veto ≥5%, 预警 ≥3%), scoring, the CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import secrets
import shutil
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from ruamel.yaml import YAML

import cli
import conf
from checks.context import probe_failed, probe_window
from checks.model import Finding, Outcome, Page, Probe, SiteSnapshot
from checks.runner import attach_probes, evaluate, run_checks
from checks.scoring import FAIL, PASS, PREWARN, score_run
from crawlers.items import PageItem
from crawlers.probe import probe_sites, probe_url
from store import Store
from tests.siteserver import SiteServer
from tests.test_checks import HOME, home_page, make_rule, make_site, snap

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 23)  # a Monday: the week judged is 2026-11-16 .. 2026-11-22
BASIS = "国办秘函〔2019〕19号 单项否决“站点无法访问”"
BLOCKED = [403, 429]


# --- local servers ---------------------------------------------------------------------------


class FlakyServer:
    """A real HTTP server on 127.0.0.1 whose every `every`-th GET fails: alternately HTTP 503
    and a connection closed without any answer."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.count = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                with server._lock:
                    server.count += 1
                    n = server.count
                if n % server.every == 0:
                    if (n // server.every) % 2:
                        self.send_error(503, "Service Unavailable")
                    # else: return without a byte; the client sees the connection closed.
                    return
                body = "<html><head><title>示例市人民政府</title></head><body>首页</body></html>"
                data = body.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The home page URL."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    def __enter__(self) -> FlakyServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def free_port() -> int:
    """Return a port nothing listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- one probe: honest status ----------------------------------------------------------------

PAGE = (200, {"Content-Type": "text/html; charset=utf-8"}, "<html><body>首页</body></html>")
ROUTES = {
    "/": PAGE,
    "/gone": (404, {}, "not found"),
    "/busy": (503, {}, "busy"),
    "/deny": (403, {}, "forbidden"),
    "/moved": (302, {"Location": "/"}, ""),
    "/loop": (302, {"Location": "/loop"}, ""),
}


@pytest.mark.parametrize(
    ("path", "status", "error", "failed"),
    [
        ("/", 200, None, False),
        ("/moved", 200, None, False),  # redirects are followed: the page opens
        ("/gone", 404, None, True),
        ("/busy", 503, None, True),
        ("/deny", 403, None, None),  # refused the checker: proves nothing (blocked_statuses)
        ("/loop", 302, "protocol", True),
    ],
)
def test_probe_statuses(path: str, status: int, error: str | None, failed: bool | None) -> None:
    with SiteServer(ROUTES) as server:
        probe = probe_url(server.url(path), site_id="city", timeout=5, user_agent="gongkai-test")
        assert server.requests[0][0] == "GET" and server.requests[0][2] == "gongkai-test"
    assert (probe.status, probe.error, probe_failed(probe, BLOCKED)) == (status, error, failed)
    assert probe.site_id == "city" and probe.url == server.url(path)
    assert probe.elapsed_ms is not None and probe.elapsed_ms >= 0
    assert (probe.detail is None) == (error is None)


def test_probe_network_failures() -> None:
    refused = probe_url(f"http://127.0.0.1:{free_port()}/", site_id="city", timeout=5)
    assert (refused.status, refused.error) == (None, "connection")
    assert "Connection" in (refused.detail or "")
    # A listener that never answers: the connection opens, the page never arrives.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        timed_out = probe_url(url, site_id="city", timeout=0.5)
    assert (timed_out.status, timed_out.error) == (None, "timeout")
    with FlakyServer(every=1) as server:  # request 1 answers 503, request 2 closes unanswered
        busy = probe_url(server.url, site_id="city", timeout=5)
        dropped = probe_url(server.url, site_id="city", timeout=5)
    assert (busy.status, busy.error) == (503, None)
    assert (dropped.status, dropped.error) == (None, "connection")
    assert "RemoteDisconnected" in (dropped.detail or "")
    assert all(probe_failed(p, BLOCKED) for p in (refused, timed_out, dropped))


# --- the probes table ------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Yield a Store on a fresh database of the parametrised backend."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'gongkai.db'}"
    else:
        url = request.getfixturevalue("pg_url")
        schema = f"gk_test_{secrets.token_hex(6)}"
    st = Store(url, schema=schema)
    yield st
    st.close()
    if schema is not None:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def probe(at: dt.datetime, site: str = "city", status: int | None = 200, **kw: Any) -> Probe:
    return Probe(site_id=site, url=HOME, probed_at=at, status=status, elapsed_ms=12, **kw)


def test_store_probes_round_trip_and_window(open_store: Store) -> None:
    st = open_store
    t0 = dt.datetime(2026, 11, 20, 4, 0)
    st.add_probe(probe(t0 + dt.timedelta(hours=2), status=None, error="timeout", detail="超时"))
    st.add_probes(
        [
            probe(t0),
            probe(t0 + dt.timedelta(hours=1), status=503),
            probe(t0 + dt.timedelta(hours=3)),
            probe(t0, site="other"),
        ]
    )
    st.add_probes([])  # nothing to store is not an error
    got = st.probes("city")
    assert [(p.probed_at, p.status, p.error) for p in got] == [
        (t0, 200, None),
        (t0 + dt.timedelta(hours=1), 503, None),
        (t0 + dt.timedelta(hours=2), None, "timeout"),
        (t0 + dt.timedelta(hours=3), 200, None),
    ]
    assert got[2] == probe(t0 + dt.timedelta(hours=2), status=None, error="timeout", detail="超时")
    # since inclusive, until exclusive; an aware bound is converted to UTC (12:00+08 = 04:00Z).
    beijing = dt.timezone(dt.timedelta(hours=8))
    since = dt.datetime(2026, 11, 20, 13, 0, tzinfo=beijing)
    window = st.probes("city", since=since, until=t0 + dt.timedelta(hours=3))
    assert [p.probed_at for p in window] == [t0 + dt.timedelta(hours=1), t0 + dt.timedelta(hours=2)]
    assert [p.site_id for p in st.probes("other")] == ["other"]
    assert st.probes("nowhere") == []
    # An aware probe time is stored as naive UTC.
    st.add_probe(probe(dt.datetime(2026, 11, 21, 8, 0, tzinfo=beijing), site="tz"))
    assert [p.probed_at for p in st.probes("tz")] == [dt.datetime(2026, 11, 21, 0, 0)]
    indexes = {i["name"]: i["column_names"] for i in sa.inspect(st.engine).get_indexes("probes")}
    assert indexes["ix_probes_site_time"] == ["site_id", "probed_at"]


def test_probe_sites_stores_one_probe_per_site(open_store: Store) -> None:
    with SiteServer({"/": PAGE}) as server:
        config = conf.Config(
            root=ROOT,
            sites=[
                make_site(id="up", start_urls=[server.url("/")]),
                make_site(id="down", start_urls=[f"http://127.0.0.1:{free_port()}/"]),
            ],
            rules=[],
        )
        fired = dt.datetime(2026, 11, 20, 10, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
        probes = probe_sites(config, open_store, fired)
        only = probe_sites(config, None, site_ids=["up"], timeout=5)
    assert [(p.site_id, p.status, p.error) for p in probes] == [
        ("up", 200, None),
        ("down", None, "connection"),
    ]
    stored = open_store.probes("up") + open_store.probes("down")
    assert stored == probes  # recorded at the scheduler's time, as naive UTC
    assert {p.probed_at for p in stored} == {dt.datetime(2026, 11, 20, 2, 30)}
    assert [(p.site_id, p.status) for p in only] == [("up", 200)]
    assert len(open_store.probes("up")) == 1  # store None: probed, not stored


# --- a simulated week through the store, the runner and the 19号 scorecard -------------------


def rule(**params: Any) -> conf.Rule:
    return conf.Rule(
        id="site-unreachable",
        check="site_unreachable",
        title="网站无法访问",
        severity="high",
        basis=BASIS,
        params=params,
    )


def framework() -> conf.Framework:
    text = (ROOT / "config" / "frameworks" / "gov-website-2019.yaml").read_text(encoding="utf-8")
    return conf.Framework.model_validate(YAML(typ="safe").load(text))


def week_of_real_probes(url: str, n: int) -> list[Probe]:
    """Probe `url` for real n times, then spread the probes over the 7 Beijing days before
    AS_OF (the times are injected: a real week cannot pass in a test)."""
    since, until = probe_window(AS_OF)
    step = (until - since) / n
    probes = [probe_url(url, site_id="city", timeout=5) for _ in range(n)]
    return [
        dataclasses.replace(p, probed_at=since + i * step + dt.timedelta(minutes=1))
        for i, p in enumerate(probes)
    ]


@pytest.mark.parametrize(
    ("every", "n", "failures", "status", "verdict"),
    [
        (10, 140, 14, "fail", FAIL),  # 10% ≥ 5%: 单项否决
        (25, 150, 6, "warn", PREWARN),  # 4%: ≥ 3% 预警, below the veto line
        (100, 200, 2, None, PASS),  # 1%: passes
    ],
)
def test_week_of_probes_decides_the_veto(
    tmp_path: Path, every: int, n: int, failures: int, status: str | None, verdict: str
) -> None:
    with FlakyServer(every) as server:
        probes = week_of_real_probes(server.url, n)
        url = server.url
    assert server.count == n
    assert sum(bool(probe_failed(p, BLOCKED)) for p in probes) == failures
    since, until = probe_window(AS_OF)
    # Failed probes just outside the window must not count: the day before it, the audit day.
    outside = [
        probe(since - dt.timedelta(seconds=1), status=503),
        probe(until, status=None, error="timeout"),
    ]
    outside = [dataclasses.replace(p, url=url) for p in outside]
    st = Store(f"sqlite:///{tmp_path / 'gongkai.db'}")
    st.add_probes(probes + outside)
    # The crawl fetched the home page fine: the week of probes decides, not the crawl.
    snapshot = SiteSnapshot(
        run_id=1,
        site_id="city",
        start_urls=[url],
        pages={url: Page(url=url, kind="page", status=200, error=None, is_home=True)},
        links=[],
        columns=[],
    )
    snapshots = {"city": snapshot}
    attach_probes(st, snapshots, AS_OF)
    st.close()
    assert len(snapshot.probes) == n
    site = make_site(start_urls=[url])
    config = conf.Config(root=ROOT, sites=[site], rules=[rule()])
    findings, outcomes = run_checks(snapshots, config, AS_OF)
    assert [f.status for f in findings] == ([status] if status else [])
    [card] = score_run([framework()], {"city": site}, findings, outcomes)
    assert card.verdict == verdict
    if status is None:
        return
    [f] = findings
    ev = f.evidence
    assert (ev["source"], ev["probes"], ev["failures"], ev["refused"]) == ("probes", n, failures, 0)
    assert ev["ratio"] == round(failures / n, 4)
    assert ev["window"] == {"from": "2026-11-16", "to": "2026-11-22"}
    assert [d["date"] for d in ev["days"]] == [f"2026-11-{d}" for d in range(16, 23)]
    assert sum(d["probes"] for d in ev["days"]) == n
    assert sum(d["failures"] for d in ev["days"]) == failures
    assert len(ev["failed_at"]) == min(failures, 10)
    assert {w["status"] for w in ev["failed_at"]} == {503, None}
    assert {w["error"] for w in ev["failed_at"]} == {None, "connection"}
    times = [w["time"] for w in ev["failed_at"]]
    assert times == sorted(times) and all(t.endswith("+08:00") for t in times)
    assert all("2026-11-16" <= t[:10] <= "2026-11-22" for t in times)
    percent = {14: "10%", 6: "4%"}[failures]
    assert f"定时探测 {n} 次，失败 {failures} 次，失败率 {percent}" in f.message
    assert "国办秘函〔2019〕19号" in f.message
    if status == "fail":
        assert card.vetoes == ["站点无法访问（1 项）"] and card.score is None
        assert "达到国办秘函〔2019〕19号“站点无法访问”单项否决线（5%）" in f.message
        assert "prewarn" not in ev
    else:
        assert card.prewarns == ["站点无法访问（1 项）"] and card.score == 100.0
        assert (
            "达到预警线（3%），尚未达到国办秘函〔2019〕19号“站点无法访问”单项否决线（5%）"
            in f.message
        )
        assert ev["prewarn"] is True


# --- the check on hand-built probes: fallback, blocked probes, params -------------------------


def at(i: int) -> dt.datetime:
    """Return the i-th probe time inside the week before AS_OF (hourly)."""
    return probe_window(AS_OF)[0] + dt.timedelta(hours=i)


def ok(i: int) -> Probe:
    return probe(at(i))


def bad(i: int) -> Probe:
    return probe(at(i), status=None, error="connection", detail="ConnectionRefusedError")


def run_kind(
    check: str,
    snapshot: SiteSnapshot,
    params: dict[str, Any] | None = None,
    site: conf.Site | None = None,
) -> list[Finding]:
    """Evaluate one kind at AS_OF through the runner's per-rule boundary."""
    return evaluate(make_rule(check, params), site or make_site(), snapshot, AS_OF)


def snap_with(probes: list[Probe], home: Page | None = None) -> SiteSnapshot:
    s = snap(pages=[home] if home else None)
    s.probes = probes
    return s


FALLBACK = "近 7 天仅有 5 次有效定时探测，少于 20 次，本结论依据本次抓取的单次访问。"


@pytest.mark.parametrize(
    ("probes", "home", "params", "expected", "message"),
    [
        # Too few probes, the crawl opened the home page: pass, whatever the probes say.
        ([bad(i) for i in range(5)], None, {}, [], None),
        # Too few probes, the crawl failed: the crawl's verdict, saying it rests on one fetch.
        (
            [bad(i) for i in range(5)],
            home_page(status=500),
            {},
            [("fail", HOME)],
            f"首页 {HOME} 无法访问（HTTP 500）。{FALLBACK}",
        ),
        # 30 probes refused the checker (403), 10 usable: too few; the crawl's 403 warns.
        (
            [probe(at(i), status=403) for i in range(30)] + [ok(30 + i) for i in range(10)],
            home_page(status=403),
            {},
            [("warn", HOME)],
            f"首页 {HOME} 返回 HTTP 403，疑似拒绝了检查程序的访问，不能据此判定网站无法访问。"
            "近 7 天仅有 10 次有效定时探测（另有 30 次被拒绝访问），少于 20 次，"
            "本结论依据本次抓取的单次访问。",
        ),
        # Enough probes, none failed: the crawl's single failed fetch does not veto.
        ([ok(i) for i in range(20)], home_page(status=500), {}, [], None),
        # Probes of another URL (an old home page) do not count: today's message exactly.
        (
            [dataclasses.replace(bad(i), url="http://old.gov.test/") for i in range(40)],
            home_page(status=500),
            {},
            [("fail", HOME)],
            f"首页 {HOME} 无法访问（HTTP 500）。",
        ),
        # Probes outside the week do not count either.
        (
            [probe(at(-1 - i), status=503) for i in range(40)],
            None,
            {},
            [],
            None,
        ),
        # min_probes is a parameter: 1 of 5 failed = 20% ≥ 5%.
        ([bad(0)] + [ok(i) for i in range(1, 5)], None, {"min_probes": 5}, [("fail", HOME)], None),
        # Lines are parameters: 1 of 40 = 2.5% passes by default, fails at fail_ratio 0.02.
        ([bad(0)] + [ok(i) for i in range(1, 40)], None, {}, [], None),
        (
            [bad(0)] + [ok(i) for i in range(1, 40)],
            None,
            {"fail_ratio": 0.02, "warn_ratio": 0.01},
            [("fail", HOME)],
            None,
        ),
        # A trailing slash does not make another URL.
        (
            [dataclasses.replace(bad(i), url=HOME.rstrip("/")) for i in range(20)],
            None,
            {},
            [("fail", HOME)],
            None,
        ),
    ],
)
def test_site_unreachable_with_probes(
    probes: list[Probe],
    home: Page | None,
    params: dict[str, Any],
    expected: list[tuple[str, str]],
    message: str | None,
) -> None:
    found = run_kind("site_unreachable", snap_with(probes, home), params)
    assert [(f.status, f.subject) for f in found] == expected
    if message is not None:
        assert found[0].message == message


def test_site_unreachable_fallback_evidence() -> None:
    [f] = run_kind("site_unreachable", snap_with([bad(i) for i in range(5)], home_page(status=500)))
    assert f.evidence == {
        "status": 500,
        "error": None,
        "fetched_at": None,
        "source": "crawl",
        "probes": 5,
        "refused": 0,
    }


def test_site_unreachable_line_order_is_validated() -> None:
    [f] = run_kind("site_unreachable", snap(), {"warn_ratio": 0.06})
    assert f.status == "error" and "warn_ratio（0.06）不能大于 fail_ratio（0.05）" in f.message


def test_site_unreachable_other_start_urls_still_use_the_crawl() -> None:
    second = "http://gov.test/zwgk/"
    site = make_site(start_urls=[HOME, second])
    s = snap(pages=[home_page(status=500), Page(url=second, kind="page", status=502, error=None)])
    s.start_urls = [HOME, second]
    s.probes = [ok(i) for i in range(20)]
    found = run_kind("site_unreachable", s, site=site)
    assert [(f.status, f.subject) for f in found] == [("fail", second)]


# --- scoring: a warn marked 预警 ----------------------------------------------------------------


def finding(result: str, **evidence: Any) -> Finding:
    return Finding(
        site="city",
        rule="site-unreachable",
        check="site_unreachable",
        status=result,  # type: ignore[arg-type]
        severity="high",
        subject=HOME,
        url=HOME,
        message="测试",
        evidence=evidence,
        basis=BASIS,
    )


@pytest.mark.parametrize(
    ("findings", "verdict", "result"),
    [
        ([finding("warn", prewarn=True)], PREWARN, "prewarn"),
        ([finding("warn", blocked=True, status=403)], PASS, "pass"),  # a refusal is no 预警
        ([finding("muted", prewarn=True)], PASS, "pass"),  # muted: visible, not counted
        ([finding("fail"), finding("warn", prewarn=True)], FAIL, "veto"),
    ],
)
def test_prewarn_warn_scores_as_prewarn(findings: list, verdict: str, result: str) -> None:
    site = make_site()
    outcomes = [
        Outcome(site="city", rule="site-unreachable", check="site_unreachable", status="pass")
    ]
    [card] = score_run([framework()], {"city": site}, findings, outcomes)
    req = next(r for r in card.requirements if r.id == "site-unreachable")
    assert (card.verdict, req.result) == (verdict, result)


# --- settings and the CLI --------------------------------------------------------------------


def config_dir(tmp_path: Path, sites: str, settings: str = "") -> Path:
    root = tmp_path / "cfg"
    (root / "rules").mkdir(parents=True)
    shutil.copy(ROOT / "config" / "rules" / "gov-website-2019.yaml", root / "rules")
    (root / "sites.yaml").write_text(sites, encoding="utf-8")
    if settings:
        (root / "settings.yaml").write_text(settings, encoding="utf-8")
    return root


def site_yaml(site_id: str, url: str) -> str:
    return (
        f"  - id: {site_id}\n    name: 示例站点 {site_id}\n    kind: government\n"
        f"    start_urls: ['{url}']\n"
    )


@pytest.mark.parametrize(
    ("settings", "problems", "per_day", "timeout_s"),
    [
        ("", [], 24, 15.0),
        ("probes:\n  # per_day: 24\n", [], 24, 15.0),  # a header with every key commented out
        ("probes:\n  per_day: 48\n  timeout_s: 20\n", [], 48, 20.0),
        (
            "probes:\n  per_day: 10\n  timeout_s: 5\n",
            [
                "settings.yaml:2: probes.per_day 取值 10 无效，应大于或等于 20",
                "settings.yaml:3: probes.timeout_s 取值 5 无效，应大于或等于 15",
            ],
            None,
            None,
        ),
    ],
)
def test_probe_settings(
    tmp_path: Path, settings: str, problems: list[str], per_day: int, timeout_s: float
) -> None:
    root = config_dir(tmp_path, "sites:\n" + site_yaml("city", HOME), settings)
    try:
        config = conf.load_config(root)
    except conf.ConfigError as exc:
        assert [re.sub(r"^.*?cfg/", "", str(p)) for p in exc.problems] == problems
        return
    assert problems == []
    assert (config.settings.probes.per_day, config.settings.probes.timeout_s) == (
        per_day,
        timeout_s,
    )


def test_readme_probe_settings_example_loads(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [block] = [
        b for b in re.findall(r"```yaml\n(.*?)```", readme, flags=re.S) if b.startswith("probes:")
    ]
    root = config_dir(tmp_path, "sites:\n" + site_yaml("city", HOME), block)
    assert conf.load_config(root).settings.probes.per_day == 24


def test_probe_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'gongkai.db'}"
    with SiteServer({"/": PAGE}) as server:
        sites = "sites:\n" + site_yaml("up", server.url("/"))
        sites += site_yaml("down", f"http://127.0.0.1:{free_port()}/")
        root = str(config_dir(tmp_path, sites))
        assert cli.main(["probe", "--config", root, "--db", db]) == cli.EXIT_FAIL
        out = capsys.readouterr().out
        assert "失败（连接失败）" in out and "正常" in out and "已保存 2 次探测" in out
        assert cli.main(["probe", "--config", root, "--db", db, "--site", "up"]) == cli.EXIT_OK
        out = capsys.readouterr().out
        assert "2 次，失败率 0.0%" in out  # the week so far: both probes of `up`
    assert cli.main(["probe", "--config", root, "--db", db, "--site", "nope"]) == cli.EXIT_CONFIG
    assert "sites.yaml 中没有站点：nope" in capsys.readouterr().err
    st = Store(db)
    assert [p.status for p in st.probes("up")] == [200, 200]
    assert [p.error for p in st.probes("down")] == ["connection"]
    st.close()


def test_probe_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["probe", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "示例" in out and "gongkai probe" in out and "国办秘函〔2019〕19号" in out


def test_check_command_judges_stored_probes(tmp_path: Path) -> None:
    # `gongkai check` loads the week of probes before the run's audit date (do_check).
    url = "http://127.0.0.1:9/"
    root = str(config_dir(tmp_path, "sites:\n" + site_yaml("city", url)))
    db = f"sqlite:///{tmp_path / 'gongkai.db'}"
    st = Store(db)
    run_id = st.start_run(AS_OF, root, [conf.load_config(Path(root)).sites[0]])
    st.add_pages(
        [PageItem(run_id=run_id, site_id="city", url=url, kind="page", status=200, is_home=True)]
    )
    st.finish_run(run_id, "complete", {})
    probes = [dataclasses.replace(bad(i), url=url) for i in range(3)]
    st.add_probes(probes + [dataclasses.replace(ok(i), url=url) for i in range(3, 40)])
    cli.main(["check", "--config", root, "--db", db, "--run", str(run_id)])
    [f] = [f for f in st.findings(run_id) if f.rule == "site-unreachable"]
    st.close()
    assert (f.status, f.evidence["probes"], f.evidence["failures"]) == ("fail", 40, 3)
