"""Server-side SVG charts for the report: no scripts, no network, readable without colour.

Each series is told apart by its marker shape and dash pattern (lines) or fill pattern (bars)
as well as its colour, every chart carries a legend and value labels, and the template puts
the same numbers in a data table beside it (issue 5: charts readable without colour alone).
All text is escaped here: labels come from configuration and stored runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
HEIGHT = 270
PAD_LEFT = 46
PAD_RIGHT = 96  # room for the last point's value label and the legend
PAD_TOP = 16
PAD_BOTTOM = 54  # x labels and the legend row
FONT = "14"

# (stroke colour, dash pattern, marker) per line series, in order; colours stay apart in
# greyscale print too, and dash + marker tell the series apart without colour.
LINE_STYLES: tuple[tuple[str, str, str], ...] = (
    ("#0b4f8a", "", "circle"),
    ("#9a4a00", "7 4", "square"),
    ("#2f6b2f", "2 3", "triangle"),
    ("#5b3fa8", "9 3 2 3", "diamond"),
)
# (fill colour, pattern) per bar stack, in order: solid, diagonal hatch, dots.
BAR_STYLES: tuple[tuple[str, str], ...] = (
    ("#8f1d14", "solid"),
    ("#9a6a00", "hatch"),
    ("#4a5560", "dots"),
)


@dataclass(frozen=True)
class Series:
    """One line: a value per x position (None: no point); `notes` label a missing value
    (e.g. 否决), drawn as a cross on the baseline."""

    label: str
    values: tuple[float | None, ...]
    notes: tuple[str | None, ...] = ()


def _num(x: float) -> str:
    """Format a coordinate compactly (one decimal)."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def value_text(v: float) -> str:
    """Format a plotted value as shown in a label (98, 97.9)."""
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    """Return one point marker; shapes differ so series are told apart without colour."""
    cx, cy = _num(x), _num(y)
    if shape == "square":
        return (
            f'<rect x="{_num(x - 4)}" y="{_num(y - 4)}" width="8" height="8" '
            f'fill="#fff" stroke="{colour}" stroke-width="2"/>'
        )
    if shape == "triangle":
        pts = f"{_num(x)},{_num(y - 5)} {_num(x + 5)},{_num(y + 4)} {_num(x - 5)},{_num(y + 4)}"
        return f'<polygon points="{pts}" fill="{colour}"/>'
    if shape == "diamond":
        pts = f"{_num(x)},{_num(y - 5)} {_num(x + 5)},{_num(y)} {_num(x)},{_num(y + 5)} {_num(x - 5)},{_num(y)}"
        return f'<polygon points="{pts}" fill="#fff" stroke="{colour}" stroke-width="2"/>'
    return f'<circle cx="{cx}" cy="{cy}" r="4" fill="{colour}"/>'


def _cross(x: float, y: float, colour: str) -> str:
    """Return the cross drawn for a noted missing value (a vetoed score)."""
    return (
        f'<path d="M{_num(x - 4)} {_num(y - 4)}L{_num(x + 4)} {_num(y + 4)}'
        f'M{_num(x - 4)} {_num(y + 4)}L{_num(x + 4)} {_num(y - 4)}" '
        f'stroke="{colour}" stroke-width="2"/>'
    )


def _x_positions(n: int, left: float, right: float) -> list[float]:
    """Return n evenly spaced x positions (centred when n is 1)."""
    if n == 1:
        return [(left + right) / 2]
    step = (right - left) / (n - 1)
    return [left + i * step for i in range(n)]


