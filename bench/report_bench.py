"""Report benchmark (issue 5): render 300 sites × 100 findings × 12 past runs from a seeded
SQLite store, as `gongkai report` does; print (and with --write, store in bench/RESULTS.md)
the time per phase and the output size. Target: under 10 s. Measured, never asserted.

The store is seeded through tests/reportseed.py (real history and scoring, saved as
`gongkai check` saves them), once per invocation, outside the timed part.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from results_md import update_section  # bench/ is sys.path[0] when run as a script

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "RESULTS.md"
HEADING = "## Report rendering: 300 sites × 100 findings × 12 runs"


def render_once(st: object, run_id: int, out: Path) -> dict[str, float]:
    """Render the run's report as cli.do_report does, timing its phases."""
    from reports import exports, render
    from reports.archive import load_archive

    # Time the data files apart from the HTML pages: wrap the writers write_report calls.
    spent: Counter[str] = Counter()

    def timed(label: str, fn: Any) -> Any:
        def wrapper(*a: Any, **kw: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[label] += time.perf_counter() - t

        return wrapper

    originals = {
        (render, "findings_json"): "findings.json",
        (render, "findings_csv"): "findings.csv",
        (exports, "findings_xlsx"): "findings.xlsx",
        (exports, "summary_json"): "summary.json",
    }
    saved = {key: getattr(*key) for key in originals if hasattr(*key)}
    for (mod, name), label in originals.items():
        if (mod, name) in saved:
            setattr(mod, name, timed(label, saved[(mod, name)]))
    t0 = time.perf_counter()
    run = st.get_run(run_id)  # type: ignore[attr-defined]
    sites = [
        {
            "id": s.site_id,
            "name": s.name,
            "kind": s.kind,
            "sector": s.sector,
            "regulator": s.regulator,
            "start_urls": list(s.start_urls),
            "profile": s.profile,
        }
        for s in st.run_sites(run_id)  # type: ignore[attr-defined]
    ]
    findings = st.findings(run_id)  # type: ignore[attr-defined]
    outcomes = st.outcomes(run_id)  # type: ignore[attr-defined]
    history = st.history(run_id)  # type: ignore[attr-defined]
    scores = st.scores(run_id)  # type: ignore[attr-defined]
    t1 = time.perf_counter()
    archive = load_archive(st, run_id)  # type: ignore[arg-type]
    t2 = time.perf_counter()
    run_dict = {
        "id": run.id,
        "as_of": run.as_of.isoformat(),
        "started_at": str(run.started_at),
        "finished_at": str(run.finished_at),
        "status": run.status,
        "config_dir": run.config_dir,
        "stats": run.stats or {},
    }
    try:
        render.write_report(out, run_dict, sites, findings, outcomes, history, scores, archive)
    finally:
        for (mod, name), fn in saved.items():
            setattr(mod, name, fn)
    t3 = time.perf_counter()
    data = sum(spent.values())
    return {
        "load run from store": t1 - t0,
        "load archive (12 runs)": t2 - t1,
        "HTML pages (build + render) and writing": t3 - t2 - data,
        **{label: spent[label] for label in originals.values() if label in spent},
        "total": t3 - t0,
    }


def sizes(out: Path) -> dict[str, tuple[int, int]]:
    """Return (files, bytes) per part of the report directory."""
    parts: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for path in out.rglob("*"):
        if path.is_file():
            rel = path.relative_to(out)
            key = f"{rel.parts[0]}/" if len(rel.parts) > 1 else rel.name
            parts[key] += path.stat().st_size
            counts[key] += 1
    return {k: (counts[k], parts[k]) for k in sorted(parts)}


def section(
    times: list[dict[str, float]],
    size: dict[str, tuple[int, int]],
    seeded: dict[str, float],
    args: argparse.Namespace,
) -> list[str]:
    """Return the RESULTS.md section."""
    total_bytes = sum(b for _, b in size.values())
    total_files = sum(n for n, _ in size.values())
    med = {k: statistics.median(t[k] for t in times) for k in times[0]}
    lines = [
        HEADING,
        "",
        f"How to reproduce: `.venv/bin/python bench/report_bench.py --write` (also run by `make bench`). "
        f"Measured {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} logical cores, Python {platform.python_version()}; load average at start "
        f"{seeded['load']:.2f}.",
        "",
        f"A temp SQLite store is seeded with {args.sites} sites × about {args.findings} findings × "
        f"{args.runs} weekly runs (tests/reportseed.py: real history and scoring; "
        f"{seeded['findings']:,} findings in the last run; seeding took {seeded['seconds']:.0f} s, "
        "untimed). The last run's report is then rendered as `gongkai report` renders it: "
        "index, one page per site, sector, rule and archive pages with trend charts and diff "
        f"pages, findings.json/csv/xlsx and summary.json. {len(times)} renders into a fresh "
        "directory each; the median is shown.",
        "",
        "| phase | median (s) | runs (s) |",
        "|---|---|---|",
    ]
    for k, v in med.items():
        runs = ", ".join(f"{t[k]:.2f}" for t in times)
        lines.append(f"| {k} | {v:.2f} | {runs} |")
    rest = med["total"] - med.get("findings.xlsx", 0.0)
    lines += [
        "",
        f"Target under 10 s: {'met' if med['total'] < 10 else 'NOT met'} ({med['total']:.1f} s); "
        f"everything but findings.xlsx (reports/exports.py, reports/xlsx.py): {rest:.1f} s.",
        "",
        "| output | files | MB |",
        "|---|---|---|",
    ]
    for k, (n, b) in size.items():
        lines.append(f"| `{k}` | {n} | {b / 1e6:.1f} |")
    lines.append(f"| total | {total_files} | {total_bytes / 1e6:.1f} |")
    lines.append("")
    return lines


def update_results(lines: list[str], path: Path = RESULTS) -> None:
    """Put the section into RESULTS.md, replacing an earlier copy (else at the end)."""
    update_section(HEADING, lines, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Seed, render `--repeat` times, print the section (and store it with --write)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=300)
    parser.add_argument("--findings", type=int, default=100, help="findings per site and run")
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--keep", metavar="DIR", help="copy the last report here")
    parser.add_argument(
        "--db", metavar="FILE", help="SQLite file to seed once and reuse (default: a temp file)"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from store import Store
    from tests.reportseed import seed

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gongkai-report-bench-") as tmp:
        st = Store(f"sqlite:///{Path(args.db or Path(tmp) / 'bench.db').resolve()}")
        t = time.perf_counter()
        run_id = st.latest_run_id("complete") or 0
        if not run_id:
            print(f"seeding {args.sites} sites × {args.findings} findings × {args.runs} runs …")
            run_id = seed(st, args.sites, args.findings, args.runs)
        seeded = {
            "seconds": time.perf_counter() - t,
            "findings": len(st.findings(run_id)),
            "load": load,
        }
        times = []
        out = Path(tmp) / "report"
        for i in range(args.repeat):
            shutil.rmtree(out, ignore_errors=True)
            times.append(render_once(st, run_id, out))
            print(f"render {i + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in times[-1].items()))
        size = sizes(out)
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(out, args.keep)
        st.close()
    lines = section(times, size, seeded, args)
    print("\n".join(lines))
    if args.write:
        update_results(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
