"""A killed crawl resumes: SIGKILL real crawl processes of the sample city, resume, compare.

Every test kills a real `gongkai` / Scrapy process while it is writing to the store, resumes the
run and checks that the result equals an uninterrupted crawl of the same city: nothing lost,
nothing stored twice, and no stored URL fetched again (the sample servers log every request).
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
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
from store import Store, entries_t, links_t, page_texts_t, pages_t
from tests.test_end_to_end import _truth

REPO = Path(__file__).resolve().parents[1]
AS_OF = samplecity.AS_OF.isoformat()
# Slow enough that a crawl of the city takes several seconds, so it can be killed midway.
SLOW_SETTINGS = """\
crawl:
  delay: 0.02
  autothrottle: false
  concurrency_per_host: 1
  timeout: 5
  obey_robots: true
"""
DEADLINE = 120.0  # seconds; only a hung crawl gets near it


class RequestLog:
    """Every request the sample servers answer: (site id, method, path)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: list[tuple[str, str, str]] = []

    def mark(self) -> int:
        """Return a position to read the requests made after it."""
        with self.lock:
            return len(self.entries)

    def gets_since(self, mark: int, bases: dict[str, str]) -> set[tuple[str, str]]:
        """Return the (site, url) pairs fetched with GET since `mark`."""
        with self.lock:
            new = self.entries[mark:]
        return {
            (site, unquote(bases[site] + path)) for site, method, path in new if method == "GET"
        }


@dataclass
class City:
    """The running sample city, its request log and two rendered configs."""

    city: SampleCity
    log: RequestLog
    fast: Path  # the sample city's own settings (no delay)
    slow: Path  # SLOW_SETTINGS


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    """Serve the sample city with every request logged, and render its configs."""
    log = RequestLog()
    respond = serve._Handler._respond

    def logged(handler: Any, with_body: bool) -> None:
        with log.lock:
            log.entries.append((handler.server.site_id, handler.command, handler.path))
        respond(handler, with_body)

    tmp = tmp_path_factory.mktemp("resume-city")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(serve._Handler, "_respond", logged)
        with start() as running:
            fast = render_config(tmp / "fast", running)
            slow = render_config(tmp / "slow", running)
            (slow / "settings.yaml").write_text(SLOW_SETTINGS, "utf-8")
            yield City(running, log, fast, slow)


@dataclass(frozen=True)
class Crawled:
    """What a crawl stored for a run, as comparable sets."""

    pages: frozenset[tuple[Any, ...]]
    links: frozenset[tuple[Any, ...]]
    entries: frozenset[tuple[Any, ...]]
    texts: frozenset[tuple[Any, ...]]  # page_texts: (site, url, chars)


def assert_same_crawl(got: Crawled, want: Crawled) -> None:
    """Assert two crawls stored the same rows, naming the rows that differ (both ways)."""
    for field in ("pages", "links", "entries", "texts"):
        a, b = getattr(got, field), getattr(want, field)
        assert a == b, (
            f"{field}: only in resumed {sorted(a - b, key=repr)[:10]}; "
            f"only in reference {sorted(b - a, key=repr)[:10]}"
        )


def crawled(db: str, run_id: int) -> Crawled:
    """Read a run's pages, links, entries and page texts, without ids or fetch times."""
    with Store(db) as st, st.engine.connect() as conn:
        pages = conn.execute(
            sa.select(
                pages_t.c.site_id,
                pages_t.c.url,
                pages_t.c.status,
                pages_t.c.kind,
                pages_t.c.column_key,
                pages_t.c.page_type,
                pages_t.c.pub_date,  # entry pages get it from their list (list_date)
            ).where(pages_t.c.run_id == run_id)
        ).all()
        links = conn.execute(
            sa.select(
                links_t.c.site_id, links_t.c.source_url, links_t.c.target_url, links_t.c.kind
            ).where(links_t.c.run_id == run_id)
        ).all()
        entries = conn.execute(
            sa.select(
                entries_t.c.site_id,
                entries_t.c.column_key,
                entries_t.c.page_url,
                entries_t.c.url,
                entries_t.c.date,
                entries_t.c.position,
            ).where(entries_t.c.run_id == run_id)
        ).all()
        texts = conn.execute(
            sa.select(page_texts_t.c.site_id, page_texts_t.c.url, page_texts_t.c.chars).where(
                page_texts_t.c.run_id == run_id
            )
        ).all()
    return Crawled(
        frozenset(map(tuple, pages)),
        frozenset(map(tuple, links)),
        frozenset(map(tuple, entries)),
        frozenset(map(tuple, texts)),
    )


