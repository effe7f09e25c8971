"""Checks benchmark (issue 7): `gongkai check` on one run of 300 sites × 3,000 pages (900,000
page rows) in a seeded SQLite store: CPU, wall time and peak RSS per phase. Target: under 60 s,
with memory bounded per site. Measured, never asserted.

The store is seeded once per invocation, outside the timed part: the sample city is crawled
for real (crawlers.run.run_crawl), and its stored rows (pages, links, entries, main texts,
annual reports) are cloned with SQL into each big site, URLs rewritten onto the site's own
base. A site is its template's whole crawl once (home page included), then copies of the
template's own pages under /c1/, /c2/ … until it holds 3,000 rows. Each check runs in a fresh
subprocess, so its peak RSS (/proc VmHWM) is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from results_md import cpu_calibration, update_section  # bench/ is sys.path[0] when run as a script

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "RESULTS.md"
HEADING = "## Checks and scoring: 300 sites × 3,000 pages"
RESULT_MARK = "CHECKS_BENCH "
SEEDED_MARK = "seeded.json"
BEFORE_MARK = "Before issue 7"
PARALLEL_PHASE = "load + rules in worker processes (site by site)"
TABLES = ("pages", "links", "entries", "page_texts", "annual_reports")
# Cloned sites live on ports from here, like the sample city's sites (one port per site).
FIRST_PORT = 20000


def log(msg: str) -> None:
    """Print one progress line at once."""
    print(msg, flush=True)


# ---------------------------------------------------------------------------------------------
# Seeding (untimed)


def crawl_template(tmp: Path) -> tuple[Path, Path, dict[str, str]]:
    """Crawl the sample city into tmp/template.db; return it, the config dir and site bases."""
    import conf
    from crawlers.run import run_crawl
    from samplecity import AS_OF
    from samplecity.serve import render_config, start
    from store import Store

    db = tmp / "template.db"
    for path in tmp.glob("template.db*"):
        path.unlink()  # a leftover run would be run 1, with other ports
    with start() as city:
        config_dir = render_config(tmp / "config", city)
        config = conf.load_config(config_dir)
        st = Store(f"sqlite:///{db}")
        run_id = st.start_run(AS_OF, str(config.root), config.sites)
        code = run_crawl(
            config_dir, st.url, run_id, [s.id for s in config.sites], log_file=tmp / "crawl.log"
        )
        if code != 0:
            raise SystemExit(f"template crawl failed (exit {code}), see {tmp / 'crawl.log'}")
        st.finish_run(run_id, "complete", {})
        st.close()
        bases = dict(city.bases)
    return db, config_dir, bases


def _columns(con: sqlite3.Connection, table: str, schema: str) -> list[tuple[str, str]]:
    """Return (name, declared type) of a table's columns, without the row id."""
    rows = con.execute(f"PRAGMA {schema}.table_info({table})").fetchall()
    return [(r[1], (r[2] or "").upper()) for r in rows if r[1] != "id"]


def _select_list(cols: list[tuple[str, str]], alias: str) -> str:
    """Return the SELECT expressions cloning a row: run and site replaced, URLs rewritten."""
    out = []
    for name, kind in cols:
        if name == "run_id":
            out.append(":run")
        elif name == "site_id":
            out.append(":site")
        elif any(k in kind for k in ("TEXT", "CHAR", "JSON")):
            # Every text column: URLs hide in JSON (next_pages, notice, guide …) too.
            out.append(f"replace({alias}.{name}, :old, :new)")
        else:
            out.append(f"{alias}.{name}")
    return ", ".join(out)


