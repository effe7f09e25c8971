"""Checks at scale (issue 7): a run is checked one site at a time, in one process or in worker
processes, with the same results as checking every snapshot held in memory at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import os
import shutil
import weakref
from pathlib import Path

import pytest

import cli
import conf
from checks.model import SiteSnapshot
from checks.runner import (
    PARALLEL_MIN_SITES,
    SnapshotLoader,
    check_workers,
    run_checks,
    run_checks_in_processes,
    stored_snapshots,
)
from crawlers.items import DateCandidate, EntryOut, LinkOut, PageItem
from store import Store

REPO = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2024, 6, 30)
FOOTER = {
    "site_id_code": "3301000001",
    "icp": "浙ICP备00000001号",
    "sponsor": "示例市人民政府办公室",
}


def site_pages(run_id: int, site_id: str, base: str, n: int) -> list[PageItem]:
    """Return a small crawled site: home, a news column (two list pages), articles, a policy
    document with its 解读, a page answering 404 and an off-site link; defects vary by `n`."""
    metas = {"SiteName": "示例", "SiteDomain": base.split("//")[1], "SiteIDCode": "3301000001"}
    articles = []
    for i in range(6):
        day = (AS_OF - dt.timedelta(days=30 * (i + n % 3))).isoformat()
        articles.append(
            PageItem(
                run_id=run_id,
                site_id=site_id,
                url=f"{base}/xwzx/t{i}.html",
                kind="page",
                status=200,
                referer=f"{base}/xwzx/",
                page_type="article",
                title=f"示例市召开第{i}次工作会议" + ("（国家工商总局）" if i == n % 6 else ""),
                pub_date=day,
                date_candidates=[DateCandidate(source="visible", value=day)],
                column="新闻动态",
                metas={**metas, "ColumnName": "新闻动态", "PubDate": f"{day} 08:00"},
                text_snippet="正文",
                body_text=f"第{i}次会议正文。" + ("联系人身份证号码" if i == 2 else ""),
                footer=FOOTER,
            )
        )
    entries = [
        EntryOut(title=a.title or "", url=a.url, date=a.pub_date, position=k)
        for k, a in enumerate(articles)
    ]
    lists = [
        PageItem(
            run_id=run_id,
            site_id=site_id,
            url=f"{base}/xwzx/" if k == 0 else f"{base}/xwzx/index_{k}.html",
            kind="page",
            status=200,
            page_type="list",
            title="新闻动态",
            column="新闻动态",
            column_key=f"{base}/xwzx/",
            metas={**metas, "ColumnName": "新闻动态", "ColumnType": "新闻"},
            entries=entries[3 * k : 3 * k + 3],
            links=[
                LinkOut(url=e.url, text=e.title, kind="page") for e in entries[3 * k : 3 * k + 3]
            ],
            footer=FOOTER,
        )
        for k in range(2)
    ]
    policy = [
        PageItem(
            run_id=run_id,
            site_id=site_id,
            url=f"{base}/zcwj/{name}.html",
            kind="page",
            status=200,
            page_type="article",
            title=title,
            pub_date="2024-05-06",
            column="政策文件",
            metas=metas,
            footer=FOOTER,
        )
        for name, title in (
            ("wj", "示例市人民政府关于印发示例市数字政府建设方案的通知（示政发〔2024〕3号）"),
            ("jd", "《示例市数字政府建设方案》政策解读"),
        )
        if name == "wj" or n % 2 == 0  # odd sites publish no 解读
    ]
    links = [
        LinkOut(url=f"{base}/xwzx/", text="新闻动态", kind="page"),
        LinkOut(url=f"{base}/zcwj/wj.html", text="政策文件", kind="page"),
        LinkOut(url=f"{base}/hdjl/", text="领导信箱", kind="page"),
        LinkOut(url=f"{base}/gone.html", text="已删除的页面", kind="page"),
        LinkOut(url="http://www.gov.cn/", text="中国政府网", kind="external"),
    ]
    home = PageItem(
        run_id=run_id,
        site_id=site_id,
        url=f"{base}/",
        kind="page",
        status=200,
        is_home=True,
        page_type="home",
        title=f"示例市第{n}局",
        metas=metas,
        links=links,
        entries=entries[:2],
        footer=FOOTER if n % 4 else {},
    )
    other = [
        PageItem(run_id=run_id, site_id=site_id, url=f"{base}/gone.html", kind="page", status=404),
        PageItem(
            run_id=run_id, site_id=site_id, url="http://www.gov.cn/", kind="external", status=200
        ),
    ]
    return [home, *lists, *articles, *policy, *other]


def seeded_run(
    tmp_path: Path, n_sites: int, db_url: str | None = None
) -> tuple[Store, conf.Config, int]:
    """Return a store (SQLite unless `db_url`) holding one crawled run of `n_sites` synthetic
    sites and the config auditing them with the shipped rule packs and frameworks."""
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    for part in ("rules", "lexicons", "frameworks"):
        shutil.copytree(REPO / "config" / part, config_dir / part)
    bases = {f"s{i:02d}": f"http://s{i:02d}.example.gov.cn" for i in range(n_sites)}
    sites = [
        {
            "id": sid,
            "name": f"示例市第{i}局",
            "kind": "department" if i % 3 else "government",
            "start_urls": [f"{base}/"],
        }
        for i, (sid, base) in enumerate(bases.items())
    ]
    # JSON is YAML: no YAML writer needed.
    (config_dir / "sites.yaml").write_text(json.dumps({"sites": sites}, ensure_ascii=False))
    config = conf.load_config(config_dir)
    st = Store(db_url or f"sqlite:///{tmp_path / 'gongkai.db'}")
    run_id = st.start_run(AS_OF, str(config_dir), config.sites)
    for i, (sid, base) in enumerate(bases.items()):
        st.add_pages(site_pages(run_id, sid, base, i))
    return st, config, run_id


def results(st: Store, run_id: int) -> tuple[list[dict], list[dict], list[dict]]:
    """Return a run's stored findings, outcomes and scorecards as plain data."""
    return (
        [dataclasses.asdict(f) for f in st.findings(run_id)],
        [dataclasses.asdict(o) for o in st.outcomes(run_id)],
        st.scores(run_id),
    )


