"""Crawl benchmarks on the synthetic city (issue 7): gongkai vs a bare CrawlSpider, and politeness.

The city comes from bench/sitegen.py (N sites × M HTML pages, UTF-8 and GBK), served by nginx
(installed from Debian's package when missing) or the bundled server, one port per site, so
Scrapy's per-host:port slots and politeness apply per site. Each crawl runs in a worker process
(`synth_bench.py --worker KIND --spec FILE`) whose only child is the crawl, so the worker's
getrusage(RUSAGE_CHILDREN) is exactly that crawl's CPU and peak RSS; the servers' CPU comes
from /proc. Run by bench/bench.py (`make bench`), or alone: `python bench/synth_bench.py --write`.
Speed is measured and reported here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
RESULTS = BENCH / "RESULTS.md"
BASELINE_SPIDER = BENCH / "baseline_spider.py"
FLOOR_SPIDER = BENCH / "floor_spider.py"
RESULT_MARK = "SYNTH_BENCH "
SYNTH_PREFIX = "## Synthetic city: "
POLITE_PREFIX = "## Politeness: "
# Issue 7's targets.
TARGET_CPU_MS = 3.0  # full pipeline CPU per HTML page
TARGET_SPEEDUP = 2.0  # gongkai pages per CPU-second ÷ the bare CrawlSpider's
TARGET_POLITE = 1.1  # crawl wall ÷ (pages ÷ hosts × delay)
_STAT = re.compile(r"'([a-z_/0-9]+)': (\d+),?$", re.M)

for _p in (str(REPO), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import sitegen  # noqa: E402  (bench/ is on sys.path now)
from results_md import cpu_calibration, update_section  # noqa: E402


def log(msg: str) -> None:
    """Print one progress line at once."""
    print(msg, flush=True)


def cpu_of(ru: resource.struct_rusage) -> float:
    """User + system CPU seconds of a rusage."""
    return ru.ru_utime + ru.ru_stime


def _scrapy_stats(log_text: str) -> dict[str, int]:
    """The integer counters of the 'Dumping Scrapy stats' block of a crawl log."""
    at = log_text.rfind("Dumping Scrapy stats")
    return {k: int(v) for k, v in _STAT.findall(log_text[at:])} if at >= 0 else {}


# ---------------------------------------------------------------------------------------------
# Workers (one crawl each)


def worker_gongkai(spec: dict[str, Any]) -> dict[str, Any]:
    """Crawl the served city with gongkai (crawlers.run.run_crawl) into a fresh SQLite store."""
    import sqlalchemy as sa

    import conf
    from crawlers.run import run_crawl
    from store import Store

    config_dir = Path(spec["config"])
    tmp = Path(spec["tmp"])
    config = conf.load_config(config_dir)
    st = Store(f"sqlite:///{tmp / 'bench.db'}")
    run_id = st.start_run(sitegen.AS_OF, str(config_dir), config.sites)
    log_file = tmp / "crawl.log"
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    code = run_crawl(config_dir, st.url, run_id, None, log_file=log_file)
    wall = time.perf_counter() - w0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = _scrapy_stats(log_file.read_text("utf-8", "replace"))
    query = sa.text(
        "SELECT site_id, count(*) AS n_rows,"
        " sum(CASE WHEN kind = 'page' AND page_type IS NOT NULL THEN 1 ELSE 0 END) AS html,"
        " sum(CASE WHEN status = 404 THEN 1 ELSE 0 END) AS not_found,"
        " min(fetched_at) AS first, max(fetched_at) AS last"
        " FROM pages WHERE run_id = :run GROUP BY site_id"
    )
    with st.engine.connect() as conn:
        per_site = {
            r.site_id: {
                "rows": int(r.n_rows),
                "html": int(r.html or 0),
                "not_found": int(r.not_found or 0),
                "first": r.first,
                "last": r.last,
            }
            for r in conn.execute(query, {"run": run_id})
        }
    st.close()
    return {
        "exit": code,
        "crawl_wall_s": wall,
        "cpu_s": cpu_of(ru1) - cpu_of(ru0),
        "sys_s": ru1.ru_stime - ru0.ru_stime,
        "maxrss_kb": ru1.ru_maxrss,  # this worker's only child is the crawl
        "html": sum(s["html"] for s in per_site.values()),
        "rows": sum(s["rows"] for s in per_site.values()),
        "responses": stats.get("downloader/response_count", 0),
        "requests": stats.get("downloader/request_count", 0),
        "bytes": stats.get("downloader/response_bytes", 0),
        "status_304": stats.get("downloader/response_status_count/304", 0),
        "per_site": per_site,
    }


def worker_bare(spec: dict[str, Any]) -> dict[str, Any]:
    """Crawl the served city with the bare CrawlSpider (bench/baseline_spider.py), or with
    `spec["urls"]` fetch those URLs with the do-nothing floor spider (bench/floor_spider.py)."""
    tmp = Path(spec["tmp"])
    stats_file = tmp / "stats.json"
    if spec.get("urls"):
        urls_file = tmp / "urls.txt"
        urls_file.write_text("\n".join(spec["urls"]), "utf-8")
        spider_args = [str(FLOOR_SPIDER), "-a", f"urls_file={urls_file}"]
    else:
        spider_args = [
            str(BASELINE_SPIDER),
            "-a",
            "starts=" + ",".join(spec["starts"]),
            "-a",
            "netlocs=" + ",".join(spec["netlocs"]),
        ]
    cmd = [
        sys.executable,
        "-m",
        "scrapy",
        "runspider",
        *spider_args,
        "-a",
        f"stats_out={stats_file}",
        "-s",
        f"CONCURRENT_REQUESTS={spec['total']}",
        "-s",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={spec['per_host']}",
        "-s",
        f"DOWNLOAD_DELAY={spec['delay']}",
        "-s",
        "DOWNLOAD_TIMEOUT=10",
    ]
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    with (tmp / "crawl.log").open("w") as logfh:
        # From the temp dir, so no scrapy.cfg or project settings apply.
        code = subprocess.call(cmd, cwd=tmp, env=env, stdout=logfh, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - w0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = json.loads(stats_file.read_text("utf-8")) if stats_file.exists() else {}
    return {
        "exit": code,
        "crawl_wall_s": wall,
        "cpu_s": cpu_of(ru1) - cpu_of(ru0),
        "sys_s": ru1.ru_stime - ru0.ru_stime,
        "maxrss_kb": ru1.ru_maxrss,
        "html": int(stats.get("item_scraped_count", stats.get("floor/pages", 0))),
        "responses": int(stats.get("downloader/response_count", 0)),
        "requests": int(stats.get("downloader/request_count", 0)),
        "bytes": int(stats.get("downloader/response_bytes", 0)),
    }


def run_worker(kind: str, spec: dict[str, Any], served: sitegen.Served) -> dict[str, Any]:
    """Run one crawl in a fresh worker process; add the servers' CPU during it."""
    with tempfile.TemporaryDirectory(prefix="gongkai-synth-") as tmp:
        spec = {**spec, "tmp": tmp}
        spec_file = Path(tmp) / "spec.json"
        spec_file.write_text(json.dumps(spec), "utf-8")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--spec"]
        server0 = served.cpu_seconds()
        proc = subprocess.run(
            [*cmd, str(spec_file)], cwd=tmp, capture_output=True, text=True, encoding="utf-8"
        )
        server1 = served.cpu_seconds()
    for line in proc.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            result = json.loads(line[len(RESULT_MARK) :])
            result["server_cpu_s"] = server1 - server0
            return result
    raise RuntimeError(f"worker {kind} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


# ---------------------------------------------------------------------------------------------
# The two benchmarks


def bench_throughput(
    root: Path,
    sites: list[sitegen.GenSite],
    served: sitegen.Served,
    runs: int,
    per_host: int = 8,
    total: int = 32,
) -> dict[str, list[dict[str, Any]]]:
    """gongkai, the bare CrawlSpider and the do-nothing floor on the same served sites, no
    delay, same concurrency."""
    out: dict[str, list[dict[str, Any]]] = {"gongkai": [], "bare": [], "floor": []}
    with tempfile.TemporaryDirectory(prefix="gongkai-synth-cfg-") as cfg:
        config = sitegen.write_config(
            Path(cfg), served, sites, delay=0.0, per_host=per_host, total=total
        )
        bare_spec = {
            "starts": [served.bases[s.id] for s in sites],
            "netlocs": [f"127.0.0.1:{served.ports[s.id]}" for s in sites],
            "per_host": per_host,
            "total": total,
            "delay": 0,
        }
        floor_spec = {
            **bare_spec,
            "urls": [served.bases[s.id].rstrip("/") + path for s in sites for path in s.html_paths],
        }
        for i in range(runs):
            for kind in ("gongkai", "bare", "floor"):
                spec = {"gongkai": {"config": str(config)}, "bare": bare_spec}.get(kind, floor_spec)
                r = run_worker("bare" if kind == "floor" else kind, spec, served)
                out[kind].append(r)
                log(
                    f"  run {i + 1}/{runs} {kind:7s}: {r['html']} HTML pages, {r['responses']} "
                    f"responses in {r['crawl_wall_s']:.1f} s, CPU {r['cpu_s']:.1f} s = "
                    f"{r['cpu_s'] / max(r['html'], 1) * 1000:.2f} ms/page, peak RSS "
                    f"{r['maxrss_kb'] / 1024:.0f} MB, server CPU {r['server_cpu_s']:.1f} s"
                    + (f"  [exit {r['exit']}]" if r["exit"] else "")
                )
    return out


def bench_politeness(
    sites: list[sitegen.GenSite], served: sitegen.Served, delay: float, jitters: Sequence[float]
) -> list[dict[str, Any]]:
    """gongkai at `delay` s per host and one request per host, once per jitter setting."""
    out = []
    for jitter in jitters:
        with tempfile.TemporaryDirectory(prefix="gongkai-synth-cfg-") as cfg:
            config = sitegen.write_config(
                Path(cfg),
                served,
                sites,
                delay=delay,
                per_host=1,
                total=max(32, 2 * len(sites)),
                delay_jitter=jitter,
            )
            r = run_worker("gongkai", {"config": str(config)}, served)
        r["jitter"] = jitter
        r.update(politeness_figures(r, sites, delay))
        out.append(r)
        log(
            f"  jitter {jitter:g}: {r['html']} HTML pages in {r['crawl_wall_s']:.1f} s, bound "
            f"{r['bound_s']:.0f} s, ratio {r['ratio']:.3f}; all hosts busy together "
            f"{r['overlap_s']:.0f} s of {r['crawl_wall_s']:.0f} s"
            + (f"  [exit {r['exit']}]" if r["exit"] else "")
        )
    return out


def politeness_figures(r: dict[str, Any], sites: list[sitegen.GenSite], delay: float) -> dict:
    """Wall time against the politeness bound, and how long all hosts were busy at once."""
    import datetime as dt

    pages = sum(s.html_pages for s in sites)
    bound = pages / len(sites) * delay
    per_site = r["per_site"]
    firsts = [dt.datetime.fromisoformat(v["first"]) for v in per_site.values()]
    lasts = [dt.datetime.fromisoformat(v["last"]) for v in per_site.values()]
    spans = [(b - a).total_seconds() for a, b in zip(firsts, lasts, strict=True)]
    max_rows = max(v["rows"] for v in per_site.values())
    return {
        "pages": pages,
        "hosts": len(sites),
        "hosts_fetched": len(per_site),
        "bound_s": bound,
        "ratio": r["crawl_wall_s"] / bound,
        # Every stored row is one request to its host (off-site checks aside), plus robots.txt.
        "bound_rows_s": (max_rows + 1) * delay,
        "start_spread_s": (max(firsts) - min(firsts)).total_seconds(),
        "end_spread_s": (max(lasts) - min(lasts)).total_seconds(),
        "overlap_s": max(0.0, (min(lasts) - max(firsts)).total_seconds()),
        "span_min_s": min(spans),
        "span_median_s": statistics.median(spans),
        "span_max_s": max(spans),
        "rate_min": min(
            v["rows"] / max(s, 1) for v, s in zip(per_site.values(), spans, strict=True)
        ),
    }


# ---------------------------------------------------------------------------------------------
# RESULTS.md


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    return lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]