def clone_sites(
    big: Path,
    template: Path,
    bases: dict[str, str],
    plan: list[tuple[str, str, str]],
    per_site: int,
) -> dict[str, int]:
    """Clone the template crawl's rows into run 1 of `big`: plan is (new site, template site,
    new base) per site; each new site gets exactly `per_site` page rows (fewer only if the
    template is empty). Return the row counts per table."""
    con = sqlite3.connect(big, isolation_level=None)
    con.execute("PRAGMA foreign_keys = OFF")  # rows are consistent by construction
    con.execute("PRAGMA synchronous = OFF")
    con.execute("ATTACH DATABASE ? AS t", (str(template),))
    cols = {name: _columns(con, name, "main") for name in TABLES}
    tcols = {name: {c for c, _ in _columns(con, name, "t")} for name in TABLES}
    cols = {name: [c for c in cs if c[0] in tcols[name]] for name, cs in cols.items()}
    # One statement per table and copy: the template site's chosen pages as a subquery.
    page_filter = (
        "SELECT url FROM t.pages WHERE run_id = 1 AND site_id = :tsite AND id <= :upto "
        "AND (:copy = 0 OR (is_home = 0 AND substr(url, 1, length(:oldp)) = :oldp))"
    )
    stmts: dict[str, str] = {}
    for name in TABLES:
        names = ", ".join(c for c, _ in cols[name])
        url_col = {"links": "source_url", "entries": "page_url"}.get(name, "url")
        where = f"x.run_id = 1 AND x.site_id = :tsite AND x.{url_col} IN ({page_filter})"
        order = "x.id" if name != "page_texts" else "x.rowid"
        stmts[name] = (
            f"INSERT INTO main.{name} ({names}) SELECT {_select_list(cols[name], 'x')} "
            f"FROM t.{name} x WHERE {where} ORDER BY {order}"
        )
    counts = dict.fromkeys(TABLES, 0)
    for site, tsite, new_base in plan:
        old_base = bases[tsite]
        rows = con.execute(
            "SELECT id, is_home, substr(url, 1, ?) = ? FROM t.pages "
            "WHERE run_id = 1 AND site_id = ? ORDER BY id",
            (len(old_base) + 1, old_base + "/", tsite),
        ).fetchall()
        if not rows:
            continue
        con.execute("BEGIN")
        left, copy = per_site, 0
        while left > 0:
            eligible = [r[0] for r in rows if copy == 0 or (not r[1] and r[2])]
            if not eligible:
                break
            take = eligible[: min(left, len(eligible))]
            new = f"{new_base}/" if copy == 0 else f"{new_base}/c{copy}/"
            params = {
                "run": 1,
                "site": site,
                "tsite": tsite,
                "upto": take[-1],
                "copy": copy,
                "old": old_base + "/",
                "oldp": old_base + "/",
                "new": new,
            }
            for name in TABLES:
                if name == "annual_reports" and copy > 0:
                    continue  # one report per year: the copies are its pages' twins only
                counts[name] += con.execute(stmts[name], params).rowcount
            left -= len(take)
            copy += 1
        con.execute("COMMIT")
    con.execute("DETACH DATABASE t")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("ANALYZE")
    con.close()
    return counts


def write_config(config_dir: Path, sites: list[dict[str, Any]]) -> None:
    """Replace the rendered sample-city config's sites.yaml with the big site list."""
    # JSON is YAML (flow style): no YAML writer needed.
    text = json.dumps({"sites": sites}, ensure_ascii=False, indent=1)
    (config_dir / "sites.yaml").write_text(text, "utf-8")


def seed(dest: Path, n_sites: int, per_site: int) -> dict[str, Any]:
    """Seed dest/checks.db and dest/config; return what was seeded (also kept in seeded.json)."""
    import conf
    from samplecity import AS_OF
    from samplecity.serve import UNREACHABLE
    from store import Store

    t0 = time.perf_counter()
    dest.mkdir(parents=True, exist_ok=True)
    log("crawling the sample city once (template rows) …")
    template, config_dir, bases = crawl_template(dest)
    city = conf.load_config(config_dir)
    templates = [s for s in city.sites if s.id not in UNREACHABLE]
    plan: list[tuple[str, str, str]] = []
    sites: list[dict[str, Any]] = []
    for i in range(n_sites):
        t = templates[i % len(templates)]
        site_id, base = f"s{i + 1:03d}", f"http://127.0.0.1:{FIRST_PORT + i + 1}"
        plan.append((site_id, t.id, base))
        data = t.model_dump(exclude_none=True, exclude_defaults=True)
        data.update(id=site_id, name=f"{t.name}{i + 1:03d}", start_urls=[f"{base}/"])
        data["kind"] = t.kind
        sites.append(data)
    write_config(config_dir, sites)
    config = conf.load_config(config_dir)
    big = dest / "checks.db"
    for path in dest.glob("checks.db*"):
        path.unlink()
    st = Store(f"sqlite:///{big}")
    run_id = st.start_run(AS_OF, str(config.root), config.sites)
    st.finish_run(run_id, "complete", {})
    st.close()
    assert run_id == 1
    log(f"cloning rows into {n_sites} sites × {per_site} pages …")
    counts = clone_sites(big, template, bases, plan, per_site)
    info = {
        "sites": n_sites,
        "per_site": per_site,
        "rows": counts,
        "templates": [t.id for t in templates],
        "seconds": time.perf_counter() - t0,
        "db_mb": big.stat().st_size / 1e6,
    }
    (dest / SEEDED_MARK).write_text(json.dumps(info), "utf-8")
    log(
        f"seeded in {info['seconds']:.0f} s: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + f"; {info['db_mb']:.0f} MB"
    )
    return info


