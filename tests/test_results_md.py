"""bench/RESULTS.md upkeep (issue 7): one section writer and the targets table built from it."""

from __future__ import annotations

from pathlib import Path

from bench import results_md

BASE = """# Benchmark results

Intro.

## Machine

| CPU | x |

## Synthetic city: 20 sites × 1,000 pages

old throughput

- Target ≤ 3 ms CPU per HTML page (full pipeline): **met** (2.86 ms).

## Where the crawl's time goes (cProfile, one crawl each)

profile

## Checks and scoring: 300 sites × 3,000 pages

- Target checks under 60 s: **NOT met** (99.2 s wall, median of 3).
"""


def test_update_section_replaces_by_heading_prefix_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text(BASE, "utf-8")
    # The section's title carries other parameters now: it is still found by its prefix.
    results_md.update_section(
        "## Synthetic city:",
        ["## Synthetic city: 5 sites × 300 pages", "", "new throughput", ""],
        path,
    )
    text = path.read_text("utf-8")
    assert "old throughput" not in text and "20 sites × 1,000" not in text
    assert "## Synthetic city: 5 sites × 300 pages\n\nnew throughput\n\n## Where" in text
    assert text.count("## Checks and scoring") == 1 and text.endswith("median of 3).\n")


def test_new_section_goes_before_the_named_heading_else_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text(BASE, "utf-8")
    results_md.update_section(
        "## Politeness:",
        ["## Politeness: x", "", "polite"],
        path,
        before="## Where the crawl's time goes",
    )
    results_md.update_section("## Memory:", ["## Memory: y", "", "rss"], path, before="## Nope")
    text = path.read_text("utf-8")
    assert text.index("## Politeness: x") < text.index("## Where the crawl's time goes")
    assert text.index("## Synthetic city") < text.index("## Politeness: x")
    assert text.rstrip().endswith("## Memory: y\n\nrss")


def test_targets_table_follows_the_sections_target_lines(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text(BASE, "utf-8")
    results_md.refresh_targets(path)
    text = path.read_text("utf-8")
    table = text[text.index(results_md.TARGETS_HEADING) : text.index("## Machine")]
    assert "| ≤ 3 ms CPU per HTML page (full pipeline) | 2.86 ms | **met** |" in table
    assert "| checks under 60 s | 99.2 s wall, median of 3 | **NOT met** |" in table
    # A bench rewriting its section updates the table in the same step.
    results_md.update_section(
        "## Checks and scoring:",
        [
            "## Checks and scoring: 300 sites × 3,000 pages",
            "",
            "- Target checks under 60 s: **met** (55.0 s wall, median of 3).",
        ],
        path,
    )
    text = path.read_text("utf-8")
    assert text.count(results_md.TARGETS_HEADING) == 1
    assert "| checks under 60 s | 55.0 s wall, median of 3 | **met** |" in text
    assert "99.2 s" not in text


def test_cpu_calibration_is_a_positive_duration() -> None:
    assert 0 < results_md.cpu_calibration(rounds=1) < 60_000


def test_targets_table_shows_earlier_runs_beside_this_one(tmp_path: Path) -> None:
    # The absolute CPU targets move with the machine (issue 7): a full run on another machine
    # stays in the table as a column, with both machines' Python speed.
    import json

    path = tmp_path / "RESULTS.md"
    path.write_text(BASE.replace("| CPU | x |", "| CPU | x |\n| Python speed: fixed loop | 22 |"))
    earlier = tmp_path / "targets_earlier.json"
    earlier.write_text(
        json.dumps(
            [
                {
                    "when": "day 1",
                    "python_ms": 72,
                    "rows": {"checks under 60 s": ["93.4 s wall", False]},
                }
            ]
        ),
        "utf-8",
    )
    results_md.refresh_targets(path, earlier)
    text = path.read_text("utf-8")
    table = text[text.index(results_md.TARGETS_HEADING) : text.index("## Machine")]
    assert "| target | measured | met | earlier: day 1, Python speed 72 ms | section |" in table
    assert (
        "| checks under 60 s | 99.2 s wall, median of 3 | **NOT met** | 93.4 s wall (NOT met) |"
        in (table)
    )
    assert "| 2.86 ms | **met** | — |" in table  # a target the earlier run did not measure
    assert "this run: 22 ms" in table
