"""Hostile-server figures (issue 8): run tests/hostile.py's scenario with `gongkai run`, measure.

    .venv/bin/python bench/hostile_bench.py            # print the section
    .venv/bin/python bench/hostile_bench.py --write    # and put it into bench/RESULTS.md

The scenario is the one tests/test_hostile.py asserts on (there only generous bounds, never
times): a normal site whose home page links one route per server fault, plus one small site per
robots.txt fault, crawled with the shipped crawl defaults except delay 0, a 2 s timeout and
Retry-After capped at 2 s. Per fault: requests the servers saw, bytes they got out before the
crawler hung up (socket buffers included), the wall-clock span from its first request to its
last, and what was stored. `make bench` runs it after bench.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from results_md import update_section  # bench/ is sys.path[0] when run as a script

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests import hostile  # noqa: E402
from tests.hostile import City, CityRun, hostile_city, run_city  # noqa: E402

RESULTS = REPO / "bench" / "RESULTS.md"
HEADING = "## Hardening: hostile-server suite"


def _outcome(city: City, run: CityRun, fault_id: str) -> str:
    """What the stored rows of a fault's URLs say, e.g. 'timeout ×2' or '200 ×100'."""
    fault = city.fault(fault_id)
    urls = set()
    for name, paths in fault.where().items():
        base = city.servers[name].base
        urls |= {base + p.rstrip("*") for p in paths}
    if fault.site != "hostile":  # a robots.txt site: its pages
        rows = run.site_rows(fault.site)
    else:
        rows = [
            r
            for r in run.site_rows("hostile")
            if any(r["url"].startswith(u) for u in urls)
            or (fault_id == "link_farm" and "/farm/" in r["url"])
        ]
    counts = Counter(
        r["error"] or (f"{r['kind']} {r['status']}" if r["kind"] != "page" else str(r["status"]))
        for r in rows
    )
    return ", ".join(f"{k} ×{n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def measure(runs: int) -> list[dict]:
    """Run the scenario `runs` times; return per run the totals and per-fault figures."""
    out = []
    for i in range(runs):
        city = hostile_city(hostile.TIMEOUT)
        try:
            with tempfile.TemporaryDirectory(prefix="hostile-bench-") as tmp:
                started = time.monotonic()
                run = run_city(city, Path(tmp))
                wall = time.monotonic() - started
        finally:
            city.stop()
        crawl = re.search(r"抓取结束：(\d+) 个网址，用时 ([\d.]+) 秒", run.stdout)
        normal_ok = sum(
            1
            for url in city.normal
            for r in run.site_rows("hostile")
            if r["url"] == url and r["status"] == 200 and r["title"]
        )
        faults = []
        for fault in city.faults:
            hits = city.hits(fault.id)
            span = max(h.end or h.start for h in hits) - min(h.start for h in hits) if hits else 0
            faults.append(
                {
                    "id": fault.id,
                    "title": fault.title,
                    "requests": len(hits),
                    "sent": sum(h.sent for h in hits),
                    "span": span,
                    "outcome": _outcome(city, run, fault.id),
                }
            )
        out.append(
            {
                "code": run.code,
                "wall": wall,
                "crawl_wall": float(crawl.group(2)) if crawl else float("nan"),
                "rows": len(run.rows),
                "hostile_rows": len(run.site_rows("hostile")),
                "normal": (normal_ok, len(city.normal)),
                "findings": len(run.findings),
                "peak_rss_mb": run.stats.get("gongkai/peak_rss_kb", 0) / 1024,
                "response_mb": run.stats.get("downloader/response_bytes", 0) / 1e6,
                "sent_mb": sum(h.sent for s in city.servers.values() for h in s.hits) / 1e6,
                "hints": len(run.hints),
                "faults": faults,
            }
        )
        print(f"run {i + 1}: exit {run.code}, {wall:.1f} s", file=sys.stderr)
    return out


def _med(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


def section(results: list[dict]) -> list[str]:
    """Return the RESULTS.md section."""
    first = results[0]
    # A fault is survived when, in every run, the crawl finished on its own, every normal page
    # was stored and parsed, and the fault left stored rows (its outcome).
    survived = sum(
        1
        for i in range(len(first["faults"]))
        if all(
            r["code"] in (0, 1) and r["normal"][0] == r["normal"][1] and r["faults"][i]["outcome"]
            for r in results
        )
    )
    now = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    load = os.getloadavg()[0]
    runs = [f"run {i + 1}" for i in range(len(results))]
    lines = [
        HEADING,
        "",
        f"`bench/hostile_bench.py` (measured {now}, load average {load:.2f}): the scenario of "
        "tests/test_hostile.py — a normal site (home, 3 columns, 12 articles, 12 related pages) "
        "whose home page links one route per fault, plus one small site per robots.txt fault — "
        "crawled, checked and reported by `gongkai run` with the shipped crawl defaults "
        "(max_pages 500, max_depth 6, max_bytes 20 MB, max_links_per_page 1000, "
        "max_pages_per_pattern 100, AutoThrottle, 2 requests per host) except delay 0, "
        "timeout 2 s and retry_after_max 2 s. The test asserts only generous bounds; these are "
        "the measured figures.",
        "",
        f"**Faults survived: {survived} of {len(first['faults'])}** — in every run the crawl "
        "finished on its own (exit 0/1, not 3), each fault left its row or finding, and every "
        f"normal page ({first['normal'][1]}) was stored, parsed and checked.",
        "",
        "| | " + " | ".join(runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    rows = [
        ("`gongkai run` wall (s)", "wall", ".1f"),
        ("crawl wall (s)", "crawl_wall", ".1f"),
        ("rows stored (all 7 sites)", "rows", ".0f"),
        ("rows of the hostile site", "hostile_rows", ".0f"),
        ("findings", "findings", ".0f"),
        ("peak RSS of the crawl process (MB)", "peak_rss_mb", ".0f"),
        ("response bytes Scrapy kept (MB)", "response_mb", ".1f"),
        ("bytes the servers got out (MB)", "sent_mb", ".1f"),
        ("提示 lines to the operator", "hints", ".0f"),
    ]
    for label, key, fmt in rows:
        lines.append(f"| {label} | " + " | ".join(format(r[key], fmt) for r in results) + " |")
    lines += [
        "",
        "Peak RSS depends on how many max_bytes-sized bodies are held at once: the streamed "
        "50 MB page and the two bombs' output stop at 20 MB each, and whether they overlap "
        "varies from run to run (a plain sample-city crawl peaks near 155 MB).",
        "",
        "Per fault (median over the runs for requests, bytes and span; outcome of run 1). "
        "'Span' is the wall time from the fault's first request to its last, while the rest "
        "of the site was being crawled alongside.",
        "",
        "| fault | requests | bytes out | span (s) | stored rows (status or error) |",
        "|---|---|---|---|---|",
    ]
    for i, fault in enumerate(first["faults"]):
        per = [r["faults"][i] for r in results]
        req = _med([p["requests"] for p in per])
        sent = _med([p["sent"] for p in per])
        span = _med([p["span"] for p in per])
        lines.append(
            f"| {fault['title']} (`{fault['id']}`) | {req:.0f} | {_bytes(sent)} | {span:.1f} | "
            f"{fault['outcome'] or '—'} |"
        )
    lines += [
        "",
        "Before these defences (the same scenario against commit 5425ab0, one run, "
        "`git archive` of it with this script and tests/hostile.py): 0 of 21 faults survived. "
        "The link farm took 464 of the site's 500 pages, so of the 28 normal pages only the "
        "home page and the 3 columns were crawled (none of the 24 articles and related pages); "
        "the 16 MB robots.txt was downloaded whole (16.8 MB out) and parsed on the reactor "
        "thread (about 1.7 s per 8 MB, long enough for other downloads' timeouts to misfire); "
        "a redirect loop cost 21 requests instead of 4; Retry-After was ignored (the retry "
        "came at once); the bombs and redirect loops were stored as `other:` errors with "
        "Scrapy's English message; binary bodies were stored as parsed pages; the calendar and "
        "session-id spaces were only held back because the farm had used up the budget; and a "
        "robots.txt disallowing everything left no row, so `site_unreachable` failed the site "
        "as down (首页未出现在本次抓取记录中).",
        "",
        "Normal pages cost the same: the sample-city crawl of section 2 (`bench.py --worker "
        "pipeline`, 4 runs of each tree interleaved, 2026-11-26) used a median 4.67 s of crawl "
        "CPU with these defences and 4.77 s at 5425ab0, for the same 541 URLs; the per-link "
        "work added is a session-id check (0.9 µs) and, for new plain page links only, a URL "
        "pattern (3.9 µs).",
        "",
    ]
    return lines


def _bytes(n: float) -> str:
    if n >= 1e6:
        return f"{n / 1e6:.1f} MB"
    if n >= 1e3:
        return f"{n / 1e3:.0f} kB"
    return f"{n:.0f} B"


def update_results(lines: list[str], path: Path = RESULTS) -> None:
    """Put the section into RESULTS.md, replacing an earlier copy (else at the end)."""
    update_section(HEADING, lines, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the scenario, print the section (and store it with --write)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of the scenario (default 3)")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args(argv)
    lines = section(measure(args.runs))
    print("\n".join(lines))
    if args.write:
        update_results(lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