def reset_results(db: Path) -> None:
    """Drop the run's stored results, so every measured check saves them afresh."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA foreign_keys = OFF")
    for table in ("findings", "outcomes", "resolved", "site_history", "scores"):
        con.execute(f"DELETE FROM {table}")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


# ---------------------------------------------------------------------------------------------
# Measuring (one check per subprocess)


def _status_kb(field: str) -> int:
    """Return a /proc/self/status memory field (VmHWM, VmRSS) in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _cpu() -> float:
    """Return user + system CPU seconds of this process and its reaped children (workers)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(
    db: Path, config_dir: Path, workers: int | None, dump: Path | None, profile: Path | None
) -> dict[str, Any]:
    """Run cli.do_check on run 1 as `gongkai check` does; time each phase (CPU and wall).

    `workers` overrides settings.yaml checks.workers (1: everything in this process, so the
    load and rule phases can be told apart).
    """
    import checks.history
    import checks.runner
    import checks.scoring
    import cli
    import conf
    import store

    spent: dict[str, list[float]] = {}
    depth = [0]

    def timed(label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            depth[0] += 1
            w, c = time.perf_counter(), _cpu()
            try:
                return fn(*a, **kw)
            finally:
                depth[0] -= 1
                cell = spent.setdefault(label, [0.0, 0.0])
                if depth[0] == 0:  # a phase called from inside another counts for the outer
                    cell[0] += time.perf_counter() - w
                    cell[1] += _cpu() - c

        return wrapper

    # Phase boundaries by function, whichever way do_check calls them (issue 7 streams
    # snapshots site by site, so load and rules interleave; with worker processes both happen
    # in the workers, whose CPU is counted when they exit).
    patches: list[tuple[Any, str, str]] = [
        (checks.runner, "run_checks_in_processes", PARALLEL_PHASE),
        (store.Store, "load_snapshot", "load snapshots (store reads)"),
        (store.Store, "probes", "load snapshots (store reads)"),
        (checks.runner, "evaluate", "run rules (kinds, lazy body texts)"),
        (checks.history, "load_previous", "history (previous run, annotate)"),
        (checks.history, "annotate", "history (previous run, annotate)"),
        (checks.scoring, "score_run", "scoring (frameworks)"),
        (store.Store, "save_results", "save results (one transaction)"),
    ]
    for owner, name, label in patches:
        if hasattr(owner, name):
            setattr(owner, name, timed(label, getattr(owner, name)))

    config = conf.load_config(config_dir)
    if workers is not None:
        config.settings.checks.workers = workers
    st = store.Store(f"sqlite:///{db}")
    as_of = st.get_run(1).as_of
    rss0 = _status_kb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM: the check's own peak
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    w0, c0 = time.perf_counter(), _cpu()
    findings, outcomes = cli.do_check(config, st, 1, as_of)
    wall, cpu = time.perf_counter() - w0, _cpu() - c0
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(profile))
    sites = len(st.run_sites(1))
    out: dict[str, Any] = {
        "wall_s": wall,
        "cpu_s": cpu,
        "workers": checks.runner.check_workers(config.settings.checks.workers, sites),
        "rss_before_mb": rss0 / 1024,
        "peak_rss_mb": _status_kb("VmHWM") / 1024,
        # ru_maxrss of the largest reaped child: a check worker (0 when there were none).
        "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "findings": len(findings),
        "outcomes": len(outcomes),
        "phases": {k: {"wall_s": v[0], "cpu_s": v[1]} for k, v in spent.items()},
    }
    statuses: dict[str, int] = {}
    for f in findings:
        statuses[f.status] = statuses.get(f.status, 0) + 1
    out["statuses"] = statuses
    if dump is not None:
        from dataclasses import asdict

        dump.write_text(
            json.dumps(
                {
                    "findings": [asdict(f) for f in st.findings(1)],
                    "outcomes": [asdict(o) for o in st.outcomes(1)],
                    "scores": st.scores(1),
                },
                ensure_ascii=False,
                sort_keys=True,
                default=str,
            ),
            "utf-8",
        )
    st.close()
    return out


def run_measure(
    dest: Path,
    workers: int | None = None,
    dump: Path | None = None,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Measure one check in a fresh subprocess (its own peak RSS); return its numbers."""
    reset_results(dest / "checks.db")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--measure", str(dest)]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    if dump is not None:
        cmd += ["--dump", str(dump)]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_MARK)]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"measurement failed (exit {proc.returncode})")
    return json.loads(lines[-1][len(RESULT_MARK) :])