def _med(rows: list[dict[str, Any]], fn: Any) -> float:
    return statistics.median(fn(r) for r in rows)


def _n(x: int) -> str:
    return f"{x:,}"


def throughput_section(
    n_sites: int,
    n_pages: int,
    sites: list[sitegen.GenSite],
    served_kind: str,
    res: dict[str, list[dict[str, Any]]],
    gen_s: float,
    load: tuple[float, float],
) -> list[str]:
    """The 'Synthetic city' section."""
    g, b, f = res["gongkai"], res["bare"], res.get("floor", [])
    html_total = sum(s.html_pages for s in sites)
    utf8 = [s for s in sites if s.encoding == "utf-8"]
    gbk = [s for s in sites if s.encoding == "gbk"]

    def kb(group: list[sitegen.GenSite]) -> str:
        pages = sum(s.html_pages for s in group)
        return f"{sum(s.html_bytes for s in group) / max(pages, 1) / 1024:.1f}"

    metrics = [
        ("HTML pages parsed", lambda r: r["html"], ".0f"),
        ("HTTP responses", lambda r: r["responses"], ".0f"),
        ("bytes downloaded (MB)", lambda r: r["bytes"] / 1e6, ".1f"),
        ("crawl wall (s)", lambda r: r["crawl_wall_s"], ".1f"),
        ("pages/s (wall)", lambda r: r["html"] / r["crawl_wall_s"], ".0f"),
        ("crawl CPU (s, user+sys)", lambda r: r["cpu_s"], ".1f"),
        ("crawl CPU ÷ wall (cores)", lambda r: r["cpu_s"] / r["crawl_wall_s"], ".2f"),
        ("**CPU ms per HTML page**", lambda r: r["cpu_s"] / r["html"] * 1000, ".2f"),
        ("**pages per CPU-second**", lambda r: r["html"] / r["cpu_s"], ".0f"),
        ("peak RSS of crawl (MB)", lambda r: r["maxrss_kb"] / 1024, ".0f"),
        (f"server CPU ({served_kind}, s)", lambda r: r["server_cpu_s"], ".2f"),
    ]
    rows = []
    for label, fn, fmt in metrics:
        gv, bv = _med(g, fn), _med(b, fn)
        row = [label, format(gv, fmt), format(bv, fmt), f"{gv / bv:.2f}×" if bv else "—"]
        rows.append([*row, format(_med(f, fn), fmt)] if f else row)
    cpu_page = _med(g, lambda r: r["cpu_s"] / r["html"] * 1000)
    speedup = _med(g, lambda r: r["html"] / r["cpu_s"]) / _med(b, lambda r: r["html"] / r["cpu_s"])
    paired = ", ".join(
        f"{(rg['html'] / rg['cpu_s']) / (rb['html'] / rb['cpu_s']):.2f}×"
        for rg, rb in zip(g, b, strict=True)
    )
    missing = html_total - _med(g, lambda r: r["html"])
    lines = [
        f"{SYNTH_PREFIX}{n_sites} sites × {n_pages:,} pages",
        "",
        f"`bench/sitegen.py` generated {n_sites} sites × {n_pages:,} HTML pages ({_n(html_total)} "
        f"pages, {gen_s:.0f} s to write): per site a home page, 6 special pages, 6–10 columns "
        "(栏目) of paginated lists (20 entries a page, 首页/上一页/下一页/尾页) and articles, "
        f"mean {kb(utf8)} KB per HTML page on the UTF-8 sites and {kb(gbk)} KB on the GBK ones "
        "(every other site, `<meta charset=gbk>` and `Content-Type: …; charset=gbk`); a ~16-link "
        "header, breadcrumb, 发布时间 line, the 《政府网站发展指引》 metas, a footer with "
        "网站标识码/ICP/公安备案; small PDF/DOCX attachments, shared images; planted 404 links, "
        "a stale and an empty column, missing metas and two off-site links (a closed port). "
        f"Served by **{served_kind}** on 127.0.0.1, one port per site. Both crawlers run in the "
        "same session against the same servers: no delay, 8 requests per host:port, 32 in all, "
        "robots.txt obeyed. gongkai is the full pipeline through `crawlers.run.run_crawl` into a "
        "fresh SQLite store (extraction, attachment/image/off-site link checks, store writes); "
        "the bare crawler is `bench/baseline_spider.py` (CrawlSpider + LinkExtractor, title + "
        "PubDate + a date regex, no store). Crawl CPU and peak RSS are the crawl subprocess's "
        "own (`getrusage(RUSAGE_CHILDREN)` in a worker whose only child is the crawl); server "
        f"CPU is read from /proc. Load average (1 min) at start / end: {load[0]:.2f} / "
        f"{load[1]:.2f} on {os.cpu_count()} cores shared with other work; this machine's "
        f"Python speed (`results_md.cpu_calibration`, lower is faster): {cpu_calibration():.0f} "
        "ms.",
        "",
        *_md_table(
            [f"median of {len(g)} run(s)", "gongkai", "bare CrawlSpider", "ratio"]
            + (["Scrapy floor (fetch only)"] if f else []),
            rows,
        ),
        "",
        f"- Target ≤ {TARGET_CPU_MS:g} ms CPU per HTML page (full pipeline): "
        f"**{'met' if cpu_page <= TARGET_CPU_MS else 'NOT met'}** ({cpu_page:.2f} ms).",
        f"- Target ≥ {TARGET_SPEEDUP:g}× the bare CrawlSpider's pages per CPU-second: "
        f"**{'met' if speedup >= TARGET_SPEEDUP else 'NOT met'}** ({speedup:.2f}×; run by run "
        f"{paired}).",
    ]
    if f:
        floor_ms = _med(f, lambda r: r["cpu_s"] / r["html"] * 1000)
        bare_ms = _med(b, lambda r: r["cpu_s"] / r["html"] * 1000)
        lines += [
            f"- Scrapy floor: `bench/floor_spider.py` fetches the same {_n(html_total)} pages "
            "from a list (same concurrency and robots.txt; no link extraction, a callback that "
            f"keeps nothing) for {floor_ms:.2f} ms of CPU per page on this machine. That is what "
            "Scrapy itself costs per page here; above it gongkai spends "
            f"{cpu_page - floor_ms:.2f} ms (extraction, links, checks of attachments, images "
            f"and off-site links, store writes) and the bare CrawlSpider {bare_ms - floor_ms:.2f} "
            "ms (mostly building and filtering Requests for links it has seen).",
        ]
        if cpu_page > TARGET_CPU_MS:
            # The issue measured its baseline (a bare CrawlSpider at 8-11 ms per page) on a
            # machine of this kind; say what the same proportion is here.
            lines.append(
                f"- Why {TARGET_CPU_MS:g} ms is not met here: the issue set it where a bare "
                f"CrawlSpider cost 8–11 ms per page; here it costs {bare_ms:.2f} ms, and Scrapy "
                f"alone {floor_ms:.2f} ms. {TARGET_CPU_MS:g} ms of 9.5 ms (the middle of the "
                f"issue's range) is {TARGET_CPU_MS / 9.5:.0%} of the bare crawler; gongkai is at "
                f"{cpu_page / bare_ms:.0%} of it ({1 / (cpu_page / bare_ms):.2f}×), and the "
                f"fetch-only floor at {floor_ms / bare_ms:.0%}."
                + (
                    f" Scrapy alone costs more than {TARGET_CPU_MS:g} ms per page on this "
                    "machine, so no crawler built on Scrapy can meet the target here."
                    if floor_ms > TARGET_CPU_MS
                    else ""
                )
            )
        if speedup < TARGET_SPEEDUP:
            # The ratio has a ceiling: a crawler doing nothing per page still pays the floor.
            lines.append(
                f"- Why {TARGET_SPEEDUP:g}× is not met here: even the fetch-only floor, which "
                f"does nothing with a page, is only {bare_ms / floor_ms:.2f}× the bare "
                f"CrawlSpider; gongkai's {cpu_page - floor_ms:.2f} ms above the floor is what "
                f"separates its {speedup:.2f}× from that ceiling."
            )
    if missing:
        lines.append(
            f"- gongkai parsed {missing:.0f} fewer HTML pages than were generated — see the crawl "
            "log (page caps?)."
        )
    bad = [r["exit"] for r in g + b if r["exit"]]
    if bad:
        lines.append(f"- **Warning:** crawl exit codes {bad}.")
    lines.append(
        "- gongkai also requests what a bare crawler skips (attachments with GET for the "
        "personal-data scan, HEAD checks of images and off-site links) and parses 404 pages; "
        "bytes include those bodies."
    )
    return [*lines, ""]


