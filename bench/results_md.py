"""Put one benchmark's section into bench/RESULTS.md, keeping every other section."""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def update_section(
    heading: str, lines: list[str], path: Path = RESULTS, *, before: str | None = None
) -> None:
    """Replace the section whose heading line starts with `heading` by `lines`.

    `heading` may be a prefix ("## Synthetic city:") so a section whose title carries its
    parameters is still found. A new section goes before the `before` heading when that is
    in the file, else at the end. Sections stay separated by one blank line.
    """
    text = path.read_text("utf-8") if path.exists() else "# Benchmark results\n"
    block = "\n".join(lines).strip("\n") + "\n"
    at = text.find("\n" + heading)
    if at >= 0:
        nxt = text.find("\n## ", at + 1)
        rest = text[nxt + 1 :] if nxt >= 0 else ""
        text = text[: at + 1] + block + ("\n" + rest if rest else "")
    elif before and (mark := text.find("\n" + before)) >= 0:
        text = text[: mark + 1] + block + "\n" + text[mark + 1 :]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text, "utf-8")
    if not heading.startswith(TARGETS_HEADING):
        refresh_targets(path)


TARGETS_HEADING = "## Issue 7 targets at a glance"
# A section states each target it measures on one line of this form (bench writers):
#   - Target <what>: **met** (<figure>).     or     **NOT met**
_TARGET = re.compile(r"^- Target (?P<what>.+?): \*\*(?P<met>met|NOT met)\*\* \((?P<fig>.+)\)\.?$")


def refresh_targets(path: Path = RESULTS, earlier: Path | None = None) -> None:
    """Rebuild the targets table at the top of RESULTS.md from the sections' target lines.

    Each run in `earlier` (default bench/targets_earlier.json, next to RESULTS.md) adds a
    column: the same targets measured on another machine, with its Python speed, because the
    absolute CPU targets move with the machine while ratios and bytes do not (issue 7).
    """
    text = path.read_text("utf-8")
    runs = _earlier_runs(earlier or path.parent / "targets_earlier.json")
    rows: list[str] = []
    for part in text.split("\n## ")[1:]:
        heading = part.split("\n", 1)[0]
        if "## " + heading == TARGETS_HEADING:
            continue
        for line in part.splitlines():
            if m := _TARGET.match(line):
                cells = [m["what"], m["fig"], "**met**" if m["met"] == "met" else "**NOT met**"]
                for run in runs:
                    fig, met = run["rows"].get(m["what"], ("—", None))
                    cells.append(fig + ("" if met is None else " (met)" if met else " (NOT met)"))
                rows.append("| " + " | ".join([*cells, heading]) + " |")
    if not rows:
        return
    speed = re.search(r"^\| Python speed[^|]*\| ([\d.]+) \|", text, re.M)
    head = ["target", "measured", "met"]
    head += [f"earlier: {r['when']}, Python speed {r['python_ms']:g} ms" for r in runs]
    lines = [
        TARGETS_HEADING,
        "",
        "Collected from the sections below (their '- Target …' lines), which give the "
        "conditions, the date and the detail of each measurement.",
    ]
    if runs:
        lines += [
            "",
            "The absolute CPU targets (ms per page, seconds of checks) move with the machine: "
            "machines of the same kind here ran Python at different speeds "
            f"(this run: {speed[1] if speed else '?'} ms for `results_md.cpu_calibration`'s "
            "fixed loop, lower is faster). The 'earlier' columns are full `make bench` runs on "
            "other machines (bench/targets_earlier.json); ratios, bytes and memory travel.",
        ]
    lines += [
        "",
        "| " + " | ".join([*head, "section"]) + " |",
        "|" + "---|" * (len(head) + 1),
        *rows,
        "",
    ]
    update_section(TARGETS_HEADING, lines, path, before="## Machine")


def _earlier_runs(path: Path) -> list[dict[str, Any]]:
    """Return the earlier runs listed in `path` (none when it is missing)."""
    if not path.exists():
        return []
    return json.loads(path.read_text("utf-8"))


def cpu_calibration(rounds: int = 5) -> float:
    """CPU ms of a fixed pure-Python loop (median of rounds): how fast this machine runs Python.

    Figures in ms of CPU per page scale with it, so two machines' RESULTS.md compare once
    divided by it (the same code measured 1.8x apart on two machines of the same kind here).
    """
    times = []
    for _ in range(rounds):
        t0 = time.process_time()
        acc, d = 0, {}
        for i in range(300_000):
            acc += i * i % 7
            d[i & 1023] = acc
        times.append((time.process_time() - t0) * 1000)
    return statistics.median(times)