def test_run_checks_holds_one_site_snapshot_at_a_time(tmp_path: Path) -> None:
    st, config, run_id = seeded_run(tmp_path, 6)
    ids = [s.id for s in config.sites]
    stored = stored_snapshots(st, run_id, ids, AS_OF)
    loaded: list[weakref.ref[SiteSnapshot]] = []
    alive_at_load: list[int] = []

    def alive() -> int:
        return sum(ref() is not None for ref in loaded)

    def load(site_id: str) -> SiteSnapshot | None:
        alive_at_load.append(alive())  # snapshots not yet freed when the next one is asked for
        snapshot = stored(site_id)
        assert snapshot is not None
        loaded.append(weakref.ref(snapshot))
        return snapshot

    findings, outcomes = run_checks(load, config, AS_OF)
    assert alive_at_load == [0] * len(ids)
    assert alive() == 0
    # The same results as with every site's snapshot in memory at once.
    every = {sid: stored(sid) for sid in ids}
    assert all(every.values())
    assert run_checks(every, config, AS_OF) == (findings, outcomes)
    # Each site's findings are its own: only every fourth site shows no footer.
    no_footer = {f.site for f in findings if f.subject == "首页页脚缺少网站标识码"}
    assert no_footer == {sid for i, sid in enumerate(ids) if i % 4 == 0}
    broken = {f.site for f in findings if f.check == "link_broken" and f.status == "fail"}
    assert broken == set(ids)


def test_stored_snapshots_skip_sites_the_run_did_not_crawl(tmp_path: Path) -> None:
    st, config, run_id = seeded_run(tmp_path, 2)
    load = stored_snapshots(st, run_id, ["s00"], AS_OF)
    assert load("s01") is None
    snapshot = load("s00")
    assert snapshot is not None and snapshot.site_id == "s00" and snapshot.probes == []
    _, outcomes = run_checks(load, config, AS_OF)
    assert {o.status for o in outcomes if o.site == "s01"} == {"error"}  # 无抓取数据


def open_in_worker(url: str, run_id: int, ids: list[str], parent: int) -> SnapshotLoader:
    """Open the store in a check worker (not in the test's process) and load from it."""
    assert os.getpid() != parent, "the loader must be opened in a worker process"
    return stored_snapshots(Store(url), run_id, ids, AS_OF)