def politeness_section(
    n_sites: int,
    n_pages: int,
    delay: float,
    served_kind: str,
    res: list[dict[str, Any]],
    load: tuple[float, float],
) -> list[str]:
    """The 'Politeness' section."""
    rows = []
    for r in res:
        rows.append(
            [
                f"{r['jitter']:g}" + (" (gongkai default)" if r["jitter"] == 0 else " (Scrapy's)"),
                _n(r["html"]),
                f"{r['crawl_wall_s']:.1f}",
                f"{r['bound_s']:.1f}",
                f"**{r['ratio']:.3f}**",
                f"{r['bound_rows_s']:.1f}",
                f"{r['crawl_wall_s'] / r['bound_rows_s']:.3f}",
                f"{r['hosts_fetched']}/{r['hosts']}",
                f"{r['start_spread_s']:.0f} / {r['end_spread_s']:.0f}",
                f"{r['overlap_s']:.0f}",
                f"{r['span_min_s']:.0f} / {r['span_median_s']:.0f} / {r['span_max_s']:.0f}",
                f"{r['cpu_s'] / max(r['html'], 1) * 1000:.2f}",
                f"{r['cpu_s'] / r['crawl_wall_s']:.2f}",
            ]
        )
    main = next((r for r in res if r["jitter"] == 0), res[0])
    ok = main["ratio"] <= TARGET_POLITE
    busy = main["overlap_s"] / main["crawl_wall_s"]
    lines = [
        f"{POLITE_PREFIX}{n_sites} sites × {n_pages:,} pages, delay {delay:g} s, 1 request per host",
        "",
        f"gongkai on the synthetic city (served by {served_kind}) with `delay: {delay:g}`, "
        "`concurrency_per_host: 1`, autothrottle off. The politeness bound is pages ÷ hosts × "
        f"delay; the 'requests' bound counts every request to the busiest host (its stored rows: "
        "pages, 404 targets, attachments and images, plus robots.txt). Per-site first and last "
        "fetch times come from the store (`pages.fetched_at`, 1 s resolution): 'all busy' is "
        "how long every host was being crawled at once. `delay_jitter` (settings.yaml, issue 7) "
        "is passed to Scrapy's `DOWNLOAD_DELAY_JITTER`; Scrapy 2.19's default 0.5 (the old "
        "`RANDOMIZE_DOWNLOAD_DELAY`) re-draws a 0.5–1.5× delay on every check of a host's queue. "
        f"Load average (1 min) at start / end: {load[0]:.2f} / {load[1]:.2f}.",
        "",
        *_md_table(
            [
                "delay_jitter",
                "HTML pages",
                "wall (s)",
                "bound (s)",
                "wall ÷ bound",
                "requests bound (s)",
                "wall ÷ requests bound",
                "hosts",
                "start / end spread (s)",
                "all busy (s)",
                "per-host span min / median / max (s)",
                "CPU ms/page",
                "crawl CPU ÷ wall (cores)",
            ],
            rows,
        ),
        "",
        f"- Target politeness, wall ≤ {TARGET_POLITE:g}× the bound (pages ÷ hosts × delay): "
        f"**{'met' if ok else 'NOT met'}** "
        f"({main['ratio']:.3f}× with delay_jitter {main['jitter']:g}).",
        f"- All {main['hosts']} hosts busy at once for {main['overlap_s']:.0f} s of the "
        f"{main['crawl_wall_s']:.0f} s crawl ({busy:.0%}); the slowest host kept "
        f"{main['rate_min']:.2f} requests/s against the {1 / delay:g}/s the delay allows.",
    ]
    if not ok:
        # Say whether the crawl was short of CPU: on a shared box a late timer is a late request.
        need = main["cpu_s"] / main["bound_s"]
        mean_load = (load[0] + load[1]) / 2
        lines.append(
            f"- The crawl process used {main['cpu_s'] / main['crawl_wall_s']:.2f} of a core on "
            f"average; keeping to the bound needs about {need:.2f}. At a load average of "
            f"{mean_load:.1f} on {os.cpu_count()} cores a runnable process gets roughly "
            f"{min(1.0, (os.cpu_count() or 1) / max(mean_load, 1)):.2f} of a core, so "
            + (
                "this run was short of CPU (other work on the box), not of politeness slots."
                if need > (os.cpu_count() or 1) / max(mean_load, 1) * 0.9
                else "CPU was not the limit here."
            )
        )
    return [*lines, ""]