def _x_labels(labels: Sequence[str], xs: Sequence[float], y: float) -> list[str]:
    """Return the x-axis labels, thinned to at most 13 so they never overlap."""
    every = max(1, -(-len(labels) // 13))
    out = []
    for i, (label, x) in enumerate(zip(labels, xs, strict=True)):
        if i % every and i != len(labels) - 1:
            continue
        out.append(
            f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="middle" class="x-label">'
            f"{escape(label)}</text>"
        )
    return out


def _text_width(text: str) -> float:
    """Estimate the width of legend text at the chart's font size (CJK glyphs are square)."""
    return sum(14.0 if ord(ch) > 0x2E7F else 8.0 for ch in text)


def _legend_layout(labels: Sequence[str], swatch: float) -> tuple[list[tuple[float, float]], int]:
    """Place legend items left to right, wrapping to a new row when one would overflow;
    return each item's (x, row offset) and the number of rows."""
    x, row = float(PAD_LEFT), 0
    spots = []
    for label in labels:
        width = swatch + 8 + _text_width(label) + 18
        if x + width > WIDTH - 8 and x > PAD_LEFT:
            x, row = float(PAD_LEFT), row + 1
        spots.append((x, row * 22.0))
        x += width
    return spots, row + 1


def _frame(chart_id: str, title: str, desc: str, body: list[str], height: float) -> Markup:
    """Wrap chart content in an accessible <svg> (role img, title and description)."""
    cid = escape(chart_id)
    head = (
        f'<svg class="chart" id="{cid}" viewBox="0 0 {WIDTH} {_num(height)}" role="img" '
        f'aria-labelledby="{cid}-t {cid}-d" xmlns="http://www.w3.org/2000/svg" '
        f'font-size="{FONT}" font-family="sans-serif">'
        f'<title id="{cid}-t">{escape(title)}</title><desc id="{cid}-d">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def nice_range(lo: float, hi: float, integer: bool = False) -> tuple[float, float, float]:
    """Return (lo, hi, step): the range widened to whole steps of 1, 2, 2.5 or 5 × 10^n, with
    about six steps at most, so grid labels read 60, 70, 80 rather than 55, 66.2, 77.5.
    `integer`: counts, so the step is at least 1."""
    if hi <= lo:
        hi = lo + 1
    span = hi - lo
    magnitude = 10.0 ** math.floor(math.log10(span / 6))
    step = 10 * magnitude
    for m in (1.0, 2.0, 2.5, 5.0):
        if span / (m * magnitude) <= 6:
            step = m * magnitude
            break
    if integer:
        step = max(1.0, round(step))
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def _y_axis(
    lo: float, hi: float, step: float, y_of: Callable[[float], float], right: float
) -> list[str]:
    """Return horizontal grid lines with value labels at each step from lo to hi."""
    out = []
    n = round((hi - lo) / step)
    for i in range(n + 1):
        v = lo + i * step
        y = y_of(v)
        out.append(
            f'<line x1="{PAD_LEFT}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
            f'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{PAD_LEFT - 6}" y="{_num(y + 5)}" text-anchor="end" fill="#57606a">'
            f"{value_text(v)}</text>"
        )
    return out


LANE = 34  # height of the band under a line chart's plot where noted gaps (否决) are marked


def line_chart(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    lo: float = 0.0,
    hi: float = 100.0,
    unit: str = "",
) -> Markup:
    """Return an SVG line chart of the series over x_labels (e.g. scores per run).

    A missing value with a note (a vetoed score) is marked with a cross in a band under the
    plot, labelled once with the note, so it never collides with a plotted point.
    """
    right = WIDTH - PAD_RIGHT
    bottom = HEIGHT - PAD_BOTTOM
    finite = [v for s in series for v in s.values if v is not None]
    if finite:
        lo = min(lo, min(finite))
        hi = max(hi, max(finite))
    lo, hi, step = nice_range(lo, hi)
    noted = [
        (i, j, n)
        for i, s in enumerate(series)
        for j, (v, n) in enumerate(zip(s.values, s.notes or (None,) * len(s.values), strict=True))
        if v is None and n
    ]
    plot_bottom = bottom - (LANE if noted else 0)
    xs = _x_positions(len(x_labels), PAD_LEFT + 16, right - 8)

    def y_of(v: float) -> float:
        return plot_bottom - (v - lo) / (hi - lo) * (plot_bottom - PAD_TOP)

    body = _y_axis(lo, hi, step, y_of, right)
    body += _x_labels(x_labels, xs, bottom + 18)
    if noted:
        lane_y = bottom - LANE / 2
        body.append(
            f'<text x="{PAD_LEFT - 6}" y="{_num(lane_y + 5)}" text-anchor="end" '
            f'fill="#57606a">{escape(noted[0][2])}</text>'
        )
        for i, j, _ in noted:
            colour = LINE_STYLES[i % len(LINE_STYLES)][0]
            body.append(_cross(xs[j] + (i - (len(series) - 1) / 2) * 11, lane_y, colour))
    label_all = len(x_labels) <= 8
    for i, s in enumerate(series):
        colour, dash, shape = LINE_STYLES[i % len(LINE_STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        # One path per unbroken run of points: a missing value (a veto) breaks the line.
        runs: list[list[tuple[float, float]]] = [[]]
        for x, v in zip(xs, s.values, strict=True):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((x, y_of(v)))
        for run in runs:
            if len(run) > 1:
                d = "M" + "L".join(f"{_num(x)} {_num(y)}" for x, y in run)
                body.append(
                    f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>'
                )
        last = max((j for j, v in enumerate(s.values) if v is not None), default=None)
        for j, (x, v) in enumerate(zip(xs, s.values, strict=True)):
            if v is None:
                continue
            y = y_of(v)
            body.append(_marker(shape, x, y, colour))
            if label_all or j == last:
                body.append(
                    f'<text x="{_num(x + 7)}" y="{_num(y - 8)}" fill="{colour}" '
                    f'font-weight="600" class="v-label">{value_text(v)}{escape(unit)}</text>'
                )
    legend, rows = _legend_lines(series)
    body += legend
    desc = "；".join(
        f"{s.label}："
        + "，".join(
            f"{x} {value_text(v) + unit if v is not None else (n or '无')}"
            for x, v, n in zip(x_labels, s.values, s.notes or (None,) * len(s.values), strict=True)
        )
        for s in series
    )
    return _frame(chart_id, title, desc, body, HEIGHT + (rows - 1) * 22)


def _legend_lines(series: Sequence[Series]) -> tuple[list[str], int]:
    """Return the legend of a line chart (a line sample with its marker, then the label) and
    its number of rows."""
    out = []
    spots, rows = _legend_layout([s.label for s in series], 28)
    for i, (s, (x, dy)) in enumerate(zip(series, spots, strict=True)):
        colour, dash, shape = LINE_STYLES[i % len(LINE_STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        y = HEIGHT - 14 + dy
        out.append(
            f'<line x1="{_num(x)}" y1="{_num(y)}" x2="{_num(x + 28)}" y2="{_num(y)}" '
            f'stroke="{colour}" stroke-width="2"{dash_attr}/>'
        )
        out.append(_marker(shape, x + 14, y, colour))
        out.append(f'<text x="{_num(x + 36)}" y="{_num(y + 4)}">{escape(s.label)}</text>')
    return out, rows


def _patterns(chart_id: str) -> str:
    """Return the fill patterns of the bar stacks (ids unique per chart)."""
    defs = []
    for i, (colour, kind) in enumerate(BAR_STYLES):
        pid = f"{escape(chart_id)}-p{i}"
        if kind == "hatch":
            defs.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff3d6"/>'
                f'<line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" stroke-width="3"/></pattern>'
            )
        elif kind == "dots":
            defs.append(
                f'<pattern id="{pid}" width="5" height="5" patternUnits="userSpaceOnUse">'
                f'<rect width="5" height="5" fill="#eef1f4"/>'
                f'<circle cx="2.5" cy="2.5" r="1.2" fill="{colour}"/></pattern>'
            )
        else:
            defs.append(
                f'<pattern id="{pid}" width="4" height="4" patternUnits="userSpaceOnUse">'
                f'<rect width="4" height="4" fill="{colour}"/></pattern>'
            )
    return "<defs>" + "".join(defs) + "</defs>"


def bar_chart(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    stacks: Sequence[tuple[str, Sequence[int]]],
    unit: str = "",
) -> Markup:
    """Return an SVG stacked bar chart: one bar per x label, one patterned segment per stack
    (e.g. findings by severity per run), each segment and bar total labelled."""
    right = WIDTH - PAD_RIGHT
    bottom = HEIGHT - PAD_BOTTOM
    totals = [sum(vals[i] for _, vals in stacks) for i in range(len(x_labels))]
    _, hi, step = nice_range(0, max(max(totals, default=0), 4), integer=True)
    xs = _x_positions(len(x_labels), PAD_LEFT + 24, right - 16)
    slot = (right - PAD_LEFT) / max(len(x_labels), 1)
    bar_w = max(6.0, min(46.0, slot * 0.6))

    def h_of(v: float) -> float:
        return v / hi * (bottom - PAD_TOP)

    body = [_patterns(chart_id)]
    body += _y_axis(0, hi, step, lambda v: bottom - h_of(v), right)
    body += _x_labels(x_labels, xs, bottom + 16)
    for i, x in enumerate(xs):
        y = float(bottom)
        for k, (label, vals) in enumerate(stacks):
            v = vals[i]
            if not v:
                continue
            h = h_of(v)
            y -= h
            body.append(
                f'<rect x="{_num(x - bar_w / 2)}" y="{_num(y)}" width="{_num(bar_w)}" '
                f'height="{_num(h)}" fill="url(#{escape(chart_id)}-p{k})" stroke="#1f2328" '
                f'stroke-width="0.6"><title>{escape(x_labels[i])} {escape(label)} {v}{escape(unit)}'
                f"</title></rect>"
            )
            if h >= 15 and bar_w >= 22:
                # White text on the solid fill; dark text with a white halo on the patterns.
                halo = BAR_STYLES[k % len(BAR_STYLES)][1] != "solid"
                paint = (
                    'fill="#1f2328" stroke="#fff" stroke-width="3" paint-order="stroke"'
                    if halo
                    else 'fill="#fff"'
                )
                body.append(
                    f'<text x="{_num(x)}" y="{_num(y + h / 2 + 4)}" text-anchor="middle" '
                    f'font-weight="600" class="seg-label" {paint}>{v}</text>'
                )
        body.append(
            f'<text x="{_num(x)}" y="{_num(y - 4)}" text-anchor="middle" font-weight="600" '
            f'class="v-label">{totals[i]}</text>'
        )
    spots, rows = _legend_layout([label for label, _ in stacks], 18)
    for k, ((label, _), (x, dy)) in enumerate(zip(stacks, spots, strict=True)):
        ly = HEIGHT - 14 + dy
        body.append(
            f'<rect x="{_num(x)}" y="{_num(ly - 8)}" width="18" height="12" '
            f'fill="url(#{escape(chart_id)}-p{k})" stroke="#1f2328" stroke-width="0.6"/>'
            f'<text x="{_num(x + 26)}" y="{_num(ly + 3)}">{escape(label)}</text>'
        )
    desc = "；".join(
        f"{x_labels[i]}：共 {totals[i]}{unit}（"
        + "，".join(f"{label} {vals[i]}" for label, vals in stacks)
        + "）"
        for i in range(len(x_labels))
    )
    return _frame(chart_id, title, desc, body, HEIGHT + (rows - 1) * 22)
