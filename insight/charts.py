"""Server-rendered SVG charts for the insight dashboards: horizontal bars for categories and
a line for months. No JavaScript and nothing from a CDN; every chart sits beside a table of
the same numbers. A suppressed value ("<5") is drawn as a label with no bar or point, so
the picture never shows more than the table does."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from insight.suppression import SUPPRESSED

WIDTH, ROW, LABEL_W, VALUE_W = 560, 24, 200, 48
LINE_H, PAD_L, PAD_R, PAD_T, PAD_B = 220, 44, 16, 16, 36


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _slug(text: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in text.lower())


def _describe(title: str, points: list[tuple[str, object]]) -> str:
    shown = ", ".join(f"{label}: {'' if v is None else v}" for label, v in points)
    return f"{title}. {shown}"


def bar_chart(title: str, points: list[tuple[str, object]]) -> SafeString:
    """Horizontal bars, one per (label, value); values may be "<5" or None."""
    if not points:
        return mark_safe("")  # noqa: S308 - constant empty string
    numbers = [n for _, v in points if (n := _number(v)) is not None]
    top = max(numbers, default=0) or 1
    span = WIDTH - LABEL_W - VALUE_W
    height = ROW * len(points) + 8
    rows = []
    for i, (label, value) in enumerate(points):
        y = 4 + i * ROW
        n = _number(value)
        length = 0 if n is None else max(span * n / top, 1 if n else 0)
        text = SUPPRESSED if value == SUPPRESSED else ("" if value is None else f"{value:g}")
        rows.append(
            (
                LABEL_W - 6,
                y + 16,
                label,
                LABEL_W,
                y + 3,
                f"{length:.1f}",
                ROW - 6,
                f"{LABEL_W + length + 6:.1f}",
                y + 16,
                text,
            )
        )
    bars = format_html_join(
        "",
        '<text x="{}" y="{}" class="srx-chart__label" text-anchor="end">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" class="srx-chart__bar" fill="#005eb8"/>'
        '<text x="{}" y="{}" class="srx-chart__label">{}</text>',
        rows,
    )
    return format_html(
        '<svg class="srx-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}">'
        '<title id="{}">{}</title>{}</svg>',
        WIDTH,
        height,
        _slug(title),
        _slug(title),
        _describe(title, points),
        bars,
    )


def line_chart(title: str, points: list[tuple[str, object]]) -> SafeString:
    """A line through (label, value) points in order; a suppressed point breaks the line
    and shows "<5" at the baseline."""
    if not points:
        return mark_safe("")  # noqa: S308 - constant empty string
    numbers = [n for _, v in points if (n := _number(v)) is not None]
    top = max(numbers, default=0) or 1
    step = (WIDTH - PAD_L - PAD_R) / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return PAD_L + (step * i if len(points) > 1 else (WIDTH - PAD_L - PAD_R) / 2)

    def y(v: float) -> float:
        return PAD_T + (LINE_H - PAD_T - PAD_B) * (1 - v / top)

    path, pen_down, marks = [], False, []
    for i, (label, value) in enumerate(points):
        n = _number(value)
        if n is None:
            pen_down = False
            marks.append((f"{x(i):.1f}", f"{y(0) - 6:.1f}", SUPPRESSED, label))
            continue
        path.append(f"{'L' if pen_down else 'M'}{x(i):.1f},{y(n):.1f}")
        pen_down = True
        marks.append((f"{x(i):.1f}", f"{y(n) - 8:.1f}", f"{n:g}", label))
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" class="srx-chart__label" text-anchor="middle">{}</text>'
        '<text x="{}" y="{}" class="srx-chart__label" text-anchor="middle">{}</text>',
        ((mx, my, text, mx, LINE_H - 12, label) for mx, my, text, label in marks),
    )
    return format_html(
        '<svg class="srx-chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}">'
        '<title id="{}">{}</title>'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="srx-chart__grid"/>'
        '<path d="{}" class="srx-chart__line"/>{}</svg>',
        WIDTH,
        LINE_H,
        _slug(title),
        _slug(title),
        _describe(title, points),
        PAD_L,
        WIDTH - PAD_R,
        f"{y(0):.1f}",
        f"{y(0):.1f}",
        " ".join(path),
        labels,
    )


def chart_for(table) -> SafeString:
    """The chart a (suppressed) dashboard table asks for, from its label and chart column."""
    points = [(str(row[0]), row[table.chart_column]) for row in table.rows]
    if table.chart == "line":
        return line_chart(table.title, points)
    if table.chart == "bar":
        return bar_chart(table.title, points)
    return mark_safe("")  # noqa: S308 - constant empty string