def test_worker_processes_give_the_same_results_as_one_process(tmp_path: Path) -> None:
    st, config, run_id = seeded_run(tmp_path, 5)
    ids = [s.id for s in config.sites]
    opener = functools.partial(open_in_worker, st.url, run_id, ids, os.getpid())
    in_workers = run_checks_in_processes(opener, config, AS_OF, workers=2)
    assert in_workers == run_checks(stored_snapshots(st, run_id, ids, AS_OF), config, AS_OF)
    findings, outcomes = in_workers
    assert {f.site for f in findings} == {o.site for o in outcomes} == set(ids)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str | None:
    """Return None (a SQLite file) or a PostgreSQL URL in a fresh schema."""
    return None if request.param == "sqlite" else request.getfixturevalue("pg_schema_url")


def test_gongkai_check_spreads_a_large_run_over_workers(tmp_path: Path, db_url: str | None) -> None:
    # Each worker reopens the database from the store's URL (with PostgreSQL's schema in it).
    st, config, run_id = seeded_run(tmp_path, PARALLEL_MIN_SITES + 2, db_url)
    config.settings.checks.workers = 1
    cli.do_check(config, st, run_id, AS_OF)
    one = results(st, run_id)
    config.settings.checks.workers = 2
    assert check_workers(2, len(config.sites)) == 2
    lines: list[str] = []
    findings, _ = cli.do_check(config, st, run_id, AS_OF, lines.append)
    assert results(st, run_id) == one
    assert len(one[0]) > 2 * len(config.sites) and len(one[2]) >= len(config.sites)
    # The operator sees the check move; the last line counts every site (before history and
    # muting, the results as the rules gave them).
    n = len(config.sites)
    assert lines and lines[-1].startswith(f"检查完成：已检查 {n}/{n} 个站点，")
    assert int(lines[-1].split("，")[1].split(" ")[0].replace(",", "")) >= len(findings) > 0


def test_check_progress_lines_are_spaced_in_time() -> None:
    from checks.runner import CheckProgress

    now = [0.0]
    lines: list[str] = []
    counter = CheckProgress(4, lines.append, interval=5.0, clock=lambda: now[0])
    for seconds, results in ((1.0, 10), (6.0, 2000), (7.0, 0), (20.0, 5)):
        now[0] = seconds
        counter.site_done(results)
    counter.finish()
    # One line after 5 s had passed, none for the site 1 s later, none for the last site
    # (the closing line says it), then the closing line.
    assert lines == [
        "检查进度：已检查 2/4 个站点，2,010 条结果，用时 6s",
        "检查完成：已检查 4/4 个站点，2,015 条结果，用时 20s",
    ]
    silent = CheckProgress(3, None)
    silent.site_done(1)
    silent.finish()  # no receiver: nothing to say, nothing raised


def test_check_workers_setting() -> None:
    many = PARALLEL_MIN_SITES
    assert check_workers(None, many - 1) == 1  # a handful of sites: no workers
    assert check_workers(1, many) == 1
    assert check_workers(3, many) == 3
    assert check_workers(None, many) == min(os.cpu_count() or 1, many)
    assert check_workers(64, many) == many


def test_settings_checks_workers(tmp_path: Path) -> None:
    (tmp_path / "sites.yaml").write_text(
        "sites:\n  - {id: a, name: 甲, kind: department, start_urls: ['http://a.example/']}\n"
    )
    shutil.copytree(REPO / "config" / "rules", tmp_path / "rules")
    shutil.copytree(REPO / "config" / "lexicons", tmp_path / "lexicons")
    (tmp_path / "settings.yaml").write_text("checks:\n  workers: 2\n")
    assert conf.load_config(tmp_path).settings.checks.workers == 2
    (tmp_path / "settings.yaml").write_text("checks:\n")
    assert conf.load_config(tmp_path).settings.checks.workers is None
    (tmp_path / "settings.yaml").write_text("checks:\n  workers: 0\n")
    with pytest.raises(conf.ConfigError) as err:
        conf.load_config(tmp_path)
    assert "workers" in str(err.value)


# A loader module for the spawned workers to import: each worker announces itself, then
# takes for ever over its first site.
SLOW_LOADER = """
import os, time

def open_loader(out):
    def load(site_id):
        with open(os.path.join(out, f"{os.getpid()}.pid"), "w") as fh:
            fh.write(site_id)
        time.sleep(600)
    return load
"""

ORPHAN_SCRIPT = """
import datetime as dt, functools, sys
sys.path.insert(0, sys.argv[1])
import conf, slowload
from checks.runner import run_checks_in_processes

sites = [conf.Site(id=f"s{i}", name="甲", kind="department", start_urls=["http://a.example/"])
         for i in range(4)]
config = conf.Config(root=None, sites=sites, rules=[], mutes=[])
opener = functools.partial(slowload.open_loader, sys.argv[1])
if __name__ == "__main__":
    run_checks_in_processes(opener, config, dt.date(2024, 6, 30), workers=2)
"""