@pytest.fixture(scope="module")
def reference(city: City, tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    """Crawl the sample city once without interruption."""
    tmp = tmp_path_factory.mktemp("resume-reference")
    db = f"sqlite:///{tmp / 'reference.db'}"
    with Store(db) as st:
        run_id = st.start_run(samplecity.AS_OF, str(city.fast), conf.load_config(city.fast).sites)
    assert run_crawl(city.fast, db, run_id, log_file=tmp / "crawl.log") == 0
    result = crawled(db, run_id)
    assert len(result.pages) > 400  # the whole city, not a crawl that stopped early
    assert len(result.texts) > 200  # and the HTML pages' main texts
    return result


@dataclass(frozen=True)
class Row:
    """A stored row's identity: a rewritten row gets a new id."""

    id: int
    kind: str
    status: int | None


def stored(db: str, run_id: int) -> dict[tuple[str, str], Row]:
    """Return the rows a run holds, by (site, url)."""
    with Store(db) as st, st.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                pages_t.c.site_id, pages_t.c.url, pages_t.c.id, pages_t.c.kind, pages_t.c.status
            ).where(pages_t.c.run_id == run_id)
        ).all()
    return {(r.site_id, r.url): Row(r.id, r.kind, r.status) for r in rows}


def fetched_pages(rows: dict[tuple[str, str], Row]) -> set[tuple[str, str]]:
    """Return the stored HTML pages that answered 200: only their own site ever GETs them."""
    return {
        (site, unquote(url))
        for (site, url), r in rows.items()
        if r.kind == "page" and r.status == 200
    }


def assert_not_refetched(
    before: dict[tuple[str, str], Row],
    after: dict[tuple[str, str], Row],
    gets: set[tuple[str, str]],
) -> None:
    """Rows stored before a resume were neither fetched nor written again by it."""
    assert set(before) <= set(after)
    rewritten = [key for key, row in before.items() if after[key].id != row.id]
    assert rewritten == []
    assert sorted(fetched_pages(before) & gets) == []


def assert_no_duplicates(db: str, run_id: int) -> None:
    """No URL, link, entry or page text is stored twice for the run."""
    keys = {
        pages_t: (pages_t.c.site_id, pages_t.c.url),
        page_texts_t: (page_texts_t.c.site_id, page_texts_t.c.url),
        links_t: (links_t.c.site_id, links_t.c.source_url, links_t.c.target_url),
        entries_t: (entries_t.c.site_id, entries_t.c.page_url, entries_t.c.position),
    }
    with Store(db) as st, st.engine.connect() as conn:
        for table, cols in keys.items():
            dupes = conn.execute(
                sa.select(*cols)
                .where(table.c.run_id == run_id)
                .group_by(*cols)
                .having(sa.func.count() > 1)
            ).all()
            assert dupes == [], table.name


def spawn(args: list[str], cwd: Path, name: str) -> subprocess.Popen[bytes]:
    """Start `gongkai <args>` in its own process group, output to files under cwd."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.pop("GONGKAI_DB", None)
    with (cwd / f"{name}.out").open("wb") as out, (cwd / f"{name}.err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "cli", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )


def wait_for_rows(db: str, proc: subprocess.Popen[bytes], at_least: float) -> int:
    """Poll the store until the newest run holds `at_least` rows; return its id."""
    with Store(db) as st:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            run_id = st.latest_run_id()
            if run_id is not None and len(st.fetched_urls(run_id)) >= at_least:
                return run_id
            assert proc.poll() is None, "the crawl ended before it could be killed midway"
            time.sleep(0.02)
    pytest.fail("the crawl stored too few rows in time")


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process and everything it started (the CLI and its Scrapy child)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def crawl_child(proc: subprocess.Popen[bytes]) -> int:
    """Return the pid of the Scrapy subprocess a `gongkai` process started."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        if children:
            return int(children[0])
        assert proc.poll() is None
        time.sleep(0.02)
    pytest.fail("no crawl subprocess appeared")


def assert_truth(city: City, out: Path) -> None:
    """The report's findings equal the sample city's truth file."""
    data = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    got = {
        (f["site"], f["rule"], f["status"], f["subject"])
        for f in data["findings"]
        if f["status"] in ("fail", "warn", "error")
    }
    want = _truth(dict(city.city.bases))
    assert sorted(got - want) == [], "unexpected findings"
    assert sorted(want - got) == [], "expected findings not produced"


