"""Memory benchmark (issue 7): crawl N generated pages for real and record the crawl's RSS.

The pages come from bench/pagefarm.py (generated on request, one 127.0.0.1 port per site);
the crawl is gongkai's own (`crawlers.run.run_crawl`, a `scrapy crawl site` subprocess) into a
fresh SQLite store in a temp directory. While it runs, the crawl process's resident memory is
read from /proc/<pid>/status about once a second; its peak is VmHWM (the spider's
`gongkai/peak_rss_kb` stat). Target: peak RSS under 500 MB for 200,000 pages. Measured, never
asserted.

    .venv/bin/python bench/scale_bench.py --pages 20000            # develop
    .venv/bin/python bench/scale_bench.py --pages 200000 --write   # the target, ~30-60 min
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from results_md import update_section  # bench/ is sys.path[0] when run as a script

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from pagefarm import PageFarm  # noqa: E402

RESULTS = REPO / "bench" / "RESULTS.md"
HEADING = "## Memory: a 200,000-page crawl"
TARGET_MB = 500
_STAT = re.compile(r"'([a-z_/0-9]+)': (\d+),?$", re.M)
MARKS = (10, 25, 50, 75, 90, 100)


def _proc_status(pid: int) -> dict[str, int]:
    """Return VmRSS/VmHWM (KiB) of a process, {} once it is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line[:5]] = int(line.split()[1])
    except (OSError, ValueError):
        return {}
    return out


def _proc_cpu(pid: int) -> float | None:
    """Return user + system CPU seconds of a process (from /proc/<pid>/stat)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _crawl_pid() -> int | None:
    """Return the pid of this process's `scrapy crawl` child, if it runs."""
    me = str(os.getpid())
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                ppid = f.read().rsplit(")", 1)[1].split()[1]
            if ppid != me:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except (OSError, IndexError):
            continue
        if b"scrapy" in argv and b"crawl" in argv:
            return int(entry)
    return None


class Sampler(threading.Thread):
    """Sample the crawl process's RSS, CPU and rows fetched about every `every` seconds."""

    def __init__(self, every: float = 1.0) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.every = every
        self.fetched = 0  # latest total from the crawl's status lines
        self.queued = 0
        self.samples: list[dict[str, float]] = []
        self.pid: int | None = None
        self.stop = threading.Event()
        self.t0 = time.monotonic()

    def on_status(self, status: Any) -> None:
        """run_crawl's on_status: keep the crawl's running totals."""
        self.fetched = sum(s.fetched for s in status.sites)
        self.queued = sum(s.queued for s in status.sites)

    def run(self) -> None:
        while not self.stop.wait(self.every):
            if self.pid is None:
                self.pid = _crawl_pid()
                if self.pid is None:
                    continue
            mem = _proc_status(self.pid)
            if not mem:
                continue
            self.samples.append(
                {
                    "t": time.monotonic() - self.t0,
                    "fetched": self.fetched,
                    "queued": self.queued,
                    "rss_kb": mem.get("VmRSS", 0),
                    "hwm_kb": mem.get("VmHWM", 0),
                    "cpu_s": _proc_cpu(self.pid) or 0.0,
                }
            )


def write_config(config_dir: Path, bases: list[str], max_pages: int, per_host: int) -> None:
    """Write settings.yaml and sites.yaml for the generated sites."""
    (config_dir / "rules").mkdir(parents=True, exist_ok=True)
    (config_dir / "settings.yaml").write_text(
        "crawl:\n"
        f"  max_pages: {max_pages}\n"
        "  max_depth: 6\n"
        "  delay: 0\n"
        f"  concurrency_per_host: {per_host}\n"
        "  concurrency_total: 32\n"
        "  autothrottle: false\n"
        "  check_external_links: false\n"
        "  time_limit: null\n",
        "utf-8",
    )
    lines = ["sites:"]
    for i, base in enumerate(bases):
        lines += [
            f"  - id: s{i:03d}",
            f"    name: 示例市第{i + 1}局",
            "    kind: department",
            "    start_urls:",
            f"      - {base}/",
        ]
    (config_dir / "sites.yaml").write_text("\n".join(lines) + "\n", "utf-8")