def update_results(sections: list[list[str]], path: Path = RESULTS) -> None:
    """Replace each section (found by its heading up to the colon) in RESULTS.md; a new one
    goes before 'Where the crawl's time goes'."""
    for lines in sections:
        prefix = lines[0].split(":", 1)[0] + ":"
        update_section(prefix, lines, path, before="## Where the crawl's time goes")


# ---------------------------------------------------------------------------------------------


def run_all(
    *,
    sites_n: int = 20,
    pages_n: int = 1000,
    polite_sites: int = 20,
    polite_pages: int = 1000,
    delay: float = 0.25,
    jitters: Sequence[float] = (0.0,),
    runs: int = 1,
    python_server: bool = False,
    politeness: bool = True,
    throughput: bool = True,
) -> list[list[str]]:
    """Generate, serve and crawl the synthetic city; return the RESULTS.md sections."""
    sections: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="gongkai-synth-city-") as tmp_s:
        tmp = Path(tmp_s)
        if throughput:
            log(f"synthetic city: generating {sites_n} sites × {pages_n} pages")
            t0 = time.perf_counter()
            sites = sitegen.generate(tmp / "city", sites_n, pages_n)
            gen_s = time.perf_counter() - t0
            load0 = os.getloadavg()[0]
            with sitegen.serve(tmp / "city", sites, prefer_nginx=not python_server) as served:
                log(f"  served by {served.kind}; crawling with gongkai and the bare CrawlSpider")
                res = bench_throughput(tmp / "city", sites, served, runs)
                kind = served.kind
            sections.append(
                throughput_section(
                    sites_n, pages_n, sites, kind, res, gen_s, (load0, os.getloadavg()[0])
                )
            )
        if politeness:
            if not throughput or (polite_sites, polite_pages) != (sites_n, pages_n):
                log(f"politeness: generating {polite_sites} sites × {polite_pages} pages")
                sites = sitegen.generate(tmp / "polite", polite_sites, polite_pages)
                root = tmp / "polite"
            else:
                root = tmp / "city"
            load0 = os.getloadavg()[0]
            with sitegen.serve(root, sites, prefer_nginx=not python_server) as served:
                log(f"politeness: delay {delay} s, 1 request per host, served by {served.kind}")
                res_p = bench_politeness(sites, served, delay, jitters)
                kind = served.kind
            sections.append(
                politeness_section(
                    polite_sites, polite_pages, delay, kind, res_p, (load0, os.getloadavg()[0])
                )
            )
    return sections


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The synthetic-city options (shared with bench/bench.py)."""
    parser.add_argument("--synth-sites", type=int, default=None, help="synthetic city: sites")
    parser.add_argument(
        "--synth-pages", type=int, default=None, help="synthetic city: HTML pages per site"
    )
    parser.add_argument("--synth-runs", type=int, default=1, help="synthetic city: crawls each")
    parser.add_argument("--polite-sites", type=int, default=None, help="politeness: sites")
    parser.add_argument("--polite-pages", type=int, default=None, help="politeness: pages/site")
    parser.add_argument("--polite-delay", type=float, default=0.25, help="politeness: delay (s)")
    parser.add_argument(
        "--polite-jitter",
        default="0",
        help="politeness: comma-separated delay_jitter values to run (e.g. 0,0.5)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small synthetic sizes (5 × 300, politeness 5 × 100)"
    )
    parser.add_argument(
        "--python-server", action="store_true", help="serve with the bundled server, not nginx"
    )


def options(args: argparse.Namespace) -> dict[str, Any]:
    """run_all keyword arguments from parsed options (--quick picks small defaults)."""
    quick = args.quick
    return {
        "sites_n": args.synth_sites or (5 if quick else 20),
        "pages_n": args.synth_pages or (300 if quick else 1000),
        "polite_sites": args.polite_sites or (5 if quick else 20),
        "polite_pages": args.polite_pages or (100 if quick else 1000),
        "delay": args.polite_delay,
        "jitters": [float(x) for x in args.polite_jitter.split(",") if x.strip()],
        "runs": args.synth_runs,
        "python_server": args.python_server,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the synthetic-city benchmarks; print (and with --write, store) their sections."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--only", choices=["throughput", "politeness"], help="one benchmark")
    parser.add_argument("--worker", choices=["gongkai", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        spec = json.loads(Path(args.spec).read_text("utf-8"))
        fn = worker_gongkai if args.worker == "gongkai" else worker_bare
        print(RESULT_MARK + json.dumps(fn(spec)), flush=True)
        return 0
    sections = run_all(
        **options(args),
        throughput=args.only in (None, "throughput"),
        politeness=args.only in (None, "politeness"),
    )
    for lines in sections:
        print("\n".join(lines))
    if args.write:
        update_results(sections)
        log(f"wrote {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