def describe(r: dict[str, Any]) -> str:
    """Return one progress line for a measurement."""
    return (
        f"{r['workers']} process(es): {r['cpu_s']:.1f} s CPU, {r['wall_s']:.1f} s wall, peak "
        f"RSS {r['peak_rss_mb']:.0f} MB (largest worker {r['worker_peak_rss_mb']:.0f} MB), "
        f"{r['findings']:,} findings; "
        + ", ".join(f"{k} {v['cpu_s']:.1f}" for k, v in r["phases"].items())
    )


# ---------------------------------------------------------------------------------------------
# RESULTS.md


def _cells(runs: list[dict[str, Any]], phase: str) -> list[str]:
    """Return one row's 'CPU / wall' cells, '—' where a run did not go through the phase."""
    out = []
    for r in runs:
        v = r["phases"].get(phase)
        out.append(f"{v['cpu_s']:.1f} / {v['wall_s']:.1f}" if v else "—")
    return out


def section(
    runs: list[dict[str, Any]],
    single: dict[str, Any] | None,
    small: dict[str, Any] | None,
    seeded: dict[str, Any],
    load: tuple[float, float],
    before: str | None,
) -> list[str]:
    """Return the RESULTS.md section."""
    med = statistics.median
    table = [*runs, *([single] if single else [])]
    heads = [f"run {i + 1} ({r['workers']} workers)" for i, r in enumerate(runs)]
    if single:
        heads.append("single process")
    phases = list(dict.fromkeys(p for r in table for p in r["phases"]))
    rows = seeded["rows"]
    total_wall = med([r["wall_s"] for r in runs])
    lines = [
        HEADING,
        "",
        "How to reproduce: `.venv/bin/python bench/checks_bench.py --write` (also run by "
        f"`make bench`). Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical cores, Python "
        f"{platform.python_version()}; load average (1 min) at start / end {load[0]:.2f} / "
        f"{load[1]:.2f} (other jobs share the machine: CPU seconds are the steadier figure).",
        "",
        f"A temp SQLite store holds one crawl run of {seeded['sites']} sites × "
        f"{seeded['per_site']:,} pages: the sample city crawled for real, its stored rows cloned "
        "into each site with URLs rewritten (each site is one sample-city site's whole crawl, "
        "then copies of its pages under /c1/, /c2/ …): "
        + ", ".join(f"{rows[k]:,} {k}" for k in rows)
        + f" rows, {seeded['db_mb']:,.0f} MB (seeding took {seeded['seconds']:.0f} s, untimed). "
        "The copies repeat each template page's texts and dates, which flatters what is "
        "remembered per distinct value (PubDate parsing, jieba word boundaries); menus and "
        "link texts repeat on real sites too. "
        "The config holds the same sites with the shipped rule packs, the sample city's local "
        "rules and the shipped frameworks. Each measurement is `cli.do_check` (what "
        "`gongkai check` runs: load snapshots → rules → history → scoring → save) in a fresh "
        "subprocess, with settings.yaml `checks.workers` at its default (one worker process per "
        "core), and once in a single process to split loading from rules. CPU is user + system "
        "seconds of the check and its workers; peak RSS is the checking process's /proc VmHWM "
        "(reset just before the check) and the largest worker's ru_maxrss. Phases are timed at "
        "their functions; rules include the main texts they read on demand.",
        "",
        "| phase: CPU / wall (s) | " + " | ".join(heads) + " |",
        "|---|" + "---|" * len(table),
    ]
    for p in phases:
        lines.append(f"| {p} | " + " | ".join(_cells(table, p)) + " |")
    other = [
        (
            r["cpu_s"] - sum(v["cpu_s"] for v in r["phases"].values()),
            r["wall_s"] - sum(v["wall_s"] for v in r["phases"].values()),
        )
        for r in table
    ]
    lines += [
        "| other (outcomes, sorting, run status) | "
        + " | ".join(f"{c:.1f} / {w:.1f}" for c, w in other)
        + " |",
        "| **total `do_check`** | "
        + " | ".join(f"**{r['cpu_s']:.1f} / {r['wall_s']:.1f}**" for r in table)
        + " |",
        "| peak RSS (MB): checking process / largest worker | "
        + " | ".join(f"{r['peak_rss_mb']:.0f} / {r['worker_peak_rss_mb']:.0f}" for r in table)
        + " |",
    ]
    r0 = runs[0]
    lines += [
        "",
        f"Findings {r0['findings']:,} ("
        + ", ".join(f"{k} {v:,}" for k, v in sorted(r0["statuses"].items()))
        + f"), outcomes {r0['outcomes']:,}. RSS before the check (imports, config, store) "
        f"{r0['rss_before_mb']:.0f} MB.",
    ]
    if small is not None:
        lines += [
            "",
            f"Memory per site: the same check of {small['sites']} such sites (a store seeded "
            f"the same way) peaks at {small['peak_rss_mb']:.0f} MB (largest worker "
            f"{small['worker_peak_rss_mb']:.0f} MB); {seeded['sites']} sites peak at "
            f"{med([r['peak_rss_mb'] for r in runs]):.0f} MB (largest worker "
            f"{med([r['worker_peak_rss_mb'] for r in runs]):.0f} MB)"
            + (f", {single['peak_rss_mb']:.0f} MB in a single process" if single else "")
            + ". Snapshots are loaded, checked and dropped one site at a time; what grows with "
            "the number of sites is the run's findings and outcomes.",
        ]
    if before:
        lines += ["", before]
    met = total_wall < 60
    lines += [
        "",
        f"- Target checks and scoring of {seeded['sites']} sites × {seeded['per_site']:,} pages "
        f"under 60 s: **{'met' if met else 'NOT met'}** ({total_wall:.1f} s wall, median of "
        f"{len(runs)}; {med([r['cpu_s'] for r in runs]):.1f} CPU seconds over "
        f"{r0['workers']} processes).",
    ]
    if not met and load[0] > (os.cpu_count() or 1) / 2:
        # A shared machine: what the same CPU seconds take with the cores to themselves.
        par = med([r["phases"].get(PARALLEL_PHASE, {}).get("cpu_s", r["cpu_s"]) for r in runs])
        rest = med([r["cpu_s"] for r in runs]) - par
        lines.append(
            f"Other jobs shared the {os.cpu_count()} cores (load average {load[0]:.1f} at "
            f"start): with the cores to itself the check would take about {par:.0f} s ÷ "
            f"{r0['workers']} workers + {rest:.0f} s in the checking process ≈ "
            f"{par / max(1, r0['workers']) + rest:.0f} s (an estimate from CPU seconds, not a "
            "measurement)."
        )
    if not met:
        # Say where the time goes and what meeting the target would take on these cores.
        cpu = med([r["cpu_s"] for r in runs])
        cores = min(os.cpu_count() or 1, r0["workers"])
        split = ""
        if single:
            load_s = single["phases"].get("load snapshots (store reads)", {}).get("cpu_s", 0.0)
            rules_s = (
                single["phases"].get("run rules (kinds, lazy body texts)", {}).get("cpu_s", 0.0)
            )
            split = (
                f" (single process: {load_s / seeded['sites']:.2f} s reading the store and "
                f"{rules_s / seeded['sites']:.2f} s of rules per site)"
            )
        lines.append(
            f"- Why not: the check is CPU-bound and already spread over {cores} processes on "
            f"{os.cpu_count()} cores; {cpu:.0f} CPU seconds is {cpu / seeded['sites']:.2f} s per "
            f"{seeded['per_site']:,}-page site{split}, and 60 s on {cores} cores allows "
            f"{60 * cores / seeded['sites']:.2f} s. This machine's Python speed "
            f"(`results_md.cpu_calibration`, lower is faster): {cpu_calibration():.0f} ms."
        )
    lines.append("")
    return lines