def test_crawl_killed_twice_resumes_to_the_uninterrupted_result(
    city: City, reference: Crawled, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # var/logs of the in-process resume
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    total = len(reference.pages)

    # 1. `gongkai crawl`, killed with its Scrapy child at about 20% of the city.
    mark = city.log.mark()
    proc = spawn(["crawl", "--config", str(city.slow), "--db", db, "--as-of", AS_OF], tmp_path, "1")
    run_id = wait_for_rows(db, proc, 0.2 * total)
    kill_group(proc)
    first = stored(db, run_id)
    assert 0.2 * total <= len(first) < total
    # The requests are attributed right: every page stored so far was fetched by this crawl.
    assert fetched_pages(first) <= city.log.gets_since(mark, city.city.bases)
    with Store(db) as st:
        assert st.get_run(run_id).status == "running"  # the CLI died before it could finish

    # 2. `gongkai crawl --resume`, killed again at about 60%.
    mark = city.log.mark()
    proc = spawn(
        ["crawl", "--resume", str(run_id), "--config", str(city.slow), "--db", db], tmp_path, "2"
    )
    assert wait_for_rows(db, proc, 0.6 * total) == run_id
    kill_group(proc)
    second = stored(db, run_id)
    assert 0.6 * total <= len(second) < total
    assert_not_refetched(first, second, city.log.gets_since(mark, city.city.bases))

    # 3. `gongkai run --resume` finishes the run: crawl the rest, check, report.
    mark = city.log.mark()
    out = tmp_path / "report"
    code = cli.main(
        ["run", "--resume", str(run_id), "--config", str(city.fast), "--db", db, "--out", str(out)]
    )
    assert code == cli.EXIT_FAIL  # the sample city's deliberate defects, on a complete run
    final = stored(db, run_id)
    assert_not_refetched(second, final, city.log.gets_since(mark, city.city.bases))
    assert_same_crawl(crawled(db, run_id), reference)
    assert_no_duplicates(db, run_id)
    with Store(db) as st:
        run = st.get_run(run_id)
        assert [r.id for r in st.runs()] == [run_id]
    assert (run.status, run.as_of, run.stats.get("resumed")) == ("complete", samplecity.AS_OF, 2)
    assert_truth(city, out)


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_run_marks_killed_crawl_incomplete_and_its_resume_command_works(
    backend: str,
    city: City,
    reference: Crawled,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.chdir(tmp_path)
    if backend == "sqlite":
        db = f"sqlite:///{tmp_path / 'gk.db'}"
    else:
        db = request.getfixturevalue("pg_schema_url")
    out = tmp_path / "report"
    args = ["run", "--config", str(city.slow), "--db", db, "--as-of", AS_OF, "--out", str(out)]
    proc = spawn(args, tmp_path, "run")
    child = crawl_child(proc)
    run_id = wait_for_rows(db, proc, 0.5 * len(reference.pages))
    os.kill(child, signal.SIGKILL)  # only the crawl dies; `gongkai run` sees it fail
    assert proc.wait(timeout=DEADLINE) == cli.EXIT_INCOMPLETE
    err = (tmp_path / "run.err").read_text("utf-8")
    hint = shlex.join(
        ["gongkai", "run", "--resume", str(run_id), "--config", str(city.slow), "--db", db]
        + ["--out", str(out)]
    )
    assert "抓取进程被信号 9 终止" in err
    assert f"\n  {hint}\n" in err
    with Store(db) as st:
        run = st.get_run(run_id)
    assert (run.status, run.stats) == ("incomplete", {"crawl_exit": -signal.SIGKILL})
    before = stored(db, run_id)
    assert len(before) < len(reference.pages)

    mark = city.log.mark()
    argv = shlex.split(hint)
    assert argv[0] == "gongkai"
    assert cli.main(argv[1:]) == cli.EXIT_FAIL
    assert_not_refetched(before, stored(db, run_id), city.log.gets_since(mark, city.city.bases))
    assert_same_crawl(crawled(db, run_id), reference)
    assert_no_duplicates(db, run_id)
    with Store(db) as st:
        run = st.get_run(run_id)
    assert (run.status, run.as_of, run.stats) == ("complete", samplecity.AS_OF, {"resumed": 1})
    assert_truth(city, out)


# -- refusals (no crawl) ---------------------------------------------------------------------


def exit_code(argv: list[str]) -> int:
    """Run the CLI and return its exit code, however it exits."""
    try:
        return cli.main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def test_resume_refusals(city: City, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'gk.db'}"
    sites = conf.load_config(city.fast).sites
    with Store(db) as st:
        done = st.start_run(samplecity.AS_OF, str(city.fast), sites)
        st.finish_run(done, "complete", {})
        foreign = st.start_run(
            samplecity.AS_OF, "/elsewhere", [sites[0].model_copy(update={"id": "gone"})]
        )
    base = ["--config", str(city.fast), "--db", db]

    for command in ("crawl", "run"):
        assert exit_code([command, "--resume", "99", *base]) == cli.EXIT_INCOMPLETE
        assert "找不到第 99 次检查，无法续抓" in capsys.readouterr().err
        assert exit_code([command, "--resume", str(done), *base]) == cli.EXIT_INCOMPLETE
        assert f"第 {done} 次检查已经完成，无需续抓" in capsys.readouterr().err
        for extra in (["--site", "portal"], ["--as-of", "2024-01-01"]):
            assert exit_code([command, "--resume", str(done), *base, *extra]) == cli.EXIT_CONFIG
            assert "--resume 不能与 --site 或 --as-of 同时使用" in capsys.readouterr().err
        assert exit_code([command, "--resume", str(foreign), *base]) == cli.EXIT_CONFIG
        assert f"没有第 {foreign} 次检查的站点：gone" in capsys.readouterr().err

    with Store(db) as st:  # nothing was reopened or started
        assert [(r.id, r.status) for r in st.runs()] == [(done, "complete"), (foreign, "running")]
