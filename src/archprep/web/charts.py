"""Server-side SVG charts: stacked bars, lines, meters and a ring, styled by CSS classes.

Horizontal positions are percentages and vertical ones pixels, with no viewBox: the charts
stretch to any width while their text keeps the page's font size (readable on a phone), and
colours come from the stylesheet so the dark theme applies. No inline styles (the CSP forbids
them) and no scripts.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

HEIGHT = 200
TOP = 14
BOTTOM = 26  # room for the x labels
SERIES_CLASSES = 12  # colours s0-s11 in app.css
# Marker outlines centred on (0, 0), about 10 px across. A series' shape changes with its
# colour, so series 0 and 12 share a colour but not a shape: every series shown is distinct.
MARKERS = (
    "M-5 0a5 5 0 1 0 10 0a5 5 0 1 0-10 0Z",  # circle
    "M-4.5-4.5h9v9h-9Z",  # square
    "M0-6L5.5 4H-5.5Z",  # triangle
    "M0-6L6 0L0 6L-6 0Z",  # diamond
)
DODGE = 11  # px a marker moves left when it would cover another on the same day


@dataclass
class Stack:
    """One bar: a label (the day) and its segments (CSS class, value, name)."""

    label: date
    parts: list[tuple[str, float, str]]

    @property
    def total(self) -> float:
        return sum(v for _, v, _ in self.parts)


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 4.0
    for step in (1, 2, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if value <= step * 4:
            return float(step * 4)
    return float(value)


def _y(value: float, top: float) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return round(TOP + plot * (1 - value / top), 1)


def _grid(top: float, fmt: str) -> list[str]:
    out = []
    for k in range(5):
        v = top * k / 4
        y = _y(v, top)
        label = fmt.format(v)
        out.append(f'<line class="grid" x1="0%" x2="100%" y1="{y}" y2="{y}"/>')
        out.append(f'<text class="tick" x="0%" y="{y - 4}">{_esc(label)}</text>')
    return out


def _day(d: date) -> str:
    return d.strftime("%d %b").lstrip("0")


def _x_labels(days: Sequence[date], position: list[float], every: int) -> list[str]:
    out = []
    last = len(days) - 1
    for i, d in enumerate(days):
        if i % every and i != last:
            continue
        if i != last and last - i < every / 2:
            continue  # the final label wins over a crowded neighbour
        anchor = "start" if i == 0 else "end" if i == last else "middle"
        out.append(
            f'<text class="xlabel" x="{position[i]:.2f}%" y="{HEIGHT - 8}" '
            f'text-anchor="{anchor}">{_esc(_day(d))}</text>'
        )
    return out


def _svg(body: list[str], label: str, css: str) -> Markup:
    return Markup(
        f'<svg class="chart {css}" width="100%" height="{HEIGHT}" role="img" '
        f'aria-label="{_esc(label)}" xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>"
    )


def stacked_bars(bars: Sequence[Stack], label: str, every: int = 7) -> Markup:
    """Bars per day, each stacked from its parts (e.g. Again/Hard/Good/Easy ratings)."""
    if not bars:
        return Markup("")
    top = _nice_max(max(b.total for b in bars))
    slot = 100 / len(bars)
    body = _grid(top, "{:.0f}")
    centres = []
    for i, bar in enumerate(bars):
        x = i * slot + slot * 0.18
        centres.append(i * slot + slot / 2)
        tip = f"{_day(bar.label)}: {bar.total:.0f} reviews" + "".join(
            f", {v:.0f} {name}" for _, v, name in bar.parts if v
        )
        body.append(f"<g><title>{_esc(tip)}</title>")
        base = 0.0
        for css, value, _name in bar.parts:
            if value <= 0:
                continue
            y1, y0 = _y(base + value, top), _y(base, top)
            body.append(
                f'<rect class="{_esc(css)}" x="{x:.2f}%" y="{y1}" width="{slot * 0.64:.2f}%" '
                f'height="{max(1.0, y0 - y1):.1f}"/>'
            )
            base += value
        if bar.total == 0:
            body.append(
                f'<rect class="empty" x="{x:.2f}%" y="{_y(0, top) - 1}" '
                f'width="{slot * 0.64:.2f}%" height="1"/>'
            )
        body.append("</g>")
    body += _x_labels([b.label for b in bars], centres, every)
    return _svg(body, label, "bars")


def series_style(n: int) -> tuple[str, str]:
    """The CSS colour class and marker path of the ``n``-th series."""
    return f"s{n % SERIES_CLASSES}", MARKERS[(n + n // SERIES_CLASSES) % len(MARKERS)]


def _marker(n: int, x: float, y: float, tip: str, dodge: int) -> str:
    # A nested <svg> places the marker at a percentage across and shifts it by pixels.
    shift = f' transform="translate({-dodge * DODGE} 0)"' if dodge else ""
    return (
        f'<svg x="{x:.2f}%" y="{y}" overflow="visible"><title>{_esc(tip)}</title>'
        f'<path class="dot" d="{series_style(n)[1]}"{shift}/></svg>'
    )


def lines(
    series: Mapping[str, Sequence[tuple[date, float | None]]],
    days: Sequence[date],
    label: str,
    *,
    top: float = 1.0,
    fmt: str = "{:.0%}",
    every: int = 7,
) -> Markup:
    """One line per named series over ``days``; ``None`` values leave a gap.

    Each series has its own colour and marker shape (see ``legend``), every point a tooltip,
    and markers that would hide each other on the same day are set side by side.
    """
    if not days:
        return Markup("")
    span = max(1, (days[-1] - days[0]).days)
    pad = 1.5
    taken: dict[date, list[float]] = {}  # marker heights already drawn on each day

    def x_of(d: date) -> float:
        return pad + (100 - 2 * pad) * (d - days[0]).days / span

    def dodge(d: date, y: float) -> int:
        placed = taken.setdefault(d, [])
        n = sum(1 for other in placed if abs(other - y) < 9)
        placed.append(y)
        return n

    body = _grid(top, fmt)
    for n, (name, all_points) in enumerate(series.items()):
        css = series_style(n)[0]
        points = [(d, v) for d, v in all_points if days[0] <= d <= days[-1]]
        body.append(f'<g class="series {css}"><title>{_esc(name)}</title>')
        prev: tuple[float, float] | None = None
        for d, v in points:
            if v is None:
                prev = None
                continue
            x, y = x_of(d), _y(min(max(v, 0.0), top), top)
            if prev is not None:
                body.append(
                    f'<line class="stroke" x1="{prev[0]:.2f}%" y1="{prev[1]}" '
                    f'x2="{x:.2f}%" y2="{y}"/>'
                )
            prev = (x, y)
        for d, v in points:
            if v is not None:
                x, y = x_of(d), _y(min(max(v, 0.0), top), top)
                tip = f"{name}, {_day(d)}: {fmt.format(v)}"
                body.append(_marker(n, x, y, tip, dodge(d, y)))
        body.append("</g>")
    body += _x_labels(list(days), [x_of(d) for d in days], every)
    return _svg(body, label, "lines")


def values_table(
    series: Mapping[str, Sequence[tuple[date, float | None]]],
    caption: str,
    *,
    name_header: str = "Series",
    value_header: str = "Value",
    fmt: str = "{:.0%}",
) -> Markup:
    """The numbers behind ``lines`` as a table, one row per point (day, series, value): what a
    screen reader reads instead of the chart, and exact values for anyone who opens it."""
    rows = sorted(
        (d, n, name, v)
        for n, (name, points) in enumerate(series.items())
        for d, v in points
        if v is not None
    )
    if not rows:
        return Markup("")
    body = "".join(
        f'<tr><td>{_esc(_day(d))}</td><td>{_esc(name)}</td><td class="num">{_esc(fmt.format(v))}'
        "</td></tr>"
        for d, _n, name, v in rows
    )
    return Markup(
        f'<details class="chart-values"><summary>{_esc(caption)}</summary>'
        f'<div class="table-scroll"><table class="table all-columns"><caption class="visually-hidden">'
        f'{_esc(caption)}</caption><thead><tr><th scope="col">Day</th>'
        f'<th scope="col">{_esc(name_header)}</th><th scope="col" class="num">{_esc(value_header)}</th>'
        f"</tr></thead><tbody>{body}</tbody></table></div></details>"
    )


def legend(names: Sequence[str], classes: Sequence[str] | None = None) -> Markup:
    """The key for ``lines`` (each series' colour and marker, in order) or ``stacked_bars``
    (the given classes, as squares)."""
    items = []
    for n, name in enumerate(names):
        if classes:
            mark = f'<svg class="swatch {classes[n]}" width="12" height="12" aria-hidden="true">'
            mark += '<rect width="12" height="12" rx="3"/></svg>'
        else:
            css, shape = series_style(n)
            mark = (
                f'<svg class="swatch {css}" width="14" height="14" viewBox="-7 -7 14 14" '
                f'aria-hidden="true"><path d="{shape}"/></svg>'
            )
        items.append(f"<li>{mark}{_esc(name)}</li>")
    return Markup('<ul class="legend">' + "".join(items) + "</ul>")


def meter(value: float | None, label: str, css: str = "") -> Markup:
    """A thin horizontal bar for a 0-1 value (readiness, retention)."""
    v = 0.0 if value is None else min(max(value, 0.0), 1.0)
    return Markup(
        f'<svg class="meter {_esc(css)}" width="100%" height="8" role="img" '
        f'aria-label="{_esc(label)}"><rect class="track" width="100%" height="8" rx="4"/>'
        + (f'<rect class="fill" width="{v * 100:.1f}%" height="8" rx="4"/>' if v > 0 else "")
        + "</svg>"
    )


def ring(value: float, label: str, size: int = 120, css: str = "") -> Markup:
    """A donut showing a 0-1 value with its percentage in the middle."""
    v = min(max(value, 0.0), 1.0)
    r = size / 2 - 9
    circumference = 2 * math.pi * r
    dash = circumference * v
    c = size / 2
    arc = (
        f'<circle class="fill" cx="{c}" cy="{c}" r="{r:.1f}" '
        f'stroke-dasharray="{dash:.1f} {circumference:.1f}" transform="rotate(-90 {c} {c})"/>'
    )
    return Markup(
        f'<svg class="ring {_esc(css)}" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-label="{_esc(label)}">'
        f'<circle class="track" cx="{c}" cy="{c}" r="{r:.1f}"/>'
        + (arc if dash >= 0.5 else "")
        + f'<text class="ring-value" x="50%" y="50%" dominant-baseline="central" '
        f'text-anchor="middle">{v * 100:.0f}%</text></svg>'
    )