def update_results(lines: list[str], path: Path = RESULTS) -> None:
    """Put the section into RESULTS.md, replacing an earlier copy (else at the end)."""
    update_section(HEADING, lines, path)


def ensure_seeded(dest: Path, n_sites: int, per_site: int) -> dict[str, Any]:
    """Return the seeding info of dest, seeding it first unless it already holds this size."""
    mark = dest / SEEDED_MARK
    if mark.exists():
        info = json.loads(mark.read_text("utf-8"))
        if info["sites"] == n_sites and info["per_site"] == per_site:
            log(f"reusing the store seeded in {dest}")
            return info
    return seed(dest, n_sites, per_site)


def main(argv: Sequence[str] | None = None) -> int:
    """Seed, measure `--repeat` checks, print the section (and store it with --write)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--pages", type=int, default=3000, help="page rows per site")
    parser.add_argument("--small", type=int, default=30, help="sites of the memory comparison")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-single", action="store_true", help="skip the single-process breakdown run"
    )
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument(
        "--keep", metavar="DIR", help="seed into DIR once and reuse it (default: a temp dir)"
    )
    parser.add_argument("--dump", metavar="FILE", help="write the last run's results as JSON")
    parser.add_argument("--profile", metavar="FILE", help="cProfile one extra check into FILE")
    parser.add_argument(
        "--before", metavar="TEXT", help="a line on the figures before issue 7, kept in the section"
    )
    parser.add_argument("--measure", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    if args.measure:
        dest = Path(args.measure)
        result = measure(
            dest / "checks.db",
            dest / "config",
            args.workers,
            Path(args.dump) if args.dump else None,
            Path(args.profile) if args.profile else None,
        )
        print(RESULT_MARK + json.dumps(result), flush=True)
        return 0

    load0 = os.getloadavg()[0]
    tmp = tempfile.mkdtemp(prefix="gongkai-checks-bench-")
    try:
        root = Path(args.keep).resolve() if args.keep else Path(tmp)
        seeded = ensure_seeded(root / "big", args.sites, args.pages)
        small = None
        if args.small:
            small_info = ensure_seeded(root / "small", args.small, args.pages)
            small = run_measure(root / "small") | {"sites": small_info["sites"]}
            log(f"{args.small} sites, " + describe(small))
        runs = []
        for i in range(args.repeat):
            last = i == args.repeat - 1
            runs.append(
                run_measure(root / "big", dump=Path(args.dump) if args.dump and last else None)
            )
            log(f"check {i + 1}, " + describe(runs[-1]))
        single = None
        if not args.no_single:
            single = run_measure(root / "big", workers=1)
            log("single process, " + describe(single))
        if args.profile:
            run_measure(root / "big", workers=1, profile=Path(args.profile))
            log(f"profile written to {args.profile}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    before = args.before or kept_before()
    lines = section(runs, single, small, seeded, (load0, os.getloadavg()[0]), before)
    print("\n".join(lines))
    if args.write:
        update_results(lines)
    return 0


def kept_before(path: Path = RESULTS) -> str | None:
    """Return the 'Before issue 7' line of the section already in RESULTS.md, if any."""
    if not path.exists():
        return None
    text = path.read_text("utf-8")
    if HEADING not in text:
        return None
    body = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    return next((ln for ln in body.splitlines() if ln.startswith(BEFORE_MARK)), None)


if __name__ == "__main__":
    sys.exit(main())