def running(pid: int) -> bool:
    """Return whether a process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_workers_exit_when_the_checking_process_is_killed(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    (tmp_path / "slowload.py").write_text(SLOW_LOADER)
    (tmp_path / "orphan.py").write_text(ORPHAN_SCRIPT)
    parent = subprocess.Popen(
        [sys.executable, str(tmp_path / "orphan.py"), str(tmp_path)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        # The killed parent's resource tracker warns about its semaphores: not this test's.
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("*.pid"))) < 2:  # both workers are inside a site
            assert parent.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        workers = [int(p.stem) for p in tmp_path.glob("*.pid")]
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 30
        while any(running(pid) for pid in workers):
            assert time.monotonic() < deadline, "a check worker outlived its killed parent"
            time.sleep(0.2)
    finally:
        parent.kill()


def test_body_texts_are_read_from_the_store_once_per_site() -> None:
    # A site's lexicon and text rules each read every main text (issue 7): the first full
    # read keeps them, later reads come from memory; a partial read or an over-budget site
    # reads from the store each time.
    from checks.model import BodyTexts

    stored = {f"http://s/{i}.html": f"正文{i}" * 10 for i in range(5)}
    calls: list[list[str] | None] = []

    def loader(urls):
        calls.append(None if urls is None else list(urls))
        for url, text in stored.items():
            if urls is None or url in urls:
                yield url, text

    bodies = BodyTexts(loader=loader)
    assert list(bodies.items(["http://s/1.html"])) == [
        ("http://s/1.html", stored["http://s/1.html"])
    ]
    first = list(bodies.items())
    assert first == list(stored.items())
    assert (
        list(bodies.items()) == first and bodies.get("http://s/3.html") == stored["http://s/3.html"]
    )
    assert list(bodies.items(["http://s/4.html", "http://s/9.html"])) == [
        ("http://s/4.html", stored["http://s/4.html"])
    ]
    assert bodies.get("http://s/9.html") is None
    assert calls == [["http://s/1.html"], None]  # nothing read after the full read

    # A full read broken off early keeps nothing.
    calls.clear()
    bodies = BodyTexts(loader=loader)
    next(iter(bodies.items()))
    list(bodies.items())
    assert calls == [None, None]

    # More text than KEEP_CHARS: never kept.
    calls.clear()
    big = BodyTexts(loader=loader)
    big.KEEP_CHARS = 50
    assert list(big.items()) == list(big.items()) == list(stored.items())
    assert calls == [None, None]


def test_check_site_derives_shared_values_once_per_site(tmp_path: Path) -> None:
    # Several rules of a site need the same derived values (distinct link texts, report years
    # mentioned, searchable texts): check_site computes each once while the site's rules run,
    # then forgets them, with the same results as computing them for every rule (issue 7).
    from checks import runner
    from checks.model import SiteSnapshot

    st, config, run_id = seeded_run(tmp_path, 2)
    site = config.sites[0]
    computed: list[object] = []
    original = SiteSnapshot.derived

    def counting(self: SiteSnapshot, key: object, compute: object) -> object:
        def counted() -> object:
            computed.append(key)
            return compute()  # type: ignore[operator]

        return original(self, key, counted)

    snapshot = st.load_snapshot(run_id, site.id)
    findings, outcomes = runner.check_site(site, snapshot, config, AS_OF)
    assert snapshot.memo is None  # forgotten once the site is checked

    SiteSnapshot.derived = counting  # type: ignore[method-assign]
    try:
        computed.clear()
        runner.check_site(site, st.load_snapshot(run_id, site.id), config, AS_OF)
        with_memo = list(computed)
        computed.clear()
        fresh = st.load_snapshot(run_id, site.id)
        for rule in config.rules:  # rule by rule, as tests do: nothing remembered
            if runner.applies(rule, site):
                runner.evaluate(rule, site, fresh, AS_OF, config.root)
        without = list(computed)
    finally:
        SiteSnapshot.derived = original  # type: ignore[method-assign]
    assert len(set(with_memo)) == len(with_memo)  # each value computed once per site
    assert {"link_texts", "mentioned_years"} <= set(with_memo)
    assert without.count("link_texts") >= 2 and len(without) > len(with_memo)
    again = runner.check_site(site, st.load_snapshot(run_id, site.id), config, AS_OF)
    assert again == (findings, outcomes)