def crawl(pages: int, sites: int, per_host: int, keep: Path | None) -> dict[str, Any]:
    """Serve `sites` sites of pages/sites pages each, crawl them, return the measurements."""
    import conf
    from crawlers.run import run_crawl
    from store import Store

    per_site = max(1, pages // sites)
    with (
        PageFarm(sites, per_site) as farm,
        tempfile.TemporaryDirectory(prefix="gongkai-scale-") as tmp_s,
    ):
        tmp = Path(keep) if keep else Path(tmp_s)
        tmp.mkdir(parents=True, exist_ok=True)
        shape = farm.shape
        write_config(tmp / "config", farm.bases, shape.pages + 10, per_host)
        config = conf.load_config(tmp / "config")
        db = tmp / "scale.db"
        st = Store(f"sqlite:///{db}")
        run_id = st.start_run(dt.date(2026, 7, 1), str(config.root), list(config.sites))
        log_file = tmp / "crawl.log"
        sampler = Sampler()
        os.environ.setdefault("GONGKAI_PROGRESS_INTERVAL", "2")
        last = [0.0]

        def progress(line: str) -> None:
            now = time.monotonic()
            if now - last[0] >= 30 or not line.startswith("进度"):
                last[0] = now
                rss = sampler.samples[-1]["rss_kb"] / 1024 if sampler.samples else 0
                print(f"  {line}  RSS {rss:.0f} MB", flush=True)

        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        w0 = time.perf_counter()
        sampler.start()
        code = run_crawl(
            tmp / "config",
            st.url,
            run_id,
            log_file=log_file,
            progress=progress,
            on_status=sampler.on_status,
        )
        wall = time.perf_counter() - w0
        sampler.stop.set()
        sampler.join()
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        counts = st.page_counts(run_id)
        st.close()
        log_text = log_file.read_text("utf-8", "replace")
        at = log_text.rfind("Dumping Scrapy stats")
        stats = {k: int(v) for k, v in _STAT.findall(log_text[at:])} if at >= 0 else {}
        store_bytes = sum(p.stat().st_size for p in tmp.glob("scale.db*"))
        return {
            "exit": code,
            "pages_target": pages,
            "sites": sites,
            "per_site": shape.pages,
            "shape": {"columns": shape.columns, "lists": shape.lists, "articles": shape.articles},
            "rows": sum(c["pages"] for c in counts.values()),
            "html": sum(c["html"] for c in counts.values()),
            "wall_s": wall,
            "cpu_s": (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime),
            "peak_rss_kb": stats.get("gongkai/peak_rss_kb")
            or max((s["hwm_kb"] for s in sampler.samples), default=0),
            "store_bytes": store_bytes,
            "stats": {
                k: v
                for k, v in stats.items()
                if k.startswith(
                    ("scheduler/", "gongkai/", "dupefilter/", "downloader/response_count")
                )
            },
            "samples": sampler.samples,
        }


def at_marks(result: dict[str, Any]) -> list[dict[str, float]]:
    """Pick the first sample at or past each share of the final row count."""
    samples = result["samples"]
    rows = result["rows"] or 1
    picked = []
    for mark in MARKS:
        want = rows * mark / 100
        hit = next((s for s in samples if s["fetched"] >= want), samples[-1] if samples else None)
        if hit is not None:
            picked.append({"mark": mark, **hit})
    return picked


def max_queue(result: dict[str, Any]) -> int:
    """Return the largest number of requests queued or in flight seen in a status line."""
    return int(max((s["queued"] for s in result["samples"]), default=0))


def _row(result: dict[str, Any], bold: bool = False) -> str:
    """Return one run's line of the results table."""
    rows = max(result["rows"], 1)
    peak = f"{result['peak_rss_kb'] / 1024:.0f} MB"
    return (
        f"| {result.get('label', 'gongkai')} | {result['pages_target']:,} | {result['rows']:,} "
        f"| {result['wall_s'] / 60:.1f} min | {result['cpu_s']:.0f} s "
        f"| {result['cpu_s'] / rows * 1000:.1f} ms | {f'**{peak}**' if bold else peak} "
        f"| {max_queue(result):,} | {result['store_bytes'] / 1e6:.0f} MB |"
    )


def section(result: dict[str, Any], extra: list[dict[str, Any]], load: float) -> list[str]:
    """Return the RESULTS.md section."""
    peak_mb = result["peak_rss_kb"] / 1024
    rows = result["rows"]
    shape = result["shape"]
    now = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
    lines = [
        HEADING,
        "",
        f"How to reproduce: `.venv/bin/python bench/scale_bench.py --pages {result['pages_target']}"
        f" --sites {result['sites']} --write`. Measured {result.get('measured', now)} "
        f"UTC on {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores "
        f"shared with other work (load average at start {load:.2f}), Python "
        f"{platform.python_version()}.",
        "",
        f"{result['sites']} generated sites (bench/pagefarm.py: one asyncio server process, one "
        f"127.0.0.1 port per site, pages built from the URL) of {result['per_site']:,} pages "
        f"each: a home page, {shape['columns']} columns × {shape['lists']} list pages of 20 "
        f"entries, {shape['articles']} articles per column (~3.6 KB, each repeating the menu and "
        "linking its neighbours). gongkai crawls them through `crawlers.run.run_crawl` into a "
        "fresh SQLite store, breadth-first as always: every list page comes before the first "
        "article, so nearly all articles wait in the frontier at once. Delay 0, "
        f"{result.get('per_host', 2)} connections per host, 32 in all, robots.txt obeyed.",
        "",
        "| run | pages | rows | wall | crawl CPU | CPU per row | peak RSS (VmHWM) "
        "| largest queue | store |",
        "|---|---|---|---|---|---|---|---|---|",
        _row(result, bold=True),
        *(_row(other) for other in extra),
    ]
    lines += [
        "",
        "RSS of the crawl process as the crawl went on (read from /proc/<pid>/status by the "
        "benchmark about once a second; rows = page rows written by then):",
        "",
        "| rows done | rows | RSS | peak so far | queued | CPU so far |",
        "|---|---|---|---|---|---|",
    ]
    for s in at_marks(result):
        lines.append(
            f"| {s['mark']} % | {int(s['fetched']):,} | {s['rss_kb'] / 1024:.0f} MB "
            f"| {s['hwm_kb'] / 1024:.0f} MB | {int(s['queued']):,} | {s['cpu_s']:.0f} s |"
        )
    st = result["stats"]
    spilled = st.get("gongkai/frontier_spilled", 0)
    lines += [
        "",
        f"Frontier: {st.get('scheduler/enqueued', 0):,} requests scheduled, "
        f"{spilled:,} of them spilled to disk and read back; "
        f"{st.get('gongkai/claims_spilled', 0):,} claimed URLs and "
        f"{st.get('gongkai/fingerprints_spilled', 0):,} request fingerprints moved from memory "
        "to the seen-sets' SQLite tables.",
        "",
        "Other rows are other runs (`--also FILE` of a saved `--json`, named by `--label`; "
        "`make bench` lists bench/scale_earlier.json, two runs of 2026-11-27 on another machine "
        "of this kind, where the same code's spilling crawl peaked at 150 MB in 727 s of CPU, so "
        "compare their RSS, not their CPU or wall time). "
        "'all in memory (budgets unlimited)': the same code with GONGKAI_FRONTIER_MEMORY and "
        "GONGKAI_SEEN_MEMORY at 10⁹; its seen-sets are already the compact hashes, so the original code would "
        "use a little more. 'frontier in memory (before)': the crawl before crawlers/frontier.py, "
        "with the spider of that time (before the CPU work of issue 7), so compare its RSS, not "
        "its CPU. What grew with the crawl (tracemalloc at 7,200 queued requests): the queued Requests, "
        "~1.8 KB of Python objects each (the Request and its meta dict, its Headers, Scrapy's "
        "fingerprint cache and trackref entries, the URL strings), ~2.8 KB of RSS with the "
        "allocator's overhead; the spider's set of claimed (site, URL) pairs (~200 B per URL); "
        "the dupefilter's fingerprints (~90 B each). Per-site counters, per-pattern caps, "
        "CrawlProgress, the 50-item pipeline buffer and SQLAlchemy stay flat. Now the scheduler's "
        "FIFO queues hold 5,000 requests in memory across the crawl (GONGKAI_FRONTIER_MEMORY) "
        "and append the rest, pickled (~500 B), to a per-process temp file; both seen-sets keep "
        "64-bit hashes (~77 B each in memory), the newest 100,000 per set "
        "(GONGKAI_SEEN_MEMORY), older ones in a SQLite table beside it. A spilled request costs "
        "~35 µs of CPU (written and read back), a seen-set lookup ~1 µs in memory, ~10 µs on disk.",
        "",
        f"- Target peak RSS under {TARGET_MB} MB for a {result['pages_target']:,}-page crawl: "
        f"**{'met' if peak_mb < TARGET_MB else 'NOT met'}** ({peak_mb:.0f} MB peak at "
        f"{rows:,} rows).",
        "",
    ]
    return lines


def update_results(lines: list[str], path: Path = RESULTS) -> None:
    """Put the section into RESULTS.md, replacing an earlier copy (else at the end)."""
    update_section(HEADING, lines, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Crawl, print the section (and store it with --write); --json keeps the raw result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200_000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--per-host", type=int, default=2, help="connections per host")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--json", metavar="FILE", help="write the raw measurements here")
    parser.add_argument(
        "--also",
        metavar="FILE",
        action="append",
        default=[],
        help="earlier --json results to list too",
    )
    parser.add_argument("--keep", metavar="DIR", help="crawl in this directory and keep it")
    parser.add_argument("--label", default="gongkai", help="the run's name in the table")
    parser.add_argument(
        "--from-json", metavar="FILE", help="report a saved --json result instead of crawling"
    )
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    if args.from_json:
        result = json.loads(Path(args.from_json).read_text("utf-8"))
        load = result.get("load", load)
    else:
        print(f"crawling {args.pages:,} pages on {args.sites} sites …", flush=True)
        keep = Path(args.keep) if args.keep else None
        result = crawl(args.pages, args.sites, args.per_host, keep)
        result.update(per_host=args.per_host, label=args.label, load=load)
        result["measured"] = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
    if args.json:
        Path(args.json).write_text(json.dumps(result), "utf-8")
    extra: list[dict[str, Any]] = []
    for name in args.also:  # one saved result, or a list of them
        saved = json.loads(Path(name).read_text("utf-8"))
        extra += saved if isinstance(saved, list) else [saved]
    lines = section(result, extra, load)
    print("\n".join(lines))
    if args.write:
        update_results(lines)
    return 0 if result["exit"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
